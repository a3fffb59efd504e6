#!/usr/bin/env node
// Builds the addon (build/tachyon.node) with the C compiler alone: no node-gyp,
// which would download Node's headers. It compiles src/*.c (the addon) together with
// libtachyon's C sources (the list and flags of runtime/sources.mk).
//
// Where things come from:
//   libtachyon   $TACHYON_SRC, else ../ (runtime/ of the Tachyon repository),
//                else ./_runtime (an npm pack of this folder carries a copy)
//   Node headers $NODE_INCLUDE, else <node prefix>/include/node, else /usr/include/node
//   compiler     $CC, else cc
// Usage: node scripts/build.js [--out FILE] [--quiet]
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const HERE = path.resolve(__dirname, '..');

function fail(msg) {
  process.stderr.write(`tachyon: ${msg}\n`);
  process.exit(1);
}

function isRuntime(dir) {
  return dir && fs.existsSync(path.join(dir, 'include', 'tachyon.h')) && fs.existsSync(path.join(dir, 'src'));
}

function runtimeDir() {
  const candidates = [process.env.TACHYON_SRC, path.join(HERE, '..'), path.join(HERE, '_runtime')];
  const found = candidates.find(isRuntime);
  if (!found) {
    fail('cannot find libtachyon\'s sources (runtime/include/tachyon.h and runtime/src/*.c); build from the ' +
      'Tachyon repository or set TACHYON_SRC=/path/to/runtime');
  }
  return path.resolve(found);
}

function nodeInclude() {
  const candidates = [process.env.NODE_INCLUDE, path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node', '/usr/local/include/node'];
  const found = candidates.find((d) => d && fs.existsSync(path.join(d, 'node_api.h')));
  if (!found) {
    fail('cannot find node_api.h (Node\'s headers): install them (Debian: apt-get install libnode-dev, or a Node ' +
      'release that ships include/node) or set NODE_INCLUDE=/path/to/include/node');
  }
  return path.resolve(found);
}

// The runtime's C sources and the C flags every build of them uses: the one
// list in runtime/sources.mk (`NAME := words` lines).
function runtimeList(rt) {
  const file = path.join(rt, 'sources.mk');
  if (!fs.existsSync(file)) fail(`cannot find ${file}, the list of libtachyon's sources and flags`);
  const vars = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)\s*:=\s*(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2].trim().split(/\s+/).filter(Boolean);
  }
  if (!vars.TACHYON_SOURCES || !vars.TACHYON_CFLAGS) fail(`${file} lacks TACHYON_SOURCES or TACHYON_CFLAGS`);
  return { sources: vars.TACHYON_SOURCES.map((f) => path.join(rt, 'src', f)), cflags: vars.TACHYON_CFLAGS };
}

function main() {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const out = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : path.join(HERE, 'build', 'tachyon.node');
  const quiet = args.includes('--quiet');
  const rt = runtimeDir();
  const cc = process.env.CC || 'cc';
  const list = runtimeList(rt);
  // The runtime's own flags, then what a shared object for Node needs; -Werror only
  // in the repository's builds (TACHYON_WERROR=1, as make sets it), so a newer
  // compiler's new warning never breaks a user's npm install.
  const flags = [...list.cflags, '-O2', '-g', '-fPIC', '-shared', '-pthread',
    ...(process.env.TACHYON_WERROR === '1' ? ['-Werror'] : []),
    '-I' + path.join(rt, 'include'), '-I' + path.join(rt, 'src'), '-isystem', nodeInclude()];
  const sources = [...['addon.c', 'rpc.c', 'topology.c', 'values.c', 'waits.c'].map((f) => path.join(HERE, 'src', f)),
    ...list.sources];
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cmd = [...flags, '-o', tmp, ...sources];
  if (!quiet) process.stdout.write(`  CC      ${path.relative(process.cwd(), out) || out}\n`);
  try {
    execFileSync(cc, cmd, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* nothing to remove */ }
    fail(`building the addon failed (${cc} ${cmd.join(' ')})`);
  }
  fs.renameSync(tmp, out);
}

main();
