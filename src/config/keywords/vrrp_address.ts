/**
 * Address lines of virtual_ipaddress, virtual_ipaddress_excluded and static_ipaddress.
 * keepalived-compat: vrrp/vrrp_ipaddress.c parse_ipaddress() / alloc_ipaddress() (2.2.7):
 * same options, messages and severities; `dev` interfaces are checked at completion.
 */
import { formatIp, parseIp, type IpAddress } from '../../lib/ip.js';
import type { IpAddressEntry } from '../model/vrrp.js';
import { readUnsigned } from '../values.js';
import type { Ctx } from './global_values.js';
import { findScope } from './vrrp_rttables.js';

/** An address with its prefix length, as parse_ipaddress() returns it. */
export interface ParsedAddress {
  readonly ip: IpAddress;
  readonly prefixLength: number;
}

/**
 * keepalived's parse_ipaddress(): family from the presence of ':', `/LEN` when allowed
 * (a bad length is reported and the full length kept), then inet_pton().
 */
export function parseIpAddress(
  ctx: Ctx,
  text: string,
  allowPrefix: boolean,
): ParsedAddress | undefined {
  const family = text.includes(':') ? 6 : 4;
  let prefixLength = family === 6 ? 128 : 32;
  const slash = allowPrefix ? text.indexOf('/') : -1;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    // keepalived-compat: strtoul("") is a valid 0, so `ADDR/` means /0.
    const v = lenText === '' ? 0 : readUnsigned(ctx, lenText, 0, prefixLength);
    if (v === undefined) {
      ctx.report(
        'general_error',
        'invalid_prefix',
        `Invalid address prefix len ${lenText} for address ${text} - using ${prefixLength}`,
      );
    } else prefixLength = v;
  }
  const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (ip === undefined || ip.family !== family) {
    ctx.report('general_error', 'invalid_ip', `VRRP parsed invalid IP ${text}. skipping IP...`);
    return undefined;
  }
  return { ip, prefixLength };
}

interface AddressBuild {
  broadcast: string | undefined;
  brdSpecial: '+' | '-' | undefined;
  hasBroadcast: boolean;
  device: string | undefined;
  scope: number;
  label: string | undefined;
  peer: ParsedAddress | undefined;
  flags: Set<string>;
  preferredLft: number | 'forever' | undefined;
  trackGroup: string | undefined;
}

type OptionResult = 'ok' | 'missing' | 'drop' | 'break';

const FLAG_OPTIONS = new Set(
  ['home', '-nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'no_track'],
);

/** One option at words[i]; returns the outcome and the index of its last word. */
function addressOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: AddressBuild,
  o: { readonly isStatic: boolean; readonly addr: ParsedAddress; readonly findTrackGroup: (n: string) => boolean },
): { r: OptionResult; i: number } {
  const str = words[i] ?? '';
  const addrText = words[0] ?? '';
  const value = words[i + 1];
  const needsValue = ['dev', 'scope', 'broadcast', 'brd', 'label', 'peer', 'preferred_lft'];
  if (needsValue.includes(str) || (o.isStatic && str === 'track_group')) {
    if (value === undefined) return { r: 'missing', i };
  }
  const v = value ?? '';
  switch (str) {
    case 'dev':
      if (b.device !== undefined) {
        ctx.report(
          'general_error',
          'duplicate',
          `Cannot specify ipaddress device more than once for ${addrText}`,
        );
        return { r: 'drop', i };
      }
      b.device = v;
      return { r: 'ok', i: i + 1 };
    case 'scope': {
      const s = findScope(v);
      if (s === undefined) {
        ctx.report(
          'general_error',
          'invalid_scope',
          `Invalid scope '${v}' specified for ${addrText} - ignoring`,
        );
      } else b.scope = s;
      return { r: 'ok', i: i + 1 };
    }
    case 'broadcast':
    case 'brd':
      return broadcastOption(ctx, v, b, o.addr, { i, addrText, keyword: str });
    case 'label':
      if (v.length >= 16) {
        ctx.report(
          'general_error',
          'label_too_long',
          `Address label ${v} is longer than maximum length 15 - removing address`,
        );
        return { r: 'drop', i };
      }
      b.label = v;
      return { r: 'ok', i: i + 1 };
    case 'peer':
      peerOption(ctx, v, b, o.addr);
      return { r: 'ok', i: i + 1 };
    case 'preferred_lft':
      preferredLftOption(ctx, v, b);
      return { r: 'ok', i: i + 1 };
    default:
      return otherOption(ctx, str, v, b, { ...o, i });
  }
}

