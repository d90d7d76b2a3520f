/**
 * Shared helpers for the lexer tests: run a configuration held in memory through
 * openConfig() and collect its lines and diagnostics.
 */
import type { ConfigLine } from '../../../src/config/config_line.js';
import { type ConfigDiagnostic, DiagnosticSink } from '../../../src/config/diagnostics.js';
import type { FileSource, Random } from '../../../src/config/file_source.js';
import { type ConfigLexer, openConfig } from '../../../src/config/lexer.js';
import { FixedRandom, MemoryFileSource, type MemoryEntry } from '../../fakes/memory_file_source.js';

export const ROOT = '/etc/keepalived/keepalived.conf';

export interface LexOptions {
  readonly configId?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly allConfig?: boolean;
  readonly random?: Random;
  readonly maxFileBytes?: number;
  readonly maxTotalBytes?: number;
  readonly root?: string;
  /** Stop after this many lines. */
  readonly maxLines?: number;
  /** Keep only the first lines (the others are only counted). */
  readonly keep?: number;
}

export interface Lexed {
  readonly lines: ConfigLine[];
  /** How many lines were read (kept or not). */
  readonly total: number;
  readonly diagnostics: readonly ConfigDiagnostic[];
  readonly sink: DiagnosticSink;
  readonly reader: ConfigLexer;
  /** Each line as `words joined by |`. */
  readonly words: string[];
  /** Each diagnostic as `kind: message`. */
  readonly messages: string[];
}

export function lexSource(source: FileSource, options: LexOptions = {}): Lexed {
  const sink = new DiagnosticSink();
  const reader = openConfig(
    options.root ?? ROOT,
    source,
    {
      configId: options.configId ?? 'lb1',
      env: options.env ?? {},
      random: options.random ?? new FixedRandom(0),
      ...(options.allConfig === undefined ? {} : { allConfig: options.allConfig }),
      ...(options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes }),
      ...(options.maxTotalBytes === undefined ? {} : { maxTotalBytes: options.maxTotalBytes }),
    },
    sink,
  );
  const lines: ConfigLine[] = [];
  const max = options.maxLines ?? Number.POSITIVE_INFINITY;
  const keep = options.keep ?? Number.POSITIVE_INFINITY;
  let total = 0;
  for (let line = reader.next(); line !== undefined; line = reader.next()) {
    if (total < keep) lines.push(line);
    if (++total >= max) break;
  }
  return {
    lines,
    total,
    diagnostics: sink.items,
    sink,
    reader,
    words: lines.map((l) => l.words.join('|')),
    messages: sink.items.map((d) => `${d.kind}: ${d.message}`),
  };
}

/** Lexes `text` as the root file, with `files` (absolute paths) around it. */
export function lex(text: string, options: LexOptions = {}, files: Readonly<Record<string, MemoryEntry>> = {}): Lexed {
  return lexSource(new MemoryFileSource({ [options.root ?? ROOT]: text, ...files }), options);
}
