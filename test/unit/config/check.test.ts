/**
 * Health checker blocks (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK, UDP_CHECK,
 * PING_CHECK, MISC_CHECK, FILE_CHECK, BFD_CHECK), end to end through parseConfig().
 * Expected messages and exit codes come from `keepalived -t` (2.2.7) on the same texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Checker } from '../../../src/config/model/lvs.js';
import { errors, notices, onlyVs, parseText, rsOf, service, type Parsed } from './lvs_fixture.js';

/** A service with one real server whose body is `rsBody`. */
function withChecks(rsBody: string, vsExtra = ''): Parsed {
  return parseText(service(`${vsExtra} real_server 10.0.0.2 8080 {\n${rsBody}\n }`));
}

function checkers(p: Parsed): readonly Checker[] {
  return rsOf(onlyVs(p)).checkers;
}

/** The checker variant(s) whose `type` admits T (HttpChecker covers HTTP_GET and SSL_GET). */
type Admitting<C, T> = C extends { readonly type: infer U } ? (T extends U ? C : never) : never;
type CheckerOf<T extends Checker['type']> = Admitting<Checker, T>;

function checker<T extends Checker['type']>(p: Parsed, type: T, index = 0): CheckerOf<T> {
  const found = checkers(p).filter((c): c is CheckerOf<T> => c.type === type)[index];
  assert.ok(found !== undefined, `no ${type} #${index}: ${JSON.stringify(p.diagnostics)}`);
  return found;
}

test('TCP_CHECK aims at the real server and inherits timings from it and the service', () => {
  const p = withChecks('  connect_timeout 3\n  TCP_CHECK {\n  }', ' delay_loop 6\n retry 2\n');
  assert.deepEqual(p.diagnostics, []);
  const c = checker(p, 'TCP_CHECK');
  assert.deepEqual(c.connection.destination, { family: 4, address: '10.0.0.2', port: 8080 });
  assert.equal(c.connection.connectTimeoutUs, 3_000_000);
  assert.equal(c.delayLoopUs, 6_000_000);
  assert.equal(c.warmupUs, 6_000_000, 'warmup defaults to the delay loop');
  assert.equal(c.retry, 2);
  assert.equal(c.delayBeforeRetryUs, 1_000_000);
  assert.equal(c.alpha, false);
});

test('checker options override the real server, connect_ip/port/bindto/bind_if/fwmark are kept', () => {
  const p = withChecks(
    '  alpha\n  TCP_CHECK {\n   connect_ip 10.0.0.9\n   connect_port 81\n   bindto 10.0.0.1\n   bind_port 2000\n' +
      '   bind_if eth0\n   fwmark 7\n   retry 0\n   delay_before_retry 0.5\n   warmup 2\n   delay_loop 3\n   alpha no\n' +
      '   log_all_failures\n  }',
  );
  assert.deepEqual(p.diagnostics, []);
  const c = checker(p, 'TCP_CHECK');
  assert.deepEqual(c.connection, {
    destination: { family: 4, address: '10.0.0.9', port: 81 },
    bindTo: { family: 4, address: '10.0.0.1', port: 2000 },
    bindInterface: 'eth0',
    fwmark: 7,
    connectTimeoutUs: 5_000_000,
  });
  assert.equal(c.retry, 0);
  assert.equal(c.delayBeforeRetryUs, 500_000);
  assert.equal(c.warmupUs, 2_000_000);
  assert.equal(c.delayLoopUs, 3_000_000);
  assert.equal(c.alpha, false);
  assert.equal(c.logAllFailures, true);
});

test('a checker declared on a port-less real server connects to port 0 (keepalived pitfall, noticed)', () => {
  const p = parseText(service(' real_server 10.0.0.2 {\n  TCP_CHECK {\n  }\n }'));
  assert.equal(rsOf(onlyVs(p)).address.port, 80);
  assert.equal(checker(p, 'TCP_CHECK').connection.destination?.port, 0);
  assert.equal(p.exitCode, 0);
  assert.equal(notices(p).length, 1);
});

