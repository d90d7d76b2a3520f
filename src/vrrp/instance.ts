/**
 * The VRRP instance state machine (RFC 3768 §6, RFC 5798 §6.4), as keepalived 2.2.7 runs it
 * (vrrp.c: vrrp_state_backup, vrrp_state_master_rx, vrrp_state_master_tx,
 * vrrp_state_leave_master, vrrp_state_leave_fault; vrrp_scheduler.c).
 *
 * Pure: `step(state, event, nowUs)` returns the next state and the actions the shell must
 * carry out, in order. Timers are deadlines held in the state (µs on the caller's
 * monotonic clock); the shell wakes at `nextDeadlineUs(state)` and feeds `timer_fired`.
 * Packet validation (checksums, auth, VRID, TTL, …) happens before: this machine only sees
 * adverts that keepalived would process.
 *
 * Sync groups (vrrp/sync_group.ts) drive the members through `wantState`, the
 * `syncHoldMaster` step option and the `sync*` transitions below.
 *
 * keepalived-ts split-brain protection (docs/split-brain.md) adds a takeover gate: with
 * `takeoverGated`, a backup whose down timer expires asks the shell (`request_takeover`)
 * and becomes MASTER only on a granted `takeover_verdict`; `takeover_revoked` makes a
 * master step down; `split_brain` reports two masters.
 */
import { compareIp, parseIp } from '../lib/ip.js';
import {
  CENTISECOND_US,
  masterDownIntervalUs,
  skewTimeUs,
  type VrrpVersion,
} from './timers.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** Why a transition happened: a log field and a metric label. */
export type TransitionReason =
  | 'startup'
  | 'address_owner'
  | 'master_down_timeout'
  | 'priority_zero_received'
  | 'higher_priority_advert'
  | 'fault'
  | 'fault_cleared'
  | 'shutdown'
  /** A reload removed or restarted the instance. */
  | 'reload'
  /** The VRRP process was respawned and the instance resumed as MASTER. */
  | 'respawn'
  /** Someone else deleted one of our VIPs (keepalived_netlink.c set_vrrp_backup). */
  | 'vip_deleted'
  /** A vrrp_sync_group moved this member along with another member. */
  | 'sync_group'
  /** keepalived-ts: the arbiter (witness lease, references) withdrew our mastership. */
  | 'arbiter_revoked';

/**
 * keepalived's `wantstate`: the state the instance would be in disregarding its sync group
 * (a backup whose down timer expired wants MASTER even while its group holds it in BACKUP).
 */
export type WantState = 'BACKUP' | 'MASTER' | 'FAULT';

/** Options for one step(); only sync groups use them. */
export interface StepOptions {
  /**
   * The member's sync group cannot go MASTER (vrrp_sync_can_goto_master is false): a
   * master-down timeout leaves the instance in BACKUP wanting MASTER, with the down timer
   * re-armed, and an address owner starts in BACKUP instead of MASTER.
   */
  readonly syncHoldMaster?: boolean;
}

/** What the machine needs from the configuration (a narrow view of VrrpInstance). */
export interface InstanceParams {
  readonly name: string;
  readonly version: VrrpVersion;
  /** Configured priority; 255 is the address owner. */
  readonly basePriority: number;
  /** `advert_int` in centiseconds. */
  readonly advertIntervalCs: number;
  readonly downTimerAdverts: number;
  readonly nopreempt: boolean;
  readonly preemptDelayUs: number;
  /** Our advert source address (the peers compare it on equal priority). */
  readonly primaryAddress: string;
  readonly interfaceName: string;
  /** Shown in the GARP log line. */
  readonly firstVip: string | undefined;
  /** VIPs then eVIPs, for keepalived's per-address GARP/NA log lines. */
  readonly garpAddresses?: readonly { readonly address: string; readonly family: 4 | 6 }[];
  readonly hasExcludedVips?: boolean;
  readonly hasVirtualRoutes?: boolean;
  readonly garpMasterDelayUs: number;
  readonly garpMasterRepeat: number;
  readonly garpMasterRefreshUs: number;
  readonly garpMasterRefreshRepeat: number;
  readonly garpLowerPrioDelayUs: number;
  readonly garpLowerPrioRepeat: number;
  readonly lowerPrioNoAdvert: boolean;
  readonly higherPrioSendAdvert: boolean;
  /**
   * keepalived-ts: an arbiter or fence_script must approve every takeover after a down
   * timer expires (`request_takeover` / `takeover_verdict`).
   */
  readonly takeoverGated?: boolean;
}

