/**
 * VRRP failover on the wire: keepalived-ts against keepalived (the installed 2.2.7) under the
 * same config in the same run. Needs root, tcpdump, ping and keepalived; not part of npm test.
 *
 *   npx tsc -p . && node dist/bench/vrrp_failover.bench.js [--runs=5] [--json=FILE] [--logs=DIR] [--only=SCENARIO]
 *
 * Lab (test/lab, tag 'bfo', nets 10.180–189.0.0/24): routers a (priority 150) and b (100),
 * client c; VRRPv2, advert_int 1, one VIP /24. A fresh lab per scenario. On c, tcpdump
 * (-e -tt: source MAC and kernel capture time stamp, µs) and `ping -i 0.01 VIP` run through
 * every scenario; all figures below come from that capture unless said otherwise.
 *
 *  1 crash   kill -9 of every process in a's namespace and lab.partition('a') at once.
 *            down-detect = b's first advert − a's last advert (target Master_Down_Interval
 *            3.609 s), outage = b's first echo reply − a's last advert.
 *  2 stop    SIGTERM to a's daemon. takeover = b's first advert − a's priority-0 advert
 *            (target Skew_Time 0.609 s), outage = b's first echo reply − a's priority-0 advert,
 *            VIP overlap = VIP deleted on a − VIP added on b (`ip -ts monitor address` in
 *            both namespaces; > 0: both held it; < 0: nobody did).
 *  3 heal    lab.partition('a') (b becomes master, the client follows b's GARPs), then
 *            lab.heal('a') at a time chosen from the two advert schedules so that the first
 *            advert after the heal is b's ('heal-bfirst': a hears a lower-priority master)
 *            or a's ('heal-afirst': b hears a and yields silently). Results are filed under
 *            the branch that actually happened (the first post-heal advert in the capture).
 *            heal→reply = a's first echo reply − the heal (Date.now() right after
 *            `ip link set master br0` returned, 1 ms resolution).
 *
 * The daemons alternate run by run (and scenario by scenario) to spread machine noise.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { Lab, labProblem } from '../test/lab/netns_lab.js';
import { instanceConfig, REPO_ROOT, type Daemon, type DaemonKind } from '../test/lab/daemons.js';
import { AddrMonitor, Capture, type Packet } from './lib/capture.js';
import { snapshotBuild, startDaemonWith } from './lib/snapshot.js';
import { fmt, ratio, summarize } from './lib/stats.js';
import { keepRunLogs } from './lib/run_logs.js';
import { arg, sleep, runMain } from './lib/args.js';

const MDI_MS = 3000 + ((256 - 100) / 256) * 1000; // 3609.375
const SKEW_MS = ((256 - 100) / 256) * 1000; // 609.375
const KINDS: readonly DaemonKind[] = ['keepalived-ts', 'keepalived'];
const SCENARIOS = ['crash', 'stop', 'heal-bfirst', 'heal-afirst'] as const;
type Scenario = (typeof SCENARIOS)[number];

type Metrics = Record<string, number | null>;

interface RunResult {
  readonly run: number;
  readonly kind: DaemonKind;
  readonly scenario: Scenario;
  /** For the heal scenarios: the branch aimed at (scenario is the branch that happened). */
  readonly targeted?: Scenario;
  readonly metrics: Metrics;
  readonly error?: string;
}

const HEAL_METRICS = [
  { key: 'healToReplyMs', label: 'heal → client reply from a', ratio: true },
  { key: 'healToGarpMs', label: 'heal → first ARP from a (GARP or reply)', ratio: true },
  { key: 'healToFirstAdvertMs', label: 'heal → first advert on the wire', ratio: false },
  { key: 'advertToGarpMs', label: '  first advert → first ARP from a', ratio: true },
  { key: 'advertToReplyMs', label: '  first advert → client reply from a', ratio: true },
  { key: 'healToBLastReplyMs', label: 'heal → b last echo reply', ratio: false },
] as const;

