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
import { VERSION_BANNER } from './daemon/version.js';
import { configTestExitCode, formatDiagnostic } from './config/diagnostics.js';
import { formatConsoleLine } from './daemon/log.js';
import { dumpConfigLines, configToJson } from './config/dump.js';
import { explainConfig } from './config/explain.js';

export async function main(argv: readonly string[]): Promise<number> {
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
  if (cl.operands.length > 0) {
    process.stderr.write(`keepalived-ts: unexpected argument '${cl.operands[0] ?? ''}'\n${USAGE}`);
    return 1;
  }
  if (cl.subcommand === 'explain') return runExplain(cl);
  if (hasOption(cl, 'configTest')) return runConfigTest(cl);
  if (hasOption(cl, 'dumpConfig')) return runDumpConfig(cl);
  return runDaemon(cl);
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
  return result.abortExitCode ?? configTestExitCode(result.diagnostics);
}

function runDumpConfig(cl: CommandLine): number {
  const result = load(cl);
  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (result.config === undefined) return result.abortExitCode ?? 1;
  process.stdout.write(`${configToJson(result.config)}\n`);
  return 0;
}

function runExplain(cl: CommandLine): number {
  const result = load(cl);
  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (result.config === undefined) return result.abortExitCode ?? 1;
  process.stdout.write(explainConfig(result.config));
  return configTestExitCode(result.diagnostics) === 0 ? 0 : 1;
}

function runDaemon(cl: CommandLine): number {
  const result = load(cl);
  const now = new Date();
  const log = (m: string): void => {
    process.stderr.write(`${formatConsoleLine(now, m)}\n`);
  };
  for (const d of result.diagnostics) log(formatDiagnostic(d));
  if (result.config !== undefined && hasOption(cl, 'dumpConf')) {
    for (const line of dumpConfigLines(result.config)) log(line);
  }
  log(
    'keepalived-ts: running VRRP and the health checkers is not implemented yet; ' +
      'use -t (config test), --dump-config, -d or explain',
  );
  return 1;
}
