/**
 * From the resolved LVS configuration to what the checker engine runs: one entry per
 * checker of every real server of every virtual server (in keepalived's checkers_queue
 * order), the per-virtual-server contexts for notifications, and the kernel services
 * each virtual server stands for (a virtual_server_group expands to its members).
 */
import type { GlobalDefs } from '../config/model/global.js';
import type {
  Checker,
  LvsConfig,
  RealServer,
  VirtualServer,
  VirtualServerGroup,
} from '../config/model/lvs.js';
import { formatRealServer, formatVirtualServer, formatAddressTrio } from '../config/model/lvs_format.js';
import type { ServiceKey } from '../lvs/desired.js';
import { formatIp, parseIp } from '../lib/ip.js';
import type { CheckerParams } from './checker_state.js';
import type { TimedCheckerType } from './checker_text.js';
import type { NotifyContext, VirtualServerContext } from './virtual_server_state.js';

/** One checker as the engine schedules it. */
export interface PlannedChecker {
  /** Index in CheckPlan.checkers: the id the shell uses for probes and events. */
  readonly id: number;
  readonly virtualServer: number;
  readonly realServer: number;
  readonly config: Checker;
  /** undefined for FILE_CHECK and BFD_CHECK, which follow a tracker instead of a timer. */
  readonly params: CheckerParams | undefined;
  /** FILE_CHECK / BFD_CHECK: start failed (BFD alpha). */
  readonly startsFailed: boolean;
}

export interface PlannedVirtualServer {
  readonly config: VirtualServer;
  readonly context: VirtualServerContext;
  /** The kernel services: one, or one per member address/fwmark of a group. */
  readonly services: readonly ServiceKey[];
}

export interface CheckPlan {
  readonly virtualServers: readonly PlannedVirtualServer[];
  readonly checkers: readonly PlannedChecker[];
  readonly notify: NotifyContext;
}

function timedParams(
  c: Exclude<Checker, { type: 'FILE_CHECK' } | { type: 'BFD_CHECK' }>,
  rs: RealServer,
  texts: { readonly rsText: string; readonly vsText: string },
): CheckerParams {
  const type: TimedCheckerType = c.type;
  const isMisc = c.type === 'MISC_CHECK';
  return {
    type,
    rsText: texts.rsText,
    vsText: texts.vsText,
    retry: c.retry,
    delayLoopUs: c.delayLoopUs,
    delayBeforeRetryUs: c.delayBeforeRetryUs,
    warmupUs: c.warmupUs,
    alpha: c.alpha,
    logAllFailures: c.logAllFailures,
    probeTimeoutUs: isMisc ? c.timeoutUs : c.connection.connectTimeoutUs,
    miscDynamic: isMisc ? c.dynamic : false,
    miscScript: isMisc ? (c.script.argv[0] ?? c.script.text) : '',
    rsWeight: rs.weight,
    ...(c.type === 'HTTP_GET' || c.type === 'SSL_GET'
      ? {
          httpUrls: c.urls.map((u) => ({
            path: u.path,
            passText: u.regex !== undefined ? 'Regex match' : u.digest !== undefined ? 'MD5 digest' : 'HTTP status code',
          } as const)),
          fastRecovery: c.fastRecovery,
        }
      : {}),
  };
}

function realServerContext(rs: RealServer): VirtualServerContext['realServers'][number] {
  return {
    text: formatRealServer(rs),
    weight: rs.weight,
    inhibitOnFailure: rs.inhibitOnFailure,
    smtpAlert: rs.smtpAlert,
    notifyUp: rs.notifyUp,
    notifyDown: rs.notifyDown,
  };
}

export function virtualServerContext(vs: VirtualServer): VirtualServerContext {
  const ss = vs.sorryServer;
  return {
    text: formatVirtualServer(vs),
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    omega: vs.omega,
    smtpAlert: vs.smtpAlert,
    quorumUp: vs.quorumUp,
    quorumDown: vs.quorumDown,
    realServers: vs.realServers.map(realServerContext),
    sorryServer:
      ss === undefined
        ? undefined
        : { text: formatAddressTrio(ss.address, vs.protocol), inhibitOnFailure: ss.inhibitOnFailure },
  };
}

