/**
 * TCP_CHECK through the native prober (native/kats_tcp_probe.c), in a lab: the probe runs
 * in `node` started inside host c's namespace, s serves. c has two ways to s: eth0 on the
 * lab bridge (10.181.0.0/24, the route the kernel picks) and eth1, a direct veth to s
 * (192.168.181.0/24) with only a /16 route to the lab net - used when bind_if forces it.
 * nft counters in c's output hook see which interface a SYN leaves by and which mark it
 * carries; counters in s see its source address and port.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Lab, skipUnlessLab } from '../../lab/netns_lab.js';
import type { CheckerConnection } from '../../../src/config/model/lvs.js';

const NET = 181;
const C = `10.${NET}.0.1`;
const S = `10.${NET}.0.2`;
const S6 = `fd00:${NET}::2`;
const C_ETH1 = `192.168.${NET}.1`;
const S_ETH1 = `192.168.${NET}.2`;
const OPEN = 8080;
const CLOSED = 8081;
const DROPPED = 8082;
const MARK = 0x2a;
const BIND_PORT = 45454;

const HTTP = 8090;
const HTTPS = 8443;
const SMTP = 8025;

const TCP_URL = new URL('../../../src/check/probes/tcp.js', import.meta.url).href;
const LANE_URL = new URL('../../../src/check/probes/tcp_lane.js', import.meta.url).href;
const HTTP_URL = new URL('../../../src/check/probes/http.js', import.meta.url).href;
const SMTP_URL = new URL('../../../src/check/probes/smtp.js', import.meta.url).href;

/**
 * One JSON request per stdin line: run `repeat` probes of `kind` (at most 100 at a time),
 * answer one line.
 */
const CHILD = `
const { probeTcp, tcpProbeMode, tcpProbesInFlight } = await import(${JSON.stringify(TCP_URL)});
const { probeHttp } = await import(${JSON.stringify(HTTP_URL)});
const { probeSmtp } = await import(${JSON.stringify(SMTP_URL)});
const { TcpCheckLane } = await import(${JSON.stringify(LANE_URL)});
// The checker daemon's TCP_CHECK path: one lane, checker id = the worker's index.
const laneWaiting = new Map();
const lane = TcpCheckLane.open((id, ok, timedOut, durationMs) => {
  const w = laneWaiting.get(id);
  laneWaiting.delete(id);
  w?.({ ok, reason: ok ? 'ok' : timedOut ? 'timeout' : 'failed', detail: '', durationMs });
});
const probeLane = (q, w) => new Promise((resolve) => { laneWaiting.set(w, resolve); lane.start(w, q.conn); });
const at = { file: 't', line: 1 };
const http = (type, connection) => ({ type, at, alpha: false, delayLoopUs: 1e6, warmupUs: 0, retry: 1,
  delayBeforeRetryUs: 1e6, logAllFailures: false, connection, virtualhost: undefined, httpProtocol: '1.0',
  enableSni: false, fastRecovery: false,
  urls: [{ at, path: '/', digest: undefined, statusCodes: [{ min: 200, max: 299 }], virtualhost: undefined,
    regex: undefined, unimplemented: [] }] });
const probe = (q, w) => q.kind === 'lane' ? probeLane(q, w) : q.kind === 'http' ? probeHttp(http('HTTP_GET', q.conn))
  : q.kind === 'ssl' ? probeHttp(http('SSL_GET', q.conn))
  : q.kind === 'smtp' ? probeSmtp({ connection: q.conn, heloName: 'kats.test' })
  : probeTcp({ connection: q.conn });
const { readdirSync } = await import('node:fs');
const fds = () => readdirSync('/proc/self/fd').length;
process.stdout.write(JSON.stringify({ mode: tcpProbeMode() }) + '\\n');
const rl = (await import('node:readline')).createInterface({ input: process.stdin });
for await (const line of rl) {
  const q = JSON.parse(line);
  const before = fds();
  const results = [];
  let next = 0;
  const worker = async (w) => {
    while (next < q.repeat) {
      next++;
      results.push(await probe(q, w));
    }
  };
  await Promise.all(Array.from({ length: Math.min(100, q.repeat) }, (_, w) => worker(w)));
  const reasons = {};
  for (const r of results) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  process.stdout.write(JSON.stringify({ first: results[0], reasons, maxMs: Math.max(...results.map((r) => r.durationMs)),
    fdsBefore: before, fdsAfter: fds(), inFlight: q.kind === 'lane' ? lane.inFlight() : tcpProbesInFlight() }) + '\\n');
}
`;

