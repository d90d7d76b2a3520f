/**
 * The mutable LVS / checker builders the keyword handlers fill while the configuration
 * streams past, mirroring keepalived's check_data and checkers_queue. `undefined` plays
 * the part of keepalived's "unset" sentinels (UINT_MAX, ULONG_MAX, -1, IP_VS_CONN_F_FWD_MASK)
 * until validate_check_config() (complete/lvs.ts) resolves the inheritance.
 */
import type { SourceLocation } from '../diagnostics.js';
import type { ScriptCommand } from '../script.js';
import type {
  DnsQueryType,
  ForwardingMethod,
  HttpProtocolVersion,
  LvsIpFamily,
  LvsProtocol,
  PersistenceGranularity,
  RawKeyword,
  TunnelChecksum,
  TunnelType,
  VirtualServerGroupEntry,
} from '../model/lvs.js';

export interface AddressDraft {
  family: LvsIpFamily;
  address: string;
  /** 0 = none. */
  port: number;
}

export interface ForwardingDraft {
  /** undefined: not set (keepalived's IP_VS_CONN_F_FWD_MASK). */
  method: ForwardingMethod | undefined;
  tunnelType: TunnelType;
  tunnelPort: number;
  tunnelChecksum: TunnelChecksum;
}

export function unsetForwarding(): ForwardingDraft {
  return { method: undefined, tunnelType: 'ipip', tunnelPort: 0, tunnelChecksum: 'nocsum' };
}

export type VsKeyDraft =
  | { readonly kind: 'address'; readonly address: AddressDraft }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  | { readonly kind: 'group'; readonly group: string };

export interface SchedulerFlagsDraft {
  onePacket: boolean;
  flag1: boolean;
  flag2: boolean;
  flag3: boolean;
  shPort: boolean;
  shFallback: boolean;
  mhPort: boolean;
  mhFallback: boolean;
}

export interface SorryServerDraft {
  readonly at: SourceLocation;
  address: AddressDraft;
  forwarding: ForwardingDraft;
  inhibit: boolean;
  duplicatesRealServer: boolean;
}

export interface VirtualServerDraft {
  readonly at: SourceLocation;
  readonly key: VsKeyDraft;
  /** Member number within its group, set when groups are linked (link_vsg_to_vs). */
  memberIndex: number;
  /** keepalived's vs->af: AF_UNSPEC until an address, ip_family or a server sets it. */
  family: LvsIpFamily | undefined;
  protocol: LvsProtocol | undefined;
  scheduler: string | undefined;
  flags: SchedulerFlagsDraft;
  forwarding: ForwardingDraft;
  persistenceTimeoutS: number;
  persistenceGranularity: PersistenceGranularity | undefined;
  persistenceEngine: string | undefined;
  delayLoopUs: number;
  connectTimeoutUs: number;
  retry: number | undefined;
  delayBeforeRetryUs: number | undefined;
  warmupUs: number | undefined;
  weight: number;
  inhibit: boolean;
  alpha: boolean;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorumUp: ScriptCommand | undefined;
  quorumDown: ScriptCommand | undefined;
  haSuspend: boolean;
  smtpAlert: boolean | undefined;
  virtualhost: string | undefined;
  sorry: SorryServerDraft | undefined;
  realServers: RealServerDraft[];
  raw: RawKeyword[];
}

export interface RealServerDraft {
  readonly at: SourceLocation;
  readonly vs: VirtualServerDraft;
  address: AddressDraft;
  /** undefined: take the virtual server's weight (keepalived's INT64_MAX sentinel). */
  weight: number | undefined;
  forwarding: ForwardingDraft;
  alpha: boolean | undefined;
  inhibit: boolean | undefined;
  connectTimeoutUs: number | undefined;
  delayLoopUs: number | undefined;
  retry: number | undefined;
  delayBeforeRetryUs: number | undefined;
  warmupUs: number | undefined;
  upperThreshold: number;
  lowerThreshold: number;
  smtpAlert: boolean | undefined;
  virtualhost: string | undefined;
  notifyUp: ScriptCommand | undefined;
  notifyDown: ScriptCommand | undefined;
  /** Queued checkers of this server, in queue order. */
  checkers: CheckerDraft[];
  fileChecks: FileCheckDraft[];
  /** Names of the BFDs this server already follows (check_bfd.c tracked_bfds). */
  trackedBfds: Set<string>;
  raw: RawKeyword[];
}

