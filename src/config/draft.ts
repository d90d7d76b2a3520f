/**
 * The mutable builders the keyword handlers fill while the configuration streams past
 * (keepalived fills its global_data / vrrp_data / check_data the same way). Completed into
 * the immutable model (model.ts) by complete/*.ts after the stream ends.
 */
import type { GlobalDraft } from './keywords/global.js';
import { createGlobalDraft } from './keywords/global.js';
import type { VrrpDraft } from './keywords/vrrp.js';
import { createVrrpDraft } from './keywords/vrrp.js';
import type { LvsDraft } from './keywords/lvs.js';
import { createLvsDraft } from './keywords/lvs.js';
import type { HostFacts } from './host_facts.js';
import type { Random } from './file_source.js';
import type { SourceLocation } from './diagnostics.js';

/** What handlers may consult besides the text: the host and the command-line options. */
export interface ParseEnvironment {
  readonly host: HostFacts;
  readonly random: Random;
  /** -i / --config-id (default: the short hostname). */
  readonly configId: string;
  /** Process environment, for ${_ENV} and script PATH search. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What handlers may ask of the lexer that feeds them. */
export interface LexerHooks {
  /** The `include_check` keyword changes how later includes are checked. */
  applyIncludeCheck(words: readonly string[], at: SourceLocation): void;
}

export interface ConfigDraft {
  readonly env: ParseEnvironment;
  readonly lexer: LexerHooks;
  readonly global: GlobalDraft;
  readonly vrrp: VrrpDraft;
  readonly lvs: LvsDraft;
}

export function createDraft(env: ParseEnvironment, lexer: LexerHooks): ConfigDraft {
  return { env, lexer, global: createGlobalDraft(env), vrrp: createVrrpDraft(), lvs: createLvsDraft() };
}
