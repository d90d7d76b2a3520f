/**
 * Readers for keyword values, with keepalived 2.2.7's checks and messages
 * (lib/parser.c: read_int_func, read_unsigned_func, read_decimal_unsigned_long_func,
 * read_timer, check_true_false).
 *
 * keepalived-compat: in `-t` mode keepalived never uses a value it has complained about
 * (ignore_error is ignored under CONFIG_TEST_BIT); we apply that rule always, so the
 * daemon and `-t` see the same model. A rejected value leaves the default in place.
 */
import type { ParseContext } from './parse_context.js';

const WHITE = /^[ \t\n\r\f\v]*/;

/** strtol/strtoul-like prefix parse: returns the numeric value and whether junk followed. */
function parseIntegerPrefix(text: string, base: number): { value: number; rest: string } {
  const m = base === 16 ? /^[+-]?(0[xX])?[0-9a-fA-F]*/.exec(text) : /^[+-]?[0-9]*/.exec(text);
  const digits = m?.[0] ?? '';
  const signless = digits.replace(/^[+-]/, '').replace(/^0[xX]/, '');
  if (signless === '') return { value: 0, rest: text };
  const value = parseInt(digits, base);
  return { value, rest: text.slice(digits.length) };
}

/** read_int(): a signed integer in [min, max]; undefined (with a diagnostic) otherwise. */
export function readInt<S>(
  ctx: ParseContext<S>,
  text: string,
  min: number,
  max: number,
): number | undefined {
  const lead = WHITE.exec(text)?.[0].length ?? 0;
  const { value, rest } = parseIntegerPrefix(text.slice(lead), 10);
  if (rest !== '' || text.slice(lead) === '') {
    ctx.report('invalid_number', 'invalid_number', `invalid number '${text}'`);
  } else if (value < -2147483648 || value > 2147483647) {
    ctx.report('invalid_number', 'invalid_number', `number '${text}' outside integer range`);
  } else if (value < min || value > max) {
    ctx.report('invalid_number', 'out_of_range', `number '${text}' outside range [${min}, ${max}]`);
  } else {
    return value;
  }
  return undefined;
}

/** read_unsigned(): an unsigned integer in [min, max]. */
export function readUnsigned<S>(
  ctx: ParseContext<S>,
  text: string,
  min: number,
  max: number,
  base = 10,
): number | undefined {
  const lead = WHITE.exec(text)?.[0].length ?? 0;
  const body = text.slice(lead);
  const { value, rest } = parseIntegerPrefix(body, base);
  if (body.startsWith('-')) {
    ctx.report('invalid_number', 'invalid_number', `negative number '${text}'`);
  } else if (rest !== '' || body === '') {
    ctx.report('invalid_number', 'invalid_number', `invalid number '${text}'`);
  } else if (value > 4294967295) {
    ctx.report('invalid_number', 'invalid_number', `number '${text}' outside unsigned integer range`);
  } else if (value < min || value > max) {
    ctx.report('invalid_number', 'out_of_range', `number '${text}' outside range [${min}, ${max}]`);
  } else {
    return value;
  }
  return undefined;
}

function formatFixed(value: number, shift: number): string {
  const scale = 10 ** shift;
  const whole = Math.floor(value / scale);
  const frac = String(value % scale).padStart(shift, '0');
  return shift === 0 ? String(whole) : `${whole}.${frac}`;
}

/**
 * read_decimal_unsigned(): a decimal with up to `shift` places, returned scaled by
 * 10^shift (e.g. shift 6: seconds → µs). min/max are in the scaled unit.
 */
export function readDecimal<S>(
  ctx: ParseContext<S>,
  text: string,
  options: { readonly min: number; readonly max: number; readonly shift: number },
): number | undefined {
  const { min, max, shift } = options;
  if (text.startsWith('-')) {
    ctx.report('invalid_number', 'invalid_number', `negative number '${text}'`);
    return undefined;
  }
  const dot = text.indexOf('.');
  let intPart = dot >= 0 ? text.slice(0, dot) : text;
  let frac = dot >= 0 ? text.slice(dot + 1) : '';
  let roundUp = false;
  if (frac.length > shift) {
    ctx.report('invalid_number', 'too_many_decimals', `number '${text}' has too many decimal places`);
    roundUp = (frac[shift] ?? '0') >= '5';
    frac = frac.slice(0, shift);
  }
  intPart = intPart + frac.padEnd(shift, '0');
  const lead = WHITE.exec(intPart)?.[0].length ?? 0;
  const body = intPart.slice(lead);
  const m = /^\+?[0-9]+/.exec(body);
  if (m === null || m[0].length !== body.length) {
    ctx.report('invalid_number', 'invalid_number', `invalid number '${text}'`);
    return undefined;
  }
  let value = Number(body.replace('+', ''));
  if (roundUp) value++;
  if (!Number.isSafeInteger(value)) {
    ctx.report('invalid_number', 'invalid_number', `number '${text}' outside unsigned decimal range`);
    return undefined;
  }
  if (value < min || value > max) {
    ctx.report(
      'invalid_number',
      'out_of_range',
      `number '${text}' outside range [${formatFixed(min, shift)}, ${formatFixed(max, shift)}]`,
    );
    return undefined;
  }
  return value;
}

/**
 * keepalived's TIMER_MAXIMUM is ULONG_MAX - 1 µs (lib/parser.h); we cap at the largest
 * integer a double holds exactly, which no real timer reaches.
 */
export const TIMER_MAXIMUM_US = Number.MAX_SAFE_INTEGER;

/** read_timer(): seconds with µs resolution, returned in µs. */
export function readTimerUs<S>(
  ctx: ParseContext<S>,
  text: string,
  minUs: number,
  maxUs: number,
): number | undefined {
  return readDecimal(ctx, text, { min: minUs, max: maxUs === 0 ? TIMER_MAXIMUM_US : maxUs, shift: 6 });
}

/** check_true_false(): true/on/yes, false/off/no (lowercase only), else undefined. */
export function checkTrueFalse(text: string): boolean | undefined {
  if (text === 'true' || text === 'on' || text === 'yes') return true;
  if (text === 'false' || text === 'off' || text === 'no') return false;
  return undefined;
}

/**
 * A keyword with an optional boolean argument (most of keepalived's flags): no argument
 * means true. An invalid argument is reported with keepalived's wording and gives
 * undefined (the caller keeps its default).
 */
export function readOptionalBool<S>(
  ctx: ParseContext<S>,
  words: readonly string[],
  index = 1,
): boolean | undefined {
  const w = words[index];
  if (w === undefined) return true;
  const b = checkTrueFalse(w);
  if (b === undefined) {
    ctx.report('general_error', 'invalid_bool', `Invalid value '${w}' for ${words[0] ?? ''}`);
  }
  return b;
}
