// tachyon: same-machine, zero-copy IPC over a shared-memory SPSC ring, for Node.js.
//
// One bus = one direction: the listener receives (consumer), the connector sends
// (producer). A Node-API addon over libtachyon; waits run on the libuv thread
// pool in short slices, so the event loop never blocks. See README.md.
'use strict';

const path = require('path');
const os = require('os');

if (os.endianness() !== 'LE') {
  throw new Error('tachyon: the wire format is little-endian and so must the host be');
}

function loadAddon() {
  const file = process.env.TACHYON_NODE_ADDON || path.join(__dirname, 'build', 'tachyon.node');
  try {
    return require(file);
  } catch (e) {
    e.message = `tachyon: cannot load the addon ${file} (build it: npm run build, or make node): ${e.message}`;
    throw e;
  }
}

const native = loadAddon();

// ---- errors ------------------------------------------------------------------

/** Base class of every error a bus call reports. */
class TachyonError extends Error {
  constructor(message, code, number, osErrno = 0) {
    super(message);
    this.name = 'TachyonError';
    /** The C name of the error, e.g. 'TACHYON_ERR_PEER_GONE'. */
    this.code = code;
    /** Its tachyon_error_t value. */
    this.number = number;
    /** The errno behind it when a system call failed (always for SystemError), else 0. */
    this.errno = osErrno;
  }
}

// One subclass per row of libtachyon's error table (TACHYON_ERROR_LIST in
// tachyon.h, read by the addon), named after the row's ShortName, so a code
// added there gets its class here at once.
const errorClasses = {};
const classByNumber = new Map();
for (const [number, cName, shortName, text] of native.errorTable()) {
  if (number === 0) continue;
  const name = `${shortName}Error`;
  const cls = {
    [name]: class extends TachyonError {
      constructor(message, osErrno = 0) {
        super(message, cName, number, osErrno);
        this.name = name;
      }
    },
  }[name];
  cls.code = cName;
  cls.number = number;
  cls.description = text;
  errorClasses[name] = cls;
  classByNumber.set(number, cls);
}

// Called by the addon: `message` already says what failed and why.
function makeError(number, message, osErrno = 0) {
  const cls = classByNumber.get(number);
  return cls ? new cls(message, osErrno) : new TachyonError(message, 'TACHYON_ERR_UNKNOWN', number, osErrno);
}
native.setErrorFactory(makeError);
// process.exit() joins the libuv pool before it exits: a pending wait must end
// now, not at its deadline (the addon interrupts it; its promise never settles).
process.once('exit', () => native.interruptWaits());

function stateError(context) {
  return makeError(errorClasses.StateError.number, `${context}: ${errorClasses.StateError.description}`);
}

// ---- helpers -------------------------------------------------------------------

function fingerprintOf(options) {
  const { fingerprint, schema } = options || {};
  let fp = 0n;
  if (schema !== undefined && schema !== null) {
    const s = schema.SCHEMA_FINGERPRINT;
    if (typeof s !== 'bigint') {
      throw new TypeError('tachyon: options.schema must be a tachc-generated module (no bigint SCHEMA_FINGERPRINT)');
    }
    fp = s;
  }
  if (fingerprint !== undefined && fingerprint !== null && fingerprint !== 0 && fingerprint !== 0n) {
    const f = BigInt(fingerprint);
    if (f < 0n || f >= 1n << 64n) throw new RangeError('tachyon: fingerprint must fit in 64 bits');
    if (schema !== undefined && schema !== null && f !== fp) {
      throw new RangeError('tachyon: options.fingerprint and options.schema disagree');
    }
    fp = f;
  }
  return fp;
}

function timeoutOf(options) {
  const t = options && options.timeout;
  if (t === undefined || t === null) return undefined;
  if (typeof t !== 'number' || Number.isNaN(t)) throw new TypeError('tachyon: timeout must be a number of milliseconds');
  return t;
}

function checkTypeId(typeId) {
  if (!Number.isInteger(typeId) || typeId < 0 || typeId > 0xffffffff) {
    throw new TypeError('tachyon: typeId must be an integer in 0..2^32-1');
  }
}

