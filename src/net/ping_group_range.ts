/**
 * net.ipv4.ping_group_range: unprivileged ICMP datagram sockets (PING_CHECK, the arbiter's
 * ICMP references) need the daemon's gid inside it, and a fresh network namespace has the
 * empty range "1 0". keepalived 2.2.7 (check_ping.c set_ping_group_range) lowers the minimum
 * to 0 while it runs PING checks and puts it back on exit; we do the same.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const PATH = '/proc/sys/net/ipv4/ping_group_range';

/**
 * Lowers the range's minimum to 0 (keeping the maximum). Returns a function that restores
 * the saved minimum, or undefined when nothing was changed (already 0, or not writable).
 */
export function widenPingGroupRange(log: (line: string) => void): (() => void) | undefined {
  let text: string;
  try {
    text = readFileSync(PATH, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(\d+)\s+(\d+)\s*$/.exec(text);
  if (m === null) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min === 0) return undefined;
  if (min > 1 && max > 1) log(`Warning: ${PATH} being expanded from ${min} ${max} to 0 ${max}`);
  try {
    writeFileSync(PATH, `0\t${max}\t\n`);
  } catch (e) {
    log(`Write ${PATH} failed - ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  return () => {
    try {
      writeFileSync(PATH, `${min}\t${max}\t\n`);
    } catch {
      // the namespace may be gone
    }
  };
}
