/**
 * Split-brain protection on the wire (issue 8): two keepalived-ts load balancers (a, b), a
 * client (c) and a gateway (g, which also runs etcd) in namespaces on one bridge. VRRP
 * (protocol 112) is dropped between a and b with nftables, or a node is cut off entirely.
 *
 * - without protection both become MASTER (as keepalived), and the split brain is reported
 *   when the partition heals;
 * - with a redundant heartbeat path (unicast over a dedicated veth) there is no split brain,
 *   and the dead path is reported;
 * - with the gateway arbiter, an isolated node never holds the VIP and a master that loses
 *   the gateway steps down;
 * - with the etcd witness, at most one node holds the VIP at every moment over 20
 *   partition/heal cycles, and after each heal the client is answered by the final master.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { killDaemons, printDaemonLogs, instanceConfig, startDaemon, type Daemon } from '../lab/daemons.js';
import { startEtcd, type EtcdInstance } from '../../src/lab/etcd.js';

const NET = 233;
const VIP = `10.${NET}.0.100`;
const A_IP = `10.${NET}.0.1`;
const B_IP = `10.${NET}.0.2`;
const G_IP = `10.${NET}.0.4`;
/** The dedicated heartbeat link between a and b. */
const HB_A = `10.${NET + 1}.0.1`;
const HB_B = `10.${NET + 1}.0.2`;
/** advert_int 0.3 s, priority 100 (b): Master_Down_Interval 3 × 0.3 + Skew (0.18) ≈ 1.08 s. */
const ADVERT_MS = 300;
const MDI_B_MS = 3 * ADVERT_MS + ((256 - 100) * ADVERT_MS) / 256;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hasVip(lab: Lab, host: string): boolean {
  return lab.addresses(host).includes(`${VIP}/24`);
}

