/**
 * One virtual server's runtime: which real servers are alive, what is in the kernel with
 * which weight, quorum with hysteresis and the sorry server, and the notifications each
 * change sends. Pure: every function copies its input state and returns the new state
 * with the actions, in keepalived's order.
 *
 * keepalived-compat: check/ipwrapper.c (init_service_vs, init_service_rs,
 * update_svr_checker_state, set_checker_state, perform_svr_state, update_quorum_state,
 * perform_quorum_state, update_svr_wgt, clear_service_vs, clear_service_rs,
 * update_vs_notifies, do_vs_notifies, do_rs_notifies) and check/ipvswrapper.c ipvs_cmd
 * (how inhibit_on_failure turns a removal into weight 0), check_data.h real_weight.
 */
import type { ScriptCommand } from '../config/script.js';
import {
  quorumSmtpBody,
  rsFifoLine,
  rsSmtpSubject,
  scriptAction,
  vsFifoLine,
  vsSmtpSubject,
} from './lvs_notify.js';
import type { LvsAction } from './lvs_notify.js';

/** IPVS_WEIGHT_LIMIT (INT_MAX): weights are clamped to 0..INT_MAX (real_weight). */
export const IPVS_WEIGHT_LIMIT = 2147483647;

export function realWeight(effectiveWeight: number): number {
  if (effectiveWeight < 0) return 0;
  return Math.min(effectiveWeight, IPVS_WEIGHT_LIMIT);
}

export interface RealServerContext {
  /** FMT_RS: `[10.0.0.2]:tcp:80`. */
  readonly text: string;
  /** The configured weight (rs->iweight). */
  readonly weight: number;
  readonly inhibitOnFailure: boolean;
  readonly smtpAlert: boolean;
  readonly notifyUp: ScriptCommand | undefined;
  readonly notifyDown: ScriptCommand | undefined;
}

export interface SorryServerContext {
  readonly text: string;
  readonly inhibitOnFailure: boolean;
}

export interface VirtualServerContext {
  /** FMT_VS: `[10.0.0.1]:tcp:80`, `FWM 5`, `[VSG]:0`. */
  readonly text: string;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly omega: boolean;
  readonly smtpAlert: boolean;
  readonly quorumUp: ScriptCommand | undefined;
  readonly quorumDown: ScriptCommand | undefined;
  readonly realServers: readonly RealServerContext[];
  readonly sorryServer: SorryServerContext | undefined;
}

/** The global settings the notifications depend on. */
export interface NotifyContext {
  readonly routerId: string;
  /** notification_email is non-empty and smtp_server is set (smtp_alert's own gate). */
  readonly smtpEnabled: boolean;
  readonly noCheckerEmails: boolean;
  readonly rsInitNotifies: boolean;
}

export interface RealServerRuntime {
  readonly alive: boolean;
  /** In the kernel (keepalived's rs->set). */
  readonly set: boolean;
  /** The weight last given to the kernel. */
  readonly kernelWeight: number;
  readonly numFailedCheckers: number;
  /** iweight plus the dynamic checkers' contributions. */
  readonly effectiveWeight: number;
}

export interface SorryServerRuntime {
  readonly alive: boolean;
  readonly set: boolean;
  readonly kernelWeight: number;
}

export interface VirtualServerRuntime {
  readonly quorumUp: boolean;
  readonly realServers: readonly RealServerRuntime[];
  readonly sorryServer: SorryServerRuntime | undefined;
  /** The service is in the kernel (between init and stop). */
  readonly active: boolean;
}

export interface VirtualServerTransition {
  readonly state: VirtualServerRuntime;
  readonly actions: readonly LvsAction[];
}

/** A checker's result as update_svr_checker_state sees it (see CheckerAction 'report'). */
export interface CheckerReport {
  readonly up: boolean;
  readonly wasUp: boolean;
  readonly firstRun: boolean;
  readonly alpha: boolean;
  readonly smtpBody: string | undefined;
}

