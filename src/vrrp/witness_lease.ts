/**
 * The etcd witness policy (split-brain protection, issue 8): only the holder of a lease on
 * the witness key may be VRRP MASTER. Pure arithmetic and verdicts; the shell
 * (src/arbiter/witness.ts) does the I/O and passes the monotonic time in.
 *
 * Timing guarantee ("at most one master" under fail_closed). A grant or keepalive request
 * sent at `sentAtMs` that succeeds was processed by etcd at some time ≥ sentAtMs, so the
 * server-side expiry of the lease is ≥ sentAtMs + TTL (etcd also only sweeps expired
 * leases every 500 ms, which makes it later still). The local deadline is
 *
 *     deadlineMs = sentAtMs + leaseTtlS·1000 − safetyMarginMs(leaseTtlS)
 *
 * with safetyMarginMs = max(250 ms, 20 % of the TTL). The margin absorbs clock-rate
 * differences between the two monotonic clocks and the time between "the deadline timer
 * fires" and "the VIPs are gone". Another node can only acquire the key after the server
 * expiry, so it becomes master strictly after we stopped being one. The send time, never
 * the reply time, is what counts: a slow reply shortens the lease we may use, never
 * lengthens it.
 *
 * Renewal runs every TTL/3: after a successful renewal, two more (at 1/3 and 2/3 of the TTL)
 * are sent before the deadline (at most 0.8 TTL for TTL ≥ 1.25 s; 0.75 s for TTL 1 s), so
 * one lost renewal never costs mastership.
 */

/** What a node does when the witness cannot be reached. */
export type WitnessPolicy = 'fail_open' | 'fail_closed';

/** The result of one acquire attempt (grant if needed + the acquire txn). */
export type AcquireOutcome = 'acquired' | 'held_by_other' | 'unreachable';

/** The floor of the local safety margin, ms. */
export const MIN_SAFETY_MARGIN_MS = 250;

/** The local safety margin as a share of the TTL. */
export const SAFETY_MARGIN_FRACTION = 0.2;

/** The smallest TTL we ask for: etcd grants whole seconds. */
export const MIN_LEASE_TTL_S = 1;

/**
 * The safety margin for a lease of `leaseTtlS` seconds: max(250 ms, 20 % of the TTL),
 * but never more than half the TTL (only relevant below 1 s, which etcd does not grant),
 * so a fresh lease is always usable for a while.
 */
export function safetyMarginMs(leaseTtlS: number): number {
  const ttlMs = leaseTtlS * 1000;
  return Math.min(Math.max(MIN_SAFETY_MARGIN_MS, ttlMs * SAFETY_MARGIN_FRACTION), ttlMs / 2);
}

/**
 * The local lease deadline: after this monotonic time a master must consider the lease
 * lost even though etcd may still think it holds it. `sentAtMs` is when the successful
 * grant/keepalive REQUEST was sent (not when its reply came).
 */
export function localDeadlineMs(sentAtMs: number, leaseTtlS: number): number {
  return sentAtMs + leaseTtlS * 1000 - safetyMarginMs(leaseTtlS);
}

/** The renewal period: a third of the TTL. */
export function renewalIntervalMs(leaseTtlS: number): number {
  return (leaseTtlS * 1000) / 3;
}

/** When to send the next keepalive after one sent at `sentAtMs` (succeeded or not). */
export function nextRenewalAtMs(sentAtMs: number, leaseTtlS: number): number {
  return sentAtMs + renewalIntervalMs(leaseTtlS);
}

/**
 * A sensible per-request timeout for a TTL: the renewal period (so a hung request does
 * not delay the next renewal), capped at 2 s, at least 100 ms.
 */
export function defaultRequestTimeoutMs(leaseTtlS: number): number {
  return Math.max(100, Math.min(2000, Math.floor(renewalIntervalMs(leaseTtlS))));
}

/** Whether a lease renewed at `sentAtMs` may still be relied on at `nowMs`. */
export function leaseUsable(nowMs: number, sentAtMs: number, leaseTtlS: number): boolean {
  return nowMs < localDeadlineMs(sentAtMs, leaseTtlS);
}

export interface TakeoverVerdict {
  /** May this node become (or stay) MASTER? */
  readonly granted: boolean;
  /** A short reason for the log. */
  readonly reason: string;
}

/**
 * The verdict on a takeover request. `held_by_other` always denies; `acquired` always
 * grants; `unreachable` grants under fail_open (availability first: a witness outage must
 * not take the service down) and denies under fail_closed (safety first).
 */
export function takeoverVerdict(policy: WitnessPolicy, outcome: AcquireOutcome): TakeoverVerdict {
  switch (outcome) {
    case 'acquired':
      return { granted: true, reason: 'lease acquired' };
    case 'held_by_other':
      return { granted: false, reason: 'key held by another node' };
    case 'unreachable':
      return policy === 'fail_open'
        ? { granted: true, reason: 'witness unreachable, fail_open grants' }
        : { granted: false, reason: 'witness unreachable, fail_closed denies' };
  }
}

/** The result of one renewal of a holding master. */
export type RenewalResult =
  /** keepalive succeeded and the key still holds our value. */
  | 'renewed'
  /** no answer (unreachable, timeout, server error). */
  | 'unreachable'
  /** the key holds someone else's value. */
  | 'held_by_other';

/** What a holding master does after a renewal. */
export type RenewalAction =
  /** Move the local deadline to localDeadlineMs(sentAtMs, ttl). */
  | { readonly kind: 'extend'; readonly deadlineMs: number }
  /** Keep the current deadline; the master is lost when it passes (fail_closed). */
  | { readonly kind: 'keep_deadline' }
  /** Keep mastership regardless of the deadline (fail_open); log it. */
  | { readonly kind: 'keep_mastership' }
  /** Lost now. */
  | { readonly kind: 'lost'; readonly why: 'held_by_other' };

/**
 * The decision after a renewal sent at `sentAtMs`. A key holding someone else's value is
 * lost at once under both policies (the witness answered: it is not a partition).
 */
export function renewalAction(
  policy: WitnessPolicy,
  result: RenewalResult,
  sentAtMs: number,
  leaseTtlS: number,
): RenewalAction {
  switch (result) {
    case 'renewed':
      return { kind: 'extend', deadlineMs: localDeadlineMs(sentAtMs, leaseTtlS) };
    case 'held_by_other':
      return { kind: 'lost', why: 'held_by_other' };
    case 'unreachable':
      return policy === 'fail_open' ? { kind: 'keep_mastership' } : { kind: 'keep_deadline' };
  }
}

/**
 * What happens when the local deadline passes without a successful renewal:
 * fail_closed → the master is lost ('expired'); fail_open → it stays master (the shell logs
 * that it runs unprotected).
 */
export function deadlineAction(policy: WitnessPolicy): 'lost' | 'keep_mastership' {
  return policy === 'fail_closed' ? 'lost' : 'keep_mastership';
}
