/**
 * keepalived's USR1 text dumps (--signum=DATA), pure: `keepalived.data` (VRRP process) and
 * `keepalived_parent.data` (parent), in keepalived 2.2.7's layout (global_data.c
 * dump_global_data, vrrp_data.c dump_data_vrrp): the same section headers
 * (`------< … >------`), indentation and field names, for the values keepalived-ts has.
 * keepalived says this format is not stable, so fields we do not model are left out rather
 * than invented. The global section is shared with the checker's dump (check/data_dump.ts).
 *
 * Left out (we have no such value, or it describes keepalived's own internals):
 *  - Global definitions: Config save dir, reload time file/schedule, LVS syncd details
 *    beyond interface/instance/syncid, libnftnl version, BFD process lines, SNMP, DBus,
 *    *_netlink_*_rcv_bufs, process_monitor_rcv_bufs, rx_bufs_*, realtime limits, CPU
 *    affinity. The parent prints the completed values (keepalived's parent shows
 *    4294967295 for the unset lower-priority GARP settings).
 *  - Sections: Gratuitous ARP delays, Static Addresses/Routes/Rules/Track groups, VRRP
 *    Sockpool, VRRP Track files/processes/BFDs, Interfaces.
 *  - VRRP instance: Master priority (the runtime does not keep the master's priority),
 *    Number of interface and track script faults, Number of track scripts init, Duplicate
 *    VRID, VMAC/IPVLAN lines, VRF, Total priority (printed as the effective priority),
 *    Kernel rx buffer size, Debug level, fd_in/fd_out, Virtual Routes / Rules, Unicast
 *    checksum compatibility, tracked processes and BFDs.
 *  - Sync group: Num member fault/init counts.
 *  - VRRP script: Result, Insecure, Init state, State (idle/running).
 */
import type { GlobalDefs } from '../config/model/global.js';
import type { IpAddressEntry, NotifyScripts, TrackReference, VrrpInstance, VrrpScript, VrrpSyncGroup } from '../config/model/vrrp.js';
import { commandString, type ScriptCommand } from '../config/script.js';

export type DumpProcess = 'parent' | 'vrrp' | 'checker';

/** Runtime values of one instance; times are wall-clock µs since the epoch. */
export interface InstanceDumpView {
  readonly config: VrrpInstance;
  readonly state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
  readonly wantState: 'BACKUP' | 'MASTER' | 'FAULT';
  readonly effectivePriority: number;
  /** The address of the master we follow (BACKUP). */
  readonly masterAddress: string | undefined;
  readonly masterAdverIntervalCs: number;
  readonly lastTransitionUs: number;
  /** The next timer of the instance (keepalived's sands); undefined: none. */
  readonly readTimeoutUs: number | undefined;
  readonly masterDownTimerUs: number;
  /** The advert source address in use. */
  readonly sourceAddress: string | undefined;
  /** The VIPs are configured on the interfaces (keepalived's vipset). */
  readonly vipSet: boolean;
}

export interface SyncGroupDumpView {
  readonly config: VrrpSyncGroup;
  readonly state: string;
}

export interface ScriptDumpView {
  readonly config: VrrpScript;
  /** undefined: no result yet. */
  readonly isGood: boolean | undefined;
  /** The instances that track it, with the weight each uses. */
  readonly trackedBy: readonly { readonly instance: string; readonly weight: number; readonly reverse: boolean }[];
}

export interface VrrpDataView {
  readonly global: GlobalDefs;
  readonly instances: readonly InstanceDumpView[];
  readonly syncGroups: readonly SyncGroupDumpView[];
  readonly scripts: readonly ScriptDumpView[];
  /** Minutes east of UTC, for ctime()'s local time. */
  readonly utcOffsetMin: number;
}

// ---- shared helpers (also used by check/data_dump.ts) -----------------------------------

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, width: number, fill = '0'): string {
  return String(n).padStart(width, fill);
}

