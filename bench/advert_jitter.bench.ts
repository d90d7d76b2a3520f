/**
 * VRRP advert interval jitter at advert_int 0.1 while the checker process is busy, and the
 * daemon's RSS with many real servers. Needs root, tcpdump, nft and keepalived; not part of
 * npm test.
 *
 *   npx tsc -p . && node dist/bench/advert_jitter.bench.js [--servers=5000] [--small=1000]
 *       [--warmup=10] [--window=60] [--small-window=20] [--only=ours-5000,ours-0,...]
 *       [--node-flags="--trace-gc ..."] [--watch] [--vrrp-sched=fifo|nice] [--kats-bin=PATH]
 *       [--json=FILE]
 *
 * Investigation options (keepalived-ts phases): --node-flags are given to node (the children
 * inherit them; with --trace-gc each process's GC pauses are summed and set against the late
 * adverts); --watch polls the daemon's short-lived children (nft, ip) every 5 ms and says
 * which were alive when an advert was late; --vrrp-sched=fifo|nice makes the VRRP child's
 * main thread SCHED_FIFO 10 (chrt) or nice −20 once MASTER (not something the daemon does).
 *
 * Lab (test/lab, tag 'ajit', net 10.177.0.0/24): `lb` (10.177.0.1) runs the daemon under test,
 * `cap` (10.177.0.2) only captures, `s1`…`s5` (10.177.0.3–7) each run one Node listener on up
 * to 1,000 TCP ports (20000…) that accepts and closes at once (as bench/checker_cpu.bench.ts).
 *
 * Every daemon gets the same vrrp_instance: VRRPv3, advert_int 0.1, priority 150 (alone on the
 * bridge, so it becomes MASTER), one VIP. The keepalived-ts phases with N real servers add 5
 * virtual servers (NAT, rr) of N/5 real servers each, every one `TCP_CHECK { connect_timeout
 * 1 }`, delay_loop 1. Phases, one after the other, each with its own daemon:
 *   ours-5000  keepalived-ts, 5,000 real servers (the jitter figure the issue asks for); the
 *              VRRP child runs SCHED_RR 1, keepalived-ts's default for a sub-second advert_int
 *   ours-5000-normal  the same with `vrrp_priority 0`: normal scheduling, for the comparison
 *   ours-1000  keepalived-ts, 1,000 real servers (RSS; jitter over a shorter window)
 *   ours-0     keepalived-ts, no virtual servers (baseline)
 *   keepalived keepalived 2.2.7, no virtual servers (its checker needs ip_vs, absent here)
 * Each: start, wait for MASTER, for the checks to arrive (SYNs from lb counted by nft in the
 * server namespaces), warm up, then a window of --window s. Two captures run throughout:
 * `tcpdump -e -tt --time-stamp-precision=nano` on cap's eth0 (the figure: kernel receive time
 * stamps on a peer) and the same on lb's eth0 (the sender's own transmit stamps, to tell
 * daemon lateness from delay on the bridge). Jitter = |interval − 100 ms| between consecutive
 * adverts from lb in the window. Per process of the daemon (from /proc over the window):
 * CPU, main-thread run-queue wait (schedstat), involuntary context switches; VmRSS at the end
 * of the window and the highest sum seen in 5 s samples.
 *
 * keepalived-ts runs from a private copy of the build taken at start (bench/lib/snapshot.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labProblem } from '../test/lab/netns_lab.js';
import { Daemon, pidArgs, REPO_ROOT, type DaemonKind } from '../test/lab/daemons.js';
import { snapshotBuild } from './lib/snapshot.js';
import { AdvertCapture, jitterStats, type JitterStats } from './lib/advert_capture.js';
import {
  childRole,
  childrenOf,
  commOf,
  cpuTimes,
  installSynCounters,
  memKb,
  schedStat,
  startListener,
  synsFrom,
  type CpuTimes,
  type SchedStat,
} from './lib/rs_listeners.js';
import { arg, numArg, sleep, runMain } from './lib/args.js';

const NET = 177;
const SERVER_HOSTS = ['s1', 's2', 's3', 's4', 's5'] as const;
const BASE_PORT = 20000;
const NOMINAL_MS = 100;
const NFT_TABLE = 'ajit';




// ---------------------------------------------------------------- configuration

/** `normalScheduling`: `vrrp_priority 0`, which turns off keepalived-ts's realtime default. */
function vrrpConfig(normalScheduling = false): string {
  return [
    'global_defs {',
    '  router_id bench_ajit',
    '  vrrp_garp_master_delay 1',
    ...(normalScheduling ? ['  vrrp_priority 0'] : []),
    '}',
    'vrrp_instance VI_1 {',
    '  version 3',
    '  state BACKUP',
    '  interface eth0',
    '  virtual_router_id 51',
    '  priority 150',
    '  advert_int 0.1',
    '  virtual_ipaddress {',
    `    10.${NET}.0.100/24`,
    '  }',
    '}',
    '',
  ].join('\n');
}

