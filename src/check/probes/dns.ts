/**
 * DNS_CHECK: one query over UDP (keepalived 2.2.7 check_dns.c dns_make_query,
 * dns_recv_thread). The query has a random id, RD set, one question of the configured
 * type, class IN. Replies that are too short, carry another id or are not responses (QR
 * clear) are ignored and reading continues; the first matching response decides: RCODE 0
 * is success (keepalived does not look at the answer section), any other RCODE a failure.
 * No matching response within connect_timeout is a failure.
 *
 * keepalived-compat: keepalived's "too short" test compares with sizeof a pointer (8),
 * we require a full 12-byte header before reading the flags.
 */
import { randomInt } from 'node:crypto';
import type { DnsChecker, DnsQueryType } from '../../config/model/lvs.js';
import { runAttempt, usToMs } from './_attempt.js';
import { openDatagram } from './_dgram.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

/** RR type numbers (check_dns.c DNS_TYPE table). */
export const DNS_TYPE_CODES: Readonly<Record<DnsQueryType, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  RRSIG: 46,
  DNSKEY: 48,
};

const DNS_HEADER_LENGTH = 12;
const DNS_BUFFER_SIZE = 768;

/**
 * The query bytes keepalived builds: labels split on '.', a final root label unless the
 * name is exactly ".", then type and class IN.
 */
export function buildDnsQuery(id: number, type: DnsQueryType, name: string): Buffer {
  const out = Buffer.alloc(DNS_BUFFER_SIZE);
  out.writeUInt16BE(id & 0xffff, 0);
  out.writeUInt16BE(0x0100, 2); // RD
  out.writeUInt16BE(1, 4); // QDCOUNT
  let p = DNS_HEADER_LENGTH;
  const bytes = Buffer.from(name, 'latin1');
  let s = 0;
  while (s < bytes.length && p < DNS_BUFFER_SIZE - 6 - 64) {
    let e = bytes.indexOf(0x2e, s);
    if (e < 0) e = bytes.length;
    const label = bytes.subarray(s, Math.min(e, s + 63));
    out[p++] = label.length;
    p += label.copy(out, p);
    s = e < bytes.length ? e + 1 : e;
  }
  if (name !== '.') out[p++] = 0;
  out.writeUInt16BE(DNS_TYPE_CODES[type], p);
  out.writeUInt16BE(1, p + 2);
  return out.subarray(0, p + 4);
}

/** The verdict on one datagram: undefined = not our answer, keep reading. */
export function dnsReplyVerdict(msg: Uint8Array, id: number): { rcode: number } | undefined {
  if (msg.length < DNS_HEADER_LENGTH) return undefined;
  const rid = ((msg[0] ?? 0) << 8) | (msg[1] ?? 0);
  if (rid !== (id & 0xffff)) return undefined;
  const flags = ((msg[2] ?? 0) << 8) | (msg[3] ?? 0);
  if ((flags & 0x8000) === 0) return undefined;
  return { rcode: flags & 0x000f };
}

/**
 * @example
 * const r = await probeDns(checker);
 */
export function probeDns(
  config: Pick<DnsChecker, 'connection' | 'queryType' | 'name'>,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const timeoutMs = usToMs(config.connection.connectTimeoutUs);
  return runAttempt(
    { timeoutMs, signal: options.signal, timeoutReason: 'no_reply', timeoutDetail: `no DNS answer in ${timeoutMs} ms` },
    (attempt) => {
      const id = randomInt(0, 0x10000);
      const query = buildDnsQuery(id, config.queryType, config.name);
      openDatagram(config.connection, attempt, query, (msg) => {
        const verdict = dnsReplyVerdict(msg, id);
        if (verdict === undefined) return;
        if (verdict.rcode !== 0) attempt.finish(false, 'dns_error', `read error occurred (rcode = ${verdict.rcode})`);
        else attempt.finish(true, 'ok', `DNS ${config.queryType} ${config.name || '.'} answered`);
      });
    },
  );
}
