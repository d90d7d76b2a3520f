/**
 * Runs one vrrp_script on its interval and turns the exits into up/down changes through
 * the pure hysteresis in script_result.ts. Shell: timers and child processes.
 *
 * keepalived 2.2.7 (vrrp_scheduler.c vrrp_init_script / vrrp_script_thread /
 * vrrp_script_child_thread): the first run starts at once, then one every `interval`
 * from the start of the previous run; a run over `timeout` (default: interval) gets
 * SIGTERM, then SIGKILL 2 s later, and counts as `timed_out`.
 */
import type { VrrpScript } from '../config/model/vrrp.js';
import {
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_KILL_RETRY_MS,
  runScript,
  type RunScriptOptions,
  type ScriptRunResult,
} from '../daemon/script_runner.js';
import {
  exitOfSignal,
  initialScriptState,
  nextRunDueUs,
  onScriptExit,
  overlapLogLine,
  timeoutDeadlineUs,
  trackResultOf,
  type ScriptExit,
  type ScriptResultState,
} from './script_result.js';
import type { ScriptTrackResult } from './track.js';

/** The clock and timer the tracker uses; tests inject fakes. */
export interface TrackerClock {
  nowMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: TrackerClock = {
  nowMs: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type ScriptStatus = 'up' | 'down';

export interface ScriptTrackerOptions {
  readonly script: VrrpScript;
  /** Referenced by a track_script (keepalived then ignores init_fail; see script_result.ts). */
  readonly isTracked: boolean;
  readonly isReload?: boolean;
  /** A state carried over a reload (carryOverOnReload); default: initialScriptState. */
  readonly initialState?: ScriptResultState;
  /** uid/gid to run as (the script's user or the default script user). */
  readonly runAs?: { readonly uid: number; readonly gid: number } | undefined;
  readonly log: (line: string) => void;
  /** Called when the result crosses rise/fall. */
  readonly onChange: (scriptName: string, status: ScriptStatus) => void;
  readonly clock?: TrackerClock;
  readonly run?: (options: RunScriptOptions) => Promise<ScriptRunResult>;
}

/** How a finished run counts for keepalived. */
export function scriptExitOf(r: ScriptRunResult): ScriptExit {
  // keepalived-compat: when execve() fails the forked child logs and exits 0 ("Script
  // errors aren't server errors", lib/notify.c), so the run counts as a success.
  if (r.spawnError !== undefined) return { exitStatus: 0 };
  if (r.exitCode !== null) return { exitStatus: r.exitCode };
  if (r.signalNumber !== null) return exitOfSignal(r.signalNumber, r.phase);
  return { exitStatus: 0 };
}

export class ScriptTracker {
  private readonly options: ScriptTrackerOptions;
  private readonly clock: TrackerClock;
  private resultState: ScriptResultState;
  private timer: unknown;
  private isStarted = false;
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private runsStarted = 0;

  /** No I/O, no timers: start() begins the runs. */
  constructor(options: ScriptTrackerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.resultState =
      options.initialState ??
      initialScriptState(options.script, { isTracked: options.isTracked, isReload: options.isReload ?? false });
  }

  get name(): string {
    return this.options.script.name;
  }

  /** The hysteresis state (result, counter, last exit status). */
  get state(): ScriptResultState {
    return this.resultState;
  }

  /** The result as track.ts wants it. */
  get trackResult(): ScriptTrackResult {
    return trackResultOf(this.resultState);
  }

  get runs(): number {
    return this.runsStarted;
  }

  /** Starts the first run now, then one every interval. */
  start(): void {
    if (this.isStarted) return;
    this.isStarted = true;
    this.tick();
  }

  /** Stops scheduling; running scripts get SIGTERM (then SIGKILL) and are waited for. */
  async stop(): Promise<void> {
    if (!this.isStarted) return;
    this.isStarted = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await Promise.all([...this.running]);
  }

  private tick(): void {
    if (!this.isStarted) return;
    const script = this.options.script;
    const intervalMs = (nextRunDueUs(0, script.intervalUs) / 1000) || 1;
    this.timer = this.clock.setTimeout(() => this.tick(), intervalMs);
    if (this.running.size > 0) {
      // keepalived-compat: 2.2.7 logs "skipping run" and then starts the run anyway.
      this.options.log(overlapLogLine(script.name, 'running'));
    }
    this.runsStarted++;
    const run = this.options.run ?? runScript;
    const done = run({
      argv: script.command.argv,
      uid: this.options.runAs?.uid,
      gid: this.options.runAs?.gid,
      timeoutMs: timeoutDeadlineUs(0, script) / 1000,
      killGraceMs: DEFAULT_KILL_GRACE_MS,
      killRetryMs: DEFAULT_KILL_RETRY_MS,
      onKillRetry: (pid) => this.options.log(`Script ${script.name} child (PID ${pid}) failed to terminate after kill`),
      signal: this.abort.signal,
    }).then((r) => this.onExit(r));
    const tracked = done.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private onExit(r: ScriptRunResult): void {
    // A run ended by stop() says nothing about the script.
    if (this.abort.signal.aborted) return;
    if (r.spawnError !== undefined) this.options.log(r.spawnError.message);
    const outcome = onScriptExit(this.resultState, scriptExitOf(r), this.options.script);
    this.resultState = outcome.state;
    for (const line of outcome.logLines) this.options.log(line);
    if (outcome.transition !== undefined) {
      this.options.onChange(this.options.script.name, outcome.transition === 'became_good' ? 'up' : 'down');
    }
  }
}
