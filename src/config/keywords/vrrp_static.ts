/**
 * Root blocks of the VRRP process that are not instances: static_ipaddress,
 * static_routes, static_rules, track_group, garp_group, linkbeat_interfaces and
 * interface_up_down_delays.
 * keepalived-compat: vrrp/vrrp_parser.c (2.2.7). Interface lookups need the final
 * dynamic_interfaces setting, so they are done at completion (complete/vrrp_static.ts).
 */
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readDecimalLenient, type Ctx, type KeywordDef } from './global_values.js';
import { parseAddressLine } from './vrrp_address.js';
import { parseRouteLine } from './vrrp_route.js';
import { parseRuleLine } from './vrrp_rule.js';
import type { GarpGroupDraft, VrrpDraft } from './vrrp_draft.js';

/** static_track_group_find(): a track_group defined earlier. */
export function trackGroupFinder(draft: VrrpDraft): (name: string) => boolean {
  return (name) => draft.staticTrackGroups.some((g) => g.name === name);
}

function staticAddresses(words: readonly string[], ctx: Ctx): void {
  const v = ctx.state.vrrp;
  ctx.readValueBlock(words, (line) => {
    const e = parseAddressLine(ctx, line, { isStatic: true, findTrackGroup: trackGroupFinder(v) });
    if (e !== undefined) v.staticAddresses.push(e);
  });
}

function staticRoutes(words: readonly string[], ctx: Ctx): void {
  const v = ctx.state.vrrp;
  ctx.readValueBlock(words, (line) => {
    const e = parseRouteLine(ctx, line, { findTrackGroup: trackGroupFinder(v) });
    if (e !== undefined) v.staticRoutes.push(e);
  });
}

function staticRules(words: readonly string[], ctx: Ctx): void {
  const v = ctx.state.vrrp;
  ctx.readValueBlock(words, (line) => {
    const e = parseRuleLine(ctx, line, { findTrackGroup: trackGroupFinder(v), draft: v });
    if (e !== undefined) v.staticRules.push(e);
  });
}

function trackGroup(words: readonly string[], ctx: Ctx): void {
  const name = words[1];
  if (words.length !== 2 || name === undefined) {
    ctx.report('general_error', 'missing_name', 'track_group must have a name - skipping');
    ctx.skipBlock(true);
    return;
  }
  const groups = ctx.state.vrrp.staticTrackGroups;
  if (groups.some((g) => g.name === name)) {
    ctx.report('general_error', 'duplicate', `track_group ${name} already defined`);
    ctx.skipBlock(true);
    return;
  }
  groups.push({ name, at: ctx.at, members: undefined });
}

function trackGroupMembers(words: readonly string[], ctx: Ctx): void {
  const group = ctx.state.vrrp.staticTrackGroups.at(-1);
  if (group === undefined) return;
  if (group.members !== undefined) {
    ctx.report(
      'general_error',
      'duplicate',
      `Group list already specified for sync group ${group.name}`,
    );
    ctx.skipBlock(true);
    return;
  }
  const members: string[] = [];
  ctx.readValueBlock(words, (line) => members.push(...line));
  if (members.length === 0) {
    ctx.report(
      'general_error',
      'empty_block',
      `Warning - track group ${group.name} has empty group block`,
    );
    return;
  }
  group.members = members;
}

function lastGarpGroup(ctx: Ctx): GarpGroupDraft | undefined {
  return ctx.state.vrrp.garpGroups.at(-1);
}

function garpGroupInterval(kind: 'garp' | 'gna'): KeywordDef {
  return {
    name: `${kind}_interval`,
    handler: (words, ctx) => {
      const group = lastGarpGroup(ctx);
      const text = ctx.word(words, 1);
      const v = readDecimalLenient(ctx, text, { min: 0, max: 2147483647, shift: 6 });
      if (group === undefined) return;
      if (v === undefined) {
        ctx.report(
          'general_error',
          'invalid_value',
          `garp_group ${kind}_interval '${text}' invalid`,
        );
        return;
      }
      if (kind === 'garp') group.garpIntervalUs = v;
      else group.gnaIntervalUs = v;
      if (v >= 1_000_000) {
        ctx.notice('large_interval', `The ${kind}_interval is very large - ${text} seconds`);
      }
    },
  };
}

function garpGroupInterface(words: readonly string[], ctx: Ctx): void {
  const name = ctx.word(words, 1);
  lastGarpGroup(ctx)?.interfaces.push({ name, at: ctx.at, fromList: false });
}

function garpGroupInterfaces(words: readonly string[], ctx: Ctx): void {
  const group = lastGarpGroup(ctx);
  const names: { name: string; at: Ctx['at'] }[] = [];
  ctx.readValueBlock(words, (line, at) => {
    for (const name of line) names.push({ name, at });
  });
  if (names.length === 0) {
    ctx.report('general_error', 'empty_block', 'Warning - empty garp_group interfaces block');
    return;
  }
  if (group === undefined) return;
  group.isAggregation = true;
  for (const n of names) group.interfaces.push({ ...n, fromList: true });
  group.listSecond = names[1]?.name;
}

const garpGroupTable = keywordTable<ConfigDraft>([
  garpGroupInterval('garp'),
  garpGroupInterval('gna'),
  { name: 'interface', handler: garpGroupInterface },
  { name: 'interfaces', handler: garpGroupInterfaces },
]);

function linkbeatInterfaces(words: readonly string[], ctx: Ctx): void {
  ctx.readValueBlock(words, (line, at) => {
    ctx.state.vrrp.linkbeatInterfaces.push({ at, words: line });
  });
}

function upDownDelays(words: readonly string[], ctx: Ctx): void {
  ctx.readValueBlock(words, (line, at) => {
    ctx.state.vrrp.upDownDelays.push({ at, words: line });
  });
}

export const staticRootKeywords: readonly KeywordDef[] = [
  { name: 'track_group', handler: trackGroup, sub: keywordTable<ConfigDraft>([{ name: 'group', handler: trackGroupMembers }]) },
  { name: 'static_ipaddress', handler: staticAddresses },
  { name: 'static_routes', handler: staticRoutes },
  { name: 'static_rules', handler: staticRules },
  {
    name: 'garp_group',
    handler: (_w, ctx) =>
      ctx.state.vrrp.garpGroups.push({
        at: ctx.at,
        garpIntervalUs: undefined,
        gnaIntervalUs: undefined,
        interfaces: [],
        isAggregation: false,
        listSecond: undefined,
      }),
    sub: garpGroupTable,
  },
  { name: 'linkbeat_interfaces', handler: linkbeatInterfaces },
  { name: 'interface_up_down_delays', handler: upDownDelays },
];
