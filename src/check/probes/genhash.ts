/**
 * `keepalived-ts genhash`: keepalived 2.2.7's genhash (check/check_genhash.c), which GETs
 * one url the way HTTP_GET / SSL_GET does and prints the MD5 of the body, the value to
 * put in a url's `digest`.
 *
 * Flags (getopt_long ":hvSs:V:p:u:m:P:t:I"): -s/--server IP, -p/--port N, -u/--url PATH
 * (all three required), -S/--use-ssl, -I/--use-sni, -V/--use-virtualhost HOST,
 * -P/--protocol 1.0|1.0c|1.0C|1.1 (also accepted as -r), -t/--timeout SECONDS,
 * -m/--fwmark N (accepted, not applied: node:net cannot set SO_MARK), -v/--verbose,
 * -h/--help. A bad option prints the usage on stderr and exits 1.
 *
 * Output as keepalived: the digest as 32 lowercase hex digits and a newline on stdout;
 * `no data received from remote webserver` on stderr when no response header came; a
 * failure message on stdout otherwise. The exit status is 0 once a request was attempted
 * (keepalived exits 0 whatever happened). Verbose mode prints the response header, the
 * digest block and `Global response time for [url] = N usecs` (keepalived also hex-dumps
 * header and body; we do not).
 *
 * keepalived-compat: keepalived's genhash has no time-out unless -t is given; ours
 * defaults to 30 s so a silent server cannot hang the command.
 */
import { isIP } from 'node:net';
import type { CheckerConnection, HttpProtocolVersion } from '../../config/model/lvs.js';
import { runAttempt } from './_attempt.js';
import { buildHttpRequest, fetchHttp, requestHost, type HttpResponse } from './http.js';
import type { ProbeReason } from './probe_result.js';

export const GENHASH_DEFAULT_TIMEOUT_S = 30;

export interface GenhashOptions {
  readonly server: string;
  readonly port: number;
  readonly url: string;
  readonly ssl?: boolean | undefined;
  readonly sni?: boolean | undefined;
  readonly virtualhost?: string | undefined;
  readonly protocol?: HttpProtocolVersion | undefined;
  /** @default 30 */
  readonly timeoutS?: number | undefined;
  readonly fwmark?: number | undefined;
  readonly verbose?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface GenhashResult {
  /** MD5 hex of the body (limited to Content-Length); undefined on failure. */
  readonly digest: string | undefined;
  readonly status: number;
  /** Body bytes received. */
  readonly bytes: number;
  /** The response header text (empty when none arrived). */
  readonly headers: string;
  readonly durationMs: number;
  /** Set when the request failed. */
  readonly error?: { readonly reason: ProbeReason; readonly detail: string };
}

/** Fetches one url and hashes its body; never rejects. */
export async function genhash(options: GenhashOptions): Promise<GenhashResult> {
  const family = isIP(options.server) === 6 ? 6 : 4;
  const connection: CheckerConnection = {
    destination: { family, address: options.server, port: options.port },
    bindTo: undefined,
    bindInterface: undefined,
    fwmark: options.fwmark ?? 0,
    connectTimeoutUs: (options.timeoutS ?? GENHASH_DEFAULT_TIMEOUT_S) * 1e6,
  };
  let response: HttpResponse | undefined;
  const request = buildHttpRequest(
    options.url,
    options.protocol ?? '1.0',
    requestHost(options.virtualhost, connection),
  );
  const timeoutMs = Math.max(1, (options.timeoutS ?? GENHASH_DEFAULT_TIMEOUT_S) * 1000);
  const r = await runAttempt({ timeoutMs, signal: options.signal }, (attempt) => {
    fetchHttp(
      attempt,
      {
        connection,
        tls: options.ssl === true,
        sniName: options.sni === true ? options.virtualhost : undefined,
        request,
        computeDigest: true,
        maxBodyBytes: Number.MAX_SAFE_INTEGER,
      },
      (res) => {
        response = res;
        attempt.finish(true, 'ok', 'done');
      },
    );
  });
  if (!r.ok || response === undefined) {
    return { digest: undefined, status: 0, bytes: 0, headers: '', durationMs: r.durationMs,
      error: { reason: r.reason, detail: r.detail } };
  }
  return {
    digest: response.digest,
    status: response.status,
    bytes: response.bytes,
    headers: response.headers,
    durationMs: r.durationMs,
  };
}

export type GenhashArgs =
  | { readonly ok: true; readonly options: GenhashOptions }
  | { readonly ok: false; readonly message: string | undefined };

const LONG: Readonly<Record<string, string>> = {
  '--help': 'h', '--verbose': 'v', '--use-ssl': 'S', '--use-sni': 'I', '--server': 's',
  '--use-virtualhost': 'V', '--port': 'p', '--url': 'u', '--fwmark': 'm', '--protocol': 'P',
  '--timeout': 't',
};
const WITH_ARG = new Set(['s', 'V', 'p', 'u', 'm', 'P', 'r', 't']);

/** Splits argv into (flag, value) pairs the way getopt_long would (bundling included). */
function tokenize(argv: readonly string[]): { flag: string; value: string | undefined; raw: string }[] | string {
  const out: { flag: string; value: string | undefined; raw: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith('--')) {
      const [name = '', inline] = a.split(/=(.*)/s, 2);
      const flag = LONG[name];
      if (flag === undefined) return `Unknown option ${a}`;
      let value: string | undefined;
      if (WITH_ARG.has(flag)) {
        value = inline ?? argv[++i];
        if (value === undefined) return `Missing parameter for option ${name}`;
      }
      out.push({ flag, value, raw: a });
    } else if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const flag = a[k] ?? '';
        if (!'hvSIsVpumPrt'.includes(flag)) return `Unknown option -${flag}`;
        if (!WITH_ARG.has(flag)) {
          out.push({ flag, value: undefined, raw: a });
          continue;
        }
        const value = k + 1 < a.length ? a.slice(k + 1) : argv[++i];
        if (value === undefined) return `Missing parameter for option -${flag}`;
        out.push({ flag, value, raw: a });
        break;
      }
    } else {
      return `Unexpected argument(s): ${argv.slice(i).join(' ')}`;
    }
  }
  return out;
}

