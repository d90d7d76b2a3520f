import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import type { HttpChecker, HttpUrl } from '../../../src/config/model/lvs.js';
import {
  buildHttpRequest,
  parseContentLength,
  parseStatusCode,
  probeHttp,
} from '../../../src/check/probes/http.js';
import { genhash, genhashMain, parseGenhashArgs } from '../../../src/check/probes/genhash.js';
import { closeServer, conn, deadPort, tcpServer } from './_helpers.js';

const at = { file: 't', line: 1 } as unknown as HttpUrl['at'];

function url(path: string, extra: Partial<HttpUrl> = {}): HttpUrl {
  return { at, path, digest: undefined, statusCodes: [{ min: 200, max: 299 }], virtualhost: undefined,
    regex: undefined, unimplemented: [], ...extra };
}

function checker(port: number, urls: HttpUrl[], extra: Partial<HttpChecker> = {}, timeoutMs = 1000): HttpChecker {
  return {
    type: 'HTTP_GET', at: at as HttpChecker['at'], alpha: false, delayLoopUs: 1e6, warmupUs: 0, retry: 1,
    delayBeforeRetryUs: 1e6, logAllFailures: false, connection: conn(port, timeoutMs), virtualhost: undefined,
    httpProtocol: '1.0', enableSni: false, fastRecovery: false, urls, ...extra,
  };
}

/** A tiny HTTP/1.0 server that records raw requests and answers from a table. */
async function httpServer(routes: Record<string, { status?: string; body: string; headers?: string }>) {
  const requests: string[] = [];
  const h = await tcpServer((s) => serve(s, routes, requests));
  return { ...h, requests };
}

function serve(s: Socket, routes: Record<string, { status?: string; body: string; headers?: string }>, requests: string[]) {
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    if (!buf.includes('\r\n\r\n')) return;
    requests.push(buf);
    const path = buf.split(' ')[1] ?? '';
    const r = routes[path] ?? { status: '404 Not Found', body: 'nope' };
    s.end(`HTTP/1.0 ${r.status ?? '200 OK'}\r\nContent-Length: ${Buffer.byteLength(r.body)}\r\n${r.headers ?? ''}\r\n${r.body}`);
  });
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

test('probeHttp() sends keepalived\'s exact request and accepts 2xx with matching digest', async () => {
  const h = await httpServer({ '/a': { body: 'hello' }, '/b': { body: 'world' } });
  const r = await probeHttp(checker(h.port, [url('/a', { digest: md5('hello') }), url('/b')]));
  assert.equal(r.ok, true, r.detail);
  assert.equal(h.requests[0], `GET /a HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${h.port}\r\n\r\n`);
  assert.equal(h.requests.length, 2);
  await closeServer(h);
});

test('probeHttp(): url virtualhost beats the checker\'s; 1.1 and 1.0C add Connection: close', async () => {
  const h = await httpServer({ '/': { body: '' } });
  await probeHttp(checker(h.port, [url('/', { virtualhost: 'u.example' })], { virtualhost: 'c.example', httpProtocol: '1.1' }));
  await probeHttp(checker(h.port, [url('/')], { virtualhost: 'c.example', httpProtocol: '1.0C' }));
  assert.equal(h.requests[0], 'GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: u.example\r\n\r\n');
  assert.equal(h.requests[1], 'GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: c.example\r\n\r\n');
  await closeServer(h);
});

test('probeHttp() fails on a status outside the ranges, a wrong digest, and any failing url', async () => {
  const h = await httpServer({ '/ok': { body: 'x' }, '/err': { status: '500 Oops', body: 'x' } });
  assert.equal((await probeHttp(checker(h.port, [url('/err')]))).reason, 'bad_status');
  assert.equal((await probeHttp(checker(h.port, [url('/err', { statusCodes: [{ min: 500, max: 500 }] })]))).ok, true);
  assert.equal((await probeHttp(checker(h.port, [url('/ok', { digest: md5('y') })]))).reason, 'digest_mismatch');
  assert.equal((await probeHttp(checker(h.port, [url('/ok'), url('/missing')]))).reason, 'bad_status');
  await closeServer(h);
});

test('probeHttp() digest covers only Content-Length bytes (keepalived http_process_response)', async () => {
  const h = await tcpServer((s) => s.once('data', () => s.end('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabcdef')));
  assert.equal((await probeHttp(checker(h.port, [url('/', { digest: md5('abc') })]))).ok, true);
  await closeServer(h);
});

