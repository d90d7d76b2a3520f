/**
 * The root blocks of the VRRP process other than instances, after the stream:
 * static_ipaddress/routes/rules (interfaces), track_group, garp_group,
 * linkbeat_interfaces, interface_up_down_delays, track_file, vrrp_track_process and
 * bfd_instance. keepalived-compat: vrrp/vrrp_parser.c, vrrp_static_track.c (2.2.7).
 */
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { VrrpConfig } from '../model/vrrp.js';
import { readDecimalLenient } from '../keywords/global_values.js';
import type { GarpGroupDraft, VrrpDraft } from '../keywords/vrrp_draft.js';
import {
  checkRouteDevices,
  checkRuleDevices,
  checkStaticAddresses,
  contextAt,
  type InterfaceResolver,
} from './vrrp_interfaces.js';

type Ctx = ParseContext<ConfigDraft>;

export type StaticResult = Pick<
  VrrpConfig,
  | 'trackFiles' | 'trackProcesses' | 'bfdInstances' | 'staticAddresses' | 'staticRoutes'
  | 'staticRules' | 'staticTrackGroups' | 'garpGroups' | 'linkbeatInterfaces' | 'interfaceUpDownDelays'
>;

/** garp_group: interfaces in file order; a group without intervals is dropped. */
function garpGroups(
  ctx: Ctx,
  r: InterfaceResolver,
  groups: readonly GarpGroupDraft[],
): VrrpConfig['garpGroups'] {
  const owner = new Map<string, GarpGroupDraft>();
  const out: VrrpConfig['garpGroups'][number][] = [];
  let aggregation = 0;
  for (const g of groups) {
    const number = g.isAggregation ? ++aggregation : 0;
    const names: string[] = [];
    for (const i of g.interfaces) {
      const msg = `WARNING - interface ${i.name} specified for garp_group doesn't exist`;
      if (!r.lookup(i.name, i.at, msg)) continue;
      if (owner.has(i.name)) {
        // keepalived-compat: the list form quotes the block's second word (and exits when
        // there is none).
        const quoted = i.fromList ? (g.listSecond ?? ctx.word([g.interfaces[0]?.name ?? ''], 1)) : i.name;
        ctx.reportAt(
          i.at,
          'general_error',
          'duplicate',
          `garp_group already specified for ${quoted} - ignoring`,
        );
        continue;
      }
      owner.set(i.name, g);
      names.push(i.name);
    }
    if (g.garpIntervalUs === undefined && g.gnaIntervalUs === undefined) {
      ctx.reportAt(
        g.at,
        'general_error',
        'garp_group_empty',
        `garp group ${number} does not have any delay set - removing`,
      );
      for (const n of names) owner.delete(n);
      continue;
    }
    out.push(
      { at: g.at, garpIntervalUs: g.garpIntervalUs, gnaIntervalUs: g.gnaIntervalUs, interfaces: names },
    );
  }
  return out;
}

function linkbeat(ctx: Ctx, r: InterfaceResolver, v: VrrpDraft): VrrpConfig['linkbeatInterfaces'] {
  const out: { name: string; type: string | undefined }[] = [];
  for (const line of v.linkbeatInterfaces) {
    const [name = '', type] = line.words;
    if (!r.lookupNoCreate(name)) {
      ctx.reportAt(
        line.at,
        'fatal',
        'unknown_interface',
        `unknown interface ${name} specified for linkbeat interface`,
      );
      continue;
    }
    const known = type === 'MII' || type === 'ETHTOOL' || type === 'IOCTL';
    if (type !== undefined && (!known || line.words.length > 2)) {
      ctx.reportAt(
        line.at,
        'general_error',
        'extra_characters',
        `extra characters ${type} in linkbeat interface`,
      );
    }
    out.push({ name, type: known ? type : undefined });
  }
  return out;
}

