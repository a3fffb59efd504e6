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

    Tx(Bus bus, MemorySegment slot, long maxSize) {
        this.bus = bus;
        this.arena = Arena.ofConfined();
        this.segment = slot.reinterpret(maxSize, arena, null);
    }

    /** The reserved bytes, writable, as long as the reservation; valid until commit or rollback. */
    public MemorySegment segment() {
        return segment;
    }

    /** Commits the first {@code size} bytes (at most the reserved size) as a message of {@code typeId}. */
    public void commit(long size, int typeId) {
        end();
        int rc;
        try {
            rc = (int) Native.COMMIT_TX.invokeExact(bus.live(), size, typeId);
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
        end();
        int rc;
        try {
            rc = (int) Native.ROLLBACK_TX.invokeExact(bus.live());
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

    private void end() {
        if (done) {
            throw new IllegalStateException("the transaction was already committed or rolled back");
        }
        done = true;
        bus.openTx = null;
        arena.close(); // first: no view outlives the reservation
    }

    /** The bus closes under an open guard: close its view (best effort if another thread owns it). */
    void abandon() {
        done = true;
        bus.openTx = null;
        try {
            arena.close();
        } catch (WrongThreadException | IllegalStateException ignored) {
            // owned by another thread or already closed; nothing more can be done from here
        }
    }
}
