/**
 * The VRRP runtime: every configured instance and sync group, driven by the pure machines
 * (instance.ts, sync_group.ts) and carrying out their actions through small ports.
 *
 * This file holds no sockets, timers or clock of its own: the daemon (daemon/vrrp_daemon.ts)
 * gives it ports backed by raw sockets, rtnetlink and child processes, and tests give it
 * fakes. It is the one place that decides
 *  - which instance a datagram is for (receive.ts) and what a drop logs and counts;
 *  - how tracker statuses become instance events (track.ts → tracker_events.ts);
 *  - in which order an instance's actions reach the network, the kernel and the notifiers
 *    (the order the machine returned them, which is keepalived's).
 */
import type { VrrpInstance, VrrpSyncGroup } from '../config/model/vrrp.js';
import { parseIp } from '../lib/ip.js';
import { advertExpectationFromConfig, advertFromConfig } from './advert_from_config.js';
import type { DropReason } from './drop_reasons.js';
import {
  initialState,
  masterDownUs,
  nextDeadlineUs,
  step,
  type Action,
  type InstanceState,
  type NotifyState,
  type TransitionReason,
  type VrrpEvent,
  type VrrpState,
} from './instance.js';
import { instanceParamsFromConfig } from './instance_from_config.js';
import { encodeAdvert, VRRP_MULTICAST_V4, VRRP_MULTICAST_V6 } from './packet.js';
import { classifyDatagram, type ReceivedDatagram, type ReceivingInstance } from './receive.js';
import {
  initialGroup,
  nextGroupDeadline,
  startGroup,
  stepGroup,
  stopGroup,
  type GroupAction,
  type GroupNotifyState,
  type SyncGroupState,
} from './sync_group.js';
import {
  effectivePriority,
  initFaultLogLine,
  trackSpecsForInstance,
  type TrackSpec,
  type TrackStatus,
  type TrackedObject,
  type TrackVerdict,
} from './track.js';
import { trackerEvents } from './tracker_events.js';

/** What the runtime asks of the outside world. All calls are synchronous and must not throw. */
export interface VrrpPorts {
  /** Monotonic microseconds. */
  nowUs(): number;
  /** Wake the runtime (call `onTimer`) at this time; undefined cancels. Replaces any earlier request. */
  wakeAt(atUs: number | undefined): void;
  /** Send one VRRP message (no IP header) from the socket `socketKey` (socketSpecs()). */
  sendAdvert(instance: string, message: Uint8Array, destination: string, socketKey: string): void;
  /** Add or remove the instance's VIPs, eVIPs and virtual routes. */
  setVips(instance: string, present: boolean): void;
  /** `count` gratuitous ARPs / unsolicited NAs for each VIP of the instance. */
  sendGarp(instance: string, count: number): void;
  /** DELETED: the instance was removed by a reload (notify_deleted, else reported as FAULT). */
  notifyInstance(instance: string, state: NotifyState | 'DELETED', priority: number): void;
  notifyGroup(group: string, state: GroupNotifyState): void;
  /** keepalived's log text; `detail` lines are printed only with -D. */
  log(level: 'info' | 'detail', text: string): void;
  /** Every state change, with its reason (metrics). */
  onTransition?(instance: string, from: VrrpState, to: VrrpState, reason: TransitionReason): void;
  /**
   * keepalived-ts: ask the instance's arbiter/fence whether it may become MASTER; the answer
   * comes back through `takeoverVerdict`. Repeated calls while one is running may be ignored.
   */
  requestTakeover?(instance: string): void;
  /** keepalived-ts: two masters were seen (log line already given). */
  onSplitBrain?(instance: string, peer: string, peerPriority: number): void;
  /** keepalived-ts: a heartbeat path of the instance went down or came back. */
  onPathHealth?(instance: string, path: string, isUp: boolean): void;
}

/** A socket the runtime needs (the daemon opens one per key). */
export interface SocketSpec {
  readonly key: string;
  readonly interfaceName: string | undefined;
  readonly family: 4 | 6;
  readonly isUnicast: boolean;
  readonly multicastGroup: string | undefined;
  /** Unicast: the address to bind/send from. */
  readonly sourceAddress: string | undefined;
}

/** One heartbeat path's health as the backup sees it (status, metrics). */
export interface PathHealth {
  readonly label: string;
  /** Monotonic µs of the last advert accepted on this path; undefined: none yet. */
  readonly lastAdvertUs: number | undefined;
  /** undefined until the instance has listened for a whole Master_Down_Interval. */
  readonly isUp: boolean | undefined;
}

