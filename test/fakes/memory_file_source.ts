/**
 * Test fakes for the config front end: an in-memory FileSource and a seeded Random.
 */

import type { FileSource, Random, ReadFileResult } from '../../src/config/file_source.js';
import { compileGlobSegment, hasGlobMagic, splitGlobSegments, unescapeGlob } from '../../src/config/lexer_glob.js';

/** A file that never ends (like /dev/zero): reading it always exceeds maxBytes. */
export const ENDLESS = Symbol('endless');

/** A path whose read fails with this errno-like code. */
export interface FailingFile {
  readonly fail: string;
}

export type MemoryEntry = string | Uint8Array | typeof ENDLESS | FailingFile;

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let out = '';
    for (const b of bytes) out += String.fromCharCode(b);
    return out;
  }
}

function tidy(path: string): string {
  return `/${path.split('/').filter((p) => p !== '' && p !== '.').join('/')}`;
}

/**
 * Files keyed by absolute path. Directories exist implicitly (every parent of a file) or
 * explicitly through `directories`. Counts reads and globs for assertions.
 */
export class MemoryFileSource implements FileSource {
  readonly #files = new Map<string, MemoryEntry>();
  readonly #dirs = new Set<string>(['/']);
  /** Paths passed to readFile(), in order. */
  readonly reads: string[] = [];
  /** Patterns passed to glob(), in order. */
  readonly globs: string[] = [];

  constructor(files: Readonly<Record<string, MemoryEntry>> = {}, directories: readonly string[] = []) {
    for (const [path, entry] of Object.entries(files)) this.set(path, entry);
    for (const d of directories) this.addDirectory(d);
  }

  set(path: string, entry: MemoryEntry): this {
    const p = tidy(path);
    this.#files.set(p, entry);
    this.addDirectory(p.slice(0, p.lastIndexOf('/')) || '/');
    return this;
  }

  addDirectory(path: string): this {
    let p = tidy(path);
    while (!this.#dirs.has(p)) {
      this.#dirs.add(p);
      p = p.slice(0, p.lastIndexOf('/')) || '/';
    }
    return this;
  }

  #resolve(path: string): string {
    // Resolves `..` lexically (the fake has no symlinks).
    const out: string[] = [];
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') out.pop();
      else out.push(part);
    }
    return `/${out.join('/')}`;
  }

  readFile(path: string, maxBytes: number): ReadFileResult {
    this.reads.push(path);
    const p = this.#resolve(path);
    if (this.#dirs.has(p) && !this.#files.has(p)) {
      return { ok: false, code: 'EISDIR', message: `${path} is a directory` };
    }
    const entry = this.#files.get(p);
    if (entry === undefined) return { ok: false, code: 'ENOENT', message: `${path}: no such file` };
    if (entry === ENDLESS) return { ok: false, code: 'too_large', message: `${path} never ends` };
    if (typeof entry === 'object' && 'fail' in entry) {
      return { ok: false, code: entry.fail, message: `${path}: ${entry.fail}` };
    }
    const size = typeof entry === 'string' ? byteLength(entry) : entry.length;
    if (size > maxBytes) return { ok: false, code: 'too_large', message: `${path} is larger than ${maxBytes} bytes` };
    return { ok: true, text: typeof entry === 'string' ? entry : decode(entry) };
  }

  #children(dir: string): string[] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const names = new Set<string>();
    for (const p of [...this.#files.keys(), ...this.#dirs]) {
      if (p.startsWith(prefix) && p !== dir) {
        const rest = p.slice(prefix.length);
        const name = rest.split('/')[0];
        if (name !== undefined && name !== '') names.add(name);
      }
    }
    return [...names];
  }

  #exists(path: string): boolean {
    const p = this.#resolve(path);
    return this.#files.has(p) || this.#dirs.has(p);
  }

  #isDir(path: string): boolean {
    const p = this.#resolve(path);
    return this.#dirs.has(p) && !this.#files.has(p);
  }

  glob(pattern: string): readonly string[] {
    this.globs.push(pattern);
    if (!pattern.startsWith('/')) return [];
    const onlyDirs = pattern.endsWith('/');
    const segments = splitGlobSegments(pattern);
    let current = ['/'];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as string;
      const last = i === segments.length - 1;
      const next: string[] = [];
      for (const dir of current) {
        const base = dir === '/' ? '/' : `${dir}/`;
        if (!hasGlobMagic(seg)) {
          next.push(base + unescapeGlob(seg));
          continue;
        }
        if (!this.#isDir(dir)) continue;
        const m = compileGlobSegment(seg);
        const names = this.#children(this.#resolve(dir));
        if (m.matchesHidden) names.push('.', '..');
        for (const name of names) {
          if (!m.matches(name)) continue;
          const full = base + name;
          if ((!last || onlyDirs) && !this.#isDir(full)) continue;
          next.push(full);
        }
      }
      current = next;
    }
    return current.filter((p) => (onlyDirs ? this.#isDir(p) : this.#exists(p))).sort();
  }
}

/** mulberry32: a tiny seeded PRNG. */
export class SeededRandom implements Random {
  #state: number;
  /** Every intBetween() call, for assertions. */
  readonly calls: [number, number][] = [];

  constructor(seed = 1) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  intBetween(min: number, max: number): number {
    this.calls.push([min, max]);
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** A Random that always returns the same offset from min (clamped to max). */
export class FixedRandom implements Random {
  readonly #offset: number;
  constructor(offset = 0) {
    this.#offset = offset;
  }
  intBetween(min: number, max: number): number {
    return Math.min(max, min + this.#offset);
  }
}
