/**
 * virtual_server / virtual_server_group / real_server / sorry_server parsing and completion,
 * end to end through parseConfig(). Expected messages and exit codes were taken from
 * `keepalived -t` (2.2.7) on the same texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRealServer, formatVirtualServer } from '../../../src/config/model/lvs_format.js';
import { errors, notices, onlyVs, parseText, rsOf, service } from './lvs_fixture.js';

test('virtual_server applies keepalived defaults and reports the ones it complains about', () => {
  const p = parseText('virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n }\n}\n');
  const vs = onlyVs(p);
  assert.deepEqual(errors(p), [
    'Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP',
    "Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
    'Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT',
  ]);
  assert.equal(p.exitCode, 5);
  assert.equal(vs.protocol, 'udp');
  assert.equal(vs.scheduler, 'wlc');
  assert.equal(vs.forwarding?.method, 'NAT');
  assert.equal(vs.delayLoopUs, 60_000_000);
  assert.equal(vs.connectTimeoutUs, 5_000_000);
  assert.equal(vs.quorum, 1);
  assert.equal(vs.smtpAlert, false);
  assert.equal(rsOf(vs).smtpAlert, true, 'real servers alert by default (keepalived back-compat)');
  assert.equal(rsOf(vs).weight, 1);
});

test('a fully specified virtual_server parses without any diagnostic', () => {
  const p = parseText(service(' delay_loop 6\n real_server 10.0.0.2 8080 {\n  weight 3\n }'));
  assert.deepEqual(p.diagnostics, []);
  assert.equal(p.exitCode, 0);
  const vs = onlyVs(p);
  assert.equal(vs.delayLoopUs, 6_000_000);
  assert.deepEqual(rsOf(vs).address, { family: 4, address: '10.0.0.2', port: 8080 });
  assert.equal(rsOf(vs).delayLoopUs, 6_000_000, 'inherited from the virtual server');
});

test('lb_algo and lvs_sched, lb_kind and lvs_method are synonyms', () => {
  const p = parseText(
    'virtual_server 10.0.0.1 80 {\n protocol TCP\n lvs_sched wrr\n lvs_method DR\n real_server 10.0.0.2 80 {\n }\n}\n',
  );
  assert.deepEqual(p.diagnostics, []);
  assert.equal(onlyVs(p).scheduler, 'wrr');
  assert.equal(rsOf(onlyVs(p)).forwarding.method, 'DR');
});

test('persistence_timeout without a value means 360 s; a zero port forces persistence', () => {
  const a = parseText(service(' persistence_timeout\n real_server 10.0.0.2 80 {\n }'));
  assert.equal(onlyVs(a).persistenceTimeoutS, 360);
  const b = parseText(service(' real_server 10.0.0.2 80 {\n }', '10.0.0.1 0'));
  assert.equal(onlyVs(b).persistenceTimeoutS, 360);
  assert.deepEqual(errors(b), ['Virtual server [10.0.0.1]:tcp:0: zero port only valid for persistent services - setting']);
  const c = parseText(service(' persistence_timeout 0\n real_server 10.0.0.2 80 {\n }'));
  assert.deepEqual(errors(c), ["number '0' outside range [1, 2678400]", 'persistence_timeout invalid']);
});

test('NAT real servers without a port take the service port; DR mismatches are reset with a warning', () => {
  const p = parseText(
    'virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n' +
      ' real_server 10.0.0.2 {\n }\n real_server 10.0.0.3 81 {\n }\n real_server 10.0.0.2 80 {\n }\n}\n',
  );
  const vs = onlyVs(p);
  // keepalived checks duplicates before filling ports: `10.0.0.2` and `10.0.0.2 80` are both kept.
  assert.deepEqual(vs.realServers.map((rs) => formatRealServer(rs)), [
    '[10.0.0.2]:tcp:80',
    '[10.0.0.3]:tcp:80',
    '[10.0.0.2]:tcp:80',
  ]);
  assert.deepEqual(errors(p), [
    "WARNING - virtual server [10.0.0.1]:tcp:80 and real server [10.0.0.3]:tcp:81 ports don't match - resetting",
  ]);
  const nat = parseText(service(' real_server 10.0.0.2 {\n }'));
  assert.deepEqual(nat.diagnostics, []);
  assert.equal(rsOf(onlyVs(nat)).address.port, 80);
});

test('a duplicated real server is removed with keepalived message', () => {
  const p = parseText(service(' real_server 10.0.0.2 80 {\n  weight 2\n }\n real_server 10.0.0.2 80 {\n  weight 5\n }'));
  assert.deepEqual(errors(p), ['VS [10.0.0.100]:tcp:80: real server [10.0.0.2]:tcp:80 is duplicated - removing second rs']);
  assert.equal(onlyVs(p).realServers.length, 1);
  assert.equal(rsOf(onlyVs(p)).weight, 2);
});

test('a virtual server without real servers is dropped with an error', () => {
  const p = parseText(service(''));
  assert.equal(p.lvs.virtualServers.length, 0);
  assert.deepEqual(errors(p), ['Virtual server [10.0.0.100]:tcp:80 has no real servers - ignoring']);
  assert.equal(p.exitCode, 5);
});

test('fwmark services ignore the protocol and clear real server ports for DR', () => {
  const p = parseText(
    'virtual_server fwmark 5 {\n protocol UDP\n lb_algo rr\n lb_kind DR\n real_server 10.0.0.2 80 {\n }\n}\n',
  );
  const vs = onlyVs(p);
  assert.equal(formatVirtualServer(vs), 'FWM 5');
  assert.equal(vs.protocol, undefined);
  assert.equal(vs.family, 4, 'taken from the real server');
  assert.equal(rsOf(vs).address.port, 0);
  assert.deepEqual(errors(p), [
    'Warning: Virtual server FWM 5: protocol specified for fwmark - protocol will be ignored',
    'WARNING - fwmark virtual server FWM 5, real server [10.0.0.2]:none:80 has port specified - clearing',
  ]);
});

test('virtual_server fwmark 0 is a service without fwmark for keepalived', () => {
  const p = parseText(
    'virtual_server fwmark 0 {\n protocol TCP\n persistence_timeout 30\n lb_algo rr\n lb_kind NAT\n' +
      ' real_server 10.0.0.2 80 {\n }\n}\n',
  );
  assert.equal(p.exitCode, 0, 'no "protocol specified for fwmark" warning');
  assert.equal(onlyVs(p).protocol, 'tcp');
  assert.equal(notices(p).length, 1);
});

test('quorum is clamped to the total weight and hysteresis below the quorum (unsigned)', () => {
  const p = parseText(service(' quorum 5\n hysteresis 7\n real_server 10.0.0.2 80 {\n  weight 2\n }'));
  assert.equal(onlyVs(p).quorum, 2);
  assert.equal(onlyVs(p).hysteresis, 1);
  assert.deepEqual(errors(p), [
    'Warning - quorum 5 for [10.0.0.100]:tcp:80 exceeds total weight of real servers 2, reducing quorum to 2',
    'Virtual server [10.0.0.100]:tcp:80: hysteresis 7 >= quorum 2; setting hysteresis to 1',
  ]);
  const zero = parseText(service(' real_server 10.0.0.2 80 {\n  weight 0\n }'));
  assert.equal(onlyVs(zero).quorum, 0);
  assert.equal(onlyVs(zero).hysteresis, 4294967295, 'keepalived computes quorum - 1 unsigned');
});

test('values are inherited virtual server -> real server, and VS options set after the servers still apply', () => {
  const p = parseText(
    'virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n' +
      ' real_server 10.0.0.2 80 {\n  retry 4\n }\n' +
      ' connect_timeout 2.5\n delay_loop 10\n delay_before_retry 7\n warmup 0\n alpha\n inhibit_on_failure\n weight 9\n' +
      ' lb_kind DR\n}\n',
  );
  const rs = rsOf(onlyVs(p));
  assert.deepEqual(p.diagnostics, []);
  assert.equal(rs.connectTimeoutUs, 2_500_000);
  assert.equal(rs.delayLoopUs, 10_000_000);
  assert.equal(rs.delayBeforeRetryUs, 7_000_000);
  assert.equal(rs.warmupUs, 0);
  assert.equal(rs.retry, 4);
  assert.equal(rs.alpha, true);
  assert.equal(rs.inhibitOnFailure, true);
  assert.equal(rs.weight, 9);
  assert.equal(rs.forwarding.method, 'DR', 'forwarding left unset on the RS is resolved at the end');
});

test('smtp_alert: global_defs smtp_alert_checker overrides the defaults', () => {
  const p = parseText(`global_defs {\n smtp_alert_checker off\n}\n${service(' real_server 10.0.0.2 80 {\n }')}`);
  assert.equal(rsOf(onlyVs(p)).smtpAlert, false);
  const q = parseText(`global_defs {\n smtp_alert on\n}\n${service(' real_server 10.0.0.2 80 {\n }')}`);
  assert.equal(onlyVs(q).smtpAlert, true);
});

test('real servers of the other address family are skipped unless tunnelled', () => {
  const p = parseText(service(' real_server 2001:db8::2 80 {\n }\n real_server 10.0.0.2 80 {\n }'));
  assert.deepEqual(errors(p), [
    "Address family of virtual server and real server 2001:db8::2 don't match - skipping real server.",
  ]);
  assert.equal(onlyVs(p).realServers.length, 1);
  const tun = parseText(service(' real_server 2001:db8::2 80 {\n  lvs_method TUN\n }'));
  assert.deepEqual(errors(tun), []);
  assert.equal(rsOf(onlyVs(tun)).address.family, 6);
});

test('invalid addresses and ports are reported and their block skipped', () => {
  const p = parseText(
    'virtual_server 10.0.0.300 80 {\n protocol TCP\n real_server 10.0.0.2 81 {\n }\n}\n' +
      service(' real_server 10.0.0.2 81x {\n  weight 3\n }\n real_server 10.0.0.3/24 00081 {\n }'),
  );
  assert.deepEqual(errors(p), [
    'Invalid virtual server IP address/port 10.0.0.300/80 - skipping',
    "invalid number '81x'",
    'Invalid real server ip address/port 10.0.0.2/81x - skipping',
  ]);
  // keepalived drops a /mask or -range suffix and reads 00081 as 81.
  assert.deepEqual(rsOf(onlyVs(p)).address, { family: 4, address: '10.0.0.3', port: 81 });
});

test('IPv6 services are canonicalised', () => {
  const p = parseText(service(' real_server 2001:DB8:0:0::2 443 {\n }', '2001:db8:0::10 443'));
  const vs = onlyVs(p);
  assert.equal(formatVirtualServer(vs), '[2001:db8::10]:tcp:443');
  assert.equal(formatRealServer(rsOf(vs)), '[2001:db8::2]:tcp:443');
  assert.equal(vs.family, 6);
});

test('virtual_server_group: addresses, ranges, CIDR and fwmarks; members are numbered', () => {
  const p = parseText(
    'virtual_server_group G1 {\n 10.0.0.1 80\n 10.0.0.2-10 80\n 10.0.1.0/24 80\n 10.0.2.1-10.0.3.4 80\n fwmark 7 inet\n}\n' +
      'virtual_server group G1 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.0.9 80 {\n }\n}\n' +
      'virtual_server group G1 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.0.9 80 {\n }\n}\n',
  );
  assert.deepEqual(p.diagnostics, []);
  const g = p.lvs.virtualServerGroups[0];
  assert.ok(g !== undefined);
  assert.deepEqual(
    g.entries.map((e) => (e.kind === 'fwmark' ? `fwmark ${e.fwmark}/${e.family}` : `${e.first}-${e.last}:${e.port}`)),
    ['10.0.0.1-10.0.0.1:80', '10.0.0.2-10.0.0.10:80', '10.0.1.0-10.0.1.255:80', '10.0.2.1-10.0.3.4:80', 'fwmark 7/4'],
  );
  assert.deepEqual(p.lvs.virtualServers.map((vs) => formatVirtualServer(vs)), ['[G1]:0', '[G1]:1']);
  assert.equal(onlyVs(p).family, 4);
});

test('virtual_server_group errors use keepalived messages and severities', () => {
  const p = parseText(
    'virtual_server_group G1 {\n 10.0.2.1/24 80\n 10.0.3.5-3 80\n 10.0.3.5-300 80\n 10.0.3.5-9x 80\n' +
      ' 10.0.4.9-10.0.4.1 80\n fwmark 9 foo\n 1.2.3 80\n 10.0.0.1 80\n}\nvirtual_server_group EMPTY {\n}\n',
  );
  assert.deepEqual(errors(p), [
    'Address mask bits not empty - 10.0.2.1/24 - skipping',
    'Address range end is not greater than address range start - 10.0.3.5-3 - skipping',
    "Virtual server group range '10.0.3.5-300' end '300' too large",
    "Virtual server group range '10.0.3.5-9x' has extra characters at end 'x'",
    'Address range end is less than address range start - 10.0.4.9-10.0.4.1 - skipping',
    "(G1): fwmark '9' family foo unknown - ignoring",
    'Invalid virtual server group IP address 1.2.3 /port/80 - skipping',
    'virtual server group EMPTY has no entries - removing',
  ]);
});

test('virtual_server_group: a range text with a colon anywhere is IPv6 for keepalived', () => {
  const p = parseText('virtual_server_group G {\n 10.1.0.0-::1 80\n 10.0.0.1 80\n}\n');
  assert.deepEqual(errors(p), ['Invalid virtual server group IP address 10.1.0.0-::1 /port/80 - skipping']);
});

test('an invalid virtual_server whose block cannot be skipped crashes keepalived; we stop too', () => {
  const p = parseText('virtual_server 10.0.0.300 80\n protocol TCP\n}\n');
  assert.equal(p.exitCode, 139);
});

test('a virtual_server group naming no group is dropped with a log line only', () => {
  const p = parseText('virtual_server group NOPE {\n protocol TCP\n real_server 10.0.0.2 80 {\n }\n}\n');
  assert.equal(p.lvs.virtualServers.length, 0);
  assert.deepEqual(errors(p), []);
  assert.deepEqual(notices(p), [
    'Virtual server group NOPE specified but not configured - ignoring virtual server [NOPE]:0',
  ]);
  assert.equal(p.exitCode, 0);
});

test('a virtual_server_group without its opening brace is a missing-parameter exit, as in keepalived', () => {
  const p = parseText('virtual_server_group G1\n 10.0.0.1 80\n}\n');
  assert.equal(p.exitCode, 2);
});

test('sorry_server: port rules, inhibit matching a real server, and errors', () => {
  const p = parseText(
    service(' real_server 10.0.0.2 80 {\n  inhibit_on_failure\n }\n sorry_server 10.0.0.2 80') +
      'virtual_server 10.0.0.1 83 {\n protocol TCP\n lb_algo rr\n lb_kind DR\n sorry_server 10.0.0.2 84\n' +
      ' real_server 10.0.0.3 {\n }\n sorry_server_inhibit\n}\n',
  );
  assert.deepEqual(errors(p), [
    'Virtual server [10.0.0.100]:tcp:80: real server [10.0.0.2]:tcp:80 matches sorry server, but inhibit setting differs, setting on sorry server',
    "WARNING - virtual server [10.0.0.1]:tcp:83 and sorry server ports don't match - resetting",
  ]);
  const first = onlyVs(p).sorryServer;
  assert.equal(first?.inhibitOnFailure, true);
  assert.equal(first?.duplicatesRealServer, true);
  assert.equal(onlyVs(p, 1).sorryServer?.address.port, 83);
  assert.equal(onlyVs(p, 1).sorryServer?.inhibitOnFailure, true);
  const bad = parseText(service(' sorry_server_inhibit\n sorry_server 1.2.3.4.5\n real_server 10.0.0.2 80 {\n }'));
  assert.deepEqual(errors(bad), [
    'Ignoring sorry_server inhibit used before or without sorry_server',
    'Invalid sorry server IP address 1.2.3.4.5 - skipping',
  ]);
});

test('lb_kind tunnel options: valid combinations and keepalived refusals', () => {
  const ok = parseText(service(' real_server 10.0.0.2 80 {\n  lvs_method TUN type gue port 6080 csum\n }'));
  assert.deepEqual(rsOf(onlyVs(ok)).forwarding, { method: 'TUN', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'csum' });
  const bad = parseText(
    service(
      ' lb_kind TUN type gue\n lb_kind TUN type ipip csum\n lb_kind TUN type gre remcsum\n lb_kind TUN foo\n' +
        ' lb_kind TUN type\n lb_kind XXX\n real_server 10.0.0.2 80 {\n }',
    ),
  );
  assert.deepEqual(errors(bad), [
    'gue tunnels require port, otherwise cannot have port.',
    'ipip tunnels do not support checksum option.',
    'gre tunnels do not support remote checksum option.',
    'Invalid tunnel option foo for virtual server.',
    'Missing tunnel type for virtual server.',
    'PARSER : unknown [XXX] routing method for virtual server.',
  ]);
  // The method is set before the options are checked.
  assert.equal(onlyVs(bad).forwarding?.method, 'TUN');
});

test('scheduler flags need their scheduler first; hashed is always refused', () => {
  const p = parseText(service(' hashed\n sh-port\n lb_algo sh\n sh-port\n sh-fallback\n mh-port\n ops\n real_server 10.0.0.2 80 {\n }'));
  assert.deepEqual(errors(p), [
    'hashed only applies to sh scheduler - ignoring',
    'sh-port only applies to sh scheduler - ignoring',
    'Virtual server [10.0.0.100]:tcp:80: one packet scheduling requires UDP - resetting',
  ]);
  const f = onlyVs(p).schedulerFlags;
  assert.equal(f.shPort, true);
  assert.equal(f.shFallback, true);
  assert.equal(f.mhPort, false);
  assert.equal(f.onePacket, false);
});

test('invalid values are reported and the default kept', () => {
  const p = parseText(
    service(
      ' retry 0\n weight 0\n quorum 0\n hysteresis -1\n smtp_alert maybe\n virtualhost\n ip_family inet6\n' +
        ' real_server 10.0.0.2 80 {\n  weight -1\n  uthreshold x\n  alpha maybe\n }',
    ),
  );
  assert.deepEqual(errors(p), [
    "number '0' outside range [1, 4294967295]",
    'retry value invalid - 0',
    "number '0' outside range [1, 2147483647]",
    'Virtual server weight 0 is outside range 1-2147483647',
    "number '0' outside range [1, 4294967295]",
    'Quorum 0 must be in [1, 4294967295]. Setting to 1.',
    "negative number '-1'",
    'Hysteresis -1 must be in [0, 4294967295] - ignoring',
    'Invalid virtual_server smtp_alert parameter maybe',
    'virtual server virtualhost missing',
    'Virtual server specified family inet6 conflicts with server family',
    "negative number '-1'",
    'Real server weight -1 is outside range 0-2147483647',
    "invalid number 'x'",
    "Invalid real_server uthreshold 'x' - ignoring",
    'Invalid alpha parameter maybe',
  ]);
  const vs = onlyVs(p);
  assert.equal(vs.quorum, 1);
  assert.equal(rsOf(vs).weight, 1);
});

test('delay_loop 0 is refused and the 60 s default kept', () => {
  const p = parseText(service(' delay_loop 0\n real_server 10.0.0.2 80 {\n }'));
  const e = errors(p);
  assert.match(e[0] ?? '', /^number '0' outside range \[0\.000001, /);
  assert.equal(e[1], "virtual server delay loop '0' invalid - ignoring");
  assert.equal(onlyVs(p).delayLoopUs, 60_000_000);
});

test('a keyword missing its parameter stops the parse like keepalived (exit 2)', () => {
  assert.equal(parseText('virtual_server\n').exitCode, 2);
  assert.equal(parseText(service(' lb_algo\n real_server 10.0.0.2 80 {\n }')).exitCode, 2);
  assert.equal(parseText(service(' real_server\n')).exitCode, 2);
  assert.equal(parseText(service(' quorum_up\n real_server 10.0.0.2 80 {\n }')).exitCode, 2);
});

test('snmp_name is kept raw with a not-implemented notice', () => {
  const p = parseText(service(' snmp_name web\n real_server 10.0.0.2 80 {\n  snmp_name rs1\n }'));
  assert.equal(p.exitCode, 0);
  assert.deepEqual(onlyVs(p).unimplemented.map((r) => [r.keyword, r.args]), [['snmp_name', ['web']]]);
  assert.deepEqual(rsOf(onlyVs(p)).unimplemented.map((r) => [r.keyword, r.args]), [['snmp_name', ['rs1']]]);
  assert.ok(p.diagnostics.every((d) => d.kind === 'notice' && d.code === 'not_implemented'));
});

test('quorum_up / notify_up scripts: the first one wins, the second is reported', () => {
  const p = parseText(
    'global_defs {\n enable_script_security\n script_user root\n}\n' +
      service(' quorum_up "/bin/true up"\n quorum_up /bin/false\n real_server 10.0.0.2 80 {\n  notify_up /bin/true\n }'),
  );
  assert.deepEqual(errors(p), ['((null)) quorum_up script already specified - ignoring /bin/false']);
  assert.deepEqual(onlyVs(p).quorumUp?.argv, ['/bin/true', 'up']);
  assert.deepEqual(rsOf(onlyVs(p)).notifyUp?.argv, ['/bin/true']);
});

test('scripts without enable_script_security make -t exit 6', () => {
  const p = parseText(service(' real_server 10.0.0.2 80 {\n  notify_up /bin/true\n }'));
  assert.equal(p.exitCode, 6);
  assert.deepEqual(errors(p), ['SECURITY VIOLATION - check scripts are being executed but script_security not enabled.']);
});

test('10k real servers parse well under a second (no quadratic duplicate check)', () => {
  let body = '';
  for (let i = 0; i < 10_000; i++) body += ` real_server 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} 80 {\n  weight 1\n }\n`;
  const started = performance.now();
  const p = parseText(service(body));
  const ms = performance.now() - started;
  assert.equal(onlyVs(p).realServers.length, 10_000);
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
});
