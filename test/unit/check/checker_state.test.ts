import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkerStep,
  firstRunDelayUs,
  initialCheckerState,
  type CheckerAction,
  type CheckerParams,
  type CheckerState,
} from '../../../src/check/checker_state.js';
import { miscRetrySuffix } from '../../../src/check/checker_text.js';

const S = 1_000_000;

function params(over: Partial<CheckerParams> = {}): CheckerParams {
  return {
    type: 'TCP_CHECK',
    rsText: '[10.0.0.2]:tcp:80',
    vsText: '[10.0.0.1]:tcp:80',
    retry: 1,
    delayLoopUs: 6 * S,
    delayBeforeRetryUs: 1 * S,
    warmupUs: 6 * S,
    alpha: false,
    logAllFailures: false,
    probeTimeoutUs: 5 * S,
    miscDynamic: false,
    miscScript: '/bin/check.sh',
    rsWeight: 1,
    ...over,
  };
}

/** Runs the due probe with result ok; returns the new state and the actions. */
function run(s: CheckerState, ok: boolean, detail?: string): { s: CheckerState; actions: CheckerAction[]; at: number } {
  const at = s.deadlineUs ?? 0;
  const t1 = checkerStep(s, { kind: 'timer' }, at);
  const http = s.params.type === 'HTTP_GET' || s.params.type === 'SSL_GET';
  assert.deepEqual(t1.actions, [
    http
      ? { kind: 'run_probe', timeoutUs: s.params.probeTimeoutUs, urlIndex: s.urlIndex }
      : { kind: 'run_probe', timeoutUs: s.params.probeTimeoutUs },
  ]);
  const ev = detail === undefined ? { kind: 'probe_result' as const, ok } : { kind: 'probe_result' as const, ok, detail };
  const t2 = checkerStep(t1.state, ev, at + 10);
  return { s: t2.state, actions: [...t2.actions], at };
}

function logs(actions: readonly CheckerAction[]): string[] {
  return actions.flatMap((a) => (a.kind === 'log' ? [a.text] : []));
}

function started(p: CheckerParams, random = 0): CheckerState {
  return checkerStep(initialCheckerState(p), { kind: 'start', random }, 0).state;
}

test('checkerStep() start: first run at 1 s + warmup × random (check_api.c register_checkers_thread)', () => {
  assert.equal(started(params(), 0).deadlineUs, 1 * S);
  assert.equal(started(params(), 0.5).deadlineUs, 4 * S);
  assert.equal(started(params({ warmupUs: 0 }), 0.9).deadlineUs, 1 * S);
  assert.equal(firstRunDelayUs(10, 0.99), S + 9);
});

test('checkerStep() timer before the deadline does nothing', () => {
  const s = started(params());
  assert.deepEqual(checkerStep(s, { kind: 'timer' }, S - 1), { state: s, actions: [] });
});

test('checkerStep() TCP: first success logs "TCP connection to ... success." and reports up', () => {
  const r = run(started(params()), true);
  assert.deepEqual(logs(r.actions), ['TCP connection to [10.0.0.2]:tcp:80 success.']);
  const rep = r.actions.find((a) => a.kind === 'report');
  assert.deepEqual(rep, { kind: 'report', up: true, wasUp: true, firstRun: true, alpha: false, smtpBody: undefined });
  assert.equal(r.s.deadlineUs, r.at + 10 + 6 * S);
});

test('checkerStep() TCP non-alpha: the first failure takes it down at once (retry_it starts at retry)', () => {
  const r = run(started(params({ retry: 3 })), false);
  assert.deepEqual(logs(r.actions), ['TCP_CHECK on service [10.0.0.2]:tcp:80 failed.']);
  assert.equal(r.s.isUp, false);
});

