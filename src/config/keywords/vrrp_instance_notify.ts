/**
 * Notify scripts, smtp_alert and notify_priority_changes of vrrp_instance and
 * vrrp_sync_group. keepalived-compat: vrrp/vrrp_parser.c vrrp_notify_*_handler() and
 * vrrp_gnotify_*_handler() (2.2.7).
 */
import { readScriptCommand } from '../script.js';
import { checkTrueFalse } from '../values.js';
import type { Ctx, KeywordDef } from './global_values.js';
import type { NotifyDraft } from './vrrp_draft.js';
import { currentInstance } from './vrrp_current.js';

type NotifySlot = keyof NotifyDraft;

const SLOT_KEYWORDS: Readonly<Record<NotifySlot, string>> = {
  master: 'notify_master',
  backup: 'notify_backup',
  fault: 'notify_fault',
  stop: 'notify_stop',
  generic: 'notify',
};

/** Who owns the notify scripts being read: an instance or a sync group. */
export interface NotifyOwner {
  readonly notify: NotifyDraft;
  /** keepalived's duplicate-script message prefix: `(VI_1)` or `vrrp group G:`. */
  readonly label: string;
}

export function notifyKeyword(slot: NotifySlot, owner: (ctx: Ctx) => NotifyOwner): KeywordDef {
  const keyword = SLOT_KEYWORDS[slot];
  const what = slot === 'generic' ? 'notify script' : `${keyword} script`;
  return {
    name: keyword,
    handler: (words, ctx) => {
      const o = owner(ctx);
      if (o.notify[slot] !== undefined) {
        ctx.report(
          'general_error',
          'duplicate_script',
          `${o.label} ${what} already specified - ignoring ${ctx.word(words, 1)}`,
        );
        return;
      }
      o.notify[slot] = readScriptCommand(ctx, words, 1);
    },
  };
}

export function smtpAlertKeyword(set: (ctx: Ctx, v: boolean) => void, what: string): KeywordDef {
  return {
    name: 'smtp_alert',
    handler: (words, ctx) => {
      const w = words[1];
      const v = w === undefined ? true : checkTrueFalse(w);
      if (v === undefined) {
        ctx.report(
          'general_error',
          'invalid_bool',
          `Invalid ${what} smtp_alert parameter ${w ?? ''}`,
        );
        return;
      }
      set(ctx, v);
    },
  };
}

export function notifyPriorityChangesKeyword(
  set: (ctx: Ctx, v: boolean) => void,
  label: (ctx: Ctx) => string,
  what: string,
): KeywordDef {
  return {
    name: 'notify_priority_changes',
    handler: (words, ctx) => {
      const w = words[1];
      const v = w === undefined ? true : checkTrueFalse(w);
      if (v === undefined) {
        ctx.report(
          'general_error',
          'invalid_bool',
          `(${label(ctx)}) Invalid value '${w ?? ''}' for ${what} specified`,
        );
        return;
      }
      set(ctx, v);
    },
  };
}

const instanceOwner = (ctx: Ctx): NotifyOwner => {
  const vi = currentInstance(ctx);
  return { notify: vi.notify, label: `(${vi.name})` };
};

function notifyDeleted(words: readonly string[], ctx: Ctx): void {
  const vi = currentInstance(ctx);
  if (vi.notifyDeleted) {
    ctx.report(
      'general_error',
      'duplicate_script',
      `(${vi.name}) notify_deleted already specified - ignoring ${words[1] ?? ''}`,
    );
    return;
  }
  if (words.length > 1) vi.notifyDeletedScript = readScriptCommand(ctx, words, 1);
  vi.notifyDeleted = true;
}

function notifyMasterRxLowerPri(words: readonly string[], ctx: Ctx): void {
  const vi = currentInstance(ctx);
  if (vi.notifyMasterRxLowerPri !== undefined) {
    ctx.report(
      'general_error',
      'duplicate_script',
      `(${vi.name}) notify_master_rx_lower_pri script already specified - ignoring ` +
      `${ctx.word(words, 1)}`,
    );
    return;
  }
  vi.notifyMasterRxLowerPri = readScriptCommand(ctx, words, 1);
}

export const instanceNotifyKeywords: readonly KeywordDef[] = [
  notifyKeyword('backup', instanceOwner),
  notifyKeyword('master', instanceOwner),
  notifyKeyword('fault', instanceOwner),
  notifyKeyword('stop', instanceOwner),
  { name: 'notify_deleted', handler: notifyDeleted },
  notifyKeyword('generic', instanceOwner),
  { name: 'notify_master_rx_lower_pri', handler: notifyMasterRxLowerPri },
  smtpAlertKeyword((ctx, v) => (currentInstance(ctx).smtpAlert = v), 'vrrp_instance'),
  notifyPriorityChangesKeyword(
    (ctx, v) => (currentInstance(ctx).notifyPriorityChanges = v),
    (ctx) => currentInstance(ctx).name,
    'notify_priority_changes',
  ),
];
