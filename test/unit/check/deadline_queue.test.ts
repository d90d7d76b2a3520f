/**
 * The checker deadline index (src/check/deadline_queue.ts) against a plain model: a map of
 * current deadlines, scanned in full. Every operation sequence must give the same due
 * checkers (as a set, each once) and the same next deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeadlineQueue } from '../../../src/check/deadline_queue.js';

type Op =
  | { readonly kind: 'set'; readonly id: number; readonly deadlineUs: number | undefined }
  | { readonly kind: 'take'; readonly nowUs: number }
  | { readonly kind: 'rebuild'; readonly count: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  // Few ids and deadlines, so that sequences revisit the same (id, deadline) pairs.
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), id: fc.nat(6), deadlineUs: fc.option(fc.nat(20), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('take' as const), nowUs: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rebuild' as const), count: fc.nat(8) }) },
);

test('property: takeDue and nextUs agree with a full scan of the current deadlines', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const q = new DeadlineQueue();
      const model = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'set') {
          q.set(o.id, o.deadlineUs);
          if (o.deadlineUs === undefined) model.delete(o.id);
          else model.set(o.id, o.deadlineUs);
        } else if (o.kind === 'rebuild') {
          // The engine's state is the truth: a rebuild keeps what the model says for ids < count.
          q.rebuild(o.count, (id) => model.get(id));
          for (const id of [...model.keys()]) if (id >= o.count) model.delete(id);
        } else {
          const due = q.takeDue(o.nowUs);
          const want = [...model].filter(([, d]) => d <= o.nowUs).map(([id]) => id);
          assert.deepEqual([...due].sort((a, b) => a - b), want.sort((a, b) => a - b));
          const dues = due.map((id) => model.get(id) ?? -1);
          assert.deepEqual(dues, [...dues].sort((a, b) => a - b), 'in deadline order');
          for (const id of due) model.delete(id);
        }
        const next = [...model.values()].reduce<number | undefined>((m, d) => (m === undefined || d < m ? d : m), undefined);
        assert.equal(q.nextUs(), next);
      }
    }),
    { numRuns: 500 },
  );
});

test('a checker rescheduled many times leaves one live entry; superseded ones go when they reach the top', () => {
  const q = new DeadlineQueue();
  for (let i = 0; i < 1_000; i++) q.set(7, 5_000 - i);
  assert.equal(q.nextUs(), 4_001);
  assert.deepEqual(q.takeDue(10_000), [7], 'one result for the checker, whatever its history');
  assert.equal(q.nextUs(), undefined);
  assert.equal(q.entries(), 0, 'the superseded entries were dropped on the way');
});

test('a fired checker given the same deadline again is due again', () => {
  const q = new DeadlineQueue();
  q.set(1, 5);
  assert.deepEqual(q.takeDue(5), [1]);
  q.set(1, 5);
  assert.equal(q.nextUs(), 5);
  assert.deepEqual(q.takeDue(5), [1]);
});

test('setting the same deadline again adds no entry', () => {
  const q = new DeadlineQueue();
  q.set(3, 100);
  q.set(3, 100);
  q.set(4, undefined);
  assert.equal(q.entries(), 1);
});
