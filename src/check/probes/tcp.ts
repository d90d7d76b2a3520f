/**
 * TCP_CHECK: one connect attempt (keepalived 2.2.7 check_tcp.c tcp_connect_thread /
 * tcp_check_thread). Success is the three-way handshake completing within
 * connect_timeout; the connection is then closed at once, nothing is sent.
 *
 * The connect runs in the addon's TCP prober (native/kats_tcp_probe.c): one nonblocking
 * socket per check, options set before connect() in the order of keepalived's layer4.c
 * socket_bind_connect (SO_MARK for `fwmark`, SO_BINDTODEVICE for `bind_if`, bind() for
 * `bindto`/`bind_port`), completion read from SO_ERROR. All checks share one prober (one
 * epoll set on one uv_poll), created on first use. Compared with node:net it applies
 * bind_if and fwmark, and skips a net.Socket per check (bench/RESULTS.md, "Checker CPU").
 *
 * Close: keepalived closes a successful check socket normally (FIN, with SO_LINGER 5), so
 * the checker keeps every check in TIME_WAIT for 60 s; HAProxy's layer-4 check aborts it
 * with SO_LINGER {1,0} (RST). We reset, as HAProxy does (RESET_ON_CLOSE below, measured in
 * bench/RESULTS.md): the handshake is all TCP_CHECK tests, and at thousands of checks per
 * second TIME_WAIT would hold hundreds of thousands of sockets (tcp_max_tw_buckets) and
 * conntrack entries on the director. The backend sees a reset connection instead of an
 * orderly close; a server that logs resets will log one per check.
 *
 * If the addon has no prober (an addon built before kats_tcp_probe.c), the check falls back
 * to node:net without bind_if/fwmark, and says so once on stderr.
 */
import type { CheckerConnection, TcpChecker } from '../../config/model/lvs.js';
import { errnoName, loadNative, TCP_CONNECTED_NOW, TCP_PROBER_BATCH, TCP_STEP, type TcpProber } from '../../net/native.js';
import { encodeSockaddrIn, encodeSockaddrIn6 } from '../../net/sockaddr.js';
import { runAttempt, usToMs, type Attempt } from './_attempt.js';
import { openStream } from './_connect.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

/** Abort established check connections with a RST (HAProxy) instead of a FIN (keepalived). */
const RESET_ON_CLOSE = true;

/**
 * @example
 * const r = await probeTcp(checker, { signal });
 * if (!r.ok) log(`TCP_CHECK failed: ${r.reason} ${r.detail}`);
 */
export function probeTcp(config: Pick<TcpChecker, 'connection'>, options: ProbeOptions = {}): Promise<ProbeResult> {
  return runAttempt(
    { timeoutMs: usToMs(config.connection.connectTimeoutUs), signal: options.signal },
    (attempt) => {
      const shared = sharedProber();
      if (shared === undefined) {
        probeWithNodeNet(config.connection, attempt);
        return;
      }
      shared.connect(config.connection, attempt);
    },
  );
}

/** Which implementation TCP_CHECK uses in this process ('native' unless the addon lacks it). */
export function tcpProbeMode(): 'native' | 'node:net' {
  return sharedProber() === undefined ? 'node:net' : 'native';
}

// ------------------------------------------------------------------ the shared prober

/** Per connection (the config object lives as long as the checker): its encoded addresses. */
interface Encoded {
  readonly target: string;
  readonly sockaddr: Uint8Array;
  readonly bindSockaddr: Uint8Array | null;
  readonly ifname: Uint8Array | null;
  /** `address:port` as node:net prints it in connect errors ("connect ECONNREFUSED …"). */
  readonly connectTo: string;
  readonly bindTo: string;
}

interface InFlight {
  readonly fd: number;
  readonly attempt: Attempt;
  readonly encoded: Encoded;
}

class SharedTcpProber {
  private readonly ids = new Int32Array(TCP_PROBER_BATCH);
  private readonly errnos = new Int32Array(TCP_PROBER_BATCH);
  private readonly out = new Int32Array(1);
  private readonly inFlight = new Map<number, InFlight>();
  private readonly encoded = new WeakMap<CheckerConnection, Encoded>();
  private readonly prober: TcpProber;
  private nextId = 1;

  constructor(
    create: NonNullable<ReturnType<typeof loadNative>['tcpProber']>,
    private readonly ifNameToIndex: (name: string) => number,
  ) {
    this.prober = create((count) => this.onDone(count), this.ids, this.errnos, RESET_ON_CLOSE);
  }

  connect(conn: CheckerConnection, attempt: Attempt): void {
    const dst = conn.destination;
    if (dst === undefined || dst.port === 0) {
      attempt.finish(false, 'no_destination', 'the checker has no destination address/port');
      return;
    }
    const e = this.encode(conn);
    attempt.setTimeoutReason('connect_timeout', `connect to ${e.target} timed out`);
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const fd = this.prober.start(id, e.sockaddr, e.bindSockaddr, e.ifname, conn.fwmark | 0, this.out);
    if (fd === TCP_CONNECTED_NOW) {
      attempt.finish(true, 'ok', `TCP connection to ${e.target} success`);
      return;
    }
    if (fd < 0) {
      failStart(attempt, e, conn, this.out[0] ?? TCP_STEP.connect, fd);
      return;
    }
    this.inFlight.set(id, { fd, attempt, encoded: e });
    // A time-out or an abort: close the pending socket (unless its result is already in).
    attempt.onCleanup(() => {
      if (this.inFlight.delete(id)) this.prober.cancel(fd);
    });
  }

