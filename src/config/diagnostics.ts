/**
 * Configuration diagnostics and keepalived's severity ladder.
 *
 * keepalived-compat: lib/parser.h `config_err_t` (2.2.7). Every call to keepalived's
 * `report_config_error()` raises the config status to the most *severe enum value seen so
 * far* (a higher enum value wins, whatever its name), and `keepalived -t` exits with a code
 * derived from that final value (core/main.c:config_test_exit). Messages keepalived only
 * logs (`log_message`) do not change the status: those are our `notice` diagnostics, as are
 * the extra warnings keepalived-ts adds (not implemented yet, classic pitfalls).
 */

/** keepalived's config_err_t values, in keepalived's enum order (index = enum value - 1). */
export const CONFIG_ERROR_KINDS = [
  'file_not_found',
  'bad_if',
  'fatal',
  'multiple_files',
  'unknown_keyword',
  'unexpected_bob',
  'missing_bob',
  'unexpected_eob',
  'missing_eob',
  'unmatched_quote',
  'missing_parameter',
  'invalid_number',
  'general_error',
  'warning',
  'deprecated',
  'security_error',
] as const;

/** A kind keepalived reports through report_config_error(); it makes `-t` fail. */
export type ConfigErrorKind = (typeof CONFIG_ERROR_KINDS)[number];

/**
 * `notice`: keepalived only logs this (or keepalived-ts adds it); `-t` still exits 0.
 */
export type DiagnosticKind = ConfigErrorKind | 'notice';

export interface ConfigDiagnostic {
  /** Absolute path of the file the line came from; '' when not tied to a file. */
  readonly file: string;
  /** 1-based line number; 0 when not tied to a line. */
  readonly line: number;
  readonly kind: DiagnosticKind;
  /**
   * Stable snake_case reason code (metric label, log reason, test assertion),
   * e.g. 'unknown_keyword', 'priority_out_of_range', 'not_implemented'.
   */
  readonly code: string;
  /** The message, worded like keepalived's where keepalived has one. */
  readonly message: string;
}

/** keepalived -t exit codes (core/main.c, KEEPALIVED_CHK_EXIT_*). */
export const CONFIG_TEST_EXIT = {
  ok: 0,
  config: 4,
  configTest: 5,
  security: 6,
} as const;

function kindRank(kind: DiagnosticKind): number {
  if (kind === 'notice') return 0;
  return CONFIG_ERROR_KINDS.indexOf(kind) + 1;
}

/**
 * The config status keepalived would end with: the diagnostic kind with the highest enum
 * value, or undefined when nothing was reported (CONFIG_OK).
 */
export function configStatus(diagnostics: readonly ConfigDiagnostic[]): ConfigErrorKind | undefined {
  let worst: ConfigErrorKind | undefined;
  for (const d of diagnostics) {
    if (d.kind === 'notice') continue;
    if (worst === undefined || kindRank(d.kind) > kindRank(worst)) worst = d.kind;
  }
  return worst;
}

/** The exit code `keepalived -t` gives for these diagnostics (config_test_exit). */
export function configTestExitCode(diagnostics: readonly ConfigDiagnostic[]): number {
  const status = configStatus(diagnostics);
  switch (status) {
    case undefined:
      return CONFIG_TEST_EXIT.ok;
    case 'file_not_found':
    case 'bad_if':
    case 'fatal':
      return CONFIG_TEST_EXIT.config;
    case 'security_error':
      return CONFIG_TEST_EXIT.security;
    default:
      return CONFIG_TEST_EXIT.configTest;
  }
}

/** `file:line: message`, the form `keepalived-ts -t` prints. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const where = d.file === '' ? '' : d.line > 0 ? `${d.file}:${d.line}: ` : `${d.file}: `;
  const tag = d.kind === 'notice' ? 'note: ' : '';
  return `${where}${tag}${d.message}`;
}

/** A place in the configuration. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

/** Collects diagnostics; the parser never logs. */
export class DiagnosticSink {
  readonly #items: ConfigDiagnostic[] = [];
  /** Hard cap so a hostile config cannot grow the list without bound. */
  static readonly MAX_DIAGNOSTICS = 10_000;
  #dropped = 0;

  add(at: SourceLocation, kind: DiagnosticKind, code: string, message: string): void {
    if (this.#items.length >= DiagnosticSink.MAX_DIAGNOSTICS) {
      this.#dropped++;
      return;
    }
    this.#items.push({ file: at.file, line: at.line, kind, code, message });
  }

  get items(): readonly ConfigDiagnostic[] {
    return this.#items;
  }

  /** How many diagnostics were dropped over MAX_DIAGNOSTICS. */
  get dropped(): number {
    return this.#dropped;
  }
}
