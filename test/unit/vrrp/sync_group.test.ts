import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, type InstanceParams, type InstanceState, type VrrpEvent } from '../../../src/vrrp/instance.js';
import {
  canGotoMaster,
  groupMember,
  initialGroup,
  nextGroupDeadline,
  startGroup,
  stepGroup,
  stopGroup,
  type GroupAction,
  type SyncGroupState,
} from '../../../src/vrrp/sync_group.js';
import { instanceParams } from '../../fakes/instance_params.js';

/** Members without GARP traffic, so the tests read the sync logic only. */
function params(name: string, over: Partial<InstanceParams> = {}): InstanceParams {
  return instanceParams({
    name,
    firstVip: undefined,
    garpMasterDelayUs: 0,
    garpMasterRepeat: 0,
    garpLowerPrioDelayUs: 0,
    garpLowerPrioRepeat: 0,
    ...over,
  });
}

/** Master_Down_Interval at 1 s adverts: 3 s + (256 - prio) / 256 s. */
const DOWN_100 = 3_609_375;
const DOWN_150 = 3_414_062;

/** VI_1 (priority 100) and VI_2 (priority 150) in group G. */
function group(over1: Partial<InstanceParams> = {}, over2: Partial<InstanceParams> = {}, faulted: readonly string[] = []): SyncGroupState {
  const mk = (p: InstanceParams): InstanceState => ({ ...initialState(p), isFaulted: faulted.includes(p.name) });
  return initialGroup('G', [mk(params('VI_1', over1)), mk(params('VI_2', { basePriority: 150, ...over2 }))]);
}

/** Readable trace: info logs, member notifies and group notifies, in order. */
function trace(actions: readonly GroupAction[]): string[] {
  return actions.flatMap((a) => {
    if (a.kind === 'log') return [a.text];
    if (a.kind === 'group_notify') return [`group_notify ${a.group} ${a.state}`];
    const x = a.action;
    if (x.kind === 'log' && x.level === 'info') return [x.text];
    if (x.kind === 'notify') return [`notify ${a.member} ${x.state}`];
    if (x.kind === 'send_advert') return [`advert ${a.member} ${x.priority}`];
    return [];
  });
}

const states = (g: SyncGroupState) => [g.state, ...g.members.map((m) => `${m.params.name}=${m.state}/${m.wantState}`)];
const member = (g: SyncGroupState, name: string): InstanceState => {
  const m = groupMember(g, name);
  assert.ok(m);
  return m;
};
const advert = (priority: number, sourceAddress = '10.0.0.9'): VrrpEvent => ({
  kind: 'advert_received',
  advert: { priority, sourceAddress, advertIntervalCs: 100 },
});
const timer: VrrpEvent = { kind: 'timer_fired' };
const fault = (isFaulted: boolean): VrrpEvent => ({ kind: 'fault_changed', isFaulted });

/** Started at 0, then VI_2 (held) and VI_1 time out: the group is MASTER at DOWN_100. */
function masterGroup(): SyncGroupState {
  let g = startGroup(group(), 0).group;
  g = stepGroup(g, 'VI_2', timer, DOWN_150).group;
  g = stepGroup(g, 'VI_1', timer, DOWN_100).group;
  assert.deepEqual(states(g), ['MASTER', 'VI_1=MASTER/MASTER', 'VI_2=MASTER/MASTER']);
  return g;
}

