import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BodyRegexMatcher,
  compileBodyRegex,
  optionTreatment,
  PCRE2_OPTION_NAMES,
  regexPasses,
  type MatcherLimits,
} from '../../../src/check/http_regex.js';

function re(pattern: string, options: readonly string[] = []): RegExp {
  const c = compileBodyRegex({ pattern, options });
  if (!c.ok) throw new Error(c.error);
  return c.regexp;
}

/** Whole-body verdict through the matcher, fed in one chunk. */
function matches(pattern: string, body: string, options: readonly string[] = [], limits: Partial<MatcherLimits> = {}): boolean {
  const m = new BodyRegexMatcher(re(pattern, options), { minOffset: 0, maxOffsetExclusive: 0, ...limits });
  m.push(body);
  return m.finish();
}

test('compileBodyRegex(): PCRE2 `.` matches \\r but not \\n; dotall makes it match \\n', () => {
  assert.equal(matches('a.b', 'a\rb'), true);
  assert.equal(matches('a.b', 'a\nb'), false);
  assert.equal(matches('a.b', 'a\nb', ['dotall']), true);
});

test('compileBodyRegex(): `$` matches at the end or before a final newline; dollar_endonly; multiline', () => {
  assert.equal(matches('ok$', 'all ok\n'), true);
  assert.equal(matches('ok$', 'all ok\n', ['dollar_endonly']), false);
  assert.equal(matches('ok$', 'ok\nmore'), false);
  assert.equal(matches('ok$', 'ok\nmore', ['multiline']), true);
  // PCRE2's newline is LF only: \r is not a line end for `$`.
  assert.equal(matches('ok$', 'ok\r\nmore', ['multiline']), false);
  assert.equal(matches('^more', 'ok\nmore'), false);
  assert.equal(matches('^more', 'ok\nmore', ['multiline']), true);
  // Multiline `^` does not match after a newline that ends the subject (alt_circumflex aside).
  assert.equal(matches('\\n^', 'ok\n', ['multiline']), false);
  assert.equal(matches('\\Aok\\z', 'ok'), true);
  assert.equal(matches('ok\\Z', 'ok\n'), true);
});

test('compileBodyRegex(): \\s is PCRE2\'s (no 0xA0), \\h and \\v are PCRE2 classes, POSIX classes', () => {
  assert.equal(matches('a\\sb', 'a\xa0b'), false);
  assert.equal(matches('a\\sb', 'a\x0bb'), true);
  assert.equal(matches('a\\hb', 'a\xa0b'), true);
  assert.equal(matches('a\\vb', 'a\rb'), true);
  assert.equal(matches('[[:digit:]]{3}', 'x200'), true);
  assert.equal(matches('[[:^alpha:]]', 'abc'), false);
  assert.equal(matches('[^\\s]', ' \t'), false);
  assert.equal(matches('[\\S]x', ' x'), false);
});

test('compileBodyRegex(): classes: `]` first is literal unless allow_empty_class; ranges; escapes', () => {
  assert.equal(matches('[]a]', ']'), true);
  assert.equal(matches('[]', 'x', ['allow_empty_class']), false);
  assert.equal(matches('[^]', 'x', ['allow_empty_class']), true);
  assert.equal(matches('[a-c-]', '-'), true);
  assert.equal(matches('[\\x41-\\x43]', 'B'), true);
  assert.equal(matches('[\\d-z]', '-'), true);
});

test('compileBodyRegex(): extended ignores white space and # comments; caseless; literals', () => {
  assert.equal(matches('a b # comment\n c', 'abc', ['extended']), true);
  assert.equal(matches('a b', 'ab'), false);
  assert.equal(matches('server OK', 'SERVER ok', ['caseless']), true);
  assert.equal(matches('a\\Q.*\\Eb', 'a.*b'), true);
  assert.equal(matches('a\\Q.*\\Eb', 'axxb'), false);
  assert.equal(matches('(?P<w>ab)(?P=w)', 'abab'), true);
  assert.equal(matches('(a)\\1', 'aa'), true);
  assert.equal(matches('(?#note)x{2}', 'xx'), true);
  assert.equal(matches('a{', 'a{'), true);
  assert.equal(matches('(x|y)+z', 'xyz'), true);
});

test('compileBodyRegex(): a non-ASCII pattern matches its UTF-8 bytes (PCRE2 without utf)', () => {
  const body = Buffer.from('café', 'utf8').toString('latin1');
  assert.equal(matches('café', body), true);
});

test('compileBodyRegex(): PCRE2-only constructs are refused, not mistranslated', () => {
  for (const p of ['a++', '(?>a)', '(?i)a', '(*UTF)a', '\\p{L}', '(?R)', '\\K', 'a\\x{100}', '(?|a)']) {
    const c = compileBodyRegex({ pattern: p, options: [] });
    assert.equal(c.ok, false, p);
    if (!c.ok) assert.match(c.error, /not supported|not valid/, p);
  }
});

