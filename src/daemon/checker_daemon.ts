/**
 * The checker daemon (shell): keepalived's checker process. It runs the pure checker
 * engine (check/check_engine.ts) on a clock, carries out its probes (check/probes/), its
 * notifications (scripts, FIFO lines, mails through the Notifier) and, after every change,
 * reconciles the kernel's L4 load balancer (lvs/reconcile.ts → nftables or IPVS backend)
 * with the engine's desired data plane.
 *
 * Runs in its own process (daemon/process_supervisor.ts), so a slow check, TLS or garbage
 * collection here never delays a VRRP advert.
 */
import { widenPingGroupRange } from '../net/ping_group_range.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { Checker, SslConfig } from '../config/model/lvs.js';
import {
  desiredDataPlane,
  engineCheckerDeadlineUs,
  engineStart,
  engineStepMany,
  engineStop,
  engineTimers,
  initialEngineState,
  type CheckEngineState,
  type EngineAction,
  type EngineEvent,
  type EngineTransition,
} from '../check/check_engine.js';
import { DeadlineQueue } from '../check/deadline_queue.js';
import { planChecks, type CheckPlan } from '../check/checker_plan.js';
import { engineReload } from '../check/engine_reload.js';
import type { ProbeResult } from '../check/probes/probe_result.js';
import { probeTcp } from '../check/probes/tcp.js';
import { TcpCheckLane } from '../check/probes/tcp_lane.js';
import { probeHttp, probeHttpUrl } from '../check/probes/http.js';
import { probeSmtp } from '../check/probes/smtp.js';
import { probeDns } from '../check/probes/dns.js';
import { probeUdp } from '../check/probes/udp.js';
import { probePing } from '../check/probes/ping.js';
import { reconcile } from '../lvs/reconcile.js';
import type { LvsBackend } from '../lvs/backend.js';
import { openLvsBackend } from '../lvs/ipvs.js';
import { Notifier } from './notifier.js';
import { startStatusReporter, type StatusReporter } from './status/ipc.js';
import { buildCheckerSnapshot } from './status/snapshot.js';
import { runChildDaemon } from './process_supervisor.js';
import { runAsOf, runCommand } from './script_runner.js';
import { FileTracker } from '../vrrp/file_tracker.js';
import { networkInterfaces } from 'node:os';
import { formatIp, parseIp } from '../lib/ip.js';
import { loadNative } from '../net/native.js';
import { NetlinkMonitor } from '../net/netlink/rtnl.js';
import { RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR } from '../net/netlink/codec.js';

/**
 * The desired plane is reconciled when it changes; besides, every REPAIR_INTERVAL_MS the
 * kernel is compared with it again, so someone else's edits are repaired.
 */
export const REPAIR_INTERVAL_MS = 5_000;
/** Least time between two callbacks of the engine's timer (see rearm). */
const TIMER_SPACING_MS = 5;
/** Probes started per event-loop turn at most (see drainProbeQueue). */
const PROBE_STARTS_PER_TURN = 200;
/** ha_suspend without a netlink monitor: how often the local addresses are polled. */
const ADDRESS_POLL_MS = 1_000;

/** The normalised addresses configured on this host (getifaddrs). */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      const ip = parseIp(a.address.split('%')[0] ?? '');
      if (ip !== undefined) out.add(formatIp(ip));
    }
  }
  return out;
}

