/**
 * FILE_CHECK: the real server follows a track_file (keepalived 2.2.7 check_file.c,
 * trackers/track_file.c update_track_file_status / process_update_checker_track_file_status).
 * The probe reads the file once; watching it for changes is the caller's business (see
 * vrrp/file_tracker.ts, whose parser is reused so both agree on the number).
 *
 * - The value: the file's first 127 bytes through strtol(…, 0); a missing or unreadable
 *   file, or no digits, is 0. An out-of-range number is ignored by keepalived (the
 *   previous value stays); with no previous value here, that is reported as 0.
 * - Weight 0: a non-zero value is FAULT (checker down); `reverse` flips that (0 is FAULT).
 * - Weight W: the weight offset is value × W (× −1 with `reverse`), clamped to int32; it is
 *   FAULT only when that reaches INT_MIN, otherwise the checker is up and dynamicWeight is
 *   the offset.
 * - FILE_CHECK's own `weight` wins; without one the track_file's weight and reverse apply.
 */
import { open } from 'node:fs/promises';
import type { FileChecker } from '../../config/model/lvs.js';
import type { TrackFile } from '../../config/model/vrrp.js';
import { parseTrackFileContent } from '../../vrrp/file_tracker.js';
import { describeError, runAttempt } from './_attempt.js';
import type { ProbeOptions, ProbeResult } from './probe_result.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** Reading a local file should never take long; a hung NFS mount must not hang us. */
const FILE_READ_TIMEOUT_MS = 1000;

export interface FileProbeOptions extends ProbeOptions {
  /** The global track_file the checker names (its path, default weight and reverse). */
  readonly trackFile: Pick<TrackFile, 'path' | 'weight' | 'weightReverse'>;
  /** @default 1000 */
  readonly timeoutMs?: number | undefined;
}

/** keepalived's status for one value: FAULT (null) or the weight offset. */
export function fileCheckStatus(value: number, weight: number, reverse: boolean): number | null {
  if (weight === 0) return (value !== 0) !== reverse ? null : 0;
  const offset = Math.min(INT_MAX, Math.max(INT_MIN, value * weight * (reverse ? -1 : 1)));
  return offset === INT_MIN ? null : offset;
}

/** Reads the value as keepalived does (first 127 bytes, strtol base 0; unreadable = 0). */
export async function readTrackFileValue(path: string): Promise<number> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.alloc(127);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const parsed = parseTrackFileContent(buf.subarray(0, bytesRead).toString('latin1'));
    return parsed.kind === 'value' ? parsed.value : 0;
  } catch {
    return 0;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * @example
 * const r = await probeFile(checker, { trackFile: tracked });
 */
export function probeFile(
  config: Pick<FileChecker, 'weight' | 'reverse'>,
  options: FileProbeOptions,
): Promise<ProbeResult> {
  return runAttempt(
    { timeoutMs: options.timeoutMs ?? FILE_READ_TIMEOUT_MS, signal: options.signal },
    async (attempt) => {
      const tf = options.trackFile;
      const weight = config.weight ?? tf.weight;
      const reverse = config.weight === undefined ? tf.weightReverse : config.reverse;
      let value: number;
      try {
        value = await readTrackFileValue(tf.path);
      } catch (err) {
        attempt.finish(false, 'internal_error', describeError(err));
        return;
      }
      const status = fileCheckStatus(value, weight, reverse);
      if (status === null) {
        attempt.finish(false, 'file_fault', `tracked file ${tf.path} value ${value} is FAULT`);
      } else if (weight === 0) {
        attempt.finish(true, 'ok', `tracked file ${tf.path} value ${value}`);
      } else {
        attempt.finish(true, 'ok', `tracked file ${tf.path} value ${value}, weight ${status}`, status);
      }
    },
  );
}
