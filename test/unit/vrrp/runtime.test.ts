import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import type { VrrpConfig } from '../../../src/config/model/vrrp.js';
import { VrrpRuntime, socketKeyOf, type VrrpPorts } from '../../../src/vrrp/runtime.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../../fakes/fake_host_facts.js';

function vrrpConfig(text: string): VrrpConfig {
  const path = '/etc/keepalived/keepalived.conf';
  const host = createFakeHostFacts({ interfaces: ['lo', 'eth1', { name: 'eth0', addresses: ['10.0.0.1', 'fe80::1'] }] });
  const r = parseConfig(path, new MemoryFileSource({ [path]: text }), { host, random: new SeededRandom(1), configId: 'x', env: {} });
  assert.ok(r.config);
  return r.config.vrrp;
}

const conf = (priority: number, pass = 'secret') => `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${priority}
  advert_int 1
  authentication { auth_type PASS
    auth_pass ${pass} }
  virtual_ipaddress { 10.0.0.100/24 }
}`;

/** Two runtimes on one simulated wire: every advert one sends, the other receives at once. */
class Wire {
  nowUs = 0;
  readonly nodes: { rt: VrrpRuntime; ip: string; wake: number | undefined; logs: string[]; vips: boolean; notifies: string[] }[] = [];

  add(priority: number, ip: string, pass?: string): (typeof this.nodes)[number] {
    const cfg = vrrpConfig(conf(priority, pass));
    const node = { rt: undefined as unknown as VrrpRuntime, ip, wake: undefined as number | undefined, logs: [] as string[], vips: false, notifies: [] as string[] };
    const ports: VrrpPorts = {
      nowUs: () => this.nowUs,
      wakeAt: (at) => (node.wake = at),
      sendAdvert: (_i, message) => {
        for (const other of this.nodes) {
          if (other === node) continue;
          // IPv4 datagram as a raw socket delivers it: a 20-byte header, TTL 255, proto 112.
          const ip4 = new Uint8Array(20 + message.length);
          ip4.set([0x45, 0, 0, ip4.length, 0, 0, 0, 0, 255, 112, 0, 0]);
          ip4.set(ip.split('.').map(Number), 12);
          ip4.set([224, 0, 0, 18], 16);
          ip4.set(message, 20);
          other.rt.onDatagram(socketKeyOf(cfg.instances[0]!), { family: 4, bytes: ip4, hopLimit: undefined, source: ip, destination: '224.0.0.18' });
        }
      },
      setVips: (_i, present) => (node.vips = present),
      sendGarp: () => {},
      notifyInstance: (i, s, p) => node.notifies.push(`${i} ${s} ${p}`),
      notifyGroup: () => {},
      log: (level, text) => level === 'info' && node.logs.push(text),
    };
    node.rt = new VrrpRuntime(ports, cfg.instances, cfg.syncGroups, () => ({ primaryAddress: ip }));
    this.nodes.push(node);
    return node;
  }

  runUntil(us: number): void {
    for (;;) {
      const next = Math.min(...this.nodes.map((n) => n.wake ?? Infinity));
      if (next > us) break;
      this.nowUs = Math.max(this.nowUs, next);
      for (const n of this.nodes) if (n.wake !== undefined && n.wake <= this.nowUs) n.rt.onTimer();
    }
    this.nowUs = us;
  }
}

test('runtime: the higher priority becomes MASTER, holds the VIP, the other stays BACKUP', () => {
  const w = new Wire();
  const a = w.add(150, '10.0.0.1');
  const b = w.add(100, '10.0.0.2');
  a.rt.start();
  b.rt.start();
  w.runUntil(10_000_000);
  assert.equal(a.rt.stateOf('VI_1')?.state, 'MASTER');
  assert.equal(b.rt.stateOf('VI_1')?.state, 'BACKUP');
  assert.equal(a.vips, true);
  assert.equal(b.vips, false);
  assert.ok(a.logs.includes('(VI_1) Entering MASTER STATE'));
  assert.deepEqual(a.notifies, ['VI_1 BACKUP 150', 'VI_1 MASTER 150']);
  assert.ok((b.rt.counters('VI_1')?.advertsReceived ?? 0) >= 5);
});

test('runtime: shutdown of the master sends priority 0 and the backup takes over after Skew_Time', () => {
  const w = new Wire();
  const a = w.add(150, '10.0.0.1');
  const b = w.add(100, '10.0.0.2');
  a.rt.start();
  b.rt.start();
  w.runUntil(10_000_000);
  a.rt.shutdown();
  assert.equal(a.vips, false);
  assert.equal(b.rt.counters('VI_1')?.priorityZeroReceived, 1);
  // Skew_Time at priority 100 = (256 - 100) / 256 s = 609,375 µs.
  w.runUntil(10_000_000 + 609_375);
  assert.equal(b.rt.stateOf('VI_1')?.state, 'MASTER');
});

test('runtime: a wrong password is dropped with keepalived\'s line and counted; both become MASTER', () => {
  const w = new Wire();
  const a = w.add(150, '10.0.0.1', 'secret');
  const b = w.add(100, '10.0.0.2', 'other');
  a.rt.start();
  b.rt.start();
  w.runUntil(10_000_000);
  assert.ok(b.logs.includes('(VI_1) received an invalid passwd!'));
  assert.ok((b.rt.counters('VI_1')?.drops.get('auth_failure') ?? 0) > 0);
  assert.equal(b.rt.stateOf('VI_1')?.state, 'MASTER');
});

