/**
 * The notifications the checker process sends for real servers and virtual servers, as
 * pure descriptions (the shell runs the scripts, writes the FIFO and sends the mail).
 *
 * keepalived-compat: check/ipwrapper.c notify_fifo_vs/notify_fifo_rs/do_vs_notifies/
 * do_rs_notifies/clear_service_rs, core/smtp.c smtp_alert (SMTP_MSG_RS, SMTP_MSG_VS,
 * SMTP_MSG_RS_SHUT subjects).
 */
import type { ScriptCommand } from '../config/script.js';

/** keepalived's TIMER_HZ kill timer for notifies run while stopping (system_call_script). */
export const STOPPING_SCRIPT_KILL_AFTER_US = 1_000_000;

export type LvsAction =
  | { readonly kind: 'log'; readonly text: string }
  /** Fork the script with exactly this argv (RS/quorum notifies get no extra words). */
  | {
      readonly kind: 'run_script';
      readonly command: ScriptCommand;
      readonly argv: readonly string[];
      /** undefined: forked, never waited for; else SIGKILL after this long (stopping). */
      readonly killAfterUs: number | undefined;
    }
  /** Write to notify_fifo and lvs_notify_fifo (if configured); line ends with "\n". */
  | { readonly kind: 'fifo'; readonly line: string }
  | { readonly kind: 'smtp'; readonly subject: string; readonly body: string };

/**
 * `VS [10.0.0.1]:tcp:80 UP\n`. keepalived-compat: 2.2.7 writes strlen(line) bytes (its
 * size arithmetic counts exactly the formatted text), so no NUL follows.
 */
export function vsFifoLine(vsText: string, up: boolean): string {
  return `VS ${vsText} ${up ? 'UP' : 'DOWN'}\n`;
}

/** `RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n`. */
export function rsFifoLine(rsText: string, vsText: string, up: boolean): string {
  return `RS ${rsText} ${vsText} ${up ? 'UP' : 'DOWN'}\n`;
}

/** `[router_id] Realserver RS of virtual server VS - UP|DOWN` (SMTP_MSG_RS, _RS_SHUT). */
export function rsSmtpSubject(routerId: string, rsText: string, vsText: string, state: string): string {
  return `[${routerId}] Realserver ${rsText} of virtual server ${vsText} - ${state}`;
}

/** `[router_id] Virtualserver VS - UP|DOWN` (SMTP_MSG_VS). */
export function vsSmtpSubject(routerId: string, vsText: string, up: boolean): string {
  return `[${routerId}] Virtualserver ${vsText} - ${up ? 'UP' : 'DOWN'}`;
}

/**
 * The quorum mail body (do_vs_notifies): `=> Gained quorum 2+0=2 <= 3 <=`, with
 * `Starting with quorum up|down` at start-up and `Lost quorum` for a loss. keepalived
 * prints `+` whatever the direction.
 */
export function quorumSmtpBody(
  o: { readonly up: boolean; readonly init: boolean; readonly stopping: boolean },
  n: { readonly quorum: number; readonly hysteresis: number; readonly threshold: number; readonly weightSum: number },
): string {
  if (o.stopping) return '=> Shutting down <=';
  const what = o.up
    ? o.init ? 'Starting with quorum up' : 'Gained quorum'
    : o.init ? 'Starting with quorum down' : 'Lost quorum';
  return `=> ${what} ${n.quorum}+${n.hysteresis}=${n.threshold} <= ${n.weightSum} <=`;
}

/** A script run, killed after 1 s when keepalived is stopping. */
export function scriptAction(command: ScriptCommand, stopping: boolean): LvsAction {
  return {
    kind: 'run_script',
    command,
    argv: command.argv,
    killAfterUs: stopping ? STOPPING_SCRIPT_KILL_AFTER_US : undefined,
  };
}
