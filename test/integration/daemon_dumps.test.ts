/**
 * keepalived's data signals, end to end: signals sent to the keepalived-ts PARENT reach the
 * children as keepalived's propagate_signal() sends them, and the files land in $TMPDIR:
 * USR1 → keepalived.data (VRRP) and keepalived_check.data (checker), SIGRTMIN+2 (36) →
 * keepalived.json, SIGRTMAX-1 (63) → keepalived.stats then zeroed counters, USR2 →
 * keepalived.stats. The real keepalived 2.2.7 runs beside it (VRRP only: its checker
 * needs ip_vs) and its keepalived.json gives the key set ours must have.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';

const fresh = (path: string): string => (rmSync(path, { force: true }), path);
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { instanceConfig, startDaemon, type Daemon } from '../lab/daemons.js';

const NET = 236;

/** Waits for a file the caller removed before signalling (mtimes are too coarse to compare). */
async function waitForFile(path: string, timeoutMs = 3_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.endsWith('\n')) return text;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} not written`);
}

function keySet(json: string): { data: string[]; stats: string[] } {
  const [first] = JSON.parse(json) as { data: Record<string, unknown>; stats: Record<string, unknown> }[];
  assert.ok(first !== undefined, 'one instance');
  return { data: Object.keys(first.data).sort(), stats: Object.keys(first.stats).sort() };
}

test('USR1, 36 (JSON), 63 (STATS_CLEAR) and USR2 to the parent write keepalived\'s dump files; the JSON has keepalived 2.2.7\'s keys', async (t) => {
  if (skipUnlessLab(t, ['nft', 'keepalived'])) return;
  const lab = Lab.create({ tag: 'dump', hosts: ['a', 'b'], net: NET });
  const tmpA = mkdtempSync(join(tmpdir(), 'kats-dumps-a-'));
  const tmpB = mkdtempSync(join(tmpdir(), 'kats-dumps-b-'));
  let d: Daemon | undefined;
  let k: Daemon | undefined;
  try {
    const vs = `virtual_server 10.${NET}.0.200 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.${NET}.0.2 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;
    d = startDaemon(lab, 'a', 'keepalived-ts', instanceConfig({ priority: 150, vip: `10.${NET}.0.100/24` }) + vs, [], { TMPDIR: tmpA });
    k = startDaemon(lab, 'b', 'keepalived', instanceConfig({ priority: 150, vrid: 61, vip: `10.${NET}.0.101/24` }), ['-P'], { TMPDIR: tmpB });
    await d.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    await k.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    await new Promise((r) => setTimeout(r, 1_500));

    // DATA: every child dumps.
    const dataPath = fresh(join(tmpA, 'keepalived.data'));
    const checkPath = fresh(join(tmpA, 'keepalived_check.data'));
    const parentPath = fresh(join(tmpA, 'keepalived_parent.data'));
    d.signal('SIGUSR1');
    assert.match(await waitForFile(parentPath), /^------< Global definitions >------\n/);
    const data = await waitForFile(dataPath);
    assert.match(data, /^------< Global definitions >------\n/);
    assert.match(data, /\n VRRP Instance = VI_1\n {3}VRRP Version = 2\n {3}State = MASTER\n/);
    assert.match(data, /\n {3}Virtual IP \(1\):\n {5}10\.236\.0\.100\/24 dev eth0 scope global set\n/);
    const check = await waitForFile(checkPath);
    assert.match(check, /\n VS VIP = 10\.236\.0\.200, VPORT = 80\n/);
    assert.match(check, /\n {3}RIP = 10\.236\.0\.2, RPORT = 80, WEIGHT = 3 EFF WEIGHT = 3\n/);
    assert.match(check, /\n \[10\.236\.0\.200\]:tcp:80 -> \[10\.236\.0\.2\]:tcp:80\n {3}Enabled = yes\n/);
    assert.match(check, /\n {3}Keepalive method = TCP_CHECK\n/);
    assert.equal(statSync(join(tmpA, 'keepalived.data')).mode & 0o777, 0o600, 'keepalived leaves its dumps 0600');

    // JSON: the VRRP child, atomically; the same keys as keepalived 2.2.7's for the same instance.
    const oursPath = fresh(join(tmpA, 'keepalived.json'));
    const theirsPath = fresh(join(tmpB, 'keepalived.json'));
    d.signal(36 as unknown as NodeJS.Signals);
    k.signal(36 as unknown as NodeJS.Signals);
    const ours = await waitForFile(oursPath);
    const theirs = await waitForFile(theirsPath);
    const [entry] = JSON.parse(ours) as { data: Record<string, unknown>; stats: Record<string, number> }[];
    assert.equal(entry?.data['iname'], 'VI_1');
    assert.equal(entry?.data['state'], 2);
    assert.ok((entry?.stats['advert_sent'] ?? 0) > 0);
    assert.deepEqual(keySet(ours), keySet(theirs), 'keepalived 2.2.7 wrote these keys');

    // STATS_CLEAR: the file shows the counters, then they are zero.
    const statsPath = fresh(join(tmpA, 'keepalived.stats'));
    d.signal(63 as unknown as NodeJS.Signals);
    const before = await waitForFile(statsPath);
    assert.match(before, /\n {2}Became master: 1\n/);
    fresh(statsPath);
    d.signal('SIGUSR2');
    const after = await waitForFile(statsPath);
    assert.match(after, /\n {2}Became master: 0\n/);
    assert.match(after, /\n {4}Sent: [0-2]\n/, 'at most the adverts sent since the clear');
    assert.equal(d.exited, undefined, 'the realtime signals did not kill the daemon');
  } catch (e) {
    if (d !== undefined) process.stderr.write(d.lines.map((l) => l.text).join('\n'));
    throw e;
  } finally {
    await d?.stop('SIGTERM', 3_000);
    await k?.stop('SIGTERM', 3_000);
    d?.cleanup();
    k?.cleanup();
    await lab.destroy();
    rmSync(tmpA, { recursive: true, force: true });
    rmSync(tmpB, { recursive: true, force: true });
  }
});

