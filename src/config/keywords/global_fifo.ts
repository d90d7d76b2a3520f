/**
 * `notify_fifo`, `vrrp_notify_fifo`, `lvs_notify_fifo` and their `*_script` keywords.
 * keepalived-compat: global_parser.c notify_fifo() / notify_fifo_script().
 */
import { lookupScriptUser, readScriptCommand } from '../script.js';
import type { FifoDraft, GlobalDraft } from './global_draft.js';
import type { Ctx, KeywordDef } from './global_values.js';

type FifoType = '' | 'vrrp_' | 'lvs_';

function fifoOf(g: GlobalDraft, type: FifoType): FifoDraft {
  if (type === 'vrrp_') return g.vrrpNotifyFifo;
  if (type === 'lvs_') return g.lvsNotifyFifo;
  return g.notifyFifo;
}

function notifyFifo(type: FifoType): KeywordDef {
  return {
    name: `${type}notify_fifo`,
    handler: (words: readonly string[], ctx: Ctx) => {
      const fifo = fifoOf(ctx.state.global, type);
      const path = words[1];
      if (path === undefined) {
        ctx.report('general_error', 'missing_value', `No ${type}notify_fifo name specified`);
        return;
      }
      if (fifo.path !== undefined) {
        ctx.report(
          'general_error',
          'duplicate',
          `${type}notify_fifo already specified - ignoring ${path}`,
        );
        return;
      }
      const user = words[2];
      if (user !== undefined && lookupScriptUser(ctx, user, words[3]) === undefined) {
        // keepalived-compat: the name is not set yet when keepalived logs this.
        ctx.notice('fifo_user_invalid', `Invalid user/group for ${type} fifo (null) - ignoring`);
        return;
      }
      fifo.path = path;
      fifo.user = user;
      fifo.group = user === undefined ? undefined : words[3];
      fifo.at = ctx.at;
    },
  };
}

function notifyFifoScript(type: FifoType): KeywordDef {
  return {
    name: `${type}notify_fifo_script`,
    handler: (words: readonly string[], ctx: Ctx) => {
      const fifo = fifoOf(ctx.state.global, type);
      if (words[1] === undefined) {
        ctx.report('general_error', 'missing_value', `No ${type}notify_fifo_script specified`);
        return;
      }
      if (fifo.script !== undefined) {
        ctx.report(
          'general_error',
          'duplicate',
          `${type}notify_fifo_script already specified - ignoring ${words[1]}`,
        );
        return;
      }
      fifo.script = readScriptCommand(ctx, words, 1, { type: `${type}notify_fifo` });
    },
  };
}

export const globalFifoKeywords: readonly KeywordDef[] = [
  notifyFifo(''),
  notifyFifoScript(''),
  notifyFifo('vrrp_'),
  notifyFifoScript('vrrp_'),
  notifyFifo('lvs_'),
  notifyFifoScript('lvs_'),
];
