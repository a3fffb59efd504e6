package io.tachyon;

/**
 * A pipelined call that failed on its own, from {@link RpcClient#nextReply}: its deadline passed
 * ({@link TachyonException.Timeout}), its reply exceeded what it allowed ({@link TachyonException.TooLarge}) or a
 * reply claiming its id was malformed ({@link TachyonException.Corrupt}). {@link #getCause()} is that exception;
 * the connection stays usable.
 */
public final class RpcCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long callId;

    RpcCallException(long callId, TachyonException cause) {
        super("tachyon rpc: call " + Long.toUnsignedString(callId) + " failed: " + cause.getMessage(), cause);
        this.callId = callId;
    }

    /** The id {@link RpcClient#send} returned for the call. */
    public long callId() {
        return callId;
    }

    /** Why it failed. */
    public ErrorCode code() {
        return ((TachyonException) getCause()).code();
    }
}
