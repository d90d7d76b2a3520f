/**
 * Effective priority and tracking FAULT: the one implementation of keepalived's weight
 * rules (architecture.md "One copy of each policy"). Pure: the caller passes the base
 * priority and the current status of every tracked object; nothing here keeps state.
 *
 * keepalived keeps a running `total_priority` and adds or subtracts deltas as objects
 * change (vrrp_track.c, keepalived_netlink.c, track_file.c). Its deltas are consistent
 * with a per-object contribution that depends only on the object's current status, so
 * we compute the sum from scratch; the numbers are the same.
 *
 * keepalived-compat: vrrp_track.c initialise_*_tracking_priorities /
 * process_script_update_priority / process_update_track_process_status,
 * vrrp.c vrrp_set_effective_priority, track_file.c process_update_vrrp_track_file_status.
 */
import type { TrackReference, VrrpInstance, VrrpSyncGroup } from '../config/model/vrrp.js';

/** RFC 5798 §5.2.4: 255 is the address owner; keepalived's VRRP_PRIO_OWNER. */
export const OWNER_PRIORITY = 255;
/** The highest priority tracking can give a non-owner (vrrp.c vrrp_set_effective_priority). */
export const MAX_TRACKED_PRIORITY = 254;
/** The lowest priority tracking can give (0 is reserved for "master is stopping"). */
export const MIN_TRACKED_PRIORITY = 1;
/** A track_file status at or below this means FAULT (track_file.c: -254). */
export const FILE_FAULT_STATUS = -254;
/** The highest status a track_file can contribute (track_file.c clamps at 253). */
export const FILE_MAX_STATUS = 253;

export type TrackKind = 'interface' | 'script' | 'file' | 'process' | 'bfd';

/**
 * A vrrp_script's result as tracking sees it. `unknown`: the script has not finished a
 * run since start-up (keepalived SCRIPT_INIT_STATE_INIT); `unknown_after_reload`: the
 * same after a reload (SCRIPT_INIT_STATE_INIT_RELOAD), where weight-0 instances do not wait.
 */
export type ScriptTrackResult = 'good' | 'bad' | 'unknown' | 'unknown_after_reload';

/** Which tracked object, and how it weighs (after the config's and sync group's rules). */
export interface TrackSpec {
  readonly kind: TrackKind;
  readonly name: string;
  /** 0: FAULT while the object is down (while up, with reverse). Files: value multiplier. */
  readonly weight: number;
  readonly reverse: boolean;
}

/** The current status of one tracked object. */
export type TrackStatus =
  | { readonly kind: 'interface'; readonly isUp: boolean }
  | { readonly kind: 'script'; readonly result: ScriptTrackResult }
  | { readonly kind: 'file'; readonly value: number }
  | { readonly kind: 'process'; readonly hasQuorum: boolean }
  | { readonly kind: 'bfd'; readonly isUp: boolean };

/** A tracked object with its weight and current status. */
export type TrackedObject = TrackStatus & {
  readonly name: string;
  readonly weight: number;
  readonly reverse: boolean;
};

/** Why an instance is in FAULT because of tracking. */
export type FaultReason =
  | {
      readonly kind: 'interface' | 'script' | 'process' | 'bfd';
      readonly name: string;
      /** `down`: weight 0 and the object is down; `up_with_reverse`: weight 0 reverse, up. */
      readonly code: 'down' | 'up_with_reverse';
    }
  | {
      readonly kind: 'file';
      readonly name: string;
      readonly code: 'file_status';
      /** keepalived's status: value × weight × (reverse ? -1 : 1), or -254 for weight 0. */
      readonly status: number;
    }
  | { readonly kind: 'source_address'; readonly code: 'no_source_address'; readonly family: 4 | 6 };

export interface TrackInputs {
  /** `priority` after the config's derivation, 1..255 (255 = address owner). */
  readonly basePriority: number;
  readonly tracks: readonly TrackedObject[];
  /** Set when the instance has no source address of its family (vrrp_track.c: FAULT). */
  readonly missingSourceAddress?: { readonly family: 4 | 6 } | undefined;
}

export interface TrackVerdict {
  /** 1..254, or 255 for an address owner (immune to weights). */
  readonly effectivePriority: number;
  /** Some weight-0 object (or a track_file status ≤ -254) holds the instance in FAULT. */
  readonly isFault: boolean;
  readonly faultReasons: readonly FaultReason[];
  /** Weight-0 scripts with no result yet: keepalived does not bring the instance up. */
  readonly waitingForScripts: readonly string[];
}

