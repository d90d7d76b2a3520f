/**
 * Root-level LVS keywords: `SSL`, `virtual_server_group`, `virtual_server` with its
 * `real_server` / `sorry_server` sub-keywords (keepalived 2.2.7 check/check_parser.c).
 * Checker blocks inside `real_server` come from check.ts. Handlers only record what is
 * written, with keepalived's parse-time checks and messages; defaults and inheritance are
 * resolved after the stream by complete/lvs.ts, as keepalived's validate_check_config().
 */
import { keywordTable, type Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import type { SourceLocation } from '../diagnostics.js';
import { readUnsigned } from '../values.js';
import { checkerKeywords } from './check.js';
import {
  createLvsDraft,
  currentRealServer,
  currentVirtualServer,
  unsetForwarding,
  type ForwardingDraft,
  type LvsDraft,
  type RealServerDraft,
  type SslDraft,
  type VirtualServerDraft,
} from './lvs_draft.js';
import { addGroupEntry, parseSocketAddress, portGiven } from './lvs_address.js';
import { readForwarding } from './lvs_forwarding.js';
import {
  crashLikeKeepalived,
  cString,
  IPVS_WEIGHT_LIMIT,
  keepRaw,
  readFlag,
  readUnsignedOr,
  UINT_MAX,
  US_PER_S,
  inheritedTimingKeywords, type Ctx, type Handler } from './lvs_values.js';
import { virtualServerOptionKeywords } from './lvs_virtual_server.js';
import { readNotifyScript } from './lvs_notify.js';

export type { LvsDraft };
export { createLvsDraft };

type K = Keyword<ConfigDraft>;

// ---------------------------------------------------------------------------------------
// SSL { password ca certificate key }

type SslField = 'password' | 'caFile' | 'certificateFile' | 'keyFile';

function sslFile(field: SslField, what: string): Handler {
  return (words, ctx) => {
    const ssl = ctx.state.lvs.ssl;
    if (ssl === undefined) return;
    const value = words[1];
    if (value === undefined) {
      ctx.report('general_error', 'ssl_missing', `SSL ${what} missing`);
      return;
    }
    if (ssl[field] !== undefined) {
      ctx.report('general_error', 'ssl_replaced', `SSL ${what} already specified - replacing`);
    }
    ssl[field] = value;
  };
}

const sslKeyword: K = {
  name: 'SSL',
  handler: (_words, ctx) => {
    if (ctx.state.lvs.ssl !== undefined) {
      ctx.report('general_error', 'ssl_replaced', 'SSL context already specified - replacing');
    }
    const ssl: SslDraft = {
      at: ctx.at,
      password: undefined,
      caFile: undefined,
      certificateFile: undefined,
      keyFile: undefined,
    };
    ctx.state.lvs.ssl = ssl;
  },
  sub: keywordTable<ConfigDraft>([
    { name: 'password', handler: sslFile('password', 'password') },
    { name: 'ca', handler: sslFile('caFile', 'cafile') },
    { name: 'certificate', handler: sslFile('certificateFile', 'certfile') },
    { name: 'key', handler: sslFile('keyFile', 'keyfile') },
  ]),
};

// ---------------------------------------------------------------------------------------
// virtual_server_group NAME { entries }

/**
 * parser.c alloc_value_block() as vsg_handler calls it: like ctx.readValueBlock(), except
 * that a block not opened by '{' makes keepalived print its (NULL) block name, which is a
 * missing-parameter exit.
 */
function readGroupBlock(
  ctx: Ctx,
  onLine: (words: readonly string[], at: SourceLocation) => void,
): void {
  let needBob = true;
  for (;;) {
    const line = ctx.nextLine();
    if (line === undefined) return;
    let words = line.words;
    if (needBob) {
      needBob = false;
      if (words[0] !== '{') ctx.word([], 0);
      if (words.length === 1) continue;
      words = words.slice(1);
    }
    const last = words[words.length - 1];
    if (last === '}' && words.length === 1) return;
    const hadEob = last === '}';
    if (hadEob) words = words.slice(0, -1);
    if (words.length > 0) onLine(words, ctx.at);
    if (hadEob) return;
  }
}

function virtualServerGroupHandler(words: readonly string[], ctx: Ctx): void {
  const name = ctx.word(words, 1);
  const group = {
    at: ctx.at,
    name,
    entries: [],
    hasIpv4: false,
    hasIpv6: false,
    fwmarkWithoutFamily: false,
  };
  const lvs = ctx.state.lvs;
  lvs.groups.push(group);
  if (words.length > 2) {
    // keepalived-compat: check_parser.c vsg_handler hands alloc_value_block() a word list
    // whose first slot is NULL; any extra word makes it read that NULL: a missing-parameter
    // exit.
    ctx.word([], 0);
  }
  readGroupBlock(ctx, (lineWords, at) => addGroupEntry(ctx, group, lineWords, at));
  if (group.entries.length === 0) {
    ctx.report(
      'general_error',
      'vsg_empty',
      `virtual server group ${name} has no entries - removing`,
    );
    lvs.groups.pop();
  } else if (group.hasIpv4 && group.hasIpv6 && group.fwmarkWithoutFamily) {
    ctx.report(
      'general_error',
      'vsg_mixed_family',
      `virtual server group ${name} cannot have IPv4, IPv6 and fwmark without family - removing`,
    );
    lvs.groups.pop();
  }
}

// ---------------------------------------------------------------------------------------
// virtual_server IP [PORT] | fwmark N | group NAME

function newVirtualServer(ctx: Ctx, key: VirtualServerDraft['key']): VirtualServerDraft {
  return {
    at: ctx.at,
    key,
    memberIndex: 0,
    family: key.kind === 'address' ? key.address.family : undefined,
    protocol: undefined,
    scheduler: undefined,
    flags: {
      onePacket: false,
      flag1: false,
      flag2: false,
      flag3: false,
      shPort: false,
      shFallback: false,
      mhPort: false,
      mhFallback: false,
    },
    forwarding: unsetForwarding(),
    persistenceTimeoutS: 0,
    persistenceGranularity: undefined,
    persistenceEngine: undefined,
    // keepalived-compat: check_data.c alloc_vs: KEEPALIVED_DEFAULT_DELAY 60 s, 5 s timeout.
    delayLoopUs: 60 * US_PER_S,
    connectTimeoutUs: 5 * US_PER_S,
    retry: undefined,
    delayBeforeRetryUs: undefined,
    warmupUs: undefined,
    weight: 1,
    inhibit: false,
    alpha: false,
    omega: false,
    quorum: 1,
    hysteresis: 0,
    quorumUp: undefined,
    quorumDown: undefined,
    haSuspend: false,
    smtpAlert: undefined,
    virtualhost: undefined,
    sorry: undefined,
    realServers: [],
    raw: [],
  };
}

function virtualServerKey(
  words: readonly string[],
  ctx: Ctx,
): VirtualServerDraft['key'] | undefined {
  const first = ctx.word(words, 1);
  if (first === 'group') {
    // keepalived 2.2.7 dereferences NULL (SIGSEGV) without a name; we report it as missing.
    return { kind: 'group', group: ctx.word(words, 2) };
  }
  if (first === 'fwmark') {
    const text = ctx.word(words, 2);
    const fwmark = readUnsigned(ctx, text, 0, UINT_MAX);
    if (fwmark === undefined) {
      ctx.report(
        'general_error',
        'vs_bad_fwmark',
        `virtual server fwmark '${text}' must be in [0, ${UINT_MAX}] - ignoring`,
      );
      return undefined;
    }
    if (fwmark === 0) {
      ctx.notice(
        'vs_fwmark_zero',
        'keepalived handles virtual_server fwmark 0 as a service without fwmark nor address',
      );
    }
    return { kind: 'fwmark', fwmark };
  }
  const port = portGiven(words[2]) ? words[2] : undefined;
  const address = parseSocketAddress(ctx, first, port);
  if (address === undefined) {
    const p = port === undefined ? '' : '/port';
    const s = port === undefined ? '' : `/${port}`;
    ctx.report(
      'general_error',
      'vs_bad_address',
      `Invalid virtual server IP address${p} ${first}${s} - skipping`,
    );
    return undefined;
  }
  return { kind: 'address', address };
}

function virtualServerHandler(words: readonly string[], ctx: Ctx): void {
  const key = virtualServerKey(words, ctx);
  if (key === undefined) {
    ctx.skipBlock(true);
    return;
  }
  ctx.state.lvs.virtualServers.push(newVirtualServer(ctx, key));
}

/**
 * check_parser.c vs_end_handler: settle the service's address family from its sorry and
 * real servers when no address gave one (tunnelled servers may be of the other family).
 */
function virtualServerEnd(ctx: Ctx): void {
  const vs = currentVirtualServer(ctx.state.lvs);
  if (vs === undefined) {
    // keepalived-compat: reached when an invalid virtual_server's block could not be
    // skipped (no '{', or no closing '}'); keepalived then works on the head of an empty
    // list and dies (free(): invalid pointer).
    crashLikeKeepalived(ctx, 'the block of an invalid virtual_server was not skipped');
  }
  const sorry = vs.sorry;
  if (sorry !== undefined && sorry.forwarding.method !== 'TUN') {
    if (vs.family === undefined) vs.family = sorry.address.family;
    else if (vs.family !== sorry.address.family) {
      ctx.report(
        'general_error',
        'sorry_server_family',
        `Address family of virtual server and sorry server ${sorry.address.address} ` +
          "don't match - skipping sorry server.",
      );
      vs.sorry = undefined;
    }
  }
  if (vs.family !== undefined || vs.key.kind === 'group') return;
  let family = vs.sorry?.address.family;
  let mixed = false;
  for (const rs of vs.realServers) {
    if (family === undefined) family = rs.address.family;
    else if (family !== rs.address.family) {
      mixed = true;
      break;
    }
  }
  vs.family = mixed || family === undefined ? 4 : family;
}

// ---------------------------------------------------------------------------------------
// sorry_server, sorry_server_inhibit, sorry_server_lvs_method

function copyForwarding(f: ForwardingDraft): ForwardingDraft {
  return { ...f };
}

const sorryServerKeywords: readonly K[] = [
  {
    name: 'sorry_server',
    handler: (words, ctx) => {
      const vs = currentVirtualServer(ctx.state.lvs);
      if (vs === undefined) return;
      const ip = ctx.word(words, 1);
      const port = portGiven(words[2]) ? words[2] : undefined;
      const address = parseSocketAddress(ctx, ip, port);
      if (address === undefined) {
        ctx.report(
          'general_error',
          'sorry_server_address',
          `Invalid sorry server IP address ${ip} - skipping`,
        );
        return;
      }
      vs.sorry = {
        at: ctx.at,
        address,
        forwarding: copyForwarding(vs.forwarding),
        inhibit: false,
        duplicatesRealServer: false,
      };
    },
  },
  {
    name: 'sorry_server_inhibit',
    handler: (_words, ctx) => {
      const vs = currentVirtualServer(ctx.state.lvs);
      if (vs === undefined) return;
      if (vs.sorry !== undefined) vs.sorry.inhibit = true;
      else {
        ctx.report(
          'general_error',
          'sorry_server_missing',
          'Ignoring sorry_server inhibit used before or without sorry_server',
        );
      }
    },
  },
  {
    name: 'sorry_server_lvs_method',
    handler: (words, ctx) => {
      const vs = currentVirtualServer(ctx.state.lvs);
      if (vs === undefined) return;
      if (vs.sorry !== undefined) readForwarding(ctx, words, vs.sorry.forwarding, 'sorry');
      else {
        ctx.report(
          'general_error',
          'sorry_server_missing',
          'sorry_server forwarding used without sorry_server',
        );
      }
    },
  },
];

// ---------------------------------------------------------------------------------------
// real_server IP [PORT] { ... }

function realServerHandler(words: readonly string[], ctx: Ctx): void {
  const vs = currentVirtualServer(ctx.state.lvs);
  if (vs === undefined) return;
  const ip = ctx.word(words, 1);
  const portText = words[2];
  const address = parseSocketAddress(ctx, ip, portGiven(portText) ? portText : undefined);
  if (address === undefined) {
    ctx.report(
      'general_error',
      'rs_bad_address',
      `Invalid real server ip address/port ${ip}/${cString(portText)} - skipping`,
    );
    ctx.skipBlock(true);
    return;
  }
  const rs: RealServerDraft = {
    at: ctx.at,
    vs,
    address,
    weight: undefined,
    forwarding: copyForwarding(vs.forwarding),
    alpha: undefined,
    inhibit: undefined,
    connectTimeoutUs: undefined,
    delayLoopUs: undefined,
    retry: undefined,
    delayBeforeRetryUs: undefined,
    warmupUs: undefined,
    upperThreshold: 0,
    lowerThreshold: 0,
    smtpAlert: undefined,
    virtualhost: undefined,
    notifyUp: undefined,
    notifyDown: undefined,
    checkers: [],
    fileChecks: [],
    trackedBfds: new Set(),
    raw: [],
  };
  vs.realServers.push(rs);
}

/** check_parser.c rs_end_handler: a non-tunnelled server must match the service family. */
function realServerEnd(ctx: Ctx): void {
  const vs = currentVirtualServer(ctx.state.lvs);
  const rs = currentRealServer(ctx.state.lvs);
  if (vs === undefined || rs === undefined) return;
  if (rs.forwarding.method === 'TUN') return;
  if (vs.family === undefined) vs.family = rs.address.family;
  else if (vs.family !== rs.address.family) {
    ctx.report(
      'general_error',
      'rs_family',
      `Address family of virtual server and real server ${rs.address.address} ` +
        "don't match - skipping real server.",
    );
    vs.realServers.pop();
  }
}

/** Runs `apply` on the real server being read. */
function onRs(apply: (rs: RealServerDraft, words: readonly string[], ctx: Ctx) => void): Handler {
  return (words, ctx) => {
    const rs = currentRealServer(ctx.state.lvs);
    if (rs !== undefined) apply(rs, words, ctx);
  };
}

function vsgNameOf(rs: RealServerDraft): string | undefined {
  return rs.vs.key.kind === 'group' ? rs.vs.key.group : undefined;
}

const realServerOptionKeywords: readonly K[] = [
  {
    name: 'weight',
    handler: onRs((rs, words, ctx) => {
      const w = readUnsignedOr(ctx, words, { min: 0, max: IPVS_WEIGHT_LIMIT }, (t) =>
        `Real server weight ${t} is outside range 0-${IPVS_WEIGHT_LIMIT}`,
      );
      if (w !== undefined) rs.weight = w;
    }),
  },
  {
    name: 'lvs_method',
    handler: onRs((rs, words, ctx) => readForwarding(ctx, words, rs.forwarding, 'real')),
  },
  {
    name: 'uthreshold',
    handler: onRs((rs, words, ctx) => {
      const t = readUnsignedOr(ctx, words, { min: 0, max: UINT_MAX }, (x) =>
        `Invalid real_server uthreshold '${x}' - ignoring`,
      );
      if (t !== undefined) rs.upperThreshold = t;
    }),
  },
  {
    name: 'lthreshold',
    handler: onRs((rs, words, ctx) => {
      const t = readUnsignedOr(ctx, words, { min: 0, max: UINT_MAX }, (x) =>
        `Invalid real_server lthreshold '${x}' - ignoring`,
      );
      if (t !== undefined) rs.lowerThreshold = t;
    }),
  },
  {
    name: 'inhibit_on_failure',
    handler: onRs((rs, words, ctx) => {
      const b = readFlag(ctx, words, 'Invalid inhibit_on_failure parameter');
      if (b !== undefined) rs.inhibit = b;
    }),
  },
  {
    name: 'notify_up',
    handler: onRs((rs, words, ctx) => {
      rs.notifyUp = readNotifyScript(ctx, words, rs.notifyUp, vsgNameOf(rs), 'notify');
    }),
  },
  {
    name: 'notify_down',
    handler: onRs((rs, words, ctx) => {
      rs.notifyDown = readNotifyScript(ctx, words, rs.notifyDown, vsgNameOf(rs), 'notify');
    }),
  },
  {
    name: 'alpha',
    handler: onRs((rs, words, ctx) => {
      const b = readFlag(ctx, words, 'Invalid alpha parameter');
      if (b !== undefined) rs.alpha = b;
    }),
  },
  ...inheritedTimingKeywords(onRs, {
    delayBeforeRetry: (t) => `real server delay_before_retry '${t}' invalid - ignoring`,
    warmup: (t) => `real server warmup '${t}' invalid - ignoring`,
    connectTimeout: (t) => `real server connect_timeout ${t} invalid - ignoring`,
    delayLoop: (t) => `real server delay_loop '${t}' invalid - ignoring`,
  }),
  {
    name: 'smtp_alert',
    handler: onRs((rs, words, ctx) => {
      const b = readFlag(ctx, words, 'Invalid real_server smtp_alert parameter');
      if (b !== undefined) rs.smtpAlert = b;
    }),
  },
  {
    name: 'virtualhost',
    handler: onRs((rs, words, ctx) => {
      const v = words[1];
      if (v !== undefined) rs.virtualhost = v;
      else ctx.report('general_error', 'virtualhost_missing', 'real server virtualhost missing');
    }),
  },
  {
    name: 'snmp_name',
    handler: onRs((rs, words, ctx) => {
      if (words.length !== 2) {
        ctx.report(
          'general_error',
          'snmp_name_invalid',
          'real server snmp_name missing or extra parameters',
        );
        return;
      }
      keepRaw(ctx, words, rs.raw);
    }),
  },
];

const realServerKeyword: K = {
  name: 'real_server',
  handler: realServerHandler,
  onClose: realServerEnd,
  sub: keywordTable<ConfigDraft>([...realServerOptionKeywords, ...checkerKeywords]),
};

const virtualServerKeyword: K = {
  name: 'virtual_server',
  handler: virtualServerHandler,
  onClose: virtualServerEnd,
  sub: keywordTable<ConfigDraft>([
    ...virtualServerOptionKeywords,
    ...sorryServerKeywords,
    realServerKeyword,
  ]),
};

/** Root-level LVS keywords: virtual_server, virtual_server_group, SSL. */
export const lvsRootKeywords: readonly Keyword<ConfigDraft>[] = [
  sslKeyword,
  { name: 'virtual_server_group', handler: virtualServerGroupHandler },
  virtualServerKeyword,
];
