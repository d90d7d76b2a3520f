import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLvsList } from '../../../src/lvs/list_format.js';

test('lvs listing looks like ipvsadm -Ln, with an optional health column', () => {
  const plane = {
    services: [
      { key: { kind: 'fwmark', family: 4, fwmark: 7 } as const, scheduler: 'sh', persistenceTimeoutS: 0, destinations: [] },
      {
        key: { kind: 'address', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 } as const,
        scheduler: 'wrr', persistenceTimeoutS: 300,
        destinations: [{ family: 4, address: '10.0.0.2', port: 80, weight: 3, forwarding: 'NAT' } as const],
      },
    ],
  };
  assert.equal(
    formatLvsList(plane),
    'Prot LocalAddress:Port Scheduler Flags\n' +
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
      'FWM  7 sh\n' +
      'TCP  10.0.0.1:80 wrr persistent 300\n' +
      '  -> 10.0.0.2:80                  Masq    3      0          0\n',
  );
  assert.match(formatLvsList(plane, { health: () => 'up' }), /Masq {4}3 .* up\n$/);
});
