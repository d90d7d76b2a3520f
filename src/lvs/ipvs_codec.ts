/**
 * IPVS generic-netlink messages (PURE), byte layouts from linux/ip_vs.h and
 * linux/genetlink.h, attribute order as libipvs (ipvsadm/keepalived) sends them:
 *
 *   nlmsghdr(16) | genlmsghdr { u8 cmd; u8 version=1; u16 reserved } | attributes
 *   IPVS_CMD_ATTR_SERVICE (nested): AF u16, [PROTOCOL u16, ADDR 16 bytes (nf_inet_addr),
 *     PORT be16] | FWMARK u32, SCHED_NAME "rr\0", FLAGS {u32 flags; u32 mask},
 *     TIMEOUT u32, NETMASK be32 (v4 mask / v6 prefix length)
 *   IPVS_CMD_ATTR_DEST (nested): ADDR 16, PORT be16, FWD_METHOD u32, WEIGHT u32,
 *     U_THRESH u32, L_THRESH u32, ADDR_FAMILY u16, TUN_TYPE u8, TUN_PORT be16, TUN_FLAGS u16
 */
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
import type { DesiredDestination, DesiredService, ServiceKey } from './desired.js';
import type { ForwardingMethod, LvsProtocol } from '../config/model/lvs.js';
import { parseIp } from '../lib/ip.js';
import { encodeMessage, parseAttributes, type NlAttrSpec, type NlMessage } from '../net/netlink/codec.js';

export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const IPVS_CMD_NEW_SERVICE = 1;
export const IPVS_CMD_SET_SERVICE = 2;
export const IPVS_CMD_DEL_SERVICE = 3;
export const IPVS_CMD_GET_SERVICE = 4;
export const IPVS_CMD_NEW_DEST = 5;
export const IPVS_CMD_SET_DEST = 6;
export const IPVS_CMD_DEL_DEST = 7;
export const IPVS_CMD_GET_DEST = 8;
export const IPVS_CMD_FLUSH = 17;

export const IPVS_CMD_ATTR_SERVICE = 1;
export const IPVS_CMD_ATTR_DEST = 2;

export const IPVS_SVC_ATTR_AF = 1;
export const IPVS_SVC_ATTR_PROTOCOL = 2;
export const IPVS_SVC_ATTR_ADDR = 3;
export const IPVS_SVC_ATTR_PORT = 4;
export const IPVS_SVC_ATTR_FWMARK = 5;
export const IPVS_SVC_ATTR_SCHED_NAME = 6;
export const IPVS_SVC_ATTR_FLAGS = 7;
export const IPVS_SVC_ATTR_TIMEOUT = 8;
export const IPVS_SVC_ATTR_NETMASK = 9;

export const IPVS_DEST_ATTR_ADDR = 1;
export const IPVS_DEST_ATTR_PORT = 2;
export const IPVS_DEST_ATTR_FWD_METHOD = 3;
export const IPVS_DEST_ATTR_WEIGHT = 4;
export const IPVS_DEST_ATTR_U_THRESH = 5;
export const IPVS_DEST_ATTR_L_THRESH = 6;
export const IPVS_DEST_ATTR_ACTIVE_CONNS = 7;
export const IPVS_DEST_ATTR_INACT_CONNS = 8;
export const IPVS_DEST_ATTR_PERSIST_CONNS = 9;
export const IPVS_DEST_ATTR_ADDR_FAMILY = 11;
export const IPVS_DEST_ATTR_TUN_TYPE = 13;
export const IPVS_DEST_ATTR_TUN_PORT = 14;
export const IPVS_DEST_ATTR_TUN_FLAGS = 15;

export const IP_VS_CONN_F_MASQ = 0;
export const IP_VS_CONN_F_TUNNEL = 2;
export const IP_VS_CONN_F_DROUTE = 3;
export const IP_VS_CONN_F_FWD_MASK = 7;
export const IP_VS_SVC_F_PERSISTENT = 0x1;
export const IP_VS_SCHEDNAME_MAXLEN = 16;

const AF_INET = 2;
const AF_INET6 = 10;
const PROTO: Readonly<Record<LvsProtocol, number>> = { tcp: 6, udp: 17, sctp: 132 };

function u16(type: number, v: number): NlAttrSpec {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, true);
  return { type, value: b };
}
function be16(type: number, v: number): NlAttrSpec {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, false);
  return { type, value: b };
}
function u32(type: number, v: number): NlAttrSpec {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return { type, value: b };
}
function be32(type: number, v: number): NlAttrSpec {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, false);
  return { type, value: b };
}
function str(type: number, s: string): NlAttrSpec {
  const t = new TextEncoder().encode(s);
  const b = new Uint8Array(t.length + 1);
  b.set(t);
  return { type, value: b };
}

