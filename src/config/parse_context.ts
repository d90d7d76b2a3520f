/**
 * What a keyword handler sees: the current line's location, the diagnostics sink, the
 * domain builders (state) and the host facts. Mirrors the globals keepalived's handlers use
 * (current file/line, report_config_error, read_value_block, skip_block).
 */
import type { ConfigLine, LineReader } from './config_line.js';
import type { DiagnosticKind, DiagnosticSink, SourceLocation } from './diagnostics.js';

/**
 * Thrown by a handler when keepalived would exit() in the middle of parsing (null_strvec():
 * a keyword is missing a parameter → `exit(KEEPALIVED_EXIT_CONFIG)`). Caught by the
 * interpreter, which stops the parse; never escapes parseConfig().
 */
export class ConfigAbort extends Error {
  readonly code = 'KA_ERR_CONFIG_ABORT';
  /** The exit code keepalived would have used (2: KEEPALIVED_EXIT_CONFIG). */
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** keepalived's process exit code for an aborted configuration (lib/scheduler.h). */
export const KEEPALIVED_EXIT_CONFIG = 2;

export class ParseContext<S> {
  readonly #reader: LineReader;
  readonly #sink: DiagnosticSink;
  readonly state: S;
  #at: SourceLocation = { file: '', line: 0 };
  #raw = '';
  /**
   * keepalived's skip_sublevel: set by skipBlock() (a handler decided to ignore its block),
   * consumed by the interpreter. -1: a '{' is still to come; n > 0: depth inside skipped block.
   */
  skipSublevel = 0;

  constructor(reader: LineReader, sink: DiagnosticSink, state: S) {
    this.#reader = reader;
    this.#sink = sink;
    this.state = state;
  }

  /** Location of the line being handled (file:line of the keyword). */
  get at(): SourceLocation {
    return this.#at;
  }

  /** The current line's text before word splitting (keepalived's buf_extern). */
  get raw(): string {
    return this.#raw;
  }

  get diagnostics(): DiagnosticSink {
    return this.#sink;
  }

  /** Reads the next line and makes it current. */
  nextLine(): ConfigLine | undefined {
    const line = this.#reader.next();
    if (line !== undefined) {
      this.#at = { file: line.file, line: line.line };
      this.#raw = line.raw;
    }
    return line;
  }

  /** keepalived's report_config_error(): counts towards the -t verdict. */
  report(kind: DiagnosticKind, code: string, message: string): void {
    this.#sink.add(this.#at, kind, code, message);
  }

  /** A message keepalived only logs, or an extra of ours: never changes the -t verdict. */
  notice(code: string, message: string): void {
    this.#sink.add(this.#at, 'notice', code, message);
  }

  /** A diagnostic attached to an earlier location (e.g. found while completing an instance). */
  reportAt(at: SourceLocation, kind: DiagnosticKind, code: string, message: string): void {
    this.#sink.add(at, kind, code, message);
  }

  /**
   * words[index], or keepalived's null_strvec(): report the missing parameter and abort
   * the whole parse, as keepalived exits there.
   */
  word(words: readonly string[], index: number): string {
    const w = words[index];
    if (w !== undefined) return w;
    const first = words[0] ?? '***MISSING ***';
    const prev = index > 0 ? words[index - 1] : undefined;
    const message =
      prev !== undefined
        ? `*** Configuration line starting \`${first}\` is missing a parameter after keyword ` +
          `\`${prev}\` at word position ${index + 1}`
        : `*** Configuration line starting \`${first}\` is missing a parameter at word position ${
            index + 1
          }`;
    this.report('missing_parameter', 'missing_parameter', message);
    throw new ConfigAbort(message, KEEPALIVED_EXIT_CONFIG);
  }

  /**
   * keepalived's alloc_value_block(): the lines of a `{ ... }` block that holds values, not
   * keywords (virtual_ipaddress, unicast_peer, group, notification_email, ...). Calls onLine
   * with each line's words (braces stripped) and its location. Nested braces are not
   * special: the first line that is `}` ends the block, as in keepalived.
   */
  readValueBlock(
    words: readonly string[],
    onLine: (lineWords: readonly string[], at: SourceLocation) => void,
  ): void {
    let needBob = true;
    if (words.length > 1) {
      if (words[1] === '{') {
        needBob = false;
        // keepalived-compat: parser.c alloc_value_block handles `kw { a b }` on one line;
        // our lexer always cuts braces onto their own lines, so this only arises for a
        // quoted "{" and is handled the same way.
        const rest = words.slice(2);
        const hadEob = rest.length > 0 && rest[rest.length - 1] === '}';
        if (hadEob) rest.pop();
        if (rest.length > 0) onLine(rest, this.#at);
        if (hadEob) return;
      } else {
        this.report(
          'general_error',
          'block_extra_parameters',
          `Block ${words[0] ?? ''} has extra parameters ${words[1] ?? ''} ...`,
        );
      }
    }
    for (;;) {
      const line = this.nextLine();
      if (line === undefined) return;
      let lineWords = [...line.words];
      if (needBob) {
        needBob = false;
        if (lineWords[0] === '{') {
          if (lineWords.length === 1) continue;
          lineWords = lineWords.slice(1);
        } else {
          this.notice(
            'missing_bob',
            `'{' missing from beginning of block ${words[0] ?? ''}`,
          );
        }
      }
      let hadEob = false;
      if (lineWords[lineWords.length - 1] === '}') {
        if (lineWords.length === 1) return;
        hadEob = true;
        lineWords = lineWords.slice(0, -1);
      }
      if (lineWords.length > 0) onLine(lineWords, this.#at);
      if (hadEob) return;
    }
  }

  /** keepalived's skip_block(): ignore the rest of the current keyword's block. */
  skipBlock(needBlockStart: boolean): void {
    this.skipSublevel = needBlockStart ? -1 : 1;
  }
}
