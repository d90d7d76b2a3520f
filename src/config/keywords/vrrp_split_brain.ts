/**
 * keepalived-ts split-brain keywords (model/split_brain.ts, docs/split-brain.md). None of
 * them exists in keepalived: a file that uses them is no longer a keepalived config, and a
 * file that does not use them is read exactly as before.
 *
 * Messages follow keepalived's style ("(VI_1) …  - ignoring") so they read like the rest.
 */
import { formatIp, parseIp } from '../../lib/ip.js';
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readScriptCommand } from '../script.js';
import { readDecimal, readUnsigned } from '../values.js';
import { inetAddressPart } from './global_defs.js';
import type { Ctx, KeywordDef } from './global_values.js';
import { keepalivedCrash } from './vrrp_current.js';
import { currentInstance, onInstance } from './vrrp_current.js';
import type { ArbiterDraft, HeartbeatPathDraft, InstanceDraft } from './vrrp_draft.js';

/** Seconds with millisecond resolution, as µs; undefined (reported) when invalid. */
function readSecondsUs(ctx: Ctx, text: string, minMs: number, maxMs: number): number | undefined {
  const ms = readDecimal(ctx, text, { min: minMs, max: maxMs, shift: 3 });
  return ms === undefined ? undefined : ms * 1000;
}

// ---- heartbeat_path (inside vrrp_instance) ------------------------------------------

function currentPath(ctx: Ctx): { vi: InstanceDraft; path: HeartbeatPathDraft } {
  const vi = currentInstance(ctx);
  const path = vi.splitBrain.paths.at(-1);
  return path === undefined ? keepalivedCrash(ctx, 'a heartbeat_path keyword outside heartbeat_path') : { vi, path };
}

function onPath(name: string, fn: (vi: InstanceDraft, p: HeartbeatPathDraft, words: readonly string[], ctx: Ctx) => void): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      const { vi, path } = currentPath(ctx);
      fn(vi, path, words, ctx);
    },
  };
}

function pathAddress(vi: InstanceDraft, ctx: Ctx, text: string, what: string): { address: string; family: 4 | 6 } | undefined {
  const ip = inetAddressPart(text);
  if (ip === undefined) {
    ctx.report('general_error', 'invalid_address', `(${vi.name}) heartbeat_path: invalid ${what} '${text}' - ignoring`);
    return undefined;
  }
  return { address: formatIp(ip), family: ip.family };
}

const pathSource = (name: string): KeywordDef =>
  onPath(name, (vi, p, words, ctx) => {
    const a = pathAddress(vi, ctx, ctx.word(words, 1), 'source address');
    if (a !== undefined) p.sourceAddress = a;
  });

const pathTable = keywordTable<ConfigDraft>([
  onPath('interface', (vi, p, words, ctx) => {
    const name = ctx.word(words, 1);
    if (name.length === 0 || name.length >= 16) {
      ctx.report('general_error', 'invalid_interface', `(${vi.name}) heartbeat_path: invalid interface name '${name}' - ignoring`);
      return;
    }
    p.interfaceName = name;
  }),
  pathSource('unicast_src_ip'),
  pathSource('mcast_src_ip'),
  onPath('unicast_peer', (vi, p, words, ctx) => {
    ctx.readValueBlock(words, (line) => {
      const a = pathAddress(vi, ctx, line[0] ?? '', 'unicast peer');
      if (a !== undefined) p.unicastPeers.push(a);
    });
  }),
]);

const heartbeatPath: KeywordDef = {
  name: 'heartbeat_path',
  handler: (_words, ctx) => {
    currentInstance(ctx).splitBrain.paths.push({ at: ctx.at, interfaceName: undefined, sourceAddress: undefined, unicastPeers: [] });
  },
  sub: pathTable,
};

// ---- instance keywords --------------------------------------------------------------

const arbiterRef = onInstance('arbiter', (vi, words, ctx) => {
  const name = ctx.word(words, 1);
  if (name.length === 0) return;
  if (vi.splitBrain.arbiter !== undefined) {
    ctx.report('general_error', 'duplicate', `(${vi.name}) arbiter already specified - ignoring ${name}`);
    return;
  }
  vi.splitBrain.arbiter = { name, at: ctx.at };
});

const fenceScript = onInstance('fence_script', (vi, words, ctx) => {
  if (vi.splitBrain.fenceScript !== undefined) {
    ctx.report('general_error', 'duplicate_script', `(${vi.name}) fence_script already specified - ignoring ${ctx.word(words, 1)}`);
    return;
  }
  vi.splitBrain.fenceScript = readScriptCommand(ctx, words, 1);
});

const fenceTimeout = onInstance('fence_timeout', (vi, words, ctx) => {
  const us = readSecondsUs(ctx, ctx.word(words, 1), 1, 3_600_000);
  if (us === undefined) {
    ctx.report('general_error', 'invalid_value', `(${vi.name}) fence_timeout '${words[1] ?? ''}' invalid - ignoring`);
    return;
  }
  vi.splitBrain.fenceTimeoutUs = us;
});

const notifySplitBrain = onInstance('notify_split_brain', (vi, words, ctx) => {
  if (vi.splitBrain.notifySplitBrain !== undefined) {
    ctx.report('general_error', 'duplicate_script', `(${vi.name}) notify_split_brain script already specified - ignoring ${ctx.word(words, 1)}`);
    return;
  }
  vi.splitBrain.notifySplitBrain = readScriptCommand(ctx, words, 1);
});

