import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTracker, parseTrackFileContent } from '../../src/vrrp/file_tracker.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kats-tfile-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

test('parse: strtol base 0 and keepalived\'s range check', () => {
  const v = (t: string): unknown => parseTrackFileContent(t);
  assert.deepEqual(v('12\n'), { kind: 'value', value: 12 });
  assert.deepEqual(v('  -7 trailing'), { kind: 'value', value: -7 });
  assert.deepEqual(v('0x1F'), { kind: 'value', value: 31 });
  assert.deepEqual(v('010'), { kind: 'value', value: 8 });
  assert.deepEqual(v('08'), { kind: 'value', value: 0 });
  assert.deepEqual(v('0x'), { kind: 'value', value: 0 });
  assert.deepEqual(v(''), { kind: 'value', value: 0 });
  assert.deepEqual(v('abc'), { kind: 'value', value: 0 });
  assert.deepEqual(v('+5'), { kind: 'value', value: 5 });
  assert.deepEqual(v('2147483648'), { kind: 'value', value: 2147483648 });
  assert.deepEqual(v('2147483649'), { kind: 'invalid', printed: '2147483649' });
  assert.deepEqual(v('-2147483649'), { kind: 'invalid', printed: '-2147483649' });
  assert.deepEqual(v('99999999999999999999'), { kind: 'invalid', printed: '9223372036854775807' });
});

test('watches the directory: write, replace by rename, delete (0), re-create', withDir(async (dir) => {
  const path = join(dir, 'prio');
  writeFileSync(path, '5\n');
  const values: number[] = [];
  const logs: string[] = [];
  const t = new FileTracker({ file: { name: 'tf', path, init: undefined }, log: (l) => logs.push(l), onValue: (_n, v) => values.push(v) });
  assert.equal(await t.start(), true);
  assert.equal(t.value, 5);
  assert.deepEqual(values, [], 'the starting value is not a change');
  writeFileSync(path, '10\n');
  await waitFor(() => values.length === 1);
  writeFileSync(join(dir, 'prio.tmp'), '-3\n');
  renameSync(join(dir, 'prio.tmp'), path);
  await waitFor(() => values.length === 2);
  unlinkSync(path);
  await waitFor(() => values.length === 3);
  writeFileSync(path, '0x10');
  await waitFor(() => values.length === 4);
  writeFileSync(path, '16');
  writeFileSync(join(dir, 'other'), '99');
  await sleep(100);
  writeFileSync(path, 'junk 99999999999');
  await waitFor(() => values.length === 5);
  writeFileSync(path, '3000000000');
  await sleep(100);
  t.stop();
  assert.deepEqual(values, [10, -3, 0, 16, 0]);
  assert.deepEqual(logs, [`Invalid number 3000000000 read from ${path} - ignoring`]);
  assert.equal(t.value, 0);
}));

test('missing file starts at 0 and is picked up when created; missing directory is refused', withDir(async (dir) => {
  const values: number[] = [];
  const t = new FileTracker({ file: { name: 'tf', path: join(dir, 'later'), init: undefined }, log: () => {}, onValue: (_n, v) => values.push(v) });
  assert.equal(await t.start(), true);
  assert.equal(t.value, 0);
  writeFileSync(join(dir, 'later'), '7');
  await waitFor(() => values.length === 1);
  t.stop();
  assert.deepEqual(values, [7]);
  const logs: string[] = [];
  const bad = new FileTracker({ file: { name: 'nodir', path: join(dir, 'no/such/file'), init: undefined }, log: (l) => logs.push(l), onValue: () => {} });
  assert.equal(await bad.start(), false);
  assert.deepEqual(logs, ['Track file directory for nodir does not exist - removing']);
}));

test('init_file: creates a missing file; overwrite replaces except on reload', withDir(async (dir) => {
  const path = join(dir, 'init');
  const mk = (overwrite: boolean, isReload = false): FileTracker =>
    new FileTracker({ file: { name: 'tf', path, init: { value: 42, overwrite } }, log: () => {}, onValue: () => {}, isReload });
  const a = mk(false);
  await a.start();
  a.stop();
  assert.equal(readFileSync(path, 'utf8'), '42\n');
  assert.equal(a.value, 42);
  writeFileSync(path, '1\n');
  const b = mk(false);
  await b.start();
  b.stop();
  assert.equal(readFileSync(path, 'utf8'), '1\n');
  const c = mk(true, true);
  await c.start();
  c.stop();
  assert.equal(readFileSync(path, 'utf8'), '1\n');
  const d = mk(true);
  await d.start();
  d.stop();
  assert.equal(readFileSync(path, 'utf8'), '42\n');
}));
