/**
 * The reconciler (PURE): compares the data plane the checker core wants with what a
 * backend observed in the kernel and derives the smallest list of changes that makes the
 * kernel match — including repairs of edits made by someone else (anything in our table /
 * our services we did not want goes, anything missing comes back).
 *
 * Identity: a service by serviceKeyText(key), a destination by destinationKeyText within
 * its service. Duplicates in the desired plane: the first occurrence wins.
 */
import {
  destinationKeyText,
  serviceKeyText,
  type DesiredDataPlane,
  type DesiredDestination,
  type DesiredService,
  type ServiceKey,
} from './desired.js';

/** A service as a backend saw it; `damaged`: its kernel objects are not what we render. */
export interface ObservedService extends DesiredService {
  readonly damaged?: boolean;
}

/** What a backend observed: the same shape as DesiredDataPlane (plus repairs to make). */
export interface ObservedDataPlane {
  readonly services: readonly ObservedService[];
  /**
   * Objects in our table/services that belong to no service (foreign rules, chains, sets):
   * opaque backend references, each removed by a `remove_stray` change.
   */
  readonly strays?: readonly string[];
}

export type DestinationId = Pick<DesiredDestination, 'family' | 'address' | 'port'>;

export type Change =
  | { readonly kind: 'remove_stray'; readonly ref: string }
  | { readonly kind: 'delete_service'; readonly key: ServiceKey }
  | {
      readonly kind: 'add_service' | 'edit_service';
      readonly key: ServiceKey;
      readonly scheduler: string;
      readonly persistenceTimeoutS: number;
    }
  /** Re-create a service's kernel objects (seen damaged) without changing what it holds. */
  | { readonly kind: 'repair_service'; readonly key: ServiceKey }
  | { readonly kind: 'delete_destination'; readonly service: ServiceKey; readonly destination: DestinationId }
  | {
      readonly kind: 'add_destination' | 'update_destination';
      readonly service: ServiceKey;
      readonly destination: DesiredDestination;
    };

/** The services and destinations with duplicates removed (first wins), in input order. */
function dedupe<S extends DesiredService>(services: readonly S[]): S[] {
  const seen = new Set<string>();
  const out: S[] = [];
  for (const s of services) {
    const k = serviceKeyText(s.key);
    if (seen.has(k)) continue;
    seen.add(k);
    const ds = new Set<string>();
    const destinations = s.destinations.filter((d) => {
      const dk = destinationKeyText(d);
      if (ds.has(dk)) return false;
      ds.add(dk);
      return true;
    });
    out.push({ ...s, destinations });
  }
  return out;
}

function destId(d: DestinationId): DestinationId {
  return { family: d.family, address: d.address, port: d.port };
}

/** The smallest change list turning `observed` into `desired` (see applyChanges). */
export function reconcile(desired: DesiredDataPlane, observed: ObservedDataPlane): Change[] {
  const want = dedupe(desired.services);
  const have = new Map(dedupe(observed.services).map((s) => [serviceKeyText(s.key), s]));
  const wanted = new Set(want.map((s) => serviceKeyText(s.key)));

  const strays: Change[] = (observed.strays ?? []).map((ref) => ({ kind: 'remove_stray', ref }));
  const deletes: Change[] = [];
  const edits: Change[] = [];
  const adds: Change[] = [];
  const destDeletes: Change[] = [];
  const destUpdates: Change[] = [];
  const destAdds: Change[] = [];

  for (const [k, s] of have) if (!wanted.has(k)) deletes.push({ kind: 'delete_service', key: s.key });

  for (const s of want) {
    const o = have.get(serviceKeyText(s.key));
    if (o === undefined) {
      adds.push({ kind: 'add_service', key: s.key, scheduler: s.scheduler, persistenceTimeoutS: s.persistenceTimeoutS });
      for (const d of s.destinations) destAdds.push({ kind: 'add_destination', service: s.key, destination: d });
      continue;
    }
    if (o.scheduler !== s.scheduler || o.persistenceTimeoutS !== s.persistenceTimeoutS) {
      edits.push({ kind: 'edit_service', key: s.key, scheduler: s.scheduler, persistenceTimeoutS: s.persistenceTimeoutS });
    } else if (o.damaged === true) {
      edits.push({ kind: 'repair_service', key: s.key });
    }
    const od = new Map(o.destinations.map((d) => [destinationKeyText(d), d]));
    const wd = new Set(s.destinations.map((d) => destinationKeyText(d)));
    for (const [k, d] of od) {
      if (!wd.has(k)) destDeletes.push({ kind: 'delete_destination', service: s.key, destination: destId(d) });
    }
    for (const d of s.destinations) {
      const cur = od.get(destinationKeyText(d));
      if (cur === undefined) destAdds.push({ kind: 'add_destination', service: s.key, destination: d });
      else if (cur.weight !== d.weight || cur.forwarding !== d.forwarding) {
        destUpdates.push({ kind: 'update_destination', service: s.key, destination: d });
      }
    }
  }
  return [...strays, ...deletes, ...edits, ...adds, ...destDeletes, ...destUpdates, ...destAdds];
}

