/**
 * The VRRP codec against hand-computed packets (checksums worked out independently of
 * src/, RFC 1071 one's-complement sums), and one test per drop reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, type IpAddress } from '../../../src/lib/ip.js';
import type { Advert } from '../../../src/vrrp/advert.js';
import { internetChecksum } from '../../../src/vrrp/checksum.js';
import {
  DROP_REASONS,
  DROP_REASON_NAMES,
  isCountOnly,
  isDropReason,
  type DropReason,
} from '../../../src/vrrp/drop_reasons.js';
import {
  authMatches,
  decodeAdvert,
  decodeIpv4Header,
  encodeAdvert,
  validateAdvert,
  type AdvertExpectation,
  type DecodeContext,
  type ReceiveFacts,
} from '../../../src/vrrp/packet.js';
import {
  advertExpectationFromConfig,
  advertFromConfig,
  authDataFromPassword,
} from '../../../src/vrrp/advert_from_config.js';
import { parseConfig } from '../../../src/config/parse.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../../fakes/fake_host_facts.js';

function ipOf(text: string): IpAddress {
  const ip = parseIp(text);
  assert.ok(ip, text);
  return ip;
}

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const V4: DecodeContext = { family: 4, source: ipOf('10.0.0.1'), destination: ipOf('224.0.0.18') };
const V6: DecodeContext = { family: 6, source: ipOf('fe80::1'), destination: ipOf('ff02::12') };
const AS_V2: DecodeContext = { ...V4, checksumMode: 'v3_checksum_as_v2' };

const ascii8 = (s: string): Uint8Array => {
  const out = new Uint8Array(8);
  out.set(new TextEncoder().encode(s));
  return out;
};

interface Vector {
  readonly name: string;
  readonly ctx: DecodeContext;
  readonly advert: Advert;
  readonly hex: string;
}

const VECTORS: readonly Vector[] = [
  {
    name: 'v2 PASS "pass", 1 address, 1 s (RFC 3768 §5.1)',
    ctx: V4,
    advert: {
      version: 2, vrid: 1, priority: 100, family: 4, addresses: ['10.0.0.100'],
      authType: 1, authData: ascii8('pass'), advertIntervalCs: 100, checksum: 0x8bc3,
    },
    // 21 01 64 01 | 01 01 8bc3 | 0a000064 | "pass" 00000000
    hex: '2101640101018bc30a0000647061737300000000',
  },
  {
    name: 'v2 no auth, 2 addresses, 3 s',
    ctx: V4,
    advert: {
      version: 2, vrid: 10, priority: 150, family: 4, addresses: ['10.0.0.1', '10.0.0.2'],
      authType: 0, authData: new Uint8Array(8), advertIntervalCs: 300, checksum: 0x34ed,
    },
    hex: '210a9602000334ed0a0000010a0000020000000000000000',
  },
  {
    name: 'v3 IPv4 with the pseudo-header (keepalived default, RFC 5798 §5.2.8)',
    ctx: V4,
    advert: {
      version: 3, vrid: 20, priority: 200, family: 4, addresses: ['10.0.0.50'],
      authType: 0, authData: new Uint8Array(0), advertIntervalCs: 100, checksum: 0x11c4,
    },
    hex: '3114c801006411c40a000032',
  },
  {
    name: 'v3 IPv4 with the v2-style checksum (v3_checksum_as_v2)',
    ctx: AS_V2,
    advert: {
      version: 3, vrid: 20, priority: 200, family: 4, addresses: ['10.0.0.50'],
      authType: 0, authData: new Uint8Array(0), advertIntervalCs: 100, checksum: 0xfc53,
    },
    hex: '3114c8010064fc530a000032',
  },
  {
    name: 'v3 IPv6 with the IPv6 pseudo-header (RFC 8200 §8.1)',
    ctx: V6,
    advert: {
      version: 3, vrid: 30, priority: 255, family: 6, addresses: ['2001:db8::1'],
      authType: 0, authData: new Uint8Array(0), advertIntervalCs: 150, checksum: 0xa370,
    },
    hex: '311eff010096a37020010db8000000000000000000000001',
  },
];

for (const v of VECTORS) {
  test(`encodeAdvert() builds the known packet: ${v.name}`, () => {
    assert.equal(toHex(encodeAdvert(v.advert, v.ctx)), v.hex);
  });
  test(`decodeAdvert() reads the known packet: ${v.name}`, () => {
    const r = decodeAdvert(fromHex(v.hex), v.ctx);
    assert.ok(r.ok, r.ok ? '' : r.detail);
    assert.deepEqual(r.advert, v.advert);
  });
}

test('internetChecksum() matches the RFC 1071 §3 worked example', () => {
  // Sum of 0001 f203 f4f5 f6f7 is 0xddf2 after folding; the checksum is its complement.
  assert.equal(internetChecksum(fromHex('0001f203f4f5f6f7')), 0x220d);
  assert.equal(internetChecksum(fromHex('0001f203f4f5f6f7220d')), 0);
  assert.equal(internetChecksum(fromHex('01')), 0xfeff, 'odd length pads with zero');
});

test('the v3 checksum modes are not interchangeable', () => {
  const pseudo = VECTORS[2];
  assert.ok(pseudo);
  const r = decodeAdvert(fromHex(pseudo.hex), AS_V2);
  assert.equal(r.ok ? 'ok' : r.reason, 'bad_checksum');
});

test('v3 reserved bits are ignored on receive and sent as zero (RFC 5798 §5.2.6)', () => {
  const bytes = fromHex('3114c801f064' + '11c4' + '0a000032');
  // Setting the reserved nibble adds 0xf000 to the sum, so the one's-complement checksum
  // drops by 0xf000 (mod 0xffff): 0x11c4 → 0x21c3.
  const sum = (0x11c4 + 0xffff - 0xf000) % 0xffff;
  bytes[6] = sum >> 8;
  bytes[7] = sum & 0xff;
  const r = decodeAdvert(bytes, V4);
  assert.ok(r.ok, r.ok ? '' : r.detail);
  assert.equal(r.advert.advertIntervalCs, 100);
  assert.equal(toHex(encodeAdvert(r.advert, V4)), VECTORS[2]?.hex);
});

test('255 addresses round trip; encodeAdvert() refuses 256 (naddr is one octet)', () => {
  const addresses = Array.from({ length: 255 }, (_, i) => `10.1.${i >> 4}.${i}`);
  const advert: Advert = { ...VECTORS[2]!.advert, addresses };
  const r = decodeAdvert(encodeAdvert(advert, V4), V4);
  assert.ok(r.ok);
  assert.deepEqual(r.advert.addresses, addresses);
  assert.throws(() => encodeAdvert({ ...advert, addresses: [...addresses, '10.9.9.9'] }, V4), RangeError);
});

test('encodeAdvert() rejects adverts no peer could decode (programmer errors)', () => {
  const v2 = VECTORS[0]!.advert;
  const v3 = VECTORS[2]!.advert;
  assert.throws(() => encodeAdvert({ ...v2, advertIntervalCs: 150 }, V4), RangeError);
  assert.throws(() => encodeAdvert({ ...v2, authData: new Uint8Array(3) }, V4), RangeError);
  assert.throws(() => encodeAdvert({ ...v2, family: 6, addresses: [] }, V6), RangeError);
  assert.throws(() => encodeAdvert({ ...v3, advertIntervalCs: 4096 }, V4), RangeError);
  assert.throws(() => encodeAdvert({ ...v3, addresses: ['fe80::1'] }, V4), RangeError);
  assert.throws(() => encodeAdvert({ ...v3, vrid: 256 }, V4), RangeError);
});

test('authMatches() compares whole buffers, length included', () => {
  assert.equal(authMatches(ascii8('secret12'), ascii8('secret12')), true);
  assert.equal(authMatches(ascii8('secret12'), ascii8('secret13')), false);
  assert.equal(authMatches(ascii8('a'), new Uint8Array([0x61])), false);
  assert.equal(authMatches(new Uint8Array(0), new Uint8Array(0)), true);
});

test('authDataFromPassword() keeps the first 8 bytes and zero-pads (vrrp_auth_pass_handler)', () => {
  assert.equal(toHex(authDataFromPassword('secret123')), toHex(ascii8('secret12')));
  assert.equal(toHex(authDataFromPassword('ab')), '6162000000000000');
});

// ---------------------------------------------------------------------------------------
// Decode and validation reasons: one producer per reason; the last test proves the list
// of producers covers DROP_REASONS exactly, so a new reason cannot ship untested.

function ipv4Datagram(payload: Uint8Array, edit: (b: Uint8Array) => void = () => {}): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  b.set([0x45, 0xc0, 0, b.length, 0, 0, 0, 0, 255, 112, 0, 0, 10, 0, 0, 1, 224, 0, 0, 18]);
  b.set(payload, 20);
  edit(b);
  return b;
}

const V2_PASS = VECTORS[0]!;
const V3_V4 = VECTORS[2]!;
const EXPECT_V2: AdvertExpectation = {
  version: 2, vrid: 1, authType: 1, authData: ascii8('pass'), advertIntervalCs: 100,
  addresses: ['10.0.0.100'], isUnicast: false,
};
const EXPECT_V3: AdvertExpectation = {
  version: 3, vrid: 20, authType: 0, authData: new Uint8Array(0), advertIntervalCs: 100,
  addresses: ['10.0.0.50'], isUnicast: false,
};
const RX: ReceiveFacts = { ttl: 255, source: '10.0.0.1', isMulticastDestination: true };

/** Re-checksums after editing a v2 packet (v2 sums the message only). */
function v2With(edit: (b: Uint8Array) => void): Uint8Array {
  const b = fromHex(V2_PASS.hex);
  edit(b);
  b[6] = 0;
  b[7] = 0;
  const c = internetChecksum(b);
  b[6] = c >> 8;
  b[7] = c & 0xff;
  return b;
}

