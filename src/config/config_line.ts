/**
 * The contract between the lexer (src/config/lexer.ts: keepalived's read_line() +
 * alloc_strvec()) and the keyword interpreter (src/config/interpreter.ts:
 * keepalived's process_stream()).
 */

/** One logical line after includes, conditionals, definitions, ~SEQ/~LST and comments. */
export interface ConfigLine {
  /** Absolute path of the file the line came from. */
  readonly file: string;
  /** 1-based line number in that file. */
  readonly line: number;
  /**
   * The words, as keepalived's alloc_strvec() (alloc_strvec_r) gives them: split on
   * blanks; a word that starts with `"` runs to the next `"` (quotes removed, no escapes);
   * any other word ends at a blank or a `"`. Script handlers re-split `raw` with the
   * richer quoting/escaping of alloc_strvec_quoted_escaped().
   * keepalived's read_line() cuts a line at the first `{` or `}` outside double quotes, so a
   * brace always arrives as a line of its own: `vrrp_instance VI_1 { state MASTER` gives
   * ['vrrp_instance', 'VI_1'], then ['{'], then ['state', 'MASTER']. Never empty.
   */
  readonly words: readonly string[];
  /**
   * The line text after preprocessing and cutting, before word splitting (keepalived's
   * buf_extern), for the handlers that re-split it themselves (script command lines).
   */
  readonly raw: string;
}

/** Pull-based so value blocks and the interpreter consume lazily (bounded memory). */
export interface LineReader {
  /** The next logical line, or undefined at the end of the whole configuration. */
  next(): ConfigLine | undefined;
}

export interface LexerOptions {
  /** For `@ID` / `@^ID` lines (keepalived -i); keepalived's default is the short hostname. */
  readonly configId: string;
  /** For `${_ENV NAME}`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** keepalived -e / --all-config: a missing include file is an error. */
  readonly allConfig?: boolean;
  /** Max bytes per file and in total (default 16 MiB per file, 64 MiB total). */
  readonly maxFileBytes?: number;
  readonly maxTotalBytes?: number;
}
