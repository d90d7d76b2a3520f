/**
 * Composition root: the only place that reads argv and process.env and picks real
 * adapters. `bin/keepalived-ts` calls main().
 */
import { writeFileSync } from 'node:fs';
import {
  DEFAULT_CONFIG_FILE,
  SIGNUMS,
  USAGE,
  hasOption,
  optionValue,
  parseCommandLine,
  type CommandLine,
} from './daemon/command_line.js';
import { loadConfig } from './daemon/load_config.js';
import { VERSION, VERSION_BANNER } from './daemon/version.js';
import { StatusCollector } from './daemon/status/ipc.js';
import { parseStatusListenFlag, startStatusServer, type StatusServer } from './daemon/status/http_server.js';
import { CHILD_ROLE_ENV, RESUME_MASTERS_ENV, holdDumpSignalsDuringStartup, runSupervisor, type ChildRole } from './daemon/process_supervisor.js';
import { DEFAULT_PID_FILES, claimPidFile, releasePidFile } from './daemon/pidfile.js';
import { CONFIG_TEST_EXIT, configTestExitCode, formatDiagnostic } from './config/diagnostics.js';
import { configTestExitStatus } from './config/config_test.js';
import { LOG_FACILITY, parseLogFacility } from './daemon/log.js';
import { createLogger } from './daemon/log_sinks.js';
import { formatParentData } from './vrrp/data_dump.js';
import { DAEMONIZED_ENV, daemonize } from './daemon/daemonize.js';
import { dumpConfigLines, configToJson } from './config/dump.js';
import { explainConfigs } from './config/explain_model.js';
import { basename } from 'node:path';

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (err: unknown) {
    // A bug of ours, never a property of the input (the config front end returns
    // diagnostics for every input). Say so plainly; the stack only on request.
    const detail = err instanceof Error ? err.message : String(err);
    process.stderr.write(`keepalived-ts: internal error: ${detail} (please report it)\n`);
    if (process.env['KEEPALIVED_TS_DEBUG'] !== undefined && err instanceof Error) {
      process.stderr.write(`${err.stack ?? ''}\n`);
    }
    return 70; // EX_SOFTWARE
  }
}

async function run(argv: readonly string[]): Promise<number> {
  // Subcommands with flags of their own (genhash's -s/-p/-u clash with keepalived's).
  if (argv[0] === 'genhash') return runGenhash(argv.slice(1));
  if (argv[0] === 'lvs') return runLvsList(argv.slice(1));
  if (argv[0] === 'demo') {
    const { runDemo } = await import('./demo/demo.js');
    return runDemo(argv.slice(1));
  }
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) {
    process.stderr.write(`keepalived-ts: ${parsed.message}\n${USAGE}`);
    return 1;
  }
  const cl = parsed.commandLine;
  if (hasOption(cl, 'help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (hasOption(cl, 'version')) {
    process.stdout.write(`${VERSION_BANNER}\n`);
    return 0;
  }
  const signum = optionValue(cl, 'signum');
  if (signum !== undefined) return printSignum(signum);
  if (cl.operands.length > 0 && cl.subcommand !== 'explain') {
    process.stderr.write(`keepalived-ts: unexpected argument '${cl.operands[0] ?? ''}'\n${USAGE}`);
    return 1;
  }
  if (cl.subcommand === 'explain') return runExplain(cl);
  if (hasOption(cl, 'configTest')) return runConfigTest(cl);
  if (hasOption(cl, 'dumpConfig')) return runDumpConfig(cl);
  return await runDaemon(cl);
}

function configFile(cl: CommandLine): string {
  return optionValue(cl, 'useFile') ?? DEFAULT_CONFIG_FILE;
}

function load(cl: CommandLine): ReturnType<typeof loadConfig> {
  return loadConfig({
    file: configFile(cl),
    configId: optionValue(cl, 'configId'),
    allConfig: hasOption(cl, 'allConfig'),
  });
}

function printSignum(name: string): number {
  const n = SIGNUMS[name];
  if (n === undefined) {
    process.stderr.write(`Unknown sigfunc ${name}\n`);
    return 1;
  }
  process.stdout.write(`${n}\n`);
  return 0;
}

/** keepalived -t: every problem as `file:line: message`, keepalived's exit codes. */
function runConfigTest(cl: CommandLine): number {
  const result = load(cl);
  const text = result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('');
  const logFile = optionValue(cl, 'configTest');
  if (logFile !== undefined && logFile !== '') writeFileSync(logFile, text);
  else process.stderr.write(text);
  return configTestExitStatus(result);
}

function runDumpConfig(cl: CommandLine): number {
  const result = load(cl);
  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (result.config === undefined) return result.abortExitCode ?? 1;
  process.stdout.write(`${configToJson(result.config)}\n`);
  return 0;
}

/**
 * explain: `-f FILE` and/or files as operands (the members of a VRRP group usually live in
 * different files; giving them all lets explain compare them).
 */
