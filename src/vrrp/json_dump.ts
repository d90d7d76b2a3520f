/**
 * keepalived's JSON dump (--signum=JSON, SIGRTMIN+2), pure: `keepalived.json` in the
 * layout of 2.2.7's vrrp_json.c (JSON v1): one line, an array with one
 * `{"data":{…},"stats":{…}}` per instance in configuration order, the keys in keepalived's
 * order and with its encodings: flags as 0/1 numbers or true/false exactly where keepalived
 * uses jsonw_uint or jsonw_bool, times as `%g` seconds (last_transition as `%f`), states as
 * numbers (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP), scripts as cmd_str() text,
 * '/' escaped as '\/'.
 *
 * Differences and omissions:
 *  - `vroutes` / `vrules` are left out (keepalived's format_iproute/format_iprule text is
 *    not reproduced).
 *  - `master_priority` is 0 unless the caller knows the master's priority (the runtime
 *    does not keep it); keepalived also shows 0 while MASTER.
 *  - A backslash is written as `\\` (keepalived 2.2.7's json_writer writes `\n`, a bug) and
 *    other control characters as `\u00XX` (keepalived writes them raw, which is not JSON).
 *  - Script paths are shown as configured; keepalived shows the resolved path.
 */
import type { VrrpInstance } from '../config/model/vrrp.js';
import { commandString, type ScriptCommand } from '../config/script.js';
import { formatG, formatIpAddress } from './data_dump.js';
import { statsCounter, type InstanceStatsView } from './stats_format.js';

export interface InstanceJsonView {
  readonly config: VrrpInstance;
  readonly state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
  readonly wantState: 'BACKUP' | 'MASTER' | 'FAULT';
  readonly effectivePriority: number;
  /** undefined: not known (written as 0). */
  readonly masterPriority: number | undefined;
  readonly masterAdverIntervalCs: number;
  /** Wall-clock µs since the epoch. */
  readonly lastTransitionUs: number;
  readonly vipSet: boolean;
  /** The commands of the vrrp_scripts the instance tracks, in track_script order. */
  readonly trackScriptCommands: readonly ScriptCommand[];
  readonly stats: InstanceStatsView;
}

/** vrrp.h state numbers. */
const STATE_NUMBER: Readonly<Record<InstanceJsonView['state'], number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 98 };

/** json_writer.c jsonw_puts(), valid JSON for every input (see the header). */
export function jsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    switch (ch) {
      case '\t': out += '\\t'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\f': out += '\\f'; break;
      case '\b': out += '\\b'; break;
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      case '/': out += '\\/'; break;
      default: {
        const code = ch.codePointAt(0) ?? 0;
        out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
      }
    }
  }
  return `${out}"`;
}

/** C's `%f`. */
function f6(value: number): string {
  return value.toFixed(6);
}

