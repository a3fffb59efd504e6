package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Messages taken together by {@link Bus#drainBatch}, in place in the ring; closing the batch releases them all.
 * <pre>{@code
 * try (var batch = bus.drainBatch(64)) {
 *     for (int i = 0; i < batch.count(); i++) handle(batch.typeId(i), batch.segment(i));
 * }
 * }</pre>
 * Like a {@link Message}, every segment is read-only and throws once the batch is closed.
 */
public final class Batch implements AutoCloseable {
    private final Bus bus;
    private final Arena arena;
    private final MemorySegment[] segments;
    private final int[] typeIds;
    private boolean done;

    Batch(Bus bus, MemorySegment msgs, int count) {
        this.bus = bus;
        this.arena = Arena.ofConfined();
        this.segments = new MemorySegment[count];
        this.typeIds = new int[count];
        long stride = Native.MSG.byteSize();
        for (int i = 0; i < count; i++) {
            MemorySegment data = msgs.get(ADDRESS, i * stride);
            int size = msgs.get(JAVA_INT, i * stride + 8);
            typeIds[i] = msgs.get(JAVA_INT, i * stride + 12);
            segments[i] = data.reinterpret(Integer.toUnsignedLong(size), arena, null).asReadOnly();
        }
    }

    /** How many messages (0 when nothing was available). */
    public int count() {
        return segments.length;
    }

    /** Whether the batch holds no message. */
    public boolean isEmpty() {
        return segments.length == 0;
    }

    /** The type id of message {@code i}. */
    public int typeId(int i) {
        return typeIds[i];
    }

    /** The payload of message {@code i}, read-only, valid until {@link #close()}. */
    public MemorySegment segment(int i) {
        if (done) {
            throw new IllegalStateException("the batch was committed");
        }
        return segments[i];
    }

    /** Releases every message of the batch. Calling it again does nothing. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        bus.openBatch = null;
        arena.close();
        if (segments.length == 0) {
            return;
        }
        int rc;
        try {
            rc = (int) Native.COMMIT_RX_BATCH.invokeExact(bus.live(), (long) segments.length);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Bus.check(rc, "commit batch");
    }

    void abandon() {
        done = true;
        bus.openBatch = null;
        try {
            arena.close();
        } catch (WrongThreadException | IllegalStateException ignored) {
            // owned by another thread or already closed
        }
    }
}
