// STUB — owned by the global/VRRP keywords engineer; replaced wholesale.
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';

export interface VrrpDraft {
  instanceNames: string[];
}
export function createVrrpDraft(): VrrpDraft {
  return { instanceNames: [] };
}
/** Root-level VRRP keywords: vrrp_instance, vrrp_script, vrrp_sync_group, ... */
export const vrrpRootKeywords: readonly Keyword<ConfigDraft>[] = [];
