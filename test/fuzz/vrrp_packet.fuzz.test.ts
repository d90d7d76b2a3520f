/**
 * Properties of the VRRP codec (fast-check):
 *   - decode(encode(x)) = x for arbitrary valid adverts (v2/IPv4, v3/IPv4 in both checksum
 *     modes, v3/IPv6), with the checksum the encoder wrote;
 *   - decodeAdvert and decodeIpv4Header are total: on arbitrary and on mutated bytes they
 *     never throw and every rejection is a known DropReason;
 *   - whatever decodes re-encodes to something that decodes to the same advert.
 * CI runs 100,000+ cases in a few seconds; VRRP_FUZZ_SCALE=10 runs ten times more.
 * Failures print fast-check's seed and path (replay with { seed, path }).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIp, type IpAddress } from '../../src/lib/ip.js';
import type { Advert } from '../../src/vrrp/advert.js';
import type { ChecksumMode } from '../../src/vrrp/checksum.js';
import { isDropReason } from '../../src/vrrp/drop_reasons.js';
import { decodeAdvert, decodeIpv4Header, encodeAdvert, type DecodeContext } from '../../src/vrrp/packet.js';

const SCALE = Math.max(1, Number(process.env['VRRP_FUZZ_SCALE'] ?? '1') || 1);
const runs = (n: number): number => Math.round(n * SCALE);

const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b): IpAddress => ({ family: 4, bytes: b }));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b): IpAddress => ({ family: 6, bytes: b }));
const byte = fc.integer({ min: 0, max: 255 });
const mode: fc.Arbitrary<ChecksumMode> = fc.constantFrom('pseudo_header', 'v3_checksum_as_v2');

interface Case {
  readonly advert: Advert;
  readonly ctx: DecodeContext;
}

const v2Case: fc.Arbitrary<Case> = fc
  .record({
    vrid: byte,
    priority: byte,
    addresses: fc.array(ipv4, { maxLength: 255, size: 'medium' }),
    authType: fc.constantFrom(0 as const, 1 as const, 2 as const),
    authData: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    seconds: byte,
    source: ipv4,
    destination: ipv4,
  })
  .map((r) => ({
    advert: {
      version: 2, vrid: r.vrid, priority: r.priority, family: 4,
      addresses: r.addresses.map(formatIp), authType: r.authType, authData: r.authData,
      advertIntervalCs: r.seconds * 100, checksum: 0,
    },
    ctx: { family: 4, source: r.source, destination: r.destination },
  }));

function v3Case(family: 4 | 6): fc.Arbitrary<Case> {
  const address = family === 4 ? ipv4 : ipv6;
  return fc
    .record({
      vrid: byte,
      priority: byte,
      addresses: fc.array(address, { maxLength: family === 4 ? 255 : 64, size: 'medium' }),
      intervalCs: fc.integer({ min: 0, max: 4095 }),
      source: address,
      destination: address,
      checksumMode: mode,
    })
    .map((r) => ({
      advert: {
        version: 3, vrid: r.vrid, priority: r.priority, family,
        addresses: r.addresses.map(formatIp), authType: 0, authData: new Uint8Array(0),
        advertIntervalCs: r.intervalCs, checksum: 0,
      },
      ctx: { family, source: r.source, destination: r.destination, checksumMode: r.checksumMode },
    }));
}

const anyCase = fc.oneof(v2Case, v3Case(4), v3Case(6));

function assertKnown(r: ReturnType<typeof decodeAdvert> | ReturnType<typeof decodeIpv4Header>): void {
  if (!r.ok) assert.ok(isDropReason(r.reason), `unknown reason ${String(r.reason)}`);
}

test('decode(encode(advert)) = advert for arbitrary valid adverts', () => {
  fc.assert(
    fc.property(anyCase, ({ advert, ctx }) => {
      const bytes = encodeAdvert(advert, ctx);
      const r = decodeAdvert(bytes, ctx);
      assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${r.detail}`);
      const checksum = ((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0);
      assert.deepEqual(r.advert, { ...advert, checksum });
    }),
    { numRuns: runs(30_000) },
  );
});

test('decodeAdvert() is total on arbitrary bytes: never throws, only known reasons', () => {
  const ctx = fc.oneof(
    fc.record({ family: fc.constant(4 as const), source: ipv4, destination: ipv4, checksumMode: mode }),
    fc.record({ family: fc.constant(6 as const), source: ipv6, destination: ipv6 }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600, size: 'medium' }), ctx, (bytes, c) => {
      assertKnown(decodeAdvert(bytes, c));
    }),
    { numRuns: runs(40_000) },
  );
});

test('mutated valid packets: decode never throws, and what decodes re-encodes consistently', () => {
  const mutation = fc.record({
    flips: fc.array(fc.tuple(fc.nat(), byte), { maxLength: 4 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    extra: fc.uint8Array({ maxLength: 20 }),
  });
  fc.assert(
    fc.property(anyCase, mutation, ({ advert, ctx }, m) => {
      let bytes = encodeAdvert(advert, ctx);
      for (const [at, value] of m.flips) bytes[at % bytes.length] = value;
      if (m.cut !== undefined) bytes = bytes.subarray(0, m.cut % (bytes.length + 1));
      if (m.extra.length > 0 && m.cut === undefined) bytes = Uint8Array.from([...bytes, ...m.extra]);
      const r = decodeAdvert(bytes, ctx);
      assertKnown(r);
      if (!r.ok) return;
      const again = decodeAdvert(encodeAdvert(r.advert, ctx), ctx);
      assert.ok(again.ok);
      assert.deepEqual({ ...again.advert, checksum: 0 }, { ...r.advert, checksum: 0 });
    }),
    { numRuns: runs(25_000) },
  );
});

test('decodeIpv4Header() is total on arbitrary bytes and on near-valid headers', () => {
  const nearValid = fc
    .record({ ihl: fc.integer({ min: 0, max: 15 }), body: fc.uint8Array({ minLength: 0, maxLength: 80 }) })
    .map(({ ihl, body }) => {
      const b = Uint8Array.from([0x40 | ihl, 0, 0, 0, ...body]);
      b[2] = b.length >> 8;
      b[3] = b.length & 0xff;
      return b;
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), nearValid), (bytes) => {
      const r = decodeIpv4Header(bytes);
      assertKnown(r);
      if (r.ok) assert.equal(r.header.headerLength + r.payload.length, bytes.length);
    }),
    { numRuns: runs(10_000) },
  );
});
