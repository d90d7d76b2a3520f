import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  carryOverOnReload,
  exitOfSignal,
  initialScriptState,
  nextRunDueUs,
  nextWakeUs,
  onScriptDeadline,
  onScriptExit,
  overlapLogLine,
  SIGKILL,
  SIGTERM,
  timeoutDeadlineUs,
  trackResultOf,
  type ScriptExit,
  type ScriptResultState,
} from '../../../src/vrrp/script_result.js';

const OK: ScriptExit = { exitStatus: 0 };
const FAIL: ScriptExit = { exitStatus: 1 };

interface Cfg {
  readonly rise: number;
  readonly fall: number;
  readonly initFail?: boolean;
}

/** Runs a sequence of exits from the start-up state; returns results, transitions and logs. */
function run(cfg: Cfg, exits: readonly ScriptExit[], isTracked = true) {
  const script = { name: 'chk', rise: cfg.rise, fall: cfg.fall, initFail: cfg.initFail ?? false };
  let state: ScriptResultState = initialScriptState(script, { isTracked, isReload: false });
  const results: string[] = [];
  const transitions: string[] = [];
  const logs: string[] = [];
  for (const exit of exits) {
    const out = onScriptExit(state, exit, script);
    state = out.state;
    results.push(state.result);
    transitions.push(out.transition ?? '-');
    logs.push(...out.logLines);
  }
  return { state, results, transitions, logs };
}

const HYSTERESIS: readonly {
  readonly name: string;
  readonly cfg: Cfg;
  readonly exits: readonly ScriptExit[];
  readonly results: readonly string[];
}[] = [
  {
    name: 'the first success is enough from start-up, whatever rise says ("one success is enough")',
    cfg: { rise: 3, fall: 1 },
    exits: [OK],
    results: ['good'],
  },
  {
    name: 'the first failure from start-up is bad at once, whatever fall says',
    cfg: { rise: 1, fall: 3 },
    exits: [FAIL],
    results: ['bad'],
  },
  {
    name: 'fall 2 needs two consecutive failures to go bad',
    cfg: { rise: 1, fall: 2 },
    exits: [OK, FAIL, OK, FAIL, FAIL],
    results: ['good', 'good', 'good', 'good', 'bad'],
  },
  {
    name: 'rise 3 needs three consecutive successes to come back',
    cfg: { rise: 3, fall: 1 },
    exits: [FAIL, OK, OK, FAIL, OK, OK, OK],
    results: ['bad', 'bad', 'bad', 'bad', 'bad', 'bad', 'good'],
  },
  {
    name: 'a failure while rising restarts the count from zero',
    cfg: { rise: 2, fall: 2 },
    exits: [FAIL, OK, FAIL, OK, OK],
    results: ['bad', 'bad', 'bad', 'bad', 'good'],
  },
  {
    name: 'a success while falling jumps back to fully good',
    cfg: { rise: 1, fall: 3 },
    exits: [OK, FAIL, FAIL, OK, FAIL, FAIL, FAIL],
    results: ['good', 'good', 'good', 'good', 'good', 'good', 'bad'],
  },
  {
    name: 'a timeout counts as a failure',
    cfg: { rise: 1, fall: 1 },
    exits: [OK, { timedOut: true }],
    results: ['good', 'bad'],
  },
  {
    name: 'a death by signal counts as a failure',
    cfg: { rise: 1, fall: 1 },
    exits: [OK, { signal: 11 }],
    results: ['good', 'bad'],
  },
];

for (const row of HYSTERESIS) {
  test(`onScriptExit(): ${row.name} (vrrp_scheduler.c vrrp_script_child_thread)`, () => {
    assert.deepEqual(run(row.cfg, row.exits).results, row.results);
  });
}

test('initialScriptState() is unknown until the first run, and tracking sees "unknown"', () => {
  const s = initialScriptState({ rise: 2, fall: 2, initFail: false }, { isTracked: true, isReload: false });
  assert.deepEqual(s, { result: 'unknown', hysteresisCount: 1, initState: 'init', lastExitStatus: 0 });
  assert.equal(trackResultOf(s), 'unknown');
  const r = initialScriptState({ rise: 2, fall: 2, initFail: false }, { isTracked: true, isReload: true });
  assert.equal(trackResultOf(r), 'unknown_after_reload');
});

test('initialScriptState() with init_fail starts bad, but only for an untracked script (2.2.7 alloc_track_script resets it)', () => {
  const cfg = { rise: 2, fall: 2, initFail: true };
  const untracked = initialScriptState(cfg, { isTracked: false, isReload: false });
  assert.deepEqual([untracked.result, untracked.hysteresisCount], ['bad', 0]);
  const tracked = initialScriptState(cfg, { isTracked: true, isReload: false });
  assert.equal(tracked.result, 'unknown');
});

test('onScriptExit() from init_fail needs rise successes and logs no failure while still bad', () => {
  const r = run({ rise: 2, fall: 1, initFail: true }, [FAIL, OK, OK], false);
  assert.deepEqual(r.results, ['bad', 'bad', 'good']);
  assert.deepEqual(r.transitions, ['-', '-', 'became_good']);
  assert.deepEqual(r.logs, ['Script `chk` now returning 1', 'Script `chk` now returning 0', 'VRRP_Script(chk) succeeded']);
});

test('onScriptExit() logs "now returning" on each exit-status change, including the first non-zero', () => {
  const r = run({ rise: 1, fall: 1 }, [OK, FAIL, { exitStatus: 2 }, { exitStatus: 2 }, OK]);
  assert.deepEqual(r.logs, [
    'VRRP_Script(chk) succeeded',
    'Script `chk` now returning 1',
    'VRRP_Script(chk) failed (exited with status 1)',
    'Script `chk` now returning 2',
    'Script `chk` now returning 0',
    'VRRP_Script(chk) succeeded',
  ]);
  assert.deepEqual(r.transitions, ['became_good', 'became_bad', '-', '-', 'became_good']);
});

