import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IpAddressEntry } from '../../../src/config/model/vrrp.js';
import { splitMessages } from '../../../src/net/netlink/codec.js';
import type { RequestResult } from '../../../src/net/netlink/rtnl.js';
import { VipManager, type NetlinkRequester } from '../../../src/net/vip.js';

const VIP: IpAddressEntry = {
  address: '10.0.0.100', family: 4, prefixLength: 24, broadcast: undefined, device: undefined, scope: 0,
  label: undefined, peer: undefined, isHomeAddress: false, noDad: false, manageTempAddress: false,
  noPrefixRoute: false, autoJoin: false, noTrack: false, preferredLft: undefined, useVmac: false,
  trackGroup: undefined, at: { file: 'k.conf', line: 3 },
};

/** Answers each request with the next errno; records the message types. */
function fake(errnos: number[]): NetlinkRequester & { types: number[] } {
  let seq = 0;
  const types: number[] = [];
  return {
    types,
    request(m: Uint8Array): Promise<RequestResult> {
      types.push(splitMessages(m).messages[0]?.type ?? -1);
      const errno = errnos.shift() ?? 0;
      seq++;
      return Promise.resolve({ reason: errno === 0 ? 'ok' : 'kernel_error', errno, seq, extackMessage: undefined });
    },
  };
}

const WHERE = { ifindexOf: () => 3, defaultDevice: 'eth0' };

test('VipManager: EEXIST counts as set and is removed later (keepalived), unless keepPreexisting', async () => {
  const rt = fake([17, 0]);
  const vm = new VipManager(rt);
  assert.equal((await vm.addVips([VIP], WHERE))[0]?.outcome, 'already_present');
  assert.equal((await vm.removeVips([VIP]))[0]?.outcome, 'removed');
  assert.deepEqual(rt.types, [20, 21]);
  const keep = new VipManager(fake([17]), { keepPreexisting: true });
  await keep.addVips([VIP], WHERE);
  assert.equal((await keep.removeVips([VIP]))[0]?.outcome, 'not_set');
});

test('VipManager: other errors are logged as keepalived does; EADDRNOTAVAIL on delete is silent', async () => {
  const vm = new VipManager(fake([1, 0, 99]));
  const failed = (await vm.addVips([VIP], WHERE))[0];
  assert.equal(failed?.log, 'Netlink: error: Operation not permitted(1), type=RTM_NEWADDR(20), seq=1, pid=0');
  await vm.addVips([VIP], WHERE);
  const gone = (await vm.removeVips([VIP]))[0];
  assert.deepEqual([gone?.outcome, gone?.log], ['absent', undefined]);
  assert.equal((await vm.removeVips([VIP]))[0]?.outcome, 'not_set');
});

test('VipManager: a missing interface is not tried and logs keepalived\'s line', async () => {
  const rt = fake([]);
  const r = (await new VipManager(rt).addVips([VIP], { ifindexOf: () => 0, defaultDevice: 'eth9' }))[0];
  assert.equal(r?.log, "Not adding address 10.0.0.100/24 to eth9 since interface doesn't exist");
  assert.deepEqual(rt.types, []);
});

test('VipManager.ourAddress(): only set, tracked VIPs match an RTM_DELADDR', async () => {
  const vm = new VipManager(fake([0, 0]));
  const ev = { family: 4 as const, index: 3, local: '10.0.0.100', address: '10.0.0.100' };
  assert.equal(vm.ourAddress(ev), undefined);
  await vm.addVips([VIP, { ...VIP, address: '10.0.0.101', noTrack: true }], WHERE);
  assert.equal(vm.ourAddress(ev)?.text, '10.0.0.100/24');
  assert.equal(vm.ourAddress({ ...ev, local: '10.0.0.101' }), undefined);
});

test('VipManager: -X deletes a configured VIP it does not remember; without -X nothing is sent', async () => {
  const rt = fake([0, 99]);
  const vm = new VipManager(rt);
  assert.equal((await vm.removeVips([VIP]))[0]?.outcome, 'not_set');
  assert.deepEqual(rt.types, []);
  assert.equal((await vm.removeVips([VIP], WHERE))[0]?.outcome, 'removed');
  // Absent already (EADDRNOTAVAIL): silent, as a forced delete in keepalived.
  const absent = (await vm.removeVips([VIP], WHERE))[0];
  assert.deepEqual([absent?.outcome, absent?.log], ['absent', undefined]);
  assert.deepEqual(rt.types, [21, 21]);
  // A missing interface is not tried.
  assert.equal((await vm.removeVips([VIP], { ifindexOf: () => 0, defaultDevice: 'eth9' }))[0]?.outcome, 'not_set');
});
