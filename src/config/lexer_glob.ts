/**
 * Pattern helpers for `include`: glibc's GLOB_BRACE expansion, glob(3) wildcard matching of
 * one path segment (shared by the real and the in-memory FileSource), and the small path
 * functions the lexer needs (it must not import node:path).
 *
 * keepalived-compat: keepalived 2.2.7 calls glob(3) with GLOB_MARK | GLOB_BRACE. glibc expands
 * the first well-formed `{...}` and globs every alternative on its own (recursively, so later
 * and nested braces expand too), appending the results alternative by alternative: `{b,a}`
 * gives b's matches before a's, `{a,a}` gives a twice. A malformed brace switches brace
 * expansion off for that pattern, which is then taken literally.
 */

/** At most this many alternatives come out of one brace expansion. */
export const MAX_BRACE_ALTERNATIVES = 1024;

/** Index of the first `{` not escaped by a backslash, or -1. */
function firstOpenBrace(pattern: string): number {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      i++;
      continue;
    }
    if (c === '{') return i;
  }
  return -1;
}

/**
 * glibc next_brace_sub(): from `start`, the index of the `,` or `}` that ends the current
 * alternative at depth 0, or -1 when the brace is never closed.
 */
function nextBraceSub(pattern: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      if (i >= pattern.length) break;
      i++;
      continue;
    }
    if (c === '}') {
      if (depth === 0) return i;
      depth--;
    } else if (c === ',' && depth === 0) {
      return i;
    }
    if (c === '{') depth++;
    i++;
  }
  return -1;
}

/** The alternatives of the first brace of `pattern`, or undefined when it has none (or a bad one). */
function splitFirstBrace(pattern: string): string[] | undefined {
  const begin = firstOpenBrace(pattern);
  if (begin < 0) return undefined;
  const firstEnd = nextBraceSub(pattern, begin + 1);
  if (firstEnd < 0) return undefined;
  let rest = firstEnd;
  while (pattern[rest] !== '}') {
    rest = nextBraceSub(pattern, rest + 1);
    if (rest < 0) return undefined;
  }
  const prefix = pattern.slice(0, begin);
  const suffix = pattern.slice(rest + 1);
  const out: string[] = [];
  let p = begin + 1;
  let next = firstEnd;
  for (;;) {
    out.push(prefix + pattern.slice(p, next) + suffix);
    if (pattern[next] === '}') break;
    p = next + 1;
    next = nextBraceSub(pattern, p);
    if (next < 0) break; // cannot happen: the expression was checked above
  }
  return out;
}

/**
 * Expands `{a,b}` braces as glibc's glob(GLOB_BRACE) does, in glibc's order.
 * Returns undefined when the expansion would give more than `limit` patterns.
 *
 * @example expandBraces('/etc/{a,b}.conf') // ['/etc/a.conf', '/etc/b.conf']
 */
export function expandBraces(pattern: string, limit: number = MAX_BRACE_ALTERNATIVES): string[] | undefined {
  const out: string[] = [];
  // Depth-first with an explicit stack (no recursion), alternatives pushed in reverse order.
  const stack: string[] = [pattern];
  let work = 0;
  while (stack.length > 0) {
    const p = stack.pop() as string;
    if (++work > limit * 16) return undefined;
    const alts = splitFirstBrace(p);
    if (alts === undefined) {
      out.push(p);
      if (out.length > limit) return undefined;
      continue;
    }
    if (stack.length + alts.length > limit * 4) return undefined;
    for (let i = alts.length - 1; i >= 0; i--) stack.push(alts[i] as string);
  }
  return out;
}

/** keepalived's have_brace(): does the pattern contain an unescaped `{`? */
export function hasBrace(pattern: string): boolean {
  return firstOpenBrace(pattern) >= 0;
}

/**
 * glibc __glob_pattern_p(): `*` or `?` unescaped, or an unescaped `[` later closed by `]`.
 */
export function hasGlobMagic(pattern: string): boolean {
  let bracket = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '*' || c === '?') return true;
    if (c === '[') bracket = true;
    else if (c === ']' && bracket) return true;
  }
  return false;
}

