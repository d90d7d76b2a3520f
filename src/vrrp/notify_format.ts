/**
 * What keepalived 2.2.7 emits when a VRRP instance or sync group changes state: the argv
 * of every notify script, the line written to the notify FIFOs and the SMTP alert. Pure:
 * the shell (daemon/notifier.ts) runs the scripts, writes the lines and sends the mail;
 * time is a parameter.
 *
 * keepalived-compat: vrrp/vrrp_notify.c (send_instance_notifies, send_group_notifies,
 * send_event_notify, send_instance_priority_notifies, notify_fifo, notify_script_exec,
 * vrrp_smtp_notifier, vrrp_sync_smtp_notifier), core/smtp.c (smtp_alert, body_cmd,
 * build_to_header_rcpt_addrs), include/smtp.h (SMTP_*_CMD).
 */
import type { NotifyScripts, VrrpInstance, VrrpSyncGroup } from '../config/model/vrrp.js';
import type { ScriptCommand } from '../config/script.js';

/** A state keepalived reports for an instance through scripts, FIFO and mail. */
export type InstanceNotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';

/**
 * Everything an instance can report: a state, or one of the FIFO-only events
 * (MASTER_RX_LOWER_PRI also runs notify_master_rx_lower_pri; the *_PRIORITY events are
 * written only with notify_priority_changes).
 */
export type InstanceNotifyEvent =
  | InstanceNotifyState
  | 'MASTER_RX_LOWER_PRI'
  | 'MASTER_PRIORITY'
  | 'BACKUP_PRIORITY';

/** A sync group reports no DELETED (vrrp_notify.c get_gscript). */
export type GroupNotifyEvent = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

/** keepalived's TIMER_HZ: STOP notifies are SIGKILLed after 1 s (system_call_script). */
export const STOP_SCRIPT_TIMEOUT_MS = 1000;

/** One script keepalived forks for an event. */
export interface NotifyScriptRun {
  /** `state`: notify_master/backup/fault/stop/deleted; `generic`: notify; `rx_lower_pri`. */
  readonly role: 'state' | 'generic' | 'rx_lower_pri';
  readonly command: ScriptCommand;
  /** The command's argv plus what keepalived appends (only for `notify`). */
  readonly argv: readonly string[];
  /**
   * undefined: keepalived forks and never waits or kills (notify_exec). A number: the
   * child gets this long, then SIGKILL to its process group (STOP: system_call_script
   * with child_killed_thread, no SIGTERM first).
   */
  readonly killAfterMs: number | undefined;
}

/** The mail keepalived builds (smtp_alert) before the SMTP dialogue. */
export interface SmtpAlert {
  readonly subject: string;
  readonly body: string;
}

/** What one event produces, in keepalived's order: scripts, then FIFO line, then mail. */
export interface NotifyPlan {
  /** The state actually reported (DELETED becomes FAULT without notify_deleted). */
  readonly reportedState: InstanceNotifyEvent;
  readonly scripts: readonly NotifyScriptRun[];
  /** With its trailing newline; written to notify_fifo and vrrp_notify_fifo. */
  readonly fifoLine: string;
  /** undefined: this event never mails (smtp_alert gating is the caller's, see shouldEmail). */
  readonly smtpAlert: SmtpAlert | undefined;
}

/** The instance fields the notifies use. */
export type NotifyInstance = Pick<
  VrrpInstance,
  'name' | 'notify' | 'notifyDeleted' | 'notifyDeletedScript' | 'notifyMasterRxLowerPri'
>;

/** The group fields the notifies use. */
export type NotifyGroup = Pick<VrrpSyncGroup, 'name' | 'notify'>;

/**
 * keepalived's notify_fifo(): `printf("%s \"%s\" %s %d\n")`. The name is quoted but not
 * escaped; a group always reports priority 0.
 *
 * @example fifoLine('INSTANCE', 'VI_1', 'MASTER', 150) // 'INSTANCE "VI_1" MASTER 150\n'
 */
