/**
 * Status snapshots: what the VRRP and checker children tell the parent about themselves,
 * and what the parent serves on /status and renders on /metrics.
 *
 * The builders here are pure (values in, a plain JSON value out): the children call them
 * on a timer and on every state change and send the result over their IPC channel
 * (ipc.ts). A snapshot holds no Map, no class and no undefined-valued key, so it survives
 * `process.send` (JSON) unchanged and the parent can validate it field by field.
 *
 * The read-only views below name exactly what a builder reads, so tests can hand them
 * small fakes; VrrpRuntime, CheckEngineState and CheckPlan satisfy them structurally.
 */
import type { IpAddressEntry, VrrpInstance } from '../../config/model/vrrp.js';
import type { InstanceCounters } from '../../vrrp/runtime.js';
import type { InstanceState, VrrpState, WantState } from '../../vrrp/instance.js';
import type { SyncGroupStateName } from '../../vrrp/sync_group.js';
import { DROP_REASONS, isDropReason, type VrrpStatsCounter } from '../../vrrp/drop_reasons.js';
import { masterDownIntervalUs } from '../../vrrp/timers.js';
import type { NotifierCounters } from '../notifier.js';

/** Bumped when a snapshot's shape changes incompatibly (the parent drops other versions). */
export const STATUS_SNAPSHOT_VERSION = 1;

export type StatusRole = 'vrrp' | 'checker';

// ---- VRRP ------------------------------------------------------------------------------

type InstanceConfigView = Pick<
  VrrpInstance,
  | 'name'
  | 'interfaceName'
  | 'vrid'
  | 'family'
  | 'version'
  | 'advertIntervalCs'
  | 'downTimerAdverts'
  | 'syncGroup'
  | 'garpMasterDelayUs'
  | 'isUnicast'
> & {
  readonly virtualIpAddresses: readonly VipView[];
  readonly excludedIpAddresses: readonly VipView[];
  readonly unicastPeers: readonly { readonly address: string }[];
};

type VipView = Pick<IpAddressEntry, 'address' | 'family' | 'prefixLength' | 'device'>;

type InstanceStateView = Pick<
  InstanceState,
  'state' | 'wantState' | 'effectivePriority' | 'isFaulted' | 'masterAdverIntervalCs' | 'masterAddress'
> & { readonly params: { readonly basePriority: number } };

interface GroupStateView {
  readonly name: string;
  readonly state: SyncGroupStateName;
  readonly members: readonly { readonly params: { readonly name: string } }[];
}

/** The VrrpRuntime queries a VRRP snapshot reads (vrrp/runtime.ts). */
export interface VrrpRuntimeView {
  instanceNames(): readonly string[];
  stateOf(name: string): InstanceStateView | undefined;
  counters(name: string): InstanceCounters | undefined;
  groupStates(): readonly GroupStateView[];
  config(name: string): InstanceConfigView | undefined;
}

/** A vrrp_script as the VRRP child's ScriptTracker sees it. */
export interface ScriptView {
  readonly name: string;
  readonly result: 'good' | 'bad' | 'unknown';
  /** The script is running now (keepalived's script state `running` vs `idle`). */
  readonly isRunning?: boolean;
}

export interface VipStatus {
  readonly address: string;
  readonly family: 4 | 6;
  /** keepalived's ipaddresstos(): `ADDR`, or `ADDR/LEN` when LEN is not 32/128. */
  readonly text: string;
  /** The device the VIP goes on (`dev`, else the instance's interface). */
  readonly device: string;
  readonly isExcluded: boolean;
  /** Whether the address is on the interface now; absent when the child cannot tell. */
  readonly isPresent?: boolean;
}

export interface PeerStatus {
  readonly address: string;
  /** Seconds since the last advert accepted from this source. */
  readonly lastAdvertAgeS: number;
}

export interface VrrpInstanceCounts {
  readonly advertsReceived: number;
  readonly advertsSent: number;
  readonly priorityZeroReceived: number;
  readonly priorityZeroSent: number;
  readonly becameMaster: number;
  readonly releasedMaster: number;
  /** keepalived's vrrp_stats error counters (drop_reasons.ts `counter`), every key present. */
  readonly stats: Readonly<Record<VrrpStatsCounter, number>>;
  /** Every drop reason seen, by reason (drop_reasons.ts), including log-only ones. */
  readonly drops: Readonly<Record<string, number>>;
  readonly transitionsByReason: Readonly<Record<string, number>>;
}

