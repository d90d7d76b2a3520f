import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildGratuitousArp,
  buildUnsolicitedNaFrame,
  buildUnsolicitedNaMessage,
  formatMac,
  icmpv6Checksum,
  parseMac,
} from '../../../src/net/arp_frame.js';
import { parseIpv6 } from '../../../src/lib/ip.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const mac = parseMac('02:fc:00:00:00:01') as Uint8Array;

test('buildGratuitousArp() builds the 42-byte request-style frame keepalived 2.2.7 sends (tha = broadcast)', () => {
  const frame = buildGratuitousArp({ mac, ipv4: '10.88.0.100' });
  assert.equal(
    hex(frame),
    'ffffffffffff' + '02fc00000001' + '0806' + // Ethernet: broadcast, our MAC, ARP
      '0001' + '0800' + '06' + '04' + '0001' + // Ethernet/IPv4, REQUEST
      '02fc00000001' + '0a580064' + // sender: our MAC, the VIP
      'ffffffffffff' + '0a580064', // target: broadcast MAC, the VIP
  );
});

test('buildUnsolicitedNaFrame() builds the 86-byte frame keepalived 2.2.7 sends (src = VIP, ff02::1, Override)', () => {
  const frame = buildUnsolicitedNaFrame({ mac, ipv6: 'fd00:88::100' });
  assert.equal(frame.length, 86);
  const vip = 'fd000088000000000000000000000100';
  assert.equal(hex(frame.subarray(0, 14)), '333300000001' + '02fc00000001' + '86dd');
  assert.equal(hex(frame.subarray(14, 54)), '60000000' + '0020' + '3a' + 'ff' + vip + 'ff020000000000000000000000000001');
  const na = frame.subarray(54);
  assert.equal(na[0], 136);
  assert.equal(na[4], 0x20, 'Override only, no Router/Solicited');
  assert.equal(hex(na.subarray(8, 24)), vip);
  assert.equal(hex(na.subarray(24)), '0201' + '02fc00000001');
  // A correct checksum sums (with the pseudo-header) to 0.
  const zeroed = na.slice();
  zeroed[2] = 0;
  zeroed[3] = 0;
  const src = parseIpv6('fd00:88::100')!.bytes;
  const dst = parseIpv6('ff02::1')!.bytes;
  assert.equal(icmpv6Checksum(zeroed, { source: src, destination: dst }), (na[2]! << 8) | na[3]!);
});

test('buildUnsolicitedNaMessage() sets the Router flag only when asked (IPv6 forwarding on)', () => {
  assert.equal(buildUnsolicitedNaMessage({ mac, ipv6: 'fe80::1', isRouter: true })[4], 0xa0);
  assert.equal(buildUnsolicitedNaMessage({ mac, ipv6: 'fe80::1' })[4], 0x20);
});

test('icmpv6Checksum() of a message that carries its own checksum verifies to zero, for any target', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 6, maxLength: 6 }), (target, m) => {
      const msg = buildUnsolicitedNaMessage({ mac: m, ipv6: { family: 6, bytes: target } });
      const dst = parseIpv6('ff02::1')!.bytes;
      assert.equal(icmpv6Checksum(msg, { source: target, destination: dst }), 0);
    }),
  );
});

test('builders reject a bad MAC or address (programmer errors)', () => {
  assert.throws(() => buildGratuitousArp({ mac: new Uint8Array(5), ipv4: '10.0.0.1' }), RangeError);
  assert.throws(() => buildGratuitousArp({ mac, ipv4: 'fe80::1' }), RangeError);
  assert.throws(() => buildUnsolicitedNaFrame({ mac, ipv6: '10.0.0.1' }), RangeError);
});

test('parseMac() and formatMac() round-trip; malformed text gives undefined', () => {
  assert.equal(formatMac(parseMac('BE:5a:3a:26:45:d8\n')!), 'be:5a:3a:26:45:d8');
  assert.equal(parseMac('be:5a:3a:26:45'), undefined);
  assert.equal(parseMac('be:5a:3a:26:45:zz'), undefined);
});
