/**
 * SIGHUP in the checker process: the running engine state carried over to a new plan as a
 * diff, so that an unchanged service keeps its kernel entries and its health.
 *
 * keepalived-compat (2.2.7): check_daemon.c reload_check_thread → start_check, which runs
 * ipwrapper.c clear_diff_services (with clear_diff_rs, migrate_checkers, clear_diff_s_srv,
 * clear_diff_vsg), set_effective_weights, check_new_rs_state, init_services and
 * check_api.c register_checkers_thread, in that order. The facts reproduced:
 * - A virtual server is the same when its identity is (vs_iseq): the group name and member
 *   number for a group, else the family and the fwmark, else protocol, address and port.
 *   One that is gone logs `Removing Virtual Server VS` (`Removing Virtual Server Group
 *   [NAME]`) and its real servers go as on a checker failure, not as on shutdown: `Removing
 *   service RS from VS VS`, notify_down and the RS FIFO line for the alive ones whatever
 *   omega says, then the quorum-down notifies if the quorum was up (clear_service_vs with
 *   stopping false).
 * - A real server is the same when its address and port are (rs_iseq). A kept one keeps
 *   alive, "in the kernel" and its effective weight; one that is gone logs `service RS no
 *   longer exist` before being removed as above.
 * - A checker of a kept real server takes over the state of the first old checker of that
 *   server with the same type and the same probe (the checkers' compare functions: the
 *   connection for TCP/UDP/PING, plus the urls for HTTP/SSL, helo_name for SMTP, type and
 *   name for DNS, script and misc_dynamic for MISC, the instance for BFD). Timers (delay_loop,
 *   retry, warmup, …) are not compared: they apply from now on. A migrated checker keeps
 *   up/down and has-run; its retry count is capped at the new retry − 1.
 * - Then the server's failed checkers are counted again; if one failed (or the server is down
 *   and none has run), new alpha checkers start failed and every not-yet-run checker goes
 *   down on its first failure. A server with no failed checker that is down is added back
 *   (`Adding service`); a failed one is put in or taken out of the kernel by
 *   inhibit_on_failure, silently.
 * - New checkers on a reload start up with no retry done (retry_it 0), except alpha ones of
 *   a new real server, which start failed (check_new_rs_state).
 * - A changed weight logs `Changing weight from A to B for [in]active service …` and is
 *   written to the kernel if the server is in the pool (init_service_rs → update_svr_wgt);
 *   quorum, sorry server and new real servers then settle as at start-up (init_service_vs).
 * - Every checker is registered again: `Activating healthchecker for service RS for VS VS`
 *   (`Deactivating` for an ha_suspend VS whose address is absent) and a first run at 1 s +
 *   warmup × random, as at start-up: keepalived cancels every running check on reload.
 *
 * Pure: time and the warmup draws are inputs; the shell carries out the actions and then
 * reconciles the data plane, which only changes what differs (lvs/reconcile.ts).
 */
import type { Checker, CheckerConnection, VirtualServer, VirtualServerGroup, VirtualServerGroupEntry } from '../config/model/lvs.js';
import { formatAddressTrio, protocolText } from '../config/model/lvs_format.js';
import type { EngineAction, EngineTransition, CheckEngineState, CheckerSlot } from './check_engine.js';
import type { CheckPlan, PlannedChecker, PlannedVirtualServer } from './checker_plan.js';
import { checkerStep, initialCheckerState, type CheckerState } from './checker_state.js';
import { quorumSmtpBody, rsFifoLine, rsSmtpSubject, scriptAction, vsFifoLine, vsSmtpSubject } from './lvs_notify.js';
import {
  applyCheckerReport,
  initialVirtualServerRuntime,
  initVirtualServer,
  realWeight,
  type NotifyContext,
  type RealServerContext,
  type RealServerRuntime,
  type VirtualServerContext,
  type VirtualServerRuntime,
} from './virtual_server_state.js';

export interface EngineReloadOptions {
  readonly nowUs: number;
  /** One draw in [0, 1) per timed checker (the warmup jitter of the first run). */
  readonly random: () => number;
  /** ha_suspend: whether new virtual server `v`'s address is configured here. */
  readonly vipPresent?: (v: number) => boolean;
  /** The virtual_server_group definitions, for the group-member log lines (optional). */
  readonly groups?: {
    readonly old: readonly VirtualServerGroup[];
    readonly new: readonly VirtualServerGroup[];
  };
}

