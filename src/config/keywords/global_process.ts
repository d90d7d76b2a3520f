/**
 * `global_defs` keywords about the processes themselves: names, scheduling, SNMP, D-Bus,
 * netlink buffers, umask, reload control, lvs_sync_daemon. Most are P2: checked like
 * keepalived 2.2.7 does (core/global_parser.c), then kept raw with a notice.
 */
import { readInt, readUnsigned } from '../values.js';
import type { RawKeyword } from '../model/vrrp.js';
import { inetAddressPart } from './global_defs.js';
import { formatIp, isMulticast } from '../../lib/ip.js';
import { keepRaw, optionalBool, type Ctx, type Handler, type KeywordDef } from './global_values.js';

const UINT_MAX = 4294967295;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** sched_get_priority_min/max(SCHED_RR) on Linux. */
const RR_MIN = 1;
const RR_MAX = 99;
/** TASK_COMM_LEN. */
const COMM_LEN = 16;

const rawOf = (ctx: Ctx): RawKeyword[] => ctx.state.global.raw;

function kept(name: string, check?: Handler): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      check?.(words, ctx);
      keepRaw(ctx, rawOf(ctx), words);
    },
  };
}

function err(ctx: Ctx, message: string): void {
  ctx.report('general_error', 'invalid_value', message);
}

/** keepalived's save_process_name(). */
function processName(text: string, ctx: Ctx): string {
  if (text.length >= COMM_LEN) {
    err(ctx, `Process name ${text} more than ${COMM_LEN - 1} characters, truncating`);
    return text.slice(0, COMM_LEN - 1);
  }
  return text;
}

function processNames(_words: readonly string[], ctx: Ctx): void {
  const g = ctx.state.global;
  g.vrrpProcessName = 'keepalived_vrrp';
  g.checkerProcessName = 'keepalived_lvs';
  g.bfdProcessName = 'keepalived_bfd';
}

function namedProcess(name: string, set: (ctx: Ctx, v: string) => void): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      if (name === 'lvs_process_name') {
        ctx.notice(
          'deprecated',
          "'lvs_process_name' is deprecated - please use 'checker_process_name'",
        );
      }
      set(ctx, processName(ctx.word(words, 1), ctx));
    },
  };
}

function maxAutoPriority(words: readonly string[], ctx: Ctx): void {
  const text = words[1];
  if (text === undefined) {
    ctx.state.global.maxAutoPriority = RR_MAX;
    return;
  }
  const v = readInt(ctx, text, -1, RR_MAX);
  if (v === undefined) {
    err(ctx, `max_auto_priority '${text}' must be in [0, ${RR_MAX}] (or -1 to disable) - ignoring`);
    return;
  }
  ctx.state.global.maxAutoPriority = v;
}

function minAutoPriorityDelay(words: readonly string[], ctx: Ctx): void {
  const text = words[1];
  if (text === undefined) {
    err(ctx, 'min_auto_priority_delay requires delay time');
    return;
  }
  const v = readInt(ctx, text, 1, 10_000_000);
  if (v === undefined) {
    err(ctx, `min_auto_priority_delay '${text}' must be in [1, 10000000] - ignoring`);
    return;
  }
  ctx.state.global.minAutoPriorityDelayUs = v;
}

function priorityCheck(proc: string): Handler {
  return (words, ctx) => {
    const text = words[1];
    if (text === undefined) err(ctx, `No ${proc} process priority specified`);
    else if (readInt(ctx, text, -20, 19) === undefined) {
      err(ctx, `Invalid ${proc} process priority specified`);
    }
  };
}

function rtPriorityCheck(proc: string): Handler {
  return (words, ctx) => {
    const text = words[1];
    if (text === undefined) {
      err(ctx, `No ${proc} process real-time priority specified`);
      return;
    }
    const v = readInt(ctx, text, INT_MIN, INT_MAX);
    if (v === undefined) err(ctx, `${proc} process real-time priority '${text}' invalid`);
    else if (v < RR_MIN) {
      err(
        ctx,
        `${proc} process real-time priority ${v} less than minimum ${RR_MIN} - setting to minimum`,
      );
    } else if (v > RR_MAX) {
      err(
        ctx,
        `${proc} process real-time priority ${v} greater than maximum ${RR_MAX} - setting to ` +
        `maximum`,
      );
    }
  };
}

