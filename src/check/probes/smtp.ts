/**
 * SMTP_CHECK: one conversation as keepalived 2.2.7 has it (check_smtp.c smtp_engine_thread):
 * read the greeting, which must be `220`; send `HELO <helo_name>`, the answer must be
 * `250`; send `QUIT` and wait for any line; then the check has passed.
 *
 * Line handling follows smtp_get_line_cb / smtp_get_status: each answer is the text up to
 * the first LF of what arrives after our last command (anything after it in the same read
 * is dropped, as keepalived clears its buffer); a 512-byte buffer without a LF is wrapped
 * (discarded and filled again). The status is valid only as exactly three digits followed
 * by a space or by the end of the line, so a continuation line `220-…` fails, and so does
 * a bare `220\r` (strtoul stops at the CR).
 *
 * keepalived-compat: its connect_timeout restarts per read; here it bounds the whole
 * conversation.
 */
import type { SmtpChecker } from '../../config/model/lvs.js';
import { runAttempt, usToMs } from './_attempt.js';
import { openStream } from './_connect.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

/** check_smtp.h SMTP_BUFF_MAX. */
const SMTP_BUFF_MAX = 512;

/** keepalived's smtp_get_status: the 3-digit code, or -1. */
export function smtpStatus(line: string): number {
  const m = /^(\d{3})( |$)/.exec(line);
  return m === null ? -1 : Number(m[1]);
}

type Stage = 'banner' | 'helo' | 'quit';

/**
 * @example
 * const r = await probeSmtp(checker);
 */
export function probeSmtp(
  config: Pick<SmtpChecker, 'connection' | 'heloName'>,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  return runAttempt(
    { timeoutMs: usToMs(config.connection.connectTimeoutUs), signal: options.signal },
    (attempt) => {
      openStream(config.connection, attempt, {}, (socket) => {
        let stage: Stage = 'banner';
        let buffer = '';
        const onLine = (line: string): void => {
          const status = smtpStatus(line);
          if (stage === 'banner') {
            if (status !== 220) {
              attempt.finish(false, 'bad_banner', `bad greeting banner: ${printable(line)}`);
              return;
            }
            stage = 'helo';
            socket.write(`HELO ${config.heloName}\r\n`);
          } else if (stage === 'helo') {
            if (status !== 250) {
              attempt.finish(false, 'bad_helo_response', `bad HELO response: ${printable(line)}`);
              return;
            }
            stage = 'quit';
            socket.write('QUIT\r\n');
          } else {
            attempt.finish(true, 'ok', 'SMTP conversation completed');
          }
        };
        socket.on('data', (chunk: Buffer) => {
          if (attempt.isSettled()) return;
          buffer += chunk.toString('latin1');
          const nl = buffer.indexOf('\n');
          if (nl < 0) {
            if (buffer.length >= SMTP_BUFF_MAX - 1) buffer = '';
            return;
          }
          const line = buffer.slice(0, nl);
          buffer = '';
          onLine(line);
        });
        socket.on('end', () => {
          if (!attempt.isSettled()) attempt.finish(false, 'no_data', `server closed the connection (${stage})`);
        });
        socket.on('close', () => {
          if (!attempt.isSettled()) attempt.finish(false, 'reset', `connection closed (${stage})`);
        });
      });
    },
  );
}

function printable(line: string): string {
  return JSON.stringify(line.slice(0, 80));
}
