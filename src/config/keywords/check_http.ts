/**
 * HTTP_GET / SSL_GET blocks and their `url { path digest status_code virtualhost regex* }`
 * sub-blocks (keepalived 2.2.7 check/check_http.c, built with REGEX and SNI support as
 * Debian's package is).
 */
import type { Keyword } from '../interpreter.js';
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import { readUnsigned } from '../values.js';
import { currentChecker, dequeueChecker, type CheckerDraft, type UrlDraft } from './lvs_draft.js';
import { commonCheckerKeywords, connectionUsable, queueChecker } from './check_common.js';
import { strtoul } from './lvs_address.js';
import {
  crashLikeKeepalived,
  keepRaw,
  readFlag,
  splitLineOrCrash,
  UINT_MAX,
  US_PER_S,
  type Ctx,
  type Handler,
} from './lvs_values.js';

type K = Keyword<ConfigDraft>;
type HttpSpec = Extract<CheckerDraft['spec'], { type: 'HTTP_GET' | 'SSL_GET' }>;

const STATUS_MIN = 100;
const STATUS_MAX = 599;
const DIGEST_BYTES = 16;
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;
const HEX_DIGEST = /^[0-9a-fA-F]{32}$/;

/** PCRE2 option names keepalived accepts in `regex_options`. */
export const REGEX_OPTION_NAMES: ReadonlySet<string> = new Set([
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall',
  'dupnames', 'extended', 'firstline', 'match_unset_backref', 'multiline', 'never_ucp',
  'never_utf', 'no_auto_capture', 'no_auto_possess', 'no_dotstar_anchor', 'no_start_optimize',
  'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex', 'alt_verbnames', 'use_offset_limit',
]);

function httpSpec(ctx: Ctx): HttpSpec | undefined {
  const spec = currentChecker(ctx.state.lvs)?.spec;
  if (spec === undefined) return undefined;
  return spec.type === 'HTTP_GET' || spec.type === 'SSL_GET' ? spec : undefined;
}

function currentUrl(ctx: Ctx): UrlDraft | undefined {
  const urls = httpSpec(ctx)?.urls;
  return urls?.[urls.length - 1];
}

function onSpec(apply: (spec: HttpSpec, words: readonly string[], ctx: Ctx) => void): Handler {
  return (words, ctx) => {
    const spec = httpSpec(ctx);
    if (spec !== undefined) apply(spec, words, ctx);
  };
}

function onUrl(apply: (url: UrlDraft, words: readonly string[], ctx: Ctx) => void): Handler {
  return (words, ctx) => {
    const url = currentUrl(ctx);
    if (url !== undefined) apply(url, words, ctx);
  };
}

/**
 * One byte of a digest as keepalived reads it: strtoul(two chars, 16) must consume both
 * characters (so a blank or a sign in front of one hex digit passes, as in C).
 */
function digestByte(pair: string): number | undefined {
  if (HEX_PAIR.test(pair)) return parseInt(pair, 16);
  const { value, rest } = strtoul(pair, 16);
  if (rest !== '' || pair === '') return undefined;
  const negative = /^[ \t\n\v\f\r]*-/.test(pair);
  const magnitude = parseInt(pair.replace(/^[ \t\n\v\f\r]*[+-]?/, ''), 16);
  return negative ? (256 - (magnitude % 256)) % 256 : value % 256;
}

