/**
 * Small helpers shared by the global_defs and VRRP keyword handlers: keepalived's
 * "optional boolean" idiom with a handler-specific message, and keeping P2 keywords raw.
 */
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { RawKeyword } from '../model/vrrp.js';
import { checkTrueFalse, readDecimal } from '../values.js';

export type Ctx = ParseContext<ConfigDraft>;
export type Handler = (words: readonly string[], ctx: Ctx) => void;
export type KeywordDef = Keyword<ConfigDraft>;

/**
 * `KEYWORD [BOOL]`: no argument means true. An invalid argument is reported with the
 * handler's own keepalived message and gives undefined (the caller keeps its value).
 */
export function optionalBool(
  ctx: Ctx,
  words: readonly string[],
  invalidMessage: (word: string) => string,
): boolean | undefined {
  const w = words[1];
  if (w === undefined) return true;
  const b = checkTrueFalse(w);
  if (b === undefined) ctx.report('general_error', 'invalid_bool', invalidMessage(w));
  return b;
}

/** Raw keywords the daemon reads from the raw list and applies (daemon/vrrp_daemon.ts). */
const RAW_BUT_HONOURED: ReadonlySet<string> = new Set(['vrrp_rt_priority', 'vrrp_priority']);

/**
 * Records a keyword keepalived-ts recognises but does not model, and says so (a notice:
 * keepalived accepts it, so `-t` must not fail).
 */
export function keepRaw(ctx: Ctx, into: RawKeyword[], words: readonly string[]): void {
  const keyword = words[0] ?? '';
  into.push({ keyword, args: words.slice(1), at: ctx.at });
  if (RAW_BUT_HONOURED.has(keyword)) return;
  ctx.notice(
    'not_implemented',
    `'${keyword}' is recognised but not implemented by keepalived-ts yet - ignoring it`,
  );
}

/** A keyword whose handler only keeps it raw on `into(ctx)` (after optional checks). */
export function rawKeyword(
  name: string,
  into: (ctx: Ctx) => RawKeyword[],
  check?: Handler,
): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      check?.(words, ctx);
      keepRaw(ctx, into(ctx), words);
    },
  };
}

/** `words[1]` or undefined. */
export function arg(words: readonly string[], index = 1): string | undefined {
  return words[index];
}

/** An interface name as the kernel accepts it (IFNAMSIZ 16 including the NUL). */
export const IFNAMSIZ = 16;

/**
 * keepalived's read_decimal_unsigned(..., ignore_error = true): like readDecimal(), but
 * after reporting a malformed number it still returns the value strtoull() made of it
 * when that is in range (keepalived does not apply its `-t` rule to decimals), e.g.
 * `garp_interval x` is reported and then means 0.
 */
export function readDecimalLenient(
  ctx: Ctx,
  text: string,
  options: { readonly min: number; readonly max: number; readonly shift: number },
): number | undefined {
  const v = readDecimal(ctx, text, options);
  if (v !== undefined || text.startsWith('-')) return v;
  const dot = text.indexOf('.');
  let frac = dot >= 0 ? text.slice(dot + 1) : '';
  const roundUp = frac.length > options.shift && (frac[options.shift] ?? '0') >= '5';
  frac = frac.slice(0, options.shift);
  const digits = (dot >= 0 ? text.slice(0, dot) : text) + frac + '0'.repeat(
    options.shift - frac.length,
  );
  const m = /^[ \t\f\n\r\v]*\+?([0-9]+)/.exec(digits);
  const kv = (m === null ? 0 : Number(m[1])) + (roundUp ? 1 : 0);
  return kv >= options.min && kv <= options.max ? kv : undefined;
}
