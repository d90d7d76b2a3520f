/**
 * What keepalived 2.2.7 asks the kernel for when it sets or removes a VIP, an eVIP or a
 * virtual route (PURE). Facts from vrrp/vrrp_ipaddress.c netlink_ipaddress(),
 * vrrp/vrrp_iproute.c netlink_route() and core/keepalived_netlink.c netlink_parse_info():
 *
 * - Add: RTM_NEWADDR, NLM_F_REQUEST|NLM_F_ACK (no CREATE/EXCL: the kernel creates an
 *   address without NLM_F_CREATE and answers EEXIST for an existing one without REPLACE).
 *   IPv4 carries IFA_LOCAL and, when set and non-zero, IFA_BROADCAST; IPv6 carries IFA_LOCAL
 *   and, unless preferred_lft is forever, IFA_CACHEINFO {preferred = preferred_lft,
 *   valid = forever}. keepalived's IPv6 default is preferred_lft 0 for a /128 (the address
 *   is "deprecated", RFC 3484, so it is not picked as a source address for health checks)
 *   and forever otherwise; the config model has already applied that default.
 * - IPv6 VIPs get IFA_F_NODAD unless the line says `-nodad`, which in keepalived means
 *   "do NOT add nodad" (flagmask without flags): HA setups do their own duplicate
 *   detection, and DAD would delay or, after a split brain, permanently break the VIP.
 * - IFA_FLAGS (32-bit) carries home/mngtmpaddr/noprefixroute/autojoin (+ nodad) when non-zero;
 *   IFA_LABEL the label; IFA_ADDRESS the peer (`peer`).
 * - Delete: RTM_DELADDR with the same ifaddrmsg (prefix, scope, index) and IFA_LOCAL;
 *   IPv4 adds IFA_ADDRESS (= the local address in keepalived; see deleteAddressMessage).
 * - EEXIST on RTM_NEWADDR/RTM_NEWROUTE counts as success, and the address is then marked
 *   set, so keepalived later removes an address it found already present.
 *   EADDRNOTAVAIL on RTM_DELADDR counts as success, silently (the kernel deletes secondary
 *   addresses with their primary unless promote_secondaries is on). Other errors are logged
 *   as `Netlink: error: <strerror>(<errno>), type=<RTM_NAME>(<n>), seq=<n>, pid=<n>`.
 */
import type { IpAddressEntry, RouteEntry } from '../config/model/vrrp.js';
import { parseIp, parseIpPrefix, type IpFamily } from '../lib/ip.js';
import {
  IFA_F_HOMEADDRESS,
  IFA_F_MANAGETEMPADDR,
  IFA_F_MCAUTOJOIN,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  INFINITY_LIFE_TIME,
  NLM_F_ACK,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RTN_UNICAST,
  RTN_UNSPEC,
  RTPROT_KEEPALIVED,
  messageTypeName,
  type AddressInfo,
  type AddressMessage,
  type RouteMessage,
} from './netlink/codec.js';

/** The requests for one configured address on one interface. */
export interface AddressPlan {
  /** Identity of the address as set: family, ifindex, address, prefix, peer. */
  readonly key: string;
  readonly family: IpFamily;
  readonly ifindex: number;
  /** The address in canonical text (config model). */
  readonly address: string;
  /** keepalived's ipaddresstos(): `ADDR` or `ADDR/LEN` when LEN is not 32/128. */
  readonly text: string;
  /** `no_track`: removal by someone else does not make the instance leave MASTER. */
  readonly isTracked: boolean;
  readonly add: AddressMessage;
  readonly delete: AddressMessage;
}

function bytesOf(text: string, family: IpFamily): Uint8Array {
  const ip = parseIp(text);
  // The config model only holds validated addresses: anything else is a programmer error.
  if (ip === undefined || ip.family !== family) throw new RangeError(`not an IPv${family} address: ${text}`);
  return ip.bytes;
}

/** keepalived's ipaddresstos(). */
export function addressText(entry: Pick<IpAddressEntry, 'address' | 'family' | 'prefixLength'>): string {
  const full = entry.family === 4 ? 32 : 128;
  return entry.prefixLength === full ? entry.address : `${entry.address}/${entry.prefixLength}`;
}

