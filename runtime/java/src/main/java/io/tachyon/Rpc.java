package io.tachyon;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The downcall handles of libtachyon's RPC calls ({@code tachyon_rpc_*} in {@code tachyon.h}), kept apart from
 * {@link Native} (the bus), and what {@link RpcClient} and {@link RpcServer} share. Calls that may wait are linked
 * without {@code critical}, so the garbage collector never waits on them. Every wait goes through
 * {@link Bus#await}, so it answers {@link Thread#interrupt()} as the bus does.
 */
final class Rpc {
    private Rpc() {}

    private static final MemoryLayout P = ADDRESS;
    private static final MemoryLayout I = JAVA_INT;
    private static final MemoryLayout L = JAVA_LONG;

    /** tachyon_rpc_msg_t: {const void *data; u32 size; u32 method_id; u64 call_id; u32 status; u32 app_code}. */
    static final StructLayout MSG = MemoryLayout.structLayout(
            ADDRESS.withName("data"), JAVA_INT.withName("size"), JAVA_INT.withName("method_id"),
            JAVA_LONG.withName("call_id"), JAVA_INT.withName("status"), JAVA_INT.withName("app_code"));
    static final long MSG_SIZE = 8, MSG_METHOD = 12, MSG_CALL_ID = 16, MSG_STATUS = 24, MSG_APP_CODE = 28;

    /** TACHYON_RPC_MAX_INFLIGHT: calls one client may have in flight. */
    static final int MAX_INFLIGHT = 256;
    static final long FOREVER = -1;

    static final MethodHandle LISTEN_UNTIL = Native.fn("tachyon_rpc_listen_until", Native.f(I, P, L, P, L, P, P));
    static final MethodHandle CONNECT_UNTIL = Native.fn("tachyon_rpc_connect_until", Native.f(I, P, P, L, P, P));
    static final MethodHandle DESTROY = Native.fn("tachyon_rpc_destroy", FunctionDescriptor.ofVoid(P));
    static final MethodHandle CALL_UNTIL = Native.fn("tachyon_rpc_call_until", Native.f(I, P, I, P, L, L, P, L));
    static final MethodHandle REQUEST_START = Native.fn("tachyon_rpc_request_start", Native.f(P, P, L, L));
    static final MethodHandle REQUEST_SEND = Native.fn("tachyon_rpc_request_send", Native.f(I, P, I, L, L, P));
    static final MethodHandle NEXT_REPLY_UNTIL = Native.fn("tachyon_rpc_next_reply_until", Native.f(I, P, P, L));
    static final MethodHandle RELEASE = Native.fn("tachyon_rpc_release", Native.f(I, P));
    static final MethodHandle PENDING = Native.fn("tachyon_rpc_pending", Native.f(L, P));
    static final MethodHandle NEXT_REQUEST_UNTIL = Native.fn("tachyon_rpc_next_request_until", Native.f(I, P, P, L));
    static final MethodHandle REPLY_START = Native.fn("tachyon_rpc_reply_start", Native.f(P, P, L, L));
    static final MethodHandle REPLY_COMMIT = Native.fn("tachyon_rpc_reply_commit", Native.f(I, P, I, I));
    static final MethodHandle DEFER = Native.fn("tachyon_rpc_defer", Native.f(I, P));
    static final MethodHandle REPLY_TO_UNTIL =
            Native.fn("tachyon_rpc_reply_to_until", Native.f(I, P, L, I, I, I, P, L, L));
    static final MethodHandle LAST_ERROR = Native.fn("tachyon_rpc_last_error", Native.f(I, P));
    static final MethodHandle INTERRUPT = Native.fn("tachyon_rpc_interrupt", FunctionDescriptor.ofVoid(P));

    /**
     * One blocking RPC call of {@code what} through {@link Bus#await}: {@link Thread#interrupt()} ends it with
     * Interrupted (the flag stays set); the connection's own interrupt comes back as INTERRUPTED, not retried.
     */
    static int await(String what, long deadline, Bus.Blocking call) {
        return Bus.await(what, deadline, false, call);
    }

    /** The C deadline of a timeout: null or {@link Options#FOREVER}-long means none. */
    static long deadline(Duration timeout) {
        if (timeout == null || timeout.compareTo(Duration.ofDays(365L * 100)) >= 0) {
            return FOREVER;
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        return Native.nowNs() + timeout.toNanos();
    }

    /** Throws the exception of {@code rc} unless it is OK. */
    static void check(int rc, String what) {
        if (rc != 0) {
            throw TachyonException.of(rc, what);
        }
    }

    /** tachyon_rpc_last_error, after a call that returned NULL. */
    static int lastError(MemorySegment h) {
        try {
            return (int) LAST_ERROR.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Opens one side: the server listens ({@code capacity} > 0), the client connects. */
    static MemorySegment open(String path, long capacity, Options options, boolean listen) {
        try (var a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment cpath = a.allocateFrom(path);
            MemorySegment opts = a.allocate(Native.OPTIONS);
            opts.set(JAVA_LONG, 0, options.fingerprint());
            opts.set(JAVA_LONG, 8, options.timeoutNanos());
            opts.set(JAVA_INT, 16, options.allowAnyUid() ? Options.OPT_ALLOW_ANY_UID : 0);
            MemorySegment out = a.allocate(ADDRESS);
            MemorySegment detail = a.allocate(Native.ERROR_DETAIL);
            long t = options.timeoutNanos();
            long deadline = t < 0 || (t == 0 && listen) ? FOREVER
                    : Native.nowNs() + (t == 0 ? Bus.CONNECT_DEFAULT_NS : t);
            String what = (listen ? "rpc listen " : "rpc connect ") + path;
            int rc = Bus.await(what, deadline, d -> listen
                    ? (int) LISTEN_UNTIL.invokeExact(cpath, capacity, opts, d, out, detail)
                    : (int) CONNECT_UNTIL.invokeExact(cpath, opts, d, out, detail));
            if (rc != 0) {
                throw TachyonException.of(rc, what, Native.formatError(detail), detail.get(JAVA_INT, 4));
            }
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
