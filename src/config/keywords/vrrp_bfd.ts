/**
 * `bfd_instance NAME { ... }`. keepalived-ts does not run BFD yet; the block is checked
 * like keepalived 2.2.7 checks it (its BFD process, bfd/bfd_parser.c, and the VRRP
 * process, which only keeps the name and weight for track_bfd) and kept in the model.
 */
import { formatIp } from '../../lib/ip.js';
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readDecimal, readInt, readUnsigned } from '../values.js';
import { inetAddressPart, readPort } from './global_defs.js';
import type { Ctx, KeywordDef } from './global_values.js';
import type { BfdDraft } from './vrrp_draft.js';
import { noteCheckerBfdInstance } from './lvs_draft.js';
import { keepalivedCrash } from './vrrp_current.js';

const INAME_MAX = 32;
const UINT_DIV_1000 = Math.floor(4294967295 / 1000);

function current(ctx: Ctx): BfdDraft | undefined {
  const b = ctx.state.vrrp.bfds.at(-1);
  return b === undefined || b.isDeadForBfd ? undefined : b;
}

function bfdInstance(words: readonly string[], ctx: Ctx): void {
  // keepalived-compat: the BFD process reads the name without checking it is there.
  const name = words[1] ?? keepalivedCrash(ctx, 'bfd_instance without a name');
  const bfds = ctx.state.vrrp.bfds;
  if (name.length >= INAME_MAX) {
    ctx.report(
      'general_error',
      'name_too_long',
      `Configuration error: BFD instance ${name} name too long (maximum length is ` +
      `${INAME_MAX - 1} characters) - ignoring`,
    );
    ctx.report('general_error', 'name_too_long', `BFD name ${name} too long`);
    ctx.skipBlock(true);
    return;
  }
  if (bfds.some((b) => b.name === name)) {
    // keepalived's BFD process, then its VRRP and checker processes, each say so.
    ctx.report(
      'general_error',
      'duplicate',
      `Configuration error: BFD instance ${name} already configured - ignoring`,
    );
    ctx.report('general_error', 'duplicate', `BFD ${name} already specified`);
    ctx.skipBlock(true);
    return;
  }
  bfds.push({
    name, at: ctx.at, neighbor: undefined, source: undefined, minRxUs: 10_000, minTxUs: 10_000,
    idleTxUs: 1_000_000, multiplier: 5, passive: false, ttl: 0, maxHops: 0, weight: 0,
    weightReverse: false, forVrrp: false, forChecker: false, isDeadForBfd: false,
  });
  ctx.state.vrrp.bfdEvents = 0;
  ctx.notice(
    'not_implemented',
    `'bfd_instance' is recognised but not implemented by keepalived-ts yet - no BFD session runs; ` +
      'track_bfd and BFD_CHECK never change state',
  );
}

function neighborIp(words: readonly string[], ctx: Ctx): void {
  const text = words[1] ?? keepalivedCrash(ctx, 'bfd_instance neighbor_ip without an address');
  const b = current(ctx);
  if (b === undefined) return;
  // keepalived-compat: 2.2.7 means to say "neighbour" for neighbour_ip but compares the
  // address instead of the keyword, so its messages always say "neighbor".
  const label = 'neighbor';
  const ip = readPort(ctx, '3784') === undefined ? undefined : inetAddressPart(text);
  if (ip === undefined) {
    ctx.report(
      'general_error',
      'invalid_address',
      `Configuration error: BFD instance ${b.name} has malformed ${label} address ${text}, ` +
      `ignoring instance`,
    );
    // keepalived-compat: the BFD process drops the instance and skips the rest of the
    // block; the VRRP process (which ignores neighbor_ip) reads on.
    b.isDeadForBfd = true;
    return;
  }
  b.neighbor = { address: formatIp(ip), family: ip.family };
}

function sourceIp(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const b = current(ctx);
  if (b === undefined) return;
  const ip = inetAddressPart(text);
  if (ip === undefined) {
    ctx.report(
      'general_error',
      'invalid_address',
      `Configuration error: BFD instance ${b.name} has malformed source address ${text}, ignoring`,
    );
  } else b.source = { address: formatIp(ip), family: ip.family };
}

function interval(name: 'min_rx' | 'min_tx' | 'idle_tx', min: number): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      const text = ctx.word(words, 1);
      const b = current(ctx);
      if (b === undefined) return;
      const v = readDecimal(ctx, text, { min: min * 1000, max: UINT_DIV_1000 * 1000, shift: 3 });
      if (v === undefined) {
        ctx.report(
          'general_error',
          'invalid_value',
          `Configuration error: BFD instance ${b.name} ${name} value ${text} is not valid ` +
          `(must be in range [${min}-${UINT_DIV_1000}]), ignoring`,
        );
        return;
      }
      if (name === 'min_rx') b.minRxUs = v;
      else if (name === 'min_tx') b.minTxUs = v;
      else b.idleTxUs = v;
      if (v > 10_000 * 1000) {
        ctx.notice(
          'bfd_large',
          `Configuration warning: BFD instance ${b.name} ${name} value ${text} is larger than ` +
          `max sensible (10000)`,
        );
      }
    },
  };
}

