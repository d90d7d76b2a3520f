/**
 * The etcd witness (issue 8) against a real etcd 3.4 (/usr/bin/etcd).
 *
 * Everything talks over loopback inside a fresh network namespace: the outer test creates a
 * lab namespace (kats-etcdw-<pid>-w, removed even on failure) and re-runs this file inside
 * it (`ip netns exec … node etcd_witness.test.js` with KATS_ETCD_WITNESS_INNER=1). The inner
 * run starts one etcd per test on 127.0.0.1 (fast raft timers, so 1 s leases are 1 s) and
 * drives two Witness objects, "lb1" and "lb2", on the same key. The inner figures (latencies,
 * margins) are repeated as diagnostics of the outer test.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { startEtcd, type EtcdInstance } from '../../src/lab/etcd.js';
import { EtcdClient } from '../../src/arbiter/etcd_client.js';
import { Witness, type LostReason, type WitnessPolicy } from '../../src/arbiter/witness.js';
import { localDeadlineMs, safetyMarginMs } from '../../src/vrrp/witness_lease.js';

const INNER = process.env['KATS_ETCD_WITNESS_INNER'] === '1';
const THIS_FILE = fileURLToPath(import.meta.url);
const KEY = '/keepalived-ts/VI_1';
const TTL_S = 1;
const FIGURE = 'FIGURE';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function p50(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

function figure(t: TestContext, text: string): void {
  t.diagnostic(`${FIGURE} ${text}`);
}

if (!INNER) {
  test('etcd witness against a real etcd in a network namespace (lb1/lb2 on one key)', async (t) => {
    if (skipUnlessLab(t, ['etcd', 'etcdctl', 'nft'])) return;
    const lab = Lab.create({ tag: 'etcdw', hosts: ['w'], net: 241 });
    let out = '';
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, KATS_ETCD_WITNESS_INNER: '1' };
      delete env['NODE_TEST_CONTEXT']; // the inner run reports on its own, not to our runner
      const child = lab.spawn('w', [process.execPath, '--test-reporter=spec', THIS_FILE], { env });
      child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      for (const line of out.split('\n')) {
        const at = line.indexOf(FIGURE);
        if (at >= 0) t.diagnostic(line.slice(at + FIGURE.length + 1));
      }
      if (code !== 0 || process.env['KATS_TEST_VERBOSE'] === '1') process.stderr.write(`--- inner run (exit ${code})\n${out}\n`);
      assert.equal(code, 0, 'the inner witness tests pass');
      assert.match(out, /[#ℹ] pass [1-9]/, 'inner tests ran');
      assert.match(out, /[#ℹ] fail 0/);
      assert.match(out, /[#ℹ] skipped 0/);
    } finally {
      await lab.destroy();
    }
  });
} else {
  // ------------------------------------------------------------------ inner: in the namespace
  let nextPort = 23_000;
  const ports = (n: number): number[] => Array.from({ length: n }, () => nextPort++);

  interface Node {
    readonly w: Witness;
    readonly logs: string[];
  }

  function node(nodeId: string, endpoints: readonly string[], policy: WitnessPolicy = 'fail_closed', key = KEY): Node {
    const logs: string[] = [];
    const w = new Witness({
      endpoints,
      key,
      nodeId,
      leaseTtlS: TTL_S,
      policy,
      log: (l) => {
        logs.push(`${performance.now().toFixed(1)} ${l}`);
        if (process.env['KATS_TEST_VERBOSE'] === '1') process.stderr.write(`[${nodeId}] ${l}\n`);
      },
    });
    return { w, logs };
  }

  async function withEtcd(
    t: TestContext,
    opts: { extraPorts?: number; fast?: boolean },
    body: (etcd: EtcdInstance, nodes: Node[]) => Promise<void>,
  ): Promise<void> {
    const [client, peer, ...extra] = ports(2 + (opts.extraPorts ?? 0));
    const etcd = await startEtcd({
      listenAddress: '127.0.0.1',
      clientPort: client ?? 0,
      peerPort: peer ?? 0,
      fast: opts.fast ?? true,
      extraClientPorts: extra,
    });
    const nodes: Node[] = [];
    try {
      await body(etcd, nodes);
    } catch (e) {
      for (const [i, n] of nodes.entries()) process.stderr.write(`--- ${t.name}: node ${i}\n${n.logs.join('\n')}\n`);
      process.stderr.write(`--- etcd\n${etcd.output()}\n`);
      throw e;
    } finally {
      for (const n of nodes) n.w.close();
      await etcd.stop();
      spawnSync('nft', ['delete', 'table', 'inet', 'kats_etcdw'], { encoding: 'utf8' });
    }
  }

  /** Poll acquire() until granted; returns the monotonic time the granting answer came back. */
  async function acquireUntilGranted(n: Node, timeoutMs: number, everyMs = 20): Promise<{ atMs: number; attempts: number }> {
    const until = performance.now() + timeoutMs;
    let attempts = 0;
    for (;;) {
      attempts++;
      const r = await n.w.acquire();
      if (r.granted) return { atMs: performance.now(), attempts };
      if (performance.now() > until) throw new Error(`not granted within ${timeoutMs} ms: ${r.outcome} ${r.detail}`);
      await sleep(everyMs);
    }
  }

  function recordLoss(): { calls: { why: LostReason; detail: string; atMs: number }[]; onLost: (why: LostReason, detail: string) => void } {
    const calls: { why: LostReason; detail: string; atMs: number }[] = [];
    return { calls, onLost: (why, detail) => calls.push({ why, detail, atMs: performance.now() }) };
  }

  /** onLost('expired') fires at the local deadline: not before it, and within timer/event-loop slack after it. */
  function assertAtDeadline(lostAtMs: number, deadlineMs: number): void {
    const late = lostAtMs - deadlineMs;
    assert.ok(late >= -2 && late < 100, `lost ${late.toFixed(1)} ms after the local deadline`);
  }

  async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (!cond()) {
      if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
  }

  test('etcd grants the TTL we ask for with fast raft timers (1 s), and rounds 1 s up to 2 s with the defaults', async (t) => {
    await withEtcd(t, { fast: true }, async (etcd) => {
      const c = new EtcdClient({ endpoints: [etcd.endpoint], requestTimeoutMs: 1000 });
      const g = await c.grantLease(1);
      assert.ok(g.ok, JSON.stringify(g));
      assert.equal(g.value.ttlS, 1);
      figure(t, `fast etcd (heartbeat 10 ms, election 100 ms): TTL 1 s granted as ${g.value.ttlS} s`);
    });
    await withEtcd(t, { fast: false }, async (etcd) => {
      const c = new EtcdClient({ endpoints: [etcd.endpoint], requestTimeoutMs: 1000 });
      const g = await c.grantLease(1);
      assert.ok(g.ok, JSON.stringify(g));
      assert.equal(g.value.ttlS, 2, 'default etcd: minimum TTL is 1.5 × 1 s election timeout → 2 s');
      figure(t, `default etcd (heartbeat 100 ms, election 1000 ms): TTL 1 s granted as ${g.value.ttlS} s`);
    });
  });

  test('lb1 acquires, lb2 is denied (held_by_other), release hands over at once; endpoint failover; latencies', async (t) => {
    await withEtcd(t, {}, async (etcd, nodes) => {
      const dead = `http://127.0.0.1:${ports(1)[0]}`; // nothing listens there: connection refused
      const lb1 = node('lb1', [etcd.endpoint]);
      const lb2 = node('lb2', [dead, etcd.endpoint]);
      nodes.push(lb1, lb2);

      const a1 = await lb1.w.acquire();
      assert.deepEqual([a1.granted, a1.outcome], [true, 'acquired'], a1.detail);
      const a2 = await lb2.w.acquire();
      assert.deepEqual([a2.granted, a2.outcome], [false, 'held_by_other'], a2.detail);
      assert.match(a2.detail, /held by lb1/);

      // Latency of a denied acquire with a live lease (one txn round trip) …
      const denied: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await lb2.w.acquire();
        assert.equal(r.outcome, 'held_by_other');
        denied.push(r.elapsedMs);
      }
      // … and of a first acquire (lease grant + txn), released each time.
      const fresh: number[] = [];
      const keepalive: number[] = [];
      const c = new EtcdClient({ endpoints: [etcd.endpoint], requestTimeoutMs: 1000 });
      for (let i = 0; i < 30; i++) {
        const n = node(`lb3-${i}`, [etcd.endpoint], 'fail_closed', `/keepalived-ts/lat-${i}`);
        const r = await n.w.acquire();
        assert.equal(r.outcome, 'acquired', r.detail);
        fresh.push(r.elapsedMs);
        await n.w.release();
        const g = await c.grantLease(5);
        assert.ok(g.ok);
        const t0 = performance.now();
        const k = await c.keepAlive(g.value.leaseId);
        keepalive.push(performance.now() - t0);
        assert.ok(k.ok);
        await c.revoke(g.value.leaseId);
      }
      figure(t, `acquire p50: first (grant + txn) ${p50(fresh).toFixed(2)} ms, with a live lease (txn) ${p50(denied).toFixed(2)} ms, keepalive ${p50(keepalive).toFixed(2)} ms (30 runs each, loopback)`);

      // Graceful step-down: lb2 gets the key on its next attempt.
      const r0 = performance.now();
      await lb1.w.release();
      const a3 = await lb2.w.acquire();
      assert.deepEqual([a3.granted, a3.outcome], [true, 'acquired'], a3.detail);
      figure(t, `release → lb2 acquired in ${(performance.now() - r0).toFixed(2)} ms`);
      assert.ok(lb1.logs.some((l) => /witness \/keepalived-ts\/VI_1: released: key deleted, lease \d+ revoked/.test(l)), lb1.logs.join('\n'));
      const h = await c.holder(KEY);
      assert.deepEqual(h, { ok: true, value: 'lb2' });
    });
  });

  test('re-attach: a restarted lb1 (same node id, new lease) takes its key back onto its new lease', async (t) => {
    await withEtcd(t, {}, async (etcd, nodes) => {
      const old = node('lb1', [etcd.endpoint]);
      nodes.push(old);
      assert.equal((await old.w.acquire()).outcome, 'acquired');
      old.w.close(); // a crash: no release, the old lease is left to expire
      const lb1 = node('lb1', [etcd.endpoint]);
      const lb2 = node('lb2', [etcd.endpoint]);
      nodes.push(lb1, lb2);
      const a = await lb1.w.acquire();
      assert.deepEqual([a.granted, a.outcome], [true, 'acquired'], a.detail);
      const loss = recordLoss();
      lb1.w.hold(loss.onLost);
      // Well past the old lease's expiry: the key lives on the new, renewed lease.
      await sleep(TTL_S * 1000 + 1200);
      assert.equal(loss.calls.length, 0, JSON.stringify(loss.calls));
      const b = await lb2.w.acquire();
      assert.equal(b.outcome, 'held_by_other', b.detail);
    });
  });

  test('partition of lb1 only (nft drop): lb1 loses at its local deadline, strictly before the server expires the lease and lb2 gets it', async (t) => {
    await withEtcd(t, { extraPorts: 1 }, async (etcd, nodes) => {
      const lb1Endpoint = etcd.endpoints[0] ?? '';
      const lb2Endpoint = etcd.endpoints[1] ?? '';
      const lb1Port = new URL(lb1Endpoint).port;
      const lb1 = node('lb1', [lb1Endpoint]);
      const lb2 = node('lb2', [lb2Endpoint]);
      nodes.push(lb1, lb2);
      assert.equal((await lb1.w.acquire()).granted, true);
      const loss = recordLoss();
      lb1.w.hold(loss.onLost);
      await sleep(700); // a few renewals go through
      assert.equal(loss.calls.length, 0, 'renewals keep the lease');
      assert.equal((await lb2.w.acquire()).outcome, 'held_by_other');

      const nft = spawnSync('nft', ['-f', '-'], {
        input: `table inet kats_etcdw {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport ${lb1Port} drop\n }\n}\n`,
        encoding: 'utf8',
      });
      assert.equal(nft.status, 0, nft.stderr);
      const cutAt = performance.now();

      const granted = await acquireUntilGranted(lb2, 5_000, 10);
      await waitFor(() => loss.calls.length > 0, 2_000, 'lb1 onLost');
      const lost = loss.calls[0];
      assert.ok(lost !== undefined);
      assert.equal(lost.why, 'expired', lost.detail);
      assert.equal(loss.calls.length, 1, 'onLost exactly once');
      // lb1 lost at its local deadline (read afterwards: a reply already on its way at the
      // cut may still have moved it).
      const deadlineAtCut = lb1.w.deadlineMs ?? NaN;
      assertAtDeadline(lost.atMs, deadlineAtCut);
      // The last renewal that got through was sent at deadline + margin - TTL; etcd cannot
      // have expired the lease before that + TTL, and lb2 could not get the key before.
      const lastRenewalSentAt = deadlineAtCut + safetyMarginMs(TTL_S) - TTL_S * 1000;
      assert.ok(lost.atMs < granted.atMs, `lb1 lost at ${lost.atMs.toFixed(1)}, lb2 granted at ${granted.atMs.toFixed(1)}`);
      assert.ok(granted.atMs >= lastRenewalSentAt + TTL_S * 1000, 'lb2 only after the server-side expiry');
      figure(
        t,
        `partition: lb1 lost ${(lost.atMs - cutAt).toFixed(0)} ms after the cut (${(lost.atMs - lastRenewalSentAt).toFixed(0)} ms after its last good renewal), ` +
          `lb2 granted ${(granted.atMs - lost.atMs).toFixed(0)} ms after lb1 stepped down (server expiry sweep; ${granted.attempts} attempts)`,
      );
      await sleep(300);
      assert.equal(loss.calls.length, 1, 'still exactly once');
    });
  });

  test('etcd frozen (SIGSTOP): lb1 loses at its deadline; after SIGCONT lb2 gets the key only once the old lease expired', async (t) => {
    await withEtcd(t, {}, async (etcd, nodes) => {
      const lb1 = node('lb1', [etcd.endpoint]);
      const lb2 = node('lb2', [etcd.endpoint]);
      nodes.push(lb1, lb2);
      assert.equal((await lb1.w.acquire()).granted, true);
      const loss = recordLoss();
      lb1.w.hold(loss.onLost);
      await sleep(500);
      process.kill(etcd.pid, 'SIGSTOP');
      const stoppedAt = performance.now();
      try {
        await waitFor(() => loss.calls.length > 0, 2_000, 'lb1 onLost');
      } finally {
        process.kill(etcd.pid, 'SIGCONT');
      }
      const contAt = performance.now();
      const lost = loss.calls[0];
      assert.ok(lost !== undefined);
      assert.equal(lost.why, 'expired');
      const deadline = lb1.w.deadlineMs ?? NaN; // the final one (see the partition test)
      assertAtDeadline(lost.atMs, deadline);
      const granted = await acquireUntilGranted(lb2, 5_000, 10);
      const lastRenewalSentAt = deadline + safetyMarginMs(TTL_S) - TTL_S * 1000;
      assert.ok(lost.atMs < granted.atMs);
      assert.ok(granted.atMs >= lastRenewalSentAt + TTL_S * 1000, 'lb2 only after the old lease expired');
      assert.equal(loss.calls.length, 1);
      assert.ok(lb1.logs.some((l) => /renewal failed \(keepalive: timeout/.test(l)), lb1.logs.join('\n'));
      figure(
        t,
        `SIGSTOP: lb1 lost ${(lost.atMs - stoppedAt).toFixed(0)} ms after the freeze, SIGCONT ${(contAt - lost.atMs).toFixed(0)} ms later, ` +
          `lb2 granted ${(granted.atMs - contAt).toFixed(0)} ms after SIGCONT (${(granted.atMs - lastRenewalSentAt).toFixed(0)} ms after lb1's last good renewal)`,
      );
    });
  });

  test('etcd down: fail_closed holder loses at the deadline, fail_open holder stays; a takeover is granted by fail_open only', async (t) => {
    await withEtcd(t, {}, async (etcd, nodes) => {
      const open = node('lb1', [etcd.endpoint], 'fail_open', '/keepalived-ts/VI_open');
      const closed = node('lb1', [etcd.endpoint], 'fail_closed', '/keepalived-ts/VI_closed');
      nodes.push(open, closed);
      assert.equal((await open.w.acquire()).granted, true);
      assert.equal((await closed.w.acquire()).granted, true);
      const lossOpen = recordLoss();
      const lossClosed = recordLoss();
      open.w.hold(lossOpen.onLost);
      closed.w.hold(lossClosed.onLost);
      await sleep(400);
      const downAt = performance.now();
      await etcd.stop();
      // Read after etcd has exited: a renewal answered during its shutdown may have moved it.
      const closedDeadline = closed.w.deadlineMs ?? NaN;
      await sleep(TTL_S * 1000 + 800);
      assert.equal(lossOpen.calls.length, 0, 'fail_open keeps mastership');
      assert.ok(open.logs.some((l) => /fail_open keeps MASTER without witness protection/.test(l)), open.logs.join('\n'));
      assert.equal(lossClosed.calls.length, 1);
      assert.equal(lossClosed.calls[0]?.why, 'expired');
      assertAtDeadline(lossClosed.calls[0]?.atMs ?? NaN, closedDeadline);
      figure(t, `etcd down: fail_closed holder lost ${((lossClosed.calls[0]?.atMs ?? NaN) - downAt).toFixed(0)} ms after etcd stopped`);

      const o = node('lb2', [etcd.endpoint], 'fail_open');
      const c = node('lb2', [etcd.endpoint], 'fail_closed');
      nodes.push(o, c);
      const ro = await o.w.acquire();
      const rc = await c.w.acquire();
      assert.deepEqual([ro.granted, ro.outcome], [true, 'unreachable'], ro.detail);
      assert.deepEqual([rc.granted, rc.outcome], [false, 'unreachable'], rc.detail);
      assert.match(rc.detail, /fail_closed denies/);
      figure(t, `etcd down (connection refused): acquire answers in ${ro.elapsedMs.toFixed(1)} ms (fail_open granted) / ${rc.elapsedMs.toFixed(1)} ms (fail_closed denied)`);
    });
  });

  test('someone overwrites the key: the holder loses at once (held_by_other), under both policies', async (t) => {
    await withEtcd(t, {}, async (etcd, nodes) => {
      for (const policy of ['fail_closed', 'fail_open'] as const) {
        const key = `/keepalived-ts/VI_${policy}`;
        const lb1 = node('lb1', [etcd.endpoint], policy, key);
        nodes.push(lb1);
        assert.equal((await lb1.w.acquire()).granted, true);
        const loss = recordLoss();
        lb1.w.hold(loss.onLost);
        await sleep(200);
        const put = spawnSync('etcdctl', ['--endpoints', etcd.endpoint, 'put', key, 'intruder'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
        assert.equal(put.status, 0, put.stderr);
        const putAt = performance.now();
        await waitFor(() => loss.calls.length > 0, TTL_S * 1000, 'onLost(held_by_other)');
        assert.equal(loss.calls[0]?.why, 'held_by_other');
        assert.match(loss.calls[0]?.detail ?? '', /intruder/);
        const lb2 = node('lb2', [etcd.endpoint], policy, key);
        nodes.push(lb2);
        assert.equal((await lb2.w.acquire()).outcome, 'held_by_other');
        await sleep(TTL_S * 1000);
        assert.equal(loss.calls.length, 1, 'exactly once');
        figure(t, `${policy}: overwrite noticed ${((loss.calls[0]?.atMs ?? NaN) - putAt).toFixed(0)} ms after the put (renewal period ${(TTL_S * 1000 / 3).toFixed(0)} ms)`);
      }
    });
  });

  test('the local deadline is before the grant time + TTL (sanity of the wiring)', async (t) => {
    await withEtcd(t, {}, async (etcd, nodes) => {
      const lb1 = node('lb1', [etcd.endpoint]);
      nodes.push(lb1);
      const before = performance.now();
      assert.equal((await lb1.w.acquire()).granted, true);
      const d = lb1.w.deadlineMs ?? NaN;
      assert.ok(d >= localDeadlineMs(before, TTL_S) && d < before + TTL_S * 1000 - 200, `deadline ${d - before} ms after the request`);
    });
  });
}
