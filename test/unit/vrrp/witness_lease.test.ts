import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MIN_SAFETY_MARGIN_MS,
  deadlineAction,
  defaultRequestTimeoutMs,
  leaseUsable,
  localDeadlineMs,
  nextRenewalAtMs,
  renewalAction,
  renewalIntervalMs,
  safetyMarginMs,
  takeoverVerdict,
  type AcquireOutcome,
  type WitnessPolicy,
} from '../../../src/vrrp/witness_lease.js';

const POLICIES: readonly WitnessPolicy[] = ['fail_open', 'fail_closed'];
const ttlArb = fc.integer({ min: 1, max: 3600 });
const timeArb = fc.double({ min: 0, max: 1e9, noNaN: true });

test('safetyMarginMs(): 250 ms floor, 20 % above 1.25 s', () => {
  assert.equal(safetyMarginMs(1), 250);
  assert.equal(safetyMarginMs(1.25), 250);
  assert.equal(safetyMarginMs(2), 400);
  assert.equal(safetyMarginMs(5), 1000);
  assert.equal(safetyMarginMs(60), 12_000);
  assert.equal(safetyMarginMs(0.4), 200, 'never more than half the TTL');
});

test('localDeadlineMs(): send time + TTL - margin', () => {
  assert.equal(localDeadlineMs(1000, 1), 1750);
  assert.equal(localDeadlineMs(0, 5), 4000);
  assert.equal(localDeadlineMs(10_000, 10), 18_000);
});

test('renewal every TTL/3; request timeout = renewal period within [100, 2000] ms', () => {
  assert.equal(renewalIntervalMs(3), 1000);
  assert.equal(nextRenewalAtMs(500, 3), 1500);
  assert.equal(defaultRequestTimeoutMs(1), 333);
  assert.equal(defaultRequestTimeoutMs(3), 1000);
  assert.equal(defaultRequestTimeoutMs(60), 2000);
});

test('leaseUsable(): until the local deadline, not at it', () => {
  assert.equal(leaseUsable(1749, 1000, 1), true);
  assert.equal(leaseUsable(1750, 1000, 1), false);
});

test('takeoverVerdict(): the policy table', () => {
  const table: [WitnessPolicy, AcquireOutcome, boolean][] = [
    ['fail_open', 'acquired', true],
    ['fail_open', 'held_by_other', false],
    ['fail_open', 'unreachable', true],
    ['fail_closed', 'acquired', true],
    ['fail_closed', 'held_by_other', false],
    ['fail_closed', 'unreachable', false],
  ];
  for (const [policy, outcome, granted] of table) {
    const v = takeoverVerdict(policy, outcome);
    assert.equal(v.granted, granted, `${policy}/${outcome}`);
    assert.ok(v.reason.length > 0);
  }
});

test('renewalAction(): renewed extends, unreachable keeps the deadline (closed) or mastership (open), mismatch loses', () => {
  assert.deepEqual(renewalAction('fail_closed', 'renewed', 2000, 1), { kind: 'extend', deadlineMs: 2750 });
  assert.deepEqual(renewalAction('fail_open', 'renewed', 2000, 1), { kind: 'extend', deadlineMs: 2750 });
  assert.deepEqual(renewalAction('fail_closed', 'unreachable', 2000, 1), { kind: 'keep_deadline' });
  assert.deepEqual(renewalAction('fail_open', 'unreachable', 2000, 1), { kind: 'keep_mastership' });
  for (const p of POLICIES) assert.deepEqual(renewalAction(p, 'held_by_other', 2000, 1), { kind: 'lost', why: 'held_by_other' });
});

test('deadlineAction(): fail_closed loses, fail_open keeps', () => {
  assert.equal(deadlineAction('fail_closed'), 'lost');
  assert.equal(deadlineAction('fail_open'), 'keep_mastership');
});

test('property: the local deadline is strictly before the earliest server-side expiry (send time + TTL), by ≥ 250 ms', () => {
  fc.assert(
    fc.property(timeArb, ttlArb, (sentAtMs, leaseTtlS) => {
      const deadline = localDeadlineMs(sentAtMs, leaseTtlS);
      const earliestServerExpiry = sentAtMs + leaseTtlS * 1000;
      return deadline < earliestServerExpiry && earliestServerExpiry - deadline >= MIN_SAFETY_MARGIN_MS - 1e-6;
    }),
  );
});

test('property: a fresh lease is usable for at least half its TTL, and the deadline grows with the send time', () => {
  fc.assert(
    fc.property(timeArb, ttlArb, fc.double({ min: 0, max: 1e6, noNaN: true }), (sentAtMs, leaseTtlS, laterMs) => {
      const d = localDeadlineMs(sentAtMs, leaseTtlS);
      return d - sentAtMs >= (leaseTtlS * 1000) / 2 && localDeadlineMs(sentAtMs + laterMs, leaseTtlS) >= d;
    }),
  );
});

test('property: two renewals are sent before the deadline (one lost renewal is tolerated)', () => {
  fc.assert(
    fc.property(timeArb, ttlArb, (sentAtMs, leaseTtlS) => {
      const deadline = localDeadlineMs(sentAtMs, leaseTtlS);
      const first = nextRenewalAtMs(sentAtMs, leaseTtlS);
      const second = nextRenewalAtMs(first, leaseTtlS);
      return sentAtMs < first && first < second && second < deadline;
    }),
  );
});

test('property: held_by_other never grants and never keeps a holder, whatever the policy', () => {
  fc.assert(
    fc.property(fc.constantFrom(...POLICIES), timeArb, ttlArb, (policy, sentAtMs, leaseTtlS) => {
      return (
        !takeoverVerdict(policy, 'held_by_other').granted &&
        renewalAction(policy, 'held_by_other', sentAtMs, leaseTtlS).kind === 'lost'
      );
    }),
  );
});

test('property (model): under fail_closed a holder never believes it holds after the server could expire the lease', () => {
  // A random history of renewals (send time, success?) for one holder; the server expires
  // the lease at (send time of the last renewal it processed) + TTL, processing ≥ send time.
  fc.assert(
    fc.property(
      ttlArb.filter((t) => t <= 30),
      fc.array(fc.record({ gapMs: fc.double({ min: 1, max: 20_000, noNaN: true }), ok: fc.boolean(), delayMs: fc.double({ min: 0, max: 5000, noNaN: true }) }), { maxLength: 30 }),
      (leaseTtlS, rounds) => {
        let t = 0;
        let deadline = localDeadlineMs(0, leaseTtlS); // granted at 0
        let serverExpiry = leaseTtlS * 1000; // the grant was processed no earlier than it was sent (0)
        let alive = true;
        for (const r of rounds) {
          t += r.gapMs;
          if (t >= deadline) alive = false; // the deadline timer fired first
          if (!alive) break;
          if (r.ok && t < serverExpiry) {
            const a = renewalAction('fail_closed', 'renewed', t, leaseTtlS);
            if (a.kind !== 'extend') return false;
            deadline = Math.max(deadline, a.deadlineMs);
            serverExpiry = Math.max(serverExpiry, t + r.delayMs + leaseTtlS * 1000);
          } else {
            if (renewalAction('fail_closed', 'unreachable', t, leaseTtlS).kind !== 'keep_deadline') return false;
          }
          if (deadline >= serverExpiry) return false;
        }
        return deadline < serverExpiry;
      },
    ),
  );
});
