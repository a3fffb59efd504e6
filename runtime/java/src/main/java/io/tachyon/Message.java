package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A received message, in place in the ring: the guard of {@link Bus#receive()}. Read it through
 * {@link #segment()} (or a generated view, e.g. {@code Market.decode(msg.typeId(), msg.segment())}); closing it
 * releases the bytes to the producer.
 * <pre>{@code
 * try (var msg = bus.receive()) {
 *     System.out.println(msg.typeId() + ": " + msg.size() + " bytes");
 * }
 * }</pre>
 * The segment is read-only and belongs to a confined arena that the commit closes: using it afterwards throws
 * {@link IllegalStateException}, never reads bytes the producer has written since.
 */
public final class Message implements AutoCloseable {
    private final Bus bus;
    private final Arena arena;
    private final MemorySegment segment;
    private final int typeId;
    private boolean done;

    Message(Bus bus, long data, int typeId, long size) {
        this.bus = bus;
        this.typeId = typeId;
        this.arena = Arena.ofConfined();
        this.segment = MemorySegment.ofAddress(data).asReadOnly().reinterpret(size, arena, null);
    }

    /** The type id the producer committed it with. */
    public int typeId() {
        return typeId;
    }

    /** Payload bytes. */
    public long size() {
        return segment.byteSize();
    }

    /** The payload, read-only, valid until {@link #close()}. */
    public MemorySegment segment() {
        return segment;
    }

    /** The payload copied out (for keeping beyond the commit). */
    public byte[] toByteArray() {
        return segment.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** Releases the message: the producer may reuse its bytes at once. Calling it again does nothing. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        arena.close(); // first: no view outlives the message (from another thread: throws, nothing changed)
        done = true;
        long h = bus.rxEnded();
        if (h == 0) {
            return; // the bus was closed meanwhile: nothing to release
        }
        int rc;
        try {
            rc = (int) Native.COMMIT_RX.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Bus.check(rc, "commit receive");
    }

    /**
     * The bus closes under this message: close its view so that the ring can be unmapped. From another thread
     * the view cannot be closed; the bus then stays mapped until the message is closed by its own thread.
     */
    void abandon() {
        if (done) {
            return;
        }
        try {
            arena.close();
        } catch (WrongThreadException e) {
            return;
        }
        done = true;
        bus.rxOpen = false;
    }

    @Override
    public String toString() {
        return "Message[typeId=" + typeId + ", size=" + segment.byteSize() + (done ? ", committed]" : "]");
    }
}
