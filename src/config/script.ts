/**
 * Script and notify commands: keepalived 2.2.7's command-line splitting
 * (lib/parser.c alloc_strvec_quoted_escaped), run-as user handling (lib/notify.c
 * notify_script_init, set_script_uid_gid, get_default_script_user) and the script
 * security pass (lib/notify.c check_script_secure, vrrp.c check_vrrp_script_security,
 * check_data.c check_check_script_security).
 *
 * Used by the VRRP keywords (vrrp_script, notify_*) and by the checker keywords
 * (MISC_CHECK misc_path, notify_up/down, quorum_up/down).
 */
import type { SourceLocation } from './diagnostics.js';
import type { ParseContext } from './parse_context.js';
import type { ConfigDraft } from './draft.js';
import type { GlobalDefs, ScriptUser } from './model/global.js';

/**
 * What a script is for; it decides how keepalived treats it when it is unusable.
 * - 'notify': notify_* / notify / fifo scripts / RS and quorum notifies: dropped silently.
 * - 'vrrp_script': the `script` of a vrrp_script: disabling is a config error.
 * - 'misc_check': MISC_CHECK misc_path: disabling is logged; `</` commands are kept.
 * - 'startup': startup_script / shutdown_script: dropped silently; `</` commands are kept.
 */
export type ScriptKind = 'notify' | 'vrrp_script' | 'misc_check' | 'startup';

/** A script/notify command as configured (keepalived's notify_script_t). */
export interface ScriptCommand {
  /** argv after keepalived's quoting/escaping rules (alloc_strvec_quoted_escaped). */
  readonly argv: readonly string[];
  /** The command text as written. */
  readonly text: string;
  /** `USER [GROUP]` given on the line or in the block; undefined = script_user default. */
  readonly user: string | undefined;
  readonly group: string | undefined;
  /** uid/gid of `user`/`group` when given; undefined = the default script user. */
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly at: SourceLocation;
  /** Default 'notify'. */
  readonly kind?: ScriptKind;
  /** The vrrp_script (or checker) name, for keepalived's messages. */
  readonly name?: string;
}

export type SplitResult =
  | { readonly ok: true; readonly words: readonly string[] }
  | { readonly ok: false; readonly code: 'unmatched_quote'; readonly quote: string }
  | { readonly ok: false; readonly code: 'missing_escape' };

