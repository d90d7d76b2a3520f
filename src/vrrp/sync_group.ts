/**
 * vrrp_sync_group: the members of a group change state together, as keepalived 2.2.7 does
 * it (vrrp_sync.c: vrrp_sync_can_goto_master, vrrp_sync_master, vrrp_sync_backup,
 * vrrp_sync_fault; vrrp_scheduler.c: the VRRP_TSM table, try_up_instance;
 * vrrp_track.c: down_instance; vrrp_notify.c: send_group_notifies).
 *
 * Pure: the coordinator steps one member with the real instance machine (instance.ts),
 * then applies the group rules to the other members:
 *  - a member becomes MASTER only when every member wants MASTER (or the group is
 *    already MASTER); until then a member whose down timer expires stays BACKUP wanting
 *    MASTER. The one that completes the set goes MASTER and takes the others with it
 *    (`VRRP_Group(G) Syncing instances to MASTER state`);
 *  - a member leaving MASTER for BACKUP takes the others to BACKUP
 *    (`Syncing instances to BACKUP state`);
 *  - a member entering FAULT takes the others to FAULT (`Syncing instances to FAULT state`);
 *    the group leaves FAULT (to BACKUP) when the last member's own fault clears;
 *  - a group transition is announced with a `group_notify` after the members' actions;
 *    a member's notify is suppressed when it enters the state the group is already in.
 *
 * All actions come back in one ordered list, as keepalived performs them.
 */
import {
  isAddressOwner,
  lowerPriorityGarp,
  nextDeadlineUs,
  step,
  syncToBackup,
  syncToFault,
  syncToMaster,
  type Action,
  type InstanceState,
  type Transition,
  type VrrpEvent,
} from './instance.js';

export type SyncGroupStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** The group's notify_master/backup/fault/stop, then `notify` with `GROUP name STATE 0`, then the FIFO. */
export type GroupNotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export interface SyncGroupState {
  readonly name: string;
  readonly state: SyncGroupStateName;
  /** In `group { }` order (keepalived iterates the members in that order). */
  readonly members: readonly InstanceState[];
  /** Members that have sent a notify at least once (keepalived's notifies_sent). */
  readonly notified: readonly string[];
}

export type GroupAction =
  /** An action of one member's instance machine, for the shell to carry out as usual. */
  | { readonly kind: 'member'; readonly member: string; readonly action: Action }
  | { readonly kind: 'log'; readonly level: 'info'; readonly text: string }
  | { readonly kind: 'group_notify'; readonly group: string; readonly state: GroupNotifyState };

export interface GroupTransition {
  readonly group: SyncGroupState;
  readonly actions: readonly GroupAction[];
}

export function initialGroup(name: string, members: readonly InstanceState[]): SyncGroupState {
  return { name, state: 'INIT', members, notified: [] };
}

/** The member named `name`, if it is in the group. */
export function groupMember(g: SyncGroupState, name: string): InstanceState | undefined {
  return g.members.find((m) => m.params.name === name);
}

/** Every member (but `except`) wants MASTER. */
export function groupMembersWantMaster(g: SyncGroupState, except?: string): boolean {
  return g.members.every((m) => m.params.name === except || m.wantState === 'MASTER');
}

/**
 * vrrp_sync_can_goto_master: true when the group is MASTER already or every other member
 * wants MASTER (keepalived prefers BACKUP to avoid thrashing).
 */
export function canGotoMaster(g: SyncGroupState, member: string): boolean {
  return g.state === 'MASTER' || groupMembersWantMaster(g, member);
}

const groupLog = (g: SyncGroupState, to: 'MASTER' | 'BACKUP' | 'FAULT'): GroupAction => ({
  kind: 'log',
  level: 'info',
  text: `VRRP_Group(${g.name}) Syncing instances to ${to} state`,
});

/** Accumulates member steps, suppressing member notifies as send_instance_notifies does. */
class Builder {
  g: SyncGroupState;
  readonly actions: GroupAction[] = [];

  constructor(g: SyncGroupState) {
    this.g = g;
  }

  apply(name: string, t: Transition): void {
    const members = this.g.members.map((m) => (m.params.name === name ? t.state : m));
    let notified = this.g.notified;
    for (const action of t.actions) {
      if (action.kind === 'notify' && action.state !== 'MASTER_RX_LOWER_PRI') {
        // "We are already in the required state due to our sync group, so don't send
        // further notifies."
        if (notified.includes(name) && action.state === this.g.state) continue;
        if (!notified.includes(name)) notified = [...notified, name];
      }
      this.actions.push({ kind: 'member', member: name, action });
    }
    this.g = { ...this.g, members, notified };
  }

