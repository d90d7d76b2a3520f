/**
 * Differential harness for `keepalived -t` (the reference, 2.2.7) versus
 * `keepalived-ts -t`, plus a CLI for engineers:
 *
 *   node dist/test/compat/config/diff_tool.js FILE... [-i ID]   side-by-side verdicts for files
 *   node dist/test/compat/config/diff_tool.js --all              whole corpus, summary table
 *   node dist/test/compat/config/diff_tool.js --write-readme     regenerate corpus/README.md
 *
 * Options: --jobs N (default 4), --timeout MS (default 10000), --verbose (with --all:
 * print both stderrs for every listed run), --only-disagree (with --all: list disagreements only).
 *
 * Both programs run in the same throw-away network namespace (see netns_lab.ts)
 * that contains every interface named anywhere in the corpus.
 *
 * Environment: KATS_SAMPLES_DIR (default <repo>/../shared/corpus/keepalived-samples),
 * KATS_SEEDS_DIR (default <repo>/../shared/seeds), KATS_OURS_BIN (default <repo>/bin/keepalived-ts),
 * KATS_KEEPALIVED_BIN (default: keepalived from PATH or /usr/sbin).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findBinary, NetnsLab, netnsAvailability, scanInterfaceNames, type RunResult } from './netns_lab.js';

export const TIMEOUT_MS = 10_000;

/** Fixed environment variable passed to both programs (`${_ENV ...}` is not in 2.2.7, but a later keepalived or a test may use it). */
export const TEST_ENV_NAME = 'KATS_TEST_ENV';
export const TEST_ENV_VALUE = 'eth0';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'keepalived-ts') return dir;
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const ROOT = repoRoot();
export const CORPUS_DIR = join(ROOT, 'test', 'compat', 'config', 'corpus');
/** The project's shared/ folder sits beside the repository (also in CI's clean clone). */
export const SHARED_DIR = process.env['KATS_SHARED_DIR'] ?? join(ROOT, '..', 'shared');
export const SAMPLES_DIR = process.env['KATS_SAMPLES_DIR'] ?? join(SHARED_DIR, 'corpus', 'keepalived-samples');
export const SEEDS_DIR = process.env['KATS_SEEDS_DIR'] ?? join(SHARED_DIR, 'seeds');
export const OURS_BIN = process.env['KATS_OURS_BIN'] ?? join(ROOT, 'bin', 'keepalived-ts');

export function keepalivedBinary(): string | undefined {
  const env = process.env['KATS_KEEPALIVED_BIN'];
  if (env !== undefined) return existsSync(env) ? env : undefined;
  return findBinary('keepalived');
}

export type Origin = 'sample' | 'seed' | 'corpus' | 'synthetic' | 'cli';

export interface ConfigCase {
  /** Display id, e.g. `corpus/lang_comments.conf` or `sample/keepalived.conf.vrrp [-i high]`. */
  id: string;
  origin: Origin;
  path: string;
  /** Extra arguments, e.g. ['-i', 'high']. */
  args: string[];
  /** What the config exercises (first comment line), when known. */
  description?: string;
  /**
   * `# intended-difference: WHY` in a corpus file: keepalived-ts deliberately accepts what
   * 2.2.7 rejects (a feature of later keepalived releases). The case then passes only when
   * keepalived exits non-zero and we exit 0, so the divergence stays pinned and documented.
   */
  intendedDifference?: string;
}

export interface CaseResult {
  c: ConfigCase;
  ka: RunResult;
  ours: RunResult;
  agree: boolean;
  exactAgree: boolean;
}

// ---------------------------------------------------------------------------
// Corpus discovery

export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => {
      try {
        return statSync(join(dir, f)).isFile();
      } catch {
        return false;
      }
    })
    .sort()
    .map((f) => join(dir, f));
}

function listFilesRecursive(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listFilesRecursive(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** IDs used in `@ID` / `@^ID` conditional lines. */
export function conditionalIds(text: string): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(/^[ \t]*@\^?([^\s]+)/gm)) if (m[1]) ids.add(m[1]);
  return [...ids].sort();
}

