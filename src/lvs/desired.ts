/**
 * The data plane as the checker core wants it (pure values): the virtual services and the
 * real servers that should be in the kernel's L4 load balancer now, with their weights.
 *
 * The checker core (src/check) produces it from the configuration and the health of the
 * real servers; a reconciler (src/lvs/reconcile.ts) compares it with what a backend
 * observed in the kernel (nftables or IPVS) and derives the smallest change.
 */
import type { ForwardingMethod, LvsIpFamily, LvsProtocol } from '../config/model/lvs.js';

/** How a virtual service is reached: an address and port, or a firewall mark. */
export type ServiceKey =
  | {
      readonly kind: 'address';
      readonly family: LvsIpFamily;
      readonly protocol: LvsProtocol;
      readonly address: string;
      readonly port: number;
    }
  | { readonly kind: 'fwmark'; readonly family: LvsIpFamily; readonly fwmark: number };

export interface DesiredDestination {
  readonly family: LvsIpFamily;
  readonly address: string;
  readonly port: number;
  /** 0 keeps the destination in the service but sends it no new connections (inhibit_on_failure). */
  readonly weight: number;
  readonly forwarding: ForwardingMethod;
}

export interface DesiredService {
  readonly key: ServiceKey;
  /** IPVS scheduler name as configured (`rr`, `wrr`, `wlc`, `sh`, …). */
  readonly scheduler: string;
  /** `persistence_timeout` in seconds; 0: not persistent. */
  readonly persistenceTimeoutS: number;
  /** In keepalived's order (config order, then the sorry server). */
  readonly destinations: readonly DesiredDestination[];
}

export interface DesiredDataPlane {
  readonly services: readonly DesiredService[];
}

/** A stable text key for a service, for maps and logs: `tcp:10.0.0.1:80` or `fwmark:1`. */
export function serviceKeyText(k: ServiceKey): string {
  if (k.kind === 'fwmark') return `fwmark${k.family === 6 ? '6' : ''}:${k.fwmark}`;
  const a = k.family === 6 ? `[${k.address}]` : k.address;
  return `${k.protocol}:${a}:${k.port}`;
}

/** A stable text key for a destination within its service: `10.0.0.2:8080`. */
export function destinationKeyText(d: Pick<DesiredDestination, 'family' | 'address' | 'port'>): string {
  return d.family === 6 ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}
