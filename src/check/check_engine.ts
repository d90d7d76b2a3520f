/**
 * The whole checker process as a pure state machine: every checker of the configuration,
 * every virtual server's runtime, and the data plane they imply. The shell feeds it time,
 * probe results and VIP presence (ha_suspend), runs the `run_probe` actions, executes the
 * notifications and reconciles the kernel with desiredDataPlane().
 *
 * keepalived-compat: check_daemon.c start_check (validate, init_services,
 * register_checkers_thread), check_api.c update_checker_activity (ha_suspend),
 * ipwrapper.c clear_services.
 */
import type { DesiredDataPlane, DesiredDestination, DesiredService } from '../lvs/desired.js';
import { destinationKeyText } from '../lvs/desired.js';
import type { CheckPlan, PlannedChecker } from './checker_plan.js';
import { checkerStep, initialCheckerState, withEnabled } from './checker_state.js';
import type { CheckerAction, CheckerEvent, CheckerState } from './checker_state.js';
import type { LvsAction } from './lvs_notify.js';
import {
  applyCheckerReport,
  changeRealServerWeight,
  initialVirtualServerRuntime,
  initVirtualServer,
  kernelDestinations,
  stopVirtualServer,
} from './virtual_server_state.js';
import type { VirtualServerRuntime, VirtualServerTransition } from './virtual_server_state.js';

export interface CheckerSlot {
  /** undefined for FILE_CHECK / BFD_CHECK. */
  readonly timed: CheckerState | undefined;
  /** FILE_CHECK / BFD_CHECK: the tracker's verdict. */
  readonly externalUp: boolean;
  readonly externalHasRun: boolean;
}

export interface CheckEngineState {
  readonly checkers: readonly CheckerSlot[];
  readonly virtualServers: readonly VirtualServerRuntime[];
}

export type EngineAction =
  | LvsAction
  /** Run checker `checkerId`'s probe now, giving up after timeoutUs. */
  | { readonly kind: 'run_probe'; readonly checkerId: number; readonly timeoutUs: number };

export interface EngineTransition {
  readonly state: CheckEngineState;
  readonly actions: readonly EngineAction[];
}

export type EngineEvent =
  | { readonly kind: 'checker'; readonly checkerId: number; readonly event: CheckerEvent }
  /** FILE_CHECK / BFD_CHECK verdict from its tracker. */
  | { readonly kind: 'external_state'; readonly checkerId: number; readonly up: boolean }
  /** ha_suspend: whether the virtual server's address is configured on this host. */
  | { readonly kind: 'vip_presence'; readonly virtualServer: number; readonly present: boolean };

function checkerAt(plan: CheckPlan, id: number): PlannedChecker {
  const c = plan.checkers[id];
  if (c === undefined) throw new RangeError(`No checker ${id}`);
  return c;
}

function vsRuntimeAt(s: CheckEngineState, v: number): VirtualServerRuntime {
  const r = s.virtualServers[v];
  if (r === undefined) throw new RangeError(`No virtual server ${v}`);
  return r;
}

/** Before start: alpha checkers (and alpha BFD checkers) already count as failed. */
export function initialEngineState(plan: CheckPlan): CheckEngineState {
  const checkers = plan.checkers.map((c) => ({
    timed: c.params === undefined ? undefined : initialCheckerState(c.params),
    externalUp: !c.startsFailed,
    externalHasRun: false,
  }));
  // Failed checkers per real server, in one pass over the checkers.
  const failed = plan.virtualServers.map((pv) => pv.config.realServers.map(() => 0));
  plan.checkers.forEach((c, i) => {
    const counts = failed[c.virtualServer];
    if (counts === undefined || !(checkers[i]?.timed?.isUp === false || checkers[i]?.externalUp === false)) return;
    counts[c.realServer] = (counts[c.realServer] ?? 0) + 1;
  });
  const virtualServers = plan.virtualServers.map((pv, v) => initialVirtualServerRuntime(pv.context, failed[v] ?? []));
  return { checkers, virtualServers };
}

function replaceAt<T>(list: readonly T[], i: number, v: T): T[] {
  const out = list.slice();
  out[i] = v;
  return out;
}

/**
 * Slot `slot` with another timed state. Written out in initialEngineState's field order,
 * like checker_state.ts's copyState: one object shape for every slot.
 */
function withTimed(slot: CheckerSlot, timed: CheckerState): CheckerSlot {
  return { timed, externalUp: slot.externalUp, externalHasRun: slot.externalHasRun };
}

function withVs(s: CheckEngineState, v: number, t: VirtualServerTransition, actions: EngineAction[]): CheckEngineState {
  actions.push(...t.actions);
  return { ...s, virtualServers: replaceAt(s.virtualServers, v, t.state) };
}

/**
 * Start-up: init_services (real servers into the kernel, quorum, sorry server), then
 * register_checkers_thread (`Activating healthchecker for service RS for VS VS`, or
 * `Deactivating` for an ha_suspend VS whose address is absent) with the warmup jitter.
 *
 * @param opts.random one draw in [0, 1) per timed checker (a seeded PRNG in the shell).
 * @param opts.vipPresent ha_suspend: whether virtual server `v`'s address is local.
 */
