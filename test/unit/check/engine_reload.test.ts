import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { desiredDataPlane, type EngineAction } from '../../../src/check/check_engine.js';
import { engineReload, sameChecker } from '../../../src/check/engine_reload.js';
import { BOOTSTRAP_DELAY_US } from '../../../src/check/checker_state.js';
import { Harness, planFrom, tcpService, S } from './check_fixture.js';
import { parseText } from '../config/lvs_fixture.js';

const groupsOf = (text: string) => parseText(text).lvs.virtualServerGroups;

const TCP = '    TCP_CHECK {\n      connect_timeout 3\n      retry 1\n      delay_before_retry 1\n    }';
const VS = '[10.0.0.1]:tcp:80';

/** The old harness reloaded with `text`: a harness on the new plan, holding the reload's actions. */
function reload(h: Harness, text: string, random = 0): Harness {
  const plan = planFrom(text);
  const t = engineReload(h.plan, h.state, plan, { nowUs: h.nowUs, random: () => random });
  const next = new Harness(plan);
  next.state = t.state;
  next.nowUs = h.nowUs;
  next.actions.push(...t.actions);
  return next;
}

function weights(h: Harness): Array<[string, number]> {
  const svc = desiredDataPlane(h.plan, h.state).services[0];
  return (svc?.destinations ?? []).map((d) => [d.address, d.weight]);
}

function notActivating(h: Harness): EngineAction[] {
  return h.actions.filter((a) => !(a.kind === 'log' && /^(A|Dea)ctivating healthchecker /.test(a.text)));
}

function brief(a: EngineAction): string {
  switch (a.kind) {
    case 'log':
      return `log ${a.text}`;
    case 'run_script':
      return `run_script ${a.argv.join(' ')}${a.killAfterUs === undefined ? '' : ` (kill after ${a.killAfterUs})`}`;
    case 'fifo':
      return `fifo ${a.line}`;
    case 'smtp':
      return `smtp ${a.subject}: ${a.body}`;
    case 'run_probe':
      return `run_probe ${a.checkerId}`;
  }
}

function activating(rs: readonly string[]): string[] {
  return rs.map((a) => `Activating healthchecker for service [${a}]:tcp:80 for VS ${VS}`);
}

test('reload with the same configuration keeps every state and only re-registers the checkers', () => {
  const text = tcpService(TCP, '', 3);
  const h = new Harness(planFrom(text)).start();
  h.probe(0, true);
  h.probe(1, false);
  h.probe(1, false); // 10.0.0.3 is down
  h.clear();
  h.nowUs += 7 * S;
  const r = reload(h, text, 0.5);
  assert.deepEqual(r.logs(), activating(['10.0.0.2', '10.0.0.3', '10.0.0.4']));
  assert.deepEqual(r.state.virtualServers, h.state.virtualServers);
  assert.deepEqual(weights(r), weights(h));
  assert.deepEqual(desiredDataPlane(r.plan, r.state), desiredDataPlane(h.plan, h.state));
  r.state.checkers.forEach((slot, id) => {
    const before = h.state.checkers[id]?.timed;
    assert.equal(slot.timed?.isUp, before?.isUp);
    assert.equal(slot.timed?.hasRun, before?.hasRun);
    // keepalived re-registers every checker: first run at 1 s + warmup × random.
    assert.equal(slot.timed?.deadlineUs, r.nowUs + BOOTSTRAP_DELAY_US + Math.floor((slot.timed?.params.warmupUs ?? 0) * 0.5));
  });
});

test('reload: a removed real server goes with keepalived lines and its notify_down, the others stay', () => {
  const body = `${TCP}\n    notify_down "/bin/down.sh x"`;
  const h = new Harness(planFrom(tcpService(body, '', 2))).start();
  h.clear();
  const r = reload(h, tcpService(body, '', 1));
  assert.deepEqual(notActivating(r).map(brief), [
    'log service [10.0.0.3]:tcp:80 no longer exist',
    `log Removing service [10.0.0.3]:tcp:80 from VS ${VS}`,
    'run_script /bin/down.sh x',
    `fifo RS [10.0.0.3]:tcp:80 ${VS} DOWN\n`,
  ]);
  assert.deepEqual(weights(r), [['10.0.0.2', 1]]);
});

