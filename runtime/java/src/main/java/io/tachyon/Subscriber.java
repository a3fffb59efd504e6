package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A subscriber of a {@link FanOut}: reads every message published after it joined, in place, at its own pace.
 * <pre>{@code
 * try (Subscriber sub = Subscriber.connect("@ticks", Join.NEWEST)) {
 *     while (true) {
 *         try (Received msg = sub.receive(Duration.ofSeconds(1))) {
 *             handle(msg.typeId(), msg.segment());
 *         } catch (TachyonException.Lagged e) {
 *             sub.rejoin(Join.OLDEST);      // dropped for falling behind (LagPolicy.DROP)
 *         } catch (TachyonException.PeerGone e) {
 *             break;                        // the producer closed and everything was read
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Threading: one thread at a time; a {@link Received} is confined to the thread that received it. Blocking
 * calls make one C call to the caller's deadline through {@link Bus#await} and answer {@link Thread#interrupt()}
 * with {@link TachyonException.Interrupted} (the interrupt flag stays set).
 */
public final class Subscriber implements AutoCloseable {
    private final Rx rx;

    private Subscriber(MemorySegment handle, Arena scratch) {
        this.rx = new Rx(handle, scratch);
    }

    /** Joins the fan-out on {@code path}, waiting up to 5 s for it to appear. */
    public static Subscriber connect(String path, Join join) {
        return connect(path, join, Options.defaults());
    }

    /**
     * Joins with options: the schema fingerprint, and how long to wait for the producer to appear
     * ({@link Options#timeout()}: null 5 s, {@link Options#FOREVER} no limit). A full table of subscribers is
     * {@link TachyonException.Full}.
     */
    public static Subscriber connect(String path, Join join, Options options) {
        Arena scratch = Arena.ofShared();
        try {
            MemorySegment out = scratch.allocate(ADDRESS);
            MemorySegment detail = scratch.allocate(Native.ERROR_DETAIL);
            long timeout = options.timeoutNanos();
            long deadline = timeout < 0 ? TopologyNative.FOREVER
                    : Native.nowNs() + (timeout == 0 ? Bus.CONNECT_DEFAULT_NS : timeout);
            MemorySegment cpath = scratch.allocateFrom(path);
            MemorySegment opts = TopologyNative.options(scratch, options);
            int rc = Bus.await("subscribe " + path, deadline, d -> (int) TopologyNative.SUB_CONNECT_UNTIL.invokeExact(
                    cpath, opts, join.ordinal(), d, out, detail));
            if (rc != 0) {
                throw TachyonException.of(rc, "subscribe " + path, Native.formatError(detail),
                        detail.get(JAVA_INT, 4));
            }
            return new Subscriber(out.get(ADDRESS, 0), scratch);
        } catch (Throwable t) {
            scratch.close();
            throw Native.rethrow(t);
        }
    }

    /**
     * Waits for the next message (no deadline) and returns it in place. Throws {@link TachyonException.PeerGone}
     * once the producer closed or died and everything it published was read, {@link TachyonException.Lagged} if
     * this subscriber was dropped ({@link #rejoin}).
     */
    public Received receive() {
        return rx.receiveUntil(TopologyNative.FOREVER);
    }

    /** {@link #receive()} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Received receive(Duration timeout) {
        return rx.receiveUntil(TopologyNative.deadline(timeout));
    }

    /** The next message if one is there now, else null (PeerGone, Lagged: as {@link #receive()}). */
    public Received tryReceive() {
        return rx.tryReceive();
    }

    /**
     * After {@link TachyonException.Lagged}: takes this subscriber's place back, at the newest or the oldest message.
     * Messages in between are lost to it.
     */
    public void rejoin(Join join) {
        try {
            Bus.check((int) TopologyNative.SUB_REJOIN.invokeExact(rx.free(), join.ordinal()), "subscriber rejoin");
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return rx.isClosed();
    }

    /**
     * Leaves the fan-out (the producer no longer waits for it). A message still held is dropped. Remove the
     * subscriber from any {@link WaitSet} first. Calling it again does nothing.
     */
    @Override
    public void close() {
        rx.close();
    }

    MemorySegment live() {
        return rx.live();
    }

    /** The subscriber's C calls under the receive paths it shares with {@link FanIn}. */
    private static final class Rx extends Receiving {
        Rx(MemorySegment handle, Arena scratch) {
            super("subscriber", handle, scratch);
        }

        @Override
        MemorySegment acquireNow(MemorySegment h) throws Throwable {
            return (MemorySegment) TopologyNative.SUB_ACQUIRE_RX.invokeExact(h, outType, outSize);
        }

        @Override
        MemorySegment acquireUntil(MemorySegment h, long deadline) throws Throwable {
            return (MemorySegment) TopologyNative.SUB_ACQUIRE_RX_UNTIL.invokeExact(h, outType, outSize, deadline);
        }

        @Override
        int commit(MemorySegment h) throws Throwable {
            return (int) TopologyNative.SUB_COMMIT_RX.invokeExact(h);
        }

        @Override
        int lastErrorCode(MemorySegment h) throws Throwable {
            return (int) TopologyNative.SUB_LAST_ERROR.invokeExact(h);
        }

        @Override
        void destroy(MemorySegment h) throws Throwable {
            TopologyNative.SUB_DESTROY.invokeExact(h);
        }
    }
}
