import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VrrpRuntime } from '../../../src/vrrp/runtime.js';
import type { CheckEngineState } from '../../../src/check/check_engine.js';
import type { CheckPlan } from '../../../src/check/checker_plan.js';
import {
  buildCheckerSnapshot,
  buildVrrpSnapshot,
  isDaemonUp,
  statsFromDrops,
  vipText,
  type CheckEngineView,
  type CheckPlanView,
  type VrrpRuntimeView,
} from '../../../src/daemon/status/snapshot.js';
import { engine, fakeDaemonStatus, fakeInstances, fakeRuntime, NOW_MS, PLAN } from './fake_status.js';

// The real classes satisfy the views the builders read (checked by tsc).
export const runtimeIsAView = (r: VrrpRuntime): VrrpRuntimeView => r;
export const engineIsAView = (s: CheckEngineState): CheckEngineView => s;
export const planIsAView = (p: CheckPlan): CheckPlanView => p;

test('vipText() prints the prefix only when it is not a host prefix (keepalived ipaddresstos)', () => {
  assert.equal(vipText({ address: '10.0.0.1', family: 4, prefixLength: 32 }), '10.0.0.1');
  assert.equal(vipText({ address: '10.0.0.1', family: 4, prefixLength: 24 }), '10.0.0.1/24');
  assert.equal(vipText({ address: '2001:db8::1', family: 6, prefixLength: 128 }), '2001:db8::1');
  assert.equal(vipText({ address: '2001:db8::1', family: 6, prefixLength: 64 }), '2001:db8::1/64');
});

test('statsFromDrops() moves keepalived vrrp_stats counters as drop_reasons.ts says; log-only reasons move none', () => {
  const s = statsFromDrops(new Map([['bad_ttl', 3], ['unicast_peer_ttl', 1], ['unicast_source_not_peer', 9], ['nonsense', 4]]));
  assert.equal(s.ip_ttl_err, 4);
  assert.equal(s.packet_len_err, 0);
  assert.equal(Object.values(s).reduce((a, b) => a + b, 0), 4);
});

test('buildVrrpSnapshot() reports state, priorities, timers, VIPs, peers and counters per instance', () => {
  const snap = fakeDaemonStatus().vrrp;
  assert.ok(snap);
  assert.equal(snap.role, 'vrrp');
  assert.equal(snap.takenAtMs, NOW_MS);
  const [vi1, vi2] = snap.instances;
  assert.ok(vi1 && vi2);
  assert.equal(vi1.state, 'MASTER');
  assert.equal(vi1.basePriority, 150);
  assert.equal(vi1.effectivePriority, 140);
  // RFC 3768 §6.1 (v2): 3 × 1 s + (256 − 140) / 256 s.
  assert.equal(vi1.masterDownIntervalS, 3 + 116 / 256);
  assert.equal(vi1.masterAdverIntervalS, 1);
  assert.equal(vi1.garpMasterDelayS, 5);
  assert.equal(vi1.syncGroup, 'G1');
  assert.deepEqual(
    vi1.vips.map((v) => [v.text, v.device, v.isExcluded, v.isPresent]),
    [
      ['10.0.0.100', 'eth0', false, true],
      ['10.0.0.101/24', 'eth1', false, false],
      ['2001:db8::1/64', 'eth0', true, undefined],
    ],
  );
  assert.equal('isPresent' in (vi1.vips[2] ?? {}), false, 'unknown presence is absent, not undefined');
  assert.deepEqual(vi1.peers, [{ address: '10.0.0.2', lastAdvertAgeS: 2.5 }]);
  assert.equal(vi1.counts.advertsSent, 340);
  assert.equal(vi1.counts.stats.ip_ttl_err, 4);
  assert.equal(vi1.counts.stats.auth_failure, 2);
  assert.equal(vi1.counts.stats.chk_err, 5);
  assert.equal(vi1.counts.drops['unicast_source_not_peer'], 7);
  assert.deepEqual(vi1.counts.transitionsByReason, { master_down_timeout: 2, higher_priority_advert: 1 });
  assert.equal(vi2.masterAddress, '10.0.0.2');
  assert.equal(vi2.syncGroup, undefined);
  assert.deepEqual(snap.syncGroups, [{ name: 'G1', state: 'MASTER', members: ['VI_1'] }]);
  assert.deepEqual(snap.scripts.map((s) => s.name), ['chk_nginx', 'chk_db', 'chk_new']);
  assert.equal(snap.notify?.scriptsRun, 4);
});

test('buildVrrpSnapshot() is plain JSON: it survives JSON (process.send) unchanged', () => {
  const snap = fakeDaemonStatus().vrrp;
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
});

test('buildVrrpSnapshot() skips names the runtime does not know and keeps a faulted priority budget finite', () => {
  const rt = fakeRuntime(fakeInstances().map((i) => ({ ...i, effectivePriority: 0 })));
  const view: VrrpRuntimeView = { ...rt, instanceNames: () => ['VI_1', 'ghost'] };
  const snap = buildVrrpSnapshot(view, { nowUs: 0, atMs: 0 });
  assert.deepEqual(snap.instances.map((i) => i.name), ['VI_1']);
  assert.ok(Number.isFinite(snap.instances[0]?.masterDownIntervalS));
  assert.equal(snap.notify, undefined);
});

test('buildCheckerSnapshot() reports quorum, health, kernel weight and the last probe latency per real server', () => {
  const snap = buildCheckerSnapshot(PLAN, engine(false), { atMs: 5, lastProbe: (id) => (id === 0 ? { durationMs: 40, ok: true } : undefined) });
  const vs = snap.virtualServers[0];
  assert.ok(vs);
  assert.equal(vs.text, '[10.0.0.50]:tcp:80');
  assert.equal(vs.isQuorumUp, true);
  assert.equal(vs.realServersUp, 1);
  assert.equal(vs.realServersTotal, 2);
  const [a, b] = vs.realServers;
  assert.ok(a && b);
  assert.deepEqual([a.isAlive, a.weight, a.lastCheckLatencyS, a.checks[0]?.type], [true, 3, 0.04, 'HTTP_GET']);
  assert.deepEqual([b.isAlive, b.isInKernel, b.weight, b.failedChecks, b.checks[0]?.isUp], [false, false, 0, 1, false]);
  assert.equal('lastCheckLatencyS' in b, false);
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
});

test('isDaemonUp() needs every expected child to be fresh', () => {
  const s = fakeDaemonStatus();
  assert.equal(isDaemonUp(s), true);
  assert.equal(isDaemonUp({ children: s.children.map((c) => (c.role === 'checker' ? { ...c, isFresh: false } : c)) }), false);
  assert.equal(isDaemonUp({ children: [{ role: 'checker', isExpected: false, isFresh: false }, { role: 'vrrp', isExpected: true, isFresh: true }] }), true);
  assert.equal(isDaemonUp({ children: [] }), false);
});
