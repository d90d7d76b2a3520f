/**
 * Runs one scenario: builds the network and the cluster from the seed, attaches the
 * invariant checker and drives the clock to the end. Returns the first violation, if any.
 */
import { Cluster } from './cluster.js';
import { InvariantChecker, SimViolation } from './invariants.js';
import { Network } from './network.js';
import { Prng } from './prng.js';
import { generateScenario, type Scenario, type ScenarioOptions } from './scenario.js';

export interface RunOptions {
  readonly trace?: (line: string) => void;
  /** Canary: a node that hears nothing while the network claims to be connected. */
  readonly deafNode?: number;
}

export interface RunResult {
  readonly seed: number;
  readonly violation: SimViolation | undefined;
  readonly events: number;
  readonly convergedChecks: number;
  readonly crashChecks: number;
  readonly cluster: Cluster;
}

/** The network's PRNG stream is derived from the seed, apart from the scenario's. */
const NETWORK_STREAM = 0x5eed_0001;

export function buildCluster(s: Scenario, opts: RunOptions = {}): { cluster: Cluster; checker: InvariantChecker } {
  const network = new Network(s.params.length, new Prng((s.seed ^ NETWORK_STREAM) >>> 0), s.calmLink);
  if (opts.deafNode !== undefined) network.deafNode = opts.deafNode;
  const cluster = new Cluster(s.params, network);
  if (opts.trace !== undefined) cluster.trace = opts.trace;
  for (const { atUs, op } of s.ops) cluster.schedule(atUs, op);
  const checker = new InvariantChecker(cluster);
  cluster.observe(checker);
  return { cluster, checker };
}

export function runScenario(s: Scenario, opts: RunOptions = {}): RunResult {
  const { cluster, checker } = buildCluster(s, opts);
  let events = 0;
  cluster.observe({ beforeEvent: () => void events++, afterEvent: () => undefined });
  let violation: SimViolation | undefined;
  try {
    cluster.runUntil(s.durationUs);
  } catch (e) {
    if (!(e instanceof SimViolation)) throw e;
    violation = e;
  }
  return {
    seed: s.seed,
    violation,
    events,
    convergedChecks: checker.convergedChecks,
    crashChecks: checker.crashChecks,
    cluster,
  };
}

export function runSeed(seed: number, opts: RunOptions & ScenarioOptions = {}): RunResult {
  return runScenario(generateScenario(seed, opts), opts);
}

export function replayCommand(seed: number): string {
  return `npm run sim -- --seed=${seed} --verbose`;
}
