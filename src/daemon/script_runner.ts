/**
 * Runs one script or notify command the way keepalived 2.2.7 forks it
 * (lib/notify.c system_call_script): in its own process group so a time-out can kill the
 * script and everything it started, as the script user, stdin/stdout/stderr on /dev/null,
 * execve'd directly (no shell) unless the command is a `</…` redirection, which goes
 * through `/bin/sh -c` like keepalived's system().
 *
 * A time-out sends SIGTERM to the group, then SIGKILL after a grace, then SIGKILL again
 * every 10 s (vrrp_scheduler.c vrrp_script_child_thread); with `killGraceMs: 0` the first
 * signal is SIGKILL (notify STOP scripts: notify.c child_killed_thread).
 *
 * Never throws: a command that cannot be started resolves with `spawnError`.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { commandString, type ScriptCommand } from '../config/script.js';
import type { ScriptUser } from '../config/model/global.js';

/** keepalived's grace between SIGTERM and SIGKILL for a timed-out vrrp_script (2 s). */
export const DEFAULT_KILL_GRACE_MS = 2000;
/** keepalived re-sends SIGKILL every 10 s to a child that survives it. */
export const DEFAULT_KILL_RETRY_MS = 10_000;

/** Where a time-out has got to when the child ends (keepalived's script_state_t). */
export type TerminationPhase = 'running' | 'requesting_termination' | 'forcing_termination';

export interface RunScriptOptions {
  /** The full argv: the command's words plus anything appended (notify's 4 words). */
  readonly argv: readonly string[];
  /** Run as this uid/gid (needs privileges); undefined: as the daemon. */
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  /** undefined: never killed (keepalived's notify_exec). */
  readonly timeoutMs?: number | undefined;
  /** SIGTERM→SIGKILL grace; 0 sends SIGKILL at the time-out. Default 2000. */
  readonly killGraceMs?: number | undefined;
  readonly killRetryMs?: number | undefined;
  /** Called each time SIGKILL is re-sent to a child that outlived it. */
  readonly onKillRetry?: ((pid: number) => void) | undefined;
  /** The environment to start from (default process.env); see scriptEnvironment. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Aborting ends the script as a time-out would (keepalived's script_killall at exit). */
  readonly signal?: AbortSignal | undefined;
}

export interface ScriptRunResult {
  /** The exit status, or null when killed by a signal or not started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The Linux number of `signal` (what keepalived logs: "due to signal 9"). */
  readonly signalNumber: number | null;
  /** The time-out fired (whatever happened afterwards). */
  readonly timedOut: boolean;
  /** How far the time-out had gone when the child ended. */
  readonly phase: TerminationPhase;
  readonly durationMs: number;
  readonly pid: number | undefined;
  /**
   * Set when the command could not be started. `message` is keepalived's log line
   * (`Error exec-ing command '/x', error 2: No such file or directory`).
   */
  readonly spawnError?: { readonly code: string; readonly message: string };
}

/**
 * The environment a script gets. keepalived 2.2.7 passes its own environment unchanged
 * (execve(..., environ)); we additionally drop the variables that change how a shell
 * splits words or which libraries a binary loads, so the daemon's environment cannot
 * inject code into root scripts. PATH and everything else are kept.
 */
export function scriptEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (UNSAFE_ENV.has(key) || value === undefined) continue;
    out[key] = value;
  }
  return out;
}

const UNSAFE_ENV = new Set(['IFS', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'BASH_ENV', 'ENV']);

/**
 * keepalived runs a command through system() (a shell) when its first word is a
 * redirection such as `</dev/tcp/10.0.0.1/80` (notify.c: !SC_EXECABLE, cmd_str quoting).
 */
function commandFor(argv: readonly string[]): { readonly file: string; readonly args: readonly string[] } {
  const first = argv[0] ?? '';
  if (first.startsWith('<') || first.startsWith('>')) {
    return { file: '/bin/sh', args: ['-c', commandString(argv)] };
  }
  return { file: first, args: argv.slice(1) };
}

function signalNumberOf(signal: NodeJS.Signals | null): number | null {
  if (signal === null) return null;
  const n = (osConstants.signals as Readonly<Record<string, number>>)[signal];
  return n ?? null;
}

