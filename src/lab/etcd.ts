/**
 * A throw-away single-member etcd (/usr/bin/etcd) for the witness tests: its own temp data
 * dir, client and peer URLs on one address, optionally inside a lab namespace
 * (`ip netns exec NS etcd …`, which execs, so the child's pid is etcd's own and
 * SIGSTOP/SIGCONT reach etcd itself).
 *
 * fast=true runs raft with --heartbeat-interval=10 --election-timeout=100. etcd's minimum
 * lease TTL is 1.5 × election timeout rounded up to whole seconds: with the defaults
 * (100/1000 ms) a 1 s lease is granted as 2 s; with fast it is granted as 1 s. Leases are
 * swept for expiry every 500 ms, so a lease really goes TTL … TTL + 0.5 s after its last
 * renewal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from './netns.js';

export interface StartEtcdOptions {
  /** Run inside this network namespace. */
  readonly netns?: string;
  /** The address clients and the peer URL use (e.g. 127.0.0.1 or 10.9.0.1). */
  readonly listenAddress: string;
  /** 2379 unless given. */
  readonly clientPort?: number;
  /** 2380 unless given. */
  readonly peerPort?: number;
  /** A data dir to use (created by etcd, removed by stop()); a fresh temp dir by default. */
  readonly dataDir?: string;
  /** Millisecond raft timers so 1 s leases are granted as 1 s. */
  readonly fast?: boolean;
  /** More client URLs on the same address (other ports), e.g. to cut one client path with nft. */
  readonly extraClientPorts?: readonly number[];
  /** Readiness timeout (10 s by default). */
  readonly readyTimeoutMs?: number;
}

export interface EtcdInstance {
  /** `http://address:clientPort`. */
  readonly endpoint: string;
  /** One URL per client port, the first being `endpoint`. */
  readonly endpoints: readonly string[];
  /** etcd's pid (SIGSTOP/SIGCONT it to freeze it). */
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last lines etcd wrote (for failure messages). */
  output(): string;
  /** SIGTERM, SIGKILL after 3 s; removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * Start etcd and resolve once `GET /health` answers {"health":"true"} (polled every 50 ms);
 * rejects (after stopping it) when etcd exits or is not ready in time.
 */
export async function startEtcd(opts: StartEtcdOptions): Promise<EtcdInstance> {
  const etcd = findTool('etcd');
  if (etcd === undefined) throw new Error('startEtcd: etcd is not installed');
  const clientPort = opts.clientPort ?? 2379;
  const peerPort = opts.peerPort ?? 2380;
  const host = urlHost(opts.listenAddress);
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? join(mkdtempSync(join(tmpdir(), 'kats-etcd-')), 'data');
  const clientUrls = [clientPort, ...(opts.extraClientPorts ?? [])].map((p) => `http://${host}:${p}`);
  const peerUrl = `http://${host}:${peerPort}`;
  const name = `kats-etcd-${clientPort}`;
  const args = [
    '--name', name,
    '--data-dir', dataDir,
    '--listen-client-urls', clientUrls.join(','),
    '--advertise-client-urls', clientUrls[0] ?? '',
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `${name}=${peerUrl}`,
    '--initial-cluster-state', 'new',
    '--log-level', 'warn',
    ...(opts.fast === true ? ['--heartbeat-interval=10', '--election-timeout=100'] : []),
  ];
  const argv = opts.netns !== undefined ? ['ip', 'netns', 'exec', opts.netns, etcd, ...args] : [etcd, ...args];
  const [cmd, ...rest] = argv;
  const child = spawn(cmd ?? etcd, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (c: Buffer) => {
    for (const l of c.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(l);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const cleanupDir = () => rmSync(ownDir ? join(dataDir, '..') : dataDir, { recursive: true, force: true });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return exitPromise;
    stopped = true;
    if (!exited) {
      try {
        child.kill('SIGCONT'); // a frozen etcd cannot act on SIGTERM
        child.kill('SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exitPromise;
      clearTimeout(timer);
    }
    cleanupDir();
  };

  const instance: EtcdInstance = {
    endpoint: clientUrls[0] ?? '',
    endpoints: clientUrls,
    pid: child.pid ?? -1,
    child,
    output: () => lines.slice(-30).join('\n'),
    stop,
  };

  // Ready when /health answers {"health":"true"}. Our own fetch reaches etcd only when we
  // share its namespace; otherwise the probe runs inside the namespace (a short node child).
  const deadline = performance.now() + (opts.readyTimeoutMs ?? 10_000);
  while (performance.now() < deadline) {
    if (exited) {
      cleanupDir();
      throw new Error(`etcd exited during start:\n${instance.output()}`);
    }
    if (await healthy(instance.endpoint, opts.netns)) return instance;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`etcd not ready within ${opts.readyTimeoutMs ?? 10_000} ms:\n${instance.output()}`);
}

/** GET /health (inside `netns` through a short node child when given). */
async function healthy(endpoint: string, netns: string | undefined): Promise<boolean> {
  if (netns === undefined) {
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(500) });
      const body = (await res.json()) as { health?: unknown };
      return res.ok && body.health === 'true';
    } catch {
      return false;
    }
  }
  const js = `fetch(${JSON.stringify(`${endpoint}/health`)},{signal:AbortSignal.timeout(500)}).then(r=>r.json()).then(b=>process.exit(b.health==='true'?0:1),()=>process.exit(1))`;
  return new Promise((resolve) => {
    const probe = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', js], { stdio: 'ignore' });
    probe.once('exit', (code) => resolve(code === 0));
    probe.once('error', () => resolve(false));
  });
}
