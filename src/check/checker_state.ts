/**
 * One health checker's hysteresis, as keepalived 2.2.7 runs it, written once (keepalived
 * repeats it in every check_*.c). Pure: time (µs, monotonic) and the warmup random draw
 * are inputs; the next deadline lives in the state; the shell runs the probe and feeds
 * its result back.
 *
 * The rules (check_data.c validate_check_config, check_api.c register_checkers_thread,
 * check_tcp.c tcp_epilog and its siblings):
 * - The first run is at 1 s (BOOTSTRAP_DELAY) + warmup × random.
 * - A checker starts up (`is_up`), an alpha one down. `retry_it` starts at `retry`, so a
 *   non-alpha checker goes down on its first failure.
 * - An up checker that fails is retried `retry` times, `delay_before_retry` apart, and
 *   goes down only when the last retry fails: retry + 1 failed probes in a row.
 * - A down checker comes up on one success. Successes and down-checker failures wait
 *   `delay_loop`.
 * - A disabled checker (ha_suspend without the VIP) skips its probe and waits delay_loop.
 *
 * HTTP_GET / SSL_GET run one url per probe (check_http.c epilog, keepalived.conf(5)
 * fast_recovery):
 * - A url that passes moves to the next one after delay_loop; when the last passes and no
 *   url is marked failed, the cycle is complete: a down (or never run) checker comes up.
 * - A failing url is retried (delay_before_retry apart) while the checker is up, or has
 *   never run; past `retry` retries the checker goes down and that url is marked failed.
 *   A marked url is re-checked every max(delay_before_retry, delay_loop).
 * - When the marked url passes again, the mark is cleared and every url is checked again
 *   from the first; only a full passing cycle brings the checker up. A url failing in that
 *   cycle is re-checked after delay_before_retry, without being marked.
 * - fast_recovery: while the checker has not run yet, or is down with no url marked failed
 *   (after the failed url recovered), the next url is checked at once instead of after
 *   the delay. keepalived-compat: this includes re-checking a url that fails in that cycle
 *   at once, again and again (keepalived queues an immediate event); each check is still
 *   bounded by connect_timeout.
 */
import { CHECKER_TEXTS, miscLine, miscRetrySuffix } from './checker_text.js';
import type { TimedCheckerType } from './checker_text.js';

/** keepalived's BOOTSTRAP_DELAY (TIMER_HZ): the first run is never before 1 s. */
export const BOOTSTRAP_DELAY_US = 1_000_000;

export interface CheckerParams {
  readonly type: TimedCheckerType;
  /** FMT_CHK / FMT_RS (`[10.0.0.2]:tcp:80`) and FMT_VS, for the log lines. */
  readonly rsText: string;
  readonly vsText: string;
  readonly retry: number;
  readonly delayLoopUs: number;
  readonly delayBeforeRetryUs: number;
  readonly warmupUs: number;
  readonly alpha: boolean;
  /** The checker's `log_all_failures` or the global `checker_log_all_failures`. */
  readonly logAllFailures: boolean;
  /** Connect timeout, or for MISC_CHECK misc_timeout (else the VS delay_loop). */
  readonly probeTimeoutUs: number;
  /** MISC_CHECK `misc_dynamic`. */
  readonly miscDynamic: boolean;
  /** MISC_CHECK: the script's argv[0], as keepalived logs it. */
  readonly miscScript: string;
  /** The real server's configured weight (rs->iweight), for misc_dynamic. */
  readonly rsWeight: number;
  /** HTTP_GET / SSL_GET: the urls, in order (one per probe); absent: one url. */
  readonly httpUrls?: readonly HttpUrlInfo[] | undefined;
  /** HTTP_GET / SSL_GET `fast_recovery`. */
  readonly fastRecovery?: boolean | undefined;
}

/** What the state machine needs of one HTTP url: its path and what passing it proved. */
export interface HttpUrlInfo {
  readonly path: string;
  /** http_handle_response's message: the last check the url has (regex, digest, status). */
  readonly passText: 'HTTP status code' | 'MD5 digest' | 'Regex match';
}

