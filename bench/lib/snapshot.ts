/**
 * A private copy of the built daemon (bin/, dist/src/, native/build/, package.json, with
 * node_modules linked) so that a long benchmark runs one build throughout, even while
 * someone recompiles dist/ in the working tree. Plus a startDaemon() that takes the
 * keepalived-ts executable to run.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../../test/lab/netns_lab.js';
import { Daemon, REPO_ROOT, type DaemonKind } from '../../test/lab/daemons.js';

export interface Snapshot {
  readonly dir: string;
  readonly bin: string;
  remove(): void;
}

/** Copy the build; checks it loads (`--version`), retrying while a compile is under way. */
export async function snapshotBuild(): Promise<Snapshot> {
  let lastError = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'kats-bench-build-'));
    const remove = () => rmSync(dir, { recursive: true, force: true });
    try {
      cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
      cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      cpSync(join(REPO_ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
      mkdirSync(join(dir, 'native', 'build'), { recursive: true });
      cpSync(join(REPO_ROOT, 'native', 'build', 'kats_net.node'), join(dir, 'native', 'build', 'kats_net.node'));
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
      const bin = join(dir, 'bin', 'keepalived-ts');
      // A config test loads main.js and its module graph.
      const conf = join(dir, 'check.conf');
      writeFileSync(conf, 'global_defs {\n  router_id bench\n}\n');
      const r = spawnSync(process.execPath, [bin, '-t', '-f', conf], { encoding: 'utf8' });
      if (r.status === 0 && !/cannot load/.test(`${r.stdout}${r.stderr}`)) return { dir, bin, remove };
      lastError = `${r.stdout}${r.stderr}`.trim();
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    remove();
    await new Promise((res) => setTimeout(res, 3_000));
  }
  throw new Error(`cannot take a working snapshot of the build: ${lastError}`);
}

/** test/lab/daemons.ts startDaemon, with the keepalived-ts executable given. */
export function startDaemonWith(katsBin: string, lab: Lab, host: string, kind: DaemonKind, configText: string): Daemon {
  const dir = mkdtempSync(join(tmpdir(), `kats-${kind}-${host}-`));
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, configText);
  const argv =
    kind === 'keepalived-ts'
      ? [process.execPath, katsBin, '-n', '-l', '-D', '-f', conf, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')]
      : ['keepalived', '-n', '-l', '-D', '-f', conf, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')];
  const child = lab.spawn(host, argv, { cwd: dir });
  return new Daemon(kind, host, child, dir);
}
