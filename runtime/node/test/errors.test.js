'use strict';
// Description: the error classes are the C library's error table: one TachyonError
// subclass per tachyon_error_t value of runtime/include/tachyon.h, declared in
// index.d.ts, each carrying .code and .number; bus failures surface as them.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { socketName, connect, pair, tachyon } = require('./helpers');

const HEADER = path.join(__dirname, '..', '..', 'include', 'tachyon.h');

// The rows of TACHYON_ERROR_LIST in tachyon.h (the header is the source of truth):
// X(TACHYON_ERR_NAME, number, ShortName, "description").
function headerRows() {
  const text = fs.readFileSync(HEADER, 'utf8');
  return [...text.matchAll(/X\((TACHYON_ERR_[A-Z_]+), (\d+), (\w+), "([^"]*)"\)/g)]
    .map((m) => ({ code: m[1], number: Number(m[2]), short: m[3], text: m[4] }));
}

test('every code of tachyon.h\'s error table has a TachyonError subclass named after it', { skip: !fs.existsSync(HEADER) && 'runtime/include/tachyon.h not next to the package' }, () => {
  const rows = headerRows();
  assert.ok(rows.length >= 21, `parsed ${rows.length} codes from tachyon.h`);
  const byCode = new Map(Object.values(tachyon.errorClasses).map((cls) => [cls.code, cls]));
  for (const row of rows) {
    const cls = byCode.get(row.code);
    assert.ok(cls, `no class for ${row.code}`);
    assert.equal(cls.name, `${row.short}Error`);
    assert.equal(cls.number, row.number, `${row.code} is ${row.number} in tachyon.h`);
    assert.equal(cls.description, row.text);
    const e = new cls('context: what happened');
    assert.ok(e instanceof tachyon.TachyonError && e instanceof Error);
    assert.equal(e.code, row.code);
    assert.equal(e.number, row.number);
    assert.equal(e.name, cls.name);
    assert.equal(e.errno, 0);
    assert.equal(tachyon[cls.name], cls, `${cls.name} is exported`);
  }
  assert.equal(byCode.size, rows.length, 'no class without a code in tachyon.h');
});

test('index.d.ts declares exactly the error classes the table makes', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  const declared = [...dts.matchAll(/^export class (\w+) extends TachyonError/gm)].map((m) => m[1]).sort();
  assert.deepEqual(declared, Object.keys(tachyon.errorClasses).sort());
});

test('connecting to nobody is NoListenerError', async () => {
  await assert.rejects(tachyon.Bus.connect(socketName('nobody'), { timeout: 50 }),
    (e) => e instanceof tachyon.NoListenerError && e.code === 'TACHYON_ERR_NO_LISTENER' && /connect/.test(e.message));
});

test('a capacity that is not a power of two is refused', async () => {
  await assert.rejects(tachyon.Bus.listen(socketName('cap'), 1000, { timeout: 50 }),
    (e) => e instanceof tachyon.TachyonError && ['TACHYON_ERR_CAPACITY', 'TACHYON_ERR_INVALID_ARG'].includes(e.code));
});

test('a socket path too long is PathTooLongError', async () => {
  await assert.rejects(tachyon.Bus.listen(`/tmp/${'x'.repeat(200)}`, 4096, { timeout: 50 }), tachyon.PathTooLongError);
});

test('a listener that waits too long is TimeoutError', async () => {
  await assert.rejects(tachyon.Bus.listen(socketName('lonely'), 4096, { timeout: 30 }), tachyon.TimeoutError);
});

test('peers bound to different schema fingerprints are both refused', async () => {
  const name = socketName('schema');
  await Promise.all([
    assert.rejects(tachyon.Bus.listen(name, 4096, { fingerprint: 0x1234n, timeout: 5000 }), tachyon.SchemaMismatchError),
    assert.rejects(connect(name, { fingerprint: 0x5678n, timeout: 5000 }), tachyon.SchemaMismatchError),
  ]);
  const [c, p] = await pair(4096, { fingerprint: 0xfeedn });
  assert.equal(c.fingerprint, 0xfeedn);
  assert.equal(p.fingerprint, 0xfeedn);
  c.close();
  p.close();
  await assert.rejects(tachyon.Bus.connect(name, { fingerprint: -1n }), RangeError);
});

test('a message larger than the bus maximum is TooLargeError', async () => {
  const [c, p] = await pair(4096);
  assert.throws(() => p.trySend(new Uint8Array(p.maxMessageSize + 1), 1), tachyon.TooLargeError);
  await assert.rejects(p.send(new Uint8Array(p.maxMessageSize + 1), 1),
    (e) => e instanceof tachyon.TooLargeError && e.message.includes(String(p.maxMessageSize)));
  assert.equal(p.trySend(new Uint8Array(p.maxMessageSize), 1), true);
  c.close();
  p.close();
});

test('the package, libtachyon and the repository are one release', () => {
  assert.equal(tachyon.VERSION, tachyon.LIBRARY_VERSION);
  const file = path.join(__dirname, '..', '..', '..', 'VERSION');
  if (fs.existsSync(file)) assert.equal(tachyon.VERSION, fs.readFileSync(file, 'utf8').trim());
});
