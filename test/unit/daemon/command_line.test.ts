import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, optionValue, hasOption } from '../../../src/daemon/command_line.js';

function ok(argv: string[]) {
  const r = parseCommandLine(argv);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.commandLine;
}

test('parseCommandLine() reads keepalived flags: bundles, attached and separate values', () => {
  const cl = ok(['-lDn', '-f', '/etc/k.conf', '-imaster1', '-P']);
  assert.ok(hasOption(cl, 'logConsole') && hasOption(cl, 'logDetail') && hasOption(cl, 'dontFork'));
  assert.equal(optionValue(cl, 'useFile'), '/etc/k.conf');
  assert.equal(optionValue(cl, 'configId'), 'master1');
  assert.ok(hasOption(cl, 'vrrpOnly'));
});

test('parseCommandLine() gives -t an optional attached log file, like getopt "t::"', () => {
  assert.equal(optionValue(ok(['-t']), 'configTest'), '');
  assert.equal(optionValue(ok(['-t/tmp/log']), 'configTest'), '/tmp/log');
  assert.equal(optionValue(ok(['--config-test=/tmp/x']), 'configTest'), '/tmp/x');
  // A separate word after -t is not its value.
  const cl = ok(['-t', '-f', 'a.conf']);
  assert.equal(optionValue(cl, 'configTest'), '');
  assert.equal(optionValue(cl, 'useFile'), 'a.conf');
});

test('parseCommandLine() accepts unambiguous long-option prefixes and rejects ambiguous ones', () => {
  assert.equal(optionValue(ok(['--use-file=x.conf']), 'useFile'), 'x.conf');
  assert.equal(optionValue(ok(['--use', 'y.conf']), 'useFile'), 'y.conf');
  const amb = parseCommandLine(['--log']);
  assert.equal(amb.ok, false);
});

test('parseCommandLine() recognises the explain subcommand and reports unknown options', () => {
  const cl = ok(['explain', '-f', 'a.conf']);
  assert.equal(cl.subcommand, 'explain');
  const bad = parseCommandLine(['-Z']);
  assert.deepEqual(bad, { ok: false, message: "invalid option -- 'Z'" });
});
