/**
 * Global invariants over a simulated cluster (TigerBeetle's StateChecker, for VRRP). The
 * checker watches every event; the first violation throws a SimViolation carrying the
 * invariant's number, the time and a description.
 *
 * Bounds are derived from keepalived's own timers (keepalived-behaviour.md §2):
 * Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time.
 */
import { compareIp, parseIp } from '../../src/lib/ip.js';
import { masterDownUs, type Action, type InstanceParams } from '../../src/vrrp/instance.js';
import { CENTISECOND_US, SECOND_US } from '../../src/vrrp/timers.js';
import { fmt, type Cluster, type ClusterObserver, type QueueEvent, type SimNode, type StepRecord } from './cluster.js';

export class SimViolation extends Error {
  readonly invariant: number;
  readonly atUs: number;

  constructor(invariant: number, atUs: number, message: string) {
    super(`invariant ${invariant} violated at ${fmt(atUs)}: ${message}`);
    this.name = 'SimViolation';
    this.invariant = invariant;
    this.atUs = atUs;
  }
}

/** Largest advert interval configured in the cluster (µs). */
export function maxAdvertUs(params: readonly InstanceParams[]): number {
  return Math.max(...params.map((p) => p.advertIntervalCs * CENTISECOND_US));
}

/**
 * How long a connected, lossless, undisturbed cluster may take to converge.
 *
 * Adjusted invariant (1): keepalived does not preempt on a lower-priority advert; the
 * better backup waits for its down timer (behaviour.md §0.4), and with preempt_delay it
 * accepts lower adverts (resetting its down timer) until the delay, started by the first
 * lower advert, has run out. So after a disturbance: up to one Master_Down_Interval until
 * some master advertises at all (start-up, crash), then the preempt_delay, then one more
 * Master_Down_Interval of the better backup, plus one advert interval for a demoted
 * master's next advert to carry its new priority, plus network delays. "Highest priority
 * is master" holds only after this time. Master_Down_Interval here is the worst case:
 * largest interval, largest skew, most down-timer adverts.
 */
export function settleBoundUs(params: readonly InstanceParams[], delayBoundUs: number): number {
  const adv = maxAdvertUs(params);
  const skew = Math.max(...params.map((p) => (p.version === 2 ? SECOND_US : p.advertIntervalCs * CENTISECOND_US)));
  const adverts = Math.max(...params.map((p) => p.downTimerAdverts));
  const preempt = Math.max(...params.map((p) => p.preemptDelayUs));
  const mdi = adverts * adv + skew;
  return 2 * mdi + preempt + adv + 3 * delayBoundUs;
}

/** Numeric address comparison, as keepalived's vrrp_saddr_cmp. */
function compareAddress(a: string, b: string): number {
  const x = parseIp(a);
  const y = parseIp(b);
  if (x === undefined || y === undefined) throw new TypeError(`bad address ${a} or ${b}`);
  return compareIp(x, y);
}

interface CrashWatch {
  readonly crashedAtUs: number;
  readonly deadlineUs: number;
  readonly backup: number;
}

export class InvariantChecker implements ClusterObserver {
  readonly settleUs: number;
  readonly splitBoundUs: number;
  readonly #delayBoundUs: number;
  /** Time of the last node operation (crash, start, stop, priority or fault change). */
  #lastOpUs = 0;
  #multiMasterSinceUs: number | undefined;
  #crash: CrashWatch | undefined;
  /** How many times invariant (1) was actually checked (a run that never checks proves nothing). */
  convergedChecks = 0;
  crashChecks = 0;

