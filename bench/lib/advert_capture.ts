/**
 * A VRRP-only tcpdump capture with nanosecond kernel time stamps:
 * `tcpdump -i eth0 -n -e -tt --time-stamp-precision=nano --immediate-mode -l -U <filter>`.
 * Times are epoch milliseconds (float; CLOCK_REALTIME, the clock of Date.now()).
 */
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../../test/lab/netns_lab.js';

export interface Advert {
  /** Capture time stamp, epoch ms. */
  readonly t: number;
  readonly srcMac: string;
  readonly src: string;
  readonly prio: number;
  /** Advertised interval in centiseconds (v3) or seconds (v2), as printed. */
  readonly intvl: string;
}

const LINE = /^(\d+)\.(\d+) ([0-9a-f:]{17}) > [0-9a-f:]{17}, ethertype IPv4 \([^)]*\), length \d+: (\S+) > \S+: VRRPv\d, Advertisement, vrid \d+, prio (\d+), (?:authtype \S+, )?intvl (\S+),/;

export function parseAdvertLine(line: string): Advert | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const frac = m[2] ?? '0';
  const t = Number(m[1]) * 1000 + Number(frac) / 10 ** (frac.length - 3);
  return { t, srcMac: m[3] ?? '', src: m[4] ?? '', prio: Number(m[5]), intvl: m[6] ?? '' };
}

export class AdvertCapture {
  readonly adverts: Advert[] = [];
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  stderr = '';
  private partial = '';

  constructor(lab: Lab, host: string, filter = 'vrrp', nano = true) {
    const precision = nano ? ['--time-stamp-precision=nano'] : [];
    this.child = lab.spawn(host, ['tcpdump', '-i', 'eth0', '-n', '-e', '-tt', ...precision, '--immediate-mode', '-l', '-U', filter]);
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const parts = (this.partial + chunk.toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      for (const p of parts) {
        const a = parseAdvertLine(p);
        if (a !== undefined) this.adverts.push(a);
      }
    });
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${this.stderr}`)), 5_000);
      this.child.stderr?.on('data', (c: Buffer) => {
        this.stderr += c.toString('utf8');
        if (/listening on/.test(this.stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      this.child.once('exit', () => reject(new Error(`tcpdump exited: ${this.stderr}`)));
    });
  }

  /** Adverts from `src` captured in [fromMs, toMs]. */
  between(src: string, fromMs: number, toMs: number): Advert[] {
    return this.adverts.filter((a) => a.src === src && a.t >= fromMs && a.t <= toMs);
  }
}

export interface JitterStats {
  readonly adverts: number;
  readonly intervals: number;
  /** Raw intervals, ms. */
  readonly meanMs: number;
  readonly minMs: number;
  readonly p1Ms: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** |interval − nominal|, ms. */
  readonly devP50Ms: number;
  readonly devP90Ms: number;
  readonly devP99Ms: number;
  readonly devP999Ms: number;
  readonly devMaxMs: number;
  /** Intervals whose deviation exceeds 1 / 2 / 5 ms. */
  readonly over1: number;
  readonly over2: number;
  readonly over5: number;
  /** Intervals longer than 1.5 nominal (a missing advert). */
  readonly missing: number;
  /** Worst intervals: [capture time of the later advert (epoch ms), interval ms]. */
  readonly worst: readonly (readonly [number, number])[];
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function intervalsOf(adverts: readonly Advert[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < adverts.length; i++) out.push((adverts[i]?.t ?? NaN) - (adverts[i - 1]?.t ?? NaN));
  return out;
}

export function jitterStats(adverts: readonly Advert[], nominalMs: number): JitterStats {
  const iv = intervalsOf(adverts);
  const raw = [...iv].sort((a, b) => a - b);
  const dev = iv.map((x) => Math.abs(x - nominalMs)).sort((a, b) => a - b);
  const worst = iv
    .map((x, i): [number, number] => [adverts[i + 1]?.t ?? NaN, x])
    .sort((a, b) => Math.abs(b[1] - nominalMs) - Math.abs(a[1] - nominalMs))
    .slice(0, 10);
  return {
    adverts: adverts.length,
    intervals: iv.length,
    meanMs: iv.reduce((s, x) => s + x, 0) / Math.max(1, iv.length),
    minMs: raw[0] ?? NaN,
    p1Ms: percentile(raw, 0.01),
    p50Ms: percentile(raw, 0.5),
    p99Ms: percentile(raw, 0.99),
    maxMs: raw[raw.length - 1] ?? NaN,
    devP50Ms: percentile(dev, 0.5),
    devP90Ms: percentile(dev, 0.9),
    devP99Ms: percentile(dev, 0.99),
    devP999Ms: percentile(dev, 0.999),
    devMaxMs: dev[dev.length - 1] ?? NaN,
    over1: dev.filter((x) => x > 1).length,
    over2: dev.filter((x) => x > 2).length,
    over5: dev.filter((x) => x > 5).length,
    missing: iv.filter((x) => x > 1.5 * nominalMs).length,
    worst,
  };
}
