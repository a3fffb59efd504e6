package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The server side of an RPC connection. The generated server interfaces (e.g. {@code Pricing.PricingServer}) run
 * {@link #serve}; the steps are public too: {@link #nextRequest}, {@link #replyStart}, {@link #replyCommit}, and
 * {@link #defer} + {@link #replyTo} to answer a slow call later so that it holds up only itself.
 *
 * <p>Zero copy: a request is read in place in the request ring and the reply written in place in the reply ring;
 * both segments belong to a confined arena that the reply's commit closes. One thread at a time
 * ({@link #interrupt()} excepted). Each wait (listen, nextRequest, the waits of serve, replyStart and replyTo for
 * ring room) is one C call to its deadline that ends with {@link TachyonException.Interrupted} at
 * {@link #interrupt()} from another thread or at {@link Thread#interrupt()} of the waiting thread (whose flag then
 * stays set), within about 100 ms.
 */
public final class RpcServer implements AutoCloseable {
    /** One method of a dispatch table: its id and exact request and reply body sizes. */
    public record Method(int id, long requestSize, long replySize) {}

    /** A request held in place: readable until its reply is committed (or it is deferred). */
    public record Request(long callId, int methodId, MemorySegment body) {}

    /** Fills the reply of method {@code index} (in the table given to {@link #serve}) in place. */
    @FunctionalInterface
    public interface Handler {
        void handle(int index, MemorySegment request, MemorySegment reply);
    }

    private MemorySegment handle;
    private final Arena scratch;
    private final MemorySegment msg;
    private final AtomicBoolean interruptRequested = new AtomicBoolean();
    private Arena callArena; // the held request's (and its reply's) lifetime

    private RpcServer(MemorySegment handle) {
        this.handle = handle;
        this.scratch = Arena.ofShared();
        this.msg = scratch.allocate(Rpc.MSG);
    }

    /** Listens on {@code path} for one client, with two rings of {@code capacity} bytes; waits forever. */
    public static RpcServer listen(String path, long capacity) {
        return listen(path, capacity, Options.defaults());
    }

    /** Listens with options (fingerprint, timeout). */
    public static RpcServer listen(String path, long capacity, Options options) {
        return new RpcServer(Rpc.open(path, capacity, options, true));
    }

    private MemorySegment live() {
        if (handle.address() == 0) {
            throw TachyonException.of(ErrorCode.STATE.value(), "rpc server", "the connection is closed", 0);
        }
        return handle;
    }

    private int nextRequestRaw(MemorySegment h, long deadline) {
        return Rpc.await("rpc next request", deadline, d -> (int) Rpc.NEXT_REQUEST_UNTIL.invokeExact(h, msg, d));
    }

    private Request held() {
        endCall();
        callArena = Arena.ofConfined();
        long size = Integer.toUnsignedLong(msg.get(JAVA_INT, Rpc.MSG_SIZE));
        MemorySegment body = msg.get(ADDRESS, 0).reinterpret(size, callArena, null).asReadOnly();
        return new Request(msg.get(JAVA_LONG, Rpc.MSG_CALL_ID), msg.get(JAVA_INT, Rpc.MSG_METHOD), body);
    }

    private void endCall() {
        if (callArena != null) {
            callArena.close();
            callArena = null;
        }
    }

    /**
     * The next request, in place, waiting up to {@code timeout} (null: none). Throws Timeout, PeerGone (the client
     * went), Corrupt (a malformed frame), State (a request is still held).
     */
    public Request nextRequest(Duration timeout) {
        Rpc.check(nextRequestRaw(live(), Rpc.deadline(timeout)), "rpc next request");
        return held();
    }

    /** Reserves the held request's reply body of {@code size} bytes in the reply ring and returns it. */
    public MemorySegment replyStart(long size, Duration timeout) {
        return replyStart(live(), size, Rpc.deadline(timeout));
    }

    private MemorySegment replyStart(MemorySegment h, long size, long deadline) {
        MemorySegment[] slot = new MemorySegment[1];
        int err = Rpc.await("rpc reply start", deadline, d -> {
            slot[0] = (MemorySegment) Rpc.REPLY_START.invokeExact(h, size, d);
            return slot[0].address() != 0 ? 0 : Rpc.lastError(h);
        });
        Rpc.check(err, "rpc reply start");
        MemorySegment p = slot[0];
        return p.reinterpret(size, callArena != null ? callArena : Arena.ofAuto(), null);
    }

    /** Sends the reserved reply with {@code status} (and {@code appCode} for APP_ERROR); releases the request. */
    public void replyCommit(RpcStatus status, int appCode) {
        MemorySegment h = live();
        endCall();
        int rc;
        try {
            rc = (int) Rpc.REPLY_COMMIT.invokeExact(h, status.ordinal(), appCode);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Rpc.check(rc, "rpc reply commit");
    }

    /** Releases the held request unanswered (copy what you need first); answer later with {@link #replyTo}. */
    public void defer() {
        MemorySegment h = live();
        endCall();
        int rc;
        try {
            rc = (int) Rpc.DEFER.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Rpc.check(rc, "rpc defer");
    }

    /** Answers deferred call {@code callId} of {@code methodId} with a copy of {@code body} (native memory). */
    public void replyTo(long callId, int methodId, RpcStatus status, int appCode, MemorySegment body,
            Duration timeout) {
        replyTo(callId, methodId, status.ordinal(), appCode, body, timeout);
    }

    /** {@link #replyTo} with a raw status number (tests send invalid ones). */
    void replyTo(long callId, int methodId, int status, int appCode, MemorySegment body, Duration timeout) {
        MemorySegment h = live();
        MemorySegment src = body.byteSize() == 0 ? MemorySegment.NULL : body;
        if (src.byteSize() > 0 && !src.isNative()) {
            throw new IllegalArgumentException("replyTo needs a native segment (Arena.allocate)");
        }
        int rc = Rpc.await("rpc reply to", Rpc.deadline(timeout), d -> (int) Rpc.REPLY_TO_UNTIL.invokeExact(h, callId,
                methodId, status, appCode, src, body.byteSize(), d));
        Rpc.check(rc, "rpc reply to");
    }

    /**
     * The dispatch loop of the generated servers: for each request, finds its method in {@code methods} (an
     * unknown id is answered UNKNOWN_METHOD, a body of the wrong size BAD_REQUEST), reserves its reply (zeroed)
     * and lets {@code handler} fill it in place. A handler that throws {@link RpcStatusException} answers with that
     * status and code; any other exception answers APP_ERROR {@link RpcStatusException#HANDLER_EXCEPTION} and then
     * propagates. Returns when the client goes (PeerGone); throws Timeout after {@code timeout} (null: none) and
     * Interrupted after {@link #interrupt()} or {@link Thread#interrupt()} (the flag stays set).
     */
    public void serve(List<Method> methods, Handler handler, Duration timeout) {
        MemorySegment h = live();
        long deadline = Rpc.deadline(timeout);
        for (;;) {
            int rc = nextRequestRaw(h, deadline);
            if (rc == ErrorCode.PEER_GONE.value()) {
                return;
            }
            if (rc == ErrorCode.CORRUPT.value()) {
                continue; // a malformed request: dropped, its caller sees its deadline
            }
            if (rc == ErrorCode.INTERRUPTED.value() && !interruptRequested.getAndSet(false)) {
                continue; // a signal, not interrupt()
            }
            Rpc.check(rc, "rpc serve");
            Request req = held();
            int index = 0;
            while (index < methods.size() && methods.get(index).id() != req.methodId()) {
                index++;
            }
            if (index == methods.size() || req.body().byteSize() != methods.get(index).requestSize()) {
                replyStart(h, 0, deadline);
                replyCommit(index == methods.size() ? RpcStatus.UNKNOWN_METHOD : RpcStatus.BAD_REQUEST, 0);
                continue;
            }
            MemorySegment reply = replyStart(h, methods.get(index).replySize(), deadline);
            reply.fill((byte) 0);
            try {
                handler.handle(index, req.body(), reply);
            } catch (RpcStatusException e) {
                replyCommit(e.status() == RpcStatus.OK ? RpcStatus.APP_ERROR : e.status(), e.appCode());
                continue;
            } catch (RuntimeException | Error e) {
                replyCommit(RpcStatus.APP_ERROR, RpcStatusException.HANDLER_EXCEPTION);
                throw e;
            }
            replyCommit(RpcStatus.OK, 0);
        }
    }

    /** Makes the wait in progress ({@link #serve} or {@link #nextRequest} on another thread) throw Interrupted. */
    public void interrupt() {
        interruptRequested.set(true);
        try {
            Rpc.INTERRUPT.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Closes the connection: the client's pending calls fail with PeerGone. */
    @Override
    public void close() {
        if (handle.address() == 0) {
            return;
        }
        MemorySegment h = handle;
        handle = MemorySegment.NULL;
        try {
            endCall();
        } catch (WrongThreadException ignored) {
            // held by another thread: its segments end with the connection anyway
        }
        try {
            Rpc.DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            scratch.close();
        }
    }
}