function decodeReason(bytes: Uint8Array, ctx: DecodeContext = V4): string {
  const r = decodeAdvert(bytes, ctx);
  return r.ok ? 'ok' : r.reason;
}

function validateReason(
  a: Partial<Advert>,
  e: Partial<AdvertExpectation>,
  rx: Partial<ReceiveFacts> = {},
): string {
  const base = a.version === 3 ? V3_V4.advert : V2_PASS.advert;
  const exp = a.version === 3 ? EXPECT_V3 : EXPECT_V2;
  const r = validateAdvert({ ...base, ...a }, { ...exp, ...e }, { ...RX, ...rx });
  return r.ok ? `ok:${r.flagged.join(',')}` : r.reason;
}

function headerReason(bytes: Uint8Array): string {
  const r = decodeIpv4Header(bytes);
  return r.ok ? 'ok' : r.reason;
}

const PEERS = [{ address: '10.0.0.2', minTtl: 0, maxTtl: 255 }];

const PRODUCERS: Readonly<Record<DropReason, () => string>> = {
  bad_ip_header: () => headerReason(ipv4Datagram(fromHex(V2_PASS.hex), (b) => (b[0] = 0x44))),
  bad_ip_total_length: () => headerReason(ipv4Datagram(fromHex(V2_PASS.hex), (b) => (b[3] = 99))),
  bad_ip_protocol: () => headerReason(ipv4Datagram(fromHex(V2_PASS.hex), (b) => (b[9] = 17))),
  ah_header_mismatch: () => validateReason({}, {}, { hasAhHeader: true }),
  too_short: () => decodeReason(fromHex('21016401010100')),
  bad_length: () => decodeReason(fromHex(V2_PASS.hex).subarray(0, 16)),
  bad_ttl: () => validateReason({}, {}, { ttl: 64 }),
  bad_version: () => decodeReason(v2With((b) => (b[0] = 0x41))),
  invalid_auth_type: () => decodeReason(v2With((b) => (b[4] = 3))),
  auth_type_mismatch: () => validateReason({ authType: 0 }, {}),
  auth_failure: () => validateReason({ authData: ascii8('wrong') }, {}),
  ah_unsupported: () => validateReason({ authType: 2 }, { authType: 2 }, { hasAhHeader: true }),
  advert_interval_mismatch_v2: () => validateReason({ advertIntervalCs: 200 }, {}),
  advert_interval_mismatch_v3: () => validateReason({ version: 3, advertIntervalCs: 50 }, {}),
  bad_type: () => decodeReason(v2With((b) => (b[0] = 0x22))),
  bad_checksum: () => decodeReason(fromHex(V2_PASS.hex).map((x, i) => (i === 2 ? 99 : x))),
  unicast_multicast_mismatch: () => validateReason({}, { isUnicast: true }),
  unknown_vrid: () => validateReason({ vrid: 2 }, {}),
  address_count_mismatch: () => validateReason({ addresses: ['10.0.0.100', '10.0.0.101'] }, {}),
  address_list_mismatch: () => validateReason({ addresses: ['10.0.0.99'] }, {}),
  unicast_source_not_peer: () =>
    validateReason({}, { isUnicast: true, unicastPeers: PEERS }, { isMulticastDestination: false }),
  unicast_peer_ttl: () =>
    validateReason(
      {},
      { isUnicast: true, unicastPeers: [{ address: '10.0.0.1', minTtl: 250, maxTtl: 255 }] },
      { isMulticastDestination: false, ttl: 64 },
    ),
};

