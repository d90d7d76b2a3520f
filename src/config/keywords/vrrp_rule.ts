/**
 * Rule lines of virtual_rules and static_rules (ip-rule syntax).
 * keepalived-compat: vrrp/vrrp_iprule.c alloc_rule() (2.2.7): same options, order of
 * checks, messages and severities, including `inet`/`inet6` skipping the next word and a
 * rule without `preference` getting one assigned with a config error.
 */
import { formatIp } from '../../lib/ip.js';
import type { RuleEntry } from '../model/vrrp.js';
import { readUnsigned } from '../values.js';
import type { VrrpDraft } from './vrrp_draft.js';
import type { Ctx } from './global_values.js';
import { parseIpAddress, type ParsedAddress } from './vrrp_address.js';
import {
  findDsfield,
  findGroup,
  findRealms,
  findRouteType,
  findTable,
  parseCUnsigned,
} from './vrrp_rttables.js';

const U32 = 4294967295;
const RTPROT_KEEPALIVED = 18;
const RTN_BLACKHOLE = 6;
const RTN_UNREACHABLE = 7;
const RTN_PROHIBIT = 8;

/** getprotobyname() for the usual /etc/protocols names. */
const PROTOCOLS: Readonly<Record<string, number>> = {
  ip: 0, icmp: 1, igmp: 2, ipencap: 4, tcp: 6, egp: 8, udp: 17, ipv6: 41, 'ipv6-route': 43,
  'ipv6-frag': 44, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, 'ipv6-nonxt': 59,
  'ipv6-opts': 60, ospf: 89, pim: 103, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136,
};

type Family = 4 | 6 | undefined;

interface RuleBuild {
  family: Family;
  from: string | undefined;
  to: string | undefined;
  action: string | undefined;
  table: number | undefined;
  preference: number | undefined;
  iif: string | undefined;
  oif: string | undefined;
  protocol: number | undefined;
  isL3mdev: boolean;
  hasTableOption: boolean;
  gotoTarget: number | undefined;
  noTrack: boolean;
  trackGroup: string | undefined;
  stop: boolean;
}

type Step = { ok: boolean; i: number };

function fail(ctx: Ctx, message: string, i: number): Step {
  ctx.report('general_error', 'invalid_rule', message);
  return { ok: false, i };
}

/** read_unsigned_base(…, 0, …): C-style base, keepalived's messages. */
function readUnsignedBase0(ctx: Ctx, text: string): number | undefined {
  if (text.trimStart().startsWith('-')) {
    ctx.report('invalid_number', 'invalid_number', `negative number '${text}'`);
    return undefined;
  }
  const v = text === '' ? 0 : parseCUnsigned(text.trimStart());
  if (v === undefined) {
    ctx.report('invalid_number', 'invalid_number', `invalid number '${text}'`);
    return undefined;
  }
  if (v > U32) {
    ctx.report(
      'invalid_number',
      'invalid_number',
      `number '${text}' outside unsigned integer range`,
    );
    return undefined;
  }
  return v;
}

function familyKeyword(ctx: Ctx, b: RuleBuild, f: 4 | 6, i: number): Step {
  if (b.family === undefined) b.family = f;
  else if (b.family !== f) return fail(
    ctx,
    f === 6 ? 'inet6 specified for IPv4 rule' : 'inet specified for IPv6 rule',
    i,
  );
  // keepalived-compat: the handler advances once more, so the next word is skipped.
  return { ok: true, i: i + 1 };
}

function addressOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RuleBuild,
  which: 'from' | 'to',
): Step {
  const t = ctx.word(words, i + 1);
  let addr: ParsedAddress | undefined;
  let fam: Family;
  if (t === 'default' || t === 'any' || t === 'all') fam = undefined;
  else if (t === 'default6') {
    ctx.notice('deprecated', "'default6' is deprecated - please replace with 'inet6 default'");
    fam = 6;
  } else {
    addr = parseIpAddress(ctx, t, true);
    if (addr === undefined) return fail(ctx, `Invalid rule ${which} address ${t}`, i + 1);
    fam = addr.ip.family;
  }
  if (b.family === undefined) b.family = fam;
  else if (fam !== b.family) return fail(ctx, 'rule specification has mixed IPv4 and IPv6', i + 1);
  const text = addr === undefined ? t : `${formatIp(addr.ip)}/${addr.prefixLength}`;
  if (which === 'from') b.from = text;
  else b.to = text;
  return { ok: true, i: i + 1 };
}