/** Host facts the runtime needs per instance, resolved by the daemon before start. */
export interface InstanceHostFacts {
  /** Our advert source (the peers' tie-break address). */
  readonly primaryAddress: string;
  /** Our source address on each heartbeat_path, in order (keepalived-ts). */
  readonly pathSources?: readonly string[];
}

/** Per-instance counters (keepalived's vrrp_stats and ours), for USR2 and /metrics. */
export interface InstanceCounters {
  advertsReceived: number;
  advertsSent: number;
  priorityZeroReceived: number;
  priorityZeroSent: number;
  becameMaster: number;
  releasedMaster: number;
  readonly drops: Map<DropReason, number>;
  readonly transitionsByReason: Map<TransitionReason, number>;
  /** Monotonic µs of the last advert accepted, by source address. */
  readonly lastAdvertUsBySource: Map<string, number>;
  /** keepalived-ts: split brains detected (another master while we were MASTER). */
  splitBrains: number;
  /** keepalived-ts: takeovers the arbiter refused. */
  takeoversRefused: number;
}

export interface ReloadSummary {
  readonly kept: string[];
  readonly added: string[];
  readonly removed: string[];
}

/** One way adverts travel: the instance's own socket (index 0) or a heartbeat_path. */
interface PathUnit {
  readonly label: string;
  readonly socket: SocketSpec;
  readonly receiving: ReceivingInstance;
  /** Multicast group, or the unicast peers. */
  readonly destinations: readonly string[];
  /** Our address on this path (advert source, tie-break address). */
  readonly source: string;
}

interface PathWatch {
  lastAdvertUs: number | undefined;
  isUp: boolean | undefined;
}

interface Unit {
  readonly config: VrrpInstance;
  readonly specs: readonly TrackSpec[];
  readonly paths: readonly PathUnit[];
  readonly source: string;
  readonly group: string | undefined;
  readonly counters: InstanceCounters;
  /** Path health, by path label (kept across reloads). */
  readonly watch: Map<string, PathWatch>;
  /** When the instance started listening (path health needs a full interval first). */
  listeningSinceUs: number | undefined;
}

function newCounters(): InstanceCounters {
  return {
    advertsReceived: 0,
    advertsSent: 0,
    priorityZeroReceived: 0,
    priorityZeroSent: 0,
    becameMaster: 0,
    releasedMaster: 0,
    drops: new Map(),
    transitionsByReason: new Map(),
    lastAdvertUsBySource: new Map(),
    splitBrains: 0,
    takeoversRefused: 0,
  };
}

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function trackKey(kind: string, name: string): string {
  return `${kind}\u0000${name}`;
}

/** The socket an instance listens on: interface, family and multicast/unicast. */
export function socketKeyOf(vi: VrrpInstance): string {
  return socketKey(vi.interfaceName, vi.family, vi.isUnicast);
}

function socketKey(interfaceName: string | undefined, family: 4 | 6, isUnicast: boolean): string {
  return `${interfaceName ?? ''}/${family}/${isUnicast ? 'unicast' : 'multicast'}`;
}

/** Every socket these instances need, once per key (the daemon opens them before a reload). */
export function socketSpecsFor(instances: readonly VrrpInstance[]): SocketSpec[] {
  const out = new Map<string, SocketSpec>();
  for (const vi of instances) for (const p of pathsOf(vi, { primaryAddress: '0.0.0.0' })) if (!out.has(p.socket.key)) out.set(p.socket.key, p.socket);
  return [...out.values()];
}

