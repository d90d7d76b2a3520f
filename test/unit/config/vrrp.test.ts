import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import { configTestExitCode } from '../../../src/config/diagnostics.js';
import type { VrrpInstance } from '../../../src/config/model/vrrp.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts, type FakeHostOptions } from '../../fakes/fake_host_facts.js';

const FILE = '/etc/keepalived/keepalived.conf';
const HOST: FakeHostOptions = { interfaces: ['lo', 'eth0', 'eth1', 'eth2'] };
const SECURE = 'global_defs {\n  enable_script_security\n  script_user root\n}\n';

function parse(text: string, host: FakeHostOptions = HOST): ParseResult {
  const env = { host: createFakeHostFacts(host), random: new SeededRandom(1), configId: 'vm', env: {} };
  return parseConfig(FILE, new MemoryFileSource({ [FILE]: text }), env);
}

function errors(r: ParseResult): string[] {
  return r.diagnostics.filter((d) => d.kind !== 'notice').map((d) => d.message);
}

function instanceText(body: string, name = 'VI_1', vrid = 51): string {
  return `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n${body}\n}\n`;
}

const VIPS = '  virtual_ipaddress {\n    10.0.0.100\n  }';

function only(r: ParseResult): VrrpInstance {
  const vi = r.config?.vrrp.instances[0];
  assert.ok(vi, `no instance; diagnostics: ${errors(r).join(' | ')}`);
  return vi;
}

test('a minimal instance gets keepalived defaults (BACKUP, 100, v2, 1 s, 224.0.0.18, accept)', () => {
  const r = parse(instanceText(VIPS));
  const vi = only(r);
  assert.deepEqual(errors(r), []);
  assert.equal(vi.wantState, 'BACKUP');
  assert.equal(vi.basePriority, 100);
  assert.equal(vi.version, 2);
  assert.equal(vi.family, 4);
  assert.equal(vi.advertIntervalCs, 100);
  assert.equal(vi.multicastGroup, '224.0.0.18');
  assert.equal(vi.accept, true);
  assert.equal(vi.unicastTtl, 255);
  assert.equal(vi.garpMasterDelayUs, 5_000_000);
  assert.equal(vi.garpLowerPrioRepeat, 5);
  assert.deepEqual(
    vi.virtualIpAddresses.map((a) => [a.address, a.prefixLength, a.family]),
    [['10.0.0.100', 32, 4]],
  );
  assert.deepEqual(vi.at, { file: FILE, line: 1 });
});

test('state MASTER without priority makes the address owner (255); priority 255 alone means MASTER', () => {
  const a = only(parse(instanceText(`  state MASTER\n${VIPS}`)));
  assert.equal(a.basePriority, 255);
  assert.equal(a.wantState, 'MASTER');
  const b = only(parse(instanceText(`  priority 255\n${VIPS}`)));
  assert.equal(b.wantState, 'MASTER');
  const c = only(parse(instanceText(`  state MASTER\n  priority 150\n${VIPS}`)));
  assert.equal(c.basePriority, 150);
});

test('a later BACKUP does not undo state MASTER, with keepalived\'s message', () => {
  const r = parse(instanceText(`  state MASTER\n  state BACKUP\n${VIPS}`));
  assert.deepEqual(errors(r), ['(VI_1) state previously set as MASTER - ignoring BACKUP']);
  assert.equal(only(r).wantState, 'MASTER');
});

test('VRRPv2 advert_int 1.5 is rounded to 2 s with keepalived\'s message (RFC 3768 whole seconds)', () => {
  const r = parse(instanceText(`  advert_int 1.5\n${VIPS}`));
  assert.deepEqual(
    errors(r),
    ['(VI_1) VRRPv2 advertisement interval 1.500000s must be an integer. rounding'],
  );
  assert.equal(only(r).advertIntervalCs, 200);
});

test('VRRPv3 advert_int is kept in centiseconds and rounded to 10 ms', () => {
  const r = parse(instanceText(`  version 3\n  advert_int 0.015\n${VIPS}`));
  assert.deepEqual(
    errors(r),
    ['(VI_1) VRRPv3 advertisement interval 0.015000s must be in units of 10ms - rounding'],
  );
  assert.equal(only(r).advertIntervalCs, 2);
  const big = parse(instanceText(`  version 3\n  advert_int 50\n${VIPS}`));
  assert.equal(only(big).advertIntervalCs, 4095);
});

