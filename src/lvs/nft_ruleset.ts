/**
 * The nftables backend's pure half: renders the kernel objects of the desired data plane
 * as ONE `nft -f -` script (applied as one atomic transaction) and reads `nft -j list
 * table` output back into an ObservedDataPlane.
 *
 * Layout, per family (`table ip keepalived_ts`, `table ip6 keepalived_ts`):
 *
 *   chain prerouting  nat hook prerouting priority dstnat: jump services
 *   chain output      nat hook output priority -100:        jump services (local clients)
 *   chain services    one dispatch rule per service, commented `kats svc …`:
 *                     ip daddr VIP tcp dport P jump s_…   |   meta mark M jump s_…
 *   chain s_<svc>     [persistence lookup: meta l4proto tcp dnat ip addr . port to ip saddr map @p_<svc>]
 *                     numgen inc mod T vmap { 0-2 : goto d_…, 3 : goto d_… }      (rr, wrr, lc, wlc, …)
 *                     jhash ip saddr mod T seed S vmap { … }                        (sh, mh)
 *                     jhash ip daddr mod T seed S vmap { … }                        (dh, lblc, lblcr)
 *   chain d_<svc>__<dst>  counter comment "kats dst ADDR PORT WEIGHT METHOD"   (identity + new-conn counter)
 *                     [update @p_<svc> { ip saddr : ADDR . PORT }]                 (persistence record)
 *                     meta l4proto tcp dnat ip to ADDR:PORT
 *   map p_<svc>       ipv4_addr : ipv4_addr . inet_service, flags timeout, timeout = persistence_timeout
 *
 * Why text and not JSON input: nft 1.0.6 has no JSON form for the map-update statement the
 * persistence record needs ("stmt ops map have no json callback"); the text form is one
 * transaction just the same (`nft -f` commits the whole file or nothing). The listing is
 * read as JSON (`nft -j list table`), and every rule is compared with the listing form we
 * expect, so an edited or deleted rule marks its service damaged (→ repair_service).
 */
import { destinationKeyText, serviceKeyText, type DesiredDataPlane, type DesiredDestination, type DesiredService, type ServiceKey } from './desired.js';
import { touchedServices, type Change, type ObservedDataPlane, type ObservedService } from './reconcile.js';
import type { ForwardingMethod, LvsIpFamily, LvsProtocol } from '../config/model/lvs.js';

export const NFT_TABLE = 'keepalived_ts';
export type NftFamily = 'ip' | 'ip6';
export const NFT_FAMILIES: readonly NftFamily[] = ['ip', 'ip6'];
/** Fixed jhash seed: the source-hash mapping stays stable across re-renders ("KATS"). */
export const JHASH_SEED = 0x4b415453;
const FWMARK_PROTOCOLS: readonly LvsProtocol[] = ['tcp', 'udp', 'sctp'];

export function nftFamily(f: LvsIpFamily): NftFamily {
  return f === 6 ? 'ip6' : 'ip';
}

// ───────────────────────────── scheduling ─────────────────────────────

export type SchedulerMapping = 'exact' | 'approximate';
export interface SchedulerPlan {
  readonly selector: 'numgen' | 'jhash_saddr' | 'jhash_daddr';
  /** Only the highest-weight destination receives connections (fo, ovf). */
  readonly highestOnly: boolean;
  /** Slots proportional to weight (false: one slot per live destination, rr). */
  readonly weighted: boolean;
  readonly mapping: SchedulerMapping;
}

/** How an IPVS scheduler maps onto nftables (docs/load-balancer.md has the table). */
export function schedulerPlan(scheduler: string): SchedulerPlan {
  switch (scheduler) {
    case 'rr': return { selector: 'numgen', highestOnly: false, weighted: false, mapping: 'exact' };
    case 'wrr': return { selector: 'numgen', highestOnly: false, weighted: true, mapping: 'exact' };
    case 'sh': return { selector: 'jhash_saddr', highestOnly: false, weighted: true, mapping: 'exact' };
    case 'dh': return { selector: 'jhash_daddr', highestOnly: false, weighted: true, mapping: 'exact' };
    case 'fo': return { selector: 'numgen', highestOnly: true, weighted: false, mapping: 'exact' };
    case 'mh': return { selector: 'jhash_saddr', highestOnly: false, weighted: true, mapping: 'approximate' };
    case 'lblc':
    case 'lblcr': return { selector: 'jhash_daddr', highestOnly: false, weighted: true, mapping: 'approximate' };
    case 'ovf': return { selector: 'numgen', highestOnly: true, weighted: false, mapping: 'approximate' };
    default: // lc wlc sed nq twos and unknown names: weighted by the static weight.
      return { selector: 'numgen', highestOnly: false, weighted: true, mapping: 'approximate' };
  }
}