interface Contribution {
  readonly priorityDelta: number;
  readonly fault: FaultReason | undefined;
  readonly isWaiting: boolean;
}

/** An object that is either up or down (all but track_file). */
type UpDownObject = Exclude<TrackedObject, { readonly kind: 'file' }>;

const NONE: Contribution = { priorityDelta: 0, fault: undefined, isWaiting: false };

/**
 * keepalived's weight/reverse table for an object that is up or down:
 * +w: +w while up; -w: -w while down; reverse negates (+w reverse: -w while up;
 * -w reverse: +w while down). Weight 0 is FAULT while down (reverse: while up).
 *
 * keepalived-compat: vrrp_track.c initialise_interface_tracking_priorities adds
 * `weight * weight_multiplier` only when `weight > 0` and up, or `weight < 0` and down.
 */
function contributionOfUpDown(t: UpDownObject, isUp: boolean): Contribution {
  const multiplier = t.reverse ? -1 : 1;
  if (t.weight === 0) {
    if (isUp === !t.reverse) return NONE;
    const code = t.reverse ? 'up_with_reverse' : 'down';
    return { priorityDelta: 0, fault: { kind: t.kind, name: t.name, code }, isWaiting: false };
  }
  const counts = isUp ? t.weight > 0 : t.weight < 0;
  return { priorityDelta: counts ? t.weight * multiplier : 0, fault: undefined, isWaiting: false };
}

/**
 * A script with no result yet adds nothing whatever its weight; a weight-0 one makes the
 * instance wait (vrrp_track.c process_script_update_priority: num_script_init), except
 * after a reload (SCRIPT_INIT_STATE_INIT_RELOAD: "considered successful on reload").
 */
function contributionOfScript(t: TrackedObject & { kind: 'script' }): Contribution {
  if (t.result === 'unknown') return { ...NONE, isWaiting: t.weight === 0 };
  if (t.result === 'unknown_after_reload') return NONE;
  return contributionOfUpDown(t, t.result === 'good');
}

/**
 * track_file: the status is value × weight × (reverse ? -1 : 1), capped at 253; at or
 * below -254 it is FAULT and adds nothing. Weight 0: FAULT while the value is non-zero
 * (reverse: while it is zero).
 *
 * keepalived-compat: vrrp_track.c initialise_vrrp_file_tracking_priorities and
 * track_file.c process_update_vrrp_track_file_status.
 */
function contributionOfFile(t: TrackedObject & { kind: 'file' }): Contribution {
  const isNonZero = t.value !== 0;
  const status = t.weight === 0
    ? (isNonZero === !t.reverse ? FILE_FAULT_STATUS : 0)
    : t.value * t.weight * (t.reverse ? -1 : 1);
  if (status <= FILE_FAULT_STATUS) {
    const fault: FaultReason = { kind: 'file', name: t.name, code: 'file_status', status };
    return { priorityDelta: 0, fault, isWaiting: false };
  }
  return { priorityDelta: Math.min(status, FILE_MAX_STATUS), fault: undefined, isWaiting: false };
}

function contributionOf(t: TrackedObject): Contribution {
  switch (t.kind) {
    case 'interface':
    case 'bfd':
      return contributionOfUpDown(t, t.isUp);
    case 'process':
      return contributionOfUpDown(t, t.hasQuorum);
    case 'script':
      return contributionOfScript(t);
    case 'file':
      return contributionOfFile(t);
  }
}

/**
 * keepalived's clamp: below 1 gives 1, 255 or more gives 254 (trackers cannot make an
 * instance the address owner).
 *
 * @example clampPriority(-30) // 1
 */
export function clampPriority(totalPriority: number): number {
  if (totalPriority < MIN_TRACKED_PRIORITY) return MIN_TRACKED_PRIORITY;
  if (totalPriority >= OWNER_PRIORITY) return MAX_TRACKED_PRIORITY;
  return totalPriority;
}

