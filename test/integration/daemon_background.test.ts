/**
 * keepalived-ts without -n: the command returns once the daemon has written its pid file,
 * the daemon runs in its own session with / as working directory and /dev/null as standard
 * descriptors, and logs through syslog (a datagram socket of this test, named by
 * KEEPALIVED_TS_SYSLOG_SOCKET) with keepalived's idents and the -S facility, and to the -g
 * log files (`_vrrp` before the extension for the VRRP child).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { KATS_BIN, instanceConfig, pidArgs } from '../lab/daemons.js';
import { loadNative } from '../../src/net/native.js';
import { SYSLOG_SOCKET_ENV } from '../../src/daemon/log_sinks.js';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;

/** A syslog daemon stand-in: an AF_UNIX datagram socket bound at `path`. */
function listenSyslog(path: string): { readonly lines: string[]; close(): void } {
  const native = loadNative();
  const fd = native.socket(AF_UNIX, SOCK_DGRAM, 0);
  assert.ok(fd >= 0, `socket: ${fd}`);
  const addr = new Uint8Array(110);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(Buffer.from(path), 2);
  assert.equal(native.bind(fd, addr), 0);
  const lines: string[] = [];
  const buf = new Uint8Array(8192);
  const out = new Int32Array(3);
  const poller = native.poll(fd, () => {
    for (;;) {
      const n = native.recvmsg(fd, buf, new Uint8Array(128), new Uint8Array(0), out);
      if (n < 0) return;
      lines.push(Buffer.from(buf.subarray(0, n)).toString('utf8'));
    }
  });
  return {
    lines,
    close() {
      poller.close();
      native.close(fd);
    },
  };
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('without -n: backgrounds after writing the pid file; syslog idents, -S facility and -g files', async (t) => {
  if (skipUnlessLab(t)) return;
  const lab = Lab.create({ tag: 'dbg', hosts: ['a'], net: 243 });
  const dir = mkdtempSync(join(tmpdir(), 'kats-bg-'));
  const sock = join(dir, 'log.sock');
  const syslog = listenSyslog(sock);
  try {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, instanceConfig({ priority: 150, vip: '10.243.0.100/24' }));
    const launcher = lab.spawn('a', [process.execPath, KATS_BIN, '-D', '-S', 'local3', `--log-file=${join(dir, 'k.log')}`, '-f', conf, ...pidArgs(dir)], {
      env: { ...process.env, [SYSLOG_SOCKET_ENV]: sock },
    });
    const launched = Date.now();
    const code = await new Promise<number | null>((r) => launcher.once('exit', (c) => r(c)));
    t.diagnostic(`the launcher returned after ${Date.now() - launched} ms`);
    assert.equal(code, 0);
    const pid = Number(readFileSync(join(dir, 'k.pid'), 'utf8').trim());
    assert.ok(pid > 0 && pid !== launcher.pid, 'the pid file names the background daemon');
    process.kill(pid, 0);

    // setsid(): its own session; chdir("/"); stdin/stdout/stderr on /dev/null.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(Number(fields[3]), pid, 'session leader');
    assert.equal(readlinkSync(`/proc/${pid}/cwd`), '/');
    for (const fd of [0, 1, 2]) assert.equal(readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null');

    // local3 = 19 << 3, LOG_INFO = 6: <158>
    await until('MASTER in syslog', () => syslog.lines.some((l) => /Keepalived_vrrp\[\d+\]: \(VI_1\) Entering MASTER STATE$/.test(l)), 10_000);
    const start = syslog.lines.find((l) => / Keepalived\[\d+\]: Starting keepalived-ts/.test(l));
    assert.ok(start, syslog.lines.join('\n'));
    assert.match(start, new RegExp(`^<158>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d Keepalived\\[${pid}\\]: Starting keepalived-ts`));

    // -g: the parent's file as named; the VRRP child's with _vrrp before the extension.
    const parentLog = readFileSync(join(dir, 'k.log'), 'utf8');
    assert.match(parentLog, /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{9} \d{4}: Starting keepalived-ts/m);
    await until('the VRRP log file', () => existsSync(join(dir, 'k_vrrp.log')), 2_000);
    assert.match(readFileSync(join(dir, 'k_vrrp.log'), 'utf8'), /: \(VI_1\) Entering MASTER STATE$/m);

    process.kill(pid, 'SIGTERM');
    await until('the daemon to stop', () => !existsSync(join(dir, 'k.pid')), 8_000);
    assert.ok(syslog.lines.some((l) => / Keepalived\[\d+\]: Stopped keepalived-ts/.test(l)));
  } finally {
    syslog.close();
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without -n: a daemon that cannot start turns into a non-zero exit status', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-bg-'));
  try {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'global_defs {\n  router_id nothing\n}\n');
    // Nothing to run: the daemon stops at once. No network is touched.
    const child = spawn(process.execPath, [KATS_BIN, '-G', '-f', conf, ...pidArgs(dir)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(stderr, /the daemon stopped during start-up \(status 1\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
