/**
 * The config front end: text → (model, diagnostics). Pure; all host access goes through
 * the ports in ParseEnvironment and FileSource.
 */
import { openConfig } from './lexer.js';
import type { FileSource } from './file_source.js';
import { DiagnosticSink, type ConfigDiagnostic } from './diagnostics.js';
import { ConfigAbort, ParseContext } from './parse_context.js';
import { interpret, keywordTable, type KeywordTable } from './interpreter.js';
import { createDraft, type ConfigDraft, type ParseEnvironment } from './draft.js';
import { globalRootKeywords } from './keywords/global.js';
import { vrrpRootKeywords } from './keywords/vrrp.js';
import { lvsRootKeywords } from './keywords/lvs.js';
import { completeGlobal } from './complete/global.js';
import { completeVrrp } from './complete/vrrp.js';
import { completeLvs } from './complete/lvs.js';
import type { KeepalivedConfig } from './model.js';

export interface ParseOptions {
  /** keepalived -e / --all-config. */
  readonly allConfig?: boolean;
}

export interface ParseResult {
  /** Undefined only when keepalived would have exited during parsing (see abortExitCode). */
  readonly config: KeepalivedConfig | undefined;
  readonly diagnostics: readonly ConfigDiagnostic[];
  /** Set when keepalived would exit() in the middle of parsing (missing parameter): 2. */
  readonly abortExitCode: number | undefined;
}

/** The root keyword table: everything keepalived's parent, VRRP and checker processes know. */
export const ROOT_KEYWORDS: KeywordTable<ConfigDraft> = keywordTable([
  ...globalRootKeywords,
  ...vrrpRootKeywords,
  ...lvsRootKeywords,
]);

/** Parses and completes a whole configuration. Never throws on any input. */
export function parseConfig(
  rootPath: string,
  files: FileSource,
  env: ParseEnvironment,
  options: ParseOptions = {},
): ParseResult {
  const sink = new DiagnosticSink();
  const reader = openConfig(
    rootPath,
    files,
    {
      configId: env.configId,
      env: env.env,
      random: env.random,
      ...(options.allConfig === undefined ? {} : { allConfig: options.allConfig }),
    },
    sink,
  );
  const ctx = new ParseContext<ConfigDraft>(reader, sink, createDraft(env, reader));
  try {
    interpret(ROOT_KEYWORDS, ctx);
    const global = completeGlobal(ctx);
    const vrrp = completeVrrp(ctx, global);
    const lvs = completeLvs(ctx, global);
    const config: KeepalivedConfig = { sourceFile: rootPath, global, vrrp, lvs };
    return { config, diagnostics: sink.items, abortExitCode: undefined };
  } catch (err: unknown) {
    if (err instanceof ConfigAbort) {
      return { config: undefined, diagnostics: sink.items, abortExitCode: err.exitCode };
    }
    throw err;
  }
}
