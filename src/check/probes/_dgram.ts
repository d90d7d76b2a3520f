/**
 * Private: a connected UDP socket for DNS_CHECK and UDP_CHECK (keepalived's
 * udp_bind_connect: optional bind, connect, send). Connecting lets ICMP port/host
 * unreachable come back as a socket error (ECONNREFUSED, EHOSTUNREACH…).
 *
 * keepalived-compat: `bind_if` and `fwmark` are not applied (node:dgram cannot set
 * SO_BINDTODEVICE / SO_MARK before connect).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { CheckerConnection } from '../../config/model/lvs.js';
import { describeError, type Attempt } from './_attempt.js';

/**
 * Opens, binds, connects, sends `payload`, then hands every datagram to `onMessage`.
 * Socket errors settle the attempt as 'unreachable' (ICMP errors) or 'send_error'.
 */
export function openDatagram(
  conn: CheckerConnection,
  attempt: Attempt,
  payload: Uint8Array,
  onMessage: (msg: Buffer) => void,
): Socket | undefined {
  const dst = conn.destination;
  if (dst === undefined || dst.port === 0) {
    attempt.finish(false, 'no_destination', 'the checker has no destination address/port');
    return undefined;
  }
  const target = `[${dst.address}]:${dst.port}`;
  let socket: Socket;
  try {
    socket = createSocket({ type: dst.family === 6 ? 'udp6' : 'udp4' });
  } catch (err) {
    attempt.finish(false, 'socket_error', describeError(err));
    return undefined;
  }
  let sent = false;
  socket.on('error', (err) => {
    if (attempt.isSettled()) return;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const icmp = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN'].includes(code);
    attempt.finish(false, icmp || sent ? 'unreachable' : 'send_error', `${target}: ${describeError(err)}`);
  });
  socket.on('message', (msg) => {
    if (!attempt.isSettled()) onMessage(msg);
  });
  attempt.onCleanup(() => {
    try {
      socket.close();
    } catch {
      // Already closed.
    }
  });
  const connectAndSend = (): void => {
    socket.connect(dst.port, dst.address, () => {
      if (attempt.isSettled()) return;
      socket.send(payload, (err) => {
        if (attempt.isSettled()) return;
        if (err !== null && err !== undefined) {
          attempt.finish(false, 'send_error', `${target}: ${describeError(err)}`);
          return;
        }
        sent = true;
      });
    });
  };
  if (conn.bindTo === undefined) connectAndSend();
  else socket.bind({ address: conn.bindTo.address, port: conn.bindTo.port }, connectAndSend);
  return socket;
}
