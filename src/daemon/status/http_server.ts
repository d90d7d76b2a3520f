/**
 * The status HTTP listener of the parent process (off unless `status_listen` or
 * `--status-listen` asks for it): GET /metrics (Prometheus text), GET /status (JSON),
 * GET / (the live dashboard). Everything else is 404 (405 for other methods).
 *
 * It only reads the collector's latest snapshots, so nothing a client does can reach the
 * VRRP child's event loop. It binds to 127.0.0.1 unless an address is configured, bounds
 * request time, and closes idle connections on close().
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard.js';
import { renderMetrics } from './metrics.js';
import type { DaemonStatus } from './snapshot.js';

/** Where the listener binds when only a port is configured. */
export const DEFAULT_STATUS_HOST = '127.0.0.1';

export interface StatusListen {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0: any free port (tests). */
  readonly port: number;
}

export interface StatusServerOptions {
  readonly listen: StatusListen;
  readonly getStatus: () => DaemonStatus;
  readonly log: (line: string) => void;
}

export interface StatusServer {
  /** The bound address (the real port when 0 was asked). */
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(req: IncomingMessage, res: ServerResponse, o: StatusServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const known = path === '/' || path === '/metrics' || path === '/status';
  if (!known) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
  }
  if (path === '/') {
    return send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML, { 'content-security-policy': DASHBOARD_CSP });
  }
  const status = o.getStatus();
  if (path === '/status') return send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(status)}\n`);
  const m = await renderMetrics(status);
  return send(res, 200, m.contentType, m.text);
}

/** Starts listening; rejects when the address cannot be bound (EADDRINUSE, EACCES, …). */
export function startStatusServer(o: StatusServerOptions): Promise<StatusServer> {
  const server = createServer((req, res) => {
    handle(req, res, o).catch((e: unknown) => {
      o.log(`Status server: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  // Slow or stuck clients must not pile up: the pages are tiny.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 50;
  const host = o.listen.host ?? DEFAULT_STATUS_HOST;
  return new Promise<StatusServer>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: o.listen.port }, () => {
      server.off('error', reject);
      server.on('error', (e) => o.log(`Status server: ${e.message}`));
      const a = server.address() as AddressInfo;
      resolve({
        address: { host: a.address, port: a.port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * `[ADDRESS:]PORT` or `[IPV6]:PORT` as given to --status-listen. undefined when invalid.
 */
export function parseStatusListenFlag(text: string): StatusListen | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const host = m[1] ?? m[2];
  return host === undefined ? { port } : { host, port };
}
