/**
 * keepalived-ts on the wire: two VRRP routers and a client in network namespaces on one
 * bridge (test/lab). Each test starts `keepalived-ts -n -l -D -f conf` in the router
 * namespaces and proves an election, a failover or a tracker by the log lines, the VIP on
 * the interfaces (`ip addr`) and a client that reaches the VIP (ping, which also proves
 * the gratuitous ARP moved the client's ARP entry).
 *
 * Timing bounds are the issue's: kill -9 of the master → the backup is MASTER within
 * Master_Down_Interval + 50 ms of the kill; SIGTERM → within Skew_Time + 50 ms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { killDaemons, printDaemonLogs, instanceConfig, startDaemon, type Daemon } from '../lab/daemons.js';

const VIP = '10.231.0.100';
/** Master_Down_Interval at advert_int 1, priority 100: 3 s + (256 - 100)/256 s. */
const MDI_100_MS = 3609.375;
/** Skew_Time at priority 100. */
const SKEW_100_MS = 609.375;
const SLACK_MS = 50;

function hasVip(lab: Lab, host: string): boolean {
  return lab.addresses(host).includes(`${VIP}/24`);
}

function clientReachesVip(lab: Lab): boolean {
  return /1 received/.test(lab.exec('c', ['ping', '-c1', '-W1', VIP], true));
}

async function withLab(t: { name: string }, body: (lab: Lab, daemons: Daemon[]) => Promise<void>): Promise<void> {
  const lab = Lab.create({ tag: 'fo', hosts: ['a', 'b', 'c'], net: 231 });
  const daemons: Daemon[] = [];
  try {
    await body(lab, daemons);
  } catch (e) {
    printDaemonLogs(t.name, daemons);
    throw e;
  } finally {
    await killDaemons(daemons);
    await lab.destroy();
  }
}

test('two keepalived-ts routers: election, kill -9 of the master, re-election by preemption, graceful stop', async (t) => {
  if (skipUnlessLab(t, ['ping'])) return;
  await withLab(t, async (lab, daemons) => {
    // b starts once a is MASTER: started together, their Master_Down_Intervals differ by
    // 195 ms only, and a slow start of a would let b win the first election.
    const a = startDaemon(lab, 'a', 'keepalived-ts', instanceConfig({ priority: 150, vip: `${VIP}/24`, password: 'kats' }));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    const b = startDaemon(lab, 'b', 'keepalived-ts', instanceConfig({ priority: 100, vip: `${VIP}/24`, password: 'kats' }));
    daemons.push(b);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE \(init\)/, 8_000);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok(hasVip(lab, 'a'), 'VIP on the master');
    assert.ok(!hasVip(lab, 'b'), 'no VIP on the backup');
    assert.ok(clientReachesVip(lab), 'client reaches the VIP on a');
    assert.ok(!b.has(/Entering MASTER STATE/), 'b never became master');

    // kill -9: no priority 0; b waits Master_Down_Interval from a's last advert.
    const killedAt = performance.now();
    a.crash(lab);
    const taken = await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    const takeoverMs = taken.atMs - killedAt;
    t.diagnostic(`kill -9 → b MASTER after ${takeoverMs.toFixed(1)} ms (bound ${MDI_100_MS + SLACK_MS} ms)`);
    assert.ok(takeoverMs <= MDI_100_MS + SLACK_MS, `takeover took ${takeoverMs} ms`);
    assert.ok(hasVip(lab, 'b'), 'VIP moved to b');
    assert.ok(clientReachesVip(lab), 'client reaches the VIP on b');

    // a comes back with the higher priority and preempts after its own down timer.
    const a2 = startDaemon(lab, 'a', 'keepalived-ts', instanceConfig({ priority: 150, vip: `${VIP}/24`, password: 'kats' }));
    daemons.push(a2);
    const mark = b.lines.length;
    await a2.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    await b.waitFor(/\(VI_1\) Master received advert from 10\.231\.0\.1 with higher priority 150, ours 100/, 3_000, mark);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE$/, 3_000, mark);
    assert.ok(hasVip(lab, 'a') && !hasVip(lab, 'b'), 'VIP back on a only');
    assert.ok(clientReachesVip(lab), 'client reaches the VIP on a again');

    // Graceful stop: priority 0, b takes over after Skew_Time.
    const mark2 = b.lines.length;
    const stoppedAt = performance.now();
    a2.signal('SIGTERM');
    const taken2 = await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 5_000, mark2);
    const gracefulMs = taken2.atMs - stoppedAt;
    t.diagnostic(`SIGTERM → b MASTER after ${gracefulMs.toFixed(1)} ms (bound ${SKEW_100_MS + SLACK_MS} ms)`);
    assert.ok(gracefulMs <= SKEW_100_MS + SLACK_MS, `graceful takeover took ${gracefulMs} ms`);
    await a2.waitFor(/Stopped/, 3_000);
    assert.ok(!hasVip(lab, 'a'), 'a removed its VIP on stop');
    assert.ok(hasVip(lab, 'b'));
  });
});

