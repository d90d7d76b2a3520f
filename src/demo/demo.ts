/**
 * `keepalived-ts demo` (`npm run demo`): a load-balancer pair in network namespaces, live.
 *
 *   switch (bridge)  ── lb1 10.199.0.1   keepalived-ts, priority 150
 *                    ── lb2 10.199.0.2   keepalived-ts, priority 100 (or real keepalived -P + keepalived-ts -C)
 *                    ── rs1..rs3 10.199.0.3-5   tiny HTTP servers answering their name
 *                    ── client 10.199.0.6       20 requests/s to the VIP 10.199.0.100:80
 *
 * Both LBs run the same generated keepalived.conf: one VRRP instance holding the service VIP
 * and a gateway VIP (10.199.0.254, the real servers' route back for NAT replies), and a
 * virtual server with HTTP_GET checks that the checker child turns into nftables DNAT in its
 * own namespace. The script: kill the master (cable pulled), bring it back (preemption), stop
 * a real server, bring it back; each step is measured and compared with its bound.
 *
 * Cleanup: the lab (src/lab/netns.ts) removes its namespaces on exit, on SIGINT/SIGTERM/SIGHUP
 * and, for a SIGKILLed run, when the next lab is created; the demo's directory under the
 * tmpdir goes the same way.
 */
import { readdirSync, rmSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, labProblem, findTool } from '../lab/netns.js';
import { startDaemon, stripTimestamp, type Daemon, type LogLine } from '../lab/daemons.js';
import {
  BOUNDS,
  CLIENT_INTERVAL_MS,
  CLIENT_JS,
  CLIENT_TIMEOUT_MS,
  CONNECT_TIMEOUT_S,
  DELAY_BEFORE_RETRY_S,
  DELAY_LOOP_S,
  GW_VIP,
  HOSTS,
  INSTANCE,
  LBS,
  NET,
  PIPE_JS,
  PRIORITY,
  REAL_SERVERS,
  RETRY,
  SERVER_JS,
  VIP,
  ipOf,
  keepalivedConf,
  type LbName,
  type RsName,
} from './scenario.js';
import { Screen, clock, renderLive, renderPlainStatus, type Health, type LbRow, type LiveModel, type RsRow } from './view.js';
import { isProcessAlive } from '../daemon/process_supervisor.js';

export const DEMO_USAGE = `Usage: keepalived-ts demo [--interactive] [--with-keepalived]

Builds a lab in network namespaces (kats-demo-<pid>-*): a switch, two load balancers running
keepalived-ts (VRRP for a VIP + a virtual server with HTTP_GET checks → nftables DNAT),
three HTTP real servers and a client sending 20 requests/s to the VIP. Then it kills the
master, brings it back, stops a real server and brings it back, measuring each step against
its theoretical bound. Needs root, ip (iproute2) and nft.

  --interactive      keep the lab running after the script (Ctrl-C ends it) and print
                     the dashboard URLs of both load balancers
  --with-keepalived  run the real keepalived (VRRP, -P) on lb2, next to keepalived-ts -C
                     for its health checks and data plane
  -h, --help         this text

Exit status: 0 when every step behaved as expected, 1 otherwise.
`;

interface Options {
  readonly interactive: boolean;
  readonly withKeepalived: boolean;
}

interface RecordLine {
  /** Date.now() when the request was sent. */
  readonly t: number;
  /** Duration in ms. */
  readonly d: number;
  /** The body (the real server's name) or `error:…` / `timeout`. */
  readonly r: string;
}

interface RealServer {
  readonly name: RsName;
  readonly ip: string;
  readonly child: ChildProcess;
  stop(): Promise<number>;
  start(): Promise<number>;
}

interface LbDaemons {
  vrrp: Daemon;
  checker: Daemon;
  readonly all: Daemon[];
}