/** The IFA_FLAGS keepalived sends on add (alloc_ipaddress flags + the IPv6 nodad default). */
export function addressFlags(entry: IpAddressEntry): number {
  let flags = 0;
  if (entry.isHomeAddress) flags |= IFA_F_HOMEADDRESS;
  if (entry.manageTempAddress) flags |= IFA_F_MANAGETEMPADDR;
  if (entry.noPrefixRoute) flags |= IFA_F_NOPREFIXROUTE;
  if (entry.autoJoin) flags |= IFA_F_MCAUTOJOIN;
  if (entry.family === 6 && !entry.noDad) flags |= IFA_F_NODAD;
  return flags;
}

function preferredLftS(entry: IpAddressEntry): number {
  const p = entry.preferredLft;
  if (p === undefined) return entry.prefixLength === 128 ? 0 : INFINITY_LIFE_TIME;
  return p === 'forever' ? INFINITY_LIFE_TIME : p;
}

function addMessage(entry: IpAddressEntry, ifindex: number): AddressMessage {
  const local = bytesOf(entry.address, entry.family);
  const flags = addressFlags(entry);
  const brd = entry.family === 4 && entry.broadcast !== undefined && entry.broadcast !== '0.0.0.0'
    ? bytesOf(entry.broadcast, 4)
    : undefined;
  const lft = entry.family === 6 ? preferredLftS(entry) : INFINITY_LIFE_TIME;
  return {
    family: entry.family,
    ifindex,
    prefixLength: entry.prefixLength,
    scope: entry.scope,
    local,
    address: entry.peer === undefined ? undefined : bytesOf(entry.peer, entry.family),
    broadcast: brd,
    label: entry.label,
    flags: flags === 0 ? undefined : flags,
    lifetimes: lft === INFINITY_LIFE_TIME ? undefined : { preferredS: lft, validS: INFINITY_LIFE_TIME },
  };
}

/**
 * The RTM_DELADDR fields. keepalived-compat: keepalived sends IFA_ADDRESS = the local
 * address for IPv4 even when the VIP has a peer; the kernel then finds no match (its
 * ifa_address is the peer), answers EADDRNOTAVAIL, which keepalived ignores, and the
 * address stays. We send the peer instead so that we remove exactly what we added.
 */
function deleteMessage(entry: IpAddressEntry, ifindex: number): AddressMessage {
  const local = bytesOf(entry.address, entry.family);
  const address = entry.family === 6
    ? undefined
    : entry.peer === undefined ? local : bytesOf(entry.peer, 4);
  return {
    family: entry.family,
    ifindex,
    prefixLength: entry.prefixLength,
    scope: entry.scope,
    local,
    address,
  };
}

/**
 * The add and delete requests keepalived makes for `entry` on interface `ifindex`.
 * @example planAddress(vip, 3).add.flags  // IFA_F_NODAD for an IPv6 VIP
 */
export function planAddress(entry: IpAddressEntry, ifindex: number): AddressPlan {
  return {
    key: `${entry.family}|${ifindex}|${entry.address}/${entry.prefixLength}|${entry.peer ?? ''}`,
    family: entry.family,
    ifindex,
    address: entry.address,
    text: addressText(entry),
    isTracked: !entry.noTrack,
    add: addMessage(entry, ifindex),
    delete: deleteMessage(entry, ifindex),
  };
}

/**
 * Which of our addresses an RTM_DELADDR (or RTM_NEWADDR) is about: same family, same
 * interface, same address (IFA_LOCAL, else IFA_ADDRESS); the prefix does not matter
 * (keepalived_netlink.c addr_is_equal). The caller skips plans that are not set and
 * treats `isTracked: false` (no_track) as not ours, as address_is_ours() does.
 */
export function findOurAddress(
  event: Pick<AddressInfo, 'family' | 'index' | 'local' | 'address'>,
  plans: Iterable<AddressPlan>,
): AddressPlan | undefined {
  const text = event.local ?? event.address;
  if (text === undefined) return undefined;
  for (const p of plans) {
    if (p.family === event.family && p.ifindex === event.index && p.address === text) return p;
  }
  return undefined;
}

const RTN_NUMBERS: Readonly<Record<string, number>> = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6,
  unreachable: 7, prohibit: 8, throw: 9, nat: 10, xresolve: 11,
};

/** The requests for one virtual/static route, or why it cannot be made now. */
export type RoutePlan =
  | {
    readonly ok: true;
    readonly key: string;
    readonly text: string;
    readonly add: RouteMessage;
    readonly addFlags: number;
    readonly delete: RouteMessage;
  }
  | { readonly ok: false; readonly reason: 'no_interface' | 'unsupported'; readonly detail: string };

