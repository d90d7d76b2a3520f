import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIp } from '../../../src/lib/ip.js';
import { ETH_P_ARP, IPPROTO_IP, IPPROTO_IPV6, IPV6_HOPLIMIT, IPV6_PKTINFO, IP_PKTINFO } from '../../../src/net/constants.js';
import {
  cmsgSpace,
  encodeIpMreqn,
  encodeIpv6Mreq,
  encodeSockaddrIn,
  encodeSockaddrIn6,
  encodeSockaddrLl,
  encodeSockaddrNl,
  parseControlMessages,
  parseSockaddr,
} from '../../../src/net/sockaddr.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

// Expected bytes are struct layouts from the glibc headers on little-endian LP64.
test('encodeSockaddrIn() lays out struct sockaddr_in (family LE, port BE, address, zero pad)', () => {
  assert.equal(hex(encodeSockaddrIn('224.0.0.18')), '0200' + '0000' + 'e0000012' + '0000000000000000');
  assert.equal(hex(encodeSockaddrIn('10.1.2.3', { port: 0x1234 })).slice(0, 16), '02001234' + '0a010203');
});

test('encodeSockaddrIn6() lays out struct sockaddr_in6 with the scope id in host order', () => {
  const b = encodeSockaddrIn6('ff02::12', { scopeId: 7 });
  assert.equal(b.length, 28);
  assert.equal(hex(b), '0a00' + '0000' + '00000000' + 'ff020000000000000000000000000012' + '07000000');
});

test('encodeSockaddrLl() lays out struct sockaddr_ll (protocol BE, ifindex/hatype host order)', () => {
  const b = encodeSockaddrLl({ ifindex: 3, protocol: ETH_P_ARP, address: Uint8Array.of(255, 255, 255, 255, 255, 255) });
  assert.equal(hex(b), '1100' + '0806' + '03000000' + '0100' + '00' + '06' + 'ffffffffffff0000');
});

test('encodeSockaddrNl() lays out struct sockaddr_nl', () => {
  assert.equal(hex(encodeSockaddrNl({ groups: 0x111 })), '1000' + '0000' + '00000000' + '11010000');
});

test('encodeIpMreqn() and encodeIpv6Mreq() lay out struct ip_mreqn and struct ipv6_mreq', () => {
  assert.equal(hex(encodeIpMreqn({ group: '224.0.0.18', ifindex: 2 })), 'e0000012' + '00000000' + '02000000');
  assert.equal(hex(encodeIpMreqn({ ifindex: 258 })), '00000000' + '00000000' + '02010000');
  assert.equal(hex(encodeIpv6Mreq({ group: 'ff02::12', ifindex: 2 })), 'ff020000000000000000000000000012' + '02000000');
});

test('encoders reject an address of the wrong family (a programmer error)', () => {
  assert.throws(() => encodeSockaddrIn('ff02::12'), RangeError);
  assert.throws(() => encodeSockaddrIn6('10.0.0.1'), RangeError);
  assert.throws(() => encodeIpv6Mreq({ group: 'nope', ifindex: 1 }), RangeError);
});

test('parseSockaddr() reads back what the encoders wrote, for any address', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(0xffffffff), fc.nat(0xffff), (bytes, scopeId, port) => {
      const address = formatIp({ family: 6, bytes });
      assert.deepEqual(parseSockaddr(encodeSockaddrIn6(address, { scopeId, port })), { family: 6, address, port, scopeId });
    }),
  );
  fc.assert(
    fc.property(fc.ipV4(), (address) => {
      assert.deepEqual(parseSockaddr(encodeSockaddrIn(address)), { family: 4, address, port: 0, scopeId: 0 });
    }),
  );
});

test('parseSockaddr() returns undefined for short input or another family, and never throws', () => {
  assert.equal(parseSockaddr(encodeSockaddrIn6('fe80::1'), 10), undefined);
  assert.equal(parseSockaddr(encodeSockaddrLl({ ifindex: 1, protocol: 0 })), undefined);
  assert.equal(parseSockaddr(new Uint8Array(0)), undefined);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: -5, max: 50 }), (b, n) => void parseSockaddr(b, n)));
});

/** One LP64 cmsg: size_t len, int level, int type, data padded to 8. */
function cmsg(level: number, type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(cmsgSpace(data.length));
  const v = new DataView(out.buffer);
  v.setUint32(0, 16 + data.length, true);
  v.setInt32(8, level, true);
  v.setInt32(12, type, true);
  out.set(data, 16);
  return out;
}
const int32 = (n: number) => new Uint8Array(new Int32Array([n]).buffer);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

test('parseControlMessages() decodes IPV6_PKTINFO and IPV6_HOPLIMIT as the kernel lays them out', () => {
  const pktinfo = concat(encodeIpv6Mreq({ group: 'ff02::12', ifindex: 2 }));
  const buf = concat(cmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, int32(255)), cmsg(IPPROTO_IPV6, IPV6_PKTINFO, pktinfo));
  assert.equal(buf.length, 16 + 8 + 16 + 24);
  const padded = concat(buf, new Uint8Array(20));
  assert.deepEqual(parseControlMessages(padded, buf.length), {
    unknownCount: 0,
    isMalformed: false,
    ipv6HopLimit: 255,
    ipv6PacketInfo: { destination: 'ff02::12', ifindex: 2 },
  });
});

test('parseControlMessages() decodes IP_PKTINFO and counts unknown messages', () => {
  const inPktinfo = concat(int32(3), Uint8Array.of(10, 0, 0, 2), Uint8Array.of(224, 0, 0, 18));
  const buf = concat(cmsg(IPPROTO_IP, IP_PKTINFO, inPktinfo), cmsg(99, 1, int32(0)));
  const r = parseControlMessages(buf);
  assert.deepEqual(r.ipv4PacketInfo, { ifindex: 3, localAddress: '10.0.0.2', destination: '224.0.0.18' });
  assert.equal(r.unknownCount, 1);
  assert.equal(r.isMalformed, false);
});

test('parseControlMessages() stops at a malformed header and never throws on any input', () => {
  const bad = cmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, int32(64));
  new DataView(bad.buffer).setUint32(0, 400, true);
  assert.equal(parseControlMessages(bad).isMalformed, true);
  assert.deepEqual(parseControlMessages(new Uint8Array(0)), { unknownCount: 0, isMalformed: false });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -1, max: 300 }), (b, n) => void parseControlMessages(b, n)));
});
