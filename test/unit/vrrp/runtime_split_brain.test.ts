/**
 * The runtime's split-brain parts on a simulated wire: adverts on every heartbeat path,
 * path health, the takeover gate through ports.requestTakeover, arbiter isolation → FAULT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import type { VrrpConfig } from '../../../src/config/model/vrrp.js';
import { VrrpRuntime, socketSpecsFor, type VrrpPorts } from '../../../src/vrrp/runtime.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../../fakes/fake_host_facts.js';

function vrrpConfig(text: string): VrrpConfig {
  const path = '/etc/keepalived/keepalived.conf';
  const host = createFakeHostFacts({ interfaces: ['lo', { name: 'eth0', addresses: ['10.0.0.1'] }, { name: 'hb0', addresses: ['10.9.0.1'] }] });
  const r = parseConfig(path, new MemoryFileSource({ [path]: text }), { host, random: new SeededRandom(1), configId: 'x', env: {} });
  assert.ok(r.config, JSON.stringify(r.diagnostics));
  return r.config.vrrp;
}

const conf = (priority: number, src: string, peer: string, extra = '') => `
vrrp_arbiter GW {
  reference 10.0.0.254
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority ${priority}
  advert_int 1
  version 3
  arbiter GW
  virtual_ipaddress { 10.0.0.100/24 }
  heartbeat_path {
    interface hb0
    unicast_src_ip ${src}
    unicast_peer { ${peer} }
  }
${extra}
}`;

interface Node {
  rt: VrrpRuntime;
  ip: string;
  wake: number | undefined;
  logs: string[];
  sentOn: Map<string, number>;
  asks: number;
}

class Wire {
  nowUs = 0;
  /** Socket keys that lose every datagram. */
  readonly cut = new Set<string>();
  readonly nodes: Node[] = [];

  add(priority: number, ip: string, src: string, peer: string, extra = ''): Node {
    const cfg = vrrpConfig(conf(priority, src, peer, extra));
    const node: Node = { rt: undefined as unknown as VrrpRuntime, ip, wake: undefined, logs: [], sentOn: new Map(), asks: 0 };
    const ports: VrrpPorts = {
      nowUs: () => this.nowUs,
      wakeAt: (at) => (node.wake = at),
      sendAdvert: (_i, message, destination, socketKey) => {
        node.sentOn.set(socketKey, (node.sentOn.get(socketKey) ?? 0) + 1);
        if (this.cut.has(socketKey)) return;
        const source = socketKey.startsWith('hb0') ? src : ip;
        for (const other of this.nodes) {
          if (other === node) continue;
          const ip4 = new Uint8Array(20 + message.length);
          ip4.set([0x45, 0, 0, ip4.length, 0, 0, 0, 0, 255, 112, 0, 0]);
          ip4.set(source.split('.').map(Number), 12);
          ip4.set(destination.split('.').map(Number), 16);
          ip4.set(message, 20);
          other.rt.onDatagram(socketKey, { family: 4, bytes: ip4, hopLimit: undefined, source, destination });
        }
      },
      setVips: () => {},
      sendGarp: () => {},
      notifyInstance: () => {},
      notifyGroup: () => {},
      log: (level, text) => level === 'info' && node.logs.push(text),
      requestTakeover: () => node.asks++,
    };
    node.rt = new VrrpRuntime(ports, cfg.instances, cfg.syncGroups, () => ({ primaryAddress: ip, pathSources: [src] }));
    this.nodes.push(node);
    return node;
  }

  runUntil(us: number, onAsk?: (n: Node) => void): void {
    for (;;) {
      const next = Math.min(...this.nodes.map((n) => n.wake ?? Infinity));
      if (next > us) break;
      this.nowUs = Math.max(this.nowUs, next);
      for (const n of this.nodes) {
        if (n.wake === undefined || n.wake > this.nowUs) continue;
        const before = n.asks;
        n.rt.onTimer();
        if (n.asks > before) onAsk?.(n);
      }
    }
    this.nowUs = us;
  }
}

const grantAll = (n: Node): void => n.rt.takeoverVerdict('VI_1', true, 'test grant');

