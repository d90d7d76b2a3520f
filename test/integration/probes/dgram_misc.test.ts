import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ScriptCommand } from '../../../src/config/script.js';
import { buildDnsQuery, probeDns } from '../../../src/check/probes/dns.js';
import { probeUdp, udpReplyMatches } from '../../../src/check/probes/udp.js';
import { probePing } from '../../../src/check/probes/ping.js';
import { probeMisc } from '../../../src/check/probes/misc.js';
import { fileCheckStatus, probeFile } from '../../../src/check/probes/file.js';
import { conn } from './_helpers.js';

async function udpServer(onMsg: (s: Socket, msg: Buffer, rinfo: { port: number; address: string }) => void) {
  const s = createSocket('udp4');
  s.on('message', (m, r) => onMsg(s, m, r));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { s, port: (s.address() as AddressInfo).port };
}

async function closedUdpPort(): Promise<number> {
  const h = await udpServer(() => undefined);
  h.s.close();
  return h.port;
}

test('buildDnsQuery() encodes labels, RD, type and class IN like dns_make_query', () => {
  const q = buildDnsQuery(0x1234, 'A', 'www.example.com');
  assert.equal(q.toString('hex'), '12340100000100000000000003777777076578616d706c6503636f6d0000010001');
  assert.equal(buildDnsQuery(1, 'SOA', '.').subarray(12).toString('hex'), '0000060001');
  assert.equal(buildDnsQuery(1, 'SOA', '').subarray(12).toString('hex'), '0000060001');
});

test('probeDns(): RCODE 0 passes, other RCODEs fail, wrong ids are ignored, silence times out', async () => {
  const h = await udpServer((s, m, r) => {
    const rcode = m.includes(Buffer.from('bad')) ? 3 : 0;
    const wrong = Buffer.from(m); wrong[0] = (wrong[0] ?? 0) ^ 0xff; wrong[2] = 0x81;
    s.send(wrong, r.port, r.address);
    const ans = Buffer.from(m); ans[2] = 0x81; ans[3] = 0x80 | rcode;
    s.send(ans, r.port, r.address);
  });
  assert.equal((await probeDns({ connection: conn(h.port), queryType: 'SOA', name: 'ok.test' })).ok, true);
  const bad = await probeDns({ connection: conn(h.port), queryType: 'A', name: 'bad.test' });
  assert.equal(bad.reason, 'dns_error');
  h.s.close();
  const silent = await udpServer(() => undefined);
  const r = await probeDns({ connection: conn(silent.port, 300), queryType: 'A', name: 'x' });
  assert.equal(r.reason, 'no_reply');
  assert.ok(r.durationMs < 450);
  silent.s.close();
  const refused = await probeDns({ connection: conn(await closedUdpPort(), 1000), queryType: 'A', name: 'x' });
  assert.equal(refused.ok, false);
});

test('probeUdp(): silence is success without require_reply; ICMP port unreachable fails', async () => {
  const silent = await udpServer(() => undefined);
  const r = await probeUdp({ connection: conn(silent.port, 200), payloadHex: 'abcd', requireReply: false,
    replyHex: undefined, replyMaskHex: undefined, minReplyLength: 0, maxReplyLength: 255 });
  assert.equal(r.ok, true, r.detail);
  const rr = await probeUdp({ connection: conn(silent.port, 200), payloadHex: undefined, requireReply: true,
    replyHex: undefined, replyMaskHex: undefined, minReplyLength: 0, maxReplyLength: 255 });
  assert.equal(rr.reason, 'no_reply');
  silent.s.close();
  const dead = await probeUdp({ connection: conn(await closedUdpPort(), 1000), payloadHex: 'ab', requireReply: false,
    replyHex: undefined, replyMaskHex: undefined, minReplyLength: 0, maxReplyLength: 255 });
  assert.equal(dead.ok, false);
  assert.equal(dead.reason, 'unreachable');
});

test('probeUdp(): require_reply HEX with wildcards and length bounds', async () => {
  const echo = await udpServer((s, m, r) => s.send(Buffer.concat([Buffer.from('ok'), m]), r.port, r.address));
  const base = { connection: conn(echo.port, 500), payloadHex: '0102', requireReply: true, minReplyLength: 0, maxReplyLength: 255 };
  assert.equal((await probeUdp({ ...base, replyHex: '6f6b0102', replyMaskHex: undefined })).ok, true);
  assert.equal((await probeUdp({ ...base, replyHex: '6f6b0000', replyMaskHex: '0000ffff' })).ok, true);
  assert.equal((await probeUdp({ ...base, replyHex: '6f6c', replyMaskHex: undefined })).reason, 'reply_mismatch');
  assert.equal((await probeUdp({ ...base, replyHex: '6f', replyMaskHex: undefined, maxReplyLength: 3 })).reason, 'reply_mismatch');
  echo.s.close();
  assert.equal(udpReplyMatches(Buffer.from('ab'), { replyHex: '616263', replyMaskHex: undefined, minReplyLength: 0, maxReplyLength: 9 }), true);
});

