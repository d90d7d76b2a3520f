/**
 * /metrics: a DaemonStatus rendered as Prometheus text with prom-client.
 *
 * Every scrape builds a fresh Registry from the latest snapshots, so the values are
 * exactly the children's counters (no double counting across child restarts in the
 * parent) and a series disappears with its instance.
 *
 * Names, labels and meanings of the `keepalived_*` metrics are mehdy/keepalived-exporter's
 * (formerly cafebazaar; internal/collector/collector.go fillMetrics and Collect), so its
 * Grafana dashboard and alerts work unchanged: the state is a value (0 INIT, 1 BACKUP,
 * 2 MASTER, 3 FAULT; parser.go VRRPStates), one `keepalived_vrrp_state` series per VIP
 * with its `ip_address` (keepalived's ipaddresstos() text) and the VIP's device as `intf`.
 * The IPVS traffic counters use gen2brain/keepalived_exporter's `keepalived_lvs_*` names
 * (labels addr,proto / vip,addr,proto), emitted only when the data plane reports them.
 * What we add is prefixed `keepalived_ts_` (landscape.md §4.4).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { VrrpState } from '../../vrrp/instance.js';
import type { SyncGroupStateName } from '../../vrrp/sync_group.js';
import type { VrrpStatsCounter } from '../../vrrp/drop_reasons.js';
import {
  isDaemonUp,
  type CheckerStatusSnapshot,
  type DaemonStatus,
  type LvsTraffic,
  type NotifyCounts,
  type VrrpInstanceStatus,
  type VrrpStatusSnapshot,
} from './snapshot.js';

/**
 * keepalived's state numbers (include/vrrp.h): the exporter's 0–3, and VRRP_STATE_STOP
 * (98), which only a stopping child reports.
 */
export const VRRP_STATE_VALUE: Readonly<Record<VrrpState | SyncGroupStateName, number>> = {
  INIT: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
  STOP: 98,
};

/** mehdy/keepalived-exporter's per-instance counters: metric name → our counter. */
export const EXPORTER_INSTANCE_COUNTERS: readonly {
  readonly name: string;
  readonly help: string;
  readonly value: (i: VrrpInstanceStatus) => number;
}[] = [
  counter('keepalived_advertisements_received_total', 'Advertisements received', (i) => i.counts.advertsReceived),
  counter('keepalived_advertisements_sent_total', 'Advertisements sent', (i) => i.counts.advertsSent),
  counter('keepalived_become_master_total', 'Became master', (i) => i.counts.becameMaster),
  counter('keepalived_release_master_total', 'Released master', (i) => i.counts.releasedMaster),
  stat('keepalived_packet_length_errors_total', 'Packet length errors', 'packet_len_err'),
  stat('keepalived_advertisements_interval_errors_total', 'Advertisement interval errors', 'advert_interval_err'),
  stat('keepalived_ip_ttl_errors_total', 'TTL errors', 'ip_ttl_err'),
  stat('keepalived_invalid_type_received_total', 'Invalid type errors', 'invalid_type_rcvd'),
  stat('keepalived_address_list_errors_total', 'Address list errors', 'addr_list_err'),
  stat('keepalived_authentication_invalid_total', 'Authentication invalid', 'invalid_authtype'),
  stat('keepalived_authentication_mismatch_total', 'Authentication mismatch', 'authtype_mismatch'),
  stat('keepalived_authentication_failure_total', 'Authentication failure', 'auth_failure'),
  counter('keepalived_priority_zero_received_total', 'Priority zero received', (i) => i.counts.priorityZeroReceived),
  counter('keepalived_priority_zero_sent_total', 'Priority zero sent', (i) => i.counts.priorityZeroSent),
  // keepalived-compat: the exporter publishes the configured garp_delay (seconds) as a counter.
  counter('keepalived_gratuitous_arp_delay_total', 'Gratuitous ARP delay', (i) => i.garpMasterDelayS),
];

function counter(name: string, help: string, value: (i: VrrpInstanceStatus) => number) {
  return { name, help, value };
}

function stat(name: string, help: string, key: VrrpStatsCounter) {
  return { name, help, value: (i: VrrpInstanceStatus) => i.counts.stats[key] };
}

const INSTANCE_LABELS = ['iname', 'intf', 'vrid'] as const;
const VIP_LABELS = ['iname', 'intf', 'vrid', 'ip_address'] as const;

