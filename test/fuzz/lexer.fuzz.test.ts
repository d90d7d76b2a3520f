/**
 * Property tests of the lexer: on any input it never throws, always ends, and every line it
 * gives has words and a location inside the files it read. Each property is time-boxed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConfigLine } from '../../src/config/config_line.js';
import { DiagnosticSink } from '../../src/config/diagnostics.js';
import { openConfig, splitWords } from '../../src/config/lexer.js';
import type { FileSource } from '../../src/config/file_source.js';
import { MemoryFileSource, SeededRandom, type MemoryEntry } from '../fakes/memory_file_source.js';

const ROOT = '/etc/keepalived/keepalived.conf';
const FILES = [ROOT, '/etc/keepalived/a.conf', '/etc/keepalived/conf.d/b.conf'];
/** Smaller bounds than the defaults keep each case fast (runaway cases are common here). */
const LIMITS = { maxExpandedLines: 20_000, maxFilesOpened: 200, maxSeqIterations: 1000 } as const;
/** Upper bound on the lines one case may produce before we call it a hang. */
const MAX_LINES = 200_000;

function physicalLines(entry: MemoryEntry | undefined): number {
  if (typeof entry === 'string') return entry.split('\n').length;
  if (entry instanceof Uint8Array) return entry.filter((b) => b === 0x0a).length + 1;
  return 0;
}

function runAll(files: Readonly<Record<string, MemoryEntry>>, seed: number): { lines: ConfigLine[]; sink: DiagnosticSink } {
  const source: FileSource = new MemoryFileSource(files);
  const sink = new DiagnosticSink();
  const reader = openConfig(ROOT, source, { configId: 'lb1', env: { HOME: '/root' }, random: new SeededRandom(seed), limits: LIMITS }, sink);
  const lines: ConfigLine[] = [];
  for (let line = reader.next(); line !== undefined; line = reader.next()) {
    if (lines.length < 2000) lines.push(line);
    assert.ok(lines.length < MAX_LINES, 'the lexer does not end');
    checkLine(line, files);
  }
  assert.equal(reader.next(), undefined, 'the lexer stays ended');
  return { lines, sink };
}

function checkLine(line: ConfigLine, files: Readonly<Record<string, MemoryEntry>>): void {
  assert.ok(line.words.length > 0, 'a line has words');
  assert.ok(line.file.startsWith('/'), `absolute file: ${line.file}`);
  const known = Object.keys(files).find((f) => f === line.file || line.file.endsWith(f.slice(f.lastIndexOf('/'))));
  assert.ok(known !== undefined, `line from a known file: ${line.file}`);
  assert.ok(Number.isInteger(line.line) && line.line >= 1, `line number ${line.line}`);
  assert.ok(line.line <= physicalLines(files[known]), `line ${line.line} within ${known}`);
  assert.ok(line.raw.length <= 1023 || line.raw.length <= 1023 * 2, 'bounded line length');
}

/** Pieces keepalived configurations are made of, to reach the interesting code. */
const token = fc.oneof(
  fc.constantFrom(
    'vrrp_instance', 'VI_1', 'state', 'MASTER', '{', '}', '{}', '}{', '"', '"a b"', '#', '!', '\\#', '\\!', '\\',
    '$A', '${A}', '$B', '${B}/24', '$M', '${_PWD}', '${_INSTANCE}', '${_RANDOM}', '${_RANDOM 1 9}', '${_ENV HOME}',
    '${_HASH}', '$_BANG', '$i', '${i}', '${j}', '@lb1', '@^lb1', '@other', '~', '~SEQ', '10.0.0.1/24', ',', ')', '(',
  ),
  fc.string({ maxLength: 6 }),
);

const configLine = fc.oneof(
  fc.array(token, { maxLength: 8 }).map((ws) => ws.join(' ')),
  fc.tuple(fc.constantFrom('A', 'B', 'M', 'i'), fc.array(token, { maxLength: 4 }), fc.boolean()).map(
    ([n, ws, cont]) => `$${n}=${ws.join(' ')}${cont ? ' \\' : ''}`,
  ),
  fc.tuple(fc.constantFrom('~SEQ', '~SEQx', '~LST'), fc.constantFrom('(i,1,3)', '(i,3)', '(i,0x10,-3,1)', '(j,a,b)', '({i,j},{1,2},{3})', '(i,1,$A)', '(i'), fc.array(token, { maxLength: 4 })).map(
    ([k, args, ws]) => `${k}${args} ${ws.join(' ')}`,
  ),
  fc.constantFrom(
    'include a.conf',
    'include conf.d/*.conf',
    'include ../keepalived/keepalived.conf',
    'include {a,conf.d/b}.conf',
    'include missing.conf',
    'includem missing.conf',
    'include conf.d',
    '',
    '   ',
  ),
);

const configText = fc.array(configLine, { maxLength: 30 }).map((ls) => `${ls.join('\n')}\n`);

/** Characters the lexer treats specially, plus some ordinary and non-ASCII ones. */
const lexerChar = fc.constantFrom(
  ...'{}"#!\\$@~(),= \t\n\r\f\v\0abcSEQLSTxi_019'.split(''),
  '\u00e9',
  '\u{1F600}',
);

test('openConfig() never throws and always ends on arbitrary text', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ maxLength: 400, unit: lexerChar }), fc.string({ maxLength: 100, unit: 'grapheme' })),
      fc.integer(),
      (text, seed) => {
        runAll({ [ROOT]: text }, seed);
      },
    ),
    { numRuns: 1000, interruptAfterTimeLimit: 800 },
  );
});

test('openConfig() never throws and always ends on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer(), (bytes, seed) => {
      runAll({ [ROOT]: bytes }, seed);
    }),
    { numRuns: 1000, interruptAfterTimeLimit: 500 },
  );
});

test('openConfig() never throws on keepalived-like files that include each other (cycles too)', () => {
  fc.assert(
    fc.property(configText, configText, configText, fc.integer(), (root, a, b, seed) => {
      const { lines } = runAll({ [FILES[0] as string]: root, [FILES[1] as string]: a, [FILES[2] as string]: b }, seed);
      for (const line of lines) {
        if (line.words.length === 1 && (line.raw === '{' || line.raw === '}')) continue;
        assert.ok(!/^[{}]$/.test(line.raw) || line.words.length === 1);
      }
    }),
    { numRuns: 1000, interruptAfterTimeLimit: 1200 },
  );
});

test('openConfig() gives braces alone on their lines', () => {
  fc.assert(
    fc.property(configText, fc.integer(), (root, seed) => {
      const { lines } = runAll({ [ROOT]: root }, seed);
      for (const line of lines) {
        // Outside quotes, a brace can only be the whole line.
        let inQuote = false;
        for (const c of line.raw) {
          if (c === '"') inQuote = !inQuote;
          else if ((c === '{' || c === '}') && !inQuote) assert.ok(line.raw === c, `brace inside '${line.raw}'`);
        }
      }
    }),
    { numRuns: 500, interruptAfterTimeLimit: 600 },
  );
});

test('splitWords() splits text without quotes like a split on C blanks', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }).filter((s) => !s.includes('"')), (s) => {
      assert.deepEqual(splitWords(s), s.split(/[ \t\f\n\r\v]+/).filter((w) => w !== ''));
    }),
    { numRuns: 300, interruptAfterTimeLimit: 300 },
  );
});
