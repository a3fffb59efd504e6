#!/usr/bin/env node
// npm pack helper: `copy` puts libtachyon's sources (../include, ../src) into
// _runtime/ so the tarball builds away from the repository; `clean` removes them.
'use strict';
const fs = require('fs');
const path = require('path');

const HERE = path.resolve(__dirname, '..');
const DEST = path.join(HERE, '_runtime');
const SRC = process.env.TACHYON_SRC || path.join(HERE, '..');

if (process.argv[2] === 'clean') {
  fs.rmSync(DEST, { recursive: true, force: true });
} else if (process.argv[2] === 'copy') {
  if (!fs.existsSync(path.join(SRC, 'include', 'tachyon.h'))) {
    process.stderr.write(`tachyon: no libtachyon sources in ${SRC}; set TACHYON_SRC\n`);
    process.exit(1);
  }
  fs.rmSync(DEST, { recursive: true, force: true });
  fs.mkdirSync(DEST, { recursive: true });
  fs.copyFileSync(path.join(SRC, 'sources.mk'), path.join(DEST, 'sources.mk'));
  for (const sub of ['include', 'src']) {
    fs.mkdirSync(path.join(DEST, sub), { recursive: true });
    for (const f of fs.readdirSync(path.join(SRC, sub))) {
      if (/\.(c|h|mk)$/.test(f)) fs.copyFileSync(path.join(SRC, sub, f), path.join(DEST, sub, f));
    }
  }
} else {
  process.stderr.write('usage: pack.js copy|clean\n');
  process.exit(2);
}
