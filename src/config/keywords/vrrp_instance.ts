/**
 * `vrrp_instance NAME { ... }`: the block and its core keywords.
 * keepalived-compat: vrrp/vrrp_parser.c (2.2.7) handlers and vrrp_data.c alloc_vrrp(),
 * alloc_vrrp_vip(), alloc_vrrp_unicast_peer(); same messages and severities. Interface
 * lookups are done at completion (complete/vrrp_instance.ts).
 */
import { formatIp, isMulticast } from '../../lib/ip.js';
import { keywordTable, type KeywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readInt, readUnsigned } from '../values.js';
import { inetAddressPart } from './global_defs.js';
import {
  IFNAMSIZ,
  keepRaw,
  type Ctx,
  type Handler,
  type KeywordDef,
  readDecimalLenient,
} from './global_values.js';
import { parseAddressLine } from './vrrp_address.js';
import { parseRouteLine } from './vrrp_route.js';
import { parseRuleLine } from './vrrp_rule.js';
import { createInstanceDraft, type InstanceDraft, type TrackListsDraft } from './vrrp_draft.js';
import { currentInstance, onInstance } from './vrrp_current.js';
import { instanceNotifyKeywords } from './vrrp_instance_notify.js';
import { instanceTimerKeywords } from './vrrp_instance_timers.js';
import { instanceVmacKeywords } from './vrrp_vmac.js';
import { instanceSplitBrainKeywords } from './vrrp_split_brain.js';

function vrrpInstance(words: readonly string[], ctx: Ctx): void {
  const name = words[1];
  if (words.length !== 2 || name === undefined) {
    ctx.report('general_error', 'missing_name', 'vrrp_instance must have a name');
    ctx.skipBlock(true);
    return;
  }
  const instances = ctx.state.vrrp.instances;
  if (instances.some((vi) => vi.name === name)) {
    ctx.report('general_error', 'duplicate_instance', `vrrp instance ${name} already defined`);
    ctx.skipBlock(true);
    return;
  }
  const vi = createInstanceDraft(name, ctx.at);
  const g = ctx.state.global;
  vi.globalsAtParse = {
    garpMasterDelayUs: g.vrrpGarpMasterDelayUs,
    garpMasterRepeat: g.vrrpGarpMasterRepeat,
    garpMasterRefreshUs: g.vrrpGarpMasterRefreshUs,
    garpMasterRefreshRepeat: g.vrrpGarpMasterRefreshRepeat,
    downTimerAdverts: g.vrrpDownTimerAdverts,
    skipCheckAdvAddr: g.vrrpSkipCheckAdvAddr,
  };
  instances.push(vi);
}

/** keepalived's vrrp_end_handler(). */
function instanceEnd(ctx: Ctx): void {
  const vi = currentInstance(ctx);
  if (vi.unicastPeers.length === 0 && vi.unicastTtl !== undefined) {
    ctx.report(
      'general_error',
      'unicast_ttl_without_peers',
      `(${vi.name}): Cannot use unicast_ttl without unicast peers - resetting`,
    );
    vi.unicastTtl = 0;
  }
}

/** Sets the instance family, or false when it conflicts. */
function claimFamily(vi: InstanceDraft, family: 4 | 6): boolean {
  if (vi.family === undefined) vi.family = family;
  return vi.family === family;
}

const state = onInstance('state', (vi, words, ctx) => {
  const s = ctx.word(words, 1);
  if (s === 'MASTER') vi.wantState = 'MASTER';
  else if (s === 'BACKUP') {
    // keepalived-compat: a later BACKUP does not undo MASTER.
    if (vi.wantState === 'MASTER') {
      ctx.report(
        'general_error',
        'state_conflict',
        `(${vi.name}) state previously set as MASTER - ignoring BACKUP`,
      );
    } else vi.wantState = 'BACKUP';
  } else {
    ctx.report(
      'general_error',
      'unknown_state',
      `(${vi.name}) unknown state '${s}', defaulting to BACKUP`,
    );
    vi.wantState = 'BACKUP';
  }
});

const iface = onInstance('interface', (vi, words, ctx) => {
  const name = ctx.word(words, 1);
  if (name.length >= IFNAMSIZ) {
    ctx.report('general_error', 'name_too_long', `Interface name '${name}' too long - ignoring`);
    return;
  }
  vi.interfaceLines.push({ name, at: ctx.at });
});

const vrid = onInstance('virtual_router_id', (vi, words, ctx) => {
  const text = ctx.word(words, 1);
  const v = readUnsigned(ctx, text, 1, 255);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_vrid',
      `(${vi.name}): VRID '${text}' not valid - must be between 1 & 255`,
    );
    return;
  }
  vi.vrid = v;
});