/** Signals the whole process group; false once the group is gone. */
function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Runs `argv` to completion (or until killed); never rejects. */
export function runScript(options: RunScriptOptions): Promise<ScriptRunResult> {
  const startedAt = performance.now();
  const { file, args } = commandFor(options.argv);
  const ids: { uid?: number; gid?: number } = {};
  // Only switch user when it differs from ours: setuid/setgid to ourselves is pointless
  // and libuv's setgroups() would fail without CAP_SETGID.
  if (options.gid !== undefined && options.gid !== process.getgid?.()) ids.gid = options.gid;
  if (options.uid !== undefined && options.uid !== process.getuid?.()) ids.uid = options.uid;
  return new Promise<ScriptRunResult>((resolve) => {
    let phase: TerminationPhase = 'running';
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (r: Omit<ScriptRunResult, 'durationMs' | 'timedOut' | 'phase'>): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      resolve({ ...r, timedOut, phase, durationMs: performance.now() - startedAt });
    };
    let child;
    try {
      child = spawn(file, args, {
        argv0: options.argv[0] ?? file,
        detached: true,
        stdio: 'ignore',
        env: scriptEnvironment(options.env ?? process.env),
        ...ids,
      });
    } catch (err) {
      finish(failedSpawn(file, err, undefined));
      return;
    }
    const pid = child.pid;
    child.once('error', (err) => finish(failedSpawn(file, err, pid)));
    child.once('exit', (code, signal) => {
      // keepalived-compat: a script that died of our SIGTERM may have left children
      // behind; keepalived SIGKILLs its process group (vrrp_script_child_thread).
      if (pid !== undefined && phase === 'requesting_termination' && signal === 'SIGTERM') {
        killGroup(pid, 'SIGKILL');
      }
      finish({ exitCode: code, signal, signalNumber: signalNumberOf(signal), pid });
    });
    if (pid === undefined) return;
    const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const retryMs = options.killRetryMs ?? DEFAULT_KILL_RETRY_MS;
    const onDeadline = (): void => {
      if (settled) return;
      timedOut = true;
      if (phase === 'running' && graceMs > 0) {
        phase = 'requesting_termination';
        killGroup(pid, 'SIGTERM');
        timer = setTimeout(onDeadline, graceMs);
      } else if (phase !== 'forcing_termination') {
        phase = 'forcing_termination';
        killGroup(pid, 'SIGKILL');
        timer = setTimeout(onDeadline, graceMs > 0 ? graceMs : retryMs);
      } else {
        options.onKillRetry?.(pid);
        killGroup(pid, 'SIGKILL');
        timer = setTimeout(onDeadline, retryMs);
      }
    };
    if (options.timeoutMs !== undefined) timer = setTimeout(onDeadline, options.timeoutMs);
    options.signal?.addEventListener(
      'abort',
      () => {
        if (timer !== undefined || phase !== 'running') return;
        onDeadline();
      },
      { once: true },
    );
    if (options.signal?.aborted === true) onDeadline();
  });
}

function failedSpawn(
  file: string,
  err: unknown,
  pid: number | undefined,
): Omit<ScriptRunResult, 'durationMs' | 'timedOut' | 'phase'> {
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? 'UNKNOWN';
  const errno = typeof e.errno === 'number' ? Math.abs(e.errno) : 0;
  const text = STRERROR[code] ?? e.message;
  return {
    exitCode: null,
    signal: null,
    signalNumber: null,
    pid,
    spawnError: { code, message: `Error exec-ing command '${file}', error ${errno}: ${text}` },
  };
}

/** glibc's strerror() for the errors execve() usually gives (keepalived logs %m). */
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOEXEC: 'Exec format error',
  ENOTDIR: 'Not a directory',
  EPERM: 'Operation not permitted',
  E2BIG: 'Argument list too long',
};

/**
 * The uid/gid a command runs as: its own `user [group]` (already resolved by the config),
 * else the default script user (script_user / keepalived_script / the daemon's user).
 */
export function runAsOf(
  command: Pick<ScriptCommand, 'uid' | 'gid'>,
  defaultUser: ScriptUser | undefined,
): { readonly uid: number; readonly gid: number } | undefined {
  if (command.uid !== undefined && command.gid !== undefined) return { uid: command.uid, gid: command.gid };
  return defaultUser === undefined ? undefined : { uid: defaultUser.uid, gid: defaultUser.gid };
}

/** Looks a user name up in /etc/passwd (or a uid given as digits); undefined if unknown. */
export async function lookupUserIds(
  name: string,
  passwdPath = '/etc/passwd',
): Promise<{ readonly uid: number; readonly gid: number } | undefined> {
  let text: string;
  try {
    text = await readFile(passwdPath, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 4) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    if (fields[0] === name || (/^\d+$/.test(name) && uid === Number(name))) return { uid, gid };
  }
  return undefined;
}

/** Runs a configured command with words appended (notify's `INSTANCE name STATE prio`). */
export function runCommand(
  command: ScriptCommand,
  options: Omit<RunScriptOptions, 'argv'> & { readonly extraArgs?: readonly string[] },
): Promise<ScriptRunResult> {
  const { extraArgs, ...rest } = options;
  return runScript({ ...rest, argv: [...command.argv, ...(extraArgs ?? [])] });
}
