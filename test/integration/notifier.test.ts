import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { NotifyFifo } from '../../src/config/model/global.js';
import type { NotifyScripts } from '../../src/config/model/vrrp.js';
import type { ScriptCommand } from '../../src/config/script.js';
import { Notifier, type NotifierGlobal, type NotifierInstance } from '../../src/daemon/notifier.js';

const AT = { file: 'keepalived.conf', line: 1 };

function cmd(...argv: string[]): ScriptCommand {
  return { argv, text: argv.join(' '), user: undefined, group: undefined, uid: undefined, gid: undefined, at: AT };
}

const NO_SCRIPTS: NotifyScripts = { master: undefined, backup: undefined, fault: undefined, stop: undefined, generic: undefined };

function globalDefs(over: Partial<NotifierGlobal> = {}): NotifierGlobal {
  return {
    routerId: 'lb1',
    notificationEmails: [],
    notificationEmailFrom: 'keepalived@lb1.example',
    smtpServer: undefined,
    smtpHeloName: 'lb1.example',
    smtpConnectTimeoutUs: 5_000_000,
    noEmailFaults: false,
    notifyFifo: undefined,
    vrrpNotifyFifo: undefined,
    defaultScriptUser: undefined,
    ...over,
  };
}

function instance(over: Partial<NotifierInstance> = {}): NotifierInstance {
  return {
    name: 'VI_1',
    notify: NO_SCRIPTS,
    notifyDeleted: false,
    notifyDeletedScript: undefined,
    notifyMasterRxLowerPri: undefined,
    smtpAlert: false,
    notifyPriorityChanges: false,
    ...over,
  };
}

