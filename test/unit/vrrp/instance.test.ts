import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialState,
  nextDeadlineUs,
  step,
  syncToBackup,
  syncToFault,
  syncToMaster,
  type Action,
  type InstanceParams,
  type InstanceState,
  type VrrpEvent,
} from '../../../src/vrrp/instance.js';
import { instanceParams } from '../../fakes/instance_params.js';

const params = instanceParams;

const logs = (actions: readonly Action[]) =>
  actions.flatMap((a) => (a.kind === 'log' && a.level === 'info' ? [a.text] : []));
const kinds = (actions: readonly Action[]) => actions.map((a) => a.kind);
const advert = (priority: number, sourceAddress = '10.0.0.2', advertIntervalCs = 100): VrrpEvent => ({
  kind: 'advert_received',
  advert: { priority, sourceAddress, advertIntervalCs },
});

function started(over: Partial<InstanceParams> = {}, nowUs = 0): InstanceState {
  return step(initialState(params(over)), { kind: 'startup' }, nowUs).state;
}

function master(over: Partial<InstanceParams> = {}): InstanceState {
  const s = started(over);
  const t = step(s, { kind: 'timer_fired' }, s.masterDownDeadlineUs ?? 0);
  assert.equal(t.state.state, 'MASTER');
  return t.state;
}

test('step(startup) puts a non-owner in BACKUP (init) for a full Master_Down_Interval (keepalived §0.2)', () => {
  const t = step(initialState(params({ basePriority: 150 })), { kind: 'startup' }, 1_000);
  assert.equal(t.state.state, 'BACKUP');
  assert.deepEqual(logs(t.actions), ['(VI_1) removing VIPs.', '(VI_1) Entering BACKUP STATE (init)']);
  assert.equal(t.state.masterDownDeadlineUs, 1_000 + 3_414_062);
  assert.equal(nextDeadlineUs(t.state), 1_000 + 3_414_062);
});

test('step(startup) makes an address owner (255) MASTER at once: advert, log, VIPs, GARP, notify', () => {
  const t = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0);
  assert.equal(t.state.state, 'MASTER');
  assert.deepEqual(kinds(t.actions), [
    'log', 'remove_vips', 'send_advert', 'log', 'log', 'add_vips', 'log', 'send_garp', 'transition', 'notify',
  ]);
  assert.deepEqual(logs(t.actions).slice(1), [
    '(VI_1) Entering MASTER STATE',
    '(VI_1) setting VIPs.',
    '(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100',
  ]);
  assert.deepEqual(t.actions.find((a) => a.kind === 'transition'), {
    kind: 'transition', from: 'INIT', to: 'MASTER', reason: 'address_owner',
  });
});

test('step(timer_fired) in BACKUP after Master_Down_Interval becomes MASTER (RFC 5798 §6.4.2)', () => {
  const s = started();
  const early = step(s, { kind: 'timer_fired' }, 3_609_374);
  assert.equal(early.state.state, 'BACKUP');
  const t = step(s, { kind: 'timer_fired' }, 3_609_375);
  assert.equal(t.state.state, 'MASTER');
  assert.ok(t.actions.some((a) => a.kind === 'transition' && a.reason === 'master_down_timeout'));
  // The second GARP burst and the next advert are scheduled.
  assert.equal(t.state.adverDeadlineUs, 3_609_375 + 1_000_000);
  assert.equal(t.state.garpDelayedDeadlineUs, 3_609_375 + 5_000_000);
});

test('BACKUP resets its down timer on an advert of higher or equal priority', () => {
  const s = started();
  const t = step(s, advert(100), 2_000_000);
  assert.equal(t.state.masterDownDeadlineUs, 2_000_000 + 3_609_375);
  assert.equal(t.state.masterAddress, '10.0.0.2');
});

test('BACKUP discards a lower-priority advert with keepalived\'s log line and keeps its timer (§0.4)', () => {
  const s = started({ basePriority: 150 });
  const t = step(s, advert(100), 2_000_000);
  assert.deepEqual(logs(t.actions), ['(VI_1) received lower priority (100) advert from 10.0.0.2 - discarding']);
  assert.equal(t.state.masterDownDeadlineUs, s.masterDownDeadlineUs);
});