export interface EngineReload extends EngineTransition {
  /** For each new virtual server: the old one it continues, if any. */
  readonly virtualServerFrom: readonly (number | undefined)[];
  /** For each new checker: the old checker whose state it took over, if any. */
  readonly checkerFrom: readonly (number | undefined)[];
}

/** vs_iseq as a text key. */
export function virtualServerIdentity(vs: VirtualServer): string {
  const k = vs.key;
  switch (k.kind) {
    case 'group':
      return `group ${k.group} ${k.memberIndex}`;
    case 'fwmark':
      return `fwmark ${vs.family ?? '-'} ${k.fwmark}`;
    case 'address':
      return `${k.address.family} ${protocolText(vs.protocol)} ${k.address.address} ${k.address.port}`;
  }
}

/** Compares values as the configuration model holds them, without source locations. */
function sameValue(a: unknown, b: unknown): boolean {
  const strip = (k: string, v: unknown): unknown => (k === 'at' ? undefined : v);
  return JSON.stringify(a, strip) === JSON.stringify(b, strip);
}

/** compare_conn_opts: destination, bindto, bind_if, connect_timeout, fwmark. */
function sameConnection(a: CheckerConnection, b: CheckerConnection): boolean {
  return (
    sameValue(a.destination, b.destination) &&
    sameValue(a.bindTo, b.bindTo) &&
    a.bindInterface === b.bindInterface &&
    a.connectTimeoutUs === b.connectTimeoutUs &&
    a.fwmark === b.fwmark
  );
}

/**
 * The checkers' compare functions (check_tcp.c, check_http.c, …): whether a new checker
 * continues an old one. HTTP_GET and SSL_GET share keepalived's CHECKER_HTTP type.
 * keepalived-ts: FILE_CHECK has no compare function in keepalived (its track file is re-read
 * on reload); here an unchanged one keeps its verdict, so a server held down by its file
 * is not added back for the moment the tracker takes to read the file again.
 */
