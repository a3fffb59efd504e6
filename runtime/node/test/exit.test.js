'use strict';
// Description: buses close when their JavaScript environment ends. A worker thread
// that exits with a producer open still publishes what it committed and closes it
// (the process lives on, so only the addon's exit hook can tell the consumer);
// a child process that exits with a wait pending exits cleanly.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { Worker } = require('worker_threads');
const { socketName, runNode, tachyon } = require('./helpers');

const PKG = path.join(__dirname, '..');

test('a worker thread that exits without close() still delivers and closes its bus', async () => {
  const name = socketName('worker');
  const listening = tachyon.Bus.listen(name, 1 << 12, { timeout: 10000 });
  const worker = new Worker(`
    const { workerData } = require('worker_threads');
    const tachyon = require(workerData.pkg);
    (async () => {
      let bus;
      for (;;) {
        try { bus = await tachyon.Bus.connect(workerData.name); break; }
        catch (e) { if (!(e instanceof tachyon.NoListenerError)) throw e; await new Promise((r) => setTimeout(r, 2)); }
      }
      for (let i = 0; i < 3; i++) bus.trySend(Uint8Array.of(i), 40 + i); // committed, not flushed
      // the worker ends here, the bus still open
    })();
  `, { eval: true, workerData: { pkg: PKG, name } });
  const exited = new Promise((resolve) => worker.on('exit', resolve));
  const consumer = await listening;
  assert.equal(await exited, 0);
  const got = [];
  for (;;) {
    const m = await consumer.recv({ timeout: 5000 });
    if (m === null) break;
    got.push([m.typeId, m.data[0]]);
  }
  assert.deepEqual(got, [[40, 0], [41, 1], [42, 2]]);
  consumer.close();
});

test('a worker terminated while a receive waits exits cleanly', async () => {
  const name = socketName('terminate');
  const worker = new Worker(`
    const { workerData, parentPort } = require('worker_threads');
    const tachyon = require(workerData.pkg);
    tachyon.Bus.listen(workerData.name, 4096).then((bus) => {
      parentPort.postMessage('listening');
      return bus.recv();
    });
  `, { eval: true, workerData: { pkg: PKG, name } });
  const listening = new Promise((resolve) => worker.once('message', resolve));
  let producer;
  for (;;) {
    try {
      producer = await tachyon.Bus.connect(name);
      break;
    } catch (e) {
      if (!(e instanceof tachyon.NoListenerError)) throw e;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  await listening;
  await new Promise((r) => setTimeout(r, 20)); // let the receive start waiting
  await worker.terminate();
  // The consumer's bus was closed by the hook: the producer learns it.
  await assert.rejects(async () => {
    for (let i = 0; i < 1000; i++) await producer.send(new Uint8Array(1000), 1, { timeout: 2000 });
  }, tachyon.PeerGoneError);
  producer.close();
});

test('a process that exits with a wait pending and buses open exits with its own status', async () => {
  const name = socketName('exit');
  const script = `
    const tachyon = require(process.argv[1]);
    (async () => {
      const listening = tachyon.Bus.listen(process.argv[2] + '-b', 4096);
      let bus;
      for (;;) {
        try { bus = await tachyon.Bus.connect(process.argv[2]); break; }
        catch (e) { if (!(e instanceof tachyon.NoListenerError)) throw e; await new Promise((r) => setTimeout(r, 2)); }
      }
      bus.trySend(Buffer.from('bye'), 7);
      setTimeout(() => process.exit(5), 50);
      await listening; // never connected: still pending at exit
    })();
  `;
  const listening = tachyon.Bus.listen(name, 4096, { timeout: 10000 });
  const child = runNode(script, [PKG, name]);
  const consumer = await listening;
  const m = await consumer.recv({ timeout: 5000 });
  assert.equal(m.typeId, 7);
  assert.equal(m.data.toString(), 'bye');
  assert.equal(await consumer.recv({ timeout: 5000 }), null);
  const r = await child;
  assert.equal(r.code, 5, r.stderr);
  consumer.close();
});

/** An RpcClient connected to `name`, retrying while nothing listens yet. */
async function rpcConnect(name) {
  for (;;) {
    try {
      return await tachyon.RpcClient.connect(name, { timeout: 10000 });
    } catch (e) {
      if (!(e instanceof tachyon.NoListenerError)) throw e;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

test('a process that exits while an RPC nextRequest waits with no deadline exits with its own status', async () => {
  const name = socketName('rpc-exit');
  const script = `
    const tachyon = require(process.argv[1]);
    tachyon.RpcServer.listen(process.argv[2], { timeout: 10000 }).then((server) => {
      setTimeout(() => process.exit(6), 300); // past the watchdog period: the wait is one C call by then
      return server.nextRequest(); // no deadline: only the exit ends it
    });
  `;
  const child = runNode(script, [PKG, name]);
  const client = await rpcConnect(name);
  const r = await child;
  assert.equal(r.code, 6, r.stderr);
  client.close();
});

test('a worker terminated while an RPC nextRequest waits with no deadline exits cleanly', async () => {
  const name = socketName('rpc-terminate');
  const worker = new Worker(`
    const { workerData, parentPort } = require('worker_threads');
    const tachyon = require(workerData.pkg);
    tachyon.RpcServer.listen(workerData.name, { timeout: 10000 }).then((server) => {
      parentPort.postMessage('listening');
      return server.nextRequest();
    });
  `, { eval: true, workerData: { pkg: PKG, name } });
  const listening = new Promise((resolve) => worker.once('message', resolve));
  const client = await rpcConnect(name);
  await listening;
  await new Promise((r) => setTimeout(r, 250)); // past the watchdog period
  await worker.terminate();
  client.close();
});
