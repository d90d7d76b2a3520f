/**
 * The nftables backend's shell: runs `nft` (one process per listing, one per atomic
 * transaction) and hands everything else to the pure nft_ruleset.ts. Makes no decisions.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { ApplyResult, LvsBackend } from './backend.js';
import type { DesiredDataPlane } from './desired.js';
import { EMPTY_STATE, NFT_FAMILIES, NFT_TABLE, parseNftListing, planNftApply, renderClear, type NftFamily, type NftState } from './nft_ruleset.js';
import type { Change, ObservedDataPlane } from './reconcile.js';

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv with optional stdin; never throws for a failing command (status ≠ 0). */
export function runCommand(argv: readonly string[], stdin?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) {
      resolve({ status: 127, stdout: '', stderr: 'empty command' });
      return;
    }
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ status: 127, stdout: '', stderr: String(e) }));
    child.on('close', (code) =>
      resolve({ status: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

export interface NftBackendOptions {
  /** The nft command (default ['nft']); tests prefix `ip netns exec NS`. */
  readonly nft?: readonly string[];
  readonly run?: (argv: readonly string[], stdin?: string) => Promise<RunResult>;
  /**
   * nf_tables' ruleset generation (nft_generation.ts), read before each listing: while it is
   * unchanged, observe() answers from the last listing instead of running nft again.
   */
  readonly generation?: () => Promise<number | undefined>;
}

export class NftBackend implements LvsBackend {
  readonly kind = 'nftables' as const;
  private readonly nft: readonly string[];
  private readonly run: (argv: readonly string[], stdin?: string) => Promise<RunResult>;
  /** The table state of the last listing; apply() lists again when it has none. */
  private state: NftState | undefined;
  /** The script of the last apply (for --debug / tests). */
  lastScript = '';
  private readonly generation: (() => Promise<number | undefined>) | undefined;
  /** The last listing and the generation read just before it. */
  private listed: { generation: number; observed: ObservedDataPlane; state: NftState } | undefined;
  /** Listings run (observe() answers from `listed` without one when it can). */
  listings = 0;

  constructor(opts: NftBackendOptions = {}) {
    this.nft = opts.nft ?? ['nft'];
    this.run = opts.run ?? runCommand;
    this.generation = opts.generation;
  }

  private async list(): Promise<{ observed: ObservedDataPlane; state: NftState }> {
    this.listings++;
    const tables = await this.run([...this.nft, '-j', 'list', 'tables']);
    if (tables.status !== 0) throw new Error(`nft list tables failed: ${tables.stderr.trim()}`);
    const present = new Set<string>();
    const doc = JSON.parse(tables.stdout || '{"nftables":[]}') as { nftables?: { table?: { family?: string; name?: string } }[] };
    for (const it of doc.nftables ?? []) if (it.table?.name === NFT_TABLE && it.table.family) present.add(it.table.family);
    const docs: Record<NftFamily, unknown> = { ip: undefined, ip6: undefined };
    for (const fam of NFT_FAMILIES) {
      if (!present.has(fam)) continue;
      const r = await this.run([...this.nft, '-j', 'list', 'table', fam, NFT_TABLE]);
      if (r.status !== 0) throw new Error(`nft list table ${fam} ${NFT_TABLE} failed: ${r.stderr.trim()}`);
      docs[fam] = JSON.parse(r.stdout) as unknown;
    }
    return parseNftListing(docs);
  }

  async observe(): Promise<ObservedDataPlane> {
    // Read before listing: a commit that lands in between changes the generation again, so
    // the next observe() lists once more instead of trusting a stale listing.
    const generation = await this.generation?.();
    if (generation !== undefined && this.listed?.generation === generation) {
      this.state = this.listed.state;
      return this.listed.observed;
    }
    const { observed, state } = await this.list();
    this.state = state;
    this.listed = generation === undefined ? undefined : { generation, observed, state };
    return observed;
  }

  async apply(changes: readonly Change[], desired: DesiredDataPlane): Promise<ApplyResult> {
    const t0 = performance.now();
    const state = this.state ?? (await this.list()).state;
    const plan = planNftApply(state, changes, desired);
    this.lastScript = plan.script;
    if (plan.script === '') return { applied: 0, errors: [], warnings: plan.warnings, elapsedMs: performance.now() - t0 };
    const r = await this.run([...this.nft, '-f', '-'], plan.script);
    this.state = undefined; // the kernel changed: list again before the next plan
    this.listed = undefined;
    const elapsedMs = performance.now() - t0;
    if (r.status !== 0) return { applied: 0, errors: [`nft -f failed (${r.status}): ${r.stderr.trim()}`], warnings: plan.warnings, elapsedMs };
    return { applied: changes.length, errors: [], warnings: plan.warnings, elapsedMs };
  }

  async clear(): Promise<void> {
    const { state } = await this.list();
    const script = renderClear(state ?? EMPTY_STATE);
    this.state = undefined;
    this.listed = undefined;
    if (script === '') return;
    const r = await this.run([...this.nft, '-f', '-'], script);
    if (r.status !== 0) throw new Error(`nft clear failed: ${r.stderr.trim()}`);
  }
}
