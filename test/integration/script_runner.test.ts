import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookupUserIds, runScript, scriptEnvironment } from '../../src/daemon/script_runner.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kats-runner-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('argv is passed word for word, exit status reported', withDir(async (dir) => {
  const out = join(dir, 'out');
  const s = script(dir, 'args.sh', `for a in "$@"; do printf '%s|' "$a" >> ${out}; done; exit 3`);
  const r = await runScript({ argv: [s, 'a b', '', 'INSTANCE', 'VI_1', 'MASTER', '100'] });
  assert.equal(r.exitCode, 3);
  assert.equal(r.signal, null);
  assert.equal(r.timedOut, false);
  assert.equal(readFileSync(out, 'utf8'), 'a b||INSTANCE|VI_1|MASTER|100|');
}));

test('environment: IFS, LD_PRELOAD, LD_LIBRARY_PATH removed, PATH kept', withDir(async (dir) => {
  const out = join(dir, 'env');
  const s = script(dir, 'env.sh', `env > ${out}`);
  const r = await runScript({
    argv: [s],
    env: { PATH: '/usr/bin:/bin', IFS: 'x', LD_PRELOAD: '/evil.so', LD_LIBRARY_PATH: '/evil', KEEP: 'yes' },
  });
  assert.equal(r.exitCode, 0);
  const env = readFileSync(out, 'utf8');
  assert.match(env, /^PATH=\/usr\/bin:\/bin$/m);
  assert.match(env, /^KEEP=yes$/m);
  assert.doesNotMatch(env, /^(IFS|LD_PRELOAD|LD_LIBRARY_PATH)=/m);
  assert.deepEqual(scriptEnvironment({ IFS: ' ', A: '1' }), { A: '1' });
}));

test('runs in its own process group', withDir(async (dir) => {
  const out = join(dir, 'pg');
  const s = script(dir, 'pg.sh', `ps -o pid=,pgid= -p $$ > ${out}`);
  const r = await runScript({ argv: [s] });
  assert.equal(r.exitCode, 0);
  const [pid, pgid] = readFileSync(out, 'utf8').trim().split(/\s+/);
  assert.equal(pid, pgid);
  assert.equal(Number(pid), r.pid);
}));

test('time-out: SIGTERM to the group, SIGKILL after the grace when TERM is trapped', withDir(async (dir) => {
  const marks = join(dir, 'marks');
  const child = join(dir, 'child.pid');
  const s = script(
    dir,
    'stubborn.sh',
    `trap 'echo TERM >> ${marks}' TERM\nsleep 30 & echo $! > ${child}\nwhile true; do sleep 0.05; done`,
  );
  const r = await runScript({ argv: [s], timeoutMs: 200, killGraceMs: 300 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.signalNumber, 9);
  assert.equal(r.phase, 'forcing_termination');
  assert.ok(r.durationMs >= 480 && r.durationMs < 3000, `took ${r.durationMs} ms`);
  assert.match(readFileSync(marks, 'utf8'), /TERM/);
  // The whole group got the signals: the background sleep is gone too.
  const sleeper = Number(readFileSync(child, 'utf8'));
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(existsSync(`/proc/${sleeper}`) && !readFileSync(`/proc/${sleeper}/stat`, 'utf8').includes(') Z '), false);
}));

test('time-out: a script that obeys SIGTERM ends in requesting_termination', withDir(async (dir) => {
  const s = script(dir, 'sleepy.sh', 'exec sleep 30');
  const r = await runScript({ argv: [s], timeoutMs: 100 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.phase, 'requesting_termination');
}));

test('killGraceMs 0: SIGKILL at the time-out (STOP notifies)', withDir(async (dir) => {
  const s = script(dir, 'stop.sh', "trap '' TERM\nwhile true; do sleep 0.05; done");
  const r = await runScript({ argv: [s], timeoutMs: 100, killGraceMs: 0 });
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(r.durationMs < 1000);
}));

test('missing command: resolves with keepalived\'s exec error, never throws', async () => {
  const r = await runScript({ argv: ['/nonexistent/kats-script', 'x'] });
  assert.equal(r.exitCode, null);
  assert.equal(r.spawnError?.code, 'ENOENT');
  assert.equal(r.spawnError?.message, "Error exec-ing command '/nonexistent/kats-script', error 2: No such file or directory");
});

test('a `</dev/tcp` style command goes through /bin/sh like system()', withDir(async (dir) => {
  const target = join(dir, 'exists');
  writeFileSync(target, '');
  assert.equal((await runScript({ argv: [`<${target}`] })).exitCode, 0);
  assert.notEqual((await runScript({ argv: [`<${join(dir, 'missing')}`] })).exitCode, 0);
}));

test('runs as another uid/gid when given (root only)', { skip: process.getuid?.() !== 0 }, withDir(async (dir) => {
  const nobody = await lookupUserIds('nobody');
  assert.ok(nobody !== undefined);
  const out = join(dir, 'id');
  chmodSync(dir, 0o777);
  const s = script(dir, 'id.sh', `id -u > ${out}; id -g >> ${out}`);
  const r = await runScript({ argv: [s], uid: nobody.uid, gid: nobody.gid });
  assert.equal(r.exitCode, 0);
  assert.equal(readFileSync(out, 'utf8'), `${nobody.uid}\n${nobody.gid}\n`);
}));

test('lookupUserIds parses /etc/passwd', withDir(async (dir) => {
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\n');
  assert.deepEqual(await lookupUserIds('keepalived_script', passwd), { uid: 998, gid: 997 });
  assert.deepEqual(await lookupUserIds('998', passwd), { uid: 998, gid: 997 });
  assert.equal(await lookupUserIds('nope', passwd), undefined);
}));

test('abort ends a running script like a time-out', withDir(async (dir) => {
  const s = script(dir, 'long.sh', 'exec sleep 30');
  const ac = new AbortController();
  const p = runScript({ argv: [s], signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  const r = await p;
  assert.equal(r.signal, 'SIGTERM');
}));
