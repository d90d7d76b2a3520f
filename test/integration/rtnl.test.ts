/**
 * RtnlClient dumps and NetlinkMonitor events against a real kernel, inside a lab
 * namespace (the code runs in `node` started there: fixtures/netlink_probe.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import type { MonitorEvent } from '../../src/net/netlink/rtnl.js';

const PROBE = fileURLToPath(new URL('./fixtures/netlink_probe.js', import.meta.url));
const NET = 221;

test('dumps list links and addresses; the monitor sees link down/up and address add/del', async (t) => {
  if (skipUnlessLab(t)) return;
  const lab = Lab.create({ tag: 'rtnl', hosts: ['a', 'b'], net: NET });
  try {
    const out = JSON.parse(lab.exec('a', ['node', PROBE, 'monitor', String(NET)])) as {
      portId: number;
      ifindex: number;
      dumpLinks: { reason: string; names: string[] };
      dumpAddresses: { reason: string; addresses: string[] };
      events: MonitorEvent[];
    };
    assert.equal(out.dumpLinks.reason, 'ok');
    assert.deepEqual([...out.dumpLinks.names].sort(), ['eth0', 'lo']);
    assert.equal(out.dumpAddresses.reason, 'ok');
    assert.deepEqual([...out.dumpAddresses.addresses].sort(), [`10.${NET}.0.1/24`, '127.0.0.1/8']);

    const eth0 = out.events.flatMap((e) => (e.kind === 'link' && e.link.index === out.ifindex ? [e.link] : []));
    // Admin down: RTM_NEWLINK with up/running/lowerUp all false (native-networking.md §4).
    assert.ok(eth0.some((l) => !l.isUp && !l.isRunning && !l.isLowerUp && l.operstateName === 'down'));
    // Admin up: eventually running with operstate up, and a MAC and MTU.
    const up = eth0.find((l) => l.isUp && l.isRunning && l.operstateName === 'up');
    assert.ok(up, JSON.stringify(eth0));
    assert.match(up.mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(up.mtu, 1500);
    assert.equal(up.name, 'eth0');

    const addrs = out.events.flatMap((e) => (e.kind === 'address' ? [{ ...e.address, senderPid: e.senderPid }] : []));
    const by = (ev: string, a: string) => addrs.find((x) => x.event === ev && x.local === a);
    const added = by('new', `10.${NET}.0.77`);
    const deleted = by('del', `10.${NET}.0.77`);
    assert.ok(added && deleted, JSON.stringify(addrs));
    assert.equal(deleted.prefixLength, 32);
    assert.equal(deleted.index, out.ifindex);
    // Our own RtnlClient's request shows up with its port id (keepalived filters on this).
    const own = by('new', `10.${NET}.0.78`);
    assert.ok(own);
    assert.equal(own.senderPid, out.portId);
    assert.ok(!out.events.some((e) => e.kind === 'malformed' || e.kind === 'receive_error'));
  } finally {
    await lab.destroy();
  }
});
