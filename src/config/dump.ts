/**
 * Dumps of the resolved configuration: JSON for `--dump-config`, indented text lines for
 * `-d` (keepalived's --dump-conf writes its data structures to the log; ours is the model).
 */
import type { KeepalivedConfig } from './model.js';

/** The model as pretty JSON (the model is plain data: strings, numbers, booleans, arrays). */
export function configToJson(config: KeepalivedConfig): string {
  return JSON.stringify(config, null, 2);
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/**
 * One line per scalar, indented by depth: `vrrp.instances[0].name = "VI_1"` style is hard
 * to read in a log, so nested objects open an indented section instead.
 */
export function dumpConfigLines(config: KeepalivedConfig): string[] {
  const out: string[] = [];
  // Iterative walk: the model is shallow, but a loop keeps us safe from deep inputs anyway.
  const stack: { key: string; value: unknown; depth: number }[] = [
    { key: 'Configuration', value: config, depth: 0 },
  ];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined) break;
    const indent = ' '.repeat(item.depth * 2);
    const v = item.value;
    if (v === undefined) continue;
    if (v === null || typeof v !== 'object') {
      out.push(`${indent}${item.key} = ${scalar(v)}`);
      continue;
    }
    const entries: [string, unknown][] = Array.isArray(v)
      ? v.map((e, i): [string, unknown] => [`[${i}]`, e])
      : Object.entries(v);
    if (entries.length === 0) {
      out.push(`${indent}${item.key} = ${Array.isArray(v) ? '[]' : '{}'}`);
      continue;
    }
    out.push(`${indent}${item.key}:`);
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e !== undefined) stack.push({ key: e[0], value: e[1], depth: item.depth + 1 });
    }
  }
  return out;
}
