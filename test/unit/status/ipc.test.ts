import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseStatusMessage,
  startStatusReporter,
  StatusCollector,
  STATUS_ALIVE_KIND,
  STATUS_MESSAGE_KIND,
  type StatusAliveMessage,
  type StatusMessage,
} from '../../../src/daemon/status/ipc.js';
import { fakeDaemonStatus, NOW_MS } from './fake_status.js';

const PARENT = { pid: 1, version: '0.1.0', nodeVersion: 'v20', startedAtMs: 0 };

function vrrpMessage(): StatusMessage {
  const snapshot = fakeDaemonStatus().vrrp;
  assert.ok(snapshot);
  return { kind: STATUS_MESSAGE_KIND, role: 'vrrp', snapshot };
}

function checkerMessage(): StatusMessage {
  const snapshot = fakeDaemonStatus().checker;
  assert.ok(snapshot);
  return { kind: STATUS_MESSAGE_KIND, role: 'checker', snapshot };
}

test('parseStatusMessage() accepts the snapshots the builders make, after a JSON round trip', () => {
  for (const m of [vrrpMessage(), checkerMessage()]) {
    const wire = JSON.parse(JSON.stringify(m)) as unknown;
    assert.deepEqual(parseStatusMessage(wire), m);
  }
});

test('parseStatusMessage() rejects other kinds, roles, versions, a mismatched role and wrong field types', () => {
  const good = vrrpMessage();
  const first = fakeDaemonStatus().vrrp?.instances[0];
  assert.ok(first);
  const bad: unknown[] = [
    undefined,
    null,
    42,
    'kats_status',
    [],
    { ...good, kind: 'other' },
    { ...good, role: 'bfd' },
    { ...good, role: 'checker' },
    { ...good, snapshot: { ...good.snapshot, version: 2 } },
    { ...good, snapshot: { ...good.snapshot, instances: 'x' } },
    { ...good, snapshot: { ...good.snapshot, instances: [{ ...first, state: 'LEADER' }] } },
    { ...good, snapshot: { ...good.snapshot, instances: [{ ...first, vrid: -1 }] } },
    { ...good, snapshot: { ...good.snapshot, instances: [{ ...first, basePriority: Infinity }] } },
    { ...good, snapshot: { ...good.snapshot, takenAtMs: Number.NaN } },
    { ...good, snapshot: { ...good.snapshot, scripts: [{ name: 'x'.repeat(5000), result: 'good' }] } },
  ];
  for (const m of bad) assert.equal(parseStatusMessage(m), undefined, JSON.stringify(m)?.slice(0, 120));
});

test('parseStatusMessage() keeps only known fields and known counter names (no prototype keys)', () => {
  const m = vrrpMessage();
  const first = m.snapshot.role === 'vrrp' ? m.snapshot.instances[0] : undefined;
  assert.ok(first);
  const wire = JSON.parse(
    JSON.stringify({
      ...m,
      extra: 1,
      snapshot: {
        ...m.snapshot,
        instances: [{ ...first, evil: '<script>', counts: { ...first.counts, drops: { bad_ttl: 1, not_a_reason: 5 } } }],
      },
    }).replace('"not_a_reason"', '"__proto__"'),
  ) as unknown;
  const parsed = parseStatusMessage(wire);
  assert.ok(parsed && parsed.snapshot.role === 'vrrp');
  const inst = parsed.snapshot.instances[0];
  assert.ok(inst);
  assert.equal('evil' in inst, false);
  assert.equal('extra' in parsed, false);
  assert.deepEqual(Object.keys(inst.counts.drops), ['bad_ttl']);
  assert.equal(Object.getPrototypeOf(inst.counts.drops), Object.prototype);
});

test('parseStatusMessage() never throws on junk (fast-check), and junk is never accepted', () => {
  fc.assert(
    fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, withSparseArray: true }), (x) => {
      assert.equal(parseStatusMessage(x), undefined);
      assert.equal(parseStatusMessage({ kind: STATUS_MESSAGE_KIND, role: 'vrrp', snapshot: x }), undefined);
    }),
    { numRuns: 500 },
  );
});

