package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The consumer's fast path: receives messages in batches, in place in the ring, with one native call to take up to
 * {@code max} messages and one to release them all. One inbox is made per bus ({@link Bus#inbox}) and reused for
 * every batch: nothing is allocated per message (the views are slices of one segment per batch, which the JIT
 * takes apart when the loop around them is compiled).
 * <pre>{@code
 * Inbox inbox = bus.inbox(1024);
 * while (inbox.next()) {             // waits for at least one message; false once the producer is gone
 *     inbox.forEach((typeId, payload) -> handle(typeId, payload));
 * }                                  // each next() releases the batch before it
 * }</pre>
 * or by index: {@code for (int i = 0; i < inbox.count(); i++) handle(inbox.typeId(i), inbox.payload(i));}.
 *
 * <p>The batch held stays valid until the next {@link #next()}, {@link #poll()}, {@link #commit()} or
 * {@link #close()}; its segments are read-only and belong to a confined arena that the release closes, so a
 * payload kept past it throws {@link IllegalStateException} instead of reading bytes the producer has reused.
 * While a batch is held the bus's other receives fail ({@link TachyonException.State}); closing the bus drops the
 * batch without releasing it (the bus is going).
 */
public final class Inbox implements AutoCloseable {
    /** What {@link #forEach} hands each message to. */
    @FunctionalInterface
    public interface Handler {
        void accept(int typeId, MemorySegment payload);
    }

    private static final long STRIDE = 16; // sizeof(tachyon_msg_t): {const void *data; u32 size; u32 type_id}

    private final Bus bus;
    private final int max;
    private final MemorySegment msgs; // tachyon_msg_t[max], filled by tachyon_drain_batch
    private final long msgsAddr;
    private final long[] offsets;     // of each message in view
    private final int[] sizes;
    private final int[] types;
    private int count;
    private Arena arena;              // the held batch's; null when none is held
    private MemorySegment view;       // the held batch's bytes, read-only
    private long base;                // view's address
    private boolean ended;
    private boolean closed;

    Inbox(Bus bus, int max) {
        this.bus = bus;
        this.max = max;
        this.msgs = Arena.ofAuto().allocate(STRIDE * max, 8);
        this.msgsAddr = msgs.address();
        this.offsets = new long[max];
        this.sizes = new int[max];
        this.types = new int[max];
    }

    /**
     * Releases the batch held, then waits (no deadline) until at least one message is there and takes up to
     * {@code max}. Returns false, holding nothing, once the producer is gone and every message was read.
     */
    public boolean next() {
        return fill(Bus.FOREVER, true);
    }

    /** {@link #next()} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public boolean next(Duration timeout) {
        return fill(Bus.deadline(timeout), true);
    }

    /**
     * Releases the batch held and takes the messages there now, without waiting: how many (0: none yet). Throws
     * {@link TachyonException.PeerGone} once the producer is gone and every message was read.
     */
    public int poll() {
        fill(0, false);
        return count;
    }

    private boolean fill(long deadline, boolean wait) {
        if (closed) {
            throw new IllegalStateException("the inbox is closed");
        }
        release();
        if (ended) {
            if (!wait) {
                throw TachyonException.of(ErrorCode.PEER_GONE.value(), "poll");
            }
            return false;
        }
        long n;
        try {
            n = (long) Native.DRAIN_BATCH_A.invokeExact(bus.liveAddress(), msgsAddr, (long) max);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (n == 0) {
            MemorySegment h = bus.live();
            int err = Bus.lastError(h);
            if (err == ErrorCode.EMPTY.value()) {
                if (!wait) {
                    return false;
                }
                n = waitFor(h, deadline);
            } else {
                return failed(h, err, wait);
            }
            if (n == 0) {
                return failed(h, Bus.lastError(h), wait);
            }
        }
        hold((int) n);
        return true;
    }

    private long waitFor(MemorySegment h, long deadline) {
        long[] got = new long[1];
        int spin = bus.spin();
        int err = Bus.await("receive batch", deadline, d -> {
            got[0] = (long) Native.DRAIN_BATCH_UNTIL.invokeExact(h, msgs, (long) max, spin, d);
            return got[0] != 0 ? 0 : Bus.lastError(h);
        });
        if (err != 0 && err != ErrorCode.PEER_GONE.value()) {
            throw Bus.failure(h, err, "receive batch");
        }
        return got[0];
    }

    private boolean failed(MemorySegment h, int err, boolean wait) {
        if (err == ErrorCode.PEER_GONE.value()) {
            ended = true;
            if (wait) {
                return false;
            }
        }
        throw Bus.failure(h, err, wait ? "receive batch" : "poll");
    }

    private void hold(int n) {
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (int i = 0; i < n; i++) {
            long at = msgsAddr + i * STRIDE;
            long data = Native.MEMORY.get(JAVA_LONG, at);
            int size = Native.MEMORY.get(JAVA_INT, at + 8);
            offsets[i] = data;
            sizes[i] = size;
            types[i] = Native.MEMORY.get(JAVA_INT, at + 12);
            lo = Math.min(lo, data);
            hi = Math.max(hi, data + Integer.toUnsignedLong(size));
        }
        for (int i = 0; i < n; i++) {
            offsets[i] -= lo;
        }
        arena = Arena.ofConfined();
        view = MemorySegment.ofAddress(lo).reinterpret(hi - lo, arena, null).asReadOnly();
        base = lo;
        count = n;
        bus.rxOpen = true;
        bus.openInbox = this;
    }

    /** How many messages the batch held has (0: none held). */
    public int count() {
        return count;
    }

    /** The type id of message {@code i} of the batch held. */
    public int typeId(int i) {
        return types[Objects.checkIndex(i, count)];
    }

    /** The payload bytes of message {@code i}. */
    public int size(int i) {
        return sizes[Objects.checkIndex(i, count)];
    }

    /** Where message {@code i}'s payload starts in {@link #segment()}. */
    public long offset(int i) {
        return offsets[Objects.checkIndex(i, count)];
    }

    /** The payload of message {@code i}, read-only: a slice of {@link #segment()}, valid until the release. */
    public MemorySegment payload(int i) {
        Objects.checkIndex(i, count);
        return slice(i);
    }

    /**
     * A segment of its own over message {@code i}, in the batch's arena: made like a {@link Message}'s (not
     * {@code view.asSlice}, which the JIT's escape analysis did not take apart: 40 bytes a message).
     */
    private MemorySegment slice(int i) {
        Arena a = arena;
        if (a == null) {
            throw new IllegalStateException(bus.isClosed() ? "the bus was closed" : "no batch is held");
        }
        return MemorySegment.ofAddress(base + offsets[i]).asReadOnly()
                .reinterpret(Integer.toUnsignedLong(sizes[i]), a, null);
    }

    /** Every byte the batch held spans, read-only (payloads at {@link #offset}, with frame headers between). */
    public MemorySegment segment() {
        return held();
    }

    /**
     * Hands each message of the batch held to {@code handler}, in order. A handler that closes the bus ends the
     * loop with {@link IllegalStateException}.
     */
    public void forEach(Handler handler) {
        for (int i = 0, n = count; i < n; i++) {
            handler.accept(types[i], slice(i));
        }
    }

    private MemorySegment held() {
        MemorySegment v = view;
        if (v == null) {
            throw new IllegalStateException(bus.isClosed() ? "the bus was closed" : "no batch is held");
        }
        return v;
    }

    /**
     * Releases the batch held now (the next {@link #next()} would): the producer may reuse its bytes at once.
     * Throws {@link IllegalStateException} when no batch is held.
     */
    public void commit() {
        if (view == null) {
            throw new IllegalStateException("no batch is held: commit follows a next() or poll() that took messages");
        }
        release();
    }

    /** Releases the batch held, if any; the inbox cannot be used afterwards. Calling it again does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            release();
        } finally {
            closed = true;
        }
    }

    private void release() {
        if (arena == null) {
            return;
        }
        arena.close(); // first: no payload outlives the batch (from another thread: throws, nothing changed)
        arena = null;
        view = null;
        long n = count;
        count = 0;
        bus.openInbox = null;
        long h = bus.rxEnded();
        if (h == 0) {
            return; // the bus was closed meanwhile: nothing to release
        }
        int rc;
        try {
            rc = (int) Native.COMMIT_RX_BATCH_A.invokeExact(h, n);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Bus.check(rc, "commit batch");
    }

    /** The bus closes under the batch held: drop it (nothing is released: the bus is going). */
    void abandon() {
        if (arena == null) {
            return;
        }
        try {
            arena.close();
        } catch (WrongThreadException e) {
            return; // its own thread's next release frees the bus
        }
        arena = null;
        view = null;
        count = 0;
        bus.rxOpen = false;
    }
}
