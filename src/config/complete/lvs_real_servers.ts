/**
 * The real-server part of keepalived 2.2.7's validate_check_config() (check_data.c):
 * duplicates, the default forwarding method, inheritance from the virtual server, the
 * sorry server's relation to the real servers, and the quorum/hysteresis clamping.
 */
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { RealServerDraft, VirtualServerDraft } from '../keywords/lvs_draft.js';
import { draftRsText, draftVsText, type CheckerGlobals } from './lvs_text.js';

type Ctx = ParseContext<ConfigDraft>;

const UINT32 = 2 ** 32;

/** sockstorage_equal(): same family, address and port. */
export function serverKey(s: {
  readonly address: { family: number; address: string; port: number };
}): string {
  return `${s.address.family}|${s.address.address}|${s.address.port}`;
}

/** Sets the virtual server's forwarding to NAT (with keepalived's complaint) if unset. */
function defaultForwarding(ctx: Ctx, vs: VirtualServerDraft): void {
  if (vs.forwarding.method !== undefined) return;
  ctx.reportAt(vs.at, 'general_error', 'vs_no_forwarding',
    `Virtual server ${draftVsText(vs)}: no forwarding method set, setting default NAT`);
  vs.forwarding.method = 'NAT';
}

function inheritFromService(
  rs: RealServerDraft,
  vs: VirtualServerDraft,
  globals: CheckerGlobals,
): void {
  rs.alpha ??= vs.alpha;
  rs.inhibit ??= vs.inhibit;
  rs.retry ??= vs.retry;
  rs.connectTimeoutUs ??= vs.connectTimeoutUs;
  rs.delayLoopUs ??= vs.delayLoopUs;
  rs.warmupUs ??= vs.warmupUs;
  rs.delayBeforeRetryUs ??= vs.delayBeforeRetryUs;
  rs.weight ??= vs.weight;
  // keepalived-compat: real servers alert by default (back-compat), unlike everything else.
  rs.smtpAlert ??= globals.smtpAlertChecker ?? globals.smtpAlert ?? true;
}

/** The sorry server duplicating a real server must share its inhibit_on_failure. */
function matchSorryServer(
  ctx: Ctx,
  vs: VirtualServerDraft,
  rs: RealServerDraft,
  rsKey: string,
): void {
  const sorry = vs.sorry;
  if (sorry === undefined || serverKey(sorry) !== rsKey) return;
  const inhibit = rs.inhibit ?? false;
  if (sorry.inhibit !== inhibit) {
    ctx.reportAt(vs.at, 'general_error', 'sorry_server_inhibit_mismatch',
      `Virtual server ${draftVsText(vs)}: real server ${draftRsText(rs, vs)} ` +
        'matches sorry server, ' +
        `but inhibit setting differs, ${inhibit ? 'sett' : 'clear'}ing on sorry server`);
    sorry.inhibit = inhibit;
  }
  sorry.duplicatesRealServer = true;
}

function clampQuorum(ctx: Ctx, vs: VirtualServerDraft, weightSum: number): void {
  if (vs.quorum > weightSum) {
    ctx.reportAt(vs.at, 'general_error', 'vs_quorum_clamped',
      `Warning - quorum ${vs.quorum} for ${draftVsText(vs)} exceeds total weight of real ` +
        `servers ${weightSum}, reducing quorum to ${weightSum}`);
    vs.quorum = weightSum;
  }
  if (vs.hysteresis >= vs.quorum) {
    // Unsigned arithmetic, as in keepalived: a quorum of 0 gives a hysteresis of 2^32 - 1.
    const hysteresis = (vs.quorum - 1 + UINT32) % UINT32;
    ctx.reportAt(vs.at, 'general_error', 'vs_hysteresis_clamped',
      `Virtual server ${draftVsText(vs)}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; ` +
        `setting hysteresis to ${hysteresis}`);
    vs.hysteresis = hysteresis;
  }
}

/** Runs over the real servers of one (kept) virtual server. */
export function completeRealServers(
  ctx: Ctx,
  vs: VirtualServerDraft,
  globals: CheckerGlobals,
): void {
  const seen = new Set<string>();
  const kept: RealServerDraft[] = [];
  let weightSum = 0;
  for (const rs of vs.realServers) {
    const key = serverKey(rs);
    if (seen.has(key)) {
      ctx.reportAt(rs.at, 'general_error', 'rs_duplicate',
        `VS ${draftVsText(vs)}: real server ${draftRsText(rs, vs)} is duplicated - ` +
          'removing second rs');
      continue;
    }
    seen.add(key);
    kept.push(rs);
    if (rs.forwarding.method === undefined) {
      defaultForwarding(ctx, vs);
      rs.forwarding = { ...vs.forwarding };
    }
    inheritFromService(rs, vs, globals);
    weightSum = (weightSum + (rs.weight ?? 0)) % UINT32;
    matchSorryServer(ctx, vs, rs, key);
  }
  vs.realServers.splice(0, vs.realServers.length, ...kept);
  if (vs.sorry !== undefined && vs.sorry.forwarding.method === undefined) {
    defaultForwarding(ctx, vs);
    vs.sorry.forwarding = { ...vs.forwarding };
  }
  clampQuorum(ctx, vs, weightSum);
}
