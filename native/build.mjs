#!/usr/bin/env node
/**
 * Builds native/build/kats_net.node with the system C compiler, without node-gyp.
 *
 * node-gyp would download Node's headers from nodejs.org, which fails offline
 * (docs: native-networking.md §6.1). Instead we compile against:
 *   1. the running Node's own headers, <prefix>/include/node (node_api.h + uv.h), or
 *   2. the `node-api-headers` npm package plus native/uv_min.h, if that is installed.
 * N-API 8 is ABI-stable, so the result works on every later Node major.
 *
 * Run by `npm ci` through the root package's `install` script. Environment:
 *   CC                   compiler (default: cc)
 *   KATS_SKIP_NATIVE=1   skip the build (the daemon then refuses to start)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// kats_net.c holds the module's init; every other native/*.c adds functions to it through a
// kats_*_register() it declares.
const sources = readdirSync(here)
  .filter((f) => f.endsWith('.c'))
  .sort()
  .map((f) => join(here, f));
const output = join(here, 'build', 'kats_net.node');

function fail(message) {
  process.stderr.write(`native/build.mjs: ${message}\n`);
  process.exit(1);
}

/** Include flags for the first header set found, or undefined. */
function findHeaders() {
  const prefix = dirname(dirname(process.execPath));
  const candidates = [join(prefix, 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'node_api.h')) && existsSync(join(dir, 'uv.h'))) return { flags: [`-I${dir}`], from: dir };
  }
  try {
    const require = createRequire(join(here, '..', 'package.json'));
    const pkg = dirname(require.resolve('node-api-headers/package.json'));
    const dir = join(pkg, 'include');
    if (existsSync(join(dir, 'node_api.h'))) {
      return { flags: [`-I${dir}`, `-I${here}`, '-DKATS_UV_MIN'], from: `${dir} + native/uv_min.h` };
    }
  } catch {
    // Not installed: fall through to the error below.
  }
  return undefined;
}

if (process.env['KATS_SKIP_NATIVE'] === '1') {
  process.stderr.write('native/build.mjs: KATS_SKIP_NATIVE=1, not building the addon\n');
  process.exit(0);
}
if (process.platform !== 'linux') fail(`keepalived-ts needs Linux (this is ${process.platform})`);

const headers = findHeaders();
if (headers === undefined) {
  fail(
    `no Node headers found (looked in ${dirname(dirname(process.execPath))}/include/node, /usr/include/node); ` +
      'install your distribution\'s Node development package or `npm i -D node-api-headers`',
  );
}

mkdirSync(dirname(output), { recursive: true });
const cc = process.env['CC'] || 'cc';
const argv = [
  '-O2', '-g', '-fPIC', '-shared', '-std=gnu11', '-Wall', '-Wextra', '-Werror=implicit-function-declaration',
  '-fvisibility=hidden', ...headers.flags, '-o', output, ...sources,
];
const started = process.hrtime.bigint();
const r = spawnSync(cc, argv, { stdio: 'inherit' });
if (r.error) fail(`cannot run ${cc}: ${r.error.message} (a C compiler is required)`);
if (r.status !== 0) fail(`${cc} failed with status ${r.status ?? r.signal}`);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(`native/build.mjs: built ${output} in ${ms.toFixed(0)} ms (headers: ${headers.from})\n`);
