/**
 * The checker process's post-parse pass (keepalived 2.2.7 check_daemon.c start_check →
 * ipwrapper.c link_vsg_to_vs, check_data.c validate_check_config): link virtual servers
 * to their groups, apply the service defaults, resolve the virtual server → real server
 * → checker inheritance, fix ports, clamp quorums, run the script security pass, and
 * produce the immutable model. Messages and severities are keepalived's; keepalived prints
 * them without a location, we attach the object's.
 */
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { LvsConfig } from '../model/lvs.js';
import type {
  LvsDraft,
  VirtualServerDraft,
  VirtualServerGroupDraft,
} from '../keywords/lvs_draft.js';
import { DEFAULT_PERSISTENCE_TIMEOUT_S } from '../keywords/lvs_virtual_server.js';
import {
  checkerGlobals,
  draftVsText,
  isFwmarkService,
  servicePort,
  type CheckerGlobals,
} from './lvs_text.js';
import { completeRealServers } from './lvs_real_servers.js';
import { fixServicePorts } from './lvs_ports.js';
import { resolveCheckers, secureScripts, type ResolvedCheckers } from './lvs_checkers.js';
import { buildLvsModel } from './lvs_model.js';

type Ctx = ParseContext<ConfigDraft>;
type GroupLinks = Map<VirtualServerDraft, VirtualServerGroupDraft>;

/**
 * ipwrapper.c link_vsg_to_vs(): a `virtual_server group` naming no (surviving) group, or
 * whose family clashes with its group's, is dropped with a log line only; the others are
 * numbered within their group.
 */
function linkGroups(ctx: Ctx, lvs: LvsDraft): GroupLinks {
  const links: GroupLinks = new Map();
  const byName = new Map<string, VirtualServerGroupDraft>();
  for (const g of lvs.groups) if (!byName.has(g.name)) byName.set(g.name, g);
  const kept: VirtualServerDraft[] = [];
  for (const vs of lvs.virtualServers) {
    if (vs.key.kind !== 'group') {
      kept.push(vs);
      continue;
    }
    const group = byName.get(vs.key.group);
    if (group === undefined) {
      const message =
        `Virtual server group ${vs.key.group} specified but not configured - ` +
        `ignoring virtual server ${draftVsText(vs)}`;
      ctx.reportAt(vs.at, 'notice', 'vsg_not_configured', message);
      continue;
    }
    if (linkGroupFamily(ctx, vs, group)) {
      links.set(vs, group);
      kept.push(vs);
    }
  }
  lvs.virtualServers.splice(0, lvs.virtualServers.length, ...kept);
  const counters = new Map<string, number>();
  for (const vs of kept) {
    if (vs.key.kind !== 'group') continue;
    const n = counters.get(vs.key.group) ?? 0;
    vs.memberIndex = n;
    counters.set(vs.key.group, n + 1);
  }
  return links;
}

/** The family part of link_vsg_to_vs(); false when the virtual server is dropped. */
function linkGroupFamily(
  ctx: Ctx,
  vs: VirtualServerDraft,
  group: VirtualServerGroupDraft,
): boolean {
  const name = group.name;
  const text = draftVsText(vs);
  const groupFamily = group.hasIpv4 === group.hasIpv6 ? undefined : group.hasIpv4 ? 4 : 6;
  const drop = (message: string): boolean => {
    ctx.reportAt(vs.at, 'notice', 'vsg_family_mismatch', message);
    return false;
  };
  const mismatch = `${name}: address family doesn't match virtual server ${text} - ignoring`;
  if (group.hasIpv4 && group.hasIpv6 && vs.family !== undefined) {
    return drop(
      `${name}: virtual server group with IPv4 & IPv6 doesn't match virtual server ${text}` +
        ' - ignoring',
    );
  }
  if ((group.hasIpv4 && vs.family === 6) || (group.hasIpv6 && vs.family === 4)) {
    return drop(mismatch);
  }
  if (groupFamily !== undefined) {
    if (vs.family === undefined) vs.family = groupFamily;
    else if (vs.family !== groupFamily) return drop(mismatch);
  } else if (vs.family === undefined && group.fwmarkWithoutFamily) {
    const message =
      `${name}: Virtual server ${text} address family cannot be determined, defaulting to IPv4`;
    ctx.reportAt(vs.at, 'notice', 'vsg_family_default', message);
  }
  return true;
}

