/**
 * The frames a new MASTER sends to move its virtual addresses (pure: no node:*, no Buffer).
 *
 * - Gratuitous ARP (IPv4): an Ethernet + ARP frame, built as keepalived 2.2.7's
 *   vrrp_arp.c send_gratuitous_arp_immediate() builds it: broadcast destination, ARP
 *   *request* with sender = target = the VIP and the target hardware address set to the
 *   broadcast address ff:ff:ff:ff:ff:ff (not 00:00:… as RFC 5227 probes use).
 * - Unsolicited Neighbour Advertisement (IPv6, RFC 4861 §7.2.6): an Ethernet + IPv6 +
 *   ICMPv6 frame, built as vrrp_ndisc.c ndisc_send_unsolicited_na_immediate() builds it:
 *   destination 33:33:00:00:00:01 / ff02::1 (RFC 2464 §7 mapping), source address = the
 *   VIP itself, hop limit 255, Override flag, Router flag only when the interface
 *   forwards IPv6, and a Target Link-Layer Address option. keepalived sends it over
 *   AF_PACKET (not an ICMPv6 socket), so the source is the VIP rather than whatever the
 *   kernel would pick; we do the same and compute the checksum here.
 */
import { parseIpv4, parseIpv6, type IpAddress } from '../lib/ip.js';
import { ARPHRD_ETHER, ARPOP_REQUEST, ETH_ALEN, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, IPPROTO_ICMPV6 } from './constants.js';

export const BROADCAST_MAC: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
/** RFC 2464 §7: 33:33 + the low 32 bits of ff02::1. */
export const ALL_NODES_MAC: Uint8Array = Uint8Array.of(0x33, 0x33, 0x00, 0x00, 0x00, 0x01);
export const ALL_NODES_IPV6 = 'ff02::1';

const ETHER_HEADER_LENGTH = 14;
const ARP_LENGTH = 28;
/** 14 + 28: what keepalived hands to sendto (the NIC pads to 60 on the wire). */
export const GARP_FRAME_LENGTH = ETHER_HEADER_LENGTH + ARP_LENGTH;

const IPV6_HEADER_LENGTH = 40;
/** struct nd_neighbor_advert (24) + nd_opt_hdr (2) + MAC (6). */
export const NA_MESSAGE_LENGTH = 24 + 2 + ETH_ALEN;
export const NA_FRAME_LENGTH = ETHER_HEADER_LENGTH + IPV6_HEADER_LENGTH + NA_MESSAGE_LENGTH;
/** RFC 4861 §4.4: Neighbor Advertisement. */
export const ND_NEIGHBOR_ADVERT = 136;
/** RFC 4861 §4.6.1: Target Link-Layer Address option. */
export const ND_OPT_TARGET_LINKADDR = 2;
/** RFC 4861 §4.4 flag bits in the first octet after the checksum. */
export const ND_NA_FLAG_ROUTER = 0x80;
export const ND_NA_FLAG_SOLICITED = 0x40;
export const ND_NA_FLAG_OVERRIDE = 0x20;
/** RFC 4861 §7.1.2: a receiver drops NAs whose hop limit is not 255. */
export const NDISC_HOP_LIMIT = 255;

function mac6(mac: Uint8Array): Uint8Array {
  if (mac.length !== ETH_ALEN) throw new RangeError(`Cannot use a ${mac.length}-byte MAC address (need 6)`);
  return mac;
}

function address(text: string | IpAddress, family: 4 | 6): Uint8Array {
  const ip = typeof text !== 'string' ? text : family === 4 ? parseIpv4(text) : parseIpv6(text);
  if (ip?.family !== family) throw new RangeError(`Cannot use ${String(text)} as an IPv${family} address`);
  return ip.bytes;
}

function writeEthernetHeader(out: Uint8Array, destination: Uint8Array, source: Uint8Array, type: number): void {
  out.set(destination, 0);
  out.set(source, 6);
  out[12] = type >> 8;
  out[13] = type & 0xff;
}

/**
 * The 42-byte gratuitous ARP frame keepalived 2.2.7 sends for `ipv4` from `mac`.
 * An invalid MAC or address is a programmer error (RangeError).
 *
 * @example
 * const frame = buildGratuitousArp({ mac, ipv4: '10.0.0.100' });
 * native.sendto(fd, frame, encodeSockaddrLl({ ifindex, protocol: ETH_P_ARP, address: BROADCAST_MAC }));
 */
