#!/usr/bin/env node
'use strict';
// The Node.js consumer of the example streams (../README.md): listens with the bus bound
// to the schema's fingerprint, takes messages in batches (bus.recvBatch: up to --batch at
// once, read in place through the tachc-generated classes over the ring, committed
// together), checks the type id and every field of every message against its position,
// and exits 0 only if exactly --count messages came before End.
const path = require('path');
const s = require('./stream');

const { Bus, SchemaMismatchError, TachyonError } = require(path.join(s.ROOT, 'runtime', 'node'));

class Mismatch extends Error {}

class Tally {
  constructor() {
    this.received = 0;
    this.asks = 0;
    this.checksum = 0n;
    this.first = 0n;
    this.latency = [];
  }
}

/** Checks one batch of ticks in place; returns true once End was seen. */
function checkTicks(market, batch, a, t) {
  const { MarketTick, MSG_ASK, MSG_END } = market;
  const clock = a.stamp === 'clock';
  const now = clock ? s.realtimeNs() : 0n;
  let sum = 0; // quantity + price * 4 over this batch: exact in a double (< 2^53)
  for (let k = 0; k < batch.length; k++) {
    const type = batch.typeId(k);
    const size = batch.size(k);
    if (type === MSG_END && size === 0) {
      t.checksum += BigInt(sum);
      return true;
    }
    const i = t.received;
    if (i >= a.count) throw new Mismatch(`more than the ${a.count} messages expected`);
    if (type !== s.tickType(market, i) || size !== MarketTick.SIZE) {
      throw new Mismatch(`tick ${i}: type ${type} with ${size} bytes, expected type ${s.tickType(market, i)}`);
    }
    const tick = new MarketTick(batch.view, batch.offset(k));
    const symbol = tick.symbol;
    const price = tick.price;
    const quantity = tick.quantity;
    if (symbol !== s.tickSymbol(i) || price !== s.tickPrice(i) || quantity !== s.tickQuantity(i)) {
      throw new Mismatch(`tick ${i} differs: got ${symbol} ${price} ${quantity}, expected ${s.tickSymbol(i)} ` +
        `${s.tickPrice(i)} ${s.tickQuantity(i)}`);
    }
    const stamp = tick.timestamp;
    if (clock) {
      if (stamp > now) throw new Mismatch(`tick ${i}: clock stamp in the future`);
      t.latency.push(Number(now - stamp));
    } else if (stamp !== s.tickTimestamp(i)) {
      throw new Mismatch(`tick ${i}: timestamp ${stamp}, expected ${s.tickTimestamp(i)}`);
    }
    if (type === MSG_ASK) t.asks += 1;
    sum += quantity + price * 4;
    t.received = i + 1;
  }
  t.checksum += BigInt(sum);
  return false;
}

/** Checks one batch of frames in place (every sample); returns true once End was seen. */
function checkFrames(frames, batch, a, t) {
  const { Frame, MSG_FRAME, MSG_END } = frames;
  for (let k = 0; k < batch.length; k++) {
    const type = batch.typeId(k);
    const size = batch.size(k);
    if (type === MSG_END && size === 0) return true;
    const i = t.received;
    if (i >= a.count) throw new Mismatch(`more than the ${a.count} messages expected`);
    if (type !== MSG_FRAME || size !== Frame.SIZE) {
      throw new Mismatch(`frame ${i}: type ${type} with ${size} bytes is not a Frame`);
    }
    // A Float32Array over the frame in the ring: no copy.
    const samples = new Frame(batch.view, batch.offset(k)).samplesArray();
    const base = s.frameBase(i);
    for (let j = 0; j < 256; j++) {
      if (samples[j] !== base + j) throw new Mismatch(`frame ${i} sample ${j} is ${samples[j]}, expected ${base + j}`);
    }
    t.checksum += BigInt(base * 256 + 32640);
    t.received = i + 1;
  }
  return false;
}

async function main() {
  const a = s.parseArgs('consumer');
  const schema = s.schemaModule(a);
  let bus;
  try {
    bus = await Bus.listen(a.socket, a.capacity, { schema, timeout: 30000 });
  } catch (e) {
    if (e instanceof SchemaMismatchError) {
      process.stderr.write(`consumer: refused the producer: schema mismatch (${e.message})\n`);
      return s.EXIT_SCHEMA;
    }
    process.stderr.write(`consumer: listen ${a.socket}: ${e.message}\n`);
    return s.EXIT_FAIL;
  }
  const t = new Tally();
  const check = a.stream === 'market' ? checkTicks : checkFrames;
  let done = false;
  try {
    while (!done) {
      const batch = await bus.recvBatch(a.batch, { timeout: 30000 });
      if (batch === null) throw new Mismatch(`the producer closed after ${t.received} messages, before End`);
      if (!t.first) t.first = process.hrtime.bigint();
      try {
        done = check(schema, batch, a, t);
      } finally {
        batch.commit();
      }
    }
  } catch (e) {
    bus.close();
    if (e instanceof Mismatch || e instanceof TachyonError) {
      process.stderr.write(`consumer: ${e.message}\n`);
      return s.EXIT_FAIL;
    }
    throw e;
  }
  const secs = Math.max(Number(process.hrtime.bigint() - t.first) / 1e9, 1e-9);
  bus.close();
  if (t.received !== a.count) {
    process.stderr.write(`consumer: End after ${t.received} messages, expected ${a.count}\n`);
    return s.EXIT_FAIL;
  }
  if (!a.quiet) {
    const rate = t.received / secs;
    const sum = (t.checksum & 0xffffffffffffffffn).toString(16).padStart(16, '0');
    if (a.stream === 'market') {
      console.log(`consumer: ${t.received} ticks (${t.received - t.asks} bid, ${t.asks} ask) + End in ` +
        `${secs.toFixed(3)} s: ${(rate / 1e6).toFixed(2)} M msg/s, checksum ${sum} (batch mode, up to ${a.batch})`);
      if (t.latency.length) console.log(s.percentilesUs(t.latency));
    } else {
      console.log(`consumer: ${t.received} frames + End in ${secs.toFixed(3)} s: ${rate.toFixed(0)} frames/s, ` +
        `${(rate * schema.Frame.SIZE / 1e9).toFixed(2)} GB/s (read in place as Float32Arrays), checksum ${sum}`);
    }
    console.log('consumer: OK, every field of every message checked');
  }
  return s.EXIT_OK;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`consumer: ${e.stack || e}\n`);
  process.exitCode = s.EXIT_FAIL;
});