test('IPv6 VIPs make an IPv6 VRRPv3 instance on ff02::12', () => {
  const r = parse(instanceText('  virtual_ipaddress {\n    fe80::100\n    2001:db8::1/64\n  }'));
  const vi = only(r);
  assert.deepEqual(errors(r), []);
  assert.equal(vi.family, 6);
  assert.equal(vi.version, 3);
  assert.equal(vi.multicastGroup, 'ff02::12');
  assert.equal(vi.unicastTtl, undefined);
  assert.deepEqual(vi.virtualIpAddresses.map((a) => [a.address, a.prefixLength, a.preferredLft]), [
    ['fe80::100', 128, 0],
    ['2001:db8::1', 64, 'forever'],
  ]);
});

test('a VIP of the other family is refused; excluded VIPs may mix families', () => {
  const r = parse(
    instanceText(
      '  virtual_ipaddress {\n    10.0.0.100\n    fe80::1\n  }\n  virtual_ipaddress_excluded ' +
      '{\n    fe80::2\n  }',
    ),
  );
  assert.deepEqual(
    errors(r),
    ['(VI_1): address family must match VRRP instance [fe80::1] - ignoring'],
  );
  assert.equal(only(r).excludedIpAddresses[0]?.address, 'fe80::2');
});

test('nopreempt and preempt_delay are cleared by state MASTER', () => {
  const r = parse(
    instanceText(`  state MASTER\n  priority 150\n  nopreempt\n  preempt_delay 10\n${VIPS}`),
  );
  assert.deepEqual(errors(r), [
    '(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing',
    '(VI_1) Warning - preempt delay will not work with initial state MASTER - clearing',
  ]);
  const vi = only(r);
  assert.equal(vi.nopreempt, false);
  assert.equal(vi.nopreemptWritten, true);
  assert.equal(vi.preemptDelayUs, 0);
});

test('preempt_delay is kept in microseconds for a backup', () => {
  const vi = only(parse(instanceText(`  preempt_delay 2.5\n${VIPS}`)));
  assert.equal(vi.preemptDelayUs, 2_500_000);
});

test('strict mode: no auth, no accept for v2 non-owners, RFC GARP and advert settings', () => {
  const r = parse(
    instanceText(
      `  strict_mode\n  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n${VIPS}`,
    ),
  );
  assert.deepEqual(errors(r), ['(VI_1) Strict mode does not support authentication. Ignoring.']);
  const vi = only(r);
  assert.equal(vi.strictMode, true);
  assert.equal(vi.authentication, undefined);
  assert.equal(vi.accept, false);
  assert.equal(vi.lowerPrioNoAdvert, true);
  assert.equal(vi.garpLowerPrioRepeat, 0);
  assert.equal(vi.garpLowerPrioDelayUs, 0);
});

test('global vrrp_strict applies to every instance; state MASTER must match the owner', () => {
  const r = parse(
    `global_defs {\n  vrrp_strict\n}\n${instanceText(`  state MASTER\n  priority 100\n${VIPS}`)}`,
  );
  assert.deepEqual(errors(r), ['(VI_1) State MASTER must match being address owner']);
  assert.equal(only(r).wantState, 'BACKUP');
});

test('auth_pass is truncated to 8 characters (RFC 3768 §5.3.6.1)', () => {
  const r = parse(
    instanceText(`  authentication {\n    auth_type PASS\n    auth_pass 0123456789\n  }\n${VIPS}`),
  );
  assert.deepEqual(errors(r), ['Truncating auth_pass to 8 characters']);
  assert.deepEqual(only(r).authentication, { type: 'PASS', password: '01234567' });
});

test('unicast peers switch the instance to unicast; a unicast keyword without peers is deprecated', () => {
  const a = parse(
    instanceText(
      `  unicast_src_ip 10.0.0.1\n  unicast_peer {\n    10.0.0.2\n    10.0.0.3 min_ttl 10\n  ` +
      `}\n${VIPS}`,
    ),
  );
  const vi = only(a);
  assert.deepEqual(errors(a), []);
  assert.equal(vi.isUnicast, true);
  assert.equal(vi.multicastGroup, undefined);
  assert.deepEqual(vi.sourceAddress, { address: '10.0.0.1', family: 4 });
  assert.deepEqual(
    vi.unicastPeers.map((p) => [p.address, p.minTtl, p.maxTtl]),
    [['10.0.0.2', 0, 255], ['10.0.0.3', 10, 255]],
  );
  assert.equal(vi.checkUnicastSource, true);
  const b = parse(instanceText(`  unicast_src_ip 10.0.0.1\n${VIPS}`));
  assert.equal(b.diagnostics.find((d) => d.kind === 'deprecated')?.code, 'unicast_without_peers');
  assert.equal(configTestExitCode(b.diagnostics), 5);
});

