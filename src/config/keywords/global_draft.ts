/**
 * The mutable builder the global keyword handlers fill (keepalived's global_data while the
 * parent process reads the configuration). Completed into GlobalDefs by complete/global.ts.
 */
import type { ParseEnvironment } from '../draft.js';
import type { ScriptCommand } from '../script.js';
import type { LvsSyncDaemon, NotifyFifo, SmtpServer, StatusListen } from '../model/global.js';
import type { RawKeyword } from '../model/vrrp.js';

export interface FifoDraft {
  path: string | undefined;
  user: string | undefined;
  group: string | undefined;
  script: ScriptCommand | undefined;
  at: NotifyFifo['at'];
}

export interface GlobalDraft {
  routerId: string | undefined;
  notificationEmails: string[];
  notificationEmailFrom: string | undefined;
  smtpServer: SmtpServer | undefined;
  smtpHeloName: string | undefined;
  smtpConnectTimeoutUs: number | undefined;
  smtpAlert: boolean | undefined;
  smtpAlertVrrp: boolean | undefined;
  smtpAlertChecker: boolean | undefined;
  noEmailFaults: boolean;
  noCheckerEmails: boolean;
  checkerLogAllFailures: boolean;
  rsInitNotifies: boolean;
  enableScriptSecurity: boolean;
  /** `script_user` as written and its ids; scriptUserFailed: it named no user/group. */
  scriptUser: { user: string; group: string | undefined } | undefined;
  scriptUserIds: { uid: number; gid: number } | undefined;
  scriptUserFailed: boolean;
  /** Completion memo: "Unable to set default user keepalived_script" was reported. */
  defaultUserFailureReported: boolean;
  vrrpStrict: boolean;
  vrrpSkipCheckAdvAddr: boolean;
  vrrpCheckUnicastSrc: boolean;
  vrrpVersion: 2 | 3;
  vrrpMcastGroup4: string;
  vrrpMcastGroup6: string;
  vrrpGarpIntervalUs: number;
  vrrpGnaIntervalUs: number;
  vrrpGarpMasterDelayUs: number;
  vrrpGarpMasterRepeat: number;
  vrrpGarpMasterRefreshUs: number;
  vrrpGarpMasterRefreshRepeat: number;
  vrrpGarpLowerPrioDelayUs: number | undefined;
  vrrpGarpLowerPrioRepeat: number | undefined;
  vrrpGarpExtraIfIntervalS: number;
  vrrpGarpExtraIfAll: boolean;
  vrrpDownTimerAdverts: number;
  vrrpLowerPrioNoAdvert: boolean;
  vrrpHigherPrioSendAdvert: boolean;
  vrrpStartupDelayUs: number;
  vrrpNotifyPriorityChanges: boolean;
  fifoWriteVrrpStatesOnReload: boolean;
  notifyFifo: FifoDraft;
  vrrpNotifyFifo: FifoDraft;
  lvsNotifyFifo: FifoDraft;
  defaultInterface: string | undefined;
  dynamicInterfaces: boolean;
  allowIfChanges: boolean;
  startupScript: ScriptCommand | undefined;
  startupScriptSeen: boolean;
  startupScriptTimeoutS: number | undefined;
  shutdownScript: ScriptCommand | undefined;
  shutdownScriptSeen: boolean;
  shutdownScriptTimeoutS: number | undefined;
  lvsSyncDaemon: LvsSyncDaemon | undefined;
  /** lvs_sync_daemon_interface inside a vrrp_instance (deprecated) sets this too. */
  lvsTimeouts: { tcpS: number | undefined; tcpFinS: number | undefined; udpS: number | undefined };
  lvsFlush: boolean;
  lvsFlushOnStop: 'none' | 'full' | 'vs';
  netNamespace: string | undefined;
  netNamespaceIpvs: string | undefined;
  namespaceWithIpsets: boolean;
  instanceName: string | undefined;
  usePidDir: boolean;
  childWaitTimeS: number;
  linkbeatUsePolling: boolean;
  processName: string | undefined;
  vrrpProcessName: string | undefined;
  checkerProcessName: string | undefined;
  bfdProcessName: string | undefined;
  umask: number | undefined;
  randomSeed: number | undefined;
  nftablesTable: string | undefined;
  nftablesPriority: number;
  nftablesIfindex: boolean;
  nftablesCounters: boolean;
  ipvsNftablesTable: string | undefined;
  vmacPrefix: string | undefined;
  vmacAddrPrefix: string | undefined;
  snmpSocket: string | undefined;
  configDirectory: string | undefined;
  maxAutoPriority: number;
  minAutoPriorityDelayUs: number;
  /** keepalived-ts extension `status_listen` (keywords/global_extensions.ts). */
  statusListen: StatusListen | undefined;
  raw: RawKeyword[];
}

