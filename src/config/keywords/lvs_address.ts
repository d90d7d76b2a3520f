/**
 * Address text handling for the LVS keywords, with the quirks of keepalived 2.2.7's
 * lib/utils.c (inet_stosockaddr, inet_stor) and check_data.c (alloc_vsg_entry), because
 * `keepalived -t` verdicts depend on them: a `-RANGE` or `/MASK` suffix is silently
 * dropped from a server address, a port made only of zeros means "no port", and so on.
 */
import { formatIp, parseIpv4, parseIpv6, type IpAddress } from '../../lib/ip.js';
import type { ParseContext } from '../parse_context.js';
import { readUnsigned } from '../values.js';
import type { LvsIpFamily, VirtualServerGroupEntry } from '../model/lvs.js';
import type { AddressDraft, VirtualServerGroupDraft } from './lvs_draft.js';

const UINT32_MAX = 4294967295;

/**
 * keepalived passes no port to inet_stosockaddr when the port text is only zeros (legacy
 * configs wrote port 0); `port[strspn(port, "0")]`.
 */
export function portGiven(text: string | undefined): text is string {
  return text !== undefined && /[^0]/.test(text);
}

/** inet_pton() for the family keepalived picks from the text (a ':' means IPv6). */
export function parseAddressOfFamily(text: string): IpAddress | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/**
 * inet_stosockaddr(ip, port): the family comes from the presence of ':', a port (if any)
 * must be 1..65535 (read_unsigned reports otherwise), and anything from the first '-'
 * (else the first '/') on is ignored. Undefined when invalid.
 */
export function parseSocketAddress<S>(
  ctx: ParseContext<S>,
  ip: string,
  port: string | undefined,
): AddressDraft | undefined {
  let portNumber = 0;
  if (port !== undefined) {
    const p = readUnsigned(ctx, port, 1, 65535);
    if (p === undefined) return undefined;
    portNumber = p;
  }
  const bare = parseBareAddress(ip);
  return bare === undefined ? undefined : { ...bare, port: portNumber };
}

/**
 * inet_stosockaddr(ip, NULL) for connect_ip / bindto: no port, same text rules. The family
 * is decided on the whole text, before the suffix is cut (so `10.0.0.1-::1` is IPv6, and
 * invalid).
 */
export function parseBareAddress(ip: string): { family: LvsIpFamily; address: string } | undefined {
  const cut = ip.indexOf('-') >= 0 ? ip.indexOf('-') : ip.indexOf('/');
  const text = cut >= 0 ? ip.slice(0, cut) : ip;
  const parsed = ip.includes(':') ? parseIpv6(text) : parseIpv4(text);
  return parsed === undefined ? undefined : { family: parsed.family, address: formatIp(parsed) };
}

/** C strtoul(): optional blanks and sign, then digits of `base` (16 allows a 0x prefix). */
export function strtoul(text: string, base: 10 | 16): { value: number; rest: string } {
  const m = base === 16
    ? /^[ \t\n\v\f\r]*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]*)/.exec(text)
    : /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(text);
  const digits = m?.[2] ?? '';
  if (m === null || digits === '') return { value: 0, rest: text };
  let value = parseInt(digits, base);
  // A negative number wraps to a huge unsigned value: report it as out of any range.
  if (m[1] === '-' && value !== 0) value = Number.MAX_SAFE_INTEGER;
  return { value, rest: text.slice(m[0].length) };
}

/**
 * inet_aton() as glibc's getaddrinfo(AI_NUMERICHOST) applies it to an IPv4
 * persistence_granularity: 1 to 4 parts, each decimal, 0-octal or 0x-hex, the last part
 * filling the remaining bytes. Returns the dotted quad, or undefined.
 */
export function parseInetAton(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = parseInt(p, 10);
    else return undefined;
    values.push(v);
  }
  const last = values.pop() ?? 0;
  if (values.some((v) => v > 255)) return undefined;
  const lastBytes = 4 - values.length;
  if (last >= 2 ** (8 * lastBytes)) return undefined;
  const bytes = [...values];
  for (let i = lastBytes - 1; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return bytes.join('.');
}

function ipBytes(ip: IpAddress): number[] {
  return Array.from(ip.bytes);
}

function bytesToText(family: LvsIpFamily, bytes: readonly number[]): string {
  return formatIp({ family, bytes: Uint8Array.from(bytes) });
}

function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `ADDR/LEN`: all host bits must be clear; the entry covers the whole prefix. */
function prefixRange<S>(
  ctx: ParseContext<S>,
  text: string,
  start: IpAddress,
): readonly number[] | undefined {
  const maskText = text.slice(text.indexOf('/') + 1);
  const { value: mask, rest } = strtoul(maskText, 10);
  const maxLen = start.family === 4 ? 32 : 128;
  if (rest !== '' || mask === 0 || mask > maxLen) {
    ctx.report('general_error', 'vsg_bad_netmask', `Invalid netmask - ${text} - skipping`);
    return undefined;
  }
  const bytes = ipBytes(start);
  const end = [...bytes];
  for (let bit = mask; bit < maxLen; bit++) {
    const i = bit >> 3;
    const m = 0x80 >> (bit & 7);
    if (((bytes[i] ?? 0) & m) !== 0) {
      ctx.report(
        'general_error',
        'vsg_mask_bits',
        `Address mask bits not empty - ${text} - skipping`,
      );
      return undefined;
    }
    end[i] = (end[i] ?? 0) | m;
  }
  return end;
}

