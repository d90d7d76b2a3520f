/**
 * src/net/vrrp_socket.ts on the wire: two lab hosts on one bridge; host a sends with
 * test/stress/native/net_peer.js, host b receives with openVrrpSocket() and reports each
 * packet as a JSON line. Proves what RFC 5798 §7.1 needs from the socket: TTL/hop limit,
 * source, destination, interface, and that the bytes decode with src/vrrp/packet.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIp } from '../../src/lib/ip.js';
import { decodeAdvert, decodeIpv4Header, encodeAdvert } from '../../src/vrrp/packet.js';
import type { Advert } from '../../src/vrrp/advert.js';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';

const PEER = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'stress', 'native', 'net_peer.js');
const NET = 210;

interface Received {
  readonly family: 4 | 6;
  readonly payload: string;
  readonly ttlOrHopLimit: number;
  readonly source: string;
  readonly destination: string;
  readonly ifindex: number;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const ip = (s: string) => parseIp(s) ?? assert.fail(`bad address ${s}`);

function advertV2(priority: number): Advert {
  const authData = new Uint8Array(8);
  authData.set(new TextEncoder().encode('s3cret'));
  return { version: 2, vrid: 51, priority, family: 4, addresses: [`10.${NET}.0.100`], authType: 1, authData, advertIntervalCs: 100, checksum: 0 };
}

function advertV3(priority: number): Advert {
  return { version: 3, vrid: 61, priority, family: 6, addresses: ['fe80::61:100'], authType: 0, authData: new Uint8Array(0), advertIntervalCs: 100, checksum: 0 };
}

function linkLocal(lab: Lab, host: string): string {
  const out = lab.exec(host, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
  return /inet6 (fe80::[0-9a-f:]+)\//.exec(out)?.[1] ?? assert.fail(`no link-local address on ${host}: ${out}`);
}

interface Receiver {
  readonly ready: Promise<void>;
  readonly done: Promise<Received[]>;
}

/** Starts `net_peer recv` on `host`; `ready` once its socket is open, `done` when it exits. */
function startReceiver(lab: Lab, host: string, args: readonly string[]): Receiver {
  const child = lab.spawn(host, ['node', PEER, 'recv', ...args]);
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('READY\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`receiver exited (${code}) before READY: ${err}`)));
  });
  const done = new Promise<Received[]>((resolve) => {
    child.once('exit', () => {
      assert.equal(err, '', `receiver stderr: ${err}`);
      const lines = out.split('\n').filter((l) => l.startsWith('{'));
      resolve(lines.map((l) => JSON.parse(l) as Received));
    });
  });
  return { ready, done };
}

/** Starts a receiver on `host`, runs `act` once it is ready, and returns what it printed. */
async function receive(lab: Lab, host: string, args: readonly string[], act: () => void): Promise<Received[]> {
  const r = startReceiver(lab, host, args);
  await r.ready;
  act();
  return r.done;
}

function send(lab: Lab, host: string, args: readonly string[]): void {
  assert.match(lab.exec(host, ['node', PEER, 'send', ...args]), /^SENT \d+/);
}

function ifindexOf(lab: Lab, host: string): number {
  return Number(/^(\d+):/.exec(lab.exec(host, ['ip', '-o', 'link', 'show', 'dev', 'eth0']))?.[1]);
}

async function withLab(body: (lab: Lab) => Promise<void>): Promise<void> {
  const lab = Lab.create({ tag: 'nsock', hosts: ['a', 'b'], net: NET });
  try {
    await body(lab);
  } finally {
    await lab.destroy();
  }
}

test('openVrrpSocket() IPv4: a VRRPv2 advert to 224.0.0.18 arrives with TTL 255, the right addresses and decodes', async (t) => {
  if (skipUnlessLab(t)) return;
  await withLab(async (lab) => {
    const src = lab.host('a').ipv4;
    const message = encodeAdvert(advertV2(150), { source: ip(src), destination: ip('224.0.0.18') });
    const got = await receive(lab, 'b', ['4', 'eth0', '1', '3000'], () => send(lab, 'a', ['4', 'eth0', '224.0.0.18', hex(message)]));
    assert.equal(got.length, 1, 'one advert received');
    const p = got[0]!;
    assert.deepEqual(
      { ttl: p.ttlOrHopLimit, source: p.source, destination: p.destination, ifindex: p.ifindex },
      { ttl: 255, source: src, destination: '224.0.0.18', ifindex: ifindexOf(lab, 'b') },
    );
    const header = decodeIpv4Header(unhex(p.payload));
    assert.ok(header.ok, 'IPv4 header decodes');
    assert.equal(header.header.ttl, 255);
    const decoded = decodeAdvert(header.payload, { family: 4, source: header.header.source, destination: header.header.destination });
    assert.ok(decoded.ok, `advert decodes: ${decoded.ok ? '' : decoded.detail}`);
    assert.equal(decoded.advert.vrid, 51);
    assert.equal(decoded.advert.priority, 150);
    assert.deepEqual(decoded.advert.addresses, [`10.${NET}.0.100`]);
  });
});

