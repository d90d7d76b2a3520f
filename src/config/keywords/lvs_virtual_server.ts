/**
 * The options of a `virtual_server` block (check_parser.c, keepalived 2.2.7), apart from
 * the sorry/real server blocks. VS-level flags such as `alpha`, `omega`, `ha_suspend` and
 * `inhibit_on_failure` take no argument in keepalived (any argument is ignored), unlike
 * their real-server counterparts.
 */
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readUnsigned } from '../values.js';
import type { LvsProtocol } from '../model/lvs.js';
import {
  currentVirtualServer,
  type SchedulerFlagsDraft,
  type VirtualServerDraft,
} from './lvs_draft.js';
import { parseInetAton } from './lvs_address.js';
import { readForwarding } from './lvs_forwarding.js';
import {
  IPVS_WEIGHT_LIMIT,
  keepRaw,
  readFlag,
  readUnsignedOr,
  UINT_MAX,
  inheritedTimingKeywords, type Ctx, type Handler } from './lvs_values.js';
import { readNotifyScript } from './lvs_notify.js';

type K = Keyword<ConfigDraft>;

/** keepalived's lvs_schedulers[] (check_parser.c). */
const SCHEDULERS: ReadonlySet<string> = new Set([
  'rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos',
]);

/** IPVS_SVC_PERSISTENT_TIMEOUT: 6 minutes. */
export const DEFAULT_PERSISTENCE_TIMEOUT_S = 360;
/** LVS_MAX_TIMEOUT: 31 days. */
const LVS_MAX_TIMEOUT_S = 86400 * 31;
/** sizeof(pe_name) - 1 (IP_VS_PENAME_MAXLEN). */
const PE_NAME_MAX = 16;

type VsApply = (vs: VirtualServerDraft, words: readonly string[], ctx: Ctx) => void;

function onVs(apply: VsApply): Handler {
  return (words, ctx) => {
    const vs = currentVirtualServer(ctx.state.lvs);
    if (vs !== undefined) apply(vs, words, ctx);
  };
}

function ipFamily(vs: VirtualServerDraft, words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const family = text === 'inet' ? 4 : text === 'inet6' ? 6 : undefined;
  if (family === undefined) {
    ctx.report('general_error', 'vs_family_unknown', `unknown address family ${text}`);
    return;
  }
  if (vs.family !== undefined && vs.family !== family) {
    ctx.report(
      'general_error',
      'vs_family_conflict',
      `Virtual server specified family ${text} conflicts with server family`,
    );
    return;
  }
  vs.family = family;
}

function scheduler(vs: VirtualServerDraft, words: readonly string[], ctx: Ctx): void {
  const name = ctx.word(words, 1);
  if (!SCHEDULERS.has(name)) {
    ctx.report(
      'general_error',
      'vs_scheduler_invalid',
      `Invalid lvs_scheduler '${name}' - ignoring`,
    );
    return;
  }
  vs.scheduler = name;
}

/**
 * check_parser.c lbflags_handler: `sh-*` / `mh-*` only count after `lb_algo sh|mh`; with
 * another scheduler (or none yet) they are refused, as is `hashed`, which keepalived
 * installs but never handles.
 */
function schedulerFlag(vs: VirtualServerDraft, words: readonly string[], ctx: Ctx): void {
  const flag = words[0] ?? '';
  const simple: Record<string, keyof SchedulerFlagsDraft> = {
    ops: 'onePacket',
    'flag-1': 'flag1',
    'flag-2': 'flag2',
    'flag-3': 'flag3',
  };
  const direct = simple[flag];
  if (direct !== undefined) vs.flags[direct] = true;
  else if (vs.scheduler === 'sh') {
    if (flag === 'sh-port') vs.flags.shPort = true;
    if (flag === 'sh-fallback') vs.flags.shFallback = true;
  } else if (vs.scheduler === 'mh') {
    if (flag === 'mh-port') vs.flags.mhPort = true;
    if (flag === 'mh-fallback') vs.flags.mhFallback = true;
  } else {
    ctx.report(
      'general_error',
      'vs_flag_scheduler',
      `${flag} only applies to sh scheduler - ignoring`,
    );
  }
}

function persistenceTimeout(vs: VirtualServerDraft, words: readonly string[], ctx: Ctx): void {
  if (words.length < 2) {
    vs.persistenceTimeoutS = DEFAULT_PERSISTENCE_TIMEOUT_S;
    return;
  }
  const t = readUnsigned(ctx, ctx.word(words, 1), 1, LVS_MAX_TIMEOUT_S);
  if (t === undefined) {
    ctx.report('general_error', 'vs_persistence_invalid', 'persistence_timeout invalid');
    return;
  }
  vs.persistenceTimeoutS = t;
}

function persistenceEngine(vs: VirtualServerDraft, words: readonly string[], ctx: Ctx): void {
  const name = ctx.word(words, 1);
  if (name.length > PE_NAME_MAX) {
    ctx.report(
      'general_error',
      'vs_persistence_engine_long',
      `persistence_name too long, truncating - ${name}`,
    );
  }
  vs.persistenceEngine = name.slice(0, PE_NAME_MAX);
}

/**
 * check_parser.c pgr_handler: the family is the service's, or guessed from a '.'; it
 * also settles the service family and turns persistence on.
 */
