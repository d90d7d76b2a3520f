/**
 * The Internet checksum (RFC 1071) and the pseudo-headers VRRP covers (pure).
 *
 * - VRRPv2 (RFC 3768 §5.3.8): the VRRP message only (header, addresses, auth data).
 * - VRRPv3 over IPv4 (RFC 5798 §5.2.8): the IPv4 pseudo-header is prepended. keepalived
 *   does this by default; `v3_checksum_as_v2` (keepalived ≥ 2.2.8) omits it, for routers
 *   that checksum v3 like v2.
 * - VRRPv3 over IPv6 (RFC 5798 §5.2.8, RFC 8200 §8.1): the IPv6 pseudo-header. keepalived
 *   leaves the field 0 and lets the kernel fill it (IPV6_CHECKSUM), so the bytes on the
 *   wire are the kernel's; we compute the same sum.
 */
import type { IpAddress } from '../lib/ip.js';

/** IANA protocol number for VRRP (RFC 5798 §5.1.1.4). */
export const VRRP_PROTOCOL_NUMBER = 112;

/** How a VRRPv3/IPv4 checksum is formed; meaningless for v2 and for IPv6. */
export type ChecksumMode = 'pseudo_header' | 'v3_checksum_as_v2';

/**
 * Adds `bytes` as big-endian 16-bit words to a running 32-bit-safe sum (odd tail byte
 * padded with zero, RFC 1071 §4.1). Carries are folded at the end by finishChecksum().
 */
export function sumWords(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (even !== bytes.length) sum += (bytes[even] ?? 0) << 8;
  // Fold now and then so the sum stays a small integer whatever the input length.
  return sum > 0x7fff_ffff ? foldCarries(sum) : sum;
}

function foldCarries(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** One's complement of the folded sum: the value to store in the checksum field. */
export function finishChecksum(sum: number): number {
  return ~foldCarries(sum) & 0xffff;
}

/** RFC 1071 checksum of `bytes`; 0 when run over data that includes a correct checksum. */
export function internetChecksum(bytes: Uint8Array): number {
  return finishChecksum(sumWords(bytes));
}

/** Sum of the IPv4 pseudo-header: src, dst, zero, protocol 112, VRRP length (RFC 768 form). */
export function ipv4PseudoHeaderSum(
  source: IpAddress,
  destination: IpAddress,
  length: number,
): number {
  let sum = sumWords(source.bytes) + sumWords(destination.bytes);
  sum += VRRP_PROTOCOL_NUMBER + length;
  return sum;
}

/**
 * Sum of the IPv6 pseudo-header (RFC 8200 §8.1): src, dst, 32-bit upper-layer length,
 * 24 zero bits, next header 112.
 */
export function ipv6PseudoHeaderSum(
  source: IpAddress,
  destination: IpAddress,
  length: number,
): number {
  let sum = sumWords(source.bytes) + sumWords(destination.bytes);
  sum += Math.floor(length / 0x10000) + (length & 0xffff) + VRRP_PROTOCOL_NUMBER;
  return sum;
}

export interface VrrpChecksumInput {
  readonly version: 2 | 3;
  readonly source: IpAddress;
  readonly destination: IpAddress;
  readonly checksumMode?: ChecksumMode;
}

/**
 * The checksum over a whole VRRP message (its checksum field zero when computing, or as
 * received when verifying: then a correct packet gives 0).
 */
export function vrrpChecksum(message: Uint8Array, input: VrrpChecksumInput): number {
  return finishChecksum(sumWords(message, pseudoHeaderSum(message.length, input)));
}

function pseudoHeaderSum(length: number, input: VrrpChecksumInput): number {
  if (input.version === 2) return 0;
  const { source, destination } = input;
  if (source.family === 6) return ipv6PseudoHeaderSum(source, destination, length);
  // keepalived-compat: vrrp.c vrrp_build_vrrp_v3 adds the pseudo-header unless the
  // instance sets v3_checksum_as_v2 (VRRP_FLAG_V3_CHECKSUM_AS_V2, keepalived HEAD).
  if ((input.checksumMode ?? 'pseudo_header') === 'v3_checksum_as_v2') return 0;
  return ipv4PseudoHeaderSum(source, destination, length);
}