export function fifoLine(
  scope: 'INSTANCE' | 'GROUP',
  name: string,
  state: InstanceNotifyEvent,
  priority: number,
): string {
  return `${scope} "${name}" ${state} ${priority}\n`;
}

/**
 * The argv of the generic `notify` script: the configured argv, then `INSTANCE|GROUP`,
 * the name, the state and the priority as four separate words (no quoting: execve).
 *
 * @example genericNotifyArgv(['/bin/n.sh', 'x'], 'GROUP', 'G1', 'BACKUP', 0)
 * // ['/bin/n.sh', 'x', 'GROUP', 'G1', 'BACKUP', '0']
 */
export function genericNotifyArgv(
  argv: readonly string[],
  scope: 'INSTANCE' | 'GROUP',
  name: string,
  state: InstanceNotifyState,
  priority: number,
): readonly string[] {
  return [...argv, scope, name, state, String(priority)];
}

function stateScript(scripts: NotifyScripts, state: InstanceNotifyState): ScriptCommand | undefined {
  switch (state) {
    case 'MASTER':
      return scripts.master;
    case 'BACKUP':
      return scripts.backup;
    case 'FAULT':
      return scripts.fault;
    case 'STOP':
      return scripts.stop;
    case 'DELETED':
      return undefined;
  }
}

/**
 * The state an instance reports: keepalived keeps announcing a deleted instance as FAULT
 * unless `notify_deleted` is set (send_instance_notifies, "for backward compatibility").
 */
export function reportedInstanceState(
  instance: Pick<VrrpInstance, 'notifyDeleted'>,
  state: InstanceNotifyState,
): InstanceNotifyState {
  return state === 'DELETED' && !instance.notifyDeleted ? 'FAULT' : state;
}

/**
 * Everything keepalived does for one instance event.
 *
 * - A state: notify_<state> (no extra argv), then `notify` with `INSTANCE name STATE
 *   prio`, then the FIFO line, then the mail. STOP scripts are killed after 1 s.
 * - MASTER_RX_LOWER_PRI: notify_master_rx_lower_pri (no extra argv) and the FIFO line.
 * - MASTER_PRIORITY / BACKUP_PRIORITY: the FIFO line only.
 */
export function instanceNotifyPlan(
  instance: NotifyInstance,
  event: InstanceNotifyEvent,
  priority: number,
): NotifyPlan {
  if (event === 'MASTER_RX_LOWER_PRI' || event === 'MASTER_PRIORITY' || event === 'BACKUP_PRIORITY') {
    const rx = event === 'MASTER_RX_LOWER_PRI' ? instance.notifyMasterRxLowerPri : undefined;
    const scripts: NotifyScriptRun[] =
      rx === undefined ? [] : [{ role: 'rx_lower_pri', command: rx, argv: rx.argv, killAfterMs: undefined }];
    return {
      reportedState: event,
      scripts,
      fifoLine: fifoLine('INSTANCE', instance.name, event, priority),
      smtpAlert: undefined,
    };
  }
  const state = reportedInstanceState(instance, event);
  const killAfterMs = state === 'STOP' ? STOP_SCRIPT_TIMEOUT_MS : undefined;
  const scripts: NotifyScriptRun[] = [];
  const own = state === 'DELETED' ? instance.notifyDeletedScript : stateScript(instance.notify, state);
  if (own !== undefined) scripts.push({ role: 'state', command: own, argv: own.argv, killAfterMs });
  const generic = instance.notify.generic;
  if (generic !== undefined) {
    const argv = genericNotifyArgv(generic.argv, 'INSTANCE', instance.name, state, priority);
    scripts.push({ role: 'generic', command: generic, argv, killAfterMs });
  }
  return {
    reportedState: state,
    scripts,
    fifoLine: fifoLine('INSTANCE', instance.name, state, priority),
    smtpAlert: instanceSmtpAlert(instance.name, state),
  };
}