export interface CheckerState {
  readonly params: CheckerParams;
  readonly isUp: boolean;
  readonly hasRun: boolean;
  readonly retryIt: number;
  /** False while ha_suspend suspends the checker. */
  readonly enabled: boolean;
  /** MISC_CHECK misc_dynamic: this checker's contribution to the effective weight. */
  readonly curWeight: number;
  readonly lastExitCode: number;
  /** When the next probe is due; undefined while a probe runs or before start. */
  readonly deadlineUs: number | undefined;
  readonly probing: boolean;
  /** When the current or last probe started (MISC_CHECK schedules from it). */
  readonly lastRanUs: number;
  /** HTTP: the url the next probe checks (keepalived's url_it). */
  readonly urlIndex: number;
  /** HTTP: a url is marked failed (keepalived's failed_url); it is then urlIndex. */
  readonly failedUrl: boolean;
}

export type CheckerEvent =
  /** Schedule the first run; `random` is a draw in [0, 1) (keepalived's random()/RAND_MAX). */
  | { readonly kind: 'start'; readonly random: number }
  /** A deadline may have passed; early calls do nothing. */
  | { readonly kind: 'timer' }
  /**
   * A probe finished. `detail`: for TCP_CHECK `timeout` or anything else (failed); for the
   * other types the message keepalived's checker logs on a failed attempt (SMTP/DNS get
   * their `SMTP_CHECK ` / `DNS_CHECK (rs) ` prefix added here).
   */
  | { readonly kind: 'probe_result'; readonly ok: boolean; readonly detail?: string }
  /** MISC_CHECK: the script exited with this status. */
  | { readonly kind: 'script_exited'; readonly status: number }
  /** MISC_CHECK: the script died from a signal; timedOut when keepalived's kill caused it. */
  | { readonly kind: 'script_killed'; readonly signal: number; readonly timedOut: boolean }
  | { readonly kind: 'set_enabled'; readonly enabled: boolean };

export type CheckerAction =
  /** Run the probe; HTTP_GET/SSL_GET: for url `urlIndex` only. */
  | { readonly kind: 'run_probe'; readonly timeoutUs: number; readonly urlIndex?: number }
  | { readonly kind: 'log'; readonly text: string }
  /**
   * keepalived's update_svr_checker_state(up): the real server layer applies it. wasUp and
   * firstRun are the checker's state before the result; smtpBody is set when the checker
   * would mail (the real server layer adds the rs->smtp_alert and no_checker_emails gates).
   */
  | {
      readonly kind: 'report';
      readonly up: boolean;
      readonly wasUp: boolean;
      readonly firstRun: boolean;
      readonly alpha: boolean;
      readonly smtpBody: string | undefined;
    }
  /**
   * MISC_CHECK misc_dynamic: add delta to the real server's effective weight. apply: via
   * update_svr_wgt (log, kernel edit, quorum); otherwise keepalived only adjusts the value.
   */
  | { readonly kind: 'change_weight'; readonly delta: number; readonly apply: boolean };

export interface CheckerTransition {
  readonly state: CheckerState;
  readonly actions: readonly CheckerAction[];
}

/** The state before `start`: up unless alpha, retry_it = retry (validate_check_config). */
export function initialCheckerState(params: CheckerParams): CheckerState {
  return {
    params,
    isUp: !params.alpha,
    hasRun: false,
    retryIt: params.retry,
    enabled: true,
    curWeight: 0,
    lastExitCode: 0,
    deadlineUs: undefined,
    probing: false,
    lastRanUs: 0,
    urlIndex: 0,
    failedUrl: false,
  };
}

type MutableCheckerState = { -readonly [K in keyof CheckerState]: CheckerState[K] };

/**
 * A copy the transition owns and fills in before returning it (so the state machine stays
 * pure). Every field is written in initialCheckerState's order: all checker states then
 * share one object shape, where chained spreads took V8's slow clone path and left the
 * readers of the states megamorphic: an engine-only micro-benchmark at 5,000 TCP checkers
 * went from 2.65 to under 1 µs per check (bench/RESULTS.md, "Deadline index, one object
 * shape...").
 */
function copyState(s: CheckerState): MutableCheckerState {
  return {
    params: s.params,
    isUp: s.isUp,
    hasRun: s.hasRun,
    retryIt: s.retryIt,
    enabled: s.enabled,
    curWeight: s.curWeight,
    lastExitCode: s.lastExitCode,
    deadlineUs: s.deadlineUs,
    probing: s.probing,
    lastRanUs: s.lastRanUs,
    urlIndex: s.urlIndex,
    failedUrl: s.failedUrl,
  };
}

