/**
 * global_defs after the stream: keepalived's defaults (alloc_global_data(),
 * init_global_data(), vrrp_complete_init()'s GARP defaults), the default script user and
 * the start/shutdown script security check of keepalived's main process.
 */
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs, NotifyFifo, ScriptUser } from '../model/global.js';
import type { FifoDraft, GlobalDraft } from '../keywords/global_draft.js';
import { checkScriptSecurity, defaultScriptUser, type ScriptCommand } from '../script.js';

type Ctx = ParseContext<ConfigDraft>;

/**
 * keepalived's default script user (notify.c get_default_script_user()): script_user if
 * it could be set; else keepalived_script if that user exists; else the running user,
 * unless enable_script_security forbids falling back to root.
 */
function resolveDefaultScriptUser(ctx: Ctx, g: GlobalDraft): ScriptUser | undefined {
  const host = ctx.state.env.host;
  if (g.scriptUser !== undefined) {
    if (g.scriptUserFailed || g.scriptUserIds === undefined) return undefined;
    return { name: g.scriptUser.user, ...g.scriptUserIds };
  }
  const ks = host.lookupUser('keepalived_script');
  if (ks !== undefined) return { name: ks.name, uid: ks.uid, gid: ks.gid };
  if (g.enableScriptSecurity) return undefined;
  const run = host.runningUser;
  return { name: run.name, uid: run.uid, gid: run.gid };
}

function fifoOf(f: FifoDraft): NotifyFifo | undefined {
  if (f.path === undefined) return undefined;
  return { path: f.path, user: f.user, group: f.group, script: f.script, at: f.at };
}

/** Drops a FIFO without its own user when no default user exists (keepalived only logs). */
function fifoWithUser(
  ctx: Ctx,
  fifo: NotifyFifo | undefined,
  global: GlobalDefs,
  type: string,
): NotifyFifo | undefined {
  if (fifo === undefined || fifo.user !== undefined) return fifo;
  if (defaultScriptUser(ctx, global, fifo.at) !== undefined) return fifo;
  ctx.reportAt(
    fifo.at,
    'notice',
    'fifo_default_user',
    `Failed to set default user for ${type} fifo (null) - ignoring`,
  );
  return undefined;
}

/** init_global_data(): the same FIFO for two purposes is used once. */
function dedupeFifos(ctx: Ctx, global: GlobalDefs): GlobalDefs {
  let { vrrpNotifyFifo, lvsNotifyFifo } = global;
  const main = global.notifyFifo;
  if (main !== undefined && vrrpNotifyFifo?.path === main.path) {
    ctx.reportAt(
      vrrpNotifyFifo.at,
      'notice',
      'fifo_duplicate',
      `notify FIFO ${main.path} has been specified for global and vrrp FIFO - ignoring vrrp FIFO`,
    );
    vrrpNotifyFifo = undefined;
  }
  if (main !== undefined && lvsNotifyFifo?.path === main.path) {
    ctx.reportAt(
      lvsNotifyFifo.at,
      'notice',
      'fifo_duplicate',
      `notify FIFO ${main.path} has been specified for global and LVS FIFO - ignoring LVS FIFO`,
    );
    lvsNotifyFifo = undefined;
  }
  if (lvsNotifyFifo !== undefined && vrrpNotifyFifo !== undefined && lvsNotifyFifo.path === vrrpNotifyFifo.path && lvsNotifyFifo.script !== undefined && vrrpNotifyFifo.script !== undefined) {
    ctx.reportAt(
      lvsNotifyFifo.at,
      'notice',
      'fifo_duplicate',
      'LVS notify FIFO and vrrp FIFO are the same both with scripts - ignoring LVS FIFO script',
    );
    lvsNotifyFifo = { ...lvsNotifyFifo, script: undefined };
  }
  return { ...global, vrrpNotifyFifo, lvsNotifyFifo };
}

function identity(
  ctx: Ctx,
  g: GlobalDraft,
): Pick<GlobalDefs, 'routerId' | 'notificationEmailFrom' | 'smtpHeloName' | 'smtpConnectTimeoutUs'> {
  const host = ctx.state.env.host;
  return {
    routerId: g.routerId ?? host.hostname,
    notificationEmailFrom: g.notificationEmailFrom ?? `${host.runningUser.name}@${host.hostname}`,
    smtpHeloName: g.smtpHeloName ?? host.hostname,
    smtpConnectTimeoutUs: g.smtpConnectTimeoutUs ?? 30_000_000,
  };
}