/** `A-B.C.D.E`: a range given by two full addresses. */
function fullRange<S>(
  ctx: ParseContext<S>,
  text: string,
  endText: string,
  port: string | undefined,
  start: IpAddress,
): readonly number[] | undefined {
  const end = parseSocketAddress(ctx, endText, port);
  if (end === undefined) {
    ctx.report('general_error', 'vsg_bad_range', `Invalid range end ${text} - skipping`);
    return undefined;
  }
  if (end.family !== start.family) {
    ctx.report(
      'general_error',
      'vsg_range_family',
      `Range address families do not match ${text} - skipping`,
    );
    return undefined;
  }
  const endBytes = ipBytes(parseAddressOfFamily(end.address) ?? start);
  if (compareBytes(endBytes, ipBytes(start)) < 0) {
    ctx.report(
      'general_error',
      'vsg_range_order',
      `Address range end is less than address range start - ${text} - skipping`,
    );
    return undefined;
  }
  return endBytes;
}

/** `A.B.C.D-E` / `X::Y-Z`: inet_stor() replaces the last octet (IPv6: last 16-bit group). */
function shortRange<S>(
  ctx: ParseContext<S>,
  text: string,
  start: IpAddress,
): readonly number[] | undefined {
  const dash = text.indexOf('-');
  if (dash < 0) return ipBytes(start);
  const v6 = start.family === 6;
  const { value: range, rest } = strtoul(text.slice(dash + 1), v6 ? 16 : 10);
  if (rest !== '') {
    // keepalived-compat: utils.c inet_stor reports this and, under -t, skips the entry.
    ctx.report(
      'invalid_number',
      'vsg_range_extra',
      `Virtual server group range '${text}' has extra characters at end '${rest}'`,
    );
    return undefined;
  }
  if (range > (v6 ? 0xffff : 255)) {
    ctx.report(
      'invalid_number',
      'vsg_range_too_large',
      `Virtual server group range '${text}' end '${text.slice(dash + 1)}' too large`,
    );
    return undefined;
  }
  const end = ipBytes(start);
  const startLow = v6 ? ((end[14] ?? 0) << 8) | (end[15] ?? 0) : end[3] ?? 0;
  if (startLow >= range) {
    ctx.report(
      'general_error',
      'vsg_range_order',
      `Address range end is not greater than address range start - ${text} - skipping`,
    );
    return undefined;
  }
  if (v6) {
    end[14] = range >> 8;
    end[15] = range & 0xff;
  } else {
    end[3] = range;
  }
  return end;
}

function vsgFwmarkEntry<S>(
  ctx: ParseContext<S>,
  group: VirtualServerGroupDraft,
  words: readonly string[],
  at: VirtualServerGroupEntry['at'],
): void {
  const text = ctx.word(words, 1);
  const fwmark = readUnsigned(ctx, text, 0, UINT32_MAX);
  if (fwmark === undefined) {
    ctx.report(
      'general_error',
      'vsg_bad_fwmark',
      `(${group.name}): fwmark '${text}' must be in [0, ${UINT32_MAX}] - ignoring`,
    );
    return;
  }
  let family: LvsIpFamily | undefined;
  const familyText = words[2];
  if (familyText === 'inet') family = 4;
  else if (familyText === 'inet6') family = 6;
  else if (familyText !== undefined) {
    ctx.report(
      'general_error',
      'vsg_bad_family',
      `(${group.name}): fwmark '${fwmark}' family ${familyText} unknown - ignoring`,
    );
    return;
  }
  if (family === 4) group.hasIpv4 = true;
  else if (family === 6) group.hasIpv6 = true;
  else group.fwmarkWithoutFamily = true;
  group.entries.push({ kind: 'fwmark', at, fwmark, family });
}

/** One line of a virtual_server_group block (check_data.c alloc_vsg_entry). */
export function addGroupEntry<S>(
  ctx: ParseContext<S>,
  group: VirtualServerGroupDraft,
  words: readonly string[],
  at: VirtualServerGroupEntry['at'],
): void {
  const text = ctx.word(words, 0);
  if (text === 'fwmark') {
    vsgFwmarkEntry(ctx, group, words, at);
    return;
  }
  const port = portGiven(words[1]) ? words[1] : undefined;
  const start = parseSocketAddress(ctx, text, port);
  if (start === undefined) {
    const portPart = port === undefined ? '' : `/port/${port}`;
    ctx.report(
      'general_error',
      'vsg_bad_address',
      `Invalid virtual server group IP address ${text} ${portPart} - skipping`,
    );
    return;
  }
  const startIp = parseAddressOfFamily(start.address);
  if (startIp === undefined) return;
  let end: readonly number[] | undefined;
  const dash = text.indexOf('-');
  const afterDash = dash >= 0 ? text.slice(dash + 1) : '';
  if (text.includes('/')) end = prefixRange(ctx, text, startIp);
  else if (dash >= 0 && afterDash.includes(start.family === 4 ? '.' : ':')) {
    end = fullRange(ctx, text, afterDash, port, startIp);
  } else end = shortRange(ctx, text, startIp);
  if (end === undefined) return;
  group.entries.push({
    kind: 'range',
    at,
    family: start.family,
    first: start.address,
    last: bytesToText(start.family, end),
    port: start.port,
  });
  if (start.family === 4) group.hasIpv4 = true;
  else group.hasIpv6 = true;
}
