/**
 * One raw VRRP socket (IP protocol 112) for one interface and one address family: it
 * sends adverts and delivers received ones with the facts RFC 5798 §7.1 checks need
 * (TTL/hop limit, source, destination, interface). Protocol decisions stay with the
 * caller; this module only configures the socket the way keepalived 2.2.7 does
 * (vrrp.c open_vrrp_read_socket/open_vrrp_send_socket, vrrp_if.c if_setsockopt_*).
 *
 * Differences from keepalived, on purpose:
 * - One socket both sends and receives (keepalived opens one of each).
 * - IPv4: the kernel writes the IP header (keepalived uses IP_HDRINCL); TTL 255 comes
 *   from IP_MULTICAST_TTL/IP_TTL and TOS 0xc0 from IP_TOS, so the header is equivalent.
 * - IPv6: the source is the address the socket is bound to (keepalived passes it in an
 *   IPV6_PKTINFO cmsg). Unbound, the kernel picks the interface's link-local address
 *   for ff02::12 (RFC 6724 scope rule), which is keepalived's default too.
 * - IPv6: no IPV6_CHECKSUM; the caller computes the VRRPv3 checksum.
 * - The receive socket is not bound to the group address; SO_BINDTODEVICE plus
 *   IP(V6)_MULTICAST_ALL 0 already limit it to this interface's joined groups.
 */
import { formatIp, parseIp } from '../lib/ip.js';
import {
  AF_INET,
  AF_INET6,
  EAGAIN,
  EBADF,
  EINVAL,
  ENODEV,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_VRRP,
  IPTOS_PREC_INTERNETCONTROL,
  IPV6_ADD_MEMBERSHIP,
  IPV6_MULTICAST_ALL,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_TCLASS,
  IPV6_UNICAST_HOPS,
  IP_ADD_MEMBERSHIP,
  IP_MULTICAST_ALL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_PKTINFO,
  IP_TOS,
  IP_TTL,
  MSG_CTRUNC,
  MSG_TRUNC,
  SOCK_RAW,
  SOL_SOCKET,
  SO_BINDTODEVICE,
} from './constants.js';
import { errnoName, loadNative, type NativeBinding, type Poller } from './native.js';
import {
  SOCKADDR_STORAGE_LENGTH,
  encodeIpMreqn,
  encodeIpv6Mreq,
  encodeSockaddrIn,
  encodeSockaddrIn6,
  parseControlMessages,
  parseSockaddr,
} from './sockaddr.js';

/** RFC 5798 §5.1.1.3 / §5.1.2.3: TTL and hop limit are 255 on send. */
const VRRP_TTL = 255;
const DEFAULT_GROUP_V4 = '224.0.0.18';
const DEFAULT_GROUP_V6 = 'ff02::12';
/** An IPv4 datagram cannot be larger; a VRRP advert is at most 20 + 8 + 255 × 16 + 8. */
const RECEIVE_BUFFER_LENGTH = 65_535;
const CONTROL_BUFFER_LENGTH = 256;
/**
 * Datagrams read per wake-up before yielding to the loop (architecture.md "put a limit on
 * everything"). uv_poll is level-triggered, so anything left is read on the next tick.
 */
const MAX_DATAGRAMS_PER_WAKEUP = 64;

/** A datagram as the socket received it. */
export interface ReceivedVrrpPacket {
  readonly family: 4 | 6;
  /** IPv4: the whole IP datagram, header included (decodeIpv4Header); IPv6: the VRRP message. */
  readonly payload: Uint8Array;
  /** IPv4: the header's TTL; IPv6: the IPV6_HOPLIMIT cmsg (-1 if the kernel gave none). */
  readonly ttlOrHopLimit: number;
  readonly source: string;
  /** From IP_PKTINFO / IPV6_PKTINFO: the packet's destination address ('' if absent). */
  readonly destination: string;
  /** The receiving interface (from the pktinfo cmsg; 0 if absent). */
  readonly ifindex: number;
}

