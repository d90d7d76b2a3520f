/**
 * The addon's fd/poller lifecycle under load: thousands of socket + poll + close cycles,
 * closing from inside the callback, with forced GC (test/stress/native/lifecycle_stress.ts),
 * once plainly and once under valgrind memcheck, which catches the use-after-free class of
 * bug native-networking.md §1c found in the prototype.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EBADF } from '../../src/net/constants.js';
import { errnoName, loadNative } from '../../src/net/native.js';
import { CI, findTool } from '../lab/netns_lab.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const STRESS = join(HERE, '..', 'stress', 'native', 'lifecycle_stress.js');
/** Suppressions live with the sources (dist has only the compiled .js). */
const SUPPRESSIONS = join(HERE, '..', '..', '..', 'test', 'stress', 'native', 'node.supp');

interface StressReport {
  readonly cycles: number;
  readonly ms: number;
  readonly rssMiB: number;
  readonly rssMaxMiB: number;
  readonly received: number;
  readonly gc: boolean;
}

function runStress(argv: readonly string[], timeoutMs: number): StressReport {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd ?? 'node', args, { encoding: 'utf8', timeout: timeoutMs });
  assert.equal(r.status, 0, `${argv.join(' ')} exited ${r.status ?? r.signal}\n${r.stderr}`);
  const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as StressReport;
  process.stderr.write(`# ${argv[0] === 'valgrind' ? 'valgrind ' : ''}lifecycle: ${JSON.stringify(report)}\n`);
  return report;
}

test('loadNative() returns -errno instead of throwing, and names errnos', () => {
  const native = loadNative();
  assert.equal(native.close(-1), -EBADF);
  assert.equal(errnoName(native.close(-1)), 'EBADF');
  assert.equal(native.ifNameToIndex('lo'), 1);
  assert.equal(native.ifIndexToName(1), 'lo');
  assert.equal(native.ifNameToIndex('no-such-if0'), 0);
  assert.equal(native.ifIndexToName(0), undefined);
  assert.throws(() => native.socket('x' as unknown as number, 0, 0), TypeError);
});

test('native poller: 20 000 socket + poll + close cycles with forced GC, closing inside the callback', () => {
  const r = runStress(['node', '--expose-gc', STRESS, '20000', '50'], 120_000);
  assert.equal(r.cycles, 20000);
  assert.equal(r.received, 15000, 'three of every four cycles receive before closing');
  assert.ok(r.gc, 'ran with --expose-gc');
  assert.ok(r.rssMaxMiB < 200, `RSS stays bounded (max ${r.rssMaxMiB} MiB)`);
});

test('native poller under valgrind memcheck: no invalid reads/writes in 8 000 cycles', (t) => {
  if (findTool('valgrind') === undefined) {
    if (CI) throw new Error('integration prerequisite missing in CI: needs valgrind');
    process.stderr.write(`\n*** SKIPPING ${t.name}: needs valgrind ***\n\n`);
    t.skip('needs valgrind');
    return;
  }
  const argv = ['valgrind', '--error-exitcode=99', '--leak-check=no', '-q', `--suppressions=${SUPPRESSIONS}`];
  const r = runStress([...argv, 'node', '--expose-gc', STRESS, '8000', '50'], 150_000);
  assert.equal(r.cycles, 8000);
});
