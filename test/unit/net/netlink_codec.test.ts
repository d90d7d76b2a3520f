import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AF_INET,
  IFA_F_NODAD,
  IFA_LABEL,
  IFA_LOCAL,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTN_BLACKHOLE,
  RTN_UNICAST,
  RTPROT_KEEPALIVED,
  attrString,
  attrU32,
  attrU8,
  decodeAddress,
  decodeError,
  decodeEvent,
  decodeLink,
  decodeRoute,
  encodeAddressRequest,
  encodeAttributes,
  encodeDumpRequest,
  encodeMessage,
  encodeRouteRequest,
  messageTypeName,
  parseAttributes,
  splitMessages,
  withSequence,
  type AddressMessage,
  type NlMessage,
  type RouteMessage,
} from '../../../src/net/netlink/codec.js';

function one(bytes: Uint8Array): NlMessage {
  const r = splitMessages(bytes);
  assert.equal(r.reason, 'ok');
  assert.equal(r.messages.length, 1);
  const m = r.messages[0];
  assert.ok(m);
  return m;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('encodeAddressRequest() lays out nlmsghdr + ifaddrmsg + aligned rtattrs like iproute2', () => {
  const msg = encodeAddressRequest(
    { family: 4, ifindex: 3, prefixLength: 24, scope: 0, local: Uint8Array.of(10, 0, 0, 100), label: 'eth0:1' },
    { command: 'add', seq: 7 },
  );
  // 16 header + 8 ifaddrmsg + 8 IFA_LOCAL + 12 IFA_LABEL ("eth0:1\0" = 7 bytes → 11, aligned 12)
  assert.equal(msg.length, 44);
  assert.equal(
    hex(msg),
    '2c000000' + '1400' + '0500' + '07000000' + '00000000' + // len, RTM_NEWADDR, REQUEST|ACK, seq, pid
    '02' + '18' + '00' + '00' + '03000000' + // AF_INET /24 flags scope ifindex
    '0800' + '0200' + '0a000064' + // IFA_LOCAL 10.0.0.100
    '0b00' + '0300' + '657468303a310000', // IFA_LABEL "eth0:1\0" + 1 pad
  );
});

test('encodeDumpRequest() uses NLM_F_DUMP and the right fixed header per type', () => {
  const link = one(encodeDumpRequest({ type: RTM_GETLINK, seq: 1 }));
  assert.equal(link.flags, NLM_F_REQUEST | NLM_F_DUMP);
  assert.equal(link.payload.length, 16);
  const addr = one(encodeDumpRequest({ type: RTM_GETADDR, seq: 2, family: 6 }));
  assert.equal(addr.payload.length, 8);
  assert.equal(addr.payload[0], 10);
});

test('withSequence() renumbers a copy and leaves the original alone', () => {
  const m = encodeDumpRequest({ type: RTM_GETLINK, seq: 1 });
  const c = withSequence(m, 0xfffffffe);
  assert.equal(one(c).seq, 0xfffffffe);
  assert.equal(one(m).seq, 1);
});

test('route requests put tables > 255 in RTA_TABLE with rtm_table 0 (RT_TABLE_UNSPEC)', () => {
  const m: RouteMessage = {
    family: 4, dstLength: 24, table: 1000, protocol: RTPROT_KEEPALIVED, scope: 0, type: RTN_UNICAST,
    destination: Uint8Array.of(192, 168, 5, 0), gateway: Uint8Array.of(10, 0, 0, 1), oif: 2, priority: 50,
  };
  const msg = one(encodeRouteRequest(m, { command: 'add', seq: 3 }));
  assert.equal(msg.type, RTM_NEWROUTE);
  assert.equal(msg.flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
  assert.equal(msg.payload[4], 0);
  const r = decodeRoute(msg);
  assert.ok(r.ok);
  assert.equal(r.value.table, 1000);
  assert.equal(r.value.destination, '192.168.5.0');
  assert.equal(r.value.gateway, '10.0.0.1');
  assert.equal(r.value.oif, 2);
  assert.equal(r.value.priority, 50);
  assert.equal(r.value.protocol, 18);
  const small = one(encodeRouteRequest({ ...m, table: 100 }, { command: 'delete', seq: 4 }));
  assert.equal(small.payload[4], 100);
  assert.equal(small.flags, NLM_F_REQUEST | NLM_F_ACK);
});

test('multipath next hops round-trip through RTA_MULTIPATH', () => {
  const m: RouteMessage = {
    family: 4, dstLength: 0, table: 254, protocol: 18, scope: 0, type: RTN_UNICAST,
    nextHops: [{ gateway: Uint8Array.of(10, 0, 0, 1), ifindex: 2 }, { gateway: Uint8Array.of(10, 0, 0, 2), ifindex: 3, hops: 1 }],
  };
  const r = decodeRoute(one(encodeRouteRequest(m, { command: 'add', seq: 1 })));
  assert.ok(r.ok);
  assert.deepEqual(r.value.nextHops, [
    { gateway: '10.0.0.1', ifindex: 2, hops: 0 },
    { gateway: '10.0.0.2', ifindex: 3, hops: 1 },
  ]);
});

test('decodeError() reads an ACK, an errno and an extended-ACK message (capped)', () => {
  const ack = new Uint8Array(20);
  const dv = new DataView(ack.buffer);
  dv.setInt32(0, 0, true);
  dv.setUint32(4, 40, true);
  dv.setUint16(8, RTM_NEWADDR, true);
  dv.setUint32(12, 9, true);
  const a = decodeError(one(encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: 9 }, { fixed: ack })));
  assert.deepEqual(a, { ok: true, value: { errno: 0, requestType: RTM_NEWADDR, requestSeq: 9, extackMessage: undefined } });

  const err = ack.slice();
  new DataView(err.buffer).setInt32(0, -17, true);
  const tlv = encodeAttributes([attrString(1, 'ipv4: Address already assigned')]);
  const body = new Uint8Array(err.length + tlv.length);
  body.set(err);
  body.set(tlv, err.length);
  const e = decodeError(one(encodeMessage(
    { type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq: 9 },
    { fixed: body },
  )));
  assert.ok(e.ok);
  assert.equal(e.value.errno, 17);
  assert.equal(e.value.extackMessage, 'ipv4: Address already assigned');

  const short = decodeError(one(encodeMessage({ type: NLMSG_ERROR, flags: 0, seq: 1 }, { fixed: new Uint8Array(8) })));
  assert.equal(short.ok, false);
  assert.equal(!short.ok && short.reason, 'truncated');
  assert.equal(decodeError(one(encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 1 }, { fixed: new Uint8Array(4) }))).ok, false);
});

