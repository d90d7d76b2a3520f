import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import { configTestExitCode } from '../../../src/config/diagnostics.js';
import { commandString, splitQuotedEscaped } from '../../../src/config/script.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts, type FakeHostOptions } from '../../fakes/fake_host_facts.js';

const FILE = '/etc/keepalived/keepalived.conf';

function parse(text: string, host: FakeHostOptions = {}): ParseResult {
  const env = { host: createFakeHostFacts(host), random: new SeededRandom(1), configId: 'vm', env: {} };
  return parseConfig(FILE, new MemoryFileSource({ [FILE]: text }), env);
}

function errors(r: ParseResult): string[] {
  return r.diagnostics.filter((d) => d.kind !== 'notice').map((d) => d.message);
}

const INSTANCE = (extra = ''): string =>
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    10.0.0.100\n  }\n${extra}\n}\n`;

const TRACKED = INSTANCE('  track_script {\n    chk\n  }');

test('splitQuotedEscaped() follows alloc_strvec_quoted_escaped(): quotes group, escapes decode', () => {
  assert.deepEqual(splitQuotedEscaped(`a "b c" 'd e'`), { ok: true, words: ['a', 'b c', 'd e'] });
  assert.deepEqual(splitQuotedEscaped(`x"y z"w`), { ok: true, words: ['xy zw'] });
  assert.deepEqual(
    splitQuotedEscaped(String.raw`\x41\102\cA\t\"q\"`),
    { ok: true, words: ['AB\x01\t"q"'] },
  );
  assert.deepEqual(splitQuotedEscaped(String.raw`a\ b`), { ok: true, words: ['a b'] });
  assert.deepEqual(
    splitQuotedEscaped(String.raw`"it's" 'say "hi"'`),
    { ok: true, words: ["it's", 'say "hi"'] },
  );
  assert.deepEqual(splitQuotedEscaped('"open'), { ok: false, code: 'unmatched_quote', quote: '"' });
  assert.deepEqual(splitQuotedEscaped('end\\'), { ok: false, code: 'missing_escape' });
  assert.deepEqual(splitQuotedEscaped(String.raw`cut\000here`), { ok: true, words: ['cut'] });
});

test('commandString() quotes every word like keepalived\'s cmd_str(), except a leading redirection', () => {
  assert.equal(commandString(['/bin/echo', 'a b']), "'/bin/echo' 'a b'");
  assert.equal(commandString(['</dev/tcp/127.0.0.1/80']), '</dev/tcp/127.0.0.1/80');
});

test('a notify line takes USER [GROUP] after the command; an unknown user only logs and drops it', () => {
  const host = { users: [{ name: 'root', uid: 0, gid: 0 }, { name: 'www', uid: 33, gid: 33 }], groups: { root: 0, adm: 4 } };
  const r = parse(`global_defs {\n  enable_script_security\n  script_user root\n}\n${INSTANCE(
    '  notify_master "/bin/true master" www adm\n  notify_backup /bin/true nobody',
  )}`, { ...host, scripts: { '/bin/true': {} } });
  const vi = r.config?.vrrp.instances[0];
  assert.deepEqual(vi?.notify.master?.argv, ['/bin/true', 'master']);
  assert.deepEqual(
    [vi?.notify.master?.user, vi?.notify.master?.uid, vi?.notify.master?.gid],
    ['www', 33, 4],
  );
  assert.equal(vi?.notify.backup, undefined);
  assert.ok(r.diagnostics.some((d) => d.message === "Script user 'nobody' does not exist"));
  assert.equal(configTestExitCode(r.diagnostics), 0);
});

test('an existing script without enable_script_security is CONFIG_SECURITY_ERROR (keepalived -t exits 6)', () => {
  const r = parse(`vrrp_script chk {\n  script /bin/true\n}\n${TRACKED}`);
  assert.deepEqual(
    errors(r),
    ['SECURITY VIOLATION - scripts are being executed but script_security not enabled.'],
  );
  assert.equal(configTestExitCode(r.diagnostics), 6);
});

test('no violation without a vrrp_instance: keepalived skips the pass', () => {
  const r = parse('vrrp_script chk {\n  script /bin/true\n}\n');
  assert.equal(configTestExitCode(r.diagnostics), 0);
});

