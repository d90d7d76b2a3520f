/**
 * Shell: the real FileSource over node:fs.
 *
 * readFile() reads at most maxBytes + 1 bytes (so /dev/zero or a huge file costs a bounded
 * amount), refuses directories, never opens FIFOs or sockets (opening one could block
 * forever), and decodes UTF-8, falling back to latin1 for bytes that are not UTF-8 (every
 * byte is kept; keepalived reads bytes). A UTF-8 byte order mark is kept, as keepalived would
 * see it.
 *
 * glob() implements glob(3) as keepalived calls it, minus GLOB_BRACE (the lexer expands
 * braces): `*`, `?`, `[...]` per path segment, backslash escapes, hidden entries only for a
 * segment starting with a literal `.`, a trailing `/` matching directories only, results
 * sorted per pattern. A literal path is returned when lstat() finds it (dangling symlinks
 * included), as glob(3) does.
 */

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import type { FileSource, ReadFileResult } from '../config/file_source.js';
import { compileGlobSegment, hasGlobMagic, splitGlobSegments, unescapeGlob } from '../config/lexer_glob.js';

/** Bounds on one glob() call. */
export const GLOB_LIMITS = {
  /** Matches returned at most. */
  maxResults: 10_000,
  /** Directory entries examined at most. */
  maxEntriesScanned: 200_000,
} as const;

const CHUNK = 64 * 1024;

function errnoOf(err: unknown): { code: string; message: string } {
  if (err !== null && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    return {
      code: typeof e.code === 'string' ? e.code : 'EIO',
      message: typeof e.message === 'string' ? e.message : String(err),
    };
  }
  return { code: 'EIO', message: String(err) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8, or latin1 when the bytes are not valid UTF-8. */
export function decodeConfigBytes(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class NodeFileSource implements FileSource {
  readFile(path: string, maxBytes: number): ReadFileResult {
    let fd: number | undefined;
    try {
      const st = statSync(path);
      if (st.isDirectory()) return { ok: false, code: 'EISDIR', message: `${path} is a directory` };
      if (st.isFIFO() || st.isSocket()) {
        return { ok: false, code: 'not_regular', message: `${path} is not a regular file` };
      }
      // O_NONBLOCK: a FIFO swapped in after the stat() must not block the open or the reads.
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
      if (fstatSync(fd).isDirectory()) return { ok: false, code: 'EISDIR', message: `${path} is a directory` };
      const cap = Math.max(0, Math.floor(maxBytes));
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const want = Math.min(CHUNK, cap + 1 - total);
        if (want <= 0) break;
        const buf = Buffer.allocUnsafe(want);
        const n = readSync(fd, buf, 0, want, null);
        if (n === 0) break;
        chunks.push(n === want ? buf : buf.subarray(0, n));
        total += n;
      }
      if (total > cap) {
        return { ok: false, code: 'too_large', message: `${path} is larger than ${cap} bytes` };
      }
      return { ok: true, text: decodeConfigBytes(Buffer.concat(chunks, total)) };
    } catch (err) {
      const e = errnoOf(err);
      return { ok: false, code: e.code, message: e.message };
    } finally {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // Nothing useful to do.
        }
      }
    }
  }

  glob(pattern: string): readonly string[] {
    if (pattern === '') return [];
    const onlyDirs = pattern.endsWith('/');
    const segments = splitGlobSegments(pattern);
    const absolute = pattern.startsWith('/');
    let current: string[] = [absolute ? '/' : '.'];
    let scanned = 0;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as string;
      const last = i === segments.length - 1;
      const next: string[] = [];
      if (!hasGlobMagic(seg)) {
        const name = unescapeGlob(seg);
        for (const dir of current) next.push(joinPath(dir, name));
      } else {
        const matcher = compileGlobSegment(seg);
        for (const dir of current) {
          let names: string[];
          try {
            names = readdirSync(dir);
          } catch {
            continue;
          }
          if (matcher.matchesHidden) names.push('.', '..');
          for (const name of names) {
            if (++scanned > GLOB_LIMITS.maxEntriesScanned) break;
            if (!matcher.matches(name)) continue;
            const full = joinPath(dir, name);
            if ((!last || onlyDirs) && !isDirectory(full)) continue;
            next.push(full);
            if (next.length >= GLOB_LIMITS.maxResults) break;
          }
        }
      }
      current = next;
      if (current.length === 0) return [];
    }
    const results = current.filter((p) => (onlyDirs ? isDirectory(p) : exists(p)));
    const out = absolute ? results : results.map((p) => (p.startsWith('./') ? p.slice(2) : p));
    if (segments.length === 0) return absolute && exists('/') ? ['/'] : [];
    return out.sort(compareBytes).slice(0, GLOB_LIMITS.maxResults);
  }
}
