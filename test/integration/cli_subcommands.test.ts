import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KATS_BIN } from '../lab/daemons.js';

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [KATS_BIN, ...args], (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

test('keepalived-ts genhash prints the MD5 of the page body, as keepalived\'s genhash does', async () => {
  const body = 'hello from a real server\n';
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const r = await run(['genhash', '-s', '127.0.0.1', '-p', String(port), '-u', '/']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(createHash('md5').update(body).digest('hex')));
  } finally {
    server.close();
  }
});

test('keepalived-ts lvs rejects an unknown backend with its usage', async () => {
  const r = await run(['lvs', '--backend=bogus']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Usage: keepalived-ts lvs/);
});

test('the daemon refuses to start while a live process holds its pid file ("daemon is already running")', async () => {
  const { mkdtempSync, writeFileSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'kats-pid-'));
  try {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    127.0.0.77\n  }\n}\n');
    const pid = join(dir, 'k.pid');
    writeFileSync(pid, `${process.pid}\n`); // this test process: alive
    const r = await run(['-n', '-l', '-f', conf, '-p', pid, '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /daemon is already running/);
    assert.equal(readFileSync(pid, 'utf8'), `${process.pid}\n`, 'the holder\'s pid file is left alone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('under systemd (JOURNAL_STREAM) without -l, log lines carry the <6> priority prefix for journald', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'kats-journal-'));
  try {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'global_defs {\n  router_id j\n}\n');
    const r = await new Promise<{ stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [KATS_BIN, '-n', '-f', conf, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')],
        { env: { ...process.env, JOURNAL_STREAM: '8:12345' } },
        (_e, _o, stderr) => resolve({ stderr }),
      );
    });
    assert.match(r.stderr, /^<6>Starting keepalived-ts v/m);
    assert.match(r.stderr, /^<6>keepalived-ts: no vrrp_instance or virtual_server to run$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
