/**
 * Offline byte-identity with keepalived 2.2.7: the adverts recorded by
 * test/interop/vrrp_fixtures.test.ts (test/fixtures/vrrp/*.hex) must decode to the values
 * of test/fixtures/vrrp/keepalived.conf as parsed by our parseConfig, and our encoder must
 * reproduce each one exactly. Runs without keepalived, root or namespaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../../src/config/parse.js';
import type { VrrpInstance } from '../../../src/config/model/vrrp.js';
import { parseIp, type IpAddress } from '../../../src/lib/ip.js';
import { advertExpectationFromConfig, advertFromConfig } from '../../../src/vrrp/advert_from_config.js';
import { decodeAdvert, encodeAdvert, validateAdvert } from '../../../src/vrrp/packet.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../../fakes/fake_host_facts.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'vrrp');

/** Fixture file → instance name in keepalived.conf. */
const FILES: Readonly<Record<string, string>> = {
  'v2_pass.hex': 'V2_PASS',
  'v2_no_auth.hex': 'V2_NONE',
  'v3_ipv4.hex': 'V3_IPV4',
  'v3_ipv6.hex': 'V3_IPV6',
};

interface Recorded {
  readonly source: IpAddress;
  readonly destination: IpAddress;
  readonly payload: Uint8Array;
}

function ipOf(text: string): IpAddress {
  const ip = parseIp(text);
  assert.ok(ip, text);
  return ip;
}

function readFixture(file: string): Recorded[] {
  const lines = readFileSync(join(FIXTURES, file), 'utf8').split('\n');
  return lines
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [src, dst, hex] = l.trim().split(/\s+/);
      assert.ok(src && dst && hex && /^([0-9a-f]{2})+$/.test(hex), `bad fixture line: ${l}`);
      return { source: ipOf(src), destination: ipOf(dst), payload: Uint8Array.from(Buffer.from(hex, 'hex')) };
    });
}

function instances(): VrrpInstance[] {
  const path = '/etc/keepalived/keepalived.conf';
  const text = readFileSync(join(FIXTURES, 'keepalived.conf'), 'utf8');
  const host = createFakeHostFacts({
    interfaces: ['lo', { name: 'kvrrp0', addresses: ['192.168.77.1', 'fe80::1'] }],
  });
  const env = { host, random: new SeededRandom(1), configId: 'vm', env: {} };
  const r = parseConfig(path, new MemoryFileSource({ [path]: text }), env);
  assert.ok(r.config);
  return [...r.config.vrrp.instances];
}

for (const [file, name] of Object.entries(FILES)) {
  test(`keepalived 2.2.7 recording ${file}: decodes to ${name}'s config and re-encodes byte for byte`, () => {
    const vi = instances().find((i) => i.name === name);
    assert.ok(vi, name);
    const recorded = readFixture(file);
    assert.ok(recorded.length >= 2, 'expected a master advert and a priority-0 advert');
    const priorities = new Set<number>();
    for (const r of recorded) {
      const ctx = { family: vi.family, source: r.source, destination: r.destination };
      const d = decodeAdvert(r.payload, ctx);
      assert.ok(d.ok, d.ok ? '' : `${d.reason}: ${d.detail}`);
      assert.equal(d.advert.vrid, vi.vrid);
      assert.deepEqual(d.advert.addresses, vi.virtualIpAddresses.map((v) => v.address));
      assert.equal(d.advert.advertIntervalCs, vi.advertIntervalCs);
      const v = validateAdvert(d.advert, advertExpectationFromConfig(vi), {
        ttl: 255,
        source: '192.168.77.2',
        isMulticastDestination: true,
      });
      assert.deepEqual(v, { ok: true, flagged: [] });
      priorities.add(d.advert.priority);
      const ours = encodeAdvert(advertFromConfig(vi, d.advert.priority), ctx);
      assert.equal(Buffer.from(ours).toString('hex'), Buffer.from(r.payload).toString('hex'));
    }
    assert.deepEqual([...priorities].sort((a, b) => a - b), [0, vi.basePriority]);
  });
}
