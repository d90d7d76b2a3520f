/**
 * The VRRP daemon (shell): runs the configured vrrp_instances on this host.
 *
 * It resolves the host facts (interface indexes, MACs, addresses) over rtnetlink, opens
 * one VRRP socket per interface, family and mode, and gives the runtime (vrrp/runtime.ts)
 * ports backed by those sockets, the VIP manager (net/vip.ts), the GARP/NA sender
 * (net/garp.ts) and the notifier. Trackers feed statuses to the runtime: interfaces from a
 * netlink subscription, vrrp_script from ScriptTracker, track_file from FileTracker.
 *
 * keepalived runs this in its VRRP child process; until the parent/child split lands
 * (issue 6) it runs in the process that parsed the config.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { IpAddressEntry, VrrpInstance } from '../config/model/vrrp.js';
import { isIpv6LinkLocal, parseIp } from '../lib/ip.js';
import { loadNative, type NativeBinding } from '../net/native.js';
import { openVrrpSocket, type VrrpSocket } from '../net/vrrp_socket.js';
import { openGarpSender, type GarpSender } from '../net/garp.js';
import { NetlinkMonitor, RtnlClient, type MonitorEvent } from '../net/netlink/rtnl.js';
import type { AddressInfo, LinkInfo } from '../net/netlink/codec.js';
import { VipManager, type ChangeResult, type InterfaceResolver } from '../net/vip.js';
import { VrrpRuntime, socketSpecsFor, type VrrpPorts } from '../vrrp/runtime.js';
import { splitBrainNotify } from '../vrrp/notify_format.js';
import { SplitBrainGuard } from '../arbiter/split_brain_guard.js';
import { ScriptTracker } from '../vrrp/script_tracker.js';
import { FileTracker } from '../vrrp/file_tracker.js';
import { Notifier } from './notifier.js';
import { SIGNAL_JSON, SIGNAL_STATS_CLEAR } from './command_line.js';
import {
  RESUME_MASTERS_ENV,
  dumpDirectory,
  dumpFilePath,
  runChildDaemon,
  writeDumpFile,
} from './process_supervisor.js';
import { formatVrrpData, type InstanceDumpView } from '../vrrp/data_dump.js';
import { formatJsonDump } from '../vrrp/json_dump.js';
import { masterDownUs } from '../vrrp/instance.js';
import { vrrpProcessScheduling } from './process_priority.js';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { formatStatsFile, type InstanceStatsView } from '../vrrp/stats_format.js';
import { runAsOf } from './script_runner.js';
import { startStatusReporter, type StatusReporter } from './status/ipc.js';
import { buildVrrpSnapshot } from './status/snapshot.js';
import type { ScriptTrackResult } from '../vrrp/track.js';

export interface VrrpDaemonOptions {
  readonly config: KeepalivedConfig;
  /** Parses the configuration again (SIGHUP); undefined when it cannot be used. */
  readonly reloadConfig?: () => KeepalivedConfig | undefined;
  /** keepalived -D: print `detail` lines too. */
  readonly logDetail: boolean;
  /** keepalived -V (--dont-release-vrrp): leave VIPs in place on stop. */
  readonly dontReleaseVrrp: boolean;
  /** keepalived -X (--release-vips): leaving MASTER deletes the VIPs even when not recorded as set. */
  readonly releaseVips?: boolean;
  readonly log: (line: string) => void;
}

interface Link {
  readonly index: number;
  readonly name: string;
  readonly mac: Uint8Array;
  isUp: boolean;
}

function macBytes(text: string | undefined): Uint8Array {
  if (text === undefined) return new Uint8Array(6);
  return Uint8Array.from(text.split(':').map((h) => parseInt(h, 16) || 0));
}

/** keepalived treats an interface as up when it is administratively up and running. */
function linkIsUp(l: LinkInfo): boolean {
  return l.isUp && l.isRunning;
}

/** Linux SCHED_RR (sched.h). */
const SCHED_RR = 2;

