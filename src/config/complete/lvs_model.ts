/**
 * The immutable LVS model assembled from the completed drafts (what survived
 * validate_check_config() and the script security pass).
 */
import type { ScriptCommand } from '../script.js';
import type {
  Checker,
  Forwarding,
  LvsConfig,
  RealServer,
  SocketAddress,
  VirtualServer,
} from '../model/lvs.js';
import type {
  AddressDraft,
  FileCheckDraft,
  ForwardingDraft,
  LvsDraft,
  RealServerDraft,
  VirtualServerDraft,
} from '../keywords/lvs_draft.js';
import type { ResolvedCheckers, UsableScripts } from './lvs_checkers.js';

function socket(a: AddressDraft): SocketAddress {
  return { family: a.family, address: a.address, port: a.port };
}

function forwardingModel(f: ForwardingDraft): Forwarding | undefined {
  if (f.method === undefined) return undefined;
  return {
    method: f.method,
    tunnelType: f.tunnelType,
    tunnelPort: f.tunnelPort,
    tunnelChecksum: f.tunnelChecksum,
  };
}

const NAT: Forwarding = {
  method: 'NAT',
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelChecksum: 'nocsum',
};

function fileModel(f: FileCheckDraft): Checker {
  return {
    type: 'FILE_CHECK',
    at: f.at,
    trackFile: f.trackFile ?? '',
    weight: f.weight,
    reverse: f.reverse,
  };
}

/** The real server's checkers in written order, insecure MISC_CHECKs left out. */
function realServerCheckers(
  rs: RealServerDraft,
  resolved: ResolvedCheckers,
  usable: UsableScripts,
): Checker[] {
  const ordered: { seq: number; checker: Checker }[] = [];
  for (const ch of rs.checkers) {
    const model = resolved.get(ch);
    if (model === undefined) continue;
    if (model.type === 'MISC_CHECK') {
      const script = usable.get(model.script);
      if (script !== undefined) ordered.push({ seq: ch.seq, checker: { ...model, script } });
      continue;
    }
    ordered.push({ seq: ch.seq, checker: model });
  }
  if (rs.fileChecks.length > 0) {
    for (const f of rs.fileChecks) ordered.push({ seq: f.seq, checker: fileModel(f) });
    ordered.sort((a, b) => a.seq - b.seq);
  }
  return ordered.map((o) => o.checker);
}

function keepUsable(
  usable: UsableScripts,
  s: ScriptCommand | undefined,
): ScriptCommand | undefined {
  return s === undefined ? undefined : usable.get(s);
}

function realServerModel(
  rs: RealServerDraft,
  resolved: ResolvedCheckers,
  usable: UsableScripts,
): RealServer {
  return {
    at: rs.at,
    address: socket(rs.address),
    protocol: rs.vs.protocol,
    weight: rs.weight ?? rs.vs.weight,
    forwarding: forwardingModel(rs.forwarding) ?? NAT,
    alpha: rs.alpha ?? false,
    inhibitOnFailure: rs.inhibit ?? false,
    connectTimeoutUs: rs.connectTimeoutUs ?? rs.vs.connectTimeoutUs,
    delayLoopUs: rs.delayLoopUs ?? rs.vs.delayLoopUs,
    retry: rs.retry,
    delayBeforeRetryUs: rs.delayBeforeRetryUs,
    warmupUs: rs.warmupUs,
    upperThreshold: rs.upperThreshold,
    lowerThreshold: rs.lowerThreshold,
    smtpAlert: rs.smtpAlert ?? true,
    virtualhost: rs.virtualhost,
    notifyUp: keepUsable(usable, rs.notifyUp),
    notifyDown: keepUsable(usable, rs.notifyDown),
    checkers: realServerCheckers(rs, resolved, usable),
    unimplemented: [...rs.raw],
  };
}

function keyModel(vs: VirtualServerDraft): VirtualServer['key'] {
  const key = vs.key;
  if (key.kind === 'address') return { kind: 'address', address: socket(key.address) };
  if (key.kind === 'fwmark') return { kind: 'fwmark', fwmark: key.fwmark };
  return { kind: 'group', group: key.group, memberIndex: vs.memberIndex };
}

function sorryModel(vs: VirtualServerDraft): VirtualServer['sorryServer'] {
  const sorry = vs.sorry;
  if (sorry === undefined) return undefined;
  return {
    at: sorry.at,
    address: socket(sorry.address),
    forwarding: forwardingModel(sorry.forwarding) ?? NAT,
    inhibitOnFailure: sorry.inhibit,
    duplicatesRealServer: sorry.duplicatesRealServer,
  };
}

function virtualServerModel(
  vs: VirtualServerDraft,
  resolved: ResolvedCheckers,
  usable: UsableScripts,
): VirtualServer {
  return {
    at: vs.at,
    key: keyModel(vs),
    family: vs.family,
    protocol: vs.protocol,
    scheduler: vs.scheduler ?? 'wlc',
    schedulerFlags: { ...vs.flags },
    forwarding: forwardingModel(vs.forwarding),
    persistenceTimeoutS: vs.persistenceTimeoutS,
    persistenceGranularity: vs.persistenceGranularity,
    persistenceEngine: vs.persistenceEngine,
    delayLoopUs: vs.delayLoopUs,
    connectTimeoutUs: vs.connectTimeoutUs,
    retry: vs.retry,
    delayBeforeRetryUs: vs.delayBeforeRetryUs,
    warmupUs: vs.warmupUs,
    weight: vs.weight,
    inhibitOnFailure: vs.inhibit,
    alpha: vs.alpha,
    omega: vs.omega,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    quorumUp: keepUsable(usable, vs.quorumUp),
    quorumDown: keepUsable(usable, vs.quorumDown),
    haSuspend: vs.haSuspend,
    smtpAlert: vs.smtpAlert ?? false,
    virtualhost: vs.virtualhost,
    sorryServer: sorryModel(vs),
    realServers: vs.realServers.map((rs) => realServerModel(rs, resolved, usable)),
    unimplemented: [...vs.raw],
  };
}

/** The immutable model of what survived. */
export function buildLvsModel(
  lvs: LvsDraft,
  resolved: ResolvedCheckers,
  usable: UsableScripts,
): LvsConfig {
  const ssl = lvs.ssl;
  return {
    ssl:
      ssl === undefined
        ? undefined
        : {
            at: ssl.at,
            password: ssl.password,
            caFile: ssl.caFile,
            certificateFile: ssl.certificateFile,
            keyFile: ssl.keyFile,
          },
    sslRequired: lvs.sslRequired,
    virtualServerGroups: lvs.groups.map((g) => ({
      at: g.at,
      name: g.name,
      entries: [...g.entries],
      hasIpv4: g.hasIpv4,
      hasIpv6: g.hasIpv6,
    })),
    virtualServers: lvs.virtualServers.map((vs) => virtualServerModel(vs, resolved, usable)),
  };
}
