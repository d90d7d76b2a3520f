import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NotifyScripts } from '../../../src/config/model/vrrp.js';
import type { ScriptCommand } from '../../../src/config/script.js';
import {
  fifoLine,
  formatSmtpDate,
  formatSmtpMessage,
  groupNotifyPlan,
  instanceNotifyPlan,
  shouldEmail,
  smtpSubject,
  type NotifyInstance,
} from '../../../src/vrrp/notify_format.js';

function cmd(...argv: string[]): ScriptCommand {
  return { argv, text: argv.join(' '), user: undefined, group: undefined, uid: undefined, gid: undefined, at: { file: 'k.conf', line: 1 } };
}

const NO_SCRIPTS: NotifyScripts = { master: undefined, backup: undefined, fault: undefined, stop: undefined, generic: undefined };

function instance(over: Partial<NotifyInstance> = {}): NotifyInstance {
  return {
    name: 'VI_1',
    notify: {
      master: cmd('/etc/k/master.sh', 'm1'),
      backup: cmd('/etc/k/backup.sh'),
      fault: cmd('/etc/k/fault.sh'),
      stop: cmd('/etc/k/stop.sh'),
      generic: cmd('/etc/k/notify.sh', 'generic1'),
    },
    notifyDeleted: false,
    notifyDeletedScript: undefined,
    notifyMasterRxLowerPri: cmd('/etc/k/rx.sh', 'a b'),
    ...over,
  };
}

test('FIFO line: printf("%s \\"%s\\" %s %d\\n")', () => {
  assert.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER', 150), 'INSTANCE "VI_1" MASTER 150\n');
  assert.equal(fifoLine('GROUP', 'G 1', 'FAULT', 0), 'GROUP "G 1" FAULT 0\n');
  assert.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER_RX_LOWER_PRI', 100), 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\n');
});

test('instance MASTER: notify_master with its own argv only, then notify with 4 words, FIFO, mail', () => {
  const plan = instanceNotifyPlan(instance(), 'MASTER', 150);
  assert.deepEqual(
    plan.scripts.map((s) => [s.role, s.argv, s.killAfterMs]),
    [
      ['state', ['/etc/k/master.sh', 'm1'], undefined],
      ['generic', ['/etc/k/notify.sh', 'generic1', 'INSTANCE', 'VI_1', 'MASTER', '150'], undefined],
    ],
  );
  assert.equal(plan.fifoLine, 'INSTANCE "VI_1" MASTER 150\n');
  assert.deepEqual(plan.smtpAlert, {
    subject: 'VRRP Instance VI_1 - Entering MASTER state',
    body: '=> VRRP Instance is now owning VRRP VIPs <=',
  });
});

test('instance STOP: both scripts are killed after 1 s (system_call_script TIMER_HZ)', () => {
  const plan = instanceNotifyPlan(instance(), 'STOP', 100);
  assert.deepEqual(plan.scripts.map((s) => s.killAfterMs), [1000, 1000]);
  assert.deepEqual(plan.scripts[1]?.argv.slice(-4), ['INSTANCE', 'VI_1', 'STOP', '100']);
  assert.equal(plan.smtpAlert?.subject, 'VRRP Instance VI_1 - Stopping');
  assert.equal(plan.smtpAlert?.body, '=> VRRP Instance stopping <=');
});

test('DELETED is reported as FAULT without notify_deleted, as DELETED with it', () => {
  const old = instanceNotifyPlan(instance(), 'DELETED', 100);
  assert.equal(old.reportedState, 'FAULT');
  assert.equal(old.fifoLine, 'INSTANCE "VI_1" FAULT 100\n');
  assert.deepEqual(old.scripts.map((s) => s.argv[0]), ['/etc/k/fault.sh', '/etc/k/notify.sh']);
  const del = instanceNotifyPlan(instance({ notifyDeleted: true, notifyDeletedScript: cmd('/d.sh') }), 'DELETED', 100);
  assert.equal(del.fifoLine, 'INSTANCE "VI_1" DELETED 100\n');
  assert.deepEqual(del.scripts.map((s) => s.argv), [['/d.sh'], ['/etc/k/notify.sh', 'generic1', 'INSTANCE', 'VI_1', 'DELETED', '100']]);
  assert.deepEqual(del.smtpAlert, { subject: 'VRRP Instance VI_1 - Deleted', body: '=> VRRP Deleted at reload <=' });
});

