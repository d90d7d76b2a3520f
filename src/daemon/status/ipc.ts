/**
 * Status over the children's IPC channel.
 *
 * Child side: startStatusReporter() sends `{ kind: 'kats_status', role, snapshot }` every
 * fullIntervalMs and, coalesced, soon after each poke() (a state change); in the ticks
 * between (every intervalMs) only `{ kind: 'kats_status_alive', role }`, which keeps the
 * child fresh. The VRRP child never serves HTTP itself: a slow client or a GC pause in a
 * server must not delay adverts.
 *
 * Parent side: StatusCollector.accept() takes whatever arrives on a child's 'message'
 * event, validates it field by field (a message is data from another process: junk is
 * counted and dropped, never thrown), keeps the latest snapshot per role and answers
 * status() for the HTTP server.
 */
import { DROP_REASON_NAMES } from '../../vrrp/drop_reasons.js';
import type { TransitionReason } from '../../vrrp/instance.js';
import {
  STATUS_SNAPSHOT_VERSION,
  type CheckerStatusSnapshot,
  type ChildStatus,
  type DaemonStatus,
  type ParentInfo,
  type ReloadResult,
  type ReloadStatus,
  type StatusRole,
  type VrrpStatusSnapshot,
} from './snapshot.js';

export const STATUS_MESSAGE_KIND = 'kats_status';

export type StatusSnapshot = VrrpStatusSnapshot | CheckerStatusSnapshot;

export interface StatusMessage {
  readonly kind: typeof STATUS_MESSAGE_KIND;
  readonly role: StatusRole;
  readonly snapshot: StatusSnapshot;
}

export const STATUS_ALIVE_KIND = 'kats_status_alive';

/** "Still running; the last snapshot still holds" (a tick between two full snapshots). */
export interface StatusAliveMessage {
  readonly kind: typeof STATUS_ALIVE_KIND;
  readonly role: StatusRole;
}

// ---- child side ------------------------------------------------------------------------

export interface StatusReporterOptions {
  /** process.send in a child; any function in tests. May throw (channel closed). */
  readonly send: (message: StatusMessage | StatusAliveMessage) => void;
  readonly build: () => StatusSnapshot;
  /** Period of the regular message. @default 1000 */
  readonly intervalMs?: number;
  /**
   * The whole snapshot goes out at least this often (and after each poke); the regular
   * messages between are alive messages. @default intervalMs (a snapshot every time)
   */
  readonly fullIntervalMs?: number;
  /** A failed build or send (logged by the caller; the reporter keeps going). */
  readonly onError?: (error: unknown) => void;
}

export interface StatusReporter {
  /** Send a snapshot soon (after the current event-loop turn; bursts coalesce). */
  poke(): void;
  stop(): void;
}

/**
 * Starts sending snapshots: one now, then every fullIntervalMs and after each poke(), and
 * alive messages in the intervalMs ticks between.
 */
export function startStatusReporter(o: StatusReporterOptions): StatusReporter {
  let isStopped = false;
  let pending: NodeJS.Immediate | undefined;
  let role: StatusRole | undefined;
  const intervalMs = o.intervalMs ?? 1000;
  const ticksPerFull = Math.max(1, Math.round((o.fullIntervalMs ?? intervalMs) / intervalMs));
  let ticksSinceFull = 0;
  const sendNow = (): void => {
    pending = undefined;
    ticksSinceFull = 0;
    if (isStopped) return;
    try {
      const snapshot = o.build();
      role = snapshot.role;
      o.send({ kind: STATUS_MESSAGE_KIND, role: snapshot.role, snapshot });
    } catch (e) {
      o.onError?.(e);
    }
  };
  const tick = (): void => {
    if (++ticksSinceFull < ticksPerFull && role !== undefined) {
      try {
        o.send({ kind: STATUS_ALIVE_KIND, role });
      } catch (e) {
        o.onError?.(e);
      }
      return;
    }
    sendNow();
  };
  const timer = setInterval(tick, intervalMs);
  // The reporter must never keep a stopping child alive.
  timer.unref();
  sendNow();
  return {
    poke: () => {
      if (isStopped || pending !== undefined) return;
      pending = setImmediate(sendNow);
    },
    stop: () => {
      isStopped = true;
      clearInterval(timer);
      if (pending !== undefined) clearImmediate(pending);
      pending = undefined;
    },
  };
}

