/**
 * The daemon's status listener end to end: the VRRP child reports to the parent over IPC and
 * the parent serves /metrics (keepalived-exporter's names) and /status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { instanceConfig, startDaemon, type Daemon } from '../lab/daemons.js';

function fetchIn(lab: Lab, host: string, url: string): string {
  const js = `fetch(${JSON.stringify(url)}).then(r => r.text()).then(t => process.stdout.write(t), e => { console.error(String(e)); process.exit(1); })`;
  return lab.exec(host, [process.execPath, '-e', js]);
}

test('--status-listen: /metrics has keepalived_vrrp_state 2 for the master and keepalived_up 1; /status lists the instance', async (t) => {
  if (skipUnlessLab(t)) return;
  const lab = Lab.create({ tag: 'stat', hosts: ['a'], net: 234 });
  let d: Daemon | undefined;
  try {
    d = startDaemon(lab, 'a', 'keepalived-ts', instanceConfig({ priority: 150, vip: '10.234.0.100/24' }), ['--status-listen=127.0.0.1:9650']);
    await d.waitFor(/Status listener on http:\/\/127\.0\.0\.1:9650/, 5_000);
    await d.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    await new Promise((r) => setTimeout(r, 300));
    const metrics = fetchIn(lab, 'a', 'http://127.0.0.1:9650/metrics');
    assert.match(metrics, /^keepalived_up 1$/m);
    assert.match(metrics, /^keepalived_vrrp_state\{iname="VI_1",intf="eth0",vrid="51",ip_address="10\.234\.0\.100\/24"\} 2$/m);
    assert.match(metrics, /^keepalived_become_master_total\{iname="VI_1",intf="eth0",vrid="51"\} 1$/m);
    const status = JSON.parse(fetchIn(lab, 'a', 'http://127.0.0.1:9650/status')) as { children: unknown };
    assert.match(JSON.stringify(status), /"VI_1"/);
    assert.match(JSON.stringify(status), /"MASTER"/);
  } catch (e) {
    if (d !== undefined) process.stderr.write(d.lines.map((l) => l.text).join('\n'));
    throw e;
  } finally {
    await d?.stop('SIGTERM', 3_000);
    d?.cleanup();
    await lab.destroy();
  }
});
