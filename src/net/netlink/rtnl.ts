/**
 * rtnetlink sockets (SHELL): RtnlClient for requests and dumps, NetlinkMonitor for the
 * link/address multicast groups. All bytes are built and parsed by ./codec.ts.
 *
 * Two sockets, as keepalived has (nl_cmd and nl_kernel in core/keepalived_netlink.c), so
 * ACKs and dump replies never interleave with notifications.
 *
 * Measured (native-networking.md §4): rtnetlink handles a request synchronously inside
 * sendmsg(), so its ACK is already queued when sendto() returns; requestSync() reads it
 * straight away (42–56 µs per address add incl. the ACK). Only if the ACK is somehow not
 * there (-EAGAIN) does request() wait for readability, a bounded number of times.
 */
import type { NativeBinding, Poller } from '../native.js';
import {
  AF_NETLINK,
  EAGAIN,
  EINTR,
  ENOBUFS,
  MSG_TRUNC,
  NETLINK_ROUTE,
  SO_RCVBUF,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
} from '../constants.js';
import { encodeSockaddrNl, SOCKADDR_NL_LENGTH } from '../sockaddr.js';
import {
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NLM_F_DUMP_INTR,
  NLMSG_DONE,
  NLMSG_ERROR,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETROUTE,
  RTMGRP_IPV4_IFADDR,
  RTMGRP_IPV6_IFADDR,
  RTMGRP_LINK,
  decodeAddress,
  decodeError,
  decodeEvent,
  decodeLink,
  decodeRoute,
  encodeDumpRequest,
  splitMessages,
  withSequence,
  type AddressInfo,
  type Decoded,
  type LinkInfo,
  type NlMessage,
  type RouteInfo,
  type RtnlEvent,
} from './codec.js';
import type { IpFamily } from '../../lib/ip.js';

/** SO_RCVBUFFORCE: like SO_RCVBUF but past rmem_max (needs CAP_NET_ADMIN). */
const SO_RCVBUFFORCE = 33;
/** A recv buffer for one datagram; kernel dump skbs are at most 32 KiB. */
const RECEIVE_BUFFER_BYTES = 64 * 1024;
/** How long request()/dump() wait for readability before giving up, per attempt. */
const WAIT_READABLE_MS = 1_000;
const WAIT_ATTEMPTS_MAX = 3;
/** Bound on datagrams read per request/dump (a dump of thousands of links fits easily). */
const RECEIVE_DATAGRAMS_MAX = 10_000;
/** NLM_F_DUMP_INTR (the table changed mid-dump): re-dump this many times at most. */
const DUMP_RETRIES_MAX = 3;

export type RequestReason =
  | 'ok'
  /** The kernel answered with an error: errno says which. */
  | 'kernel_error'
  | 'send_failed'
  | 'receive_failed'
  /** No ACK was readable (yet): requestSync() only. */
  | 'pending'
  | 'no_reply'
  | 'not_open';

export interface RequestResult {
  readonly reason: RequestReason;
  /** 0 on success, else the positive errno (kernel, sendto or recvmsg). */
  readonly errno: number;
  readonly seq: number;
  /** The kernel's extended-ACK text ("ipv4: Address already assigned."), when given. */
  readonly extackMessage: string | undefined;
}

export interface DumpResult<T> {
  readonly reason: 'ok' | 'kernel_error' | 'send_failed' | 'receive_failed' | 'no_reply' | 'interrupted' | 'not_open';
  readonly errno: number;
  readonly items: readonly T[];
  /** Messages that did not decode (counted, not thrown). */
  readonly malformedCount: number;
}

export interface RtnlClientOptions {
  /** @default 1 MiB */
  readonly receiveBufferBytes?: number | undefined;
}

interface Received {
  readonly errno: number;
  readonly messages: readonly NlMessage[];
  readonly isTruncated: boolean;
}