const METRICS: Record<Scenario, readonly { key: string; label: string; ratio: boolean }[]> = {
  crash: [
    { key: 'downDetectMs', label: 'down-detect (b 1st advert − a last advert)', ratio: true },
    { key: 'downExcessMs', label: '  excess over MDI 3609.4 ms', ratio: false },
    { key: 'outageMs', label: 'client outage (b 1st reply − a last advert)', ratio: true },
    { key: 'replyGapMs', label: 'reply gap (a last reply → b 1st reply)', ratio: true },
    { key: 'garpAfterAdvertMs', label: 'b 1st GARP − b 1st advert', ratio: false },
  ],
  stop: [
    { key: 'termToPrio0Ms', label: 'SIGTERM → a priority-0 advert', ratio: true },
    { key: 'takeoverMs', label: 'takeover (b 1st advert − a prio-0 advert)', ratio: true },
    { key: 'takeoverExcessMs', label: '  excess over Skew_Time 609.4 ms', ratio: false },
    { key: 'outageMs', label: 'client outage (b 1st reply − a prio-0 advert)', ratio: true },
    { key: 'replyGapMs', label: 'reply gap (a last reply → b 1st reply)', ratio: true },
    { key: 'vipOverlapMs', label: 'VIP overlap (a VIP del − b VIP add)', ratio: false },
  ],
  'heal-bfirst': HEAL_METRICS,
  'heal-afirst': HEAL_METRICS,
};



function macOf(lab: Lab, host: string): string {
  const m = /link\/ether ([0-9a-f:]{17})/.exec(lab.exec(host, ['ip', 'link', 'show', 'dev', 'eth0']));
  if (!m?.[1]) throw new Error(`no MAC for ${host}`);
  return m[1];
}

let labCount = 0;
/** keepalived-ts executable of the private build copy (set in main). */
let katsBin = '';
const startDaemon = (lab: Lab, host: string, kind: DaemonKind, config: string): Daemon => startDaemonWith(katsBin, lab, host, kind, config);

interface Ctx {
  readonly lab: Lab;
  readonly kind: DaemonKind;
  readonly vip: string;
  readonly macA: string;
  readonly macB: string;
  readonly daemons: Daemon[];
  readonly extras: { name: string; text: () => string }[];
}

/** a MASTER, b BACKUP, capture and ping running on c with replies coming from a. */
async function setup(ctx: Ctx): Promise<{ a: Daemon; b: Daemon; cap: Capture }> {
  const { lab, kind, vip } = ctx;
  const a = startDaemon(lab, 'a', kind, instanceConfig({ priority: 150, vip: `${vip}/24` }));
  ctx.daemons.push(a);
  await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 10_000);
  const b = startDaemon(lab, 'b', kind, instanceConfig({ priority: 100, vip: `${vip}/24` }));
  ctx.daemons.push(b);
  await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 5_000);
  const cap = new Capture(lab, 'c');
  ctx.extras.push({ name: 'capture', text: () => cap.items.map((p) => `${(p.t / 1000).toFixed(6)} ${p.src} > ${p.dst} ${p.text}`).join('\n') });
  await cap.ready;
  lab.spawn('c', ['ping', '-q', '-i', '0.01', '-W', '0.2', vip], { stdio: 'ignore' });
  const t0 = Date.now();
  await cap.waitFor((p) => p.kind === 'echo-reply' && p.src === ctx.macA, 3_000, 'echo reply from a');
  await cap.waitFor((p) => p.kind === 'vrrp' && p.src === ctx.macA && p.t > t0, 3_000, 'advert from a');
  if (cap.first((p) => p.kind === 'vrrp' && p.src === ctx.macB) !== undefined) throw new Error('b sent adverts while BACKUP');
  // Settle, then strike at a random phase of a's advert interval.
  await sleep(1_000 + Math.random() * 1_000);
  return { a, b, cap };
}

const isVrrpFrom = (mac: string) => (p: Packet) => p.kind === 'vrrp' && p.src === mac;
const isReplyFrom = (mac: string) => (p: Packet) => p.kind === 'echo-reply' && p.src === mac;
const d = (x: Packet | undefined, y: Packet | number | undefined): number | null => {
  if (x === undefined || y === undefined) return null;
  return x.t - (typeof y === 'number' ? y : y.t);
};

