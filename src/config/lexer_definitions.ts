/**
 * `$NAME=VALUE` definitions and the lookup of `$NAME` / `${NAME}` / `${NAME params}`
 * references: keepalived 2.2.7's check_definition(), set_definition(), find_definition()
 * and the standard definitions (set_std_definitions()).
 */

import { isAsciiAlnum, isAsciiAlpha, isAsciiDigit, isBlank } from './lexer_text.js';

/** Computes a standard definition's value at each use (`params`: the text after the name). */
export type DefinitionFn = (params: string | undefined) => string;

export interface Definition {
  readonly name: string;
  value: string;
  /** A definition continued with trailing `\`: its lines are emitted one by one. */
  multiline: boolean;
  /** Standard definitions computed at each use (cleared when the user redefines the name). */
  fn: DefinitionFn | undefined;
  /** How many parameters `${NAME p1 p2}` may carry (0: none). */
  readonly maxParams: number;
  /** Parameters may be words, not only numbers (`${_ENV NAME}`). */
  readonly wordParams: boolean;
  /** Only a reference with parameters names it (`${_ENV}` alone is left as it is). */
  readonly requiresParams: boolean;
  /**
   * keepalived 2.2.7 mis-moves the text after a `${NAME params}` reference when the value is
   * shorter than the reference (fixed upstream later); kept for the definitions 2.2.7 has.
   */
  readonly legacySplice: boolean;
  /** keepalived-ts: the expansion of this definition ran away; it is no longer expanded. */
  disabled: boolean;
}

/** A `$...` reference found in a line. */
export interface Reference {
  readonly def: Definition;
  /** Index after the text keepalived replaces (normally after the `}` of the braced forms). */
  readonly end: number;
  /** For `${NAME params}`: the params text, from its first to its last non-blank character. */
  readonly params: string | undefined;
  /** Index of the last parameter character (keepalived's params_end), for the legacy splice. */
  readonly paramsEnd: number;
  readonly braces: boolean;
}

function isNameChar(c: string | undefined): boolean {
  return isAsciiAlnum(c) || c === '_';
}

function isNameStart(c: string | undefined): boolean {
  return isAsciiAlpha(c) || c === '_';
}

export class DefinitionTable {
  readonly #defs = new Map<string, Definition>();

  get size(): number {
    return this.#defs.size;
  }

  has(name: string): boolean {
    return this.#defs.has(name);
  }

  get(name: string): Definition | undefined {
    return this.#defs.get(name);
  }