function virtualServers(lab: Lab, n: number): string {
  const perHost = n / SERVER_HOSTS.length;
  const out: string[] = [];
  SERVER_HOSTS.forEach((h, k) => {
    out.push(`virtual_server 10.${NET}.1.${k + 1} 80 {`, '  delay_loop 1', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    const address = lab.host(h).ipv4;
    for (let i = 0; i < perHost; i++) {
      out.push(`  real_server ${address} ${BASE_PORT + i} {`, '    weight 1', '    TCP_CHECK {', '      connect_timeout 1', '    }', '  }');
    }
    out.push('}');
  });
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------- processes

interface Proc {
  readonly role: string;
  readonly pid: number;
}

/** The daemon's processes: parent, then its long-lived children (from the pid files). */
function daemonProcs(kind: DaemonKind, parentPid: number, dir: string): Proc[] {
  const out: Proc[] = [{ role: 'parent', pid: parentPid }];
  const fromFile = (f: string): number | undefined => {
    try {
      const n = Number(readFileSync(join(dir, f), 'utf8').trim());
      return Number.isInteger(n) && n > 0 && existsSync(`/proc/${n}`) ? n : undefined;
    } catch {
      return undefined;
    }
  };
  const kids = childrenOf(parentPid);
  const vrrp = fromFile('v.pid') ?? kids.find((p) => childRole(p) === 'vrrp');
  const checker = fromFile('c.pid') ?? kids.find((p) => childRole(p) === 'checker');
  if (vrrp !== undefined) out.push({ role: 'vrrp', pid: vrrp });
  if (checker !== undefined) out.push({ role: 'checker', pid: checker });
  // Anything else long-lived (not a transient nft/ip command).
  for (const p of kids) {
    if (p === vrrp || p === checker) continue;
    const role = kind === 'keepalived-ts' ? childRole(p) : commOf(p) === 'keepalived' ? 'child' : undefined;
    if (role !== undefined) out.push({ role, pid: p });
  }
  return out;
}

interface ProcReading {
  readonly cpu: CpuTimes;
  readonly sched: SchedStat;
}

function readProcs(procs: readonly Proc[]): Map<number, ProcReading> {
  const m = new Map<number, ProcReading>();
  for (const p of procs) {
    try {
      m.set(p.pid, { cpu: cpuTimes(p.pid), sched: schedStat(p.pid) });
    } catch {
      // gone
    }
  }
  return m;
}

function rssSumKb(procs: readonly Proc[]): number {
  return procs.reduce((s, p) => {
    try {
      return s + memKb(p.pid).rssKb;
    } catch {
      return s;
    }
  }, 0);
}

// ---------------------------------------------------------------- phases

interface ProcResult {
  readonly role: string;
  readonly pid: number;
  readonly rssMiB: number;
  /** CPU share of one core over the window (user+sys). */
  readonly coreShare: number;
  /** Main thread: ms spent waiting on a run queue per second of window. */
  readonly rqWaitMsPerS: number;
  readonly involuntaryPerS: number;
  readonly voluntaryPerS: number;
}

interface PhaseResult {
  readonly phase: string;
  readonly kind: DaemonKind;
  readonly servers: number;
  readonly windowS: number;
  readonly peer: JitterStats;
  readonly sender: JitterStats;
  readonly checksPerS: number;
  readonly procs: readonly ProcResult[];
  readonly daemonRssMiB: number;
  readonly daemonRssPeakMiB: number;
  /** Log lines in the window about VRRP state or real-server state changes. */
  readonly changes: number;
  readonly loadAvg: readonly number[];
  /** Raw intervals at the peer, ms (for --json). */
  readonly intervalsMs: readonly number[];
}

interface PhaseSpec {
  readonly phase: string;
  readonly kind: DaemonKind;
  readonly servers: number;
  readonly windowS: number;
  /** keepalived-ts with `vrrp_priority 0`: normal scheduling instead of the sub-second realtime default. */
  readonly normalScheduling?: boolean;
}

interface Env {
  readonly lab: Lab;
  readonly katsBin: string;
  readonly nodeFlags: readonly string[];
  readonly peer: AdvertCapture;
  readonly sender: AdvertCapture;
  readonly warmupS: number;
  /** Poll the daemon's short-lived children (nft, ip) every 5 ms through the window. */
  readonly watch: boolean;
  /** Applied to the VRRP child's main thread after MASTER: 'fifo' (chrt -f 10) or 'nice' (-20). */
  readonly vrrpSched: string | undefined;
}

interface ChildSeen {
  readonly pid: number;
  readonly comm: string;
  readonly parentRole: string;
  readonly first: number;
  last: number;
}

interface GcEvent {
  readonly pid: number;
  /** Epoch ms the line reached the bench (end of the pause, give or take the pipe). */
  readonly at: number;
  readonly kind: string;
  readonly pauseMs: number;
}

const GC_LINE = /^\[(\d+):0x[0-9a-f]+\]\s+\d+ ms: ([A-Za-z-]+(?: \(reduce\))?)[^,]*, ([\d.]+) \/ ([\d.]+) ms/;

function gcEvents(lines: readonly { atMs: number; text: string }[]): GcEvent[] {
  return lines.flatMap((l) => {
    const m = GC_LINE.exec(l.text);
    return m ? [{ pid: Number(m[1]), at: performance.timeOrigin + l.atMs, kind: m[2] ?? '', pauseMs: Number(m[3]) }] : [];
  });
}

function startDaemon(env: Env, spec: PhaseSpec): { daemon: Daemon; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `kats-ajit-${spec.kind}-`));
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, vrrpConfig(spec.normalScheduling === true) + (spec.servers > 0 ? virtualServers(env.lab, spec.servers) : ''));
  const argv =
    spec.kind === 'keepalived-ts'
      ? [process.execPath, ...env.nodeFlags, env.katsBin, '-n', '-l', '-f', conf, ...pidArgs(dir)]
      : ['keepalived', '-n', '-l', '-f', conf, ...pidArgs(dir)];
  const child = env.lab.spawn('lb', argv, { cwd: dir });
  return { daemon: new Daemon(spec.kind, 'lb', child, dir), dir };
}