async function scenarioCrash(ctx: Ctx): Promise<Metrics> {
  const { lab, macA, macB } = ctx;
  const { cap } = await setup(ctx);
  const pids = readPids(lab, 'a');
  const tCrash = Date.now();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  lab.partition('a');
  await cap.waitFor((p) => isReplyFrom(macB)(p) && p.t > tCrash, 8_000, 'echo reply from b');
  await sleep(300);
  const aLast = cap.last(isVrrpFrom(macA));
  const bFirst = cap.first((p) => isVrrpFrom(macB)(p) && p.t > tCrash);
  const bReply = cap.first((p) => isReplyFrom(macB)(p) && p.t > tCrash);
  const aLastReply = cap.last(isReplyFrom(macA));
  const bGarp = cap.first((p) => p.kind === 'arp' && p.src === macB && p.t > tCrash);
  const down = d(bFirst, aLast);
  return {
    downDetectMs: down,
    downExcessMs: down === null ? null : down - MDI_MS,
    outageMs: d(bReply, aLast),
    replyGapMs: d(bReply, aLastReply),
    garpAfterAdvertMs: d(bGarp, bFirst),
    crashAfterLastAdvertMs: aLast === undefined ? null : tCrash - aLast.t,
    killedProcesses: pids.length,
  };
}

function readPids(lab: Lab, host: string): number[] {
  const out = spawnIp(['netns', 'pids', lab.host(host).ns]);
  return out.split(/\s+/).filter(Boolean).map(Number);
}

function spawnIp(args: readonly string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return r.stdout ?? '';
}

async function scenarioStop(ctx: Ctx): Promise<Metrics> {
  const { lab, macA, macB, vip } = ctx;
  const monA = new AddrMonitor(lab, 'a');
  const monB = new AddrMonitor(lab, 'b');
  ctx.extras.push({ name: 'monitor-a', text: () => monA.items.map((e) => JSON.stringify(e)).join('\n') });
  ctx.extras.push({ name: 'monitor-b', text: () => monB.items.map((e) => JSON.stringify(e)).join('\n') });
  const { a, cap } = await setup(ctx);
  const tTerm = Date.now();
  a.signal('SIGTERM');
  await cap.waitFor((p) => isReplyFrom(macB)(p) && p.t > tTerm, 5_000, 'echo reply from b');
  const isVip = (e: { addr: string }) => e.addr === `${vip}/24`;
  const aDel = await monA.waitFor((e) => e.deleted && isVip(e) && e.t > tTerm - 5, 5_000, 'VIP deleted on a');
  const bAdd = await monB.waitFor((e) => !e.deleted && isVip(e) && e.t > tTerm - 5, 5_000, 'VIP added on b');
  await sleep(300);
  const prio0 = cap.first((p) => isVrrpFrom(macA)(p) && p.prio === 0);
  const bFirst = cap.first((p) => isVrrpFrom(macB)(p) && p.t > tTerm);
  const bReply = cap.first((p) => isReplyFrom(macB)(p) && p.t > tTerm);
  const aLastReply = cap.last(isReplyFrom(macA));
  const takeover = d(bFirst, prio0);
  return {
    termToPrio0Ms: d(prio0, tTerm),
    takeoverMs: takeover,
    takeoverExcessMs: takeover === null ? null : takeover - SKEW_MS,
    outageMs: d(bReply, prio0),
    replyGapMs: d(bReply, aLastReply),
    vipOverlapMs: aDel.t - bAdd.t,
    aVipDelAfterPrio0Ms: prio0 === undefined ? null : aDel.t - prio0.t,
    bVipAddAfterFirstAdvertMs: bFirst === undefined ? null : bAdd.t - bFirst.t,
  };
}

/** Future send times of a periodic advert stream, from its observed adverts. */
function schedule(adverts: readonly Packet[], from: number, until: number): number[] {
  const last = adverts[adverts.length - 1];
  if (last === undefined) return [];
  const gaps = adverts.slice(-5).map((p, i, xs) => (i === 0 ? 0 : p.t - (xs[i - 1]?.t ?? 0))).slice(1).filter((g) => g > 900 && g < 1100);
  const period = gaps.length > 0 ? gaps.reduce((x, y) => x + y, 0) / gaps.length : 1000;
  const out: number[] = [];
  for (let t = last.t + period; t < until; t += period) if (t > from) out.push(t);
  return out;
}

/**
 * Pick the heal time so that, after the heal, the first advert on the wire is b's
 * ('heal-bfirst': a, the higher-priority master, hears a lower-priority master) or a's
 * ('heal-afirst': b hears a and yields without a word). 100 ms margins either side.
 */
