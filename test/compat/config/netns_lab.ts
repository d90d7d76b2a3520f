/**
 * netns_lab: throw-away network namespaces for running `keepalived -t` and
 * `keepalived-ts -t` against the same set of interfaces.
 *
 * - Namespaces are named `kats-cfg-<pid>-<n>`; nothing outside them is touched.
 * - Every interface a config names is created inside (dummy if the kernel has
 *   it, otherwise an empty bridge, which needs no extra kernel module) and set
 *   up; loopback is set up too.
 * - Names starting with `nosuch` or `nx` are never created, so configs can
 *   reference a guaranteed-missing interface.
 * - Namespaces are deleted by destroy(), by a process 'exit' hook and on
 *   SIGINT/SIGTERM/SIGHUP; stale `kats-cfg-*` namespaces whose owner pid is
 *   dead are removed when a lab is created.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

export const NS_PREFIX = 'kats-cfg-';

/** Interfaces always created, so that included/substituted names usually exist. */
export const DEFAULT_INTERFACES: readonly string[] = [
  'eth0', 'eth1', 'eth2', 'eth3', 'eth0.100', 'eth1.200', 'bond0', 'bond1', 'br0',
  'ens3', 'ens192', 'enp0s3', 'enp0s8', 'vlan100',
];

/** Names with these prefixes are deliberately never created. */
export const MISSING_PREFIX_RE = /^(?:nosuch|nx)/;

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started at all. */
  spawnError?: string;
  ms: number;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Locate an executable in PATH (plus the sbin dirs, which non-login PATHs miss). */
export function findBinary(name: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin']);
  for (const d of dirs) {
    if (d && existsSync(`${d}/${name}`)) return `${d}/${name}`;
  }
  return undefined;
}

/** True if the interface name is one the kernel accepts and we are willing to create. */
export function isCreatableInterfaceName(name: string): boolean {
  if (!/^[A-Za-z0-9_.@+-]{1,15}$/.test(name)) return false;
  if (name === '.' || name === '..' || name === 'lo' || name === 'all' || name === 'default') return false;
  if (MISSING_PREFIX_RE.test(name)) return false;
  return true;
}

/** Strip `#`/`!` comments outside quotes (good enough for scanning). */
function stripComment(line: string): string {
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === '"' || c === "'") {
      q = c;
    } else if ((c === '#' || c === '!') && line[i - 1] !== '\\') {
      return line.slice(0, i);
    }
  }
  return line;
}

const SINGLE_ARG_KEYWORDS = new Set([
  'interface', 'default_interface', 'dev', 'bind_if', 'lvs_sync_daemon_interface', 'lvs_sync_daemon',
  'vrf', 'iif', 'oif', 'iifname', 'oifname', 'garp_extra_if_interface',
]);
const LIST_BLOCKS = new Set(['track_interface', 'interfaces', 'linkbeat_interfaces', 'interface_up_down_delays']);

/**
 * Collect interface names a keepalived config text refers to: `interface X`,
 * `dev X`, `bind_if X`, `lvs_sync_daemon X`, `lvs_sync_daemon_interface X`,
 * entries of track_interface / interfaces / linkbeat_interfaces /
 * interface_up_down_delays blocks. `use_vmac NAME` is deliberately NOT collected:
 * keepalived rejects a VMAC name that already exists as a non-macvlan interface.
 */
export function scanInterfaceNames(text: string): Set<string> {
  const out = new Set<string>();
  const blockStack: string[] = [];
  for (const raw of text.split('\n')) {
    let line = stripComment(raw).trim();
    if (!line) continue;
    line = line.replace(/^@\^?\S+\s+/, '');
    // Split the line on braces so `track_interface { eth0 }` works too.
    const parts = line.split(/([{}])/);
    let prevKeyword: string | undefined;
    for (const part of parts) {
      if (part === '{') {
        blockStack.push(prevKeyword ?? '');
        continue;
      }
      if (part === '}') {
        blockStack.pop();
        continue;
      }
      const toks = part.trim().split(/\s+/).filter((t) => t.length > 0).map((t) => t.replace(/^["']|["']$/g, ''));
      if (toks.length === 0) continue;
      const top = blockStack[blockStack.length - 1];
      if (top !== undefined && LIST_BLOCKS.has(top) && toks[0] !== undefined) out.add(toks[0]);
      for (let i = 0; i < toks.length - 1; i++) {
        const t = toks[i] ?? '';
        const next = toks[i + 1] ?? '';
        if (SINGLE_ARG_KEYWORDS.has(t)) out.add(next);
      }
      prevKeyword = toks[0];
    }
  }
  const result = new Set<string>();
  for (const n of out) if (isCreatableInterfaceName(n)) result.add(n);
  return result;
}

function ipSync(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const ip = findBinary('ip') ?? 'ip';
  const r = spawnSync(ip, args, { encoding: 'utf8', input, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function listNamespaces(): string[] {
  const r = ipSync(['netns', 'list']);
  if (r.code !== 0) return [];
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.length > 0);
}

/** Delete `kats-cfg-<pid>-*` namespaces whose pid is no longer running. Returns the names removed. */
export function cleanupStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const ns of listNamespaces()) {
    if (!ns.startsWith(NS_PREFIX)) continue;
    const m = /^kats-cfg-(\d+)-\d+$/.exec(ns);
    const pid = m?.[1] !== undefined ? Number(m[1]) : NaN;
    if (Number.isFinite(pid) && pid !== process.pid && pidAlive(pid)) continue;
    if (Number.isFinite(pid) && pid === process.pid && live.has(ns)) continue;
    if (ipSync(['netns', 'del', ns]).code === 0) removed.push(ns);
  }
  return removed;
}

const live = new Set<string>();
let hooksInstalled = false;
let counter = 0;

function destroyAllSync(): void {
  for (const ns of [...live]) {
    ipSync(['netns', 'del', ns]);
    live.delete(ns);
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', destroyAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      destroyAllSync();
      // process.exit runs the other 'exit' hooks too (e.g. temp-dir cleanup).
      process.exit(128 + (osConstants.signals[sig] ?? 1));
    });
  }
}

/** Whether namespaces can be used here: needs the `ip` binary and root. */
export function netnsAvailability(): { ok: true } | { ok: false; reason: string } {
  if (!findBinary('ip')) return { ok: false, reason: '`ip` (iproute2) binary not found' };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, reason: 'network namespaces need root' };
  return { ok: true };
}