for (const reason of DROP_REASON_NAMES) {
  const info = DROP_REASONS[reason];
  test(`reason ${reason}: ${info.action}, counter ${info.counter ?? '(log only)'}`, () => {
    const produce = PRODUCERS[reason];
    const got = produce();
    if (isCountOnly(reason)) assert.equal(got, `ok:${reason}`, 'count-only reasons still accept');
    else assert.equal(got, reason);
  });
}

test('every drop reason has a producer above, and nothing else is a reason', () => {
  assert.deepEqual(Object.keys(PRODUCERS).sort(), [...DROP_REASON_NAMES].sort());
  assert.equal(isDropReason('bad_ttl'), true);
  assert.equal(isDropReason('toString'), false);
});

test('bad_version also covers VRRPv2 over IPv6 and version 1', () => {
  assert.equal(decodeReason(fromHex('2101640100010000'), V6), 'bad_version');
  assert.equal(decodeReason(v2With((b) => (b[0] = 0x11))), 'bad_version');
  assert.equal(validateReason({ version: 3 }, { version: 2 }), 'bad_version');
});

test('validateAdvert() accepts a matching advert with nothing flagged; TTL is not checked in unicast', () => {
  assert.equal(validateReason({}, {}), 'ok:');
  assert.equal(validateReason({ version: 3 }, {}), 'ok:');
  assert.equal(validateReason({}, { isUnicast: true }, { isMulticastDestination: false, ttl: 3 }), 'ok:');
  assert.equal(validateReason({}, {}, { ttl: undefined }), 'ok:', 'unknown TTL is not checked');
});

