/**
 * TCP_CHECK for the checker daemon, in batches: the same connect as probeTcp (tcp.ts) -
 * the addon's prober (native/kats_tcp_probe.c) with fwmark, bind_if and bindto applied
 * before connect(), success = the handshake completed within connect_timeout, RST close -
 * without the per-attempt machinery of runAttempt: no Promise, AbortController, closure or
 * setTimeout per check. At 5,000 real servers that machinery, not the connect, was most of
 * the checker's JS time (bench/RESULTS.md, "Checker CPU").
 *
 * State is per checker id (the daemon's dense ids): the pending socket's fd, when it
 * started, and a sequence number. Time-outs use one FIFO per distinct connect_timeout:
 * within a FIFO the deadlines grow with the start times, so the earliest pending deadline
 * is found by skipping finished entries at the heads, and one Node timer serves them all.
 *
 * keepalived-compat: check_tcp.c tcp_connect_thread/tcp_check_thread: a time-out and a
 * connect error both fail the attempt; the daemon's checker state machine (checker_state.ts)
 * decides what a failure means (retry, delay_before_retry, down).
 */
import type { CheckerConnection } from '../../config/model/lvs.js';
import { loadNative, TCP_PROBER_BATCH, type NativeBinding, type TcpProber } from '../../net/native.js';
import { usToMs } from './_attempt.js';
import { encodeConnection, encodingNeedsInterface } from './_connect.js';

/** A finished check: never called from inside start() or cancel(). */
export type TcpLaneResult = (checkerId: number, ok: boolean, timedOut: boolean, durationMs: number) => void;

/** One connect_timeout's pending deadlines, in start order (so in deadline order). */
interface TimeoutFifo {
  readonly ids: number[];
  readonly seqs: number[];
  readonly deadlinesMs: number[];
  head: number;
}

/** Entries consumed before a FIFO's arrays are compacted (amortised O(1) per check). */
const FIFO_COMPACT_AT = 4096;

export class TcpCheckLane {
  /** By checker id: the pending socket (-1: none), its start (performance.now ms), sequence. */
  private fdOf = new Int32Array(0);
  private startedMs = new Float64Array(0);
  private seqOf = new Uint32Array(0);
  /** By checker id: the connection registered with the prober (setTarget). */
  private readonly targetOf: (CheckerConnection | undefined)[] = [];
  private readonly fifos = new Map<number, TimeoutFifo>();
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Infinity;
  /** Start failures (socket, bind, connect errors), reported on the next turn. */
  private failedNow: number[] = [];
  private failedScheduled = false;
  private pendingCount = 0;
  private closed = false;

  private constructor(
    private readonly native: Pick<NativeBinding, 'ifNameToIndex'>,
    private readonly prober: TcpProber,
    /** The prober's result arrays (ids and errnos of the batch being reported). */
    private readonly ids: Int32Array,
    private readonly errnos: Int32Array,
    private readonly onResult: TcpLaneResult,
  ) {}

  /** A lane on the addon's prober, or undefined when the addon has none (use probeTcp). */
  static open(
    onResult: TcpLaneResult,
    native: Pick<NativeBinding, 'tcpProber' | 'ifNameToIndex'> = loadNative(),
  ): TcpCheckLane | undefined {
    const create = native.tcpProber;
    if (create === undefined) return undefined;
    const ids = new Int32Array(TCP_PROBER_BATCH);
    const errnos = new Int32Array(TCP_PROBER_BATCH);
    let lane: TcpCheckLane | undefined;
    const prober = create((count) => lane?.onDone(count), ids, errnos, true);
    lane = new TcpCheckLane(native, prober, ids, errnos, onResult);
    return lane;
  }

  /**
   * Starts checker `checkerId`'s connect to `conn.destination`, abandoning one still
   * pending for it. The result comes through onResult, in a later turn.
   */
  start(checkerId: number, conn: CheckerConnection, timeoutUs: number = conn.connectTimeoutUs): void {
    if (this.closed) return;
    this.ensure(checkerId);
    this.cancel(checkerId);
    const seq = ((this.seqOf[checkerId] ?? 0) + 1) >>> 0;
    this.seqOf[checkerId] = seq;
    const dst = conn.destination;
    if (dst === undefined || dst.port === 0) {
      this.failSoon(checkerId);
      return;
    }
    const now = performance.now();
    this.startedMs[checkerId] = now;
    // Registered once per checker (again after a reload, which brings new connections; and
    // each time for an IPv6 bind_if target, whose interface index may change).
    if (this.targetOf[checkerId] !== conn || encodingNeedsInterface(conn)) {
      const e = encodeConnection(this.native, conn);
      this.prober.setTarget(checkerId, e.sockaddr, e.bindSockaddr, e.ifname, conn.fwmark | 0);
      this.targetOf[checkerId] = conn;
    }
    const fd = this.prober.startTarget(checkerId);
    if (fd < 0) {
      this.failSoon(checkerId);
      return;
    }
    this.fdOf[checkerId] = fd;
    this.pendingCount++;
    const timeoutMs = usToMs(timeoutUs);
    let fifo = this.fifos.get(timeoutMs);
    if (fifo === undefined) {
      fifo = { ids: [], seqs: [], deadlinesMs: [], head: 0 };
      this.fifos.set(timeoutMs, fifo);
    }
    const deadline = now + timeoutMs;
    fifo.ids.push(checkerId);
    fifo.seqs.push(seq);
    fifo.deadlinesMs.push(deadline);
    if (deadline < this.timerAtMs) this.arm(deadline);
  }