/** union nf_inet_addr: 16 bytes, an IPv4 address in the first 4. */
export function inetAddr(address: string): Uint8Array {
  const ip = parseIp(address);
  if (ip === undefined) throw new RangeError(`not an IP address: ${address}`);
  const out = new Uint8Array(16);
  out.set(ip.bytes);
  return out;
}

function genlHeader(cmd: number, version = IPVS_GENL_VERSION): Uint8Array {
  return Uint8Array.of(cmd, version, 0, 0);
}

/** CTRL_CMD_GETFAMILY for "IPVS" (the reply's CTRL_ATTR_FAMILY_ID is the message type to use). */
export function encodeGetFamily(seq: number, name = IPVS_GENL_NAME): Uint8Array {
  return encodeMessage({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq }, {
    fixed: genlHeader(CTRL_CMD_GETFAMILY, 1), attrs: [str(CTRL_ATTR_FAMILY_NAME, name)],
  });
}

/** The family id from a CTRL_CMD_NEWFAMILY reply, or undefined. */
export function decodeFamilyId(msg: NlMessage): number | undefined {
  if (msg.type !== GENL_ID_CTRL || msg.payload.length < 4) return undefined;
  for (const a of parseAttributes(msg.payload.subarray(4)).attrs) {
    if (a.type === CTRL_ATTR_FAMILY_ID && a.value.length >= 2) return new DataView(a.value.buffer, a.value.byteOffset).getUint16(0, true);
  }
  return undefined;
}

export interface IpvsServiceSpec {
  readonly key: ServiceKey;
  readonly scheduler: string;
  readonly persistenceTimeoutS: number;
}

/** The nested IPVS_CMD_ATTR_SERVICE attributes (libipvs ipvs_nl_fill_service_attr order). */
export function serviceAttrs(s: IpvsServiceSpec): NlAttrSpec[] {
  const k = s.key;
  const af = k.family === 6 ? AF_INET6 : AF_INET;
  const a: NlAttrSpec[] = [u16(IPVS_SVC_ATTR_AF, af)];
  if (k.kind === 'fwmark') a.push(u32(IPVS_SVC_ATTR_FWMARK, k.fwmark));
  else a.push(u16(IPVS_SVC_ATTR_PROTOCOL, PROTO[k.protocol]), { type: IPVS_SVC_ATTR_ADDR, value: inetAddr(k.address) }, be16(IPVS_SVC_ATTR_PORT, k.port));
  if (s.scheduler.length >= IP_VS_SCHEDNAME_MAXLEN) throw new RangeError(`scheduler name too long: ${s.scheduler}`);
  const flags = new Uint8Array(8);
  const dv = new DataView(flags.buffer);
  dv.setUint32(0, s.persistenceTimeoutS > 0 ? IP_VS_SVC_F_PERSISTENT : 0, true);
  dv.setUint32(4, 0xffffffff, true);
  a.push(str(IPVS_SVC_ATTR_SCHED_NAME, s.scheduler), { type: IPVS_SVC_ATTR_FLAGS, value: flags });
  a.push(u32(IPVS_SVC_ATTR_TIMEOUT, s.persistenceTimeoutS));
  a.push(k.family === 6 ? u32(IPVS_SVC_ATTR_NETMASK, 128) : be32(IPVS_SVC_ATTR_NETMASK, 0xffffffff));
  return a;
}

/** The service identity only (for GET_DEST dumps and DEL_DEST). */
function serviceIdAttrs(k: ServiceKey): NlAttrSpec[] {
  const af = k.family === 6 ? AF_INET6 : AF_INET;
  if (k.kind === 'fwmark') return [u16(IPVS_SVC_ATTR_AF, af), u32(IPVS_SVC_ATTR_FWMARK, k.fwmark)];
  return [u16(IPVS_SVC_ATTR_AF, af), u16(IPVS_SVC_ATTR_PROTOCOL, PROTO[k.protocol]), { type: IPVS_SVC_ATTR_ADDR, value: inetAddr(k.address) }, be16(IPVS_SVC_ATTR_PORT, k.port)];
}

export function forwardingCode(m: ForwardingMethod): number {
  return m === 'DR' ? IP_VS_CONN_F_DROUTE : m === 'TUN' ? IP_VS_CONN_F_TUNNEL : IP_VS_CONN_F_MASQ;
}

