/**
 * InstanceParams for tests: keepalived's defaults for an instance on eth0 (VRRPv2, priority
 * 100, advert_int 1 s, garp 5 + 5 after 5 s). Tests override what they are about.
 */
import type { InstanceParams } from '../../src/vrrp/instance.js';

export function instanceParams(over: Partial<InstanceParams> = {}): InstanceParams {
  return {
    name: 'VI_1',
    version: 2,
    basePriority: 100,
    advertIntervalCs: 100,
    downTimerAdverts: 3,
    nopreempt: false,
    preemptDelayUs: 0,
    primaryAddress: '10.0.0.1',
    interfaceName: 'eth0',
    firstVip: '10.0.0.100',
    garpMasterDelayUs: 5_000_000,
    garpMasterRepeat: 5,
    garpMasterRefreshUs: 0,
    garpMasterRefreshRepeat: 1,
    garpLowerPrioDelayUs: 5_000_000,
    garpLowerPrioRepeat: 5,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    ...over,
  };
}