test('an instance without interface fails keepalived 2.2.7\'s minimal check even with unicast', () => {
  const r = parse(
    `vrrp_instance VI_1 {\n  virtual_router_id 51\n  unicast_src_ip 10.0.0.1\n  unicast_peer ` +
    `{\n    10.0.0.2\n  }\n${VIPS}\n}\n`,
  );
  assert.deepEqual(errors(r), ['(VI_1) Unknown interface!']);
});

test('a missing interface is an error and marks the configuration (Non-existent interface)', () => {
  const r = parse(instanceText(VIPS).replace('eth0', 'eth9'));
  assert.deepEqual(errors(r), [
    "WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist",
    'Non-existent interface specified in configuration',
  ]);
  assert.equal(configTestExitCode(r.diagnostics), 5);
  assert.equal(only(r).interfaceName, undefined);
});

test('dynamic_interfaces accepts interfaces that do not exist yet, even when set after the instance', () => {
  const r = parse(
    `${instanceText(VIPS).replace('eth0', 'eth9')}global_defs {\n  dynamic_interfaces\n}\n`,
  );
  assert.deepEqual(errors(r), []);
  assert.equal(only(r).interfaceName, 'eth9');
});

test('the loopback interface is refused', () => {
  const r = parse(instanceText(VIPS).replace('eth0', 'lo'));
  assert.deepEqual(
    errors(r),
    ['(VI_1) cannot use a loopback interface (lo) for vrrp - ignoring', '(VI_1) Unknown interface!'],
  );
});

test('missing virtual_router_id stops the validation at the minimal check', () => {
  const r = parse(`vrrp_instance VI_1 {\n  interface eth0\n${VIPS}\n}\n`);
  assert.deepEqual(errors(r), ['(VI_1) the virtual router id must be set']);
});

test('duplicate VRIDs on one interface and family are an error; other interfaces are fine', () => {
  const same = parse(instanceText(VIPS) + instanceText(VIPS, 'VI_2'));
  assert.deepEqual(errors(same), ['VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0']);
  const other = parse(instanceText(VIPS) + instanceText(VIPS, 'VI_2').replace('eth0', 'eth1'));
  assert.deepEqual(errors(other), []);
});

test('no VIP: sensible for v2 (two messages), required for v3', () => {
  assert.deepEqual(errors(parse(instanceText(''))), [
    '(VI_1) No VIP specified; at least one is sensible',
    '(VI_1) No VIP specified; at least one is sensible',
  ]);
  assert.deepEqual(
    errors(parse(instanceText('  version 3'))),
    ['(VI_1) No VIP specified; at least one is required'],
  );
});

test('track_script finds only scripts defined earlier; weights default to the script\'s', () => {
  const script = 'vrrp_script chk {\n  script /bin/true\n  weight -20\n  interval 2\n}\n';
  const before = parse(SECURE + script + instanceText(`${VIPS}\n  track_script {\n    chk\n  }`));
  assert.deepEqual(errors(before), []);
  assert.deepEqual(
    only(before).trackScripts.map((t) => [t.name, t.weight, t.reverse]),
    [['chk', -20, false]],
  );
  assert.equal(before.config?.vrrp.scripts[0]?.intervalUs, 2_000_000);
  assert.equal(before.config?.vrrp.scripts[0]?.timeoutUs, 2_000_000);
  const after = parse(SECURE + instanceText(`${VIPS}\n  track_script {\n    chk\n  }`) + script);
  assert.deepEqual(errors(after), ['(VI_1) track script chk not found, ignoring...']);
});

