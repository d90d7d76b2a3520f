/**
 * The common interface of the L4 data-plane backends (IPVS over generic netlink, nftables
 * DNAT) and the choice between them (PURE: the caller supplies the file probe, because
 * src/lvs is a pure directory; `openLvsBackend()` in ipvs.ts is the shell that probes).
 */
import type { DesiredDataPlane } from './desired.js';
import type { Change, ObservedDataPlane } from './reconcile.js';

export type BackendKind = 'ipvs' | 'nftables';

export interface ApplyResult {
  /** Changes the kernel accepted (all or none for nftables: one transaction). */
  readonly applied: number;
  /** Operational problems, as values (the kernel's message, errno, nft's stderr). */
  readonly errors: readonly string[];
  /** Accepted but approximated or not expressible on this backend (DR on nftables, …). */
  readonly warnings: readonly string[];
  /** Wall time of the kernel interaction, ms (measured by the shell). */
  readonly elapsedMs: number;
}

export interface LvsBackend {
  readonly kind: BackendKind;
  observe(): Promise<ObservedDataPlane>;
  apply(changes: readonly Change[], desired: DesiredDataPlane): Promise<ApplyResult>;
  /** Removes everything this daemon put in the kernel. */
  clear(): Promise<void>;
  close?(): void;
}

/** The IPVS procfs file: present exactly when the ip_vs module is loaded. */
export const IPVS_PROC_FILE = '/proc/net/ip_vs';

/** 'ipvs' when the kernel has ip_vs (the probe says /proc/net/ip_vs exists), else 'nftables'. */
export function chooseBackend(exists: (path: string) => boolean, prefer?: BackendKind | 'auto'): BackendKind {
  if (prefer === 'ipvs' || prefer === 'nftables') return prefer;
  return exists(IPVS_PROC_FILE) ? 'ipvs' : 'nftables';
}
