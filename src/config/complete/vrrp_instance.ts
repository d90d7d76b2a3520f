/**
 * One vrrp_instance after the stream: keepalived 2.2.7's vrrp_complete_instance()
 * (vrrp.c) — derived defaults (priority from state, version from family, accept from
 * strict mode, GARP settings from global_defs), strict-mode conflicts, advert_int
 * rounding, tracking weights under sync groups / address owners — with its messages.
 */
import { NO_SPLIT_BRAIN } from '../model/split_brain.js';
import type { ConfigDraft } from '../draft.js';
import type { InterfaceFacts } from '../host_facts.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { IpAddressEntry, RouteEntry, RuleEntry, VrrpInstance } from '../model/vrrp.js';
import type { ScriptCommand } from '../script.js';
import type { InstanceDraft } from '../keywords/vrrp_draft.js';
import { toReferences, type ResolvedTracks } from './vrrp_tracks.js';

type Ctx = ParseContext<ConfigDraft>;

const SECOND_US = 1_000_000;
const CENTI_US = 10_000;

/** An instance between the parse-time checks and vrrp_complete_instance(). */
export interface InstanceWork {
  readonly draft: InstanceDraft;
  /** The interface keepalived kept (exists, or waited for under dynamic_interfaces). */
  readonly interfaceName: string | undefined;
  /** The host's view of it; undefined when it does not exist (yet). */
  readonly interfaceFacts: InterfaceFacts | undefined;
  vips: IpAddressEntry[];
  excludedVips: IpAddressEntry[];
  routes: RouteEntry[];
  rules: RuleEntry[];
  tracks: ResolvedTracks;
  notify: {
    master: ScriptCommand | undefined;
    backup: ScriptCommand | undefined;
    fault: ScriptCommand | undefined;
    stop: ScriptCommand | undefined;
    generic: ScriptCommand | undefined;
    deleted: ScriptCommand | undefined;
    masterRxLowerPri: ScriptCommand | undefined;
  };
  syncGroup: { readonly name: string; readonly trackingWeight: boolean; readonly notifyPriorityChanges: boolean | undefined } | undefined;
  configFaults: string[];
  /** keepalived's VRRP_FLAG_UNICAST_CONFIGURED + vmac decisions made at the block's end. */
  isVmacXmitBase: boolean;
  hasVmac: boolean;
}

/** Mutable view of the values vrrp_complete_instance() settles. */
interface Settled {
  family: 4 | 6;
  version: 2 | 3;
  strict: boolean;
  basePriority: number;
  wantState: 'MASTER' | 'BACKUP';
  nopreempt: boolean;
  preemptDelayUs: number;
  downTimerAdverts: number;
  authentication: VrrpInstance['authentication'];
  isUnicast: boolean;
  accept: boolean;
  multicastGroup: string | undefined;
  advertIntervalUs: number;
}

function err(ctx: Ctx, w: InstanceWork, code: string, message: string): void {
  ctx.reportAt(w.draft.at, 'general_error', code, message);
}

/** Version and family (vrrp_complete_instance()'s first steps). */
function settleVersion(
  ctx: Ctx,
  w: InstanceWork,
  g: GlobalDefs,
  strict: boolean,
): { family: 4 | 6; version: 2 | 3 } {
  const d = w.draft;
  let version = d.version;
  if (d.family === 6) {
    if (version === 2 && strict) {
      err(ctx, w, 'ipv6_v2', `(${d.name}) cannot use IPv6 with VRRP version 2; setting version 3`);
      version = 3;
    } else version ??= 3;
  }
  const family = d.family ?? 4;
  return { family, version: version ?? (family === 6 ? 3 : g.vrrpVersion) };
}

