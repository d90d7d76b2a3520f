/**
 * Config parse benchmark: 100 virtual servers × 100 real servers, each real server with an
 * HTTP_GET check (2 urls, digest, status_code). Parses the generated file N times through
 * the real front end (parseConfig + NodeFileSource + the node host facts) and prints the
 * median parse time and the memory it takes; then times `keepalived -t` on the same file,
 * when keepalived is installed, and prints the ratio.
 *
 *   node dist/bench/config_parse.bench.js [--runs N] [--vs N] [--rs N]
 *
 * Target: our median parse ≤ 1 s.
 */
import { mkdtempSync, rmSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseConfig, type ParseResult } from '../src/config/parse.js';
import { configTestExitCode } from '../src/config/diagnostics.js';
import type { ParseEnvironment } from '../src/config/draft.js';
import { NodeFileSource } from '../src/daemon/node_file_source.js';
import { createNodeHostFacts } from '../src/daemon/host_facts_node.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** The benchmark configuration text. */
export function generateConfig(virtualServers: number, realServers: number): string {
  const out: string[] = [];
  for (let v = 0; v < virtualServers; v++) {
    out.push(
      `virtual_server 192.168.${v >> 8}.${v & 255} 80 {`,
      '    delay_loop 6',
      '    lb_algo wrr',
      '    lb_kind NAT',
      '    protocol TCP',
      '    persistence_timeout 50',
    );
    for (let r = 0; r < realServers; r++) {
      out.push(
        `    real_server 10.${v & 255}.${r >> 8}.${(r & 255) + 1} 8080 {`,
        '        weight 1',
        '        HTTP_GET {',
        '            url {',
        '                path /health',
        '                digest 640205b7b0fc66c1ea91c463fac6334d',
        '                status_code 200-299 301',
        '            }',
        '            url {',
        '                path /ready',
        '                status_code 200',
        '            }',
        '            connect_timeout 3',
        '            retry 3',
        '            delay_before_retry 3',
        '        }',
        '    }',
      );
    }
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function findKeepalived(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = join(dir, 'keepalived');
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}

function timeKeepalived(file: string, runs: number): { medianMs: number; exit: number | null } | undefined {
  const bin = findKeepalived();
  if (bin === undefined) return undefined;
  const times: number[] = [];
  let exit: number | null = null;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(bin, ['-t', '-f', file], { stdio: 'ignore' });
    times.push(performance.now() - t0);
    exit = r.status;
  }
  return { medianMs: median(times), exit };
}

function main(): void {
  const runs = option('runs', 10);
  const vsCount = option('vs', 100);
  const rsCount = option('rs', 100);
  const dir = mkdtempSync(join(tmpdir(), 'kats-bench-'));
  const file = join(dir, 'keepalived.conf');
  try {
    writeFileSync(file, generateConfig(vsCount, rsCount));
    const host = createNodeHostFacts();
    const env: ParseEnvironment = { host, random: { intBetween: (min) => min }, configId: 'bench', env: {} };
    const source = new NodeFileSource();
    const parse = (): ParseResult => parseConfig(file, source, env);
    parse(); // warm-up (JIT)
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    const times: number[] = [];
    let last: ParseResult | undefined;
    let heapPeakDelta = 0;
    for (let i = 0; i < runs; i++) {
      last = undefined;
      gc?.();
      const t0 = performance.now();
      last = parse();
      times.push(performance.now() - t0);
      heapPeakDelta = Math.max(heapPeakDelta, process.memoryUsage().heapUsed - heapBefore);
    }
    const ours = median(times);
    const rssAfter = process.memoryUsage().rss;
    const maxRssKb = process.resourceUsage().maxRSS;
    const servers = last?.config?.lvs.virtualServers.reduce((n, vs) => n + vs.realServers.length, 0) ?? 0;
    console.log(`config: ${vsCount} virtual servers x ${rsCount} real servers, HTTP_GET (2 urls) each; ` +
      `${mib(statSync(file).size)}; ${servers} real servers parsed`);
    console.log(`keepalived-ts parse: median ${ours.toFixed(1)} ms over ${runs} runs ` +
      `(min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}); ` +
      `-t exit ${last === undefined ? '?' : (last.abortExitCode ?? configTestExitCode(last.diagnostics))}`);
    console.log(`memory: heap delta (result held) ${mib(heapPeakDelta)}${gc === undefined ? ' (run node --expose-gc for a cleaner figure)' : ''}, ` +
      `RSS ${mib(rssBefore)} -> ${mib(rssAfter)}, peak RSS ${mib(maxRssKb * 1024)}`);
    const ka = timeKeepalived(file, Math.min(runs, 3));
    if (ka === undefined) console.log('keepalived: not installed, no comparison');
    else {
      console.log(`keepalived -t: median ${ka.medianMs.toFixed(1)} ms (exit ${ka.exit}); ` +
        `ratio ours/keepalived = ${(ours / ka.medianMs).toFixed(2)}`);
    }
    console.log(ours <= 1000 ? 'target (<= 1 s): met' : 'target (<= 1 s): MISSED');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
