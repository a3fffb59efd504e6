'use strict';
// Fan-out, fan-in and wait-sets: in this process, and against the C peer of
// tests/topology/peer.c (compiled here from the runtime's sources) in both
// directions. Messages carry (tag, sequence) as two little-endian u64s with
// type id 7, as the C peer expects.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { execFileSync, spawn } = require('child_process');
const { Worker } = require('worker_threads');
const { socketName, connect, runNode, tachyon } = require('./helpers');

const { FanOut, Subscriber, FanIn, WaitSet, Bus } = tachyon;
const REPO = path.resolve(__dirname, '..', '..', '..');
let peerDir;
let peer;

test.before(() => {
  peerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-node-topo-'));
  peer = path.join(peerDir, 'peer');
  const rt = path.join(REPO, 'runtime');
  const sources = fs.readdirSync(path.join(rt, 'src')).filter((f) => f.endsWith('.c')).map((f) => path.join(rt, 'src', f));
  execFileSync(process.env.CC || 'cc', ['-std=gnu11', '-D_GNU_SOURCE', '-O1', '-pthread', '-Wall', '-Wextra', '-Werror',
    '-I', path.join(rt, 'include'), '-I', path.join(rt, 'src'), path.join(REPO, 'tests', 'topology', 'peer.c'),
    ...sources, '-o', peer], { stdio: ['ignore', 'inherit', 'inherit'] });
});

test.after(() => {
  fs.rmSync(peerDir, { recursive: true, force: true });
});

function msg(tag, seq) {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(tag), 0);
  b.writeBigUInt64LE(BigInt(seq), 8);
  return b;
}

function seqOf(m) {
  const bytes = m.view || m.data;
  assert.strictEqual(m.typeId, 7);
  assert.strictEqual(bytes.length, 16);
  return Number(Buffer.from(bytes.buffer, bytes.byteOffset, 16).readBigUInt64LE(8));
}

function tagOf(m) {
  const bytes = m.view || m.data;
  return Number(Buffer.from(bytes.buffer, bytes.byteOffset, 16).readBigUInt64LE(0));
}

/** Starts the C peer; lines() yields its stdout lines; done() resolves to its exit code. */
function startPeer(...args) {
  const child = spawn(peer, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: child.stdout });
  const it = rl[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code === null ? signal : code)));
  return {
    child,
    next: async () => (await it.next()).value,
    done: () => exited,
  };
}

async function readAll(sub) {
  const seqs = [];
  for await (const m of sub) seqs.push(seqOf(m));
  return seqs;
}

const range = (from, n) => Array.from({ length: n }, (_, i) => from + i);

test('every subscriber reads every message in order, in place', async () => {
  const p = socketName('order');
  const pub = FanOut.listen(p, 1 << 14);
  const subs = await Promise.all([0, 1, 2].map(() => Subscriber.connect(p)));
  assert.strictEqual(pub.subscribers, 3);
  const reads = subs.map(readAll);
  for (let seq = 0; seq < 3000; seq++) {
    if (seq % 2) {
      await pub.send(msg(1, seq), 7, { timeout: 10000 });
    } else {
      while (!pub.trySendZeroCopy(16, 7, (view) => view.set(msg(1, seq)))) await new Promise(setImmediate);
    }
  }
  pub.close();
  for (const r of await Promise.all(reads)) assert.deepStrictEqual(r, range(0, 3000));
  subs.forEach((s) => s.close());
});

