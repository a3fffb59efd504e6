// Fan-out, fan-in and wait-sets for Node.js (the `tachyon` package's FanOut,
// Subscriber, FanIn and WaitSet). index.js calls this module with the addon and
// its error factory.
//
// Waiting never blocks the event loop and takes no pool thread: a receive that
// finds nothing watches the member's readiness fd (a libtachyon wait-set's
// epoll fd) with a uv_poll handle on the loop, and tries again when it turns
// readable. Received messages can be read in place (recvZeroCopy, for await):
// their view is detached by the commit, so it can never show reused ring bytes.
'use strict';

const MEMBER_BUS = 0;
const MEMBER_SUB = 1;
const MEMBER_FANIN = 2;

module.exports = function topology(native, { makeError, errorClasses, fingerprintOf, checkTypeId, busNative }) {
  function error(cls, context) {
    return makeError(cls.number, `${context}: ${cls.description}`);
  }

  function deadlineOf(options, dflt, context) {
    const t = options && options.timeout !== undefined && options.timeout !== null ? options.timeout : dflt;
    if (typeof t !== 'number' || Number.isNaN(t)) {
      throw new TypeError(`tachyon: ${context}: timeout must be a number of milliseconds`);
    }
    return t < 0 || t === Infinity ? Infinity : Date.now() + t;
  }

  function joinOf(join, context) {
    if (join === undefined || join === 'newest') return false;
    if (join === 'oldest') return true;
    throw new TypeError(`tachyon: ${context}: join must be 'newest' or 'oldest'`);
  }

  /**
   * A message held in place in the ring: `view` is a Uint8Array over the slot,
   * valid until commit() (after which it is detached: length 0).
   */
  class HeldMessage {
    #release;
    constructor(typeId, buffer, sender, release) {
      /** The type id the producer committed it with. */
      this.typeId = typeId;
      /** The payload, in place. */
      this.view = new Uint8Array(buffer);
      /** Who sent it: { id, pid, slot } for a fan-in's message, null for a subscriber's. */
      this.sender = sender;
      this.#release = release;
    }

    /** Payload bytes. */
    get size() {
      return this.view.byteLength;
    }

    /** Whether commit() was called. */
    get committed() {
      return this.#release === null;
    }

    /** A copy of the payload, for keeping after the commit. */
    copy() {
      return Buffer.from(this.view);
    }

    /**
     * Releases the message. A subscriber dropped (policy 'drop') while it held the
     * message throws LaggedError: what was read from it must be discarded.
     */
    commit() {
      if (this.#release === null) return;
      const release = this.#release;
      this.#release = null;
      release();
    }
  }

  /** A received message copied out of the ring: safe to keep. */
  class Delivery {
    constructor(typeId, data, sender) {
      /** The type id the producer committed it with. */
      this.typeId = typeId;
      /** The payload (a Buffer of its own). */
      this.data = data;
      /** Who sent it (fan-in), or null (fan-out). */
      this.sender = sender;
    }
  }

  /** The readiness of one consumer (a subscriber or a fan-in), over a wait-set of its own. */
  class Readiness {
    #ws = null;
    #wake = null;
    #timer = null;

    constructor(kind, handle) {
      this.kind = kind;
      this.handle = handle;
    }

    /** Resolves to true when the member may have something, false at the deadline (or close). */
    wait(deadline) {
      if (!this.#ws) {
        this.#ws = native.wsNew();
        native.wsAdd(this.#ws, this.kind, this.handle, 0);
      }
      if (native.wsPoll(this.#ws).length > 0) return Promise.resolve(true);
      if (deadline <= Date.now()) return Promise.resolve(false);
      return new Promise((resolve) => {
        this.#wake = resolve;
        native.wsWatch(this.#ws, () => this.#settle(true));
        if (deadline !== Infinity) {
          this.#timer = setTimeout(() => this.#settle(false), Math.max(0, deadline - Date.now()));
        }
      });
    }

    #settle(ready) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      const wake = this.#wake;
      this.#wake = null;
      if (this.#ws && !ready) native.wsUnwatch(this.#ws);
      if (wake) wake(ready);
    }

    /** Ends a pending wait (false) and frees the wait-set: before the member closes. */
    close() {
      this.#settle(false);
      if (this.#ws) native.topoClose(this.#ws);
      this.#ws = null;
    }
  }

  /** Takes messages in place from `tryNative` and waits on `ready` when there are none. */
  class Consumer {
    #h;
    #ready;
    #held = null;
    #closed = false;

    constructor(handle, kind) {
      this.#h = handle;
      this.#ready = new Readiness(kind, handle);
    }

    get _handle() {
      if (this.#closed) throw error(errorClasses.StateError, `${this._what}: closed`);
      return this.#h;
    }

    /** The next message in place if there is one now, else null. Commit it before the next. */
    tryRecvZeroCopy() {
      return this.#take(false);
    }

    #take(check) {
      const raw = this._tryNative(this._handle, check);
      if (raw === null) return null;
      const msg = this._wrap(raw, () => {
        this.#held = null;
        if (!this.#closed) this._commitNative(this.#h);
      });
      this.#held = msg;
      return msg;
    }

    /** The next message copied out if there is one now, else null. */
    tryRecv() {
      const m = this.tryRecvZeroCopy();
      if (m === null) return null;
      const d = new Delivery(m.typeId, m.copy(), m.sender);
      m.commit();
      return d;
    }

    /**
     * Waits (without blocking the loop) for the next message and returns it in place.
     * options.timeout: ms (default: none), then TimeoutError.
     */
    async recvZeroCopy(options = {}) {
      const deadline = deadlineOf(options, -1, `${this._what} receive`);
      for (let woke = false; ; woke = true) {
        let m = this.#take(false);
        // Woken with nothing to read: a producer may have died (its pidfd makes the
        // readiness fd readable, so an idle receive needs no periodic check).
        if (m === null && woke) m = this.#take(true);
        if (m !== null) return m;
        const ready = await this.#ready.wait(deadline);
        if (this.#closed) throw error(errorClasses.StateError, `${this._what} receive: closed while waiting`);
        if (!ready && Date.now() >= deadline) throw error(errorClasses.TimeoutError, `${this._what} receive`);
      }
    }

    /** recvZeroCopy, copied out and committed: a Delivery. */
    async recv(options = {}) {
      const m = await this.recvZeroCopy(options);
      const d = new Delivery(m.typeId, m.copy(), m.sender);
      m.commit();
      return d;
    }

    /**
     * The messages as they arrive, in place: each is committed when the loop body
     * finishes (or breaks). Ends when the producer closed and everything was read
     * (a subscriber; a fan-in waits for producers forever).
     */
    async* [Symbol.asyncIterator]() {
      for (;;) {
        let m;
        try {
          m = await this.recvZeroCopy();
        } catch (e) {
          if (e instanceof errorClasses.PeerGoneError) return;
          throw e;
        }
        try {
          yield m;
        } finally {
          m.commit();
        }
      }
    }

    /** Whether close() was called. */
    get closed() {
      return this.#closed;
    }

    /** Closes it; a pending receive fails with StateError. A second call does nothing. */
    close() {
      if (this.#closed) return;
      this.#closed = true;
      this.#ready.close();
      this.#held = null;
      native.topoClose(this.#h);
    }
  }

  /**
   * The producer of a fan-out: every Subscriber reads each message in place.
   * FanOut.listen returns at once; subscribers join and leave at any time.
   */
  class FanOut {
    #h;
    #closed = false;

    constructor(handle) {
      this.#h = handle;
    }

    /**
     * Binds `path` with a ring of `capacity` bytes. options.policy: 'block' (the
     * producer waits for the slowest subscriber, the default) or 'drop' (a
     * subscriber that falls behind is dropped: LaggedError); schema or fingerprint;
     * allowAnyUid.
     */
    static listen(path, capacity, options = {}) {
      if (typeof path !== 'string') throw new TypeError('tachyon: FanOut.listen: path must be a string');
      const policy = options.policy === undefined ? 'block' : options.policy;
      if (policy !== 'block' && policy !== 'drop') {
        throw new TypeError("tachyon: FanOut.listen: policy must be 'block' or 'drop'");
      }
      return new FanOut(native.foListen(path, capacity, policy === 'drop', fingerprintOf(options),
        Boolean(options.allowAnyUid)));
    }

    get #handle() {
      if (this.#closed) throw error(errorClasses.StateError, 'fan-out: closed');
      return this.#h;
    }

    /** Subscribers attached now. */
    get subscribers() {
      return native.foInfo(this.#handle)[0];
    }

    /** The largest payload one message may have. */
    get maxMessageSize() {
      return native.foInfo(this.#handle)[1];
    }

    /** Publishes a copy of `data` without waiting: false while the slowest subscriber holds the room ('block'). */
    trySend(data, typeId = 0) {
      checkTypeId(typeId);
      return native.foTrySend(this.#handle, data, typeId);
    }

    /**
     * Publishes a copy of `data`, waiting for room (policy 'block') on the libuv
     * pool. options.timeout: ms (default: none), then TimeoutError.
     */
    async send(data, typeId = 0, options = {}) {
      checkTypeId(typeId);
      const deadline = deadlineOf(options, -1, 'fan-out send');
      if (native.foTrySend(this.#handle, data, typeId)) return;
      // One wait inside the C library to the deadline; close() interrupts it (StateError).
      for (;;) {
        const left = deadline === Infinity ? -1 : deadline - Date.now();
        if (left !== -1 && left <= 0) throw error(errorClasses.TimeoutError, 'fan-out send');
        try {
          await native.foSendWait(this.#handle, data, typeId, left);
          return;
        } catch (e) {
          // A spurious INTERRUPTED (an interrupt aimed at a wait that had already ended): wait again.
          if (!(e instanceof errorClasses.InterruptedError) || this.#closed) throw e;
        }
      }
    }

    /**
     * Reserves `size` bytes in place, lets fill(view) write them and publishes them:
     * true, or false (fill not called) while there is no room. A throw from fill
     * rolls back.
     */
    trySendZeroCopy(size, typeId, fill) {
      checkTypeId(typeId);
      const ab = native.foAcquire(this.#handle, size);
      if (ab === null) return false;
      try {
        fill(new Uint8Array(ab));
      } catch (e) {
        native.foRollback(this.#h);
        throw e;
      }
      native.foCommit(this.#h, size, typeId);
      return true;
    }

    /** Whether close() was called. */
    get closed() {
      return this.#closed;
    }

    /** Closes the producer: subscribers read what was published, then PeerGoneError. */
    close() {
      if (this.#closed) return;
      this.#closed = true;
      native.topoClose(this.#h);
    }
  }

  /** A subscriber of a FanOut. `for await (const msg of sub)` reads every message in place. */
  class Subscriber extends Consumer {
    /**
     * Joins the fan-out on `path`. options.join: 'newest' (the next message, the
     * default) or 'oldest' (the oldest still in the ring); schema or fingerprint;
     * timeout (ms, default 5000) for the producer to appear.
     */
    static async connect(path, options = {}) {
      if (typeof path !== 'string') throw new TypeError('tachyon: Subscriber.connect: path must be a string');
      const oldest = joinOf(options.join, 'Subscriber.connect');
      const fp = fingerprintOf(options);
      const deadline = deadlineOf(options, 5000, 'Subscriber.connect');
      // One C call on the libuv pool waits for the producer until the deadline;
      // process exit and a worker's termination end it (src/waits.c).
      const ms = deadline === Infinity ? -1 : Math.max(0, deadline - Date.now());
      return new Subscriber(await native.subConnect(path, oldest, fp, ms));
    }

    constructor(handle) {
      super(handle, MEMBER_SUB);
      this._what = 'subscriber';
    }

    _tryNative(h, check) {
      return native.subTryReceive(h, check);
    }

    _wrap(raw, release) {
      return new HeldMessage(raw[0], raw[1], null, release);
    }

    _commitNative(h) {
      native.subCommit(h);
    }

    /** After LaggedError: takes this subscriber's place back at join 'newest' or 'oldest'. */
    rejoin(join = 'newest') {
      native.subRejoin(this._handle, joinOf(join, 'rejoin'));
    }
  }

  /**
   * The consumer of a fan-in: producers connect with Bus.connect(path), each with
   * a ring of its own; messages come one per producer in turn, with their sender.
   */
  class FanIn extends Consumer {
    /** Binds `path` and returns at once. options: schema or fingerprint; allowAnyUid. */
    static listen(path, capacity, options = {}) {
      if (typeof path !== 'string') throw new TypeError('tachyon: FanIn.listen: path must be a string');
      return new FanIn(native.fiListen(path, capacity, fingerprintOf(options), Boolean(options.allowAnyUid)));
    }

    constructor(handle) {
      super(handle, MEMBER_FANIN);
      this._what = 'fan-in';
    }

    _tryNative(h, check) {
      return native.fiTryReceive(h, check);
    }

    _wrap(raw, release) {
      return new HeldMessage(raw[0], raw[1], { id: raw[2], pid: raw[3], slot: raw[4] }, release);
    }

    _commitNative(h) {
      native.fiCommit(h);
    }

    /** Producers attached now. */
    get producers() {
      return native.fiProducers(this._handle);
    }
  }

  /**
   * Many consumers (a Bus's receiving side, a Subscriber, a FanIn), one wait:
   * wait() resolves to the keys of those with something to read; read them with
   * their non-blocking calls (tryRecv, tryRecvZeroCopy, drainBatch).
   */
  class WaitSet {
    #h = native.wsNew();
    #members = new Map();
    #wake = null;
    #timer = null;

    /** Adds `member` under `key` (an integer 0 .. 2^53-1). */
    add(member, key) {
      if (this.#members.has(key)) throw new RangeError(`tachyon: WaitSet.add: key ${key} is already used`);
      if (member instanceof Subscriber) {
        native.wsAdd(this.#handle, MEMBER_SUB, member._handle, key);
      } else if (member instanceof FanIn) {
        native.wsAdd(this.#handle, MEMBER_FANIN, member._handle, key);
      } else {
        const n = busNative(member);
        if (!n) throw new TypeError('tachyon: WaitSet.add: not a Bus, a Subscriber or a FanIn');
        native.wsAdd(this.#handle, MEMBER_BUS, n, key);
      }
      this.#members.set(key, member);
    }

    /** Removes the member under `key` (StateError if there is none). */
    remove(key) {
      native.wsRemove(this.#handle, key);
      this.#members.delete(key);
    }

    /** Members in the set. */
    get size() {
      return this.#members.size;
    }

    get #handle() {
      if (this.#h === null) throw error(errorClasses.StateError, 'wait-set: closed');
      return this.#h;
    }

    /** The keys of the members with something to read now (maybe none). */
    poll() {
      return native.wsPoll(this.#handle);
    }

    /** Resolves to the ready keys once there are some, or [] at options.timeout (ms). */
    async wait(options = {}) {
      const deadline = deadlineOf(options, -1, 'wait-set wait');
      for (;;) {
        const keys = native.wsPoll(this.#handle);
        if (keys.length > 0 || Date.now() >= deadline) return keys;
        await new Promise((resolve) => {
          this.#wake = resolve;
          native.wsWatch(this.#h, () => this.#settle());
          if (deadline !== Infinity) this.#timer = setTimeout(() => this.#settle(), Math.max(0, deadline - Date.now()));
        });
        if (this.#h === null) throw error(errorClasses.StateError, 'wait-set wait: closed while waiting');
      }
    }

    #settle() {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      if (this.#h !== null) native.wsUnwatch(this.#h);
      const wake = this.#wake;
      this.#wake = null;
      if (wake) wake();
    }

    /** The readiness fd (an epoll fd), for a poller of your own; poll() clears it. */
    get fd() {
      return native.wsFd(this.#handle);
    }

    /** Frees the wait-set (its members stay open); a pending wait fails with StateError. */
    close() {
      if (this.#h === null) return;
      const h = this.#h;
      this.#h = null;
      this.#members.clear();
      this.#settle();
      native.topoClose(h);
    }
  }

  return { FanOut, Subscriber, FanIn, WaitSet, HeldMessage, Delivery };
};