test('connection option errors use keepalived wording; a link-local target needs bind_if', () => {
  const p = withChecks(
    '  TCP_CHECK {\n   connect_ip fe80::1\n  }\n  TCP_CHECK {\n   bindto 10.0.0.1\n   connect_ip fe80::1\n' +
      '   connect_port 0\n   bind_port 70000\n   fwmark -1\n   bind_if 0123456789abcdefg\n   connect_timeout 0\n  }',
  );
  assert.deepEqual(errors(p), [
    'Checker link local address fe80::1 requires a bind_if',
    'connect_ip address fe80::1 does not match address family of bindto - skipping',
    "number '0' outside range [1, 65535]",
    "Invalid checker connect_port '0'",
    "number '70000' outside range [1, 65535]",
    "Invalid checker bind_port '70000'",
    "negative number '-1'",
    "Invalid fwmark connection value '-1'",
    'Interface name 0123456789abcdefg is too long - ignoring',
    "number '0' outside range [0.000001, 4294.967295]",
    'connect_timeout 0 invalid - ignoring',
  ]);
  assert.equal(checkers(p).length, 1, 'the link-local checker was dropped');
  assert.equal(checker(p, 'TCP_CHECK').connection.destination, undefined);
});

test('HTTP_GET: urls, digest, status codes, defaults and virtualhost precedence', () => {
  const p = withChecks(
    '  virtualhost rs.example\n  HTTP_GET {\n   url {\n    path /a\n    digest 0123456789ABCDEF0123456789abcdef\n   }\n' +
      '   url {\n    path /b\n    status_code 200-204 404 500-599\n    virtualhost url.example\n   }\n  }',
    ' virtualhost vs.example\n',
  );
  assert.deepEqual(p.diagnostics, []);
  const c = checker(p, 'HTTP_GET');
  assert.equal(c.delayBeforeRetryUs, 3_000_000, 'HTTP/SSL delay_before_retry default is 3 s');
  assert.equal(c.retry, 1);
  assert.equal(c.httpProtocol, '1.0');
  assert.equal(c.virtualhost, 'rs.example', 'checker → real server → virtual server');
  const [a, b] = c.urls;
  assert.equal(a?.digest, '0123456789abcdef0123456789abcdef');
  assert.deepEqual(a?.statusCodes, [{ min: 200, max: 299 }]);
  assert.deepEqual(b?.statusCodes, [
    { min: 200, max: 204 },
    { min: 404, max: 404 },
    { min: 500, max: 599 },
  ]);
  assert.equal(b?.virtualhost, 'url.example');
});

test('HTTP_GET errors are keepalived errors', () => {
  const p = withChecks(
    '  HTTP_GET {\n   nb_get_retry 3\n   url {\n    digest 123\n    status_code 200 300-2 99 abc\n   }\n' +
      '   url {\n    path /a\n    digest 0123456789abcdef0123456789abcdeg\n   }\n   url {\n    path /b\n' +
      '    digest 0123456789abcdef0123456789abcdef\n    digest 0123456789abcdef0123456789abcdef\n    virtualhost\n   }\n' +
      '   http_protocol 2\n   fast_recovery maybe\n  }\n  SSL_GET {\n   url {\n   }\n  }',
  );
  assert.deepEqual(errors(p), [
    "nb_get_retry is deprecated - please use 'retry'",
    "digest '123' character length should be 32 rather than 3",
    "Invalid HTTP_GET status code '300-2'",
    "Invalid HTTP_GET status code '99'",
    "Invalid HTTP_GET status code 'abc'",
    'HTTP/SSL_GET checker url has no path - ignoring',
    "Unable to interpret hex digit in '0123456789abcdef0123456789abcdeg' at offset 30/31",
    "Digest '0123456789abcdef0123456789abcdef' is a duplicate",
    'Missing HTTP_GET virtualhost name',
    'Invalid http_protocol version 2',
    'Invalid fast_recovery parameter maybe',
    'HTTP/SSL_GET checker url has no path - ignoring',
    'HTTP/SSL_GET checker has no urls specified - ignoring',
  ]);
  const c = checker(p, 'HTTP_GET');
  assert.equal(c.retry, 3);
  assert.deepEqual(c.urls.map((u) => u.path), ['/a', '/b']);
  assert.equal(c.urls[0]?.digest, undefined);
  assert.equal(p.lvs.sslRequired, true, 'set as soon as an SSL_GET is declared');
});