const WHITE = ' \t\f\n\r\v';

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * One backslash escape starting after the `\` at `i`; returns the character and the
 * index after the escape. keepalived-compat: a `char` accumulates \x digits, so only the
 * low 8 bits survive.
 */
function readEscape(src: string, i: number): { ch: string; next: number } {
  const c = src[i] ?? '';
  if (c === 'x' && isHex(src[i + 1])) {
    let v = 0;
    let j = i + 1;
    while (isHex(src[j])) v = ((v << 4) | parseInt(src[j] ?? '0', 16)) & 0xff, j++;
    return { ch: String.fromCharCode(v), next: j };
  }
  if (c === 'c' && src[i + 1] !== undefined) {
    return { ch: String.fromCharCode((src.charCodeAt(i + 1) & 0x1f) >>> 0), next: i + 2 };
  }
  if (isOctal(c)) {
    let v = Number(c);
    let j = i + 1;
    for (let k = 0; k < 2 && isOctal(src[j]); k++, j++) v = ((v << 3) + Number(src[j])) & 0xff;
    return { ch: String.fromCharCode(v), next: j };
  }
  return { ch: SIMPLE_ESCAPES[c] ?? c, next: i + 1 };
}

/**
 * keepalived's alloc_strvec_quoted_escaped(): words separated by blanks; `"..."` and
 * `'...'` group (quotes removed, they can start mid-word); backslash escapes (`\n \t
 * \xHH \nnn \cC \E ...`) work inside and outside quotes. A NUL produced by an escape ends
 * the word (C strings).
 */
export function splitQuotedEscaped(src: string): SplitResult {
  const words: string[] = [];
  let i = 0;
  while (i < src.length) {
    while (i < src.length && WHITE.includes(src[i] ?? '')) i++;
    if (i >= src.length) break;
    let word = '';
    let quote = '';
    // keepalived-compat: alloc_strvec_quoted_escaped() only fails when it has to scan
    // quoted text for a closing quote and finds none; a line that ends right after an
    // opening quote or an escape inside quotes just ends the word.
    let scannedInQuote = false;
    for (;;) {
      const c = src[i];
      if (c === undefined) {
        if (quote !== '' && scannedInQuote) return { ok: false, code: 'unmatched_quote', quote };
        break;
      }
      if (c === '\\') {
        if (i + 1 >= src.length) return { ok: false, code: 'missing_escape' };
        const e = readEscape(src, i + 1);
        word += e.ch;
        i = e.next;
        scannedInQuote = false;
      } else if (quote !== '') {
        if (c === quote) quote = '';
        else {
          word += c;
          scannedInQuote = true;
        }
        i++;
      } else if (c === '"' || c === "'") {
        quote = c;
        scannedInQuote = false;
        i++;
      } else if (WHITE.includes(c)) {
        break;
      } else {
        word += c;
        i++;
      }
    }
    const nul = word.indexOf('\0');
    words.push(nul >= 0 ? word.slice(0, nul) : word);
  }
  return { ok: true, words };
}

/** The run-as user of `USER [GROUP]`, with keepalived's log messages on failure. */
export function lookupScriptUser(
  ctx: ParseContext<ConfigDraft>,
  user: string,
  group: string | undefined,
): { readonly uid: number; readonly gid: number } | undefined {
  const host = ctx.state.env.host;
  const u = host.lookupUser(user);
  if (u === undefined) {
    ctx.notice('script_user_missing', `Script user '${user}' does not exist`);
    return undefined;
  }
  if (group === undefined) return { uid: u.uid, gid: u.gid };
  const gid = host.lookupGroup(group);
  if (gid === undefined) {
    ctx.notice('script_group_missing', `Script group '${group}' does not exist`);
    return undefined;
  }
  return { uid: u.uid, gid };
}

export interface ReadScriptOptions {
  /**
   * Take the words after the command as `USER [GROUP]` (notify scripts, fifo scripts);
   * false for `script` in vrrp_script and MISC_CHECK misc_path, where extra words are
   * ignored. Default true.
   */
  readonly takeUser?: boolean;
  /** Default 'notify'. */
  readonly kind?: ScriptKind;
  readonly name?: string;
  /** For keepalived's "Invalid user/group for %s script" message; default 'notify'. */
  readonly type?: string;
}

/**
 * Reads a command starting at words[index] (the keepalived handlers use the raw line, so
 * quoting inside the command is honoured); trailing `USER [GROUP]` words are taken as the
 * run-as user where keepalived does so. Undefined (with a diagnostic) when invalid.
 *
 * keepalived-compat: notify.c notify_script_init(): the raw line is split with quotes and
 * escapes, then word `index` is split again into argv; an unknown user only logs.
 */
export function readScriptCommand(
  ctx: ParseContext<ConfigDraft>,
  words: readonly string[],
  index: number,
  options: ReadScriptOptions = {},
): ScriptCommand | undefined {
  const type = options.type ?? 'notify';
  const line = splitRaw(ctx, words);
  if (line === undefined) {
    ctx.notice('script_unparsable', 'Unable to parse notify script');
    return undefined;
  }
  // keepalived-compat: a notify keyword without a command makes keepalived exit
  // (null_strvec() on the re-split line).
  const text = line[index] ?? ctx.word(line, index);
  const argv = splitCommandText(ctx, text);
  if (argv === undefined || argv.length === 0) {
    ctx.notice('script_unparsable', `Unable to parse script '${text}' - ignoring`);
    return undefined;
  }
  const kind = options.kind ?? 'notify';
  const base = { argv, text, at: ctx.at, kind, ...nameOf(options.name) };
  const user = options.takeUser === false ? undefined : line[index + 1];
  if (user === undefined) {
    return { ...base, user: undefined, group: undefined, uid: undefined, gid: undefined };
  }
  const group = line[index + 2];
  const ids = lookupScriptUser(ctx, user, group);
  if (ids === undefined) {
    ctx.notice(
      'script_user_invalid',
      `Invalid user/group for ${type} script ${argv[0] ?? ''} - ignoring`,
    );
    return undefined;
  }
  return { ...base, user, group, uid: ids.uid, gid: ids.gid };
}

function nameOf(name: string | undefined): { name?: string } {
  return name === undefined ? {} : { name };
}

/** The current line split with quotes/escapes (the lexer's raw text, or the words). */
function splitRaw(
  ctx: ParseContext<ConfigDraft>,
  words: readonly string[],
): readonly string[] | undefined {
  return splitCommandText(ctx, ctx.raw !== '' ? ctx.raw : words.join(' '));
}

/**
 * Splits a command line with keepalived's script quoting and escapes; reports an
 * unterminated quote (or a dangling escape) as keepalived does and gives undefined.
 */
export function splitCommandText(
  ctx: ParseContext<ConfigDraft>,
  text: string,
): readonly string[] | undefined {
  const r = splitQuotedEscaped(text);
  if (r.ok) return r.words;
  if (r.code === 'unmatched_quote') {
    ctx.report('unmatched_quote', 'unmatched_quote', `String '${text}': missing terminating ${r.quote}`);
  } else {
    ctx.notice('missing_escape', `Missing escape char at end: '${text}'`);
  }
  return undefined;
}

/**
 * keepalived's cmd_str(): the argv as one string, each word in single quotes (the first
 * one not when it is a `<`/`>` redirection).
 */
export function commandString(argv: readonly string[]): string {
  return argv
    .map((a, i) => (i === 0 && (a.startsWith('<') || a.startsWith('>')) ? a : `'${a}'`))
    .join(' ');
}

/**
 * The default user of a script without `user` (keepalived's get_default_script_user()):
 * undefined when none can be set. The first failure caused by enable_script_security
 * without a keepalived_script user is a config error, reported once.
 */
export function defaultScriptUser(
  ctx: ParseContext<ConfigDraft>,
  global: GlobalDefs,
  at: SourceLocation,
): ScriptUser | undefined {
  const user = global.defaultScriptUser;
  if (user !== undefined) return user;
  const draft = ctx.state.global;
  if (draft.scriptUser === undefined && !draft.defaultUserFailureReported) {
    draft.defaultUserFailureReported = true;
    ctx.reportAt(
      at,
      'general_error',
      'default_script_user',
      'Unable to set default user keepalived_script for script',
    );
  }
  return undefined;
}

/** A message keepalived only logs, tied to where the script was configured. */
function noteAt(
  ctx: ParseContext<ConfigDraft>,
  at: SourceLocation,
  code: string,
  message: string,
): void {
  ctx.reportAt(at, 'notice', code, message);
}

/** keepalived's SC_* flags (lib/notify.h). */
const SC = {
  insecure: 0x01,
  isScript: 0x02,
  inhibit: 0x04,
  notFound: 0x08,
  executable: 0x10,
  system: 0x40,
} as const;

interface SecureResult {
  readonly flags: number;
  readonly argv: readonly string[];
}

/** keepalived's check_script_secure() for one script run as uid:gid. */
function checkOneScript(
  ctx: ParseContext<ConfigDraft>,
  script: ScriptCommand,
  ids: { readonly uid: number; readonly gid: number },
  isSecurityEnabled: boolean,
): SecureResult {
  const argv0 = script.argv[0] ?? '';
  // keepalived-compat: a command starting `</` (blanks allowed after `<`) only tests that
  // a file can be opened; it is run via system() and never checked.
  if (/^<[ \t]*\//.test(argv0)) return { flags: SC.system, argv: script.argv };
  const facts = ctx.state.env.host.inspectScript(argv0);
  const run = ctx.state.env.host.runningUser;
  if ((ids.uid !== run.uid || ids.gid !== run.gid) && (argv0.includes('/') || facts.exists)) {
    // keepalived-compat: check_script_secure() switches to the script's uid/gid, then
    // sends itself SIGTERM because its parent is not keepalived's main process, which is
    // only false under `keepalived -t`: there it dies with status 143.
    noteAt(
      ctx,
      script.at,
      'keepalived_test_sigterm',
      `keepalived 2.2.7 -t terminates itself checking ${argv0} as uid:gid ${ids.uid}:${ids.gid}`,
    );
  }
  if (!facts.exists || facts.resolvedPath === undefined) {
    const why = argv0.includes('/')
      ? `Script ${argv0} cannot be accessed - No such file or directory`
      : `Cannot find script ${argv0} in path - disabling`;
    noteAt(ctx, script.at, 'script_not_found', why);
    return { flags: SC.notFound, argv: script.argv };
  }
  if (!argv0.includes('/')) {
    noteAt(
      ctx,
      script.at,
      'script_path_search',
      `WARNING - script \`${argv0}\` resolved by path search to \`${facts.resolvedPath}\`. ` +
        'Please specify full path.',
    );
  }
  const argv = [facts.resolvedPath, ...script.argv.slice(1)];
  let flags: number = SC.isScript;
  if (facts.isExecutable) flags |= SC.executable;
  else {
    noteAt(
      ctx,
      script.at,
      'script_not_executable',
      `WARNING - script '${argv0}' is not executable for uid:gid ${ids.uid}:${ids.gid} - ` +
      `disabling.`,
    );
  }
  const needsProtection = facts.isExecutable && (ids.uid === 0 || ids.gid === 0);
  if (needsProtection && facts.isWritableByNonRoot) {
    noteAt(
      ctx,
      script.at,
      'script_insecure',
      `Unsafe permissions found for script '${argv0}'${isSecurityEnabled ? ' - disabling' : ''}.`,
    );
    flags |= SC.insecure | (isSecurityEnabled ? SC.inhibit : 0);
  }
  return { flags, argv };
}

