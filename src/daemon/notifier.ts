/**
 * The notify side effects of VRRP state changes: notify scripts, the notify FIFOs and SMTP
 * alerts, as keepalived 2.2.7 produces them (vrrp/vrrp_notify.c; formats in
 * vrrp/notify_format.ts). The VRRP runtime calls notifyInstance()/notifyGroup()
 * synchronously; nothing here blocks it: scripts go through a bounded queue, FIFO lines
 * through one ordered, non-blocking write queue per FIFO, mail is sent in the background.
 *
 * keepalived forks every script at once and never waits for them (except STOP, killed
 * after 1 s). We start them in the same order but at most `maxConcurrentScripts` at a
 * time, so a burst of transitions cannot fork-bomb the host.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants, lstat, open as openFd, chown, unlink } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import nodemailer from 'nodemailer';
import type { GlobalDefs, NotifyFifo } from '../config/model/global.js';
import type { VrrpInstance, VrrpSyncGroup } from '../config/model/vrrp.js';
import type { ScriptCommand } from '../config/script.js';
import {
  formatSmtpMessage,
  groupNotifyPlan,
  instanceNotifyPlan,
  shouldEmail,
  smtpSubject,
  type GroupNotifyEvent,
  type InstanceNotifyEvent,
  type NotifyGroup,
  type NotifyInstance,
  type NotifyPlan,
  type SmtpMessage,
} from '../vrrp/notify_format.js';
import {
  lookupUserIds,
  runAsOf,
  runScript,
  type RunScriptOptions,
  type ScriptRunResult,
} from './script_runner.js';

/** The global_defs settings the notifier uses. */
export type NotifierGlobal = Pick<
  GlobalDefs,
  | 'routerId'
  | 'notificationEmails'
  | 'notificationEmailFrom'
  | 'smtpServer'
  | 'smtpHeloName'
  | 'smtpConnectTimeoutUs'
  | 'noEmailFaults'
  | 'notifyFifo'
  | 'vrrpNotifyFifo'
  | 'defaultScriptUser'
>;

/** An instance as the notifier needs it. */
export type NotifierInstance = NotifyInstance & Pick<VrrpInstance, 'smtpAlert' | 'notifyPriorityChanges'>;
export type NotifierGroup = NotifyGroup & Pick<VrrpSyncGroup, 'smtpAlert'>;

export interface NotifierCounters {
  readonly scriptsRun: number;
  /** Non-zero exit, death by signal or failure to start. */
  readonly scriptFailures: number;
  /** Killed after their time-out (STOP scripts after 1 s). */
  readonly scriptTimeouts: number;
  /** Dropped because the script queue was full. */
  readonly scriptsDropped: number;
  readonly emailsSent: number;
  readonly emailsFailed: number;
  readonly fifoLinesWritten: number;
  /** Dropped because a FIFO had no room (no reader for too long) or could not be opened. */
  readonly fifoLinesDropped: number;
}

export interface NotifierOptions {
  readonly global: NotifierGlobal;
  readonly log: (line: string) => void;
  /** Scripts running at once (default 32). */
  readonly maxConcurrentScripts?: number;
  /** Scripts waiting to start (default 4096); more are dropped and counted. */
  readonly maxQueuedScripts?: number;
  /** Bytes queued per FIFO beyond the pipe's own buffer (default 1 MiB). */
  readonly maxFifoQueueBytes?: number;
  /** The local UTC offset at a time (default: the host's time zone). */
  readonly utcOffsetMinutes?: (epochMs: number) => number;
  /** For tests: how to run a script and how to send a mail. */
  readonly runScript?: (options: RunScriptOptions) => Promise<ScriptRunResult>;
  readonly sendMail?: (message: SmtpMessage) => Promise<void>;
}

interface Counters {
  scriptsRun: number;
  scriptFailures: number;
  scriptTimeouts: number;
  scriptsDropped: number;
  emailsSent: number;
  emailsFailed: number;
  fifoLinesWritten: number;
  fifoLinesDropped: number;
}

function hostUtcOffsetMinutes(epochMs: number): number {
  return -new Date(epochMs).getTimezoneOffset();
}

