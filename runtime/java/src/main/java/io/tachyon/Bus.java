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
 * <p>Speed: the bus keeps no reference to an open {@link Tx} or {@link Message}, so in a loop such as
 * {@code try (var tx = bus.acquireTx(n)) { ...; tx.commit(n, id); }} the JIT's escape analysis can take the guard,
 * its arena and its view apart into registers: a message then costs the two native calls and the writes, with no
 * allocation. Keep a guard in a local variable of one method to keep it that way.
 *
 * <p>Blocking calls ({@link #acquireTx(long)}, {@link #send}, {@link #receive()}, {@link #listen} and
 * {@link #connect}) make one C call to the caller's deadline and answer {@link Thread#interrupt()}: the binding
 * installs an interrupt check on each thread that waits ({@code tachyon_set_interrupt_check}), which the C library
 * asks at least every 100 ms while it sleeps, so an interrupted call throws {@link TachyonException.Interrupted}
 * within about that and leaves the thread's interrupt flag set.
 */
public final class Bus implements AutoCloseable {
    /** Spins before a blocked receive sleeps, unless {@link #setSpin} says otherwise. */
    public static final int DEFAULT_SPIN = 4096;

    private MemorySegment handle; // tachyon_bus_t*; NULL once destroyed
    private long addr;            // handle.address(), for the per-message calls
    private boolean closed;       // close() was called (the C bus may outlive it while a guard is open)
    private final Arena scratch;  // out-parameters, shared: the bus may move between threads
    private final MemorySegment outType; // uint32_t type_id, at outs + 0
    private final MemorySegment outSize; // size_t size, at outs + 8
    private final long outTypeAddr;
    private final long outSizeAddr;
    private final MemorySegment outs;    // both, global: read with no shared-arena liveness check (lives as long)
    private MemorySegment msgs = MemorySegment.NULL;
    private int spin = DEFAULT_SPIN;
    // Flags, not references: a field holding the guard would make it escape, and allocate, in every loop.
    boolean txOpen;
    boolean rxOpen;
    Batch openBatch;
    Inbox openInbox;              // the inbox holding a batch, if any: dropped with the bus
    MessageIterator openIterator; // received(): its message is closed with the bus

    private Bus(MemorySegment handle, Arena scratch) {
        this.handle = handle;
        this.addr = handle.address();
        this.scratch = scratch;
        MemorySegment out = scratch.allocate(16, 8);
        this.outType = out.asSlice(0, 4);
        this.outSize = out.asSlice(8, 8);
        this.outTypeAddr = outType.address();
        this.outSizeAddr = outSize.address();
        this.outs = MemorySegment.ofAddress(outTypeAddr).reinterpret(16);
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
            opts.set(JAVA_LONG, 8, options.timeoutNanos());
            opts.set(JAVA_INT, 16, options.allowAnyUid() ? Options.OPT_ALLOW_ANY_UID : 0);
            MemorySegment out = scratch.allocate(ADDRESS);
            MemorySegment detail = scratch.allocate(Native.ERROR_DETAIL);
            long deadline = deadlineOf(options.timeoutNanos(), listen);
            String what = (listen ? "listen " : "connect ") + path;
            int rc = await(what, deadline, d -> listen
                    ? (int) Native.BUS_LISTEN_UNTIL.invokeExact(cpath, capacity, opts, d, out, detail)
                    : (int) Native.BUS_CONNECT_UNTIL.invokeExact(cpath, opts, d, out, detail));
            if (rc != 0) {
                throw TachyonException.of(rc, what, Native.formatError(detail),
                        detail.get(JAVA_INT, 4));
            }
            return new Bus(out.get(ADDRESS, 0), scratch);
        } catch (Throwable t) {
            scratch.close();
            throw Native.rethrow(t);
        }
    }

    /** The C deadline of an options timeout (0: the default of listen, forever, or connect, 5 s). */
    private static long deadlineOf(long timeoutNs, boolean listen) {
        if (timeoutNs < 0 || (timeoutNs == 0 && listen)) {
            return -1; // TACHYON_FOREVER
        }
        long ns = timeoutNs == 0 ? CONNECT_DEFAULT_NS : timeoutNs;
        return Native.nowNs() + ns;
    }

    /** How long connect waits for a listener by default (TACHYON_CONNECT_DEFAULT_NS). */
    static final long CONNECT_DEFAULT_NS = 5_000_000_000L;

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
     * everything). Calling it again does nothing. An open {@link Batch}, and the message a {@link #received()} loop
     * holds, are closed first. A {@link Tx} still open is rolled back (nothing of it is sent; its commit then throws
     * {@link IllegalStateException}), and a {@link Tx} or {@link Message} still open keeps the ring mapped until it
     * is closed, so its view never touches unmapped memory: the bus is released when that guard closes (the bus
     * keeps no reference to them, which keeps them allocation-free: close them, try-with-resources does).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (openBatch != null) {
            openBatch.abandon();
        }
        if (openInbox != null) {
            openInbox.abandon();
            openInbox = null;
        }
        if (openIterator != null) {
            openIterator.abandon();
            openIterator = null;
        }
        if (txOpen) {
            try {
                int rc = (int) Native.ROLLBACK_TX.invokeExact(addr);
                check(rc, "rollback at close");
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
        }
        destroyIfIdle();
    }

    /** Frees the C bus once it is closed and no guard's view can reach its memory. */
    private void destroyIfIdle() {
        if (!closed || txOpen || rxOpen || handle.address() == 0) {
            return;
        }
        MemorySegment h = handle;
        handle = MemorySegment.NULL;
        addr = 0;
        try {
            Native.BUS_DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            scratch.close();
        }
    }

    /** A Tx ended: the bus address to commit or roll back with, or 0 if the bus was closed under it. */
    long txEnded() {
        txOpen = false;
        if (closed) {
            destroyIfIdle();
            return 0;
        }
        return addr;
    }

    /** A Message ended: the bus address to release it with, or 0 if the bus was closed under it. */
    long rxEnded() {
        rxOpen = false;
        if (closed) {
            destroyIfIdle();
            return 0;
        }
        return addr;
    }

    // ---- producer ---------------------------------------------------------------------

    /**
     * Reserves room for a message of up to {@code maxSize} bytes, waiting for the consumer to make room (no
     * deadline; throws {@link TachyonException.PeerGone} if it dies). Use it in try-with-resources: a guard closed
     * without {@link Tx#commit} rolls back.
     */
    public Tx acquireTx(long maxSize) {
        long p = reserve(maxSize);
        if (p == 0) {
            p = waitTx(maxSize, FOREVER);
        }
        return openTx(p, maxSize);
    }

    /** {@link #acquireTx(long)} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Tx acquireTx(long maxSize, Duration timeout) {
        return openTx(waitTx(maxSize, deadline(timeout)), maxSize);
    }

    /** Reserves room without waiting: null when the ring is full right now. */
    public Tx tryAcquireTx(long maxSize) {
        long p = reserve(maxSize);
        if (p == 0) {
            MemorySegment h = live();
            int err = lastError(h);
            if (err == ErrorCode.FULL.value()) {
                return null;
            }
            throw failure(h, err, "acquireTx");
        }
        return openTx(p, maxSize);
    }

    /** tachyon_acquire_tx: the slot's address, or 0 (full, or an error that tachyon_last_error tells). */
    private long reserve(long maxSize) {
        try {
            return (long) Native.ACQUIRE_TX.invokeExact(liveAddress(), maxSize);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Waits for room up to {@code deadline}: the slot's address, or throws why not. */
    private long waitTx(long maxSize, long deadline) {
        MemorySegment h = live();
        long[] slot = new long[1];
        int err = await("acquireTx", deadline, d -> {
            slot[0] = ((MemorySegment) Native.ACQUIRE_TX_UNTIL.invokeExact(h, maxSize, d)).address();
            return slot[0] != 0 ? 0 : lastError(h);
        });
        if (err != 0) {
            throw failure(h, err, "acquireTx");
        }
        return slot[0];
    }

    /** Copies {@code data} into the ring as one message, waiting for room (no deadline). */
    public void send(MemorySegment data, int typeId) {
        sendUntil(data, typeId, FOREVER);
    }

    /** Copies {@code data} into the ring as one message, waiting for room up to {@code timeout}. */
    public void send(MemorySegment data, int typeId, Duration timeout) {
        sendUntil(data, typeId, deadline(timeout));
    }

    /** Copies {@code data} (may be empty) as one message, waiting for room. */
    public void send(byte[] data, int typeId) {
        sendUntil(MemorySegment.ofArray(data), typeId, FOREVER);
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
        int err = await("send", deadline, d -> (int) Native.SEND_UNTIL.invokeExact(h, data, data.byteSize(), typeId, d));
        if (err != 0) {
            throw failure(h, err, "send");
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
        long p = nextRx();
        if (p == 0) {
            p = waitRx(emptyOrThrow(), FOREVER);
        }
        return openRx(p);
    }

    /** {@link #receive()} that gives up with {@link TachyonException.Timeout} after {@code timeout}. */
    public Message receive(Duration timeout) {
        return openRx(waitRx(live(), deadline(timeout)));
    }

    /** The next message if one is there now, else null; throws PeerGone at the end of the stream. */
    public Message tryReceive() {
        long p = nextRx();
        if (p == 0) {
            emptyOrThrow();
            return null;
        }
        return openRx(p);
    }

    /** tachyon_acquire_rx: the payload's address (type and size in outType, outSize), or 0. */
    private long nextRx() {
        try {
            return (long) Native.ACQUIRE_RX.invokeExact(liveAddress(), outTypeAddr, outSizeAddr);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** After a receive found nothing: returns the handle if the ring was just empty, else throws why. */
    private MemorySegment emptyOrThrow() {
        MemorySegment h = live();
        int err = lastError(h);
        if (err != ErrorCode.EMPTY.value()) {
            throw failure(h, err, "receive");
        }
        return h;
    }

    /** Waits for a message up to {@code deadline}: its address (type and size in the out-parameters), or throws. */
    private long waitRx(MemorySegment h, long deadline) {
        long[] data = new long[1];
        int err = await("receive", deadline, d -> {
            data[0] = ((MemorySegment) Native.ACQUIRE_RX_UNTIL.invokeExact(h, outType, outSize, spin, d)).address();
            return data[0] != 0 ? 0 : lastError(h);
        });
        if (err != 0) {
            throw failure(h, err, "receive");
        }
        return data[0];
    }

    /**
     * Every message until the producer is gone, for a for-each loop: each is released when the next one is asked
     * for, and a loop that stops early leaves its last message open until the bus closes (which closes it).
     * Iterate on one thread, once at a time; {@link TachyonException.PeerGone} ends the loop instead of being thrown.
     * <pre>{@code
     * for (Message msg : bus.received()) {
     *     handle(msg.typeId(), msg.segment());
     * }
     * }</pre>
     */
    public Iterable<Message> received() {
        return () -> new MessageIterator(this);
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
                throw failure(h, err, "drainBatch");
            }
        }
        return openBatch = new Batch(this, msgs, (int) n);
    }

    /**
     * The consumer's fast path: an {@link Inbox} that receives up to {@code max} messages per native call and
     * releases them with one more, reused for every batch (no allocation per message). Make one per bus and keep
     * it; see {@link Inbox} for the loop.
     */
    public Inbox inbox(int max) {
        if (max <= 0) {
            throw new IllegalArgumentException("max must be positive, not " + max);
        }
        live();
        return new Inbox(this, max);
    }

    int spin() {
        return spin;
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
        return closed;
    }

    // ---- internals --------------------------------------------------------------------

    private Tx openTx(long slot, long maxSize) {
        txOpen = true;
        return new Tx(this, slot, maxSize);
    }

    private Message openRx(long data) {
        rxOpen = true;
        return new Message(this, data, Native.MEMORY.get(JAVA_INT, outTypeAddr), Native.MEMORY.get(JAVA_LONG, outSizeAddr));
    }

    MemorySegment live() {
        if (closed) {
            throw new IllegalStateException("the bus is closed");
        }
        return handle;
    }

    /** {@link #live()} as an address, for the per-message calls. */
    long liveAddress() {
        if (closed) {
            throw closedError();
        }
        return addr;
    }

    /** Out of line: the per-message paths stay small enough to be inlined into the caller's loop. */
    private static IllegalStateException closedError() {
        return new IllegalStateException("the bus is closed");
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

    /** No deadline (TACHYON_FOREVER). */
    static final long FOREVER = -1;

    /** The absolute CLOCK_MONOTONIC deadline (the C library's clock) of a timeout. */
    static long deadline(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        if (timeout.compareTo(Duration.ofDays(365L * 100)) >= 0) {
            return FOREVER;
        }
        return Native.nowNs() + timeout.toNanos();
    }

    /** One blocking C call made to a deadline: 0, or the error code it failed with. */
    @FunctionalInterface
    interface Blocking {
        int call(long deadline) throws Throwable;
    }

    /**
     * The one wait path of the binding: makes {@code call} to the caller's {@code deadline} ({@link #FOREVER}: none),
     * with this thread's interrupt check installed so that the C library ends the wait at {@link Thread#interrupt()}.
     * Throws {@link TachyonException.Interrupted} (the flag stays set) when the thread is interrupted, before the
     * call or during it; an INTERRUPTED that was a signal, not an interrupt, resumes the wait toward the same
     * deadline. Returns 0, or the code of any other failure (TIMEOUT among them) for the caller to describe.
     */
    static int await(String what, long deadline, Blocking call) {
        return await(what, deadline, true, call);
    }

    /**
     * {@link #await(String, long, Blocking)}, where {@code resume} false returns an INTERRUPTED that is not the
     * thread's to the caller instead of waiting on: the RPC classes' own {@code interrupt()} ends their waits that
     * way, and a call that was sent cannot be made again (that would send it twice).
     */
    static int await(String what, long deadline, boolean resume, Blocking call) {
        Native.installInterruptCheck();
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw interrupted(what);
            }
            int err;
            try {
                err = call.call(deadline);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            if (err != ErrorCode.INTERRUPTED.value()) {
                return err;
            }
            if (!resume && !Thread.currentThread().isInterrupted()) {
                return err;
            }
        }
    }

    private static TachyonException interrupted(String what) {
        return TachyonException.of(ErrorCode.INTERRUPTED.value(), what, "interrupted by Thread.interrupt()", 0);
    }

    /** The exception of a failed call on bus {@code h}, with what libtachyon knows of it (errno, sizes). */
    static TachyonException failure(MemorySegment h, int err, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment detail = a.allocate(Native.ERROR_DETAIL);
            int code = (int) Native.LAST_ERROR_DETAIL.invokeExact(h, detail);
            if (code != err) { // the detail is of another failure: describe the code alone
                return TachyonException.of(err, what);
            }
            return TachyonException.of(err, what, Native.formatError(detail), detail.get(JAVA_INT, 4));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
