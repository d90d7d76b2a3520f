/**
 * `keepalived-ts explain`: what the configuration means in time, and the classic
 * pitfalls (nothing like it exists in keepalived; landscape.md §3). Pure: takes the
 * instances of one or more configurations (the members of a VRRP group usually live in
 * different files: pass them all) and returns the report text.
 */
import type { SourceLocation } from './diagnostics.js';
import {
  CENTISECOND_US,
  formatSecondsUs,
  masterDownIntervalUs,
  skewTimeUs,
  type VrrpVersion,
} from '../vrrp/timers.js';
import { isIpv6LinkLocal, parseIp } from '../lib/ip.js';
import { effectivePriority as trackEffectivePriority, type TrackedObject } from '../vrrp/track.js';

export interface ExplainTrack {
  readonly kind: 'interface' | 'script' | 'file' | 'process' | 'bfd';
  readonly name: string;
  /** 0 means FAULT while the object is down (or up, with reverse). */
  readonly weight: number;
  readonly reverse: boolean;
  /** For scripts: interval, timeout, fall and rise; undefined for the other kinds. */
  readonly script?: {
    readonly intervalUs: number;
    readonly timeoutUs: number;
    readonly fall: number;
    readonly rise: number;
  };
}

/** The facts of one vrrp_instance that explain needs (a narrow view of the model). */
export interface ExplainInstance {
  /** Label of the configuration the instance comes from (usually its file name). */
  readonly source: string;
  readonly name: string;
  readonly at: SourceLocation;
  readonly interfaceName: string | undefined;
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: 4 | 6;
  readonly wantState: 'MASTER' | 'BACKUP';
  /** `state` as written in the configuration. */
  readonly stateWritten: 'MASTER' | 'BACKUP' | undefined;
  /** Priority as configured after keepalived's derivation (255 = address owner). */
  readonly basePriority: number;
  /** `nopreempt` was written in the configuration (even if keepalived then cleared it). */
  readonly nopreemptWritten: boolean;
  /** Effective after keepalived's rules (cleared by state MASTER). */
  readonly nopreempt: boolean;
  readonly preemptDelayUs: number;
  readonly advertIntervalCs: number;
  readonly downTimerAdverts: number;
  readonly unicastPeers: readonly string[];
  readonly unicastSrcIp: string | undefined;
  readonly strict: boolean;
  readonly authType: 'PASS' | 'AH' | undefined;
  readonly vips: readonly string[];
  readonly tracks: readonly ExplainTrack[];
  readonly garpMasterDelayUs: number;
  readonly garpMasterRepeat: number;
}

export interface Finding {
  readonly instance: ExplainInstance;
  readonly code:
    | 'nopreempt_with_state_master'
    | 'track_weight_too_small'
    | 'unicast_without_src_ip'
    | 'strict_with_authentication'
    | 'ipv6_first_vip_not_link_local'
    | 'duplicate_vrid'
    | 'members_disagree'
    | 'state_master_not_owner'
    | 'equal_priorities';
  readonly message: string;
}

const s = (us: number): string => `${formatSecondsUs(us)} s`;

function timerInputs(i: ExplainInstance, priority = i.basePriority) {
  return {
    version: i.version,
    priority,
    masterAdverIntervalCs: i.advertIntervalCs,
    downTimerAdverts: i.downTimerAdverts,
  };
}

function groupKey(i: ExplainInstance): string {
  return `${i.vrid}/${i.family}`;
}

/**
 * The tracker with its status for vrrp/track.ts. A track_file has no up/down: healthy
 * is value 0 (adds nothing), failed is value 1 (value × weight is added; weight 0: FAULT).
 */
function trackedObject(t: ExplainTrack, isUp: boolean): TrackedObject {
  const common = { name: t.name, weight: t.weight, reverse: t.reverse };
  switch (t.kind) {
    case 'interface':
    case 'bfd':
      return { ...common, kind: t.kind, isUp };
    case 'process':
      return { ...common, kind: 'process', hasQuorum: isUp };
    case 'script':
      return { ...common, kind: 'script', result: isUp ? 'good' : 'bad' };
    case 'file':
      return { ...common, kind: 'file', value: isUp ? 0 : 1 };
  }
}