export interface Slot {
  readonly lo: number;
  readonly hi: number;
  readonly destination: DesiredDestination;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** A destination nftables can send to: NAT, same family as the service. */
export function isForwardable(s: ServiceKey, d: DesiredDestination): boolean {
  return d.forwarding === 'NAT' && d.family === s.family;
}

/**
 * The selector slots: destinations with weight > 0 in service order, each with a run of
 * weight/gcd consecutive slots (1 for rr); fo/ovf: the first destination of highest weight.
 * Totals beyond 2^31 are scaled down (every live destination keeps at least one slot).
 */
export function slotsFor(service: Pick<DesiredService, 'key' | 'scheduler' | 'destinations'>): { total: number; slots: Slot[] } {
  const plan = schedulerPlan(service.scheduler);
  let live = service.destinations.filter((d) => d.weight > 0 && isForwardable(service.key, d));
  if (plan.highestOnly && live.length > 0) {
    const top = Math.max(...live.map((d) => d.weight));
    live = [live.find((d) => d.weight === top) as DesiredDestination];
  }
  if (live.length === 0) return { total: 0, slots: [] };
  let sizes = live.map((d) => (plan.weighted ? d.weight : 1));
  const g = sizes.reduce((a, b) => gcd(a, b));
  sizes = sizes.map((s) => s / g);
  const LIMIT = 2 ** 31;
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum > LIMIT) sizes = sizes.map((s) => Math.max(1, Math.floor((s * (LIMIT - live.length)) / sum)));
  const slots: Slot[] = [];
  let at = 0;
  live.forEach((d, i) => {
    const n = sizes[i] ?? 1;
    slots.push({ lo: at, hi: at + n - 1, destination: d });
    at += n;
  });
  return { total: at, slots };
}

// ───────────────────────────── names ─────────────────────────────

function addrToken(a: string): string {
  return a.replace(/\./g, '_').replace(/:/g, 'x');
}

/** The service chain: s_tcp_10_0_0_1_80, s_fwm_5 (IPv6 ':' → 'x'). */
export function serviceChain(k: ServiceKey): string {
  return k.kind === 'fwmark' ? `s_fwm_${k.fwmark}` : `s_${k.protocol}_${addrToken(k.address)}_${k.port}`;
}

export function persistMap(k: ServiceKey): string {
  return `p${serviceChain(k).slice(1)}`;
}

export function destinationChain(k: ServiceKey, d: Pick<DesiredDestination, 'address' | 'port'>): string {
  return `d${serviceChain(k).slice(1)}__${addrToken(d.address)}_${d.port}`;
}

function destChainPrefix(k: ServiceKey): string {
  return `d${serviceChain(k).slice(1)}__`;
}

// ───────────────────────────── rendering ─────────────────────────────

function hostPort(fam: NftFamily, address: string, port: number): string {
  const a = fam === 'ip6' ? `[${address}]` : address;
  return port === 0 ? address : `${a}:${port}`;
}

/** Persistence is rendered for IPv4 with a destination port (nft 1.0.6 aborts on the IPv6 form). */
export function persistenceActive(s: Pick<DesiredService, 'key' | 'persistenceTimeoutS' | 'destinations'>): boolean {
  if (s.persistenceTimeoutS <= 0 || s.key.family !== 4) return false;
  return s.destinations.every((d) => d.port !== 0 || d.forwarding !== 'NAT');
}

function protocolsOf(k: ServiceKey): readonly LvsProtocol[] {
  return k.kind === 'fwmark' ? FWMARK_PROTOCOLS : [k.protocol];
}

