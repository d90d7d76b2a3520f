/**
 * The bridge from the resolved model to explain's narrow view (explain.ts), so explain's
 * logic does not depend on every detail of the model.
 */
import type { KeepalivedConfig } from './model.js';
import type { TrackReference, VrrpInstance, VrrpScript } from './model/vrrp.js';
import { explainInstances, type ExplainInstance, type ExplainTrack } from './explain.js';

function tracks(
  kind: ExplainTrack['kind'],
  refs: readonly TrackReference[],
  scripts?: ReadonlyMap<string, VrrpScript>,
): ExplainTrack[] {
  return refs.map((r) => {
    const s = scripts?.get(r.name);
    return {
      kind,
      name: r.name,
      weight: r.weight,
      reverse: r.reverse,
      ...(s === undefined
        ? {}
        : { script: { intervalUs: s.intervalUs, timeoutUs: s.timeoutUs, fall: s.fall, rise: s.rise } }),
    };
  });
}

export function toExplainInstance(
  source: string,
  i: VrrpInstance,
  scripts: ReadonlyMap<string, VrrpScript>,
): ExplainInstance {
  return {
    source,
    name: i.name,
    at: i.at,
    interfaceName: i.interfaceName,
    vrid: i.vrid,
    version: i.version,
    family: i.family,
    wantState: i.wantState,
    stateWritten: i.stateWritten,
    basePriority: i.basePriority,
    nopreemptWritten: i.nopreemptWritten,
    nopreempt: i.nopreempt,
    preemptDelayUs: i.preemptDelayUs,
    advertIntervalCs: i.advertIntervalCs,
    downTimerAdverts: i.downTimerAdverts,
    unicastPeers: i.unicastPeers.map((p) => p.address),
    unicastSrcIp: i.isUnicast ? i.sourceAddress?.address : undefined,
    strict: i.strictMode,
    authType: i.authTypeWritten,
    vips: i.virtualIpAddresses.map((v) => `${v.address}/${v.prefixLength}`),
    tracks: [
      ...tracks('interface', i.trackInterfaces),
      ...tracks('script', i.trackScripts, scripts),
      ...tracks('file', i.trackFiles),
      ...tracks('process', i.trackProcesses),
      ...tracks('bfd', i.trackBfds),
    ],
    garpMasterDelayUs: i.garpMasterDelayUs,
    garpMasterRepeat: i.garpMasterRepeat,
  };
}

/** explain for one or more configurations (label: how to name each in the report). */
export function explainConfigs(
  configs: readonly { readonly label: string; readonly config: KeepalivedConfig }[],
): string {
  const instances: ExplainInstance[] = [];
  for (const { label, config } of configs) {
    const scripts = new Map(config.vrrp.scripts.map((s) => [s.name, s]));
    for (const i of config.vrrp.instances) instances.push(toExplainInstance(label, i, scripts));
  }
  return explainInstances(instances);
}