/** Addresses first..last varying the last octet (IPv4) or last 16 bits (IPv6), as keepalived. */
function expandRange(family: 4 | 6, first: string, last: string): string[] {
  const a = parseIp(first);
  const b = parseIp(last);
  if (a === undefined || b === undefined) return [first];
  const n = a.bytes.length;
  const lo = family === 4 ? (a.bytes[n - 1] ?? 0) : ((a.bytes[n - 2] ?? 0) << 8) | (a.bytes[n - 1] ?? 0);
  const hi = family === 4 ? (b.bytes[n - 1] ?? 0) : ((b.bytes[n - 2] ?? 0) << 8) | (b.bytes[n - 1] ?? 0);
  const out: string[] = [];
  for (let v = lo; v <= Math.max(lo, hi); v++) {
    const bytes = Uint8Array.from(a.bytes);
    if (family === 4) bytes[n - 1] = v;
    else {
      bytes[n - 2] = v >> 8;
      bytes[n - 1] = v & 0xff;
    }
    out.push(formatIp({ family, bytes }));
  }
  return out;
}

function groupServices(vs: VirtualServer, group: VirtualServerGroup | undefined): ServiceKey[] {
  if (group === undefined) return [];
  const out: ServiceKey[] = [];
  const protocol = vs.protocol ?? 'udp';
  for (const e of group.entries) {
    if (e.kind === 'fwmark') {
      out.push({ kind: 'fwmark', family: e.family ?? vs.family ?? 4, fwmark: e.fwmark });
      continue;
    }
    for (const address of expandRange(e.family, e.first, e.last)) {
      out.push({ kind: 'address', family: e.family, protocol, address, port: e.port });
    }
  }
  return out;
}

/** The kernel services of one virtual server. */
export function servicesOf(vs: VirtualServer, groups: readonly VirtualServerGroup[]): ServiceKey[] {
  const key = vs.key;
  switch (key.kind) {
    case 'address':
      return [
        {
          kind: 'address',
          family: key.address.family,
          // keepalived-compat: a VS without `protocol` defaults to UDP (check_data.c).
          protocol: vs.protocol ?? 'udp',
          address: key.address.address,
          port: key.address.port,
        },
      ];
    case 'fwmark':
      return [{ kind: 'fwmark', family: vs.family ?? 4, fwmark: key.fwmark }];
    case 'group':
      return groupServices(vs, groups.find((g) => g.name === key.group));
  }
}

/** Everything the engine needs, from the configuration. */
export function planChecks(lvs: LvsConfig, globals: GlobalDefs): CheckPlan {
  const checkers: PlannedChecker[] = [];
  const virtualServers = lvs.virtualServers.map((vs, v) => {
    const context = virtualServerContext(vs);
    vs.realServers.forEach((rs, r) => {
      const texts = { rsText: formatRealServer(rs), vsText: context.text };
      for (const c of rs.checkers) {
        const timed = c.type !== 'FILE_CHECK' && c.type !== 'BFD_CHECK';
        checkers.push({
          id: checkers.length,
          virtualServer: v,
          realServer: r,
          config: c,
          params: timed ? timedParams(c, rs, texts) : undefined,
          startsFailed: c.type === 'BFD_CHECK' ? c.alpha : false,
        });
      }
    });
    return { config: vs, context, services: servicesOf(vs, lvs.virtualServerGroups) };
  });
  return {
    virtualServers,
    checkers,
    notify: {
      routerId: globals.routerId,
      smtpEnabled: globals.notificationEmails.length > 0 && globals.smtpServer !== undefined,
      noCheckerEmails: globals.noCheckerEmails,
      rsInitNotifies: globals.rsInitNotifies,
    },
  };
}
