/**
 * The etcd witness (split-brain protection, issue 8): only the holder of a lease on the
 * witness key may be VRRP MASTER. This is the shell; the policy (deadlines, renewal
 * period, verdicts) is src/vrrp/witness_lease.ts.
 *
 *   acquire()  before becoming MASTER: grant a lease if we have no usable one, run the
 *              acquire txn (EtcdClient.acquire), apply fail_open/fail_closed.
 *   hold()     while MASTER: renew every TTL/3 and check the key still holds our node id;
 *              a timer at the local lease deadline calls onLost('expired') (fail_closed);
 *              someone else's value in the key calls onLost('held_by_other') at once.
 *   release()  graceful step-down: delete our key (if ours) and revoke the lease.
 *   close()    stop every timer, no network.
 *
 * Any answer other than a usable one (unreachable, timeout, HTTP error, malformed JSON)
 * counts as 'unreachable' for the policy: the witness gave no verdict.
 */
import { EtcdClient, type EtcdResult } from './etcd_client.js';
import {
  defaultRequestTimeoutMs,
  deadlineAction,
  localDeadlineMs,
  nextRenewalAtMs,
  renewalAction,
  takeoverVerdict,
  type AcquireOutcome,
  type RenewalResult,
  type WitnessPolicy,
} from '../vrrp/witness_lease.js';

export type { WitnessPolicy, AcquireOutcome } from '../vrrp/witness_lease.js';

export interface WitnessOptions {
  readonly endpoints: readonly string[];
  /** The witness key, e.g. `/keepalived-ts/VI_1`. */
  readonly key: string;
  /** This node's id, unique among the nodes sharing the key (the key's value). */
  readonly nodeId: string;
  /** The lease TTL asked for, whole seconds ≥ 1 (etcd may grant more). */
  readonly leaseTtlS: number;
  readonly policy: WitnessPolicy;
  /** Per-request timeout; by default the renewal period capped at 2 s. */
  readonly requestTimeoutMs?: number;
  readonly log: (line: string) => void;
  /** A monotonic clock in ms (performance.now by default). */
  readonly nowMs?: () => number;
}

export interface AcquireReport {
  readonly granted: boolean;
  readonly outcome: AcquireOutcome;
  readonly detail: string;
  readonly elapsedMs: number;
}

export type LostReason = 'expired' | 'held_by_other';

interface Lease {
  readonly id: string;
  readonly ttlS: number;
  /** Send time of the last successful grant/keepalive. */
  sentAtMs: number;
  deadlineMs: number;
}

interface Holding {
  readonly onLost: (why: LostReason, detail: string) => void;
  fired: boolean;
  /** fail_open: the deadline passed and we said so once. */
  unprotected: boolean;
}

type Step = { outcome: AcquireOutcome; detail: string; sentAtMs: number };

export class Witness {
  private readonly client: EtcdClient;
  private readonly key: string;
  private readonly nodeId: string;
  private readonly leaseTtlS: number;
  private readonly policy: WitnessPolicy;
  private readonly requestTimeoutMs: number;
  private readonly logFn: (line: string) => void;
  private readonly now: () => number;

  private lease: Lease | undefined;
  private holding: Holding | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private renewing = false;
  /** Bumped by hold/release/close: async work of an older generation has no effect. */
  private generation = 0;

  constructor(opts: WitnessOptions) {
    if (!Number.isInteger(opts.leaseTtlS) || opts.leaseTtlS < 1) throw new Error(`witness: leaseTtlS must be an integer ≥ 1, got ${opts.leaseTtlS}`);
    this.key = opts.key;
    this.nodeId = opts.nodeId;
    this.leaseTtlS = opts.leaseTtlS;
    this.policy = opts.policy;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? defaultRequestTimeoutMs(opts.leaseTtlS);
    this.logFn = opts.log;
    this.now = opts.nowMs ?? (() => performance.now());
    this.client = new EtcdClient({ endpoints: opts.endpoints, requestTimeoutMs: this.requestTimeoutMs });
  }

  private log(line: string): void {
    this.logFn(`witness ${this.key}: ${line}`);
  }

  /** The local lease deadline (monotonic ms), undefined without a lease. For tests and status. */
  get deadlineMs(): number | undefined {
    return this.lease?.deadlineMs;
  }

  /** The TTL etcd granted for the current lease. */
  get grantedTtlS(): number | undefined {
    return this.lease?.ttlS;
  }

  /** Grant a fresh lease; remembers it with its deadline. */
  private async grant(): Promise<EtcdResult<Lease>> {
    const sentAtMs = this.now();
    const r = await this.client.grantLease(this.leaseTtlS);
    if (!r.ok) return r;
    if (r.value.ttlS !== this.leaseTtlS && this.lease?.ttlS !== r.value.ttlS) {
      this.log(`etcd granted a ${r.value.ttlS} s lease (asked ${this.leaseTtlS} s)`);
    }
    const lease: Lease = { id: r.value.leaseId, ttlS: r.value.ttlS, sentAtMs, deadlineMs: localDeadlineMs(sentAtMs, r.value.ttlS) };
    this.lease = lease;
    return { ok: true, value: lease };
  }

