/**
 * rtnetlink wire codec (PURE): nlmsghdr, rtattr TLVs (aligned, nested), ifaddrmsg,
 * ifinfomsg and rtmsg, with builders for the requests keepalived makes and decoders for
 * the replies and notifications it reads.
 *
 * Layouts are from <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_addr.h> and
 * <linux/if_link.h>; every integer is host-endian, which is little-endian on every
 * architecture we support (x86_64, aarch64). Addresses inside attributes are network order.
 *
 * Decoders never throw, whatever the bytes (architecture.md Habits 1); they return a typed
 * result with a reason code. Builders throw RangeError only for programmer errors (an
 * attribute longer than 65535 bytes, an address of the wrong size).
 */
import { formatIp, type IpFamily } from '../../lib/ip.js';

// <linux/netlink.h>: message types and flags.
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_ECHO = 0x8;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
/** On NLMSG_ERROR: the echoed request was cut to its header (NETLINK_CAP_ACK). */
export const NLM_F_CAPPED = 0x100;
/** On NLMSG_ERROR: extended-ACK TLVs follow the echoed request (NETLINK_EXT_ACK). */
export const NLM_F_ACK_TLVS = 0x200;
export const NLMSGERR_ATTR_MSG = 1;
/** Socket options at SOL_NETLINK (270). */
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NLA_F_NESTED = 0x8000;
export const NLA_TYPE_MASK = 0x3fff;

// <linux/rtnetlink.h>: message types.
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

/** Legacy multicast group bits for sockaddr_nl.nl_groups. */
export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV4_ROUTE = 0x40;
export const RTMGRP_IPV6_IFADDR = 0x100;
export const RTMGRP_IPV6_ROUTE = 0x400;

// <bits/socket.h>: the families that appear in rtnetlink headers.
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

// <linux/if_addr.h>
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
/** ifa_cacheinfo lifetimes: "forever". */
export const INFINITY_LIFE_TIME = 0xffffffff;

// <linux/if_link.h>, <linux/if.h>
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_OPERSTATE = 16;
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;
/** RFC 2863 IF-MIB ifOperStatus, as <linux/if.h> IF_OPER_* numbers them. */
export const OPERSTATE_NAMES = [
  'unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up',
] as const;

// <linux/rtnetlink.h>: routes.
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_FLOW = 11;
export const RTA_TABLE = 15;
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;
/** /etc/iproute2/rt_protos: keepalived's own protocol number. */
export const RTPROT_KEEPALIVED = 18;

export const NLMSG_HDRLEN = 16;
export const IFADDRMSG_LEN = 8;
export const IFINFOMSG_LEN = 16;
export const RTMSG_LEN = 12;
const NLMSGERR_LEN = 4 + NLMSG_HDRLEN;
const RTA_HDRLEN = 4;
const RTNEXTHOP_LEN = 8;

