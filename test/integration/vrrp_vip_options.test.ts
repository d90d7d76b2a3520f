/**
 * VIP options end to end, keepalived-ts against the real keepalived 2.2.7 in the same
 * network-namespace lab with the same config (test/lab):
 *  - `ADDR/24 brd B dev eth0 label eth0:1`, a bare IPv4 VIP (/32), IPv6 VIPs in an IPv6
 *    instance (/64, a bare /128 which keepalived adds with preferred_lft 0, a /128 with
 *    preferred_lft forever; all nodad), virtual_ipaddress_excluded of both families and
 *    virtual_routes (a `via … dev eth0` route and a blackhole) reach the kernel exactly as
 *    keepalived puts them: `ip -o addr` and `ip route` / `ip -6 route` compared line for line
 *    (sorted, lifetimes normalized);
 *  - they are present only while MASTER: a higher-priority peer makes us BACKUP and they
 *    go; the peer stops, we are MASTER again and they are back; we stop and they are gone;
 *  - the instance log lines about VIPs, eVIPs, routes and GARP/NA match keepalived's;
 *  - someone deletes the VIP with `ip addr del` while we are MASTER: like keepalived, the
 *    owning instance goes BACKUP and comes back MASTER, putting the VIP back
 *    (same `ip -o addr` line: brd and label included) and logs it, for the instance that
 *    owns the VIP only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { killDaemons, startDaemon, type Daemon, type DaemonKind } from '../lab/daemons.js';

const NET = 191;
const VIP = `10.${NET}.0.100`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function config(priority: number): string {
  return `global_defs {
  router_id kats_vopt
  vrrp_garp_master_delay 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 91
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${VIP}/24 brd 10.${NET}.0.255 dev eth0 label eth0:1
    10.${NET}.0.101
  }
  virtual_ipaddress_excluded {
    10.${NET}.0.200/24
    fd00:${NET}::200/64
  }
  virtual_routes {
    192.168.${NET}.0/24 via 10.${NET}.0.254 dev eth0
    blackhole 172.16.${NET}.0/24
  }
}
vrrp_instance VI_6 {
  state BACKUP
  interface eth0
  virtual_router_id 92
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    fd00:${NET}::100/64
    fd00:${NET}::101
    fd00:${NET}::102/128 preferred_lft forever
  }
}
`;
}

/** `ip -o addr` of eth0, sorted, link-local and the lab's own addresses kept (they must not change). */
function addrSnapshot(lab: Lab, host: string): string[] {
  return lab
    .exec(host, ['ip', '-o', 'addr', 'show', 'dev', 'eth0'])
    .split('\n')
    .filter((l) => l.trim() !== '' && !/ fe80::/.test(l))
    .map((l) =>
      l
        .replace(/^\d+:\s+/, '')
        .replace(/\\\s+/g, ' ')
        .replace(/(valid|preferred)_lft (\d+)sec/g, (_m, k: string, n: string) => `${k}_lft ${n === '0' ? '0' : 'N'}sec`)
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .sort();
}

function routeSnapshot(lab: Lab, host: string): string[] {
  const v4 = lab.exec(host, ['ip', '-4', 'route', 'show', 'table', 'all']);
  const v6 = lab.exec(host, ['ip', '-6', 'route', 'show', 'table', 'all']);
  return `${v4}\n${v6}`
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '' && !/ table local /.test(l) && !/^(multicast|fe80::|ff00::)/.test(l))
    .sort();
}

interface Snapshots {
  baseline: { addr: string[]; route: string[] };
  master: { addr: string[]; route: string[] };
  backup: { addr: string[]; route: string[] };
  masterAgain: { addr: string[]; route: string[] };
  stopped: { addr: string[]; route: string[] };
  log: string[];
}

const captured = new Map<DaemonKind, Snapshots>();

function dump(t: { name: string }, daemons: readonly Daemon[]): void {
  for (const d of daemons) process.stderr.write(`--- ${t.name}: ${d.host}/${d.kind}\n${d.lines.map((l) => l.text).join('\n')}\n`);
}