test('reload: a new real server starts as at boot (non-alpha: in the pool at once; alpha: after a success)', () => {
  const h = new Harness(planFrom(tcpService(TCP, '', 1))).start();
  h.clear();
  const r = reload(h, tcpService(TCP, '', 2));
  assert.deepEqual(r.logs(), activating(['10.0.0.2', '10.0.0.3']));
  assert.deepEqual(weights(r), [['10.0.0.2', 1], ['10.0.0.3', 1]]);
  // On a reload a new checker has no retry done (retry_it 0): it goes down after retry + 1 failures.
  r.probe(1, false);
  assert.deepEqual(weights(r), [['10.0.0.2', 1], ['10.0.0.3', 1]]);
  r.probe(1, false);
  assert.deepEqual(weights(r), [['10.0.0.2', 1]]);

  const alpha = reload(h, tcpService(`${TCP}\n    alpha`, '', 2).replace('real_server 10.0.0.2 80 {\n' + `${TCP}\n    alpha`, 'real_server 10.0.0.2 80 {\n' + TCP));
  assert.deepEqual(weights(alpha), [['10.0.0.2', 1]]);
  alpha.probe(1, true);
  assert.ok(alpha.logs().includes(`Adding service [10.0.0.3]:tcp:80 to VS ${VS}`));
  assert.deepEqual(weights(alpha), [['10.0.0.2', 1], ['10.0.0.3', 1]]);
});

test('reload: a DOWN real server whose checker is unchanged stays DOWN, and comes back on success', () => {
  const h = new Harness(planFrom(tcpService(TCP, '', 2))).start();
  h.probe(1, true);
  h.probe(1, false);
  h.probe(1, false);
  assert.deepEqual(weights(h), [['10.0.0.2', 1]]);
  h.clear();
  // A change elsewhere (the other server's weight) does not touch it.
  const text = tcpService(TCP, '', 2).replace('real_server 10.0.0.2 80 {\n', 'real_server 10.0.0.2 80 {\n    weight 2\n');
  const r = reload(h, text);
  assert.deepEqual(weights(r), [['10.0.0.2', 2]]);
  assert.equal(r.state.virtualServers[0]?.realServers[1]?.alive, false);
  assert.equal(r.state.virtualServers[0]?.realServers[1]?.numFailedCheckers, 1);
  assert.equal(r.state.checkers[1]?.timed?.isUp, false);
  r.clear();
  r.probe(1, true);
  assert.ok(r.logs().includes(`Adding service [10.0.0.3]:tcp:80 to VS ${VS}`));
  assert.deepEqual(weights(r), [['10.0.0.2', 2], ['10.0.0.3', 1]]);
});

test('reload: a changed checker starts fresh; a DOWN server is added back (non-alpha) or kept out (alpha)', () => {
  const h = new Harness(planFrom(tcpService(TCP, '', 1))).start();
  h.probe(0, false);
  assert.deepEqual(weights(h), []);
  h.clear();
  const changed = TCP.replace('connect_timeout 3', 'connect_timeout 4');
  const r = reload(h, tcpService(changed, '', 1));
  // migrate_checkers: no failed checker and none has run → perform_svr_state(UP).
  assert.deepEqual(r.logs().slice(0, 1), [`Adding service [10.0.0.2]:tcp:80 to VS ${VS}`]);
  assert.deepEqual(weights(r), [['10.0.0.2', 1]]);
  // …and its new checker goes down on its first failure ("one failure is enough").
  r.probe(0, false);
  assert.deepEqual(weights(r), []);

  const a = reload(h, tcpService(`${changed}\n    alpha`, '', 1));
  assert.deepEqual(weights(a), []);
  assert.equal(a.state.virtualServers[0]?.realServers[0]?.numFailedCheckers, 1);
  a.probe(0, true);
  assert.deepEqual(weights(a), [['10.0.0.2', 1]]);
});

test('reload: timers are not compared (same checker) and the retry count is capped at retry − 1', () => {
  const retry3 = TCP.replace('retry 1', 'retry 3');
  const h = new Harness(planFrom(tcpService(retry3))).start();
  h.probe(0, true);
  h.probe(0, false);
  h.probe(0, false);
  assert.equal(h.state.checkers[0]?.timed?.retryIt, 2);
  const slower = retry3.replace('delay_before_retry 1', 'delay_before_retry 2');
  assert.ok(sameChecker(h.plan.checkers[0]!.config, planFrom(tcpService(slower)).checkers[0]!.config));
  assert.equal(reload(h, tcpService(slower)).state.checkers[0]?.timed?.retryIt, 2);
  const r = reload(h, tcpService(TCP));
  assert.equal(r.state.checkers[0]?.timed?.retryIt, 0);
  assert.equal(r.state.checkers[0]?.timed?.params.retry, 1);
  assert.deepEqual(weights(r), [['10.0.0.2', 1]]);
});