function dispatchComment(s: Pick<DesiredService, 'key' | 'scheduler' | 'persistenceTimeoutS'>): string {
  const k = s.key;
  const id = k.kind === 'fwmark' ? `fwmark ${k.fwmark} 0` : `${k.protocol} ${k.address} ${k.port}`;
  return `kats svc ${id} ${s.scheduler} ${s.persistenceTimeoutS}`;
}

function destComment(d: DesiredDestination): string {
  return `kats dst ${d.address} ${d.port} ${d.weight} ${d.forwarding}`;
}

/** The text rules of a service's chains (`add rule` lines), for one family. */
function serviceRules(s: DesiredService, onlyDestChains?: ReadonlySet<string>): string[] {
  const fam = nftFamily(s.key.family);
  const T = `${fam} ${NFT_TABLE}`;
  const sc = serviceChain(s.key);
  const out: string[] = [];
  const persist = persistenceActive(s);
  const pm = persistMap(s.key);
  if (persist) {
    for (const p of protocolsOf(s.key)) {
      out.push(`add rule ${T} ${sc} meta l4proto ${p} dnat ${fam} addr . port to ${fam} saddr map @${pm}`);
    }
  }
  const { total, slots } = slotsFor(s);
  if (total > 0) {
    const plan = schedulerPlan(s.scheduler);
    const sel =
      plan.selector === 'numgen'
        ? `numgen inc mod ${total}`
        : `jhash ${fam} ${plan.selector === 'jhash_saddr' ? 'saddr' : 'daddr'} mod ${total} seed 0x${JHASH_SEED.toString(16)}`;
    const elems = slots.map((x) => `${x.lo === x.hi ? x.lo : `${x.lo}-${x.hi}`} : goto ${destinationChain(s.key, x.destination)}`);
    out.push(`add rule ${T} ${sc} ${sel} vmap { ${elems.join(', ')} }`);
  }
  for (const d of s.destinations) {
    const dc = destinationChain(s.key, d);
    if (onlyDestChains !== undefined && !onlyDestChains.has(dc)) continue;
    out.push(`add rule ${T} ${dc} counter comment "${destComment(d)}"`);
    if (!isForwardable(s.key, d)) continue;
    if (persist) out.push(`add rule ${T} ${dc} update @${pm} { ${fam} saddr : ${d.address} . ${d.port} }`);
    if (d.port === 0) out.push(`add rule ${T} ${dc} dnat ${fam} to ${d.address}`);
    else for (const p of protocolsOf(s.key)) out.push(`add rule ${T} ${dc} meta l4proto ${p} dnat ${fam} to ${hostPort(fam, d.address, d.port)}`);
  }
  return out;
}

function dispatchRule(s: DesiredService): string {
  const fam = nftFamily(s.key.family);
  const k = s.key;
  const match = k.kind === 'fwmark' ? `meta mark 0x${k.fwmark.toString(16)}` : `${fam} daddr ${k.address} ${k.protocol} dport ${k.port}`;
  return `add rule ${fam} ${NFT_TABLE} services ${match} jump ${serviceChain(k)} comment "${dispatchComment(s)}"`;
}

/** What the shell learned from the last listing (needed to flush/delete what exists). */
export interface NftTableState {
  readonly exists: boolean;
  readonly chains: ReadonlySet<string>;
  /** Map/set name → timeout in seconds (0: none). */
  readonly maps: ReadonlyMap<string, number>;
}
export type NftState = Readonly<Record<NftFamily, NftTableState>>;

export const EMPTY_TABLE: NftTableState = { exists: false, chains: new Set(), maps: new Map() };
export const EMPTY_STATE: NftState = { ip: EMPTY_TABLE, ip6: EMPTY_TABLE };

export interface NftPlan {
  /** The `nft -f -` script; '' when nothing is to be done. */
  readonly script: string;
  readonly warnings: readonly string[];
}

/** A stray reference: `chain ip NAME`, `map ip NAME`, `rule ip CHAIN` (forces a rebuild). */
function parseStray(ref: string): { what: 'chain' | 'map' | 'set' | 'rule'; fam: NftFamily; name: string } | undefined {
  const m = /^(chain|map|set|rule) (ip|ip6) (\S+)$/.exec(ref);
  if (m === null) return undefined;
  return { what: m[1] as 'chain' | 'map' | 'set' | 'rule', fam: m[2] as NftFamily, name: m[3] ?? '' };
}