export interface CheckerDaemonOptions {
  readonly config: KeepalivedConfig;
  readonly log: (line: string) => void;
  /** keepalived -I (--dont-release-ipvs): leave the data plane in place on stop. */
  readonly dontReleaseIpvs: boolean;
  /** Parses the configuration again (SIGHUP); undefined when it cannot be used. */
  readonly reloadConfig?: () => KeepalivedConfig | undefined;
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export class CheckerDaemon {
  /** The running configuration, its plan and the engine's state: swapped together on reload. */
  private config: KeepalivedConfig;
  private plan: CheckPlan;
  private state: CheckEngineState;
  private readonly notifier: Notifier;
  private backend: LvsBackend | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (monotonic µs; Infinity: not armed), and when one last fired. */
  private timerAtUs = Infinity;
  private lastTimerUs = -Infinity;
  /** Every checker's deadline, kept in step with the engine's state by apply(). */
  private readonly deadlines = new DeadlineQueue();
  private stopped = false;
  private restorePingRange: (() => void) | undefined;
  /** TCP_CHECK's batch path (undefined: the addon has no prober, probeTcp is used). */
  private tcpLane: TcpCheckLane | undefined;
  /** Probes in flight, by checker id: a late result after stop is ignored. */
  private readonly inFlight = new Map<number, AbortController>();
  private readonly fileTrackers: FileTracker[] = [];
  /** Data-plane reconciliations run one at a time; the latest desired state wins. */
  private syncing: Promise<void> = Promise.resolve();
  private syncQueued = false;
  /** JSON of the desired plane last handed to the reconciler (undefined: sync again). */
  private lastDesired: string | undefined;
  private readonly pending: EngineEvent[] = [];
  /** run_probe actions not started yet (drainProbeQueue). */
  private readonly probeQueue: Extract<EngineAction, { kind: 'run_probe' }>[] = [];
  private drainScheduled = false;
  private flushScheduled = false;
  private repairTimer: NodeJS.Timeout | undefined;
  /** ha_suspend: the normalised address of each such virtual server, by index. */
  private readonly suspendable = new Map<number, string>();
  private readonly vipPresent = new Map<number, boolean>();
  private monitor: NetlinkMonitor | undefined;
  private addressPoll: NodeJS.Timeout | undefined;

  private reporter: StatusReporter | undefined;
  /** The last completed probe of each checker, for the status listener. */
  private readonly lastProbe = new Map<number, { readonly durationMs: number; readonly ok: boolean }>();

  constructor(private readonly o: CheckerDaemonOptions) {
    this.config = o.config;
    this.plan = planChecks(o.config.lvs, o.config.global);
    this.state = initialEngineState(this.plan);
    const g = o.config.global;
    this.notifier = new Notifier({ global: { ...g, vrrpNotifyFifo: g.lvsNotifyFifo }, log: (l) => o.log(l) });
  }

  async start(): Promise<string | undefined> {
    try {
      this.backend = openLvsBackend({});
    } catch (e) {
      return `cannot open the load-balancer backend: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.o.log(`Using the ${this.backend.kind === 'ipvs' ? 'IPVS' : 'nftables'} data plane`);
    await this.notifier.open();
    // keepalived-compat: PING_CHECK widens net.ipv4.ping_group_range while it runs.
    if (this.plan.checkers.some((c) => c.config.type === 'PING_CHECK')) {
      this.restorePingRange = widenPingGroupRange((l) => this.o.log(l));
    }
    this.openTcpLane();
    this.startFileChecks();
    this.startAddressWatch();
    this.apply(
      engineStart(this.plan, this.state, {
        nowUs: monotonicUs(),
        random: Math.random,
        vipPresent: (v) => this.vipPresent.get(v) ?? true,
      }),
    );
    this.startStatusReporter();
    this.repairTimer = setInterval(() => {
      this.lastDesired = undefined;
      this.requestSync();
    }, REPAIR_INTERVAL_MS);
    return undefined;
  }

  /** TCP_CHECK results from the lane become engine events, as probeFor's would. */
  private openTcpLane(): void {
    if (this.tcpLane !== undefined || !this.plan.checkers.some((c) => c.config.type === 'TCP_CHECK')) return;
    try {
      this.tcpLane = TcpCheckLane.open((checkerId, ok, timedOut, durationMs) => {
        this.lastProbe.set(checkerId, { durationMs, ok });
        this.step({ kind: 'checker', checkerId, event: ok ? TCP_OK : timedOut ? TCP_TIMEOUT : TCP_FAILED });
      });
    } catch (e) {
      // No addon at all: probeTcp falls back to node:net and warns once.
      this.o.log(`TCP_CHECK: no native prober (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  /**
   * ha_suspend (check_daemon.c kernel_netlink + update_checker_activity): a virtual
   * server's checkers run only while its address is configured here. Address events
   * from rtnetlink trigger a re-read of the local addresses (polled when netlink fails).
   */
  private startAddressWatch(): void {
    this.stopAddressWatch();
    this.plan.virtualServers.forEach((pv, v) => {
      const key = pv.config.key;
      if (!pv.config.haSuspend || key.kind !== 'address') return;
      const ip = parseIp(key.address.address);
      if (ip !== undefined) this.suspendable.set(v, formatIp(ip));
    });
    if (this.suspendable.size === 0) return;
    this.refreshVipPresence(false);
    try {
      this.monitor = new NetlinkMonitor(loadNative(), { groups: RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR }, () =>
        this.refreshVipPresence(true),
      );
      const err = this.monitor.start();
      if (err !== 0) throw new Error(`errno ${err}`);
    } catch (e) {
      this.monitor = undefined;
      this.o.log(`ha_suspend: no netlink address events (${e instanceof Error ? e.message : String(e)}); polling`);
      this.addressPoll = setInterval(() => this.refreshVipPresence(true), ADDRESS_POLL_MS);
    }
  }

  private stopAddressWatch(): void {
    this.monitor?.stop();
    this.monitor = undefined;
    if (this.addressPoll !== undefined) clearInterval(this.addressPoll);
    this.addressPoll = undefined;
    this.suspendable.clear();
    this.vipPresent.clear();
  }

  private refreshVipPresence(notify: boolean): void {
    if (this.stopped) return;
    const local = localAddresses();
    for (const [v, address] of this.suspendable) {
      const present = local.has(address);
      const was = this.vipPresent.get(v);
      this.vipPresent.set(v, present);
      if (notify && was !== present) this.step({ kind: 'vip_presence', virtualServer: v, present });
    }
  }

  /**
   * SIGHUP: keepalived's reload as a diff (check/engine_reload.ts). Kept virtual and real
   * servers keep their state and their kernel entries; only what changed is written to the
   * data plane (requestSync reconciles the new desired plane, and an unchanged one is not
   * written at all). A configuration that cannot be used is refused and the running one kept.
   */
  reload(): void {
    this.o.log('Reloading');
    const next = this.o.reloadConfig?.();
    if (next === undefined) {
      this.o.log('Reload failed: the configuration cannot be used; keeping the running configuration');
      return;
    }
    if (this.stopped) return;
    const oldPlan = this.plan;
    const oldState = this.state;
    const oldConfig = this.config;
    const plan = planChecks(next.lvs, next.global);
    // keepalived-compat: reload_check_thread cancels every running check (thread_cleanup_master)
    // and stops the track files; results still on their way belong to the old checker ids.
    for (const c of this.inFlight.values()) c.abort();
    this.inFlight.clear();
    this.tcpLane?.cancelAll();
    this.pending.length = 0;
    this.probeQueue.length = 0; // ids of the old plan
    for (const f of this.fileTrackers) f.stop();
    this.fileTrackers.length = 0;
    this.config = next;
    this.plan = plan;
    // ha_suspend: the maps are by virtual-server index, which the new plan renumbers.
    this.startAddressWatch();
    const t = engineReload(oldPlan, oldState, plan, {
      nowUs: monotonicUs(),
      random: Math.random,
      vipPresent: (v) => this.vipPresent.get(v) ?? true,
      groups: { old: oldConfig.lvs.virtualServerGroups, new: next.lvs.virtualServerGroups },
    });
    const lastProbe = new Map(this.lastProbe);
    this.lastProbe.clear();
    t.checkerFrom.forEach((from, id) => {
      const p = from === undefined ? undefined : lastProbe.get(from);
      if (p !== undefined) this.lastProbe.set(id, p);
    });
    if (this.restorePingRange === undefined && plan.checkers.some((c) => c.config.type === 'PING_CHECK')) {
      this.restorePingRange = widenPingGroupRange((l) => this.o.log(l));
    }
    this.openTcpLane();
    this.apply(t);
    this.startFileChecks();
    this.reporter?.poke();
    this.o.log('Reload complete');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.reporter?.stop();
    // keepalived-compat: with -I (--dont-release-ipvs) checker_terminate_phase1 skips
    // clear_services altogether: no "Shutting down service" lines, no omega notifies and
    // the kernel keeps the services (so no reconciliation towards an empty plane either).
    if (!this.o.dontReleaseIpvs) this.apply(engineStop(this.plan, this.state));
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.repairTimer !== undefined) clearInterval(this.repairTimer);
    this.stopAddressWatch();
    for (const c of this.inFlight.values()) c.abort();
    this.tcpLane?.close();
    for (const f of this.fileTrackers) f.stop();
    await this.syncing;
    if (this.backend !== undefined && !this.o.dontReleaseIpvs) await this.backend.clear();
    this.backend?.close?.();
    await this.notifier.close();
    this.restorePingRange?.();
  }

  /** Current desired data plane (for `keepalived-ts lvs`-style listings and tests). */
  desired() {
    return desiredDataPlane(this.plan, this.state);
  }

  /**
   * Events (probe results above all) are applied in batches, once per turn of the event
   * loop: with thousands of real servers, one engine step and one deadline scan per
   * result saturated the process (bench/RESULTS.md, checker CPU).
   */
  private step(e: EngineEvent): void {
    if (this.stopped) return;
    this.pending.push(e);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.pending.splice(0);
      if (this.stopped || batch.length === 0) return;
      // A batch of checker events moves only those checkers' deadlines (apply).
      const touched: number[] = [];
      for (const e of batch) {
        if (e.kind !== 'checker') {
          this.apply(engineStepMany(this.plan, this.state, batch, monotonicUs()));
          return;
        }
        touched.push(e.checkerId);
      }
      this.apply(engineStepMany(this.plan, this.state, batch, monotonicUs()), touched);
    });
  }

  /** Snapshots to the parent (its status listener): on every change, every 10 s, alive every second. */
  private startStatusReporter(): void {
    if (process.send === undefined) return;
    this.reporter = startStatusReporter({
      send: (m) => process.send?.(m),
      build: () =>
        buildCheckerSnapshot(this.plan, this.state, {
          atMs: Date.now(),
          lastProbe: (id) => this.lastProbe.get(id),
          notify: this.notifier.counters(),
        }),
      // Every change of a real server's state pokes a snapshot at once (apply()); the
      // periodic one only refreshes the last probe times. It grows with the real servers
      // (about 1 MB of JSON at 5,000; perf: about a microsecond per check of the checker's CPU
      // at one every 2 s): every 10 s, with an alive message each second between, which keeps the
      // child fresh for the parent (5 s staleness limit).
      intervalMs: 1_000,
      fullIntervalMs: 10_000,
      onError: (e) => this.o.log(`status report: ${e instanceof Error ? e.message : String(e)}`),
    });
  }

  /**
   * `touched`: the only checkers whose deadlines the transition may have moved (a batch of
   * their events, or the timer firing them); only those are re-read into the deadline
   * index. Without it every deadline is re-read (start, reload, ha_suspend).
   */
  private apply(t: EngineTransition, touched?: readonly number[]): void {
    const before = this.state;
    this.state = t.state;
    for (const a of t.actions) this.perform(a);
    // The data plane follows the virtual servers' state only (most events just move a
    // checker's deadline); requestSync compares the planes once per batch.
    if (before.virtualServers !== t.state.virtualServers) {
      this.requestSync();
      this.reporter?.poke();
    }
    const state = this.state;
    if (touched === undefined) this.deadlines.rebuild(state.checkers.length, (id) => engineCheckerDeadlineUs(state, id));
    else for (const id of touched) this.deadlines.set(id, engineCheckerDeadlineUs(state, id));
    this.rearm();
  }

  private perform(a: EngineAction): void {
    switch (a.kind) {
      case 'log':
        this.o.log(a.text);
        return;
      case 'run_probe':
        this.probeQueue.push(a);
        this.drainProbeQueue();
        return;
      default:
        this.notifier.notifyPrepared(a, Date.now());
    }
  }

  /**
   * Starts queued probes, at most PROBE_STARTS_PER_TURN per event-loop turn. Checkers whose
   * results arrived in one batch share a deadline, and at 5,000 real servers thousands fall
   * due in one timer callback; starting them all at once held every completion back until
   * the callback ended (147 ms on average, bench/RESULTS.md), and that lag lengthened each
   * checker's period (delay_loop runs from the result, as in keepalived). In slices, the
   * completions are read between them.
   */
  private drainProbeQueue(): void {
    if (this.drainScheduled) return;
    const q = this.probeQueue;
    const end = Math.min(q.length, PROBE_STARTS_PER_TURN);
    // One splice per slice (shift() per element would move the whole array each time).
    for (const a of q.splice(0, end)) {
      if (this.stopped) break;
      this.runProbe(a.checkerId, a.timeoutUs);
    }
    if (q.length > 0 && !this.stopped) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.drainProbeQueue();
      });
    }
  }

  /**
   * Arms the engine's single timer for the earliest deadline in the index; a timer already
   * armed for that time or earlier stays (it may then fire with nothing due, and re-arm).
   * Timer callbacks are at least TIMER_SPACING_MS apart: with 1,000 evenly spread checkers a
   * callback per millisecond was most of the checker's JS time (bench/RESULTS.md, "Checker
   * CPU"); a probe starts at most that much late.
   */
  private rearm(): void {
    if (this.stopped) return;
    const at = this.deadlines.nextUs();
    if (at === undefined) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAtUs = Infinity;
      return;
    }
    const fireAt = Math.max(at, this.lastTimerUs + TIMER_SPACING_MS * 1000);
    if (this.timer !== undefined && this.timerAtUs <= fireAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAtUs = fireAt;
    const delayMs = Math.max(0, Math.ceil((fireAt - monotonicUs()) / 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAtUs = Infinity;
      if (this.stopped) return;
      const now = monotonicUs();
      this.lastTimerUs = now;
      const due = this.deadlines.takeDue(now);
      this.apply(engineTimers(this.plan, this.state, now, due), due);
    }, delayMs);
  }

  private runProbe(checkerId: number, timeoutUs: number): void {
    const planned = this.plan.checkers[checkerId];
    if (planned === undefined) return;
    const c = planned.config;
    // A lane checker has no AbortController in inFlight: a checker's type is fixed within a
    // plan, and a reload clears inFlight.
    if (c.type === 'TCP_CHECK' && this.tcpLane !== undefined) {
      this.tcpLane.start(checkerId, c.connection);
      return;
    }
    this.inFlight.get(checkerId)?.abort();
    const controller = new AbortController();
    this.inFlight.set(checkerId, controller);
    if (c.type === 'MISC_CHECK') {
      const ids = runAsOf(c.script, this.config.global.defaultScriptUser);
      void runCommand(c.script, {
        timeoutMs: timeoutUs / 1000,
        signal: controller.signal,
        ...(ids === undefined ? {} : { uid: ids.uid, gid: ids.gid }),
      }).then((r) => {
        if (this.inFlight.get(checkerId) !== controller) return;
        this.inFlight.delete(checkerId);
        if (r.spawnError !== undefined) {
          this.step({ kind: 'checker', checkerId, event: { kind: 'script_exited', status: 127 } });
        } else if (r.signalNumber !== undefined && r.signalNumber !== null && r.exitCode === null) {
          this.step({ kind: 'checker', checkerId, event: { kind: 'script_killed', signal: r.signalNumber, timedOut: r.timedOut } });
        } else {
          this.step({ kind: 'checker', checkerId, event: { kind: 'script_exited', status: r.exitCode ?? 0 } });
        }
      });
      return;
    }
    const http = { urlIndex: this.state.checkers[checkerId]?.timed?.urlIndex, ssl: this.config.lvs.ssl, log: this.o.log };
    void probeFor(c, controller.signal, http).then((r) => {
      // A probe of a checker that a reload replaced (or of a stopped daemon) is dropped.
      if (this.inFlight.get(checkerId) !== controller) return;
      this.inFlight.delete(checkerId);
      this.lastProbe.set(checkerId, { durationMs: r.durationMs, ok: r.ok });
      this.step({ kind: 'checker', checkerId, event: probeEvent(c, r) });
    });
  }

  /** FILE_CHECK: a track_file's value decides (weight 0: non-zero is down). */
  private startFileChecks(): void {
    for (const planned of this.plan.checkers) {
      const c = planned.config;
      if (c.type !== 'FILE_CHECK') continue;
      const tf = this.config.vrrp.trackFiles.find((f) => f.name === c.trackFile);
      if (tf === undefined) continue;
      const weight = c.weight ?? tf.weight;
      const reverse = c.reverse;
      const verdict = (value: number): boolean => {
        if (weight === 0) return reverse ? value !== 0 : value === 0;
        return true;
      };
      // A tracker a reload stopped reports nothing more (its checker id is the old plan's).
      const live = (): boolean => this.fileTrackers.includes(t);
      const t: FileTracker = new FileTracker({
        file: tf,
        log: (l) => this.o.log(l),
        onValue: (_n, value) => {
          if (live()) this.step({ kind: 'external_state', checkerId: planned.id, up: verdict(value) });
        },
      });
      this.fileTrackers.push(t);
      void t.start().then(() => {
        if (live()) this.step({ kind: 'external_state', checkerId: planned.id, up: verdict(t.value) });
      });
    }
  }

  /** Reconcile the kernel with the engine's desired plane; coalesces bursts of changes. */
  private requestSync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    this.syncing = this.syncing.then(async () => {
      this.syncQueued = false;
      const backend = this.backend;
      if (backend === undefined) return;
      const desired = desiredDataPlane(this.plan, this.state);
      const text = JSON.stringify(desired);
      if (text === this.lastDesired) return;
      this.lastDesired = text;
      try {
        const observed = await backend.observe();
        const changes = reconcile(desired, observed);
        if (changes.length === 0) return;
        const r = await backend.apply(changes, desired);
        for (const e of r.errors) this.o.log(`Data plane: ${e}`);
        if (r.errors.length > 0 && this.lastDesired === text) this.lastDesired = undefined; // retry on the next change
      } catch (e) {
        this.o.log(`Data plane: ${e instanceof Error ? e.message : String(e)}`);
        if (this.lastDesired === text) this.lastDesired = undefined;
      }
    });
  }

  /**
   * keepalived's USR1 (DATA): keepalived_check.data (check_print.c check_print_data).
   * The dump code is imported here so this method stays the daemon's only tie to it.
   */
  async writeData(): Promise<void> {
    const [{ formatCheckData }, { dumpFilePath, writeDumpFile }] = await Promise.all([
      import('../check/data_dump.js'),
      import('./process_supervisor.js'),
    ]);
    this.o.log(`Printing checker data for process(${process.pid}) on signal`);
    const global = this.config.global;
    const text = formatCheckData({
      global,
      virtualServers: this.plan.virtualServers.map((v) => v.config),
      checkers: this.plan.checkers,
      engine: this.state,
    });
    const problem = writeDumpFile(dumpFilePath('keepalived_check.data', global), text);
    if (problem !== undefined) this.o.log(problem);
  }
}

