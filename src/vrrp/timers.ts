/**
 * VRRP timer arithmetic (RFC 3768 §6.1, RFC 5798 §6.1), in keepalived's integer units so
 * our numbers match keepalived's to the microsecond. The one place where VRRP time units
 * are converted.
 *
 * keepalived-compat: include/vrrp.h VRRP_TIMER_SKEW_CALC / VRRP_MS_DOWN_TIMER.
 */

export type VrrpVersion = 2 | 3;

/** 1 centisecond in µs (VRRPv3 carries intervals in centiseconds). */
export const CENTISECOND_US = 10_000;
/** 1 s in µs (keepalived's TIMER_HZ). */
export const SECOND_US = 1_000_000;
/** RFC 5798 §6.1 / keepalived VRRP_DOWN_TIMER_ADVERTS. */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;

export interface TimerInputs {
  readonly version: VrrpVersion;
  /** Effective priority 1..255 (255 for an address owner); 0 never reaches these formulas. */
  readonly priority: number;
  /** Master_Adver_Interval in centiseconds (v2: whole seconds × 100). */
  readonly masterAdverIntervalCs: number;
  /** keepalived's down_timer_adverts (3 unless configured). */
  readonly downTimerAdverts?: number;
}

/**
 * Skew_Time in µs.
 * v2 (RFC 3768 §6.1): (256 - Priority) / 256 seconds, whatever the advert interval.
 * v3 (RFC 5798 §6.1): ((256 - Priority) * Master_Adver_Interval) / 256.
 */
export function skewTimeUs(t: TimerInputs): number {
  const weight = 256 - t.priority;
  if (t.version === 3) return Math.floor((weight * t.masterAdverIntervalCs * 625) / 16);
  return Math.floor((weight * SECOND_US) / 256);
}

/**
 * Master_Down_Interval in µs: down_timer_adverts × Master_Adver_Interval + Skew_Time
 * (RFC: 3 × Master_Adver_Interval + Skew_Time).
 */
export function masterDownIntervalUs(t: TimerInputs): number {
  const adverts = t.downTimerAdverts ?? DEFAULT_DOWN_TIMER_ADVERTS;
  return adverts * t.masterAdverIntervalCs * CENTISECOND_US + skewTimeUs(t);
}

/** µs → seconds with up to 6 decimals, trailing zeros trimmed ("3.609375", "3"). */
export function formatSecondsUs(us: number): string {
  const whole = Math.floor(us / SECOND_US);
  const frac = String(us % SECOND_US).padStart(6, '0').replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}
