/**
 * A command-line peer for the raw-socket integration tests, run inside a lab namespace
 * (`ip netns exec NS node dist/test/stress/native/net_peer.js CMD ...`). It does nothing
 * without arguments, so `node --test dist/test/` can load it harmlessly.
 *
 *   recv FAMILY IFNAME COUNT TIMEOUT_MS [GROUP|unicast]   print READY, then one JSON line per packet
 *   send FAMILY IFNAME DESTINATION HEX [HOPS]              send one VRRP message (HOPS ≠ 255: a
 *                                                          bare raw socket with that TTL/hop limit)
 *   garp IFNAME MAC IPV4 IPV6                              one gratuitous ARP and one unsolicited NA
 */
import { readFileSync } from 'node:fs';
import { parseMac } from '../../../src/net/arp_frame.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_VRRP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_UNICAST_HOPS,
  IP_MULTICAST_TTL,
  IP_TTL,
  SOCK_RAW,
  SOL_SOCKET,
  SO_BINDTODEVICE,
} from '../../../src/net/constants.js';
import { openGarpSender } from '../../../src/net/garp.js';
import { errnoName, loadNative } from '../../../src/net/native.js';
import { encodeSockaddrIn, encodeSockaddrIn6 } from '../../../src/net/sockaddr.js';
import { openVrrpSocket } from '../../../src/net/vrrp_socket.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const family = (s: string | undefined): 4 | 6 => (s === '6' ? 6 : 4);

function fail(message: string): never {
  process.stderr.write(`net_peer: ${message}\n`);
  process.exit(2);
}

function recv(args: string[]): void {
  const [fam, ifname = 'eth0', count = '1', timeoutMs = '3000', mode] = args;
  let seen = 0;
  const isUnicast = mode === 'unicast';
  const r = openVrrpSocket({
    family: family(fam),
    ifname,
    ...(mode !== undefined && !isUnicast ? { group: mode } : {}),
    isUnicast,
    onPacket(p) {
      process.stdout.write(`${JSON.stringify({ ...p, payload: hex(p.payload) })}\n`);
      if (++seen >= Number(count)) {
        r.ok && r.socket.close();
        clearTimeout(timer);
      }
    },
    onError: (e) => process.stderr.write(`net_peer: ${e.message}\n`),
  });
  if (!r.ok) fail(r.error.message);
  const timer = setTimeout(() => r.socket.close(), Number(timeoutMs));
  process.stdout.write('READY\n');
}

/** A bare socket that sends with a chosen TTL/hop limit (to prove the receiver reports it). */
function sendWithHops(fam: 4 | 6, ifname: string, destination: string, message: Uint8Array, hops: number): number {
  const n = loadNative();
  const ifindex = n.ifNameToIndex(ifname);
  const fd = n.socket(fam === 4 ? AF_INET : AF_INET6, SOCK_RAW, IPPROTO_VRRP);
  if (fd < 0) return fd;
  n.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, new TextEncoder().encode(`${ifname}\0`));
  if (fam === 4) {
    n.setsockoptInt(fd, IPPROTO_IP, IP_MULTICAST_TTL, hops);
    n.setsockoptInt(fd, IPPROTO_IP, IP_TTL, hops);
  } else {
    n.setsockoptInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops);
    n.setsockoptInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, hops);
    n.setsockoptInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex);
  }
  const sa = fam === 4 ? encodeSockaddrIn(destination) : encodeSockaddrIn6(destination, { scopeId: ifindex });
  const r = n.sendto(fd, message, sa);
  n.close(fd);
  return r;
}

function send(args: string[]): void {
  const [fam, ifname = 'eth0', destination = '', data = '', hops = '255'] = args;
  const message = unhex(data);
  let r: number;
  if (hops !== '255') {
    r = sendWithHops(family(fam), ifname, destination, message, Number(hops));
  } else {
    const s = openVrrpSocket({ family: family(fam), ifname, isUnicast: true, onPacket: () => undefined });
    if (!s.ok) fail(s.error.message);
    r = s.socket.send(message, destination);
    s.socket.close();
  }
  if (r < 0) fail(`send: ${errnoName(r)}`);
  process.stdout.write(`SENT ${r}\n`);
}

function garp(args: string[]): void {
  const [ifname = 'eth0', macText = '', ipv4 = '', ipv6 = ''] = args;
  const mac = parseMac(macText === 'auto' ? readFileSync(`/sys/class/net/${ifname}/address`, 'utf8') : macText);
  if (mac === undefined) fail(`bad MAC ${macText}`);
  const ifindex = loadNative().ifNameToIndex(ifname);
  const r = openGarpSender();
  if (!r.ok) fail(r.error.message);
  const a = r.sender.sendGratuitousArp(ifindex, mac, ipv4);
  const b = r.sender.sendUnsolicitedNa(ifindex, mac, ipv6);
  r.sender.close();
  if (a < 0 || b < 0) fail(`garp ${errnoName(a)} / na ${errnoName(b)}`);
  process.stdout.write(`SENT ${a} ${b}\n`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'recv') recv(rest);
else if (command === 'send') send(rest);
else if (command === 'garp') garp(rest);
else if (command !== undefined) fail(`unknown command ${command}`);
