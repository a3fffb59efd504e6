package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The receive side that {@link Subscriber} and {@link FanIn} share (on their {@link Endpoint}): the scratch arena,
 * the one message held in place, and the try / wait / commit / close paths around it. Each of the two supplies only its
 * own C calls (one small subclass each, whose method handles stay constants); the messages name the side with
 * {@code what} ("subscriber", "fan-in") exactly as before the two were folded into this class.
 */
abstract class Receiving extends Endpoint {
    private final String receiveWhat; // built once, not per call
    private final String commitWhat;
    private final Arena scratch;  // out-parameters, shared: the receiver may move between threads
    final MemorySegment outType;
    final MemorySegment outSize;
    private Received open;

    Receiving(String what, MemorySegment handle, Arena scratch) {
        super(what, handle);
        this.receiveWhat = what + " receive";
        this.commitWhat = what + " commit";
        this.scratch = scratch;
        this.outType = scratch.allocate(JAVA_INT);
        this.outSize = scratch.allocate(JAVA_LONG);
    }

    /** Takes the next message if one is there now (NULL: none, or failed; see {@link #lastError}). */
    abstract MemorySegment acquireNow(MemorySegment h) throws Throwable;

    /** Takes the next message, waiting up to {@code deadline} (NULL: failed; see {@link #lastError}). */
    abstract MemorySegment acquireUntil(MemorySegment h, long deadline) throws Throwable;

    abstract int commit(MemorySegment h) throws Throwable;

    abstract void destroy(MemorySegment h) throws Throwable;

    /** Who sent the message just acquired (null: one producer). */
    Sender sender() {
        return null;
    }

    final Received tryReceive() {
        MemorySegment h = free();
        MemorySegment p;
        try {
            p = acquireNow(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        p = takenNow(h, p, ErrorCode.EMPTY.value(), receiveWhat);
        return p != null ? held(p) : null;
    }

    final Received receiveUntil(long deadline) {
        Received msg = tryReceive();
        if (msg != null) {
            return msg;
        }
        return held(takeUntil(receiveWhat, deadline, this::acquireUntil));
    }

    private Received held(MemorySegment p) {
        return open = new Received(this::commitHeld, p, outType.get(JAVA_INT, 0), outSize.get(JAVA_LONG, 0),
                sender());
    }

    private void commitHeld(Received msg) {
        open = null;
        int rc;
        try {
            rc = commit(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        Bus.check(rc, commitWhat);
    }

    /** Drops a held message (without releasing it), destroys the handle and frees the scratch arena; once. */
    final void close() {
        if (isClosed()) {
            return;
        }
        if (open != null) {
            open.abandon();
            open = null;
        }
        MemorySegment h = detach();
        try {
            destroy(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            scratch.close();
        }
    }

    /** {@link #live()} with no message held. */
    final MemorySegment free() {
        MemorySegment h = live();
        if (open != null) {
            throw new IllegalStateException("a received message is still held: close it first");
        }
        return h;
    }
}
