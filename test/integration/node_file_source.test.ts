import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DiagnosticSink } from '../../src/config/diagnostics.js';
import { openConfig } from '../../src/config/lexer.js';
import { NodeFileSource } from '../../src/daemon/node_file_source.js';

function withTree(files: Readonly<Record<string, string | Buffer>>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'node-file-source-'));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const path = join(dir, rel);
      if (rel.endsWith('/')) {
        mkdirSync(path, { recursive: true });
        continue;
      }
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content);
    }
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fs = new NodeFileSource();

test('NodeFileSource.readFile() reads a UTF-8 file', () => {
  withTree({ 'a.conf': 'héllo\n' }, (dir) => {
    assert.deepEqual(fs.readFile(join(dir, 'a.conf'), 100), { ok: true, text: 'héllo\n' });
  });
});

test('NodeFileSource.readFile() accepts exactly maxBytes and refuses one byte more', () => {
  withTree({ 'a.conf': '1234567890' }, (dir) => {
    assert.equal(fs.readFile(join(dir, 'a.conf'), 10).ok, true);
    const r = fs.readFile(join(dir, 'a.conf'), 9);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.code, 'too_large');
  });
});

test('NodeFileSource.readFile() stops reading /dev/zero after maxBytes + 1', () => {
  const t0 = performance.now();
  const r = fs.readFile('/dev/zero', 1024 * 1024);
  assert.equal(r.ok ? '' : r.code, 'too_large');
  assert.ok(performance.now() - t0 < 2000);
});

test('NodeFileSource.readFile() reports directories and missing files by errno code', () => {
  withTree({ 'd/': '' }, (dir) => {
    const d = fs.readFile(join(dir, 'd'), 100);
    assert.equal(d.ok ? '' : d.code, 'EISDIR');
    const m = fs.readFile(join(dir, 'missing'), 100);
    assert.equal(m.ok ? '' : m.code, 'ENOENT');
  });
});

test('NodeFileSource.readFile() refuses a FIFO without opening it', () => {
  withTree({}, (dir) => {
    const fifo = join(dir, 'p');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return;
    }
    const r = fs.readFile(fifo, 100);
    assert.equal(r.ok ? '' : r.code, 'not_regular');
  });
});

test('NodeFileSource.readFile() falls back to latin1 for bytes that are not UTF-8, and keeps a BOM', () => {
  withTree({ 'bad.conf': Buffer.from([0x61, 0xe9, 0x0a]), 'bom.conf': Buffer.from([0xef, 0xbb, 0xbf, 0x78]) }, (dir) => {
    assert.deepEqual(fs.readFile(join(dir, 'bad.conf'), 100), { ok: true, text: 'a\u00e9\n' });
    assert.deepEqual(fs.readFile(join(dir, 'bom.conf'), 100), { ok: true, text: '\ufeffx' });
  });
});

test('NodeFileSource.glob() matches *, ? and [...] per segment, sorted', () => {
  withTree({ 'c.conf': '', 'a.conf': '', 'b.txt': '', 'a1.conf': '', 'a2.conf': '' }, (dir) => {
    assert.deepEqual(fs.glob(`${dir}/*.conf`), ['a.conf', 'a1.conf', 'a2.conf', 'c.conf'].map((f) => join(dir, f)));
    assert.deepEqual(fs.glob(`${dir}/a?.conf`), ['a1.conf', 'a2.conf'].map((f) => join(dir, f)));
    assert.deepEqual(fs.glob(`${dir}/a[!1].conf`), [join(dir, 'a2.conf')]);
    assert.deepEqual(fs.glob(`${dir}/[a-b]*`), ['a.conf', 'a1.conf', 'a2.conf', 'b.txt'].map((f) => join(dir, f)));
    assert.deepEqual(fs.glob(`${dir}/*.none`), []);
  });
});

test('NodeFileSource.glob() shows hidden files only to a pattern starting with a dot', () => {
  withTree({ '.hidden.conf': '', 'seen.conf': '' }, (dir) => {
    assert.deepEqual(fs.glob(`${dir}/*.conf`), [join(dir, 'seen.conf')]);
    assert.deepEqual(fs.glob(`${dir}/.*.conf`), [join(dir, '.hidden.conf')]);
  });
});

test('NodeFileSource.glob() walks wildcard directories and matches only directories with a trailing slash', () => {
  withTree({ 'x/k.conf': '', 'y/k.conf': '', 'z/other': '', 'f.conf': '' }, (dir) => {
    assert.deepEqual(fs.glob(`${dir}/*/k.conf`), [join(dir, 'x/k.conf'), join(dir, 'y/k.conf')]);
    assert.deepEqual(fs.glob(`${dir}/*/`), ['x', 'y', 'z'].map((d) => join(dir, d)));
  });
});

test('NodeFileSource.glob() returns a literal path that exists, dangling symlink included', () => {
  withTree({ 'a.conf': '' }, (dir) => {
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.conf'));
    assert.deepEqual(fs.glob(join(dir, 'a.conf')), [join(dir, 'a.conf')]);
    assert.deepEqual(fs.glob(join(dir, 'dangling.conf')), [join(dir, 'dangling.conf')]);
    assert.deepEqual(fs.glob(join(dir, 'missing.conf')), []);
  });
});

test('NodeFileSource.glob() honours backslash escapes', () => {
  withTree({ 'we*ird.conf': '', 'weXird.conf': '' }, (dir) => {
    assert.deepEqual(fs.glob(`${dir}/we\\*ird.conf`), [join(dir, 'we*ird.conf')]);
  });
});

test('openConfig() over NodeFileSource includes relative to a directory named with glob characters', () => {
  const weird = 'we[i]rd {x,y} *dir';
  const files = {
    'keepalived.conf': 'top\ninclude we*/sub.conf\n',
    [`${weird}/sub.conf`]: 'include conf.d/*.conf\n',
    [`${weird}/conf.d/a.conf`]: 'inner\n',
  };
  withTree(files, (dir) => {
    const base = join(dir, weird);
    const sink = new DiagnosticSink();
    const random = { intBetween: (a: number): number => a };
    const reader = openConfig(join(dir, 'keepalived.conf'), fs, { configId: 'x', env: {}, random }, sink);
    const got: string[] = [];
    for (let l = reader.next(); l !== undefined; l = reader.next()) got.push(`${l.file}:${l.line}:${l.raw}`);
    assert.deepEqual(sink.items, []);
    assert.deepEqual(got, [`${dir}/keepalived.conf:1:top`, `${base}/conf.d/a.conf:1:inner`]);
  });
});
