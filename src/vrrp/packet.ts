/**
 * The VRRP ADVERTISEMENT codec (pure). Wire formats: RFC 3768 §5.1 (v2), RFC 5798 §5.1
 * (v3). encodeAdvert() builds the VRRP message keepalived's vrrp.c vrrp_build_vrrp()
 * builds; decodeAdvert() checks what the packet alone can prove (RFC 5798 §7.1: length,
 * version, type, checksum); validateAdvert() checks it against one instance in
 * keepalived's vrrp_check_packet() order. Decoders never throw: every rejection is a
 * DropReason (drop_reasons.ts) with a human detail.
 */
import { formatIp, parseIp, type IpAddress, type IpFamily } from '../lib/ip.js';
import {
  AUTH_DATA_LENGTH,
  AUTH_TYPE_AH,
  MAX_ADDRESSES,
  MAX_ADVERT_INTERVAL_V2_S,
  MAX_ADVERT_INTERVAL_V3_CS,
  advertLength,
  messageLength,
  type Advert,
  type AuthType,
} from './advert.js';
import { VRRP_PROTOCOL_NUMBER, vrrpChecksum, type ChecksumMode } from './checksum.js';
import type { DropReason } from './drop_reasons.js';

/** RFC 5798 §5.1.1.3 / keepalived VRRP_IP_TTL: adverts are sent, and must arrive, with 255. */
export const VRRP_TTL = 255;
export const VRRP_MULTICAST_V4 = '224.0.0.18';
export const VRRP_MULTICAST_V6 = 'ff02::12';
/** RFC 5798 §5.2.2: Type 1 is the only type defined (ADVERTISEMENT). */
export const VRRP_TYPE_ADVERTISEMENT = 1;
const IPPROTO_AH = 51;
const HEADER_LENGTH = 8;

export interface CodecContext {
  /** IP source and destination: the v3 pseudo-header (and nothing else) uses them. */
  readonly source: IpAddress;
  readonly destination: IpAddress;
  /** v3 over IPv4 only; default 'pseudo_header' (keepalived's default). */
  readonly checksumMode?: ChecksumMode;
}

export interface DecodeContext extends CodecContext {
  /** The family of the socket the bytes came from; sets the address size. */
  readonly family: IpFamily;
}

export interface Rejection {
  readonly ok: false;
  readonly reason: DropReason;
  readonly detail: string;
}
export type DecodeResult = { readonly ok: true; readonly advert: Advert } | Rejection;

function reject(reason: DropReason, detail: string): Rejection {
  return { ok: false, reason, detail };
}

/**
 * The VRRP message for `advert`, checksum computed. Invalid adverts are programmer errors
 * and throw RangeError (architecture.md Habits 6): build adverts with advertFromConfig().
 *
 * @example
 * const bytes = encodeAdvert(advertFromConfig(instance, 150), {
 *   source: parseIp('10.0.0.1')!,
 *   destination: parseIp(VRRP_MULTICAST_V4)!,
 * });
 */
