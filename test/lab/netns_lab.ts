/**
 * The namespace lab now lives in src/lab/netns.ts (the demo ships it); this shim keeps the
 * tests' imports and adds the node:test-only helper.
 */
import type { TestContext } from 'node:test';
import { CI, labProblem } from '../../src/lab/netns.js';

export { CI, Lab, findTool, labProblem, type LabHost, type LabOptions } from '../../src/lab/netns.js';

/**
 * In CI a missing prerequisite fails the test; locally it skips with a loud message.
 * Returns true when the caller should return early.
 */
export function skipUnlessLab(t: TestContext, tools: readonly string[] = []): boolean {
  const problem = labProblem(tools);
  if (problem === undefined) return false;
  if (CI) throw new Error(`integration prerequisite missing in CI: ${problem}`);
  process.stderr.write(`\n*** SKIPPING ${t.name}: ${problem} ***\n\n`);
  t.skip(problem);
  return true;
}
