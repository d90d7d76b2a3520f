import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import type { HttpChecker, HttpUrl, SslConfig } from '../../../src/config/model/lvs.js';
import {
  buildHttpRequest,
  parseContentLength,
  parseStatusCode,
  probeHttp,
  probeHttpUrl,
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

const rx = (pattern: string, extra: Partial<NonNullable<HttpUrl['regex']>> = {}): HttpUrl['regex'] => ({
  pattern, options: [], noMatch: false, minOffset: 0, maxOffsetExclusive: 0, ...extra,
});

test('probeHttp() regex: status, digest and regex must all pass; regex_no_match inverts; offsets bound the start', async () => {
  const body = 'status: all systems OK\n';
  const h = await httpServer({ '/': { body } });
  const probe = (u: HttpUrl) => probeHttp(checker(h.port, [u]));
  assert.equal((await probe(url('/', { regex: rx('systems OK$') }))).ok, true);
  const miss = await probe(url('/', { regex: rx('DEGRADED') }));
  assert.equal(miss.reason, 'regex_mismatch');
  assert.equal((await probe(url('/', { regex: rx('DEGRADED', { noMatch: true }) }))).ok, true);
  assert.equal((await probe(url('/', { regex: rx('OK', { noMatch: true }) }))).reason, 'regex_mismatch');
  // "OK" starts at offset 20: regex_min_offset 21 misses it, regex_max_offset 20 keeps it.
  assert.equal((await probe(url('/', { regex: rx('OK', { minOffset: 21 }) }))).ok, false);
  assert.equal((await probe(url('/', { regex: rx('OK', { maxOffsetExclusive: 21 }) }))).ok, true);
  assert.equal((await probe(url('/', { regex: rx('OK', { maxOffsetExclusive: 20 }) }))).ok, false);
  assert.equal((await probe(url('/', { regex: rx('ok', { options: ['caseless'] }) }))).ok, true);
  // The digest is checked before the regex; a status error before both.
  assert.equal((await probe(url('/', { digest: md5('other'), regex: rx('OK') }))).reason, 'digest_mismatch');
  assert.equal((await probe(url('/', { digest: md5(body), regex: rx('OK') }))).ok, true);
  assert.equal((await probe(url('/', { statusCodes: [{ min: 500, max: 500 }], regex: rx('OK') }))).reason, 'bad_status');
  // A regex JavaScript cannot run fails the url, and says so once.
  const lines: string[] = [];
  const u = url('/', { regex: rx('(?>OK)') });
  const bad = await probeHttp(checker(h.port, [u]), { log: (l) => lines.push(l) });
  await probeHttp(checker(h.port, [u]), { log: (l) => lines.push(l) });
  assert.equal(bad.reason, 'regex_mismatch');
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /atomic groups/);
  await closeServer(h);
});

test('probeHttp() regex streams a 256 MiB body in bounded memory and finds a match at its end', async () => {
  const total = 256 * 1024 * 1024;
  const block = Buffer.alloc(1024 * 1024, 'x');
  const h = await tcpServer((s) => {
    s.once('data', () => {
      s.write(`HTTP/1.0 200 OK\r\nContent-Length: ${total + 6}\r\n\r\n`);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += block.length;
          if (!s.write(block)) {
            s.once('drain', pump);
            return;
          }
        }
        s.end('NEEDLE');
      };
      pump();
    });
  });
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const started = performance.now();
  const r = await probeHttp(checker(h.port, [url('/', { regex: rx('NEEDLE$') })], {}, 60_000),
    { maxBodyBytes: 2 * total });
  const ms = performance.now() - started;
  clearInterval(timer);
  assert.equal(r.ok, true, r.detail);
  const growthMiB = (peak - before) / 2 ** 20;
  console.log(`# 256 MiB body with regex: ${ms.toFixed(0)} ms, RSS growth ${growthMiB.toFixed(1)} MiB`);
  assert.ok(growthMiB < 64, `RSS grew ${growthMiB} MiB`);
  await closeServer(h);
});

test('probeHttpUrl() checks only the url it is given (the checker state machine steps the urls)', async () => {
  const h = await httpServer({ '/a': { body: 'a' }, '/b': { body: 'b' } });
  const c = checker(h.port, [url('/a'), url('/b')]);
  const r = await probeHttpUrl(c, c.urls[1] as HttpUrl);
  assert.equal(r.ok, true, r.detail);
  assert.equal(h.requests.length, 1);
  assert.match(h.requests[0] ?? '', /^GET \/b /);
  await closeServer(h);
});

/** A throw-away CA, a server certificate and a client certificate with an encrypted key. */
function pki(dir: string): { ca: string; serverKey: Buffer; serverCert: Buffer; clientCert: string; clientKey: string } {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=kats test CA');
  for (const who of ['server', 'client']) {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    run('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '1');
  }
  run('pkey', '-in', 'client.key', '-aes256', '-passout', 'pass:s3cret', '-out', 'client.enc.key');
  return {
    ca: join(dir, 'ca.pem'),
    serverKey: readFileSync(join(dir, 'server.key')),
    serverCert: readFileSync(join(dir, 'server.pem')),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.enc.key'),
  };
}

test('SSL_GET presents the SSL{} client certificate (key password) to a server that requires one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-pki-'));
  try {
    const p = pki(dir);
    const peers: string[] = [];
    const server = createTlsServer(
      { key: p.serverKey, cert: p.serverCert, ca: readFileSync(p.ca), requestCert: true, rejectUnauthorized: true },
      (s) => {
        peers.push(s.getPeerCertificate().subject.CN as string);
        s.on('error', () => undefined);
        serve(s, { '/': { body: 'mtls' } }, []);
      },
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const c = checker(port, [url('/', { regex: rx('mtls') })], { type: 'SSL_GET' });
    const ssl: SslConfig = { at: at as unknown as SslConfig['at'], password: 's3cret', caFile: p.ca, certificateFile: p.clientCert, keyFile: p.clientKey };
    // Without a client certificate the server refuses the handshake.
    assert.equal((await probeHttp(c)).ok, false);
    const r = await probeHttp(c, { ssl });
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(peers, ['client']);
    // keepalived never verifies the server: a CA that did not sign it changes nothing.
    writeFileSync(join(dir, 'other-ca.pem'), readFileSync(p.clientCert));
    const r2 = await probeHttp(c, { ssl: { ...ssl, caFile: join(dir, 'other-ca.pem') } });
    assert.equal(r2.ok, true, r2.detail);
    // A wrong password or a missing file fails every probe with keepalived's message.
    const bad = await probeHttp(c, { ssl: { ...ssl, password: 'nope' } });
    assert.equal(bad.reason, 'tls_error');
    const missing = await probeHttp(c, { ssl: { ...ssl, certificateFile: join(dir, 'absent.pem') } });
    assert.equal(missing.detail, 'SSL error : Cant load certificate file...');
    await new Promise<void>((res) => server.close(() => res()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