// ---- validation ------------------------------------------------------------------------

/** A validator returns the value rebuilt from known fields only, or FAIL. */
const FAIL: unique symbol = Symbol('invalid');
type V<T> = (x: unknown) => T | typeof FAIL;

const MAX_ITEMS = 100_000;
const MAX_TEXT = 4096;

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const num: V<number> = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : FAIL);
const count: V<number> = (x) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : FAIL);
const str: V<string> = (x) => (typeof x === 'string' && x.length <= MAX_TEXT ? x : FAIL);
const bool: V<boolean> = (x) => (typeof x === 'boolean' ? x : FAIL);

function oneOf<const T extends readonly (string | number)[]>(...values: T): V<T[number]> {
  return (x) => ((values as readonly unknown[]).includes(x) ? (x as T[number]) : FAIL);
}

function arr<T>(item: V<T>): V<T[]> {
  return (x) => {
    if (!Array.isArray(x) || x.length > MAX_ITEMS) return FAIL;
    const out: T[] = [];
    for (const e of x) {
      const v = item(e);
      if (v === FAIL) return FAIL;
      out.push(v);
    }
    return out;
  };
}

/** A string → count record; keys are kept only when they match `isKey`. */
function counts(isKey: (k: string) => boolean): V<Record<string, number>> {
  return (x) => {
    if (!isRecord(x)) return FAIL;
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(x)) {
      const n = count(v);
      if (n === FAIL) return FAIL;
      if (isKey(k)) out[k] = n;
    }
    return out;
  };
}

type Shape = Record<string, V<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: Exclude<ReturnType<S[K]>, typeof FAIL> };

/** An object with `required` fields and `optional` ones (absent stays absent). */
function obj<R extends Shape, O extends Shape = Record<never, never>>(
  required: R,
  optional?: O,
): V<Out<R> & Partial<Out<O>>> {
  return (x) => {
    if (!isRecord(x)) return FAIL;
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(required)) {
      const v = check(x[k]);
      if (v === FAIL) return FAIL;
      out[k] = v;
    }
    for (const [k, check] of Object.entries(optional ?? {})) {
      if (x[k] === undefined) continue;
      const v = check(x[k]);
      if (v === FAIL) return FAIL;
      out[k] = v;
    }
    return out as Out<R> & Partial<Out<O>>;
  };
}

const state = oneOf('INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP');
/** Every TransitionReason (a Record, so adding a reason without listing it fails to compile). */
const TRANSITION_REASONS: Readonly<Record<TransitionReason, true>> = {
  startup: true,
  address_owner: true,
  master_down_timeout: true,
  priority_zero_received: true,
  higher_priority_advert: true,
  fault: true,
  fault_cleared: true,
  arbiter_revoked: true,
  shutdown: true,
  vip_deleted: true,
  sync_group: true,
  reload: true,
  respawn: true,
};
const isTransitionName = (k: string): boolean => Object.prototype.hasOwnProperty.call(TRANSITION_REASONS, k);
const isDropName = (k: string): boolean => (DROP_REASON_NAMES as readonly string[]).includes(k);

const notifyCounts = obj({
  scriptsRun: count,
  scriptFailures: count,
  scriptTimeouts: count,
  scriptsDropped: count,
  emailsSent: count,
  emailsFailed: count,
  fifoLinesWritten: count,
  fifoLinesDropped: count,
});

const stats = obj({
  packet_len_err: count,
  ip_ttl_err: count,
  invalid_type_rcvd: count,
  advert_interval_err: count,
  addr_list_err: count,
  invalid_authtype: count,
  authtype_mismatch: count,
  auth_failure: count,
  chk_err: count,
  vers_err: count,
  vrid_err: count,
});

