/**
 * keepalived's USR1 dump of the checker process, `keepalived_check.data`, pure: 2.2.7's
 * layout (check_data.c dump_data_check, check_api.c dump_checkers_queue and each checker's
 * dump function): Global definitions, `------< LVS Topology >------` with the virtual
 * servers and their real servers, then `------< Health checkers >------`. keepalived says
 * the format is not stable; what we do not model is left out rather than invented.
 *
 * Left out:
 *  - Sections: SSL definitions, Virtual server groups, Checker track files / BFDs.
 *  - Virtual server: SNMP name, persistence engine, `reloaded`.
 *  - Real server: previous effective_weight, `reloaded`, SNMP name, tracked files/BFDs.
 *  - Checkers: Last errno, MISC_CHECK `Last ran`, HTTP `Failed URL` and regex details
 *    beyond the pattern, UDP payload/reply lengths (only whether they are set),
 *    FILE_CHECK `Reloaded`; the IPVS version line says what the kernel module would.
 */
import type { GlobalDefs } from '../config/model/global.js';
import type {
  Checker,
  CheckerConnection,
  Forwarding,
  HttpChecker,
  HttpStatusRange,
  RealServer,
  SocketAddress,
  VirtualServer,
} from '../config/model/lvs.js';
import { formatRealServer, formatVirtualServer } from '../config/model/lvs_format.js';
import { commandString } from '../config/script.js';
import { formatGlobalDefinitions, scriptIds } from '../vrrp/data_dump.js';
import type { CheckerSlot, CheckEngineState } from './check_engine.js';

export interface CheckDataView {
  readonly global: GlobalDefs;
  readonly virtualServers: readonly VirtualServer[];
  /** The checkers in keepalived's queue order, with where they belong. */
  readonly checkers: readonly { readonly virtualServer: number; readonly realServer: number; readonly config: Checker }[];
  readonly engine: CheckEngineState;
}

/** check_data.c format_decimal(val, 6): seconds with six decimals from µs. */
function seconds6(us: number): string {
  return `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, '0')}`;
}

/** utils.c inet_sockaddrtopair(): `[addr]:port`. */
function pair(a: SocketAddress): string {
  return `[${a.address}]:${a.port}`;
}

function forwardingLine(prefix: string, f: Forwarding): string {
  const what = f.method === 'NAT' ? 'NAT' : f.method === 'DR' ? 'DR' : tunnelText(f);
  return `   ${prefix}forwarding method = ${what}`;
}

function tunnelText(f: Forwarding): string {
  if (f.tunnelType === 'ipip') return 'TUN, type = IPIP';
  const csum = f.tunnelChecksum === 'nocsum' ? ', no checksum' : f.tunnelChecksum === 'csum' ? ', checksum' : ', remote checksum';
  return f.tunnelType === 'gue' ? `TUN, type = GUE, port = ${f.tunnelPort}${csum}` : `TUN, type = GRE${csum}`;
}

function realServerLines(rs: RealServer, rt: CheckEngineState['virtualServers'][number]['realServers'][number] | undefined, g: GlobalDefs): string[] {
  const eff = rt?.effectiveWeight ?? rs.weight;
  const out = [
    '   ------< Real server >------',
    `   RIP = ${rs.address.address}, RPORT = ${rs.address.port}, WEIGHT = ${Math.max(0, eff)} EFF WEIGHT = ${eff}`,
    forwardingLine('', rs.forwarding),
    `   Alpha is ${rs.alpha ? 'ON' : 'OFF'}`,
    `   connection timeout = ${seconds6(rs.connectTimeoutUs)}`,
    `   connection limit range = ${rs.lowerThreshold} -> ${rs.upperThreshold}`,
    `   Delay loop = ${seconds6(rs.delayLoopUs)}`,
  ];
  if (rs.retry !== undefined) out.push(`   Retry count = ${rs.retry}`);
  if (rs.delayBeforeRetryUs !== undefined) out.push(`   Retry delay = ${seconds6(rs.delayBeforeRetryUs)}`);
  if (rs.warmupUs !== undefined) out.push(`   Warmup = ${seconds6(rs.warmupUs)}`);
  out.push(`   Inhibit on failure is ${rs.inhibitOnFailure ? 'ON' : 'OFF'}`);
  if (rs.notifyUp !== undefined) out.push(`     RS up notify script = ${commandString(rs.notifyUp.argv)}, uid:gid ${scriptIds(rs.notifyUp, g)}`);
  if (rs.notifyDown !== undefined) out.push(`     RS down notify script = ${commandString(rs.notifyDown.argv)}, uid:gid ${scriptIds(rs.notifyDown, g)}`);
  if (rs.virtualhost !== undefined) out.push(`    VirtualHost = '${rs.virtualhost}'`);
  out.push(
    `   Using smtp notification = ${rs.smtpAlert ? 'yes' : 'no'}`,
    `   initial weight = ${rs.weight}`,
    `   effective weight = ${eff}`,
    `   alive = ${rt?.alive === true ? 1 : 0}`,
    `   num failed checkers = ${rt?.numFailedCheckers ?? 0}`,
    `   RS set = ${rt?.set === true ? 1 : 0}`,
  );
  return out;
}

