import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeTcp } from '../../../src/check/probes/tcp.js';
import { probeSmtp, smtpStatus } from '../../../src/check/probes/smtp.js';
import { blackHolePort, closeServer, conn, deadPort, tcpServer } from './_helpers.js';

test('probeTcp() succeeds when the connect completes', async () => {
  const h = await tcpServer(() => undefined);
  const r = await probeTcp({ connection: conn(h.port) });
  assert.equal(r.ok, true, r.detail);
  assert.equal(r.reason, 'ok');
  await closeServer(h);
});

test('probeTcp() reports connect_refused on a closed port', async () => {
  const r = await probeTcp({ connection: conn(await deadPort()) });
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'connect_refused');
});

test('probeTcp() reports connect_timeout against a black hole, within the timeout', async () => {
  const hole = await blackHolePort();
  try {
    const r = await probeTcp({ connection: conn(hole.port, 300) });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'connect_timeout');
    assert.ok(r.durationMs < 300 + 200, `${r.durationMs}`);
  } finally {
    hole.close();
  }
});

test('probeTcp() settles promptly on abort', async () => {
  const hole = await blackHolePort();
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await probeTcp({ connection: conn(hole.port, 5000) }, { signal: ac.signal });
    assert.ok(!r.ok);
    assert.ok(r.durationMs < 1000);
  } finally {
    hole.close();
  }
});

test('probeTcp() without destination reports no_destination', async () => {
  const r = await probeTcp({ connection: { ...conn(1), destination: undefined } });
  assert.equal(r.reason, 'no_destination');
});

function smtpServer(script: (line: string | undefined) => string | undefined) {
  return tcpServer((s) => {
    const banner = script(undefined);
    if (banner !== undefined) s.write(banner);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const out = script(line);
        if (out !== undefined) s.write(out);
        if (line === 'QUIT') s.end();
      }
    });
  });
}

test('probeSmtp() passes a 220 / HELO 250 / QUIT 221 conversation and sends HELO helo_name', async () => {
  const seen: string[] = [];
  const h = await smtpServer((line) => {
    if (line === undefined) return '220 mx.example ESMTP\r\n';
    seen.push(line);
    return line.startsWith('HELO') ? '250 hello\r\n' : '221 bye\r\n';
  });
  const r = await probeSmtp({ connection: conn(h.port), heloName: 'smtpchecker.keepalived.org' });
  assert.equal(r.ok, true, r.detail);
  assert.deepEqual(seen, ['HELO smtpchecker.keepalived.org', 'QUIT']);
  await closeServer(h);
});

test('probeSmtp() fails on a bad banner and on a bad HELO answer', async () => {
  const h1 = await smtpServer((line) => (line === undefined ? '554 go away\r\n' : undefined));
  assert.equal((await probeSmtp({ connection: conn(h1.port), heloName: 'x' })).reason, 'bad_banner');
  await closeServer(h1);
  const h2 = await smtpServer((line) => (line === undefined ? '220 ok\r\n' : '501 no\r\n'));
  assert.equal((await probeSmtp({ connection: conn(h2.port), heloName: 'x' })).reason, 'bad_helo_response');
  await closeServer(h2);
});

test('probeSmtp() times out against a silent server, within connect_timeout', async () => {
  const h = await tcpServer(() => undefined);
  const r = await probeSmtp({ connection: conn(h.port, 300), heloName: 'x' });
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'timeout');
  assert.ok(r.durationMs < 500);
  await closeServer(h);
});

test('smtpStatus() follows smtp_get_status: 3 digits then space or end', () => {
  assert.equal(smtpStatus('220 hi\r'), 220);
  assert.equal(smtpStatus('220'), 220);
  assert.equal(smtpStatus('220-multi'), -1);
  assert.equal(smtpStatus('220\r'), -1);
  assert.equal(smtpStatus('22 x'), -1);
});
