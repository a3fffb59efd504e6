package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A message received from a {@link Subscriber} or a {@link FanIn}, in place in the ring. Read it through
 * {@link #segment()}; closing it (try-with-resources) releases the bytes.
 * <pre>{@code
 * try (Received msg = sub.receive()) {
 *     long price = msg.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
 * }
 * }</pre>
 * The segment is read-only and belongs to a confined arena that the release closes: using it afterwards throws
 * {@link IllegalStateException}. For a fan-out subscriber under {@link LagPolicy#DROP}, {@link #close()} throws
 * {@link TachyonException.Lagged} when the subscriber was dropped while it held the message: its bytes may have
 * been overwritten under the reader, so whatever was read from them must be discarded.
 */
public final class Received implements AutoCloseable {
    /** The side that handed out the message and takes it back. */
    @FunctionalInterface
    interface Owner {
        void release(Received msg);
    }

    private final Owner owner;
    private final Arena arena;
    private final MemorySegment segment;
    private final int typeId;
    private final Sender sender;
    private boolean done;

    Received(Owner owner, MemorySegment data, int typeId, long size, Sender sender) {
        this.owner = owner;
        this.typeId = typeId;
        this.sender = sender;
        this.arena = Arena.ofConfined();
        this.segment = data.reinterpret(size, arena, null).asReadOnly();
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

    /** Who sent it (a {@link FanIn}'s message), or null (a subscriber's: there is one producer). */
    public Sender sender() {
        return sender;
    }

    /** The payload copied out, for keeping after the release. */
    public byte[] toByteArray() {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Releases the message. Calling it again does nothing. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        arena.close();
        owner.release(this);
    }

    /** Drops the view without releasing (the owner is closing). */
    void abandon() {
        done = true;
        try {
            arena.close();
        } catch (WrongThreadException | IllegalStateException ignored) {
            // owned by another thread or already closed
        }
    }

    @Override
    public String toString() {
        return "Received[typeId=" + typeId + ", size=" + segment.byteSize()
                + (sender != null ? ", sender=" + sender.id() : "") + (done ? ", released]" : "]");
    }
}
