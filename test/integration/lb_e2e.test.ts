/**
 * The load balancer end to end: a client `c`, a load balancer `lb` running keepalived-ts
 * (checker child → nftables DNAT, docs/load-balancer.md) for VIP 10.N.1.100:80, and three
 * real servers answering their name over HTTP (plus a sorry server). The real servers
 * route replies back through the LB (NAT).
 *
 * Proves: wrr spreads by weight; a failed real server leaves the data plane within
 * connect_timeout + retry × delay_before_retry + delay_loop (+100 ms) and comes back when
 * it recovers; quorum loss brings the sorry server in; inhibit_on_failure keeps the
 * destination at weight 0; MISC_CHECK misc_dynamic changes the weight; and the log lines
 * for these events are keepalived 2.2.7's (check/ipwrapper.c, check_http.c, check_tcp.c,
 * check_misc.c). Real keepalived cannot be compared live here: without ip_vs its checker
 * child exits at start ("IPVS: Can't initialize ipvs"), so the expected text is the source's.
 *
 * Set KATS_TEST_VERBOSE=1 to see the daemon's log and the measured times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { CLIENT, LOAD, execAsync, httpServerArgv } from '../lab/http_lab.js';
import { startDaemon, type Daemon } from '../lab/daemons.js';

const verbose = process.env['KATS_TEST_VERBOSE'] === '1';
const note = (s: string) => {
  if (verbose) process.stderr.write(`[lbe] ${s}\n`);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RealServer {
  readonly name: string;
  readonly ip: string;
  readonly child: ChildProcess;
  /** Closes the listener; resolves with performance.now() taken just before the command. */
  stop(): Promise<number>;
  start(): Promise<number>;
}

interface LbLab {
  readonly lab: Lab;
  readonly net: number;
  readonly vip: string;
  readonly lbIp: string;
  readonly rs: readonly RealServer[];
  readonly sorry: RealServer | undefined;
  /** Fresh client batch: counts per answer. */
  requests(n: number): Promise<Record<string, number>>;
  /** Destinations in the nft table: address → weight (from the `kats dst` comments). */
  destinations(): Promise<Map<string, number>>;
  /** Poll destinations() every ~10 ms until `ok`; resolves with performance.now() then. */
  waitPlane(ok: (d: Map<string, number>) => boolean, timeoutMs: number): Promise<number>;
  /** Starts background load; `end()` stops it and returns the records. */
  load(): { end(): Promise<{ t: number; r: string }[]> };
}

