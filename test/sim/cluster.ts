/**
 * A simulated VRRP cluster: N nodes, each running the real pure state machine
 * (src/vrrp/instance.ts) for one VRID, on a simulated monotonic clock (µs) and a
 * simulated L2 segment (network.ts). One event queue, ordered by time and then by
 * insertion order, so a run is a pure function of its seed.
 *
 * The shell's job, as the daemon would do it: feed `timer_fired` at `nextDeadlineUs`,
 * deliver adverts, and apply actions (VIPs on/off, GARP, adverts onto the wire).
 */
import {
  initialState,
  nextDeadlineUs,
  step,
  type Action,
  type InstanceParams,
  type InstanceState,
  type ReceivedAdvert,
  type VrrpEvent,
} from '../../src/vrrp/instance.js';
import type { LinkConditions, Network } from './network.js';

/** A node is addressed by index, or 'master' = whichever live node is MASTER when the op runs. */
export type NodeTarget = number | 'master';

export type ClusterOp =
  /** The host dies: no priority 0 advert, its VIPs vanish with it. */
  | { readonly kind: 'crash'; readonly node: NodeTarget }
  /** A fresh keepalived start on a down (crashed, stopped or never started) node. */
  | { readonly kind: 'start'; readonly node: number }
  /** Graceful stop (SIGTERM): shutdown event, a master sends priority 0. */
  | { readonly kind: 'stop'; readonly node: NodeTarget }
  /** Trackers moved the effective priority. */
  | { readonly kind: 'set_priority'; readonly node: NodeTarget; readonly priority: number }
  /** A tracker (interface, weight-0 script) put the instance into or out of FAULT. */
  | { readonly kind: 'set_fault'; readonly node: NodeTarget; readonly faulted: boolean }
  | { readonly kind: 'partition'; readonly groups: readonly number[] }
  | { readonly kind: 'heal' }
  | { readonly kind: 'set_link'; readonly link: LinkConditions };

export type QueueEvent =
  | { readonly kind: 'timer'; readonly node: number; readonly gen: number }
  | { readonly kind: 'deliver'; readonly from: number; readonly to: number; readonly advert: ReceivedAdvert }
  | { readonly kind: 'op'; readonly op: ClusterOp }
  | { readonly kind: 'check' };

export interface SimNode {
  readonly id: number;
  readonly params: InstanceParams;
  /** undefined: the node is down (crashed or never started). */
  s: InstanceState | undefined;
  hasVips: boolean;
  readonly garps: { readonly atUs: number; readonly count: number }[];
  /** Tracker outputs, kept across crashes (they describe the host, not the process). */
  trackerPriority: number;
  trackerFaulted: boolean;
  timerAtUs: number | undefined;
  timerGen: number;
}

/** One call of step() and what it did. */
export interface StepRecord {
  readonly node: number;
  readonly event: VrrpEvent;
  readonly before: InstanceState;
  readonly after: InstanceState;
  readonly actions: readonly Action[];
}

export interface ClusterObserver {
  /** Before the event at `nowUs` is applied (time-bound checks). */
  beforeEvent(cluster: Cluster, nowUs: number): void;
  /** After it: the event and the step it caused, if any. */
  afterEvent(cluster: Cluster, ev: QueueEvent, record: StepRecord | undefined): void;
}

interface Queued {
  readonly atUs: number;
  readonly seq: number;
  readonly ev: QueueEvent;
}

/** A binary min-heap on (atUs, seq): deterministic tie-breaking by insertion order. */
class EventQueue {
  readonly #heap: Queued[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(atUs: number, ev: QueueEvent): void {
    const h = this.#heap;
    h.push({ atUs, seq: this.#seq++, ev });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i], h[parent])) break;
      swap(h, i, parent);
      i = parent;
    }
  }

  peekTime(): number | undefined {
    return this.#heap[0]?.atUs;
  }

  pop(): Queued | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l], h[m])) m = l;
      if (r < h.length && less(h[r], h[m])) m = r;
      if (m === i) break;
      swap(h, i, m);
      i = m;
    }
    return top;
  }
}

function less(a: Queued | undefined, b: Queued | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.atUs < b.atUs || (a.atUs === b.atUs && a.seq < b.seq);
}

function swap<T>(h: T[], i: number, j: number): void {
  const x = h[i] as T;
  h[i] = h[j] as T;
  h[j] = x;
}

export class Cluster {
  readonly nodes: readonly SimNode[];
  readonly network: Network;
  readonly #queue = new EventQueue();
  readonly #observers: ClusterObserver[] = [];
  #nowUs = 0;
  #sameTimeSteps = 0;
  trace: ((line: string) => void) | undefined;

  constructor(params: readonly InstanceParams[], network: Network) {
    this.network = network;
    this.nodes = params.map((p, id) => ({
      id,
      params: p,
      s: undefined,
      hasVips: false,
      garps: [],
      trackerPriority: p.basePriority,
      trackerFaulted: false,
      timerAtUs: undefined,
      timerGen: 0,
    }));
  }

  get nowUs(): number {
    return this.#nowUs;
  }

  observe(o: ClusterObserver): void {
    this.#observers.push(o);
  }

  schedule(atUs: number, op: ClusterOp): void {
    this.#queue.push(atUs, { kind: 'op', op });
  }

  /** Wakes the observers at `atUs` even if nothing else happens then. */
  scheduleCheck(atUs: number): void {
    this.#queue.push(atUs, { kind: 'check' });
  }

  /** Alive and running keepalived (not crashed, not stopped). */
  isLive(n: SimNode): boolean {
    return n.s !== undefined && n.s.state !== 'STOP';
  }

  masters(): SimNode[] {
    return this.nodes.filter((n) => this.isLive(n) && n.s?.state === 'MASTER');
  }