/**
 * keepalived's ctime_us_r(): `Mon Nov 23 06:44:13.227768 2026` in local time (given as an
 * offset). Civil date from days since the epoch (H. Hinnant's days_from_civil inverse).
 */
export function ctimeUs(epochUs: number, utcOffsetMin: number): string {
  const usPart = ((epochUs % 1_000_000) + 1_000_000) % 1_000_000;
  const localS = Math.floor((epochUs - usPart) / 1_000_000) + utcOffsetMin * 60;
  const days = Math.floor(localS / 86_400);
  const secOfDay = localS - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const weekday = (((days + 4) % 7) + 7) % 7;
  const hh = Math.floor(secOfDay / 3600);
  const mm = Math.floor((secOfDay % 3600) / 60);
  const ss = secOfDay % 60;
  return `${DAYS[weekday] ?? ''} ${MONTHS[month - 1] ?? ''} ${pad(day, 2, ' ')} ${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(usPart, 6)} ${year}`;
}

/** `%ld.%6.6ld (ctime)` of a wall-clock time in µs. */
export function timevalText(epochUs: number, utcOffsetMin: number): string {
  const usPart = ((epochUs % 1_000_000) + 1_000_000) % 1_000_000;
  return `${(epochUs - usPart) / 1_000_000}.${pad(usPart, 6)} (${ctimeUs(epochUs, utcOffsetMin)})`;
}

/** C's `%f`: six decimals. */
export function fixed6(value: number): string {
  return value.toFixed(6);
}

/** keepalived's uid:gid of a script: its own user, else the default script user. */
export function scriptIds(cmd: ScriptCommand, global: GlobalDefs): string {
  const d = global.defaultScriptUser;
  return `${cmd.uid ?? d?.uid ?? 0}:${cmd.gid ?? d?.gid ?? 0}`;
}

function rawValue(global: GlobalDefs, keyword: string): string | undefined {
  const k = global.raw.find((r) => r.keyword === keyword);
  return k === undefined ? undefined : (k.args[0] ?? '');
}

function rawInt(global: GlobalDefs, keyword: string): number {
  const v = Number(rawValue(global, keyword));
  return Number.isInteger(v) ? v : 0;
}

/** A keepalived true/false keyword kept raw: present without an argument means true. */
function rawBool(global: GlobalDefs, keyword: string): boolean {
  const v = rawValue(global, keyword);
  return v !== undefined && !['false', 'no', 'off', '0'].includes(v.toLowerCase());
}

const tf = (b: boolean): string => (b ? 'true' : 'false');
const unsetOnOff = (b: boolean | undefined): string => (b === undefined ? 'unset' : b ? 'on' : 'off');

