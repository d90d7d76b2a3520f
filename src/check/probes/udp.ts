/**
 * UDP_CHECK: send one datagram and see what comes back (keepalived 2.2.7 check_udp.c,
 * core/layer4.c udp_bind_connect / udp_socket_state / udp_socket_error).
 *
 * - The payload is `payload` or, without one, 32 random bytes (UDP_BUFSIZE).
 * - An ICMP destination unreachable (seen as a socket error on the connected socket) or a
 *   failed send is a failure.
 * - Without `require_reply`, silence until connect_timeout is a SUCCESS, and so is any
 *   reply.
 * - With `require_reply`, silence is a failure. When it has a HEX value, the first reply
 *   must be min_reply_length..max_reply_length bytes long and match the expected bytes over
 *   the shorter of the two lengths, wildcard (mask) bits ignored (check_udp_reply). Without
 *   a HEX value, any reply passes (keepalived only checks lengths when it has reply data).
 */
import { randomBytes } from 'node:crypto';
import type { UdpChecker } from '../../config/model/lvs.js';
import { runAttempt, usToMs } from './_attempt.js';
import { openDatagram } from './_dgram.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

/** layer4.c UDP_BUFSIZE: the size of the random payload. */
const UDP_RANDOM_PAYLOAD_BYTES = 32;

export type UdpReplyRule = Pick<UdpChecker, 'replyHex' | 'replyMaskHex' | 'minReplyLength' | 'maxReplyLength'>;

/** keepalived's check_udp_reply, inverted: true when the reply is acceptable. */
export function udpReplyMatches(reply: Uint8Array, rule: UdpReplyRule): boolean {
  if (rule.replyHex === undefined) return true;
  if (reply.length < rule.minReplyLength || reply.length > rule.maxReplyLength) return false;
  const expected = Buffer.from(rule.replyHex, 'hex');
  const mask = rule.replyMaskHex === undefined ? undefined : Buffer.from(rule.replyMaskHex, 'hex');
  const n = Math.min(expected.length, reply.length);
  for (let i = 0; i < n; i++) {
    const wildcard = mask?.[i] ?? 0;
    if ((((reply[i] ?? 0) ^ (expected[i] ?? 0)) & ~wildcard & 0xff) !== 0) return false;
  }
  return true;
}

/**
 * @example
 * const r = await probeUdp(checker);
 */
export function probeUdp(
  config: Pick<UdpChecker, 'connection' | 'payloadHex' | 'requireReply'> & UdpReplyRule,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const timeoutMs = usToMs(config.connection.connectTimeoutUs);
  return runAttempt({ timeoutMs, signal: options.signal }, (attempt) => {
    if (config.requireReply) attempt.setTimeoutReason('no_reply', `no reply within ${timeoutMs} ms`);
    else attempt.setTimeoutReason('ok', `no ICMP error within ${timeoutMs} ms`, true);
    const payload =
      config.payloadHex === undefined || config.payloadHex === ''
        ? randomBytes(UDP_RANDOM_PAYLOAD_BYTES)
        : Buffer.from(config.payloadHex, 'hex');
    openDatagram(config.connection, attempt, payload, (msg) => {
      if (!config.requireReply || udpReplyMatches(msg, config)) {
        attempt.finish(true, 'ok', `reply of ${msg.length} bytes`);
      } else {
        attempt.finish(false, 'reply_mismatch', `reply of ${msg.length} bytes does not match`);
      }
    });
  });
}
