/**
 * Sends gratuitous ARPs and unsolicited Neighbour Advertisements for virtual addresses.
 *
 * One send-only AF_PACKET socket (protocol 0: the kernel queues nothing for receiving)
 * carries both, with frames built by arp_frame.ts, as keepalived 2.2.7 does
 * (vrrp_arp.c gratuitous ARP, vrrp_ndisc.c unsolicited NA: both over AF_PACKET). Sending
 * the NA as a whole frame rather than through an ICMPv6 socket is what lets its IPv6
 * source be the VIP itself, byte for byte as keepalived sends it; the ICMPv6 checksum
 * is computed in arp_frame.ts.
 *
 * Repetition and pacing (garp_master_repeat, garp_master_delay, garp_interval) are the
 * caller's policy; each call here sends exactly one frame.
 */
import { parseIpv4, parseIpv6 } from '../lib/ip.js';
import { buildGratuitousArp, buildUnsolicitedNaFrame, BROADCAST_MAC, ALL_NODES_MAC } from './arp_frame.js';
import { AF_PACKET, EBADF, EINVAL, ETH_ALEN, ETH_P_ARP, ETH_P_IPV6, SOCK_RAW } from './constants.js';
import { errnoName, loadNative, type NativeBinding } from './native.js';
import { encodeSockaddrLl } from './sockaddr.js';

export interface GarpSender {
  /** One gratuitous ARP for `ipv4` from `mac` on `ifindex`: bytes sent or -errno. */
  sendGratuitousArp(ifindex: number, mac: Uint8Array, ipv4: string): number;
  /**
   * One unsolicited NA for `ipv6` from `mac` on `ifindex`: bytes sent or -errno.
   * `isRouter` sets the Router flag (keepalived: when IPv6 forwarding is on for the interface).
   */
  sendUnsolicitedNa(ifindex: number, mac: Uint8Array, ipv6: string, options?: { readonly isRouter?: boolean }): number;
  /** Idempotent. */
  close(): void;
}

export interface GarpSenderError {
  readonly errno: number;
  readonly message: string;
}

export type GarpSenderResult =
  | { readonly ok: true; readonly sender: GarpSender }
  | { readonly ok: false; readonly error: GarpSenderError };

export interface GarpSenderOptions {
  /** For tests. @default loadNative() */
  readonly native?: NativeBinding;
}

/**
 * Opens the AF_PACKET socket (needs CAP_NET_RAW).
 *
 * @example
 * const r = openGarpSender();
 * if (r.ok) r.sender.sendGratuitousArp(ifindex, mac, '10.0.0.100');
 */
export function openGarpSender(options: GarpSenderOptions = {}): GarpSenderResult {
  const native = options.native ?? loadNative();
  // Protocol 0: send only, as keepalived's garp_fd (vrrp_arp.c gratuitous_arp_init).
  const fd = native.socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) return { ok: false, error: { errno: fd, message: `Cannot open an AF_PACKET socket: ${errnoName(fd)}` } };
  let isClosed = false;

  const send = (frame: () => Uint8Array | undefined, sockaddr: Uint8Array): number => {
    if (isClosed) return -EBADF;
    const bytes = frame();
    return bytes === undefined ? -EINVAL : native.sendto(fd, bytes, sockaddr);
  };

  return {
    ok: true,
    sender: {
      sendGratuitousArp(ifindex, mac, ipv4) {
        const ip = parseIpv4(ipv4);
        const isValid = ip !== undefined && mac.length === ETH_ALEN;
        // keepalived-compat: vrrp_arp.c send_arp puts the broadcast address in sll_addr.
        const sa = encodeSockaddrLl({ ifindex, protocol: ETH_P_ARP, address: BROADCAST_MAC });
        return send(() => (isValid ? buildGratuitousArp({ mac, ipv4: ip }) : undefined), sa);
      },
      sendUnsolicitedNa(ifindex, mac, ipv6, naOptions = {}) {
        const ip = parseIpv6(ipv6);
        const isValid = ip !== undefined && mac.length === ETH_ALEN;
        // The frame already carries its destination MAC; sll_addr is informational.
        const sa = encodeSockaddrLl({ ifindex, protocol: ETH_P_IPV6, address: ALL_NODES_MAC });
        const isRouter = naOptions.isRouter === true;
        return send(() => (isValid ? buildUnsolicitedNaFrame({ mac, ipv6: ip, isRouter }) : undefined), sa);
      },
      close() {
        if (isClosed) return;
        isClosed = true;
        native.close(fd);
      },
    },
  };
}
