/** The daemon helpers now live in src/lab/daemons.ts (the demo uses them); re-exported for the tests. */
import type { Daemon } from '../../src/lab/daemons.js';

export * from '../../src/lab/daemons.js';

/** A failed test's evidence: every daemon's whole log on stderr, under the test's name. */
export function printDaemonLogs(title: string, daemons: readonly Daemon[]): void {
  for (const d of daemons) process.stderr.write(`--- ${title}: ${d.host} log\n${d.lines.map((l) => l.text).join('\n')}\n`);
}

/** A test's end: every daemon killed (SIGKILL, waiting up to 1 s) and its files removed. */
export async function killDaemons(daemons: readonly Daemon[]): Promise<void> {
  await Promise.all(daemons.map((d) => d.stop('SIGKILL', 1000)));
  for (const d of daemons) d.cleanup();
}