test('BACKUP with nopreempt accepts a lower-priority master', () => {
  const s = started({ basePriority: 150, nopreempt: true });
  const t = step(s, advert(100), 2_000_000);
  assert.deepEqual(logs(t.actions), []);
  assert.equal(t.state.masterDownDeadlineUs, 2_000_000 + 3_414_062);
});

test('BACKUP with preempt_delay accepts lower-priority adverts until the delay is over', () => {
  const s = started({ basePriority: 150, preemptDelayUs: 10_000_000 });
  const first = step(s, advert(100), 1_000_000);
  assert.equal(first.state.preemptUntilUs, 11_000_000);
  const during = step(first.state, advert(100), 10_000_000);
  assert.equal(during.state.masterDownDeadlineUs, 10_000_000 + 3_414_062);
  const after = step(during.state, advert(100), 11_000_000);
  assert.match(logs(after.actions)[0] ?? '', /received lower priority \(100\)/);
});

test('BACKUP takes over Skew_Time after a priority 0 advert (RFC 5798 §6.4.2)', () => {
  const s = started();
  const t = step(s, advert(0), 2_000_000);
  assert.equal(t.state.masterDownDeadlineUs, 2_000_000 + 609_375);
});

test('VRRPv3 BACKUP learns Master_Adver_Interval from the master and resets it on becoming master', () => {
  const s = started({ version: 3, advertIntervalCs: 100 });
  const t = step(s, advert(200, '10.0.0.2', 50), 0);
  assert.equal(t.state.masterAdverIntervalCs, 50);
  // 3 × 0.5 s + (256-100)/256 × 0.5 s
  assert.equal(t.state.masterDownDeadlineUs, 1_500_000 + Math.floor((156 * 50 * 625) / 16));
  const m = step(t.state, { kind: 'timer_fired' }, t.state.masterDownDeadlineUs ?? 0);
  assert.equal(m.state.masterAdverIntervalCs, 100);
});

test('MASTER yields to a higher priority at once and removes its VIPs', () => {
  const m = master();
  const t = step(m, advert(150), 10_000_000);
  assert.equal(t.state.state, 'BACKUP');
  assert.deepEqual(logs(t.actions), [
    '(VI_1) Master received advert from 10.0.0.2 with higher priority 150, ours 100',
    '(VI_1) Entering BACKUP STATE',
    '(VI_1) removing VIPs.',
  ]);
  assert.ok(t.actions.some((a) => a.kind === 'remove_vips'));
  assert.equal(t.state.masterDownDeadlineUs, 10_000_000 + 3_609_375);
});

test('MASTER yields on equal priority from a higher address, stays against a lower one', () => {
  const m = master();
  const up = step(m, advert(100, '10.0.0.9'), 1);
  assert.equal(up.state.state, 'BACKUP');
  assert.match(logs(up.actions)[0] ?? '', /same priority 100 but higher IP address than ours/);
  const low = step(m, advert(100, '10.0.0.0'), 1);
  assert.equal(low.state.state, 'MASTER');
});

test('MASTER hearing a lower priority re-advertises, sends GARP and notifies MASTER_RX_LOWER_PRI', () => {
  const m = master({ basePriority: 150 });
  const t = step(m, advert(100), 1);
  assert.equal(t.state.state, 'MASTER');
  assert.deepEqual(logs(t.actions)[0], '(VI_1) Received advert from 10.0.0.2 with lower priority 100, ours 150, forcing new election');
  // It became MASTER by a down timeout with nobody heard: the lower master is a split brain.
  assert.deepEqual(kinds(t.actions).filter((k) => k !== 'log'), ['send_advert', 'send_garp', 'notify', 'split_brain']);
  const quiet = step(master({ basePriority: 150, lowerPrioNoAdvert: true, garpLowerPrioRepeat: 0 }), advert(100), 1);
  assert.equal(logs(quiet.actions)[0], '(VI_1) Received advert from 10.0.0.2 with lower priority 100, ours 150');
  // keepalived-ts sends GARP anyway so clients come back at once after a split brain.
  assert.deepEqual(kinds(quiet.actions).filter((k) => k !== 'log'), ['send_garp', 'notify', 'split_brain']);
});

