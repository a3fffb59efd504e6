package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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
    private MemorySegment handle; // tachyon_sub_t*; NULL once closed
    private final Arena scratch;  // out-parameters, shared: the subscriber may move between threads
    private final MemorySegment outType;
    private final MemorySegment outSize;
    private Received open;

    private Subscriber(MemorySegment handle, Arena scratch) {
        this.handle = handle;
        this.scratch = scratch;
        this.outType = scratch.allocate(JAVA_INT);
        this.outSize = scratch.allocate(JAVA_LONG);
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
        return receiveUntil(TopologyNative.FOREVER);
    }

    /** {@link #receive()} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Received receive(Duration timeout) {
        return receiveUntil(TopologyNative.deadline(timeout));
    }

    /** The next message if one is there now, else null (PeerGone, Lagged: as {@link #receive()}). */
    public Received tryReceive() {
        MemorySegment h = free();
        MemorySegment p;
        try {
            p = (MemorySegment) TopologyNative.SUB_ACQUIRE_RX.invokeExact(h, outType, outSize);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (p.address() == 0) {
            int err = lastError(h);
            if (err == ErrorCode.EMPTY.value()) {
                return null;
            }
            throw TachyonException.of(err, "subscriber receive");
        }
        return held(p);
    }

    private Received receiveUntil(long deadline) {
        Received msg = tryReceive();
        if (msg != null) {
            return msg;
        }
        MemorySegment h = live();
        MemorySegment[] slot = new MemorySegment[1];
        int err = Bus.await("subscriber receive", deadline, d -> {
            slot[0] = (MemorySegment) TopologyNative.SUB_ACQUIRE_RX_UNTIL.invokeExact(h, outType, outSize, d);
            return slot[0].address() != 0 ? 0 : lastError(h);
        });
        if (err != 0) {
            throw TachyonException.of(err, "subscriber receive");
        }
        return held(slot[0]);
    }

    private Received held(MemorySegment p) {
        return open = new Received(this::commitHeld, p, outType.get(JAVA_INT, 0), outSize.get(JAVA_LONG, 0), null);
    }

    private void commitHeld(Received msg) {
        open = null;
        int rc;
        try {
            rc = (int) TopologyNative.SUB_COMMIT_RX.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Bus.check(rc, "subscriber commit");
    }

    /**
     * After {@link TachyonException.Lagged}: takes this subscriber's place back, at the newest or the oldest message.
     * Messages in between are lost to it.
     */
    public void rejoin(Join join) {
        try {
            Bus.check((int) TopologyNative.SUB_REJOIN.invokeExact(free(), join.ordinal()), "subscriber rejoin");
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return handle.address() == 0;
    }

    /**
     * Leaves the fan-out (the producer no longer waits for it). A message still held is dropped. Remove the
     * subscriber from any {@link WaitSet} first. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (handle.address() == 0) {
            return;
        }
        if (open != null) {
            open.abandon();
            open = null;
        }
        MemorySegment h = handle;
        handle = MemorySegment.NULL;
        try {
            TopologyNative.SUB_DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            scratch.close();
        }
    }

    MemorySegment live() {
        if (handle.address() == 0) {
            throw new IllegalStateException("the subscriber is closed");
        }
        return handle;
    }

    private MemorySegment free() {
        MemorySegment h = live();
        if (open != null) {
            throw new IllegalStateException("a received message is still held: close it first");
        }
        return h;
    }

    private static int lastError(MemorySegment h) {
        try {
            return (int) TopologyNative.SUB_LAST_ERROR.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