/** The leading comment block's `# args: ...` lines (one run per line) and first description line. */
export function corpusHeader(text: string): {
  description: string;
  argVariants: string[][];
  intendedDifference?: string;
} {
  const argVariants: string[][] = [];
  let description = '';
  let intendedDifference: string | undefined;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('#') && !t.startsWith('!')) break;
    const body = t.replace(/^[#!]+\s?/, '');
    const m = /^args:\s*(.*)$/.exec(body);
    const diff = /^intended-difference:\s*(.*)$/.exec(body);
    if (m) argVariants.push((m[1] ?? '').trim().split(/\s+/).filter((x) => x.length > 0));
    else if (diff) intendedDifference = (diff[1] ?? '').trim();
    else if (!description && body.trim()) description = body.trim();
  }
  return intendedDifference === undefined
    ? { description, argVariants }
    : { description, argVariants, intendedDifference };
}

/** Variants for a file: honour `# args:` headers, else plain run plus one per `@ID`. */
export function variantsFor(text: string, useHeader: boolean): string[][] {
  if (useHeader) {
    const h = corpusHeader(text);
    if (h.argVariants.length > 0) return h.argVariants;
  }
  const ids = conditionalIds(text);
  return [[], ...ids.map((id) => ['-i', id])];
}

function caseId(prefix: string, name: string, args: string[]): string {
  return `${prefix}/${name}${args.length ? ` [${args.join(' ')}]` : ''}`;
}

export function sampleCases(dir = SAMPLES_DIR): ConfigCase[] {
  const out: ConfigCase[] = [];
  for (const p of listFiles(dir)) {
    const text = readFileSync(p, 'utf8');
    for (const args of variantsFor(text, false)) out.push({ id: caseId('sample', basename(p), args), origin: 'sample', path: p, args });
  }
  return out;
}

export function corpusCases(dir = CORPUS_DIR): ConfigCase[] {
  const out: ConfigCase[] = [];
  for (const p of listFiles(dir)) {
    if (!p.endsWith('.conf')) continue;
    const text = readFileSync(p, 'utf8');
    const { description, intendedDifference } = corpusHeader(text);
    for (const args of variantsFor(text, true)) {
      out.push({
        id: caseId('corpus', basename(p), args),
        origin: 'corpus',
        path: p,
        args,
        description,
        ...(intendedDifference === undefined ? {} : { intendedDifference }),
      });
    }
  }
  return out;
}

/**
 * Cases that cannot be corpus files: a config path that does not exist and a
 * directory given as the config (keepalived 2.2.7 -t exits 0 for both).
 */
export function syntheticCases(): ConfigCase[] {
  return [
    { id: 'synthetic/missing-config-file', origin: 'synthetic', path: '/nonexistent/kats-missing/keepalived.conf', args: [], description: 'config file does not exist' },
    { id: 'synthetic/config-is-a-directory', origin: 'synthetic', path: join(CORPUS_DIR, 'inc'), args: [], description: 'config path is a directory' },
  ];
}

// ---------------------------------------------------------------------------
// Extraction of keepalived.conf snippets from articles

const ROOT_BLOCK_KEYWORDS = [
  'global_defs', 'vrrp_instance', 'vrrp_script', 'vrrp_sync_group', 'virtual_server_group', 'virtual_server',
  'real_server', 'static_ipaddress', 'static_routes', 'static_rules', 'vrrp_track_file', 'track_file',
  'vrrp_track_process', 'bfd_instance', 'linkbeat_interfaces', 'garp_group', 'track_group', 'SSL',
  'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK',
  'BFD_CHECK', 'FILE_CHECK', 'interface_up_down_delays',
];
const BLOCK_START_RE = new RegExp(`^\\s*(?:${ROOT_BLOCK_KEYWORDS.join('|')})(?:\\s[^{}]*)?(\\{.*)?$`);

export interface ExtractedConfig {
  /** 1-based line in the article where the extracted text starts. */
  startLine: number;
  text: string;
}

function braceDelta(line: string): number {
  let d = 0;
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = null;
      continue;
    }
    if (c === '"' || c === "'") q = c;
    else if (c === '#' || c === '!') break;
    else if (c === '{') d++;
    else if (c === '}') d--;
  }
  return d;
}