export function encodeAdvert(advert: Advert, ctx: CodecContext): Uint8Array {
  assertEncodable(advert);
  const out = new Uint8Array(advertLength(advert));
  out[0] = (advert.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  out[1] = advert.vrid;
  out[2] = advert.priority;
  out[3] = advert.addresses.length;
  if (advert.version === 2) {
    out[4] = advert.authType;
    out[5] = advert.advertIntervalCs / 100;
  } else {
    // RFC 5798 §5.2.6: the 4 reserved bits are sent as zero.
    out[4] = (advert.advertIntervalCs >> 8) & 0x0f;
    out[5] = advert.advertIntervalCs & 0xff;
  }
  let offset = HEADER_LENGTH;
  for (const text of advert.addresses) {
    const ip = parseIp(text);
    if (ip?.family !== advert.family) throw new RangeError(`bad address ${text}`);
    out.set(ip.bytes, offset);
    offset += ip.bytes.length;
  }
  if (advert.version === 2) out.set(advert.authData, offset);
  const checksum = vrrpChecksum(out, { ...ctx, version: advert.version });
  out[6] = checksum >> 8;
  out[7] = checksum & 0xff;
  return out;
}

function assertEncodable(a: Advert): void {
  const byte = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 255;
  if (!byte(a.vrid) || !byte(a.priority)) throw new RangeError('vrid/priority must be 0..255');
  if (a.addresses.length > MAX_ADDRESSES) throw new RangeError('more than 255 addresses');
  if (a.version === 2) {
    if (a.family !== 4) throw new RangeError('VRRPv2 is IPv4 only (RFC 3768)');
    if (a.authData.length !== AUTH_DATA_LENGTH) throw new RangeError('v2 auth data is 8 bytes');
    const s = a.advertIntervalCs / 100;
    if (!Number.isInteger(s) || s < 0 || s > MAX_ADVERT_INTERVAL_V2_S) {
      throw new RangeError('v2 interval must be whole seconds 0..255');
    }
    return;
  }
  if (a.authType !== 0 || a.authData.length !== 0) throw new RangeError('v3 has no authentication');
  const cs = a.advertIntervalCs;
  if (!Number.isInteger(cs) || cs < 0 || cs > MAX_ADVERT_INTERVAL_V3_CS) {
    throw new RangeError('v3 interval must be 0..4095 centiseconds');
  }
}

/**
 * Decodes a VRRP message (the IP payload). Checks only what the packet itself can prove;
 * validateAdvert() does the per-instance checks. Total: never throws, on any input.
 */
export function decodeAdvert(bytes: Uint8Array, ctx: DecodeContext): DecodeResult {
  if (bytes.length < HEADER_LENGTH) return reject('too_short', `${bytes.length} bytes, need 8`);
  const header = checkHeader(bytes, ctx.family);
  if (!header.ok) return header;
  const { version, naddr } = header;
  const expected = messageLength(version, ctx.family, naddr);
  if (bytes.length !== expected) {
    const detail = `length ${bytes.length}, expected ${expected} for ${naddr} addresses`;
    return reject('bad_length', detail);
  }
  // RFC 5798 §7.1: MUST verify the checksum. For IPv6 the kernel already has
  // (IPV6_CHECKSUM, keepalived relies on that); checking again costs little.
  const sum = vrrpChecksum(bytes, { ...ctx, version });
  if (sum !== 0) return reject('bad_checksum', `checksum 0x${hex16(bytes)} does not verify`);
  return { ok: true, advert: readAdvert(bytes, version, naddr, ctx.family) };
}

type HeaderCheck =
  | { readonly ok: true; readonly version: 2 | 3; readonly naddr: number }
  | Rejection;

function checkHeader(bytes: Uint8Array, family: IpFamily): HeaderCheck {
  const first = bytes[0] ?? 0;
  const version = first >> 4;
  if (version !== 2 && version !== 3) return reject('bad_version', `version ${version}`);
  if (version === 2 && family === 6) return reject('bad_version', 'VRRPv2 over IPv6');
  const type = first & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return reject('bad_type', `type ${type}, expected 1`);
  const authType = bytes[4] ?? 0;
  if (version === 2 && authType > AUTH_TYPE_AH) {
    return reject('invalid_auth_type', `auth type ${authType}`);
  }
  return { ok: true, version, naddr: bytes[3] ?? 0 };
}

function readAdvert(bytes: Uint8Array, version: 2 | 3, naddr: number, family: IpFamily): Advert {
  const size = family === 4 ? 4 : 16;
  const addresses: string[] = [];
  for (let i = 0; i < naddr; i++) {
    const start = HEADER_LENGTH + i * size;
    addresses.push(formatIp({ family, bytes: bytes.subarray(start, start + size) }));
  }
  const authStart = HEADER_LENGTH + naddr * size;
  const authEnd = authStart + AUTH_DATA_LENGTH;
  const b4 = bytes[4] ?? 0;
  const b5 = bytes[5] ?? 0;
  return {
    version,
    vrid: bytes[1] ?? 0,
    priority: bytes[2] ?? 0,
    family,
    addresses,
    authType: version === 2 ? (b4 as AuthType) : 0,
    authData: version === 2 ? bytes.slice(authStart, authEnd) : new Uint8Array(0),
    // keepalived-compat: V3_PKT_ADVER_INT_NTOH masks the reserved bits off.
    advertIntervalCs: version === 2 ? b5 * 100 : ((b4 & 0x0f) << 8) | b5,
    checksum: ((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0),
  };
}

function hex16(bytes: Uint8Array): string {
  return (((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0)).toString(16).padStart(4, '0');
}

/**
 * PASS authentication compare in constant time for equal lengths (keepalived
 * memcmp_constant_time): the time does not depend on where the bytes differ.
 */
export function authMatches(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export interface Ipv4Header {
  readonly ttl: number;
  readonly protocol: number;
  readonly source: IpAddress;
  readonly destination: IpAddress;
  /** Bytes, from IHL. */
  readonly headerLength: number;
  readonly totalLength: number;
}

export type Ipv4HeaderResult =
  | { readonly ok: true; readonly header: Ipv4Header; readonly payload: Uint8Array }
  | Rejection;

/**
 * The IPv4 header an IPv4 raw socket delivers in front of the VRRP message (IPv6 raw
 * sockets deliver no header: the hop limit comes from IPV6_HOPLIMIT ancillary data).
 * Protocol 112 and 51 (AH) pass; the caller decides what AH means. Total.
 */
export function decodeIpv4Header(bytes: Uint8Array): Ipv4HeaderResult {
  if (bytes.length < 20) return reject('bad_ip_header', `${bytes.length} bytes, need 20`);
  const first = bytes[0] ?? 0;
  const headerLength = (first & 0x0f) * 4;
  if (first >> 4 !== 4) return reject('bad_ip_header', `IP version ${first >> 4}`);
  if (headerLength < 20 || headerLength > bytes.length) {
    return reject('bad_ip_header', `IHL ${headerLength} bytes with ${bytes.length} received`);
  }
  const totalLength = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  // keepalived-compat: vrrp.c vrrp_check_packet "ip_tot_len mismatch against received length".
  if (totalLength !== bytes.length) {
    return reject('bad_ip_total_length', `total length ${totalLength}, received ${bytes.length}`);
  }
  const protocol = bytes[9] ?? 0;
  if (protocol !== VRRP_PROTOCOL_NUMBER && protocol !== IPPROTO_AH) {
    return reject('bad_ip_protocol', `protocol ${protocol}`);
  }
  const header: Ipv4Header = {
    ttl: bytes[8] ?? 0,
    protocol,
    source: { family: 4, bytes: bytes.slice(12, 16) },
    destination: { family: 4, bytes: bytes.slice(16, 20) },
    headerLength,
    totalLength,
  };
  return { ok: true, header, payload: bytes.subarray(headerLength) };
}

/** What one instance expects of adverts for its VRID (built from its config). */
export interface AdvertExpectation {
  readonly version: 2 | 3;
  readonly vrid: number;
  /** v2: the instance's auth type and 8 auth bytes (see advertFromConfig). */
  readonly authType: AuthType;
  readonly authData: Uint8Array;
  readonly advertIntervalCs: number;
  /** The instance's VIPs, canonical text. */
  readonly addresses: readonly string[];
  readonly isUnicast: boolean;
  /** With check_unicast_src: the peers allowed to send, with their TTL range. */
  readonly unicastPeers?: readonly UnicastPeerExpectation[];
  /**
   * skip_check_adv_addr and the advert comes from the master we already follow: the VIP
   * list is not checked (keepalived vrrp_state_backup's check_addr). Default false.
   */
  readonly skipAddressCheck?: boolean;
}

export interface UnicastPeerExpectation {
  readonly address: string;
  readonly minTtl: number;
  readonly maxTtl: number;
}

/** Facts about the received datagram that are not in the VRRP message. */
export interface ReceiveFacts {
  /** IPv4 TTL or IPv6 hop limit; undefined when unknown (keepalived rx_ttl_hop_limit -1). */
  readonly ttl: number | undefined;
  /** Source address, canonical text. */
  readonly source: string;
  readonly isMulticastDestination: boolean;
  /** IPv4 protocol was 51 (an IPsec AH header precedes the VRRP message). Default false. */
  readonly hasAhHeader?: boolean;
}

export type ValidationResult =
  | { readonly ok: true; readonly flagged: readonly DropReason[] }
  | Rejection;

/**
 * Checks a decoded advert against one instance, in vrrp.c vrrp_check_packet order. `flagged` lists count-only reasons: keepalived logs and counts them
 * but still processes the advert. keepalived-compat: decodeAdvert() has already run the
 * context-free checks (length, type, auth type, checksum), so a packet that is bad in two
 * ways may be reported under a different reason than keepalived's (e.g. bad_type before
 * bad_ttl); the drop itself is the same.
 */
export function validateAdvert(
  advert: Advert,
  expected: AdvertExpectation,
  rx: ReceiveFacts,
): ValidationResult {
  const fatal = checkIdentity(advert, expected, rx) ?? checkAuth(advert, expected, rx);
  if (fatal !== undefined) return fatal;
  const flagged: DropReason[] = [];
  if (advert.version === 2 && advert.advertIntervalCs !== expected.advertIntervalCs) {
    // keepalived-compat: "to prevent concurrent VRID running => multiple master in 1 VRID".
    return reject('advert_interval_mismatch_v2', intervalDetail(advert, expected));
  }
  if (advert.advertIntervalCs !== expected.advertIntervalCs) {
    flagged.push('advert_interval_mismatch_v3');
  }
  if (rx.isMulticastDestination === expected.isUnicast) {
    const wanted = expected.isUnicast ? 'unicast' : 'multicast';
    return reject('unicast_multicast_mismatch', `expected ${wanted}`);
  }
  if (expected.skipAddressCheck !== true) {
    const addressProblem = checkAddresses(advert, expected);
    if (addressProblem !== undefined) {
      return reject(addressProblem, `VIPs [${advert.addresses.join(' ')}] vs ours [${expected.addresses.join(' ')}]`);
    }
  }
  const peer = checkUnicastPeer(expected, rx);
  return peer ?? { ok: true, flagged };
}

type Check = Rejection | undefined;

function checkIdentity(advert: Advert, expected: AdvertExpectation, rx: ReceiveFacts): Check {
  if (advert.vrid !== expected.vrid) return reject('unknown_vrid', `VRID ${advert.vrid}`);
  // RFC 5798 §7.1: MUST verify TTL 255; keepalived skips it in unicast mode.
  if (!expected.isUnicast && rx.ttl !== undefined && rx.ttl !== VRRP_TTL) {
    return reject('bad_ttl', `TTL ${rx.ttl}, expected 255`);
  }
  if (advert.version !== expected.version) {
    return reject('bad_version', `version ${advert.version}, expected ${expected.version}`);
  }
  return undefined;
}

function checkAuth(advert: Advert, expected: AdvertExpectation, rx: ReceiveFacts): Check {
  // keepalived-compat: vrrp_check_packet checks the AH header against the configured
  // auth type before anything else, for IPv4 whatever the version.
  if ((rx.hasAhHeader ?? false) !== (expected.authType === AUTH_TYPE_AH)) {
    const detail = rx.hasAhHeader === true ? 'unexpected AH header' : 'no AH header';
    return reject('ah_header_mismatch', detail);
  }
  if (advert.version !== 2) return undefined;
  if (advert.authType !== expected.authType) {
    const detail = `auth type ${advert.authType}, expected ${expected.authType}`;
    return reject('auth_type_mismatch', detail);
  }
  if (advert.authType === AUTH_TYPE_AH) return reject('ah_unsupported', 'IPsec AH not implemented');
  if (advert.authType === 1 && !authMatches(advert.authData, expected.authData)) {
    return reject('auth_failure', 'invalid password');
  }
  return undefined;
}

function intervalDetail(advert: Advert, expected: AdvertExpectation): string {
  return `advert interval ${advert.advertIntervalCs} cs, ours ${expected.advertIntervalCs} cs`;
}

function checkAddresses(advert: Advert, expected: AdvertExpectation): DropReason | undefined {
  if (advert.addresses.length !== expected.addresses.length) return 'address_count_mismatch';
  const seen = new Set(advert.addresses);
  return expected.addresses.every((a) => seen.has(a)) ? undefined : 'address_list_mismatch';
}

function checkUnicastPeer(expected: AdvertExpectation, rx: ReceiveFacts): Check {
  if (!expected.isUnicast || expected.unicastPeers === undefined) return undefined;
  const peer = expected.unicastPeers.find((p) => p.address === rx.source);
  if (peer === undefined) return reject('unicast_source_not_peer', `${rx.source} is not a peer`);
  if (rx.ttl !== undefined && (rx.ttl < peer.minTtl || rx.ttl > peer.maxTtl)) {
    return reject('unicast_peer_ttl', `TTL ${rx.ttl} not in ${peer.minTtl}..${peer.maxTtl}`);
  }
  return undefined;
}