test('parseStatusMessage() never throws on mutated real snapshots (fast-check)', () => {
  const base = JSON.parse(JSON.stringify(vrrpMessage())) as Record<string, unknown>;
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]): void => {
    paths.push(path);
    if (typeof v === 'object' && v !== null) for (const [k, c] of Object.entries(v)) walk(c, [...path, k]);
  };
  walk(base, []);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: paths.length - 1 }), fc.jsonValue(), (i, value) => {
      const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
      const path = paths[i] ?? [];
      let at: Record<string, unknown> = copy;
      for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
      at[path[path.length - 1] ?? ''] = value;
      const r = parseStatusMessage(copy);
      if (r !== undefined) assert.equal(r.role, 'vrrp');
    }),
    { numRuns: 500 },
  );
});

test('parseStatusMessage() survives hostile getters and proxies', () => {
  const throwing = new Proxy({}, { get: () => { throw new Error('boom'); }, ownKeys: () => { throw new Error('boom'); } });
  assert.equal(parseStatusMessage(throwing), undefined);
  assert.equal(parseStatusMessage({ kind: STATUS_MESSAGE_KIND, role: 'vrrp', snapshot: throwing }), undefined);
  const getter = { kind: STATUS_MESSAGE_KIND, role: 'checker', get snapshot(): unknown { throw new Error('x'); } };
  assert.equal(parseStatusMessage(getter), undefined);
});

test('StatusCollector keeps the latest snapshot per role, counts junk and marks stale children', () => {
  let now = NOW_MS;
  const c = new StatusCollector({ parent: PARENT, expectedRoles: ['vrrp', 'checker'], nowMs: () => now, staleAfterMs: 3000 });
  assert.equal(c.accept({ junk: true }), false);
  assert.equal(c.accept(checkerMessage(), { role: 'vrrp' }), false, 'a child cannot speak for another role');
  assert.equal(c.rejectedMessages, 2);
  assert.equal(c.accept(vrrpMessage(), { role: 'vrrp', pid: 11 }), true);
  let s = c.status();
  assert.equal(s.vrrp?.instances.length, 2);
  assert.equal(s.checker, undefined);
  assert.deepEqual(s.children, [
    { role: 'vrrp', isExpected: true, pid: 11, receivedAtMs: NOW_MS, isFresh: true },
    { role: 'checker', isExpected: true, isFresh: false },
  ]);
  c.accept(checkerMessage(), { role: 'checker', pid: 12 });
  now += 2000;
  assert.deepEqual(c.status().children.map((x) => x.isFresh), [true, true]);
  now += 2000;
  assert.deepEqual(c.status().children.map((x) => x.isFresh), [false, false]);
  c.childExited('vrrp');
  s = c.status();
  assert.equal(s.vrrp, undefined);
  assert.equal(JSON.stringify(s).includes('undefined'), false);
});

test('StatusCollector records reload results and the last success time', () => {
  let now = 1000;
  const c = new StatusCollector({ parent: PARENT, expectedRoles: ['vrrp'], nowMs: () => now });
  c.recordReload('success');
  now = 2000;
  c.recordReload('failure');
  assert.deepEqual(c.status().reloads, { success: 1, failure: 1, lastResult: 'failure', lastAtMs: 2000, lastSuccessAtMs: 1000 });
});

