// STUB — owned by the global/VRRP keywords engineer; replaced wholesale.
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';

/** Applies global defaults and checks; runs after the whole stream was read. */
export function completeGlobal(ctx: ParseContext<ConfigDraft>): GlobalDefs {
  return { routerId: ctx.state.global.routerId ?? ctx.state.env.host.hostname };
}
