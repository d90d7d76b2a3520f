/**
 * The checker part of keepalived 2.2.7's validate_check_config() (each queued checker takes
 * its unset timings from its real server, then from its type's defaults) and the checker
 * process's script security pass (check_check_script_security).
 */
import type { ConfigDraft } from '../draft.js';
import type { SourceLocation } from '../diagnostics.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import { checkScriptSecurity, type ScriptCommand } from '../script.js';
import type {
  Checker,
  CheckerConnection,
  CheckerTiming,
  HttpStatusRange,
  HttpUrl,
} from '../model/lvs.js';
import type {
  CheckerDraft,
  ConnectionDraft,
  LvsDraft,
  RealServerDraft,
  UrlDraft,
} from '../keywords/lvs_draft.js';
import type { CheckerGlobals } from './lvs_text.js';

type Ctx = ParseContext<ConfigDraft>;

/** The checkers of kept real servers, each with its model (in queue order). */
export type ResolvedCheckers = ReadonlyMap<CheckerDraft, Checker>;

function connectionModel(c: ConnectionDraft, rs: RealServerDraft): CheckerConnection {
  return {
    destination:
      c.destination === undefined ? undefined : { ...c.destination, port: c.destinationPort },
    bindTo: c.bindTo === undefined ? undefined : { ...c.bindTo, port: c.bindPort },
    bindInterface: c.bindInterface,
    fwmark: c.fwmark,
    connectTimeoutUs: c.connectTimeoutUs ?? rs.connectTimeoutUs ?? 0,
  };
}

/**
 * check_data.c: a checker's unset values come from its real server, then its defaults.
 * One flat object (built once, then spread into the checker) keeps the hot path cheap.
 */
type TimedCommon = CheckerTiming & { at: SourceLocation; alpha: boolean };

function timing(ch: CheckerDraft, globals: CheckerGlobals): TimedCommon {
  const rs = ch.rs;
  const delayLoopUs = ch.delayLoopUs ?? rs.delayLoopUs ?? rs.vs.delayLoopUs;
  return {
    at: ch.at,
    alpha: ch.alpha ?? rs.alpha ?? false,
    delayLoopUs,
    warmupUs: ch.warmupUs ?? rs.warmupUs ?? delayLoopUs,
    retry: ch.retry ?? rs.retry ?? ch.defaultRetry,
    delayBeforeRetryUs:
      ch.delayBeforeRetryUs ??
      rs.delayBeforeRetryUs ??
      (ch.defaultDelayBeforeRetryUs || delayLoopUs),
    logAllFailures: ch.logAllFailures || globals.checkerLogAllFailures,
  };
}

/** Accepted status codes as sorted, merged ranges (keepalived keeps a bit per code). */
function statusRanges(ranges: readonly HttpStatusRange[]): HttpStatusRange[] {
  const sorted = [...ranges].sort((a, b) => a.min - b.min);
  const out: { min: number; max: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.min <= last.max + 1) last.max = Math.max(last.max, r.max);
    else out.push({ min: r.min, max: r.max });
  }
  return out;
}

function urlModel(u: UrlDraft): HttpUrl {
  return {
    at: u.at,
    path: u.path ?? '',
    digest: u.digest,
    statusCodes: statusRanges(u.statusCodes),
    virtualhost: u.virtualhost,
    regex:
      u.regexPattern === undefined
        ? undefined
        : {
            pattern: u.regexPattern,
            options: [...u.regexOptions],
            noMatch: u.regexNoMatch,
            minOffset: u.regexMinOffset,
            maxOffsetExclusive: u.regexMaxOffsetExclusive,
          },
    unimplemented: [...u.raw],
  };
}