function healTime(target: 'heal-afirst' | 'heal-bfirst', aAdverts: Packet[], bAdverts: Packet[], now: number): number {
  const from = now + 300;
  const until = now + 5_000;
  const mine = target === 'heal-bfirst' ? schedule(bAdverts, from, until) : schedule(aAdverts, from, until);
  const other = target === 'heal-bfirst' ? schedule(aAdverts, now, until + 1_000) : schedule(bAdverts, now, until + 1_000);
  let best = { t: (mine[0] ?? from + 150) - 150, margin: -Infinity };
  for (const tm of mine) {
    const T = tm - 100;
    if (T < from) continue;
    // The other's first advert after T must come at least 100 ms after ours.
    const next = other.find((to) => to > T) ?? Infinity;
    const margin = next - tm;
    if (margin >= 100) return T;
    if (margin > best.margin) best = { t: T, margin };
  }
  return best.t;
}

async function scenarioHeal(ctx: Ctx, target: 'heal-afirst' | 'heal-bfirst'): Promise<Metrics> {
  const { lab, macA, macB } = ctx;
  const { cap, b } = await setup(ctx);
  const tPart = Date.now();
  lab.partition('a');
  await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
  await cap.waitFor((p) => isReplyFrom(macB)(p) && p.t > tPart, 5_000, 'echo reply from b');
  // Let b's GARP bursts (immediate and after vrrp_garp_master_delay 1 s) finish.
  await sleep(1_800);
  const aAdverts = cap.packets((p) => isVrrpFrom(macA)(p) && p.t < tPart);
  const bAdverts = cap.packets(isVrrpFrom(macB));
  const T = healTime(target, aAdverts, bAdverts, Date.now());
  await sleep(Math.max(0, T - Date.now()));
  lab.heal('a');
  const tHeal = Date.now();
  let timedOut = 0;
  try {
    await cap.waitFor((p) => isReplyFrom(macA)(p) && p.t > tHeal, 30_000, 'echo reply from a after heal');
  } catch {
    timedOut = 1;
  }
  await sleep(1_200);
  const after = (p: Packet) => p.t > tHeal;
  const aReply = cap.first((p) => isReplyFrom(macA)(p) && after(p));
  const aArp = cap.first((p) => p.kind === 'arp' && p.src === macA && after(p));
  const firstAdvert = cap.first((p) => p.kind === 'vrrp' && after(p));
  const bLastAdvert = cap.last(isVrrpFrom(macB));
  const bLastReply = cap.last(isReplyFrom(macB));
  return {
    healToReplyMs: d(aReply, tHeal),
    healToGarpMs: d(aArp, tHeal),
    healToFirstAdvertMs: d(firstAdvert, tHeal),
    advertToGarpMs: d(aArp, firstAdvert),
    advertToReplyMs: d(aReply, firstAdvert),
    healToBLastAdvertMs: d(bLastAdvert, tHeal),
    healToBLastReplyMs: d(bLastReply, tHeal),
    bAdvertFirst: firstAdvert === undefined ? null : firstAdvert.src === macB ? 1 : 0,
    sinceBMasterMs: tHeal - (bAdverts[0]?.t ?? tHeal),
    timedOut,
  };
}

async function runScenario(run: number, kind: DaemonKind, scenario: Scenario, logDir: string | undefined): Promise<RunResult> {
  const net = 180 + (labCount++ % 10);
  const lab = Lab.create({ tag: 'bfo', hosts: ['a', 'b', 'c'], net });
  const ctx: Ctx = {
    lab,
    kind,
    vip: `10.${net}.0.100`,
    macA: macOf(lab, 'a'),
    macB: macOf(lab, 'b'),
    daemons: [],
    extras: [],
  };
  let metrics: Metrics = {};
  let error: string | undefined;
  try {
    metrics = scenario === 'crash' ? await scenarioCrash(ctx) : scenario === 'stop' ? await scenarioStop(ctx) : await scenarioHeal(ctx, scenario);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    await Promise.all(ctx.daemons.map((dm) => dm.stop('SIGKILL', 1_000)));
    if (logDir !== undefined || error !== undefined) {
      const base = `${run}-${kind}-${scenario}`;
      const parts = [
        ...ctx.daemons.map((dm, i) => ({ name: `daemon-${dm.host}-${i}`, text: dm.lines.map((l) => l.text).join('\n') })),
        ...ctx.extras.map((x) => ({ name: x.name, text: x.text() })),
        { name: 'macs', text: `a ${ctx.macA}\nb ${ctx.macB}` },
      ];
      keepRunLogs({ logDir, base, parts, daemons: ctx.daemons, error });
    }
    for (const dm of ctx.daemons) dm.cleanup();
    await lab.destroy();
  }
  if (scenario === 'heal-afirst' || scenario === 'heal-bfirst') {
    const happened: Scenario = metrics['bAdvertFirst'] === 1 ? 'heal-bfirst' : metrics['bAdvertFirst'] === 0 ? 'heal-afirst' : scenario;
    const r = { run, kind, scenario: happened, targeted: scenario, metrics };
    return error === undefined ? r : { ...r, error };
  }
  return error === undefined ? { run, kind, scenario, metrics } : { run, kind, scenario, metrics, error };
}