test('MASTER answers a priority 0 advert with an advert of its own', () => {
  const t = step(master(), advert(0), 1);
  assert.equal(t.state.state, 'MASTER');
  assert.deepEqual(kinds(t.actions).filter((k) => k !== 'log'), ['send_advert']);
});

test('MASTER sends an advert every advert_int and the second GARP burst after garp_master_delay', () => {
  const m = master();
  const at = m.adverDeadlineUs ?? 0;
  const t = step(m, { kind: 'timer_fired' }, at);
  assert.deepEqual(t.actions, [{ kind: 'send_advert', priority: 100 }]);
  assert.equal(t.state.adverDeadlineUs, at + 1_000_000);
  const g = step(m, { kind: 'timer_fired' }, m.garpDelayedDeadlineUs ?? 0);
  assert.ok(g.actions.some((a) => a.kind === 'send_garp' && a.count === 5));
  assert.equal(g.state.garpDelayedDeadlineUs, undefined);
});

test('a tracker fault takes a MASTER to FAULT with a priority 0 advert; clearing it waits a full Master_Down_Interval', () => {
  const m = master();
  const f = step(m, { kind: 'fault_changed', isFaulted: true }, 100);
  assert.equal(f.state.state, 'FAULT');
  assert.deepEqual(kinds(f.actions).filter((k) => k !== 'log'), ['send_advert', 'remove_vips', 'transition', 'notify']);
  assert.deepEqual(f.actions.find((a) => a.kind === 'send_advert'), { kind: 'send_advert', priority: 0 });
  const b = step(f.state, { kind: 'fault_changed', isFaulted: false }, 200);
  assert.equal(b.state.state, 'BACKUP');
  assert.deepEqual(logs(b.actions), ['(VI_1) Entering BACKUP STATE']);
  assert.equal(b.state.masterDownDeadlineUs, 200 + 3_609_375);
});

test('shutdown of a MASTER sends priority 0, removes VIPs and notifies STOP', () => {
  const t = step(master(), { kind: 'shutdown' }, 5);
  assert.equal(t.state.state, 'STOP');
  assert.deepEqual(kinds(t.actions).filter((k) => k !== 'log'), ['send_advert', 'remove_vips', 'transition', 'notify']);
  assert.equal(nextDeadlineUs(t.state), undefined);
  // A second stop does nothing (no STOP→STOP transition).
  assert.deepEqual(step(t.state, { kind: 'shutdown' }, 6).actions, []);
});

/**
 * Two routers on a perfect link, driven by the real step(): who is master over time. A
 * first taste of the simulator the VRRP engine issue asks for.
 */
test('two routers elect the higher priority, fail over on a crash and preempt on return', () => {
  interface Node { s: InstanceState; alive: boolean }
  const a: Node = { s: started({ name: 'A', basePriority: 150, primaryAddress: '10.0.0.1' }), alive: true };
  const b: Node = { s: started({ name: 'B', basePriority: 100, primaryAddress: '10.0.0.2' }), alive: true };
  let now = 0;
  const deliver = (from: Node, to: Node, actions: readonly Action[]) => {
    for (const act of actions) {
      if (act.kind !== 'send_advert' || !to.alive) continue;
      to.s = step(to.s, advert(act.priority, from.s.params.primaryAddress), now).state;
    }
  };
  const runUntil = (endUs: number) => {
    for (;;) {
      const next = [a, b]
        .filter((n) => n.alive)
        .map((n) => ({ n, at: nextDeadlineUs(n.s) }))
        .filter((x): x is { n: Node; at: number } => x.at !== undefined)
        .sort((x, y) => x.at - y.at)[0];
      if (next === undefined || next.at > endUs) break;
      now = next.at;
      const t = step(next.n.s, { kind: 'timer_fired' }, now);
      next.n.s = t.state;
      deliver(next.n, next.n === a ? b : a, t.actions);
    }
    now = endUs;
  };
  runUntil(10_000_000);
  assert.deepEqual([a.s.state, b.s.state], ['MASTER', 'BACKUP']);
  a.alive = false; // crash: no priority 0
  const crashAt = now;
  runUntil(crashAt + 3_609_375);
  assert.equal(b.s.state, 'MASTER', 'B takes over within its Master_Down_Interval');
  a.alive = true;
  a.s = started({ name: 'A', basePriority: 150, primaryAddress: '10.0.0.1' }, now);
  runUntil(now + 10_000_000);
  assert.deepEqual([a.s.state, b.s.state], ['MASTER', 'BACKUP'], 'A preempts after its down timer');
});