/**
 * Effective priority with the given trackers failed (others up); undefined = FAULT.
 * The rules live in vrrp/track.ts (one copy of each policy).
 */
export function effectivePriority(i: ExplainInstance, failed: ReadonlySet<ExplainTrack>): number | undefined {
  const verdict = trackEffectivePriority({
    basePriority: i.basePriority,
    tracks: i.tracks.map((t) => trackedObject(t, !failed.has(t))),
  });
  return verdict.isFault ? undefined : verdict.effectivePriority;
}

function healthyPriority(i: ExplainInstance): number {
  return effectivePriority(i, new Set()) ?? 0;
}

export function findPitfalls(instances: readonly ExplainInstance[]): Finding[] {
  const out: Finding[] = [];
  const groups = groupBy(instances, groupKey);
  for (const i of instances) {
    const members = groups.get(groupKey(i)) ?? [];
    const peers = members.filter((m) => m !== i && m.source !== i.source);
    if (i.nopreemptWritten && i.stateWritten === 'MASTER') {
      out.push({
        instance: i,
        code: 'nopreempt_with_state_master',
        message:
          'nopreempt with state MASTER: keepalived clears nopreempt (and preempt_delay) for a ' +
          'MASTER instance, so this node will preempt. Use state BACKUP on every node with nopreempt.',
      });
    }
    if (i.stateWritten === 'MASTER' && i.basePriority < 255) {
      out.push({
        instance: i,
        code: 'state_master_not_owner',
        message:
          `state MASTER with priority ${i.basePriority} does not start faster: the instance ` +
          'enters BACKUP and waits a full Master_Down_Interval like any backup; only priority 255 ' +
          '(the address owner) becomes MASTER at once.',
      });
    }
    if (i.unicastPeers.length > 0 && i.unicastSrcIp === undefined) {
      out.push({
        instance: i,
        code: 'unicast_without_src_ip',
        message:
          'unicast_peer without unicast_src_ip: adverts leave from the primary address of ' +
          `${i.interfaceName ?? 'the interface'}, which may not be the address the peers list ` +
          '(their check_unicast_src or firewall drops them → split brain). Set unicast_src_ip.',
      });
    }
    if (i.strict && i.authType !== undefined) {
      out.push({
        instance: i,
        code: 'strict_with_authentication',
        message:
          `vrrp_strict with authentication ${i.authType}: strict mode drops authentication ` +
          "(keepalived: 'Strict mode does not support authentication') and forces no_accept, " +
          'which installs firewall rules that stop the VIPs answering.',
      });
    }
    if (i.family === 6) {
      const first = i.vips[0] === undefined ? undefined : parseIp(i.vips[0].split('/')[0] ?? '');
      if (first !== undefined && !isIpv6LinkLocal(first)) {
        out.push({
          instance: i,
          code: 'ipv6_first_vip_not_link_local',
          message:
            `the first IPv6 VIP ${i.vips[0] ?? ''} is not link-local: RFC 5798 §5.2.9 wants a ` +
            'link-local address first; keepalived rejects this under strict mode and other ' +
            'routers may drop the adverts.',
        });
      }
    }
    const sameSource = members.filter(
      (m) => m !== i && m.source === i.source && m.interfaceName === i.interfaceName,
    );
    if (sameSource.length > 0) {
      out.push({
        instance: i,
        code: 'duplicate_vrid',
        message:
          `VRID ${i.vrid} is also used by ${sameSource.map((m) => m.name).join(', ')} on ` +
          `${i.interfaceName ?? 'the same interface'}: one VRID per interface and family.`,
      });
    }
    out.push(...compareWithPeers(i, peers), ...trackWeightFindings(i, peers));
  }
  return out;
}

