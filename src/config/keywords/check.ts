/**
 * The checker blocks allowed inside `real_server` (keepalived 2.2.7 check_api.c
 * install_checkers_keyword order): MISC_CHECK, SMTP_CHECK, TCP_CHECK, PING_CHECK,
 * UDP_CHECK, HTTP_GET, SSL_GET, DNS_CHECK, FILE_CHECK, BFD_CHECK. The simple ones (TCP,
 * PING, UDP, DNS) live here; the others have files of their own.
 */
import type { Keyword } from '../interpreter.js';
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readUnsigned } from '../values.js';
import type { DnsQueryType } from '../model/lvs.js';
import { currentChecker, type CheckerDraft } from './lvs_draft.js';
import { commonCheckerKeywords, dropIfConnectionUnusable, queueChecker } from './check_common.js';
import { httpGetKeyword, sslGetKeyword } from './check_http.js';
import { smtpCheckKeyword } from './check_smtp.js';
import { miscCheckKeyword } from './check_misc.js';
import { bfdCheckKeyword, fileCheckKeyword } from './check_track.js';
import type { Ctx, Handler } from './lvs_values.js';

type K = Keyword<ConfigDraft>;
type UdpSpec = Extract<CheckerDraft['spec'], { type: 'UDP_CHECK' }>;
type DnsSpec = Extract<CheckerDraft['spec'], { type: 'DNS_CHECK' }>;

const tcpCheckKeyword: K = {
  name: 'TCP_CHECK',
  handler: (_words, ctx) => void queueChecker(ctx, { type: 'TCP_CHECK' }, { withConnection: true }),
  onClose: (ctx) => void dropIfConnectionUnusable(ctx),
  sub: keywordTable<ConfigDraft>(commonCheckerKeywords(true)),
};

const pingCheckKeyword: K = {
  name: 'PING_CHECK',
  handler: (_words, ctx) =>
    void queueChecker(ctx, { type: 'PING_CHECK' }, { withConnection: true }),
  onClose: (ctx) => void dropIfConnectionUnusable(ctx),
  sub: keywordTable<ConfigDraft>(commonCheckerKeywords(true)),
};

// ---------------------------------------------------------------------------------------
// UDP_CHECK

function hexValue(c: string, allowWildcard: boolean): number {
  if (/^[0-9a-fA-F]$/.test(c)) return parseInt(c, 16);
  if (allowWildcard && (c === 'x' || c === 'X')) return 0xfe;
  return 0xff;
}

/**
 * parser.c read_hex_str(): hex digits in pairs, blanks between pairs allowed, a single
 * digit before a blank is a byte of its own; `x` nibbles are wildcards when a mask is
 * wanted. Undefined when invalid or empty.
 *
 * keepalived-compat: its "invalid digit" marker is the value 0xff, and it tests the last
 * value read after the loop, so a string whose last byte is 0xff is refused too.
 */
export function readHexString(
  text: string,
  withMask: boolean,
): { data: number[]; mask: number[] } | undefined {
  const data: number[] = [];
  const mask: number[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    let v = hexValue(text[i++] ?? '', withMask);
    if (v === 0xff) return undefined;
    let m = v === 0xfe ? 0x0f : 0;
    if (v === 0xfe) v = 0;
    if (i < text.length && text[i] !== ' ') {
      let v2 = hexValue(text[i++] ?? '', withMask);
      if (v2 === 0xff) return undefined;
      m <<= 4;
      if (v2 === 0xfe) {
        m |= 0x0f;
        v2 = 0;
      }
      v = (v << 4) | v2;
    }
    data.push(v);
    mask.push(m);
  }
  if (data.length === 0 || data[data.length - 1] === 0xff) return undefined;
  return { data, mask };
}

function toHex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

function udpSpec(ctx: Ctx): UdpSpec | undefined {
  const spec = currentChecker(ctx.state.lvs)?.spec;
  return spec?.type === 'UDP_CHECK' ? spec : undefined;
}

function onUdp(apply: (spec: UdpSpec, words: readonly string[], ctx: Ctx) => void): Handler {
  return (words, ctx) => {
    const spec = udpSpec(ctx);
    if (spec !== undefined) apply(spec, words, ctx);
  };
}

function replyLength(which: 'minReplyLength' | 'maxReplyLength', what: string): Handler {
  return onUdp((spec, words, ctx) => {
    const text = ctx.word(words, 1);
    const len = readUnsigned(ctx, text, 0, 65535);
    if (len === undefined) {
      ctx.report(
        'general_error',
        'udp_length_invalid',
        `UDP_CHECK ${what} length ${text} not valid - must be between 0 & 65535`,
      );
      return;
    }
    spec[which] = len;
  });
}