/** a (150) alone → MASTER; b (200) joins → a BACKUP; b stops → a MASTER; a stops. */
async function scenario(t: { name: string }, kind: DaemonKind): Promise<Snapshots> {
  const lab = Lab.create({ tag: 'vopt', hosts: ['a', 'b'], net: NET });
  const daemons: Daemon[] = [];
  try {
    const snap = () => ({ addr: addrSnapshot(lab, 'a'), route: routeSnapshot(lab, 'a') });
    const baseline = snap();
    const a = startDaemon(lab, 'a', kind, config(150));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await a.waitFor(/\(VI_6\) Entering MASTER STATE/, 3_000);
    await sleep(500);
    const master = snap();
    const b = startDaemon(lab, 'b', kind, config(200));
    daemons.push(b);
    const markA = a.lines.length;
    await a.waitFor(/\(VI_1\) Entering BACKUP STATE$/, 10_000, markA);
    await a.waitFor(/\(VI_6\) Entering BACKUP STATE$/, 3_000, markA);
    await sleep(500);
    const backup = snap();
    const markA2 = a.lines.length;
    await b.stop('SIGTERM');
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 5_000, markA2);
    await a.waitFor(/\(VI_6\) Entering MASTER STATE/, 3_000, markA2);
    await sleep(500);
    const masterAgain = snap();
    await a.stop('SIGTERM');
    const stopped = snap();
    const log = a.messages().filter((m) => /^\((VI_1|VI_6)\) (setting|removing|Sending\/queueing)/.test(m));
    return { baseline, master, backup, masterAgain, stopped, log };
  } catch (e) {
    dump(t, daemons);
    throw e;
  } finally {
    await killDaemons(daemons);
    await lab.destroy();
  }
}

test('VIP options, eVIPs and virtual_routes reach the kernel as keepalived 2.2.7 puts them, only while MASTER', async (t) => {
  if (skipUnlessLab(t, ['keepalived'])) return;
  const theirs = await scenario(t, 'keepalived');
  captured.set('keepalived', theirs);
  const ours = await scenario(t, 'keepalived-ts');
  captured.set('keepalived-ts', ours);
  t.diagnostic(`keepalived MASTER addr: ${JSON.stringify(theirs.master.addr)}`);
  t.diagnostic(`keepalived MASTER routes: ${JSON.stringify(theirs.master.route)}`);

  // What keepalived does (so the comparison below is about something).
  const m = theirs.master.addr;
  assert.ok(m.includes(`eth0 inet ${VIP}/24 brd 10.${NET}.0.255 scope global secondary eth0:1 valid_lft forever preferred_lft forever`), 'keepalived: brd + label');
  assert.ok(m.includes(`eth0 inet 10.${NET}.0.101/32 scope global eth0 valid_lft forever preferred_lft forever`), 'keepalived: bare VIP is /32');
  assert.ok(m.includes(`eth0 inet6 fd00:${NET}::100/64 scope global nodad valid_lft forever preferred_lft forever`), 'keepalived: IPv6 /64 nodad');
  assert.ok(m.includes(`eth0 inet6 fd00:${NET}::101/128 scope global nodad deprecated valid_lft forever preferred_lft 0sec`), 'keepalived: bare IPv6 VIP /128 nodad preferred_lft 0');
  assert.ok(theirs.master.route.includes(`192.168.${NET}.0/24 via 10.${NET}.0.254 dev eth0 proto keepalived`), 'keepalived: via route');
  assert.ok(theirs.master.route.includes(`blackhole 172.16.${NET}.0/24 proto keepalived`), 'keepalived: blackhole route');

  // keepalived-ts: the same kernel state in every phase.
  for (const phase of ['baseline', 'master', 'backup', 'masterAgain', 'stopped'] as const) {
    assert.deepEqual(ours[phase].addr, theirs[phase].addr, `ip -o addr while ${phase}`);
    assert.deepEqual(ours[phase].route, theirs[phase].route, `ip route while ${phase}`);
  }
  // Only while MASTER.
  assert.deepEqual(ours.backup, ours.baseline, 'BACKUP: no VIP, eVIP or virtual route left');
  assert.deepEqual(ours.stopped, ours.baseline, 'stopped: no VIP, eVIP or virtual route left');
  assert.deepEqual(ours.masterAgain, ours.master, 'MASTER again: all back');
});