test('an HTTP_GET without urls as the first checker crashes keepalived 2.2.7; we stop too', () => {
  const p = withChecks('  HTTP_GET {\n  }');
  assert.equal(p.exitCode, 139);
  assert.equal(p.result.config, undefined);
});

test('regex options without a regex are only logged; regex_stack is kept raw', () => {
  const p = withChecks(
    '  HTTP_GET {\n   url {\n    path /\n    regex_options caseless\n   }\n   url {\n    path /x\n    regex "ok.*"\n' +
      '    regex_options caseless bogus\n    regex_no_match\n    regex_max_offset 100\n    regex_stack 10 20\n   }\n  }',
  );
  assert.equal(p.exitCode, 0);
  const [a, b] = checker(p, 'HTTP_GET').urls;
  assert.equal(a?.regex, undefined);
  assert.deepEqual(b?.regex, { pattern: 'ok.*', options: ['caseless'], noMatch: true, minOffset: 0, maxOffsetExclusive: 101 });
  assert.equal(b?.unimplemented[0]?.keyword, 'regex_stack');
  assert.ok(notices(p).includes('regex parameters specified without regex'));
});

test('regex_options: every name of keepalived 2.2.7 is kept (check_http.c regex_options table)', () => {
  const names = 'never_backslash_c alt_circumflex alt_verbnames use_offset_limit dotall';
  const p = withChecks(`  HTTP_GET {\n   url {\n    path /\n    regex "ok"\n    regex_options ${names}\n   }\n  }`);
  assert.equal(p.exitCode, 0);
  assert.deepEqual(checker(p, 'HTTP_GET').urls[0]?.regex?.options, names.split(' '));
});

test('SSL block: replacing values is reported', () => {
  const p = parseText(
    'SSL {\n password secret\n ca /etc/ca.pem\n certificate\n}\nSSL {\n key /x\n key /y\n}\n' +
      service(' real_server 10.0.0.2 443 {\n  SSL_GET {\n   url {\n    path /\n   }\n  }\n }'),
  );
  assert.deepEqual(errors(p), [
    'SSL certfile missing',
    'SSL context already specified - replacing',
    'SSL keyfile already specified - replacing',
  ]);
  assert.equal(p.lvs.ssl?.keyFile, '/y');
  assert.equal(p.lvs.ssl?.password, undefined);
});

test('SMTP_CHECK: helo default, host blocks become extra checkers (0 s timeout, noticed)', () => {
  const p = withChecks(
    '  SMTP_CHECK {\n   connect_timeout 10\n   retry 2\n   host {\n    connect_ip 10.0.0.3\n    connect_port 25\n   }\n' +
      '   host {\n    connect_ip 10.0.0.4\n    connect_timeout 4\n   }\n  }',
  );
  assert.deepEqual(errors(p), []);
  const all = checkers(p).filter((c) => c.type === 'SMTP_CHECK');
  assert.equal(all.length, 3);
  assert.deepEqual(all.map((c) => (c.type === 'SMTP_CHECK' ? c.connection.destination : undefined)), [
    { family: 4, address: '10.0.0.2', port: 8080 },
    { family: 4, address: '10.0.0.3', port: 25 },
    { family: 4, address: '10.0.0.4', port: 8080 },
  ]);
  assert.deepEqual(all.map((c) => (c.type === 'SMTP_CHECK' ? c.connection.connectTimeoutUs : -1)), [10_000_000, 0, 4_000_000]);
  assert.ok(all.every((c) => c.type === 'SMTP_CHECK' && c.heloName === 'smtpchecker.keepalived.org' && c.retry === 2));
  assert.ok(notices(p).includes('The SMTP_CHECK host block is deprecated. Please define additional checkers.'));
});