function dataObject(v: InstanceJsonView): string {
  const c = v.config;
  const fields: string[] = [];
  const raw = (k: string, text: string): void => void fields.push(`${jsonString(k)}:${text}`);
  const uint = (k: string, n: number): void => raw(k, String(Math.max(0, Math.trunc(n))));
  const bool = (k: string, b: boolean): void => raw(k, b ? 'true' : 'false');
  const str = (k: string, s: string): void => raw(k, jsonString(s));
  const script = (k: string, cmd: ScriptCommand | undefined): void => {
    if (cmd !== undefined) str(k, commandString(cmd.argv));
  };
  const array = (k: string, items: readonly string[]): void => {
    if (items.length > 0) raw(k, `[${items.map(jsonString).join(',')}]`);
  };
  const b01 = (b: boolean): number => (b ? 1 : 0);
  const vmacName = c.vmac === undefined ? '' : (c.vmac.interfaceName ?? `vrrp.${c.vrid}`);

  str('iname', c.name);
  uint('dont_track_primary', b01(c.dontTrackPrimary));
  uint('skip_check_adv_addr', b01(c.skipCheckAdvAddr));
  uint('strict_mode', b01(c.strictMode));
  str('vmac_ifname', vmacName);
  const ifname = vmacName !== '' ? vmacName : c.interfaceName;
  if (ifname !== undefined) str('ifp_ifname', ifname);
  uint('master_priority', v.masterPriority ?? 0);
  raw('last_transition', f6(v.lastTransitionUs / 1_000_000));
  raw('garp_delay', formatG(c.garpMasterDelayUs / 1_000_000));
  uint('garp_refresh', Math.floor(c.garpMasterRefreshUs / 1_000_000));
  uint('garp_rep', c.garpMasterRepeat);
  uint('garp_refresh_rep', c.garpMasterRefreshRepeat);
  uint('garp_lower_prio_delay', Math.floor(c.garpLowerPrioDelayUs / 1_000_000));
  uint('garp_lower_prio_rep', c.garpLowerPrioRepeat);
  uint('lower_prio_no_advert', b01(c.lowerPrioNoAdvert));
  uint('higher_prio_send_advert', b01(c.higherPrioSendAdvert));
  uint('vrid', c.vrid);
  uint('base_priority', c.basePriority);
  uint('effective_priority', v.effectivePriority);
  bool('vipset', v.vipSet);
  bool('promote_secondaries', c.promoteSecondaries);
  raw('adver_int', formatG(c.advertIntervalCs / 100));
  raw('master_adver_int', formatG(v.masterAdverIntervalCs / 100));
  uint('accept', b01(c.accept));
  bool('nopreempt', c.nopreempt);
  uint('preempt_delay', Math.floor(c.preemptDelayUs / 1_000_000));
  uint('state', STATE_NUMBER[v.state]);
  uint('wantstate', STATE_NUMBER[v.wantState]);
  uint('version', c.version);
  bool('smtp_alert', c.smtpAlert);
  bool('notify_deleted', c.notifyDeleted);
  script('script_backup', c.notify.backup);
  script('script_master', c.notify.master);
  script('script_fault', c.notify.fault);
  script('script_stop', c.notify.stop);
  script('script_deleted', c.notifyDeletedScript);
  script('script', c.notify.generic);
  script('script_master_rx_lower_pri', c.notifyMasterRxLowerPri);
  array('vips', c.virtualIpAddresses.map((a) => formatIpAddress(a, c.interfaceName, v.vipSet)));
  array('evips', c.excludedIpAddresses.map((a) => formatIpAddress(a, c.interfaceName, v.vipSet)));
  array('track_ifp', c.trackInterfaces.map((t) => t.name));
  array('track_script', v.trackScriptCommands.map((cmd) => commandString(cmd.argv)));
  const auth = c.authentication;
  uint('auth_type', auth === undefined ? 0 : auth.type === 'PASS' ? 1 : 2);
  if (auth !== undefined) str('auth_data', auth.password);
  return `{${fields.join(',')}}`;
}

function statsObject(s: InstanceStatsView): string {
  const c = (counter: Parameters<typeof statsCounter>[1]): number => statsCounter(s.drops, counter);
  const entries: [string, number][] = [
    ['advert_rcvd', s.advertsReceived],
    ['advert_sent', s.advertsSent],
    ['become_master', s.becameMaster],
    ['release_master', s.releasedMaster],
    ['packet_len_err', c('packet_len_err')],
    ['advert_interval_err', c('advert_interval_err')],
    ['ip_ttl_err', c('ip_ttl_err')],
    ['invalid_type_rcvd', c('invalid_type_rcvd')],
    ['addr_list_err', c('addr_list_err')],
    ['invalid_authtype', c('invalid_authtype')],
    ['authtype_mismatch', c('authtype_mismatch')],
    ['auth_failure', c('auth_failure')],
    ['pri_zero_rcvd', s.priorityZeroReceived],
    ['pri_zero_sent', s.priorityZeroSent],
  ];
  return `{${entries.map(([k, n]) => `${jsonString(k)}:${n}`).join(',')}}`;
}

/** The whole file: one line and a newline (jsonw_destroy), as keepalived writes it. */
export function formatJsonDump(instances: readonly InstanceJsonView[]): string {
  return `[${instances.map((v) => `{"data":${dataObject(v)},"stats":${statsObject(v.stats)}}`).join(',')}]\n`;
}
