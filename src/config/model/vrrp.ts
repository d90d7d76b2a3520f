/**
 * The resolved VRRP configuration: what keepalived 2.2.7's vrrp_data holds after
 * vrrp_complete_init(), with keepalived's defaults and derivations applied. Plain,
 * immutable, JSON-serialisable data (printed by `--dump-config`).
 *
 * Naming: units last (`advertIntervalCs`, `garpMasterDelayUs`), the RFC's names where it
 * has them; each field's TSDoc names the keepalived keyword it comes from.
 */
import type { SourceLocation } from '../diagnostics.js';
import type { ScriptCommand } from '../script.js';
import type { InstanceSplitBrain, VrrpArbiter } from './split_brain.js';

export type IpFamily = 4 | 6;
export type VrrpVersion = 2 | 3;
export type WantState = 'MASTER' | 'BACKUP';

/** A keyword keepalived-ts recognises and keeps but does not model (P2). */
export interface RawKeyword {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly at: SourceLocation;
}

/** An address in canonical text (lib/ip.ts formatIp) with its family. */
export interface IpAddressText {
  readonly address: string;
  readonly family: IpFamily;
}

/**
 * One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress
 * (`ADDR[/LEN] [brd X] [dev IF] [scope S] [label L] [peer P] [home] [-nodad] ...`).
 */
export interface IpAddressEntry extends IpAddressText {
  /** `/LEN`; 32 or 128 when not written (keepalived's default). */
  readonly prefixLength: number;
  /** `brd`/`broadcast`: an address, or derived from `+`/`-`; IPv4 only. */
  readonly broadcast: string | undefined;
  /** `dev IF`; undefined: the instance's interface (static: default_interface). */
  readonly device: string | undefined;
  /** `scope`: rtnetlink scope number (0 global, 200 site, 253 link, 254 host, 255 nowhere). */
  readonly scope: number;
  readonly label: string | undefined;
  readonly peer: string | undefined;
  readonly isHomeAddress: boolean;
  readonly noDad: boolean;
  readonly manageTempAddress: boolean;
  readonly noPrefixRoute: boolean;
  readonly autoJoin: boolean;
  /** `no_track`: a down interface does not fault the instance. */
  readonly noTrack: boolean;
  /** `preferred_lft` in seconds; 'forever'; IPv6 default 0 for /128 else forever. */
  readonly preferredLft: number | 'forever' | undefined;
  readonly useVmac: boolean;
  /** `track_group` (static_ipaddress only). */
  readonly trackGroup: string | undefined;
  readonly at: SourceLocation;
}

/** One line of virtual_routes / static_routes (ip-route syntax). */
export interface RouteEntry {
  readonly family: IpFamily;
  /** Destination prefix (`default` is 0.0.0.0/0 or ::/0). */
  readonly destination: string;
  /** Route type (`unicast` unless `blackhole`, `unreachable`, ...). */
  readonly type: string;
  readonly via: string | undefined;
  readonly source: string | undefined;
  readonly device: string | undefined;
  /** Routing table id (254 main). */
  readonly table: number;
  readonly metric: number | undefined;
  readonly scope: number | undefined;
  /** Next hops (`nexthop ...` or the deprecated `or`). */
  readonly nextHops: readonly { readonly via: string | undefined; readonly device: string | undefined }[];
  readonly noTrack: boolean;
  readonly trackGroup: string | undefined;
  /** The words as written, for options not modelled (mtu, rtt, encap, ...). */
  readonly args: readonly string[];
  readonly at: SourceLocation;
}

/** One line of virtual_rules / static_rules (ip-rule syntax). */
export interface RuleEntry {
  readonly family: IpFamily;
  readonly from: string | undefined;
  readonly to: string | undefined;
  /** 'table' (with table), 'goto', 'nop', 'blackhole', 'unreachable', 'prohibit'. */
  readonly action: string;
  readonly table: number | undefined;
  /** `preference`/`priority`/`order`; keepalived assigns one when missing (warning). */
  readonly preference: number;
  readonly inputInterface: string | undefined;
  readonly outputInterface: string | undefined;
  readonly noTrack: boolean;
  readonly trackGroup: string | undefined;
  readonly args: readonly string[];
  readonly at: SourceLocation;
}

