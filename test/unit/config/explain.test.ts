import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  effectivePriority,
  explainInstances,
  findPitfalls,
  type ExplainInstance,
  type ExplainTrack,
} from '../../../src/config/explain.js';

function instance(over: Partial<ExplainInstance>): ExplainInstance {
  return {
    source: 'lb1.conf',
    name: 'VI_1',
    at: { file: '/etc/keepalived/lb1.conf', line: 10 },
    interfaceName: 'eth0',
    vrid: 51,
    version: 2,
    family: 4,
    wantState: 'BACKUP',
    stateWritten: undefined,
    basePriority: 100,
    nopreemptWritten: false,
    nopreempt: false,
    preemptDelayUs: 0,
    advertIntervalCs: 100,
    downTimerAdverts: 3,
    unicastPeers: [],
    unicastSrcIp: undefined,
    strict: false,
    authType: undefined,
    vips: ['192.0.2.100/24'],
    tracks: [],
    garpMasterDelayUs: 5_000_000,
    garpMasterRepeat: 5,
    ...over,
  };
}

const script = (weight: number, reverse = false): ExplainTrack => ({
  kind: 'script',
  name: 'chk',
  weight,
  reverse,
  script: { intervalUs: 2_000_000, timeoutUs: 2_000_000, fall: 2, rise: 2 },
});

test('effectivePriority() follows keepalived weight/reverse rules, clamps, and 0 means FAULT', () => {
  const t = script(-20);
  const i = instance({ basePriority: 150, tracks: [t] });
  assert.equal(effectivePriority(i, new Set()), 150);
  assert.equal(effectivePriority(i, new Set([t])), 130);
  const up = script(20);
  assert.equal(effectivePriority(instance({ basePriority: 250, tracks: [up] }), new Set()), 254);
  const rev = script(20, true);
  assert.equal(effectivePriority(instance({ basePriority: 100, tracks: [rev] }), new Set()), 80);
  const fault = script(0);
  assert.equal(effectivePriority(instance({ tracks: [fault] }), new Set([fault])), undefined);
  assert.equal(effectivePriority(instance({ basePriority: 255, tracks: [t] }), new Set([t])), 255);
});

test('findPitfalls() flags a track weight smaller than the gap to the best peer', () => {
  const master = instance({ basePriority: 150, tracks: [script(-20)] });
  const backup = instance({ source: 'lb2.conf', basePriority: 100 });
  const f = findPitfalls([master, backup]).filter((x) => x.code === 'track_weight_too_small');
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /priority 130, still above the best peer's 100 \(gap 50\)/);
  // A weight that does close the gap is not flagged.
  const ok = instance({ basePriority: 150, tracks: [script(-60)] });
  assert.equal(findPitfalls([ok, backup]).filter((x) => x.code === 'track_weight_too_small').length, 0);
});

test('findPitfalls() flags nopreempt with state MASTER, unicast without src, strict + auth, IPv6 first VIP', () => {
  const codes = (i: ExplainInstance) => findPitfalls([i]).map((f) => f.code);
  assert.ok(codes(instance({ stateWritten: 'MASTER', nopreemptWritten: true })).includes('nopreempt_with_state_master'));
  assert.ok(codes(instance({ unicastPeers: ['192.0.2.2'] })).includes('unicast_without_src_ip'));
  assert.ok(!codes(instance({ unicastPeers: ['192.0.2.2'], unicastSrcIp: '192.0.2.1' })).includes('unicast_without_src_ip'));
  assert.ok(codes(instance({ strict: true, authType: 'PASS' })).includes('strict_with_authentication'));
  assert.ok(codes(instance({ family: 6, version: 3, vips: ['2001:db8::1/64'] })).includes('ipv6_first_vip_not_link_local'));
  assert.ok(!codes(instance({ family: 6, version: 3, vips: ['fe80::1', '2001:db8::1'] })).includes('ipv6_first_vip_not_link_local'));
});

test('findPitfalls() flags duplicate VRIDs on one interface and members that disagree', () => {
  const a = instance({ name: 'A' });
  const b = instance({ name: 'B' });
  assert.ok(findPitfalls([a, b]).some((f) => f.code === 'duplicate_vrid'));
  const peer = instance({ source: 'lb2.conf', advertIntervalCs: 200, vips: ['192.0.2.101/24'] });
  const d = findPitfalls([a, peer]).find((f) => f.code === 'members_disagree');
  assert.match(d?.message ?? '', /advert_int 1 s vs 2 s \(VRRPv2 drops adverts with another interval\); VIPs/);
});

test('explainInstances() prints timers and the failover budget with keepalived numbers', () => {
  const master = instance({ basePriority: 150 });
  const backup = instance({ source: 'lb2.conf', basePriority: 100 });
  const text = explainInstances([master, backup]);
  assert.match(text, /Master_Down\s+3\.414062 s/);
  assert.match(text, /master dies \(no more adverts\): lb2\.conf VI_1 \(priority 100\) takes over after at most 3\.609375 s/);
  assert.match(text, /master stops cleanly \(priority 0 advert\): takeover after Skew_Time, 0\.609375 s/);
});

test('explainConfigs() finds the pitfalls in a parsed configuration', async () => {
  const { parseConfig } = await import('../../../src/config/parse.js');
  const { explainConfigs } = await import('../../../src/config/explain_model.js');
  const { MemoryFileSource, SeededRandom } = await import('../../fakes/memory_file_source.js');
  const { createFakeHostFacts } = await import('../../fakes/fake_host_facts.js');
  const text = `global_defs {
  vrrp_strict
}
vrrp_instance VI_1 {
  state MASTER
  nopreempt
  interface eth0
  virtual_router_id 51
  priority 150
  authentication {
    auth_type PASS
    auth_pass secret
  }
  unicast_peer {
    10.0.0.2
  }
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`;
  const r = parseConfig('/etc/keepalived/keepalived.conf', new MemoryFileSource({ '/etc/keepalived/keepalived.conf': text }), {
    host: createFakeHostFacts(),
    random: new SeededRandom(1),
    configId: 'vm',
    env: {},
  });
  assert.ok(r.config !== undefined);
  const report = explainConfigs([{ label: 'lb1.conf', config: r.config }]);
  assert.match(report, /\[nopreempt_with_state_master\]/);
  assert.match(report, /\[strict_with_authentication\]/);
  assert.match(report, /\[unicast_without_src_ip\]/);
  assert.match(report, /\[state_master_not_owner\]/);
});
