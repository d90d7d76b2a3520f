/**
 * Byte layouts of the Linux socket structures the raw-socket layer passes to the addon
 * (pure: no node:*, no Buffer). Field order and sizes are from the glibc/kernel headers
 * named on each function. Multi-byte fields are either network order (ports, protocol
 * ids, addresses) or host order (families, ifindexes, scope ids, netlink pids/groups);
 * host order is detected once rather than assumed.
 *
 * cmsg parsing assumes an LP64 ABI (x86_64, aarch64): `struct cmsghdr` is a size_t
 * length plus two ints (16 bytes) and data is aligned to 8 bytes (CMSG_ALIGN).
 *
 * Encoders take addresses that were validated when the config was read; an invalid one is
 * a programmer error and throws RangeError. Parsers of kernel output never throw.
 */
import { formatIp, parseIpv4, parseIpv6, type IpAddress } from '../lib/ip.js';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_PACKET,
  ARPHRD_ETHER,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_HOPLIMIT,
  IPV6_PKTINFO,
  IP_PKTINFO,
  IP_TTL,
} from './constants.js';

/** True on little-endian hosts: the byte order of host-order struct fields. */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const SOCKADDR_IN_LENGTH = 16;
export const SOCKADDR_IN6_LENGTH = 28;
export const SOCKADDR_LL_LENGTH = 20;
export const SOCKADDR_NL_LENGTH = 12;
export const IP_MREQN_LENGTH = 12;
export const IPV6_MREQ_LENGTH = 20;
/** Big enough for any sockaddr recvmsg can return here (sizeof(struct sockaddr_storage)). */
export const SOCKADDR_STORAGE_LENGTH = 128;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function ipv4(address: string | IpAddress): Uint8Array {
  const ip = typeof address === 'string' ? parseIpv4(address) : address;
  if (ip?.family !== 4) throw new RangeError(`Cannot encode ${String(address)} as an IPv4 address`);
  return ip.bytes;
}

function ipv6(address: string | IpAddress): Uint8Array {
  const ip = typeof address === 'string' ? parseIpv6(address) : address;
  if (ip?.family !== 6) throw new RangeError(`Cannot encode ${String(address)} as an IPv6 address`);
  return ip.bytes;
}

export interface SockaddrInOptions {
  /** @default 0 (raw sockets ignore the port) */
  readonly port?: number;
}

/**
 * struct sockaddr_in (<netinet/in.h>, 16 bytes): family, port (BE), address, 8 zero bytes.
 *
 * @example
 * native.sendto(fd, advert, encodeSockaddrIn('224.0.0.18'));
 */
export function encodeSockaddrIn(address: string | IpAddress, options: SockaddrInOptions = {}): Uint8Array {
  const out = new Uint8Array(SOCKADDR_IN_LENGTH);
  const v = view(out);
  v.setUint16(0, AF_INET, HOST_LE);
  v.setUint16(2, options.port ?? 0, false);
  out.set(ipv4(address), 4);
  return out;
}

export interface SockaddrIn6Options {
  /** @default 0 */
  readonly port?: number;
  /** The interface index for link-local and link-scope multicast addresses. @default 0 */
  readonly scopeId?: number;
  /** @default 0 */
  readonly flowInfo?: number;
}

/**
 * struct sockaddr_in6 (<netinet/in.h>, 28 bytes): family, port (BE), flowinfo (BE),
 * address, scope id (host order).
 *
 * @example
 * encodeSockaddrIn6('ff02::12', { scopeId: ifindex });
 */
export function encodeSockaddrIn6(address: string | IpAddress, options: SockaddrIn6Options = {}): Uint8Array {
  const out = new Uint8Array(SOCKADDR_IN6_LENGTH);
  const v = view(out);
  v.setUint16(0, AF_INET6, HOST_LE);
  v.setUint16(2, options.port ?? 0, false);
  v.setUint32(4, options.flowInfo ?? 0, false);
  out.set(ipv6(address), 8);
  v.setUint32(24, options.scopeId ?? 0, HOST_LE);
  return out;
}

export interface SockaddrLlOptions {
  readonly ifindex: number;
  /** Ethernet protocol id in host order (ETH_P_ARP, ...); stored big-endian. */
  readonly protocol: number;
  /** Destination hardware address (at most 8 bytes). @default empty */
  readonly address?: Uint8Array;
  /** @default ARPHRD_ETHER */
  readonly hatype?: number;
  /** @default 0 (PACKET_HOST) */
  readonly pkttype?: number;
}

/**
 * struct sockaddr_ll (<linux/if_packet.h>, 20 bytes): family, protocol (BE), ifindex,
 * hatype, pkttype, halen, addr[8].
 *
 * @example
 * encodeSockaddrLl({ ifindex, protocol: ETH_P_ARP, address: BROADCAST_MAC });
 */
