/**
 * Running in the background without -n (shell), as keepalived's xdaemon() does: a new
 * session, working directory /, standard descriptors on /dev/null, and the process that
 * was started exits.
 *
 * Node cannot fork(), so the daemon is a second copy of this program, started detached
 * (setsid) with the same arguments and DAEMONIZED_ENV set. keepalived's original exits at
 * once; ours first waits (up to STARTUP_WAIT_MS) until the daemon has written its pid file,
 * so an init script or `Type=forking` unit finds the pid file when the start command returns,
 * and a daemon that dies during start-up (e.g. "daemon is already running") turns into a
 * non-zero exit status instead of silence.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { optionValue, type CommandLine } from './command_line.js';
import { DEFAULT_PID_FILES } from './pidfile.js';

export const DAEMONIZED_ENV = 'KEEPALIVED_TS_DAEMONIZED';
const STARTUP_WAIT_MS = 5_000;
const POLL_MS = 20;

function recordsPid(path: string, pid: number): boolean {
  try {
    return Number.parseInt(readFileSync(path, 'utf8').trim(), 10) === pid;
  } catch {
    return false;
  }
}

/** Starts the background copy; resolves with this process's exit status. */
export function daemonize(cl: CommandLine): Promise<number> {
  const pidFile = optionValue(cl, 'pidFile') ?? DEFAULT_PID_FILES.parent;
  const script = process.argv[1] ?? '';
  const child = spawn(process.execPath, [...process.execArgv, script, ...process.argv.slice(2)], {
    detached: true,
    stdio: 'ignore',
    cwd: '/',
    env: { ...process.env, [DAEMONIZED_ENV]: '1' },
  });
  return new Promise((resolve) => {
    const started = Date.now();
    let done = false;
    const finish = (code: number, message?: string): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      if (message !== undefined) process.stderr.write(`keepalived-ts: ${message}\n`);
      child.unref();
      resolve(code);
    };
    child.once('error', (e) => finish(1, `cannot start the daemon: ${e.message}`));
    child.once('exit', (code, signal) =>
      finish(code === 0 || code === null ? 1 : code, `the daemon stopped during start-up (${signal ?? `status ${code ?? 0}`}); see the system log`),
    );
    const poll = setInterval(() => {
      const pid = child.pid;
      if (pid !== undefined && recordsPid(pidFile, pid)) finish(0);
      else if (Date.now() - started > STARTUP_WAIT_MS) finish(0); // slow start: leave it running
    }, POLL_MS);
  });
}
