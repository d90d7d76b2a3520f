/**
 * The checker daemon's index of checker deadlines: a binary min-heap of (deadline, checker
 * id) on typed arrays, so that the engine's timer finds the due checkers and the next
 * deadline without scanning every checker. At 1,000 real servers that scan - a property
 * load per checker through the engine's state objects, every timer callback - was the
 * largest JS item of the checker (bench/RESULTS.md, "Checker CPU").
 *
 * The engine's state stays the truth: the shell tells the queue each deadline the engine
 * may have moved (set), or rebuilds it from the whole state (rebuild) after an event that
 * can move any of them. A checker's superseded entries stay in the heap and are dropped
 * when they come to the top: an entry counts only while it equals the checker's current
 * deadline. Plain data, no clock and no I/O: the caller passes the time.
 */
export class DeadlineQueue {
  /** By checker id: the current deadline (µs), NaN when it has none. */
  private currentUs = new Float64Array(0);
  /** The heap: keys (deadlines, µs) and values (checker ids); `size` entries are used. */
  private keysUs = new Float64Array(64);
  private ids = new Int32Array(64);
  private size = 0;

  /** Checker `id`'s deadline is now `deadlineUs` (undefined: none, e.g. while probing). */
  set(id: number, deadlineUs: number | undefined): void {
    this.ensureId(id);
    const d = deadlineUs ?? NaN;
    const was = this.currentUs[id] ?? NaN;
    if (d === was || (Number.isNaN(d) && Number.isNaN(was))) return;
    this.currentUs[id] = d;
    if (!Number.isNaN(d)) this.push(d, id);
  }

  /** Forgets everything, then takes each checker's deadline from `deadlineOf` (ids 0…count-1). */
  rebuild(count: number, deadlineOf: (id: number) => number | undefined): void {
    this.currentUs = new Float64Array(count).fill(NaN);
    this.size = 0;
    for (let id = 0; id < count; id++) this.set(id, deadlineOf(id));
  }

  /**
   * Removes and returns the checkers whose deadline is at or before `nowUs`, in deadline
   * order. Their deadlines count as gone until set again (the engine fires them).
   */
  takeDue(nowUs: number): number[] {
    const due: number[] = [];
    this.dropStale();
    while (this.size > 0 && (this.keysUs[0] ?? Infinity) <= nowUs) {
      const id = this.ids[0] ?? 0;
      this.popTop();
      this.currentUs[id] = NaN;
      due.push(id);
      this.dropStale();
    }
    return due;
  }

  /** The earliest current deadline, or undefined when no checker has one. */
  nextUs(): number | undefined {
    this.dropStale();
    return this.size > 0 ? this.keysUs[0] : undefined;
  }

  /** Heap entries, superseded ones included (tests: the heap does not grow without bound). */
  entries(): number {
    return this.size;
  }

  private dropStale(): void {
    while (this.size > 0 && this.currentUs[this.ids[0] ?? 0] !== this.keysUs[0]) this.popTop();
  }

  private ensureId(id: number): void {
    if (id < this.currentUs.length) return;
    const grown = new Float64Array(Math.max(id + 1, this.currentUs.length * 2, 64)).fill(NaN);
    grown.set(this.currentUs);
    this.currentUs = grown;
  }

  private push(keyUs: number, id: number): void {
    if (this.size === this.keysUs.length) {
      const keys = new Float64Array(this.size * 2);
      keys.set(this.keysUs);
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      this.keysUs = keys;
      this.ids = ids;
    }
    const keys = this.keysUs;
    const ids = this.ids;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent] ?? 0;
      if (pk <= keyUs) break;
      keys[i] = pk;
      ids[i] = ids[parent] ?? 0;
      i = parent;
    }
    keys[i] = keyUs;
    ids[i] = id;
  }

  private popTop(): void {
    const keys = this.keysUs;
    const ids = this.ids;
    const n = --this.size;
    if (n === 0) return;
    const key = keys[n] ?? 0;
    const id = ids[n] ?? 0;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && (keys[right] ?? 0) < (keys[child] ?? 0)) child = right;
      const ck = keys[child] ?? 0;
      if (ck >= key) break;
      keys[i] = ck;
      ids[i] = ids[child] ?? 0;
      i = child;
    }
    keys[i] = key;
    ids[i] = id;
  }
}