function runExplain(cl: CommandLine): number {
  const files = [...(hasOption(cl, 'useFile') ? [configFile(cl)] : []), ...cl.operands];
  if (files.length === 0) files.push(DEFAULT_CONFIG_FILE);
  const loaded = [];
  let failed = false;
  for (const file of files) {
    const result = loadConfig({
      file,
      configId: optionValue(cl, 'configId'),
      allConfig: hasOption(cl, 'allConfig'),
    });
    for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    if (configTestExitCode(result.diagnostics) !== 0) failed = true;
    if (result.config === undefined) return result.abortExitCode ?? 1;
    loaded.push({ label: basename(file), config: result.config });
  }
  process.stdout.write(explainConfigs(loaded));
  return failed ? 1 : 0;
}

/** keepalived options that are parsed (so a keepalived command line works) but not acted on. */
const UNSUPPORTED_OPTIONS: readonly (readonly [string, string])[] = [
  ['snmp', '-x (--snmp)'],
  ['snmpAgentSocket', '-A (--snmp-agent-socket)'],
  ['namespace', '-s (--namespace)'],
  ['umask', '-u (--umask)'],
  ['coreDump', '-m (--core-dump)'],
  ['coreDumpPattern', '-M (--core-dump-pattern)'],
  ['addressMonitoring', '-a (--address-monitoring)'],
];

