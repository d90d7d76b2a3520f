/**
 * How the VRRP process is scheduled (pure policy; vrrp_daemon.ts carries it out).
 *
 * keepalived: `vrrp_rt_priority N` puts the VRRP process in SCHED_RR at priority N (1–99,
 * out-of-range values clamped, as its parser says "setting to minimum/maximum");
 * `vrrp_priority N` is a nice value (-20–19). Neither is the default.
 *
 * keepalived-ts adds one default: with an advert_int below one second and neither keyword
 * given, the VRRP process asks for SCHED_RR priority 1. Measured here (bench/RESULTS.md,
 * advert jitter at advert_int 0.1 with 5,000 real servers checked on 2 vCPUs), the VRRP
 * process otherwise waits for a CPU behind the checker and p99 lateness is 8.6 ms; with a
 * realtime policy it is 1.6 ms. A C daemon waits less for a CPU because it needs far less of
 * one; for a Node process the scheduler class is what keeps sub-second adverts on time.
 * `vrrp_priority 0` keeps normal scheduling.
 */
export const SUB_SECOND_RT_PRIORITY = 1;
const RR_MIN = 1;
const RR_MAX = 99;

export type ProcessScheduling =
  | { readonly kind: 'realtime'; readonly priority: number; readonly why: 'vrrp_rt_priority' | 'sub_second_advert_int' }
  | { readonly kind: 'nice'; readonly nice: number }
  | { readonly kind: 'default' };

export function vrrpProcessScheduling(o: {
  /** vrrp_rt_priority as written, if given and an integer. */
  readonly rtPriority: number | undefined;
  /** vrrp_priority as written, if given and an integer. */
  readonly nice: number | undefined;
  /** The shortest advert_int of the configured instances, centiseconds. */
  readonly shortestAdvertIntervalCs: number | undefined;
}): ProcessScheduling {
  if (o.rtPriority !== undefined) {
    return { kind: 'realtime', priority: Math.min(RR_MAX, Math.max(RR_MIN, o.rtPriority)), why: 'vrrp_rt_priority' };
  }
  if (o.nice !== undefined) return { kind: 'nice', nice: o.nice };
  if (o.shortestAdvertIntervalCs !== undefined && o.shortestAdvertIntervalCs < 100) {
    return { kind: 'realtime', priority: SUB_SECOND_RT_PRIORITY, why: 'sub_second_advert_int' };
  }
  return { kind: 'default' };
}
