/**
 * The resolved LVS / health-checker configuration: what keepalived 2.2.7's check_data and
 * checkers_queue hold after parsing and validate_check_config(), with every default and
 * every inheritance (virtual server → real server → checker) already applied, so the
 * checker runtime never has to know keepalived's "unset" sentinels.
 *
 * Plain, immutable, JSON-serialisable data (printed by `--dump-config`): addresses are
 * canonical text with an explicit family, times carry their unit in the name, and every
 * virtual server, real server and checker carries the location it was configured at.
 */
import type { SourceLocation } from '../diagnostics.js';
import type { ScriptCommand } from '../script.js';

export type LvsIpFamily = 4 | 6;

/** IPVS service protocol (`protocol`); keepalived prints `none` when there is none. */
export type LvsProtocol = 'tcp' | 'udp' | 'sctp';

/** keepalived's sockaddr_t: canonical address text, explicit family, port (0 = none). */
export interface SocketAddress {
  readonly family: LvsIpFamily;
  readonly address: string;
  readonly port: number;
}

/** `lb_kind` / `lvs_method`. */
export type ForwardingMethod = 'NAT' | 'DR' | 'TUN';
export type TunnelType = 'ipip' | 'gue' | 'gre';
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

export interface Forwarding {
  readonly method: ForwardingMethod;
  /** Meaningful for TUN only; keepalived's default is ipip. */
  readonly tunnelType: TunnelType;
  /** gue only (required there); 0 otherwise. */
  readonly tunnelPort: number;
  readonly tunnelChecksum: TunnelChecksum;
}

/** A keyword keepalived-ts recognises and keeps but does not implement yet. */
export interface RawKeyword {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly at: SourceLocation;
}

/** How a virtual server is identified (the first words of `virtual_server`). */
export type VirtualServerKey =
  | { readonly kind: 'address'; readonly address: SocketAddress }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  /**
   * `virtual_server group NAME`: keepalived numbers the virtual servers of a group in
   * configuration order (its `[NAME]:N` text form uses that number as the "port").
   */
  | { readonly kind: 'group'; readonly group: string; readonly memberIndex: number };

/** IPVS service flags set by `ops`, `flag-1..3`, `sh-port`, `sh-fallback`, `mh-*`. */
export interface SchedulerFlags {
  readonly onePacket: boolean;
  readonly flag1: boolean;
  readonly flag2: boolean;
  readonly flag3: boolean;
  readonly shPort: boolean;
  readonly shFallback: boolean;
  readonly mhPort: boolean;
  readonly mhFallback: boolean;
}

/** `persistence_granularity`: an IPv4 netmask or an IPv6 prefix length. */
export type PersistenceGranularity =
  | { readonly family: 4; readonly netmask: string }
  | { readonly family: 6; readonly prefixLength: number };

export interface SorryServer {
  readonly at: SourceLocation;
  readonly address: SocketAddress;
  readonly forwarding: Forwarding;
  /** `sorry_server_inhibit` (or forced to match an identical real server). */
  readonly inhibitOnFailure: boolean;
  /** The sorry server is also one of the real servers. */
  readonly duplicatesRealServer: boolean;
}

/** A checker's connection options (check_api.c conn_opts_t), defaults applied. */
export interface CheckerConnection {
  /**
   * Where the check connects (`connect_ip`/`connect_port`, default the real server as it
   * was when the checker was declared). Undefined when keepalived left it without an
   * address family (a rejected `connect_ip`): such a checker cannot connect.
   */
  readonly destination: SocketAddress | undefined;
  /** `bindto` (+ `bind_port`); undefined: not bound. */
  readonly bindTo: SocketAddress | undefined;
  /** `bind_if`. */
  readonly bindInterface: string | undefined;
  /** `fwmark` (SO_MARK); 0 = none. */
  readonly fwmark: number;
  /** `connect_timeout`, inherited real server → virtual server (5 s). */
  readonly connectTimeoutUs: number;
}

/** Fields every checker with a timer has (not FILE_CHECK / BFD_CHECK). */
export interface CheckerTiming {
  /** `delay_loop`, inherited from the real server / virtual server (60 s). */
  readonly delayLoopUs: number;
  /** `warmup`; defaults to the real server's, else the delay loop. */
  readonly warmupUs: number;
  /** `retry` (`nb_get_retry`); default 1, DNS_CHECK 3, MISC_CHECK 0. */
  readonly retry: number;
  /** `delay_before_retry`; default 1 s, HTTP/SSL 3 s, DNS_CHECK the delay loop. */
  readonly delayBeforeRetryUs: number;
  /** `log_all_failures` (or the global `checker_log_all_failures`). */
  readonly logAllFailures: boolean;
}