test('DNS_CHECK: retry 3, delay_before_retry = delay loop, keepalived name quirks', () => {
  const p = withChecks(
    '  DNS_CHECK {\n   type aaaa\n   name a.b\n   name www.example.com\n   name x\n  }\n  DNS_CHECK {\n   type XX\n  }',
    ' delay_loop 7\n',
  );
  assert.deepEqual(errors(p), [
    "DNS_CHECK name 'a.b' has empty label - ignoring",
    'DNS_CHECK name already specified - ignoring',
    'Unknown DNS check type XX - ignoring',
  ]);
  const a = checker(p, 'DNS_CHECK');
  assert.equal(a.queryType, 'AAAA');
  assert.equal(a.name, 'www.example.com');
  assert.equal(a.retry, 3);
  assert.equal(a.delayBeforeRetryUs, 7_000_000);
  const b = checker(p, 'DNS_CHECK', 1);
  assert.equal(b.queryType, 'SOA');
  assert.equal(b.name, '');
});

test('UDP_CHECK: payload and reply hex with wildcards, length checks', () => {
  const p = withChecks(
    '  UDP_CHECK {\n   payload 0a 0B c\n   require_reply 0x 1F\n   min_reply_length 70000\n   max_reply_length 3\n' +
      '   min_reply_length 5\n  }\n  UDP_CHECK {\n   payload zz\n   require_reply\n  }',
  );
  assert.deepEqual(errors(p), [
    "number '70000' outside range [0, 65535]",
    'UDP_CHECK min length 70000 not valid - must be between 0 & 65535',
    'UDP_CHECK min_reply length 5 > max_reply_length 3 - will always fail',
    'Invalid hex string for UDP_CHECK payload',
  ]);
  const a = checker(p, 'UDP_CHECK');
  assert.equal(a.payloadHex, '0a0b0c');
  assert.equal(a.replyHex, '001f');
  assert.equal(a.replyMaskHex, '0f00');
  const b = checker(p, 'UDP_CHECK', 1);
  assert.equal(b.payloadHex, undefined);
  assert.equal(b.requireReply, true);
  assert.equal(b.maxReplyLength, 255);
});

test('PING_CHECK has the connection options and the generic defaults', () => {
  const p = withChecks('  PING_CHECK {\n   retry 4\n  }');
  assert.equal(checker(p, 'PING_CHECK').retry, 4);
  assert.equal(p.exitCode, 0);
});

test('MISC_CHECK: quoted arguments, user, timeout defaults to the service delay loop, retry 0', () => {
  const p = parseText(
    'global_defs {\n enable_script_security\n script_user root\n}\n' +
      service(
        ' real_server 10.0.0.2 80 {\n  MISC_CHECK {\n   misc_path "/bin/check arg1 arg2" ignored\n   misc_dynamic\n' +
          '   user nobody nogroup\n  }\n  MISC_CHECK {\n   misc_path /bin/true\n   misc_timeout 3\n  }\n }',
        '10.0.0.100 80',
      ).replace('lb_kind NAT', 'lb_kind NAT\n  delay_loop 9'),
  );
  assert.deepEqual(errors(p), []);
  const a = checker(p, 'MISC_CHECK');
  assert.deepEqual(a.script.argv, ['/bin/check', 'arg1', 'arg2']);
  assert.equal(a.script.user, 'nobody');
  assert.equal(a.dynamic, true);
  assert.equal(a.timeoutUs, 9_000_000);
  assert.equal(a.retry, 0);
  assert.equal(checker(p, 'MISC_CHECK', 1).timeoutUs, 3_000_000);
});

