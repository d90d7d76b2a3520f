/**
 * What split-brain protection (issue 8) costs in failover time: plain VRRP against the
 * gateway arbiter, the etcd witness and both, in the same run. Needs root, tcpdump, ping and
 * etcd; not part of npm test.
 *
 *   npx tsc -p . && node dist/bench/split_brain_failover.bench.js [--runs=5] [--variants=plain,arbiter,…] [--scenarios=crash,graceful] [--json=FILE] [--logs=DIR]
 *
 * Lab (src/lab, tag 'sbfo', nets 160–169): keepalived-ts load balancers a (priority 150) and
 * b (100), client c, gateway g (10.N.0.4, also runs etcd with fast raft timers, so a 1 s
 * lease is granted as 1 s). VRRPv2, advert_int 1, one VIP /24, as bench/vrrp_failover.
 * A fresh lab (and etcd) per measurement. On c, tcpdump (-e -tt, kernel time stamps) and
 * `ping -i 0.01 VIP` run throughout.
 *
 * Variants (one `vrrp_arbiter` block, `arbiter NAME` in the instance):
 *   plain        no arbiter
 *   arbiter      reference g (ICMP), interval 0.2, timeout 0.15, fall 2, rise 2
 *   witness-ttl1 etcd_endpoint g, etcd_lease_ttl 1, node_id, unreachable fail_closed
 *   witness-ttl3 the same with the default lease TTL (3 s)
 *   both         arbiter + witness-ttl1 in one block (the gate probes g, then asks etcd)
 *
 * Scenarios:
 *   crash     kill -9 of every process in a's namespace (Daemon.crash) and a taken off the
 *             bridge (else its kernel would go on answering for the VIP it still holds).
 *             takeover = b logs "(VI_1) Entering MASTER STATE" − a's last advert on the wire;
 *             outage = b's first echo reply − a's last advert.
 *   graceful  SIGTERM to a's daemon (priority-0 advert, Skew_Time, gate).
 *             takeover = b's MASTER log line − a's priority-0 advert on the wire;
 *             outage = b's first echo reply − a's priority-0 advert.
 * gate = the "(N ms)" of b's "(VI_1) arbiter granted takeover: … (N ms)" line; refusals =
 * b's "arbiter refused takeover" lines before it. Log line times are when this process read
 * them from the daemon's stdout (performance.now(), mapped to the epoch clock).
 *
 * Variant order rotates run by run to spread machine noise.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { Lab, labProblem } from '../src/lab/netns.js';
import { instanceConfig, REPO_ROOT, type Daemon, type LogLine } from '../src/lab/daemons.js';
import { startEtcd, type EtcdInstance } from '../src/lab/etcd.js';
import { Capture, type Packet } from './lib/capture.js';
import { snapshotBuild, startDaemonWith } from './lib/snapshot.js';
import { fmt, ratio, summarize, type Summary } from './lib/stats.js';
import { keepRunLogs } from './lib/run_logs.js';
import { arg, sleep, runMain } from './lib/args.js';

const MDI_MS = 3000 + ((256 - 100) / 256) * 1000; // 3609.375
const SKEW_MS = ((256 - 100) / 256) * 1000; // 609.375

const VARIANTS = ['plain', 'arbiter', 'witness-ttl1', 'witness-ttl3', 'both'] as const;
type Variant = (typeof VARIANTS)[number];
const SCENARIOS = ['crash', 'graceful'] as const;
type Scenario = (typeof SCENARIOS)[number];

type Metrics = Record<string, number | null>;

interface RunResult {
  readonly run: number;
  readonly variant: Variant;
  readonly scenario: Scenario;
  readonly metrics: Metrics;
  readonly error?: string;
}

const MASTER = /\(VI_1\) Entering MASTER STATE/;
const GRANTED = /\(VI_1\) arbiter granted takeover: .*\(([\d.]+) ms\)\s*$/;
const REFUSED = /\(VI_1\) arbiter refused takeover/;

function arbiterBlock(variant: Variant, gIp: string, etcdEndpoint: string, node: string): string {
  if (variant === 'plain') return '';
  const ref = variant === 'arbiter' || variant === 'both' ? ['  reference ' + gIp, '  interval 0.2', '  timeout 0.15', '  fall 2', '  rise 2'] : [];
  const ttl = variant === 'witness-ttl3' ? [] : ['  etcd_lease_ttl 1']; // witness-ttl3: the default
  const wit = variant === 'arbiter' ? [] : [`  etcd_endpoint ${etcdEndpoint}`, ...ttl, `  node_id ${node}`, '  unreachable fail_closed'];
  return `vrrp_arbiter GW {\n${[...ref, ...wit].join('\n')}\n}\n`;
}

function config(variant: Variant, o: { priority: number; node: string; vip: string; gIp: string; etcd: string }): string {
  return (
    arbiterBlock(variant, o.gIp, o.etcd, o.node) +
    instanceConfig({
      priority: o.priority,
      vip: `${o.vip}/24`,
      extra: variant === 'plain' ? '' : '  arbiter GW',
      globalExtra: `  router_id ${o.node}`,
    })
  );
}

function macOf(lab: Lab, host: string): string {
  const m = /link\/ether ([0-9a-f:]{17})/.exec(lab.exec(host, ['ip', 'link', 'show', 'dev', 'eth0']));
  if (!m?.[1]) throw new Error(`no MAC for ${host}`);
  return m[1];
}

/** Epoch ms of a log line (read time). */
const epochOf = (l: LogLine): number => performance.timeOrigin + l.atMs;