test('checkerStep() TCP up → down after retry+1 failures, delay_before_retry apart, "failed after N retries."', () => {
  let s = run(started(params({ retry: 2 })), true).s;
  let r = run(s, false);
  assert.equal(r.s.isUp, true);
  assert.equal(r.s.deadlineUs, r.at + 10 + 1 * S);
  r = run(r.s, false);
  assert.equal(r.s.isUp, true);
  r = run(r.s, false);
  assert.equal(r.s.isUp, false);
  assert.deepEqual(logs(r.actions), ['TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 2 retries.']);
  const rep = r.actions.find((a) => a.kind === 'report');
  assert.ok(rep?.kind === 'report' && rep.smtpBody === '=> TCP CHECK failed on service <=');
  s = r.s;
  assert.equal(s.deadlineUs, r.at + 10 + 6 * S);
});

test('checkerStep() a success between retries resets the count', () => {
  let s = run(started(params({ retry: 1 })), true).s;
  s = run(s, false).s;
  s = run(s, true).s;
  const r = run(s, false);
  assert.equal(r.s.isUp, true);
});

test('checkerStep() a down checker comes up on one success, mails "TCP CHECK succeed"', () => {
  const s = run(started(params({ retry: 0 })), false).s;
  const r = run(s, true);
  assert.equal(r.s.isUp, true);
  assert.deepEqual(logs(r.actions), ['TCP connection to [10.0.0.2]:tcp:80 success.']);
  const rep = r.actions.find((a) => a.kind === 'report');
  assert.ok(rep?.kind === 'report' && rep.smtpBody === '=> TCP CHECK succeed on service <=');
});

test('checkerStep() alpha: starts down; first failure reports down as a first run (RS notifies)', () => {
  const s = started(params({ alpha: true }));
  assert.equal(s.isUp, false);
  const r = run(s, false);
  assert.deepEqual(logs(r.actions), ['TCP_CHECK on service [10.0.0.2]:tcp:80 failed.']);
  const rep = r.actions.find((a) => a.kind === 'report');
  assert.deepEqual(rep, { kind: 'report', up: false, wasUp: false, firstRun: true, alpha: true, smtpBody: undefined });
});

test('checkerStep() TCP log_all_failures: "TCP connection to ... timeout." / "failed." while up', () => {
  const s = run(started(params({ logAllFailures: true, retry: 1 })), true).s;
  const r = run(s, false, 'timeout');
  assert.deepEqual(logs(r.actions), ['TCP connection to [10.0.0.2]:tcp:80 timeout.']);
  const r2 = run(r.s, false, 'refused');
  assert.deepEqual(logs(r2.actions), [
    'TCP connection to [10.0.0.2]:tcp:80 failed.',
    'TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries.',
  ]);
});

test('checkerStep() other types use their own lines (ICMP, UDP, HTTP)', () => {
  const ping = run(run(started(params({ type: 'PING_CHECK', retry: 0 })), true).s, false);
  assert.deepEqual(logs(ping.actions), ['ICMP CHECK on service [10.0.0.2]:tcp:80 failed.']);
  const udp = run(started(params({ type: 'UDP_CHECK' })), true);
  assert.deepEqual(logs(udp.actions), ['UDP connection to [10.0.0.2]:tcp:80 success.']);
  const http = run(started(params({ type: 'HTTP_GET' })), true);
  assert.deepEqual(logs(http.actions), ['Remote Web server [10.0.0.2]:tcp:80 succeed on service.']);
  let h = http.s;
  h = run(h, false).s;
  const hd = run(h, false);
  assert.equal(hd.s.failedUrl, true);
  assert.deepEqual(logs(hd.actions), ['HTTP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries.']);
  // HTTP waits max(delay_before_retry, delay_loop) after a failed cycle.
  assert.equal(hd.s.deadlineUs, hd.at + 10 + 6 * S);
});

test('checkerStep() a disabled checker (ha_suspend) skips its probe and waits delay_loop', () => {
  const s = checkerStep(started(params()), { kind: 'set_enabled', enabled: false }, 0).state;
  const t = checkerStep(s, { kind: 'timer' }, S);
  assert.deepEqual(t.actions, []);
  assert.equal(t.state.deadlineUs, 7 * S);
});