const instance = obj(
  {
    name: str,
    interfaceName: str,
    vrid: count,
    family: oneOf(4, 6),
    version: oneOf(2, 3),
    state,
    wantState: oneOf('BACKUP', 'MASTER', 'FAULT'),
    isFaulted: bool,
    basePriority: count,
    effectivePriority: num,
    advertIntervalS: count,
    masterAdverIntervalS: count,
    masterDownIntervalS: count,
    garpMasterDelayS: count,
    isUnicast: bool,
    vips: arr(
      obj(
        { address: str, family: oneOf(4, 6), text: str, device: str, isExcluded: bool },
        { isPresent: bool },
      ),
    ),
    peers: arr(obj({ address: str, lastAdvertAgeS: count })),
    counts: obj({
      advertsReceived: count,
      advertsSent: count,
      priorityZeroReceived: count,
      priorityZeroSent: count,
      becameMaster: count,
      releasedMaster: count,
      stats,
      drops: counts(isDropName),
      transitionsByReason: counts(isTransitionName),
    }),
  },
  {
    masterAddress: str,
    syncGroup: str,
    splitBrain: obj(
      {
        splitBrains: count,
        takeoversRefused: count,
        paths: arr(obj({ label: str }, { isUp: bool, lastAdvertAgeS: count })),
      },
      { arbiter: str, arbiterReachable: bool, holdsLease: bool, lastGateS: count },
    ),
  },
);

const vrrpSnapshot = obj(
  {
    role: oneOf('vrrp'),
    version: oneOf(STATUS_SNAPSHOT_VERSION),
    takenAtMs: count,
    instances: arr(instance),
    syncGroups: arr(obj({ name: str, state, members: arr(str) })),
    scripts: arr(obj({ name: str, result: oneOf('good', 'bad', 'unknown') }, { isRunning: bool })),
  },
  { notify: notifyCounts },
);

const traffic = obj({ inPackets: count, outPackets: count, inBytes: count, outBytes: count, connections: count });

const realServer = obj(
  {
    text: str,
    isAlive: bool,
    isInKernel: bool,
    weight: count,
    configuredWeight: num,
    effectiveWeight: num,
    failedChecks: count,
    checks: arr(obj({ id: count, type: str, isUp: bool }, { lastDurationS: count, lastOk: bool })),
  },
  { lastCheckLatencyS: count, traffic },
);

const checkerSnapshot = obj(
  {
    role: oneOf('checker'),
    version: oneOf(STATUS_SNAPSHOT_VERSION),
    takenAtMs: count,
    virtualServers: arr(
      obj(
        {
          text: str,
          isActive: bool,
          quorum: count,
          isQuorumUp: bool,
          realServersUp: count,
          realServersTotal: count,
          realServers: arr(realServer),
        },
        { sorryServer: obj({ text: str, isAlive: bool, isInKernel: bool }), traffic },
      ),
    ),
  },
  { notify: notifyCounts },
);

/**
 * The message as a StatusMessage, rebuilt from known fields only, or undefined when it is
 * not one (wrong kind, role, version or any field of the wrong type). Never throws.
 */
export function parseStatusMessage(message: unknown): StatusMessage | undefined {
  try {
    if (!isRecord(message) || message['kind'] !== STATUS_MESSAGE_KIND) return undefined;
    const role = message['role'];
    if (role !== 'vrrp' && role !== 'checker') return undefined;
    const check = role === 'vrrp' ? vrrpSnapshot : checkerSnapshot;
    const snapshot = check(message['snapshot']);
    if (snapshot === FAIL) return undefined;
    return { kind: STATUS_MESSAGE_KIND, role, snapshot: snapshot as StatusSnapshot };
  } catch {
    // A getter or proxy on hostile input: not a status message.
    return undefined;
  }
}

function parseAliveMessage(message: unknown): StatusAliveMessage | undefined {
  try {
    if (!isRecord(message) || message['kind'] !== STATUS_ALIVE_KIND) return undefined;
    const role = message['role'];
    return role === 'vrrp' || role === 'checker' ? { kind: STATUS_ALIVE_KIND, role } : undefined;
  } catch {
    return undefined;
  }
}

// ---- parent side -----------------------------------------------------------------------