const priority = onInstance('priority', (vi, words, ctx) => {
  const v = readUnsigned(ctx, ctx.word(words, 1), 1, 255);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'priority_out_of_range',
      `(${vi.name}) Priority not valid! must be between 1 & 255. Using default 100`,
    );
    vi.basePriority = 100;
    return;
  }
  vi.basePriority = v;
});

const advertInt = onInstance('advert_int', (vi, words, ctx) => {
  const text = ctx.word(words, 1);
  // keepalived-compat: 0.01 s .. 255 s here; the per-version limits are applied later.
  const v = readDecimalLenient(ctx, text, { min: 10_000, max: 255_000_000, shift: 6 });
  if (v === undefined || v <= 0) {
    ctx.report(
      'general_error',
      'invalid_advert_int',
      `(${vi.name}) Advert interval (${text}) not valid! Must be > 0 - ignoring`,
    );
    return;
  }
  vi.advertIntervalUs = v;
});

const version = onInstance('version', (vi, words, ctx) => {
  const v = readInt(ctx, ctx.word(words, 1), 2, 3);
  if (v === undefined) {
    ctx.report('general_error', 'invalid_version', `(${vi.name}): Version must be either 2 or 3`);
    return;
  }
  if ((vi.version !== undefined && vi.version !== v) || (v === 2 && vi.family === 6)) {
    ctx.report(
      'general_error',
      'version_conflict',
      `(${vi.name}) vrrp_version ${v} conflicts with configured or deduced version ` +
      `${vi.version ?? 0}; ignoring.`,
    );
    return;
  }
  vi.version = v === 3 ? 3 : 2;
});

const nativeIpv6 = onInstance('native_ipv6', (vi, _words, ctx) => {
  if (vi.family === 4) {
    ctx.report(
      'general_error',
      'family_conflict',
      `(${vi.name}) Cannot specify native_ipv6 with IPv4 addresses`,
    );
    return;
  }
  vi.family = 6;
  vi.version = 3;
});

/** mcast_src_ip / unicast_src_ip (keepalived's vrrp_srcip_handler). */
function sourceIp(vi: InstanceDraft, words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const ip = inetAddressPart(text);
  if (ip === undefined) {
    ctx.report(
      'general_error',
      'invalid_address',
      `Configuration error: VRRP instance[${vi.name}] malformed src address[${text}]. Skipping...`,
    );
    return;
  }
  if (!claimFamily(vi, ip.family)) {
    ctx.report(
      'general_error',
      'family_mismatch',
      `Configuration error: VRRP instance[${vi.name}] and src address[${text}] MUST be of the ` +
      `same family !!! Skipping...`,
    );
    vi.sourceAddress = undefined;
    return;
  }
  vi.sourceAddress = { address: formatIp(ip), family: ip.family };
}

const mcastDstIp = onInstance('mcast_dst_ip', (vi, words, ctx) => {
  const text = ctx.word(words, 1);
  const ip = inetAddressPart(text);
  if (ip === undefined) {
    ctx.report(
      'general_error',
      'invalid_address',
      `(${vi.name}) malformed mcast dest address ${text}. Skipping...`,
    );
    return;
  }
  let family: 4 | 6 | undefined = ip.family;
  if (!claimFamily(vi, ip.family)) {
    ctx.report(
      'general_error',
      'family_mismatch',
      `(${vi.name}) mcast dest address ${text} MUST match VRRP instance family. Skipping...`,
    );
    family = undefined;
  }
  // RFC 5798 §5.1.2.2: the IPv6 group must be link-local scope.
  const ok = family === 4 ? isMulticast(ip) : family === 6 ? ip.bytes[0] === 0xff && ((ip.bytes[1] ?? 0) & 0x0f) === 2 : true;
  if (!ok) {
    ctx.report(
      'general_error',
      'not_multicast',
      `(${vi.name}) mcast_dst_ip ${text} not${family === 6 ? ' link-local' : ''} multicast. ` +
      `Skipping...`,
    );
    family = undefined;
  }
  vi.mcastDst = family === undefined ? undefined : { address: formatIp(ip), family };
});