let linkKind: 'dummy' | 'bridge' | undefined;

export class NetnsLab {
  readonly name: string;
  readonly interfaces: string[] = [];
  readonly failedInterfaces: { name: string; error: string }[] = [];
  private destroyed = false;

  private constructor(name: string) {
    this.name = name;
  }

  /** Create a namespace with loopback up and the given interfaces (plus DEFAULT_INTERFACES). */
  static create(interfaces: Iterable<string> = [], opts: { includeDefaults?: boolean } = {}): NetnsLab {
    const avail = netnsAvailability();
    if (!avail.ok) throw new Error(`netns_lab: ${avail.reason}`);
    installHooks();
    cleanupStaleNamespaces();
    const name = `${NS_PREFIX}${process.pid}-${counter++}`;
    const r = ipSync(['netns', 'add', name]);
    if (r.code !== 0) throw new Error(`netns_lab: ip netns add ${name} failed: ${r.stderr.trim()}`);
    live.add(name);
    const lab = new NetnsLab(name);
    try {
      lab.setup(interfaces, opts.includeDefaults ?? true);
    } catch (e) {
      lab.destroy();
      throw e;
    }
    return lab;
  }

  private setup(interfaces: Iterable<string>, includeDefaults: boolean): void {
    const lo = ipSync(['-n', this.name, 'link', 'set', 'lo', 'up']);
    if (lo.code !== 0) throw new Error(`netns_lab: cannot set lo up: ${lo.stderr.trim()}`);
    const wanted = new Set<string>();
    if (includeDefaults) for (const n of DEFAULT_INTERFACES) wanted.add(n);
    for (const n of interfaces) if (isCreatableInterfaceName(n)) wanted.add(n);
    if (wanted.size === 0) return;
    if (linkKind === undefined) {
      const probe = ipSync(['-n', this.name, 'link', 'add', 'kats-probe0', 'type', 'dummy']);
      linkKind = probe.code === 0 ? 'dummy' : 'bridge';
      if (probe.code === 0) ipSync(['-n', this.name, 'link', 'del', 'kats-probe0']);
    }
    const batch: string[] = [];
    for (const n of wanted) {
      batch.push(`link add ${n} type ${linkKind}`);
      batch.push(`link set ${n} up`);
    }
    ipSync(['-n', this.name, '-force', '-batch', '-'], batch.join('\n') + '\n');
    const present = new Set(
      ipSync(['-n', this.name, '-o', 'link', 'show']).stdout
        .split('\n')
        .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined),
    );
    for (const n of wanted) {
      if (present.has(n)) this.interfaces.push(n);
      else this.failedInterfaces.push({ name: n, error: 'not created' });
    }
  }

  /** Run `ip netns exec NS cmd args...` asynchronously, never rejecting. */
  run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const ip = findBinary('ip') ?? 'ip';
    return runCommand(ip, ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    ipSync(['netns', 'del', this.name]);
    live.delete(this.name);
  }
}

/** Run a command with a timeout; never rejects. */
export function runCommand(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      {
        encoding: 'utf8',
        timeout: opts.timeoutMs ?? 10_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        cwd: opts.cwd ?? '/',
        env: opts.env ?? process.env,
      },
      (err, stdout, stderr) => {
        const ms = Date.now() - start;
        if (!err) {
          resolve({ code: 0, signal: null, stdout, stderr, timedOut: false, ms });
          return;
        }
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string | null };
        if (typeof e.code === 'number') {
          resolve({ code: e.code, signal: e.signal ?? null, stdout, stderr, timedOut: false, ms });
        } else if (e.killed || e.signal) {
          resolve({ code: null, signal: e.signal ?? 'SIGKILL', stdout, stderr, timedOut: e.killed === true, ms });
        } else {
          resolve({ code: null, signal: null, stdout, stderr, timedOut: false, spawnError: String(e.message), ms });
        }
      },
    );
  });
}

/** Create a lab, run fn, and always destroy the lab. */
export async function withNetnsLab<T>(interfaces: Iterable<string>, fn: (lab: NetnsLab) => Promise<T>): Promise<T> {
  const lab = NetnsLab.create(interfaces);
  try {
    return await fn(lab);
  } finally {
    lab.destroy();
  }
}