function linkMessage(flags: number, attrs: Parameters<typeof encodeAttributes>[0]): Uint8Array {
  const fixed = new Uint8Array(16);
  const dv = new DataView(fixed.buffer);
  dv.setUint16(2, 1, true);
  dv.setInt32(4, 5, true);
  dv.setUint32(8, flags, true);
  return encodeMessage({ type: RTM_NEWLINK, flags: 0, seq: 0 }, { fixed, attrs });
}

test('decodeLink() gives up/running/lowerUp, operstate, MAC, mtu and master', () => {
  const msg = linkMessage(0x1 | 0x40 | 0x10000, [
    attrString(3, 'eth0'),
    { type: 1, value: Uint8Array.of(0x02, 0, 0, 0, 0, 0x0a) },
    attrU32(4, 1500),
    attrU32(10, 7),
    attrU8(16, 6),
  ]);
  const r = decodeLink(one(msg));
  assert.ok(r.ok);
  assert.equal(r.value.name, 'eth0');
  assert.equal(r.value.index, 5);
  assert.equal(r.value.isUp && r.value.isRunning && r.value.isLowerUp, true);
  assert.equal(r.value.operstateName, 'up');
  assert.equal(r.value.mac, '02:00:00:00:00:0a');
  assert.equal(r.value.mtu, 1500);
  assert.equal(r.value.master, 7);
  const down = decodeLink(one(linkMessage(0x1, [attrU8(16, 2)])));
  assert.ok(down.ok);
  assert.deepEqual([down.value.isUp, down.value.isRunning, down.value.isLowerUp, down.value.operstateName], [true, false, false, 'down']);
  const bad = decodeLink(one(linkMessage(0, [{ type: 4, value: Uint8Array.of(1) }])));
  assert.deepEqual(bad.ok ? 'ok' : bad.reason, 'bad_attribute');
});

