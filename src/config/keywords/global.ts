/**
 * Root-level global keywords and the `global_defs` block, plus the other root blocks
 * keepalived 2.2.7 knows outside vrrp_instance/LVS (static_*, track_group, garp_group,
 * linkbeat_interfaces, interface_up_down_delays, bfd_instance).
 * keepalived-compat: core/global_parser.c init_global_keywords(),
 * vrrp/vrrp_parser.c init_vrrp_keywords(), bfd/bfd_parser.c init_bfd_keywords().
 */
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readUnsigned } from '../values.js';
import { globalDefsTable } from './global_defs.js';
import type { Ctx, KeywordDef } from './global_values.js';
import { staticRootKeywords } from './vrrp_static.js';
import { bfdRootKeywords } from './vrrp_bfd.js';

export type { GlobalDraft, FifoDraft } from './global_draft.js';
export { createGlobalDraft } from './global_draft.js';

function netNamespace(words: readonly string[], ctx: Ctx): void {
  const name = words[1];
  if (name === undefined) {
    ctx.report('general_error', 'missing_value', 'net_namespace name missing - ignoring');
    return;
  }
  const g = ctx.state.global;
  if (g.netNamespace !== undefined) {
    ctx.report(
      'general_error',
      'duplicate',
      `Duplicate net_namespace definition ${name} - ignoring`,
    );
    return;
  }
  g.netNamespace = name;
  g.usePidDir = true;
}

function netNamespaceIpvs(words: readonly string[], ctx: Ctx): void {
  const g = ctx.state.global;
  if (g.netNamespaceIpvs !== undefined) {
    const name = ctx.word(words, 1);
    ctx.report(
      'general_error',
      'duplicate',
      `Duplicate net_namespace_ipvs definition ${name} - ignoring`,
    );
    return;
  }
  // No name: the default namespace.
  g.netNamespaceIpvs = words[1] ?? '';
}

function instance(words: readonly string[], ctx: Ctx): void {
  const name = words[1];
  if (name === undefined) {
    ctx.report('general_error', 'missing_value', 'instance name missing - ignoring');
    return;
  }
  const g = ctx.state.global;
  if (g.instanceName !== undefined) {
    ctx.report('general_error', 'duplicate', `Duplicate instance definition ${name} - ignoring`);
    return;
  }
  g.instanceName = name;
  g.usePidDir = true;
}

function childWaitTime(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const v = readUnsigned(ctx, text, 0, 4294967295);
  if (v === undefined) {
    ctx.report('general_error', 'invalid_value', `Invalid child_wait_time ${text}`);
    return;
  }
  ctx.state.global.childWaitTimeS = v;
}

const ROOT_GLOBALS: readonly KeywordDef[] = [
  { name: 'linkbeat_use_polling', handler: (_w, ctx) => (ctx.state.global.linkbeatUsePolling = true) },
  { name: 'net_namespace', handler: netNamespace },
  { name: 'net_namespace_ipvs', handler: netNamespaceIpvs },
  {
    name: 'namespace_with_ipsets',
    handler: (_w, ctx) => (ctx.state.global.namespaceWithIpsets = true),
  },
  { name: 'use_pid_dir', handler: (_w, ctx) => (ctx.state.global.usePidDir = true) },
  { name: 'instance', handler: instance },
  { name: 'child_wait_time', handler: childWaitTime },
  { name: 'global_defs', sub: globalDefsTable },
];

/** Root-level keywords: global_defs and the other root keywords of §1b. */
export const globalRootKeywords: readonly Keyword<ConfigDraft>[] = [
  ...ROOT_GLOBALS,
  ...staticRootKeywords,
  ...bfdRootKeywords,
];
