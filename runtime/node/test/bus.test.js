'use strict';
// Description: the Bus API end to end in one process: connect, every kind of send,
// batches, zero-copy views and their detachment, waits off the event loop, close.
const test = require('node:test');
const assert = require('node:assert/strict');
const { pair, socketName, tachyon } = require('./helpers');

const { Bus } = tachyon;

test('listen and connect resolve to the two sides of one ring', async () => {
  const [c, p] = await pair(1 << 12);
  assert.equal(c.role, 'consumer');
  assert.equal(p.role, 'producer');
  assert.equal(c.capacity, 4096);
  assert.equal(p.capacity, 4096);
  assert.equal(c.maxMessageSize, 4096 / 2 - 16);
  assert.equal(c.fingerprint, 0n);
  assert.equal(c.peerAlive(), true);
  p.close();
  c.close();
  assert.equal(c.closed, true);
});

test('send takes a Buffer, any TypedArray, a DataView and an ArrayBuffer', async () => {
  const [c, p] = await pair();
  const inputs = [
    Buffer.from('buffer'), new Uint8Array([1, 2, 3]), new Int8Array([-1, -2]), new Uint8ClampedArray([9]),
    new Int16Array([-300, 300]), new Uint16Array([65535]), new Int32Array([-5]), new Uint32Array([7, 8]),
    new Float32Array([1.5]), new Float64Array([Math.PI]), new BigInt64Array([-1n]), new BigUint64Array([2n ** 63n]),
    new DataView(new Uint8Array([4, 5, 6, 7]).buffer, 1, 2), new Uint8Array([10, 11, 12, 13]).buffer,
    new Uint16Array(new Uint8Array([0, 1, 2, 3, 4, 5]).buffer, 2, 2),
  ];
  for (const [i, data] of inputs.entries()) await p.send(data, i + 1);
  p.flush();
  const got = [];
  while (got.length < inputs.length) {
    const b = await c.recvBatch();
    for (const m of b) got.push([m.typeId, Buffer.from(m.data)]);
    b.commit();
  }
  for (const [i, data] of inputs.entries()) {
    const want = data instanceof ArrayBuffer ? Buffer.from(data)
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    assert.equal(got[i][0], i + 1);
    assert.deepEqual(got[i][1], want, `input ${i} (${data.constructor.name})`);
  }
  assert.throws(() => p.trySend('a string', 1), TypeError);
  assert.throws(() => p.trySend(Buffer.alloc(1), -1), TypeError);
  assert.throws(() => p.trySend(Buffer.alloc(1), 2 ** 32), TypeError);
  p.close();
  c.close();
});

test('a zero-copy view is detached at commit: byteLength 0 afterwards', async () => {
  const [c, p] = await pair();
  await p.send(Buffer.from('in place'), 5);
  p.flush();
  const m = await c.recvZeroCopy();
  assert.equal(m.typeId, 5);
  assert.equal(Buffer.from(m.data).toString(), 'in place');
  const u8 = m.data;
  const dv = m.view;
  const whole = new Uint8Array(u8.buffer);
  m.commit();
  assert.equal(u8.byteLength, 0);
  assert.equal(dv.buffer.byteLength, 0);
  assert.equal(whole.byteLength, 0);
  assert.throws(() => dv.getUint8(0));
  assert.equal(m.committed, true);
  m.commit(); // idempotent
  p.close();
  c.close();
});

test('a batch reads every message in place and its buffer is detached at commit', async () => {
  const [c, p] = await pair(1 << 12);
  // Enough 100-byte messages to wrap the 4 KiB ring several times.
  let sent = 0;
  let got = 0;
  while (got < 200) {
    while (sent < 200 && p.trySend(new Uint8Array(100).fill(sent & 0xff), sent)) sent += 1;
    p.flush();
    const b = c.drainBatch(64);
    assert.ok(b.length <= 64);
    const ids = b.typeIds;
    const sizes = b.sizes;
    for (let i = 0; i < b.length; i++) {
      assert.equal(ids[i], got + i);
      assert.equal(sizes[i], 100);
      const data = b.data(i);
      assert.ok(data.every((x) => x === ((got + i) & 0xff)), `message ${got + i}`);
      assert.equal(b.view.getUint8(b.offset(i)), (got + i) & 0xff);
    }
    const view = b.length ? b.data(0) : null;
    got += b.length;
    b.commit();
    if (view) assert.equal(view.byteLength, 0);
    assert.throws(() => b.typeId(0), tachyon.StateError);
  }
  assert.equal(got, 200);
  p.close();
  c.close();
});