function otherOption(
  ctx: Ctx,
  str: string,
  v: string,
  b: AddressBuild,
  o: { readonly isStatic: boolean; readonly i: number; readonly findTrackGroup: (n: string) => boolean },
): { r: OptionResult; i: number } {
  if (FLAG_OPTIONS.has(str) || (!o.isStatic && str === 'use_vmac')) {
    b.flags.add(str);
    return { r: 'ok', i: o.i };
  }
  if (o.isStatic && str === 'track_group') {
    if (b.trackGroup !== undefined) {
      ctx.report('general_error', 'duplicate', `track_group ${v} is a duplicate`);
      return { r: 'break', i: o.i + 1 };
    }
    if (o.findTrackGroup(v)) b.trackGroup = v;
    else ctx.report('general_error', 'not_found', `track_group ${v} not found`);
    return { r: 'ok', i: o.i + 1 };
  }
  ctx.report(
    'general_error',
    'unknown_option',
    `Unknown configuration entry '${str}' for ip address - ignoring`,
  );
  return { r: 'ok', i: o.i };
}

function broadcastOption(
  ctx: Ctx,
  v: string,
  b: AddressBuild,
  addr: ParsedAddress,
  at: { readonly i: number; readonly addrText: string; readonly keyword: string },
): { r: OptionResult; i: number } {
  if (addr.ip.family === 6) {
    // keepalived-compat: the message quotes the keyword, not the broadcast value.
    ctx.report(
      'general_error',
      'ipv6_broadcast',
      `VRRP is trying to assign a broadcast ${at.keyword} to the IPv6 address ${at.addrText} ` +
      `!!?? WTF... skipping VIP...`,
    );
    return { r: 'drop', i: at.i };
  }
  b.hasBroadcast = true;
  if (v === '+' || v === '-') b.brdSpecial = v;
  else {
    const ip = parseIp(v);
    if (ip === undefined || ip.family !== 4) {
      ctx.report(
        'general_error',
        'invalid_broadcast',
        `VRRP is trying to assign invalid broadcast ${v}. skipping VIP...`,
      );
      return { r: 'drop', i: at.i };
    }
    b.broadcast = formatIp(ip);
  }
  return { r: 'ok', i: at.i + 1 };
}

function peerOption(ctx: Ctx, v: string, b: AddressBuild, addr: ParsedAddress): void {
  if (b.peer !== undefined) {
    ctx.report('general_error', 'duplicate', `Peer ${v} - another peer has already been specified`);
    return;
  }
  const p = parseIpAddress(ctx, v, false);
  if (p === undefined) ctx.report('general_error', 'invalid_peer', `Invalid peer address ${v}`);
  else if (p.ip.family !== addr.ip.family) {
    ctx.report('general_error', 'invalid_peer', `Peer address ${v} does not match address family`);
  } else {
    const full = addr.ip.family === 6 ? 128 : 32;
    if (addr.prefixLength !== full) {
      ctx.report(
        'general_error',
        'peer_prefix',
        'Cannot specify address prefix when specifying peer address - ignoring',
      );
    }
    b.peer = p;
  }
}

function preferredLftOption(ctx: Ctx, v: string, b: AddressBuild): void {
  if (v === 'forever') {
    b.preferredLft = 'forever';
    return;
  }
  const n = readUnsigned(ctx, v, 0, 4294967295);
  if (n === undefined) ctx.report(
    'general_error',
    'invalid_value',
    `preferred_lft ${v} is invalid`,
  );
  else b.preferredLft = n;
}

