'use strict';
// Description: the name-collision table for TypeScript/JavaScript. A schema whose names
// are JS/TS keywords (class, delete, new), CommonJS bindings (exports), module exports
// (decode), globals the generated code relies on (String, DataView, Object) and members
// of every generated class (view, offset, bytes, toObject) generates a module that node
// loads and tsc accepts, with each name mangled by the documented rule: a top-level
// binding that is a keyword or taken gets '_' appended; a field only when it would
// collide with a member of the class (keywords are fine as property names).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.join(__dirname, '..', '..', '..');
const TACHC = process.env.TACHC || path.join(ROOT, process.env.BUILD || 'build', 'tachc');
const TSC = path.join(ROOT, 'runtime', 'node', 'node_modules', '.bin', 'tsc');

let out;
test.before(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'tachc-ts-names-'));
  execFileSync(TACHC, ['gen', '--lang', 'ts', '--out', out, path.join(__dirname, 'names', 'hostile.tach')]);
});
test.after(() => fs.rmSync(out, { recursive: true, force: true }));

test('keywords, CommonJS names and taken exports are mangled at the top level', { skip: !fs.existsSync(TACHC) && `${TACHC} not built` }, () => {
  const m = require(path.join(out, 'ts', 'hostile.js'));
  assert.deepEqual(Object.keys(m).sort(), ['DataView', 'MSG_END', 'MSG_NEW', 'Object', 'RESERVED', 'SCHEMA_FINGERPRINT',
    'String', 'decode', 'decode_', 'delete_', 'exports_', 'messageName', 'payloadSize'].sort());
  assert.equal(m.delete_, 1);
  assert.equal(m.exports_, 2);
  assert.equal(m.decode_, 3);
  assert.equal(m.Object, 4);
  assert.equal(m.DataView.constructor, 2, 'enum values keep their names (property keys)');
  assert.equal(m.DataView.__proto__, 3);
  assert.equal(Object.getPrototypeOf(m.DataView), Object.prototype, '__proto__ is a key, not the prototype');
});

test('fields that collide with class members get "_"; keyword fields keep their names', { skip: !fs.existsSync(TACHC) && `${TACHC} not built` }, () => {
  const m = require(path.join(out, 'ts', 'hostile.js'));
  const s = new m.String(new Uint8Array(m.String.SIZE + 1), 1);
  assert.ok(s.view instanceof DataView, 'view is the class member');
  assert.equal(s.offset, 1);
  s.view_ = 7;
  s.offset_ = 300;
  s.bytes_ = 70000;
  s.class = 5n;
  s.toObject_ = 9;
  s.setItems(1, 4);
  s.getItems_ = 6;
  s.name = 'abc';
  s.nameBytes_ = 8;
  s.kind = m.DataView.constructor;
  assert.deepEqual(s.toObject(), { view_: 7, offset_: 300, bytes_: 70000, class: 5n, toObject_: 9, items: [0, 4],
    getItems_: 6, name: 'abc', nameBytes_: 8, kind: 2 });
  assert.equal(s.bytes().length, m.String.SIZE);
  assert.equal(m.decode(m.MSG_NEW, s.bytes()).class, 5n);
  assert.equal(String(123), '123', 'the global String is untouched');
});

test('tsc accepts the declarations and a program using them', { skip: (!fs.existsSync(TACHC) && `${TACHC} not built`) || (!fs.existsSync(TSC) && 'typescript not installed: cd runtime/node && npm ci') }, () => {
  fs.writeFileSync(path.join(out, 'ts', 'use.ts'), [
    'import * as k from "./hostile";',
    'const s = new k.String(new Uint8Array(k.String.SIZE));',
    's.class = 1n; s.view_ = 2; s.name = "x"; s.kind = k.DataView.view;',
    'const v: DataView = s.view; const t: string = String(k.delete_ + k.exports_ + k.decode_ + k.Object);',
    'const d = k.decode(k.MSG_NEW, s.bytes()); export const n = (d === null ? 0 : d.toObject_) + v.byteLength + t.length;',
  ].join('\n'));
  fs.writeFileSync(path.join(out, 'ts', 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], module: 'commonjs', types: [] },
    files: ['use.ts', 'hostile.d.ts'],
  }));
  execFileSync(TSC, ['-p', path.join(out, 'ts', 'tsconfig.json')], { encoding: 'utf8' });
});
