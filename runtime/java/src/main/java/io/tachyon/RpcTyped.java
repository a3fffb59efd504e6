package io.tachyon;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * A reply checked against its method's reply type, with a generated view over it in place: what the typed stubs
 * return. Close it (try-with-resources) to release the reply.
 * <pre>{@code
 * try (var r = pricing.quote(request, Duration.ofSeconds(1))) {
 *     double price = r.view().price();
 * }
 * }</pre>
 */
public final class RpcTyped<V> implements AutoCloseable {
    private final RpcReply reply;
    private final V view;

    private RpcTyped(RpcReply reply, V view) {
        this.reply = reply;
        this.view = view;
    }

    /**
     * Checks {@code reply}: status OK (else {@link RpcStatusException}) and exactly {@code size} bytes (else
     * {@link TachyonException.Corrupt}); on failure the reply is released.
     */
    public static <V> RpcTyped<V> of(RpcReply reply, long size, Function<MemorySegment, V> view) {
        try {
            checkReply(reply, size);
            return new RpcTyped<>(reply, view.apply(reply.body()));
        } catch (RuntimeException e) {
            reply.close();
            throw e;
        }
    }

    /** Checks and releases the reply of a method whose reply is empty. */
    public static void empty(RpcReply reply) {
        try (reply) {
            checkReply(reply, 0);
        }
    }

    private static void checkReply(RpcReply reply, long size) {
        if (!reply.ok()) {
            throw new RpcStatusException(reply.status(), reply.appCode());
        }
        if (reply.body().byteSize() != size) {
            throw TachyonException.of(ErrorCode.CORRUPT.value(), "rpc reply",
                    "reply of " + reply.body().byteSize() + " bytes, expected " + size, 0);
        }
    }

    /** The view over the reply, valid until {@link #close()}. */
    public V view() {
        return view;
    }

    public RpcReply reply() {
        return reply;
    }

    public long callId() {
        return reply.callId();
    }

    @Override
    public void close() {
        reply.close();
    }
}
