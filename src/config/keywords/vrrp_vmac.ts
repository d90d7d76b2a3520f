/**
 * `use_vmac [IFNAME] [MAC]`, `use_vmac_addr`, `vmac_xmit_base`, `use_ipvlan ...` (P2:
 * checked and kept; keepalived-ts does not create macvlan/ipvlan interfaces yet).
 * keepalived-compat: vrrp/vrrp_parser.c vrrp_vmac_handler() / vrrp_ipvlan_handler().
 */
import { formatIp, parseIp } from '../../lib/ip.js';
import type { VmacSettings } from '../model/vrrp.js';
import { keepRaw, IFNAMSIZ, type Ctx, type KeywordDef } from './global_values.js';
import type { InstanceDraft } from './vrrp_draft.js';
import { onInstance } from './vrrp_current.js';
import { parseIpAddress } from './vrrp_address.js';

function settings(vi: InstanceDraft, kind: VmacSettings['kind']): VmacSettings {
  return vi.vmac ?? {
    kind,
    interfaceName: undefined,
    macAddress: undefined,
    isXmitBase: false,
    useVmacAddr: false,
  };
}

/** Linux dev_valid_name(). */
function isValidDevName(name: string): boolean {
  return name !== '' && name.length < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/**
 * keepalived's MAC parsing: six hex octets (extra ones are ignored), or five, the sixth
 * being the VRID.
 */
function parseVmacMac(text: string): { bytes: number[]; usesVrid: boolean } | undefined {
  const bytes: number[] = [];
  let p = 0;
  for (let j = 0; j < 6; j++) {
    const m = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(p));
    if (m === null || /^[0-9A-Fa-f]/.test(text.slice(p + m[0].length))) return undefined;
    bytes.push(parseInt(m[0], 16));
    const end = p + m[0].length;
    const next = text[end];
    if (next !== ':' && (next !== undefined || j < 4)) return undefined;
    if (j === 4 && (next === undefined || end + 1 === text.length)) return {
      bytes,
      usesVrid: true,
    };
    p = end + 1;
    if (p >= text.length && j < 5) return undefined;
  }
  return { bytes, usesVrid: false };
}

function vmacMac(vi: InstanceDraft, text: string, ctx: Ctx): void {
  const s = settings(vi, 'macvlan');
  if (s.macAddress !== undefined) {
    ctx.report('general_error', 'duplicate', 'VMAC interface address already specified');
    return;
  }
  if (!/^[0-9A-Fa-f:]*$/.test(text)) {
    ctx.report('general_error', 'invalid_mac', `VMAC invalid MAC address ${text}`);
    return;
  }
  const mac = parseVmacMac(text);
  const b = mac?.bytes ?? [];
  if (mac === undefined) {
    ctx.report('general_error', 'invalid_mac', `VMAC invalid MAC address ${text} - ignored`);
  } else if (((b[0] ?? 0) & 1) !== 0) {
    ctx.report('general_error', 'invalid_mac', `VMAC MAC address is multicast ${text} - ignoring`);
  } else if (b[0] === 0 && b[1] === 0 && b[2] === 0x5e && b[3] === 0 && (b[4] === 1 || b[4] === 2)) {
    ctx.report(
      'general_error',
      'invalid_mac',
      `VMAC MAC address not allowed to be RFC5798 address (${text}) - ignoring`,
    );
  } else {
    vi.vmac = { ...s, macAddress: b.map((x) => x.toString(16).padStart(2, '0')).join(':') };
  }
}

