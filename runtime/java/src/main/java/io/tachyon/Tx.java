package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A reserved ring slot being written: the guard of {@link Bus#acquireTx}. Write the payload through
 * {@link #segment()} (or a generated view over it), then {@link #commit}. Closing the guard without a commit rolls
 * the reservation back, so an exception while writing sends nothing:
 * <pre>{@code
 * try (var tx = bus.acquireTx(Market.MarketTick.SIZE)) {
 *     var tick = new Market.MarketTick(tx.segment());
 *     tick.setPrice(101.25);
 *     tx.commit(Market.MarketTick.SIZE, Market.MSG_BID);
 * }
 * }</pre>
 * The segment belongs to a confined arena that the commit (or rollback) closes: using it afterwards throws
 * {@link IllegalStateException}, it never touches the slot the ring has handed on.
 */
public final class Tx implements AutoCloseable {
    private final Bus bus;
    private final Arena arena;
    private final MemorySegment segment;
    private boolean done;

    Tx(Bus bus, long slot, long maxSize) {
        this.bus = bus;
        this.arena = Arena.ofConfined();
        this.segment = MemorySegment.ofAddress(slot).reinterpret(maxSize, arena, null);
    }

    /** The reserved bytes, writable, as long as the reservation; valid until commit or rollback. */
    public MemorySegment segment() {
        return segment;
    }

    /** Commits the first {@code size} bytes (at most the reserved size) as a message of {@code typeId}. */
    public void commit(long size, int typeId) {
        long h = end();
        if (h == 0) {
            throw new IllegalStateException("the bus was closed while the transaction was open: nothing was sent");
        }
        int rc;
        try {
            rc = (int) Native.COMMIT_TX.invokeExact(h, size, typeId);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Bus.check(rc, "commit");
    }

    /** Commits every reserved byte as a message of {@code typeId}. */
    public void commit(int typeId) {
        commit(segment.byteSize(), typeId);
    }

    /** Abandons the reservation: nothing is sent. */
    public void rollback() {
        long h = end();
        if (h == 0) {
            return; // the bus's close rolled it back already
        }
        int rc;
        try {
            rc = (int) Native.ROLLBACK_TX.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Bus.check(rc, "rollback");
    }

    /** Rolls back unless committed. */
    @Override
    public void close() {
        if (!done) {
            rollback();
        }
    }

    /** Whether it was committed or rolled back. */
    public boolean isDone() {
        return done;
    }

    /** Closes the view, then hands back the bus address (0: the bus was closed meanwhile). */
    private long end() {
        if (done) {
            throw new IllegalStateException("the transaction was already committed or rolled back");
        }
        arena.close(); // first: no view outlives the reservation (from another thread: throws, nothing changed)
        done = true;
        return bus.txEnded();
    }
}
