/**
 * Split-brain protection (issue 8): the arbiter's reference prober against real hosts in a
 * lab (the prober runs in `node` started inside host a's namespace, b answers or not), and
 * the fencing hook against real commands.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { runFence } from '../../src/arbiter/fence.js';
import type { ArbiterReference } from '../../src/arbiter/reference_prober.js';

const NET = 247;
const A = `10.${NET}.0.1`;
const B = `10.${NET}.0.2`;
const B6 = `fd00:${NET}::2`;
/** Inside the lab's subnet, nobody has it: ARP/ND never resolves. */
const GHOST = `10.${NET}.0.99`;
/** More of them, each probed in one subtest only (so no failed neighbour entry is left from an earlier one). */
const GHOST2 = `10.${NET}.0.98`;
const GHOST3 = `10.${NET}.0.97`;
/** A silent reference fails by time-out, or with EHOSTUNREACH once ARP has given up (3 s). */
const silentText = (label: string) => new RegExp(`^${label.replace(/\./g, '\\.')}: (timeout|connect_error: EHOSTUNREACH)$`);
const TCP_PORT = 8080;
const CLOSED_PORT = 8081;

const PROBER_URL = new URL('../../src/arbiter/reference_prober.js', import.meta.url).href;

/** Runs a ReferenceProber; prints one JSON line per log line, verdict change and probeNow result. */
const CHILD = `
const { ReferenceProber } = await import(${JSON.stringify(PROBER_URL)});
const opts = JSON.parse(process.argv[1]);
const t0 = performance.now();
const out = (o) => process.stdout.write(JSON.stringify({ t: performance.now() - t0, ...o }) + '\\n');
const p = new ReferenceProber({ ...opts, log: (line) => out({ kind: 'log', line }),
  onChange: (reachable, detail) => out({ kind: 'change', reachable, detail }) });
if (opts.probeNow !== undefined) {
  for (let i = 0; i < opts.probeNow; i++) {
    const s = performance.now();
    const r = await p.probeNow();
    out({ kind: 'probeNow', ...r, outerMs: performance.now() - s });
  }
  out({ kind: 'state', isReachable: p.isReachable ?? null });
} else {
  p.start();
  out({ kind: 'started' });
  process.stdin.on('end', () => { p.stop(); out({ kind: 'stopped' }); });
  process.stdin.resume();
}
`;

interface Ev {
  readonly t: number;
  readonly kind: 'log' | 'change' | 'probeNow' | 'state' | 'started' | 'stopped';
  readonly line?: string;
  readonly reachable?: boolean;
  readonly detail?: string;
  readonly elapsedMs?: number;
  readonly outerMs?: number;
  readonly isReachable?: boolean | null;
}

interface ProberOpts {
  readonly references: readonly ArbiterReference[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly probeNow?: number;
}

class ProberChild {
  readonly events: Ev[] = [];
  private readonly stderr: string[] = [];
  private wake: (() => void) | undefined;
  readonly exited: Promise<number | null>;

  constructor(private readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      this.events.push(JSON.parse(l) as Ev);
      this.wake?.();
    });
    proc.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((r) => proc.once('exit', (code) => r(code)));
  }

  static start(lab: Lab, opts: ProberOpts): ProberChild {
    return new ProberChild(
      lab.spawn('a', [process.execPath, '--input-type=module', '-e', CHILD, JSON.stringify({ name: 'GW', ...opts })]),
    );
  }

  changes(): Ev[] {
    return this.events.filter((e) => e.kind === 'change');
  }

  logs(): string[] {
    return this.events.flatMap((e) => (e.kind === 'log' && e.line !== undefined ? [e.line] : []));
  }

  /** The first event (from index `from`) matching; throws with the transcript after timeoutMs. */
  async waitFor(pred: (e: Ev) => boolean, timeoutMs: number, from = 0): Promise<Ev> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find(pred);
      if (hit !== undefined) return hit;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out; events:\n${this.transcript()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Closes stdin (the child stops the prober); resolves with the ms until the child exited. */
  async stop(): Promise<{ code: number | null; ms: number }> {
    const s = performance.now();
    this.proc.stdin!.end();
    const code = await Promise.race([this.exited, sleep(3000).then(() => 'hung' as const)]);
    if (code === 'hung') throw new Error(`the child did not exit after stop():\n${this.transcript()}`);
    return { code, ms: performance.now() - s };
  }

  transcript(): string {
    return [...this.events.map((e) => JSON.stringify(e)), ...this.stderr].join('\n');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const icmp = (address: string, family: 4 | 6 = 4): ArbiterReference => ({ address, family, tcpPort: undefined });
const tcp = (address: string, port: number): ArbiterReference => ({ address, family: 4, tcpPort: port });

async function startListener(lab: Lab): Promise<void> {
  const js = `require('net').createServer((s) => s.destroy()).listen(${TCP_PORT}, '${B}', () => console.log('listening'))`;
  const child = lab.spawn('b', [process.execPath, '-e', js]);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
  });
}

