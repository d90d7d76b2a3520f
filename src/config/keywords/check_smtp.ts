/**
 * SMTP_CHECK (keepalived 2.2.7 check/check_smtp.c), including the deprecated `host { }`
 * blocks, which keepalived turns into extra checkers when the block closes.
 */
import type { Keyword } from '../interpreter.js';
import { keywordTable } from '../interpreter.js';
import type { ConfigDraft } from '../draft.js';
import {
  currentChecker,
  dequeueChecker,
  type CheckerDraft,
  type ConnectionDraft,
} from './lvs_draft.js';
import {
  commonCheckerKeywords,
  connectionToRealServer,
  connectionUsable,
  queueChecker,
} from './check_common.js';
import type { Ctx } from './lvs_values.js';

type K = Keyword<ConfigDraft>;

/** SMTP_DEFAULT_HELO. */
export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';

function smtpChecker(ctx: Ctx): CheckerDraft | undefined {
  const checker = currentChecker(ctx.state.lvs);
  return checker?.spec.type === 'SMTP_CHECK' ? checker : undefined;
}

function smtpStart(_words: readonly string[], ctx: Ctx): void {
  const spec = { type: 'SMTP_CHECK', heloName: undefined } as const;
  const checker = queueChecker(ctx, { ...spec }, { withConnection: true });
  // keepalived-compat: check_smtp.c clears the destination so that it can tell at the end
  // whether any connection option was given.
  if (checker?.connection !== undefined) {
    checker.connection.destination = undefined;
    checker.connection.destinationPort = 0;
  }
}

function hostStart(_words: readonly string[], ctx: Ctx): void {
  const checker = smtpChecker(ctx);
  if (checker === undefined) return;
  ctx.state.lvs.smtpSavedConnection = checker.connection;
  // keepalived-compat: the host's options are zero-allocated, so its connect_timeout is
  // 0 s, not "inherit", unless the host block sets one.
  checker.connection = { ...connectionToRealServer(ctx), connectTimeoutUs: 0 };
}

function hostEnd(ctx: Ctx): void {
  const checker = smtpChecker(ctx);
  const lvs = ctx.state.lvs;
  if (checker === undefined) return;
  const conn = checker.connection;
  if (conn !== undefined && connectionUsable(ctx, conn)) lvs.smtpHosts.push(conn);
  checker.connection = lvs.smtpSavedConnection;
  lvs.smtpSavedConnection = undefined;
}

function anyConnectionOption(conn: ConnectionDraft): boolean {
  return (
    conn.destination !== undefined ||
    conn.destinationPort !== 0 ||
    conn.bindTo !== undefined ||
    conn.bindPort !== 0 ||
    conn.bindInterface !== undefined ||
    conn.fwmark !== 0 ||
    conn.connectTimeoutUs !== undefined
  );
}

/** A copy of the checker (its settings as they are now) aimed at one host entry. */
function queueHostChecker(ctx: Ctx, main: CheckerDraft, conn: ConnectionDraft): void {
  const lvs = ctx.state.lvs;
  const seq = lvs.nextSeq++;
  const copy: CheckerDraft = { ...main, seq, connection: conn, spec: { ...main.spec } };
  lvs.checkerQueue.push(copy);
  main.rs.checkers.push(copy);
}

/** check_smtp.c smtp_check_end_handler(). */
function smtpEnd(ctx: Ctx): void {
  const lvs = ctx.state.lvs;
  const checker = smtpChecker(ctx);
  if (checker === undefined || checker.spec.type !== 'SMTP_CHECK') return;
  checker.spec.heloName ??= SMTP_DEFAULT_HELO;
  if (lvs.smtpHosts.length > 0) {
    ctx.notice(
      'smtp_host_deprecated',
      'The SMTP_CHECK host block is deprecated. Please define additional checkers.',
    );
  }
  const own = checker.connection;
  if (own === undefined) return;
  if (anyConnectionOption(own) || lvs.smtpHosts.length === 0) {
    const rs = checker.rs;
    own.destination ??= { family: rs.address.family, address: rs.address.address };
    if (own.destinationPort === 0) own.destinationPort = rs.address.port;
    // keepalived-compat: on failure the host entries stay queued for the next SMTP_CHECK.
    if (!connectionUsable(ctx, own)) {
      dequeueChecker(lvs);
      return;
    }
  } else {
    checker.connection = lvs.smtpHosts.shift();
  }
  const timeoutUs = checker.rs.connectTimeoutUs ?? checker.rs.vs.connectTimeoutUs;
  if (checker.connection !== undefined) checker.connection.connectTimeoutUs ??= timeoutUs;
  const hosts = lvs.smtpHosts.splice(0);
  for (const host of hosts) queueHostChecker(ctx, checker, host);
  if ([checker.connection, ...hosts].some((c) => c?.connectTimeoutUs === 0)) {
    ctx.notice(
      'smtp_host_zero_timeout',
      'SMTP_CHECK host entry without connect_timeout: keepalived 2.2.7 gives it a 0 s timeout',
    );
  }
}

export const smtpCheckKeyword: K = {
  name: 'SMTP_CHECK',
  handler: smtpStart,
  onClose: smtpEnd,
  sub: keywordTable<ConfigDraft>([
    {
      name: 'helo_name',
      handler: (words, ctx) => {
        const checker = smtpChecker(ctx);
        if (checker === undefined || checker.spec.type !== 'SMTP_CHECK') return;
        const name = words[1];
        if (name === undefined) {
          ctx.report('general_error', 'smtp_helo_missing', 'SMTP_CHECK helo name missing');
          return;
        }
        checker.spec.heloName = name;
      },
    },
    ...commonCheckerKeywords(true),
    {
      name: 'host',
      handler: hostStart,
      onClose: hostEnd,
      sub: keywordTable<ConfigDraft>(commonCheckerKeywords(true)),
    },
  ]),
};
