/**
 * What every checker block shares (keepalived 2.2.7 check/check_api.c): queueing a new
 * checker on the real server being read, the connection keywords (`connect_ip`,
 * `connect_port`, `bindto`, `bind_port`, `bind_if`, `connect_timeout`, `fwmark`) and the
 * timing keywords (`retry`, `delay_before_retry`, `warmup`, `delay_loop`, `alpha`,
 * `log_all_failures`).
 *
 * keepalived-compat: like keepalived, these keywords act on the *last queued* checker
 * (CHECKER_GET_CURRENT), which after a checker was dropped mid-block is the previous one.
 */
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { isIpv6LinkLocal, parseIpv6 } from '../../lib/ip.js';
import { readTimerUs, readUnsigned } from '../values.js';
import {
  currentChecker,
  currentRealServer,
  dequeueChecker,
  type CheckerDraft,
  type CheckerSpecDraft,
  type ConnectionDraft,
} from './lvs_draft.js';
import { parseBareAddress } from './lvs_address.js';
import { readFlag, UINT_MAX, US_PER_S, type Ctx, type Handler } from './lvs_values.js';

type K = Keyword<ConfigDraft>;

/** IFNAMSIZ - 1. */
const IFNAME_MAX = 15;

export interface QueueOptions {
  readonly withConnection: boolean;
  /** BFD_CHECK has no timer (keepalived's checker->launch is NULL). */
  readonly timed?: boolean;
  readonly defaultRetry?: number;
  readonly defaultDelayBeforeRetryUs?: number;
}

/** A connection aimed at the real server as it is now (queue_checker copies rs->addr). */
export function connectionToRealServer(ctx: Ctx): ConnectionDraft {
  const rs = currentRealServer(ctx.state.lvs);
  return {
    destination:
      rs === undefined ? undefined : { family: rs.address.family, address: rs.address.address },
    destinationPort: rs?.address.port ?? 0,
    bindTo: undefined,
    bindPort: 0,
    bindInterface: undefined,
    fwmark: 0,
    connectTimeoutUs: undefined,
  };
}

/** check_api.c queue_checker(). */
export function queueChecker(
  ctx: Ctx,
  spec: CheckerSpecDraft,
  options: QueueOptions,
): CheckerDraft | undefined {
  const lvs = ctx.state.lvs;
  const rs = currentRealServer(lvs);
  if (rs === undefined) return undefined;
  const checker: CheckerDraft = {
    at: ctx.at,
    seq: lvs.nextSeq++,
    rs,
    alpha: undefined,
    delayLoopUs: undefined,
    warmupUs: undefined,
    retry: undefined,
    delayBeforeRetryUs: undefined,
    logAllFailures: false,
    defaultRetry: options.defaultRetry ?? 1,
    defaultDelayBeforeRetryUs: options.defaultDelayBeforeRetryUs ?? US_PER_S,
    timed: options.timed ?? true,
    connection: options.withConnection ? connectionToRealServer(ctx) : undefined,
    spec,
  };
  lvs.checkerQueue.push(checker);
  rs.checkers.push(checker);
  return checker;
}

/** check_api.c check_conn_opts(): an IPv6 link-local target needs `bind_if`. */
export function connectionUsable(ctx: Ctx, conn: ConnectionDraft): boolean {
  const dst = conn.destination;
  if (dst === undefined || dst.family !== 6 || conn.bindInterface !== undefined) return true;
  const ip = parseIpv6(dst.address);
  if (ip === undefined || !isIpv6LinkLocal(ip)) return true;
  ctx.report(
    'general_error',
    'checker_link_local',
    `Checker link local address ${dst.address} requires a bind_if`,
  );
  return false;
}

type ConnectionApply = (conn: ConnectionDraft, words: readonly string[], ctx: Ctx) => void;
type CheckerApply = (checker: CheckerDraft, words: readonly string[], ctx: Ctx) => void;

function onConnection(apply: ConnectionApply): Handler {
  return (words, ctx) => {
    const conn = currentChecker(ctx.state.lvs)?.connection;
    if (conn !== undefined) apply(conn, words, ctx);
  };
}

function onChecker(apply: CheckerApply): Handler {
  return (words, ctx) => {
    const checker = currentChecker(ctx.state.lvs);
    if (checker !== undefined) apply(checker, words, ctx);
  };
}

/**
 * `connect_ip` / `bindto`: keepalived's inet_stosockaddr() leaves the address without a
 * family when the text is invalid, and a family clash with the other end does the same.
 */
function connectIp(conn: ConnectionDraft, words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const parsed = parseBareAddress(text);
  conn.destination = parsed;
  if (parsed === undefined) {
    ctx.report(
      'general_error',
      'checker_connect_ip',
      `Invalid connect_ip address ${text} - ignoring`,
    );
  } else if (conn.bindTo !== undefined && conn.bindTo.family !== parsed.family) {
    ctx.report(
      'general_error',
      'checker_family_mismatch',
      `connect_ip address ${text} does not match address family of bindto - skipping`,
    );
    conn.destination = undefined;
  }
}