export interface InstanceState {
  readonly params: InstanceParams;
  readonly state: VrrpState;
  /** From the trackers (vrrp/track.ts); equals basePriority without trackers. */
  readonly effectivePriority: number;
  /** A tracker holds the instance in FAULT. */
  readonly isFaulted: boolean;
  /** RFC 5798 §6.1 Master_Adver_Interval: learnt from adverts in v3. */
  readonly masterAdverIntervalCs: number;
  readonly masterDownDeadlineUs: number | undefined;
  readonly adverDeadlineUs: number | undefined;
  /** The delayed second GARP burst after becoming master (garp_master_delay). */
  readonly garpDelayedDeadlineUs: number | undefined;
  readonly garpDelayedRepeat: number;
  readonly garpRefreshDeadlineUs: number | undefined;
  /** preempt_delay: lower-priority adverts are accepted until this time. */
  readonly preemptUntilUs: number | undefined;
  /** Source of the last advert we accepted (or discarded) as backup. */
  readonly masterAddress: string | undefined;
  /**
   * Another router's MASTER adverts were heard while we were MASTER. When we are the only
   * master again, we send GARP at once (keepalived-ts: keepalived leaves clients on the
   * stale ARP entry until its next refresh).
   */
  readonly heardOtherMaster: boolean;
  /** keepalived's wantstate (see WantState). */
  readonly wantState: WantState;
  /**
   * We are configured as address owner (255) but heard another owner: keepalived 2.2.7
   * lowers both base and effective priority to 254 for the rest of the run.
   */
  readonly ownerConflict: boolean;
  /** keepalived-ts: a takeover waits for the arbiter's verdict (why we want MASTER). */
  readonly takeoverPending: TransitionReason | undefined;
  /** The last refusal we logged at info level (repeats go to the detail log). */
  readonly lastRefusal: string | undefined;
  /** When we last heard any advert while BACKUP (tells preemption from silence). */
  readonly lastHeardAdvertUs: number | undefined;
  /**
   * We became MASTER because nobody was heard for a whole Master_Down_Interval. If another
   * master turns up while we hold the VIPs, both of us were MASTER: a split brain.
   */
  readonly masterBySilence: boolean;
  /** The split brain of this mastership was reported already. */
  readonly splitBrainReported: boolean;
}

/** An advert that passed validation, reduced to what the state machine reads. */
export interface ReceivedAdvert {
  readonly priority: number;
  readonly sourceAddress: string;
  /** Max Adver Int carried by the advert, in centiseconds (v2: seconds × 100). */
  readonly advertIntervalCs: number;
  /**
   * Our own address on the path the advert came over, for the equal-priority tie-break
   * (keepalived-ts heartbeat paths); default: params.primaryAddress.
   */
  readonly localAddress?: string;
}

export type VrrpEvent =
  /**
   * `resumeAsMaster`: the VRRP process was killed and respawned by its parent while this
   * instance was MASTER, and its VIPs are still on the interfaces (keepalived-ts).
   */
  | { readonly kind: 'startup'; readonly resumeAsMaster?: boolean }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'advert_received'; readonly advert: ReceivedAdvert }
  | { readonly kind: 'timer_fired' }
  | { readonly kind: 'priority_changed'; readonly effectivePriority: number }
  | { readonly kind: 'fault_changed'; readonly isFaulted: boolean }
  /** A tracked VIP/eVIP of this instance was deleted from its interface by someone else. */
  | { readonly kind: 'vip_deleted' }
  /** keepalived-ts: the answer to `request_takeover`. */
  | { readonly kind: 'takeover_verdict'; readonly granted: boolean; readonly detail: string }
  /** keepalived-ts: the arbiter withdrew our right to be MASTER. */
  | { readonly kind: 'takeover_revoked'; readonly detail: string };

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'MASTER_RX_LOWER_PRI';

export type Action =
  | { readonly kind: 'send_advert'; readonly priority: number }
  | { readonly kind: 'add_vips' }
  | { readonly kind: 'remove_vips' }
  | { readonly kind: 'send_garp'; readonly count: number }
  | { readonly kind: 'notify'; readonly state: NotifyState; readonly priority: number }
  | {
      readonly kind: 'transition';
      readonly from: VrrpState;
      readonly to: VrrpState;
      readonly reason: TransitionReason;
    }
  /** keepalived's log text; `detail` lines are printed only with -D (--log-detail). */
  | { readonly kind: 'log'; readonly level: 'info' | 'detail'; readonly text: string }
  /** keepalived-ts: ask the arbiter (and fence) whether we may become MASTER. */
  | { readonly kind: 'request_takeover' }
  /** keepalived-ts: another master was active while we were MASTER. */
  | { readonly kind: 'split_brain'; readonly peer: string; readonly peerPriority: number };

export interface Transition {
  readonly state: InstanceState;
  readonly actions: readonly Action[];
}

export function initialState(params: InstanceParams, effectivePriority = params.basePriority): InstanceState {
  return {
    params,
    state: 'INIT',
    effectivePriority,
    isFaulted: false,
    masterAdverIntervalCs: params.advertIntervalCs,
    masterDownDeadlineUs: undefined,
    adverDeadlineUs: undefined,
    garpDelayedDeadlineUs: undefined,
    garpDelayedRepeat: 0,
    garpRefreshDeadlineUs: undefined,
    preemptUntilUs: undefined,
    masterAddress: undefined,
    heardOtherMaster: false,
    wantState: params.basePriority === 255 ? 'MASTER' : 'BACKUP',
    ownerConflict: false,
    takeoverPending: undefined,
    lastRefusal: undefined,
    lastHeardAdvertUs: undefined,
    masterBySilence: false,
    splitBrainReported: false,
  };
}

