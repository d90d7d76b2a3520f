/**
 * Why a received VRRP packet was rejected or flagged: the closed list, defined once here.
 * Each reason is a snake_case string (architecture.md "Naming rules" 4) used as the
 * `reason` of a decode/validation result and as a metric label.
 *
 * `action`: 'drop' means the packet has no effect on the state machine; 'count_only'
 * means the counter moves and a log line is written, but the advert is still processed.
 * `counter` is the keepalived vrrp_stats field (include/vrrp.h struct _vrrp_stats) the
 * reason increments, i.e. what `kill -USR2` (/tmp/keepalived.stats) and the JSON dump
 * show and what the exporters (landscape.md §4.2) publish; undefined when keepalived only
 * logs. `chk_err`, `vers_err` and `vrid_err` exist only in SNMP builds of keepalived.
 */

/** keepalived vrrp_stats counters a drop reason can move. */
export type VrrpStatsCounter =
  | 'packet_len_err'
  | 'ip_ttl_err'
  | 'invalid_type_rcvd'
  | 'advert_interval_err'
  | 'addr_list_err'
  | 'invalid_authtype'
  | 'authtype_mismatch'
  | 'auth_failure'
  | 'chk_err'
  | 'vers_err'
  | 'vrid_err';

export type DropAction = 'drop' | 'count_only';

export interface DropReasonInfo {
  readonly action: DropAction;
  readonly counter: VrrpStatsCounter | undefined;
  /** The USR2 stats line the counter is printed under (vrrp_print.c), if any. */
  readonly statsLine: string | undefined;
}

const LENGTH = 'Packet Errors: Length';
const AUTH = 'Authentication Errors';
const AUTH_FAILURE = 'Authentication Errors: Failure';

/** The single definition of every reason. Order follows vrrp.c vrrp_check_packet. */
export const DROP_REASONS = {
  /**
   * IPv4 header unusable (not version 4, IHL < 5, shorter than its IHL). keepalived-compat:
   * vrrp_scheduler.c vrrp_read_dispatcher_thread only logs "packet too short".
   */
  bad_ip_header: { action: 'drop', counter: undefined, statsLine: undefined },
  /** IPv4 total length disagrees with the bytes received (vrrp.c "ip_tot_len mismatch"). */
  bad_ip_total_length: { action: 'drop', counter: 'packet_len_err', statsLine: LENGTH },
  /** IP protocol is neither VRRP (112) nor AH (51). */
  bad_ip_protocol: { action: 'drop', counter: undefined, statsLine: undefined },
  /** AH header present but not expected, or expected but absent (IPv4 only). */
  ah_header_mismatch: { action: 'drop', counter: 'authtype_mismatch', statsLine: AUTH },
  /** Fewer bytes than the fixed 8-byte VRRP header (vrrp.c vrrp_get_header "too short"). */
  too_short: { action: 'drop', counter: undefined, statsLine: undefined },
  /** Length differs from header + naddr addresses (+ 8 auth bytes for v2), RFC 5798 §7.1. */
  bad_length: { action: 'drop', counter: 'packet_len_err', statsLine: LENGTH },
  /** TTL / hop limit not 255 on a multicast advert (RFC 5798 §7.1). */
  bad_ttl: { action: 'drop', counter: 'ip_ttl_err', statsLine: 'Packet Errors: TTL' },
  /** Version field not 2 or 3, VRRPv2 over IPv6, or not the instance's version. */
  bad_version: { action: 'drop', counter: 'vers_err', statsLine: undefined },
  /** v2 auth type other than 0 (none), 1 (PASS) or 2 (AH). */
  invalid_auth_type: {
    action: 'drop',
    counter: 'invalid_authtype',
    statsLine: 'Authentication Errors: Invalid Type',
  },
  /** v2 auth type differs from the instance's. */
  auth_type_mismatch: {
    action: 'drop',
    counter: 'authtype_mismatch',
    statsLine: 'Authentication Errors: Type Mismatch',
  },
  /** v2 PASS data differs from the instance's (constant-time compare). */
  auth_failure: { action: 'drop', counter: 'auth_failure', statsLine: AUTH_FAILURE },
  /** v2 AH authentication: not implemented by keepalived-ts, so never accepted. */
  ah_unsupported: { action: 'drop', counter: 'auth_failure', statsLine: AUTH_FAILURE },
  /**
   * v2 adver_int differs from ours: dropped "to prevent concurrent VRID running".
   * keepalived-compat: 2.2.7 declares advert_interval_err but never increments it; we do.
   */
  advert_interval_mismatch_v2: {
    action: 'drop',
    counter: 'advert_interval_err',
    statsLine: 'Packet Errors: Advertisement Interval',
  },
  /** v3 max_adver_int differs: logged, the master's interval is learnt (RFC 5798 §6.4.2). */
  advert_interval_mismatch_v3: {
    action: 'count_only',
    counter: 'advert_interval_err',
    statsLine: 'Packet Errors: Advertisement Interval',
  },
  /** Type field is not 1 (ADVERTISEMENT). */
  bad_type: {
    action: 'drop',
    counter: 'invalid_type_rcvd',
    statsLine: 'Packet Errors: Invalid Type',
  },
  /** Checksum does not verify (RFC 5798 §7.1). */
  bad_checksum: { action: 'drop', counter: 'chk_err', statsLine: undefined },
  /** Multicast advert to a unicast instance or the reverse. */
  unicast_multicast_mismatch: {
    action: 'drop',
    counter: 'addr_list_err',
    statsLine: 'Packet Errors: Address List',
  },
  /** No instance with this VRID on the socket (logged with log_unknown_vrids). */
  unknown_vrid: { action: 'drop', counter: 'vrid_err', statsLine: undefined },
  /**
   * naddr differs from our VIP count. keepalived-compat: 2.2.7's vrrp_check_packet drops
   * the advert (later keepalived counts and accepts it). We follow 2.2.7, the version we
   * interoperate with; skip_check_adv_addr skips the check for the current master.
   */
  address_count_mismatch: {
    action: 'drop',
    counter: 'addr_list_err',
    statsLine: 'Packet Errors: Address List',
  },
  /** One of our VIPs is missing from the advert (dropped, as the count mismatch). */
  address_list_mismatch: {
    action: 'drop',
    counter: 'addr_list_err',
    statsLine: 'Packet Errors: Address List',
  },
  /** check_unicast_src: the source is not a configured unicast_peer. */
  unicast_source_not_peer: { action: 'drop', counter: undefined, statsLine: undefined },
  /** check_unicast_src: TTL outside the peer's min_ttl..max_ttl. */
  unicast_peer_ttl: { action: 'drop', counter: 'ip_ttl_err', statsLine: 'Packet Errors: TTL' },
} as const satisfies Readonly<Record<string, DropReasonInfo>>;

export type DropReason = keyof typeof DROP_REASONS;

/** Every reason, in definition order. */
export const DROP_REASON_NAMES: readonly DropReason[] = Object.keys(DROP_REASONS) as DropReason[];

export function isDropReason(value: unknown): value is DropReason {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DROP_REASONS, value);
}

/** True when keepalived processes the advert despite the reason (counted only). */
export function isCountOnly(reason: DropReason): boolean {
  return DROP_REASONS[reason].action === 'count_only';
}
