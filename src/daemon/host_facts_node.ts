/**
 * The real HostFacts (shell): host name, network interfaces, users and groups, and the
 * file-system facts keepalived's script security checks use.
 *
 * keepalived-compat: interfaces as keepalived's netlink dump sees them (/sys/class/net,
 * including interfaces that are down); users/groups from /etc/passwd and /etc/group (NSS
 * sources such as LDAP are not consulted); scripts as lib/notify.c find_path(),
 * check_script_secure() and check_security() examine them, for scripts run as root.
 */
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { hostname, networkInterfaces, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type {
  HostFacts,
  InterfaceFacts,
  ScriptFileFacts,
  UserFacts,
} from '../config/host_facts.js';

const SYS_NET = '/sys/class/net';
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
const IFF_MULTICAST = 0x1000;
const ARPHRD_LOOPBACK = 772;
/** glibc confstr(_CS_PATH), keepalived's PATH when none is set. */
const DEFAULT_PATH = '/bin:/usr/bin';

function readSmall(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function addressesByName(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, list] of Object.entries(networkInterfaces())) {
    out.set(name, (list ?? []).map((a) => a.address.replace(/%.*$/, '')));
  }
  return out;
}

/** Every interface, up or down: /sys/class/net, with os.networkInterfaces() addresses. */
export function readInterfaces(): Map<string, InterfaceFacts> {
  const addrs = addressesByName();
  const out = new Map<string, InterfaceFacts>();
  let names: string[];
  try {
    names = readdirSync(SYS_NET);
  } catch {
    names = [...addrs.keys()];
  }
  for (const name of names) {
    const flags = parseInt(readSmall(join(SYS_NET, name, 'flags')) ?? '0x1003', 16);
    const type = Number(readSmall(join(SYS_NET, name, 'type')) ?? '1');
    out.set(name, {
      name,
      index: Number(readSmall(join(SYS_NET, name, 'ifindex')) ?? '0'),
      isLoopback: type === ARPHRD_LOOPBACK || (flags & IFF_LOOPBACK) !== 0,
      isUp: (flags & IFF_UP) !== 0,
      hasMulticast: (flags & IFF_MULTICAST) !== 0,
      addresses: addrs.get(name) ?? [],
    });
  }
  return out;
}

interface DbEntry {
  readonly name: string;
  readonly id: number;
  readonly gid: number;
}

/** name:x:uid:gid:... lines of /etc/passwd or /etc/group (gid field = id for groups). */
function readDb(path: string, gidField: number): DbEntry[] {
  const text = readSmall(path) ?? '';
  const out: DbEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const name = f[0];
    if (name === undefined || name === '' || name.startsWith('#') || f.length < 4) continue;
    out.push({ name, id: Number(f[2]), gid: Number(f[gidField]) });
  }
  return out;
}

function isRegularExecutable(path: string): boolean {
  try {
    const s = statSync(path);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** find_path(): the first PATH entry holding an executable regular file of that name. */
function searchPath(name: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(':')) {
    const candidate = dir === '' ? name : `${dir}/${name}`;
    if (isRegularExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * check_security(): every element of the path must be owned by root and not writable by
 * group (non-root group) or others, directories with the sticky bit excepted.
 */
export function isPathInsecure(path: string): boolean {
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/') || '/';
    if (i < parts.length && parts[i - 1] === '' && i > 1) continue;
    let s: Stats;
    try {
      s = lstatSync(prefix);
    } catch {
      return true;
    }
    const isLast = i === parts.length;
    if (!isLast && !s.isDirectory()) return true;
    if (s.uid !== 0) return true;
    const checked = (s.isDirectory() && (s.mode & 0o1000) === 0) || s.isFile();
    if (checked && ((s.gid !== 0 && (s.mode & 0o020) !== 0) || (s.mode & 0o002) !== 0)) return true;
  }
  return false;
}

/**
 * keepalived's realpath() step: the path the script will be run by (the real directory,
 * keeping the configured file name when that is the same file) and, when the file name
 * differs, the real file as well. Both are checked for safety.
 */
function resolveScriptPath(path: string): { argv0: string; real: string | undefined } | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  if (basename(real) === basename(path)) return { argv0: real, real: undefined };
  const sameDirName = join(dirname(real), basename(path));
  try {
    const a = statSync(real);
    const b = statSync(sameDirName);
    if (a.dev === b.dev && a.ino === b.ino) return { argv0: sameDirName, real };
  } catch {
    // Not the same file: keepalived uses the real path.
  }
  return { argv0: real, real: undefined };
}

export function inspectScriptFile(path: string, pathVar: string): ScriptFileFacts {
  const found = path.includes('/') ? path : searchPath(path, pathVar);
  const missing: ScriptFileFacts = {
    resolvedPath: undefined,
    exists: false,
    isExecutable: false,
    isWritableByNonRoot: false,
  };
  if (found === undefined) return missing;
  const resolved = resolveScriptPath(found);
  if (resolved === undefined) return missing;
  let mode: number;
  try {
    mode = statSync(resolved.real ?? resolved.argv0).mode;
  } catch {
    return missing;
  }
  const insecure = isPathInsecure(resolved.argv0) || (resolved.real !== undefined && isPathInsecure(
    resolved.real,
  ));
  return {
    resolvedPath: resolved.argv0,
    exists: true,
    isExecutable: (mode & 0o111) !== 0,
    isWritableByNonRoot: insecure,
  };
}

function runningUser(users: readonly DbEntry[]): UserFacts {
  const info = userInfo();
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : info.uid;
  const gid = typeof process.getegid === 'function' ? process.getegid() : info.gid;
  const name = users.find((u) => u.id === uid)?.name ?? info.username;
  return { name, uid, gid };
}

export interface NodeHostFactsOptions {
  /** The environment whose PATH bare script names are searched in (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function createNodeHostFacts(options: NodeHostFactsOptions = {}): HostFacts {
  const users = readDb('/etc/passwd', 3);
  const groups = readDb('/etc/group', 2);
  const pathVar = (options.env ?? process.env)['PATH'] ?? DEFAULT_PATH;
  return {
    hostname: hostname(),
    interfaces: readInterfaces(),
    runningUser: runningUser(users),
    lookupUser(name: string): UserFacts | undefined {
      const u = users.find((e) => e.name === name);
      return u === undefined ? undefined : { name: u.name, uid: u.id, gid: u.gid };
    },
    lookupGroup(name: string): number | undefined {
      return groups.find((e) => e.name === name)?.id;
    },
    inspectScript(path: string): ScriptFileFacts {
      return inspectScriptFile(path, pathVar);
    },
    fileExists(path: string): boolean {
      return existsSync(path);
    },
  };
}