  /** Processes every event up to and including `endUs`; the clock ends at `endUs`. */
  runUntil(endUs: number): void {
    for (;;) {
      const at = this.#queue.peekTime();
      if (at === undefined || at > endUs) break;
      const item = this.#queue.pop();
      if (item === undefined) break;
      this.#sameTimeSteps = item.atUs === this.#nowUs ? this.#sameTimeSteps + 1 : 0;
      if (this.#sameTimeSteps > 10_000) throw new Error(`livelock at ${item.atUs}µs`);
      this.#nowUs = item.atUs;
      for (const o of this.#observers) o.beforeEvent(this, this.#nowUs);
      const record = this.#dispatch(item.ev);
      for (const o of this.#observers) o.afterEvent(this, item.ev, record);
    }
    this.#nowUs = Math.max(this.#nowUs, endUs);
  }

  #dispatch(ev: QueueEvent): StepRecord | undefined {
    switch (ev.kind) {
      case 'timer': {
        const n = this.#node(ev.node);
        if (n.s === undefined || ev.gen !== n.timerGen) return undefined;
        n.timerAtUs = undefined;
        return this.#step(n, { kind: 'timer_fired' });
      }
      case 'deliver': {
        const n = this.#node(ev.to);
        if (n.s === undefined || !this.network.deliverable(ev.from, ev.to)) return undefined;
        return this.#step(n, { kind: 'advert_received', advert: ev.advert });
      }
      case 'op':
        return this.#applyOp(ev.op);
      case 'check':
        return undefined;
    }
  }

  #node(id: number): SimNode {
    const n = this.nodes[id];
    if (n === undefined) throw new RangeError(`no node ${id}`);
    return n;
  }

  #resolve(target: NodeTarget): SimNode | undefined {
    if (target === 'master') return this.masters()[0];
    return this.#node(target);
  }

  #applyOp(op: ClusterOp): StepRecord | undefined {
    this.trace?.(`${fmt(this.#nowUs)} op ${JSON.stringify(op)}`);
    switch (op.kind) {
      case 'partition':
        this.network.partition(op.groups, this.#nowUs);
        return undefined;
      case 'heal':
        this.network.heal(this.#nowUs);
        return undefined;
      case 'set_link':
        this.network.setLink(op.link, this.#nowUs);
        return undefined;
      default:
        return this.#applyNodeOp(op);
    }
  }

  #applyNodeOp(op: ClusterOp): StepRecord | undefined {
    const n = op.kind === 'start' ? this.#node(op.node) : 'node' in op ? this.#resolve(op.node) : undefined;
    if (n === undefined) return undefined;
    switch (op.kind) {
      case 'crash':
        if (n.s === undefined) return undefined;
        n.s = undefined;
        n.hasVips = false;
        n.timerAtUs = undefined;
        n.timerGen++;
        return undefined;
      case 'start':
        return this.#start(n);
      case 'stop':
        return this.isLive(n) ? this.#step(n, { kind: 'shutdown' }) : undefined;
      case 'set_priority':
        n.trackerPriority = op.priority;
        return n.s === undefined ? undefined : this.#step(n, { kind: 'priority_changed', effectivePriority: op.priority });
      case 'set_fault':
        n.trackerFaulted = op.faulted;
        return n.s === undefined ? undefined : this.#step(n, { kind: 'fault_changed', isFaulted: op.faulted });
      default:
        return undefined;
    }
  }

  /** A fresh process: INIT with the trackers' current view, then startup. */
  #start(n: SimNode): StepRecord | undefined {
    if (this.isLive(n)) return undefined;
    const owner = n.params.basePriority === 255;
    const fresh = initialState(n.params, owner ? 255 : n.trackerPriority);
    n.s = { ...fresh, isFaulted: n.trackerFaulted };
    n.hasVips = false;
    return this.#step(n, { kind: 'startup' });
  }

  #step(n: SimNode, event: VrrpEvent): StepRecord {
    const before = n.s;
    if (before === undefined) throw new Error(`step on down node ${n.id}`);
    const t = step(before, event, this.#nowUs);
    n.s = t.state;
    if (this.trace !== undefined && before.state !== t.state.state) {
      this.trace(`${fmt(this.#nowUs)} node ${n.id} ${before.state} -> ${t.state.state} on ${event.kind}`);
    }
    for (const a of t.actions) this.#apply(n, a);
    this.#rearm(n);
    return { node: n.id, event, before, after: t.state, actions: t.actions };
  }

  #apply(n: SimNode, a: Action): void {
    switch (a.kind) {
      case 'send_advert': {
        const advert: ReceivedAdvert = {
          priority: a.priority,
          sourceAddress: n.params.primaryAddress,
          advertIntervalCs: n.params.advertIntervalCs,
        };
        for (const d of this.network.multicast(n.id, this.#nowUs)) {
          this.#queue.push(d.atUs, { kind: 'deliver', from: n.id, to: d.to, advert });
        }
        return;
      }
      case 'add_vips':
        n.hasVips = true;
        return;
      case 'remove_vips':
        n.hasVips = false;
        return;
      case 'send_garp':
        n.garps.push({ atUs: this.#nowUs, count: a.count });
        return;
      default:
        return;
    }
  }

  #rearm(n: SimNode): void {
    const d = n.s === undefined ? undefined : nextDeadlineUs(n.s);
    if (d === n.timerAtUs) return;
    n.timerGen++;
    n.timerAtUs = d;
    if (d !== undefined) this.#queue.push(Math.max(d, this.#nowUs), { kind: 'timer', node: n.id, gen: n.timerGen });
  }
}

export function fmt(us: number): string {
  return `${(us / 1_000_000).toFixed(6)}s`;
}
