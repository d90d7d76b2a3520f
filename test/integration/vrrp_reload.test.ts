/**
 * Reload (SIGHUP) as a diff: while a client pings the VIP every 10 ms, the master's config
 * gains an instance and the daemon gets HUP. The existing instance keeps its state and VIP:
 * no lost ping, no transition, no notify. The new instance starts as at boot. A config that
 * cannot be read is refused and the running one stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { instanceConfig, startDaemon, type Daemon } from '../lab/daemons.js';

const VIP = '10.233.0.100';

test('SIGHUP while a client pings the VIP every 10 ms: 0 lost, 0 transitions, 0 notifies; a new instance starts; an unreadable config is refused', async (t) => {
  if (skipUnlessLab(t, ['ping'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'kats-reload-'));
  const notifyLog = join(dir, 'notify.log');
  const script = join(dir, 'notify.sh');
  writeFileSync(script, `#!/bin/sh\necho "$@" >> ${notifyLog}\n`);
  chmodSync(script, 0o755);
  const lab = Lab.create({ tag: 'rld', hosts: ['a', 'b', 'c'], net: 233 });
  const daemons: Daemon[] = [];
  const base = (priority: number) => instanceConfig({ priority, vip: `${VIP}/24`, extra: `  notify ${script}` });
  const second = `vrrp_instance VI_2 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 52\n  priority 150\n  virtual_ipaddress {\n    10.233.0.101/24\n  }\n}\n`;
  try {
    const a = startDaemon(lab, 'a', 'keepalived-ts', base(150));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    const b = startDaemon(lab, 'b', 'keepalived-ts', instanceConfig({ priority: 100, vip: `${VIP}/24` }));
    daemons.push(b);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 3_000);
    await new Promise((r) => setTimeout(r, 500));
    const notifiesBefore = readFileSync(notifyLog, 'utf8');
    const mark = a.lines.length;

    const ping = lab.spawn('c', ['ping', '-n', '-i', '0.01', '-c', '300', '-W', '1', VIP]);
    let out = '';
    ping.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const pinged = new Promise<void>((r) => ping.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, 700));
    writeFileSync(a.configPath, base(150) + second);
    a.signal('SIGHUP');
    await a.waitFor(/Reload complete/, 5_000, mark);
    await pinged;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    assert.ok(m, `ping output: ${out}`);
    t.diagnostic(`ping during reload: ${m[1]} sent, ${m[2]} received`);
    assert.equal(m[2], m[1], 'no probe lost during the reload');
    const after = a.lines.slice(mark).map((l) => l.text);
    assert.ok(!after.some((l) => /\(VI_1\) Entering/.test(l)), `no VI_1 transition: ${after.join('\n')}`);
    assert.equal(readFileSync(notifyLog, 'utf8'), notifiesBefore, 'no notify for VI_1');
    await a.waitFor(/\(VI_2\) Entering BACKUP STATE \(init\)/, 3_000, mark);
    await a.waitFor(/\(VI_2\) Entering MASTER STATE/, 6_000, mark);
    assert.ok(lab.addresses('a').includes('10.233.0.101/24'), 'the new instance holds its VIP');

    // An unreadable configuration: refused by the parent, the running one stays.
    const mark2 = a.lines.length;
    rmSync(a.configPath);
    a.signal('SIGHUP');
    await a.waitFor(/Reload refused/, 3_000, mark2);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok(!a.lines.slice(mark2).some((l) => /Entering|removing VIPs/.test(l.text)));
    assert.ok(lab.addresses('a').includes(`${VIP}/24`));
    assert.ok(existsSync(notifyLog));
  } catch (e) {
    for (const d of daemons) process.stderr.write(`--- ${d.host}\n${d.lines.map((l) => l.text).join('\n')}\n`);
    throw e;
  } finally {
    await Promise.all(daemons.map((d) => d.stop('SIGTERM', 3_000)));
    for (const d of daemons) d.cleanup();
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
