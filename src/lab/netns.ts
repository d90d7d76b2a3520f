/**
 * A throw-away network lab (integration tests and `keepalived-ts demo`): N hosts, each a network namespace with
 * one interface `eth0`, joined by a bridge that lives in a hub namespace of its own (so
 * nothing is created in the machine's own namespace).
 *
 *   kats-<tag>-<pid>-hub   bridge br0, one veth end per host (v<host>)
 *   kats-<tag>-<pid>-<h>   eth0 = 10.<net>.0.<i+1>/24 and fd00:<net>::<i+1>/64 (no DAD)
 *
 * partition(h)/heal(h) take a host off the bridge while its carrier stays up (a split
 * brain); cutLink(h)/restoreLink(h) drop the carrier as a pulled cable would.
 *
 * Every namespace and every child started through the lab is removed by destroy(), by a
 * process 'exit' hook and on SIGINT/SIGTERM/SIGHUP; namespaces of dead runs (by pid) are
 * removed when a lab is created.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isProcessAlive } from '../daemon/process_supervisor.js';

export const CI = ['true', '1', 'yes'].includes((process.env['CI'] ?? '').toLowerCase());

/** Locate an executable in PATH (plus the sbin dirs, which non-login PATHs miss). */
export function findTool(name: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin']);
  for (const d of dirs) if (d && existsSync(`${d}/${name}`)) return `${d}/${name}`;
  return undefined;
}

/** Why the lab cannot run here (no root, a missing tool), or undefined when it can. */
export function labProblem(tools: readonly string[] = []): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const t of ['ip', ...tools]) if (findTool(t) === undefined) return `needs ${t}`;
  return undefined;
}

export interface LabHost {
  readonly name: string;
  readonly ns: string;
  readonly ifname: 'eth0';
  readonly ipv4: string;
  readonly ipv6: string;
  /** The hub-side veth end. */
  readonly hubIf: string;
}

export interface LabOptions {
  /** Short tag in the namespace names (letters/digits, ≤ 6). */
  readonly tag: string;
  readonly hosts: readonly string[];
  /** Second octet of 10.N.0.0/24 and fd00:N::/64 (1..254). */
  readonly net: number;
}

const live = new Set<Lab>();
let hooked = false;

function run(argv: readonly string[], allowFail = false): string {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty command');
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (!allowFail && r.status !== 0) {
    throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim()}`);
  }
  return r.stdout ?? '';
}


/** Delete `kats-*-<pid>-*` namespaces whose owning process is gone. */
function removeStale(): void {
  for (const line of run(['ip', 'netns', 'list'], true).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^kats-[a-z0-9]+-(\d+)-/.exec(name);
    if (m && !isProcessAlive(Number(m[1]))) {
      // A SIGKILLed run leaves its daemons running in the namespace: kill them first.
      for (const pid of run(['ip', 'netns', 'pids', name], true).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      run(['ip', 'netns', 'del', name], true);
    }
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const lab of live) lab.destroySync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const lab of live) lab.destroySync();
      process.kill(process.pid, sig);
    });
  }
}

export class Lab {
  readonly hosts: readonly LabHost[];
  readonly hub: string;
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(hub: string, hosts: readonly LabHost[]) {
    this.hub = hub;
    this.hosts = hosts;
  }

  static create(opts: LabOptions): Lab {
    hook();
    removeStale();
    const base = `kats-${opts.tag}-${process.pid}`;
    const hub = `${base}-hub`;
    const hosts = opts.hosts.map(
      (name, i): LabHost => ({
        name,
        ns: `${base}-${name}`,
        ifname: 'eth0',
        ipv4: `10.${opts.net}.0.${i + 1}`,
        ipv6: `fd00:${opts.net}::${i + 1}`,
        hubIf: `v${name}`.slice(0, 15),
      }),
    );
    const lab = new Lab(hub, hosts);
    live.add(lab);
    try {
      lab.build();
    } catch (e) {
      lab.destroySync();
      throw e;
    }
    return lab;
  }

  private build(): void {
    const sysctls = (ns: string) => {
      for (const k of ['all', 'default']) {
        run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.accept_dad=0`], true);
      }
    };
    run(['ip', 'netns', 'add', this.hub]);
    run(['ip', '-n', this.hub, 'link', 'set', 'lo', 'up']);
    run(['ip', '-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge']);
    run(['ip', '-n', this.hub, 'link', 'set', 'br0', 'up']);
    for (const h of this.hosts) {
      run(['ip', 'netns', 'add', h.ns]);
      sysctls(h.ns);
      run(['ip', '-n', h.ns, 'link', 'set', 'lo', 'up']);
      run(['ip', '-n', h.ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', h.hubIf, 'netns', this.hub]);
      run(['ip', '-n', this.hub, 'link', 'set', h.hubIf, 'master', 'br0']);
      run(['ip', '-n', this.hub, 'link', 'set', h.hubIf, 'up']);
      run(['ip', '-n', h.ns, 'addr', 'add', `${h.ipv4}/24`, 'dev', 'eth0']);
      run(['ip', '-n', h.ns, 'addr', 'add', `${h.ipv6}/64`, 'dev', 'eth0', 'nodad']);
      run(['ip', '-n', h.ns, 'link', 'set', 'eth0', 'up']);
    }
  }

  host(name: string): LabHost {
    const h = this.hosts.find((x) => x.name === name);
    if (h === undefined) throw new Error(`no lab host ${name}`);
    return h;
  }

  /** Run a command in a host's namespace and return stdout (throws on failure). */
  exec(host: string, argv: readonly string[], allowFail = false): string {
    return run(['ip', 'netns', 'exec', this.host(host).ns, ...argv], allowFail);
  }

  /** Start a long-running command in a host's namespace; killed by destroy(). */
  spawn(host: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.host(host).ns, ...argv], { stdio: 'pipe', ...opts });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Addresses on a host's eth0 (`ip -o addr` lines reduced to ADDR/LEN). */
  addresses(host: string): string[] {
    return this.exec(host, ['ip', '-o', 'addr', 'show', 'dev', 'eth0'])
      .split('\n')
      .flatMap((l) => {
        const m = /\binet6? (\S+)/.exec(l);
        return m?.[1] ? [m[1]] : [];
      });
  }

  /** Take the host off the bridge; its carrier stays up (split brain). */
  partition(host: string): void {
    run(['ip', '-n', this.hub, 'link', 'set', this.host(host).hubIf, 'nomaster']);
  }

  heal(host: string): void {
    run(['ip', '-n', this.hub, 'link', 'set', this.host(host).hubIf, 'master', 'br0']);
  }

  /** Drop the host's carrier (the hub end goes down). */
  cutLink(host: string): void {
    run(['ip', '-n', this.hub, 'link', 'set', this.host(host).hubIf, 'down']);
  }

  restoreLink(host: string): void {
    run(['ip', '-n', this.hub, 'link', 'set', this.host(host).hubIf, 'up']);
  }

  /** Kill every child, then delete the namespaces. */
  async destroy(): Promise<void> {
    const waits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            c.kill('SIGKILL');
            resolve();
          }, 2_000);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    );
    await Promise.all(waits);
    this.destroySync();
  }

  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const c of this.children) c.kill('SIGKILL');
    // `ip netns exec` children are gone with SIGKILL; anything else left in a namespace
    // (a daemon that double-forked) is killed by pid before the namespace goes.
    for (const h of this.hosts) {
      const pids = run(['ip', 'netns', 'pids', h.ns], true).split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      run(['ip', 'netns', 'del', h.ns], true);
    }
    run(['ip', 'netns', 'del', this.hub], true);
  }
}