test('onScriptExit() logs succeeded/failed only when the result changes', () => {
  const r = run({ rise: 1, fall: 2 }, [OK, OK, FAIL, FAIL, FAIL]);
  assert.deepEqual(r.logs, [
    'VRRP_Script(chk) succeeded',
    'Script `chk` now returning 1',
    'VRRP_Script(chk) failed (exited with status 1)',
  ]);
});

test('onScriptExit() logs timed_out and "due to signal" without a "now returning" line', () => {
  assert.deepEqual(run({ rise: 1, fall: 1 }, [OK, { timedOut: true }]).logs, [
    'VRRP_Script(chk) succeeded',
    'VRRP_Script(chk) timed_out',
  ]);
  assert.deepEqual(run({ rise: 1, fall: 1 }, [{ signal: 9 }]).logs, ['VRRP_Script(chk) failed (due to signal 9)']);
});

test('onScriptExit() remembers the last exit status across time-outs', () => {
  const r = run({ rise: 1, fall: 1 }, [FAIL, { timedOut: true }, FAIL]);
  assert.equal(r.logs.filter((l) => l.startsWith('Script')).length, 1);
  assert.equal(r.state.lastExitStatus, 1);
});

test('exitOfSignal() counts only the signal we sent to end an overrun as timed_out', () => {
  assert.deepEqual(exitOfSignal(SIGTERM, 'requesting_termination'), { timedOut: true });
  assert.deepEqual(exitOfSignal(SIGKILL, 'forcing_termination'), { timedOut: true });
  assert.deepEqual(exitOfSignal(SIGTERM, 'forcing_termination'), { timedOut: true });
  assert.deepEqual(exitOfSignal(SIGKILL, 'requesting_termination'), { signal: SIGKILL });
  assert.deepEqual(exitOfSignal(SIGTERM, 'running'), { signal: SIGTERM });
});

test('carryOverOnReload() keeps a good script good and maps its count into the new rise/fall', () => {
  const good = run({ rise: 1, fall: 3 }, [OK]).state;
  const out = carryOverOnReload(good, { rise: 1, fall: 3 }, { name: 'chk', rise: 2, fall: 2 });
  assert.deepEqual([out.state.result, out.state.hysteresisCount], ['good', 3]);
  assert.deepEqual(out.logLines, ['VRRP_Script(chk) considered successful on reload']);
  const bad = run({ rise: 1, fall: 1 }, [FAIL]).state;
  const outBad = carryOverOnReload(bad, { rise: 1, fall: 1 }, { name: 'chk', rise: 3, fall: 1 });
  assert.deepEqual([outBad.state.result, outBad.state.hysteresisCount], ['bad', 0]);
  assert.deepEqual(outBad.logLines, ['VRRP_Script(chk) considered unsuccessful on reload']);
});

test('carryOverOnReload() leaves a script with no result yet waiting, without a log line', () => {
  const s = initialScriptState({ rise: 1, fall: 1, initFail: false }, { isTracked: true, isReload: false });
  const out = carryOverOnReload(s, { rise: 1, fall: 1 }, { name: 'chk', rise: 4, fall: 1 });
  assert.deepEqual([out.state.result, out.state.hysteresisCount, out.logLines], ['unknown', 3, []]);
});

test('nextRunDueUs() is one interval after the previous start, however long the run took', () => {
  assert.equal(nextRunDueUs(5_000_000, 2_000_000), 7_000_000);
});

test('timeoutDeadlineUs() uses the timeout, or the interval when no timeout is set', () => {
  assert.equal(timeoutDeadlineUs(1_000_000, { intervalUs: 2_000_000, timeoutUs: 500_000 }), 1_500_000);
  assert.equal(timeoutDeadlineUs(1_000_000, { intervalUs: 2_000_000, timeoutUs: 0 }), 3_000_000);
});

test('onScriptDeadline() escalates SIGTERM, then SIGKILL after 2 s, then SIGKILL every 10 s', () => {
  const at = { nowUs: 10_000_000, scriptName: 'chk', pid: 42 };
  const a = onScriptDeadline('running', at);
  assert.deepEqual([a.phase, a.signal, a.deadlineUs, a.logLines], ['requesting_termination', SIGTERM, 12_000_000, []]);
  const b = onScriptDeadline(a.phase, { ...at, nowUs: a.deadlineUs });
  assert.deepEqual([b.phase, b.signal, b.deadlineUs], ['forcing_termination', SIGKILL, 14_000_000]);
  const c = onScriptDeadline(b.phase, { ...at, nowUs: b.deadlineUs });
  assert.deepEqual([c.signal, c.deadlineUs], [SIGKILL, 24_000_000]);
  assert.deepEqual(c.logLines, ['Script chk child (PID 42) failed to terminate after kill']);
});

test('nextWakeUs() is the earlier of the next run and the kill deadline', () => {
  assert.equal(nextWakeUs({ nextRunUs: 7_000_000, killDeadlineUs: 6_000_000 }), 6_000_000);
  assert.equal(nextWakeUs({ nextRunUs: 7_000_000, killDeadlineUs: undefined }), 7_000_000);
});

test('overlapLogLine() gives keepalived\'s text for a run due while the previous is going', () => {
  assert.equal(overlapLogLine('chk', 'running'), 'Track script chk is already running, expect idle - skipping run');
  assert.equal(
    overlapLogLine('chk', 'requesting_termination'),
    'Track script chk is being timed out, expect idle - skipping run',
  );
});
