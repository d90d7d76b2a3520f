/**
 * keepalived-ts split-brain protection in the pure state machine: the takeover gate
 * (request_takeover / takeover_verdict), revocation, split-brain detection and the
 * per-path tie-break address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  initialState,
  step,
  type Action,
  type InstanceParams,
  type InstanceState,
  type VrrpEvent,
} from '../../../src/vrrp/instance.js';
import { instanceParams } from '../../fakes/instance_params.js';

const kinds = (actions: readonly Action[]) => actions.map((a) => a.kind);
const infoLogs = (actions: readonly Action[]) =>
  actions.flatMap((a) => (a.kind === 'log' && a.level === 'info' ? [a.text] : []));
const advert = (priority: number, sourceAddress = '10.0.0.2', localAddress?: string): VrrpEvent => ({
  kind: 'advert_received',
  advert: { priority, sourceAddress, advertIntervalCs: 100, ...(localAddress === undefined ? {} : { localAddress }) },
});

function gatedBackup(over: Partial<InstanceParams> = {}): InstanceState {
  return step(initialState(instanceParams({ takeoverGated: true, ...over })), { kind: 'startup' }, 0).state;
}

function expire(s: InstanceState): { s: InstanceState; actions: readonly Action[]; at: number } {
  const at = s.masterDownDeadlineUs ?? 0;
  const t = step(s, { kind: 'timer_fired' }, at);
  return { s: t.state, actions: t.actions, at };
}

test('gated: the down timer asks the arbiter and stays BACKUP until the verdict', () => {
  const e = expire(gatedBackup());
  assert.equal(e.s.state, 'BACKUP');
  assert.equal(e.s.takeoverPending, 'master_down_timeout');
  assert.ok(kinds(e.actions).includes('request_takeover'));
  assert.ok(!kinds(e.actions).includes('add_vips'));
  const g = step(e.s, { kind: 'takeover_verdict', granted: true, detail: 'gateway reachable' }, e.at + 1_500);
  assert.equal(g.state.state, 'MASTER');
  assert.deepEqual(infoLogs(g.actions).slice(0, 2), ['(VI_1) arbiter granted takeover: gateway reachable', '(VI_1) Entering MASTER STATE']);
  assert.deepEqual(g.actions.find((a) => a.kind === 'transition'), {
    kind: 'transition', from: 'BACKUP', to: 'MASTER', reason: 'master_down_timeout',
  });
});

test('gated: a refusal keeps BACKUP and asks again one advert interval later; repeats log at detail level', () => {
  const e = expire(gatedBackup());
  const r = step(e.s, { kind: 'takeover_verdict', granted: false, detail: 'lease held by lb1' }, e.at + 1000);
  assert.equal(r.state.state, 'BACKUP');
  assert.equal(r.state.takeoverPending, undefined);
  assert.equal(r.state.masterDownDeadlineUs, e.at + 1000 + 1_000_000);
  assert.deepEqual(infoLogs(r.actions), ['(VI_1) arbiter refused takeover: lease held by lb1']);
  const again = expire(r.state);
  assert.ok(kinds(again.actions).includes('request_takeover'));
  const r2 = step(again.s, { kind: 'takeover_verdict', granted: false, detail: 'lease held by lb1' }, again.at + 1);
  assert.deepEqual(infoLogs(r2.actions), [], 'the same refusal again is not repeated at info level');
});

test('gated: an advert from a live master cancels the request; a late grant is then ignored', () => {
  const e = expire(gatedBackup());
  const a = step(e.s, advert(200), e.at + 10);
  assert.equal(a.state.takeoverPending, undefined);
  const late = step(a.state, { kind: 'takeover_verdict', granted: true, detail: 'late' }, e.at + 20);
  assert.equal(late.state.state, 'BACKUP');
  assert.deepEqual(late.actions, []);
});

test('gated: a lower-priority advert (preemption) does not cancel the request', () => {
  const e = expire(gatedBackup({ basePriority: 150 }));
  const a = step(e.s, advert(100), e.at + 10);
  assert.equal(a.state.takeoverPending, 'master_down_timeout');
});

test('gated: a fault while waiting drops the request', () => {
  const e = expire(gatedBackup());
  const f = step(e.s, { kind: 'fault_changed', isFaulted: true }, e.at + 10);
  assert.equal(f.state.state, 'FAULT');
  const late = step(f.state, { kind: 'takeover_verdict', granted: true, detail: 'x' }, e.at + 20);
  assert.equal(late.state.state, 'FAULT');
});

test('gated address owner starts in BACKUP and asks at once', () => {
  const t = step(initialState(instanceParams({ basePriority: 255, takeoverGated: true })), { kind: 'startup' }, 0);
  assert.equal(t.state.state, 'BACKUP');
  assert.equal(t.state.takeoverPending, 'address_owner');
  assert.ok(kinds(t.actions).includes('request_takeover'));
});

test('revocation: a MASTER sends priority 0, removes its VIPs and goes BACKUP with reason arbiter_revoked', () => {
  const e = expire(gatedBackup());
  const m = step(e.s, { kind: 'takeover_verdict', granted: true, detail: 'ok' }, e.at).state;
  const r = step(m, { kind: 'takeover_revoked', detail: 'lease expired' }, e.at + 5_000_000);
  assert.equal(r.state.state, 'BACKUP');
  assert.deepEqual(infoLogs(r.actions)[0], '(VI_1) arbiter revoked mastership: lease expired');
  assert.deepEqual(r.actions.find((a) => a.kind === 'send_advert'), { kind: 'send_advert', priority: 0 });
  assert.ok(kinds(r.actions).includes('remove_vips'));
  assert.deepEqual(
    r.actions.find((a) => a.kind === 'transition'),
    { kind: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'arbiter_revoked' },
  );
  assert.equal(step(r.state, { kind: 'takeover_revoked', detail: 'again' }, e.at + 5_000_001).actions.length, 0);
});

test('split brain: a master by silence that hears a lower master reports it once', () => {
  const s = step(initialState(instanceParams({ basePriority: 150 })), { kind: 'startup' }, 0).state;
  const m = expire(s).s;
  assert.equal(m.masterBySilence, true);
  const t = step(m, advert(100), 10_000_000);
  const sb = t.actions.find((a) => a.kind === 'split_brain');
  assert.deepEqual(sb, { kind: 'split_brain', peer: '10.0.0.2', peerPriority: 100 });
  assert.ok(infoLogs(t.actions).some((l) => l.startsWith('(VI_1) Split brain: 10.0.0.2 was MASTER too')));
  const again = step(t.state, advert(100), 11_000_000);
  assert.ok(!kinds(again.actions).includes('split_brain'), 'reported once per mastership');
});

test('split brain: a master that preempted (it heard the old master) does not report', () => {
  const s = step(initialState(instanceParams({ basePriority: 150 })), { kind: 'startup' }, 0).state;
  // Lower-priority adverts keep arriving; the down timer still expires (preemption).
  let cur = s;
  for (let t = 1_000_000; t < (s.masterDownDeadlineUs ?? 0); t += 1_000_000) cur = step(cur, advert(100), t).state;
  const m = expire(cur).s;
  assert.equal(m.state, 'MASTER');
  assert.equal(m.masterBySilence, false);
  const t = step(m, advert(100), (m.adverDeadlineUs ?? 0) - 1);
  assert.ok(!kinds(t.actions).includes('split_brain'));
});

test('split brain: the master that yields to a higher one does not report', () => {
  const m = expire(step(initialState(instanceParams({ basePriority: 100 })), { kind: 'startup' }, 0).state).s;
  const t = step(m, advert(150), 20_000_000);
  assert.equal(t.state.state, 'BACKUP');
  assert.ok(!kinds(t.actions).includes('split_brain'));
});

test('heartbeat path tie-break: equal priority compares against our address on that path', () => {
  const m = expire(step(initialState(instanceParams({ primaryAddress: '10.0.0.1' })), { kind: 'startup' }, 0).state).s;
  // On the main path 10.0.0.2 > 10.0.0.1 would win; on the path our address is 10.9.0.9 > 10.9.0.2.
  const t = step(m, advert(100, '10.9.0.2', '10.9.0.9'), 10_000_000);
  assert.equal(t.state.state, 'MASTER');
  const u = step(m, advert(100, '10.9.0.2', '10.9.0.1'), 10_000_000);
  assert.equal(u.state.state, 'BACKUP');
});

test('property: with the gate, only a granted verdict ever makes the instance MASTER', () => {
  const ev = fc.oneof(
    fc.constant<VrrpEvent>({ kind: 'timer_fired' }),
    fc.integer({ min: 0, max: 255 }).map((p) => advert(p)),
    fc.boolean().map((granted): VrrpEvent => ({ kind: 'takeover_verdict', granted, detail: 'd' })),
    fc.constant<VrrpEvent>({ kind: 'takeover_revoked', detail: 'r' }),
    fc.boolean().map((isFaulted): VrrpEvent => ({ kind: 'fault_changed', isFaulted })),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(ev, fc.integer({ min: 0, max: 2_000_000 })), { maxLength: 60 }), (events) => {
      let s = gatedBackup({ basePriority: 150 });
      let now = 0;
      for (const [e, dt] of events) {
        // Timers fire at their deadline; other events after a random pause.
        now = e.kind === 'timer_fired' ? Math.max(now, s.masterDownDeadlineUs ?? now) : now + dt;
        const t = step(s, e, now);
        if (s.state !== 'MASTER' && t.state.state === 'MASTER') {
          assert.ok(e.kind === 'takeover_verdict' && e.granted, `MASTER after ${e.kind}`);
        }
        if (e.kind === 'takeover_revoked') assert.notEqual(t.state.state, 'MASTER');
        s = t.state;
      }
    }),
    { numRuns: 3000 },
  );
});