type Labels = Record<string, string>;

/** Creates the metrics of one scrape in one registry. */
class Scrape {
  readonly registry = new Registry();
  readonly #gauges = new Map<string, Gauge>();
  readonly #counters = new Map<string, Counter>();

  gauge(name: string, help: string, labelNames: readonly string[], labels: Labels, value: number): void {
    let g = this.#gauges.get(name);
    if (g === undefined) {
      g = new Gauge({ name, help, labelNames, registers: [this.registry] });
      this.#gauges.set(name, g);
    }
    g.set(labels, value);
  }

  counter(name: string, help: string, labelNames: readonly string[], labels: Labels, value: number): void {
    let c = this.#counters.get(name);
    if (c === undefined) {
      c = new Counter({ name, help, labelNames, registers: [this.registry] });
      this.#counters.set(name, c);
    }
    // A counter only goes up within one process; a restarted child starts again at 0,
    // which Prometheus' rate() treats as a counter reset.
    c.inc(labels, Math.max(0, value));
  }

  /** Declares a labelled metric with no series yet (so HELP/TYPE are always there). */
  declareGauge(name: string, help: string, labelNames: readonly string[]): void {
    if (this.#gauges.has(name)) return;
    this.#gauges.set(name, new Gauge({ name, help, labelNames, registers: [this.registry] }));
  }
}

function instanceLabels(i: VrrpInstanceStatus): Labels {
  return { iname: i.name, intf: i.interfaceName, vrid: String(i.vrid) };
}

function renderExporterVrrp(m: Scrape, v: VrrpStatusSnapshot): void {
  m.declareGauge('keepalived_vrrp_state', 'State of vrrp', VIP_LABELS);
  for (const i of v.instances) {
    const labels = instanceLabels(i);
    for (const c of EXPORTER_INSTANCE_COUNTERS) m.counter(c.name, c.help, INSTANCE_LABELS, labels, c.value(i));
    const state = VRRP_STATE_VALUE[i.state];
    const vips = i.vips.filter((x) => !x.isExcluded);
    for (const vip of vips) {
      const l = { ...labels, intf: vip.device, ip_address: vip.text };
      m.gauge('keepalived_vrrp_state', 'State of vrrp', VIP_LABELS, l, state);
    }
    // The exporter records the state even without VIPs, with an empty ip_address.
    if (vips.length === 0) m.gauge('keepalived_vrrp_state', 'State of vrrp', VIP_LABELS, { ...labels, ip_address: '' }, state);
    for (const vip of i.vips.filter((x) => x.isExcluded)) {
      const l = { ...labels, intf: vip.device, ip_address: vip.text };
      m.gauge('keepalived_vrrp_excluded_state', 'State of vrrp with excluded VIP', VIP_LABELS, l, state);
    }
  }
  for (const s of v.scripts) {
    // parser.go VRRPScriptStatuses: BAD 0, GOOD 1; keepalived's INIT states are skipped.
    if (s.result !== 'unknown') {
      m.gauge('keepalived_script_status', 'Tracker Script Status', ['name'], { name: s.name }, s.result === 'good' ? 1 : 0);
    }
    // VRRPScriptStates: idle 0, running 1 (2/3: termination requested/forced, not tracked).
    if (s.isRunning !== undefined) {
      m.gauge('keepalived_script_state', 'Tracker Script State', ['name'], { name: s.name }, s.isRunning ? 1 : 0);
    }
  }
}

const TS = 'keepalived_ts_';

function renderExtraInstance(m: Scrape, i: VrrpInstanceStatus): void {
  const labels = instanceLabels(i);
  const g = (name: string, help: string, value: number): void => m.gauge(TS + name, help, INSTANCE_LABELS, labels, value);
  const infoLabels = { ...labels, family: `ipv${i.family}`, version: String(i.version), sync_group: i.syncGroup ?? '' };
  m.gauge(`${TS}vrrp_instance_info`, 'A VRRP instance (value 1)', [...INSTANCE_LABELS, 'family', 'version', 'sync_group'], infoLabels, 1);
  g('vrrp_state', 'VRRP state of the instance (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP)', VRRP_STATE_VALUE[i.state]);
  g('vrrp_wanted_state', "keepalived's wantstate (1 BACKUP, 2 MASTER, 3 FAULT)", VRRP_STATE_VALUE[i.wantState]);
  g('vrrp_faulted', 'A tracker holds the instance in FAULT (1) or not (0)', i.isFaulted ? 1 : 0);
  g('vrrp_base_priority', 'Configured priority', i.basePriority);
  g('vrrp_effective_priority', 'Priority after trackers', i.effectivePriority);
  g('vrrp_advert_interval_seconds', 'Configured advert_int', i.advertIntervalS);
  g('vrrp_master_adver_interval_seconds', 'RFC 5798 Master_Adver_Interval', i.masterAdverIntervalS);
  g('vrrp_master_down_interval_seconds', 'RFC 5798 Master_Down_Interval (the failover budget)', i.masterDownIntervalS);
  for (const [reason, n] of Object.entries(i.counts.transitionsByReason)) {
    m.counter(`${TS}vrrp_transitions_total`, 'State transitions by reason', [...INSTANCE_LABELS, 'reason'], { ...labels, reason }, n);
  }
  for (const [reason, n] of Object.entries(i.counts.drops)) {
    m.counter(`${TS}vrrp_packets_dropped_total`, 'Received VRRP packets rejected or flagged, by reason', [...INSTANCE_LABELS, 'reason'], { ...labels, reason }, n);
  }
  for (const key of ['chk_err', 'vers_err', 'vrid_err'] as const) {
    m.counter(`${TS}vrrp_${key === 'chk_err' ? 'checksum' : key === 'vers_err' ? 'version' : 'vrid'}_errors_total`, `keepalived vrrp_stats ${key} (SNMP builds only)`, INSTANCE_LABELS, labels, i.counts.stats[key]);
  }
  for (const vip of i.vips) {
    if (vip.isPresent === undefined) continue;
    const l = { ...labels, intf: vip.device, ip_address: vip.text };
    m.gauge(`${TS}vrrp_vip_present`, 'The VIP is configured on its interface (1) or not (0)', VIP_LABELS, l, vip.isPresent ? 1 : 0);
  }
  for (const p of i.peers) {
    m.gauge(`${TS}vrrp_peer_last_advert_age_seconds`, 'Seconds since the last advert accepted from this source', [...INSTANCE_LABELS, 'peer'], { ...labels, peer: p.address }, p.lastAdvertAgeS);
  }  const sb = i.splitBrain;
  if (sb === undefined) return;
  m.counter(`${TS}split_brain_total`, 'Times another master was seen while this node was MASTER (or the witness named another)', INSTANCE_LABELS, labels, sb.splitBrains);
  m.counter(`${TS}takeover_refused_total`, 'Takeovers the arbiter (references, witness, fence_script) refused', INSTANCE_LABELS, labels, sb.takeoversRefused);
  for (const p of sb.paths) {
    const l = { ...labels, path: p.label };
    if (p.isUp !== undefined) m.gauge(`${TS}heartbeat_path_up`, 'Adverts arrive on this heartbeat path (1) or it is silent while another delivers (0)', [...INSTANCE_LABELS, 'path'], l, p.isUp ? 1 : 0);
    if (p.lastAdvertAgeS !== undefined) m.gauge(`${TS}heartbeat_path_last_advert_age_seconds`, 'Seconds since the last advert on this heartbeat path', [...INSTANCE_LABELS, 'path'], l, p.lastAdvertAgeS);
  }
  if (sb.arbiter !== undefined && sb.arbiterReachable !== undefined) {
    m.gauge(`${TS}arbiter_reachable`, "The arbiter's reference addresses answer (1) or the node is isolated (0)", [...INSTANCE_LABELS, 'arbiter'], { ...labels, arbiter: sb.arbiter }, sb.arbiterReachable ? 1 : 0);
  }
  if (sb.holdsLease !== undefined) m.gauge(`${TS}witness_lease_held`, 'This node holds the etcd witness lease', INSTANCE_LABELS, labels, sb.holdsLease ? 1 : 0);
  if (sb.lastGateS !== undefined) m.gauge(`${TS}takeover_gate_seconds`, 'Duration of the last takeover gate (reference round + witness + fence_script)', INSTANCE_LABELS, labels, sb.lastGateS);
}

function renderExtraVrrp(m: Scrape, v: VrrpStatusSnapshot): void {
  for (const i of v.instances) renderExtraInstance(m, i);
  for (const g of v.syncGroups) {
    m.gauge(`${TS}vrrp_sync_group_state`, 'Sync group state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP)', ['group'], { group: g.name }, VRRP_STATE_VALUE[g.state]);
  }
}

const NOTIFY_COUNTERS: readonly { readonly key: keyof NotifyCounts; readonly name: string; readonly help: string }[] = [
  { key: 'scriptsRun', name: 'notify_scripts_run_total', help: 'Notify scripts started' },
  { key: 'scriptFailures', name: 'notify_script_failures_total', help: 'Notify scripts that failed (exit status, signal, not started)' },
  { key: 'scriptTimeouts', name: 'notify_script_timeouts_total', help: 'Notify scripts killed after their timeout' },
  { key: 'scriptsDropped', name: 'notify_scripts_dropped_total', help: 'Notify scripts dropped because the queue was full' },
  { key: 'emailsSent', name: 'notify_emails_sent_total', help: 'SMTP alerts sent' },
  { key: 'emailsFailed', name: 'notify_emails_failed_total', help: 'SMTP alerts that could not be sent' },
  { key: 'fifoLinesWritten', name: 'notify_fifo_lines_written_total', help: 'Lines written to notify FIFOs' },
  { key: 'fifoLinesDropped', name: 'notify_fifo_lines_dropped_total', help: 'Lines dropped for a full or unopenable FIFO' },
];

function renderNotify(m: Scrape, role: string, n: NotifyCounts | undefined): void {
  if (n === undefined) return;
  for (const c of NOTIFY_COUNTERS) m.counter(TS + c.name, c.help, ['role'], { role }, n[c.key]);
}

const TRAFFIC: readonly { readonly key: keyof LvsTraffic; readonly suffix: string }[] = [
  { key: 'inPackets', suffix: 'in_packets' },
  { key: 'outPackets', suffix: 'out_packets' },
  { key: 'inBytes', suffix: 'in_bytes' },
  { key: 'outBytes', suffix: 'out_bytes' },
  { key: 'connections', suffix: 'conn' },
];

/** `[10.0.0.1]:tcp:80` → addr `10.0.0.1:80`, proto `TCP` (gen2brain's label values). */
export function lvsLabelsOf(text: string): { addr: string; proto: string } {
  const m = /^\[(.*)\]:([a-z]+):(\d+)$/.exec(text);
  if (m === null) return { addr: text, proto: '' };
  const [, host = '', proto = '', port = ''] = m;
  return { addr: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, proto: proto.toUpperCase() };
}

function renderChecker(m: Scrape, c: CheckerStatusSnapshot): void {
  const vsL = ['vs'];
  const rsL = ['vs', 'rs'];
  for (const vs of c.virtualServers) {
    const l = { vs: vs.text };
    m.gauge(`${TS}lvs_virtual_server_active`, 'The virtual server is in the kernel (1) or not (0)', vsL, l, vs.isActive ? 1 : 0);
    m.gauge(`${TS}lvs_virtual_server_quorum`, 'Configured quorum (sum of live weights needed)', vsL, l, vs.quorum);
    m.gauge(`${TS}lvs_virtual_server_quorum_up`, 'Quorum is met (1) or not (0)', vsL, l, vs.isQuorumUp ? 1 : 0);
    m.gauge(`${TS}lvs_virtual_server_real_servers_up`, 'Real servers alive', vsL, l, vs.realServersUp);
    m.gauge(`${TS}lvs_virtual_server_real_servers_total`, 'Real servers configured', vsL, l, vs.realServersTotal);
    if (vs.sorryServer !== undefined) {
      m.gauge(`${TS}lvs_sorry_server_active`, 'The sorry server is in the kernel (1) or not (0)', vsL, l, vs.sorryServer.isInKernel ? 1 : 0);
    }
    const vip = lvsLabelsOf(vs.text);
    if (vs.traffic !== undefined) {
      for (const t of TRAFFIC) m.gauge(`keepalived_lvs_vip_${t.suffix}`, `Virtual server ${t.suffix}`, ['addr', 'proto'], vip, vs.traffic[t.key]);
    }
    for (const rs of vs.realServers) {
      const rl = { vs: vs.text, rs: rs.text };
      m.gauge(`${TS}lvs_real_server_up`, 'The real server is alive (1) or not (0)', rsL, rl, rs.isAlive ? 1 : 0);
      m.gauge(`${TS}lvs_real_server_weight`, 'Weight in the kernel (0 when out or inhibited)', rsL, rl, rs.weight);
      m.gauge(`${TS}lvs_real_server_configured_weight`, 'Configured weight', rsL, rl, rs.configuredWeight);
      m.gauge(`${TS}lvs_real_server_failed_checks`, 'Checkers currently failing', rsL, rl, rs.failedChecks);
      if (rs.lastCheckLatencyS !== undefined) {
        m.gauge(`${TS}lvs_real_server_check_latency_seconds`, 'Duration of the last health check (slowest checker)', rsL, rl, rs.lastCheckLatencyS);
      }
      for (const chk of rs.checks) {
        const cl = { ...rl, checker: String(chk.id), type: chk.type };
        m.gauge(`${TS}lvs_check_up`, 'The checker reports the real server up (1) or down (0)', [...rsL, 'checker', 'type'], cl, chk.isUp ? 1 : 0);
        if (chk.lastDurationS !== undefined) {
          m.gauge(`${TS}lvs_check_duration_seconds`, 'Duration of the last probe', [...rsL, 'checker', 'type'], cl, chk.lastDurationS);
        }
      }
      if (rs.traffic !== undefined) {
        const labels = { vip: vip.addr, ...lvsLabelsOf(rs.text), proto: vip.proto };
        for (const t of TRAFFIC) m.gauge(`keepalived_lvs_rs_${t.suffix}`, `Real server ${t.suffix}`, ['vip', 'addr', 'proto'], labels, rs.traffic[t.key]);
      }
    }
  }
}

function renderProcess(m: Scrape, s: DaemonStatus): void {
  m.gauge('keepalived_up', 'Status', [], {}, isDaemonUp(s) ? 1 : 0);
  m.gauge(`${TS}build_info`, 'keepalived-ts build (value 1)', ['version', 'node_version'], { version: s.parent.version, node_version: s.parent.nodeVersion }, 1);
  m.gauge(`${TS}start_time_seconds`, 'When the parent process started (Unix time)', [], {}, s.parent.startedAtMs / 1000);
  for (const c of s.children) {
    if (!c.isExpected) continue;
    m.gauge(`${TS}child_up`, 'The child reports its status (1) or is missing or stale (0)', ['role'], { role: c.role }, c.isFresh ? 1 : 0);
    if (c.receivedAtMs !== undefined) {
      m.gauge(`${TS}child_status_age_seconds`, "Age of the child's last status snapshot", ['role'], { role: c.role }, Math.max(0, s.generatedAtMs - c.receivedAtMs) / 1000);
    }
  }
  const r = s.reloads;
  m.counter(`${TS}config_reload_total`, 'Configuration reloads by result', ['result'], { result: 'success' }, r.success);
  m.counter(`${TS}config_reload_total`, 'Configuration reloads by result', ['result'], { result: 'failure' }, r.failure);
  if (r.lastSuccessAtMs !== undefined) {
    m.gauge(`${TS}config_last_reload_success_timestamp_seconds`, 'When the last successful reload happened (Unix time)', [], {}, r.lastSuccessAtMs / 1000);
  }
}

/** Builds the registry of one scrape (tests read it as JSON; the server as text). */
export function buildRegistry(s: DaemonStatus): Registry {
  const m = new Scrape();
  renderProcess(m, s);
  // Unlike the exporter, which publishes only keepalived_up 0 when it cannot read
  // keepalived, a stale child's last snapshot is still shown (child_up says it is stale).
  if (s.vrrp !== undefined) {
    renderExporterVrrp(m, s.vrrp);
    renderExtraVrrp(m, s.vrrp);
    renderNotify(m, 'vrrp', s.vrrp.notify);
  }
  if (s.checker !== undefined) {
    renderChecker(m, s.checker);
    renderNotify(m, 'checker', s.checker.notify);
  }
  return m.registry;
}

/** The Prometheus text exposition of a status, and its Content-Type. */
export async function renderMetrics(s: DaemonStatus): Promise<{ text: string; contentType: string }> {
  const registry = buildRegistry(s);
  return { text: await registry.metrics(), contentType: registry.contentType };
}