/** Priority and state derivation (RFC 5798 §6.1: 255 is the address owner). */
function settleStateAndPriority(
  ctx: Ctx,
  w: InstanceWork,
  strict: boolean,
): { basePriority: number; wantState: 'MASTER' | 'BACKUP' } {
  const d = w.draft;
  const basePriority = d.basePriority ?? (d.wantState === 'MASTER' ? 255 : 100);
  let wantState = d.wantState ?? (basePriority === 255 ? 'MASTER' : 'BACKUP');
  if (d.wantState !== undefined && strict && (wantState === 'MASTER') !== (basePriority === 255)) {
    err(ctx, w, 'strict_state', `(${d.name}) State MASTER must match being address owner`);
    wantState = basePriority === 255 ? 'MASTER' : 'BACKUP';
  }
  return { basePriority, wantState };
}

function settleAuthentication(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const d = w.draft;
  if (d.authType === undefined) return;
  const drop = (code: string, m: string): void => {
    err(ctx, w, code, m);
    s.authentication = undefined;
  };
  s.authentication = { type: d.authType, password: d.authPassword };
  if (s.strict) drop(
    'strict_auth',
    `(${d.name}) Strict mode does not support authentication. Ignoring.`,
  );
  else if (s.version === 3) drop(
    'v3_auth',
    `(${d.name}) VRRP version 3 does not support authentication. Ignoring.`,
  );
  else if (d.authPassword === '') drop(
    'auth_no_password',
    `(${d.name}) Authentication specified but no password given. Ignoring`,
  );
  else if (s.family === 6 && d.authType === 'AH') drop(
    'ah_ipv6',
    `(${d.name}) Cannot use AH authentication with IPv6. ignoring`,
  );
  else if (d.authType === 'AH' && s.wantState === 'MASTER' && s.basePriority !== 255) {
    // An AH master needs the sequence number from a received advert before taking over.
    err(
      ctx,
      w,
      'ah_master',
      `(${d.name}) Initial state master is incompatible with AH authentication - clearing`,
    );
    s.wantState = 'BACKUP';
  }
}

function settleUnicast(ctx: Ctx, w: InstanceWork): boolean {
  const d = w.draft;
  if (!d.isUnicastConfigured) return false;
  if (d.unicastPeers.length > 0) return true;
  if (d.unicastFaultNoPeer) {
    ctx.reportAt(
      d.at,
      'notice',
      'unicast_no_peer',
      `(${d.name}) Cannot use unicast without any peers - going to fault state`,
    );
    w.configFaults.push('unicast_fault_no_peer without unicast peers');
  } else {
    ctx.reportAt(
      d.at,
      'deprecated',
      'unicast_without_peers',
      `(${d.name}) A unicast keyword has been specified without any unicast peers. Defaulting ` +
      `to multicast. This usage is deprecated - please update your configuration.`,
    );
  }
  return false;
}

/** use_vmac settings strict mode refuses, and what a VMAC implies. */
function checkVmac(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const d = w.draft;
  if (d.vmac === undefined || !w.hasVmac) return;
  if (s.strict && d.vmac.macAddress !== undefined) {
    err(
      ctx,
      w,
      'vmac_mac_strict',
      `(${d.name}): cannot specify MAC address with strict mode - clearing`,
    );
  }
  if (d.vmac.kind === 'macvlan' && s.strict && w.isVmacXmitBase) {
    err(
      ctx,
      w,
      'vmac_xmit_strict',
      `(${d.name}) xmit_base is incompatible with strict mode - resetting`,
    );
    w.isVmacXmitBase = false;
  }
  if (d.promoteSecondaries) {
    err(
      ctx,
      w,
      'vmac_promote',
      `(${d.name}) promote_secondaries is automatically set for vmacs - ignoring`,
    );
  }
}

/** use_ipvlan: IPv4 needs an address on the ipvlan (vrrp_complete_instance()). */
function checkIpvlan(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const d = w.draft;
  if (d.vmac?.kind !== 'ipvlan' || !w.hasVmac) return;
  if (s.family === 4 && d.sourceAddress === undefined) {
    err(
      ctx,
      w,
      'ipvlan_no_address',
      `(${d.name}) IPv4 ipvlan requires a source ip address to be configured. setting instance ` +
      `to fault state`,
    );
    w.configFaults.push('IPv4 ipvlan without an address');
  }
}

