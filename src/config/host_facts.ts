/**
 * Facts about the host that keepalived's config checks depend on (interfaces, users,
 * script files). A port: the shell (src/daemon/host_facts_node.ts) reads the real host;
 * tests use fakes. All methods are synchronous and side-effect free from the parser's view.
 */

export interface InterfaceFacts {
  readonly name: string;
  readonly index: number;
  readonly isLoopback: boolean;
  readonly isUp: boolean;
  /** IFF_MULTICAST. */
  readonly hasMulticast: boolean;
  /** Addresses configured on the interface, as text without prefix (e.g. '10.0.0.1', 'fe80::1'). */
  readonly addresses: readonly string[];
}

export interface UserFacts {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** What keepalived's script security checks learn from the file system about one script. */
export interface ScriptFileFacts {
  /** The path after PATH search / symlink resolution; undefined when not found. */
  readonly resolvedPath: string | undefined;
  readonly exists: boolean;
  readonly isExecutable: boolean;
  /**
   * A non-root user can modify the file or any directory on its path (keepalived's
   * SC_INSECURE check for scripts run as root).
   */
  readonly isWritableByNonRoot: boolean;
}

export interface HostFacts {
  /** gethostname(), full. */
  readonly hostname: string;
  readonly interfaces: ReadonlyMap<string, InterfaceFacts>;
  /** The user keepalived runs as (normally root). */
  readonly runningUser: UserFacts;
  lookupUser(name: string): UserFacts | undefined;
  /** gid of a group name. */
  lookupGroup(name: string): number | undefined;
  /** Looks up a script's file, PATH-searching a bare name. */
  inspectScript(path: string): ScriptFileFacts;
  /** Whether a plain file exists (track_file, misc paths that are not scripts, ...). */
  fileExists(path: string): boolean;
}
