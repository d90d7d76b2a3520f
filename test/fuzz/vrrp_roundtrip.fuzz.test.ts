/**
 * Round trip for the VRRP/global domain: random valid global_defs + vrrp_instance settings
 * are printed as keepalived.conf text, parsed, and the model must hold exactly those
 * values (with keepalived's derived defaults) and no diagnostic that would fail `-t`.
 * Failures print fast-check's seed and path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/parse.js';
import { configTestExitCode } from '../../src/config/diagnostics.js';
import { MemoryFileSource, SeededRandom } from '../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../fakes/fake_host_facts.js';

interface GlobalSpec {
  readonly routerId: string;
  readonly version: 2 | 3;
  readonly garpDelayS: number;
  readonly garpRepeat: number;
  readonly mcast4: string;
  readonly beforeInstances: boolean;
}

interface InstanceSpec {
  readonly name: string;
  readonly iface: 'eth0' | 'eth1';
  readonly vrid: number;
  readonly state: 'MASTER' | 'BACKUP' | undefined;
  readonly priority: number | undefined;
  /** Seconds for v2, centiseconds for v3. */
  readonly advert: number;
  readonly vips: readonly string[];
  readonly nopreempt: boolean;
  readonly preemptDelayS: number;
  readonly garpDelayS: number | undefined;
  readonly peers: readonly string[];
  readonly trackWeight: number | undefined;
}

const octet = fc.integer({ min: 1, max: 254 });
const vip = fc.tuple(octet, octet).map(([a, b]) => `10.${a}.${b}.1`);

function instanceArb(index: number, version: 2 | 3): fc.Arbitrary<InstanceSpec> {
  return fc.record({
    name: fc.constant(`VI_${index}`),
    iface: fc.constantFrom<'eth0' | 'eth1'>('eth0', 'eth1'),
    vrid: fc.constant(index + 1),
    state: fc.constantFrom<'MASTER' | 'BACKUP' | undefined>('MASTER', 'BACKUP', undefined),
    priority: fc.option(fc.integer({ min: 1, max: 254 }), { nil: undefined }),
    advert: version === 2 ? fc.integer({ min: 1, max: 255 }) : fc.integer({ min: 1, max: 4095 }),
    vips: fc.uniqueArray(vip, { minLength: 1, maxLength: 5 }),
    nopreempt: fc.boolean(),
    preemptDelayS: fc.integer({ min: 0, max: 1000 }),
    garpDelayS: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    peers: fc.uniqueArray(
      fc.tuple(octet, octet).map(([a, b]) => `192.168.${a}.${b}`),
      { maxLength: 3 },
    ),
    trackWeight: fc.option(fc.integer({ min: -253, max: 253 }), { nil: undefined }),
  });
}

const configArb = fc
  .record({
    routerId: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/),
    version: fc.constantFrom<2 | 3>(2, 3),
    garpDelayS: fc.integer({ min: 0, max: 100 }),
    garpRepeat: fc.integer({ min: 1, max: 20 }),
    mcast4: fc.constantFrom('224.0.0.18', '224.0.0.19', '239.1.2.3'),
    beforeInstances: fc.boolean(),
  })
  .chain((g: GlobalSpec) =>
    fc.integer({ min: 1, max: 4 }).chain((n) =>
      fc.tuple(
        fc.constant(g),
        fc.tuple(...Array.from({ length: n }, (_, i) => instanceArb(i + 1, g.version))),
      ),
    ),
  );

function printGlobal(g: GlobalSpec): string {
  return [
    'global_defs {',
    `  router_id ${g.routerId}`,
    `  vrrp_version ${g.version}`,
    `  vrrp_garp_master_delay ${g.garpDelayS}`,
    `  vrrp_garp_master_repeat ${g.garpRepeat}`,
    `  vrrp_mcast_group4 ${g.mcast4}`,
    '}',
  ].join('\n');
}

function advertText(version: 2 | 3, advert: number): string {
  return version === 2 ? String(advert) : (advert / 100).toFixed(2);
}

