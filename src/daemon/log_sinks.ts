/**
 * The daemon's log output (shell): syslog through /dev/log, the console, journald's stderr
 * and keepalived's -g log file, as planned by planLogSinks (daemon/log.ts).
 *
 * Node has no syslog(3); the datagram glibc would send is built by formatSyslogDatagram and
 * sent on an AF_UNIX datagram socket from the native addon (node:dgram has no unix sockets).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadNative, type NativeBinding } from '../net/native.js';
import { SOCK_DGRAM } from '../net/constants.js';
import {
  LOG_INFO,
  formatConsoleLine,
  formatLogFileLine,
  formatSyslogDatagram,
  logFileNameFor,
  planLogSinks,
} from './log.js';

const AF_UNIX = 1;
/** sizeof(struct sockaddr_un): sa_family_t, then sun_path[108]. */
const SOCKADDR_UN_BYTES = 110;
/** keepalived-ts: where syslog lives when it is not /dev/log (containers, chroots, tests). */
export const SYSLOG_SOCKET_ENV = 'KEEPALIVED_TS_SYSLOG_SOCKET';

/** keepalived's syslog idents (core/main.c PROG, PROG_VRRP, PROG_CHECK). */
const IDENTS = { parent: 'Keepalived', vrrp: 'Keepalived_vrrp', checker: 'Keepalived_healthcheckers' } as const;
/** make_file_name's program part for the children's log files. */
const FILE_PROGS = { parent: undefined, vrrp: 'vrrp', checker: 'check' } as const;

export type LogRole = keyof typeof IDENTS;

export interface LoggerOptions {
  readonly role: LogRole;
  readonly dontFork: boolean;
  readonly logConsole: boolean;
  readonly noSyslog: boolean;
  /** -g: '' for keepalived's default name (keepalived.log), undefined without -g. */
  readonly logFile: string | undefined;
  /** A PRI facility (LOG_FACILITY / parseLogFacility); keepalived's default is daemon. */
  readonly facility: number;
  readonly env: NodeJS.ProcessEnv;
}

export interface Logger {
  readonly log: (message: string) => void;
  close(): void;
}

function sockaddrUn(path: string): Uint8Array | undefined {
  const bytes = Buffer.from(path, 'utf8');
  if (bytes.length >= SOCKADDR_UN_BYTES - 2) return undefined;
  const out = new Uint8Array(SOCKADDR_UN_BYTES);
  new DataView(out.buffer).setUint16(0, AF_UNIX, true);
  out.set(bytes, 2);
  return out;
}

/**
 * syslog(3) without a connection: every datagram is addressed, so a restarted syslog
 * daemon is picked up without reconnecting. A full socket buffer drops the line, as
 * glibc does with a non-blocking socket.
 */
class SyslogSocket {
  private fd = -1;
  private readonly address: Uint8Array | undefined;

  constructor(
    private readonly native: NativeBinding,
    path: string,
  ) {
    this.address = sockaddrUn(path);
  }

  /** true when the datagram was accepted. */
  send(datagram: string): boolean {
    if (this.address === undefined) return false;
    if (this.fd < 0) {
      this.fd = this.native.socket(AF_UNIX, SOCK_DGRAM, 0);
      if (this.fd < 0) return false;
    }
    return this.native.sendto(this.fd, Buffer.from(datagram, 'utf8'), this.address) >= 0;
  }

  close(): void {
    if (this.fd >= 0) this.native.close(this.fd);
    this.fd = -1;
  }
}

export function createLogger(o: LoggerOptions): Logger {
  const plan = planLogSinks({
    dontFork: o.dontFork,
    logConsole: o.logConsole,
    noSyslog: o.noSyslog,
    logFile: o.logFile !== undefined,
    underJournald: o.env['JOURNAL_STREAM'] !== undefined,
  });
  const ident = IDENTS[o.role];
  let syslog: SyslogSocket | undefined;
  if (plan.syslog) {
    try {
      syslog = new SyslogSocket(loadNative(), o.env[SYSLOG_SOCKET_ENV] ?? '/dev/log');
    } catch {
      syslog = undefined; // no addon: no syslog (the daemon itself refuses to run without it)
    }
  }
  let fileFd: number | undefined;
  if (o.logFile !== undefined) {
    const name = logFileNameFor(o.logFile === '' ? 'keepalived.log' : o.logFile, FILE_PROGS[o.role], o.env['TMPDIR'] ?? tmpdir());
    try {
      fileFd = openSync(name, 'a', 0o640);
    } catch (e) {
      process.stderr.write(`keepalived-ts: cannot open log file ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  // keepalived-ts: in the foreground with nowhere else to write (no syslog daemon, no -l,
  // no -g), lines go to stderr rather than nowhere, e.g. `-n` in a container.
  const lastResort = o.dontFork && !plan.console && !plan.journal && fileFd === undefined;
  let warnedNoSyslog = false;

  const log = (message: string): void => {
    const now = new Date();
    if (plan.console) process.stderr.write(`${formatConsoleLine(now, message)}\n`);
    if (plan.journal) process.stderr.write(`<${LOG_INFO}>${message}\n`);
    if (fileFd !== undefined) {
      const ns = Number(process.hrtime.bigint() % 1_000_000_000n);
      try {
        writeSync(fileFd, `${formatLogFileLine(now, ns, message)}\n`);
      } catch {
        // A full disk must not stop the daemon.
      }
    }
    const sent = syslog?.send(formatSyslogDatagram(now, o.facility + LOG_INFO, ident, process.pid, message)) ?? false;
    if (plan.syslog && !sent && lastResort) {
      if (!warnedNoSyslog) {
        warnedNoSyslog = true;
        process.stderr.write(`${formatConsoleLine(now, `keepalived-ts: no syslog (${o.env[SYSLOG_SOCKET_ENV] ?? '/dev/log'}); logging to stderr`)}\n`);
      }
      process.stderr.write(`${formatConsoleLine(now, message)}\n`);
    }
  };
  return {
    log,
    close() {
      syslog?.close();
      if (fileFd !== undefined) closeSync(fileFd);
      fileFd = undefined;
    },
  };
}
