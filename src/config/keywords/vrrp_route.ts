/**
 * Route lines of virtual_routes and static_routes (ip-route syntax).
 * keepalived-compat: vrrp/vrrp_iproute.c alloc_route() / parse_nexthops() / parse_encap()
 * (2.2.7): same options, order of checks, messages and severities, including its quirks
 * (`inet`/`inet6` also skip the following word; `to TYPE PREFIX` does not take a type;
 * a tracked route without `dev` is a config error). Interfaces are checked at completion.
 */
import { formatIp } from '../../lib/ip.js';
import type { RouteEntry } from '../model/vrrp.js';
import type { Ctx } from './global_values.js';
import { parseIpAddress, type ParsedAddress } from './vrrp_address.js';
import {
  RTN_NAMES,
  findDsfield,
  findProto,
  findRealms,
  findRouteType,
  findScope,
  findTable,
  getTimeRtt,
  getUnsigned,
} from './vrrp_rttables.js';

const RTPROT_KEEPALIVED = 18;
const U32 = 4294967295;

type Family = 4 | 6 | undefined;

interface RouteBuild {
  family: Family;
  dst: { addr: ParsedAddress | undefined; family: Family; text: string } | undefined;
  type: number;
  via: string | undefined;
  source: string | undefined;
  device: string | undefined;
  table: number;
  metric: number | undefined;
  scope: number | undefined;
  protocol: number | undefined;
  nextHops: { via: string | undefined; device: string | undefined }[];
  noTrack: boolean;
  trackGroup: string | undefined;
  doNexthop: boolean;
  stop: boolean;
}

/** keepalived's parse_route(): default/any/all (family unset), default6, or an address. */
function parseRouteAddress(
  ctx: Ctx,
  text: string,
): { addr: ParsedAddress | undefined; family: Family } | undefined {
  if (text === 'default' || text === 'any' || text === 'all') return {
    addr: undefined,
    family: undefined,
  };
  if (text === 'default6') {
    ctx.notice('deprecated', "'default6' is deprecated - please replace with 'inet6 default'");
    return { addr: undefined, family: 6 };
  }
  const a = parseIpAddress(ctx, text, true);
  return a === undefined ? undefined : { addr: a, family: a.ip.family };
}

/** Sets the route family; false (reported) when it conflicts. */
function mergeFamily(ctx: Ctx, b: RouteBuild, f: Family, message: string): boolean {
  if (b.family === undefined) b.family = f;
  else if (f !== undefined && b.family !== f) {
    ctx.report('general_error', 'family_mismatch', message);
    return false;
  }
  return true;
}

const MIX = 'Cannot mix IPv4 and IPv6 addresses for route';

type Step = { ok: boolean; i: number };

/** `lock` before a metric value. */
function skipLock(ctx: Ctx, words: readonly string[], i: number): number {
  return ctx.word(words, i + 1) === 'lock' ? i + 2 : i + 1;
}

function u32Option(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  what: string,
  lock: boolean,
): Step {
  const j = lock ? skipLock(ctx, words, i) : i + 1;
  const v = getUnsigned(ctx, ctx.word(words, j), U32, `Invalid ${what} %s specified for route`);
  return { ok: v !== undefined, i: j };
}

function rttOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  what: string,
  mult: number,
): Step {
  const j = skipLock(ctx, words, i);
  const text = ctx.word(words, j);
  if (getTimeRtt(ctx, text, mult) === undefined) {
    const msg = what === 'rto_min' ? `Invalid rto_min value ${text} specified for route` : `Invalid ${what} ${text} for route`;
    ctx.report('general_error', 'invalid_value', msg);
    return { ok: false, i: j };
  }
  return { ok: true, i: j };
}

function lookupOption(
  ctx: Ctx,
  text: string,
  find: (s: string) => number | undefined,
  message: string,
): number | undefined {
  const v = find(text);
  if (v === undefined) ctx.report('general_error', 'invalid_value', message);
  return v;
}

function addressOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  kind: 'src' | 'via' | 'from',
): Step {
  let j = i + 1;
  let text = ctx.word(words, j);
  if (kind === 'via') {
    if (words[i] === 'gw') ctx.report(
      'general_error',
      'deprecated',
      '"gw" for routes is deprecated. Please use "via"',
    );
    let fam: Family = b.family;
    if (text === 'inet' || text === 'inet6') {
      fam = text === 'inet' ? 4 : 6;
      text = ctx.word(words, ++j);
    }
    if (!mergeFamily(ctx, b, fam, MIX)) return { ok: false, i: j };
  }
  if (kind === 'from') {
    const r = parseRouteAddress(ctx, text);
    if (r === undefined) return fail(ctx, `invalid route from address ${text}`, j);
    if (r.family !== 6) return fail(
      ctx,
      `route from address only supported with IPv6 (${text})`,
      j,
    );
    return { ok: mergeFamily(ctx, b, 6, MIX), i: j };
  }
  const a = parseIpAddress(ctx, text, false);
  if (a === undefined) return fail(ctx, `invalid route ${kind} address ${text}`, j);
  if (!mergeFamily(ctx, b, a.ip.family, MIX)) return { ok: false, i: j };
  if (kind === 'via') b.via = formatIp(a.ip);
  else b.source = formatIp(a.ip);
  return { ok: true, i: j };
}

function fail(ctx: Ctx, message: string, i: number): Step {
  ctx.report('general_error', 'invalid_value', message);
  return { ok: false, i };
}

function familyKeyword(ctx: Ctx, b: RouteBuild, f: 4 | 6, i: number): Step {
  if (b.family === undefined) b.family = f;
  else if (b.family !== f) {
    return fail(
      ctx,
      f === 6 ? 'inet6 specified for IPv4 route' : 'inet specified for IPv6 route',
      i,
    );
  }
  // keepalived-compat: the handler advances once more, so the next word is skipped.
  return { ok: true, i: i + 1 };
}

/** Options that only take a value and check it (metrics and friends). */
function metricOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  str: string,
): Step | undefined {
  switch (str) {
    case 'mtu': return u32Option(ctx, words, i, 'MTU', true);
    case 'advmss': return u32Option(ctx, words, i, 'advmss', true);
    case 'reordering': return u32Option(ctx, words, i, 'reordering value', true);
    case 'window': return u32Option(ctx, words, i, 'window value', false);
    case 'cwnd': return u32Option(ctx, words, i, 'cwnd value', true);
    case 'ssthresh': return u32Option(ctx, words, i, 'ssthresh value', true);
    case 'initcwnd': return u32Option(ctx, words, i, 'initcwnd value', false);
    case 'initrwnd': return u32Option(ctx, words, i, 'initrwnd value', false);
    case 'rtt': return rttOption(ctx, words, i, 'rtt', 8);
    case 'rttvar': return rttOption(ctx, words, i, 'rttvar', 4);
    case 'rto_min': return rttOption(ctx, words, i, 'rto_min', 1);
    case 'hoplimit': {
      const v = getUnsigned(
        ctx,
        ctx.word(words, i + 1),
        255,
        'Invalid hoplimit %s specified for route',
      );
      return { ok: v !== undefined, i: i + 1 };
    }
    case 'quickack':
    case 'fastopen_no_cookie': {
      const v = getUnsigned(
        ctx,
        ctx.word(words, i + 1),
        1,
        `Invalid ${str} value %s specified for route`,
      );
      return { ok: v !== undefined, i: i + 1 };
    }
    default:
      return undefined;
  }
}

function lookupRouteOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  str: string,
): Step | undefined {
  if (str === 'tos' || str === 'dsfield') {
    const t = ctx.word(words, i + 1);
    return { ok: lookupOption(ctx, t, findDsfield, `TOS value ${t} is invalid`) !== undefined, i: i + 1 };
  }
  if (str === 'table') {
    const t = ctx.word(words, i + 1);
    const v = lookupOption(ctx, t, findTable, `Routing table ${t} not found for route`);
    if (v !== undefined) b.table = v;
    return { ok: v !== undefined, i: i + 1 };
  }
  if (str === 'protocol') {
    const t = ctx.word(words, i + 1);
    const v = lookupOption(ctx, t, findProto, `Protocol ${t} not found or invalid for route`);
    if (v !== undefined) b.protocol = v;
    return { ok: v !== undefined, i: i + 1 };
  }
  if (str === 'scope') {
    const t = ctx.word(words, i + 1);
    const v = lookupOption(ctx, t, findScope, `Scope ${t} not found or invalid for route`);
    if (v !== undefined) b.scope = v;
    return { ok: v !== undefined, i: i + 1 };
  }
  if (str === 'metric' || str === 'priority' || str === 'preference') {
    const v = getUnsigned(
      ctx,
      ctx.word(words, i + 1),
      U32,
      'Invalid metric %s specified for route',
    );
    if (v !== undefined) b.metric = v;
    return { ok: v !== undefined, i: i + 1 };
  }
  return undefined;
}

function familyOnlyOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  str: string,
): Step | undefined {
  if (str === 'expires' || str === 'pref') {
    const j = i + 1;
    if (b.family === 4) return fail(ctx, `${str} is only valid for IPv6`, j);
    b.family = 6;
    const t = ctx.word(words, j);
    if (str === 'expires') {
      const v = getUnsigned(ctx, t, U32, 'Invalid expires time %s specified for route');
      return { ok: v !== undefined, i: j };
    }
    if (t === 'low' || t === 'medium' || t === 'high') return { ok: true, i: j };
    return {
      ok: getUnsigned(ctx, t, 255, 'Invalid pref value %s specified for route') !== undefined,
      i: j,
    };
  }
  if (str === 'realms') {
    const t = ctx.word(words, i + 1);
    if (findRealms(t) === undefined) return fail(ctx, `Invalid realms ${t} for route`, i + 1);
    if (b.family === 6) return fail(ctx, 'realms are only valid for IPv4', i + 1);
    b.family = 4;
    return { ok: true, i: i + 1 };
  }
  return undefined;
}

function miscOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  str: string,
  findTrackGroup: ((n: string) => boolean) | undefined,
): Step | undefined {
  switch (str) {
    case 'as': {
      const j = ctx.word(words, i + 1) === 'to' ? i + 2 : i + 1;
      ctx.report('general_error', 'unsupported', '"as to" for MPLS only - ignoring');
      return { ok: true, i: j };
    }
    case 'dev':
    case 'oif':
      b.device = ctx.word(words, i + 1);
      return { ok: true, i: i + 1 };
    case 'onlink': case 'add': case 'prepend': case 'append':
      return { ok: true, i };
    case 'no_track':
      b.noTrack = true;
      return { ok: true, i };
    case 'encap':
      return { ok: true, i: parseEncap(ctx, words, i) };
    case 'features': {
      const t = ctx.word(words, i + 1);
      if (t !== 'ecn') ctx.report('general_error', 'unsupported', `feature ${t} not supported`);
      return { ok: true, i: i + 1 };
    }
    case 'congctl': {
      const j = ctx.word(words, i + 1) === 'lock' ? i + 2 : i + 1;
      ctx.word(words, j);
      return { ok: true, i: j };
    }
    case 'ttl-propagate': {
      const t = ctx.word(words, i + 1);
      if (t !== 'enabled' && t !== 'disabled') {
        ctx.report('general_error', 'invalid_value', `ttl-propagate value ${t} not recognised`);
      }
      return { ok: true, i: i + 1 };
    }
    case 'vrf': {
      // keepalived also checks the interface is a VRF; the host port only says whether
      // it exists.
      const t = ctx.word(words, i + 1);
      if (!ctx.state.env.host.interfaces.has(t)) return fail(
        ctx,
        `VRF ${t} not found for route`,
        i + 1,
      );
      return { ok: true, i: i + 1 };
    }
    default:
      if (findTrackGroup !== undefined && str === 'track_group') return trackGroupOption(
        ctx,
        words,
        i,
        b,
        findTrackGroup,
      );
      return undefined;
  }
}

function trackGroupOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  find: (n: string) => boolean,
): Step {
  const t = ctx.word(words, i + 1);
  if (b.trackGroup !== undefined) {
    ctx.report('general_error', 'duplicate', `track_group ${t} is a duplicate`);
    b.stop = true;
    return { ok: true, i: i + 1 };
  }
  if (find(t)) b.trackGroup = t;
  else ctx.report('general_error', 'not_found', `track_group ${t} not found`);
  return { ok: true, i: i + 1 };
}

function orOption(ctx: Ctx, words: readonly string[], i: number, b: RouteBuild): Step {
  ctx.report('general_error', 'deprecated', '"or" for routes is deprecated. Please use "nexthop"');
  if (b.nextHops.length > 0) {
    ctx.report('general_error', 'duplicate', '"or" route already specified - ignoring subsequent');
    return { ok: true, i: i + 1 };
  }
  const t = ctx.word(words, i + 1);
  b.nextHops.push({ via: b.via, device: undefined });
  b.via = undefined;
  const a = parseIpAddress(ctx, t, false);
  if (a === undefined) return fail(ctx, `Invalid "or" address ${t}`, i + 1);
  b.nextHops.push({ via: formatIp(a.ip), device: undefined });
  return { ok: true, i: i + 1 };
}

/** The destination (with an optional leading type); `to` is skipped first. */
function destinationOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  str: string,
): Step {
  let j = i;
  if (str === 'to') j++;
  const type = str === 'to' ? undefined : findRouteType(str);
  if (type !== undefined) {
    b.type = type;
    j++;
  }
  const dest = ctx.word(words, j);
  const r = parseRouteAddress(ctx, dest);
  if (r === undefined) return fail(ctx, `unknown route keyword ${dest}`, j);
  b.dst = { ...r, text: dest };
  if (b.family === undefined) b.family = r.family;
  else if (b.family !== r.family) return fail(
    ctx,
    `Cannot mix IPv4 and IPv6 addresses for route (${dest})`,
    j,
  );
  return { ok: true, i: j };
}

function routeOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  findTrackGroup: ((n: string) => boolean) | undefined,
): Step {
  const str = words[i] ?? '';
  if (str === 'inet6' || str === 'inet') return familyKeyword(ctx, b, str === 'inet' ? 4 : 6, i);
  if (str === 'src') return addressOption(ctx, words, i, b, 'src');
  if (str === 'via' || str === 'gw') return addressOption(ctx, words, i, b, 'via');
  if (str === 'from') return addressOption(ctx, words, i, b, 'from');
  if (str === 'or') return orOption(ctx, words, i, b);
  if (str === 'nexthop') {
    if (b.nextHops.length > 0) ctx.report(
      'general_error',
      'conflict',
      'Cannot specify nexthops with "or" route',
    );
    else b.doNexthop = true;
    b.stop = true;
    return { ok: true, i };
  }
  return (
    lookupRouteOption(ctx, words, i, b, str) ??
    metricOption(ctx, words, i, str) ??
    familyOnlyOption(ctx, words, i, b, str) ??
    miscOption(ctx, words, i, b, str, findTrackGroup) ??
    destinationOption(ctx, words, i, b, str)
  );
}

export interface RouteLineOptions {
  /** static_routes accept track_group. */
  readonly findTrackGroup: ((name: string) => boolean) | undefined;
}

/** keepalived's alloc_route() for one line: the entry, or undefined when dropped. */
export function parseRouteLine(
  ctx: Ctx,
  words: readonly string[],
  options: RouteLineOptions,
): RouteEntry | undefined {
  const b: RouteBuild = {
    family: undefined,
    dst: undefined,
    type: 1,
    via: undefined,
    source: undefined,
    device: undefined,
    table: 254,
    metric: undefined,
    scope: undefined,
    protocol: undefined,
    nextHops: [],
    noTrack: false,
    trackGroup: undefined, doNexthop: false, stop: false,
  };
  let i = 0;
  for (; i < words.length; i++) {
    const step = routeOption(ctx, words, i, b, options.findTrackGroup);
    if (!step.ok) return undefined;
    i = step.i;
    if (b.stop) break;
  }
  if (b.doNexthop) parseNexthops(ctx, words, i, b);
  else if (i < words.length) {
    return failRoute(ctx, `Route has trailing nonsense - ${words[i] ?? ''}`);
  }
  if (b.dst === undefined) return failRoute(ctx, 'Route must have a destination');
  return finishRoute(ctx, words, b, b.dst);
}

