/**
 * `vrrp_script NAME { script; interval; timeout; weight [reverse]; rise; fall; user;
 * init_fail }`. keepalived-compat: vrrp/vrrp_parser.c vrrp_vscript_*_handler() and
 * vrrp_data.c alloc_vrrp_script() (2.2.7). Whether keepalived drops the script for want
 * of a default user is decided at completion (it depends on global settings).
 */
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { commandString, lookupScriptUser, readScriptCommand } from '../script.js';
import { readInt, readUnsigned } from '../values.js';
import type { Ctx, KeywordDef } from './global_values.js';
import type { ScriptDraft } from './vrrp_draft.js';
import { keepalivedCrash } from './vrrp_current.js';

const SECOND_US = 1_000_000;
const MAX_SECONDS = Math.floor(4294967295 / SECOND_US);

function current(ctx: Ctx): ScriptDraft {
  return ctx.state.vrrp.scripts.at(-1) ?? keepalivedCrash(
    ctx,
    'a vrrp_script keyword with no vrrp_script',
  );
}

function onScript(
  name: string,
  fn: (s: ScriptDraft, words: readonly string[], ctx: Ctx) => void,
): KeywordDef {
  return { name, handler: (words, ctx) => fn(current(ctx), words, ctx) };
}

/** strtol() as keepalived keeps it even when read_int() rejected the value. */
export function cStrtolInt(text: string): number {
  const m = /^[ \t\f\n\r\v]*([+-]?[0-9]+)/.exec(text);
  if (m === null) return 0;
  return Number(BigInt.asIntN(32, BigInt(m[1] ?? '0')));
}

function vrrpScript(words: readonly string[], ctx: Ctx): void {
  const name = ctx.word(words, 1);
  // keepalived-compat: no duplicate check; a track_script finds the first one.
  ctx.state.vrrp.scripts.push({
    name, at: ctx.at, command: undefined, intervalUs: SECOND_US, timeoutUs: 0, weight: 0,
    weightReverse: false, rise: 1, fall: 1, initFail: false, runAs: undefined, userFailed: false,
  });
}

const script = onScript('script', (s, words, ctx) => {
  // keepalived-compat: only the command word counts; the words after it are ignored.
  if (words.length < 2) return;
  const cmd = readScriptCommand(
    ctx,
    words,
    1,
    { takeUser: false, kind: 'vrrp_script', name: s.name },
  );
  if (cmd !== undefined) s.command = cmd;
});

function secondsOption(name: 'interval' | 'timeout'): KeywordDef {
  return onScript(name, (s, words, ctx) => {
    const text = ctx.word(words, 1);
    const v = readUnsigned(ctx, text, 0, MAX_SECONDS);
    if (v === undefined) {
      const msg = name === 'interval'
        ? `(${s.name}): vrrp script interval '${text}' must be between 1 and ${MAX_SECONDS} - ignoring`
        : `(${s.name}): vrrp script timeout '${text}' invalid - ignoring`;
      ctx.report('general_error', 'invalid_value', msg);
      return;
    }
    let secs = v;
    if (secs === 0) {
      ctx.report(
        'general_error',
        'invalid_value',
        `(${s.name}): vrrp script ${name} must be greater than 0, setting to 1`,
      );
      secs = 1;
    }
    if (name === 'interval') s.intervalUs = secs * SECOND_US;
    else s.timeoutUs = secs * SECOND_US;
  });
}

const weight = onScript('weight', (s, words, ctx) => {
  const text = ctx.word(words, 1);
  if (readInt(ctx, text, -253, 253) === undefined) {
    ctx.report(
      'general_error',
      'invalid_weight',
      `vrrp_script ${s.name} weight ${text} must be in [-253, 253]`,
    );
  }
  // keepalived-compat: the value is stored even when it was reported as invalid.
  s.weight = cStrtolInt(text);
  const opt = words[2];
  if (opt === undefined) return;
  if (opt === 'reverse') s.weightReverse = true;
  else ctx.report(
    'general_error',
    'unknown_option',
    `vrrp_script ${s.name} unknown weight option ${opt}`,
  );
});

function riseFall(name: 'rise' | 'fall'): KeywordDef {
  return onScript(name, (s, words, ctx) => {
    const text = ctx.word(words, 1);
    let v = readUnsigned(ctx, text, 1, 2147483647);
    if (v === undefined) {
      ctx.report(
        'general_error',
        'invalid_value',
        `(${s.name}): vrrp script ${name} value '${text}' invalid, defaulting to 1`,
      );
      v = 1;
    }
    if (name === 'rise') s.rise = v;
    else s.fall = v;
  });
}

const user = onScript('user', (s, words, ctx) => {
  const name = ctx.word(words, 1);
  const group = words[2];
  const ids = lookupScriptUser(ctx, name, group);
  if (ids === undefined) {
    ctx.report(
      'general_error',
      'script_user',
      `Unable to set uid/gid for script ${commandString(s.command?.argv ?? [])}`,
    );
    s.userFailed = true;
    return;
  }
  s.userFailed = false;
  s.runAs = { user: name, group, uid: ids.uid, gid: ids.gid };
});

const scriptTable = keywordTable<ConfigDraft>([
  script,
  secondsOption('interval'),
  secondsOption('timeout'),
  weight,
  riseFall('rise'),
  riseFall('fall'),
  user,
  onScript('init_fail', (s) => (s.initFail = true)),
]);

export const vrrpScriptKeyword: KeywordDef = {
  name: 'vrrp_script',
  handler: vrrpScript,
  sub: scriptTable,
};