/** Whether keepalived keeps a script with these flags, with its messages. */
function keepScript(ctx: ParseContext<ConfigDraft>, script: ScriptCommand, flags: number): boolean {
  const kind = script.kind ?? 'notify';
  if (kind === 'notify') {
    return (flags & (SC.inhibit | SC.notFound)) === 0 && (flags & SC.executable) !== 0;
  }
  if (kind === 'startup') {
    return (flags & (SC.inhibit | SC.notFound)) === 0 && (flags & (SC.executable | SC.system)) !== 0;
  }
  const label = kind === 'vrrp_script' ? 'track' : 'misc';
  const name = kind === 'vrrp_script' ? (script.name ?? '') : commandString(script.argv);
  // keepalived-compat: vrrp.c check_track_script_secure() reports these as config errors;
  // check_misc.c check_misc_script_security() only logs them.
  const say = (code: string, message: string): void => {
    if (kind === 'vrrp_script') ctx.reportAt(script.at, 'general_error', code, message);
    else noteAt(ctx, script.at, code, message);
  };
  if (flags & SC.inhibit) {
    say('script_insecure_disabled', `Disabling ${label} script ${name} due to insecure`);
    return false;
  }
  if (flags & SC.notFound) {
    say('script_not_found', `Disabling ${label} script ${name} since not found/accessible`);
    return false;
  }
  return (flags & (SC.executable | SC.system)) !== 0;
}

