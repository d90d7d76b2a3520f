import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../../src/config/parse.js';
import { fakeHost, testEnv } from '../config/lvs_fixture.js';
import { MemoryFileSource } from '../../fakes/memory_file_source.js';
import type { KeepalivedConfig } from '../../../src/config/model.js';
import { formatJsonDump, jsonString, type InstanceJsonView } from '../../../src/vrrp/json_dump.js';
import type { InstanceStatsView } from '../../../src/vrrp/stats_format.js';

/** ka2.conf of the 2.2.7 comparison (docs/operations.md "Signals and dumps"), without its route. */
const CONF = `
global_defs {
  router_id R1
}
vrrp_script chk {
  script "/bin/true"
  interval 2
  weight -10
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    10.99.0.100/24
  }
  virtual_ipaddress_excluded {
    10.99.1.100/24
  }
  track_interface {
    eth1 weight 5
  }
  track_script {
    chk
  }
  notify_master "/bin/echo m"
  notify "/bin/echo x"
  smtp_alert
}
vrrp_instance VI_2 {
  state MASTER
  interface eth0
  virtual_router_id 52
  priority 150
  advert_int 0.5
  version 3
  nopreempt
  virtual_ipaddress {
    10.99.0.101/24
  }
}
`;

/** The lvs fixture's host with the eth1 the instance tracks; scripts run as keepalived_script. */
export function dumpTestConfig(text = CONF): KeepalivedConfig {
  const eth1 = { name: 'eth1', index: 3, isLoopback: false, isUp: true, hasMulticast: true, addresses: [] };
  const host = { ...fakeHost, interfaces: new Map([...fakeHost.interfaces, ['eth1', eth1]]) };
  const r = parseConfig('/etc/keepalived/keepalived.conf', new MemoryFileSource({ '/etc/keepalived/keepalived.conf': text }), { ...testEnv, host });
  assert.ok(r.config !== undefined, JSON.stringify(r.diagnostics.map((d) => d.message)));
  return r.config;
}

function config(text = CONF): KeepalivedConfig {
  return dumpTestConfig(text);
}

function stats(name: string, advertsSent: number, becameMaster: number): InstanceStatsView {
  return { name, advertsReceived: 0, advertsSent, becameMaster, releasedMaster: 0, priorityZeroReceived: 0, priorityZeroSent: 0, drops: new Map() };
}

function views(c: KeepalivedConfig): InstanceJsonView[] {
  const [vi1, vi2] = c.vrrp.instances;
  assert.ok(vi1 !== undefined && vi2 !== undefined);
  const chk = c.vrrp.scripts.find((s) => s.name === 'chk');
  assert.ok(chk !== undefined);
  return [
    { config: vi1, state: 'MASTER', wantState: 'MASTER', effectivePriority: 105, masterPriority: undefined, masterAdverIntervalCs: 100,
      lastTransitionUs: 1795416275191126, vipSet: true, trackScriptCommands: [chk.command], stats: stats('VI_1', 2, 1) },
    { config: vi2, state: 'MASTER', wantState: 'MASTER', effectivePriority: 150, masterPriority: undefined, masterAdverIntervalCs: 50,
      lastTransitionUs: 1795416273308269, vipSet: true, trackScriptCommands: [], stats: stats('VI_2', 8, 1) },
  ];
}

