/**
 * Text primitives of keepalived's config reader (lib/parser.c, 2.2.7): comment removal,
 * word splitting, the brace cut, and C's strtol() as ~SEQ uses it.
 */

/** keepalived's MAXBUF: a line buffer holds at most MAXBUF - 1 bytes. */
export const MAXBUF = 1024;

/** keepalived's WHITE_SPACE_STR. */
const WHITE_SPACE = ' \t\f\n\r\v';

export function isWhiteSpace(c: string | undefined): boolean {
  return c !== undefined && c.length === 1 && WHITE_SPACE.includes(c);
}

/** C isblank(): space or tab. */
export function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** C isspace() in the C locale. */
export function isSpace(c: string | undefined): boolean {
  return isWhiteSpace(c);
}

export function isAsciiAlpha(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return (k >= 65 && k <= 90) || (k >= 97 && k <= 122);
}

export function isAsciiDigit(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return k >= 48 && k <= 57;
}

export function isAsciiAlnum(c: string | undefined): boolean {
  return isAsciiAlpha(c) || isAsciiDigit(c);
}

/** Index of the first character at or after `from` that is not a space or tab. */
export function skipBlanks(s: string, from: number): number {
  let i = from;
  while (i < s.length && isBlank(s[i])) i++;
  return i;
}

/** Removes trailing spaces and tabs. */
export function trimTrailingBlanks(s: string): string {
  let end = s.length;
  while (end > 0 && isBlank(s[end - 1])) end--;
  return end === s.length ? s : s.slice(0, end);
}

export interface Decommented {
  /** The line without comment, escapes of `#`/`!`, leading and trailing blanks. */
  readonly text: string;
  /**
   * Set when the line has an odd number of `"` before any comment: the text keepalived
   * quotes in its "Unterminated quote '%s'" message.
   */
  readonly unterminatedQuote: string | undefined;
}

/**
 * keepalived's decomment(): strips leading blanks; cuts at the first `#` or `!` outside
 * double quotes; turns `\#` / `\!` outside quotes into `#` / `!`; leaves other `\x` pairs
 * alone; a `\` at the very end is kept as the line's last character (continuation), after
 * the trailing blanks before it are removed.
 */
export function decomment(str: string): Decommented {
  const n = str.length;
  const start = skipBlanks(str, 0);
  let out = '';
  let segStart = start;
  let quote = false;
  let skipAt = -1; // index in the output where the comment starts
  let cont = false;
  let i = start;
  while (i < n) {
    const c = str[i];
    if (c === '"') {
      if (skipAt < 0) quote = !quote;
      i++;
      continue;
    }
    if (c === '\\') {
      if (i + 1 < n) {
        const d = str[i + 1];
        if (!quote && (d === '#' || d === '!')) {
          out += str.slice(segStart, i);
          segStart = i + 1;
        }
        i += 2;
        continue;
      }
      out += str.slice(segStart, i);
      segStart = n;
      cont = true;
      break;
    }
    if ((c === '!' || c === '#') && !quote && skipAt < 0) {
      skipAt = out.length + (i - segStart);
    }
    i++;
  }
  if (segStart < n) out += str.slice(segStart);
  const unterminatedQuote = quote ? out : undefined;
  if (skipAt >= 0) out = out.slice(0, skipAt);
  out = trimTrailingBlanks(out);
  if (cont) out += '\\';
  return { text: out, unterminatedQuote };
}

export interface SplitResult {
  readonly words: string[];
  /** True when a word opened a `"` that never closes (the words so far are kept). */
  readonly unmatchedQuote: boolean;
}

/** splitWords() plus whether keepalived would report "Unmatched quote". */
export function splitWordsDetailed(text: string): SplitResult {
  const words: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && isWhiteSpace(text[i])) i++;
    if (i >= n) break;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { words, unmatchedQuote: true };
      words.push(text.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    const start = i;
    while (i < n && !isWhiteSpace(text[i]) && text[i] !== '"') i++;
    words.push(text.slice(start, i));
  }
  return { words, unmatchedQuote: false };
}

