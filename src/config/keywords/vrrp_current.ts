/**
 * The VRRP object whose block is being read (keepalived's list_last_entry() idiom).
 */
import type { Ctx, KeywordDef } from './global_values.js';
import type { InstanceDraft } from './vrrp_draft.js';

/** The instance being read (keepalived's list_last_entry(&vrrp_data->vrrp)). */
export function currentInstance(ctx: Ctx): InstanceDraft {
  const vi = ctx.state.vrrp.instances.at(-1);
  // The interpreter only calls sub-keyword handlers after vrrp_instance created one.
  if (vi === undefined) throw new RangeError('vrrp_instance keyword outside an instance');
  return vi;
}

/** A handler on the current instance. */
export function onInstance(
  name: string,
  fn: (vi: InstanceDraft, words: readonly string[], ctx: Ctx) => void,
): KeywordDef {
  return { name, handler: (words, ctx) => fn(currentInstance(ctx), words, ctx) };
}
