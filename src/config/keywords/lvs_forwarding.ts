/**
 * `lb_kind` / `lvs_method` / `sorry_server_lvs_method`:
 * `NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`
 * (check_parser.c svr_forwarding_handler, built with IPVS_TUN_TYPE/CSUM/GRE as Debian's
 * 2.2.7 is).
 */
import { readUnsigned } from '../values.js';
import type { ForwardingMethod, TunnelChecksum, TunnelType } from '../model/lvs.js';
import type { ForwardingDraft } from './lvs_draft.js';
import type { Ctx } from './lvs_values.js';

const METHODS: ReadonlySet<string> = new Set(['NAT', 'DR', 'TUN']);
const TUNNEL_TYPES: ReadonlySet<string> = new Set(['ipip', 'gue', 'gre']);
const CHECKSUMS: ReadonlySet<string> = new Set(['nocsum', 'csum', 'remcsum']);

interface TunnelOptions {
  type: TunnelType;
  port: number;
  checksum: TunnelChecksum;
}

/** Reads the words after the method; undefined (reported) on the first bad option. */
function readTunnelOptions(
  ctx: Ctx,
  words: readonly string[],
  server: string,
): TunnelOptions | undefined {
  const options: TunnelOptions = { type: 'ipip', port: 0, checksum: 'nocsum' };
  for (let i = 2; i < words.length; i++) {
    const w = words[i] ?? '';
    const next = words[i + 1];
    if (w === 'type') {
      if (next === undefined) {
        ctx.report(
          'general_error',
          'tunnel_type_missing',
          `Missing tunnel type for ${server} server.`,
        );
        return undefined;
      }
      if (!TUNNEL_TYPES.has(next)) {
        ctx.report(
          'general_error',
          'tunnel_type_unknown',
          `Unknown tunnel type ${next} for ${server} server.`,
        );
        return undefined;
      }
      options.type = next as TunnelType;
      i++;
    } else if (w === 'port') {
      if (next === undefined) {
        ctx.report(
          'general_error',
          'tunnel_port_missing',
          `Missing port for ${server} server gue tunnel.`,
        );
        return undefined;
      }
      const port = readUnsigned(ctx, next, 1, 65535);
      if (port === undefined) {
        ctx.report(
          'general_error',
          'tunnel_port_invalid',
          `Invalid gue tunnel port ${next} for ${server} server.`,
        );
        return undefined;
      }
      options.port = port;
      i++;
    } else if (CHECKSUMS.has(w)) {
      options.checksum = w as TunnelChecksum;
    } else {
      ctx.report(
        'general_error',
        'tunnel_option',
        `Invalid tunnel option ${w} for ${server} server.`,
      );
      return undefined;
    }
  }
  return options;
}

function tunnelOptionsValid(ctx: Ctx, o: TunnelOptions): boolean {
  if ((o.type === 'gue') !== (o.port !== 0)) {
    ctx.report(
      'general_error',
      'tunnel_gue_port',
      'gue tunnels require port, otherwise cannot have port.',
    );
    return false;
  }
  if (o.type === 'ipip' && o.checksum !== 'nocsum') {
    ctx.report('general_error', 'tunnel_ipip_csum', 'ipip tunnels do not support checksum option.');
    return false;
  }
  if (o.type === 'gre' && o.checksum === 'remcsum') {
    ctx.report(
      'general_error',
      'tunnel_gre_remcsum',
      'gre tunnels do not support remote checksum option.',
    );
    return false;
  }
  return true;
}

/**
 * Applies a forwarding line to `target`. keepalived sets the method before it looks at
 * the tunnel options, so a bad option keeps the new method and the old tunnel settings.
 */
export function readForwarding(
  ctx: Ctx,
  words: readonly string[],
  target: ForwardingDraft,
  server: 'virtual' | 'real' | 'sorry',
): void {
  const method = ctx.word(words, 1);
  if (!METHODS.has(method)) {
    ctx.report(
      'general_error',
      'forwarding_unknown',
      `PARSER : unknown [${method}] routing method for ${server} server.`,
    );
    return;
  }
  target.method = method as ForwardingMethod;
  const options = readTunnelOptions(ctx, words, server);
  if (options === undefined || !tunnelOptionsValid(ctx, options)) return;
  target.tunnelType = options.type;
  target.tunnelPort = options.port;
  target.tunnelChecksum = options.checksum;
}