function isBlockStart(lines: string[], i: number): boolean {
  const line = lines[i] ?? '';
  const m = BLOCK_START_RE.exec(line);
  if (!m) return false;
  if (m[1] !== undefined) return true;
  // `{` on the next non-blank line
  for (let j = i + 1; j < lines.length; j++) {
    const t = (lines[j] ?? '').trim();
    if (!t) continue;
    return t.startsWith('{');
  }
  return false;
}

/**
 * Pull keepalived.conf text out of an article: maximal runs of root-level blocks
 * (`global_defs {...}`, `vrrp_instance X {...}`, `virtual_server ... {...}`, and the
 * fragments articles show such as a bare `real_server {...}` or `TCP_CHECK {...}`),
 * joined while only blank lines / `!`/`#` comment lines separate them, with a leading
 * `! ...` comment header kept.
 */
export function extractConfigsFromArticle(article: string): ExtractedConfig[] {
  const lines = article.replace(/\r\n?/g, '\n').split('\n');
  const out: ExtractedConfig[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!isBlockStart(lines, i)) {
      i++;
      continue;
    }
    // include a `!` comment header directly above
    let start = i;
    for (let j = i - 1; j >= 0; j--) {
      const t = (lines[j] ?? '').trim();
      if (t === '') continue;
      if (t.startsWith('!')) {
        start = j;
        continue;
      }
      break;
    }
    let end = i; // exclusive
    let cur = i;
    for (;;) {
      // consume one block starting at cur
      let depth = 0;
      let seenOpen = false;
      let j = cur;
      let closed = false;
      for (; j < lines.length && j < cur + 400; j++) {
        const line = lines[j] ?? '';
        if (seenOpen && depth > 0 && !/^\s*(?:[A-Za-z0-9_@$~{}"'.:/!#-]|$)/.test(line)) {
          break; // prose: the block was never closed
        }
        const d = braceDelta(line);
        if (line.includes('{')) seenOpen = true;
        depth += d;
        if (seenOpen && depth <= 0) {
          closed = true;
          j++;
          break;
        }
      }
      end = j;
      if (!closed) break;
      // look ahead for another block, skipping blanks and comment lines
      let k = end;
      while (k < lines.length) {
        const t = (lines[k] ?? '').trim();
        if (t === '' || t.startsWith('!') || (t.startsWith('#') && !/[^\x00-\x7f]/.test(t))) {
          k++;
          continue;
        }
        break;
      }
      if (k < lines.length && isBlockStart(lines, k)) {
        cur = k;
        continue;
      }
      break;
    }
    out.push({ startLine: start + 1, text: lines.slice(start, end).join('\n') + '\n' });
    i = Math.max(end, i + 1);
  }
  return out;
}

export interface SeedExtraction {
  cases: ConfigCase[];
  tmpDir: string;
  cleanup: () => void;
}

/** Extract configs from the seed articles into a temp dir (never into the repo). */
export function seedCases(dir = SEEDS_DIR): SeedExtraction {
  const tmpDir = mkdtempSync(join(tmpdir(), 'kats-seeds-'));
  const cases: ConfigCase[] = [];
  for (const p of listFiles(dir)) {
    if (!p.endsWith('.txt')) continue;
    const extracted = extractConfigsFromArticle(readFileSync(p, 'utf8'));
    extracted.forEach((ex, n) => {
      const name = `${basename(p, '.txt')}-${n + 1}.conf`;
      const file = join(tmpDir, name);
      writeFileSync(file, ex.text);
      for (const args of variantsFor(ex.text, false)) {
        cases.push({
          id: caseId('seed', `${basename(p)}#${n + 1}@L${ex.startLine}`, args),
          origin: 'seed',
          path: file,
          args,
        });
      }
    });
  }
  const cleanup = (): void => rmSync(tmpDir, { recursive: true, force: true });
  process.once('exit', cleanup);
  return { cases, tmpDir, cleanup };
}

/** Every interface named by any config we know of (samples, seeds, corpus incl. included files). */
export function allInterfaceNames(extraFiles: string[] = []): Set<string> {
  const names = new Set<string>();
  const files = [...listFiles(SAMPLES_DIR), ...listFilesRecursive(CORPUS_DIR), ...extraFiles];
  for (const f of files) {
    try {
      for (const n of scanInterfaceNames(readFileSync(f, 'utf8'))) names.add(n);
    } catch {
      /* unreadable: ignore */
    }
  }
  for (const p of listFiles(SEEDS_DIR)) {
    for (const ex of extractConfigsFromArticle(readFileSync(p, 'utf8'))) for (const n of scanInterfaceNames(ex.text)) names.add(n);
  }
  return names;
}

// ---------------------------------------------------------------------------
// Running

export async function pool<T, R>(items: T[], jobs: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const idx = next++;
      if (idx >= items.length) return;
      results[idx] = await fn(items[idx] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}

function testEnv(): NodeJS.ProcessEnv {
  return { ...process.env, [TEST_ENV_NAME]: TEST_ENV_VALUE };
}

export function runKeepalived(lab: NetnsLab, c: ConfigCase, timeoutMs = TIMEOUT_MS): Promise<RunResult> {
  const bin = keepalivedBinary() ?? 'keepalived';
  return lab.run(bin, ['-t', '-f', c.path, ...c.args], { timeoutMs, cwd: tmpdir(), env: testEnv() });
}

export function runOurs(lab: NetnsLab, c: ConfigCase, timeoutMs = TIMEOUT_MS): Promise<RunResult> {
  return lab.run(process.execPath, [OURS_BIN, '-t', '-f', c.path, ...c.args], { timeoutMs, cwd: tmpdir(), env: testEnv() });
}

export async function runCase(lab: NetnsLab, c: ConfigCase, timeoutMs = TIMEOUT_MS): Promise<CaseResult> {
  const [ka, ours] = await Promise.all([runKeepalived(lab, c, timeoutMs), runOurs(lab, c, timeoutMs)]);
  const verdict = compareResults(ka, ours);
  if (c.intendedDifference !== undefined) {
    // Pinned divergence: keepalived 2.2.7 rejects, keepalived-ts accepts.
    const agree = ka.code !== 0 && !ka.timedOut && ours.code === 0;
    return { c, ka, ours, agree, exactAgree: agree };
  }
  return { c, ka, ours, ...verdict };
}

/**
 * Verdict agreement: both programs must have run to completion (no timeout, no spawn
 * failure) and agree on exit==0. A reference killed by a signal (keepalived 2.2.7
 * segfaults on a few broken configs) counts as a non-zero verdict.
 */
export function compareResults(ka: RunResult, ours: RunResult): { agree: boolean; exactAgree: boolean } {
  const completed = (r: RunResult): boolean => !r.timedOut && r.spawnError === undefined;
  const agree = completed(ka) && completed(ours) && (ka.code === 0) === (ours.code === 0);
  return { agree, exactAgree: agree && ka.code === ours.code && ka.signal === ours.signal };
}

export function describeExit(r: RunResult): string {
  if (r.spawnError) return `spawn error: ${r.spawnError}`;
  if (r.timedOut) return `TIMEOUT (killed after ${r.ms} ms)`;
  if (r.code === null) return `killed by ${r.signal ?? '?'}${r.signal === 'SIGSEGV' ? ' (crash)' : ''}`;
  return `exit ${r.code}`;
}

function indent(s: string, maxLines: number, pad = '    '): string {
  const t = s.replace(/\s+$/, '');
  if (!t) return `${pad}(no stderr)`;
  const lines = t.split('\n');
  const shown = lines.slice(0, maxLines).map((l) => pad + l);
  if (lines.length > maxLines) shown.push(`${pad}... (${lines.length - maxLines} more lines)`);
  return shown.join('\n');
}

export function formatCase(r: CaseResult, maxLines = Number.MAX_SAFE_INTEGER): string {
  const verdict = r.agree ? (r.exactAgree ? 'AGREE' : 'AGREE (exit codes differ)') : 'DISAGREE';
  return [
    `=== ${r.c.id}  ${verdict}`,
    `  file: ${r.c.path}${r.c.args.length ? `  args: ${r.c.args.join(' ')}` : ''}`,
    `  keepalived -t: ${describeExit(r.ka)}`,
    indent(r.ka.stderr + (r.ka.stdout ? `\n[stdout]\n${r.ka.stdout}` : ''), maxLines),
    `  keepalived-ts -t: ${describeExit(r.ours)}`,
    indent(r.ours.stderr + (r.ours.stdout ? `\n[stdout]\n${r.ours.stdout}` : ''), maxLines),
  ].join('\n');
}

function shortCode(r: RunResult): string {
  if (r.timedOut) return 'TO';
  if (r.spawnError !== undefined) return 'ERR';
  if (r.code === null) return r.signal === 'SIGSEGV' ? 'SEGV' : (r.signal ?? '??');
  return String(r.code);
}

export function summaryTable(results: CaseResult[]): string {
  const w = Math.min(80, Math.max(10, ...results.map((r) => r.c.id.length)));
  const lines = [`${'config'.padEnd(w)}    ka  ours  verdict`, `${'-'.repeat(w)}  ----  ----  -------`];
  for (const r of results) {
    const ka = shortCode(r.ka);
    const ours = shortCode(r.ours);
    lines.push(`${r.c.id.padEnd(w)}  ${ka.padStart(4)}  ${ours.padStart(4)}  ${r.agree ? (r.exactAgree ? 'agree' : 'agree*') : 'DISAGREE'}`);
  }
  const agree = results.filter((r) => r.agree).length;
  const exact = results.filter((r) => r.exactAgree).length;
  lines.push('', `${agree}/${results.length} agree on exit==0 (${exact} with identical exit codes; agree* = same verdict, different code)`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// README generation

function firstMessage(r: RunResult): string {
  const line = (r.stderr + '\n' + r.stdout)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!line) return '';
  return line.split(CORPUS_DIR + '/').join('').replace(/\|/g, '\\|');
}

export function readmeText(results: { c: ConfigCase; ka: RunResult }[]): string {
  const ok = results.filter((r) => r.ka.code === 0).length;
  const files = new Set(results.map((r) => r.c.path)).size;
  const out = [
    '# keepalived -t corpus',
    '',
    'Hand-written configs pinning down the verdicts of `keepalived -t` (2.2.7, Debian 12).',
    'Each file starts with a `#` comment saying what it exercises; a `# args: ...` header line',
    'gives the command-line arguments to use (one run per `# args:` line). Files in',
    'subdirectories are only reached through `include`.',
    '',
    'Interfaces: the differential harness runs every config inside a network namespace in which',
    'every interface named anywhere in the corpus exists (plus eth0..eth3, eth0.100, bond0, ...).',
    'Names starting with `nosuch` or `nx` are never created, so they are guaranteed missing.',
    'The environment variable `KATS_TEST_ENV=eth0` is set for both programs.',
    '',
    'Regenerate with `node dist/test/compat/config/diff_tool.js --write-readme` (this runs only',
    'the real keepalived; paths in messages are shown relative to this directory).',
    '',
    `${results.length} runs over ${files} files: ${ok} exit 0, ${results.length - ok} non-zero.`,
    '',
    '| file | args | exercises | keepalived exit | first message |',
    '|---|---|---|---|---|',
  ];
  for (const r of results) {
    const code = r.ka.code === null ? shortCode(r.ka) : String(r.ka.code);
    out.push(
      `| ${basename(r.c.path)} | ${r.c.args.join(' ')} | ${(r.c.description ?? '').replace(/\|/g, '\\|')} | ${code} | ${firstMessage(r.ka)} |`,
    );
  }
  out.push('');
  return out.join('\n');
}

// ---------------------------------------------------------------------------
// CLI

interface CliOptions {
  files: string[];
  ids: string[];
  all: boolean;
  writeReadme: boolean;
  jobs: number;
  timeoutMs: number;
  verbose: boolean;
  onlyDisagree: boolean;
}

function usage(): string {
  return [
    'usage: node dist/test/compat/config/diff_tool.js FILE... [-i ID]',
    '       node dist/test/compat/config/diff_tool.js --all [--verbose] [--only-disagree]',
    '       node dist/test/compat/config/diff_tool.js --write-readme',
    'options: --jobs N (4), --timeout MS (10000)',
  ].join('\n');
}

function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { files: [], ids: [], all: false, writeReadme: false, jobs: 4, timeoutMs: TIMEOUT_MS, verbose: false, onlyDisagree: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-i' || a === '--config-id') o.ids.push(argv[++i] ?? '');
    else if (a.startsWith('--config-id=')) o.ids.push(a.slice('--config-id='.length));
    else if (a === '--all') o.all = true;
    else if (a === '--write-readme') o.writeReadme = true;
    else if (a === '--jobs') o.jobs = Number(argv[++i] ?? '4') || 4;
    else if (a === '--timeout') o.timeoutMs = Number(argv[++i] ?? '') || TIMEOUT_MS;
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--only-disagree') o.onlyDisagree = true;
    else if (a === '-h' || a === '--help') {
      console.log(usage());
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${usage()}`);
    else o.files.push(a);
  }
  return o;
}

async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  if (!o.all && !o.writeReadme && o.files.length === 0) {
    console.error(usage());
    return 2;
  }
  const avail = netnsAvailability();
  if (!avail.ok) {
    console.error(`diff_tool: ${avail.reason}`);
    return 2;
  }
  if (!keepalivedBinary()) {
    console.error('diff_tool: keepalived binary not found');
    return 2;
  }

  let seeds: SeedExtraction | undefined;
  const cases: ConfigCase[] = [];
  if (o.writeReadme) {
    cases.push(...corpusCases());
  } else if (o.all) {
    seeds = seedCases();
    cases.push(...sampleCases(), ...seeds.cases, ...corpusCases(), ...syntheticCases());
  } else {
    for (const f of o.files) {
      const p = resolve(f);
      const text = readFileSync(p, 'utf8');
      const variants = o.ids.length > 0 ? o.ids.map((id) => ['-i', id]) : variantsFor(text, true);
      const { description } = corpusHeader(text);
      for (const args of variants) cases.push({ id: caseId('cli', relative(process.cwd(), p) || p, args), origin: 'cli', path: p, args, description });
    }
  }

  const extra = o.files.map((f) => resolve(f));
  for (const f of o.files) {
    // included files next to a CLI-given config
    const d = dirname(resolve(f));
    if (d !== CORPUS_DIR) extra.push(...listFilesRecursive(d).slice(0, 500));
  }
  if (seeds) extra.push(...listFiles(seeds.tmpDir));
  const lab = NetnsLab.create(allInterfaceNames(extra));
  try {
    if (o.writeReadme) {
      const results = await pool(cases, o.jobs, async (c) => ({ c, ka: await runKeepalived(lab, c, o.timeoutMs) }));
      const text = readmeText(results);
      writeFileSync(join(CORPUS_DIR, 'README.md'), text);
      const ok = results.filter((r) => r.ka.code === 0).length;
      console.log(`wrote ${join(CORPUS_DIR, 'README.md')}: ${results.length} runs, ${ok} exit 0, ${results.length - ok} non-zero`);
      return 0;
    }
    const results = await pool(cases, o.jobs, (c) => runCase(lab, c, o.timeoutMs));
    if (o.all) {
      const shown = o.onlyDisagree ? results.filter((r) => !r.agree) : results;
      if (o.verbose) for (const r of shown) console.log(formatCase(r) + '\n');
      console.log(summaryTable(shown));
      if (o.onlyDisagree) console.log(`(${results.length - shown.length} agreeing runs not shown)`);
    } else {
      for (const r of results) console.log(formatCase(r) + '\n');
    }
    return results.every((r) => r.agree) ? 0 : 1;
  } finally {
    lab.destroy();
    seeds?.cleanup();
  }
}

const invokedDirectly =
  process.env['NODE_TEST_CONTEXT'] === undefined &&
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(resolve(process.argv[1])).href;

if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(2);
    },
  );
}