test('checkerStep() MISC: exit 0 succeeds, exit 1 fails "with retry disabled" (exited with status 1)', () => {
  const p = params({ type: 'MISC_CHECK', retry: 0 });
  let s = started(p);
  s = checkerStep(s, { kind: 'timer' }, S).state;
  let t = checkerStep(s, { kind: 'script_exited', status: 0 }, S + 5);
  assert.deepEqual(logs(t.actions), ['Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/check.sh] succeeded.']);
  // The next run is delay_loop after the start of this one.
  assert.equal(t.state.deadlineUs, 7 * S);
  s = checkerStep(t.state, { kind: 'timer' }, 7 * S).state;
  t = checkerStep(s, { kind: 'script_exited', status: 1 }, 7 * S + 5);
  assert.deepEqual(logs(t.actions), [
    'Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/check.sh] failed with retry disabled (exited with status 1).',
  ]);
  const rep = t.actions.find((a) => a.kind === 'report');
  assert.ok(rep?.kind === 'report' && !rep.up && rep.smtpBody === '=> MISC CHECK failed on service <=');
});

test('checkerStep() MISC timeout is "timed out" with no reason', () => {
  let s = started(params({ type: 'MISC_CHECK', retry: 0 }));
  s = checkerStep(s, { kind: 'timer' }, S).state;
  const t = checkerStep(s, { kind: 'script_killed', signal: 15, timedOut: true }, S + 5);
  assert.deepEqual(logs(t.actions), [
    'Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/check.sh] timed out with retry disabled.',
  ]);
});

test('checkerStep() MISC misc_dynamic: exit 2..255 is up with weight exit-2 (cur_weight = exit-2-iweight)', () => {
  let s = started(params({ type: 'MISC_CHECK', miscDynamic: true, rsWeight: 3, retry: 0 }));
  s = checkerStep(s, { kind: 'timer' }, S).state;
  const t = checkerStep(s, { kind: 'script_exited', status: 12 }, S + 5);
  assert.deepEqual(t.actions[0], { kind: 'change_weight', delta: 7, apply: true });
  assert.equal(t.state.curWeight, 7);
  // Same exit code again: no weight change.
  s = checkerStep(t.state, { kind: 'timer' }, 7 * S).state;
  const t2 = checkerStep(s, { kind: 'script_exited', status: 12 }, 7 * S + 5);
  assert.equal(t2.actions.filter((a) => a.kind === 'change_weight').length, 0);
  // Exit 1 on an up checker with retry 0: down, and the dynamic part is taken back out.
  s = checkerStep(t2.state, { kind: 'timer' }, 13 * S).state;
  const t3 = checkerStep(s, { kind: 'script_exited', status: 1 }, 13 * S + 5);
  assert.deepEqual(t3.actions[0], { kind: 'change_weight', delta: -7, apply: false });
  assert.equal(t3.state.isUp, false);
});

test('miscRetrySuffix() follows check_misc.c', () => {
  assert.equal(miscRetrySuffix(0, 0), ' with retry disabled');
  assert.equal(miscRetrySuffix(1, 1), ', will do 1 retry');
  assert.equal(miscRetrySuffix(3, 1), ', will do 3 retries');
  assert.equal(miscRetrySuffix(3, 3), ' on retry 2/3');
  assert.equal(miscRetrySuffix(3, 0), ' after 3 retries');
});

test('property: an up checker goes down after exactly retry+1 consecutive failed probes', () => {
  const types = ['TCP_CHECK', 'PING_CHECK', 'UDP_CHECK', 'HTTP_GET', 'SMTP_CHECK', 'DNS_CHECK'] as const;
  fc.assert(
    fc.property(fc.constantFrom(...types), fc.integer({ min: 0, max: 6 }), (type, retry) => {
      let s = run(started(params({ type, retry })), true).s;
      assert.equal(s.isUp, true);
      for (let i = 0; i < retry; i++) {
        s = run(s, false).s;
        assert.equal(s.isUp, true);
      }
      s = run(s, false).s;
      assert.equal(s.isUp, false);
    }),
  );
});

