/**
 * keepalived's command line (keepalived(8), core/main.c parse_cmdline), parsed the way
 * getopt_long() does: bundled short flags (`-lDn`), attached or separate required values
 * (`-f FILE`, `-fFILE`), attached-only optional values (`-t`, `-tLOG`,
 * `--config-test=LOG`), unambiguous prefixes of long options (`--use=FILE`).
 * Plus keepalived-ts's own options and subcommands.
 */

type ArgKind = 'none' | 'required' | 'optional';

interface OptionSpec {
  readonly key: string;
  readonly short?: string;
  readonly long: string;
  readonly arg: ArgKind;
}

/** keepalived 2.2.7's options, then ours (marked). */
const OPTIONS: readonly OptionSpec[] = [
  { key: 'useFile', short: 'f', long: 'use-file', arg: 'required' },
  { key: 'vrrpOnly', short: 'P', long: 'vrrp', arg: 'none' },
  { key: 'checkOnly', short: 'C', long: 'check', arg: 'none' },
  { key: 'noBfd', short: 'B', long: 'no_bfd', arg: 'none' },
  { key: 'all', long: 'all', arg: 'none' },
  { key: 'logConsole', short: 'l', long: 'log-console', arg: 'none' },
  { key: 'logDetail', short: 'D', long: 'log-detail', arg: 'none' },
  { key: 'logFacility', short: 'S', long: 'log-facility', arg: 'required' },
  { key: 'logFile', short: 'g', long: 'log-file', arg: 'optional' },
  { key: 'flushLogFile', long: 'flush-log-file', arg: 'none' },
  { key: 'allConfig', short: 'e', long: 'all-config', arg: 'none' },
  { key: 'noSyslog', short: 'G', long: 'no-syslog', arg: 'none' },
  { key: 'umask', short: 'u', long: 'umask', arg: 'required' },
  { key: 'releaseVips', short: 'X', long: 'release-vips', arg: 'none' },
  { key: 'dontReleaseVrrp', short: 'V', long: 'dont-release-vrrp', arg: 'none' },
  { key: 'dontReleaseIpvs', short: 'I', long: 'dont-release-ipvs', arg: 'none' },
  { key: 'dontRespawn', short: 'R', long: 'dont-respawn', arg: 'none' },
  { key: 'dontFork', short: 'n', long: 'dont-fork', arg: 'none' },
  { key: 'dumpConf', short: 'd', long: 'dump-conf', arg: 'none' },
  { key: 'pidFile', short: 'p', long: 'pid', arg: 'required' },
  { key: 'vrrpPidFile', short: 'r', long: 'vrrp_pid', arg: 'required' },
  { key: 'genhash', short: 'T', long: 'genhash', arg: 'none' },
  { key: 'checkersPidFile', short: 'c', long: 'checkers_pid', arg: 'required' },
  { key: 'addressMonitoring', short: 'a', long: 'address-monitoring', arg: 'none' },
  { key: 'bfdPidFile', short: 'b', long: 'bfd_pid', arg: 'required' },
  { key: 'snmp', short: 'x', long: 'snmp', arg: 'none' },
  { key: 'snmpAgentSocket', short: 'A', long: 'snmp-agent-socket', arg: 'required' },
  { key: 'coreDump', short: 'm', long: 'core-dump', arg: 'none' },
  { key: 'coreDumpPattern', short: 'M', long: 'core-dump-pattern', arg: 'optional' },
  { key: 'namespace', short: 's', long: 'namespace', arg: 'required' },
  { key: 'configId', short: 'i', long: 'config-id', arg: 'required' },
  { key: 'signum', long: 'signum', arg: 'required' },
  { key: 'configTest', short: 't', long: 'config-test', arg: 'optional' },
  { key: 'configFd', long: 'config-fd', arg: 'required' },
  { key: 'version', short: 'v', long: 'version', arg: 'none' },
  { key: 'help', short: 'h', long: 'help', arg: 'none' },
  // keepalived-ts: the resolved model as JSON on stdout.
  { key: 'dumpConfig', long: 'dump-config', arg: 'none' },
  // keepalived-ts: the status/metrics listener ([ADDR:]PORT), overriding global_defs status_listen.
  { key: 'statusListen', long: 'status-listen', arg: 'required' },
];