test('decodeIpv4Header() reads the fields and hands back the payload', () => {
  const r = decodeIpv4Header(ipv4Datagram(fromHex(V2_PASS.hex)));
  assert.ok(r.ok);
  assert.equal(r.header.ttl, 255);
  assert.equal(r.header.protocol, 112);
  assert.equal(r.header.headerLength, 20);
  assert.equal(r.header.totalLength, 40);
  assert.deepEqual([...r.header.source.bytes], [10, 0, 0, 1]);
  assert.equal(toHex(r.payload), V2_PASS.hex);
  assert.equal(headerReason(new Uint8Array(10)), 'bad_ip_header');
  assert.equal(headerReason(ipv4Datagram(new Uint8Array(0), (b) => (b[0] = 0x4f))), 'bad_ip_header');
});

// ---------------------------------------------------------------------------------------
// advertFromConfig.

function instancesOf(body: string): ReturnType<typeof parseConfig> {
  const path = '/etc/keepalived/keepalived.conf';
  const env = { host: createFakeHostFacts(), random: new SeededRandom(1), configId: 'vm', env: {} };
  return parseConfig(path, new MemoryFileSource({ [path]: body }), env);
}

test('advertFromConfig() carries VIPs, auth, interval and version from the instance', () => {
  const r = instancesOf(`vrrp_instance A {
  interface eth0
  virtual_router_id 7
  priority 120
  advert_int 2
  authentication {
    auth_type PASS
    auth_pass longpassword
  }
  virtual_ipaddress {
    10.0.0.7/24
    10.0.0.8
  }
  virtual_ipaddress_excluded {
    10.0.0.9
  }
}
vrrp_instance B {
  interface eth0
  version 3
  virtual_router_id 8
  advert_int 0.25
  authentication {
    auth_type PASS
    auth_pass ignored
  }
  virtual_ipaddress {
    10.0.0.10
  }
}
`);
  const [a, b] = r.config?.vrrp.instances ?? [];
  assert.ok(a && b);
  const advA = advertFromConfig(a, 90);
  assert.deepEqual(
    { ...advA, authData: toHex(advA.authData) },
    {
      version: 2, vrid: 7, priority: 90, family: 4, addresses: ['10.0.0.7', '10.0.0.8'],
      authType: 1, authData: toHex(ascii8('longpass')), advertIntervalCs: 200, checksum: 0,
    },
  );
  const advB = advertFromConfig(b, 100);
  assert.equal(advB.version, 3);
  assert.equal(advB.authType, 0, 'v3 has no authentication');
  assert.equal(advB.authData.length, 0);
  assert.equal(advB.advertIntervalCs, 25);
  const e = advertExpectationFromConfig(a);
  assert.equal(validateAdvert(advA, e, RX).ok, true);
  const bytes = encodeAdvert(advA, V4);
  const d = decodeAdvert(bytes, V4);
  assert.ok(d.ok);
  assert.equal(validateAdvert(d.advert, e, RX).ok, true);
});

test('validateAdvert() drops a VIP-list mismatch as keepalived 2.2.7 does, unless the address check is skipped', () => {
  assert.equal(validateReason({ addresses: ['10.0.0.99'] }, {}), 'address_list_mismatch');
  // skip_check_adv_addr for adverts from the master we already follow.
  assert.equal(validateReason({ addresses: ['10.0.0.99'] }, { skipAddressCheck: true }), 'ok:');
});