async function createLbLab(net: number, withSorry: boolean): Promise<LbLab> {
  const rsNames = ['rs1', 'rs2', 'rs3'];
  const hosts = ['lb', ...rsNames, 'c', ...(withSorry ? ['sorry'] : [])];
  const lab = Lab.create({ tag: 'lbe', hosts, net });
  const lb = lab.host('lb');
  const c = lab.host('c');
  const vip = `10.${net}.1.100`;
  lab.exec('lb', ['ip', 'addr', 'add', `${vip}/32`, 'dev', 'eth0']);
  for (const k of ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']) {
    lab.exec('lb', ['sysctl', '-qw', k]);
  }
  lab.exec('c', ['ip', 'route', 'add', `${vip}/32`, 'via', lb.ipv4]);
  const startServer = async (name: string): Promise<RealServer> => {
    // NAT return traffic: the client is on-link, so a host route sends it via the LB.
    lab.exec(name, ['ip', 'route', 'add', `${c.ipv4}/32`, 'via', lb.ipv4]);
    lab.exec(name, ['ip', 'route', 'add', 'default', 'via', lb.ipv4]);
    const child = lab.spawn(name, httpServerArgv(name));
    const lines: string[] = [];
    const waiters: { word: string; resolve: () => void }[] = [];
    let partial = '';
    child.stdout?.on('data', (b: Buffer) => {
      const parts = (partial + b.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        lines.push(p);
        for (const w of waiters.splice(0)) if (w.word === p) w.resolve();
        else waiters.push(w);
      }
    });
    const expect = (word: string) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ word, resolve });
        setTimeout(() => reject(new Error(`${name}: no '${word}'`)), 5_000);
      });
    await expect('listening');
    const command = async (word: 'stop' | 'start', ack: string) => {
      const at = performance.now();
      const acked = expect(ack);
      child.stdin?.write(`${word}\n`);
      await acked;
      return at;
    };
    return {
      name,
      ip: lab.host(name).ipv4,
      child,
      stop: () => command('stop', 'stopped'),
      start: () => command('start', 'listening'),
    };
  };
  const rs = await Promise.all(rsNames.map(startServer));
  const sorry = withSorry ? await startServer('sorry') : undefined;
  const destinations = async () => {
    const out = new Map<string, number>();
    let text: string;
    try {
      text = await execAsync(['ip', 'netns', 'exec', lb.ns, 'nft', '-j', 'list', 'table', 'ip', 'keepalived_ts']);
    } catch {
      return out; // no table (yet)
    }
    const doc = JSON.parse(text) as { nftables: { rule?: { comment?: string } }[] };
    for (const it of doc.nftables) {
      const m = /^kats dst (\S+) \d+ (\d+) NAT$/.exec(it.rule?.comment ?? '');
      if (m?.[1] !== undefined) out.set(m[1], Number(m[2]));
    }
    return out;
  };
  return {
    lab,
    net,
    vip,
    lbIp: lb.ipv4,
    rs,
    sorry,
    requests: async (n) => JSON.parse(await execAsync(['ip', 'netns', 'exec', c.ns, 'node', '-e', CLIENT(vip, n)])) as Record<string, number>,
    destinations,
    waitPlane: async (ok, timeoutMs) => {
      const until = performance.now() + timeoutMs;
      let last = new Map<string, number>();
      while (performance.now() < until) {
        last = await destinations();
        if (ok(last)) return performance.now();
        await sleep(10);
      }
      throw new Error(`data plane did not converge within ${timeoutMs} ms: ${JSON.stringify([...last])}`);
    },
    load: () => {
      const child = lab.spawn('c', ['node', '-e', LOAD(vip)]);
      let buf = '';
      child.stdout?.on('data', (b: Buffer) => (buf += b.toString('utf8')));
      return {
        end: async () => {
          const exited = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          await exited;
          return buf
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as { t: number; r: string });
        },
      };
    },
  };
}

/** A virtual_server block; `rsBody(i)` is the inside of real server i's block. */
function vsConfig(l: LbLab, o: { readonly extra?: string; readonly rsBody: (i: number) => string; readonly globalExtra?: string }): string {
  const rs = l.rs
    .map((s, i) => `  real_server ${s.ip} 80 {\n${o.rsBody(i)}\n  }`)
    .join('\n');
  return `global_defs {
  router_id lbe_${l.net}
${o.globalExtra ?? ''}
}
virtual_server ${l.vip} 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  protocol TCP
${o.extra ?? ''}
${rs}
}
`;
}

const HTTP_GET = `    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }`;
const TCP_CHECK = `    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }`;

/** connect_timeout + retry × delay_before_retry + delay_loop (+100 ms), the brief's bound. */
const REMOVAL_BOUND_MS = 1_000 + 1 * 1_000 + 1_000 + 100;
/**
 * A down checker is retried every delay_loop. TCP_CHECK: one success brings it back, so
 * delay_loop + connect_timeout (+100 ms). HTTP_GET (one url, no fast_recovery): keepalived
 * wants the failed url to pass, then every url again a delay_loop later — one more delay_loop.
 */
const RESTORE_BOUND_MS = 1_000 + 1_000 + 100;
const RESTORE_BOUND_HTTP_MS = RESTORE_BOUND_MS + 1_000;

