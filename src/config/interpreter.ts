/**
 * The keyword interpreter: walks the lexer's lines through nested keyword tables, calling
 * handlers. Behaves like keepalived 2.2.7's process_stream() (lib/parser.c), including its
 * less obvious rules, because `keepalived -t` verdicts depend on them:
 * - an unknown keyword is reported and *only that line* is skipped: the lines of its block
 *   are then read as keywords of the current level, and its `}` closes the current block;
 * - a `{` is expected on the line after a keyword that has a sub-table; if missing, the
 *   line is processed as the first keyword of the sub-level ("Missing '{' ...");
 * - a handler may ask to skip its block (skipBlock), e.g. a duplicate instance name.
 * Recursion depth is bounded by the depth of the keyword tables, not by the input.
 */
import type { ParseContext } from './parse_context.js';

export interface Keyword<S> {
  /** The keyword as written in keepalived.conf (case-sensitive, like keepalived's strcmp). */
  readonly name: string;
  /** Called with the line's words (words[0] is the keyword). */
  readonly handler?: (words: readonly string[], ctx: ParseContext<S>) => void;
  /** Keywords of the block that follows, if this keyword opens one. */
  readonly sub?: KeywordTable<S>;
  /** Called when the block closes (keepalived's sub_close_handler). */
  readonly onClose?: (ctx: ParseContext<S>) => void;
}

/** Keywords by name; the first definition of a name wins, as keepalived's linear search. */
export type KeywordTable<S> = ReadonlyMap<string, Keyword<S>>;

/** Builds a table from keyword definitions (later duplicates are ignored). */
export function keywordTable<S>(keywords: readonly Keyword<S>[]): KeywordTable<S> {
  const table = new Map<string, Keyword<S>>();
  for (const k of keywords) if (!table.has(k.name)) table.set(k.name, k);
  return table;
}

/** Merges tables; earlier tables win on duplicate names. */
export function mergeTables<S>(...tables: readonly KeywordTable<S>[]): KeywordTable<S> {
  const merged = new Map<string, Keyword<S>>();
  for (const t of tables) for (const [n, k] of t) if (!merged.has(n)) merged.set(n, k);
  return merged;
}

const BOB = '{';
const EOB = '}';

/**
 * Runs the whole stream through `root`. Returns when the input ends. Handler aborts
 * (ConfigAbort) propagate to the caller.
 */
export function interpret<S>(root: KeywordTable<S>, ctx: ParseContext<S>): void {
  processLevel(root, ctx, 0, false);
}

/**
 * One keyword level. Returns true when the level ended because a skipped block closed at
 * the outer level (keepalived's ret_err: the close handler must not run).
 */
function processLevel<S>(
  table: KeywordTable<S>,
  ctx: ParseContext<S>,
  level: number,
  needBobAtStart: boolean,
): boolean {
  let needBob = needBobAtStart;
  for (;;) {
    const line = ctx.nextLine();
    if (line === undefined) return false;
    const words = line.words;
    const first = words[0];
    if (first === undefined) continue;

    if (ctx.skipSublevel === -1) {
      // The skipped keyword's '{' did not come on its own line yet.
      if (first === BOB) {
        ctx.skipSublevel = 1;
        needBob = false;
        continue;
      }
      // The skipped keyword has no block after all.
      ctx.skipSublevel = 0;
    }
    if (ctx.skipSublevel > 0) {
      let last = first;
      for (const w of words) {
        last = w;
        if (w === BOB) ctx.skipSublevel++;
        else if (w === EOB && --ctx.skipSublevel === 0) break;
      }
      if (last === EOB && ctx.skipSublevel === 0 && level > 0) return true;
      continue;
    }

    if (needBob) {
      needBob = false;
      if (first === BOB && level > 0) continue;
      ctx.report('missing_bob', 'missing_bob', "Missing '{' at beginning of configuration block");
    } else if (first === BOB) {
      ctx.report('unexpected_bob', 'unexpected_bob', "Unexpected '{' - ignoring");
      continue;
    }

    if (first === EOB && level > 0) return false;

    const keyword = table.get(first);
    if (keyword === undefined) {
      ctx.report('unknown_keyword', 'unknown_keyword', `Unknown keyword '${first}'`);
      continue;
    }
    let handlerWords = words;
    let bobNeeded = false;
    if (keyword.sub !== undefined) {
      // keepalived-compat: a trailing '{' on the keyword line is removed (only reachable
      // through a quoted "{", since the lexer cuts braces onto lines of their own).
      if (words[words.length - 1] === BOB) handlerWords = words.slice(0, -1);
      else bobNeeded = true;
    }
    keyword.handler?.(handlerWords, ctx);
    if (keyword.sub !== undefined) {
      const skipped = processLevel(keyword.sub, ctx, level + 1, bobNeeded);
      if (!skipped) keyword.onClose?.(ctx);
    }
  }
}