/** keepalived's check_genhash_parse_cmdline. */
export function parseGenhashArgs(argv: readonly string[]): GenhashArgs {
  if (argv.length < 2) return { ok: false, message: undefined };
  const tokens = tokenize(argv);
  if (typeof tokens === 'string') return { ok: false, message: tokens };
  const o: { -readonly [K in keyof GenhashOptions]?: GenhashOptions[K] } = {};
  for (const { flag, value = '' } of tokens) {
    switch (flag) {
      case 'h':
        return { ok: false, message: undefined };
      case 'v': o.verbose = true; break;
      case 'S': o.ssl = true; break;
      case 'I': o.sni = true; break;
      case 's':
        if (isIP(value) === 0) return { ok: false, message: `server should be an IP, not ${value}` };
        o.server = value;
        break;
      case 'V': o.virtualhost = value; break;
      case 'p': {
        const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
        if (!(n > 0 && n <= 65535)) return { ok: false, message: `invalid port number '${value}'` };
        o.port = n;
        break;
      }
      case 'u': o.url = value; break;
      case 'm': {
        const t = value.replace(/^[ \t]+/, '');
        if (!/^\d+$/.test(t)) return { ok: false, message: `invalid fwmark '${value}'` };
        o.fwmark = Number(t);
        break;
      }
      case 'P':
      case 'r':
        if (value === '1.0') o.protocol = '1.0';
        else if (value === '1.0c' || value === '1.0C') o.protocol = '1.0C';
        else if (value === '1.1') o.protocol = '1.1';
        else return { ok: false, message: `invalid HTTP protocol version '${value}'` };
        break;
      case 't': {
        const t = value.replace(/^[ \t]+/, '');
        if (!/^\d+$/.test(t)) return { ok: false, message: `invalid timeout '${value}'` };
        o.timeoutS = Number(t);
        break;
      }
    }
  }
  if (o.server === undefined || o.port === undefined || o.url === undefined) return { ok: false, message: undefined };
  return { ok: true, options: { ...o, server: o.server, port: o.port, url: o.url } };
}

/** genhash's usage text (genhash_usage). */
export function genhashUsage(prog: string): string {
  return `Usage: ${prog} COMMAND [OPTIONS]
Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
Either long or short options are allowed.
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                1.0c means 1.0 with 'Connection: close'
   --timeout         -t       Timeout in seconds
`;
}

export interface GenhashIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const DELIM = (title: string): string => `-----------------------[${title}]-----------------------\n`;

/**
 * The whole subcommand: parse, fetch, print. Returns the exit status.
 *
 * @example
 * process.exitCode = await genhashMain(process.argv.slice(3), {
 *   stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s),
 * }, 'keepalived-ts genhash');
 */
export async function genhashMain(argv: readonly string[], io: GenhashIo, prog = 'genhash'): Promise<number> {
  const args = parseGenhashArgs(argv);
  if (!args.ok) {
    if (args.message !== undefined) io.stderr(`${args.message}\n`);
    io.stderr(genhashUsage(prog));
    return 1;
  }
  const r = await genhash(args.options);
  if (args.options.verbose === true && r.headers !== '') {
    io.stdout(DELIM(' HTTP Header Ascii Buffer '));
    io.stdout(`${r.headers}\n`);
  }
  if (r.error !== undefined) {
    if (r.error.reason === 'no_data') io.stderr('no data received from remote webserver\n');
    else io.stdout(`${r.error.reason}: ${r.error.detail}\n`);
  } else {
    if (args.options.verbose === true) io.stdout(`\n${DELIM('    HTML hash resulting    ')}`);
    io.stdout(`${r.digest ?? ''}\n`);
  }
  if (args.options.verbose === true) {
    io.stdout(`\nGlobal response time for [${args.options.url}] = ${Math.round(r.durationMs * 1000)} usecs\n`);
  }
  return 0;
}