/** The daemon: the parent (supervisor, status listener), or one of its children by role. */
async function runDaemon(cl: CommandLine): Promise<number> {
  const role = process.env[CHILD_ROLE_ENV];
  // keepalived without -n forks into the background (core/daemon.c xdaemon); a child of
  // ours or the daemonized copy never forks again.
  if (!hasOption(cl, 'dontFork') && role === undefined && process.env[DAEMONIZED_ENV] === undefined) {
    return daemonize(cl);
  }
  holdDumpSignalsDuringStartup((m) => process.stderr.write(`${m}\n`));
  const result = load(cl);
  const facilityText = optionValue(cl, 'logFacility');
  const facility = facilityText === undefined ? undefined : parseLogFacility(facilityText);
  const logFile = optionValue(cl, 'logFile');
  // Syslog, console (-n -l), journald's stderr (under systemd without -l) and -g, as
  // keepalived's vlog_message chooses them (daemon/log.ts planLogSinks).
  const logger = createLogger({
    role: role === 'vrrp' || role === 'checker' ? role : 'parent',
    // The daemonized copy runs without a terminal: like keepalived, no console output.
    dontFork: hasOption(cl, 'dontFork'),
    logConsole: hasOption(cl, 'logConsole'),
    noSyslog: hasOption(cl, 'noSyslog'),
    logFile: logFile === undefined ? undefined : logFile,
    facility: facility ?? LOG_FACILITY.daemon,
    env: process.env,
  });
  const log = logger.log;
  if (facilityText !== undefined && facility === undefined && role === undefined) {
    process.stderr.write(`Invalid log facility '${facilityText}'\n`);
  }
  const config = result.config;
  if (role === 'vrrp' || role === 'checker') {
    // A child of ours: the parent has reported the diagnostics already.
    if (config === undefined) return exitChild(1);
    const childPidFile =
      role === 'vrrp'
        ? optionValue(cl, 'vrrpPidFile') ?? DEFAULT_PID_FILES.vrrp
        : optionValue(cl, 'checkersPidFile') ?? DEFAULT_PID_FILES.checker;
    const claimed = claimPidFile(childPidFile);
    if (!claimed.ok) log(claimed.reason);
    process.on('exit', () => releasePidFile(childPidFile));
    if (role === 'vrrp') {
      const { runVrrpDaemon } = await import('./daemon/vrrp_daemon.js');
      return exitChild(
        await runVrrpDaemon({
          config,
          reloadConfig: () => load(cl).config,
          logDetail: hasOption(cl, 'logDetail'),
          dontReleaseVrrp: hasOption(cl, 'dontReleaseVrrp'),
          releaseVips: hasOption(cl, 'releaseVips'),
          log,
        }),
      );
    }
    const { runCheckerDaemon } = await import('./daemon/checker_daemon.js');
    return exitChild(
      await runCheckerDaemon({ config, reloadConfig: () => load(cl).config, dontReleaseIpvs: hasOption(cl, 'dontReleaseIpvs'), log }),
    );
  }
  const pidFile = optionValue(cl, 'pidFile') ?? DEFAULT_PID_FILES.parent;
  const claim = claimPidFile(pidFile);
  if (!claim.ok) {
    log(claim.reason);
    return 1;
  }
  process.on('exit', () => releasePidFile(pidFile));
  log(`Starting ${VERSION_BANNER}`);
  log(`Command line: '${['keepalived-ts', ...process.argv.slice(2)].join(' ')}'`);
  log(`Opening file '${configFile(cl)}'.`);
  for (const d of result.diagnostics) log(formatDiagnostic(d));
  for (const [key, text] of UNSUPPORTED_OPTIONS) {
    if (hasOption(cl, key)) log(`keepalived-ts: ${text} is not supported; ignored`);
  }
  if (config === undefined) {
    log('keepalived-ts: no usable configuration; stopping');
    return 1;
  }
  if (hasOption(cl, 'dumpConf')) {
    for (const line of dumpConfigLines(config)) log(line);
  }
  const roles: ChildRole[] = [];
  if (config.vrrp.instances.length > 0 && !hasOption(cl, 'checkOnly')) roles.push('vrrp');
  if (config.lvs.virtualServers.length > 0 && !hasOption(cl, 'vrrpOnly')) roles.push('checker');
  if (roles.length === 0) {
    log('keepalived-ts: no vrrp_instance or virtual_server to run');
    return 1;
  }
  const script = process.argv[1] ?? '';
  const collector = new StatusCollector({
    parent: { pid: process.pid, version: VERSION, nodeVersion: process.version, startedAtMs: Date.now() },
    expectedRoles: roles,
  });
  const flag = optionValue(cl, 'statusListen');
  const listen = flag !== undefined ? parseStatusListenFlag(flag) : config.global.statusListen;
  if (flag !== undefined && listen === undefined) log(`keepalived-ts: --status-listen '${flag}' is not [ADDR:]PORT; no status listener`);
  let statusServer: StatusServer | undefined;
  if (listen !== undefined) {
    try {
      statusServer = await startStatusServer({ listen, getStatus: () => collector.status(), log });
      const { host, port } = statusServer.address;
      log(`Status listener on http://${host.includes(':') ? `[${host}]` : host}:${port} (/metrics, /status, /)`);
    } catch (e) {
      log(`keepalived-ts: cannot start the status listener: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let resumeMasters: string[] = [];
  let inForce = config;
  const code = await runSupervisor({
    onChildMessage: (role, pid, m) => collector.accept(m, pid === undefined ? { role } : { role, pid }),
    onChildExit: (role) => {
      // A VRRP child that dies is respawned: its masters resume at once (see vrrp_daemon.ts).
      if (role === 'vrrp') {
        resumeMasters = (collector.status().vrrp?.instances ?? []).filter((i) => i.state === 'MASTER').map((i) => i.name);
      }
      collector.childExited(role);
    },
    childEnv: (role): Record<string, string> =>
      role === 'vrrp' && resumeMasters.length > 0 ? { [RESUME_MASTERS_ENV]: resumeMasters.join(',') } : {},
    roles,
    script,
    args: process.argv.slice(2),
    dontRespawn: hasOption(cl, 'dontRespawn'),
    childWaitMs: 5_000,
    log,
    // USR1: the parent's own keepalived_parent.data, from the configuration in force.
    parentDataGlobal: () => inForce.global,
    formatParentData,
    // A configuration that keepalived -t would call fatal (or cannot read) is refused and
    // the running one is kept; warnings do not block a reload, as in keepalived.
    checkReload: () => {
      const next = load(cl);
      for (const d of next.diagnostics) log(formatDiagnostic(d));
      const c = next.config;
      // keepalived-ts: a configuration with nothing to run (a missing or emptied file is
      // only a note for keepalived) would tear every instance down: refused.
      const ok =
        c !== undefined &&
        configTestExitCode(next.diagnostics) !== CONFIG_TEST_EXIT.config &&
        (c.vrrp.instances.length > 0 || c.lvs.virtualServers.length > 0);
      collector.recordReload(ok ? 'success' : 'failure');
      if (ok) inForce = c;
      return ok;
    },
  });
  await statusServer?.close();
  log(`Stopped ${VERSION_BANNER}`);
  return code;
}

/** A child leaves at once when done: its IPC channel to the parent would keep it alive. */
function exitChild(code: number): number {
  process.exit(code);
}

async function runGenhash(argv: readonly string[]): Promise<number> {
  const { genhashMain } = await import('./check/probes/genhash.js');
  return genhashMain(
    argv,
    { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
    'keepalived-ts genhash',
  );
}

async function runLvsList(argv: readonly string[]): Promise<number> {
  let prefer: 'auto' | 'nftables' | 'ipvs' = 'auto';
  for (const a of argv) {
    const m = /^--backend=(auto|nftables|ipvs)$/.exec(a);
    if (m?.[1] === 'auto' || m?.[1] === 'nftables' || m?.[1] === 'ipvs') prefer = m[1];
    else {
      process.stderr.write(`keepalived-ts lvs: unknown argument '${a}'\nUsage: keepalived-ts lvs [--backend=auto|nftables|ipvs]\n`);
      return 1;
    }
  }
  const { openLvsBackend } = await import('./lvs/ipvs.js');
  const { formatLvsList } = await import('./lvs/list_format.js');
  const backend = openLvsBackend({ prefer });
  try {
    const plane = await backend.observe();
    process.stdout.write(formatLvsList(plane, { banner: `keepalived-ts ${backend.kind} data plane` }));
    return 0;
  } finally {
    backend.close?.();
  }
}