/** dump_global_data(): ` Name = value` lines under `------< Global definitions >------`. */
export function formatGlobalDefinitions(g: GlobalDefs, process: DumpProcess): string[] {
  const out = ['------< Global definitions >------'];
  const w = (line: string): void => void out.push(` ${line}`);
  w(`Network namespace = ${g.netNamespace ?? '(default)'}`);
  const ipvsNs = g.netNamespaceIpvs;
  w(`Network namespace ipvs = ${ipvsNs === undefined ? '(main namespace)' : ipvsNs === '' ? '(default)' : ipvsNs}`);
  if (g.instanceName !== undefined) w(`Instance name = ${g.instanceName}`);
  if (g.processName !== undefined) w(`Parent process name = ${g.processName}`);
  if (g.vrrpProcessName !== undefined) w(`VRRP process name = ${g.vrrpProcessName}`);
  if (g.checkerProcessName !== undefined) w(`LVS process name = ${g.checkerProcessName}`);
  if (g.bfdProcessName !== undefined) w(`BFD process name = ${g.bfdProcessName}`);
  w(`Router ID = ${g.routerId}`);
  if (g.smtpServer !== undefined) {
    w(`Smtp server = ${g.smtpServer.host}`);
    w(`Smtp server port = ${g.smtpServer.port}`);
    w(`Smtp HELO name = ${g.smtpHeloName}`);
    w(`Smtp server connection timeout = ${Math.floor(g.smtpConnectTimeoutUs / 1_000_000)}`);
    w(`Email notification from = ${g.notificationEmailFrom}`);
    w('Email notification to:');
    for (const e of g.notificationEmails) w(`  ${e}`);
  }
  w(`Default smtp_alert = ${unsetOnOff(g.smtpAlert)}`);
  w(`Default smtp_alert_vrrp = ${unsetOnOff(g.smtpAlertVrrp)}`);
  w(`Default smtp_alert_checker = ${unsetOnOff(g.smtpAlertChecker)}`);
  w(`Checkers log all failures = ${tf(g.checkerLogAllFailures)}`);
  const reloadCheck = rawValue(g, 'reload_check_config');
  w(reloadCheck === undefined ? 'No test config before reload' : `Test config before reload, log to ${reloadCheck}`);
  const reloadFile = rawValue(g, 'reload_file');
  if (reloadFile !== undefined) w(`Reload_file = ${reloadFile}`);
  if (rawBool(g, 'data_use_instance')) w('Use instance name in data dumps');
  if (g.startupScript !== undefined) {
    w(`Startup script = ${commandString(g.startupScript.argv)}, uid:gid ${scriptIds(g.startupScript, g)}, timeout ${g.startupScriptTimeoutS}`);
  }
  if (g.shutdownScript !== undefined) {
    w(`Shutdown script = ${commandString(g.shutdownScript.argv)}, uid:gid ${scriptIds(g.shutdownScript, g)} timeout ${g.shutdownScriptTimeoutS}`);
  }
  w(`Dynamic interfaces = ${tf(g.dynamicInterfaces)}`);
  if (g.dynamicInterfaces) w(`Allow interface changes = ${tf(g.allowIfChanges)}`);
  if (g.noEmailFaults) w('Send emails for fault transitions = off');
  // keepalived-compat: "LVS TCP timeout" is printed for the UDP timeout too (global_data.c).
  if (g.lvsTimeouts.tcpS !== undefined) w(`LVS TCP timeout = ${g.lvsTimeouts.tcpS}`);
  if (g.lvsTimeouts.tcpFinS !== undefined) w(`LVS TCP FIN timeout = ${g.lvsTimeouts.tcpFinS}`);
  if (g.lvsTimeouts.udpS !== undefined) w(`LVS TCP timeout = ${g.lvsTimeouts.udpS}`);
  if (process === 'vrrp') w(`Default interface = ${g.defaultInterface}`);
  w(`Disable local IGMP = ${rawBool(g, 'disable_local_igmp') ? 'yes' : 'no'}`);
  const sd = g.lvsSyncDaemon;
  if (sd !== undefined) {
    if (sd.instanceName !== undefined) w(`LVS syncd vrrp name = ${sd.instanceName}`);
    w(`LVS syncd interface = ${sd.interfaceName}`);
    if (sd.syncId !== undefined) w(`LVS syncd syncid = ${sd.syncId}`);
  }
  w(`LVS flush = ${tf(g.lvsFlush)}`);
  w(`LVS flush on stop = ${g.lvsFlushOnStop === 'full' ? 'full' : g.lvsFlushOnStop === 'vs' ? 'VS' : 'disabled'}`);
  const fifo = (label: string, f: GlobalDefs['notifyFifo']): void => {
    if (f === undefined) return;
    w(`${label} = ${f.path}`);
    if (f.script !== undefined) w(`${label} script = ${commandString(f.script.argv)}, uid:gid ${scriptIds(f.script, g)}`);
  };
  fifo('Global notify fifo', g.notifyFifo);
  fifo('VRRP notify fifo', g.vrrpNotifyFifo);
  fifo('LVS notify fifo', g.lvsNotifyFifo);
  w(`FIFO write vrrp states on reload = ${tf(g.fifoWriteVrrpStatesOnReload)}`);
  w(`VRRP notify priority changes = ${tf(g.vrrpNotifyPriorityChanges)}`);
  w(`VRRP IPv4 mcast group = ${g.vrrpMcastGroup4}`);
  w(`VRRP IPv6 mcast group = ${g.vrrpMcastGroup6}`);
  w(`Gratuitous ARP delay = ${Math.floor(g.vrrpGarpMasterDelayUs / 1_000_000)}`);
  w(`Gratuitous ARP repeat = ${g.vrrpGarpMasterRepeat}`);
  w(`Gratuitous ARP refresh timer = ${Math.floor(g.vrrpGarpMasterRefreshUs / 1_000_000)}`);
  w(`Gratuitous ARP refresh repeat = ${g.vrrpGarpMasterRefreshRepeat}`);
  w(`Gratuitous ARP lower priority delay = ${Math.floor(g.vrrpGarpLowerPrioDelayUs / 1_000_000)}`);
  w(`Gratuitous ARP lower priority repeat = ${g.vrrpGarpLowerPrioRepeat}`);
  w(`Num adverts before down = ${g.vrrpDownTimerAdverts}`);
  w(`Gratuitous ARP for each secondary ${g.vrrpGarpExtraIfAll ? 'i/f' : 'VMAC'} = ${g.vrrpGarpExtraIfIntervalS}s`);
  w(`Send advert after receive lower priority advert = ${tf(!g.vrrpLowerPrioNoAdvert)}`);
  w(`Send advert after receive higher priority advert = ${tf(g.vrrpHigherPrioSendAdvert)}`);
  w(`Gratuitous ARP interval = ${fixed6(g.vrrpGarpIntervalUs / 1_000_000)}`);
  w(`Gratuitous NA interval = ${fixed6(g.vrrpGnaIntervalUs / 1_000_000)}`);
  w(`VRRP default protocol version = ${g.vrrpVersion}`);
  if (g.nftablesTable !== undefined) {
    w(`nftables table name = ${g.nftablesTable}`);
    w(`nftables base chain priority = ${g.nftablesPriority}`);
    w(`nftables ${g.nftablesIfindex ? '' : "don't "}force use ifindex for link local IPv6`);
  }
  w(`nftables with${g.nftablesCounters ? '' : 'out'} counters`);
  w(`VRRP check unicast_src = ${tf(g.vrrpCheckUnicastSrc)}`);
  w(`VRRP skip check advert addresses = ${tf(g.vrrpSkipCheckAdvAddr)}`);
  w(`VRRP strict mode = ${tf(g.vrrpStrict)}`);
  w(`Max auto priority = ${g.maxAutoPriority}`);
  w(`Min auto priority delay = ${g.minAutoPriorityDelayUs} usecs`);
  w(`VRRP process priority = ${rawInt(g, 'vrrp_priority')}`);
  w(`VRRP don't swap = ${tf(rawBool(g, 'vrrp_no_swap'))}`);
  w(`VRRP realtime priority = ${rawInt(g, 'vrrp_rt_priority')}`);
  w(`Checker process priority = ${rawInt(g, 'checker_priority')}`);
  w(`Checker don't swap = ${tf(rawBool(g, 'checker_no_swap'))}`);
  w(`Checker realtime priority = ${rawInt(g, 'checker_rt_priority')}`);
  w(`Script security ${g.enableScriptSecurity ? 'enabled' : 'disabled'}`);
  if (g.defaultScriptUser !== undefined) w(`Default script uid:gid ${g.defaultScriptUser.uid}:${g.defaultScriptUser.gid}`);
  w(`rs_init_notifies = ${g.rsInitNotifies ? 1 : 0}`);
  w(`no_checker_emails = ${g.noCheckerEmails ? 1 : 0}`);
  w(`umask = 0${(g.umask ?? 0o177).toString(8)}`);
  return out;
}

