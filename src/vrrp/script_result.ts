/**
 * The result of a vrrp_script as pure hysteresis (rise/fall), with keepalived's log lines,
 * and the timing of its runs. Pure: the shell runs the script, reports how it ended and
 * sets one timer for `nextWakeUs()`. Time is always a parameter, in µs.
 *
 * keepalived keeps one counter per script (`result`): 0..rise-1 means failed and
 * rise..rise+fall-1 means OK. A success moves it up by one while it is below rise-1, then
 * jumps it to rise+fall-1; a failure moves it down by one while it is above rise, then
 * drops it to 0. The state changes (and is logged) only at those jumps.
 *
 * keepalived-compat: vrrp_scheduler.c vrrp_script_child_thread / vrrp_script_thread /
 * vrrp_init_script, vrrp.c clear_diff_script, include/vrrp_track.h.
 */
import type { VrrpScript } from '../config/model/vrrp.js';
import type { ScriptTrackResult } from './track.js';

/**
 * keepalived's script_init_state_t: `init` (no result yet since start-up),
 * `init_after_reload` (no result yet, new since a reload), `init_failed` (init_fail),
 * `done` (at least one run has finished).
 */
export type ScriptInitState = 'init' | 'init_after_reload' | 'init_failed' | 'done';

export interface ScriptResultState {
  /** `unknown` until the first run ends (unless init_fail); then good or bad. */
  readonly result: 'unknown' | 'good' | 'bad';
  /** keepalived's `result` counter: 0..rise-1 is bad, rise..rise+fall-1 is good. */
  readonly hysteresisCount: number;
  readonly initState: ScriptInitState;
  /** keepalived's last_status: the last exit status (starts at 0, so a first 0 is silent). */
  readonly lastExitStatus: number;
}

/** How one run ended. `timedOut`: we killed it after its timeout (see exitOfSignal). */
export type ScriptExit =
  | { readonly exitStatus: number }
  | { readonly timedOut: true }
  | { readonly signal: number };

export type ScriptTransition = 'became_good' | 'became_bad';

export interface ScriptExitOutcome {
  readonly state: ScriptResultState;
  /** Present only when the script crossed rise/fall: tracking must be re-evaluated. */
  readonly transition?: ScriptTransition;
  readonly logLines: readonly string[];
}

/** The script settings the hysteresis needs. */
export type ScriptHysteresisConfig = Pick<VrrpScript, 'name' | 'rise' | 'fall'>;

function resultOf(
  initState: ScriptInitState,
  hysteresisCount: number,
  rise: number,
): ScriptResultState['result'] {
  if (initState === 'init' || initState === 'init_after_reload') return 'unknown';
  return hysteresisCount >= rise ? 'good' : 'bad';
}

function makeState(
  initState: ScriptInitState,
  hysteresisCount: number,
  rise: number,
  lastExitStatus: number,
): ScriptResultState {
  return {
    result: resultOf(initState, hysteresisCount, rise),
    hysteresisCount,
    initState,
    lastExitStatus,
  };
}

/**
 * The state of a script before its first run. With no result yet, the counter is rise-1
 * so that one success is enough (vrrp_scheduler.c vrrp_init_script); init_fail starts at 0.
 *
 * keepalived-compat: in 2.2.7 `track_script` (vrrp_track.c alloc_track_script) resets the
 * script to "no result yet", so `init_fail` only holds for a script no instance or sync
 * group tracks. Pass `isTracked` to get keepalived's behaviour.
 *
 * @example
 * initialScriptState({ rise: 2, fall: 3, initFail: false }, { isTracked: true, isReload: false })
 * // { result: 'unknown', hysteresisCount: 1, initState: 'init', lastExitStatus: 0 }
 */
export function initialScriptState(
  script: Pick<VrrpScript, 'rise' | 'fall' | 'initFail'>,
  options: { readonly isTracked: boolean; readonly isReload: boolean },
): ScriptResultState {
  if (script.initFail && !options.isTracked) return makeState('init_failed', 0, script.rise, 0);
  const initState = options.isReload ? 'init_after_reload' : 'init';
  return makeState(initState, script.rise - 1, script.rise, 0);
}

/** The script result as track.ts wants it. */
export function trackResultOf(state: ScriptResultState): ScriptTrackResult {
  if (state.result !== 'unknown') return state.result;
  return state.initState === 'init_after_reload' ? 'unknown_after_reload' : 'unknown';
}