/** nftables in a host's namespace: a table of ours, replaced as a whole. */
function nft(lab: Lab, host: string, rules: string | undefined): void {
  const dir = mkdtempSync(join(tmpdir(), 'kats-sb-nft-'));
  try {
    const file = join(dir, 'r.nft');
    const body =
      rules === undefined
        ? 'table inet kats_sb\ndelete table inet kats_sb\n'
        : `table inet kats_sb\ndelete table inet kats_sb\ntable inet kats_sb {\n${rules}\n}\n`;
    writeFileSync(file, body);
    lab.exec(host, ['nft', '-f', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drop VRRP on eth0 only (the dedicated heartbeat link keeps working). */
const DROP_VRRP_ETH0 = `chain in { type filter hook input priority 0; iifname "eth0" ip protocol vrrp drop; }
chain out { type filter hook output priority 0; oifname "eth0" ip protocol vrrp drop; }`;
/** Drop VRRP on every interface. */
const DROP_VRRP = `chain in { type filter hook input priority 0; ip protocol vrrp drop; }
chain out { type filter hook output priority 0; ip protocol vrrp drop; }`;
/** Cut the host off eth0 entirely (carrier stays up). */
const DROP_ETH0 = `chain in { type filter hook input priority 0; iifname "eth0" drop; }
chain out { type filter hook output priority 0; oifname "eth0" drop; }`;
/** Cut the host off the gateway only. */
const DROP_GATEWAY = `chain in { type filter hook input priority 0; ip saddr ${G_IP} drop; }
chain out { type filter hook output priority 0; ip daddr ${G_IP} drop; }`;

/** A veth between a and b with HB_A / HB_B: the redundant heartbeat link. */
function addHeartbeatLink(lab: Lab): void {
  lab.exec('a', ['ip', 'link', 'add', 'hb0', 'type', 'veth', 'peer', 'name', 'hb0', 'netns', lab.host('b').ns]);
  lab.exec('a', ['ip', 'addr', 'add', `${HB_A}/24`, 'dev', 'hb0']);
  lab.exec('b', ['ip', 'addr', 'add', `${HB_B}/24`, 'dev', 'hb0']);
  lab.exec('a', ['ip', 'link', 'set', 'hb0', 'up']);
  lab.exec('b', ['ip', 'link', 'set', 'hb0', 'up']);
}

function config(o: { priority: number; extra?: string; top?: string; name: string }): string {
  return (
    (o.top ?? '') +
    instanceConfig({
      priority: o.priority,
      vip: `${VIP}/24`,
      advertInt: String(ADVERT_MS / 1000),
      version: 3,
      extra: o.extra ?? '',
      globalExtra: `  router_id ${o.name}`,
    })
  );
}

async function withLab(
  t: { name: string },
  body: (lab: Lab, daemons: Daemon[], dir: string) => Promise<void>,
  extraCleanup: (() => Promise<void>)[] = [],
): Promise<void> {
  const lab = Lab.create({ tag: 'sb', hosts: ['a', 'b', 'c', 'g'], net: NET });
  const daemons: Daemon[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kats-sb-'));
  try {
    await body(lab, daemons, dir);
  } catch (e) {
    printDaemonLogs(t.name, daemons);
    throw e;
  } finally {
    await killDaemons(daemons);
    for (const f of extraCleanup) await f();
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `ip -ts monitor address dev eth0` in a host's namespace: the VIP's add/delete events. */
function watchVip(lab: Lab, host: string): { events: { atMs: number; present: boolean }[] } {
  const events: { atMs: number; present: boolean }[] = [];
  const child = lab.spawn(host, ['ip', '-ts', 'monitor', 'address', 'dev', 'eth0']);
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\[(\d{4}-\d\d-\d\dT[\d:.]+)\] (Deleted )?\d+: eth0\s+inet (\S+)/.exec(line);
      if (m === null || m[3] !== `${VIP}/24`) continue;
      // The stamp is local time with µs; the namespaces share the host's clock and zone.
      events.push({ atMs: new Date(m[1] ?? '').getTime() + Number(`0.${(m[1] ?? '').split('.')[1]?.slice(3) ?? '0'}`), present: m[2] === undefined });
    }
  });
  return { events };
}

/** Presence intervals [from, to) from the events, starting in `initial` at `fromMs`. */
function intervals(events: readonly { atMs: number; present: boolean }[], initial: boolean, fromMs: number, toMs: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let since: number | undefined = initial ? fromMs : undefined;
  for (const e of [...events].sort((x, y) => x.atMs - y.atMs)) {
    if (e.atMs < fromMs) continue;
    if (e.present && since === undefined) since = e.atMs;
    else if (!e.present && since !== undefined) {
      out.push({ from: since, to: e.atMs });
      since = undefined;
    }
  }
  if (since !== undefined) out.push({ from: since, to: toMs });
  return out;
}

function holds(iv: readonly { from: number; to: number }[], atMs: number): boolean {
  return iv.some((x) => x.from <= atMs && atMs < x.to);
}

/** Samples both nodes every `everyMs` for `forMs`; returns the samples where both held the VIP. */
async function sampleVip(lab: Lab, forMs: number, everyMs: number): Promise<{ a: boolean; b: boolean }[]> {
  const out: { a: boolean; b: boolean }[] = [];
  const end = performance.now() + forMs;
  while (performance.now() < end) {
    out.push({ a: hasVip(lab, 'a'), b: hasVip(lab, 'b') });
    await sleep(everyMs);
  }
  return out;
}

test('split brain without protection: VRRP dropped → both MASTER; on heal the winner reports it and notifies', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  await withLab(t, async (lab, daemons, dir) => {
    const out = join(dir, 'split.txt');
    const script = join(dir, 'split.sh');
    writeFileSync(script, `#!/bin/sh\necho "$@" >> ${out}\n`);
    chmodSync(script, 0o755);
    const extra = `  notify_split_brain "${script}"`;
    // b starts once a is MASTER: started together, the two Master_Down_Intervals differ by
    // only 59 ms, and a slow start of a lets b win the first election (then a preempts).
    const a = startDaemon(lab, 'a', 'keepalived-ts', config({ name: 'lb_a', priority: 150, extra }));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    const b = startDaemon(lab, 'b', 'keepalived-ts', config({ name: 'lb_b', priority: 100, extra }));
    daemons.push(b);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 8_000);
    await sleep(MDI_B_MS + ADVERT_MS);
    assert.ok(!b.has(/Entering MASTER STATE/), 'b stays BACKUP while it hears a');

    nft(lab, 'b', DROP_VRRP);
    await b.waitFor(/\(VI_1\) Entering MASTER STATE/, MDI_B_MS + 2_000);
    assert.ok(hasVip(lab, 'a') && hasVip(lab, 'b'), 'both hold the VIP: split brain, as with keepalived');

    nft(lab, 'b', undefined);
    const mark = a.lines.length;
    await a.waitFor(/\(VI_1\) Split brain: 10\.233\.0\.2 was MASTER too/, 3_000, mark);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 3_000);
    await sleep(300);
    assert.ok(hasVip(lab, 'a') && !hasVip(lab, 'b'), 'one master after the heal');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1, `one notify on a only: ${lines.join(' | ')}`);
    assert.match(lines[0] ?? '', /^INSTANCE VI_1 SPLIT_BRAIN 10\.233\.0\.2 \d+$/);
    assert.ok(!b.has(/Split brain/), 'the yielding side does not report');
  });
});