test('a held view is detached by its commit; late joiners start at the newest or the oldest', async () => {
  const p = socketName('late');
  const pub = FanOut.listen(p, 1 << 16, { policy: 'drop' });
  for (let seq = 0; seq < 10; seq++) assert.ok(pub.trySend(msg(1, seq), 7));
  const newest = await Subscriber.connect(p, { join: 'newest' });
  const oldest = await Subscriber.connect(p, { join: 'oldest' });
  assert.strictEqual(newest.tryRecv(), null);
  pub.trySend(msg(1, 10), 7);
  const held = await newest.recvZeroCopy({ timeout: 5000 });
  assert.strictEqual(seqOf(held), 10);
  assert.strictEqual(held.sender, null);
  const view = held.view;
  held.commit();
  assert.strictEqual(view.byteLength, 0);
  for (let seq = 0; seq <= 10; seq++) assert.strictEqual(seqOf(await oldest.recv({ timeout: 5000 })), seq);
  assert.strictEqual(oldest.tryRecv(), null);
  newest.close();
  oldest.close();
  pub.close();
});

test('a slow subscriber under block holds the producer back', async () => {
  const p = socketName('block');
  const pub = FanOut.listen(p, 4096, { policy: 'block' });
  const slow = await Subscriber.connect(p);
  let sent = 0;
  while (pub.trySend(msg(1, sent), 7)) {
    sent++;
    assert.ok(sent < 4096, 'the producer never blocked');
  }
  await assert.rejects(pub.send(msg(1, sent), 7, { timeout: 60 }), tachyon.TimeoutError);
  assert.strictEqual(seqOf(slow.tryRecv()), 0);
  await pub.send(msg(1, sent), 7, { timeout: 5000 });
  for (let seq = 1; seq <= sent; seq++) assert.strictEqual(seqOf(slow.tryRecv()), seq);
  slow.close();
  pub.close();
});

test('close() ends a fan-out send blocked on a full block ring with no deadline', async () => {
  const p = socketName('blockclose');
  const pub = FanOut.listen(p, 4096, { policy: 'block' });
  const slow = await Subscriber.connect(p);
  let sent = 0;
  while (pub.trySend(msg(2, sent), 7)) sent++;
  const pending = pub.send(msg(2, sent), 7); // no timeout: waits until closed
  let settled = false;
  pending.then(() => { settled = true; }, () => { settled = true; });
  await new Promise((r) => setTimeout(r, 250)); // past the watchdog period: still one wait
  assert.strictEqual(settled, false, 'the send must still be waiting');
  pub.close();
  await assert.rejects(pending, (e) => e instanceof tachyon.StateError && /closed while waiting/.test(e.message));
  assert.strictEqual(pub.closed, true);
  assert.throws(() => pub.trySend(msg(2, 0), 7), tachyon.StateError);
  // The subscriber still reads what was published before, then the end.
  const seqs = await readAll(slow);
  assert.deepStrictEqual(seqs, range(0, sent));
  slow.close();
});

// A fan-out send blocked with no deadline (the ring full, its subscriber idle), in a script.
const BLOCKED_SEND = `
  const tachyon = require(PKG);
  (async () => {
    const pub = tachyon.FanOut.listen(NAME, 4096, { policy: 'block' });
    const sub = await tachyon.Subscriber.connect(NAME);
    while (pub.trySend(new Uint8Array(64), 1)) { /* fill the ring */ }
    setTimeout(READY, 300); // past the watchdog period: the send is one C wait by then
    await pub.send(new Uint8Array(64), 1); // no deadline: only the end of the environment ends it
    sub.close();
  })();
`;

test('a process that exits while a fan-out send waits with no deadline exits with its own status', async () => {
  const script = BLOCKED_SEND.replace('PKG', 'process.argv[1]').replaceAll('NAME', 'process.argv[2]')
    .replace('READY', '() => process.exit(6)');
  const r = await runNode(script, [path.join(__dirname, '..'), socketName('fo-exit')]);
  assert.strictEqual(r.code, 6, r.stderr);
});

test('a worker terminated while a fan-out send waits with no deadline exits cleanly', async () => {
  const script = "const { workerData, parentPort } = require('worker_threads');" +
    BLOCKED_SEND.replace('PKG', 'workerData.pkg').replaceAll('NAME', 'workerData.name')
      .replace('READY', "() => parentPort.postMessage('blocked')");
  const worker = new Worker(script, { eval: true, workerData: { pkg: path.join(__dirname, '..'), name: socketName('fo-term') } });
  const exited = new Promise((resolve) => worker.on('exit', resolve));
  await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  await worker.terminate();
  assert.strictEqual(await exited, 1);
});

