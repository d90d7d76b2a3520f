/**
 * From a datagram read off a VRRP socket to either an advert for one instance or a drop
 * with its reason (pure). This is keepalived's vrrp_read_dispatcher_thread → vrrp_index_lookup
 * → vrrp_check_packet path: find the instance by VRID (and family), then run the decoder
 * and the validation with that instance's expectations.
 *
 * The log lines are keepalived 2.2.7's (vrrp.c vrrp_check_packet) where it logs one; a
 * drop keepalived does not log gets none (the metric label still counts it).
 */
import { formatIp, isMulticast, parseIp, type IpFamily } from '../lib/ip.js';
import { AUTH_TYPE_AH, AUTH_TYPE_PASS, type Advert } from './advert.js';
import type { ChecksumMode } from './checksum.js';
import type { DropReason } from './drop_reasons.js';
import type { ReceivedAdvert } from './instance.js';
import { decodeAdvert, decodeIpv4Header, validateAdvert, type AdvertExpectation } from './packet.js';

/** One instance listening on the socket the datagram came from. */
export interface ReceivingInstance {
  readonly name: string;
  readonly family: IpFamily;
  readonly expectation: AdvertExpectation;
  readonly checksumMode: ChecksumMode;
  /** The VIP count we advertise (for keepalived's count-mismatch line). */
  readonly vipCount: number;
}

export interface ReceivedDatagram {
  readonly family: IpFamily;
  /** IPv4: the whole datagram, header included; IPv6: the VRRP message. */
  readonly bytes: Uint8Array;
  /** IPv6 hop limit from IPV6_HOPLIMIT (IPv4 reads the header); undefined if unknown. */
  readonly hopLimit: number | undefined;
  /** IPv6: from msg_name and IPV6_PKTINFO; IPv4 reads the header. */
  readonly source: string;
  readonly destination: string;
}

export type ReceiveOutcome =
  | {
      readonly kind: 'advert';
      readonly instance: string;
      readonly advert: ReceivedAdvert;
      readonly raw: Advert;
      /** Count-only reasons (keepalived logs and counts them, then processes the advert). */
      readonly flagged: readonly DropReason[];
      readonly logLines: readonly string[];
    }
  | {
      readonly kind: 'drop';
      /** Undefined when no instance owns the VRID (or the packet is unreadable). */
      readonly instance: string | undefined;
      readonly reason: DropReason;
      readonly detail: string;
      readonly logLines: readonly string[];
    };

function drop(instance: string | undefined, reason: DropReason, detail: string, logLines: readonly string[] = []): ReceiveOutcome {
  return { kind: 'drop', instance, reason, detail, logLines };
}

/**
 * Classify one datagram. `lookup(vrid, family)` returns the listening instance, if any;
 * `skipAddressCheckFor(instance, source)` says whether skip_check_adv_addr applies (the
 * advert comes from the master the instance already follows).
 */
export function classifyDatagram(
  d: ReceivedDatagram,
  lookup: (vrid: number) => ReceivingInstance | undefined,
  skipAddressCheckFor: (instance: string, source: string) => boolean = () => false,
): ReceiveOutcome {
  let payload: Uint8Array;
  let ttl: number | undefined;
  let source = d.source;
  let destination = d.destination;
  if (d.family === 4) {
    const ip = decodeIpv4Header(d.bytes);
    if (!ip.ok) return drop(undefined, ip.reason, ip.detail);
    if (ip.header.protocol !== 112) {
      // keepalived-ts does not implement IPsec AH (docs/STATUS.md): never accepted.
      return drop(undefined, 'ah_unsupported', 'IPsec AH header');
    }
    payload = ip.payload;
    ttl = ip.header.ttl;
    source = formatIp(ip.header.source);
    destination = formatIp(ip.header.destination);
  } else {
    payload = d.bytes;
    ttl = d.hopLimit;
  }
  if (payload.length < 8) return drop(undefined, 'too_short', `${payload.length} bytes`);
  const vrid = payload[1] ?? 0;
  const inst = lookup(vrid);
  if (inst === undefined) return drop(undefined, 'unknown_vrid', `VRID ${vrid}`);
  const src = parseIp(source);
  const dst = parseIp(destination);
  if (src === undefined || dst === undefined) return drop(inst.name, 'bad_ip_header', 'unreadable addresses');

  const decoded = decodeAdvert(payload, { source: src, destination: dst, family: d.family, checksumMode: inst.checksumMode });
  if (!decoded.ok) {
    return drop(inst.name, decoded.reason, decoded.detail, rawRejectionLog(inst, decoded.reason, payload, ttl));
  }
  const a = decoded.advert;
  const expectation: AdvertExpectation = skipAddressCheckFor(inst.name, source)
    ? { ...inst.expectation, skipAddressCheck: true }
    : inst.expectation;
  const v = validateAdvert(a, expectation, { ttl, source, isMulticastDestination: isMulticast(dst) });
  if (!v.ok) return drop(inst.name, v.reason, v.detail, advertRejectionLog(inst, v.reason, a, ttl, isMulticast(dst), source));
  // A v3 interval mismatch is flagged only: the state machine logs the learnt interval.
  const logLines: string[] = [];
  return {
    kind: 'advert',
    instance: inst.name,
    advert: { priority: a.priority, sourceAddress: source, advertIntervalCs: a.advertIntervalCs },
    raw: a,
    flagged: v.flagged,
    logLines,
  };
}