function emptyFifo(): FifoDraft {
  return { path: undefined, user: undefined, group: undefined, script: undefined, at: { file: '', line: 0 } };
}

/** keepalived's alloc_global_data() + set_vrrp_defaults(). */
export function createGlobalDraft(_env: ParseEnvironment): GlobalDraft {
  return {
    routerId: undefined,
    notificationEmails: [],
    notificationEmailFrom: undefined,
    smtpServer: undefined,
    smtpHeloName: undefined,
    smtpConnectTimeoutUs: undefined,
    smtpAlert: undefined,
    smtpAlertVrrp: undefined,
    smtpAlertChecker: undefined,
    noEmailFaults: false,
    noCheckerEmails: false,
    checkerLogAllFailures: false,
    rsInitNotifies: false,
    enableScriptSecurity: false,
    scriptUser: undefined,
    scriptUserIds: undefined,
    scriptUserFailed: false,
    defaultUserFailureReported: false,
    vrrpStrict: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpCheckUnicastSrc: false,
    vrrpVersion: 2,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpIntervalUs: 0,
    vrrpGnaIntervalUs: 0,
    vrrpGarpMasterDelayUs: 5_000_000,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefreshUs: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpLowerPrioDelayUs: undefined,
    vrrpGarpLowerPrioRepeat: undefined,
    vrrpGarpExtraIfIntervalS: 0,
    vrrpGarpExtraIfAll: false,
    vrrpDownTimerAdverts: 3,
    vrrpLowerPrioNoAdvert: false,
    vrrpHigherPrioSendAdvert: false,
    vrrpStartupDelayUs: 0,
    vrrpNotifyPriorityChanges: false,
    fifoWriteVrrpStatesOnReload: false,
    notifyFifo: emptyFifo(),
    vrrpNotifyFifo: emptyFifo(),
    lvsNotifyFifo: emptyFifo(),
    defaultInterface: undefined,
    dynamicInterfaces: false,
    allowIfChanges: false,
    startupScript: undefined,
    startupScriptSeen: false,
    startupScriptTimeoutS: undefined,
    shutdownScript: undefined,
    shutdownScriptSeen: false,
    shutdownScriptTimeoutS: undefined,
    lvsSyncDaemon: undefined,
    lvsTimeouts: { tcpS: undefined, tcpFinS: undefined, udpS: undefined },
    lvsFlush: false,
    lvsFlushOnStop: 'none',
    netNamespace: undefined,
    netNamespaceIpvs: undefined,
    namespaceWithIpsets: false,
    instanceName: undefined,
    usePidDir: false,
    childWaitTimeS: 5,
    linkbeatUsePolling: false,
    processName: undefined,
    vrrpProcessName: undefined,
    checkerProcessName: undefined,
    bfdProcessName: undefined,
    umask: undefined,
    randomSeed: undefined,
    nftablesTable: undefined,
    nftablesPriority: -1,
    nftablesIfindex: false,
    nftablesCounters: false,
    ipvsNftablesTable: undefined,
    vmacPrefix: undefined,
    vmacAddrPrefix: undefined,
    snmpSocket: undefined,
    configDirectory: undefined,
    maxAutoPriority: 0,
    minAutoPriorityDelayUs: 1_000_000,
    statusListen: undefined,
    raw: [],
  };
}