function checkInterfaceCapabilities(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const d = w.draft;
  const f = w.interfaceFacts;
  if (f !== undefined && !f.hasMulticast && !s.isUnicast) {
    err(
      ctx,
      w,
      'no_multicast',
      `(${d.name}) interface ${f.name} does not support multicast, specify unicast peers - ` +
      `disabling`,
    );
    w.configFaults.push(`interface ${f.name} does not support multicast`);
  }
  const first = w.vips[0];
  if (s.family === 6 && !s.isUnicast && first !== undefined && !isLinkLocal(first.address)) {
    // RFC 5798 §5.2.9: the first IPv6 address is the link-local one.
    if (s.strict) err(
      ctx,
      w,
      'ipv6_first_vip',
      `(${d.name}) the first IPv6 VIP address must be link local`,
    );
    else ctx.reportAt(
      d.at,
      'notice',
      'ipv6_first_vip',
      `(${d.name}) the first IPv6 VIP address should be link local`,
    );
  }
}

function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/** Too many VIPs for one advert (255, or what the MTU allows) become eVIPs. */
function limitVips(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const mtu = 1500;
  let hdr = 14 + 8 + (s.family === 4 ? 20 : 40);
  if (s.family === 4 && s.version === 2) hdr += 8 + (s.authentication?.type === 'AH' ? 24 : 0);
  const max = Math.min(255, Math.floor((mtu - hdr) / (s.family === 4 ? 4 : 16)));
  if (w.vips.length <= max) return;
  err(
    ctx,
    w,
    'too_many_vips',
    `(${w.draft.name}) Number of VIPs (${w.vips.length}) exceeds maximum/space available in ` +
    `packet (max ${max} addresses) - excess moved to eVIPs`,
  );
  w.excludedVips.push(...w.vips.slice(max));
  w.vips = w.vips.slice(0, max);
}

function settlePreemption(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const name = w.draft.name;
  if (s.basePriority === 255 && s.nopreempt) {
    err(
      ctx,
      w,
      'nopreempt_owner',
      `(${name}) nopreempt is incompatible with priority 255. resetting nopreempt`,
    );
    s.nopreempt = false;
  }
  if (s.wantState === 'MASTER') {
    if (s.nopreempt) {
      err(
        ctx,
        w,
        'nopreempt_master',
        `(${name}) Warning - nopreempt will not work with initial state MASTER - clearing`,
      );
      s.nopreempt = false;
    }
    if (s.preemptDelayUs !== 0) {
      err(
        ctx,
        w,
        'preempt_delay_master',
        `(${name}) Warning - preempt delay will not work with initial state MASTER - clearing`,
      );
      s.preemptDelayUs = 0;
    }
  }
  if (s.preemptDelayUs !== 0 && s.strict) {
    err(
      ctx,
      w,
      'preempt_delay_strict',
      `(${name}) preempt_delay is incompatible with strict mode - resetting`,
    );
    s.preemptDelayUs = 0;
  }
  if (s.preemptDelayUs !== 0 && s.nopreempt) {
    err(
      ctx,
      w,
      'preempt_delay_nopreempt',
      `(${name}) preempt_delay is incompatible with nopreempt mode - resetting`,
    );
    s.preemptDelayUs = 0;
  }
  if (s.downTimerAdverts !== 3 && s.strict) {
    err(
      ctx,
      w,
      'down_timer_strict',
      `(${name}) down_timer_adverts is incompatible with strict mode - resetting`,
    );
    s.downTimerAdverts = 3;
  }
}

function settleAccept(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const d = w.draft;
  s.accept = d.accept ?? (s.basePriority === 255 ? true : !s.strict);
  if (s.accept && s.basePriority !== 255 && s.strict && s.version === 2) {
    err(
      ctx,
      w,
      'accept_v2',
      `(${d.name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - ` +
      `resetting`,
    );
    s.accept = false;
  }
}

