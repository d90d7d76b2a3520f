/**
 * `global_defs { ... }`: identity, email, scripts and the daemon-wide settings.
 * keepalived-compat: core/global_parser.c (2.2.7); messages and severities as there.
 * The VRRP defaults are in global_vrrp.ts, the process/SNMP/reload tuning in
 * global_process.ts.
 */
import { parseIp, formatIp, type IpAddress } from '../../lib/ip.js';
import { keywordTable, type KeywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readScriptCommand } from '../script.js';
import { readUnsigned } from '../values.js';
import { optionalBool, keepRaw, type Ctx, type KeywordDef } from './global_values.js';
import { globalVrrpKeywords } from './global_vrrp.js';
import { globalProcessKeywords } from './global_process.js';
import { globalFifoKeywords } from './global_fifo.js';
import { globalExtensionKeywords } from './global_extensions.js';

/**
 * keepalived's inet_stosockaddr() address part: the text up to a `-` (range) or `/`
 * (prefix) must be an address of the family its `:` implies.
 */
export function inetAddressPart(text: string): IpAddress | undefined {
  const cut = text.search(/[-/]/);
  return parseIp(cut >= 0 ? text.slice(0, cut) : text);
}

/** read_unsigned(port, 1, 65535) as inet_stosockaddr() does it (reports bad numbers). */
export function readPort(ctx: Ctx, text: string): number | undefined {
  return readUnsigned(ctx, text, 1, 65535);
}

function routerId(words: readonly string[], ctx: Ctx): void {
  const v = words[1];
  if (v === undefined) {
    ctx.report('general_error', 'missing_value', 'routerid name missing - ignoring');
    return;
  }
  ctx.state.global.routerId = v;
}

function emailFrom(words: readonly string[], ctx: Ctx): void {
  const v = words[1];
  if (v === undefined) {
    ctx.report('general_error', 'missing_value', 'emailfrom missing - ignoring');
    return;
  }
  ctx.state.global.notificationEmailFrom = v;
}

function smtpConnectTimeout(words: readonly string[], ctx: Ctx): void {
  const text = ctx.word(words, 1);
  const max = Math.floor(4294967295 / 1_000_000);
  let v = readUnsigned(ctx, text, 0, max);
  if (v === undefined) {
    ctx.report(
      'general_error',
      'invalid_value',
      `smtp_connect_timeout '${text}' must be in [0, ${max}] - ignoring`,
    );
    return;
  }
  if (v === 0) {
    // keepalived-compat: the message's typo is keepalived's.
    ctx.report(
      'general_error',
      'invalid_value',
      'smtp_conect_timeout must be greater than 0, setting to 1',
    );
    v = 1;
  }
  ctx.state.global.smtpConnectTimeoutUs = v * 1_000_000;
}

function smtpServer(words: readonly string[], ctx: Ctx): void {
  const host = ctx.word(words, 1);
  const portText = words[2] ?? '25';
  // keepalived-compat: global_parser.c smtpserver_handler(): an address first (unless
  // the name has '-' or '/'), then a host name; both check the port.
  let ok = false;
  let hostText = host;
  if (!/[-/]/.test(host)) {
    const port = readPort(ctx, portText);
    const ip = inetAddressPart(host);
    if (port !== undefined && ip !== undefined) {
      ok = true;
      hostText = formatIp(ip);
    }
  }
  if (!ok) ok = readPort(ctx, portText) !== undefined && isResolvableName(host);
  if (!ok) {
    ctx.report('general_error', 'invalid_smtp_server', `Invalid smtp server ${host} ${portText}`);
    return;
  }
  ctx.state.global.smtpServer = { host: hostText, port: Number(portText), at: ctx.at };
}

/**
 * keepalived resolves the name with getaddrinfo() while parsing; the pure parser cannot,
 * so any plausible host name is accepted and resolved when mail is sent.
 */
