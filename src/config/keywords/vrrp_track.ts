/**
 * Tracked objects declared at the root: `track_file` (and its old name `vrrp_track_file`)
 * and `vrrp_track_process`.
 * keepalived-compat: trackers/track_file.c and vrrp/vrrp_parser.c vrrp_tprocess_*
 * (2.2.7): same messages and severities. keepalived-ts does not watch files/processes yet
 * (P2); the objects are kept so track_file/track_process references resolve like keepalived.
 */
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readInt, readUnsigned } from '../values.js';
import { readDecimalLenient, type Ctx, type KeywordDef } from './global_values.js';
import type { TrackFileDraft, TrackProcessDraft } from './vrrp_draft.js';
import { keepalivedCrash } from './vrrp_current.js';
import { noteCheckerTrackFile } from './lvs_draft.js';

function trackFileStart(words: readonly string[], ctx: Ctx): void {
  if (words[0] === 'vrrp_track_file') {
    ctx.notice('deprecated', '"vrrp_track_file" is deprecated, please use "track_file"');
  }
  const name = ctx.word(words, 1);
  ctx.state.vrrp.currentTrackFile = {
    name, at: ctx.at, path: undefined, weight: 1, weightReverse: false, init: undefined,
  };
}

function onFile(fn: (f: TrackFileDraft, words: readonly string[], ctx: Ctx) => void) {
  return (words: readonly string[], ctx: Ctx): void => {
    const f = ctx.state.vrrp.currentTrackFile;
    if (f !== undefined) fn(f, words, ctx);
  };
}

const fileFile = (words: readonly string[], ctx: Ctx): void => {
  if (words[1] === undefined) {
    ctx.report('general_error', 'missing_value', 'track file file name missing');
    return;
  }
  onFile((f, w) => {
    if (f.path !== undefined) {
      ctx.report(
        'general_error',
        'duplicate',
        `File already set for track file ${f.name} - ignoring ${w[1] ?? ''}`,
      );
      return;
    }
    f.path = w[1];
  })(words, ctx);
};

const fileWeight = onFile((f, words, ctx) => {
  const text = words[1];
  if (text === undefined) {
    ctx.report(
      'general_error',
      'missing_value',
      `No weight specified for track file ${f.name} - ignoring`,
    );
    return;
  }
  if (f.weight !== 1) {
    ctx.report(
      'general_error',
      'duplicate',
      `Weight already set for track file ${f.name} - ignoring ${text}`,
    );
    return;
  }
  const v = readInt(ctx, text, -254, 254);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_weight',
      `Weight (${text}) for track_file ${f.name} must be between [-254..254] inclusive. ` +
      `Ignoring...`,
    );
  }
  f.weight = v ?? 1;
  const opt = words[2];
  if (opt === undefined) return;
  if (opt === 'reverse') f.weightReverse = true;
  else ctx.report(
    'general_error',
    'unknown_option',
    `track_file ${f.name} unknown weight option ${opt}`,
  );
});

const fileInit = onFile((f, words, ctx) => {
  let value = 0;
  let overwrite = false;
  for (const raw of words.slice(1)) {
    const w = raw.replace(/^[ \t\f\n\r\v]+/, '');
    if (/^[0-9-]/.test(w)) {
      const v = readInt(ctx, raw, -2147483648, 2147483647);
      if (v === undefined) {
        ctx.report(
          'general_error',
          'invalid_value',
          `Track file ${f.name} init value ${w} is invalid`,
        );
        value = 0;
      } else {
        if (v < -254 || v > 254) {
          ctx.report(
            'general_error',
            'invalid_value',
            `Track file ${f.name} init value ${v} is outside sensible range [-254, 254]`,
          );
        }
        value = v;
      }
    } else if (w === 'overwrite') overwrite = true;
    else ctx.report('general_error', 'unknown_option', `Unknown track file init option ${w}`);
  }
  f.init = { value, overwrite };
});

function trackFileEnd(ctx: Ctx): void {
  const v = ctx.state.vrrp;
  const f = v.currentTrackFile;
  if (f === undefined) return;
  v.currentTrackFile = undefined;
  if (f.path === undefined) {
    ctx.report('general_error', 'no_file', `No file set for track_file ${f.name} - ignoring`);
    return;
  }
  v.trackFiles.push(f);
  // The checker process keeps it too, for FILE_CHECK (track_file.c track_file_end_handler()).
  noteCheckerTrackFile(ctx.state.lvs, f.name, { weight: f.weight, reverse: f.weightReverse });
}

const trackFileTable = keywordTable<ConfigDraft>([
  { name: 'file', handler: fileFile },
  { name: 'weight', handler: fileWeight },
  { name: 'init_file', handler: fileInit },
]);

function currentProcess(ctx: Ctx): TrackProcessDraft | undefined {
  return ctx.state.vrrp.trackProcesses.at(-1);
}

function onProcess(
  name: string,
  fn: (p: TrackProcessDraft, words: readonly string[], ctx: Ctx) => void,
): KeywordDef {
  return {
    name,
    handler: (words, ctx) => fn(
      currentProcess(ctx) ?? keepalivedCrash(
        ctx,
        'a vrrp_track_process keyword with no vrrp_track_process',
      ),
      words,
      ctx,
    ),
  };
}

