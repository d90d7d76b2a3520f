/**
 * Small value readers shared by the LVS and checker keywords, worded as keepalived 2.2.7's
 * check_parser.c / check_api.c handlers word their complaints.
 */
import type { ConfigDraft } from '../draft.js';
import { ConfigAbort, type ParseContext } from '../parse_context.js';
import { checkTrueFalse, readTimerUs, readUnsigned } from '../values.js';
import { splitCommandText } from '../script.js';
import type { RawKeyword } from '../model/lvs.js';

export type Ctx = ParseContext<ConfigDraft>;

/** A keyword handler. */
export type Handler = (words: readonly string[], ctx: Ctx) => void;

export const UINT_MAX = 4294967295;
/** IPVS_WEIGHT_LIMIT (INT32_MAX). */
export const IPVS_WEIGHT_LIMIT = 2147483647;
/** TIMER_HZ: keepalived's timers are in µs. */
export const US_PER_S = 1_000_000;

/**
 * A keyword with an optional boolean: no argument means true; an invalid one is reported
 * with `message` (the handler's own wording) and gives undefined.
 */
export function readFlag(ctx: Ctx, words: readonly string[], message: string): boolean | undefined {
  const w = words[1];
  if (w === undefined) return true;
  const b = checkTrueFalse(w);
  if (b === undefined) ctx.report('general_error', 'invalid_bool', `${message} ${w}`);
  return b;
}

/**
 * read_timer(strvec, 1, ...) followed by the handler's own "invalid" message; `maxUs` 0
 * means keepalived's TIMER_MAXIMUM.
 */
export function readTimerOr(
  ctx: Ctx,
  words: readonly string[],
  range: { readonly minUs: number; readonly maxUs: number },
  message: (text: string) => string,
): number | undefined {
  const text = ctx.word(words, 1);
  const us = readTimerUs(ctx, text, range.minUs, range.maxUs);
  if (us === undefined) ctx.report('general_error', 'invalid_timer', message(text));
  return us;
}

/** read_unsigned_strvec(strvec, 1, ...) followed by the handler's own message. */
export function readUnsignedOr(
  ctx: Ctx,
  words: readonly string[],
  range: { readonly min: number; readonly max: number },
  message: (text: string) => string,
): number | undefined {
  const text = ctx.word(words, 1);
  const n = readUnsigned(ctx, text, range.min, range.max);
  if (n === undefined) ctx.report('general_error', 'invalid_number', message(text));
  return n;
}

/** Keeps a recognised-but-not-implemented keyword, and says so. */
export function keepRaw(ctx: Ctx, words: readonly string[], into: RawKeyword[]): void {
  const keyword = words[0] ?? '';
  into.push({ keyword, args: words.slice(1), at: ctx.at });
  ctx.notice(
    'not_implemented',
    `'${keyword}' is recognised but not implemented by keepalived-ts yet - kept, no effect`,
  );
}

/**
 * Where keepalived 2.2.7 dereferences a NULL pointer and dies with SIGSEGV while reading
 * the configuration: `keepalived -t` exits 139. We stop the parse the same way.
 */
export function crashLikeKeepalived(ctx: Ctx, why: string): never {
  const message = `keepalived 2.2.7 crashes (SIGSEGV) on this configuration: ${why}`;
  ctx.report('fatal', 'keepalived_crash', message);
  throw new ConfigAbort(message, 139);
}

/** C's "%s" of a NULL string, as glibc prints it in keepalived's messages. */
export function cString(s: string | undefined): string {
  return s ?? '(null)';
}

/**
 * The current line split with quotes and escapes (keepalived's
 * alloc_strvec_quoted_escaped(NULL)), for the handlers that use the result without checking
 * it (misc_path, regex): when the line cannot be split keepalived reports why and then
 * dereferences the NULL word list.
 */
export function splitLineOrCrash(ctx: Ctx, words: readonly string[]): readonly string[] {
  const raw = ctx.raw !== '' ? ctx.raw : words.join(' ');
  const split = splitCommandText(ctx, raw);
  if (split !== undefined) return split;
  return crashLikeKeepalived(ctx, `'${words[0] ?? ''}' line cannot be split into words`);
}

/** The check timing a virtual server passes down to its real servers and checkers. */
export interface InheritedTiming {
  retry?: number | undefined;
  delayBeforeRetryUs?: number | undefined;
  warmupUs?: number | undefined;
  connectTimeoutUs?: number | undefined;
  delayLoopUs?: number | undefined;
}

/**
 * retry, delay_before_retry, warmup, connect_timeout and delay_loop, the same at
 * virtual-server and real-server level (check_parser.c); only the complaints are worded
 * differently, so each level passes its own.
 */
export function inheritedTimingKeywords<T extends InheritedTiming>(
  on: (apply: (target: T, words: readonly string[], ctx: Ctx) => void) => Handler,
  messages: {
    readonly delayBeforeRetry: (text: string) => string;
    readonly warmup: (text: string) => string;
    readonly connectTimeout: (text: string) => string;
    readonly delayLoop: (text: string) => string;
  },
): { readonly name: string; readonly handler: Handler }[] {
  const timer = (
    name: string,
    range: { readonly minUs: number; readonly maxUs: number },
    message: (text: string) => string,
    set: (target: T, us: number) => void,
  ) => ({
    name,
    handler: on((target, words, ctx) => {
      const us = readTimerOr(ctx, words, range, message);
      if (us !== undefined) set(target, us);
    }),
  });
  return [
    {
      name: 'retry',
      handler: on((target, words, ctx) => {
        const r = readUnsignedOr(ctx, words, { min: 1, max: UINT_MAX }, (t) => `retry value invalid - ${t}`);
        if (r !== undefined) target.retry = r;
      }),
    },
    timer('delay_before_retry', { minUs: 0, maxUs: 0 }, messages.delayBeforeRetry, (t, us) => {
      t.delayBeforeRetryUs = us;
    }),
    timer('warmup', { minUs: 0, maxUs: 0 }, messages.warmup, (t, us) => {
      t.warmupUs = us;
    }),
    timer('connect_timeout', { minUs: 1, maxUs: UINT_MAX }, messages.connectTimeout, (t, us) => {
      t.connectTimeoutUs = us;
    }),
    timer('delay_loop', { minUs: 1, maxUs: 0 }, messages.delayLoop, (t, us) => {
      t.delayLoopUs = us;
    }),
  ];
}
