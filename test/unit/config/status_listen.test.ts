import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import { configTestExitCode } from '../../../src/config/diagnostics.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../../fakes/fake_host_facts.js';

const FILE = '/etc/keepalived/keepalived.conf';

const INSTANCE = `
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.100
  }
}
`;

function parse(globalLines: string): ParseResult {
  const env = { host: createFakeHostFacts({}), random: new SeededRandom(1), configId: 'vm', env: {} };
  const text = `global_defs {\n${globalLines}\n}\n${INSTANCE}`;
  return parseConfig(FILE, new MemoryFileSource({ [FILE]: text }), env);
}

function problems(r: ParseResult): string[] {
  return r.diagnostics.filter((d) => d.kind !== 'notice').map((d) => d.message);
}

test('status_listen is off by default', () => {
  const r = parse('router_id A');
  assert.equal(r.config?.global.statusListen, undefined);
});

test('status_listen PORT binds to 127.0.0.1 and records where it was written, with no diagnostic', () => {
  const r = parse('  status_listen 9650');
  assert.deepEqual(problems(r), []);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.config?.global.statusListen, { host: '127.0.0.1', port: 9650, at: { file: FILE, line: 2 } });
  assert.equal(configTestExitCode(r.diagnostics), 0);
});

test('status_listen ADDRESS PORT takes IPv4, IPv6 and bracketed IPv6 addresses, canonicalised', () => {
  assert.equal(parse('status_listen 0.0.0.0 9650').config?.global.statusListen?.host, '0.0.0.0');
  assert.equal(parse('status_listen ::1 9650').config?.global.statusListen?.host, '::1');
  assert.equal(parse('status_listen [0:0::1] 9100').config?.global.statusListen?.host, '::1');
  assert.equal(parse('status_listen [::1] 9100').config?.global.statusListen?.port, 9100);
});

test('status_listen rejects a bad address, a bad port, no port and extra words (config error, ignored)', () => {
  for (const line of [
    'status_listen localhost 9650',
    'status_listen 10.0.0.300 9650',
    'status_listen 0',
    'status_listen 65536',
    'status_listen http',
    'status_listen',
    'status_listen 127.0.0.1 9650 extra',
  ]) {
    const r = parse(line);
    assert.equal(r.config?.global.statusListen, undefined, line);
    assert.ok(problems(r).some((m) => m.startsWith('status_listen')), `${line}: ${problems(r).join('; ')}`);
    assert.notEqual(configTestExitCode(r.diagnostics), 0, line);
  }
});

test('a second status_listen is reported and the first one is kept', () => {
  const r = parse('status_listen 9650\nstatus_listen 9651');
  assert.equal(r.config?.global.statusListen?.port, 9650);
  assert.deepEqual(problems(r), ['Duplicate status_listen definition - ignoring']);
});
