/**
 * The deterministic simulator in CI: thousands of random scenarios, hand-written ones for
 * the classic failovers, and canaries proving that the checkers can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareIp, parseIp } from '../../src/lib/ip.js';
import type { InstanceParams } from '../../src/vrrp/instance.js';
import type { ClusterOp } from './cluster.js';
import { checkGarpOnMaster, checkTransitions, SimViolation } from './invariants.js';
import { PERFECT_LINK } from './network.js';
import { Prng } from './prng.js';
import { replayCommand, runScenario, runSeed, buildCluster } from './runner.js';
import { baseParams, generateScenario, type Scenario, type TimedOp } from './scenario.js';
import { SyncCluster, type SyncOp } from './sync_cluster.js';

const RANDOM_RUNS = 10_000;

test(`sim: ${RANDOM_RUNS} random scenarios keep every invariant`, () => {
  let convergedChecks = 0;
  let crashChecks = 0;
  for (let seed = 1; seed <= RANDOM_RUNS; seed++) {
    const r = runSeed(seed);
    if (r.violation !== undefined) {
      assert.fail(`seed=${seed}: ${r.violation.message}\nreplay: ${replayCommand(seed)}`);
    }
    convergedChecks += r.convergedChecks;
    crashChecks += r.crashChecks;
  }
  // The runs must actually reach the checked states, or they prove nothing.
  assert.ok(convergedChecks > RANDOM_RUNS * 100, `only ${convergedChecks} convergence checks`);
  assert.ok(crashChecks > RANDOM_RUNS / 10, `only ${crashChecks} master crashes checked`);
});

test('sim: a seed replays bit for bit', () => {
  const a = runSeed(4242);
  const b = runSeed(4242);
  assert.equal(a.events, b.events);
  assert.deepEqual(
    a.cluster.nodes.map((n) => [n.s?.state, n.garps]),
    b.cluster.nodes.map((n) => [n.s?.state, n.garps]),
  );
  assert.deepEqual(generateScenario(4242), generateScenario(4242));
});

test('sim: the PRNG is deterministic and roughly uniform', () => {
  const a = new Prng(7);
  const b = new Prng(7);
  const xs = Array.from({ length: 1000 }, () => a.float());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.float()));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(mean > 0.45 && mean < 0.55, `mean ${mean}`);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

// --- hand-written scenarios -------------------------------------------------------------

const DELAY_US = 100;

function node(name: string, basePriority: number, primaryAddress: string, over: Partial<InstanceParams> = {}): InstanceParams {
  return baseParams({ name, version: 2, basePriority, primaryAddress, advertIntervalCs: 100, ...over });
}

function scenario(params: InstanceParams[], ops: TimedOp[], durationUs: number): Scenario {
  const starts: TimedOp[] = params.map((_, i) => ({ atUs: 0, op: { kind: 'start', node: i } }));
  return { seed: 0, params, calmLink: PERFECT_LINK, lossyLink: PERFECT_LINK, ops: [...starts, ...ops], durationUs };
}

/** Runs a scenario with the checker on, recording when each node entered MASTER. */
function run(s: Scenario): { masterAt: Map<number, number[]>; final: (string | undefined)[] } {
  const masterAt = new Map<number, number[]>();
  const { cluster } = buildCluster(s);
  cluster.observe({
    beforeEvent: () => undefined,
    afterEvent: (c, _ev, r) => {
      if (r !== undefined && r.before.state !== 'MASTER' && r.after.state === 'MASTER') {
        masterAt.set(r.node, [...(masterAt.get(r.node) ?? []), c.nowUs]);
      }
    },
  });
  cluster.runUntil(s.durationUs);
  return { masterAt, final: cluster.nodes.map((n) => n.s?.state) };
}

const at = (atUs: number, op: ClusterOp): TimedOp => ({ atUs, op });
const lastMaster = (m: Map<number, number[]>, n: number): number => (m.get(n) ?? []).at(-1) ?? -1;