test('decodeAddress() rejects wrong sizes and families with a reason instead of throwing', () => {
  const fixed = Uint8Array.of(AF_INET, 24, 0, 0, 3, 0, 0, 0);
  const bad = encodeMessage({ type: RTM_DELADDR, flags: 0, seq: 0 }, { fixed, attrs: [{ type: IFA_LOCAL, value: Uint8Array.of(1, 2, 3) }] });
  const r = decodeAddress(one(bad));
  assert.equal(r.ok ? 'ok' : r.reason, 'bad_attribute');
  const fam = encodeMessage({ type: RTM_NEWADDR, flags: 0, seq: 0 }, { fixed: Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 0) });
  const f = decodeAddress(one(fam));
  assert.equal(f.ok ? 'ok' : f.reason, 'bad_family');
  const ev = decodeEvent(one(fam));
  assert.equal(ev.kind, 'malformed');
});

test('splitMessages() stops at a bad length and keeps what came before', () => {
  const a = encodeDumpRequest({ type: RTM_GETLINK, seq: 1 });
  const both = new Uint8Array(a.length + 20);
  both.set(a);
  new DataView(both.buffer).setUint32(a.length, 8, true);
  const r = splitMessages(both);
  assert.equal(r.messages.length, 1);
  assert.equal(r.reason, 'bad_length');
  assert.equal(splitMessages(a.subarray(0, 10)).reason, 'truncated');
});

test('nested attributes encode and parse back (NLA_F_NESTED reported)', () => {
  const run = encodeAttributes([{ type: 18, nested: [attrString(1, 'macvlan'), attrU32(2, 4)] }]);
  const outer = parseAttributes(run);
  assert.equal(outer.reason, 'ok');
  const inner = parseAttributes(outer.attrs[0]?.value ?? new Uint8Array(0));
  assert.deepEqual(inner.attrs.map((a) => a.type), [1, 2]);
  const flagged = new Uint8Array(run);
  new DataView(flagged.buffer).setUint16(2, 18 | 0x8000, true);
  assert.equal(parseAttributes(flagged).attrs[0]?.isNested, true);
  assert.equal(parseAttributes(flagged).attrs[0]?.type, 18);
});

test('messageTypeName() names the types keepalived logs', () => {
  assert.equal(messageTypeName(RTM_NEWADDR), 'RTM_NEWADDR');
  assert.equal(messageTypeName(999), '');
});

// ─── properties ───

test('property: every decoder is total on arbitrary bytes (never throws)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 30 }), (bytes, type) => {
      const r = splitMessages(bytes);
      for (const m of r.messages) {
        decodeEvent(m);
        decodeError(m);
        decodeLink(m);
        decodeAddress(m);
        decodeRoute(m);
      }
      // Also with a forced message type, so the fixed-header paths see random payloads.
      const forced: NlMessage = { type, flags: 0x300, seq: 0, pid: 0, payload: bytes };
      decodeEvent(forced);
      decodeError(forced);
      parseAttributes(bytes);
    }),
    { numRuns: 3000 },
  );
});

const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const label = fc.stringMatching(/^[a-z0-9:]{1,15}$/);

const addressMessage: fc.Arbitrary<AddressMessage> = fc.oneof(
  fc.record({
    family: fc.constant(4 as const),
    ifindex: fc.integer({ min: 1, max: 0x7fffffff }),
    prefixLength: fc.integer({ min: 0, max: 32 }),
    scope: fc.constantFrom(0, 200, 253, 254),
    local: ipv4,
    address: fc.option(ipv4, { nil: undefined }),
    broadcast: fc.option(ipv4, { nil: undefined }),
    label: fc.option(label, { nil: undefined }),
    flags: fc.option(fc.integer({ min: 1, max: 0xfff }), { nil: undefined }),
  }),
  fc.record({
    family: fc.constant(6 as const),
    ifindex: fc.integer({ min: 1, max: 0x7fffffff }),
    prefixLength: fc.integer({ min: 0, max: 128 }),
    scope: fc.constant(0),
    local: ipv6,
    flags: fc.constantFrom(IFA_F_NODAD, IFA_F_NODAD | 0x200),
    lifetimes: fc.option(
      fc.record({ preferredS: fc.nat(), validS: fc.constant(0xffffffff) }),
      { nil: undefined },
    ),
  }),
);

