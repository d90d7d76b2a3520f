/**
 * The VRRP defaults of `global_defs` (vrrp_*, garp, nftables, lvs_sync_daemon, ...).
 * keepalived-compat: core/global_parser.c (2.2.7); messages and severities as there.
 */
import { formatIp, isMulticast } from '../../lib/ip.js';
import { readInt, readUnsigned } from '../values.js';
import type { GlobalDraft } from './global_draft.js';
import { inetAddressPart } from './global_defs.js';
import {
  keepRaw,
  optionalBool,
  type Ctx,
  type KeywordDef,
  readDecimalLenient,
} from './global_values.js';

const UINT_MAX = 4294967295;
const INT_MAX = 2147483647;
const SECOND_US = 1_000_000;
const MAX_SECONDS = Math.floor(UINT_MAX / SECOND_US);

/** `KEYWORD N`: read_unsigned() in [min, max]; on failure keepalived's own message. */
export function unsignedSetting(
  name: string,
  range: readonly [number, number],
  message: (word: string) => string,
  set: (g: GlobalDraft, v: number, ctx: Ctx) => void,
): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      const text = ctx.word(words, 1);
      const v = readUnsigned(ctx, text, range[0], range[1]);
      if (v === undefined) ctx.report('general_error', 'invalid_value', message(text));
      else set(ctx.state.global, v, ctx);
    },
  };
}

function flag(name: string, set: (g: GlobalDraft) => void): KeywordDef {
  return { name, handler: (_w, ctx) => set(ctx.state.global) };
}

function boolSetting(
  name: string,
  message: (w: string) => string,
  set: (g: GlobalDraft, v: boolean) => void,
): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      const v = optionalBool(ctx, words, message);
      if (v !== undefined) set(ctx.state.global, v);
    },
  };
}

function mcastGroup(family: 4 | 6): KeywordDef {
  const name = `vrrp_mcast_group${family}`;
  return {
    name,
    handler: (words, ctx) => {
      const text = ctx.word(words, 1);
      const ip = inetAddressPart(text);
      const bad = (why: string): void =>
        ctx.report('general_error', 'invalid_mcast_group', `${name} [${text}] ${why}. Skipping`);
      if (ip === undefined) {
        ctx.report(
          'general_error',
          'invalid_mcast_group',
          `Can't parse ${name} [${text}]. Skipping`,
        );
      } else if (ip.family !== family) bad(`is not IPv${family}`);
      else if (!isMulticast(ip)) bad('is not multicast');
      else {
        // RFC 5798 §5.1.2.2: the IPv6 group is link-local scope (ff02::12).
        if (family === 6 && ((ip.bytes[1] ?? 0) & 0x0f) !== 0x02) {
          ctx.report(
            'warning',
            'mcast_not_link_local',
            `${name} [${text}] should be link-local multicast.`,
          );
        }
        if (family === 4) ctx.state.global.vrrpMcastGroup4 = formatIp(ip);
        else ctx.state.global.vrrpMcastGroup6 = formatIp(ip);
      }
    },
  };
}

/** vrrp_garp_interval / vrrp_gna_interval: read_decimal in [1 µs, UINT_MAX µs]. */
function garpInterval(name: 'vrrp_garp_interval' | 'vrrp_gna_interval'): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      const text = ctx.word(words, 1);
      const g = ctx.state.global;
      const v = readDecimalLenient(ctx, text, { min: 1, max: UINT_MAX, shift: 6 });
      if (v === undefined) ctx.report(
        'general_error',
        'invalid_value',
        `${name} '${text}' is invalid`,
      );
      else if (name === 'vrrp_garp_interval') g.vrrpGarpIntervalUs = v;
      else g.vrrpGnaIntervalUs = v;
      const now = name === 'vrrp_garp_interval' ? g.vrrpGarpIntervalUs : g.vrrpGnaIntervalUs;
      if (now >= SECOND_US) {
        ctx.notice('large_interval', `The ${name} is very large - ${text} seconds`);
      }
    },
  };
}

function minGarp(words: readonly string[], ctx: Ctx): void {
  const v = optionalBool(ctx, words, () => 'Invalid value for vrrp_min_garp specified');
  if (v !== true) return;
  // keepalived-compat: only settings still at their defaults are changed.
  const g = ctx.state.global;
  if (g.vrrpGarpMasterRepeat === 5) g.vrrpGarpMasterRepeat = 1;
  if (g.vrrpGarpMasterRefreshRepeat === 1) g.vrrpGarpMasterRefreshRepeat = 0;
  if (g.vrrpGarpMasterDelayUs === 5 * SECOND_US) g.vrrpGarpMasterDelayUs = 0;
}

