/**
 * vrrp_instance timer, GARP and tuning keywords (preempt_delay, garp_*, down_timer_adverts,
 * garp_extra_if, debug, kernel_rx_buf_size, vrf, ...).
 * keepalived-compat: vrrp/vrrp_parser.c (2.2.7) handlers, messages and severities.
 */
import { readUnsigned } from '../values.js';
import {
  IFNAMSIZ,
  keepRaw,
  type Ctx,
  type KeywordDef,
  readDecimalLenient,
} from './global_values.js';
import type { InstanceDraft } from './vrrp_draft.js';
import { onInstance } from './vrrp_current.js';

const UINT_MAX = 4294967295;
const INT_MAX = 2147483647;
const SECOND_US = 1_000_000;
const MAX_SECONDS = Math.floor(UINT_MAX / SECOND_US);
/** keepalived's TIMER_MAX_SEC. */
const TIMER_MAX_SEC = 1000;

function unsignedOption(
  name: string,
  range: readonly [number, number],
  message: (vi: InstanceDraft, word: string) => string,
  set: (vi: InstanceDraft, v: number, ctx: Ctx) => void,
): KeywordDef {
  return onInstance(name, (vi, words, ctx) => {
    const text = ctx.word(words, 1);
    const v = readUnsigned(ctx, text, range[0], range[1]);
    if (v === undefined) ctx.report('general_error', 'invalid_value', message(vi, text));
    else set(vi, v, ctx);
  });
}

function atLeastOne(ctx: Ctx, vi: InstanceDraft, v: number, name: string): number {
  if (v !== 0) return v;
  ctx.report(
    'general_error',
    'invalid_value',
    `(${vi.name}): ${name} must be greater than 0, setting to 1`,
  );
  return 1;
}

const preemptDelay = onInstance('preempt_delay', (vi, words, ctx) => {
  const v = readDecimalLenient(
    ctx,
    ctx.word(words, 1),
    { min: 0, max: TIMER_MAX_SEC * SECOND_US, shift: 6 },
  );
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_preempt_delay',
      `(${vi.name}) Preempt_delay not valid! must be between 0-${TIMER_MAX_SEC}`,
    );
    vi.preemptDelayUs = 0;
    return;
  }
  vi.preemptDelayUs = v;
});

const garpRefresh = onInstance('garp_master_refresh', (vi, words, ctx) => {
  const text = ctx.word(words, 1);
  const v = readUnsigned(ctx, text, 0, UINT_MAX);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `(${vi.name}): Invalid garp_master_refresh '${text}' - ignoring`,
    );
  }
  // keepalived-compat: an invalid value switches refresh off.
  vi.garpMasterRefreshUs = (v ?? 0) * SECOND_US;
});

function garpExtraIf(vi: InstanceDraft, words: readonly string[], ctx: Ctx): void {
  const name = words[0] ?? '';
  if (name === 'vmac_garp_intvl') {
    ctx.report(
      'deprecated',
      'deprecated',
      'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"',
    );
  }
  let delay: number | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === 'all') {
      vi.garpExtraIfAll = true;
      continue;
    }
    const v = readUnsigned(ctx, w, 0, 86400);
    if (v === undefined) {
      ctx.report(
        'general_error',
        'invalid_value',
        `(${vi.name}): ${name} '${w}' invalid - ignoring`,
      );
      return;
    }
    delay = v;
  }
  if (delay === undefined) {
    ctx.report(
      'general_error',
      'missing_value',
      `(${vi.name}): ${name} specified without time - ignoring`,
    );
    return;
  }
  vi.garpExtraIfIntervalS = delay;
}

const debug = onInstance('debug', (vi, words, ctx) => {
  const text = ctx.word(words, 1);
  if (readUnsigned(ctx, text, 0, 4) === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `(${vi.name}) Debug value '${text}' not valid; must be between 0-4`,
    );
    return;
  }
  keepRaw(ctx, vi.raw, words);
});

const kernelRxBufSize = onInstance('kernel_rx_buf_size', (vi, words, ctx) => {
  if (words.length === 2 && readUnsigned(ctx, words[1] ?? '', 0, UINT_MAX) !== undefined) {
    keepRaw(ctx, vi.raw, words);
    return;
  }
  ctx.report('general_error', 'invalid_value', `(${vi.name}) invalid kernel_rx_buf_size specified`);
});