test('runtime: a tracked interface going down faults the master; the backup takes over', () => {
  const w = new Wire();
  const a = w.add(150, '10.0.0.1');
  const b = w.add(100, '10.0.0.2');
  a.rt.start();
  b.rt.start();
  w.runUntil(10_000_000);
  assert.deepEqual(a.rt.trackedObjects(), [{ kind: 'interface', name: 'eth0' }]);
  a.rt.setTrackStatus('interface', 'eth0', { kind: 'interface', isUp: false });
  assert.equal(a.rt.stateOf('VI_1')?.state, 'FAULT');
  assert.equal(a.vips, false);
  w.runUntil(12_000_000);
  assert.equal(b.rt.stateOf('VI_1')?.state, 'MASTER');
  a.rt.setTrackStatus('interface', 'eth0', { kind: 'interface', isUp: true });
  w.runUntil(20_000_000);
  assert.equal(a.rt.stateOf('VI_1')?.state, 'MASTER', 'preempts back');
});

test('runtime: a sync group moves its members together (one member faulted → the group goes FAULT, group notify)', () => {
  const cfg = vrrpConfig(`
vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  virtual_ipaddress { 10.0.0.100/24 }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority 150
  track_interface { eth1 }
  virtual_ipaddress { 10.0.0.101/24 }
}`);
  let now = 0;
  let wake: number | undefined;
  const groupNotifies: string[] = [];
  const vips = new Map<string, boolean>();
  const rt = new VrrpRuntime(
    {
      nowUs: () => now,
      wakeAt: (at) => (wake = at),
      sendAdvert: () => {},
      setVips: (i, p) => vips.set(i, p),
      sendGarp: () => {},
      notifyInstance: () => {},
      notifyGroup: (g, s) => groupNotifies.push(`${g} ${s}`),
      log: () => {},
    },
    cfg.instances,
    cfg.syncGroups,
    () => ({ primaryAddress: '10.0.0.1' }),
  );
  rt.start();
  for (let i = 0; i < 10 && wake !== undefined && wake < 20_000_000; i++) {
    now = wake;
    rt.onTimer();
  }
  assert.equal(rt.stateOf('VI_1')?.state, 'MASTER');
  assert.equal(rt.stateOf('VI_2')?.state, 'MASTER');
  rt.setTrackStatus('interface', 'eth1', { kind: 'interface', isUp: false });
  assert.equal(rt.stateOf('VI_1')?.state, 'FAULT');
  assert.equal(rt.stateOf('VI_2')?.state, 'FAULT');
  assert.deepEqual(groupNotifies, ['G BACKUP', 'G MASTER', 'G FAULT']);
  assert.equal(vips.get('VI_1'), false);
  assert.equal(vips.get('VI_2'), false);
});

test('runtime reload: an unchanged master keeps its state and VIPs (no transition, no notify); a removed one sends priority 0 and reports DELETED; a new one starts', () => {
  const two = (p1: number) => vrrpConfig(`
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${p1}
  virtual_ipaddress { 10.0.0.100/24 }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority 150
  virtual_ipaddress { 10.0.0.101/24 }
}`);
  const cfg = two(150);
  let now = 0;
  let wake: number | undefined;
  const events: string[] = [];
  const sent: number[] = [];
  const rt = new VrrpRuntime(
    {
      nowUs: () => now,
      wakeAt: (at) => (wake = at),
      sendAdvert: (_i, msg) => sent.push(msg[2] ?? -1),
      setVips: (i, p) => events.push(`vips ${i} ${p}`),
      sendGarp: () => {},
      notifyInstance: (i, s) => events.push(`notify ${i} ${s}`),
      notifyGroup: () => {},
      log: () => {},
      onTransition: (i, f, t) => events.push(`transition ${i} ${f}->${t}`),
    },
    cfg.instances,
    cfg.syncGroups,
    () => ({ primaryAddress: '10.0.0.1' }),
  );
  rt.start();
  for (let i = 0; i < 10 && wake !== undefined && wake < 5_000_000; i++) {
    now = wake;
    rt.onTimer();
  }
  assert.equal(rt.stateOf('VI_1')?.state, 'MASTER');
  assert.equal(rt.stateOf('VI_2')?.state, 'MASTER');
  events.length = 0;
  sent.length = 0;

  // VI_1's priority changes, VI_2 goes, VI_3 arrives.
  const next = vrrpConfig(`
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 200
  virtual_ipaddress { 10.0.0.100/24 }
}
vrrp_instance VI_3 {
  state BACKUP
  interface eth0
  virtual_router_id 53
  priority 100
  virtual_ipaddress { 10.0.0.103/24 }
}`);
  const summary = rt.reload(next.instances, next.syncGroups, () => ({ primaryAddress: '10.0.0.1' }));
  assert.deepEqual(summary, { kept: ['VI_1'], added: ['VI_3'], removed: ['VI_2'] });
  assert.equal(rt.stateOf('VI_1')?.state, 'MASTER', 'VI_1 stays MASTER');
  assert.equal(rt.stateOf('VI_1')?.params.basePriority, 200);
  assert.equal(rt.stateOf('VI_2'), undefined);
  assert.equal(rt.stateOf('VI_3')?.state, 'BACKUP');
  assert.ok(!events.some((e) => e.startsWith('transition VI_1')), 'no transition for VI_1');
  assert.ok(!events.some((e) => e.startsWith('notify VI_1')), 'no notify for VI_1');
  assert.ok(events.includes('vips VI_2 false'));
  assert.ok(events.includes('notify VI_2 DELETED'));
  assert.ok(sent.includes(0), 'VI_2 sent priority 0');
});