/** An operational failure, as a value (never thrown from the poll callback). */
export interface VrrpSocketError {
  /** Negative errno (e.g. -EPERM), or -EINVAL for a bad option. */
  readonly errno: number;
  /** What was being done, e.g. 'setsockopt IP_ADD_MEMBERSHIP'. */
  readonly operation: string;
  readonly message: string;
}

export interface VrrpSocketOptions {
  readonly family: 4 | 6;
  readonly ifname: string;
  /** The multicast group to join and send to. @default '224.0.0.18' / 'ff02::12' */
  readonly group?: string;
  /** keepalived unicast_peer mode: no group membership. @default false */
  readonly isUnicast?: boolean;
  /**
   * Source address to bind (keepalived unicast_src_ip, or a configured IPv6 source).
   * IPv6 link-local addresses get the interface as scope id. @default unbound
   */
  readonly sourceAddress?: string;
  /**
   * Called for each datagram, synchronously inside the poll callback. It may close the
   * socket. An exception it throws is a programmer error and reaches
   * process 'uncaughtException' (the addon uses napi_fatal_exception).
   */
  readonly onPacket: (packet: ReceivedVrrpPacket) => void;
  /** Receive-path errors; the socket stays open. @default ignored */
  readonly onError?: (error: VrrpSocketError) => void;
  /** For tests. @default loadNative() */
  readonly native?: NativeBinding;
}

export interface VrrpSocket {
  readonly family: 4 | 6;
  readonly ifindex: number;
  /** Sends one VRRP message to `destination` (group or unicast peer): bytes or -errno. */
  send(vrrpMessage: Uint8Array, destination: string): number;
  /** Stops polling, then closes the fd (in that order: native-networking.md §6.8). Idempotent. */
  close(): void;
}

export type VrrpSocketResult =
  | { readonly ok: true; readonly socket: VrrpSocket }
  | { readonly ok: false; readonly error: VrrpSocketError };

function failure(errno: number, operation: string): { ok: false; error: VrrpSocketError } {
  return { ok: false, error: { errno, operation, message: `Cannot ${operation}: ${errnoName(errno)}` } };
}

interface OptionStep {
  readonly name: string;
  readonly level: number;
  readonly option: number;
  readonly value: number | Uint8Array;
}

/** The setsockopt sequence for one socket, in keepalived's order. */
function optionSteps(opts: VrrpSocketOptions, ifindex: number, group: string): OptionStep[] {
  const int = (name: string, level: number, option: number, value: number): OptionStep => ({ name, level, option, value });
  const steps: OptionStep[] = [
    { name: 'SO_BINDTODEVICE', level: SOL_SOCKET, option: SO_BINDTODEVICE, value: new TextEncoder().encode(`${opts.ifname}\0`) },
  ];
  const isMulticast = opts.isUnicast !== true;
  if (opts.family === 4) {
    steps.push(
      int('IP_TOS', IPPROTO_IP, IP_TOS, IPTOS_PREC_INTERNETCONTROL),
      // native-networking.md §1: without this, another socket's join on another
      // interface is enough to deliver that interface's adverts here.
      int('IP_MULTICAST_ALL', IPPROTO_IP, IP_MULTICAST_ALL, 0),
      int('IP_MULTICAST_LOOP', IPPROTO_IP, IP_MULTICAST_LOOP, 0),
      int('IP_MULTICAST_TTL', IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL),
      int('IP_TTL', IPPROTO_IP, IP_TTL, VRRP_TTL),
      int('IP_PKTINFO', IPPROTO_IP, IP_PKTINFO, 1),
      { name: 'IP_MULTICAST_IF', level: IPPROTO_IP, option: IP_MULTICAST_IF, value: encodeIpMreqn({ ifindex }) },
    );
    if (isMulticast) {
      const mreqn = encodeIpMreqn({ group, ifindex });
      steps.push({ name: 'IP_ADD_MEMBERSHIP', level: IPPROTO_IP, option: IP_ADD_MEMBERSHIP, value: mreqn });
    }
    return steps;
  }
  steps.push(
    int('IPV6_TCLASS', IPPROTO_IPV6, IPV6_TCLASS, IPTOS_PREC_INTERNETCONTROL),
    int('IPV6_MULTICAST_ALL', IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0),
    int('IPV6_MULTICAST_LOOP', IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0),
    int('IPV6_MULTICAST_HOPS', IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL),
    int('IPV6_UNICAST_HOPS', IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL),
    int('IPV6_MULTICAST_IF', IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex),
    // Raw IPv6 sockets carry no header: RFC 5798 §7.1's hop-limit check and the v3
    // pseudo-header need these cmsgs (native-networking.md §2).
    int('IPV6_RECVHOPLIMIT', IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1),
    int('IPV6_RECVPKTINFO', IPPROTO_IPV6, IPV6_RECVPKTINFO, 1),
  );
  if (isMulticast) {
    const mreq = encodeIpv6Mreq({ group, ifindex });
    steps.push({ name: 'IPV6_ADD_MEMBERSHIP', level: IPPROTO_IPV6, option: IPV6_ADD_MEMBERSHIP, value: mreq });
  }
  return steps;
}

