/**
 * Round trip of the LVS model: a random, valid, fully resolved model printed as
 * keepalived.conf text (src/config/print_lvs.ts) parses back to the same model, with no
 * diagnostic that would make `-t` fail. Failures print fast-check's seed and path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { printLvsConfig } from '../../src/config/print_lvs.js';
import type {
  Checker,
  CheckerConnection,
  CheckerTiming,
  DnsQueryType,
  Forwarding,
  HttpUrl,
  LvsConfig,
  LvsIpFamily,
  LvsProtocol,
  RealServer,
  SocketAddress,
  VirtualServer,
} from '../../src/config/model/lvs.js';
import { REGEX_OPTION_NAMES } from '../../src/config/keywords/check_http.js';
import { errors, parseText, withoutLocations } from '../unit/config/lvs_fixture.js';

const AT = { file: '', line: 0 };
const UINT_MAX = 4294967295;
const TIMER_MAX_US = 10_000_000_000;

function addressOf(family: LvsIpFamily, n: number, net: number): string {
  // Canonical text (what the parser produces): net is never 0 and the last group never 0.
  return family === 4
    ? `10.${net}.${(n >> 8) & 255}.${n & 255}`
    : `2001:db8:${net.toString(16)}::${((n % 65535) + 1).toString(16)}`;
}

const timer = (min = 0): fc.Arbitrary<number> => fc.integer({ min, max: TIMER_MAX_US });
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const hostName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\.[a-z][a-z0-9-]{1,8}){0,2}$/);

const forwarding: fc.Arbitrary<Forwarding> = fc.oneof(
  fc.constantFrom('NAT', 'DR', 'TUN').map((method): Forwarding => ({ method, tunnelType: 'ipip', tunnelPort: 0, tunnelChecksum: 'nocsum' })),
  fc.record({ port: fc.integer({ min: 1, max: 65535 }), csum: fc.constantFrom('nocsum', 'csum', 'remcsum') })
    .map(({ port, csum }): Forwarding => ({ method: 'TUN', tunnelType: 'gue', tunnelPort: port, tunnelChecksum: csum })),
  fc.constantFrom('nocsum', 'csum')
    .map((csum): Forwarding => ({ method: 'TUN', tunnelType: 'gre', tunnelPort: 0, tunnelChecksum: csum })),
);

const timing: fc.Arbitrary<CheckerTiming & { alpha: boolean }> = fc.record({
  alpha: fc.boolean(),
  delayLoopUs: timer(1),
  warmupUs: timer(),
  retry: fc.integer({ min: 0, max: UINT_MAX }),
  delayBeforeRetryUs: timer(),
  logAllFailures: fc.boolean(),
});

const connection: fc.Arbitrary<CheckerConnection> = fc
  .record({
    family: fc.constantFrom<LvsIpFamily>(4, 6),
    n: fc.integer({ min: 0, max: 65535 }),
    port: fc.integer({ min: 1, max: 65535 }),
    bind: maybe(fc.record({ n: fc.integer({ min: 0, max: 65535 }), port: fc.integer({ min: 0, max: 65535 }) })),
    bindInterface: maybe(fc.constantFrom('eth0', 'bond0.12', 'ens3')),
    fwmark: fc.integer({ min: 0, max: UINT_MAX }),
    connectTimeoutUs: fc.integer({ min: 1, max: UINT_MAX }),
  })
  .map((c) => ({
    destination: { family: c.family, address: addressOf(c.family, c.n, 200), port: c.port },
    bindTo: c.bind === undefined ? undefined : { family: c.family, address: addressOf(c.family, c.bind.n, 201), port: c.bind.port },
    bindInterface: c.bindInterface,
    fwmark: c.fwmark,
    connectTimeoutUs: c.connectTimeoutUs,
  }));

function statusRanges(codes: readonly number[]): { min: number; max: number }[] {
  const sorted = [...new Set(codes)].sort((a, b) => a - b);
  const out: { min: number; max: number }[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.max + 1 === c) last.max = c;
    else out.push({ min: c, max: c });
  }
  return out;
}

const url: fc.Arbitrary<HttpUrl> = fc
  .record({
    path: fc.stringMatching(/^\/[a-z0-9_.\/-]{0,20}$/),
    digest: maybe(fc.stringMatching(/^[0-9a-f]{32}$/)),
    codes: fc.array(fc.integer({ min: 100, max: 599 }), { minLength: 1, maxLength: 6 }),
    virtualhost: maybe(hostName),
    regex: maybe(
      fc.record({
        pattern: fc.stringMatching(/^[a-z0-9.*]{1,10}$/),
        options: fc.uniqueArray(fc.constantFrom(...REGEX_OPTION_NAMES), { maxLength: 3 }),
        noMatch: fc.boolean(),
        minOffset: fc.integer({ min: 0, max: 1000 }),
        span: fc.integer({ min: 0, max: 1000 }),
      }),
    ),
  })
  .map((u): HttpUrl => ({
    at: AT,
    path: u.path,
    digest: u.digest,
    statusCodes: statusRanges(u.codes),
    virtualhost: u.virtualhost,
    regex: u.regex === undefined ? undefined : {
      pattern: u.regex.pattern,
      options: u.regex.options,
      noMatch: u.regex.noMatch,
      minOffset: u.regex.minOffset,
      maxOffsetExclusive: u.regex.span === 0 ? 0 : u.regex.minOffset + u.regex.span,
    },
    unimplemented: [],
  }));

const udpReply = fc.stringMatching(/^([0-9a-fx]{2}){1,8}$/).filter((h) => !h.endsWith('ff')).map((text) => ({
  replyHex: text.replace(/x/g, '0'),
  replyMaskHex: /x/.test(text) ? text.replace(/[0-9a-f]/g, '0').replace(/x/g, 'f') : undefined,
}));

const dnsName = fc.oneof(
  fc.constant(''),
  fc.array(fc.stringMatching(/^[a-z0-9]{2,8}$/), { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
);

// keepalived refuses a hex string whose last byte is ff (parser.c read_hex_str quirk).
const udpPayload = fc.stringMatching(/^([0-9a-f]{2}){1,8}$/).filter((h) => !h.endsWith('ff'));

/** A checker for a real server, given the Host header default it would inherit. */
function checkerArb(inheritedVhost: string | undefined): fc.Arbitrary<Checker> {
  const base = fc.record({ t: timing, connection });
  return fc.oneof(
    base.map(({ t, connection: c }): Checker => ({ type: 'TCP_CHECK', at: AT, ...t, connection: c })),
    base.map(({ t, connection: c }): Checker => ({ type: 'PING_CHECK', at: AT, ...t, connection: c })),
    fc.record({ b: base, type: fc.constantFrom('HTTP_GET', 'SSL_GET'), vhost: maybe(hostName), proto: fc.constantFrom('1.0', '1.0C', '1.1'),
      sni: fc.boolean(), fast: fc.boolean(), urls: fc.array(url, { minLength: 1, maxLength: 3 }) })
      .map((h): Checker => ({ type: h.type, at: AT, ...h.b.t, connection: h.b.connection, virtualhost: h.vhost ?? inheritedVhost,
        httpProtocol: h.proto, enableSni: h.sni, fastRecovery: h.fast, urls: h.urls })),
    fc.record({ b: base, helo: hostName })
      .map((s): Checker => ({ type: 'SMTP_CHECK', at: AT, ...s.b.t, connection: s.b.connection, heloName: s.helo })),
    fc.record({ b: base, type: fc.constantFrom<DnsQueryType>('A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'), name: dnsName })
      .map((d): Checker => ({ type: 'DNS_CHECK', at: AT, ...d.b.t, connection: d.b.connection, queryType: d.type, name: d.name })),
    fc.record({ b: base, payload: maybe(udpPayload), require: fc.boolean(), reply: maybe(udpReply),
      min: fc.integer({ min: 0, max: 65535 }), extra: fc.integer({ min: 0, max: 1000 }) })
      .map((u): Checker => ({ type: 'UDP_CHECK', at: AT, ...u.b.t, connection: u.b.connection, payloadHex: u.payload,
        requireReply: u.require, replyHex: u.require ? u.reply?.replyHex : undefined,
        replyMaskHex: u.require ? u.reply?.replyMaskHex : undefined,
        minReplyLength: u.min, maxReplyLength: Math.min(65535, u.min + u.extra) })),
  );
}

