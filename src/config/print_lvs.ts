/**
 * Prints an LVS model back as keepalived.conf text, writing every resolved value out
 * explicitly, so that parsing the text gives the same model again (the round-trip
 * property the fuzz tests check). Not a pretty-printer of what the user wrote: defaults
 * and inherited values appear as if configured.
 */
import type {
  Checker,
  CheckerConnection,
  CheckerTiming,
  Forwarding,
  HttpUrl,
  LvsConfig,
  RealServer,
  SorryServer,
  VirtualServer,
  VirtualServerGroup,
} from './model/lvs.js';
import type { ScriptCommand } from './script.js';

const US_PER_S = 1_000_000;

/** µs as keepalived's decimal seconds (`1.5`, `60`). */
export function formatTimerUs(us: number): string {
  const whole = Math.floor(us / US_PER_S);
  const frac = us % US_PER_S;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}

/** A word, double-quoted when it holds blanks (keepalived has no escapes in plain words). */
function word(s: string): string {
  return /[\s#!{}]/.test(s) || s === '' ? `"${s}"` : s;
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

function forwardingText(f: Forwarding): string {
  const parts: string[] = [f.method];
  if (f.tunnelType !== 'ipip' || f.tunnelPort !== 0 || f.tunnelChecksum !== 'nocsum') {
    parts.push('type', f.tunnelType);
    if (f.tunnelPort !== 0) parts.push('port', String(f.tunnelPort));
    if (f.tunnelChecksum !== 'nocsum') parts.push(f.tunnelChecksum);
  }
  return parts.join(' ');
}

/** ` USER [GROUP]`, or '' when none. */
function userText(user: string | undefined, group: string | undefined): string {
  if (user === undefined) return '';
  return group === undefined ? ` ${user}` : ` ${user} ${group}`;
}

function scriptText(s: ScriptCommand): string {
  return `"${s.argv.join(' ')}"${userText(s.user, s.group)}`;
}

class Out {
  readonly lines: string[] = [];
  #depth = 0;
  line(text: string): void {
    this.lines.push(`${'  '.repeat(this.#depth)}${text}`);
  }
  block(head: string, body: () => void): void {
    this.line(`${head} {`);
    this.#depth++;
    body();
    this.#depth--;
    this.line('}');
  }
}

function printConnection(out: Out, c: CheckerConnection): void {
  if (c.destination !== undefined) {
    out.line(`connect_ip ${c.destination.address}`);
    if (c.destination.port !== 0) out.line(`connect_port ${c.destination.port}`);
  }
  if (c.bindTo !== undefined) {
    out.line(`bindto ${c.bindTo.address}`);
    if (c.bindTo.port !== 0) out.line(`bind_port ${c.bindTo.port}`);
  }
  if (c.bindInterface !== undefined) out.line(`bind_if ${c.bindInterface}`);
  if (c.fwmark !== 0) out.line(`fwmark ${c.fwmark}`);
  out.line(`connect_timeout ${formatTimerUs(c.connectTimeoutUs)}`);
}

function printTiming(out: Out, t: CheckerTiming & { readonly alpha: boolean }): void {
  out.line(`alpha ${yesNo(t.alpha)}`);
  out.line(`delay_loop ${formatTimerUs(t.delayLoopUs)}`);
  out.line(`warmup ${formatTimerUs(t.warmupUs)}`);
  out.line(`retry ${t.retry}`);
  out.line(`delay_before_retry ${formatTimerUs(t.delayBeforeRetryUs)}`);
  out.line(`log_all_failures ${yesNo(t.logAllFailures)}`);
}

function statusText(url: HttpUrl): string {
  return url.statusCodes.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(' ');
}

function printUrl(out: Out, url: HttpUrl): void {
  out.block('url', () => {
    out.line(`path ${word(url.path)}`);
    if (url.digest !== undefined) out.line(`digest ${url.digest}`);
    out.line(`status_code ${statusText(url)}`);
    if (url.virtualhost !== undefined) out.line(`virtualhost ${word(url.virtualhost)}`);
    const re = url.regex;
    if (re === undefined) return;
    out.line(`regex ${word(re.pattern)}`);
    if (re.options.length > 0) out.line(`regex_options ${re.options.join(' ')}`);
    if (re.noMatch) out.line('regex_no_match');
    if (re.minOffset !== 0) out.line(`regex_min_offset ${re.minOffset}`);
    if (re.maxOffsetExclusive !== 0) out.line(`regex_max_offset ${re.maxOffsetExclusive - 1}`);
  });
}

function printCheckerBody(out: Out, c: Checker): void {
  switch (c.type) {
    case 'FILE_CHECK':
      out.line(`track_file ${word(c.trackFile)}`);
      if (c.weight !== undefined) out.line(`weight ${c.weight}${c.reverse ? ' reverse' : ''}`);
      return;
    case 'BFD_CHECK':
      out.line(`name ${word(c.name)}`);
      out.line(`alpha ${yesNo(c.alpha)}`);
      return;
    case 'MISC_CHECK':
      out.line(`misc_path ${scriptText({ ...c.script, user: undefined, group: undefined })}`);
      out.line(`misc_timeout ${Math.floor(c.timeoutUs / US_PER_S)}`);
      if (c.dynamic) out.line('misc_dynamic');
      if (c.script.user !== undefined) out.line(`user${userText(c.script.user, c.script.group)}`);
      printTiming(out, c);
      return;
    default:
      printTiming(out, c);
      printConnection(out, c.connection);
  }
  printTypeOptions(out, c);
}

function printTypeOptions(out: Out, c: Checker): void {
  switch (c.type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      if (c.virtualhost !== undefined) out.line(`virtualhost ${word(c.virtualhost)}`);
      out.line(`http_protocol ${c.httpProtocol}`);
      out.line(`enable_sni ${yesNo(c.enableSni)}`);
      out.line(`fast_recovery ${yesNo(c.fastRecovery)}`);
      for (const url of c.urls) printUrl(out, url);
      return;
    case 'SMTP_CHECK':
      out.line(`helo_name ${word(c.heloName)}`);
      return;
    case 'DNS_CHECK':
      out.line(`type ${c.queryType}`);
      if (c.name !== '') out.line(`name ${word(c.name)}`);
      return;
    case 'UDP_CHECK':
      if (c.payloadHex !== undefined) out.line(`payload ${c.payloadHex}`);
      if (c.requireReply) {
        const reply = c.replyHex === undefined ? '' : ` ${replyText(c.replyHex, c.replyMaskHex)}`;
        out.line(`require_reply${reply}`);
      }
      out.line(`min_reply_length ${c.minReplyLength}`);
      out.line(`max_reply_length ${c.maxReplyLength}`);
      return;
    default:
      return;
  }
}

/** require_reply bytes with `x` for the wildcard nibbles. */
function replyText(hex: string, mask: string | undefined): string {
  if (mask === undefined) return hex;
  let out = '';
  for (let i = 0; i < hex.length; i++) out += mask[i] === 'f' ? 'x' : hex[i] ?? '';
  return out;
}

/** `retry`, `delay_before_retry`, `warmup` when set (they are inherited otherwise). */
function printOptionalTimers(
  out: Out,
  s: Pick<RealServer, 'retry' | 'delayBeforeRetryUs' | 'warmupUs'>,
): void {
  if (s.retry !== undefined) out.line(`retry ${s.retry}`);
  if (s.delayBeforeRetryUs !== undefined) {
    out.line(`delay_before_retry ${formatTimerUs(s.delayBeforeRetryUs)}`);
  }
  if (s.warmupUs !== undefined) out.line(`warmup ${formatTimerUs(s.warmupUs)}`);
}

function printRealServer(out: Out, rs: RealServer): void {
  out.block(`real_server ${rs.address.address} ${rs.address.port}`, () => {
    out.line(`weight ${rs.weight}`);
    out.line(`lvs_method ${forwardingText(rs.forwarding)}`);
    out.line(`alpha ${yesNo(rs.alpha)}`);
    out.line(`inhibit_on_failure ${yesNo(rs.inhibitOnFailure)}`);
    out.line(`connect_timeout ${formatTimerUs(rs.connectTimeoutUs)}`);
    out.line(`delay_loop ${formatTimerUs(rs.delayLoopUs)}`);
    printOptionalTimers(out, rs);
    if (rs.upperThreshold !== 0) out.line(`uthreshold ${rs.upperThreshold}`);
    if (rs.lowerThreshold !== 0) out.line(`lthreshold ${rs.lowerThreshold}`);
    out.line(`smtp_alert ${yesNo(rs.smtpAlert)}`);
    if (rs.virtualhost !== undefined) out.line(`virtualhost ${word(rs.virtualhost)}`);
    if (rs.notifyUp !== undefined) out.line(`notify_up ${scriptText(rs.notifyUp)}`);
    if (rs.notifyDown !== undefined) out.line(`notify_down ${scriptText(rs.notifyDown)}`);
    for (const raw of rs.unimplemented) out.line([raw.keyword, ...raw.args.map(word)].join(' '));
    for (const c of rs.checkers) out.block(c.type, () => printCheckerBody(out, c));
  });
}

function printSorryServer(out: Out, s: SorryServer): void {
  out.line(`sorry_server ${s.address.address} ${s.address.port}`);
  out.line(`sorry_server_lvs_method ${forwardingText(s.forwarding)}`);
  if (s.inhibitOnFailure) out.line('sorry_server_inhibit');
}

function virtualServerHead(vs: VirtualServer): string {
  const key = vs.key;
  if (key.kind === 'group') return `virtual_server group ${key.group}`;
  if (key.kind === 'fwmark') return `virtual_server fwmark ${key.fwmark}`;
  return `virtual_server ${key.address.address} ${key.address.port}`;
}

function printServiceOptions(out: Out, vs: VirtualServer): void {
  if (vs.key.kind !== 'address' && vs.family !== undefined) {
    out.line(`ip_family ${vs.family === 4 ? 'inet' : 'inet6'}`);
  }
  if (vs.protocol !== undefined) out.line(`protocol ${vs.protocol.toUpperCase()}`);
  out.line(`lb_algo ${vs.scheduler}`);
  const f = vs.schedulerFlags;
  const flags: [boolean, string][] = [
    [f.onePacket, 'ops'],
    [f.flag1, 'flag-1'],
    [f.flag2, 'flag-2'],
    [f.flag3, 'flag-3'],
    [f.shPort, 'sh-port'],
    [f.shFallback, 'sh-fallback'],
    [f.mhPort, 'mh-port'],
    [f.mhFallback, 'mh-fallback'],
  ];
  for (const [on, name] of flags) if (on) out.line(name);
  if (vs.forwarding !== undefined) out.line(`lb_kind ${forwardingText(vs.forwarding)}`);
  if (vs.persistenceTimeoutS !== 0) out.line(`persistence_timeout ${vs.persistenceTimeoutS}`);
  const g = vs.persistenceGranularity;
  if (g !== undefined) {
    out.line(`persistence_granularity ${g.family === 4 ? g.netmask : g.prefixLength}`);
  }
  if (vs.persistenceEngine !== undefined) {
    out.line(`persistence_engine ${word(vs.persistenceEngine)}`);
  }
  out.line(`delay_loop ${formatTimerUs(vs.delayLoopUs)}`);
  out.line(`connect_timeout ${formatTimerUs(vs.connectTimeoutUs)}`);
  printOptionalTimers(out, vs);
  out.line(`weight ${vs.weight}`);
  if (vs.inhibitOnFailure) out.line('inhibit_on_failure');
  if (vs.alpha) out.line('alpha');
  if (vs.omega) out.line('omega');
  if (vs.haSuspend) out.line('ha_suspend');
  out.line(`quorum ${vs.quorum}`);
  out.line(`hysteresis ${vs.hysteresis}`);
  if (vs.quorumUp !== undefined) out.line(`quorum_up ${scriptText(vs.quorumUp)}`);
  if (vs.quorumDown !== undefined) out.line(`quorum_down ${scriptText(vs.quorumDown)}`);
  out.line(`smtp_alert ${yesNo(vs.smtpAlert)}`);
  if (vs.virtualhost !== undefined) out.line(`virtualhost ${word(vs.virtualhost)}`);
  for (const raw of vs.unimplemented) out.line([raw.keyword, ...raw.args.map(word)].join(' '));
}

function printGroup(out: Out, g: VirtualServerGroup): void {
  out.block(`virtual_server_group ${g.name}`, () => {
    for (const e of g.entries) {
      if (e.kind === 'fwmark') {
        const family = e.family === undefined ? '' : e.family === 4 ? ' inet' : ' inet6';
        out.line(`fwmark ${e.fwmark}${family}`);
      } else {
        out.line(`${e.first === e.last ? e.first : `${e.first}-${e.last}`} ${e.port}`);
      }
    }
  });
}

/** The whole LVS configuration as keepalived.conf text. */
export function printLvsConfig(config: LvsConfig): string {
  const out = new Out();
  const ssl = config.ssl;
  if (ssl !== undefined) {
    out.block('SSL', () => {
      if (ssl.password !== undefined) out.line(`password ${word(ssl.password)}`);
      if (ssl.caFile !== undefined) out.line(`ca ${word(ssl.caFile)}`);
      if (ssl.certificateFile !== undefined) out.line(`certificate ${word(ssl.certificateFile)}`);
      if (ssl.keyFile !== undefined) out.line(`key ${word(ssl.keyFile)}`);
    });
  }
  for (const g of config.virtualServerGroups) printGroup(out, g);
  for (const vs of config.virtualServers) {
    out.block(virtualServerHead(vs), () => {
      printServiceOptions(out, vs);
      if (vs.sorryServer !== undefined) printSorryServer(out, vs.sorryServer);
      for (const rs of vs.realServers) printRealServer(out, rs);
    });
  }
  return `${out.lines.join('\n')}\n`;
}