interface Case {
  readonly name: string;
  readonly run: () => { readonly g: SyncGroupState; readonly actions: readonly GroupAction[] };
  readonly states: readonly string[];
  readonly trace: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: 'start-up: the group notifies BACKUP first, then every member enters BACKUP (init) (vrrp_init_state)',
    run: () => {
      const t = startGroup(group(), 0);
      return { g: t.group, actions: t.actions };
    },
    states: ['BACKUP', 'VI_1=BACKUP/BACKUP', 'VI_2=BACKUP/BACKUP'],
    trace: [
      'group_notify G BACKUP',
      '(VI_1) removing VIPs.',
      '(VI_1) Entering BACKUP STATE (init)',
      'notify VI_1 BACKUP',
      '(VI_2) removing VIPs.',
      '(VI_2) Entering BACKUP STATE (init)',
      'notify VI_2 BACKUP',
    ],
  },
  {
    name: 'start-up with one member faulted: the group and every member start in FAULT (vrrp_sync_set_group)',
    run: () => {
      const t = startGroup(group({}, {}, ['VI_1']), 0);
      return { g: t.group, actions: t.actions };
    },
    states: ['FAULT', 'VI_1=FAULT/FAULT', 'VI_2=FAULT/FAULT'],
    trace: [
      'group_notify G FAULT',
      '(VI_1) removing VIPs.',
      '(VI_1) Entering FAULT STATE (init)',
      'notify VI_1 FAULT',
      '(VI_2) removing VIPs.',
      '(VI_2) Entering FAULT STATE (init)',
      'notify VI_2 FAULT',
    ],
  },
  {
    name: 'start-up with every member an address owner: the group is MASTER with no group notify',
    run: () => {
      const t = startGroup(group({ basePriority: 255 }, { basePriority: 255 }), 0);
      return { g: t.group, actions: t.actions };
    },
    states: ['MASTER', 'VI_1=MASTER/MASTER', 'VI_2=MASTER/MASTER'],
    trace: [
      '(VI_1) removing VIPs.',
      'advert VI_1 255',
      '(VI_1) Entering MASTER STATE',
      '(VI_1) setting VIPs.',
      'notify VI_1 MASTER',
      '(VI_2) removing VIPs.',
      'advert VI_2 255',
      '(VI_2) Entering MASTER STATE',
      '(VI_2) setting VIPs.',
      'notify VI_2 MASTER',
    ],
  },
  {
    name: 'start-up with an address owner among non-owners: the owner starts as a backup (vrrp_complete_init)',
    run: () => {
      const t = startGroup(group({ basePriority: 255 }), 0);
      return { g: t.group, actions: t.actions };
    },
    states: ['BACKUP', 'VI_1=BACKUP/BACKUP', 'VI_2=BACKUP/BACKUP'],
    trace: [
      'group_notify G BACKUP',
      '(VI_1) removing VIPs.',
      '(VI_1) Entering BACKUP STATE (init)',
      'notify VI_1 BACKUP',
      '(VI_2) removing VIPs.',
      '(VI_2) Entering BACKUP STATE (init)',
      'notify VI_2 BACKUP',
    ],
  },
  {
    name: 'a member whose down timer expires while another wants BACKUP stays BACKUP wanting MASTER (vrrp_sync_can_goto_master)',
    run: () => {
      const t = stepGroup(startGroup(group(), 0).group, 'VI_2', timer, DOWN_150);
      assert.equal(member(t.group, 'VI_2').masterDownDeadlineUs, DOWN_150 + DOWN_150);
      return { g: t.group, actions: t.actions };
    },
    states: ['BACKUP', 'VI_1=BACKUP/BACKUP', 'VI_2=BACKUP/MASTER'],
    trace: [],
  },
  {
    name: 'the last member to want MASTER becomes MASTER and syncs the others to MASTER, then the group notifies',
    run: () => {
      const held = stepGroup(startGroup(group(), 0).group, 'VI_2', timer, DOWN_150).group;
      const t = stepGroup(held, 'VI_1', timer, DOWN_100);
      return { g: t.group, actions: t.actions };
    },
    states: ['MASTER', 'VI_1=MASTER/MASTER', 'VI_2=MASTER/MASTER'],
    trace: [
      'advert VI_1 100',
      '(VI_1) Entering MASTER STATE',
      '(VI_1) setting VIPs.',
      'notify VI_1 MASTER',
      'VRRP_Group(G) Syncing instances to MASTER state',
      'advert VI_2 150',
      '(VI_2) Entering MASTER STATE',
      '(VI_2) setting VIPs.',
      'notify VI_2 MASTER',
      'group_notify G MASTER',
    ],
  },
  {
    name: 'a held member that accepts an advert wants BACKUP again, so the other member is held in turn',
    run: () => {
      let g = stepGroup(startGroup(group(), 0).group, 'VI_2', timer, DOWN_150).group;
      g = stepGroup(g, 'VI_2', advert(200), DOWN_150 + 1).group;
      const t = stepGroup(g, 'VI_1', timer, DOWN_100);
      return { g: t.group, actions: t.actions };
    },
    states: ['BACKUP', 'VI_1=BACKUP/MASTER', 'VI_2=BACKUP/BACKUP'],
    trace: [],
  },
  {
    name: 'a master that sees a higher priority goes BACKUP and syncs the others to BACKUP (vrrp_sync_backup)',
    run: () => {
      const t = stepGroup(masterGroup(), 'VI_1', advert(200), DOWN_100 + 10);
      return { g: t.group, actions: t.actions };
    },
    states: ['BACKUP', 'VI_1=BACKUP/BACKUP', 'VI_2=BACKUP/BACKUP'],
    trace: [
      'advert VI_1 1',
      '(VI_1) Master received advert from 10.0.0.9 with higher priority 200, ours 100',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) removing VIPs.',
      'notify VI_1 BACKUP',
      'VRRP_Group(G) Syncing instances to BACKUP state',
      '(VI_2) Entering BACKUP STATE',
      '(VI_2) removing VIPs.',
      'notify VI_2 BACKUP',
      'group_notify G BACKUP',
    ],
  },
  {
    name: 'a master member going to FAULT takes every member to FAULT; the others send priority 0 (vrrp_sync_fault)',
    run: () => {
      const t = stepGroup(masterGroup(), 'VI_2', fault(true), DOWN_100 + 10);
      assert.equal(member(t.group, 'VI_1').isFaulted, false);
      return { g: t.group, actions: t.actions };
    },
    states: ['FAULT', 'VI_1=FAULT/FAULT', 'VI_2=FAULT/FAULT'],
    trace: [
      '(VI_2) Entering FAULT STATE',
      'advert VI_2 0',
      '(VI_2) removing VIPs.',
      'notify VI_2 FAULT',
      'VRRP_Group(G) Syncing instances to FAULT state',
      '(VI_1) Entering FAULT STATE',
      'advert VI_1 0',
      '(VI_1) removing VIPs.',
      'notify VI_1 FAULT',
      'group_notify G FAULT',
    ],
  },
  {
    name: 'a backup member going to FAULT takes the other backups to FAULT',
    run: () => {
      const t = stepGroup(startGroup(group(), 0).group, 'VI_1', fault(true), 10);
      return { g: t.group, actions: t.actions };
    },
    states: ['FAULT', 'VI_1=FAULT/FAULT', 'VI_2=FAULT/FAULT'],
    trace: [
      '(VI_1) Entering FAULT STATE',
      'notify VI_1 FAULT',
      'VRRP_Group(G) Syncing instances to FAULT state',
      '(VI_2) Entering FAULT STATE',
      'notify VI_2 FAULT',
      'group_notify G FAULT',
    ],
  },
  {
    name: 'a member synced to FAULT that then faults itself sends no second notify',
    run: () => {
      const g = stepGroup(startGroup(group(), 0).group, 'VI_1', fault(true), 10).group;
      const t = stepGroup(g, 'VI_2', fault(true), 20);
      return { g: t.group, actions: t.actions };
    },
    states: ['FAULT', 'VI_1=FAULT/FAULT', 'VI_2=FAULT/FAULT'],
    trace: [],
  },
  {
    name: 'a member whose fault clears stays in FAULT while another member is faulted (try_up_instance)',
    run: () => {
      let g = stepGroup(startGroup(group(), 0).group, 'VI_1', fault(true), 10).group;
      g = stepGroup(g, 'VI_2', fault(true), 20).group;
      const t = stepGroup(g, 'VI_1', fault(false), 30);
      assert.equal(member(t.group, 'VI_1').isFaulted, false);
      return { g: t.group, actions: t.actions };
    },
    states: ['FAULT', 'VI_1=FAULT/FAULT', 'VI_2=FAULT/FAULT'],
    trace: [],
  },
  {
    name: 'when the last fault clears, that member goes BACKUP and syncs the others to BACKUP',
    run: () => {
      let g = stepGroup(startGroup(group(), 0).group, 'VI_1', fault(true), 10).group;
      g = stepGroup(g, 'VI_2', fault(true), 20).group;
      g = stepGroup(g, 'VI_1', fault(false), 30).group;
      const t = stepGroup(g, 'VI_2', fault(false), 40);
      assert.equal(member(t.group, 'VI_1').masterDownDeadlineUs, 40 + DOWN_100);
      assert.equal(member(t.group, 'VI_2').masterDownDeadlineUs, 40 + DOWN_150);
      return { g: t.group, actions: t.actions };
    },
    states: ['BACKUP', 'VI_1=BACKUP/BACKUP', 'VI_2=BACKUP/BACKUP'],
    trace: [
      '(VI_2) Entering BACKUP STATE',
      'notify VI_2 BACKUP',
      'VRRP_Group(G) Syncing instances to BACKUP state',
      '(VI_1) Entering BACKUP STATE',
      'notify VI_1 BACKUP',
      'group_notify G BACKUP',
    ],
  },
  {
    name: 'a member entering the state its group is already in sends no notify (send_instance_notifies)',
    run: () => {
      // Hand-built: the group is BACKUP and VI_1, already notified once, leaves its own FAULT.
      const g0 = startGroup(group(), 0).group;
      const vi1 = { ...member(g0, 'VI_1'), state: 'FAULT' as const, wantState: 'FAULT' as const, isFaulted: true };
      const g: SyncGroupState = { ...g0, members: [vi1, member(g0, 'VI_2')] };
      const t = stepGroup(g, 'VI_1', fault(false), 10);
      return { g: t.group, actions: t.actions };
    },
    states: ['BACKUP', 'VI_1=BACKUP/BACKUP', 'VI_2=BACKUP/BACKUP'],
    trace: ['(VI_1) Entering BACKUP STATE'],
  },
  {
    name: 'stop: every member stops, then the group notifies STOP (notify_shutdown)',
    run: () => {
      const t = stopGroup(masterGroup(), DOWN_100 + 10);
      return { g: t.group, actions: t.actions };
    },
    states: ['STOP', 'VI_1=STOP/MASTER', 'VI_2=STOP/MASTER'],
    trace: [
      'advert VI_1 0',
      '(VI_1) removing VIPs.',
      'notify VI_1 STOP',
      'advert VI_2 0',
      '(VI_2) removing VIPs.',
      'notify VI_2 STOP',
      'group_notify G STOP',
    ],
  },
];