function cpuAffinityCheck(proc: string): Handler {
  return (words, ctx) => {
    if (words.length < 2) {
      err(ctx, `No ${proc} cpu_id set specified`);
      return;
    }
    // keepalived checks against the online CPU count, which the host port does not give:
    // any non-negative CPU number is accepted here.
    for (const w of words.slice(1)) {
      const v = readInt(ctx, w, 0, INT_MAX);
      if (v === undefined) {
        err(ctx, `Invalid cpu_id:${Number.parseInt(w, 10) || 0} specified for ${proc} process`);
        return;
      }
    }
  };
}

function rlimitCheck(proc: string): Handler {
  return (words, ctx) => {
    const kw = words[0] ?? '';
    if (kw.endsWith('_rlimit_rtime')) {
      ctx.notice(
        'deprecated',
        `Keyword '${kw}' is deprecated - please use '${kw.slice(0, -5)}rttime'`,
      );
    }
    const text = ctx.word(words, 1);
    if (readUnsigned(ctx, text, 1, UINT_MAX) === undefined) {
      err(ctx, `Invalid ${proc} real-time limit - ${text}`);
    }
  };
}

function schedulingKeywords(proc: 'vrrp' | 'checker' | 'bfd'): KeywordDef[] {
  return [
    kept(`${proc}_priority`, priorityCheck(proc)),
    kept(`${proc}_no_swap`),
    kept(`${proc}_rt_priority`, rtPriorityCheck(proc)),
    kept(`${proc}_cpu_affinity`, cpuAffinityCheck(proc)),
    kept(`${proc}_rlimit_rttime`, rlimitCheck(proc)),
    kept(`${proc}_rlimit_rtime`, rlimitCheck(proc)),
  ];
}

function snmpSocket(words: readonly string[], ctx: Ctx): void {
  if (words.length > 2) {
    err(ctx, 'Too many parameters specified for snmp_socket - ignoring');
    return;
  }
  const name = words[1];
  if (name === undefined) {
    err(ctx, 'SNMP error : snmp socket name missing');
    return;
  }
  if (name.length > 4095) {
    err(ctx, 'SNMP error : snmp socket name too long - ignored');
    return;
  }
  const g = ctx.state.global;
  if (g.snmpSocket !== undefined) {
    err(ctx, `SNMP socket already set to ${g.snmpSocket} - ignoring`);
    return;
  }
  g.snmpSocket = name;
  keepRaw(ctx, g.raw, words);
}

function rcvBufs(prefix: string): KeywordDef[] {
  const size: Handler = (words, ctx) => {
    const text = words[1];
    if (text === undefined) err(ctx, `${prefix}_rcv_bufs size missing`);
    else if (readUnsigned(ctx, text, 0, UINT_MAX) === undefined) {
      err(ctx, `${prefix}_rcv_bufs size (${text}) invalid`);
    }
  };
  const force: Handler = (words, ctx) => {
    optionalBool(
      ctx,
      words,
      (w) => `Invalid value '${w}' for global ${prefix}_rcv_bufs_force specified`,
    );
  };
  return [kept(`${prefix}_rcv_bufs`, size), kept(`${prefix}_rcv_bufs_force`, force)];
}

const UMASK_BITS: Readonly<Record<string, number>> = {
  IRUSR: 0o400,
  IWUSR: 0o200,
  IXUSR: 0o100,
  IRGRP: 0o040,
  IWGRP: 0o020,
  IXGRP: 0o010,
  IROTH: 0o004,
  IWOTH: 0o002,
  IXOTH: 0o001,
};

/** strtol(text, 0) for umask: decimal, 0octal or 0xhex, whole string. */
function parseCInteger(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  if (/^[1-9][0-9]*$/.test(text)) return parseInt(text, 10);
  return undefined;
}

function umaskSymbolic(words: readonly string[], ctx: Ctx): number | undefined {
  let bits = 0;
  let needOr = false;
  for (const w of words.slice(1)) {
    let p = 0;
    while (p < w.length) {
      if (needOr) {
        if (w[p] !== '|') {
          err(ctx, `Invalid umask syntax ${w}`);
          return undefined;
        }
        needOr = false;
        p++;
        continue;
      }
      const bit = UMASK_BITS[w.slice(p, p + 5)];
      if (bit === undefined) {
        err(ctx, `Unknown umask bit ${w.slice(p)}`);
        return undefined;
      }
      bits |= bit;
      p += 5;
      needOr = true;
    }
  }
  if (!needOr) {
    err(ctx, 'umask missing bit value');
    return undefined;
  }
  return bits;
}

