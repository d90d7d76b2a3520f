/**
 * The daemon's status listener end to end: the VRRP child reports to the parent over IPC and
 * the parent serves /metrics (keepalived-exporter's names) and /status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { instanceConfig, startDaemon, type Daemon } from '../lab/daemons.js';

function fetchIn(lab: Lab, host: string, url: string): string {
  const js = `fetch(${JSON.stringify(url)}).then(r => r.text()).then(t => process.stdout.write(t), e => { console.error(String(e)); process.exit(1); })`;
  return lab.exec(host, [process.execPath, '-e', js]);
}

test('--status-listen: /metrics has keepalived_vrrp_state 2 for the master and keepalived_up 1; /status lists the instance; USR2 writes keepalived.stats; vrrp_rt_priority sets SCHED_RR', async (t) => {
  if (skipUnlessLab(t)) return;
  const lab = Lab.create({ tag: 'stat', hosts: ['a'], net: 234 });
  let d: Daemon | undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'kats-stats-'));
  try {
    const conf = instanceConfig({ priority: 150, vip: '10.234.0.100/24', globalExtra: '  vrrp_rt_priority 10' });
    d = startDaemon(lab, 'a', 'keepalived-ts', conf, ['--status-listen=127.0.0.1:9650'], {
      TMPDIR: tmp,
    });
    await d.waitFor(/Status listener on http:\/\/127\.0\.0\.1:9650/, 5_000);
    await d.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    await new Promise((r) => setTimeout(r, 300));
    // vrrp_rt_priority: the VRRP child's main thread runs SCHED_RR (policy 2, field 41 of stat).
    const child = Number(/pid=(\d+)/.exec((await d.waitFor(/Starting VRRP child process, pid=\d+/, 100)).text)?.[1]);
    const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(fields[41 - 3], '2', 'SCHED_RR');
    const metrics = fetchIn(lab, 'a', 'http://127.0.0.1:9650/metrics');
    assert.match(metrics, /^keepalived_up 1$/m);
    assert.match(metrics, /^keepalived_vrrp_state\{iname="VI_1",intf="eth0",vrid="51",ip_address="10\.234\.0\.100\/24"\} 2$/m);
    assert.match(metrics, /^keepalived_become_master_total\{iname="VI_1",intf="eth0",vrid="51"\} 1$/m);
    const status = JSON.parse(fetchIn(lab, 'a', 'http://127.0.0.1:9650/status')) as { children: unknown };
    assert.match(JSON.stringify(status), /"VI_1"/);
    assert.match(JSON.stringify(status), /"MASTER"/);

    // keepalived's STATS signal: the parent passes USR2 to the VRRP child, which writes the file.
    d.signal('SIGUSR2');
    const file = join(tmp, 'keepalived.stats');
    for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
    const stats = readFileSync(file, 'utf8');
    assert.match(stats, /^VRRP Instance: VI_1\n {2}Advertisements:\n {4}Received: 0\n {4}Sent: \d+\n {2}Became master: 1\n/);
  } catch (e) {
    if (d !== undefined) process.stderr.write(d.lines.map((l) => l.text).join('\n'));
    throw e;
  } finally {
    await d?.stop('SIGTERM', 3_000);
    d?.cleanup();
    await lab.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
});
