package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The consumer of a fan-in: up to 64 producers connect with {@link Bus#connect}, exactly as to a bus, each with a
 * ring of its own. Messages are taken one per producer in turn (no producer starves while others are busy), each
 * with its {@link Sender}.
 * <pre>{@code
 * try (FanIn fi = FanIn.listen("@orders", 1 << 16)) {       // returns at once
 *     try (Received msg = fi.receive(Duration.ofSeconds(1))) {
 *         System.out.println("from " + msg.sender().pid() + ": " + msg.size() + " bytes");
 *     }
 * }
 * }</pre>
 * A producer that closes or dies leaves after everything it committed was delivered; a fan-in never ends by
 * itself (it waits for the next producer).
 *
 * <p>Threading: one thread at a time; a {@link Received} is confined to the thread that received it. Blocking
 * calls make one C call to the caller's deadline through {@link Bus#await} and answer {@link Thread#interrupt()}
 * with {@link TachyonException.Interrupted} (the interrupt flag stays set).
 */
public final class FanIn implements AutoCloseable {
    private final Rx rx;

    private FanIn(MemorySegment handle, Arena scratch) {
        this.rx = new Rx(handle, scratch);
    }

    /** Binds {@code path} and returns at once; each producer that joins gets a ring of {@code capacity} bytes. */
    public static FanIn listen(String path, long capacity) {
        return listen(path, capacity, Options.defaults());
    }

    /** As {@link #listen(String, long)}, with a schema fingerprint and uid policy (the timeout is unused). */
    public static FanIn listen(String path, long capacity, Options options) {
        Arena scratch = Arena.ofShared();
        try {
            MemorySegment out = scratch.allocate(ADDRESS);
            int rc = (int) TopologyNative.FANIN_LISTEN.invokeExact(scratch.allocateFrom(path), capacity,
                    TopologyNative.options(scratch, options), out);
            Bus.check(rc, "fan-in listen " + path);
            return new FanIn(out.get(ADDRESS, 0), scratch);
        } catch (Throwable t) {
            scratch.close();
            throw Native.rethrow(t);
        }
    }

    /** Waits for the next message from any producer (no deadline) and returns it in place. */
    public Received receive() {
        return rx.receiveUntil(TopologyNative.FOREVER);
    }

    /** {@link #receive()} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Received receive(Duration timeout) {
        return rx.receiveUntil(TopologyNative.deadline(timeout));
    }

    /** The next message if one is there now, else null. */
    public Received tryReceive() {
        return rx.tryReceive();
    }

    /** Producers attached now. */
    public long producers() {
        try {
            return (long) TopologyNative.FANIN_PRODUCERS.invokeExact(rx.live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return rx.isClosed();
    }

    /**
     * Stops accepting and closes every producer's ring (they see {@link TachyonException.PeerGone}). Remove the
     * fan-in from any {@link WaitSet} first. Calling it again does nothing.
     */
    @Override
    public void close() {
        rx.close();
    }

    MemorySegment live() {
        return rx.live();
    }

    /** The fan-in's C calls under the receive paths it shares with {@link Subscriber}. */
    private static final class Rx extends Receiving {
        private final MemorySegment outFrom;

        Rx(MemorySegment handle, Arena scratch) {
            super("fan-in", handle, scratch);
            this.outFrom = scratch.allocate(TopologyNative.SENDER);
        }

        @Override
        MemorySegment acquireNow(MemorySegment h) throws Throwable {
            return (MemorySegment) TopologyNative.FANIN_ACQUIRE_RX.invokeExact(h, outType, outSize, outFrom);
        }

        @Override
        MemorySegment acquireUntil(MemorySegment h, long deadline) throws Throwable {
            return (MemorySegment) TopologyNative.FANIN_ACQUIRE_RX_UNTIL.invokeExact(h, outType, outSize, outFrom,
                    deadline);
        }

        @Override
        int commit(MemorySegment h) throws Throwable {
            return (int) TopologyNative.FANIN_COMMIT_RX.invokeExact(h);
        }

        @Override
        int lastErrorCode(MemorySegment h) throws Throwable {
            return (int) TopologyNative.FANIN_LAST_ERROR.invokeExact(h);
        }

        @Override
        void destroy(MemorySegment h) throws Throwable {
            TopologyNative.FANIN_DESTROY.invokeExact(h);
        }

        @Override
        Sender sender() {
            return new Sender(outFrom.get(JAVA_LONG, 0), outFrom.get(JAVA_INT, 8), outFrom.get(JAVA_INT, 12));
        }
    }
}
