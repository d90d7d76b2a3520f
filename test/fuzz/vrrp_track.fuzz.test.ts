/**
 * Properties of vrrp/track.ts effectivePriority() over random trackers and statuses.
 * Failures print fast-check's seed and path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { effectivePriority, type TrackedObject } from '../../src/vrrp/track.js';

const weight = fc.oneof(fc.constant(0), fc.integer({ min: -253, max: 253 }));
const common = fc.record({ name: fc.constantFrom('a', 'b', 'c'), weight, reverse: fc.boolean() });

const upDown: fc.Arbitrary<TrackedObject> = fc
  .tuple(common, fc.constantFrom('interface', 'bfd', 'process'), fc.boolean())
  .map(([c, kind, isUp]): TrackedObject =>
    kind === 'process' ? { ...c, kind, hasQuorum: isUp } : { ...c, kind, isUp });
const scriptObj: fc.Arbitrary<TrackedObject> = fc
  .tuple(common, fc.constantFrom('good', 'bad', 'unknown', 'unknown_after_reload'))
  .map(([c, result]): TrackedObject => ({ ...c, kind: 'script', result }));
const fileObj: fc.Arbitrary<TrackedObject> = fc
  .tuple(common, fc.integer({ min: -1000, max: 1000 }))
  .map(([c, value]): TrackedObject => ({ ...c, kind: 'file', value }));
const tracked = fc.oneof(upDown, scriptObj, fileObj);
const basePriority = fc.oneof(fc.integer({ min: 1, max: 254 }), fc.constant(255));

/** The object's "in fault" condition, restated independently of track.ts. */
function isInFaultState(t: TrackedObject): boolean {
  if (t.kind === 'file') {
    if (t.weight === 0) return (t.value !== 0) !== t.reverse;
    return t.value * t.weight * (t.reverse ? -1 : 1) <= -254;
  }
  if (t.weight !== 0) return false;
  const isUp =
    t.kind === 'script' ? t.result === 'good' : t.kind === 'process' ? t.hasQuorum : t.isUp;
  if (t.kind === 'script' && t.result !== 'good' && t.result !== 'bad') return false;
  return isUp === t.reverse;
}

/** The same object, failed: down, bad, no quorum. Undefined for files (no up/down). */
function failed(t: TrackedObject): TrackedObject | undefined {
  switch (t.kind) {
    case 'interface':
    case 'bfd':
      return { ...t, isUp: false };
    case 'process':
      return { ...t, hasQuorum: false };
    case 'script':
      return { ...t, result: 'bad' };
    case 'file':
      return undefined;
  }
}

test('effectivePriority() is always 1..254, or 255 for an address owner', () => {
  fc.assert(
    fc.property(basePriority, fc.array(tracked, { maxLength: 8 }), (base, tracks) => {
      const p = effectivePriority({ basePriority: base, tracks }).effectivePriority;
      if (base === 255) assert.equal(p, 255);
      else assert.ok(p >= 1 && p <= 254, `priority ${p}`);
    }),
  );
});

// "Failing" means down / bad / quorum lost. Only without reverse: a reverse negative
// weight adds |w| while down (keepalived-behaviour.md §1c), by design.
test('effectivePriority(): failing one more non-reverse tracked object never raises the priority', () => {
  fc.assert(
    fc.property(basePriority, fc.array(tracked, { maxLength: 8 }), upDown, (base, tracks, extra) => {
      const obj = { ...extra, reverse: false };
      const down = failed(obj);
      assert.ok(down);
      const before = effectivePriority({ basePriority: base, tracks: [...tracks, obj] });
      const after = effectivePriority({ basePriority: base, tracks: [...tracks, down] });
      assert.ok(after.effectivePriority <= before.effectivePriority);
    }),
  );
});

test('effectivePriority() is FAULT iff some weight-0 object (or a track_file at ≤ -254) is in its fault state', () => {
  fc.assert(
    fc.property(basePriority, fc.array(tracked, { maxLength: 8 }), (base, tracks) => {
      const v = effectivePriority({ basePriority: base, tracks });
      assert.equal(v.isFault, tracks.some(isInFaultState));
      assert.equal(v.faultReasons.length, tracks.filter(isInFaultState).length);
    }),
  );
});
