/**
 * Sets and removes VIPs, eVIPs and virtual routes over rtnetlink (SHELL), the way
 * keepalived 2.2.7 does (vrrp_ipaddress.c netlink_iplist, vrrp_iproute.c netlink_rtlist,
 * keepalived_netlink.c netlink_parse_info). The requests themselves come from
 * ./vip_plan.ts; this file sends them, remembers what is set and turns errnos into
 * outcomes and keepalived's log lines.
 *
 * Remembering: an address is "set" after an add that succeeded or answered EEXIST
 * (keepalived marks both set, so it also removes an address that was there before it;
 * `keepPreexisting` opts out). removeVips() deletes exactly the remembered requests, on the
 * remembered ifindex, even if the configuration or the interface name changed meanwhile.
 */
import type { IpAddressEntry, RouteEntry } from '../config/model/vrrp.js';
import { EADDRNOTAVAIL, EEXIST, ENODEV } from './constants.js';
import {
  RTM_DELADDR,
  RTM_DELROUTE,
  RTM_NEWADDR,
  RTM_NEWROUTE,
  encodeAddressRequest,
  encodeRouteRequest,
} from './netlink/codec.js';
import type { RequestResult } from './netlink/rtnl.js';
import {
  findOurAddress,
  netlinkErrorText,
  planAddress,
  planRoute,
  strerror,
  type AddressPlan,
} from './vip_plan.js';

/** The one thing VipManager needs from RtnlClient (a fake implements it in tests). */
export interface NetlinkRequester {
  request(message: Uint8Array): Promise<RequestResult>;
}

/** How to find the interface of an entry: `dev IF`, or the instance's interface. */
export interface InterfaceResolver {
  /** The ifindex of `device` (undefined: the default device); 0 when it does not exist. */
  ifindexOf(device: string | undefined): number;
  /** The name used for entries without `dev` (log text only). */
  readonly defaultDevice: string;
}

export type ChangeOutcome =
  /** Created by this request. */
  | 'added'
  /** EEXIST: it was already there; counted as set (keepalived-compat). */
  | 'already_present'
  | 'removed'
  /** EADDRNOTAVAIL/ESRCH-free delete of something not there, or the interface is gone. */
  | 'absent'
  /** Not remembered as set, so not removed. */
  | 'not_set'
  | 'no_interface'
  | 'unsupported'
  | 'failed';

export interface ChangeResult {
  /** keepalived's text for the address (ipaddresstos) or route. */
  readonly text: string;
  readonly device: string;
  readonly outcome: ChangeOutcome;
  /** 0, or the errno of the failed (or EEXIST) request. */
  readonly errno: number;
  /** The line keepalived logs for this outcome, when it logs one. */
  readonly log: string | undefined;
}

interface SetAddress {
  readonly plan: AddressPlan;
  readonly device: string;
  readonly wasPreexisting: boolean;
}

interface SetRoute {
  readonly text: string;
  readonly device: string;
  readonly deleteMessage: Uint8Array;
}

export interface VipManagerOptions {
  /** Leave addresses we found already present (EEXIST) on removal. @default false (keepalived) */
  readonly keepPreexisting?: boolean | undefined;
}

/** An entry's identity across reloads: what compare_ipaddress() compares, minus scope/label. */
function entryKey(e: IpAddressEntry): string {
  return `${e.family}|${e.address}/${e.prefixLength}|${e.peer ?? ''}|${e.device ?? ''}`;
}

function routeKey(r: RouteEntry): string {
  return `${r.family}|${r.table}|${r.type}|${r.destination}|${r.via ?? ''}|${r.device ?? ''}|${r.metric ?? ''}`;
}

/**
 * VIP/eVIP/virtual-route programming with keepalived's semantics. `new` only stores.
 * @example
 * const vips = new VipManager(rtnl);
 * await vips.addVips(instance.virtualIpAddresses, { ifindexOf: () => 3, defaultDevice: 'eth0' });
 */
export class VipManager {
  readonly #rtnl: NetlinkRequester;
  readonly #keepPreexisting: boolean;
  readonly #addresses = new Map<string, SetAddress>();
  readonly #routes = new Map<string, SetRoute>();

  constructor(rtnl: NetlinkRequester, options: VipManagerOptions = {}) {
    this.#rtnl = rtnl;
    this.#keepPreexisting = options.keepPreexisting ?? false;
  }