/**
 * Before init: no real server alive and none in the kernel; alpha checkers already count
 * as failed (validate_check_config). quorum_state_up is then false: set_quorum_states()
 * weighs the live servers before any is alive.
 */
export function initialVirtualServerRuntime(
  ctx: VirtualServerContext,
  initiallyFailedCheckers: readonly number[],
): VirtualServerRuntime {
  return {
    quorumUp: false,
    active: false,
    realServers: ctx.realServers.map((rs, i) => ({
      alive: false,
      set: false,
      kernelWeight: 0,
      numFailedCheckers: initiallyFailedCheckers[i] ?? 0,
      effectiveWeight: rs.weight,
    })),
    sorryServer:
      ctx.sorryServer === undefined ? undefined : { alive: false, set: false, kernelWeight: 0 },
  };
}

type MutableRs = { -readonly [K in keyof RealServerRuntime]: RealServerRuntime[K] };
type MutableSorry = { -readonly [K in keyof SorryServerRuntime]: SorryServerRuntime[K] };

/**
 * A mutable working copy; every exported function copies the input into one. A real
 * server's runtime is copied when first changed (rsAt): a checker's report touches one of
 * them, and copying all of them per report made start-up quadratic (5,000 first results ×
 * 1,000 real servers per virtual server).
 */
interface Work {
  readonly ctx: VirtualServerContext;
  readonly notify: NotifyContext;
  quorumUp: boolean;
  active: boolean;
  /** The input's runtimes, each replaced by its own copy once rsAt hands it out. */
  readonly rs: RealServerRuntime[];
  readonly ownedRs: Set<number>;
  readonly sorry: MutableSorry | undefined;
  readonly actions: LvsAction[];
}

function begin(ctx: VirtualServerContext, notify: NotifyContext, s: VirtualServerRuntime): Work {
  return {
    ctx,
    notify,
    quorumUp: s.quorumUp,
    active: s.active,
    rs: s.realServers.slice(),
    ownedRs: new Set(),
    sorry: s.sorryServer === undefined ? undefined : { ...s.sorryServer },
    actions: [],
  };
}

function finish(w: Work): VirtualServerTransition {
  return {
    state: { quorumUp: w.quorumUp, active: w.active, realServers: w.rs, sorryServer: w.sorry },
    actions: w.actions,
  };
}

function log(w: Work, text: string): void {
  w.actions.push({ kind: 'log', text });
}

type IpvsCmd = 'add' | 'del' | 'edit';

/** ipvs_cmd for a real server: inhibit_on_failure makes a removal weight 0 (EDITDEST). */
function rsCmd(cmd: IpvsCmd, rs: MutableRs, inhibit: boolean): void {
  if (cmd === 'del' && inhibit) {
    if (rs.set) rs.kernelWeight = 0;
  } else if (cmd === 'add' && inhibit && rs.set) {
    rs.kernelWeight = realWeight(rs.effectiveWeight);
  } else if (cmd === 'add' && !rs.set) {
    rs.set = true;
    rs.kernelWeight = inhibit && rs.numFailedCheckers > 0 ? 0 : realWeight(rs.effectiveWeight);
  } else if (cmd === 'del' && rs.set) {
    rs.set = false;
    rs.kernelWeight = 0;
  } else if (cmd === 'edit' && rs.set) {
    rs.kernelWeight = realWeight(rs.effectiveWeight);
  }
}

/** ipvs_cmd for the sorry server (effective weight 1; forced 0 when added inhibited at init). */
function sorryCmd(cmd: 'add' | 'del', s: MutableSorry, inhibit: boolean, failed = false): void {
  if (cmd === 'del') {
    if (inhibit) {
      if (s.set) s.kernelWeight = 0;
    } else s.set = false;
    return;
  }
  if (!s.set) {
    s.set = true;
    s.kernelWeight = inhibit && failed ? 0 : 1;
  } else if (inhibit) s.kernelWeight = 1;
}