/** sockaddr for `address`; link-scope IPv6 addresses get the interface as scope id. */
function sockaddrFor(family: 4 | 6, address: string, ifindex: number): Uint8Array | undefined {
  const ip = parseIp(address);
  if (ip?.family !== family) return undefined;
  if (family === 4) return encodeSockaddrIn(ip);
  const isLinkScope = (ip.bytes[0] === 0xfe && ((ip.bytes[1] ?? 0) & 0xc0) === 0x80) || (ip.bytes[0] === 0xff && ((ip.bytes[1] ?? 0) & 0x0f) <= 2);
  return encodeSockaddrIn6(ip, { scopeId: isLinkScope ? ifindex : 0 });
}

/**
 * Opens and configures the socket and starts polling it. Nothing is left open on failure.
 *
 * @example
 * const r = openVrrpSocket({ family: 4, ifname: 'eth0', onPacket: (p) => runtime.onDatagram(p) });
 * if (!r.ok) log(r.error.message);
 */
export function openVrrpSocket(opts: VrrpSocketOptions): VrrpSocketResult {
  const native = opts.native ?? loadNative();
  const family = opts.family;
  const group = opts.group ?? (family === 4 ? DEFAULT_GROUP_V4 : DEFAULT_GROUP_V6);
  if (parseIp(group)?.family !== family) return failure(-EINVAL, `use ${group} as an IPv${family} group`);
  const ifindex = native.ifNameToIndex(opts.ifname);
  if (ifindex === 0) return failure(-ENODEV, `find interface ${opts.ifname}`);
  const fd = native.socket(family === 4 ? AF_INET : AF_INET6, SOCK_RAW, IPPROTO_VRRP);
  if (fd < 0) return failure(fd, `open a raw IPv${family} VRRP socket`);
  const abort = (errno: number, operation: string): VrrpSocketResult => {
    native.close(fd);
    return failure(errno, operation);
  };
  for (const step of optionSteps(opts, ifindex, group)) {
    const r =
      typeof step.value === 'number'
        ? native.setsockoptInt(fd, step.level, step.option, step.value)
        : native.setsockopt(fd, step.level, step.option, step.value);
    if (r < 0) return abort(r, `setsockopt ${step.name} on ${opts.ifname}`);
  }
  if (opts.sourceAddress !== undefined) {
    const sa = sockaddrFor(family, opts.sourceAddress, ifindex);
    if (sa === undefined) return abort(-EINVAL, `use ${opts.sourceAddress} as an IPv${family} source`);
    const r = native.bind(fd, sa);
    if (r < 0) return abort(r, `bind to ${opts.sourceAddress}`);
  }
  return { ok: true, socket: startSocket({ native, fd, family, ifindex, opts }) };
}

