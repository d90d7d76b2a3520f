import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DesiredDataPlane, DesiredDestination, DesiredService, ServiceKey } from '../../../src/lvs/desired.js';
import { applyChanges, canonicalPlane, reconcile, type ObservedDataPlane } from '../../../src/lvs/reconcile.js';

const addr4 = fc.integer({ min: 1, max: 6 }).map((n) => `10.0.0.${n}`);
const key: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({
    kind: fc.constant('address' as const), family: fc.constant(4 as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const), address: addr4, port: fc.constantFrom(80, 443),
  }),
  fc.record({ kind: fc.constant('fwmark' as const), family: fc.constant(4 as const), fwmark: fc.integer({ min: 1, max: 3 }) }),
);
const dest: fc.Arbitrary<DesiredDestination> = fc.record({
  family: fc.constant(4 as const), address: addr4, port: fc.constantFrom(80, 8080),
  weight: fc.integer({ min: 0, max: 5 }), forwarding: fc.constantFrom('NAT' as const, 'DR' as const, 'TUN' as const),
});
const service: fc.Arbitrary<DesiredService> = fc.record({
  key, scheduler: fc.constantFrom('rr', 'wrr', 'sh'), persistenceTimeoutS: fc.constantFrom(0, 300),
  destinations: fc.array(dest, { maxLength: 5 }),
});
const plane: fc.Arbitrary<DesiredDataPlane> = fc.record({ services: fc.array(service, { maxLength: 5 }) });
const observed: fc.Arbitrary<ObservedDataPlane> = fc.record({
  services: fc.array(fc.record({ key, scheduler: fc.constantFrom('rr', 'wlc'), persistenceTimeoutS: fc.constantFrom(0, 60),
    destinations: fc.array(dest, { maxLength: 5 }), damaged: fc.boolean() }), { maxLength: 5 }),
  strays: fc.array(fc.constantFrom('chain ip junk', 'rule ip services', 'set ip x'), { maxLength: 3 }),
});

test('reconcile: applying the changes to observed yields desired (property)', () => {
  fc.assert(
    fc.property(plane, observed, (d, o) => {
      const after = applyChanges(o, reconcile(d, o));
      assert.deepEqual(canonicalPlane(after), canonicalPlane(d));
    }),
    { numRuns: 500 },
  );
});

test('reconcile(d, d) = [] (property)', () => {
  fc.assert(fc.property(plane, (d) => assert.deepEqual(reconcile(d, d), [])), { numRuns: 300 });
});

test('reconcile: minimal — one weight change is one update, nothing else', () => {
  fc.assert(
    fc.property(plane, fc.nat(), (d, n) => {
      const withDest = d.services.filter((s) => s.destinations.length > 0);
      if (withDest.length === 0) return;
      const s = withDest[n % withDest.length] as DesiredService;
      // Only the first occurrence of a key counts (duplicates are dropped).
      if (d.services.find((x) => JSON.stringify(x.key) === JSON.stringify(s.key)) !== s) return;
      const first = s.destinations[0] as DesiredDestination;
      if (s.destinations.findIndex((x) => x.address === first.address && x.port === first.port) !== 0) return;
      const changed: DesiredDataPlane = {
        services: d.services.map((x) => (x === s ? { ...x, destinations: [{ ...first, weight: first.weight + 1 }, ...x.destinations.slice(1)] } : x)),
      };
      const c = reconcile(changed, d);
      assert.equal(c.length, 1);
      assert.equal(c[0]?.kind, 'update_destination');
    }),
    { numRuns: 200 },
  );
});

test('reconcile: ordered deletes before adds; service adds before their destinations', () => {
  const k: ServiceKey = { kind: 'address', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 };
  const k2: ServiceKey = { kind: 'fwmark', family: 4, fwmark: 1 };
  const d1: DesiredDestination = { family: 4, address: '10.0.0.2', port: 80, weight: 1, forwarding: 'NAT' };
  const c = reconcile(
    { services: [{ key: k, scheduler: 'wrr', persistenceTimeoutS: 0, destinations: [d1] }] },
    { services: [{ key: k2, scheduler: 'rr', persistenceTimeoutS: 0, destinations: [] }], strays: ['chain ip x'] },
  );
  assert.deepEqual(c.map((x) => x.kind), ['remove_stray', 'delete_service', 'add_service', 'add_destination']);
  const damaged = reconcile(
    { services: [{ key: k, scheduler: 'wrr', persistenceTimeoutS: 0, destinations: [d1] }] },
    { services: [{ key: k, scheduler: 'wrr', persistenceTimeoutS: 0, destinations: [d1], damaged: true }] },
  );
  assert.deepEqual(damaged, [{ kind: 'repair_service', key: k }]);
});
