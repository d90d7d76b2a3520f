import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import { configTestExitCode } from '../../../src/config/diagnostics.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts, type FakeHostOptions } from '../../fakes/fake_host_facts.js';

const FILE = '/etc/keepalived/keepalived.conf';

function parse(text: string, host: FakeHostOptions = {}): ParseResult {
  const env = { host: createFakeHostFacts(host), random: new SeededRandom(1), configId: 'vm', env: {} };
  return parseConfig(FILE, new MemoryFileSource({ [FILE]: text }), env);
}

function messages(r: ParseResult, includeNotices = false): string[] {
  return r.diagnostics.filter((d) => includeNotices || d.kind !== 'notice').map((d) => d.message);
}

const INSTANCE = `
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.100
  }
}
`;

test('global_defs defaults are keepalived 2.2.7 defaults (host name, running user, GARP 5 s x 5)', () => {
  const r = parse(INSTANCE, { hostname: 'lb1.example.net' });
  const g = r.config?.global;
  assert.ok(g);
  assert.equal(g.routerId, 'lb1.example.net');
  assert.equal(g.notificationEmailFrom, 'root@lb1.example.net');
  assert.equal(g.smtpHeloName, 'lb1.example.net');
  assert.equal(g.smtpConnectTimeoutUs, 30_000_000);
  assert.equal(g.vrrpGarpMasterDelayUs, 5_000_000);
  assert.equal(g.vrrpGarpMasterRepeat, 5);
  assert.equal(g.vrrpGarpLowerPrioDelayUs, 5_000_000);
  assert.equal(g.vrrpGarpLowerPrioRepeat, 5);
  assert.equal(g.vrrpVersion, 2);
  assert.equal(g.vrrpMcastGroup4, '224.0.0.18');
  assert.equal(g.vrrpMcastGroup6, 'ff02::12');
  assert.equal(g.vrrpDownTimerAdverts, 3);
  assert.equal(g.defaultInterface, 'eth0');
  assert.equal(g.childWaitTimeS, 5);
  assert.deepEqual(g.defaultScriptUser, { name: 'root', uid: 0, gid: 0 });
  assert.deepEqual(messages(r), []);
});

test('global_defs values are read with their keywords (router_id, emails, smtp_server port)', () => {
  const r = parse(`
global_defs {
  router_id LB_A
  notification_email {
    ops@example.com
    "Night Shift <night@example.com>"
  }
  notification_email_from keepalived@lb.example.com
  smtp_server 192.0.2.25 2525
  smtp_connect_timeout 7
  vrrp_version 3
  vrrp_mcast_group4 224.0.0.19
}
${INSTANCE}`);
  const g = r.config?.global;
  assert.ok(g);
  assert.equal(g.routerId, 'LB_A');
  assert.deepEqual(g.notificationEmails, ['ops@example.com', 'Night Shift <night@example.com>']);
  assert.equal(g.notificationEmailFrom, 'keepalived@lb.example.com');
  assert.equal(g.smtpServer?.host, '192.0.2.25');
  assert.equal(g.smtpServer?.port, 2525);
  assert.equal(g.smtpConnectTimeoutUs, 7_000_000);
  assert.equal(g.vrrpVersion, 3);
  assert.equal(g.vrrpMcastGroup4, '224.0.0.19');
  assert.equal(r.config?.vrrp.instances[0]?.version, 3);
});

test('smtp_connect_timeout 0 is a config error and becomes 1 s (keepalived keeps its typo)', () => {
  const r = parse(`global_defs {\n  smtp_connect_timeout 0\n}\n${INSTANCE}`);
  assert.deepEqual(messages(r), ['smtp_conect_timeout must be greater than 0, setting to 1']);
  assert.equal(r.config?.global.smtpConnectTimeoutUs, 1_000_000);
  assert.equal(configTestExitCode(r.diagnostics), 5);
});