function setAction(ctx: Ctx, b: RuleBuild, action: string, i: number, withL3mdev: boolean): Step {
  if (b.action !== undefined) {
    const list = withL3mdev ? 'table/nop/goto/blackhole/prohibit/unreachable/l3mdev' : 'table/nop/goto/blackhole/prohibit/unreachable';
    return fail(ctx, `Cannot specify more than one of ${list} for rule`, i);
  }
  b.action = action;
  return { ok: true, i };
}

function tableOption(ctx: Ctx, words: readonly string[], i: number, b: RuleBuild): Step {
  const t = ctx.word(words, i + 1);
  const v = findTable(t);
  if (v === undefined) return fail(ctx, `Routing table ${t} not found for rule`, i + 1);
  if (v === 0) return fail(ctx, 'Table 0 is not valid', i + 1);
  b.table = v;
  return setAction(ctx, b, 'table', i + 1, false);
}

function fwmarkOption(ctx: Ctx, words: readonly string[], i: number): Step {
  const raw = ctx.word(words, i + 1);
  const t = raw.replace(/^[ \t\f\n\r\v]+/, '');
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]*)(\/(0[xX][0-9a-fA-F]+|[0-9]+))?$/.exec(t);
  const part = (s: string | undefined): number | undefined => (s === undefined || s === '' ? 0 : parseCUnsigned(s));
  const mark = m === null ? undefined : part(m[1]);
  const mask = m === null ? undefined : part(m[3]);
  if (m === null || mark === undefined || mask === undefined || mark > U32 || mask > U32) {
    return fail(ctx, `Invalid rule fwmark ${t} specified`, i + 1);
  }
  return { ok: true, i: i + 1 };
}

function rangeOption(ctx: Ctx, words: readonly string[], i: number, what: string): Step {
  const t = ctx.word(words, i + 1);
  // keepalived-compat: sscanf("%hu-%hu") must find both numbers (a single port is refused).
  if (!/^\s*\+?\d+-\s*\+?\d+/.test(t)) ctx.report(
    'general_error',
    'invalid_rule',
    `invalid ${what} range ${t}`,
  );
  return { ok: true, i: i + 1 };
}

function numericOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RuleBuild,
  str: string,
): Step | undefined {
  switch (str) {
    case 'preference': case 'order': case 'priority': {
      const v = readUnsignedBase0(ctx, ctx.word(words, i + 1));
      if (v === undefined) return fail(ctx, `Invalid rule preference ${str} specified`, i + 1);
      b.preference = v;
      return { ok: true, i: i + 1 };
    }
    case 'suppress_prefixlength': case 'sup_pl':
      if (readUnsigned(ctx, ctx.word(words, i + 1), 0, 2147483647) === undefined) {
        return fail(ctx, `Invalid suppress_prefixlength ${str} specified`, i + 1);
      }
      b.hasTableOption = true;
      return { ok: true, i: i + 1 };
    case 'tunnel-id':
      if (readUnsigned(ctx, ctx.word(words, i + 1), 0, Number.MAX_SAFE_INTEGER) === undefined) {
        return fail(ctx, `Invalid tunnel-id ${str} specified`, i + 1);
      }
      return { ok: true, i: i + 1 };
    case 'uidrange':
      if (!/^\s*\+?\d+-\+?\d+/.test(ctx.word(words, i + 1))) return fail(
        ctx,
        `Invalid uidrange ${str} specified`,
        i + 1,
      );
      return { ok: true, i: i + 1 };
    case 'protocol': {
      const t = ctx.word(words, i + 1);
      const v = readUnsigned(ctx, t, 0, 255);
      if (v === undefined) ctx.report('general_error', 'invalid_rule', `Invalid protocol ${t}`);
      else b.protocol = v;
      return { ok: true, i: i + 1 };
    }
    default:
      return undefined;
  }
}

function lookupOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RuleBuild,
  str: string,
): Step | undefined {
  const t = (): string => ctx.word(words, i + 1);
  switch (str) {
    case 'tos': case 'dsfield': {
      const v = t();
      return findDsfield(v) === undefined ? fail(ctx, `TOS value ${v} is invalid`, i + 1) : {
        ok: true,
        i: i + 1,
      };
    }
    case 'realms': {
      const v = t();
      if (findRealms(v) === undefined) return fail(ctx, `invalid realms ${v} for rule`, i + 1);
      b.hasTableOption = true;
      if (b.family === undefined) b.family = 4;
      else if (b.family !== 4) return fail(ctx, 'realms is only valid for IPv4', i + 1);
      return { ok: true, i: i + 1 };
    }
    case 'suppress_ifgroup': case 'sup_group': {
      const v = t();
      if (findGroup(v) === undefined) return fail(ctx, `suppress_group ${v} is invalid`, i + 1);
      b.hasTableOption = true;
      return { ok: true, i: i + 1 };
    }
    case 'ipproto': {
      const v = t().replace(/^[ \t\f\n\r\v]+/, '');
      const n = /^[0-9]+$/.test(v) ? Number(v) : PROTOCOLS[v];
      if (v === '' || n === undefined || n > 127) ctx.report(
        'general_error',
        'invalid_rule',
        `Invalid ipproto ${t()}`,
      );
      return { ok: true, i: i + 1 };
    }
    default:
      return undefined;
  }
}

function miscOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RuleBuild,
  str: string,
  findTrackGroup: ((n: string) => boolean) | undefined,
): Step | undefined {
  switch (str) {
    case 'not':
      return { ok: true, i };
    case 'dev': case 'iif':
      b.iif = ctx.word(words, i + 1);
      return { ok: true, i: i + 1 };
    case 'oif':
      b.oif = ctx.word(words, i + 1);
      return { ok: true, i: i + 1 };
    case 'fwmark':
      return fwmarkOption(ctx, words, i);
    case 'sport': case 'dport':
      return rangeOption(ctx, words, i, str);
    case 'l3mdev':
      if (b.action !== undefined) return fail(ctx, 'Cannot specify l3mdev with other action', i);
      b.isL3mdev = true;
      b.action = 'table';
      return { ok: true, i };
    case 'no_track':
      b.noTrack = true;
      return { ok: true, i };
    default:
      if (findTrackGroup !== undefined && str === 'track_group') {
        const t = ctx.word(words, i + 1);
        if (b.trackGroup !== undefined) {
          ctx.report('general_error', 'duplicate', `track_group ${t} is a duplicate`);
          b.stop = true;
        } else if (findTrackGroup(t)) b.trackGroup = t;
        else ctx.report('general_error', 'not_found', `track_group ${t} not found`);
        return { ok: true, i: i + 1 };
      }
      return undefined;
  }
}

function actionOption(ctx: Ctx, words: readonly string[], i: number, b: RuleBuild): Step {
  let j = i;
  let str = words[i] ?? '';
  if (str === 'type') str = ctx.word(words, ++j);
  let action: string;
  if (str === 'goto') {
    const v = readUnsigned(ctx, ctx.word(words, ++j), 0, U32);
    if (v === undefined) return fail(ctx, `Invalid target ${str} specified`, j);
    b.gotoTarget = v;
    action = 'goto';
  } else if (str === 'nop') action = 'nop';
  else {
    const type = findRouteType(str);
    if (type === undefined) return fail(ctx, `Unknown rule option ${str}`, j);
    if (type === RTN_BLACKHOLE) action = 'blackhole';
    else if (type === RTN_UNREACHABLE) action = 'unreachable';
    else if (type === RTN_PROHIBIT) action = 'prohibit';
    else return fail(ctx, `Invalid rule action ${str}`, j);
  }
  return setAction(ctx, b, action, j, true);
}

