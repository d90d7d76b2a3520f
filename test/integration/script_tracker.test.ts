import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VrrpScript } from '../../src/config/model/vrrp.js';
import { ScriptTracker, scriptExitOf } from '../../src/vrrp/script_tracker.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kats-tracker-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function vrrpScript(path: string, over: Partial<VrrpScript> = {}): VrrpScript {
  return {
    name: 'chk',
    at: { file: 'k.conf', line: 1 },
    command: { argv: [path], text: path, user: undefined, group: undefined, uid: undefined, gid: undefined, at: { file: 'k.conf', line: 1 } },
    intervalUs: 100_000,
    timeoutUs: 0,
    weight: 0,
    weightReverse: false,
    rise: 1,
    fall: 1,
    initFail: false,
    ...over,
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

test('runs on its interval; exit status drives up/down with keepalived log lines', withDir(async (dir) => {
  const status = join(dir, 'status');
  writeFileSync(status, '0');
  const path = join(dir, 'chk.sh');
  writeFileSync(path, `#!/bin/sh\nexit $(cat ${status})\n`);
  chmodSync(path, 0o755);
  const logs: string[] = [];
  const changes: string[] = [];
  const t = new ScriptTracker({
    script: vrrpScript(path, { rise: 2, fall: 2 }),
    isTracked: true,
    log: (l) => logs.push(l),
    onChange: (name, s) => changes.push(`${name}:${s}`),
  });
  assert.equal(t.trackResult, 'unknown');
  t.start();
  await waitFor(() => changes.length === 1);
  assert.deepEqual(changes, ['chk:up']);
  assert.equal(t.trackResult, 'good');
  writeFileSync(status, '1');
  await waitFor(() => changes.length === 2);
  assert.deepEqual(changes, ['chk:up', 'chk:down']);
  await t.stop();
  assert.deepEqual(logs, ['VRRP_Script(chk) succeeded', 'Script `chk` now returning 1', 'VRRP_Script(chk) failed (exited with status 1)']);
  const runs = t.runs;
  await sleep(250);
  assert.equal(t.runs, runs, 'no runs after stop()');
}));

test('a run over its timeout is killed and logged timed_out', withDir(async (dir) => {
  const path = join(dir, 'slow.sh');
  writeFileSync(path, '#!/bin/sh\nexec sleep 30\n');
  chmodSync(path, 0o755);
  const logs: string[] = [];
  const changes: string[] = [];
  const t = new ScriptTracker({
    script: vrrpScript(path, { intervalUs: 5_000_000, timeoutUs: 150_000 }),
    isTracked: true,
    log: (l) => logs.push(l),
    onChange: (_n, s) => changes.push(s),
  });
  t.start();
  await waitFor(() => changes.length === 1);
  await t.stop();
  assert.deepEqual(changes, ['down']);
  assert.deepEqual(logs, ['VRRP_Script(chk) timed_out']);
}));

test('interval shorter than the run: keepalived logs the overlap and runs anyway', withDir(async (dir) => {
  const path = join(dir, 'slowish.sh');
  writeFileSync(path, '#!/bin/sh\nsleep 0.25\n');
  chmodSync(path, 0o755);
  const logs: string[] = [];
  const t = new ScriptTracker({
    script: vrrpScript(path, { intervalUs: 100_000, timeoutUs: 1_000_000 }),
    isTracked: true,
    log: (l) => logs.push(l),
    onChange: () => {},
  });
  t.start();
  await sleep(220);
  await t.stop();
  assert.ok(t.runs >= 2);
  assert.ok(logs.includes('Track script chk is already running, expect idle - skipping run'), logs.join('\n'));
}));

test('scriptExitOf: exec failures count as success (keepalived child exits 0), signals per phase', () => {
  const base = { exitCode: null, signal: null, signalNumber: null, timedOut: false, phase: 'running' as const, durationMs: 1, pid: 1 };
  assert.deepEqual(scriptExitOf({ ...base, spawnError: { code: 'ENOENT', message: '' } }), { exitStatus: 0 });
  assert.deepEqual(scriptExitOf({ ...base, exitCode: 2 }), { exitStatus: 2 });
  assert.deepEqual(scriptExitOf({ ...base, signal: 'SIGTERM', signalNumber: 15, phase: 'requesting_termination' }), { timedOut: true });
  assert.deepEqual(scriptExitOf({ ...base, signal: 'SIGSEGV', signalNumber: 11 }), { signal: 11 });
});