/** One line of unicast_peer (keepalived's alloc_vrrp_unicast_peer()). */
function unicastPeerLine(vi: InstanceDraft, line: readonly string[], ctx: Ctx): void {
  const text = line[0] ?? '';
  const ip = inetAddressPart(text);
  if (ip === undefined) {
    ctx.report(
      'general_error',
      'invalid_address',
      `Configuration error: VRRP instance[${vi.name}] malformed unicast peer address[${text}]. ` +
      `Skipping...`,
    );
    return;
  }
  if (!claimFamily(vi, ip.family)) {
    ctx.report(
      'general_error',
      'family_mismatch',
      `Configuration error: VRRP instance[${vi.name}] and unicast peer address[${text}] MUST ` +
      `be of the same family !!! Skipping...`,
    );
    return;
  }
  let minTtl = 0;
  let maxTtl = 255;
  for (let i = 1; i < line.length; i += 2) {
    const opt = line[i] ?? '';
    const value = line[i + 1];
    if (value === undefined) {
      ctx.report('general_error', 'missing_value', `(${vi.name}) ${opt} is missing a value`);
      break;
    }
    const ttl = readUnsigned(ctx, value, 0, 255);
    if (ttl === undefined) continue;
    if (opt === 'min_ttl') minTtl = ttl;
    else if (opt === 'max_ttl') maxTtl = ttl;
    else {
      ctx.report(
        'general_error',
        'unknown_option',
        `(${vi.name}) unknown unicast_peer option ${opt}`,
      );
      break;
    }
    vi.checkUnicastSource = true;
  }
  if (minTtl > maxTtl) {
    ctx.report(
      'general_error',
      'ttl_range',
      `(${vi.name}) min_ttl ${minTtl} > max_ttl ${maxTtl} - all packets will be discarded`,
    );
  }
  vi.unicastPeers.push({ address: formatIp(ip), family: ip.family, minTtl, maxTtl, at: ctx.at });
}

const unicastPeer = onInstance('unicast_peer', (vi, words, ctx) => {
  vi.isUnicastConfigured = true;
  ctx.readValueBlock(words, (line) => unicastPeerLine(vi, line, ctx));
});

const unicastTtl = onInstance('unicast_ttl', (vi, words, ctx) => {
  const text = ctx.word(words, 1);
  const v = readUnsigned(ctx, text, 0, 255);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_ttl',
      `(${vi.name}): TTL '${text}' not valid - must be between 0 & 255`,
    );
    return;
  }
  vi.unicastTtl = v;
});

function vipLine(vi: InstanceDraft, line: readonly string[], ctx: Ctx, excluded: boolean): void {
  const e = parseAddressLine(ctx, line, { isStatic: false, findTrackGroup: () => false });
  if (e === undefined) return;
  if (excluded) {
    vi.excludedVips.push(e);
    return;
  }
  if (!claimFamily(vi, e.family)) {
    ctx.report(
      'general_error',
      'vip_family',
      `(${vi.name}): address family must match VRRP instance [${line[0] ?? ''}] - ignoring`,
    );
    return;
  }
  vi.vips.push(e);
}

const vips = onInstance('virtual_ipaddress', (vi, words, ctx) => {
  ctx.readValueBlock(words, (line) => vipLine(vi, line, ctx, false));
});

const evips = onInstance('virtual_ipaddress_excluded', (vi, words, ctx) => {
  ctx.readValueBlock(words, (line) => vipLine(vi, line, ctx, true));
});

const routes = onInstance('virtual_routes', (vi, words, ctx) => {
  ctx.readValueBlock(words, (line) => {
    const r = parseRouteLine(ctx, line, { findTrackGroup: undefined });
    if (r !== undefined) vi.routes.push(r);
  });
});

const rules = onInstance('virtual_rules', (vi, words, ctx) => {
  ctx.readValueBlock(words, (line) => {
    const r = parseRuleLine(ctx, line, { findTrackGroup: undefined, draft: ctx.state.vrrp });
    if (r !== undefined) vi.rules.push(r);
  });
});

/** track_interface / track_script / ... blocks: resolved at completion. */
export function trackBlock(
  kind: keyof TrackListsDraft,
  count: (ctx: Ctx) => number,
  lists: (ctx: Ctx) => TrackListsDraft,
): Handler {
  return (words, ctx) => {
    const into = lists(ctx)[kind];
    ctx.readValueBlock(
      words,
      (line, at) => into.push({ words: line, at, definedBefore: count(ctx) }),
    );
  };
}

/** How many objects of each kind keepalived's VRRP process knows at this point. */
export const TRACK_COUNTS: Readonly<Record<keyof TrackListsDraft, (ctx: Ctx) => number>> = {
  interfaces: () => 0,
  scripts: (ctx) => ctx.state.vrrp.scripts.length,
  files: (ctx) => ctx.state.vrrp.trackFiles.length,
  processes: (ctx) => ctx.state.vrrp.trackProcesses.length,
  bfds: (ctx) => ctx.state.vrrp.bfds.length,
};

const instanceLists = (ctx: Ctx): TrackListsDraft => currentInstance(ctx).track;

function track(name: string, kind: keyof TrackListsDraft): KeywordDef {
  return { name, handler: trackBlock(kind, TRACK_COUNTS[kind], instanceLists) };
}

function instanceFlag(name: string, set: (vi: InstanceDraft) => void): KeywordDef {
  return onInstance(name, (vi) => set(vi));
}