test('sim: the master crashes; the best backup takes over after its Master_Down_Interval', () => {
  const s = scenario(
    [node('A', 150, '10.0.0.1'), node('B', 100, '10.0.0.2'), node('C', 50, '10.0.0.3')],
    [at(10_000_000, { kind: 'crash', node: 'master' })],
    30_000_000,
  );
  const r = run(s);
  assert.equal(lastMaster(r.masterAt, 0), 3_414_062, 'A wins the start-up election (prio 150: 3.414 s)');
  // B's down timer was last reset by A's advert sent at 9.414062 s (+100 µs): 3.609375 s later.
  assert.equal(lastMaster(r.masterAt, 1), 9_414_062 + DELAY_US + 3_609_375);
  assert.deepEqual(r.final, [undefined, 'MASTER', 'BACKUP']);
});

test('sim: a graceful stop (priority 0) hands over after Skew_Time only', () => {
  const s = scenario(
    [node('A', 150, '10.0.0.1'), node('B', 100, '10.0.0.2')],
    [at(10_000_000, { kind: 'stop', node: 0 })],
    20_000_000,
  );
  const r = run(s);
  // Observed on keepalived: 0.61 s for priority 100.
  assert.equal(lastMaster(r.masterAt, 1), 10_000_000 + DELAY_US + 609_375);
  assert.deepEqual(r.final, ['STOP', 'MASTER']);
});

test('sim: a partition makes two masters; healing leaves the higher priority', () => {
  const s = scenario(
    [node('A', 150, '10.0.0.1'), node('B', 100, '10.0.0.2'), node('C', 120, '10.0.0.3')],
    [at(10_000_000, { kind: 'partition', groups: [0, 1, 1] }), at(20_000_000, { kind: 'heal' })],
    30_000_000,
  );
  const r = run(s);
  assert.ok(lastMaster(r.masterAt, 2) > 10_000_000, 'C becomes master on its side of the cut');
  assert.deepEqual(r.final, ['MASTER', 'BACKUP', 'BACKUP']);
});

test('sim: a tracker drops the master priority; the backup preempts when its down timer expires', () => {
  const s = scenario(
    [node('A', 150, '10.0.0.1'), node('B', 100, '10.0.0.2')],
    [at(10_000_000, { kind: 'set_priority', node: 0, priority: 50 })],
    20_000_000,
  );
  const r = run(s);
  // A's next advert (10.414062 s) carries 50; B discards it; B's timer was last reset at 9.414162 s.
  assert.equal(lastMaster(r.masterAt, 1), 9_414_062 + DELAY_US + 3_609_375);
  assert.deepEqual(r.final, ['BACKUP', 'MASTER']);
});

test('sim: a tracker fault on the master sends priority 0; the backup takes over after its skew', () => {
  const s = scenario(
    [node('A', 150, '10.0.0.1'), node('B', 100, '10.0.0.2')],
    [at(10_000_000, { kind: 'set_fault', node: 0, faulted: true })],
    20_000_000,
  );
  const r = run(s);
  assert.equal(lastMaster(r.masterAt, 1), 10_000_000 + DELAY_US + 609_375);
  assert.deepEqual(r.final, ['FAULT', 'MASTER']);
});

test('sim: equal priorities started together are decided by the numerically higher address', () => {
  // 10.0.0.10 > 10.0.0.9 numerically (not as strings).
  const s = scenario([node('A', 100, '10.0.0.10'), node('B', 100, '10.0.0.9')], [], 20_000_000);
  const r = run(s);
  assert.deepEqual(r.final, ['MASTER', 'BACKUP']);
  const v3 = scenario(
    [node('A', 100, '10.0.0.9', { version: 3 }), node('B', 100, '10.0.0.10', { version: 3 })],
    [],
    20_000_000,
  );
  assert.deepEqual(run(v3).final, ['BACKUP', 'MASTER']);
});

test('sim: an address owner (255) takes over at once on start', () => {
  const s = scenario(
    [node('A', 255, '10.0.0.1'), node('B', 200, '10.0.0.2')],
    [at(5_000_000, { kind: 'crash', node: 0 }), at(15_000_000, { kind: 'start', node: 0 })],
    25_000_000,
  );
  const r = run(s);
  assert.deepEqual(r.masterAt.get(0), [0, 15_000_000]);
  assert.deepEqual(r.final, ['MASTER', 'BACKUP']);
});

/** Lowest priority, ties to the lower address: the node that never wins an election. */
function worstNode(params: readonly InstanceParams[]): number {
  let worst = 0;
  params.forEach((p, i) => {
    const w = params[worst];
    if (w === undefined) return;
    const d = p.basePriority - w.basePriority;
    const cmp = compareIp(parseIp(p.primaryAddress)!, parseIp(w.primaryAddress)!);
    if (d < 0 || (d === 0 && cmp < 0)) worst = i;
  });
  return worst;
}