/** Warnings for what nftables cannot do exactly for this service. */
export function serviceWarnings(s: DesiredService): string[] {
  const w: string[] = [];
  const name = serviceKeyText(s.key);
  if (schedulerPlan(s.scheduler).mapping === 'approximate') {
    w.push(`${name}: scheduler ${s.scheduler} approximated by nftables (static weights, no connection counts)`);
  }
  if (s.persistenceTimeoutS > 0 && !persistenceActive(s)) {
    w.push(`${name}: persistence_timeout not rendered (nftables backend: IPv4 with destination ports only)`);
  }
  for (const d of s.destinations) {
    if (d.forwarding !== 'NAT') w.push(`${name}: ${destinationKeyText(d)} uses ${d.forwarding}, which nftables cannot do: kept, sent nothing`);
    else if (d.family !== s.key.family) w.push(`${name}: ${destinationKeyText(d)} is IPv${d.family} in an IPv${s.key.family} service: sent nothing`);
  }
  return w;
}

/**
 * The transaction for `changes`: every service the changes touch is rebuilt whole (its
 * chains flushed and refilled in the same transaction, so there is never a half state),
 * the dispatch chain of an affected family is rewritten, strays are deleted.
 */
export function planNftApply(current: NftState, changes: readonly Change[], desired: DesiredDataPlane): NftPlan {
  if (changes.length === 0) return { script: '', warnings: [] };
  const touched = touchedServices(changes);
  const want = new Map<string, DesiredService>();
  for (const s of desired.services) if (!want.has(serviceKeyText(s.key))) want.set(serviceKeyText(s.key), s);
  const removedDest = new Set<string>();
  const keys = new Map<string, ServiceKey>();
  /** Services rebuilt whole; for the others only the destination chains that changed. */
  const whole = new Set<string>();
  const changedDests = new Set<string>();
  for (const c of changes) {
    if (c.kind === 'remove_stray') continue;
    const key = 'key' in c ? c.key : c.service;
    keys.set(serviceKeyText(key), key);
    if (c.kind === 'add_service' || c.kind === 'edit_service' || c.kind === 'repair_service' || c.kind === 'delete_service') whole.add(serviceKeyText(key));
    else if ('destination' in c) changedDests.add(destinationChain(key, c.destination));
    if (c.kind === 'delete_destination' || c.kind === 'repair_service' || (c.kind === 'update_destination' && c.destination.weight === 0)) {
      removedDest.add(serviceKeyText(key));
    }
    if (c.kind === 'update_destination' && c.destination.forwarding !== 'NAT') removedDest.add(serviceKeyText(key));
  }
  const strays = changes.flatMap((c) => (c.kind === 'remove_stray' ? [parseStray(c.ref)] : [])).filter((x) => x !== undefined);

  const families = new Set<NftFamily>();
  for (const k of keys.values()) families.add(nftFamily(k.family));
  for (const s of strays) families.add(s.fam);

  const head: string[] = [];
  const flushes: string[] = [];
  const deletes: string[] = [];
  const adds: string[] = [];
  const warnings: string[] = [];
  for (const fam of NFT_FAMILIES) {
    if (!families.has(fam)) continue;
    const cur = current[fam];
    const T = `${fam} ${NFT_TABLE}`;
    head.push(`add table ${T}`);
    head.push(`add chain ${T} services`);
    head.push(`add chain ${T} prerouting { type nat hook prerouting priority dstnat; policy accept; }`);
    head.push(`add chain ${T} output { type nat hook output priority -100; policy accept; }`);
    flushes.push(`flush chain ${T} prerouting`, `flush chain ${T} output`, `flush chain ${T} services`);
    adds.push(`add rule ${T} prerouting jump services`, `add rule ${T} output jump services`);

    for (const st of strays) {
      if (st.fam !== fam) continue;
      if (st.what === 'chain' && cur.chains.has(st.name)) {
        flushes.push(`flush chain ${T} ${st.name}`);
        deletes.push(`delete chain ${T} ${st.name}`);
      } else if ((st.what === 'map' || st.what === 'set') && cur.maps.has(st.name)) {
        deletes.push(`delete ${st.what} ${T} ${st.name}`);
      }
    }
    for (const [text, key] of keys) {
      if (nftFamily(key.family) !== fam || !touched.has(text)) continue;
      const sc = serviceChain(key);
      const pm = persistMap(key);
      const prefix = destChainPrefix(key);
      const existingDests = [...cur.chains].filter((c) => c.startsWith(prefix));
      const rebuild = whole.has(text) || !cur.chains.has(sc);
      if (cur.chains.has(sc)) flushes.push(`flush chain ${T} ${sc}`);
      for (const dc of existingDests) if (rebuild || changedDests.has(dc)) flushes.push(`flush chain ${T} ${dc}`);
      const s = want.get(text);
      if (s === undefined) {
        for (const dc of existingDests) deletes.push(`delete chain ${T} ${dc}`);
        if (cur.chains.has(sc)) deletes.push(`delete chain ${T} ${sc}`);
        if (cur.maps.has(pm)) deletes.push(`delete map ${T} ${pm}`);
        continue;
      }
      warnings.push(...serviceWarnings(s));
      const wantDests = new Set(s.destinations.map((d) => destinationChain(key, d)));
      for (const dc of existingDests) if (!wantDests.has(dc)) deletes.push(`delete chain ${T} ${dc}`);
      const persist = persistenceActive(s);
      const curTimeout = cur.maps.get(pm);
      const mapGone = curTimeout !== undefined && (!persist || curTimeout !== s.persistenceTimeoutS);
      if (mapGone) deletes.push(`delete map ${T} ${pm}`);
      else if (curTimeout !== undefined && removedDest.has(text)) flushes.push(`flush map ${T} ${pm}`);
      if (persist) {
        const addr = fam === 'ip6' ? 'ipv6_addr' : 'ipv4_addr';
        adds.push(`add map ${T} ${pm} { type ${addr} : ${addr} . inet_service; flags timeout; timeout ${s.persistenceTimeoutS}s; }`);
      }
      // A re-created map must be re-referenced by every destination chain.
      const all = rebuild || mapGone || (persist && curTimeout === undefined);
      const only = all ? undefined : new Set([...wantDests].filter((dc) => changedDests.has(dc) || !cur.chains.has(dc)));
      if (all) for (const dc of existingDests) if (wantDests.has(dc)) flushes.push(`flush chain ${T} ${dc}`);
      adds.push(`add chain ${T} ${sc}`);
      for (const dc of wantDests) if (only === undefined || only.has(dc)) adds.push(`add chain ${T} ${dc}`);
      adds.push(...serviceRules(s, only));
    }
    for (const s of want.values()) if (nftFamily(s.key.family) === fam) adds.push(dispatchRule(s));
  }
  const uniq = (xs: string[]) => [...new Set(xs)];
  const lines = [...uniq(head), ...uniq(flushes), ...uniq(deletes), ...adds];
  return { script: lines.length > 0 ? `${lines.join('\n')}\n` : '', warnings };
}

