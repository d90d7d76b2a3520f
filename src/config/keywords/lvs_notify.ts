/**
 * The checker process's notify scripts: real server `notify_up` / `notify_down` and
 * virtual server `quorum_up` / `quorum_down` (check_parser.c, notify_script_init()).
 */
import { readScriptCommand, type ScriptCommand } from '../script.js';
import { cString, type Ctx } from './lvs_values.js';

/** notify_up / notify_down / quorum_up / quorum_down: one script each, first one wins. */
export function readNotifyScript(
  ctx: Ctx,
  words: readonly string[],
  existing: ScriptCommand | undefined,
  vsgName: string | undefined,
  type: 'notify' | 'quorum',
): ScriptCommand | undefined {
  const first = ctx.word(words, 1);
  if (existing !== undefined) {
    ctx.report(
      'general_error',
      'script_duplicate',
      `(${cString(vsgName)}) ${words[0] ?? ''} script already specified - ignoring ${first}`,
    );
    return existing;
  }
  return readScriptCommand(ctx, words, 1, { type });
}

