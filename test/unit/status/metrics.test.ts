import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRegistry, EXPORTER_INSTANCE_COUNTERS, lvsLabelsOf, renderMetrics } from '../../../src/daemon/status/metrics.js';
import { fakeDaemonStatus } from './fake_status.js';

/** The series of one metric as `{labels} value` strings, from the text exposition. */
function series(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (.+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

function typeOf(text: string, name: string): string | undefined {
  return new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1];
}

/** mehdy/keepalived-exporter internal/collector/collector.go fillMetrics(), in full. */
const EXPORTER_METRICS = [
  'keepalived_up',
  'keepalived_vrrp_state',
  'keepalived_vrrp_excluded_state',
  'keepalived_gratuitous_arp_delay_total',
  'keepalived_advertisements_received_total',
  'keepalived_advertisements_sent_total',
  'keepalived_become_master_total',
  'keepalived_release_master_total',
  'keepalived_packet_length_errors_total',
  'keepalived_advertisements_interval_errors_total',
  'keepalived_ip_ttl_errors_total',
  'keepalived_invalid_type_received_total',
  'keepalived_address_list_errors_total',
  'keepalived_authentication_invalid_total',
  'keepalived_authentication_mismatch_total',
  'keepalived_authentication_failure_total',
  'keepalived_priority_zero_received_total',
  'keepalived_priority_zero_sent_total',
  'keepalived_script_status',
  'keepalived_script_state',
];

test('renderMetrics() publishes every mehdy/keepalived-exporter metric with its type', async () => {
  const { text, contentType } = await renderMetrics(fakeDaemonStatus());
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  for (const name of EXPORTER_METRICS) {
    const expected = name.endsWith('_total') ? 'counter' : 'gauge';
    assert.equal(typeOf(text, name), expected, name);
    assert.ok(series(text, name).size > 0, `${name} has no series`);
  }
  assert.equal(EXPORTER_INSTANCE_COUNTERS.length, 15);
});

test('keepalived_vrrp_state is the state as a value, one series per VIP with its device and ipaddresstos text', async () => {
  const { text } = await renderMetrics(fakeDaemonStatus());
  const s = series(text, 'keepalived_vrrp_state');
  assert.deepEqual([...s], [
    ['{iname="VI_1",intf="eth0",vrid="51",ip_address="10.0.0.100"}', 2],
    ['{iname="VI_1",intf="eth1",vrid="51",ip_address="10.0.0.101/24"}', 2],
    ['{iname="VI_2",intf="eth0",vrid="52",ip_address=""}', 1],
  ]);
  assert.deepEqual([...series(text, 'keepalived_vrrp_excluded_state')], [
    ['{iname="VI_1",intf="eth0",vrid="51",ip_address="2001:db8::1/64"}', 2],
  ]);
  const fault = series((await renderMetrics(fakeDaemonStatus({ vi1State: 'FAULT' }))).text, 'keepalived_vrrp_state');
  assert.equal(fault.get('{iname="VI_1",intf="eth0",vrid="51",ip_address="10.0.0.100"}'), 3);
});

test('the exporter counters carry keepalived vrrp_stats values with labels iname,intf,vrid', async () => {
  const { text } = await renderMetrics(fakeDaemonStatus());
  const l = '{iname="VI_1",intf="eth0",vrid="51"}';
  assert.equal(series(text, 'keepalived_advertisements_sent_total').get(l), 340);
  assert.equal(series(text, 'keepalived_advertisements_received_total').get(l), 12);
  assert.equal(series(text, 'keepalived_become_master_total').get(l), 2);
  assert.equal(series(text, 'keepalived_release_master_total').get(l), 1);
  assert.equal(series(text, 'keepalived_ip_ttl_errors_total').get(l), 4);
  assert.equal(series(text, 'keepalived_authentication_failure_total').get(l), 2);
  assert.equal(series(text, 'keepalived_priority_zero_sent_total').get(l), 1);
  assert.equal(series(text, 'keepalived_gratuitous_arp_delay_total').get(l), 5);
  assert.equal(series(text, 'keepalived_up').get(''), 1);
  assert.deepEqual([...series(text, 'keepalived_script_status')], [['{name="chk_nginx"}', 1], ['{name="chk_db"}', 0]]);
  assert.deepEqual([...series(text, 'keepalived_script_state')], [['{name="chk_nginx"}', 0]]);
});

test('keepalived_up is 0 when an expected child is stale or missing', async () => {
  const s = fakeDaemonStatus();
  const stale = { ...s, children: s.children.map((c) => (c.role === 'vrrp' ? { ...c, isFresh: false } : c)) };
  const { text } = await renderMetrics(stale);
  assert.equal(series(text, 'keepalived_up').get(''), 0);
  assert.equal(series(text, 'keepalived_ts_child_up').get('{role="vrrp"}'), 0);
  assert.equal(series(text, 'keepalived_ts_child_up').get('{role="checker"}'), 1);
});

test('the keepalived_ts_ extras: priorities, Master_Down_Interval, transitions, vip_present, peer age, drops', async () => {
  const { text } = await renderMetrics(fakeDaemonStatus());
  const l = '{iname="VI_1",intf="eth0",vrid="51"}';
  assert.equal(series(text, 'keepalived_ts_vrrp_base_priority').get(l), 150);
  assert.equal(series(text, 'keepalived_ts_vrrp_effective_priority').get(l), 140);
  assert.equal(series(text, 'keepalived_ts_vrrp_master_down_interval_seconds').get(l), 3.453125);
  assert.equal(series(text, 'keepalived_ts_vrrp_state').get(l), 2);
  assert.equal(series(text, 'keepalived_ts_vrrp_transitions_total').get('{iname="VI_1",intf="eth0",vrid="51",reason="master_down_timeout"}'), 2);
  assert.equal(series(text, 'keepalived_ts_vrrp_packets_dropped_total').get('{iname="VI_1",intf="eth0",vrid="51",reason="unicast_source_not_peer"}'), 7);
  assert.equal(series(text, 'keepalived_ts_vrrp_checksum_errors_total').get(l), 5);
  assert.deepEqual([...series(text, 'keepalived_ts_vrrp_vip_present')], [
    ['{iname="VI_1",intf="eth0",vrid="51",ip_address="10.0.0.100"}', 1],
    ['{iname="VI_1",intf="eth1",vrid="51",ip_address="10.0.0.101/24"}', 0],
  ]);
  assert.equal(series(text, 'keepalived_ts_vrrp_peer_last_advert_age_seconds').get('{iname="VI_1",intf="eth0",vrid="51",peer="10.0.0.2"}'), 2.5);
  assert.equal(series(text, 'keepalived_ts_vrrp_sync_group_state').get('{group="G1"}'), 2);
  assert.equal(series(text, 'keepalived_ts_vrrp_instance_info').get('{iname="VI_1",intf="eth0",vrid="51",family="ipv4",version="2",sync_group="G1"}'), 1);
  assert.equal(series(text, 'keepalived_ts_notify_scripts_run_total').get('{role="vrrp"}'), 4);
  assert.equal(series(text, 'keepalived_ts_notify_script_failures_total').get('{role="vrrp"}'), 1);
  assert.equal(series(text, 'keepalived_ts_config_reload_total').get('{result="success"}'), 2);
  assert.equal(series(text, 'keepalived_ts_config_reload_total').get('{result="failure"}'), 1);
  assert.equal(series(text, 'keepalived_ts_config_last_reload_success_timestamp_seconds').get(''), 1_699_999_999);
  assert.equal(typeOf(text, 'keepalived_ts_vrrp_transitions_total'), 'counter');
});

test('the checker extras: real-server health, kernel weight, check latency and quorum', async () => {
  const { text } = await renderMetrics(fakeDaemonStatus({ rs2Alive: false }));
  const vs = '{vs="[10.0.0.50]:tcp:80"}';
  const rs1 = '{vs="[10.0.0.50]:tcp:80",rs="[10.0.1.1]:tcp:8080"}';
  const rs2 = '{vs="[10.0.0.50]:tcp:80",rs="[10.0.1.2]:tcp:8080"}';
  assert.equal(series(text, 'keepalived_ts_lvs_virtual_server_quorum_up').get(vs), 1);
  assert.equal(series(text, 'keepalived_ts_lvs_virtual_server_real_servers_up').get(vs), 1);
  assert.equal(series(text, 'keepalived_ts_lvs_virtual_server_real_servers_total').get(vs), 2);
  assert.equal(series(text, 'keepalived_ts_lvs_real_server_up').get(rs1), 1);
  assert.equal(series(text, 'keepalived_ts_lvs_real_server_up').get(rs2), 0);
  assert.equal(series(text, 'keepalived_ts_lvs_real_server_weight').get(rs1), 3);
  assert.equal(series(text, 'keepalived_ts_lvs_real_server_weight').get(rs2), 0);
  assert.equal(series(text, 'keepalived_ts_lvs_real_server_check_latency_seconds').get(rs1), 0.0125);
  assert.equal(series(text, 'keepalived_ts_lvs_real_server_check_latency_seconds').has(rs2), false);
});

test('gen2brain keepalived_lvs_* traffic series appear only when the data plane reports counters', async () => {
  const s = fakeDaemonStatus();
  assert.equal(series((await renderMetrics(s)).text, 'keepalived_lvs_vip_conn').size, 0);
  const traffic = { inPackets: 10, outPackets: 9, inBytes: 1000, outBytes: 900, connections: 4 };
  const checker = s.checker;
  assert.ok(checker);
  const withTraffic = {
    ...s,
    checker: {
      ...checker,
      virtualServers: checker.virtualServers.map((vs) => ({
        ...vs,
        traffic,
        realServers: vs.realServers.map((rs) => ({ ...rs, traffic })),
      })),
    },
  };
  const { text } = await renderMetrics(withTraffic);
  assert.equal(series(text, 'keepalived_lvs_vip_conn').get('{addr="10.0.0.50:80",proto="TCP"}'), 4);
  assert.equal(series(text, 'keepalived_lvs_rs_in_bytes').get('{vip="10.0.0.50:80",addr="10.0.1.1:8080",proto="TCP"}'), 1000);
  assert.deepEqual(lvsLabelsOf('[2001:db8::5]:udp:53'), { addr: '[2001:db8::5]:53', proto: 'UDP' });
  assert.deepEqual(lvsLabelsOf('FWM 5'), { addr: 'FWM 5', proto: '' });
});

test('a status without children snapshots still renders (keepalived_up 0, no VRRP series)', async () => {
  const s = fakeDaemonStatus();
  const { vrrp: _v, checker: _c, ...bare } = s;
  const empty = { ...bare, children: [{ role: 'vrrp' as const, isExpected: true, isFresh: false }] };
  const { text } = await renderMetrics(empty);
  assert.equal(series(text, 'keepalived_up').get(''), 0);
  assert.equal(series(text, 'keepalived_vrrp_state').size, 0);
  assert.ok(buildRegistry(empty).getMetricsAsArray().length > 0);
});

test('split-brain protection: per-path health, arbiter reachability, lease, gate time and counters', async () => {
  const { text } = await renderMetrics(fakeDaemonStatus({ splitBrain: true }));
  const up = series(text, 'keepalived_ts_heartbeat_path_up');
  assert.equal(up.get('{iname="VI_1",intf="eth0",vrid="51",path="eth0 multicast 224.0.0.18"}'), 0);
  assert.equal(up.get('{iname="VI_1",intf="eth0",vrid="51",path="hb0 unicast 10.9.0.2"}'), 1);
  const age = series(text, 'keepalived_ts_heartbeat_path_last_advert_age_seconds');
  assert.equal(age.get('{iname="VI_1",intf="eth0",vrid="51",path="eth0 multicast 224.0.0.18"}'), 3);
  assert.equal(series(text, 'keepalived_ts_arbiter_reachable').get('{iname="VI_1",intf="eth0",vrid="51",arbiter="GW"}'), 1);
  assert.equal(series(text, 'keepalived_ts_witness_lease_held').size, 1);
  assert.equal([...series(text, 'keepalived_ts_takeover_gate_seconds').values()][0], 0.0025);
  assert.equal(typeOf(text, 'keepalived_ts_split_brain_total'), 'counter');
  assert.equal(series(text, 'keepalived_ts_split_brain_total').size, 1);
  // Without split-brain settings none of these series exist.
  const plain = (await renderMetrics(fakeDaemonStatus())).text;
  assert.equal(series(plain, 'keepalived_ts_heartbeat_path_up').size, 0);
  assert.equal(series(plain, 'keepalived_ts_split_brain_total').size, 0);
});
