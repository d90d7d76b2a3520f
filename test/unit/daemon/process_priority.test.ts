import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { vrrpProcessScheduling } from '../../../src/daemon/process_priority.js';

test('vrrp_rt_priority wins over vrrp_priority, clamped to 1–99 as keepalived does', () => {
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: 50, nice: -5, shortestAdvertIntervalCs: 100 }), { kind: 'realtime', priority: 50, why: 'vrrp_rt_priority' });
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: 0, nice: undefined, shortestAdvertIntervalCs: 100 }), { kind: 'realtime', priority: 1, why: 'vrrp_rt_priority' });
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: 120, nice: undefined, shortestAdvertIntervalCs: 100 }), { kind: 'realtime', priority: 99, why: 'vrrp_rt_priority' });
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: undefined, nice: -5, shortestAdvertIntervalCs: 10 }), { kind: 'nice', nice: -5 });
});

test('sub-second adverts without either keyword get SCHED_RR 1; one second or more stays default', () => {
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: undefined, nice: undefined, shortestAdvertIntervalCs: 10 }), { kind: 'realtime', priority: 1, why: 'sub_second_advert_int' });
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: undefined, nice: undefined, shortestAdvertIntervalCs: 99 }).kind, 'realtime');
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: undefined, nice: undefined, shortestAdvertIntervalCs: 100 }), { kind: 'default' });
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: undefined, nice: undefined, shortestAdvertIntervalCs: undefined }), { kind: 'default' });
  // vrrp_priority 0 is the opt-out.
  assert.deepEqual(vrrpProcessScheduling({ rtPriority: undefined, nice: 0, shortestAdvertIntervalCs: 10 }), { kind: 'nice', nice: 0 });
  fc.assert(
    fc.property(fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined }), fc.option(fc.integer({ min: -20, max: 19 }), { nil: undefined }), fc.option(fc.integer({ min: 1, max: 25500 }), { nil: undefined }), (rt, nice, cs) => {
      const p = vrrpProcessScheduling({ rtPriority: rt, nice, shortestAdvertIntervalCs: cs });
      if (p.kind === 'realtime') return p.priority >= 1 && p.priority <= 99 && (rt !== undefined || (nice === undefined && cs !== undefined && cs < 100));
      return rt === undefined;
    }),
  );
});