export interface VrrpInstanceStatus {
  readonly name: string;
  /** '' for a unicast instance without an interface. */
  readonly interfaceName: string;
  readonly vrid: number;
  readonly family: 4 | 6;
  readonly version: 2 | 3;
  readonly state: VrrpState;
  readonly wantState: WantState;
  readonly isFaulted: boolean;
  readonly basePriority: number;
  readonly effectivePriority: number;
  readonly advertIntervalS: number;
  /** RFC 5798 §6.1 Master_Adver_Interval (learnt from the master in v3). */
  readonly masterAdverIntervalS: number;
  /** RFC 5798 §6.1 Master_Down_Interval at the current effective priority: the failover budget. */
  readonly masterDownIntervalS: number;
  readonly masterAddress?: string;
  readonly syncGroup?: string;
  /** `garp_master_delay` in whole seconds (keepalived.data "Gratuitous ARP delay"). */
  readonly garpMasterDelayS: number;
  readonly isUnicast: boolean;
  readonly vips: readonly VipStatus[];
  readonly peers: readonly PeerStatus[];
  readonly counts: VrrpInstanceCounts;
  /** keepalived-ts split-brain protection; absent when the instance uses none of it. */
  readonly splitBrain?: SplitBrainStatus;
}

/** keepalived-ts: an instance's split-brain protection as the VRRP child sees it. */
export interface SplitBrainStatus {
  /** Times another master was seen while we were MASTER (or the witness named another). */
  readonly splitBrains: number;
  readonly takeoversRefused: number;
  /** Every heartbeat path, the instance's own first (only with heartbeat_path). */
  readonly paths: readonly { readonly label: string; readonly isUp?: boolean; readonly lastAdvertAgeS?: number }[];
  readonly arbiter?: string;
  /** The arbiter's references answer (absent before the first verdict or without references). */
  readonly arbiterReachable?: boolean;
  /** We hold the etcd witness lease (only with a witness). */
  readonly holdsLease?: boolean;
  /** How long the last takeover gate took (reference round + witness + fence). */
  readonly lastGateS?: number;
}

/** What the snapshot reads of split-brain protection (the VRRP daemon's SplitBrainGuard). */
export interface SplitBrainView {
  readonly arbiterOf: (instance: string) => string | undefined;
  readonly hasWitness: (instance: string) => boolean;
  readonly arbiterReachable: (arbiter: string) => boolean | undefined;
  readonly holdsLease: (instance: string) => boolean;
  readonly lastGateMs: (instance: string) => number | undefined;
  readonly paths: (instance: string) => readonly { readonly label: string; readonly lastAdvertUs: number | undefined; readonly isUp: boolean | undefined }[];
}

export interface SyncGroupStatus {
  readonly name: string;
  readonly state: SyncGroupStateName;
  readonly members: readonly string[];
}

export interface ScriptStatus {
  readonly name: string;
  readonly result: 'good' | 'bad' | 'unknown';
  readonly isRunning?: boolean;
}

/** The notifier's counters (daemon/notifier.ts). */
export type NotifyCounts = NotifierCounters;

export interface VrrpStatusSnapshot {
  readonly role: 'vrrp';
  readonly version: typeof STATUS_SNAPSHOT_VERSION;
  /** Wall-clock time the snapshot was taken (ms since the epoch). */
  readonly takenAtMs: number;
  readonly instances: readonly VrrpInstanceStatus[];
  readonly syncGroups: readonly SyncGroupStatus[];
  readonly scripts: readonly ScriptStatus[];
  readonly notify?: NotifyCounts;
}

export interface VrrpSnapshotOptions {
  /** Monotonic µs, the runtime's clock (ages of the last adverts). */
  readonly nowUs: number;
  /** Wall clock, ms since the epoch. */
  readonly atMs: number;
  /** Whether a VIP is on its interface now (VipManager.setAddresses()); omit when unknown. */
  readonly vipPresent?: (instance: string, address: string) => boolean | undefined;
  readonly scripts?: readonly ScriptView[];
  readonly notify?: NotifierCounters;
  readonly splitBrain?: SplitBrainView;
}