// --- canaries: a checker that cannot fail proves nothing ---------------------------------

test('sim canary: a node deaf to the segment (while it claims to be connected) is caught', () => {
  // The deaf node is a lowest-priority one: it never hears the master, so it takes over
  // after its down timer and stays MASTER beside the real one.
  const missed: number[] = [];
  for (let seed = 1; seed <= 50; seed++) {
    const s = generateScenario(seed);
    const deafNode = worstNode(s.params);
    if (runScenario(s, { deafNode }).violation === undefined) missed.push(seed);
  }
  assert.deepEqual(missed, [], 'the deaf node went unnoticed');
});

test('sim canary: a fabricated second master is caught', () => {
  const s = scenario([node('A', 150, '10.0.0.1'), node('B', 100, '10.0.0.2')], [], 30_000_000);
  const { cluster } = buildCluster(s);
  cluster.runUntil(10_000_000);
  const b = cluster.nodes[1];
  assert.ok(b?.s !== undefined);
  // B believes it is master but its state machine never sends (no deadlines): two masters.
  b.s = { ...b.s, state: 'MASTER', masterDownDeadlineUs: undefined, adverDeadlineUs: undefined };
  b.hasVips = true;
  assert.throws(
    () => cluster.runUntil(30_000_000),
    (e: unknown) => e instanceof SimViolation && (e.invariant === 1 || e.invariant === 6),
  );
});

test('sim canary: fabricated step records without GARP or transition are caught', () => {
  const s = scenario([node('A', 150, '10.0.0.1')], [], 5_000_000);
  const { cluster } = buildCluster(s);
  cluster.runUntil(5_000_000);
  const a = cluster.nodes[0]?.s;
  assert.ok(a !== undefined && a.state === 'MASTER');
  const before = { ...a, state: 'BACKUP' as const };
  const record = { node: 0, event: { kind: 'timer_fired' as const }, before, after: a };
  assert.throws(() => checkGarpOnMaster({ ...record, actions: [] }, 0), SimViolation);
  assert.throws(() => checkTransitions({ ...record, actions: [] }, 0), SimViolation);
  const wrong = { kind: 'transition' as const, from: 'FAULT' as const, to: 'MASTER' as const, reason: 'startup' as const };
  assert.throws(() => checkTransitions({ ...record, actions: [wrong] }, 0), SimViolation);
  // And VIPs on a backup.
  const n = cluster.nodes[0];
  assert.ok(n?.s !== undefined);
  n.s = { ...n.s, state: 'BACKUP', adverDeadlineUs: undefined };
  cluster.scheduleCheck(5_000_001);
  assert.throws(() => cluster.runUntil(6_000_000), (e: unknown) => e instanceof SimViolation && e.invariant === 2);
});

// --- vrrp_sync_group: two routers, each running a two-member group ------------------------

