/**
 * What the demo shows: a live block redrawn in place on a terminal, or plain timestamped
 * lines when stdout is not one (CI logs, pipes).
 */

export type LbState = 'starting' | 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP' | 'DOWN';
export type Health = 'up' | 'down' | '?';

export interface LbRow {
  readonly name: string;
  readonly ip: string;
  label: string;
  state: LbState;
  /** rs ip → what this LB's checker believes. */
  readonly health: Map<string, Health>;
}

export interface RsRow {
  readonly name: string;
  readonly ip: string;
  running: boolean;
}

export interface LiveModel {
  readonly startedAt: number;
  step: string;
  readonly lbs: readonly LbRow[];
  readonly rs: readonly RsRow[];
  /** Answers in the last second: ok per server, failures. */
  lastSecond(): { readonly ok: number; readonly failed: number; readonly by: ReadonlyMap<string, number> };
  readonly events: { readonly at: number; readonly text: string }[];
}

const ESC = '\x1b[';
const color = (code: number, s: string, on: boolean) => (on ? `${ESC}${code}m${s}${ESC}0m` : s);

export function clock(at: number): string {
  const d = new Date(at);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function stateText(s: LbState, colors: boolean): string {
  const padded = s.padEnd(8);
  if (s === 'MASTER') return color(32, padded, colors);
  if (s === 'BACKUP') return color(33, padded, colors);
  if (s === 'DOWN' || s === 'FAULT') return color(31, padded, colors);
  return padded;
}

/** The live block (terminal). */
export function renderLive(m: LiveModel, colors: boolean, width: number): string[] {
  const out: string[] = [];
  const t = ((Date.now() - m.startedAt) / 1000).toFixed(1);
  out.push(color(1, `keepalived-ts demo  t+${t}s`, colors) + `   ${m.step}`);
  out.push('');
  out.push('  load balancer            state     VIPs                       checks (rs1 rs2 rs3)');
  for (const lb of m.lbs) {
    const vips = lb.state === 'MASTER' ? 'service + gateway' : '-';
    const checks = m.rs.map((r) => {
      const h = lb.health.get(r.ip) ?? '?';
      return h === 'up' ? color(32, 'up  ', colors) : h === 'down' ? color(31, 'DOWN', colors) : '?   ';
    });
    out.push(`  ${lb.name} ${lb.ip.padEnd(11)} ${lb.label.padEnd(10)} ${stateText(lb.state, colors)}  ${vips.padEnd(26)} ${lb.state === 'DOWN' ? '' : checks.join(' ')}`);
  }
  out.push('');
  const s = m.lastSecond();
  const total = s.ok + s.failed;
  out.push(`  client → VIP: ${String(total).padStart(2)} req/s, ${color(s.failed > 0 ? 31 : 32, `${s.ok} ok, ${s.failed} failed`, colors)}`);
  for (const r of m.rs) {
    const n = s.by.get(r.name) ?? 0;
    const bar = '█'.repeat(Math.min(20, n));
    out.push(`    ${r.name} ${r.ip.padEnd(11)} ${(r.running ? 'serving' : color(31, 'stopped', colors)).padEnd(colors && !r.running ? 16 : 7)} ${String(n).padStart(2)}/s ${bar}`);
  }
  out.push('');
  out.push('  events:');
  const shown = m.events.slice(-10);
  for (const e of shown) out.push(`    ${clock(e.at)}  ${e.text}`.slice(0, Math.max(40, width - 1)));
  for (let i = shown.length; i < 10; i++) out.push('');
  return out;
}

/** One plain status line (non-terminal output, every couple of seconds). */
export function renderPlainStatus(m: LiveModel): string {
  const s = m.lastSecond();
  const lbs = m.lbs.map((lb) => `${lb.name}=${lb.state}`).join(' ');
  const by = m.rs.map((r) => `${r.name}=${s.by.get(r.name) ?? 0}`).join(' ');
  const health = m.lbs
    .filter((lb) => lb.state !== 'DOWN')
    .map((lb) => `${lb.name}:${m.rs.map((r) => (lb.health.get(r.ip) === 'up' ? '+' : lb.health.get(r.ip) === 'down' ? '-' : '?')).join('')}`)
    .join(' ');
  return `status ${lbs} | checks ${health} | client ${s.ok + s.failed} req/s ok=${s.ok} failed=${s.failed} ${by}`;
}

/** Redraws a block in place. */
export class Screen {
  private lines = 0;
  constructor(private readonly write: (s: string) => void) {}

  draw(lines: readonly string[]): void {
    let s = this.lines > 0 ? `${ESC}${this.lines}F` : `${ESC}?25l`;
    for (const l of lines) s += `${ESC}2K${l}\n`;
    s += `${ESC}J`;
    this.lines = lines.length;
    this.write(s);
  }

  /** Leaves the last frame on screen and shows the cursor again. */
  release(): void {
    if (this.lines > 0) this.write(`${ESC}?25h`);
    this.lines = 0;
  }
}