function settleMulticast(ctx: Ctx, w: InstanceWork, s: Settled, g: GlobalDefs): void {
  const d = w.draft;
  if (!s.isUnicast) {
    s.multicastGroup = d.mcastDst?.address ?? (s.family === 4 ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6);
  } else if (d.mcastDst !== undefined) {
    err(
      ctx,
      w,
      'mcast_with_unicast',
      `(${d.name}) multicast destination specified with unicast - ignoring`,
    );
  }
}

/** GARP and advert defaults: strict mode forces RFC behaviour, else global_defs apply. */
function strictOrGlobal(ctx: Ctx, w: InstanceWork, s: Settled, g: GlobalDefs) {
  const d = w.draft;
  const name = d.name;
  const pick = <T>(own: T | undefined, strictValue: T, global: T, isViolation: (v: T) => boolean, message: string): T => {
    if (own === undefined) return s.strict ? strictValue : global;
    if (s.strict && isViolation(own)) {
      err(ctx, w, 'strict_conflict', message);
      return strictValue;
    }
    return own;
  };
  return {
    garpLowerPrioRepeat: pick(
      d.garpLowerPrioRepeat,
      0,
      g.vrrpGarpLowerPrioRepeat,
      (v) => v !== 0,
      `(${name}) Strict mode requires no repeat garps. resetting`,
    ),
    garpLowerPrioDelayUs: pick(
      d.garpLowerPrioDelayUs,
      0,
      g.vrrpGarpLowerPrioDelayUs,
      (v) => v !== 0,
      `(${name}) Strict mode requires no repeat garp delay. resetting`,
    ),
    lowerPrioNoAdvert: pick(
      d.lowerPrioNoAdvert,
      true,
      g.vrrpLowerPrioNoAdvert,
      (v) => !v,
      `(${name}) Strict mode requires no lower priority advert. resetting`,
    ),
    higherPrioSendAdvert: pick(
      d.higherPrioSendAdvert,
      false,
      g.vrrpHigherPrioSendAdvert,
      (v) => v,
      `(${name}) strict mode requires higher_prio_send_advert to be clear. resetting`,
    ),
  };
}

function formatFloat(us: number, digits: number): string {
  return (us / SECOND_US).toFixed(digits);
}

/**
 * advert_int per version: v2 whole seconds below 256 s (RFC 3768 §5.3.7), v3 centiseconds
 * below 40.96 s (RFC 5798 §5.2.7); keepalived rounds half up with a config error.
 */
function settleAdvertInterval(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const name = w.draft.name;
  let v = w.draft.advertIntervalUs ?? SECOND_US;
  const unit = s.version === 2 ? SECOND_US : CENTI_US;
  const limit = s.version === 2 ? 256 * SECOND_US : 4096 * CENTI_US;
  if (v >= limit) {
    const msg = s.version === 2
      ? `(${name}) VRRPv2 advertisement interval ${formatFloat(v, 2)}s is out of range. Must be less than 256s. Setting to 255s`
      : `(${name}) VRRPv3 advertisement interval ${formatFloat(v, 2)}s is out of range. Must be less than 40.96s. Setting to 40.95s`;
    err(ctx, w, 'advert_int_range', msg);
    v = limit - unit;
  } else if (v % unit !== 0) {
    const msg = s.version === 2
      ? `(${name}) VRRPv2 advertisement interval ${formatFloat(v, 6)}s must be an integer. rounding`
      : `(${name}) VRRPv3 advertisement interval ${formatFloat(v, 6)}s must be in units of 10ms - rounding`;
    err(ctx, w, 'advert_int_rounded', msg);
    v = v + unit / 2;
    v -= v % unit;
    if (v === 0) v = unit;
  }
  s.advertIntervalUs = v;
}

