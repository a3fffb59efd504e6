package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The client side of an RPC connection (one connection carries requests one way and replies the other).
 * <pre>{@code
 * try (var conn = RpcClient.connect("@pricing")) {
 *     var pricing = new Pricing.PricingClient(conn);        // the generated typed client
 *     try (var r = pricing.quote(request, Duration.ofSeconds(1))) { ... r.view().price() ... }
 * }
 * }</pre>
 *
 * <p>Blocking: {@link #call}. Pipelined: {@link #send} up to 256 calls, then {@link #nextReply} in whatever order
 * the server answers ({@link RpcReply#callId()} says which). Timeouts are per call ({@code null}: none).
 * Transport failures throw {@link TachyonException} (Timeout, PeerGone, Corrupt, TooLarge, State); a pipelined
 * call that fails on its own throws {@link RpcCallException}; what the server answered is
 * {@link RpcReply#status()}. One thread at a time ({@link #interrupt()} excepted). Each wait (connect, call,
 * sendInPlace waiting for ring room, nextReply) is one C call to its deadline that ends with
 * {@link TachyonException.Interrupted} at {@link #interrupt()} from another thread or at {@link Thread#interrupt()}
 * of the waiting thread (whose flag then stays set), within about 100 ms.
 */
public final class RpcClient implements AutoCloseable {
    private MemorySegment handle; // tachyon_rpc_t*; NULL once closed
    private final Arena scratch;
    private final MemorySegment msg;
    private final MemorySegment outId;
    private RpcReply held;

    private RpcClient(MemorySegment handle) {
        this.handle = handle;
        this.scratch = Arena.ofShared();
        this.msg = scratch.allocate(Rpc.MSG);
        this.outId = scratch.allocate(JAVA_LONG);
    }

    /** Connects to the server on {@code path}, waiting up to 5 s for it to listen. */
    public static RpcClient connect(String path) {
        return connect(path, Options.defaults());
    }

    /** Connects with options (fingerprint, timeout). */
    public static RpcClient connect(String path, Options options) {
        return new RpcClient(Rpc.open(path, 0, options, false));
    }

    MemorySegment live() {
        if (handle.address() == 0) {
            throw TachyonException.of(ErrorCode.STATE.value(), "rpc client", "the connection is closed", 0);
        }
        return handle;
    }

    /**
     * The blocking call: sends {@code request} (its bytes; an empty segment for none) to {@code methodId} and
     * waits up to {@code timeout} for the reply, of at most {@code replyMax} bytes. Close the reply before the next
     * call.
     */
    public RpcReply call(int methodId, MemorySegment request, long replyMax, Duration timeout) {
        MemorySegment h = live();
        long deadline = Rpc.deadline(timeout);
        MemorySegment req = nativeCopy(request);
        String what = "rpc call of method " + methodId;
        int rc = Rpc.await(what, deadline,
                d -> (int) Rpc.CALL_UNTIL.invokeExact(h, methodId, req, req.byteSize(), replyMax, msg, d));
        Rpc.check(rc, what);
        return hold(new RpcReply(this, msg));
    }

    /** Pipelined: sends a call and returns its id at once; its outcome comes from {@link #nextReply}. */
    public long send(int methodId, MemorySegment request, long replyMax, Duration timeout) {
        return sendInPlace(methodId, request.byteSize(), replyMax, timeout,
                body -> MemorySegment.copy(request, 0, body, 0, request.byteSize()));
    }

    /**
     * Pipelined, zero-copy: reserves {@code size} request bytes in the ring, lets {@code fill} write them there,
     * and sends. If fill throws, the request still goes out (zeroed: a ring reservation cannot be taken back) and
     * the exception propagates; its reply still comes from {@link #nextReply}.
     */
    public long sendInPlace(int methodId, long size, long replyMax, Duration timeout, Consumer<MemorySegment> fill) {
        MemorySegment h = live();
        long deadline = Rpc.deadline(timeout);
        MemorySegment[] slot = new MemorySegment[1];
        int err = Rpc.await("rpc request start", deadline, d -> {
            slot[0] = (MemorySegment) Rpc.REQUEST_START.invokeExact(h, size, d);
            return slot[0].address() != 0 ? 0 : Rpc.lastError(h);
        });
        Rpc.check(err, "rpc request start");
        MemorySegment p = slot[0];
        RuntimeException failed = null;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment body = p.reinterpret(size, a, null);
            try {
                fill.accept(body);
            } catch (RuntimeException e) {
                body.fill((byte) 0);
                failed = e;
            }
        }
        int rc;
        try {
            rc = (int) Rpc.REQUEST_SEND.invokeExact(h, methodId, replyMax, deadline, outId);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Rpc.check(rc, "rpc request send");
        if (failed != null) {
            throw failed;
        }
        return outId.get(JAVA_LONG, 0);
    }

    /**
     * Pipelined: the next outcome of a pending call, waiting up to {@code timeout}. A call that failed on its own
     * throws {@link RpcCallException}; the timeout passing first throws {@link TachyonException.Timeout};
     * {@link TachyonException.PeerGone}: the server is gone and every pending call failed at once;
     * {@link TachyonException.State}: nothing is pending (or a reply is still held).
     */
    public RpcReply nextReply(Duration timeout) {
        MemorySegment h = live();
        int rc = Rpc.await("rpc next reply", Rpc.deadline(timeout),
                d -> (int) Rpc.NEXT_REPLY_UNTIL.invokeExact(h, msg, d));
        if (rc == 0) {
            return hold(new RpcReply(this, msg));
        }
        long id = msg.get(JAVA_LONG, Rpc.MSG_CALL_ID);
        TachyonException e = TachyonException.of(rc, "rpc next reply");
        if (id != 0 && (rc == ErrorCode.TIMEOUT.value() || rc == ErrorCode.TOO_LARGE.value()
                || rc == ErrorCode.CORRUPT.value())) {
            throw new RpcCallException(id, e);
        }
        throw e;
    }

    /** Calls in flight. */
    public int pending() {
        try {
            return (int) (long) Rpc.PENDING.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Makes the wait in progress on another thread throw {@link TachyonException.Interrupted}. */
    public void interrupt() {
        try {
            Rpc.INTERRUPT.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private RpcReply hold(RpcReply r) {
        held = r;
        return r;
    }

    void release(RpcReply r) {
        if (held != r || handle.address() == 0) {
            return;
        }
        held = null;
        int rc;
        try {
            rc = (int) Rpc.RELEASE.invokeExact(handle);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Rpc.check(rc, "rpc release");
    }

    private MemorySegment reqBuf = MemorySegment.NULL;

    /** The request as native memory: itself, or a copy of a heap segment in a reused buffer. */
    private MemorySegment nativeCopy(MemorySegment request) {
        if (request.isNative() || request.byteSize() == 0) {
            return request.byteSize() == 0 ? MemorySegment.NULL : request;
        }
        if (reqBuf.byteSize() < request.byteSize()) {
            reqBuf = scratch.allocate(Math.max(64, request.byteSize()), 16);
        }
        MemorySegment dst = reqBuf.asSlice(0, request.byteSize());
        MemorySegment.copy(request, JAVA_BYTE, 0, dst, JAVA_BYTE, 0, request.byteSize());
        return dst;
    }

    /** Closes the connection: the server sees PeerGone. A held reply is released first. */
    @Override
    public void close() {
        if (handle.address() == 0) {
            return;
        }
        if (held != null) {
            held.close();
        }
        MemorySegment h = handle;
        handle = MemorySegment.NULL;
        try {
            Rpc.DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            scratch.close();
        }
    }
}