function compareWithPeers(i: ExplainInstance, peers: readonly ExplainInstance[]): Finding[] {
  const out: Finding[] = [];
  for (const p of peers) {
    if (p.source < i.source) continue; // report each pair once
    const diffs: string[] = [];
    if (p.version !== i.version) diffs.push(`version ${i.version} vs ${p.version}`);
    if (p.advertIntervalCs !== i.advertIntervalCs) {
      diffs.push(
        `advert_int ${s(i.advertIntervalCs * CENTISECOND_US)} vs ${s(p.advertIntervalCs * CENTISECOND_US)}` +
          (i.version === 2 ? ' (VRRPv2 drops adverts with another interval)' : ''),
      );
    }
    const a = [...i.vips].sort().join(' ');
    const b = [...p.vips].sort().join(' ');
    if (a !== b) diffs.push(`VIPs [${a}] vs [${b}]`);
    if (diffs.length > 0) {
      out.push({
        instance: i,
        code: 'members_disagree',
        message: `${i.source} ${i.name} and ${p.source} ${p.name} share VRID ${i.vrid} but differ: ${diffs.join('; ')}.`,
      });
    }
    if (p.basePriority === i.basePriority && p.tracks.length === 0 && i.tracks.length === 0) {
      out.push({
        instance: i,
        code: 'equal_priorities',
        message:
          `${i.name} and ${p.source} ${p.name} both have priority ${i.basePriority}: the tie is ` +
          'broken by the higher primary IP address, not by state MASTER.',
      });
    }
  }
  return out;
}

/** A failing tracker that cannot move the master to the best healthy peer. */
function trackWeightFindings(i: ExplainInstance, peers: readonly ExplainInstance[]): Finding[] {
  if (peers.length === 0) return [];
  const mine = healthyPriority(i);
  const best = Math.max(...peers.map(healthyPriority));
  if (mine <= best) return []; // this node is not the expected master
  const out: Finding[] = [];
  for (const t of i.tracks) {
    if (t.weight === 0) continue; // FAULT moves the VIP whatever the priorities
    const failed = effectivePriority(i, new Set([t]));
    if (failed === undefined || failed < best) continue;
    out.push({
      instance: i,
      code: 'track_weight_too_small',
      message:
        `track_${t.kind} ${t.name} (weight ${t.weight}${t.reverse ? ' reverse' : ''}) cannot move ` +
        `the master: with it failed this node has priority ${failed}, ` +
        `${failed === best ? 'equal to' : 'still above'} the best peer's ${best} ` +
        `(gap ${mine - best}); ` +
        `a weight of at least ${mine - best + 1} in magnitude is needed.`,
    });
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list === undefined) m.set(k, [it]);
    else list.push(it);
  }
  return m;
}

function describeInstance(i: ExplainInstance, members: readonly ExplainInstance[]): string[] {
  const lines: string[] = [];
  const where = i.unicastPeers.length > 0 ? `unicast to ${i.unicastPeers.join(', ')}` : 'multicast';
  lines.push(
    `${i.name} (${i.at.file}:${i.at.line})  VRID ${i.vrid}  VRRPv${i.version} IPv${i.family}  ` +
      `interface ${i.interfaceName ?? '-'}  ${where}`,
  );
  const healthy = healthyPriority(i);
  const lowest = lowestPriority(i);
  const prio =
    i.basePriority === 255
      ? '255 (address owner: becomes MASTER at once, immune to track weights)'
      : `${i.basePriority} base; effective ${lowest === undefined ? 'FAULT' : lowest}..${healthy} with track weights`;
  lines.push(`  priority            ${prio}`);
  lines.push(`  wanted state        ${i.wantState}${i.nopreempt ? ', nopreempt' : ''}` +
    (i.preemptDelayUs > 0 ? `, preempt_delay ${s(i.preemptDelayUs)}` : ''));
  const adverUs = i.advertIntervalCs * CENTISECOND_US;
  const skew = skewTimeUs(timerInputs(i, healthy || i.basePriority));
  const mdi = masterDownIntervalUs(timerInputs(i, healthy || i.basePriority));
  lines.push(`  advert interval     ${s(adverUs)}`);
  lines.push(`  Skew_Time           ${s(skew)}  ((256 - ${healthy || i.basePriority}) / 256 × ${i.version === 3 ? 'advert interval' : '1 s'})`);
  lines.push(`  Master_Down         ${s(mdi)}  (${i.downTimerAdverts} × ${s(adverUs)} + Skew_Time)`);
  if (members.length > 1) {
    lines.push(`  known members of VRID ${i.vrid} (IPv${i.family}):`);
    for (const m of [...members].sort((a, b) => healthyPriority(b) - healthyPriority(a))) {
      const p = healthyPriority(m) || m.basePriority;
      lines.push(`    ${m.source.padEnd(24)} ${m.name.padEnd(16)} priority ${String(p).padStart(3)}  Master_Down ${s(masterDownIntervalUs(timerInputs(m, p)))}`);
    }
  }
  if (members.length <= 1 && i.tracks.some((t) => t.weight !== 0)) {
    lines.push(
      "  peers               unknown: give explain the peers' files too, to check that the " +
        'track weights can move the master',
    );
  }
  lines.push('  failover budget:');
  lines.push(...failoverBudget(i, members).map((l) => `    ${l}`));
  return lines;
}

