import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigLine, LineReader } from '../../../src/config/config_line.js';
import { DiagnosticSink } from '../../../src/config/diagnostics.js';
import { ConfigAbort, ParseContext } from '../../../src/config/parse_context.js';
import { interpret, keywordTable, type Keyword } from '../../../src/config/interpreter.js';

/** Lines as the lexer would give them: one array of words per line, braces alone. */
function reader(lines: readonly (readonly string[])[]): LineReader {
  let i = 0;
  return {
    next(): ConfigLine | undefined {
      const words = lines[i];
      if (words === undefined) return undefined;
      i++;
      return { file: '/t.conf', line: i, words, raw: words.join(' ') };
    },
  };
}

interface Log {
  calls: string[];
}

function setup(lines: readonly (readonly string[])[]): { ctx: ParseContext<Log>; sink: DiagnosticSink } {
  const sink = new DiagnosticSink();
  return { ctx: new ParseContext<Log>(reader(lines), sink, { calls: [] }), sink };
}

const rec = (name: string): Keyword<Log> => ({
  name,
  handler: (w, ctx) => ctx.state.calls.push(`${w.join(' ')}@${ctx.at.line}`),
});

const inner = keywordTable<Log>([rec('state'), rec('priority')]);
const root = keywordTable<Log>([
  {
    name: 'vrrp_instance',
    handler: (w, ctx) => ctx.state.calls.push(`open ${w[1] ?? ''}`),
    sub: inner,
    onClose: (ctx) => ctx.state.calls.push('close'),
  },
  rec('top'),
]);

test('interpret() calls handlers of a nested block and its close handler', () => {
  const { ctx, sink } = setup([['vrrp_instance', 'VI_1'], ['{'], ['state', 'MASTER'], ['}'], ['top']]);
  interpret(root, ctx);
  assert.deepEqual(ctx.state.calls, ['open VI_1', 'state MASTER@3', 'close', 'top@5']);
  assert.deepEqual(sink.items, []);
});

test("interpret() reports Unknown keyword and reads that keyword's block lines at the current level", () => {
  // keepalived-compat: process_stream() skips only the unknown line; the inner '}' then
  // closes vrrp_instance, and the real '}' becomes an unknown keyword at the root.
  const { ctx, sink } = setup([
    ['vrrp_instance', 'VI_1'],
    ['{'],
    ['bogus'],
    ['{'],
    ['priority', '50'],
    ['}'],
    ['state', 'BACKUP'],
    ['}'],
  ]);
  interpret(root, ctx);
  assert.deepEqual(
    sink.items.map((d) => `${d.line}:${d.kind}:${d.message}`),
    [
      "3:unknown_keyword:Unknown keyword 'bogus'",
      "4:unexpected_bob:Unexpected '{' - ignoring",
      "7:unknown_keyword:Unknown keyword 'state'",
      "8:unknown_keyword:Unknown keyword '}'",
    ],
  );
  assert.deepEqual(ctx.state.calls, ['open VI_1', 'priority 50@5', 'close']);
});

test("interpret() reports a missing '{' and treats the line as the block's first keyword", () => {
  const { ctx, sink } = setup([['vrrp_instance', 'VI_1'], ['state', 'MASTER'], ['}']]);
  interpret(root, ctx);
  assert.equal(sink.items[0]?.kind, 'missing_bob');
  assert.deepEqual(ctx.state.calls, ['open VI_1', 'state MASTER@2', 'close']);
});

test('interpret() skips a block when the handler asks, without running its close handler', () => {
  const skipping = keywordTable<Log>([
    {
      name: 'dup',
      handler: (_w, ctx) => ctx.skipBlock(true),
      sub: inner,
      onClose: (ctx) => ctx.state.calls.push('close'),
    },
    rec('top'),
  ]);
  const { ctx, sink } = setup([['dup'], ['{'], ['state', 'X'], ['{'], ['}'], ['}'], ['top']]);
  interpret(skipping, ctx);
  assert.deepEqual(ctx.state.calls, ['top@7']);
  assert.deepEqual(sink.items, []);
});

test('ParseContext.readValueBlock() returns the value lines of a block', () => {
  const got: string[] = [];
  const table = keywordTable<Log>([
    { name: 'virtual_ipaddress', handler: (w, ctx) => ctx.readValueBlock(w, (l) => got.push(l.join(' '))) },
    rec('top'),
  ]);
  const { ctx, sink } = setup([
    ['virtual_ipaddress'],
    ['{'],
    ['10.0.0.1/24', 'dev', 'eth0'],
    ['10.0.0.2'],
    ['}'],
    ['top'],
  ]);
  interpret(table, ctx);
  assert.deepEqual(got, ['10.0.0.1/24 dev eth0', '10.0.0.2']);
  assert.deepEqual(ctx.state.calls, ['top@6']);
  assert.deepEqual(sink.items, []);
});

test('ParseContext.word() reports a missing parameter and aborts the parse like keepalived', () => {
  const table = keywordTable<Log>([{ name: 'priority', handler: (w, ctx) => void ctx.word(w, 1) }]);
  const { ctx, sink } = setup([['priority']]);
  assert.throws(() => interpret(table, ctx), (e: unknown) => e instanceof ConfigAbort && e.exitCode === 2);
  assert.equal(sink.items[0]?.kind, 'missing_parameter');
  assert.match(sink.items[0]?.message ?? '', /missing a parameter after keyword `priority` at word position 2/);
});

test('interpret() handles 10,000 unknown nested blocks without deep recursion', () => {
  const lines: string[][] = [];
  for (let i = 0; i < 10_000; i++) lines.push(['vrrp_instance', `V${i}`], ['{']);
  const { ctx, sink } = setup(lines);
  interpret(root, ctx);
  assert.ok(sink.items.length > 0);
});
