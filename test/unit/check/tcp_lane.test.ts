/**
 * The TCP_CHECK lane's bookkeeping on a fake prober: results by checker id, one timer for
 * the connect time-outs (per connect_timeout FIFOs), cancel and restart, start failures on
 * the next turn. The real connects are tested in test/integration/probes/tcp_native.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpCheckLane } from '../../../src/check/probes/tcp_lane.js';
import type { CheckerConnection } from '../../../src/config/model/lvs.js';
import type { NativeBinding, TcpProber } from '../../../src/net/native.js';

interface Outcome {
  readonly id: number;
  readonly ok: boolean;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

/** A prober whose connects finish when the test says so. */
class FakeProber implements TcpProber {
  readonly open = new Map<number, number>(); // fd -> id
  readonly cancelled: number[] = [];
  nextFd = 100;
  /** A start that fails (-errno) instead of connecting. */
  failNext: number | undefined;
  closed = false;
  constructor(private readonly done: (n: number) => void, private readonly ids: Int32Array, private readonly errnos: Int32Array) {}
  /** setTarget calls, in order: [id, sockaddr]. */
  readonly registered: [number, Uint8Array][] = [];
  setTarget(id: number, sockaddr: Uint8Array): number {
    this.registered.push([id, sockaddr]);
    return 0;
  }
  startTarget(id: number): number {
    assert.ok(this.registered.some(([i]) => i === id), `no target registered for ${id}`);
    return this.start(id);
  }
  start(id: number): number {
    if (this.failNext !== undefined) {
      const e = this.failNext;
      this.failNext = undefined;
      return e;
    }
    const fd = this.nextFd++;
    this.open.set(fd, id);
    return fd;
  }
  cancel(fd: number): number {
    assert.ok(this.open.delete(fd), `cancel of an fd that is not pending: ${fd}`);
    this.cancelled.push(fd);
    return 0;
  }
  pending(): number {
    return this.open.size;
  }
  close(): void {
    this.closed = true;
  }
  /** Reports the pending connects of these checker ids in one batch (errno per id). */
  finish(results: readonly (readonly [id: number, errno: number])[]): void {
    let n = 0;
    for (const [id, errno] of results) {
      const fd = [...this.open].find(([, i]) => i === id)?.[0];
      assert.ok(fd !== undefined, `checker ${id} has no pending connect`);
      this.open.delete(fd);
      this.ids[n] = id;
      this.errnos[n] = errno;
      n++;
    }
    this.done(n);
  }
}

function setUp(): { lane: TcpCheckLane; prober: FakeProber; results: Outcome[] } {
  let prober: FakeProber | undefined;
  const native: Pick<NativeBinding, 'tcpProber' | 'ifNameToIndex'> = {
    tcpProber: (done, ids, errnos) => (prober = new FakeProber(done, ids, errnos)),
    ifNameToIndex: () => 0,
  };
  const results: Outcome[] = [];
  const lane = TcpCheckLane.open((id, ok, timedOut, durationMs) => results.push({ id, ok, timedOut, durationMs }), native);
  assert.ok(lane !== undefined && prober !== undefined);
  return { lane, prober, results };
}

function conn(connectTimeoutUs: number, port = 80): CheckerConnection {
  return { destination: { family: 4, address: '10.0.0.2', port }, bindTo: undefined, bindInterface: undefined, fwmark: 0, connectTimeoutUs };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('an addon without the prober gives no lane', () => {
  assert.equal(TcpCheckLane.open(() => undefined, { ifNameToIndex: () => 0 }), undefined);
});

test('results arrive by checker id, connected or not, never as time-outs', async () => {
  const { lane, prober, results } = setUp();
  lane.start(3, conn(1_000_000));
  lane.start(7, conn(1_000_000));
  assert.equal(lane.inFlight(), 2);
  prober.finish([[7, 0], [3, 111]]);
  assert.deepEqual(results.map((r) => [r.id, r.ok, r.timedOut]), [[7, true, false], [3, false, false]]);
  assert.equal(lane.inFlight(), 0);
  lane.close();
  assert.ok(prober.closed);
});

test('a connect past its connect_timeout is cancelled and reported as a time-out, in deadline order', async () => {
  const { lane, prober, results } = setUp();
  lane.start(1, conn(80_000));
  lane.start(2, conn(30_000)); // another FIFO with an earlier deadline: the timer moves up
  lane.start(3, conn(80_000));
  prober.finish([[3, 0]]);
  await sleep(50);
  assert.deepEqual(results.map((r) => [r.id, r.ok, r.timedOut]), [[3, true, false], [2, false, true]]);
  const two = results[1];
  assert.ok(two !== undefined && two.durationMs >= 29, `${two?.durationMs} ms`);
  await sleep(60);
  assert.deepEqual(results.slice(2).map((r) => [r.id, r.timedOut]), [[1, true]]);
  assert.equal(lane.inFlight(), 0);
  assert.equal(prober.pending(), 0, 'the timed-out sockets were closed');
  lane.close();
});

test('a restart abandons the pending connect; a cancel reports nothing', async () => {
  const { lane, prober, results } = setUp();
  lane.start(1, conn(40_000));
  lane.start(1, conn(40_000)); // the first socket is closed, the new one counts
  assert.equal(prober.cancelled.length, 1);
  assert.equal(lane.inFlight(), 1);
  lane.start(2, conn(40_000));
  lane.cancel(2);
  await sleep(70);
  assert.deepEqual(results.map((r) => [r.id, r.timedOut]), [[1, true]], 'one time-out, for the restarted connect only');
  lane.close();
});

test('a start that fails is a failed check on the next turn; cancelAll silences everything', async () => {
  const { lane, prober, results } = setUp();
  prober.failNext = -99;
  lane.start(4, conn(1_000_000));
  assert.equal(results.length, 0, 'never from inside start()');
  await turn();
  assert.deepEqual(results.map((r) => [r.id, r.ok, r.timedOut]), [[4, false, false]]);
  lane.start(5, conn(20_000));
  prober.failNext = -99;
  lane.start(6, conn(20_000));
  lane.cancelAll();
  assert.equal(lane.inFlight(), 0);
  await sleep(40);
  assert.equal(results.length, 1, 'nothing after cancelAll');
  lane.start(7, conn(1_000_000, 0));
  await turn();
  assert.deepEqual(results.slice(1).map((r) => [r.id, r.ok]), [[7, false]], 'no destination port: failed');
  lane.close();
});

test('a checker\'s target is registered once; a new connection (a reload) registers it again', async () => {
  const { lane, prober, results } = setUp();
  const c = conn(1_000_000, 8080);
  for (let i = 0; i < 3; i++) {
    lane.start(5, c);
    prober.finish([[5, 0]]);
  }
  assert.equal(prober.registered.length, 1, 'one setTarget for three checks');
  const moved = conn(1_000_000, 9090);
  lane.start(5, moved);
  assert.equal(prober.registered.length, 2);
  // sockaddr_in: family (2 bytes, host order), then the port in network order.
  assert.deepEqual([...(prober.registered[1]?.[1].subarray(2, 4) ?? [])], [9090 >> 8, 9090 & 0xff]);
  prober.finish([[5, 0]]);
  assert.equal(results.length, 4);
  lane.close();
});
