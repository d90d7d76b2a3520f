/**
 * Fakes for the status tests: a VrrpRuntimeView, a checker plan/engine view and a complete
 * DaemonStatus (also used by the integration tests of the HTTP server and the dashboard).
 */
import type { InstanceCounters } from '../../../src/vrrp/runtime.js';
import type { DropReason } from '../../../src/vrrp/drop_reasons.js';
import type { TransitionReason, VrrpState } from '../../../src/vrrp/instance.js';
import {
  buildCheckerSnapshot,
  buildVrrpSnapshot,
  type CheckEngineView,
  type CheckPlanView,
  type DaemonStatus,
  type VrrpRuntimeView,
} from '../../../src/daemon/status/snapshot.js';

export interface FakeInstance {
  name: string;
  state: VrrpState;
  vrid: number;
  interfaceName: string;
  basePriority: number;
  effectivePriority: number;
  vips: { address: string; prefixLength: number; device?: string }[];
  excluded?: { address: string; prefixLength: number }[];
  syncGroup?: string;
  counters?: Partial<Omit<InstanceCounters, 'drops' | 'transitionsByReason' | 'lastAdvertUsBySource'>>;
  drops?: [DropReason, number][];
  transitions?: [TransitionReason, number][];
  lastAdverts?: [string, number][];
}

export function fakeRuntime(instances: FakeInstance[], groups: { name: string; members: string[] }[] = []): VrrpRuntimeView {
  const byName = new Map(instances.map((i) => [i.name, i]));
  return {
    instanceNames: () => instances.map((i) => i.name),
    stateOf: (name) => {
      const i = byName.get(name);
      if (i === undefined) return undefined;
      return {
        state: i.state,
        wantState: i.state === 'MASTER' ? 'MASTER' : i.state === 'FAULT' ? 'FAULT' : 'BACKUP',
        effectivePriority: i.effectivePriority,
        isFaulted: i.state === 'FAULT',
        masterAdverIntervalCs: 100,
        masterAddress: i.state === 'BACKUP' ? '10.0.0.2' : undefined,
        params: { basePriority: i.basePriority },
      };
    },
    counters: (name) => {
      const i = byName.get(name);
      if (i === undefined) return undefined;
      return {
        advertsReceived: 0,
        advertsSent: 0,
        priorityZeroReceived: 0,
        priorityZeroSent: 0,
        becameMaster: 0,
        releasedMaster: 0,
        splitBrains: 0,
        takeoversRefused: 0,
        ...i.counters,
        drops: new Map(i.drops ?? []),
        transitionsByReason: new Map(i.transitions ?? []),
        lastAdvertUsBySource: new Map(i.lastAdverts ?? []),
      };
    },
    groupStates: () =>
      groups.map((g) => ({
        name: g.name,
        state: byName.get(g.members[0] ?? '')?.state === 'MASTER' ? 'MASTER' : 'BACKUP',
        members: g.members.map((m) => ({ params: { name: m } })),
      })),
    config: (name) => {
      const i = byName.get(name);
      if (i === undefined) return undefined;
      const vip = (v: { address: string; prefixLength: number; device?: string }) => ({
        address: v.address,
        family: v.address.includes(':') ? (6 as const) : (4 as const),
        prefixLength: v.prefixLength,
        device: v.device,
      });
      return {
        name,
        interfaceName: i.interfaceName,
        vrid: i.vrid,
        family: 4,
        version: 2,
        advertIntervalCs: 100,
        downTimerAdverts: 3,
        syncGroup: i.syncGroup,
        garpMasterDelayUs: 5_000_000,
        isUnicast: false,
        virtualIpAddresses: i.vips.map(vip),
        excludedIpAddresses: (i.excluded ?? []).map(vip),
        unicastPeers: [],
      };
    },
  };
}

export const PLAN: CheckPlanView = {
  virtualServers: [
    {
      context: {
        text: '[10.0.0.50]:tcp:80',
        quorum: 1,
        realServers: [
          { text: '[10.0.1.1]:tcp:8080', weight: 3 },
          { text: '[10.0.1.2]:tcp:8080', weight: 1 },
        ],
        sorryServer: undefined,
      },
    },
  ],
  checkers: [
    { id: 0, virtualServer: 0, realServer: 0, config: { type: 'HTTP_GET' } },
    { id: 1, virtualServer: 0, realServer: 1, config: { type: 'TCP_CHECK' } },
  ],
};