test('arbiter reference prober in a namespace lab', { timeout: 120_000 }, async (t) => {
  if (skipUnlessLab(t, ['sysctl'])) return;
  const lab = Lab.create({ tag: 'arb', hosts: ['a', 'b'], net: NET });
  const children: ProberChild[] = [];
  const start = (opts: ProberOpts): ProberChild => {
    const c = ProberChild.start(lab, opts);
    children.push(c);
    return c;
  };
  try {
    // ICMP datagram sockets need our gid inside ping_group_range; a new namespace has "1 0".
    lab.exec('a', ['sysctl', '-qw', 'net.ipv4.ping_group_range=0 2147483647']);
    await startListener(lab);

    await t.test('an ICMP reference that answers: reachable on the first round, onChange once', async (t: TestContext) => {
      const c = start({ references: [icmp(B)], intervalMs: 100, timeoutMs: 300, rise: 2, fall: 3 });
      const first = await c.waitFor((e) => e.kind === 'change', 5000);
      assert.equal(first.reachable, true);
      assert.equal(first.detail, `${B} icmp: echo reply`);
      t.diagnostic(`first verdict after ${first.t.toFixed(1)} ms (child clock)`);
      await sleep(600);
      assert.equal(c.changes().length, 1, c.transcript());
      assert.ok(c.logs().every((l) => !/no reference/.test(l)), c.transcript());
      assert.match(c.logs()[0] ?? '', new RegExp(`^arbiter GW: reference ${B.replace(/\./g, '\\.')} reachable \\(`));
      const stopped = await c.stop();
      assert.equal(stopped.code, 0);
      t.diagnostic(`child exited ${stopped.ms.toFixed(0)} ms after stop()`);
    });

    await t.test('a reference address with nothing behind it: isolated after exactly `fall` rounds, onChange once', async (t: TestContext) => {
      const c = start({ references: [icmp(GHOST)], intervalMs: 100, timeoutMs: 200, rise: 2, fall: 3 });
      const change = await c.waitFor((e) => e.kind === 'change', 5000);
      assert.equal(change.reachable, false);
      assert.equal(change.detail, `${GHOST} icmp: timeout`);
      // Three rounds of a 200 ms time-out each (rounds never overlap).
      assert.ok(change.t >= 3 * 200 - 10, `isolated after ${change.t} ms`);
      assert.ok(change.t < 3 * 200 + 400, `isolated after ${change.t} ms`);
      t.diagnostic(`isolated after ${change.t.toFixed(1)} ms (fall 3 × timeout 200 ms)`);
      assert.deepEqual(c.logs(), [
        `arbiter GW: no reference answered (${GHOST} icmp: timeout), 1/3`,
        `arbiter GW: no reference answered (${GHOST} icmp: timeout), 2/3`,
        `arbiter GW: no reference reachable (${GHOST} icmp: timeout) - isolated`,
      ]);
      await sleep(700);
      assert.equal(c.changes().length, 1, c.transcript());
      // stop() with a round in flight: the probe is aborted and nothing is left on the loop.
      const stopped = await c.stop();
      assert.equal(stopped.code, 0);
      assert.ok(stopped.ms < 500, `exit ${stopped.ms} ms after stop()`);
    });

    await t.test('any reference answering is enough (a dead one next to an IPv6 one that answers)', async () => {
      const c = start({ references: [icmp(GHOST), icmp(B6, 6)], intervalMs: 100, timeoutMs: 300, rise: 2, fall: 2 });
      const change = await c.waitFor((e) => e.kind === 'change', 5000);
      assert.equal(change.reachable, true, c.transcript());
      assert.equal(change.detail, `${B6} icmp: echo reply`);
      await sleep(500);
      assert.equal(c.changes().length, 1, c.transcript());
      await c.stop();
    });

    await t.test('TCP reference with a listener: reachable through onChange', async () => {
      const c = start({ references: [tcp(B, TCP_PORT)], intervalMs: 100, timeoutMs: 300, rise: 2, fall: 2 });
      const change = await c.waitFor((e) => e.kind === 'change', 5000);
      assert.equal(change.reachable, true, c.transcript());
      assert.equal(change.detail, `${B} tcp/${TCP_PORT}: connected`);
      await c.stop();
    });

    await t.test('partition and heal: isolated after `fall` rounds, reachable again after `rise`', async (t: TestContext) => {
      const c = start({ references: [icmp(B)], intervalMs: 100, timeoutMs: 150, rise: 2, fall: 2 });
      await c.waitFor((e) => e.kind === 'change' && e.reachable === true, 5000);
      const cutAt = c.events.length;
      lab.partition('a');
      const t0 = performance.now();
      const down = await c.waitFor((e) => e.kind === 'change', 5000, cutAt);
      const isolatedMs = performance.now() - t0;
      assert.equal(down.reachable, false);
      lab.heal('a');
      const t1 = performance.now();
      const up = await c.waitFor((e) => e.kind === 'change' && e.reachable === true, 5000, cutAt);
      const backMs = performance.now() - t1;
      assert.deepEqual(c.changes().map((e) => e.reachable), [true, false, true]);
      const logs = c.logs();
      assert.ok(logs.includes(`arbiter GW: reference ${B} answered (${B} icmp: echo reply), 1/2`), c.transcript());
      assert.ok(logs.includes(`arbiter GW: reference ${B} reachable again (${B} icmp: echo reply)`), c.transcript());
      assert.equal(up.detail, `${B} icmp: echo reply`);
      // Isolation: 2 failed rounds of ≤ 150 ms (+ the tail of a round in flight); back: 2 rounds 100 ms apart.
      assert.ok(isolatedMs >= 150 && isolatedMs < 1000, `isolated ${isolatedMs} ms after the cut`);
      assert.ok(backMs >= 100 && backMs < 1000, `reachable ${backMs} ms after the heal`);
      t.diagnostic(`partition → isolated ${isolatedMs.toFixed(0)} ms; heal → reachable again ${backMs.toFixed(0)} ms`);
      await c.stop();
    });

    await t.test('probeNow(): a fresh round within timeout + slack that leaves the verdict alone', async (t: TestContext) => {
      const dead = start({ references: [icmp(GHOST2), tcp(GHOST2, 80)], intervalMs: 100, timeoutMs: 300, rise: 1, fall: 1, probeNow: 3 });
      assert.equal(await dead.exited, 0, dead.transcript());
      const rounds = dead.events.filter((e) => e.kind === 'probeNow');
      assert.equal(rounds.length, 3);
      for (const r of rounds) {
        assert.equal(r.reachable, false);
        const [ping, conn] = (r.detail ?? '').split(', ');
        assert.equal(ping, `${GHOST2} icmp: timeout`);
        assert.match(conn ?? '', silentText(`${GHOST2} tcp/80`));
        assert.ok(r.elapsedMs! >= 290 && r.outerMs! < 300 + 100, `probeNow took ${r.elapsedMs} / ${r.outerMs} ms`);
      }
      t.diagnostic(`dead references: probeNow ${rounds.map((r) => r.outerMs!.toFixed(1)).join(', ')} ms (timeout 300)`);
      // fall 1, yet three failed fresh rounds gave no verdict and no onChange.
      assert.deepEqual(dead.events.find((e) => e.kind === 'state')?.isReachable, null);
      assert.equal(dead.changes().length, 0);

      // A round settles at the first answer: the live reference does not wait for the dead one's 1 s time-out.
      const live = start({ references: [icmp(GHOST), icmp(B), tcp(B, CLOSED_PORT)], intervalMs: 100, timeoutMs: 1000, rise: 1, fall: 1, probeNow: 2 });
      assert.equal(await live.exited, 0, live.transcript());
      const ok = live.events.filter((e) => e.kind === 'probeNow');
      assert.ok(ok.every((r) => r.reachable === true && r.outerMs! < 200), live.transcript());
      t.diagnostic(`live reference: probeNow ${ok.map((r) => r.outerMs!.toFixed(1)).join(', ')} ms`);
    });

    await t.test('TCP: a refused connect (RST) is reachable; silence is not', async () => {
      const refused = start({ references: [tcp(B, CLOSED_PORT)], intervalMs: 100, timeoutMs: 300, rise: 1, fall: 1, probeNow: 1 });
      assert.equal(await refused.exited, 0, refused.transcript());
      const r = refused.events.find((e) => e.kind === 'probeNow');
      assert.equal(r?.reachable, true, refused.transcript());
      assert.equal(r.detail, `${B} tcp/${CLOSED_PORT}: refused (the host answered with a reset)`);
      const silent = start({ references: [tcp(GHOST3, TCP_PORT)], intervalMs: 100, timeoutMs: 200, rise: 1, fall: 2 });
      const change = await silent.waitFor((e) => e.kind === 'change', 5000);
      assert.equal(change.reachable, false);
      assert.match(change.detail ?? '', silentText(`${GHOST3} tcp/${TCP_PORT}`));
      await silent.stop();
    });
  } finally {
    for (const c of children) c.exited.catch(() => undefined);
    await lab.destroy();
  }
});