test('track_interface weights: ±254 becomes ±253; the own interface is ignored', () => {
  const r = parse(
    instanceText(
      `${VIPS}\n  track_interface {\n    eth1 weight 254\n    eth2 weight -10 reverse\n    ` +
      `eth0\n  }`,
    ),
  );
  assert.deepEqual(errors(r), [
    '(VI_1) weight for eth1 cannot be +/-254. Setting to +/-253',
    '(VI_1) Ignoring track_interface eth0 since own interface',
  ]);
  assert.deepEqual(
    only(r).trackInterfaces.map((t) => [t.name, t.weight, t.reverse]),
    [['eth1', 253, false], ['eth2', -10, true]],
  );
});

test('an address owner ignores weighted tracking', () => {
  const r = parse(
    instanceText(`  priority 255\n${VIPS}\n  track_interface {\n    eth1 weight 10\n  }`),
  );
  assert.deepEqual(errors(r), ['(VI_1) ignoring eth1 tracked interface due to address owner']);
  assert.deepEqual(only(r).trackInterfaces, []);
});

test('sync groups: members resolved, single member warned, weights cleared for members', () => {
  const r = parse(instanceText(`${VIPS}\n  track_interface {\n    eth1 weight 10\n  }`) + instanceText(VIPS, 'VI_2', 52) +
    'vrrp_sync_group G1 {\n  group {\n    VI_1\n    VI_2\n  }\n}\nvrrp_sync_group G2 {\n  group {\n    VI_3\n  }\n}\n');
  assert.deepEqual(errors(r), [
    'Virtual router VI_3 specified in sync group G2 doesn\'t exist - ignoring',
    'Sync group G2, no matching virtual router found in group declaration - removing',
    '(VI_1) ignoring eth1 tracked interface weight due to SYNC group',
  ]);
  assert.deepEqual(
    r.config?.vrrp.syncGroups.map((g) => [g.name, g.members]),
    [['G1', ['VI_1', 'VI_2']]],
  );
  assert.equal(only(r).syncGroup, 'G1');
  assert.deepEqual(only(r).trackInterfaces.map((t) => t.weight), [0]);
});

test('the old bare member list of a sync group gives unknown keywords', () => {
  const r = parse(instanceText(VIPS) + 'vrrp_sync_group G1 {\n  VI_1\n}\n');
  assert.deepEqual(
    errors(r),
    ["Unknown keyword 'VI_1'", 'Sync group G1 has no virtual router(s). removing'],
  );
});

test('virtual_routes: a tracked route needs a device; blackhole and table are modelled', () => {
  const r = parse(
    instanceText(
      `${VIPS}\n  virtual_routes {\n    10.1.0.0/16 via 10.0.0.254 dev eth1 table 100 metric ` +
      `5\n    blackhole 10.2.0.0/16\n  }`,
    ),
  );
  assert.deepEqual(
    errors(r),
    ['Warning - cannot track route 10.2.0.0/16 with no interface specified, not tracking'],
  );
  const [a, b] = only(r).virtualRoutes;
  assert.deepEqual(
    [a?.destination, a?.via, a?.device, a?.table, a?.metric, a?.noTrack],
    ['10.1.0.0/16', '10.0.0.254', 'eth1', 100, 5, false],
  );
  assert.deepEqual([b?.destination, b?.type, b?.noTrack], ['10.2.0.0/16', 'blackhole', true]);
});

test('virtual_rules without preference get one assigned (16384 down) with a config error', () => {
  const r = parse(
    instanceText(
      `${VIPS}\n  virtual_rules {\n    from 10.1.0.0/16 table 100\n    to 10.2.0.0/16 table ` +
      `main preference 7\n  }`,
    ),
  );
  assert.deepEqual(
    errors(r),
    ['Rule has no preference specified - setting to 16384. This is probably not what you want.'],
  );
  assert.deepEqual(only(r).virtualRules.map((x) => [x.from, x.to, x.table, x.preference]), [
    ['10.1.0.0/16', undefined, 100, 16384],
    [undefined, '10.2.0.0/16', 254, 7],
  ]);
});

test('notify scripts: quoted arguments, generic notify and smtp_alert', () => {
  const r = parse(
    SECURE + instanceText(
      `${VIPS}\n  notify_master "/bin/true \\"a b\\" c"\n  notify /bin/true\n  smtp_alert`,
    ),
  );
  assert.deepEqual(errors(r), []);
  const vi = only(r);
  assert.deepEqual(vi.notify.master?.argv, ['/bin/true', 'a b', 'c']);
  assert.deepEqual(vi.notify.generic?.argv, ['/bin/true']);
  assert.equal(vi.smtpAlert, true);
});