for (const c of cases) {
  test(`sync group: ${c.name}`, () => {
    const { g, actions } = c.run();
    assert.deepEqual(states(g), c.states);
    assert.deepEqual(trace(actions), c.trace);
  });
}

test('canGotoMaster: true when the group is MASTER or every other member wants MASTER', () => {
  const g = startGroup(group(), 0).group;
  assert.equal(canGotoMaster(g, 'VI_1'), false);
  const held = stepGroup(g, 'VI_2', timer, DOWN_150).group;
  assert.equal(canGotoMaster(held, 'VI_1'), true);
  assert.equal(canGotoMaster(held, 'VI_2'), false);
  assert.equal(canGotoMaster(masterGroup(), 'VI_1'), true);
});

test('group_notify carries the group name and state (notify: GROUP name STATE 0)', () => {
  const t = startGroup(group(), 0);
  assert.deepEqual(t.actions[0], { kind: 'group_notify', group: 'G', state: 'BACKUP' });
});

test('nextGroupDeadline is the earliest deadline over the members', () => {
  const g = startGroup(group(), 0).group;
  assert.deepEqual(nextGroupDeadline(g), { member: 'VI_2', atUs: DOWN_150 });
  assert.equal(nextGroupDeadline(initialGroup('G', [])), undefined);
});

test('stepGroup ignores an unknown member', () => {
  const g = startGroup(group(), 0).group;
  const t = stepGroup(g, 'VI_9', timer, 1);
  assert.equal(t.group, g);
  assert.deepEqual(t.actions, []);
});

test('a member hearing a lower-priority master makes the other members with garp_lower_prio_repeat send GARP too', () => {
  let g = startGroup(group({}, { garpLowerPrioRepeat: 2 }), 0).group;
  g = stepGroup(g, 'VI_2', timer, DOWN_150).group;
  g = stepGroup(g, 'VI_1', timer, DOWN_100).group;
  const t = stepGroup(g, 'VI_1', advert(50), DOWN_100 + 1);
  const garps = t.actions.flatMap((a) => (a.kind === 'member' && a.action.kind === 'send_garp' ? [`${a.member}:${a.action.count}`] : []));
  // VI_1 sends our floor of one burst; VI_2 sends its configured two.
  assert.deepEqual(garps, ['VI_1:1', 'VI_2:2']);
});