test('probeHttp() reports connect_refused on a closed port', async () => {
  assert.equal((await probeHttp(checker(await deadPort(), [url('/')]))).reason, 'connect_refused');
});

test('parseStatusCode() follows extract_status_code', () => {
  const p = (s: string): number => parseStatusCode(Buffer.from(s, 'latin1'));
  assert.equal(p('HTTP/1.1 200 OK\r\n'), 200);
  assert.equal(p('HTTP/1.1 200\r\n'), 0);
  assert.equal(p('HTTP/1.1  200 OK'), 0);
  assert.equal(p('HTTP/1.1 2x0 OK'), 0);
  assert.equal(p('HTTP/1.1\r 200 OK'), 0);
  assert.equal(parseContentLength('HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n'), 12);
  assert.equal(parseContentLength('content-length: 12\r\n'), undefined);
  assert.equal(parseContentLength('Content-Length: 12x\r\n'), undefined);
});

test('parseStatusCode() is total on arbitrary bytes and returns 0 or a 3-digit code', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    const c = parseStatusCode(bytes);
    return c === 0 || (c >= 0 && c <= 999 && Number.isInteger(c));
  }), { numRuns: 2000 });
  fc.assert(fc.property(fc.integer({ min: 100, max: 999 }), fc.string(), (code, reason) =>
    parseStatusCode(Buffer.from(`HTTP/1.0 ${code} ${reason}`, 'latin1')) === code));
});

test('buildHttpRequest() brackets IPv6 literals only through requestHost', () => {
  assert.equal(buildHttpRequest('/x', '1.0', '[::1]:80'), 'GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: [::1]:80\r\n\r\n');
});

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'kats-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'),
      '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('SSL_GET works against a self-signed server (no verification) and sends SNI when enabled', async () => {
  const { key, cert } = selfSigned();
  const requests: string[] = [];
  const names: (string | false)[] = [];
  const server = createTlsServer({ key, cert }, (s) => {
    names.push((s as unknown as { servername: string | false }).servername);
    s.on('error', () => undefined);
    serve(s, { '/': { body: 'secure' } }, requests);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const r = await probeHttp(checker(port, [url('/', { digest: md5('secure') })],
    { type: 'SSL_GET', enableSni: true, virtualhost: 'www.example' }));
  assert.equal(r.ok, true, r.detail);
  assert.deepEqual(names, ['www.example']);
  const g = await genhash({ server: '127.0.0.1', port, url: '/', ssl: true });
  assert.equal(g.digest, md5('secure'));
  await new Promise<void>((res) => server.close(() => res()));
});

test('genhash() prints the body MD5; parseGenhashArgs() follows keepalived\'s getopt string', async () => {
  const h = await httpServer({ '/index.html': { body: '<html>hi</html>' } });
  const out: string[] = [];
  const code = await genhashMain(['-s', '127.0.0.1', '-p', String(h.port), '-u', '/index.html'],
    { stdout: (s) => out.push(s), stderr: (s) => out.push(s) });
  assert.equal(code, 0);
  assert.deepEqual(out, [`${md5('<html>hi</html>')}\n`]);
  const g = await genhash({ server: '127.0.0.1', port: h.port, url: '/index.html' });
  assert.equal(g.status, 200);
  assert.equal(g.bytes, 15);
  assert.match(g.headers, /^HTTP\/1.0 200 OK\r\n/);
  const a = parseGenhashArgs(['-S', '-s', '::1', '-p80', '-u', '/', '-V', 'h', '-P', '1.0c', '-t', '3']);
  assert.ok(a.ok);
  assert.deepEqual(a.options, { ssl: true, server: '::1', port: 80, url: '/', virtualhost: 'h', protocol: '1.0C', timeoutS: 3 });
  assert.equal(parseGenhashArgs(['-s', 'host.name', '-p', '80', '-u', '/']).ok, false);
  assert.equal(parseGenhashArgs(['-s', '1.2.3.4', '-p', '0', '-u', '/']).ok, false);
  assert.equal(parseGenhashArgs(['-s', '1.2.3.4', '-p', '80']).ok, false);
  const usage: string[] = [];
  assert.equal(await genhashMain(['-h'], { stdout: () => undefined, stderr: (s) => usage.push(s) }), 1);
  assert.match(usage.join(''), /Usage:/);
  await closeServer(h);
});