async function runPhase(env: Env, spec: PhaseSpec): Promise<PhaseResult> {
  const { lab } = env;
  const lbAddr = lab.host('lb').ipv4;
  const startedAt = performance.now();
  const { daemon, dir } = startDaemon(env, spec);
  try {
    await daemon.waitFor(/\(VI_1\) Entering MASTER STATE/, 20_000);
    const parentPid = daemon.child.pid;
    if (parentPid === undefined) throw new Error('no daemon pid');
    console.log(`  ${spec.phase}: MASTER ${((performance.now() - startedAt) / 1000).toFixed(1)} s after start`);
    if (spec.servers > 0) {
      const base = synsFrom(lab, SERVER_HOSTS, lbAddr, NFT_TABLE);
      const deadline = Date.now() + 90_000;
      while (synsFrom(lab, SERVER_HOSTS, lbAddr, NFT_TABLE) - base < spec.servers / 2) {
        if (daemon.exited !== undefined) throw new Error(`daemon exited: ${daemon.lines.slice(-10).map((l) => l.text).join('\n')}`);
        if (Date.now() > deadline) throw new Error('checks did not start within 90 s');
        await sleep(250);
      }
      console.log(`  ${spec.phase}: checks under way ${((performance.now() - startedAt) / 1000).toFixed(1)} s after start`);
    }
    await sleep(env.warmupS * 1000);
    if (daemon.exited !== undefined) throw new Error('daemon exited during warm-up');
    const procs = daemonProcs(spec.kind, parentPid, dir);
    const vrrpPid = procs.find((p) => p.role === 'vrrp')?.pid;
    if (env.vrrpSched !== undefined && vrrpPid !== undefined) {
      const cmd = env.vrrpSched === 'fifo' ? ['chrt', '-f', '-p', '10', String(vrrpPid)] : ['renice', '-n', '-20', '-p', String(vrrpPid)];
      const r = spawnSync(cmd[0] ?? '', cmd.slice(1), { encoding: 'utf8' });
      console.log(`  ${spec.phase}: ${cmd.join(' ')} → ${r.status === 0 ? 'ok' : `failed: ${r.stderr.trim()}`}`);
    }
    console.log(`  ${spec.phase}: processes ${procs.map((p) => `${p.role}=${p.pid}`).join(' ')}; window ${spec.windowS} s`);
    const linesBefore = daemon.lines.length;
    const syn0 = spec.servers > 0 ? synsFrom(lab, SERVER_HOSTS, lbAddr, NFT_TABLE) : 0;
    const r0 = readProcs(procs);
    const t0 = Date.now();
    const w0 = performance.now();
    let peakKb = rssSumKb(procs);
    const endAt = w0 + spec.windowS * 1000;
    const seen = new Map<number, ChildSeen>();
    const longLived = new Set(procs.map((p) => p.pid));
    const watcher = env.watch
      ? setInterval(() => {
          const now = Date.now();
          for (const p of procs) {
            for (const c of childrenOf(p.pid)) {
              if (longLived.has(c)) continue;
              const s = seen.get(c);
              if (s !== undefined) s.last = now;
              else seen.set(c, { pid: c, comm: commOf(c), parentRole: p.role, first: now, last: now });
            }
          }
        }, 5)
      : undefined;
    let nextRss = performance.now() + 5_000;
    while (performance.now() < endAt) {
      await sleep(Math.min(env.watch ? 200 : 5_000, endAt - performance.now()));
      if (performance.now() >= nextRss || performance.now() >= endAt) {
        peakKb = Math.max(peakKb, rssSumKb(procs));
        nextRss += 5_000;
      }
    }
    if (watcher !== undefined) clearInterval(watcher);
    const r1 = readProcs(procs);
    const w1 = performance.now();
    const t1 = Date.now();
    const syn1 = spec.servers > 0 ? synsFrom(lab, SERVER_HOSTS, lbAddr, NFT_TABLE) : 0;
    const windowS = (w1 - w0) / 1000;
    const rssKb = rssSumKb(procs);
    await sleep(300); // let the last captured lines arrive
    const procResults: ProcResult[] = procs.flatMap((p) => {
      const a = r0.get(p.pid);
      const b = r1.get(p.pid);
      if (a === undefined || b === undefined) return [];
      let rssMiB = NaN;
      try {
        rssMiB = memKb(p.pid).rssKb / 1024;
      } catch {
        // gone
      }
      return [
        {
          role: p.role,
          pid: p.pid,
          rssMiB,
          coreShare: (b.cpu.utime + b.cpu.stime - a.cpu.utime - a.cpu.stime) / windowS,
          rqWaitMsPerS: (b.sched.waitNs - a.sched.waitNs) / 1e6 / windowS,
          involuntaryPerS: (b.sched.involuntary - a.sched.involuntary) / windowS,
          voluntaryPerS: (b.sched.voluntary - a.sched.voluntary) / windowS,
        },
      ];
    });
    const peerAdverts = env.peer.between(lbAddr, t0, t1);
    const senderAdverts = env.sender.between(lbAddr, t0, t1);
    const changeRe = /Entering|Removing service|Adding service|Disabling service|Enabling service|timeout|failed/i;
    const changes = daemon.lines.slice(linesBefore).filter((l) => changeRe.test(l.text));
    for (const l of changes.slice(0, 3)) console.log(`    e.g. ${l.text}`);
    const peer = jitterStats(peerAdverts, NOMINAL_MS);
    const gcs = gcEvents(daemon.lines.slice(linesBefore)).filter((g) => g.at >= t0 && g.at <= t1);
    explainLate(peerAdverts, procs, [...seen.values()], gcs, env.watch);
    const r: PhaseResult = {
      phase: spec.phase,
      kind: spec.kind,
      servers: spec.servers,
      windowS,
      peer,
      sender: jitterStats(senderAdverts, NOMINAL_MS),
      checksPerS: (syn1 - syn0) / windowS,
      procs: procResults,
      daemonRssMiB: rssKb / 1024,
      daemonRssPeakMiB: peakKb / 1024,
      changes: changes.length,
      loadAvg: loadavg(),
      intervalsMs: peerAdverts.slice(1).map((a, i) => a.t - (peerAdverts[i]?.t ?? NaN)),
    };
    report(r);
    return r;
  } finally {
    await daemon.stop('SIGTERM', 20_000);
    await daemon.stop('SIGKILL', 5_000);
    daemon.cleanup();
  }
}

