/**
 * Private helper shared by the probes: runs one attempt under a hard deadline and an
 * optional AbortSignal, settles exactly once, and runs every registered clean-up (socket
 * destroy, timers, pollers) whatever path ended the attempt. A bug inside a probe body is
 * caught and reported as 'internal_error', so a probe can never throw or reject.
 */
import type { ProbeReason, ProbeResult } from './probe_result.js';

/** Extra time a probe may take beyond its configured timeout before it is forced to settle. */
export const SETTLE_MARGIN_MS = 50;

export interface Attempt {
  /** Settles the attempt (idempotent: only the first call counts). */
  finish(ok: boolean, reason: ProbeReason, detail: string, dynamicWeight?: number): void;
  /** Registers a clean-up, run once when the attempt settles (in reverse order). */
  onCleanup(fn: () => void): void;
  /** The reason reported if the deadline fires now (e.g. 'connect_timeout' until connected). */
  setTimeoutReason(reason: ProbeReason, detail: string, isOk?: boolean): void;
  readonly isSettled: () => boolean;
  /** Milliseconds left before the deadline. */
  readonly remainingMs: () => number;
  readonly startedAt: number;
}

export interface AttemptOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** What the deadline reports by default. */
  readonly timeoutReason?: ProbeReason;
  readonly timeoutDetail?: string;
}

/** Runs `body`; the returned promise always resolves, within timeoutMs (+ timer slop). */
export function runAttempt(
  options: AttemptOptions,
  body: (attempt: Attempt) => void | Promise<void>,
): Promise<ProbeResult> {
  const startedAt = performance.now();
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    let timeoutReason: ProbeReason = options.timeoutReason ?? 'timeout';
    let timeoutDetail = options.timeoutDetail ?? `no answer within ${options.timeoutMs} ms`;
    let timeoutOk = false;
    const cleanups: (() => void)[] = [];
    const attempt: Attempt = {
      startedAt,
      isSettled: () => settled,
      remainingMs: () => Math.max(0, options.timeoutMs - (performance.now() - startedAt)),
      onCleanup(fn) {
        if (settled) runQuietly(fn);
        else cleanups.push(fn);
      },
      setTimeoutReason(reason, detail, isOk = false) {
        timeoutReason = reason;
        timeoutDetail = detail;
        timeoutOk = isOk;
      },
      finish(ok, reason, detail, dynamicWeight) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        for (const fn of cleanups.reverse()) runQuietly(fn);
        cleanups.length = 0;
        const durationMs = performance.now() - startedAt;
        resolve(
          dynamicWeight === undefined
            ? { ok, reason, detail, durationMs }
            : { ok, reason, detail, durationMs, dynamicWeight },
        );
      },
    };
    const onAbort = (): void => attempt.finish(false, 'aborted', 'aborted by the caller');
    const timer = setTimeout(
      () => attempt.finish(timeoutOk, timeoutReason, timeoutDetail),
      Math.max(0, options.timeoutMs),
    );
    if (options.signal?.aborted === true) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const p = body(attempt);
      if (p !== undefined) {
        p.catch((err: unknown) => attempt.finish(false, 'internal_error', describeError(err)));
      }
    } catch (err) {
      attempt.finish(false, 'internal_error', describeError(err));
    }
  });
}

function runQuietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // Clean-up must not turn a settled probe into a crash.
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === undefined ? err.message : `${code}: ${err.message}`;
  }
  return String(err);
}

/** Maps a socket error from connect() to a probe reason. */
export function connectErrorReason(err: unknown): ProbeReason {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connect_refused';
  if (code === 'ETIMEDOUT') return 'connect_timeout';
  return 'connect_error';
}

/** Converts a configured µs timeout to ms (at least 1 ms, so a 0 never means "forever"). */
export function usToMs(us: number): number {
  return Math.max(1, Math.round(us / 1000));
}
