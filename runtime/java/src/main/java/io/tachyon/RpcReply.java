package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A reply held in place in the client's ring: read its {@link #body()} (or a generated view over it), then close
 * it, which gives the bytes back. One reply is held per connection at a time. The body belongs to a confined arena
 * that closing ends: a view kept past {@link #close()} throws instead of reading reused bytes.
 */
public final class RpcReply implements AutoCloseable {
    private final RpcClient client;
    private final Arena arena;
    private final MemorySegment body;
    private final long callId;
    private final int methodId;
    private final RpcStatus status;
    private final int appCode;
    private boolean done;

    RpcReply(RpcClient client, MemorySegment msg) {
        this.client = client;
        this.arena = Arena.ofConfined();
        long size = Integer.toUnsignedLong(msg.get(java.lang.foreign.ValueLayout.JAVA_INT, Rpc.MSG_SIZE));
        this.body = msg.get(java.lang.foreign.ValueLayout.ADDRESS, 0).reinterpret(size, arena, null).asReadOnly();
        this.callId = msg.get(java.lang.foreign.ValueLayout.JAVA_LONG, Rpc.MSG_CALL_ID);
        this.methodId = msg.get(java.lang.foreign.ValueLayout.JAVA_INT, Rpc.MSG_METHOD);
        this.status = RpcStatus.of(msg.get(java.lang.foreign.ValueLayout.JAVA_INT, Rpc.MSG_STATUS));
        this.appCode = msg.get(java.lang.foreign.ValueLayout.JAVA_INT, Rpc.MSG_APP_CODE);
    }

    /** The id of the call this answers ({@link RpcClient#send} returned it). */
    public long callId() {
        return callId;
    }

    public int methodId() {
        return methodId;
    }

    public RpcStatus status() {
        return status;
    }

    public boolean ok() {
        return status == RpcStatus.OK;
    }

    /** The handler's code when the status is APP_ERROR. */
    public int appCode() {
        return appCode;
    }

    /** The reply body, read-only, in the ring until {@link #close()}. */
    public MemorySegment body() {
        return body;
    }

    /** Releases the reply. Calling it again does nothing. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        arena.close();
        client.release(this);
    }

    @Override
    public String toString() {
        return "RpcReply[call " + Long.toUnsignedString(callId) + ", method " + methodId + ", " + status
                + (status == RpcStatus.APP_ERROR ? " " + Integer.toUnsignedString(appCode) : "") + ", "
                + body.byteSize() + " bytes]";
    }
}
