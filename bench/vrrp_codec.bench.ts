/**
 * VRRP codec benchmark: adverts encoded and decoded per second for the shapes
 * keepalived sends (v2 PASS with 2 VIPs, v3 IPv4 with 3, v3 IPv6 with 2) and a worst
 * case (v3 IPv4 with 255 VIPs). Each figure is the median of 5 timed rounds after a
 * warm-up. A typical daemon handles tens of adverts per second, so this is headroom.
 *
 *   node dist/bench/vrrp_codec.bench.js [--ms N]   (N: duration of one round, default 200)
 */
import { performance } from 'node:perf_hooks';
import { parseIp, type IpAddress } from '../src/lib/ip.js';
import type { Advert } from '../src/vrrp/advert.js';
import { decodeAdvert, encodeAdvert, type DecodeContext } from '../src/vrrp/packet.js';

function ipOf(text: string): IpAddress {
  const ip = parseIp(text);
  if (ip === undefined) throw new Error(text);
  return ip;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const V4: DecodeContext = { family: 4, source: ipOf('192.168.77.1'), destination: ipOf('224.0.0.18') };
const V6: DecodeContext = { family: 6, source: ipOf('fe80::1'), destination: ipOf('ff02::12') };
const pass = new Uint8Array([0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x31, 0x32]);

const SHAPES: readonly { name: string; advert: Advert; ctx: DecodeContext }[] = [
  {
    name: 'v2 PASS, 2 VIPs',
    ctx: V4,
    advert: {
      version: 2, vrid: 51, priority: 255, family: 4, addresses: ['192.168.77.100', '192.168.77.101'],
      authType: 1, authData: pass, advertIntervalCs: 100, checksum: 0,
    },
  },
  {
    name: 'v3 IPv4, 3 VIPs',
    ctx: V4,
    advert: {
      version: 3, vrid: 53, priority: 255, family: 4,
      addresses: ['192.168.77.103', '192.168.77.104', '192.168.77.105'],
      authType: 0, authData: new Uint8Array(0), advertIntervalCs: 50, checksum: 0,
    },
  },
  {
    name: 'v3 IPv6, 2 VIPs',
    ctx: V6,
    advert: {
      version: 3, vrid: 54, priority: 255, family: 6, addresses: ['fe80::54', '2001:db8::54'],
      authType: 0, authData: new Uint8Array(0), advertIntervalCs: 100, checksum: 0,
    },
  },
  {
    name: 'v3 IPv4, 255 VIPs',
    ctx: V4,
    advert: {
      version: 3, vrid: 1, priority: 100, family: 4,
      addresses: Array.from({ length: 255 }, (_, i) => `10.0.${i >> 8}.${i & 255}`),
      authType: 0, authData: new Uint8Array(0), advertIntervalCs: 100, checksum: 0,
    },
  },
];

/** Operations per second of `fn`, median of 5 rounds of `roundMs`. */
function perSecond(fn: () => void, roundMs: number): number {
  const rates: number[] = [];
  for (let round = -1; round < 5; round++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
      elapsed = performance.now() - start;
    }
    if (round >= 0) rates.push((n / elapsed) * 1000);
  }
  rates.sort((a, b) => a - b);
  return rates[2] ?? 0;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);

function main(): void {
  const roundMs = option('ms', 200);
  console.log(`node ${process.version}; median of 5 rounds of ${roundMs} ms\n`);
  console.log(`${'shape'.padEnd(20)} ${'encode/s'.padStart(12)} ${'decode/s'.padStart(12)}`);
  for (const s of SHAPES) {
    const bytes = encodeAdvert(s.advert, s.ctx);
    if (!decodeAdvert(bytes, s.ctx).ok) throw new Error(`${s.name} does not round trip`);
    const enc = perSecond(() => encodeAdvert(s.advert, s.ctx), roundMs);
    const dec = perSecond(() => decodeAdvert(bytes, s.ctx), roundMs);
    console.log(`${s.name.padEnd(20)} ${fmt(enc)} ${fmt(dec)}`);
  }
}

main();
