/**
 * RFC 5798 conformance: one test per applicable MUST/SHOULD, its section in the name, run
 * against the pure core (codec, validation, state machine). Where keepalived departs from
 * the RFC we follow keepalived, and the departure is listed in KEEPALIVED_DIFFERENCES below
 * with a test that pins keepalived's behaviour.
 *
 * Not covered here (they belong to the wire layer, the VRRP-on-the-wire issue): sending
 * with TTL/Hop Limit 255 (§5.1.1.3/§5.1.2.3), the multicast destinations on the wire
 * (§5.1.1.2/§5.1.2.2), the virtual MAC (§7.3), ARP/ND replies for the VIPs (§6.4.3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, type IpAddress } from '../../src/lib/ip.js';
import { decodeAdvert, encodeAdvert, validateAdvert, VRRP_MULTICAST_V4, VRRP_MULTICAST_V6 } from '../../src/vrrp/packet.js';
import type { Advert } from '../../src/vrrp/advert.js';
import { initialState, step, type Action, type InstanceParams } from '../../src/vrrp/instance.js';
import { instanceParams } from '../fakes/instance_params.js';

const ip = (t: string): IpAddress => parseIp(t) ?? assert.fail(t);

function advert(over: Partial<Advert> = {}): Advert {
  return {
    version: 3,
    vrid: 51,
    priority: 100,
    family: 4,
    addresses: ['192.0.2.100'],
    authType: 0,
    authData: new Uint8Array(0),
    advertIntervalCs: 100,
    checksum: 0,
    ...over,
  };
}

const ctx4 = { source: ip('192.0.2.1'), destination: ip(VRRP_MULTICAST_V4), family: 4 as const };
const ctx6 = { source: ip('fe80::1'), destination: ip(VRRP_MULTICAST_V6), family: 6 as const };

function params(over: Partial<InstanceParams> = {}): InstanceParams {
  return instanceParams({ version: 3, primaryAddress: '192.0.2.1', firstVip: '192.0.2.100', ...over });
}

const kinds = (a: readonly Action[]) => a.filter((x) => x.kind !== 'log').map((x) => x.kind);
const rx = (priority: number, sourceAddress = '192.0.2.2') => ({
  kind: 'advert_received' as const,
  advert: { priority, sourceAddress, advertIntervalCs: 100 },
});

test('RFC 5798 §5.2.1/§5.2.2: version 3 and type 1 are sent; another version or type is rejected', () => {
  const bytes = encodeAdvert(advert(), ctx4);
  assert.equal(bytes[0], 0x31);
  const badVersion = Uint8Array.from(bytes);
  badVersion[0] = 0x41;
  const r1 = decodeAdvert(badVersion, ctx4);
  assert.equal(r1.ok ? 'ok' : r1.reason, 'bad_version');
  const badType = Uint8Array.from(bytes);
  badType[0] = 0x32;
  const r2 = decodeAdvert(badType, ctx4);
  assert.equal(r2.ok ? 'ok' : r2.reason, 'bad_type');
});

test('RFC 5798 §5.2.7: Max Adver Int is 12 bits of centiseconds', () => {
  const bytes = encodeAdvert(advert({ advertIntervalCs: 4095 }), ctx4);
  assert.equal(((bytes[4] ?? 0) << 8 | (bytes[5] ?? 0)) & 0x0fff, 4095);
  assert.equal(((bytes[4] ?? 0) >> 4), 0, 'the 4 reserved bits are zero (§5.2.6)');
});

test('RFC 5798 §5.2.8: the checksum covers the pseudo-header; a corrupted packet is discarded (§7.1)', () => {
  for (const [ctx, a] of [[ctx4, advert()], [ctx6, advert({ family: 6, addresses: ['fe80::100'] })]] as const) {
    const bytes = encodeAdvert(a, ctx);
    assert.ok(decodeAdvert(bytes, ctx).ok);
    const bad = Uint8Array.from(bytes);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    const r = decodeAdvert(bad, ctx);
    assert.equal(r.ok ? 'ok' : r.reason, 'bad_checksum');
    // A different source address changes the pseudo-header, so the checksum fails too.
    const moved = decodeAdvert(bytes, { ...ctx, source: ctx.family === 4 ? ip('192.0.2.9') : ip('fe80::9') });
    assert.equal(moved.ok ? 'ok' : moved.reason, 'bad_checksum');
  }
});

test('RFC 5798 §7.1: a multicast advert whose TTL/Hop Limit is not 255 is discarded', () => {
  const a = advert();
  const expectation = {
    version: 3 as const, vrid: 51, authType: 0 as const, authData: new Uint8Array(0),
    advertIntervalCs: 100, addresses: ['192.0.2.100'], isUnicast: false,
  };
  const ok = validateAdvert(a, expectation, { ttl: 255, source: '192.0.2.2', isMulticastDestination: true });
  assert.equal(ok.ok, true);
  const low = validateAdvert(a, expectation, { ttl: 254, source: '192.0.2.2', isMulticastDestination: true });
  assert.equal(low.ok ? 'ok' : low.reason, 'bad_ttl');
});

test('RFC 5798 §7.1: an advert for a VRID that is not configured is discarded', () => {
  const expectation = {
    version: 3 as const, vrid: 52, authType: 0 as const, authData: new Uint8Array(0),
    advertIntervalCs: 100, addresses: ['192.0.2.100'], isUnicast: false,
  };
  const r = validateAdvert(advert(), expectation, { ttl: 255, source: '192.0.2.2', isMulticastDestination: true });
  assert.equal(r.ok ? 'ok' : r.reason, 'unknown_vrid');
});

test('RFC 5798 §6.4.1: the address owner (255) becomes Master at once and sends an advert and GARP', () => {
  const t = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0);
  assert.equal(t.state.state, 'MASTER');
  const k = kinds(t.actions);
  assert.ok(k.indexOf('send_advert') < k.indexOf('send_garp'));
  assert.equal(t.state.adverDeadlineUs, 1_000_000, 'Adver_Timer = Advertisement_Interval');
});

test('RFC 5798 §6.4.1: any other router starts as Backup with Master_Down_Timer = Master_Down_Interval', () => {
  const t = step(initialState(params({ basePriority: 200 })), { kind: 'startup' }, 0);
  assert.equal(t.state.state, 'BACKUP');
  // 3 × 1 s + (256 - 200) × 1 s / 256
  assert.equal(t.state.masterDownDeadlineUs, 3_000_000 + Math.floor((56 * 100 * 625) / 16));
});

test('RFC 5798 §6.4.2: Backup becomes Master when the Master_Down_Timer fires', () => {
  const s = step(initialState(params()), { kind: 'startup' }, 0).state;
  const t = step(s, { kind: 'timer_fired' }, s.masterDownDeadlineUs ?? 0);
  assert.equal(t.state.state, 'MASTER');
  assert.deepEqual(kinds(t.actions).slice(0, 3), ['send_advert', 'add_vips', 'send_garp']);
});

test('RFC 5798 §6.4.2: Backup sets Master_Down_Timer to Skew_Time on a priority 0 advert', () => {
  const s = step(initialState(params()), { kind: 'startup' }, 0).state;
  const t = step(s, rx(0), 10);
  assert.equal(t.state.masterDownDeadlineUs, 10 + Math.floor((156 * 100 * 625) / 16));
});

test('RFC 5798 §6.4.2: Backup resets Master_Down_Timer on an advert with priority ≥ its own', () => {
  const s = step(initialState(params()), { kind: 'startup' }, 0).state;
  const t = step(s, rx(100), 2_000_000);
  assert.equal(t.state.masterDownDeadlineUs, 2_000_000 + 3_609_375);
});

test('RFC 5798 §6.4.2: Backup with Preempt_Mode false accepts a lower priority', () => {
  const s = step(initialState(params({ basePriority: 200, nopreempt: true })), { kind: 'startup' }, 0).state;
  const t = step(s, rx(100), 2_000_000);
  assert.ok((t.state.masterDownDeadlineUs ?? 0) > (s.masterDownDeadlineUs ?? 0));
});

test('RFC 5798 §6.4.2: Backup sets Master_Adver_Interval from the advert (v3)', () => {
  const s = step(initialState(params()), { kind: 'startup' }, 0).state;
  const t = step(s, { kind: 'advert_received', advert: { priority: 150, sourceAddress: '192.0.2.2', advertIntervalCs: 25 } }, 0);
  assert.equal(t.state.masterAdverIntervalCs, 25);
});

test('RFC 5798 §6.4.3: Master sends an advert each time the Adver_Timer fires', () => {
  const s0 = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0).state;
  const t = step(s0, { kind: 'timer_fired' }, 1_000_000);
  assert.deepEqual(t.actions, [{ kind: 'send_advert', priority: 255 }]);
  assert.equal(t.state.adverDeadlineUs, 2_000_000);
});

test('RFC 5798 §6.4.3: Master answers a priority 0 advert with an advert', () => {
  const s0 = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0).state;
  assert.deepEqual(kinds(step(s0, rx(0), 5).actions), ['send_advert']);
});

test('RFC 5798 §6.4.3: Master yields to a higher priority, or an equal one from a higher primary address', () => {
  const m = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0).state;
  const mm = { ...m, effectivePriority: 100 };
  assert.equal(step(mm, rx(101), 1).state.state, 'BACKUP');
  assert.equal(step(mm, rx(100, '192.0.2.200'), 1).state.state, 'BACKUP');
  assert.equal(step(mm, rx(100, '192.0.2.0'), 1).state.state, 'MASTER');
});

test('RFC 5798 §6.4.3: on shutdown the Master sends an advert with priority 0', () => {
  const m = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0).state;
  const t = step(m, { kind: 'shutdown' }, 1);
  assert.deepEqual(t.actions.find((a) => a.kind === 'send_advert'), { kind: 'send_advert', priority: 0 });
});

/**
 * Where keepalived (and so keepalived-ts) departs from RFC 5798; each is pinned by a test.
 */
