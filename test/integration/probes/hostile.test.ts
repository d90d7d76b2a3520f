/**
 * Hostile backends must never hurt the checker: every probe settles within its timeout
 * (plus a small margin), memory stays bounded, nothing throws or rejects unhandled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpChecker, HttpUrl } from '../../../src/config/model/lvs.js';
import { probeHttp } from '../../../src/check/probes/http.js';
import { probeSmtp } from '../../../src/check/probes/smtp.js';
import { probeTcp } from '../../../src/check/probes/tcp.js';
import { closeServer, conn, tcpServer } from './_helpers.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));
process.on('uncaughtException', (e) => unhandled.push(e));

const at = { file: 't', line: 1 } as unknown as HttpUrl['at'];
const MARGIN_MS = 150;

function checker(port: number, timeoutMs: number, extra: Partial<HttpChecker> = {}, digest?: string): HttpChecker {
  return {
    type: 'HTTP_GET', at: at as HttpChecker['at'], alpha: false, delayLoopUs: 1e6, warmupUs: 0, retry: 1,
    delayBeforeRetryUs: 1e6, logAllFailures: false, connection: conn(port, timeoutMs), virtualhost: undefined,
    httpProtocol: '1.0', enableSni: false, fastRecovery: false,
    urls: [{ at, path: '/', digest, statusCodes: [{ min: 200, max: 299 }], virtualhost: undefined, regex: undefined, unimplemented: [] }],
    ...extra,
  };
}

async function against(onSocket: Parameters<typeof tcpServer>[0], timeoutMs: number, extra: Partial<HttpChecker> = {}) {
  const h = await tcpServer(onSocket);
  try {
    const r = await probeHttp(checker(h.port, timeoutMs, extra, '0'.repeat(32)));
    assert.equal(r.ok, false);
    assert.ok(r.durationMs <= timeoutMs + MARGIN_MS, `took ${r.durationMs} ms`);
    return r;
  } finally {
    await closeServer(h);
  }
}

test('hostile: accepts and never answers → timeout within connect_timeout', async () => {
  const r = await against(() => undefined, 400);
  assert.equal(r.reason, 'timeout');
});

test('hostile: answers one byte at a time, slowly → timeout within connect_timeout', async () => {
  const r = await against((s) => {
    const text = Buffer.from('HTTP/1.0 200 OK\r\n\r\n' + 'x'.repeat(1000));
    let i = 0;
    const t = setInterval(() => {
      if (s.destroyed || i >= text.length) return clearInterval(t);
      s.write(text.subarray(i, ++i));
    }, 20);
    s.on('close', () => clearInterval(t));
  }, 500);
  assert.equal(r.reason, 'timeout');
});

test('hostile: closes immediately → no_data', async () => {
  const r = await against((s) => s.end(), 500);
  assert.equal(r.reason, 'no_data');
});

test('hostile: resets mid-response → reset', async () => {
  const r = await against((s) => {
    s.once('data', () => {
      s.write('HTTP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\npartial');
      setTimeout(() => s.resetAndDestroy(), 20);
    });
  }, 1000);
  assert.equal(r.reason, 'reset');
});

test('hostile: speaks garbage instead of TLS (SSL_GET) → tls_error', async () => {
  const r = await against((s) => {
    s.on('data', () => s.write(Buffer.from('this is not TLS at all\r\n'.repeat(10))));
  }, 1000, { type: 'SSL_GET' });
  assert.equal(r.reason, 'tls_error', r.detail);
});

test('hostile: TLS server that never answers the ClientHello → fails within timeout', async () => {
  const r = await against(() => undefined, 400, { type: 'SSL_GET' });
  assert.ok(['tls_error', 'timeout'].includes(r.reason), r.reason);
});

test('hostile: endless header (no CRLFCRLF) → no_data after 4095 bytes', async () => {
  const r = await against((s) => {
    s.once('data', () => s.write('HTTP/1.0 200 OK\r\nX: ' + 'a'.repeat(100_000)));
  }, 1000);
  assert.equal(r.reason, 'no_data');
});

test('hostile: a 1 GB body generated on the fly → body_too_large, bounded RSS, within timeout', async () => {
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  let sent = 0;
  const h = await tcpServer((s) => {
    s.once('data', () => {
      s.write('HTTP/1.0 200 OK\r\nContent-Length: 1073741824\r\n\r\n');
      const pump = (): void => {
        while (!s.destroyed && sent < 1024 ** 3) {
          sent += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
  });
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  const timeoutMs = 10_000;
  const r = await probeHttp(checker(h.port, timeoutMs, {}, '0'.repeat(32)));
  clearInterval(sampler);
  await closeServer(h);
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'body_too_large', r.detail);
  assert.ok(r.durationMs < timeoutMs, `${r.durationMs}`);
  const growthMb = (peak - before) / 2 ** 20;
  console.log(`1 GB body: ${r.reason} after ${Math.round(r.durationMs)} ms, ${Math.round(sent / 2 ** 20)} MiB sent, RSS growth ${growthMb.toFixed(1)} MiB`);
  assert.ok(growthMb < 100, `RSS grew ${growthMb} MiB`);
});

test('hostile: SMTP server dripping bytes without a newline → timeout, bounded', async () => {
  const h = await tcpServer((s) => {
    const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('2'.repeat(4096))), 5);
    s.on('close', () => clearInterval(t));
  });
  const r = await probeSmtp({ connection: conn(h.port, 400), heloName: 'x' });
  assert.equal(r.reason, 'timeout');
  assert.ok(r.durationMs <= 400 + MARGIN_MS);
  await closeServer(h);
});

test('hostile: 200 concurrent probes against a silent server all settle within the timeout', async () => {
  const h = await tcpServer(() => undefined);
  const started = performance.now();
  const rs = await Promise.all(Array.from({ length: 200 }, () => probeHttp(checker(h.port, 500))));
  assert.ok(rs.every((r) => !r.ok && r.reason === 'timeout'));
  assert.ok(performance.now() - started < 500 + 500);
  const t = await probeTcp({ connection: conn(h.port) });
  assert.ok(t.ok);
  await closeServer(h);
});

test('hostile: no unhandled rejection or uncaught exception happened', async () => {
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(unhandled, []);
});
