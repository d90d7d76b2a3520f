/**
 * Shared helpers for the LVS / checker config tests: parse a keepalived.conf text held in
 * memory through the real front end (parseConfig), on a small fake host.
 */
import assert from 'node:assert/strict';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import type { HostFacts, ScriptFileFacts, UserFacts } from '../../../src/config/host_facts.js';
import type { ParseEnvironment } from '../../../src/config/draft.js';
import type { ConfigDiagnostic } from '../../../src/config/diagnostics.js';
import { configTestExitCode } from '../../../src/config/diagnostics.js';
import type { LvsConfig, RealServer, VirtualServer } from '../../../src/config/model/lvs.js';
import { MemoryFileSource } from '../../fakes/memory_file_source.js';

const USERS: readonly UserFacts[] = [
  { name: 'root', uid: 0, gid: 0 },
  { name: 'nobody', uid: 65534, gid: 65534 },
  { name: 'keepalived_script', uid: 990, gid: 990 },
];
const GROUPS: ReadonlyMap<string, number> = new Map([
  ['root', 0],
  ['nogroup', 65534],
]);

/** Scripts under /bin exist, are executable and root-owned; nothing else exists. */
function inspectScript(path: string): ScriptFileFacts {
  const exists = path.startsWith('/bin/');
  return { resolvedPath: exists ? path : undefined, exists, isExecutable: exists, isWritableByNonRoot: false };
}

export const fakeHost: HostFacts = {
  hostname: 'lb1.example.com',
  interfaces: new Map([
    ['eth0', { name: 'eth0', index: 2, isLoopback: false, isUp: true, hasMulticast: true, addresses: ['10.0.0.1'] }],
  ]),
  runningUser: { name: 'root', uid: 0, gid: 0 },
  lookupUser: (name) => USERS.find((u) => u.name === name),
  lookupGroup: (name) => GROUPS.get(name),
  inspectScript,
  fileExists: () => false,
};

export const testEnv: ParseEnvironment = {
  host: fakeHost,
  random: { intBetween: (min) => min },
  configId: 'lb1',
  env: {},
};

export interface Parsed {
  readonly result: ParseResult;
  readonly lvs: LvsConfig;
  readonly diagnostics: readonly ConfigDiagnostic[];
  /** What `keepalived-ts -t` would exit with. */
  readonly exitCode: number;
}

/** Parses `text` as /etc/keepalived/keepalived.conf. */
export function parseText(text: string, files: Readonly<Record<string, string>> = {}): Parsed {
  const source = new MemoryFileSource({ '/etc/keepalived/keepalived.conf': text, ...files });
  const result = parseConfig('/etc/keepalived/keepalived.conf', source, testEnv);
  const lvs = result.config?.lvs ?? { ssl: undefined, sslRequired: false, virtualServerGroups: [], virtualServers: [] };
  const exitCode = result.abortExitCode ?? configTestExitCode(result.diagnostics);
  return { result, lvs, diagnostics: result.diagnostics, exitCode };
}

/** The messages of the diagnostics that make `-t` fail (not notices). */
export function errors(p: Parsed): string[] {
  return p.diagnostics.filter((d) => d.kind !== 'notice').map((d) => d.message);
}

export function notices(p: Parsed): string[] {
  return p.diagnostics.filter((d) => d.kind === 'notice').map((d) => d.message);
}

export function onlyVs(p: Parsed, index = 0): VirtualServer {
  const vs = p.lvs.virtualServers[index];
  assert.ok(vs !== undefined, `no virtual server #${index}; diagnostics: ${JSON.stringify(p.diagnostics)}`);
  return vs;
}

export function rsOf(vs: VirtualServer, index = 0): RealServer {
  const rs = vs.realServers[index];
  assert.ok(rs !== undefined, `no real server #${index}`);
  return rs;
}

/** A virtual server block with the given body, with the usual settings made explicit. */
export function service(body: string, head = '10.0.0.100 80'): string {
  return `virtual_server ${head} {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n${body}\n}\n`;
}

/** Drops the `at` locations (for comparing models parsed from different texts). */
export function withoutLocations<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'at' ? undefined : v))) as T;
}