test('a global_defs after the instance still sets its defaults (keepalived reads global_defs first at start-up)', () => {
  const r = parse(`${INSTANCE}
global_defs {
  vrrp_garp_master_delay 17
  vrrp_garp_master_repeat 9
  vrrp_down_timer_adverts 7
  vrrp_skip_check_adv_addr
}`);
  const vi = r.config?.vrrp.instances[0];
  assert.equal(vi?.garpMasterDelayUs, 17_000_000);
  assert.equal(vi?.garpMasterRepeat, 9);
  assert.equal(vi?.garpLowerPrioDelayUs, 17_000_000);
  assert.equal(vi?.downTimerAdverts, 7);
  assert.equal(vi?.skipCheckAdvAddr, true);
});

test('keywords added after 2.2.7 (state_dump_file, ...) are unknown, like keepalived 2.2.7 says', () => {
  const r = parse(
    `global_defs {\n  state_dump_file /tmp/x\n  vrrp_owner_ignore_adverts\n}\n${INSTANCE}`,
  );
  assert.deepEqual(messages(r), [
    "Unknown keyword 'state_dump_file'",
    "Unknown keyword 'vrrp_owner_ignore_adverts'",
  ]);
});

test('vrrp_mcast_group6 outside ff02::/16 is a warning but is used', () => {
  const r = parse(`global_defs {\n  vrrp_mcast_group6 ff05::12\n}\n${INSTANCE}`);
  assert.deepEqual(r.diagnostics.map((d) => [d.kind, d.message]), [
    ['warning', 'vrrp_mcast_group6 [ff05::12] should be link-local multicast.'],
  ]);
  assert.equal(r.config?.global.vrrpMcastGroup6, 'ff05::12');
});

test('invalid numbers give keepalived\'s two messages and keep the default', () => {
  const r = parse(`global_defs {\n  vrrp_down_timer_adverts 101\n}\n${INSTANCE}`);
  assert.deepEqual(messages(r), [
    "number '101' outside range [1, 100]",
    "Invalid vrrp_down_timer_adverts [1:100] '101'",
  ]);
  assert.equal(r.config?.global.vrrpDownTimerAdverts, 3);
});

test('vrrp_garp_interval x is reported twice and the default kept (its value 0 is below 1 us)', () => {
  const r = parse(`global_defs {\n  vrrp_garp_interval x\n}\n${INSTANCE}`);
  assert.deepEqual(messages(r), ["invalid number 'x'", "vrrp_garp_interval 'x' is invalid"]);
  assert.equal(r.config?.global.vrrpGarpIntervalUs, 0);
});

test('vrrp_min_garp only changes GARP settings still at their defaults', () => {
  const r = parse(`global_defs {\n  vrrp_garp_master_repeat 3\n  vrrp_min_garp\n}\n${INSTANCE}`);
  assert.equal(r.config?.global.vrrpGarpMasterRepeat, 3);
  assert.equal(r.config?.global.vrrpGarpMasterDelayUs, 0);
});

test('a missing parameter aborts the parse like keepalived exits (exit 2)', () => {
  const r = parse(`global_defs {\n  vrrp_mcast_group4\n}\n${INSTANCE}`);
  assert.equal(r.config, undefined);
  assert.equal(r.abortExitCode, 2);
  assert.match(
    messages(r).at(-1) ?? '',
    /missing a parameter after keyword `vrrp_mcast_group4` at word position 2/,
  );
});

test('script_user naming no user is a config error and leaves no default script user', () => {
  const r = parse(`global_defs {\n  script_user nobody_here\n}\n${INSTANCE}`);
  assert.deepEqual(messages(r), ['Error setting global script uid/gid']);
  assert.equal(r.config?.global.defaultScriptUser, undefined);
});

