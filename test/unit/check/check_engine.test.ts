import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { desiredDataPlane, engineCheckerDeadlineUs, engineDueCheckers, engineStep, engineStepMany, engineStop, type EngineEvent } from '../../../src/check/check_engine.js';
import { Harness, planFrom, tcpService, S } from './check_fixture.js';

const TCP = '    TCP_CHECK {\n      connect_timeout 3\n      retry 1\n      delay_before_retry 1\n    }';

function weights(h: Harness): Array<[string, number]> {
  const svc = desiredDataPlane(h.plan, h.state).services[0];
  return (svc?.destinations ?? []).map((d) => [d.address, d.weight]);
}

test('engine start: real servers are added at init and quorum is gained (Gained quorum 1+0=1 <= 2)', () => {
  const h = new Harness(planFrom(tcpService(TCP, '', 2))).start();
  assert.deepEqual(h.logs(), [
    'Gained quorum 1+0=1 <= 2 for VS [10.0.0.1]:tcp:80',
    'Activating healthchecker for service [10.0.0.2]:tcp:80 for VS [10.0.0.1]:tcp:80',
    'Activating healthchecker for service [10.0.0.3]:tcp:80 for VS [10.0.0.1]:tcp:80',
  ]);
  assert.ok(h.actions.some((a) => a.kind === 'fifo' && a.line === 'VS [10.0.0.1]:tcp:80 UP\n'));
  assert.deepEqual(weights(h), [['10.0.0.2', 1], ['10.0.0.3', 1]]);
  const svc = desiredDataPlane(h.plan, h.state).services[0];
  assert.deepEqual(svc?.key, { kind: 'address', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 });
  assert.equal(svc?.scheduler, 'rr');
});

test('engine: a failing real server is removed with keepalived lines, FIFO and notify_down argv', () => {
  const rsBody = `${TCP}\n    notify_down "/bin/down.sh a b"`;
  const h = new Harness(planFrom(tcpService(rsBody, '', 2))).start();
  h.probe(0, true);
  h.clear();
  h.probe(0, false);
  assert.deepEqual(h.logs(), []);
  h.probe(0, false);
  assert.deepEqual(h.logs(), [
    'TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries.',
    'Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80',
  ]);
  const script = h.actions.find((a) => a.kind === 'run_script');
  assert.ok(script?.kind === 'run_script');
  assert.deepEqual(script.argv, ['/bin/down.sh', 'a', 'b']);
  assert.equal(script.killAfterUs, undefined);
  assert.ok(h.actions.some((a) => a.kind === 'fifo' && a.line === 'RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n'));
  assert.deepEqual(weights(h), [['10.0.0.3', 1]]);
  h.clear();
  h.probe(0, true);
  assert.deepEqual(h.logs(), [
    'TCP connection to [10.0.0.2]:tcp:80 success.',
    'Adding service [10.0.0.2]:tcp:80 to VS [10.0.0.1]:tcp:80',
  ]);
  assert.deepEqual(weights(h), [['10.0.0.2', 1], ['10.0.0.3', 1]]);
});

