/**
 * kill -9 of the VRRP child: the parent restarts it (keepalived's back-off: 1 s when it ran
 * less than 60 s) and the new child resumes mastership with the VIPs still in place, before
 * the backup's Master_Down_Interval runs out. A client pinging the VIP every 10 ms loses
 * nothing, and the backup never becomes MASTER.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { instanceConfig, startDaemon, type Daemon } from '../lab/daemons.js';

const VIP = '10.235.0.100';

test('kill -9 of the VRRP child: the parent respawns it, it resumes MASTER, the VIP is held throughout', async (t) => {
  if (skipUnlessLab(t, ['ping'])) return;
  const lab = Lab.create({ tag: 'rsp', hosts: ['a', 'b', 'c'], net: 235 });
  const daemons: Daemon[] = [];
  try {
    const a = startDaemon(lab, 'a', 'keepalived-ts', instanceConfig({ priority: 150, vip: `${VIP}/24` }));
    daemons.push(a);
    const started = await a.waitFor(/Starting VRRP child process, pid=(\d+)/, 5_000);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    const b = startDaemon(lab, 'b', 'keepalived-ts', instanceConfig({ priority: 100, vip: `${VIP}/24` }));
    daemons.push(b);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 3_000);
    await new Promise((r) => setTimeout(r, 1_500)); // the parent has a status snapshot

    const ping = lab.spawn('c', ['ping', '-n', '-i', '0.01', '-c', '500', '-W', '1', VIP]);
    let out = '';
    ping.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const pinged = new Promise<void>((r) => ping.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, 500));

    const childPid = Number(/pid=(\d+)/.exec(started.text)?.[1]);
    assert.ok(childPid > 0);
    const mark = a.lines.length;
    process.kill(childPid, 'SIGKILL');
    await a.waitFor(/VRRP child process\(\d+\) died/, 3_000, mark);
    await a.waitFor(/\(VI_1\) resuming MASTER state after a restart of the VRRP process/, 5_000, mark);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 1_000, mark);
    await pinged;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    assert.ok(m, out);
    t.diagnostic(`ping across the respawn: ${m[1]} sent, ${m[2]} received`);
    assert.equal(m[2], m[1], 'no probe lost');
    assert.ok(!b.has(/\(VI_1\) Entering MASTER STATE/), 'the backup never took over');
    assert.ok(lab.addresses('a').includes(`${VIP}/24`));
    assert.ok(!a.lines.slice(mark).some((l) => /removing VIPs/.test(l.text)), 'the VIPs were not removed');
  } catch (e) {
    for (const d of daemons) process.stderr.write(`--- ${d.host}\n${d.lines.map((l) => l.text).join('\n')}\n`);
    throw e;
  } finally {
    await Promise.all(daemons.map((d) => d.stop('SIGTERM', 3_000)));
    for (const d of daemons) d.cleanup();
    await lab.destroy();
  }
});
