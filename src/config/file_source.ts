/**
 * Ports through which the pure config front end reads files and learns about the host.
 * The shell implementations live in src/daemon/ (node_file_source.ts, host_facts.ts);
 * tests use in-memory fakes (test/fakes/).
 */

export type ReadFileResult =
  | { readonly ok: true; readonly text: string }
  | {
      readonly ok: false;
      /** 'ENOENT', 'EACCES', 'EISDIR', 'too_large' (over maxBytes), 'binary', ... */
      readonly code: string;
      readonly message: string;
    };

export interface FileSource {
  /**
   * Reads a whole file as UTF-8 (latin1 fallback is the implementation's business).
   * Must not read more than `maxBytes`: a larger file (or an endless one like /dev/zero)
   * gives `{ ok: false, code: 'too_large' }` after reading at most maxBytes + 1 bytes.
   */
  readFile(path: string, maxBytes: number): ReadFileResult;
  /**
   * glob(3) without brace expansion (the caller expands braces first): returns the sorted
   * matching paths for an absolute pattern, or [] when nothing matches.
   */
  glob(pattern: string): readonly string[];
}

/** Deterministic randomness, injected (for `${_RANDOM}`). */
export interface Random {
  /** An integer in [min, max], both inclusive. */
  intBetween(min: number, max: number): number;
}
