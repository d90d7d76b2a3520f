/**
 * A simulated L2 segment for the VRRP simulator: multicast adverts reach every other node
 * after a per-link delay plus jitter; packets may be lost, duplicated or reordered (an
 * extra delay), and partitions cut the segment into groups that cannot hear each other.
 * All randomness comes from the PRNG; time is the cluster's simulated clock (µs).
 */
import type { Prng } from './prng.js';

export interface LinkConditions {
  /** Fixed one-way delay (µs). */
  readonly baseDelayUs: number;
  /** Uniform extra delay in [0, jitterUs] (reorders packets that are close in time). */
  readonly jitterUs: number;
  readonly lossRate: number;
  readonly duplicateRate: number;
  /** Chance of an extra delay up to reorderDelayUs (reorders further). */
  readonly reorderRate: number;
  readonly reorderDelayUs: number;
}

export const PERFECT_LINK: LinkConditions = {
  baseDelayUs: 100,
  jitterUs: 0,
  lossRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderDelayUs: 0,
};

export interface Delivery {
  readonly to: number;
  readonly atUs: number;
}

export class Network {
  readonly nodeCount: number;
  readonly #prng: Prng;
  #link: LinkConditions;
  /** Group id per node: nodes hear each other only within a group. */
  #groups: number[];
  /** Since when the segment has been connected and lossless (undefined: it is not). */
  #calmSinceUs: number | undefined;
  /** Canary: drop everything addressed to this node while claiming to be connected. */
  deafNode: number | undefined;

  constructor(nodeCount: number, prng: Prng, link: LinkConditions = PERFECT_LINK) {
    this.nodeCount = nodeCount;
    this.#prng = prng;
    this.#link = link;
    this.#groups = new Array<number>(nodeCount).fill(0);
    this.#calmSinceUs = link.lossRate === 0 ? 0 : undefined;
  }

  get link(): LinkConditions {
    return this.#link;
  }

  /** The largest one-way delay a delivered packet can have (µs). */
  delayBoundUs(): number {
    const l = this.#link;
    return l.baseDelayUs + l.jitterUs + l.reorderDelayUs;
  }

  connected(a: number, b: number): boolean {
    return this.#groups[a] === this.#groups[b];
  }

  isPartitioned(): boolean {
    return this.#groups.some((g) => g !== this.#groups[0]);
  }

  /** Connected and lossless since this time, or undefined. */
  calmSinceUs(): number | undefined {
    return this.#calmSinceUs;
  }

  /** Cuts the segment: groups[i] is node i's side. */
  partition(groups: readonly number[], nowUs: number): void {
    this.#groups = [...groups];
    this.#updateCalm(nowUs);
  }

  heal(nowUs: number): void {
    this.#groups = new Array<number>(this.nodeCount).fill(0);
    this.#updateCalm(nowUs);
  }

  setLink(link: LinkConditions, nowUs: number): void {
    if (link.baseDelayUs + link.jitterUs + link.reorderDelayUs > this.delayBoundUs()) {
      // Keep the delay bound fixed for a run: the invariants' time bounds rely on it.
      throw new RangeError('setLink must not raise the delay bound');
    }
    this.#link = link;
    this.#updateCalm(nowUs);
  }

  #updateCalm(nowUs: number): void {
    const calm = !this.isPartitioned() && this.#link.lossRate === 0;
    if (!calm) this.#calmSinceUs = undefined;
    else if (this.#calmSinceUs === undefined) this.#calmSinceUs = nowUs;
  }

  /** Multicast from `from` at `nowUs`: where and when copies arrive (before partition checks at arrival). */
  multicast(from: number, nowUs: number): Delivery[] {
    const out: Delivery[] = [];
    for (let to = 0; to < this.nodeCount; to++) {
      if (to === from || !this.connected(from, to)) continue;
      const copies = this.#prng.chance(this.#link.duplicateRate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        if (this.#prng.chance(this.#link.lossRate)) continue;
        out.push({ to, atUs: nowUs + this.#delayUs() });
      }
    }
    return out;
  }

  /** A packet in flight reaches `to` only if the link is still up when it arrives. */
  deliverable(from: number, to: number): boolean {
    return this.connected(from, to) && to !== this.deafNode;
  }

  #delayUs(): number {
    const l = this.#link;
    let d = l.baseDelayUs + (l.jitterUs > 0 ? this.#prng.int(0, l.jitterUs) : 0);
    if (l.reorderRate > 0 && this.#prng.chance(l.reorderRate)) d += this.#prng.int(0, l.reorderDelayUs);
    return d;
  }
}
