/**
 * track_file: watches one file and reports the integer it holds. Shell: fs.watch and
 * file reads.
 *
 * keepalived 2.2.7 (trackers/track_file.c): inotify on the file's *directory* for
 * IN_CLOSE_WRITE | IN_DELETE | IN_MOVE, so the file may be created, replaced by rename or
 * deleted at any time. On a write or move-in the file is re-read; on delete or move-out
 * its value is 0. A value that is unchanged reports nothing. The file is read once at
 * start-up without reporting a change (its value, or 0 when it does not exist, is the
 * starting point).
 *
 * Parsing (process_track_file): at most the first 127 bytes, strtol(buf, NULL, 0): leading
 * blanks, a sign, then decimal, 0x hex or 0 octal digits up to the first other character;
 * no digits (or an empty file, or a file that cannot be opened) is 0. A value outside
 * -2147483648..2147483648 (sic: INT32_MAX + 1 is accepted) or that overflows a long is
 * logged `Invalid number N read from PATH - ignoring` and leaves the value as it was.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { TrackFile } from '../config/model/vrrp.js';

export type TrackFileParse =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'invalid'; readonly printed: string };

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);
const INT32_MIN = -(1n << 31n);
const INT32_MAX_PLUS_1 = 1n << 31n;
/** process_track_file reads into char buf[128]. */
const MAX_READ_BYTES = 127;

/** keepalived's parse of a track file's content (strtol base 0 plus its range check). */
export function parseTrackFileContent(text: string): TrackFileParse {
  let i = 0;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i] ?? '')) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  let base = 10n;
  let digits = '0123456789';
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
    base = 16n;
    digits = '0123456789abcdef';
    i += 2;
  } else if (text[i] === '0') {
    base = 8n;
    digits = '01234567';
  }
  let magnitude = 0n;
  while (i < text.length) {
    const d = digits.indexOf((text[i] ?? '').toLowerCase());
    if (d < 0) break;
    magnitude = magnitude * base + BigInt(d);
    i++;
  }
  let value = negative ? -magnitude : magnitude;
  // strtol saturates and sets ERANGE on overflow; keepalived logs the saturated value.
  if (value > LONG_MAX) return { kind: 'invalid', printed: String(LONG_MAX) };
  if (value < LONG_MIN) return { kind: 'invalid', printed: String(LONG_MIN) };
  if (value < INT32_MIN || value > INT32_MAX_PLUS_1) return { kind: 'invalid', printed: String(value) };
  if (value === -0n) value = 0n;
  return { kind: 'value', value: Number(value) };
}

export interface FileTrackerOptions {
  readonly file: Pick<TrackFile, 'name' | 'path' | 'init'>;
  readonly log: (line: string) => void;
  /** Called with the new value whenever it changes after start(). */
  readonly onValue: (name: string, value: number) => void;
  /** A reload: init_file does not overwrite an existing file (track_file_end_handler). */
  readonly isReload?: boolean;
  /**
   * Wait this long after a change notice before reading, so a writer that creates, then
   * writes, then closes is read once, as inotify's IN_CLOSE_WRITE would (default 20 ms).
   */
  readonly settleMs?: number;
}

export class FileTracker {
  private readonly options: FileTrackerOptions;
  private watcher: FSWatcher | undefined;
  private resolvedPath: string;
  private current = 0;
  private settleTimer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private isStopped = false;

  /** No I/O: start() initialises, reads and watches. */
  constructor(options: FileTrackerOptions) {
    this.options = options;
    this.resolvedPath = options.file.path;
  }

  /** The current value (0 until read, and while the file is missing). */
  get value(): number {
    return this.current;
  }

  /** The path actually watched (symlinks and the directory resolved, like keepalived). */
  get path(): string {
    return this.resolvedPath;
  }

  /**
   * Writes init_file if configured, resolves the path, reads the starting value and
   * starts watching. False when the file's directory does not exist (keepalived removes
   * the track_file: "Track file directory for NAME does not exist - removing").
   */
  async start(): Promise<boolean> {
    const file = this.options.file;
    await this.initialise();
    const resolved = await resolveTrackPath(file.path);
    if (resolved === undefined) {
      this.options.log(`Track file directory for ${file.name} does not exist - removing`);
      return false;
    }
    this.resolvedPath = resolved;
    const initial = await this.readValue();
    if (initial !== undefined) this.current = initial;
    if (this.isStopped) return true;
    const dir = dirname(resolved);
    const part = basename(resolved);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, name) => {
        // Node may not know the name on some platforms; then re-read anyway.
        if (name !== null && name !== part) return;
        this.scheduleRead();
      });
      this.watcher.on('error', (err) => this.options.log(`Unable to monitor track files (${err.message})`));
    } catch {
      this.options.log('Unable to monitor track files');
    }
    return true;
  }

  stop(): void {
    this.isStopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.settleTimer !== undefined) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
  }

  private scheduleRead(): void {
    if (this.isStopped) return;
    if (this.settleTimer !== undefined) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.reading = this.reading.then(() => this.refresh());
    }, this.options.settleMs ?? 20);
  }

  private async refresh(): Promise<void> {
    if (this.isStopped) return;
    const next = await this.readValue();
    if (next === undefined || this.isStopped) return;
    if (next === this.current) return;
    this.current = next;
    this.options.onValue(this.options.file.name, next);
  }

  /** The file's value: 0 if missing, empty or unreadable; undefined if invalid (logged). */
  private async readValue(): Promise<number | undefined> {
    let text = '';
    try {
      const fh = await open(this.resolvedPath, 'r');
      try {
        const buf = Buffer.alloc(MAX_READ_BYTES);
        const { bytesRead } = await fh.read(buf, 0, MAX_READ_BYTES, 0);
        text = buf.subarray(0, bytesRead).toString('latin1');
      } finally {
        await fh.close();
      }
    } catch {
      return 0;
    }
    // A NUL ends the C string.
    const nul = text.indexOf('\0');
    const parsed = parseTrackFileContent(nul >= 0 ? text.slice(0, nul) : text);
    if (parsed.kind === 'value') return parsed.value;
    this.options.log(`Invalid number ${parsed.printed} read from ${this.resolvedPath} - ignoring`);
    return undefined;
  }

  /**
   * init_file [VALUE] [overwrite]: create the file with `VALUE\n` when missing; with
   * overwrite also replace an existing regular file, except on reload.
   */
  private async initialise(): Promise<void> {
    const init = this.options.file.init;
    if (init === undefined) return;
    const path = this.options.file.path;
    const st = await stat(path).catch(() => undefined);
    if (st !== undefined) {
      if (!init.overwrite) return;
      if (!st.isFile()) {
        this.options.log(`Cannot initialise track file ${this.options.file.name} - it is not a regular file`);
        return;
      }
      if (this.options.isReload === true) return;
    }
    try {
      await writeFile(path, `${init.value}\n`);
    } catch {
      this.options.log(`Unable to initialise track file ${this.options.file.name}`);
    }
  }
}

/**
 * keepalived's init_track_files(): realpath of the file, or, when it does not exist, of
 * its directory (which must be a directory) joined with the file name.
 */
async function resolveTrackPath(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  const dir = path.includes('/') ? dirname(path) : '.';
  try {
    const resolvedDir = await realpath(dir);
    const st = await stat(resolvedDir);
    return st.isDirectory() ? join(resolvedDir, basename(path)) : undefined;
  } catch {
    return undefined;
  }
}
