/**
 * track_interface / track_script / track_file / track_process / track_bfd lines of
 * instances and sync groups, resolved as keepalived 2.2.7's VRRP process resolves them
 * while reading (vrrp_track.c alloc_track_if(), alloc_track_script(),
 * alloc_track_process(), alloc_track_bfd(); track_file.c vrrp_alloc_track_file()): only
 * objects defined earlier in the file are found.
 */
import type { ConfigDraft } from '../draft.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { TrackReference } from '../model/vrrp.js';
import { defaultScriptUser } from '../script.js';
import { readInt } from '../values.js';
import type {
  ScriptDraft,
  TrackListsDraft,
  TrackRefDraft,
  VrrpDraft,
} from '../keywords/vrrp_draft.js';
import { contextAt, type InterfaceResolver } from './vrrp_interfaces.js';

type Ctx = ParseContext<ConfigDraft>;

/** A resolved reference; `index` is the referenced object's position in its list. */
export interface ResolvedRef extends TrackReference {
  readonly index: number;
}

export interface ResolvedTracks {
  interfaces: ResolvedRef[];
  scripts: ResolvedRef[];
  files: ResolvedRef[];
  processes: ResolvedRef[];
  bfds: ResolvedRef[];
}

/** keepalived's vrrp_vscript_end_handler(): which vrrp_scripts survive their block. */
export function scriptSurvives(ctx: Ctx, s: ScriptDraft, global: GlobalDefs): boolean {
  if (s.command === undefined) {
    ctx.reportAt(
      s.at,
      'general_error',
      'no_script',
      `No script set for vrrp_script ${s.name} - removing`,
    );
    return false;
  }
  if (s.userFailed) return false;
  if (s.runAs !== undefined) return true;
  if (defaultScriptUser(ctx, global, s.at) !== undefined) return true;
  ctx.reportAt(
    s.at,
    'general_error',
    'script_default_user',
    `Unable to set default user for vrrp script ${s.name} - removing`,
  );
  return false;
}

interface WeightSpec {
  /** Range read_int() checks. */
  readonly min: number;
  readonly max: number;
  /** keepalived turns ±254 into ±253 for interfaces and scripts. */
  readonly clamp254: boolean;
  /** `noreverse` is accepted (not for interfaces). */
  readonly noreverse: boolean;
  /** An unknown option after the weight drops the line (files, bfd) or not. */
  readonly badOptionDrops: boolean;
  readonly messages: {
    readonly unknownOption: (opt: string) => string;
    readonly noValue: string;
    readonly badWeight: (text: string) => string;
    readonly badReverse: (opt: string) => string;
  };
}

/** The `NAME [weight W [reverse|noreverse]]` part shared by all track lines. */
function readTrackWeight(
  ctx: Ctx,
  ref: TrackRefDraft,
  base: { weight: number; reverse: boolean },
  spec: WeightSpec,
  label: { owner: string; tracked: string },
): { weight: number; reverse: boolean } | undefined {
  const w = ref.words;
  const err = (code: string, m: string): void => ctx.reportAt(ref.at, 'general_error', code, m);
  let { weight, reverse } = base;
  if (w.length < 2) return { weight, reverse };
  const opt = w[1] ?? '';
  if (opt !== 'weight') {
    err('unknown_option', spec.messages.unknownOption(opt));
    return undefined;
  }
  const text = w[2];
  if (text === undefined) {
    err('missing_value', spec.messages.noValue);
    return undefined;
  }
  const v = readIntAt(ctx, ref, text, spec.min, spec.max);
  if (v === undefined) err('invalid_weight', spec.messages.badWeight(text));
  else if (spec.clamp254 && (v === 254 || v === -254)) {
    err(
      'invalid_weight',
      `(${label.owner}) weight for ${label.tracked} cannot be +/-254. Setting to +/-253`,
    );
    weight = v > 0 ? 253 : -253;
  } else weight = v;
  const rev = w[3];
  if (rev === undefined) return { weight, reverse };
  if (rev === 'reverse') reverse = true;
  else if (rev === 'noreverse' && spec.noreverse) reverse = false;
  else {
    err('unknown_option', spec.messages.badReverse(rev));
    if (spec.badOptionDrops) return undefined;
  }
  return { weight, reverse };
}

/** read_int() with its diagnostics at the line of the reference. */
function readIntAt(
  ctx: Ctx,
  ref: TrackRefDraft,
  text: string,
  min: number,
  max: number,
): number | undefined {
  return readInt(contextAt(ctx, ref.at), text, min, max);
}

function resolveInterfaces(
  ctx: Ctx,
  r: InterfaceResolver,
  refs: readonly TrackRefDraft[],
  owner: string,
): ResolvedRef[] {
  const out: ResolvedRef[] = [];
  for (const ref of refs) {
    const name = ref.words[0] ?? '';
    if (!r.lookup(name, ref.at, `(${owner}) tracked interface ${name} doesn't exist`)) continue;
    if (out.some((t) => t.name === name)) {
      ctx.reportAt(
        ref.at,
        'general_error',
        'duplicate',
        `(${owner}) duplicate track_interface ${name} - ignoring`,
      );
      continue;
    }
    const wr = readTrackWeight(ctx, ref, { weight: 0, reverse: false }, {
      min: -254, max: 254, clamp254: true, noreverse: false, badOptionDrops: false,
      messages: {
        unknownOption: (o) => `(${owner}) unknown track_interface ${name} option ${o} - ignoring`,
        noValue: `(${owner}) weight without value specified for track_interface ${name} - ignoring`,
        badWeight: (t) => `(${owner}) weight ${t} for ${name} must be between [-253..253] inclusive. Ignoring...`,
        badReverse: (o) => `(${owner}) unknown track_interace ${name} weight option ${o} - ignoring`,
      },
    }, { owner, tracked: name });
    if (wr !== undefined) out.push({ name, ...wr, at: ref.at, index: -1 });
  }
  return out;
}