test('probePing(): echo reply from 127.0.0.1 over an ICMP datagram socket', async (t) => {
  const r = await probePing({ connection: { ...conn(0, 1000) } });
  if (r.reason === 'socket_error') {
    // In CI a missing capability is a failure, not a silent skip.
    if (['true', '1', 'yes'].includes((process.env['CI'] ?? '').toLowerCase())) assert.fail(`no ICMP datagram socket: ${r.detail}`);
    t.skip(`no ICMP datagram socket here: ${r.detail}`);
    return;
  }
  assert.equal(r.ok, true, r.detail);
  // Loopback only (no traffic leaves the machine): an aborted probe settles at once.
  const ac = new AbortController();
  ac.abort();
  const aborted = await probePing({ connection: { ...conn(0, 5000) } }, { signal: ac.signal });
  assert.equal(aborted.ok, false);
  assert.ok(aborted.durationMs < 450);
});

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kats-probe-'));
    try { await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
  };
}

function cmd(path: string, ...args: string[]): ScriptCommand {
  return { argv: [path, ...args], text: [path, ...args].join(' '), user: undefined, group: undefined,
    uid: undefined, gid: undefined, at: { file: 't', line: 1 } as unknown as ScriptCommand['at'] };
}

test('probeMisc(): exit 0 ok, 1 fails, misc_dynamic weight = exit - 2, time-out fails in time', withDir(async (dir) => {
  const s = join(dir, 'chk.sh');
  writeFileSync(s, '#!/bin/sh\n[ "$1" = sleep ] && exec sleep 10\n[ "$1" = stubborn ] && { trap "" TERM; sleep 10; }\nexit "$1"\n');
  chmodSync(s, 0o755);
  const run = (arg: string, dynamic: boolean, timeoutMs = 2000) => probeMisc({ script: cmd(s, arg), timeoutUs: timeoutMs * 1000, dynamic });
  assert.deepEqual([(await run('0', false)).ok, (await run('1', false)).reason], [true, 'exit_status']);
  assert.equal((await run('7', false)).ok, false);
  const d = await run('7', true);
  assert.equal(d.ok, true);
  assert.equal(d.dynamicWeight, 5);
  assert.equal((await run('1', true)).ok, false);
  const t = await run('sleep', false, 300);
  assert.equal(t.reason, 'timeout');
  assert.ok(t.durationMs < 300 + 300, `${t.durationMs}`);
  const st = await run('stubborn', false, 300);
  assert.equal(st.ok, false);
  assert.ok(st.durationMs < 300 + 300, `${st.durationMs}`);
  assert.equal((await probeMisc({ script: cmd(join(dir, 'nope')), timeoutUs: 1e6, dynamic: false })).reason, 'spawn_error');
}));

test('probeFile(): weight 0 (non-zero = FAULT), reverse, weighted offsets', withDir(async (dir) => {
  const f = join(dir, 'v');
  const tf = (weight: number, weightReverse = false) => ({ path: f, weight, weightReverse });
  writeFileSync(f, '0\n');
  assert.equal((await probeFile({ weight: 0, reverse: false }, { trackFile: tf(1) })).ok, true);
  writeFileSync(f, '5\n');
  assert.equal((await probeFile({ weight: 0, reverse: false }, { trackFile: tf(1) })).reason, 'file_fault');
  assert.equal((await probeFile({ weight: 0, reverse: true }, { trackFile: tf(1) })).ok, true);
  const w = await probeFile({ weight: undefined, reverse: false }, { trackFile: tf(3) });
  assert.deepEqual([w.ok, w.dynamicWeight], [true, 15]);
  const rev = await probeFile({ weight: 2, reverse: true }, { trackFile: tf(3) });
  assert.equal(rev.dynamicWeight, -10);
  rmSync(f);
  assert.equal((await probeFile({ weight: 0, reverse: false }, { trackFile: tf(1) })).ok, true);
  assert.equal(fileCheckStatus(-2147483648, 1, false), null);
}));