function umask(words: readonly string[], ctx: Ctx): void {
  const mask = ctx.word(words, 1);
  let bits: number | undefined;
  if (/^[0-9]/.test(mask)) {
    if (words.length !== 2) {
      err(ctx, `${words.length === 1 ? 'Missing' : 'Extra'} parameter(s) to umask option`);
      return;
    }
    const v = parseCInteger(mask);
    if (v === undefined || (v & ~0o777) !== 0) {
      err(ctx, `invalid umask value ${mask}`);
      return;
    }
    bits = v;
  } else bits = umaskSymbolic(words, ctx);
  if (bits !== undefined) ctx.state.global.umask = bits;
}

function randomSeed(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const v = readUnsigned(ctx, text, 0, UINT_MAX);
  if (v === undefined) err(ctx, `random_seed ${text} invalid`);
  else ctx.state.global.randomSeed = v;
}

/** `include_check [+|-]read,match,...`: applied by the lexer to the includes that follow. */
function includeCheck(words: readonly string[], ctx: Ctx): void {
  ctx.state.lexer.applyIncludeCheck(words, ctx.at);
}

function reloadTimeFile(words: readonly string[], ctx: Ctx): void {
  if (words.length !== 2) err(ctx, 'reload_time_file invalid');
}

function tmpConfigDirectory(words: readonly string[], ctx: Ctx): void {
  const g = ctx.state.global;
  const kw = words[0] ?? '';
  if (g.configDirectory !== undefined) err(ctx, `${kw} already specified - ignoring`);
  else if (words[1] === undefined) err(ctx, `${kw} missing directory name`);
  else g.configDirectory = words[1];
}

function dataUseInstance(words: readonly string[], ctx: Ctx): void {
  optionalBool(ctx, words, (w) => `Invalid value '${w}' for global date_use_instance specified`);
}

function dbusServiceName(words: readonly string[], ctx: Ctx): void {
  if (words[1] === undefined) err(ctx, 'dbus_service_name missing - ignoring');
}

const PROCESS_KEYWORDS: readonly KeywordDef[] = [
  { name: 'process_names', handler: processNames },
  namedProcess('process_name', (ctx, v) => (ctx.state.global.processName = v)),
  namedProcess('vrrp_process_name', (ctx, v) => (ctx.state.global.vrrpProcessName = v)),
  namedProcess('checker_process_name', (ctx, v) => (ctx.state.global.checkerProcessName = v)),
  namedProcess('lvs_process_name', (ctx, v) => (ctx.state.global.checkerProcessName = v)),
  namedProcess('bfd_process_name', (ctx, v) => (ctx.state.global.bfdProcessName = v)),
  { name: 'max_auto_priority', handler: maxAutoPriority },
  { name: 'min_auto_priority_delay', handler: minAutoPriorityDelay },
  ...schedulingKeywords('vrrp'),
  ...schedulingKeywords('checker'),
  ...schedulingKeywords('bfd'),
];

const SNMP_DBUS_KEYWORDS: readonly KeywordDef[] = [
  { name: 'snmp_socket', handler: snmpSocket },
  kept('enable_traps'),
  kept('enable_snmp_vrrp'),
  kept('enable_snmp_keepalived'),
  kept('enable_snmp_rfc'),
  kept('enable_snmp_rfcv2'),
  kept('enable_snmp_rfcv3'),
  kept('enable_snmp_checker'),
  kept('enable_dbus'),
  kept('dbus_service_name', dbusServiceName),
];

const MISC_KEYWORDS: readonly KeywordDef[] = [
  ...rcvBufs('vrrp_netlink_cmd'),
  ...rcvBufs('vrrp_netlink_monitor'),
  ...rcvBufs('process_monitor'),
  ...rcvBufs('lvs_netlink_cmd'),
  ...rcvBufs('lvs_netlink_monitor'),
  { name: 'umask', handler: umask },
  { name: 'random_seed', handler: randomSeed },
  kept('reload_check_config'),
  kept('reload_time_file', reloadTimeFile),
  kept('reload_repeat'),
  kept('reload_file'),
  { name: 'include_check', handler: includeCheck },
  kept('config_save_dir', (words, ctx) => void ctx.word(words, 1)),
  kept('tmp_config_directory', tmpConfigDirectory),
  kept('data_use_instance', dataUseInstance),
];

export const globalProcessKeywords: readonly KeywordDef[] = [
  ...PROCESS_KEYWORDS,
  ...SNMP_DBUS_KEYWORDS,
  ...MISC_KEYWORDS,
  { name: 'lvs_sync_daemon', handler: lvsSyncDaemon },
];