  /** add_std_definition(). */
  addStandard(
    name: string,
    options: {
      readonly value?: string;
      readonly fn?: DefinitionFn;
      readonly maxParams?: number;
      readonly wordParams?: boolean;
      readonly requiresParams?: boolean;
      readonly legacySplice?: boolean;
    },
  ): void {
    this.#defs.set(name, {
      name,
      value: options.value ?? '',
      multiline: false,
      fn: options.fn,
      maxParams: options.maxParams ?? 0,
      wordParams: options.wordParams ?? false,
      requiresParams: options.requiresParams ?? false,
      legacySplice: options.legacySplice ?? true,
      disabled: false,
    });
  }

  /**
   * set_definition() (used by ~SEQ / ~LST): replaces the value of an existing definition (a
   * standard one loses its function) or adds a new one.
   */
  set(name: string, value: string): Definition {
    const existing = this.#defs.get(name);
    if (existing !== undefined) {
      existing.value = value;
      existing.fn = undefined;
      existing.disabled = false;
      return existing;
    }
    const def: Definition = {
      name,
      value,
      multiline: false,
      fn: undefined,
      maxParams: 0,
      wordParams: false,
      requiresParams: false,
      legacySplice: true,
      disabled: false,
    };
    this.#defs.set(name, def);
    return def;
  }

  /**
   * find_definition() for a reference: `text[at]` is the character after the `$`.
   * Without braces the name must be followed by a blank, `,`, `)` or the end of the line
   * (`$N/24` is not a reference); a multiline definition is only found when the reference
   * ends the line. A disabled definition is never found.
   */
  findReference(text: string, at: number): Reference | undefined {
    let pos = at;
    const braces = text[pos] === '{';
    if (braces) pos++;
    if (!isNameStart(text[pos])) return undefined;
    let p = pos + 1;
    while (p < text.length && isNameChar(text[p])) p++;
    const name = text.slice(pos, p);
    const nameEnd = p;
    let paramStart = -1;
    let paramEnd = -1;
    let wordParams = false;
    if (braces) {
      // keepalived 2.2.7 allows spaces and digits; `${_ENV NAME}` (later keepalived) needs
      // word characters and tabs too.
      while (p < text.length) {
        const c = text[p];
        if (c === ' ' || c === '\t' || isNameChar(c)) {
          if (c !== ' ' && c !== '\t') {
            if (paramStart < 0) paramStart = p;
            paramEnd = p;
            if (!isAsciiDigit(c)) wordParams = true;
          } else if (c === '\t') {
            wordParams = true;
          }
          p++;
          continue;
        }
        break;
      }
      if (paramStart >= 0 && paramEnd + 1 !== p) return undefined;
      if (text[p] !== '}') return undefined;
    } else {
      const c = text[p];
      if (p < text.length && c !== ' ' && c !== '\t' && c !== ',' && c !== ')') return undefined;
    }
    // keepalived measures from the end of the name: `${M }` is not at the end of the line.
    const allowMultiline = braces ? nameEnd + 1 === text.length : nameEnd === text.length;
    const def = this.#defs.get(name);
    if (def === undefined || def.disabled) return undefined;
    if (def.multiline && !allowMultiline) return undefined;
    if (paramStart < 0 && def.requiresParams && def.fn !== undefined) return undefined;
    if (paramStart >= 0) {
      if (def.maxParams === 0) return undefined;
      if (wordParams && !def.wordParams) return undefined;
      if (def.wordParams) {
        const count = text
          .slice(paramStart, paramEnd + 1)
          .split(/[ \t]+/)
          .filter((w) => w !== '').length;
        if (count > def.maxParams) return undefined;
      }
    }
    // keepalived replaces `${` + name + one character when there are no parameters, so
    // `${A }` leaves its `}` behind; with parameters, up to the `}` after the last one.
    let end = nameEnd;
    if (braces) end = paramStart >= 0 ? paramEnd + 2 : nameEnd + 1;
    return {
      def,
      end,
      params: paramStart >= 0 ? text.slice(paramStart, paramEnd + 1) : undefined,
      paramsEnd: paramEnd,
      braces,
    };
  }

  /**
   * check_definition(): `$NAME=VALUE` at the start of `buf` (no blank before `=`). Stores
   * it and returns the definition, or undefined when `buf` is not a definition.
   * `allowNew` false: an unknown name is not added (keepalived-ts's definition count limit).
   */
  checkDefinition(buf: string, allowNew: boolean): Definition | 'limit' | undefined {
    if (buf[0] !== '$' || !isNameStart(buf[1])) return undefined;
    let p = 2;
    while (p < buf.length && buf[p] !== '=') {
      if (!isNameChar(buf[p])) return undefined;
      p++;
    }
    if (p >= buf.length) return undefined;
    const name = buf.slice(1, p);
    let def = this.#defs.get(name);
    if (def === undefined && !allowNew) return 'limit';
    let valueStart = p + 1;
    while (valueStart < buf.length && isBlank(buf[valueStart])) valueStart++;
    let value = buf.slice(valueStart);
    let multiline = false;
    if (value.endsWith('\\')) {
      let len = value.length;
      while (len >= 2 && isBlank(value[len - 2])) len--;
      value = len < 2 ? '' : `${value.slice(0, len - 1)}\n`;
      multiline = true;
    }
    if (def === undefined) {
      def = {
        name,
        value,
        multiline,
        fn: undefined,
        maxParams: 0,
        wordParams: false,
        requiresParams: false,
        legacySplice: true,
        disabled: false,
      };
      this.#defs.set(name, def);
    } else {
      def.value = value;
      def.multiline = multiline;
      def.fn = undefined;
      def.disabled = false;
    }
    return def;
  }
}
