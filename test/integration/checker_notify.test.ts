/**
 * The checker's real-server and virtual-server notifications end to end, in a namespace
 * lab: a load balancer `lb` running keepalived-ts with one virtual server (quorum 1) and
 * one real server `rs` (HTTP_GET with fast_recovery). Stopping the real server's HTTP
 * listener must give exactly one notify_down run, one `RS … DOWN` and one `VS … DOWN` line
 * on the lvs_notify_fifo, one quorum_down run and one mail with keepalived's subject and
 * body; starting it again gives the UP counterparts (check/ipwrapper.c, check_http.c,
 * notify.c; the formats are src/check/lvs_notify.ts's, unit-tested there). The SMTP sink
 * (test/integration/fixtures/smtp_sink.ts) listens on 127.0.0.1 inside the lb namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { REPO_ROOT, startDaemon, type Daemon } from '../lab/daemons.js';

const NET = 171;
const PORT = 2526;
const SINK = join(REPO_ROOT, 'dist', 'test', 'integration', 'fixtures', 'smtp_sink.js');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An HTTP server; `stop` / `start` on stdin close / reopen the listener. */
const SERVER = `
const http=require('http');let srv;
const start=()=>{srv=http.createServer((q,s)=>{s.setHeader('connection','close');s.end('alive')});srv.listen(80,()=>console.log('listening'))};
const stop=()=>{srv.close();srv.closeAllConnections();console.log('stopped')};
require('readline').createInterface({input:process.stdin}).on('line',(l)=>{l==='stop'?stop():start()});
start();`;

interface Mail {
  readonly data: string;
}

function waitLine(child: ChildProcess, want: (l: string) => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('timed out waiting for a line')), timeoutMs);
    const on = (c: Buffer): void => {
      buf += c.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      if (lines.some(want)) {
        clearTimeout(timer);
        child.stdout?.off('data', on);
        resolve();
      }
    };
    child.stdout?.on('data', on);
  });
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(25);
  }
}