/** `lvs_sync_daemon IF [inst] VI [id N] [maxlen N] [port N] [ttl N] [group G]`. */
function lvsSyncDaemon(words: readonly string[], ctx: Ctx): void {
  const g = ctx.state.global;
  if (g.lvsSyncDaemon !== undefined) {
    const d = g.lvsSyncDaemon;
    err(
      ctx,
      `lvs_sync_daemon has already been specified as ${d.interfaceName} ` +
      `${d.instanceName ?? ''} - ignoring`,
    );
    return;
  }
  const ifname = words[1];
  if (ifname === undefined) {
    err(ctx, 'lvs_sync_daemon requires interface');
    return;
  }
  if (ifname.length >= 16) {
    err(ctx, `lvs_sync_daemon interface name '${ifname}' too long - ignoring`);
    return;
  }
  const d = {
    interfaceName: ifname,
    instanceName: undefined as string | undefined,
    syncId: undefined as number | undefined,
    maxLength: undefined as number | undefined,
    port: undefined as number | undefined,
    ttl: undefined as number | undefined,
    group: undefined as string | undefined,
    at: ctx.at,
  };
  for (let i = 2; i < words.length; i++) i = lvsSyncOption(words, i, d, ctx);
  g.lvsSyncDaemon = d;
}

interface SyncDraft {
  instanceName: string | undefined;
  syncId: number | undefined;
  maxLength: number | undefined;
  port: number | undefined;
  ttl: number | undefined;
  group: string | undefined;
}

const SYNC_NUMBERS: Readonly<Record<string, { min: number; max: number; key: 'maxLength' | 'port' | 'ttl' }>> = {
  maxlen: { min: 1, max: 65535 - 20 - 8, key: 'maxLength' },
  port: { min: 1, max: 65535, key: 'port' },
  ttl: { min: 1, max: 255, key: 'ttl' },
};

/** One option of lvs_sync_daemon at words[i]; returns the index of its last word. */
function lvsSyncOption(words: readonly string[], i: number, d: SyncDraft, ctx: Ctx): number {
  const opt = words[i] ?? '';
  const value = words[i + 1];
  if (opt === 'inst') {
    if (d.instanceName !== undefined) {
      err(
        ctx,
        `lvs_sync_daemon vrrp instance has already been specified as ${d.instanceName} - ignoring`,
      );
    } else d.instanceName = ctx.word(words, i + 1);
    return i + 1;
  }
  const num = SYNC_NUMBERS[opt];
  if (opt === 'id' || num !== undefined || opt === 'group') {
    if (value === undefined) {
      const tail = opt === 'id' ? ', defaulting to vrid' : ' - ignoring';
      err(ctx, `No value specified for lvs_sync_daemon ${opt}${tail}`);
      return i;
    }
    if (opt === 'id') {
      const v = readUnsigned(ctx, value, 0, 255);
      if (v === undefined) err(ctx, `Invalid syncid (${value}) - defaulting to vrid`);
      else d.syncId = v;
    } else if (num !== undefined) {
      const v = readUnsigned(ctx, value, num.min, num.max);
      if (v === undefined) err(ctx, `Invalid lvs_sync_daemon ${opt} (${value}) - ignoring`);
      else d[num.key] = v;
    } else syncGroup(value, d, ctx);
    return i + 1;
  }
  return lvsSyncLegacy(words, i, d, ctx);
}

function syncGroup(value: string, d: SyncDraft, ctx: Ctx): void {
  const ip = inetAddressPart(value);
  if (ip === undefined) {
    err(ctx, `Invalid lvs_sync_daemon group (${value}) - ignoring`);
    return;
  }
  if (!isMulticast(ip)) {
    err(ctx, `lvs_sync_daemon group address ${value} is not multicast - ignoring`);
    return;
  }
  d.group = formatIp(ip);
}

/** The pre-keyword form `lvs_sync_daemon IF VRRP_INSTANCE [SYNC_ID]`. */
function lvsSyncLegacy(words: readonly string[], i: number, d: SyncDraft, ctx: Ctx): number {
  const w = words[i] ?? '';
  if (i === 2) d.instanceName = w;
  else if (i === 3) {
    const v = readUnsigned(ctx, w, 0, 255);
    if (v === undefined) err(ctx, `Invalid syncid (${w}) - defaulting to vrid`);
    else {
      err(ctx, 'Please use keyword "id" before lvs_sync_daemon SYNCID');
      d.syncId = v;
    }
  } else err(ctx, `Unknown option ${w} specified for lvs_sync_daemon`);
  return i;
}