export interface BraceCut {
  /** The line to hand out (a lone `{` or `}`, or the text before the first brace). */
  readonly line: string;
  /** What follows, to be read as the next line. */
  readonly residue: string | undefined;
}

/**
 * read_line()'s brace cut: the line is cut at the first `{` or `}` outside double quotes.
 * A line starting with a brace gives the brace alone and the rest (blanks skipped) as the
 * residue; otherwise the text before the brace is the line and the residue starts at the
 * brace. Trailing blanks are trimmed from both.
 */
export function cutAtBrace(buf: string): BraceCut {
  let p = 0;
  const first = buf[0];
  if (first !== '{' && first !== '}') {
    p = -1;
    let i = 0;
    while (i < buf.length) {
      const c = buf[i];
      if (c === '{' || c === '}') {
        p = i;
        break;
      }
      if (c === '"') {
        const close = buf.indexOf('"', i + 1);
        if (close < 0) break;
        i = close + 1;
        continue;
      }
      i++;
    }
  }
  let line = buf;
  let residue: string | undefined;
  if (p >= 0 && (buf[p] === '{' || buf[p] === '}')) {
    const skip = p === 0 ? skipBlanks(buf, 1) - p : 0;
    if (p + skip < buf.length) {
      residue = trimTrailingBlanks(buf.slice(p + skip));
      line = buf.slice(0, p + skip);
    }
  }
  return { line: trimTrailingBlanks(line), residue };
}

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

export interface ParsedLong {
  readonly value: bigint;
  /** Index after the number; the start index when no digits were found (C's endptr). */
  readonly end: number;
}

function digitValue(c: string | undefined): number {
  if (c === undefined) return 99;
  const k = c.charCodeAt(0);
  if (k >= 48 && k <= 57) return k - 48;
  if (k >= 97 && k <= 122) return k - 87;
  if (k >= 65 && k <= 90) return k - 55;
  return 99;
}

/** C strtol(s + from, &end, 0) for a 64-bit long: base prefixes, clamping on overflow. */
export function strtol(s: string, from: number): ParsedLong {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && digitValue(s[i + 2]) < 16) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') {
    base = 8;
  }
  const digitsStart = i;
  let value = 0n;
  const big = BigInt(base);
  while (i < s.length && digitValue(s[i]) < base) {
    if (value <= LONG_MAX + 1n) value = value * big + BigInt(digitValue(s[i]));
    i++;
  }
  if (i === digitsStart) return { value: 0n, end: from };
  if (negative) value = -value;
  if (value > LONG_MAX) value = LONG_MAX;
  if (value < LONG_MIN) value = LONG_MIN;
  return { value, end: i };
}

/** UTF-8 length of a string (what keepalived's byte-oriented buffers count). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const k = s.charCodeAt(i);
    if (k < 0x80) bytes += 1;
    else if (k < 0x800) bytes += 2;
    else if (k >= 0xd800 && k <= 0xdbff && i + 1 < s.length) {
      const l = s.charCodeAt(i + 1);
      if (l >= 0xdc00 && l <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    } else bytes += 3;
  }
  return bytes;
}

/** The longest prefix of `s` (in UTF-16 units) whose UTF-8 form fits in `maxBytes`. */
export function utf8Prefix(s: string, maxBytes: number): number {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const k = s.charCodeAt(i);
    let size = 3;
    let units = 1;
    if (k < 0x80) size = 1;
    else if (k < 0x800) size = 2;
    else if (k >= 0xd800 && k <= 0xdbff && i + 1 < s.length) {
      const l = s.charCodeAt(i + 1);
      if (l >= 0xdc00 && l <= 0xdfff) {
        size = 4;
        units = 2;
      }
    }
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += units;
  }
  return i;
}