test('batches of growing and shrinking sizes each read their own messages (the index is refilled per batch)', async () => {
  const [c, p] = await pair(1 << 16);
  let next = 0;
  const sendN = (n) => {
    for (let k = 0; k < n; k++, next++) assert.ok(p.trySend(new Uint8Array(8 + (next % 5)).fill(next & 0xff), next));
    p.flush();
  };
  let seen = 0;
  let previous = null;
  for (const n of [1, 3, 500, 2, 1000, 1]) {
    sendN(n);
    const b = await c.recvBatch(n);
    assert.equal(b.length, n);
    for (let i = 0; i < n; i++) {
      assert.equal(b.typeId(i), seen + i);
      assert.equal(b.size(i), 8 + ((seen + i) % 5));
      assert.equal(b.data(i)[0], (seen + i) & 0xff);
    }
    assert.deepEqual([...b.typeIds], Array.from({ length: n }, (_, i) => seen + i));
    // the batch before this one was committed: it still says how long it was, and reads nothing
    if (previous) {
      assert.equal(previous.batch.length, previous.n);
      assert.throws(() => previous.batch.typeId(0), tachyon.StateError);
      assert.throws(() => previous.batch.typeIds, tachyon.StateError);
    }
    seen += n;
    b.commit();
    previous = { batch: b, n };
  }
  assert.equal(seen, next);
  p.close();
  c.close();
});

test('drainBatch on an empty ring gives an empty batch; the end of the stream throws PeerGoneError', async () => {
  const [c, p] = await pair();
  const empty = c.drainBatch();
  assert.equal(empty.length, 0);
  assert.equal(c.tryRecv(), null);
  assert.equal(c.tryRecvZeroCopy(), null);
  await p.send(Buffer.from('last'), 1);
  p.close(); // publishes what it committed
  const m = c.tryRecv();
  assert.equal(m.data.toString(), 'last');
  assert.throws(() => c.drainBatch(), (e) => e instanceof tachyon.PeerGoneError && e.code === 'TACHYON_ERR_PEER_GONE');
  assert.equal(await c.recv(), null);
  assert.equal(await c.recvBatch(), null);
  c.close();
});

test('sendZeroCopy writes in place; fill may shorten the message; a throwing fill sends nothing', async () => {
  const [c, p] = await pair();
  let slot;
  await p.sendZeroCopy(64, 9, (u8) => {
    slot = u8;
    assert.equal(u8.byteLength, 64);
    u8.set([1, 2, 3, 4]);
    return 4;
  });
  assert.equal(slot.byteLength, 0, 'the slot is detached after commit');
  await assert.rejects(p.sendZeroCopy(8, 10, () => { throw new Error('boom'); }), /boom/);
  await assert.rejects(p.sendZeroCopy(8, 10, () => 9), RangeError);
  assert.equal(p.trySendZeroCopy(8, 11, (u8) => { u8.fill(7); }), true);
  p.flush();
  const b = await c.recvBatch();
  assert.equal(b.length, 2);
  assert.equal(b.typeId(0), 9);
  assert.deepEqual([...b.data(0)], [1, 2, 3, 4]);
  assert.equal(b.typeId(1), 11);
  assert.deepEqual([...b.data(1)], [7, 7, 7, 7, 7, 7, 7, 7]);
  b.commit();
  await assert.rejects(p.sendZeroCopy(p.maxMessageSize + 1, 1, () => {}), tachyon.TooLargeError);
  p.close();
  c.close();
});

