/**
 * The simulator CLI (TigerBeetle's VOPR, for VRRP):
 *   node dist/test/sim/run.js [--seed=N] [--runs=N] [--verbose]
 * Runs seeds N, N+1, … N+runs-1 (a random start seed when --seed is absent) and prints
 * `seed=N` with a replay command on the first invariant violation (exit code 1).
 * `npm run sim -- --seed=N` replays one run bit for bit.
 */
import { randomInt } from 'node:crypto';
import { describe } from './invariants.js';
import { replayCommand, runSeed } from './runner.js';
import { generateScenario } from './scenario.js';

function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function main(): number {
  const seedArg = arg('seed');
  const verbose = process.argv.includes('--verbose');
  // The only non-determinism: picking a start seed when none is given (it is printed).
  const start = seedArg === undefined ? randomInt(0, 2 ** 31) : Number(seedArg);
  const runs = Number(arg('runs') ?? (seedArg === undefined ? '1000' : '1'));
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(runs) || runs < 1) {
    console.error('usage: run.js [--seed=N] [--runs=N] [--verbose]');
    return 2;
  }
  const t0 = performance.now();
  let events = 0;
  for (let seed = start; seed < start + runs; seed++) {
    if (verbose) console.log(JSON.stringify(generateScenario(seed), null, 1));
    const r = runSeed(seed, verbose ? { trace: (l) => console.log(l) } : {});
    events += r.events;
    if (r.violation !== undefined) {
      console.error(`seed=${seed}: ${r.violation.message}`);
      console.error(`final: ${describe(r.cluster)}`);
      console.error(`you can reproduce this failure with: ${replayCommand(seed)}`);
      return 1;
    }
    if (verbose) console.log(`seed=${seed} ok: ${r.events} events, ${r.convergedChecks} convergence checks`);
  }
  const ms = Math.round(performance.now() - t0);
  console.log(`${runs} runs from seed=${start} passed (${events} events, ${ms} ms)`);
  return 0;
}

// The test runner loads every file under dist/test/; only run as a CLI.
if (process.env['NODE_TEST_CONTEXT'] === undefined) process.exitCode = main();