function lowestPriority(i: ExplainInstance): number | undefined {
  return effectivePriority(i, new Set(i.tracks));
}

function failoverBudget(i: ExplainInstance, members: readonly ExplainInstance[]): string[] {
  const out: string[] = [];
  const others = members.filter((m) => m !== i);
  // The backup that takes over is the highest-priority other member; with none known,
  // describe this instance as the backup.
  const taker = [...others].sort((a, b) => healthyPriority(b) - healthyPriority(a))[0] ?? i;
  const takerPrio = healthyPriority(taker) || taker.basePriority;
  const mdi = masterDownIntervalUs(timerInputs(taker, takerPrio));
  const skew = skewTimeUs(timerInputs(taker, takerPrio));
  const who = taker === i ? 'this instance (as backup)' : `${taker.source} ${taker.name} (priority ${takerPrio})`;
  out.push(`master dies (no more adverts): ${who} takes over after at most ${s(mdi)}`);
  out.push(`master stops cleanly (priority 0 advert): takeover after Skew_Time, ${s(skew)}`);
  out.push(
    `start-up: ${i.basePriority === 255 ? 'MASTER at once (address owner)' : `MASTER only after ${s(masterDownIntervalUs(timerInputs(i, healthyPriority(i) || i.basePriority)))} without adverts`}`,
  );
  out.push(
    `after takeover: ${i.garpMasterRepeat} gratuitous ARP/NA at once, ${i.garpMasterRepeat} more after ${s(i.garpMasterDelayUs)}`,
  );
  for (const t of i.tracks) {
    if (t.script === undefined) continue;
    const detect = t.script.fall * t.script.intervalUs;
    out.push(
      `track_script ${t.name}: a failure is acted on after ${t.script.fall} × ${s(t.script.intervalUs)} = ${s(detect)}` +
        ` (up to ${s(detect + t.script.timeoutUs)} if the script hangs until its timeout)`,
    );
  }
  if (i.preemptDelayUs > 0) {
    out.push(`preemption by this node waits preempt_delay ${s(i.preemptDelayUs)} after the first lower-priority advert`);
  }
  if (i.vips.length === 0) out.push('no virtual_ipaddress: nothing moves on failover');
  return out;
}

/** The whole report for a set of instances (from one or more configurations). */
export function explainInstances(instances: readonly ExplainInstance[]): string {
  if (instances.length === 0) return 'No vrrp_instance in the configuration.\n';
  const groups = groupBy(instances, groupKey);
  const findings = findPitfalls(instances);
  const blocks: string[] = [];
  for (const i of instances) {
    const lines = describeInstance(i, groups.get(groupKey(i)) ?? [i]);
    const mine = findings.filter((f) => f.instance === i);
    if (mine.length > 0) {
      lines.push('  pitfalls:');
      for (const f of mine) lines.push(`    ! [${f.code}] ${f.message}`);
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}
