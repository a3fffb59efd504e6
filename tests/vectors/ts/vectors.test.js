'use strict';
// Description: the tachc-generated TypeScript/JavaScript modules (generated/ts) against
// the cross-language vectors in tests/vectors/*.json: every field read through the
// getters matches the JSON, and writing every field through the setters into a zeroed
// buffer gives the vector's bytes exactly. decode() picks the class by type id.
//
// Accessors are found from the field names (a_u8 -> aU8, samples -> getSamples(i)),
// so the test follows the schemas.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');

const VECTORS = process.env.TACHYON_VECTORS_DIR || path.join(__dirname, '..');
const GENERATED = process.env.TACHYON_GENERATED_TS || path.join(__dirname, '..', '..', '..', 'generated', 'ts');

const camel = (s) => s.split('_').map((w, i) => (i ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join('');
const pascal = (s) => s.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

function num(v) {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === 'nan') return NaN;
  return Number(v);
}

// The JSON value as the getter's type: bigint, boolean, string or number.
function expected(got, want) {
  if (typeof got === 'bigint') return BigInt(want);
  if (typeof got === 'boolean' || typeof got === 'string') return want;
  return num(want);
}

function checkFields(view, fields, where) {
  for (const [key, want] of Object.entries(fields)) {
    const p = `${where}.${key}`;
    if (Array.isArray(want)) {
      const get = view[`get${pascal(key)}`];
      assert.equal(typeof get, 'function', `${p}: no get${pascal(key)}()`);
      want.forEach((w, i) => checkValue(get.call(view, i), w, `${p}[${i}]`));
      assert.throws(() => get.call(view, want.length), RangeError, `${p}: index ${want.length} is out of range`);
      assert.throws(() => get.call(view, -1), RangeError);
      continue;
    }
    assert.ok(camel(key) in view, `${p}: no accessor ${camel(key)}`);
    checkValue(view[camel(key)], want, p);
  }
}

function checkValue(got, want, p) {
  if (want !== null && typeof want === 'object') {
    checkFields(got, want, p);
    return;
  }
  const w = expected(got, want);
  if (typeof got === 'number') {
    assert.ok(Object.is(got, w) || (Number.isNaN(got) && Number.isNaN(w)), `${p} = ${got}, want ${w}`);
  } else {
    assert.equal(got, w, p);
  }
}

function writeFields(view, fields) {
  for (const [key, want] of Object.entries(fields)) {
    if (Array.isArray(want)) {
      const get = view[`get${pascal(key)}`];
      const set = view[`set${pascal(key)}`];
      want.forEach((w, i) => {
        if (w !== null && typeof w === 'object') writeFields(get.call(view, i), w);
        else set.call(view, i, expected(get.call(view, i), w));
      });
      continue;
    }
    const name = camel(key);
    if (want !== null && typeof want === 'object') writeFields(view[name], want);
    else view[name] = expected(view[name], want);
  }
}

const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort();

test('there are vector files and generated modules', () => {
  assert.ok(files.length >= 3, `vector files in ${VECTORS}`);
  assert.ok(fs.existsSync(path.join(GENERATED, 'market.js')), `generated modules in ${GENERATED}`);
});

for (const file of files) {
  const data = JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'));
  test(`vectors of ${file} decode and re-encode byte for byte`, () => {
    const mod = require(path.join(GENERATED, `${data.schema}.js`));
    assert.ok(data.vectors.length > 0);
    for (const [i, v] of data.vectors.entries()) {
      const where = `${data.schema}.${v.type}#${i}`;
      const Cls = mod[v.type];
      assert.equal(typeof Cls, 'function', `${where}: no class ${v.type}`);
      const bytes = Buffer.from(v.hex, 'hex');
      assert.equal(Cls.SIZE, bytes.length, `${where}: SIZE`);
      assert.equal(typeof Cls.FINGERPRINT, 'bigint');
      // Read at an odd offset inside a larger buffer: nothing may assume alignment.
      const host = Buffer.alloc(bytes.length + 3);
      bytes.copy(host, 3);
      checkFields(new Cls(host, 3), v.fields, where);
      checkFields(new Cls(new DataView(bytes.buffer, bytes.byteOffset, bytes.length)), v.fields, where);

      const out = new Uint8Array(bytes.length + 5);
      writeFields(new Cls(out.buffer, 5), v.fields);
      assert.equal(Buffer.from(out.subarray(5)).toString('hex'), v.hex, `${where}: re-encoded`);
      assert.ok(out.subarray(0, 5).every((x) => x === 0), `${where}: wrote before its offset`);

      // Whole-record copy through a nested struct setter / clear().
      const copy = new Cls(new Uint8Array(bytes.length));
      copy.bytes().set(bytes);
      assert.deepEqual(Buffer.from(copy.bytes()), bytes);
      copy.clear();
      assert.ok(copy.bytes().every((x) => x === 0));

      assert.throws(() => new Cls(bytes.subarray(1)), RangeError, `${where}: a short buffer is refused`);
      assert.throws(() => new Cls(bytes, 1), RangeError);
      assert.throws(() => new Cls('not bytes'), TypeError);
    }
  });
}

// char[N] text that does not fit is a RangeError and writes nothing (text is never
// cut, so never inside a code point); bytes that are not UTF-8 fail to read as text
// (TypeError), and xBytes() still reads them.
for (const file of files) {
  const data = JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'));
  test(`char[N] rules of ${file}: too long is refused, not UTF-8 fails to read`, () => {
    const mod = require(path.join(GENERATED, `${data.schema}.js`));
    for (const [i, r] of data.text_refused.entries()) {
      const bytes = Buffer.from(r.hex, 'hex');
      const view = new mod[r.type](bytes);
      assert.throws(() => { view[camel(r.field)] = r.value; }, RangeError, `${data.schema} text_refused#${i}`);
      assert.equal(bytes.toString('hex'), r.hex, `${data.schema} text_refused#${i}: the record is untouched`);
    }
    for (const [i, r] of data.text_invalid.entries()) {
      const view = new mod[r.type](Buffer.from(r.hex, 'hex'));
      assert.throws(() => view[camel(r.field)], TypeError, `${data.schema} text_invalid#${i}`);
      const raw = Buffer.from(r.raw, 'hex');
      const got = Buffer.from(view[`${camel(r.field)}Bytes`]());
      assert.deepEqual(got.subarray(0, raw.length), raw, `${data.schema} text_invalid#${i}: the bytes`);
    }
  });
}

test('decode picks the class by type id and refuses unknown ids and short payloads', () => {
  const market = require(path.join(GENERATED, 'market.js'));
  const bytes = new Uint8Array(market.MarketTick.SIZE);
  const tick = market.decode(market.MSG_ASK, bytes);
  assert.ok(tick instanceof market.MarketTick);
  assert.equal(market.decode(market.MSG_END, new Uint8Array(0)), null);
  assert.throws(() => market.decode(99, bytes), /market: unknown type id 99/);
  assert.throws(() => market.decode(market.MSG_BID, bytes, 0, 31), /needs 32 bytes, got 31/);
  assert.throws(() => market.decode(market.MSG_BID, bytes.subarray(0, 31)), RangeError);
  assert.equal(market.messageName(2), 'Ask');
  assert.equal(market.payloadSize(0), 0);
  assert.equal(market.payloadSize(1), 32);
  assert.equal(market.payloadSize(7), undefined);
  assert.equal(typeof market.SCHEMA_FINGERPRINT, 'bigint');

  const everything = require(path.join(GENERATED, 'everything.js'));
  const common = require(path.join(GENERATED, 'common.js'));
  assert.ok(everything.decode(everything.MSG_REPLAY, new Uint8Array(everything.Envelope.SIZE)) instanceof
    everything.Envelope);
  assert.ok(everything.decode(everything.MSG_POSITION, new Uint8Array(12)) instanceof common.Vec3);
  assert.deepEqual(everything.RESERVED, [[6, 6], [10, 19]]);
});

test('constants, enums and flags carry the schema values', () => {
  const everything = require(path.join(GENERATED, 'everything.js'));
  const frames = require(path.join(GENERATED, 'frames.js'));
  assert.equal(everything.MIN_TEMP, -40);
  assert.equal(everything.MAGIC, 0xFEEDFACECAFEBEEFn);
  assert.equal(everything.RATIO, 0.125);
  assert.equal(everything.STRICT, true);
  assert.equal(everything.GREETING, 'hello, "tach"');
  assert.equal(everything.Color.GREEN, 2);
  assert.equal(everything.Color.BLUE, 255);
  assert.equal(everything.Level.LOW, -32768);
  assert.equal(everything.Perm.TOP, 0x80000000);
  assert.equal(everything.Perm.READ | everything.Perm.WRITE | everything.Perm.EXEC, everything.Perm.ALL);
  assert.ok(Object.isFrozen(everything.Color));
  assert.equal(frames.FrameFlags.END_OF_STREAM, 0x8000);
  assert.equal(frames.FRAME_SAMPLES, 256);
});

test('text fields: NUL-padded, too long is a RangeError, UTF-8 round trips', () => {
  const market = require(path.join(GENERATED, 'market.js'));
  const t = new market.MarketTick(new Uint8Array(32).fill(0xff));
  t.symbol = 'BTC';
  assert.deepEqual([...t.symbolBytes()], [66, 84, 67, 0, 0, 0, 0, 0]);
  assert.equal(t.symbol, 'BTC');
  t.symbol = 'DOGEUSDT';
  assert.equal(t.symbol, 'DOGEUSDT');
  assert.throws(() => { t.symbol = 'DOGEUSDT1'; }, /holds 8 bytes/);
  t.symbol = 'é€';
  assert.equal(t.symbol, 'é€');
});

test('array fields are typed arrays over the same bytes where aligned', () => {
  const frames = require(path.join(GENERATED, 'frames.js'));
  const buf = new ArrayBuffer(frames.Frame.SIZE + 4);
  const f = new frames.Frame(buf, 4);
  const samples = f.samplesArray();
  assert.ok(samples instanceof Float32Array);
  assert.equal(samples.length, 256);
  samples[3] = 1.5;
  assert.equal(f.getSamples(3), 1.5);
  f.setSamples(4, -2);
  assert.equal(samples[4], -2);
  assert.throws(() => new frames.Frame(buf.slice(0), 2).samplesArray(), /not a multiple of 4/);
  const audio = new frames.AudioFrame(new ArrayBuffer(frames.AudioFrame.SIZE));
  assert.ok(audio.samplesArray() instanceof Int16Array);
  audio.header.seq = 7n;
  assert.equal(audio.header.seq, 7n);
  const other = new frames.MediaHeader(new ArrayBuffer(32));
  other.streamId = 9;
  audio.header = other;
  assert.equal(audio.header.streamId, 9);
  assert.equal(audio.header.seq, 0n);
});