const CS_PER_S = 100;
const US_PER_S = 1_000_000;

/** keepalived's ipaddresstos(): the prefix is shown only when it is not a host prefix. */
export function vipText(v: Pick<IpAddressEntry, 'address' | 'family' | 'prefixLength'>): string {
  const host = v.family === 6 ? 128 : 32;
  return v.prefixLength === host ? v.address : `${v.address}/${v.prefixLength}`;
}

const STATS_COUNTERS: readonly VrrpStatsCounter[] = [
  'packet_len_err',
  'ip_ttl_err',
  'invalid_type_rcvd',
  'advert_interval_err',
  'addr_list_err',
  'invalid_authtype',
  'authtype_mismatch',
  'auth_failure',
  'chk_err',
  'vers_err',
  'vrid_err',
];

function mapToRecord<K extends string>(m: ReadonlyMap<K, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of m) out[k] = v;
  return out;
}

/** vrrp_stats as keepalived keeps them: each drop moves the counter of its reason. */
export function statsFromDrops(drops: ReadonlyMap<string, number>): Record<VrrpStatsCounter, number> {
  const stats = Object.fromEntries(STATS_COUNTERS.map((c) => [c, 0])) as Record<VrrpStatsCounter, number>;
  for (const [reason, n] of drops) {
    if (!isDropReason(reason)) continue;
    const counter = DROP_REASONS[reason].counter;
    if (counter !== undefined) stats[counter] += n;
  }
  return stats;
}

function countsOf(c: InstanceCounters | undefined): VrrpInstanceCounts {
  const drops: ReadonlyMap<string, number> = c?.drops ?? new Map<string, number>();
  return {
    advertsReceived: c?.advertsReceived ?? 0,
    advertsSent: c?.advertsSent ?? 0,
    priorityZeroReceived: c?.priorityZeroReceived ?? 0,
    priorityZeroSent: c?.priorityZeroSent ?? 0,
    becameMaster: c?.becameMaster ?? 0,
    releasedMaster: c?.releasedMaster ?? 0,
    stats: statsFromDrops(drops),
    drops: mapToRecord(drops),
    transitionsByReason: c === undefined ? {} : mapToRecord(c.transitionsByReason),
  };
}

function vipsOf(cfg: InstanceConfigView, o: VrrpSnapshotOptions): VipStatus[] {
  const one = (v: VipView, isExcluded: boolean): VipStatus => {
    const isPresent = o.vipPresent?.(cfg.name, v.address);
    return {
      address: v.address,
      family: v.family,
      text: vipText(v),
      device: v.device ?? cfg.interfaceName ?? '',
      isExcluded,
      ...(isPresent === undefined ? {} : { isPresent }),
    };
  };
  return [
    ...cfg.virtualIpAddresses.map((v) => one(v, false)),
    ...cfg.excludedIpAddresses.map((v) => one(v, true)),
  ];
}

