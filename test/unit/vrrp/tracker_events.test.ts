import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, step } from '../../../src/vrrp/instance.js';
import { instanceParams } from '../../fakes/instance_params.js';
import { trackerEvents } from '../../../src/vrrp/tracker_events.js';
import { effectivePriority } from '../../../src/vrrp/track.js';

const P = instanceParams({ basePriority: 150 });

const script = (result: 'good' | 'bad', weight: number) =>
  ({ kind: 'script', name: 'chk', weight, reverse: false, result }) as const;

test('trackerEvents() turns a failing weighted script into a priority change with keepalived\'s log line', () => {
  const s = step(initialState(P), { kind: 'startup' }, 0).state;
  const verdict = effectivePriority({ basePriority: 150, tracks: [script('bad', -60)] });
  const events = trackerEvents(s, verdict);
  assert.deepEqual(events, [{ kind: 'priority_changed', effectivePriority: 90 }]);
  const t = step(s, events[0] ?? assert.fail(), 1);
  assert.equal(t.state.effectivePriority, 90);
  assert.deepEqual(t.actions, [{ kind: 'log', level: 'info', text: '(VI_1) Changing effective priority from 150 to 90' }]);
});

test('trackerEvents() raises FAULT before any priority change, and clears it after', () => {
  const s = step(initialState(P), { kind: 'startup' }, 0).state;
  const down = effectivePriority({ basePriority: 150, tracks: [script('bad', 0)] });
  assert.deepEqual(trackerEvents(s, down), [{ kind: 'fault_changed', isFaulted: true }]);
  const faulted = step(s, { kind: 'fault_changed', isFaulted: true }, 1).state;
  assert.equal(faulted.state, 'FAULT');
  const up = effectivePriority({ basePriority: 150, tracks: [script('good', 0)] });
  assert.deepEqual(trackerEvents(faulted, up), [{ kind: 'fault_changed', isFaulted: false }]);
  assert.deepEqual(trackerEvents(faulted, { ...up, effectivePriority: 140 }), [
    { kind: 'priority_changed', effectivePriority: 140 },
    { kind: 'fault_changed', isFaulted: false },
  ]);
});

test('trackerEvents() raises nothing when nothing changed', () => {
  const s = step(initialState(P), { kind: 'startup' }, 0).state;
  assert.deepEqual(trackerEvents(s, effectivePriority({ basePriority: 150, tracks: [script('good', -60)] })), []);
});