/** How close to a deadline the daemon stops sleeping and polls the clock. */
const SPIN_WINDOW_MS = 1.5;

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export class VrrpDaemon {
  private readonly native: NativeBinding;
  private readonly rtnl: RtnlClient;
  private monitor: NetlinkMonitor | undefined;
  private readonly vipManager: VipManager;
  private garp: GarpSender | undefined;
  private readonly notifier: Notifier;
  private readonly sockets = new Map<string, VrrpSocket>();
  private readonly links = new Map<string, Link>();
  private readonly addresses: AddressInfo[] = [];
  private readonly fileTrackers: FileTracker[] = [];
  private runtime: VrrpRuntime | undefined;
  /** keepalived-ts split-brain protection (arbiters, witness, fencing); undefined if unused. */
  private guard: SplitBrainGuard | undefined;
  private reporter: StatusReporter | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** VIP changes run in order per instance (add, then GARP, then remove …). */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly vipsWanted = new Map<string, boolean>();
  private readonly instances = new Map<string, VrrpInstance>();

  /** The configuration in force (replaced by a reload). */
  private config: KeepalivedConfig;
  /** vrrp_script trackers by name, with the definition they run. */
  private readonly scriptTrackerByName = new Map<string, { tracker: ScriptTracker; key: string }>();

  constructor(private readonly o: VrrpDaemonOptions, native: NativeBinding = loadNative()) {
    this.config = o.config;
    this.native = native;
    this.rtnl = new RtnlClient(native);
    this.vipManager = new VipManager({ request: (m) => this.rtnl.request(m) });
    this.notifier = new Notifier({ global: o.config.global, log: (l) => this.log(l) });
    for (const vi of o.config.vrrp.instances) this.instances.set(vi.name, vi);
  }

  private log(line: string): void {
    this.o.log(line);
  }

  private detail(line: string): void {
    if (this.o.logDetail) this.o.log(line);
  }

  /** Opens everything and starts the instances. Returns an error text when it cannot run. */
  async start(): Promise<string | undefined> {
    this.applyProcessPriority();
    const errno = this.rtnl.open();
    if (errno !== 0) return `cannot open a netlink socket (errno ${errno}): keepalived-ts needs CAP_NET_ADMIN`;
    await this.readHost();
    const g = openGarpSender({ native: this.native });
    if (!g.ok) return `cannot open the gratuitous ARP socket: ${g.error.message} (needs CAP_NET_RAW)`;
    this.garp = g.sender;

    const cfg = this.config;
    const runtime = new VrrpRuntime(this.ports(), cfg.vrrp.instances, cfg.vrrp.syncGroups, (vi) => this.hostFacts(vi));
    this.runtime = runtime;

    for (const vi of cfg.vrrp.instances) {
      if (this.primaryAddress(vi) === undefined) {
        this.log(`(${vi.name}) entering FAULT state (no IPv${vi.family} address for interface)`);
      }
    }
    const problem = this.openSockets(runtime);
    if (problem !== undefined) return problem;

    // A respawned VRRP process: the instances that were MASTER and still have every VIP on
    // their interfaces resume at once (keepalived-ts; keepalived removes them and waits).
    const resume = this.resumableMasters();
    // Start-up: keepalived removes configured VIPs left on the interfaces (a crash).
    for (const vi of cfg.vrrp.instances) {
      if (resume.has(vi.name)) continue;
      await this.vipManager.clearStale([...vi.virtualIpAddresses, ...vi.excludedIpAddresses], this.resolver(vi));
    }
    this.monitor = new NetlinkMonitor(this.native, {}, (e) => this.onNetlink(e));
    const mErr = this.monitor.start();
    if (mErr !== 0) this.log(`Netlink: cannot subscribe to link events (errno ${mErr}); interface tracking is off`);

    for (const t of runtime.trackedObjects()) {
      if (t.kind === 'interface') {
        const l = this.links.get(t.name);
        runtime.setTrackStatus('interface', t.name, { kind: 'interface', isUp: l?.isUp ?? false });
      }
    }
    await this.notifier.open();
    this.startTrackers(runtime);
    this.startGuard(runtime, cfg);
    runtime.start({ resumeMasters: resume });
    this.startStatusReporter();
    return undefined;
  }

  /**
   * keepalived's vrrp_rt_priority (SCHED_RR) or else vrrp_priority (nice), plus our default
   * of a realtime policy for sub-second adverts (daemon/process_priority.ts says why).
   * keepalived also sets RLIMIT_RTTIME (vrrp_rlimit_rttime, 10 ms by default); we do not:
   * a garbage collection in a Node process can run longer than that without a blocking
   * call, and the kernel would then kill the VRRP process with SIGXCPU.
   */
  private applyProcessPriority(): void {
    const raw = (name: string): number | undefined => {
      const k = this.config.global.raw.find((r) => r.keyword === name);
      const v = k === undefined ? undefined : Number(k.args[0]);
      return v !== undefined && Number.isInteger(v) ? v : undefined;
    };
    const intervals = this.config.vrrp.instances.map((i) => i.advertIntervalCs);
    const plan = vrrpProcessScheduling({
      rtPriority: raw('vrrp_rt_priority'),
      nice: raw('vrrp_priority'),
      shortestAdvertIntervalCs: intervals.length === 0 ? undefined : Math.min(...intervals),
    });
    if (plan.kind === 'realtime') {
      const r = this.native.setScheduler(SCHED_RR, plan.priority);
      if (r < 0) this.log(`child process: cannot raise priority (errno ${-r})`);
      else if (plan.why === 'sub_second_advert_int') {
        this.log(
          `keepalived-ts: advert_int below 1 s: the VRRP process runs at realtime priority ${plan.priority} (SCHED_RR) ` +
            'so that checks cannot delay adverts (vrrp_priority 0 keeps normal scheduling)',
        );
      }
    } else if (plan.kind === 'nice') {
      try {
        setPriority(plan.nice);
      } catch (e) {
        this.log(`Unable to set process priority to ${plan.nice} - ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /**
   * keepalived's USR2 (STATS): $TMPDIR/keepalived.stats (vrrp_print.c layout); with
   * `clear` (STATS_CLEAR) the counters are zeroed once written, as vrrp_print_stats(true).
   */
  writeStats(path = join(dumpDirectory(), 'keepalived.stats'), clear = false): void {
    const rt = this.runtime;
    if (rt === undefined) return;
    const problem = writeDumpFile(path, formatStatsFile(this.statsViews(rt)));
    if (problem !== undefined) this.log(problem);
    if (clear) rt.clearCounters();
  }

  private statsViews(rt: VrrpRuntime): InstanceStatsView[] {
    return rt.instanceNames().flatMap((name) => {
      const c = rt.counters(name);
      return c === undefined ? [] : [{ name, ...c }];
    });
  }

  /** Wall-clock µs of each instance's last state change (keepalived's last_transition). */
  private readonly lastTransitionUs = new Map<string, number>();
  private readonly startedAtUs = Date.now() * 1000;

  /** The runtime values the USR1 and JSON dumps show, per instance in configuration order. */
  private dumpViews(rt: VrrpRuntime): InstanceDumpView[] {
    const wallNowUs = Date.now() * 1000;
    const monoNowUs = monotonicUs();
    return rt.instanceNames().flatMap((name): InstanceDumpView[] => {
      const vi = rt.config(name);
      const st = rt.stateOf(name);
      if (vi === undefined || st === undefined) return [];
      const deadlines = [st.masterDownDeadlineUs, st.adverDeadlineUs].filter((d): d is number => d !== undefined);
      const next = deadlines.length === 0 ? undefined : Math.min(...deadlines);
      return [
        {
          config: vi,
          state: st.state,
          wantState: st.wantState,
          effectivePriority: st.effectivePriority,
          masterAddress: st.masterAddress,
          masterAdverIntervalCs: st.masterAdverIntervalCs,
          lastTransitionUs: this.lastTransitionUs.get(name) ?? this.startedAtUs,
          readTimeoutUs: next === undefined ? undefined : wallNowUs + (next - monoNowUs),
          masterDownTimerUs: masterDownUs(st),
          sourceAddress: this.primaryAddress(vi),
          vipSet: this.vipsWanted.get(name) === true,
        },
      ];
    });
  }

  /** keepalived's USR1 (DATA): keepalived.data (vrrp_print.c vrrp_print_data). */
  writeData(): void {
    const rt = this.runtime;
    if (rt === undefined) return;
    this.log(`Printing VRRP data for process(${process.pid}) on signal`);
    const instances = this.dumpViews(rt);
    const text = formatVrrpData({
      global: this.config.global,
      instances,
      syncGroups: rt.groupStates().flatMap((g) => {
        const config = this.config.vrrp.syncGroups.find((x) => x.name === g.name);
        return config === undefined ? [] : [{ config, state: g.state }];
      }),
      scripts: this.config.vrrp.scripts.map((script) => {
        const r = this.scriptTrackerByName.get(script.name)?.tracker.trackResult;
        return {
          config: script,
          isGood: r === 'good' ? true : r === 'bad' ? false : undefined,
          trackedBy: instances.flatMap((i) =>
            i.config.trackScripts.filter((t) => t.name === script.name).map((t) => ({ instance: i.config.name, weight: t.weight, reverse: t.reverse })),
          ),
        };
      }),
      utcOffsetMin: -new Date().getTimezoneOffset(),
    });
    const problem = writeDumpFile(dumpFilePath('keepalived.data', this.config.global), text);
    if (problem !== undefined) this.log(problem);
  }

  /** keepalived's JSON signal: keepalived.json (vrrp_json.c), written atomically. */
  writeJson(path = join(dumpDirectory(), 'keepalived.json')): void {
    const rt = this.runtime;
    if (rt === undefined || rt.instanceNames().length === 0) return;
    const stats = new Map(this.statsViews(rt).map((v) => [v.name, v]));
    const text = formatJsonDump(
      this.dumpViews(rt).flatMap((v) => {
        const s = stats.get(v.config.name);
        if (s === undefined) return [];
        const trackScriptCommands = v.config.trackScripts.flatMap((t) => {
          const cmd = this.config.vrrp.scripts.find((x) => x.name === t.name)?.command;
          return cmd === undefined ? [] : [cmd];
        });
        return [{ ...v, masterPriority: undefined, trackScriptCommands, stats: s }];
      }),
    );
    const problem = writeDumpFile(path, text, true);
    if (problem !== undefined) this.log(problem);
  }

  /** Snapshots to the parent (its status listener), every second and on every transition. */
  private startStatusReporter(): void {
    if (process.send === undefined) return;
    this.reporter = startStatusReporter({
      send: (m) => process.send?.(m),
      build: () => {
        const rt = this.runtime;
        if (rt === undefined) throw new Error('no runtime');
        const present = new Set(this.vipManager.setAddresses().map((p) => p.address));
        return buildVrrpSnapshot(rt, {
          nowUs: monotonicUs(),
          atMs: Date.now(),
          vipPresent: (_i, a) => present.has(a),
          scripts: [...this.scriptTrackerByName.values()].map(({ tracker }) => ({
            name: tracker.name,
            result: scriptViewResult(tracker.trackResult),
          })),
          notify: this.notifier.counters(),
          splitBrain: {
            arbiterOf: (n) => this.instances.get(n)?.splitBrain.arbiter,
            hasWitness: (n) => {
              const a = this.instances.get(n)?.splitBrain.arbiter;
              return this.config.vrrp.arbiters.some((x) => x.name === a && x.witness !== undefined);
            },
            arbiterReachable: (a) => this.guard?.arbiterReachability().find((x) => x.name === a)?.isReachable,
            holdsLease: (n) => this.guard?.statsOf(n)?.holdsLease ?? false,
            lastGateMs: (n) => this.guard?.statsOf(n)?.lastGateMs,
            paths: (n) => rt.pathHealth(n),
          },
        });
      },
      intervalMs: 1_000,
      onError: (e) => this.detail(`status report: ${e instanceof Error ? e.message : String(e)}`),
    });
  }

  /** keepalived-ts: split-brain protection, when some instance uses an arbiter or fence_script. */
  private startGuard(runtime: VrrpRuntime, cfg: KeepalivedConfig): void {
    const guard = new SplitBrainGuard({ log: (l) => this.log(l) });
    if (!guard.isNeeded(cfg)) return;
    this.guard = guard;
    guard.start(cfg, {
      takeoverVerdict: (n, granted, d) => runtime.takeoverVerdict(n, granted, d),
      revokeMastership: (n, d) => runtime.revokeMastership(n, d),
      witnessDisagrees: (n, holder) => runtime.witnessDisagrees(n, holder),
      setArbiterIsolation: (a, isolated) => runtime.setArbiterIsolation(a, isolated),
      masterAddressOf: (n) => runtime.stateOf(n)?.masterAddress,
      isMaster: (n) => runtime.stateOf(n)?.state === 'MASTER',
    });
  }

  /** The instance's addresses: its primary, and its source on each heartbeat_path. */
  private hostFacts(vi: VrrpInstance): { primaryAddress: string; pathSources: string[] } {
    const primaryAddress = this.primaryAddress(vi) ?? '0.0.0.0';
    const pathSources = vi.splitBrain.heartbeatPaths.map(
      (p) => p.sourceAddress ?? this.interfaceAddress(p.interfaceName, vi) ?? '0.0.0.0',
    );
    return { primaryAddress, pathSources };
  }

  /** keepalived stop: priority 0 from masters, VIPs removed, STOP notifies; then close. */
  async stop(): Promise<void> {
    this.reporter?.stop();
    const rt = this.runtime;
    if (rt !== undefined) rt.shutdown();
    this.wakeAt(undefined);
    // Leases go after the priority 0 adverts, so the backup's takeover finds the key free.
    await this.guard?.stop();
    await Promise.all([...this.chains.values()]);
    for (const t of this.scriptTrackerByName.values()) await t.tracker.stop();
    for (const t of this.fileTrackers) t.stop();
    this.monitor?.stop();
    for (const s of this.sockets.values()) s.close();
    this.garp?.close();
    await this.notifier.close();
    this.rtnl.close();
  }

  private resumableMasters(): Set<string> {
    const names = (process.env[RESUME_MASTERS_ENV] ?? '').split(',').filter(Boolean);
    const out = new Set<string>();
    for (const name of names) {
      const vi = this.instances.get(name);
      if (vi === undefined || vi.syncGroup !== undefined) continue;
      const onLinks = (v: IpAddressEntry): boolean => {
        const index = this.resolver(vi).ifindexOf(v.device);
        return this.addresses.some((a) => a.index === index && (a.local ?? a.address) === v.address && a.prefixLength === v.prefixLength);
      };
      if (this.vipEntries(vi).every(onLinks)) out.add(name);
    }
    return out;
  }

  private async readHost(): Promise<void> {
    const links = await this.rtnl.dumpLinks();
    for (const l of links.items) {
      if (l.name === undefined) continue;
      this.links.set(l.name, { index: l.index, name: l.name, mac: macBytes(l.mac), isUp: linkIsUp(l) });
    }
    const addrs = await this.rtnl.dumpAddresses();
    this.addresses.push(...addrs.items);
  }

  private linkByIndex(index: number): Link | undefined {
    for (const l of this.links.values()) if (l.index === index) return l;
    return undefined;
  }

  /**
   * keepalived's source address: mcast_src_ip / unicast_src_ip, else the interface's first
   * IPv4 address, or for IPv6 its link-local address.
   */
  private primaryAddress(vi: VrrpInstance): string | undefined {
    if (vi.sourceAddress !== undefined) return vi.sourceAddress.address;
    return vi.interfaceName === undefined ? undefined : this.interfaceAddress(vi.interfaceName, vi);
  }

  /** The first address of the instance's family on `ifname` that is not a VIP (IPv6: link-local). */
  private interfaceAddress(ifname: string, vi: VrrpInstance): string | undefined {
    const l = this.links.get(ifname);
    if (l === undefined) return undefined;
    const vips = new Set([...vi.virtualIpAddresses, ...vi.excludedIpAddresses].map((v) => v.address));
    for (const a of this.addresses) {
      if (a.index !== l.index || a.family !== vi.family) continue;
      const text = a.local ?? a.address;
      if (text === undefined || vips.has(text)) continue;
      const ip = parseIp(text);
      if (ip === undefined) continue;
      if (vi.family === 6 && !isIpv6LinkLocal(ip)) continue;
      return text;
    }
    return undefined;
  }

  private resolver(vi: VrrpInstance): InterfaceResolver {
    return {
      defaultDevice: vi.interfaceName ?? '',
      ifindexOf: (device) => {
        const name = device ?? vi.interfaceName;
        if (name === undefined) return 0;
        return this.links.get(name)?.index ?? this.native.ifNameToIndex(name);
      },
    };
  }

  private openSockets(runtime: VrrpRuntime, instances: readonly VrrpInstance[] = this.config.vrrp.instances): string | undefined {
    for (const spec of socketSpecsFor(instances)) {
      const key = spec.key;
      if (this.sockets.has(key)) continue;
      const ifname = spec.interfaceName;
      const who = instances.find((vi) => socketSpecsFor([vi]).some((x) => x.key === key))?.name ?? '';
      if (ifname === undefined) return `(${who}) no interface: unicast without an interface is not supported yet`;
      const r = openVrrpSocket({
        family: spec.family,
        ifname,
        ...(spec.multicastGroup !== undefined ? { group: spec.multicastGroup } : {}),
        isUnicast: spec.isUnicast,
        ...(spec.isUnicast && spec.sourceAddress !== undefined ? { sourceAddress: spec.sourceAddress } : {}),
        native: this.native,
        onPacket: (p) =>
          runtime.onDatagram(key, {
            family: p.family,
            bytes: p.payload,
            hopLimit: p.family === 6 ? p.ttlOrHopLimit : undefined,
            source: p.source,
            destination: p.destination,
          }),
        onError: (e) => this.detail(`VRRP socket ${key}: ${e.message}`),
      });
      if (!r.ok) return `(${who}) cannot open the VRRP socket on ${ifname}: ${r.error.message}`;
      this.sockets.set(key, r.socket);
    }
    return undefined;
  }

  /**
   * Start the trackers the instances need. On a reload, a vrrp_script whose definition is
   * unchanged keeps running (and its result); a new or changed one starts "considered
   * successful", as keepalived does on reload.
   */
  private startTrackers(runtime: VrrpRuntime, isReload = false): void {
    const tracked = runtime.trackedObjects();
    const vrrp = this.config.vrrp;
    const wanted = new Set<string>();
    for (const script of vrrp.scripts) {
      if (!tracked.some((t) => t.kind === 'script' && t.name === script.name)) continue;
      wanted.add(script.name);
      const key = definitionKey(script);
      const running = this.scriptTrackerByName.get(script.name);
      if (running !== undefined && running.key === key) continue;
      if (running !== undefined) void running.tracker.stop();
      const t = new ScriptTracker({
        script,
        isTracked: true,
        isReload,
        // script_user / the script's own `user`: keepalived drops root for scripts.
        runAs: runAsOf(script.command, this.config.global.defaultScriptUser),
        log: (l) => this.log(l),
        onChange: (name, status) =>
          runtime.setTrackStatus('script', name, { kind: 'script', result: status === 'up' ? 'good' : 'bad' }),
      });
      this.scriptTrackerByName.set(script.name, { tracker: t, key });
      if (isReload) runtime.setTrackStatus('script', script.name, { kind: 'script', result: 'good' });
      t.start();
    }
    for (const [name, running] of this.scriptTrackerByName) {
      if (wanted.has(name)) continue;
      void running.tracker.stop();
      this.scriptTrackerByName.delete(name);
    }
    for (const t of this.fileTrackers) t.stop();
    this.fileTrackers.length = 0;
    for (const file of vrrp.trackFiles) {
      if (!tracked.some((t) => t.kind === 'file' && t.name === file.name)) continue;
      const t = new FileTracker({
        file,
        isReload,
        log: (l) => this.log(l),
        onValue: (name, value) => runtime.setTrackStatus('file', name, { kind: 'file', value }),
      });
      this.fileTrackers.push(t);
      void t.start().then(() => runtime.setTrackStatus('file', file.name, { kind: 'file', value: t.value }));
    }
  }

  /**
   * SIGHUP: keepalived's reload as a diff (runtime.reload). Unchanged instances keep their
   * state and VIPs; VIPs dropped from a kept master's config are removed.
   */
  async reload(): Promise<void> {
    const rt = this.runtime;
    if (rt === undefined) return;
    this.log('Reloading');
    const next = this.o.reloadConfig?.();
    if (next === undefined) {
      this.log('Reload failed: the configuration cannot be used; keeping the running configuration');
      return;
    }
    this.config = next;
    const nextByName = new Map(next.vrrp.instances.map((vi) => [vi.name, vi]));
    // VIPs a kept instance no longer has.
    for (const [name, oldVi] of this.instances) {
      const vi = nextByName.get(name);
      if (vi === undefined || this.vipsWanted.get(name) !== true) continue;
      const still = new Set(this.vipEntries(vi).map((e) => `${e.address}/${e.prefixLength}`));
      const gone = this.vipEntries(oldVi).filter((e) => !still.has(`${e.address}/${e.prefixLength}`));
      if (gone.length > 0) this.enqueue(name, async () => this.logChanges(await this.vipManager.removeVips(gone)));
    }
    for (const vi of next.vrrp.instances) this.instances.set(vi.name, vi);
    // Sockets first: new instances may advertise as they start.
    const socketProblem = this.openSockets(rt, next.vrrp.instances);
    if (socketProblem !== undefined) this.log(`keepalived-ts: ${socketProblem}`);
    const summary = rt.reload(next.vrrp.instances, next.vrrp.syncGroups, (vi) => this.hostFacts(vi));
    for (const name of summary.removed) this.instances.delete(name);
    if (this.guard !== undefined) this.guard.configure(next);
    else this.startGuard(rt, next);
    // Sockets nobody listens on any more.
    const keys = new Set(rt.socketSpecs().map((spec) => spec.key));
    for (const [key, sock] of this.sockets) {
      if (keys.has(key)) continue;
      sock.close();
      this.sockets.delete(key);
    }
    for (const t of rt.trackedObjects()) {
      if (t.kind !== 'interface') continue;
      rt.setTrackStatus('interface', t.name, { kind: 'interface', isUp: this.links.get(t.name)?.isUp ?? false });
    }
    this.startTrackers(rt, true);
    this.log('Reload complete');
  }

  private onNetlink(e: MonitorEvent): void {
    const rt = this.runtime;
    if (rt === undefined) return;
    if (e.kind === 'link') {
      const info = e.link;
      const name = info.name ?? this.linkByIndex(info.index)?.name;
      if (name === undefined) return;
      const known = this.links.get(name);
      const isUp = info.event === 'new' && linkIsUp(info);
      if (known !== undefined && known.isUp === isUp) return;
      this.links.set(name, { index: info.index, name, mac: known?.mac ?? macBytes(info.mac), isUp });
      // keepalived vrrp_netlink.c: "Netlink reports eth0 down/up".
      this.log(`Netlink reports ${name} ${isUp ? 'up' : 'down'}`);
      rt.setTrackStatus('interface', name, { kind: 'interface', isUp });
      return;
    }
    if (e.kind === 'address') {
      if (e.senderPid === this.rtnl.portId) return;
      if (e.address.event === 'new') {
        this.addresses.push(e.address);
        return;
      }
      // keepalived: one of our VIPs/eVIPs deleted behind our back sends its MASTER instance
      // to BACKUP with a Skew_Time down timer, so it comes back and re-adds every VIP.
      const ours = this.vipManager.ourAddress(e.address);
      if (ours === undefined || !ours.isTracked) return;
      this.vipManager.forget(ours);
      for (const [name, wanted] of this.vipsWanted) {
        const vi = this.instances.get(name);
        if (!wanted || vi === undefined) continue;
        if (!this.vipEntries(vi).some((v) => v.address === ours.address)) continue;
        this.detail(`Netlink reflector reports IP ${ours.address} removed from ${this.linkByIndex(ours.ifindex)?.name ?? ours.ifindex}`);
        rt.onVipDeleted(name);
      }
      return;
    }
    if (e.kind === 'resync_needed') {
      void this.rtnl.dumpLinks().then((links) => {
        for (const l of links.items) if (l.name !== undefined) this.onNetlink({ kind: 'link', link: l, senderPid: 0 });
      });
    }
  }

  private vipEntries(vi: VrrpInstance): IpAddressEntry[] {
    return [...vi.virtualIpAddresses, ...vi.excludedIpAddresses];
  }

  private enqueue(instance: string, work: () => Promise<void>): void {
    const prev = this.chains.get(instance) ?? Promise.resolve();
    const next = prev.then(work).catch((e: unknown) => this.log(`(${instance}) ${e instanceof Error ? e.message : String(e)}`));
    this.chains.set(instance, next);
  }

  private logChanges(results: readonly ChangeResult[]): void {
    for (const r of results) if (r.log !== undefined) this.log(r.log);
  }

  private ports(): VrrpPorts {
    return {
      nowUs: monotonicUs,
      wakeAt: (atUs) => this.wakeAt(atUs),
      sendAdvert: (instance, message, destination, socketKey) => {
        const s = this.sockets.get(socketKey);
        const n = s?.send(message, destination) ?? -1;
        if (n < 0) this.detail(`(${instance}) advert to ${destination} not sent (errno ${-n})`);
      },
      setVips: (instance, present) => {
        const vi = this.instances.get(instance);
        if (vi === undefined) return;
        if (!present && this.o.dontReleaseVrrp && this.runtimeStopping) return;
        this.vipsWanted.set(instance, present);
        this.enqueue(instance, async () => {
          const where = this.resolver(vi);
          if (present) {
            this.logChanges(await this.vipManager.addVips(this.vipEntries(vi), where));
            this.logChanges(await this.vipManager.addRoutes(vi.virtualRoutes, where));
          } else {
            this.logChanges(await this.vipManager.removeRoutes(vi.virtualRoutes));
            this.logChanges(await this.vipManager.removeVips(this.vipEntries(vi), this.o.releaseVips ? where : undefined));
          }
        });
      },
      sendGarp: (instance, count) => {
        const vi = this.instances.get(instance);
        if (vi === undefined) return;
        // After the VIPs are on the interface (same per-instance chain).
        this.enqueue(instance, () => {
          this.sendGarpNow(vi, count);
          return Promise.resolve();
        });
      },
      notifyInstance: (instance, state, priority) => {
        const vi = this.instances.get(instance);
        if (vi !== undefined) this.notifier.notifyInstance(vi, state, priority, Date.now());
      },
      notifyGroup: (group, state) => {
        const g = this.config.vrrp.syncGroups.find((x) => x.name === group);
        if (g !== undefined) this.notifier.notifyGroup(g, state, Date.now());
      },
      log: (level, text) => (level === 'info' ? this.log(text) : this.detail(text)),
      onTransition: (instance, from, to) => {
        this.lastTransitionUs.set(instance, Date.now() * 1000);
        this.guard?.onTransition(instance, from, to);
        this.reporter?.poke();
      },
      requestTakeover: (instance) => {
        if (this.guard !== undefined) this.guard.requestTakeover(instance);
        // A gate without a guard cannot happen (both come from the same config); never hang.
        else queueMicrotask(() => this.runtime?.takeoverVerdict(instance, true, 'no arbiter configured'));
      },
      onSplitBrain: (instance, peer, peerPriority) => {
        const vi = this.instances.get(instance);
        if (vi !== undefined) this.notifySplitBrain(vi, peer, peerPriority);
        this.reporter?.poke();
      },
      onPathHealth: () => this.reporter?.poke(),
    };
  }

  /** notify_split_brain and, with smtp_alert, a mail (keepalived-ts). */
  private notifySplitBrain(vi: VrrpInstance, peer: string, peerPriority: number): void {
    const n = splitBrainNotify(vi.name, peer, peerPriority);
    const now = Date.now();
    const script = vi.splitBrain.notifySplitBrain;
    if (script !== undefined) {
      this.notifier.notifyPrepared({ kind: 'run_script', command: script, argv: [...script.argv, ...n.args], killAfterUs: undefined }, now);
    }
    if (vi.smtpAlert) {
      this.notifier.notifyPrepared({ kind: 'smtp', subject: `[${this.config.global.routerId}] ${n.subject}`, body: n.body }, now);
    }
  }

  private runtimeStopping = false;
  private wakeDeadlineUs: number | undefined;
  private immediate: NodeJS.Immediate | undefined;

  /**
   * Wake the runtime at `atUs` with sub-millisecond precision: Node's timers have 1 ms
   * granularity and fire late, so sleep until ~1.5 ms before the deadline, then poll the
   * clock from setImmediate (at most ~1.5 ms of spinning per deadline, about once per
   * advert interval). The failover benchmark measured +3–4 ms per timer without this.
   */
  private wakeAt(atUs: number | undefined): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.wakeDeadlineUs = atUs;
    if (atUs === undefined) return;
    // Never calls the runtime synchronously: wakeAt runs inside runtime calls.
    const arm = (deadline: number): void => {
      const leftMs = (deadline - monotonicUs()) / 1000;
      if (leftMs > SPIN_WINDOW_MS) this.timer = setTimeout(fire, Math.floor(leftMs - SPIN_WINDOW_MS));
      else this.immediate = setImmediate(fire);
    };
    const fire = (): void => {
      this.timer = undefined;
      this.immediate = undefined;
      const deadline = this.wakeDeadlineUs;
      if (deadline === undefined) return;
      if (monotonicUs() >= deadline) this.runtime?.onTimer();
      else arm(deadline);
    };
    arm(atUs);
  }

  /** Mark that the next VIP removals come from a stop (for -V). */
  beginStop(): void {
    this.log('Stopping');
    this.runtimeStopping = true;
  }

  private sendGarpNow(vi: VrrpInstance, count: number): void {
    const g = this.garp;
    if (g === undefined) return;
    for (const v of this.vipEntries(vi)) {
      const ifname = v.device ?? vi.interfaceName;
      const link = ifname === undefined ? undefined : this.links.get(ifname);
      if (link === undefined) continue;
      for (let i = 0; i < count; i++) {
        const n = v.family === 4 ? g.sendGratuitousArp(link.index, link.mac, v.address) : g.sendUnsolicitedNa(link.index, link.mac, v.address);
        if (n < 0) {
          this.detail(`(${vi.name}) gratuitous ARP/NA for ${v.address} not sent (errno ${-n})`);
          break;
        }
      }
    }
  }
}

/**
 * Run the VRRP daemon until SIGTERM/SIGINT. Resolves with the exit status.
 */
export async function runVrrpDaemon(o: VrrpDaemonOptions): Promise<number> {
  let daemon: VrrpDaemon;
  try {
    daemon = new VrrpDaemon(o);
  } catch (e) {
    o.log(`keepalived-ts: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  // keepalived's data signals (main.c propagate_signal sends them on from the parent).
  return runChildDaemon(daemon, o.log, {
    SIGUSR1: () => daemon.writeData(),
    SIGUSR2: () => daemon.writeStats(),
    [SIGNAL_JSON]: () => daemon.writeJson(),
    [SIGNAL_STATS_CLEAR]: () => daemon.writeStats(undefined, true),
  });
}

/** The status view of a tracked script's result. */
function scriptViewResult(r: ScriptTrackResult): 'good' | 'bad' | 'unknown' {
  return r === 'good' || r === 'bad' ? r : 'unknown';
}

/** A definition's identity for reload: its config without source locations. */
function definitionKey(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) => (k === 'at' ? undefined : v));
}
