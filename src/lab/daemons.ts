/**
 * Start keepalived-ts or the real keepalived inside a lab host with a config text, and
 * watch its log: every line of stdout and stderr is kept with the monotonic time it
 * arrived, so tests (and the demo) can wait for "(VI_1) Entering MASTER STATE" and measure when.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from './netns.js';

export const REPO_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
export const KATS_BIN = join(REPO_ROOT, 'bin', 'keepalived-ts');

export type DaemonKind = 'keepalived-ts' | 'keepalived';

export interface LogLine {
  readonly atMs: number;
  readonly text: string;
}

export class Daemon {
  readonly lines: LogLine[] = [];
  private waiters: { re: RegExp; from: number; resolve: (l: LogLine) => void }[] = [];
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly kind: DaemonKind,
    readonly host: string,
    readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    let partial = { out: '', err: '' };
    const feed = (which: 'out' | 'err', chunk: Buffer) => {
      const text = partial[which] + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = { ...partial, [which]: parts.pop() ?? '' };
      for (const p of parts) this.push(p);
    };
    child.stdout?.on('data', (c: Buffer) => feed('out', c));
    child.stderr?.on('data', (c: Buffer) => feed('err', c));
    child.once('exit', (code, signal) => {
      this.exited = { code, signal };
    });
  }

  private push(text: string): void {
    const line = { atMs: performance.now(), text };
    this.lines.push(line);
    if (process.env['KATS_TEST_VERBOSE'] === '1') process.stderr.write(`[${this.host}/${this.kind}] ${text}\n`);
    const index = this.lines.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index >= w.from && w.re.test(text)) {
        w.resolve(line);
        return false;
      }
      return true;
    });
  }

  /** Lines with the keepalived -l timestamp prefix removed. */
  messages(): string[] {
    return this.lines.map((l) => stripTimestamp(l.text));
  }

  has(re: RegExp): boolean {
    return this.lines.some((l) => re.test(l.text));
  }

  /** Resolves with the first line matching `re` at or after line index `from`. */
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<LogLine> {
    const seen = this.lines.slice(from).find((l) => re.test(l.text));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.host}/${this.kind}: no line matching ${re} within ${timeoutMs} ms; last lines:\n  ${this.lines.slice(-15).map((l) => l.text).join('\n  ')}`));
      }, timeoutMs);
      const done = (l: LogLine) => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push({ re, from, resolve: done });
    });
  }

  /** Send a signal and wait for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    if (this.exited !== undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /**
   * Signal the daemon itself, not the `ip netns exec` wrapper: the wrapper execs the
   * command, so its pid is the daemon's.
   */
  signal(signal: NodeJS.Signals): void {
    try {
      if (this.child.pid !== undefined) process.kill(this.child.pid, signal);
    } catch {
      // already gone
    }
  }

  /**
   * A crash of the whole daemon, as kill -9 of every process it has (keepalived and
   * keepalived-ts both run a parent and children; killing only the parent makes the
   * children stop gracefully, as keepalived's PDEATHSIG does).
   */
  crash(lab: Lab): void {
    const own = lab.host(this.host).ns;
    const pids = spawnSync('ip', ['netns', 'pids', own], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** The config file the daemon was started with (rewrite it, then signal HUP). */
  get configPath(): string {
    return join(this.dir, 'keepalived.conf');
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function stripTimestamp(text: string): string {
  // keepalived -l: "Mon Nov 23 03:12:00 2026: message"
  const m = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}: (.*)$/.exec(text);
  return m?.[1] ?? text;
}

/** /run is shared between namespaces: every daemon gets pid files of its own. */
export function pidArgs(dir: string): string[] {
  return ['-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')];
}

/** Start a daemon with `-n -l -D -f <config>` in lab host `host`. */
export function startDaemon(
  lab: Lab,
  host: string,
  kind: DaemonKind,
  configText: string,
  extraArgs: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
  /** Where the daemon's directory (config, pid files) is made; the system tmpdir by default. */
  parentDir: string = tmpdir(),
): Daemon {
  const dir = mkdtempSync(join(parentDir, `kats-${kind}-${host}-`));
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, configText);
  const argv =
    kind === 'keepalived-ts'
      ? [process.execPath, KATS_BIN, '-n', '-l', '-D', '-f', conf, ...pidArgs(dir), ...extraArgs]
      : ['keepalived', '-n', '-l', '-D', '-f', conf, ...pidArgs(dir), ...extraArgs];
  const child = lab.spawn(host, argv, { cwd: dir, env: { ...process.env, ...env } });
  return new Daemon(kind, host, child, dir);
}

/** A VRRP instance block for tests. */
export function instanceConfig(o: {
  readonly name?: string;
  readonly priority: number;
  readonly vrid?: number;
  readonly version?: 2 | 3;
  readonly family?: 4 | 6;
  readonly vip: string;
  readonly advertInt?: string;
  readonly password?: string;
  readonly nopreempt?: boolean;
  readonly unicast?: { readonly src: string; readonly peers: readonly string[] };
  readonly extra?: string;
  readonly globalExtra?: string;
}): string {
  const name = o.name ?? 'VI_1';
  const lines = [
    'global_defs {',
    `  router_id kats_${name}`,
    '  vrrp_garp_master_delay 1',
    o.globalExtra ?? '',
    '}',
    `vrrp_instance ${name} {`,
    '  state BACKUP',
    '  interface eth0',
    `  virtual_router_id ${o.vrid ?? 51}`,
    `  priority ${o.priority}`,
    `  advert_int ${o.advertInt ?? '1'}`,
    o.version === 3 ? '  version 3' : '',
    o.nopreempt ? '  nopreempt' : '',
    o.password !== undefined ? `  authentication {\n    auth_type PASS\n    auth_pass ${o.password}\n  }` : '',
    o.unicast ? `  unicast_src_ip ${o.unicast.src}\n  unicast_peer {\n${o.unicast.peers.map((p) => `    ${p}`).join('\n')}\n  }` : '',
    `  virtual_ipaddress {\n    ${o.vip}\n  }`,
    o.extra ?? '',
    '}',
  ];
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}
