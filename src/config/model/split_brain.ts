/**
 * keepalived-ts split-brain protection (docs/split-brain.md): keywords of our own, so a
 * file that uses none of them stays a plain keepalived config.
 *
 * - `heartbeat_path { interface IF [unicast_src_ip A] [unicast_peer { B … }] }` inside a
 *   vrrp_instance: adverts also travel over this path; a master is alive while adverts
 *   arrive on any path.
 * - `vrrp_arbiter NAME { reference ADDR [port N] … etcd_endpoint URL … }` at the top level,
 *   `arbiter NAME` inside a vrrp_instance: the references (the gateway) must answer before a
 *   backup takes over, and an isolated node goes to FAULT; with etcd, only the lease holder
 *   may be MASTER.
 * - `fence_script CMD` / `fence_timeout SECS`: a STONITH-style command that must succeed
 *   before a takeover.
 * - `notify_split_brain CMD`: run when two masters are seen.
 */
import type { SourceLocation } from '../diagnostics.js';
import type { ScriptCommand } from '../script.js';

/** One extra heartbeat path of an instance (the instance's own interface is path 0). */
export interface HeartbeatPath {
  readonly at: SourceLocation;
  readonly interfaceName: string;
  /** `unicast_src_ip` / `mcast_src_ip`; undefined: the interface's primary address. */
  readonly sourceAddress: string | undefined;
  /** `unicast_peer { … }`; empty: multicast to the instance's group. */
  readonly unicastPeers: readonly string[];
}

/** `reference ADDR [port PORT]`: ICMP echo, or a TCP connect when a port is given. */
export interface ArbiterReference {
  readonly address: string;
  readonly family: 4 | 6;
  readonly tcpPort: number | undefined;
}

/** etcd lease witness: only the holder of `keyPrefix + instance` may be MASTER. */
export interface EtcdWitness {
  readonly endpoints: readonly string[];
  readonly keyPrefix: string;
  readonly leaseTtlS: number;
  /** Written into the key; default: global_defs router_id (the host name). */
  readonly nodeId: string;
}

/** What a node does when the witness cannot be reached (landscape.md §3.1). */
export type UnreachablePolicy = 'fail_closed' | 'fail_open';

export interface VrrpArbiter {
  readonly name: string;
  readonly at: SourceLocation;
  readonly references: readonly ArbiterReference[];
  /** `interval` between probe rounds (default 1 s). */
  readonly intervalUs: number;
  /** `timeout` of one probe (default 0.5 s, at most the interval). */
  readonly timeoutUs: number;
  /** Rounds with no reference answering before the node counts as isolated (default 2). */
  readonly fall: number;
  /** Rounds with an answer before it is no longer isolated (default 2). */
  readonly rise: number;
  readonly witness: EtcdWitness | undefined;
  /** `unreachable fail_closed|fail_open` (default fail_closed): applies to the witness. */
  readonly unreachable: UnreachablePolicy;
}

/** An instance's split-brain settings. */
export interface InstanceSplitBrain {
  readonly heartbeatPaths: readonly HeartbeatPath[];
  /** `arbiter NAME`, resolved; undefined when none (or it does not exist). */
  readonly arbiter: string | undefined;
  readonly fenceScript: ScriptCommand | undefined;
  /** `fence_timeout` (default 10 s). */
  readonly fenceTimeoutUs: number;
  readonly notifySplitBrain: ScriptCommand | undefined;
}

export const NO_SPLIT_BRAIN: InstanceSplitBrain = {
  heartbeatPaths: [],
  arbiter: undefined,
  fenceScript: undefined,
  fenceTimeoutUs: 10_000_000,
  notifySplitBrain: undefined,
};

/** True when the instance asks someone before becoming MASTER. */
export function hasTakeoverGate(sb: InstanceSplitBrain): boolean {
  return sb.arbiter !== undefined || sb.fenceScript !== undefined;
}
