/**
 * Notify scripts and the notify FIFO end to end, keepalived-ts against the real
 * keepalived 2.2.7 in the same network-namespace lab (test/lab) with the same config:
 *
 *   a (150) starts alone → BACKUP (init) → MASTER; b (200) joins → a BACKUP;
 *   a's carrier drops → FAULT; carrier back → BACKUP; a stops → STOP.
 *
 * notify_master / notify_backup / notify_fault / notify_stop and `notify` are a shell
 * script that records its argv ("<arg>" per argument, one line per run) in a file of its
 * own, so each file's order is the order of the transitions. The notify_fifo (global_defs)
 * is read by `cat`. Both are compared with keepalived's and with the documented argv
 * (keepalived-behaviour.md §4: notify_* get their configured arguments only, `notify` gets
 * INSTANCE <name> <state> <priority>; FIFO lines `INSTANCE "VI_1" MASTER 150`).
 *
 * And a notify script that sleeps 5 s delays neither the transition to MASTER nor the
 * adverts (captured with tcpdump on the peer's side).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';
import { killDaemons, startDaemon, type Daemon, type DaemonKind } from '../lab/daemons.js';

const NET = 192;
const VIP = `10.${NET}.0.100`;
const HOOKS = ['master', 'backup', 'fault', 'stop', 'generic'] as const;
type Hook = (typeof HOOKS)[number];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const RECORDER = `#!/bin/sh
# $1 = the record file; every further argument is recorded as <arg>, one line per run.
out="$1"
shift
line=""
for a in "$@"; do line="$line<$a>"; done
printf '%s\\n' "$line" >> "$out"
`;

function writeScript(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

function notifyConfig(dir: string, priority: number, fifo: string | undefined): string {
  const rec = join(dir, 'rec.sh');
  const out = (h: Hook) => join(dir, `${h}.out`);
  return `global_defs {
  router_id kats_ntfy
  script_user root
  vrrp_garp_master_delay 1
${fifo === undefined ? '' : `  notify_fifo ${fifo}\n`}}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 93
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${VIP}/24
  }
  notify_master "${rec} ${out('master')} 'to master' m2"
  notify_backup "${rec} ${out('backup')} backup"
  notify_fault "${rec} ${out('fault')} fault"
  notify_stop "${rec} ${out('stop')} stop"
  notify "${rec} ${out('generic')} generic"
}
`;
}

interface Recorded {
  readonly files: Record<Hook, string[]>;
  readonly fifo: string[];
}

function dump(t: { name: string }, daemons: readonly Daemon[]): void {
  for (const d of daemons) process.stderr.write(`--- ${t.name}: ${d.host}/${d.kind}\n${d.lines.map((l) => l.text).join('\n')}\n`);
}

async function scenario(t: { name: string }, kind: DaemonKind): Promise<Recorded> {
  const dir = mkdtempSync(join(tmpdir(), `kats-ntfy-${kind}-`));
  const fifo = join(dir, 'notify.fifo');
  writeScript(dir, 'rec.sh', RECORDER);
  // Our reader: the FIFO exists before the daemon starts (keepalived then only opens it).
  spawnSync('mkfifo', ['-m', '0644', fifo]);
  const fifoOut: Buffer[] = [];
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
  reader.stdout.on('data', (c: Buffer) => fifoOut.push(c));
  const lab = Lab.create({ tag: 'ntfy', hosts: ['a', 'b'], net: NET });
  const daemons: Daemon[] = [];
  try {
    const a = startDaemon(lab, 'a', kind, notifyConfig(dir, 150, fifo));
    daemons.push(a);
    await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 10_000);
    await sleep(500);
    const b = startDaemon(lab, 'b', kind, notifyConfig(mkdtempSync(join(dir, 'b-')), 200, undefined));
    daemons.push(b);
    let mark = a.lines.length;
    await a.waitFor(/\(VI_1\) Entering BACKUP STATE$/, 10_000, mark);
    await sleep(500);
    mark = a.lines.length;
    lab.cutLink('a');
    await a.waitFor(/\(VI_1\) Entering FAULT STATE/, 5_000, mark);
    await sleep(500);
    mark = a.lines.length;
    lab.restoreLink('a');
    await a.waitFor(/\(VI_1\) Entering BACKUP STATE/, 5_000, mark);
    await sleep(500);
    await a.stop('SIGTERM');
    await sleep(300);
    const read = (h: Hook) => {
      const p = join(dir, `${h}.out`);
      return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '') : [];
    };
    const files = Object.fromEntries(HOOKS.map((h) => [h, read(h)])) as Record<Hook, string[]>;
    return { files, fifo: Buffer.concat(fifoOut).toString('utf8').split('\n').filter((l) => l !== '') };
  } catch (e) {
    dump(t, daemons);
    throw e;
  } finally {
    await killDaemons(daemons);
    await lab.destroy();
    reader.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

test('notify_* scripts, `notify` and notify_fifo get keepalived 2.2.7\'s arguments and lines, in order', async (t) => {
  if (skipUnlessLab(t, ['keepalived', 'mkfifo', 'cat'])) return;
  const theirs = await scenario(t, 'keepalived');
  const ours = await scenario(t, 'keepalived-ts');
  t.diagnostic(`keepalived: ${JSON.stringify(theirs)}`);
  t.diagnostic(`keepalived-ts: ${JSON.stringify(ours)}`);

  // The documented behaviour (keepalived-behaviour.md §4), which keepalived shows here.
  const expected: Recorded = {
    files: {
      master: ['<to master><m2>'],
      backup: ['<backup>', '<backup>', '<backup>'],
      fault: ['<fault>'],
      stop: ['<stop>'],
      generic: [
        '<generic><INSTANCE><VI_1><BACKUP><150>',
        '<generic><INSTANCE><VI_1><MASTER><150>',
        '<generic><INSTANCE><VI_1><BACKUP><150>',
        '<generic><INSTANCE><VI_1><FAULT><150>',
        '<generic><INSTANCE><VI_1><BACKUP><150>',
        '<generic><INSTANCE><VI_1><STOP><150>',
      ],
    },
    fifo: [
      'INSTANCE "VI_1" BACKUP 150',
      'INSTANCE "VI_1" MASTER 150',
      'INSTANCE "VI_1" BACKUP 150',
      'INSTANCE "VI_1" FAULT 150',
      'INSTANCE "VI_1" BACKUP 150',
      'INSTANCE "VI_1" STOP 150',
    ],
  };
  for (const h of HOOKS) assert.deepEqual(ours.files[h], theirs.files[h], `${h}: keepalived-ts vs keepalived`);
  assert.deepEqual(ours.fifo, theirs.fifo, 'notify_fifo: keepalived-ts vs keepalived');
  assert.deepEqual(ours, expected, 'keepalived-ts: the documented argv and FIFO lines');
});

test('a notify script that sleeps 5 s delays neither the transition to MASTER nor the adverts', async (t) => {
  if (skipUnlessLab(t, ['tcpdump'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'kats-ntfy-slow-'));
  const slow = writeScript(dir, 'slow.sh', `#!/bin/sh\nsleep 5\necho "$@" >> ${join(dir, 'slow.out')}\n`);
  const lab = Lab.create({ tag: 'ntfy', hosts: ['a', 'b'], net: NET });
  const daemons: Daemon[] = [];
  try {
    // tcpdump on b's side of the bridge: a's adverts with their arrival times.
    const dumpLines: string[] = [];
    const tcpdump = lab.spawn('b', ['tcpdump', '-l', '-n', '-tt', '-i', 'eth0', 'ip proto 112']);
    tcpdump.stdout?.on('data', (c: Buffer) => dumpLines.push(...c.toString('utf8').split('\n').filter((l) => l !== '')));
    await sleep(1_000);
    const conf = `global_defs {
  router_id kats_ntfy
  script_user root
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 94
  priority 150
  advert_int 1
  virtual_ipaddress {
    ${VIP}/24
  }
  notify_backup "${slow} backup"
  notify_master "${slow} master"
  notify "${slow} generic"
}
`;
    const a = startDaemon(lab, 'a', 'keepalived-ts', conf);
    daemons.push(a);
    const init = await a.waitFor(/\(VI_1\) Entering BACKUP STATE \(init\)/, 5_000);
    const master = await a.waitFor(/\(VI_1\) Entering MASTER STATE/, 8_000);
    // Master_Down_Interval at priority 150: 3 s + 106/256 s, despite the sleeping scripts.
    const mdi = master.atMs - init.atMs;
    t.diagnostic(`BACKUP (init) → MASTER in ${mdi.toFixed(1)} ms with a 5 s notify_backup running`);
    assert.ok(mdi >= 3_300 && mdi <= 3_414 + 150, `Master_Down_Interval ${mdi} ms`);
    // 5.5 s of adverts while notify_master (and `notify`) sleep.
    await sleep(5_500);
    const times = dumpLines
      .filter((l) => new RegExp(`^\\d+\\.\\d+ IP 10\\.${NET}\\.0\\.1 > 224\\.0\\.0\\.18: VRRPv2`).test(l))
      .map((l) => Number(l.split(' ')[0]) * 1000);
    t.diagnostic(`adverts seen by b: ${times.length}`);
    assert.ok(times.length >= 5, `at least 5 adverts in 5 s, got ${times.length}:\n${dumpLines.join('\n')}`);
    const gaps = times.slice(1).map((x, i) => x - (times[i] ?? x));
    t.diagnostic(`advert gaps (ms): ${gaps.map((g) => g.toFixed(0)).join(' ')}`);
    for (const g of gaps) assert.ok(g >= 900 && g <= 1_100, `advert gap ${g} ms`);
    // The scripts did run (and finished after their sleep).
    await sleep(1_000);
    const ran = readFileSync(join(dir, 'slow.out'), 'utf8').split('\n').filter((l) => l !== '').sort();
    assert.deepEqual(ran, ['backup', 'generic INSTANCE VI_1 BACKUP 150', 'generic INSTANCE VI_1 MASTER 150', 'master']);
  } catch (e) {
    dump(t, daemons);
    throw e;
  } finally {
    await killDaemons(daemons);
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
