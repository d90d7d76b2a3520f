import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DesiredDataPlane, DesiredDestination, DesiredService } from '../../../src/lvs/desired.js';
import {
  EMPTY_STATE, expectedListing, parseNftListing, planNftApply, schedulerPlan, slotsFor, type NftState,
} from '../../../src/lvs/nft_ruleset.js';
import { reconcile } from '../../../src/lvs/reconcile.js';

const d = (a: string, weight: number, forwarding: DesiredDestination['forwarding'] = 'NAT'): DesiredDestination => ({
  family: 4, address: a, port: 80, weight, forwarding,
});
const web: DesiredService = {
  key: { kind: 'address', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 },
  scheduler: 'wrr', persistenceTimeoutS: 0,
  destinations: [d('10.0.0.2', 3), d('10.0.0.3', 1), d('10.0.0.4', 0), d('10.0.0.5', 1, 'DR')],
};

test('slots: wrr by weight (gcd-reduced), weight 0 and DR get none; rr one each; fo the heaviest', () => {
  assert.deepEqual(slotsFor(web).slots.map((s) => [s.lo, s.hi, s.destination.address]), [[0, 2, '10.0.0.2'], [3, 3, '10.0.0.3']]);
  assert.equal(slotsFor({ ...web, destinations: [d('10.0.0.2', 20), d('10.0.0.3', 10)] }).total, 3);
  assert.deepEqual(slotsFor({ ...web, scheduler: 'rr' }).slots.map((s) => [s.lo, s.hi]), [[0, 0], [1, 1]]);
  assert.deepEqual(slotsFor({ ...web, scheduler: 'fo' }).slots.map((s) => s.destination.address), ['10.0.0.2']);
  assert.equal(slotsFor({ ...web, destinations: [d('10.0.0.4', 0)] }).total, 0);
  assert.equal(schedulerPlan('wlc').mapping, 'approximate');
  assert.equal(schedulerPlan('sh').selector, 'jhash_saddr');
});

test('render: one script with the table, the dispatch rule and the weighted vmap', () => {
  const desired: DesiredDataPlane = { services: [web] };
  const plan = planNftApply(EMPTY_STATE, reconcile(desired, { services: [] }), desired);
  const s = plan.script;
  assert.match(s, /^add table ip keepalived_ts$/m);
  assert.match(s, /add chain ip keepalived_ts prerouting \{ type nat hook prerouting priority dstnat; policy accept; \}/);
  assert.match(s, /add rule ip keepalived_ts services ip daddr 10\.0\.0\.1 tcp dport 80 jump s_tcp_10_0_0_1_80 comment "kats svc tcp 10\.0\.0\.1 80 wrr 0"/);
  assert.match(s, /numgen inc mod 4 vmap \{ 0-2 : goto d_tcp_10_0_0_1_80__10_0_0_2_80, 3 : goto d_tcp_10_0_0_1_80__10_0_0_3_80 \}/);
  assert.match(s, /d_tcp_10_0_0_1_80__10_0_0_4_80 meta l4proto tcp dnat ip to 10\.0\.0\.4:80/);
  assert.doesNotMatch(s, /dnat ip to 10\.0\.0\.5/);
  assert.ok(plan.warnings.some((w) => /DR/.test(w)));
  assert.doesNotMatch(s, /flush chain ip keepalived_ts s_/); // nothing existed: nothing to flush
});

test('render: sh uses a fixed-seed jhash; persistence adds a timeout map, lookup and record', () => {
  const sh: DesiredService = { ...web, scheduler: 'sh', persistenceTimeoutS: 300, destinations: [d('10.0.0.2', 1), d('10.0.0.3', 1)] };
  const plan = planNftApply(EMPTY_STATE, reconcile({ services: [sh] }, { services: [] }), { services: [sh] });
  assert.match(plan.script, /jhash ip saddr mod 2 seed 0x4b415453 vmap/);
  assert.match(plan.script, /add map ip keepalived_ts p_tcp_10_0_0_1_80 \{ type ipv4_addr : ipv4_addr \. inet_service; flags timeout; timeout 300s; \}/);
  assert.match(plan.script, /meta l4proto tcp dnat ip addr \. port to ip saddr map @p_tcp_10_0_0_1_80/);
  assert.match(plan.script, /update @p_tcp_10_0_0_1_80 \{ ip saddr : 10\.0\.0\.2 \. 80 \}/);
});