/** weigh_live_realservers. */
function liveWeight(w: Work): number {
  let sum = 0;
  for (const r of w.rs) if (r.alive) sum += realWeight(r.effectiveWeight);
  return sum;
}

function rsContext(w: Work, i: number): RealServerContext {
  const c = w.ctx.realServers[i];
  if (c === undefined) throw new RangeError(`No real server ${i} in VS ${w.ctx.text}`);
  return c;
}

/** Real server `i`'s runtime, to change: this work's own copy. */
function rsAt(w: Work, i: number): MutableRs {
  const r = rsView(w, i);
  if (w.ownedRs.has(i)) return r;
  const copy = { ...r };
  w.rs[i] = copy;
  w.ownedRs.add(i);
  return copy;
}

/** Real server `i`'s runtime, to read. */
function rsView(w: Work, i: number): RealServerRuntime {
  const r = w.rs[i];
  if (r === undefined) throw new RangeError(`No real server ${i} in VS ${w.ctx.text}`);
  return r;
}

/** do_rs_notifies: notify_up/notify_down, then the FIFO line (mail is the checker's). */
function rsNotifies(w: Work, i: number, stopping: boolean): void {
  const c = rsContext(w, i);
  const alive = rsView(w, i).alive;
  const script = alive ? c.notifyUp : c.notifyDown;
  if (script !== undefined) w.actions.push(scriptAction(script, stopping));
  w.actions.push({ kind: 'fifo', line: rsFifoLine(c.text, w.ctx.text, alive) });
}

/** do_vs_notifies: quorum_up/quorum_down, FIFO, mail. Only with omega when stopping. */
function vsNotifies(w: Work, init: boolean, threshold: number, weightSum: number, stopping: boolean): void {
  if (stopping && !w.ctx.omega) return;
  const script = w.quorumUp ? w.ctx.quorumUp : w.ctx.quorumDown;
  if (script !== undefined) w.actions.push(scriptAction(script, stopping));
  w.actions.push({ kind: 'fifo', line: vsFifoLine(w.ctx.text, w.quorumUp) });
  if (w.ctx.smtpAlert && w.notify.smtpEnabled) {
    const body = quorumSmtpBody(
      { up: w.quorumUp, init, stopping },
      { quorum: w.ctx.quorum, hysteresis: w.ctx.hysteresis, threshold, weightSum },
    );
    w.actions.push({ kind: 'smtp', subject: vsSmtpSubject(w.notify.routerId, w.ctx.text, w.quorumUp), body });
  }
}

/** perform_quorum_state: put the alive real servers back, or take them out. */
function performQuorumState(w: Work, add: boolean): void {
  const verb = add ? 'Adding alive servers to' : 'Removing alive servers from';
  log(w, `${verb} the pool for VS ${w.ctx.text}`);
  w.rs.forEach((r, i) => {
    if (r.alive) rsCmd(add ? 'add' : 'del', rsAt(w, i), rsContext(w, i).inhibitOnFailure);
  });
}