/** The earliest deadline the shell must wake for, if any. */
export function nextDeadlineUs(s: InstanceState): number | undefined {
  const all = [s.masterDownDeadlineUs, s.adverDeadlineUs, s.garpDelayedDeadlineUs, s.garpRefreshDeadlineUs];
  let min: number | undefined;
  for (const d of all) if (d !== undefined && (min === undefined || d < min)) min = d;
  return min;
}

/** Master_Down_Interval for our own effective priority and the learnt interval. */
export function masterDownUs(s: InstanceState): number {
  return masterDownIntervalUs({
    version: s.params.version,
    priority: s.effectivePriority,
    masterAdverIntervalCs: s.masterAdverIntervalCs,
    downTimerAdverts: s.params.downTimerAdverts,
  });
}

function skewUs(s: InstanceState): number {
  return skewTimeUs({
    version: s.params.version,
    priority: s.effectivePriority,
    masterAdverIntervalCs: s.masterAdverIntervalCs,
  });
}

function adverUs(s: InstanceState): number {
  return s.params.advertIntervalCs * CENTISECOND_US;
}

const log = (text: string): Action => ({ kind: 'log', level: 'info', text });
const detail = (text: string): Action => ({ kind: 'log', level: 'detail', text });

/** Priority 255 as configured, not lowered by a two-owner conflict (RFC 5798 §6.1 owner). */
export function isAddressOwner(s: InstanceState): boolean {
  return s.params.basePriority === 255 && !s.ownerConflict;
}

/** Numeric comparison of two addresses (keepalived's vrrp_saddr_cmp): <0, 0, >0. */
function compareAddress(a: string, b: string): number {
  const x = parseIp(a);
  const y = parseIp(b);
  if (x === undefined || y === undefined) return 0;
  return compareIp(x, y);
}

export function step(s: InstanceState, e: VrrpEvent, nowUs: number, opts: StepOptions = {}): Transition {
  const hold = opts.syncHoldMaster === true;
  switch (e.kind) {
    case 'startup':
      if (e.resumeAsMaster === true && !s.isFaulted && !hold) return onResume(s, nowUs);
      return onStartup(s, nowUs, hold);
    case 'shutdown':
      return onShutdown(s);
    case 'advert_received':
      if (s.state === 'BACKUP') return onAdvertAsBackup(s, e.advert, nowUs);
      if (s.state === 'MASTER') return onAdvertAsMaster(s, e.advert, nowUs);
      return { state: s, actions: [] };
    case 'timer_fired':
      return onTimer(s, nowUs, hold);
    case 'priority_changed':
      return onPriorityChanged(s, e.effectivePriority);
    case 'fault_changed':
      return onFaultChanged(s, e.isFaulted, nowUs);
    case 'vip_deleted':
      return onVipDeleted(s, nowUs);
    case 'takeover_verdict':
      return onTakeoverVerdict(s, e.granted, e.detail, nowUs);
    case 'takeover_revoked':
      return onTakeoverRevoked(s, e.detail, nowUs);
  }
}

/**
 * keepalived start-up: every instance first removes stale VIPs; an address owner (255)
 * becomes MASTER at once, everyone else enters BACKUP (init) and waits a full
 * Master_Down_Interval (keepalived-behaviour.md §0.1–0.2).
 */
function onStartup(s: InstanceState, nowUs: number, hold: boolean): Transition {
  const name = s.params.name;
  const actions: Action[] = [...removingLines(s.params), { kind: 'remove_vips' }];
  if (s.isFaulted) {
    actions.push(log(`(${name}) Entering FAULT STATE (init)`));
    const next = { ...s, state: 'FAULT' as const, wantState: 'FAULT' as const };
    actions.push(transition(s, 'FAULT', 'startup'), { kind: 'notify', state: 'FAULT', priority: s.effectivePriority });
    return { state: next, actions };
  }
  if (isAddressOwner(s) && !hold && s.params.takeoverGated !== true) {
    return becomeMaster({ ...s, state: 'INIT' }, nowUs, 'address_owner', actions);
  }
  actions.push(log(`(${name}) Entering BACKUP STATE (init)`));
  const backup: InstanceState = { ...s, state: 'BACKUP', wantState: 'BACKUP' };
  actions.push(transition(s, 'BACKUP', 'startup'), { kind: 'notify', state: 'BACKUP', priority: s.effectivePriority });
  if (isAddressOwner(s) && !hold) {
    // An address owner behind an arbiter asks at once instead of starting as MASTER.
    const asked = requestTakeover(backup, nowUs, 'address_owner');
    return { state: asked.state, actions: [...actions, ...asked.actions] };
  }
  return { state: { ...backup, masterDownDeadlineUs: nowUs + masterDownUs(backup) }, actions };
}

/** keepalived vrrp_state_become_master: VIPs, then eVIPs, then virtual routes. */
function settingLines(p: InstanceParams): Action[] {
  return [
    log(`(${p.name}) setting VIPs.`),
    ...(p.hasExcludedVips === true ? [log(`(${p.name}) setting E-VIPs.`)] : []),
    ...(p.hasVirtualRoutes === true ? [log(`(${p.name}) setting Virtual Routes`)] : []),
  ];
}

