/**
 * `keepalived-ts demo` end to end, non-interactively (stdout is a pipe, so plain lines):
 * a run killed with SIGKILL in the middle leaves its namespaces and daemons behind; the next
 * run removes them, runs the whole script and exits 0 with the measured summary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { skipUnlessLab } from '../lab/netns_lab.js';
import { REPO_ROOT } from '../lab/daemons.js';

const DEMO_JS = join(REPO_ROOT, 'dist', 'src', 'demo', 'demo.js');
const RUN = `import(${JSON.stringify(DEMO_JS)}).then((m) => m.runDemo(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;

function demoNamespaces(pid: number): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`kats-demo-${pid}-`));
}

test('demo: a SIGKILLed run is cleaned up by the next one, which runs every step and exits 0', { timeout: 90_000 }, async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;

  // 1. A run killed mid-way (after the election, during the failover step).
  const first = spawn(process.execPath, ['-e', RUN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out1 = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the first run never reached step 1:\n${out1}`)), 30_000);
    first.stdout.on('data', (b: Buffer) => {
      out1 += b.toString('utf8');
      if (out1.includes('step 1/4')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const firstPid = first.pid ?? 0;
  first.kill('SIGKILL');
  await new Promise<void>((r) => first.once('exit', () => r()));
  assert.ok(demoNamespaces(firstPid).length > 0, 'the killed run left its namespaces behind');

  // 2. The next run: cleans up, runs the script, exit 0.
  const second = spawn(process.execPath, ['-e', RUN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  second.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  second.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
  t.diagnostic(out.slice(out.indexOf('Summary')));
  assert.equal(code, 0, `demo exit status\n${out}\n${err}`);
  assert.deepEqual(demoNamespaces(firstPid), [], 'the stale namespaces are gone');
  assert.deepEqual(demoNamespaces(second.pid ?? 0), [], 'the second run cleaned up after itself');
  // Plain, timestamped lines (stdout is not a terminal), no escape sequences.
  assert.match(out, /^\d\d:\d\d:\d\d\.\d{3} {2}== step 0\/4/m);
  assert.doesNotMatch(out, /\x1b\[/);
  for (const line of [
    /failover: lb2 MASTER after the kill +\d+\.\d\d s +Master_Down_Interval\(prio 100\) = 3\.61 s/,
    /failover: client outage +\d+\.\d\d s/,
    /preemption: lb1 MASTER after entering BACKUP +\d+\.\d\d s +Master_Down_Interval\(prio 150\) = 3\.41 s/,
    /preemption: client outage +\d+\.\d\d s/,
    /real server removal \(master lb1\) +\d+\.\d\d s +connect_timeout \+ retry × delay_before_retry \+ delay_loop/,
    /real server restore \(master lb1\) +\d+\.\d\d s/,
    /Result: every step behaved as expected\./,
  ]) {
    assert.match(out, line);
  }
});

test('demo: --help and a bad argument', async () => {
  const { runDemo, DEMO_USAGE } = await import('../../src/demo/demo.js');
  assert.match(DEMO_USAGE, /--with-keepalived/);
  const help = spawnSync(process.execPath, ['-e', RUN, '--', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: keepalived-ts demo/);
  const bad = spawnSync(process.execPath, ['-e', RUN, '--', '--bogus'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown argument '--bogus'/);
  assert.equal(typeof runDemo, 'function');
});