export function destAttrs(d: DesiredDestination): NlAttrSpec[] {
  return [
    { type: IPVS_DEST_ATTR_ADDR, value: inetAddr(d.address) },
    be16(IPVS_DEST_ATTR_PORT, d.port),
    u32(IPVS_DEST_ATTR_FWD_METHOD, forwardingCode(d.forwarding)),
    u32(IPVS_DEST_ATTR_WEIGHT, d.weight),
    u32(IPVS_DEST_ATTR_U_THRESH, 0),
    u32(IPVS_DEST_ATTR_L_THRESH, 0),
    u16(IPVS_DEST_ATTR_ADDR_FAMILY, d.family === 6 ? AF_INET6 : AF_INET),
  ];
}

function ipvsMessage(familyId: number, seq: number, cmd: number, flags: number, attrs: NlAttrSpec[]): Uint8Array {
  return encodeMessage({ type: familyId, flags, seq }, { fixed: genlHeader(cmd), attrs });
}

export function encodeNewService(familyId: number, seq: number, s: IpvsServiceSpec): Uint8Array {
  return ipvsMessage(familyId, seq, IPVS_CMD_NEW_SERVICE, NLM_F_REQUEST | NLM_F_ACK, [{ type: IPVS_CMD_ATTR_SERVICE, nested: serviceAttrs(s) }]);
}
export function encodeSetService(familyId: number, seq: number, s: IpvsServiceSpec): Uint8Array {
  return ipvsMessage(familyId, seq, IPVS_CMD_SET_SERVICE, NLM_F_REQUEST | NLM_F_ACK, [{ type: IPVS_CMD_ATTR_SERVICE, nested: serviceAttrs(s) }]);
}
export function encodeDelService(familyId: number, seq: number, k: ServiceKey): Uint8Array {
  return ipvsMessage(familyId, seq, IPVS_CMD_DEL_SERVICE, NLM_F_REQUEST | NLM_F_ACK, [{ type: IPVS_CMD_ATTR_SERVICE, nested: serviceIdAttrs(k) }]);
}
export function encodeDest(familyId: number, seq: number, cmd: typeof IPVS_CMD_NEW_DEST | typeof IPVS_CMD_SET_DEST | typeof IPVS_CMD_DEL_DEST, k: ServiceKey, d: DesiredDestination): Uint8Array {
  return ipvsMessage(familyId, seq, cmd, NLM_F_REQUEST | NLM_F_ACK, [
    { type: IPVS_CMD_ATTR_SERVICE, nested: serviceIdAttrs(k) },
    { type: IPVS_CMD_ATTR_DEST, nested: destAttrs(d) },
  ]);
}
export function encodeGetServices(familyId: number, seq: number): Uint8Array {
  return ipvsMessage(familyId, seq, IPVS_CMD_GET_SERVICE, NLM_F_REQUEST | NLM_F_DUMP, []);
}
export function encodeGetDests(familyId: number, seq: number, k: ServiceKey): Uint8Array {
  return ipvsMessage(familyId, seq, IPVS_CMD_GET_DEST, NLM_F_REQUEST | NLM_F_DUMP, [{ type: IPVS_CMD_ATTR_SERVICE, nested: serviceIdAttrs(k) }]);
}
export function encodeFlush(familyId: number, seq: number): Uint8Array {
  return ipvsMessage(familyId, seq, IPVS_CMD_FLUSH, NLM_F_REQUEST | NLM_F_ACK, []);
}

// ───────────────────────────── decoding ─────────────────────────────

function table(bytes: Uint8Array): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  for (const a of parseAttributes(bytes).attrs) m.set(a.type, a.value);
  return m;
}
function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
function getU16(m: Map<number, Uint8Array>, t: number): number | undefined {
  const v = m.get(t);
  return v !== undefined && v.length >= 2 ? dv(v).getUint16(0, true) : undefined;
}
function getBe16(m: Map<number, Uint8Array>, t: number): number | undefined {
  const v = m.get(t);
  return v !== undefined && v.length >= 2 ? dv(v).getUint16(0, false) : undefined;
}
function getU32(m: Map<number, Uint8Array>, t: number): number | undefined {
  const v = m.get(t);
  return v !== undefined && v.length >= 4 ? dv(v).getUint32(0, true) : undefined;
}
function addrText(af: number, b: Uint8Array | undefined): string | undefined {
  if (b === undefined) return undefined;
  if (af === AF_INET && b.length >= 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (af === AF_INET6 && b.length >= 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(dv(b).getUint16(i, false).toString(16));
    // Compress the longest run of zero groups (RFC 5952).
    let best = -1;
    let bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== '0') { i++; continue; }
      let j = i;
      while (j < 8 && groups[j] === '0') j++;
      if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
      i = j;
    }
    if (best < 0) return groups.join(':');
    return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
  }
  return undefined;
}