test('openVrrpSocket() IPv6: a VRRPv3 advert to ff02::12 arrives with hop limit 255 from the link-local source and decodes', async (t) => {
  if (skipUnlessLab(t)) return;
  await withLab(async (lab) => {
    const src = linkLocal(lab, 'a');
    const message = encodeAdvert(advertV3(200), { source: ip(src), destination: ip('ff02::12') });
    const got = await receive(lab, 'b', ['6', 'eth0', '1', '3000'], () => send(lab, 'a', ['6', 'eth0', 'ff02::12', hex(message)]));
    assert.equal(got.length, 1, 'one advert received');
    const p = got[0]!;
    assert.deepEqual(
      { hop: p.ttlOrHopLimit, source: p.source, destination: p.destination, ifindex: p.ifindex },
      { hop: 255, source: src, destination: 'ff02::12', ifindex: ifindexOf(lab, 'b') },
    );
    const decoded = decodeAdvert(unhex(p.payload), { family: 6, source: ip(p.source), destination: ip(p.destination) });
    assert.ok(decoded.ok, `advert decodes with a valid pseudo-header checksum: ${decoded.ok ? '' : decoded.detail}`);
    assert.equal(decoded.advert.vrid, 61);
    assert.equal(decoded.advert.priority, 200);
  });
});

test('openVrrpSocket() reports a TTL / hop limit other than 255 as received (RFC 5798 §7.1 is the caller\'s check)', async (t) => {
  if (skipUnlessLab(t)) return;
  await withLab(async (lab) => {
    const v4 = encodeAdvert(advertV2(100), { source: ip(lab.host('a').ipv4), destination: ip('224.0.0.18') });
    const got4 = await receive(lab, 'b', ['4', 'eth0', '1', '3000'], () => send(lab, 'a', ['4', 'eth0', '224.0.0.18', hex(v4), '64']));
    assert.deepEqual(got4.map((p) => p.ttlOrHopLimit), [64]);
    const v6 = encodeAdvert(advertV3(100), { source: ip(linkLocal(lab, 'a')), destination: ip('ff02::12') });
    const got6 = await receive(lab, 'b', ['6', 'eth0', '1', '3000'], () => send(lab, 'a', ['6', 'eth0', 'ff02::12', hex(v6), '7']));
    assert.deepEqual(got6.map((p) => p.ttlOrHopLimit), [7]);
  });
});

test('openVrrpSocket() unicast mode: an advert sent to the peer\'s address arrives with TTL / hop limit 255', async (t) => {
  if (skipUnlessLab(t)) return;
  await withLab(async (lab) => {
    const a = lab.host('a');
    const b = lab.host('b');
    const v4 = encodeAdvert(advertV2(120), { source: ip(a.ipv4), destination: ip(b.ipv4) });
    const got4 = await receive(lab, 'b', ['4', 'eth0', '1', '3000', 'unicast'], () => send(lab, 'a', ['4', 'eth0', b.ipv4, hex(v4)]));
    assert.equal(got4.length, 1);
    assert.deepEqual([got4[0]!.source, got4[0]!.destination, got4[0]!.ttlOrHopLimit], [a.ipv4, b.ipv4, 255]);
    const v6 = encodeAdvert(advertV3(120), { source: ip(a.ipv6), destination: ip(b.ipv6) });
    const got6 = await receive(lab, 'b', ['6', 'eth0', '1', '3000', 'unicast'], () => send(lab, 'a', ['6', 'eth0', b.ipv6, hex(v6)]));
    assert.equal(got6.length, 1);
    assert.deepEqual([got6[0]!.source, got6[0]!.destination, got6[0]!.ttlOrHopLimit], [a.ipv6, b.ipv6, 255]);
    const decoded = decodeAdvert(unhex(got6[0]!.payload), { family: 6, source: ip(a.ipv6), destination: ip(b.ipv6) });
    assert.ok(decoded.ok);
  });
});

test('openVrrpSocket() sets IP_MULTICAST_ALL 0: a socket joined to another group does not see 224.0.0.18 adverts joined by a neighbour socket', async (t) => {
  if (skipUnlessLab(t)) return;
  await withLab(async (lab) => {
    // With the kernel default (1), the 224.0.0.18 membership of `joined` would be enough
    // to deliver the advert to `other` as well (native-networking.md §1).
    const v4 = encodeAdvert(advertV2(100), { source: ip(lab.host('a').ipv4), destination: ip('224.0.0.18') });
    const joined = startReceiver(lab, 'b', ['4', 'eth0', '1', '3000']);
    const other = startReceiver(lab, 'b', ['4', 'eth0', '1', '1000', '224.0.0.19']);
    await Promise.all([joined.ready, other.ready]);
    send(lab, 'a', ['4', 'eth0', '224.0.0.18', hex(v4)]);
    assert.equal((await joined.done).length, 1, 'the socket joined to 224.0.0.18 receives it');
    assert.deepEqual(await other.done, [], 'the socket joined to 224.0.0.19 does not');
  });
});