/** Own interface tracked explicitly, and vmac_xmit_base without a vmac. */
function checkTrackedInterfaces(ctx: Ctx, w: InstanceWork): void {
  const own = w.interfaceName;
  if (own !== undefined) {
    const mine = w.tracks.interfaces.filter((t) => t.name === own);
    for (const t of mine) {
      ctx.reportAt(
        t.at,
        'general_error',
        'track_own_interface',
        `(${w.draft.name}) Ignoring track_interface ${own} since own interface`,
      );
    }
    w.tracks.interfaces = w.tracks.interfaces.filter((t) => t.name !== own);
  }
  if (w.isVmacXmitBase && !w.hasVmac) {
    err(
      ctx,
      w,
      'xmit_base_without_vmac',
      `(${w.draft.name}) vmac_xmit_base is only valid with a vmac`,
    );
    w.isVmacXmitBase = false;
  }
}

/** Weights are ignored in a sync group (unless sync_group_tracking_weight) and for owners. */
function dropIgnoredWeights(ctx: Ctx, w: InstanceWork, s: Settled): void {
  const inSync = w.syncGroup !== undefined && !w.syncGroup.trackingWeight;
  if (!inSync && s.basePriority !== 255) return;
  const why = inSync ? 'SYNC group' : 'address owner';
  const why2 = inSync ? 'SYNC group' : 'address_owner';
  const name = w.draft.name;
  const t = w.tracks;
  const warn = (at: typeof w.draft.at, m: string): void => ctx.reportAt(
    at,
    'general_error',
    'weight_ignored',
    m,
  );
  t.interfaces = t.interfaces.flatMap((ti) => {
    if (ti.weight === 0) return [ti];
    warn(
      ti.at,
      `(${name}) ignoring ${ti.name} tracked interface ${inSync ? 'weight ' : ''}due to ${why}`,
    );
    return inSync ? [{ ...ti, weight: 0 }] : [];
  });
  t.scripts = t.scripts.filter((sc) => {
    if (sc.weight === 0) return true;
    warn(sc.at, `(${name}) ignoring tracked script ${sc.name} with weights due to ${why2}`);
    return false;
  });
  t.files = t.files.flatMap((f) => {
    if (f.weight === 1) {
      warn(
        f.at,
        `(${name}) ignoring weight from tracked file ${f.name} due to ${why2}. specify weight 0`,
      );
      return [{ ...f, weight: 0 }];
    }
    if (f.weight === 0) return [f];
    warn(f.at, `(${name}) ignoring tracked file ${f.name} with weight ${f.weight} due to ${why2}`);
    return [];
  });
  t.bfds = t.bfds.filter((b) => {
    if (b.weight === 0) return true;
    warn(b.at, `(${name}) ignoring tracked bfd ${b.name} with weight ${b.weight} due to ${why2}`);
    return false;
  });
}

export interface CompletedInstance {
  readonly instance: VrrpInstance;
  /** false: keepalived stops validating the VRRP configuration here. */
  readonly isOk: boolean;
}

function initialSettled(ctx: Ctx, w: InstanceWork, g: GlobalDefs): Settled {
  const d = w.draft;
  const strict = d.strictMode ?? g.vrrpStrict;
  const { family, version } = settleVersion(ctx, w, g, strict);
  return {
    family, version, strict, basePriority: 100, wantState: 'BACKUP', nopreempt: d.nopreempt,
    preemptDelayUs: d.preemptDelayUs,
    downTimerAdverts: d.downTimerAdverts ?? g.vrrpDownTimerAdverts,
    authentication: undefined, isUnicast: false, accept: true, multicastGroup: undefined,
    advertIntervalUs: SECOND_US,
  };
}

/**
 * keepalived reads global_defs before the instances at start-up, but in file order on
 * reload (SIGHUP): a global_defs placed after an instance then does not reach it. Say so
 * when that changes a value.
 */
