/**
 * The status HTTP server on a real socket (127.0.0.1, ephemeral port): /metrics is
 * Prometheus text with the exporter's names, /status is the JSON status, / is the page,
 * everything else is 404.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { parseStatusListenFlag, startStatusServer, type StatusServer } from '../../src/daemon/status/http_server.js';
import type { DaemonStatus } from '../../src/daemon/status/snapshot.js';
import { fakeDaemonStatus } from '../unit/status/fake_status.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function get(server: StatusServer, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: server.address.host, port: server.address.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A strict-enough reader of the Prometheus text format 0.0.4: every line must parse. */
function parsePrometheusText(text: string): Map<string, { type: string; samples: number }> {
  const families = new Map<string, { type: string; samples: number }>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$/.exec(line);
    if (help !== null) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      families.set(type[1] ?? '', { type: type[2] ?? '', samples: 0 });
      continue;
    }
    const m = sample.exec(line);
    assert.ok(m !== null, `not Prometheus text: ${line}`);
    const f = families.get(m[1] ?? '');
    assert.ok(f !== undefined, `sample before its TYPE: ${line}`);
    f.samples++;
  }
  return families;
}

async function withServer(getStatus: () => DaemonStatus, body: (s: StatusServer) => Promise<void>): Promise<void> {
  const logs: string[] = [];
  const server = await startStatusServer({ listen: { port: 0 }, getStatus, log: (l) => logs.push(l) });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test('status server binds to 127.0.0.1 by default and serves /metrics in the Prometheus text format', async () => {
  await withServer(() => fakeDaemonStatus(), async (server) => {
    assert.equal(server.address.host, '127.0.0.1');
    assert.ok(server.address.port > 0);
    const r = await get(server, '/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(r.body);
    for (const name of [
      'keepalived_up',
      'keepalived_vrrp_state',
      'keepalived_advertisements_received_total',
      'keepalived_advertisements_sent_total',
      'keepalived_become_master_total',
      'keepalived_release_master_total',
      'keepalived_priority_zero_received_total',
      'keepalived_authentication_failure_total',
      'keepalived_script_status',
    ]) {
      assert.ok((families.get(name)?.samples ?? 0) > 0, name);
    }
    assert.equal(families.get('keepalived_become_master_total')?.type, 'counter');
    assert.equal(families.get('keepalived_vrrp_state')?.type, 'gauge');
    assert.match(r.body, /^keepalived_vrrp_state\{iname="VI_1",intf="eth0",vrid="51",ip_address="10.0.0.100"\} 2$/m);
  });
});

test('status server serves /status as JSON, / as the dashboard, and 404/405 for the rest', async () => {
  let status = fakeDaemonStatus();
  await withServer(() => status, async (server) => {
    const s = await get(server, '/status');
    assert.equal(s.status, 200);
    assert.match(String(s.headers['content-type']), /^application\/json/);
    assert.equal(s.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(s.body), JSON.parse(JSON.stringify(status)));
    status = fakeDaemonStatus({ vi1State: 'BACKUP' });
    const again = JSON.parse((await get(server, '/status?x=1')).body) as DaemonStatus;
    assert.equal(again.vrrp?.instances[0]?.state, 'BACKUP', 'every request reads the current status');

    const page = await get(server, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.doesNotMatch(page.body, /<(script|link|img)[^>]+(src|href)=["']?https?:/i, 'no external asset');

    assert.equal((await get(server, '/nope')).status, 404);
    assert.equal((await get(server, '/metrics/')).status, 404);
    assert.equal((await get(server, '/metrics', 'POST')).status, 405);
    const head = await get(server, '/metrics', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });
});

test('status server answers 500 (and logs) when the status cannot be produced, and keeps serving', async () => {
  let fail = true;
  const logs: string[] = [];
  const server = await startStatusServer({
    listen: { host: '127.0.0.1', port: 0 },
    getStatus: () => {
      if (fail) throw new Error('no status');
      return fakeDaemonStatus();
    },
    log: (l) => logs.push(l),
  });
  try {
    assert.equal((await get(server, '/metrics')).status, 500);
    assert.deepEqual(logs, ['Status server: no status']);
    fail = false;
    assert.equal((await get(server, '/metrics')).status, 200);
  } finally {
    await server.close();
  }
});

test('startStatusServer() rejects when the port is taken', async () => {
  await withServer(() => fakeDaemonStatus(), async (server) => {
    await assert.rejects(
      startStatusServer({ listen: { host: '127.0.0.1', port: server.address.port }, getStatus: () => fakeDaemonStatus(), log: () => {} }),
      /EADDRINUSE/,
    );
  });
});

test('parseStatusListenFlag() reads PORT, ADDRESS:PORT and [IPV6]:PORT', () => {
  assert.deepEqual(parseStatusListenFlag('9650'), { port: 9650 });
  assert.deepEqual(parseStatusListenFlag('0.0.0.0:9650'), { host: '0.0.0.0', port: 9650 });
  assert.deepEqual(parseStatusListenFlag('[::1]:9650'), { host: '::1', port: 9650 });
  for (const bad of ['', '0', '70000', '::1:9650', 'a:b', '1.2.3.4:', ':9650']) assert.equal(parseStatusListenFlag(bad), undefined, bad);
});