const FMT = (l: LbLab, ip: string) => `[${ip}]:tcp:80`;
const VS = (l: LbLab) => `[${l.vip}]:tcp:80`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A whole log message (after keepalived's -l timestamp prefix). */
const line = (text: string) => new RegExp(`(^|: )${esc(text)}$`);

async function withLab(net: number, withSorry: boolean, body: (l: LbLab, daemons: Daemon[]) => Promise<void>): Promise<void> {
  const l = await createLbLab(net, withSorry);
  const daemons: Daemon[] = [];
  try {
    await body(l, daemons);
  } finally {
    for (const d of daemons) {
      await d.stop();
      d.cleanup();
    }
    await l.lab.destroy();
  }
}

test('lb e2e: wrr spreads by weight; a failed real server leaves within the bound and comes back (HTTP_GET, TCP_CHECK)', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  await withLab(160, false, async (l, daemons) => {
    const weights = [3, 2, 1];
    const conf = vsConfig(l, { rsBody: (i) => `    weight ${weights[i]}\n${i === 2 ? TCP_CHECK : HTTP_GET}` });
    const d = startDaemon(l.lab, 'lb', 'keepalived-ts', conf);
    daemons.push(d);
    const [rs1, rs2, rs3] = l.rs as [RealServer, RealServer, RealServer];
    await d.waitFor(line(`Remote Web server ${FMT(l, rs1.ip)} succeed on service.`), 8_000);
    await d.waitFor(line(`Remote Web server ${FMT(l, rs2.ip)} succeed on service.`), 8_000);
    await d.waitFor(line(`TCP connection to ${FMT(l, rs3.ip)} success.`), 8_000);
    assert.ok(d.has(line(`Activating healthchecker for service ${FMT(l, rs1.ip)} for VS ${VS(l)}`)));
    await l.waitPlane((m) => m.size === 3, 3_000);
    assert.deepEqual(await l.destinations(), new Map([[rs1.ip, 3], [rs2.ip, 2], [rs3.ip, 1]]));

    // 1. wrr 3:2:1 — numgen inc is a counter, so 60 connections split exactly 30/20/10.
    assert.deepEqual(await l.requests(60), { rs1: 30, rs2: 20, rs3: 10 });

    // Someone deletes our table: the repair pass (every 5 s; the ruleset generation moved,
    // so it lists again) puts it back.
    const deletedAt = performance.now();
    l.lab.exec('lb', ['nft', 'delete', 'table', 'ip', 'keepalived_ts']);
    const repairedAt = await l.waitPlane((m) => m.size === 3, 5_000 + 2_000);
    note(`table deleted from outside: repaired after ${Math.round(repairedAt - deletedAt)} ms`);
    assert.deepEqual(await l.requests(6), { rs1: 3, rs2: 2, rs3: 1 });

    for (const [victim, check] of [[rs2, 'HTTP_GET'], [rs3, 'TCP_CHECK']] as const) {
      // 2. stop its HTTP server: out of the data plane within the bound, no request after.
      const from = d.lines.length;
      const load = l.load();
      await sleep(300);
      const stoppedAt = await victim.stop();
      const stoppedWall = Date.now();
      const removedLine = d.waitFor(line(`Removing service ${FMT(l, victim.ip)} from VS ${VS(l)}`), REMOVAL_BOUND_MS + 2_000, from);
      const goneAt = await l.waitPlane((m) => !m.has(victim.ip) && m.size === 2, REMOVAL_BOUND_MS + 2_000);
      const logAt = (await removedLine).atMs;
      const removalMs = goneAt - stoppedAt;
      note(`${check} ${victim.name}: removal logged after ${Math.round(logAt - stoppedAt)} ms, out of nft after ${Math.round(removalMs)} ms (bound ${REMOVAL_BOUND_MS})`);
      assert.ok(removalMs <= REMOVAL_BOUND_MS, `${victim.name} out of the data plane after ${Math.round(removalMs)} ms > ${REMOVAL_BOUND_MS}`);
      const goneWall = stoppedWall + removalMs;
      await sleep(500);
      const records = await load.end();
      const after = records.filter((x) => x.t > goneWall + 20);
      assert.ok(after.length > 10, `load kept running after the removal (${after.length})`);
      assert.deepEqual(
        after.filter((x) => x.r !== 'rs1' && x.r !== (victim === rs2 ? 'rs3' : 'rs2')),
        [],
        `no request reaches the failed server after its removal (stopped at ${stoppedWall}, out after ${Math.round(removalMs)} ms)`,
      );
      const counts = await l.requests(victim === rs2 ? 8 : 10);
      assert.deepEqual(counts, victim === rs2 ? { rs1: 6, rs3: 2 } : { rs1: 6, rs2: 4 });
      const failedText =
        check === 'HTTP_GET'
          ? `HTTP_CHECK on service ${FMT(l, victim.ip)} failed after 1 retries.`
          : `TCP_CHECK on service ${FMT(l, victim.ip)} failed after 1 retries.`;
      assert.ok(d.has(line(failedText)), `logged: ${failedText}`);

      // start it again: back in within the bound for its checker.
      const from2 = d.lines.length;
      const startedAt = await victim.start();
      const addedLine = d.waitFor(line(`Adding service ${FMT(l, victim.ip)} to VS ${VS(l)}`), RESTORE_BOUND_HTTP_MS + 2_000, from2);
      const backAt = await l.waitPlane((m) => m.size === 3, RESTORE_BOUND_HTTP_MS + 2_000);
      await addedLine;
      const restoreMs = backAt - startedAt;
      const bound = check === 'HTTP_GET' ? RESTORE_BOUND_HTTP_MS : RESTORE_BOUND_MS;
      note(`${check} ${victim.name}: back in nft after ${Math.round(restoreMs)} ms (bound ${bound})`);
      assert.ok(restoreMs <= bound, `${victim.name} back after ${Math.round(restoreMs)} ms > ${bound}`);
      assert.deepEqual(await l.destinations(), new Map([[rs1.ip, 3], [rs2.ip, 2], [rs3.ip, 1]]));
      assert.deepEqual(await l.requests(12), { rs1: 6, rs2: 4, rs3: 2 });
    }
    const from = d.lines.length;
    await d.stop();
    assert.ok(d.lines.slice(from).some((x) => line(`Shutting down service ${FMT(l, rs1.ip)} from VS ${VS(l)}`).test(x.text)));
    assert.doesNotMatch(l.lab.exec('lb', ['nft', 'list', 'tables']), /keepalived_ts/, 'the table goes at shutdown');
  });
});