export function sameChecker(a: Checker, b: Checker): boolean {
  switch (a.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
    case 'UDP_CHECK':
      return b.type === a.type && sameConnection(a.connection, b.connection);
    case 'HTTP_GET':
    case 'SSL_GET':
      return (
        (b.type === 'HTTP_GET' || b.type === 'SSL_GET') &&
        sameConnection(a.connection, b.connection) &&
        a.virtualhost === b.virtualhost &&
        a.urls.length === b.urls.length &&
        a.urls.every((u, i) => {
          const v = b.urls[i];
          return (
            v !== undefined &&
            u.path === v.path &&
            u.digest === v.digest &&
            u.virtualhost === v.virtualhost &&
            sameValue(u.statusCodes, v.statusCodes) &&
            sameValue(u.regex, v.regex)
          );
        })
      );
    case 'SMTP_CHECK':
      return b.type === 'SMTP_CHECK' && a.heloName === b.heloName && sameConnection(a.connection, b.connection);
    case 'DNS_CHECK':
      return (
        b.type === 'DNS_CHECK' && a.queryType === b.queryType && a.name === b.name && sameConnection(a.connection, b.connection)
      );
    case 'MISC_CHECK':
      return b.type === 'MISC_CHECK' && a.dynamic === b.dynamic && sameValue(a.script.argv, b.script.argv);
    case 'BFD_CHECK':
      return b.type === 'BFD_CHECK' && a.name === b.name;
    case 'FILE_CHECK':
      return b.type === 'FILE_CHECK' && a.trackFile === b.trackFile && a.weight === b.weight && a.reverse === b.reverse;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Slot = Mutable<CheckerSlot>;
type Rs = Mutable<RealServerRuntime>;

function hasRun(s: Slot): boolean {
  return s.timed === undefined ? s.externalHasRun : s.timed.hasRun;
}

function isUp(s: Slot): boolean {
  return s.timed === undefined ? s.externalUp : s.timed.isUp;
}

/** set_checker_state(false) on a checker's flag (the failure count is the caller's). */
function setDown(s: Slot): void {
  if (s.timed === undefined) s.externalUp = false;
  else s.timed = { ...s.timed, isUp: false };
}

function isAlpha(c: PlannedChecker): boolean {
  return c.params?.alpha ?? c.startsFailed;
}

/**
 * A checker as the new configuration creates it on a reload: up (alpha too: validate_check_config
 * leaves alpha to migrate_checkers / check_new_rs_state on a reload), not run, no retry done.
 */
function reloadedSlot(c: PlannedChecker): Slot {
  return {
    timed: c.params === undefined ? undefined : { ...initialCheckerState(c.params), isUp: true, retryIt: 0 },
    externalUp: true,
    externalHasRun: false,
  };
}

/** migrate_checkers for one pair (with check_misc.c migrate_misc_check). */
function migrate(to: Slot, from: CheckerSlot): void {
  const o = from.timed;
  const t = to.timed;
  if (t === undefined || o === undefined) {
    to.externalUp = from.externalUp;
    to.externalHasRun = from.externalHasRun;
    return;
  }
  let next: CheckerState = { ...t, hasRun: o.hasRun };
  if (o.hasRun && o.isUp !== t.isUp) next = { ...next, isUp: o.isUp };
  const retry = t.params.retry;
  if (o.retryIt !== 0 && retry !== 0) next = { ...next, retryIt: o.retryIt >= retry ? retry - 1 : o.retryIt };
  if (t.params.type === 'MISC_CHECK') {
    next = { ...next, lastExitCode: o.lastExitCode, lastRanUs: o.lastRanUs };
    // keepalived-ts: migrate_misc_check gives a misc_dynamic checker whose last exit was 0
    // a weight of −iweight (zeroing the server's weight on every reload); we apply the rule
    // misc_check_child_thread uses for the same status instead (0 → no contribution).
    if (t.params.miscDynamic && o.lastExitCode !== 1) {
      const code = o.lastExitCode;
      next = { ...next, curWeight: code >= 2 ? code - 2 - t.params.rsWeight : 0 };
    }
  }
  to.timed = next;
}

function vsAt<T>(list: readonly T[], i: number, what: string): T {
  const x = list[i];
  if (x === undefined) throw new RangeError(`No ${what} ${i}`);
  return x;
}

function liveWeight(rs: readonly RealServerRuntime[]): number {
  let sum = 0;
  for (const r of rs) if (r.alive) sum += realWeight(r.effectiveWeight);
  return sum;
}

/** clear_service_rs(stopping false): out of the kernel; an alive one notifies DOWN. */
function removeRealServer(
  vs: VirtualServerContext,
  c: RealServerContext,
  r: Rs,
  notify: NotifyContext,
  actions: EngineAction[],
): void {
  if (r.set) {
    const inhibited = c.inhibitOnFailure && !r.alive ? '(inhibited) ' : '';
    actions.push({ kind: 'log', text: `Removing ${inhibited}service ${c.text} from VS ${vs.text}` });
  }
  if (!r.set) return;
  r.set = false;
  r.kernelWeight = 0;
  if (!r.alive) return;
  r.alive = false;
  if (c.notifyDown !== undefined) actions.push(scriptAction(c.notifyDown, false));
  actions.push({ kind: 'fifo', line: rsFifoLine(c.text, vs.text, false) });
  if (c.smtpAlert && notify.smtpEnabled) {
    actions.push({ kind: 'smtp', subject: rsSmtpSubject(notify.routerId, c.text, vs.text, 'DOWN'), body: '=> Removing <=' });
  }
}

/** update_vs_notifies(stopping false): the quorum-down notifies when removals lost it. */
function quorumAfterRemovals(
  vs: VirtualServerContext,
  quorumUp: boolean,
  rs: readonly RealServerRuntime[],
  notify: NotifyContext,
  actions: EngineAction[],
): void {
  const threshold = vs.quorum - vs.hysteresis;
  const weightSum = liveWeight(rs);
  if (!quorumUp || (weightSum !== 0 && weightSum >= threshold)) return;
  if (vs.quorumDown !== undefined) actions.push(scriptAction(vs.quorumDown, false));
  actions.push({ kind: 'fifo', line: vsFifoLine(vs.text, false) });
  if (vs.smtpAlert && notify.smtpEnabled) {
    const body = quorumSmtpBody(
      { up: false, init: false, stopping: false },
      { quorum: vs.quorum, hysteresis: vs.hysteresis, threshold, weightSum },
    );
    actions.push({ kind: 'smtp', subject: vsSmtpSubject(notify.routerId, vs.text, false), body });
  }
}

/** clear_service_vs(stopping false) for a virtual server gone from the configuration. */
function removeVirtualServer(pv: PlannedVirtualServer, rt: VirtualServerRuntime, notify: NotifyContext, actions: EngineAction[]): void {
  const key = pv.config.key;
  const what = key.kind === 'group' ? `Virtual Server Group [${key.group}]` : `Virtual Server ${pv.context.text}`;
  actions.push({ kind: 'log', text: `Removing ${what}` });
  const rs = rt.realServers.map((r) => ({ ...r }));
  rs.forEach((r, i) => removeRealServer(pv.context, vsAt(pv.context.realServers, i, 'real server'), r, notify, actions));
  quorumAfterRemovals(pv.context, rt.quorumUp, rs, notify, actions);
}

function entrySame(a: VirtualServerGroupEntry, b: VirtualServerGroupEntry): boolean {
  if (a.kind === 'fwmark') return b.kind === 'fwmark' && a.fwmark === b.fwmark;
  if (b.kind === 'fwmark') return false;
  return a.family === b.family && a.first === b.first && a.last === b.last && a.port === b.port;
}

/** The `VS [..]` part of the group-member lines (inet_sockaddrtotrio, with keepalived's extra brackets). */
function entryText(e: VirtualServerGroupEntry, vs: VirtualServer, fwmarkPrefix: string): string {
  if (e.kind === 'fwmark') return `[${fwmarkPrefix}${e.fwmark}]`;
  const trio = formatAddressTrio({ family: e.family, address: e.first, port: e.port }, vs.protocol);
  return e.first === e.last ? `[${trio}]` : `[${trio}-${e.last}]`;
}

/** clear_diff_vsge / sync_service_vsg_entry: the members that left or joined a kept group. */
function groupMemberLines(
  oldVs: VirtualServer,
  newVs: VirtualServer,
  groups: EngineReloadOptions['groups'],
): { readonly gone: string[]; readonly added: string[] } {
  const key = newVs.key;
  if (groups === undefined || key.kind !== 'group') return { gone: [], added: [] };
  const before = groups.old.find((g) => g.name === key.group)?.entries ?? [];
  const after = groups.new.find((g) => g.name === key.group)?.entries ?? [];
  return {
    gone: before
      .filter((e) => !after.some((f) => entrySame(e, f)))
      .map((e) => `VS ${entryText(e, oldVs, '')} in group ${key.group} no longer exists`),
    added: after
      .filter((e) => !before.some((f) => entrySame(e, f)))
      .map((e) => `VS ${entryText(e, newVs, 'FWM ')} added into group ${key.group}`),
  };
}

function sameAddress(a: { family: number; address: string; port: number }, b: { family: number; address: string; port: number }): boolean {
  return a.family === b.family && a.address === b.address && a.port === b.port;
}

/** The checker ids of each real server of each virtual server, in checkers_queue order. */
function checkersByServer(plan: CheckPlan): number[][][] {
  const out = plan.virtualServers.map((pv) => pv.config.realServers.map((): number[] => []));
  for (const c of plan.checkers) out[c.virtualServer]?.[c.realServer]?.push(c.id);
  return out;
}

/**
 * The reload: the new state for `newPlan`, continuing `oldState` (for `oldPlan`), with the
 * log lines and notifications keepalived emits, in its order.
 */
export function engineReload(
  oldPlan: CheckPlan,
  oldState: CheckEngineState,
  newPlan: CheckPlan,
  opts: EngineReloadOptions,
): EngineReload {
  const actions: EngineAction[] = [];
  const notify = newPlan.notify;
  const oldCheckers = checkersByServer(oldPlan);
  const newCheckers = checkersByServer(newPlan);

  // vs_exist: each old virtual server continues as the first new one with its identity.
  const newByIdentity = new Map<string, number>();
  newPlan.virtualServers.forEach((pv, v) => {
    const id = virtualServerIdentity(pv.config);
    if (!newByIdentity.has(id)) newByIdentity.set(id, v);
  });
  const virtualServerFrom: (number | undefined)[] = newPlan.virtualServers.map(() => undefined);
  const oldToNew = oldPlan.virtualServers.map((pv, v) => {
    const n = newByIdentity.get(virtualServerIdentity(pv.config));
    if (n === undefined || virtualServerFrom[n] !== undefined) return undefined;
    virtualServerFrom[n] = v;
    return n;
  });

  const slots = newPlan.checkers.map(reloadedSlot);
  const checkerFrom: (number | undefined)[] = newPlan.checkers.map(() => undefined);
  const rsFrom = newPlan.virtualServers.map((pv) => pv.config.realServers.map((): number | undefined => undefined));
  const runtimes: VirtualServerRuntime[] = newPlan.virtualServers.map((pv, v) => {
    const base = initialVirtualServerRuntime(pv.context, []);
    const from = virtualServerFrom[v];
    if (from === undefined) return base;
    // clear_diff_services copies the service's alive (in the kernel) and quorum states.
    const old = vsAt(oldState.virtualServers, from, 'virtual server');
    return { ...base, quorumUp: old.quorumUp, active: old.active };
  });
  const setRs = (v: number, r: number, patch: Partial<RealServerRuntime>): void => {
    const rt = vsAt(runtimes, v, 'virtual server');
    const realServers = rt.realServers.slice();
    realServers[r] = { ...vsAt(realServers, r, 'real server'), ...patch };
    runtimes[v] = { ...rt, realServers };
  };

  // clear_diff_services, in the old configuration's order.
  oldPlan.virtualServers.forEach((opv, ov) => {
    const ort = vsAt(oldState.virtualServers, ov, 'virtual server');
    const nv = oldToNew[ov];
    if (nv === undefined) {
      removeVirtualServer(opv, ort, notify, actions);
      return;
    }
    const npv = vsAt(newPlan.virtualServers, nv, 'virtual server');
    for (const text of groupMemberLines(opv.config, npv.config, opts.groups).gone) actions.push({ kind: 'log', text });
    // clear_diff_rs (skipped, with its quorum check, when the old server had no real server).
    if (opv.config.realServers.length > 0) {
      const oldRs = ort.realServers.map((r) => ({ ...r }));
      opv.config.realServers.forEach((ors, or) => {
        const orsCtx = vsAt(opv.context.realServers, or, 'real server');
        const o = vsAt(oldRs, or, 'real server');
        const nr = npv.config.realServers.findIndex((rs) => sameAddress(rs.address, ors.address));
        const claimed = rsFrom[nv];
        if (nr < 0 || claimed === undefined || claimed[nr] !== undefined) {
          actions.push({ kind: 'log', text: `service ${orsCtx.text} no longer exist` });
          removeRealServer(opv.context, orsCtx, o, notify, actions);
          return;
        }
        claimed[nr] = or;
        setRs(nv, nr, { alive: o.alive, set: o.set, kernelWeight: o.kernelWeight, effectiveWeight: o.effectiveWeight });
        migrateRealServer(nv, nr, vsAt(vsAt(oldCheckers, ov, 'virtual server'), or, 'real server'));
      });
      quorumAfterRemovals(opv.context, ort.quorumUp, oldRs, notify, actions);
    }
    // clear_diff_s_srv: a kept sorry server keeps its state; a changed one leaves the pool.
    const oss = opv.config.sorryServer;
    const ossRt = ort.sorryServer;
    if (oss !== undefined && ossRt !== undefined) {
      const nss = npv.config.sorryServer;
      const rt = vsAt(runtimes, nv, 'virtual server');
      if (nss !== undefined && rt.sorryServer !== undefined && sameAddress(nss.address, oss.address)) {
        runtimes[nv] = { ...rt, sorryServer: { ...ossRt } };
      } else if (ossRt.alive || (oss.inhibitOnFailure && ossRt.set)) {
        const text = opv.context.sorryServer?.text ?? '';
        actions.push({ kind: 'log', text: `Removing sorry server ${text} from VS ${opv.context.text}` });
      }
    }
  });

  /** migrate_checkers for one kept real server (new vs `v`, rs `r`). */
  function migrateRealServer(v: number, r: number, fromIds: readonly number[]): void {
    const ids = vsAt(vsAt(newCheckers, v, 'virtual server'), r, 'real server');
    for (const id of ids) {
      const nc = vsAt(newPlan.checkers, id, 'checker');
      const from = fromIds.find((o) => sameChecker(vsAt(oldPlan.checkers, o, 'checker').config, nc.config));
      if (from === undefined) continue;
      migrate(vsAt(slots, id, 'checker'), vsAt(oldState.checkers, from, 'checker'));
      checkerFrom[id] = from;
    }
    let failed = 0;
    let anyRun = false;
    for (const id of ids) {
      const s = vsAt(slots, id, 'checker');
      if (hasRun(s) && !isUp(s)) failed++;
      if (hasRun(s)) anyRun = true;
    }
    const pv = vsAt(newPlan.virtualServers, v, 'virtual server');
    const rs = vsAt(vsAt(runtimes, v, 'virtual server').realServers, r, 'real server');
    if (failed > 0 || (!rs.alive && !anyRun)) {
      for (const id of ids) {
        const s = vsAt(slots, id, 'checker');
        if (hasRun(s)) continue;
        if (isAlpha(vsAt(newPlan.checkers, id, 'checker'))) {
          if (isUp(s)) failed++;
          setDown(s);
        }
        // "One failure is enough".
        if (s.timed !== undefined) s.timed = { ...s.timed, retryIt: s.timed.params.retry };
      }
    }
    setRs(v, r, { numFailedCheckers: failed });
    const inhibit = vsAt(pv.context.realServers, r, 'real server').inhibitOnFailure;
    if (failed === 0 && !rs.alive) {
      // perform_svr_state(true): `Adding service …`, notifies, quorum.
      const report = { up: true, wasUp: false, firstRun: false, alpha: false, smtpBody: undefined };
      const t = applyCheckerReport(pv.context, notify, vsAt(runtimes, v, 'virtual server'), { realServer: r, report });
      runtimes[v] = t.state;
      actions.push(...t.actions);
    } else if (failed > 0 && rs.set !== inhibit) {
      setRs(v, r, { set: inhibit, kernelWeight: 0 });
    }
  }

  // check_new_rs_state: alpha checkers of new real servers start failed.
  newPlan.virtualServers.forEach((pv, v) => {
    pv.config.realServers.forEach((_rs, r) => {
      if (rsFrom[v]?.[r] !== undefined) return;
      let failed = 0;
      for (const id of vsAt(vsAt(newCheckers, v, 'virtual server'), r, 'real server')) {
        if (!isAlpha(vsAt(newPlan.checkers, id, 'checker'))) continue;
        setDown(vsAt(slots, id, 'checker'));
        failed++;
      }
      setRs(v, r, { numFailedCheckers: failed, alive: false });
    });
  });

  // set_effective_weights, then init_services.
  newPlan.virtualServers.forEach((pv, v) => {
    pv.config.realServers.forEach((_rs, r) => {
      let effective = vsAt(pv.context.realServers, r, 'real server').weight;
      for (const id of vsAt(vsAt(newCheckers, v, 'virtual server'), r, 'real server')) {
        effective += vsAt(slots, id, 'checker').timed?.curWeight ?? 0;
      }
      const rt = vsAt(runtimes, v, 'virtual server');
      const cur = vsAt(rt.realServers, r, 'real server');
      if (rsFrom[v]?.[r] === undefined || cur.effectiveWeight === effective) {
        setRs(v, r, { effectiveWeight: effective });
        return;
      }
      // update_svr_wgt(…, false): logged and written to the kernel if the server is in the pool.
      const from = realWeight(cur.effectiveWeight);
      const to = realWeight(effective);
      setRs(v, r, { effectiveWeight: effective });
      if (from === to) return;
      const rsText = vsAt(pv.context.realServers, r, 'real server').text;
      const state = cur.alive ? '' : 'in';
      actions.push({
        kind: 'log',
        text: `Changing weight from ${from} to ${to} for ${state}active service ${rsText} of VS ${pv.context.text}`,
      });
      const pool = rt.quorumUp || rt.sorryServer === undefined || !rt.sorryServer.alive;
      if (cur.set && cur.alive && pool) setRs(v, r, { kernelWeight: to });
    });
    const from = virtualServerFrom[v];
    if (from !== undefined) {
      const opv = vsAt(oldPlan.virtualServers, from, 'virtual server');
      for (const text of groupMemberLines(opv.config, pv.config, opts.groups).added) actions.push({ kind: 'log', text });
    }
    const t = initVirtualServer(pv.context, notify, vsAt(runtimes, v, 'virtual server'));
    runtimes[v] = t.state;
    actions.push(...t.actions);
  });

  // register_checkers_thread: every checker is logged and scheduled again.
  const checkers: CheckerSlot[] = slots.map((slot, id) => {
    if (slot.timed === undefined) return slot;
    const c = vsAt(newPlan.checkers, id, 'checker');
    const pv = vsAt(newPlan.virtualServers, c.virtualServer, 'virtual server');
    const suspended = pv.config.haSuspend && opts.vipPresent?.(c.virtualServer) !== true;
    actions.push({
      kind: 'log',
      text: `${suspended ? 'Dea' : 'A'}ctivating healthchecker for service ${slot.timed.params.rsText} for VS ${pv.context.text}`,
    });
    const idle = { ...slot.timed, enabled: !suspended, probing: false, deadlineUs: undefined };
    const started = checkerStep(idle, { kind: 'start', random: opts.random() }, opts.nowUs);
    return { ...slot, timed: started.state };
  });

  return { state: { checkers, virtualServers: runtimes }, actions, virtualServerFrom, checkerFrom };
}