test('MASTER_RX_LOWER_PRI runs only its script, no extra argv; FIFO only for *_PRIORITY', () => {
  const rx = instanceNotifyPlan(instance(), 'MASTER_RX_LOWER_PRI', 120);
  assert.deepEqual(rx.scripts.map((s) => s.argv), [['/etc/k/rx.sh', 'a b']]);
  assert.equal(rx.fifoLine, 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 120\n');
  assert.equal(rx.smtpAlert, undefined);
  const pr = instanceNotifyPlan(instance(), 'BACKUP_PRIORITY', 90);
  assert.deepEqual(pr.scripts, []);
  assert.equal(pr.fifoLine, 'INSTANCE "VI_1" BACKUP_PRIORITY 90\n');
});

test('an instance without scripts only has the FIFO line and the mail', () => {
  const plan = instanceNotifyPlan(instance({ notify: NO_SCRIPTS }), 'BACKUP', 100);
  assert.deepEqual(plan.scripts, []);
  assert.equal(plan.smtpAlert?.body, '=> VRRP Instance is no longer owning VRRP VIPs <=');
});

test('group: GROUP name STATE 0; only the generic STOP is killed after 1 s', () => {
  const g = { name: 'G1', notify: { ...NO_SCRIPTS, stop: cmd('/s.sh'), generic: cmd('/n.sh') } };
  const plan = groupNotifyPlan(g, 'STOP');
  assert.deepEqual(
    plan.scripts.map((s) => [s.argv, s.killAfterMs]),
    [
      [['/s.sh'], undefined],
      [['/n.sh', 'GROUP', 'G1', 'STOP', '0'], 1000],
    ],
  );
  assert.equal(plan.fifoLine, 'GROUP "G1" STOP 0\n');
  assert.deepEqual(groupNotifyPlan(g, 'MASTER').smtpAlert, {
    subject: 'VRRP Group G1 - Entering MASTER state',
    body: '=> All VRRP group instances are now in MASTER state <=',
  });
});

test('mail gating: smtp_alert, no_email_faults, never the same state twice', () => {
  const base = { isSmtpAlertEnabled: true, noEmailFaults: false, lastEmailState: undefined } as const;
  assert.equal(shouldEmail({ ...base, state: 'MASTER' }), true);
  assert.equal(shouldEmail({ ...base, isSmtpAlertEnabled: false, state: 'MASTER' }), false);
  assert.equal(shouldEmail({ ...base, noEmailFaults: true, state: 'FAULT' }), false);
  assert.equal(shouldEmail({ ...base, state: 'MASTER', lastEmailState: 'MASTER' }), false);
});

test('subject carries [router_id] and is cut at 255 bytes', () => {
  assert.equal(
    smtpSubject('lb1', { subject: 'VRRP Instance VI_1 - Entering MASTER state', body: '' }),
    '[lb1] VRRP Instance VI_1 - Entering MASTER state',
  );
  assert.equal(smtpSubject('r', { subject: 'x'.repeat(400), body: '' }).length, 255);
});

test('Date: strftime "%a, %d %b %Y %H:%M:%S %z" of local time', () => {
  assert.equal(formatSmtpDate({ epochMs: 1614591848000, utcOffsetMinutes: 0 }), 'Mon, 01 Mar 2021 09:44:08 +0000');
  assert.equal(formatSmtpDate({ epochMs: 1614591848000, utcOffsetMinutes: 60 }), 'Mon, 01 Mar 2021 10:44:08 +0100');
  assert.equal(formatSmtpDate({ epochMs: 1614591848000, utcOffsetMinutes: -600 }), 'Sun, 28 Feb 2021 23:44:08 -1000');
  assert.equal(formatSmtpDate({ epochMs: 0, utcOffsetMinutes: 330 }), 'Thu, 01 Jan 1970 05:30:00 +0530');
  assert.equal(formatSmtpDate({ epochMs: 951782400000, utcOffsetMinutes: 0 }), 'Tue, 29 Feb 2000 00:00:00 +0000');
});

test('message: keepalived headers in order, body, then an empty line', () => {
  const m = formatSmtpMessage({
    from: 'keepalived@lb1',
    to: ['a@x', 'b@y'],
    subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state',
    body: '=> VRRP Instance is now owning VRRP VIPs <=',
    date: { epochMs: 1614591848000, utcOffsetMinutes: 0 },
  });
  assert.equal(m.envelopeFrom, 'keepalived@lb1');
  assert.deepEqual(m.envelopeTo, ['a@x', 'b@y']);
  assert.equal(
    m.data,
    'Date: Mon, 01 Mar 2021 09:44:08 +0000\r\n' +
      'From: keepalived@lb1\r\n' +
      'Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n' +
      'X-Mailer: Keepalived\r\n' +
      'To: a@x, b@y\r\n' +
      '\r\n' +
      '=> VRRP Instance is now owning VRRP VIPs <=\r\n' +
      '\r\n',
  );
});
