/**
 * Checker CPU: keepalived-ts's checker process against HAProxy 2.6, both running TCP
 * connect checks every second against the same real servers, in the same run. Needs root,
 * nft and haproxy; not part of npm test.
 *
 *   npx tsc -p . && node dist/bench/checker_cpu.bench.js [--servers=5000] [--small=1000]
 *       [--warmup=10] [--window=60] [--small-window=30] [--profile[=20]] [--json=FILE]
 *       [--kats-bin=PATH] [--wire[=6]]
 *   --small=0 runs the big phases only.
 *
 * Lab (test/lab, tag 'ccpu', net 10.176.0.0/24): `lb` (10.176.0.1) runs keepalived-ts,
 * `hap` (10.176.0.2) runs HAProxy, `s1`…`s5` (10.176.0.3–7) each run one Node listener
 * process on up to 1,000 TCP ports (20000…) that accepts, counts the connection by source
 * address and closes it at once. The checks each side really made are counted as SYNs from
 * its address by a stateless nft counter rule in each server namespace (HAProxy's layer-4
 * check resets after the SYN-ACK, so it is never accepted).
 *
 * Phases, one after the other (each side alone on the machine while measured):
 *  ours-N     `keepalived-ts -n -l -f conf`: 5 virtual servers (10.176.1.k:80, NAT, rr),
 *             N/5 real servers each (one listener namespace per virtual server), every
 *             real server with `TCP_CHECK { connect_timeout 1 }`, delay_loop 1.
 *  haproxy-N  `haproxy -db -f cfg`: one backend of the same N servers, `check inter 1s`,
 *             `timeout check 1s`, `timeout connect 1s`; threads left to HAProxy (auto); an idle
 *             frontend on 127.0.0.1:8080 (HAProxy will not start without a listener).
 *  haproxy-N-conntrack (big N only): the same, with empty nat prerouting/output chains in
 *             hap, so that HAProxy's check connections are tracked and NAT-bound as ours
 *             are in lb (our nftables data plane's hooks turn conntrack on there). The
 *             target is against haproxy-N; this phase says how much of the difference is
 *             that kernel path rather than the checker.
 * Each phase: start, wait for the first checks to arrive, warm up (--warmup s), then measure
 * over --window s: CPU = Δ(utime+stime) of the checker child (and of haproxy) from
 * /proc/<pid>/stat; children = Δ(cutime+cstime) (the nft commands the checker runs and
 * reaps); checks = SYNs that reached the servers from that side's address. Figures
 * are CPU seconds per 1,000 checks. RSS from /proc/<pid>/status at the end of the window
 * (checker child, and the whole daemon: parent + children).
 *
 * --profile[=S]: one more ours-N phase with `node --cpu-prof` (inherited by the children
 * through fork's execArgv), an S-second window, then the checker child's profile is
 * summarised (self and inclusive time per function). Its CPU figures are not comparable
 * (the profiler costs CPU) and are reported apart.
 *
 * --wire[=S]: after each window, S more seconds of tcpdump on the checking side's eth0 (its
 * outgoing SYNs and RSTs): the period of each checker (SYN to its next SYN), the time from a
 * SYN to the prober's RST (the completion seen by the process), and how bunched the SYNs are
 * (share of empty 10-ms slots; bursts = SYNs separated by < 30 ms). Needs tcpdump. Explains
 * a checks/s below the target: a period above `delay_loop` + the handshake.
 *
 * keepalived-ts runs from a private copy of the build taken at start (bench/lib/snapshot.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labProblem } from '../test/lab/netns_lab.js';
import { Daemon, REPO_ROOT } from '../test/lab/daemons.js';
import { snapshotBuild } from './lib/snapshot.js';
import { summarizeCpuProfile, type ProfileSummary } from './lib/cpuprofile.js';
import { childRole, childrenOf, cpuTimes, installSynCounters, memKb, synsFrom } from './lib/rs_listeners.js';
import { arg, numArg, sleep, runMain } from './lib/args.js';

const NET = 176;
const SERVER_HOSTS = ['s1', 's2', 's3', 's4', 's5'] as const;
const BASE_PORT = 20000;




// ---------------------------------------------------------------- /proc readings

// ---------------------------------------------------------------- listeners

/**
 * One process per server namespace: `ports` listening sockets on 0.0.0.0:BASE_PORT…; every
 * accepted connection is counted by source address and closed at once. A line on stdin
 * asks for the counts (one JSON line back).
 */