/** A tracked object reference with its weight (track_interface / track_script / ...). */
export interface TrackReference {
  readonly name: string;
  /** 0: FAULT while the object is down (or up, with reverse). */
  readonly weight: number;
  readonly reverse: boolean;
  readonly at: SourceLocation;
}

export interface UnicastPeer extends IpAddressText {
  readonly minTtl: number;
  readonly maxTtl: number;
  readonly at: SourceLocation;
}

export interface VrrpAuthentication {
  /** `auth_type`. */
  readonly type: 'PASS' | 'AH';
  /** `auth_pass`, truncated to 8 characters like keepalived. */
  readonly password: string;
}

/** The notify scripts of an instance or sync group (notify_master, ...). */
export interface NotifyScripts {
  readonly master: ScriptCommand | undefined;
  readonly backup: ScriptCommand | undefined;
  readonly fault: ScriptCommand | undefined;
  readonly stop: ScriptCommand | undefined;
  /** `notify`: gets `INSTANCE|GROUP name STATE prio` appended. */
  readonly generic: ScriptCommand | undefined;
}

/** `use_vmac [IFNAME] [MAC]`, `vmac_xmit_base`, `use_vmac_addr`, `use_ipvlan`. */
export interface VmacSettings {
  readonly kind: 'macvlan' | 'ipvlan';
  readonly interfaceName: string | undefined;
  readonly macAddress: string | undefined;
  readonly isXmitBase: boolean;
  readonly useVmacAddr: boolean;
}