function digestHandler(url: UrlDraft, words: readonly string[], ctx: Ctx): void {
  const digest = ctx.word(words, 1);
  if (url.digest !== undefined) {
    ctx.report('general_error', 'http_digest_duplicate', `Digest '${digest}' is a duplicate`);
    return;
  }
  if (digest.length !== 2 * DIGEST_BYTES) {
    ctx.report(
      'general_error',
      'http_digest_length',
      `digest '${digest}' character length should be ${2 * DIGEST_BYTES} ` +
        `rather than ${digest.length}`,
    );
    return;
  }
  if (HEX_DIGEST.test(digest)) {
    url.digest = digest.toLowerCase();
    return;
  }
  const bytes = new Array<number>(DIGEST_BYTES).fill(0);
  // keepalived-compat: check_http.c digest_handler reads the pairs from the last one back,
  // cutting the string as it goes, so the message shows the digest up to the bad pair.
  for (let i = DIGEST_BYTES - 1; i >= 0; i--) {
    const b = digestByte(digest.slice(2 * i, 2 * i + 2));
    if (b === undefined) {
      ctx.report(
        'general_error',
        'http_digest_hex',
        `Unable to interpret hex digit in '${digest.slice(0, 2 * i + 2)}' ` +
          `at offset ${2 * i}/${2 * i + 1}`,
      );
      return;
    }
    bytes[i] = b;
  }
  url.digest = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** `NNN` or `NNN-NNN`, the usual forms, read without the general strtoul emulation. */
const PLAIN_STATUS = /^(\d{3})(?:-(\d{3}))?$/;

function statusCodeHandler(url: UrlDraft, words: readonly string[], ctx: Ctx): void {
  for (const text of words.slice(1)) {
    const plain = PLAIN_STATUS.exec(text);
    if (plain !== null) {
      const min = Number(plain[1]);
      const max = plain[2] === undefined ? min : Number(plain[2]);
      if (min >= STATUS_MIN && max <= STATUS_MAX && min <= max) {
        url.statusCodes.push({ min, max });
        continue;
      }
    }
    const first = strtoul(text, 10);
    const min = first.value;
    let max = min;
    let rest = first.rest;
    if (rest.startsWith('-')) {
      const second = strtoul(rest.slice(1), 10);
      max = second.value;
      rest = second.rest;
    }
    if (rest !== '' || min < STATUS_MIN || max > STATUS_MAX || max < STATUS_MIN || min > max) {
      ctx.report('general_error', 'http_status_code', `Invalid HTTP_GET status code '${text}'`);
      continue;
    }
    url.statusCodes.push({ min, max });
  }
}

/** `regex_min_offset` / `regex_max_offset`: problems are only logged by keepalived. */
function regexOffset(ctx: Ctx, words: readonly string[], which: string): number {
  if (words.length !== 2) {
    ctx.notice('regex_offset', `Missing or too may options for regex_${which}_offset`);
    return 0;
  }
  const text = words[1] ?? '';
  const { value, rest } = strtoul(text, 10);
  if (rest !== '') {
    ctx.notice('regex_offset', `Invalid regex_${which}_offset ${text} specified`);
    return 0;
  }
  return value;
}

const urlKeywords: readonly K[] = [
  { name: 'path', handler: onUrl((url, words, ctx) => void (url.path = ctx.word(words, 1))) },
  { name: 'digest', handler: onUrl(digestHandler) },
  { name: 'status_code', handler: onUrl(statusCodeHandler) },
  {
    name: 'virtualhost',
    handler: onUrl((url, words, ctx) => {
      const v = words[1];
      if (v !== undefined) url.virtualhost = v;
      else ctx.report('general_error', 'virtualhost_missing', 'Missing HTTP_GET virtualhost name');
    }),
  },
  {
    name: 'regex',
    handler: (words, ctx) => {
      const split = splitLineOrCrash(ctx, words);
      if (split.length !== 2) {
        ctx.notice('regex_invalid', 'regex missing or too many fields');
        return;
      }
      ctx.state.lvs.pendingRegex = split[1];
    },
  },
  { name: 'regex_no_match', handler: onUrl((url) => void (url.regexNoMatch = true)) },
  {
    name: 'regex_options',
    handler: onUrl((url, words) => {
      for (const w of words.slice(1)) {
        if (REGEX_OPTION_NAMES.has(w) && !url.regexOptions.includes(w)) url.regexOptions.push(w);
      }
    }),
  },
  {
    name: 'regex_min_offset',
    handler: onUrl((url, words, ctx) => void (url.regexMinOffset = regexOffset(ctx, words, 'min'))),
  },
  {
    name: 'regex_max_offset',
    // keepalived stores one past the last acceptable offset (so an error gives 1).
    handler: onUrl((url, words, ctx) => {
      url.regexMaxOffsetExclusive = regexOffset(ctx, words, 'max') + 1;
    }),
  },
  {
    name: 'regex_stack',
    handler: onUrl((url, words, ctx) => {
      // keepalived only sizes its PCRE2 JIT stack with these; we keep the line, unused.
      url.regexUseStack = true;
      keepRaw(ctx, words, url.raw);
    }),
  },
];

/** check_http.c url_check(): the end of a url block. */
function urlEnd(ctx: Ctx): void {
  const spec = httpSpec(ctx);
  const url = currentUrl(ctx);
  if (spec === undefined || url === undefined) return;
  if (url.path === undefined) {
    ctx.report(
      'general_error',
      'http_url_no_path',
      'HTTP/SSL_GET checker url has no path - ignoring',
    );
    spec.urls.pop();
    return;
  }
  if (url.statusCodes.length === 0) url.statusCodes.push({ min: 200, max: 299 });
  const lvs = ctx.state.lvs;
  if (lvs.pendingRegex !== undefined) {
    url.regexPattern = lvs.pendingRegex;
    lvs.pendingRegex = undefined;
  } else if (
    url.regexOptions.length > 0 || url.regexNoMatch || url.regexMinOffset !== 0 ||
    url.regexMaxOffsetExclusive !== 0 || url.regexUseStack
  ) {
    ctx.notice('regex_without_regex', 'regex parameters specified without regex');
    url.regexOptions = [];
    url.regexNoMatch = false;
    url.regexMinOffset = 0;
    url.regexMaxOffsetExclusive = 0;
    url.regexUseStack = false;
  }
  if (url.regexMaxOffsetExclusive !== 0 && url.regexMinOffset >= url.regexMaxOffsetExclusive) {
    ctx.notice(
      'regex_offsets',
      `regex min offset ${url.regexMinOffset} > ` +
        `regex_max_offset ${url.regexMaxOffsetExclusive - 1} - ignoring`,
    );
    url.regexMinOffset = 0;
    url.regexMaxOffsetExclusive = 0;
  }
}

/** check_http.c http_get_check_end(). */
function httpEnd(ctx: Ctx): void {
  const lvs = ctx.state.lvs;
  const spec = httpSpec(ctx);
  if (spec === undefined) return;
  if (spec.urls.length === 0) {
    ctx.report(
      'general_error',
      'http_no_urls',
      'HTTP/SSL_GET checker has no urls specified - ignoring',
    );
    dequeueChecker(lvs);
  }
  // keepalived-compat: the connection check that follows looks at whatever checker is now
  // last in the queue; with none, or one without connection options, keepalived crashes.
  const conn = currentChecker(lvs)?.connection;
  if (conn === undefined) {
    crashLikeKeepalived(ctx, 'an HTTP/SSL_GET checker without urls follows no connection checker');
  }
  if (!connectionUsable(ctx, conn)) dequeueChecker(lvs);
}

function newUrl(ctx: Ctx): UrlDraft {
  return {
    at: ctx.at,
    path: undefined,
    digest: undefined,
    statusCodes: [],
    virtualhost: undefined,
    regexPattern: undefined,
    regexOptions: [],
    regexNoMatch: false,
    regexMinOffset: 0,
    regexMaxOffsetExclusive: 0,
    regexUseStack: false,
    raw: [],
  };
}

const httpOptionKeywords: readonly K[] = [
  {
    name: 'nb_get_retry',
    handler: (words, ctx) => {
      const checker = currentChecker(ctx.state.lvs);
      ctx.report(
        'general_error',
        'nb_get_retry_deprecated',
        "nb_get_retry is deprecated - please use 'retry'",
      );
      const text = ctx.word(words, 1);
      const retry = readUnsigned(ctx, text, 0, UINT_MAX);
      if (retry === undefined) {
        ctx.report('general_error', 'nb_get_retry_invalid', `Invalid nb_get_retry value '${text}'`);
        return;
      }
      if (checker !== undefined) checker.retry = retry;
    },
  },
  {
    name: 'virtualhost',
    handler: onSpec((spec, words, ctx) => {
      const v = words[1];
      if (v !== undefined) spec.virtualhost = v;
      else ctx.report('general_error', 'virtualhost_missing', 'HTTP_GET virtualhost name missing');
    }),
  },
  {
    name: 'http_protocol',
    handler: onSpec((spec, words, ctx) => {
      const v = words[1];
      if (v === undefined) {
        ctx.report('general_error', 'http_protocol_missing', 'Missing http_protocol version');
        return;
      }
      if (v === '1.0' || v === '1.1') spec.httpProtocol = v;
      else if (v === '1.0C' || v === '1.0c') spec.httpProtocol = '1.0C';
      else {
        ctx.report('general_error', 'http_protocol_invalid', `Invalid http_protocol version ${v}`);
      }
    }),
  },
  {
    name: 'enable_sni',
    handler: onSpec((spec, words, ctx) => {
      const b = readFlag(ctx, words, 'Invalid enable_sni parameter');
      if (b !== undefined) spec.enableSni = b;
    }),
  },
  {
    name: 'fast_recovery',
    handler: onSpec((spec, words, ctx) => {
      const b = readFlag(ctx, words, 'Invalid fast_recovery parameter');
      if (b !== undefined) spec.fastRecovery = b;
    }),
  },
  {
    name: 'url',
    handler: onSpec((spec, _words, ctx) => void spec.urls.push(newUrl(ctx))),
    onClose: urlEnd,
    sub: keywordTable<ConfigDraft>(urlKeywords),
  },
];

function httpKeyword(type: 'HTTP_GET' | 'SSL_GET'): K {
  return {
    name: type,
    handler: (_words, ctx) => {
      const spec: HttpSpec = {
        type,
        virtualhost: undefined,
        httpProtocol: '1.0',
        enableSni: false,
        fastRecovery: false,
        urls: [],
      };
      if (type === 'SSL_GET') ctx.state.lvs.sslRequired = true;
      queueChecker(ctx, spec, { withConnection: true, defaultDelayBeforeRetryUs: 3 * US_PER_S });
    },
    onClose: httpEnd,
    sub: keywordTable<ConfigDraft>([...commonCheckerKeywords(true), ...httpOptionKeywords]),
  };
}

export const httpGetKeyword: K = httpKeyword('HTTP_GET');
export const sslGetKeyword: K = httpKeyword('SSL_GET');
