/**
 * A minimal etcd v3 client over etcd's JSON gRPC-gateway (`POST /v3/...`), with Node's
 * global fetch: leases, the witness's acquire/release transactions and a range. No
 * dependency, no I/O in the constructor, and no method ever rejects: every call resolves
 * to an EtcdResult.
 *
 * Gateway conventions: keys and values are base64 in JSON; int64 fields are decimal
 * strings; proto3 default values (0, false, empty) are omitted from responses.
 *
 * Endpoints: a call goes to the endpoint that answered last, then to the others in the
 * configured order; it moves on only when an endpoint is unreachable or times out (an
 * HTTP error or a malformed answer is an answer). Each attempt is bounded by
 * requestTimeoutMs, so a call takes at most endpoints × requestTimeoutMs.
 *
 * Failure reasons: 'unreachable' (connection refused/reset, DNS…), 'timeout',
 * 'http_status' (a non-2xx answer), 'bad_response' (not the JSON we expect) and
 * 'lease_not_found': the lease is gone — a keepalive answered with TTL 0/absent (etcd's way
 * of saying "expired or revoked") or a put/txn/revoke answered "requested lease not found"
 * (HTTP 404, gRPC code 5). It is a dedicated reason because the witness re-grants on it.
 */

export type EtcdFailureReason = 'unreachable' | 'timeout' | 'http_status' | 'bad_response' | 'lease_not_found';

export type EtcdResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: EtcdFailureReason; readonly detail: string };

export interface EtcdClientOptions {
  /** Base URLs, e.g. `http://10.0.0.5:2379`. */
  readonly endpoints: readonly string[];
  /** Per-attempt timeout. */
  readonly requestTimeoutMs: number;
}

export interface LeaseGrant {
  /** The lease id (an int64, kept as its decimal string). */
  readonly leaseId: string;
  /** The TTL etcd granted: may exceed the one asked for (etcd's minimum TTL). */
  readonly ttlS: number;
}

export interface AcquireResult {
  /** True when the key now holds our value on our lease. */
  readonly acquired: boolean;
  /** The key's value after the txn (ours when acquired), undefined when absent. */
  readonly holder: string | undefined;
}

type Json = Record<string, unknown>;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

function fail<T>(reason: EtcdFailureReason, detail: string): EtcdResult<T> {
  return { ok: false, reason, detail };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An int64 field: decimal string (or number), absent = 0. */
function int64(v: unknown): number | undefined {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/** The first kv's decoded value of a RangeResponse, undefined when the key is absent. */
function rangeValue(range: unknown): EtcdResult<string | undefined> {
  if (!isObject(range)) return fail('bad_response', 'range response is not an object');
  const kvs = range['kvs'];
  if (kvs === undefined) return { ok: true, value: undefined };
  if (!Array.isArray(kvs)) return fail('bad_response', 'kvs is not an array');
  const first: unknown = kvs[0];
  if (first === undefined) return { ok: true, value: undefined };
  if (!isObject(first)) return fail('bad_response', 'kv is not an object');
  const value = first['value'];
  if (value === undefined) return { ok: true, value: '' };
  if (typeof value !== 'string') return fail('bad_response', 'kv value is not a string');
  return { ok: true, value: unb64(value) };
}

/** Find the response_range among a txn's responses. */
function findRange(responses: unknown): unknown {
  if (!Array.isArray(responses)) return undefined;
  for (const r of responses) if (isObject(r) && r['response_range'] !== undefined) return r['response_range'];
  return undefined;
}

function describeError(e: unknown): { reason: 'unreachable' | 'timeout'; detail: string } {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { reason: 'timeout', detail: 'request timed out' };
    const cause = (e as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: unknown }).code;
      return { reason: 'unreachable', detail: typeof code === 'string' ? code : cause.message };
    }
    return { reason: 'unreachable', detail: e.message };
  }
  return { reason: 'unreachable', detail: String(e) };
}

export class EtcdClient {
  private readonly endpoints: readonly string[];
  private readonly requestTimeoutMs: number;
  /** Index of the endpoint that answered last. */
  private preferred = 0;

  constructor(opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('EtcdClient: no endpoints');
    this.endpoints = opts.endpoints.map((e) => e.replace(/\/+$/, ''));
    this.requestTimeoutMs = opts.requestTimeoutMs;
  }

