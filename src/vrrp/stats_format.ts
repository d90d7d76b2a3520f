/**
 * keepalived's VRRP statistics file (`kill -USR2`, /tmp/keepalived.stats), pure: the same
 * layout and counters as 2.2.7's vrrp_print.c vrrp_print_stats, one block per instance in
 * configuration order. The error counters are the sums of our drop reasons that map onto
 * each keepalived counter (drop_reasons.ts, defined once).
 */
import { DROP_REASONS, DROP_REASON_NAMES, type DropReason, type VrrpStatsCounter } from './drop_reasons.js';

export interface InstanceStatsView {
  readonly name: string;
  readonly advertsReceived: number;
  readonly advertsSent: number;
  readonly becameMaster: number;
  readonly releasedMaster: number;
  readonly priorityZeroReceived: number;
  readonly priorityZeroSent: number;
  readonly drops: ReadonlyMap<DropReason, number>;
}

/** keepalived's counter value: the sum over the drop reasons that move it. */
export function statsCounter(drops: ReadonlyMap<DropReason, number>, counter: VrrpStatsCounter): number {
  let total = 0;
  for (const reason of DROP_REASON_NAMES) {
    if (DROP_REASONS[reason].counter === counter) total += drops.get(reason) ?? 0;
  }
  return total;
}

export function formatStatsFile(instances: readonly InstanceStatsView[]): string {
  const lines: string[] = [];
  for (const i of instances) {
    const c = (counter: VrrpStatsCounter) => statsCounter(i.drops, counter);
    lines.push(
      `VRRP Instance: ${i.name}`,
      '  Advertisements:',
      `    Received: ${i.advertsReceived}`,
      `    Sent: ${i.advertsSent}`,
      `  Became master: ${i.becameMaster}`,
      `  Released master: ${i.releasedMaster}`,
      '  Packet Errors:',
      `    Length: ${c('packet_len_err')}`,
      `    TTL: ${c('ip_ttl_err')}`,
      `    Invalid Type: ${c('invalid_type_rcvd')}`,
      `    Advertisement Interval: ${c('advert_interval_err')}`,
      `    Address List: ${c('addr_list_err')}`,
      '  Authentication Errors:',
      `    Invalid Type: ${c('invalid_authtype')}`,
      `    Type Mismatch: ${c('authtype_mismatch')}`,
      `    Failure: ${c('auth_failure')}`,
      '  Priority Zero:',
      `    Received: ${i.priorityZeroReceived}`,
      `    Sent: ${i.priorityZeroSent}`,
    );
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