interface ProbeOut {
  readonly ok: boolean;
  readonly reason: string;
  readonly detail: string;
  readonly durationMs: number;
}

interface Answer {
  readonly first: ProbeOut;
  readonly reasons: Record<string, number>;
  readonly maxMs: number;
  readonly fdsBefore: number;
  readonly fdsAfter: number;
  readonly inFlight: number;
}

class ProbeChild {
  private readonly waiting: ((line: string) => void)[] = [];
  readonly mode: Promise<string>;

  constructor(private readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout! });
    let first: ((mode: string) => void) | undefined;
    this.mode = new Promise((resolve, reject) => {
      first = resolve;
      child.once('exit', (code, signal) => reject(new Error(`probe child exited (${code ?? signal})`)));
    });
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[probe child] ${d.toString()}`));
    lines.on('line', (line) => {
      if (first !== undefined) {
        first((JSON.parse(line) as { mode: string }).mode);
        first = undefined;
      } else {
        this.waiting.shift()?.(line);
      }
    });
  }

  run(conn: CheckerConnection, repeat = 1, kind: 'tcp' | 'lane' | 'http' | 'ssl' | 'smtp' = 'tcp'): Promise<Answer> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(JSON.parse(line) as Answer));
      this.child.stdin!.write(`${JSON.stringify({ conn, repeat, kind })}\n`);
    });
  }
}

function conn(o: Partial<CheckerConnection> & { port?: number; address?: string; family?: 4 | 6 } = {}): CheckerConnection {
  return {
    destination: { family: o.family ?? 4, address: o.address ?? S, port: o.port ?? OPEN },
    bindTo: o.bindTo,
    bindInterface: o.bindInterface,
    fwmark: o.fwmark ?? 0,
    connectTimeoutUs: o.connectTimeoutUs ?? 1_000_000,
  };
}

function nft(lab: Lab, host: string, script: string): void {
  const r = spawnSync('ip', ['netns', 'exec', lab.host(host).ns, 'nft', '-f', '-'], { input: script, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft in ${host}: ${r.stderr}`);
}

function counter(lab: Lab, host: string, name: string): number {
  const text = lab.exec(host, ['nft', 'list', 'counter', 'inet', 'ktp', name]);
  const m = /packets (\d+)/.exec(text);
  if (m === null) throw new Error(`no counter ${name} in ${host}: ${text}`);
  return Number(m[1]);
}

