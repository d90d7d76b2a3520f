import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compareIp,
  formatIp,
  isIpv6LinkLocal,
  parseIp,
  parseIpPrefix,
  parseIpv4,
  parseIpv6,
} from '../../../src/lib/ip.js';

test('parseIpv4() accepts dotted quads and rejects what inet_pton rejects', () => {
  assert.equal(formatIp(parseIpv4('192.168.200.16') ?? assert.fail()), '192.168.200.16');
  for (const bad of ['192.168.100.', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.x', '']) {
    assert.equal(parseIpv4(bad), undefined, bad);
  }
});

test('parseIpv6() handles ::, embedded IPv4 and rejects malformed text', () => {
  assert.equal(formatIp(parseIpv6('fe80:0:0:0:0:0:0:1') ?? assert.fail()), 'fe80::1');
  assert.equal(formatIp(parseIpv6('::') ?? assert.fail()), '::');
  assert.equal(formatIp(parseIpv6('::ffff:10.0.0.1') ?? assert.fail()), '::ffff:a00:1');
  assert.equal(formatIp(parseIpv6('2001:db8::1:0:0:1') ?? assert.fail()), '2001:db8::1:0:0:1');
  for (const bad of ['1::2::3', ':::', '12345::', 'fe80::g', '1:2:3:4:5:6:7:8:9', 'ae00::2-9']) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
});

test('formatIp(parseIp(x)) is a fixed point for any address (property)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
      const ip = parseIp(text);
      assert.ok(ip !== undefined, text);
      const canonical = formatIp(ip);
      const again = parseIp(canonical);
      assert.ok(again !== undefined);
      assert.equal(compareIp(ip, again), 0);
      assert.equal(formatIp(again), canonical);
    }),
    { numRuns: 500 },
  );
});

test('parseIpPrefix() validates the prefix length per family', () => {
  assert.equal(parseIpPrefix('10.0.0.1/24')?.prefixLength, 24);
  assert.equal(parseIpPrefix('10.0.0.1')?.prefixLength, undefined);
  assert.equal(parseIpPrefix('10.0.0.1/33'), undefined);
  assert.equal(parseIpPrefix('fe80::1/128')?.prefixLength, 128);
  assert.ok(isIpv6LinkLocal(parseIp('fe80::1') ?? assert.fail()));
  assert.ok(!isIpv6LinkLocal(parseIp('2001:db8::1') ?? assert.fail()));
});
