/**
 * Private: opens the TCP (or TLS) stream a probe talks over, from the checker's
 * connection options (keepalived's conn_opts_t: connect_ip/connect_port, bindto/bind_port).
 *
 * keepalived-compat: `bind_if` (SO_BINDTODEVICE) and `fwmark` (SO_MARK) must be set before
 * connect() (layer4.c socket_bind_connect), which node:net does not allow; they are NOT
 * applied to the probes that use this module (HTTP_GET, SSL_GET, SMTP_CHECK, and TCP_CHECK
 * only when the addon lacks its TCP prober). TCP_CHECK (tcp.ts, native/kats_tcp_probe.c)
 * and PING_CHECK create their sockets natively and apply both.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { CheckerConnection } from '../../config/model/lvs.js';
import { connectErrorReason, describeError, type Attempt } from './_attempt.js';

export interface StreamOptions {
  /** Wrap in TLS, without certificate verification (as keepalived's SSL_GET). */
  readonly tls?:
    | {
        readonly servername: string | undefined;
        /** SSL_GET client certificate context (http.ts sslContext). */
        readonly secureContext?: SecureContext | undefined;
      }
    | undefined;
}

/**
 * Connects; calls `onReady` once connected (and, with TLS, once the handshake is done).
 * Connect failures and time-outs settle the attempt. The socket is destroyed when the
 * attempt settles. Returns undefined when the attempt was settled immediately.
 */
export function openStream(
  conn: CheckerConnection,
  attempt: Attempt,
  options: StreamOptions,
  onReady: (socket: Socket) => void,
): Socket | undefined {
  const dst = conn.destination;
  if (dst === undefined || dst.port === 0) {
    attempt.finish(false, 'no_destination', 'the checker has no destination address/port');
    return undefined;
  }
  const target = `[${dst.address}]:${dst.port}`;
  attempt.setTimeoutReason('connect_timeout', `connect to ${target} timed out`);
  const base = {
    host: dst.address,
    port: dst.port,
    family: dst.family,
    ...(conn.bindTo === undefined ? {} : { localAddress: conn.bindTo.address }),
    ...(conn.bindTo === undefined || conn.bindTo.port === 0 ? {} : { localPort: conn.bindTo.port }),
  };
  let socket: Socket;
  let connected = false;
  let secured = false;
  try {
    if (options.tls !== undefined) {
      const servername = options.tls.servername;
      const tlsSocket: TLSSocket = tlsConnect({
        ...base,
        rejectUnauthorized: false,
        ...(options.tls.secureContext === undefined ? {} : { secureContext: options.tls.secureContext }),
        // Node rejects an IP literal as SNI; keepalived would send it, servers ignore it.
        ...(servername !== undefined && isIP(servername) === 0 ? { servername } : {}),
      });
      socket = tlsSocket;
      tlsSocket.once('connect', () => {
        connected = true;
        attempt.setTimeoutReason('tls_error', `TLS handshake with ${target} timed out`);
      });
      tlsSocket.once('secureConnect', () => {
        secured = true;
        attempt.setTimeoutReason('timeout', `no complete answer from ${target}`);
        if (!attempt.isSettled()) onReady(tlsSocket);
      });
    } else {
      socket = netConnect(base);
      socket.once('connect', () => {
        connected = true;
        attempt.setTimeoutReason('timeout', `no complete answer from ${target}`);
        if (!attempt.isSettled()) onReady(socket);
      });
    }
  } catch (err) {
    attempt.finish(false, 'connect_error', describeError(err));
    return undefined;
  }
  // A listener stays attached for the socket's whole life: an 'error' after the attempt
  // settled must not become an uncaught exception.
  socket.on('error', (err) => {
    if (attempt.isSettled()) return;
    if (options.tls !== undefined && (connected || isTlsError(err))) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ECONNRESET' || code === 'EPIPE') && secured) {
        attempt.finish(false, 'reset', `${target}: ${describeError(err)}`);
      } else {
        attempt.finish(false, 'tls_error', `${target}: ${describeError(err)}`);
      }
      return;
    }
    if (!connected) {
      attempt.finish(false, connectErrorReason(err), `${target}: ${describeError(err)}`);
      return;
    }
    const code = (err as NodeJS.ErrnoException).code;
    attempt.finish(false, code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'connect_error',
      `${target}: ${describeError(err)}`);
  });
  socket.setNoDelay(true);
  attempt.onCleanup(() => socket.destroy());
  return socket;
}

function isTlsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS/i.test(describeError(err));
}