test('track_file, vrrp_track_process and bfd_instance are kept for their references', () => {
  const r = parse(`track_file tf1 {\n  file /run/tf1\n  weight 3 reverse\n}
vrrp_track_process haproxy {\n  process haproxy\n  quorum 2\n  delay 1.5\n}
bfd_instance b1 {\n  neighbor_ip 10.0.0.9\n  weight -5\n}
${instanceText(`${VIPS}\n  track_file {\n    tf1\n  }\n  track_process {\n    haproxy weight 4\n  }\n  track_bfd {\n    b1\n  }`)}`);
  assert.deepEqual(errors(r), []);
  const v = r.config?.vrrp;
  assert.deepEqual(
    v?.trackFiles.map((f) => [f.name, f.path, f.weight, f.weightReverse]),
    [['tf1', '/run/tf1', 3, true]],
  );
  assert.deepEqual(
    v?.trackProcesses.map((p) => [p.name, p.quorum, p.forkDelayUs]),
    [['haproxy', 2, 1_500_000]],
  );
  assert.deepEqual(
    v?.bfdInstances.map((b) => [b.name, b.neighbor.address, b.ttl]),
    [['b1', '10.0.0.9', 255]],
  );
  const vi = only(r);
  assert.deepEqual(vi.trackFiles.map((t) => [t.name, t.weight, t.reverse]), [['tf1', 3, true]]);
  assert.deepEqual(vi.trackProcesses.map((t) => [t.name, t.weight]), [['haproxy', 4]]);
  assert.deepEqual(vi.trackBfds.map((t) => [t.name, t.weight]), [['b1', -5]]);
});

test('static_ipaddress without dev uses default_interface, which must exist (CONFIG_FATAL)', () => {
  const ok = parse(`static_ipaddress {\n  192.0.2.1/24\n}\n${instanceText(VIPS)}`);
  assert.equal(ok.config?.vrrp.staticAddresses[0]?.device, 'eth0');
  const bad = parse(
    `global_defs {\n  default_interface eth7\n}\nstatic_ipaddress {\n  ` +
    `192.0.2.1/24\n}\n${instanceText(VIPS)}`,
  );
  assert.deepEqual(errors(bad), [
    'Static address 192.0.2.1/24 requires either an interface or default interface must exist',
    'Non-existent interface specified in configuration',
  ]);
  assert.equal(configTestExitCode(bad.diagnostics), 4);
});

test('linkbeat_interfaces naming a missing interface is CONFIG_FATAL (exit 4)', () => {
  const r = parse(`linkbeat_interfaces {\n  eth0 MII\n  eth8\n}\n${instanceText(VIPS)}`);
  assert.deepEqual(errors(r), ['unknown interface eth8 specified for linkbeat interface']);
  assert.equal(configTestExitCode(r.diagnostics), 4);
  assert.deepEqual(r.config?.vrrp.linkbeatInterfaces, [{ name: 'eth0', type: 'MII' }]);
});

test('garp_group without an interval is removed; its interface may join a later group', () => {
  const r = parse(
    `garp_group {\n  interface eth0\n}\ngarp_group {\n  garp_interval 0.01\n  interface ` +
    `eth0\n}\n${instanceText(VIPS)}`,
  );
  assert.deepEqual(errors(r), ['garp group 0 does not have any delay set - removing']);
  assert.deepEqual(
    r.config?.vrrp.garpGroups.map((g) => [g.garpIntervalUs, g.interfaces]),
    [[10_000, ['eth0']]],
  );
});

test('P2 instance keywords are kept raw with a notice', () => {
  const r = parse(instanceText(`${VIPS}\n  debug 2\n  use_vmac vrrp51`));
  assert.equal(configTestExitCode(r.diagnostics), 0);
  assert.deepEqual(only(r).raw.map((k) => k.keyword), ['debug', 'use_vmac']);
  assert.equal(only(r).vmac?.interfaceName, 'vrrp51');
});

test('the model is plain JSON (every instance survives a JSON round trip)', () => {
  const r = parse(SECURE + instanceText(`${VIPS}\n  notify_master /bin/true`));
  const json = JSON.parse(JSON.stringify(r.config)) as unknown;
  assert.deepEqual(json, JSON.parse(JSON.stringify(r.config)));
  assert.equal(typeof JSON.stringify(r.config), 'string');
});
