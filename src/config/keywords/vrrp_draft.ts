/**
 * The mutable builders the VRRP keyword handlers fill (keepalived's vrrp_data while the
 * VRRP process reads the configuration). Completed into VrrpConfig by complete/vrrp.ts.
 *
 * keepalived-compat: keepalived resolves some references while it reads the VRRP part
 * (track_script, track_file, track_process, track_bfd refer only to objects defined
 * *earlier*), but looks interfaces up against global settings that come from the whole
 * file (dynamic_interfaces). References therefore record how many objects were defined
 * before them and are resolved at completion.
 */
import type { SourceLocation } from '../diagnostics.js';
import type { ScriptCommand } from '../script.js';
import type {
  IpAddressEntry,
  IpAddressText,
  RawKeyword,
  RouteEntry,
  RuleEntry,
  UnicastPeer,
  VmacSettings,
} from '../model/vrrp.js';
import type { ArbiterReference, UnreachablePolicy } from '../model/split_brain.js';

/** A line of a track_* block, resolved at completion. */
export interface TrackRefDraft {
  readonly words: readonly string[];
  readonly at: SourceLocation;
  /** How many objects of the referenced kind were defined before this line. */
  readonly definedBefore: number;
}

/** An address line whose interface (`dev`) is checked at completion. */
export interface AddressDraft {
  readonly entry: IpAddressEntry;
}

export interface NotifyDraft {
  master: ScriptCommand | undefined;
  backup: ScriptCommand | undefined;
  fault: ScriptCommand | undefined;
  stop: ScriptCommand | undefined;
  generic: ScriptCommand | undefined;
}

export interface TrackListsDraft {
  interfaces: TrackRefDraft[];
  scripts: TrackRefDraft[];
  files: TrackRefDraft[];
  processes: TrackRefDraft[];
  bfds: TrackRefDraft[];
}

export interface InstanceDraft {
  readonly name: string;
  readonly at: SourceLocation;
  /** keepalived-ts split-brain keywords (keywords/vrrp_split_brain.ts). */
  splitBrain: InstanceSplitBrainDraft;
  wantState: 'MASTER' | 'BACKUP' | undefined;
  /** Every `interface` line (each is checked; the last one is the instance's). */
  interfaceLines: { name: string; at: SourceLocation }[];
  vrid: number | undefined;
  basePriority: number | undefined;
  version: 2 | 3 | undefined;
  family: 4 | 6 | undefined;
  advertIntervalUs: number | undefined;
  vips: IpAddressEntry[];
  excludedVips: IpAddressEntry[];
  routes: RouteEntry[];
  rules: RuleEntry[];
  sourceAddress: IpAddressText | undefined;
  mcastDst: IpAddressText | undefined;
  unicastPeers: UnicastPeer[];
  isUnicastConfigured: boolean;
  unicastFaultNoPeer: boolean;
  checkUnicastSource: boolean;
  unicastTtl: number | undefined;
  nopreempt: boolean;
  nopreemptWritten: boolean;
  preemptDelayUs: number;
  track: TrackListsDraft;
  dontTrackPrimary: boolean;
  trackSourceAddress: boolean;
  notify: NotifyDraft;
  notifyDeleted: boolean;
  notifyDeletedScript: ScriptCommand | undefined;
  notifyMasterRxLowerPri: ScriptCommand | undefined;
  /** Whether each notify keyword was given (keepalived sets notify_exec). */
  smtpAlert: boolean | undefined;
  notifyPriorityChanges: boolean | undefined;
  accept: boolean | undefined;
  strictMode: boolean | undefined;
  authType: 'PASS' | 'AH' | undefined;
  authPassword: string;
  garpMasterDelayUs: number | undefined;
  garpMasterRepeat: number | undefined;
  garpMasterRefreshUs: number | undefined;
  garpMasterRefreshRepeat: number | undefined;
  garpLowerPrioDelayUs: number | undefined;
  garpLowerPrioRepeat: number | undefined;
  garpExtraIfIntervalS: number | undefined;
  garpExtraIfAll: boolean;
  downTimerAdverts: number | undefined;
  lowerPrioNoAdvert: boolean | undefined;
  higherPrioSendAdvert: boolean | undefined;
  /** `skip_check_adv_addr` given in the instance (else the global setting). */
  skipCheckAdvAddr: boolean;
  promoteSecondaries: boolean;
  vmac: VmacSettings | undefined;
  /** `vmac_xmit_base` / `use_vmac_addr` (meaningful with use_vmac). */
  isVmacXmitBase: boolean;
  isUseVmacAddr: boolean;
  linkbeatUsePolling: boolean;
  /**
   * The global_defs values alloc_vrrp() copies, as they were when the instance was read.
   * At start-up keepalived has read all of global_defs first; on reload it has not.
   */
  globalsAtParse: GlobalSnapshot | undefined;
  raw: RawKeyword[];
}

