import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import type { IpAddressEntry, RouteEntry } from '../../../src/config/model/vrrp.js';
import {
  IFA_F_HOMEADDRESS,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  INFINITY_LIFE_TIME,
  NLM_F_ACK,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTN_BLACKHOLE,
  RTN_UNSPEC,
} from '../../../src/net/netlink/codec.js';
import { findOurAddress, netlinkErrorText, planAddress, planRoute } from '../../../src/net/vip_plan.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../../fakes/fake_host_facts.js';

const FILE = '/etc/keepalived/keepalived.conf';

/** Entries as the real config parser produces them from keepalived syntax. */
function parsed(vips: readonly string[], routes: readonly string[] = []): { vips: IpAddressEntry[]; routes: RouteEntry[] } {
  const text = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n' +
    ` virtual_ipaddress {\n${vips.join('\n')}\n }\n` +
    (routes.length > 0 ? ` virtual_routes {\n${routes.join('\n')}\n }\n` : '') + '}\n';
  const env = { host: createFakeHostFacts({ interfaces: ['lo', 'eth0', 'eth1'] }), random: new SeededRandom(1), configId: 'vm', env: {} };
  const r = parseConfig(FILE, new MemoryFileSource({ [FILE]: text }), env);
  const vi = r.config?.vrrp.instances[0];
  assert.ok(vi, r.diagnostics.map((d) => d.message).join(' | '));
  return { vips: [...vi.virtualIpAddresses], routes: [...vi.virtualRoutes] };
}

function vip(line: string): IpAddressEntry {
  const e = parsed([line]).vips[0];
  assert.ok(e);
  return e;
}

const ip4 = (t: string) => Uint8Array.from(t.split('.').map(Number));

test('IPv4 VIP with brd and label: IFA_LOCAL + IFA_BROADCAST + IFA_LABEL, no IFA_ADDRESS, no flags', () => {
  const p = planAddress(vip('10.0.0.100/24 brd 10.0.0.255 dev eth0 label eth0:1'), 3);
  assert.equal(p.text, '10.0.0.100/24');
  assert.deepEqual(p.add, {
    family: 4, ifindex: 3, prefixLength: 24, scope: 0,
    local: ip4('10.0.0.100'), address: undefined, broadcast: ip4('10.0.0.255'), label: 'eth0:1',
    flags: undefined, lifetimes: undefined,
  });
  // keepalived deletes with IFA_LOCAL + IFA_ADDRESS (= local) and the same prefix/scope.
  assert.deepEqual(p.delete, {
    family: 4, ifindex: 3, prefixLength: 24, scope: 0, local: ip4('10.0.0.100'), address: ip4('10.0.0.100'),
  });
});

test('`brd +` is derived by the config model and sent; scope is carried', () => {
  const p = planAddress(vip('192.168.1.10/24 brd + scope link'), 2);
  assert.deepEqual(p.add.broadcast, ip4('192.168.1.255'));
  assert.equal(p.add.scope, 253);
  assert.equal(p.text, '192.168.1.10/24');
  assert.equal(planAddress(vip('192.168.1.10'), 2).text, '192.168.1.10');
});

test('IPv6 /128 VIP: IFA_F_NODAD and preferred_lft 0 (deprecated), valid forever (keepalived default)', () => {
  const p = planAddress(vip('fd00::100'), 4);
  assert.equal(p.add.flags, IFA_F_NODAD);
  assert.deepEqual(p.add.lifetimes, { preferredS: 0, validS: INFINITY_LIFE_TIME });
  assert.equal(p.delete.address, undefined);
  assert.equal(p.text, 'fd00::100');
});

test('IPv6 /64 VIP: preferred forever, so no IFA_CACHEINFO; explicit preferred_lft is honoured', () => {
  assert.equal(planAddress(vip('fd00::100/64'), 4).add.lifetimes, undefined);
  assert.deepEqual(planAddress(vip('fd00::100/64 preferred_lft 30'), 4).add.lifetimes, { preferredS: 30, validS: INFINITY_LIFE_TIME });
  assert.equal(planAddress(vip('fd00::100 preferred_lft forever'), 4).add.lifetimes, undefined);
});

