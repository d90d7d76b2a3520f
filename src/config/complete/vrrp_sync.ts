/**
 * vrrp_sync_group after the stream: membership (vrrp_sync.c vrrp_sync_set_group()) and the
 * group's tracking objects (vrrp.c sync_group_tracking_init()), with keepalived 2.2.7's
 * messages.
 */
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { VrrpInstance, VrrpSyncGroup } from '../model/vrrp.js';
import type { NotifyDraft, SyncGroupDraft } from '../keywords/vrrp_draft.js';
import { toReferences, type ResolvedRef, type ResolvedTracks } from './vrrp_tracks.js';
import type { InstanceWork } from './vrrp_instance.js';

type Ctx = ParseContext<ConfigDraft>;

export interface GroupWork {
  readonly draft: SyncGroupDraft;
  tracks: ResolvedTracks;
  notify: NotifyDraft;
  members: string[];
  isRemoved: boolean;
  model?: VrrpSyncGroup;
}

type GroupState = 'init' | 'master' | 'backup';

function err(ctx: Ctx, g: GroupWork, code: string, message: string): void {
  ctx.reportAt(g.draft.membersAt ?? g.draft.at, 'general_error', code, message);
}

/** One member of `group { }`; keepalived looks at the state/priority as written. */
function addMember(ctx: Ctx, g: GroupWork, w: InstanceWork, state: GroupState): GroupState {
  const name = g.draft.name;
  g.members.push(w.draft.name);
  w.syncGroup = {
    name,
    trackingWeight: g.draft.trackingWeight,
    notifyPriorityChanges: g.draft.notifyPriorityChanges,
  };
  const d = w.draft;
  if (state === 'master' && d.wantState === 'BACKUP') {
    err(
      ctx,
      g,
      'sync_owner_mix',
      `Sync group ${name} has some member(s) as address owner and some not as address owner. ` +
      `This won't work.`,
    );
  }
  if (state === 'backup') return state;
  return d.wantState === 'MASTER' && d.basePriority === 255 ? 'master' : 'backup';
}

function setGroup(ctx: Ctx, g: GroupWork, works: readonly InstanceWork[]): void {
  const name = g.draft.name;
  let state: GroupState = 'init';
  for (const member of g.draft.members ?? []) {
    const w = works.find((x) => x.draft.name === member);
    if (w === undefined) {
      err(
        ctx,
        g,
        'sync_member_missing',
        `Virtual router ${member} specified in sync group ${name} doesn't exist - ignoring`,
      );
      continue;
    }
    if (w.syncGroup !== undefined) {
      err(
        ctx,
        g,
        'sync_member_twice',
        `Virtual router ${member} cannot exist in more than one sync group; ignoring ${name}`,
      );
      continue;
    }
    state = addMember(ctx, g, w, state);
  }
  if (g.members.length === 0) {
    err(
      ctx,
      g,
      'sync_empty',
      `Sync group ${name}, no matching virtual router found in group declaration - removing`,
    );
    g.isRemoved = true;
    return;
  }
  if (g.members.length === 1) {
    err(
      ctx,
      g,
      'sync_single',
      `Sync group ${name} has only 1 virtual router(s) - this probably isn't what you want`,
    );
  }
}

/** vrrp_complete_init()'s sync group pass (before the instances are completed). */
export function completeSyncGroups(
  ctx: Ctx,
  groups: readonly GroupWork[],
  works: readonly InstanceWork[],
): void {
  for (const g of groups) {
    if (g.draft.members === undefined) {
      ctx.reportAt(
        g.draft.at,
        'general_error',
        'sync_no_members',
        `Sync group ${g.draft.name} has no virtual router(s). removing`,
      );
      g.isRemoved = true;
      continue;
    }
    setGroup(ctx, g, works);
  }
}

function clearWeights(
  ctx: Ctx,
  g: GroupWork,
  refs: ResolvedRef[],
  what: string,
  tail: string,
): ResolvedRef[] {
  return refs.map((r) => {
    if (r.weight === 0) return r;
    ctx.reportAt(
      r.at,
      'general_error',
      'sync_owner_weight',
      `(${g.draft.name}) Cannot have weighted track ${what} '${r.name}' with member having ` +
      `priority 255 - ${tail}`,
    );
    return { ...r, weight: 0 };
  });
}

function groupModel(g: GroupWork, global: GlobalDefs): VrrpSyncGroup {
  const d = g.draft;
  const n = g.notify;
  return {
    name: d.name,
    at: d.at,
    members: g.members,
    trackInterfaces: toReferences(g.tracks.interfaces),
    trackScripts: toReferences(g.tracks.scripts),
    trackFiles: toReferences(g.tracks.files),
    trackProcesses: toReferences(g.tracks.processes),
    trackBfds: toReferences(g.tracks.bfds),
    notify: {
      master: n.master,
      backup: n.backup,
      fault: n.fault,
      stop: n.stop,
      generic: n.generic,
    },
    smtpAlert: d.smtpAlert ?? global.smtpAlertVrrp ?? global.smtpAlert ?? false,
    notifyPriorityChanges: d.notifyPriorityChanges,
    trackingWeight: d.trackingWeight,
  };
}

/**
 * vrrp.c sync_group_tracking_init(): a group with an address owner cannot have weighted
 * tracking. Builds the group models; returns the instances unchanged.
 */
export function syncGroupTracking(
  ctx: Ctx,
  groups: readonly GroupWork[],
  instances: readonly VrrpInstance[],
  global: GlobalDefs,
): VrrpInstance[] {
  for (const g of groups) {
    if (g.isRemoved) continue;
    const hasOwner = instances.some((i) => g.members.includes(i.name) && i.basePriority === 255);
    if (hasOwner) {
      const t = g.tracks;
      t.scripts = clearWeights(ctx, g, t.scripts, 'script', 'clearing weight');
      t.files = clearWeights(ctx, g, t.files, 'file', 'setting weight 0');
      t.processes = clearWeights(ctx, g, t.processes, 'process', 'setting weight 0');
      t.bfds = clearWeights(ctx, g, t.bfds, 'bfd', 'setting weight 0');
      t.interfaces = clearWeights(ctx, g, t.interfaces, 'interface', 'clearing weight');
    }
    g.model = groupModel(g, global);
  }
  return [...instances];
}