function ruleOption(
  ctx: Ctx,
  words: readonly string[],
  i: number,
  b: RuleBuild,
  findTrackGroup: ((n: string) => boolean) | undefined,
): Step {
  const str = words[i] ?? '';
  if (str === 'inet6' || str === 'inet') return familyKeyword(ctx, b, str === 'inet' ? 4 : 6, i);
  if (str === 'from' || str === 'to') return addressOption(ctx, words, i, b, str);
  if (str === 'table' || str === 'lookup') return tableOption(ctx, words, i, b);
  return (
    numericOption(ctx, words, i, b, str) ??
    lookupOption(ctx, words, i, b, str) ??
    miscOption(ctx, words, i, b, str, findTrackGroup) ??
    actionOption(ctx, words, i, b)
  );
}

export interface RuleLineOptions {
  readonly findTrackGroup: ((name: string) => boolean) | undefined;
  readonly draft: VrrpDraft;
}

/** keepalived's alloc_rule() for one line: the entry, or undefined when dropped. */
export function parseRuleLine(
  ctx: Ctx,
  words: readonly string[],
  options: RuleLineOptions,
): RuleEntry | undefined {
  const b: RuleBuild = {
    family: undefined, from: undefined, to: undefined, action: undefined, table: undefined,
    preference: undefined, iif: undefined, oif: undefined, protocol: undefined, isL3mdev: false,
    hasTableOption: false,
    gotoTarget: undefined,
    noTrack: false,
    trackGroup: undefined,
    stop: false,
  };
  for (let i = 0; i < words.length; i++) {
    const step = ruleOption(ctx, words, i, b, options.findTrackGroup);
    if (!step.ok) return undefined;
    i = step.i;
    if (b.stop) break;
  }
  if (!checkRule(ctx, b)) return undefined;
  return finishRule(ctx, words, b, options.draft);
}

function checkRule(ctx: Ctx, b: RuleBuild): boolean {
  const bad = (m: string): boolean => fail(ctx, m, 0).ok;
  if (b.action === 'goto') {
    if (b.preference === undefined) return bad(
      `Invalid rule - goto target ${b.gotoTarget ?? 0} specified without preference`,
    );
    if (b.preference >= (b.gotoTarget ?? 0)) return bad(
      `Invalid rule - preference ${b.preference} >= goto target ${b.gotoTarget ?? 0}`,
    );
  }
  if (b.action === undefined) return bad('No action specified for rule - ignoring');
  if (b.action !== 'table' && b.hasTableOption) return bad(
    'suppressor/realm specified for non table action - skipping',
  );
  if (b.table !== undefined && b.isL3mdev) return bad('table cannot be specified for l3mdev rules');
  return true;
}

function finishRule(ctx: Ctx, words: readonly string[], b: RuleBuild, draft: VrrpDraft): RuleEntry {
  if (!b.noTrack && b.protocol !== undefined && b.protocol !== RTPROT_KEEPALIVED) {
    ctx.report(
      'general_error',
      'rule_protocol',
      `Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), ` +
      `resetting protocol`,
    );
  }
  let trackGroup = b.trackGroup;
  if (trackGroup !== undefined && b.iif === undefined) {
    ctx.report(
      'general_error',
      'track_group',
      'Static rule cannot have track_group if dev/iif not specified',
    );
    trackGroup = undefined;
  }
  const family = b.family ?? 4;
  let preference = b.preference;
  if (preference === undefined) {
    const next = draft.nextRulePriority;
    preference = family === 4 ? next.v4-- : next.v6--;
    ctx.report(
      'general_error',
      'rule_no_preference',
      `Rule has no preference specified - setting to ${preference}. This is probably not what ` +
      `you want.`,
    );
  }
  return {
    family, from: b.from, to: b.to, action: b.action ?? 'table', table: b.table, preference,
    inputInterface: b.iif,
    outputInterface: b.oif,
    noTrack: b.noTrack,
    trackGroup,
    args: words,
    at: ctx.at,
  };
}