  /** Adds every entry not already set (netlink_iplist IPADDRESS_ADD). */
  async addVips(entries: readonly IpAddressEntry[], where: InterfaceResolver): Promise<ChangeResult[]> {
    const out: ChangeResult[] = [];
    for (const e of entries) {
      const key = entryKey(e);
      const device = e.device ?? where.defaultDevice;
      const known = this.#addresses.get(key);
      if (known !== undefined) {
        out.push({ text: known.plan.text, device, outcome: 'already_present', errno: 0, log: undefined });
        continue;
      }
      const ifindex = where.ifindexOf(e.device);
      const plan = planAddress(e, ifindex);
      if (ifindex === 0) {
        const log = `Not adding address ${plan.text} to ${device} since interface doesn't exist`;
        out.push({ text: plan.text, device, outcome: 'no_interface', errno: 0, log });
        continue;
      }
      const r = await this.#rtnl.request(encodeAddressRequest(plan.add, { command: 'add', seq: 0 }));
      out.push(this.#afterAdd(key, { plan, device }, r));
    }
    return out;
  }

  #afterAdd(key: string, a: { plan: AddressPlan; device: string }, r: RequestResult): ChangeResult {
    const base = { text: a.plan.text, device: a.device };
    if (r.reason === 'ok' || r.errno === EEXIST) {
      const wasPreexisting = r.errno === EEXIST;
      this.#addresses.set(key, { ...a, wasPreexisting });
      return { ...base, outcome: wasPreexisting ? 'already_present' : 'added', errno: r.errno, log: undefined };
    }
    return { ...base, outcome: 'failed', errno: r.errno, log: failureLog(r, RTM_NEWADDR) };
  }

