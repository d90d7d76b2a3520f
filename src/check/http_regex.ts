/**
 * HTTP_GET / SSL_GET `regex`: keepalived 2.2.7 matches a PCRE2 pattern against the response
 * body; here the pattern is translated into a JavaScript RegExp with PCRE2's meaning and
 * the body is searched as it streams, in bounded memory. Pure: the shell decodes each
 * received chunk as latin1 (one char per byte, so offsets are byte offsets as in PCRE2's
 * 8-bit library) and feeds it to a BodyRegexMatcher.
 *
 * keepalived semantics followed (check_http.c check_regex, http_handle_response, url_check;
 * keepalived.conf(5)):
 * - The url passes when (a match was found) != regex_no_match; an empty body never matches.
 *   The status code is checked first, then the digest, then the regex: all must pass.
 * - A match counts only when it starts at an offset in [regex_min_offset, regex_max_offset]
 *   (keepalived stores the max as one past the last acceptable start, as our model does).
 * - The whole received body is searched (Content-Length only limits the digest).
 * - Patterns are byte patterns (PCRE2 without PCRE2_UTF): a non-ASCII character of the
 *   configuration is matched as its UTF-8 bytes.
 *
 * Streaming. keepalived searches each received buffer (at most 4095 bytes) with
 * PCRE2_PARTIAL_HARD; after a partial match at the end of a buffer it keeps the bytes from
 * the partial match's start (minus the pattern's maximum lookbehind) and searches again
 * when more data has come, and it drops a partial match that would need more than its
 * 4095-byte buffer ("Regex partial match preserve too large - discarding"). So keepalived
 * finds matches up to about 4 KiB long wherever they fall across reads. JavaScript has no
 * partial matching; the equivalent here is a sliding window: a start position is decided
 * only once `windowBytes` (default 4096) bytes after it have arrived (or the body ended),
 * and `windowBytes` bytes before the next undecided position are kept for lookbehind. The
 * verdict is therefore exactly that of matching the whole body whenever everything the
 * regex examines for a match starting at s lies in [s − windowBytes, s + windowBytes);
 * longer matches may be missed, as keepalived misses those longer than its buffer.
 * Memory: at most 3 × windowBytes + one fed chunk; each byte is scanned about 3 times.
 *
 * Deliberate difference: keepalived's first searched buffer also holds the response header
 * when body bytes arrived in the same read as the end of the header (so the pattern may
 * match header text and offsets then count from the status line); that depends on how
 * the server's writes were segmented, so here the subject is always the body alone and
 * offsets count from its first byte, as keepalived.conf(5) describes ("returned data").
 */

/** keepalived's read buffer (MAX_BUFFER_LENGTH − 1 for the NUL): the default window. */
export const DEFAULT_REGEX_WINDOW_BYTES = 4096;

/** The PCRE2 options keepalived 2.2.7 accepts in `regex_options` (check_http.c regex_options). */
export const PCRE2_OPTION_NAMES: readonly string[] = [
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall',
  'dupnames', 'extended', 'firstline', 'match_unset_backref', 'multiline', 'never_ucp',
  'never_utf', 'no_auto_capture', 'no_auto_possess', 'no_dotstar_anchor', 'no_start_optimize',
  'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex', 'alt_verbnames',
  'use_offset_limit',
];

/**
 * How each option is carried out. 'exact': same verdict as PCRE2. Others: the text logged
 * once at start, saying how the option is treated.
 */
export function optionTreatment(option: string): 'exact' | string {
  switch (option) {
    case 'dotall':
    case 'dollar_endonly':
    case 'multiline':
    case 'extended':
    case 'firstline':
    case 'allow_empty_class':
    case 'alt_circumflex':
      return 'exact';
    // Only how a match is found or reported changes, never whether one exists or where
    // the leftmost one starts, which is all a health check looks at.
    case 'ungreedy':
    case 'no_auto_possess':
    case 'no_dotstar_anchor':
    case 'no_start_optimize':
    case 'auto_callout': // keepalived sets no callout function
    case 'never_ucp':
    case 'never_utf':
    case 'never_backslash_c': // \C is rejected anyway
    case 'use_offset_limit': // keepalived sets no offset limit
    case 'alt_verbnames': // verbs are rejected anyway
      return 'exact';
    case 'caseless':
      return 'mapped to the RegExp i flag: exact for ASCII; a pattern containing bytes >= 0x80 ' +
        'also folds Latin-1 letters (0xC0-0xDE with 0xE0-0xFE), which PCRE2 does not';
    case 'no_auto_capture':
      return 'ignored: it only changes which groups capture (a numbered back-reference ' +
        'keeps JavaScript meaning)';
    case 'match_unset_backref':
      return 'ignored: a back-reference to an unset group always matches empty in JavaScript ' +
        '(PCRE2 without this option fails it)';
    case 'dupnames':
      return 'ignored: duplicate group names are rejected by JavaScript (the regex then fails)';
    case 'alt_bsux':
      return 'ignored: \\u, \\U, \\l, \\L are rejected as unsupported escapes';
    case 'utf':
    case 'ucp':
      return 'not supported: the body is matched as bytes (as without the option); ASCII ' +
        'patterns agree unless `.`, a class or \\w must match one multi-byte character';
    default:
      return 'unknown option, ignored';
  }
}