/** Subcommands of keepalived-ts (not in keepalived). */
export const SUBCOMMANDS = ['explain', 'demo'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

export interface CommandLine {
  /** option key → value: true for flags, the string for valued options ('' when optional and absent). */
  readonly options: ReadonlyMap<string, string | true>;
  readonly subcommand: Subcommand | undefined;
  /** Words that are neither options nor the subcommand. */
  readonly operands: readonly string[];
}

export type ParseCommandLineResult =
  | { readonly ok: true; readonly commandLine: CommandLine }
  | { readonly ok: false; readonly message: string };

function findLong(name: string): OptionSpec | string {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact !== undefined) return exact;
  const prefixed = OPTIONS.filter((o) => o.long.startsWith(name));
  if (prefixed.length === 1 && prefixed[0] !== undefined) return prefixed[0];
  if (prefixed.length > 1) return `option '--${name}' is ambiguous`;
  return `unrecognized option '--${name}'`;
}

/** Parses argv (without node and script path). */
export function parseCommandLine(argv: readonly string[]): ParseCommandLineResult {
  const options = new Map<string, string | true>();
  const operands: string[] = [];
  let subcommand: Subcommand | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = findLong(name);
      if (typeof spec === 'string') return { ok: false, message: spec };
      if (spec.arg === 'none') {
        if (eq >= 0) return { ok: false, message: `option '--${spec.long}' doesn't allow an argument` };
        options.set(spec.key, true);
      } else if (eq >= 0) {
        options.set(spec.key, arg.slice(eq + 1));
      } else if (spec.arg === 'required') {
        const value = argv[i + 1];
        if (value === undefined) return { ok: false, message: `option '--${spec.long}' requires an argument` };
        options.set(spec.key, value);
        i++;
      } else {
        options.set(spec.key, '');
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j] ?? '';
        const spec = OPTIONS.find((o) => o.short === ch);
        if (spec === undefined) return { ok: false, message: `invalid option -- '${ch}'` };
        if (spec.arg === 'none') {
          options.set(spec.key, true);
          continue;
        }
        const attached = arg.slice(j + 1);
        if (attached !== '') {
          options.set(spec.key, attached);
        } else if (spec.arg === 'required') {
          const value = argv[i + 1];
          if (value === undefined) return { ok: false, message: `option requires an argument -- '${ch}'` };
          options.set(spec.key, value);
          i++;
        } else {
          options.set(spec.key, '');
        }
        break;
      }
      continue;
    }
    if (subcommand === undefined && operands.length === 0 && isSubcommand(arg)) {
      subcommand = arg;
      continue;
    }
    operands.push(arg);
  }
  return { ok: true, commandLine: { options, subcommand, operands } };
}

function isSubcommand(word: string): word is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(word);
}

/** The string value of a valued option, or undefined. */
export function optionValue(cl: CommandLine, key: string): string | undefined {
  const v = cl.options.get(key);
  return typeof v === 'string' ? v : undefined;
}

export function hasOption(cl: CommandLine, key: string): boolean {
  return cl.options.has(key);
}

/** keepalived's default configuration file. */
export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

/** keepalived --signum names → Linux signal numbers (glibc: SIGRTMIN 34, SIGRTMAX 64). */
/** SIGRTMIN+2 and SIGRTMAX-1 with glibc's SIGRTMIN 34 and SIGRTMAX 64. */
export const SIGNAL_JSON = 36;
export const SIGNAL_STATS_CLEAR = 63;

export const SIGNUMS: Readonly<Record<string, number>> = {
  STOP: 15,
  RELOAD: 1,
  DATA: 10,
  STATS: 12,
  STATS_CLEAR: SIGNAL_STATS_CLEAR,
  JSON: SIGNAL_JSON,
};

export const USAGE = `Usage: keepalived-ts [OPTION...]
       keepalived-ts explain [-f FILE] [-i ID]
  -f, --use-file=FILE          Use the specified configuration file
                                default '${DEFAULT_CONFIG_FILE}'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
  -G, --no-syslog              Don't log via syslog
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -e, --all-config             Error if any configuration file missing
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
      --dump-config            Print the resolved configuration as JSON (keepalived-ts)
      --status-listen=[ADDR:]PORT  Serve /metrics, /status and a dashboard (keepalived-ts;
                                default 127.0.0.1; overrides global_defs status_listen)
  -v, --version                Display the version number
  -h, --help                   Display this help message

Subcommands (keepalived-ts):
  explain [FILE...]            Effective VRRP timers, failover budget and pitfalls per instance
  demo [--interactive] [--with-keepalived]
                               The demo lab: two load balancers, three real servers, a client,
                               a live failover and real-server check (see docs/demo.md)
  genhash -s IP -p PORT -u URL [-S] [-V VHOST] [-P 1.0|1.0C|1.1] [-t SECS] [-v]
                               keepalived's genhash: the MD5 digest of a page (for HTTP_GET/SSL_GET digest)
  lvs [--backend=auto|nftables|ipvs]
                               The kernel's L4 load balancer as keepalived-ts programs it, like ipvsadm -Ln
`;
