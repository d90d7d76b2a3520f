/**
 * `~SEQ(var[,start][,step],end) text`, `~SEQx(...)` and `~LST(var,v1,v2..)` /
 * `~LST({a,b},{1,2},..)`: the parsing half of keepalived 2.2.7's add_seq() / add_lst().
 * The lexer owns the iteration (it sets the variables as definitions and re-reads `text`).
 */

import { strtol, skipBlanks } from './lexer_text.js';

/** One active ~SEQ: the next value, the last one, the step. */
export interface NumericSeq {
  readonly kind: 'seq';
  readonly variable: string;
  next: bigint;
  readonly last: bigint;
  readonly step: bigint;
  readonly hex: boolean;
  readonly text: string;
}

/** One active ~LST: the variables and their value sets. */
export interface ListSeq {
  readonly kind: 'lst';
  readonly variables: readonly string[];
  readonly valueSets: readonly (readonly string[])[];
  index: number;
  readonly text: string;
}

export type ActiveSeq = NumericSeq | ListSeq;

export interface SeqProblem {
  readonly code: string;
  readonly message: string;
}

export type SeqParse =
  | { readonly ok: true; readonly seq: ActiveSeq }
  | {
      readonly ok: false;
      readonly problems: readonly SeqProblem[];
      /** keepalived then adds "Invalid ~SEQ specification '...'" (or ~LST). */
      readonly addSpecError: boolean;
    };

/** Substitutes definitions in the ~SEQ parameter text (keepalived runs replace_param() on it). */
export type ParamSubstituter = (params: string, maxLen: number) => { readonly text: string; readonly multiline: boolean };

/** keepalived sizes the ~SEQ parameter buffer for three longs: 3 * 20 + 3 + 1 bytes. */
const SEQ_PARAM_BUF = 3 * 20 + 3 + 1;

function strcspnIndex(s: string, from: number, stops: string): number {
  let i = from;
  while (i < s.length && !stops.includes(s[i] as string)) i++;
  return i;
}

function fail(problems: SeqProblem[], addSpecError = true): SeqParse {
  return { ok: false, problems, addSpecError };
}

/** How many values a ~SEQ gives (it always gives at least one). */
export function seqCount(seq: NumericSeq): bigint {
  const span = seq.last - seq.next;
  const n = span / seq.step;
  return n < 0n ? 1n : n + 1n;
}

/**
 * add_seq(): parses a line starting `~SEQ`. `maxIterations` is keepalived-ts's own bound.
 */