export interface RegexSpec {
  readonly pattern: string;
  readonly options: readonly string[];
}

export type CompiledRegex =
  | { readonly ok: true; readonly regexp: RegExp; readonly source: string; readonly notes: readonly string[] }
  | { readonly ok: false; readonly error: string; readonly notes: readonly string[] };

/** The pattern's bytes (UTF-8 of the configured text) as a latin1 string. */
export function patternBytes(pattern: string): string {
  const bytes = new TextEncoder().encode(pattern);
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

class Unsupported extends Error {}

/** A set of bytes (what a class or a class escape stands for in non-UTF PCRE2). */
type ByteSet = boolean[];

function emptySet(): ByteSet {
  return new Array<boolean>(256).fill(false);
}

function addRange(set: ByteSet, lo: number, hi: number): void {
  for (let c = lo; c <= hi; c++) set[c] = true;
}

function setOf(chars: string): ByteSet {
  const s = emptySet();
  for (const ch of chars) s[ch.charCodeAt(0)] = true;
  return s;
}

function complement(set: ByteSet): ByteSet {
  return set.map((b) => !b);
}

function hex2(c: number): string {
  return `\\x${c.toString(16).padStart(2, '0')}`;
}

/** A JS class with exactly these bytes (no class-specific escapes left to interpret). */
function emitSet(set: ByteSet): string {
  let out = '';
  let c = 0;
  while (c < 256) {
    if (!set[c]) {
      c++;
      continue;
    }
    let end = c;
    while (end + 1 < 256 && set[end + 1]) end++;
    out += end === c ? hex2(c) : `${hex2(c)}-${hex2(end)}`;
    c = end + 1;
  }
  return `[${out}]`;
}

const DIGIT = ((): ByteSet => { const s = emptySet(); addRange(s, 0x30, 0x39); return s; })();
const WORD = ((): ByteSet => {
  const s = emptySet();
  addRange(s, 0x30, 0x39); addRange(s, 0x41, 0x5a); addRange(s, 0x61, 0x7a); s[0x5f] = true;
  return s;
})();
/** PCRE2 \s (non-UCP): space, \t \n \v \f \r (not 0xA0, which JavaScript's \s has). */
const SPACE = setOf(' \t\n\x0b\f\r');
/** PCRE2 \h / \v in 8-bit non-UTF mode. */
const HSPACE = setOf('\t \xa0');
const VSPACE = setOf('\n\x0b\f\r\x85');

function posixClass(name: string): ByteSet | undefined {
  const s = emptySet();
  switch (name) {
    case 'alpha': addRange(s, 0x41, 0x5a); addRange(s, 0x61, 0x7a); return s;
    case 'digit': return DIGIT.slice();
    case 'alnum': addRange(s, 0x30, 0x39); addRange(s, 0x41, 0x5a); addRange(s, 0x61, 0x7a); return s;
    case 'upper': addRange(s, 0x41, 0x5a); return s;
    case 'lower': addRange(s, 0x61, 0x7a); return s;
    case 'space': return SPACE.slice();
    case 'blank': return setOf(' \t');
    case 'punct': addRange(s, 0x21, 0x2f); addRange(s, 0x3a, 0x40); addRange(s, 0x5b, 0x60); addRange(s, 0x7b, 0x7e); return s;
    case 'xdigit': addRange(s, 0x30, 0x39); addRange(s, 0x41, 0x46); addRange(s, 0x61, 0x66); return s;
    case 'word': return WORD.slice();
    case 'cntrl': addRange(s, 0, 0x1f); s[0x7f] = true; return s;
    case 'print': addRange(s, 0x20, 0x7e); return s;
    case 'graph': addRange(s, 0x21, 0x7e); return s;
    case 'ascii': addRange(s, 0, 0x7f); return s;
    default: return undefined;
  }
}

interface Flags {
  readonly dotall: boolean;
  readonly multiline: boolean;
  readonly dollarEndOnly: boolean;
  readonly extended: boolean;
  readonly allowEmptyClass: boolean;
  readonly altCircumflex: boolean;
}

const END = '(?![\\s\\S])';
const START = '(?<![\\s\\S])';

/** Pattern → JS source; throws Unsupported for what JavaScript cannot express. */
class Translator {
  private i = 0;
  private out = '';
  constructor(private readonly p: string, private readonly f: Flags) {}

  run(): string {
    const p = this.p;
    while (this.i < p.length) {
      const c = p[this.i] as string;
      if (this.f.extended && ' \t\n\x0b\f\r'.includes(c)) { this.i++; continue; }
      if (this.f.extended && c === '#') {
        while (this.i < p.length && p[this.i] !== '\n') this.i++;
        continue;
      }
      switch (c) {
        case '\\': this.escape(); break;
        case '[': this.klass(); break;
        case '.': this.out += this.f.dotall ? '[\\s\\S]' : '[^\\n]'; this.i++; break;
        case '^': this.out += this.circumflex(); this.i++; break;
        case '$': this.out += this.dollar(); this.i++; break;
        case '(': this.group(); break;
        case '*': case '+': case '?': this.out += c; this.i++; this.afterQuantifier(); break;
        case '{': {
          const m = /^\{\d+(?:,\d*)?\}/.exec(p.slice(this.i));
          if (m !== null) {
            this.out += m[0];
            this.i += m[0].length;
            this.afterQuantifier();
          } else {
            this.out += '\\{';
            this.i++;
          }
          break;
        }
        case '|': case ')': this.out += c; this.i++; break;
        default: this.out += literal(c.charCodeAt(0)); this.i++;
      }
    }
    return this.out;
  }

  private circumflex(): string {
    if (!this.f.multiline) return START;
    // PCRE2: after an internal newline, not after one that ends the subject unless
    // alt_circumflex.
    return this.f.altCircumflex ? '(?:(?<![\\s\\S])|(?<=\\n))' : '(?:(?<![\\s\\S])|(?<=\\n)(?=[\\s\\S]))';
  }

  private dollar(): string {
    if (this.f.multiline) return `(?=\\n|${END})`;
    return this.f.dollarEndOnly ? END : `(?=\\n?${END})`;
  }

  private afterQuantifier(): void {
    const n = this.p[this.i];
    if (n === '?') { this.out += '?'; this.i++; return; }
    if (n === '+') throw new Unsupported('possessive quantifiers');
  }

  private group(): void {
    const rest = this.p.slice(this.i);
    if (rest.startsWith('(*')) throw new Unsupported('(*VERB) and (*OPTION) items');
    if (!rest.startsWith('(?')) { this.out += '('; this.i++; return; }
    if (rest.startsWith('(?#')) {
      const end = rest.indexOf(')');
      if (end < 0) throw new Unsupported('an unterminated (?# comment');
      this.i += end + 1;
      return;
    }
    for (const pass of ['(?:', '(?=', '(?!', '(?<=', '(?<!']) {
      if (rest.startsWith(pass)) { this.out += pass; this.i += pass.length; return; }
    }
    const named = /^\(\?(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(rest);
    if (named !== null) {
      this.out += `(?<${named[1] ?? named[2] ?? ''}>`;
      this.i += named[0].length;
      return;
    }
    const ref = /^\(\?P=([A-Za-z_]\w*)\)/.exec(rest);
    if (ref !== null) {
      this.out += `\\k<${ref[1] ?? ''}>`;
      this.i += ref[0].length;
      return;
    }
    if (rest.startsWith('(?>')) throw new Unsupported('atomic groups (?>...)');
    if (rest.startsWith('(?|')) throw new Unsupported('branch reset groups (?|...)');
    if (rest.startsWith('(?(')) throw new Unsupported('conditional groups');
    if (/^\(\?(?:R|[+-]?\d|&|P>)/.test(rest)) throw new Unsupported('recursion and subroutine calls');
    throw new Unsupported('inline option settings (?...)');
  }

  /** One escape outside a class. */
  private escape(): void {
    const p = this.p;
    const e = p[this.i + 1];
    if (e === undefined) throw new Unsupported('a trailing backslash');
    const single = this.charEscape();
    if (single !== undefined) { this.out += literal(single); return; }
    const set = this.setEscape();
    if (set !== undefined) { this.out += emitSet(set); return; }
    this.i += 2;
    switch (e) {
      case 'A': this.out += START; return;
      case 'z': this.out += END; return;
      case 'Z': this.out += `(?=\\n?${END})`; return;
      case 'b': case 'B': this.out += `\\${e}`; return;
      case 'R': this.out += `(?:\\r\\n|${emitSet(VSPACE)})`; return;
      case 'Q': {
        const end = p.indexOf('\\E', this.i);
        const text = end < 0 ? p.slice(this.i) : p.slice(this.i, end);
        for (const ch of text) this.out += literal(ch.charCodeAt(0));
        this.i = end < 0 ? p.length : end + 2;
        return;
      }
      case 'E': return;
      case 'g': case 'k': {
        const m = /^(?:\{(-?\d+|[A-Za-z_]\w*)\}|<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|(\d+))/.exec(p.slice(this.i));
        const target = m === null ? undefined : (m[1] ?? m[2] ?? m[3] ?? m[4]);
        if (m === null || target === undefined || target.startsWith('-') || (e === 'g' && m[2] !== undefined)) {
          throw new Unsupported(`\\${e} references of this form`);
        }
        this.out += /^\d+$/.test(target) ? `\\${target}` : `\\k<${target}>`;
        this.i += m[0].length;
        return;
      }
      default:
        if (/[1-9]/.test(e)) {
          const m = /^\d+/.exec(p.slice(this.i - 1)) as RegExpExecArray;
          this.out += `\\${m[0]}`;
          this.i += m[0].length - 1;
          return;
        }
        throw new Unsupported(`the escape \\${e}`);
    }
  }

  /** An escape that stands for one byte (shared by classes); advances past it. */
  private charEscape(): number | undefined {
    const p = this.p;
    const e = p[this.i + 1] as string;
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, e: 0x1b, a: 7 };
    if (e in simple) { this.i += 2; return simple[e]; }
    if (e === 'x') {
      const rest = p.slice(this.i + 2);
      const braced = /^\{([0-9a-fA-F]+)\}/.exec(rest);
      const m = braced ?? /^[0-9a-fA-F]{0,2}/.exec(rest);
      const digits = braced !== null ? (braced[1] ?? '') : (m?.[0] ?? '');
      const v = digits === '' ? 0 : parseInt(digits, 16);
      if (v > 0xff) throw new Unsupported('characters above \\xff (byte patterns)');
      this.i += 2 + (m?.[0].length ?? 0);
      return v;
    }
    if (e === 'o') {
      const m = /^\{([0-7]+)\}/.exec(p.slice(this.i + 2));
      if (m === null) throw new Unsupported('\\o without {octal}');
      const v = parseInt(m[1] ?? '0', 8);
      if (v > 0xff) throw new Unsupported('characters above \\xff (byte patterns)');
      this.i += 2 + m[0].length;
      return v;
    }
    if (e === '0') {
      const m = /^0[0-7]{0,2}/.exec(p.slice(this.i + 1)) as RegExpExecArray;
      this.i += 1 + m[0].length;
      return parseInt(m[0], 8);
    }
    if (e === 'c') {
      const x = p[this.i + 2];
      if (x === undefined || x.charCodeAt(0) > 0x7e) throw new Unsupported('\\c without a printable ASCII character');
      this.i += 3;
      return x.toUpperCase().charCodeAt(0) ^ 0x40;
    }
    if (!/[A-Za-z0-9]/.test(e)) { this.i += 2; return e.charCodeAt(0); }
    return undefined;
  }

  /** \d \D \w \W \s \S \h \H \v \V \N: a byte set; advances past it. */
  private setEscape(): ByteSet | undefined {
    const e = this.p[this.i + 1] as string;
    let set: ByteSet | undefined;
    switch (e.toLowerCase()) {
      case 'd': set = DIGIT; break;
      case 'w': set = WORD; break;
      case 's': set = SPACE; break;
      case 'h': set = HSPACE; break;
      case 'v': set = VSPACE; break;
      default: break;
    }
    if (e === 'N') {
      if (this.p[this.i + 2] === '{') throw new Unsupported('\\N{...}');
      this.i += 2;
      return complement(setOf('\n'));
    }
    if (set === undefined) return undefined;
    this.i += 2;
    return e === e.toUpperCase() ? complement(set) : set.slice();
  }

  /** A character class, computed as a byte set and emitted exactly. */
  private klass(): void {
    const p = this.p;
    this.i++;
    let negated = false;
    if (p[this.i] === '^') { negated = true; this.i++; }
    const set = emptySet();
    let first = true;
    for (;;) {
      const c = p[this.i];
      if (c === undefined) throw new Unsupported('an unterminated character class');
      if (c === ']' && (!first || this.f.allowEmptyClass)) { this.i++; break; }
      first = false;
      let single: number | undefined;
      if (c === '[') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        if (m !== null) {
          const s = posixClass(m[2] ?? '');
          if (s === undefined) throw new Unsupported(`the POSIX class [:${m[2] ?? ''}:]`);
          (m[1] === '^' ? complement(s) : s).forEach((b, k) => { if (b) set[k] = true; });
          this.i += m[0].length;
          continue;
        }
        single = 0x5b;
        this.i++;
      } else if (c === '\\') {
        const e = p[this.i + 1];
        if (e === undefined) throw new Unsupported('a trailing backslash');
        if (e === 'b') { single = 8; this.i += 2; }
        else if (e === 'Q') {
          const end = p.indexOf('\\E', this.i + 2);
          const text = end < 0 ? p.slice(this.i + 2) : p.slice(this.i + 2, end);
          for (const ch of text) set[ch.charCodeAt(0)] = true;
          this.i = end < 0 ? p.length : end + 2;
          continue;
        } else if (e === 'E') { this.i += 2; continue; }
        else {
          const s = this.setEscape();
          if (s !== undefined) {
            s.forEach((b, k) => { if (b) set[k] = true; });
              continue;
          }
          single = this.charEscape();
          if (single === undefined) throw new Unsupported(`the escape \\${e} in a class`);
        }
      } else {
        single = c.charCodeAt(0);
        this.i++;
      }
      // A range a-b (a `-` before `]` is literal).
      if (p[this.i] === '-' && p[this.i + 1] !== ']' && p[this.i + 1] !== undefined) {
        const save = this.i;
        this.i++;
        let hi: number | undefined;
        const d = p[this.i] as string;
        if (d === '\\') {
          const isSet = this.p[this.i + 1] !== undefined && /[dDwWsShHvVN]/.test(this.p[this.i + 1] as string);
          hi = isSet ? undefined : (p[this.i + 1] === 'b' ? (this.i += 2, 8) : this.charEscape());
        } else if (d === '[' && /^\[:\^?[a-z]+:\]/.test(p.slice(this.i))) {
          hi = undefined;
        } else {
          hi = d.charCodeAt(0);
          this.i++;
        }
        if (hi === undefined) {
          // `a-\d`: PCRE2 takes the `-` literally.
          this.i = save;
          set[single] = true;
          set[0x2d] = true;
          this.i++;
          continue;
        }
        if (hi < single) throw new Unsupported('a class range out of order');
        addRange(set, single, hi);
        continue;
      }
      set[single] = true;
    }
    this.out += emitSet(negated ? complement(set) : set);
  }
}

/** One byte as a JS pattern atom matching exactly it. */
function literal(code: number): string {
  const ch = String.fromCharCode(code);
  if (/[A-Za-z0-9_ ]/.test(ch)) return ch;
  return hex2(code);
}

/**
 * Translates a keepalived `regex` with its `regex_options` into a global RegExp over latin1
 * text. Fails (ok: false) for PCRE2 constructs JavaScript cannot express exactly.
 */
export function compileBodyRegex(spec: RegexSpec): CompiledRegex {
  const has = (o: string): boolean => spec.options.includes(o);
  const notes = spec.options
    .map((o) => ({ o, t: optionTreatment(o) }))
    .filter((x) => x.t !== 'exact')
    .map((x) => `regex_options ${x.o}: ${x.t}`);
  const flags: Flags = {
    dotall: has('dotall'),
    multiline: has('multiline'),
    dollarEndOnly: has('dollar_endonly'),
    extended: has('extended'),
    allowEmptyClass: has('allow_empty_class'),
    altCircumflex: has('alt_circumflex'),
  };
  try {
    const source = new Translator(patternBytes(spec.pattern), flags).run();
    const regexp = new RegExp(source, has('caseless') ? 'gi' : 'g');
    return { ok: true, regexp, source, notes };
  } catch (e) {
    const why = e instanceof Unsupported ? `uses ${e.message}, which is not supported` : `is not valid (${String(e)})`;
    return { ok: false, error: `regex '${spec.pattern}' ${why}`, notes };
  }
}

export interface MatcherLimits {
  /** `regex_min_offset`: the first acceptable match start. */
  readonly minOffset: number;
  /** One past the last acceptable start (`regex_max_offset` + 1); 0 = none. */
  readonly maxOffsetExclusive: number;
  /** PCRE2_FIRSTLINE: the match must start at or before the body's first newline. */
  readonly firstLine?: boolean;
  /** @default DEFAULT_REGEX_WINDOW_BYTES */
  readonly windowBytes?: number | undefined;
}

/**
 * Searches a body fed in chunks (latin1 text) for a match starting inside the limits.
 *
 * @example
 * const m = new BodyRegexMatcher(compiled.regexp, { minOffset: 0, maxOffsetExclusive: 0 });
 * m.push('HTTP body…'); m.finish(); // true when a match was found
 */
export class BodyRegexMatcher {
  private buf = '';
  /** Absolute offset of buf[0]; base + buf.length is always the number of bytes fed. */
  private base = 0;
  /** Starts before this absolute offset are decided (no acceptable match there). */
  private scanFrom: number;
  private firstNewline = -1;
  private matchedAt: number | undefined;
  private done = false;
  private readonly windowBytes: number;

  constructor(private readonly regexp: RegExp, private readonly limits: MatcherLimits) {
    this.windowBytes = Math.max(1, limits.windowBytes ?? DEFAULT_REGEX_WINDOW_BYTES);
    this.scanFrom = limits.minOffset;
  }

  /** Bytes fed so far. */
  get total(): number {
    return this.base + this.buf.length;
  }

  /** Characters currently held (for the memory bound). */
  get bufferedChars(): number {
    return this.buf.length;
  }

  /** Absolute offset of the accepted match's start, once found. */
  get matchOffset(): number | undefined {
    return this.matchedAt;
  }

  push(chunk: string): void {
    if (chunk.length === 0) return;
    if (this.done) {
      this.base += chunk.length;
      return;
    }
    if (this.limits.firstLine === true && this.firstNewline < 0) {
      const nl = chunk.indexOf('\n');
      if (nl >= 0) this.firstNewline = this.total + nl;
    }
    this.buf += chunk;
    if (this.total - this.scanFrom >= 2 * this.windowBytes) this.scan(false);
    this.trim();
  }

  /** The body ended: decides the remaining starts. */
  finish(): boolean {
    if (!this.done && this.total > 0) this.scan(true);
    this.done = true;
    this.buf = '';
    return this.matchedAt !== undefined;
  }

  private cap(): number {
    let cap = this.limits.maxOffsetExclusive === 0 ? Infinity : this.limits.maxOffsetExclusive;
    if (this.firstNewline >= 0) cap = Math.min(cap, this.firstNewline + 1);
    return cap;
  }

  private scan(final: boolean): void {
    const cap = this.cap();
    // A start s is decided once bytes up to s + window have arrived (or the body ended).
    const decidedEnd = Math.min(final ? this.total + 1 : this.total - this.windowBytes + 1, cap);
    if (this.scanFrom < decidedEnd) {
      this.regexp.lastIndex = this.scanFrom - this.base;
      const m = this.regexp.exec(this.buf);
      if (m !== null && this.base + m.index < decidedEnd) {
        this.matchedAt = this.base + m.index;
        this.done = true;
        this.buf = '';
        return;
      }
      this.scanFrom = decidedEnd;
    }
    if (this.scanFrom >= cap) {
      this.done = true;
      this.buf = '';
    }
  }

  /** Keeps `window` bytes before the first undecided start (lookbehind context). */
  private trim(): void {
    if (this.done) return;
    const keepFrom = Math.max(this.base, this.scanFrom - this.windowBytes);
    if (keepFrom >= this.total) {
      this.base = this.total;
      this.buf = '';
    } else if (keepFrom > this.base) {
      this.buf = this.buf.slice(keepFrom - this.base);
      this.base = keepFrom;
    }
  }
}

/** The url's regex verdict: true when the url passes (matched != regex_no_match). */
export function regexPasses(matched: boolean, noMatch: boolean): boolean {
  return matched !== noMatch;
}
