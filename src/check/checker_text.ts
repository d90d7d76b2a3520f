/**
 * What each keepalived 2.2.7 checker type logs and mails when its result changes the
 * checker's state. keepalived repeats its retry logic in every check_*.c epilogue with
 * slightly different words; the hysteresis lives once in checker_state.ts and the words
 * live here, one row per type.
 *
 * keepalived-compat: check_tcp.c tcp_epilog/tcp_check_thread, check_ping.c icmp_epilog,
 * check_udp.c udp_epilog, check_http.c epilog/timeout_epilog, check_smtp.c smtp_final,
 * check_dns.c dns_final/dns_log_message, check_misc.c misc_check_child_thread.
 */

/** The checker types that run on a timer (FILE_CHECK and BFD_CHECK follow a tracker). */
export type TimedCheckerType =
  | 'TCP_CHECK'
  | 'PING_CHECK'
  | 'UDP_CHECK'
  | 'HTTP_GET'
  | 'SSL_GET'
  | 'SMTP_CHECK'
  | 'DNS_CHECK'
  | 'MISC_CHECK';

/** The texts one checker type uses; `rs` is FMT_CHK (the real server), `vs` is FMT_VS. */
export interface CheckerTexts {
  /** Logged when a success brings the checker up (or is its first result); undefined: none. */
  readonly success: ((rs: string) => string) | undefined;
  /** Logged when the checker goes down after its retries (or fails its first run). */
  readonly failed: (rs: string, vs: string, retry: number, withRetries: boolean) => string | undefined;
  /** The log_all_failures line for one failed attempt while up; detail comes from the probe. */
  readonly attemptFailed: (rs: string, detail: string | undefined) => string | undefined;
  readonly smtpUp: string;
  readonly smtpDown: (detail: string | undefined) => string;
}

function tcpAttempt(rs: string, detail: string | undefined): string {
  return `TCP connection to ${rs} ${detail === 'timeout' ? 'timeout' : 'failed'}.`;
}

function verbatim(_rs: string, detail: string | undefined): string | undefined {
  return detail;
}

const TCP: CheckerTexts = {
  success: (rs) => `TCP connection to ${rs} success.`,
  failed: (rs, _vs, retry, withRetries) =>
    withRetries
      ? `TCP_CHECK on service ${rs} failed after ${retry} retries.`
      : `TCP_CHECK on service ${rs} failed.`,
  attemptFailed: tcpAttempt,
  smtpUp: '=> TCP CHECK succeed on service <=',
  smtpDown: () => '=> TCP CHECK failed on service <=',
};

const PING: CheckerTexts = {
  success: (rs) => `ICMP connection to ${rs} success.`,
  failed: (rs, vs, retry, withRetries) =>
    withRetries
      ? `ICMP CHECK on service ${rs} of ${vs} failed after ${retry} retries.`
      : `ICMP CHECK on service ${rs} failed.`,
  attemptFailed: verbatim,
  smtpUp: '=> ICMP CHECK succeed on service <=',
  smtpDown: () => '=> ICMP CHECK failed on service <=',
};

const UDP: CheckerTexts = {
  success: (rs) => `UDP connection to ${rs} success.`,
  failed: (rs, _vs, retry, withRetries) =>
    withRetries
      ? `UDP_CHECK on service ${rs} failed after ${retry} retries.`
      : `UDP_CHECK on service ${rs} failed.`,
  attemptFailed: verbatim,
  smtpUp: '=> UDP CHECK succeed on service <=',
  smtpDown: () => '=> UDP CHECK failed on service <=',
};

const HTTP: CheckerTexts = {
  success: (rs) => `Remote Web server ${rs} succeed on service.`,
  failed: (rs, _vs, retry, withRetries) =>
    withRetries
      ? `HTTP_CHECK on service ${rs} failed after ${retry} retries.`
      : `HTTP_CHECK on service ${rs} failed.`,
  attemptFailed: verbatim,
  smtpUp: '=> CHECK succeed on service <=',
  smtpDown: () => '=> CHECK failed on service : HTTP request failed <=',
};

/** smtp_final logs the probe's own message (prefixed) instead of a "failed" line. */
const SMTP: CheckerTexts = {
  success: (rs) => `Remote SMTP server ${rs} succeed on service.`,
  failed: () => undefined,
  attemptFailed: (_rs, detail) => (detail === undefined ? undefined : `SMTP_CHECK ${detail}`),
  smtpUp: '=> CHECK succeed on service <=',
  smtpDown: (detail) =>
    detail === undefined ? '=> CHECK failed on service <=' : `=> CHECK failed on service : ${detail} <=`,
};

/** dns_final logs nothing on success and the probe's message on failure. */
const DNS: CheckerTexts = {
  success: undefined,
  failed: () => undefined,
  attemptFailed: (rs, detail) => (detail === undefined ? undefined : `DNS_CHECK (${rs}) ${detail}`),
  smtpUp: '=> DNS_CHECK: succeed on service <=',
  smtpDown: () => '=> DNS_CHECK: failed on service <=',
};

/** MISC_CHECK builds its lines in checker_state.ts (miscLine); these are unused. */
const MISC: CheckerTexts = {
  success: undefined,
  failed: () => undefined,
  attemptFailed: () => undefined,
  smtpUp: '=> MISC CHECK succeeded on service <=',
  smtpDown: () => '=> MISC CHECK failed on service <=',
};

export const CHECKER_TEXTS: Readonly<Record<TimedCheckerType, CheckerTexts>> = {
  TCP_CHECK: TCP,
  PING_CHECK: PING,
  UDP_CHECK: UDP,
  HTTP_GET: HTTP,
  SSL_GET: HTTP,
  SMTP_CHECK: SMTP,
  DNS_CHECK: DNS,
  MISC_CHECK: MISC,
};

/**
 * The retry-count suffix of a MISC_CHECK failure (check_misc.c): `, will do 1 retry` on
 * the scheduled check, ` on retry 1/3` on a retry, ` after 3 retries` on the last one,
 * ` with retry disabled` when retry is 0.
 */
export function miscRetrySuffix(retry: number, retryIt: number): string {
  if (retry === 0) return ' with retry disabled';
  const plural = retry === 1 ? 'retry' : 'retries';
  if (retryIt === 1) return `, will do ${retry} ${plural}`;
  if (retryIt > 1) return ` on retry ${retryIt - 1}/${retry}`;
  return ` after ${retry} ${plural}`;
}

/** `Misc check for [RS VS VS] by [SCRIPT] EXIT_TYPE SUFFIX (REASON CODE).` */
export function miscLine(
  o: { readonly rs: string; readonly vs: string; readonly script: string },
  exitType: string,
  suffix: string,
  reason: { readonly text: string; readonly code: number } | undefined,
): string {
  const head = `Misc check for [${o.rs} VS ${o.vs}] by [${o.script}] ${exitType}${suffix}`;
  return reason === undefined ? `${head}.` : `${head} (${reason.text} ${reason.code}).`;
}
