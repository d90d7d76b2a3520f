/**
 * `keepalived-ts lvs`: the data plane as `ipvsadm -Ln` prints it (PURE formatter).
 *
 *   Prot LocalAddress:Port Scheduler Flags
 *     -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
 *   TCP  10.0.0.1:80 wrr persistent 300
 *     -> 10.0.0.2:80                  Masq    3      0          0
 *
 * The counters are the backend's (IPVS active/inactive connections; nftables: new
 * connections counted by the destination's rule, printed in ActiveConn, InActConn 0).
 * With a health source a last column says what the checkers think (up/down).
 */
import { destinationKeyText, serviceKeyText, type DesiredDestination, type ServiceKey } from './desired.js';
import type { ObservedDataPlane } from './reconcile.js';

export interface DestinationCounters {
  readonly activeConns: number;
  readonly inactiveConns: number;
}

export interface ListOptions {
  /** Header line (ipvsadm: `IP Virtual Server version 1.2.1 (size=4096)`); omitted when undefined. */
  readonly banner?: string;
  /** Counters by `serviceKeyText + ' ' + destinationKeyText`. */
  readonly counters?: (service: ServiceKey, d: DesiredDestination) => DestinationCounters | undefined;
  /** Health by the same key; adds a `Health` column when given. */
  readonly health?: (service: ServiceKey, d: DesiredDestination) => 'up' | 'down' | undefined;
}

const FORWARD: Readonly<Record<string, string>> = { NAT: 'Masq', DR: 'Route', TUN: 'Tunnel' };

function serviceLine(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `FWM  ${key.fwmark}${key.family === 6 ? ' IPv6' : ''}`;
  const a = key.family === 6 ? `[${key.address}]` : key.address;
  return `${key.protocol.toUpperCase().padEnd(4)} ${a}:${key.port}`;
}

/** Sorted as ipvsadm sorts (-n output is kernel order; we sort by key text for stable output). */
export function formatLvsList(plane: ObservedDataPlane, opts: ListOptions = {}): string {
  const lines: string[] = [];
  if (opts.banner !== undefined) lines.push(opts.banner);
  lines.push('Prot LocalAddress:Port Scheduler Flags');
  lines.push(`  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn${opts.health ? ' Health' : ''}`);
  const services = [...plane.services].sort((a, b) => (serviceKeyText(a.key) < serviceKeyText(b.key) ? -1 : 1));
  for (const s of services) {
    let line = `${serviceLine(s.key)} ${s.scheduler}`;
    if (s.persistenceTimeoutS > 0) line += ` persistent ${s.persistenceTimeoutS}`;
    if (s.damaged === true) line += ' (damaged: will be repaired)';
    lines.push(line);
    for (const d of s.destinations) {
      const c = opts.counters?.(s.key, d);
      let dl =
        `  -> ${destinationKeyText(d).padEnd(28)} ${(FORWARD[d.forwarding] ?? d.forwarding).padEnd(7)} ` +
        `${String(d.weight).padEnd(6)} ${String(c?.activeConns ?? 0).padEnd(10)} ${String(c?.inactiveConns ?? 0)}`;
      if (opts.health) dl = `${dl.padEnd(68)} ${opts.health(s.key, d) ?? '-'}`;
      lines.push(dl.trimEnd());
    }
  }
  return `${lines.join('\n')}\n`;
}
