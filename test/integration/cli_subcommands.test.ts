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