function garpExtraIf(words: readonly string[], ctx: Ctx): void {
  const name = words[0] ?? '';
  if (name === 'vrrp_vmac_garp_intvl') {
    ctx.report(
      'deprecated',
      'deprecated',
      'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"',
    );
  }
  let delay = 0;
  let all = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === 'all') {
      all = true;
      ctx.state.global.vrrpGarpExtraIfAll = true;
      continue;
    }
    const v = readUnsigned(ctx, w, 1, 86400);
    if (v === undefined) {
      ctx.report('general_error', 'invalid_value', `${name} '${w}' invalid - ignoring`);
      return;
    }
    delay = v;
  }
  if (delay === 0) {
    ctx.report('general_error', 'missing_value', `${name} specified without time - ignoring`);
    return;
  }
  ctx.state.global.vrrpGarpExtraIfIntervalS = delay;
  if (all) ctx.state.global.vrrpGarpExtraIfAll = true;
}

function strictBool(name: string, set: (g: GlobalDraft, v: boolean) => void): KeywordDef {
  // vrrp_lower_prio_no_advert / vrrp_higher_prio_send_advert: the message has no value.
  return boolSetting(name, () => `Invalid value for ${name} specified`, set);
}

function vrrpVersion(words: readonly string[], ctx: Ctx): void {
  const v = readInt(ctx, ctx.word(words, 1), 2, 3);
  if (v === undefined) {
    ctx.report('general_error', 'invalid_value', 'VRRP Error: Version must be either 2 or 3');
    return;
  }
  ctx.state.global.vrrpVersion = v === 3 ? 3 : 2;
}

function vrrpIptables(words: readonly string[], ctx: Ctx): void {
  // keepalived-compat: this build has nftables only; vrrp_iptables switches to it.
  ctx.report(
    'general_error',
    'iptables_unsupported',
    "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and " +
      "'vrrp_ipsets' with 'nftables' config option",
  );
  ctx.state.global.nftablesTable = 'keepalived';
  ctx.state.global.nftablesPriority = -1;
  keepRaw(ctx, ctx.state.global.raw, words);
}

function nftables(ipvs: boolean): KeywordDef {
  const prefix = ipvs ? 'ipvs ' : '';
  return {
    name: ipvs ? 'nftables_ipvs' : 'nftables',
    handler: (words, ctx) => {
      const g = ctx.state.global;
      if ((ipvs ? g.ipvsNftablesTable : g.nftablesTable) !== undefined) {
        ctx.report('general_error', 'duplicate', `${prefix}nftables already specified - ignoring`);
        return;
      }
      const name = words[1] ?? (ipvs ? 'keepalived_ipvs' : 'keepalived');
      if (name.length >= 32) {
        ctx.report('general_error', 'too_long', `${prefix}nftables table name too long - ignoring`);
        return;
      }
      if (ipvs) {
        g.ipvsNftablesTable = name;
        keepRaw(ctx, g.raw, words);
      } else {
        g.nftablesTable = name;
        g.nftablesPriority = -1;
      }
    },
  };
}

function nftablesPriority(ipvs: boolean): KeywordDef {
  return {
    name: ipvs ? 'nftables_ipvs_priority' : 'nftables_priority',
    handler: (words, ctx) => {
      const text = ctx.word(words, 1);
      const v = readInt(ctx, text, -2147483648, INT_MAX);
      if (v === undefined) {
        ctx.report(
          'invalid_number',
          'invalid_number',
          `invalid ${ipvs ? 'ipvs ' : ''}nftables chain priority '${text}'`,
        );
      } else if (ipvs) keepRaw(ctx, ctx.state.global.raw, words);
      else ctx.state.global.nftablesPriority = v;
    },
  };
}

function nftablesStartFwmark(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  if (readUnsigned(ctx, text, 1, UINT_MAX) === undefined) {
    ctx.report(
      'invalid_number',
      'invalid_number',
      `invalid ipvs nftables start_fwmark priority '${text}'`,
    );
    return;
  }
  keepRaw(ctx, ctx.state.global.raw, words);
}

function startupDelay(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const g = ctx.state.global;
  const v = readDecimalLenient(ctx, text, { min: 1000, max: UINT_MAX, shift: 6 });
  if (v === undefined) {
    ctx.report('general_error', 'invalid_value', `vrrp_startup_delay '${text}' is invalid`);
  } else g.vrrpStartupDelayUs = v;
  if (g.vrrpStartupDelayUs >= 60 * SECOND_US) {
    ctx.notice('large_interval', `The vrrp_startup_delay is very large - ${text} seconds`);
  }
}

