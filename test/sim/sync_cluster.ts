/**
 * A small deterministic simulator for vrrp_sync_group: R routers, each running one sync
 * group (src/vrrp/sync_group.ts, hence the real instance step()) over the same member
 * names (one VRID per member), on a lossless segment with a fixed delay (plus optional
 * seeded jitter). One event queue,
 * ordered by time and then by insertion order.
 *
 * After every event it checks the group invariant: on one router, the members of the
 * group are all MASTER or none is.
 */
import { initialState, type ReceivedAdvert } from '../../src/vrrp/instance.js';
import {
  initialGroup,
  nextGroupDeadline,
  startGroup,
  stepGroup,
  stopGroup,
  type GroupAction,
  type GroupTransition,
  type SyncGroupState,
} from '../../src/vrrp/sync_group.js';
import type { Prng } from './prng.js';
import { baseParams } from './scenario.js';

export interface SyncRouterSpec {
  readonly address: string;
  /** Base priority per member, in member order. */
  readonly priorities: readonly number[];
}

export type SyncOp =
  | { readonly kind: 'fault'; readonly router: number; readonly member: string; readonly faulted: boolean }
  | { readonly kind: 'priority'; readonly router: number; readonly member: string; readonly priority: number }
  | { readonly kind: 'stop'; readonly router: number }
  | { readonly kind: 'start'; readonly router: number };

export interface TimedSyncOp {
  readonly atUs: number;
  readonly op: SyncOp;
}

type Ev =
  | { readonly kind: 'timer'; readonly router: number; readonly gen: number }
  | { readonly kind: 'deliver'; readonly to: number; readonly member: string; readonly advert: ReceivedAdvert }
  | { readonly kind: 'op'; readonly op: SyncOp };

interface Router {
  readonly spec: SyncRouterSpec;
  group: SyncGroupState | undefined;
  timerGen: number;
  /** Tracker outputs, kept across restarts. */
  readonly faulted: Map<string, boolean>;
  readonly priority: Map<string, number>;
}

export const SYNC_DELAY_US = 100;

export function memberNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `VI_${i + 1}`);
}

export class SyncCluster {
  readonly routers: Router[];
  readonly members: readonly string[];
  readonly log: string[] = [];
  nowUs = 0;
  #queue: { atUs: number; seq: number; ev: Ev }[] = [];
  #seq = 0;

  readonly #jitter: { readonly prng: Prng; readonly jitterUs: number } | undefined;

  constructor(specs: readonly SyncRouterSpec[], jitter?: { readonly prng: Prng; readonly jitterUs: number }) {
    this.#jitter = jitter;
    const count = specs[0]?.priorities.length ?? 0;
    this.members = memberNames(count);
    this.routers = specs.map((spec) => ({
      spec,
      group: undefined,
      timerGen: 0,
      faulted: new Map(),
      priority: new Map(),
    }));
  }

  schedule(atUs: number, op: SyncOp): void {
    this.#push(atUs, { kind: 'op', op });
  }

  #push(atUs: number, ev: Ev): void {
    const item = { atUs, seq: this.#seq++, ev };
    let i = this.#queue.length;
    while (i > 0) {
      const prev = this.#queue[i - 1];
      if (prev === undefined || prev.atUs <= atUs) break;
      i--;
    }
    this.#queue.splice(i, 0, item);
  }

  /** Runs every event up to `untilUs`; throws on a broken group invariant. */
  run(untilUs: number): void {
    for (;;) {
      const next = this.#queue[0];
      if (next === undefined || next.atUs > untilUs) break;
      this.#queue.shift();
      this.nowUs = next.atUs;
      this.#handle(next.ev);
      this.checkInvariant();
    }
    this.nowUs = untilUs;
  }

  /** On each router, the group's members are all MASTER or none is. */
  checkInvariant(): void {
    this.routers.forEach((r, i) => {
      if (r.group === undefined) return;
      const masters = r.group.members.filter((m) => m.state === 'MASTER').length;
      if (masters !== 0 && masters !== r.group.members.length) {
        const states = r.group.members.map((m) => `${m.params.name}=${m.state}`).join(' ');
        throw new Error(`t=${this.nowUs}: router ${i} has a split sync group: ${states}\n${this.log.slice(-30).join('\n')}`);
      }
    });
  }

