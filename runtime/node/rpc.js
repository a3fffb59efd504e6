// tachyon RPC for Node.js: typed request/response over one connection (two
// rings), calls matched by call id. index.js exports what this module makes;
// the waits run on the libuv pool in short slices (src/rpc.c), so the event
// loop never blocks. Zero copy: a reply, a request and the reply being
// written are ArrayBuffers over the rings, detached when released.
'use strict';

/** What a server answered (tachyon_rpc_status_t). */
const RpcStatus = Object.freeze({ OK: 0, UNKNOWN_METHOD: 1, APP_ERROR: 2, BAD_REQUEST: 3 });
const statusNames = ['OK', 'UNKNOWN_METHOD', 'APP_ERROR', 'BAD_REQUEST'];

/** The app code a call gets when its handler threw anything but an RpcStatusError. */
const HANDLER_EXCEPTION = 0xffffffff;

/**
 * A call the server answered with something other than OK: thrown by the typed stubs (the untyped
 * RpcClient.call resolves with the status instead). A handler throws RpcStatusError.appError(code) to refuse.
 */
class RpcStatusError extends Error {
  constructor(status, appCode = 0) {
    super(`tachyon rpc: server answered ${statusNames[status] || status}` +
      (status === RpcStatus.APP_ERROR ? ` ${appCode}` : ''));
    this.name = 'RpcStatusError';
    this.status = status;
    this.appCode = appCode;
  }

  static appError(code) {
    return new RpcStatusError(RpcStatus.APP_ERROR, code);
  }
}

function timeoutOf(options) {
  const t = options && options.timeout;
  if (t === undefined || t === null) return undefined;
  if (typeof t !== 'number' || Number.isNaN(t)) throw new TypeError('tachyon: timeout is a number of milliseconds');
  return t;
}

