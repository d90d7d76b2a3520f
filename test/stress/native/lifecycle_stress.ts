/**
 * Lifecycle stress for the addon's poller (run by test/integration/native_lifecycle.test.ts,
 * also under valgrind): CYCLES times open a UDP socket on 127.0.0.1, poll it, send to
 * itself, and close in one of four ways that exercise the uv handle / JS wrapper split:
 * from inside the callback (twice), from outside before any data arrived, with close()
 * before the fd, and by dropping the poller after close so GC runs its finalizer.
 * Prints one JSON line: {cycles, ms, rssMiB, received}. Does nothing without arguments.
 *
 *   node --expose-gc dist/test/stress/native/lifecycle_stress.js CYCLES [BATCH]
 */
import { AF_INET, EAGAIN, SOCK_DGRAM } from '../../../src/net/constants.js';
import { errnoName, loadNative, type Poller } from '../../../src/net/native.js';
import { encodeSockaddrIn, SOCKADDR_STORAGE_LENGTH } from '../../../src/net/sockaddr.js';

const native = loadNative();
const gc = (globalThis as { gc?: () => void }).gc;

function check(r: number, what: string): number {
  if (r < 0) throw new Error(`${what}: ${errnoName(r)}`);
  return r;
}

/** One socket's life; resolves when it is closed. `mode` picks how it ends. */
function cycle(mode: number, counters: { received: number }): Promise<void> {
  return new Promise((resolve) => {
    const fd = check(native.socket(AF_INET, SOCK_DGRAM, 0), 'socket');
    const addr = encodeSockaddrIn('127.0.0.1');
    check(native.bind(fd, addr), 'bind');
    const self = new Uint8Array(SOCKADDR_STORAGE_LENGTH);
    const len = check(native.getsockname(fd, self), 'getsockname');
    const data = new Uint8Array(64);
    const name = new Uint8Array(SOCKADDR_STORAGE_LENGTH);
    const out = new Int32Array(3);
    let poller: Poller | undefined;
    let isClosed = false;
    const finish = (): void => {
      if (isClosed) return;
      isClosed = true;
      poller?.close();
      poller?.close(); // idempotent
      check(native.close(fd), 'close');
      poller = undefined; // drop the wrapper: its finalizer must not touch the freed handle
      resolve();
    };
    poller = native.poll(fd, () => {
      for (;;) {
        if (isClosed) return; // closed earlier in this callback: do not read a closed fd
        const n = native.recvmsg(fd, data, name, new Uint8Array(0), out);
        if (n === -EAGAIN) return;
        check(n, 'recvmsg');
        counters.received++;
        if (mode !== 3) finish();
      }
    });
    if (mode === 1) {
      finish(); // closed before any data: the handle closes with nothing pending
      return;
    }
    check(native.sendto(fd, Uint8Array.of(mode), self.subarray(0, len)), 'sendto');
    if (mode === 2) check(native.sendto(fd, Uint8Array.of(9), self.subarray(0, len)), 'sendto'); // two queued
    if (mode === 3) setImmediate(() => setImmediate(finish)); // closed from outside after reading
  });
}

async function main(cycles: number, batch: number): Promise<void> {
  const started = process.hrtime.bigint();
  const counters = { received: 0 };
  let rssMaxMiB = 0;
  for (let done = 0; done < cycles; ) {
    const n = Math.min(batch, cycles - done);
    await Promise.all(Array.from({ length: n }, (_, i) => cycle((done + i) % 4, counters)));
    done += n;
    if (done % (batch * 10) === 0) gc?.();
    rssMaxMiB = Math.max(rssMaxMiB, process.memoryUsage.rss() / 2 ** 20);
  }
  gc?.();
  await new Promise((r) => setImmediate(r));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rssMiB = process.memoryUsage.rss() / 2 ** 20;
  process.stdout.write(`${JSON.stringify({ cycles, ms: Math.round(ms), rssMiB: Math.round(rssMiB), rssMaxMiB: Math.round(rssMaxMiB), received: counters.received, gc: gc !== undefined })}\n`);
}

const [cyclesArg, batchArg] = process.argv.slice(2);
if (cyclesArg !== undefined) await main(Number(cyclesArg), Number(batchArg ?? '50'));