  /** Routers whose group has every member MASTER. */
  masterRouters(): number[] {
    return this.routers.flatMap((r, i) =>
      r.group !== undefined && r.group.members.every((m) => m.state === 'MASTER') ? [i] : [],
    );
  }

  #handle(ev: Ev): void {
    switch (ev.kind) {
      case 'timer': {
        const r = this.routers[ev.router];
        if (r?.group === undefined || ev.gen !== r.timerGen) return;
        const d = nextGroupDeadline(r.group);
        if (d === undefined || d.atUs > this.nowUs) return;
        this.#apply(ev.router, stepGroup(r.group, d.member, { kind: 'timer_fired' }, this.nowUs));
        return;
      }
      case 'deliver': {
        const r = this.routers[ev.to];
        if (r?.group === undefined) return;
        this.#apply(ev.to, stepGroup(r.group, ev.member, { kind: 'advert_received', advert: ev.advert }, this.nowUs));
        return;
      }
      case 'op':
        this.#op(ev.op);
        return;
    }
  }

  #op(op: SyncOp): void {
    const r = this.routers[op.router];
    if (r === undefined) return;
    switch (op.kind) {
      case 'start': {
        if (r.group !== undefined) return;
        const members = this.members.map((name, i) => {
          const p = baseParams({
            name,
            version: 2,
            basePriority: r.spec.priorities[i] ?? 100,
            primaryAddress: r.spec.address,
            garpMasterDelayUs: 0,
          });
          return { ...initialState(p, r.priority.get(name) ?? p.basePriority), isFaulted: r.faulted.get(name) ?? false };
        });
        this.#apply(op.router, startGroup(initialGroup('G', members), this.nowUs));
        return;
      }
      case 'stop':
        if (r.group === undefined) return;
        this.#apply(op.router, stopGroup(r.group, this.nowUs));
        r.group = undefined;
        return;
      case 'fault':
        r.faulted.set(op.member, op.faulted);
        if (r.group !== undefined) {
          this.#apply(op.router, stepGroup(r.group, op.member, { kind: 'fault_changed', isFaulted: op.faulted }, this.nowUs));
        }
        return;
      case 'priority':
        r.priority.set(op.member, op.priority);
        if (r.group !== undefined) {
          this.#apply(
            op.router,
            stepGroup(r.group, op.member, { kind: 'priority_changed', effectivePriority: op.priority }, this.nowUs),
          );
        }
        return;
    }
  }

  #apply(index: number, t: GroupTransition): void {
    const r = this.routers[index];
    if (r === undefined) return;
    r.group = t.group;
    for (const a of t.actions) this.#action(index, a);
    r.timerGen++;
    const d = nextGroupDeadline(t.group);
    if (d !== undefined) this.#push(Math.max(d.atUs, this.nowUs), { kind: 'timer', router: index, gen: r.timerGen });
  }

  #action(index: number, a: GroupAction): void {
    if (a.kind === 'log') {
      this.log.push(`${this.nowUs} R${index} ${a.text}`);
      return;
    }
    if (a.kind === 'group_notify') {
      this.log.push(`${this.nowUs} R${index} group_notify ${a.group} ${a.state}`);
      return;
    }
    const x = a.action;
    if (x.kind === 'log' && x.level === 'info') this.log.push(`${this.nowUs} R${index} ${x.text}`);
    if (x.kind !== 'send_advert') return;
    const address = this.routers[index]?.spec.address ?? '0.0.0.0';
    this.routers.forEach((_, to) => {
      if (to === index) return;
      const extra = this.#jitter === undefined ? 0 : this.#jitter.prng.int(0, this.#jitter.jitterUs);
      this.#push(this.nowUs + SYNC_DELAY_US + extra, {
        kind: 'deliver',
        to,
        member: a.member,
        advert: { priority: x.priority, sourceAddress: address, advertIntervalCs: 100 },
      });
    });
  }
}