// --- sync-group support: wantState, syncHoldMaster, sync* transitions -----------------------

test('wantState starts as BACKUP (MASTER for an address owner) and follows the state', () => {
  assert.equal(initialState(params()).wantState, 'BACKUP');
  assert.equal(initialState(params({ basePriority: 255 })).wantState, 'MASTER');
  assert.equal(master().wantState, 'MASTER');
  const faulted = step(started(), { kind: 'fault_changed', isFaulted: true }, 10).state;
  assert.equal(faulted.wantState, 'FAULT');
  assert.equal(step(faulted, { kind: 'fault_changed', isFaulted: false }, 20).state.wantState, 'BACKUP');
});

test('step(timer_fired, syncHoldMaster) keeps a backup in BACKUP wanting MASTER, down timer re-armed (vrrp_state_goto_master)', () => {
  const s = started();
  const at = s.masterDownDeadlineUs ?? 0;
  const t = step(s, { kind: 'timer_fired' }, at, { syncHoldMaster: true });
  assert.equal(t.state.state, 'BACKUP');
  assert.equal(t.state.wantState, 'MASTER');
  assert.equal(t.state.masterDownDeadlineUs, at + 3_609_375);
  assert.deepEqual(kinds(t.actions), ['log']);
  // An accepted advert makes it want BACKUP again.
  assert.equal(step(t.state, advert(200), at + 1).state.wantState, 'BACKUP');
  // A discarded lower-priority advert does not.
  assert.equal(step(t.state, advert(50), at + 1).state.wantState, 'MASTER');
});

test('step(startup, syncHoldMaster) starts an address owner as a backup (mixed sync group)', () => {
  const t = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0, { syncHoldMaster: true });
  assert.equal(t.state.state, 'BACKUP');
  assert.equal(t.state.wantState, 'BACKUP');
});

test('syncToMaster / syncToBackup / syncToFault move a member with reason sync_group', () => {
  const b = started();
  const m = syncToMaster(b, 5);
  assert.equal(m.state.state, 'MASTER');
  assert.deepEqual(m.actions.find((a) => a.kind === 'transition'), { kind: 'transition', from: 'BACKUP', to: 'MASTER', reason: 'sync_group' });
  const back = syncToBackup(m.state, 6);
  assert.equal(back.state.state, 'BACKUP');
  assert.ok(back.actions.some((a) => a.kind === 'remove_vips'));
  const f = syncToFault(m.state, 7);
  assert.equal(f.state.state, 'FAULT');
  assert.equal(f.state.isFaulted, false);
  assert.deepEqual(f.actions.find((a) => a.kind === 'send_advert'), { kind: 'send_advert', priority: 0 });
  const up = syncToBackup(f.state, 8);
  assert.equal(up.state.state, 'BACKUP');
  assert.equal(up.state.masterDownDeadlineUs, 8 + 3_609_375);
  // No-ops from the states they do not apply to.
  assert.equal(syncToMaster(m.state, 9).actions.length, 0);
  assert.equal(syncToBackup(b, 9).actions.length, 0);
  assert.equal(syncToFault(f.state, 9).actions.length, 0);
});

test('two address owners: keepalived 2.2.7 logs a CONFIGURATION ERROR, lowers us to 254 for good, and the same advert sends us to BACKUP', () => {
  const owner = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0).state;
  assert.equal(owner.state, 'MASTER');
  const t = step(owner, advert(255, '10.0.0.2'), 1_000);
  assert.deepEqual(logs(t.actions), [
    '(VI_1) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority',
    '(VI_1) Master received advert from 10.0.0.2 with higher priority 255, ours 254',
    '(VI_1) Entering BACKUP STATE',
    '(VI_1) removing VIPs.',
  ]);
  assert.equal(t.state.state, 'BACKUP');
  assert.equal(t.state.effectivePriority, 254);
  assert.equal(t.state.ownerConflict, true);
  // No longer an owner: trackers may move it again.
  assert.equal(step(t.state, { kind: 'priority_changed', effectivePriority: 200 }, 2_000).state.effectivePriority, 200);
});

