/** keepalived-ts split-brain keywords: vrrp_arbiter, heartbeat_path, arbiter, fence_*, notify_split_brain. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import { configTestExitCode } from '../../../src/config/diagnostics.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../../fakes/fake_host_facts.js';

const FILE = '/etc/keepalived/keepalived.conf';

function parse(top: string, instanceExtra: string, syncGroup = ''): ParseResult {
  const env = { host: createFakeHostFacts({}), random: new SeededRandom(1), configId: 'vm', env: {} };
  const text = `global_defs {\n  router_id lb1\n}\n${top}\n${syncGroup}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.100
  }
${instanceExtra}
}
`;
  return parseConfig(FILE, new MemoryFileSource({ [FILE]: text }), env);
}

const problems = (r: ParseResult): string[] => r.diagnostics.filter((d) => d.kind !== 'notice').map((d) => `${d.line}: ${d.message}`);

const ARBITER = `vrrp_arbiter GW {
  reference 10.0.0.254
  reference fd00::1 port 443
  interval 0.25
  timeout 0.1
  rise 3
  fall 4
  etcd_endpoint http://10.0.0.5:2379 http://10.0.0.6:2379/
  etcd_lease_ttl 2
  unreachable fail_open
}`;

test('a config without split-brain keywords has no arbiters and no split-brain settings', () => {
  const r = parse('', '');
  assert.deepEqual(problems(r), []);
  assert.deepEqual(r.config?.vrrp.arbiters, []);
  const sb = r.config?.vrrp.instances[0]?.splitBrain;
  assert.deepEqual(sb?.heartbeatPaths, []);
  assert.equal(sb?.arbiter, undefined);
});

test('vrrp_arbiter, arbiter, heartbeat_path, fence_* and notify_split_brain are read with their values and defaults', () => {
  const r = parse(
    ARBITER,
    `  arbiter GW
  heartbeat_path {
    interface hb0
    unicast_src_ip 10.9.0.1
    unicast_peer {
      10.9.0.2
    }
  }
  heartbeat_path {
    interface eth1
  }
  fence_script "/usr/local/sbin/fence lb2"
  fence_timeout 2.5
  notify_split_brain /bin/true`,
  );
  assert.deepEqual(problems(r), []);
  assert.equal(configTestExitCode(r.diagnostics), 0);
  const a = r.config?.vrrp.arbiters[0];
  assert.deepEqual(a?.references, [
    { address: '10.0.0.254', family: 4, tcpPort: undefined },
    { address: 'fd00::1', family: 6, tcpPort: 443 },
  ]);
  assert.equal(a?.intervalUs, 250_000);
  assert.equal(a?.timeoutUs, 100_000);
  assert.equal(a?.rise, 3);
  assert.equal(a?.fall, 4);
  assert.deepEqual(a?.witness, {
    endpoints: ['http://10.0.0.5:2379', 'http://10.0.0.6:2379'],
    keyPrefix: '/keepalived-ts/',
    leaseTtlS: 2,
    nodeId: 'lb1',
  });
  assert.equal(a?.unreachable, 'fail_open');
  const sb = r.config?.vrrp.instances[0]?.splitBrain;
  assert.equal(sb?.arbiter, 'GW');
  assert.deepEqual(
    sb?.heartbeatPaths.map((p) => [p.interfaceName, p.sourceAddress, p.unicastPeers]),
    [
      ['hb0', '10.9.0.1', ['10.9.0.2']],
      ['eth1', undefined, []],
    ],
  );
  assert.deepEqual(sb?.fenceScript?.argv, ['/usr/local/sbin/fence', 'lb2']);
  assert.equal(sb?.fenceTimeoutUs, 2_500_000);
  assert.deepEqual(sb?.notifySplitBrain?.argv, ['/bin/true']);
});

test('arbiter defaults: interval 1 s, timeout 0.5 s, rise/fall 2, fail_closed, no witness', () => {
  const r = parse('vrrp_arbiter GW {\n  reference 10.0.0.254\n}', '  arbiter GW');
  const a = r.config?.vrrp.arbiters[0];
  assert.deepEqual([a?.intervalUs, a?.timeoutUs, a?.rise, a?.fall, a?.unreachable, a?.witness], [1_000_000, 500_000, 2, 2, 'fail_closed', undefined]);
});

test('mistakes are reported with file:line and ignored', () => {
  const r = parse(
    `vrrp_arbiter EMPTY {
  interval 1
}
vrrp_arbiter GW {
  reference not-an-ip
  reference 10.0.0.1 port 0
  etcd_endpoint ftp://x
  unreachable maybe
  timeout 2
}`,
    `  arbiter NOPE
  heartbeat_path {
    unicast_src_ip fd00::1
  }
  fence_timeout -1`,
  );
  const p = problems(r);
  const expect = [
    /^4: vrrp_arbiter EMPTY has neither a reference nor an etcd_endpoint - ignoring/,
    /^8: vrrp_arbiter GW: invalid reference address 'not-an-ip' - ignoring/,
    /^9: vrrp_arbiter GW: reference 10\.0\.0\.1: expected 'port 1-65535' - ignoring/,
    /^10: vrrp_arbiter GW: etcd_endpoint 'ftp:\/\/x' must be http:\/\/HOST:PORT - ignoring/,
    /^11: vrrp_arbiter GW: unreachable 'maybe' must be fail_closed or fail_open - ignoring/,
    /\(VI_1\) arbiter NOPE not defined - ignoring/,
    /\(VI_1\) heartbeat_path without interface - ignoring/,
    /\(VI_1\) fence_timeout '-1' invalid - ignoring/,
  ];
  for (const re of expect) assert.ok(p.some((l) => re.test(l)), `${re} in ${JSON.stringify(p)}`);
  assert.notEqual(configTestExitCode(r.diagnostics), 0);
  assert.equal(r.config?.vrrp.instances[0]?.splitBrain.arbiter, undefined);
});

test('arbiter and fence_script are refused for sync group members (not supported), heartbeat paths are kept', () => {
  const r = parse(
    'vrrp_arbiter GW {\n  reference 10.0.0.254\n}',
    '  arbiter GW\n  heartbeat_path {\n    interface hb0\n  }',
    'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}',
  );
  assert.ok(problems(r).some((l) => /arbiter and fence_script are not supported for sync group members \(G\) - ignoring/.test(l)), JSON.stringify(problems(r)));
  const sb = r.config?.vrrp.instances[0]?.splitBrain;
  assert.equal(sb?.arbiter, undefined);
  assert.equal(sb?.heartbeatPaths.length, 1);
});

test('property: any words after the split-brain keywords never crash the parser', () => {
  const word = fc.stringMatching(/^[a-z0-9.:/_-]{0,12}$/);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('reference', 'interval', 'timeout', 'rise', 'fall', 'etcd_endpoint', 'etcd_lease_ttl', 'node_id', 'unreachable', 'port'), fc.array(word, { maxLength: 3 })), { maxLength: 8 }), (lines) => {
      const body = lines.map(([k, ws]) => `  ${k} ${ws.join(' ')}`).join('\n');
      const r = parse(`vrrp_arbiter X {\n${body}\n}`, '  arbiter X\n  fence_timeout 1');
      assert.ok(r.config !== undefined || r.diagnostics.length > 0);
    }),
    { numRuns: 300 },
  );
});
