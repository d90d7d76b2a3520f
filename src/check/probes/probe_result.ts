/**
 * The outcome of one probe attempt (one TCP connect, one HTTP GET round, one script run).
 * Retry, alpha and hysteresis are decided elsewhere (check/hysteresis.ts); a probe only
 * reports what happened, once, as a value: probes never throw and never reject.
 */

/**
 * Every reason a probe can report, defined once. They are snake_case so they double as
 * metric labels and log keys.
 */
export const PROBE_REASONS = [
  /** The check passed. */
  'ok',
  /** The checker has no usable destination (keepalived: a rejected `connect_ip`). */
  'no_destination',
  /** The TCP connect (or TLS handshake) did not finish within connect_timeout. */
  'connect_timeout',
  /** The attempt as a whole did not finish within its timeout. */
  'timeout',
  /** RST in answer to our SYN (ECONNREFUSED). */
  'connect_refused',
  /** Any other connect failure (EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL on bind…). */
  'connect_error',
  /** The peer reset the connection after it was established. */
  'reset',
  /** The peer closed before a complete answer (SMTP) or without a response header (HTTP). */
  'no_data',
  /** TLS handshake or record-layer failure (SSL_GET). */
  'tls_error',
  /** HTTP status code not in the accepted ranges, or not parseable. */
  'bad_status',
  /** MD5 of the HTTP body differs from the configured digest. */
  'digest_mismatch',
  /** HTTP `regex` did not match (or matched with regex_no_match), or cannot run. */
  'regex_mismatch',
  /** The HTTP body exceeded the probe's byte cap (see http.ts DEFAULT_MAX_BODY_BYTES). */
  'body_too_large',
  /** SMTP: the greeting was not `220 `. */
  'bad_banner',
  /** SMTP: the HELO answer was not `250 `. */
  'bad_helo_response',
  /** DNS: the answer carried a non-zero RCODE. */
  'dns_error',
  /** UDP: an ICMP destination unreachable came back (or the send failed). */
  'unreachable',
  /** UDP / DNS / PING: no reply where one was required. */
  'no_reply',
  /** UDP: the reply's length or bytes did not match require_reply / min / max. */
  'reply_mismatch',
  /** Sending the request failed (socket error while writing). */
  'send_error',
  /** MISC_CHECK: the script exited with a failing status. */
  'exit_status',
  /** MISC_CHECK: the script was killed by a signal (including our time-out). */
  'killed',
  /** MISC_CHECK: the script could not be started. */
  'spawn_error',
  /** FILE_CHECK: the tracked file's value puts the checker in FAULT. */
  'file_fault',
  /** The caller aborted the attempt (AbortSignal). */
  'aborted',
  /** A socket could not be created (no ICMP socket permission, addon missing…). */
  'socket_error',
  /** A bug in the probe itself; caught so it cannot crash the checker process. */
  'internal_error',
] as const;

export type ProbeReason = (typeof PROBE_REASONS)[number];

export interface ProbeResult {
  readonly ok: boolean;
  readonly reason: ProbeReason;
  /** Human-readable detail for logs (errno names, status codes, digests). */
  readonly detail: string;
  readonly durationMs: number;
  /**
   * MISC_CHECK with misc_dynamic: the weight the exit status asks for (exit − 2);
   * FILE_CHECK with a weight: the weight offset (value × weight, negated by `reverse`).
   * Absent: the configured weight applies.
   */
  readonly dynamicWeight?: number;
}

export interface ProbeOptions {
  /** Aborting settles the probe promptly with reason 'aborted'. */
  readonly signal?: AbortSignal | undefined;
}