/** Deletes our tables (those that exist). */
export function renderClear(current: NftState): string {
  return NFT_FAMILIES.filter((f) => current[f].exists).map((f) => `delete table ${f} ${NFT_TABLE}\n`).join('');
}

// ───────────────────────────── reading back ─────────────────────────────

type Json = unknown;
function obj(x: Json): Record<string, Json> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, Json>) : undefined;
}

/** Listing JSON with volatile values (counters) blanked, for comparison. */
function normalizeExpr(expr: Json): string {
  return JSON.stringify(expr, (k, v: Json) => (k === 'counter' ? {} : v));
}

const match = (left: Json, right: Json) => ({ match: { op: '==', left, right } });
const payload = (protocol: string, field: string) => ({ payload: { protocol, field } });
const meta = (key: string) => ({ meta: { key } });

/** The expected listing (`nft -j`) of each rule of a service's chains. */
export function expectedListing(s: DesiredService): { dispatch: string; chains: Map<string, string[]> } {
  const fam = nftFamily(s.key.family);
  const k = s.key;
  const sc = serviceChain(k);
  const pm = persistMap(k);
  const dispatch =
    k.kind === 'fwmark'
      ? [match(meta('mark'), k.fwmark), { jump: { target: sc } }]
      : [match(payload(fam, 'daddr'), k.address), match(payload(k.protocol, 'dport'), k.port), { jump: { target: sc } }];
  const chains = new Map<string, string[]>();
  const sRules: Json[] = [];
  const persist = persistenceActive(s);
  if (persist) {
    for (const p of protocolsOf(k)) {
      sRules.push([match(meta('l4proto'), p), { dnat: { family: fam, addr: { map: { key: payload(fam, 'saddr'), data: `@${pm}` } } } }]);
    }
  }
  const { total, slots } = slotsFor(s);
  if (total > 0) {
    const plan = schedulerPlan(s.scheduler);
    const key =
      plan.selector === 'numgen'
        ? { numgen: { mode: 'inc', mod: total, offset: 0 } }
        : { jhash: { mod: total, seed: JHASH_SEED, expr: payload(fam, plan.selector === 'jhash_saddr' ? 'saddr' : 'daddr') } };
    const set = slots.map((x) => [x.lo === x.hi ? x.lo : { range: [x.lo, x.hi] }, { goto: { target: destinationChain(k, x.destination) } }]);
    sRules.push([{ vmap: { key, data: { set } } }]);
  }
  chains.set(sc, sRules.map(normalizeExpr));
  for (const d of s.destinations) {
    const rules: Json[] = [[{ counter: {} }]];
    if (isForwardable(k, d)) {
      if (persist) rules.push([`update @${pm} { ${fam} saddr : ${d.address} . ${d.port} }`]);
      if (d.port === 0) rules.push([{ dnat: { addr: d.address } }]);
      else for (const p of protocolsOf(k)) rules.push([match(meta('l4proto'), p), { dnat: { addr: d.address, port: d.port } }]);
    }
    chains.set(destinationChain(k, d), rules.map(normalizeExpr));
  }
  return { dispatch: normalizeExpr(dispatch), chains };
}

