/** What a failover bench keeps of one run: named texts in --logs=DIR, daemon tails on failure. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Daemon } from '../../test/lab/daemons.js';

export interface RunLogPart {
  readonly name: string;
  readonly text: string;
}

/**
 * Writes `${base}.${part}.txt` for every part into logDir (when given) and, when the run
 * failed, the last 20 lines of every daemon's log to stderr.
 */
export function keepRunLogs(o: {
  readonly logDir: string | undefined;
  readonly base: string;
  readonly parts: readonly RunLogPart[];
  readonly daemons: readonly Daemon[];
  readonly error: string | undefined;
}): void {
  if (o.logDir !== undefined) {
    mkdirSync(o.logDir, { recursive: true });
    for (const p of o.parts) writeFileSync(join(o.logDir, `${o.base}.${p.name}.txt`), `${p.text}\n`);
  }
  if (o.error !== undefined) {
    for (const dm of o.daemons) process.stderr.write(`--- ${o.base} ${dm.host} log (tail)\n${dm.lines.slice(-20).map((l) => l.text).join('\n')}\n`);
  }
}