/** A route's words as `ip route` would print them (for logs and keys). */
export function routeText(r: RouteEntry): string {
  const words = [r.type === 'unicast' ? '' : r.type, r.destination];
  if (r.via !== undefined) words.push(`via ${r.via}`);
  if (r.device !== undefined) words.push(`dev ${r.device}`);
  if (r.source !== undefined) words.push(`src ${r.source}`);
  if (r.table !== 254) words.push(`table ${r.table}`);
  if (r.metric !== undefined) words.push(`metric ${r.metric}`);
  return words.filter((w) => w !== '').join(' ');
}

/**
 * keepalived's netlink_route() for `route`: protocol keepalived (18); add scope universe
 * and delete scope nowhere unless `scope` was given; the type on a delete only when not
 * unicast (keepalived sends it only when written); tables above 255 in RTA_TABLE.
 * NLM flags on add: CREATE (prepend), plus EXCL for `add` or APPEND for `append`.
 */
export function planRoute(route: RouteEntry, ifindexOf: (name: string) => number): RoutePlan {
  const type = RTN_NUMBERS[route.type];
  if (type === undefined) return { ok: false, reason: 'unsupported', detail: `route type ${route.type}` };
  const dst = parseIpPrefix(route.destination);
  if (dst === undefined || dst.address.family !== route.family) {
    return { ok: false, reason: 'unsupported', detail: `destination ${route.destination}` };
  }
  const devices = [route.device, ...route.nextHops.map((n) => n.device)];
  const missing = devices.find((d) => d !== undefined && ifindexOf(d) === 0);
  if (missing !== undefined) return { ok: false, reason: 'no_interface', detail: missing };
  const addrOf = (t: string | undefined): Uint8Array | undefined => {
    if (t === undefined) return undefined;
    const ip = parseIp(t);
    return ip !== undefined && ip.family === route.family ? ip.bytes : undefined;
  };
  if ([route.via, route.source].some((t) => t !== undefined && addrOf(t) === undefined)) {
    return { ok: false, reason: 'unsupported', detail: 'gateway or source of the other family (RTA_VIA)' };
  }
  const dstLength = dst.prefixLength ?? (route.family === 4 ? 32 : 128);
  const multipath = route.nextHops.length > 0;
  const base = {
    family: route.family,
    dstLength,
    table: route.table,
    protocol: RTPROT_KEEPALIVED,
    destination: dstLength === 0 ? undefined : dst.address.bytes,
    prefsrc: addrOf(route.source),
    gateway: multipath ? undefined : addrOf(route.via),
    oif: route.device === undefined ? undefined : ifindexOf(route.device),
    priority: route.metric,
    nextHops: multipath
      ? route.nextHops.map((n) => ({
        gateway: addrOf(n.via),
        ifindex: n.device === undefined ? 0 : ifindexOf(n.device),
      }))
      : undefined,
  };
  let addFlags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
  if (route.args.includes('add')) addFlags |= NLM_F_EXCL;
  else if (route.args.includes('append')) addFlags |= NLM_F_APPEND;
  const text = routeText(route);
  return {
    ok: true,
    key: `${route.family}|${route.table}|${text}`,
    text,
    add: { ...base, scope: route.scope ?? RT_SCOPE_UNIVERSE, type },
    addFlags,
    delete: { ...base, scope: route.scope ?? RT_SCOPE_NOWHERE, type: type === RTN_UNICAST ? RTN_UNSPEC : type },
  };
}

/** glibc strerror() text for the errnos netlink address/route requests return. */
const STRERROR: Readonly<Record<number, string>> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process',
  6: 'No such device or address', 12: 'Cannot allocate memory', 13: 'Permission denied',
  16: 'Device or resource busy', 17: 'File exists', 19: 'No such device', 22: 'Invalid argument',
  34: 'Numerical result out of range', 95: 'Operation not supported',
  97: 'Address family not supported by protocol', 99: 'Cannot assign requested address',
  100: 'Network is down', 101: 'Network is unreachable', 105: 'No buffer space available',
  113: 'No route to host',
};

export function strerror(errno: number): string {
  return STRERROR[errno] ?? `Unknown error ${errno}`;
}

/** keepalived's netlink_parse_info() log line for a failed request. */
export function netlinkErrorText(
  errno: number,
  request: { readonly type: number; readonly seq: number; readonly pid?: number | undefined },
): string {
  return `Netlink: error: ${strerror(errno)}(${errno}), type=${messageTypeName(request.type)}` +
    `(${request.type}), seq=${request.seq}, pid=${request.pid ?? 0}`;
}
