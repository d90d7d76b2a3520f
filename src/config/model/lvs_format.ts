/**
 * keepalived's text forms of LVS objects, used in its log lines, SMTP alerts and notify
 * FIFO lines (check_data.c format_vs/format_rs, utils.c inet_sockaddrtotrio).
 */
import type { LvsProtocol, RealServer, SocketAddress, VirtualServer } from './lvs.js';

/** `tcp`, `udp`, `sctp`, or `none` when no protocol is set (inet_sockaddrtotrio). */
export function protocolText(protocol: LvsProtocol | undefined): string {
  return protocol ?? 'none';
}

/** `[10.0.0.1]:tcp:80`, `[2001:db8::1]:udp:53` (IPv6 is not bracketed twice). */
export function formatAddressTrio(
  address: SocketAddress,
  protocol: LvsProtocol | undefined,
): string {
  return `[${address.address}]:${protocolText(protocol)}:${address.port}`;
}

/** keepalived's FMT_VS: `[10.0.0.1]:tcp:80`, `FWM 5` or `[VSG]:0` (group member number). */
export function formatVirtualServer(vs: Pick<VirtualServer, 'key' | 'protocol'>): string {
  const key = vs.key;
  switch (key.kind) {
    case 'group':
      return `[${key.group}]:${key.memberIndex}`;
    case 'fwmark':
      return `FWM ${key.fwmark}`;
    case 'address':
      return formatAddressTrio(key.address, vs.protocol);
  }
}

/** keepalived's FMT_RS: the real server with its virtual server's protocol. */
export function formatRealServer(rs: Pick<RealServer, 'address' | 'protocol'>): string {
  return formatAddressTrio(rs.address, rs.protocol);
}
