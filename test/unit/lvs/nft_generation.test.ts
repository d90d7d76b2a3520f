import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeNftGenerationId, encodeNftGetGeneration } from '../../../src/lvs/nft_generation.js';
import { splitMessages, type NlMessage } from '../../../src/net/netlink/codec.js';
import { NftBackend, type RunResult } from '../../../src/lvs/nft.js';
import type { DesiredDataPlane } from '../../../src/lvs/desired.js';
import { reconcile } from '../../../src/lvs/reconcile.js';

const EMPTY_DESIRED: DesiredDataPlane = { services: [] };
const ONE: DesiredDataPlane = {
  services: [{
    key: { kind: 'address', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 },
    scheduler: 'rr', persistenceTimeoutS: 0,
    destinations: [{ family: 4, address: '10.0.0.2', port: 80, weight: 1, forwarding: 'NAT' }],
  }],
};

/** A NEWGEN reply as the kernel sends it: nfgenmsg, NFTA_GEN_ID (u32, big endian), NFTA_GEN_PROC_PID. */
function newgen(id: number): NlMessage {
  const payload = new Uint8Array(4 + 8 + 8);
  const dv = new DataView(payload.buffer);
  dv.setUint16(4, 8, true);
  dv.setUint16(6, 1, true);
  dv.setUint32(8, id, false);
  dv.setUint16(12, 8, true);
  dv.setUint16(14, 2, true);
  dv.setUint32(16, 1234, false);
  return { type: (10 << 8) | 15, flags: 0, seq: 1, pid: 0, payload } as NlMessage;
}

test('GETGEN: nfnetlink header for the nftables subsystem, with an ack requested', () => {
  const m = splitMessages(encodeNftGetGeneration()).messages[0];
  assert.equal(m?.type, 0x0a10);
  assert.equal(m?.flags, 0x1 | 0x4);
  assert.deepEqual([...(m?.payload ?? [])], [0, 0, 0, 0]);
});

test('NEWGEN: the generation id is read big-endian; other messages and truncations give undefined', () => {
  assert.equal(decodeNftGenerationId(newgen(0x01020304)), 0x01020304);
  assert.equal(decodeNftGenerationId({ ...newgen(5), type: 0x0a0e }), undefined);
  const g = newgen(7);
  assert.equal(decodeNftGenerationId({ ...g, payload: g.payload.subarray(0, 10) }), undefined);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const r = decodeNftGenerationId({ ...g, payload: bytes });
      return r === undefined || (Number.isInteger(r) && r >= 0);
    }),
  );
});

test('NftBackend: an unchanged generation answers from the last listing; a new one or our own apply lists again', async () => {
  let generation = 1;
  const calls: string[] = [];
  const run = (argv: readonly string[]): Promise<RunResult> => {
    calls.push(argv.slice(1).join(' '));
    return Promise.resolve({ status: 0, stdout: '{"nftables":[]}', stderr: '' });
  };
  const b = new NftBackend({ run, generation: () => Promise.resolve(generation) });
  await b.observe();
  await b.observe();
  await b.observe();
  assert.equal(b.listings, 1);
  generation = 2; // someone committed
  await b.observe();
  assert.equal(b.listings, 2);
  await b.apply([], EMPTY_DESIRED); // nothing to do: no commit, the listing stays valid
  await b.observe();
  assert.equal(b.listings, 2);
  // Our own commit: the next observe lists, even before the generation reader moves.
  const observed = await b.observe();
  const r = await b.apply(reconcile(ONE, observed), ONE);
  assert.deepEqual(r.errors, []);
  assert.ok(calls.some((c) => c === '-f -'), 'a transaction was run');
  await b.observe();
  assert.equal(b.listings, 3);
  // Without a generation reader every observe() lists.
  const plain = new NftBackend({ run });
  await plain.observe();
  await plain.observe();
  assert.equal(plain.listings, 2);
});