export function encodeSockaddrLl(options: SockaddrLlOptions): Uint8Array {
  const out = new Uint8Array(SOCKADDR_LL_LENGTH);
  const v = view(out);
  const address = options.address ?? new Uint8Array(0);
  if (address.length > 8) throw new RangeError(`Cannot encode a ${address.length}-byte hardware address`);
  v.setUint16(0, AF_PACKET, HOST_LE);
  v.setUint16(2, options.protocol, false);
  v.setInt32(4, options.ifindex, HOST_LE);
  v.setUint16(8, options.hatype ?? ARPHRD_ETHER, HOST_LE);
  out[10] = options.pkttype ?? 0;
  out[11] = address.length;
  out.set(address, 12);
  return out;
}

export interface SockaddrNlOptions {
  /** Port id; 0 lets the kernel assign one (bind) or addresses the kernel (sendto). @default 0 */
  readonly pid?: number;
  /** Multicast group bit mask (RTMGRP_*). @default 0 */
  readonly groups?: number;
}

/**
 * struct sockaddr_nl (<linux/netlink.h>, 12 bytes): family, pad, pid, groups.
 *
 * @example
 * native.bind(fd, encodeSockaddrNl({ groups: RTMGRP_LINK }));
 */
export function encodeSockaddrNl(options: SockaddrNlOptions = {}): Uint8Array {
  const out = new Uint8Array(SOCKADDR_NL_LENGTH);
  const v = view(out);
  v.setUint16(0, AF_NETLINK, HOST_LE);
  v.setUint32(4, options.pid ?? 0, HOST_LE);
  v.setUint32(8, (options.groups ?? 0) >>> 0, HOST_LE);
  return out;
}

export interface IpMreqnOptions {
  /** The multicast group; 0.0.0.0 for IP_MULTICAST_IF. @default '0.0.0.0' */
  readonly group?: string | IpAddress;
  /** Local address; 0.0.0.0 lets the ifindex decide. @default '0.0.0.0' */
  readonly local?: string | IpAddress;
  readonly ifindex: number;
}

/**
 * struct ip_mreqn (<linux/in.h>, 12 bytes): multiaddr, address, ifindex. Used for both
 * IP_ADD_MEMBERSHIP and IP_MULTICAST_IF, as keepalived's if_join_vrrp_group() and
 * if_setsockopt_mcast_if() do.
 *
 * @example
 * encodeIpMreqn({ group: '224.0.0.18', ifindex });
 */
export function encodeIpMreqn(options: IpMreqnOptions): Uint8Array {
  const out = new Uint8Array(IP_MREQN_LENGTH);
  out.set(ipv4(options.group ?? '0.0.0.0'), 0);
  out.set(ipv4(options.local ?? '0.0.0.0'), 4);
  view(out).setInt32(8, options.ifindex, HOST_LE);
  return out;
}

export interface Ipv6MreqOptions {
  readonly group: string | IpAddress;
  readonly ifindex: number;
}

/**
 * struct ipv6_mreq (<netinet/in.h>, 20 bytes): multiaddr, interface index.
 *
 * @example
 * encodeIpv6Mreq({ group: 'ff02::12', ifindex });
 */
export function encodeIpv6Mreq(options: Ipv6MreqOptions): Uint8Array {
  const out = new Uint8Array(IPV6_MREQ_LENGTH);
  out.set(ipv6(options.group), 0);
  view(out).setUint32(16, options.ifindex, HOST_LE);
  return out;
}

/** A socket address the kernel returned (recvmsg msg_name, getsockname). */
export interface SocketAddress {
  readonly family: 4 | 6;
  /** Canonical text (lib/ip.ts formatIp), without a zone. */
  readonly address: string;
  readonly port: number;
  /** IPv6 scope id (the interface index for link-local sources); 0 for IPv4. */
  readonly scopeId: number;
}

/**
 * Parses a sockaddr_in or sockaddr_in6 of `length` bytes (recvmsg's out[0]).
 * undefined for other families or short input. Total: never throws.
 */
export function parseSockaddr(bytes: Uint8Array, length: number = bytes.length): SocketAddress | undefined {
  const n = Math.min(length, bytes.length);
  if (n < 2) return undefined;
  const v = view(bytes);
  const family = v.getUint16(0, HOST_LE);
  if (family === AF_INET && n >= 8) {
    const address = formatIp({ family: 4, bytes: bytes.slice(4, 8) });
    return { family: 4, address, port: v.getUint16(2, false), scopeId: 0 };
  }
  if (family === AF_INET6 && n >= 24) {
    const address = formatIp({ family: 6, bytes: bytes.slice(8, 24) });
    const scopeId = n >= 28 ? v.getUint32(24, HOST_LE) : 0;
    return { family: 6, address, port: v.getUint16(2, false), scopeId };
  }
  return undefined;
}