/** The broadcast derived from `brd +` / `brd -` (ip-address semantics). */
function derivedBroadcast(ctx: Ctx, b: AddressBuild, addr: ParsedAddress): string | undefined {
  if (b.hasBroadcast && b.peer !== undefined) {
    ctx.report(
      'general_error',
      'broadcast_and_peer',
      'Cannot specify broadcast and peer addresses - ignoring broadcast address',
    );
    return undefined;
  }
  if (b.brdSpecial === undefined) return b.broadcast;
  const prefix = b.peer !== undefined ? b.peer.prefixLength : addr.prefixLength;
  if (prefix > 30) {
    ctx.report(
      'general_error',
      'broadcast_prefix',
      `Address prefix length ${prefix} too long for broadcast`,
    );
    return undefined;
  }
  const base = (b.peer ?? addr).ip.bytes;
  const mask = prefix === 0 ? 0xffffffff : 0xffffffff >>> prefix;
  const v = (((base[0] ?? 0) << 24) | ((base[1] ?? 0) << 16) | ((base[2] ?? 0) << 8) | (base[3] ?? 0)) >>> 0;
  const out = (b.brdSpecial === '+' ? v | mask : v & ~mask) >>> 0;
  return [out >>> 24, (out >>> 16) & 0xff, (out >>> 8) & 0xff, out & 0xff].join('.');
}

export interface AddressLineOptions {
  /** static_ipaddress: track_group allowed, use_vmac not, default_interface applies. */
  readonly isStatic: boolean;
  readonly findTrackGroup: (name: string) => boolean;
}

/** keepalived's alloc_ipaddress() for one line: the entry, or undefined when dropped. */
export function parseAddressLine(
  ctx: Ctx,
  words: readonly string[],
  options: AddressLineOptions,
): IpAddressEntry | undefined {
  const addr = parseIpAddress(ctx, words[0] ?? '', true);
  if (addr === undefined) return undefined;
  const b: AddressBuild = {
    broadcast: undefined, brdSpecial: undefined, hasBroadcast: false, device: undefined,
    scope: 0, label: undefined, peer: undefined, flags: new Set(), preferredLft: undefined,
    trackGroup: undefined,
  };
  for (let i = 1; i < words.length; i++) {
    const res = addressOption(ctx, words, i, b, { ...options, addr });
    if (res.r === 'drop') return undefined;
    if (res.r === 'missing') {
      ctx.report(
        'general_error',
        'missing_value',
        `No ${words[i] ?? ''} parameter specified for ${words[0] ?? ''}`,
      );
      return undefined;
    }
    i = res.i;
    if (res.r === 'break') break;
  }
  return finishAddress(ctx, words, addr, b);
}

function finishAddress(
  ctx: Ctx,
  words: readonly string[],
  addr: ParsedAddress,
  b: AddressBuild,
): IpAddressEntry {
  const broadcast = derivedBroadcast(ctx, b, addr);
  let { scope, label, preferredLft } = b;
  const addrText = words[0] ?? '';
  if (addr.ip.family === 6) {
    if (scope !== 0) {
      ctx.report(
        'general_error',
        'ipv6_scope',
        `Cannot specify scope for IPv6 addresses (${addrText}) - ignoring scope`,
      );
      scope = 0;
    }
    if (label !== undefined) {
      ctx.report(
        'general_error',
        'ipv6_label',
        `Cannot specify label for IPv6 addresses (${addrText}) - ignoring label`,
      );
      label = undefined;
    }
  }
  const prefixLength = b.peer !== undefined ? b.peer.prefixLength : addr.prefixLength;
  if (addr.ip.family === 6 && preferredLft === undefined) {
    preferredLft = prefixLength === 128 ? 0 : 'forever';
  }
  return {
    address: formatIp(addr.ip),
    family: addr.ip.family,
    prefixLength,
    broadcast,
    device: b.device,
    scope,
    label,
    peer: b.peer === undefined ? undefined : formatIp(b.peer.ip),
    isHomeAddress: b.flags.has('home'),
    noDad: b.flags.has('-nodad'),
    manageTempAddress: b.flags.has('mngtmpaddr'),
    noPrefixRoute: b.flags.has('noprefixroute'),
    autoJoin: b.flags.has('autojoin'),
    noTrack: b.flags.has('no_track'),
    preferredLft,
    useVmac: b.flags.has('use_vmac'),
    trackGroup: b.trackGroup,
    at: ctx.at,
  };
}