function printInstance(vi: InstanceSpec, version: 2 | 3): string {
  const lines = [`vrrp_instance ${vi.name} {`, `  interface ${vi.iface}`, `  virtual_router_id ${vi.vrid}`];
  if (vi.state !== undefined) lines.push(`  state ${vi.state}`);
  if (vi.priority !== undefined) lines.push(`  priority ${vi.priority}`);
  lines.push(`  advert_int ${advertText(version, vi.advert)}`);
  if (vi.nopreempt) lines.push('  nopreempt');
  if (vi.preemptDelayS !== 0) lines.push(`  preempt_delay ${vi.preemptDelayS}`);
  if (vi.garpDelayS !== undefined) lines.push(`  garp_master_delay ${vi.garpDelayS}`);
  if (vi.peers.length > 0) lines.push(
    '  unicast_peer {',
    ...vi.peers.map((p) => `    ${p}`),
    '  }',
  );
  if (vi.trackWeight !== undefined) lines.push(
    '  track_interface {',
    `    lo weight ${vi.trackWeight}`,
    '  }',
  );
  lines.push('  virtual_ipaddress {', ...vi.vips.map((a) => `    ${a}`), '  }', '}');
  return lines.join('\n');
}

/** keepalived's derivations for the printed settings (vrrp.c vrrp_complete_instance()). */
function expected(vi: InstanceSpec, g: GlobalSpec) {
  const basePriority = vi.priority ?? (vi.state === 'MASTER' ? 255 : 100);
  const wantState = vi.state ?? (basePriority === 255 ? 'MASTER' : 'BACKUP');
  const isMaster = wantState === 'MASTER';
  return {
    basePriority,
    wantState,
    version: g.version,
    advertIntervalCs: g.version === 2 ? vi.advert * 100 : vi.advert,
    nopreempt: vi.nopreempt && !isMaster,
    preemptDelayUs: isMaster || vi.nopreempt ? 0 : vi.preemptDelayS * 1_000_000,
    garpMasterDelayUs: (vi.garpDelayS ?? g.garpDelayS) * 1_000_000,
    garpMasterRepeat: g.garpRepeat,
    isUnicast: vi.peers.length > 0,
    multicastGroup: vi.peers.length > 0 ? undefined : g.mcast4,
    vips: [...vi.vips],
    peers: [...vi.peers],
  };
}

test('vrrp round trip: printed instances parse back to the same model (seeded, 300 runs)', () => {
  fc.assert(
    fc.property(configArb, ([g, instances]) => {
      const text = [
        ...(g.beforeInstances ? [printGlobal(g)] : []),
        ...instances.map((vi) => printInstance(vi, g.version)),
        ...(g.beforeInstances ? [] : [printGlobal(g)]),
      ].join('\n');
      const file = '/etc/keepalived/keepalived.conf';
      const env = {
        host: createFakeHostFacts({ interfaces: ['lo', 'eth0', 'eth1'] }),
        random: new SeededRandom(7),
        configId: 'vm',
        env: {},
      };
      const r = parseConfig(file, new MemoryFileSource({ [file]: text }), env);
      const vrrp = r.config?.vrrp;
      assert.ok(vrrp, 'no model');
      assert.equal(r.config?.global.routerId, g.routerId);
      assert.equal(vrrp.instances.length, instances.length);
      instances.forEach((spec, i) => {
        const vi = vrrp.instances[i];
        assert.ok(vi);
        const e = expected(spec, g);
        assert.deepEqual(
          {
            basePriority: vi.basePriority,
            wantState: vi.wantState,
            version: vi.version,
            advertIntervalCs: vi.advertIntervalCs,
            nopreempt: vi.nopreempt,
            preemptDelayUs: vi.preemptDelayUs,
            garpMasterDelayUs: vi.garpMasterDelayUs,
            garpMasterRepeat: vi.garpMasterRepeat,
            isUnicast: vi.isUnicast,
            multicastGroup: vi.multicastGroup,
            vips: vi.virtualIpAddresses.map((a) => a.address),
            peers: vi.unicastPeers.map((p) => p.address),
          },
          e,
        );
        assert.equal(vi.interfaceName, spec.iface);
        assert.equal(vi.vrid, spec.vrid);
      });
      // Only the keepalived messages the printed settings are known to cause may appear.
      const failing = r.diagnostics.filter(
        (d) => d.kind !== 'notice' && !/MASTER - clearing|address owner|incompatible with priority 255|incompatible with nopreempt/.test(d.message),
      );
      assert.deepEqual(failing.map((d) => d.message), []);
      if (!instances.some(
        (s) => s.nopreempt || s.preemptDelayS !== 0 || s.trackWeight !== undefined,
      )) {
        assert.equal(configTestExitCode(r.diagnostics), 0);
      }
    }),
    { numRuns: 300, seed: 20261123 },
  );
});