function line(r: RunResult): string {
  const aim = r.targeted !== undefined && r.targeted !== r.scenario ? ` (aimed at ${r.targeted})` : '';
  const head = `run ${r.run} ${r.kind.padEnd(13)} ${r.scenario.padEnd(11)}${aim}`;
  if (r.error !== undefined) return `${head} ERROR ${r.error}`;
  const m = r.metrics;
  const parts = Object.entries(m).map(([k, v]) => `${k}=${fmt(v)}`);
  return `${head} ${parts.join(' ')}`;
}

async function main(): Promise<number> {
  const problem = labProblem(['tcpdump', 'ping', 'keepalived']);
  if (problem !== undefined) {
    process.stderr.write(`vrrp_failover bench: ${problem}\n`);
    return 2;
  }
  const runs = Number(arg('runs') ?? '5');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs=N: N ≥ 1');
  const jsonPath = arg('json');
  const logDir = arg('logs');
  const only = arg('only') as Scenario | undefined;
  const scenarios = only !== undefined ? SCENARIOS.filter((s) => s === only) : SCENARIOS;
  const keepalivedVersion = spawnSync('keepalived', ['--version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '';
  const cpu = cpus();
  const machine = `${cpu.length} vCPU ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const head = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const snap = await snapshotBuild();
  katsBin = snap.bin;
  const started = new Date();
  console.log(`vrrp_failover bench: ${runs} runs × ${scenarios.join('/')} × {keepalived-ts, ${keepalivedVersion.trim()}}`);
  console.log(`keepalived-ts: build of the working tree at HEAD ${head} (uncommitted changes included), copied to ${snap.dir}`);
  console.log(`${machine}; load avg ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      for (const [si, scenario] of scenarios.entries()) {
        const order = (run + si) % 2 === 1 ? KINDS : [...KINDS].reverse();
        for (const kind of order) {
          const r = await runScenario(run, kind, scenario, logDir);
          results.push(r);
          console.log(line(r));
        }
      }
    }
  } finally {
    snap.remove();
  }
  const finished = new Date();

  // Table.
  const summary: Record<string, Record<string, unknown>> = {};
  const rows: string[] = [];
  const hdr = `${'scenario / metric (ms)'.padEnd(52)} ${'keepalived-ts median (min–max)'.padEnd(30)} ${'keepalived median (min–max)'.padEnd(30)} ours/theirs`;
  rows.push(hdr, '-'.repeat(hdr.length));
  for (const scenario of scenarios) {
    for (const { key, label, ratio: withRatio } of METRICS[scenario]) {
      const by = (kind: DaemonKind) => summarize(results.filter((r) => r.kind === kind && r.scenario === scenario).map((r) => r.metrics[key]));
      const ours = by('keepalived-ts');
      const theirs = by('keepalived');
      const q = withRatio ? ratio(ours.median, theirs.median) : null;
      summary[`${scenario}.${key}`] = { label, ours, theirs, ratio: q };
      const cell = (s: typeof ours) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)}) n=${s.n}`.padEnd(30);
      rows.push(`${`${scenario}: ${label}`.padEnd(52)} ${cell(ours)} ${cell(theirs)} ${q === null ? '—' : q.toFixed(2)}`);
    }
  }
  const errors = results.filter((r) => r.error !== undefined).length;
  console.log('');
  for (const r of rows) console.log(r);
  console.log(`\n${errors} failed scenario run(s); wall time ${((finished.getTime() - started.getTime()) / 1000).toFixed(0)} s; load avg ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  if (jsonPath !== undefined) {
    writeFileSync(
      jsonPath,
      `${JSON.stringify({ started: started.toISOString(), finished: finished.toISOString(), machine, gitHead: head, keepalived: keepalivedVersion.trim(), runs, targets: { mdiMs: MDI_MS, skewMs: SKEW_MS }, results, summary }, null, 2)}\n`,
    );
    console.log(`JSON written to ${jsonPath}`);
  }
  return errors === 0 ? 0 : 1;
}

runMain(main);