let labCount = 0;
let katsBin = '';

interface Ctx {
  readonly lab: Lab;
  readonly variant: Variant;
  readonly vip: string;
  readonly gIp: string;
  readonly macA: string;
  readonly macB: string;
  readonly daemons: Daemon[];
  etcd: EtcdInstance | undefined;
  cap: Capture | undefined;
}

const isVrrpFrom = (mac: string) => (p: Packet) => p.kind === 'vrrp' && p.src === mac;
const isReplyFrom = (mac: string) => (p: Packet) => p.kind === 'echo-reply' && p.src === mac;

/** a MASTER, b BACKUP, capture and ping on c answered by a; then a random settle. */
async function setup(ctx: Ctx): Promise<{ a: Daemon; b: Daemon; cap: Capture }> {
  const { lab, variant, vip, gIp } = ctx;
  const needsEtcd = variant !== 'plain' && variant !== 'arbiter';
  if (needsEtcd) ctx.etcd = await startEtcd({ netns: lab.host('g').ns, listenAddress: gIp, fast: true });
  const etcd = ctx.etcd?.endpoint ?? '';
  const a = startDaemonWith(katsBin, lab, 'a', 'keepalived-ts', config(variant, { priority: 150, node: 'lb_a', vip, gIp, etcd }));
  ctx.daemons.push(a);
  await a.waitFor(MASTER, 15_000);
  const b = startDaemonWith(katsBin, lab, 'b', 'keepalived-ts', config(variant, { priority: 100, node: 'lb_b', vip, gIp, etcd }));
  ctx.daemons.push(b);
  await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 5_000);
  const cap = new Capture(lab, 'c');
  ctx.cap = cap;
  await cap.ready;
  lab.spawn('c', ['ping', '-q', '-i', '0.01', '-W', '0.2', vip], { stdio: 'ignore' });
  const t0 = Date.now();
  await cap.waitFor(isReplyFrom(ctx.macA), 3_000, 'echo reply from a');
  await cap.waitFor((p) => isVrrpFrom(ctx.macA)(p) && p.t > t0, 3_000, 'advert from a');
  // Let b's lazy parts settle (a's lease has been renewed a few times), then strike at a
  // random phase of a's advert interval.
  await sleep(1_500 + Math.random() * 1_000);
  if (cap.first(isVrrpFrom(ctx.macB)) !== undefined) throw new Error('b sent adverts while BACKUP');
  return { a, b, cap };
}

function gateFigures(b: Daemon, mark: number, masterLine: LogLine): Metrics {
  const after = b.lines.slice(mark);
  const granted = after.find((l) => GRANTED.test(l.text));
  const gate = granted === undefined ? null : Number(GRANTED.exec(granted.text)?.[1]);
  const refusals = after.filter((l) => l.atMs <= masterLine.atMs && REFUSED.test(l.text)).length;
  return { gateMs: gate, refusals };
}

async function scenarioCrash(ctx: Ctx): Promise<Metrics> {
  const { lab, macA, macB } = ctx;
  const { a, b, cap } = await setup(ctx);
  const mark = b.lines.length;
  const tCrash = Date.now();
  a.crash(lab);
  lab.partition('a');
  const master = await b.waitFor(MASTER, 15_000, mark);
  await cap.waitFor((p) => isReplyFrom(macB)(p) && p.t > tCrash, 5_000, 'echo reply from b');
  await sleep(200);
  const aLast = cap.last((p) => isVrrpFrom(macA)(p) && p.t <= tCrash + 50);
  const bFirst = cap.first((p) => isVrrpFrom(macB)(p) && p.t > tCrash);
  const bReply = cap.first((p) => isReplyFrom(macB)(p) && p.t > tCrash);
  if (aLast === undefined || bReply === undefined) throw new Error('capture incomplete');
  const tMaster = epochOf(master);
  return {
    takeoverMs: tMaster - aLast.t,
    outageMs: bReply.t - aLast.t,
    wireTakeoverMs: bFirst === undefined ? null : bFirst.t - aLast.t,
    killToMasterMs: tMaster - tCrash,
    crashAfterLastAdvertMs: tCrash - aLast.t,
    ...gateFigures(b, mark, master),
  };
}