/** NLMSG_ALIGN / RTA_ALIGN: 4 bytes. */
export function nlAlign(length: number): number {
  return (length + 3) & ~3;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ───────────────────────────── encoding ─────────────────────────────

/** An attribute to encode: raw bytes, or nested attributes (e.g. IFLA_LINKINFO). */
export type NlAttrSpec =
  | { readonly type: number; readonly value: Uint8Array }
  | { readonly type: number; readonly nested: readonly NlAttrSpec[] };

export interface NlHeaderSpec {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** The sender's port id; 0 lets the kernel fill it in. */
  readonly pid?: number | undefined;
}

export function attrBytes(type: number, value: Uint8Array): NlAttrSpec {
  return { type, value };
}

export function attrU8(type: number, value: number): NlAttrSpec {
  return { type, value: Uint8Array.of(value & 0xff) };
}

export function attrU32(type: number, value: number): NlAttrSpec {
  const b = new Uint8Array(4);
  view(b).setUint32(0, value >>> 0, true);
  return { type, value: b };
}

/** A NUL-terminated string attribute (IFA_LABEL, IFLA_IFNAME). */
export function attrString(type: number, value: string): NlAttrSpec {
  const text = new TextEncoder().encode(value);
  const b = new Uint8Array(text.length + 1);
  b.set(text, 0);
  return { type, value: b };
}

function attrLength(a: NlAttrSpec): number {
  if ('value' in a) return RTA_HDRLEN + a.value.length;
  return RTA_HDRLEN + a.nested.reduce((n, x) => n + nlAlign(attrLength(x)), 0);
}

/** Writes `a` at `offset`; returns the aligned end offset. */
function writeAttr(out: Uint8Array, offset: number, a: NlAttrSpec): number {
  const len = attrLength(a);
  if (len > 0xffff) throw new RangeError(`netlink attribute ${a.type} too long (${len} bytes)`);
  const dv = view(out);
  dv.setUint16(offset, len, true);
  dv.setUint16(offset + 2, a.type, true);
  if ('value' in a) out.set(a.value, offset + RTA_HDRLEN);
  else {
    let at = offset + RTA_HDRLEN;
    for (const n of a.nested) at = writeAttr(out, at, n);
  }
  return offset + nlAlign(len);
}

/** The attributes as one aligned TLV run (the payload of a nested attribute). */
export function encodeAttributes(attrs: readonly NlAttrSpec[]): Uint8Array {
  const out = new Uint8Array(attrs.reduce((n, a) => n + nlAlign(attrLength(a)), 0));
  let at = 0;
  for (const a of attrs) at = writeAttr(out, at, a);
  return out;
}

/** nlmsghdr + fixed header (ifaddrmsg, ifinfomsg, rtmsg ...) + attributes. */
export function encodeMessage(
  header: NlHeaderSpec,
  body: { readonly fixed: Uint8Array; readonly attrs?: readonly NlAttrSpec[] | undefined },
): Uint8Array {
  const attrs = encodeAttributes(body.attrs ?? []);
  const fixedLen = nlAlign(body.fixed.length);
  const len = NLMSG_HDRLEN + fixedLen + attrs.length;
  const out = new Uint8Array(len);
  const dv = view(out);
  dv.setUint32(0, len, true);
  dv.setUint16(4, header.type, true);
  dv.setUint16(6, header.flags, true);
  dv.setUint32(8, header.seq >>> 0, true);
  dv.setUint32(12, (header.pid ?? 0) >>> 0, true);
  out.set(body.fixed, NLMSG_HDRLEN);
  out.set(attrs, NLMSG_HDRLEN + fixedLen);
  return out;
}

/** A copy of an encoded message with another sequence number (the client numbers requests). */
export function withSequence(message: Uint8Array, seq: number): Uint8Array {
  const out = message.slice();
  if (out.length >= NLMSG_HDRLEN) view(out).setUint32(8, seq >>> 0, true);
  return out;
}

function familyNumber(family: IpFamily | 0): number {
  return family === 4 ? AF_INET : family === 6 ? AF_INET6 : AF_UNSPEC;
}

function checkAddress(family: IpFamily, bytes: Uint8Array, what: string): Uint8Array {
  const want = family === 4 ? 4 : 16;
  if (bytes.length !== want) {
    throw new RangeError(`${what}: ${bytes.length}-byte address for IPv${family}`);
  }
  return bytes;
}

/** The fields of an RTM_NEWADDR / RTM_DELADDR request (struct ifaddrmsg + IFA_* attributes). */
export interface AddressMessage {
  readonly family: IpFamily;
  readonly ifindex: number;
  readonly prefixLength: number;
  readonly scope: number;
  /** ifaddrmsg.ifa_flags: the low 8 flag bits (usually 0; IFA_FLAGS carries all 32). */
  readonly headerFlags?: number | undefined;
  /** IFA_LOCAL: the interface's own address. */
  readonly local?: Uint8Array | undefined;
  /** IFA_ADDRESS: the peer for point-to-point, else the same as local. */
  readonly address?: Uint8Array | undefined;
  readonly broadcast?: Uint8Array | undefined;
  readonly label?: string | undefined;
  /** IFA_FLAGS (32-bit): IFA_F_NODAD, IFA_F_NOPREFIXROUTE, ... */
  readonly flags?: number | undefined;
  /** IFA_CACHEINFO lifetimes in seconds (INFINITY_LIFE_TIME = forever). */
  readonly lifetimes?: { readonly preferredS: number; readonly validS: number } | undefined;
}

function addressAttrs(m: AddressMessage): NlAttrSpec[] {
  const attrs: NlAttrSpec[] = [];
  if (m.local !== undefined) attrs.push(attrBytes(IFA_LOCAL, checkAddress(m.family, m.local, 'local')));
  if (m.address !== undefined) {
    attrs.push(attrBytes(IFA_ADDRESS, checkAddress(m.family, m.address, 'address')));
  }
  if (m.broadcast !== undefined) {
    attrs.push(attrBytes(IFA_BROADCAST, checkAddress(m.family, m.broadcast, 'broadcast')));
  }
  if (m.lifetimes !== undefined) {
    const ci = new Uint8Array(16);
    view(ci).setUint32(0, m.lifetimes.preferredS >>> 0, true);
    view(ci).setUint32(4, m.lifetimes.validS >>> 0, true);
    attrs.push(attrBytes(IFA_CACHEINFO, ci));
  }
  if (m.flags !== undefined) attrs.push(attrU32(IFA_FLAGS, m.flags));
  if (m.label !== undefined) attrs.push(attrString(IFA_LABEL, m.label));
  return attrs;
}

/**
 * RTM_NEWADDR (`command: 'add'`) or RTM_DELADDR. `nlFlags` defaults to REQUEST|ACK, which
 * is what keepalived sends (vrrp_ipaddress.c netlink_ipaddress + netlink_talk).
 */
export function encodeAddressRequest(
  m: AddressMessage,
  o: { readonly command: 'add' | 'delete'; readonly seq: number; readonly nlFlags?: number | undefined },
): Uint8Array {
  const fixed = new Uint8Array(IFADDRMSG_LEN);
  fixed[0] = familyNumber(m.family);
  fixed[1] = m.prefixLength;
  fixed[2] = (m.headerFlags ?? 0) & 0xff;
  fixed[3] = m.scope;
  view(fixed).setUint32(4, m.ifindex >>> 0, true);
  return encodeMessage(
    {
      type: o.command === 'add' ? RTM_NEWADDR : RTM_DELADDR,
      flags: o.nlFlags ?? (NLM_F_REQUEST | NLM_F_ACK),
      seq: o.seq,
    },
    { fixed, attrs: addressAttrs(m) },
  );
}

/** RTM_GETLINK / RTM_GETADDR / RTM_GETROUTE dump request (NLM_F_DUMP). */
export function encodeDumpRequest(
  o: { readonly type: number; readonly seq: number; readonly family?: IpFamily | 0 | undefined },
): Uint8Array {
  const len = o.type === RTM_GETLINK ? IFINFOMSG_LEN : o.type === RTM_GETROUTE ? RTMSG_LEN : IFADDRMSG_LEN;
  const fixed = new Uint8Array(len);
  fixed[0] = familyNumber(o.family ?? 0);
  return encodeMessage({ type: o.type, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: o.seq }, { fixed });
}

/** One next hop of a multipath route (struct rtnexthop + RTA_GATEWAY). */
export interface NextHopMessage {
  readonly gateway?: Uint8Array | undefined;
  readonly ifindex?: number | undefined;
  /** rtnh_hops: weight - 1. */
  readonly hops?: number | undefined;
  readonly flags?: number | undefined;
}

/** The fields of an RTM_NEWROUTE / RTM_DELROUTE request (struct rtmsg + RTA_* attributes). */
export interface RouteMessage {
  readonly family: IpFamily;
  readonly dstLength: number;
  readonly srcLength?: number | undefined;
  readonly tos?: number | undefined;
  /** Any table id; ids above 255 go in RTA_TABLE with rtm_table RT_TABLE_UNSPEC. */
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  /** RTN_* (RTN_UNSPEC on a delete matches any type). */
  readonly type: number;
  readonly rtmFlags?: number | undefined;
  readonly destination?: Uint8Array | undefined;
  readonly source?: Uint8Array | undefined;
  readonly gateway?: Uint8Array | undefined;
  readonly prefsrc?: Uint8Array | undefined;
  readonly oif?: number | undefined;
  /** RTA_PRIORITY: `metric`. */
  readonly priority?: number | undefined;
  readonly nextHops?: readonly NextHopMessage[] | undefined;
}

function multipathValue(family: IpFamily, hops: readonly NextHopMessage[]): Uint8Array {
  const parts = hops.map((h) => {
    const attrs = h.gateway === undefined
      ? new Uint8Array(0)
      : encodeAttributes([attrBytes(RTA_GATEWAY, checkAddress(family, h.gateway, 'gateway'))]);
    const b = new Uint8Array(RTNEXTHOP_LEN + attrs.length);
    const dv = view(b);
    dv.setUint16(0, b.length, true);
    b[2] = h.flags ?? 0;
    b[3] = h.hops ?? 0;
    dv.setInt32(4, h.ifindex ?? 0, true);
    b.set(attrs, RTNEXTHOP_LEN);
    return b;
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function routeAttrs(m: RouteMessage): NlAttrSpec[] {
  const attrs: NlAttrSpec[] = [];
  if (m.table > 255) attrs.push(attrU32(RTA_TABLE, m.table));
  const addr = (type: number, b: Uint8Array | undefined, what: string): void => {
    if (b !== undefined) attrs.push(attrBytes(type, checkAddress(m.family, b, what)));
  };
  addr(RTA_DST, m.destination, 'destination');
  addr(RTA_SRC, m.source, 'source');
  addr(RTA_PREFSRC, m.prefsrc, 'prefsrc');
  addr(RTA_GATEWAY, m.gateway, 'gateway');
  if (m.oif !== undefined) attrs.push(attrU32(RTA_OIF, m.oif));
  if (m.priority !== undefined) attrs.push(attrU32(RTA_PRIORITY, m.priority));
  if (m.nextHops !== undefined && m.nextHops.length > 0) {
    attrs.push(attrBytes(RTA_MULTIPATH, multipathValue(m.family, m.nextHops)));
  }
  return attrs;
}

/**
 * RTM_NEWROUTE (`command: 'add'`) or RTM_DELROUTE. `nlFlags` defaults to keepalived's:
 * REQUEST|ACK|CREATE for an add (no EXCL: `ip route prepend`), REQUEST|ACK for a delete
 * (vrrp_iproute.c netlink_route).
 */
export function encodeRouteRequest(
  m: RouteMessage,
  o: { readonly command: 'add' | 'delete'; readonly seq: number; readonly nlFlags?: number | undefined },
): Uint8Array {
  const fixed = new Uint8Array(RTMSG_LEN);
  fixed[0] = familyNumber(m.family);
  fixed[1] = m.dstLength;
  fixed[2] = m.srcLength ?? 0;
  fixed[3] = m.tos ?? 0;
  fixed[4] = m.table > 255 ? RT_TABLE_UNSPEC : m.table;
  fixed[5] = m.protocol;
  fixed[6] = m.scope;
  fixed[7] = m.type;
  view(fixed).setUint32(8, (m.rtmFlags ?? 0) >>> 0, true);
  const add = o.command === 'add';
  const flags = o.nlFlags ?? (add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE : NLM_F_REQUEST | NLM_F_ACK);
  return encodeMessage(
    { type: add ? RTM_NEWROUTE : RTM_DELROUTE, flags, seq: o.seq },
    { fixed, attrs: routeAttrs(m) },
  );
}

// ───────────────────────────── decoding ─────────────────────────────

export type DecodeReason =
  | 'truncated'
  | 'bad_length'
  | 'wrong_type'
  | 'bad_family'
  | 'bad_attribute';

export interface DecodeFailure {
  readonly ok: false;
  readonly reason: DecodeReason;
  readonly detail: string;
}
export type Decoded<T> = { readonly ok: true; readonly value: T } | DecodeFailure;

function fail(reason: DecodeReason, detail: string): DecodeFailure {
  return { ok: false, reason, detail };
}

export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  /** The bytes after the 16-byte header, up to nlmsg_len (a view, not a copy). */
  readonly payload: Uint8Array;
}

export interface SplitResult {
  /** Every well-formed message before the first problem. */
  readonly messages: readonly NlMessage[];
  /** 'ok', or why the rest of the buffer was not split. */
  readonly reason: 'ok' | 'truncated' | 'bad_length';
}

/** Splits a datagram into netlink messages (NLMSG_OK / NLMSG_NEXT). Total on any bytes. */
export function splitMessages(bytes: Uint8Array): SplitResult {
  const messages: NlMessage[] = [];
  const dv = view(bytes);
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < NLMSG_HDRLEN) return { messages, reason: 'truncated' };
    const len = dv.getUint32(at, true);
    if (len < NLMSG_HDRLEN) return { messages, reason: 'bad_length' };
    if (len > bytes.length - at) return { messages, reason: 'truncated' };
    messages.push({
      type: dv.getUint16(at + 4, true),
      flags: dv.getUint16(at + 6, true),
      seq: dv.getUint32(at + 8, true),
      pid: dv.getUint32(at + 12, true),
      payload: bytes.subarray(at + NLMSG_HDRLEN, at + len),
    });
    at += nlAlign(len);
  }
  return { messages, reason: 'ok' };
}

export interface NlAttr {
  /** The type without NLA_F_NESTED / NLA_F_NET_BYTEORDER. */
  readonly type: number;
  readonly isNested: boolean;
  readonly value: Uint8Array;
}

/** Splits a TLV run (RTA_OK / RTA_NEXT). Total on any bytes; stops at the first bad one. */
export function parseAttributes(bytes: Uint8Array): {
  readonly attrs: readonly NlAttr[];
  readonly reason: 'ok' | 'truncated' | 'bad_length';
} {
  const attrs: NlAttr[] = [];
  const dv = view(bytes);
  let at = 0;
  while (bytes.length - at >= RTA_HDRLEN) {
    const len = dv.getUint16(at, true);
    const rawType = dv.getUint16(at + 2, true);
    if (len < RTA_HDRLEN) return { attrs, reason: 'bad_length' };
    if (len > bytes.length - at) return { attrs, reason: 'truncated' };
    attrs.push({
      type: rawType & NLA_TYPE_MASK,
      isNested: (rawType & NLA_F_NESTED) !== 0,
      value: bytes.subarray(at + RTA_HDRLEN, at + len),
    });
    at += nlAlign(len);
  }
  // Fewer than 4 trailing bytes are alignment slack the kernel may leave; ignore them.
  return { attrs, reason: 'ok' };
}

/** The attribute table (last one wins, as the kernel's nla_parse does). */
function attrTable(bytes: Uint8Array): Decoded<Map<number, Uint8Array>> {
  const r = parseAttributes(bytes);
  if (r.reason !== 'ok') return fail('bad_attribute', `attribute run ${r.reason}`);
  const m = new Map<number, Uint8Array>();
  for (const a of r.attrs) m.set(a.type, a.value);
  return { ok: true, value: m };
}

function u32Attr(m: Map<number, Uint8Array>, type: number): number | undefined | null {
  const v = m.get(type);
  if (v === undefined) return undefined;
  if (v.length < 4) return null;
  return view(v).getUint32(0, true);
}

function stringAttr(m: Map<number, Uint8Array>, type: number): string | undefined {
  const v = m.get(type);
  if (v === undefined) return undefined;
  const nul = v.indexOf(0);
  return new TextDecoder('utf-8', { fatal: false }).decode(nul >= 0 ? v.subarray(0, nul) : v);
}

/** An NLMSG_ERROR: an ACK (errno 0) or a failure (errno > 0, the positive value). */
export interface NlErrorReply {
  readonly errno: number;
  /** The type and sequence number of the request it answers (from the echoed header). */
  readonly requestType: number;
  readonly requestSeq: number;
  /** NLMSGERR_ATTR_MSG when NETLINK_EXT_ACK is on, e.g. "ipv4: Address already assigned.". */
  readonly extackMessage: string | undefined;
}

/** Decodes NLMSG_ERROR (struct nlmsgerr: int error; struct nlmsghdr msg; [payload]; [TLVs]). */
export function decodeError(msg: NlMessage): Decoded<NlErrorReply> {
  if (msg.type !== NLMSG_ERROR) return fail('wrong_type', `type ${msg.type} is not NLMSG_ERROR`);
  if (msg.payload.length < NLMSGERR_LEN) {
    return fail('truncated', `nlmsgerr needs ${NLMSGERR_LEN} bytes, got ${msg.payload.length}`);
  }
  const dv = view(msg.payload);
  const error = dv.getInt32(0, true);
  const origLen = dv.getUint32(4, true);
  let extackMessage: string | undefined;
  if ((msg.flags & NLM_F_ACK_TLVS) !== 0) {
    const echoed = (msg.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : nlAlign(origLen);
    const tlvAt = 4 + echoed;
    if (tlvAt <= msg.payload.length) {
      const t = attrTable(msg.payload.subarray(tlvAt));
      if (t.ok) extackMessage = stringAttr(t.value, NLMSGERR_ATTR_MSG);
    }
  }
  return {
    ok: true,
    value: {
      errno: error === 0 ? 0 : Math.abs(error),
      requestType: dv.getUint16(8, true),
      requestSeq: dv.getUint32(12, true),
      extackMessage,
    },
  };
}

function familyOf(n: number): IpFamily | undefined {
  return n === AF_INET ? 4 : n === AF_INET6 ? 6 : undefined;
}

function formatMac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** A link from RTM_NEWLINK / RTM_DELLINK (struct ifinfomsg + IFLA_*). */
export interface LinkInfo {
  readonly event: 'new' | 'del';
  readonly index: number;
  /** ARPHRD_* (1 Ethernet, 772 loopback). */
  readonly linkType: number;
  readonly name: string | undefined;
  /** IFF_* bits. */
  readonly flags: number;
  readonly isUp: boolean;
  readonly isRunning: boolean;
  readonly isLowerUp: boolean;
  /** IF_OPER_* (RFC 2863); undefined when the attribute is absent. */
  readonly operstate: number | undefined;
  readonly operstateName: string | undefined;
  /** IFLA_ADDRESS as aa:bb:cc:dd:ee:ff (any length). */
  readonly mac: string | undefined;
  readonly mtu: number | undefined;
  /** IFLA_MASTER: the bridge/bond/VRF ifindex. */
  readonly master: number | undefined;
  /** IFLA_LINK: the parent ifindex (macvlan, vlan, veth peer). */
  readonly link: number | undefined;
}

export function decodeLink(msg: NlMessage): Decoded<LinkInfo> {
  if (msg.type !== RTM_NEWLINK && msg.type !== RTM_DELLINK) {
    return fail('wrong_type', `type ${msg.type} is not RTM_NEWLINK/RTM_DELLINK`);
  }
  if (msg.payload.length < IFINFOMSG_LEN) return fail('truncated', 'ifinfomsg is 16 bytes');
  const dv = view(msg.payload);
  const t = attrTable(msg.payload.subarray(IFINFOMSG_LEN));
  if (!t.ok) return t;
  const a = t.value;
  const mtu = u32Attr(a, IFLA_MTU);
  const master = u32Attr(a, IFLA_MASTER);
  const link = u32Attr(a, IFLA_LINK);
  if (mtu === null || master === null || link === null) return fail('bad_attribute', 'short u32');
  const op = a.get(IFLA_OPERSTATE);
  const operstate = op !== undefined && op.length >= 1 ? op[0] : undefined;
  const flags = dv.getUint32(8, true);
  const mac = a.get(IFLA_ADDRESS);
  return {
    ok: true,
    value: {
      event: msg.type === RTM_NEWLINK ? 'new' : 'del',
      index: dv.getInt32(4, true),
      linkType: dv.getUint16(2, true),
      name: stringAttr(a, IFLA_IFNAME),
      flags,
      isUp: (flags & IFF_UP) !== 0,
      isRunning: (flags & IFF_RUNNING) !== 0,
      isLowerUp: (flags & IFF_LOWER_UP) !== 0,
      operstate,
      operstateName: operstate === undefined ? undefined : OPERSTATE_NAMES[operstate] ?? `${operstate}`,
      mac: mac === undefined ? undefined : formatMac(mac),
      mtu,
      master,
      link,
    },
  };
}

function ipAttr(
  a: Map<number, Uint8Array>,
  type: number,
  family: IpFamily,
): string | undefined | null {
  const v = a.get(type);
  if (v === undefined) return undefined;
  if (v.length !== (family === 4 ? 4 : 16)) return null;
  return formatIp({ family, bytes: v.slice() });
}

/** An address from RTM_NEWADDR / RTM_DELADDR (struct ifaddrmsg + IFA_*). */
export interface AddressInfo {
  readonly event: 'new' | 'del';
  readonly family: IpFamily;
  readonly index: number;
  readonly prefixLength: number;
  readonly scope: number;
  /** IFA_FLAGS when present (all 32 bits), else ifa_flags. */
  readonly flags: number;
  /** IFA_ADDRESS: the peer on point-to-point links, else the address itself. */
  readonly address: string | undefined;
  /** IFA_LOCAL: present for IPv4 (and IPv6 with a peer). */
  readonly local: string | undefined;
  readonly broadcast: string | undefined;
  readonly label: string | undefined;
  /** IFA_CACHEINFO lifetimes in seconds (INFINITY_LIFE_TIME = forever). */
  readonly preferredLftS: number | undefined;
  readonly validLftS: number | undefined;
}

export function decodeAddress(msg: NlMessage): Decoded<AddressInfo> {
  if (msg.type !== RTM_NEWADDR && msg.type !== RTM_DELADDR) {
    return fail('wrong_type', `type ${msg.type} is not RTM_NEWADDR/RTM_DELADDR`);
  }
  if (msg.payload.length < IFADDRMSG_LEN) return fail('truncated', 'ifaddrmsg is 8 bytes');
  const p = msg.payload;
  const family = familyOf(p[0] ?? 0);
  if (family === undefined) return fail('bad_family', `address family ${p[0] ?? 0}`);
  const t = attrTable(p.subarray(IFADDRMSG_LEN));
  if (!t.ok) return t;
  const a = t.value;
  const address = ipAttr(a, IFA_ADDRESS, family);
  const local = ipAttr(a, IFA_LOCAL, family);
  const broadcast = ipAttr(a, IFA_BROADCAST, family);
  if (address === null || local === null || broadcast === null) {
    return fail('bad_attribute', 'address attribute of the wrong size');
  }
  const flags32 = u32Attr(a, IFA_FLAGS);
  if (flags32 === null) return fail('bad_attribute', 'short IFA_FLAGS');
  const ci = a.get(IFA_CACHEINFO);
  const hasCi = ci !== undefined && ci.length >= 8;
  return {
    ok: true,
    value: {
      event: msg.type === RTM_NEWADDR ? 'new' : 'del',
      family,
      index: view(p).getUint32(4, true),
      prefixLength: p[1] ?? 0,
      scope: p[3] ?? 0,
      flags: flags32 ?? p[2] ?? 0,
      address,
      local,
      broadcast,
      label: stringAttr(a, IFA_LABEL),
      preferredLftS: hasCi ? view(ci).getUint32(0, true) : undefined,
      validLftS: hasCi ? view(ci).getUint32(4, true) : undefined,
    },
  };
}

/** A route from RTM_NEWROUTE / RTM_DELROUTE (struct rtmsg + RTA_*). */
export interface RouteInfo {
  readonly event: 'new' | 'del';
  readonly family: IpFamily;
  readonly dstLength: number;
  readonly srcLength: number;
  readonly tos: number;
  /** RTA_TABLE when present, else rtm_table. */
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  readonly rtmFlags: number;
  readonly destination: string | undefined;
  readonly source: string | undefined;
  readonly gateway: string | undefined;
  readonly prefsrc: string | undefined;
  readonly oif: number | undefined;
  readonly priority: number | undefined;
  readonly nextHops: readonly { readonly gateway: string | undefined; readonly ifindex: number; readonly hops: number }[];
}

function decodeNextHops(v: Uint8Array | undefined, family: IpFamily): RouteInfo['nextHops'] | null {
  if (v === undefined) return [];
  const out: { gateway: string | undefined; ifindex: number; hops: number }[] = [];
  const dv = view(v);
  let at = 0;
  while (v.length - at >= RTNEXTHOP_LEN) {
    const len = dv.getUint16(at, true);
    if (len < RTNEXTHOP_LEN || len > v.length - at) return null;
    const t = attrTable(v.subarray(at + RTNEXTHOP_LEN, at + len));
    if (!t.ok) return null;
    const gateway = ipAttr(t.value, RTA_GATEWAY, family);
    if (gateway === null) return null;
    out.push({ gateway, ifindex: dv.getInt32(at + 4, true), hops: v[at + 3] ?? 0 });
    at += nlAlign(len);
  }
  return out;
}

export function decodeRoute(msg: NlMessage): Decoded<RouteInfo> {
  if (msg.type !== RTM_NEWROUTE && msg.type !== RTM_DELROUTE) {
    return fail('wrong_type', `type ${msg.type} is not RTM_NEWROUTE/RTM_DELROUTE`);
  }
  if (msg.payload.length < RTMSG_LEN) return fail('truncated', 'rtmsg is 12 bytes');
  const p = msg.payload;
  const family = familyOf(p[0] ?? 0);
  if (family === undefined) return fail('bad_family', `route family ${p[0] ?? 0}`);
  const t = attrTable(p.subarray(RTMSG_LEN));
  if (!t.ok) return t;
  const a = t.value;
  const ips = [RTA_DST, RTA_SRC, RTA_GATEWAY, RTA_PREFSRC].map((x) => ipAttr(a, x, family));
  const u32s = [RTA_TABLE, RTA_OIF, RTA_PRIORITY].map((x) => u32Attr(a, x));
  const nextHops = decodeNextHops(a.get(RTA_MULTIPATH), family);
  if (ips.includes(null) || u32s.includes(null) || nextHops === null) {
    return fail('bad_attribute', 'route attribute of the wrong size');
  }
  const [destination, source, gateway, prefsrc] = ips as (string | undefined)[];
  const [table, oif, priority] = u32s as (number | undefined)[];
  return {
    ok: true,
    value: {
      event: msg.type === RTM_NEWROUTE ? 'new' : 'del',
      family,
      dstLength: p[1] ?? 0,
      srcLength: p[2] ?? 0,
      tos: p[3] ?? 0,
      table: table ?? p[4] ?? 0,
      protocol: p[5] ?? 0,
      scope: p[6] ?? 0,
      type: p[7] ?? 0,
      rtmFlags: view(p).getUint32(8, true),
      destination,
      source,
      gateway,
      prefsrc,
      oif,
      priority,
      nextHops,
    },
  };
}

/** Every rtnetlink message we understand, decoded; anything else is 'other'. */
export type RtnlEvent =
  | { readonly kind: 'link'; readonly link: LinkInfo; readonly senderPid: number }
  | { readonly kind: 'address'; readonly address: AddressInfo; readonly senderPid: number }
  | { readonly kind: 'route'; readonly route: RouteInfo; readonly senderPid: number }
  | { readonly kind: 'malformed'; readonly type: number; readonly reason: DecodeReason; readonly detail: string }
  | { readonly kind: 'other'; readonly type: number };

export function decodeEvent(msg: NlMessage): RtnlEvent {
  const senderPid = msg.pid;
  switch (msg.type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      const r = decodeLink(msg);
      return r.ok ? { kind: 'link', link: r.value, senderPid } : malformed(msg.type, r);
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      const r = decodeAddress(msg);
      return r.ok ? { kind: 'address', address: r.value, senderPid } : malformed(msg.type, r);
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      const r = decodeRoute(msg);
      return r.ok ? { kind: 'route', route: r.value, senderPid } : malformed(msg.type, r);
    }
    default:
      return { kind: 'other', type: msg.type };
  }
}

function malformed(type: number, r: DecodeFailure): RtnlEvent {
  return { kind: 'malformed', type, reason: r.reason, detail: r.detail };
}

const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  [NLMSG_ERROR]: 'NLMSG_ERROR', [NLMSG_DONE]: 'NLMSG_DONE',
  [RTM_NEWLINK]: 'RTM_NEWLINK', [RTM_DELLINK]: 'RTM_DELLINK', [RTM_GETLINK]: 'RTM_GETLINK',
  [RTM_NEWADDR]: 'RTM_NEWADDR', [RTM_DELADDR]: 'RTM_DELADDR', [RTM_GETADDR]: 'RTM_GETADDR',
  [RTM_NEWROUTE]: 'RTM_NEWROUTE', [RTM_DELROUTE]: 'RTM_DELROUTE', [RTM_GETROUTE]: 'RTM_GETROUTE',
};

/** keepalived's get_nl_msg_type(): the C name, or '' when unknown (as keepalived prints). */
export function messageTypeName(type: number): string {
  return MESSAGE_TYPE_NAMES[type] ?? '';
}