function vmacName(vi: InstanceDraft, name: string, ctx: Ctx): void {
  const s = settings(vi, 'macvlan');
  if (s.interfaceName !== undefined) {
    ctx.report('general_error', 'duplicate', 'VMAC interface name already specified');
    return;
  }
  if (!isValidDevName(name)) {
    ctx.report(
      'general_error',
      'invalid_name',
      `VMAC interface name '${name}' too long or invalid characters - ignoring`,
    );
    return;
  }
  const other = ctx.state.vrrp.instances.find((o) => o.vmac?.interfaceName === name);
  if (other !== undefined) {
    ctx.report(
      'general_error',
      'duplicate',
      `(${vi.name}) VRRP instance ${other.name} is already using ${name} - ignoring name`,
    );
    return;
  }
  // keepalived refuses an existing interface that is not a private macvlan. The host port
  // does not tell link types: anything but a leftover keepalived VMAC (vrrp*) counts.
  if (ctx.state.env.host.interfaces.has(name) && !name.startsWith('vrrp')) {
    ctx.report(
      'general_error',
      'vmac_name_in_use',
      `(${vi.name}) interface ${name} already exists and is not a private macvlan; ignoring ` +
      `vmac if_name`,
    );
    vi.vmac = s;
    return;
  }
  vi.vmac = { ...s, interfaceName: name };
}

const useVmac = onInstance('use_vmac', (vi, words, ctx) => {
  vi.vmac = settings(vi, 'macvlan');
  for (let i = 1; i < words.length && i <= 2; i++) {
    const w = words[i] ?? '';
    if (w.includes(':')) vmacMac(vi, w, ctx);
    else vmacName(vi, w, ctx);
  }
  keepRaw(ctx, vi.raw, words);
});

const useIpvlan = onInstance('use_ipvlan', (vi, words, ctx) => {
  if (vi.vmac?.kind === 'ipvlan') {
    ctx.report('general_error', 'duplicate', `(${vi.name}) use_ipvlan already specified`);
    return;
  }
  vi.vmac = { ...settings(vi, 'ipvlan'), kind: 'ipvlan' };
  let hadType = false;
  for (const w of words.slice(1)) {
    if (w === 'bridge' || w === 'private' || w === 'vepa') {
      if (hadType) ctx.report(
        'general_error',
        'duplicate',
        `(${vi.name}) ipvlan type already specified - ignoring '${w}'`,
      );
      hadType = true;
    } else if (looksLikeAddress(w)) {
      ipvlanAddress(vi, w, ctx);
    } else if (vi.vmac.interfaceName !== undefined) {
      ctx.report(
        'general_error',
        'duplicate',
        `(${vi.name}) IPVLAN interface already specified - ignoring '${w}'`,
      );
    } else if (w.length >= IFNAMSIZ) {
      ctx.report(
        'general_error',
        'name_too_long',
        `(${vi.name}) IPVLAN interface name '${w}' too long - ignoring`,
      );
    } else vi.vmac = { ...vi.vmac, interfaceName: w };
  }
  keepRaw(ctx, vi.raw, words);
});

/** keepalived's check_valid_ipaddress(): an address with an optional /LEN, silently. */
function looksLikeAddress(w: string): boolean {
  const slash = w.indexOf('/');
  const ip = parseIp(slash >= 0 ? w.slice(0, slash) : w);
  return ip !== undefined && (slash < 0 || /^[0-9]+$/.test(w.slice(slash + 1)));
}

function ipvlanAddress(vi: InstanceDraft, w: string, ctx: Ctx): void {
  const a = parseIpAddress(ctx, w, true);
  if (a === undefined) return;
  if (vi.family === undefined) vi.family = a.ip.family;
  else if (vi.family !== a.ip.family) {
    ctx.report(
      'general_error',
      'family_mismatch',
      `(${vi.name}) ipvlan address[${w}] MUST match vrrp instance family !!! Skipping...`,
    );
    return;
  }
  vi.sourceAddress ??= { address: formatIp(a.ip), family: a.ip.family };
}

export const instanceVmacKeywords: readonly KeywordDef[] = [
  useVmac,
  onInstance('use_vmac_addr', (vi) => (vi.isUseVmacAddr = true)),
  onInstance('vmac_xmit_base', (vi) => (vi.isVmacXmitBase = true)),
  useIpvlan,
];
