/**
 * TCP_CHECK: one connect attempt (keepalived 2.2.7 check_tcp.c tcp_connect_thread /
 * tcp_check_thread). Success is the three-way handshake completing within
 * connect_timeout; the connection is then closed at once, nothing is sent.
 */
import type { TcpChecker } from '../../config/model/lvs.js';
import { runAttempt, usToMs } from './_attempt.js';
import { openStream } from './_connect.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

/**
 * @example
 * const r = await probeTcp(checker, { signal });
 * if (!r.ok) log(`TCP_CHECK failed: ${r.reason} ${r.detail}`);
 */
export function probeTcp(config: Pick<TcpChecker, 'connection'>, options: ProbeOptions = {}): Promise<ProbeResult> {
  return runAttempt(
    { timeoutMs: usToMs(config.connection.connectTimeoutUs), signal: options.signal },
    (attempt) => {
      openStream(config.connection, attempt, {}, (socket) => {
        const dst = config.connection.destination;
        attempt.finish(true, 'ok', `TCP connection to [${dst?.address}]:${dst?.port} success`);
        socket.destroy();
      });
    },
  );
}