/** Backslash-escapes the glob metacharacters of a literal path. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[\\*?[\]{}]/g, (c) => `\\${c}`);
}

/** Removes glob backslash escapes from a pattern without magic. */
export function unescapeGlob(pattern: string): string {
  if (!pattern.includes('\\')) return pattern;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      out += pattern[i + 1] as string;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** Splits a glob pattern into `/`-separated segments (empty segments dropped). */
export function splitGlobSegments(pattern: string): string[] {
  return pattern.split('/').filter((s) => s.length > 0);
}

type CharTest = (c: string) => boolean;

type Token =
  | { readonly kind: 'literal'; readonly ch: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'star' }
  | { readonly kind: 'set'; readonly test: CharTest };

const CLASSES: Readonly<Record<string, RegExp>> = {
  alnum: /[A-Za-z0-9]/,
  alpha: /[A-Za-z]/,
  blank: /[ \t]/,
  cntrl: /[\x00-\x1f\x7f]/,
  digit: /[0-9]/,
  graph: /[\x21-\x7e]/,
  lower: /[a-z]/,
  print: /[\x20-\x7e]/,
  punct: /[!-/:-@[-`{-~]/,
  space: /[ \t\n\v\f\r]/,
  upper: /[A-Z]/,
  xdigit: /[0-9A-Fa-f]/,
};

/** Parses `[...]` at `start` (the `[`); returns the token and the index after `]`, or undefined. */
function parseBracket(seg: string, start: number): { token: Token; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (seg[i] === '!' || seg[i] === '^') {
    negate = true;
    i++;
  }
  const tests: CharTest[] = [];
  let first = true;
  while (i < seg.length) {
    let c = seg[i] as string;
    if (c === ']' && !first) {
      const set = tests.slice();
      const token: Token = {
        kind: 'set',
        test: (ch) => set.some((t) => t(ch)) !== negate,
      };
      return { token, end: i + 1 };
    }
    first = false;
    if (c === '[' && seg[i + 1] === ':') {
      const close = seg.indexOf(':]', i + 2);
      if (close > 0) {
        const re = CLASSES[seg.slice(i + 2, close)];
        if (re !== undefined) {
          tests.push((ch) => re.test(ch));
          i = close + 2;
          continue;
        }
      }
    }
    if (c === '\\' && i + 1 < seg.length) {
      i++;
      c = seg[i] as string;
    }
    if (seg[i + 1] === '-' && i + 2 < seg.length && seg[i + 2] !== ']') {
      let hi = seg[i + 2] as string;
      let next = i + 3;
      if (hi === '\\' && i + 3 < seg.length) {
        hi = seg[i + 3] as string;
        next = i + 4;
      }
      const lo = c;
      tests.push((ch) => ch >= lo && ch <= hi);
      i = next;
      continue;
    }
    const lit = c;
    tests.push((ch) => ch === lit);
    i++;
  }
  return undefined;
}

function tokenize(seg: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '\\' && i + 1 < seg.length) {
      tokens.push({ kind: 'literal', ch: seg[i + 1] as string });
      i++;
    } else if (c === '*') {
      tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '[') {
      const b = parseBracket(seg, i);
      if (b === undefined) {
        tokens.push({ kind: 'literal', ch: '[' });
      } else {
        tokens.push(b.token);
        i = b.end - 1;
      }
    } else {
      tokens.push({ kind: 'literal', ch: c });
    }
  }
  return tokens;
}

/** A compiled glob(3) pattern for one path segment. */
export interface SegmentMatcher {
  /** True when `name` (one directory entry) matches. */
  matches(name: string): boolean;
  /** True when the pattern starts with a literal `.` (so it may match hidden entries, `.` and `..`). */
  readonly matchesHidden: boolean;
}

/**
 * Compiles one path segment of a glob(3) pattern: `*`, `?`, `[...]` (with `!`/`^`, ranges,
 * `[:class:]`) and backslash escapes. As glob(3) without GLOB_PERIOD, a leading `.` of a name
 * is only matched by a literal leading `.` in the pattern.
 */
export function compileGlobSegment(seg: string): SegmentMatcher {
  const tokens = tokenize(seg);
  const firstTok = tokens[0];
  const matchesHidden = firstTok !== undefined && firstTok.kind === 'literal' && firstTok.ch === '.';
  return {
    matchesHidden,
    matches(name: string): boolean {
      if (name.startsWith('.') && !matchesHidden) return false;
      // Iterative wildcard matching with backtracking to the last `*`.
      let t = 0;
      let n = 0;
      let starT = -1;
      let starN = 0;
      while (n < name.length) {
        const tok = tokens[t];
        if (tok !== undefined && tok.kind !== 'star') {
          const ch = name[n] as string;
          const ok = tok.kind === 'any' || (tok.kind === 'literal' ? tok.ch === ch : tok.test(ch));
          if (ok) {
            t++;
            n++;
            continue;
          }
        } else if (tok !== undefined) {
          starT = t++;
          starN = n;
          continue;
        }
        if (starT < 0) return false;
        t = starT + 1;
        n = ++starN;
      }
      while (t < tokens.length && (tokens[t] as Token).kind === 'star') t++;
      return t === tokens.length;
    },
  };
}

/** The directory part of an absolute path (`/` for top-level entries). */
export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  if (i <= 0) return '/';
  return path.slice(0, i);
}

/**
 * Lexically tidies an absolute path: collapses `//` and `/./`, drops a trailing `/`.
 * `..` is kept on purpose: the file system resolves it (through symlinks), as keepalived's
 * chdir() into the including file's directory does.
 */
export function tidyPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}

/** Joins a directory and a relative path. */
export function joinPath(dir: string, rel: string): string {
  return dir.endsWith('/') ? `${dir}${rel}` : `${dir}/${rel}`;
}
