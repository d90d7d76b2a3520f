/**
 * Mixed VRRP groups: keepalived-ts and the real keepalived 2.2.7 (Debian package) in one
 * group, each in its own network namespace on a shared bridge (test/lab). For VRRPv2 with
 * PASS authentication, VRRPv3 over IPv4, VRRPv3 over IPv6 and unicast, in both directions:
 *  - the higher priority is elected, whichever daemon has it (the same master keepalived
 *    alone would elect), and only the master holds the VIP;
 *  - a graceful stop of the master (priority 0) makes the other daemon take over.
 * And a wrong password is rejected by both sides, each logging keepalived's line.
 *
 * In CI a missing keepalived fails the test; locally it skips loudly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { instanceConfig, startDaemon, type Daemon, type DaemonKind } from '../lab/daemons.js';

interface Mode {
  readonly name: string;
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly unicast: boolean;
  readonly password: string | undefined;
}

const MODES: readonly Mode[] = [
  { name: 'VRRPv2 PASS', version: 2, family: 4, unicast: false, password: 'kats1234' },
  { name: 'VRRPv3 IPv4', version: 3, family: 4, unicast: false, password: undefined },
  { name: 'VRRPv3 IPv6', version: 3, family: 6, unicast: false, password: undefined },
  { name: 'VRRPv2 unicast', version: 2, family: 4, unicast: true, password: undefined },
];

function vipOf(mode: Mode, net: number): { vip: string; shown: string } {
  return mode.family === 6
    ? { vip: `fd00:${net}::100/64`, shown: `fd00:${net}::100/64` }
    : { vip: `10.${net}.0.100/24`, shown: `10.${net}.0.100/24` };
}

function configFor(mode: Mode, lab: Lab, host: 'a' | 'b', priority: number, net: number, password = mode.password): string {
  const self = lab.host(host);
  const peer = lab.host(host === 'a' ? 'b' : 'a');
  return instanceConfig({
    priority,
    vrid: 60 + net - 240,
    version: mode.version,
    vip: vipOf(mode, net).vip,
    ...(password !== undefined ? { password } : {}),
    ...(mode.unicast ? { unicast: { src: self.ipv4, peers: [peer.ipv4] } } : {}),
  });
}

async function withPair(
  t: { name: string },
  net: number,
  body: (lab: Lab, started: Daemon[]) => Promise<void>,
): Promise<void> {
  const lab = Lab.create({ tag: `mx${net}`, hosts: ['a', 'b'], net });
  const started: Daemon[] = [];
  try {
    await body(lab, started);
  } catch (e) {
    for (const d of started) process.stderr.write(`--- ${t.name}: ${d.host}/${d.kind}\n${d.lines.map((l) => l.text).join('\n')}\n`);
    throw e;
  } finally {
    await Promise.all(started.map((d) => d.stop('SIGTERM', 3_000)));
    for (const d of started) d.cleanup();
    await lab.destroy();
  }
}

describe('interop with keepalived 2.2.7', { concurrency: 4 }, () => {
  let net = 240;
  for (const mode of MODES) {
    for (const masterKind of ['keepalived-ts', 'keepalived'] as const) {
      const backupKind: DaemonKind = masterKind === 'keepalived' ? 'keepalived-ts' : 'keepalived';
      const myNet = net++;
      test(`${mode.name}: ${masterKind} MASTER (150) with ${backupKind} BACKUP (100), then failover on stop`, async (t) => {
        if (skipUnlessLab(t, ['keepalived'])) return;
        await withPair(t, myNet, async (lab, started) => {
          const { shown } = vipOf(mode, myNet);
          // The master starts first, so start-up order cannot decide the election; the
          // backup then runs past its Master_Down_Interval and must stay BACKUP.
          const master = startDaemon(lab, 'a', masterKind, configFor(mode, lab, 'a', 150, myNet));
          started.push(master);
          await master.waitFor(/\(VI_1\) Entering MASTER STATE/, 10_000);
          const backup = startDaemon(lab, 'b', backupKind, configFor(mode, lab, 'b', 100, myNet));
          started.push(backup);
          await backup.waitFor(/\(VI_1\) Entering BACKUP STATE/, 3_000);
          await new Promise((r) => setTimeout(r, 4_500));
          assert.ok(!backup.has(/Entering MASTER STATE/), `${backupKind} must not become MASTER`);
          assert.ok(lab.addresses('a').includes(shown), 'VIP on the master');
          assert.ok(!lab.addresses('b').includes(shown), 'no VIP on the backup');

          const mark = backup.lines.length;
          await master.stop('SIGTERM');
          await backup.waitFor(/\(VI_1\) Entering MASTER STATE/, 6_000, mark);
          assert.ok(lab.addresses('b').includes(shown), 'VIP moved to the former backup');
          assert.ok(!lab.addresses('a').includes(shown), 'the stopped master removed its VIP');
        });
      });
    }
  }

  const pwNet = net++;
  test('VRRPv2 PASS: a wrong password is rejected by both keepalived and keepalived-ts', async (t) => {
    if (skipUnlessLab(t, ['keepalived'])) return;
    const mode = MODES[0]!;
    await withPair(t, pwNet, async (lab, started) => {
      const ours = startDaemon(lab, 'a', 'keepalived-ts', configFor(mode, lab, 'a', 150, pwNet, 'right'));
      const theirs = startDaemon(lab, 'b', 'keepalived', configFor(mode, lab, 'b', 100, pwNet, 'wrong'));
      started.push(ours, theirs);
      await ours.waitFor(/\(VI_1\) Entering MASTER STATE/, 10_000);
      await theirs.waitFor(/\(VI_1\) received an invalid passwd!/, 6_000);
      // Neither accepts the other's adverts: keepalived times out and becomes MASTER too,
      // and then we see its adverts with the wrong password.
      await theirs.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
      await ours.waitFor(/\(VI_1\) received an invalid passwd!/, 4_000);
    });
  });

  const logNet = net++;
  test('transition log lines: keepalived-ts writes keepalived\'s lines, character for character, in the same scenario', async (t) => {
    if (skipUnlessLab(t, ['keepalived'])) return;
    const mode = MODES[0]!;
    /** The scenario: a (150) starts alone and becomes MASTER, b (100) joins, a stops. */
    const run = async (kind: DaemonKind): Promise<{ a: string[]; b: string[] }> => {
      let out: { a: string[]; b: string[] } = { a: [], b: [] };
      await withPair(t, logNet, async (lab, started) => {
        const a = startDaemon(lab, 'a', kind, configFor(mode, lab, 'a', 150, logNet));
        started.push(a);
        await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 10_000);
        const b = startDaemon(lab, 'b', kind, configFor(mode, lab, 'b', 100, logNet));
        started.push(b);
        await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 3_000);
        await new Promise((r) => setTimeout(r, 2_000));
        await a.stop('SIGTERM');
        await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 6_000);
        await new Promise((r) => setTimeout(r, 300));
        // Instance lines only; the number of GARP lines depends on timing, so they are
        // compared as "at least one" by keeping the first of each run.
        const pick = (d: typeof a) =>
          d.messages().filter((m, i, all) => m.startsWith('(VI_1)') && !(m.includes('Sending/queueing') && all[i - 1] === m));
        out = { a: pick(a), b: pick(b) };
      });
      return out;
    };
    const theirs = await run('keepalived');
    const ours = await run('keepalived-ts');
    t.diagnostic(`keepalived master: ${JSON.stringify(theirs.a)}`);
    t.diagnostic(`keepalived backup: ${JSON.stringify(theirs.b)}`);
    assert.deepEqual(ours.a.filter((l) => !l.includes('Sending/queueing')), theirs.a.filter((l) => !l.includes('Sending/queueing')));
    assert.deepEqual(ours.b.filter((l) => !l.includes('Sending/queueing')), theirs.b.filter((l) => !l.includes('Sending/queueing')));
    assert.ok(ours.a.some((l) => l.includes('Sending/queueing gratuitous ARPs on eth0 for')));
  });
});
