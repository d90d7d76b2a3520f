// STUB — owned by the global/VRRP keywords engineer; replaced wholesale.
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { VrrpConfig } from '../model/vrrp.js';

/** vrrp_complete_instance() and the other VRRP checks; runs after the stream. */
export function completeVrrp(ctx: ParseContext<ConfigDraft>, _global: GlobalDefs): VrrpConfig {
  return { instances: ctx.state.vrrp.instanceNames.map((name) => ({ name })) };
}
