/**
 * Small helpers shared by the global_defs and VRRP keyword handlers: keepalived's
 * "optional boolean" idiom with a handler-specific message, and keeping P2 keywords raw.
 */
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { RawKeyword } from '../model/vrrp.js';
import { checkTrueFalse } from '../values.js';

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

/**
 * Records a keyword keepalived-ts recognises but does not model, and says so (a notice:
 * keepalived accepts it, so `-t` must not fail).
 */
export function keepRaw(ctx: Ctx, into: RawKeyword[], words: readonly string[]): void {
  const keyword = words[0] ?? '';
  into.push({ keyword, args: words.slice(1), at: ctx.at });
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