interface Target {
  readonly name: string;
  readonly weight: number;
  readonly weightReverse: boolean;
  readonly isGone: boolean;
}

type ObjectKind = 'script' | 'file' | 'process' | 'bfd';

const KIND_WORD: Readonly<Record<ObjectKind, { key: string; label: string }>> = {
  script: { key: 'track_script', label: 'track script' },
  file: { key: 'track_file', label: 'track file' },
  process: { key: 'track_process', label: 'track process' },
  bfd: { key: 'track_bfd', label: 'track bfd' },
};

function objectSpec(kind: ObjectKind, owner: string, name: string): WeightSpec {
  const k = KIND_WORD[kind];
  const range = kind === 'bfd' ? 253 : 254;
  const badWeight = (_t: string): string =>
    kind === 'script'
      ? `(${owner}) track script ${name}: weight must be between [-253..253] inclusive, ignoring...`
      : `(${owner}) weight for ${k.label} ${name} must be in [-${range}..${range}] inclusive. Ignoring...`;
  return {
    min: -range, max: range, clamp254: kind === 'script', noreverse: true,
    badOptionDrops: kind === 'file' || kind === 'bfd',
    messages: {
      unknownOption: (o) =>
        kind === 'bfd'
          ? `(${owner}) unknown track bfd ${name} option ${o} - ignoring`
          : `(${owner}) unknown ${k.label} option ${o} - ignoring`,
      noValue: `(${owner}) weight without value specified for ${k.label} ${name} - ignoring`,
      badWeight,
      badReverse: (o) =>
        kind === 'file' || kind === 'bfd'
          ? `(${owner}) unknown ${k.label} ${name} weight option ${o} - ignoring`
          : `(${owner}) unknown ${k.key} ${name} weight option ${o} - ignoring`,
    },
  };
}

function resolveObjects(
  ctx: Ctx,
  refs: readonly TrackRefDraft[],
  targets: readonly Target[],
  kind: ObjectKind,
  owner: string,
): ResolvedRef[] {
  const out: ResolvedRef[] = [];
  for (const ref of refs) {
    const name = ref.words[0] ?? '';
    const index = targets.findIndex(
      (t, i) => i < ref.definedBefore && !t.isGone && t.name === name,
    );
    const t = targets[index];
    if (t === undefined) {
      ctx.reportAt(
        ref.at,
        'general_error',
        'not_found',
        `(${owner}) ${KIND_WORD[kind].label} ${name} not found, ignoring...`,
      );
      continue;
    }
    if (out.some((o) => o.index === index)) {
      ctx.reportAt(
        ref.at,
        'general_error',
        'duplicate',
        `(${owner}) duplicate ${KIND_WORD[kind].key} ${name} - ignoring`,
      );
      continue;
    }
    const wr = readTrackWeight(
      ctx,
      ref,
      { weight: t.weight, reverse: t.weightReverse },
      objectSpec(kind, owner, name),
      { owner, tracked: name },
    );
    if (wr !== undefined) out.push({ name, ...wr, at: ref.at, index });
  }
  return out;
}

/** What each kind of tracked object looks like to a reference. */
export interface TrackTargets {
  readonly scripts: readonly Target[];
  readonly files: readonly Target[];
  readonly processes: readonly Target[];
  readonly bfds: readonly Target[];
}

export function trackTargets(draft: VrrpDraft, scriptAlive: readonly boolean[]): TrackTargets {
  return {
    scripts: draft.scripts.map(
      (s, i) => ({ name: s.name, weight: s.weight, weightReverse: s.weightReverse, isGone: scriptAlive[i] !== true }),
    ),
    files: draft.trackFiles.map(
      (f) => ({ name: f.name, weight: f.weight, weightReverse: f.weightReverse, isGone: false }),
    ),
    processes: draft.trackProcesses.map(
      (p) => ({ name: p.name, weight: p.weight, weightReverse: p.weightReverse, isGone: p.isRemoved }),
    ),
    bfds: draft.bfds.map(
      (b) => ({ name: b.name, weight: b.weight, weightReverse: b.weightReverse, isGone: !b.forVrrp }),
    ),
  };
}

/** All track lines of one instance or sync group. */
export function resolveTracks(
  ctx: Ctx,
  r: InterfaceResolver,
  lists: TrackListsDraft,
  targets: TrackTargets,
  owner: string,
): ResolvedTracks {
  return {
    interfaces: resolveInterfaces(ctx, r, lists.interfaces, owner),
    scripts: resolveObjects(ctx, lists.scripts, targets.scripts, 'script', owner),
    files: resolveObjects(ctx, lists.files, targets.files, 'file', owner),
    processes: resolveObjects(ctx, lists.processes, targets.processes, 'process', owner),
    bfds: resolveObjects(ctx, lists.bfds, targets.bfds, 'bfd', owner),
  };
}

/** Model form of a resolved reference list. */
export function toReferences(refs: readonly ResolvedRef[]): TrackReference[] {
  return refs.map((r) => ({ name: r.name, weight: r.weight, reverse: r.reverse, at: r.at }));
}
