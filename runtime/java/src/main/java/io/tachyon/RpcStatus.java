package io.tachyon;

/** What an RPC server answered a call ({@code tachyon_rpc_status_t}). */
public enum RpcStatus {
    /** The handler answered; the body is the reply. */
    OK,
    /** The server has no such method id. */
    UNKNOWN_METHOD,
    /** The handler refused the call: its code is {@link RpcReply#appCode()}. */
    APP_ERROR,
    /** The request body's size is not the method's request size. */
    BAD_REQUEST;

    /** The status of wire value {@code v} (libtachyon has checked it is one). */
    static RpcStatus of(int v) {
        return values()[v];
    }
}