test('property: results never move time backwards and a down checker comes up on the first success', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { maxLength: 40 }), fc.integer({ min: 0, max: 4 }), (results, retry) => {
      let s = started(params({ retry }));
      let last = 0;
      for (const ok of results) {
        const wasUp = s.isUp;
        const r = run(s, ok);
        assert.ok(r.at >= last);
        last = r.at;
        if (ok) assert.equal(r.s.isUp, true);
        if (!wasUp && !ok) assert.equal(r.s.isUp, false);
        // Exactly one report whenever the state flips.
        const reports = r.actions.filter((a) => a.kind === 'report').length;
        if (wasUp !== r.s.isUp) assert.equal(reports, 1);
        s = r.s;
      }
    }),
  );
});

/** HTTP_GET with `n` urls; url i passes by its status code. */
function httpParams(n: number, over: Partial<CheckerParams> = {}): CheckerParams {
  const httpUrls = Array.from({ length: n }, (_v, i) => ({ path: `/u${i}`, passText: 'HTTP status code' as const }));
  return params({ type: 'HTTP_GET', retry: 1, delayBeforeRetryUs: 3 * S, delayLoopUs: 6 * S, httpUrls, ...over });
}

/** The gap the state machine leaves before its next probe. */
function gap(r: { s: CheckerState; at: number }): number {
  return (r.s.deadlineUs ?? NaN) - (r.at + 10);
}

test('checkerStep() HTTP: one url per probe, delay_loop apart; the cycle ends with "succeed on service"', () => {
  let r = run(started(httpParams(3)), true);
  assert.equal(r.s.urlIndex, 1);
  assert.equal(r.s.hasRun, false);
  assert.equal(gap(r), 6 * S);
  assert.deepEqual(r.actions, []);
  r = run(r.s, true);
  r = run(r.s, true);
  assert.deepEqual(logs(r.actions), ['Remote Web server [10.0.0.2]:tcp:80 succeed on service.']);
  assert.equal(r.s.urlIndex, 0);
  assert.equal(r.s.hasRun, true);
});

test('checkerStep() HTTP: a failing url is retried in place; past retry it goes down and is marked', () => {
  let s = run(run(started(httpParams(2)), true).s, true).s; // up, cycle done
  let r = run(s, true); // url 0 ok → url 1
  r = run(r.s, false, 'HTTP status code 500 for /u1');
  assert.equal(r.s.isUp, true);
  assert.equal(r.s.urlIndex, 1);
  assert.equal(gap(r), 3 * S);
  r = run(r.s, false);
  assert.deepEqual(logs(r.actions), ['HTTP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries.']);
  const rep = r.actions.find((a) => a.kind === 'report');
  assert.deepEqual(rep, {
    kind: 'report', up: false, wasUp: true, firstRun: false, alpha: false,
    smtpBody: '=> CHECK failed on service : HTTP request failed <=',
  });
  assert.equal(r.s.failedUrl, true);
  assert.equal(r.s.urlIndex, 1);
  assert.equal(gap(r), 6 * S); // max(delay_before_retry, delay_loop)
  // Down: the marked url fails again without retries and without logs.
  s = run(r.s, false).s;
  assert.equal(s.urlIndex, 1);
  assert.equal(s.retryIt, 2); // keepalived leaves retry_it past retry until a url passes
});

test('checkerStep() HTTP recovery without fast_recovery: failed url passes, then a whole cycle, delay_loop apart', () => {
  let s = run(started(httpParams(1)), true).s;
  s = run(run(s, false).s, false).s;
  assert.equal(s.isUp, false);
  let r = run(s, true);
  // The failed url passing clears the mark but is not a complete cycle (check_http.c epilog).
  assert.equal(r.s.isUp, false);
  assert.equal(r.s.failedUrl, false);
  assert.deepEqual(logs(r.actions), ['HTTP status code success to [10.0.0.2]:tcp:80 url(/u0)']);
  assert.equal(gap(r), 6 * S);
  r = run(r.s, true);
  assert.equal(r.s.isUp, true);
  assert.deepEqual(logs(r.actions), [
    'HTTP status code success to [10.0.0.2]:tcp:80 url(/u0)',
    'Remote Web server [10.0.0.2]:tcp:80 succeed on service.',
  ]);
  const rep = r.actions.find((a) => a.kind === 'report');
  assert.deepEqual(rep, { kind: 'report', up: true, wasUp: false, firstRun: false, alpha: false, smtpBody: '=> CHECK succeed on service <=' });
});

