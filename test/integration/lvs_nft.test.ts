/**
 * The nftables backend against a real kernel, in a lab: `lb` holds the virtual address
 * 10.170.1.100 and forwards (NAT); `rs1`/`rs2` run a tiny HTTP server answering their
 * name and route the client back via the LB; `c` makes one TCP connection per request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { NftBackend } from '../../src/lvs/nft.js';
import type { DesiredDataPlane, DesiredService } from '../../src/lvs/desired.js';
import { reconcile } from '../../src/lvs/reconcile.js';

const NET = 170;
const VIP = `10.${NET}.1.100`;

const SERVER = (name: string) =>
  `require('http').createServer((q,s)=>{s.setHeader('connection','close');s.end(${JSON.stringify(name)})}).listen(80,()=>console.log('ready'))`;
const CLIENT = (n: number) => `
const http=require('http');const counts={};
(async()=>{for(let i=0;i<${n};i++){const body=await new Promise((res)=>{const r=http.get({host:'${VIP}',port:80,agent:false,timeout:2000},(m)=>{let b='';m.on('data',(d)=>b+=d);m.on('end',()=>res(b))});r.on('error',(e)=>res('error:'+e.code));r.on('timeout',()=>{r.destroy();res('timeout')})});counts[body]=(counts[body]||0)+1;}
console.log(JSON.stringify(counts));})();`;

test('nftables backend: wrr spreads by weight, weight 0 and removal stop new connections, external edits are repaired', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  const lab = Lab.create({ tag: 'nft', hosts: ['lb', 'rs1', 'rs2', 'c'], net: NET });
  try {
    const lb = lab.host('lb');
    lab.exec('lb', ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'eth0']);
    for (const k of ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']) {
      lab.exec('lb', ['sysctl', '-qw', k]);
    }
    const c = lab.host('c');
    lab.exec('c', ['ip', 'route', 'add', `${VIP}/32`, 'via', lb.ipv4]);
    const ready: Promise<void>[] = [];
    for (const rs of ['rs1', 'rs2']) {
      // NAT return traffic: the client is on-link, so a host route sends it via the LB.
      lab.exec(rs, ['ip', 'route', 'add', `${c.ipv4}/32`, 'via', lb.ipv4]);
      lab.exec(rs, ['ip', 'route', 'add', 'default', 'via', lb.ipv4]);
      const child = lab.spawn(rs, ['node', '-e', SERVER(rs)]);
      ready.push(new Promise((resolve, reject) => {
        child.stdout?.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`${rs} server exited ${code}`)));
      }));
    }
    await Promise.all(ready);
    const requests = (n: number) => JSON.parse(lab.exec('c', ['node', '-e', CLIENT(n)])) as Record<string, number>;

    const backend = new NftBackend({ nft: ['ip', 'netns', 'exec', lb.ns, 'nft'] });
    const rs = (name: 'rs1' | 'rs2', weight: number) => ({ family: 4 as const, address: lab.host(name).ipv4, port: 80, weight, forwarding: 'NAT' as const });
    const svc = (dests: DesiredService['destinations']): DesiredDataPlane => ({
      services: [{ key: { kind: 'address', family: 4, protocol: 'tcp', address: VIP, port: 80 }, scheduler: 'wrr', persistenceTimeoutS: 0, destinations: dests }],
    });
    const converge = async (desired: DesiredDataPlane) => {
      const changes = reconcile(desired, await backend.observe());
      const r = await backend.apply(changes, desired);
      assert.deepEqual(r.errors, [], backend.lastScript);
      assert.deepEqual(reconcile(desired, await backend.observe()), [], 'converged after one apply');
      return changes;
    };

    // wrr 3:1 — numgen inc is a counter, so 40 connections split exactly 30/10.
    await converge(svc([rs('rs1', 3), rs('rs2', 1)]));
    assert.deepEqual(requests(40), { rs1: 30, rs2: 10 });

    // weight 0: no new connections.
    const w0 = await converge(svc([rs('rs1', 3), rs('rs2', 0)]));
    assert.deepEqual(w0.map((x) => x.kind), ['update_destination']);
    assert.deepEqual(requests(10), { rs1: 10 });

    // removing a destination stops traffic to it.
    const rm = await converge(svc([rs('rs2', 1)]));
    assert.deepEqual(rm.map((x) => x.kind).sort(), ['delete_destination', 'update_destination']);
    assert.deepEqual(requests(6), { rs2: 6 });

    // Someone deletes our DNAT rule: traffic breaks, the next reconcile repairs it.
    const chain = `d_tcp_10_${NET}_1_100_80__10_${NET}_0_3_80`;
    const listed = JSON.parse(lab.exec('lb', ['nft', '-j', '-a', 'list', 'chain', 'ip', 'keepalived_ts', chain])) as {
      nftables: { rule?: { handle: number; expr: unknown } }[];
    };
    const dnat = listed.nftables.find((x) => x.rule !== undefined && JSON.stringify(x.rule.expr).includes('dnat'));
    assert.ok(dnat?.rule);
    lab.exec('lb', ['nft', 'delete', 'rule', 'ip', 'keepalived_ts', chain, 'handle', String(dnat.rule.handle)]);
    const broken = requests(1);
    assert.equal(broken['rs2'], undefined);
    const repair = await converge(svc([rs('rs2', 1)]));
    assert.deepEqual(repair.map((x) => x.kind), ['repair_service']);
    assert.deepEqual(requests(3), { rs2: 3 });

    // A foreign rule in our dispatch chain goes too.
    lab.exec('lb', ['nft', 'insert', 'rule', 'ip', 'keepalived_ts', 'services', 'tcp', 'dport', '80', 'drop']);
    const stray = await converge(svc([rs('rs2', 1)]));
    assert.deepEqual(stray.map((x) => x.kind), ['remove_stray']);
    assert.deepEqual(requests(2), { rs2: 2 });

    await backend.clear();
    assert.doesNotMatch(lab.exec('lb', ['nft', 'list', 'tables']), /keepalived_ts/);
  } finally {
    await lab.destroy();
  }
});