/** keepalived_parent.data: the parent only has the global definitions (main.c print_parent_data). */
export function formatParentData(g: GlobalDefs): string {
  return `${formatGlobalDefinitions(g, 'parent').join('\n')}\n`;
}

// ---- VRRP -------------------------------------------------------------------------------

const SCOPES: Readonly<Record<number, string>> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

/** vrrp_ipaddress.c format_ipaddress(): `10.0.0.1/24 dev eth0 scope global [set]`. */
export function formatIpAddress(a: IpAddressEntry, defaultDevice: string | undefined, isSet: boolean): string {
  let s = `${a.address}/${a.prefixLength}`;
  if (a.family === 4 && a.broadcast !== undefined) s += ` brd ${a.broadcast}`;
  s += ` dev ${a.device ?? defaultDevice ?? '(null)'}`;
  if (a.useVmac) s += ' use_vmac';
  s += ` scope ${SCOPES[a.scope] ?? String(a.scope)}`;
  if (a.label !== undefined) s += ` label ${a.label}`;
  if (a.peer !== undefined) s += ` peer ${a.peer}/${a.prefixLength}`;
  if (a.isHomeAddress) s += ' home';
  if (a.noDad) s += ' -nodad';
  if (a.manageTempAddress) s += ' mngtmpaddr';
  if (a.noPrefixRoute) s += ' noprefixroute';
  if (a.autoJoin) s += ' autojoin';
  if (a.noTrack) s += ' no_track';
  if (isSet) s += ' set';
  return s;
}