test('`-nodad` means "do not add nodad" in keepalived (flagmask without flags)', () => {
  assert.equal(planAddress(vip('fd00::100/64 -nodad'), 4).add.flags, undefined);
  assert.equal(planAddress(vip('fd00::100/64 -nodad noprefixroute'), 4).add.flags, IFA_F_NOPREFIXROUTE);
  assert.equal(planAddress(vip('fd00::100/64 home'), 4).add.flags, IFA_F_NODAD | IFA_F_HOMEADDRESS);
});

test('peer: IFA_ADDRESS = peer on add, and on delete (we remove exactly what we added)', () => {
  const p = planAddress(vip('10.0.0.100 peer 10.0.0.200'), 3);
  assert.deepEqual(p.add.address, ip4('10.0.0.200'));
  assert.deepEqual(p.delete.address, ip4('10.0.0.200'));
});

test('findOurAddress() matches family + ifindex + address, not prefix; no_track is reported', () => {
  const plans = [planAddress(vip('10.0.0.100/24'), 3), planAddress(vip('fd00::100 no_track'), 3)];
  const ev = { family: 4 as const, index: 3, local: '10.0.0.100', address: '10.0.0.100' };
  assert.equal(findOurAddress(ev, plans)?.text, '10.0.0.100/24');
  assert.equal(findOurAddress({ ...ev, index: 4 }, plans), undefined);
  assert.equal(findOurAddress({ ...ev, local: '10.0.0.101' }, plans), undefined);
  const v6 = findOurAddress({ family: 6, index: 3, local: undefined, address: 'fd00::100' }, plans);
  assert.equal(v6?.isTracked, false);
});

test('planRoute(): table > 255, metric, src, dev; add CREATE (prepend), delete scope nowhere', () => {
  const { routes } = parsed(['10.0.0.100/32'], ['192.168.50.0/24 via 10.0.0.1 dev eth0 src 10.0.0.100 table 1000 metric 7']);
  const r = routes[0];
  assert.ok(r);
  const p = planRoute(r, (name) => (name === 'eth0' ? 3 : 0));
  assert.ok(p.ok);
  assert.equal(p.addFlags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
  assert.equal(p.add.table, 1000);
  assert.equal(p.add.priority, 7);
  assert.equal(p.add.oif, 3);
  assert.deepEqual(p.add.prefsrc, ip4('10.0.0.100'));
  assert.deepEqual(p.add.gateway, ip4('10.0.0.1'));
  assert.equal(p.add.protocol, 18);
  assert.equal(p.add.scope, 0);
  assert.equal(p.delete.scope, 255);
  assert.equal(p.delete.type, RTN_UNSPEC);
});

test('planRoute(): blackhole keeps its type on delete; `add` sets EXCL, `append` APPEND', () => {
  const { routes } = parsed(['10.0.0.100/32'], ['blackhole 198.51.100.0/24', '192.168.7.0/24 dev eth0 add', '192.168.8.0/24 dev eth0 append']);
  const [bh, add, app] = routes.map((r) => planRoute(r, () => 3));
  assert.ok(bh?.ok && add?.ok && app?.ok);
  assert.equal(bh.add.type, RTN_BLACKHOLE);
  assert.equal(bh.delete.type, RTN_BLACKHOLE);
  assert.equal(add.addFlags & NLM_F_EXCL, NLM_F_EXCL);
  assert.equal(app.addFlags & NLM_F_APPEND, NLM_F_APPEND);
});

test('planRoute(): a missing dev is no_interface', () => {
  const { routes } = parsed(['10.0.0.100/32'], ['192.168.7.0/24 dev eth1']);
  const r = routes[0];
  assert.ok(r);
  const p = planRoute(r, () => 0);
  assert.deepEqual(p, { ok: false, reason: 'no_interface', detail: 'eth1' });
});

test('netlinkErrorText() is keepalived\'s netlink_parse_info() line', () => {
  assert.equal(
    netlinkErrorText(1, { type: 20, seq: 5 }),
    'Netlink: error: Operation not permitted(1), type=RTM_NEWADDR(20), seq=5, pid=0',
  );
  assert.equal(netlinkErrorText(3, { type: 25, seq: 9 }), 'Netlink: error: No such process(3), type=RTM_DELROUTE(25), seq=9, pid=0');
});
