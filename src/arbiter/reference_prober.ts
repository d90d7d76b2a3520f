/**
 * Split-brain protection (issue 8), the shell side of an arbiter: probes the arbiter's
 * reference addresses (a gateway, a quorum host) so a node can tell "my peer is gone" from
 * "I am cut off". The verdict's hysteresis is pure (src/vrrp/reachability.ts); this class
 * only runs the probes, keeps the schedule and reports.
 *
 * A round probes every reference in parallel and is OK as soon as ANY of them answers (the
 * others are then aborted, so an OK round takes as long as the fastest answer). A reference
 * is probed with the checker probes:
 *
 * - no `tcpPort`: one ICMP echo (probePing, an unprivileged ICMP datagram socket: the
 *   daemon's gid must be inside net.ipv4.ping_group_range of its namespace, otherwise every
 *   round fails with `socket_error` - which is logged, so it is not silent);
 * - with `tcpPort`: one TCP connect (probeTcp). A completed handshake is reachable and so is
 *   a refused connect (an RST, or an ICMP port unreachable, from the reference itself):
 *   either proves the reference host answered us, which is all "am I isolated?" asks. A
 *   time-out, or a host/network unreachable (ARP/ND failure, an ICMP error from a router or
 *   a firewall) is not reachable.
 *
 * Scheduling: `start()` runs a round at once, then a new round starts `intervalMs` after the
 * previous one started; a round that runs longer than that (timeoutMs > intervalMs) is
 * followed by the next one at once - rounds never overlap, so each verdict step is one
 * complete round. `stop()` cancels the timer and aborts a round in flight (its result is
 * dropped), leaving nothing on the event loop.
 *
 * `probeNow()` runs one fresh round (e.g. right before a takeover) and does NOT feed the
 * hysteresis: rise/fall count rounds of the steady schedule, so their meaning ("fall ×
 * interval of silence") must not depend on how often a caller happens to take over. The
 * caller combines both: e.g. take over only if the verdict is not "isolated" and the fresh
 * round is OK.
 *
 * @example
 * const prober = new ReferenceProber({ name: 'GW', references: [{ address: '10.0.0.254', family: 4, tcpPort: undefined }],
 *   intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3, log, onChange: (ok) => setIsolated(!ok) });
 * prober.start();
 * const fresh = await prober.probeNow();
 */
import type { ArbiterReference } from '../config/model/split_brain.js';
import type { CheckerConnection } from '../config/model/lvs.js';
import { probePing } from '../check/probes/ping.js';
import type { ProbeResult } from '../check/probes/probe_result.js';
import { probeTcp } from '../check/probes/tcp.js';
import {
  effectiveThreshold,
  INITIAL_REACHABILITY,
  reachabilityStep,
  type ReachabilityState,
} from '../vrrp/reachability.js';

export type { ArbiterReference };

export interface ReferenceProberOptions {
  /** The arbiter's name, in log lines. */
  readonly name: string;
  readonly references: readonly ArbiterReference[];
  /** From the start of one scheduled round to the start of the next. */
  readonly intervalMs: number;
  /** Per probe (ICMP reply or TCP handshake). */
  readonly timeoutMs: number;
  /** OK rounds in a row that end an "isolated" verdict. */
  readonly rise: number;
  /** Failed rounds in a row that make the verdict "isolated" (also from unknown). */
  readonly fall: number;
  log(line: string): void;
  /** Each change of the verdict, the first verdict included; `detail` says who answered or why none did. */
  onChange(isReachable: boolean, detail: string): void;
}

export interface ProbeRoundResult {
  /** At least one reference answered. */
  readonly reachable: boolean;
  /** `10.0.0.254 icmp: echo reply`, or every failure: `10.0.0.254 icmp: timeout, 10.0.0.253 tcp/80: timeout`. */
  readonly detail: string;
  readonly elapsedMs: number;
}

interface RoundOutcome extends ProbeRoundResult {
  /** The reference whose answer made the round OK. */
  readonly answeredBy: ArbiterReference | undefined;
}

/** `10.0.0.254 icmp` / `fd00::1 tcp/80`. */
export function referenceLabel(ref: ArbiterReference): string {
  return ref.tcpPort === undefined ? `${ref.address} icmp` : `${ref.address} tcp/${ref.tcpPort}`;
}

/**
 * Whether one probe result proves the reference host answered, with a short text for logs.
 * A refused TCP connect counts (see the module comment).
 */
export function classifyReferenceResult(
  ref: ArbiterReference,
  r: Pick<ProbeResult, 'ok' | 'reason' | 'detail'>,
): { readonly reachable: boolean; readonly text: string } {
  if (r.ok) return { reachable: true, text: ref.tcpPort === undefined ? 'echo reply' : 'connected' };
  switch (r.reason) {
    case 'connect_refused':
      return { reachable: ref.tcpPort !== undefined, text: 'refused (the host answered with a reset)' };
    case 'no_reply':
    case 'connect_timeout':
    case 'timeout':
      return { reachable: false, text: 'timeout' };
    case 'aborted':
      return { reachable: false, text: 'aborted' };
    default: {
      // `connect_error: EHOSTUNREACH` (ARP/ND failed, or an ICMP error from a router).
      const errno = /\bE[A-Z0-9]{3,}\b/.exec(r.detail)?.[0];
      return { reachable: false, text: errno === undefined ? `${r.reason} (${r.detail})` : `${r.reason}: ${errno}` };
    }
  }
}