function multiplier(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const b = current(ctx);
  if (b === undefined) return;
  const v = readUnsigned(ctx, text, 1, 255);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `Configuration error: BFD instance ${b.name} multiplier value ${text} not valid (must be ` +
      `in range [1-255]), ignoring`,
    );
  } else b.multiplier = v;
}

function ttl(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const b = current(ctx);
  if (b === undefined) return;
  const v = readUnsigned(ctx, text, 1, 255);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `Configuration error: BFD instance ${b.name} ttl/hoplimit value ${text} not valid (must ` +
      `be in range [1-255]), ignoring`,
    );
  } else b.ttl = v;
}

function maxHops(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const b = current(ctx);
  if (b === undefined) return;
  const v = readInt(ctx, text, -1, 255);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `Configuration error: BFD instance ${b.name} max_hops value ${text} not valid (must be ` +
      `in range [-1-255]), ignoring`,
    );
  } else b.maxHops = v;
}

/** `weight` is read by the VRRP process even when the BFD process dropped the block. */
function weight(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const b = ctx.state.vrrp.bfds.at(-1);
  if (b === undefined) return;
  const v = readInt(ctx, text, -253, 253);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `Configuration error: BFD instance ${b.name} weight value ${text} not valid (must be in ` +
      `range [-253-253]), ignoring`,
    );
  } else b.weight = v;
  const opt = words[2];
  if (opt === undefined) return;
  if (opt === 'reverse') b.weightReverse = true;
  else {
    ctx.report(
      'general_error',
      'unknown_option',
      `Configuration error: BFD instance ${b.name} unknown weight option ${opt}`,
    );
  }
}

/** keepalived's bfd_end_handler() (BFD process) and bfd_vrrp_end_handler(). */
function bfdEnd(ctx: Ctx): void {
  const v = ctx.state.vrrp;
  const b = v.bfds.at(-1);
  if (b === undefined) return;
  const events = v.bfdEvents;
  b.forVrrp = events === 0 || (events & 1) !== 0;
  b.forChecker = events === 0 || (events & 2) !== 0;
  // keepalived's checker process keeps the name for BFD_CHECK (bfd_checker_end_handler()).
  if (b.forChecker) noteCheckerBfdInstance(ctx.state.lvs, b.name);
  if (b.isDeadForBfd) return;
  const label = 'neighbor';
  if (b.neighbor === undefined) {
    ctx.report(
      'general_error',
      'no_neighbor',
      `Configuration error: BFD instance ${b.name} has no ${label} address set, disabling instance`,
    );
    b.isDeadForBfd = true;
    return;
  }
  if (b.source !== undefined && b.source.family !== b.neighbor.family) {
    ctx.report(
      'general_error',
      'family_mismatch',
      // keepalived-compat: both addresses go through one static buffer, so keepalived
      // prints the source address twice.
      `Configuration error: BFD instance ${b.name} source address ${b.source.address} and ` +
      `${label} address ${b.source.address} are not of the same family, disabling instance`,
    );
    b.isDeadForBfd = true;
    return;
  }
  bfdDuplicateAndTtl(ctx, b, label);
}

function bfdDuplicateAndTtl(ctx: Ctx, b: BfdDraft, label: string): void {
  const neighbor = b.neighbor;
  if (neighbor === undefined) return;
  const dup = ctx.state.vrrp.bfds.some(
    (o) =>
      o !== b &&
      !o.isDeadForBfd &&
      o.neighbor?.address === neighbor.address &&
      (o.source === undefined || b.source === undefined || o.source.address === b.source.address),
  );
  if (dup) {
    const msg = b.source !== undefined
      ? `Configuration error: BFD instance ${b.name} has duplicate source/${label} address ${b.source.address}/${neighbor.address}, ignoring instance`
      : `Configuration error: BFD instance ${b.name} has duplicate ${label} address ${neighbor.address}, ignoring instance`;
    ctx.report('general_error', 'duplicate', msg);
    b.isDeadForBfd = true;
    return;
  }
  if (b.ttl === 0) b.ttl = neighbor.family === 4 ? 255 : 64;
  if (b.maxHops > b.ttl) {
    ctx.report(
      'general_error',
      'invalid_value',
      `BFD instance ${b.name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit`,
    );
    b.maxHops = b.ttl;
  }
}

function setPassive(_words: readonly string[], ctx: Ctx): void {
  const b = current(ctx);
  if (b !== undefined) b.passive = true;
}

const bfdTable = keywordTable<ConfigDraft>([
  { name: 'source_ip', handler: sourceIp },
  { name: 'neighbor_ip', handler: neighborIp },
  { name: 'neighbour_ip', handler: neighborIp },
  interval('min_rx', 1),
  interval('min_tx', 1),
  interval('idle_tx', 1000),
  { name: 'multiplier', handler: multiplier },
  { name: 'passive', handler: setPassive },
  { name: 'ttl', handler: ttl },
  { name: 'hoplimit', handler: ttl },
  { name: 'max_hops', handler: maxHops },
  { name: 'weight', handler: weight },
  { name: 'vrrp', handler: (_w, ctx) => (ctx.state.vrrp.bfdEvents |= 1) },
  { name: 'checker', handler: (_w, ctx) => (ctx.state.vrrp.bfdEvents |= 2) },
]);

export const bfdRootKeywords: readonly KeywordDef[] = [
  { name: 'bfd_instance', handler: bfdInstance, sub: bfdTable, onClose: bfdEnd },
];