/** update_quorum_state. */
function updateQuorumState(w: Work, init: boolean): void {
  const weightSum = liveWeight(w);
  const q = w.ctx.quorum;
  const h = w.ctx.hysteresis;
  const threshold = q + (w.quorumUp ? -1 : 1) * h;
  const sorryCtx = w.ctx.sorryServer;
  if (!w.quorumUp && weightSum >= threshold) {
    w.quorumUp = true;
    log(w, `Gained quorum ${q}+${h}=${threshold} <= ${weightSum} for VS ${w.ctx.text}`);
    if (w.sorry !== undefined && sorryCtx !== undefined && w.sorry.alive) {
      const verb = sorryCtx.inhibitOnFailure ? 'Disabling' : 'Removing';
      log(w, `${verb} sorry server ${sorryCtx.text} from VS ${w.ctx.text}`);
      sorryCmd('del', w.sorry, sorryCtx.inhibitOnFailure);
      w.sorry.alive = false;
      performQuorumState(w, true);
    }
    vsNotifies(w, init, threshold, weightSum, false);
    return;
  }
  const sorryDown = w.sorry !== undefined && !w.sorry.alive;
  if ((w.quorumUp && (weightSum === 0 || weightSum < threshold)) || (init && !w.quorumUp && sorryDown)) {
    w.quorumUp = false;
    const what = init ? 'Starting with quorum down' : 'Lost quorum';
    log(w, `${what} ${q}-${h}=${threshold} > ${weightSum} for VS ${w.ctx.text}`);
    if (w.sorry !== undefined && sorryCtx !== undefined && !w.sorry.alive) {
      const verb = sorryCtx.inhibitOnFailure ? 'Enabling' : 'Adding';
      log(w, `${verb} sorry server ${sorryCtx.text} to VS ${w.ctx.text}`);
      performQuorumState(w, false);
      sorryCmd('add', w.sorry, sorryCtx.inhibitOnFailure);
      w.sorry.alive = true;
    }
    vsNotifies(w, init, threshold, weightSum, false);
  }
}

/** perform_svr_state: add or remove a real server whose alive state changes. */
function performSvrState(w: Work, i: number, alive: boolean): void {
  const r = rsAt(w, i);
  const c = rsContext(w, i);
  if (r.alive === alive) return;
  const verb = alive ? (c.inhibitOnFailure ? 'Enabl' : 'Add') : c.inhibitOnFailure ? 'Disabl' : 'Remov';
  const prep = c.inhibitOnFailure ? 'of' : alive ? 'to' : 'from';
  log(w, `${verb}ing service ${c.text} ${prep} VS ${w.ctx.text}`);
  if (w.quorumUp || w.sorry === undefined || !w.sorry.alive) rsCmd(alive ? 'add' : 'del', r, c.inhibitOnFailure);
  r.alive = alive;
  rsNotifies(w, i, false);
  updateQuorumState(w, false);
}

/**
 * init_service_vs at start-up: add every real server with no failed checker (alive), the
 * inhibited ones with weight 0, settle quorum (sorry server), add an inhibited sorry server.
 */
export function initVirtualServer(
  ctx: VirtualServerContext,
  notify: NotifyContext,
  s: VirtualServerRuntime,
): VirtualServerTransition {
  const w = begin(ctx, notify, s);
  w.active = true;
  w.rs.forEach((view, i) => {
    const c = rsContext(w, i);
    if ((view.numFailedCheckers === 0 && !view.alive) || (c.inhibitOnFailure && !view.set)) {
      const r = rsAt(w, i);
      rsCmd('add', r, c.inhibitOnFailure);
      if (r.numFailedCheckers === 0) {
        r.alive = true;
        if (notify.rsInitNotifies) rsNotifies(w, i, false);
      }
    }
  });
  updateQuorumState(w, true);
  const sorryCtx = ctx.sorryServer;
  if (w.sorry !== undefined && sorryCtx !== undefined && sorryCtx.inhibitOnFailure && !w.sorry.set) {
    sorryCmd('add', w.sorry, true, true);
  }
  return finish(w);
}

/** update_svr_checker_state (with set_checker_state) followed by the checker's mail. */
export function applyCheckerReport(
  ctx: VirtualServerContext,
  notify: NotifyContext,
  s: VirtualServerRuntime,
  at: { readonly realServer: number; readonly report: CheckerReport },
): VirtualServerTransition {
  const w = begin(ctx, notify, s);
  const i = at.realServer;
  const rep = at.report;
  const r = rsAt(w, i);
  const wasAlive = r.alive;
  if (rep.wasUp === rep.up) {
    if (rep.firstRun && (rep.alpha || !rep.up)) rsNotifies(w, i, false);
  } else {
    if (rep.up && r.numFailedCheckers <= 1) performSvrState(w, i, true);
    if (!rep.up && r.numFailedCheckers === 0) performSvrState(w, i, false);
    r.numFailedCheckers = rep.up ? Math.max(0, r.numFailedCheckers - 1) : r.numFailedCheckers + 1;
  }
  const c = rsContext(w, i);
  const gate = wasAlive !== r.alive || !notify.noCheckerEmails;
  if (rep.smtpBody !== undefined && c.smtpAlert && notify.smtpEnabled && gate) {
    const subject = rsSmtpSubject(notify.routerId, c.text, ctx.text, r.alive ? 'UP' : 'DOWN');
    w.actions.push({ kind: 'smtp', subject, body: rep.smtpBody });
  }
  return finish(w);
}