test('engine: inhibit_on_failure keeps the server with weight 0 ("Disabling service ... of VS")', () => {
  const h = new Harness(planFrom(tcpService(`${TCP}\n    inhibit_on_failure\n    weight 5`))).start();
  h.probe(0, true);
  h.clear();
  h.probe(0, false);
  h.probe(0, false);
  assert.ok(h.logs().includes('Disabling service [10.0.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80'));
  assert.ok(h.logs().includes('Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(weights(h), [['10.0.0.2', 0]]);
  h.probe(0, true);
  assert.ok(h.logs().includes('Enabling service [10.0.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80'));
  assert.ok(h.logs().includes('Gained quorum 1+0=1 <= 5 for VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(weights(h), [['10.0.0.2', 5]]);
});

test('engine: sorry server replaces the pool when quorum is lost and leaves when it is regained', () => {
  const vsBody = '  sorry_server 10.0.0.9 80\n  quorum_up /bin/qup.sh\n  quorum_down /bin/qdown.sh';
  const h = new Harness(planFrom(tcpService(TCP, vsBody))).start();
  h.probe(0, true);
  h.clear();
  h.probe(0, false);
  h.probe(0, false);
  assert.deepEqual(h.logs(), [
    'TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries.',
    'Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80',
    'Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:tcp:80',
    'Adding sorry server [10.0.0.9]:tcp:80 to VS [10.0.0.1]:tcp:80',
    'Removing alive servers from the pool for VS [10.0.0.1]:tcp:80',
  ]);
  const scripts = h.actions.flatMap((a) => (a.kind === 'run_script' ? [a.argv] : []));
  assert.deepEqual(scripts, [['/bin/qdown.sh']]);
  assert.deepEqual(weights(h), [['10.0.0.9', 1]]);
  h.clear();
  h.probe(0, true);
  assert.deepEqual(h.logs(), [
    'TCP connection to [10.0.0.2]:tcp:80 success.',
    'Adding service [10.0.0.2]:tcp:80 to VS [10.0.0.1]:tcp:80',
    'Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:tcp:80',
    'Removing sorry server [10.0.0.9]:tcp:80 from VS [10.0.0.1]:tcp:80',
    'Adding alive servers to the pool for VS [10.0.0.1]:tcp:80',
  ]);
  assert.deepEqual(weights(h), [['10.0.0.2', 1]]);
});

test('engine: alpha starts every server out of the pool; with a sorry server: "Starting with quorum down"', () => {
  const h = new Harness(planFrom(tcpService(TCP, '  alpha\n  sorry_server 10.0.0.9 80', 2))).start();
  assert.ok(h.logs().includes('Starting with quorum down 1-0=1 > 0 for VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(weights(h), [['10.0.0.9', 1]]);
  h.probe(0, true);
  assert.deepEqual(weights(h), [['10.0.0.2', 1]]);
});

test('engine: alpha real server failing its first check sends the RS DOWN notifies', () => {
  const h = new Harness(planFrom(tcpService(TCP, '  alpha'))).start();
  h.clear();
  h.probe(0, false);
  assert.deepEqual(h.logs(), ['TCP_CHECK on service [10.0.0.2]:tcp:80 failed.']);
  assert.ok(h.actions.some((a) => a.kind === 'fifo' && a.line === 'RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n'));
});

test('engine: a real server is alive only when all its checkers are up', () => {
  const two = `${TCP}\n${TCP}`;
  const h = new Harness(planFrom(tcpService(two))).start();
  h.probe(0, true);
  h.probe(1, true);
  h.probe(0, false);
  h.probe(0, false);
  assert.deepEqual(weights(h), []);
  h.probe(1, false);
  h.probe(1, false);
  h.probe(0, true);
  assert.deepEqual(weights(h), []);
  h.probe(1, true);
  assert.deepEqual(weights(h), [['10.0.0.2', 1]]);
});

test('engine: misc_dynamic weight logs "Changing weight from 1 to 10" and edits the kernel weight', () => {
  const misc = '    MISC_CHECK {\n      misc_path "/bin/chk.sh x"\n      misc_dynamic\n    }';
  const h = new Harness(planFrom(tcpService(misc))).start();
  const d = h.state.checkers[0]?.timed?.deadlineUs ?? 0;
  h.advance(d);
  h.clear();
  h.feed(0, { kind: 'script_exited', status: 12 });
  assert.deepEqual(h.logs(), [
    'Changing weight from 1 to 10 for active service [10.0.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80',
    'Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/chk.sh] succeeded.',
  ]);
  assert.deepEqual(weights(h), [['10.0.0.2', 10]]);
});

test('engine: SMTP alert for a real server uses keepalived subject', () => {
  const text = `global_defs {\n  router_id LB1\n  notification_email {\n    ops@example.com\n  }\n  smtp_server 127.0.0.1\n}\n${tcpService(TCP)}`;
  const h = new Harness(planFrom(text)).start();
  h.probe(0, true);
  h.clear();
  h.probe(0, false);
  h.probe(0, false);
  const mail = h.actions.find((a) => a.kind === 'smtp');
  assert.deepEqual(mail, {
    kind: 'smtp',
    subject: '[LB1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN',
    body: '=> TCP CHECK failed on service <=',
  });
});

test('engine stop: "Shutting down service"; omega runs notify_down and quorum_down with a 1 s kill', () => {
  const rsBody = `${TCP}\n    notify_down /bin/down.sh`;
  const h = new Harness(planFrom(tcpService(rsBody, '  omega\n  quorum_down /bin/qdown.sh'))).start();
  const t = engineStop(h.plan, h.state);
  const logs = t.actions.flatMap((a) => (a.kind === 'log' ? [a.text] : []));
  assert.deepEqual(logs, ['Shutting down service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80']);
  const scripts = t.actions.flatMap((a) => (a.kind === 'run_script' ? [[a.argv[0], a.killAfterUs]] : []));
  assert.deepEqual(scripts, [['/bin/down.sh', S], ['/bin/qdown.sh', S]]);
  assert.deepEqual(desiredDataPlane(h.plan, t.state).services, []);
});

test('engine stop without omega sends no notifies', () => {
  const rsBody = `${TCP}\n    notify_down /bin/down.sh`;
  const h = new Harness(planFrom(tcpService(rsBody, '  quorum_down /bin/qdown.sh'))).start();
  const t = engineStop(h.plan, h.state);
  assert.deepEqual(t.actions.filter((a) => a.kind !== 'log'), []);
});

test('engine: fwmark virtual servers render as FWM n and produce fwmark services', () => {
  const text = 'virtual_server fwmark 7 {\n  lb_algo wrr\n  lb_kind DR\n  real_server 10.0.0.2 80 {\n' +
    `${TCP}\n  }\n}\n`;
  const h = new Harness(planFrom(text)).start();
  assert.ok(h.logs().includes('Activating healthchecker for service [10.0.0.2]:none:0 for VS FWM 7'));
  const svc = desiredDataPlane(h.plan, h.state).services[0];
  assert.deepEqual(svc?.key, { kind: 'fwmark', family: 4, fwmark: 7 });
  assert.equal(svc?.destinations[0]?.forwarding, 'DR');
});

test('engine: virtual_server_group expands to one service per member address and fwmark', () => {
  const text = 'virtual_server_group G {\n  10.0.0.10-12 80\n  fwmark 3\n}\n' +
    'virtual_server group G {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n' +
    `  real_server 10.0.1.2 80 {\n${TCP}\n  }\n}\n`;
  const h = new Harness(planFrom(text)).start();
  const keys = desiredDataPlane(h.plan, h.state).services.map((s) =>
    s.key.kind === 'fwmark' ? `fwm${s.key.fwmark}` : `${s.key.address}:${s.key.port}`,
  );
  assert.deepEqual(keys, ['10.0.0.10:80', '10.0.0.11:80', '10.0.0.12:80', 'fwm3']);
});

test('engine: ha_suspend deactivates checkers until the VIP is present', () => {
  const h = new Harness(planFrom(tcpService(TCP, '  ha_suspend'))).start();
  assert.ok(h.logs().includes('Deactivating healthchecker for service [10.0.0.2]:tcp:80 for VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(h.advance(h.state.checkers[0]?.timed?.deadlineUs ?? 0), []);
});

test('property: a real server has weight > 0 in the data plane iff all its checkers are up', () => {
  const two = `${TCP}\n${TCP}`;
  const plan = planFrom(tcpService(two, '', 2));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), { maxLength: 60 }), (steps) => {
      const h = new Harness(plan).start();
      for (const [id, ok] of steps) {
        h.probe(id, ok);
        const dp = new Map(weights(h));
        for (let r = 0; r < 2; r++) {
          const allUp = h.state.checkers.slice(r * 2, r * 2 + 2).every((c) => c.timed?.isUp === true);
          assert.equal((dp.get(`10.0.0.${r + 2}`) ?? 0) > 0, allUp);
        }
      }
    }),
  );
});

test('property: quorum with hysteresis only flips outside the band', () => {
  const plan = planFrom(tcpService(TCP, '  quorum 3\n  hysteresis 1', 5));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.boolean()), { maxLength: 80 }), (steps) => {
      const h = new Harness(plan).start();
      let up = h.state.virtualServers[0]?.quorumUp ?? false;
      for (const [id, ok] of steps) {
        h.probe(id, ok);
        const rt = h.state.virtualServers[0];
        assert.ok(rt !== undefined);
        const live = rt.realServers.filter((r) => r.alive).length;
        if (rt.quorumUp !== up) {
          if (rt.quorumUp) assert.ok(live >= 4, `gained at ${live}`);
          else assert.ok(live < 2, `lost at ${live}`);
        } else if (up) assert.ok(live >= 2);
        else assert.ok(live < 4);
        up = rt.quorumUp;
      }
    }),
  );
});