test('the default script user is keepalived_script when that user exists', () => {
  const r = parse(
    INSTANCE,
    { users: [{ name: 'root', uid: 0, gid: 0 }, { name: 'keepalived_script', uid: 990, gid: 990 }] },
  );
  assert.deepEqual(
    r.config?.global.defaultScriptUser,
    { name: 'keepalived_script', uid: 990, gid: 990 },
  );
});

test('P2 keywords are kept raw with a not_implemented notice and do not fail -t', () => {
  const r = parse(
    `global_defs {\n  snmp_socket tcp:localhost:705\n  enable_traps\n  vrrp_rt_priority ` +
    `50\n}\n${INSTANCE}`,
  );
  assert.equal(configTestExitCode(r.diagnostics), 0);
  assert.deepEqual(r.config?.global.raw.map((k) => [k.keyword, k.args]), [
    ['snmp_socket', ['tcp:localhost:705']],
    ['enable_traps', []],
    ['vrrp_rt_priority', ['50']],
  ]);
  // vrrp_rt_priority is kept raw but honoured by the VRRP daemon: no notice for it.
  assert.equal(r.diagnostics.filter((d) => d.code === 'not_implemented').length, 2);
});

test('root-level keywords: instance and net_namespace imply use_pid_dir; an unavailable namespace is flagged', () => {
  const r = parse(`instance lb_a\nnet_namespace blue\nchild_wait_time 9\n${INSTANCE}`);
  const g = r.config?.global;
  assert.equal(g?.instanceName, 'lb_a');
  assert.equal(g?.netNamespace, 'blue');
  assert.equal(g?.usePidDir, true);
  assert.equal(g?.childWaitTimeS, 9);
  assert.ok(r.diagnostics.some((d) => d.code === 'net_namespace_unavailable'));
});

test('notify_fifo keeps its path, user and script; a second one is an error', () => {
  const r = parse(`global_defs {
  notify_fifo /run/ka.fifo root
  notify_fifo /run/other.fifo
  notify_fifo_script /bin/true root
  enable_script_security
}
${INSTANCE}`);
  assert.deepEqual(messages(r), ['notify_fifo already specified - ignoring /run/other.fifo']);
  const f = r.config?.global.notifyFifo;
  assert.equal(f?.path, '/run/ka.fifo');
  assert.equal(f?.user, 'root');
  assert.deepEqual(f?.script?.argv, ['/bin/true']);
});

test('startup_script without enable_script_security is a security error (exit 6)', () => {
  const r = parse(`global_defs {\n  startup_script /bin/true\n}\n${INSTANCE}`);
  assert.deepEqual(messages(r), [
    'SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not ' +
    'enabled.',
  ]);
  assert.equal(configTestExitCode(r.diagnostics), 6);
  assert.equal(r.config?.global.startupScriptTimeoutS, 10);
});

test('lvs_sync_daemon is modelled with its options', () => {
  const r = parse(
    `global_defs {\n  lvs_sync_daemon eth0 VI_1 id 5 port 8849 group 224.0.0.82\n}\n${INSTANCE}`,
  );
  const d = r.config?.global.lvsSyncDaemon;
  assert.equal(d?.interfaceName, 'eth0');
  assert.equal(d?.instanceName, 'VI_1');
  assert.equal(d?.syncId, 5);
  assert.equal(d?.port, 8849);
  assert.equal(d?.group, '224.0.0.82');
  assert.deepEqual(messages(r), []);
});

test('umask accepts octal and symbolic forms', () => {
  assert.equal(parse(`global_defs {\n  umask 0027\n}\n${INSTANCE}`).config?.global.umask, 0o027);
  assert.equal(
    parse(`global_defs {\n  umask IWGRP|IWOTH\n}\n${INSTANCE}`).config?.global.umask,
    0o022,
  );
  assert.deepEqual(
    messages(parse(`global_defs {\n  umask IWGRP|IFOO\n}\n${INSTANCE}`)),
    ['Unknown umask bit IFOO'],
  );
});