/** keepalived-ts keywords inside vrrp_instance. */
export const instanceSplitBrainKeywords: readonly KeywordDef[] = [heartbeatPath, arbiterRef, fenceScript, fenceTimeout, notifySplitBrain];

// ---- vrrp_arbiter (top level) -------------------------------------------------------

function currentArbiter(ctx: Ctx): ArbiterDraft {
  return ctx.state.vrrp.arbiters.at(-1) ?? keepalivedCrash(ctx, 'a vrrp_arbiter keyword with no vrrp_arbiter');
}

function onArbiter(name: string, fn: (a: ArbiterDraft, words: readonly string[], ctx: Ctx) => void): KeywordDef {
  return { name, handler: (words, ctx) => fn(currentArbiter(ctx), words, ctx) };
}

function arbiterSeconds(name: 'interval' | 'timeout', minMs: number): KeywordDef {
  return onArbiter(name, (a, words, ctx) => {
    const us = readSecondsUs(ctx, ctx.word(words, 1), minMs, 3_600_000);
    if (us === undefined) {
      ctx.report('general_error', 'invalid_value', `vrrp_arbiter ${a.name}: ${name} '${words[1] ?? ''}' invalid - ignoring`);
      return;
    }
    if (name === 'interval') a.intervalUs = us;
    else a.timeoutUs = us;
  });
}

function arbiterCount(name: 'rise' | 'fall'): KeywordDef {
  return onArbiter(name, (a, words, ctx) => {
    const v = readUnsigned(ctx, ctx.word(words, 1), 1, 1000);
    if (v === undefined) {
      ctx.report('general_error', 'invalid_value', `vrrp_arbiter ${a.name}: ${name} '${words[1] ?? ''}' invalid - ignoring`);
      return;
    }
    if (name === 'rise') a.rise = v;
    else a.fall = v;
  });
}

const reference = onArbiter('reference', (a, words, ctx) => {
  const text = ctx.word(words, 1);
  const ip = parseIp(text);
  if (ip === undefined) {
    ctx.report('general_error', 'invalid_address', `vrrp_arbiter ${a.name}: invalid reference address '${text}' - ignoring`);
    return;
  }
  let tcpPort: number | undefined;
  const opt = words[2];
  if (opt !== undefined) {
    const port = opt === 'port' ? readUnsigned(ctx, words[3] ?? '', 1, 65535) : undefined;
    if (port === undefined) {
      ctx.report('general_error', 'invalid_value', `vrrp_arbiter ${a.name}: reference ${text}: expected 'port 1-65535' - ignoring`);
      return;
    }
    tcpPort = port;
  }
  a.references.push({ address: formatIp(ip), family: ip.family, tcpPort });
});

const etcdEndpoint = onArbiter('etcd_endpoint', (a, words, ctx) => {
  for (const url of words.slice(1)) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) {
      ctx.report('general_error', 'invalid_value', `vrrp_arbiter ${a.name}: etcd_endpoint '${url}' must be http://HOST:PORT - ignoring`);
      continue;
    }
    a.endpoints.push(url.replace(/\/$/, ''));
  }
});

const arbiterTable = keywordTable<ConfigDraft>([
  reference,
  arbiterSeconds('interval', 10),
  arbiterSeconds('timeout', 1),
  arbiterCount('rise'),
  arbiterCount('fall'),
  etcdEndpoint,
  onArbiter('etcd_key_prefix', (a, words, ctx) => {
    a.keyPrefix = ctx.word(words, 1);
  }),
  onArbiter('etcd_lease_ttl', (a, words, ctx) => {
    // etcd leases are whole seconds.
    const v = readUnsigned(ctx, ctx.word(words, 1), 1, 3600);
    if (v === undefined) {
      ctx.report('general_error', 'invalid_value', `vrrp_arbiter ${a.name}: etcd_lease_ttl '${words[1] ?? ''}' must be 1-3600 seconds - ignoring`);
      return;
    }
    a.leaseTtlS = v;
  }),
  onArbiter('node_id', (a, words, ctx) => {
    a.nodeId = ctx.word(words, 1);
  }),
  onArbiter('unreachable', (a, words, ctx) => {
    const v = ctx.word(words, 1);
    if (v !== 'fail_closed' && v !== 'fail_open') {
      ctx.report('general_error', 'invalid_value', `vrrp_arbiter ${a.name}: unreachable '${v}' must be fail_closed or fail_open - ignoring`);
      return;
    }
    a.unreachable = v;
  }),
]);

function vrrpArbiter(words: readonly string[], ctx: Ctx): void {
  const name = words[1];
  if (words.length !== 2 || name === undefined) {
    ctx.report('general_error', 'missing_name', 'vrrp_arbiter must have a name');
    ctx.skipBlock(true);
    return;
  }
  if (ctx.state.vrrp.arbiters.some((a) => a.name === name)) {
    ctx.report('general_error', 'duplicate', `vrrp_arbiter ${name} already defined - ignoring`);
    ctx.skipBlock(true);
    return;
  }
  ctx.state.vrrp.arbiters.push({
    name,
    at: ctx.at,
    references: [],
    intervalUs: undefined,
    timeoutUs: undefined,
    fall: undefined,
    rise: undefined,
    endpoints: [],
    keyPrefix: undefined,
    leaseTtlS: undefined,
    nodeId: undefined,
    unreachable: undefined,
  });
}

export const vrrpArbiterKeyword: KeywordDef = { name: 'vrrp_arbiter', handler: vrrpArbiter, sub: arbiterTable };