  /**
   * One acquire step: reuse the lease while its local deadline has not passed (else grant
   * a new one), run the acquire txn; re-grant once when etcd says the lease is gone.
   */
  private async acquireStep(gen?: number): Promise<Step> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let lease = this.lease;
      let sentAtMs: number;
      if (lease === undefined || this.now() >= lease.deadlineMs) {
        const g = await this.grant();
        if (!g.ok) return { outcome: 'unreachable', detail: `lease grant: ${g.reason}: ${g.detail}`, sentAtMs: this.now() };
        lease = g.value;
      }
      sentAtMs = lease.sentAtMs;
      // A renewal overtaken by release()/close() must not put the key back.
      if (gen !== undefined && gen !== this.generation) return { outcome: 'unreachable', detail: 'cancelled', sentAtMs };
      const r = await this.client.acquire(this.key, this.nodeId, lease.id);
      if (!r.ok) {
        if (r.reason === 'lease_not_found' && attempt === 0) {
          this.lease = undefined;
          continue;
        }
        return { outcome: 'unreachable', detail: `acquire txn: ${r.reason}: ${r.detail}`, sentAtMs };
      }
      if (r.value.acquired) return { outcome: 'acquired', detail: `lease ${lease.id} (${lease.ttlS} s)`, sentAtMs };
      return { outcome: 'held_by_other', detail: `held by ${r.value.holder ?? '(unknown)'}`, sentAtMs };
    }
    return { outcome: 'unreachable', detail: 'lease lost twice during acquire', sentAtMs: this.now() };
  }

  /** Ask the witness whether this node may become MASTER. Never rejects. */
  async acquire(): Promise<AcquireReport> {
    const t0 = this.now();
    const step = await this.acquireStep();
    const verdict = takeoverVerdict(this.policy, step.outcome);
    const elapsedMs = this.now() - t0;
    const detail = `${verdict.reason}: ${step.detail}`;
    this.log(`${verdict.granted ? 'granted' : 'denied'} (${step.outcome}) ${step.detail} in ${elapsedMs.toFixed(1)} ms`);
    return { granted: verdict.granted, outcome: step.outcome, detail, elapsedMs };
  }

  /**
   * Keep the lease while MASTER. onLost is called at most once per hold(): at the local
   * deadline without a successful renewal (fail_closed), or as soon as the key holds
   * someone else's value (both policies). Calling hold() again replaces the previous one.
   */
  hold(onLost: (why: LostReason, detail: string) => void): void {
    this.stopTimers();
    const gen = ++this.generation;
    this.holding = { onLost, fired: false, unprotected: false };
    this.renewing = false;
    this.armDeadline(gen);
    const next = this.lease !== undefined ? nextRenewalAtMs(this.lease.sentAtMs, this.lease.ttlS) : this.now();
    this.scheduleRenewal(gen, next);
  }

  private stopTimers(): void {
    if (this.renewTimer !== undefined) clearTimeout(this.renewTimer);
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.renewTimer = undefined;
    this.deadlineTimer = undefined;
  }

  private scheduleRenewal(gen: number, atMs: number): void {
    if (gen !== this.generation) return;
    if (this.renewTimer !== undefined) clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => {
      this.renewTimer = undefined;
      void this.renew(gen);
    }, Math.max(0, atMs - this.now()));
  }

  private armDeadline(gen: number): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    const holding = this.holding;
    if (holding === undefined || holding.fired || holding.unprotected) return;
    const deadline = this.lease?.deadlineMs ?? this.now();
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      this.onDeadline(gen);
    }, Math.max(0, deadline - this.now()));
  }

  private onDeadline(gen: number): void {
    const holding = this.holding;
    if (gen !== this.generation || holding === undefined || holding.fired) return;
    const lease = this.lease;
    if (lease !== undefined && this.now() < lease.deadlineMs) {
      this.armDeadline(gen); // extended meanwhile
      return;
    }
    const since = lease !== undefined ? `no renewal since ${(this.now() - lease.sentAtMs).toFixed(0)} ms` : 'no lease';
    if (deadlineAction(this.policy) === 'lost') {
      this.lost(gen, 'expired', `lease deadline passed (${since})`);
    } else {
      holding.unprotected = true;
      this.log(`lease deadline passed (${since}); fail_open keeps MASTER without witness protection`);
    }
  }

  private lost(gen: number, why: LostReason, detail: string): void {
    const holding = this.holding;
    if (gen !== this.generation || holding === undefined || holding.fired) return;
    holding.fired = true;
    this.stopTimers();
    this.log(`lost (${why}): ${detail}`);
    holding.onLost(why, detail);
  }

  /** One renewal: keepalive + holder check, or a fresh acquire when we have no live lease. */
  private async renew(gen: number): Promise<void> {
    if (gen !== this.generation || this.renewing) return;
    this.renewing = true;
    const sentAtMs = this.now();
    let result: RenewalResult;
    let renewedAtMs = sentAtMs;
    let detail = '';
    try {
      const lease = this.lease;
      let needAcquire = lease === undefined;
      if (lease !== undefined) {
        const ka = await this.client.keepAlive(lease.id);
        if (ka.ok) {
          // The lease is renewed from this send time on, whatever the key check says.
          const deadlineMs = localDeadlineMs(sentAtMs, lease.ttlS);
          if (deadlineMs > lease.deadlineMs) {
            lease.sentAtMs = sentAtMs;
            lease.deadlineMs = deadlineMs;
          }
          const h = await this.client.holder(this.key);
          if (!h.ok) {
            // The lease is renewed (that is what the deadline is about); the check waits for the next round.
            result = 'renewed';
            detail = `holder check failed: ${h.reason}: ${h.detail}`;
          } else if (h.value === this.nodeId) {
            result = 'renewed';
          } else if (h.value === undefined) {
            needAcquire = true; // the key was deleted under a live lease: take it back if free
            result = 'unreachable';
          } else {
            result = 'held_by_other';
            detail = `key now holds ${h.value}`;
          }
        } else if (ka.reason === 'lease_not_found') {
          if (this.lease === lease) this.lease = undefined;
          needAcquire = true;
          result = 'unreachable';
          detail = `lease ${lease.id} gone`;
        } else {
          result = 'unreachable';
          detail = `keepalive: ${ka.reason}: ${ka.detail}`;
        }
      } else {
        result = 'unreachable';
      }
      if (needAcquire && gen === this.generation) {
        const step = await this.acquireStep(gen);
        renewedAtMs = step.sentAtMs;
        detail = detail === '' ? step.detail : `${detail}; re-acquire: ${step.detail}`;
        result = step.outcome === 'acquired' ? 'renewed' : step.outcome;
      }
    } finally {
      this.renewing = false;
    }
    if (gen !== this.generation || this.holding === undefined || this.holding.fired) return;
    const lease = this.lease;
    const action = renewalAction(this.policy, result, renewedAtMs, lease?.ttlS ?? this.leaseTtlS);
    switch (action.kind) {
      case 'extend':
        if (lease !== undefined) {
          // Only move forward: a late answer to an older request never shortens nor lengthens wrongly.
          if (action.deadlineMs > lease.deadlineMs) {
            lease.sentAtMs = renewedAtMs;
            lease.deadlineMs = action.deadlineMs;
          }
        }
        if (this.holding.unprotected) {
          this.holding.unprotected = false;
          this.log('lease renewed, witness protection restored');
        }
        if (detail !== '') this.log(detail);
        this.armDeadline(gen);
        break;
      case 'keep_deadline': {
        const left = lease !== undefined ? lease.deadlineMs - this.now() : 0;
        this.log(`renewal failed (${detail}); MASTER until the lease deadline in ${left.toFixed(0)} ms`);
        break;
      }
      case 'keep_mastership':
        this.log(`renewal failed (${detail}); fail_open keeps MASTER`);
        break;
      case 'lost':
        this.lost(gen, 'held_by_other', detail);
        return;
    }
    // Every TTL/3 from the last send, but a failed round retries TTL/3 after its own send.
    const base = action.kind === 'extend' && lease !== undefined ? lease.sentAtMs : sentAtMs;
    this.scheduleRenewal(gen, nextRenewalAtMs(base, lease?.ttlS ?? this.leaseTtlS));
  }

  /**
   * Graceful step-down: stop holding, delete the key if it holds our id and revoke the
   * lease (which also deletes any key attached to it). Bounded by requestTimeoutMs overall
   * (what is still under way then goes on in the background); never rejects.
   */
  async release(): Promise<void> {
    this.close();
    const lease = this.lease;
    this.lease = undefined;
    // Delete first, then revoke: a revoke first would delete the key itself and the
    // delete txn would then report "not ours". Together about two round trips.
    const work = (async () => {
      const rel = await this.client.release(this.key, this.nodeId);
      const rev = lease !== undefined ? await this.client.revoke(lease.id) : undefined;
      return [rel, rev] as const;
    })().then(
      ([rel, rev]) => {
        const parts = [rel.ok ? (rel.value.deleted ? 'key deleted' : 'key not ours') : `delete: ${rel.reason}`];
        if (lease !== undefined && rev !== undefined) parts.push(rev.ok ? `lease ${lease.id} revoked` : `revoke: ${rev.reason}`);
        this.log(`released: ${parts.join(', ')}`);
      },
      () => undefined,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.log('release timed out');
        resolve();
      }, this.requestTimeoutMs);
    });
    await Promise.race([work, timeout]);
    if (timer !== undefined) clearTimeout(timer);
  }

  /** Stop holding and every timer; no network. */
  close(): void {
    this.generation++;
    this.stopTimers();
    this.holding = undefined;
    this.renewing = false;
  }
}
