#!/usr/bin/env node
'use strict';
// The Node.js producer of the example streams (../README.md): connects to the consumer
// (retrying while it does not listen yet) with the bus bound to the schema's
// fingerprint, writes every message through the tachc-generated module, then End.
//
// Modes: `batch` (default) writes --batch records side by side in a local buffer with
// the generated MarketTick / Frame classes and sends them with one bus.sendBatch call;
// `view` writes each message in place in the ring slot (bus.sendZeroCopy + the
// generated class over the slot).
const path = require('path');
const s = require('./stream');

const { Bus, NoListenerError, SchemaMismatchError, TachyonError } = require(path.join(s.ROOT, 'runtime', 'node'));

async function connect(socket, schema) {
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      return await Bus.connect(socket, { schema });
    } catch (e) {
      if (!(e instanceof NoListenerError) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

function writeTick(market, tick, i, clock) {
  tick.symbol = s.tickSymbol(i);
  tick.price = s.tickPrice(i);
  tick.quantity = s.tickQuantity(i);
  tick.timestamp = clock ? s.realtimeNs() : s.tickTimestamp(i);
}

async function sendMarketBatch(bus, market, a) {
  const size = market.MarketTick.SIZE;
  const records = new Uint8Array(a.batch * size);
  const ids = new Uint32Array(a.batch);
  const ticks = Array.from({ length: a.batch }, (_, k) => new market.MarketTick(records, k * size));
  for (let start = 0; start < a.count; start += a.batch) {
    const n = Math.min(a.batch, a.count - start);
    for (let k = 0; k < n; k++) {
      writeTick(market, ticks[k], start + k, a.stamp === 'clock');
      ids[k] = s.tickType(market, start + k);
    }
    await bus.sendBatch(records.subarray(0, n * size), size, ids.subarray(0, n));
    bus.flush();
  }
}

async function sendMarketView(bus, market, a) {
  const size = market.MarketTick.SIZE;
  for (let i = 0; i < a.count; i++) {
    await bus.sendZeroCopy(size, s.tickType(market, i), (slot) => {
      writeTick(market, new market.MarketTick(slot), i, a.stamp === 'clock');
    });
    if (i % a.batch === a.batch - 1) bus.flush();
  }
}

async function sendFrames(bus, frames, a) {
  const size = frames.Frame.SIZE;
  const fill = (frame, i) => {
    const samples = frame.samplesArray(); // a Float32Array over the frame's bytes
    const base = s.frameBase(i);
    for (let k = 0; k < 256; k++) samples[k] = base + k;
  };
  if (a.mode === 'view') {
    for (let i = 0; i < a.count; i++) {
      await bus.sendZeroCopy(size, frames.MSG_FRAME, (slot) => fill(new frames.Frame(slot), i));
      if (i % a.batch === a.batch - 1) bus.flush();
    }
    return;
  }
  const per = Math.max(1, Math.min(a.batch, 256));
  const records = new Uint8Array(per * size);
  const views = Array.from({ length: per }, (_, k) => new frames.Frame(records, k * size));
  for (let start = 0; start < a.count; start += per) {
    const n = Math.min(per, a.count - start);
    for (let k = 0; k < n; k++) fill(views[k], start + k);
    await bus.sendBatch(records.subarray(0, n * size), size, frames.MSG_FRAME);
    bus.flush();
  }
}

async function main() {
  const a = s.parseArgs('producer');
  const schema = s.schemaModule(a);
  let bus;
  try {
    bus = await connect(a.socket, schema);
  } catch (e) {
    if (e instanceof SchemaMismatchError) {
      process.stderr.write(`producer: refused at connect: schema mismatch (${e.message})\n`);
      return s.EXIT_SCHEMA;
    }
    process.stderr.write(`producer: connect ${a.socket}: ${e.message}\n`);
    return s.EXIT_FAIL;
  }
  const mode = a.mode || 'batch';
  const start = process.hrtime.bigint();
  try {
    if (a.stream === 'market') {
      await (mode === 'view' ? sendMarketView : sendMarketBatch)(bus, schema, a);
    } else {
      await sendFrames(bus, schema, a);
    }
    await bus.send(new Uint8Array(0), schema.MSG_END);
    bus.flush();
  } catch (e) {
    if (!(e instanceof TachyonError)) throw e;
    process.stderr.write(`producer: ${e.message}\n`);
    bus.close();
    return s.EXIT_FAIL;
  }
  bus.close();
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  if (!a.quiet) {
    const what = a.stream === 'market'
      ? `${a.count} ticks (${a.count - Math.floor(a.count / 3)} bid, ${Math.floor(a.count / 3)} ask)`
      : `${a.count} frames of ${schema.Frame.SIZE} bytes`;
    console.log(`producer: sent ${what} + End (${mode} mode)`);
    console.log(`producer: ${secs.toFixed(3)} s, ${(a.count / secs / 1e6).toFixed(2)} M msg/s`);
  }
  return s.EXIT_OK;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`producer: ${e.stack || e}\n`);
  process.exitCode = s.EXIT_FAIL;
});
