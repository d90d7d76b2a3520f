/**
 * keepalived's console log format (-l): `Sun Nov 22 23:43:28 2026: message`
 * (lib/logger.c: strftime "%c" in the C locale, then ": ").
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** The timestamp prefix keepalived prints with -l, in local time. */
export function formatConsoleTimestamp(date: Date): string {
  const day = DAYS[date.getDay()] ?? '';
  const month = MONTHS[date.getMonth()] ?? '';
  const dd = String(date.getDate()).padStart(2, ' ');
  const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return `${day} ${month} ${dd} ${time} ${date.getFullYear()}`;
}

export function formatConsoleLine(date: Date, message: string): string {
  return `${formatConsoleTimestamp(date)}: ${message}`;
}

/**
 * keepalived's log-file timestamp (-g; lib/logger.c): strftime "%a %b %d %T", nanoseconds
 * ".%9.9ld", then " %Y" — e.g. `Mon Nov 23 06:41:03.123456789 2026: message`.
 */
export function formatLogFileLine(date: Date, nanoseconds: number, message: string): string {
  const day = DAYS[date.getDay()] ?? '';
  const month = MONTHS[date.getMonth()] ?? '';
  const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  const ns = String(Math.trunc(nanoseconds)).padStart(9, '0');
  return `${day} ${month} ${pad2(date.getDate())} ${time}.${ns} ${date.getFullYear()}: ${message}`;
}

/** syslog(3) facility codes (<syslog.h>), already shifted into a PRI value's upper bits. */
export const LOG_FACILITY = {
  user: 1 << 3,
  daemon: 3 << 3,
  local0: 16 << 3,
} as const;
/** LOG_INFO: keepalived logs its state lines at this level. */
export const LOG_INFO = 6;

/**
 * keepalived -S: `0`–`7` mean local0–local7; the names local0–local7, user and daemon are
 * accepted too (core/main.c). undefined for anything else (keepalived then says so and keeps
 * the default, daemon).
 */
export function parseLogFacility(text: string): number | undefined {
  const digit = /^[0-7]$/.test(text) ? Number(text) : undefined;
  if (digit !== undefined) return LOG_FACILITY.local0 + (digit << 3);
  const local = /^local([0-7])$/.exec(text);
  if (local !== null) return LOG_FACILITY.local0 + (Number(local[1]) << 3);
  if (text === 'user') return LOG_FACILITY.user;
  if (text === 'daemon') return LOG_FACILITY.daemon;
  return undefined;
}

/**
 * The datagram glibc's syslog(3) sends to /dev/log with openlog(ident, LOG_PID, facility):
 * `<PRI>Mmm dd hh:mm:ss ident[pid]: message`, the day padded with a space (RFC 3164 §4.1.2).
 */
export function formatSyslogDatagram(date: Date, pri: number, ident: string, pid: number, message: string): string {
  const month = MONTHS[date.getMonth()] ?? '';
  const dd = String(date.getDate()).padStart(2, ' ');
  const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return `<${pri}>${month} ${dd} ${time} ${ident}[${pid}]: ${message}`;
}

/**
 * A child's log file name (lib/utils.c make_file_name): `_vrrp` / `_check` goes before the
 * extension of the last path component; a relative name lives in the temporary directory.
 * keepalived's parent uses the name itself.
 */
export function logFileNameFor(name: string, prog: string | undefined, tmpDir: string): string {
  const full = name.startsWith('/') ? name : `${tmpDir}/${name}`;
  if (prog === undefined) return full;
  const slash = full.lastIndexOf('/');
  const dot = full.lastIndexOf('.');
  const cut = dot > slash ? dot : full.length;
  return `${full.slice(0, cut)}_${prog}${full.slice(cut)}`;
}

/** Where log lines go (lib/logger.c vlog_message, plus journald and a fallback of ours). */
export interface LogSinkPlan {
  /** keepalived -n -l: stderr in the console format. Only in the foreground. */
  readonly console: boolean;
  /** Under systemd (JOURNAL_STREAM) without -l: stderr with a `<6>` priority prefix. */
  readonly journal: boolean;
  /** syslog(3) through /dev/log, unless -G; journald mode replaces it (no duplicates). */
  readonly syslog: boolean;
  /** -g: the (per-process) log file. */
  readonly file: boolean;
}

export function planLogSinks(o: {
  readonly dontFork: boolean;
  readonly logConsole: boolean;
  readonly noSyslog: boolean;
  readonly logFile: boolean;
  readonly underJournald: boolean;
}): LogSinkPlan {
  const console = o.dontFork && o.logConsole;
  const journal = !o.logConsole && o.underJournald;
  return { console, journal, syslog: !o.noSyslog && !journal, file: o.logFile };
}