test('nopreempt: a higher-priority router that starts later does not take over from a live master', async (t) => {
  if (skipUnlessLab(t, ['ping'])) return;
  await withLab(t, async (lab, daemons) => {
    const b = startDaemon(lab, 'b', 'keepalived-ts', instanceConfig({ priority: 100, vip: `${VIP}/24`, nopreempt: true }));
    daemons.push(b);
    await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    const a = startDaemon(lab, 'a', 'keepalived-ts', instanceConfig({ priority: 150, vip: `${VIP}/24`, nopreempt: true }));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) Entering BACKUP STATE \(init\)/, 3_000);
    // Well past a's Master_Down_Interval: it keeps following b.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.ok(!a.has(/Entering MASTER STATE/), 'a stayed BACKUP');
    assert.ok(hasVip(lab, 'b') && !hasVip(lab, 'a'));
  });
});

test('a tracked interface losing carrier puts the master in FAULT and the VIP moves', async (t) => {
  if (skipUnlessLab(t, ['ping'])) return;
  await withLab(t, async (lab, daemons) => {
    const a = startDaemon(lab, 'a', 'keepalived-ts', instanceConfig({ priority: 150, vip: `${VIP}/24` }));
    const b = startDaemon(lab, 'b', 'keepalived-ts', instanceConfig({ priority: 100, vip: `${VIP}/24` }));
    daemons.push(a, b);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    lab.cutLink('a');
    await a.waitFor(/\(VI_1\) Entering FAULT STATE/, 3_000);
    await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 6_000);
    assert.ok(!hasVip(lab, 'a'), 'a dropped the VIP in FAULT');
    assert.ok(hasVip(lab, 'b'));
    assert.ok(clientReachesVip(lab), 'client reaches the VIP on b');
    lab.restoreLink('a');
    await a.waitFor(/\(VI_1\) Entering BACKUP STATE/, 5_000);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000, a.lines.findIndex((l) => /FAULT/.test(l.text)));
  });
});

test('a failing track_script lowers the priority by its weight and the VIP moves to the peer', async (t) => {
  if (skipUnlessLab(t, ['ping'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'kats-chk-'));
  const flag = join(dir, 'fail');
  const script = join(dir, 'chk.sh');
  writeFileSync(script, `#!/bin/sh\ntest ! -e ${flag}\n`);
  chmodSync(script, 0o755);
  const tracked = { extra: '  track_script {\n    chk\n  }' };
  const scriptBlock = `vrrp_script chk {\n  script "${script}"\n  interval 1\n  fall 1\n  rise 1\n  weight -60\n}\n`;
  try {
    await withLab(t, async (lab, daemons) => {
      const a = startDaemon(lab, 'a', 'keepalived-ts', scriptBlock + instanceConfig({ priority: 150, vip: `${VIP}/24`, ...tracked }));
      const b = startDaemon(lab, 'b', 'keepalived-ts', instanceConfig({ priority: 100, vip: `${VIP}/24` }));
      daemons.push(a, b);
      await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
      writeFileSync(flag, '');
      await a.waitFor(/VRRP_Script\(chk\) failed/, 4_000);
      await a.waitFor(/\(VI_1\) Changing effective priority from 150 to 90/, 2_000);
      // b (100) now outranks a (90): it preempts when its down timer expires.
      await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
      await a.waitFor(/\(VI_1\) Entering BACKUP STATE/, 3_000);
      assert.ok(hasVip(lab, 'b') && !hasVip(lab, 'a'));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