/**
 * What the kernel holds after `changes` were applied to `observed` (the reconciler's
 * model of a backend; the property tests check applyChanges(o, reconcile(d, o)) ≡ d).
 */
export function applyChanges(observed: ObservedDataPlane, changes: readonly Change[]): ObservedDataPlane {
  const services = new Map<string, ObservedService>(dedupe(observed.services).map((s) => [serviceKeyText(s.key), s]));
  let strays = [...(observed.strays ?? [])];
  const destKey = (d: DestinationId) => destinationKeyText(d);
  const withDests = (key: ServiceKey, f: (ds: DesiredDestination[]) => DesiredDestination[]) => {
    const k = serviceKeyText(key);
    const s = services.get(k);
    if (s !== undefined) services.set(k, { ...s, destinations: f([...s.destinations]) });
  };
  for (const c of changes) {
    switch (c.kind) {
      case 'remove_stray':
        strays = strays.filter((r) => r !== c.ref);
        break;
      case 'delete_service':
        services.delete(serviceKeyText(c.key));
        break;
      case 'add_service':
        services.set(serviceKeyText(c.key), {
          key: c.key, scheduler: c.scheduler, persistenceTimeoutS: c.persistenceTimeoutS, destinations: [],
        });
        break;
      case 'edit_service': {
        const s = services.get(serviceKeyText(c.key));
        if (s !== undefined) {
          services.set(serviceKeyText(c.key), {
            key: s.key, scheduler: c.scheduler, persistenceTimeoutS: c.persistenceTimeoutS, destinations: s.destinations,
          });
        }
        break;
      }
      case 'repair_service': {
        const s = services.get(serviceKeyText(c.key));
        if (s !== undefined) {
          services.set(serviceKeyText(c.key), {
            key: s.key, scheduler: s.scheduler, persistenceTimeoutS: s.persistenceTimeoutS, destinations: s.destinations,
          });
        }
        break;
      }
      case 'delete_destination':
        withDests(c.service, (ds) => ds.filter((d) => destKey(d) !== destKey(c.destination)));
        break;
      case 'add_destination':
      case 'update_destination':
        withDests(c.service, (ds) => [...ds.filter((d) => destKey(d) !== destKey(c.destination)), c.destination]);
        break;
    }
  }
  return strays.length > 0 ? { services: [...services.values()], strays } : { services: [...services.values()] };
}

/** An order-free canonical form (services and destinations sorted by key, duplicates dropped). */
export function canonicalPlane(p: ObservedDataPlane): ObservedDataPlane {
  const services = dedupe(p.services)
    .map((s): ObservedService => ({
      key: { ...s.key },
      scheduler: s.scheduler,
      persistenceTimeoutS: s.persistenceTimeoutS,
      destinations: s.destinations.map((d) => ({ ...d })).sort((a, b) => cmp(destinationKeyText(a), destinationKeyText(b))),
      ...(s.damaged === true ? { damaged: true } : {}),
    }))
    .sort((a, b) => cmp(serviceKeyText(a.key), serviceKeyText(b.key)));
  const strays = [...new Set(p.strays ?? [])].sort(cmp);
  return strays.length > 0 ? { services, strays } : { services };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The services a change list touches (by serviceKeyText), for backends that work per service. */
export function touchedServices(changes: readonly Change[]): Set<string> {
  const out = new Set<string>();
  for (const c of changes) {
    if (c.kind === 'remove_stray') continue;
    out.add(serviceKeyText('key' in c ? c.key : c.service));
  }
  return out;
}
