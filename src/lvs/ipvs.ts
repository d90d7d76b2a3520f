/**
 * The IPVS backend's shell: a generic-netlink socket (family "IPVS", resolved with
 * CTRL_CMD_GETFAMILY) that sends what ipvs_codec.ts encodes and reads the dumps back.
 *
 * NOT EXERCISED on a kernel without ip_vs (the development machine has none): the message
 * bytes are unit-tested against linux/ip_vs.h layouts, the socket exchange is not.
 *
 * Also the backend opener: openLvsBackend() probes /proc/net/ip_vs (chooseBackend).
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { NetlinkRequestSocket } from '../net/netlink/request_socket.js';
import { decodeNftGenerationId, encodeNftGetGeneration, NETLINK_NETFILTER } from './nft_generation.js';
import { chooseBackend, type ApplyResult, type BackendKind, type LvsBackend } from './backend.js';
import { serviceKeyText, type DesiredDataPlane, type DesiredDestination } from './desired.js';
import {
  IPVS_CMD_DEL_DEST, IPVS_CMD_NEW_DEST, IPVS_CMD_SET_DEST,
  decodeDest, decodeFamilyId, decodeService, encodeDelService, encodeDest, encodeFlush, encodeGetDests,
  encodeGetFamily, encodeGetServices, encodeNewService, encodeSetService, observedService,
} from './ipvs_codec.js';
import { NftBackend, type NftBackendOptions } from './nft.js';
import type { Change, ObservedDataPlane } from './reconcile.js';

const NETLINK_GENERIC = 16;

export class IpvsBackend implements LvsBackend {
  readonly kind = 'ipvs' as const;
  private sock: NetlinkRequestSocket | undefined;
  private familyId = 0;

  private async ready(): Promise<NetlinkRequestSocket> {
    if (this.sock !== undefined) return this.sock;
    const sock = NetlinkRequestSocket.open(NETLINK_GENERIC);
    const r = await sock.request(encodeGetFamily(0));
    const id = r.messages.map(decodeFamilyId).find((x) => x !== undefined);
    if (r.errno !== 0 || id === undefined) {
      sock.close();
      throw new Error(`IPVS generic netlink family not found (errno ${r.errno}): is ip_vs loaded?`);
    }
    this.familyId = id;
    this.sock = sock;
    return sock;
  }

  async observe(): Promise<ObservedDataPlane> {
    const sock = await this.ready();
    const r = await sock.request(encodeGetServices(this.familyId, 0));
    if (r.errno !== 0) throw new Error(`IPVS_CMD_GET_SERVICE: errno ${r.errno}`);
    const services = [];
    for (const m of r.messages) {
      const s = decodeService(m);
      if (s === undefined) continue;
      const d = await sock.request(encodeGetDests(this.familyId, 0, s.key));
      const dests: DesiredDestination[] = d.messages
        .map((x) => decodeDest(x, s.key.family))
        .filter((x) => x !== undefined)
        .map((x) => ({ family: x.family, address: x.address, port: x.port, weight: x.weight, forwarding: x.forwarding }));
      services.push(observedService(s, dests));
    }
    return { services };
  }

  async apply(changes: readonly Change[], desired: DesiredDataPlane): Promise<ApplyResult> {
    const t0 = performance.now();
    const sock = await this.ready();
    const want = new Map(desired.services.map((s) => [serviceKeyText(s.key), s]));
    const errors: string[] = [];
    let applied = 0;
    for (const c of changes) {
      let msg: Uint8Array | undefined;
      switch (c.kind) {
        case 'remove_stray': msg = undefined; break; // IPVS has no table of ours: nothing is stray
        case 'delete_service': msg = encodeDelService(this.familyId, 0, c.key); break;
        case 'add_service': msg = encodeNewService(this.familyId, 0, c); break;
        case 'edit_service': msg = encodeSetService(this.familyId, 0, c); break;
        case 'repair_service': {
          const s = want.get(serviceKeyText(c.key));
          msg = s === undefined ? undefined : encodeSetService(this.familyId, 0, s);
          break;
        }
        case 'delete_destination':
          msg = encodeDest(this.familyId, 0, IPVS_CMD_DEL_DEST, c.service, { ...c.destination, weight: 0, forwarding: 'NAT' });
          break;
        case 'add_destination': msg = encodeDest(this.familyId, 0, IPVS_CMD_NEW_DEST, c.service, c.destination); break;
        case 'update_destination': msg = encodeDest(this.familyId, 0, IPVS_CMD_SET_DEST, c.service, c.destination); break;
      }
      if (msg === undefined) continue;
      const r = await sock.request(msg);
      if (r.errno === 0) applied++;
      else errors.push(`${c.kind}: errno ${r.errno}`);
    }
    return { applied, errors, warnings: [], elapsedMs: performance.now() - t0 };
  }

  /** Deletes the services we manage; with `all`, flushes the whole IPVS table (ipvsadm -C). */
  async clear(all = false): Promise<void> {
    const sock = await this.ready();
    if (all) {
      await sock.request(encodeFlush(this.familyId, 0));
      return;
    }
    const o = await this.observe();
    for (const s of o.services) await sock.request(encodeDelService(this.familyId, 0, s.key));
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}

/** Opens the backend chooseBackend() picks (/proc/net/ip_vs present → IPVS, else nftables). */
export function openLvsBackend(opts: { prefer?: BackendKind | 'auto'; nft?: NftBackendOptions } = {}): LvsBackend {
  const kind = chooseBackend(existsSync, opts.prefer);
  if (kind === 'ipvs') return new IpvsBackend();
  // With the default nft (this process's own namespace), the ruleset generation tells
  // whether anything changed since the last listing (nft_generation.ts).
  const nft = opts.nft ?? {};
  return new NftBackend(nft.nft === undefined ? { ...nft, generation: readNftGeneration() } : nft);
}

/** A reader of nf_tables' ruleset generation over one NETLINK_NETFILTER socket (opened on first use). */
export function readNftGeneration(): () => Promise<number | undefined> {
  let sock: NetlinkRequestSocket | undefined;
  return async () => {
    try {
      sock ??= NetlinkRequestSocket.open(NETLINK_NETFILTER);
      const r = await sock.request(encodeNftGetGeneration());
      const m = r.messages[0];
      return r.errno === 0 && m !== undefined ? decodeNftGenerationId(m) : undefined;
    } catch {
      return undefined; // no addon or no nf_tables: list every time
    }
  };
}