/** keepalived's word for how the run ended, and the "(reason code)" of a failure. */
function describeExit(exit: ScriptExit): { readonly isSuccess: boolean; readonly words: string } {
  if ('timedOut' in exit) return { isSuccess: false, words: 'timed_out' };
  if ('signal' in exit) return { isSuccess: false, words: `failed (due to signal ${exit.signal})` };
  if (exit.exitStatus === 0) return { isSuccess: true, words: 'succeeded' };
  return { isSuccess: false, words: `failed (exited with status ${exit.exitStatus})` };
}

function onSuccess(s: ScriptResultState, c: ScriptHysteresisConfig): {
  readonly count: number;
  readonly isTransition: boolean;
} {
  const top = c.rise + c.fall - 1;
  if (s.hysteresisCount < c.rise - 1) return { count: s.hysteresisCount + 1, isTransition: false };
  if (s.hysteresisCount === top) return { count: top, isTransition: false };
  return { count: top, isTransition: s.hysteresisCount < c.rise };
}

function onFailure(s: ScriptResultState, c: ScriptHysteresisConfig): {
  readonly count: number;
  readonly isTransition: boolean;
} {
  if (s.hysteresisCount > c.rise) return { count: s.hysteresisCount - 1, isTransition: false };
  // A script with no result yet goes bad on its first failure, whatever `fall` says.
  const isInit = s.initState === 'init' || s.initState === 'init_after_reload';
  return { count: 0, isTransition: s.hysteresisCount === c.rise || isInit };
}

/**
 * Applies one finished run to the script's state.
 *
 * Logs, as keepalived 2.2.7 does: ``Script `chk` now returning 1`` whenever a normal exit
 * status differs from the previous one (not for signals or time-outs), and
 * `VRRP_Script(chk) succeeded` / `failed (exited with status 1)` / `failed (due to signal
 * 9)` / `timed_out` only when the result changes.
 *
 * @example onScriptExit(state, { exitStatus: 1 }, { name: 'chk', rise: 1, fall: 1 })
 */
export function onScriptExit(
  state: ScriptResultState,
  exit: ScriptExit,
  script: ScriptHysteresisConfig,
): ScriptExitOutcome {
  const logLines: string[] = [];
  let lastExitStatus = state.lastExitStatus;
  if ('exitStatus' in exit) {
    if (exit.exitStatus !== lastExitStatus) {
      logLines.push(`Script \`${script.name}\` now returning ${exit.exitStatus}`);
    }
    lastExitStatus = exit.exitStatus;
  }
  const { isSuccess, words } = describeExit(exit);
  const step = isSuccess ? onSuccess(state, script) : onFailure(state, script);
  const next = makeState('done', step.count, script.rise, lastExitStatus);
  if (!step.isTransition) return { state: next, logLines };
  logLines.push(`VRRP_Script(${script.name}) ${words}`);
  return { state: next, transition: isSuccess ? 'became_good' : 'became_bad', logLines };
}

/**
 * A script's state carried across a reload into its new rise/fall, with keepalived's log
 * line. A script still waiting for its first result keeps waiting.
 *
 * keepalived-compat: vrrp.c clear_diff_script.
 */
export function carryOverOnReload(
  old: ScriptResultState,
  oldScript: Pick<VrrpScript, 'rise' | 'fall'>,
  newScript: Pick<VrrpScript, 'name' | 'rise' | 'fall'>,
): { readonly state: ScriptResultState; readonly logLines: readonly string[] } {
  if (old.initState === 'init' || old.initState === 'init_after_reload') {
    return { state: makeState(old.initState, newScript.rise - 1, newScript.rise, 0), logLines: [] };
  }
  const top = newScript.rise + newScript.fall - 1;
  let count: number;
  let word: string;
  if (old.hysteresisCount < oldScript.rise) {
    count = old.hysteresisCount === 0
      ? 0
      : Math.max(0, newScript.rise - (oldScript.rise - old.hysteresisCount));
    word = 'unsuccessful';
  } else {
    count = old.hysteresisCount === oldScript.rise + oldScript.fall - 1
      ? top
      : Math.min(top, newScript.rise + (old.hysteresisCount - oldScript.rise));
    word = 'successful';
  }
  return {
    state: makeState('done', count, newScript.rise, old.lastExitStatus),
    logLines: [`VRRP_Script(${newScript.name}) considered ${word} on reload`],
  };
}

// ---------------------------------------------------------------------------------------
// Timing of runs. keepalived starts the first run at once, then one every `interval`
// from the start of the previous run, whether or not it has finished.

