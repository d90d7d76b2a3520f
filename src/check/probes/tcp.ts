/**
 * TCP_CHECK: one connect attempt (keepalived 2.2.7 check_tcp.c tcp_connect_thread /
 * tcp_check_thread). Success is the three-way handshake completing within
 * connect_timeout; the connection is then closed at once, nothing is sent.
 *
 * The connect runs in the addon's TCP prober (_connect.ts connectNative, native/
 * kats_tcp_probe.c): one nonblocking socket per check with `fwmark` (SO_MARK), `bind_if`
 * (SO_BINDTODEVICE) and `bindto`/`bind_port` applied before connect(), completion read
 * from SO_ERROR, the SYN-ACK left un-ACKed and the socket closed in C with a RST (see
 * RESET_ON_CLOSE in _connect.ts and docs/load-balancer.md) -
 * no net.Socket per check (bench/RESULTS.md, "Checker CPU"). Without the prober (an
 * addon built before it existed) the check falls back to node:net, without bind_if and
 * fwmark, and a warning says so once.
 */
import type { CheckerConnection, TcpChecker } from '../../config/model/lvs.js';
import { runAttempt, usToMs, type Attempt } from './_attempt.js';
import { connectNative, nativeConnectsInFlight, openStream, tcpConnectMode } from './_connect.js';
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
      const conn = config.connection;
      const dst = conn.destination;
      if (dst === undefined || dst.port === 0) {
        attempt.finish(false, 'no_destination', 'the checker has no destination address/port');
        return;
      }
      const native = connectNative(conn, attempt, false, (_fd, target) =>
        attempt.finish(true, 'ok', `TCP connection to ${target} success`));
      if (!native) probeWithNodeNet(conn, attempt);
    },
  );
}

/** Which implementation TCP_CHECK uses in this process ('native' unless the addon lacks it). */
export function tcpProbeMode(): 'native' | 'node:net' {
  return tcpConnectMode();
}

/** TCP_CHECK connects in flight (tests: nothing may be left after a time-out). */
export function tcpProbesInFlight(): number {
  return nativeConnectsInFlight();
}

/** The node:net path, kept for an addon without the prober. */
function probeWithNodeNet(conn: CheckerConnection, attempt: Attempt): void {
  openStream(conn, attempt, {}, (socket) => {
    const dst = conn.destination;
    attempt.finish(true, 'ok', `TCP connection to [${dst?.address}]:${dst?.port} success`);
    socket.destroy();
  });
}