/**
 * The effective priority and tracking FAULT of one instance.
 *
 * An address owner (base 255) keeps 255 whatever the weights
 * (vrrp.c vrrp_set_effective_priority returns early), but still goes FAULT on a weight-0
 * failure: the weight-0 checks in vrrp_track.c come before the owner check.
 *
 * @example
 * effectivePriority({ basePriority: 150, tracks: [
 *   { kind: 'script', name: 'chk', weight: -60, reverse: false, result: 'bad' },
 * ] }) // { effectivePriority: 90, isFault: false, faultReasons: [], waitingForScripts: [] }
 */
export function effectivePriority(inputs: TrackInputs): TrackVerdict {
  const base = inputs.basePriority;
  if (!Number.isInteger(base) || base < 1 || base > OWNER_PRIORITY) {
    throw new RangeError(`basePriority must be an integer 1..255, got ${base}`);
  }
  const faultReasons: FaultReason[] = [];
  if (inputs.missingSourceAddress !== undefined) {
    faultReasons.push({
      kind: 'source_address',
      code: 'no_source_address',
      family: inputs.missingSourceAddress.family,
    });
  }
  const waitingForScripts: string[] = [];
  let totalPriority = base;
  for (const t of inputs.tracks) {
    const c = contributionOf(t);
    totalPriority += c.priorityDelta;
    if (c.fault !== undefined) faultReasons.push(c.fault);
    if (c.isWaiting) waitingForScripts.push(t.name);
  }
  return {
    effectivePriority: base === OWNER_PRIORITY ? OWNER_PRIORITY : clampPriority(totalPriority),
    isFault: faultReasons.length > 0,
    faultReasons,
    waitingForScripts,
  };
}

/**
 * keepalived's log line for an effective priority change, or undefined when the priority
 * did not change (keepalived logs nothing then).
 *
 * keepalived-compat: vrrp.c vrrp_set_effective_priority. One exception we do not copy:
 * when a weighted track_file leaves FAULT, track_file.c sets the priority without this line.
 *
 * @example priorityChangeLogLine('VI_1', { fromPriority: 150, toPriority: 90 })
 * // '(VI_1) Changing effective priority from 150 to 90'
 */
export function priorityChangeLogLine(
  instanceName: string,
  change: { readonly fromPriority: number; readonly toPriority: number },
): string | undefined {
  if (change.fromPriority === change.toPriority) return undefined;
  const { fromPriority, toPriority } = change;
  return `(${instanceName}) Changing effective priority from ${fromPriority} to ${toPriority}`;
}

/**
 * The line keepalived logs when an instance starts in FAULT for this reason, or undefined
 * where it logs none (BFD). At run time keepalived logs the event instead (for example
 * `Netlink reports eth0 down`) and then `(VI_1) Entering FAULT STATE`.
 *
 * keepalived-compat: vrrp_track.c initialise_* (note the inconsistent colons: copied).
 *
 * @example initFaultLogLine('VI_1', { kind: 'script', name: 'chk', code: 'down' })
 * // '(VI_1): entering FAULT state due to script chk'
 */
export function initFaultLogLine(instanceName: string, reason: FaultReason): string | undefined {
  switch (reason.kind) {
    case 'interface':
      // keepalived says "down" even for a weight-0 reverse interface that is up.
      return `(${instanceName}): entering FAULT state (interface ${reason.name} down)`;
    case 'script':
      return `(${instanceName}): entering FAULT state due to script ${reason.name}`;
    case 'file':
      return `(${instanceName}): entering FAULT state (tracked file ${reason.name}` +
        ` has status ${reason.status})`;
    case 'process':
      return `(${instanceName}) entering FAULT state (tracked process ${reason.name}` +
        ' quorum not achieved)';
    case 'bfd':
      return undefined;
    case 'source_address':
      return `(${instanceName}) entering FAULT state (no IPv${reason.family} address` +
        ' for interface)';
  }
}

/** A sync group is FAULT if any member is; it waits while any member waits for scripts. */
export function syncGroupVerdict(members: readonly TrackVerdict[]): {
  readonly isFault: boolean;
  readonly isWaitingForScripts: boolean;
} {
  // keepalived-compat: vrrp_track.c down_instance (num_member_fault) and
  // process_script_update_priority (sync->num_member_init).
  return {
    isFault: members.some((m) => m.isFault),
    isWaitingForScripts: members.some((m) => m.waitingForScripts.length > 0),
  };
}

// ---------------------------------------------------------------------------------------
// Which objects an instance tracks, with keepalived's merge rules.

/** keepalived's VRRP_NOT_TRACK_IF: the primary interface under dont_track_primary. */
const NOT_TRACKED = 'not_tracked' as const;

