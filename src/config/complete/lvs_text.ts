/**
 * Text forms of draft objects for completion messages (keepalived's FMT_VS / FMT_RS show
 * the state at the moment of the message, e.g. `[10.0.0.1]:none:80` before the protocol
 * default is applied), and the global settings the checker completion reads.
 */
import type { GlobalDefs } from '../model/global.js';
import { formatAddressTrio } from '../model/lvs_format.js';
import type {
  RealServerDraft,
  SorryServerDraft,
  VirtualServerDraft,
} from '../keywords/lvs_draft.js';

export function draftVsText(vs: VirtualServerDraft): string {
  const key = vs.key;
  if (key.kind === 'group') return `[${key.group}]:${vs.memberIndex}`;
  if (isFwmarkService(vs)) return `FWM ${key.kind === 'fwmark' ? key.fwmark : 0}`;
  if (key.kind === 'fwmark') return `[]:${vs.protocol ?? 'none'}:0`;
  return formatAddressTrio(key.address, vs.protocol);
}

/**
 * keepalived tests `vs->vfwmark` for "is a fwmark service", so `virtual_server fwmark 0`
 * is handled as a service by address, with no address at all.
 */
export function isFwmarkService(vs: VirtualServerDraft): boolean {
  return vs.key.kind === 'fwmark' && vs.key.fwmark !== 0;
}

/** The service's port (0 for fwmark and group services). */
export function servicePort(vs: VirtualServerDraft): number {
  return vs.key.kind === 'address' ? vs.key.address.port : 0;
}

export function draftRsText(
  rs: RealServerDraft | SorryServerDraft,
  vs: VirtualServerDraft,
): string {
  return formatAddressTrio(rs.address, vs.protocol);
}

/** The global_defs settings validate_check_config() consults. */
export interface CheckerGlobals {
  /** `smtp_alert` (undefined: not set). */
  readonly smtpAlert: boolean | undefined;
  /** `smtp_alert_checker` (undefined: not set). */
  readonly smtpAlertChecker: boolean | undefined;
  /** `checker_log_all_failures`. */
  readonly checkerLogAllFailures: boolean;
}

/** Reads the checker-related globals off GlobalDefs. */
export function checkerGlobals(global: GlobalDefs): CheckerGlobals {
  return {
    smtpAlert: global.smtpAlert,
    smtpAlertChecker: global.smtpAlertChecker,
    checkerLogAllFailures: global.checkerLogAllFailures,
  };
}