function persistenceGranularity(vs: VirtualServerDraft, words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const family = vs.family ?? (text.includes('.') ? 4 : 6);
  if (family === 6) {
    const len = readUnsigned(ctx, text, 1, 128);
    if (len === undefined) {
      ctx.report(
        'general_error',
        'vs_granularity_invalid',
        `Invalid IPv6 persistence_granularity specified - ${text}`,
      );
      return;
    }
    vs.persistenceGranularity = { family: 6, prefixLength: len };
  } else {
    const netmask = parseInetAton(text);
    if (netmask === undefined) {
      ctx.report(
        'general_error',
        'vs_granularity_invalid',
        `Invalid IPv4 persistence_granularity specified - ${text}`,
      );
      return;
    }
    vs.persistenceGranularity = { family: 4, netmask };
  }
  if (vs.family === undefined) vs.family = family;
  if (vs.persistenceTimeoutS === 0) vs.persistenceTimeoutS = DEFAULT_PERSISTENCE_TIMEOUT_S;
}

function protocol(vs: VirtualServerDraft, words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const p = text.toLowerCase();
  if (p === 'tcp' || p === 'udp' || p === 'sctp') vs.protocol = p satisfies LvsProtocol;
  else ctx.report('general_error', 'vs_protocol_unknown', `Unknown protocol ${text} - ignoring`);
}

function forwarding(vs: VirtualServerDraft, words: readonly string[], ctx: Ctx): void {
  readForwarding(ctx, words, vs.forwarding, 'virtual');
}

function vsgName(vs: VirtualServerDraft): string | undefined {
  return vs.key.kind === 'group' ? vs.key.group : undefined;
}

const timingKeywords: readonly K[] = inheritedTimingKeywords(onVs, {
  delayBeforeRetry: (t) => `virtual server delay before retry '${t}' invalid - ignoring`,
  warmup: (t) => `virtual server warmup '${t}' invalid - ignoring`,
  connectTimeout: (t) => `virtual server connect_timeout ${t} invalid - ignoring`,
  delayLoop: (t) => `virtual server delay loop '${t}' invalid - ignoring`,
});

const flagKeywords: readonly K[] = [
  'hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback',
].map((name) => ({ name, handler: onVs(schedulerFlag) }));

const quorumKeywords: readonly K[] = [
  { name: 'alpha', handler: onVs((vs) => void (vs.alpha = true)) },
  { name: 'omega', handler: onVs((vs) => void (vs.omega = true)) },
  {
    name: 'quorum_up',
    handler: onVs((vs, words, ctx) => {
      vs.quorumUp = readNotifyScript(ctx, words, vs.quorumUp, vsgName(vs), 'quorum');
    }),
  },
  {
    name: 'quorum_down',
    handler: onVs((vs, words, ctx) => {
      vs.quorumDown = readNotifyScript(ctx, words, vs.quorumDown, vsgName(vs), 'quorum');
    }),
  },
  {
    name: 'quorum',
    handler: onVs((vs, words, ctx) => {
      const q = readUnsignedOr(ctx, words, { min: 1, max: UINT_MAX }, (t) =>
        `Quorum ${t} must be in [1, ${UINT_MAX}]. Setting to 1.`,
      );
      vs.quorum = q ?? 1;
    }),
  },
  {
    name: 'hysteresis',
    handler: onVs((vs, words, ctx) => {
      const h = readUnsignedOr(ctx, words, { min: 0, max: UINT_MAX }, (t) =>
        `Hysteresis ${t} must be in [0, ${UINT_MAX}] - ignoring`,
      );
      if (h !== undefined) vs.hysteresis = h;
    }),
  },
  {
    name: 'weight',
    handler: onVs((vs, words, ctx) => {
      const w = readUnsignedOr(ctx, words, { min: 1, max: IPVS_WEIGHT_LIMIT }, (t) =>
        `Virtual server weight ${t} is outside range 1-${IPVS_WEIGHT_LIMIT}`,
      );
      if (w !== undefined) vs.weight = w;
    }),
  },
];

const miscKeywords: readonly K[] = [
  { name: 'persistence_engine', handler: onVs(persistenceEngine) },
  { name: 'persistence_timeout', handler: onVs(persistenceTimeout) },
  { name: 'persistence_granularity', handler: onVs(persistenceGranularity) },
  { name: 'protocol', handler: onVs(protocol) },
  { name: 'ha_suspend', handler: onVs((vs) => void (vs.haSuspend = true)) },
  {
    name: 'smtp_alert',
    handler: onVs((vs, words, ctx) => {
      const b = readFlag(ctx, words, 'Invalid virtual_server smtp_alert parameter');
      if (b !== undefined) vs.smtpAlert = b;
    }),
  },
  {
    name: 'virtualhost',
    handler: onVs((vs, words, ctx) => {
      const v = words[1];
      if (v !== undefined) vs.virtualhost = v;
      else ctx.report('general_error', 'virtualhost_missing', 'virtual server virtualhost missing');
    }),
  },
  {
    name: 'snmp_name',
    handler: onVs((vs, words, ctx) => {
      if (words.length !== 2) {
        ctx.report(
          'general_error',
          'snmp_name_invalid',
          'virtual server snmp_name missing or extra parameters',
        );
        return;
      }
      keepRaw(ctx, words, vs.raw);
    }),
  },
];

/** The virtual_server sub-keywords, in keepalived's install order. */
export const virtualServerOptionKeywords: readonly K[] = [
  { name: 'ip_family', handler: onVs(ipFamily) },
  ...timingKeywords,
  { name: 'inhibit_on_failure', handler: onVs((vs) => void (vs.inhibit = true)) },
  { name: 'lb_algo', handler: onVs(scheduler) },
  { name: 'lvs_sched', handler: onVs(scheduler) },
  ...flagKeywords,
  { name: 'lb_kind', handler: onVs(forwarding) },
  { name: 'lvs_method', handler: onVs(forwarding) },
  ...miscKeywords,
  ...quorumKeywords,
];