test('two address owners: the same rule applies when our address is higher (the peer steps down too)', () => {
  const owner = step(initialState(params({ basePriority: 255 })), { kind: 'startup' }, 0).state;
  const t = step(owner, advert(255, '10.0.0.0'), 1_000);
  assert.equal(t.state.effectivePriority, 254);
  // 255 from the peer still beats our 254: BACKUP, as in keepalived.
  assert.equal(t.state.state, 'BACKUP');
});

test('garp_lower_prio_delay schedules a second burst of garp_lower_prio_repeat after a lower-priority advert', () => {
  const m = master({ basePriority: 150, garpLowerPrioRepeat: 3, garpLowerPrioDelayUs: 2_000_000 });
  const t = step(m, advert(100), 10_000_000);
  assert.deepEqual(t.actions.filter((a) => a.kind === 'send_garp'), [{ kind: 'send_garp', count: 3 }]);
  assert.equal(t.state.garpDelayedDeadlineUs, 12_000_000);
  const later = step(t.state, { kind: 'timer_fired' }, 12_000_000);
  assert.deepEqual(later.actions.filter((a) => a.kind === 'send_garp'), [{ kind: 'send_garp', count: 3 }]);
  // Without a repeat there is no delayed burst (only our floor of one immediate burst).
  const m0 = master({ basePriority: 150, garpLowerPrioRepeat: 0, garpLowerPrioDelayUs: 2_000_000 });
  const none = step(m0, advert(100), 1);
  assert.equal(none.state.garpDelayedDeadlineUs, m0.garpDelayedDeadlineUs);
});

test('a VIP deleted behind our back: MASTER sends priority 0, goes BACKUP with a Skew_Time timer, and comes back (keepalived_netlink.c)', () => {
  const m = master({ basePriority: 150 });
  const t = step(m, { kind: 'vip_deleted' }, 50_000_000);
  assert.equal(t.state.state, 'BACKUP');
  assert.deepEqual(kinds(t.actions).slice(0, 3), ['log', 'send_advert', 'log']);
  assert.deepEqual(t.actions.find((a) => a.kind === 'send_advert'), { kind: 'send_advert', priority: 0 });
  assert.deepEqual(logs(t.actions), ['(VI_1) Entering BACKUP STATE', '(VI_1) removing VIPs.']);
  assert.deepEqual(t.actions.find((a) => a.kind === 'transition'), { kind: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'vip_deleted' });
  // Skew_Time at 150: (256 - 150) / 256 s.
  assert.equal(t.state.masterDownDeadlineUs, 50_000_000 + 414_062);
  const back = step(t.state, { kind: 'timer_fired' }, 50_000_000 + 414_062);
  assert.equal(back.state.state, 'MASTER');
  assert.ok(kinds(back.actions).includes('add_vips'));
  // Not a master: nothing to do.
  assert.deepEqual(step(t.state, { kind: 'vip_deleted' }, 1).actions, []);
});

test('a yielding MASTER sends one advert at priority 1, so the winner hears a lower-priority master and sends GARP (keepalived-ts)', () => {
  const m = master({ basePriority: 150 });
  const t = step(m, advert(200), 1);
  assert.equal(t.state.state, 'BACKUP');
  assert.deepEqual(t.actions.filter((a) => a.kind === 'send_advert'), [{ kind: 'send_advert', priority: 1 }]);
  // With keepalived's higher_prio_send_advert, our own priority instead (keepalived's rule).
  const k = step(master({ basePriority: 150, higherPrioSendAdvert: true }), advert(200), 1);
  assert.deepEqual(k.actions.filter((a) => a.kind === 'send_advert'), [{ kind: 'send_advert', priority: 150 }]);
  // The winner's side: a lower-priority advert makes a master send GARP.
  const w = step(master({ basePriority: 200 }), advert(1, '10.0.0.2'), 1);
  assert.ok(w.actions.some((a) => a.kind === 'send_garp'));
});
