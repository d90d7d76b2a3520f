/**
 * The executable end to end: bin/keepalived-ts with keepalived's flags.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const BIN = join(ROOT, 'bin', 'keepalived-ts');
const dir = mkdtempSync(join(tmpdir(), 'kats-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function conf(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// Loopback exists everywhere; keepalived refuses it as a VRRP interface, so LVS-only and
// interface-free configs keep these tests independent of the host's NICs.
const GOOD = `global_defs {
  router_id test1
}
virtual_server 192.0.2.1 80 {
  delay_loop 6
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
`;

test('keepalived-ts -t exits 0 and prints nothing for a valid config', () => {
  const r = run(['-t', '-f', conf('good.conf', GOOD)]);
  assert.equal(r.stderr.split('\n').filter((l) => l !== '' && !l.includes('note:')).join('\n'), '');
  assert.equal(r.code, 0);
});

test('keepalived-ts -t reports an unknown keyword as file:line: message and exits 5', () => {
  const p = conf('bad.conf', `global_defs {\n  router_id x\n  no_such_keyword 1\n}\n`);
  const r = run(['-t', '-f', p]);
  assert.equal(r.code, 5);
  assert.match(r.stderr, new RegExp(`${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: Unknown keyword 'no_such_keyword'`));
});

test('keepalived-ts -t says so when the file does not exist, and exits 0 like keepalived 2.2.7', () => {
  // keepalived-compat: 2.2.7 only logs "Config files missing" and `-t` exits 0.
  const r = run(['-t', '-f', join(dir, 'missing.conf')]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /missing\.conf/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('keepalived-ts --dump-config prints the resolved model as JSON', () => {
  const r = run(['--dump-config', '-f', conf('dump.conf', GOOD)]);
  assert.equal(r.code, 0, r.stderr);
  const model = JSON.parse(r.stdout) as { global: { routerId: string }; lvs: unknown };
  assert.equal(model.global.routerId, 'test1');
});

test('keepalived-ts explain prints the timers of each VRRP instance', () => {
  // Unicast with a source address needs no interface, so this runs on any host.
  const a = conf(
    'a.conf',
    'vrrp_instance VI_1 {\n  virtual_router_id 7\n  priority 150\n  unicast_src_ip 192.0.2.1\n' +
      '  unicast_peer {\n    192.0.2.2\n  }\n  virtual_ipaddress {\n    192.0.2.7\n  }\n}\n',
  );
  const r = run(['explain', a]);
  assert.match(r.stdout, /VI_1 .*VRID 7/);
  assert.match(r.stdout, /Master_Down\s+3\.414062 s/);
});

test('keepalived-ts --signum and -v behave like keepalived', () => {
  assert.equal(run(['--signum=RELOAD']).stdout.trim(), '1');
  assert.equal(run(['--signum=JSON']).stdout.trim(), '36');
  assert.match(run(['-v']).stdout, /keepalived-ts v\S+ \(compatible with Keepalived v2\.2\.7\)/);
});

test('keepalived-ts -n -d -l dumps the resolved model to the log (a config with nothing to run then stops)', () => {
  // Nothing to run, so no daemon starts in the test's own namespace.
  const pids = ['-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')];
  const r = run(['-n', '-d', '-l', '-x', '-f', conf('d.conf', 'global_defs {\n  router_id test1\n}\n'), ...pids]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: Configuration:$/m);
  assert.match(r.stderr, /routerId = "test1"/);
  assert.match(r.stderr, /keepalived-ts: -x \(--snmp\) is not supported; ignored$/m);
  assert.match(r.stderr, /no vrrp_instance or virtual_server to run/);
});