export class Notifier {
  private readonly options: NotifierOptions;
  private readonly counts: Counters = {
    scriptsRun: 0,
    scriptFailures: 0,
    scriptTimeouts: 0,
    scriptsDropped: 0,
    emailsSent: 0,
    emailsFailed: 0,
    fifoLinesWritten: 0,
    fifoLinesDropped: 0,
  };
  private readonly queue: RunScriptOptions[] = [];
  private running = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly lastEmailState = new Map<string, InstanceNotifyEvent>();
  private fifos: FifoWriter[] = [];
  private isClosed = false;

  /** No I/O: open() creates and opens the FIFOs. */
  constructor(options: NotifierOptions) {
    this.options = options;
  }

  /**
   * Creates (mkfifo) and opens notify_fifo and vrrp_notify_fifo, starting their
   * notify_fifo_script first, as keepalived does (lib/notify.c fifo_open). Lines notified
   * before open() finishes are kept and written in order.
   */
  async open(): Promise<void> {
    const g = this.options.global;
    const configs: { fifo: NotifyFifo; type: string }[] = [];
    if (g.notifyFifo !== undefined) configs.push({ fifo: g.notifyFifo, type: '' });
    // keepalived-compat: a vrrp_notify_fifo with the global FIFO's name is ignored.
    if (g.vrrpNotifyFifo !== undefined && g.vrrpNotifyFifo.path !== g.notifyFifo?.path) {
      configs.push({ fifo: g.vrrpNotifyFifo, type: 'vrrp_' });
    }
    this.fifos = configs.map(
      (c) =>
        new FifoWriter(c.fifo, c.type, {
          log: this.options.log,
          maxQueueBytes: this.options.maxFifoQueueBytes ?? 1 << 20,
          counts: this.counts,
          runFifoScript: (argv, signal) => this.runFifoScript(c.fifo, argv, signal),
        }),
    );
    await Promise.all(this.fifos.map((f) => f.open()));
  }

  /** An instance event (a state, MASTER_RX_LOWER_PRI or a *_PRIORITY change). Never blocks. */
  notifyInstance(instance: NotifierInstance, state: InstanceNotifyEvent, priority: number, nowMs: number): void {
    if (this.isClosed) return;
    // keepalived-compat: priority-change lines are only written with
    // notify_priority_changes (vrrp.c: send_instance_priority_notifies).
    if ((state === 'MASTER_PRIORITY' || state === 'BACKUP_PRIORITY') && !instance.notifyPriorityChanges) return;
    this.carryOut(instance.smtpAlert, `instance:${instance.name}`, instanceNotifyPlan(instance, state, priority), nowMs);
  }

  /** A sync-group event (priority 0). Never blocks. */
  notifyGroup(group: NotifierGroup, state: GroupNotifyEvent, nowMs: number): void {
    if (this.isClosed) return;
    this.carryOut(group.smtpAlert, `group:${group.name}`, groupNotifyPlan(group, state), nowMs);
  }

  /**
   * The checker's notifications, already formatted by the pure core (check/lvs_notify.ts):
   * a script with its argv, a FIFO line, or a mail (subject and body). Never blocks.
   */
  notifyPrepared(
    action:
      | { readonly kind: 'run_script'; readonly command: ScriptCommand; readonly argv: readonly string[]; readonly killAfterUs: number | undefined }
      | { readonly kind: 'fifo'; readonly line: string }
      | { readonly kind: 'smtp'; readonly subject: string; readonly body: string },
    nowMs: number,
  ): void {
    if (this.isClosed) return;
    if (action.kind === 'run_script') {
      const ids = runAsOf(action.command, this.options.global.defaultScriptUser);
      this.enqueue({
        argv: action.argv,
        uid: ids?.uid,
        gid: ids?.gid,
        timeoutMs: action.killAfterUs === undefined ? undefined : action.killAfterUs / 1000,
        killGraceMs: 0,
      });
      return;
    }
    if (action.kind === 'fifo') {
      for (const f of this.fifos) f.write(action.line);
      return;
    }
    const g = this.options.global;
    if (g.notificationEmails.length === 0 || g.smtpServer === undefined) return;
    const offset = (this.options.utcOffsetMinutes ?? hostUtcOffsetMinutes)(nowMs);
    const message = formatSmtpMessage({
      from: g.notificationEmailFrom,
      to: g.notificationEmails,
      subject: action.subject,
      body: action.body,
      date: { epochMs: nowMs, utcOffsetMinutes: offset },
    });
    this.track(this.sendMail(message));
  }