interface CheckerCommon {
  readonly at: SourceLocation;
  /** `alpha`: the checker starts failed; inherited from the real server. */
  readonly alpha: boolean;
}

export interface TcpChecker extends CheckerCommon, CheckerTiming {
  readonly type: 'TCP_CHECK';
  readonly connection: CheckerConnection;
}

export interface PingChecker extends CheckerCommon, CheckerTiming {
  readonly type: 'PING_CHECK';
  readonly connection: CheckerConnection;
}

export interface HttpStatusRange {
  readonly min: number;
  readonly max: number;
}

export interface HttpUrlRegex {
  readonly pattern: string;
  /** `regex_options` names keepalived knows (unknown ones are ignored, as keepalived does). */
  readonly options: readonly string[];
  readonly noMatch: boolean;
  readonly minOffset: number;
  /** 0 = none; otherwise one past the last acceptable offset, as keepalived stores it. */
  readonly maxOffsetExclusive: number;
}

export interface HttpUrl {
  readonly at: SourceLocation;
  readonly path: string;
  /** MD5 of the body, 32 lowercase hex digits. */
  readonly digest: string | undefined;
  /** Accepted status codes as sorted, merged ranges (default 200-299). */
  readonly statusCodes: readonly HttpStatusRange[];
  /** The url's own `virtualhost` (it beats the checker's). */
  readonly virtualhost: string | undefined;
  readonly regex: HttpUrlRegex | undefined;
  /** `regex_stack` (PCRE2 JIT stack sizing): kept, not implemented. */
  readonly unimplemented: readonly RawKeyword[];
}

export type HttpProtocolVersion = '1.0' | '1.0C' | '1.1';

export interface HttpChecker extends CheckerCommon, CheckerTiming {
  readonly type: 'HTTP_GET' | 'SSL_GET';
  readonly connection: CheckerConnection;
  /**
   * Host header default for the urls: the checker's `virtualhost`, else the real
   * server's, else the virtual server's (check_http.c http_request_thread order).
   */
  readonly virtualhost: string | undefined;
  readonly httpProtocol: HttpProtocolVersion;
  readonly enableSni: boolean;
  readonly fastRecovery: boolean;
  readonly urls: readonly HttpUrl[];
}

export interface SmtpChecker extends CheckerCommon, CheckerTiming {
  readonly type: 'SMTP_CHECK';
  readonly connection: CheckerConnection;
  /** `helo_name` (default smtpchecker.keepalived.org). */
  readonly heloName: string;
}

export type DnsQueryType =
  | 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';

export interface DnsChecker extends CheckerCommon, CheckerTiming {
  readonly type: 'DNS_CHECK';
  readonly connection: CheckerConnection;
  readonly queryType: DnsQueryType;
  /** `name`; '' is the root. */
  readonly name: string;
}

export interface UdpChecker extends CheckerCommon, CheckerTiming {
  readonly type: 'UDP_CHECK';
  readonly connection: CheckerConnection;
  /** `payload` as lowercase hex; undefined: keepalived sends a random payload. */
  readonly payloadHex: string | undefined;
  readonly requireReply: boolean;
  /** `require_reply HEX`: expected bytes (hex) and a mask of wildcard nibbles (hex). */
  readonly replyHex: string | undefined;
  readonly replyMaskHex: string | undefined;
  readonly minReplyLength: number;
  readonly maxReplyLength: number;
}

export interface MiscChecker extends CheckerCommon, CheckerTiming {
  readonly type: 'MISC_CHECK';
  /** `misc_path` (its `user` line, if any, is in script.user/group). */
  readonly script: ScriptCommand;
  /** `misc_timeout`; when not set keepalived uses the virtual server's delay loop. */
  readonly timeoutUs: number;
  readonly dynamic: boolean;
}

/** FILE_CHECK: a track_file monitor on the real server (not timed, no connection). */
export interface FileChecker {
  readonly type: 'FILE_CHECK';
  readonly at: SourceLocation;
  readonly trackFile: string;
  /** `weight`; undefined: the track_file's own weight applies. */
  readonly weight: number | undefined;
  readonly reverse: boolean;
}

export interface BfdChecker extends CheckerCommon {
  readonly type: 'BFD_CHECK';
  /** The bfd_instance followed. */
  readonly name: string;
}

