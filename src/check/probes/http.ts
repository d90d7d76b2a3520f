/**
 * HTTP_GET and SSL_GET: one GET per url, over node:net / node:tls directly so the request
 * is byte-for-byte what keepalived 2.2.7 sends (check_http.c request_template) and the
 * response is read with a bounded memory footprint.
 *
 * keepalived semantics followed (check_http.c http_request_thread, http_process_response,
 * http_handle_response; lib/html.c):
 * - Request: `GET <path> HTTP/1.<0|1>\r\nUser-Agent: KeepAliveClient\r\n` then
 *   `Connection: close\r\n` for 1.0C and 1.1, then `Host: <vhost>` or `Host: <ip>:<port>`
 *   (`[ip6]:port` for IPv6 literals), then an empty line.
 * - Host precedence: url virtualhost, then the checker's (which the config model already
 *   resolved as checker → real server → virtual server).
 * - The response header ends at the first CRLFCRLF and must fit keepalived's 4 KiB read
 *   buffer (4095 bytes); a connection that closes before a complete header is "no data".
 * - Status code (extract_status_code): the text after the first space, exactly three
 *   characters followed by a space; anything else is status 0, which is never accepted.
 *   Accepted codes are the url's ranges (default 200-299, applied by the config model).
 * - Digest: MD5 of the body bytes, limited to Content-Length when that header is present
 *   (`Content-Length:` matched case-sensitively, as strstr does); compared as lowercase hex.
 * - The body is read until the server closes (keepalived reads to EOF in all cases).
 * - SSL_GET: no certificate verification; SNI (enable_sni) is the url's virtualhost, else
 *   the checker's. keepalived-compat: keepalived's SNI falls back to the virtual server's
 *   virtualhost, not the real server's; our model only has the merged value.
 * - SSL_GET with the root `SSL { password ca certificate key }` block (check_ssl.c
 *   build_ssl_ctx): the certificate chain and the key (decrypted with `password`) are the
 *   client certificate offered to servers that ask for one; `ca` is loaded (a file that
 *   cannot be read is an error) but, as keepalived never enables peer verification
 *   (SSL_VERIFY_NONE), the server's certificate is still not verified. One TLS context is
 *   built per configuration and reused; keepalived's checker exits when it cannot load a
 *   file, here every SSL_GET probe fails with the same message instead.
 * - `regex` (http_regex.ts): searched in the body as it streams, with bounded memory; the
 *   status code, then the digest, then the regex must all pass (http_handle_response).
 *
 * Deliberate differences, for robustness against hostile servers:
 * - keepalived's connect_timeout restarts on every read; here it bounds the whole attempt
 *   (all urls of the checker), so a server dripping one byte per second cannot hold a
 *   probe for ever.
 * - The body is hashed as it streams (nothing is buffered) and at most maxBodyBytes
 *   (default 64 MiB) are read; a longer body fails with 'body_too_large'.
 * - A status outside the accepted ranges fails as soon as the header is parsed, instead of
 *   after EOF (same verdict, sooner).
 */
import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type {
  CheckerConnection,
  HttpChecker,
  HttpProtocolVersion,
  HttpStatusRange,
  HttpUrl,
  HttpUrlRegex,
  SslConfig,
} from '../../config/model/lvs.js';
import {
  BodyRegexMatcher,
  compileBodyRegex,
  regexPasses,
  type CompiledRegex,
} from '../http_regex.js';
import { runAttempt, usToMs, type Attempt } from './_attempt.js';
import { openStream } from './_connect.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

/** keepalived reads the response into a MAX_BUFFER_LENGTH (4096) buffer, NUL kept. */
export const MAX_HEADER_BYTES = 4095;
/** Default cap on body bytes read per url (keepalived has none; see module comment). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** keepalived's HTTP_STATUS_CODE_MIN / MAX. */
const STATUS_MIN = 100;
const STATUS_MAX = 599;

export interface HttpProbeOptions extends ProbeOptions {
  /** @default DEFAULT_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number | undefined;
  /** The root `SSL {}` block: client certificate for SSL_GET. */
  readonly ssl?: SslConfig | undefined;
  /** Where one-off notes go (a regex option that is not exact, a regex that cannot run). */
  readonly log?: ((line: string) => void) | undefined;
  /** Regex search window (http_regex.ts DEFAULT_REGEX_WINDOW_BYTES). */
  readonly regexWindowBytes?: number | undefined;
}

