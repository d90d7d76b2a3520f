/**
 * State-machine throughput: step() calls per second for the hot paths (a master's advert
 * timer, a backup receiving its master's advert), median of 5 rounds.
 *
 *   node dist/bench/vrrp_step.bench.js
 */
import { initialState, step, type InstanceParams, type InstanceState, type VrrpEvent } from '../src/vrrp/instance.js';

const PARAMS: InstanceParams = {
  name: 'VI_1', version: 2, basePriority: 100, advertIntervalCs: 100, downTimerAdverts: 3,
  nopreempt: false, preemptDelayUs: 0, primaryAddress: '10.0.0.1', interfaceName: 'eth0',
  firstVip: '10.0.0.100', garpMasterDelayUs: 5_000_000, garpMasterRepeat: 5, garpMasterRefreshUs: 0,
  garpMasterRefreshRepeat: 1, garpLowerPrioDelayUs: 5_000_000, garpLowerPrioRepeat: 5,
  lowerPrioNoAdvert: false, higherPrioSendAdvert: false,
};

function rate(label: string, start: InstanceState, event: (i: number) => VrrpEvent, nowOf: (i: number) => number): void {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let s = start;
    let n = 0;
    const t0 = process.hrtime.bigint();
    const until = t0 + 200_000_000n;
    while (process.hrtime.bigint() < until) {
      for (let k = 0; k < 1000; k++, n++) s = step(s, event(n), nowOf(n)).state;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    rounds.push(n / secs);
  }
  rounds.sort((a, b) => a - b);
  const median = rounds[2] ?? 0;
  console.log(`${label.padEnd(40)} ${Math.round(median).toLocaleString('en-US').padStart(12)} steps/s`);
}

const backup = step(initialState(PARAMS), { kind: 'startup' }, 0).state;
const master = step(initialState({ ...PARAMS, basePriority: 255 }), { kind: 'startup' }, 0).state;
console.log(`node ${process.version}; median of 5 rounds of 200 ms`);
rate('BACKUP: advert from the master', backup, () => ({
  kind: 'advert_received',
  advert: { priority: 150, sourceAddress: '10.0.0.2', advertIntervalCs: 100 },
}), (i) => i * 1_000_000);
rate('MASTER: advert timer fires', master, () => ({ kind: 'timer_fired' }), (i) => (i + 1) * 1_000_000);
