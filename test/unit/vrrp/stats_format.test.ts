import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatsFile } from '../../../src/vrrp/stats_format.js';

test('formatStatsFile() writes keepalived 2.2.7\'s /tmp/keepalived.stats block, drop reasons summed per counter', () => {
  const text = formatStatsFile([
    {
      name: 'VI_1',
      advertsReceived: 12,
      advertsSent: 3,
      becameMaster: 1,
      releasedMaster: 0,
      priorityZeroReceived: 2,
      priorityZeroSent: 1,
      drops: new Map([
        ['auth_failure', 4],
        ['ah_unsupported', 1],
        ['bad_ttl', 5],
        ['unicast_peer_ttl', 1],
        ['address_count_mismatch', 2],
        ['unicast_multicast_mismatch', 1],
      ]),
    },
  ]);
  assert.equal(
    text,
    [
      'VRRP Instance: VI_1',
      '  Advertisements:',
      '    Received: 12',
      '    Sent: 3',
      '  Became master: 1',
      '  Released master: 0',
      '  Packet Errors:',
      '    Length: 0',
      '    TTL: 6',
      '    Invalid Type: 0',
      '    Advertisement Interval: 0',
      '    Address List: 3',
      '  Authentication Errors:',
      '    Invalid Type: 0',
      '    Type Mismatch: 0',
      '    Failure: 5',
      '  Priority Zero:',
      '    Received: 2',
      '    Sent: 1',
      '',
    ].join('\n'),
  );
});
