/**
 * The VRRP process's split-brain protection (docs/split-brain.md): it carries out what the
 * state machine asks (`request_takeover`) and tells it what the arbiter sees.
 *
 * - Each `vrrp_arbiter` with references gets a ReferenceProber; "no reference answers for
 *   `fall` rounds" makes every instance using it isolated (FAULT, through the runtime).
 * - A takeover request runs, in order: a fresh reference round (isolated → refused), the
 *   etcd witness (only the lease holder may be MASTER), then fence_script (must exit 0).
 *   The first refusal answers; otherwise the takeover is granted.
 * - While MASTER with a witness, the lease is renewed; losing it revokes mastership, and a
 *   key naming another node is reported as a split brain too. Leaving MASTER releases the
 *   lease so a peer's takeover is not held up by our TTL.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { VrrpInstance } from '../config/model/vrrp.js';
import type { VrrpArbiter } from '../config/model/split_brain.js';
import type { VrrpState } from '../vrrp/instance.js';
import { runFence } from './fence.js';
import { ReferenceProber } from './reference_prober.js';
import { Witness } from './witness.js';
import { EtcdClient } from './etcd_client.js';
import { widenPingGroupRange } from '../net/ping_group_range.js';

/** What the guard needs from the VRRP runtime. */
export interface GuardRuntime {
  takeoverVerdict(name: string, granted: boolean, detail: string): void;
  revokeMastership(name: string, detail: string): void;
  witnessDisagrees(name: string, holder: string): void;
  setArbiterIsolation(arbiter: string, isIsolated: boolean): void;
  /** The last master heard by the instance (fence_script gets it). */
  masterAddressOf(name: string): string | undefined;
  isMaster(name: string): boolean;
}

export interface GuardOptions {
  readonly log: (line: string) => void;
}

/** Per-instance figures for status and metrics. */
export interface GuardInstanceStats {
  takeoverRequests: number;
  takeoversGranted: number;
  /** Time the last gate took, in ms (probe + witness + fence). */
  lastGateMs: number | undefined;
  lastRefusal: string | undefined;
  holdsLease: boolean;
}

export class SplitBrainGuard {
  private readonly probers = new Map<string, ReferenceProber>();
  private readonly witnesses = new Map<string, Witness>();
  private readonly inFlight = new Set<string>();
  private readonly stats = new Map<string, GuardInstanceStats>();
  /** Instances whose lease we acquired through the gate (a respawn resumes without). */
  private readonly acquired = new Set<string>();
  private arbiters = new Map<string, VrrpArbiter>();
  private instances = new Map<string, VrrpInstance>();
  private runtime: GuardRuntime | undefined;
  private restorePingRange: (() => void) | undefined;
  private pingRangeChecked = false;

  constructor(private readonly o: GuardOptions) {}

  /** Arbiters in use by some instance of `config`. */
  private static used(config: KeepalivedConfig): VrrpArbiter[] {
    const names = new Set(config.vrrp.instances.flatMap((vi) => (vi.splitBrain.arbiter === undefined ? [] : [vi.splitBrain.arbiter])));
    return config.vrrp.arbiters.filter((a) => names.has(a.name));
  }

  isNeeded(config: KeepalivedConfig): boolean {
    return SplitBrainGuard.used(config).length > 0 || config.vrrp.instances.some((vi) => vi.splitBrain.fenceScript !== undefined);
  }

  start(config: KeepalivedConfig, runtime: GuardRuntime): void {
    this.runtime = runtime;
    this.configure(config);
  }