interface ServiceShape {
  readonly key: VirtualServer['key'];
  readonly family: LvsIpFamily;
  readonly protocol: LvsProtocol | undefined;
  readonly vhost: string | undefined;
}

/** Port rules keepalived enforces: DR/TUN use the service port (none for fwmark). */
function serverPort(shape: ServiceShape, f: Forwarding, natPort: number): number {
  const vsPort = shape.key.kind === 'address' ? shape.key.address.port : 0;
  if (f.method !== 'NAT') return vsPort;
  return shape.key.kind === 'address' && natPort === 0 ? vsPort : natPort;
}

function realServerArb(shape: ServiceShape, n: number): fc.Arbitrary<RealServer> {
  return fc
    .record({
      f: forwarding, natPort: fc.integer({ min: 0, max: 65535 }), weight: fc.integer({ min: 1, max: 1000 }),
      alpha: fc.boolean(), inhibit: fc.boolean(), cto: fc.integer({ min: 1, max: UINT_MAX }), dl: timer(1),
      retry: maybe(fc.integer({ min: 1, max: UINT_MAX })), dbr: maybe(timer()), warmup: maybe(timer()),
      up: fc.integer({ min: 0, max: UINT_MAX }), low: fc.integer({ min: 0, max: UINT_MAX }), smtp: fc.boolean(),
      vhost: maybe(hostName),
    })
    .chain((r) => fc.array(checkerArb(r.vhost ?? shape.vhost), { maxLength: 3 }).map((checkers): RealServer => ({
      at: AT,
      address: { family: shape.family, address: addressOf(shape.family, n, 1), port: serverPort(shape, r.f, r.natPort) },
      protocol: shape.protocol, weight: r.weight, forwarding: r.f, alpha: r.alpha, inhibitOnFailure: r.inhibit,
      connectTimeoutUs: r.cto, delayLoopUs: r.dl, retry: r.retry, delayBeforeRetryUs: r.dbr, warmupUs: r.warmup,
      upperThreshold: r.up, lowerThreshold: r.low, smtpAlert: r.smtp, virtualhost: r.vhost,
      notifyUp: undefined, notifyDown: undefined, checkers, unimplemented: [],
    })));
}