export interface GlobalSnapshot {
  readonly garpMasterDelayUs: number;
  readonly garpMasterRepeat: number;
  readonly garpMasterRefreshUs: number;
  readonly garpMasterRefreshRepeat: number;
  readonly downTimerAdverts: number;
  readonly skipCheckAdvAddr: boolean;
}

export interface ScriptDraft {
  readonly name: string;
  readonly at: SourceLocation;
  command: ScriptCommand | undefined;
  intervalUs: number;
  /** 0: the interval. */
  timeoutUs: number;
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  initFail: boolean;
  /** The last valid `user` line (else the default user applies at completion). */
  runAs: { user: string; group: string | undefined; uid: number; gid: number } | undefined;
  /** The last `user` line named no user/group: keepalived removes the script. */
  userFailed: boolean;
}

export interface SyncGroupDraft {
  readonly name: string;
  readonly at: SourceLocation;
  members: string[] | undefined;
  membersAt: SourceLocation | undefined;
  track: TrackListsDraft;
  notify: NotifyDraft;
  smtpAlert: boolean | undefined;
  notifyPriorityChanges: boolean | undefined;
  trackingWeight: boolean;
}

export interface TrackFileDraft {
  readonly name: string;
  readonly at: SourceLocation;
  path: string | undefined;
  weight: number;
  weightReverse: boolean;
  init: { value: number; overwrite: boolean } | undefined;
}

export interface TrackProcessDraft {
  readonly name: string;
  readonly at: SourceLocation;
  process: string | undefined;
  params: string[];
  paramMatch: 'none' | 'exact' | 'initial' | 'partial';
  weight: number;
  weightReverse: boolean;
  quorum: number;
  quorumMax: number | undefined;
  forkDelayUs: number;
  terminateDelayUs: number;
  fullCommand: boolean;
  /** No `process` in the block: keepalived drops it at the end of the block. */
  isRemoved: boolean;
}

export interface BfdDraft {
  readonly name: string;
  readonly at: SourceLocation;
  neighbor: IpAddressText | undefined;
  source: IpAddressText | undefined;
  minRxUs: number;
  minTxUs: number;
  idleTxUs: number;
  multiplier: number;
  passive: boolean;
  ttl: number;
  maxHops: number;
  weight: number;
  weightReverse: boolean;
  forVrrp: boolean;
  forChecker: boolean;
  /** The BFD process dropped it (bad neighbour address); other processes read on. */
  isDeadForBfd: boolean;
}

export interface GarpGroupDraft {
  readonly at: SourceLocation;
  garpIntervalUs: number | undefined;
  gnaIntervalUs: number | undefined;
  interfaces: { name: string; at: SourceLocation; fromList: boolean }[];
  /** An `interfaces` block numbers the group (keepalived's aggregation_group). */
  isAggregation: boolean;
  /** keepalived quotes the block's second word in its duplicate message. */
  listSecond: string | undefined;
}

/** A line of linkbeat_interfaces / interface_up_down_delays, checked at completion. */
export interface InterfaceLineDraft {
  readonly at: SourceLocation;
  readonly words: readonly string[];
}

export interface StaticTrackGroupDraft {
  readonly name: string;
  readonly at: SourceLocation;
  members: string[] | undefined;
}

export interface VrrpDraft {
  instances: InstanceDraft[];
  /** keepalived-ts `vrrp_arbiter` blocks. */
  arbiters: ArbiterDraft[];
  scripts: ScriptDraft[];
  syncGroups: SyncGroupDraft[];
  trackFiles: TrackFileDraft[];
  trackProcesses: TrackProcessDraft[];
  bfds: BfdDraft[];
  staticAddresses: IpAddressEntry[];
  staticRoutes: RouteEntry[];
  staticRules: RuleEntry[];
  staticTrackGroups: StaticTrackGroupDraft[];
  garpGroups: GarpGroupDraft[];
  linkbeatInterfaces: InterfaceLineDraft[];
  upDownDelays: InterfaceLineDraft[];
  /** Interface names referenced by address/route/rule lines, checked at completion. */
  interfaceRefs: { name: string; at: SourceLocation; message: string }[];
  /** vrrp_script / track_file blocks being read (their close handlers finish them). */
  currentTrackFile: TrackFileDraft | undefined;
  /** `vrrp` (1) / `checker` (2) seen in the bfd_instance being read. */
  bfdEvents: number;
  /** Rule preferences keepalived assigns when none is given (next_rule_priority_*). */
  nextRulePriority: { v4: number; v6: number };
}