function vmacPrefix(addr: boolean): KeywordDef {
  return {
    name: addr ? 'vmac_addr_prefix' : 'vmac_prefix',
    handler: (words, ctx) => {
      const text = ctx.word(words, 1);
      const g = ctx.state.global;
      if ((addr ? g.vmacAddrPrefix : g.vmacPrefix) !== undefined) {
        ctx.report(
          'general_error',
          'duplicate',
          `${addr ? 'vmac_addr prefix' : 'vmac prefix'} has already been specified - ignoring ` +
          `${text}`,
        );
        return;
      }
      if (addr) g.vmacAddrPrefix = text;
      else g.vmacPrefix = text;
    },
  };
}

function rxBufsPolicy(words: readonly string[], ctx: Ctx): void {
  if (words.length < 2) {
    ctx.report('general_error', 'missing_value', 'vrrp_rx_bufs_policy missing');
    return;
  }
  let mtu = false;
  let advert = false;
  let size = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w.toUpperCase() === 'MTU') mtu = true;
    else if (w.toUpperCase() === 'ADVERT') advert = true;
    // keepalived-compat: the size is always read from the first word, whatever i is.
    else if (readUnsigned(ctx, words[1] ?? '', 0, UINT_MAX) === undefined) {
      ctx.report('general_error', 'invalid_value', `Invalid vrrp_rx_bufs_policy ${w}`);
    } else size = true;
  }
  if (size && (mtu || advert)) {
    ctx.report(
      'general_error',
      'conflict',
      'Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy',
    );
  } else if (mtu && advert) {
    ctx.report(
      'general_error',
      'conflict',
      'Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT',
    );
  }
  keepRaw(ctx, ctx.state.global.raw, words);
}

function rxBufsMultiplier(words: readonly string[], ctx: Ctx): void {
  if (words.length !== 2) {
    ctx.report('general_error', 'invalid_value', 'Invalid vrrp_rx_bufs_multiplier');
    return;
  }
  const text = words[1] ?? '';
  if (readUnsigned(ctx, text, 1, UINT_MAX) === undefined) {
    ctx.report('general_error', 'invalid_value', `Invalid vrrp_rx_bufs_multiplier ${text}`);
    return;
  }
  keepRaw(ctx, ctx.state.global.raw, words);
}

function lvsTimeouts(words: readonly string[], ctx: Ctx): void {
  if (words.length < 3) {
    ctx.report('general_error', 'missing_value', 'lvs_timeouts requires at least one option');
    return;
  }
  const t = ctx.state.global.lvsTimeouts;
  for (let i = 1; i < words.length; i++) {
    const opt = words[i] ?? '';
    if (opt !== 'tcp' && opt !== 'tcpfin' && opt !== 'udp') {
      ctx.report(
        'general_error',
        'unknown_option',
        `Unknown option ${opt} specified for lvs_timeouts`,
      );
      continue;
    }
    const text = words[i + 1];
    if (text === undefined) {
      ctx.report(
        'general_error',
        'missing_value',
        `No value specified for lvs_timeout ${opt} - ignoring`,
      );
      continue;
    }
    const v = readUnsigned(ctx, text, 0, 86400 * 31);
    if (v === undefined) {
      ctx.report(
        'general_error',
        'invalid_value',
        `Invalid lvs_timeout ${opt} (${text}) - ignoring`,
      );
    } else if (opt === 'tcp') t.tcpS = v;
    else if (opt === 'tcpfin') t.tcpFinS = v;
    else t.udpS = v;
    i++;
  }
}

function lvsFlushOnStop(words: readonly string[], ctx: Ctx): void {
  const w = words[1];
  if (w === undefined) ctx.state.global.lvsFlushOnStop = 'full';
  else if (w === 'VS') ctx.state.global.lvsFlushOnStop = 'vs';
  else ctx.report('general_error', 'unknown_option', `Unknown lvs_flush_on_stop type ${w}`);
}