const udpKeywords: readonly K[] = [
  {
    name: 'payload',
    handler: onUdp((spec, words, ctx) => {
      if (words.length === 1) {
        ctx.report('general_error', 'udp_payload_missing', 'UDP_CHECK payload requires a payload');
        return;
      }
      const hex = readHexString(words.slice(1).join(' '), false);
      if (hex === undefined) {
        ctx.report(
          'general_error',
          'udp_payload_invalid',
          'Invalid hex string for UDP_CHECK payload',
        );
        return;
      }
      spec.payloadHex = toHex(hex.data);
    }),
  },
  {
    name: 'require_reply',
    handler: onUdp((spec, words, ctx) => {
      spec.requireReply = true;
      if (words.length === 1) return;
      const hex = readHexString(words.slice(1).join(' '), true);
      if (hex === undefined) {
        ctx.report('general_error', 'udp_reply_invalid', 'Invalid hex string for UDP_CHECK reply');
        return;
      }
      spec.replyHex = toHex(hex.data);
      spec.replyMaskHex = hex.mask.some((m) => m !== 0) ? toHex(hex.mask) : undefined;
    }),
  },
  { name: 'min_reply_length', handler: replyLength('minReplyLength', 'min') },
  { name: 'max_reply_length', handler: replyLength('maxReplyLength', 'max') },
];

const udpCheckKeyword: K = {
  name: 'UDP_CHECK',
  handler: (_words, ctx) => {
    const spec: UdpSpec = {
      type: 'UDP_CHECK',
      payloadHex: undefined,
      requireReply: false,
      replyHex: undefined,
      replyMaskHex: undefined,
      minReplyLength: 0,
      maxReplyLength: 255,
    };
    queueChecker(ctx, spec, { withConnection: true });
  },
  onClose: (ctx) => {
    const spec = udpSpec(ctx);
    if (dropIfConnectionUnusable(ctx) || spec === undefined) return;
    if (spec.minReplyLength > spec.maxReplyLength) {
      ctx.report(
        'general_error',
        'udp_length_order',
        `UDP_CHECK min_reply length ${spec.minReplyLength} > ` +
          `max_reply_length ${spec.maxReplyLength} - will always fail`,
      );
    }
  },
  sub: keywordTable<ConfigDraft>([...commonCheckerKeywords(true), ...udpKeywords]),
};

// ---------------------------------------------------------------------------------------
// DNS_CHECK

const DNS_TYPES: readonly DnsQueryType[] = [
  'A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY',
];

/**
 * check_dns.c dns_name_handler's empty-label test, quirks included: it also looks at the
 * character after the first one, so a one-letter first label ("a.example") is refused.
 */
export function dnsNameHasEmptyLabel(name: string): boolean {
  if (name.startsWith('.') && name.length > 1) return true;
  for (let p = 0; p >= 0; p = name.indexOf('.', p + 1)) {
    if (name[p + 1] === '.') return true;
  }
  return false;
}

function dnsSpec(ctx: Ctx): DnsSpec | undefined {
  const spec = currentChecker(ctx.state.lvs)?.spec;
  return spec?.type === 'DNS_CHECK' ? spec : undefined;
}

const dnsKeywords: readonly K[] = [
  {
    name: 'type',
    handler: (words, ctx) => {
      const spec = dnsSpec(ctx);
      if (spec === undefined) return;
      const text = ctx.word(words, 1);
      const type = DNS_TYPES.find((t) => t === text.toUpperCase());
      if (type === undefined) {
        ctx.report(
          'general_error',
          'dns_type_unknown',
          `Unknown DNS check type ${text} - ignoring`,
        );
        return;
      }
      spec.queryType = type;
    },
  },
  {
    name: 'name',
    handler: (words, ctx) => {
      const spec = dnsSpec(ctx);
      if (spec === undefined) return;
      if (spec.name !== undefined) {
        ctx.report(
          'general_error',
          'dns_name_duplicate',
          'DNS_CHECK name already specified - ignoring',
        );
        return;
      }
      const name = ctx.word(words, 1);
      if (dnsNameHasEmptyLabel(name)) {
        ctx.report(
          'general_error',
          'dns_name_invalid',
          `DNS_CHECK name '${name}' has empty label - ignoring`,
        );
        return;
      }
      spec.name = name;
    },
  },
];

const dnsCheckKeyword: K = {
  name: 'DNS_CHECK',
  handler: (_words, ctx) => {
    const spec: DnsSpec = { type: 'DNS_CHECK', queryType: 'SOA', name: undefined };
    // keepalived-compat: check_dns.c: retry 3, and delay_before_retry 0 = the delay loop.
    queueChecker(ctx, spec, {
      withConnection: true,
      defaultRetry: 3,
      defaultDelayBeforeRetryUs: 0,
    });
  },
  onClose: (ctx) => {
    const spec = dnsSpec(ctx);
    if (dropIfConnectionUnusable(ctx) || spec === undefined) return;
    spec.name ??= '';
  },
  sub: keywordTable<ConfigDraft>([...commonCheckerKeywords(true), ...dnsKeywords]),
};

/** The checker keywords of a real_server block, in keepalived's order. */
export const checkerKeywords: readonly K[] = [
  miscCheckKeyword,
  smtpCheckKeyword,
  tcpCheckKeyword,
  pingCheckKeyword,
  udpCheckKeyword,
  httpGetKeyword,
  sslGetKeyword,
  dnsCheckKeyword,
  fileCheckKeyword,
  bfdCheckKeyword,
];