/** Checker state `s` with another deadline (start, the timer of a suspended checker). */
function withDeadline(s: CheckerState, deadlineUs: number | undefined): CheckerState {
  const n = copyState(s);
  n.deadlineUs = deadlineUs;
  return n;
}

/** Checker state `s` enabled or suspended (ha_suspend). */
export function withEnabled(s: CheckerState, enabled: boolean): CheckerState {
  const n = copyState(s);
  n.enabled = enabled;
  return n;
}

/** Warmup jitter: warmup × random, truncated to whole µs; 0 disables it. */
export function firstRunDelayUs(warmupUs: number, random: number): number {
  const r = Math.min(Math.max(random, 0), 1);
  return BOOTSTRAP_DELAY_US + Math.floor(warmupUs * r);
}

/** Feeds one event to one checker. */
export function checkerStep(s: CheckerState, e: CheckerEvent, nowUs: number): CheckerTransition {
  switch (e.kind) {
    case 'start':
      return { state: withDeadline(s, nowUs + firstRunDelayUs(s.params.warmupUs, e.random)), actions: [] };
    case 'set_enabled':
      return { state: withEnabled(s, e.enabled), actions: [] };
    case 'timer':
      return onTimer(s, nowUs);
    case 'probe_result':
      if (!s.probing) return { state: s, actions: [] };
      if (isHttp(s.params.type)) return onHttpResult(s, e.ok, e.detail, nowUs);
      return s.params.type === 'MISC_CHECK'
        ? onMiscResult(s, e.ok ? { status: 0 } : { signal: 0, timedOut: true }, nowUs)
        : onProbeResult(s, e.ok, e.detail, nowUs);
    case 'script_exited':
      if (!s.probing) return { state: s, actions: [] };
      return onMiscResult(s, { status: e.status }, nowUs);
    case 'script_killed':
      if (!s.probing) return { state: s, actions: [] };
      return onMiscResult(s, { signal: e.signal, timedOut: e.timedOut }, nowUs);
  }
}

function onTimer(s: CheckerState, nowUs: number): CheckerTransition {
  if (s.probing || s.deadlineUs === undefined || nowUs < s.deadlineUs) return { state: s, actions: [] };
  if (!s.enabled) return { state: withDeadline(s, nowUs + s.params.delayLoopUs), actions: [] };
  const run: CheckerAction = isHttp(s.params.type)
    ? { kind: 'run_probe', timeoutUs: s.params.probeTimeoutUs, urlIndex: s.urlIndex }
    : { kind: 'run_probe', timeoutUs: s.params.probeTimeoutUs };
  const n = copyState(s);
  n.deadlineUs = undefined;
  n.probing = true;
  n.lastRanUs = nowUs;
  return { state: n, actions: [run] };
}

function isHttp(type: TimedCheckerType): boolean {
  return type === 'HTTP_GET' || type === 'SSL_GET';
}