test('Subscriber.connect waits its whole timeout for a fan-out, then NoListenerError', async () => {
  const started = Date.now();
  await assert.rejects(Subscriber.connect(socketName('no-fo'), { timeout: 400 }), tachyon.NoListenerError);
  const waited = Date.now() - started;
  assert.ok(waited >= 390, `gave up after ${waited} ms of a 400 ms timeout`);
});

test('Subscriber.connect joins a fan-out that starts listening while it waits', async () => {
  const p = socketName('late-fo');
  const pending = Subscriber.connect(p, { timeout: 10000 });
  await new Promise((r) => setTimeout(r, 300));
  const pub = FanOut.listen(p, 4096);
  const sub = await pending;
  assert.strictEqual(pub.subscribers, 1);
  pub.trySend(msg(1, 5), 7);
  assert.strictEqual(seqOf(await sub.recv({ timeout: 5000 })), 5);
  sub.close();
  pub.close();
});

// A subscriber waiting with no deadline for a fan-out that never listens, in a script.
const WAITING_CONNECT = `
  const tachyon = require(PKG);
  setTimeout(READY, 300); // past the watchdog period: the connect is one C wait by then
  tachyon.Subscriber.connect(NAME, { timeout: -1 }).then(() => process.exit(3), () => process.exit(4));
`;

test('a process that exits while a Subscriber.connect waits with no deadline exits with its own status', async () => {
  const script = WAITING_CONNECT.replace('PKG', 'process.argv[1]').replace('NAME', 'process.argv[2]')
    .replace('READY', '() => process.exit(6)');
  const r = await runNode(script, [path.join(__dirname, '..'), socketName('sub-exit')]);
  assert.strictEqual(r.code, 6, r.stderr);
});

test('a worker terminated while a Subscriber.connect waits with no deadline exits cleanly', async () => {
  const script = "const { workerData, parentPort } = require('worker_threads');" +
    WAITING_CONNECT.replace('PKG', 'workerData.pkg').replace('NAME', 'workerData.name')
      .replace('READY', "() => parentPort.postMessage('waiting')");
  const worker = new Worker(script, { eval: true, workerData: { pkg: path.join(__dirname, '..'), name: socketName('sub-term') } });
  const exited = new Promise((resolve) => worker.on('exit', resolve));
  await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  await worker.terminate();
  assert.strictEqual(await exited, 1);
});

test('a slow subscriber under drop gets LaggedError and rejoins', async () => {
  const p = socketName('drop');
  const pub = FanOut.listen(p, 4096, { policy: 'drop' });
  const slow = await Subscriber.connect(p);
  const fast = await Subscriber.connect(p);
  pub.trySend(msg(1, 0), 7);
  const held = slow.tryRecvZeroCopy();
  assert.strictEqual(seqOf(held), 0);
  let seq = 0;
  for (; seq < 1000; seq++) {
    if (seq > 0) assert.ok(pub.trySend(msg(1, seq), 7), 'drop never makes the producer wait');
    assert.strictEqual(seqOf(fast.tryRecv()), seq);
  }
  assert.strictEqual(pub.subscribers, 1);
  assert.throws(() => held.commit(), tachyon.LaggedError);
  assert.throws(() => slow.tryRecv(), (e) => e instanceof tachyon.LaggedError && e.code === 'TACHYON_ERR_LAGGED');
  slow.rejoin('newest');
  pub.trySend(msg(1, seq), 7);
  assert.strictEqual(seqOf(await slow.recv({ timeout: 5000 })), seq);
  slow.close();
  fast.close();
  pub.close();
});