test('socketSpecsFor lists the instance socket and each heartbeat path once', () => {
  const cfg = vrrpConfig(conf(100, '10.9.0.1', '10.9.0.2'));
  assert.deepEqual(
    socketSpecsFor(cfg.instances).map((s) => [s.key, s.isUnicast, s.sourceAddress]),
    [
      ['eth0/4/multicast', false, undefined],
      ['hb0/4/unicast', true, '10.9.0.1'],
    ],
  );
});

test('adverts go out on every path; with eth0 cut the backup stays BACKUP and reports the dead path', () => {
  const w = new Wire();
  const a = w.add(150, '10.0.0.1', '10.9.0.1', '10.9.0.2');
  const b = w.add(100, '10.0.0.2', '10.9.0.2', '10.9.0.1');
  a.rt.start();
  b.rt.start();
  w.runUntil(10_000_000, grantAll);
  assert.equal(a.rt.stateOf('VI_1')?.state, 'MASTER');
  assert.ok((a.sentOn.get('eth0/4/multicast') ?? 0) >= 5);
  assert.equal(a.sentOn.get('hb0/4/unicast'), a.sentOn.get('eth0/4/multicast'));
  w.cut.add('eth0/4/multicast');
  w.runUntil(30_000_000, grantAll);
  assert.equal(b.rt.stateOf('VI_1')?.state, 'BACKUP', 'the other path keeps the backup quiet');
  assert.ok(b.logs.some((l) => /^\(VI_1\) heartbeat path eth0 multicast 224\.0\.0\.18 is DOWN: no advert for \d+ ms while hb0 unicast 10\.9\.0\.1 delivers$/.test(l)), b.logs.join('\n'));
  assert.deepEqual(b.rt.pathHealth('VI_1').map((p) => p.isUp), [false, true]);
  w.cut.clear();
  w.runUntil(32_000_000, grantAll);
  assert.ok(b.logs.includes('(VI_1) heartbeat path eth0 multicast 224.0.0.18 is UP again'));
  // Every path cut: the backup asks to take over (the instance has an arbiter).
  w.cut.add('eth0/4/multicast');
  w.cut.add('hb0/4/unicast');
  const asked = b.asks;
  w.runUntil(40_000_000, grantAll);
  assert.ok(b.asks > asked);
  assert.equal(b.rt.stateOf('VI_1')?.state, 'MASTER');
});

test('gate: a refused backup stays BACKUP and asks again each advert interval', () => {
  const w = new Wire();
  const b = w.add(100, '10.0.0.2', '10.9.0.2', '10.9.0.1');
  b.rt.start();
  w.runUntil(10_000_000, (n) => n.rt.takeoverVerdict('VI_1', false, 'held by lb1'));
  assert.equal(b.rt.stateOf('VI_1')?.state, 'BACKUP');
  // First ask after Master_Down_Interval (~3.6 s), then one per second.
  assert.ok(b.asks >= 6 && b.asks <= 8, `asked ${b.asks} times`);
  assert.equal(b.rt.counters('VI_1')?.takeoversRefused, b.asks);
  assert.equal(b.logs.filter((l) => l.includes('arbiter refused takeover: held by lb1')).length, 1);
});

test('arbiter isolation puts the instances using it in FAULT, and the master sends priority 0', () => {
  const w = new Wire();
  const a = w.add(150, '10.0.0.1', '10.9.0.1', '10.9.0.2');
  const b = w.add(100, '10.0.0.2', '10.9.0.2', '10.9.0.1');
  a.rt.start();
  b.rt.start();
  w.runUntil(10_000_000, grantAll);
  assert.equal(a.rt.stateOf('VI_1')?.state, 'MASTER');
  a.rt.setArbiterIsolation('GW', true);
  assert.equal(a.rt.stateOf('VI_1')?.state, 'FAULT');
  assert.equal(b.rt.counters('VI_1')?.priorityZeroReceived, 2, 'one priority 0 per path');
  w.runUntil(11_000_000, grantAll);
  assert.equal(b.rt.stateOf('VI_1')?.state, 'MASTER');
  a.rt.setArbiterIsolation('GW', false);
  assert.equal(a.rt.stateOf('VI_1')?.state, 'BACKUP');
});
