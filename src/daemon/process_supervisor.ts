/**
 * keepalived's process model (shell): a small parent that starts a VRRP child and a checker
 * child (only those the config needs, or as -P / -C say), forwards signals, and restarts a
 * child that dies, with keepalived's back-off: at once if it ran for more than 60 s, else
 * after 1, 2, 4 … 60 s (-R / --dont-respawn: stop instead).
 *
 * The children are the same program started again (child_process.fork) with
 * KEEPALIVED_TS_CHILD=vrrp|checker. A child exits when its parent dies, as keepalived's do
 * with PR_SET_PDEATHSIG(SIGTERM): the IPC channel closes and the child stops gracefully.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { GlobalDefs } from '../config/model/global.js';
import { watchSignal, type SignalWatcher } from '../net/native.js';
import { SIGNAL_JSON, SIGNAL_STATS_CLEAR } from './command_line.js';

export type ChildRole = 'vrrp' | 'checker';

export const CHILD_ROLE_ENV = 'KEEPALIVED_TS_CHILD';
/** Set for a respawned VRRP child: the instances that were MASTER when it died. */
export const RESUME_MASTERS_ENV = 'KEEPALIVED_TS_RESUME_MASTERS';

/**
 * keepalived's data signals (--signum=…; glibc numbers): DATA (USR1) goes to every child and
 * the parent dumps its own data; STATS (USR2), JSON (SIGRTMIN+2) and STATS_CLEAR
 * (SIGRTMAX-1) only to the VRRP child (main.c propagate_signal).
 */
/**
 * Until a process has its real handlers, a dump signal must do no harm: Node's default for
 * USR1 opens the inspector on 127.0.0.1:9229, and a realtime signal's default action ends
 * the process. Installed first thing in every process of the daemon; the later handlers
 * run alongside these no-ops.
 */
export function holdDumpSignalsDuringStartup(log: (line: string) => void): void {
  process.on('SIGUSR1', () => undefined);
  for (const signum of [SIGNAL_JSON, SIGNAL_STATS_CLEAR]) watchSignalNumber(signum, () => undefined, log);
  if (process.env[CHILD_ROLE_ENV] !== undefined) {
    // A HUP before the child's own handler: it is reading the new file anyway.
    process.on('SIGHUP', () => undefined);
    process.send?.(CHILD_READY_MESSAGE);
  }
}

/**
 * A child's first IPC message: from now on signals do it no harm, so the parent passes them
 * on. Before it, a forwarded HUP, USR1 or realtime signal would kill the new process (their
 * default action) while Node is still starting.
 */
const CHILD_READY_MESSAGE = { kind: 'keepalived-ts/child-ready' } as const;

function isChildReady(m: unknown): boolean {
  return typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === CHILD_READY_MESSAGE.kind;
}

/** keepalived's tmp_dir (utils.c set_tmp_dir): $TMPDIR when it is an absolute path, else /tmp. */
export function dumpDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const t = env['TMPDIR'];
  return t !== undefined && isAbsolute(t) ? t : '/tmp';
}

/**
 * Where a USR1 dump goes (global_data.c open_dump_file): tmp_dir/NAME, or with
 * data_use_instance and an instance name or network namespace,
 * tmp_dir/BASE.<ns>[_]<instance>.EXT.
 */
export function dumpFilePath(fileName: string, global: GlobalDefs | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = dumpDirectory(env);
  const useInstance = global?.raw.some((r) => r.keyword === 'data_use_instance' && !['false', 'no', 'off', '0'].includes((r.args[0] ?? 'true').toLowerCase()));
  const ns = global?.netNamespace;
  const inst = global?.instanceName;
  if (useInstance !== true || (ns === undefined && inst === undefined)) return join(dir, fileName);
  const dot = fileName.lastIndexOf('.');
  const base = dot < 0 ? fileName : fileName.slice(0, dot);
  const ext = dot < 0 ? '' : fileName.slice(dot);
  return join(dir, `${base}.${ns ?? ''}${ns !== undefined && inst !== undefined ? '_' : ''}${inst ?? ''}${ext}`);
}

/**
 * Write a dump file, mode 0600 as keepalived's fopen_safe leaves it. `atomic`: through a
 * temporary file in the same directory and a rename, so a reader never sees half a file.
 * Returns an error text, or undefined.
 */