export const KEEPALIVED_DIFFERENCES = [
  '§6.4.3: a Master hearing a lower priority re-advertises at once ("forcing new election") and sends GARP, instead of discarding the advert (RFC 9568 later allowed this); lower_prio_no_advert restores the RFC behaviour.',
  '§6.4.2: a Backup that hears a lower priority while Preempt_Mode is true does not preempt at once; it discards the advert and takes over when its Master_Down_Timer fires.',
  '§5.2.8: the VRRPv3 checksum over IPv4 includes the pseudo-header (as the RFC says); keepalived later added v3_checksum_as_v2 for routers that do not.',
] as const;

test('keepalived difference: Master re-advertises on a lower-priority advert (RFC 5798 §6.4.3 says discard)', () => {
  const m = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0).state;
  const t = step({ ...m, effectivePriority: 200 }, rx(100), 1);
  assert.equal(t.state.state, 'MASTER');
  assert.ok(kinds(t.actions).includes('send_advert'));
  const rfc = step({ ...m, effectivePriority: 200, params: { ...m.params, lowerPrioNoAdvert: true } }, rx(100), 1);
  assert.ok(!kinds(rfc.actions).includes('send_advert'));
});

test('keepalived difference: a preempting Backup waits for its down timer (RFC 5798 §6.4.2)', () => {
  const s = step(initialState(params({ basePriority: 200 })), { kind: 'startup' }, 0).state;
  const t = step(s, rx(100), 1_000_000);
  assert.equal(t.state.state, 'BACKUP');
  assert.equal(t.state.masterDownDeadlineUs, s.masterDownDeadlineUs);
});
