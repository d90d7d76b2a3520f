/**
 * Differential acceptance test: `keepalived-ts -t` must exit 0 exactly when the real
 * `keepalived -t` (2.2.7) exits 0, for every config in
 *   (a) ../shared/corpus/keepalived-samples/*           (read in place),
 *   (b) configs extracted from the articles in ../shared/seeds/*.txt (temp files),
 *   (c) test/compat/config/corpus/*.conf                (our own corpus).
 * Samples with `@ID` lines are also run with `-i ID`; corpus files honour `# args:`.
 * Both programs run in the same network namespace (netns_lab.ts) with a 10 s timeout.
 *
 * In CI (CI=true) a missing `keepalived` / `ip` binary (or no root) fails the test;
 * locally it is skipped with a loud message. Exact exit codes are reported as
 * diagnostics and in a JSON report, but only exit==0 agreement is required.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  allInterfaceNames,
  compareResults,
  conditionalIds,
  CORPUS_DIR,
  corpusCases,
  corpusHeader,
  extractConfigsFromArticle,
  formatCase,
  keepalivedBinary,
  listFiles,
  pool,
  runCase,
  sampleCases,
  SAMPLES_DIR,
  seedCases,
  summaryTable,
  syntheticCases,
  type CaseResult,
} from './diff_tool.js';
import { findBinary, NetnsLab, netnsAvailability, scanInterfaceNames, type RunResult } from './netns_lab.js';

const CI = ['true', '1', 'yes'].includes((process.env['CI'] ?? '').toLowerCase());
const JOBS = Number(process.env['KATS_DIFF_JOBS'] ?? '') || 4;
const REPORT = join(tmpdir(), 'keepalived-ts-differential.json');

function prerequisitesProblem(): string | undefined {
  const missing: string[] = [];
  if (!keepalivedBinary()) missing.push('`keepalived` binary not found (apt-get install keepalived)');
  if (!findBinary('ip')) missing.push('`ip` binary not found (apt-get install iproute2)');
  const avail = netnsAvailability();
  if (!avail.ok && findBinary('ip')) missing.push(avail.reason);
  return missing.length ? missing.join('; ') : undefined;
}

describe('config differential helpers', () => {
  test('article extraction finds the full configs and the fragments', () => {
    const article = [
      'Some prose 中文',
      '[root@host ~]# cat /etc/keepalived/keepalived.conf',
      '! Configuration File for keepalived',
      '',
      'global_defs {',
      '   router_id LVS_DEVEL   # 注释',
      '}',
      '',
      'vrrp_instance VI_1 {',
      '    interface enp0s3',
      '    virtual_ipaddress {',
      '        10.10.10.30',
      '    }',
      '}',
      '观察IP变化',
      'TCP_CHECK {',
      '    connect_port 80 // 指定端口',
      '}',
    ].join('\n');
    const ex = extractConfigsFromArticle(article);
    assert.equal(ex.length, 2);
    assert.match(ex[0]?.text ?? '', /^! Configuration File[\s\S]*global_defs[\s\S]*vrrp_instance VI_1[\s\S]*}\n$/);
    assert.doesNotMatch(ex[0]?.text ?? '', /观察/);
    assert.equal(ex[0]?.startLine, 3);
    assert.match(ex[1]?.text ?? '', /^TCP_CHECK \{\n.*\n}\n$/);
  });

  test('interface scanner collects interface/dev/track_interface names and skips nosuch*', () => {
    const names = scanInterfaceNames(
      [
        'vrrp_instance X {',
        '  interface eth9 # comment dev nope',
        '  track_interface {',
        '    bond7 weight 10',
        '    nosuch0',
        '  }',
        '  virtual_ipaddress { 10.0.0.1/24 dev eth9.5 label eth9:1 }',
        '  lvs_sync_daemon_interface ens9',
        '}',
      ].join('\n'),
    );
    assert.deepEqual([...names].sort(), ['bond7', 'ens9', 'eth9', 'eth9.5']);
  });

  test('corpus header parsing and @ID detection', () => {
    const h = corpusHeader('# what it does\n# args: -i node1\n# args: -i node2\nglobal_defs {\n}\n');
    assert.equal(h.description, 'what it does');
    assert.deepEqual(h.argVariants, [['-i', 'node1'], ['-i', 'node2']]);
    assert.deepEqual(conditionalIds('@high priority 1\n  @^low x\n# @no\n'), ['high', 'low']);
  });

  test('verdict comparison: signals count as non-zero, timeouts never agree', () => {
    const r = (code: number | null, extra: Partial<RunResult> = {}): RunResult => ({
      code,
      signal: null,
      stdout: '',
      stderr: '',
      timedOut: false,
      ms: 1,
      ...extra,
    });
    assert.equal(compareResults(r(0), r(0)).agree, true);
    assert.equal(compareResults(r(5), r(4)).agree, true);
    assert.equal(compareResults(r(5), r(4)).exactAgree, false);
    assert.equal(compareResults(r(0), r(5)).agree, false);
    assert.equal(compareResults(r(null, { signal: 'SIGSEGV' }), r(5)).agree, true);
    assert.equal(compareResults(r(null, { timedOut: true }), r(5)).agree, false);
    assert.equal(compareResults(r(5), r(null, { timedOut: true })).agree, false);
  });

  test('our corpus is large enough and mixes accepted and rejected configs', () => {
    const files = listFiles(CORPUS_DIR).filter((f) => f.endsWith('.conf')).length;
    const cases = corpusCases();
    assert.ok(files >= 80, `corpus has only ${files} files`);
    assert.ok(cases.length >= files);
    for (const c of cases) assert.ok(c.description, `${c.id} lacks a leading '#' description comment`);
  });
});

describe('keepalived -t differential', () => {
  test('keepalived-ts -t exits 0 exactly when keepalived -t does', { timeout: 300_000 }, async (t) => {
    const problem = prerequisitesProblem();
    if (problem) {
      const msg = `differential test cannot run: ${problem}`;
      if (CI) assert.fail(`${msg} (CI=true: this is a failure)`);
      const bar = '!'.repeat(78);
      console.error(`\n${bar}\n!!! SKIPPING the keepalived differential test: ${problem}\n!!! (set CI=true to make this a failure)\n${bar}\n`);
      t.skip(msg);
      return;
    }

    const started = Date.now();
    const seeds = seedCases();
    try {
      const samples = sampleCases();
      const corpus = corpusCases();
      if (samples.length === 0) {
        const msg = `no keepalived samples found in ${SAMPLES_DIR}`;
        if (CI) assert.fail(msg);
        t.diagnostic(`WARNING: ${msg}`);
      }
      assert.ok(corpus.length >= 80, `expected at least 80 corpus runs, found ${corpus.length}`);
      const cases = [...samples, ...seeds.cases, ...corpus, ...syntheticCases()];

      const lab = NetnsLab.create(allInterfaceNames(listFiles(seeds.tmpDir)));
      let results: CaseResult[];
      try {
        if (lab.failedInterfaces.length) t.diagnostic(`could not create: ${lab.failedInterfaces.map((f) => f.name).join(', ')}`);
        results = await pool(cases, JOBS, (c) => runCase(lab, c));
      } finally {
        lab.destroy();
      }

      const bad = results.filter((r) => !r.agree);
      const codeDiffs = results.filter((r) => r.agree && !r.exactAgree);
      const kaOk = results.filter((r) => r.ka.code === 0).length;
      writeFileSync(
        REPORT,
        JSON.stringify(
          results.map((r) => ({
            id: r.c.id,
            path: r.c.path,
            args: r.c.args,
            keepalived: { code: r.ka.code, signal: r.ka.signal, timedOut: r.ka.timedOut, stderr: r.ka.stderr },
            ours: { code: r.ours.code, signal: r.ours.signal, timedOut: r.ours.timedOut, stderr: r.ours.stderr },
            agree: r.agree,
            exactAgree: r.exactAgree,
          })),
          null,
          1,
        ),
      );
      t.diagnostic(
        `${results.length} runs (${samples.length} sample, ${seeds.cases.length} seed, ${corpus.length} corpus, ${cases.length - samples.length - seeds.cases.length - corpus.length} synthetic); ` +
          `keepalived exit 0 on ${kaOk}; ${results.length - bad.length} agree, ${bad.length} disagree, ` +
          `${codeDiffs.length} agree with a different exit code; ${((Date.now() - started) / 1000).toFixed(1)} s; report: ${REPORT}`,
      );
      if (codeDiffs.length) {
        const hist = new Map<string, number>();
        for (const r of codeDiffs) {
          const k = `keepalived ${r.ka.code ?? r.ka.signal} / ours ${r.ours.code ?? r.ours.signal}`;
          hist.set(k, (hist.get(k) ?? 0) + 1);
        }
        t.diagnostic(
          `same verdict, different exit code (informational; details in the report): ${[...hist].map(([k, n]) => `${k}: ${n}`).join(', ')}`,
        );
      }
      if (bad.length) {
        assert.fail(
          `${bad.length} of ${results.length} configs get a different -t verdict from keepalived-ts than from keepalived 2.2.7:\n\n` +
            bad.map((r) => formatCase(r, 25)).join('\n\n') +
            `\n\n${summaryTable(bad)}\n(iterate with: node dist/test/compat/config/diff_tool.js FILE [-i ID])`,
        );
      }
    } finally {
      seeds.cleanup();
    }
  });
});