/** The protocol / one-packet / zero-port checks of a service given by address. */
function completeAddressService(
  vs: VirtualServerDraft,
  say: (code: string, message: string) => void,
): void {
  if (vs.protocol === undefined) {
    say('vs_no_protocol', `Virtual server ${draftVsText(vs)}: no protocol set - defaulting to UDP`);
    vs.protocol = 'udp';
  }
  if (vs.flags.onePacket && vs.protocol !== 'udp') {
    say('vs_ops_not_udp',
      `Virtual server ${draftVsText(vs)}: one packet scheduling requires UDP - resetting`);
    vs.flags.onePacket = false;
  }
  if (vs.persistenceTimeoutS === 0 && vs.key.kind !== 'group' && servicePort(vs) === 0) {
    say('vs_zero_port', zeroPortMessage(vs));
    vs.persistenceTimeoutS = DEFAULT_PERSISTENCE_TIMEOUT_S;
  }
}

function zeroPortMessage(vs: VirtualServerDraft): string {
  const text = draftVsText(vs);
  return `Virtual server ${text}: zero port only valid for persistent services - setting`;
}

/** The service-level checks of validate_check_config(), before the real servers. */
function completeService(
  ctx: Ctx,
  vs: VirtualServerDraft,
  group: VirtualServerGroupDraft | undefined,
  globals: CheckerGlobals,
): void {
  const say = (code: string, message: string): void =>
    ctx.reportAt(vs.at, 'general_error', code, message);
  const ranges = group?.entries.filter((e) => e.kind === 'range') ?? [];
  const groupFwmarks = group?.entries.some((e) => e.kind === 'fwmark') ?? false;
  const isFwmark = isFwmarkService(vs);
  if (vs.haSuspend && (isFwmark || groupFwmarks)) {
    say('ha_suspend_fwmark',
      `Virtual server ${draftVsText(vs)}: cannot use ha_suspend with fwmarks - ` +
        'clearing ha_suspend');
    vs.haSuspend = false;
  }
  if (ranges.length > 0 || (group === undefined && !isFwmark)) completeAddressService(vs, say);
  if (vs.persistenceTimeoutS === 0 && ranges.some((e) => e.port === 0)) {
    say('vs_zero_port', zeroPortMessage(vs));
    vs.persistenceTimeoutS = DEFAULT_PERSISTENCE_TIMEOUT_S;
  }
  const onlyFwmarks = group === undefined ? isFwmark : ranges.length === 0 && groupFwmarks;
  if (vs.protocol !== undefined && onlyFwmarks) {
    say('vs_fwmark_protocol',
      `Warning: Virtual server ${draftVsText(vs)}: protocol specified for fwmark - ` +
        'protocol will be ignored');
    vs.protocol = undefined;
  }
  if (vs.scheduler === undefined) {
    say('vs_no_scheduler',
      `Virtual server ${draftVsText(vs)}: no scheduler set, setting default 'wlc'`);
    vs.scheduler = 'wlc';
  }
  vs.smtpAlert ??= globals.smtpAlertChecker ?? globals.smtpAlert ?? false;
}

/**
 * A classic pitfall keepalived does not mention: a checker copies its real server's address
 * when it is declared, so a real server written without a port (which gets the service's
 * port only later) leaves its checkers aiming at port 0 unless they set connect_port.
 */
function warnPortlessCheckers(ctx: Ctx, resolved: ResolvedCheckers): void {
  for (const ch of resolved.keys()) {
    const dst = ch.connection;
    if (dst?.destination === undefined || dst.destinationPort !== 0) continue;
    if (ch.spec.type === 'PING_CHECK') continue;
    const message =
      `${ch.spec.type} connects to port 0: its real server had no port when the checker ` +
      'was declared - set connect_port';
    ctx.reportAt(ch.at, 'notice', 'checker_port_zero', message);
  }
}

/** check_validate_config() and the LVS completions; runs after the stream. */
export function completeLvs(ctx: Ctx, global: GlobalDefs): LvsConfig {
  const lvs = ctx.state.lvs;
  const globals = checkerGlobals(global);
  const links = linkGroups(ctx, lvs);
  const kept: VirtualServerDraft[] = [];
  for (const vs of lvs.virtualServers) {
    if (vs.realServers.length === 0) {
      ctx.reportAt(
        vs.at,
        'general_error',
        'vs_no_real_servers',
        `Virtual server ${draftVsText(vs)} has no real servers - ignoring`,
      );
      continue;
    }
    const group = links.get(vs);
    completeService(ctx, vs, group, globals);
    completeRealServers(ctx, vs, globals);
    fixServicePorts(ctx, vs, group);
    kept.push(vs);
  }
  lvs.virtualServers.splice(0, lvs.virtualServers.length, ...kept);
  const resolved = resolveCheckers(lvs, globals);
  warnPortlessCheckers(ctx, resolved);
  const usable = secureScripts(ctx, lvs, resolved, global);
  return buildLvsModel(lvs, resolved, usable);
}
