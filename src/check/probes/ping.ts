/**
 * PING_CHECK: one ICMP echo over an unprivileged ICMP datagram socket
 * (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) / IPPROTO_ICMPV6), as keepalived 2.2.7
 * check_ping.c does; the kernel fills in the identifier and filters replies to our socket.
 * Needs the daemon's gid inside net.ipv4.ping_group_range (keepalived widens that range;
 * we do not touch sysctls: a socket() failure is reported as 'socket_error').
 *
 * Semantics (check_ping.c ping_it / recv_it): a 128-byte payload after the 8-byte ICMP
 * header; the first datagram read decides: an echo reply (type 0, or 129 for IPv6) is
 * success, anything else, a short packet or a receive error (an ICMP error queued on the
 * socket) is a failure. No answer within connect_timeout is a failure.
 * `bind_if` (SO_BINDTODEVICE), `fwmark` (SO_MARK) and `bindto` are applied.
 */
import type { PingChecker } from '../../config/model/lvs.js';
import {
  AF_INET,
  AF_INET6,
  ERRNO,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_BINDTODEVICE,
} from '../../net/constants.js';
import { errnoName, loadNative, type NativeBinding } from '../../net/native.js';
import { encodeSockaddrIn, encodeSockaddrIn6 } from '../../net/sockaddr.js';
import { describeError, runAttempt, usToMs, type Attempt } from './_attempt.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

/** check_ping.c ICMP_BUFSIZE. */
const ICMP_PAYLOAD_BYTES = 128;
const ICMP_HEADER_BYTES = 8;
/** <asm-generic/socket.h> SO_MARK. */
const SO_MARK = 36;

let sequence = 0;

/** An echo request (type 8, or 128 for IPv6); the kernel sets the id and checksum. */
export function buildEchoRequest(family: 4 | 6, seq: number): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_BYTES + ICMP_PAYLOAD_BYTES);
  out[0] = family === 6 ? 128 : 8;
  out[6] = (seq >> 8) & 0xff;
  out[7] = seq & 0xff;
  for (let i = ICMP_HEADER_BYTES; i < out.length; i++) out[i] = i & 0xff;
  return out;
}

/**
 * @example
 * const r = await probePing(checker);
 */
export function probePing(config: Pick<PingChecker, 'connection'>, options: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = usToMs(config.connection.connectTimeoutUs);
  return runAttempt(
    { timeoutMs, signal: options.signal, timeoutReason: 'no_reply', timeoutDetail: `no echo reply in ${timeoutMs} ms` },
    (attempt) => {
      let native: NativeBinding;
      try {
        native = loadNative();
      } catch (err) {
        attempt.finish(false, 'socket_error', describeError(err));
        return;
      }
      pingOnce(native, config, attempt);
    },
  );
}

function pingOnce(native: NativeBinding, config: Pick<PingChecker, 'connection'>, attempt: Attempt): void {
  const conn = config.connection;
  const dst = conn.destination;
  if (dst === undefined) {
    attempt.finish(false, 'no_destination', 'the checker has no destination address');
    return;
  }
  const v6 = dst.family === 6;
  const fd = native.socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
  if (fd < 0) {
    attempt.finish(false, 'socket_error', `ICMP socket: ${errnoName(fd)} (check net.ipv4.ping_group_range)`);
    return;
  }
  attempt.onCleanup(() => native.close(fd));
  const scopeId = conn.bindInterface === undefined ? 0 : native.ifNameToIndex(conn.bindInterface);
  const setup = setupSocket(native, fd, conn, v6);
  if (setup !== undefined) {
    attempt.finish(false, 'socket_error', setup);
    return;
  }
  const seq = sequence++ & 0xffff;
  const poller = native.poll(fd, () => {
    const data = new Uint8Array(ICMP_HEADER_BYTES + ICMP_PAYLOAD_BYTES + 64);
    const n = native.recvmsg(fd, data, new Uint8Array(128), new Uint8Array(0), new Int32Array(3));
    if (n === -ERRNO.EAGAIN || attempt.isSettled()) return;
    if (n < 0) attempt.finish(false, 'unreachable', `recv ICMP packet error: ${errnoName(n)}`);
    else if (n < ICMP_HEADER_BYTES) attempt.finish(false, 'reply_mismatch', `short ICMP packet, ${n} bytes`);
    else if (data[0] !== (v6 ? 129 : 0)) attempt.finish(false, 'reply_mismatch', `ICMP packet with type ${data[0]}`);
    else attempt.finish(true, 'ok', `echo reply from ${dst.address}`);
  });
  attempt.onCleanup(() => poller.close());
  const to = v6 ? encodeSockaddrIn6(dst.address, { scopeId }) : encodeSockaddrIn(dst.address);
  const sent = native.sendto(fd, buildEchoRequest(dst.family, seq), to);
  if (sent < 0) attempt.finish(false, 'unreachable', `send ICMP packet fail: ${errnoName(sent)}`);
}

/** Applies bind_if, fwmark and bindto; an error text or undefined. */
function setupSocket(
  native: NativeBinding,
  fd: number,
  conn: PingChecker['connection'],
  v6: boolean,
): string | undefined {
  if (conn.bindInterface !== undefined) {
    const name = new TextEncoder().encode(`${conn.bindInterface}\0`);
    const r = native.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name);
    if (r < 0) return `SO_BINDTODEVICE ${conn.bindInterface}: ${errnoName(r)}`;
  }
  if (conn.fwmark !== 0) {
    const r = native.setsockoptInt(fd, SOL_SOCKET, SO_MARK, conn.fwmark);
    if (r < 0) return `SO_MARK ${conn.fwmark}: ${errnoName(r)}`;
  }
  if (conn.bindTo !== undefined) {
    const sa = v6 ? encodeSockaddrIn6(conn.bindTo.address) : encodeSockaddrIn(conn.bindTo.address);
    const r = native.bind(fd, sa);
    if (r < 0) return `bind ${conn.bindTo.address}: ${errnoName(r)}`;
  }
  return undefined;
}
