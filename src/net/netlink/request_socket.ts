/**
 * One netlink socket for request/response exchanges (shell): sends a request with its own
 * sequence number, collects the replies for it until NLMSG_DONE or the kernel's ack/error.
 * Used for generic netlink (IPVS) and nfnetlink (the nf_tables ruleset generation).
 */
import { loadNative, type NativeBinding } from '../native.js';
import { AF_NETLINK, EAGAIN, SOCK_RAW } from '../constants.js';
import { encodeSockaddrNl } from '../sockaddr.js';
import { NLMSG_DONE, NLMSG_ERROR, decodeError, splitMessages, withSequence, type NlMessage } from './codec.js';

export class NetlinkRequestSocket {
  private seq = 1;
  private constructor(private readonly native: NativeBinding, private readonly fd: number) {}

  /** @throws Error when the socket cannot be opened (no addon, no such netlink family). */
  static open(protocol: number): NetlinkRequestSocket {
    const native = loadNative();
    const fd = native.socket(AF_NETLINK, SOCK_RAW, protocol);
    if (fd < 0) throw new Error(`netlink socket: errno ${-fd}`);
    const r = native.bind(fd, encodeSockaddrNl({}));
    if (r < 0) {
      native.close(fd);
      throw new Error(`netlink bind: errno ${-r}`);
    }
    return new NetlinkRequestSocket(native, fd);
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

