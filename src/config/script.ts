// STUB (contract) — owned by the global/VRRP keywords engineer, who implements it.
// The LVS/checker engineer uses it for MISC_CHECK misc_path, notify_up/down, quorum_up/down.
import type { SourceLocation } from './diagnostics.js';
import type { ParseContext } from './parse_context.js';
import type { ConfigDraft } from './draft.js';
import type { GlobalDefs } from './model/global.js';

/** A script/notify command as configured (keepalived's notify_script_t). */
export interface ScriptCommand {
  /** argv after keepalived's quoting/escaping rules (alloc_strvec_quoted_escaped). */
  readonly argv: readonly string[];
  /** The command text as written. */
  readonly text: string;
  /** `user USER[:GROUP]` given on the line or in the block; undefined = script_user default. */
  readonly user: string | undefined;
  readonly group: string | undefined;
  readonly at: SourceLocation;
}

/**
 * Reads a command starting at words[index] (the keepalived handlers use the raw line, so
 * quoting inside the command is honoured); trailing `USER[:GROUP]` words are taken as the
 * run-as user where keepalived does so. Undefined (with a diagnostic) when invalid.
 */
export function readScriptCommand(
  ctx: ParseContext<ConfigDraft>,
  words: readonly string[],
  index: number,
): ScriptCommand | undefined {
  const text = words.slice(index).join(' ');
  if (text === '') return undefined;
  return { argv: words.slice(index), text, user: undefined, group: undefined, at: ctx.at };
}

/**
 * keepalived's script security pass for one process ('vrrp' | 'checker'): resolves every
 * script, applies enable_script_security / script_user, reports insecure or missing
 * scripts and the SECURITY VIOLATION summary exactly as keepalived 2.2.7 does. Returns the
 * scripts that remain usable (keepalived drops the others).
 */
export function checkScriptSecurity(
  _ctx: ParseContext<ConfigDraft>,
  scripts: readonly ScriptCommand[],
  _global: GlobalDefs,
  _process: 'vrrp' | 'checker',
): readonly ScriptCommand[] {
  return scripts;
}