/** The instance's paths: its own socket first, then each heartbeat_path (keepalived-ts). */
function pathsOf(vi: VrrpInstance, facts: InstanceHostFacts): PathUnit[] {
  const defaultGroup = vi.family === 6 ? VRRP_MULTICAST_V6 : VRRP_MULTICAST_V4;
  const group = vi.multicastGroup ?? defaultGroup;
  const expectation = advertExpectationFromConfig(vi);
  const receiving = (label: string, isUnicast: boolean, peers: readonly string[]): ReceivingInstance => ({
    name: vi.name,
    family: vi.family,
    expectation: {
      ...expectation,
      isUnicast,
      ...(label === 'main' || !vi.checkUnicastSource || !isUnicast
        ? {}
        : { unicastPeers: peers.map((address) => ({ address, minTtl: 0, maxTtl: 255 })) }),
    },
    checksumMode: 'pseudo_header',
    vipCount: vi.virtualIpAddresses.filter((v) => v.family === vi.family).length,
  });
  const own: PathUnit = {
    label: `${vi.interfaceName ?? '-'} ${vi.isUnicast ? 'unicast' : `multicast ${group}`}`,
    socket: {
      key: socketKeyOf(vi),
      interfaceName: vi.interfaceName,
      family: vi.family,
      isUnicast: vi.isUnicast,
      multicastGroup: vi.multicastGroup,
      sourceAddress: vi.isUnicast ? vi.sourceAddress?.address : undefined,
    },
    receiving: receiving('main', vi.isUnicast, []),
    destinations: vi.isUnicast ? vi.unicastPeers.map((p) => p.address) : [group],
    source: facts.primaryAddress,
  };
  const extra = vi.splitBrain.heartbeatPaths.map((hp, i): PathUnit => {
    const isUnicast = hp.unicastPeers.length > 0;
    const source = facts.pathSources?.[i] ?? hp.sourceAddress ?? facts.primaryAddress;
    return {
      label: `${hp.interfaceName} ${isUnicast ? `unicast ${hp.unicastPeers.join(',')}` : `multicast ${group}`}`,
      socket: {
        key: socketKey(hp.interfaceName, vi.family, isUnicast),
        interfaceName: hp.interfaceName,
        family: vi.family,
        isUnicast,
        multicastGroup: vi.multicastGroup,
        sourceAddress: isUnicast ? hp.sourceAddress : undefined,
      },
      receiving: receiving(`path${i + 1}`, isUnicast, hp.unicastPeers),
      destinations: isUnicast ? hp.unicastPeers : [group],
      source,
    };
  });
  return [own, ...extra];
}