export interface Measurement {
  readonly what: string;
  readonly measuredMs: number | undefined;
  readonly bound: string;
  readonly ok: boolean;
  readonly note?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const secs = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
/** Slack on the protocol bounds: process scheduling, log-line delivery. */
const SLACK_MS = 300;

function parseArgs(argv: readonly string[]): Options | { readonly help: true } | { readonly error: string } {
  let interactive = false;
  let withKeepalived = false;
  for (const a of argv) {
    if (a === '--interactive' || a === '-i') interactive = true;
    else if (a === '--with-keepalived') withKeepalived = true;
    else if (a === '--help' || a === '-h') return { help: true };
    else return { error: `unknown argument '${a}'` };
  }
  return { interactive, withKeepalived };
}


/** Directories of demo runs whose process is gone (a SIGKILLed run). */
function removeStaleDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = /^kats-demo-(\d+)$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

export async function runDemo(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if ('help' in parsed) {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`keepalived-ts demo: ${parsed.error}\n${DEMO_USAGE}`);
    return 2;
  }
  const tools = ['nft', ...(parsed.withKeepalived ? ['keepalived'] : [])];
  const problem = labProblem(tools);
  if (problem !== undefined) {
    process.stderr.write(`keepalived-ts demo: cannot build the lab: ${problem}\n`);
    return 1;
  }
  return new DemoRun(parsed).run();
}

class DemoRun {
  private readonly tty = process.stdout.isTTY === true;
  private readonly screen = new Screen((s) => process.stdout.write(s));
  private readonly dir = join(tmpdir(), `kats-demo-${process.pid}`);
  private lab: Lab | undefined;
  private readonly lbDaemons = new Map<LbName, LbDaemons>();
  private readonly seen = new Map<Daemon, number>();
  private readonly rs: RealServer[] = [];
  private readonly records: RecordLine[] = [];
  private readonly model: LiveModel;
  private readonly results: Measurement[] = [];
  private clientFailing = false;
  private failedSinceReport = 0;
  private lastFailReport = 0;
  private lastError = '';
  private lastOkAt = 0;
  private ticker: NodeJS.Timeout | undefined;
  private lastPlainStatus = 0;
  private readonly proxies: Server[] = [];
  private readonly signalHandler = (sig: NodeJS.Signals) => {
    // Runs before the lab's own handler (registered later), which removes the namespaces
    // and re-raises the signal.
    this.stopTicker();
    this.screen.release();
    process.stdout.write(`\n${sig}: cleaning up the lab\n`);
    this.lab?.destroySync();
    rmSync(this.dir, { recursive: true, force: true });
  };
  private readonly exitHandler = () => rmSync(this.dir, { recursive: true, force: true });

  constructor(private readonly opts: Options) {
    const records = this.records;
    this.model = {
      startedAt: Date.now(),
      step: 'building the lab',
      lbs: LBS.map((name): LbRow => ({
        name,
        ip: ipOf(name),
        label: name === 'lb2' && opts.withKeepalived ? 'keepalived' : 'kats',
        state: 'starting',
        health: new Map<string, Health>(),
      })),
      rs: REAL_SERVERS.map((name): RsRow => ({ name, ip: ipOf(name), running: true })),
      events: [],
      lastSecond() {
        const now = Date.now();
        const by = new Map<string, number>();
        let ok = 0;
        let failed = 0;
        for (let i = records.length - 1; i >= 0; i--) {
          const r = records[i];
          if (r === undefined || r.t + r.d < now - 1000) break;
          if (r.t + r.d > now) continue;
          if (isOk(r)) {
            ok++;
            by.set(r.r, (by.get(r.r) ?? 0) + 1);
          } else failed++;
        }
        return { ok, failed, by };
      },
    };
  }

  private event(text: string, at = Date.now()): void {
    this.model.events.push({ at, text });
    if (this.model.events.length > 200) this.model.events.splice(0, 100);
    if (!this.tty) process.stdout.write(`${clock(at)}  ${text}\n`);
  }