/** Largest piece of body handed to the regex matcher at once (bounds its buffer). */
const REGEX_FEED_BYTES = 64 * 1024;

const compiledRegexes = new WeakMap<HttpUrlRegex, CompiledRegex>();

/**
 * The url's compiled regex, translated once per configuration; the notes (options that do
 * not map exactly, a pattern JavaScript cannot run) are logged the first time.
 */
export function urlRegex(regex: HttpUrlRegex, log?: (line: string) => void): CompiledRegex {
  let c = compiledRegexes.get(regex);
  if (c === undefined) {
    c = compileBodyRegex({ pattern: regex.pattern, options: regex.options });
    compiledRegexes.set(regex, c);
    for (const n of c.notes) log?.(`HTTP_GET regex '${regex.pattern}': ${n}`);
    if (!c.ok) log?.(`${c.error}: the url's regex check fails every time`);
  }
  return c;
}

type TlsContext = { readonly ok: true; readonly context: SecureContext } | { readonly ok: false; readonly error: string };
const tlsContexts = new WeakMap<SslConfig, TlsContext>();

/** check_ssl.c build_ssl_ctx: certificate chain, key (with password), CA file. */
export function sslContext(ssl: SslConfig): TlsContext {
  let c = tlsContexts.get(ssl);
  if (c !== undefined) return c;
  const read = (file: string | undefined, what: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch {
      throw new Error(`SSL error : Cant load ${what} file...`);
    }
  };
  try {
    const cert = read(ssl.certificateFile, 'certificate');
    const key = read(ssl.keyFile, 'key');
    const ca = read(ssl.caFile, 'CA');
    const context = createSecureContext({
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(ssl.password === undefined ? {} : { passphrase: ssl.password }),
      ...(ca === undefined ? {} : { ca }),
    });
    c = { ok: true, context };
  } catch (e) {
    c = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  tlsContexts.set(ssl, c);
  return c;
}

/**
 * keepalived's extract_status_code: 0 when the status line is not `X<space>DDD<space>…`.
 *
 * @example
 * parseStatusCode(Buffer.from('HTTP/1.1 200 OK\r\n')); // 200
 */
export function parseStatusCode(head: Uint8Array): number {
  let i = 0;
  while (i < head.length && head[i] !== 0x20 && head[i] !== 0x0d) i++;
  if (head[i] !== 0x20) return 0;
  i++;
  if (i + 3 >= head.length || head[i] === 0x20 || head[i + 3] !== 0x20) return 0;
  let code = 0;
  for (let k = i; k < i + 3; k++) {
    const c = head[k] ?? 0;
    if (c < 0x30 || c > 0x39) return 0;
    code = code * 10 + (c - 0x30);
  }
  return code;
}

/** keepalived's extract_content_length: undefined when absent or malformed. */
export function parseContentLength(head: string): number | undefined {
  const at = head.indexOf('Content-Length:');
  if (at < 0) return undefined;
  const m = /^[ \t\n\v\f\r]*\+?(\d+)(.?)/.exec(head.slice(at + 'Content-Length:'.length));
  if (m === null) return undefined;
  const tail = m[2] ?? '';
  if (tail !== '' && tail !== '\r' && tail !== '\n') return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** True when `status` is inside one of the ranges (and keepalived's 100..599 window). */
export function isStatusAccepted(status: number, ranges: readonly HttpStatusRange[]): boolean {
  if (status < STATUS_MIN || status > STATUS_MAX) return false;
  return ranges.some((r) => status >= r.min && status <= r.max);
}

/** The Host header value: the virtualhost, else `ip:port` (`[ip6]:port`). */
export function requestHost(vhost: string | undefined, conn: CheckerConnection): string {
  if (vhost !== undefined) return vhost;
  const dst = conn.destination;
  if (dst === undefined) return '';
  return dst.family === 6 ? `[${dst.address}]:${dst.port}` : `${dst.address}:${dst.port}`;
}

/** The request keepalived sends (check_http.c request_template). */
export function buildHttpRequest(path: string, protocol: HttpProtocolVersion, host: string): string {
  const minor = protocol === '1.1' ? 1 : 0;
  const close = protocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

/** What one GET returned; produced by fetchHttp for the probe and for genhash. */
export interface HttpResponse {
  readonly status: number;
  /** The response header, CRLFCRLF included, as latin1 text. */
  readonly headers: string;
  readonly contentLength: number | undefined;
  /** Body bytes received (all of them, not only those hashed). */
  readonly bytes: number;
  /** MD5 hex of the body (limited to Content-Length), when hashing was requested. */
  readonly digest: string | undefined;
}

export interface FetchSpec {
  readonly connection: CheckerConnection;
  readonly tls: boolean;
  readonly sniName: string | undefined;
  readonly request: string;
  readonly computeDigest: boolean;
  readonly maxBodyBytes: number;
  /** SSL_GET: the context built from the `SSL {}` block. */
  readonly secureContext?: SecureContext | undefined;
  /** Each received body chunk, in order (the regex search). */
  readonly onBody?: ((chunk: Buffer) => void) | undefined;
  /** Called once the header is parsed; returning false stops reading (attempt settled). */
  readonly onHeader?: (status: number, headers: string) => boolean;
}

/**
 * One GET inside an attempt: calls `onDone` with the response at EOF, or settles the
 * attempt itself with a failure (connect, TLS, reset, no_data, body_too_large).
 */
export function fetchHttp(attempt: Attempt, spec: FetchSpec, onDone: (r: HttpResponse) => void): void {
  const tls = spec.tls ? { servername: spec.sniName, secureContext: spec.secureContext } : undefined;
  openStream(spec.connection, attempt, { tls }, (socket) => {
    readResponse(socket, attempt, spec, onDone);
    socket.write(spec.request);
  });
}

function readResponse(
  socket: Socket,
  attempt: Attempt,
  spec: FetchSpec,
  onDone: (r: HttpResponse) => void,
): void {
  let pending: Buffer | undefined = Buffer.alloc(0);
  let headers = '';
  let status = 0;
  let contentLength: number | undefined;
  let bytes = 0;
  let hashed = 0;
  let ended = false;
  const hash: Hash | undefined = spec.computeDigest ? createHash('md5') : undefined;
  const feedBody = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (hash !== undefined) {
      const room = contentLength === undefined ? chunk.length : Math.max(0, contentLength - hashed);
      const take = Math.min(room, chunk.length);
      if (take > 0) hash.update(take === chunk.length ? chunk : chunk.subarray(0, take));
      hashed += take;
    }
    spec.onBody?.(chunk);
    if (bytes > spec.maxBodyBytes) {
      attempt.finish(false, 'body_too_large', `body exceeds ${spec.maxBodyBytes} bytes`);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    if (attempt.isSettled()) return;
    if (pending === undefined) {
      feedBody(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const end = pending.indexOf('\r\n\r\n');
    if (end < 0 || end + 4 > MAX_HEADER_BYTES) {
      if (pending.length >= MAX_HEADER_BYTES) {
        attempt.finish(false, 'no_data', `no end of response header in ${MAX_HEADER_BYTES} bytes`);
      }
      return;
    }
    const head = pending.subarray(0, end + 4);
    const rest = pending.subarray(end + 4);
    pending = undefined;
    headers = head.toString('latin1');
    status = parseStatusCode(head);
    contentLength = parseContentLength(headers);
    if (spec.onHeader !== undefined && !spec.onHeader(status, headers)) return;
    if (rest.length > 0) feedBody(rest);
  });
  socket.on('end', () => {
    ended = true;
    if (attempt.isSettled()) return;
    if (pending !== undefined) {
      attempt.finish(false, 'no_data', 'connection closed before a complete response header');
      return;
    }
    onDone({ status, headers, contentLength, bytes, digest: hash?.digest('hex') });
  });
  socket.on('close', () => {
    if (!ended && !attempt.isSettled()) attempt.finish(false, 'reset', 'connection closed unexpectedly');
  });
}

/**
 * Runs every url of the checker in order under one deadline (connect_timeout); all must
 * pass. The first failure settles the probe.
 *
 * @example
 * const r = await probeHttp(checker, { signal, maxBodyBytes: 1 << 20 });
 */
export function probeHttp(config: HttpChecker, options: HttpProbeOptions = {}): Promise<ProbeResult> {
  return probeHttpUrls(config, config.urls, options);
}

/** One url of the checker (for a scheduler that checks one url per delay_loop). */
export function probeHttpUrl(
  config: HttpChecker,
  url: HttpUrl,
  options: HttpProbeOptions = {},
): Promise<ProbeResult> {
  return probeHttpUrls(config, [url], options);
}

function probeHttpUrls(
  config: HttpChecker,
  urls: readonly HttpUrl[],
  options: HttpProbeOptions,
): Promise<ProbeResult> {
  const timeoutMs = usToMs(config.connection.connectTimeoutUs);
  return runAttempt({ timeoutMs, signal: options.signal }, async (attempt) => {
    for (const url of urls) {
      const r = await checkUrl(config, url, attempt, options);
      if (r === undefined) return;
    }
    const paths = urls.map((u) => u.path).join(' ');
    attempt.finish(true, 'ok', urls.length === 0 ? 'no url configured' : `HTTP check success: ${paths}`);
  });
}

/** Resolves with the response when the url passed, undefined once the attempt failed. */
function checkUrl(
  config: HttpChecker,
  url: HttpUrl,
  attempt: Attempt,
  options: HttpProbeOptions,
): Promise<HttpResponse | undefined> {
  return new Promise((resolve) => {
    attempt.onCleanup(() => resolve(undefined));
    const vhost = url.virtualhost ?? config.virtualhost;
    let secureContext: SecureContext | undefined;
    if (config.type === 'SSL_GET' && options.ssl !== undefined) {
      const c = sslContext(options.ssl);
      if (!c.ok) {
        attempt.finish(false, 'tls_error', c.error);
        return;
      }
      secureContext = c.context;
    }
    const regex = url.regex;
    const compiled = regex === undefined ? undefined : urlRegex(regex, options.log);
    const matcher =
      regex === undefined || compiled === undefined || !compiled.ok
        ? undefined
        : new BodyRegexMatcher(compiled.regexp, {
          minOffset: regex.minOffset,
          maxOffsetExclusive: regex.maxOffsetExclusive,
          firstLine: regex.options.includes('firstline'),
          windowBytes: options.regexWindowBytes,
        });
    const spec: FetchSpec = {
      connection: config.connection,
      tls: config.type === 'SSL_GET',
      sniName: config.enableSni ? vhost : undefined,
      secureContext,
      request: buildHttpRequest(url.path, config.httpProtocol, requestHost(vhost, config.connection)),
      computeDigest: url.digest !== undefined,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onBody:
        matcher === undefined
          ? undefined
          : (chunk) => {
            for (let at = 0; at < chunk.length; at += REGEX_FEED_BYTES) {
              matcher.push(chunk.toString('latin1', at, Math.min(chunk.length, at + REGEX_FEED_BYTES)));
            }
          },
      onHeader: (status) => {
        if (isStatusAccepted(status, url.statusCodes)) return true;
        attempt.finish(false, 'bad_status', `HTTP status code ${status} for ${url.path}`);
        return false;
      },
    };
    fetchHttp(attempt, spec, (response) => {
      if (url.digest !== undefined && response.digest !== url.digest.toLowerCase()) {
        attempt.finish(false, 'digest_mismatch',
          `MD5 digest ${response.digest ?? ''} != ${url.digest} for ${url.path}`);
        return;
      }
      if (regex !== undefined) {
        if (compiled !== undefined && !compiled.ok) {
          attempt.finish(false, 'regex_mismatch', `Regex match failed for ${url.path}: ${compiled.error}`);
          return;
        }
        const matched = matcher?.finish() ?? false;
        if (!regexPasses(matched, regex.noMatch)) {
          attempt.finish(false, 'regex_mismatch',
            `Regex match failed for ${url.path}: '${regex.pattern}' ${matched ? 'matched' : 'did not match'}` +
              (regex.noMatch ? ' (regex_no_match)' : ''));
          return;
        }
      }
      resolve(response);
    });
  });
}