function virtualServerLines(vs: VirtualServer, rt: CheckEngineState['virtualServers'][number] | undefined, g: GlobalDefs): string[] {
  const out = [' ------< Virtual server >------'];
  const k = vs.key;
  if (k.kind === 'group') out.push(` VS GROUP = ${formatVirtualServer(vs)}`);
  else if (k.kind === 'fwmark') out.push(` VS FWMARK = ${k.fwmark}`);
  else out.push(` VS VIP = ${k.address.address}, VPORT = ${k.address.port}`);
  const w = (line: string): void => void out.push(`   ${line}`);
  if (vs.virtualhost !== undefined) w(`VirtualHost = ${vs.virtualhost}`);
  w(vs.family === undefined ? 'Address family = IPv4 & IPv6' : `Address family = inet${vs.family === 4 ? '' : '6'}`);
  w(`connection timeout = ${seconds6(vs.connectTimeoutUs)}`);
  w(`delay_loop = ${seconds6(vs.delayLoopUs)}`);
  w(`lvs_sched = ${vs.scheduler}`);
  w('Hashed = disabled');
  const f = vs.schedulerFlags;
  const ed = (b: boolean): string => (b ? 'enabled' : 'disabled');
  if (vs.scheduler === 'sh') {
    w(`sh-port = ${ed(f.shPort)}`);
    w(`sh-fallback = ${ed(f.shFallback)}`);
  } else if (vs.scheduler === 'mh') {
    w(`mh-port = ${ed(f.mhPort)}`);
    w(`mh-fallback = ${ed(f.mhFallback)}`);
  } else {
    w(`flag-1 = ${ed(f.flag1)}`);
    w(`flag-2 = ${ed(f.flag2)}`);
    w(`flag-3 = ${ed(f.flag3)}`);
  }
  w(`One packet scheduling = ${ed(f.onePacket)}${f.onePacket && vs.protocol !== 'udp' ? ' (inactive due to not UDP)' : ''}`);
  if (vs.persistenceTimeoutS > 0) w(`persistence timeout = ${vs.persistenceTimeoutS}`);
  const pg = vs.persistenceGranularity;
  if (pg !== undefined) w(`persistence granularity = ${pg.family === 4 ? pg.netmask : pg.prefixLength}`);
  w(`protocol = ${vs.protocol === undefined ? 'none' : vs.protocol.toUpperCase()}`);
  w(`alpha is ${vs.alpha ? 'ON' : 'OFF'}`);
  w(`omega is ${vs.omega ? 'ON' : 'OFF'}`);
  if (vs.retry !== undefined) w(`Retry count = ${vs.retry}`);
  if (vs.delayBeforeRetryUs !== undefined) w(`Retry delay = ${seconds6(vs.delayBeforeRetryUs)}`);
  if (vs.warmupUs !== undefined) w(`Warmup = ${seconds6(vs.warmupUs)}`);
  w(`Inhibit on failure is ${vs.inhibitOnFailure ? 'ON' : 'OFF'}`);
  w(`quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}`);
  if (vs.quorumUp !== undefined) w(`Quorum up notify script = ${commandString(vs.quorumUp.argv)}, uid:gid ${scriptIds(vs.quorumUp, g)}`);
  if (vs.quorumDown !== undefined) w(`Quorum down notify script = ${commandString(vs.quorumDown.argv)}, uid:gid ${scriptIds(vs.quorumDown, g)}`);
  if (vs.haSuspend) w('Using HA suspend');
  w(`Using smtp notification = ${vs.smtpAlert ? 'yes' : 'no'}`);
  if (vs.forwarding !== undefined) out.push(forwardingLine('default ', vs.forwarding));
  const ss = vs.sorryServer;
  if (ss !== undefined) {
    w(`sorry server ${ss.duplicatesRealServer ? '(duplicates rs) ' : ''}= ${formatRealServer({ address: ss.address, protocol: vs.protocol })}`);
    out.push(forwardingLine('  ', ss.forwarding));
    w(`  Inhibit on failure is ${ss.inhibitOnFailure ? 'ON' : 'OFF'}`);
  }
  w(`alive = ${rt?.active === true ? 1 : 0}`);
  w(`quorum_state_up = ${rt?.quorumUp === true ? 1 : 0}`);
  vs.realServers.forEach((rs, i) => out.push(...realServerLines(rs, rt?.realServers[i], g)));
  return out;
}

function connectionLines(c: CheckerConnection): string[] {
  const out = ['   Connection', `     Dest = ${c.destination === undefined ? '(none)' : pair(c.destination)}`];
  if (c.bindTo !== undefined) out.push(`     Bind to = ${pair(c.bindTo)}`);
  if (c.bindInterface !== undefined) out.push(`     Bind i/f = ${c.bindInterface}`);
  if (c.fwmark !== 0) out.push(`     Mark = ${c.fwmark}`);
  out.push(`     Timeout = ${(c.connectTimeoutUs / 1_000_000).toFixed(6)}`);
  return out;
}

