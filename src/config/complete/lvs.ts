// STUB — owned by the LVS/checker keywords engineer; replaced wholesale.
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { LvsConfig } from '../model/lvs.js';

/** check_validate_config() and the LVS completions; runs after the stream. */
export function completeLvs(_ctx: ParseContext<ConfigDraft>, _global: GlobalDefs): LvsConfig {
  return { virtualServers: [] };
}