test('formatJsonDump() writes what keepalived 2.2.7 wrote for the same configuration (vrrp_json.c, JSON v1)', () => {
  // Captured from keepalived 2.2.7 (kill -36) in a namespace; its virtual route was taken out
  // and its script paths are /usr/bin/… there (keepalived shows the resolved path; /bin is a
  // link to /usr/bin on that host).
  const expected =
    '[{"data":{"iname":"VI_1","dont_track_primary":0,"skip_check_adv_addr":0,"strict_mode":0,"vmac_ifname":"","ifp_ifname":"eth0","master_priority":0,"last_transition":1795416275.191126,"garp_delay":5,"garp_refresh":0,"garp_rep":5,"garp_refresh_rep":1,"garp_lower_prio_delay":5,"garp_lower_prio_rep":5,"lower_prio_no_advert":0,"higher_prio_send_advert":0,"vrid":51,"base_priority":100,"effective_priority":105,"vipset":true,"promote_secondaries":false,"adver_int":1,"master_adver_int":1,"accept":1,"nopreempt":false,"preempt_delay":0,"state":2,"wantstate":2,"version":2,"smtp_alert":true,"notify_deleted":false,"script_master":"\'\\/bin\\/echo\' \'m\'","script":"\'\\/bin\\/echo\' \'x\'","vips":["10.99.0.100\\/24 dev eth0 scope global set"],"evips":["10.99.1.100\\/24 dev eth0 scope global set"],"track_ifp":["eth1"],"track_script":["\'\\/bin\\/true\'"],"auth_type":1,"auth_data":"secret"},"stats":{"advert_rcvd":0,"advert_sent":2,"become_master":1,"release_master":0,"packet_len_err":0,"advert_interval_err":0,"ip_ttl_err":0,"invalid_type_rcvd":0,"addr_list_err":0,"invalid_authtype":0,"authtype_mismatch":0,"auth_failure":0,"pri_zero_rcvd":0,"pri_zero_sent":0}},' +
    '{"data":{"iname":"VI_2","dont_track_primary":0,"skip_check_adv_addr":0,"strict_mode":0,"vmac_ifname":"","ifp_ifname":"eth0","master_priority":0,"last_transition":1795416273.308269,"garp_delay":5,"garp_refresh":0,"garp_rep":5,"garp_refresh_rep":1,"garp_lower_prio_delay":5,"garp_lower_prio_rep":5,"lower_prio_no_advert":0,"higher_prio_send_advert":0,"vrid":52,"base_priority":150,"effective_priority":150,"vipset":true,"promote_secondaries":false,"adver_int":0.5,"master_adver_int":0.5,"accept":1,"nopreempt":false,"preempt_delay":0,"state":2,"wantstate":2,"version":3,"smtp_alert":false,"notify_deleted":false,"vips":["10.99.0.101\\/24 dev eth0 scope global set"],"auth_type":0},"stats":{"advert_rcvd":0,"advert_sent":8,"become_master":1,"release_master":0,"packet_len_err":0,"advert_interval_err":0,"ip_ttl_err":0,"invalid_type_rcvd":0,"addr_list_err":0,"invalid_authtype":0,"authtype_mismatch":0,"auth_failure":0,"pri_zero_rcvd":0,"pri_zero_sent":0}}]\n';
  assert.equal(formatJsonDump(views(config())), expected);
});

test('formatJsonDump(): drop reasons become keepalived\'s counters, BACKUP is state 1', () => {
  const [v] = views(config());
  assert.ok(v !== undefined);
  const text = formatJsonDump([
    { ...v, state: 'BACKUP', wantState: 'BACKUP', masterPriority: 200, stats: { ...v.stats, drops: new Map([['auth_failure', 3], ['bad_ttl', 2]]) } },
  ]);
  const [entry] = JSON.parse(text) as { data: Record<string, unknown>; stats: Record<string, number> }[];
  assert.equal(entry?.data['state'], 1);
  assert.equal(entry?.data['master_priority'], 200);
  assert.equal(entry?.stats['auth_failure'], 3);
  assert.equal(entry?.stats['ip_ttl_err'], 2);
});

test('jsonString() escapes like json_writer.c, but always yields valid JSON', () => {
  assert.equal(jsonString('a/b"c\td'), '"a\\/b\\"c\\td"');
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      assert.equal(JSON.parse(jsonString(s)), s);
    }),
  );
});

test('property: the JSON dump is valid JSON with one entry per instance, in order', () => {
  const base = config();
  const [template] = views(base);
  assert.ok(template !== undefined);
  const state = fc.constantFrom('INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP') as fc.Arbitrary<InstanceJsonView['state']>;
  const entry = fc.record({
    name: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    state,
    prio: fc.integer({ min: 0, max: 255 }),
    sent: fc.nat(),
    lastUs: fc.integer({ min: 0, max: 4_000_000_000_000_000 }),
    cs: fc.integer({ min: 1, max: 25_500 }),
  });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
      const vs = entries.map((e): InstanceJsonView => ({
        ...template,
        config: { ...template.config, name: e.name, advertIntervalCs: e.cs },
        state: e.state,
        effectivePriority: e.prio,
        lastTransitionUs: e.lastUs,
        masterAdverIntervalCs: e.cs,
        stats: { ...template.stats, name: e.name, advertsSent: e.sent },
      }));
      const parsed = JSON.parse(formatJsonDump(vs)) as { data: { iname: string; adver_int: number }; stats: { advert_sent: number } }[];
      assert.equal(parsed.length, entries.length);
      parsed.forEach((p, i) => {
        assert.equal(p.data.iname, entries[i]?.name);
        assert.equal(p.stats.advert_sent, entries[i]?.sent);
        assert.ok(Math.abs(p.data.adver_int - (entries[i]?.cs ?? 0) / 100) < 1e-9);
      });
    }),
  );
});
