package io.tachyon;

/**
 * A call the server answered with something other than {@link RpcStatus#OK}: thrown by the generated typed stubs
 * (the untyped {@link RpcClient#call} returns the status instead). A handler throws it, usually through
 * {@link #appError(int)}, to refuse its call with a code of its own.
 */
public class RpcStatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The app code a call gets when its handler threw anything else (the exception then propagates). */
    public static final int HANDLER_EXCEPTION = -1;

    private final RpcStatus status;
    private final int appCode;

    public RpcStatusException(RpcStatus status, int appCode) {
        super("tachyon rpc: server answered " + status
                + (status == RpcStatus.APP_ERROR ? " " + Integer.toUnsignedString(appCode) : ""));
        this.status = status;
        this.appCode = appCode;
    }

    /** Refuses a call with {@code code}: the client gets {@link RpcStatus#APP_ERROR} and the code. */
    public static RpcStatusException appError(int code) {
        return new RpcStatusException(RpcStatus.APP_ERROR, code);
    }

    public RpcStatus status() {
        return status;
    }

    /** The handler's code (a u32 on the wire) when the status is APP_ERROR, else 0. */
    public int appCode() {
        return appCode;
    }
}