test('optionTreatment(): every option keepalived accepts has a treatment; only the inexact ones are noted', () => {
  for (const o of PCRE2_OPTION_NAMES) assert.ok(optionTreatment(o).length > 0, o);
  const c = compileBodyRegex({ pattern: 'x', options: ['dotall', 'utf', 'caseless'] });
  assert.deepEqual(c.notes.map((n) => n.split(':')[0]), ['regex_options utf', 'regex_options caseless']);
});

test('BodyRegexMatcher: regex_min_offset / regex_max_offset bound where the match starts', () => {
  // "abc" starts at 4.
  const body = '0123abc89';
  assert.equal(matches('abc', body, [], { minOffset: 4 }), true);
  assert.equal(matches('abc', body, [], { minOffset: 5 }), false);
  assert.equal(matches('abc', body, [], { maxOffsetExclusive: 5 }), true); // regex_max_offset 4
  assert.equal(matches('abc', body, [], { maxOffsetExclusive: 4 }), false); // regex_max_offset 3
  // Lookbehind may see bytes before regex_min_offset.
  assert.equal(matches('(?<=3)abc', body, [], { minOffset: 4 }), true);
});

test('BodyRegexMatcher: firstline: the match must start at or before the first newline', () => {
  assert.equal(matches('b', 'ab\nb', ['firstline'], { firstLine: true }), true);
  assert.equal(matches('c', 'ab\nc', ['firstline'], { firstLine: true }), false);
  assert.equal(matches('\\nc', 'ab\nc', ['firstline'], { firstLine: true }), true);
});

test('BodyRegexMatcher: an empty body never matches (keepalived only searches received data)', () => {
  const m = new BodyRegexMatcher(re('x*'), { minOffset: 0, maxOffsetExclusive: 0 });
  assert.equal(m.finish(), false);
  assert.equal(regexPasses(false, true), true);
  assert.equal(regexPasses(true, true), false);
  assert.equal(regexPasses(true, false), true);
});

test('BodyRegexMatcher: memory stays bounded on a 64 MiB body; a match near the end is found', () => {
  const window = 4096;
  const m = new BodyRegexMatcher(re('NEEDLE[0-9]+'), { minOffset: 0, maxOffsetExclusive: 0, windowBytes: window });
  const chunk = 'x'.repeat(65536);
  let peak = 0;
  for (let i = 0; i < 1024; i++) {
    m.push(chunk);
    peak = Math.max(peak, m.bufferedChars);
  }
  m.push('yyNEEDLE42yy');
  assert.ok(peak <= 3 * window + chunk.length, `peak ${peak}`);
  assert.equal(m.finish(), true);
  assert.equal(m.matchOffset, 1024 * 65536 + 2);
});

/** Reference: the leftmost acceptable start over the whole body (PCRE2 semantics). */
function oracle(regexp: RegExp, body: string, limits: MatcherLimits): boolean {
  if (body.length === 0) return false;
  let cap = limits.maxOffsetExclusive === 0 ? Infinity : limits.maxOffsetExclusive;
  if (limits.firstLine === true && body.includes('\n')) cap = Math.min(cap, body.indexOf('\n') + 1);
  if (limits.minOffset > body.length) return false;
  regexp.lastIndex = limits.minOffset;
  const m = regexp.exec(body);
  return m !== null && m.index < cap;
}

/** Patterns whose matches (and lookaround) span at most 8 bytes. */
const PATTERNS = [
  'ab', 'a\\nb', '^a', 'b$', 'a(?=b)', '(?<=a)b', '\\bab\\b', 'a.b', '[ab]{3}', 'ba{1,4}b',
  'b(?!a)', '(?<!a)b', '^', '$', 'a\\s', '[^ab]', '(a|bb)\\1', '\\Ab', 'aaaa', 'a$', '^b',
];

test('property: how the body is chunked never changes the verdict (matches shorter than the window)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PATTERNS),
      fc.subarray(['multiline', 'dotall', 'dollar_endonly', 'caseless']),
      fc.string({ unit: fc.constantFrom('a', 'b', 'A', '\n', ' ', 'c'), maxLength: 120 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
      fc.nat({ max: 60 }),
      fc.nat({ max: 130 }),
      fc.boolean(),
      (pattern, options, body, cuts, minOffset, max, firstLine) => {
        const limits: MatcherLimits = {
          minOffset,
          maxOffsetExclusive: max > minOffset ? max : 0,
          firstLine,
          windowBytes: 16,
        };
        const regexp = re(pattern, options);
        const expected = oracle(regexp, body, limits);
        const m = new BodyRegexMatcher(regexp, limits);
        let at = 0;
        let k = 0;
        while (at < body.length) {
          const n = cuts[k++ % cuts.length] ?? 1;
          m.push(body.slice(at, at + n));
          at += n;
          assert.ok(m.bufferedChars <= 3 * 16 + 40);
        }
        assert.equal(m.finish(), expected);
      },
    ),
    { numRuns: 3000 },
  );
});