function noteReloadDefaults(ctx: Ctx, w: InstanceWork, g: GlobalDefs): void {
  const at = w.draft.globalsAtParse;
  if (at === undefined) return;
  const now = {
    garpMasterDelayUs: g.vrrpGarpMasterDelayUs,
    garpMasterRepeat: g.vrrpGarpMasterRepeat,
    garpMasterRefreshUs: g.vrrpGarpMasterRefreshUs,
    garpMasterRefreshRepeat: g.vrrpGarpMasterRefreshRepeat,
    downTimerAdverts: g.vrrpDownTimerAdverts,
    skipCheckAdvAddr: g.vrrpSkipCheckAdvAddr,
  };
  const keyword: Readonly<Record<keyof typeof now, string>> = {
    garpMasterDelayUs: 'vrrp_garp_master_delay',
    garpMasterRepeat: 'vrrp_garp_master_repeat',
    garpMasterRefreshUs: 'vrrp_garp_master_refresh',
    garpMasterRefreshRepeat: 'vrrp_garp_master_refresh_repeat',
    downTimerAdverts: 'vrrp_down_timer_adverts',
    skipCheckAdvAddr: 'vrrp_skip_check_adv_addr',
  };
  const changed = (Object.keys(now) as (keyof typeof now)[])
    .filter((k) => now[k] !== at[k])
    .map((k) => keyword[k]);
  if (changed.length === 0) return;
  ctx.reportAt(
    w.draft.at,
    'notice',
    'global_defs_after_instance',
    `(${w.draft.name}) global_defs after this instance sets ${changed.join(', ')}: ` +
      'keepalived applies it at start-up but not on reload',
  );
}

/** Runs vrrp_complete_instance()'s checks in keepalived's order. */
export function completeInstance(ctx: Ctx, w: InstanceWork, g: GlobalDefs): CompletedInstance {
  const d = w.draft;
  noteReloadDefaults(ctx, w, g);
  const s = initialSettled(ctx, w, g);
  if (w.vips.length === 0) {
    if (s.version === 3 || s.strict) {
      err(ctx, w, 'no_vip', `(${d.name}) No VIP specified; at least one is required`);
      return { instance: buildInstance(w, s, g), isOk: false };
    }
    err(ctx, w, 'no_vip', `(${d.name}) No VIP specified; at least one is sensible`);
  }
  Object.assign(s, settleStateAndPriority(ctx, w, s.strict));
  settleAuthentication(ctx, w, s);
  s.isUnicast = settleUnicast(ctx, w);
  checkInterfaceCapabilities(ctx, w, s);
  limitVips(ctx, w, s);
  settlePreemption(ctx, w, s);
  settleAccept(ctx, w, s);
  settleMulticast(ctx, w, s, g);
  settleAdvertInterval(ctx, w, s);
  checkVmac(ctx, w, s);
  checkIpvlan(ctx, w, s);
  checkTrackedInterfaces(ctx, w);
  if (w.vips.length === 0) {
    if (s.version === 3 || s.family === 6 || s.strict) {
      err(ctx, w, 'no_vip', `(${d.name}) No VIP specified; at least one is required`);
      return { instance: buildInstance(w, s, g), isOk: false };
    }
    ctx.reportAt(
      d.at,
      'warning',
      'no_vip',
      `(${d.name}) No VIP specified; at least one is sensible`,
    );
  }
  dropIgnoredWeights(ctx, w, s);
  return { instance: buildInstance(w, s, g, strictOrGlobal(ctx, w, s, g)), isOk: true };
}

function smtpAlertDefault(own: boolean | undefined, g: GlobalDefs): boolean {
  return own ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false;
}