function failRoute(ctx: Ctx, message: string): undefined {
  ctx.report('general_error', 'invalid_route', message);
  return undefined;
}

function finishRoute(
  ctx: Ctx,
  words: readonly string[],
  b: RouteBuild,
  dst: NonNullable<RouteBuild['dst']>,
): RouteEntry {
  let noTrack = b.noTrack;
  if (!noTrack) {
    if (b.protocol !== undefined && b.protocol !== RTPROT_KEEPALIVED) {
      ctx.report(
        'general_error',
        'route_protocol',
        `Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), ` +
        `resetting protocol`,
      );
    }
    if (b.device === undefined) {
      ctx.report(
        'general_error',
        'route_untracked',
        `Warning - cannot track route ${dst.text} with no interface specified, not tracking`,
      );
      noTrack = true;
    }
  }
  let trackGroup = b.trackGroup;
  if (trackGroup !== undefined && b.device === undefined) {
    ctx.report(
      'general_error',
      'track_group',
      'Static route cannot have track group if no oif specified',
    );
    trackGroup = undefined;
  }
  const family = b.family ?? 4;
  const destination = dst.addr !== undefined
    ? `${formatIp(dst.addr.ip)}/${dst.addr.prefixLength}`
    : family === 4 ? '0.0.0.0/0' : '::/0';
  return {
    family, destination, type: RTN_NAMES[b.type] ?? String(b.type), via: b.via, source: b.source,
    device: b.device,
    table: b.table,
    metric: b.metric,
    scope: b.scope,
    nextHops: b.nextHops,
    noTrack,
    trackGroup, args: words, at: ctx.at,
  };
}

/** keepalived's parse_nexthops(): errors drop the next hop, never the route. */
function parseNexthops(ctx: Ctx, words: readonly string[], start: number, b: RouteBuild): void {
  let i = start;
  let family: Family;
  while (i < words.length && words[i] === 'nexthop') {
    i++;
    const nh: { via: string | undefined; device: string | undefined } = { via: undefined, device: undefined };
    for (; i < words.length; i++) {
      const r = nexthopOption(ctx, words, i, b, nh, family);
      if (r === undefined) break;
      if (!r.ok) return;
      i = r.i;
      family = r.family;
    }
    b.nextHops.push(nh);
  }
  if (i < words.length) {
    ctx.report(
      'general_error',
      'invalid_route',
      `Route has trailing nonsense after nexthops - ${words[i] ?? ''}`,
    );
  }
}

function nexthopOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  nh: { via: string | undefined; device: string | undefined },
  family: Family,
): { ok: boolean; i: number; family: Family } | undefined {
  const str = words[i] ?? '';
  if (str === 'via') {
    let j = i + 1;
    let t = ctx.word(words, j);
    let f = family;
    if (t === 'inet' || t === 'inet6') {
      f = t === 'inet' ? 4 : 6;
      t = ctx.word(words, ++j);
    }
    if (f !== undefined && !mergeFamily(ctx, b, f, 'IPv4/6 mismatch for nexthop')) return {
      ok: false,
      i: j,
      family: f,
    };
    const a = parseIpAddress(ctx, t, false);
    if (a === undefined) return { ...fail(ctx, `invalid nexthop address ${t}`, j), family: f };
    if (b.family !== undefined && a.ip.family !== b.family) {
      return { ...fail(ctx, 'Address family mismatch for next hop', j), family: f };
    }
    b.family ??= a.ip.family;
    nh.via = formatIp(a.ip);
    return { ok: true, i: j, family: f };
  }
  if (str === 'dev') {
    nh.device = ctx.word(words, i + 1);
    return { ok: true, i: i + 1, family };
  }
  if (str === 'weight') {
    const v = getUnsigned(
      ctx,
      ctx.word(words, i + 1),
      256,
      'Invalid weight %s specified for route',
    );
    if (v === undefined) return { ok: false, i: i + 1, family };
    if (v === 0) return { ...fail(ctx, 'Invalid weight 0 specified for route', i + 1), family };
    return { ok: true, i: i + 1, family };
  }
  if (str === 'onlink') return { ok: true, i, family };
  if (str === 'encap') return { ok: true, i: parseEncap(ctx, words, i), family };
  if (str === 'realms') return nexthopRealms(ctx, words, i, b, family);
  if (str === 'as') {
    const j = ctx.word(words, i + 1) === 'to' ? i + 2 : i + 1;
    return { ...fail(ctx, "'as [to]' (nat) not supported", j), family };
  }
  return undefined;
}