test('reload: a weight change logs "Changing weight" and the kernel weight follows', () => {
  const h = new Harness(planFrom(tcpService(TCP, '', 2))).start();
  h.clear();
  const text = tcpService(TCP, '', 2).replace('real_server 10.0.0.3 80 {\n', 'real_server 10.0.0.3 80 {\n    weight 3\n');
  const r = reload(h, text);
  assert.deepEqual(r.logs().slice(0, 1), [
    `Changing weight from 1 to 3 for active service [10.0.0.3]:tcp:80 of VS ${VS}`,
  ]);
  assert.deepEqual(weights(r), [['10.0.0.2', 1], ['10.0.0.3', 3]]);
});

test('reload: scheduler and persistence changes edit the service, silently', () => {
  const h = new Harness(planFrom(tcpService(TCP))).start();
  h.clear();
  const r = reload(h, tcpService(TCP, '  persistence_timeout 30').replace('lb_algo rr', 'lb_algo wrr'));
  assert.deepEqual(notActivating(r), []);
  const svc = desiredDataPlane(r.plan, r.state).services[0];
  assert.equal(svc?.scheduler, 'wrr');
  assert.equal(svc?.persistenceTimeoutS, 30);
});

test('reload: a removed virtual server logs "Removing Virtual Server" and notifies even without omega', () => {
  const one = tcpService(`${TCP}\n    notify_down /bin/down.sh`, '  quorum_down /bin/qdown.sh');
  const two = one + tcpService(TCP).replace(/10\.0\.0\.1 80/, '10.0.0.1 81');
  const h = new Harness(planFrom(two)).start();
  h.clear();
  const r = reload(h, tcpService(TCP).replace(/10\.0\.0\.1 80/, '10.0.0.1 81'));
  assert.deepEqual(r.logs(), [
    `Removing Virtual Server ${VS}`,
    `Removing service [10.0.0.2]:tcp:80 from VS ${VS}`,
    'Activating healthchecker for service [10.0.0.2]:tcp:80 for VS [10.0.0.1]:tcp:81',
  ]);
  const scripts = r.actions.flatMap((a) => (a.kind === 'run_script' ? [[a.argv[0], a.killAfterUs]] : []));
  assert.deepEqual(scripts, [['/bin/down.sh', undefined], ['/bin/qdown.sh', undefined]]);
  const fifo = r.actions.flatMap((a) => (a.kind === 'fifo' ? [a.line] : []));
  assert.deepEqual(fifo, [`RS [10.0.0.2]:tcp:80 ${VS} DOWN\n`, `VS ${VS} DOWN\n`]);
  const services = desiredDataPlane(r.plan, r.state).services;
  assert.deepEqual(services.map((s) => (s.key.kind === 'address' ? s.key.port : 0)), [81]);
  // The kept virtual server (port 81) kept its runtime.
  assert.deepEqual(r.state.virtualServers[0], h.state.virtualServers[1]);
});

test('reload: a changed sorry server is removed from the pool ("Removing sorry server")', () => {
  const h = new Harness(planFrom(tcpService(TCP, '  sorry_server 10.0.0.9 80'))).start();
  h.probe(0, false);
  assert.deepEqual(weights(h), [['10.0.0.9', 1]]);
  h.clear();
  const r = reload(h, tcpService(TCP, '  sorry_server 10.0.0.8 80'));
  // init_service_vs → update_quorum_state(init): the new sorry server takes over.
  assert.deepEqual(r.logs().slice(0, 4), [
    `Removing sorry server [10.0.0.9]:tcp:80 from VS ${VS}`,
    `Starting with quorum down 1-0=1 > 0 for VS ${VS}`,
    `Adding sorry server [10.0.0.8]:tcp:80 to VS ${VS}`,
    `Removing alive servers from the pool for VS ${VS}`,
  ]);
  assert.deepEqual(weights(r), [['10.0.0.8', 1]]);
});

test('reload: group members that leave or join a kept group are logged', () => {
  const group = (members: string) =>
    `virtual_server_group G {\n${members}}\nvirtual_server group G {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n` +
    `  real_server 10.0.1.2 80 {\n${TCP}\n  }\n}\n`;
  const oldText = group('  10.0.0.10 80\n  10.0.0.20-21 80\n');
  const newText = group('  10.0.0.10 80\n  fwmark 4\n');
  const h = new Harness(planFrom(oldText)).start();
  const plan = planFrom(newText);
  const t = engineReload(h.plan, h.state, plan, { nowUs: 0, random: () => 0, groups: { old: groupsOf(oldText), new: groupsOf(newText) } });
  const logs = t.actions.flatMap((a) => (a.kind === 'log' ? [a.text] : []));
  assert.deepEqual(logs, [
    'VS [[10.0.0.20]:tcp:80-10.0.0.21] in group G no longer exists',
    'VS [FWM 4] added into group G',
    'Activating healthchecker for service [10.0.1.2]:tcp:80 for VS [G]:0',
  ]);
  const keys = desiredDataPlane(plan, t.state).services.map((s) => (s.key.kind === 'fwmark' ? `fwm${s.key.fwmark}` : s.key.address));
  assert.deepEqual(keys, ['10.0.0.10', 'fwm4']);
});

