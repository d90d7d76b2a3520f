import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticSink } from '../../../src/config/diagnostics.js';
import { ParseContext } from '../../../src/config/parse_context.js';
import { readDecimal, readInt, readTimerUs, readUnsigned, checkTrueFalse } from '../../../src/config/values.js';

function ctx(): { c: ParseContext<null>; sink: DiagnosticSink } {
  const sink = new DiagnosticSink();
  return { c: new ParseContext<null>({ next: () => undefined }, sink, null), sink };
}

test('readUnsigned() gives keepalived messages for junk, negatives and ranges', () => {
  const { c, sink } = ctx();
  assert.equal(readUnsigned(c, '100', 1, 255), 100);
  assert.equal(readUnsigned(c, '12abc', 1, 255), undefined);
  assert.equal(readUnsigned(c, '-3', 0, 255), undefined);
  assert.equal(readUnsigned(c, '300', 1, 255), undefined);
  assert.deepEqual(sink.items.map((d) => d.message), [
    "invalid number '12abc'",
    "negative number '-3'",
    "number '300' outside range [1, 255]",
  ]);
  assert.ok(sink.items.every((d) => d.kind === 'invalid_number'));
});

test('readInt() accepts signed values within range', () => {
  const { c, sink } = ctx();
  assert.equal(readInt(c, '-253', -253, 253), -253);
  assert.equal(readInt(c, '254', -253, 253), undefined);
  assert.equal(sink.items[0]?.message, "number '254' outside range [-253, 253]");
});

test('readDecimal() scales by 10^shift, rounds extra places with a complaint and keeps the value', () => {
  const { c, sink } = ctx();
  assert.equal(readDecimal(c, '1.5', { min: 0, max: 1000, shift: 2 }), 150);
  assert.equal(readDecimal(c, '3', { min: 0, max: 1000, shift: 2 }), 300);
  // keepalived complains but still uses the rounded value.
  assert.equal(readDecimal(c, '0.015', { min: 0, max: 1000, shift: 2 }), 2);
  assert.equal(sink.items[0]?.message, "number '0.015' has too many decimal places");
  assert.equal(readTimerUs(c, '0.000001', 0, 0), 1);
  assert.equal(readTimerUs(c, 'abc', 0, 0), undefined);
});

test('checkTrueFalse() knows only lowercase words', () => {
  assert.equal(checkTrueFalse('on'), true);
  assert.equal(checkTrueFalse('no'), false);
  assert.equal(checkTrueFalse('True'), undefined);
});