test('MISC_CHECK errors; the keywords after a dropped checker hit the previous one (keepalived quirk)', () => {
  const p = withChecks(
    '  TCP_CHECK {\n  }\n  MISC_CHECK {\n   misc_path /bin/true\n   user nosuchuser\n   retry 7\n  }\n' +
      '  MISC_CHECK {\n   misc_timeout 5000\n  }',
  );
  assert.deepEqual(errors(p), [
    "Failed to set uid/gid for misc checker script '/bin/true' - removing",
    "number '5000' outside range [0, 4294]",
    "Invalid misc_timeout value '5000'",
    'No script path has been specified for MISC_CHECKER - skipping',
  ]);
  assert.deepEqual(checkers(p).map((c) => c.type), ['TCP_CHECK']);
  assert.equal(checker(p, 'TCP_CHECK').retry, 7);
});

test('an insecure or missing MISC_CHECK script is removed by the security pass', () => {
  const p = parseText(
    'global_defs {\n enable_script_security\n script_user root\n}\n' +
      service(' real_server 10.0.0.2 80 {\n  MISC_CHECK {\n   misc_path /nonexistent/check\n  }\n }'),
  );
  assert.equal(p.exitCode, 0);
  assert.deepEqual(checkers(p), []);
});

test('FILE_CHECK and BFD_CHECK need earlier track_file / bfd_instance blocks', () => {
  const p = withChecks(
    '  FILE_CHECK {\n   track_file nope\n   weight 5 foo\n  }\n  BFD_CHECK {\n   name\n  }\n' +
      '  BFD_CHECK {\n   name nope\n  }\n  BFD_CHECK {\n  }',
  );
  assert.deepEqual(errors(p), [
    'track_file nope not found',
    'unknown track file weight option foo - ignoring',
    'FILE_CHECK has no track_file specified - ignoring',
    '([10.0.0.2]:tcp:8080) BFD_CHECK - No or too many names specified - skipping checker',
    '([10.0.0.2]:tcp:8080) BFD_CHECK - BFD nope not configured',
    '([10.0.0.2]:tcp:8080) No name has been specified for BFD_CHECKER - skipping',
  ]);
  assert.deepEqual(checkers(p), []);
});

test('FILE_CHECK and BFD_CHECK follow configured track_file / bfd_instance blocks', () => {
  const p = parseText(
    'track_file tf1 {\n file /run/weight\n weight 3\n}\nbfd_instance bfd1 {\n neighbor_ip 10.0.0.2\n}\n' +
      service(' real_server 10.0.0.2 80 {\n  FILE_CHECK {\n   track_file tf1\n  }\n  BFD_CHECK {\n   name bfd1\n   alpha\n  }\n }'),
  );
  assert.deepEqual(errors(p), []);
  const file = checker(p, 'FILE_CHECK');
  assert.equal(file.trackFile, 'tf1');
  assert.equal(file.weight, 3);
  const bfd = checker(p, 'BFD_CHECK');
  assert.equal(bfd.name, 'bfd1');
  assert.equal(bfd.alpha, true);
});

test('checkers keep their written order, FILE_CHECK included', () => {
  const p = parseText(
    'track_file tf1 {\n file /run/weight\n}\n' +
      service(' real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n  FILE_CHECK {\n   track_file tf1\n  }\n  PING_CHECK {\n  }\n }'),
  );
  assert.deepEqual(checkers(p).map((c) => c.type), ['TCP_CHECK', 'FILE_CHECK', 'PING_CHECK']);
});

test('hex strings ending in byte ff are refused, as keepalived read_hex_str does', () => {
  const p = withChecks('  UDP_CHECK {\n   payload ff\n  }\n  UDP_CHECK {\n   payload ff00\n   require_reply fx ff\n  }');
  assert.deepEqual(errors(p), [
    'Invalid hex string for UDP_CHECK payload',
    'Invalid hex string for UDP_CHECK reply',
  ]);
  assert.equal(checker(p, 'UDP_CHECK', 1).payloadHex, 'ff00');
});

test('an unsplittable misc_path or regex line crashes keepalived 2.2.7; we stop too', () => {
  assert.equal(withChecks('  MISC_CHECK {\n   misc_path "/bin/true x\n  }').exitCode, 139);
  assert.equal(withChecks('  HTTP_GET {\n   url {\n    path /\n    regex "abc\n   }\n  }').exitCode, 139);
});