const serviceShape: fc.Arbitrary<ServiceShape> = fc
  .record({
    family: fc.constantFrom<LvsIpFamily>(4, 6),
    fwmark: maybe(fc.integer({ min: 1, max: UINT_MAX })),
    n: fc.integer({ min: 0, max: 65535 }),
    port: fc.integer({ min: 1, max: 65535 }),
    protocol: fc.constantFrom<LvsProtocol>('tcp', 'udp', 'sctp'),
    vhost: maybe(hostName),
  })
  .map((s): ServiceShape => s.fwmark !== undefined
    ? { key: { kind: 'fwmark', fwmark: s.fwmark }, family: s.family, protocol: undefined, vhost: s.vhost }
    : { key: { kind: 'address', address: { family: s.family, address: addressOf(s.family, s.n, 100), port: s.port } },
        family: s.family, protocol: s.protocol, vhost: s.vhost });

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'];

function virtualServerArb(shape: ServiceShape): fc.Arbitrary<VirtualServer> {
  return fc
    .record({
      rsIndexes: fc.uniqueArray(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 4 }),
      scheduler: fc.constantFrom(...SCHEDULERS), flags: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      f: forwarding, persistence: fc.integer({ min: 0, max: 2678400 }), engine: maybe(fc.constant('sip')),
      v6prefix: maybe(fc.integer({ min: 1, max: 128 })), dl: timer(1), cto: fc.integer({ min: 1, max: UINT_MAX }),
      retry: maybe(fc.integer({ min: 1, max: UINT_MAX })), dbr: maybe(timer()), warmup: maybe(timer()),
      weight: fc.integer({ min: 1, max: 1000 }), bools: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      q: fc.double({ min: 0, max: 1, noNaN: true }), h: fc.double({ min: 0, max: 1, noNaN: true }),
      sorry: maybe(fc.record({ f: forwarding, natPort: fc.integer({ min: 0, max: 65535 }), inhibit: fc.boolean() })),
    })
    .chain((v) => fc.tuple(...v.rsIndexes.map((n) => realServerArb(shape, n))).map((realServers): VirtualServer => {
      const total = realServers.reduce((sum, rs) => sum + rs.weight, 0);
      const quorum = Math.max(1, Math.ceil(v.q * total));
      const [ops, f1, f2, shPort, shFallback] = v.flags;
      const [inhibit, alpha, omega, haSuspend, smtp] = v.bools;
      const granularity = v.v6prefix !== undefined && shape.family === 6 ? { family: 6 as const, prefixLength: v.v6prefix } : undefined;
      const persistence = shape.key.kind === 'address' && shape.key.address.port === 0 ? Math.max(1, v.persistence) : v.persistence;
      return {
        at: AT, key: shape.key, family: shape.family, protocol: shape.protocol, scheduler: v.scheduler,
        schedulerFlags: {
          onePacket: ops === true && (shape.protocol === 'udp' || shape.protocol === undefined), flag1: f1 === true, flag2: f2 === true,
          flag3: false, shPort: shPort === true && v.scheduler === 'sh', shFallback: shFallback === true && v.scheduler === 'sh',
          mhPort: shPort === true && v.scheduler === 'mh', mhFallback: shFallback === true && v.scheduler === 'mh',
        },
        forwarding: v.f, persistenceTimeoutS: granularity !== undefined ? Math.max(1, persistence) : persistence,
        persistenceGranularity: granularity, persistenceEngine: v.engine, delayLoopUs: v.dl, connectTimeoutUs: v.cto,
        retry: v.retry, delayBeforeRetryUs: v.dbr, warmupUs: v.warmup, weight: v.weight,
        inhibitOnFailure: inhibit === true, alpha: alpha === true, omega: omega === true,
        quorum, hysteresis: Math.floor(v.h * (quorum - 1)),
        quorumUp: undefined, quorumDown: undefined, haSuspend: haSuspend === true && shape.key.kind === 'address',
        smtpAlert: smtp === true, virtualhost: shape.vhost,
        sorryServer: v.sorry === undefined ? undefined : {
          at: AT, forwarding: v.sorry.f, inhibitOnFailure: v.sorry.inhibit, duplicatesRealServer: false,
          address: sorryAddress(shape, v.sorry.f, v.sorry.natPort),
        },
        // A real server without its own retry / delay_before_retry / warmup takes the service's.
        realServers: realServers.map((rs) => ({
          ...rs,
          retry: rs.retry ?? v.retry,
          delayBeforeRetryUs: rs.delayBeforeRetryUs ?? v.dbr,
          warmupUs: rs.warmupUs ?? v.warmup,
        })),
        unimplemented: [],
      };
    }));
}

/** The sorry server; a NAT one keeps whatever port it has (keepalived only fixes the others). */
function sorryAddress(shape: ServiceShape, f: Forwarding, natPort: number): SocketAddress {
  const vsPort = shape.key.kind === 'address' ? shape.key.address.port : 0;
  return { family: shape.family, address: addressOf(shape.family, 7, 9), port: f.method === 'NAT' ? natPort : vsPort };
}

const lvsConfig: fc.Arbitrary<LvsConfig> = fc
  .array(serviceShape.chain(virtualServerArb), { minLength: 1, maxLength: 3 })
  .map((virtualServers): LvsConfig => ({
    ssl: undefined,
    sslRequired: virtualServers.some((vs) => vs.realServers.some((rs) => rs.checkers.some((c) => c.type === 'SSL_GET'))),
    virtualServerGroups: [],
    virtualServers,
  }));

test('printLvsConfig → parseConfig gives the model back, without errors', () => {
  fc.assert(
    fc.property(lvsConfig, (model) => {
      const text = printLvsConfig(model);
      const parsed = parseText(text);
      assert.deepEqual(errors(parsed), [], text);
      assert.deepEqual(withoutLocations(parsed.lvs), withoutLocations(model), text);
    }),
    { numRuns: 200 },
  );
});