function instanceBool(
  name: string,
  set: (vi: InstanceDraft, v: boolean) => void,
  skipFalse = false,
): KeywordDef {
  return onInstance(name, (vi, words, ctx) => {
    const w = words[1];
    if (w === undefined) {
      set(vi, true);
      return;
    }
    const b = w === 'true' || w === 'on' || w === 'yes' ? true : w === 'false' || w === 'off' || w === 'no' ? false : undefined;
    if (b === undefined) {
      ctx.report('general_error', 'invalid_bool', `(${vi.name}) invalid ${name} ${w} specified`);
      return;
    }
    // keepalived-compat: skip_check_adv_addr sets the flag for any valid value, even false.
    set(vi, skipFalse ? true : b);
  });
}

const CORE_KEYWORDS: readonly KeywordDef[] = [
  state, iface, vrid, priority, advertInt, version, nativeIpv6,
  onInstance('mcast_src_ip', sourceIp),
  onInstance('unicast_src_ip', (vi, words, ctx) => {
    vi.isUnicastConfigured = true;
    sourceIp(vi, words, ctx);
  }),
  mcastDstIp, unicastPeer, unicastTtl,
  instanceFlag('unicast_fault_no_peer', (vi) => {
    vi.isUnicastConfigured = true;
    vi.unicastFaultNoPeer = true;
  }),
  instanceFlag('check_unicast_src', (vi) => {
    vi.isUnicastConfigured = true;
    vi.checkUnicastSource = true;
  }),
  onInstance('old_unicast_checksum', (vi, words, ctx) => {
    vi.isUnicastConfigured = true;
    const w = words[1];
    if (w !== undefined && w !== 'never') {
      ctx.report(
        'general_error',
        'unknown_option',
        `(${vi.name}) Unknown old_unicast_chksum mode ${w} - ignoring`,
      );
    }
    keepRaw(ctx, vi.raw, words);
  }),
  vips, evips, routes, rules,
  instanceFlag('track_src_ip', (vi) => (vi.trackSourceAddress = true)),
  instanceFlag('dont_track_primary', (vi) => (vi.dontTrackPrimary = true)),
  track('track_interface', 'interfaces'),
  track('track_script', 'scripts'),
  track('track_file', 'files'),
  track('track_process', 'processes'),
  track('track_bfd', 'bfds'),
  instanceFlag('promote_secondaries', (vi) => (vi.promoteSecondaries = true)),
  instanceFlag('accept', (vi) => (vi.accept = true)),
  instanceFlag('no_accept', (vi) => (vi.accept = false)),
  instanceFlag('preempt', (vi) => (vi.nopreempt = false)),
  instanceFlag('nopreempt', (vi) => {
    vi.nopreempt = true;
    vi.nopreemptWritten = true;
  }),
  instanceBool('skip_check_adv_addr', (vi) => (vi.skipCheckAdvAddr = true), true),
  instanceBool('strict_mode', (vi, v) => (vi.strictMode = v)),
  instanceBool('lower_prio_no_advert', (vi, v) => (vi.lowerPrioNoAdvert = v)),
  instanceBool('higher_prio_send_advert', (vi, v) => (vi.higherPrioSendAdvert = v)),
];

function authType(words: readonly string[], ctx: Ctx): void {
  const vi = currentInstance(ctx);
  const t = ctx.word(words, 1);
  if (t === 'AH' || t === 'PASS') vi.authType = t;
  else ctx.report(
    'general_error',
    'unknown_auth',
    `(${vi.name}) unknown authentication type '${t}'`,
  );
}

function authPass(words: readonly string[], ctx: Ctx): void {
  const vi = currentInstance(ctx);
  const p = ctx.word(words, 1);
  // RFC 3768 §5.3.6.1: the simple text password is 8 octets.
  if (p.length > 8) ctx.report(
    'general_error',
    'auth_pass_truncated',
    'Truncating auth_pass to 8 characters',
  );
  vi.authPassword = p.slice(0, 8);
}

const AUTH_KEYWORD: KeywordDef = {
  name: 'authentication',
  sub: keywordTable<ConfigDraft>([
    { name: 'auth_type', handler: authType },
    { name: 'auth_pass', handler: authPass },
  ]),
};

const instanceTable: KeywordTable<ConfigDraft> = keywordTable([
  ...instanceVmacKeywords,
  ...CORE_KEYWORDS,
  ...instanceNotifyKeywords,
  ...instanceTimerKeywords,
  ...instanceSplitBrainKeywords,
  AUTH_KEYWORD,
]);

export const vrrpInstanceKeyword: KeywordDef = {
  name: 'vrrp_instance',
  handler: vrrpInstance,
  sub: instanceTable,
  onClose: instanceEnd,
};
