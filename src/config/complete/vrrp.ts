/**
 * The VRRP configuration after the stream, in the order keepalived 2.2.7's VRRP process
 * validates it for `keepalived -t` (vrrp_daemon.c start_vrrp(), vrrp.c
 * vrrp_complete_init()):
 * 1. what keepalived checks while reading (interfaces, track references, vrrp_script
 *    users); a missing interface then ends the validation (CONFIG_BAD_IF);
 * 2. script security, minimal configuration, sync groups, each instance, VRID conflicts
 *    and sync-group tracking; the first fatal problem ends the validation.
 * The model is always built; checks keepalived would not reach are run silently.
 */
import type { ConfigDraft } from '../draft.js';
import { DiagnosticSink } from '../diagnostics.js';
import { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { VrrpConfig, VrrpInstance, VrrpScript } from '../model/vrrp.js';
import type { ScriptCommand } from '../script.js';
import { secureScripts } from '../script.js';
import type { InstanceDraft, VrrpDraft } from '../keywords/vrrp_draft.js';
import {
  InterfaceResolver,
  checkAddressDevices,
  checkRouteDevices,
  checkRuleDevices,
} from './vrrp_interfaces.js';
import {
  resolveTracks,
  scriptSurvives,
  trackTargets,
  type ResolvedTracks,
  type TrackTargets,
} from './vrrp_tracks.js';
import { completeInstance, type InstanceWork } from './vrrp_instance.js';
import { completeSyncGroups, syncGroupTracking, type GroupWork } from './vrrp_sync.js';
import { checkVridConflicts } from './vrrp_conflicts.js';
import { completeArbiters, completeInstanceSplitBrain } from './vrrp_split_brain.js';
import { completeStatic, type StaticResult } from './vrrp_static.js';

type Ctx = ParseContext<ConfigDraft>;

/** A context that keeps diagnostics to itself (checks keepalived would not reach). */
function quiet(ctx: Ctx): Ctx {
  return new ParseContext<ConfigDraft>({ next: () => undefined }, new DiagnosticSink(), ctx.state);
}

/** The interface of an instance after its `interface` lines were looked up. */
function instanceInterface(ctx: Ctx, r: InterfaceResolver, d: InstanceDraft): string | undefined {
  let current: string | undefined;
  for (const line of d.interfaceLines) {
    current = undefined;
    if (!r.lookup(line.name, line.at, `WARNING - interface ${line.name} for vrrp_instance ${d.name} doesn't exist`)) continue;
    if (r.facts(line.name)?.isLoopback === true) {
      ctx.reportAt(
        line.at,
        'general_error',
        'loopback',
        `(${d.name}) cannot use a loopback interface (${line.name}) for vrrp - ignoring`,
      );
      continue;
    }
    current = line.name;
  }
  return current;
}

/** keepalived's vrrp_end_handler() VMAC checks (they need the instance's interface). */
function vmacEndChecks(
  ctx: Ctx,
  d: InstanceDraft,
  ifName: string | undefined,
): { hasVmac: boolean; xmitBase: boolean } {
  let hasVmac = d.vmac !== undefined;
  let xmitBase = d.isVmacXmitBase;
  if (d.isUnicastConfigured && hasVmac) {
    if (ifName === undefined) {
      ctx.reportAt(
        d.at,
        'general_error',
        'vmac_unicast',
        `(${d.name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`,
      );
      hasVmac = false;
    } else if (!xmitBase) {
      ctx.reportAt(
        d.at,
        'general_error',
        'vmac_unicast',
        `(${d.name}) unicast with use_vmac requires vmac_xmit_base - setting`,
      );
      xmitBase = true;
    }
  }
  return { hasVmac, xmitBase };
}

function instanceWork(
  ctx: Ctx,
  r: InterfaceResolver,
  d: InstanceDraft,
  targets: TrackTargets,
): InstanceWork {
  const interfaceName = instanceInterface(ctx, r, d);
  const vips = checkAddressDevices(r, d.vips);
  const excludedVips = checkAddressDevices(r, d.excludedVips);
  const routes = checkRouteDevices(r, d.routes);
  const rules = checkRuleDevices(r, d.rules);
  const tracks: ResolvedTracks = resolveTracks(ctx, r, d.track, targets, d.name);
  const vm = vmacEndChecks(ctx, d, interfaceName);
  const n = d.notify;
  return {
    draft: d,
    interfaceName,
    interfaceFacts: interfaceName === undefined ? undefined : r.facts(interfaceName),
    vips, excludedVips, routes, rules, tracks,
    notify: {
      master: n.master, backup: n.backup, fault: n.fault, stop: n.stop, generic: n.generic,
      deleted: d.notifyDeletedScript, masterRxLowerPri: d.notifyMasterRxLowerPri,
    },
    syncGroup: undefined,
    configFaults: [],
    isVmacXmitBase: vm.xmitBase,
    hasVmac: vm.hasVmac,
  };
}

interface Phase1 {
  readonly resolver: InterfaceResolver;
  readonly works: InstanceWork[];
  readonly groups: GroupWork[];
  readonly scriptAlive: boolean[];
  readonly statics: StaticResult;
}

/** What keepalived checks while its VRRP process reads the file. */
function readTimeChecks(ctx: Ctx, global: GlobalDefs): Phase1 {
  const v: VrrpDraft = ctx.state.vrrp;
  const resolver = new InterfaceResolver(ctx, global);
  const scriptAlive = v.scripts.map((s) => scriptSurvives(ctx, s, global));
  const targets = trackTargets(v, scriptAlive);
  const statics = completeStatic(ctx, resolver, global);
  const works = v.instances.map((d) => instanceWork(ctx, resolver, d, targets));
  const groups: GroupWork[] = v.syncGroups.map((g) => ({
    draft: g,
    tracks: resolveTracks(ctx, resolver, g.track, targets, g.name),
    notify: { ...g.notify },
    members: [],
    isRemoved: false,
  }));
  return { resolver, works, groups, scriptAlive, statics };
}

/** Every script the VRRP process runs, for the security pass. */
function collectScripts(
  p: Phase1,
  global: GlobalDefs,
  draft: VrrpDraft,
): { script: ScriptCommand; apply: (s: ScriptCommand | undefined) => void }[] {
  const out: { script: ScriptCommand; apply: (s: ScriptCommand | undefined) => void }[] = [];
  const add = (s: ScriptCommand | undefined, apply: (s: ScriptCommand | undefined) => void): void => {
    if (s !== undefined) out.push({ script: s, apply });
  };
  draft.scripts.forEach((s, i) => {
    if (p.scriptAlive[i] !== true || s.command === undefined) return;
    const cmd: ScriptCommand = s.runAs === undefined ? s.command : { ...s.command, ...s.runAs };
    add(cmd, (kept) => {
      p.scriptAlive[i] = kept !== undefined;
      if (kept !== undefined) s.command = kept;
    });
  });
  for (const owner of [...p.works.map((w) => w.notify), ...p.groups.map((g) => g.notify)]) {
    for (const key of Object.keys(owner) as (keyof typeof owner)[]) {
      add(owner[key], (kept) => (owner[key] = kept));
    }
  }
  add(global.notifyFifo?.script, () => undefined);
  add(global.vrrpNotifyFifo?.script, () => undefined);
  return out;
}

/** vrrp.c check_vrrp_script_security(): only when there is an instance. */
function scriptSecurity(ctx: Ctx, p: Phase1, global: GlobalDefs): void {
  if (p.works.length === 0) return;
  const items = collectScripts(p, global, ctx.state.vrrp);
  const results = secureScripts(ctx, items.map((i) => i.script), global, 'vrrp');
  items.forEach((item, i) => item.apply(results[i]));
  // Track lines that refer to a disabled script are dropped (free_track_script()).
  for (const t of [...p.works.map((w) => w.tracks), ...p.groups.map((g) => g.tracks)]) {
    t.scripts = t.scripts.filter((ref) => p.scriptAlive[ref.index] === true);
  }
}

/** vrrp.c chk_min_cfg(). */
function minimalConfig(ctx: Ctx, w: InstanceWork): boolean {
  const d = w.draft;
  if (d.vrid === undefined) {
    ctx.reportAt(d.at, 'general_error', 'no_vrid', `(${d.name}) the virtual router id must be set`);
    return false;
  }
  // keepalived-compat: 2.2.7 tests the unicast flag before setting it, so every instance
  // needs an interface here, unicast or not.
  if (w.interfaceName === undefined) {
    ctx.reportAt(d.at, 'general_error', 'no_interface', `(${d.name}) Unknown interface!`);
    return false;
  }
  return true;
}

/** vrrp_complete_init() as far as `keepalived -t` goes; returns the instances. */
function completeInit(ctx: Ctx, p: Phase1, global: GlobalDefs): VrrpInstance[] {
  let c = ctx;
  scriptSecurity(c, p, global);
  if (!p.works.every((w) => minimalConfig(c, w))) c = quiet(ctx);
  completeSyncGroups(c, p.groups, p.works);
  const instances: VrrpInstance[] = [];
  for (const w of p.works) {
    const r = completeInstance(c, w, global);
    instances.push(r.instance);
    if (!r.isOk) c = quiet(ctx);
  }
  if (checkVridConflicts(c, instances, p.resolver)) c = quiet(ctx);
  return syncGroupTracking(c, p.groups, instances, global);
}

function scriptModel(ctx: Ctx, p: Phase1): VrrpScript[] {
  const out: VrrpScript[] = [];
  ctx.state.vrrp.scripts.forEach((s, i) => {
    if (p.scriptAlive[i] !== true || s.command === undefined) return;
    out.push({
      name: s.name, at: s.at,
      command: s.runAs === undefined || s.command.uid !== undefined ? s.command : {
        ...s.command,
        ...s.runAs,
      },
      intervalUs: s.intervalUs, timeoutUs: s.timeoutUs === 0 ? s.intervalUs : s.timeoutUs,
      weight: s.weight,
      weightReverse: s.weightReverse,
      rise: s.rise,
      fall: s.fall,
      initFail: s.initFail,
    });
  });
  return out;
}

/** vrrp_complete_instance() and the other VRRP checks; runs after the stream. */
export function completeVrrp(ctx: ParseContext<ConfigDraft>, global: GlobalDefs): VrrpConfig {
  const p = readTimeChecks(ctx, global);
  let c = ctx;
  if (p.resolver.isBadIf) {
    ctx.reportAt(
      { file: '', line: 0 },
      'bad_if',
      'bad_interface',
      'Non-existent interface specified in configuration',
    );
    c = quiet(ctx);
  }
  const arbiters = completeArbiters(ctx, ctx.state.vrrp.arbiters, global);
  const instances = completeInit(c, p, global).map((vi) => {
    const d = ctx.state.vrrp.instances.find((x) => x.name === vi.name);
    return d === undefined ? vi : { ...vi, splitBrain: completeInstanceSplitBrain(ctx, d, vi, arbiters) };
  });
  return {
    instances,
    arbiters,
    scripts: scriptModel(ctx, p),
    syncGroups: p.groups.filter((g) => !g.isRemoved).map((g) => g.model ?? groupFallback(g)),
    ...p.statics,
  };
}

function groupFallback(g: GroupWork): NonNullable<GroupWork['model']> {
  throw new RangeError(`sync group ${g.draft.name} was not completed`);
}