/** conn_opts_t: an address may be unset (family AF_UNSPEC) while its port is set. */
export interface ConnectionDraft {
  destination: { family: LvsIpFamily; address: string } | undefined;
  destinationPort: number;
  bindTo: { family: LvsIpFamily; address: string } | undefined;
  bindPort: number;
  bindInterface: string | undefined;
  fwmark: number;
  /** undefined: inherit (keepalived's UINT_MAX). */
  connectTimeoutUs: number | undefined;
}

export interface UrlDraft {
  readonly at: SourceLocation;
  path: string | undefined;
  digest: string | undefined;
  /** Accepted status code ranges as written (keepalived sets bits; merged at completion). */
  statusCodes: { readonly min: number; readonly max: number }[];
  virtualhost: string | undefined;
  regexPattern: string | undefined;
  regexOptions: string[];
  regexNoMatch: boolean;
  regexMinOffset: number;
  regexMaxOffsetExclusive: number;
  regexUseStack: boolean;
  raw: RawKeyword[];
}

export type CheckerSpecDraft =
  | { readonly type: 'TCP_CHECK' }
  | { readonly type: 'PING_CHECK' }
  | {
      readonly type: 'HTTP_GET' | 'SSL_GET';
      virtualhost: string | undefined;
      httpProtocol: HttpProtocolVersion;
      enableSni: boolean;
      fastRecovery: boolean;
      urls: UrlDraft[];
    }
  | { readonly type: 'SMTP_CHECK'; heloName: string | undefined }
  | { readonly type: 'DNS_CHECK'; queryType: DnsQueryType; name: string | undefined }
  | {
      readonly type: 'UDP_CHECK';
      payloadHex: string | undefined;
      requireReply: boolean;
      replyHex: string | undefined;
      replyMaskHex: string | undefined;
      minReplyLength: number;
      maxReplyLength: number;
    }
  | {
      readonly type: 'MISC_CHECK';
      script: ScriptCommand | undefined;
      /** 0: not set (the virtual server's delay loop is used). */
      timeoutUs: number;
      dynamic: boolean;
      /** The block's `user USER [GROUP]`, resolved. */
      user:
        | {
            readonly user: string;
            readonly group: string | undefined;
            readonly uid: number;
            readonly gid: number;
          }
        | undefined;
      /** The block's checker was removed (keepalived's new_misck_checker = NULL). */
      dropped: boolean;
    }
  | { readonly type: 'BFD_CHECK'; name: string | undefined; dropped: boolean };

export interface CheckerDraft {
  at: SourceLocation;
  readonly seq: number;
  readonly rs: RealServerDraft;
  alpha: boolean | undefined;
  delayLoopUs: number | undefined;
  warmupUs: number | undefined;
  retry: number | undefined;
  delayBeforeRetryUs: number | undefined;
  logAllFailures: boolean;
  defaultRetry: number;
  /** 0: the delay loop (DNS_CHECK). */
  defaultDelayBeforeRetryUs: number;
  /** Has a timer (keepalived's checker->launch): everything but BFD_CHECK. */
  readonly timed: boolean;
  connection: ConnectionDraft | undefined;
  readonly spec: CheckerSpecDraft;
}

export interface FileCheckDraft {
  readonly at: SourceLocation;
  readonly seq: number;
  trackFile: string | undefined;
  /** undefined: the track_file's weight (keepalived's IPVS_WEIGHT_FAULT sentinel). */
  weight: number | undefined;
  reverse: boolean;
}