/**
 * Everything keepalived does for one sync-group event: notify_<state>, then `notify` with
 * `GROUP name STATE 0`, then the FIFO line (priority 0), then the mail.
 *
 * keepalived-compat: the group's own notify_stop is forked without a kill timer
 * (notify_exec), while its generic `notify` for STOP goes through notify_script_exec,
 * which kills it after 1 s.
 */
export function groupNotifyPlan(group: NotifyGroup, event: GroupNotifyEvent): NotifyPlan {
  const scripts: NotifyScriptRun[] = [];
  const own = stateScript(group.notify, event);
  if (own !== undefined) scripts.push({ role: 'state', command: own, argv: own.argv, killAfterMs: undefined });
  const generic = group.notify.generic;
  if (generic !== undefined) {
    scripts.push({
      role: 'generic',
      command: generic,
      argv: genericNotifyArgv(generic.argv, 'GROUP', group.name, event, 0),
      killAfterMs: event === 'STOP' ? STOP_SCRIPT_TIMEOUT_MS : undefined,
    });
  }
  return {
    reportedState: event,
    scripts,
    fifoLine: fifoLine('GROUP', group.name, event, 0),
    smtpAlert: groupSmtpAlert(group.name, event),
  };
}

// ---------------------------------------------------------------------------------------
// SMTP alerts (core/smtp.c). keepalived formats the subject into a 256-byte buffer and
// copies the body into a 512-byte one; both are truncated silently.

/** smtp.h MAX_HEADERS_LENGTH / MAX_BODY_LENGTH, less the terminating NUL. */
const MAX_SUBJECT_CHARS = 255;
const MAX_BODY_CHARS = 511;

const INSTANCE_MAIL: Readonly<Record<InstanceNotifyState, readonly [string, string]>> = {
  MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
  BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  STOP: ['Stopping', '=> VRRP Instance stopping <='],
  DELETED: ['Deleted', '=> VRRP Deleted at reload <='],
};

const GROUP_MAIL: Readonly<Record<GroupNotifyEvent, readonly [string, string]>> = {
  MASTER: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
  BACKUP: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='],
  FAULT: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='],
  STOP: ['Stopping', '=> All VRRP group instances are now stopping <='],
};

/** The subject/body pair before router_id is known; the shell adds it with smtpSubject. */
function instanceSmtpAlert(name: string, state: InstanceNotifyState): SmtpAlert {
  const [what, body] = INSTANCE_MAIL[state];
  return { subject: `VRRP Instance ${name} - ${what}`, body };
}

function groupSmtpAlert(name: string, state: GroupNotifyEvent): SmtpAlert {
  const [what, body] = GROUP_MAIL[state];
  return { subject: `VRRP Group ${name} - ${what}`, body };
}

/**
 * The final subject: `[router_id] VRRP Instance VI_1 - Entering MASTER state`, truncated
 * like keepalived's snprintf into 256 bytes.
 */
export function smtpSubject(routerId: string, alert: SmtpAlert): string {
  return truncateUtf8(`[${routerId}] ${alert.subject}`, MAX_SUBJECT_CHARS);
}

/**
 * Whether keepalived mails this state (vrrp_smtp_notifier): smtp_alert on, not a FAULT
 * under no_email_faults, and not the state mailed last time (last_email_state).
 * Mail is only ever sent at all with notification_email and smtp_server set (smtp_alert).
 */
export function shouldEmail(input: {
  readonly isSmtpAlertEnabled: boolean;
  readonly noEmailFaults: boolean;
  readonly state: InstanceNotifyEvent;
  readonly lastEmailState: InstanceNotifyEvent | undefined;
}): boolean {
  if (!input.isSmtpAlertEnabled) return false;
  if (input.noEmailFaults && input.state === 'FAULT') return false;
  return input.lastEmailState !== input.state;
}

