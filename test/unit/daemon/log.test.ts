import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LOG_FACILITY,
  formatLogFileLine,
  formatSyslogDatagram,
  logFileNameFor,
  parseLogFacility,
  planLogSinks,
} from '../../../src/daemon/log.js';

test('-S: 0-7 and local0-7 are local facilities; user and daemon by name; anything else is refused', () => {
  assert.equal(parseLogFacility('0'), 16 << 3);
  assert.equal(parseLogFacility('7'), 23 << 3);
  assert.equal(parseLogFacility('local3'), 19 << 3);
  assert.equal(parseLogFacility('user'), LOG_FACILITY.user);
  assert.equal(parseLogFacility('daemon'), 3 << 3);
  for (const bad of ['8', 'local8', 'kern', '', '01', 'local', ' 1']) assert.equal(parseLogFacility(bad), undefined, bad);
});

test('the syslog datagram is what glibc sends with LOG_PID: <PRI>Mmm dd hh:mm:ss ident[pid]: msg', () => {
  const d = new Date(2026, 10, 3, 6, 4, 5);
  assert.equal(formatSyslogDatagram(d, 30, 'Keepalived_vrrp', 42, '(VI_1) Entering MASTER STATE'), '<30>Nov  3 06:04:05 Keepalived_vrrp[42]: (VI_1) Entering MASTER STATE');
  assert.equal(formatSyslogDatagram(new Date(2026, 10, 23, 23, 59, 0), 158, 'Keepalived', 1, 'x'), '<158>Nov 23 23:59:00 Keepalived[1]: x');
});

test('the -g line carries nanoseconds and the year after them', () => {
  const d = new Date(2026, 10, 3, 6, 4, 5);
  assert.equal(formatLogFileLine(d, 1234, 'hello'), 'Tue Nov 03 06:04:05.000001234 2026: hello');
});

test('log file names: _vrrp/_check before the last extension, relative names in the temporary directory', () => {
  assert.equal(logFileNameFor('/var/log/k.log', 'vrrp', '/tmp'), '/var/log/k_vrrp.log');
  assert.equal(logFileNameFor('/var/log/k.log', undefined, '/tmp'), '/var/log/k.log');
  assert.equal(logFileNameFor('keepalived.log', 'check', '/tmp'), '/tmp/keepalived_check.log');
  assert.equal(logFileNameFor('/var/log.d/keepalived', 'vrrp', '/tmp'), '/var/log.d/keepalived_vrrp');
  assert.equal(logFileNameFor('/a/b.c.log', 'vrrp', '/tmp'), '/a/b.c_vrrp.log');
});

test('sinks: console only with -n -l; journald replaces syslog without -l; -G silences syslog', () => {
  const base = { dontFork: true, logConsole: false, noSyslog: false, logFile: false, underJournald: false };
  assert.deepEqual(planLogSinks(base), { console: false, journal: false, syslog: true, file: false });
  assert.deepEqual(planLogSinks({ ...base, logConsole: true }), { console: true, journal: false, syslog: true, file: false });
  assert.deepEqual(planLogSinks({ ...base, dontFork: false, logConsole: true }), { console: false, journal: false, syslog: true, file: false });
  assert.deepEqual(planLogSinks({ ...base, underJournald: true }), { console: false, journal: true, syslog: false, file: false });
  assert.deepEqual(planLogSinks({ ...base, noSyslog: true, logFile: true }), { console: false, journal: false, syslog: false, file: true });
  fc.assert(
    fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (dontFork, logConsole, noSyslog, logFile, underJournald) => {
      const p = planLogSinks({ dontFork, logConsole, noSyslog, logFile, underJournald });
      // Never two copies of a line on stderr, never syslog with -G, the file exactly with -g.
      return !(p.console && p.journal) && !(noSyslog && p.syslog) && p.file === logFile && !(p.journal && p.syslog);
    }),
  );
});
