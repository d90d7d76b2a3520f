/**
 * The addon's TCP prober (native/kats_tcp_probe.c) on loopback: its contract with the TS
 * side (batches of ids/errnos, cancel, pending count, kept fds) and its effect on the
 * event loop (an idle prober must not keep a process alive).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { ERRNO } from '../../../src/net/constants.js';
import { loadNative, TCP_PROBER_BATCH, TCP_STEP, type TcpProber } from '../../../src/net/native.js';
import { encodeSockaddrIn } from '../../../src/net/sockaddr.js';
import { blackHolePort, closeServer, deadPort, tcpServer } from './_helpers.js';

const fds = (): number => readdirSync('/proc/self/fd').length;

function prober(reset = true): { p: TcpProber; results: Map<number, number>; next: () => Promise<void> } {
  const create = loadNative().tcpProber;
  assert.ok(create !== undefined, 'the addon has a TCP prober');
  const ids = new Int32Array(TCP_PROBER_BATCH);
  const errnos = new Int32Array(TCP_PROBER_BATCH);
  const results = new Map<number, number>();
  let wake: (() => void) | undefined;
  const p = create((n) => {
    for (let i = 0; i < n; i++) results.set(ids[i] ?? -1, errnos[i] ?? -1);
    wake?.();
  }, ids, errnos, reset);
  return { p, results, next: () => new Promise((r) => (wake = r)) };
}

const sa = (port: number): Uint8Array => encodeSockaddrIn('127.0.0.1', { port });

test('tcpProber: connected and refused connects come back under their ids; no fd is left', async () => {
  const h = await tcpServer((s) => s.destroy());
  const dead = await deadPort();
  const { p, results, next } = prober();
  const before = fds();
  const out = new Int32Array(1);
  for (let id = 1; id <= 600; id++) {
    const fd = p.start(id, sa(id % 2 === 0 ? h.port : dead), null, null, 0, out, false);
    assert.ok(fd >= 0, `start ${id}: ${fd}`);
  }
  while (results.size < 600) await next();
  for (let id = 1; id <= 600; id++) assert.equal(results.get(id), id % 2 === 0 ? 0 : ERRNO.ECONNREFUSED, `id ${id}`);
  assert.equal(p.pending(), 0);
  assert.equal(fds(), before);
  p.close();
  await closeServer(h);
});

test('tcpProber: cancel() closes a pending connect and nothing is reported for it', async () => {
  const hole = await blackHolePort();
  try {
    const { p, results } = prober();
    const before = fds();
    const fd = p.start(42, sa(hole.port), null, null, 0, new Int32Array(1), false);
    assert.ok(fd >= 0);
    assert.equal(p.pending(), 1);
    assert.equal(p.cancel(fd), 0);
    assert.equal(p.pending(), 0);
    assert.equal(fds(), before);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(results.size, 0);
    p.close();
  } finally {
    hole.close();
  }
});

test('tcpProber: start() failures name the step (bind to a foreign address, unknown device)', () => {
  const { p } = prober();
  const out = new Int32Array(1);
  const before = fds();
  assert.equal(p.start(1, sa(9), encodeSockaddrIn('192.0.2.1'), null, 0, out, false), -ERRNO.EADDRNOTAVAIL);
  assert.equal(out[0], TCP_STEP.bind);
  assert.equal(p.start(2, sa(9), null, new TextEncoder().encode('nosuch0\0'), 0, out, false), -ERRNO.ENODEV);
  assert.equal(out[0], TCP_STEP.so_bindtodevice);
  assert.equal(fds(), before);
  assert.equal(p.pending(), 0);
  p.close();
});

test('tcpProber: with keep, the connected fd is handed over and works as a net.Socket', async () => {
  const h = await tcpServer((s) => s.end('hello'));
  const { p, results, next } = prober();
  const fd = p.start(7, sa(h.port), null, null, 0, new Int32Array(1), true);
  while (!results.has(7)) await next();
  assert.equal(results.get(7), 0);
  const s = new Socket({ fd, readable: true, writable: true });
  const data = await new Promise<string>((resolve) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('end', () => resolve(text));
  });
  assert.equal(data, 'hello');
  s.destroy();
  p.close();
  await closeServer(h);
});

test('tcpProber: an idle prober does not keep the process alive; a pending connect does', async () => {
  const url = new URL('../../../src/net/native.js', import.meta.url).href;
  const hole = await blackHolePort();
  try {
    const script = (pending: boolean) => `
const { loadNative } = await import(${JSON.stringify(url)});
const p = loadNative().tcpProber(() => {}, new Int32Array(256), new Int32Array(256), true);
${pending ? `p.start(1, new Uint8Array([2, 0, ${hole.port >> 8}, ${hole.port & 255}, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), null, null, 0, new Int32Array(1), false);` : ''}
`;
    const idle = spawnSync(process.execPath, ['--input-type=module', '-e', script(false)], { timeout: 5000 });
    assert.equal(idle.status, 0, 'idle: exits by itself');
    // The loopback black hole never answers: the pending connect holds the loop until killed.
    const busy = spawnSync(process.execPath, ['--input-type=module', '-e', script(true)], { timeout: 1000 });
    assert.equal(busy.signal, 'SIGTERM', 'pending: still running after 1 s');
  } finally {
    hole.close();
  }
});
