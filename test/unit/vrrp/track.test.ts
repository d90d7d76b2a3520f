import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clampPriority,
  effectivePriority,
  initFaultLogLine,
  priorityChangeLogLine,
  syncGroupVerdict,
  trackSpecsForInstance,
  type FaultReason,
  type ScriptTrackResult,
  type TrackedObject,
} from '../../../src/vrrp/track.js';
import { parseConfig } from '../../../src/config/parse.js';
import type { VrrpConfig } from '../../../src/config/model/vrrp.js';
import { MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { createFakeHostFacts } from '../../fakes/fake_host_facts.js';

const script = (weight: number, reverse: boolean, result: ScriptTrackResult): TrackedObject => ({
  kind: 'script',
  name: 'chk',
  weight,
  reverse,
  result,
});
const iface = (weight: number, reverse: boolean, isUp: boolean): TrackedObject => ({
  kind: 'interface',
  name: 'eth1',
  weight,
  reverse,
  isUp,
});
const file = (weight: number, reverse: boolean, value: number): TrackedObject => ({
  kind: 'file',
  name: 'tf',
  weight,
  reverse,
  value,
});

// keepalived-behaviour.md §1c, the weight/reverse table (vrrp_track.c).
const WEIGHT_TABLE: readonly {
  readonly weight: number;
  readonly reverse: boolean;
  readonly ifUp: number;
  readonly ifDown: number;
}[] = [
  { weight: 20, reverse: false, ifUp: 120, ifDown: 100 },
  { weight: -20, reverse: false, ifUp: 100, ifDown: 80 },
  { weight: 20, reverse: true, ifUp: 80, ifDown: 100 },
  { weight: -20, reverse: true, ifUp: 100, ifDown: 120 },
];

for (const row of WEIGHT_TABLE) {
  const label = `weight ${row.weight}${row.reverse ? ' reverse' : ''}`;
  test(`effectivePriority() with ${label} gives ${row.ifUp} while the script succeeds and ${row.ifDown} while it fails`, () => {
    const up = effectivePriority({ basePriority: 100, tracks: [script(row.weight, row.reverse, 'good')] });
    const down = effectivePriority({ basePriority: 100, tracks: [script(row.weight, row.reverse, 'bad')] });
    assert.equal(up.effectivePriority, row.ifUp);
    assert.equal(down.effectivePriority, row.ifDown);
    assert.equal(up.isFault || down.isFault, false);
  });
  test(`effectivePriority() with interface ${label} follows the same table`, () => {
    const up = effectivePriority({ basePriority: 100, tracks: [iface(row.weight, row.reverse, true)] });
    const down = effectivePriority({ basePriority: 100, tracks: [iface(row.weight, row.reverse, false)] });
    assert.deepEqual([up.effectivePriority, down.effectivePriority], [row.ifUp, row.ifDown]);
  });
}

test('effectivePriority() with weight -20 reverse adds 20 while the script fails', () => {
  const v = effectivePriority({ basePriority: 150, tracks: [script(-20, true, 'bad')] });
  assert.equal(v.effectivePriority, 170);
});

test('effectivePriority() applies the same table to track_process quorum and track_bfd', () => {
  const proc: TrackedObject = { kind: 'process', name: 'nginx', weight: -30, reverse: false, hasQuorum: false };
  const bfd: TrackedObject = { kind: 'bfd', name: 'b1', weight: 10, reverse: false, isUp: true };
  assert.equal(effectivePriority({ basePriority: 100, tracks: [proc, bfd] }).effectivePriority, 80);
});

test('effectivePriority() clamps to 1..254: trackers never make an address owner nor reach 0', () => {
  assert.equal(effectivePriority({ basePriority: 250, tracks: [iface(20, false, true)] }).effectivePriority, 254);
  assert.equal(effectivePriority({ basePriority: 10, tracks: [iface(-50, false, false)] }).effectivePriority, 1);
  assert.deepEqual([clampPriority(-300), clampPriority(0), clampPriority(255), clampPriority(90)], [1, 1, 254, 90]);
});

test('effectivePriority() sums several trackers before clamping (keepalived total_priority)', () => {
  const tracks = [iface(-60, false, false), script(100, false, 'good'), script(-50, true, 'bad')];
  // 200 - 60 + 100 + 50 = 290 → 254
  assert.equal(effectivePriority({ basePriority: 200, tracks }).effectivePriority, 254);
});

const FAULT_TABLE: readonly {
  readonly name: string;
  readonly track: TrackedObject;
  readonly isFault: boolean;
}[] = [
  { name: 'weight 0 interface down is FAULT', track: iface(0, false, false), isFault: true },
  { name: 'weight 0 interface up is not FAULT', track: iface(0, false, true), isFault: false },
  { name: 'weight 0 reverse interface up is FAULT', track: iface(0, true, true), isFault: true },
  { name: 'weight 0 reverse interface down is not FAULT', track: iface(0, true, false), isFault: false },
  { name: 'weight 0 script failing is FAULT', track: script(0, false, 'bad'), isFault: true },
  { name: 'weight 0 script with no result yet only waits', track: script(0, false, 'unknown'), isFault: false },
  { name: 'weight -20 interface down is never FAULT', track: iface(-20, false, false), isFault: false },
  { name: 'weight 0 track_file with a non-zero value is FAULT', track: file(0, false, 3), isFault: true },
  { name: 'weight 0 track_file with value 0 is not FAULT', track: file(0, false, 0), isFault: false },
  { name: 'weight 0 reverse track_file with value 0 is FAULT', track: file(0, true, 0), isFault: true },
  { name: 'track_file status -254 (value -254 × weight 1) is FAULT', track: file(1, false, -254), isFault: true },
  { name: 'track_file status -253 is not FAULT', track: file(1, false, -253), isFault: false },
  { name: 'track_file value 127 × weight -2 = -254 is FAULT', track: file(-2, false, 127), isFault: true },
];

for (const row of FAULT_TABLE) {
  test(`effectivePriority(): ${row.name} (vrrp_track.c)`, () => {
    assert.equal(effectivePriority({ basePriority: 100, tracks: [row.track] }).isFault, row.isFault);
  });
}

test('effectivePriority() adds track_file value × weight, negated by reverse, capped at +253', () => {
  assert.equal(effectivePriority({ basePriority: 100, tracks: [file(1, false, -30)] }).effectivePriority, 70);
  assert.equal(effectivePriority({ basePriority: 100, tracks: [file(5, true, 2)] }).effectivePriority, 90);
  assert.equal(effectivePriority({ basePriority: 1, tracks: [file(1, false, 9999)] }).effectivePriority, 254);
  // A FAULT file contributes nothing (track_file.c subtracts its previous status).
  const v = effectivePriority({ basePriority: 100, tracks: [file(1, false, -500)] });
  assert.deepEqual([v.effectivePriority, v.isFault], [100, true]);
});

test('effectivePriority() for a script with no result yet adds nothing, whatever its weight', () => {
  for (const weight of [-30, 30]) {
    for (const reverse of [false, true]) {
      const v = effectivePriority({ basePriority: 100, tracks: [script(weight, reverse, 'unknown')] });
      assert.deepEqual([v.effectivePriority, v.waitingForScripts], [100, []]);
    }
  }
});

test('effectivePriority() makes weight-0 scripts with no result wait, but not after a reload', () => {
  assert.deepEqual(
    effectivePriority({ basePriority: 100, tracks: [script(0, false, 'unknown')] }).waitingForScripts,
    ['chk'],
  );
  const reload = effectivePriority({ basePriority: 100, tracks: [script(0, false, 'unknown_after_reload')] });
  assert.deepEqual([reload.waitingForScripts, reload.isFault], [[], false]);
});

test('effectivePriority() keeps an address owner at 255 but still FAULTs it on a weight-0 failure', () => {
  const weighted = effectivePriority({ basePriority: 255, tracks: [iface(-100, false, false)] });
  assert.deepEqual([weighted.effectivePriority, weighted.isFault], [255, false]);
  const fault = effectivePriority({ basePriority: 255, tracks: [script(0, false, 'bad')] });
  assert.deepEqual([fault.effectivePriority, fault.isFault], [255, true]);
});

test('effectivePriority() reports each FAULT reason, the missing source address first', () => {
  const v = effectivePriority({
    basePriority: 100,
    tracks: [iface(0, false, false), file(0, true, 0)],
    missingSourceAddress: { family: 4 },
  });
  assert.deepEqual(v.faultReasons, [
    { kind: 'source_address', code: 'no_source_address', family: 4 },
    { kind: 'interface', name: 'eth1', code: 'down' },
    { kind: 'file', name: 'tf', code: 'file_status', status: -254 },
  ]);
});

test('effectivePriority() rejects a base priority outside 1..255 (programmer error)', () => {
  assert.throws(() => effectivePriority({ basePriority: 0, tracks: [] }), RangeError);
  assert.throws(() => effectivePriority({ basePriority: 256, tracks: [] }), RangeError);
});

test('priorityChangeLogLine() gives keepalived\'s line, and nothing when the priority is unchanged', () => {
  assert.equal(
    priorityChangeLogLine('VI_1', { fromPriority: 150, toPriority: 90 }),
    '(VI_1) Changing effective priority from 150 to 90',
  );
  assert.equal(priorityChangeLogLine('VI_1', { fromPriority: 90, toPriority: 90 }), undefined);
});

const INIT_LINES: readonly { readonly reason: FaultReason; readonly line: string | undefined }[] = [
  { reason: { kind: 'interface', name: 'eth1', code: 'down' }, line: '(VI_1): entering FAULT state (interface eth1 down)' },
  { reason: { kind: 'script', name: 'chk', code: 'down' }, line: '(VI_1): entering FAULT state due to script chk' },
  {
    reason: { kind: 'file', name: 'tf', code: 'file_status', status: -300 },
    line: '(VI_1): entering FAULT state (tracked file tf has status -300)',
  },
  {
    reason: { kind: 'process', name: 'nginx', code: 'down' },
    line: '(VI_1) entering FAULT state (tracked process nginx quorum not achieved)',
  },
  { reason: { kind: 'bfd', name: 'b1', code: 'down' }, line: undefined },
  {
    reason: { kind: 'source_address', code: 'no_source_address', family: 6 },
    line: '(VI_1) entering FAULT state (no IPv6 address for interface)',
  },
];

for (const row of INIT_LINES) {
  test(`initFaultLogLine() for a ${row.reason.kind} gives keepalived's start-up line`, () => {
    assert.equal(initFaultLogLine('VI_1', row.reason), row.line);
  });
}

test('syncGroupVerdict() is FAULT when any member is, and waits while any member waits', () => {
  const ok = effectivePriority({ basePriority: 100, tracks: [] });
  const fault = effectivePriority({ basePriority: 100, tracks: [script(0, false, 'bad')] });
  const waiting = effectivePriority({ basePriority: 100, tracks: [script(0, false, 'unknown')] });
  assert.deepEqual(syncGroupVerdict([ok, fault]), { isFault: true, isWaitingForScripts: false });
  assert.deepEqual(syncGroupVerdict([ok, waiting]), { isFault: false, isWaitingForScripts: true });
  assert.deepEqual(syncGroupVerdict([ok, ok]), { isFault: false, isWaitingForScripts: false });
});

// trackSpecsForInstance(): from a parsed configuration.

const FILE = '/etc/keepalived/keepalived.conf';

function parseVrrp(text: string): VrrpConfig {
  const env = {
    host: createFakeHostFacts({ interfaces: ['lo', 'eth0', 'eth1', 'eth2'] }),
    random: new SeededRandom(1),
    configId: 'vm',
    env: {},
  };
  const r = parseConfig(FILE, new MemoryFileSource({ [FILE]: text }), env);
  assert.ok(r.config, r.diagnostics.map((d) => d.message).join(' | '));
  return r.config.vrrp;
}

const SCRIPTS = [
  'global_defs {\n  enable_script_security\n  script_user root\n}',
  'vrrp_script chk {\n  script /bin/true\n  weight -20\n}',
].join('\n');

function instanceText(body: string): string {
  return `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n${body}\n}\n`;
}

test('trackSpecsForInstance() tracks the primary interface with weight 0 (FAULT while down)', () => {
  const vrrp = parseVrrp(`${SCRIPTS}\n${instanceText('  virtual_ipaddress {\n    10.0.0.1\n  }')}`);
  const vi = vrrp.instances[0];
  assert.ok(vi);
  assert.deepEqual(trackSpecsForInstance(vi, { syncGroup: undefined }), [
    { kind: 'interface', name: 'eth0', weight: 0, reverse: false },
  ]);
});

test('trackSpecsForInstance() with dont_track_primary ignores the primary, even for VIPs on it', () => {
  const body = '  dont_track_primary\n  virtual_ipaddress {\n    10.0.0.1\n    10.0.1.1 dev eth2\n  }';
  const vrrp = parseVrrp(`${SCRIPTS}\n${instanceText(body)}`);
  const vi = vrrp.instances[0];
  assert.ok(vi);
  assert.deepEqual(trackSpecsForInstance(vi, { syncGroup: undefined }), [
    { kind: 'interface', name: 'eth2', weight: 0, reverse: false },
  ]);
});

test('trackSpecsForInstance() makes a weighted interface unweighted when a VIP uses it (vrrp.c add_vrrp_to_interface)', () => {
  const body = [
    '  track_interface {\n    eth1 weight -30\n  }',
    '  track_script {\n    chk\n  }',
    '  virtual_ipaddress {\n    10.0.0.1\n    10.0.1.1 dev eth1\n    10.0.2.1 dev eth2 no_track\n  }',
  ].join('\n');
  const vi = parseVrrp(`${SCRIPTS}\n${instanceText(body)}`).instances[0];
  assert.ok(vi);
  assert.deepEqual(trackSpecsForInstance(vi, { syncGroup: undefined }), [
    { kind: 'script', name: 'chk', weight: -20, reverse: false },
    { kind: 'interface', name: 'eth1', weight: 0, reverse: false },
    { kind: 'interface', name: 'eth0', weight: 0, reverse: false },
  ]);
});

test('trackSpecsForInstance() applies a sync group\'s trackers to its members, the group\'s weight winning', () => {
  const text = [
    SCRIPTS,
    instanceText('  track_script {\n    chk weight -5\n  }'),
    'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n  sync_group_tracking_weight',
    '  track_script {\n    chk weight -40 reverse\n  }\n  track_interface {\n    eth2 weight 10\n  }\n}',
  ].join('\n');
  const vrrp = parseVrrp(text);
  const vi = vrrp.instances[0];
  const group = vrrp.syncGroups[0];
  assert.ok(vi && group);
  assert.deepEqual(trackSpecsForInstance(vi, { syncGroup: group }), [
    { kind: 'script', name: 'chk', weight: -40, reverse: true },
    { kind: 'interface', name: 'eth0', weight: 0, reverse: false },
    { kind: 'interface', name: 'eth2', weight: 10, reverse: false },
  ]);
});
