import { test } from 'node:test';
import assert from 'node:assert/strict';
import { masterDownIntervalUs, skewTimeUs, formatSecondsUs } from '../../../src/vrrp/timers.js';

test('masterDownIntervalUs() for VRRPv2 matches keepalived 2.2.7 (prio 100: 3.609375 s, 150: 3.414 s)', () => {
  // keepalived-behaviour.md §2: prio 100 → 3.609 s, 150 → 3.414 s, 254 → 3.008 s.
  assert.equal(masterDownIntervalUs({ version: 2, priority: 100, masterAdverIntervalCs: 100 }), 3_609_375);
  assert.equal(masterDownIntervalUs({ version: 2, priority: 150, masterAdverIntervalCs: 100 }), 3_414_062);
  assert.equal(masterDownIntervalUs({ version: 2, priority: 254, masterAdverIntervalCs: 100 }), 3_007_812);
});

test('skewTimeUs() for VRRPv2 does not depend on the advert interval (RFC 3768 §6.1)', () => {
  assert.equal(skewTimeUs({ version: 2, priority: 100, masterAdverIntervalCs: 300 }), 609_375);
});

test('skewTimeUs() for VRRPv3 scales with Master_Adver_Interval (RFC 5798 §6.1)', () => {
  assert.equal(skewTimeUs({ version: 3, priority: 100, masterAdverIntervalCs: 100 }), 609_375);
  assert.equal(skewTimeUs({ version: 3, priority: 100, masterAdverIntervalCs: 10 }), 60_937);
  assert.equal(
    masterDownIntervalUs({ version: 3, priority: 200, masterAdverIntervalCs: 50, downTimerAdverts: 4 }),
    4 * 500_000 + Math.floor((56 * 50 * 625) / 16),
  );
});

test('formatSecondsUs() trims trailing zeros', () => {
  assert.equal(formatSecondsUs(3_609_375), '3.609375');
  assert.equal(formatSecondsUs(3_000_000), '3');
  assert.equal(formatSecondsUs(500_000), '0.5');
});
