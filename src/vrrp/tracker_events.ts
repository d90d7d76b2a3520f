/**
 * From a tracker verdict (track.ts) to the instance events (instance.ts): the one place
 * that decides which events a change of tracked objects raises, and in which order.
 *
 * keepalived-compat: vrrp_track.c applies a weight-0 fault before any priority change, so
 * an instance that faults does not first advertise a new priority; when the fault clears,
 * the priority is settled before the instance leaves FAULT (and so before it computes its
 * Master_Down_Interval from it).
 */
import type { InstanceState, VrrpEvent } from './instance.js';
import type { TrackVerdict } from './track.js';

export function trackerEvents(s: InstanceState, verdict: TrackVerdict): VrrpEvent[] {
  const events: VrrpEvent[] = [];
  const priorityChanged = verdict.effectivePriority !== s.effectivePriority;
  if (verdict.isFault && !s.isFaulted) {
    events.push({ kind: 'fault_changed', isFaulted: true });
    if (priorityChanged) events.push({ kind: 'priority_changed', effectivePriority: verdict.effectivePriority });
    return events;
  }
  if (priorityChanged) events.push({ kind: 'priority_changed', effectivePriority: verdict.effectivePriority });
  if (!verdict.isFault && s.isFaulted) events.push({ kind: 'fault_changed', isFaulted: false });
  return events;
}