  /** In flight right now (tests). */
  pending(): number {
    return this.prober.pending();
  }

  private onDone(count: number): void {
    // Take the whole batch out of inFlight before settling anything: a settled attempt's
    // clean-up must find its id gone (its socket is already closed on the C side).
    const done: (InFlight | undefined)[] = new Array<InFlight | undefined>(count);
    for (let i = 0; i < count; i++) {
      const id = this.ids[i] ?? 0;
      done[i] = this.inFlight.get(id);
      this.inFlight.delete(id);
    }
    for (let i = 0; i < count; i++) {
      const f = done[i];
      if (f === undefined) continue;
      const err = this.errnos[i] ?? 0;
      if (err === 0) {
        f.attempt.finish(true, 'ok', `TCP connection to ${f.encoded.target} success`);
      } else {
        const name = errnoName(-err);
        f.attempt.finish(false, name === 'ECONNREFUSED' ? 'connect_refused' : name === 'ETIMEDOUT' ? 'connect_timeout' : 'connect_error',
          `${f.encoded.target}: ${name}: connect ${name} ${f.encoded.connectTo}`);
      }
    }
  }

  private encode(conn: CheckerConnection): Encoded {
    const cached = this.encoded.get(conn);
    if (cached !== undefined) return cached;
    const dst = conn.destination;
    if (dst === undefined) throw new Error('encode: no destination'); // checked by connect()
    // An IPv6 link-local destination needs its interface as scope id; bind_if names it.
    const scopeId = dst.family === 6 && conn.bindInterface !== undefined ? this.ifNameToIndex(conn.bindInterface) : 0;
    const sockaddr = dst.family === 6
      ? encodeSockaddrIn6(dst.address, { port: dst.port, scopeId })
      : encodeSockaddrIn(dst.address, { port: dst.port });
    const b = conn.bindTo;
    const bindSockaddr = b === undefined
      ? null
      : b.family === 6
        ? encodeSockaddrIn6(b.address, { port: b.port, scopeId })
        : encodeSockaddrIn(b.address, { port: b.port });
    const e: Encoded = {
      target: `[${dst.address}]:${dst.port}`,
      sockaddr,
      bindSockaddr,
      ifname: conn.bindInterface === undefined ? null : new TextEncoder().encode(`${conn.bindInterface}\0`),
      connectTo: `${dst.address}:${dst.port}`,
      bindTo: b === undefined ? '' : b.port === 0 ? b.address : `${b.address}:${b.port}`,
    };
    // An interface that does not exist yet gets another look next time.
    if (!(dst.family === 6 && conn.bindInterface !== undefined && scopeId === 0)) this.encoded.set(conn, e);
    return e;
  }
}

/** start() failed before the connect was under way. */
function failStart(attempt: Attempt, e: Encoded, conn: CheckerConnection, step: number, negErrno: number): void {
  const name = errnoName(negErrno);
  switch (step) {
    case TCP_STEP.connect:
      attempt.finish(false, name === 'ECONNREFUSED' ? 'connect_refused' : 'connect_error',
        `${e.target}: ${name}: connect ${name} ${e.connectTo}`);
      return;
    case TCP_STEP.bind:
      attempt.finish(false, 'connect_error', `${e.target}: ${name}: bind ${name} ${e.bindTo}`);
      return;
    case TCP_STEP.so_bindtodevice:
      attempt.finish(false, 'socket_error', `${e.target}: SO_BINDTODEVICE ${conn.bindInterface ?? ''}: ${name}`);
      return;
    case TCP_STEP.so_mark:
      attempt.finish(false, 'socket_error', `${e.target}: SO_MARK ${conn.fwmark}: ${name}`);
      return;
    default:
      attempt.finish(false, 'socket_error', `${e.target}: TCP socket: ${name}`);
  }
}

let shared: SharedTcpProber | undefined;
let sharedTried = false;

/** The process's prober, created on first use; undefined when the addon has none. */
function sharedProber(): SharedTcpProber | undefined {
  if (sharedTried) return shared;
  sharedTried = true;
  let why: string;
  try {
    const native = loadNative();
    if (native.tcpProber !== undefined) {
      shared = new SharedTcpProber(native.tcpProber, native.ifNameToIndex);
      return shared;
    }
    why = 'the native addon has no TCP prober (rebuild it: node native/build.mjs)';
  } catch (err) {
    why = err instanceof Error ? err.message : String(err);
  }
  process.emitWarning(`TCP_CHECK falls back to node:net: ${why}; bind_if and fwmark are not applied to TCP_CHECK`,
    { code: 'KATS_TCP_CHECK_FALLBACK' });
  return undefined;
}

/** Connects in flight in the shared prober (0 when none was created). For tests. */
export function tcpProbesInFlight(): number {
  return shared?.pending() ?? 0;
}

/** The node:net path, kept for an addon without the prober. */
function probeWithNodeNet(conn: CheckerConnection, attempt: Attempt): void {
  openStream(conn, attempt, {}, (socket) => {
    const dst = conn.destination;
    attempt.finish(true, 'ok', `TCP connection to [${dst?.address}]:${dst?.port} success`);
    socket.destroy();
  });
}
