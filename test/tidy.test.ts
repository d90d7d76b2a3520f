/**
 * Architecture rules, enforced (after TigerBeetle's tidy.zig): the pure core never touches
 * the OS, the clock or randomness, so the simulator and the fuzzers can drive it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

/** Pure directories and files (architecture.md "The rule for I/O vs pure logic"). */
const PURE_DIRS = ['config', 'vrrp', 'check', 'lvs', 'lib'];
const SHELL_EXCEPTIONS = [
  'vrrp/runtime.ts',
  'vrrp/script_tracker.ts',
  'vrrp/file_tracker.ts',
  'check/probes/',
  'lvs/ipvs.ts',
  'lvs/nft.ts',
];
const PURE_FILES = ['net/netlink/codec.ts', 'net/sockaddr.ts', 'net/arp_frame.ts', 'net/vip_plan.ts'];

const FORBIDDEN: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /\bfrom\s+['"]node:/, why: 'imports node:*' },
  { pattern: /\bimport\s*\(\s*['"]node:/, why: 'imports node:*' },
  { pattern: /\brequire\s*\(/, why: 'uses require()' },
  { pattern: /\bfrom\s+['"](fs|os|path|net|dgram|child_process|timers|crypto)['"]/, why: 'imports a Node built-in' },
  { pattern: /\bfrom\s+['"][./]*\/(daemon|notify|observe)\//, why: 'imports a shell module' },
  // src/net is shell except its pure files (PURE_FILES), which pure code may use.
  {
    pattern: /\bfrom\s+['"][./]*\/net\/(?!(netlink\/codec|sockaddr|arp_frame|vip_plan)\.js['"])/,
    why: 'imports a shell module',
  },
  { pattern: /\bset(Timeout|Interval|Immediate)\s*\(/, why: 'uses a timer' },
  { pattern: /\bDate\.now\s*\(/, why: 'reads the clock (Date.now)' },
  { pattern: /\bnew\s+Date\s*\(/, why: 'reads the clock (new Date)' },
  { pattern: /\bperformance\.now\s*\(/, why: 'reads the clock (performance.now)' },
  { pattern: /\bMath\.random\s*\(/, why: 'uses Math.random' },
  { pattern: /\bprocess\./, why: 'touches process' },
  { pattern: /\bconsole\./, why: 'logs to the console' },
];

/** Removes comments and string contents so prose about Date.now() does not trip the rules. */
export function stripCommentsAndStrings(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      i += 2;
      while (i < source.length && !(source[i] === '*' && source[i + 1] === '/')) i++;
      i += 2;
    } else if (c === '`') {
      // Template literal: keep ${...} expressions out of scope for simplicity, drop text.
      i++;
      while (i < source.length && source[i] !== '`') i += source[i] === '\\' ? 2 : 1;
      i++;
      out += '``';
    } else if (c === "'" || c === '"') {
      // Keep import specifiers (needed by the import rules): strings are kept verbatim
      // when they directly follow `from` or `import(`.
      const start = i;
      i++;
      while (i < source.length && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      i++;
      const literal = source.slice(start, i);
      out += /(\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)$/.test(out) ? literal : `${c}${c}`;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function violations(source: string): string[] {
  const code = stripCommentsAndStrings(source);
  return FORBIDDEN.filter((f) => f.pattern.test(code)).map((f) => f.why);
}

function walk(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function isPure(rel: string): boolean {
  if (PURE_FILES.includes(rel)) return true;
  if (SHELL_EXCEPTIONS.some((e) => rel === e || (e.endsWith('/') && rel.startsWith(e)))) return false;
  return PURE_DIRS.some((d) => rel.startsWith(`${d}/`));
}

test('tidy: the checker catches each forbidden construct (a check that cannot fail proves nothing)', () => {
  assert.deepEqual(violations(`import { readFileSync } from 'node:fs';`), ['imports node:*']);
  assert.deepEqual(violations('const t = Date.now();'), ['reads the clock (Date.now)']);
  assert.deepEqual(violations(`import { x } from '../net/netlink/codec.js';`), []);
  assert.deepEqual(violations(`import { x } from '../net/vrrp_socket.js';`), ['imports a shell module']);
  assert.deepEqual(violations('setTimeout(() => {}, 1);'), ['uses a timer']);
  assert.deepEqual(violations('const r = Math.random();'), ['uses Math.random']);
  assert.deepEqual(violations(`import { x } from '../daemon/log.js';`), ['imports a shell module']);
  assert.deepEqual(violations('// Date.now() is forbidden here\nconst a = "process.exit";'), []);
});

test('tidy: pure modules do not import node:*, touch timers, the clock, Math.random or process', () => {
  const files = walk(SRC);
  assert.ok(files.length > 0, 'no sources found');
  const problems: string[] = [];
  let pureCount = 0;
  for (const file of files) {
    const rel = relative(SRC, file).split(sep).join('/');
    if (!isPure(rel)) continue;
    pureCount++;
    for (const why of violations(readFileSync(file, 'utf8'))) problems.push(`src/${rel}: ${why}`);
  }
  assert.ok(pureCount > 0, 'no pure modules found: is the layout right?');
  assert.deepEqual(problems, []);
});

test('tidy: no TypeScript enum or namespace anywhere in src (use as-const objects and unions)', () => {
  const problems: string[] = [];
  for (const file of walk(SRC)) {
    const code = stripCommentsAndStrings(readFileSync(file, 'utf8'));
    if (/^\s*(export\s+)?(const\s+)?enum\s/m.test(code)) problems.push(`${relative(ROOT, file)}: enum`);
    if (/^\s*(export\s+)?namespace\s/m.test(code)) problems.push(`${relative(ROOT, file)}: namespace`);
  }
  assert.deepEqual(problems, []);
});
