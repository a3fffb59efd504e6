package io.tachyon;

import java.lang.foreign.MemorySegment;

/**
 * The native handle of a topology object ({@link Subscriber}, {@link FanIn}, {@link FanOut}): the closed state,
 * the handle's last error, and the paths that take a slot (a message, a reservation) from the ring now or to a
 * deadline. Each object supplies its own C calls; {@code what} names it in the messages ("subscriber", "fan-in",
 * "fan-out"). Not for the bus, whose hot path keeps its own constant C calls.
 */
abstract class Endpoint {
    /** One C call that returns a slot, or NULL on failure (see {@link #lastErrorCode}). */
    @FunctionalInterface
    interface Take {
        MemorySegment take(MemorySegment h, long deadline) throws Throwable;
    }

    private final String what;
    private MemorySegment handle; // NULL once closed

    Endpoint(String what, MemorySegment handle) {
        this.what = what;
        this.handle = handle;
    }

    abstract int lastErrorCode(MemorySegment h) throws Throwable;

    final boolean isClosed() {
        return handle.address() == 0;
    }

    final MemorySegment live() {
        if (handle.address() == 0) {
            throw new IllegalStateException("the " + what + " is closed");
        }
        return handle;
    }

    /** The handle, which is NULL from now on (the caller destroys it); only while open. */
    final MemorySegment detach() {
        MemorySegment h = live();
        handle = MemorySegment.NULL;
        return h;
    }

    final int lastError(MemorySegment h) {
        try {
            return lastErrorCode(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * What a non-blocking take of {@code h} returned: {@code p}, or null when it failed with {@code none} (EMPTY,
     * FULL: nothing there now); any other failure throws, described as {@code op}.
     */
    final MemorySegment takenNow(MemorySegment h, MemorySegment p, int none, String op) {
        if (p.address() != 0) {
            return p;
        }
        int err = lastError(h);
        if (err == none) {
            return null;
        }
        throw TachyonException.of(err, op);
    }

    /** Makes {@code call} to {@code deadline} through {@link Bus#await} (one C call) and returns its slot. */
    final MemorySegment takeUntil(String op, long deadline, Take call) {
        MemorySegment h = live();
        MemorySegment[] slot = new MemorySegment[1];
        int err = Bus.await(op, deadline, d -> {
            slot[0] = call.take(h, d);
            return slot[0].address() != 0 ? 0 : lastError(h);
        });
        if (err != 0) {
            throw TachyonException.of(err, op);
        }
        return slot[0];
    }
}
