/**
 * Live parsers for the failover benchmark: a tcpdump capture on a lab host
 * (`tcpdump -i eth0 -n -e -tt --immediate-mode -l -U 'vrrp or icmp or arp'`, stdout parsed
 * line by line) and an address monitor (`ip -ts monitor address dev eth0`).
 *
 * Every time is epoch milliseconds (a float): tcpdump -tt prints the kernel's capture time
 * stamp (CLOCK_REALTIME, µs); ip -ts prints the local wall-clock time (µs) at which `ip` read
 * the netlink message. Both are on the same clock as Date.now().
 */
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../../test/lab/netns_lab.js';

export type PacketKind = 'vrrp' | 'echo-request' | 'echo-reply' | 'arp' | 'other';

export interface Packet {
  /** Capture time, epoch ms. */
  readonly t: number;
  readonly src: string;
  readonly dst: string;
  readonly kind: PacketKind;
  /** VRRP priority (vrrp only). */
  readonly prio?: number;
  readonly text: string;
}

const LINE = /^(\d+\.\d+) ([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype (\S+) \([^)]*\), length \d+: (.*)$/;

export function parseTcpdumpLine(line: string): Packet | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const t = Number(m[1]) * 1000;
  const src = m[2] ?? '';
  const dst = m[3] ?? '';
  const rest = m[5] ?? '';
  if (m[4] === 'ARP') return { t, src, dst, kind: 'arp', text: rest };
  const v = /VRRPv\d, Advertisement, vrid \d+, prio (\d+)/.exec(rest);
  if (v) return { t, src, dst, kind: 'vrrp', prio: Number(v[1]), text: rest };
  if (/ICMP echo reply/.test(rest)) return { t, src, dst, kind: 'echo-reply', text: rest };
  if (/ICMP echo request/.test(rest)) return { t, src, dst, kind: 'echo-request', text: rest };
  return { t, src, dst, kind: 'other', text: rest };
}

interface Waiter<T> {
  readonly pred: (x: T) => boolean;
  readonly resolve: (x: T) => void;
}

/** Collects parsed lines of a child's stdout and lets callers wait for one that matches. */
class LineCollector<T> {
  readonly items: T[] = [];
  private waiters: Waiter<T>[] = [];
  private partial = '';

  constructor(
    child: ChildProcess,
    private readonly parse: (line: string) => T | undefined,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const p of parts) {
        const x = this.parse(p);
        if (x !== undefined) this.add(x);
      }
    });
  }

  private add(x: T): void {
    this.items.push(x);
    this.waiters = this.waiters.filter((w) => {
      if (w.pred(x)) {
        w.resolve(x);
        return false;
      }
      return true;
    });
  }

  /** First item (already seen or future) matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (x: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const seen = this.items.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (x: T) => {
        clearTimeout(timer);
        resolve(x);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }
}

export class Capture extends LineCollector<Packet> {
  readonly child: ChildProcess;
  /** Resolves when tcpdump says it is listening. */
  readonly ready: Promise<void>;
  stderr = '';

  constructor(lab: Lab, host: string) {
    const child = lab.spawn(host, ['tcpdump', '-i', 'eth0', '-n', '-e', '-tt', '--immediate-mode', '-l', '-U', 'vrrp or icmp or arp']);
    super(child, parseTcpdumpLine);
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${this.stderr}`)), 5_000);
      child.stderr?.on('data', (c: Buffer) => {
        this.stderr += c.toString('utf8');
        if (/listening on/.test(this.stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`tcpdump exited: ${this.stderr}`)));
    });
  }

  packets(pred: (p: Packet) => boolean): Packet[] {
    return this.items.filter(pred);
  }
  first(pred: (p: Packet) => boolean): Packet | undefined {
    return this.items.find(pred);
  }
  last(pred: (p: Packet) => boolean): Packet | undefined {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const p = this.items[i];
      if (p !== undefined && pred(p)) return p;
    }
    return undefined;
  }
}

export interface AddrEvent {
  /** Epoch ms at which `ip` printed the event. */
  readonly t: number;
  readonly deleted: boolean;
  /** ADDR/LEN */
  readonly addr: string;
}

const MON = /^\[(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})\] (Deleted )?\d+: \S+\s+inet6? (\S+)/;

export function parseMonitorLine(line: string): AddrEvent | undefined {
  const m = MON.exec(line);
  if (!m) return undefined;
  const n = (i: number) => Number(m[i]);
  // ip -ts prints local time without a zone; this process shares the zone.
  const t = new Date(n(1), n(2) - 1, n(3), n(4), n(5), n(6)).getTime() + n(7) / 1000;
  return { t, deleted: m[8] !== undefined, addr: m[9] ?? '' };
}

export class AddrMonitor extends LineCollector<AddrEvent> {
  readonly child: ChildProcess;
  constructor(lab: Lab, host: string) {
    const child = lab.spawn(host, ['ip', '-ts', 'monitor', 'address', 'dev', 'eth0']);
    super(child, parseMonitorLine);
    this.child = child;
  }
}