/** check_http.c http_handle_response / timeout_epilog / epilog, one url per call. */
function onHttpResult(s: CheckerState, ok: boolean, detail: string | undefined, nowUs: number): CheckerTransition {
  const p = s.params;
  const texts = CHECKER_TEXTS[p.type];
  const urls = p.httpUrls ?? [];
  const urlCount = Math.max(1, urls.length);
  const actions: CheckerAction[] = [];
  const next = copyState(s);
  next.probing = false;
  let delayUs: number;
  if (ok) {
    const url = urls[s.urlIndex];
    if (!s.isUp && url !== undefined) {
      actions.push({ kind: 'log', text: `${url.passText} success to ${p.rsText} url(${url.path})` });
    }
    const last = s.urlIndex + 1 >= urlCount;
    next.retryIt = 0;
    next.urlIndex = last ? 0 : s.urlIndex + 1;
    if (last && !s.failedUrl) {
      if (!s.isUp || !s.hasRun) {
        const line = texts.success?.(p.rsText);
        if (line !== undefined) actions.push({ kind: 'log', text: line });
        actions.push(report(s, true, s.isUp ? undefined : texts.smtpUp));
        next.isUp = true;
        next.hasRun = true;
      }
    } else if (s.failedUrl) {
      // The failed url passes again: check every url from the first.
      next.failedUrl = false;
      next.urlIndex = 0;
    }
    if (!next.hasRun) next.retryIt = p.retry;
    delayUs = p.delayLoopUs;
  } else if (s.isUp || !s.hasRun) {
    if (p.logAllFailures && detail !== undefined) actions.push({ kind: 'log', text: detail });
    next.hasRun = true;
    next.retryIt = s.retryIt + 1;
    if (next.retryIt > p.retry) {
      if (s.isUp) {
        const failed = texts.failed(p.rsText, p.vsText, p.retry, p.retry > 0);
        if (failed !== undefined) actions.push({ kind: 'log', text: failed });
        actions.push(report(s, false, texts.smtpDown(detail)));
        next.isUp = false;
      }
      // keepalived-compat: an alpha checker failing its first url is already down and
      // reports nothing (timeout_epilog sets has_run before epilog tests it).
      next.failedUrl = true;
    }
    delayUs = next.failedUrl ? Math.max(p.delayBeforeRetryUs, p.delayLoopUs) : p.delayBeforeRetryUs;
  } else {
    // A down checker does not retry (REGISTER_CHECKER_FAILED).
    delayUs = s.failedUrl ? Math.max(p.delayBeforeRetryUs, p.delayLoopUs) : p.delayBeforeRetryUs;
  }
  const immediate = p.fastRecovery === true && (!next.hasRun || (!next.isUp && !next.failedUrl));
  next.deadlineUs = nowUs + (immediate ? 0 : delayUs);
  return { state: next, actions };
}

function report(s: CheckerState, up: boolean, smtpBody: string | undefined): CheckerAction {
  return { kind: 'report', up, wasUp: s.isUp, firstRun: !s.hasRun, alpha: s.params.alpha, smtpBody };
}

/** TCP_CHECK alone keeps cycling through its retries while down (tcp_epilog). */
function retriesWhileDown(type: TimedCheckerType): boolean {
  return type === 'TCP_CHECK';
}

/** The wait after a failure that ends a cycle: HTTP waits max(delay_before_retry, delay_loop). */
function failedCycleDelayUs(p: CheckerParams): number {
  const isHttp = p.type === 'HTTP_GET' || p.type === 'SSL_GET';
  return isHttp ? Math.max(p.delayBeforeRetryUs, p.delayLoopUs) : p.delayLoopUs;
}

function onProbeResult(
  s: CheckerState,
  ok: boolean,
  detail: string | undefined,
  nowUs: number,
): CheckerTransition {
  const p = s.params;
  const texts = CHECKER_TEXTS[p.type];
  const actions: CheckerAction[] = [];
  const next = copyState(s);
  next.probing = false;
  next.hasRun = true;
  if (ok) {
    if (!s.isUp || !s.hasRun) {
      const line = texts.success?.(p.rsText);
      if (line !== undefined) actions.push({ kind: 'log', text: line });
      actions.push(report(s, true, s.isUp ? undefined : texts.smtpUp));
    }
    next.isUp = true;
    next.retryIt = 0;
    next.deadlineUs = nowUs + p.delayLoopUs;
    return { state: next, actions };
  }
  const active = s.isUp || !s.hasRun;
  pushAttemptLog(s, detail, actions);
  if (active && s.retryIt < p.retry) {
    next.retryIt = s.retryIt + 1;
    next.deadlineUs = nowUs + p.delayBeforeRetryUs;
    return { state: next, actions };
  }
  if (!active) {
    if (retriesWhileDown(p.type) && s.retryIt < p.retry) {
      next.retryIt = s.retryIt + 1;
      next.deadlineUs = nowUs + p.delayBeforeRetryUs;
      return { state: next, actions };
    }
    next.retryIt = 0;
    next.deadlineUs = nowUs + failedCycleDelayUs(p);
    return { state: next, actions };
  }
  const failed = texts.failed(p.rsText, p.vsText, p.retry, p.retry > 0 && s.hasRun);
  if (failed !== undefined) actions.push({ kind: 'log', text: failed });
  actions.push(report(s, false, s.isUp ? texts.smtpDown(detail) : undefined));
  next.isUp = false;
  next.retryIt = 0;
  next.deadlineUs = nowUs + failedCycleDelayUs(p);
  return { state: next, actions };
}