test('for await over a C publisher does not block the event loop', async () => {
  const p = socketName('c-pub');
  const c = startPeer('pub', p, '2', '2000');
  const sub = await Subscriber.connect(p, { timeout: 10000 });
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 1);
  // Nothing arrives until a second subscriber joins: the loop keeps running meanwhile.
  const pending = sub.recv({ timeout: 10000 });
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(ticks >= 10, `the loop ran ${ticks} timer callbacks while a receive waited`);
  const late = await Subscriber.connect(p, { timeout: 10000 });
  clearInterval(timer);
  assert.strictEqual(seqOf(await pending), 0);
  const [rest, all] = await Promise.all([readAll(sub), readAll(late)]);
  assert.deepStrictEqual(rest, range(1, 1999));
  assert.deepStrictEqual(all, range(0, 2000));
  assert.strictEqual(await c.done(), 0);
  sub.close();
  late.close();
});

test('a killed publisher ends for await with everything it published', async () => {
  const p = socketName('kill-pub');
  const c = startPeer('pub', p, '1', '100000000');
  const sub = await Subscriber.connect(p, { timeout: 10000 });
  const first = await sub.recv({ timeout: 10000 });
  assert.strictEqual(seqOf(first), 0);
  // Give the publisher time to fill the ring: it publishes every 32 commits or when the ring is full, so a kill
  // right after message 0 could find nothing more published (a CI run on a loaded machine did), and the test
  // means to check that what was published arrives, not that something was.
  await new Promise((resolve) => setTimeout(resolve, 200));
  c.child.kill('SIGKILL');
  await c.done();
  const started = Date.now();
  const rest = await readAll(sub); // ends at PeerGoneError, which for await takes as the end
  assert.ok(rest.length > 0);
  assert.deepStrictEqual(rest, range(1, rest.length));
  assert.ok(Date.now() - started < 5000, 'the end of the stream was noticed');
  assert.throws(() => sub.tryRecv(), tachyon.PeerGoneError);
  sub.close();
});

test('a Node publisher to C subscribers', async () => {
  const p = socketName('node-pub');
  const pub = FanOut.listen(p, 4096);
  const subs = [startPeer('sub', p, '3000'), startPeer('sub', p, '3000')];
  for (const s of subs) assert.strictEqual(await s.next(), 'joined');
  for (let seq = 0; seq < 3000; seq++) await pub.send(msg(1, seq), 7, { timeout: 10000 });
  pub.close();
  for (const s of subs) {
    assert.strictEqual(await s.next(), 'sub ok 3000');
    assert.strictEqual(await s.done(), 0);
  }
});

test('a killed subscriber stops holding the producer back', async () => {
  const p = socketName('kill-sub');
  const pub = FanOut.listen(p, 4096);
  const s = startPeer('sub', p, '1000000');
  assert.strictEqual(await s.next(), 'joined');
  s.child.kill('SIGKILL');
  await s.done();
  for (let seq = 0; seq < 2000; seq++) await pub.send(msg(1, seq), 7, { timeout: 2000 });
  assert.strictEqual(pub.subscribers, 0);
  pub.close();
});