export function engine(rs2Alive: boolean): CheckEngineView {
  return {
    checkers: [
      { timed: { isUp: true }, externalUp: true },
      { timed: { isUp: rs2Alive }, externalUp: true },
    ],
    virtualServers: [
      {
        quorumUp: true,
        active: true,
        realServers: [
          { alive: true, set: true, kernelWeight: 3, numFailedCheckers: 0, effectiveWeight: 3 },
          { alive: rs2Alive, set: rs2Alive, kernelWeight: 1, numFailedCheckers: rs2Alive ? 0 : 1, effectiveWeight: 1 },
        ],
        sorryServer: undefined,
      },
    ],
  };
}

export const NOW_MS = 1_700_000_000_000;

export function fakeInstances(stateOfVi1: VrrpState = 'MASTER'): FakeInstance[] {
  return [
    {
      name: 'VI_1',
      state: stateOfVi1,
      vrid: 51,
      interfaceName: 'eth0',
      basePriority: 150,
      effectivePriority: 140,
      vips: [
        { address: '10.0.0.100', prefixLength: 32 },
        { address: '10.0.0.101', prefixLength: 24, device: 'eth1' },
      ],
      excluded: [{ address: '2001:db8::1', prefixLength: 64 }],
      syncGroup: 'G1',
      counters: { advertsReceived: 12, advertsSent: 340, becameMaster: 2, releasedMaster: 1, priorityZeroSent: 1 },
      drops: [
        ['bad_ttl', 3],
        ['unicast_peer_ttl', 1],
        ['auth_failure', 2],
        ['bad_checksum', 5],
        ['unicast_source_not_peer', 7],
      ],
      transitions: [
        ['master_down_timeout', 2],
        ['higher_priority_advert', 1],
      ],
      lastAdverts: [['10.0.0.2', 7_500_000]],
    },
    {
      name: 'VI_2',
      state: 'BACKUP',
      vrid: 52,
      interfaceName: 'eth0',
      basePriority: 100,
      effectivePriority: 100,
      vips: [],
    },
  ];
}

/** A whole DaemonStatus as the parent would serve it. */
export function fakeDaemonStatus(o: { vi1State?: VrrpState; rs2Alive?: boolean; splitBrain?: boolean } = {}): DaemonStatus {
  const rt = fakeRuntime(fakeInstances(o.vi1State ?? 'MASTER'), [{ name: 'G1', members: ['VI_1'] }]);
  const vrrp = buildVrrpSnapshot(rt, {
    nowUs: 10_000_000,
    atMs: NOW_MS,
    vipPresent: (_i, a) => (a === '10.0.0.100' ? true : a === '10.0.0.101' ? false : undefined),
    scripts: [
      { name: 'chk_nginx', result: 'good', isRunning: false },
      { name: 'chk_db', result: 'bad' },
      { name: 'chk_new', result: 'unknown' },
    ],
    notify: {
      scriptsRun: 4,
      scriptFailures: 1,
      scriptTimeouts: 0,
      scriptsDropped: 0,
      emailsSent: 0,
      emailsFailed: 0,
      fifoLinesWritten: 3,
      fifoLinesDropped: 0,
    },
    ...(o.splitBrain === true
      ? {
          splitBrain: {
            arbiterOf: (n: string) => (n === 'VI_1' ? 'GW' : undefined),
            hasWitness: (n: string) => n === 'VI_1',
            arbiterReachable: () => true,
            holdsLease: () => true,
            lastGateMs: () => 2.5,
            paths: (n: string) =>
              n === 'VI_1'
                ? [
                    { label: 'eth0 multicast 224.0.0.18', lastAdvertUs: 7_000_000, isUp: false },
                    { label: 'hb0 unicast 10.9.0.2', lastAdvertUs: 9_500_000, isUp: true },
                  ]
                : [],
          },
        }
      : {}),
  });
  const checker = buildCheckerSnapshot(PLAN, engine(o.rs2Alive ?? true), {
    atMs: NOW_MS,
    lastProbe: (id) => (id === 0 ? { durationMs: 12.5, ok: true } : undefined),
  });
  return {
    generatedAtMs: NOW_MS + 500,
    parent: { pid: 4242, version: '0.1.0', nodeVersion: 'v20.0.0', startedAtMs: NOW_MS - 60_000 },
    children: [
      { role: 'vrrp', isExpected: true, pid: 4243, receivedAtMs: NOW_MS, isFresh: true },
      { role: 'checker', isExpected: true, pid: 4244, receivedAtMs: NOW_MS, isFresh: true },
    ],
    vrrp,
    checker,
    reloads: { success: 2, failure: 1, lastResult: 'success', lastAtMs: NOW_MS - 1000, lastSuccessAtMs: NOW_MS - 1000 },
  };
}
