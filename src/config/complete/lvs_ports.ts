/**
 * The port rules at the end of keepalived 2.2.7's validate_check_config(): unless NAT,
 * real (and sorry) servers must use the service's port, and none for a fwmark service.
 * For a plain service keepalived corrects the ports; for a group it only warns.
 */
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { VirtualServerGroupEntry } from '../model/lvs.js';
import type { VirtualServerDraft, VirtualServerGroupDraft } from '../keywords/lvs_draft.js';
import { draftRsText, draftVsText, isFwmarkService, servicePort } from './lvs_text.js';

type Ctx = ParseContext<ConfigDraft>;

/** check_data.c format_vsge(). */
function groupEntryText(e: VirtualServerGroupEntry): string {
  if (e.kind === 'fwmark') return `FWM ${e.fwmark}`;
  return e.first === e.last ? `${e.first},${e.port}` : `${e.first}-${e.last},${e.port}`;
}

type Warn = (message: string) => void;

function warner(ctx: Ctx, vs: VirtualServerDraft): Warn {
  return (message) => ctx.reportAt(vs.at, 'general_error', 'vs_port_mismatch', message);
}

function warnGroupPorts(ctx: Ctx, vs: VirtualServerDraft, group: VirtualServerGroupDraft): void {
  const warn = warner(ctx, vs);
  const service = draftVsText(vs);
  const sorry = vs.sorry;
  const sorryNotNat = sorry !== undefined && sorry.forwarding.method !== 'NAT';
  if (group.entries.some((e) => e.kind === 'fwmark')) {
    for (const rs of vs.realServers) {
      if (rs.forwarding.method === 'NAT' || rs.address.port === 0) continue;
      warn(`WARNING - fwmark virtual server ${service}, real server ${draftRsText(rs, vs)} ` +
        'has port specified - port will be ignored');
    }
    if (sorryNotNat && sorry.address.port !== 0) {
      warn(`WARNING - fwmark virtual server ${service}, sorry server has port specified - ` +
        'port will be ignored');
    }
  }
  for (const e of group.entries) {
    if (e.kind !== 'range') continue;
    for (const rs of vs.realServers) {
      if (rs.forwarding.method === 'NAT') continue;
      if (rs.address.port !== 0 && rs.address.port !== e.port) {
        warn(`virtual server ${service}:[${groupEntryText(e)}] and real server ` +
          `${draftRsText(rs, vs)} ports don't match`);
      }
    }
    if (sorryNotNat && sorry.address.port !== 0 && sorry.address.port !== e.port) {
      warn(`WARNING - virtual server ${service}, sorry server has port specified - ` +
        'port will be ignored');
    }
  }
}

function fixPlainRealServerPorts(warn: Warn, vs: VirtualServerDraft): void {
  const isFwmark = isFwmarkService(vs);
  const vsPort = servicePort(vs);
  for (const rs of vs.realServers) {
    if (rs.forwarding.method === 'NAT') {
      if (!isFwmark && rs.address.port === 0) rs.address.port = vsPort;
      continue;
    }
    if (isFwmark) {
      if (rs.address.port !== 0) {
        warn(`WARNING - fwmark virtual server ${draftVsText(vs)}, real server ` +
          `${draftRsText(rs, vs)} has port specified - clearing`);
        rs.address.port = 0;
      }
    } else if (rs.address.port === 0) rs.address.port = vsPort;
    else if (rs.address.port !== vsPort) {
      warn(`WARNING - virtual server ${draftVsText(vs)} and real server ${draftRsText(rs, vs)} ` +
        "ports don't match - resetting");
      rs.address.port = vsPort;
    }
  }
}

function fixPlainPorts(ctx: Ctx, vs: VirtualServerDraft): void {
  const warn = warner(ctx, vs);
  fixPlainRealServerPorts(warn, vs);
  const sorry = vs.sorry;
  if (sorry === undefined || sorry.forwarding.method === 'NAT') return;
  const vsPort = servicePort(vs);
  if (isFwmarkService(vs)) {
    if (sorry.address.port !== 0) {
      warn(`WARNING - virtual server ${draftVsText(vs)}, sorry server has port specified - ` +
        'clearing');
      sorry.address.port = 0;
    }
  } else if (sorry.address.port === 0) sorry.address.port = vsPort;
  else if (sorry.address.port !== vsPort) {
    warn(`WARNING - virtual server ${draftVsText(vs)} and sorry server ports don't match - ` +
      'resetting');
    sorry.address.port = vsPort;
  }
}

export function fixServicePorts(
  ctx: Ctx,
  vs: VirtualServerDraft,
  group: VirtualServerGroupDraft | undefined,
): void {
  if (group !== undefined) warnGroupPorts(ctx, vs, group);
  else fixPlainPorts(ctx, vs);
}