test('VIP, eVIP and virtual route log lines match keepalived 2.2.7 (same scenario as above)', (t) => {
  if (skipUnlessLab(t, ['keepalived'])) return;
  const theirs = captured.get('keepalived');
  const ours = captured.get('keepalived-ts');
  if (theirs === undefined || ours === undefined) throw new Error('the kernel-state test did not capture both runs');
  // Consecutive duplicates (the delayed GARP burst repeats the same lines) collapsed.
  const distinct = (lines: string[]) => lines.filter((l, i) => lines[i - 1] !== l);
  t.diagnostic(`keepalived: ${JSON.stringify(distinct(theirs.log))}`);
  t.diagnostic(`keepalived-ts: ${JSON.stringify(distinct(ours.log))}`);
  assert.deepEqual([...new Set(ours.log)].sort(), [...new Set(theirs.log)].sort());
});

/** Delete VI_1's labelled VIP behind the daemon's back; returns the log after the deletion. */
async function deletionScenario(t: { name: string }, kind: DaemonKind): Promise<{ before: string | undefined; after: string | undefined; log: string[]; copies: number }> {
  const lab = Lab.create({ tag: 'vopt', hosts: ['a'], net: NET });
  const daemons: Daemon[] = [];
  try {
    const a = startDaemon(lab, 'a', kind, config(150));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await a.waitFor(/\(VI_6\) Entering MASTER STATE/, 3_000);
    await sleep(300);
    const line = () => addrSnapshot(lab, 'a').find((l) => l.includes(` ${VIP}/24 `));
    const before = line();
    const mark = a.lines.length;
    lab.exec('a', ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 5_000, mark);
    const deadline = Date.now() + 3_000;
    while (line() === undefined && Date.now() < deadline) await sleep(50);
    await sleep(500);
    const log = a
      .messages()
      .slice(mark)
      .filter((m) => /^(\(VI_[16]\) (Entering|sent|setting|removing)|Netlink reflector reports)/.test(m));
    return { before, after: line(), log, copies: addrSnapshot(lab, 'a').filter((l) => l.includes(` ${VIP}/`)).length };
  } catch (e) {
    dump(t, daemons);
    throw e;
  } finally {
    await killDaemons(daemons);
    await lab.destroy();
  }
}

test('a VIP deleted with `ip addr del` while MASTER is put back by the instance that owns it, as keepalived 2.2.7 does', async (t) => {
  if (skipUnlessLab(t, ['keepalived'])) return;
  const ours = await deletionScenario(t, 'keepalived-ts');
  t.diagnostic(`keepalived-ts after the deletion: ${JSON.stringify(ours.log)}`);
  assert.ok(ours.before !== undefined && ours.before.includes('brd') && ours.before.includes('eth0:1'), `VIP present with brd and label: ${ours.before}`);
  assert.equal(ours.after, ours.before, 'the VIP is back, brd and label included');
  assert.equal(ours.copies, 1, 'exactly one copy of the VIP');
  assert.ok(ours.log.includes(`Netlink reflector reports IP ${VIP} removed from eth0`), 'the deletion is logged');
  assert.ok(!ours.log.some((l) => l.startsWith('(VI_6)')), 'VI_6 does not own the VIP and is not disturbed');
  // keepalived: the owning instance goes to BACKUP (priority 0 advert) and, nobody else
  // being there, back to MASTER after Skew_Time, re-adding its VIPs.
  const theirs = await deletionScenario(t, 'keepalived');
  t.diagnostic(`keepalived after the deletion: ${JSON.stringify(theirs.log)}`);
  assert.equal(theirs.after, theirs.before);
  // The E-VIP and Virtual Routes lines are the log-lines test's business.
  const core = (log: string[]) => log.filter((l) => !/E-VIPs|Virtual Routes/.test(l));
  assert.deepEqual(core(ours.log), core(theirs.log), 'the same transitions and lines as keepalived');
});
