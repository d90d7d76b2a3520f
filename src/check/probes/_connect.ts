/**
 * Private: opens the connection a probe talks over, from the checker's connection options
 * (keepalived's conn_opts_t: connect_ip/connect_port, bindto/bind_port, bind_if, fwmark).
 *
 * Two ways to connect:
 * - connectNative(): the addon's TCP prober (native/kats_tcp_probe.c), shared by the whole
 *   process and created on first use. It sets the options before connect() in the order of
 *   keepalived's layer4.c socket_bind_connect (SO_MARK for `fwmark`, SO_BINDTODEVICE for
 *   `bind_if`, bind() for `bindto`/`bind_port`). TCP_CHECK always uses it (one socket per
 *   check, no net.Socket); openStream uses it, keeping the connected fd and handing it to
 *   node:net, when the checker has `bind_if` or `fwmark`.
 * - node:net (net.connect / tls.connect): every other stream probe. node:net cannot set
 *   SO_BINDTODEVICE or SO_MARK before connect(), hence the native path for those options.
 *
 * If the addon has no prober (built before kats_tcp_probe.c), everything falls back to
 * node:net, without bind_if and fwmark, and a warning says so once.
 */
import { connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { CheckerConnection } from '../../config/model/lvs.js';
import { errnoName, loadNative, TCP_PROBER_BATCH, TCP_STEP, type NativeBinding, type TcpProber } from '../../net/native.js';
import { encodeSockaddrIn, encodeSockaddrIn6 } from '../../net/sockaddr.js';
import { connectErrorReason, describeError, type Attempt } from './_attempt.js';
import type { ProbeReason } from './probe_result.js';

export interface StreamOptions {
  /** Wrap in TLS, without certificate verification (as keepalived's SSL_GET). */
  readonly tls?:
    | {
        readonly servername: string | undefined;
        /** SSL_GET client certificate context (http.ts sslContext). */
        readonly secureContext?: SecureContext | undefined;
      }
    | undefined;
}

/**
 * Connects; calls `onReady` once connected (and, with TLS, once the handshake is done).
 * Connect failures and time-outs settle the attempt. The socket is destroyed when the
 * attempt settles.
 */
export function openStream(
  conn: CheckerConnection,
  attempt: Attempt,
  options: StreamOptions,
  onReady: (socket: Socket) => void,
): void {
  const dst = conn.destination;
  if (dst === undefined || dst.port === 0) {
    attempt.finish(false, 'no_destination', 'the checker has no destination address/port');
    return;
  }
  const target = `[${dst.address}]:${dst.port}`;
  if (conn.bindInterface !== undefined || conn.fwmark !== 0) {
    const started = connectNative(conn, attempt, true, (fd) => {
      let raw: Socket;
      try {
        raw = new Socket({ fd, readable: true, writable: true });
      } catch (err) {
        shared?.native.close(fd);
        attempt.finish(false, 'socket_error', `${target}: ${describeError(err)}`);
        return;
      }
      if (options.tls === undefined) {
        wire(raw, target, attempt, options, true, onReady);
        return;
      }
      // Errors of the TCP socket under TLS settle the attempt too, classified as TLS's.
      wire(raw, target, attempt, options, true, () => undefined);
      wire(tlsConnect({ ...tlsOptions(options.tls), socket: raw }), target, attempt, options, true, onReady);
    });
    if (started) return;
    // No prober in this addon: connectNative warned; connect without bind_if/fwmark.
  }
  attempt.setTimeoutReason('connect_timeout', `connect to ${target} timed out`);
  const base = {
    host: dst.address,
    port: dst.port,
    family: dst.family,
    ...(conn.bindTo === undefined ? {} : { localAddress: conn.bindTo.address }),
    ...(conn.bindTo === undefined || conn.bindTo.port === 0 ? {} : { localPort: conn.bindTo.port }),
  };
  let socket: Socket;
  try {
    socket = options.tls === undefined ? netConnect(base) : tlsConnect({ ...base, ...tlsOptions(options.tls) });
  } catch (err) {
    attempt.finish(false, 'connect_error', describeError(err));
    return;
  }
  wire(socket, target, attempt, options, false, onReady);
}

function tlsOptions(tls: NonNullable<StreamOptions['tls']>) {
  const servername = tls.servername;
  return {
    rejectUnauthorized: false,
    ...(tls.secureContext === undefined ? {} : { secureContext: tls.secureContext }),
    // Node rejects an IP literal as SNI; keepalived would send it, servers ignore it.
    ...(servername !== undefined && isIP(servername) === 0 ? { servername } : {}),
  };
}

/**
 * Attaches the probe's listeners: `connected` when the TCP connection already exists (a
 * native fd), else the 'connect' event says so. TLS waits for 'secureConnect'.
 */
function wire(
  socket: Socket,
  target: string,
  attempt: Attempt,
  options: StreamOptions,
  alreadyConnected: boolean,
  onReady: (socket: Socket) => void,
): void {
  let connected = alreadyConnected;
  let secured = false;
  const onConnected = (): void => {
    connected = true;
    if (options.tls !== undefined) {
      attempt.setTimeoutReason('tls_error', `TLS handshake with ${target} timed out`);
    } else {
      attempt.setTimeoutReason('timeout', `no complete answer from ${target}`);
      if (!attempt.isSettled()) onReady(socket);
    }
  };
  if (options.tls !== undefined) {
    (socket as TLSSocket).once('secureConnect', () => {
      secured = true;
      attempt.setTimeoutReason('timeout', `no complete answer from ${target}`);
      if (!attempt.isSettled()) onReady(socket);
    });
  }
  // A listener stays attached for the socket's whole life: an 'error' after the attempt
  // settled must not become an uncaught exception.
  socket.on('error', (err) => {
    if (attempt.isSettled()) return;
    if (options.tls !== undefined && (connected || isTlsError(err))) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ECONNRESET' || code === 'EPIPE') && secured) {
        attempt.finish(false, 'reset', `${target}: ${describeError(err)}`);
      } else {
        attempt.finish(false, 'tls_error', `${target}: ${describeError(err)}`);
      }
      return;
    }
    if (!connected) {
      attempt.finish(false, connectErrorReason(err), `${target}: ${describeError(err)}`);
      return;
    }
    const code = (err as NodeJS.ErrnoException).code;
    attempt.finish(false, code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'connect_error',
      `${target}: ${describeError(err)}`);
  });
  socket.setNoDelay(true);
  attempt.onCleanup(() => socket.destroy());
  if (alreadyConnected) onConnected();
  else socket.once('connect', onConnected);
}

function isTlsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS/i.test(describeError(err));
}

// ------------------------------------------------------------------ the native prober

/** Per connection (the config object lives as long as its checker): encoded addresses. */
export interface Encoded {
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
  readonly onConnected: (fd: number, target: string) => void;
}

/**
 * Close of a successful TCP_CHECK socket: keepalived closes normally (FIN, SO_LINGER 5 s in
 * layer4.c), which leaves every check in TIME_WAIT for 60 s on the director; HAProxy's
 * layer-4 check aborts with SO_LINGER {1,0} (RST). We reset as HAProxy does: the handshake
 * is all TCP_CHECK tests, and at 5,000 checks/s TIME_WAIT would hold 300,000 sockets (more
 * than tcp_max_tw_buckets, 131,072 on the test VM: the kernel then drops them with a
 * "time wait bucket table overflow" warning) plus as many conntrack entries, and a
 * `bind_port` check could not reuse its port for 60 s. The CPU cost in the process is
 * the same either way (bench/RESULTS.md). The backend sees a reset instead of an orderly
 * close. Kept fds (openStream) are closed by node:net as usual.
 */
const RESET_ON_CLOSE = true;

class SharedTcpProber {
  private readonly ids = new Int32Array(TCP_PROBER_BATCH);
  private readonly errnos = new Int32Array(TCP_PROBER_BATCH);
  private readonly out = new Int32Array(1);
  private readonly inFlight = new Map<number, InFlight>();
  private readonly prober: TcpProber;
  private nextId = 1;

  constructor(readonly native: NativeBinding, create: NonNullable<NativeBinding['tcpProber']>) {
    this.prober = create((count) => this.onDone(count), this.ids, this.errnos, RESET_ON_CLOSE);
  }

  connect(conn: CheckerConnection, attempt: Attempt, keep: boolean, onConnected: InFlight['onConnected']): void {
    const e = encodeConnection(this.native, conn);
    attempt.setTimeoutReason('connect_timeout', `connect to ${e.target} timed out`);
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const fd = this.prober.start(id, e.sockaddr, e.bindSockaddr, e.ifname, conn.fwmark | 0, this.out, keep);
    if (fd < 0) {
      failStart(attempt, e, conn, this.out[0] ?? TCP_STEP.connect, fd);
      return;
    }
    this.inFlight.set(id, { fd, attempt, encoded: e, onConnected });
    // A time-out or an abort: close the pending socket (unless its result is already in).
    attempt.onCleanup(() => {
      if (this.inFlight.delete(id)) this.prober.cancel(fd);
    });
  }

