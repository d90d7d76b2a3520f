/** Small summary statistics for benchmark tables. */

export interface Summary {
  readonly n: number;
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export function summarize(values: readonly (number | null | undefined)[]): Summary {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { n: 0, median: null, min: null, max: null };
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 === 1 ? (xs[mid] ?? 0) : ((xs[mid - 1] ?? 0) + (xs[mid] ?? 0)) / 2;
  return { n: xs.length, median, min: xs[0] ?? null, max: xs[xs.length - 1] ?? null };
}

export function fmt(x: number | null | undefined, digits = 1): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
}

/** ours/theirs, only when both are positive (a ratio of signed excesses means nothing). */
export function ratio(ours: number | null, theirs: number | null): number | null {
  if (ours === null || theirs === null || ours <= 0 || theirs <= 0) return null;
  return ours / theirs;
}