function trackLines(out: string[], title: string, refs: readonly TrackReference[]): void {
  if (refs.length === 0) return;
  out.push(`   ${title} :`);
  for (const t of refs) out.push(`     ${t.name} weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
}

function notifyLines(out: string[], n: NotifyScripts, g: GlobalDefs, extra: readonly [string, ScriptCommand | undefined][] = []): void {
  const all: [string, ScriptCommand | undefined][] = [
    ['Backup', n.backup],
    ['Master', n.master],
    ['Fault', n.fault],
    ['Stop', n.stop],
    ...extra.filter(([k]) => k === 'Deleted'),
    ['Generic', n.generic],
    ...extra.filter(([k]) => k !== 'Deleted'),
  ];
  for (const [type, cmd] of all) {
    if (cmd !== undefined) out.push(`   ${type} state transition script = ${commandString(cmd.argv)}, uid:gid ${scriptIds(cmd, g)}`);
  }
}

function instanceLines(v: InstanceDumpView, view: VrrpDataView): string[] {
  const c = v.config;
  const out: string[] = [];
  const w = (line: string): void => void out.push(`   ${line}`);
  out.push(` VRRP Instance = ${c.name}`);
  w(`VRRP Version = ${c.version}`);
  if (c.syncGroup !== undefined) w(`Sync group = ${c.syncGroup}`);
  if (c.family === 6) w('Using Native IPv6');
  w(`State = ${v.state}`);
  if (v.state === 'BACKUP') {
    if (v.masterAddress !== undefined) w(`Master router = ${v.masterAddress}`);
    if (c.version === 3) w(`Master advert int = ${(v.masterAdverIntervalCs / 100).toFixed(2)} sec`);
  }
  if (c.isUnicast || c.unicastFaultNoPeer) {
    w('Flags:');
    if (c.isUnicast) w('  Using unicast');
    if (c.unicastFaultNoPeer) w('  If unicast go to fault state if no peers');
  } else {
    w('Flags: none');
  }
  w(`Wantstate = ${v.wantState}`);
  w(`Number of config faults = ${c.configFaults.length}`);
  w(`Last transition = ${timevalText(v.lastTransitionUs, view.utcOffsetMin)}`);
  w(v.readTimeoutUs === undefined ? 'Read timeout = DISABLED' : `Read timeout = ${timevalText(v.readTimeoutUs, view.utcOffsetMin)}`);
  w(`Master down timer = ${v.masterDownTimerUs} usecs`);
  w(`Interface = ${c.interfaceName ?? 'not configured'}`);
  if (c.dontTrackPrimary) w('VRRP interface tracking disabled');
  if (c.skipCheckAdvAddr) w('Skip checking advert IP addresses');
  if (c.strictMode) w('Enforcing strict VRRP compliance');
  w(`Using src_ip = ${v.sourceAddress ?? '(none)'}${c.sourceAddress !== undefined ? ' (from configuration)' : ''}`);
  if (!c.isUnicast && c.multicastGroup !== undefined) w(`Multicast address ${c.multicastGroup}`);
  w(`Gratuitous ARP delay = ${Math.floor(c.garpMasterDelayUs / 1_000_000)}`);
  w(`Gratuitous ARP repeat = ${c.garpMasterRepeat}`);
  w(`Gratuitous ARP refresh = ${Math.floor(c.garpMasterRefreshUs / 1_000_000)}`);
  w(`Gratuitous ARP refresh repeat = ${c.garpMasterRefreshRepeat}`);
  w(`Gratuitous ARP lower priority delay = ${Math.floor(c.garpLowerPrioDelayUs / 1_000_000)}`);
  w(`Gratuitous ARP lower priority repeat = ${c.garpLowerPrioRepeat}`);
  w(`Down timer adverts = ${c.downTimerAdverts}`);
  if (c.garpExtraIfIntervalS > 0) w(`Gratuitous ARP for each secondary ${c.garpExtraIfAll ? 'i/f' : 'VMAC'} = ${c.garpExtraIfIntervalS}`);
  w(`Send advert after receive lower priority advert = ${tf(!c.lowerPrioNoAdvert)}`);
  w(`Send advert after receive higher priority advert = ${tf(c.higherPrioSendAdvert)}`);
  w(`Virtual Router ID = ${c.vrid}`);
  w(`Priority = ${c.basePriority}`);
  w(`Effective priority = ${v.effectivePriority}`);
  w(`Total priority = ${v.effectivePriority}`);
  w(c.version === 2 ? `Advert interval = ${Math.floor(c.advertIntervalCs / 100)} sec` : `Advert interval = ${c.advertIntervalCs * 10} milli-sec`);
  if (v.state === 'BACKUP' && c.version === 3) w(`Master advert interval = ${v.masterAdverIntervalCs * 10} milli-sec`);
  w(`Accept = ${c.accept ? 'enabled' : 'disabled'}`);
  w(`Preempt = ${c.nopreempt ? 'disabled' : 'enabled'}`);
  if (c.preemptDelayUs > 0) w(`Preempt delay = ${formatG(c.preemptDelayUs / 1_000_000)} secs`);
  w(`Promote_secondaries = ${c.promoteSecondaries ? 'enabled' : 'disabled'}`);
  if (c.authentication !== undefined) {
    w(`Authentication type = ${c.authentication.type === 'AH' ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`);
    if (c.authentication.type !== 'AH') w(`Password = ${c.authentication.password}`);
  } else if (c.version === 2) {
    w('Authentication type = none');
  }
  if (c.virtualIpAddresses.length > 0) {
    w(`Virtual IP (${c.virtualIpAddresses.length}):`);
    for (const a of c.virtualIpAddresses) w(`  ${formatIpAddress(a, c.interfaceName, v.vipSet)}`);
  }
  if (c.excludedIpAddresses.length > 0) {
    w('Virtual IP Excluded :');
    for (const a of c.excludedIpAddresses) w(`  ${formatIpAddress(a, c.interfaceName, v.vipSet)}`);
  }
  if (c.isUnicast) {
    if (c.unicastTtl !== undefined) w(`Unicast TTL = ${c.unicastTtl}`);
    w(`Check unicast src : ${c.checkUnicastSource ? 'yes' : 'no'}`);
    w('Unicast Peer :');
    for (const p of c.unicastPeers) w(`  ${p.address} min_ttl ${p.minTtl} max_ttl ${p.maxTtl}`);
  }
  trackLines(out, 'Tracked interfaces', c.trackInterfaces);
  trackLines(out, 'Tracked scripts', c.trackScripts);
  trackLines(out, 'Tracked files', c.trackFiles);
  w(`Using smtp notification = ${c.smtpAlert ? 'yes' : 'no'}`);
  w(`Notify deleted = ${c.notifyDeleted ? 'Deleted' : 'Fault'}`);
  notifyLines(out, c.notify, view.global, [
    ['Deleted', c.notifyDeletedScript],
    ['Master rx lower pri', c.notifyMasterRxLowerPri],
  ]);
  w(`Notify priority changes = ${tf(c.notifyPriorityChanges)}`);
  return out;
}

function syncGroupLines(s: SyncGroupDumpView, g: GlobalDefs): string[] {
  const c = s.config;
  const out = [` VRRP Sync Group = ${c.name}, ${s.state}`];
  if (c.members.length > 0) {
    out.push('   VRRP member instances :');
    for (const m of c.members) out.push(`     ${m}`);
  }
  if (c.trackingWeight) out.push('   sync group tracking weight set');
  out.push(`   Using smtp notification = ${c.smtpAlert ? 'yes' : 'no'}`);
  if (c.notifyPriorityChanges !== undefined) out.push(`   Notify priority changes = ${c.notifyPriorityChanges ? 'yes' : 'no'}`);
  trackLines(out, 'Tracked interfaces', c.trackInterfaces);
  trackLines(out, 'Tracked scripts', c.trackScripts);
  trackLines(out, 'Tracked files', c.trackFiles);
  notifyLines(out, c.notify, g);
  return out;
}

function scriptLines(s: ScriptDumpView, g: GlobalDefs): string[] {
  const c = s.config;
  const out = [
    ` VRRP Script = ${c.name}`,
    `   Command = ${commandString(c.command.argv)}`,
    `   Interval = ${Math.floor(c.intervalUs / 1_000_000)} sec`,
    `   Timeout = ${Math.floor(c.timeoutUs / 1_000_000)} sec`,
    `   Weight = ${c.weight}${c.weightReverse ? ' reverse' : ''}`,
    `   Rise = ${c.rise}`,
    `   Fall = ${c.fall}`,
  ];
  if (s.isGood !== undefined) out.push(`   Status = ${s.isGood ? 'GOOD' : 'BAD'}`);
  out.push(`   Script uid:gid = ${scriptIds(c.command, g)}`, '   VRRP instances :');
  if (s.trackedBy.length > 0) {
    out.push('   Tracking instances :');
    for (const t of s.trackedBy) out.push(`     ${t.instance}, weight ${t.weight}${t.reverse ? ' reverse' : ''}`);
  }
  return out;
}

/** keepalived.data of the VRRP process (vrrp_print.c vrrp_print_data). */
export function formatVrrpData(view: VrrpDataView): string {
  const out = formatGlobalDefinitions(view.global, 'vrrp');
  if (view.instances.length > 0) {
    out.push('------< VRRP Topology >------');
    for (const i of view.instances) out.push(...instanceLines(i, view));
  }
  if (view.syncGroups.length > 0) {
    out.push('------< VRRP Sync groups >------');
    for (const s of view.syncGroups) out.push(...syncGroupLines(s, view.global));
  }
  if (view.scripts.length > 0) {
    out.push('------< VRRP Scripts >------');
    for (const s of view.scripts) out.push(...scriptLines(s, view.global));
  }
  return `${out.join('\n')}\n`;
}

/**
 * C's `%g` (6 significant digits, trailing zeros dropped, exponent form below 1e-4 or from
 * 1e6), for keepalived's JSON floats and `Preempt delay = %g secs`.
 */
export function formatG(value: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const exp = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(6)))));
  const strip = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  if (exp < -4 || exp >= 6) {
    const [mant = '', e = '0'] = value.toExponential(5).split('e');
    const en = Number(e);
    return `${strip(mant)}e${en < 0 ? '-' : '+'}${pad(Math.abs(en), 2)}`;
  }
  return strip(value.toFixed(Math.max(0, 5 - exp)));
}