export function parseSeq(buf: string, substitute: ParamSubstituter, maxIterations: number): SeqParse {
  let p = 4;
  let hex = false;
  if (buf[p] === 'x') {
    p++;
    hex = true;
  }
  p = skipBlanks(buf, p);
  if (buf[p] !== '(') return fail([]);
  p = skipBlanks(buf, p + 1);
  const varStart = p;
  p = strcspnIndex(buf, p, ' \t,)');
  const variable = buf.slice(varStart, p);
  p = skipBlanks(buf, p);
  if (p >= buf.length || buf[p] === ')' || p === varStart) {
    return fail([{ code: 'invalid_seq', message: `Invalid ~SEQ definition '${buf}'` }]);
  }
  // keepalived steps over whatever follows the variable (normally the ',').
  p = skipBlanks(buf, p + 1);
  const endSeq = buf.indexOf(')', p);
  if (endSeq < 0 || endSeq + 1 - p + 1 > SEQ_PARAM_BUF) {
    return fail([{ code: 'seq_params_too_long', message: `~SEQ parameter strings too long '${buf}'` }]);
  }
  const sub = substitute(buf.slice(p, endSeq + 1), SEQ_PARAM_BUF);
  if (sub.multiline) {
    return fail([{ code: 'seq_multiline_param', message: `~SEQ parameter is multiline definition '${buf}'` }]);
  }
  const params = sub.text;
  const invalid = (): SeqParse => fail([{ code: 'invalid_seq', message: `Invalid ~SEQ definition '${buf}'` }]);

  let start: bigint;
  let step: bigint;
  let end: bigint;
  const one = strtol(params, 0);
  let q = skipBlanks(params, one.end);
  if (params[q] === ')') {
    end = one.value;
    step = end < 1n ? -1n : 1n;
    start = end < 0n ? -1n : 1n;
  } else {
    if (params[q] !== ',') return invalid();
    const two = strtol(params, q + 1);
    q = skipBlanks(params, two.end);
    if (params[q] === ')') {
      start = one.value;
      end = two.value;
      step = start <= end ? 1n : -1n;
    } else {
      if (params[q] !== ',') return invalid();
      const three = strtol(params, q + 1);
      q = skipBlanks(params, three.end);
      if (params[q] !== ')') return invalid();
      start = one.value;
      step = two.value;
      end = three.value;
      if (step === 0n || (start < end && step < 0n) || (start > end && step > 0n)) {
        return fail([{ code: 'invalid_seq_values', message: `Invalid ~SEQ values '${buf}'` }]);
      }
    }
  }
  if (hex && (start < 0n || end < 0n)) {
    return fail([{ code: 'seqx_negative', message: `~SEQx is only valid for positive numbers '${buf}'` }]);
  }
  const text = buf.slice(skipBlanks(buf, endSeq + 1));
  const seq: NumericSeq = { kind: 'seq', variable, next: start, last: end, step, hex, text };
  const count = seqCount(seq);
  if (count > BigInt(maxIterations)) {
    return fail(
      [
        {
          code: 'seq_too_long',
          message: `~SEQ would repeat its line ${count} times, more than keepalived-ts's limit of ${maxIterations} - ignoring '${buf}'`,
        },
      ],
      false,
    );
  }
  return { ok: true, seq };
}

/** add_lst(): parses a line starting `~LST`. */
export function parseLst(buf: string): SeqParse {
  let p = skipBlanks(buf, 4);
  if (buf[p] !== '(') return fail([]);
  p = skipBlanks(buf, p + 1);
  let endChar = ',';
  if (buf[p] === '{') {
    endChar = '}';
    p = skipBlanks(buf, p + 1);
  }
  const variables: string[] = [];
  let numVars = 0;
  for (;;) {
    const start = p;
    p = strcspnIndex(buf, p, ' \t,}');
    variables.push(buf.slice(start, p));
    p = skipBlanks(buf, p);
    if (buf[p] === endChar) break;
    if (buf[p] !== ',') return fail([]);
    p = skipBlanks(buf, p + 1);
    numVars++;
  }
  if (buf[p] === '}') p = skipBlanks(buf, p + 1);
  if (buf[p] !== ',') return fail([]);
  p = skipBlanks(buf, p + 1);

  const valueSets: string[][] = [];
  for (;;) {
    let setEnd = ',';
    if (buf[p] === '{') {
      setEnd = '}';
      p = skipBlanks(buf, p + 1);
    }
    const values: string[] = [];
    let numValues = 0;
    for (;;) {
      const start = p;
      p = strcspnIndex(buf, p, ' \t,})');
      values.push(buf.slice(start, p));
      p = skipBlanks(buf, p);
      if (buf[p] === setEnd || (buf[p] === ')' && setEnd === ',')) break;
      if (buf[p] !== ',') return fail([]);
      p = skipBlanks(buf, p + 1);
      if (++numValues > numVars) {
        return fail([{ code: 'lst_too_many_values', message: `~LST specification has too many values '${buf}'` }]);
      }
    }
    for (; numValues < numVars; numValues++) values.push('');
    valueSets.push(values);
    if (buf[p] === '}' && setEnd === '}') p = skipBlanks(buf, p + 1);
    if (buf[p] === ')') break;
    if (buf[p] !== ',') return fail([]);
    p = skipBlanks(buf, p + 1);
  }
  const text = buf.slice(skipBlanks(buf, p + 1));
  return { ok: true, seq: { kind: 'lst', variables, valueSets, index: 0, text } };
}