test('checkerStep() HTTP fast_recovery: no delay at start-up and after the failed url recovers', () => {
  const p = httpParams(3, { fastRecovery: true });
  // Start-up: urls 0 and 1 pass with no delay before the next; after the cycle, delay_loop.
  let r = run(started(p), true);
  assert.equal(gap(r), 0);
  r = run(r.s, true);
  assert.equal(gap(r), 0);
  r = run(r.s, true);
  assert.equal(r.s.isUp, true);
  assert.equal(gap(r), 6 * S);
  // Up: a failure waits delay_before_retry, going down waits max(dbr, delay_loop).
  r = run(r.s, false);
  assert.equal(gap(r), 3 * S);
  r = run(r.s, false);
  assert.equal(r.s.isUp, false);
  assert.equal(gap(r), 6 * S);
  // Still failing: the marked url waits too.
  r = run(r.s, false);
  assert.equal(gap(r), 6 * S);
  // Recovery: every url at once, up after the cycle.
  r = run(r.s, true);
  assert.equal(gap(r), 0);
  r = run(r.s, true);
  assert.equal(gap(r), 0);
  r = run(r.s, true);
  assert.equal(gap(r), 0);
  r = run(r.s, true);
  assert.equal(r.s.isUp, true);
  assert.equal(gap(r), 6 * S);
});

test('checkerStep() HTTP fast_recovery: a url failing in the recovery cycle is re-checked at once (keepalived-compat)', () => {
  const p = httpParams(2, { fastRecovery: true });
  let s = run(run(started(p), true).s, true).s;
  s = run(run(s, false).s, false).s; // url 0 down, marked
  s = run(s, true).s; // url 0 recovered → cycle from url 0
  let r = run(s, false); // url 0 fails in the cycle: not marked, no retry count
  assert.equal(r.s.failedUrl, false);
  assert.equal(gap(r), 0);
  const noFast = httpParams(2);
  s = run(run(started(noFast), true).s, true).s;
  s = run(run(s, false).s, false).s;
  s = run(s, true).s;
  r = run(s, false);
  assert.equal(gap(r), 3 * S); // delay_before_retry
});

test('checkerStep() HTTP: non-alpha first failure goes down at once; alpha first failure reports nothing', () => {
  let r = run(started(httpParams(1, { retry: 2 })), false);
  assert.deepEqual(logs(r.actions), ['HTTP_CHECK on service [10.0.0.2]:tcp:80 failed after 2 retries.']);
  assert.equal(r.s.isUp, false);
  r = run(started(httpParams(1, { alpha: true })), false);
  assert.deepEqual(r.actions, []);
  assert.equal(r.s.failedUrl, true);
  // Alpha comes up after the marked url passes and then a full cycle.
  r = run(r.s, true);
  assert.equal(r.s.isUp, false);
  r = run(r.s, true);
  assert.equal(r.s.isUp, true);
});

test('property: HTTP with fast_recovery never waits between probes while down with no url marked', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      fc.array(fc.boolean(), { maxLength: 60 }),
      (n, retry, fast, results) => {
        let s = started(httpParams(n, { retry, fastRecovery: fast }));
        for (const ok of results) {
          const r = run(s, ok);
          assert.ok(r.s.urlIndex >= 0 && r.s.urlIndex < n);
          const g = gap(r);
          if (fast && (!r.s.hasRun || (!r.s.isUp && !r.s.failedUrl))) assert.equal(g, 0);
          else assert.ok(g === 6 * S || g === 3 * S, `gap ${g}`);
          // Coming up needs the last url to pass with no url marked failed (a url that
          // fails during the recovery cycle is re-checked, not the cycle restarted).
          if (!s.isUp && r.s.isUp) assert.ok(ok && s.urlIndex === n - 1 && !s.failedUrl);
          // The marked url passing only clears the mark.
          if (s.failedUrl && !s.isUp && ok) assert.ok(!r.s.isUp && !r.s.failedUrl && r.s.urlIndex === 0);
          s = r.s;
        }
      },
    ),
  );
});
