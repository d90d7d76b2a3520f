/**
 * Root-level VRRP keywords: vrrp_instance, vrrp_script, vrrp_sync_group, track_file
 * (vrrp_track_file) and vrrp_track_process. The static_*, track_group, garp_group,
 * linkbeat_interfaces, interface_up_down_delays and bfd_instance blocks are listed with
 * the global root keywords (keywords/global.ts).
 * keepalived-compat: vrrp/vrrp_parser.c init_vrrp_keywords() (2.2.7).
 */
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { vrrpInstanceKeyword } from './vrrp_instance.js';
import { vrrpScriptKeyword } from './vrrp_script.js';
import { vrrpArbiterKeyword } from './vrrp_split_brain.js';
import { vrrpSyncGroupKeyword } from './vrrp_sync_group.js';
import { trackRootKeywords } from './vrrp_track.js';

export type { VrrpDraft } from './vrrp_draft.js';
export { createVrrpDraft } from './vrrp_draft.js';

/** Root-level VRRP keywords: vrrp_instance, vrrp_script, vrrp_sync_group, ... */
export const vrrpRootKeywords: readonly Keyword<ConfigDraft>[] = [
  vrrpSyncGroupKeyword,
  vrrpInstanceKeyword,
  vrrpScriptKeyword,
  ...trackRootKeywords,
  vrrpArbiterKeyword,
];