function isResolvableName(name: string): boolean {
  // A dotted number that is not an address never resolves; otherwise RFC 1123 labels.
  if (/^[0-9.]+$/.test(name)) return false;
  return name.split('.').every((l) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l));
}

function smtpHelo(words: readonly string[], ctx: Ctx): void {
  const v = words[1];
  if (v !== undefined) ctx.state.global.smtpHeloName = v;
}

function notificationEmail(words: readonly string[], ctx: Ctx): void {
  const emails: string[] = [];
  ctx.readValueBlock(words, (line) => emails.push(...line));
  if (emails.length === 0) {
    ctx.report('general_error', 'empty_block', 'Warning - empty notification_email block');
    return;
  }
  ctx.state.global.notificationEmails.push(...emails);
}

function globalBool(
  name: string,
  set: (ctx: Ctx, v: boolean) => void,
  message: (w: string) => string,
): KeywordDef {
  return {
    name,
    handler: (words, ctx) => {
      const v = optionalBool(ctx, words, message);
      if (v !== undefined) set(ctx, v);
    },
  };
}

function flag(name: string, set: (ctx: Ctx) => void): KeywordDef {
  return { name, handler: (_words, ctx) => set(ctx) };
}

function startupShutdownScript(kind: 'startup' | 'shutdown'): KeywordDef {
  return {
    name: `${kind}_script`,
    handler: (words, ctx) => {
      const g = ctx.state.global;
      const existing = kind === 'startup' ? g.startupScript : g.shutdownScript;
      if (existing !== undefined) {
        ctx.report('general_error', 'duplicate_script', `${kind} script already specified`);
        return;
      }
      if (words.length < 2) {
        ctx.report('general_error', 'missing_value', `${kind} script missing`);
        return;
      }
      const script = readScriptCommand(ctx, words, 1, { type: kind });
      if (script === undefined) {
        ctx.report('general_error', 'invalid_script', `Invalid ${kind} script`);
        return;
      }
      if (kind === 'startup') g.startupScript = script;
      else g.shutdownScript = script;
    },
  };
}

function scriptTimeout(kind: 'startup' | 'shutdown'): KeywordDef {
  return {
    name: `${kind}_script_timeout`,
    handler: (words, ctx) => {
      const text = words[1];
      if (text === undefined) {
        ctx.report('general_error', 'missing_value', `${kind}_script_timeout requires value`);
        return;
      }
      const v = readUnsigned(ctx, text, 1, 1000);
      if (v === undefined) {
        ctx.report(
          'general_error',
          'invalid_value',
          `${kind}_script_timeout '${text}' must be in [1, 1000] - ignoring`,
        );
        return;
      }
      if (kind === 'startup') ctx.state.global.startupScriptTimeoutS = v;
      else ctx.state.global.shutdownScriptTimeoutS = v;
    },
  };
}

function scriptUser(words: readonly string[], ctx: Ctx): void {
  const user = words[1];
  if (user === undefined) {
    ctx.report('general_error', 'missing_value', 'No script username specified');
    return;
  }
  const group = words[2];
  const g = ctx.state.global;
  g.scriptUser = { user, group };
  // keepalived-compat: notify.c set_default_script_user(): a failure is final, every
  // script without its own user is then dropped.
  const u = ctx.state.env.host.lookupUser(user);
  const gid = group === undefined ? u?.gid : ctx.state.env.host.lookupGroup(group);
  if (u === undefined) ctx.notice('script_user_missing', `Script user '${user}' does not exist`);
  else if (gid === undefined) {
    ctx.notice('script_group_missing', `Script group '${group ?? ''}' does not exist`);
  }
  if (u === undefined || gid === undefined) {
    g.scriptUserFailed = true;
    g.scriptUserIds = undefined;
    ctx.report('general_error', 'script_user', 'Error setting global script uid/gid');
    return;
  }
  g.scriptUserFailed = false;
  g.scriptUserIds = { uid: u.uid, gid };
}

