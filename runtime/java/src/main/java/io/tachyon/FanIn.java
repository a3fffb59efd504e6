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
    private MemorySegment handle; // tachyon_fanin_t*; NULL once closed
    private final Arena scratch;
    private final MemorySegment outType;
    private final MemorySegment outSize;
    private final MemorySegment outFrom;
    private Received open;

    private FanIn(MemorySegment handle, Arena scratch) {
        this.handle = handle;
        this.scratch = scratch;
        this.outType = scratch.allocate(JAVA_INT);
        this.outSize = scratch.allocate(JAVA_LONG);
        this.outFrom = scratch.allocate(TopologyNative.SENDER);
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
        return receiveUntil(TopologyNative.FOREVER);
    }

    /** {@link #receive()} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Received receive(Duration timeout) {
        return receiveUntil(TopologyNative.deadline(timeout));
    }

    /** The next message if one is there now, else null. */
    public Received tryReceive() {
        MemorySegment h = free();
        MemorySegment p;
        try {
            p = (MemorySegment) TopologyNative.FANIN_ACQUIRE_RX.invokeExact(h, outType, outSize, outFrom);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (p.address() == 0) {
            int err = lastError(h);
            if (err == ErrorCode.EMPTY.value()) {
                return null;
            }
            throw TachyonException.of(err, "fan-in receive");
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
        int err = Bus.await("fan-in receive", deadline, d -> {
            slot[0] = (MemorySegment) TopologyNative.FANIN_ACQUIRE_RX_UNTIL.invokeExact(h, outType, outSize, outFrom, d);
            return slot[0].address() != 0 ? 0 : lastError(h);
        });
        if (err != 0) {
            throw TachyonException.of(err, "fan-in receive");
        }
        return held(slot[0]);
    }

    private Received held(MemorySegment p) {
        Sender from = new Sender(outFrom.get(JAVA_LONG, 0), outFrom.get(JAVA_INT, 8), outFrom.get(JAVA_INT, 12));
        return open = new Received(this::commitHeld, p, outType.get(JAVA_INT, 0), outSize.get(JAVA_LONG, 0), from);
    }

    private void commitHeld(Received msg) {
        open = null;
        int rc;
        try {
            rc = (int) TopologyNative.FANIN_COMMIT_RX.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Bus.check(rc, "fan-in commit");
    }

    /** Producers attached now. */
    public long producers() {
        try {
            return (long) TopologyNative.FANIN_PRODUCERS.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return handle.address() == 0;
    }

    /**
     * Stops accepting and closes every producer's ring (they see {@link TachyonException.PeerGone}). Remove the
     * fan-in from any {@link WaitSet} first. Calling it again does nothing.
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
            TopologyNative.FANIN_DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            scratch.close();
        }
    }

    MemorySegment live() {
        if (handle.address() == 0) {
            throw new IllegalStateException("the fan-in is closed");
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
            return (int) TopologyNative.FANIN_LAST_ERROR.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
