// STUB — owned by the global/VRRP keywords engineer; replaced wholesale.
import type { Keyword } from '../interpreter.js';
import type { ConfigDraft, ParseEnvironment } from '../draft.js';

export interface GlobalDraft {
  routerId: string | undefined;
}
export function createGlobalDraft(_env: ParseEnvironment): GlobalDraft {
  return { routerId: undefined };
}
/** Root-level keywords: global_defs and the other root keywords of §1b. */
export const globalRootKeywords: readonly Keyword<ConfigDraft>[] = [];
