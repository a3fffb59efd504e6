package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One thread waiting on many consumers: the consumer side of a {@link Bus}, a {@link Subscriber} or a
 * {@link FanIn} (up to 64 in all), each under a key of the caller's choosing. {@link #waitReady(Duration)} sleeps
 * until one of them has something to read (a message, the end of a stream, or Lagged) and names them; read each
 * with its non-blocking call ({@code tryReceive}).
 * <pre>{@code
 * try (WaitSet ws = new WaitSet()) {
 *     ws.add(bus, 1);
 *     ws.add(sub, 2);
 *     for (long key : ws.waitReady(Duration.ofSeconds(1))) {   // empty: timed out
 *         try (var msg = key == 1 ? bus.tryReceive() : null) { ... }
 *     }
 * }
 * }</pre>
 * Close the wait-set (or {@link #remove} a member) before closing its members.
 */
public final class WaitSet implements AutoCloseable {
    private static final long[] NONE = {};
    private MemorySegment handle; // tachyon_waitset_t*; NULL once closed
    private final Arena scratch;
    private final MemorySegment keys;
    private final MemorySegment err;
    private final Map<Long, Object> members = new HashMap<>();

    /** An empty wait-set. */
    public WaitSet() {
        scratch = Arena.ofShared();
        try {
            MemorySegment out = scratch.allocate(ADDRESS);
            Bus.check((int) TopologyNative.WAITSET_NEW.invokeExact(out), "wait-set new");
            handle = out.get(ADDRESS, 0);
            keys = scratch.allocate(JAVA_LONG, 64);
            err = scratch.allocate(JAVA_INT);
        } catch (Throwable t) {
            scratch.close();
            throw Native.rethrow(t);
        }
    }

    /** Adds the consumer side of a bus under {@code key}. */
    public void add(Bus bus, long key) {
        add(TopologyNative.WAITSET_ADD_BUS, bus.live(), bus, key);
    }

    /** Adds a fan-out subscriber under {@code key}. */
    public void add(Subscriber sub, long key) {
        add(TopologyNative.WAITSET_ADD_SUB, sub.live(), sub, key);
    }

    /** Adds a fan-in under {@code key}. */
    public void add(FanIn fanIn, long key) {
        add(TopologyNative.WAITSET_ADD_FANIN, fanIn.live(), fanIn, key);
    }

    private void add(java.lang.invoke.MethodHandle mh, MemorySegment member, Object owner, long key) {
        if (members.containsKey(key)) {
            throw new IllegalArgumentException("key " + key + " is already in the wait-set");
        }
        try {
            Bus.check((int) mh.invokeExact(live(), member, key), "wait-set add");
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        members.put(key, owner);
    }

    /** Removes the member added under {@code key} ({@link TachyonException.State} if there is none). */
    public void remove(long key) {
        try {
            Bus.check((int) TopologyNative.WAITSET_REMOVE.invokeExact(live(), key), "wait-set remove");
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        members.remove(key);
    }

    /** The keys of the members that have something to read now, without waiting (maybe none). */
    public long[] poll() {
        long n = waitOnce(live(), 0);
        return n < 0 ? NONE : collect(n);
    }

    /** Waits (no deadline) until a member has something to read; returns their keys. */
    public long[] waitReady() {
        return waitUntil(TopologyNative.FOREVER);
    }

    /** Waits up to {@code timeout} until a member has something to read; returns their keys, none on timeout. */
    public long[] waitReady(Duration timeout) {
        return waitUntil(TopologyNative.deadline(timeout));
    }

    /** One wait to the caller's deadline through {@link Bus#await}: the ready keys, none when it passed. */
    private long[] waitUntil(long deadline) {
        MemorySegment h = live();
        long[] n = new long[1];
        int e = Bus.await("wait-set wait", deadline, d -> {
            err.set(JAVA_INT, 0, 0);
            n[0] = (long) TopologyNative.WAITSET_WAIT_UNTIL.invokeExact(h, keys, 64L, d, err);
            return n[0] > 0 ? 0 : err.get(JAVA_INT, 0);
        });
        if (e == 0) {
            return collect(n[0]);
        }
        if (e == ErrorCode.TIMEOUT.value()) {
            return NONE;
        }
        throw TachyonException.of(e, "wait-set wait");
    }

    /** One look without waiting: the count of ready members, or -1 when none is. */
    private long waitOnce(MemorySegment h, long deadline) {
        long n;
        try {
            err.set(JAVA_INT, 0, 0);
            n = (long) TopologyNative.WAITSET_WAIT_UNTIL.invokeExact(h, keys, 64L, deadline, err);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (n > 0) {
            return n;
        }
        int e = err.get(JAVA_INT, 0);
        if (e != 0 && e != ErrorCode.TIMEOUT.value() && e != ErrorCode.INTERRUPTED.value()) {
            throw TachyonException.of(e, "wait-set wait");
        }
        return -1;
    }

    private long[] collect(long n) {
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = keys.getAtIndex(JAVA_LONG, i);
        }
        return out;
    }

    /**
     * A readiness fd (an epoll fd) that becomes readable when a member has something to read, for a selector or an
     * event loop outside the JVM's own; after it fired, {@link #poll()} clears it. Owned by the wait-set.
     */
    public int fd() {
        int fd;
        try {
            fd = (int) TopologyNative.WAITSET_FD.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (fd < 0) {
            throw TachyonException.of(ErrorCode.SYSTEM.value(), "wait-set fd");
        }
        return fd;
    }

    /** Keys in the set now. */
    public int size() {
        return members.size();
    }

    /** Frees the wait-set (its members stay open). Calling it again does nothing. */
    @Override
    public void close() {
        if (handle.address() == 0) {
            return;
        }
        MemorySegment h = handle;
        handle = MemorySegment.NULL;
        members.clear();
        try {
            TopologyNative.WAITSET_DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            scratch.close();
        }
    }

    private MemorySegment live() {
        if (handle.address() == 0) {
            throw new IllegalStateException("the wait-set is closed");
        }
        return handle;
    }
}
