/**
 * Duplicate VRIDs (vrrp.c check_vrid_conflicts()): a VRID may be used once per interface,
 * address family and multicast group; unicast instances conflict when they share the
 * local address and a peer (RFC 5798 §6.1: the VRID identifies the router on a LAN).
 */
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { VrrpInstance } from '../model/vrrp.js';
import type { InterfaceResolver } from './vrrp_interfaces.js';

type Ctx = ParseContext<ConfigDraft>;

/** The address keepalived would send from: unicast_src_ip, else the interface's. */
function localAddress(vi: VrrpInstance, r: InterfaceResolver): string | undefined {
  if (vi.sourceAddress !== undefined) return vi.sourceAddress.address;
  if (vi.interfaceName === undefined) return undefined;
  const addrs = r.facts(vi.interfaceName)?.addresses ?? [];
  // keepalived keeps the first IPv4 address and the IPv6 link-local address.
  return vi.family === 4
    ? addrs.find((a) => !a.includes(':'))
    : addrs.find((a) => /^fe[89ab][0-9a-f]:/i.test(a));
}

function unicastConflict(
  ctx: Ctx,
  a: VrrpInstance,
  b: VrrpInstance,
  r: InterfaceResolver,
): boolean {
  if (a.interfaceName !== undefined && b.interfaceName !== undefined && a.interfaceName !== b.interfaceName) {
    return false;
  }
  const la = localAddress(a, r);
  const lb = localAddress(b, r);
  if (la === undefined || lb === undefined || la !== lb) return false;
  const shared = a.unicastPeers.some((p) => b.unicastPeers.some((q) => q.address === p.address));
  if (!shared) return false;
  ctx.reportAt(
    a.at,
    'general_error',
    'duplicate_vrid',
    `(${a.name}) duplicate VRID conflict with ${b.name} VRID ${a.vrid}`,
  );
  return true;
}

function multicastConflict(
  ctx: Ctx,
  a: VrrpInstance,
  b: VrrpInstance,
  r: InterfaceResolver,
): boolean {
  if (a.interfaceName !== b.interfaceName || a.multicastGroup !== b.multicastGroup) return false;
  // keepalived only reports the clash for an interface that exists now.
  if (a.interfaceName === undefined || r.facts(a.interfaceName) === undefined) return false;
  ctx.reportAt(
    a.at,
    'general_error',
    'duplicate_vrid',
    `${a.name} and ${b.name} both use VRID ${a.vrid} with IPv${a.family} on interface ` +
    `${a.interfaceName}`,
  );
  return true;
}

/** True when keepalived reports a conflict (its validation then stops). */
export function checkVridConflicts(
  ctx: Ctx,
  instances: readonly VrrpInstance[],
  r: InterfaceResolver,
): boolean {
  let hadError = false;
  instances.forEach((a, i) => {
    for (const b of instances.slice(i + 1)) {
      if (a.family !== b.family || a.vrid !== b.vrid) continue;
      if (a.isUnicast !== b.isUnicast) continue;
      const clash = a.isUnicast ? unicastConflict(ctx, a, b, r) : multicastConflict(ctx, a, b, r);
      hadError ||= clash;
    }
  });
  return hadError;
}
