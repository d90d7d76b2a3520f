/**
 * IPVS generic-netlink bytes against layouts derived by hand from linux/ip_vs.h,
 * linux/genetlink.h and libipvs (ipvs_nl_fill_service_attr / ipvs_nl_fill_dest_attr).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitMessages, type NlMessage } from '../../../src/net/netlink/codec.js';
import {
  IPVS_CMD_NEW_DEST, IPVS_CMD_SET_DEST, decodeDest, decodeFamilyId, decodeService, encodeDelService, encodeDest,
  encodeGetDests, encodeGetFamily, encodeGetServices, encodeNewService,
} from '../../../src/lvs/ipvs_codec.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const FAMILY = 0x22;

test('CTRL_CMD_GETFAMILY "IPVS"', () => {
  assert.equal(
    hex(encodeGetFamily(1)),
    '20000000' + '1000' + '0500' + '01000000' + '00000000' + // nlmsghdr: len 32, GENL_ID_CTRL, REQUEST|ACK, seq 1
      '03010000' + // genlmsghdr: CTRL_CMD_GETFAMILY, version 1
      '0900' + '0200' + '49505653' + '00' + '000000', // CTRL_ATTR_FAMILY_NAME "IPVS\0" + pad
  );
  // A reply carrying CTRL_ATTR_FAMILY_ID = 0x22.
  const reply = bytes('1c000000 1000 0000 01000000 00000000 01020000 0600 0100 2200 0000 0800 0200 4950 5600');
  const m = splitMessages(reply).messages[0] as NlMessage;
  assert.equal(decodeFamilyId(m), 0x22);
});

const tcpSvc = { kind: 'address', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
const SVC_ATTRS =
  '0600 0100 0200 0000' + // IPVS_SVC_ATTR_AF = AF_INET (u16) + pad
  '0600 0200 0600 0000' + // PROTOCOL = IPPROTO_TCP
  '1400 0300 0a000001 000000000000000000000000' + // ADDR: nf_inet_addr, 16 bytes
  '0600 0400 0050 0000' + // PORT: be16 80
  '0800 0600 77727200' + // SCHED_NAME "wrr\0"
  '0c00 0700 01000000 ffffffff' + // FLAGS {IP_VS_SVC_F_PERSISTENT, mask ~0}
  '0800 0800 2c010000' + // TIMEOUT 300
  '0800 0900 ffffffff'; // NETMASK 255.255.255.255 (be32)

test('IPVS_CMD_NEW_SERVICE tcp 10.0.0.1:80 wrr persistent 300', () => {
  const want = '68000000 2200 0500 07000000 00000000' + '01010000' + '5400 0100' + SVC_ATTRS;
  assert.equal(hex(encodeNewService(FAMILY, 7, { key: tcpSvc, scheduler: 'wrr', persistenceTimeoutS: 300 })), want.replace(/\s+/g, ''));
});

test('IPVS_CMD_NEW_SERVICE fwmark 5 (IPv6): AF, FWMARK, no address; netmask is the prefix length', () => {
  const got = hex(encodeNewService(FAMILY, 1, { key: { kind: 'fwmark', family: 6, fwmark: 5 }, scheduler: 'rr', persistenceTimeoutS: 0 }));
  const want =
    '4c000000 2200 0500 01000000 00000000 01010000' + '3800 0100' + // 16 + 4 + nested 56
    '0600 0100 0a00 0000' + '0800 0500 05000000' + '0700 0600 72720000' + '0c00 0700 00000000 ffffffff' +
    '0800 0800 00000000' + '0800 0900 80000000';
  assert.equal(got, want.replace(/\s+/g, ''));
});

test('IPVS_CMD_DEL_SERVICE carries the identity only', () => {
  const want = '44000000 2200 0500 02000000 00000000 03010000 3000 0100' + // 16 + 4 + nested 48
    '0600 0100 0200 0000 0600 0200 0600 0000 1400 0300 0a000001 000000000000000000000000 0600 0400 0050 0000';
  assert.equal(hex(encodeDelService(FAMILY, 2, tcpSvc)), want.replace(/\s+/g, ''));
});

test('IPVS_CMD_NEW_DEST 10.0.0.2:8080 DR weight 3 and SET_DEST', () => {
  const dst = { family: 4, address: '10.0.0.2', port: 8080, weight: 3, forwarding: 'DR' } as const;
  const destAttrs =
    '1400 0100 0a000002 000000000000000000000000' + // ADDR
    '0600 0200 1f90 0000' + // PORT be16 8080
    '0800 0300 03000000' + // FWD_METHOD IP_VS_CONN_F_DROUTE
    '0800 0400 03000000' + // WEIGHT 3
    '0800 0500 00000000' + '0800 0600 00000000' + // U_THRESH, L_THRESH
    '0600 0b00 0200 0000'; // ADDR_FAMILY AF_INET
  const svcId = '0600 0100 0200 0000 0600 0200 0600 0000 1400 0300 0a000001 000000000000000000000000 0600 0400 0050 0000';
  const want = (cmd: string) => `8c000000 2200 0500 03000000 00000000 ${cmd}010000 3000 0100 ${svcId} 4800 0200 ${destAttrs}`.replace(/\s+/g, '');
  assert.equal(hex(encodeDest(FAMILY, 3, IPVS_CMD_NEW_DEST, tcpSvc, dst)), want('05'));
  assert.equal(hex(encodeDest(FAMILY, 3, IPVS_CMD_SET_DEST, tcpSvc, dst)), want('06'));
});

test('dumps: GET_SERVICE has NLM_F_DUMP and no attributes; GET_DEST names the service', () => {
  assert.equal(hex(encodeGetServices(FAMILY, 9)), '14000000' + '2200' + '0103' + '09000000' + '00000000' + '04010000');
  assert.match(hex(encodeGetDests(FAMILY, 9, tcpSvc)), /^440000002200010309000000000000000801000030000100/);
});

test('decode: a service and a destination as the kernel dumps them', () => {
  const svcMsg = bytes('68000000 2200 0200 07000000 00000000 01010000 5400 0100' + SVC_ATTRS);
  const s = decodeService(splitMessages(svcMsg).messages[0] as NlMessage);
  assert.deepEqual(s, { key: tcpSvc, scheduler: 'wrr', persistenceTimeoutS: 300 });
  const d6 = bytes(
    '54000000 2200 0200 01000000 00000000 05010000 4000 0200' +
    '1400 0100 fd000000000000000000000000000002' + '0600 0200 0035 0000' + '0800 0300 00000000' +
    '0800 0400 05000000' + '0800 0700 04000000' + '0800 0800 09000000',
  );
  assert.deepEqual(decodeDest(splitMessages(d6).messages[0] as NlMessage, 6), {
    family: 6, address: 'fd00::2', port: 53, weight: 5, forwarding: 'NAT', activeConns: 4, inactiveConns: 9,
  });
});