async function scenarioGraceful(ctx: Ctx): Promise<Metrics> {
  const { macA, macB } = ctx;
  const { a, b, cap } = await setup(ctx);
  const mark = b.lines.length;
  const tTerm = Date.now();
  a.signal('SIGTERM');
  const master = await b.waitFor(MASTER, 15_000, mark);
  await cap.waitFor((p) => isReplyFrom(macB)(p) && p.t > tTerm, 5_000, 'echo reply from b');
  await sleep(200);
  const prio0 = cap.first((p) => isVrrpFrom(macA)(p) && p.prio === 0 && p.t > tTerm - 5);
  const bFirst = cap.first((p) => isVrrpFrom(macB)(p) && p.t > tTerm);
  const bReply = cap.first((p) => isReplyFrom(macB)(p) && p.t > tTerm);
  if (prio0 === undefined || bReply === undefined) throw new Error('capture incomplete (no priority-0 advert?)');
  const tMaster = epochOf(master);
  return {
    takeoverMs: tMaster - prio0.t,
    outageMs: bReply.t - prio0.t,
    wireTakeoverMs: bFirst === undefined ? null : bFirst.t - prio0.t,
    termToPrio0Ms: prio0.t - tTerm,
    ...gateFigures(b, mark, master),
  };
}

async function runOne(run: number, variant: Variant, scenario: Scenario, logDir: string | undefined): Promise<RunResult> {
  const net = 160 + (labCount++ % 10);
  const lab = Lab.create({ tag: 'sbfo', hosts: ['a', 'b', 'c', 'g'], net });
  const ctx: Ctx = {
    lab,
    variant,
    vip: `10.${net}.0.100`,
    gIp: lab.host('g').ipv4,
    macA: macOf(lab, 'a'),
    macB: macOf(lab, 'b'),
    daemons: [],
    etcd: undefined,
    cap: undefined,
  };
  let metrics: Metrics = {};
  let error: string | undefined;
  try {
    metrics = scenario === 'crash' ? await scenarioCrash(ctx) : await scenarioGraceful(ctx);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    await Promise.all(ctx.daemons.map((dm) => dm.stop('SIGKILL', 1_000)));
    if (logDir !== undefined || error !== undefined) {
      const base = `${run}-${variant}-${scenario}`;
      const parts = [
        ...ctx.daemons.map((dm, i) => ({ name: `daemon-${dm.host}-${i}`, text: dm.lines.map((l) => `${epochOf(l).toFixed(1)} ${l.text}`).join('\n') })),
        { name: 'capture', text: (ctx.cap?.items ?? []).map((p) => `${(p.t / 1000).toFixed(6)} ${p.src} > ${p.dst} ${p.text}`).join('\n') },
        { name: 'etcd', text: ctx.etcd?.output() ?? '' },
        { name: 'macs', text: `a ${ctx.macA}\nb ${ctx.macB}` },
      ];
      keepRunLogs({ logDir, base, parts, daemons: ctx.daemons, error });
    }
    for (const dm of ctx.daemons) dm.cleanup();
    await ctx.etcd?.stop();
    await lab.destroy();
  }
  return error === undefined ? { run, variant, scenario, metrics } : { run, variant, scenario, metrics, error };
}

function line(r: RunResult): string {
  const head = `run ${r.run} ${r.variant.padEnd(12)} ${r.scenario.padEnd(8)}`;
  if (r.error !== undefined) return `${head} ERROR ${r.error}`;
  return `${head} ${Object.entries(r.metrics).map(([k, v]) => `${k}=${fmt(v)}`).join(' ')}`;
}

const cell = (s: Summary): string => `${fmt(s.median, 0)} (${fmt(s.min, 0)}–${fmt(s.max, 0)})`;