test('startStatusReporter() sends one snapshot at once, then on each interval, and coalesces pokes', async () => {
  const sent: (StatusMessage | StatusAliveMessage)[] = [];
  let builds = 0;
  const errors: unknown[] = [];
  const snapshot = vrrpMessage().snapshot;
  const r = startStatusReporter({
    send: (m) => {
      sent.push(m);
      if (sent.length === 3) throw new Error('channel closed');
    },
    build: () => {
      builds++;
      return snapshot;
    },
    intervalMs: 40,
    onError: (e) => errors.push(e),
  });
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0], { kind: STATUS_MESSAGE_KIND, role: 'vrrp', snapshot });
  r.poke();
  r.poke();
  r.poke();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sent.length, 2, 'three pokes in one turn send once');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(sent.length >= 3);
  assert.equal(errors.length, 1, 'a failed send is reported and the reporter keeps going');
  r.stop();
  const after = builds;
  r.poke();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(builds, after, 'nothing after stop()');
});

test('startStatusReporter() with fullIntervalMs: alive messages between the snapshots; a poke restarts the count', async () => {
  const sent: string[] = [];
  const snapshot = checkerMessage().snapshot;
  const r = startStatusReporter({ send: (m) => sent.push(m.kind), build: () => snapshot, intervalMs: 20, fullIntervalMs: 80 });
  // Six ticks or more (timers may run late on a loaded machine).
  for (let waited = 0; sent.length < 7 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  r.poke();
  await new Promise((resolve) => setImmediate(resolve));
  const atPoke = sent.length;
  r.stop();
  const full = (k: string) => k === STATUS_MESSAGE_KIND;
  assert.ok(full(sent[0] ?? ''), 'a snapshot at once');
  assert.ok(full(sent[atPoke - 1] ?? ''), 'the poke sent a snapshot');
  // Ticks at 20 ms: three alive messages, then a snapshot (every 4th tick).
  assert.deepEqual(sent.slice(1, 5), [STATUS_ALIVE_KIND, STATUS_ALIVE_KIND, STATUS_ALIVE_KIND, STATUS_MESSAGE_KIND]);
  assert.deepEqual(sent.slice(5, 7), [STATUS_ALIVE_KIND, STATUS_ALIVE_KIND]);
});

test('StatusCollector: an alive message keeps a child fresh with its last snapshot; none before the first snapshot', () => {
  let now = NOW_MS;
  const c = new StatusCollector({ parent: PARENT, expectedRoles: ['checker'], nowMs: () => now, staleAfterMs: 3000 });
  const alive = { kind: STATUS_ALIVE_KIND, role: 'checker' };
  assert.equal(c.accept(alive, { role: 'checker', pid: 12 }), true);
  assert.equal(c.status().checker, undefined, 'an alive message is not a snapshot');
  assert.deepEqual(c.status().children, [{ role: 'checker', isExpected: true, isFresh: false }]);
  const m = checkerMessage();
  c.accept(m, { role: 'checker', pid: 12 });
  now += 2500;
  c.accept(alive, { role: 'checker', pid: 12 });
  now += 2500;
  assert.deepEqual(c.status().children, [{ role: 'checker', isExpected: true, pid: 12, receivedAtMs: NOW_MS + 2500, isFresh: true }]);
  assert.deepEqual(c.status().checker, m.snapshot, 'the snapshot is the last one sent');
  assert.equal(c.accept(alive, { role: 'vrrp' }), false, 'a child cannot speak for another role');
  assert.equal(c.accept({ kind: STATUS_ALIVE_KIND, role: 'other' }), false);
  now += 3100;
  assert.equal(c.status().children[0]?.isFresh, false, 'stale without alive messages');
});

test('parseStatusMessage() carries the split-brain status of an instance through the IPC', () => {
  const snapshot = fakeDaemonStatus({ splitBrain: true }).vrrp;
  assert.ok(snapshot);
  const m: StatusMessage = { kind: STATUS_MESSAGE_KIND, role: 'vrrp', snapshot };
  const parsed = parseStatusMessage(JSON.parse(JSON.stringify(m)));
  assert.deepEqual(parsed, m);
  const sb = snapshot.instances.find((i) => i.name === 'VI_1')?.splitBrain;
  assert.equal(sb?.paths.length, 2);
  assert.equal(sb?.holdsLease, true);
});
