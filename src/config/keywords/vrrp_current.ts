/**
 * The VRRP object whose block is being read (keepalived's list_last_entry() idiom).
 */
import { ConfigAbort } from '../parse_context.js';
import type { Ctx, KeywordDef } from './global_values.js';
import type { InstanceDraft } from './vrrp_draft.js';

/**
 * keepalived 2.2.7 dereferences the last object of the list even when there is none (a
 * block keyword after a nameless `vrrp_instance`, say) and dies with SIGSEGV: `-t` then
 * exits 139. We stop the same way instead of guessing.
 */
export function keepalivedCrash(ctx: Ctx, why: string): never {
  const message = `keepalived 2.2.7 crashes on this line (${why})`;
  ctx.report('fatal', 'keepalived_crash', message);
  throw new ConfigAbort(message, 139);
}

/** The instance being read (keepalived's list_last_entry(&vrrp_data->vrrp)). */
export function currentInstance(ctx: Ctx): InstanceDraft {
  const vi = ctx.state.vrrp.instances.at(-1);
  return vi ?? keepalivedCrash(ctx, 'a vrrp_instance keyword with no vrrp_instance');
}

/** A handler on the current instance. */
export function onInstance(
  name: string,
  fn: (vi: InstanceDraft, words: readonly string[], ctx: Ctx) => void,
): KeywordDef {
  return { name, handler: (words, ctx) => fn(currentInstance(ctx), words, ctx) };
}
