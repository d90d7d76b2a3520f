/**
 * Hostile configurations through the real executable: each must end in a clear error
 * (file:line: message, no stack trace) quickly and within a small, fixed heap — never a
 * hang, a stack overflow or a crash. The heap is capped with --max-old-space-size so that
 * memory growing with the input makes the run fail.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const BIN = join(ROOT, 'bin', 'keepalived-ts');
const dir = mkdtempSync(join(tmpdir(), 'kats-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The bound; generous against Node's own start-up on a loaded 2-core machine. */
const LIMIT_MS = 2_000;
const HEAP_MB = 96;

function check(name: string, main: string, expect: RegExp): void {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--stack-size=984', BIN, '-t', '-f', main], {
    encoding: 'utf8',
    timeout: 20_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(r.signal, null, `${name}: killed by ${String(r.signal)} after ${ms.toFixed(0)} ms`);
  assert.notEqual(r.status, 0, `${name}: exit 0`);
  assert.doesNotMatch(r.stderr, /^\s+at .*:\d+:\d+\)?$/m, `${name}: stack trace on stderr`);
  assert.doesNotMatch(r.stderr, /heap out of memory|Maximum call stack/i, name);
  assert.match(r.stderr, expect, `${name}: stderr was ${r.stderr.slice(0, 500)}`);
  assert.ok(ms < LIMIT_MS, `${name}: took ${ms.toFixed(0)} ms (limit ${LIMIT_MS} ms)`);
}

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const LOC = (f: string) => new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: `);

test('an include cycle ends in a clear error', () => {
  file('b.conf', 'include a.conf\n');
  const a = file('a.conf', 'global_defs {\n  router_id x\n}\ninclude b.conf\n');
  check('include cycle', a, /include/i);
});

test('runaway definitions end in a clear error', () => {
  const p = file('runaway.conf', '$A=${A}${A}x\nglobal_defs {\n  router_id ${A}\n}\n');
  check('runaway expansion', p, LOC(p));
});

test('binary junk ends in clear errors', () => {
  let seed = 12345;
  const bytes = Buffer.alloc(1 << 20);
  for (let i = 0; i < bytes.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bytes[i] = seed >>> 24;
  }
  const p = file('junk.conf', bytes);
  check('binary junk', p, LOC(p));
});

test('a 50 MB file ends in a clear error', () => {
  const block = 'global_defs {\n  router_id lb\n}\n';
  const p = file('big.conf', block.repeat(Math.ceil((50 * 1024 * 1024) / block.length)));
  check('50 MB file', p, /larger than \d+ bytes/);
});

test('10,000 nested blocks end in a clear error', () => {
  const p = file('nested.conf', 'vrrp_instance VI {\n'.repeat(10_000));
  check('10k nested blocks', p, /missing '\}'|Unknown keyword/);
});

test('include /dev/zero ends in a clear error', () => {
  const p = file('zero.conf', 'global_defs {\n  router_id x\n}\ninclude /dev/zero\n');
  check('include /dev/zero', p, /\/dev\/zero/);
});