test('fan-in: every producer in order, with its sender; C producers and a C consumer', async () => {
  const p = socketName('fanin');
  const fi = FanIn.listen(p, 4096);
  const cs = [startPeer('prod', p, '20', '3000'), startPeer('prod', p, '21', '3000')];
  const buses = await Promise.all([0, 1].map(() => connect(p)));
  const sending = buses.map(async (bus, i) => {
    for (let seq = 0; seq < 3000; seq++) await bus.send(msg(30 + i, seq), 7);
    bus.close();
  });
  const next = new Map();
  const pids = new Map();
  let n = 0;
  for await (const m of fi) {
    const tag = tagOf(m);
    assert.strictEqual(seqOf(m), next.get(tag) || 0);
    next.set(tag, (next.get(tag) || 0) + 1);
    if (!pids.has(tag)) pids.set(tag, m.sender.pid);
    assert.strictEqual(m.sender.pid, pids.get(tag));
    if (++n === 12000) break;
  }
  await Promise.all(sending);
  assert.deepStrictEqual([...next.values()], [3000, 3000, 3000, 3000]);
  assert.strictEqual(pids.get(30), process.pid);
  assert.deepStrictEqual(new Set([pids.get(20), pids.get(21)]), new Set(cs.map((c) => c.child.pid)));
  for (const c of cs) assert.strictEqual(await c.done(), 0);
  fi.close();

  const q = socketName('c-fanin');
  const consumer = startPeer('fanin', q, '2', '3000');
  assert.strictEqual(await consumer.next(), 'listening');
  await Promise.all([40, 41].map(async (tag) => {
    const bus = await Bus.connect(q, { timeout: 10000 });
    for (let seq = 0; seq < 3000; seq++) await bus.send(msg(tag, seq), 7);
    bus.close();
  }));
  assert.strictEqual(await consumer.next(), 'fanin ok 2 3000');
  assert.strictEqual(await consumer.done(), 0);
});

test("a killed producer's committed messages are still delivered", async () => {
  const p = socketName('kill-prod');
  const fi = FanIn.listen(p, 4096);
  const c = startPeer('prod', p, '9', '1000000');
  while (fi.producers < 1) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, 100));
  c.child.kill('SIGKILL');
  await c.done();
  let next = 0;
  for (;;) {
    let m;
    try {
      m = await fi.recv({ timeout: 500 });
    } catch (e) {
      assert.ok(e instanceof tachyon.TimeoutError);
      break;
    }
    assert.strictEqual(tagOf(m), 9);
    assert.strictEqual(seqOf(m), next++);
  }
  assert.ok(next > 10, `delivered ${next}`);
  assert.strictEqual(fi.producers, 0);
  fi.close();
});

test('a wait-set wakes for a bus, a subscriber and a fan-in', async () => {
  const fo = socketName('ws-fo');
  const fin = socketName('ws-fi');
  const bp = socketName('ws-bus');
  const pub = FanOut.listen(fo, 4096, { policy: 'drop' });
  const sub = await Subscriber.connect(fo);
  const fi = FanIn.listen(fin, 4096);
  const into = await connect(fin);
  const listening = Bus.listen(bp, 4096);
  const producer = await connect(bp);
  const consumer = await listening;
  const ws = new WaitSet();
  ws.add(consumer, 1);
  ws.add(sub, 2);
  ws.add(fi, 3);
  assert.strictEqual(ws.size, 3);
  assert.throws(() => ws.add(sub, 2), RangeError);
  assert.strictEqual(typeof ws.fd, 'number');
  assert.deepStrictEqual(await ws.wait({ timeout: 30 }), []);

  const later = ws.wait({ timeout: 10000 });
  setTimeout(() => pub.trySend(msg(1, 0), 7), 20);
  assert.deepStrictEqual(await later, [2]);
  assert.strictEqual(seqOf(sub.tryRecv()), 0);

  await into.send(msg(5, 0), 7);
  into.flush();
  assert.deepStrictEqual(await ws.wait({ timeout: 10000 }), [3]);
  assert.strictEqual(tagOf(fi.tryRecv()), 5);

  await producer.send(msg(2, 0), 7);
  producer.flush();
  assert.deepStrictEqual(await ws.wait({ timeout: 10000 }), [1]);
  assert.strictEqual(consumer.tryRecv().data.length, 16);
  assert.deepStrictEqual(ws.poll(), []);

  ws.remove(1);
  assert.throws(() => ws.remove(1), tachyon.StateError);
  ws.close();
  for (const x of [consumer, producer, into, fi, sub, pub]) x.close();
});

