/**
 * The verdict of `keepalived-ts -t`: the exit code keepalived 2.2.7's `-t` gives for the
 * same configuration on the same host. One place for the rule and its two quirks.
 */
import { CONFIG_TEST_EXIT, configTestExitCode } from './diagnostics.js';
import type { ParseResult } from './parse.js';

export function configTestExitStatus(result: ParseResult): number {
  // keepalived exit()s in the middle of parsing (a keyword missing its parameter: 2), or
  // crashes where we mirror its verdict (139).
  if (result.abortExitCode !== undefined) return result.abortExitCode;
  const codes = new Set(result.diagnostics.map((d) => d.code));
  // keepalived-compat: main.c enters net_namespace before validating; when it cannot,
  // `-t` stops there and exits 0 whatever else is wrong.
  if (codes.has('net_namespace_unavailable')) return CONFIG_TEST_EXIT.ok;
  const code = configTestExitCode(result.diagnostics);
  // keepalived-compat: notify.c check_script_secure() under `-t` kills the process with
  // SIGTERM when it checks a script that runs as another user, so 2.2.7 never says OK
  // for such a configuration. We report it as a config-test failure with a note instead
  // of dying.
  if (code === CONFIG_TEST_EXIT.ok && codes.has('keepalived_test_sigterm')) {
    return CONFIG_TEST_EXIT.configTest;
  }
  return code;
}
