/**
 * SIGHUP in the checker process, as a diff (src/check/engine_reload.ts), with a client
 * sending requests to the virtual service all along: a client `c`, a load balancer `lb`
 * running keepalived-ts (checker child → nftables DNAT) for VIP 10.N.1.100:80 and three real
 * servers answering their name over HTTP, routed back through the LB (NAT).
 *
 * Proves, one HUP after the other:
 * (a) the same configuration: no failed request, no log line about the services beyond
 *     keepalived's re-registration of the checkers, and the nftables table untouched (same
 *     rules, same handles: nothing was written);
 * (b) a new real server: it gets requests, the others stay;
 * (c) a removed real server (`service … no longer exist`): no request reaches it afterwards;
 * (d) a changed weight (`Changing weight from 1 to 3 …`): the spread follows it;
 * (e) a real server that is DOWN stays DOWN across a HUP that does not touch it (its checker
 *     state survives), and comes back when it recovers;
 * (f) a configuration with nothing to run: refused, the running one keeps serving.
 *
 * Set KATS_TEST_VERBOSE=1 to see the daemon's log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { CLIENT, LOAD, execAsync, httpServerArgv } from '../lab/http_lab.js';
import { startDaemon, type Daemon } from '../lab/daemons.js';

const NET = 166;
const verbose = process.env['KATS_TEST_VERBOSE'] === '1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  readonly name: string;
  readonly ip: string;
  readonly child: ChildProcess;
  command(word: 'stop' | 'start'): Promise<void>;
}

interface Record {
  readonly t: number;
  readonly r: string;
}

/** The nft table as JSON with the counters' values taken out (they move with the traffic). */
function withoutCounters(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutCounters);
  if (v === null || typeof v !== 'object') return v;
  const out: { [k: string]: unknown } = {};
  for (const [k, x] of Object.entries(v)) out[k] = k === 'counter' ? null : withoutCounters(x);
  return out;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A whole log message (after keepalived's -l timestamp prefix). */
const line = (text: string) => new RegExp(`(^|: )${esc(text)}$`);
/** Lines about the services that a HUP leaving them alone must not produce. */
const SERVICE_CHANGE = /Adding|Removing|no longer exist|Changing weight|quorum|sorry server|Virtual Server|Enabling|Disabling|Data plane/;

test('checker SIGHUP as a diff under load: same config, added, removed, reweighted, down-stays-down, refused', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  const lab = Lab.create({ tag: 'ckr', hosts: ['lb', 'rs1', 'rs2', 'rs3', 'c'], net: NET });
  const daemons: Daemon[] = [];
  const children: ChildProcess[] = [];
  try {
    const lb = lab.host('lb');
    const c = lab.host('c');
    const vip = `10.${NET}.1.100`;
    lab.exec('lb', ['ip', 'addr', 'add', `${vip}/32`, 'dev', 'eth0']);
    for (const k of ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']) {
      lab.exec('lb', ['sysctl', '-qw', k]);
    }
    lab.exec('c', ['ip', 'route', 'add', `${vip}/32`, 'via', lb.ipv4]);
    const startServer = async (name: string): Promise<Server> => {
      lab.exec(name, ['ip', 'route', 'add', `${c.ipv4}/32`, 'via', lb.ipv4]);
      lab.exec(name, ['ip', 'route', 'add', 'default', 'via', lb.ipv4]);
      const child = lab.spawn(name, httpServerArgv(name));
      children.push(child);
      let out = '';
      const expect = (word: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${name}: no '${word}'`)), 5_000);
          const check = (b: Buffer) => {
            out += b.toString('utf8');
            if (!out.includes(`${word}\n`)) return;
            out = '';
            clearTimeout(timer);
            child.stdout?.off('data', check);
            resolve();
          };
          child.stdout?.on('data', check);
        });
      await expect('listening');
      return {
        name,
        ip: lab.host(name).ipv4,
        child,
        command: async (word) => {
          const acked = expect(word === 'stop' ? 'stopped' : 'listening');
          child.stdin?.write(`${word}\n`);
          await acked;
        },
      };
    };
    const [rs1, rs2, rs3] = (await Promise.all(['rs1', 'rs2', 'rs3'].map(startServer))) as [Server, Server, Server];

    const table = async (): Promise<unknown> =>
      withoutCounters(JSON.parse(await execAsync(['ip', 'netns', 'exec', lb.ns, 'nft', '-j', 'list', 'table', 'ip', 'keepalived_ts'])));
    const destinations = async (): Promise<Map<string, number>> => {
      const out = new Map<string, number>();
      let doc: { nftables: { rule?: { comment?: string } }[] };
      try {
        doc = JSON.parse(await execAsync(['ip', 'netns', 'exec', lb.ns, 'nft', '-j', 'list', 'table', 'ip', 'keepalived_ts'])) as typeof doc;
      } catch {
        return out;
      }
      for (const it of doc.nftables) {
        const m = /^kats dst (\S+) \d+ (\d+) NAT$/.exec(it.rule?.comment ?? '');
        if (m?.[1] !== undefined) out.set(m[1], Number(m[2]));
      }
      return out;
    };
    const waitPlane = async (want: ReadonlyArray<readonly [Server, number]>, timeoutMs: number): Promise<number> => {
      const expected = JSON.stringify(want.map(([s, w]) => [s.ip, w]).sort());
      const until = Date.now() + timeoutMs;
      let last = new Map<string, number>();
      while (Date.now() < until) {
        last = await destinations();
        if (JSON.stringify([...last].sort()) === expected) return Date.now();
        await sleep(10);
      }
      throw new Error(`data plane is ${JSON.stringify([...last])}, not ${expected}, after ${timeoutMs} ms`);
    };
    const requests = async (n: number) =>
      JSON.parse(await execAsync(['ip', 'netns', 'exec', c.ns, 'node', '-e', CLIENT(vip, n)])) as { [k: string]: number };
    const load = () => {
      const child = lab.spawn('c', ['node', '-e', LOAD(vip)]);
      let buf = '';
      child.stdout?.on('data', (b: Buffer) => (buf += b.toString('utf8')));
      return {
        end: async (): Promise<Record[]> => {
          const exited = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          await exited;
          return buf
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record);
        },
      };
    };
    const failures = (records: readonly Record[]) => records.filter((x) => !/^rs\d$/.test(x.r));

    const conf = (servers: ReadonlyArray<readonly [Server, number]>) =>
      `global_defs {\n  router_id ckr\n}\nvirtual_server ${vip} 80 {\n  delay_loop 1\n  lb_algo wrr\n  lb_kind NAT\n  protocol TCP\n` +
      servers
        .map(
          ([s, w]) =>
            `  real_server ${s.ip} 80 {\n    weight ${w}\n    TCP_CHECK {\n      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n  }\n`,
        )
        .join('') +
      '}\n';

    const d = startDaemon(lab, 'lb', 'keepalived-ts', conf([[rs1, 1], [rs2, 1]]));
    daemons.push(d);
    await waitPlane([[rs1, 1], [rs2, 1]], 8_000);
    for (const s of [rs1, rs2]) await d.waitFor(line(`TCP connection to [${s.ip}]:tcp:80 success.`), 5_000);
    const FMT = (s: Server) => `[${s.ip}]:tcp:80`;
    const VS = `[${vip}]:tcp:80`;

    /** Rewrites the config, sends HUP and waits for the checker's `Reload complete`. */
    const hup = async (servers: ReadonlyArray<readonly [Server, number]>): Promise<number> => {
      const mark = d.lines.length;
      writeFileSync(d.configPath, conf(servers));
      d.signal('SIGHUP');
      await d.waitFor(/Reload complete/, 5_000, mark);
      return mark;
    };

    // (a) The same configuration: nothing moves.
    let l = load();
    await sleep(300);
    const before = await table();
    let mark = await hup([[rs1, 1], [rs2, 1]]);
    // Past the re-registered checkers' first run (1 s + warmup ≤ delay_loop) and a repair pass.
    await sleep(2_500);
    let records = await l.end();
    const after = d.messages().slice(mark);
    if (verbose) process.stderr.write(`[ckr] (a) after HUP:\n  ${after.join('\n  ')}\n`);
    t.diagnostic(`(a) ${records.length} requests across the HUP, ${failures(records).length} failed`);
    assert.deepEqual(failures(records), [], '(a) no failed request');
    assert.ok(records.length > 50, `(a) the load ran (${records.length} requests)`);
    assert.deepEqual(after.filter((x) => SERVICE_CHANGE.test(x)), [], '(a) no line about the services');
    assert.ok(after.includes(`Activating healthchecker for service ${FMT(rs1)} for VS ${VS}`), '(a) keepalived re-registers every checker');
    assert.deepEqual(await table(), before, '(a) the nftables table is untouched (same rules and handles)');

    // (b) A new real server: in the pool at once, the others stay.
    l = load();
    mark = await hup([[rs1, 1], [rs2, 1], [rs3, 1]]);
    const addedAt = await waitPlane([[rs1, 1], [rs2, 1], [rs3, 1]], 2_000);
    await sleep(500);
    records = await l.end();
    assert.deepEqual(failures(records), [], '(b) no failed request');
    assert.ok(records.some((x) => x.r === 'rs3' && x.t > addedAt), '(b) the new server answers the running client');
    // numgen inc is one counter: once the load has stopped, 30 connections split exactly.
    assert.deepEqual(await requests(30), { rs1: 10, rs2: 10, rs3: 10 }, '(b) wrr 1:1:1 over the three');
    assert.ok(!d.messages().slice(mark).some((x) => /Removing/.test(x)), '(b) nothing removed');

    // (c) A removed real server: no request reaches it once it is out of the table.
    l = load();
    await sleep(200);
    mark = await hup([[rs1, 1], [rs3, 1]]);
    const goneAt = await waitPlane([[rs1, 1], [rs3, 1]], 2_000);
    await d.waitFor(line(`service ${FMT(rs2)} no longer exist`), 1_000, mark);
    await d.waitFor(line(`Removing service ${FMT(rs2)} from VS ${VS}`), 1_000, mark);
    await sleep(700);
    records = await l.end();
    assert.deepEqual(failures(records), [], '(c) no failed request');
    const late = records.filter((x) => x.t > goneAt + 20);
    t.diagnostic(`(c) ${records.length} requests, ${late.length} after the removal, ${failures(records).length} failed`);
    assert.ok(late.length > 10, `(c) the load kept running (${late.length})`);
    assert.deepEqual(late.filter((x) => x.r === 'rs2'), [], '(c) no request to the removed server');

    // (d) A changed weight: logged as keepalived does, and the spread follows.
    mark = await hup([[rs1, 3], [rs3, 1]]);
    await d.waitFor(line(`Changing weight from 1 to 3 for active service ${FMT(rs1)} of VS ${VS}`), 1_000, mark);
    await waitPlane([[rs1, 3], [rs3, 1]], 2_000);
    assert.deepEqual(await requests(20), { rs1: 15, rs3: 5 }, '(d) wrr 3:1');

    // (e) rs3 goes DOWN; a HUP that only touches rs1 leaves it DOWN.
    await rs3.command('stop');
    await waitPlane([[rs1, 3]], 5_000);
    l = load();
    mark = await hup([[rs1, 1], [rs3, 1]]);
    await waitPlane([[rs1, 1]], 2_000);
    await sleep(2_500); // the re-registered checker of rs3 has run again (and failed)
    records = await l.end();
    assert.deepEqual(failures(records), [], '(e) no failed request');
    assert.deepEqual([...(await destinations())], [[rs1.ip, 1]], '(e) rs3 stays out');
    assert.ok(!d.messages().slice(mark).some((x) => x.includes(`service ${FMT(rs3)} to VS`)), '(e) rs3 was not added back');
    await rs3.command('start');
    await waitPlane([[rs1, 1], [rs3, 1]], 4_000);

    // (f) A configuration with nothing to run: refused; the running one keeps serving.
    l = load();
    mark = d.lines.length;
    const plane = await table();
    writeFileSync(d.configPath, '# nothing here\n');
    d.signal('SIGHUP');
    await d.waitFor(/Reload refused/, 3_000, mark);
    await sleep(500);
    records = await l.end();
    assert.deepEqual(failures(records), [], '(f) no failed request');
    assert.ok(!d.messages().slice(mark).some((x) => x === 'Reloading' || SERVICE_CHANGE.test(x)), '(f) the checker did not reload');
    assert.deepEqual(await table(), plane, '(f) the data plane is untouched');
    assert.deepEqual(await requests(4), { rs1: 2, rs3: 2 });
  } catch (e) {
    for (const d of daemons) process.stderr.write(`--- ${d.host}\n${d.lines.map((x) => x.text).join('\n')}\n`);
    throw e;
  } finally {
    for (const d of daemons) {
      await d.stop();
      d.cleanup();
    }
    for (const child of children) child.kill('SIGTERM');
    await lab.destroy();
  }
});