test('checker notifications: one notify_down / RS+VS FIFO line / quorum_down / mail per stop, the UP ones per start', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'kats-chknotify-'));
  const lab = Lab.create({ tag: 'chkn', hosts: ['lb', 'rs'], net: NET });
  const daemons: Daemon[] = [];
  const children: ChildProcess[] = [];
  try {
    const rsIp = lab.host('rs').ipv4;
    const vip = `10.${NET}.1.100`;
    lab.exec('lb', ['ip', 'addr', 'add', `${vip}/32`, 'dev', 'eth0']);
    const log = join(dir, 'notify.log');
    for (const n of ['rs_up', 'rs_down', 'vs_up', 'vs_down']) {
      writeFileSync(join(dir, `${n}.sh`), `#!/bin/sh\necho "${n} $*" >> ${log}\n`);
      chmodSync(join(dir, `${n}.sh`), 0o755);
    }
    const fifo = join(dir, 'lvs.fifo');
    execFileSync('mkfifo', [fifo]);
    const fifoOut = join(dir, 'fifo.out');
    const reader = lab.spawn('lb', ['sh', '-c', `cat ${fifo} > ${fifoOut}`]);
    children.push(reader);

    const sink = lab.spawn('lb', [process.execPath, SINK, String(PORT)]);
    children.push(sink);
    const mails: Mail[] = [];
    const sinkUp = waitLine(sink, (l) => l === 'listening', 5_000);
    let sbuf = '';
    sink.stdout?.on('data', (c: Buffer) => {
      sbuf += c.toString('utf8');
      const lines = sbuf.split('\n');
      sbuf = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('{')) mails.push(JSON.parse(l) as Mail);
    });
    await sinkUp;

    const server = lab.spawn('rs', ['node', '-e', SERVER]);
    children.push(server);
    await waitLine(server, (l) => l === 'listening', 5_000);

    const conf = `global_defs {
  router_id chkn
  notification_email {
    ops@example.com
  }
  notification_email_from lb@example.com
  smtp_server 127.0.0.1 ${PORT}
  smtp_connect_timeout 5
  lvs_notify_fifo ${fifo}
}
virtual_server ${vip} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 1
  smtp_alert
  quorum_up ${join(dir, 'vs_up.sh')}
  quorum_down ${join(dir, 'vs_down.sh')}
  real_server ${rsIp} 80 {
    smtp_alert
    notify_up ${join(dir, 'rs_up.sh')}
    notify_down ${join(dir, 'rs_down.sh')}
    HTTP_GET {
      url {
        path /
        regex "^alive$"
      }
      connect_timeout 1
      retry 0
      delay_before_retry 1
      fast_recovery
    }
  }
}
`;
    const d = startDaemon(lab, 'lb', 'keepalived-ts', conf);
    daemons.push(d);
    const RS = `[${rsIp}]:tcp:80`;
    const VS = `[${vip}]:tcp:80`;
    await d.waitFor(new RegExp(`Regex match success to \\[${rsIp.replace(/\./g, '\\.')}\\]:tcp:80 url\\(/\\)|Remote Web server`), 8_000);
    await sleep(500);
    const notes = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((x) => x !== '').map((x) => x.trimEnd()) : []);
    const fifoLines = (): string[] => (existsSync(fifoOut) ? readFileSync(fifoOut, 'utf8').split('\n').filter((x) => x !== '') : []);
    const n0 = notes().length;
    const f0 = fifoLines().length;
    const m0 = mails.length;

    // Stop: exactly one DOWN of each kind (the scripts get no arguments: trimEnd only drops
    // the blank `$*` expands to).
    server.stdin?.write('stop\n');
    await until(() => notes().length >= n0 + 2 && fifoLines().length >= f0 + 2 && mails.length >= m0 + 2, 8_000, 'DOWN notifications');
    await sleep(1_500); // nothing more may come (the server stays down)
    assert.deepEqual(notes().slice(n0).sort(), ['rs_down', 'vs_down']);
    assert.deepEqual(fifoLines().slice(f0), [`RS ${RS} ${VS} DOWN`, `VS ${VS} DOWN`]);
    const downMails = mails.slice(m0).map((m) => m.data);
    assert.equal(downMails.length, 2, JSON.stringify(downMails));
    const rsDown = downMails.find((m) => m.includes(`Subject: [chkn] Realserver ${RS} of virtual server ${VS} - DOWN`));
    assert.ok(rsDown !== undefined, JSON.stringify(downMails));
    assert.match(rsDown, /=> CHECK failed on service : HTTP request failed <=/);
    assert.ok(downMails.some((m) => m.includes(`Subject: [chkn] Virtualserver ${VS} - DOWN`)), JSON.stringify(downMails));

    // Start: exactly one UP of each kind (fast_recovery: the recovery cycle runs at once).
    const n1 = notes().length;
    const f1 = fifoLines().length;
    const m1 = mails.length;
    const startedAt = Date.now();
    server.stdin?.write('start\n');
    await until(() => notes().length >= n1 + 2 && fifoLines().length >= f1 + 2 && mails.length >= m1 + 2, 8_000, 'UP notifications');
    const upMs = Date.now() - startedAt;
    t.diagnostic(`UP notifications ${upMs} ms after the start (delay_loop 1 s, fast_recovery)`);
    await sleep(1_500);
    assert.deepEqual(notes().slice(n1).sort(), ['rs_up', 'vs_up']);
    assert.deepEqual(fifoLines().slice(f1), [`RS ${RS} ${VS} UP`, `VS ${VS} UP`]);
    const upMails = mails.slice(m1).map((m) => m.data);
    assert.equal(upMails.length, 2, JSON.stringify(upMails));
    const rsUp = upMails.find((m) => m.includes(`Subject: [chkn] Realserver ${RS} of virtual server ${VS} - UP`));
    assert.ok(rsUp !== undefined, JSON.stringify(upMails));
    assert.match(rsUp, /=> CHECK succeed on service <=/);
    // Without fast_recovery the marked url passing is followed by a delay_loop wait; with
    // it the full cycle is checked at once, so UP comes within one delay_loop.
    assert.ok(upMs < 2_000, `UP after ${upMs} ms`);
    assert.ok(d.has(new RegExp(`Regex match success to \\[${rsIp.replace(/\./g, '\\.')}\\]:tcp:80 url\\(/\\)`)));
  } catch (e) {
    for (const d of daemons) process.stderr.write(`--- ${d.host}/${d.kind}\n${d.lines.map((l) => l.text).join('\n')}\n`);
    throw e;
  } finally {
    await Promise.all(daemons.map((d) => d.stop('SIGTERM', 3000)));
    for (const d of daemons) d.cleanup();
    for (const c of children) c.kill('SIGKILL');
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
