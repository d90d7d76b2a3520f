/**
 * src/net/garp.ts on the wire: host a sends one gratuitous ARP and one unsolicited NA;
 * tcpdump on host b captures them, and the captured frames must equal, byte for byte,
 * what arp_frame.ts builds (which in turn follows keepalived 2.2.7's vrrp_arp.c and
 * vrrp_ndisc.c; see arp_frame.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGratuitousArp, buildUnsolicitedNaFrame, parseMac } from '../../src/net/arp_frame.js';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';

const PEER = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'stress', 'native', 'net_peer.js');
const NET = 211;

/** Frames of a classic pcap file (24-byte file header, 16-byte record headers), little-endian. */
function pcapFrames(file: Uint8Array): Uint8Array[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  assert.equal(v.getUint32(0, true), 0xa1b2c3d4, 'little-endian microsecond pcap');
  const frames: Uint8Array[] = [];
  for (let o = 24; o + 16 <= file.length; ) {
    const captured = v.getUint32(o + 8, true);
    frames.push(file.slice(o + 16, o + 16 + captured));
    o += 16 + captured;
  }
  return frames;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

test('openGarpSender(): the gratuitous ARP and the unsolicited NA captured on the wire are the frames keepalived sends', async (t) => {
  if (skipUnlessLab(t, ['tcpdump'])) return;
  const lab = Lab.create({ tag: 'ngarp', hosts: ['a', 'b'], net: NET });
  const dir = mkdtempSync(join(tmpdir(), 'kats-garp-'));
  try {
    const pcap = join(dir, 'b.pcap');
    // Only ARP and Neighbour Advertisements (ICMPv6 type 136 right after the 40-byte header).
    const filter = 'arp or (icmp6 and ip6[40] == 136)';
    const dump = lab.spawn('b', ['tcpdump', '-i', 'eth0', '-n', '-U', '--immediate-mode', '-c', '2', '-w', pcap, filter]);
    let err = '';
    await new Promise<void>((resolve, reject) => {
      dump.stderr?.on('data', (c: Buffer) => {
        err += c.toString();
        if (/listening on/.test(err)) resolve();
      });
      dump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${err}`)));
    });
    const exited = new Promise<void>((resolve) => dump.once('exit', () => resolve()));
    const vip4 = `10.${NET}.0.100`;
    const vip6 = `fd00:${NET}::100`;
    assert.match(lab.exec('a', ['node', PEER, 'garp', 'eth0', 'auto', vip4, vip6]), /^SENT 42 86/);
    const timer = setTimeout(() => dump.kill('SIGTERM'), 3000);
    await exited;
    clearTimeout(timer);
    const mac = parseMac(lab.exec('a', ['cat', '/sys/class/net/eth0/address'])) ?? assert.fail('no MAC');
    const frames = pcapFrames(readFileSync(pcap));
    assert.deepEqual(frames.map(hex), [hex(buildGratuitousArp({ mac, ipv4: vip4 })), hex(buildUnsolicitedNaFrame({ mac, ipv6: vip6 }))]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await lab.destroy();
  }
});

test('arp_frame.ts builds the very frames real keepalived 2.2.7 sends on becoming MASTER (captured with tcpdump)', async (t) => {
  if (skipUnlessLab(t, ['tcpdump', 'keepalived'])) return;
  const lab = Lab.create({ tag: 'nat', hosts: ['a', 'b'], net: 212 });
  const dir = mkdtempSync(join(tmpdir(), 'kats-garp-ka-'));
  try {
    const vip4 = '10.212.0.100';
    const vip6 = 'fd00:212::100';
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(
      conf,
      'vrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 52\n priority 150\n advert_int 1\n' +
        ` virtual_ipaddress { ${vip4}/24 }\n virtual_ipaddress_excluded { ${vip6}/64 }\n}\n`,
    );
    const pcap = join(dir, 'b.pcap');
    const dump = lab.spawn('b', ['tcpdump', '-i', 'eth0', '-n', '-U', '--immediate-mode', '-c', '2', '-w', pcap, 'arp or (icmp6 and ip6[40] == 136)']);
    let err = '';
    await new Promise<void>((resolve, reject) => {
      dump.stderr?.on('data', (c: Buffer) => {
        err += c.toString();
        if (/listening on/.test(err)) resolve();
      });
      dump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${err}`)));
    });
    const exited = new Promise<void>((resolve) => dump.once('exit', () => resolve()));
    // `/run` is shared across namespaces: keepalived gets its own pid files.
    const pid = (n: string) => join(dir, `${n}.pid`);
    lab.spawn('a', ['keepalived', '-n', '-l', '-D', '-P', '-f', conf, '-p', pid('ka'), '-r', pid('vrrp')]);
    // MASTER after about 3 × advert_int + skew; the first GARP/NA follow at once.
    const timer = setTimeout(() => dump.kill('SIGTERM'), 10_000);
    await exited;
    clearTimeout(timer);
    const mac = parseMac(lab.exec('a', ['cat', '/sys/class/net/eth0/address'])) ?? assert.fail('no MAC');
    const frames = pcapFrames(readFileSync(pcap)).map(hex);
    assert.deepEqual(frames, [hex(buildGratuitousArp({ mac, ipv4: vip4 })), hex(buildUnsolicitedNaFrame({ mac, ipv6: vip6 }))]);
  } finally {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