async function setUp(t: TestContext): Promise<{ lab: Lab; probe: ProbeChild } | undefined> {
  if (skipUnlessLab(t, ['nft'])) return undefined;
  const lab = Lab.create({ tag: 'tcpnp', hosts: ['c', 's'], net: NET });
  t.after(() => lab.destroy());
  const s = lab.host('s').ns;
  // The second path: a direct veth c:eth1 <-> s:eth1.
  lab.exec('c', ['ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', s]);
  lab.exec('c', ['ip', 'addr', 'add', `${C_ETH1}/24`, 'dev', 'eth1']);
  lab.exec('c', ['ip', 'link', 'set', 'eth1', 'up']);
  lab.exec('s', ['ip', 'addr', 'add', `${S_ETH1}/24`, 'dev', 'eth1']);
  lab.exec('s', ['ip', 'link', 'set', 'eth1', 'up']);
  // Less specific than eth0's /24: only a socket bound to eth1 takes it.
  lab.exec('c', ['ip', 'route', 'add', `10.${NET}.0.0/16`, 'dev', 'eth1']);
  const syn = 'tcp flags & (syn | ack) == syn';
  nft(lab, 'c', `table inet ktp {
  counter eth0_syn {}
  counter eth1_syn {}
  counter marked_syn {}
  counter unmarked_syn {}
  counter streams_eth1_syn {}
  counter streams_marked_syn {}
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "eth0" tcp dport ${OPEN} ${syn} counter name eth0_syn
    oifname "eth1" tcp dport ${OPEN} ${syn} counter name eth1_syn
    meta mark ${MARK} tcp dport ${OPEN} ${syn} counter name marked_syn
    meta mark 0 tcp dport ${OPEN} ${syn} counter name unmarked_syn
    oifname "eth1" tcp dport { ${HTTP}, ${HTTPS}, ${SMTP} } ${syn} counter name streams_eth1_syn
    meta mark ${MARK} tcp dport { ${HTTP}, ${HTTPS}, ${SMTP} } ${syn} counter name streams_marked_syn
  }
}
`);
  nft(lab, 's', `table inet ktp {
  counter from_bind_port {}
  counter bare_ack {}
  chain in {
    type filter hook input priority 0; policy accept;
    tcp dport ${DROPPED} drop
    ip saddr ${C} tcp dport ${OPEN} tcp flags & (syn | ack | fin | rst) == ack counter name bare_ack
    ip saddr ${C_ETH1} tcp sport ${BIND_PORT} tcp dport ${OPEN} ${syn} counter name from_bind_port
  }
}
`);
  const dir = mkdtempSync(join(tmpdir(), 'kats-tcpnp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'),
    '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=kats.test'], { stdio: 'ignore' });
  const server = lab.spawn('s', [process.execPath, '-e', `
const net = require('net'), fs = require('fs'), tls = require('tls');
let n = 0;
const ready = () => { if (++n === 5) console.log('ready'); };
for (const host of ['0.0.0.0', '::']) net.createServer((c) => { c.on('error', () => {}); c.destroy(); })
  .listen({ port: ${OPEN}, host, ipv6Only: host === '::' }, ready);
const answer = (c) => { c.on('error', () => {}); c.once('data', () => c.end('HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok')); };
net.createServer(answer).listen(${HTTP}, ready);
tls.createServer({ key: fs.readFileSync(${JSON.stringify(join(dir, 'k.pem'))}), cert: fs.readFileSync(${JSON.stringify(join(dir, 'c.pem'))}) }, answer)
  .listen(${HTTPS}, ready);
net.createServer((c) => {
  c.on('error', () => {});
  c.write('220 kats ESMTP\\r\\n');
  c.on('data', (d) => { for (const l of d.toString().split('\\r\\n')) {
    if (l.startsWith('HELO')) c.write('250 hi\\r\\n'); else if (l === 'QUIT') c.end('221 bye\\r\\n'); } });
}).listen(${SMTP}, ready);
process.stdin.resume();
`]);
  await new Promise<void>((resolve, reject) => {
    server.stdout?.once('data', () => resolve());
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const child = lab.spawn('c', [process.execPath, '--input-type=module', '-e', CHILD]);
  const probe = new ProbeChild(child);
  assert.equal(await probe.mode, 'native', 'TCP_CHECK must use the native prober');
  return { lab, probe };
}

test('native TCP_CHECK in a lab: outcomes, bind_if, fwmark, bindto, no fd leak', async (t) => {
  const env = await setUp(t);
  if (env === undefined) return;
  const { lab, probe } = env;

  await t.test('success over IPv4 and IPv6', async () => {
    const a = await probe.run(conn());
    assert.equal(a.first.ok, true, a.first.detail);
    assert.equal(a.first.reason, 'ok');
    assert.equal(a.first.detail, `TCP connection to [${S}]:${OPEN} success`);
    const b = await probe.run(conn({ family: 6, address: S6 }));
    assert.equal(b.first.reason, 'ok', b.first.detail);
  });

  await t.test('refused (RST) is connect_refused with the errno in the detail', async () => {
    const a = await probe.run(conn({ port: CLOSED }));
    assert.equal(a.first.ok, false);
    assert.equal(a.first.reason, 'connect_refused');
    assert.equal(a.first.detail, `[${S}]:${CLOSED}: ECONNREFUSED: connect ECONNREFUSED ${S}:${CLOSED}`);
  });

  await t.test('a dropped SYN is connect_timeout within connect_timeout', async () => {
    const a = await probe.run(conn({ port: DROPPED, connectTimeoutUs: 300_000 }));
    assert.equal(a.first.reason, 'connect_timeout');
    assert.equal(a.first.detail, `connect to [${S}]:${DROPPED} timed out`);
    assert.ok(a.first.durationMs >= 295 && a.first.durationMs < 300 + 150, `${a.first.durationMs} ms`);
    assert.equal(a.inFlight, 0, 'the timed-out socket was cancelled');
  });

  await t.test('bind_if sends the SYN out of the named device, not the routed one', async () => {
    const e0 = counter(lab, 'c', 'eth0_syn');
    const e1 = counter(lab, 'c', 'eth1_syn');
    const plain = await probe.run(conn());
    assert.equal(plain.first.reason, 'ok', plain.first.detail);
    assert.equal(counter(lab, 'c', 'eth0_syn'), e0 + 1, 'unbound: the routed interface');
    assert.equal(counter(lab, 'c', 'eth1_syn'), e1);
    const bound = await probe.run(conn({ bindInterface: 'eth1' }));
    assert.equal(bound.first.reason, 'ok', bound.first.detail);
    assert.equal(counter(lab, 'c', 'eth1_syn'), e1 + 1, 'bind_if eth1: out of eth1');
    assert.equal(counter(lab, 'c', 'eth0_syn'), e0 + 1);
    const missing = await probe.run(conn({ bindInterface: 'nosuch0' }));
    assert.equal(missing.first.reason, 'socket_error');
    assert.equal(missing.first.detail, `[${S}]:${OPEN}: SO_BINDTODEVICE nosuch0: ENODEV`);
  });

  await t.test('fwmark marks the check packets (SO_MARK)', async () => {
    const m0 = counter(lab, 'c', 'marked_syn');
    const u0 = counter(lab, 'c', 'unmarked_syn');
    const marked = await probe.run(conn({ fwmark: MARK }));
    assert.equal(marked.first.reason, 'ok', marked.first.detail);
    assert.equal(counter(lab, 'c', 'marked_syn'), m0 + 1);
    assert.equal(counter(lab, 'c', 'unmarked_syn'), u0);
    await probe.run(conn());
    assert.equal(counter(lab, 'c', 'marked_syn'), m0 + 1, 'no fwmark: no mark');
    assert.equal(counter(lab, 'c', 'unmarked_syn'), u0 + 1);
  });

  await t.test('bindto + bind_port set the source; a foreign bindto is a bind error', async () => {
    const f0 = counter(lab, 's', 'from_bind_port');
    const bindTo = { family: 4 as const, address: C_ETH1, port: BIND_PORT };
    // Twice: with the RST close there is no TIME_WAIT holding the port.
    for (let i = 0; i < 2; i++) {
      const a = await probe.run(conn({ bindTo }));
      assert.equal(a.first.reason, 'ok', a.first.detail);
    }
    assert.equal(counter(lab, 's', 'from_bind_port'), f0 + 2);
    const bad = await probe.run(conn({ bindTo: { family: 4, address: S_ETH1, port: 0 } }));
    assert.equal(bad.first.reason, 'connect_error');
    assert.equal(bad.first.detail, `[${S}]:${OPEN}: EADDRNOTAVAIL: bind EADDRNOTAVAIL ${S_ETH1}`);
  });

  await t.test('HTTP_GET, SSL_GET and SMTP_CHECK honour bind_if and fwmark (native fd handed to node:net)', async () => {
    for (const [kind, port] of [['http', HTTP], ['ssl', HTTPS], ['smtp', SMTP]] as const) {
      const e1 = counter(lab, 'c', 'streams_eth1_syn');
      const m1 = counter(lab, 'c', 'streams_marked_syn');
      const plain = await probe.run(conn({ port }), 1, kind);
      assert.equal(plain.first.reason, 'ok', `${kind}: ${plain.first.detail}`);
      assert.equal(counter(lab, 'c', 'streams_eth1_syn'), e1, `${kind} without bind_if: routed via eth0`);
      const both = await probe.run(conn({ port, bindInterface: 'eth1', fwmark: MARK }), 1, kind);
      assert.equal(both.first.reason, 'ok', `${kind}: ${both.first.detail}`);
      assert.equal(counter(lab, 'c', 'streams_eth1_syn'), e1 + 1, `${kind}: bind_if eth1`);
      assert.equal(counter(lab, 'c', 'streams_marked_syn'), m1 + 1, `${kind}: fwmark`);
      const refused = await probe.run(conn({ port: CLOSED, fwmark: MARK }), 1, kind);
      assert.equal(refused.first.reason, 'connect_refused', `${kind}: ${refused.first.detail}`);
      const many = await probe.run(conn({ port, bindInterface: 'eth1', fwmark: MARK }), 200, kind);
      assert.deepEqual(many.reasons, { ok: 200 }, kind);
      assert.equal(many.fdsAfter, many.fdsBefore, `${kind}: fds before ${many.fdsBefore}, after ${many.fdsAfter}`);
    }
  });

  await t.test("the daemon's TCP_CHECK lane: the same outcomes, options and time-out, no fd leak", async () => {
    const ok = await probe.run(conn(), 1, 'lane');
    assert.equal(ok.first.reason, 'ok');
    assert.equal((await probe.run(conn({ family: 6, address: S6 }), 1, 'lane')).first.reason, 'ok');
    assert.equal((await probe.run(conn({ port: CLOSED }), 1, 'lane')).first.reason, 'failed');
    const dropped = await probe.run(conn({ port: DROPPED, connectTimeoutUs: 300_000 }), 1, 'lane');
    assert.equal(dropped.first.reason, 'timeout');
    assert.ok(dropped.first.durationMs >= 299 && dropped.first.durationMs < 300 + 150, `${dropped.first.durationMs} ms`);
    assert.equal(dropped.inFlight, 0, 'the timed-out socket was cancelled');
    const e1 = counter(lab, 'c', 'eth1_syn');
    const m0 = counter(lab, 'c', 'marked_syn');
    const both = await probe.run(conn({ bindInterface: 'eth1', fwmark: MARK }), 1, 'lane');
    assert.equal(both.first.reason, 'ok');
    assert.equal(counter(lab, 'c', 'eth1_syn'), e1 + 1, 'bind_if eth1');
    assert.equal(counter(lab, 'c', 'marked_syn'), m0 + 1, 'fwmark');
    assert.equal((await probe.run(conn({ bindInterface: 'nosuch0' }), 1, 'lane')).first.reason, 'failed');
    assert.equal((await probe.run(conn({ bindTo: { family: 4, address: S_ETH1, port: 0 } }), 1, 'lane')).first.reason, 'failed');
    assert.equal((await probe.run(conn({ bindTo: { family: 4, address: C_ETH1, port: 0 } }), 1, 'lane')).first.reason, 'ok');
    for (const [c, reason] of [[conn(), 'ok'], [conn({ port: CLOSED }), 'failed'],
      [conn({ port: DROPPED, connectTimeoutUs: 50_000 }), 'timeout']] as const) {
      const a = await probe.run(c, 1000, 'lane');
      assert.deepEqual(a.reasons, { [reason]: 1000 });
      assert.equal(a.fdsAfter, a.fdsBefore, `fds before ${a.fdsBefore}, after ${a.fdsAfter}`);
      assert.equal(a.inFlight, 0);
    }
  });

  await t.test('a TCP_CHECK never ACKs the SYN-ACK: it resets instead (TCP_QUICKACK off, as HAProxy)', async () => {
    // The server then never accepts a connection for a check. A delayed ACK still goes out
    // if the prober reads the completion more than 200 ms late (TCP_DELACK_MAX), so a
    // loaded machine may show one or two; with quick ACKs every check sends one.
    const before = counter(lab, 's', 'bare_ack');
    for (const kind of ['tcp', 'lane'] as const) {
      const a = await probe.run(conn(), 200, kind);
      assert.deepEqual(a.reasons, { ok: 200 }, kind);
    }
    const acks = counter(lab, 's', 'bare_ack') - before;
    assert.ok(acks <= 4, `${acks} bare ACKs for 400 checks`);
  });

  await t.test('1,000 probes of each outcome leave no file descriptor behind', async () => {
    for (const [c, reason] of [[conn(), 'ok'], [conn({ port: CLOSED }), 'connect_refused'],
      [conn({ port: DROPPED, connectTimeoutUs: 50_000 }), 'connect_timeout']] as const) {
      const a = await probe.run(c, 1000);
      assert.deepEqual(a.reasons, { [reason]: 1000 });
      assert.equal(a.fdsAfter, a.fdsBefore, `fds before ${a.fdsBefore}, after ${a.fdsAfter}`);
      assert.equal(a.inFlight, 0);
    }
  });
});
