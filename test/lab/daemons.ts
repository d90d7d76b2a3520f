/** The daemon helpers now live in src/lab/daemons.ts (the demo uses them); re-exported for the tests. */
export * from '../../src/lab/daemons.js';