// ---- received messages -----------------------------------------------------------

/** A received message, copied out of the ring: safe to keep. */
class Message {
  constructor(typeId, data) {
    /** The type id the producer gave. */
    this.typeId = typeId;
    /** The payload, a copy. */
    this.data = data;
  }

  get size() {
    return this.data.length;
  }
}

/**
 * Messages taken from the ring together, read in place. `buffer` is an external
 * ArrayBuffer over the ring: message i is `size(i)` bytes at `offset(i)`. commit()
 * releases them to the producer and detaches `buffer` (every view of it then has
 * byteLength 0), so a view kept too long can never read reused bytes.
 */
class Batch {
  #bus;
  #meta;
  #done = false;

  constructor(bus, buffer, meta) {
    this.#bus = bus;
    this.#meta = meta;
    /** The ring bytes of the batch (an external ArrayBuffer; detached at commit). */
    this.buffer = buffer;
    /** A DataView over `buffer`, for the generated classes. */
    this.view = new DataView(buffer);
    /** How many messages. */
    this.length = meta[0];
  }

  #index(i) {
    if (this.#done) throw stateError('batch: used after commit');
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`batch: no message ${i}`);
    return 1 + 3 * i;
  }

  /** The type id of message i. */
  typeId(i) {
    return this.#meta[this.#index(i) + 2];
  }

  /** The payload size of message i. */
  size(i) {
    return this.#meta[this.#index(i) + 1];
  }

  /** Where message i starts in `buffer` (and `view`). */
  offset(i) {
    return this.#meta[this.#index(i)];
  }

  /** Message i's payload in place: a Uint8Array over the ring. */
  data(i) {
    const k = this.#index(i);
    return new Uint8Array(this.buffer, this.#meta[k], this.#meta[k + 1]);
  }

  /** Type ids, offsets and sizes of every message, as one Uint32Array each (copies). */
  get typeIds() {
    return this.#column(2);
  }

  get offsets() {
    return this.#column(0);
  }

  get sizes() {
    return this.#column(1);
  }

  #column(c) {
    if (this.#done) throw stateError('batch: used after commit');
    const out = new Uint32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.#meta[1 + 3 * i + c];
    return out;
  }

  get committed() {
    return this.#done;
  }

  /** Releases the messages to the producer; `buffer` is detached. Idempotent. */
  commit() {
    if (this.#done) return;
    this.#done = true;
    this.#bus._release(this);
  }

  * [Symbol.iterator]() {
    for (let i = 0; i < this.length; i++) {
      const k = this.#index(i);
      yield { typeId: this.#meta[k + 2], size: this.#meta[k + 1], offset: this.#meta[k],
        data: new Uint8Array(this.buffer, this.#meta[k], this.#meta[k + 1]) };
    }
  }
}

/** One message read in place (a batch of one): `data` is a Uint8Array over the ring slot. */
class RxMessage {
  #batch;

  constructor(batch) {
    this.#batch = batch;
    /** The type id the producer gave. */
    this.typeId = batch.typeId(0);
    /** Payload bytes. */
    this.size = batch.size(0);
    /** The payload in the ring (external memory); byteLength 0 after commit(). */
    this.data = batch.data(0);
    /** A DataView over the payload, for the generated classes. */
    this.view = new DataView(batch.buffer, batch.offset(0), this.size);
  }

  get committed() {
    return this.#batch.committed;
  }

  /** Releases the slot to the producer; `data` and `view` are detached. Idempotent. */
  commit() {
    this.#batch.commit();
  }
}

// ---- the bus -------------------------------------------------------------------------

/**
 * One side of a Tachyon bus. Make one with `await Bus.listen(...)` (it receives)
 * or `await Bus.connect(...)` (it sends). close() it when done; open buses are
 * also closed when the process exits.
 */
// Each Bus's addon object, for topology.js's WaitSet.
const busNatives = new WeakMap();

class Bus {
  #n;
  #info;
  #held = null; // the Batch whose messages the ring holds for us

  constructor(nativeBus) {
    if (!nativeBus || typeof nativeBus.drain !== 'function') {
      throw new TypeError('tachyon: use Bus.listen() or Bus.connect()');
    }
    this.#n = nativeBus;
    this.#info = nativeBus.info();
    busNatives.set(this, nativeBus);
  }

  /**
   * Listens on `path` (a filesystem path, or '@name' for the abstract namespace),
   * waits for one producer to connect and resolves to the receiving side of a new
   * ring of `capacity` bytes (a power of two, 256 .. 2^40).
   * options: schema (a generated module) or fingerprint (bigint) binds the bus to a
   * schema; timeout (ms, default: forever); allowAnyUid.
   */
  static async listen(path, capacity, options = {}) {
    if (typeof path !== 'string') throw new TypeError('tachyon: listen: path must be a string');
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new TypeError('tachyon: listen: capacity must be a non-negative integer');
    }
    const timeout = timeoutOf(options);
    const n = await native.listen(path, capacity, fingerprintOf(options), timeout === undefined ? -1 : timeout,
      Boolean(options.allowAnyUid));
    return new Bus(n);
  }

  /**
   * Connects to the listener on `path` and resolves to the sending side.
   * options: schema or fingerprint (must match the listener's); timeout (ms,
   * default 5000) for the listener to appear and the handshake to finish.
   */
  static async connect(path, options = {}) {
    if (typeof path !== 'string') throw new TypeError('tachyon: connect: path must be a string');
    const timeout = timeoutOf(options);
    const n = await native.connect(path, fingerprintOf(options), timeout === undefined ? 5000 : timeout);
    return new Bus(n);
  }

  /** 'consumer' (the listener) or 'producer' (the connector). */
  get role() {
    return this.#info.role;
  }

  /** Ring capacity in bytes. */
  get capacity() {
    return this.#info.capacity;
  }

  /** The largest payload one message may have. */
  get maxMessageSize() {
    return this.#info.maxMessageSize;
  }

  /** The schema fingerprint the bus is bound to (0n: none). */
  get fingerprint() {
    return this.#info.fingerprint;
  }

  /** Whether close() was called. */
  get closed() {
    return this.#n.closed();
  }

  /** Whether the peer is attached and alive (makes a syscall). */
  peerAlive() {
    return this.#n.peerAlive();
  }

  /** This side's counters: messages, bytes, publishes, fullEvents, sleeps, wakes. */
  stats() {
    return this.#n.stats();
  }

  /** Spins of a wait before it sleeps on the futex (default 2048). */
  set spin(n) {
    this.#n.setSpin(n);
  }

  /**
   * Closes this side (a producer publishes what it committed first). Views of held
   * messages are detached; a pending wait rejects with StateError. Idempotent.
   */
  close() {
    this.#held = null; // the native close detaches its buffer
    this.#n.close();
  }

  // ---- producer ----

  /** Copies `data` (a Buffer, any TypedArray, a DataView or an ArrayBuffer) into the ring as one
   * message. Resolves when it is in the ring, waiting off the event loop while the ring is full.
   * options.timeout (ms) bounds the wait (TimeoutError). */
  send(data, typeId = 0, options = undefined) {
    try {
      checkTypeId(typeId);
      return this.#n.send(data, typeId, timeoutOf(options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** send() without waiting: false when the ring has no room now. */
  trySend(data, typeId = 0) {
    checkTypeId(typeId);
    return this.#n.trySend(data, typeId);
  }

  /**
   * Sends every record of `records` (a Buffer, TypedArray, DataView or ArrayBuffer holding
   * records of `recordSize` bytes each, e.g. generated objects written side by side) as one
   * message each, with type id `typeIds` (one for all, or a Uint32Array with one per record).
   * Copies them into the ring in one native call per run of free space; resolves once all
   * are in, waiting off the event loop while the ring is full. Does not flush.
   */
  async sendBatch(records, recordSize, typeIds = 0, options = undefined) {
    if (typeof typeIds === 'number') checkTypeId(typeIds);
    const total = records.byteLength / recordSize;
    let sent = this.#n.sendRecords(records, recordSize, typeIds, 0);
    while (sent < total) {
      // Full: publish what went in, wait (off the event loop) to send the next record.
      this.#n.flush();
      const base = ArrayBuffer.isView(records) ? records.byteOffset : 0;
      const buf = ArrayBuffer.isView(records) ? records.buffer : records;
      const id = typeof typeIds === 'number' ? typeIds : typeIds[sent];
      await this.#n.send(new Uint8Array(buf, base + sent * recordSize, recordSize), id, timeoutOf(options));
      sent += 1;
      sent += this.#n.sendRecords(records, recordSize, typeIds, sent);
    }
  }

  /** Publishes every committed message now and wakes a sleeping consumer. */
  flush() {
    this.#n.flush();
  }

  #fillAndCommit(ab, size, typeId, fill) {
    let used = size;
    try {
      const r = fill(new Uint8Array(ab));
      if (r !== undefined) {
        if (!Number.isInteger(r) || r < 0 || r > size) {
          throw new RangeError(`tachyon: sendZeroCopy: fill returned ${r}, not a size in 0..${size}`);
        }
        used = r;
      }
    } catch (e) {
      this.#n.rollbackTx();
      throw e;
    }
    this.#n.commitTx(used, typeId);
  }

  /**
   * Writes one message in place: reserves `size` bytes in the ring, calls
   * `fill(slot)` with a Uint8Array over them, then commits (`fill` may return the
   * bytes it used, at most `size`). If fill throws, nothing is sent. The slot is
   * detached after the call. Resolves once committed; waits off the event loop
   * while the ring is full (options.timeout in ms).
   */
  async sendZeroCopy(size, typeId, fill, options = undefined) {
    checkTypeId(typeId);
    if (typeof fill !== 'function') throw new TypeError('tachyon: sendZeroCopy: fill must be a function');
    let ab = this.#n.acquireTx(size);
    if (ab === null) ab = await this.#n.acquireTxWait(size, timeoutOf(options));
    this.#fillAndCommit(ab, size, typeId, fill);
  }

  /** sendZeroCopy() without waiting: false (and fill not called) when the ring has no room now. */
  trySendZeroCopy(size, typeId, fill) {
    checkTypeId(typeId);
    if (typeof fill !== 'function') throw new TypeError('tachyon: trySendZeroCopy: fill must be a function');
    const ab = this.#n.acquireTx(size);
    if (ab === null) return false;
    this.#fillAndCommit(ab, size, typeId, fill);
    return true;
  }

  // ---- consumer ----

  #hold(pair) {
    const batch = new Batch(this, pair[0], pair[1]);
    this.#held = batch;
    return batch;
  }

  _release(batch) {
    if (batch !== this.#held) return;
    this.#held = null;
    if (!this.#n.closed()) this.#n.commitRx();
  }

  #checkFree(what) {
    if (this.#held) throw stateError(`${what}: commit the previous message or batch first`);
  }

  /**
   * Takes every message available now (up to `max`, default 256) without waiting.
   * The Batch is empty when there is none; commit it before the next receive.
   * Throws PeerGoneError once the producer closed and everything was delivered.
   */
  drainBatch(max = 256) {
    this.#checkFree('drainBatch');
    const r = this.#n.drain(max);
    if (r === null) {
      throw makeError(errorClasses.PeerGoneError.number, `drainBatch: ${errorClasses.PeerGoneError.description}`);
    }
    if (r === undefined) return EMPTY_BATCH;
    return this.#hold(r);
  }

  /**
   * Resolves to a Batch of at least one message (up to `max`), waiting off the
   * event loop when none is available; null at the end of the stream (the
   * producer closed and everything was delivered). options.timeout in ms.
   */
  async recvBatch(max = 256, options = undefined) {
    this.#checkFree('recvBatch');
    const r = this.#n.drain(max);
    if (r === null) return null;
    if (r !== undefined) return this.#hold(r);
    const waited = await this.#n.wait(max, timeoutOf(options));
    return waited === null ? null : this.#hold(waited);
  }

  /** Resolves to the next message read in place (commit() it), or null at the end of the stream. */
  async recvZeroCopy(options = undefined) {
    const b = await this.recvBatch(1, options);
    return b === null ? null : new RxMessage(b);
  }

  /** The next message in place if one is available now, else null. Throws PeerGoneError at the end. */
  tryRecvZeroCopy() {
    const b = this.drainBatch(1);
    return b.length === 0 ? null : new RxMessage(b);
  }

  /** Resolves to the next message (copied out of the ring), or null at the end of the stream. */
  async recv(options = undefined) {
    const m = await this.recvZeroCopy(options);
    if (m === null) return null;
    const msg = new Message(m.typeId, Buffer.from(m.data));
    m.commit();
    return msg;
  }

  /** The next message (a copy) if one is available now, else null. Throws PeerGoneError at the end. */
  tryRecv() {
    const m = this.tryRecvZeroCopy();
    if (m === null) return null;
    const msg = new Message(m.typeId, Buffer.from(m.data));
    m.commit();
    return msg;
  }

  /** Batches until the end of the stream; each is committed when the loop asks for the next one. */
  async* batches(max = 256) {
    for (;;) {
      const b = await this.recvBatch(max);
      if (b === null) return;
      try {
        yield b;
      } finally {
        b.commit();
      }
    }
  }

  /** `for await (const msg of bus)`: every message (copied) until the producer closes. */
  async* [Symbol.asyncIterator]() {
    for await (const b of this.batches()) {
      const out = [];
      for (let i = 0; i < b.length; i++) out.push(new Message(b.typeId(i), Buffer.from(b.data(i))));
      b.commit();
      yield* out;
    }
  }
}

const EMPTY_BATCH = Object.freeze({
  length: 0, buffer: new ArrayBuffer(0), view: new DataView(new ArrayBuffer(0)), committed: true,
  typeIds: new Uint32Array(0), offsets: new Uint32Array(0), sizes: new Uint32Array(0),
  commit() {}, typeId(i) { throw new RangeError(`batch: no message ${i}`); },
  size(i) { throw new RangeError(`batch: no message ${i}`); }, offset(i) { throw new RangeError(`batch: no message ${i}`); },
  data(i) { throw new RangeError(`batch: no message ${i}`); }, * [Symbol.iterator]() {},
});

/**
 * The generated object of message `typeId` in `schema` (a tachc-generated module),
 * read in place from a Batch entry, an RxMessage or a Message: `schema.decode(...)`.
 * null for an empty payload; throws for an unknown id or a short payload.
 */
function decode(schema, msg, i) {
  if (!schema || typeof schema.decode !== 'function') {
    throw new TypeError('tachyon: decode: schema must be a tachc-generated module');
  }
  if (msg instanceof Batch) return schema.decode(msg.typeId(i), msg.view, msg.offset(i), msg.size(i));
  if (msg instanceof RxMessage) return schema.decode(msg.typeId, msg.view, 0, msg.size);
  if (msg instanceof Message) return schema.decode(msg.typeId, msg.data);
  throw new TypeError('tachyon: decode: not a Batch, RxMessage or Message');
}

native.rpcSetErrorFactory(makeError);
const rpc = require('./rpc')(native, fingerprintOf, makeError, errorClasses);

// Fan-out, fan-in and wait-sets (topology.js).
const topology = require('./topology')(native, {
  makeError, errorClasses, fingerprintOf, checkTypeId, busNative: (bus) => busNatives.get(bus),
});

module.exports = {
  ...rpc,
  Bus,
  ...topology,
  Batch,
  RxMessage,
  Message,
  TachyonError,
  ...errorClasses,
  errorClasses,
  decode,
  /** The package's version and the linked libtachyon's (tachyon_version()): the same release. */
  VERSION: require('./package.json').version,
  LIBRARY_VERSION: native.LIBRARY_VERSION,
  ABI_VERSION: native.ABI_VERSION,
  FRAME_ALIGN: native.FRAME_ALIGN,
  FRAME_HEADER: native.FRAME_HEADER,
  BATCH: native.BATCH,
  MIN_CAPACITY: native.MIN_CAPACITY,
  MAX_CAPACITY: native.MAX_CAPACITY,
  MAX_BATCH: native.MAX_BATCH,
};