  constructor(cluster: Cluster) {
    const params = cluster.nodes.map((n) => n.params);
    this.#delayBoundUs = cluster.network.delayBoundUs();
    this.settleUs = settleBoundUs(params, this.#delayBoundUs);
    // (6): a second master sends an advert when it enters MASTER; the better master
    // answers at once (or, with lower_prio_no_advert, with its next advert), and the
    // worse one steps down without waiting.
    this.splitBoundUs = maxAdvertUs(params) + 2 * this.#delayBoundUs + 1;
  }

  beforeEvent(cluster: Cluster, nowUs: number): void {
    const calm = cluster.network.calmSinceUs();
    if (this.#multiMasterSinceUs !== undefined && calm !== undefined) {
      // A node operation (a priority change, say) can turn the better master into the
      // worse one mid-way: the bound restarts from it (seed 1093919659).
      const since = Math.max(this.#multiMasterSinceUs, calm, this.#lastOpUs);
      if (nowUs - since > this.splitBoundUs) {
        const who = cluster.masters().map((n) => n.id).join(', ');
        throw new SimViolation(6, nowUs, `nodes ${who} are all MASTER on a connected network since ${fmt(since)}`);
      }
    }
    const w = this.#crash;
    if (w !== undefined && nowUs > w.deadlineUs) {
      throw new SimViolation(
        4,
        nowUs,
        `master crashed at ${fmt(w.crashedAtUs)}; no new master by ${fmt(w.deadlineUs)} (best backup: node ${w.backup})`,
      );
    }
  }

  afterEvent(cluster: Cluster, ev: QueueEvent, record: StepRecord | undefined): void {
    const now = cluster.nowUs;
    if (record !== undefined) {
      checkTransitions(record, now);
      checkGarpOnMaster(record, now);
    }
    checkVips(cluster, now);
    const masters = cluster.masters();
    if (masters.length >= 2) this.#multiMasterSinceUs ??= now;
    else this.#multiMasterSinceUs = undefined;
    if (masters.length > 0 && this.#crash !== undefined) {
      this.crashChecks++;
      this.#crash = undefined;
    }
    if (ev.kind === 'op') this.#onOp(cluster, ev, now);
    // (4) is a promise about a connected, lossless network only.
    if (cluster.network.calmSinceUs() === undefined) this.#crash = undefined;
    this.#checkConverged(cluster, now);
  }

  /** Whether the cluster has been connected, lossless and undisturbed for settleUs. */
  settled(cluster: Cluster, nowUs: number): boolean {
    const calm = cluster.network.calmSinceUs();
    return calm !== undefined && nowUs - Math.max(calm, this.#lastOpUs) >= this.settleUs;
  }

  #onOp(cluster: Cluster, ev: QueueEvent & { kind: 'op' }, now: number): void {
    const op = ev.op;
    if (op.kind === 'partition' || op.kind === 'heal' || op.kind === 'set_link') return;
    const wasSettled = this.settled(cluster, now);
    this.#lastOpUs = now;
    this.#crash = undefined;
    // (4) applies to a crash of the master of a converged cluster.
    if (op.kind !== 'crash' || !wasSettled || cluster.masters().length > 0) return;
    const backups = cluster.nodes.filter((n) => cluster.isLive(n) && n.s?.state === 'BACKUP');
    const best = bestNode(backups);
    if (best?.s === undefined) return;
    const deadlineUs = now + masterDownUs(best.s) + this.#delayBoundUs + 1;
    this.#crash = { crashedAtUs: now, deadlineUs, backup: best.id };
    cluster.scheduleCheck(deadlineUs + 1);
  }

  /**
   * (1) On a settled network: exactly one MASTER among live nodes if any is eligible (live
   * and not FAULT), every other eligible node in BACKUP, and no eligible backup that
   * preempts has a higher effective priority than the master.
   *
   * Adjusted: an equal-priority backup accepts the master's adverts whatever the
   * addresses (RFC 5798 §6.4.2 "greater than or equal to the local Priority"), so the
   * address tie-break decides only between two routers that are both MASTER; a backup
   * with nopreempt accepts any advert, so it never displaces a live master.
   */
  #checkConverged(cluster: Cluster, now: number): void {
    if (!this.settled(cluster, now)) return;
    this.convergedChecks++;
    const eligible = cluster.nodes.filter((n) => cluster.isLive(n) && n.s?.isFaulted === false);
    const masters = cluster.masters();
    if (eligible.length === 0) {
      if (masters.length !== 0) throw new SimViolation(1, now, 'a MASTER with no eligible node');
      return;
    }
    const m = masters[0];
    if (masters.length !== 1 || m?.s === undefined) {
      throw new SimViolation(1, now, `settled cluster has ${masters.length} masters (${describe(cluster)})`);
    }
    for (const n of eligible) {
      if (n === m || n.s === undefined) continue;
      if (n.s.state !== 'BACKUP') throw new SimViolation(1, now, `node ${n.id} is ${n.s.state} (${describe(cluster)})`);
      if (!n.params.nopreempt && n.s.effectivePriority > m.s.effectivePriority) {
        throw new SimViolation(1, now, `node ${n.id} outranks master ${m.id} (${describe(cluster)})`);
      }
    }
  }
}

/** Highest effective priority, ties to the higher primary address. */
export function bestNode(nodes: readonly SimNode[]): SimNode | undefined {
  let best: SimNode | undefined;
  for (const n of nodes) {
    if (n.s === undefined) continue;
    if (best?.s === undefined) {
      best = n;
      continue;
    }
    const d = n.s.effectivePriority - best.s.effectivePriority;
    if (d > 0 || (d === 0 && compareAddress(n.params.primaryAddress, best.params.primaryAddress) > 0)) best = n;
  }
  return best;
}

/** (5) A state change comes with exactly one transition action, with a reason, matching it. */
export function checkTransitions(r: StepRecord, now: number): void {
  const ts = r.actions.filter((a): a is Action & { kind: 'transition' } => a.kind === 'transition');
  const changed = r.before.state !== r.after.state;
  if (ts.length !== (changed ? 1 : 0)) {
    throw new SimViolation(5, now, `node ${r.node} ${r.before.state}->${r.after.state} with ${ts.length} transition actions`);
  }
  const t = ts[0];
  if (t === undefined) return;
  if (t.from !== r.before.state || t.to !== r.after.state || !t.reason) {
    throw new SimViolation(5, now, `node ${r.node} transition ${JSON.stringify(t)} for ${r.before.state}->${r.after.state}`);
  }
}

/** (3) Every entry to MASTER sends GARP in the same step. */
export function checkGarpOnMaster(r: StepRecord, now: number): void {
  if (r.before.state === 'MASTER' || r.after.state !== 'MASTER') return;
  if (!r.actions.some((a) => a.kind === 'send_garp' && a.count > 0)) {
    throw new SimViolation(3, now, `node ${r.node} entered MASTER without GARP`);
  }
}

/** (2) VIPs are on a node iff it is a live MASTER (after its actions are applied). */
export function checkVips(cluster: Cluster, now: number): void {
  for (const n of cluster.nodes) {
    const master = cluster.isLive(n) && n.s?.state === 'MASTER';
    if (n.hasVips !== master) {
      throw new SimViolation(2, now, `node ${n.id} is ${n.s?.state ?? 'down'} and ${n.hasVips ? 'holds' : 'lacks'} the VIPs`);
    }
  }
}

export function describe(cluster: Cluster): string {
  return cluster.nodes
    .map((n) => `${n.id}:${n.s?.state ?? 'DOWN'}/${n.s?.effectivePriority ?? '-'}@${n.params.primaryAddress}${n.params.nopreempt ? '/np' : ''}`)
    .join(' ');
}