/** For each advert more than 2 ms off: the short-lived children alive and the GCs near it. */
function explainLate(adverts: readonly { t: number }[], procs: readonly Proc[], children: readonly ChildSeen[], gcs: readonly GcEvent[], watched: boolean): void {
  const roleOf = new Map(procs.map((p) => [p.pid, p.role]));
  if (gcs.length > 0) {
    for (const p of procs) {
      const mine = gcs.filter((g) => g.pid === p.pid);
      if (mine.length === 0) continue;
      const total = mine.reduce((s, g) => s + g.pauseMs, 0);
      const max = Math.max(...mine.map((g) => g.pauseMs));
      const kinds = [...new Set(mine.map((g) => g.kind))].map((k) => `${k} ${mine.filter((g) => g.kind === k).length}`).join(', ');
      console.log(`    GC ${p.role}: ${mine.length} (${kinds}), pauses total ${f(total, 1)} ms, max ${f(max, 2)} ms`);
    }
  }
  if (watched) {
    const byComm = new Map<string, number>();
    for (const c of children) byComm.set(`${c.parentRole}→${c.comm}`, (byComm.get(`${c.parentRole}→${c.comm}`) ?? 0) + 1);
    console.log(`    short-lived children seen: ${[...byComm].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}`);
  }
  if (!watched && gcs.length === 0) return;
  let late = 0;
  let withChild = 0;
  let withGc = 0;
  for (let i = 1; i < adverts.length; i++) {
    const a = adverts[i];
    const b = adverts[i - 1];
    if (a === undefined || b === undefined) continue;
    const iv = a.t - b.t;
    // A late advert: the interval before it is long (the early one after it is catch-up).
    if (iv - NOMINAL_MS <= 2) continue;
    late++;
    const due = b.t + NOMINAL_MS;
    const kids = children.filter((c) => c.first <= a.t + 5 && c.last >= due - 50);
    const near = gcs.filter((g) => roleOf.get(g.pid) === 'vrrp' && g.at >= due - 5 && g.at <= a.t + 20);
    if (kids.length > 0) withChild++;
    if (near.length > 0) withGc++;
    if (late <= 15) {
      console.log(
        `    late ${new Date(a.t).toISOString().slice(11, 23)} +${f(iv - NOMINAL_MS)} ms; children: ${kids.map((c) => `${c.parentRole}→${c.comm} ${f(c.first - due, 0)}..${f(c.last - due, 0)} ms`).join(', ') || 'none'}; vrrp GC: ${near.map((g) => `${g.kind} ${f(g.pauseMs)} ms`).join(', ') || 'none'}`,
      );
    }
  }
  console.log(`    late adverts (> +2 ms): ${late}; with a short-lived child of the daemon alive: ${withChild}; with a VRRP-child GC line near: ${withGc}`);
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function jline(j: JitterStats): string {
  return (
    `${j.adverts} adverts; interval min ${f(j.minMs)} p1 ${f(j.p1Ms)} p50 ${f(j.p50Ms)} p99 ${f(j.p99Ms)} max ${f(j.maxMs)} mean ${f(j.meanMs, 3)} ms; ` +
    `|dev| p50 ${f(j.devP50Ms, 3)} p90 ${f(j.devP90Ms, 3)} p99 ${f(j.devP99Ms, 3)} p99.9 ${f(j.devP999Ms, 3)} max ${f(j.devMaxMs, 3)} ms; ` +
    `>1 ms ${j.over1}, >2 ms ${j.over2}, >5 ms ${j.over5}, missing ${j.missing}`
  );
}

function report(r: PhaseResult): void {
  console.log(`  ${r.phase}: window ${r.windowS.toFixed(1)} s, checks ${r.checksPerS.toFixed(0)}/s, changes ${r.changes}, load ${r.loadAvg.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`    peer   ${jline(r.peer)}`);
  console.log(`    sender ${jline(r.sender)}`);
  console.log(`    worst (peer): ${r.peer.worst.slice(0, 6).map(([t, x]) => `${new Date(t).toISOString().slice(11, 23)} ${f(x)}`).join(', ')}`);
  for (const p of r.procs) {
    console.log(
      `    ${p.role.padEnd(8)} pid ${p.pid}: RSS ${f(p.rssMiB, 1)} MiB, CPU ${f(p.coreShare * 100, 1)} % of a core, run-queue wait ${f(p.rqWaitMsPerS, 2)} ms/s, ctx switches vol ${f(p.voluntaryPerS, 0)}/s invol ${f(p.involuntaryPerS, 1)}/s`,
    );
  }
  console.log(`    daemon RSS ${f(r.daemonRssMiB, 1)} MiB (peak of samples ${f(r.daemonRssPeakMiB, 1)} MiB)`);
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const problem = labProblem(['nft', 'tcpdump', 'keepalived']);
  if (problem !== undefined) {
    process.stderr.write(`advert_jitter bench: ${problem}\n`);
    return 2;
  }
  const big = numArg('servers', 5000);
  const small = numArg('small', 1000);
  const warmupS = numArg('warmup', 10);
  const windowS = numArg('window', 60);
  const smallWindowS = numArg('small-window', 20);
  const jsonPath = arg('json');
  const nodeFlags = (arg('node-flags') ?? '').split(/\s+/).filter(Boolean);
  for (const n of [big, small]) {
    if (n % SERVER_HOSTS.length !== 0 || n / SERVER_HOSTS.length > 1000) throw new Error(`server counts: multiples of 5, ≤ 5000 (${n})`);
  }
  const all: PhaseSpec[] = [
    { phase: `ours-${big}`, kind: 'keepalived-ts', servers: big, windowS },
    { phase: `ours-${big}-normal`, kind: 'keepalived-ts', servers: big, windowS, normalScheduling: true },
    { phase: `ours-${small}`, kind: 'keepalived-ts', servers: small, windowS: smallWindowS },
    { phase: 'ours-0', kind: 'keepalived-ts', servers: 0, windowS },
    { phase: 'keepalived', kind: 'keepalived', servers: 0, windowS },
  ];
  const only = (arg('only') ?? '').split(',').filter(Boolean);
  const specs = only.length === 0 ? all : all.filter((s) => only.includes(s.phase));
  const cpu = cpus();
  const machine = `${cpu.length} vCPU ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const head = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const kaVersion = spawnSync('keepalived', ['--version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '';
  const katsBinArg = arg('kats-bin');
  const snap = katsBinArg !== undefined && katsBinArg !== '' ? { dir: katsBinArg, bin: katsBinArg, remove: () => {} } : await snapshotBuild();
  const started = new Date();
  console.log(`advert_jitter bench: VRRPv3 advert_int 0.1; phases ${specs.map((s) => s.phase).join(', ')}; ${kaVersion}`);
  console.log(`keepalived-ts: build of the working tree at HEAD ${head} (uncommitted changes included), copied to ${snap.dir}${nodeFlags.length ? `; node flags ${nodeFlags.join(' ')}` : ''}`);
  console.log(`${machine}; load avg ${loadavg().map((x) => x.toFixed(2)).join(' ')}; warm-up ${warmupS} s, window ${windowS} s (${smallWindowS} s for ${small})`);

  const lab = Lab.create({ tag: 'ajit', hosts: ['lb', 'cap', ...SERVER_HOSTS], net: NET });
  const results: PhaseResult[] = [];
  try {
    // The nftables data plane turns conntrack on in lb; keep its TIME_WAIT entries short.
    lab.exec('lb', ['sysctl', '-qw', 'net.netfilter.nf_conntrack_tcp_timeout_time_wait=5'], true);
    const maxServers = Math.max(...specs.map((s) => s.servers), 0);
    if (maxServers > 0) {
      await Promise.all(SERVER_HOSTS.map((h) => startListener(lab, h, maxServers / SERVER_HOSTS.length, BASE_PORT)));
      installSynCounters(lab, SERVER_HOSTS, [lab.host('lb').ipv4], NFT_TABLE);
      console.log(`listeners ready: ${SERVER_HOSTS.length} × ${maxServers / SERVER_HOSTS.length} ports`);
    }
    const peer = new AdvertCapture(lab, 'cap');
    const sender = new AdvertCapture(lab, 'lb', 'vrrp and src host ' + lab.host('lb').ipv4);
    await Promise.all([peer.ready, sender.ready]);
    const vrrpSched = arg('vrrp-sched');
    const env: Env = { lab, katsBin: snap.bin, nodeFlags, peer, sender, warmupS, watch: arg('watch') !== undefined, vrrpSched: vrrpSched === '' ? undefined : vrrpSched };
    for (const s of specs) {
      try {
        results.push(await runPhase(env, s));
      } catch (e) {
        console.log(`  ${s.phase} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      await sleep(2_000);
    }
  } finally {
    await lab.destroy();
    snap.remove();
  }

  const wallS = (Date.now() - started.getTime()) / 1000;
  console.log(`\nwall time ${wallS.toFixed(0)} s; load avg now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('\n| phase | real servers | window | adverts | interval p50 / p99 / max (ms) | \\|interval − 100\\| p50 / p99 / max (ms) | > 2 ms | sender-side \\|dev\\| p50 / p99 / max | checks/s | vrrp child CPU / rq wait | checker CPU | daemon RSS |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const p = r.peer;
    const s = r.sender;
    const vrrp = r.procs.find((x) => x.role === 'vrrp');
    const checker = r.procs.find((x) => x.role === 'checker');
    console.log(
      `| ${r.phase} | ${r.servers} | ${r.windowS.toFixed(0)} s | ${p.adverts} | ${f(p.p50Ms, 3)} / ${f(p.p99Ms, 3)} / ${f(p.maxMs, 3)} | ${f(p.devP50Ms, 3)} / ${f(p.devP99Ms, 3)} / ${f(p.devMaxMs, 3)} | ${p.over2} | ${f(s.devP50Ms, 3)} / ${f(s.devP99Ms, 3)} / ${f(s.devMaxMs, 3)} | ${r.servers > 0 ? r.checksPerS.toFixed(0) : '—'} | ${vrrp ? `${f(vrrp.coreShare * 100, 1)} % / ${f(vrrp.rqWaitMsPerS, 2)} ms/s` : '—'} | ${checker ? `${f(checker.coreShare * 100, 1)} %` : '—'} | ${f(r.daemonRssMiB, 1)} MiB (peak ${f(r.daemonRssPeakMiB, 1)}) |`,
    );
  }
  if (jsonPath !== undefined && jsonPath !== '') {
    mkdirSync(join(jsonPath, '..'), { recursive: true });
    writeFileSync(jsonPath, JSON.stringify({ date: started.toISOString(), machine, head, keepalived: kaVersion, warmupS, nodeFlags, results }, null, 2));
  }
  return results.length === specs.length ? 0 : 1;
}

runMain(main, 'advert_jitter');
