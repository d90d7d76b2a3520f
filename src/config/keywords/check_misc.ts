/**
 * MISC_CHECK (keepalived 2.2.7 check/check_misc.c): `misc_path`, `misc_timeout`,
 * `misc_dynamic`, `user`, plus the non-connection common keywords. Its retry default is 0.
 */
import type { Keyword } from '../interpreter.js';
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { commandString, lookupScriptUser, readScriptCommand } from '../script.js';
import { readUnsigned } from '../values.js';
import { dequeueChecker, type CheckerDraft } from './lvs_draft.js';
import { commonCheckerKeywords, queueChecker } from './check_common.js';
import { splitLineOrCrash, UINT_MAX, US_PER_S, type Ctx, type Handler } from './lvs_values.js';

type K = Keyword<ConfigDraft>;
type MiscSpec = Extract<CheckerDraft['spec'], { type: 'MISC_CHECK' }>;

/**
 * keepalived's new_misck_checker: the MISC_CHECK block being read, or undefined once its
 * checker has been dropped. The misc keywords act on it, not on the queue's last checker.
 */
function miscSpec(ctx: Ctx): MiscSpec | undefined {
  const lvs = ctx.state.lvs;
  const block = lvs.miscBlock;
  if (block === undefined || block.spec.type !== 'MISC_CHECK') return undefined;
  return block.spec.dropped ? undefined : block.spec;
}

/** lib/notify.c cmd_str() of the script so far ('' when there is none yet). */
function commandText(argv: readonly string[] | undefined): string {
  return commandString(argv ?? []);
}

function dropMisc(ctx: Ctx, spec: MiscSpec): void {
  dequeueChecker(ctx.state.lvs);
  spec.dropped = true;
}

function miscUser(spec: MiscSpec, words: readonly string[], ctx: Ctx): void {
  const user = words[1];
  if (user === undefined) {
    ctx.report(
      'general_error',
      'misc_user_missing',
      `No user specified for misc checker script ${commandText(spec.script?.argv)}`,
    );
    return;
  }
  const group = words[2];
  const ids = lookupScriptUser(ctx, user, group);
  if (ids === undefined) {
    ctx.report(
      'general_error',
      'misc_user_invalid',
      `Failed to set uid/gid for misc checker script ${commandText(spec.script?.argv)} - removing`,
    );
    dropMisc(ctx, spec);
    return;
  }
  spec.user = { user, group, uid: ids.uid, gid: ids.gid };
}

function onMisc(apply: (spec: MiscSpec, words: readonly string[], ctx: Ctx) => void): Handler {
  return (words, ctx) => {
    const spec = miscSpec(ctx);
    if (spec !== undefined) apply(spec, words, ctx);
  };
}

const miscKeywords: readonly K[] = [
  {
    name: 'misc_path',
    handler: onMisc((spec, words, ctx) => {
      // keepalived re-splits only the first argument (quote it to pass arguments); any
      // further word on the line is ignored, and a run-as user comes from `user`.
      splitLineOrCrash(ctx, words);
      if (words[1] === undefined) return;
      spec.script = readScriptCommand(ctx, words, 1, { takeUser: false, kind: 'misc_check' });
    }),
  },
  {
    name: 'misc_timeout',
    handler: onMisc((spec, words, ctx) => {
      const text = ctx.word(words, 1);
      const s = readUnsigned(ctx, text, 0, Math.floor(UINT_MAX / US_PER_S));
      if (s === undefined) {
        ctx.report('general_error', 'misc_timeout_invalid', `Invalid misc_timeout value '${text}'`);
        return;
      }
      spec.timeoutUs = s * US_PER_S;
    }),
  },
  { name: 'misc_dynamic', handler: onMisc((spec) => void (spec.dynamic = true)) },
  { name: 'user', handler: onMisc(miscUser) },
];

function miscEnd(ctx: Ctx): void {
  const lvs = ctx.state.lvs;
  const spec = miscSpec(ctx);
  lvs.miscBlock = undefined;
  if (spec === undefined) return;
  if (spec.script === undefined) {
    ctx.report(
      'general_error',
      'misc_no_path',
      'No script path has been specified for MISC_CHECKER - skipping',
    );
    dropMisc(ctx, spec);
  }
}

export const miscCheckKeyword: K = {
  name: 'MISC_CHECK',
  handler: (_words, ctx) => {
    const spec: MiscSpec = {
      type: 'MISC_CHECK',
      script: undefined,
      timeoutUs: 0,
      dynamic: false,
      user: undefined,
      dropped: false,
    };
    ctx.state.lvs.miscBlock = queueChecker(ctx, spec, { withConnection: false, defaultRetry: 0 });
  },
  onClose: miscEnd,
  sub: keywordTable<ConfigDraft>([...commonCheckerKeywords(false), ...miscKeywords]),
};