test('render: a touched existing service is flushed and refilled; removed destinations deleted; persistence flushed', () => {
  const state: NftState = {
    ip: {
      exists: true,
      chains: new Set(['prerouting', 'output', 'services', 's_tcp_10_0_0_1_80', 'd_tcp_10_0_0_1_80__10_0_0_2_80', 'd_tcp_10_0_0_1_80__10_0_0_9_80']),
      maps: new Map([['p_tcp_10_0_0_1_80', 300]]),
    },
    ip6: EMPTY_STATE.ip6,
  };
  const svc: DesiredService = { ...web, persistenceTimeoutS: 300, destinations: [d('10.0.0.2', 1)] };
  const plan = planNftApply(state, [{ kind: 'delete_destination', service: web.key, destination: { family: 4, address: '10.0.0.9', port: 80 } }], { services: [svc] });
  const lines = plan.script.trim().split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(at(/^flush chain ip keepalived_ts s_tcp/) >= 0);
  assert.ok(at(/^flush map ip keepalived_ts p_tcp/) >= 0);
  assert.ok(at(/^delete chain ip keepalived_ts d_tcp_10_0_0_1_80__10_0_0_9_80$/) > at(/^flush chain ip keepalived_ts s_tcp/));
  assert.ok(at(/^add rule ip keepalived_ts services /) > at(/^add chain ip keepalived_ts s_tcp/));
  assert.equal(planNftApply(state, [], { services: [svc] }).script, '');
});

/** A listing as `nft -j list table` prints it, built from the expected forms. */
function listing(s: DesiredService, comment = true): unknown {
  const exp = expectedListing(s);
  const items: unknown[] = [{ table: { family: 'ip', name: 'keepalived_ts' } }];
  const chain = (name: string, extra: object = {}) => items.push({ chain: { family: 'ip', table: 'keepalived_ts', name, ...extra } });
  chain('prerouting', { type: 'nat', hook: 'prerouting', prio: -100 });
  chain('output', { type: 'nat', hook: 'output', prio: -100 });
  chain('services');
  const rule = (c: string, expr: string, cm?: string) =>
    items.push({ rule: { chain: c, expr: JSON.parse(expr) as unknown, ...(cm === undefined ? {} : { comment: cm }) } });
  rule('prerouting', '[{"jump":{"target":"services"}}]');
  rule('output', '[{"jump":{"target":"services"}}]');
  rule('services', exp.dispatch, comment ? `kats svc tcp 10.0.0.1 80 ${s.scheduler} ${s.persistenceTimeoutS}` : undefined);
  for (const [c, rules] of exp.chains) {
    chain(c);
    rules.forEach((r, i) => {
      const dd = s.destinations.find((x) => c.endsWith(`${x.address.replace(/\./g, '_')}_${x.port}`));
      rule(c, r, i === 0 && dd ? `kats dst ${dd.address} ${dd.port} ${dd.weight} ${dd.forwarding}` : undefined);
    });
  }
  return { nftables: items };
}

test('read back: an intact table is observed exactly (reconcile → [])', () => {
  const { observed } = parseNftListing({ ip: listing(web), ip6: undefined });
  assert.deepEqual(reconcile({ services: [web] }, observed), []);
});

test('read back: a deleted or edited rule marks the service damaged; a foreign rule is a stray', () => {
  const doc = listing(web) as { nftables: { rule?: { chain: string; expr: unknown } }[] };
  const i = doc.nftables.findIndex((x) => x.rule?.chain === 'd_tcp_10_0_0_1_80__10_0_0_2_80' && JSON.stringify(x.rule.expr).includes('dnat'));
  doc.nftables.splice(i, 1);
  doc.nftables.push({ rule: { chain: 'services', expr: [{ drop: null }] } });
  doc.nftables.push({ chain: { name: 'junk' } } as never);
  const { observed } = parseNftListing({ ip: doc, ip6: undefined });
  const c = reconcile({ services: [web] }, observed);
  assert.deepEqual(c.map((x) => x.kind).sort(), ['remove_stray', 'remove_stray', 'repair_service']);
});
