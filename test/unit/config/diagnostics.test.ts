import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  configTestExitCode,
  formatDiagnostic,
  type ConfigDiagnostic,
  type DiagnosticKind,
} from '../../../src/config/diagnostics.js';

const d = (kind: DiagnosticKind): ConfigDiagnostic => ({ file: '/k.conf', line: 3, kind, code: kind, message: 'm' });

test('configTestExitCode() is 0 with no diagnostics or only notices', () => {
  assert.equal(configTestExitCode([]), 0);
  assert.equal(configTestExitCode([d('notice')]), 0);
});

test('configTestExitCode() follows keepalived: the highest config_err_t value decides', () => {
  assert.equal(configTestExitCode([d('bad_if')]), 4);
  assert.equal(configTestExitCode([d('file_not_found')]), 4);
  assert.equal(configTestExitCode([d('unknown_keyword')]), 5);
  assert.equal(configTestExitCode([d('warning')]), 5);
  // A later, "milder" enum value outranks a fatal one: keepalived keeps the larger enum.
  assert.equal(configTestExitCode([d('bad_if'), d('warning')]), 5);
  assert.equal(configTestExitCode([d('security_error'), d('fatal')]), 6);
});

test('formatDiagnostic() prints file:line: message', () => {
  assert.equal(formatDiagnostic(d('warning')), '/k.conf:3: m');
  assert.equal(formatDiagnostic(d('notice')), '/k.conf:3: note: m');
});