test('sim: sync groups on two routers; a router\'s members are all MASTER or none, through faults and a stop', () => {
  // R0: VI_1 100, VI_2 100; R1: VI_1 150, VI_2 50. No router is better for both VRIDs.
  const c = new SyncCluster([
    { address: '10.0.0.1', priorities: [100, 100] },
    { address: '10.0.0.2', priorities: [150, 50] },
  ]);
  c.schedule(0, { kind: 'start', router: 0 });
  c.schedule(0, { kind: 'start', router: 1 });
  c.run(15_000_000);
  // R1/VI_1 timed out first but was held (its VI_2 wanted BACKUP); R0's two members both
  // timed out, so R0's group went MASTER; R1/VI_2 accepts R0's VI_2 adverts and stays BACKUP.
  assert.deepEqual(c.masterRouters(), [0]);
  assert.ok(c.log.some((l) => l.endsWith('R0 VRRP_Group(G) Syncing instances to MASTER state')));
  assert.equal(c.routers[1]?.group?.members[0]?.wantState, 'MASTER', 'R1/VI_1 is held wanting MASTER');

  // A fault on R0/VI_2 puts R0 in FAULT (priority 0 on both VRIDs): R1 takes both over.
  c.schedule(20_000_000, { kind: 'fault', router: 0, member: 'VI_2', faulted: true });
  c.run(25_000_000);
  assert.deepEqual(c.masterRouters(), [1]);
  assert.deepEqual(c.routers[0]?.group?.members.map((m) => m.state), ['FAULT', 'FAULT']);
  assert.equal(c.routers[0]?.group?.state, 'FAULT');

  // The fault clears: R0 returns as BACKUP and is held there (its VI_1 hears 150).
  c.schedule(30_000_000, { kind: 'fault', router: 0, member: 'VI_2', faulted: false });
  c.run(45_000_000);
  assert.deepEqual(c.masterRouters(), [1]);
  assert.equal(c.routers[0]?.group?.state, 'BACKUP');

  // A graceful stop of R1: R0 takes both VRIDs.
  c.schedule(50_000_000, { kind: 'stop', router: 1 });
  c.run(60_000_000);
  assert.deepEqual(c.masterRouters(), [0]);

  // R1 restarts: R1/VI_1 (150) discards R0's lower VI_1 adverts and times out, but R1/VI_2
  // (50) accepts R0's VI_2 adverts and wants BACKUP, so R1's group cannot go MASTER: R1/VI_1
  // stays BACKUP wanting MASTER (keepalived prefers BACKUP to avoid thrashing).
  c.schedule(65_000_000, { kind: 'start', router: 1 });
  c.run(80_000_000);
  assert.deepEqual(c.masterRouters(), [0]);
  assert.deepEqual(c.routers[1]?.group?.members.map((m) => `${m.state}/${m.wantState}`), ['BACKUP/MASTER', 'BACKUP/BACKUP']);
});

test('sim: 300 random sync-group scenarios keep every router\'s group all MASTER or none, and converge', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rng = new Prng(seed);
    const prio = () => rng.int(1, 254);
    // Delivery jitter: with a perfectly symmetric segment, two routers that each prefer
    // one VRID can demote and time out in lockstep for ever.
    const c = new SyncCluster(
      [
        { address: '10.0.0.1', priorities: [prio(), prio()] },
        { address: '10.0.0.2', priorities: [prio(), prio()] },
      ],
      { prng: rng.fork(), jitterUs: 5_000 },
    );
    c.schedule(rng.int(0, 2_000_000), { kind: 'start', router: 0 });
    c.schedule(rng.int(0, 2_000_000), { kind: 'start', router: 1 });
    let t = 5_000_000;
    for (let i = 0; i < 8; i++) {
      t += rng.int(100_000, 6_000_000);
      const router = rng.int(0, 1);
      const member = rng.pick(['VI_1', 'VI_2']);
      const op: SyncOp = rng.pick<SyncOp>([
        { kind: 'fault', router, member, faulted: rng.chance(0.5) },
        { kind: 'priority', router, member, priority: prio() },
        { kind: 'stop', router },
        { kind: 'start', router },
      ]);
      c.schedule(t, op);
    }
    // Afterwards: both routers up and healthy, so exactly one group must end up MASTER.
    for (const router of [0, 1]) {
      c.schedule(t + 1, { kind: 'start', router });
      for (const member of ['VI_1', 'VI_2']) c.schedule(t + 1, { kind: 'fault', router, member, faulted: false });
    }
    try {
      c.run(t + 40_000_000);
    } catch (e) {
      assert.fail(`sync seed=${seed}: ${(e as Error).message}`);
    }
    assert.equal(c.masterRouters().length, 1, `sync seed=${seed}: masters ${JSON.stringify(c.masterRouters())}\n${c.log.slice(-20).join('\n')}`);
  }
});

test('sim canary: a split sync group (one member MASTER, one not) is caught', () => {
  const c = new SyncCluster([{ address: '10.0.0.1', priorities: [100, 100] }]);
  c.schedule(0, { kind: 'start', router: 0 });
  c.run(10_000_000);
  const r = c.routers[0];
  const g = r?.group;
  assert.ok(r !== undefined && g !== undefined);
  assert.deepEqual(c.masterRouters(), [0]);
  const [m1, m2] = g.members;
  assert.ok(m1 !== undefined && m2 !== undefined);
  r.group = { ...g, members: [m1, { ...m2, state: 'BACKUP' }] };
  assert.throws(() => c.checkInvariant(), /split sync group: VI_1=MASTER VI_2=BACKUP/);
});
