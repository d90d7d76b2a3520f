import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { CheckerConnection } from '../../../src/config/model/lvs.js';

export function conn(port: number, timeoutMs = 1000): CheckerConnection {
  return {
    destination: { family: 4, address: '127.0.0.1', port },
    bindTo: undefined,
    bindInterface: undefined,
    fwmark: 0,
    connectTimeoutUs: timeoutMs * 1000,
  };
}

export async function tcpServer(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

export async function closeServer(h: { server: Server; sockets: Set<Socket> }): Promise<void> {
  for (const s of h.sockets) s.destroy();
  await new Promise<void>((r) => h.server.close(() => r()));
}

/** A port with nothing listening (bound then closed). */
export async function deadPort(): Promise<number> {
  const h = await tcpServer(() => undefined);
  await closeServer(h);
  return h.port;
}

/**
 * A loopback port whose SYNs go unanswered: a listener (python3, which never accepts) with a
 * full backlog, so a connect hangs like one to a black hole, without leaving loopback.
 */
export async function blackHolePort(): Promise<{ port: number; close: () => void }> {
  const { spawn } = await import('node:child_process');
  const { connect } = await import('node:net');
  const py = spawn('python3', ['-c', [
    'import socket, sys, time',
    's = socket.socket()',
    "s.bind(('127.0.0.1', 0))",
    's.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'time.sleep(600)',
  ].join('\n')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    py.once('error', reject);
  });
  // Fill the accept queue (backlog 0 holds one, plus one in flight).
  const fillers = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
  for (const f of fillers) f.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 100));
  return {
    port,
    close: () => {
      for (const f of fillers) f.destroy();
      py.kill('SIGKILL');
    },
  };
}