function nexthopRealms(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RouteBuild,
  family: Family,
): { ok: boolean; i: number; family: Family } {
  const t = ctx.word(words, i + 1);
  if (findRealms(t) === undefined) return { ...fail(ctx, `Invalid realms ${t} for route`, i + 1), family };
  if (b.family === undefined) b.family = 4;
  else if (b.family !== 4) return {
    ...fail(ctx, 'realms are only supported for IPv4', i + 1),
    family,
  };
  return { ok: true, i: i + 1, family };
}

/**
 * keepalived's parse_encap(): `encap ip|ip6 ...`, `mpls LABEL[/LABEL]`, `ila LOCATOR`.
 * Errors are reported; the route is kept. Returns the index of the last word used.
 */
function parseEncap(ctx: Ctx, words: readonly string[], i: number): number {
  const type = words[i + 1];
  if (type === undefined) {
    ctx.report('general_error', 'invalid_encap', 'Missing encap type');
    return i;
  }
  let j = i + 2;
  if (type === 'ip' || type === 'ip6') j = parseEncapIp(ctx, words, j, type);
  else if (type === 'mpls' || type === 'ila') {
    const v = words[j];
    const ok = v !== undefined && (type === 'mpls' ? /^[0-9]+(\/[0-9]+)*$/.test(v) : /^([0-9a-fA-F]{1,4}:){3}[0-9a-fA-F]{1,4}$/.test(v));
    if (v === undefined) ctx.report(
      'general_error',
      'invalid_encap',
      type === 'mpls' ? 'missing address for MPLS encapsulation' : 'missing locator for ILA encapsulation',
    );
    else if (!ok) ctx.report(
      'general_error',
      'invalid_encap',
      type === 'mpls' ? `invalid mpls address ${v} for encapsulation` : `invalid locator ${v} for ila encapsulation`,
    );
    if (v !== undefined) j++;
  } else {
    ctx.report('general_error', 'invalid_encap', `Unknown encap type - ${type}`);
    // keepalived-compat: the word after the unknown type is skipped as well.
    return i + 2;
  }
  return j - 1;
}

function parseEncapIp(
  ctx: Ctx,
  words: readonly string[],
  start: number,
  type: 'ip' | 'ip6',
): number {
  let i = start;
  let hasTarget = false;
  const fam = type === 'ip' ? 4 : 6;
  while (i + 1 < words.length) {
    const str = words[i] ?? '';
    const v = words[i + 1] ?? '';
    if (str === 'id') {
      if (getUnsigned(ctx, v, Number.MAX_SAFE_INTEGER, type === 'ip' ? 'encap id %s value is invalid' : 'id %s value invalid for IPv6 encapsulation') === undefined) return i;
      hasTarget = true;
    } else if (str === 'dst' || str === 'src') {
      const a = parseIpAddress(ctx, v, false);
      if (a === undefined) {
        ctx.report('general_error', 'invalid_encap', `Invalid encap ${type} ${str} ${v}`);
        return i;
      }
      if (a.ip.family !== fam) {
        ctx.report(
          'general_error',
          'invalid_encap',
          `IPv${fam === 4 ? 6 : 4} address ${v} not valid for ${type} encapsulation`,
        );
        return i;
      }
      if (str === 'dst') hasTarget = true;
    } else if (!['tos', 'tc', 'ttl', 'hoplimit', 'flags'].includes(str)) break;
    i += 2;
  }
  if (!hasTarget) {
    ctx.report('general_error', 'invalid_encap', `address or id missing for ${type} encapsulation`);
  }
  return i;
}
