/**
 * Three keepalived-ts routers in one VRRP group (priorities 150, 120, 100) in network
 * namespaces on one bridge (test/lab), plus a client:
 *  - the 150 is elected and is the only one holding the VIP;
 *  - kill -9 of the 150 (no priority 0): the 120 takes over, never the 100 — the 100's
 *    longer Master_Down_Interval (3 s + 156/256 s vs 3 s + 136/256 s) lets the 120 win, and
 *    once the 120 advertises, the 100 stays BACKUP;
 *  - the 150 comes back (removing the VIP the kill -9 left behind) and preempts the 120; the 100 never became MASTER at any point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { killDaemons, printDaemonLogs, instanceConfig, startDaemon, type Daemon } from '../lab/daemons.js';

const NET = 190;
const VIP = `10.${NET}.0.100`;
/** Master_Down_Interval at advert_int 1: 3 s + Skew_Time. */
const MDI_120_MS = 3000 + ((256 - 120) * 1000) / 256;
const SLACK_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function hasVip(lab: Lab, host: string): boolean {
  return lab.addresses(host).includes(`${VIP}/24`);
}

function holders(lab: Lab): string[] {
  return ['a', 'b', 'c'].filter((h) => hasVip(lab, h));
}

function clientReachesVip(lab: Lab): boolean {
  return /1 received/.test(lab.exec('cl', ['ping', '-c1', '-W1', VIP], true));
}

function conf(priority: number): string {
  return instanceConfig({ priority, vrid: 90, vip: `${VIP}/24`, password: 'kats3' });
}

test('three keepalived-ts routers (150/120/100): election, kill -9 → the 120 takes over (not the 100), the 150 preempts on return', async (t) => {
  if (skipUnlessLab(t, ['ping'])) return;
  const lab = Lab.create({ tag: 'n3', hosts: ['a', 'b', 'c', 'cl'], net: NET });
  const daemons: Daemon[] = [];
  try {
    // Start the lowest first, so start-up order cannot explain the election.
    const c = startDaemon(lab, 'c', 'keepalived-ts', conf(100));
    const b = startDaemon(lab, 'b', 'keepalived-ts', conf(120));
    const a = startDaemon(lab, 'a', 'keepalived-ts', conf(150));
    daemons.push(c, b, a);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 10_000);
    // Let any start-up MASTER of c/b (they may time out before a starts) settle.
    await sleep(2_000);
    const settled = { b: b.lines.length, c: c.lines.length };
    await sleep(1_500);
    assert.deepEqual(holders(lab), ['a'], 'only the 150 holds the VIP');
    assert.ok(clientReachesVip(lab), 'client reaches the VIP on a');
    assert.ok(!b.lines.slice(settled.b).some((l) => /Entering MASTER STATE/.test(l.text)), 'b is BACKUP');
    assert.ok(!c.lines.slice(settled.c).some((l) => /Entering MASTER STATE/.test(l.text)), 'c is BACKUP');
    const cMasterBefore = c.lines.filter((l) => /Entering MASTER STATE/.test(l.text)).length;

    // kill -9 of the master.
    const markB = b.lines.length;
    const markC = c.lines.length;
    const killedAt = performance.now();
    a.crash(lab);
    const taken = await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000, markB);
    const takeoverMs = taken.atMs - killedAt;
    t.diagnostic(`kill -9 of the 150 → the 120 MASTER after ${takeoverMs.toFixed(1)} ms (bound ${(MDI_120_MS + SLACK_MS).toFixed(1)} ms)`);
    assert.ok(takeoverMs <= MDI_120_MS + SLACK_MS, `takeover took ${takeoverMs} ms`);
    // Well past the 100's own Master_Down_Interval: it must have stayed BACKUP.
    await sleep(2_500);
    assert.ok(!c.lines.slice(markC).some((l) => /Entering MASTER STATE/.test(l.text)), 'the 100 must not take over');
    // a's namespace still holds the VIP (nobody removed it after the kill -9), as with
    // keepalived; among the live routers only the 120 has it.
    assert.deepEqual(holders(lab).filter((h) => h !== 'a'), ['b'], 'the 120 holds the VIP, the 100 does not');
    assert.ok(clientReachesVip(lab), 'client reaches the VIP on b');

    // The 150 comes back and preempts.
    const a2 = startDaemon(lab, 'a', 'keepalived-ts', conf(150));
    daemons.push(a2);
    const markB2 = b.lines.length;
    const markC2 = c.lines.length;
    await a2.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    await b.waitFor(new RegExp(`\\(VI_1\\) Master received advert from 10\\.${NET}\\.0\\.1 with higher priority 150, ours 120`), 3_000, markB2);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE$/, 3_000, markB2);
    await sleep(1_500);
    assert.deepEqual(holders(lab), ['a'], 'the VIP is back on the 150 only');
    assert.ok(clientReachesVip(lab), 'client reaches the VIP on a again');
    assert.ok(!c.lines.slice(markC2).some((l) => /Entering MASTER STATE/.test(l.text)), 'the 100 stayed BACKUP during the preemption');
    assert.equal(c.lines.filter((l) => /Entering MASTER STATE/.test(l.text)).length, cMasterBefore, 'the 100 never became MASTER after start-up');
  } catch (e) {
    printDaemonLogs(t.name, daemons);
    throw e;
  } finally {
    await killDaemons(daemons);
    await lab.destroy();
  }
});