/** keepalived's lines for rejections found while decoding (before the advert exists). */
function rawRejectionLog(inst: ReceivingInstance, reason: DropReason, payload: Uint8Array, ttl: number | undefined): string[] {
  const n = inst.name;
  const version = (payload[0] ?? 0) >> 4;
  switch (reason) {
    case 'bad_ttl':
      return [`(${n}) invalid TTL/HL. Received ${ttl ?? -1} and expect 255`];
    case 'bad_version':
      return [`(${n}) wrong version. Received ${version} and expect ${inst.expectation.version}`];
    case 'bad_type':
      return [`(${n}) Invalid packet type. ${(payload[0] ?? 0) & 0x0f} and expect 1`];
    case 'invalid_auth_type':
      return [`(${n}) Invalid auth type: ${payload[4] ?? 0}`];
    case 'bad_checksum':
      return [`(${n}) Invalid VRRPv${version === 3 ? 3 : 2} checksum`];
    case 'bad_length':
      return [`(${n}) vrrp packet too short, length ${payload.length}`];
    default:
      return [];
  }
}

/** keepalived's lines for rejections by validateAdvert (vrrp_check_packet order). */
function advertRejectionLog(
  inst: ReceivingInstance,
  reason: DropReason,
  a: Advert,
  ttl: number | undefined,
  multicast: boolean,
  source: string,
): string[] {
  const n = inst.name;
  const e = inst.expectation;
  switch (reason) {
    case 'bad_ttl':
      return [`(${n}) invalid TTL/HL. Received ${ttl ?? -1} and expect 255`];
    case 'bad_version':
      return [`(${n}) wrong version. Received ${a.version} and expect ${e.version}`];
    case 'auth_type_mismatch':
      return [`(${n}) received a ${a.authType} auth, expecting ${e.authType}!`];
    case 'auth_failure':
      return e.authType === AUTH_TYPE_PASS ? [`(${n}) received an invalid passwd!`] : [];
    case 'ah_unsupported':
      return e.authType === AUTH_TYPE_AH || a.authType === AUTH_TYPE_AH ? [`(${n}) IPsec AH is not supported by keepalived-ts`] : [];
    case 'advert_interval_mismatch_v2':
      return [
        `(${n}) advertisement interval mismatch mine=${Math.floor(e.advertIntervalCs / 100)} sec rcv'd=${Math.floor(a.advertIntervalCs / 100)} sec`,
      ];
    case 'unicast_multicast_mismatch':
      return [`(${n}) Expected ${e.isUnicast ? 'un' : 'mult'}icast packet but received ${multicast ? 'mult' : 'un'}icast packet`];
    case 'address_count_mismatch':
      return [`(${n}) received an unexpected ip number count ${a.addresses.length}, expected ${inst.vipCount}!`];
    case 'address_list_mismatch': {
      const missing = e.addresses.find((x) => !a.addresses.includes(x)) ?? '';
      return [`(${n}) ip address associated with VRID ${e.vrid} not present in MASTER advert: ${missing}`];
    }
    case 'unicast_source_not_peer':
      return [`(${n}) unicast source address ${source} not a unicast peer`];
    case 'unicast_peer_ttl': {
      const peer = e.unicastPeers?.find((p) => p.address === source);
      return [`(${n}) TTL/HL ${ttl ?? -1} not in range ${peer?.minTtl ?? 0} - ${peer?.maxTtl ?? 255}`];
    }
    default:
      return [];
  }
}
