/**
 * keepalived's pid files (shell): the parent writes -p (default /run/keepalived.pid), the
 * VRRP child -r (/run/vrrp.pid), the checker child -c (/run/checkers.pid). Start-up is
 * refused while a live process is recorded in the parent's file ("daemon is already
 * running"); a stale file (dead pid) is taken over. A file is removed on exit only if it
 * still holds our pid.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { isProcessAlive } from './process_supervisor.js';

export const DEFAULT_PID_FILES = {
  parent: '/run/keepalived.pid',
  vrrp: '/run/vrrp.pid',
  checker: '/run/checkers.pid',
} as const;


/** The live pid recorded in `path` (not ours), if any. */
export function livePidIn(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return isProcessAlive(pid) ? pid : undefined;
}

export type ClaimResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Write our pid to `path` unless a live process holds it. */
export function claimPidFile(path: string): ClaimResult {
  const holder = livePidIn(path);
  if (holder !== undefined) return { ok: false, reason: `daemon is already running (pid ${holder} in ${path})` };
  try {
    writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `cannot write pid file ${path}: ${(e as Error).message}` };
  }
}

/** Remove `path` if it still records our pid. */
export function releasePidFile(path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
  } catch {
    // gone already
  }
}
