/**
 * A HostFacts for tests: a host with the interfaces, users, groups, scripts and files you
 * give it (defaults: host "vm", root, interfaces lo and eth0, /bin/true executable).
 */
import type {
  HostFacts,
  InterfaceFacts,
  ScriptFileFacts,
  UserFacts,
} from '../../src/config/host_facts.js';

export interface FakeHostOptions {
  readonly hostname?: string;
  /** Interface names, or full facts. */
  readonly interfaces?: readonly (string | Partial<InterfaceFacts> & { readonly name: string })[];
  readonly users?: readonly UserFacts[];
  readonly groups?: Readonly<Record<string, number>>;
  readonly runningUser?: UserFacts;
  /** Script path (as configured, or bare name for PATH search) → facts. */
  readonly scripts?: Readonly<Record<string, Partial<ScriptFileFacts>>>;
  readonly files?: readonly string[];
}

const ROOT: UserFacts = { name: 'root', uid: 0, gid: 0 };

function interfaceFacts(
  spec: string | (Partial<InterfaceFacts> & { readonly name: string }),
  index: number,
): InterfaceFacts {
  const s = typeof spec === 'string' ? { name: spec } : spec;
  const isLoopback = s.isLoopback ?? s.name === 'lo';
  return {
    name: s.name,
    index: s.index ?? index + 1,
    isLoopback,
    isUp: s.isUp ?? true,
    hasMulticast: s.hasMulticast ?? !isLoopback,
    addresses: s.addresses ?? (isLoopback ? ['127.0.0.1', '::1'] : ['10.0.0.1', 'fe80::1']),
  };
}

export function createFakeHostFacts(options: FakeHostOptions = {}): HostFacts {
  const interfaces = new Map<string, InterfaceFacts>();
  (options.interfaces ?? ['lo', 'eth0']).forEach((spec, i) => {
    const f = interfaceFacts(spec, i);
    interfaces.set(f.name, f);
  });
  const users = options.users ?? [ROOT];
  const groups = options.groups ?? { root: 0 };
  const scripts = options.scripts ?? { '/bin/true': {} };
  const files = new Set(options.files ?? ['/proc/sys/net/ipv4/igmp_link_local_mcast_reports']);
  return {
    hostname: options.hostname ?? 'vm',
    interfaces,
    runningUser: options.runningUser ?? ROOT,
    lookupUser: (name) => users.find((u) => u.name === name),
    lookupGroup: (name) => groups[name],
    inspectScript(path: string): ScriptFileFacts {
      const s = scripts[path];
      if (s === undefined) {
        return {
          resolvedPath: undefined,
          exists: false,
          isExecutable: false,
          isWritableByNonRoot: false,
        };
      }
      return {
        resolvedPath: s.resolvedPath ?? (path.includes('/') ? path : `/usr/bin/${path}`),
        exists: s.exists ?? true,
        isExecutable: s.isExecutable ?? true,
        isWritableByNonRoot: s.isWritableByNonRoot ?? false,
      };
    },
    fileExists: (path) => files.has(path),
  };
}