const LISTENER = (ports: number) => `
const net = require('net');
const counts = new Map();
let ready = 0;
for (let i = 0; i < ${ports}; i++) {
  const s = net.createServer({ pauseOnConnect: true }, (c) => {
    const a = c.remoteAddress;
    counts.set(a, (counts.get(a) || 0) + 1);
    c.on('error', () => {});
    c.destroy();
  });
  s.on('error', (e) => { console.error('listen ' + (${BASE_PORT} + i) + ': ' + e.message); process.exit(1); });
  s.listen({ port: ${BASE_PORT} + i, host: '0.0.0.0', backlog: 1024 }, () => { if (++ready === ${ports}) console.log('ready'); });
}
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  while (buf.includes('\\n')) {
    buf = buf.slice(buf.indexOf('\\n') + 1);
    process.stdout.write(JSON.stringify(Object.fromEntries(counts)) + '\\n');
  }
});
process.stdin.on('end', () => process.exit(0));
`;

class Listener {
  private buf = '';
  private waiting: ((line: string) => void)[] = [];
  readonly ready: Promise<void>;

  constructor(readonly lab: Lab, readonly host: string, ports: number) {
    const child = lab.spawn(host, [process.execPath, '-e', LISTENER(ports)]);
    let readyResolve: () => void = () => {};
    let readyReject: (e: Error) => void = () => {};
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[listener ${host}] ${d.toString()}`));
    child.once('exit', (code) => readyReject(new Error(`listener in ${host} exited (${code})`)));
    child.stdout?.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line === 'ready') readyResolve();
        else this.waiting.shift()?.(line);
      }
    });
    this.stdin = (t: string) => child.stdin?.write(t);
  }

  private readonly stdin: (t: string) => void;

  counts(): Promise<Record<string, number>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`listener ${this.host}: no answer`)), 5_000);
      this.waiting.push((line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, number>);
      });
      this.stdin('\n');
    });
  }
}

/**
 * Connections the listeners accepted from `address`. Checks themselves are counted where they
 * land, by the stateless nft SYN counters (bench/lib/rs_listeners.ts installSynCounters):
 * HAProxy's layer-4 check answers the SYN-ACK with a RST, so accept() never sees it.
 */
async function acceptedFrom(listeners: readonly Listener[], address: string): Promise<number> {
  const all = await Promise.all(listeners.map((l) => l.counts()));
  return all.reduce((sum, c) => sum + (c[address] ?? 0), 0);
}

// ---------------------------------------------------------------- configurations

function serverList(lab: Lab, n: number): { host: string; address: string; port: number }[] {
  const perHost = n / SERVER_HOSTS.length;
  return SERVER_HOSTS.flatMap((h) =>
    Array.from({ length: perHost }, (_x, i) => ({ host: h, address: lab.host(h).ipv4, port: BASE_PORT + i })),
  );
}

function keepalivedConf(lab: Lab, n: number): string {
  const out = ['global_defs {', '  router_id bench_ccpu', '}'];
  const servers = serverList(lab, n);
  SERVER_HOSTS.forEach((h, k) => {
    out.push(`virtual_server 10.${NET}.1.${k + 1} 80 {`, '  delay_loop 1', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (const s of servers.filter((x) => x.host === h)) {
      out.push(`  real_server ${s.address} ${s.port} {`, '    weight 1', '    TCP_CHECK {', '      connect_timeout 1', '    }', '  }');
    }
    out.push('}');
  });
  return `${out.join('\n')}\n`;
}

function haproxyConf(lab: Lab, n: number): string {
  const out = [
    'global',
    "  maxconn 4000", // HAProxy sizes its fd table from it (the hard limit here is 20,000)
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 10s',
    '  timeout server 10s',
    '  timeout check 1s',
    // HAProxy will not start without a listener; nothing connects to it.
    'frontend idle',
    '  bind 127.0.0.1:8080',
    '  default_backend servers',
    'backend servers',
    '  balance roundrobin',
  ];
  // (`default-server check` does not start the checks in 2.6; each server says it.)
  for (const s of serverList(lab, n)) out.push(`  server ${s.host}_${s.port} ${s.address}:${s.port} check inter 1s`);
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------- phases

interface PhaseResult {
  readonly phase: string;
  readonly side: 'keepalived-ts' | 'haproxy';
  readonly servers: number;
  readonly windowS: number;
  readonly checks: number;
  readonly checksPerS: number;
  /** Of those, connections the listeners accepted (handshake completed). */
  readonly accepted: number;
  readonly utimeS: number;
  readonly stimeS: number;
  /** CPU of reaped children (nft) during the window. */
  readonly childCpuS: number;
  readonly cpuPer1000: number;
  readonly cpuWithChildrenPer1000: number;
  /** Share of one core, own CPU. */
  readonly coreShare: number;
  readonly checkerRssMiB: number;
  readonly checkerHwmMiB: number;
  /** Whole daemon (parent + children), keepalived-ts only. */
  readonly daemonRssMiB?: number;
  readonly startupS: number;
  /** performance.now() at the window's start. */
  readonly windowStartedAt: number;
  /** Log lines about state changes during the window (should be 0). */
  readonly stateChanges: number;
  readonly profile?: ProfileSummary;
  readonly wire?: WireTiming;
}

// ---------------------------------------------------------------- wire timing (--wire)

interface Quantiles {
  readonly n: number;
  readonly mean: number;
  readonly p1: number;
  readonly p50: number;
  readonly p99: number;
}

interface WireTiming {
  readonly seconds: number;
  readonly syns: number;
  /** SYN to the next SYN to the same server (a checker's period), s. */
  readonly period: Quantiles;
  /** SYN to the RST the prober sends after the handshake (completion seen), s. */
  readonly synToRst: Quantiles;
  /** Share of 10-ms slots without a SYN. */
  readonly emptySlots: number;
  /** Groups of SYNs separated by gaps of >= 30 ms: count and the first sizes/lengths. */
  readonly bursts: number;
  readonly firstBursts: readonly { readonly syns: number; readonly ms: number }[];
}

function quantiles(values: number[]): Quantiles {
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number): number => v[Math.min(v.length - 1, Math.floor(p * v.length))] ?? NaN;
  return { n: v.length, mean: v.reduce((a, b) => a + b, 0) / Math.max(1, v.length), p1: q(0.01), p50: q(0.5), p99: q(0.99) };
}

/** Pure: `tcpdump -n -tt` lines of one side's outgoing SYNs and RSTs → timing figures. */
function wireTimingOf(lines: readonly string[], seconds: number): WireTiming {
  const byServer = new Map<string, [number, string][]>();
  const syns: number[] = [];
  for (const line of lines) {
    const m = /^(\d+\.\d+) IP \S+ > (\S+): Flags \[(\S+)\]/.exec(line);
    if (m === null) continue;
    const t = Number(m[1]);
    const flags = m[3] ?? '';
    const key = m[2] ?? '';
    const list = byServer.get(key) ?? [];
    list.push([t, flags]);
    byServer.set(key, list);
    if (flags === 'S') syns.push(t);
  }
  const period: number[] = [];
  const synToRst: number[] = [];
  for (const list of byServer.values()) {
    let lastSyn: number | undefined;
    for (const [t, flags] of list) {
      if (flags === 'S') {
        if (lastSyn !== undefined) period.push(t - lastSyn);
        lastSyn = t;
      } else if (flags.startsWith('R') && lastSyn !== undefined && synToRst.length < 1e6) {
        synToRst.push(t - lastSyn);
      }
    }
  }
  syns.sort((a, b) => a - b);
  const first = syns[0] ?? 0;
  const slots = new Set(syns.map((t) => Math.floor((t - first) * 100)));
  const slotCount = syns.length === 0 ? 1 : Math.floor(((syns[syns.length - 1] ?? first) - first) * 100) + 1;
  const bursts: { syns: number; ms: number }[] = [];
  let start = first;
  let last = first;
  let count = 0;
  for (const t of syns) {
    if (count > 0 && t - last >= 0.03) {
      bursts.push({ syns: count, ms: (last - start) * 1000 });
      start = t;
      count = 0;
    }
    last = t;
    count++;
  }
  if (count > 0) bursts.push({ syns: count, ms: (last - start) * 1000 });
  return {
    seconds,
    syns: syns.length,
    period: quantiles(period),
    synToRst: quantiles(synToRst),
    emptySlots: 1 - slots.size / slotCount,
    bursts: bursts.length,
    firstBursts: bursts.slice(0, 6),
  };
}

/** tcpdump in `host`'s namespace for `seconds`: its outgoing SYNs (no ACK) and RSTs. */
function captureWire(lab: Lab, host: string, seconds: number): WireTiming {
  const r = spawnSync('ip', ['netns', 'exec', lab.host(host).ns, 'timeout', String(seconds), 'tcpdump', '-i', 'eth0', '-n',
    '-tt', '-l', '-Q', 'out', 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn or tcp[tcpflags] & tcp-rst != 0'],
  { encoding: 'utf8', maxBuffer: 1 << 28 });
  return wireTimingOf(r.stdout.split('\n'), seconds);
}

function wireLine(w: WireTiming): string {
  const q = (x: Quantiles) => `mean ${x.mean.toFixed(3)} s (p1 ${x.p1.toFixed(3)}, p50 ${x.p50.toFixed(3)}, p99 ${x.p99.toFixed(3)}, n ${x.n})`;
  return `wire ${w.seconds} s: ${w.syns} SYNs; period ${q(w.period)}; SYN→RST ${q(w.synToRst)}; ` +
    `${(w.emptySlots * 100).toFixed(0)} % of 10-ms slots without a SYN; ${w.bursts} bursts, first ` +
    w.firstBursts.map((b) => `${b.syns}@${b.ms.toFixed(0)}ms`).join(' ');
}

interface Running {
  readonly pid: number;
  readonly lines: () => readonly string[];
  readonly stop: () => Promise<void>;
  readonly pidsForRss: () => number[];
}

async function measure(
  o: { phase: string; side: 'keepalived-ts' | 'haproxy'; servers: number; warmupS: number; windowS: number; address: string; lab: Lab; listeners: readonly Listener[]; host: string; wireS?: number | undefined },
  running: Running,
  startedAt: number,
  changeRe: RegExp,
): Promise<Omit<PhaseResult, 'profile'>> {
  // The first checks arrive after BOOTSTRAP_DELAY (+ warmup jitter) / HAProxy's spread.
  const base = synsFrom(o.lab, SERVER_HOSTS, o.address, 'ccpu');
  const deadline = Date.now() + 60_000;
  while (synsFrom(o.lab, SERVER_HOSTS, o.address, 'ccpu') - base < o.servers / 2) {
    if (Date.now() > deadline) throw new Error(`${o.phase}: checks did not start within 60 s`);
    await sleep(250);
  }
  const startupS = (performance.now() - startedAt) / 1000;
  console.log(`  ${o.phase}: checks under way ${startupS.toFixed(1)} s after start; warm-up ${o.warmupS} s`);
  await sleep(o.warmupS * 1000);
  const linesBefore = running.lines().length;
  const a0 = await acceptedFrom(o.listeners, o.address);
  const c0 = synsFrom(o.lab, SERVER_HOSTS, o.address, 'ccpu');
  const t0 = cpuTimes(running.pid);
  const w0 = performance.now();
  await sleep(o.windowS * 1000);
  const t1 = cpuTimes(running.pid);
  const w1 = performance.now();
  const c1 = synsFrom(o.lab, SERVER_HOSTS, o.address, 'ccpu');
  const a1 = await acceptedFrom(o.listeners, o.address);
  const windowS = (w1 - w0) / 1000;
  const mem = memKb(running.pid);
  const daemonRssKb = running.pidsForRss().reduce((s, p) => s + memKb(p).rssKb, 0);
  const checks = c1 - c0;
  const utimeS = t1.utime - t0.utime;
  const stimeS = t1.stime - t0.stime;
  const childCpuS = t1.cutime + t1.cstime - (t0.cutime + t0.cstime);
  const changeLines = running.lines().slice(linesBefore).filter((l) => changeRe.test(l));
  const stateChanges = changeLines.length;
  for (const l of changeLines.slice(0, 3)) console.log(`    e.g. ${l}`);
  const r = {
    phase: o.phase,
    side: o.side,
    servers: o.servers,
    windowS,
    checks,
    checksPerS: checks / windowS,
    accepted: a1 - a0,
    utimeS,
    stimeS,
    childCpuS,
    cpuPer1000: ((utimeS + stimeS) / checks) * 1000,
    cpuWithChildrenPer1000: ((utimeS + stimeS + childCpuS) / checks) * 1000,
    coreShare: (utimeS + stimeS) / windowS,
    checkerRssMiB: mem.rssKb / 1024,
    checkerHwmMiB: mem.hwmKb / 1024,
    ...(o.side === 'keepalived-ts' ? { daemonRssMiB: daemonRssKb / 1024 } : {}),
    startupS,
    windowStartedAt: w0,
    stateChanges,
  };
  console.log(`  ${line(r)}`);
  if (o.wireS === undefined) return r;
  const wire = captureWire(o.lab, o.host, o.wireS);
  console.log(`    ${wireLine(wire)}`);
  return { ...r, wire };
}

function line(r: Omit<PhaseResult, 'profile'>): string {
  return [
    `${r.phase}: ${r.checks} checks (SYNs) in ${r.windowS.toFixed(1)} s (${r.checksPerS.toFixed(0)}/s), ${r.accepted} accepted`,
    `cpu ${(r.utimeS + r.stimeS).toFixed(2)} s (u ${r.utimeS.toFixed(2)} s ${r.stimeS.toFixed(2)}) = ${(r.coreShare * 100).toFixed(1)} % of a core`,
    `children ${r.childCpuS.toFixed(2)} s`,
    `${r.cpuPer1000.toFixed(4)} s/1000 checks (${r.cpuWithChildrenPer1000.toFixed(4)} with children)`,
    `RSS ${r.checkerRssMiB.toFixed(1)} MiB (peak ${r.checkerHwmMiB.toFixed(1)})`,
    r.daemonRssMiB !== undefined ? `daemon RSS ${r.daemonRssMiB.toFixed(1)} MiB` : '',
    `state changes ${r.stateChanges}`,
  ].filter((x) => x !== '').join('; ');
}

async function runOurs(
  lab: Lab,
  bin: string,
  listeners: readonly Listener[],
  o: { phase: string; servers: number; warmupS: number; windowS: number; profileDir?: string; wireS?: number | undefined },
): Promise<PhaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kats-ccpu-'));
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, keepalivedConf(lab, o.servers));
  const nodeFlags = o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`];
  const startedAt = performance.now();
  const extra = o.profileDir === undefined ? [] : ['-R'];
  const child = lab.spawn('lb', [process.execPath, ...nodeFlags, bin, '-n', '-l', ...extra, '-f', conf], { cwd: dir });
  const daemon = new Daemon('keepalived-ts', 'lb', child, dir);
  try {
    const parentPid = child.pid;
    if (parentPid === undefined) throw new Error('no daemon pid');
    let checkerPid: number | undefined;
    const deadline = Date.now() + 30_000;
    while (checkerPid === undefined) {
      if (daemon.exited !== undefined) throw new Error(`daemon exited: ${daemon.lines.slice(-10).map((l) => l.text).join('\n')}`);
      if (Date.now() > deadline) throw new Error('no checker child within 30 s');
      checkerPid = childrenOf(parentPid).find((p) => childRole(p) === 'checker');
      if (checkerPid === undefined) await sleep(100);
    }
    const pid = checkerPid;
    const running: Running = {
      pid,
      lines: () => daemon.lines.map((l) => l.text),
      stop: () => daemon.stop('SIGTERM', 20_000),
      pidsForRss: () => [parentPid, ...childrenOf(parentPid).filter((p) => childRole(p) !== undefined)],
    };
    const r = await measure(
      { ...o, side: 'keepalived-ts', address: lab.host('lb').ipv4, lab, listeners, host: 'lb' },
      running,
      startedAt,
      /Removing service|Adding service|Disabling service|Enabling service|failed|timeout/i,
    );
    if (o.profileDir === undefined) {
      await daemon.stop('SIGTERM', 20_000);
      return r;
    }
    // The profile is written when the child exits: stop the child itself (the parent, with
    // -R, then stops too) so that the parent's 5 s child-stop timeout cannot SIGKILL it.
    const stopAt = performance.now();
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 1200 && existsSync(`/proc/${pid}`); i++) await sleep(50);
    const stopMs = performance.now() - stopAt;
    await daemon.stop('SIGTERM', 20_000);
    const file = readdirSync(o.profileDir).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`no profile of pid ${pid} in ${o.profileDir}`);
    // The profile's window: from the measurement window's start to the SIGTERM.
    const window = { startBeforeEndMs: stopMs + (stopAt - r.windowStartedAt), endBeforeEndMs: stopMs };
    return { ...r, profile: summarizeCpuProfile(join(o.profileDir, file), window) };
  } finally {
    await daemon.stop('SIGKILL', 5_000);
    daemon.cleanup();
  }
}