/** Linux signal numbers keepalived uses to end a script that overran its timeout. */
export const SIGTERM = 15;
export const SIGKILL = 9;

/** Grace after SIGTERM before SIGKILL, and after SIGKILL before retrying (2 s each). */
export const TERMINATION_GRACE_US = 2_000_000;
/** Retry period once even SIGKILL has not ended the child (10 s). */
export const KILL_RETRY_US = 10_000_000;

/** Where a run is: keepalived's script_state_t without IDLE. */
export type ScriptRunPhase = 'running' | 'requesting_termination' | 'forcing_termination';

/**
 * When the next run starts: `interval` after the previous run started
 * (vrrp_scheduler.c vrrp_script_thread re-arms its timer before it forks).
 *
 * @example nextRunDueUs(5_000_000, 2_000_000) // 7_000_000
 */
export function nextRunDueUs(lastStartUs: number, intervalUs: number): number {
  return lastStartUs + intervalUs;
}

/**
 * When a run that started at `startUs` times out: `timeout`, or `interval` if no timeout
 * was set (vrrp_script_thread: `timeout ? timeout : interval`).
 *
 * @example timeoutDeadlineUs(0, { intervalUs: 2_000_000, timeoutUs: 0 }) // 2_000_000
 */
export function timeoutDeadlineUs(
  startUs: number,
  script: Pick<VrrpScript, 'intervalUs' | 'timeoutUs'>,
): number {
  return startUs + (script.timeoutUs > 0 ? script.timeoutUs : script.intervalUs);
}

/**
 * What to do when a run's deadline passes: SIGTERM first, SIGKILL 2 s later, then SIGKILL
 * again every 10 s (with a log line) until the child is reaped. Signals go to the
 * script's process group.
 *
 * keepalived-compat: vrrp_scheduler.c vrrp_script_child_thread (THREAD_CHILD_TIMEOUT).
 */
export function onScriptDeadline(
  phase: ScriptRunPhase,
  at: { readonly nowUs: number; readonly scriptName: string; readonly pid: number },
): {
  readonly phase: ScriptRunPhase;
  readonly signal: number;
  readonly deadlineUs: number;
  readonly logLines: readonly string[];
} {
  if (phase === 'running') {
    return {
      phase: 'requesting_termination',
      signal: SIGTERM,
      deadlineUs: at.nowUs + TERMINATION_GRACE_US,
      logLines: [],
    };
  }
  if (phase === 'requesting_termination') {
    const deadlineUs = at.nowUs + TERMINATION_GRACE_US;
    return { phase: 'forcing_termination', signal: SIGKILL, deadlineUs, logLines: [] };
  }
  return {
    phase: 'forcing_termination',
    signal: SIGKILL,
    deadlineUs: at.nowUs + KILL_RETRY_US,
    logLines: [`Script ${at.scriptName} child (PID ${at.pid}) failed to terminate after kill`],
  };
}

/**
 * Turns a death by signal into a ScriptExit: it counts as `timed_out` only when it is the
 * signal we sent (SIGTERM while requesting termination; SIGTERM or SIGKILL while forcing).
 * Any other signal is a failure "due to signal N".
 *
 * @example exitOfSignal(SIGTERM, 'requesting_termination') // { timedOut: true }
 */
export function exitOfSignal(signal: number, phase: ScriptRunPhase): ScriptExit {
  const isOurs =
    (phase === 'requesting_termination' && signal === SIGTERM) ||
    (phase === 'forcing_termination' && (signal === SIGKILL || signal === SIGTERM));
  return isOurs ? { timedOut: true } : { signal };
}

/**
 * keepalived's line when a run is due while the previous one is still going. In 2.2.7 it
 * says "skipping run" but starts the new run anyway; we only provide the text.
 */
export function overlapLogLine(scriptName: string, phase: ScriptRunPhase): string {
  const doing = phase === 'running' ? 'already running' : 'being timed out';
  return `Track script ${scriptName} is ${doing}, expect idle - skipping run`;
}

/**
 * The one deadline the shell needs: the earlier of the next run and, while a run is
 * going, its kill deadline.
 *
 * @example nextWakeUs({ nextRunUs: 7_000_000, killDeadlineUs: 6_000_000 }) // 6_000_000
 */
export function nextWakeUs(deadlines: {
  readonly nextRunUs: number;
  readonly killDeadlineUs: number | undefined;
}): number {
  const kill = deadlines.killDeadlineUs;
  return kill === undefined ? deadlines.nextRunUs : Math.min(kill, deadlines.nextRunUs);
}