export const globalVrrpKeywords: readonly KeywordDef[] = [
  mcastGroup(4),
  mcastGroup(6),
  unsignedSetting(
    'vrrp_garp_master_delay',
    [0, MAX_SECONDS],
    (w) => `vrrp_garp_master_delay '${w}' invalid - ignoring`,
    (g, v) => (g.vrrpGarpMasterDelayUs = v * SECOND_US),
  ),
  unsignedSetting(
    'vrrp_garp_master_repeat',
    [0, UINT_MAX],
    (w) => `vrrp_garp_master_repeat '${w}' invalid - ignoring`,
    (g, v, ctx) => (g.vrrpGarpMasterRepeat = atLeastOne(ctx, v, 'vrrp_garp_master_repeat')),
  ),
  {
    name: 'vrrp_garp_master_refresh',
    handler: (words, ctx) => {
      const text = ctx.word(words, 1);
      const v = readUnsigned(ctx, text, 0, UINT_MAX);
      if (v === undefined) {
        ctx.report(
          'general_error',
          'invalid_value',
          `Invalid vrrp_garp_master_refresh '${text}' - ignoring`,
        );
      }
      // keepalived-compat: an invalid value switches refresh off.
      ctx.state.global.vrrpGarpMasterRefreshUs = (v ?? 0) * SECOND_US;
    },
  },
  unsignedSetting(
    'vrrp_garp_master_refresh_repeat',
    [0, UINT_MAX],
    (w) => `vrrp_garp_master_refresh_repeat '${w}' invalid - ignoring`,
    (g, v, ctx) =>
      (g.vrrpGarpMasterRefreshRepeat = atLeastOne(ctx, v, 'vrrp_garp_master_refresh_repeat')),
  ),
  unsignedSetting(
    'vrrp_garp_lower_prio_delay',
    [0, MAX_SECONDS],
    (w) => `vrrp_garp_lower_prio_delay '${w}' invalid - ignoring`,
    (g, v) => (g.vrrpGarpLowerPrioDelayUs = v * SECOND_US),
  ),
  unsignedSetting(
    'vrrp_garp_lower_prio_repeat',
    [0, INT_MAX],
    (w) => `Invalid vrrp_garp_lower_prio_repeat '${w}'`,
    (g, v) => (g.vrrpGarpLowerPrioRepeat = v),
  ),
  unsignedSetting(
    'vrrp_down_timer_adverts',
    [1, 100],
    (w) => `Invalid vrrp_down_timer_adverts [1:100] '${w}'`,
    (g, v) => (g.vrrpDownTimerAdverts = v),
  ),
  garpInterval('vrrp_garp_interval'),
  garpInterval('vrrp_gna_interval'),
  { name: 'vrrp_min_garp', handler: minGarp },
  { name: 'vrrp_garp_extra_if', handler: garpExtraIf },
  { name: 'vrrp_vmac_garp_intvl', handler: garpExtraIf },
  strictBool('vrrp_lower_prio_no_advert', (g, v) => (g.vrrpLowerPrioNoAdvert = v)),
  strictBool('vrrp_higher_prio_send_advert', (g, v) => (g.vrrpHigherPrioSendAdvert = v)),
  { name: 'vrrp_version', handler: vrrpVersion },
  { name: 'vrrp_iptables', handler: vrrpIptables },
  nftables(false),
  nftablesPriority(false),
  flag('nftables_ifindex', (g) => (g.nftablesIfindex = true)),
  nftables(true),
  nftablesPriority(true),
  { name: 'nftables_ipvs_start_fwmark', handler: nftablesStartFwmark },
  flag('nftables_counters', (g) => (g.nftablesCounters = true)),
  flag('vrrp_check_unicast_src', (g) => (g.vrrpCheckUnicastSrc = true)),
  flag('vrrp_skip_check_adv_addr', (g) => (g.vrrpSkipCheckAdvAddr = true)),
  flag('vrrp_strict', (g) => (g.vrrpStrict = true)),
  boolSetting(
    'vrrp_notify_priority_changes',
    (w) => `Invalid value '${w}' for global vrrp_notify_priority_changes specified`,
    (g, v) => (g.vrrpNotifyPriorityChanges = v),
  ),
  flag('fifo_write_vrrp_states_on_reload', (g) => (g.fifoWriteVrrpStatesOnReload = true)),
  { name: 'vrrp_startup_delay', handler: startupDelay },
  { name: 'log_unknown_vrids', handler: (w, ctx) => keepRaw(ctx, ctx.state.global.raw, w) },
  vmacPrefix(false),
  vmacPrefix(true),
  { name: 'vrrp_rx_bufs_policy', handler: rxBufsPolicy },
  { name: 'vrrp_rx_bufs_multiplier', handler: rxBufsMultiplier },
  { name: 'lvs_timeouts', handler: lvsTimeouts },
  flag('lvs_flush', (g) => (g.lvsFlush = true)),
  { name: 'lvs_flush_on_stop', handler: lvsFlushOnStop },
  { name: 'lvs_flush_onstop', handler: lvsFlushOnStop },
];

/** keepalived's "must be greater than 0, setting to 1" for the repeat counts. */
function atLeastOne(ctx: Ctx, v: number, name: string): number {
  if (v !== 0) return v;
  ctx.report('general_error', 'invalid_value', `${name} must be greater than 0, setting to 1`);
  return 1;
}

