/**
 * Name ↔ number tables for routes and rules (keepalived's lib/rttables.c), with the
 * contents iproute2 ships in /etc/iproute2 (Debian 12), and the numeric parsers the
 * route/rule keywords use (vrrp_ip_rule_route_parser.c get_u8/get_u32/get_time_rtt).
 *
 * keepalived reads the files of the host; the pure parser uses iproute2's stock tables
 * (a site that adds names to rt_tables must use numbers with keepalived-ts for now).
 */
import type { Ctx } from './global_values.js';
import { readDecimal, readUnsigned } from '../values.js';

type Table = Readonly<Record<string, number>>;

const TABLES: Table = { local: 255, main: 254, default: 253, unspec: 0 };
const SCOPES: Table = { global: 0, nowhere: 255, host: 254, link: 253, site: 200 };
const PROTOS: Table = {
  unspec: 0, none: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10,
  zebra: 11, bird: 12, dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42,
  openr: 99, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
};
const DSFIELDS: Table = {
  default: 0x0, AF11: 0x28, AF12: 0x30, AF13: 0x38, AF21: 0x48, AF22: 0x50, AF23: 0x58,
  AF31: 0x68, AF32: 0x70, AF33: 0x78, AF41: 0x88, AF42: 0x90, AF43: 0x98, CS1: 0x20,
  CS2: 0x40, CS3: 0x60, CS4: 0x80, CS5: 0xa0, CS6: 0xc0, CS7: 0xe0, EF: 0xb8,
};
const REALMS: Table = { cosmos: 0 };
const GROUPS: Table = { default: 0 };
/** rtnetlink route types (keepalived's rtntypes[]). */
const RTN_TYPES: Table = {
  local: 2, nat: 10, broadcast: 3, brd: 3, anycast: 4, multicast: 5, prohibit: 8,
  unreachable: 7, blackhole: 6, xresolve: 11, unicast: 1, throw: 9,
};

export const RTN_NAMES: Readonly<Record<number, string>> = {
  1: 'unicast', 2: 'local', 3: 'broadcast', 4: 'anycast', 5: 'multicast', 6: 'blackhole',
  7: 'unreachable', 8: 'prohibit', 9: 'throw', 10: 'nat', 11: 'xresolve',
};

/** strtoul(text, &end, 0) over the whole string (0x hex, 0 octal, decimal). */
export function parseCUnsigned(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  if (/^[1-9][0-9]*$/.test(text)) return parseInt(text, 10);
  return undefined;
}

/** lib/rttables.c find_entry(): a number up to max, or a name from the table. */
function findEntry(name: string, table: Table, max: number): number | undefined {
  const n = parseCUnsigned(name);
  if (n !== undefined) return n <= max ? n : undefined;
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

export const findTable = (s: string): number | undefined => findEntry(s, TABLES, 0xffffffff);
export const findScope = (s: string): number | undefined => findEntry(s, SCOPES, 255);
export const findProto = (s: string): number | undefined => findEntry(s, PROTOS, 255);
export const findDsfield = (s: string): number | undefined => findEntry(s, DSFIELDS, 255);
export const findRealm = (s: string): number | undefined => findEntry(s, REALMS, 255);
export const findGroup = (s: string): number | undefined => findEntry(s, GROUPS, 0x7fffffff);

/** find_rttables_rtntype(): a type name or a number 0..255 (not negative). */
export function findRouteType(s: string): number | undefined {
  if (Object.prototype.hasOwnProperty.call(RTN_TYPES, s)) return RTN_TYPES[s];
  const n = parseCUnsigned(s);
  return n !== undefined && n <= 255 ? n : undefined;
}

/** get_realms(): `REALM[/REALM]`; undefined when either part is unknown. */
export function findRealms(s: string): number | undefined {
  const slash = s.indexOf('/');
  const from = findRealm(slash >= 0 ? s.slice(0, slash) : s);
  if (from === undefined) return undefined;
  if (slash < 0) return from;
  const to = findRealm(s.slice(slash + 1));
  return to === undefined ? undefined : (from << 16) | to;
}

/** get_u8/get_u16/get_u32(): read_unsigned(0..max), then the caller's message. */
export function getUnsigned(
  ctx: Ctx,
  text: string,
  max: number,
  message: string,
): number | undefined {
  const v = readUnsigned(ctx, text, 0, max);
  if (v === undefined) ctx.report('general_error', 'invalid_value', message.replace('%s', text));
  return v;
}

const RTT_MAX_MS = 120_000;

/**
 * get_time_rtt(): `N`, `Ns`, `Nms` (units of 1/unitMult ms when raw); undefined when
 * invalid (read_decimal may already have reported it).
 */
export function getTimeRtt(ctx: Ctx, text: string, unitMult: number): number | undefined {
  const s = text.replace(/^[ \t\f\n\r\v]+/, '');
  const p = s.search(/[sS]/);
  let num = s;
  let shift = 0;
  const isRaw = p < 0;
  if (p >= 0) {
    if (!/^(s|sec|secs)$/i.test(s.slice(p))) return undefined;
    let end = p;
    if (end > 0 && (s[end - 1] === 'm' || s[end - 1] === 'M')) end--;
    else shift = 3;
    if (end === 0) return undefined;
    num = s.slice(0, end);
  }
  if (/[eE]/.test(num)) {
    ctx.notice('rtt_exponent', `rtt value exponential form ${s} no longer supported`);
    return undefined;
  }
  const v = readDecimal(ctx, num, { min: 0, max: RTT_MAX_MS * unitMult, shift });
  if (v === undefined) return undefined;
  const res = isRaw ? v : v * unitMult;
  return Math.min(Math.max(res, 200 * unitMult), RTT_MAX_MS * unitMult);
}
