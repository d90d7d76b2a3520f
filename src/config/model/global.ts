/**
 * The resolved `global_defs` block and root-level settings: what keepalived 2.2.7's
 * global_data holds after parsing and init_global_data(), with its defaults applied.
 * Plain, immutable, JSON-serialisable data.
 */
import type { SourceLocation } from '../diagnostics.js';
import type { ScriptCommand } from '../script.js';
import type { RawKeyword } from './vrrp.js';

/** `notify_fifo PATH [USER [GROUP]]` and its `*_fifo_script`. */
export interface NotifyFifo {
  readonly path: string;
  /** Owner of the FIFO if keepalived creates it (default: the script user). */
  readonly user: string | undefined;
  readonly group: string | undefined;
  /** Gets the FIFO path appended as its last argument. */
  readonly script: ScriptCommand | undefined;
  readonly at: SourceLocation;
}

/** `smtp_server HOST [PORT]`. */
export interface SmtpServer {
  /** An address in canonical form, or a host name to resolve. */
  readonly host: string;
  readonly port: number;
  readonly at: SourceLocation;
}

/** `lvs_sync_daemon IF [inst] VI [id N] [maxlen N] [port N] [ttl N] [group G]`. */
export interface LvsSyncDaemon {
  readonly interfaceName: string;
  readonly instanceName: string | undefined;
  /** undefined: the VRID of the instance. */
  readonly syncId: number | undefined;
  readonly maxLength: number | undefined;
  readonly port: number | undefined;
  readonly ttl: number | undefined;
  readonly group: string | undefined;
  readonly at: SourceLocation;
}

/**
 * `status_listen [ADDRESS] PORT`, a keepalived-ts extension: the parent serves /metrics,
 * /status and a dashboard over HTTP there (daemon/status/http_server.ts).
 */
export interface StatusListen {
  /** Canonical address (default 127.0.0.1). */
  readonly host: string;
  readonly port: number;
  readonly at: SourceLocation;
}