const linkbeat = onInstance('linkbeat_use_polling', (vi, _words, ctx) => {
  vi.linkbeatUsePolling = true;
  ctx.report(
    'general_error',
    'deprecated',
    `(${vi.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces ` +
    `block`,
  );
});

const lvsSyncDaemonInterface = onInstance('lvs_sync_daemon_interface', (vi, words, ctx) => {
  ctx.report(
    'general_error',
    'deprecated',
    `(${vi.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.`,
  );
  ctx.report(
    'general_error',
    'deprecated',
    `      ${' '.repeat(Math.max(0, vi.name.length - 2))}Please use global lvs_sync_daemon`,
  );
  const g = ctx.state.global;
  if (g.lvsSyncDaemon !== undefined) {
    ctx.report(
      'general_error',
      'duplicate',
      `(${vi.name}) lvs_sync_daemon_interface has already been specified as ` +
      `${g.lvsSyncDaemon.interfaceName} - ignoring`,
    );
    return;
  }
  g.lvsSyncDaemon = {
    interfaceName: ctx.word(words, 1),
    instanceName: vi.name,
    syncId: undefined,
    maxLength: undefined,
    port: undefined,
    ttl: undefined,
    group: undefined,
    at: ctx.at,
  };
});

const vrf = onInstance('vrf', (vi, words, ctx) => {
  const name = ctx.word(words, 1);
  if (name.length >= IFNAMSIZ) {
    ctx.report(
      'general_error',
      'name_too_long',
      `(${vi.name}) VRF interface name '${name}' too long - ignoring`,
    );
    return;
  }
  // keepalived-compat: `interface` (an existing one) and `vrf` exclude each other.
  if (vi.interfaceLines.some((l) => ctx.state.env.host.interfaces.has(l.name))) {
    ctx.report(
      'general_error',
      'vrf_with_interface',
      `(${vi.name}) Cannot specify VRF interface and interface - ignoring`,
    );
    return;
  }
  keepRaw(ctx, vi.raw, words);
});

export const instanceTimerKeywords: readonly KeywordDef[] = [
  preemptDelay,
  unsignedOption(
    'garp_master_delay',
    [0, MAX_SECONDS],
    (vi, w) => `(${vi.name}): garp_master_delay '${w}' invalid - ignoring`,
    (vi, v) => (vi.garpMasterDelayUs = v * SECOND_US),
  ),
  garpRefresh,
  unsignedOption(
    'garp_master_repeat',
    [0, UINT_MAX],
    (vi, w) => `(${vi.name}): garp_master_repeat '${w}' invalid - ignoring`,
    (vi, v, ctx) => (vi.garpMasterRepeat = atLeastOne(ctx, vi, v, 'garp_master_repeat')),
  ),
  unsignedOption(
    'garp_master_refresh_repeat',
    [0, UINT_MAX],
    (vi, w) => `(${vi.name}): garp_master_refresh_repeat '${w}' invalid - ignoring`,
    (vi, v, ctx) => (vi.garpMasterRefreshRepeat = atLeastOne(
      ctx,
      vi,
      v,
      'garp_master_refresh_repeat',
    )),
  ),
  unsignedOption(
    'garp_lower_prio_delay',
    [0, MAX_SECONDS],
    (vi, w) => `(${vi.name}): garp_lower_prio_delay '${w}' invalid - ignoring`,
    (vi, v) => (vi.garpLowerPrioDelayUs = v * SECOND_US),
  ),
  unsignedOption(
    'garp_lower_prio_repeat',
    [0, INT_MAX],
    (vi, w) => `(${vi.name}): Invalid garp_lower_prio_repeat '${w}'`,
    (vi, v) => (vi.garpLowerPrioRepeat = v),
  ),
  unsignedOption(
    'down_timer_adverts',
    [1, 100],
    (vi, w) => `(${vi.name}): Invalid down_timer_adverts [1:100] '${w}'`,
    (vi, v) => (vi.downTimerAdverts = v),
  ),
  onInstance('garp_extra_if', garpExtraIf),
  onInstance('vmac_garp_intvl', garpExtraIf),
  debug,
  kernelRxBufSize,
  linkbeat,
  lvsSyncDaemonInterface,
  vrf,
];