function buildInstance(
  w: InstanceWork,
  s: Settled,
  g: GlobalDefs,
  sg?: ReturnType<typeof strictOrGlobal>,
): VrrpInstance {
  const d = w.draft;
  return {
    name: d.name,
    at: d.at,
    wantState: s.wantState,
    interfaceName: w.interfaceName,
    vrid: d.vrid ?? 0,
    basePriority: s.basePriority,
    version: s.version,
    family: s.family,
    advertIntervalCs: Math.round(s.advertIntervalUs / CENTI_US),
    virtualIpAddresses: w.vips,
    excludedIpAddresses: w.excludedVips,
    virtualRoutes: w.routes,
    virtualRules: w.rules,
    sourceAddress: d.sourceAddress,
    unicastPeers: d.unicastPeers,
    isUnicast: s.isUnicast,
    unicastFaultNoPeer: d.unicastFaultNoPeer,
    checkUnicastSource: d.checkUnicastSource || g.vrrpCheckUnicastSrc,
    unicastTtl: d.unicastTtl ?? (s.family === 4 ? 255 : undefined),
    multicastGroup: s.multicastGroup,
    nopreemptWritten: d.nopreemptWritten,
    nopreempt: s.nopreempt,
    preemptDelayUs: s.preemptDelayUs,
    trackInterfaces: toReferences(w.tracks.interfaces),
    trackScripts: toReferences(w.tracks.scripts),
    trackFiles: toReferences(w.tracks.files),
    trackProcesses: toReferences(w.tracks.processes),
    trackBfds: toReferences(w.tracks.bfds),
    dontTrackPrimary: d.dontTrackPrimary,
    trackSourceAddress: d.trackSourceAddress && d.sourceAddress !== undefined,
    notify: {
      master: w.notify.master,
      backup: w.notify.backup,
      fault: w.notify.fault,
      stop: w.notify.stop,
      generic: w.notify.generic,
    },
    notifyDeleted: d.notifyDeleted,
    notifyDeletedScript: w.notify.deleted,
    notifyMasterRxLowerPri: w.notify.masterRxLowerPri,
    smtpAlert: smtpAlertDefault(d.smtpAlert, g),
    notifyPriorityChanges: d.notifyPriorityChanges ?? w.syncGroup?.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges,
    accept: s.accept,
    strictMode: s.strict,
    authentication: s.authentication,
    authTypeWritten: d.authType,
    stateWritten: d.wantState,
    garpMasterDelayUs: d.garpMasterDelayUs ?? g.vrrpGarpMasterDelayUs,
    garpMasterRepeat: d.garpMasterRepeat ?? g.vrrpGarpMasterRepeat,
    garpMasterRefreshUs: d.garpMasterRefreshUs ?? g.vrrpGarpMasterRefreshUs,
    garpMasterRefreshRepeat: d.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
    garpLowerPrioDelayUs: sg?.garpLowerPrioDelayUs ?? d.garpLowerPrioDelayUs ?? g.vrrpGarpLowerPrioDelayUs,
    garpLowerPrioRepeat: sg?.garpLowerPrioRepeat ?? d.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat,
    garpExtraIfIntervalS: d.garpExtraIfIntervalS ?? g.vrrpGarpExtraIfIntervalS,
    garpExtraIfAll: d.garpExtraIfIntervalS === undefined ? g.vrrpGarpExtraIfAll : d.garpExtraIfAll,
    downTimerAdverts: s.downTimerAdverts,
    lowerPrioNoAdvert: sg?.lowerPrioNoAdvert ?? d.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert,
    higherPrioSendAdvert: sg?.higherPrioSendAdvert ?? d.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert,
    skipCheckAdvAddr: d.skipCheckAdvAddr || g.vrrpSkipCheckAdvAddr,
    promoteSecondaries: d.promoteSecondaries,
    vmac: d.vmac === undefined ? undefined : {
      ...d.vmac,
      isXmitBase: w.isVmacXmitBase,
      useVmacAddr: d.isUseVmacAddr,
    },
    syncGroup: w.syncGroup?.name,
    configFaults: w.configFaults,
    splitBrain: NO_SPLIT_BRAIN,
    raw: d.raw,
  };
}