function upDownDelays(
  ctx: Ctx,
  r: InterfaceResolver,
  v: VrrpDraft,
): VrrpConfig['interfaceUpDownDelays'] {
  const out: VrrpConfig['interfaceUpDownDelays'][number][] = [];
  for (const line of v.upDownDelays) {
    const [name = '', down, up] = line.words;
    const at = contextAt(ctx, line.at);
    if (!r.lookupNoCreate(name)) {
      ctx.reportAt(
        line.at,
        'fatal',
        'unknown_interface',
        `unknown interface ${name} specified for up/down delay`,
      );
      continue;
    }
    if (down === undefined) {
      at.notice('no_timeouts', `No timeouts specified for ${name} up/down delays`);
      continue;
    }
    if (line.words.length > 3) at.notice(
      'too_many',
      `Too many parameters for ${name} up/down delays`,
    );
    const downUs = readDecimalLenient(at, down, { min: 0, max: 255_000_000, shift: 6 });
    if (downUs === undefined) {
      at.notice('invalid_delay', `Invalid down delay ${down} for ${name}`);
      continue;
    }
    const upUs = up === undefined ? 0 : readDecimalLenient(
      at,
      up,
      { min: 0, max: 255_000_000, shift: 6 },
    );
    if (upUs === undefined) {
      at.notice('invalid_delay', `Invalid up delay ${up ?? ''} for ${name}`);
      continue;
    }
    out.push({ name, downDelayUs: downUs, upDelayUs: upUs });
  }
  return out;
}

function trackGroups(ctx: Ctx, v: VrrpDraft): VrrpConfig['staticTrackGroups'] {
  const out: VrrpConfig['staticTrackGroups'][number][] = [];
  for (const g of v.staticTrackGroups) {
    const members = (g.members ?? []).filter((m) => {
      const found = v.instances.some((vi) => vi.name === m);
      if (!found) ctx.reportAt(
        g.at,
        'notice',
        'track_group_member',
        `vrrp instance ${m} specified in track group ${g.name} doesn't exist - ignoring`,
      );
      return found;
    });
    if (members.length === 0) {
      ctx.reportAt(
        g.at,
        'notice',
        'track_group_empty',
        `Static track group ${g.name} init fails - removing`,
      );
      continue;
    }
    out.push({ name: g.name, at: g.at, members });
  }
  return out;
}

function trackedObjects(
  v: VrrpDraft,
): Pick<StaticResult, 'trackFiles' | 'trackProcesses' | 'bfdInstances'> {
  return {
    trackFiles: v.trackFiles.map((f) => ({
      name: f.name,
      at: f.at,
      path: f.path ?? '',
      weight: f.weight,
      weightReverse: f.weightReverse,
      init: f.init,
    })),
    trackProcesses: v.trackProcesses
      .filter((p) => !p.isRemoved)
      .map((p) => ({
        name: p.name,
        at: p.at,
        process: p.process ?? '',
        params: p.params,
        paramMatch: p.paramMatch,
        weight: p.weight, weightReverse: p.weightReverse, quorum: p.quorum, quorumMax: p.quorumMax,
        forkDelayUs: p.forkDelayUs,
        terminateDelayUs: p.terminateDelayUs,
        fullCommand: p.fullCommand,
      })),
    bfdInstances: v.bfds.flatMap((b) =>
      b.isDeadForBfd || b.neighbor === undefined
        ? []
        : [{
            name: b.name, at: b.at, neighbor: b.neighbor, source: b.source, minRxUs: b.minRxUs,
            minTxUs: b.minTxUs, idleTxUs: b.idleTxUs, multiplier: b.multiplier, passive: b.passive,
            ttl: b.ttl, maxHops: b.maxHops, weight: b.weight, weightReverse: b.weightReverse,
            forVrrp: b.forVrrp, forChecker: b.forChecker,
          }],
    ),
  };
}

/** What keepalived checks for these blocks while reading, in one pass. */
export function completeStatic(ctx: Ctx, r: InterfaceResolver, global: GlobalDefs): StaticResult {
  const v = ctx.state.vrrp;
  return {
    staticAddresses: checkStaticAddresses(ctx, r, v.staticAddresses, global),
    staticRoutes: checkRouteDevices(r, v.staticRoutes),
    staticRules: checkRuleDevices(r, v.staticRules),
    garpGroups: garpGroups(ctx, r, v.garpGroups),
    linkbeatInterfaces: linkbeat(ctx, r, v),
    interfaceUpDownDelays: upDownDelays(ctx, r, v),
    staticTrackGroups: trackGroups(ctx, v),
    ...trackedObjects(v),
  };
}