test('lb e2e: quorum lost → sorry server answers; quorum gained → real servers again', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  await withLab(161, true, async (l, daemons) => {
    const sorry = l.sorry as RealServer;
    const conf = vsConfig(l, {
      extra: `  quorum 2\n  sorry_server ${sorry.ip} 80`,
      rsBody: () => `    weight 1\n${TCP_CHECK}`,
    });
    const d = startDaemon(l.lab, 'lb', 'keepalived-ts', conf);
    daemons.push(d);
    const [rs1, rs2, rs3] = l.rs as [RealServer, RealServer, RealServer];
    for (const s of l.rs) await d.waitFor(line(`TCP connection to ${FMT(l, s.ip)} success.`), 8_000);
    assert.ok(d.has(line(`Gained quorum 2+0=2 <= 3 for VS ${VS(l)}`)), 'quorum at start');
    await l.waitPlane((m) => m.size === 3, 3_000);
    assert.deepEqual(await l.requests(6), { rs1: 2, rs2: 2, rs3: 2 });

    // One down: 2 ≥ quorum 2, still up.
    let from = d.lines.length;
    await rs1.stop();
    await d.waitFor(line(`Removing service ${FMT(l, rs1.ip)} from VS ${VS(l)}`), REMOVAL_BOUND_MS + 2_000, from);
    await l.waitPlane((m) => m.size === 2, 2_000);
    assert.ok(!d.lines.slice(from).some((x) => /Lost quorum/.test(x.text)));

    // Two down: 1 < 2 → Lost quorum, the live one goes, the sorry server comes in.
    from = d.lines.length;
    const stoppedAt = await rs2.stop();
    await d.waitFor(line(`Removing service ${FMT(l, rs2.ip)} from VS ${VS(l)}`), REMOVAL_BOUND_MS + 2_000, from);
    await d.waitFor(line(`Lost quorum 2-0=2 > 1 for VS ${VS(l)}`), 1_000, from);
    await d.waitFor(line(`Adding sorry server ${FMT(l, sorry.ip)} to VS ${VS(l)}`), 1_000, from);
    await d.waitFor(line(`Removing alive servers from the pool for VS ${VS(l)}`), 1_000, from);
    const sorryAt = await l.waitPlane((m) => m.size === 1 && m.has(sorry.ip), 2_000);
    note(`quorum lost: sorry server alone in nft ${Math.round(sorryAt - stoppedAt)} ms after the stop`);
    assert.deepEqual(await l.requests(5), { sorry: 5 });
    const msgs = d.messages().slice(from);
    const order = [
      `Removing service ${FMT(l, rs2.ip)} from VS ${VS(l)}`,
      `Lost quorum 2-0=2 > 1 for VS ${VS(l)}`,
      `Adding sorry server ${FMT(l, sorry.ip)} to VS ${VS(l)}`,
      `Removing alive servers from the pool for VS ${VS(l)}`,
    ].map((x) => msgs.findIndex((m) => m.endsWith(x)));
    assert.deepEqual([...order].sort((a, b) => a - b), order, `keepalived's order: ${JSON.stringify(msgs)}`);

    // One back: 2 ≥ 2 → Gained quorum, the sorry server goes, the live ones come back.
    from = d.lines.length;
    await rs1.start();
    await d.waitFor(line(`Adding service ${FMT(l, rs1.ip)} to VS ${VS(l)}`), RESTORE_BOUND_MS + 2_000, from);
    await d.waitFor(line(`Gained quorum 2+0=2 <= 2 for VS ${VS(l)}`), 1_000, from);
    await d.waitFor(line(`Removing sorry server ${FMT(l, sorry.ip)} from VS ${VS(l)}`), 1_000, from);
    await d.waitFor(line(`Adding alive servers to the pool for VS ${VS(l)}`), 1_000, from);
    await l.waitPlane((m) => m.size === 2 && m.has(rs1.ip) && m.has(rs3.ip), 2_000);
    assert.deepEqual(await l.requests(6), { rs1: 3, rs3: 3 });
    await rs2.start();
    await l.waitPlane((m) => m.size === 3, RESTORE_BOUND_MS + 2_000);
  });
});