module.exports = function makeRpc(native, fingerprintOf, makeError, errorClasses) {
  /** A reply held in place in the client's ring until release(). */
  class RpcReply {
    constructor(client, [callId, methodId, status, appCode, body]) {
      this._client = client;
      /** The id send() returned for the call (a bigint). */
      this.callId = callId;
      this.methodId = methodId;
      this.status = status;
      this.appCode = appCode;
      /** The body in the ring: an ArrayBuffer, detached (byteLength 0) after release(). */
      this.body = body;
    }

    get ok() {
      return this.status === RpcStatus.OK;
    }

    /** Gives the bytes back to the ring; the next reply can then be awaited. */
    release() {
      if (this._client) {
        const c = this._client;
        this._client = null;
        if (!c._native.closed()) c._native.release();
      }
    }
  }

  class RpcClient {
    constructor(nativeRpc) {
      this._native = nativeRpc;
    }

    /** Connects to the RPC server on `path` (options: fingerprint or schema, timeout in ms, default 5000). */
    static async connect(path, options = {}) {
      return new RpcClient(await native.rpcConnect(path, 0, fingerprintOf(options), timeoutOf(options), false));
    }

    /**
     * The blocking call as a promise: sends `request` (bytes, or undefined for none) to `methodId` and resolves
     * with its reply (at most `replyMax` bytes), held until release(). Rejects with TimeoutError, PeerGoneError,
     * CorruptError, TooLargeError.
     */
    async call(methodId, request, replyMax, options) {
      const id = this.send(methodId, request, replyMax, options);
      for (;;) {
        let reply;
        try {
          reply = await this.nextReply();
        } catch (e) {
          // An earlier pipelined call's own failure is not this call's; a hostile reply is.
          if (e.callId !== undefined && e.callId !== id && e.name !== 'CorruptError') continue;
          // A hostile reply abandons this call: forget it (it may already be over: StateError then).
          if (e.name === 'CorruptError' && !this._native.closed()) {
            try {
              this._native.cancel(id);
            } catch (c) {
              if (c.name !== 'StateError') throw c;
            }
          }
          throw e;
        }
        if (reply.callId === id) return reply;
        reply.release(); // the reply of a pipelined call nobody awaits here
      }
    }

    /** Pipelined: sends a call and returns its id (a bigint); its outcome comes from nextReply(). */
    send(methodId, request, replyMax, options) {
      const bytes = request === undefined || request === null ? new Uint8Array(0) : request;
      return this._native.send(methodId, bytes, replyMax, timeoutOf(options));
    }

    /**
     * Pipelined, zero-copy: reserves `size` request bytes in the ring, lets fill(bytes: Uint8Array) write them and
     * sends. If fill throws, the request goes out zeroed (a reservation cannot be taken back) and the error is
     * rethrown.
     */
    sendInPlace(methodId, size, replyMax, fill, options) {
      const t = timeoutOf(options);
      const slot = new Uint8Array(this._native.requestStart(size, t));
      let failure = null;
      try {
        fill(slot);
      } catch (e) {
        slot.fill(0);
        failure = e;
      }
      const id = this._native.requestSend(methodId, replyMax, t);
      if (failure) throw failure;
      return id;
    }

    /**
     * The next outcome of a pending call, in whatever order the server answers. A call that failed on its own
     * rejects with an error carrying its `callId`; PeerGoneError: every pending call failed at once.
     */
    async nextReply(options) {
      return new RpcReply(this, await this._native.nextReply(timeoutOf(options)));
    }

    /** Forgets pending call `callId` (its reply, if it comes, is dropped); StateError when it is not pending. */
    cancel(callId) {
      this._native.cancel(callId);
    }

    /** Calls in flight. */
    get pending() {
      return this._native.pending();
    }

    get closed() {
      return this._native.closed();
    }

    /** Closes the connection (the server sees PeerGone); a pending wait rejects. */
    close() {
      this._native.close();
    }
  }

  class RpcServer {
    constructor(nativeRpc) {
      this._native = nativeRpc;
    }

    /**
     * Listens on `path` for one client (options: capacity of each ring in bytes, default 65536; fingerprint or
     * schema; timeout in ms, default forever; allowAnyUid).
     */
    static async listen(path, options = {}) {
      const capacity = options.capacity === undefined ? 1 << 16 : options.capacity;
      return new RpcServer(await native.rpcListen(path, capacity, fingerprintOf(options), timeoutOf(options),
        !!options.allowAnyUid));
    }

    /** The next request: {callId, methodId, body} with body an ArrayBuffer in the ring until the reply. */
    async nextRequest(options) {
      const [callId, methodId, , , body] = await this._native.nextRequest(timeoutOf(options));
      return { callId, methodId, body };
    }

    /** Reserves the held request's reply of `size` bytes (zeroed) and returns it in place (an ArrayBuffer). */
    replyStart(size, options) {
      return this._native.replyStart(size, timeoutOf(options));
    }

    /** Sends the reserved reply and releases the request. */
    replyCommit(status = RpcStatus.OK, appCode = 0) {
      this._native.replyCommit(status, appCode >>> 0);
    }

    /** Releases the held request unanswered; answer it later with replyTo(). */
    defer() {
      this._native.defer();
    }

    /** Answers a deferred call with a copy of `body`. */
    replyTo(callId, methodId, status, appCode, body, options) {
      this._native.replyTo(callId, methodId, status, appCode >>> 0, body || new Uint8Array(0), timeoutOf(options));
    }

    /**
     * The dispatch loop of the generated servers: finds each request's method in `methods` ([{id, requestSize,
     * replySize}]; an unknown id is answered UNKNOWN_METHOD, a body of the wrong size BAD_REQUEST), reserves its
     * reply and calls handler(index, request, reply) (ArrayBuffers in the rings) to fill it. An RpcStatusError
     * answers with its status and code; any other error answers APP_ERROR HANDLER_EXCEPTION and rejects. Resolves
     * when the client goes (PeerGone); rejects with TimeoutError after options.timeout.
     */
    async serve(methods, handler, options) {
      const deadline = timeoutOf(options) === undefined ? undefined : Date.now() + timeoutOf(options);
      for (;;) {
        let req;
        try {
          req = await this.nextRequest({ timeout: deadline === undefined ? undefined : Math.max(0, deadline - Date.now()) });
        } catch (e) {
          if (e.name === 'PeerGoneError') return;
          if (e.name === 'CorruptError') continue; // a malformed request: dropped
          throw e;
        }
        const index = methods.findIndex((m) => m.id === req.methodId);
        if (index < 0 || req.body.byteLength !== methods[index].requestSize) {
          this.replyStart(0);
          this.replyCommit(index < 0 ? RpcStatus.UNKNOWN_METHOD : RpcStatus.BAD_REQUEST);
          continue;
        }
        const reply = this.replyStart(methods[index].replySize);
        try {
          handler(index, req.body, reply);
        } catch (e) {
          if (e instanceof RpcStatusError) {
            this.replyCommit(e.status === RpcStatus.OK ? RpcStatus.APP_ERROR : e.status, e.appCode);
            continue;
          }
          this.replyCommit(RpcStatus.APP_ERROR, HANDLER_EXCEPTION);
          throw e;
        }
        this.replyCommit(RpcStatus.OK);
      }
    }

    get closed() {
      return this._native.closed();
    }

    /** Closes the connection: the client's pending calls fail with PeerGone. */
    close() {
      this._native.close();
    }
  }

  /** Checks a reply against its method's reply type: OK (else RpcStatusError) and `size` bytes (else CorruptError). */
  function checkReply(reply, size) {
    if (!reply.ok) {
      reply.release();
      throw new RpcStatusError(reply.status, reply.appCode);
    }
    if (reply.body.byteLength !== size) {
      const n = reply.body.byteLength;
      reply.release();
      throw makeError(errorClasses.CorruptError.number, `rpc reply: ${n} bytes, expected ${size}`);
    }
    return reply;
  }
  RpcClient.prototype.checkReply = checkReply;

  return { RpcStatus, RpcStatusError, RpcReply, RpcClient, RpcServer, HANDLER_EXCEPTION };
};