function checkerModel(ch: CheckerDraft, globals: CheckerGlobals): Checker | undefined {
  const rs = ch.rs;
  const spec = ch.spec;
  if (spec.type === 'BFD_CHECK') {
    const alpha = ch.alpha ?? rs.alpha ?? false;
    return { type: 'BFD_CHECK', at: ch.at, alpha, name: spec.name ?? '' };
  }
  const t = timing(ch, globals);
  if (spec.type === 'MISC_CHECK') {
    if (spec.script === undefined) return undefined;
    const script = spec.user === undefined ? spec.script : { ...spec.script, ...spec.user };
    const timeoutUs = spec.timeoutUs || rs.vs.delayLoopUs;
    return { type: 'MISC_CHECK', ...t, script, timeoutUs, dynamic: spec.dynamic };
  }
  if (ch.connection === undefined) return undefined;
  const connection = connectionModel(ch.connection, rs);
  switch (spec.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      return { type: spec.type, ...t, connection };
    case 'HTTP_GET':
    case 'SSL_GET':
      return {
        type: spec.type,
        ...t,
        connection,
        virtualhost: spec.virtualhost ?? rs.virtualhost ?? rs.vs.virtualhost,
        httpProtocol: spec.httpProtocol,
        enableSni: spec.enableSni,
        fastRecovery: spec.fastRecovery,
        urls: spec.urls.map(urlModel),
      };
    case 'SMTP_CHECK':
      return { type: 'SMTP_CHECK', ...t, connection, heloName: spec.heloName ?? '' };
    case 'DNS_CHECK':
      return {
        type: 'DNS_CHECK',
        ...t,
        connection,
        queryType: spec.queryType,
        name: spec.name ?? '',
      };
    case 'UDP_CHECK':
      return {
        type: 'UDP_CHECK',
        ...t,
        connection,
        payloadHex: spec.payloadHex,
        requireReply: spec.requireReply,
        replyHex: spec.replyHex,
        replyMaskHex: spec.replyMaskHex,
        minReplyLength: spec.minReplyLength,
        maxReplyLength: spec.maxReplyLength,
      };
  }
}

/** The checkers of the real servers that survived completion, resolved. */
export function resolveCheckers(lvs: LvsDraft, globals: CheckerGlobals): ResolvedCheckers {
  const alive = new Set<RealServerDraft>();
  for (const vs of lvs.virtualServers) for (const rs of vs.realServers) alive.add(rs);
  const out = new Map<CheckerDraft, Checker>();
  for (const ch of lvs.checkerQueue) {
    if (!alive.has(ch.rs)) continue;
    const model = checkerModel(ch, globals);
    if (model !== undefined) out.set(ch, model);
  }
  return out;
}

/** The scripts that may run: each configured script mapped to its checked version. */
export type UsableScripts = ReadonlyMap<ScriptCommand, ScriptCommand>;

function sameScript(a: ScriptCommand, b: ScriptCommand): boolean {
  return a.at.file === b.at.file && a.at.line === b.at.line && a.text === b.text;
}

/**
 * check_data.c check_check_script_security(): only when some virtual server is left; the
 * MISC_CHECK scripts first, then each service's quorum scripts and its real servers'
 * notify scripts, then the global notify FIFO scripts. The security pass returns the
 * usable scripts, in order, as new objects (argv[0] resolved, uid/gid set): they are
 * matched back to what was configured.
 */
export function secureScripts(
  ctx: Ctx,
  lvs: LvsDraft,
  resolved: ResolvedCheckers,
  global: GlobalDefs,
): UsableScripts {
  const scripts: ScriptCommand[] = [];
  for (const model of resolved.values()) {
    if (model.type === 'MISC_CHECK') scripts.push(model.script);
  }
  for (const vs of lvs.virtualServers) {
    if (vs.quorumUp !== undefined) scripts.push(vs.quorumUp);
    if (vs.quorumDown !== undefined) scripts.push(vs.quorumDown);
    for (const rs of vs.realServers) {
      if (rs.notifyUp !== undefined) scripts.push(rs.notifyUp);
      if (rs.notifyDown !== undefined) scripts.push(rs.notifyDown);
    }
  }
  const usable = new Map<ScriptCommand, ScriptCommand>();
  if (lvs.virtualServers.length === 0) {
    for (const s of scripts) usable.set(s, s);
    return usable;
  }
  const fifoScripts = [global.notifyFifo?.script, global.lvsNotifyFifo?.script];
  for (const s of fifoScripts) if (s !== undefined) scripts.push(s);
  const kept = checkScriptSecurity(ctx, scripts, global, 'checker');
  let k = 0;
  for (const s of scripts) {
    const checked = kept[k];
    if (checked !== undefined && sameScript(s, checked)) {
      usable.set(s, checked);
      k++;
    }
  }
  return usable;
}
