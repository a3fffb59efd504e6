'use strict';
// Description: RpcClient and RpcServer end to end (server and client in one
// process, the waits off the event loop) and the generated Pricing stubs:
// calls, handler errors, unknown method, bad request, pipelined replies out of
// order, deadlines, the server killed with calls in flight, hostile replies.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { spawn } = require('child_process');
const { socketName, tachyon } = require('./helpers');

const { RpcClient, RpcServer, RpcStatus, RpcStatusError, HANDLER_EXCEPTION } = tachyon;
const pricing = require(path.join(__dirname, '../../../tests/rpc/golden/ts/pricing.js'));

// Method 10: a u64 in, the u64 plus one out; 0 is refused with code 7, 2989 throws.
const METHODS = [{ id: 10, requestSize: 8, replySize: 8 }];
function increment(index, request, reply) {
  const v = new DataView(request).getBigUint64(0, true);
  if (v === 0n) throw RpcStatusError.appError(7);
  if (v === 2989n) throw new Error('unlucky');
  new DataView(reply).setBigUint64(0, v + 1n, true);
}
const u64 = (v) => new BigUint64Array([BigInt(v)]);
const read64 = (reply) => new DataView(reply.body).getBigUint64(0, true);

/** A server (serving with `body`) and a client connected to it. */
async function connected(body) {
  const where = socketName('rpc');
  const listening = RpcServer.listen(where, { timeout: 10000 });
  let client;
  for (let tries = 0; ; tries++) {
    try {
      client = await RpcClient.connect(where, { timeout: 10000 });
      break;
    } catch (e) {
      if (!(e instanceof tachyon.NoListenerError) || tries > 2000) throw e;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const server = await listening;
  const served = body(server).finally(() => server.close());
  served.catch(() => {}); // awaited (or asserted) by the test itself, maybe after it settled
  return { client, served };
}

test('calls dispatch by method id; handler errors, unknown methods and bad sizes are answered', async () => {
  const { client, served } = await connected((s) => s.serve(METHODS, increment));
  for (let v = 1; v <= 30; v++) {
    const r = await client.call(10, u64(v), 8, { timeout: 5000 });
    assert.equal(r.status, RpcStatus.OK);
    assert.equal(read64(r), BigInt(v + 1));
    r.release();
    assert.equal(r.body.byteLength, 0, 'a released reply is detached');
  }
  let r = await client.call(10, u64(0), 8);
  assert.deepEqual([r.status, r.appCode], [RpcStatus.APP_ERROR, 7]);
  r.release();
  r = await client.call(99, undefined, 0);
  assert.equal(r.status, RpcStatus.UNKNOWN_METHOD);
  r.release();
  r = await client.call(10, new Uint8Array(3), 8);
  assert.equal(r.status, RpcStatus.BAD_REQUEST);
  r.release();
  r = await client.call(10, u64(2989), 8);
  assert.deepEqual([r.status, r.appCode], [RpcStatus.APP_ERROR, HANDLER_EXCEPTION]);
  r.release();
  await assert.rejects(served, /unlucky/);
  client.close();
});

test('pipelined calls get their replies in the order the server answers', async () => {
  const n = 32;
  const { client, served } = await connected(async (s) => {
    const held = [];
    while (held.length < n) {
      const req = await s.nextRequest();
      held.push([req.callId, new DataView(req.body).getBigUint64(0, true)]);
      s.defer();
    }
    for (const [id, v] of held.reverse()) s.replyTo(id, 10, RpcStatus.OK, 0, u64(v * 10n));
    await assert.rejects(s.nextRequest(), tachyon.PeerGoneError);
  });
  const ids = [];
  for (let i = 0; i < n; i++) ids.push(client.send(10, u64(i), 8, { timeout: 5000 }));
  assert.equal(client.pending, n);
  for (let k = n - 1; k >= 0; k--) {
    const r = await client.nextReply({ timeout: 5000 });
    assert.equal(r.callId, ids[k]);
    assert.equal(read64(r), BigInt(k * 10));
    r.release();
  }
  assert.equal(client.pending, 0);
  await assert.rejects(client.nextReply(), tachyon.StateError);
  client.close();
  await served;
});

test('close() ends a nextRequest and a nextReply waiting with no deadline (one C wait, interrupted)', async () => {
  let waiting;
  const started = new Promise((r) => { waiting = r; });
  const { client, served } = await connected(async (s) => {
    const next = s.nextRequest(); // no timeout: only close() ends it
    waiting(s);
    await next;
  });
  const server = await started;
  await new Promise((r) => setTimeout(r, 250)); // past the 100 ms watchdog: still waiting
  let settled = false;
  served.then(() => { settled = true; }, () => { settled = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'nextRequest must still be waiting');
  server.close();
  await assert.rejects(served, (e) => e instanceof tachyon.StateError && /closed/.test(e.message));
  assert.ok(server.closed);
  client.close();

  // A client waiting for the reply of a call the server deferred and never answers.
  let deferred;
  const held = new Promise((r) => { deferred = r; });
  let release;
  const done = new Promise((r) => { release = r; });
  const second = await connected(async (s) => {
    await s.nextRequest();
    s.defer();
    deferred();
    await done;
  });
  second.client.send(10, u64(1), 8);
  await held;
  const reply = second.client.nextReply(); // no timeout
  await new Promise((r) => setTimeout(r, 250));
  let replied = false;
  reply.then(() => { replied = true; }, () => { replied = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(replied, false, 'nextReply must still be waiting');
  second.client.close();
  await assert.rejects(reply, (e) => e instanceof tachyon.StateError && /closed/.test(e.message));
  release();
  await second.served;
});

test('a call whose deadline passes fails with TimeoutError; a pipelined one names its call', async () => {
  const { client, served } = await connected(async (s) => {
    for (let i = 0; i < 2; i++) {
      await s.nextRequest();
      s.defer();
    }
    await s.serve(METHODS, increment);
  });
  await assert.rejects(client.call(10, u64(1), 8, { timeout: 30 }), tachyon.TimeoutError);
  const id = client.send(10, u64(2), 8, { timeout: 30 });
  await assert.rejects(client.nextReply({ timeout: 5000 }), (e) => e instanceof tachyon.TimeoutError && e.callId === id);
  const r = await client.call(10, u64(3), 8, { timeout: 5000 });
  assert.equal(read64(r), 4n);
  r.release();
  client.close();
  await served;
});

test('the server killed with calls in flight fails every pending call at once (PeerGone)', async () => {
  const where = socketName('killed');
  const script = `
    const { RpcServer } = require(${JSON.stringify(path.join(__dirname, '..'))});
    (async () => {
      const s = await RpcServer.listen(process.argv[1], { timeout: 10000 });
      for (;;) { await s.nextRequest(); s.defer(); }
    })();`;
  const child = spawn(process.execPath, ['-e', script, where], { stdio: 'inherit' });
  let client;
  for (let tries = 0; !client; tries++) {
    try {
      client = await RpcClient.connect(where, { timeout: 10000 });
    } catch (e) {
      if (!(e instanceof tachyon.NoListenerError) || tries > 2000) throw e;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  for (let i = 0; i < 5; i++) client.send(10, u64(i), 8); // no deadline: only the server's death ends them
  assert.equal(client.pending, 5);
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
  await assert.rejects(client.nextReply({ timeout: 30000 }), (e) => e instanceof tachyon.PeerGoneError && e.callId === undefined);
  assert.equal(client.pending, 0);
  assert.throws(() => client.send(10, u64(1), 8), tachyon.PeerGoneError);
  client.close();
});

test('hostile replies are errors, never crashes, and the connection goes on', async () => {
  const { client, served } = await connected(async (s) => {
    const big = new Uint8Array(64);
    let req = await s.nextRequest(); // a call id the client never issued
    s.defer();
    s.replyTo(req.callId + 256n * 7n, 10, RpcStatus.OK, 0, big.subarray(0, 8));
    req = await s.nextRequest(); // larger than the call allows
    s.defer();
    s.replyTo(req.callId, 10, RpcStatus.OK, 0, big);
    req = await s.nextRequest(); // a status that does not exist
    s.defer();
    s.replyTo(req.callId, 10, 9, 0, undefined);
    await s.serve(METHODS, increment);
  });
  await assert.rejects(client.call(10, u64(1), 8, { timeout: 5000 }), tachyon.CorruptError);
  assert.equal(client.pending, 0, 'the abandoned call is cancelled, not left pending');
  const id = client.send(10, u64(2), 8, { timeout: 5000 });
  await assert.rejects(client.nextReply({ timeout: 5000 }), (e) => e instanceof tachyon.TooLargeError && e.callId === id);
  await assert.rejects(client.call(10, u64(3), 8, { timeout: 5000 }), tachyon.CorruptError);
  const r = await client.call(10, u64(4), 8, { timeout: 5000 });
  assert.equal(read64(r), 5n);
  r.release();
  // A cancelled call's reply is dropped when it comes; the next call gets its own.
  const forgotten = client.send(10, u64(9), 8);
  client.cancel(forgotten);
  assert.equal(client.pending, 0);
  assert.throws(() => client.cancel(forgotten), tachyon.StateError);
  const r2 = await client.call(10, u64(20), 8, { timeout: 5000 });
  assert.equal(read64(r2), 21n);
  r2.release();
  client.close();
  await served;
});

test('the generated Pricing stubs: typed calls, replies read in place, a refusal, pipelining', async () => {
  class Pricer extends pricing.PricingServer {
    quote(request, reply) {
      if (request.qty === 0) throw RpcStatusError.appError(7);
      reply.price = request.qty * 1.5;
      reply.qty = request.qty;
    }

    ping() {}
  }
  const { client, served } = await connected((s) => new Pricer().serve(s));
  const stub = new pricing.PricingClient(client);
  const req = new pricing.QuoteRequest(new ArrayBuffer(pricing.QuoteRequest.SIZE));
  req.symbol = 'ETH';
  req.qty = 8;
  assert.equal(await stub.quote(req, (r) => r.price, { timeout: 5000 }), 12);
  await stub.ping({ timeout: 5000 });
  req.qty = 0;
  await assert.rejects(stub.quote(req, (r) => r.price), (e) => e instanceof RpcStatusError && e.appCode === 7);
  req.qty = 4;
  const id = stub.quoteSend(req);
  const reply = await client.nextReply({ timeout: 5000 });
  assert.equal(reply.callId, id);
  assert.equal(pricing.PricingClient.quoteReply(client, reply, (r) => r.qty), 4);
  const zeroCopy = client.sendInPlace(pricing.PRICING_QUOTE_METHOD, pricing.QuoteRequest.SIZE, pricing.QuoteReply.SIZE,
    (slot) => { new pricing.QuoteRequest(slot).qty = 2; });
  const r2 = await client.nextReply({ timeout: 5000 });
  assert.equal(r2.callId, zeroCopy);
  assert.equal(pricing.PricingClient.quoteReply(client, r2, (r) => r.price), 3);
  client.close();
  await served;
});