interface ListedRule {
  readonly chain: string;
  readonly comment: string | undefined;
  readonly expr: string;
}

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];
const METHODS: readonly string[] = ['NAT', 'DR', 'TUN'];

function parseDispatchComment(c: string, family: LvsIpFamily): Omit<DesiredService, 'destinations'> | undefined {
  const w = c.split(' ');
  if (w.length !== 7 || w[0] !== 'kats' || w[1] !== 'svc') return undefined;
  const [, , proto = '', addr = '', port = '', sched = '', persist = ''] = w;
  const p = Number(persist);
  if (!/^[a-z0-9]+$/.test(sched) || !Number.isInteger(p) || p < 0) return undefined;
  if (proto === 'fwmark') {
    const m = Number(addr);
    if (!Number.isInteger(m) || m < 0) return undefined;
    return { key: { kind: 'fwmark', family, fwmark: m }, scheduler: sched, persistenceTimeoutS: p };
  }
  const n = Number(port);
  if (!PROTOCOLS.includes(proto) || !Number.isInteger(n) || n < 0 || n > 65535) return undefined;
  return { key: { kind: 'address', family, protocol: proto as LvsProtocol, address: addr, port: n }, scheduler: sched, persistenceTimeoutS: p };
}

function parseDestComment(c: string | undefined, family: LvsIpFamily): DesiredDestination | undefined {
  const w = (c ?? '').split(' ');
  if (w.length !== 6 || w[0] !== 'kats' || w[1] !== 'dst') return undefined;
  const [, , addr = '', port = '', weight = '', fwd = ''] = w;
  const p = Number(port);
  const wt = Number(weight);
  if (!Number.isInteger(p) || !Number.isInteger(wt) || wt < 0 || !METHODS.includes(fwd)) return undefined;
  return { family: addr.includes(':') ? 6 : family, address: addr, port: p, weight: wt, forwarding: fwd as ForwardingMethod };
}

export interface ParsedListing {
  readonly observed: ObservedDataPlane;
  readonly state: NftState;
}

/**
 * Reads the `nft -j list table` outputs of our tables (one JSON document per family, or
 * undefined when the table does not exist) into the observed plane and the table state.
 */
