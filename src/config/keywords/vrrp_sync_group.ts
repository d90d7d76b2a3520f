/**
 * `vrrp_sync_group NAME { group { VI ... } track_* notify_* smtp_alert ... }`.
 * keepalived-compat: vrrp/vrrp_parser.c vrrp_sync_group_handler() and friends (2.2.7).
 * The bare member list of keepalived < 1.3 is not accepted (keepalived 2.2.7 reports each
 * name as an unknown keyword, and so do we: the names are not keywords).
 */
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import type { Ctx, KeywordDef } from './global_values.js';
import {
  emptyNotify,
  emptyTrackLists,
  type SyncGroupDraft,
  type TrackListsDraft,
} from './vrrp_draft.js';
import {
  notifyKeyword,
  notifyPriorityChangesKeyword,
  smtpAlertKeyword,
  type NotifyOwner,
} from './vrrp_instance_notify.js';
import { TRACK_COUNTS, trackBlock } from './vrrp_instance.js';
import { keepalivedCrash } from './vrrp_current.js';

function current(ctx: Ctx): SyncGroupDraft {
  return ctx.state.vrrp.syncGroups.at(-1) ?? keepalivedCrash(
    ctx,
    'a vrrp_sync_group keyword with no vrrp_sync_group',
  );
}

function syncGroup(words: readonly string[], ctx: Ctx): void {
  const name = words[1];
  if (words.length !== 2 || name === undefined) {
    ctx.report('general_error', 'missing_name', 'vrrp_sync_group must have a name - skipping');
    ctx.skipBlock(true);
    return;
  }
  const groups = ctx.state.vrrp.syncGroups;
  if (groups.some((g) => g.name === name)) {
    ctx.report('general_error', 'duplicate', `vrrp sync group ${name} already defined`);
    ctx.skipBlock(true);
    return;
  }
  groups.push({
    name, at: ctx.at, members: undefined, membersAt: undefined, track: emptyTrackLists(),
    notify: emptyNotify(),
    smtpAlert: undefined,
    notifyPriorityChanges: undefined,
    trackingWeight: false,
  });
}

function members(words: readonly string[], ctx: Ctx): void {
  const g = current(ctx);
  if (g.members !== undefined) {
    ctx.report(
      'general_error',
      'duplicate',
      `Group list already specified for sync group ${g.name}`,
    );
    ctx.skipBlock(true);
    return;
  }
  const names: string[] = [];
  const at = ctx.at;
  ctx.readValueBlock(words, (line) => names.push(...line));
  if (names.length === 0) {
    ctx.report(
      'general_error',
      'empty_block',
      `Warning - sync group ${g.name} has empty group block`,
    );
    return;
  }
  g.members = names;
  g.membersAt = at;
}

const groupLists = (ctx: Ctx): TrackListsDraft => current(ctx).track;

function track(name: string, kind: keyof TrackListsDraft): KeywordDef {
  return { name, handler: trackBlock(kind, TRACK_COUNTS[kind], groupLists) };
}

const groupOwner = (ctx: Ctx): NotifyOwner => {
  const g = current(ctx);
  return { notify: g.notify, label: `vrrp group ${g.name}:` };
};

const syncGroupTable = keywordTable<ConfigDraft>([
  { name: 'group', handler: members },
  track('track_interface', 'interfaces'),
  track('track_script', 'scripts'),
  track('track_file', 'files'),
  track('track_process', 'processes'),
  track('track_bfd', 'bfds'),
  notifyKeyword('backup', groupOwner),
  notifyKeyword('master', groupOwner),
  notifyKeyword('fault', groupOwner),
  notifyKeyword('stop', groupOwner),
  notifyKeyword('generic', groupOwner),
  smtpAlertKeyword((ctx, v) => (current(ctx).smtpAlert = v), 'vrrp_group'),
  {
    name: 'global_tracking',
    handler: (_w, ctx) => {
      const g = current(ctx);
      ctx.report(
        'general_error',
        'deprecated',
        `(${g.name}) global_tracking is deprecated. Use track_interface/script/file on the ` +
        `sync group`,
      );
      g.trackingWeight = true;
    },
  },
  { name: 'sync_group_tracking_weight', handler: (_w, ctx) => (current(ctx).trackingWeight = true) },
  notifyPriorityChangesKeyword(
    (ctx, v) => (current(ctx).notifyPriorityChanges = v),
    (ctx) => current(ctx).name,
    'sync group notify_priority_changes',
  ),
]);

export const vrrpSyncGroupKeyword: KeywordDef = {
  name: 'vrrp_sync_group',
  handler: syncGroup,
  sub: syncGroupTable,
};
