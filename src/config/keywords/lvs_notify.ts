/**
 * The checker process's notify scripts: real server `notify_up` / `notify_down` and
 * virtual server `quorum_up` / `quorum_down` (check_parser.c, notify_script_init()).
 */
import { readScriptCommand, splitQuotedEscaped, type ScriptCommand } from '../script.js';
import { cString, type Ctx } from './lvs_values.js';

/** notify_up / notify_down / quorum_up / quorum_down: one script each, first one wins. */
export function readNotifyScript(
  ctx: Ctx,
  words: readonly string[],
  existing: ScriptCommand | undefined,
  vsgName: string | undefined,
  type: 'notify' | 'quorum',
): ScriptCommand | undefined {
  if (existing !== undefined) {
    const first = ctx.word(words, 1);
    ctx.report(
      'general_error',
      'script_duplicate',
      `(${cString(vsgName)}) ${words[0] ?? ''} script already specified - ignoring ${first}`,
    );
    return existing;
  }
  // keepalived-compat: notify_script_init() only reaches for the command word when the
  // line splits; then a missing command is a missing-parameter exit (it names it in its
  // "Unable to parse script" message), while an unsplittable line is just logged.
  const split = splitQuotedEscaped(ctx.raw !== '' ? ctx.raw : words.join(' '));
  if (split.ok) ctx.word(split.words, 1);
  return readScriptCommand(ctx, words, 1, { type });
}