function fenceScript(dir: string): string {
  const path = join(dir, 'fence.sh');
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      'echo $$ > "$FENCE_OUT.pid"',
      `printf '%s\\n' "$@" > "$FENCE_OUT.args"`,
      `printf '%s' "$KATS_FENCE_PEER" > "$FENCE_OUT.env"`,
      'case "$1" in',
      "  stubborn) trap '' TERM; sleep 10 ;;",
      '  *) exit "$1" ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('runFence(): exit 0 ok, exit 1 not ok, argv and env reach the command, never rejects', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-fence-'));
  try {
    const script = fenceScript(dir);
    const out = join(dir, 'out');
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const env = { FENCE_OUT: out, KATS_FENCE_PEER: 'node2' };

    const ok = await runFence({ command: [script, '0', 'two words', '$HOME;x'], timeoutMs: 5000, env, log });
    assert.equal(ok.ok, true, ok.detail);
    assert.match(ok.detail, /exited with status 0/);
    assert.ok(ok.elapsedMs > 0 && ok.elapsedMs < 5000);
    // No shell in between: arguments arrive verbatim, one per argv slot.
    assert.equal(readFileSync(`${out}.args`, 'utf8'), '0\ntwo words\n$HOME;x\n');
    assert.equal(readFileSync(`${out}.env`, 'utf8'), 'node2');
    assert.ok(lines.some((l) => l.startsWith(`fence: running '${script} 0 two words`)));

    const bad = await runFence({ command: [script, '1'], timeoutMs: 5000, env, log });
    assert.equal(bad.ok, false);
    assert.match(bad.detail, /exited with status 1\b/);
    assert.ok(lines.some((l) => /FAILED: exited with status 1\b/.test(l)));

    const missing = await runFence({ command: [join(dir, 'nope')], timeoutMs: 1000, log });
    assert.equal(missing.ok, false);
    assert.match(missing.detail, /No such file or directory/);

    const empty = await runFence({ command: [], timeoutMs: 1000, log });
    assert.deepEqual([empty.ok, empty.detail], [false, 'no fence command configured']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runFence(): a command that outlives its time-out is killed and reported as not ok in time', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-fence-'));
  try {
    const log = () => undefined;
    const t0 = performance.now();
    const slow = await runFence({ command: ['sleep', '10'], timeoutMs: 300, log });
    const outer = performance.now() - t0;
    assert.equal(slow.ok, false);
    assert.match(slow.detail, /^timed out after 300 ms \(killed by SIGTERM/);
    // sleep dies on the SIGTERM at the deadline: no kill grace needed.
    assert.ok(outer >= 295 && outer < 300 + 200, `sleep 10 / 300 ms: settled after ${outer} ms`);
    t.diagnostic(`sleep 10, timeout 300 ms: not ok after ${outer.toFixed(1)} ms`);

    // A command that ignores SIGTERM: SIGKILL after the grace, and it is gone when runFence settles.
    const script = fenceScript(dir);
    const out = join(dir, 'out');
    const t1 = performance.now();
    const stubborn = await runFence({ command: [script, 'stubborn'], timeoutMs: 300, killGraceMs: 200, env: { FENCE_OUT: out }, log });
    const outer2 = performance.now() - t1;
    assert.equal(stubborn.ok, false);
    assert.match(stubborn.detail, /killed by SIGKILL/);
    assert.ok(outer2 >= 495 && outer2 < 300 + 200 + 250, `stubborn: settled after ${outer2} ms`);
    t.diagnostic(`TERM-ignoring command, timeout 300 + grace 200 ms: not ok after ${outer2.toFixed(1)} ms`);
    const pid = Number(readFileSync(`${out}.pid`, 'utf8'));
    assert.ok(existsSync(`${out}.pid`) && pid > 0);
    assert.equal(pidAlive(pid), false, 'the fence command is dead when runFence settles');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