/** The user scripts run as when they do not name one (`script_user`, keepalived_script). */
export interface ScriptUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface GlobalDefs {
  /** `router_id` (default: the host name). */
  readonly routerId: string;
  /** `notification_email { ... }`. */
  readonly notificationEmails: readonly string[];
  /** `notification_email_from` (default `<running user>@<host name>`). */
  readonly notificationEmailFrom: string;
  readonly smtpServer: SmtpServer | undefined;
  /** `smtp_helo_name` (default: the host name). */
  readonly smtpHeloName: string;
  /** `smtp_connect_timeout` (default 30 s). */
  readonly smtpConnectTimeoutUs: number;
  /** `smtp_alert` / `smtp_alert_vrrp` / `smtp_alert_checker`; undefined when not set. */
  readonly smtpAlert: boolean | undefined;
  readonly smtpAlertVrrp: boolean | undefined;
  readonly smtpAlertChecker: boolean | undefined;
  readonly noEmailFaults: boolean;
  readonly noCheckerEmails: boolean;
  readonly checkerLogAllFailures: boolean;
  readonly rsInitNotifies: boolean;
  /** `enable_script_security`. */
  readonly enableScriptSecurity: boolean;
  /** `script_user USER [GROUP]` as written. */
  readonly scriptUserSetting: { readonly user: string; readonly group: string | undefined } | undefined;
  /**
   * The default script user: script_user, else keepalived_script if it exists, else the
   * user keepalived runs as. undefined: none could be set (scripts without a user are
   * dropped).
   */
  readonly defaultScriptUser: ScriptUser | undefined;
  /** `vrrp_strict`. */
  readonly vrrpStrict: boolean;
  /** `vrrp_skip_check_adv_addr`. */
  readonly vrrpSkipCheckAdvAddr: boolean;
  /** `vrrp_check_unicast_src`. */
  readonly vrrpCheckUnicastSrc: boolean;
  /** `vrrp_version` (default 2). */
  readonly vrrpVersion: 2 | 3;
  /** `vrrp_mcast_group4` / `vrrp_mcast_group6`. */
  readonly vrrpMcastGroup4: string;
  readonly vrrpMcastGroup6: string;
  /** `vrrp_garp_interval` / `vrrp_gna_interval` (0: no gap). */
  readonly vrrpGarpIntervalUs: number;
  readonly vrrpGnaIntervalUs: number;
  /** `vrrp_garp_master_delay` (default 5 s). */
  readonly vrrpGarpMasterDelayUs: number;
  /** `vrrp_garp_master_repeat` (default 5). */
  readonly vrrpGarpMasterRepeat: number;
  /** `vrrp_garp_master_refresh` (0: off). */
  readonly vrrpGarpMasterRefreshUs: number;
  /** `vrrp_garp_master_refresh_repeat` (default 1). */
  readonly vrrpGarpMasterRefreshRepeat: number;
  /** `vrrp_garp_lower_prio_delay` (default: the master delay). */
  readonly vrrpGarpLowerPrioDelayUs: number;
  /** `vrrp_garp_lower_prio_repeat` (default: the master repeat). */
  readonly vrrpGarpLowerPrioRepeat: number;
  /** `vrrp_garp_extra_if [all] S` (0: off). */
  readonly vrrpGarpExtraIfIntervalS: number;
  readonly vrrpGarpExtraIfAll: boolean;
  /** `vrrp_down_timer_adverts` (default 3). */
  readonly vrrpDownTimerAdverts: number;
  /** `vrrp_lower_prio_no_advert` (default false). */
  readonly vrrpLowerPrioNoAdvert: boolean;
  /** `vrrp_higher_prio_send_advert` (default false). */
  readonly vrrpHigherPrioSendAdvert: boolean;
  /** `vrrp_startup_delay` (0: none). */
  readonly vrrpStartupDelayUs: number;
  /** `vrrp_notify_priority_changes`. */
  readonly vrrpNotifyPriorityChanges: boolean;
  readonly fifoWriteVrrpStatesOnReload: boolean;
  /** `notify_fifo`, `vrrp_notify_fifo`, `lvs_notify_fifo`. */
  readonly notifyFifo: NotifyFifo | undefined;
  readonly vrrpNotifyFifo: NotifyFifo | undefined;
  readonly lvsNotifyFifo: NotifyFifo | undefined;
  /** `default_interface` (default eth0): device of static addresses without `dev`. */
  readonly defaultInterface: string;
  /** `dynamic_interfaces [allow_if_changes]`. */
  readonly dynamicInterfaces: boolean;
  readonly allowIfChanges: boolean;
  /** `startup_script` / `shutdown_script` and their timeouts (default 10 s). */
  readonly startupScript: ScriptCommand | undefined;
  readonly startupScriptTimeoutS: number;
  readonly shutdownScript: ScriptCommand | undefined;
  readonly shutdownScriptTimeoutS: number;
  /** `lvs_sync_daemon`. */
  readonly lvsSyncDaemon: LvsSyncDaemon | undefined;
  /** `lvs_timeouts tcp|tcpfin|udp S`; undefined entries: unchanged. */
  readonly lvsTimeouts: {
    readonly tcpS: number | undefined;
    readonly tcpFinS: number | undefined;
    readonly udpS: number | undefined;
  };
  /** `lvs_flush`. */
  readonly lvsFlush: boolean;
  /** `lvs_flush_on_stop [VS]`. */
  readonly lvsFlushOnStop: 'none' | 'full' | 'vs';
  /** Root `net_namespace`. */
  readonly netNamespace: string | undefined;
  /** Root `net_namespace_ipvs [NAME]` ('' = the default namespace). */
  readonly netNamespaceIpvs: string | undefined;
  readonly namespaceWithIpsets: boolean;
  /** Root `instance NAME` (changes the pidfile names). */
  readonly instanceName: string | undefined;
  /** Root `use_pid_dir` (also implied by instance / net_namespace). */
  readonly usePidDir: boolean;
  /** Root `child_wait_time` (default 5 s). */
  readonly childWaitTimeS: number;
  /** Root `linkbeat_use_polling`. */
  readonly linkbeatUsePolling: boolean;
  /** `process_name`, `vrrp_process_name`, `checker_process_name`, `bfd_process_name`. */
  readonly processName: string | undefined;
  readonly vrrpProcessName: string | undefined;
  readonly checkerProcessName: string | undefined;
  readonly bfdProcessName: string | undefined;
  /** `umask` (default 0o177 = keepalived's S_IXUSR|S_IRWXG|S_IRWXO... see keywords). */
  readonly umask: number | undefined;
  /** `random_seed`. */
  readonly randomSeed: number | undefined;
  /** `nftables [TABLE]` (auto-enabled with use_vmac / no_accept). */
  readonly nftablesTable: string | undefined;
  readonly nftablesPriority: number;
  readonly nftablesIfindex: boolean;
  readonly nftablesCounters: boolean;
  /** `max_auto_priority` (0: off). */
  readonly maxAutoPriority: number;
  /** `min_auto_priority_delay` (default 1 s). */
  readonly minAutoPriorityDelayUs: number;
  /** `status_listen` (keepalived-ts extension); undefined: no status listener. */
  readonly statusListen: StatusListen | undefined;
  /** P2 keywords kept raw (SNMP, D-Bus, process scheduling, reload control, ...). */
  readonly raw: readonly RawKeyword[];
}
