/**
 * The whole front end (lexer → interpreter → handlers → completion) never throws on
 * arbitrary input: it returns diagnostics, or keepalived's abort code. Inputs are built
 * from the real keyword tables so that the generator reaches deep into every handler with
 * good, bad, missing and hostile values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig, ROOT_KEYWORDS } from '../../src/config/parse.js';
import type { KeywordTable } from '../../src/config/interpreter.js';
import type { ConfigDraft } from '../../src/config/draft.js';
import { MemoryFileSource, SeededRandom } from '../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../fakes/fake_host_facts.js';

interface Level {
  readonly names: readonly string[];
  readonly subs: ReadonlyMap<string, KeywordTable<ConfigDraft>>;
}

function level(table: KeywordTable<ConfigDraft>): Level {
  const subs = new Map<string, KeywordTable<ConfigDraft>>();
  for (const [name, k] of table) if (k.sub !== undefined) subs.set(name, k.sub);
  return { names: [...table.keys()], subs };
}

const VALUES = [
  '0', '1', '3', '100', '255', '256', '-1', '-253', '4294967296', '1.5', '0.000001', '1e3', '',
  '10.0.0.1', '10.0.0.1/24', '10.0.0.2-9', 'fe80::1', '2001:db8::1/64', '224.0.0.18', 'eth0', 'lo',
  'nosuch0', 'MASTER', 'BACKUP', 'PASS', 'AH', 'TCP', 'UDP', 'rr', 'wlc', 'NAT', 'DR', 'on', 'off',
  'yes', 'weight', 'reverse', 'dev', 'scope', 'label', 'brd', 'via', 'table', 'user', 'nobody',
  '/bin/true', '/no/such', '"/bin/true arg"', "'x y'", '\\x41', '$X', '${X}', '@vm', '~SEQ(i,1,3)',
  '{', '}', '"', '#', '!', 'include', '*', '\u0000', '\u00ff', 'x'.repeat(300),
];

/** A random config text over the keyword tables (depth-limited), with junk mixed in. */
function configText(): fc.Arbitrary<string> {
  const root = level(ROOT_KEYWORDS);
  return fc
    .array(fc.tuple(fc.nat(), fc.array(fc.constantFrom(...VALUES), { maxLength: 4 }), fc.nat(), fc.nat()), {
      minLength: 1,
      maxLength: 60,
    })
    .map((steps) => {
      const lines: string[] = [];
      const stack: Level[] = [root];
      for (const [pick, args, shape, jitter] of steps) {
        const cur = stack[stack.length - 1] ?? root;
        const name = cur.names[pick % Math.max(1, cur.names.length)] ?? 'x';
        const sub = cur.subs.get(name);
        const kind = shape % 8 === 0 && stack.length <= 1 ? 1 : shape % 8;
        switch (kind) {
          case 0:
            stack.pop();
            lines.push('}');
            break;
          case 1:
          case 2:
          case 3:
            lines.push([name, ...args].join(' '));
            break;
          case 4:
            if (sub !== undefined && stack.length < 6) {
              lines.push(`${[name, ...args].join(' ')} {`);
              stack.push(level(sub));
            } else {
              lines.push(`${name} {`, ...args, '}');
            }
            break;
          case 5:
            lines.push(args.join(' '));
            break;
          case 6:
            lines.push(`$X=${args.join(' ')}`);
            break;
          default:
            lines.push(jitter % 2 === 0 ? '{' : '}');
        }
      }
      return lines.join('\n');
    });
}

function parse(text: string, extra: Record<string, string> = {}) {
  const files = new MemoryFileSource({ '/etc/keepalived/keepalived.conf': text, ...extra });
  return parseConfig('/etc/keepalived/keepalived.conf', files, {
    host: createFakeHostFacts({ interfaces: ['lo', 'eth0', 'eth1'] }),
    random: new SeededRandom(7),
    configId: 'vm',
    env: { X: 'eth0' },
  });
}

test('parseConfig() never throws on configs generated from the keyword tables', () => {
  fc.assert(
    fc.property(configText(), (text) => {
      const r = parse(text);
      assert.ok(r.config !== undefined || r.abortExitCode !== undefined);
      for (const d of r.diagnostics) {
        assert.equal(typeof d.message, 'string');
        assert.ok(d.line >= 0);
      }
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 400), interruptAfterTimeLimit: Number(process.env.FUZZ_MS ?? 8_000) },
  );
});

test('parseConfig() never throws on arbitrary text and bytes', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
      const r = parse(text);
      assert.ok(r.config !== undefined || r.abortExitCode !== undefined);
    }),
    { numRuns: 300, interruptAfterTimeLimit: 4_000 },
  );
});