async function probeFor(
  c: Exclude<Checker, { type: 'MISC_CHECK' }>,
  signal: AbortSignal,
  http: { readonly urlIndex: number | undefined; readonly ssl: SslConfig | undefined; readonly log: (l: string) => void },
): Promise<ProbeResult> {
  switch (c.type) {
    case 'TCP_CHECK':
      return probeTcp(c, { signal });
    case 'HTTP_GET':
    case 'SSL_GET':
    {
      // One url per probe, the one the checker state machine is at (check_http.c url_it).
      const url = http.urlIndex === undefined ? undefined : c.urls[http.urlIndex];
      const o = { signal, ssl: http.ssl, log: http.log };
      return url === undefined ? probeHttp(c, o) : probeHttpUrl(c, url, o);
    }
    case 'SMTP_CHECK':
      return probeSmtp(c, { signal });
    case 'DNS_CHECK':
      return probeDns(c, { signal });
    case 'UDP_CHECK':
      return probeUdp(c, { signal });
    case 'PING_CHECK':
      return probePing(c, { signal });
    case 'FILE_CHECK':
    case 'BFD_CHECK':
      return { ok: false, reason: 'internal_error', detail: `${c.type} has no probe`, durationMs: 0 };
  }
}

/** TCP_CHECK's three outcomes as probeEvent gives them (shared: events are read-only). */
const TCP_OK = { kind: 'probe_result', ok: true } as const;
const TCP_TIMEOUT = { kind: 'probe_result', ok: false, detail: 'timeout' } as const;
const TCP_FAILED = { kind: 'probe_result', ok: false, detail: 'failed' } as const;

/** The engine's probe_result: TCP_CHECK wants `timeout` vs anything else in `detail`. */
function probeEvent(c: Checker, r: ProbeResult): { kind: 'probe_result'; ok: boolean; detail?: string } {
  if (r.ok) return { kind: 'probe_result', ok: true };
  if (c.type === 'TCP_CHECK') {
    return { kind: 'probe_result', ok: false, detail: r.reason === 'connect_timeout' || r.reason === 'timeout' ? 'timeout' : 'failed' };
  }
  return { kind: 'probe_result', ok: false, detail: r.detail };
}

/** Run the checker daemon until SIGTERM/SIGINT. Resolves with the exit status. */
export async function runCheckerDaemon(o: CheckerDaemonOptions): Promise<number> {
  const daemon = new CheckerDaemon(o);
  // keepalived's DATA signal, sent on by the parent (main.c propagate_signal).
  return runChildDaemon(daemon, o.log, { SIGUSR1: () => void daemon.writeData() });
}