test('dump signals sent to the parent while the processes start neither kill them nor open Node\'s inspector', async (t) => {
  if (skipUnlessLab(t, ['ss'])) return;
  const lab = Lab.create({ tag: 'dmpe', hosts: ['a'], net: NET + 1 });
  const tmp = mkdtempSync(join(tmpdir(), 'kats-dumps-e-'));
  let d: Daemon | undefined;
  try {
    d = startDaemon(lab, 'a', 'keepalived-ts', instanceConfig({ priority: 150, vip: `10.${NET + 1}.0.100/24` }), [], { TMPDIR: tmp });
    const daemon = d;
    const hit = (pid: number): void => {
      for (const s of ['SIGUSR1', 36, 63] as const) process.kill(pid, s as NodeJS.Signals);
    };
    // Signals go to the parent, as keepalived asks: every 20 ms from its first line until the
    // child is well into its start-up (Node's own start included).
    await daemon.waitFor(/Starting keepalived-ts/, 5_000);
    const parentPid = daemon.child.pid ?? 0;
    for (let i = 0; i < 50; i++) {
      hit(parentPid);
      await new Promise((r) => setTimeout(r, 20));
    }
    await daemon.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    assert.ok(!daemon.has(/child process\(\d+\) died/), daemon.lines.map((l) => l.text).join('\n'));
    assert.equal(daemon.exited, undefined);
    const listening = lab.exec('a', ['ss', '-Hltn']);
    assert.doesNotMatch(listening, /:9229\b/, 'no inspector port');
  } finally {
    await d?.stop('SIGTERM', 3_000);
    d?.cleanup();
    await lab.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
});