  /** POST a JSON body to each endpoint in turn; the parsed JSON answer of the first that answers. */
  private async post(path: string, body: Json, stream = false): Promise<EtcdResult<Json>> {
    const n = this.endpoints.length;
    let last: EtcdResult<Json> = fail('unreachable', 'no endpoint tried');
    for (let k = 0; k < n; k++) {
      const index = (this.preferred + k) % n;
      const endpoint = this.endpoints[index] ?? '';
      let text: string;
      let status: number;
      try {
        const res = await fetch(`${endpoint}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
        status = res.status;
        text = await res.text();
      } catch (e) {
        const d = describeError(e);
        last = fail(d.reason, `${endpoint}: ${d.detail}`);
        continue;
      }
      this.preferred = index;
      // A streaming gateway answer (lease keepalive) is newline-delimited JSON objects.
      const firstLine = stream ? (text.split('\n').find((l) => l.trim() !== '') ?? '') : text;
      let parsed: unknown;
      try {
        parsed = JSON.parse(firstLine);
      } catch {
        return fail(status >= 200 && status < 300 ? 'bad_response' : 'http_status', `${endpoint}${path}: HTTP ${status}, not JSON`);
      }
      if (!isObject(parsed)) return fail('bad_response', `${endpoint}${path}: not a JSON object`);
      const streamError = stream ? parsed['error'] : undefined;
      const obj: Json = isObject(streamError) ? streamError : parsed;
      const message = typeof obj['message'] === 'string' ? obj['message'] : typeof obj['error'] === 'string' ? obj['error'] : undefined;
      if (message !== undefined && /lease not found/.test(message)) return fail('lease_not_found', message);
      if (status < 200 || status >= 300 || message !== undefined) {
        return fail('http_status', `${endpoint}${path}: HTTP ${status}${message !== undefined ? `: ${message}` : ''}`);
      }
      if (stream) {
        const result = obj['result'];
        if (!isObject(result)) return fail('bad_response', `${endpoint}${path}: no result in stream answer`);
        return { ok: true, value: result };
      }
      return { ok: true, value: obj };
    }
    return last;
  }

  /** LeaseGrant: a new lease of (at least) `ttlS` seconds. */
  async grantLease(ttlS: number): Promise<EtcdResult<LeaseGrant>> {
    const r = await this.post('/v3/lease/grant', { TTL: String(ttlS) });
    if (!r.ok) return r;
    const id = r.value['ID'];
    const ttl = int64(r.value['TTL']);
    if (typeof id !== 'string' || !/^\d+$/.test(id) || ttl === undefined || ttl <= 0) {
      return fail('bad_response', `lease grant: unexpected answer ${JSON.stringify(r.value).slice(0, 200)}`);
    }
    return { ok: true, value: { leaseId: id, ttlS: ttl } };
  }

  /**
   * One LeaseKeepAlive round (the gateway's streaming endpoint with a single message).
   * A TTL of 0 or none means the lease no longer exists: `lease_not_found`, detail 'lease expired'.
   */
  async keepAlive(leaseId: string): Promise<EtcdResult<{ ttlS: number }>> {
    const r = await this.post('/v3/lease/keepalive', { ID: leaseId }, true);
    if (!r.ok) return r;
    const ttl = int64(r.value['TTL']);
    if (ttl === undefined) return fail('bad_response', 'keepalive: TTL is not an integer');
    if (ttl <= 0) return fail('lease_not_found', 'lease expired');
    return { ok: true, value: { ttlS: ttl } };
  }

  /** LeaseRevoke: the lease and every key attached to it go at once. */
  async revoke(leaseId: string): Promise<EtcdResult<void>> {
    const r = await this.post('/v3/lease/revoke', { ID: leaseId });
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /**
   * The witness's acquire, as ONE transaction:
   *
   *   if create_revision(key) == 0            (absent)        → put key=value on lease
   *   else if value(key) == value             (already ours)  → put key=value on lease, range key
   *   else                                                     → range key (learn the holder)
   *
   * The middle branch re-attaches our key to our current lease after a restart (the old
   * lease would otherwise expire and delete the key under us, or keep it alive with nobody
   * renewing). It is safe only because `value` is this node's unique id: a key holding our
   * id means no other node holds it. Node ids must therefore be unique per witness key.
   */
  async acquire(key: string, value: string, leaseId: string): Promise<EtcdResult<AcquireResult>> {
    const k = b64(key);
    const v = b64(value);
    const put = { request_put: { key: k, value: v, lease: leaseId } };
    const range = { request_range: { key: k } };
    const r = await this.post('/v3/kv/txn', {
      compare: [{ target: 'CREATE', result: 'EQUAL', key: k, create_revision: '0' }],
      success: [put],
      failure: [
        {
          request_txn: {
            compare: [{ target: 'VALUE', result: 'EQUAL', key: k, value: v }],
            success: [put],
            failure: [range],
          },
        },
      ],
    });
    if (!r.ok) return r;
    if (r.value['succeeded'] === true) return { ok: true, value: { acquired: true, holder: value } };
    const responses = r.value['responses'];
    const first: unknown = Array.isArray(responses) ? responses[0] : undefined;
    const inner = isObject(first) ? first['response_txn'] : undefined;
    if (!isObject(inner)) return fail('bad_response', 'acquire txn: no nested txn response');
    if (inner['succeeded'] === true) return { ok: true, value: { acquired: true, holder: value } };
    const holder = rangeValue(findRange(inner['responses']));
    if (!holder.ok) return holder;
    return { ok: true, value: { acquired: false, holder: holder.value } };
  }

  /** The key's current value (undefined when absent). */
  async holder(key: string): Promise<EtcdResult<string | undefined>> {
    const r = await this.post('/v3/kv/range', { key: b64(key) });
    if (!r.ok) return r;
    return rangeValue(r.value);
  }

  /** Delete the key only if it holds `value` (a graceful step-down). `deleted` says whether it did. */
  async release(key: string, value: string): Promise<EtcdResult<{ deleted: boolean }>> {
    const k = b64(key);
    const r = await this.post('/v3/kv/txn', {
      compare: [{ target: 'VALUE', result: 'EQUAL', key: k, value: b64(value) }],
      success: [{ request_delete_range: { key: k } }],
      failure: [],
    });
    if (!r.ok) return r;
    return { ok: true, value: { deleted: r.value['succeeded'] === true } };
  }
}