test('a receive that waits leaves the event loop running', async () => {
  const [c, p] = await pair();
  let ticks = 0;
  const timer = setInterval(() => { ticks += 1; }, 5);
  const pending = c.recv();
  // The producer sends only after the event loop has run timers many times.
  await new Promise((resolve) => {
    const check = setInterval(() => {
      if (ticks >= 10) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });
  const before = ticks;
  await p.send(Buffer.from('late'), 3);
  p.flush();
  const m = await pending;
  clearInterval(timer);
  assert.ok(before >= 10);
  assert.equal(m.typeId, 3);
  assert.equal(m.data.toString(), 'late');
  p.close();
  c.close();
});

test('send into a full ring waits off the event loop until the consumer makes room', async () => {
  const [c, p] = await pair(1 << 12);
  let n = 0;
  while (p.trySend(new Uint8Array(200), n)) n += 1;
  assert.ok(n > 0);
  let resolved = false;
  const pending = p.send(new Uint8Array(200), n).then(() => { resolved = true; });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(resolved, false, 'the ring is full: send must still be waiting');
  assert.throws(() => p.trySend(new Uint8Array(1), 0), tachyon.StateError, 'the bus is owned by the wait');
  let got = 0;
  while (got <= n) {
    const b = await c.recvBatch();
    for (let i = 0; i < b.length; i++) assert.equal(b.typeId(i), got + i);
    got += b.length;
    b.commit();
    if (got === n) await pending;
    p.flush();
  }
  assert.equal(resolved, true);
  p.close();
  c.close();
});

test('a receive with a timeout rejects with TimeoutError', async () => {
  const [c, p] = await pair();
  await assert.rejects(c.recv({ timeout: 20 }), (e) => e instanceof tachyon.TimeoutError && e.code === 'TACHYON_ERR_TIMEOUT');
  await assert.rejects(c.recvBatch(16, { timeout: 0 }), tachyon.TimeoutError);
  p.close();
  c.close();
});

test('close() during a wait rejects it with StateError; the bus is then closed', async () => {
  const [c, p] = await pair();
  const pending = c.recv();
  setTimeout(() => c.close(), 20);
  await assert.rejects(pending, (e) => e instanceof tachyon.StateError && /closed/.test(e.message));
  assert.equal(c.closed, true);
  assert.throws(() => c.drainBatch(), tachyon.StateError);
  c.close(); // idempotent
  p.close();
});

test('close() ends a send waiting for room with no deadline (one C wait, interrupted)', async () => {
  const [c, p] = await pair(1 << 12);
  while (p.trySend(new Uint8Array(200), 1)) { /* fill the ring */ }
  const pending = p.send(new Uint8Array(200), 2); // no timeout: waits until closed
  await new Promise((r) => setTimeout(r, 250)); // past the 100 ms watchdog: still waiting
  let settled = false;
  pending.then(() => { settled = true; }, () => { settled = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'the send must still be waiting');
  p.close();
  await assert.rejects(pending, (e) => e instanceof tachyon.StateError && /closed/.test(e.message));
  // The consumer still reads everything the producer committed before.
  let n = 0;
  for (;;) {
    const m = await c.recv({ timeout: 5000 });
    if (m === null) break;
    assert.equal(m.typeId, 1);
    n++;
  }
  assert.ok(n > 0);
  c.close();
});

test('calls out of order are StateErrors', async () => {
  const [c, p] = await pair();
  await assert.rejects(p.recv(), tachyon.StateError);
  assert.throws(() => c.trySend(Buffer.alloc(1), 1), tachyon.StateError);
  assert.throws(() => c.flush(), tachyon.StateError);
  await p.send(Buffer.from('x'), 1);
  await p.send(Buffer.from('y'), 2);
  p.flush();
  const b = await c.recvBatch(1);
  assert.throws(() => c.drainBatch(), tachyon.StateError, 'the previous batch is not committed');
  await assert.rejects(c.recv(), tachyon.StateError);
  b.commit();
  const m = await c.recv();
  assert.equal(m.data.toString(), 'y');
  p.close();
  c.close();
});

test('for await iterates every message until the producer closes', async () => {
  const [c, p] = await pair(1 << 12);
  const producing = (async () => {
    for (let i = 0; i < 500; i++) await p.send(Uint32Array.of(i, i * 3), i % 7);
    p.close();
  })();
  let i = 0;
  for await (const msg of c) {
    assert.equal(msg.typeId, i % 7);
    assert.equal(msg.size, 8);
    assert.equal(msg.data.readUInt32LE(0), i);
    assert.equal(msg.data.readUInt32LE(4), i * 3);
    i += 1;
  }
  await producing;
  assert.equal(i, 500);
  c.close();
});

test('stats count what each side moved', async () => {
  const [c, p] = await pair();
  for (let i = 0; i < 10; i++) await p.send(new Uint8Array(10), 1);
  p.flush();
  let n = 0;
  while (n < 10) {
    const b = await c.recvBatch();
    n += b.length;
    b.commit();
  }
  assert.equal(p.stats().messages, 10);
  assert.equal(p.stats().bytes, 100);
  assert.equal(c.stats().messages, 10);
  p.close();
  c.close();
});

test('bad arguments are TypeErrors before anything happens', async () => {
  await assert.rejects(Bus.listen(42, 1024), TypeError);
  await assert.rejects(Bus.listen(socketName('bad'), -1), TypeError);
  await assert.rejects(Bus.connect(socketName('bad'), { timeout: 'soon' }), TypeError);
  await assert.rejects(Bus.connect(socketName('bad'), { schema: {} }), TypeError);
  assert.throws(() => new Bus({}), TypeError);
});

test('sendBatch sends each record as one message, waiting when the ring is full', async () => {
  const [c, p] = await pair(1 << 12);
  const n = 300; // 300 x 48 B records: about five rings' worth
  const records = new Uint8Array(n * 48);
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    records.fill(i & 0xff, i * 48, (i + 1) * 48);
    ids[i] = i;
  }
  const sending = p.sendBatch(records, 48, ids).then(() => p.flush());
  let got = 0;
  while (got < n) {
    const b = await c.recvBatch();
    for (let i = 0; i < b.length; i++) {
      assert.equal(b.typeId(i), got + i);
      assert.equal(b.size(i), 48);
      assert.ok(b.data(i).every((x) => x === ((got + i) & 0xff)));
    }
    got += b.length;
    b.commit();
  }
  await sending;
  await p.sendBatch(new Uint8Array(8), 4, 7);
  p.flush();
  const b = await c.recvBatch();
  assert.deepEqual([b.length, b.typeId(0), b.typeId(1)], [2, 7, 7]);
  b.commit();
  await assert.rejects(p.sendBatch(new Uint8Array(10), 4, 1), TypeError);
  await assert.rejects(p.sendBatch(new Uint8Array(8), 4, new Uint32Array(3)), TypeError);
  p.close();
  c.close();
});