export interface VrrpInstance {
  readonly name: string;
  readonly at: SourceLocation;
  /** `state` after derivation (no state: MASTER iff priority 255). */
  readonly wantState: WantState;
  /** `state` as written (undefined: none), even when keepalived then overrode it. */
  readonly stateWritten: WantState | undefined;
  /** `interface`; undefined only for unicast instances with unicast_src_ip. */
  readonly interfaceName: string | undefined;
  /** `virtual_router_id`. */
  readonly vrid: number;
  /** `priority` after derivation: 255 for state MASTER without priority, else 100. */
  readonly basePriority: number;
  /** `version` (global vrrp_version; IPv6 forces 3). */
  readonly version: VrrpVersion;
  /** From the VIPs (or unicast peers / src address); IPv4 when nothing says otherwise. */
  readonly family: IpFamily;
  /** `advert_int` after keepalived's range checks and rounding, in centiseconds. */
  readonly advertIntervalCs: number;
  /** `virtual_ipaddress` (at most 255 / what fits a packet; the excess moves to eVIPs). */
  readonly virtualIpAddresses: readonly IpAddressEntry[];
  /** `virtual_ipaddress_excluded`. */
  readonly excludedIpAddresses: readonly IpAddressEntry[];
  readonly virtualRoutes: readonly RouteEntry[];
  readonly virtualRules: readonly RuleEntry[];
  /** `mcast_src_ip` / `unicast_src_ip`. */
  readonly sourceAddress: IpAddressText | undefined;
  /** `unicast_peer`. */
  readonly unicastPeers: readonly UnicastPeer[];
  /** Unicast mode (peers configured). */
  readonly isUnicast: boolean;
  /** `unicast_fault_no_peer`: no peers means FAULT instead of multicast. */
  readonly unicastFaultNoPeer: boolean;
  /** `check_unicast_src` (or a per-peer TTL check). */
  readonly checkUnicastSource: boolean;
  /** `unicast_ttl`; 255 for IPv4 when not set; undefined for IPv6 (kernel default). */
  readonly unicastTtl: number | undefined;
  /** Advert destination: `mcast_dst_ip` or the global group; undefined in unicast mode. */
  readonly multicastGroup: string | undefined;
  /** `nopreempt` as written (explain uses it even when keepalived then cleared it). */
  readonly nopreemptWritten: boolean;
  /** `nopreempt` after keepalived's rules (cleared by state MASTER / priority 255). */
  readonly nopreempt: boolean;
  /** `preempt_delay` after keepalived's rules (cleared by state MASTER, nopreempt, strict). */
  readonly preemptDelayUs: number;
  readonly trackInterfaces: readonly TrackReference[];
  readonly trackScripts: readonly TrackReference[];
  readonly trackFiles: readonly TrackReference[];
  readonly trackProcesses: readonly TrackReference[];
  readonly trackBfds: readonly TrackReference[];
  /** `dont_track_primary`. */
  readonly dontTrackPrimary: boolean;
  /** `track_src_ip` (only kept with a configured source address). */
  readonly trackSourceAddress: boolean;
  readonly notify: NotifyScripts;
  /** `notify_deleted [CMD]`: report DELETED instead of FAULT on removal. */
  readonly notifyDeleted: boolean;
  readonly notifyDeletedScript: ScriptCommand | undefined;
  readonly notifyMasterRxLowerPri: ScriptCommand | undefined;
  /** `smtp_alert` (default: global smtp_alert_vrrp, then smtp_alert, then off). */
  readonly smtpAlert: boolean;
  /** `notify_priority_changes` (default: sync group, then global). */
  readonly notifyPriorityChanges: boolean;
  /** `accept` / `no_accept` (default accept, except strict mode unless address owner). */
  readonly accept: boolean;
  /** `strict_mode` (default global vrrp_strict). */
  readonly strictMode: boolean;
  /** `authentication` (VRRPv2 only; dropped under strict mode). */
  readonly authentication: VrrpAuthentication | undefined;
  /** `auth_type` as written, even when keepalived then ignored it (explain's pitfalls). */
  readonly authTypeWritten: 'PASS' | 'AH' | undefined;
  /** `garp_master_delay` (default global vrrp_garp_master_delay, 5 s). */
  readonly garpMasterDelayUs: number;
  /** `garp_master_repeat` (default 5). */
  readonly garpMasterRepeat: number;
  /** `garp_master_refresh` (0: off). */
  readonly garpMasterRefreshUs: number;
  /** `garp_master_refresh_repeat` (default 1). */
  readonly garpMasterRefreshRepeat: number;
  /** `garp_lower_prio_delay` (default master delay; 0 under strict). */
  readonly garpLowerPrioDelayUs: number;
  /** `garp_lower_prio_repeat` (default master repeat; 0 under strict). */
  readonly garpLowerPrioRepeat: number;
  /** `garp_extra_if [all] S` (0: off). */
  readonly garpExtraIfIntervalS: number;
  readonly garpExtraIfAll: boolean;
  /** `down_timer_adverts` (default 3). */
  readonly downTimerAdverts: number;
  /** `lower_prio_no_advert` (default global; true under strict). */
  readonly lowerPrioNoAdvert: boolean;
  /** `higher_prio_send_advert` (default global; false under strict). */
  readonly higherPrioSendAdvert: boolean;
  /** `skip_check_adv_addr` (default global vrrp_skip_check_adv_addr). */
  readonly skipCheckAdvAddr: boolean;
  /** `promote_secondaries`. */
  readonly promoteSecondaries: boolean;
  readonly vmac: VmacSettings | undefined;
  /** The `vrrp_sync_group` the instance belongs to. */
  readonly syncGroup: string | undefined;
  /**
   * Reasons keepalived keeps the instance in FAULT from the start (num_config_faults),
   * e.g. an interface without multicast and no unicast peers.
   */
  readonly configFaults: readonly string[];
  /** keepalived-ts split-brain protection (heartbeat_path, arbiter, fence_script, …). */
  readonly splitBrain: InstanceSplitBrain;
  /** P2 keywords kept but not modelled (debug, kernel_rx_buf_size, vrf, ...). */
  readonly raw: readonly RawKeyword[];
}

export interface VrrpScript {
  readonly name: string;
  readonly at: SourceLocation;
  /** `script`. */
  readonly command: ScriptCommand;
  /** `interval` (default 1 s; 0 becomes 1). */
  readonly intervalUs: number;
  /** `timeout` (default = interval... keepalived's default is 1 s... see complete). */
  readonly timeoutUs: number;
  /** `weight` (default 0) and `reverse`. */
  readonly weight: number;
  readonly weightReverse: boolean;
  /** `rise` / `fall` (default 1). */
  readonly rise: number;
  readonly fall: number;
  /** `init_fail`: start in the failed state. */
  readonly initFail: boolean;
}

