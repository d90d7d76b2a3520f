/**
 * VipManager + RtnlClient against a real kernel, inside a lab namespace: the code under
 * test runs in `node` started in the namespace (fixtures/netlink_probe.ts), and we compare
 * with what `ip` reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';

const PROBE = fileURLToPath(new URL('./fixtures/netlink_probe.js', import.meta.url));
const NET = 222;

interface Change { text: string; outcome: string; errno: number; log?: string }

test('VIPs, eVIPs and virtual routes are set and removed exactly, with keepalived errnos', async (t) => {
  if (skipUnlessLab(t)) return;
  const lab = Lab.create({ tag: 'vip', hosts: ['a'], net: NET });
  try {
    const out = JSON.parse(lab.exec('a', ['node', PROBE, 'vip', String(NET)])) as Record<string, unknown>;
    const outcomes = (k: string) => (out[k] as Change[]).map((c) => `${c.text} ${c.outcome} ${c.errno}`);

    // Start-up clean-up of absent VIPs: EADDRNOTAVAIL, silent.
    assert.deepEqual((out['clearStaleEmpty'] as Change[]).map((c) => [c.outcome, c.errno, c.log]), [
      ['absent', 99, undefined], ['absent', 99, undefined], ['absent', 99, undefined],
    ]);
    assert.deepEqual(outcomes('add'), [
      `10.${NET}.0.100/24 added 0`, `fd00:${NET}::100 added 0`, `fd00:${NET}::101/64 added 0`,
    ]);
    const after = String(out['addrAfterAdd']);
    assert.match(after, new RegExp(`inet 10\\.${NET}\\.0\\.100/24 brd 10\\.${NET}\\.0\\.255 scope global secondary eth0:1`));
    // IPv6 /128: nodad and preferred_lft 0 (deprecated), as keepalived sets them.
    assert.match(after, new RegExp(`inet6 fd00:${NET}::100/128 scope global nodad deprecated`));
    assert.match(after, /preferred_lft 0sec/);
    // `-nodad`: keepalived does NOT set nodad.
    const v101 = after.split('\n').find((l) => l.includes(`fd00:${NET}::101/64`)) ?? '';
    assert.ok(v101 !== '' && !v101.includes('nodad'), v101);

    // A second manager finds them present: EEXIST, counted as set, not logged.
    assert.deepEqual(outcomes('addAgain'), [
      `10.${NET}.0.100/24 already_present 17`, `fd00:${NET}::100 already_present 17`,
      `fd00:${NET}::101/64 already_present 17`,
    ]);
    assert.deepEqual(out['deleteAbsent'], {
      reason: 'kernel_error', errno: 99, seq: (out['deleteAbsent'] as { seq: number }).seq,
      extackMessage: 'ipv4: Address not found',
    });
    assert.deepEqual(outcomes('remove').map((s) => s.split(' ')[1]), ['removed', 'removed', 'removed']);
    const removed = String(out['addrAfterRemove']);
    assert.doesNotMatch(removed, /\.100\/24|fd00:\d+::10[01]/);
    assert.match(removed, new RegExp(`inet 10\\.${NET}\\.0\\.1/24`));

    assert.deepEqual(outcomes('routesAdd').map((s) => s.split(' ').slice(-2).join(' ')), ['added 0', 'added 0']);
    assert.match(String(out['table1000']), new RegExp(`192\\.168\\.${NET}\\.0/24 via 10\\.${NET}\\.0\\.2 dev eth0 proto keepalived metric 7`));
    assert.match(String(out['blackholes']), /blackhole 198\.51\.22\.0\/24 proto keepalived/);
    assert.deepEqual(outcomes('routesAddAgain').map((s) => s.split(' ').slice(-2).join(' ')), ['already_present 17', 'already_present 17']);
    assert.deepEqual(outcomes('routesRemove').map((s) => s.split(' ').slice(-2).join(' ')), ['removed 0', 'removed 0']);
    assert.equal(out['table1000After'], '');
    assert.equal(out['blackholesAfter'], '');

    // A VIP left by a previous run (added with `ip`) is removed by clearStale().
    assert.equal((out['clearStale'] as Change[])[0]?.outcome, 'removed');
    assert.doesNotMatch(String(out['addrAfterClearStale']), /\.100\/24/);

    const timing = out['timing'] as { addUs: number[]; delUs: number[] };
    process.stderr.write(`netlink RTM_NEWADDR p50/p90/p99 µs: ${timing.addUs.join('/')}; RTM_DELADDR: ${timing.delUs.join('/')}\n`);
    assert.ok((timing.addUs[0] ?? Infinity) < 1000, `add p50 ${timing.addUs[0]} µs`);
  } finally {
    await lab.destroy();
  }
});