export function buildGratuitousArp(options: { readonly mac: Uint8Array; readonly ipv4: string | IpAddress }): Uint8Array {
  const mac = mac6(options.mac);
  const ip = address(options.ipv4, 4);
  const out = new Uint8Array(GARP_FRAME_LENGTH);
  writeEthernetHeader(out, BROADCAST_MAC, mac, ETH_P_ARP);
  const arp = out.subarray(ETHER_HEADER_LENGTH);
  const v = new DataView(arp.buffer, arp.byteOffset, arp.byteLength);
  v.setUint16(0, ARPHRD_ETHER); // ar_hrd
  v.setUint16(2, ETH_P_IP); // ar_pro
  arp[4] = ETH_ALEN; // ar_hln
  arp[5] = 4; // ar_pln
  // keepalived-compat: vrrp_arp.c uses ARPOP_REQUEST, with tha = hw_addr_bcast.
  v.setUint16(6, ARPOP_REQUEST);
  arp.set(mac, 8); // sha
  arp.set(ip, 14); // spa
  arp.set(BROADCAST_MAC, 18); // tha
  arp.set(ip, 24); // tpa
  return out;
}

/** RFC 1071 one's-complement sum of `bytes`, added to `initial` (not folded or inverted). */
function sum16(bytes: Uint8Array, initial: number): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (bytes.length % 2 === 1) sum += (bytes[bytes.length - 1] ?? 0) << 8;
  return sum;
}

/**
 * RFC 4443 §2.3 ICMPv6 checksum over the RFC 8200 §8.1 pseudo-header and `message`
 * (whose checksum field must be zero). Returns the value to store.
 */
export function icmpv6Checksum(
  message: Uint8Array,
  addresses: { readonly source: Uint8Array; readonly destination: Uint8Array },
): number {
  let sum = sum16(addresses.source, 0);
  sum = sum16(addresses.destination, sum);
  sum += message.length; // upper-layer packet length (fits 16 bits here)
  sum += IPPROTO_ICMPV6; // next header
  sum = sum16(message, sum);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface NeighbourAdvertOptions {
  readonly mac: Uint8Array;
  /** The target address: the VIP (also the IPv6 source, as keepalived sends it). */
  readonly ipv6: string | IpAddress;
  /**
   * Set the Router flag. keepalived sets it when IPv6 forwarding is on for the
   * interface (vrrp_ndisc.c set_ipv6_forwarding, re-read at most every 5 s).
   * @default false
   */
  readonly isRouter?: boolean;
}

/**
 * The 32-byte ICMPv6 unsolicited Neighbour Advertisement (RFC 4861 §4.4) with its
 * checksum for source = the target and destination ff02::1: type 136, flags Override
 * (+ Router), target, option 2 (len 1 = 8 bytes) with the MAC.
 *
 * @example
 * const na = buildUnsolicitedNaMessage({ mac, ipv6: 'fd00::100' });
 */
export function buildUnsolicitedNaMessage(options: NeighbourAdvertOptions): Uint8Array {
  const mac = mac6(options.mac);
  const target = address(options.ipv6, 6);
  const out = new Uint8Array(NA_MESSAGE_LENGTH);
  out[0] = ND_NEIGHBOR_ADVERT;
  out[1] = 0; // code
  out[4] = ND_NA_FLAG_OVERRIDE | (options.isRouter === true ? ND_NA_FLAG_ROUTER : 0);
  out.set(target, 8);
  out[24] = ND_OPT_TARGET_LINKADDR;
  out[25] = 1; // length in units of 8 octets
  out.set(mac, 26);
  const checksum = icmpv6Checksum(out, { source: target, destination: address(ALL_NODES_IPV6, 6) });
  out[2] = checksum >> 8;
  out[3] = checksum & 0xff;
  return out;
}

/**
 * The whole 86-byte Ethernet + IPv6 + NA frame keepalived 2.2.7 sends over AF_PACKET:
 * version 6, traffic class 0, flow label 0, payload length 32, next header 58,
 * hop limit 255, source = target, destination ff02::1.
 *
 * @example
 * native.sendto(fd, buildUnsolicitedNaFrame({ mac, ipv6 }), encodeSockaddrLl({ ifindex, protocol: ETH_P_IPV6 }));
 */
export function buildUnsolicitedNaFrame(options: NeighbourAdvertOptions): Uint8Array {
  const message = buildUnsolicitedNaMessage(options);
  const out = new Uint8Array(NA_FRAME_LENGTH);
  writeEthernetHeader(out, ALL_NODES_MAC, mac6(options.mac), ETH_P_IPV6);
  const ip = out.subarray(ETHER_HEADER_LENGTH);
  ip[0] = 0x60;
  ip[4] = 0;
  ip[5] = NA_MESSAGE_LENGTH;
  ip[6] = IPPROTO_ICMPV6;
  ip[7] = NDISC_HOP_LIMIT;
  ip.set(address(options.ipv6, 6), 8);
  ip.set(address(ALL_NODES_IPV6, 6), 24);
  ip.set(message, IPV6_HEADER_LENGTH);
  return out;
}

/** Parses "aa:bb:cc:dd:ee:ff" (as in /sys/class/net/IF/address); undefined when malformed. */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.trim().split(':');
  if (parts.length !== ETH_ALEN || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) return undefined;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** "aa:bb:cc:dd:ee:ff". */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}
