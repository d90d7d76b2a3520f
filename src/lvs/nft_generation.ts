/**
 * nf_tables' ruleset generation (pure codec). The kernel counts every committed nftables
 * transaction (NFT_MSG_GETGEN → NFT_MSG_NEWGEN with NFTA_GEN_ID, linux/netfilter/nf_tables.h),
 * so an unchanged generation means an unchanged ruleset. The repair pass uses it to skip
 * `nft -j list table` (the costliest part of the checker's idle work at 5,000 real servers,
 * bench/RESULTS.md) when nobody, us included, has committed anything since the last listing.
 */
import { NLM_F_ACK, NLM_F_REQUEST, type NlMessage } from '../net/netlink/codec.js';

export const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_NEWGEN = 15;
const NFT_MSG_GETGEN = 16;
const NFTA_GEN_ID = 1;
const NLMSG_HDRLEN = 16;
/** struct nfgenmsg: family, version, res_id (big endian). */
const NFGENMSG_LEN = 4;

/** The GETGEN request (sequence 0; the socket sets its own). */
export function encodeNftGetGeneration(): Uint8Array {
  const out = new Uint8Array(NLMSG_HDRLEN + NFGENMSG_LEN);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length, true);
  dv.setUint16(4, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN, true);
  dv.setUint16(6, NLM_F_REQUEST | NLM_F_ACK, true);
  // nfgenmsg: AF_UNSPEC, NFNETLINK_V0, res_id 0 — all zero.
  return out;
}

/** NFTA_GEN_ID of a NEWGEN reply; undefined for anything else or a truncated message. */
export function decodeNftGenerationId(m: NlMessage): number | undefined {
  if (m.type !== ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN)) return undefined;
  const p = m.payload;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let at = NFGENMSG_LEN;
  while (at + 4 <= p.length) {
    const len = dv.getUint16(at, true);
    const type = dv.getUint16(at + 2, true) & 0x3fff;
    if (len < 4 || at + len > p.length) return undefined;
    if (type === NFTA_GEN_ID && len >= 8) return dv.getUint32(at + 4, false);
    at += (len + 3) & ~3;
  }
  return undefined;
}