  /**
   * Removes the entries that are set (netlink_iplist IPADDRESS_DEL). With `unsetToo`
   * (keepalived -X, --release-vips: vrrp.c vrrp_restore_interface) the entries this manager
   * does not remember are deleted as well, so a VIP that a reload or an outside hand left on
   * the interface does not stay on a backup.
   */
  async removeVips(entries: readonly IpAddressEntry[], unsetToo?: InterfaceResolver): Promise<ChangeResult[]> {
    const out: ChangeResult[] = [];
    for (const e of entries) {
      const key = entryKey(e);
      const set = this.#addresses.get(key);
      if (set === undefined) {
        const ifindex = unsetToo?.ifindexOf(e.device) ?? 0;
        if (unsetToo !== undefined && ifindex !== 0) {
          out.push(await this.#delete(planAddress(e, ifindex), e.device ?? unsetToo.defaultDevice, { isForced: true }));
          continue;
        }
        out.push({ text: planAddress(e, 0).text, device: e.device ?? '', outcome: 'not_set', errno: 0, log: undefined });
        continue;
      }
      this.#addresses.delete(key);
      if (set.wasPreexisting && this.#keepPreexisting) {
        out.push({ text: set.plan.text, device: set.device, outcome: 'not_set', errno: 0, log: undefined });
        continue;
      }
      out.push(await this.#delete(set.plan, set.device, { isForced: false }));
    }
    return out;
  }

  /** Removes everything this manager has set (daemon stop). */
  async removeAll(): Promise<ChangeResult[]> {
    const out: ChangeResult[] = [];
    for (const [key, set] of [...this.#addresses]) {
      this.#addresses.delete(key);
      if (set.wasPreexisting && this.#keepPreexisting) continue;
      out.push(await this.#delete(set.plan, set.device, { isForced: false }));
    }
    return out.concat(await this.removeAllRoutes());
  }

  /**
   * Start-up clean-up (vrrp.c vrrp_restore_interfaces_startup, force=true): keepalived
   * deletes every configured VIP and eVIP of an instance whose interface already existed,
   * whether or not it is present, so a VIP left by a previous run does not linger on a
   * backup. Absent addresses (EADDRNOTAVAIL) and missing interfaces are not logged.
   */
  async clearStale(entries: readonly IpAddressEntry[], where: InterfaceResolver): Promise<ChangeResult[]> {
    const out: ChangeResult[] = [];
    for (const e of entries) {
      const device = e.device ?? where.defaultDevice;
      const plan = planAddress(e, where.ifindexOf(e.device));
      if (plan.ifindex === 0) {
        out.push({ text: plan.text, device, outcome: 'absent', errno: 0, log: undefined });
        continue;
      }
      this.#addresses.delete(entryKey(e));
      out.push(await this.#delete(plan, device, { isForced: true }));
    }
    return out;
  }

  async #delete(plan: AddressPlan, device: string, o: { isForced: boolean }): Promise<ChangeResult> {
    const r = await this.#rtnl.request(encodeAddressRequest(plan.delete, { command: 'delete', seq: 0 }));
    const base = { text: plan.text, device };
    if (r.reason === 'ok') return { ...base, outcome: 'removed', errno: 0, log: undefined };
    // EADDRNOTAVAIL is success to keepalived (a secondary removed with its primary);
    // ENODEV is expected when the interface went away (netlink_error_ignore).
    if (r.errno === EADDRNOTAVAIL) return { ...base, outcome: 'absent', errno: r.errno, log: undefined };
    if (r.errno === ENODEV) {
      return { ...base, outcome: 'absent', errno: r.errno, log: o.isForced ? undefined : failureLog(r, RTM_DELADDR) };
    }
    return { ...base, outcome: 'failed', errno: r.errno, log: failureLog(r, RTM_DELADDR) };
  }

  /** The addresses currently set, for "which VIP did this RTM_DELADDR remove". */
  setAddresses(): AddressPlan[] {
    return [...this.#addresses.values()].map((s) => s.plan);
  }

  /**
   * The set, tracked VIP an address notification is about (keepalived address_is_ours()),
   * or undefined. The caller reacts to RTM_DELADDR of one while MASTER (back to BACKUP).
   */
  ourAddress(event: Parameters<typeof findOurAddress>[0]): AddressPlan | undefined {
    const p = findOurAddress(event, this.setAddresses());
    return p?.isTracked === true ? p : undefined;
  }

  /** Forgets an address someone else removed (it is no longer set). */
  forget(plan: AddressPlan): void {
    for (const [k, v] of this.#addresses) if (v.plan.key === plan.key) this.#addresses.delete(k);
  }

  /** Adds every route not already set (netlink_rtlist IPROUTE_ADD). EEXIST counts as set. */
  async addRoutes(routes: readonly RouteEntry[], where: InterfaceResolver): Promise<ChangeResult[]> {
    const out: ChangeResult[] = [];
    for (const route of routes) {
      const key = routeKey(route);
      const device = route.device ?? '';
      const plan = planRoute(route, (name) => where.ifindexOf(name));
      if (!plan.ok) {
        out.push({ text: route.destination, device, outcome: plan.reason, errno: 0, log: undefined });
        continue;
      }
      if (this.#routes.has(key)) {
        out.push({ text: plan.text, device, outcome: 'already_present', errno: 0, log: undefined });
        continue;
      }
      const add = encodeRouteRequest(plan.add, { command: 'add', seq: 0, nlFlags: plan.addFlags });
      const r = await this.#rtnl.request(add);
      const base = { text: plan.text, device };
      if (r.reason === 'ok' || r.errno === EEXIST) {
        const deleteMessage = encodeRouteRequest(plan.delete, { command: 'delete', seq: 0 });
        this.#routes.set(key, { text: plan.text, device, deleteMessage });
        out.push({ ...base, outcome: r.errno === EEXIST ? 'already_present' : 'added', errno: r.errno, log: undefined });
      } else out.push({ ...base, outcome: 'failed', errno: r.errno, log: failureLog(r, RTM_NEWROUTE) });
    }
    return out;
  }

  /** Removes the routes that are set; a failed delete also forgets the route, as keepalived does. */
  async removeRoutes(routes: readonly RouteEntry[]): Promise<ChangeResult[]> {
    const out: ChangeResult[] = [];
    for (const route of routes) {
      const key = routeKey(route);
      const set = this.#routes.get(key);
      if (set === undefined) {
        out.push({ text: route.destination, device: route.device ?? '', outcome: 'not_set', errno: 0, log: undefined });
        continue;
      }
      this.#routes.delete(key);
      out.push(await this.#deleteRoute(set));
    }
    return out;
  }

  async removeAllRoutes(): Promise<ChangeResult[]> {
    const out: ChangeResult[] = [];
    for (const [key, set] of [...this.#routes]) {
      this.#routes.delete(key);
      out.push(await this.#deleteRoute(set));
    }
    return out;
  }

  async #deleteRoute(set: SetRoute): Promise<ChangeResult> {
    const r = await this.#rtnl.request(set.deleteMessage);
    const base = { text: set.text, device: set.device };
    if (r.reason === 'ok') return { ...base, outcome: 'removed', errno: 0, log: undefined };
    return { ...base, outcome: 'failed', errno: r.errno, log: failureLog(r, RTM_DELROUTE) };
  }
}

/** keepalived's log line for a request that did not succeed. */
function failureLog(r: RequestResult, type: number): string {
  if (r.reason === 'kernel_error') return netlinkErrorText(r.errno, { type, seq: r.seq });
  if (r.reason === 'send_failed') return `Netlink: sendmsg cmd ${type} error: ${strerror(r.errno)}`;
  return `Netlink: ${r.reason.replace('_', ' ')} for ${type} (seq ${r.seq}, errno ${r.errno})`;
}
