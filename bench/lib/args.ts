/** Command-line helpers shared by the benches (`--name=value` and bare `--name`). */

/** The value of `--name=value`, '' for a bare `--name`, undefined when absent. */
export function arg(name: string): string | undefined {
  const a = process.argv.slice(2).find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (a === undefined) return undefined;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
}

/** A positive number from `--name=N`, or `dflt`. */
export function numArg(name: string, dflt: number): number {
  const v = arg(name);
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}=${v}: a positive number`);
  return n;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs a bench's main(): its result is the exit status; an exception prints and exits 1. */
export function runMain(main: () => Promise<number>, name?: string): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${name === undefined ? '' : `${name} bench: `}${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
