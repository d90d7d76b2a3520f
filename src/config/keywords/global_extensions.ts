/**
 * keepalived-ts's own `global_defs` keywords (not keepalived's: `keepalived -t` reports
 * them as unknown keywords; docs/configuration.md "keepalived-ts extensions").
 *
 * `status_listen [ADDRESS] PORT`: serve /metrics, /status and the dashboard over HTTP
 * from the parent process (daemon/status/), on ADDRESS (default 127.0.0.1).
 */
import { formatIp, parseIp } from '../../lib/ip.js';
import { readUnsigned } from '../values.js';
import type { Ctx, KeywordDef } from './global_values.js';

/** Where status_listen binds when only a port is written. */
export const STATUS_LISTEN_DEFAULT_HOST = '127.0.0.1';

/** An address as written (`::1` or `[::1]`), canonical; undefined when not an IP address. */
function listenAddress(text: string): string | undefined {
  const bare = /^\[(.*)\]$/.exec(text)?.[1] ?? text;
  const ip = parseIp(bare);
  return ip === undefined ? undefined : formatIp(ip);
}

function statusListen(words: readonly string[], ctx: Ctx): void {
  const g = ctx.state.global;
  if (g.statusListen !== undefined) {
    ctx.report('general_error', 'duplicate', 'Duplicate status_listen definition - ignoring');
    return;
  }
  const args = words.slice(1);
  if (args.length === 0 || args.length > 2) {
    ctx.report('general_error', 'invalid_value', 'status_listen needs [ADDRESS] PORT - ignoring');
    return;
  }
  const hostText = args.length === 2 ? (args[0] ?? '') : undefined;
  const host = hostText === undefined ? STATUS_LISTEN_DEFAULT_HOST : listenAddress(hostText);
  if (host === undefined) {
    ctx.report('general_error', 'invalid_value', `status_listen: invalid address '${hostText ?? ''}' - ignoring`);
    return;
  }
  const port = readUnsigned(ctx, args[args.length - 1] ?? '', 1, 65535);
  if (port === undefined) {
    ctx.report('general_error', 'invalid_value', 'status_listen: invalid port - ignoring');
    return;
  }
  g.statusListen = { host, port, at: ctx.at };
}

export const globalExtensionKeywords: readonly KeywordDef[] = [{ name: 'status_listen', handler: statusListen }];