export function engineStart(
  plan: CheckPlan,
  s: CheckEngineState,
  opts: { readonly nowUs: number; readonly random: () => number; readonly vipPresent?: (v: number) => boolean },
): EngineTransition {
  const actions: EngineAction[] = [];
  let state = s;
  plan.virtualServers.forEach((pv, v) => {
    state = withVs(state, v, initVirtualServer(pv.context, plan.notify, vsRuntimeAt(state, v)), actions);
  });
  const checkers = state.checkers.map((slot, id) => {
    const c = checkerAt(plan, id);
    if (slot.timed === undefined) return slot;
    const pv = plan.virtualServers[c.virtualServer];
    const suspended = pv?.config.haSuspend === true && opts.vipPresent?.(c.virtualServer) !== true;
    const rsText = slot.timed.params.rsText;
    actions.push({
      kind: 'log',
      text: `${suspended ? 'Dea' : 'A'}ctivating healthchecker for service ${rsText} for VS ${pv?.context.text ?? ''}`,
    });
    const started = checkerStep(withEnabled(slot.timed, !suspended), { kind: 'start', random: opts.random() }, opts.nowUs);
    return withTimed(slot, started.state);
  });
  return { state: { ...state, checkers }, actions };
}

/**
 * Applies a checker's actions to its real server, in order: the engine actions go to `out`,
 * the returned state has the virtual servers they changed (the same object when none did).
 */
function applyCheckerActions(
  plan: CheckPlan,
  s: CheckEngineState,
  c: PlannedChecker,
  checkerActions: readonly CheckerAction[],
  out: EngineAction[],
): CheckEngineState {
  let state = s;
  const pv = plan.virtualServers[c.virtualServer];
  if (pv === undefined) throw new RangeError(`No virtual server ${c.virtualServer}`);
  for (const a of checkerActions) {
    switch (a.kind) {
      case 'run_probe':
        out.push({ kind: 'run_probe', checkerId: c.id, timeoutUs: a.timeoutUs });
        break;
      case 'log':
        out.push(a);
        break;
      case 'report': {
        const { kind: _kind, ...report } = a;
        const vs = vsRuntimeAt(state, c.virtualServer);
        const t = applyCheckerReport(pv.context, plan.notify, vs, { realServer: c.realServer, report });
        state = withVs(state, c.virtualServer, t, out);
        break;
      }
      case 'change_weight': {
        const at = { realServer: c.realServer, delta: a.delta, apply: a.apply };
        const vs = vsRuntimeAt(state, c.virtualServer);
        state = withVs(state, c.virtualServer, changeRealServerWeight(pv.context, plan.notify, vs, at), out);
        break;
      }
    }
  }
  return state;
}

/** Feeds one event. */
export function engineStep(plan: CheckPlan, s: CheckEngineState, e: EngineEvent, nowUs: number): EngineTransition {
  switch (e.kind) {
    case 'checker': {
      const c = checkerAt(plan, e.checkerId);
      const slot = s.checkers[e.checkerId];
      if (slot?.timed === undefined) return { state: s, actions: [] };
      const t = checkerStep(slot.timed, e.event, nowUs);
      const next = { ...s, checkers: replaceAt(s.checkers, e.checkerId, withTimed(slot, t.state)) };
      const actions: EngineAction[] = [];
      return { state: applyCheckerActions(plan, next, c, t.actions, actions), actions };
    }
    case 'external_state': {
      const c = checkerAt(plan, e.checkerId);
      const slot = s.checkers[e.checkerId];
      if (slot === undefined || slot.timed !== undefined) return { state: s, actions: [] };
      const report: CheckerAction = {
        kind: 'report',
        up: e.up,
        wasUp: slot.externalUp,
        firstRun: !slot.externalHasRun,
        alpha: c.startsFailed,
        smtpBody: undefined,
      };
      const nextSlot = { ...slot, externalUp: e.up, externalHasRun: true };
      const next = { ...s, checkers: replaceAt(s.checkers, e.checkerId, nextSlot) };
      const actions: EngineAction[] = [];
      return { state: applyCheckerActions(plan, next, c, [report], actions), actions };
    }
    case 'vip_presence':
      return onVipPresence(plan, s, e.virtualServer, e.present);
  }
}

/** update_checker_activity: `Activating|Suspending healthchecker for service RS for VS VS`. */
function onVipPresence(plan: CheckPlan, s: CheckEngineState, v: number, present: boolean): EngineTransition {
  const pv = plan.virtualServers[v];
  if (pv === undefined || !pv.config.haSuspend) return { state: s, actions: [] };
  const actions: EngineAction[] = [];
  const checkers = s.checkers.map((slot, id) => {
    const c = checkerAt(plan, id);
    if (c.virtualServer !== v || slot.timed === undefined || slot.timed.enabled === present) return slot;
    const verb = present ? 'Activat' : 'Suspend';
    actions.push({
      kind: 'log',
      text: `${verb}ing healthchecker for service ${slot.timed.params.rsText} for VS ${pv.context.text}`,
    });
    return withTimed(slot, withEnabled(slot.timed, present));
  });
  return { state: { ...s, checkers }, actions };
}