test('lb e2e: inhibit_on_failure keeps the failed server listed at weight 0 (no new connections)', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  await withLab(162, false, async (l, daemons) => {
    const conf = vsConfig(l, {
      rsBody: (i) => `    weight 2\n${i === 1 ? '    inhibit_on_failure\n' : ''}${HTTP_GET}`,
    });
    const d = startDaemon(l.lab, 'lb', 'keepalived-ts', conf);
    daemons.push(d);
    const [rs1, rs2, rs3] = l.rs as [RealServer, RealServer, RealServer];
    for (const s of l.rs) await d.waitFor(line(`Remote Web server ${FMT(l, s.ip)} succeed on service.`), 8_000);
    await l.waitPlane((m) => m.size === 3, 3_000);
    const from = d.lines.length;
    const load = l.load();
    await sleep(200);
    const stoppedAt = await rs2.stop();
    const stoppedWall = Date.now();
    const zeroAt = await l.waitPlane((m) => m.get(rs2.ip) === 0, REMOVAL_BOUND_MS + 2_000);
    await d.waitFor(line(`Disabling service ${FMT(l, rs2.ip)} of VS ${VS(l)}`), 1_000, from);
    note(`inhibit_on_failure: weight 0 after ${Math.round(zeroAt - stoppedAt)} ms`);
    assert.ok(zeroAt - stoppedAt <= REMOVAL_BOUND_MS, `weight 0 after ${Math.round(zeroAt - stoppedAt)} ms`);
    assert.deepEqual(await l.destinations(), new Map([[rs1.ip, 2], [rs2.ip, 0], [rs3.ip, 2]]), 'still listed, weight 0');
    await sleep(300);
    const records = await load.end();
    const after = records.filter((x) => x.t > stoppedWall + (zeroAt - stoppedAt) + 20);
    assert.ok(after.length > 5);
    assert.deepEqual(
      after.filter((x) => x.r !== 'rs1' && x.r !== 'rs3'),
      [],
      `no new connection to the inhibited server (stopped at ${stoppedWall}, weight 0 after ${Math.round(zeroAt - stoppedAt)} ms)`,
    );
    assert.deepEqual(await l.requests(8), { rs1: 4, rs3: 4 });

    const from2 = d.lines.length;
    const startedAt = await rs2.start();
    const backAt = await l.waitPlane((m) => m.get(rs2.ip) === 2, RESTORE_BOUND_MS + 2_000);
    await d.waitFor(line(`Enabling service ${FMT(l, rs2.ip)} of VS ${VS(l)}`), 1_000, from2);
    note(`inhibit_on_failure: weight back after ${Math.round(backAt - startedAt)} ms`);
    assert.deepEqual(await l.requests(9), { rs1: 3, rs2: 3, rs3: 3 });
    const from3 = d.lines.length;
    await d.stop();
    assert.ok(d.lines.slice(from3).some((x) => line(`Shutting down service ${FMT(l, rs2.ip)} from VS ${VS(l)}`).test(x.text)));
  });
});