  pending(): number {
    return this.prober.pending();
  }

  private onDone(count: number): void {
    // Take the whole batch out of inFlight before settling anything: a settled attempt's
    // clean-up must find its id gone (the C side closed or handed over its socket).
    const done = new Array<InFlight | undefined>(count);
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
        f.onConnected(f.fd, f.encoded.target);
      } else {
        const name = errnoName(-err);
        f.attempt.finish(false, connectReason(name), `${f.encoded.target}: ${name}: connect ${name} ${f.encoded.connectTo}`);
      }
    }
  }
}

const encodedCache = new WeakMap<CheckerConnection, Encoded>();

/**
 * The connect arguments of a checker's connection, encoded once (cached per connection
 * object): the destination sockaddr (with the scope id of `bind_if` for an IPv6 link-local
 * address), the bindto sockaddr, the NUL-terminated bind_if name and the texts of errors.
 * Shared by the per-attempt prober (SharedTcpProber) and the TCP_CHECK lane (tcp_lane.ts).
 */
export function encodeConnection(native: Pick<NativeBinding, 'ifNameToIndex'>, conn: CheckerConnection): Encoded {
  const cached = encodedCache.get(conn);
  if (cached !== undefined) return cached;
  const dst = conn.destination;
  if (dst === undefined) throw new Error('encode: no destination'); // checked by the callers
  // An IPv6 link-local destination needs its interface as scope id; bind_if names it.
  const scopeId = dst.family === 6 && conn.bindInterface !== undefined ? native.ifNameToIndex(conn.bindInterface) : 0;
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
  if (!(encodingNeedsInterface(conn) && scopeId === 0)) encodedCache.set(conn, e);
  return e;
}

/** An IPv6 destination with bind_if: its encoding carries the interface's index as scope. */
export function encodingNeedsInterface(conn: CheckerConnection): boolean {
  return conn.destination?.family === 6 && conn.bindInterface !== undefined;
}

/** The reasons node:net's errors map to (connectErrorReason), from an errno name. */
function connectReason(name: string): ProbeReason {
  return name === 'ECONNREFUSED' ? 'connect_refused' : name === 'ETIMEDOUT' ? 'connect_timeout' : 'connect_error';
}

/** start() failed before the connect was under way. */
function failStart(attempt: Attempt, e: Encoded, conn: CheckerConnection, step: number, negErrno: number): void {
  const name = errnoName(negErrno);
  switch (step) {
    case TCP_STEP.connect:
      attempt.finish(false, connectReason(name), `${e.target}: ${name}: connect ${name} ${e.connectTo}`);
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

/** The process's prober, created on first use; undefined (after one warning) when the addon has none. */
function sharedProber(): SharedTcpProber | undefined {
  if (sharedTried) return shared;
  sharedTried = true;
  let why: string;
  try {
    const native = loadNative();
    if (native.tcpProber !== undefined) {
      shared = new SharedTcpProber(native, native.tcpProber);
      return shared;
    }
    why = 'the native addon has no TCP prober (rebuild it: node native/build.mjs)';
  } catch (err) {
    why = err instanceof Error ? err.message : String(err);
  }
  process.emitWarning(`health checks connect through node:net: ${why}; bind_if and fwmark are not applied to ` +
    'TCP_CHECK, HTTP_GET, SSL_GET and SMTP_CHECK', { code: 'KATS_TCP_PROBER_MISSING' });
  return undefined;
}

/**
 * Connects `conn.destination` with the native prober. On success calls `onConnected` with
 * the fd (open and owned by the caller when `keep`, already closed otherwise - then it is
 * only a number) and the "[address]:port" text; every failure and the connect time-out
 * settle the attempt. Returns false, without doing anything, when there is no prober.
 */
export function connectNative(
  conn: CheckerConnection,
  attempt: Attempt,
  keep: boolean,
  onConnected: (fd: number, target: string) => void,
): boolean {
  const p = sharedProber();
  if (p === undefined) return false;
  p.connect(conn, attempt, keep, onConnected);
  return true;
}

/** 'native' unless the addon lacks the TCP prober. */
export function tcpConnectMode(): 'native' | 'node:net' {
  return sharedProber() === undefined ? 'node:net' : 'native';
}

/** Connects in flight in the shared prober (0 when none was created). For tests. */
export function nativeConnectsInFlight(): number {
  return shared?.pending() ?? 0;
}
