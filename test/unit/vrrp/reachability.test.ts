import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  INITIAL_REACHABILITY,
  isIsolated,
  reachabilityStep,
  type ReachabilityState,
  type ReachabilityThresholds,
} from '../../../src/vrrp/reachability.js';

/** Feeds rounds from the start; returns every state and whether it changed. */
function run(rounds: readonly boolean[], th: ReachabilityThresholds) {
  let state: ReachabilityState = INITIAL_REACHABILITY;
  const steps: { state: ReachabilityState; changed: boolean }[] = [];
  for (const ok of rounds) {
    const r = reachabilityStep(state, ok, th);
    steps.push(r);
    state = r.state;
  }
  return steps;
}

const verdicts = (rounds: readonly boolean[], th: ReachabilityThresholds) =>
  run(rounds, th).map((s) => s.state.isReachable);

test('starts unknown; the first OK round decides at once', () => {
  assert.equal(INITIAL_REACHABILITY.isReachable, undefined);
  assert.equal(isIsolated(INITIAL_REACHABILITY), false, 'unknown is not isolated');
  const [first] = run([true], { rise: 5, fall: 3 });
  assert.deepEqual(first, { state: { isReachable: true, consecutiveOk: 1, consecutiveFail: 0 }, changed: true });
});

test('from unknown, failed rounds count toward fall like any other; an OK round in between decides reachable', () => {
  assert.deepEqual(verdicts([false, false, false], { rise: 2, fall: 3 }), [undefined, undefined, false]);
  assert.deepEqual(verdicts([false, false, true], { rise: 2, fall: 3 }), [undefined, undefined, true]);
  const steps = run([false, false, false, false], { rise: 2, fall: 3 });
  assert.deepEqual(steps.map((s) => s.changed), [false, false, true, false]);
  assert.equal(isIsolated(steps[2]!.state), true);
});

test('reachable → unreachable after fall failures in a row; an OK round resets the count', () => {
  const th = { rise: 2, fall: 3 };
  assert.deepEqual(verdicts([true, false, false, true, false, false, false], th), [
    true, true, true, true, true, true, false,
  ]);
});

test('unreachable → reachable after rise OK rounds in a row; a failure resets the count', () => {
  const th = { rise: 3, fall: 1 };
  assert.deepEqual(verdicts([true, false, true, true, false, true, true, true], th), [
    true, false, false, false, false, false, false, true,
  ]);
});

test('thresholds below 1 act as 1 (never flip without evidence)', () => {
  assert.deepEqual(verdicts([true, false, true], { rise: 0, fall: -4 }), [true, false, true]);
  assert.deepEqual(verdicts([true, false, true], { rise: Number.NaN, fall: 0.2 }), [true, false, true]);
});

const thresholds = fc.record({ rise: fc.integer({ min: 1, max: 6 }), fall: fc.integer({ min: 1, max: 6 }) });
const rounds = fc.array(fc.boolean(), { maxLength: 60 });

test('property: never becomes unreachable without `fall` failed rounds in a row just before', () => {
  fc.assert(
    fc.property(thresholds, rounds, (th, rs) => {
      const steps = run(rs, th);
      steps.forEach((s, i) => {
        const before = i === 0 ? INITIAL_REACHABILITY : steps[i - 1]!.state;
        if (s.state.isReachable === false && before.isReachable !== false) {
          assert.ok(i + 1 >= th.fall);
          assert.ok(rs.slice(i + 1 - th.fall, i + 1).every((ok) => !ok), `round ${i}`);
        }
      });
    }),
  );
});

test('property: never leaves unreachable without `rise` OK rounds in a row just before', () => {
  fc.assert(
    fc.property(thresholds, rounds, (th, rs) => {
      const steps = run(rs, th);
      steps.forEach((s, i) => {
        const before = i === 0 ? INITIAL_REACHABILITY : steps[i - 1]!.state;
        if (before.isReachable === false && s.state.isReachable !== false) {
          assert.equal(s.state.isReachable, true, 'never back to unknown');
          assert.ok(rs.slice(i + 1 - th.rise, i + 1).every((ok) => ok) && i + 1 >= th.rise, `round ${i}`);
        }
      });
    }),
  );
});

test('property: `changed` is exactly "the verdict differs"; counters count the current run; steady input converges', () => {
  fc.assert(
    fc.property(thresholds, rounds, fc.boolean(), (th, rs, tail) => {
      const all = [...rs, ...Array<boolean>(Math.max(th.rise, th.fall)).fill(tail)];
      const steps = run(all, th);
      steps.forEach((s, i) => {
        const before = i === 0 ? INITIAL_REACHABILITY : steps[i - 1]!.state;
        assert.equal(s.changed, s.state.isReachable !== before.isReachable);
        let streak = 0;
        for (let j = i; j >= 0 && all[j] === all[i]; j--) streak++;
        assert.equal(all[i] ? s.state.consecutiveOk : s.state.consecutiveFail, streak);
        assert.equal(all[i] ? s.state.consecutiveFail : s.state.consecutiveOk, 0);
      });
      assert.equal(steps.at(-1)!.state.isReachable, tail);
    }),
  );
});