/** struct in_pktinfo (IP_PKTINFO cmsg). */
export interface Ipv4PacketInfo {
  readonly ifindex: number;
  /** ipi_spec_dst: the local address the kernel would answer from. */
  readonly localAddress: string;
  /** ipi_addr: the destination address in the IP header. */
  readonly destination: string;
}

/** struct in6_pktinfo (IPV6_PKTINFO cmsg). */
export interface Ipv6PacketInfo {
  readonly ifindex: number;
  /** ipi6_addr: the destination address of the packet. */
  readonly destination: string;
}

/** The ancillary data this project asks for, decoded. Absent fields were not present. */
export interface ControlMessages {
  readonly ipv4PacketInfo?: Ipv4PacketInfo;
  /** IP_TTL cmsg (needs IP_RECVTTL). */
  readonly ipv4Ttl?: number;
  readonly ipv6PacketInfo?: Ipv6PacketInfo;
  /** IPV6_HOPLIMIT cmsg (needs IPV6_RECVHOPLIMIT). */
  readonly ipv6HopLimit?: number;
  /** Messages of other levels/types, skipped. */
  readonly unknownCount: number;
  /** True when a header was malformed and parsing stopped early. */
  readonly isMalformed: boolean;
}

const CMSG_HEADER_LENGTH = 16;
const CMSG_ALIGN_BYTES = 8;

function cmsgAlign(n: number): number {
  return (n + CMSG_ALIGN_BYTES - 1) & ~(CMSG_ALIGN_BYTES - 1);
}

type MutableControlMessages = { -readonly [K in keyof ControlMessages]: ControlMessages[K] };

function readCmsg(out: MutableControlMessages, level: number, type: number, data: Uint8Array): void {
  const v = view(data);
  if (level === IPPROTO_IP && type === IP_PKTINFO && data.length >= 12) {
    out.ipv4PacketInfo = {
      ifindex: v.getInt32(0, HOST_LE),
      localAddress: formatIp({ family: 4, bytes: data.slice(4, 8) }),
      destination: formatIp({ family: 4, bytes: data.slice(8, 12) }),
    };
  } else if (level === IPPROTO_IP && type === IP_TTL && data.length >= 4) {
    out.ipv4Ttl = v.getInt32(0, HOST_LE);
  } else if (level === IPPROTO_IPV6 && type === IPV6_PKTINFO && data.length >= 20) {
    out.ipv6PacketInfo = {
      destination: formatIp({ family: 6, bytes: data.slice(0, 16) }),
      ifindex: v.getUint32(16, HOST_LE),
    };
  } else if (level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT && data.length >= 4) {
    out.ipv6HopLimit = v.getInt32(0, HOST_LE);
  } else {
    out.unknownCount++;
  }
}

/**
 * Walks the control buffer recvmsg filled (`length` = recvmsg's out[1]) as CMSG_FIRSTHDR /
 * CMSG_NXTHDR do and decodes the messages we use. Total: never throws.
 *
 * @example
 * const cmsgs = parseControlMessages(control, out[1]);
 * if (cmsgs.ipv6HopLimit !== 255) drop('bad_ttl');
 */
export function parseControlMessages(control: Uint8Array, length: number = control.length): ControlMessages {
  const out: MutableControlMessages = { unknownCount: 0, isMalformed: false };
  const end = Math.max(0, Math.min(length, control.length));
  const v = view(control);
  let offset = 0;
  while (offset + CMSG_HEADER_LENGTH <= end) {
    // cmsg_len is a size_t; the high word is 0 for any length that fits the buffer.
    const low = v.getUint32(offset + (HOST_LE ? 0 : 4), HOST_LE);
    const high = v.getUint32(offset + (HOST_LE ? 4 : 0), HOST_LE);
    const cmsgLength = low;
    if (high !== 0 || cmsgLength < CMSG_HEADER_LENGTH || offset + cmsgLength > end) {
      out.isMalformed = true;
      break;
    }
    const level = v.getInt32(offset + 8, HOST_LE);
    const type = v.getInt32(offset + 12, HOST_LE);
    readCmsg(out, level, type, control.subarray(offset + CMSG_HEADER_LENGTH, offset + cmsgLength));
    offset += cmsgAlign(cmsgLength);
  }
  return out;
}

/** CMSG_SPACE(n) on LP64: the control-buffer bytes one message with n data bytes takes. */
export function cmsgSpace(dataLength: number): number {
  return CMSG_HEADER_LENGTH + cmsgAlign(dataLength);
}