function trackProcessStart(words: readonly string[], ctx: Ctx): void {
  const name = ctx.word(words, 1);
  ctx.state.vrrp.trackProcesses.push({
    name, at: ctx.at, process: undefined, params: [], paramMatch: 'none', weight: 0,
    weightReverse: false, quorum: 1, quorumMax: undefined, forkDelayUs: 0, terminateDelayUs: 0,
    fullCommand: false, isRemoved: false,
  });
}

const processProcess = onProcess('process', (p, words, ctx) => {
  const path = ctx.word(words, 1);
  if (p.process !== undefined) {
    ctx.report(
      'general_error',
      'duplicate',
      `Process already set for track process ${p.name} - ignoring ${path}`,
    );
    return;
  }
  p.process = path;
  if (words.length > 2) {
    p.params = words.slice(2);
    if (p.paramMatch === 'none') p.paramMatch = 'exact';
    p.fullCommand = true;
  }
});

const processMatch = onProcess('param_match', (p, words, ctx) => {
  const w = words[1];
  if (w === undefined) p.paramMatch = 'exact';
  else if (w === 'initial' || w === 'partial') p.paramMatch = w;
  else {
    ctx.report('general_error', 'invalid_value', `Invalid param_match type ${w} - ignoring`);
    return;
  }
  p.fullCommand = true;
});

const processWeight = onProcess('weight', (p, words, ctx) => {
  const text = words[1];
  if (text === undefined) {
    ctx.report(
      'general_error',
      'missing_value',
      `No weight specified for track process ${p.name} - ignoring`,
    );
    return;
  }
  if (p.weight !== 0) {
    ctx.report(
      'general_error',
      'duplicate',
      `Weight already set for track process ${p.name} - ignoring ${text}`,
    );
    return;
  }
  const v = readInt(ctx, text, -254, 254);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_weight',
      `Weight (${text}) for vrrp_track_process ${p.name} must be between [-254..254] ` +
      `inclusive. Ignoring...`,
    );
    return;
  }
  const opt = words[2];
  if (opt === 'reverse') p.weightReverse = true;
  else if (opt !== undefined) {
    ctx.report(
      'general_error',
      'unknown_option',
      `vrrp_track_process ${p.name} unknown weight option ${opt}`,
    );
  }
  p.weight = v;
});

const processQuorum = onProcess('quorum', (p, words, ctx) => {
  const text = ctx.word(words, 1);
  const v = readUnsigned(ctx, text, 1, 65535);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `Quorum (${text}) for vrrp_track_process ${p.name} must be between [1..65535] inclusive. ` +
      `Ignoring...`,
    );
    return;
  }
  if (p.quorumMax !== undefined && v > p.quorumMax) {
    ctx.report('general_error', 'invalid_value', 'Quorum is greater than quorum_max - ignoring');
    return;
  }
  p.quorum = v;
});

const processQuorumMax = onProcess('quorum_max', (p, words, ctx) => {
  const text = ctx.word(words, 1);
  const v = readUnsigned(ctx, text, 0, 65535);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `quorum_max (${text}) for vrrp_track_process ${p.name} must be between [0..65535] ` +
      `inclusive. Ignoring...`,
    );
    return;
  }
  // keepalived-compat: quorum_max 0 is allowed when no quorum above 1 was set.
  if ((v !== 0 || p.quorum > 1) && v < p.quorum) {
    ctx.report('general_error', 'invalid_value', 'quorum_max is less than quorum - ignoring');
    return;
  }
  p.quorumMax = v;
  if (v === 0) p.quorum = 0;
  else if (p.quorum === 0) p.quorum = 1;
});

function processDelay(name: 'delay' | 'terminate_delay' | 'fork_delay'): KeywordDef {
  return onProcess(name, (p, words, ctx) => {
    const text = ctx.word(words, 1);
    const v = readDecimalLenient(ctx, text, { min: 1, max: 3600 * 1_000_000, shift: 6 });
    if (v === undefined) {
      const prefix = name === 'delay' ? '' : name.replace('delay', '');
      ctx.report(
        'general_error',
        'invalid_value',
        `${prefix}delay (${text}) for vrrp_track_process ${p.name} must be between ` +
        `[0.000001..3600] inclusive. Ignoring...`,
      );
      return;
    }
    if (name !== 'fork_delay') p.terminateDelayUs = v;
    if (name !== 'terminate_delay') p.forkDelayUs = v;
  });
}

function trackProcessEnd(ctx: Ctx): void {
  const p = currentProcess(ctx);
  if (p === undefined || p.process !== undefined) return;
  ctx.report('general_error', 'no_process', `track process '${p.name}' process name not specified`);
  p.isRemoved = true;
}

const trackProcessTable = keywordTable<ConfigDraft>([
  processProcess,
  processMatch,
  processWeight,
  processQuorum,
  processQuorumMax,
  processDelay('delay'),
  processDelay('terminate_delay'),
  processDelay('fork_delay'),
  onProcess('full_command', (p) => (p.fullCommand = true)),
]);

export const trackRootKeywords: readonly KeywordDef[] = [
  { name: 'track_file', handler: trackFileStart, sub: trackFileTable, onClose: trackFileEnd },
  { name: 'vrrp_track_file', handler: trackFileStart, sub: trackFileTable, onClose: trackFileEnd },
  { name: 'vrrp_track_process', handler: trackProcessStart, sub: trackProcessTable, onClose: trackProcessEnd },
];
