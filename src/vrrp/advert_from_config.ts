/**
 * The advert an instance sends, derived from its resolved config (pure). With the same
 * config, encodeAdvert(advertFromConfig(...)) yields the bytes keepalived 2.2.7 sends
 * (test/interop/vrrp_fixtures.test.ts proves it on captured packets).
 */
import type { VrrpInstance } from '../config/model/vrrp.js';
import {
  AUTH_DATA_LENGTH,
  AUTH_TYPE_AH,
  AUTH_TYPE_NONE,
  AUTH_TYPE_PASS,
  MAX_ADDRESSES,
  type Advert,
  type AuthType,
} from './advert.js';
import type { AdvertExpectation } from './packet.js';

/**
 * The 8 auth bytes: keepalived-compat: vrrp_parser.c vrrp_auth_pass_handler copies the
 * first 8 bytes of auth_pass and zero-pads; vrrp.c vrrp_build_vrrp_v2 sends them for PASS
 * only (AH leaves the field zero; the key goes into the AH ICV instead).
 */
export function authDataFromPassword(password: string): Uint8Array {
  const out = new Uint8Array(AUTH_DATA_LENGTH);
  out.set(new TextEncoder().encode(password).subarray(0, AUTH_DATA_LENGTH));
  return out;
}

function authOf(instance: VrrpInstance): { authType: AuthType; authData: Uint8Array } {
  // RFC 5798 §5.2: v3 has no authentication; keepalived ignores the block for v3.
  if (instance.version === 3) return { authType: AUTH_TYPE_NONE, authData: new Uint8Array(0) };
  const auth = instance.authentication;
  if (auth === undefined) return { authType: AUTH_TYPE_NONE, authData: new Uint8Array(8) };
  if (auth.type === 'AH') return { authType: AUTH_TYPE_AH, authData: new Uint8Array(8) };
  return { authType: AUTH_TYPE_PASS, authData: authDataFromPassword(auth.password) };
}

function advertisedAddresses(instance: VrrpInstance): string[] {
  // keepalived-compat: only VIPs of the instance family are advertised, at most 255
  // (the config front end already moved the excess to eVIPs; this is the belt).
  return instance.virtualIpAddresses
    .filter((v) => v.family === instance.family)
    .slice(0, MAX_ADDRESSES)
    .map((v) => v.address);
}

/**
 * The advert `instance` sends at `effectivePriority` (0 when stopping, 255 as owner).
 *
 * @example encodeAdvert(advertFromConfig(vi, 150), { source, destination })
 */
export function advertFromConfig(instance: VrrpInstance, effectivePriority: number): Advert {
  return {
    version: instance.version,
    vrid: instance.vrid,
    priority: effectivePriority,
    family: instance.family,
    addresses: advertisedAddresses(instance),
    ...authOf(instance),
    advertIntervalCs: instance.advertIntervalCs,
    checksum: 0,
  };
}

/** What the instance expects of received adverts (validateAdvert in packet.ts). */
export function advertExpectationFromConfig(instance: VrrpInstance): AdvertExpectation {
  const peers = instance.unicastPeers.map((p) => ({
    address: p.address,
    minTtl: p.minTtl,
    maxTtl: p.maxTtl,
  }));
  return {
    version: instance.version,
    vrid: instance.vrid,
    ...authOf(instance),
    advertIntervalCs: instance.advertIntervalCs,
    addresses: advertisedAddresses(instance),
    isUnicast: instance.isUnicast,
    ...(instance.checkUnicastSource ? { unicastPeers: peers } : {}),
  };
}