function peersOf(c: InstanceCounters | undefined, nowUs: number): PeerStatus[] {
  if (c === undefined) return [];
  return [...c.lastAdvertUsBySource]
    .map(([address, atUs]) => ({ address, lastAdvertAgeS: Math.max(0, nowUs - atUs) / US_PER_S }))
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function instanceStatus(
  view: VrrpRuntimeView,
  name: string,
  o: VrrpSnapshotOptions,
): VrrpInstanceStatus | undefined {
  const cfg = view.config(name);
  const s = view.stateOf(name);
  if (cfg === undefined || s === undefined) return undefined;
  const c = view.counters(name);
  // Priority 0 never reaches the timer formulas; a faulted instance still has a budget.
  const priority = Math.min(255, Math.max(1, s.effectivePriority));
  const downUs = masterDownIntervalUs({
    version: cfg.version,
    priority,
    masterAdverIntervalCs: s.masterAdverIntervalCs,
    downTimerAdverts: cfg.downTimerAdverts,
  });
  return {
    name,
    interfaceName: cfg.interfaceName ?? '',
    vrid: cfg.vrid,
    family: cfg.family,
    version: cfg.version,
    state: s.state,
    wantState: s.wantState,
    isFaulted: s.isFaulted,
    basePriority: s.params.basePriority,
    effectivePriority: s.effectivePriority,
    advertIntervalS: cfg.advertIntervalCs / CS_PER_S,
    masterAdverIntervalS: s.masterAdverIntervalCs / CS_PER_S,
    masterDownIntervalS: downUs / US_PER_S,
    ...(s.masterAddress === undefined ? {} : { masterAddress: s.masterAddress }),
    ...(cfg.syncGroup === undefined ? {} : { syncGroup: cfg.syncGroup }),
    garpMasterDelayS: Math.floor(cfg.garpMasterDelayUs / US_PER_S),
    isUnicast: cfg.isUnicast,
    vips: vipsOf(cfg, o),
    peers: peersOf(c, o.nowUs),
    counts: countsOf(c),
    ...splitBrainOf(name, c, o),
  };
}

function splitBrainOf(name: string, c: InstanceCounters | undefined, o: VrrpSnapshotOptions): { splitBrain?: SplitBrainStatus } {
  const v = o.splitBrain;
  if (v === undefined) return {};
  const arbiter = v.arbiterOf(name);
  const paths = v.paths(name);
  if (arbiter === undefined && paths.length < 2 && (c?.splitBrains ?? 0) === 0) return {};
  const reachable = arbiter === undefined ? undefined : v.arbiterReachable(arbiter);
  const gateMs = v.lastGateMs(name);
  return {
    splitBrain: {
      splitBrains: c?.splitBrains ?? 0,
      takeoversRefused: c?.takeoversRefused ?? 0,
      paths:
        paths.length < 2
          ? []
          : paths.map((p) => ({
              label: p.label,
              ...(p.isUp === undefined ? {} : { isUp: p.isUp }),
              ...(p.lastAdvertUs === undefined ? {} : { lastAdvertAgeS: Math.max(0, o.nowUs - p.lastAdvertUs) / US_PER_S }),
            })),
      ...(arbiter === undefined ? {} : { arbiter }),
      ...(reachable === undefined ? {} : { arbiterReachable: reachable }),
      ...(v.hasWitness(name) ? { holdsLease: v.holdsLease(name) } : {}),
      ...(gateMs === undefined ? {} : { lastGateS: gateMs / 1000 }),
    },
  };
}

/** The VRRP child's snapshot, from its runtime. */
export function buildVrrpSnapshot(view: VrrpRuntimeView, o: VrrpSnapshotOptions): VrrpStatusSnapshot {
  const instances = view.instanceNames().flatMap((n) => {
    const i = instanceStatus(view, n, o);
    return i === undefined ? [] : [i];
  });
  const syncGroups = view.groupStates().map((g) => ({
    name: g.name,
    state: g.state,
    members: g.members.map((m) => m.params.name),
  }));
  const scripts = (o.scripts ?? []).map((s) => ({
    name: s.name,
    result: s.result,
    ...(s.isRunning === undefined ? {} : { isRunning: s.isRunning }),
  }));
  return {
    role: 'vrrp',
    version: STATUS_SNAPSHOT_VERSION,
    takenAtMs: o.atMs,
    instances,
    syncGroups,
    scripts,
    ...(o.notify === undefined ? {} : { notify: { ...o.notify } }),
  };
}

// ---- checker ---------------------------------------------------------------------------

/** IPVS traffic counters of a service or destination (gen2brain's keepalived_lvs_*). */
export interface LvsTraffic {
  readonly inPackets: number;
  readonly outPackets: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly connections: number;
}

export interface CheckStatus {
  readonly id: number;
  /** TCP_CHECK, HTTP_GET, MISC_CHECK, … */
  readonly type: string;
  readonly isUp: boolean;
  /** Duration of the last completed probe, when the child measured it. */
  readonly lastDurationS?: number;
  readonly lastOk?: boolean;
}

export interface RealServerStatus {
  /** FMT_RS: `[10.0.0.2]:tcp:80`. */
  readonly text: string;
  readonly isAlive: boolean;
  /** In the kernel (keepalived's rs->set). */
  readonly isInKernel: boolean;
  /** The weight given to the kernel (0 with inhibit_on_failure when down). */
  readonly weight: number;
  /** `weight` as configured. */
  readonly configuredWeight: number;
  /** The configured weight plus the dynamic checkers' contributions. */
  readonly effectiveWeight: number;
  readonly failedChecks: number;
  readonly checks: readonly CheckStatus[];
  /** The longest last-probe duration of its checkers, when any was measured. */
  readonly lastCheckLatencyS?: number;
  readonly traffic?: LvsTraffic;
}

export interface VirtualServerStatus {
  /** FMT_VS: `[10.0.0.1]:tcp:80`, `FWM 5`, `[VSG]:0`. */
  readonly text: string;
  /** In the kernel (between init and stop). */
  readonly isActive: boolean;
  readonly quorum: number;
  readonly isQuorumUp: boolean;
  readonly realServersUp: number;
  readonly realServersTotal: number;
  readonly realServers: readonly RealServerStatus[];
  readonly sorryServer?: { readonly text: string; readonly isAlive: boolean; readonly isInKernel: boolean };
  readonly traffic?: LvsTraffic;
}

export interface CheckerStatusSnapshot {
  readonly role: 'checker';
  readonly version: typeof STATUS_SNAPSHOT_VERSION;
  readonly takenAtMs: number;
  readonly virtualServers: readonly VirtualServerStatus[];
  readonly notify?: NotifyCounts;
}

/** The CheckEngineState fields a checker snapshot reads (check/check_engine.ts). */
export interface CheckEngineView {
  readonly checkers: readonly {
    readonly timed: { readonly isUp: boolean } | undefined;
    readonly externalUp: boolean;
  }[];
  readonly virtualServers: readonly {
    readonly quorumUp: boolean;
    readonly active: boolean;
    readonly realServers: readonly {
      readonly alive: boolean;
      readonly set: boolean;
      readonly kernelWeight: number;
      readonly numFailedCheckers: number;
      readonly effectiveWeight: number;
    }[];
    readonly sorryServer: { readonly alive: boolean; readonly set: boolean } | undefined;
  }[];
}

/** The CheckPlan fields a checker snapshot reads (check/checker_plan.ts). */
export interface CheckPlanView {
  readonly virtualServers: readonly {
    readonly context: {
      readonly text: string;
      readonly quorum: number;
      readonly realServers: readonly { readonly text: string; readonly weight: number }[];
      readonly sorryServer: { readonly text: string } | undefined;
    };
  }[];
  readonly checkers: readonly {
    readonly id: number;
    readonly virtualServer: number;
    readonly realServer: number;
    readonly config: { readonly type: string };
  }[];
}

/** The last probe of a checker, as the checker child measured it. */
export interface ProbeRecord {
  readonly durationMs: number;
  readonly ok: boolean;
}

export interface CheckerSnapshotOptions {
  readonly atMs: number;
  /** The last completed probe of checker `id` (ProbeResult.durationMs). */
  readonly lastProbe?: (checkerId: number) => ProbeRecord | undefined;
  /** IPVS counters of virtual server `v` (real server `r`), when the data plane reports them. */
  readonly traffic?: (v: number, r?: number) => LvsTraffic | undefined;
  readonly notify?: NotifierCounters;
}

type PlannedCheckerView = CheckPlanView['checkers'][number];

/**
 * The checkers of each real server, `byServer[v][r]`, in checker order: one pass over the
 * checkers (a filter per real server was quadratic - at 5,000 real servers it was the
 * checker process's largest JS cost, bench/RESULTS.md "Checker CPU").
 */
function checkersByServer(plan: CheckPlanView): PlannedCheckerView[][][] {
  const byServer = plan.virtualServers.map((pv) => pv.context.realServers.map((): PlannedCheckerView[] => []));
  for (const c of plan.checkers) byServer[c.virtualServer]?.[c.realServer]?.push(c);
  return byServer;
}

function checksOf(planned: readonly PlannedCheckerView[], engine: CheckEngineView, o: CheckerSnapshotOptions): CheckStatus[] {
  return planned.map((c) => {
    const slot = engine.checkers[c.id];
    const probe = o.lastProbe?.(c.id);
    return {
      id: c.id,
      type: c.config.type,
      isUp: slot === undefined ? false : (slot.timed?.isUp ?? slot.externalUp),
      ...(probe === undefined ? {} : { lastDurationS: probe.durationMs / 1000, lastOk: probe.ok }),
    };
  });
}

function realServersOf(
  plan: CheckPlanView,
  engine: CheckEngineView,
  v: number,
  byServer: readonly (readonly (readonly PlannedCheckerView[])[])[],
  o: CheckerSnapshotOptions,
): RealServerStatus[] {
  const pv = plan.virtualServers[v];
  const rt = engine.virtualServers[v];
  if (pv === undefined || rt === undefined) return [];
  return pv.context.realServers.map((ctx, r) => {
    const s = rt.realServers[r];
    const checks = checksOf(byServer[v]?.[r] ?? [], engine, o);
    const latencies = checks.flatMap((c) => (c.lastDurationS === undefined ? [] : [c.lastDurationS]));
    const traffic = o.traffic?.(v, r);
    return {
      text: ctx.text,
      isAlive: s?.alive ?? false,
      isInKernel: s?.set ?? false,
      weight: s?.set === true ? s.kernelWeight : 0,
      configuredWeight: ctx.weight,
      effectiveWeight: s?.effectiveWeight ?? ctx.weight,
      failedChecks: s?.numFailedCheckers ?? 0,
      checks,
      ...(latencies.length === 0 ? {} : { lastCheckLatencyS: Math.max(...latencies) }),
      ...(traffic === undefined ? {} : { traffic }),
    };
  });
}

/** The checker child's snapshot, from its plan and engine state. */
export function buildCheckerSnapshot(
  plan: CheckPlanView,
  engine: CheckEngineView,
  o: CheckerSnapshotOptions,
): CheckerStatusSnapshot {
  const byServer = checkersByServer(plan);
  const virtualServers = plan.virtualServers.map((pv, v): VirtualServerStatus => {
    const rt = engine.virtualServers[v];
    const realServers = realServersOf(plan, engine, v, byServer, o);
    const ss = pv.context.sorryServer;
    const traffic = o.traffic?.(v);
    return {
      text: pv.context.text,
      isActive: rt?.active ?? false,
      quorum: pv.context.quorum,
      isQuorumUp: rt?.quorumUp ?? false,
      realServersUp: realServers.filter((r) => r.isAlive).length,
      realServersTotal: realServers.length,
      realServers,
      ...(ss === undefined
        ? {}
        : {
            sorryServer: {
              text: ss.text,
              isAlive: rt?.sorryServer?.alive ?? false,
              isInKernel: rt?.sorryServer?.set ?? false,
            },
          }),
      ...(traffic === undefined ? {} : { traffic }),
    };
  });
  return {
    role: 'checker',
    version: STATUS_SNAPSHOT_VERSION,
    takenAtMs: o.atMs,
    virtualServers,
    ...(o.notify === undefined ? {} : { notify: { ...o.notify } }),
  };
}

// ---- the parent's view -----------------------------------------------------------------

export interface ParentInfo {
  readonly pid: number;
  /** keepalived-ts version (daemon/version.ts). */
  readonly version: string;
  readonly nodeVersion: string;
  readonly startedAtMs: number;
}

export interface ChildStatus {
  readonly role: StatusRole;
  /** The configuration needs this child (the parent started it). */
  readonly isExpected: boolean;
  readonly pid?: number;
  /** When the parent last heard from it: a snapshot or an alive message (wall clock, ms). */
  readonly receivedAtMs?: number;
  /** A snapshot arrived within the staleness bound. */
  readonly isFresh: boolean;
}

export type ReloadResult = 'success' | 'failure';

export interface ReloadStatus {
  readonly success: number;
  readonly failure: number;
  readonly lastResult?: ReloadResult;
  readonly lastAtMs?: number;
  readonly lastSuccessAtMs?: number;
}

/** Everything /status returns and /metrics renders. */
export interface DaemonStatus {
  readonly generatedAtMs: number;
  readonly parent: ParentInfo;
  readonly children: readonly ChildStatus[];
  readonly vrrp?: VrrpStatusSnapshot;
  readonly checker?: CheckerStatusSnapshot;
  readonly reloads: ReloadStatus;
}

/**
 * keepalived_up: every child the configuration needs has reported recently (jirutka's CGI
 * exporter reports 0 on a stale dump, mehdy's when it cannot read one).
 */
export function isDaemonUp(s: Pick<DaemonStatus, 'children'>): boolean {
  const expected = s.children.filter((c) => c.isExpected);
  return expected.length > 0 && expected.every((c) => c.isFresh);
}