/** keepalived vrrp_restore_interface: routes first, then VIPs, then eVIPs. */
function removingLines(p: InstanceParams): Action[] {
  return [
    ...(p.hasVirtualRoutes === true ? [log(`(${p.name}) removing Virtual Routes`)] : []),
    log(`(${p.name}) removing VIPs.`),
    ...(p.hasExcludedVips === true ? [log(`(${p.name}) removing E-VIPs.`)] : []),
  ];
}

/**
 * keepalived-ts: a respawned VRRP process resumes mastership at once instead of removing the
 * VIPs and waiting a Master_Down_Interval in BACKUP (keepalived's restart flaps the VIP and
 * lets a backup take over). Its first advert goes out now; a better master, if any, still
 * wins through the usual rules.
 */
function onResume(s: InstanceState, nowUs: number): Transition {
  const note = log(`(${s.params.name}) resuming MASTER state after a restart of the VRRP process`);
  return becomeMaster({ ...s, state: 'INIT' }, nowUs, 'respawn', [note]);
}

function transition(s: InstanceState, to: VrrpState, reason: TransitionReason): Action {
  return { kind: 'transition', from: s.state, to, reason };
}

/**
 * vrrp_state_master_tx + vrrp_state_become_master: advert first (so the old master drops
 * its VIPs before our GARPs), the log line, VIPs, the GARP burst, the delayed burst and
 * the refresh timer, then the notifies.
 */
function becomeMaster(
  s: InstanceState,
  nowUs: number,
  reason: TransitionReason,
  prefix: Action[] = [],
): Transition {
  const p = s.params;
  const actions: Action[] = [...prefix, { kind: 'send_advert', priority: s.effectivePriority }];
  actions.push(log(`(${p.name}) Entering MASTER STATE`));
  if (p.version === 3 && s.masterAdverIntervalCs !== p.advertIntervalCs) {
    actions.push(
      detail(
        `(${p.name}) changing advert interval from ${s.masterAdverIntervalCs * 10}ms to locally configured ${p.advertIntervalCs * 10}ms`,
      ),
    );
  }
  actions.push(...settingLines(p), { kind: 'add_vips' });
  actions.push(...garpBurst(s, p.garpMasterRepeat));
  actions.push(transition(s, 'MASTER', reason));
  actions.push({ kind: 'notify', state: 'MASTER', priority: s.effectivePriority });
  const next: InstanceState = {
    ...s,
    state: 'MASTER',
    masterAdverIntervalCs: p.advertIntervalCs,
    masterDownDeadlineUs: undefined,
    adverDeadlineUs: nowUs + adverUs(s),
    garpDelayedDeadlineUs: p.garpMasterDelayUs > 0 ? nowUs + p.garpMasterDelayUs : undefined,
    garpDelayedRepeat: p.garpMasterRepeat,
    garpRefreshDeadlineUs: p.garpMasterRefreshUs > 0 ? nowUs + p.garpMasterRefreshUs : undefined,
    preemptUntilUs: undefined,
    heardOtherMaster: false,
    wantState: 'MASTER',
    takeoverPending: undefined,
    lastRefusal: undefined,
    masterBySilence:
      reason === 'master_down_timeout' &&
      (s.lastHeardAdvertUs === undefined || nowUs - s.lastHeardAdvertUs >= masterDownUs(s)),
    splitBrainReported: false,
  };
  return { state: next, actions };
}

function garpBurst(s: InstanceState, count: number): Action[] {
  if (count <= 0) return [];
  const p = s.params;
  const addrs = p.garpAddresses ?? (p.firstVip === undefined ? [] : [{ address: p.firstVip, family: 4 as const }]);
  return [
    // keepalived vrrp_send_link_update: one line per VIP/eVIP.
    ...addrs.map((a) =>
      log(`(${p.name}) Sending/queueing ${a.family === 6 ? 'Unsolicited Neighbour Adverts' : 'gratuitous ARPs'} on ${p.interfaceName} for ${a.address}`),
    ),
    { kind: 'send_garp', count },
  ];
}

/**
 * vrrp_state_leave_master: to BACKUP (higher priority seen) or FAULT; the notifies follow
 * and the down timer restarts.
 */
function leaveMaster(
  s: InstanceState,
  to: 'BACKUP' | 'FAULT',
  nowUs: number,
  reason: TransitionReason,
  extra: Partial<InstanceState> = {},
): Transition {
  const p = s.params;
  const actions: Action[] = [];
  if (to === 'BACKUP') actions.push(log(`(${p.name}) Entering BACKUP STATE`));
  else {
    actions.push(log(`(${p.name}) Entering FAULT STATE`));
    // A master going to FAULT tells the others to take over at once (priority 0).
    actions.push({ kind: 'send_advert', priority: 0 });
  }
  actions.push(...removingLines(p), { kind: 'remove_vips' });
  actions.push(transition(s, to, reason), { kind: 'notify', state: to, priority: s.effectivePriority });
  const next: InstanceState = {
    ...s,
    ...extra,
    state: to,
    wantState: to,
    adverDeadlineUs: undefined,
    garpDelayedDeadlineUs: undefined,
    garpRefreshDeadlineUs: undefined,
    preemptUntilUs: undefined,
    heardOtherMaster: false,
    masterBySilence: false,
    splitBrainReported: false,
  };
  const withTimer: InstanceState =
    to === 'BACKUP' ? { ...next, masterDownDeadlineUs: nowUs + masterDownUs(next) } : { ...next, masterDownDeadlineUs: undefined };
  return { state: withTimer, actions };
}