test('redundant heartbeat path: VRRP dropped on eth0 → no split brain, the dead path is reported, failover still works', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  await withLab(t, async (lab, daemons) => {
    addHeartbeatLink(lab);
    const path = (src: string, peer: string) =>
      `  heartbeat_path {\n    interface hb0\n    unicast_src_ip ${src}\n    unicast_peer {\n      ${peer}\n    }\n  }`;
    const a = startDaemon(lab, 'a', 'keepalived-ts', config({ name: 'lb_a', priority: 150, extra: path(HB_A, HB_B) }));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    const b = startDaemon(lab, 'b', 'keepalived-ts', config({ name: 'lb_b', priority: 100, extra: path(HB_B, HB_A) }));
    daemons.push(b);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 8_000);
    await sleep(ADVERT_MS * 2);

    nft(lab, 'a', DROP_VRRP_ETH0);
    nft(lab, 'b', DROP_VRRP_ETH0);
    const down = await b.waitFor(/\(VI_1\) heartbeat path eth0 multicast 224\.0\.0\.18 is DOWN/, MDI_B_MS + 2_000);
    t.diagnostic(`path down reported: ${down.text}`);
    const samples = await sampleVip(lab, 3 * MDI_B_MS, 20);
    assert.ok(samples.every((s) => s.a && !s.b), 'a holds the VIP alone throughout');
    assert.ok(!b.has(/Entering MASTER STATE/), 'b never became MASTER');

    nft(lab, 'a', undefined);
    nft(lab, 'b', undefined);
    await b.waitFor(/\(VI_1\) heartbeat path eth0 multicast 224\.0\.0\.18 is UP again/, 3_000);

    // Both paths silent: a normal failover.
    a.crash(lab);
    await b.waitFor(/\(VI_1\) Entering MASTER STATE/, MDI_B_MS + 2_000);
    assert.ok(hasVip(lab, 'b'));
  });
});

test('gateway arbiter: an isolated backup never holds the VIP; a master that loses the gateway steps down', async (t) => {
  if (skipUnlessLab(t, ['nft', 'ping'])) return;
  await withLab(t, async (lab, daemons) => {
    const top = `vrrp_arbiter GW {\n  reference ${G_IP}\n  interval 0.2\n  timeout 0.15\n  fall 2\n  rise 2\n}\n`;
    const extra = '  arbiter GW';
    const a = startDaemon(lab, 'a', 'keepalived-ts', config({ name: 'lb_a', priority: 150, extra, top }));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) arbiter granted takeover/, 8_000);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 1_000);
    const b = startDaemon(lab, 'b', 'keepalived-ts', config({ name: 'lb_b', priority: 100, extra, top }));
    daemons.push(b);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 8_000);

    // b cut off from everything: it cannot hear a and cannot reach the gateway.
    nft(lab, 'b', DROP_ETH0);
    const samples = await sampleVip(lab, 3 * MDI_B_MS + 500, 20);
    assert.ok(samples.every((s) => !s.b), 'the isolated node never held the VIP');
    assert.ok(samples.every((s) => s.a), 'the master kept it');
    assert.ok(b.has(/arbiter refused takeover: isolated|Entering FAULT STATE/), 'b was refused or went to FAULT');
    assert.ok(!b.has(/Entering MASTER STATE/));
    nft(lab, 'b', undefined);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 3_000);

    // a loses the gateway (but still hears b and vice versa): a steps down, b takes over.
    const mark = b.lines.length;
    const cutAt = performance.now();
    nft(lab, 'a', DROP_GATEWAY);
    await a.waitFor(/\(VI_1\) Entering FAULT STATE/, 3_000);
    const taken = await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 3_000, mark);
    t.diagnostic(`gateway lost on a → b MASTER after ${(taken.atMs - cutAt).toFixed(0)} ms`);
    await sleep(200);
    assert.ok(hasVip(lab, 'b') && !hasVip(lab, 'a'));
    assert.match(lab.exec('c', ['ping', '-c1', '-W1', VIP], true), /1 received/);
    // a sees the gateway again: it leaves FAULT and preempts through the arbiter.
    nft(lab, 'a', undefined);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 5_000, a.lines.length);
  });
});

