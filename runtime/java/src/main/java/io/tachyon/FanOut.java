package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * The producer of a fan-out: each message is written once and every {@link Subscriber} (up to 64, in any process)
 * reads it in place at its own position. {@link #listen} returns at once; subscribers join and leave at any time.
 * <pre>{@code
 * try (FanOut pub = FanOut.listen("@ticks", 1 << 20, LagPolicy.DROP)) {
 *     pub.send(new byte[] {1, 2, 3}, 1);                  // copied in
 *     try (FanOut.Reservation tx = pub.acquireTx(16)) {   // or written in place
 *         tx.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
 *         tx.commit(16, 2);
 *     }
 * }
 * }</pre>
 * With no subscriber the oldest messages are overwritten: messages never wait for a subscriber to come. Closing
 * the producer lets the subscribers read what was published, then they get {@link TachyonException.PeerGone}.
 *
 * <p>Threading: one thread at a time. Blocking calls make one C call to the caller's deadline through
 * {@link Bus#await} and answer {@link Thread#interrupt()} with {@link TachyonException.Interrupted} (the flag stays
 * set).
 */
public final class FanOut implements AutoCloseable {
    private final Side side; // tachyon_fanout_t*
    private Reservation open;

    private FanOut(MemorySegment handle) {
        this.side = new Side(handle);
    }

    /** Binds {@code path} ("@name": abstract namespace) with a ring of {@code capacity} bytes (a power of two). */
    public static FanOut listen(String path, long capacity, LagPolicy policy) {
        return listen(path, capacity, policy, Options.defaults());
    }

    /** As {@link #listen(String, long, LagPolicy)}, with a schema fingerprint and uid policy (the timeout is unused). */
    public static FanOut listen(String path, long capacity, LagPolicy policy, Options options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int rc = (int) TopologyNative.FANOUT_LISTEN.invokeExact(a.allocateFrom(path), capacity, policy.ordinal(),
                    TopologyNative.options(a, options), out);
            Bus.check(rc, "fan-out listen " + path);
            return new FanOut(out.get(ADDRESS, 0));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Copies {@code data} in and publishes it, waiting for room as long as it takes (under {@link LagPolicy#BLOCK}). */
    public void send(byte[] data, int typeId) {
        sendUntil(MemorySegment.ofArray(data), typeId, TopologyNative.FOREVER);
    }

    /** Copies {@code data} in and publishes it, waiting for room up to {@code timeout} (then Timeout). */
    public void send(MemorySegment data, int typeId, Duration timeout) {
        sendUntil(data, typeId, TopologyNative.deadline(timeout));
    }

    /** Copies {@code data} in and publishes it, waiting for room as long as it takes. */
    public void send(MemorySegment data, int typeId) {
        sendUntil(data, typeId, TopologyNative.FOREVER);
    }

    /** Publishes without waiting: false when the slowest subscriber holds the room (BLOCK) right now. */
    public boolean trySend(MemorySegment data, int typeId) {
        int rc;
        try {
            rc = (int) TopologyNative.FANOUT_SEND_NOW.invokeExact(live(), data, data.byteSize(), typeId, 0L);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (rc == ErrorCode.FULL.value()) {
            return false;
        }
        Bus.check(rc, "fan-out send");
        return true;
    }

    /** {@link #trySend(MemorySegment, int)} of a byte array. */
    public boolean trySend(byte[] data, int typeId) {
        return trySend(MemorySegment.ofArray(data), typeId);
    }

    private void sendUntil(MemorySegment data, int typeId, long deadline) {
        if (trySend(data, typeId)) {
            return;
        }
        if (!data.isNative()) { // a call that may sleep cannot pin the heap: wait with a native copy
            try (Arena a = Arena.ofConfined()) {
                MemorySegment copy = a.allocate(Math.max(1, data.byteSize()), 16).asSlice(0, data.byteSize());
                copy.copyFrom(data);
                sendUntil(copy, typeId, deadline);
                return;
            }
        }
        MemorySegment h = live();
        int rc = Bus.await("fan-out send", deadline,
                d -> (int) TopologyNative.FANOUT_SEND_UNTIL.invokeExact(h, data, data.byteSize(), typeId, d));
        if (rc != 0) {
            throw TachyonException.of(rc, "fan-out send");
        }
    }

    /**
     * Reserves room for a message of up to {@code maxSize} bytes, waiting as long as it takes. Use it in
     * try-with-resources: a reservation closed without {@link Reservation#commit} is rolled back.
     */
    public Reservation acquireTx(long maxSize) {
        return acquireUntil(maxSize, TopologyNative.FOREVER);
    }

    /** {@link #acquireTx(long)} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Reservation acquireTx(long maxSize, Duration timeout) {
        return acquireUntil(maxSize, TopologyNative.deadline(timeout));
    }

    /** Reserves room without waiting: null when there is none right now. */
    public Reservation tryAcquireTx(long maxSize) {
        MemorySegment h = free();
        MemorySegment p;
        try {
            p = (MemorySegment) TopologyNative.FANOUT_ACQUIRE_TX.invokeExact(h, maxSize);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        p = side.takenNow(h, p, ErrorCode.FULL.value(), "fan-out acquireTx");
        return p != null ? open = new Reservation(this, p, maxSize) : null;
    }

    private Reservation acquireUntil(long maxSize, long deadline) {
        Reservation r = tryAcquireTx(maxSize);
        if (r != null) {
            return r;
        }
        MemorySegment p = side.takeUntil("fan-out acquireTx", deadline,
                (h, d) -> (MemorySegment) TopologyNative.FANOUT_ACQUIRE_TX_UNTIL.invokeExact(h, maxSize, d));
        return open = new Reservation(this, p, maxSize);
    }

    /** Subscribers attached now (joined and not yet gone or dropped). */
    public long subscribers() {
        try {
            return (long) TopologyNative.FANOUT_SUBSCRIBERS.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The largest payload one message may have. */
    public long maxMessageSize() {
        try {
            return (long) TopologyNative.FANOUT_MAX_MESSAGE_SIZE.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return side.isClosed();
    }

    /** Closes the producer (an open reservation is rolled back). Calling it again does nothing. */
    @Override
    public void close() {
        if (side.isClosed()) {
            return;
        }
        if (open != null) {
            open.abandon();
        }
        MemorySegment h = side.detach();
        try {
            TopologyNative.FANOUT_DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private MemorySegment live() {
        return side.live();
    }

    private MemorySegment free() {
        MemorySegment h = live();
        if (open != null) {
            throw new IllegalStateException("a reservation is open: commit or close it first");
        }
        return h;
    }

    /** The fan-out's handle, with its C call for the last error. */
    private static final class Side extends Endpoint {
        Side(MemorySegment handle) {
            super("fan-out", handle);
        }

        @Override
        int lastErrorCode(MemorySegment h) throws Throwable {
            return (int) TopologyNative.FANOUT_LAST_ERROR.invokeExact(h);
        }
    }

    /**
     * Room reserved in a fan-out's ring: write the message through {@link #segment()}, then {@link #commit} it to
     * every subscriber. Closing it without a commit rolls it back.
     */
    public static final class Reservation implements AutoCloseable {
        private final FanOut pub;
        private final Arena arena;
        private final MemorySegment segment;
        private boolean done;

        Reservation(FanOut pub, MemorySegment data, long maxSize) {
            this.pub = pub;
            this.arena = Arena.ofConfined();
            this.segment = data.reinterpret(maxSize, arena, null);
        }

        /** The reserved bytes, writable until the commit or rollback. */
        public MemorySegment segment() {
            return segment;
        }

        /** Publishes the first {@code size} bytes as one message of {@code typeId} to every subscriber. */
        public void commit(long size, int typeId) {
            if (done) {
                throw new IllegalStateException("the reservation is already committed or rolled back");
            }
            if (size < 0 || size > segment.byteSize()) {
                throw new IllegalArgumentException("size " + size + " outside the reservation of "
                        + segment.byteSize());
            }
            finish();
            try {
                Bus.check((int) TopologyNative.FANOUT_COMMIT_TX.invokeExact(pub.live(), size, typeId),
                        "fan-out commit");
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
        }

        /** Rolls back unless committed. */
        @Override
        public void close() {
            if (done) {
                return;
            }
            finish();
            try {
                Bus.check((int) TopologyNative.FANOUT_ROLLBACK_TX.invokeExact(pub.live()), "fan-out rollback");
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
        }

        private void finish() {
            done = true;
            pub.open = null;
            arena.close();
        }

        void abandon() {
            done = true;
            pub.open = null;
            try {
                arena.close();
            } catch (WrongThreadException | IllegalStateException ignored) {
                // owned by another thread or already closed
            }
        }
    }
}
