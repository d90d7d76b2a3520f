/**
 * The state machine's view of a configured instance (pure). The primary address is a
 * fact of the host, not of the config: the shell resolves it (mcast_src_ip /
 * unicast_src_ip, else the interface's first address of the family, link-local for IPv6,
 * as keepalived's vrrp_complete_instance / vrrp_set_saddr do) and passes it in.
 */
import { hasTakeoverGate } from '../config/model/split_brain.js';
import type { VrrpInstance } from '../config/model/vrrp.js';
import type { InstanceParams } from './instance.js';

export function instanceParamsFromConfig(vi: VrrpInstance, primaryAddress: string): InstanceParams {
  const firstVip = vi.virtualIpAddresses[0] ?? vi.excludedIpAddresses[0];
  return {
    name: vi.name,
    version: vi.version,
    basePriority: vi.basePriority,
    advertIntervalCs: vi.advertIntervalCs,
    downTimerAdverts: vi.downTimerAdverts,
    nopreempt: vi.nopreempt,
    preemptDelayUs: vi.preemptDelayUs,
    primaryAddress,
    interfaceName: vi.interfaceName ?? '',
    firstVip: firstVip?.address,
    garpAddresses: [...vi.virtualIpAddresses, ...vi.excludedIpAddresses].map((v) => ({ address: v.address, family: v.family })),
    hasExcludedVips: vi.excludedIpAddresses.length > 0,
    hasVirtualRoutes: vi.virtualRoutes.length > 0,
    garpMasterDelayUs: vi.garpMasterDelayUs,
    garpMasterRepeat: vi.garpMasterRepeat,
    garpMasterRefreshUs: vi.garpMasterRefreshUs,
    garpMasterRefreshRepeat: vi.garpMasterRefreshRepeat,
    garpLowerPrioDelayUs: vi.garpLowerPrioDelayUs,
    garpLowerPrioRepeat: vi.garpLowerPrioRepeat,
    lowerPrioNoAdvert: vi.lowerPrioNoAdvert,
    higherPrioSendAdvert: vi.higherPrioSendAdvert,
    takeoverGated: hasTakeoverGate(vi.splitBrain),
  };
}
