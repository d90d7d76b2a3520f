/**
 * The checkers that follow another object instead of probing: FILE_CHECK (a track_file,
 * check/check_file.c) and BFD_CHECK (a bfd_instance, check/check_bfd.c). Both refer to
 * blocks that must appear earlier in the configuration, as keepalived looks them up while
 * parsing.
 */
import type { Keyword } from '../interpreter.js';
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readInt } from '../values.js';
import { formatAddressTrio } from '../model/lvs_format.js';
import {
  currentRealServer,
  dequeueChecker,
  type CheckerDraft,
  type FileCheckDraft,
} from './lvs_draft.js';
import { queueChecker } from './check_common.js';
import { IPVS_WEIGHT_LIMIT, readFlag, type Ctx } from './lvs_values.js';

type K = Keyword<ConfigDraft>;
type BfdSpec = Extract<CheckerDraft['spec'], { type: 'BFD_CHECK' }>;

/** BFD_INAME_MAX - 1. */
const BFD_NAME_MAX = 31;

function currentFileCheck(ctx: Ctx): FileCheckDraft | undefined {
  const files = currentRealServer(ctx.state.lvs)?.fileChecks;
  return files?.[files.length - 1];
}

function fileWeight(file: FileCheckDraft, words: readonly string[], ctx: Ctx): void {
  const text = words[1];
  if (text === undefined) {
    ctx.report('general_error', 'file_weight_missing', 'track file weight missing');
    return;
  }
  const weight = readInt(ctx, text, -IPVS_WEIGHT_LIMIT, IPVS_WEIGHT_LIMIT);
  if (weight === undefined) {
    ctx.report(
      'general_error',
      'file_weight_invalid',
      `weight for track file must be in [${-IPVS_WEIGHT_LIMIT}..${IPVS_WEIGHT_LIMIT}] ` +
        'inclusive. Ignoring...',
    );
    return;
  }
  let reverse = false;
  const option = words[2];
  if (option === 'reverse') reverse = true;
  else if (option !== undefined && option !== 'noreverse') {
    ctx.report(
      'general_error',
      'file_weight_option',
      `unknown track file weight option ${option} - ignoring`,
    );
    return;
  }
  file.weight = weight;
  file.reverse = reverse;
}

function fileEnd(ctx: Ctx): void {
  const rs = currentRealServer(ctx.state.lvs);
  const file = currentFileCheck(ctx);
  if (rs === undefined || file === undefined) return;
  if (file.trackFile === undefined) {
    ctx.report(
      'general_error',
      'file_no_track_file',
      'FILE_CHECK has no track_file specified - ignoring',
    );
    rs.fileChecks.pop();
    return;
  }
  if (file.weight === undefined) {
    const tracked = ctx.state.lvs.trackFiles.get(file.trackFile);
    file.weight = tracked?.weight;
    file.reverse = tracked?.reverse ?? false;
  }
}

export const fileCheckKeyword: K = {
  name: 'FILE_CHECK',
  handler: (_words, ctx) => {
    const lvs = ctx.state.lvs;
    const rs = currentRealServer(lvs);
    if (rs === undefined) return;
    const seq = lvs.nextSeq++;
    const file = { at: ctx.at, seq, trackFile: undefined, weight: undefined, reverse: false };
    rs.fileChecks.push(file);
  },
  onClose: fileEnd,
  sub: keywordTable<ConfigDraft>([
    {
      name: 'track_file',
      handler: (words, ctx) => {
        const file = currentFileCheck(ctx);
        const name = ctx.word(words, 1);
        if (file === undefined) return;
        if (!ctx.state.lvs.trackFiles.has(name)) {
          ctx.report('general_error', 'file_track_file_unknown', `track_file ${name} not found`);
          return;
        }
        file.trackFile = name;
      },
    },
    {
      name: 'weight',
      handler: (words, ctx) => {
        const file = currentFileCheck(ctx);
        if (file !== undefined) fileWeight(file, words, ctx);
      },
    },
  ]),
};

function bfdBlock(ctx: Ctx): { checker: CheckerDraft; spec: BfdSpec } | undefined {
  const checker = ctx.state.lvs.bfdBlock;
  if (checker === undefined || checker.spec.type !== 'BFD_CHECK') return undefined;
  if (checker.spec.dropped) return undefined;
  return { checker, spec: checker.spec };
}

function rsText(checker: CheckerDraft): string {
  return formatAddressTrio(checker.rs.address, checker.rs.vs.protocol);
}

function dropBfd(ctx: Ctx, spec: BfdSpec): void {
  dequeueChecker(ctx.state.lvs);
  spec.dropped = true;
}

/** The reason a BFD_CHECK `name` line is refused, worded as check_bfd.c does; or undefined. */
function bfdNameProblem(
  ctx: Ctx,
  checker: CheckerDraft,
  spec: BfdSpec,
  words: readonly string[],
): string | undefined {
  const where = `(${rsText(checker)})`;
  const name = words[1] ?? '';
  const bfd = `${where} BFD_CHECK - BFD`;
  if (words.length !== 2) {
    return `${where} BFD_CHECK - No or too many names specified - skipping checker`;
  }
  if (!ctx.state.lvs.bfdInstances.has(name)) return `${bfd} ${name} not configured`;
  if (spec.name !== undefined) return `${bfd} ${name} already specified as ${spec.name}`;
  if (name.length > BFD_NAME_MAX) return `${where} BFD_CHECK - BFD name ${name} too long`;
  if (checker.rs.trackedBfds.has(name)) return `${where} BFD_CHECK - RS already monitoring ${name}`;
  return undefined;
}

export const bfdCheckKeyword: K = {
  name: 'BFD_CHECK',
  handler: (_words, ctx) => {
    const spec: BfdSpec = { type: 'BFD_CHECK', name: undefined, dropped: false };
    ctx.state.lvs.bfdBlock = queueChecker(ctx, spec, { withConnection: false, timed: false });
  },
  onClose: (ctx) => {
    const block = bfdBlock(ctx);
    ctx.state.lvs.bfdBlock = undefined;
    if (block === undefined) return;
    if (block.spec.name === undefined) {
      ctx.report(
        'general_error',
        'bfd_no_name',
        `(${rsText(block.checker)}) No name has been specified for BFD_CHECKER - skipping`,
      );
      dropBfd(ctx, block.spec);
      return;
    }
    block.checker.rs.trackedBfds.add(block.spec.name);
  },
  sub: keywordTable<ConfigDraft>([
    {
      name: 'name',
      handler: (words, ctx) => {
        const block = bfdBlock(ctx);
        if (block === undefined) return;
        const problem = bfdNameProblem(ctx, block.checker, block.spec, words);
        if (problem !== undefined) {
          ctx.report('general_error', 'bfd_name_invalid', problem);
          dropBfd(ctx, block.spec);
          return;
        }
        block.spec.name = words[1];
      },
    },
    {
      name: 'alpha',
      handler: (words, ctx) => {
        const block = bfdBlock(ctx);
        if (block === undefined) return;
        const b = readFlag(ctx, words, 'Invalid alpha parameter');
        if (b !== undefined) block.checker.alpha = b;
      },
    },
  ]),
};