/** vrrp_state_backup. */
function onAdvertAsBackup(prev: InstanceState, a: ReceivedAdvert, nowUs: number): Transition {
  let s = prev;
  const p = s.params;
  s = { ...s, lastHeardAdvertUs: nowUs };
  if (a.priority === 0) {
    // RFC 5798 §6.4.2: the master is leaving; take over after Skew_Time only.
    return {
      state: { ...s, masterDownDeadlineUs: nowUs + skewUs(s), takeoverPending: undefined },
      actions: [detail(`(${p.name}) Backup received priority 0 advertisement`)],
    };
  }
  const preemptDelayRunning =
    p.preemptDelayUs > 0 && (s.preemptUntilUs === undefined || s.preemptUntilUs > nowUs);
  if (p.nopreempt || a.priority >= s.effectivePriority || preemptDelayRunning) {
    const actions: Action[] = [];
    // An accepted advert: we want BACKUP again, even if a sync group held us wanting MASTER.
    // A live master: a takeover that was waiting for the arbiter is off.
    let next: InstanceState = {
      ...s,
      masterAddress: a.sourceAddress,
      wantState: 'BACKUP',
      takeoverPending: undefined,
      lastRefusal: undefined,
    };
    if (p.version === 3 && a.advertIntervalCs !== s.masterAdverIntervalCs) {
      // RFC 5798 §6.4.2: Master_Adver_Interval follows the master's advert.
      actions.push(
        detail(
          `(${p.name}) advertisement interval updated from ${s.masterAdverIntervalCs * 10}ms to ${a.advertIntervalCs * 10}ms by master`,
        ),
      );
      next = { ...next, masterAdverIntervalCs: a.advertIntervalCs };
    }
    if (p.preemptDelayUs > 0) {
      if (a.priority >= s.effectivePriority) {
        if (next.preemptUntilUs !== undefined) actions.push(detail(`(${p.name}) stop preempt delay`));
        next = { ...next, preemptUntilUs: undefined };
      } else if (next.preemptUntilUs === undefined) {
        actions.push(detail(`(${p.name}) start preempt delay (${formatDelay(p.preemptDelayUs)})`));
        next = { ...next, preemptUntilUs: nowUs + p.preemptDelayUs };
      }
    }
    return { state: { ...next, masterDownDeadlineUs: nowUs + masterDownUs(next) }, actions };
  }
  // keepalived-compat: a lower-priority advert does not reset the down timer; the backup
  // takes over when it expires (preemption is not immediate, keepalived-behaviour.md §0.4).
  return {
    state: { ...s, masterAddress: a.sourceAddress },
    actions: [
      log(`(${p.name}) received lower priority (${a.priority}) advert from ${a.sourceAddress} - discarding`),
    ],
  };
}

function formatDelay(us: number): string {
  return `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, '0')}`;
}

/** The priority of the one advert a yielding master sends (see onAdvertAsMaster). */
const YIELD_SIGNAL_PRIORITY = 1;

/** vrrp_state_master_rx. */
function onAdvertAsMaster(prev: InstanceState, a: ReceivedAdvert, nowUs: number): Transition {
  let s = prev;
  const p = s.params;
  const cmp = compareAddress(a.sourceAddress, a.localAddress ?? p.primaryAddress);
  let ours = s.effectivePriority;
  const actions: Action[] = [];
  const higher = a.priority > ours || (a.priority === ours && cmp > 0);
  if (a.priority === 0 || (p.higherPrioSendAdvert && higher)) {
    actions.push({ kind: 'send_advert', priority: ours });
    if (a.priority === 0) {
      actions.push(detail(`(${p.name}) Master received priority 0 message`));
      return { state: s, actions };
    }
  } else if (higher && ours > YIELD_SIGNAL_PRIORITY) {
    // keepalived-ts: a master that yields sends one advert at priority 1. After a healed
    // split brain the winner then hears a lower-priority master and sends GARP/NA (ours
    // and keepalived alike); without it, when the winner's advert crosses first, nobody
    // sends GARP and clients stay on the loser's MAC for ~6 s (bench/RESULTS.md,
    // heal-afirst). Priority 1, not ours: it can never make another master yield, and a
    // backup only discards it (keepalived's higher_prio_send_advert sends ours, which in a
    // partly partitioned group can make a third master step down and flap).
    actions.push({ kind: 'send_advert', priority: YIELD_SIGNAL_PRIORITY });
  }
  if (a.priority === ours && cmp === 0) {
    actions.push(
      log(`(${p.name}) WARNING - equal priority advert received from remote host with our IP address.`),
    );
  } else if (a.priority === ours && ours === 255) {
    // keepalived 2.2.7 vrrp_state_master_rx: two address owners is a configuration error;
    // the local side steps down to 254 (for good) and the same advert then beats us.
    actions.push(
      log(
        `(${p.name}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority`,
      ),
    );
    ours = 254;
    s = { ...s, effectivePriority: ours, ownerConflict: true };
  }
  if (a.priority < ours || (a.priority === ours && cmp < 0)) {
    return onLowerPriorityAsMaster(s, a, actions, nowUs);
  }
  // Re-evaluated: a two-owner demotion above makes the same advert a higher one.
  if (!(a.priority > ours || (a.priority === ours && cmp > 0))) return { state: s, actions };
  actions.push(
    log(
      a.priority > ours
        ? `(${p.name}) Master received advert from ${a.sourceAddress} with higher priority ${a.priority}, ours ${ours}`
        : `(${p.name}) Master received advert from ${a.sourceAddress} with same priority ${a.priority} but higher IP address than ours`,
    ),
  );
  const learnt = p.version === 3 ? a.advertIntervalCs : s.masterAdverIntervalCs;
  const left = leaveMaster(s, 'BACKUP', nowUs, 'higher_priority_advert', {
    masterAdverIntervalCs: learnt,
    masterAddress: a.sourceAddress,
  });
  return { state: left.state, actions: [...actions, ...left.actions] };
}