/** A configuration of `n` real servers 10.0.0.2.. with TCP checks (retry `retry`). */
function config(rs: readonly { readonly host: number; readonly weight: number; readonly timeout: number }[], retry: number): string {
  const servers = rs
    .map(
      (s) =>
        `  real_server 10.0.0.${s.host} 80 {\n    weight ${s.weight}\n` +
        `    TCP_CHECK {\n      connect_timeout ${s.timeout}\n      retry ${retry}\n      delay_before_retry 1\n    }\n  }`,
    )
    .join('\n');
  return `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo wrr\n  lb_kind NAT\n  delay_loop 6\n${servers}\n}\n`;
}

const serverArb = fc.record({
  host: fc.integer({ min: 2, max: 9 }),
  weight: fc.integer({ min: 0, max: 4 }),
  timeout: fc.integer({ min: 1, max: 2 }),
});
const serversArb = fc.uniqueArray(serverArb, { minLength: 1, maxLength: 5, selector: (s) => s.host });
const stepsArb = fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 30 });

function run(text: string, steps: readonly (readonly [number, boolean])[]): Harness {
  const h = new Harness(planFrom(text)).start();
  const n = h.plan.checkers.length;
  for (const [i, ok] of steps) h.probe(i % n, ok);
  h.clear();
  return h;
}

test('property: reloading the same configuration is the identity on the health state and emits only the re-registration', () => {
  fc.assert(
    fc.property(serversArb, fc.integer({ min: 0, max: 3 }), stepsArb, (servers, retry, steps) => {
      const text = config(servers, retry);
      const h = run(text, steps);
      const r = reload(h, text);
      assert.deepEqual(notActivating(r), []);
      assert.deepEqual(r.state.virtualServers, h.state.virtualServers);
      r.state.checkers.forEach((slot, id) => {
        const before = h.state.checkers[id]?.timed;
        assert.equal(slot.timed?.isUp, before?.isUp);
        assert.equal(slot.timed?.hasRun, before?.hasRun);
        assert.ok((slot.timed?.retryIt ?? 0) <= (before?.retryIt ?? 0));
      });
    }),
    { numRuns: 200 },
  );
});

test('property: every kept real server keeps its alive flag; removed ones leave the plane, kept weights follow the config', () => {
  fc.assert(
    fc.property(serversArb, serversArb, stepsArb, (before, after, steps) => {
      const h = run(config(before, 1), steps);
      // The same checker for the kept servers (equal connect_timeout): their health survives.
      const kept = after.map((s) => {
        const old = before.find((b) => b.host === s.host);
        return old === undefined ? s : { ...s, timeout: old.timeout };
      });
      const r = reload(h, config(kept, 1));
      const oldRt = h.state.virtualServers[0]!;
      const newRt = r.state.virtualServers[0]!;
      kept.forEach((s, i) => {
        const j = before.findIndex((b) => b.host === s.host);
        const alive = newRt.realServers[i]?.alive;
        if (j >= 0) assert.equal(alive, oldRt.realServers[j]?.alive, `10.0.0.${s.host}`);
        else assert.equal(alive, true); // non-alpha: in the pool at once
      });
      const plane = desiredDataPlane(r.plan, r.state).services[0];
      for (const d of plane?.destinations ?? []) {
        const s = kept.find((k) => `10.0.0.${k.host}` === d.address);
        assert.ok(s !== undefined, `${d.address} was removed`);
        assert.equal(d.weight, s.weight);
      }
      const removed = before.filter((b) => !kept.some((k) => k.host === b.host));
      for (const b of removed) assert.ok(r.logs().includes(`service [10.0.0.${b.host}]:tcp:80 no longer exist`));
    }),
    { numRuns: 200 },
  );
});

test('reload: ha_suspend checkers are registered again as Deactivating while the VIP is absent', () => {
  const text = tcpService(TCP, '  ha_suspend');
  const h = new Harness(planFrom(text)).start();
  const t = engineReload(h.plan, h.state, planFrom(text), { nowUs: 0, random: () => 0, vipPresent: () => false });
  const logs = t.actions.flatMap((a) => (a.kind === 'log' ? [a.text] : []));
  assert.deepEqual(logs, [`Deactivating healthchecker for service [10.0.0.2]:tcp:80 for VS ${VS}`]);
  assert.equal(t.state.checkers[0]?.timed?.enabled, false);
  assert.deepEqual(t.checkerFrom, [0]);
  assert.deepEqual(t.virtualServerFrom, [0]);
});