function fifo(path: string, script?: ScriptCommand): NotifyFifo {
  return { path, user: undefined, group: undefined, script, at: AT };
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kats-notifier-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

test('FIFO: 100 events in a burst reach a slow reader complete and in order', withDir(async (dir) => {
  const path = join(dir, 'notify.fifo');
  const logs: string[] = [];
  const n = new Notifier({ global: globalDefs({ notifyFifo: fifo(path) }), log: (l) => logs.push(l) });
  await n.open();
  assert.ok(statSync(path).isFIFO(), 'mkfifo created the FIFO');
  assert.equal(statSync(path).mode & 0o777, 0o644);
  // Long names so that the burst (~100 KiB) overflows the 64 KiB pipe and must queue.
  const expected: string[] = [];
  for (let i = 0; i < 100; i++) {
    const name = `VI_${i}_${'x'.repeat(1000)}`;
    const state = i % 2 === 0 ? 'MASTER' : 'BACKUP';
    n.notifyInstance(instance({ name }), state, 100 + i, Date.now());
    expected.push(`INSTANCE "${name}" ${state} ${100 + i}`);
  }
  // The caller was never blocked: all 100 calls returned before any reader existed.
  let received = '';
  const reader = createReadStream(path, { highWaterMark: 512 });
  reader.on('data', (chunk) => {
    received += chunk.toString();
    reader.pause();
    setTimeout(() => reader.resume(), 1);
  });
  await waitFor(() => received.split('\n').length > 100, 20_000);
  assert.deepEqual(received.split('\n').slice(0, 100), expected);
  assert.equal(n.counters().fifoLinesWritten, 100);
  assert.equal(n.counters().fifoLinesDropped, 0);
  reader.destroy();
  await n.close(1000);
  assert.equal(existsSync(path), false, 'a FIFO we created is unlinked at close');
  assert.deepEqual(logs, []);
}));

test('FIFO: group lines, priority lines only with notify_priority_changes, same path written once', withDir(async (dir) => {
  const path = join(dir, 'n.fifo');
  const n = new Notifier({ global: globalDefs({ notifyFifo: fifo(path), vrrpNotifyFifo: fifo(path) }), log: () => {} });
  await n.open();
  let received = '';
  const reader = createReadStream(path);
  reader.on('data', (c) => (received += c.toString()));
  n.notifyInstance(instance(), 'MASTER_PRIORITY', 90, 0);
  n.notifyInstance(instance({ notifyPriorityChanges: true }), 'MASTER_PRIORITY', 90, 0);
  n.notifyGroup({ name: 'G1', notify: NO_SCRIPTS, smtpAlert: false }, 'FAULT', 0);
  n.notifyInstance(instance(), 'MASTER_RX_LOWER_PRI', 100, 0);
  await waitFor(() => received.split('\n').length > 3);
  assert.equal(received, 'INSTANCE "VI_1" MASTER_PRIORITY 90\nGROUP "G1" FAULT 0\nINSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\n');
  reader.destroy();
  await n.close(1000);
}));

test('FIFO: notify_fifo_script is started with the FIFO path last and stopped at close', withDir(async (dir) => {
  const path = join(dir, 'vrrp.fifo');
  const out = join(dir, 'fifo-script.out');
  const argsOut = join(dir, 'fifo-script.args');
  const reader = script(dir, 'reader.sh', `printf '%s|' "$@" > ${argsOut}\nwhile read -r line; do echo "$line" >> ${out}; done < "$2"`);
  const logs: string[] = [];
  const n = new Notifier({ global: globalDefs({ vrrpNotifyFifo: fifo(path, cmd(reader, 'arg1')) }), log: (l) => logs.push(l) });
  await n.open();
  n.notifyInstance(instance(), 'BACKUP', 100, 0);
  n.notifyInstance(instance(), 'MASTER', 100, 0);
  await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 2);
  assert.equal(readFileSync(argsOut, 'utf8'), `arg1|${path}|`);
  assert.equal(readFileSync(out, 'utf8'), 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\n');
  await n.close(2000);
  assert.ok(logs.includes('vrrp notify fifo script terminated'), logs.join('\n'));
}));

test('scripts: notify_<state> gets no extra argv, notify gets INSTANCE name STATE prio', withDir(async (dir) => {
  const rec = (name: string): string => script(dir, `${name}.sh`, `printf '%s|' "$0" "$@" >> ${join(dir, name)}.out; echo >> ${join(dir, name)}.out`);
  const notify: NotifyScripts = {
    master: cmd(rec('master'), 'm arg'),
    backup: cmd(rec('backup')),
    fault: undefined,
    stop: cmd(rec('stop')),
    generic: cmd(rec('generic'), 'generic1'),
  };
  const n = new Notifier({ global: globalDefs(), log: () => {} });
  await n.open();
  n.notifyInstance(instance({ notify }), 'MASTER', 150, 0);
  await waitFor(() => existsSync(join(dir, 'generic.out')) && existsSync(join(dir, 'master.out')));
  n.notifyInstance(instance({ notify }), 'FAULT', 150, 0);
  n.notifyGroup({ name: 'G1', notify: { ...NO_SCRIPTS, generic: notify.generic }, smtpAlert: false }, 'BACKUP', 0);
  n.notifyInstance(instance({ notify }), 'STOP', 100, 0);
  await n.close(3000);
  assert.equal(readFileSync(join(dir, 'master.out'), 'utf8'), `${join(dir, 'master.sh')}|m arg|\n`);
  assert.equal(readFileSync(join(dir, 'stop.out'), 'utf8'), `${join(dir, 'stop.sh')}|\n`);
  const generic = readFileSync(join(dir, 'generic.out'), 'utf8').trim().split('\n').sort();
  const g = join(dir, 'generic.sh');
  assert.deepEqual(generic, [
    `${g}|generic1|GROUP|G1|BACKUP|0|`,
    `${g}|generic1|INSTANCE|VI_1|FAULT|150|`,
    `${g}|generic1|INSTANCE|VI_1|MASTER|150|`,
    `${g}|generic1|INSTANCE|VI_1|STOP|100|`,
  ].sort());
  const c = n.counters();
  assert.equal(c.scriptsRun, 6);
  assert.equal(c.scriptFailures, 0);
}));

test('scripts: a STOP script that hangs is SIGKILLed after 1 s; failures are counted', withDir(async (dir) => {
  const hang = script(dir, 'hang.sh', "trap '' TERM\nwhile true; do sleep 0.05; done");
  const fail = script(dir, 'fail.sh', 'exit 1');
  const logs: string[] = [];
  const n = new Notifier({ global: globalDefs(), log: (l) => logs.push(l) });
  await n.open();
  const notify = { ...NO_SCRIPTS, stop: cmd(hang), master: cmd(fail), backup: cmd('/nonexistent/kats') };
  n.notifyInstance(instance({ notify }), 'MASTER', 100, 0);
  n.notifyInstance(instance({ notify }), 'BACKUP', 100, 0);
  const t0 = Date.now();
  n.notifyInstance(instance({ notify }), 'STOP', 100, 0);
  await n.close(5000);
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took < 3000, `close took ${took} ms`);
  const c = n.counters();
  assert.equal(c.scriptTimeouts, 1);
  assert.equal(c.scriptFailures, 3);
  assert.ok(logs.includes("Error exec-ing command '/nonexistent/kats', error 2: No such file or directory"), logs.join('\n'));
}));

test('scripts: bounded concurrency, the caller never waits', withDir(async (dir) => {
  const counter = join(dir, 'count');
  const s = script(dir, 'slow.sh', `echo x >> ${counter}; sleep 0.2`);
  const n = new Notifier({ global: globalDefs(), log: () => {}, maxConcurrentScripts: 4 });
  await n.open();
  const t0 = performance.now();
  for (let i = 0; i < 12; i++) n.notifyInstance(instance({ notify: { ...NO_SCRIPTS, master: cmd(s) } }), 'MASTER', 100, 0);
  assert.ok(performance.now() - t0 < 100, 'notifyInstance returned at once');
  await sleep(100);
  assert.ok(readFileSync(counter, 'utf8').split('\n').length - 1 <= 4);
  await n.close(5000);
  assert.equal(readFileSync(counter, 'utf8').split('\n').length - 1, 12);
}));

