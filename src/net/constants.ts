/**
 * Linux numbers used by the raw-socket layer, named exactly as in the C headers so they
 * can be grepped against glibc/kernel sources. Values are for Linux on every
 * architecture we support (x86_64, aarch64): the ones below are not arch-specific,
 * except the SOCK_* flags noted (which differ only on MIPS/SPARC/Alpha).
 */

// <bits/socket.h>, <linux/socket.h>: address families.
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

// <bits/socket_type.h>. SOCK_NONBLOCK/SOCK_CLOEXEC are added by the addon itself.
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

// <asm-generic/socket.h>: socket-level options.
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_BINDTODEVICE = 25;

// <bits/socket.h>: levels for non-IP protocols.
export const SOL_PACKET = 263;
export const SOL_NETLINK = 270;

// <netinet/in.h>: protocol numbers (IANA).
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
/** RFC 5798 §5.1.1.4 / RFC 3768 §5.2.4: VRRP's IP protocol number. */
export const IPPROTO_VRRP = 112;
export const IPPROTO_RAW = 255;

// <linux/in.h>: IPv4 socket options (level IPPROTO_IP).
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_PKTINFO = 8;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;
export const IP_MULTICAST_ALL = 49;

// <linux/in6.h>, <linux/ipv6.h>: IPv6 socket options (level IPPROTO_IPV6).
export const IPV6_CHECKSUM = 7;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
/** Alias IPV6_JOIN_GROUP in RFC 3493. */
export const IPV6_ADD_MEMBERSHIP = 20;
export const IPV6_DROP_MEMBERSHIP = 21;
export const IPV6_V6ONLY = 26;
export const IPV6_MULTICAST_ALL = 29;
export const IPV6_RECVPKTINFO = 49;
/** Also the cmsg type that carries struct in6_pktinfo. */
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
/** Also the cmsg type that carries the hop limit (int). */
export const IPV6_HOPLIMIT = 52;

// <linux/icmpv6.h>: raw ICMPv6 socket level option.
export const ICMPV6_FILTER = 1;
// <linux/in6.h>: traffic class (keepalived sets 0xc0, CS6, on VRRP sockets).
export const IPV6_TCLASS = 67;
// <linux/in.h>: ask for the TTL as ancillary data.
export const IP_RECVTTL = 12;
/** <netinet/ip.h>: keepalived vrrp_if.c sets IP_TOS to this on IPv4 VRRP sockets. */
export const IPTOS_PREC_INTERNETCONTROL = 0xc0;

// <linux/if_ether.h>: Ethernet protocol ids (host order; sockaddr_ll wants them big-endian).
export const ETH_P_ALL = 0x0003;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_ALEN = 6;

// <linux/if_arp.h>
export const ARPHRD_ETHER = 1;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

// <linux/netlink.h>
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;

// <bits/socket.h>: recvmsg msg_flags.
export const MSG_TRUNC = 0x20;
export const MSG_CTRUNC = 0x08;
export const MSG_DONTWAIT = 0x40;

/**
 * <asm-generic/errno-base.h>, <asm-generic/errno.h>: the errno values this project
 * reacts to or reports. The addon returns them negated.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  EPIPE: 32,
  ERANGE: 34,
  ENOSYS: 38,
  ENODATA: 61,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
} as const;

export type ErrnoName = keyof typeof ERRNO;

// Named exports of the errno values most callers compare against.
export const EPERM = ERRNO.EPERM;
export const EINTR = ERRNO.EINTR;
export const EBADF = ERRNO.EBADF;
export const EAGAIN = ERRNO.EAGAIN;
/** Same value as EAGAIN on Linux. */
export const EWOULDBLOCK = ERRNO.EAGAIN;
export const ENOMEM = ERRNO.ENOMEM;
export const EEXIST = ERRNO.EEXIST;
export const ENODEV = ERRNO.ENODEV;
export const EINVAL = ERRNO.EINVAL;
export const EADDRNOTAVAIL = ERRNO.EADDRNOTAVAIL;
export const ENETDOWN = ERRNO.ENETDOWN;
export const ENETUNREACH = ERRNO.ENETUNREACH;
export const ENOBUFS = ERRNO.ENOBUFS;