/**
 * A lower-priority master exists (a healed partition, or a backup that lost our adverts):
 * re-advertise (unless lower_prio_no_advert) and refresh the ARP caches.
 */
function onLowerPriorityAsMaster(s: InstanceState, a: ReceivedAdvert, prior: Action[], nowUs: number): Transition {
  const p = s.params;
  const actions = [...prior];
  actions.push(
    log(
      `(${p.name}) Received advert from ${a.sourceAddress} with lower priority ${a.priority}, ours ${s.effectivePriority}` +
        (p.lowerPrioNoAdvert ? '' : ', forcing new election'),
    ),
  );
  if (!p.lowerPrioNoAdvert) actions.push({ kind: 'send_advert', priority: s.effectivePriority });
  // keepalived-ts: the GARP burst is sent even when garp_lower_prio_repeat is 0 (strict
  // mode), because clients may hold the other master's MAC until their ARP entry expires.
  const garp = lowerPriorityGarp({ ...s, heardOtherMaster: true }, nowUs, 1);
  actions.push(...garp.actions);
  actions.push({ kind: 'notify', state: 'MASTER_RX_LOWER_PRI', priority: s.effectivePriority });
  let next = garp.state;
  if (s.masterBySilence && !s.splitBrainReported) {
    // keepalived-ts: we took over because nobody was heard, and now another master
    // speaks: both held the VIPs. Preemption never lands here (a preempting backup heard
    // the old master; the old master is the one that yields).
    actions.push(
      log(
        `(${p.name}) Split brain: ${a.sourceAddress} was MASTER too (advertised priority ${a.priority}); keeping MASTER and refreshing ARP/ND caches`,
      ),
      { kind: 'split_brain', peer: a.sourceAddress, peerPriority: a.priority },
    );
    next = { ...next, splitBrainReported: true };
  }
  return { state: next, actions };
}

/**
 * garp_lower_prio_repeat / garp_lower_prio_delay: a burst now and, with a delay, a second
 * burst later (keepalived's vrrp_lower_prio_gratuitous_arp_thread). Sync-group members use
 * it too when another member hears a lower-priority master. `minRepeat` is our floor.
 */
export function lowerPriorityGarp(s: InstanceState, nowUs: number, minRepeat = 0): Transition {
  const p = s.params;
  if (s.state !== 'MASTER') return { state: s, actions: [] };
  const actions = garpBurst(s, Math.max(minRepeat, p.garpLowerPrioRepeat));
  if (p.garpLowerPrioRepeat > 0 && p.garpLowerPrioDelayUs > 0) {
    return {
      state: { ...s, garpDelayedDeadlineUs: nowUs + p.garpLowerPrioDelayUs, garpDelayedRepeat: p.garpLowerPrioRepeat },
      actions,
    };
  }
  return { state: s, actions };
}