interface Received {
  readonly from: string;
  readonly to: readonly string[];
  readonly helo: string;
  readonly data: string;
}

async function smtpServer(): Promise<{ server: SMTPServer; port: number; mails: Received[] }> {
  const mails: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const env = session.envelope;
        mails.push({
          from: env.mailFrom === false ? '' : env.mailFrom.address,
          to: env.rcptTo.map((r) => r.address),
          helo: session.hostNameAppearsAs,
          data: Buffer.concat(chunks).toString(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, mails };
}

test('SMTP: keepalived subject, body and headers; the same state is not mailed twice', async () => {
  const { server, port, mails } = await smtpServer();
  try {
    const global = globalDefs({
      notificationEmails: ['ops@example.com', 'oncall@example.com'],
      smtpServer: { host: '127.0.0.1', port, at: AT },
    });
    const n = new Notifier({ global, log: () => {}, utcOffsetMinutes: () => 60 });
    await n.open();
    const vi = instance({ smtpAlert: true });
    n.notifyInstance(vi, 'MASTER', 150, Date.UTC(2021, 2, 1, 9, 44, 8));
    n.notifyInstance(vi, 'MASTER', 150, Date.UTC(2021, 2, 1, 9, 44, 9));
    n.notifyInstance(instance({ smtpAlert: false, name: 'VI_2' }), 'MASTER', 150, 0);
    n.notifyGroup({ name: 'G1', notify: NO_SCRIPTS, smtpAlert: true }, 'FAULT', Date.UTC(2021, 2, 1, 9, 45, 0));
    await waitFor(() => mails.length >= 2);
    await n.close(2000);
    assert.equal(mails.length, 2);
    const byInstance = mails.find((m) => m.data.includes('VRRP Instance'));
    assert.ok(byInstance !== undefined);
    assert.equal(byInstance.from, 'keepalived@lb1.example');
    assert.deepEqual(byInstance.to, ['ops@example.com', 'oncall@example.com']);
    assert.equal(byInstance.helo, 'lb1.example');
    assert.equal(
      byInstance.data,
      'Date: Mon, 01 Mar 2021 10:44:08 +0100\r\n' +
        'From: keepalived@lb1.example\r\n' +
        'Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n' +
        'X-Mailer: Keepalived\r\n' +
        'To: ops@example.com, oncall@example.com\r\n' +
        '\r\n' +
        '=> VRRP Instance is now owning VRRP VIPs <=\r\n' +
        '\r\n',
    );
    const byGroup = mails.find((m) => m.data.includes('VRRP Group'));
    assert.match(byGroup?.data ?? '', /\r\nSubject: \[lb1\] VRRP Group G1 - Entering FAULT state\r\n/);
    assert.match(byGroup?.data ?? '', /\r\n\r\n=> All VRRP group instances are now in FAULT state <=\r\n/);
    assert.equal(n.counters().emailsSent, 2);
    assert.equal(n.counters().emailsFailed, 0);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('SMTP: a server that is not there is logged and counted', async () => {
  const { server, port } = await smtpServer();
  await new Promise<void>((r) => server.close(() => r()));
  const logs: string[] = [];
  const global = globalDefs({ notificationEmails: ['ops@example.com'], smtpServer: { host: '127.0.0.1', port, at: AT } });
  const n = new Notifier({ global, log: (l) => logs.push(l) });
  await n.open();
  n.notifyInstance(instance({ smtpAlert: true }), 'BACKUP', 100, Date.now());
  await n.close(5000);
  assert.equal(n.counters().emailsFailed, 1);
  assert.deepEqual(logs, [`SMTP connection ERROR to [127.0.0.1]:${port}.`]);
});

test('SMTP: no_email_faults and no recipients send nothing', async () => {
  let calls = 0;
  const sendMail = async (): Promise<void> => {
    calls++;
  };
  const n = new Notifier({
    global: globalDefs({ noEmailFaults: true, notificationEmails: ['a@b'], smtpServer: { host: '127.0.0.1', port: 25, at: AT } }),
    log: () => {},
    sendMail,
  });
  await n.open();
  n.notifyInstance(instance({ smtpAlert: true }), 'FAULT', 100, 0);
  n.notifyInstance(instance({ smtpAlert: true }), 'BACKUP', 100, 0);
  await n.close();
  assert.equal(calls, 1);
  const none = new Notifier({ global: globalDefs({ smtpServer: { host: '127.0.0.1', port: 25, at: AT } }), log: () => {}, sendMail });
  await none.open();
  none.notifyInstance(instance({ smtpAlert: true }), 'MASTER', 100, 0);
  await none.close();
  assert.equal(calls, 1);
});