/** Local time as the shell sees it: epoch milliseconds and the UTC offset then. */
export interface LocalTime {
  readonly epochMs: number;
  /** Minutes east of UTC (the negation of JavaScript's getTimezoneOffset()). */
  readonly utcOffsetMinutes: number;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Civil date of a day count since 1970-01-01 (Howard Hinnant's days_from_civil inverse). */
function civilFromDays(days: number): { readonly year: number; readonly month: number; readonly day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * keepalived's Date header: strftime `"%a, %d %b %Y %H:%M:%S %z"` of localtime() in the C
 * locale (body_cmd).
 *
 * @example formatSmtpDate({ epochMs: 1614591848000, utcOffsetMinutes: 0 })
 * // 'Mon, 01 Mar 2021 09:44:08 +0000'
 */
export function formatSmtpDate(t: LocalTime): string {
  const localSeconds = Math.floor(t.epochMs / 1000) + t.utcOffsetMinutes * 60;
  const days = Math.floor(localSeconds / 86400);
  const secondOfDay = localSeconds - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const weekday = DAYS[(((days + 4) % 7) + 7) % 7] ?? '';
  const hh = Math.floor(secondOfDay / 3600);
  const mm = Math.floor((secondOfDay % 3600) / 60);
  const ss = secondOfDay % 60;
  const sign = t.utcOffsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(t.utcOffsetMinutes);
  const zone = `${sign}${pad(Math.floor(off / 60))}${pad(off % 60)}`;
  return `${weekday}, ${pad(day)} ${MONTHS[month - 1] ?? ''} ${year} ${pad(hh)}:${pad(mm)}:${pad(ss)} ${zone}`;
}

/** What the SMTP dialogue carries: the envelope and the DATA text. */
export interface SmtpMessage {
  /** `MAIL FROM:<from>`. */
  readonly envelopeFrom: string;
  /** One `RCPT TO:<addr>` each, in configuration order. */
  readonly envelopeTo: readonly string[];
  /**
   * The message as sent after DATA, CRLF line ends, without the final `.` line:
   * Date, From, Subject, X-Mailer, To, a blank line, the body and one empty line
   * (keepalived sends `body\r\n` then `\r\n.\r\n`).
   */
  readonly data: string;
}

/**
 * keepalived's SMTP message (body_cmd, SMTP_HEADERS_CMD / SMTP_BODY_CMD / SMTP_SEND_CMD).
 * The To header lists the recipients separated by `, `.
 */
export function formatSmtpMessage(input: {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
  readonly date: LocalTime;
}): SmtpMessage {
  const body = truncateUtf8(input.body, MAX_BODY_CHARS);
  const data =
    `Date: ${formatSmtpDate(input.date)}\r\n` +
    `From: ${input.from}\r\n` +
    `Subject: ${input.subject}\r\n` +
    'X-Mailer: Keepalived\r\n' +
    `To: ${input.to.join(', ')}\r\n` +
    '\r\n' +
    `${body}\r\n` +
    '\r\n';
  return { envelopeFrom: input.from, envelopeTo: input.to, data };
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += ch;
  }
  return out;
}

/**
 * keepalived-ts split brain: `notify_split_brain` gets keepalived's notify shape with our
 * state word, `INSTANCE VI_1 SPLIT_BRAIN PEER PEER_PRIORITY` (the priority is `witness`
 * when the etcd witness, not an advert, named the other master); the mail follows
 * keepalived's instance subject.
 */
export function splitBrainNotify(
  instance: string,
  peer: string,
  peerPriority: number,
): { readonly args: readonly string[]; readonly subject: string; readonly body: string } {
  const prio = peerPriority < 0 ? 'witness' : String(peerPriority);
  const seen = peerPriority < 0 ? `the witness names ${peer} as MASTER` : `${peer} advertised as MASTER (priority ${peerPriority})`;
  return {
    args: ['INSTANCE', instance, 'SPLIT_BRAIN', peer, prio],
    subject: `VRRP Instance ${instance} - split brain detected`,
    body: `=> Split brain: ${seen} while this node was MASTER <=`,
  };
}
