/**
 * nf_tables' ruleset generation read over NETLINK_NETFILTER in a namespace of the test: it
 * stays put while nothing is committed and moves with any commit, ours or someone else's —
 * which is what lets the checker skip `nft list` on its repair pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { REPO_ROOT } from '../lab/daemons.js';

test('the nf_tables generation is stable without commits and moves with each commit', async (t) => {
  if (skipUnlessLab(t, ['nft'])) return;
  const lab = Lab.create({ tag: 'ngen', hosts: ['a'], net: 244 });
  try {
    const module = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'lvs', 'ipvs.js')).href;
    const script = `
      import { execFileSync } from 'node:child_process';
      const { readNftGeneration } = await import(${JSON.stringify(module)});
      const read = readNftGeneration();
      const a = await read();
      const b = await read();
      execFileSync('nft', ['add', 'table', 'ip', 'kats_gen_probe']);
      const c = await read();
      execFileSync('nft', ['delete', 'table', 'ip', 'kats_gen_probe']);
      const d = await read();
      console.log(JSON.stringify({ a, b, c, d }));`;
    const out = lab.exec('a', [process.execPath, '--input-type=module', '-e', script]);
    const g = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number | undefined>;
    t.diagnostic(`generations: ${JSON.stringify(g)}`);
    assert.equal(typeof g['a'], 'number');
    assert.equal(g['b'], g['a'], 'no commit, same generation');
    assert.ok((g['c'] ?? 0) > (g['b'] ?? 0), 'a commit moves it');
    assert.ok((g['d'] ?? 0) > (g['c'] ?? 0), 'and the next one again');
  } finally {
    await lab.destroy();
  }
});