  /** vrrp_sync_master / vrrp_sync_backup / vrrp_sync_fault, after `trigger` moved. */
  sync(trigger: string, to: 'MASTER' | 'BACKUP' | 'FAULT', nowUs: number): void {
    if (this.g.state === to) return;
    this.actions.push(groupLog(this.g, to));
    for (const m of this.g.members) {
      const name = m.params.name;
      if (name === trigger || m.state === to) continue;
      const t = to === 'MASTER' ? syncToMaster(m, nowUs) : to === 'BACKUP' ? syncToBackup(m, nowUs) : syncToFault(m, nowUs);
      this.apply(name, t);
    }
    this.setState(to);
  }

  setState(to: GroupNotifyState): void {
    this.g = { ...this.g, state: to };
    this.actions.push({ kind: 'group_notify', group: this.g.name, state: to });
  }

  result(): GroupTransition {
    return { group: this.g, actions: this.actions };
  }
}

/**
 * keepalived start-up for a group (vrrp_sync_set_group, vrrp_complete_init, vrrp_init_state):
 *  - any member faulted: the group and every member start in FAULT;
 *  - every member an address owner: the group starts MASTER (and sends no group notify);
 *  - otherwise BACKUP, and an address owner in a mixed group starts as a backup too.
 * The group notify (BACKUP or FAULT) comes before the members' start-up actions.
 */
export function startGroup(g: SyncGroupState, nowUs: number): GroupTransition {
  const b = new Builder(g);
  const anyFaulted = g.members.some((m) => m.isFaulted);
  const allOwners = g.members.every((m) => isAddressOwner(m));
  if (anyFaulted) b.setState('FAULT');
  else if (allOwners) b.g = { ...b.g, state: 'MASTER' };
  else b.setState('BACKUP');
  for (const m of g.members) {
    const name = m.params.name;
    if (anyFaulted && !m.isFaulted) {
      // Forced to FAULT by the group: the member's own fault flag stays clear.
      const t = step({ ...m, isFaulted: true }, { kind: 'startup' }, nowUs);
      b.apply(name, { state: { ...t.state, isFaulted: false }, actions: t.actions });
    } else {
      b.apply(name, step(m, { kind: 'startup' }, nowUs, { syncHoldMaster: !allOwners }));
    }
  }
  return b.result();
}

/** keepalived stop (notify_shutdown): every member stops, then the group notifies STOP. */
export function stopGroup(g: SyncGroupState, nowUs: number): GroupTransition {
  const b = new Builder(g);
  for (const m of g.members) b.apply(m.params.name, step(m, { kind: 'shutdown' }, nowUs));
  b.setState('STOP');
  return b.result();
}

/**
 * One event for one member, then the group rules. `startup` and `shutdown` concern the
 * whole group (startGroup / stopGroup). An unknown member is ignored.
 */
export function stepGroup(g: SyncGroupState, member: string, e: VrrpEvent, nowUs: number): GroupTransition {
  if (e.kind === 'startup') return startGroup(g, nowUs);
  if (e.kind === 'shutdown') return stopGroup(g, nowUs);
  const before = groupMember(g, member);
  if (before === undefined) return { group: g, actions: [] };
  const b = new Builder(g);

  if (e.kind === 'fault_changed' && !e.isFaulted && before.isFaulted) {
    const othersFaulted = g.members.some((m) => m.params.name !== member && m.isFaulted);
    if (othersFaulted) {
      // try_up_instance: the group stays in FAULT until every member's own fault clears.
      b.apply(member, { state: { ...before, isFaulted: false }, actions: [] });
      return b.result();
    }
  }

  const t = step(before, e, nowUs, { syncHoldMaster: !canGotoMaster(g, member) });
  b.apply(member, t);
  if (t.actions.some((a) => a.kind === 'notify' && a.state === 'MASTER_RX_LOWER_PRI')) {
    // keepalived vrrp_state_master_rx: the other members with garp_lower_prio_repeat
    // refresh their ARP entries too.
    for (const m of b.g.members) {
      if (m.params.name === member || m.params.garpLowerPrioRepeat <= 0) continue;
      b.apply(m.params.name, lowerPriorityGarp(m, nowUs));
    }
  }
  const from = before.state;
  const to = t.state.state;
  if (from === to) return b.result();
  if (to === 'FAULT') b.sync(member, 'FAULT', nowUs);
  else if (to === 'MASTER') b.sync(member, 'MASTER', nowUs);
  else if (to === 'BACKUP' && (from === 'MASTER' || from === 'FAULT')) b.sync(member, 'BACKUP', nowUs);
  return b.result();
}

/** The earliest deadline the shell must wake for over all members, with the member. */
export function nextGroupDeadline(g: SyncGroupState): { readonly member: string; readonly atUs: number } | undefined {
  let best: { member: string; atUs: number } | undefined;
  for (const m of g.members) {
    const d = nextDeadlineUs(m);
    if (d !== undefined && (best === undefined || d < best.atUs)) best = { member: m.params.name, atUs: d };
  }
  return best;
}