/**
 * Feeds several events in order, as engineStep would one by one, but copies the checker
 * array once for the whole batch instead of once per event: with thousands of real
 * servers the per-event copy dominated the checker's CPU (bench/RESULTS.md, checker CPU).
 */
export function engineStepMany(plan: CheckPlan, s: CheckEngineState, events: readonly EngineEvent[], nowUs: number): EngineTransition {
  const actions: EngineAction[] = [];
  // Owned by this call until it returns, so updating it in place keeps the function pure.
  let checkers = [...s.checkers];
  let state: CheckEngineState = { checkers, virtualServers: s.virtualServers };
  for (const e of events) {
    if (e.kind !== 'checker') {
      const t = engineStep(plan, state, e, nowUs);
      checkers = [...t.state.checkers];
      state = { checkers, virtualServers: t.state.virtualServers };
      actions.push(...t.actions);
      continue;
    }
    const slot = checkers[e.checkerId];
    if (slot?.timed === undefined) continue;
    const t = checkerStep(slot.timed, e.event, nowUs);
    checkers[e.checkerId] = withTimed(slot, t.state);
    // Most results only move the checker's deadline: nothing for its real server.
    if (t.actions.length === 0) continue;
    // applyCheckerActions replaces virtual servers only: `state` keeps this `checkers`.
    state = applyCheckerActions(plan, state, checkerAt(plan, e.checkerId), t.actions, actions);
  }
  return { state, actions };
}

const TIMER_EVENT: CheckerEvent = { kind: 'timer' };

/** The checkers whose deadline has passed, in checker order (a full scan). */
export function engineDueCheckers(s: CheckEngineState, nowUs: number): number[] {
  const due: number[] = [];
  const checkers = s.checkers;
  for (let id = 0; id < checkers.length; id++) {
    const d = checkers[id]?.timed?.deadlineUs;
    if (d !== undefined && d <= nowUs) due.push(id);
  }
  return due;
}

/**
 * Fires the checkers in `due` (by default every checker whose deadline has passed). The
 * daemon passes the due checkers of its deadline index (check/deadline_queue.ts) instead
 * of scanning: a checker not yet due is left alone either way.
 */
export function engineTimers(plan: CheckPlan, s: CheckEngineState, nowUs: number, due = engineDueCheckers(s, nowUs)): EngineTransition {
  if (due.length === 0) return { state: s, actions: [] };
  return engineStepMany(plan, s, due.map((checkerId) => ({ kind: 'checker', checkerId, event: TIMER_EVENT })), nowUs);
}

/** Checker `id`'s deadline (undefined: none, e.g. probing or stopped), for the daemon's index. */
export function engineCheckerDeadlineUs(s: CheckEngineState, id: number): number | undefined {
  return s.checkers[id]?.timed?.deadlineUs;
}

/** Shutdown: clear_services (lvs_flush_on_stop off); omega sends the down notifies. */
export function engineStop(plan: CheckPlan, s: CheckEngineState): EngineTransition {
  const actions: EngineAction[] = [];
  let state = s;
  plan.virtualServers.forEach((pv, v) => {
    state = withVs(state, v, stopVirtualServer(pv.context, plan.notify, vsRuntimeAt(state, v)), actions);
  });
  const checkers = state.checkers.map((slot) =>
    slot.timed === undefined ? slot : { ...slot, timed: { ...slot.timed, deadlineUs: undefined, probing: false } },
  );
  return { state: { ...state, checkers }, actions };
}

/** What should be in the kernel now, for the reconciler (src/lvs). */
export function desiredDataPlane(plan: CheckPlan, s: CheckEngineState): DesiredDataPlane {
  const services: DesiredService[] = [];
  plan.virtualServers.forEach((pv, v) => {
    const rt = s.virtualServers[v];
    if (rt === undefined || !rt.active) return;
    const k = kernelDestinations(rt);
    const destinations: DesiredDestination[] = [];
    const seen = new Set<string>();
    const push = (d: DesiredDestination): void => {
      const key = destinationKeyText(d);
      if (seen.has(key)) return;
      seen.add(key);
      destinations.push(d);
    };
    pv.config.realServers.forEach((rs, r) => {
      const weight = k.realServers[r];
      if (weight === undefined) return;
      const a = rs.address;
      push({ family: a.family, address: a.address, port: a.port, weight, forwarding: rs.forwarding.method });
    });
    const ss = pv.config.sorryServer;
    if (ss !== undefined && k.sorryServer !== undefined) {
      const a = ss.address;
      push({ family: a.family, address: a.address, port: a.port, weight: k.sorryServer, forwarding: ss.forwarding.method });
    }
    for (const key of pv.services) {
      services.push({
        key,
        scheduler: pv.config.scheduler,
        persistenceTimeoutS: pv.config.persistenceTimeoutS,
        destinations,
      });
    }
  });
  return { services };
}