function onTimer(s: InstanceState, nowUs: number, hold: boolean): Transition {
  let cur = s;
  const actions: Action[] = [];
  if (cur.state === 'BACKUP' && cur.masterDownDeadlineUs !== undefined && cur.masterDownDeadlineUs <= nowUs) {
    actions.push(detail(`(${cur.params.name}) Receive advertisement timeout`));
    if (hold) {
      // vrrp_state_goto_master with a sync group that cannot go MASTER: stay BACKUP,
      // want MASTER, and wait another Master_Down_Interval for the other members.
      const held: InstanceState = { ...cur, wantState: 'MASTER' };
      return { state: { ...held, masterDownDeadlineUs: nowUs + masterDownUs(held) }, actions };
    }
    if (cur.params.takeoverGated === true) {
      const asked = requestTakeover(cur, nowUs, 'master_down_timeout');
      return { state: asked.state, actions: [...actions, ...asked.actions] };
    }
    const r = becomeMaster(cur, nowUs, 'master_down_timeout');
    cur = r.state;
    actions.push(...r.actions);
    return { state: cur, actions };
  }
  if (cur.state !== 'MASTER') return { state: cur, actions };
  if (cur.adverDeadlineUs !== undefined && cur.adverDeadlineUs <= nowUs) {
    actions.push({ kind: 'send_advert', priority: cur.effectivePriority });
    // The next advert is due one interval after this one was due, not after the shell
    // woke up: a late wake-up does not push every later advert back (RFC 5798 §6.4.3
    // "Reset the Adver_Timer to Advertisement_Interval"). After a long stall, restart
    // from now rather than sending a burst.
    const due = cur.adverDeadlineUs + adverUs(cur);
    cur = { ...cur, adverDeadlineUs: due > nowUs ? due : nowUs + adverUs(cur) };
  }
  if (cur.garpDelayedDeadlineUs !== undefined && cur.garpDelayedDeadlineUs <= nowUs) {
    actions.push(...garpBurst(cur, cur.garpDelayedRepeat));
    cur = { ...cur, garpDelayedDeadlineUs: undefined };
  }
  if (cur.garpRefreshDeadlineUs !== undefined && cur.garpRefreshDeadlineUs <= nowUs) {
    actions.push(...garpBurst(cur, cur.params.garpMasterRefreshRepeat));
    cur = { ...cur, garpRefreshDeadlineUs: nowUs + cur.params.garpMasterRefreshUs };
  }
  return { state: cur, actions };
}

/** keepalived stop: a master sends priority 0 and removes its VIPs; everyone notifies STOP. */
function onShutdown(s: InstanceState): Transition {
  if (s.state === 'STOP') return { state: s, actions: [] };
  const p = s.params;
  const actions: Action[] = [];
  if (s.state === 'MASTER') {
    actions.push({ kind: 'send_advert', priority: 0 }, detail(`(${p.name}) sent 0 priority`));
    actions.push(...removingLines(p), { kind: 'remove_vips' });
  }
  actions.push(transition(s, 'STOP', 'shutdown'), { kind: 'notify', state: 'STOP', priority: s.effectivePriority });
  return {
    state: {
      ...s,
      state: 'STOP',
      takeoverPending: undefined,
      masterDownDeadlineUs: undefined,
      adverDeadlineUs: undefined,
      garpDelayedDeadlineUs: undefined,
      garpRefreshDeadlineUs: undefined,
    },
    actions,
  };
}

/**
 * A tracker moved the effective priority. keepalived does not re-arm a running down timer
 * (the new skew applies from the next advert) and a master advertises the new priority
 * with its next advert; an address owner is immune to weights.
 */
function onPriorityChanged(s: InstanceState, priority: number): Transition {
  if (priority === s.effectivePriority || isAddressOwner(s)) return { state: s, actions: [] };
  return {
    state: { ...s, effectivePriority: priority },
    actions: [log(`(${s.params.name}) Changing effective priority from ${s.effectivePriority} to ${priority}`)],
  };
}

/**
 * keepalived 2.2.7 keepalived_netlink.c: a master whose VIP/eVIP was deleted behind its
 * back leaves MASTER with a priority 0 advert (vrrp_restore_interface with advF) and sets
 * its down timer to Skew_Time, "for a quick transition back to master": unless a peer
 * takes over first, it becomes MASTER again and puts every VIP back.
 */
function onVipDeleted(s: InstanceState, nowUs: number): Transition {
  if (s.state !== 'MASTER') return { state: s, actions: [] };
  const left = leaveMaster(s, 'BACKUP', nowUs, 'vip_deleted');
  const [entering, ...rest] = left.actions;
  const actions: Action[] = [
    ...(entering === undefined ? [] : [entering]),
    { kind: 'send_advert', priority: 0 },
    detail(`(${s.params.name}) sent 0 priority`),
    ...rest,
  ];
  return { state: { ...left.state, masterDownDeadlineUs: nowUs + skewUs(left.state) }, actions };
}

/** vrrp_state_leave_fault / entering FAULT from a tracker. */
function onFaultChanged(s: InstanceState, isFaulted: boolean, nowUs: number): Transition {
  if (isFaulted === s.isFaulted) return { state: s, actions: [] };
  const p = s.params;
  const flagged: InstanceState = { ...s, isFaulted };
  if (isFaulted) {
    if (s.state === 'MASTER') return leaveMaster(flagged, 'FAULT', nowUs, 'fault');
    if (s.state === 'STOP' || s.state === 'FAULT') return { state: flagged, actions: [] };
    return enterFaultFromBackup(flagged, 'fault');
  }
  if (s.state !== 'FAULT') return { state: flagged, actions: [] };
  return leaveFaultToBackup(flagged, nowUs, 'fault_cleared');
}

/** BACKUP (or INIT) to FAULT: no VIPs to remove, no advert to send. */
function enterFaultFromBackup(s: InstanceState, reason: TransitionReason): Transition {
  return {
    state: {
      ...s,
      state: 'FAULT',
      wantState: 'FAULT',
      masterDownDeadlineUs: undefined,
      preemptUntilUs: undefined,
      takeoverPending: undefined,
    },
    actions: [
      log(`(${s.params.name}) Entering FAULT STATE`),
      transition(s, 'FAULT', reason),
      { kind: 'notify', state: 'FAULT', priority: s.effectivePriority },
    ],
  };
}