export function parseNftListing(docs: Readonly<Record<NftFamily, Json | undefined>>): ParsedListing {
  const services: ObservedService[] = [];
  const strays: string[] = [];
  const state: Record<NftFamily, NftTableState> = { ip: EMPTY_TABLE, ip6: EMPTY_TABLE };
  for (const fam of NFT_FAMILIES) {
    const doc = obj(docs[fam]);
    const items = doc !== undefined && Array.isArray(doc['nftables']) ? (doc['nftables'] as Json[]) : undefined;
    if (items === undefined) continue;
    const family: LvsIpFamily = fam === 'ip6' ? 6 : 4;
    const chains = new Set<string>();
    const baseChains = new Map<string, Record<string, Json>>();
    const maps = new Map<string, number>();
    const setKinds = new Map<string, 'map' | 'set'>();
    const rules: ListedRule[] = [];
    let exists = false;
    for (const it of items) {
      const o = obj(it);
      if (o === undefined) continue;
      if (obj(o['table']) !== undefined) exists = true;
      const ch = obj(o['chain']);
      if (ch !== undefined && typeof ch['name'] === 'string') {
        chains.add(ch['name']);
        baseChains.set(ch['name'], ch);
      }
      for (const kind of ['map', 'set'] as const) {
        const m = obj(o[kind]);
        if (m !== undefined && typeof m['name'] === 'string') {
          maps.set(m['name'], typeof m['timeout'] === 'number' ? m['timeout'] : 0);
          setKinds.set(m['name'], kind);
        }
      }
      const r = obj(o['rule']);
      if (r !== undefined && typeof r['chain'] === 'string') {
        rules.push({ chain: r['chain'], comment: typeof r['comment'] === 'string' ? r['comment'] : undefined, expr: normalizeExpr(r['expr']) });
      }
    }
    state[fam] = { exists, chains, maps };
    const rulesOf = (c: string) => rules.filter((r) => r.chain === c);
    const used = new Set<string>(['prerouting', 'output', 'services']);
    const usedMaps = new Set<string>();
    // Base chains: the right hook and exactly one `jump services`; anything else forces a rebuild.
    const jump = normalizeExpr([{ jump: { target: 'services' } }]);
    let baseOk = chains.has('services');
    for (const [name, hook, prio] of [['prerouting', 'prerouting', -100], ['output', 'output', -100]] as const) {
      const c = baseChains.get(name);
      const rs = rulesOf(name);
      if (c === undefined || c['type'] !== 'nat' || c['hook'] !== hook || c['prio'] !== prio || rs.length !== 1 || rs[0]?.expr !== jump) baseOk = false;
    }
    const seen = new Set<string>();
    for (const r of rulesOf('services')) {
      const head = r.comment === undefined ? undefined : parseDispatchComment(r.comment, family);
      if (head === undefined || seen.has(serviceKeyText(head.key))) {
        baseOk = false;
        continue;
      }
      const sc = serviceChain(head.key);
      const prefix = destChainPrefix(head.key);
      const destinations: DesiredDestination[] = [];
      for (const c of chains) {
        if (!c.startsWith(prefix)) continue;
        const d = parseDestComment(rulesOf(c)[0]?.comment, family);
        if (d !== undefined && destinationChain(head.key, d) === c) destinations.push(d);
      }
      const svc: DesiredService = { ...head, destinations };
      const exp = expectedListing(svc);
      if (exp.dispatch !== r.expr || !chains.has(sc)) {
        baseOk = false; // a foreign rule wearing our comment: rebuilt with the dispatch chain
        continue;
      }
      seen.add(serviceKeyText(head.key));
      let damaged = false;
      for (const [c, want] of exp.chains) {
        used.add(c);
        const got = rulesOf(c).map((x) => x.expr);
        if (got.length !== want.length || got.some((g, i) => g !== want[i])) damaged = true;
      }
      const pm = persistMap(head.key);
      if (persistenceActive(svc)) {
        usedMaps.add(pm);
        if (maps.get(pm) !== svc.persistenceTimeoutS) damaged = true;
      }
      services.push(damaged ? { ...svc, damaged: true } : svc);
    }
    if (exists && !baseOk) strays.push(`rule ${fam} services`);
    for (const c of chains) if (!used.has(c)) strays.push(`chain ${fam} ${c}`);
    for (const [m, kind] of setKinds) if (!usedMaps.has(m)) strays.push(`${kind} ${fam} ${m}`);
  }
  return { observed: strays.length > 0 ? { services, strays } : { services }, state };
}