test('etcd witness: at most one MASTER over 20 partition/heal cycles; after each heal the client reaches the final master', async (t) => {
  if (skipUnlessLab(t, ['nft', 'ping', 'etcd'])) return;
  let etcd: EtcdInstance | undefined;
  await withLab(
    t,
    async (lab, daemons) => {
      etcd = await startEtcd({ netns: lab.host('g').ns, listenAddress: G_IP, fast: true });
      const top = (node: string) =>
        `vrrp_arbiter W {\n  etcd_endpoint ${etcd?.endpoint ?? ''}\n  etcd_lease_ttl 1\n  node_id ${node}\n  unreachable fail_closed\n}\n`;
      const extra = '  arbiter W';
      const a = startDaemon(lab, 'a', 'keepalived-ts', config({ name: 'lb_a', priority: 150, extra, top: top('lb_a') }));
      const b = startDaemon(lab, 'b', 'keepalived-ts', config({ name: 'lb_b', priority: 100, extra, top: top('lb_b') }));
      daemons.push(a, b);
      await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
      await sleep(500);

      // VIP presence on each node from its netlink address events (`ip -ts monitor`, µs
      // wall-clock stamps on the host's one clock), checked afterwards on a 10 ms grid and
      // exactly (any overlap of two holders' intervals).
      const watchA = watchVip(lab, 'a');
      const watchB = watchVip(lab, 'b');
      await sleep(300);
      const watchFromMs = Date.now();
      const initial = { a: hasVip(lab, 'a'), b: hasVip(lab, 'b') };
      const master = (): 'a' | 'b' | undefined => (hasVip(lab, 'a') ? 'a' : hasVip(lab, 'b') ? 'b' : undefined);
      const clientMs: number[] = [];
      for (let cycle = 0; cycle < 20; cycle++) {
        const holder = master();
        assert.ok(holder !== undefined, `cycle ${cycle}: someone holds the VIP`);
        if (cycle % 2 === 0) {
          // VRRP lost between the nodes, both still reach etcd: the backup is refused.
          nft(lab, 'a', DROP_VRRP);
          await sleep(MDI_B_MS * 1.6);
          nft(lab, 'a', undefined);
        } else {
          // The master is cut off from everyone: it loses the lease, the other takes over.
          nft(lab, holder, DROP_ETH0);
          await sleep(MDI_B_MS + 1_600);
          nft(lab, holder, undefined);
        }
        // After the heal the client is answered by the final master within one advert interval.
        const healedAt = performance.now();
        let answered = false;
        while (performance.now() - healedAt < ADVERT_MS) {
          if (/1 received/.test(lab.exec('c', ['ping', '-c1', '-W0.2', VIP], true))) {
            answered = true;
            break;
          }
        }
        const final = master();
        clientMs.push(performance.now() - healedAt);
        assert.ok(answered, `cycle ${cycle}: the client got no answer within ${ADVERT_MS} ms of the heal`);
        assert.ok(final !== undefined, `cycle ${cycle}: nobody holds the VIP after the heal`);
        if (cycle % 2 === 1) assert.notEqual(final, holder, `cycle ${cycle}: the isolated master lost the VIP`);
        await sleep(400);
      }
      await sleep(200);
      const watchToMs = Date.now();
      const ia = intervals(watchA.events, initial.a, watchFromMs, watchToMs);
      const ib = intervals(watchB.events, initial.b, watchFromMs, watchToMs);
      let samples = 0;
      const overlaps: number[] = [];
      for (let at = watchFromMs; at < watchToMs; at += 10) {
        samples++;
        if (holds(ia, at) && holds(ib, at)) overlaps.push(at);
      }
      let overlapMs = 0;
      for (const x of ia) for (const y of ib) overlapMs += Math.max(0, Math.min(x.to, y.to) - Math.max(x.from, y.from));
      const moves = watchA.events.length + watchB.events.length;
      t.diagnostic(
        `${samples} samples at 10 ms, ${overlaps.length} with two holders; exact overlap ${overlapMs.toFixed(3)} ms; ` +
          `${moves} VIP add/delete events; client answered ${Math.round(Math.max(...clientMs))} ms max after heal`,
      );
      assert.equal(overlaps.length, 0, `two holders at ${overlaps.slice(0, 5).join(', ')}`);
      assert.equal(overlapMs, 0, 'no overlap of the two nodes\' VIP intervals');
      assert.ok(samples >= 2000, `sampled ${samples} times`);
      assert.ok(moves >= 20, `the VIP moved (${moves} events): the cycles did force takeovers`);
      assert.ok(a.has(/arbiter refused takeover: witness/) || b.has(/arbiter refused takeover: witness/), 'the witness refused a takeover');
      assert.ok(a.has(/arbiter revoked mastership/) || b.has(/arbiter revoked mastership/), 'a master lost its lease');
    },
    [async () => etcd?.stop()],
  );
});
