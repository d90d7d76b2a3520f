import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCheckData } from '../../../src/check/data_dump.js';
import { initialEngineState } from '../../../src/check/check_engine.js';
import { parseText } from '../config/lvs_fixture.js';
import { planFrom } from './check_fixture.js';

const CONF = `
virtual_server 10.99.0.100 80 {
  delay_loop 3
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.99.0.2 80 {
    weight 2
    TCP_CHECK {
      connect_timeout 2
    }
  }
}
`;

test('formatCheckData() writes keepalived 2.2.7\'s keepalived_check.data layout', () => {
  const plan = planFrom(CONF);
  const config = parseText(CONF).result.config;
  assert.ok(config !== undefined);
  const state = initialEngineState(plan);
  const text = formatCheckData({
    global: config.global,
    virtualServers: plan.virtualServers.map((v) => v.config),
    checkers: plan.checkers,
    engine: state,
  });
  const start = text.indexOf('------< LVS Topology >------');
  assert.ok(start > 0 && text.startsWith('------< Global definitions >------\n'));
  assert.doesNotMatch(text, /Default interface/, 'only the VRRP process prints it');
  const rs = state.virtualServers[0]?.realServers[0];
  assert.ok(rs !== undefined);
  assert.equal(
    text.slice(start),
    [
      '------< LVS Topology >------',
      ' System is compiled with LVS v1.2.1',
      ' ------< Virtual server >------',
      ' VS VIP = 10.99.0.100, VPORT = 80',
      '   Address family = inet',
      '   connection timeout = 5.000000',
      '   delay_loop = 3.000000',
      '   lvs_sched = rr',
      '   Hashed = disabled',
      '   flag-1 = disabled',
      '   flag-2 = disabled',
      '   flag-3 = disabled',
      '   One packet scheduling = disabled',
      '   protocol = TCP',
      '   alpha is OFF',
      '   omega is OFF',
      '   Inhibit on failure is OFF',
      '   quorum = 1, hysteresis = 0',
      '   Using smtp notification = no',
      '   default forwarding method = NAT',
      '   alive = 0',
      '   quorum_state_up = 0',
      '   ------< Real server >------',
      '   RIP = 10.99.0.2, RPORT = 80, WEIGHT = 2 EFF WEIGHT = 2',
      '   forwarding method = NAT',
      '   Alpha is OFF',
      // The real server's own connect_timeout (inherited from the virtual server); the
      // checker's is in its Connection block.
      '   connection timeout = 5.000000',
      '   connection limit range = 0 -> 0',
      '   Delay loop = 3.000000',
      '   Inhibit on failure is OFF',
      `   Using smtp notification = ${config.lvs.virtualServers[0]?.realServers[0]?.smtpAlert === true ? 'yes' : 'no'}`,
      '   initial weight = 2',
      '   effective weight = 2',
      '   alive = 0',
      '   num failed checkers = 0',
      '   RS set = 0',
      '------< Health checkers >------',
      ' [10.99.0.100]:tcp:80 -> [10.99.0.2]:tcp:80',
      '   Enabled = yes',
      // keepalived starts a checker up unless it has alpha.
      '   Up = yes',
      '   Has run = no',
      '   Current weight = 0',
      '   Alpha = no',
      '   Delay loop = 3000000 us',
      '   Warmup = 3000000 us',
      '   Retries = 1',
      '   Delay before retry = 1000000 us',
      `   Retries iterations = ${state.checkers[0]?.timed?.retryIt ?? -1}`,
      '   Log all failures = no',
      '   Connection',
      '     Dest = [10.99.0.2]:80',
      '     Timeout = 2.000000',
      '   Keepalive method = TCP_CHECK',
      '',
    ].join('\n'),
  );
});

test('formatCheckData(): a live real server shows alive = 1 and its checker Up = yes', () => {
  const plan = planFrom(CONF);
  const s0 = initialEngineState(plan);
  const vs = s0.virtualServers[0];
  const rs = vs?.realServers[0];
  const slot = s0.checkers[0];
  assert.ok(vs !== undefined && rs !== undefined && slot?.timed !== undefined);
  const state = {
    checkers: [{ ...slot, timed: { ...slot.timed, isUp: true, hasRun: true } }],
    virtualServers: [{ ...vs, active: true, quorumUp: true, realServers: [{ ...rs, alive: true, set: true }] }],
  };
  const config = parseText(CONF).result.config;
  assert.ok(config !== undefined);
  const lines = formatCheckData({ global: config.global, virtualServers: plan.virtualServers.map((v) => v.config), checkers: plan.checkers, engine: state }).split('\n');
  for (const l of ['   alive = 1', '   quorum_state_up = 1', '   RS set = 1', '   Up = yes', '   Has run = yes']) assert.ok(lines.includes(l), l);
});
