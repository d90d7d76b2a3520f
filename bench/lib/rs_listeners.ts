/**
 * Real servers for checker benchmarks, and /proc readings of a running daemon (the approach
 * of bench/checker_cpu.bench.ts, shared here for other benches).
 *
 * One Node process per server namespace listens on `ports` TCP ports (basePort…); every
 * accepted connection is closed at once. Checks are counted where they land: a stateless nft
 * rule per source address in each server namespace counts the SYNs.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Lab } from '../../test/lab/netns_lab.js';

export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

// ---------------------------------------------------------------- /proc readings

export interface CpuTimes {
  /** Seconds. */
  readonly utime: number;
  readonly stime: number;
  readonly cutime: number;
  readonly cstime: number;
}

export function cpuTimes(pid: number): CpuTimes {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const at = (field: number) => Number(f[field - 3]) / CLK_TCK;
  return { utime: at(14), stime: at(15), cutime: at(16), cstime: at(17) };
}

export function memKb(pid: number): { rssKb: number; hwmKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/**
 * Scheduler figures of a process's main thread: /proc/<pid>/task/<pid>/schedstat (ns on CPU,
 * ns waiting on a run queue, time slices) and the context-switch counts from status.
 */
export interface SchedStat {
  readonly runNs: number;
  readonly waitNs: number;
  readonly slices: number;
  readonly voluntary: number;
  readonly involuntary: number;
}

export function schedStat(pid: number): SchedStat {
  const [run, wait, slices] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  const n = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { runNs: run ?? NaN, waitNs: wait ?? NaN, slices: slices ?? NaN, voluntary: n('voluntary_ctxt_switches'), involuntary: n('nonvoluntary_ctxt_switches') };
}

export function childRole(pid: number): string | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.find((e) => e.startsWith('KEEPALIVED_TS_CHILD='))?.slice('KEEPALIVED_TS_CHILD='.length);
  } catch {
    return undefined;
  }
}

export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

export function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const c = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (c !== '') out.push(...c.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- listeners

const LISTENER = (ports: number, basePort: number) => `
const net = require('net');
let ready = 0;
for (let i = 0; i < ${ports}; i++) {
  const s = net.createServer({ pauseOnConnect: true }, (c) => { c.on('error', () => {}); c.destroy(); });
  s.on('error', (e) => { console.error('listen ' + (${basePort} + i) + ': ' + e.message); process.exit(1); });
  s.listen({ port: ${basePort} + i, host: '0.0.0.0', backlog: 1024 }, () => { if (++ready === ${ports}) console.log('ready'); });
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

/** Starts one listener process in `host`; resolves when all its ports listen. */
export function startListener(lab: Lab, host: string, ports: number, basePort: number): Promise<void> {
  const child = lab.spawn(host, [process.execPath, '-e', LISTENER(ports, basePort)]);
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[listener ${host}] ${d.toString()}`));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`listener in ${host} exited (${code})`)));
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('ready')) resolve();
    });
  });
}

/** nft counters of the SYNs from each source address, in every server namespace. */
export function installSynCounters(lab: Lab, hosts: readonly string[], sources: readonly string[], table: string): void {
  const rules = sources.map((a) => `    ip saddr ${a} tcp flags & (syn | ack) == syn counter`).join('\n');
  const script = `table inet ${table} {\n  chain in {\n    type filter hook input priority 0; policy accept;\n${rules}\n  }\n}\n`;
  for (const h of hosts) {
    const r = spawnSync('ip', ['netns', 'exec', lab.host(h).ns, 'nft', '-f', '-'], { input: script, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`nft in ${h}: ${r.stderr}`);
  }
}

export function synsFrom(lab: Lab, hosts: readonly string[], address: string, table: string): number {
  let sum = 0;
  for (const h of hosts) {
    const text = lab.exec(h, ['nft', 'list', 'chain', 'inet', table, 'in']);
    for (const m of text.matchAll(/ip saddr (\S+) .*counter packets (\d+)/g)) if (m[1] === address) sum += Number(m[2]);
  }
  return sum;
}