test('a missing track script is disabled with a config error, and is no violation by itself', () => {
  const r = parse(`vrrp_script chk {\n  script /opt/none/chk.sh\n}\n${TRACKED}`);
  assert.deepEqual(errors(r), ['Disabling track script chk since not found/accessible']);
  assert.deepEqual(r.config?.vrrp.instances[0]?.trackScripts, []);
  assert.deepEqual(r.config?.vrrp.scripts, []);
});

test('`</dev/tcp/...` scripts are never checked and never count as scripts', () => {
  const r = parse(`vrrp_script chk {\n  script "</dev/tcp/127.0.0.1/80"\n}\n${TRACKED}`);
  assert.deepEqual(errors(r), []);
  assert.deepEqual(r.config?.vrrp.scripts[0]?.command.argv, ['</dev/tcp/127.0.0.1/80']);
});

test('insecure scripts: with enable_script_security they are disabled; without, the summary says so', () => {
  const host = { scripts: { '/tmp/chk.sh': { isWritableByNonRoot: true } } };
  const secured = parse(
    `global_defs {\n  enable_script_security\n  script_user root\n}\nvrrp_script chk {\n  ` +
    `script /tmp/chk.sh\n}\n${TRACKED}`,
    host,
  );
  assert.deepEqual(errors(secured), ['Disabling track script chk due to insecure']);
  const open = parse(`vrrp_script chk {\n  script /tmp/chk.sh\n}\n${TRACKED}`, host);
  assert.deepEqual(errors(open), [
    'SECURITY VIOLATION - scripts are being executed but script_security not enabled. There ' +
    'are insecure scripts.',
  ]);
  assert.equal(open.config?.vrrp.instances[0]?.trackScripts.length, 1);
});

test('enable_script_security without a keepalived_script user refuses the root fallback', () => {
  const r = parse(
    `global_defs {\n  enable_script_security\n}\nvrrp_script chk {\n  script ` +
    `/bin/true\n}\n${TRACKED}`,
  );
  assert.deepEqual(errors(r), [
    'Unable to set default user keepalived_script for script',
    'Unable to set default user for vrrp script chk - removing',
    '(VI_1) track script chk not found, ignoring...',
  ]);
});

test('the keepalived_script user runs scripts when it exists; no protection check for non-root', () => {
  const r = parse(`global_defs {\n  enable_script_security\n}\nvrrp_script chk {\n  script /tmp/chk.sh\n}\n${TRACKED}`, {
    users: [{ name: 'root', uid: 0, gid: 0 }, { name: 'keepalived_script', uid: 990, gid: 990 }],
    scripts: { '/tmp/chk.sh': { isWritableByNonRoot: true } },
  });
  assert.deepEqual(errors(r), []);
  const cmd = r.config?.vrrp.scripts[0]?.command;
  assert.deepEqual([cmd?.uid, cmd?.gid], [990, 990]);
});

test('a bare script name is searched in PATH and replaced by the full path', () => {
  const r = parse(`global_defs {\n  enable_script_security\n  script_user root\n}\nvrrp_script chk {\n  script "pidof haproxy"\n}\n${TRACKED}`, {
    scripts: { pidof: { resolvedPath: '/usr/bin/pidof' } },
  });
  assert.deepEqual(errors(r), []);
  assert.deepEqual(r.config?.vrrp.scripts[0]?.command.argv, ['/usr/bin/pidof', 'haproxy']);
  assert.ok(r.diagnostics.some((d) => d.code === 'script_path_search'));
});

test('a notify script that is not executable is dropped silently', () => {
  const r = parse(`global_defs {\n  enable_script_security\n  script_user root\n}\n${INSTANCE('  notify_master /etc/hostname')}`, {
    scripts: { '/etc/hostname': { isExecutable: false } },
  });
  assert.deepEqual(errors(r), []);
  assert.equal(r.config?.vrrp.instances[0]?.notify.master, undefined);
});

test('vrrp_script user: an unknown user is an error and removes the script', () => {
  const r = parse(
    `global_defs {\n  enable_script_security\n  script_user root\n}\nvrrp_script chk {\n  ` +
    `script /bin/true\n  user nobody\n}\n${TRACKED}`,
  );
  assert.deepEqual(
    errors(r),
    ["Unable to set uid/gid for script '/bin/true'", '(VI_1) track script chk not found, ignoring...'],
  );
});

test('notify_master without a command makes keepalived exit (missing parameter)', () => {
  const r = parse(INSTANCE('  notify_master'));
  assert.equal(r.abortExitCode, 2);
});
