/**
 * Split-brain protection (issue 8): rise/fall hysteresis over an arbiter's reference probes.
 * Pure: the shell (src/arbiter/reference_prober.ts) probes every reference address once per
 * round and feeds one boolean per round here; a round is OK when ANY reference answered,
 * because the question is "am I cut off from the network?", not "is every reference up?".
 * One reference that is down for maintenance must not make a healthy node think it is
 * isolated; only silence from all of them does.
 *
 * The verdict starts unknown (`isReachable: undefined`) and is decided as follows:
 *
 * - unknown → reachable on the FIRST OK round. An answer proves we are not isolated right
 *   now, and callers already treat "unknown" as "not isolated", so waiting for `rise` OK
 *   rounds would only delay the first verdict without changing any decision.
 * - unknown → unreachable only after `fall` consecutive failed rounds, exactly like
 *   reachable → unreachable. Declaring a node isolated makes it refuse or give up MASTER,
 *   so a single lost round at start-up (ARP/ND not yet resolved, a slow reference) must not
 *   do that. Callers MUST treat `undefined` as "not isolated yet".
 * - reachable → unreachable after `fall` consecutive failed rounds (an OK round resets the
 *   count).
 * - unreachable → reachable after `rise` consecutive OK rounds (a failed round resets the
 *   count), so a flapping uplink does not bounce the node in and out of isolation.
 *
 * `rise` and `fall` below 1 (or not integers) are treated as their ceiling, at least 1: a
 * threshold of 0 would flip without any evidence.
 */

export interface ReachabilityState {
  /** undefined: no verdict yet (callers: "not isolated yet"). */
  readonly isReachable: boolean | undefined;
  /** OK rounds in a row (0 after a failed round); saturates at MAX_COUNT. */
  readonly consecutiveOk: number;
  /** Failed rounds in a row (0 after an OK round); saturates at MAX_COUNT. */
  readonly consecutiveFail: number;
}

export interface ReachabilityThresholds {
  /** OK rounds in a row that take an unreachable verdict back to reachable. */
  readonly rise: number;
  /** Failed rounds in a row that make the verdict unreachable (also from unknown). */
  readonly fall: number;
}

export interface ReachabilityStep {
  readonly state: ReachabilityState;
  /** The verdict differs from the previous one (including the first verdict after unknown). */
  readonly changed: boolean;
}

/** The counters stop here so a long-lived daemon's state stays bounded. */
export const MAX_COUNT = 0x7fffffff;

/** Before the first round: no verdict, no counts. */
export const INITIAL_REACHABILITY: ReachabilityState = {
  isReachable: undefined,
  consecutiveOk: 0,
  consecutiveFail: 0,
};

/** A threshold as used: an integer ≥ 1 (NaN counts as 1). */
export function effectiveThreshold(n: number): number {
  return Number.isNaN(n) ? 1 : Math.max(1, Math.ceil(n));
}

/**
 * Feeds one probe round.
 *
 * @example
 * let s = INITIAL_REACHABILITY;
 * const r = reachabilityStep(s, anyReferenceAnswered, { rise: 2, fall: 3 });
 * s = r.state;
 * if (r.changed) log(s.isReachable ? 'reachable' : 'isolated');
 */
export function reachabilityStep(
  state: ReachabilityState,
  roundOk: boolean,
  thresholds: ReachabilityThresholds,
): ReachabilityStep {
  const rise = effectiveThreshold(thresholds.rise);
  const fall = effectiveThreshold(thresholds.fall);
  const consecutiveOk = roundOk ? Math.min(MAX_COUNT, state.consecutiveOk + 1) : 0;
  const consecutiveFail = roundOk ? 0 : Math.min(MAX_COUNT, state.consecutiveFail + 1);
  let isReachable = state.isReachable;
  if (roundOk) {
    // From unknown one answer is enough (see the module comment); from unreachable `rise`.
    if (isReachable === undefined || (isReachable === false && consecutiveOk >= rise)) isReachable = true;
  } else if (isReachable !== false && consecutiveFail >= fall) {
    isReachable = false;
  }
  return {
    state: { isReachable, consecutiveOk, consecutiveFail },
    changed: isReachable !== state.isReachable,
  };
}

/** "Isolated" as callers must read it: only a definite unreachable verdict counts. */
export function isIsolated(state: ReachabilityState): boolean {
  return state.isReachable === false;
}