  counters(): NotifierCounters {
    return { ...this.counts };
  }

  /**
   * Stops taking events, waits up to `boundMs` for queued scripts, running scripts, FIFO
   * writes and mails, then closes (and unlinks the FIFOs it created) and stops the FIFO
   * scripts.
   */
  async close(boundMs = 5000): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const deadline = Date.now() + boundMs;
    const drained = (async (): Promise<void> => {
      while (this.queue.length > 0 || this.inFlight.size > 0) {
        await Promise.race([...this.inFlight]);
      }
    })();
    await withBound(drained, boundMs);
    this.queue.length = 0;
    await Promise.all(this.fifos.map((f) => f.close(Math.max(0, deadline - Date.now()))));
  }

  // keepalived's order per event: the notify_<state> script, `notify`, the FIFO line,
  // then the mail (send_instance_notifies).
  private carryOut(isSmtpAlertEnabled: boolean, key: string, plan: NotifyPlan, nowMs: number): void {
    const defaultUser = this.options.global.defaultScriptUser;
    for (const s of plan.scripts) {
      const ids = runAsOf(s.command, defaultUser);
      this.enqueue({
        argv: s.argv,
        uid: ids?.uid,
        gid: ids?.gid,
        timeoutMs: s.killAfterMs,
        // STOP: keepalived's child_killed_thread sends SIGKILL straight away.
        killGraceMs: 0,
      });
    }
    for (const f of this.fifos) f.write(plan.fifoLine);
    if (plan.smtpAlert === undefined) return;
    const g = this.options.global;
    const state = plan.reportedState;
    if (!shouldEmail({ isSmtpAlertEnabled, noEmailFaults: g.noEmailFaults, state, lastEmailState: this.lastEmailState.get(key) })) {
      return;
    }
    this.lastEmailState.set(key, state);
    // keepalived-compat: smtp_alert() sends nothing without recipients or a server.
    if (g.notificationEmails.length === 0 || g.smtpServer === undefined) return;
    const offset = (this.options.utcOffsetMinutes ?? hostUtcOffsetMinutes)(nowMs);
    const message = formatSmtpMessage({
      from: g.notificationEmailFrom,
      to: g.notificationEmails,
      subject: smtpSubject(g.routerId, plan.smtpAlert),
      body: plan.smtpAlert.body,
      date: { epochMs: nowMs, utcOffsetMinutes: offset },
    });
    this.track(this.sendMail(message));
  }

  private enqueue(run: RunScriptOptions): void {
    if (this.queue.length >= (this.options.maxQueuedScripts ?? 4096)) {
      this.counts.scriptsDropped++;
      this.options.log(`Notify script queue full - not running ${run.argv[0] ?? ''}`);
      return;
    }
    this.queue.push(run);
    this.pump();
  }

  private pump(): void {
    const max = this.options.maxConcurrentScripts ?? 32;
    while (this.running < max) {
      const next = this.queue.shift();
      if (next === undefined) return;
      this.running++;
      this.counts.scriptsRun++;
      const run = this.options.runScript ?? runScript;
      this.track(
        run(next).then((r) => {
          this.running--;
          this.account(r);
          this.pump();
        }),
      );
    }
  }

  private account(r: ScriptRunResult): void {
    if (r.timedOut) this.counts.scriptTimeouts++;
    if (r.spawnError !== undefined) {
      this.counts.scriptFailures++;
      this.options.log(r.spawnError.message);
    } else if (r.exitCode !== 0) {
      this.counts.scriptFailures++;
    }
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async runFifoScript(fifo: NotifyFifo, argv: readonly string[], signal: AbortSignal): Promise<void> {
    const script = fifo.script;
    if (script === undefined) return;
    const ids = runAsOf(script, this.options.global.defaultScriptUser);
    // keepalived-compat: at exit the FIFO script gets SIGTERM, then SIGKILL 1 s later
    // (script_killall + child_killed_thread).
    const r = await (this.options.runScript ?? runScript)({ argv, uid: ids?.uid, gid: ids?.gid, signal, killGraceMs: 1000 });
    if (r.spawnError !== undefined) this.options.log(r.spawnError.message);
  }

  private async sendMail(message: SmtpMessage): Promise<void> {
    try {
      await (this.options.sendMail ?? ((m) => sendWithNodemailer(this.options.global, m)))(message);
      this.counts.emailsSent++;
    } catch (err) {
      this.counts.emailsFailed++;
      this.options.log(smtpFailureLine(this.options.global, err));
    }
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first. */
async function withBound(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  if (timer !== undefined) clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------
// SMTP

function serverText(g: NotifierGlobal): string {
  const s = g.smtpServer;
  if (s === undefined) return '';
  return `[${s.host}]:${s.port}`;
}

/** keepalived's log line for a failed alert (core/smtp.c), chosen from the error. */
function smtpFailureLine(g: NotifierGlobal, err: unknown): string {
  const e = err as { code?: string; responseCode?: number; command?: string; message?: string };
  if (e.code === 'ETIMEDOUT' || e.code === 'ETIMEOUT') return `Timeout connecting SMTP server ${serverText(g)}.`;
  if (typeof e.responseCode === 'number') {
    const cmd = (e.command ?? '').split(' ')[0]?.replace('EHLO', 'HELO').replace(/^RCPT.*/, 'RCPT') ?? '';
    return `Error processing ${cmd} cmd on SMTP server ${serverText(g)}. SMTP status code = ${e.responseCode}`;
  }
  return `SMTP connection ERROR to ${serverText(g)}.`;
}

/**
 * Sends keepalived's message text unchanged (nodemailer `raw`), with one fresh connection
 * per alert and smtp_connect_timeout for every step, like core/smtp.c. keepalived speaks
 * plain SMTP, so STARTTLS is not used even when offered.
 */
async function sendWithNodemailer(g: NotifierGlobal, message: SmtpMessage): Promise<void> {
  const server = g.smtpServer;
  if (server === undefined) return;
  const timeoutMs = Math.max(1, Math.round(g.smtpConnectTimeoutUs / 1000));
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: false,
    ignoreTLS: true,
    name: g.smtpHeloName,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({
      envelope: { from: message.envelopeFrom, to: [...message.envelopeTo] },
      raw: message.data,
    });
  } finally {
    transport.close();
  }
}

// ---------------------------------------------------------------------------------------
// FIFOs

interface FifoWriterDeps {
  readonly log: (line: string) => void;
  readonly maxQueueBytes: number;
  readonly counts: Counters;
  readonly runFifoScript: (argv: readonly string[], signal: AbortSignal) => Promise<void>;
}

/**
 * One notify FIFO: created with mkfifo (0644) if missing and chowned to its user, its
 * notify_fifo_script started with the path as last argument, then opened O_RDWR |
 * O_NONBLOCK (keepalived's trick: opening read-write never blocks and writes never fail
 * with EPIPE when no reader is there). Lines go through one ordered queue; libuv writes
 * them as the reader drains the pipe.
 *
 * Where keepalived drops a line once the 64 KiB pipe is full (EAGAIN, ignored), we keep up
 * to `maxQueueBytes` more in memory and then drop, counting the drops.
 */
class FifoWriter {
  private socket: Socket | undefined;
  private pending: string[] | undefined = [];
  private isCreatedByUs = false;
  private scriptRun: Promise<void> | undefined;
  private readonly scriptAbort = new AbortController();

  constructor(
    private readonly fifo: NotifyFifo,
    private readonly type: string,
    private readonly deps: FifoWriterDeps,
  ) {}

  async open(): Promise<void> {
    const path = this.fifo.path;
    const existing = await lstatOrUndefined(path);
    if (existing === undefined) {
      const made = await mkfifo(path);
      if (!made) {
        this.deps.log(`Unable to create ${this.type}notify fifo ${path}`);
        return this.fail();
      }
      this.isCreatedByUs = true;
      await this.chownToUser(path);
    }
    if (this.fifo.script !== undefined) {
      const argv = [...this.fifo.script.argv, path];
      this.scriptRun = this.deps
        .runFifoScript(argv, this.scriptAbort.signal)
        .then(() => this.deps.log(`vrrp notify fifo script terminated`));
    }
    const fd = await openNonBlocking(path);
    if (fd === undefined || !(existing?.isFIFO() ?? true)) {
      this.deps.log(`Unable to open ${this.type}notify fifo ${path}`);
      if (this.isCreatedByUs) await unlinkQuietly(path);
      this.isCreatedByUs = false;
      return this.fail();
    }
    this.socket = new Socket({ fd, readable: false, writable: true });
    this.socket.on('error', (err) => this.deps.log(`notify fifo ${path} write error: ${err.message}`));
    const queued = this.pending ?? [];
    this.pending = undefined;
    for (const line of queued) this.write(line);
  }

  write(line: string): void {
    if (this.pending !== undefined) {
      this.pending.push(line);
      return;
    }
    const s = this.socket;
    if (s === undefined || s.destroyed || s.writableLength > this.deps.maxQueueBytes) {
      this.deps.counts.fifoLinesDropped++;
      return;
    }
    this.deps.counts.fifoLinesWritten++;
    s.write(line);
  }

  /** Flushes (bounded), unlinks a FIFO we created first, closes, stops the FIFO script. */
  async close(boundMs: number): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined && !s.destroyed) {
      await withBound(new Promise<void>((resolve) => s.end(resolve)), boundMs);
    }
    // keepalived-compat: unlink before close, so a reader looping on re-open cannot
    // reopen the old FIFO (lib/notify.c fifo_close).
    if (this.isCreatedByUs) await unlinkQuietly(this.fifo.path);
    s?.destroy();
    this.scriptAbort.abort();
    if (this.scriptRun !== undefined) await withBound(this.scriptRun, Math.max(boundMs, 1500));
  }

  private fail(): void {
    this.deps.counts.fifoLinesDropped += this.pending?.length ?? 0;
    this.pending = undefined;
  }

  private async chownToUser(path: string): Promise<void> {
    if (this.fifo.user === undefined) return;
    const ids = await lookupUserIds(this.fifo.user);
    if (ids === undefined) return;
    const gid = this.fifo.group === undefined ? ids.gid : await lookupGroupId(this.fifo.group);
    const uid = ids.uid === process.getuid?.() ? -1 : ids.uid;
    const g = gid === undefined || gid === process.getgid?.() ? -1 : gid;
    if (uid === -1 && g === -1) return;
    await new Promise<void>((resolve) =>
      chown(path, uid, g, (err) => {
        if (err !== null) this.deps.log(`Failed to set uid:gid for fifo ${path}`);
        resolve();
      }),
    );
  }
}

function lstatOrUndefined(path: string): Promise<import('node:fs').Stats | undefined> {
  return new Promise((resolve) => lstat(path, (err, st) => resolve(err === null ? st : undefined)));
}

/** Node has no mkfifo(2); coreutils' mkfifo with keepalived's mode (S_IRUSR|S_IWUSR|S_IRGRP|S_IROTH). */
function mkfifo(path: string): Promise<boolean> {
  return new Promise((resolve) => execFile('mkfifo', ['-m', '0644', '--', path], (err) => resolve(err === null)));
}

function openNonBlocking(path: string): Promise<number | undefined> {
  const flags = fsConstants.O_RDWR | fsConstants.O_NONBLOCK | fsConstants.O_NOFOLLOW;
  return new Promise((resolve) => openFd(path, flags, (err, fd) => resolve(err === null ? fd : undefined)));
}

function unlinkQuietly(path: string): Promise<void> {
  return new Promise((resolve) => unlink(path, () => resolve()));
}

async function lookupGroupId(name: string): Promise<number | undefined> {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    const text = await readFile('/etc/group', 'utf8');
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f[2] !== undefined) return Number(f[2]);
    }
  } catch {
    // No /etc/group: leave the group alone.
  }
  return undefined;
}