/** The per-attempt failure lines (log_all_failures, and SMTP/DNS's final message). */
function pushAttemptLog(s: CheckerState, detail: string | undefined, actions: CheckerAction[]): void {
  const p = s.params;
  const active = s.isUp || !s.hasRun;
  const last = s.retryIt >= p.retry;
  let line: string | undefined;
  switch (p.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
    case 'UDP_CHECK':
      if (s.isUp && p.logAllFailures) line = CHECKER_TEXTS[p.type].attemptFailed(p.rsText, detail);
      break;
    case 'HTTP_GET':
    case 'SSL_GET':
      if (active && p.logAllFailures) line = detail;
      break;
    case 'SMTP_CHECK':
      if (active && (p.logAllFailures || last)) line = CHECKER_TEXTS.SMTP_CHECK.attemptFailed(p.rsText, detail);
      break;
    case 'DNS_CHECK':
      if (active && detail !== undefined && (p.logAllFailures || last)) {
        const after = s.hasRun && last ? ` after ${p.retry} retries` : '';
        line = CHECKER_TEXTS.DNS_CHECK.attemptFailed(p.rsText, `${detail}${after}`);
      }
      break;
    case 'MISC_CHECK':
      break;
  }
  if (line !== undefined) actions.push({ kind: 'log', text: line });
}

type MiscOutcome =
  | { readonly status: number }
  | { readonly signal: number; readonly timedOut: boolean };

/**
 * check_misc.c misc_check_child_thread. Exit 0 is success; with misc_dynamic so is 2..255,
 * and the checker's weight becomes status − 2 (cur_weight = status − 2 − iweight, added to
 * the real server's effective weight). A down checker's failures are ignored. The next run
 * is scheduled from when this one started.
 */
function onMiscResult(s: CheckerState, o: MiscOutcome, nowUs: number): CheckerTransition {
  const p = s.params;
  const actions: CheckerAction[] = [];
  const next = copyState(s);
  next.probing = false;
  let exitType: string | undefined;
  let success = false;
  let messageOnly = false;
  let reason: { text: string; code: number } | undefined;
  const active = s.isUp || !s.hasRun;
  if ('status' in o && (o.status === 0 || (p.miscDynamic && o.status >= 2 && o.status <= 255))) {
    if (o.status !== s.lastExitCode) {
      const cur = o.status !== 0 ? o.status - 2 - p.rsWeight : 0;
      actions.push({ kind: 'change_weight', delta: cur - s.curWeight, apply: true });
      next.curWeight = cur;
      next.lastExitCode = o.status;
    }
    if (!s.isUp || !s.hasRun) {
      exitType = 'succeeded';
      success = true;
    }
    next.retryIt = 0;
  } else if (active) {
    if ('status' in o) {
      exitType = 'failed';
      reason = { text: 'exited with status', code: o.status };
    } else {
      exitType = o.timedOut ? 'timed out' : 'failed';
      if (!o.timedOut) reason = { text: 'due to signal', code: o.signal };
    }
    if (s.retryIt < p.retry) {
      next.retryIt = s.retryIt + 1;
      if (p.logAllFailures) messageOnly = true;
      else exitType = undefined;
    } else {
      next.retryIt = 0;
      if ('status' in o) {
        // keepalived-compat: only the exit-status path takes cur_weight back out of the
        // effective weight; after a signal cur_weight is just zeroed below.
        if (s.curWeight !== 0) actions.push({ kind: 'change_weight', delta: -s.curWeight, apply: false });
        next.curWeight = 0;
        next.lastExitCode = o.status;
      }
    }
  }
  if (exitType !== undefined) {
    const suffix = success ? '' : miscRetrySuffix(p.retry, next.retryIt);
    const text = miscLine({ rs: p.rsText, vs: p.vsText, script: p.miscScript }, exitType, suffix, reason);
    actions.push({ kind: 'log', text });
    if (!messageOnly) {
      actions.push(report(s, success, `=> MISC CHECK ${exitType} on service <=`));
      next.isUp = success;
      if (!success) next.curWeight = 0;
    }
  }
  const waitUs = next.retryIt !== 0 ? p.delayBeforeRetryUs : p.delayLoopUs;
  const deadlineUs = Math.max(s.lastRanUs + waitUs, nowUs + 1);
  next.hasRun = true;
  next.deadlineUs = deadlineUs;
  return { state: next, actions };
}
