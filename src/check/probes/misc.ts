/**
 * MISC_CHECK: run `misc_path` once (keepalived 2.2.7 check_misc.c misc_check_thread /
 * misc_check_child_thread) through the daemon's script runner (own process group,
 * stdio on /dev/null, run as the script user).
 *
 * - Exit 0: success.
 * - misc_dynamic: exit 2..255 is also success and asks for weight exit − 2 (0..253);
 *   exit 0 with misc_dynamic restores the configured weight (dynamicWeight absent).
 * - Any other exit status: 'exit_status'. Killed by a signal: 'killed'.
 * - misc_timeout: SIGTERM to the group, SIGKILL 2 s later (the runner does that, as
 *   keepalived). A time-out is a failure. The probe settles at misc_timeout + a short
 *   margin even if the script ignores SIGTERM; the runner keeps killing it in the
 *   background.
 */
import type { ScriptUser } from '../../config/model/global.js';
import type { MiscChecker } from '../../config/model/lvs.js';
import { runAsOf, runCommand } from '../../daemon/script_runner.js';
import { runAttempt, usToMs } from './_attempt.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

/** How long after misc_timeout we wait for the SIGTERMed script to report its end. */
const MISC_SETTLE_MARGIN_MS = 200;

export interface MiscProbeOptions extends ProbeOptions {
  /** The default script user (global script_user); the command's own user wins. */
  readonly defaultUser?: ScriptUser | undefined;
  /** The environment scripts start from (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/** keepalived's verdict on an exit status (WIFEXITED branch). */
export function miscExitVerdict(
  exitCode: number,
  isDynamic: boolean,
): { readonly ok: boolean; readonly dynamicWeight?: number } {
  if (exitCode === 0) return { ok: true };
  if (isDynamic && exitCode >= 2 && exitCode <= 255) return { ok: true, dynamicWeight: exitCode - 2 };
  return { ok: false };
}

/**
 * @example
 * const r = await probeMisc(checker, { defaultUser });
 * if (r.ok && r.dynamicWeight !== undefined) setWeight(r.dynamicWeight);
 */
export function probeMisc(
  config: Pick<MiscChecker, 'script' | 'timeoutUs' | 'dynamic'>,
  options: MiscProbeOptions = {},
): Promise<ProbeResult> {
  const timeoutMs = usToMs(config.timeoutUs);
  const text = config.script.text;
  return runAttempt(
    {
      timeoutMs: timeoutMs + MISC_SETTLE_MARGIN_MS,
      signal: options.signal,
      timeoutReason: 'timeout',
      timeoutDetail: `Misc check ${text} timed out`,
    },
    async (attempt) => {
      const controller = new AbortController();
      attempt.onCleanup(() => controller.abort());
      const ids = runAsOf(config.script, options.defaultUser);
      const r = await runCommand(config.script, {
        timeoutMs,
        signal: controller.signal,
        ...(ids === undefined ? {} : { uid: ids.uid, gid: ids.gid }),
        ...(options.env === undefined ? {} : { env: options.env }),
      });
      if (r.spawnError !== undefined) {
        attempt.finish(false, 'spawn_error', r.spawnError.message);
      } else if (r.timedOut) {
        attempt.finish(false, 'timeout', `Misc check ${text} timed out`);
      } else if (r.exitCode === null) {
        attempt.finish(false, 'killed', `Misc check ${text} killed by signal ${r.signalNumber ?? '?'}`);
      } else {
        const v = miscExitVerdict(r.exitCode, config.dynamic);
        if (!v.ok) attempt.finish(false, 'exit_status', `Misc check ${text} exited with status ${r.exitCode}`);
        else attempt.finish(true, 'ok', `Misc check ${text} succeeded`, v.dynamicWeight);
      }
    },
  );
}