function genlAttrs(msg: NlMessage): Map<number, Uint8Array> | undefined {
  return msg.payload.length < 4 ? undefined : table(msg.payload.subarray(4));
}

/** A service from a GET_SERVICE dump reply (cmd NEW_SERVICE), or undefined when malformed. */
export function decodeService(msg: NlMessage): IpvsServiceSpec | undefined {
  const svc = genlAttrs(msg)?.get(IPVS_CMD_ATTR_SERVICE);
  if (svc === undefined) return undefined;
  const m = table(svc);
  const af = getU16(m, IPVS_SVC_ATTR_AF);
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const family = af === AF_INET6 ? 6 : 4;
  const sched = m.get(IPVS_SVC_ATTR_SCHED_NAME);
  const scheduler = sched === undefined ? '' : new TextDecoder().decode(sched.subarray(0, sched.indexOf(0) >= 0 ? sched.indexOf(0) : sched.length));
  const flags = getU32(m, IPVS_SVC_ATTR_FLAGS) ?? 0;
  const timeout = getU32(m, IPVS_SVC_ATTR_TIMEOUT) ?? 0;
  const persistenceTimeoutS = (flags & IP_VS_SVC_F_PERSISTENT) !== 0 ? timeout : 0;
  const fwmark = getU32(m, IPVS_SVC_ATTR_FWMARK) ?? 0;
  if (fwmark !== 0) return { key: { kind: 'fwmark', family, fwmark }, scheduler, persistenceTimeoutS };
  const protoNum = getU16(m, IPVS_SVC_ATTR_PROTOCOL);
  const protocol = (Object.keys(PROTO) as LvsProtocol[]).find((p) => PROTO[p] === protoNum);
  const address = addrText(af, m.get(IPVS_SVC_ATTR_ADDR));
  const port = getBe16(m, IPVS_SVC_ATTR_PORT);
  if (protocol === undefined || address === undefined || port === undefined) return undefined;
  return { key: { kind: 'address', family, protocol, address, port }, scheduler, persistenceTimeoutS };
}

export interface IpvsDestinationInfo extends DesiredDestination {
  readonly activeConns: number;
  readonly inactiveConns: number;
}

/** A destination from a GET_DEST dump reply; the family defaults to the service's. */
export function decodeDest(msg: NlMessage, serviceFamily: 4 | 6): IpvsDestinationInfo | undefined {
  const dest = genlAttrs(msg)?.get(IPVS_CMD_ATTR_DEST);
  if (dest === undefined) return undefined;
  const m = table(dest);
  const af = getU16(m, IPVS_DEST_ATTR_ADDR_FAMILY) ?? (serviceFamily === 6 ? AF_INET6 : AF_INET);
  const address = addrText(af, m.get(IPVS_DEST_ATTR_ADDR));
  const port = getBe16(m, IPVS_DEST_ATTR_PORT);
  const fwd = (getU32(m, IPVS_DEST_ATTR_FWD_METHOD) ?? 0) & IP_VS_CONN_F_FWD_MASK;
  const weight = getU32(m, IPVS_DEST_ATTR_WEIGHT);
  if (address === undefined || port === undefined || weight === undefined) return undefined;
  const forwarding: ForwardingMethod = fwd === IP_VS_CONN_F_DROUTE ? 'DR' : fwd === IP_VS_CONN_F_TUNNEL ? 'TUN' : 'NAT';
  return {
    family: af === AF_INET6 ? 6 : 4, address, port, weight, forwarding,
    activeConns: getU32(m, IPVS_DEST_ATTR_ACTIVE_CONNS) ?? 0,
    inactiveConns: getU32(m, IPVS_DEST_ATTR_INACT_CONNS) ?? 0,
  };
}

/** Builds a DesiredService-shaped value from decoded parts. */
export function observedService(s: IpvsServiceSpec, dests: readonly DesiredDestination[]): DesiredService {
  return { key: s.key, scheduler: s.scheduler, persistenceTimeoutS: s.persistenceTimeoutS, destinations: dests };
}
