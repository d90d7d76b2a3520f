/**
 * Hostile configurations: each must end quickly with a diagnostic saying where and why,
 * never hang, overflow the stack or throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LEXER_LIMITS } from '../../../src/config/lexer.js';
import { NodeFileSource } from '../../../src/daemon/node_file_source.js';
import { ENDLESS, MemoryFileSource } from '../../fakes/memory_file_source.js';
import { type Lexed, lex, lexSource, ROOT } from './lexer_helpers.js';

const DEADLINE_MS = 2000;

function timed(run: () => Lexed): Lexed & { readonly ms: number } {
  const t0 = performance.now();
  const r = run();
  const ms = performance.now() - t0;
  assert.ok(ms < DEADLINE_MS, `took ${ms.toFixed(0)} ms`);
  return { ...r, ms };
}

function hasCode(r: Lexed, code: string): boolean {
  return r.diagnostics.some((d) => d.code === code);
}

function withTmpDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lexer-hostile-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- include cycles

test('openConfig() stops an include cycle a -> b -> a with an include_cycle error', () => {
  const r = timed(() =>
    lex('a_line\ninclude b.conf\n', {}, { '/etc/keepalived/b.conf': 'b_line\ninclude keepalived.conf\n' }),
  );
  assert.deepEqual(r.words, ['a_line', 'b_line']);
  const d = r.diagnostics.find((x) => x.code === 'include_cycle');
  assert.ok(d);
  assert.equal(d.kind, 'general_error');
  assert.equal(d.file, '/etc/keepalived/b.conf');
  assert.equal(d.line, 2);
  assert.match(d.message, /Include cycle: 'keepalived.conf' is already being read/);
});

test('openConfig() stops a file including itself', () => {
  const r = timed(() => lex('include keepalived.conf\nonce\n'));
  assert.deepEqual(r.words, ['once']);
  assert.ok(hasCode(r, 'include_cycle'));
});

test('openConfig() stops a glob that matches the including file', () => {
  const source = new MemoryFileSource({
    '/etc/keepalived/conf.d/a.conf': 'include *.conf\nA\n',
    '/etc/keepalived/conf.d/b.conf': 'B\n',
  });
  const r = timed(() => lexSource(source, { root: '/etc/keepalived/conf.d/a.conf' }));
  assert.deepEqual(r.words, ['B', 'A']);
  assert.ok(hasCode(r, 'include_cycle'));
});

test('openConfig() stops a chain of includes deeper than its limit', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 200; i++) files[`/etc/keepalived/f${i}.conf`] = `include f${i + 1}.conf\nline${i}\n`;
  const r = timed(() => lex('include f0.conf\n', {}, files));
  const d = r.diagnostics.find((x) => x.code === 'include_depth');
  assert.ok(d);
  assert.match(d.message, new RegExp(`more than ${LEXER_LIMITS.maxIncludeDepth} deep`));
  assert.equal(r.lines.length, LEXER_LIMITS.maxIncludeDepth - 1);
});

test('openConfig() stops an include fan-out (each file including the next twice) at its file limit', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`/etc/keepalived/f${i}.conf`] = `include f${i + 1}.conf\ninclude f${i + 1}.conf\n`;
  const r = timed(() => lex('include f0.conf\n', {}, files));
  assert.ok(hasCode(r, 'include_too_many_files'));
});

test('openConfig() refuses a brace pattern with too many alternatives', () => {
  const r = timed(() => lex(`include ${'{a,b}'.repeat(20)}.conf\n`));
  assert.ok(hasCode(r, 'include_too_many_alternatives'));
});

test('openConfig() stops reading once the total size limit is reached', () => {
  const files: Record<string, string> = { '/etc/keepalived/big.conf': 'x\n'.repeat(500) };
  const r = timed(() => lex('include big.conf\ninclude big.conf\ninclude big.conf\n', { maxTotalBytes: 2500 }, files));
  assert.equal(r.lines.length, 1000);
  const d = r.diagnostics.find((x) => x.code === 'config_too_large');
  assert.ok(d);
  assert.match(d.message, /over 2500 bytes in total/);
});

// ---------------------------------------------------------------- runaway expansion

test('openConfig() ends $A=$A (keepalived loops forever) with a definition_loop error', () => {
  const r = timed(() => lex('$A=$A\nuse $A\nagain $A\n'));
  const d = r.diagnostics.find((x) => x.code === 'definition_loop');
  assert.ok(d);
  assert.equal(d.line, 2);
  assert.ok(hasCode(r, 'definition_disabled'));
  assert.deepEqual(r.words, ['again|$A']);
});

test('openConfig() ends mutually recursive definitions', () => {
  const r = timed(() => lex('$A=${B}\n$B=${A}\nx $A\n'));
  assert.ok(hasCode(r, 'definition_loop'));
});

test('openConfig() keeps $A=$A$A at keepalived line length, and stays fast on many such lines', () => {
  const text = `$A=$A$A\n${'use $A\n'.repeat(10_000)}`;
  const r = timed(() => lex(text));
  assert.equal(r.lines.length, 10_000);
  assert.ok(r.lines.every((l) => l.raw.length <= LEXER_LIMITS.maxLineBytes));
  assert.equal(r.diagnostics[0]?.code, 'substitution_too_long');
  assert.ok(hasCode(r, 'definition_disabled'));
});

test('openConfig() bounds a doubling chain of definitions (billion laughs)', () => {
  let text = '$D0=xxxxxxxxxx\n';
  for (let i = 1; i < 40; i++) text += `$D${i}=\${D${i - 1}}\${D${i - 1}}\n`;
  text += 'v ${D39}\n'.repeat(1000);
  const r = timed(() => lex(text));
  assert.ok(r.lines.every((l) => l.raw.length <= LEXER_LIMITS.maxLineBytes));
  assert.ok(hasCode(r, 'substitution_too_long'));
});

test('openConfig() ends a multiline definition that expands itself', () => {
  // keepalived emits `x` forever here; keepalived-ts stops at its expansion limit.
  const r = timed(() => lex('$M=x \\\n$M\nuse $M\nafter\n', { keep: 3 }));
  assert.deepEqual(r.words, ['use|x', 'x', 'x']);
  assert.ok(r.total <= LEXER_LIMITS.maxExpandedLines + 2);
  assert.ok(hasCode(r, 'expansion_limit'));
});

test('openConfig() ends multiline definitions that nest without end', () => {
  const r = timed(() => lex('$M=x \\\n$M\\\ny\nuse $M\n', { keep: 3 }));
  assert.ok(hasCode(r, 'multiline_nesting') || hasCode(r, 'expansion_limit'));
});

test('openConfig() refuses a ~SEQ over the whole range of a long', () => {
  const r = timed(() => lex('~SEQ(i,-9223372036854775808,9223372036854775807) x\n'));
  assert.ok(hasCode(r, 'seq_too_long'));
  assert.equal(r.lines.length, 0);
});

test('openConfig() stops nested ~SEQ at the expansion limit', () => {
  const r = timed(() => lex('~SEQ(i,1,100000) ~SEQ(j,1,100000) x ${i} ${j}\nafter\n', { keep: 2 }));
  assert.deepEqual(r.words, ['x|1|1', 'x|1|2']);
  assert.ok(hasCode(r, 'expansion_limit'));
  assert.ok(r.total <= LEXER_LIMITS.maxExpandedLines + 1);
});

test('openConfig() counts the lines a ~SEQ line is cut into at braces', () => {
  const r = timed(() => lex(`~SEQ(i,1,100000) ${'{}'.repeat(200)}\n`, { keep: 0 }));
  assert.ok(hasCode(r, 'expansion_limit'));
  assert.ok(r.total <= LEXER_LIMITS.maxExpandedLines + 1);
});

test('openConfig() stops a ~SEQ that nests itself through a definition', () => {
  const r = timed(() => lex('$S=~SEQ(i,1,2) $S\n$S\n', { keep: 0 }));
  assert.ok(hasCode(r, 'seq_nesting') || hasCode(r, 'expansion_limit'));
});

test('openConfig() stops a residue that grows back through a definition', () => {
  const r = timed(() => lex('$A={ $A\nx $A\n'));
  assert.ok(hasCode(r, 'definition_disabled') || hasCode(r, 'expansion_limit'));
  assert.ok(r.lines.length <= LEXER_LIMITS.maxBraceCutsPerLine + 2);
});

// ---------------------------------------------------------------- junk and sizes

test('openConfig() survives random binary bytes', () => {
  let seed = 7;
  const bytes = new Uint8Array(200_000);
  for (let i = 0; i < bytes.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bytes[i] = seed >>> 24;
  }
  const r = timed(() => lexSource(new MemoryFileSource({ [ROOT]: bytes })));
  assert.ok(r.lines.length > 0);
  assert.ok(hasCode(r, 'nul_byte'));
  for (const l of r.lines) {
    assert.ok(l.words.length > 0);
    assert.equal(l.file, ROOT);
    assert.ok(l.line >= 1);
  }
});

test('openConfig() reads invalid UTF-8 as latin1 through the node FileSource', () => {
  withTmpDir((dir) => {
    const file = join(dir, 'k.conf');
    writeFileSync(file, Buffer.from([0x61, 0xff, 0xfe, 0x20, 0x62, 0x0a]));
    const r = timed(() => lexSource(new NodeFileSource(), { root: file }));
    assert.deepEqual(r.lines.map((l) => l.words), [['a\u00ff\u00fe', 'b']]);
  });
});

test('openConfig() refuses a 50 MB file quickly', () => {
  withTmpDir((dir) => {
    const file = join(dir, 'huge.conf');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    writeFileSync(join(dir, 'keepalived.conf'), 'before\ninclude huge.conf\nafter\n');
    const r = timed(() => lexSource(new NodeFileSource(), { root: join(dir, 'keepalived.conf') }));
    assert.deepEqual(r.words, ['before', 'after']);
    const d = r.diagnostics.find((x) => x.code === 'include_too_large');
    assert.ok(d);
    assert.equal(d.line, 2);
    assert.match(d.message, /Configuration file 'huge.conf' is larger than 16777216 bytes - skipping/);
  });
});

test('openConfig() refuses a root file over maxFileBytes', () => {
  const r = timed(() => lex('x\n'.repeat(100), { maxFileBytes: 50 }));
  assert.equal(r.lines.length, 0);
  assert.ok(hasCode(r, 'config_file_too_large'));
});

test('openConfig() streams 10,000 nested blocks without recursion', () => {
  const text = `${'level {\n'.repeat(10_000)}${'}\n'.repeat(10_000)}`;
  const r = timed(() => lex(text));
  assert.equal(r.lines.length, 30_000);
  assert.deepEqual(r.diagnostics, []);
  const open = timed(() => lex('level {\n'.repeat(10_000)));
  assert.deepEqual(open.messages, ["missing_eob: There are 10000 missing '}'s or extra '{'s"]);
});

test('openConfig() refuses include /dev/zero after reading at most the size limit', () => {
  const r = timed(() => lexSource(new NodeFileSource(), { root: '/dev/zero' }));
  assert.equal(r.lines.length, 0);
  assert.ok(hasCode(r, 'config_file_too_large'));
  withTmpDir((dir) => {
    writeFileSync(join(dir, 'keepalived.conf'), 'include /dev/zero\nok\n');
    const inc = timed(() => lexSource(new NodeFileSource(), { root: join(dir, 'keepalived.conf') }));
    assert.deepEqual(inc.words, ['ok']);
    const d = inc.diagnostics.find((x) => x.code === 'include_too_large');
    assert.ok(d);
    assert.equal(d.line, 1);
  });
});

test('openConfig() does not block on an included FIFO', () => {
  withTmpDir((dir) => {
    const fifo = join(dir, 'pipe.conf');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // No mkfifo here: nothing to test.
    }
    writeFileSync(join(dir, 'keepalived.conf'), 'include pipe.conf\nok\n');
    const r = timed(() => lexSource(new NodeFileSource(), { root: join(dir, 'keepalived.conf') }));
    assert.deepEqual(r.words, ['ok']);
    assert.deepEqual(r.messages, ["notice: Configuration file 'pipe.conf' is not a regular non-executable file - skipping"]);
  });
});

test('openConfig() treats an endless in-memory file like /dev/zero', () => {
  const r = timed(() => lex('include zero\nok\n', {}, { '/etc/keepalived/zero': ENDLESS }));
  assert.deepEqual(r.words, ['ok']);
  assert.ok(hasCode(r, 'include_too_large'));
});

test('openConfig() copes with one 16 MB line', () => {
  const r = timed(() => lex(`${'a'.repeat(16 * 1024 * 1024 - 10)}\n`));
  assert.ok(r.lines.length > 16_000);
  assert.ok(r.lines.every((l) => l.line === 1));
  assert.ok(r.lines.every((l) => l.raw.length <= LEXER_LIMITS.maxLineBytes));
  assert.ok(hasCode(r, 'line_too_long'));
});
