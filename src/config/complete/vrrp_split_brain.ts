/**
 * Completion of the keepalived-ts split-brain keywords (keywords/vrrp_split_brain.ts):
 * defaults, cross-references and the cases we refuse, each reported with file:line.
 */
import type { ParseContext } from '../parse_context.js';
import type { ConfigDraft } from '../draft.js';
import type { GlobalDefs } from '../model/global.js';
import type { VrrpInstance } from '../model/vrrp.js';
import type { HeartbeatPath, InstanceSplitBrain, VrrpArbiter } from '../model/split_brain.js';
import { NO_SPLIT_BRAIN } from '../model/split_brain.js';
import type { ArbiterDraft, InstanceDraft } from '../keywords/vrrp_draft.js';

type Ctx = ParseContext<ConfigDraft>;

const SECOND_US = 1_000_000;
/** Probe rounds: often enough to notice isolation well inside a default Master_Down_Interval. */
const DEFAULT_INTERVAL_US = SECOND_US;
const DEFAULT_TIMEOUT_US = 500_000;
const DEFAULT_FALL = 2;
const DEFAULT_RISE = 2;
const DEFAULT_LEASE_TTL_S = 3;
const DEFAULT_KEY_PREFIX = '/keepalived-ts/';

function completeArbiter(ctx: Ctx, a: ArbiterDraft, global: GlobalDefs): VrrpArbiter | undefined {
  if (a.references.length === 0 && a.endpoints.length === 0) {
    ctx.reportAt(a.at, 'general_error', 'empty_arbiter', `vrrp_arbiter ${a.name} has neither a reference nor an etcd_endpoint - ignoring`);
    return undefined;
  }
  const intervalUs = a.intervalUs ?? DEFAULT_INTERVAL_US;
  let timeoutUs = a.timeoutUs ?? Math.min(DEFAULT_TIMEOUT_US, intervalUs);
  if (timeoutUs > intervalUs) {
    ctx.reportAt(a.at, 'general_error', 'invalid_value', `vrrp_arbiter ${a.name}: timeout is longer than interval - using the interval`);
    timeoutUs = intervalUs;
  }
  return {
    name: a.name,
    at: a.at,
    references: a.references,
    intervalUs,
    timeoutUs,
    fall: a.fall ?? DEFAULT_FALL,
    rise: a.rise ?? DEFAULT_RISE,
    witness:
      a.endpoints.length === 0
        ? undefined
        : {
            endpoints: a.endpoints,
            keyPrefix: a.keyPrefix ?? DEFAULT_KEY_PREFIX,
            leaseTtlS: a.leaseTtlS ?? DEFAULT_LEASE_TTL_S,
            nodeId: a.nodeId ?? global.routerId,
          },
    unreachable: a.unreachable ?? 'fail_closed',
  };
}

export function completeArbiters(ctx: Ctx, drafts: readonly ArbiterDraft[], global: GlobalDefs): VrrpArbiter[] {
  return drafts.flatMap((a) => {
    const done = completeArbiter(ctx, a, global);
    return done === undefined ? [] : [done];
  });
}

function completePaths(ctx: Ctx, d: InstanceDraft, vi: VrrpInstance): HeartbeatPath[] {
  const out: HeartbeatPath[] = [];
  for (const p of d.splitBrain.paths) {
    if (p.interfaceName === undefined) {
      ctx.reportAt(p.at, 'general_error', 'no_interface', `(${vi.name}) heartbeat_path without interface - ignoring`);
      continue;
    }
    const addrs = [...(p.sourceAddress === undefined ? [] : [p.sourceAddress]), ...p.unicastPeers];
    if (addrs.some((a) => a.family !== vi.family)) {
      ctx.reportAt(p.at, 'general_error', 'family_mismatch', `(${vi.name}) heartbeat_path addresses must be IPv${vi.family} like the instance - ignoring`);
      continue;
    }
    if (p.interfaceName === vi.interfaceName && p.unicastPeers.length === 0 && !vi.isUnicast) {
      ctx.reportAt(p.at, 'general_error', 'duplicate_path', `(${vi.name}) heartbeat_path repeats the instance's own multicast path - ignoring`);
      continue;
    }
    out.push({
      at: p.at,
      interfaceName: p.interfaceName,
      sourceAddress: p.sourceAddress?.address,
      unicastPeers: p.unicastPeers.map((x) => x.address),
    });
  }
  return out;
}

/** The instance's split-brain settings; unknown arbiters and unsupported cases are reported. */
export function completeInstanceSplitBrain(
  ctx: Ctx,
  d: InstanceDraft,
  vi: VrrpInstance,
  arbiters: readonly VrrpArbiter[],
): InstanceSplitBrain {
  const sb = d.splitBrain;
  let arbiter: string | undefined;
  if (sb.arbiter !== undefined) {
    if (!arbiters.some((a) => a.name === sb.arbiter?.name)) {
      ctx.reportAt(sb.arbiter.at, 'general_error', 'unknown_arbiter', `(${vi.name}) arbiter ${sb.arbiter.name} not defined - ignoring`);
    } else arbiter = sb.arbiter.name;
  }
  let fenceScript = sb.fenceScript;
  if (vi.syncGroup !== undefined && (arbiter !== undefined || fenceScript !== undefined)) {
    // Not built: a sync group moves its members together, and gating one member's takeover
    // would need the group machine to wait too (docs/split-brain.md).
    ctx.reportAt(
      sb.arbiter?.at ?? vi.at,
      'general_error',
      'not_supported',
      `(${vi.name}) arbiter and fence_script are not supported for sync group members (${vi.syncGroup}) - ignoring`,
    );
    arbiter = undefined;
    fenceScript = undefined;
  }
  return {
    heartbeatPaths: completePaths(ctx, d, vi),
    arbiter,
    fenceScript,
    fenceTimeoutUs: sb.fenceTimeoutUs ?? NO_SPLIT_BRAIN.fenceTimeoutUs,
    notifySplitBrain: sb.notifySplitBrain,
  };
}