test('property: encodeAddressRequest() → decodeAddress() round-trips every field', () => {
  fc.assert(
    fc.property(addressMessage, fc.boolean(), (m, isAdd) => {
      const msg = one(encodeAddressRequest(m, { command: isAdd ? 'add' : 'delete', seq: 5 }));
      const r = decodeAddress(msg);
      assert.ok(r.ok);
      const v = r.value;
      const text = (b: Uint8Array | undefined) =>
        b === undefined ? undefined : b.length === 4 ? Array.from(b).join('.') : 'v6';
      assert.equal(v.event, isAdd ? 'new' : 'del');
      assert.equal(v.family, m.family);
      assert.equal(v.index, m.ifindex);
      assert.equal(v.prefixLength, m.prefixLength);
      assert.equal(v.scope, m.scope);
      assert.equal(v.flags, m.flags ?? 0);
      assert.equal(v.label, m.label);
      if (m.family === 4) {
        assert.equal(v.local, text(m.local));
        assert.equal(v.address, text(m.address));
        assert.equal(v.broadcast, text(m.broadcast));
      } else {
        assert.equal(v.local === undefined, false);
        assert.equal(v.preferredLftS, m.lifetimes?.preferredS);
      }
    }),
    { numRuns: 500 },
  );
});

test('property: encodeRouteRequest() → decodeRoute() round-trips every field', () => {
  const route: fc.Arbitrary<RouteMessage> = fc.record({
    family: fc.constant(4 as const),
    dstLength: fc.integer({ min: 0, max: 32 }),
    table: fc.integer({ min: 1, max: 0xffffffff }),
    protocol: fc.integer({ min: 0, max: 255 }),
    scope: fc.constantFrom(0, 253, 254, 255),
    type: fc.constantFrom(RTN_UNICAST, RTN_BLACKHOLE, 7, 8),
    destination: fc.option(ipv4, { nil: undefined }),
    gateway: fc.option(ipv4, { nil: undefined }),
    prefsrc: fc.option(ipv4, { nil: undefined }),
    oif: fc.option(fc.integer({ min: 1, max: 0xffff }), { nil: undefined }),
    priority: fc.option(fc.nat(), { nil: undefined }),
  });
  fc.assert(
    fc.property(route, (m) => {
      const r = decodeRoute(one(encodeRouteRequest(m, { command: 'add', seq: 1 })));
      assert.ok(r.ok);
      const ip = (b: Uint8Array | undefined) => (b === undefined ? undefined : Array.from(b).join('.'));
      assert.deepEqual(
        [r.value.dstLength, r.value.table, r.value.protocol, r.value.scope, r.value.type],
        [m.dstLength, m.table, m.protocol, m.scope, m.type],
      );
      assert.equal(r.value.destination, ip(m.destination));
      assert.equal(r.value.gateway, ip(m.gateway));
      assert.equal(r.value.prefsrc, ip(m.prefsrc));
      assert.equal(r.value.oif, m.oif);
      assert.equal(r.value.priority, m.priority);
    }),
    { numRuns: 500 },
  );
});

test('builders throw RangeError for a wrong-size address (a programmer error)', () => {
  assert.throws(
    () => encodeAddressRequest({ family: 6, ifindex: 1, prefixLength: 64, scope: 0, local: Uint8Array.of(1, 2, 3, 4) }, { command: 'add', seq: 1 }),
    RangeError,
  );
  assert.throws(() => encodeAttributes([{ type: IFA_LABEL, value: new Uint8Array(70000) }]), RangeError);
});