function dynamicInterfaces(words: readonly string[], ctx: Ctx): void {
  ctx.state.global.dynamicInterfaces = true;
  const opt = words[1];
  if (opt === undefined) return;
  if (opt === 'allow_if_changes') ctx.state.global.allowIfChanges = true;
  else {
    ctx.report('general_error', 'unknown_option', `Unknown dynamic_interfaces option '${opt}'`);
  }
}

function defaultInterface(words: readonly string[], ctx: Ctx): void {
  const v = words[1];
  if (v === undefined) {
    ctx.report('general_error', 'missing_value', 'default_interface requires interface name');
    return;
  }
  ctx.state.global.defaultInterface = v;
}

const IGMP_LINK_LOCAL = '/proc/sys/net/ipv4/igmp_link_local_mcast_reports';

function disableLocalIgmp(words: readonly string[], ctx: Ctx): void {
  if (!ctx.state.env.host.fileExists(IGMP_LINK_LOCAL)) {
    ctx.report('general_error', 'unsupported', `kernel does not support ${IGMP_LINK_LOCAL}`);
    return;
  }
  keepRaw(ctx, ctx.state.global.raw, words);
}

const IDENTITY_KEYWORDS: readonly KeywordDef[] = [
  { name: 'router_id', handler: routerId },
  { name: 'notification_email_from', handler: emailFrom },
  { name: 'smtp_server', handler: smtpServer },
  { name: 'smtp_helo_name', handler: smtpHelo },
  { name: 'smtp_connect_timeout', handler: smtpConnectTimeout },
  { name: 'notification_email', handler: notificationEmail },
  globalBool(
    'smtp_alert',
    (ctx, v) => (ctx.state.global.smtpAlert = v),
    (w) => `Invalid value '${w}' for global smtp_alert specified`,
  ),
  globalBool(
    'smtp_alert_vrrp',
    (ctx, v) => (ctx.state.global.smtpAlertVrrp = v),
    (w) => `Invalid value '${w}' for global smtp_alert_vrrp specified`,
  ),
  globalBool(
    'smtp_alert_checker',
    (ctx, v) => (ctx.state.global.smtpAlertChecker = v),
    (w) => `Invalid value '${w}' for global smtp_alert_checker specified`,
  ),
  globalBool(
    'checker_log_all_failures',
    (ctx, v) => (ctx.state.global.checkerLogAllFailures = v),
    () => 'Invalid value for checker_log_all_failures specified',
  ),
  flag('no_email_faults', (ctx) => (ctx.state.global.noEmailFaults = true)),
  globalBool(
    'rs_init_notifies',
    (ctx, v) => (ctx.state.global.rsInitNotifies = v),
    (w) => `Invalid value '${w}' for global rs_init_notifies specified`,
  ),
  globalBool(
    'no_checker_emails',
    (ctx, v) => (ctx.state.global.noCheckerEmails = v),
    (w) => `Invalid value '${w}' for global no_checker_emails specified`,
  ),
];

const SCRIPT_KEYWORDS: readonly KeywordDef[] = [
  startupShutdownScript('startup'),
  scriptTimeout('startup'),
  startupShutdownScript('shutdown'),
  scriptTimeout('shutdown'),
  { name: 'script_user', handler: scriptUser },
  flag('enable_script_security', (ctx) => (ctx.state.global.enableScriptSecurity = true)),
];

const INTERFACE_KEYWORDS: readonly KeywordDef[] = [
  { name: 'dynamic_interfaces', handler: dynamicInterfaces },
  { name: 'default_interface', handler: defaultInterface },
  { name: 'disable_local_igmp', handler: disableLocalIgmp },
];

/** The keywords of the global_defs block (keepalived 2.2.7, this build's options). */
export const globalDefsTable: KeywordTable<ConfigDraft> = keywordTable([
  ...IDENTITY_KEYWORDS,
  ...SCRIPT_KEYWORDS,
  ...INTERFACE_KEYWORDS,
  ...globalFifoKeywords,
  ...globalVrrpKeywords,
  ...globalProcessKeywords,
  ...globalExtensionKeywords,
]);