export interface VrrpSyncGroup {
  readonly name: string;
  readonly at: SourceLocation;
  /** `group { ... }` members that exist. */
  readonly members: readonly string[];
  readonly trackInterfaces: readonly TrackReference[];
  readonly trackScripts: readonly TrackReference[];
  readonly trackFiles: readonly TrackReference[];
  readonly trackProcesses: readonly TrackReference[];
  readonly trackBfds: readonly TrackReference[];
  readonly notify: NotifyScripts;
  readonly smtpAlert: boolean;
  /** `notify_priority_changes`; undefined: members use their own / the global setting. */
  readonly notifyPriorityChanges: boolean | undefined;
  /** `sync_group_tracking_weight` (or deprecated `global_tracking`). */
  readonly trackingWeight: boolean;
}

/** `track_file NAME { file PATH; weight N [reverse]; init_file [V] [overwrite] }`. */
export interface TrackFile {
  readonly name: string;
  readonly at: SourceLocation;
  readonly path: string;
  /** Default 1. */
  readonly weight: number;
  readonly weightReverse: boolean;
  /** `init_file`: create the file (overwrite: always write) with this value. */
  readonly init: { readonly value: number; readonly overwrite: boolean } | undefined;
}

/** `vrrp_track_process NAME { ... }`. */
export interface TrackProcess {
  readonly name: string;
  readonly at: SourceLocation;
  readonly process: string;
  readonly params: readonly string[];
  readonly paramMatch: 'none' | 'exact' | 'initial' | 'partial';
  readonly weight: number;
  readonly weightReverse: boolean;
  readonly quorum: number;
  /** undefined: no maximum. */
  readonly quorumMax: number | undefined;
  readonly forkDelayUs: number;
  readonly terminateDelayUs: number;
  readonly fullCommand: boolean;
}

/** `bfd_instance NAME { ... }` (kept for track_bfd; BFD itself is not implemented). */
export interface BfdInstance {
  readonly name: string;
  readonly at: SourceLocation;
  readonly neighbor: IpAddressText;
  readonly source: IpAddressText | undefined;
  readonly minRxUs: number;
  readonly minTxUs: number;
  readonly idleTxUs: number;
  readonly multiplier: number;
  readonly passive: boolean;
  readonly ttl: number;
  readonly maxHops: number;
  /** `weight` used by track_bfd without a weight. */
  readonly weight: number;
  readonly weightReverse: boolean;
  readonly forVrrp: boolean;
  readonly forChecker: boolean;
}

/** `garp_group { garp_interval; gna_interval; interface | interfaces {} }`. */
export interface GarpGroup {
  readonly at: SourceLocation;
  readonly garpIntervalUs: number | undefined;
  readonly gnaIntervalUs: number | undefined;
  readonly interfaces: readonly string[];
}

/** `track_group NAME { group { VI ... } }` for static addresses/routes/rules. */
export interface StaticTrackGroup {
  readonly name: string;
  readonly at: SourceLocation;
  readonly members: readonly string[];
}

export interface VrrpConfig {
  readonly instances: readonly VrrpInstance[];
  /** keepalived-ts `vrrp_arbiter` blocks. */
  readonly arbiters: readonly VrrpArbiter[];
  /** The vrrp_scripts keepalived keeps (unused ones too). */
  readonly scripts: readonly VrrpScript[];
  readonly syncGroups: readonly VrrpSyncGroup[];
  /** track_file / vrrp_track_file (shared with the checker's track_file references). */
  readonly trackFiles: readonly TrackFile[];
  readonly trackProcesses: readonly TrackProcess[];
  readonly bfdInstances: readonly BfdInstance[];
  readonly staticAddresses: readonly IpAddressEntry[];
  readonly staticRoutes: readonly RouteEntry[];
  readonly staticRules: readonly RuleEntry[];
  readonly staticTrackGroups: readonly StaticTrackGroup[];
  readonly garpGroups: readonly GarpGroup[];
  /** `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`. */
  readonly linkbeatInterfaces: readonly { readonly name: string; readonly type: string | undefined }[];
  /** `interface_up_down_delays { IF DOWN [UP] }`. */
  readonly interfaceUpDownDelays: readonly {
    readonly name: string;
    readonly downDelayUs: number;
    readonly upDelayUs: number;
  }[];
}