export class VrrpRuntime {
  private readonly units = new Map<string, Unit>();
  /** Stand-alone instances' states. */
  private readonly singles = new Map<string, InstanceState>();
  private readonly groups = new Map<string, SyncGroupState>();
  private readonly trackStatus = new Map<string, TrackStatus>();
  /** keepalived-ts: arbiters whose references do not answer (their instances are FAULT). */
  private readonly isolatedArbiters = new Set<string>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly ports: VrrpPorts,
    instances: readonly VrrpInstance[],
    syncGroups: readonly VrrpSyncGroup[],
    private facts: (vi: VrrpInstance) => InstanceHostFacts,
  ) {
    this.build(instances, syncGroups, () => true);
  }

  /** Create units and initial states for the instances `wanted` selects, and their groups. */
  private build(instances: readonly VrrpInstance[], syncGroups: readonly VrrpSyncGroup[], wanted: (name: string) => boolean): string[] {
    const groupOf = new Map<string, VrrpSyncGroup>();
    for (const g of syncGroups) for (const m of g.members) groupOf.set(m, g);
    const created: string[] = [];
    for (const vi of instances) {
      if (!wanted(vi.name)) continue;
      const g = groupOf.get(vi.name);
      this.units.set(vi.name, this.unitOf(vi, g));
      this.singles.set(vi.name, initialState(instanceParamsFromConfig(vi, this.facts(vi).primaryAddress)));
      created.push(vi.name);
    }
    for (const g of syncGroups) {
      if (!g.members.some((m) => created.includes(m))) continue;
      const members = g.members.flatMap((m) => {
        const st = this.singles.get(m);
        return st === undefined ? [] : [st];
      });
      for (const m of g.members) this.singles.delete(m);
      this.groups.set(g.name, initialGroup(g.name, members));
    }
    return created;
  }

  private unitOf(vi: VrrpInstance, g: VrrpSyncGroup | undefined): Unit {
    const facts = this.facts(vi);
    const old = this.units.get(vi.name);
    return {
      config: vi,
      specs: trackSpecsForInstance(vi, { syncGroup: g }),
      paths: pathsOf(vi, facts),
      source: facts.primaryAddress,
      group: g?.name,
      counters: old?.counters ?? newCounters(),
      watch: old?.watch ?? new Map(),
      listeningSinceUs: old?.listeningSinceUs,
    };
  }

  // ---- queries ------------------------------------------------------------------------

  instanceNames(): string[] {
    return [...this.units.keys()];
  }

  config(name: string): VrrpInstance | undefined {
    return this.units.get(name)?.config;
  }

  stateOf(name: string): InstanceState | undefined {
    const s = this.singles.get(name);
    if (s !== undefined) return s;
    const g = this.units.get(name)?.group;
    return g === undefined ? undefined : this.groups.get(g)?.members.find((m) => m.params.name === name);
  }

  groupStates(): SyncGroupState[] {
    return [...this.groups.values()];
  }

  counters(name: string): InstanceCounters | undefined {
    return this.units.get(name)?.counters;
  }

  /**
   * keepalived's STATS_CLEAR (vrrp_print_stats(true)): zero every instance's vrrp_stats
   * counters, i.e. those of the stats file and the JSON dump. The keepalived-ts extras
   * (transitions by reason, last advert per source, split brains, refused takeovers) stay.
   */
  clearCounters(): void {
    for (const u of this.units.values()) {
      const c = u.counters;
      c.advertsReceived = 0;
      c.advertsSent = 0;
      c.priorityZeroReceived = 0;
      c.priorityZeroSent = 0;
      c.becameMaster = 0;
      c.releasedMaster = 0;
      c.drops.clear();
    }
  }

  /** The tracked objects (kind, name) some instance depends on. */
  trackedObjects(): { kind: TrackSpec['kind']; name: string }[] {
    const seen = new Map<string, { kind: TrackSpec['kind']; name: string }>();
    for (const u of this.units.values()) for (const s of u.specs) seen.set(trackKey(s.kind, s.name), { kind: s.kind, name: s.name });
    return [...seen.values()];
  }

  /** Every socket the instances need, once per key (instances' own, then heartbeat paths). */
  socketSpecs(): SocketSpec[] {
    const out = new Map<string, SocketSpec>();
    for (const u of this.units.values()) for (const p of u.paths) if (!out.has(p.socket.key)) out.set(p.socket.key, p.socket);
    return [...out.values()];
  }

  /** keepalived-ts: each path's health (only instances with heartbeat paths have more than one). */
  pathHealth(name: string): PathHealth[] {
    const u = this.units.get(name);
    if (u === undefined) return [];
    return u.paths.map((p) => {
      const w = u.watch.get(p.label);
      return { label: p.label, lastAdvertUs: w?.lastAdvertUs, isUp: w?.isUp };
    });
  }

  // ---- inputs -------------------------------------------------------------------------

  /**
   * Record a tracked object's status. Before start() this only seeds the initial verdicts;
   * afterwards each instance that tracks it gets the resulting events.
   */
  setTrackStatus(kind: TrackSpec['kind'], name: string, status: TrackStatus): void {
    this.trackStatus.set(trackKey(kind, name), status);
    if (!this.started || this.stopped) return;
    for (const u of this.units.values()) {
      if (!u.specs.some((s) => s.kind === kind && s.name === name)) continue;
      const s = this.stateOf(u.config.name);
      if (s === undefined) continue;
      const verdict = this.verdictOf(u);
      for (const e of trackerEvents(s, verdict)) this.dispatch(u.config.name, e);
    }
    this.rearm();
  }

  /**
   * keepalived-ts: an arbiter's references stopped (or started) answering. An isolated node
   * must not hold the VIPs: its instances go to FAULT like on a weight-0 tracker, a master
   * with a priority 0 advert so that a node that still sees the gateway takes over.
   */
  setArbiterIsolation(arbiter: string, isIsolated: boolean): void {
    if (isIsolated === this.isolatedArbiters.has(arbiter)) return;
    if (isIsolated) this.isolatedArbiters.add(arbiter);
    else this.isolatedArbiters.delete(arbiter);
    if (!this.started || this.stopped) return;
    for (const u of this.units.values()) {
      if (u.config.splitBrain.arbiter !== arbiter) continue;
      const s = this.stateOf(u.config.name);
      if (s === undefined) continue;
      for (const e of trackerEvents(s, this.verdictOf(u))) this.dispatch(u.config.name, e);
    }
    this.rearm();
  }

  /** Start every instance and group (keepalived's vrrp_init_state + first scheduling). */
  start(opts: { readonly resumeMasters?: ReadonlySet<string> } = {}): void {
    if (this.started) return;
    this.started = true;
    const now = this.ports.nowUs();
    for (const u of this.units.values()) u.listeningSinceUs ??= now;
    for (const [name, s] of this.singles) {
      const u = this.unit(name);
      const v = this.verdictOf(u);
      this.logInitFault(name, v);
      const seeded = { ...s, effectivePriority: v.effectivePriority, isFaulted: v.isFault };
      const resumeAsMaster = opts.resumeMasters?.has(name) === true;
      const t = step(seeded, { kind: 'startup', resumeAsMaster }, now);
      this.singles.set(name, t.state);
      this.perform(name, t.actions);
    }
    for (const [gname, g] of this.groups) {
      const members = g.members.map((m) => {
        const u = this.unit(m.params.name);
        const v = this.verdictOf(u);
        this.logInitFault(m.params.name, v);
        return { ...m, effectivePriority: v.effectivePriority, isFaulted: v.isFault };
      });
      const t = startGroup({ ...g, members }, now);
      this.groups.set(gname, t.group);
      this.performGroup(t.actions);
    }
    this.rearm();
  }

  /** A datagram from the socket `socketKey`. */
  onDatagram(socketKey: string, d: ReceivedDatagram): void {
    if (!this.started || this.stopped) return;
    const onSocket = [...this.units.values()].flatMap((u) => {
      const path = u.paths.find((p) => p.socket.key === socketKey);
      return path === undefined ? [] : [{ u, path }];
    });
    const outcome = classifyDatagram(
      d,
      (vrid) => onSocket.find((x) => x.u.config.vrid === vrid)?.path.receiving,
      (name, source) => {
        const u = this.units.get(name);
        return u?.config.skipCheckAdvAddr === true && this.stateOf(name)?.masterAddress === source;
      },
    );
    for (const line of outcome.logLines) this.ports.log('info', line);
    if (outcome.kind === 'drop') {
      if (outcome.instance !== undefined) bump(this.unit(outcome.instance).counters.drops, outcome.reason);
      if (outcome.reason === 'unknown_vrid') return;
      if (outcome.logLines.length === 0) {
        this.ports.log('detail', `${outcome.instance === undefined ? '' : `(${outcome.instance}) `}dropped advert: ${outcome.reason} (${outcome.detail})`);
      }
      return;
    }
    const u = this.unit(outcome.instance);
    u.counters.advertsReceived++;
    if (outcome.advert.priority === 0) u.counters.priorityZeroReceived++;
    for (const r of outcome.flagged) bump(u.counters.drops, r);
    const now = this.ports.nowUs();
    u.counters.lastAdvertUsBySource.set(outcome.advert.sourceAddress, now);
    const path = onSocket.find((x) => x.u === u)?.path;
    if (path !== undefined && u.paths.length > 1) this.watchPaths(u, path, now);
    const isOwnPath = path === undefined || path === u.paths[0];
    const advert = isOwnPath ? outcome.advert : { ...outcome.advert, localAddress: path.source };
    this.dispatch(outcome.instance, { kind: 'advert_received', advert });
    this.rearm();
  }

  /** One of the instance's tracked VIPs/eVIPs was deleted by someone else. */
  onVipDeleted(name: string): void {
    if (!this.started || this.stopped || !this.units.has(name)) return;
    this.dispatch(name, { kind: 'vip_deleted' });
    this.rearm();
  }

  /** keepalived-ts: the arbiter's answer to ports.requestTakeover. */
  takeoverVerdict(name: string, granted: boolean, detail: string): void {
    if (!this.started || this.stopped || !this.units.has(name)) return;
    if (!granted && this.stateOf(name)?.takeoverPending !== undefined) this.unit(name).counters.takeoversRefused++;
    this.dispatch(name, { kind: 'takeover_verdict', granted, detail });
    this.rearm();
  }

  /** keepalived-ts: the arbiter withdrew the instance's mastership. */
  revokeMastership(name: string, detail: string): void {
    if (!this.started || this.stopped || !this.units.has(name)) return;
    this.dispatch(name, { kind: 'takeover_revoked', detail });
    this.rearm();
  }

  /**
   * keepalived-ts: the witness names another holder while we are MASTER: a split brain seen
   * by the witness rather than on the wire. Reported like one; the caller also revokes.
   */
  witnessDisagrees(name: string, holder: string): void {
    if (!this.started || this.stopped || !this.units.has(name)) return;
    if (this.stateOf(name)?.state !== 'MASTER') return;
    this.ports.log('info', `(${name}) Split brain: the witness names ${holder} as MASTER while we are MASTER`);
    this.unit(name).counters.splitBrains++;
    this.ports.onSplitBrain?.(name, holder, -1);
  }

  /** The wake-up requested through ports.wakeAt arrived (early or late is fine). */
  onTimer(): void {
    if (!this.started || this.stopped) return;
    const now = this.ports.nowUs();
    for (const [name, s] of this.singles) {
      const d = nextDeadlineUs(s);
      if (d !== undefined && d <= now) this.dispatch(name, { kind: 'timer_fired' });
    }
    for (const [, g] of this.groups) {
      // A group may have several members due; serve them one at a time, earliest first.
      for (let guard = 0; guard < g.members.length + 1; guard++) {
        const cur = this.groups.get(g.name);
        const next = cur === undefined ? undefined : nextGroupDeadline(cur);
        if (next === undefined || next.atUs > now) break;
        this.dispatch(next.member, { kind: 'timer_fired' });
      }
    }
    this.rearm();
  }

  /** keepalived stop: masters send priority 0 and remove their VIPs; everyone notifies STOP. */
  shutdown(): void {
    if (!this.started || this.stopped) return;
    const now = this.ports.nowUs();
    for (const [name, s] of this.singles) {
      const t = step(s, { kind: 'shutdown' }, now);
      this.singles.set(name, t.state);
      this.perform(name, t.actions);
    }
    for (const [gname, g] of this.groups) {
      const t = stopGroup(g, now);
      this.groups.set(gname, t.group);
      this.performGroup(t.actions);
    }
    this.stopped = true;
    this.ports.wakeAt(undefined);
  }

  /**
   * keepalived's reload (HUP): instances that keep their name, socket (interface, family,
   * unicast/multicast), VRID and sync group keep their state and VIPs: no transition, no
   * notify; their new settings apply from now on (a master re-asserts its VIPs). Removed
   * instances that were MASTER send priority 0 and remove their VIPs, and every removed
   * instance reports DELETED (FAULT unless notify_deleted). New instances start as at boot.
   * Members of a sync group whose membership changed restart with their group.
   */
  reload(instances: readonly VrrpInstance[], syncGroups: readonly VrrpSyncGroup[], facts: (vi: VrrpInstance) => InstanceHostFacts): ReloadSummary {
    const summary: ReloadSummary = { kept: [], added: [], removed: [] };
    if (!this.started || this.stopped) return summary;
    this.facts = facts;
    const now = this.ports.nowUs();
    const next = new Map(instances.map((vi) => [vi.name, vi]));
    const newGroupOf = new Map<string, VrrpSyncGroup>();
    for (const g of syncGroups) for (const m of g.members) newGroupOf.set(m, g);
    const oldGroupMembers = new Map([...this.groups.values()].map((g) => [g.name, g.members.map((m) => m.params.name).join(',')]));
    const groupSame = (name: string): boolean => {
      const oldG = this.units.get(name)?.group;
      const newG = newGroupOf.get(name);
      if (oldG === undefined || newG === undefined) return oldG === newG?.name;
      return oldG === newG.name && oldGroupMembers.get(oldG) === newG.members.join(',');
    };
    const keeps = (name: string): boolean => {
      const old = this.units.get(name)?.config;
      const vi = next.get(name);
      return old !== undefined && vi !== undefined && socketKeyOf(old) === socketKeyOf(vi) && old.vrid === vi.vrid && groupSame(name);
    };
    // A group is kept only when every member is.
    for (const [gname, g] of this.groups) {
      if (g.members.every((m) => keeps(m.params.name))) continue;
      for (const m of g.members) this.removeInstance(m.params.name, m, next.has(m.params.name));
      this.groups.delete(gname);
    }
    for (const [name, st] of [...this.singles]) {
      if (keeps(name)) continue;
      this.removeInstance(name, st, next.has(name));
      this.singles.delete(name);
    }
    for (const name of [...this.units.keys()]) {
      if (this.stateOf(name) === undefined) {
        this.units.delete(name);
        if (!next.has(name)) summary.removed.push(name);
      }
    }
    // Kept instances: new settings, same state.
    for (const [name, vi] of next) {
      if (!this.units.has(name)) continue;
      const unit = this.unitOf(vi, newGroupOf.get(name));
      this.units.set(name, unit);
      const params = instanceParamsFromConfig(vi, unit.source);
      this.replaceState(name, (st) => ({ ...st, params }));
      summary.kept.push(name);
      const st = this.stateOf(name);
      if (st?.state === 'MASTER') {
        this.ports.log('info', `(${name}) setting VIPs.`);
        this.ports.setVips(name, true);
      }
      if (st !== undefined) for (const e of trackerEvents(st, this.verdictOf(unit))) this.dispatch(name, e);
    }
    // New instances start as at boot.
    const added = this.build(instances, syncGroups, (name) => !this.units.has(name));
    summary.added.push(...added);
    for (const name of added) {
      const single = this.singles.get(name);
      if (single === undefined) continue;
      const v = this.verdictOf(this.unit(name));
      const t = step({ ...single, effectivePriority: v.effectivePriority, isFaulted: v.isFault }, { kind: 'startup' }, now);
      this.singles.set(name, t.state);
      this.perform(name, t.actions);
    }
    for (const [gname, g] of this.groups) {
      if (!g.members.some((m) => added.includes(m.params.name)) || g.state !== 'INIT') continue;
      const members = g.members.map((m) => {
        const v = this.verdictOf(this.unit(m.params.name));
        return { ...m, effectivePriority: v.effectivePriority, isFaulted: v.isFault };
      });
      const t = startGroup({ ...g, members }, now);
      this.groups.set(gname, t.group);
      this.performGroup(t.actions);
    }
    this.rearm();
    return summary;
  }

  /** A reload removed (or restarts) the instance: keepalived's deletion path. */
  private removeInstance(name: string, st: InstanceState, isRestart: boolean): void {
    const u = this.units.get(name);
    if (u === undefined) return;
    if (st.state === 'MASTER') {
      this.sendAdvert(u, 0);
      this.ports.log('detail', `(${name}) sent 0 priority`);
      this.ports.log('info', `(${name}) removing VIPs.`);
      this.ports.setVips(name, false);
    }
    if (!isRestart) this.ports.notifyInstance(name, 'DELETED', st.effectivePriority);
    this.ports.onTransition?.(name, st.state, 'STOP', 'reload');
  }

  private replaceState(name: string, f: (s: InstanceState) => InstanceState): void {
    const single = this.singles.get(name);
    if (single !== undefined) {
      this.singles.set(name, f(single));
      return;
    }
    const gname = this.units.get(name)?.group;
    const g = gname === undefined ? undefined : this.groups.get(gname);
    if (g === undefined || gname === undefined) return;
    this.groups.set(gname, { ...g, members: g.members.map((m) => (m.params.name === name ? f(m) : m)) });
  }

  // ---- internals ----------------------------------------------------------------------

  private unit(name: string): Unit {
    const u = this.units.get(name);
    if (u === undefined) throw new Error(`unknown instance ${name}`);
    return u;
  }

  private verdictOf(u: Unit): TrackVerdict {
    const tracks: TrackedObject[] = u.specs.map((spec) => {
      const status = this.trackStatus.get(trackKey(spec.kind, spec.name)) ?? defaultStatus(spec.kind);
      return { ...status, name: spec.name, weight: spec.weight, reverse: spec.reverse } as TrackedObject;
    });
    const v = effectivePriority({ basePriority: u.config.basePriority, tracks });
    const arbiter = u.config.splitBrain.arbiter;
    return arbiter !== undefined && this.isolatedArbiters.has(arbiter) ? { ...v, isFault: true } : v;
  }

  private logInitFault(name: string, v: TrackVerdict): void {
    for (const r of v.faultReasons) {
      const line = initFaultLogLine(name, r);
      if (line !== undefined) this.ports.log('info', line);
    }
  }

  private dispatch(name: string, e: VrrpEvent): void {
    const now = this.ports.nowUs();
    const single = this.singles.get(name);
    if (single !== undefined) {
      const t = step(single, e, now);
      this.singles.set(name, t.state);
      this.perform(name, t.actions);
      return;
    }
    const gname = this.units.get(name)?.group;
    const g = gname === undefined ? undefined : this.groups.get(gname);
    if (g === undefined || gname === undefined) return;
    const t = stepGroup(g, name, e, now);
    this.groups.set(gname, t.group);
    this.performGroup(t.actions);
  }

  private rearm(): void {
    if (this.stopped) return this.ports.wakeAt(undefined);
    let min: number | undefined;
    for (const s of this.singles.values()) {
      const d = nextDeadlineUs(s);
      if (d !== undefined && (min === undefined || d < min)) min = d;
    }
    for (const g of this.groups.values()) {
      const d = nextGroupDeadline(g)?.atUs;
      if (d !== undefined && (min === undefined || d < min)) min = d;
    }
    this.ports.wakeAt(min);
  }

  private performGroup(actions: readonly GroupAction[]): void {
    for (const a of actions) {
      if (a.kind === 'member') this.perform(a.member, [a.action]);
      else if (a.kind === 'log') this.ports.log(a.level, a.text);
      else this.ports.notifyGroup(a.group, a.state);
    }
  }

  private perform(name: string, actions: readonly Action[]): void {
    const u = this.unit(name);
    for (const a of actions) {
      switch (a.kind) {
        case 'send_advert':
          this.sendAdvert(u, a.priority);
          break;
        case 'add_vips':
          this.ports.setVips(name, true);
          break;
        case 'remove_vips':
          this.ports.setVips(name, false);
          break;
        case 'send_garp':
          this.ports.sendGarp(name, a.count);
          break;
        case 'notify':
          this.ports.notifyInstance(name, a.state, a.priority);
          break;
        case 'transition':
          bump(u.counters.transitionsByReason, a.reason);
          if (a.to === 'MASTER') u.counters.becameMaster++;
          if (a.from === 'MASTER') u.counters.releasedMaster++;
          this.ports.onTransition?.(name, a.from, a.to, a.reason);
          break;
        case 'log':
          this.ports.log(a.level, a.text);
          break;
        case 'request_takeover':
          this.ports.requestTakeover?.(name);
          break;
        case 'split_brain':
          u.counters.splitBrains++;
          this.ports.onSplitBrain?.(name, a.peer, a.peerPriority);
          break;
      }
    }
  }

  /**
   * keepalived-ts heartbeat paths: an advert arrived on `path`. Any other path that has been
   * silent for a whole Master_Down_Interval while this one delivers is reported DOWN (the
   * alert comes before it matters: the instance is still fed by the working path).
   */
  private watchPaths(u: Unit, path: PathUnit, nowUs: number): void {
    const name = u.config.name;
    const st = this.stateOf(name);
    const silentLimitUs = st === undefined ? 0 : masterDownUs(st);
    for (const p of u.paths) {
      let w = u.watch.get(p.label);
      if (w === undefined) {
        w = { lastAdvertUs: undefined, isUp: undefined };
        u.watch.set(p.label, w);
      }
      if (p === path) {
        w.lastAdvertUs = nowUs;
        if (w.isUp !== true) {
          if (w.isUp === false) this.ports.log('info', `(${name}) heartbeat path ${p.label} is UP again`);
          w.isUp = true;
          this.ports.onPathHealth?.(name, p.label, true);
        }
        continue;
      }
      const since = w.lastAdvertUs ?? u.listeningSinceUs ?? nowUs;
      if (w.isUp !== false && nowUs - since > silentLimitUs) {
        w.isUp = false;
        const ms = Math.round((nowUs - since) / 1000);
        this.ports.log('info', `(${name}) heartbeat path ${p.label} is DOWN: no advert for ${ms} ms while ${path.label} delivers`);
        this.ports.onPathHealth?.(name, p.label, false);
      }
    }
  }

  private sendAdvert(u: Unit, priority: number): void {
    const advert = advertFromConfig(u.config, priority);
    // keepalived-ts: every heartbeat path carries the same advert (its own source address,
    // so the v3 checksum's pseudo-header is right on each).
    for (const path of u.paths) {
      const source = parseIp(path.source);
      if (source === undefined) continue;
      for (const dest of path.destinations) {
        const destination = parseIp(dest);
        if (destination === undefined) continue;
        this.ports.sendAdvert(u.config.name, encodeAdvert(advert, { source, destination }), dest, path.socket.key);
      }
    }
    u.counters.advertsSent++;
    if (priority === 0) u.counters.priorityZeroSent++;
  }
}

/** Before a tracker reports: interfaces up, scripts unknown, files 0. */
function defaultStatus(kind: TrackSpec['kind']): TrackStatus {
  switch (kind) {
    case 'interface':
      return { kind, isUp: true };
    case 'script':
      return { kind, result: 'unknown' };
    case 'file':
      return { kind, value: 0 };
    case 'process':
      return { kind, hasQuorum: true };
    case 'bfd':
      return { kind, isUp: true };
  }
}