test('a wait-set names members whose producers were killed; their receives then end with PeerGoneError', async () => {
  // Producers that send nothing: the C peer as a fan-out publisher waiting for a second subscriber, and a Node
  // child holding a fan-in producer and a bus producer. Killed, nothing is left to read: only their pidfds wake.
  const fo = socketName('ws-kill-fo');
  const fin = socketName('ws-kill-fi');
  const bp = socketName('ws-kill-bus');
  const c = startPeer('pub', fo, '2', '10');
  const sub = await Subscriber.connect(fo, { timeout: 10000 });
  const fi = FanIn.listen(fin, 4096);
  const listening = Bus.listen(bp, 4096);
  const script = `const t = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    (async () => {
      await t.Bus.connect(process.argv[1], { timeout: 10000 });
      await t.Bus.connect(process.argv[2], { timeout: 10000 });
      console.log('ready');
      setInterval(() => {}, 1000);
    })();`;
  const child = spawn(process.execPath, ['-e', script, fin, bp], { stdio: ['ignore', 'pipe', 'inherit'] });
  const childExited = new Promise((resolve) => child.on('exit', resolve));
  const line = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  assert.strictEqual((await line.next()).value, 'ready');
  const consumer = await listening;
  while (fi.producers < 1) await new Promise((r) => setTimeout(r, 1));
  const ws = new WaitSet();
  ws.add(consumer, 1);
  ws.add(sub, 2);
  ws.add(fi, 3);
  assert.deepStrictEqual(await ws.wait({ timeout: 30 }), []);
  const started = Date.now();
  c.child.kill('SIGKILL');
  child.kill('SIGKILL');
  await Promise.all([c.done(), childExited]);
  const named = new Set();
  while (named.size < 3 && Date.now() - started < 5000) {
    for (const k of await ws.wait({ timeout: 5000 })) named.add(k);
  }
  assert.deepStrictEqual([...named].sort(), [1, 2, 3]);
  assert.throws(() => consumer.tryRecv(), tachyon.PeerGoneError);
  assert.throws(() => sub.tryRecv(), tachyon.PeerGoneError);
  assert.strictEqual(fi.tryRecv(), null);
  assert.strictEqual(fi.producers, 0);
  ws.close();
  for (const x of [consumer, sub, fi]) x.close();
});

test('bad arguments are clear errors', async () => {
  assert.throws(() => FanOut.listen(socketName('bad'), 1000), tachyon.CapacityError);
  assert.throws(() => FanOut.listen(socketName('bad'), 4096, { policy: 'sometimes' }), TypeError);
  assert.throws(() => FanIn.listen(42, 4096), TypeError);
  await assert.rejects(Subscriber.connect(socketName('none'), { timeout: 50 }), tachyon.TachyonError);
  await assert.rejects(Subscriber.connect(socketName('none'), { join: 'middle' }), TypeError);
  const p = socketName('fp');
  const pub = FanOut.listen(p, 4096, { fingerprint: 0x1234n });
  await assert.rejects(Subscriber.connect(p, { fingerprint: 0x4321n }), tachyon.SchemaMismatchError);
  pub.close();
  assert.throws(() => pub.trySend(msg(1, 1), 7), tachyon.StateError);
  const ws = new WaitSet();
  assert.throws(() => ws.add({}, 1), TypeError);
  ws.close();
});

test("the README's Node topology example runs and prints what the README shows", async () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('In Node.js (`FanOut`'));
  const block = /```js\n([\s\S]*?)```\n[\s\S]*?```text\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'a ```js block and its ```text output under "In Node.js (`FanOut`"');
  const tag = `${process.pid}-${Date.now()}`;
  const script = block[1].replace("require('tachyon')", `require(${JSON.stringify(path.resolve(__dirname, '..'))})`)
    .replace(/'@(ticks|orders)'/g, (_, n) => `'@readme-${n}-${tag}'`);
  const { runNode } = require('./helpers');
  const out = await runNode(script);
  assert.strictEqual(out.stderr, '');
  assert.strictEqual(out.code, 0);
  assert.strictEqual(out.stdout, block[2]);
});