  /** Abandons checker `checkerId`'s pending connect, if any (no result is reported). */
  cancel(checkerId: number): void {
    const fd = this.fdOf[checkerId] ?? -1;
    if (fd < 0) return;
    this.fdOf[checkerId] = -1;
    this.pendingCount--;
    this.prober.cancel(fd);
  }

  /** Abandons every pending connect (a reload: the checker ids change meaning). */
  cancelAll(): void {
    for (let id = 0; id < this.fdOf.length; id++) this.cancel(id);
    for (const f of this.fifos.values()) this.consume(f, f.ids.length);
    this.failedNow = [];
  }

  /** Pending connects (tests: nothing may be left after a time-out or a cancel). */
  inFlight(): number {
    return this.pendingCount;
  }

  close(): void {
    if (this.closed) return;
    this.cancelAll();
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.prober.close();
  }

  private ensure(checkerId: number): void {
    if (checkerId < this.fdOf.length) return;
    const n = Math.max(checkerId + 1, this.fdOf.length * 2, 64);
    const fdOf = new Int32Array(n).fill(-1);
    fdOf.set(this.fdOf);
    const startedMs = new Float64Array(n);
    startedMs.set(this.startedMs);
    const seqOf = new Uint32Array(n);
    seqOf.set(this.seqOf);
    this.fdOf = fdOf;
    this.startedMs = startedMs;
    this.seqOf = seqOf;
  }

  private failSoon(checkerId: number): void {
    this.failedNow.push(checkerId, this.seqOf[checkerId] ?? 0);
    if (this.failedScheduled) return;
    this.failedScheduled = true;
    setImmediate(() => {
      this.failedScheduled = false;
      const failed = this.failedNow;
      this.failedNow = [];
      for (let i = 0; i < failed.length; i += 2) {
        const id = failed[i] ?? 0;
        // A later start (or a reload) superseded this one.
        if (this.closed || this.seqOf[id] !== failed[i + 1] || (this.fdOf[id] ?? -1) >= 0) continue;
        this.onResult(id, false, false, 0);
      }
    });
  }

  /** The addon's batch: the C side already closed (or reset) every socket in it. */
  private onDone(count: number): void {
    const now = performance.now();
    for (let i = 0; i < count; i++) {
      const id = this.ids[i] ?? -1;
      if ((this.fdOf[id] ?? -1) < 0) continue; // cancelled in this turn
      this.fdOf[id] = -1;
      this.pendingCount--;
      this.onResult(id, this.errnos[i] === 0, false, now - (this.startedMs[id] ?? now));
    }
  }

  private arm(atMs: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, Math.ceil(atMs - performance.now())));
  }

  /** Expires due connects, drops finished entries, re-arms for the earliest pending one. */
  private onTimer(): void {
    this.timer = undefined;
    this.timerAtMs = Infinity;
    if (this.closed) return;
    const now = performance.now();
    let next = Infinity;
    for (const f of this.fifos.values()) {
      let h = f.head;
      const end = f.ids.length;
      for (; h < end; h++) {
        const id = f.ids[h] ?? 0;
        const live = this.seqOf[id] === f.seqs[h] && (this.fdOf[id] ?? -1) >= 0;
        if (!live) continue;
        const deadline = f.deadlinesMs[h] ?? 0;
        if (deadline > now) {
          next = Math.min(next, deadline);
          break;
        }
        this.cancel(id);
        this.onResult(id, false, true, now - (this.startedMs[id] ?? now));
      }
      this.consume(f, h - f.head);
    }
    if (next !== Infinity) this.arm(next);
  }

  private consume(f: TimeoutFifo, n: number): void {
    f.head += n;
    if (f.head === f.ids.length) {
      f.ids.length = 0;
      f.seqs.length = 0;
      f.deadlinesMs.length = 0;
      f.head = 0;
    } else if (f.head >= FIFO_COMPACT_AT && f.head * 2 >= f.ids.length) {
      f.ids.splice(0, f.head);
      f.seqs.splice(0, f.head);
      f.deadlinesMs.splice(0, f.head);
      f.head = 0;
    }
  }
}
