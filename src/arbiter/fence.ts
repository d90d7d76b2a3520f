/**
 * Split-brain protection (issue 8): the fencing hook. Before a node takes over it can run a
 * STONITH-style command ("shoot the other node in the head": power it off through its BMC,
 * cut its switch port, revoke its storage lease). The takeover goes ahead only when the
 * command says the peer is fenced: exit status 0 within the time-out. Anything else - a
 * non-zero status, a signal, a time-out, a command that cannot be started - is "not
 * fenced", and the caller must not take over.
 *
 * The command runs through the script runner (src/daemon/script_runner.ts): execve'd
 * directly from its argv (no shell), in its own process group, stdio on /dev/null. On the
 * time-out the whole group gets SIGTERM, then SIGKILL after `killGraceMs`; runFence settles
 * only once the command has ended, so a command reported as failed is no longer running
 * (it cannot fence the peer after we decided it did not).
 *
 * `env` is added to the daemon's environment (the script runner still drops IFS,
 * LD_PRELOAD and the like); use it to tell the command which peer to fence.
 *
 * @example
 * const r = await runFence({ command: ['/usr/local/sbin/fence-peer', 'node2'], timeoutMs: 5000,
 *   env: { KATS_FENCE_INSTANCE: 'VI_1' }, log });
 * if (!r.ok) log(`not taking over: ${r.detail}`);
 */
import { runScript, DEFAULT_KILL_GRACE_MS, type ScriptRunResult } from '../daemon/script_runner.js';

export interface FenceOptions {
  /** argv: the executable (absolute path, or looked up in PATH) and its arguments. */
  readonly command: readonly string[];
  /** Exit 0 must come within this; then SIGTERM to the command's process group. */
  readonly timeoutMs: number;
  /** Added to (and overriding) the daemon's environment. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** SIGTERM → SIGKILL grace after the time-out (default 2000 ms, keepalived's); 0: SIGKILL at once. */
  readonly killGraceMs?: number | undefined;
  log(line: string): void;
}

export interface FenceResult {
  /** Exit status 0 within the time-out. */
  readonly ok: boolean;
  readonly detail: string;
  /** From the start until the command ended (after a time-out: until it was killed). */
  readonly elapsedMs: number;
}

/** Runs the fencing command; never rejects. */
export async function runFence(options: FenceOptions): Promise<FenceResult> {
  const startedAt = performance.now();
  const text = options.command.join(' ');
  const done = (ok: boolean, detail: string, elapsedMs = performance.now() - startedAt): FenceResult => {
    safeLog(options, ok ? `fence: '${text}' ${detail}` : `fence: '${text}' FAILED: ${detail}`);
    return { ok, detail, elapsedMs };
  };
  if (options.command.length === 0 || options.command[0] === '') return done(false, 'no fence command configured');
  safeLog(options, `fence: running '${text}' (timeout ${options.timeoutMs} ms)`);
  let r: ScriptRunResult;
  try {
    r = await runScript({
      argv: options.command,
      timeoutMs: Math.max(0, options.timeoutMs),
      killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      env: { ...process.env, ...(options.env ?? {}) },
    });
  } catch (err) {
    return done(false, `internal error: ${err instanceof Error ? err.message : String(err)}`);
  }
  return done(...verdict(r, options.timeoutMs), r.durationMs);
}

/** ok and the detail text for one run. */
function verdict(r: ScriptRunResult, timeoutMs: number): [boolean, string] {
  const took = `${Math.round(r.durationMs)} ms`;
  if (r.spawnError !== undefined) return [false, r.spawnError.message];
  if (r.timedOut) {
    const end = r.signal !== null ? `killed by ${r.signal}` : `exited with status ${r.exitCode ?? '?'} after SIGTERM`;
    return [false, `timed out after ${timeoutMs} ms (${end}, ${took})`];
  }
  if (r.signal !== null) return [false, `killed by signal ${r.signal} (${r.signalNumber ?? '?'}) after ${took}`];
  if (r.exitCode === 0) return [true, `exited with status 0 in ${took}`];
  return [false, `exited with status ${r.exitCode ?? '?'} after ${took}`];
}

function safeLog(options: FenceOptions, line: string): void {
  try {
    options.log(line);
  } catch {
    // A broken log sink must not turn a fence verdict into a rejection.
  }
}
