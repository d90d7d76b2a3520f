/**
 * Loads the in-house N-API addon (native/kats_net.c), a thin syscall layer: every call
 * returns a number, >= 0 on success and -errno on failure, so callers handle
 * operational errors as values (docs/STYLE: "the native layer returns errno numbers").
 * Only wrong argument types throw (programmer errors).
 *
 * This is the only module that touches native/; everything else in src/net uses it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRNO } from './constants.js';

/** A uv_poll registration on Node's loop; close() is idempotent and safe inside the callback. */
export interface Poller {
  close(): void;
}

/** A signal watcher from onSignal(); close() is idempotent and safe inside the handler. */
export interface SignalWatcher {
  close(): void;
}

/**
 * native/kats_tcp_probe.c: TCP connects on a private epoll set, one uv_poll on Node's loop.
 * Node cannot set SO_BINDTODEVICE/SO_MARK before connect() and pays a net.Socket per check;
 * this pays one socket() + connect() + close(). Results arrive in batches through the
 * callback given to tcpProber(): ids[i] and errnos[i] for i < count (errno 0 = connected).
 */
export interface TcpProber {
  /**
   * One connect: the socket's fd while pending (result later under `id`), or -errno with
   * out[0] = a TCP_STEP. `ifname` is NUL-terminated (SO_BINDTODEVICE); fwmark 0 = no
   * SO_MARK. With `keep`, a successful connect's fd is left open: the caller owns it.
   */
  start(id: number, sockaddr: Uint8Array, bindSockaddr: Uint8Array | null, ifname: Uint8Array | null,
    fwmark: number, out: Int32Array, keep: boolean): number;
  /**
   * Registers what startTarget(id) connects to (start()'s arguments, kept on the C side):
   * the per-check call then passes one number.
   */
  setTarget(id: number, sockaddr: Uint8Array, bindSockaddr: Uint8Array | null, ifname: Uint8Array | null, fwmark: number): number;
  /**
   * start() to id's registered target, without `keep`: the fd while pending, or -errno.
   * Throws when no target is registered.
   */
  startTarget(id: number): number;
  /** Closes a pending socket (time-out, abort): 0 or -errno. Only for fds not yet reported. */
  cancel(fd: number): number;
  /** Connects in flight. */
  pending(): number;
  /** Stops the poll and closes the epoll set; pending sockets must be cancelled by the caller. */
  close(): void;
}

/** TcpProber.start's out[0] when it fails: which call failed. */
export const TCP_STEP = { socket: 0, so_mark: 1, so_bindtodevice: 2, bind: 3, connect: 4, epoll: 5 } as const;
/** Minimum length of the ids/errnos arrays given to tcpProber (the C side's batch size). */
export const TCP_PROBER_BATCH = 256;

export interface NativeBinding {
  /** fd ≥ 0 or -errno; the C side always adds SOCK_NONBLOCK|SOCK_CLOEXEC. */
  socket(domain: number, type: number, protocol: number): number;
  /** 0 or -errno; the option value is passed as raw bytes (its length is optlen). */
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): number;
  /** 0 or -errno; the value is passed as a C int. */
  setsockoptInt(fd: number, level: number, name: number, value: number): number;
  /** 0 or -errno. */
  bind(fd: number, sockaddr: Uint8Array): number;
  /** The address length written to `out`, or -errno. */
  getsockname(fd: number, out: Uint8Array): number;
  /** Bytes sent or -errno; a null sockaddr sends on a connected/bound socket. Never blocks. */
  sendto(fd: number, data: Uint8Array, sockaddr: Uint8Array | null): number;
  /** bytes or -errno (-EAGAIN when drained); out[0]=namelen, out[1]=controllen, out[2]=msg_flags */
  recvmsg(fd: number, data: Uint8Array, name: Uint8Array, control: Uint8Array, out: Int32Array): number;
  /** 0 or -errno. Close any Poller on the fd first. */
  close(fd: number): number;
  /** 0 when unknown. */
  ifNameToIndex(name: string): number;
  ifIndexToName(index: number): string | undefined;
  /**
   * uv_poll for readability on Node's loop, callback via napi_make_callback; close()
   * stops the poll (safe inside the callback, idempotent). An exception thrown by
   * the callback becomes an uncaughtException.
   */
  poll(fd: number, onReadable: () => void): Poller;
  /**
   * sched_setscheduler() for Node's main thread with SCHED_RESET_ON_FORK (children do not
   * inherit it): 0 or -errno. keepalived's vrrp_rt_priority uses SCHED_RR.
   */
  setScheduler(policy: number, priority: number): number;
  /**
   * A TCP connect prober (see TcpProber); `reset` closes established connections with a
   * RST (SO_LINGER 0). Absent in an addon built before kats_tcp_probe.c existed.
   */
  tcpProber?: (onDone: (count: number) => void, ids: Int32Array, errnos: Int32Array, reset: boolean) => TcpProber;
  /**
   * native/kats_signal.c: a uv_signal_t watcher on Node's loop for any signal number (Node's
   * process.on() knows only named ones). Unref'd: it never keeps the process alive.
   * Absent in an addon built before kats_signal.c existed.
   */
  onSignal?: (signum: number, handler: (signum: number) => void) => SignalWatcher;
}

