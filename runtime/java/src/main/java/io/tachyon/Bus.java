package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One side of a Tachyon bus: a single-producer, single-consumer ring in shared memory. The listener
 * ({@link #listen}) is the consumer; the connector ({@link #connect}) is the producer.
 * <pre>{@code
 * try (var bus = Bus.connect("/tmp/feed.sock")) {
 *     try (var tx = bus.acquireTx(32)) {
 *         tx.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
 *         tx.commit(32, 1);
 *     }
 *     bus.flush();
 * }
 * }</pre>
 *
 * <p>Threading: like the C library, one thread at a time per side. A {@link Tx} or {@link Message} is confined to
 * the thread that acquired it: its memory view belongs to a confined {@link Arena} that is closed when it is
 * committed, so a view kept past its commit throws instead of reading memory the ring has reused.
 *
 * <p>Blocking calls ({@link #acquireTx(long)}, {@link #send}, {@link #receive()}) wait in slices of at most
 * {@value #SLICE_MS} ms and answer {@link Thread#interrupt()}: they then throw
 * {@link TachyonException.Interrupted} and leave the thread's interrupt flag set. {@link #listen} and
 * {@link #connect} are bounded by {@link Options#timeout()} instead.
 */
public final class Bus implements AutoCloseable {
    /** Longest one blocking native call waits before the Java side checks for an interrupt. */
    public static final long SLICE_MS = 50;
    private static final long SLICE_NS = SLICE_MS * 1_000_000L;
    /** Spins before a blocked receive sleeps, unless {@link #setSpin} says otherwise. */
    public static final int DEFAULT_SPIN = 4096;

    private MemorySegment handle; // tachyon_bus_t*; NULL once closed
    private final Arena scratch;  // out-parameters, shared: the bus may move between threads
    private final MemorySegment outType;
    private final MemorySegment outSize;
    private MemorySegment msgs = MemorySegment.NULL;
    private int spin = DEFAULT_SPIN;
    Tx openTx;
    Message openRx;
    Batch openBatch;

    private Bus(MemorySegment handle, Arena scratch) {
        this.handle = handle;
        this.scratch = scratch;
        this.outType = scratch.allocate(JAVA_INT);
        this.outSize = scratch.allocate(JAVA_LONG);
    }

    // ---- lifecycle ------------------------------------------------------------------

    /** Listens on {@code path} ("@name" for the abstract namespace) and waits for one producer. */
    public static Bus listen(String path, long capacity) {
        return listen(path, capacity, Options.defaults());
    }

    /** Listens with options (fingerprint, timeout, uid policy). */
    public static Bus listen(String path, long capacity, Options options) {
        return open(path, capacity, options, true);
    }

    /** Connects to the consumer listening on {@code path}. */
    public static Bus connect(String path) {
        return connect(path, Options.defaults());
    }

    /** Connects with options. */
    public static Bus connect(String path, Options options) {
        return open(path, 0, options, false);
    }

    private static Bus open(String path, long capacity, Options options, boolean listen) {
        Arena scratch = Arena.ofShared();
        try {
            MemorySegment cpath = scratch.allocateFrom(path);
            MemorySegment opts = scratch.allocate(Native.OPTIONS);
            opts.set(JAVA_LONG, 0, options.fingerprint());
            opts.set(JAVA_INT, 8, options.timeoutMillis());
            opts.set(JAVA_INT, 12, options.allowAnyUid() ? Options.OPT_ALLOW_ANY_UID : 0);
            MemorySegment out = scratch.allocate(ADDRESS);
            int rc = listen ? (int) Native.BUS_LISTEN_EX.invokeExact(cpath, capacity, opts, out)
                    : (int) Native.BUS_CONNECT_EX.invokeExact(cpath, opts, out);
            if (rc != 0) {
                throw TachyonException.of(rc, (listen ? "listen " : "connect ") + path);
            }
            return new Bus(out.get(ADDRESS, 0), scratch);
        } catch (Throwable t) {
            scratch.close();
            throw Native.rethrow(t);
        }
    }

    /**
     * A bus side over caller memory formatted with {@link #formatArena} (both sides in one process, for tests and
     * embedded use). {@code memory} must outlive the bus.
     */
    public static Bus attachArena(MemorySegment memory, Role role) {
        Arena scratch = Arena.ofShared();
        try {
            MemorySegment out = scratch.allocate(ADDRESS);
            int rc = (int) Native.ARENA_ATTACH.invokeExact(memory, memory.byteSize(), role.ordinal(), out);
            if (rc != 0) {
                throw TachyonException.of(rc, "attach arena");
            }
            return new Bus(out.get(ADDRESS, 0), scratch);
        } catch (Throwable t) {
            scratch.close();
            throw Native.rethrow(t);
        }
    }

    /** Bytes an arena with a ring of {@code capacity} bytes needs (0: capacity invalid). */
    public static long arenaSize(long capacity) {
        try {
            return (long) Native.ARENA_SIZE.invokeExact(capacity);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Writes a fresh ring header into {@code memory} (64-byte aligned, at least {@link #arenaSize} bytes). */
    public static void formatArena(MemorySegment memory, long capacity, long fingerprint) {
        try {
            check((int) Native.ARENA_FORMAT.invokeExact(memory, memory.byteSize(), capacity, fingerprint),
                    "format arena");
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Closes this side (a producer flushes first; the peer then sees {@link TachyonException.PeerGone} once it has
     * everything). Views still open are closed first. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (handle.address() == 0) {
            return;
        }
        if (openTx != null) {
            openTx.abandon();
        }
        if (openRx != null) {
            openRx.abandon();
        }
        if (openBatch != null) {
            openBatch.abandon();
        }
        MemorySegment h = handle;
        handle = MemorySegment.NULL;
        try {
            Native.BUS_DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            scratch.close();
        }
    }

    // ---- producer ---------------------------------------------------------------------

    /**
     * Reserves room for a message of up to {@code maxSize} bytes, waiting for the consumer to make room (no
     * deadline; throws {@link TachyonException.PeerGone} if it dies). Use it in try-with-resources: a guard closed
     * without {@link Tx#commit} rolls back.
     */
    public Tx acquireTx(long maxSize) {
        MemorySegment h = live();
        MemorySegment p;
        try {
            p = (MemorySegment) Native.ACQUIRE_TX.invokeExact(h, maxSize);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (p.address() == 0) {
            p = waitTx(h, maxSize, -1);
        }
        return openTx = new Tx(this, p, maxSize);
    }

    /** {@link #acquireTx(long)} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Tx acquireTx(long maxSize, Duration timeout) {
        MemorySegment h = live();
        MemorySegment p = waitTx(h, maxSize, deadline(timeout));
        return openTx = new Tx(this, p, maxSize);
    }

    /** Reserves room without waiting: null when the ring is full right now. */
    public Tx tryAcquireTx(long maxSize) {
        MemorySegment h = live();
        MemorySegment p;
        try {
            p = (MemorySegment) Native.ACQUIRE_TX.invokeExact(h, maxSize);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (p.address() == 0) {
            int err = lastError(h);
            if (err == ErrorCode.FULL.value()) {
                return null;
            }
            throw TachyonException.of(err, "acquireTx");
        }
        return openTx = new Tx(this, p, maxSize);
    }

    private MemorySegment waitTx(MemorySegment h, long maxSize, long deadline) {
        while (true) {
            long slice = slice(deadline, "acquireTx");
            MemorySegment p;
            try {
                p = (MemorySegment) Native.ACQUIRE_TX_BLOCKING.invokeExact(h, maxSize, slice);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            if (p.address() != 0) {
                return p;
            }
            retryOrThrow(lastError(h), "acquireTx");
        }
    }

    /** Copies {@code data} into the ring as one message, waiting for room (no deadline). */
    public void send(MemorySegment data, int typeId) {
        sendUntil(data, typeId, -1);
    }

    /** Copies {@code data} into the ring as one message, waiting for room up to {@code timeout}. */
    public void send(MemorySegment data, int typeId, Duration timeout) {
        sendUntil(data, typeId, deadline(timeout));
    }

    /** Copies {@code data} (may be empty) as one message, waiting for room. */
    public void send(byte[] data, int typeId) {
        sendUntil(MemorySegment.ofArray(data), typeId, -1);
    }

    /** Sends without waiting (a heap segment too): false when the ring is full right now. */
    public boolean trySend(MemorySegment data, int typeId) {
        MemorySegment h = live();
        int rc;
        try {
            rc = (int) Native.SEND.invokeExact(h, data, data.byteSize(), typeId);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (rc == ErrorCode.FULL.value()) {
            return false;
        }
        check(rc, "send");
        return true;
    }

    private void sendUntil(MemorySegment data, int typeId, long deadline) {
        MemorySegment h = live();
        if (trySend(data, typeId)) {
            return;
        }
        if (!data.isNative()) { // a call that may sleep cannot pin the heap: wait with a native copy
            try (Arena a = Arena.ofConfined()) {
                MemorySegment copy = a.allocate(Math.max(1, data.byteSize()), 16).asSlice(0, data.byteSize());
                copy.copyFrom(data);
                sendUntil(copy, typeId, deadline);
                return;
            }
        }
        while (true) {
            long slice = slice(deadline, "send");
            int rc;
            try {
                rc = (int) Native.SEND_BLOCKING.invokeExact(h, data, data.byteSize(), typeId, slice);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            if (rc == 0) {
                return;
            }
            retryOrThrow(rc, "send");
        }
    }

    /** Publishes every committed message now and wakes a sleeping consumer. */
    public void flush() {
        MemorySegment h = live();
        int rc;
        try {
            rc = (int) Native.FLUSH.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        check(rc, "flush");
    }

    // ---- consumer ---------------------------------------------------------------------

    /**
     * Waits for the next message (no deadline) and returns it in place; closing it (try-with-resources) releases
     * its bytes to the producer. Throws {@link TachyonException.PeerGone} once the producer closed or died and
     * everything it committed was delivered.
     */
    public Message receive() {
        MemorySegment h = live();
        MemorySegment p;
        try {
            p = (MemorySegment) Native.ACQUIRE_RX.invokeExact(h, outType, outSize);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (p.address() == 0) {
            int err = lastError(h);
            if (err != ErrorCode.EMPTY.value()) {
                throw TachyonException.of(err, "receive");
            }
            p = waitRx(h, -1);
        }
        return openRx = new Message(this, p, outType.get(JAVA_INT, 0), outSize.get(JAVA_LONG, 0));
    }

    /** {@link #receive()} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Message receive(Duration timeout) {
        MemorySegment h = live();
        MemorySegment p = waitRx(h, deadline(timeout));
        return openRx = new Message(this, p, outType.get(JAVA_INT, 0), outSize.get(JAVA_LONG, 0));
    }

    /** The next message if one is there now, else null; throws PeerGone at the end of the stream. */
    public Message tryReceive() {
        MemorySegment h = live();
        MemorySegment p;
        try {
            p = (MemorySegment) Native.ACQUIRE_RX.invokeExact(h, outType, outSize);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (p.address() == 0) {
            int err = lastError(h);
            if (err == ErrorCode.EMPTY.value()) {
                return null;
            }
            throw TachyonException.of(err, "receive");
        }
        return openRx = new Message(this, p, outType.get(JAVA_INT, 0), outSize.get(JAVA_LONG, 0));
    }

    private MemorySegment waitRx(MemorySegment h, long deadline) {
        while (true) {
            long slice = slice(deadline, "receive");
            MemorySegment p;
            try {
                p = (MemorySegment) Native.ACQUIRE_RX_TIMEOUT.invokeExact(h, outType, outSize, spin, slice);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            if (p.address() != 0) {
                return p;
            }
            retryOrThrow(lastError(h), "receive");
        }
    }

    /**
     * Takes up to {@code max} messages that are available now, without waiting (the batch may be empty). They stay
     * valid until the batch is closed, which releases them all at once.
     */
    public Batch drainBatch(int max) {
        if (max <= 0) {
            throw new IllegalArgumentException("max must be positive, not " + max);
        }
        MemorySegment h = live();
        if (msgs.byteSize() < max * Native.MSG.byteSize()) {
            msgs = scratch.allocate(Native.MSG, max);
        }
        long n;
        try {
            n = (long) Native.DRAIN_BATCH.invokeExact(h, msgs, (long) max);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (n == 0) {
            int err = lastError(h);
            if (err != ErrorCode.EMPTY.value()) {
                throw TachyonException.of(err, "drainBatch");
            }
        }
        return openBatch = new Batch(this, msgs, (int) n);
    }

    /** Spins before a blocked receive sleeps on the futex (default {@value #DEFAULT_SPIN}). */
    public void setSpin(int spin) {
        if (spin < 0) {
            throw new IllegalArgumentException("spin must not be negative");
        }
        this.spin = spin;
    }

    // ---- queries ----------------------------------------------------------------------

    /** Consumer (listener) or producer (connector). */
    public Role role() {
        try {
            return Role.values()[(int) Native.BUS_ROLE.invokeExact(live())];
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The ring's capacity in bytes. */
    public long capacity() {
        try {
            return (long) Native.CAPACITY.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The largest payload one message may have. */
    public long maxMessageSize() {
        try {
            return (long) Native.MAX_MESSAGE_SIZE.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The schema fingerprint the bus is bound to (0: none). */
    public long schemaFingerprint() {
        try {
            return (long) Native.SCHEMA_FINGERPRINT.invokeExact(live());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Whether the peer is attached and alive (may make a syscall: not for the hot path). */
    public boolean peerAlive() {
        try {
            return (int) Native.PEER_ALIVE.invokeExact(live()) != 0;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** This side's counters. */
    public Stats stats() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(Native.STATS);
            check((int) Native.GET_STATS.invokeExact(live(), s), "stats");
            return new Stats(s.get(JAVA_LONG, 0), s.get(JAVA_LONG, 8), s.get(JAVA_LONG, 16), s.get(JAVA_LONG, 24),
                    s.get(JAVA_LONG, 32), s.get(JAVA_LONG, 40));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return handle.address() == 0;
    }

    // ---- internals --------------------------------------------------------------------

    MemorySegment live() {
        if (handle.address() == 0) {
            throw new IllegalStateException("the bus is closed");
        }
        return handle;
    }

    static int lastError(MemorySegment h) {
        try {
            return (int) Native.LAST_ERROR.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    static void check(int rc, String what) {
        if (rc != 0) {
            throw TachyonException.of(rc, what);
        }
    }

    /** Absolute System.nanoTime deadline of a timeout. */
    private static long deadline(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        long ns = timeout.compareTo(Duration.ofDays(365 * 100)) >= 0 ? Long.MAX_VALUE / 2 : timeout.toNanos();
        return System.nanoTime() + ns;
    }

    /**
     * The next slice to wait (ns), after checking the interrupt flag and the deadline ({@code -1}: none). Throws
     * Interrupted (flag left set) or Timeout.
     */
    private static long slice(long deadline, String what) {
        if (Thread.currentThread().isInterrupted()) {
            throw TachyonException.of(ErrorCode.INTERRUPTED.value(), what + " (Thread.interrupt)");
        }
        if (deadline == -1) {
            return SLICE_NS;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw TachyonException.of(ErrorCode.TIMEOUT.value(), what);
        }
        return Math.min(left, SLICE_NS);
    }

    /** After a wait slice failed: go round again on TIMEOUT (the slice ran out) or INTERRUPTED (a signal). */
    private static void retryOrThrow(int err, String what) {
        if (err != ErrorCode.TIMEOUT.value() && err != ErrorCode.INTERRUPTED.value()) {
            throw TachyonException.of(err, what);
        }
    }
}