/**
 * keepalived's script security pass for one process ('vrrp' | 'checker'; 'parent' for
 * startup_script/shutdown_script, checked by keepalived's main process): resolves every
 * script, applies enable_script_security / script_user, reports insecure or missing
 * scripts and the SECURITY VIOLATION summary exactly as keepalived 2.2.7 does. Returns the
 * scripts that remain usable (keepalived drops the others), with argv[0] resolved and the
 * run-as uid/gid filled in.
 *
 * keepalived-compat: the caller only calls this when the process has work (2.2.7 skips the
 * pass when there is no vrrp_instance / no virtual_server). The summary is a
 * CONFIG_SECURITY_ERROR (`keepalived -t` exits 6) as soon as one script file exists while
 * enable_script_security is off, whatever its owner or permissions.
 */
export function checkScriptSecurity(
  ctx: ParseContext<ConfigDraft>,
  scripts: readonly ScriptCommand[],
  global: GlobalDefs,
  process: 'vrrp' | 'checker' | 'parent',
): readonly ScriptCommand[] {
  return secureScripts(ctx, scripts, global, process).filter(
    (s): s is ScriptCommand => s !== undefined,
  );
}

/**
 * checkScriptSecurity() with one result per input script: the usable script (argv[0]
 * resolved, uid/gid filled in) or undefined where keepalived drops it.
 */
export function secureScripts(
  ctx: ParseContext<ConfigDraft>,
  scripts: readonly ScriptCommand[],
  global: GlobalDefs,
  process: 'vrrp' | 'checker' | 'parent',
): (ScriptCommand | undefined)[] {
  let allFlags = 0;
  const out: (ScriptCommand | undefined)[] = [];
  for (const script of scripts) {
    const ids = runAs(ctx, script, global);
    if (ids === undefined) {
      out.push(undefined);
      continue;
    }
    const r = checkOneScript(ctx, script, ids, global.enableScriptSecurity);
    allFlags |= r.flags;
    out.push(keepScript(ctx, script, r.flags) ? { ...script, argv: r.argv, ...ids } : undefined);
  }
  if (!global.enableScriptSecurity && (allFlags & SC.isScript) !== 0) {
    const what =
      process === 'vrrp' ? 'scripts' : process === 'checker' ? 'check scripts' : 'start/shutdown scripts';
    const insecure = (allFlags & SC.insecure) !== 0 ? ' There are insecure scripts.' : '';
    ctx.reportAt(
      { file: '', line: 0 },
      'security_error',
      'script_security_violation',
      `SECURITY VIOLATION - ${what} are being executed but script_security not enabled.${insecure}`,
    );
  }
  return out;
}

/** The uid/gid a script runs as, or undefined (logged) when no default user exists. */
function runAs(
  ctx: ParseContext<ConfigDraft>,
  script: ScriptCommand,
  global: GlobalDefs,
): { readonly uid: number; readonly gid: number } | undefined {
  if (script.uid !== undefined && script.gid !== undefined) {
    return { uid: script.uid, gid: script.gid };
  }
  const user = defaultScriptUser(ctx, global, script.at);
  if (user !== undefined) return { uid: user.uid, gid: user.gid };
  noteAt(
    ctx,
    script.at,
    'script_default_user',
    `Failed to set default user for notify script ${script.argv[0] ?? ''} - ignoring`,
  );
  return undefined;
}