function vrrpDefaults(g: GlobalDraft): Pick<GlobalDefs,
  | 'vrrpStrict' | 'vrrpSkipCheckAdvAddr' | 'vrrpCheckUnicastSrc' | 'vrrpVersion' | 'vrrpMcastGroup4'
  | 'vrrpMcastGroup6' | 'vrrpGarpIntervalUs' | 'vrrpGnaIntervalUs' | 'vrrpGarpMasterDelayUs'
  | 'vrrpGarpMasterRepeat' | 'vrrpGarpMasterRefreshUs' | 'vrrpGarpMasterRefreshRepeat'
  | 'vrrpGarpLowerPrioDelayUs' | 'vrrpGarpLowerPrioRepeat' | 'vrrpGarpExtraIfIntervalS'
  | 'vrrpGarpExtraIfAll' | 'vrrpDownTimerAdverts' | 'vrrpLowerPrioNoAdvert'
  | 'vrrpHigherPrioSendAdvert' | 'vrrpStartupDelayUs' | 'vrrpNotifyPriorityChanges'
  | 'fifoWriteVrrpStatesOnReload'> {
  return {
    vrrpStrict: g.vrrpStrict,
    vrrpSkipCheckAdvAddr: g.vrrpSkipCheckAdvAddr,
    vrrpCheckUnicastSrc: g.vrrpCheckUnicastSrc,
    vrrpVersion: g.vrrpVersion,
    vrrpMcastGroup4: g.vrrpMcastGroup4,
    vrrpMcastGroup6: g.vrrpMcastGroup6,
    vrrpGarpIntervalUs: g.vrrpGarpIntervalUs,
    vrrpGnaIntervalUs: g.vrrpGnaIntervalUs,
    vrrpGarpMasterDelayUs: g.vrrpGarpMasterDelayUs,
    vrrpGarpMasterRepeat: g.vrrpGarpMasterRepeat,
    vrrpGarpMasterRefreshUs: g.vrrpGarpMasterRefreshUs,
    vrrpGarpMasterRefreshRepeat: g.vrrpGarpMasterRefreshRepeat,
    // keepalived-compat: vrrp_complete_init() defaults these to the master values.
    vrrpGarpLowerPrioDelayUs: g.vrrpGarpLowerPrioDelayUs ?? g.vrrpGarpMasterDelayUs,
    vrrpGarpLowerPrioRepeat: g.vrrpGarpLowerPrioRepeat ?? g.vrrpGarpMasterRepeat,
    vrrpGarpExtraIfIntervalS: g.vrrpGarpExtraIfIntervalS,
    vrrpGarpExtraIfAll: g.vrrpGarpExtraIfAll,
    vrrpDownTimerAdverts: g.vrrpDownTimerAdverts,
    vrrpLowerPrioNoAdvert: g.vrrpLowerPrioNoAdvert,
    vrrpHigherPrioSendAdvert: g.vrrpHigherPrioSendAdvert,
    vrrpStartupDelayUs: g.vrrpStartupDelayUs,
    vrrpNotifyPriorityChanges: g.vrrpNotifyPriorityChanges,
    fifoWriteVrrpStatesOnReload: g.fifoWriteVrrpStatesOnReload,
  };
}

function processSettings(g: GlobalDraft): Pick<GlobalDefs,
  | 'netNamespace' | 'netNamespaceIpvs' | 'namespaceWithIpsets' | 'instanceName' | 'usePidDir'
  | 'childWaitTimeS' | 'linkbeatUsePolling' | 'processName' | 'vrrpProcessName'
  | 'checkerProcessName' | 'bfdProcessName' | 'umask' | 'randomSeed' | 'nftablesTable'
  | 'nftablesPriority' | 'nftablesIfindex' | 'nftablesCounters' | 'maxAutoPriority'
  | 'minAutoPriorityDelayUs'> {
  return {
    netNamespace: g.netNamespace,
    netNamespaceIpvs: g.netNamespaceIpvs,
    namespaceWithIpsets: g.namespaceWithIpsets,
    instanceName: g.instanceName,
    usePidDir: g.usePidDir,
    childWaitTimeS: g.childWaitTimeS,
    linkbeatUsePolling: g.linkbeatUsePolling,
    processName: g.processName,
    vrrpProcessName: g.vrrpProcessName,
    checkerProcessName: g.checkerProcessName,
    bfdProcessName: g.bfdProcessName,
    umask: g.umask,
    randomSeed: g.randomSeed,
    nftablesTable: g.nftablesTable,
    nftablesPriority: g.nftablesPriority,
    nftablesIfindex: g.nftablesIfindex,
    nftablesCounters: g.nftablesCounters,
    maxAutoPriority: g.maxAutoPriority,
    minAutoPriorityDelayUs: g.minAutoPriorityDelayUs,
  };
}