/** vrrp_state_leave_fault to BACKUP: the full Master_Down_Interval, on the configured interval. */
function leaveFaultToBackup(s: InstanceState, nowUs: number, reason: TransitionReason): Transition {
  const p = s.params;
  const backup: InstanceState = {
    ...s,
    state: 'BACKUP',
    wantState: 'BACKUP',
    masterAdverIntervalCs: p.advertIntervalCs,
    preemptUntilUs: undefined,
  };
  return {
    state: { ...backup, masterDownDeadlineUs: nowUs + masterDownUs(backup) },
    actions: [
      log(`(${p.name}) Entering BACKUP STATE`),
      transition(s, 'BACKUP', reason),
      { kind: 'notify', state: 'BACKUP', priority: s.effectivePriority },
    ],
  };
}

/**
 * Sync group: another member became MASTER and every member wants MASTER
 * (vrrp_sync_master → vrrp_state_goto_master). No-op unless BACKUP.
 */
export function syncToMaster(s: InstanceState, nowUs: number): Transition {
  if (s.state !== 'BACKUP') return { state: s, actions: [] };
  return becomeMaster(s, nowUs, 'sync_group');
}

/**
 * Sync group: another member left MASTER for BACKUP, or the group left FAULT
 * (vrrp_sync_backup: vrrp_state_leave_master, or vrrp_state_leave_fault from FAULT).
 */
export function syncToBackup(s: InstanceState, nowUs: number): Transition {
  if (s.state === 'MASTER') return leaveMaster(s, 'BACKUP', nowUs, 'sync_group');
  if (s.state === 'FAULT' || s.state === 'INIT') return leaveFaultToBackup(s, nowUs, 'sync_group');
  return { state: s, actions: [] };
}

/**
 * Sync group: another member entered FAULT (vrrp_sync_fault). A master sends priority 0
 * and removes its VIPs; a backup just enters FAULT. The member's own `isFaulted` is not
 * set: it leaves FAULT when the group does.
 */
export function syncToFault(s: InstanceState, nowUs: number): Transition {
  if (s.state === 'MASTER') return leaveMaster(s, 'FAULT', nowUs, 'sync_group');
  if (s.state === 'BACKUP' || s.state === 'INIT') return enterFaultFromBackup(s, 'sync_group');
  return { state: s, actions: [] };
}

/**
 * keepalived-ts takeover gate: stay BACKUP and ask. The down timer is re-armed for a full
 * Master_Down_Interval so that a lost answer is asked again rather than waited for forever.
 */
function requestTakeover(s: InstanceState, nowUs: number, reason: TransitionReason): Transition {
  const again = s.takeoverPending !== undefined;
  return {
    state: { ...s, takeoverPending: reason, wantState: 'MASTER', masterDownDeadlineUs: nowUs + masterDownUs(s) },
    actions: [
      detail(`(${s.params.name}) ${again ? 'still waiting for' : 'asking'} the arbiter before taking over`),
      { kind: 'request_takeover' },
    ],
  };
}

/**
 * The arbiter's answer. Granted: MASTER as the down timer would have made us. Refused: stay
 * BACKUP and ask again after one advert interval (our policy: the arbiter usually refuses
 * because the other node holds the lease or we are cut off, and both can change at any
 * moment). A late answer, after an advert or a state change cancelled the request, is
 * ignored.
 */
function onTakeoverVerdict(s: InstanceState, granted: boolean, why: string, nowUs: number): Transition {
  const reason = s.takeoverPending;
  if (reason === undefined || s.state !== 'BACKUP') return { state: s, actions: [] };
  const name = s.params.name;
  if (granted) {
    return becomeMaster({ ...s, takeoverPending: undefined }, nowUs, reason, [log(`(${name}) arbiter granted takeover: ${why}`)]);
  }
  const line = `(${name}) arbiter refused takeover: ${why}`;
  return {
    state: { ...s, takeoverPending: undefined, lastRefusal: why, masterDownDeadlineUs: nowUs + adverUs(s) },
    actions: [why === s.lastRefusal ? detail(line) : log(line)],
  };
}

/**
 * The arbiter withdrew our mastership (the witness lease is lost or held by another node).
 * Like a deleted VIP: priority 0 so that a peer the arbiter accepts takes over after
 * Skew_Time, VIPs removed, BACKUP with a full down timer.
 */
function onTakeoverRevoked(s: InstanceState, why: string, nowUs: number): Transition {
  if (s.state !== 'MASTER') return { state: s, actions: [] };
  const left = leaveMaster(s, 'BACKUP', nowUs, 'arbiter_revoked');
  const [entering, ...rest] = left.actions;
  return {
    state: left.state,
    actions: [
      log(`(${s.params.name}) arbiter revoked mastership: ${why}`),
      ...(entering === undefined ? [] : [entering]),
      { kind: 'send_advert', priority: 0 },
      detail(`(${s.params.name}) sent 0 priority`),
      ...rest,
    ],
  };
}