export interface VirtualServerGroupDraft {
  readonly at: SourceLocation;
  readonly name: string;
  entries: VirtualServerGroupEntry[];
  hasIpv4: boolean;
  hasIpv6: boolean;
  fwmarkWithoutFamily: boolean;
}

export interface SslDraft {
  readonly at: SourceLocation;
  password: string | undefined;
  caFile: string | undefined;
  certificateFile: string | undefined;
  keyFile: string | undefined;
}

export interface LvsDraft {
  ssl: SslDraft | undefined;
  sslRequired: boolean;
  readonly groups: VirtualServerGroupDraft[];
  readonly virtualServers: VirtualServerDraft[];
  /** keepalived's checkers_queue: the "current checker" is always its last entry. */
  readonly checkerQueue: CheckerDraft[];
  /** Declaration counter, so checkers and FILE_CHECKs keep their written order. */
  nextSeq: number;
  /** SMTP_CHECK host{} blocks waiting for their checker's end (check_smtp.c host_list). */
  smtpHosts: ConnectionDraft[];
  /** The checker's own connection, saved while a host{} block is read. */
  smtpSavedConnection: ConnectionDraft | undefined;
  /**
   * check_http.c conf_regex_pattern: a file-wide static, consumed by the next url that has
   * a path (a pathless url leaves it for the following one).
   */
  pendingRegex: string | undefined;
  /** keepalived's new_misck_checker / BFD new_checker: the block's checker until dropped. */
  miscBlock: CheckerDraft | undefined;
  bfdBlock: CheckerDraft | undefined;
  /** Named track_file blocks the checker parse has seen, with their weight (track_file.c). */
  readonly trackFiles: Map<string, { readonly weight: number; readonly reverse: boolean }>;
  /** bfd_instance names the checker parse has seen (bfd_parser.c bfd_checker_handler). */
  readonly bfdInstances: Set<string>;
}

export function createLvsDraft(): LvsDraft {
  return {
    ssl: undefined,
    sslRequired: false,
    groups: [],
    virtualServers: [],
    checkerQueue: [],
    nextSeq: 0,
    smtpHosts: [],
    smtpSavedConnection: undefined,
    pendingRegex: undefined,
    miscBlock: undefined,
    bfdBlock: undefined,
    trackFiles: new Map(),
    bfdInstances: new Set(),
  };
}

/** keepalived's list_last_entry(&check_data->vs): the virtual server being read. */
export function currentVirtualServer(draft: LvsDraft): VirtualServerDraft | undefined {
  return draft.virtualServers[draft.virtualServers.length - 1];
}

/** The real server being read. */
export function currentRealServer(draft: LvsDraft): RealServerDraft | undefined {
  const vs = currentVirtualServer(draft);
  return vs?.realServers[vs.realServers.length - 1];
}

/** keepalived's CHECKER_GET_CURRENT(). */
export function currentChecker(draft: LvsDraft): CheckerDraft | undefined {
  return draft.checkerQueue[draft.checkerQueue.length - 1];
}

/** keepalived's dequeue_new_checker(): drops the last queued checker. */
export function dequeueChecker(draft: LvsDraft): void {
  const checker = draft.checkerQueue.pop();
  if (checker === undefined) return;
  const list = checker.rs.checkers;
  const i = list.lastIndexOf(checker);
  if (i >= 0) list.splice(i, 1);
}

/**
 * For the track_file keywords (owned by the VRRP/track engineer): records a `track_file`
 * block as keepalived's checker process sees it, so a later FILE_CHECK can find it.
 */
export function noteCheckerTrackFile(
  draft: LvsDraft,
  name: string,
  weight: { readonly weight: number; readonly reverse: boolean },
): void {
  draft.trackFiles.set(name, weight);
}

/** For the bfd_instance keywords: a BFD instance the checker process follows. */
export function noteCheckerBfdInstance(draft: LvsDraft, name: string): void {
  draft.bfdInstances.add(name);
}