export interface StatusCollectorOptions {
  readonly parent: ParentInfo;
  /** The children the configuration needs (keepalived_up needs each to be fresh). */
  readonly expectedRoles: readonly StatusRole[];
  /** Wall clock in ms. @default Date.now */
  readonly nowMs?: () => number;
  /** A snapshot older than this makes its child stale. @default 5000 */
  readonly staleAfterMs?: number;
}

interface Latest {
  readonly snapshot: StatusSnapshot;
  readonly receivedAtMs: number;
  readonly pid: number | undefined;
}

/** The parent's store of the children's latest snapshots and of reload results. */
export class StatusCollector {
  readonly #o: StatusCollectorOptions;
  readonly #latest = new Map<StatusRole, Latest>();
  #expected: readonly StatusRole[];
  #rejected = 0;
  #reloads: ReloadStatus = { success: 0, failure: 0 };

  constructor(o: StatusCollectorOptions) {
    this.#o = o;
    this.#expected = [...o.expectedRoles];
  }

  #now(): number {
    return (this.#o.nowMs ?? Date.now)();
  }

  /**
   * A message from a child's IPC channel. Returns false (and counts it) when it is not a
   * valid status message; `from.role` (the child it came from) must match the message's.
   * An alive message refreshes the child's last snapshot (nothing before the first one).
   */
  accept(message: unknown, from: { readonly role?: StatusRole; readonly pid?: number } = {}): boolean {
    const alive = parseAliveMessage(message);
    if (alive !== undefined && (from.role === undefined || from.role === alive.role)) {
      const l = this.#latest.get(alive.role);
      if (l !== undefined) this.#latest.set(alive.role, { ...l, receivedAtMs: this.#now(), pid: from.pid ?? l.pid });
      return true;
    }
    const m = parseStatusMessage(message);
    if (m === undefined || (from.role !== undefined && from.role !== m.role)) {
      this.#rejected++;
      return false;
    }
    this.#latest.set(m.role, { snapshot: m.snapshot, receivedAtMs: this.#now(), pid: from.pid });
    return true;
  }

  /** Messages dropped by accept() so far. */
  get rejectedMessages(): number {
    return this.#rejected;
  }

  /** A child exited: its snapshot no longer describes a running process. */
  childExited(role: StatusRole): void {
    this.#latest.delete(role);
  }

  setExpectedRoles(roles: readonly StatusRole[]): void {
    this.#expected = [...roles];
  }

  /** Records the outcome of a configuration reload (SIGHUP). */
  recordReload(result: ReloadResult): void {
    const at = this.#now();
    const r = this.#reloads;
    this.#reloads = {
      success: r.success + (result === 'success' ? 1 : 0),
      failure: r.failure + (result === 'failure' ? 1 : 0),
      lastResult: result,
      lastAtMs: at,
      ...(result === 'success' ? { lastSuccessAtMs: at } : r.lastSuccessAtMs === undefined ? {} : { lastSuccessAtMs: r.lastSuccessAtMs }),
    };
  }

  status(): DaemonStatus {
    const now = this.#now();
    const staleAfter = this.#o.staleAfterMs ?? 5000;
    const roles: StatusRole[] = ['vrrp', 'checker'];
    const children: ChildStatus[] = roles
      .filter((role) => this.#expected.includes(role) || this.#latest.has(role))
      .map((role) => {
        const l = this.#latest.get(role);
        return {
          role,
          isExpected: this.#expected.includes(role),
          ...(l?.pid === undefined ? {} : { pid: l.pid }),
          ...(l === undefined ? {} : { receivedAtMs: l.receivedAtMs }),
          isFresh: l !== undefined && now - l.receivedAtMs <= staleAfter,
        };
      });
    const vrrp = this.#latest.get('vrrp')?.snapshot;
    const checker = this.#latest.get('checker')?.snapshot;
    return {
      generatedAtMs: now,
      parent: this.#o.parent,
      children,
      ...(vrrp?.role === 'vrrp' ? { vrrp } : {}),
      ...(checker?.role === 'checker' ? { checker } : {}),
      reloads: this.#reloads,
    };
  }
}