async function main(): Promise<number> {
  const problem = labProblem(['tcpdump', 'ping', 'etcd']);
  if (problem !== undefined) {
    process.stderr.write(`split_brain_failover bench: ${problem}\n`);
    return 2;
  }
  const runs = Number(arg('runs') ?? '5');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs=N: N ≥ 1');
  const pick = <T extends string>(name: string, all: readonly T[]): T[] => {
    const v = arg(name);
    if (v === undefined || v === '') return [...all];
    const want = v.split(',');
    for (const w of want) if (!all.includes(w as T)) throw new Error(`--${name}: unknown '${w}' (one of ${all.join(', ')})`);
    return all.filter((x) => want.includes(x));
  };
  const variants = pick('variants', VARIANTS);
  if (!variants.includes('plain')) variants.unshift('plain'); // the baseline is always measured
  const scenarios = pick('scenarios', SCENARIOS);
  const jsonPath = arg('json');
  const logDir = arg('logs');
  const cpu = cpus();
  const machine = `${cpu.length} vCPU ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const head = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const etcdVersion = (spawnSync('etcd', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '').trim();
  const snap = await snapshotBuild();
  katsBin = snap.bin;
  const started = new Date();
  console.log(`split_brain_failover bench: ${runs} runs × ${scenarios.join('/')} × ${variants.join('/')}; ${etcdVersion}`);
  console.log(`keepalived-ts: build of the working tree at HEAD ${head} (uncommitted changes included), copied to ${snap.dir}`);
  console.log(`${machine}; load avg ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      for (const scenario of scenarios) {
        const k = (run - 1) % variants.length;
        const order = [...variants.slice(k), ...variants.slice(0, k)];
        for (const variant of order) {
          const r = await runOne(run, variant, scenario, logDir);
          results.push(r);
          console.log(line(r));
        }
      }
    }
  } finally {
    snap.remove();
  }
  const finished = new Date();

  const summary: Record<string, unknown> = {};
  const by = (variant: Variant, scenario: Scenario, key: string) =>
    summarize(results.filter((r) => r.variant === variant && r.scenario === scenario && r.error === undefined).map((r) => r.metrics[key]));
  for (const scenario of scenarios) {
    const target = scenario === 'crash' ? `Master_Down_Interval ${MDI_MS.toFixed(1)} ms` : `Skew_Time ${SKEW_MS.toFixed(1)} ms`;
    const ref = scenario === 'crash' ? "a's last advert" : "a's priority-0 advert";
    console.log(`\n${scenario}: ms from ${ref} (target ${target}); median (min–max), extra = median − plain median, ratio = median / plain median`);
    const hdr = `| variant | n | takeover (b MASTER log) | extra | ratio | client outage | extra | ratio | gate | refusals |`;
    console.log(hdr);
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    const plainT = by('plain', scenario, 'takeoverMs');
    const plainO = by('plain', scenario, 'outageMs');
    for (const variant of variants) {
      const t = by(variant, scenario, 'takeoverMs');
      const o = by(variant, scenario, 'outageMs');
      const g = by(variant, scenario, 'gateMs');
      const refusals = results.filter((r) => r.variant === variant && r.scenario === scenario && r.error === undefined).map((r) => r.metrics['refusals'] ?? 0);
      const extra = (x: Summary, p: Summary) => (x.median === null || p.median === null ? null : x.median - p.median);
      const q = (x: Summary, p: Summary) => ratio(x.median, p.median);
      const row = {
        takeover: t,
        takeoverExtraMs: extra(t, plainT),
        takeoverRatio: q(t, plainT),
        outage: o,
        outageExtraMs: extra(o, plainO),
        outageRatio: q(o, plainO),
        gate: g,
        refusals,
        wireTakeover: by(variant, scenario, 'wireTakeoverMs'),
      };
      summary[`${scenario}.${variant}`] = row;
      const sign = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(0)}`);
      console.log(
        `| ${variant} | ${t.n} | ${cell(t)} | ${sign(row.takeoverExtraMs)} | ${fmt(row.takeoverRatio, 3)} | ${cell(o)} | ${sign(row.outageExtraMs)} | ${fmt(row.outageRatio, 3)} | ${variant === 'plain' ? '—' : `${fmt(g.median, 1)} (${fmt(g.min, 1)}–${fmt(g.max, 1)})`} | ${variant === 'plain' ? '—' : refusals.join(' ')} |`,
      );
    }
  }
  const errors = results.filter((r) => r.error !== undefined).length;
  console.log(`\n${errors} failed run(s); wall time ${((finished.getTime() - started.getTime()) / 1000).toFixed(0)} s; load avg ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (jsonPath !== undefined) {
    writeFileSync(
      jsonPath,
      `${JSON.stringify({ started: started.toISOString(), finished: finished.toISOString(), machine, gitHead: head, etcd: etcdVersion, runs, targets: { mdiMs: MDI_MS, skewMs: SKEW_MS }, results, summary }, null, 2)}\n`,
    );
    console.log(`JSON written to ${jsonPath}`);
  }
  return errors === 0 ? 0 : 1;
}

runMain(main);