async function runHaproxy(
  lab: Lab,
  listeners: readonly Listener[],
  o: { phase: string; servers: number; warmupS: number; windowS: number; wireS?: number | undefined; conntrack?: boolean },
): Promise<PhaseResult> {
  if (o.conntrack === true) {
    // The hooks of our nftables data plane (src/lvs/nft_ruleset.ts: nat prerouting and
    // output) with no rule in them: every check connection is then tracked and NAT-bound
    // in hap, as ours are in lb.
    lab.exec('hap', ['sysctl', '-qw', 'net.netfilter.nf_conntrack_tcp_timeout_time_wait=5'], true);
    lab.exec('hap', ['nft', 'add table ip kats_ccpu_ct; ' +
      'add chain ip kats_ccpu_ct prerouting { type nat hook prerouting priority dstnat; policy accept; }; ' +
      'add chain ip kats_ccpu_ct output { type nat hook output priority -100; policy accept; }']);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kats-ccpu-hap-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConf(lab, o.servers));
  const startedAt = performance.now();
  const child = lab.spawn('hap', ['haproxy', '-db', '-f', cfg], { cwd: dir });
  const d = new Daemon('keepalived', 'hap', child, dir);
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('no haproxy pid');
    await sleep(200);
    if (d.exited !== undefined) throw new Error(`haproxy exited: ${d.lines.map((l) => l.text).join('\n')}`);
    const running: Running = {
      pid,
      lines: () => d.lines.map((l) => l.text),
      stop: () => d.stop('SIGTERM', 5_000),
      pidsForRss: () => [pid],
    };
    return await measure({ ...o, side: 'haproxy', address: lab.host('hap').ipv4, lab, listeners, host: 'hap' }, running, startedAt, /is DOWN|is UP/);
  } finally {
    await d.stop('SIGTERM', 5_000);
    d.cleanup();
    if (o.conntrack === true) lab.exec('hap', ['nft', 'delete table ip kats_ccpu_ct'], true);
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const problem = labProblem(['nft', 'haproxy']);
  if (problem !== undefined) {
    process.stderr.write(`checker_cpu bench: ${problem}\n`);
    return 2;
  }
  const big = numArg('servers', 5000);
  // --small=0 leaves the small phases out (a quicker run while working on one size).
  const small = arg('small') === '0' ? 0 : numArg('small', 1000);
  const warmupS = numArg('warmup', 10);
  const windowS = numArg('window', 60);
  const smallWindowS = numArg('small-window', 30);
  const profileArg = arg('profile');
  const profileS = profileArg === undefined ? undefined : profileArg === '' ? 20 : numArg('profile', 20);
  const jsonPath = arg('json');
  const wireArg = arg('wire');
  const wireS = wireArg === undefined ? undefined : wireArg === '' ? 6 : numArg('wire', 6);
  if (wireS !== undefined && labProblem(['tcpdump']) !== undefined) throw new Error('--wire needs tcpdump');
  for (const n of [big, small]) {
    if (n === 0) continue;
    if (n % SERVER_HOSTS.length !== 0 || n / SERVER_HOSTS.length > 1000) throw new Error(`server counts: multiples of 5, ≤ 5000 (${n})`);
  }
  const hapVersion = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  const cpu = cpus();
  const machine = `${cpu.length} vCPU ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const head = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  // --kats-bin=PATH: run that keepalived-ts executable (e.g. a patched copy) instead of a
  // snapshot of the working tree's build.
  const katsBinArg = arg('kats-bin');
  const snap = katsBinArg !== undefined && katsBinArg !== '' ? { dir: katsBinArg, bin: katsBinArg, remove: () => {} } : await snapshotBuild();
  const started = new Date();
  console.log(`checker_cpu bench: ${big} and ${small} real servers, TCP checks every 1 s; keepalived-ts vs ${hapVersion}`);
  console.log(`keepalived-ts: build of the working tree at HEAD ${head} (uncommitted changes included), copied to ${snap.dir}`);
  console.log(`${machine}; load avg ${loadavg().map((x) => x.toFixed(2)).join(' ')}; warm-up ${warmupS} s, window ${windowS} s (${smallWindowS} s for ${small})`);

  const lab = Lab.create({ tag: 'ccpu', hosts: ['lb', 'hap', ...SERVER_HOSTS], net: NET });
  const profileDir = mkdtempSync(join(tmpdir(), 'kats-ccpu-prof-'));
  const results: PhaseResult[] = [];
  try {
    // Connection tracking: the nftables data plane turns conntrack on in lb; at 5,000
    // checks/s its 120 s TIME_WAIT entries would fill the table (262,144) within a minute.
    lab.exec('lb', ['sysctl', '-qw', 'net.netfilter.nf_conntrack_tcp_timeout_time_wait=5'], true);
    const listeners = SERVER_HOSTS.map((h) => new Listener(lab, h, Math.max(big, small) / SERVER_HOSTS.length));
    await Promise.all(listeners.map((l) => l.ready));
    installSynCounters(lab, SERVER_HOSTS, [lab.host('lb').ipv4, lab.host('hap').ipv4], 'ccpu');
    console.log(`listeners ready: ${SERVER_HOSTS.length} × ${Math.max(big, small) / SERVER_HOSTS.length} ports`);
    const phases: (() => Promise<PhaseResult>)[] = [
      () => runOurs(lab, snap.bin, listeners, { phase: `ours-${big}`, servers: big, warmupS, windowS, wireS }),
      () => runHaproxy(lab, listeners, { phase: `haproxy-${big}`, servers: big, warmupS, windowS, wireS }),
      () => runHaproxy(lab, listeners, { phase: `haproxy-${big}-conntrack`, servers: big, warmupS, windowS, conntrack: true }),
    ];
    if (small > 0) {
      phases.push(
        () => runOurs(lab, snap.bin, listeners, { phase: `ours-${small}`, servers: small, warmupS, windowS: smallWindowS, wireS }),
        () => runHaproxy(lab, listeners, { phase: `haproxy-${small}`, servers: small, warmupS, windowS: smallWindowS, wireS }),
      );
    }
    if (profileS !== undefined) {
      phases.push(() =>
        runOurs(lab, snap.bin, listeners, { phase: `ours-${big}-cpu-prof`, servers: big, warmupS, windowS: profileS, profileDir }),
      );
    }
    for (const p of phases) {
      try {
        results.push(await p());
      } catch (e) {
        console.log(`  phase failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      await sleep(2_000); // let the sockets of the last phase close
    }
  } finally {
    await lab.destroy();
    rmSync(profileDir, { recursive: true, force: true });
    snap.remove();
  }

  const wallS = (Date.now() - started.getTime()) / 1000;
  console.log(`\nwall time ${wallS.toFixed(0)} s; load avg now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('\n| phase | servers | checks/s | CPU s (user+sys) in window | % of a core | CPU s / 1,000 checks | + nft children | checker RSS MiB | daemon RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.phase} | ${r.servers} | ${r.checksPerS.toFixed(0)} | ${(r.utimeS + r.stimeS).toFixed(2)} (${r.utimeS.toFixed(2)}+${r.stimeS.toFixed(2)}) in ${r.windowS.toFixed(1)} s | ${(r.coreShare * 100).toFixed(1)} | ${r.cpuPer1000.toFixed(4)} | ${r.cpuWithChildrenPer1000.toFixed(4)} | ${r.checkerRssMiB.toFixed(1)} | ${r.daemonRssMiB?.toFixed(1) ?? '—'} |`,
    );
  }
  for (const n of [big, small]) {
    const ours = results.find((r) => r.phase === `ours-${n}`);
    const theirs = results.find((r) => r.phase === `haproxy-${n}`);
    if (ours && theirs) {
      console.log(
        `${n} servers: CPU per 1,000 checks ours/HAProxy = ${(ours.cpuPer1000 / theirs.cpuPer1000).toFixed(2)} (own), ${(ours.cpuWithChildrenPer1000 / theirs.cpuPer1000).toFixed(2)} (with nft children)`,
      );
    }
    const tracked = results.find((r) => r.phase === `haproxy-${n}-conntrack`);
    if (ours && tracked) {
      console.log(`${n} servers: ours/HAProxy with conntrack in its namespace too = ${(ours.cpuPer1000 / tracked.cpuPer1000).toFixed(2)}`);
    }
  }
  for (const r of results) {
    if (r.profile === undefined) continue;
    const p = r.profile;
    console.log(`\nprofile of the checker child (${r.phase}), measurement window only: ${p.durationMs.toFixed(0)} ms, ${p.sampledMs.toFixed(0)} ms sampled, idle ${p.idleMs.toFixed(0)} ms`);
    console.log('top self time:');
    for (const e of p.bySelf.slice(0, 25)) console.log(`  ${e.selfMs.toFixed(0).padStart(7)} ms self ${e.totalMs.toFixed(0).padStart(7)} ms total  ${e.where}`);
    console.log('top inclusive time:');
    for (const e of p.byTotal.slice(0, 40)) console.log(`  ${e.totalMs.toFixed(0).padStart(7)} ms total ${e.selfMs.toFixed(0).padStart(7)} ms self  ${e.where}`);
  }
  if (jsonPath !== undefined && jsonPath !== '') {
    mkdirSync(join(jsonPath, '..'), { recursive: true });
    writeFileSync(jsonPath, JSON.stringify({ date: started.toISOString(), machine, head, haproxy: hapVersion, warmupS, windowS, smallWindowS, results }, null, 2));
  }
  return 0;
}

runMain(main, 'checker_cpu');