const ADDON_RELATIVE_PATH = 'native/build/kats_net.node';

/** Walks up from this file (src/net or dist/src/net) to the directory holding native/. */
function findRepoRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

let cached: NativeBinding | undefined;

/**
 * The addon, loaded once.
 * @throws Error when the addon was not built (a deployment problem, not a runtime one).
 */
export function loadNative(): NativeBinding {
  if (cached !== undefined) return cached;
  const root = findRepoRoot();
  const path = root === undefined ? undefined : join(root, ADDON_RELATIVE_PATH);
  if (path === undefined || !existsSync(path)) {
    throw new Error('native addon not built: run npm ci (needs a C compiler)');
  }
  const raw = createRequire(import.meta.url)(path) as NativeBinding;
  const binding: NativeBinding = {
    socket: raw.socket,
    setsockopt: raw.setsockopt,
    setsockoptInt: raw.setsockoptInt,
    bind: raw.bind,
    getsockname: raw.getsockname,
    sendto: raw.sendto,
    recvmsg: raw.recvmsg,
    close: raw.close,
    ifNameToIndex: raw.ifNameToIndex,
    ifIndexToName: raw.ifIndexToName,
    setScheduler: raw.setScheduler,
    ...(typeof raw.tcpProber === 'function' ? { tcpProber: raw.tcpProber } : {}),
    ...(typeof raw.onSignal === 'function' ? { onSignal: raw.onSignal } : {}),
    poll(fd, onReadable) {
      // The native close() reads its state from `this`; bind it so a detached
      // `const { close } = poller` still works.
      const handle = raw.poll(fd, onReadable);
      return {
        close() {
          handle.close();
        },
      };
    },
  };
  cached = binding;
  return binding;
}

const NAMES = new Map<number, string>(Object.entries(ERRNO).map(([name, value]) => [value, name]));

/** A readable name for a negative errno from the addon: -1 → 'EPERM', unknown → 'errno 123'. */
export function errnoName(negErrno: number): string {
  const value = Math.abs(negErrno);
  return NAMES.get(value) ?? `errno ${value}`;
}

/**
 * Run `handler` each time signal `signum` arrives, including the realtime signals Node's
 * process.on() cannot name (keepalived's JSON = SIGRTMIN+2, STATS_CLEAR = SIGRTMAX-1).
 * @throws Error when the addon lacks kats_signal.c (rebuild with `node native/build.mjs`).
 */
export function watchSignal(signum: number, handler: (signum: number) => void, native: NativeBinding = loadNative()): SignalWatcher {
  if (native.onSignal === undefined) throw new Error('native addon too old for signal watchers: rebuild it (node native/build.mjs)');
  const w = native.onSignal(signum, handler);
  // The native close() reads its state from `this`.
  return { close: () => w.close() };
}