function bindTo(conn: ConnectionDraft, words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const parsed = parseBareAddress(text);
  conn.bindTo = parsed;
  if (parsed === undefined) {
    ctx.report('general_error', 'checker_bindto', `Invalid bindto address ${text} - ignoring`);
  } else if (conn.destination !== undefined && conn.destination.family !== parsed.family) {
    ctx.report(
      'general_error',
      'checker_family_mismatch',
      `bindto address ${text} does not match address family of connect_ip - skipping`,
    );
    conn.bindTo = undefined;
  }
}

function portKeyword(which: 'destinationPort' | 'bindPort', what: string): Handler {
  return onConnection((conn, words, ctx) => {
    const text = ctx.word(words, 1);
    const port = readUnsigned(ctx, text, 1, 65535);
    if (port === undefined) {
      ctx.report('general_error', 'checker_port', `Invalid checker ${what} '${text}'`);
      return;
    }
    conn[which] = port;
  });
}

const connectionKeywords: readonly K[] = [
  { name: 'connect_ip', handler: onConnection(connectIp) },
  { name: 'connect_port', handler: portKeyword('destinationPort', 'connect_port') },
  { name: 'bindto', handler: onConnection(bindTo) },
  { name: 'bind_port', handler: portKeyword('bindPort', 'bind_port') },
  {
    name: 'bind_if',
    handler: onConnection((conn, words, ctx) => {
      const name = ctx.word(words, 1);
      if (name.length > IFNAME_MAX) {
        ctx.report(
          'general_error',
          'checker_bind_if',
          `Interface name ${name} is too long - ignoring`,
        );
        return;
      }
      conn.bindInterface = name;
    }),
  },
  {
    name: 'connect_timeout',
    handler: onConnection((conn, words, ctx) => {
      const text = ctx.word(words, 1);
      const us = readTimerUs(ctx, text, 1, UINT_MAX);
      if (us === undefined) {
        ctx.report(
          'general_error',
          'checker_timeout',
          `connect_timeout ${text} invalid - ignoring`,
        );
        return;
      }
      conn.connectTimeoutUs = us;
    }),
  },
  {
    name: 'fwmark',
    handler: onConnection((conn, words, ctx) => {
      const text = ctx.word(words, 1);
      const mark = readUnsigned(ctx, text, 0, UINT_MAX);
      if (mark === undefined) {
        ctx.report('general_error', 'checker_fwmark', `Invalid fwmark connection value '${text}'`);
        return;
      }
      conn.fwmark = mark;
    }),
  },
];

function timerKeyword(
  field: 'delayBeforeRetryUs' | 'warmupUs' | 'delayLoopUs',
  minUs: number,
  message: (text: string) => string,
): Handler {
  return onChecker((checker, words, ctx) => {
    const text = ctx.word(words, 1);
    const us = readTimerUs(ctx, text, minUs, 0);
    if (us === undefined) {
      ctx.report('general_error', 'checker_timer', message(text));
      return;
    }
    checker[field] = us;
  });
}

const timingKeywords: readonly K[] = [
  {
    name: 'retry',
    handler: onChecker((checker, words, ctx) => {
      const text = ctx.word(words, 1);
      const retry = readUnsigned(ctx, text, 0, UINT_MAX);
      if (retry === undefined) {
        ctx.report('general_error', 'checker_retry', `Invalid retry connection value '${text}'`);
        return;
      }
      checker.retry = retry;
    }),
  },
  {
    name: 'delay_before_retry',
    handler: timerKeyword('delayBeforeRetryUs', 0, (t) =>
      `Invalid delay_before_retry connection value '${t}'`,
    ),
  },
  {
    name: 'warmup',
    handler: timerKeyword('warmupUs', 0, (t) => `Invalid warmup connection value '${t}'`),
  },
  {
    name: 'delay_loop',
    handler: timerKeyword('delayLoopUs', 1, (t) => `delay_loop '${t}' is invalid - ignoring`),
  },
  {
    name: 'alpha',
    handler: onChecker((checker, words, ctx) => {
      const b = readFlag(ctx, words, 'Invalid alpha parameter');
      if (b !== undefined) checker.alpha = b;
    }),
  },
  {
    name: 'log_all_failures',
    handler: onChecker((checker, words, ctx) => {
      const b = readFlag(ctx, words, 'Invalid log_all_failures parameter');
      if (b !== undefined) checker.logAllFailures = b;
    }),
  },
];

/** check_api.c install_checker_common_keywords(). */
export function commonCheckerKeywords(withConnection: boolean): readonly K[] {
  return withConnection ? [...connectionKeywords, ...timingKeywords] : timingKeywords;
}

/** End of a checker block that only needs check_conn_opts (TCP_CHECK, PING_CHECK, ...). */
export function dropIfConnectionUnusable(ctx: Ctx): boolean {
  const lvs = ctx.state.lvs;
  const checker = currentChecker(lvs);
  if (checker?.connection === undefined) return false;
  if (connectionUsable(ctx, checker.connection)) return false;
  dequeueChecker(lvs);
  return true;
}