/** check_http.c dump_url(): the status codes as ranges. */
function statusLines(ranges: readonly HttpStatusRange[]): string[] {
  return ranges.map((r) => `       ${r.min === r.max ? String(r.min) : `${r.min}-${r.max}`}`);
}

function httpLines(c: HttpChecker): string[] {
  const out = [`   Keepalive method = ${c.type}, http protocol ${c.httpProtocol}`];
  if (c.virtualhost !== undefined) out.push(`   Virtualhost = ${c.virtualhost}`);
  out.push(`   Enable SNI ${c.enableSni ? '' : 'un'}set`, `   Fast recovery ${c.fastRecovery ? '' : 'un'}set`);
  for (const u of c.urls) {
    out.push(`   Checked url = ${u.path}`);
    if (u.digest !== undefined) out.push(`     digest = ${u.digest}`);
    out.push('     HTTP Status Code(s)', ...statusLines(u.statusCodes));
    if (u.virtualhost !== undefined) out.push(`     Virtual host = ${u.virtualhost}`);
    if (u.regex !== undefined) {
      out.push(`     Regex = "${u.regex.pattern}"`);
      if (u.regex.noMatch) out.push('     Regex no match');
    }
  }
  return out;
}

function typeLines(c: Checker, g: GlobalDefs): string[] {
  switch (c.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      return [`   Keepalive method = ${c.type}`];
    case 'HTTP_GET':
    case 'SSL_GET':
      return httpLines(c);
    case 'SMTP_CHECK':
      return ['   Keepalive method = SMTP_CHECK', `   helo = ${c.heloName}`];
    case 'DNS_CHECK':
      return ['   Keepalive method = DNS_CHECK', `   Type = ${c.queryType}`, `   Name = ${c.name}`];
    case 'UDP_CHECK':
      return [
        '   Keepalive method = UDP_CHECK',
        ...(c.payloadHex === undefined ? ['   Payload specified = no'] : [`   Payload len = ${c.payloadHex.length / 2}`]),
        `   Require reply = ${c.requireReply ? 'yes' : 'no'}`,
      ];
    case 'MISC_CHECK':
      return [
        '   Keepalive method = MISC_CHECK',
        `   script = ${commandString(c.script.argv)}`,
        `   timeout = ${Math.floor(c.timeoutUs / 1_000_000)}`,
        `   dynamic = ${c.dynamic ? 'YES' : 'NO'}`,
        `   uid:gid = ${scriptIds(c.script, g)}`,
      ];
    case 'FILE_CHECK':
      return ['   Keepalive method = FILE_CHECK', `     Tracked file = ${c.trackFile}`];
    case 'BFD_CHECK':
      return ['   Keepalive method = BFD_CHECK', `   Name = ${c.name}`];
  }
}

function checkerLines(view: CheckDataView, i: number): string[] {
  const entry = view.checkers[i];
  if (entry === undefined) return [];
  const vs = view.virtualServers[entry.virtualServer];
  const rs = vs?.realServers[entry.realServer];
  if (vs === undefined || rs === undefined) return [];
  const slot: CheckerSlot | undefined = view.engine.checkers[i];
  const c = entry.config;
  const yn = (b: boolean): string => (b ? 'yes' : 'no');
  const timed = slot?.timed;
  const out = [
    ` ${formatVirtualServer(vs)} -> ${formatRealServer(rs)}`,
    `   Enabled = ${yn(timed?.enabled ?? true)}`,
    `   Up = ${yn(timed?.isUp ?? slot?.externalUp ?? false)}`,
    `   Has run = ${yn(timed?.hasRun ?? slot?.externalHasRun ?? false)}`,
    `   Current weight = ${timed?.curWeight ?? 0}`,
  ];
  if (c.type !== 'FILE_CHECK') {
    out.push(`   Alpha = ${yn(c.alpha)}`);
    if (c.type !== 'BFD_CHECK') {
      out.push(`   Delay loop = ${c.delayLoopUs} us`, `   Warmup = ${c.warmupUs} us`, `   Retries = ${c.retry}`);
      if (c.retry > 0) {
        out.push(`   Delay before retry = ${c.delayBeforeRetryUs} us`, `   Retries iterations = ${timed?.retryIt ?? 0}`);
      }
    }
  }
  out.push(`   Log all failures = ${yn(c.type !== 'FILE_CHECK' && c.type !== 'BFD_CHECK' ? c.logAllFailures : false)}`);
  if ('connection' in c) out.push(...connectionLines(c.connection));
  out.push(...typeLines(c, view.global));
  return out;
}

/** keepalived_check.data (check_print.c check_print_data). */
export function formatCheckData(view: CheckDataView): string {
  const out = formatGlobalDefinitions(view.global, 'checker');
  if (view.virtualServers.length > 0) {
    out.push('------< LVS Topology >------', ' System is compiled with LVS v1.2.1');
    view.virtualServers.forEach((vs, i) => out.push(...virtualServerLines(vs, view.engine.virtualServers[i], view.global)));
  }
  if (view.checkers.length > 0) {
    out.push('------< Health checkers >------');
    view.checkers.forEach((_c, i) => out.push(...checkerLines(view, i)));
  }
  return `${out.join('\n')}\n`;
}
