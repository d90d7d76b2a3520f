/**
 * The VRRP ADVERTISEMENT as a plain value (RFC 3768 §5.1 for v2, RFC 5798 §5.1 for v3).
 * Produced by decodeAdvert() and consumed by encodeAdvert() (packet.ts).
 */
import type { IpFamily } from '../lib/ip.js';

export type AdvertVersion = 2 | 3;

/** RFC 3768 §5.3.6: 0 no authentication, 1 simple text password, 2 IP AH (RFC 2338). */
export type AuthType = 0 | 1 | 2;

export const AUTH_TYPE_NONE = 0;
export const AUTH_TYPE_PASS = 1;
export const AUTH_TYPE_AH = 2;

/** RFC 3768 §5.3.10: 8 octets of authentication data follow the v2 addresses. */
export const AUTH_DATA_LENGTH = 8;
/** naddr is one octet (RFC 5798 §5.2.5; keepalived VRRP_MAX_ADDR). */
export const MAX_ADDRESSES = 255;
/** v3 Max Adver Int is 12 bits of centiseconds (RFC 5798 §5.2.7). */
export const MAX_ADVERT_INTERVAL_V3_CS = 0x0fff;
/** v2 Adver Int is one octet of seconds (RFC 3768 §5.3.7). */
export const MAX_ADVERT_INTERVAL_V2_S = 255;

export interface Advert {
  readonly version: AdvertVersion;
  /** Virtual Router ID; 1..255 by RFC, but any octet decodes (unknown_vrid is the caller's). */
  readonly vrid: number;
  /** 0 (master stopping), 1..254, 255 (address owner). */
  readonly priority: number;
  /** Address family of the carried addresses (the IP packet's family). */
  readonly family: IpFamily;
  /** The IPvX addresses, canonical text (lib/ip.ts formatIp), in packet order. */
  readonly addresses: readonly string[];
  /** v2 auth type; always 0 for v3 (the field is reserved/absent). */
  readonly authType: AuthType;
  /** v2 over IPv4: exactly 8 bytes (PASS: password, zero-padded); v3: empty. */
  readonly authData: Uint8Array;
  /**
   * The advertisement interval in centiseconds: v2 carries whole seconds (so a multiple
   * of 100, at most 25500), v3 carries 12 bits of centiseconds (at most 4095).
   */
  readonly advertIntervalCs: number;
  /** The checksum field as received; encodeAdvert() ignores it and computes its own. */
  readonly checksum: number;
}

/** The VRRP message length for an advert: header, addresses, v2 auth data. */
export function advertLength(advert: Pick<Advert, 'version' | 'family' | 'addresses'>): number {
  return messageLength(advert.version, advert.family, advert.addresses.length);
}

/**
 * keepalived-compat: vrrp.c expected_vrrp_pkt_len: 8 + naddr × address size, plus the 8
 * auth bytes for v2 over IPv4.
 */
export function messageLength(version: AdvertVersion, family: IpFamily, naddr: number): number {
  const addressBytes = naddr * (family === 4 ? 4 : 16);
  return 8 + addressBytes + (version === 2 && family === 4 ? AUTH_DATA_LENGTH : 0);
}