function buildGlobal(ctx: Ctx, g: GlobalDraft): GlobalDefs {
  return {
    ...identity(ctx, g),
    notificationEmails: [...g.notificationEmails],
    smtpServer: g.smtpServer,
    smtpAlert: g.smtpAlert,
    smtpAlertVrrp: g.smtpAlertVrrp,
    smtpAlertChecker: g.smtpAlertChecker,
    noEmailFaults: g.noEmailFaults,
    noCheckerEmails: g.noCheckerEmails,
    checkerLogAllFailures: g.checkerLogAllFailures,
    rsInitNotifies: g.rsInitNotifies,
    enableScriptSecurity: g.enableScriptSecurity,
    scriptUserSetting: g.scriptUser,
    defaultScriptUser: resolveDefaultScriptUser(ctx, g),
    ...vrrpDefaults(g),
    notifyFifo: fifoOf(g.notifyFifo),
    vrrpNotifyFifo: fifoOf(g.vrrpNotifyFifo),
    lvsNotifyFifo: fifoOf(g.lvsNotifyFifo),
    defaultInterface: g.defaultInterface ?? 'eth0',
    dynamicInterfaces: g.dynamicInterfaces,
    allowIfChanges: g.allowIfChanges,
    startupScript: g.startupScript,
    startupScriptTimeoutS: g.startupScriptTimeoutS ?? 10,
    shutdownScript: g.shutdownScript,
    shutdownScriptTimeoutS: g.shutdownScriptTimeoutS ?? 10,
    lvsSyncDaemon: g.lvsSyncDaemon,
    lvsTimeouts: { ...g.lvsTimeouts },
    lvsFlush: g.lvsFlush,
    lvsFlushOnStop: g.lvsFlushOnStop,
    ...processSettings(g),
    statusListen: g.statusListen,
    raw: [...g.raw],
  };
}

/**
 * keepalived's main process checks startup_script / shutdown_script before the children
 * validate their parts (main.c check_start_stop_script_secure()).
 */
function checkStartStopScripts(ctx: Ctx, global: GlobalDefs): GlobalDefs {
  const scripts: ScriptCommand[] = [];
  if (global.startupScript !== undefined) scripts.push(
    { ...global.startupScript, kind: 'startup', name: 'startup' },
  );
  if (global.shutdownScript !== undefined) scripts.push(
    { ...global.shutdownScript, kind: 'startup', name: 'shutdown' },
  );
  if (scripts.length === 0) return global;
  const kept = checkScriptSecurity(ctx, scripts, global, 'parent');
  return {
    ...global,
    startupScript: kept.find((s) => s.name === 'startup'),
    shutdownScript: kept.find((s) => s.name === 'shutdown'),
  };
}

/** Applies global defaults and checks; runs after the whole stream was read. */
export function completeGlobal(ctx: ParseContext<ConfigDraft>): GlobalDefs {
  let global = buildGlobal(ctx, ctx.state.global);
  global = {
    ...global,
    notifyFifo: fifoWithUser(ctx, global.notifyFifo, global, ''),
    vrrpNotifyFifo: fifoWithUser(ctx, global.vrrpNotifyFifo, global, 'vrrp_'),
    lvsNotifyFifo: fifoWithUser(ctx, global.lvsNotifyFifo, global, 'lvs_'),
  };
  checkNetNamespace(ctx, global);
  global = checkStartStopScripts(ctx, global);
  return dedupeFifos(ctx, global);
}

/**
 * keepalived enters the net_namespace before validating; when it cannot, `keepalived -t`
 * stops there and exits 0 whatever else is wrong (main.c: "Unable to set network
 * namespace ... - exiting"). Callers act on the code 'net_namespace_unavailable'.
 */
function checkNetNamespace(ctx: Ctx, global: GlobalDefs): void {
  const ns = global.netNamespace;
  if (ns === undefined) return;
  const path = `/run/netns/${ns}`;
  if (ctx.state.env.host.fileExists(path)) return;
  ctx.reportAt(
    { file: '', line: 0 },
    'notice',
    'net_namespace_unavailable',
    `Failed to open ${path}; Unable to set network namespace ${ns} - exiting`,
  );
}