interface SocketState {
  readonly native: NativeBinding;
  readonly fd: number;
  readonly family: 4 | 6;
  readonly ifindex: number;
  readonly opts: VrrpSocketOptions;
}

function startSocket(s: SocketState): VrrpSocket {
  const { native, fd, family, ifindex, opts } = s;
  const data = new Uint8Array(RECEIVE_BUFFER_LENGTH);
  const name = new Uint8Array(SOCKADDR_STORAGE_LENGTH);
  const control = new Uint8Array(CONTROL_BUFFER_LENGTH);
  const out = new Int32Array(3);
  const destinations = new Map<string, Uint8Array | undefined>();
  let isClosed = false;
  let poller: Poller | undefined;

  const report = (errno: number, operation: string): void => {
    const error = { errno, operation, message: `Cannot ${operation}: ${errnoName(errno)}` };
    try {
      opts.onError?.(error);
    } catch {
      // A throwing error handler must not take the poll callback down with it.
    }
  };

  const readOne = (): boolean => {
    const n = native.recvmsg(fd, data, name, control, out);
    if (n < 0) {
      if (n !== -EAGAIN) report(n, `receive on ${opts.ifname}`);
      return false;
    }
    const flags = out[2] ?? 0;
    if ((flags & (MSG_TRUNC | MSG_CTRUNC)) !== 0) {
      report(-EINVAL, `receive on ${opts.ifname} (truncated datagram, flags 0x${flags.toString(16)})`);
      return true;
    }
    const packet = toPacket(family, data.slice(0, n), name.subarray(0, out[0] ?? 0), control.subarray(0, out[1] ?? 0));
    opts.onPacket(packet);
    return true;
  };

  poller = native.poll(fd, () => {
    // The handler may close the socket; re-check before every read (§6.8: EBADF).
    for (let i = 0; i < MAX_DATAGRAMS_PER_WAKEUP && !isClosed; i++) {
      if (!readOne()) break;
    }
  });

  return {
    family,
    ifindex,
    send(vrrpMessage, destination) {
      if (isClosed) return -EBADF;
      let sa = destinations.get(destination);
      if (sa === undefined && !destinations.has(destination)) {
        sa = sockaddrFor(family, destination, ifindex);
        if (destinations.size < 64) destinations.set(destination, sa);
      }
      if (sa === undefined) return -EINVAL;
      return native.sendto(fd, vrrpMessage, sa);
    },
    close() {
      if (isClosed) return;
      isClosed = true;
      poller?.close();
      poller = undefined;
      native.close(fd);
    },
  };
}

/** Builds the packet record from recvmsg's buffers. Total: never throws. */
function toPacket(family: 4 | 6, payload: Uint8Array, name: Uint8Array, control: Uint8Array): ReceivedVrrpPacket {
  const cmsgs = parseControlMessages(control);
  const source = parseSockaddr(name)?.address ?? '';
  if (family === 4) {
    // A raw IPv4 socket delivers the header: TTL at byte 8, destination at 16..19.
    const ttl = payload.length >= 20 ? (payload[8] ?? -1) : -1;
    const headerDestination = payload.length >= 20 ? formatIp({ family: 4, bytes: payload.slice(16, 20) }) : '';
    return {
      family,
      payload,
      ttlOrHopLimit: ttl,
      source,
      destination: cmsgs.ipv4PacketInfo?.destination ?? headerDestination,
      ifindex: cmsgs.ipv4PacketInfo?.ifindex ?? 0,
    };
  }
  return {
    family,
    payload,
    ttlOrHopLimit: cmsgs.ipv6HopLimit ?? -1,
    source,
    destination: cmsgs.ipv6PacketInfo?.destination ?? '',
    ifindex: cmsgs.ipv6PacketInfo?.ifindex ?? 0,
  };
}
