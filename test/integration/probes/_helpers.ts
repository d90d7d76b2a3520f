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