export function writeDumpFile(path: string, text: string, atomic = false): string | undefined {
  try {
    if (!atomic) {
      writeFileSync(path, text, { mode: 0o600 });
      return undefined;
    }
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, path);
    return undefined;
  } catch (e) {
    return `Can't open dump file ${path} (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Watch a signal by number (realtime ones too); undefined, with a log line, if impossible. */
export function watchSignalNumber(signum: number, handler: () => void, log: (line: string) => void): SignalWatcher | undefined {
  try {
    return watchSignal(signum, handler);
  } catch (e) {
    log(`keepalived-ts: cannot watch signal ${signum}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** keepalived's names in "Starting VRRP child process, pid=N". */
const ROLE_TEXT: Readonly<Record<ChildRole, string>> = { vrrp: 'VRRP', checker: 'Healthcheck' };

/** Restart delay after a child died having run `ranMs`, given the previous delay. */
export function respawnDelayMs(ranMs: number, previousDelayMs: number): number {
  if (ranMs > 60_000) return 0;
  return previousDelayMs === 0 ? 1_000 : Math.min(60_000, previousDelayMs * 2);
}

export interface SupervisorOptions {
  readonly roles: readonly ChildRole[];
  /** The program and arguments to start again (process.argv[1] and the command line). */
  readonly script: string;
  readonly args: readonly string[];
  readonly dontRespawn: boolean;
  /** How long children get to stop on TERM before SIGKILL (keepalived child_wait_time, 5 s). */
  readonly childWaitMs: number;
  readonly log: (line: string) => void;
  /** SIGHUP: true when the new configuration may be loaded (the children then get HUP). */
  readonly checkReload?: () => boolean;
  /** IPC messages from a child (status snapshots); must not throw. */
  readonly onChildMessage?: (role: ChildRole, pid: number | undefined, message: unknown) => void;
  readonly onChildExit?: (role: ChildRole) => void;
  /** Extra environment for a child about to start (a respawned VRRP child's resume list). */
  readonly childEnv?: (role: ChildRole) => Readonly<Record<string, string>>;
  /**
   * USR1: the global definitions the parent dumps to keepalived_parent.data (main.c
   * print_parent_data); undefined: no parent file.
   */
  readonly parentDataGlobal?: () => GlobalDefs | undefined;
  /** The parent's dump text for those definitions (vrrp/data_dump.ts formatParentData). */
  readonly formatParentData?: (global: GlobalDefs) => string;
}

interface Running {
  child: ChildProcess;
  startedAt: number;
  delayMs: number;
  /** The child has its signal handlers (CHILD_READY_MESSAGE). */
  ready: boolean;
}

/** Runs until SIGTERM/SIGINT (or, with -R, until a child dies). Resolves with the exit status. */
export function runSupervisor(o: SupervisorOptions): Promise<number> {
  const running = new Map<ChildRole, Running>();
  let stopping = false;
  let exitCode = 0;

  return new Promise<number>((resolve) => {
    const start = (role: ChildRole, delayMs: number): void => {
      const child = fork(o.script, [...o.args], {
        env: { ...process.env, ...(o.childEnv?.(role) ?? {}), [CHILD_ROLE_ENV]: role },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const entry: Running = { child, startedAt: Date.now(), delayMs, ready: false };
      running.set(role, entry);
      child.on('message', (m: unknown) => {
        if (isChildReady(m)) entry.ready = true;
        else o.onChildMessage?.(role, child.pid, m);
      });
      o.log(`Starting ${ROLE_TEXT[role]} child process, pid=${child.pid ?? '?'}`);
      child.once('exit', (code, signal) => {
        const r = running.get(role);
        running.delete(role);
        o.onChildExit?.(role);
        if (stopping) {
          if (running.size === 0) resolve(exitCode);
          return;
        }
        const how = signal !== null ? `signal ${signal}` : `status ${code ?? 0}`;
        o.log(`${ROLE_TEXT[role]} child process(${child.pid ?? '?'}) died: exited with ${how}`);
        if (code === 1 && signal === null) {
          // A child that could not start (no privileges, bad config): stop, as keepalived
          // does on a fatal child exit status.
          exitCode = 1;
          stopAll();
          return;
        }
        if (o.dontRespawn) {
          exitCode = 1;
          stopAll();
          return;
        }
        const ran = Date.now() - (r?.startedAt ?? Date.now());
        const delay = respawnDelayMs(ran, r?.delayMs ?? 0);
        o.log(`Respawning ${ROLE_TEXT[role]} child process${delay > 0 ? ` in ${delay / 1000} s` : ''}`);
        setTimeout(() => {
          if (!stopping) start(role, delay);
        }, delay);
      });
    };

    const ready = (): Running[] => [...running.values()].filter((r) => r.ready);
    const readyVrrp = (): Running | undefined => {
      const r = running.get('vrrp');
      return r?.ready === true ? r : undefined;
    };

    const stopAll = (): void => {
      if (stopping) return;
      stopping = true;
      if (running.size === 0) {
        resolve(exitCode);
        return;
      }
      for (const r of running.values()) r.child.kill('SIGTERM');
      setTimeout(() => {
        for (const r of running.values()) r.child.kill('SIGKILL');
      }, o.childWaitMs).unref();
    };

    process.on('SIGTERM', stopAll);
    process.on('SIGINT', stopAll);
    process.on('SIGHUP', () => {
      if (stopping) return;
      o.log('Reloading ...');
      if (o.checkReload !== undefined && !o.checkReload()) {
        o.log('Reload refused: the new configuration fails the check; the running configuration is kept');
        return;
      }
      for (const r of ready()) r.child.kill('SIGHUP');
    });
    // keepalived's propagate_signal(): STATS, JSON and STATS_CLEAR go to the VRRP child,
    // which writes the files; DATA goes to every child, and the parent dumps its own data.
    process.on('SIGUSR2', () => readyVrrp()?.child.kill('SIGUSR2'));
    process.on('SIGUSR1', () => {
      for (const r of ready()) r.child.kill('SIGUSR1');
      const g = o.parentDataGlobal?.();
      if (g === undefined || o.formatParentData === undefined) return;
      o.log(`Printing parent data for process(${process.pid}) on signal`);
      const problem = writeDumpFile(dumpFilePath('keepalived_parent.data', g), o.formatParentData(g));
      if (problem !== undefined) o.log(problem);
    });
    for (const signum of [SIGNAL_JSON, SIGNAL_STATS_CLEAR]) {
      // ChildProcess.kill() only takes named signals; process.kill() takes any number.
      watchSignalNumber(signum, () => {
        const pid = readyVrrp()?.child.pid;
        if (pid === undefined) return;
        try {
          process.kill(pid, signum);
        } catch {
          // the child is gone; the exit handler respawns it
        }
      }, o.log);
    }
    for (const role of o.roles) start(role, 0);
  });
}

/** In a child: stop gracefully when the parent goes away (keepalived's PDEATHSIG). */
export function stopWhenParentDies(stop: () => void): void {
  if (process.send === undefined) return;
  process.on('disconnect', stop);
}

/** What a child daemon (VRRP or checker) offers to runChildDaemon. */
export interface ChildDaemon {
  /** Opens everything; an error text when the daemon cannot run. */
  start(): Promise<string | undefined>;
  /** Called once, synchronously, when a stop begins (before stop()). */
  beginStop?(): void;
  stop(): Promise<void>;
  reload(): void | Promise<void>;
}

/**
 * A child's life: start, then run until SIGTERM/SIGINT or the parent's death (a graceful
 * stop), with HUP as reload and any extra signals the caller wires. Resolves with the exit
 * status.
 */
export async function runChildDaemon(
  daemon: ChildDaemon,
  log: (line: string) => void,
  extraSignals: Readonly<Partial<Record<NodeJS.Signals | number, () => void>>> = {},
): Promise<number> {
  const problem = await daemon.start();
  if (problem !== undefined) {
    log(`keepalived-ts: ${problem}`);
    await daemon.stop();
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onStop = (): void => {
      if (stopping) return;
      stopping = true;
      daemon.beginStop?.();
      void daemon.stop().then(() => resolve(0));
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    stopWhenParentDies(onStop);
    process.on('SIGHUP', () => void daemon.reload());
    for (const [signal, handler] of Object.entries(extraSignals)) {
      if (handler === undefined) continue;
      // Numbers are realtime signals (keepalived's JSON, STATS_CLEAR) Node cannot name.
      if (/^\d+$/.test(signal)) watchSignalNumber(Number(signal), handler, log);
      else process.on(signal as NodeJS.Signals, handler);
    }
  });
}

/** A live process (EPERM still means it exists). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