  /** A reload: new arbiters start, removed ones stop; unchanged probers keep their verdict. */
  configure(config: KeepalivedConfig): void {
    const used = SplitBrainGuard.used(config);
    const keyOf = (a: VrrpArbiter): string => JSON.stringify({ ...a, at: undefined });
    const old = this.arbiters;
    this.arbiters = new Map(used.map((a) => [a.name, a]));
    this.instances = new Map(config.vrrp.instances.map((vi) => [vi.name, vi]));
    for (const [name, prober] of this.probers) {
      const now = this.arbiters.get(name);
      const before = old.get(name);
      if (now !== undefined && before !== undefined && keyOf(now) === keyOf(before)) continue;
      prober.stop();
      this.probers.delete(name);
    }
    if (!this.pingRangeChecked && used.some((a) => a.references.some((r) => r.tcpPort === undefined))) {
      // ICMP references use datagram ICMP sockets, like PING_CHECK (keepalived widens the range too).
      this.pingRangeChecked = true;
      this.restorePingRange = widenPingGroupRange((l) => this.o.log(l));
    }
    for (const a of used) {
      if (a.references.length === 0 || this.probers.has(a.name)) continue;
      const prober = new ReferenceProber({
        name: a.name,
        references: a.references,
        intervalMs: a.intervalUs / 1000,
        timeoutMs: a.timeoutUs / 1000,
        rise: a.rise,
        fall: a.fall,
        log: (line) => this.o.log(line),
        onChange: (isReachable) => this.runtime?.setArbiterIsolation(a.name, !isReachable),
      });
      this.probers.set(a.name, prober);
      prober.start();
    }
    // Witnesses follow their instance's settings; a changed one is released and rebuilt.
    for (const [name, w] of this.witnesses) {
      const vi = this.instances.get(name);
      const a = vi?.splitBrain.arbiter === undefined ? undefined : this.arbiters.get(vi.splitBrain.arbiter);
      const before = old.get(a?.name ?? '');
      if (a?.witness !== undefined && before !== undefined && keyOf(a) === keyOf(before)) continue;
      void w.release().then(() => w.close());
      this.witnesses.delete(name);
      this.acquired.delete(name);
    }
    this.announceWitnesses();
  }

  statsOf(name: string): GuardInstanceStats | undefined {
    return this.stats.get(name);
  }

  /** Reachability of each arbiter's references: true, false, or undefined before a verdict. */
  arbiterReachability(): { name: string; isReachable: boolean | undefined }[] {
    return [...this.probers].map(([name, p]) => ({ name, isReachable: p.isReachable }));
  }

  private statFor(name: string): GuardInstanceStats {
    let s = this.stats.get(name);
    if (s === undefined) {
      s = { takeoverRequests: 0, takeoversGranted: 0, lastGateMs: undefined, lastRefusal: undefined, holdsLease: false };
      this.stats.set(name, s);
    }
    return s;
  }

  private witnessFor(vi: VrrpInstance): Witness | undefined {
    const a = vi.splitBrain.arbiter === undefined ? undefined : this.arbiters.get(vi.splitBrain.arbiter);
    const cfg = a?.witness;
    if (a === undefined || cfg === undefined) return undefined;
    let w = this.witnesses.get(vi.name);
    if (w === undefined) {
      w = new Witness({
        endpoints: cfg.endpoints,
        key: `${cfg.keyPrefix}${vi.name}`,
        nodeId: cfg.nodeId,
        leaseTtlS: cfg.leaseTtlS,
        policy: a.unreachable,
        log: (line) => this.o.log(`(${vi.name}) ${line}`),
      });
      this.witnesses.set(vi.name, w);
    }
    return w;
  }

  /**
   * At start and reload: ask the witness who holds each key. It tells the operator at once
   * whether etcd answers, and it takes the cost of Node's first fetch() (loading its HTTP
   * client, ~30–40 ms measured) and of the TCP connection out of the first takeover.
   */
  private announceWitnesses(): void {
    for (const vi of this.instances.values()) {
      const a = vi.splitBrain.arbiter === undefined ? undefined : this.arbiters.get(vi.splitBrain.arbiter);
      const cfg = a?.witness;
      if (cfg === undefined || this.witnesses.has(vi.name)) continue;
      this.witnessFor(vi);
      const key = `${cfg.keyPrefix}${vi.name}`;
      void new EtcdClient({ endpoints: cfg.endpoints, requestTimeoutMs: 2000 }).holder(key).then((r) => {
        if (r.ok) this.o.log(`(${vi.name}) witness ${key}: etcd answers, ${r.value === undefined ? 'key free' : `held by ${r.value}`}`);
        else this.o.log(`(${vi.name}) witness ${key}: etcd does not answer (${r.reason}: ${r.detail})`);
      });
    }
  }

