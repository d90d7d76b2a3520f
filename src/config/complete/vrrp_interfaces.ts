/**
 * Interface lookups of the VRRP configuration, done as keepalived's VRRP process does
 * them while it reads the file (vrrp_if.c if_get_by_ifname()): an interface that does not
 * exist is an error unless dynamic_interfaces is set, and marks the configuration with
 * "Non-existent interface specified" (CONFIG_BAD_IF), which stops keepalived's VRRP
 * validation before vrrp_complete_init().
 */
import type { ConfigDraft } from '../draft.js';
import type { SourceLocation } from '../diagnostics.js';
import type { InterfaceFacts } from '../host_facts.js';
import type { ParseContext } from '../parse_context.js';
import type { GlobalDefs } from '../model/global.js';
import type { IpAddressEntry, RouteEntry, RuleEntry } from '../model/vrrp.js';

type Ctx = ParseContext<ConfigDraft>;

export class InterfaceResolver {
  readonly #ctx: Ctx;
  readonly #isDynamic: boolean;
  readonly #created = new Set<string>();
  /** Some lookup failed (keepalived's non_existent_interface_specified). */
  isBadIf = false;

  constructor(ctx: Ctx, global: GlobalDefs) {
    this.#ctx = ctx;
    this.#isDynamic = global.dynamicInterfaces;
  }

  /** The host's interface, if it exists now. */
  facts(name: string): InterfaceFacts | undefined {
    return this.#ctx.state.env.host.interfaces.get(name);
  }

  /**
   * IF_CREATE_IF_DYNAMIC: true when the interface exists (or will be waited for under
   * dynamic_interfaces); otherwise reports `message` at `at` and returns false.
   */
  lookup(name: string, at: SourceLocation, message: string): boolean {
    if (this.facts(name) !== undefined) return true;
    if (this.#isDynamic) {
      if (!this.#created.has(name)) {
        this.#created.add(name);
        this.#ctx.reportAt(
          at,
          'notice',
          'interface_missing',
          `Configuration specifies interface ${name} which doesn't currently exist - will use ` +
          `if created`,
        );
      }
      return true;
    }
    this.isBadIf = true;
    this.#ctx.reportAt(at, 'general_error', 'interface_missing', message);
    return false;
  }

  /** IF_NO_CREATE unless dynamic_interfaces (linkbeat_interfaces, up/down delays). */
  lookupNoCreate(name: string): boolean {
    return this.facts(name) !== undefined || this.#isDynamic;
  }
}

/** The address as keepalived quotes it (the text of the line's first word). */
export function addressText(e: IpAddressEntry): string {
  const full = e.family === 4 ? 32 : 128;
  return e.prefixLength === full || e.peer !== undefined ? e.address : `${e.address}/${e.prefixLength}`;
}

/** VIP/eVIP/static lines with `dev`: the ones whose interface is known. */
export function checkAddressDevices(
  r: InterfaceResolver,
  entries: readonly IpAddressEntry[],
): IpAddressEntry[] {
  return entries.filter(
    (e) =>
      e.device === undefined ||
      r.lookup(
        e.device,
        e.at,
        `WARNING - interface ${e.device} for ip address ${addressText(e)} doesn't exist`,
      ),
  );
}

/** static_ipaddress: no `dev` means the default interface, which must exist. */
export function checkStaticAddresses(
  ctx: Ctx,
  r: InterfaceResolver,
  entries: readonly IpAddressEntry[],
  global: GlobalDefs,
): IpAddressEntry[] {
  const out: IpAddressEntry[] = [];
  for (const e of checkAddressDevices(r, entries)) {
    if (e.device !== undefined) {
      out.push(e);
      continue;
    }
    const name = global.defaultInterface;
    if (r.facts(name) === undefined && !global.dynamicInterfaces) {
      r.isBadIf = true;
      ctx.reportAt(
        e.at,
        'fatal',
        'no_default_interface',
        `Static address ${addressText(e)} requires either an interface or default interface ` +
        `must exist`,
      );
      continue;
    }
    out.push({ ...e, device: name });
  }
  return out;
}

const VROUTE_MISSING = (name: string): string => `WARNING - interface ${name} for VROUTE nexthop doesn't exist`;

/** Routes: a missing `dev` drops the route; a missing next-hop `dev` drops that hop on. */
export function checkRouteDevices(
  r: InterfaceResolver,
  routes: readonly RouteEntry[],
): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const route of routes) {
    if (route.device !== undefined && !r.lookup(route.device, route.at, VROUTE_MISSING(route.device))) continue;
    const hops = [];
    for (const nh of route.nextHops) {
      if (nh.device !== undefined && !r.lookup(nh.device, route.at, VROUTE_MISSING(nh.device))) break;
      hops.push(nh);
    }
    out.push(hops.length === route.nextHops.length ? route : { ...route, nextHops: hops });
  }
  return out;
}

export function checkRuleDevices(r: InterfaceResolver, rules: readonly RuleEntry[]): RuleEntry[] {
  const msg = (n: string): string => `WARNING - interface ${n} for rule doesn't exist`;
  return rules.filter(
    (rule) =>
      (rule.inputInterface === undefined || r.lookup(rule.inputInterface, rule.at, msg(rule.inputInterface))) &&
      (rule.outputInterface === undefined || r.lookup(
        rule.outputInterface,
        rule.at,
        msg(rule.outputInterface),
      )),
  );
}

/**
 * A context whose report()/notice() land on `at` (a line read earlier): the value readers
 * report on the current line, which at completion is the end of the file.
 */
export function contextAt(ctx: Ctx, at: SourceLocation): Ctx {
  const proxy = Object.create(ctx) as Ctx;
  proxy.report = (kind, code, message) => ctx.reportAt(at, kind, code, message);
  proxy.notice = (code, message) => ctx.reportAt(at, 'notice', code, message);
  return proxy;
}
