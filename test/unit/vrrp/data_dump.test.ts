import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctimeUs, formatG, formatParentData, formatVrrpData, type InstanceDumpView } from '../../../src/vrrp/data_dump.js';
import { dumpTestConfig } from './json_dump.test.js';

test('ctimeUs() is ctime_us_r(): local time from an offset, day padded with a space', () => {
  assert.equal(ctimeUs(1795416253227768, 0), 'Mon Nov 23 06:44:13.227768 2026');
  assert.equal(ctimeUs(1795416253227768, 60), 'Mon Nov 23 07:44:13.227768 2026');
  assert.equal(ctimeUs(0, 0), 'Thu Jan  1 00:00:00.000000 1970');
  assert.equal(ctimeUs(951782400_000001, 0), 'Tue Feb 29 00:00:00.000001 2000');
});

test('formatG() is C\'s %g', () => {
  assert.deepEqual([0, 1, 0.5, 0.01, 5, 123456, 1234567, 0.0001, 0.00001, 2.5e-7].map(formatG), ['0', '1', '0.5', '0.01', '5', '123456', '1.23457e+06', '0.0001', '1e-05', '2.5e-07']);
});

test('formatVrrpData() writes keepalived 2.2.7\'s keepalived.data layout for what we model', () => {
  const c = dumpTestConfig();
  const vi2 = c.vrrp.instances[1];
  const chk = c.vrrp.scripts[0];
  assert.ok(vi2 !== undefined && chk !== undefined);
  const view: InstanceDumpView = {
    config: vi2,
    state: 'MASTER',
    wantState: 'MASTER',
    effectivePriority: 150,
    masterAddress: undefined,
    masterAdverIntervalCs: 50,
    lastTransitionUs: 1795416273308269,
    readTimeoutUs: 1795416276809463,
    masterDownTimerUs: 1707031,
    sourceAddress: '10.99.0.1',
    vipSet: true,
  };
  const text = formatVrrpData({
    global: c.global,
    instances: [view],
    syncGroups: [],
    scripts: [{ config: chk, isGood: true, trackedBy: [{ instance: 'VI_1', weight: -10, reverse: false }] }],
    utcOffsetMin: 0,
  });
  const lines = text.split('\n');
  assert.equal(lines[0], '------< Global definitions >------');
  assert.ok(lines.includes(' Router ID = R1'));
  assert.ok(lines.includes(' Default interface = eth0'), 'the VRRP process prints its default interface');
  assert.ok(lines.includes(' VRRP IPv4 mcast group = 224.0.0.18'));
  assert.ok(lines.includes(' Gratuitous ARP lower priority delay = 5'));
  assert.ok(lines.includes(' umask = 0177'));
  // keepalived 2.2.7's own lines for this instance (kill -USR1, ka2.conf), minus fd_in/fd_out.
  const topology = text.slice(text.indexOf('------< VRRP Topology >------'));
  assert.equal(
    topology,
    [
      '------< VRRP Topology >------',
      ' VRRP Instance = VI_2',
      '   VRRP Version = 3',
      '   State = MASTER',
      '   Flags: none',
      '   Wantstate = MASTER',
      '   Number of config faults = 0',
      '   Last transition = 1795416273.308269 (Mon Nov 23 06:44:33.308269 2026)',
      '   Read timeout = 1795416276.809463 (Mon Nov 23 06:44:36.809463 2026)',
      '   Master down timer = 1707031 usecs',
      '   Interface = eth0',
      '   Using src_ip = 10.99.0.1',
      '   Multicast address 224.0.0.18',
      '   Gratuitous ARP delay = 5',
      '   Gratuitous ARP repeat = 5',
      '   Gratuitous ARP refresh = 0',
      '   Gratuitous ARP refresh repeat = 1',
      '   Gratuitous ARP lower priority delay = 5',
      '   Gratuitous ARP lower priority repeat = 5',
      '   Down timer adverts = 3',
      '   Send advert after receive lower priority advert = true',
      '   Send advert after receive higher priority advert = false',
      '   Virtual Router ID = 52',
      '   Priority = 150',
      '   Effective priority = 150',
      '   Total priority = 150',
      '   Advert interval = 500 milli-sec',
      '   Accept = enabled',
      '   Preempt = enabled',
      '   Promote_secondaries = disabled',
      '   Virtual IP (1):',
      '     10.99.0.101/24 dev eth0 scope global set',
      '   Using smtp notification = no',
      '   Notify deleted = Fault',
      '   Notify priority changes = false',
      '------< VRRP Scripts >------',
      ' VRRP Script = chk',
      "   Command = '/bin/true'",
      '   Interval = 2 sec',
      // keepalived 2.2.7 printed 0 here (its timeout before completion); our model holds the
      // completed value.
      `   Timeout = ${Math.floor(chk.timeoutUs / 1_000_000)} sec`,
      '   Weight = -10',
      '   Rise = 1',
      '   Fall = 1',
      '   Status = GOOD',
      '   Script uid:gid = 990:990',
      '   VRRP instances :',
      '   Tracking instances :',
      '     VI_1, weight -10',
      '',
    ].join('\n'),
  );
});

test('formatVrrpData(): a BACKUP shows its master, tracked objects, auth and notify scripts', () => {
  const c = dumpTestConfig();
  const vi1 = c.vrrp.instances[0];
  assert.ok(vi1 !== undefined);
  const text = formatVrrpData({
    global: c.global,
    instances: [{ config: vi1, state: 'BACKUP', wantState: 'BACKUP', effectivePriority: 105, masterAddress: '10.99.0.2', masterAdverIntervalCs: 100,
      lastTransitionUs: 0, readTimeoutUs: undefined, masterDownTimerUs: 3_589_843, sourceAddress: '10.99.0.1', vipSet: false }],
    syncGroups: [],
    scripts: [],
    utcOffsetMin: 0,
  });
  for (const line of [
    '   State = BACKUP',
    '   Master router = 10.99.0.2',
    '   Read timeout = DISABLED',
    '   Authentication type = SIMPLE_PASSWORD',
    '   Password = secret',
    '   Virtual IP (1):',
    '     10.99.0.100/24 dev eth0 scope global',
    '   Virtual IP Excluded :',
    '     10.99.1.100/24 dev eth0 scope global',
    '   Tracked interfaces :',
    '     eth1 weight 5',
    '   Tracked scripts :',
    '     chk weight -10',
    '   Using smtp notification = yes',
    "   Master state transition script = '/bin/echo' 'm', uid:gid 990:990",
    "   Generic state transition script = '/bin/echo' 'x', uid:gid 990:990",
  ]) {
    assert.ok(text.split('\n').includes(line), `missing: ${line}\n${text}`);
  }
});

test('formatParentData() is the global definitions only, without the VRRP default interface', () => {
  const text = formatParentData(dumpTestConfig().global);
  assert.match(text, /^------< Global definitions >------\n Network namespace = \(default\)\n/);
  assert.doesNotMatch(text, /Default interface|VRRP Topology/);
  assert.ok(text.endsWith(' umask = 0177\n'));
});