test('lb e2e: MISC_CHECK misc_dynamic sets the weight from the exit status (2 + N)', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'kats-lbe-misc-'));
  chmodSync(dir, 0o755);
  const statusFile = join(dir, 'status');
  const script = join(dir, 'check.sh');
  writeFileSync(statusFile, '0\n');
  writeFileSync(script, `#!/bin/sh\nexit $(cat ${statusFile})\n`);
  chmodSync(script, 0o755);
  try {
    await withLab(163, false, async (l, daemons) => {
      const conf = vsConfig(l, {
        globalExtra: '  script_user root\n  enable_script_security',
        rsBody: (i) =>
          i === 0
            ? `    weight 1\n    MISC_CHECK {\n      misc_path "${script}"\n      misc_timeout 2\n      misc_dynamic\n    }`
            : `    weight 1\n${TCP_CHECK}`,
      });
      const d = startDaemon(l.lab, 'lb', 'keepalived-ts', conf);
      daemons.push(d);
      const [rs1, rs2, rs3] = l.rs as [RealServer, RealServer, RealServer];
      await d.waitFor(line(`Misc check for [${FMT(l, rs1.ip)} VS ${VS(l)}] by [${script}] succeeded.`), 8_000);
      await l.waitPlane((m) => m.size === 3, 3_000);
      assert.deepEqual(await l.requests(6), { rs1: 2, rs2: 2, rs3: 2 });

      // exit 2+4 → weight 4.
      let from = d.lines.length;
      writeFileSync(statusFile, '6\n');
      await d.waitFor(line(`Changing weight from 1 to 4 for active service ${FMT(l, rs1.ip)} of VS ${VS(l)}`), 3_000, from);
      await l.waitPlane((m) => m.get(rs1.ip) === 4, 2_000);
      assert.deepEqual(await l.requests(12), { rs1: 8, rs2: 2, rs3: 2 });

      // exit 2+0 → weight 0: listed, no new connections.
      from = d.lines.length;
      writeFileSync(statusFile, '2\n');
      await d.waitFor(line(`Changing weight from 4 to 0 for active service ${FMT(l, rs1.ip)} of VS ${VS(l)}`), 3_000, from);
      await l.waitPlane((m) => m.get(rs1.ip) === 0, 2_000);
      assert.deepEqual(await l.requests(4), { rs2: 2, rs3: 2 });

      // exit 1 → failed: removed.
      from = d.lines.length;
      writeFileSync(statusFile, '1\n');
      await d.waitFor(line(`Misc check for [${FMT(l, rs1.ip)} VS ${VS(l)}] by [${script}] failed with retry disabled (exited with status 1).`), 3_000, from);
      await d.waitFor(line(`Removing service ${FMT(l, rs1.ip)} from VS ${VS(l)}`), 1_000, from);
      await l.waitPlane((m) => !m.has(rs1.ip), 2_000);

      // exit 0 → back with the configured weight.
      from = d.lines.length;
      writeFileSync(statusFile, '0\n');
      await d.waitFor(line(`Adding service ${FMT(l, rs1.ip)} to VS ${VS(l)}`), 3_000, from);
      await l.waitPlane((m) => m.get(rs1.ip) === 1, 2_000);
      assert.deepEqual(await l.requests(6), { rs1: 2, rs2: 2, rs3: 2 });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lb e2e: ha_suspend follows the VIP on the LB; -I leaves the data plane in place at stop', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  await withLab(164, false, async (l, daemons) => {
    // The VIP starts absent: the checkers are deactivated, the servers still programmed.
    l.lab.exec('lb', ['ip', 'addr', 'del', `${l.vip}/32`, 'dev', 'eth0']);
    const conf = vsConfig(l, { extra: '  ha_suspend', rsBody: () => `    weight 1\n${TCP_CHECK}` });
    const d = startDaemon(l.lab, 'lb', 'keepalived-ts', conf, ['-I']);
    daemons.push(d);
    const [rs1] = l.rs as [RealServer, RealServer, RealServer];
    await d.waitFor(line(`Deactivating healthchecker for service ${FMT(l, rs1.ip)} for VS ${VS(l)}`), 5_000);
    await l.waitPlane((m) => m.size === 3, 3_000);
    await sleep(2_200);
    assert.ok(!d.has(/TCP connection to/), 'no probe while suspended');

    let from = d.lines.length;
    l.lab.exec('lb', ['ip', 'addr', 'add', `${l.vip}/32`, 'dev', 'eth0']);
    await d.waitFor(line(`Activating healthchecker for service ${FMT(l, rs1.ip)} for VS ${VS(l)}`), 2_000, from);
    await rs1.stop();
    await d.waitFor(line(`Removing service ${FMT(l, rs1.ip)} from VS ${VS(l)}`), REMOVAL_BOUND_MS + 2_000, from);
    await l.waitPlane((m) => m.size === 2, 2_000);
    assert.deepEqual(await l.requests(4), { rs2: 2, rs3: 2 });

    from = d.lines.length;
    l.lab.exec('lb', ['ip', 'addr', 'del', `${l.vip}/32`, 'dev', 'eth0']);
    await d.waitFor(line(`Suspending healthchecker for service ${FMT(l, rs1.ip)} for VS ${VS(l)}`), 2_000, from);
    await rs1.start();
    await sleep(2_200);
    assert.ok(!d.lines.slice(from).some((x) => /Adding service/.test(x.text)), 'a suspended checker does not bring its server back');

    // -I (--dont-release-ipvs): no "Shutting down service", the table stays.
    from = d.lines.length;
    await d.stop();
    assert.ok(!d.lines.slice(from).some((x) => /Shutting down service/.test(x.text)));
    assert.deepEqual([...(await l.destinations()).keys()].sort(), [l.rs[1]?.ip, l.rs[2]?.ip].sort());
  });
});
