'use strict';
// Description: the package ships: `npm pack` makes a tarball that carries the addon's
// and libtachyon's C sources, and `npm install` of it into another project builds the
// addon there (no node-gyp, no download) so that `require('tachyon')` moves a message.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { socketName } = require('./helpers');

const PKG = path.join(__dirname, '..');
const NPM = process.env.npm_execpath && process.env.npm_execpath.endsWith('.js')
  ? [process.execPath, process.env.npm_execpath] : ['npm'];

function npm(args, cwd) {
  return execFileSync(NPM[0], [...NPM.slice(1), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

test('npm pack, then npm install of the tarball into another project, builds and runs', { timeout: 240000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-pack-'));
  try {
    const out = npm(['pack', '--json', '--pack-destination', dir], PKG);
    const [info] = JSON.parse(out.slice(out.indexOf('[')));
    const files = info.files.map((f) => f.path);
    for (const want of ['index.js', 'index.d.ts', 'src/addon.c', 'scripts/build.js', '_runtime/include/tachyon.h',
      '_runtime/src/ring.c', 'README.md']) {
      assert.ok(files.includes(want), `the tarball lacks ${want}`);
    }
    assert.ok(!files.some((f) => f.startsWith('build/') || f.startsWith('test/')), 'no build output or tests');
    assert.ok(!fs.existsSync(path.join(PKG, '_runtime')), 'postpack removed the copied sources');

    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    npm(['install', '--offline', '--no-audit', '--no-fund', path.join(dir, info.filename)], app);
    assert.ok(fs.existsSync(path.join(app, 'node_modules', 'tachyon', 'build', 'tachyon.node')), 'the addon was built');

    const script = `
      const { Bus, NoListenerError } = require('tachyon');
      (async () => {
        const listening = Bus.listen(process.argv[1], 4096);
        let p;
        for (;;) {
          try { p = await Bus.connect(process.argv[1]); break; }
          catch (e) { if (!(e instanceof NoListenerError)) throw e; await new Promise((r) => setTimeout(r, 2)); }
        }
        const c = await listening;
        await p.send(Buffer.from('from the tarball'), 3);
        p.close();
        const m = await c.recv();
        console.log(m.typeId, m.data.toString(), require.resolve('tachyon'));
        c.close();
      })();`;
    // run from the app folder, so that require('tachyon') finds the installed copy
    const r2 = execFileSync(process.execPath, ['-e', script, socketName('pack2')], { cwd: app, encoding: 'utf8' });
    assert.match(r2, /^3 from the tarball .*app\/node_modules\/tachyon\/index\.js$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