interface Entry {
  readonly kind: TrackKind;
  readonly name: string;
  weight: number | typeof NOT_TRACKED;
  reverse: boolean;
}

/**
 * Adds a tracked object, or merges it into an existing entry for the same object. The
 * later weight wins unless the existing entry is unweighted (weight 0 stays 0).
 *
 * keepalived-compat: vrrp.c add_vrrp_to_interface / add_vrrp_to_track_script /
 * add_vrrp_to_track_bfd, track_file.c add_obj_to_track_file;
 * add_vrrp_to_track_process updates the weight but keeps the instance's reverse.
 */
function addTrack(entries: Entry[], add: Entry): void {
  const existing = entries.find((e) => e.kind === add.kind && e.name === add.name);
  if (existing === undefined) {
    entries.push({ ...add });
    return;
  }
  if (existing.weight === 0 || add.weight === NOT_TRACKED) return;
  existing.weight = add.weight;
  if (add.kind !== 'process') existing.reverse = add.reverse;
}

type TrackLists = Pick<
  VrrpInstance,
  'trackInterfaces' | 'trackScripts' | 'trackFiles' | 'trackProcesses' | 'trackBfds'
>;

function refsOf(owner: TrackLists): Entry[] {
  const of = (kind: TrackKind, refs: readonly TrackReference[]): Entry[] =>
    refs.map((r) => ({ kind, name: r.name, weight: r.weight, reverse: r.reverse }));
  return [
    ...of('script', owner.trackScripts),
    ...of('file', owner.trackFiles),
    ...of('process', owner.trackProcesses),
    ...of('bfd', owner.trackBfds),
    ...of('interface', owner.trackInterfaces),
  ];
}

/**
 * Interfaces an instance tracks implicitly with weight 0: its own interface (unless
 * dont_track_primary), the devices of its VIPs and eVIPs, virtual_routes and
 * virtual_rules (unless `no_track`). Under dont_track_primary a VIP on the primary
 * interface does not track it, but a route or rule on it does.
 *
 * keepalived-compat: vrrp.c vrrp_complete_instance (TRACK_VRRP, TRACK_ADDR, TRACK_ROUTE,
 * TRACK_RULE). VMAC base interfaces are not modelled here.
 */
function implicitInterfaceEntries(i: VrrpInstance): Entry[] {
  const primary = i.interfaceName;
  const out: Entry[] = [];
  const zero = (name: string | undefined): void => {
    if (name !== undefined) out.push({ kind: 'interface', name, weight: 0, reverse: false });
  };
  if (primary !== undefined) {
    out.push({
      kind: 'interface',
      name: primary,
      weight: i.dontTrackPrimary ? NOT_TRACKED : 0,
      reverse: false,
    });
  }
  for (const a of [...i.virtualIpAddresses, ...i.excludedIpAddresses]) {
    const device = a.device ?? primary;
    if (a.noTrack || (i.dontTrackPrimary && device === primary)) continue;
    zero(device);
  }
  for (const r of i.virtualRoutes) if (!r.noTrack) zero(r.device);
  for (const r of i.virtualRules) {
    if (r.noTrack) continue;
    zero(r.inputInterface);
    zero(r.outputInterface);
  }
  return out;
}

/**
 * The objects an instance tracks, in keepalived's order and with its merge rules: the
 * instance's own track_* lists (the config front end has already dropped weights a sync
 * group or an address owner ignores), the implicit weight-0 interfaces, then the sync
 * group's trackers (whose weight replaces a weighted instance entry).
 *
 * @example trackSpecsForInstance(instance, { syncGroup: undefined })
 */
export function trackSpecsForInstance(
  instance: VrrpInstance,
  options: { readonly syncGroup: VrrpSyncGroup | undefined },
): TrackSpec[] {
  const entries: Entry[] = [];
  for (const e of refsOf(instance)) addTrack(entries, e);
  for (const e of implicitInterfaceEntries(instance)) addTrack(entries, e);
  if (options.syncGroup !== undefined) {
    for (const e of refsOf(options.syncGroup)) addTrack(entries, e);
  }
  const out: TrackSpec[] = [];
  for (const e of entries) {
    if (e.weight === NOT_TRACKED) continue;
    out.push({ kind: e.kind, name: e.name, weight: e.weight, reverse: e.reverse });
  }
  return out;
}