  private step(text: string): void {
    this.model.step = text;
    this.event(`== ${text}`);
  }

  async run(): Promise<number> {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, this.signalHandler);
    process.once('exit', this.exitHandler);
    let code = 1;
    try {
      removeStaleDirs();
      mkdirSync(this.dir, { recursive: true });
      this.event(`building the lab: namespaces kats-demo-${process.pid}-{hub,${HOSTS.join(',')}}`);
      const lab = Lab.create({ tag: 'demo', hosts: HOSTS, net: NET });
      this.lab = lab;
      this.ticker = setInterval(() => this.tick(), this.tty ? 200 : 250);
      await this.setUp(lab);
      const ok = await this.script(lab);
      this.stopTicker();
      this.tick(true);
      this.screen.release();
      process.stdout.write(this.summary());
      code = ok ? 0 : 1;
      if (this.opts.interactive) await this.stayUp(lab);
    } catch (e) {
      this.stopTicker();
      this.screen.release();
      process.stderr.write(`keepalived-ts demo: ${(e as Error).stack ?? String(e)}\n`);
      for (const [lb, d] of this.lbDaemons) {
        for (const x of d.all) process.stderr.write(`--- ${lb}/${x.kind} (last lines)\n${x.lines.slice(-12).map((l) => `  ${l.text}`).join('\n')}\n`);
      }
      code = 1;
    } finally {
      this.stopTicker();
      this.screen.release();
      for (const p of this.proxies) p.close();
      for (const d of this.lbDaemons.values()) await Promise.all(d.all.map((x) => x.stop('SIGTERM', 2_000)));
      await this.lab?.destroy();
      rmSync(this.dir, { recursive: true, force: true });
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(sig, this.signalHandler);
      process.removeListener('exit', this.exitHandler);
    }
    return code;
  }

  private stopTicker(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  // ---- the lab ---------------------------------------------------------------------------

  private async setUp(lab: Lab): Promise<void> {
    for (const lb of LBS) {
      for (const k of ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']) {
        lab.exec(lb, ['sysctl', '-qw', k]);
      }
    }
    const clientIp = ipOf('client');
    for (const name of REAL_SERVERS) {
      lab.exec(name, ['sysctl', '-qw', 'net.ipv4.conf.all.accept_redirects=0']);
      lab.exec(name, ['sysctl', '-qw', 'net.ipv4.conf.eth0.accept_redirects=0']);
      // NAT replies must leave through whichever LB is MASTER: the gateway VIP moves with it.
      // The client is on-link, so it needs a host route as well.
      lab.exec(name, ['ip', 'route', 'add', 'default', 'via', GW_VIP, 'dev', 'eth0']);
      lab.exec(name, ['ip', 'route', 'add', `${clientIp}/32`, 'via', GW_VIP, 'dev', 'eth0']);
    }
    this.rs.push(...(await Promise.all(REAL_SERVERS.map((n) => this.startServer(lab, n)))));
    this.event(`real servers rs1..rs3 listening on :80 (default route via the gateway VIP ${GW_VIP})`);

    this.startLb(lab, 'lb1');
    this.startLb(lab, 'lb2');
    this.event(`lb1 keepalived-ts priority ${PRIORITY.lb1}, lb2 ${this.opts.withKeepalived ? 'keepalived (VRRP) + keepalived-ts -C (checks)' : 'keepalived-ts'} priority ${PRIORITY.lb2}; VIP ${VIP}, gateway VIP ${GW_VIP}`);
  }

  private startLb(lab: Lab, lb: LbName): void {
    const conf = keepalivedConf(lb);
    const status = ['--status-listen=127.0.0.1:8080'];
    if (lb === 'lb2' && this.opts.withKeepalived) {
      const vrrp = startDaemon(lab, lb, 'keepalived', conf, ['-P'], {}, this.dir);
      const checker = startDaemon(lab, lb, 'keepalived-ts', conf, ['-C', ...status], {}, this.dir);
      this.lbDaemons.set(lb, { vrrp, checker, all: [vrrp, checker] });
    } else {
      const d = startDaemon(lab, lb, 'keepalived-ts', conf, status, {}, this.dir);
      this.lbDaemons.set(lb, { vrrp: d, checker: d, all: [d] });
    }
    const row = this.lbRow(lb);
    row.state = 'starting';
    row.health.clear();
  }

  private lbRow(lb: LbName): LbRow {
    const row = this.model.lbs.find((r) => r.name === lb);
    if (row === undefined) throw new Error(`no row ${lb}`);
    return row;
  }

  private daemons(lb: LbName): LbDaemons {
    const d = this.lbDaemons.get(lb);
    if (d === undefined) throw new Error(`${lb} not started`);
    return d;
  }

  private async startServer(lab: Lab, name: RsName): Promise<RealServer> {
    const child = lab.spawn(name, [process.execPath, '-e', SERVER_JS, name]);
    const waiters: { word: string; resolve: () => void }[] = [];
    let partial = '';
    child.stdout?.on('data', (b: Buffer) => {
      const parts = (partial + b.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        for (const w of waiters.splice(0)) {
          if (w.word === p.trim()) w.resolve();
          else waiters.push(w);
        }
      }
    });
    const expect = (word: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no '${word}' from the HTTP server`)), 10_000);
        waiters.push({
          word,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    const listening = expect('listening');
    await listening;
    const row = this.model.rs.find((r) => r.name === name);
    const command = async (word: 'stop' | 'start', ack: string) => {
      const acked = expect(ack);
      const at = performance.now();
      child.stdin?.write(`${word}\n`);
      await acked;
      if (row !== undefined) row.running = word === 'start';
      return at;
    };
    return { name, ip: ipOf(name), child, stop: () => command('stop', 'stopped'), start: () => command('start', 'listening') };
  }

  private startClient(lab: Lab): void {
    const child = lab.spawn('client', [process.execPath, '-e', CLIENT_JS, VIP]);
    let partial = '';
    child.stdout?.on('data', (b: Buffer) => {
      const parts = (partial + b.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        if (!p.startsWith('{')) continue;
        try {
          this.onRecord(JSON.parse(p) as RecordLine);
        } catch {
          // a torn line: ignore
        }
      }
    });
  }

  private onRecord(r: RecordLine): void {
    this.records.push(r);
    if (!isOk(r)) {
      this.failedSinceReport++;
      this.lastError = r.r;
      return;
    }
    if (this.clientFailing) this.event(`client: served again (by ${r.r}) after ${secs(r.t - this.lastOkAt)} without an answer`);
    this.clientFailing = false;
    this.lastOkAt = Math.max(this.lastOkAt, r.t);
  }

  /** Client events: an outage (no answer for 300 ms), or failures among answers (once a second). */
  private clientEvents(): void {
    const now = Date.now();
    if (this.lastOkAt === 0) return;
    if (!this.clientFailing && now - this.lastOkAt > 300 + CLIENT_INTERVAL_MS) {
      this.clientFailing = true;
      this.event(`client: no answer since ${clock(this.lastOkAt)} (${this.lastError})`);
    }
    if (now - this.lastFailReport >= 1_000) {
      if (this.failedSinceReport > 0 && !this.clientFailing) this.event(`client: ${this.failedSinceReport} request(s) failed in the last second (${this.lastError})`);
      this.failedSinceReport = 0;
      this.lastFailReport = now;
    }
  }

  // ---- live view -------------------------------------------------------------------------

  private tick(force = false): void {
    this.drainLogs();
    this.clientEvents();
    if (this.tty) {
      this.screen.draw(renderLive(this.model, true, process.stdout.columns ?? 100));
    } else if (force || Date.now() - this.lastPlainStatus >= 2_000) {
      this.lastPlainStatus = Date.now();
      process.stdout.write(`${clock(Date.now())}  ${renderPlainStatus(this.model)}\n`);
    }
  }

  private drainLogs(): void {
    for (const lb of LBS) {
      const d = this.lbDaemons.get(lb);
      if (d === undefined) continue;
      for (const x of d.all) {
        const from = this.seen.get(x) ?? 0;
        for (const l of x.lines.slice(from)) this.onLogLine(lb, x, l);
        this.seen.set(x, x.lines.length);
      }
    }
  }

  private onLogLine(lb: LbName, d: Daemon, line: LogLine): void {
    const text = stripTimestamp(line.text);
    const at = Date.now() - (performance.now() - line.atMs);
    const row = this.lbRow(lb);
    const who = `${lb} (${d.kind === 'keepalived' ? 'keepalived' : 'keepalived-ts'})`;
    const st = new RegExp(`\\(${INSTANCE}\\) Entering (MASTER|BACKUP|FAULT) STATE`).exec(text);
    if (st?.[1] !== undefined && d === this.lbDaemons.get(lb)?.vrrp) {
      row.state = st[1] as LbRow['state'];
      this.event(`${who}: ${text.replace(/^.*?\(/, '(')}`, at);
      return;
    }
    const rm = /(Removing|Adding) service \[([\d.]+)\]:tcp:80 (from|to) VS/.exec(text);
    if (rm?.[2] !== undefined) {
      row.health.set(rm[2], rm[1] === 'Adding' ? 'up' : 'down');
      this.event(`${who}: ${text}`, at);
      return;
    }
    const okm = /Remote Web server \[([\d.]+)\]:tcp:80 succeed on service/.exec(text);
    if (okm?.[1] !== undefined) {
      if (row.health.get(okm[1]) !== 'up') this.event(`${who}: ${text}`, at);
      row.health.set(okm[1], 'up');
      return;
    }
    if (/HTTP_CHECK on service .* failed/.test(text)) this.event(`${who}: ${text}`, at);
  }

  // ---- the script ------------------------------------------------------------------------

  private expect(m: Measurement): boolean {
    this.drainLogs();
    this.results.push(m);
    this.event(`${m.ok ? 'OK  ' : 'FAIL'} ${m.what}: ${secs(m.measuredMs)} (${m.bound})${m.note !== undefined ? ` — ${m.note}` : ''}`);
    return m.ok;
  }

  private mark(lb: LbName, which: 'vrrp' | 'checker'): number {
    return this.daemons(lb)[which].lines.length;
  }

  private waitLog(lb: LbName, which: 'vrrp' | 'checker', re: RegExp, timeoutMs: number, from: number): Promise<LogLine> {
    return this.daemons(lb)[which].waitFor(re, timeoutMs, from);
  }

  /** Resolves when the client had `n` answered requests sent after `sinceWall`. */
  private async waitServed(sinceWall: number, timeoutMs: number, n = 3): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.records.filter((r) => r.t > sinceWall && isOk(r)).length >= n) return true;
      await sleep(50);
    }
    return false;
  }

  /** The longest time between two answered requests (by send time) sent in [from, to]. */
  private longestGap(fromWall: number, toWall: number): number {
    const oks = this.records.filter((r) => isOk(r) && r.t >= fromWall - 1000 && r.t <= toWall).map((r) => r.t).sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < oks.length; i++) gap = Math.max(gap, (oks[i] ?? 0) - (oks[i - 1] ?? 0));
    return gap;
  }

  private window(fromWall: number, toWall: number): { ok: number; failed: number; by: Map<string, number> } {
    const by = new Map<string, number>();
    let ok = 0;
    let failed = 0;
    for (const r of this.records) {
      if (r.t < fromWall || r.t > toWall) continue;
      if (isOk(r)) {
        ok++;
        by.set(r.r, (by.get(r.r) ?? 0) + 1);
      } else failed++;
    }
    return { ok, failed, by };
  }

  private async script(lab: Lab): Promise<boolean> {
    let allOk = true;
    const rs2 = this.rs.find((r) => r.name === 'rs2');
    if (rs2 === undefined) throw new Error('no rs2');
    const checkRe = (verb: 'Removing' | 'Adding', ip: string) => new RegExp(`${verb} service \\[${esc(ip)}\\]:tcp:80 (from|to) VS`);
    const healthyRe = (ip: string) => new RegExp(`Remote Web server \\[${esc(ip)}\\]:tcp:80 succeed on service`);

    // 0. Election and first checks.
    this.step('step 0/4: election (lb1 has the higher priority) and first health checks');
    await this.waitLog('lb1', 'vrrp', /Entering MASTER STATE/, 20_000, 0);
    await this.waitLog('lb2', 'vrrp', /Entering BACKUP STATE/, 5_000, 0);
    for (const lb of LBS) for (const r of this.rs) await this.waitLog(lb, 'checker', healthyRe(r.ip), 10_000, 0);
    this.startClient(lab);
    this.event(`client: a request to http://${VIP}/ every ${CLIENT_INTERVAL_MS} ms (timeout ${CLIENT_TIMEOUT_MS} ms)`);
    await this.waitServed(Date.now(), 5_000, 1);
    const steadyFrom = Date.now();
    await sleep(1_500);
    const w0 = this.window(steadyFrom, Date.now());
    allOk &&= this.expect({
      what: 'steady state: every real server serves through lb1',
      measuredMs: undefined,
      bound: `${w0.ok} ok, ${w0.failed} failed in 1.5 s; ${[...w0.by].map(([k, v]) => `${k} ${v}`).join(', ')}`,
      ok: w0.failed === 0 && w0.by.size === 3,
    });

    // 1. Kill the master: every process in lb1 killed (-9) and its cable pulled, as a power loss.
    this.step('step 1/4: kill the master lb1 (kill -9 + cable pulled) → lb2 takes over');
    const from1 = this.mark('lb2', 'vrrp');
    const lb1 = this.daemons('lb1');
    const killWall = Date.now();
    const killAt = performance.now();
    lb1.vrrp.crash(lab);
    lab.cutLink('lb1');
    this.lbRow('lb1').state = 'DOWN';
    this.lbRow('lb1').health.clear();
    this.event('lb1: powered off (every process killed, link down)');
    // What a reboot would leave behind: nothing (the VIPs and the nft table are gone).
    for (const a of [VIP, GW_VIP]) lab.exec('lb1', ['ip', 'addr', 'del', `${a}/24`, 'dev', 'eth0'], true);
    lab.exec('lb1', ['nft', 'delete', 'table', 'ip', 'keepalived_ts'], true);
    const took = await this.waitLog('lb2', 'vrrp', /Entering MASTER STATE/, BOUNDS.takeoverMs + 5_000, from1);
    allOk &&= this.expect({
      what: 'failover: lb2 MASTER after the kill',
      measuredMs: took.atMs - killAt,
      bound: `Master_Down_Interval(prio ${PRIORITY.lb2}) = ${secs(BOUNDS.takeoverMs)}`,
      ok: took.atMs - killAt <= BOUNDS.takeoverMs + SLACK_MS,
    });
    const served1 = await this.waitServed(killWall, 10_000);
    await sleep(1_500);
    const outage1 = this.longestGap(killWall, Date.now());
    const w1 = this.window(Date.now() - 1_000, Date.now());
    allOk &&= this.expect({
      what: 'failover: client outage',
      measuredMs: outage1,
      bound: `≤ Master_Down_Interval + gratuitous ARP ≈ ${secs(BOUNDS.takeoverMs)}`,
      ok: served1 && outage1 <= BOUNDS.takeoverMs + 1_000 && w1.failed === 0 && w1.by.size === 3,
      note: `${w1.ok} ok/s via lb2 afterwards`,
    });

    // 2. Bring lb1 back: it starts as BACKUP and preempts after its own down timer.
    this.step('step 2/4: lb1 comes back → preempts (priority 150 > 100)');
    lab.restoreLink('lb1');
    const from2 = this.mark('lb2', 'vrrp');
    const startWall = Date.now();
    const startAt = performance.now();
    this.startLb(lab, 'lb1');
    const backupInit = await this.waitLog('lb1', 'vrrp', /Entering BACKUP STATE/, 10_000, 0);
    const master2 = await this.waitLog('lb1', 'vrrp', /Entering MASTER STATE/, BOUNDS.preemptMs + 8_000, 0);
    await this.waitLog('lb2', 'vrrp', /Entering BACKUP STATE/, 3_000, from2);
    const preemptMs = master2.atMs - backupInit.atMs;
    allOk &&= this.expect({
      what: 'preemption: lb1 MASTER after entering BACKUP',
      measuredMs: preemptMs,
      bound: `Master_Down_Interval(prio ${PRIORITY.lb1}) = ${secs(BOUNDS.preemptMs)}`,
      ok: preemptMs <= BOUNDS.preemptMs + SLACK_MS,
      note: `${secs(master2.atMs - startAt)} after the daemon was started`,
    });
    for (const r of this.rs) await this.waitLog('lb1', 'checker', healthyRe(r.ip), 10_000, 0);
    await sleep(1_500);
    const outage2 = this.longestGap(startWall, Date.now());
    const w2 = this.window(Date.now() - 1_000, Date.now());
    allOk &&= this.expect({
      what: 'preemption: client outage',
      measuredMs: outage2,
      bound: `≈ 0 (GARP moves the client; bound 1 s)`,
      ok: outage2 <= 1_000 && w2.failed === 0 && w2.by.size === 3,
    });

    // 3. Stop rs2's HTTP server: the checks remove it from the data plane.
    this.step('step 3/4: stop rs2 → the HTTP_GET check removes it');
    const from3 = this.mark('lb1', 'checker');
    const from3b = this.mark('lb2', 'checker');
    const stopWall = Date.now();
    const stoppedAt = await rs2.stop();
    this.event('rs2: HTTP server stopped (connections refused)');
    const removed = await this.waitLog('lb1', 'checker', checkRe('Removing', rs2.ip), BOUNDS.removalMs + 5_000, from3);
    const removedB = await this.waitLog('lb2', 'checker', checkRe('Removing', rs2.ip), BOUNDS.removalMs + 5_000, from3b).catch(() => undefined);
    const removalMs = removed.atMs - stoppedAt;
    const removedWall = stopWall + removalMs;
    await sleep(1_500);
    const during = this.window(stopWall, removedWall);
    const after = this.window(removedWall + 200, Date.now());
    allOk &&= this.expect({
      what: 'real server removal (master lb1)',
      measuredMs: removalMs,
      bound: `connect_timeout + retry × delay_before_retry + delay_loop = ${CONNECT_TIMEOUT_S} + ${RETRY}×${DELAY_BEFORE_RETRY_S} + ${DELAY_LOOP_S} = ${secs(BOUNDS.removalMs)}`,
      ok: removalMs <= BOUNDS.removalMs + SLACK_MS && after.failed === 0 && !after.by.has('rs2') && after.ok > 0,
      note: `${during.failed} of ${during.ok + during.failed} requests failed meanwhile; none after${removedB !== undefined ? `; backup lb2 removed it after ${secs(removedB.atMs - stoppedAt)}` : ''}`,
    });

    // 4. Start it again: the next successful check adds it back.
    this.step('step 4/4: start rs2 again → the check adds it back');
    const from4 = this.mark('lb1', 'checker');
    const restartWall = Date.now();
    const restartedAt = await rs2.start();
    this.event('rs2: HTTP server listening again');
    const added = await this.waitLog('lb1', 'checker', checkRe('Adding', rs2.ip), BOUNDS.restoreMs + 5_000, from4);
    const restoreMs = added.atMs - restartedAt;
    await sleep(1_500);
    const w4 = this.window(restartWall + restoreMs + 200, Date.now());
    allOk &&= this.expect({
      what: 'real server restore (master lb1)',
      measuredMs: restoreMs,
      bound: `delay_loop + connect_timeout = ${secs(BOUNDS.restoreMs)}`,
      ok: restoreMs <= BOUNDS.restoreMs + SLACK_MS && w4.failed === 0 && (w4.by.get('rs2') ?? 0) > 0,
      note: `rs2 served ${w4.by.get('rs2') ?? 0} of ${w4.ok} requests afterwards`,
    });
    const total = this.window(0, Date.now());
    this.event(`client totals: ${total.ok} answered, ${total.failed} failed; ${[...total.by].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    this.step(allOk ? 'done: every step behaved as expected' : 'done: some steps did NOT behave as expected');
    return allOk;
  }

  summary(): string {
    const rows = this.results.filter((r) => r.measuredMs !== undefined);
    const w = Math.max(...rows.map((r) => r.what.length), 10);
    const lines = [
      '',
      'Summary (measured in this run vs the theoretical bound)',
      `  ${'step'.padEnd(w)}  ${'measured'.padStart(9)}  bound`,
      ...rows.map((r) => `  ${r.what.padEnd(w)}  ${secs(r.measuredMs).padStart(9)}  ${r.bound}${r.ok ? '' : '   <-- NOT AS EXPECTED'}${r.note !== undefined ? `\n  ${''.padEnd(w)}  ${''.padStart(9)}  (${r.note})` : ''}`),
      '',
      this.results.every((r) => r.ok) ? 'Result: every step behaved as expected.' : `Result: ${this.results.filter((r) => !r.ok).length} step(s) did not behave as expected.`,
      '',
    ];
    return lines.join('\n');
  }

  // ---- interactive -----------------------------------------------------------------------

  private async stayUp(lab: Lab): Promise<void> {
    const urls: string[] = [];
    for (const [i, lb] of LBS.entries()) {
      const port = await this.proxy(lab, lb, 9180 + i);
      urls.push(`  ${lb}: http://127.0.0.1:${port}/   (/status, /metrics)`);
    }
    process.stdout.write(`The lab keeps running. Dashboards (proxied into the namespaces):\n${urls.join('\n')}\n` +
      `Try: ip netns exec kats-demo-${process.pid}-client curl -s http://${VIP}/\n` +
      `Ctrl-C ends the demo and removes the lab.\n\n`);
    this.ticker = setInterval(() => this.tick(), this.tty ? 200 : 2_000);
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => resolve());
    });
  }

  /** A host-side TCP port forwarding to the LB's status listener inside its namespace. */
  private proxy(lab: Lab, lb: LbName, preferred: number): Promise<number> {
    const server = createServer((sock) => {
      const c = lab.spawn(lb, [process.execPath, '-e', PIPE_JS, '127.0.0.1', '8080']);
      if (c.stdin) sock.pipe(c.stdin);
      c.stdout?.pipe(sock);
      sock.on('error', () => c.kill());
      sock.on('close', () => c.kill());
      c.on('exit', () => sock.end());
    });
    this.proxies.push(server);
    return new Promise((resolve) => {
      server.once('error', () => server.listen(0, '127.0.0.1', () => resolve(portOf(server))));
      server.listen(preferred, '127.0.0.1', () => resolve(portOf(server)));
    });
  }
}

function portOf(s: Server): number {
  const a = s.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

function isOk(r: RecordLine): boolean {
  return !r.r.startsWith('error:') && r.r !== 'timeout' && r.r !== '';
}

/** Exposed for docs/tests: where the tools the demo needs are. */
export function demoTools(): Record<string, string | undefined> {
  return { ip: findTool('ip'), nft: findTool('nft'), keepalived: findTool('keepalived') };
}