export function createVrrpDraft(): VrrpDraft {
  return {
    instances: [],
    arbiters: [],
    scripts: [],
    syncGroups: [],
    trackFiles: [],
    trackProcesses: [],
    bfds: [],
    staticAddresses: [],
    staticRoutes: [],
    staticRules: [],
    staticTrackGroups: [],
    garpGroups: [],
    linkbeatInterfaces: [],
    upDownDelays: [],
    interfaceRefs: [],
    currentTrackFile: undefined,
    bfdEvents: 0,
    nextRulePriority: { v4: 16384, v6: 16384 },
  };
}

export function emptyNotify(): NotifyDraft {
  return {
    master: undefined,
    backup: undefined,
    fault: undefined,
    stop: undefined,
    generic: undefined,
  };
}

export function emptyTrackLists(): TrackListsDraft {
  return { interfaces: [], scripts: [], files: [], processes: [], bfds: [] };
}

export function createInstanceDraft(name: string, at: SourceLocation): InstanceDraft {
  return {
    name,
    at,
    splitBrain: { paths: [], arbiter: undefined, fenceScript: undefined, fenceTimeoutUs: undefined, notifySplitBrain: undefined },
    wantState: undefined,
    interfaceLines: [],
    vrid: undefined,
    basePriority: undefined,
    version: undefined,
    family: undefined,
    advertIntervalUs: undefined,
    vips: [],
    excludedVips: [],
    routes: [],
    rules: [],
    sourceAddress: undefined,
    mcastDst: undefined,
    unicastPeers: [],
    isUnicastConfigured: false,
    unicastFaultNoPeer: false,
    checkUnicastSource: false,
    unicastTtl: undefined,
    nopreempt: false,
    nopreemptWritten: false,
    preemptDelayUs: 0,
    track: emptyTrackLists(),
    dontTrackPrimary: false,
    trackSourceAddress: false,
    notify: emptyNotify(),
    notifyDeleted: false,
    notifyDeletedScript: undefined,
    notifyMasterRxLowerPri: undefined,
    smtpAlert: undefined,
    notifyPriorityChanges: undefined,
    accept: undefined,
    strictMode: undefined,
    authType: undefined,
    authPassword: '',
    garpMasterDelayUs: undefined,
    garpMasterRepeat: undefined,
    garpMasterRefreshUs: undefined,
    garpMasterRefreshRepeat: undefined,
    garpLowerPrioDelayUs: undefined,
    garpLowerPrioRepeat: undefined,
    garpExtraIfIntervalS: undefined,
    garpExtraIfAll: false,
    downTimerAdverts: undefined,
    lowerPrioNoAdvert: undefined,
    higherPrioSendAdvert: undefined,
    skipCheckAdvAddr: false,
    promoteSecondaries: false,
    vmac: undefined,
    isVmacXmitBase: false,
    isUseVmacAddr: false,
    linkbeatUsePolling: false,
    globalsAtParse: undefined,
    raw: [],
  };
}

/** keepalived-ts `heartbeat_path { … }` being read. */
export interface HeartbeatPathDraft {
  readonly at: SourceLocation;
  interfaceName: string | undefined;
  sourceAddress: IpAddressText | undefined;
  unicastPeers: IpAddressText[];
}

/** keepalived-ts split-brain keywords of one instance. */
export interface InstanceSplitBrainDraft {
  paths: HeartbeatPathDraft[];
  arbiter: { readonly name: string; readonly at: SourceLocation } | undefined;
  fenceScript: ScriptCommand | undefined;
  fenceTimeoutUs: number | undefined;
  notifySplitBrain: ScriptCommand | undefined;
}

/** keepalived-ts `vrrp_arbiter NAME { … }` being read. */
export interface ArbiterDraft {
  readonly name: string;
  readonly at: SourceLocation;
  references: ArbiterReference[];
  intervalUs: number | undefined;
  timeoutUs: number | undefined;
  fall: number | undefined;
  rise: number | undefined;
  endpoints: string[];
  keyPrefix: string | undefined;
  leaseTtlS: number | undefined;
  nodeId: string | undefined;
  unreachable: UnreachablePolicy | undefined;
}