function probeReference(ref: ArbiterReference, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  const connection: CheckerConnection = {
    destination: { family: ref.family, address: ref.address, port: ref.tcpPort ?? 0 },
    bindTo: undefined,
    bindInterface: undefined,
    fwmark: 0,
    connectTimeoutUs: Math.max(1, timeoutMs) * 1000,
  };
  return ref.tcpPort === undefined ? probePing({ connection }, { signal }) : probeTcp({ connection }, { signal });
}

/** One round: every reference in parallel; settles at the first answer or when all failed. Never rejects. */
function runRound(
  references: readonly ArbiterReference[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<RoundOutcome> {
  const startedAt = performance.now();
  const elapsed = (): number => performance.now() - startedAt;
  if (references.length === 0) {
    return Promise.resolve({ reachable: false, detail: 'no reference configured', elapsedMs: 0, answeredBy: undefined });
  }
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) controller.abort();
  return new Promise<RoundOutcome>((resolve) => {
    let settled = false;
    let pending = references.length;
    const failures: string[] = references.map((ref) => `${referenceLabel(ref)}: not probed`);
    const settle = (outcome: Omit<RoundOutcome, 'elapsedMs'>): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      const elapsedMs = elapsed();
      // The other probes stop at once; their results are ignored.
      controller.abort();
      resolve({ ...outcome, elapsedMs });
    };
    references.forEach((ref, i) => {
      const onResult = (r: Pick<ProbeResult, 'ok' | 'reason' | 'detail'>): void => {
        if (settled) return;
        const c = classifyReferenceResult(ref, r);
        if (c.reachable) {
          settle({ reachable: true, detail: `${referenceLabel(ref)}: ${c.text}`, answeredBy: ref });
          return;
        }
        failures[i] = `${referenceLabel(ref)}: ${c.text}`;
        pending -= 1;
        if (pending === 0) settle({ reachable: false, detail: failures.join(', '), answeredBy: undefined });
      };
      probeReference(ref, timeoutMs, controller.signal).then(onResult, (err: unknown) =>
        onResult({ ok: false, reason: 'internal_error', detail: String(err) }),
      );
    });
  });
}

export class ReferenceProber {
  private readonly options: ReferenceProberOptions;
  private state: ReachabilityState = INITIAL_REACHABILITY;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  /** Bumped by start() and stop(): a round of an older generation is dropped. */
  private generation = 0;
  private running = false;
  private last: ProbeRoundResult | undefined;

  /** Keeps the options; no I/O, no timer until start(). */
  constructor(options: ReferenceProberOptions) {
    this.options = options;
  }

  /** The verdict: undefined until the first one (callers: "not isolated yet"). */
  get isReachable(): boolean | undefined {
    return this.state.isReachable;
  }

  /** The hysteresis state (counters included). */
  get reachability(): ReachabilityState {
    return this.state;
  }

  /** The last scheduled round's result (probeNow() rounds are not recorded). */
  get lastRound(): ProbeRoundResult | undefined {
    return this.last;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the schedule with a round at once; idempotent. The verdict carries over a stop()/start(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation += 1;
    this.scheduledRound(this.generation);
  }

  /** Cancels the timer and aborts a round in flight; idempotent. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation += 1;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  /**
   * One fresh round now, independent of the schedule (works whether started or not); it
   * does not change the verdict. Settles within timeoutMs plus timer slack; never rejects.
   */
  async probeNow(): Promise<ProbeRoundResult> {
    const r = await runRound(this.options.references, this.options.timeoutMs, undefined);
    return { reachable: r.reachable, detail: r.detail, elapsedMs: r.elapsedMs };
  }

  private scheduledRound(generation: number): void {
    const startedAt = performance.now();
    const controller = new AbortController();
    this.inFlight = controller;
    void runRound(this.options.references, this.options.timeoutMs, controller.signal).then((r) => {
      if (generation !== this.generation) return;
      this.inFlight = undefined;
      // Schedule first, so a throwing callback cannot stop the probing.
      const delay = Math.max(0, this.options.intervalMs - (performance.now() - startedAt));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.scheduledRound(generation);
      }, delay);
      this.onRound(r);
    });
  }

  private onRound(r: RoundOutcome): void {
    const { name, rise, fall } = this.options;
    this.last = { reachable: r.reachable, detail: r.detail, elapsedMs: r.elapsedMs };
    const before = this.state;
    const step = reachabilityStep(before, r.reachable, { rise, fall });
    this.state = step.state;
    const who = r.answeredBy === undefined ? '' : r.answeredBy.address;
    if (step.changed) {
      if (step.state.isReachable === true) {
        this.log(
          before.isReachable === false
            ? `arbiter ${name}: reference ${who} reachable again (${r.detail})`
            : `arbiter ${name}: reference ${who} reachable (${r.detail})`,
        );
      } else {
        this.log(`arbiter ${name}: no reference reachable (${r.detail}) - isolated`);
      }
      try {
        this.options.onChange(step.state.isReachable === true, r.detail);
      } catch (err) {
        this.log(`arbiter ${name}: onChange failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else if (!r.reachable && step.state.isReachable !== false) {
      this.log(
        `arbiter ${name}: no reference answered (${r.detail}), ${step.state.consecutiveFail}/${effectiveThreshold(fall)}`,
      );
    } else if (r.reachable && step.state.isReachable === false) {
      this.log(
        `arbiter ${name}: reference ${who} answered (${r.detail}), ${step.state.consecutiveOk}/${effectiveThreshold(rise)}`,
      );
    }
  }

  private log(line: string): void {
    try {
      this.options.log(line);
    } catch {
      // A broken log sink must not stop the probing.
    }
  }
}
