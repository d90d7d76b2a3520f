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
import { loadNative, type NativeBinding } from '../net/native.js';
import { AF_NETLINK, EAGAIN, SOCK_RAW } from '../net/constants.js';
import { encodeSockaddrNl } from '../net/sockaddr.js';
import { NLMSG_DONE, NLMSG_ERROR, decodeError, splitMessages, withSequence, type NlMessage } from '../net/netlink/codec.js';
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

class GenlSocket {
  private seq = 1;
  private constructor(private readonly native: NativeBinding, private readonly fd: number) {}

  static open(): GenlSocket {
    const native = loadNative();
    const fd = native.socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    if (fd < 0) throw new Error(`netlink socket: errno ${-fd}`);
    const r = native.bind(fd, encodeSockaddrNl({}));
    if (r < 0) {
      native.close(fd);
      throw new Error(`netlink bind: errno ${-r}`);
    }
    return new GenlSocket(native, fd);
  }

  private wait(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const poller = this.native.poll(this.fd, () => {
        poller.close();
        clearTimeout(timer);
        resolve(true);
      });
      const timer = setTimeout(() => {
        poller.close();
        resolve(false);
      }, timeoutMs);
    });
  }

  /** Sends one request; returns its reply messages (dump parts) and the kernel's errno (0 = ok). */
  async request(message: Uint8Array, timeoutMs = 2_000): Promise<{ errno: number; messages: NlMessage[] }> {
    const seq = this.seq++;
    const sent = this.native.sendto(this.fd, withSequence(message, seq), encodeSockaddrNl({}));
    if (sent < 0) return { errno: -sent, messages: [] };
    const buf = new Uint8Array(1 << 17);
    const name = new Uint8Array(16);
    const out: NlMessage[] = [];
    for (;;) {
      const n = this.native.recvmsg(this.fd, buf, name, new Uint8Array(0), new Int32Array(3));
      if (n === -EAGAIN) {
        if (!(await this.wait(timeoutMs))) return { errno: 110 /* ETIMEDOUT */, messages: out };
        continue;
      }
      if (n < 0) return { errno: -n, messages: out };
      for (const m of splitMessages(buf.slice(0, n)).messages) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_DONE) return { errno: 0, messages: out };
        if (m.type === NLMSG_ERROR) {
          const e = decodeError(m);
          return { errno: e.ok ? e.value.errno : 5 /* EIO */, messages: out };
        }
        out.push(m);
      }
    }
  }

  close(): void {
    this.native.close(this.fd);
  }
}

export class IpvsBackend implements LvsBackend {
  readonly kind = 'ipvs' as const;
  private sock: GenlSocket | undefined;
  private familyId = 0;

  private async ready(): Promise<GenlSocket> {
    if (this.sock !== undefined) return this.sock;
    const sock = GenlSocket.open();
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
  return kind === 'ipvs' ? new IpvsBackend() : new NftBackend(opts.nft ?? {});
}