export type Checker =
  | TcpChecker
  | PingChecker
  | HttpChecker
  | SmtpChecker
  | DnsChecker
  | UdpChecker
  | MiscChecker
  | FileChecker
  | BfdChecker;

export type CheckerType = Checker['type'];

export interface RealServer {
  readonly at: SourceLocation;
  /** Port filled from the virtual server where keepalived does (NAT without port, DR/TUN). */
  readonly address: SocketAddress;
  /** The virtual server's protocol, which keepalived prints in `[ip]:proto:port`. */
  readonly protocol: LvsProtocol | undefined;
  /** `weight` (default the virtual server's `weight`, 1). */
  readonly weight: number;
  readonly forwarding: Forwarding;
  readonly alpha: boolean;
  readonly inhibitOnFailure: boolean;
  readonly connectTimeoutUs: number;
  readonly delayLoopUs: number;
  /** Inherited from the virtual server; undefined: each checker's own default. */
  readonly retry: number | undefined;
  readonly delayBeforeRetryUs: number | undefined;
  readonly warmupUs: number | undefined;
  /** `uthreshold` / `lthreshold` (0 = none). */
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  /** Default on for real servers (keepalived back-compat), unless the globals say otherwise. */
  readonly smtpAlert: boolean;
  readonly virtualhost: string | undefined;
  readonly notifyUp: ScriptCommand | undefined;
  readonly notifyDown: ScriptCommand | undefined;
  readonly checkers: readonly Checker[];
  readonly unimplemented: readonly RawKeyword[];
}

export interface VirtualServer {
  readonly at: SourceLocation;
  readonly key: VirtualServerKey;
  /** `ip_family` or derived from the servers; undefined for a mixed IPv4+IPv6 group. */
  readonly family: LvsIpFamily | undefined;
  /** undefined = none (fwmark services ignore the protocol). */
  readonly protocol: LvsProtocol | undefined;
  /** `lb_algo` / `lvs_sched` (default wlc). */
  readonly scheduler: string;
  readonly schedulerFlags: SchedulerFlags;
  /** `lb_kind` / `lvs_method`: the real servers' default (NAT when needed and unset). */
  readonly forwarding: Forwarding | undefined;
  /** `persistence_timeout` in seconds; 0 = not persistent. */
  readonly persistenceTimeoutS: number;
  readonly persistenceGranularity: PersistenceGranularity | undefined;
  readonly persistenceEngine: string | undefined;
  readonly delayLoopUs: number;
  readonly connectTimeoutUs: number;
  readonly retry: number | undefined;
  readonly delayBeforeRetryUs: number | undefined;
  readonly warmupUs: number | undefined;
  /** VS-level `weight`: the default real server weight. */
  readonly weight: number;
  readonly inhibitOnFailure: boolean;
  readonly alpha: boolean;
  readonly omega: boolean;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly quorumUp: ScriptCommand | undefined;
  readonly quorumDown: ScriptCommand | undefined;
  readonly haSuspend: boolean;
  readonly smtpAlert: boolean;
  readonly virtualhost: string | undefined;
  readonly sorryServer: SorryServer | undefined;
  readonly realServers: readonly RealServer[];
  readonly unimplemented: readonly RawKeyword[];
}

/** One line of a virtual_server_group block. */
export type VirtualServerGroupEntry =
  | {
      readonly kind: 'range';
      readonly at: SourceLocation;
      readonly family: LvsIpFamily;
      /** First and last address (equal for a single address). */
      readonly first: string;
      readonly last: string;
      readonly port: number;
    }
  | {
      readonly kind: 'fwmark';
      readonly at: SourceLocation;
      readonly fwmark: number;
      /** `inet` / `inet6`; undefined when not given. */
      readonly family: LvsIpFamily | undefined;
    };

export interface VirtualServerGroup {
  readonly at: SourceLocation;
  readonly name: string;
  readonly entries: readonly VirtualServerGroupEntry[];
  readonly hasIpv4: boolean;
  readonly hasIpv6: boolean;
}

/** The root `SSL { password ca certificate key }` block. */
export interface SslConfig {
  readonly at: SourceLocation;
  readonly password: string | undefined;
  readonly caFile: string | undefined;
  readonly certificateFile: string | undefined;
  readonly keyFile: string | undefined;
}

export interface LvsConfig {
  readonly ssl: SslConfig | undefined;
  /** An SSL_GET checker exists (keepalived then sets up its SSL context). */
  readonly sslRequired: boolean;
  readonly virtualServerGroups: readonly VirtualServerGroup[];
  readonly virtualServers: readonly VirtualServer[];
}