/**
 * A dynamic weight change (MISC_CHECK misc_dynamic). apply: update_svr_wgt (log, kernel
 * edit when the server is in the pool, quorum); otherwise only the stored value changes.
 */
export function changeRealServerWeight(
  ctx: VirtualServerContext,
  notify: NotifyContext,
  s: VirtualServerRuntime,
  at: { readonly realServer: number; readonly delta: number; readonly apply: boolean },
): VirtualServerTransition {
  const w = begin(ctx, notify, s);
  const r = rsAt(w, at.realServer);
  const c = rsContext(w, at.realServer);
  const oldWeight = realWeight(r.effectiveWeight);
  r.effectiveWeight += at.delta;
  const newWeight = realWeight(r.effectiveWeight);
  if (at.apply && newWeight !== oldWeight) {
    const state = r.alive ? '' : 'in';
    log(w, `Changing weight from ${oldWeight} to ${newWeight} for ${state}active service ${c.text} of VS ${ctx.text}`);
    if (r.set && r.alive && (w.quorumUp || w.sorry === undefined || !w.sorry.alive)) rsCmd('edit', r, false);
    updateQuorumState(w, false);
  }
  return finish(w);
}

/**
 * clear_service_vs at shutdown (lvs_flush_on_stop off): remove the sorry server and every
 * real server (`Shutting down service ...`), then the quorum notifies. Notifies other
 * than SNMP are sent only with omega; scripts then get 1 s before SIGKILL.
 */
export function stopVirtualServer(
  ctx: VirtualServerContext,
  notify: NotifyContext,
  s: VirtualServerRuntime,
): VirtualServerTransition {
  const w = begin(ctx, notify, s);
  if (w.sorry !== undefined && w.sorry.set) {
    w.sorry.set = false;
    w.sorry.alive = false;
  }
  w.rs.forEach((view, i) => {
    const c = rsContext(w, i);
    const inhibited = c.inhibitOnFailure && !view.alive ? '(inhibited) ' : '';
    log(w, `Shutting down ${inhibited}service ${c.text} from VS ${ctx.text}`);
    if (!view.set) return;
    const r = rsAt(w, i);
    rsCmd('del', r, false);
    if (!r.alive) return;
    r.alive = false;
    if (!ctx.omega) return;
    rsNotifies(w, i, true);
    if (c.smtpAlert && notify.smtpEnabled) {
      const subject = rsSmtpSubject(notify.routerId, c.text, ctx.text, 'DOWN');
      w.actions.push({ kind: 'smtp', subject, body: '=> Shutting down <=' });
    }
  });
  const threshold = ctx.quorum - ctx.hysteresis;
  const weightSum = liveWeight(w);
  w.quorumUp = false;
  vsNotifies(w, false, threshold, weightSum, true);
  w.active = false;
  return finish(w);
}

/** The real servers (and sorry server) in the kernel with their weights, in config order. */
export function kernelDestinations(
  s: VirtualServerRuntime,
): { readonly realServers: readonly (number | undefined)[]; readonly sorryServer: number | undefined } {
  return {
    realServers: s.realServers.map((r) => (s.active && r.set ? r.kernelWeight : undefined)),
    sorryServer: s.active && s.sorryServer?.set === true ? s.sorryServer.kernelWeight : undefined,
  };
}
