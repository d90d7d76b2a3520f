// STUB — owned by the LVS/checker keywords engineer; replaced wholesale.
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';

export interface LvsDraft {
  virtualServerCount: number;
}
export function createLvsDraft(): LvsDraft {
  return { virtualServerCount: 0 };
}
/** Root-level LVS keywords: virtual_server, virtual_server_group, SSL. */
export const lvsRootKeywords: readonly Keyword<ConfigDraft>[] = [];