/** One non-blocking recvmsg(): -errno as errno, the split messages otherwise. */
function receiveOnce(native: NativeBinding, fd: number, buf: Uint8Array, name: Uint8Array): Received {
  const out = new Int32Array(3);
  const n = native.recvmsg(fd, buf, name, new Uint8Array(0), out);
  if (n < 0) return { errno: -n, messages: [], isTruncated: false };
  return {
    errno: 0,
    messages: splitMessages(buf.subarray(0, n)).messages,
    isTruncated: ((out[2] ?? 0) & MSG_TRUNC) !== 0,
  };
}

/** Resolves when `fd` is readable or after `timeoutMs` (false). */
function waitReadable(native: NativeBinding, fd: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let poller: Poller | undefined;
    const timer = setTimeout(() => {
      poller?.close();
      resolve(false);
    }, timeoutMs);
    poller = native.poll(fd, () => {
      poller?.close();
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function openNetlink(native: NativeBinding, groups: number, rcvbufBytes: number): { fd: number; errno: number } {
  const fd = native.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  if (fd < 0) return { fd: -1, errno: -fd };
  // Root may go past net.core.rmem_max; otherwise the capped SO_RCVBUF is what we get.
  if (native.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcvbufBytes) < 0) {
    native.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, rcvbufBytes);
  }
  const r = native.bind(fd, encodeSockaddrNl({ groups }));
  if (r < 0) {
    native.close(fd);
    return { fd: -1, errno: -r };
  }
  return { fd, errno: 0 };
}

/**
 * Requests and dumps on a NETLINK_ROUTE socket. `new` only stores; open() opens.
 * @example
 * const rtnl = new RtnlClient(loadNative());
 * if (rtnl.open() === 0) (await rtnl.request(encodeAddressRequest(m, { command: 'add', seq: 0 }))).errno;
 */
export class RtnlClient {
  readonly #native: NativeBinding;
  readonly #rcvbufBytes: number;
  readonly #buf = new Uint8Array(RECEIVE_BUFFER_BYTES);
  readonly #name = new Uint8Array(SOCKADDR_NL_LENGTH);
  #fd = -1;
  #seq = 0;
  #portId = 0;

  constructor(native: NativeBinding, options: RtnlClientOptions = {}) {
    this.#native = native;
    this.#rcvbufBytes = options.receiveBufferBytes ?? 1024 * 1024;
  }

  /** 0, or the errno of socket()/bind(). Idempotent. */
  open(): number {
    if (this.#fd >= 0) return 0;
    const r = openNetlink(this.#native, 0, this.#rcvbufBytes);
    if (r.errno !== 0) return r.errno;
    this.#fd = r.fd;
    // Error text from the kernel, and ACKs without the echoed request; best effort (old kernels).
    this.#native.setsockoptInt(r.fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
    this.#native.setsockoptInt(r.fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
    const name = new Uint8Array(SOCKADDR_NL_LENGTH);
    if (this.#native.getsockname(r.fd, name) >= SOCKADDR_NL_LENGTH) {
      this.#portId = new DataView(name.buffer).getUint32(4, true);
    }
    return 0;
  }

  get isOpen(): boolean {
    return this.#fd >= 0;
  }

  /** The kernel-assigned port id: the nlmsg_pid of notifications our requests caused. */
  get portId(): number {
    return this.#portId;
  }

  /** The sequence number the next request will carry. */
  get nextSeq(): number {
    return this.#seq + 1;
  }

  /**
   * Sends `message` (its seq replaced by ours) and reads the ACK in the same tick.
   * `pending` means no ACK was queued yet; request() handles that case.
   */
  requestSync(message: Uint8Array): RequestResult {
    if (this.#fd < 0) return result('not_open', 0, 0);
    const seq = ++this.#seq;
    const n = this.#native.sendto(this.#fd, withSequence(message, seq), null);
    if (n < 0) return result('send_failed', -n, seq);
    return this.#readAck(seq);
  }

  /** requestSync(), then, if needed, a bounded wait for the ACK. */
  async request(message: Uint8Array): Promise<RequestResult> {
    const first = this.requestSync(message);
    if (first.reason !== 'pending') return first;
    for (let i = 0; i < WAIT_ATTEMPTS_MAX && this.#fd >= 0; i++) {
      if (!(await waitReadable(this.#native, this.#fd, WAIT_READABLE_MS))) continue;
      const r = this.#readAck(first.seq);
      if (r.reason !== 'pending') return r;
    }
    return result('no_reply', 0, first.seq);
  }

  #readAck(seq: number): RequestResult {
    for (let i = 0; i < RECEIVE_DATAGRAMS_MAX; i++) {
      const r = receiveOnce(this.#native, this.#fd, this.#buf, this.#name);
      if (r.errno === EAGAIN) return result('pending', 0, seq);
      if (r.errno === EINTR) continue;
      if (r.errno !== 0) return result('receive_failed', r.errno, seq);
      for (const m of r.messages) {
        // Replies to older requests (given up on) are skipped by sequence number.
        if (m.type !== NLMSG_ERROR || m.seq !== seq) continue;
        const e = decodeError(m);
        if (!e.ok) return result('receive_failed', 0, seq);
        const reason = e.value.errno === 0 ? 'ok' : 'kernel_error';
        return { reason, errno: e.value.errno, seq, extackMessage: e.value.extackMessage };
      }
    }
    return result('no_reply', 0, seq);
  }

  /** A whole dump of `type` (RTM_GETLINK/GETADDR/GETROUTE), decoded by `decode`. */
  async dump<T>(
    request: { readonly type: number; readonly family?: IpFamily | 0 | undefined },
    decode: (m: NlMessage) => Decoded<T>,
  ): Promise<DumpResult<T>> {
    let last: DumpResult<T> = { reason: 'not_open', errno: 0, items: [], malformedCount: 0 };
    for (let attempt = 0; attempt <= DUMP_RETRIES_MAX; attempt++) {
      last = await this.#dumpOnce(request, decode);
      if (last.reason !== 'interrupted') return last;
    }
    return last;
  }

  async #dumpOnce<T>(
    request: { readonly type: number; readonly family?: IpFamily | 0 | undefined },
    decode: (m: NlMessage) => Decoded<T>,
  ): Promise<DumpResult<T>> {
    const items: T[] = [];
    let malformedCount = 0;
    let isInterrupted = false;
    const done = (reason: DumpResult<T>['reason'], errno: number): DumpResult<T> =>
      ({ reason, errno, items, malformedCount });
    if (this.#fd < 0) return done('not_open', 0);
    const seq = ++this.#seq;
    const sent = this.#native.sendto(this.#fd, encodeDumpRequest({ ...request, seq }), null);
    if (sent < 0) return done('send_failed', -sent);
    let waits = 0;
    for (let i = 0; i < RECEIVE_DATAGRAMS_MAX; i++) {
      const r = receiveOnce(this.#native, this.#fd, this.#buf, this.#name);
      if (r.errno === EAGAIN) {
        if (waits++ >= WAIT_ATTEMPTS_MAX) return done('no_reply', 0);
        await waitReadable(this.#native, this.#fd, WAIT_READABLE_MS);
        continue;
      }
      if (r.errno === EINTR) continue;
      if (r.errno !== 0) return done('receive_failed', r.errno);
      if (r.isTruncated) malformedCount++;
      for (const m of r.messages) {
        if (m.seq !== seq) continue;
        if ((m.flags & NLM_F_DUMP_INTR) !== 0) isInterrupted = true;
        if (m.type === NLMSG_DONE) return done(isInterrupted ? 'interrupted' : 'ok', 0);
        if (m.type === NLMSG_ERROR) {
          const e = decodeError(m);
          return done('kernel_error', e.ok ? e.value.errno : 0);
        }
        const d = decode(m);
        if (d.ok) items.push(d.value);
        else malformedCount++;
      }
    }
    return done('no_reply', 0);
  }

  dumpLinks(): Promise<DumpResult<LinkInfo>> {
    return this.dump({ type: RTM_GETLINK }, decodeLink);
  }

  /** Every address, or those of one family. */
  dumpAddresses(family?: IpFamily): Promise<DumpResult<AddressInfo>> {
    return this.dump({ type: RTM_GETADDR, family: family ?? 0 }, decodeAddress);
  }

  dumpRoutes(family?: IpFamily): Promise<DumpResult<RouteInfo>> {
    return this.dump({ type: RTM_GETROUTE, family: family ?? 0 }, decodeRoute);
  }

  /** Idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    this.#native.close(this.#fd);
    this.#fd = -1;
  }
}

function result(reason: RequestReason, errno: number, seq: number): RequestResult {
  return { reason, errno, seq, extackMessage: undefined };
}

/** What the monitor reports: decoded rtnetlink events, plus the socket's own troubles. */
export type MonitorEvent =
  | RtnlEvent
  /** ENOBUFS: notifications were lost; re-dump links and addresses (keepalived does the same). */
  | { readonly kind: 'resync_needed' }
  | { readonly kind: 'receive_error'; readonly errno: number };

export interface NetlinkMonitorOptions {
  /** @default RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR */
  readonly groups?: number | undefined;
  /** SO_RCVBUF(FORCE); keepalived's default netlink monitor buffer is also large. @default 4 MiB */
  readonly receiveBufferBytes?: number | undefined;
  /** Datagrams read per wake-up before yielding to the loop (architecture.md Habits 8). @default 256 */
  readonly datagramsPerWakeMax?: number | undefined;
}

/**
 * The kernel's link and address notifications, decoded, on Node's loop (uv_poll).
 * Events our own RtnlClient caused carry its port id in `senderPid`.
 */
export class NetlinkMonitor {
  readonly #native: NativeBinding;
  readonly #groups: number;
  readonly #rcvbufBytes: number;
  readonly #perWakeMax: number;
  readonly #onEvent: (event: MonitorEvent) => void;
  readonly #buf = new Uint8Array(RECEIVE_BUFFER_BYTES);
  readonly #name = new Uint8Array(SOCKADDR_NL_LENGTH);
  #fd = -1;
  #poller: Poller | undefined;

  constructor(native: NativeBinding, options: NetlinkMonitorOptions, onEvent: (event: MonitorEvent) => void) {
    this.#native = native;
    this.#groups = options.groups ?? (RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
    this.#rcvbufBytes = options.receiveBufferBytes ?? 4 * 1024 * 1024;
    this.#perWakeMax = options.datagramsPerWakeMax ?? 256;
    this.#onEvent = onEvent;
  }

  /** 0, or the errno of socket()/bind(). Idempotent. */
  start(): number {
    if (this.#fd >= 0) return 0;
    const r = openNetlink(this.#native, this.#groups, this.#rcvbufBytes);
    if (r.errno !== 0) return r.errno;
    this.#fd = r.fd;
    this.#poller = this.#native.poll(r.fd, () => this.#drain());
    return 0;
  }

  #drain(): void {
    for (let i = 0; i < this.#perWakeMax && this.#fd >= 0; i++) {
      const r = receiveOnce(this.#native, this.#fd, this.#buf, this.#name);
      if (r.errno === EAGAIN) return;
      if (r.errno === EINTR) continue;
      if (r.errno === ENOBUFS) {
        this.#onEvent({ kind: 'resync_needed' });
        continue;
      }
      if (r.errno !== 0) {
        this.#onEvent({ kind: 'receive_error', errno: r.errno });
        return;
      }
      for (const m of r.messages) {
        // The callback may stop() us; the fd check above and here keeps the drain honest.
        if (this.#fd < 0) return;
        if (m.type === NLMSG_DONE || m.type === NLMSG_ERROR) continue;
        this.#onEvent(decodeEvent(m));
      }
    }
  }

  get isRunning(): boolean {
    return this.#fd >= 0;
  }

  /** Stops polling, then closes the fd (native-networking.md §6.8). Idempotent. */
  stop(): void {
    this.#poller?.close();
    this.#poller = undefined;
    if (this.#fd >= 0) this.#native.close(this.#fd);
    this.#fd = -1;
  }
}
