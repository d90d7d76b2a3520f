/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) into self and inclusive times per function,
 * for a benchmark's "where does the time go" report.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  /** `name (file:line)`, the file relative to dist/ when it is ours. */
  readonly where: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly durationMs: number;
  readonly sampledMs: number;
  readonly idleMs: number;
  /** By self time, largest first. */
  readonly bySelf: readonly ProfileEntry[];
  /** By inclusive time (a function counted once per sample even when recursive). */
  readonly byTotal: readonly ProfileEntry[];
}

function label(f: CallFrame): string {
  const name = f.functionName === '' ? '(anonymous)' : f.functionName;
  if (f.url === '') return name;
  const m = /\/dist\/(.*)$/.exec(f.url);
  const file = m?.[1] ?? f.url.replace(/^file:\/\//, '').replace(/^node:/, 'node:');
  return `${name} (${file}:${f.lineNumber + 1})`;
}

/**
 * Self and inclusive milliseconds per function label.
 * @param window only the samples from `startBeforeEndMs` to `endBeforeEndMs` before the
 *   profile's end (e.g. the measurement window, leaving out start-up and shutdown).
 */
export function summarizeCpuProfile(
  path: string,
  window?: { readonly startBeforeEndMs: number; readonly endBeforeEndMs: number },
): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfUs = new Map<string, number>();
  const totalUs = new Map<string, number>();
  let sampledUs = 0;
  let idleUs = 0;
  const from = window === undefined ? -Infinity : p.endTime - window.startBeforeEndMs * 1000;
  const to = window === undefined ? Infinity : p.endTime - window.endBeforeEndMs * 1000;
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    if (t < from || t > to) return;
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample's time runs until the next one
    const node = byId.get(id);
    if (node === undefined) return;
    sampledUs += dt;
    const self = label(node.callFrame);
    if (node.callFrame.functionName === '(idle)') idleUs += dt;
    selfUs.set(self, (selfUs.get(self) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n === undefined) break;
      const l = label(n.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      totalUs.set(l, (totalUs.get(l) ?? 0) + dt);
    }
  });
  const entries = [...new Set([...selfUs.keys(), ...totalUs.keys()])].map((where) => ({
    where,
    selfMs: (selfUs.get(where) ?? 0) / 1000,
    totalMs: (totalUs.get(where) ?? 0) / 1000,
  }));
  return {
    durationMs: (Math.min(to, p.endTime) - Math.max(from, p.startTime)) / 1000,
    sampledMs: sampledUs / 1000,
    idleMs: idleUs / 1000,
    bySelf: [...entries].sort((a, b) => b.selfMs - a.selfMs),
    byTotal: [...entries].sort((a, b) => b.totalMs - a.totalMs),
  };
}