test('property: engineStepMany(events) equals engineStep applied one event at a time', () => {
  const plan = planFrom(tcpService(`${TCP}\n${TCP}`, '  quorum 2', 3));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('ok', 'fail', 'timer')), { minLength: 1, maxLength: 40 }),
      (steps) => {
        const h = new Harness(plan).start();
        h.advance(2 * S);
        const events: EngineEvent[] = steps.map(([id, what]) => ({
          kind: 'checker',
          checkerId: id,
          event: what === 'timer' ? { kind: 'timer' } : { kind: 'probe_result', ok: what === 'ok' },
        }));
        const batch = engineStepMany(plan, h.state, events, h.nowUs);
        let state = h.state;
        const actions: unknown[] = [];
        for (const e of events) {
          const t = engineStep(plan, state, e, h.nowUs);
          state = t.state;
          actions.push(...t.actions);
        }
        assert.deepEqual(batch.state, state);
        assert.deepEqual(batch.actions, actions);
      },
    ),
  );
});

test('engineCheckerDeadlineUs and engineDueCheckers: each checker\'s deadline, and the ones passed', () => {
  const h = new Harness(planFrom(tcpService(TCP, '', 2))).start();
  assert.equal(engineCheckerDeadlineUs(h.state, 0), 1_000_000, 'first run at the bootstrap delay');
  assert.deepEqual(h.advance(1_000_000), [0, 1]);
  assert.equal(engineCheckerDeadlineUs(h.state, 0), undefined, 'a probing checker has no deadline');
  h.feed(0, { kind: 'probe_result', ok: true });
  h.nowUs = 1_500_000;
  h.feed(1, { kind: 'probe_result', ok: true });
  assert.equal(engineCheckerDeadlineUs(h.state, 0), 7_000_000, 'delay_loop (6 s) after each result');
  assert.equal(engineCheckerDeadlineUs(h.state, 1), 7_500_000);
  assert.equal(engineCheckerDeadlineUs(h.state, 2), undefined, 'no such checker');
  assert.deepEqual(engineDueCheckers(h.state, 6_999_999), []);
  assert.deepEqual(engineDueCheckers(h.state, 7_000_000), [0]);
  assert.deepEqual(engineDueCheckers(h.state, 8_000_000), [0, 1]);
});

test('engine: a real server going down leaves the previous state untouched and shares the other real servers', () => {
  const h = new Harness(planFrom(tcpService(TCP, '', 3))).start();
  h.probe(0, true);
  h.probe(0, false);
  const before = h.state;
  const snapshot = structuredClone(before.virtualServers);
  h.probe(0, false); // the last retry fails: [10.0.0.2] is removed
  assert.ok(h.logs().includes('Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80'));
  assert.deepEqual(before.virtualServers, snapshot, 'the input state was not changed');
  const [was, now] = [before.virtualServers[0]?.realServers, h.state.virtualServers[0]?.realServers];
  assert.notEqual(now?.[0], was?.[0], 'the changed real server is a new object');
  assert.equal(now?.[0]?.alive, false);
  assert.equal(now?.[1], was?.[1], 'an untouched real server is shared, not copied');
  assert.equal(now?.[2], was?.[2]);
});