  /** ports.requestTakeover: the gate. Answers through runtime.takeoverVerdict. */
  requestTakeover(name: string): void {
    if (this.inFlight.has(name)) return;
    const vi = this.instances.get(name);
    if (vi === undefined) return;
    this.inFlight.add(name);
    const stat = this.statFor(name);
    stat.takeoverRequests++;
    const t0 = performance.now();
    void this.gate(vi).then(
      (r) => {
        this.inFlight.delete(name);
        stat.lastGateMs = performance.now() - t0;
        const detail = `${r.detail} (${stat.lastGateMs.toFixed(1)} ms)`;
        if (r.granted) {
          stat.takeoversGranted++;
          stat.lastRefusal = undefined;
        } else stat.lastRefusal = r.detail;
        this.runtime?.takeoverVerdict(name, r.granted, detail);
        // The request was overtaken (an advert arrived meanwhile): do not keep a lease.
        if (r.granted && this.runtime?.isMaster(name) !== true && this.acquired.delete(name)) {
          void this.witnesses.get(name)?.release();
        }
      },
      (e: unknown) => {
        this.inFlight.delete(name);
        this.runtime?.takeoverVerdict(name, false, `arbiter error: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  private async gate(vi: VrrpInstance): Promise<{ granted: boolean; detail: string }> {
    const said: string[] = [];
    const a = vi.splitBrain.arbiter === undefined ? undefined : this.arbiters.get(vi.splitBrain.arbiter);
    const prober = a === undefined ? undefined : this.probers.get(a.name);
    if (prober !== undefined) {
      const r = await prober.probeNow();
      if (!r.reachable) return { granted: false, detail: `isolated, no reference answers (${r.detail})` };
      said.push(r.detail);
    }
    const w = this.witnessFor(vi);
    if (w !== undefined) {
      const r = await w.acquire();
      if (!r.granted) return { granted: false, detail: `witness: ${r.detail}` };
      this.acquired.add(vi.name);
      said.push(`witness: ${r.detail}`);
    }
    const fence = vi.splitBrain.fenceScript;
    if (fence !== undefined) {
      const r = await runFence({
        command: fence.argv,
        timeoutMs: vi.splitBrain.fenceTimeoutUs / 1000,
        env: { KEEPALIVED_TS_INSTANCE: vi.name, KEEPALIVED_TS_PEER: this.runtime?.masterAddressOf(vi.name) ?? '' },
        log: (line) => this.o.log(`(${vi.name}) fence_script: ${line}`),
      });
      if (!r.ok) {
        // A witness lease we just took must not outlive a refused takeover.
        if (w !== undefined) await w.release();
        this.acquired.delete(vi.name);
        return { granted: false, detail: `fence_script failed: ${r.detail}` };
      }
      said.push(`fence_script ok`);
    }
    return { granted: true, detail: said.join('; ') };
  }

  /** ports.onTransition: hold the lease while MASTER, release it when leaving. */
  onTransition(name: string, from: VrrpState, to: VrrpState): void {
    const vi = this.instances.get(name);
    if (vi === undefined) return;
    const w = this.witnessFor(vi);
    if (w === undefined) return;
    const stat = this.statFor(name);
    if (to === 'MASTER') {
      const hold = (): void => {
        stat.holdsLease = true;
        w.hold((why, detail) => {
          stat.holdsLease = false;
          if (why === 'held_by_other') this.runtime?.witnessDisagrees(name, detail);
          this.runtime?.revokeMastership(name, `witness lease ${why === 'expired' ? 'lost' : 'taken'}: ${detail}`);
        });
      };
      if (this.acquired.has(name)) hold();
      else {
        // A respawned VRRP process resumed as MASTER without asking: take the lease now.
        void w.acquire().then((r) => {
          if (r.granted) {
            this.acquired.add(name);
            hold();
          } else this.runtime?.revokeMastership(name, `witness: ${r.detail}`);
        });
      }
      return;
    }
    if (from === 'MASTER') {
      stat.holdsLease = false;
      this.acquired.delete(name);
      void w.release();
    }
  }

  /** Stop: release every lease (bounded by the witness's request timeout) and stop probing. */
  async stop(): Promise<void> {
    for (const p of this.probers.values()) p.stop();
    this.probers.clear();
    await Promise.all([...this.witnesses.values()].map(async (w) => {
      await w.release();
      w.close();
    }));
    this.witnesses.clear();
    this.restorePingRange?.();
    this.restorePingRange = undefined;
  }
}
