/**
 * nftables apply time for one virtual service with 1,000 real servers, in a scratch
 * network namespace (root; `nft` needed): the first apply (1,000 adds) and a weight
 * change (one update: the service is rebuilt in ONE transaction). Each figure is the
 * median of the rounds; elapsedMs includes planning and the `nft -f -` process.
 *
 *   node dist/bench/lvs_apply.bench.js [--rounds N]
 */
import { spawnSync } from 'node:child_process';
import { NftBackend } from '../src/lvs/nft.js';
import type { DesiredDataPlane, DesiredDestination } from '../src/lvs/desired.js';
import { reconcile } from '../src/lvs/reconcile.js';

const i = process.argv.indexOf('--rounds');
const ROUNDS = i >= 0 ? Number(process.argv[i + 1]) || 5 : 5;
const NS = `kats-bench-${process.pid}`;
const N = 1000;

function plane(bump: number): DesiredDataPlane {
  const destinations: DesiredDestination[] = [];
  for (let k = 0; k < N; k++) {
    destinations.push({ family: 4, address: `10.99.${k >> 7}.${(k & 127) + 1}`, port: 80, weight: k === 0 ? 1 + bump : 1, forwarding: 'NAT' });
  }
  return { services: [{ key: { kind: 'address', family: 4, protocol: 'tcp', address: '10.98.0.1', port: 80 }, scheduler: 'wrr', persistenceTimeoutS: 0, destinations }] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  if (spawnSync('ip', ['netns', 'add', NS]).status !== 0) throw new Error('needs root and iproute2');
  try {
    const b = new NftBackend({ nft: ['ip', 'netns', 'exec', NS, 'nft'] });
    const first: number[] = [];
    const change: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await b.clear();
      const d0 = plane(0);
      const c0 = reconcile(d0, await b.observe());
      const a0 = await b.apply(c0, d0);
      if (a0.errors.length > 0) throw new Error(a0.errors.join('; '));
      first.push(a0.elapsedMs);
      const d1 = plane(r + 1);
      const c1 = reconcile(d1, await b.observe());
      const a1 = await b.apply(c1, d1);
      if (a1.errors.length > 0 || c1.length !== 1) throw new Error(`unexpected: ${c1.length} changes ${a1.errors.join('; ')}`);
      change.push(a1.elapsedMs);
      const again = reconcile(d1, await b.observe());
      if (again.length !== 0) throw new Error('did not converge');
    }
    console.log(`nftables, 1 service x ${N} real servers, ${ROUNDS} rounds (median):`);
    console.log(`  first apply (${N + 1} changes, one transaction): ${median(first).toFixed(1)} ms`);
    console.log(`  weight change (1 change: vmap + 1 destination chain, one transaction): ${median(change).toFixed(1)} ms`);
    await b.clear();
  } finally {
    spawnSync('ip', ['netns', 'del', NS]);
  }
}
await main();
