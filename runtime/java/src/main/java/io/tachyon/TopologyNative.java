package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The downcall handles of the topology calls (fan-out, fan-in, wait-sets), written by hand from
 * {@code runtime/include/tachyon.h}, and the deadlines of their blocking calls (which wait through {@link Bus#await}). The library is the one
 * {@link Native} loaded. As there, calls that never block are linked {@link Linker.Option#critical(boolean)}.
 */
final class TopologyNative {
    private TopologyNative() {}

    private static final Linker LINKER = Linker.nativeLinker();
    /** The library {@link Native} found (the loader hands back the same mapping). */
    private static final SymbolLookup LIB = Native.SOURCE.startsWith("/")
            ? SymbolLookup.libraryLookup(Path.of(Native.SOURCE), Arena.global())
            : SymbolLookup.libraryLookup(Native.SOURCE, Arena.global());
    private static final Linker.Option[] FAST = {Linker.Option.critical(false)};
    private static final Linker.Option[] NONE = {};
    private static final MemoryLayout P = ADDRESS;
    private static final MemoryLayout I = JAVA_INT;
    private static final MemoryLayout L = JAVA_LONG;

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment sym = LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                name + " is missing from " + Native.SOURCE + " (a libtachyon without the topologies?)"));
        return LINKER.downcallHandle(sym, fd, options);
    }

    private static FunctionDescriptor f(MemoryLayout ret, MemoryLayout... args) {
        return FunctionDescriptor.of(ret, args);
    }

    private static FunctionDescriptor v(MemoryLayout... args) {
        return FunctionDescriptor.ofVoid(args);
    }

    /** tachyon_sender_t: {u64 id; u32 pid; u32 slot}. */
    static final StructLayout SENDER = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"), JAVA_INT.withName("pid"), JAVA_INT.withName("slot"));

    // Fan-out producer.
    static final MethodHandle FANOUT_LISTEN = fn("tachyon_fanout_listen", f(I, P, L, I, P, P), NONE);
    static final MethodHandle FANOUT_ACQUIRE_TX = fn("tachyon_fanout_acquire_tx", f(P, P, L), FAST);
    static final MethodHandle FANOUT_ACQUIRE_TX_UNTIL = fn("tachyon_fanout_acquire_tx_until", f(P, P, L, L), NONE);
    static final MethodHandle FANOUT_COMMIT_TX = fn("tachyon_fanout_commit_tx", f(I, P, L, I), FAST);
    static final MethodHandle FANOUT_ROLLBACK_TX = fn("tachyon_fanout_rollback_tx", f(I, P), FAST);
    static final MethodHandle FANOUT_SEND_UNTIL = fn("tachyon_fanout_send_until", f(I, P, P, L, I, L), NONE);
    // Deadline 0 never waits, so it may read a heap segment in place.
    static final MethodHandle FANOUT_SEND_NOW = fn("tachyon_fanout_send_until", f(I, P, P, L, I, L),
            Linker.Option.critical(true));
    static final MethodHandle FANOUT_SUBSCRIBERS = fn("tachyon_fanout_subscribers", f(L, P), NONE);
    static final MethodHandle FANOUT_LAST_ERROR = fn("tachyon_fanout_last_error", f(I, P), FAST);
    static final MethodHandle FANOUT_MAX_MESSAGE_SIZE = fn("tachyon_fanout_max_message_size", f(L, P), FAST);
    static final MethodHandle FANOUT_DESTROY = fn("tachyon_fanout_destroy", v(P), NONE);
    // Fan-out subscriber.
    static final MethodHandle SUB_CONNECT_UNTIL = fn("tachyon_sub_connect_until", f(I, P, P, I, L, P, P), NONE);
    static final MethodHandle SUB_ACQUIRE_RX = fn("tachyon_sub_acquire_rx", f(P, P, P, P), FAST);
    static final MethodHandle SUB_ACQUIRE_RX_UNTIL = fn("tachyon_sub_acquire_rx_until", f(P, P, P, P, L), NONE);
    static final MethodHandle SUB_COMMIT_RX = fn("tachyon_sub_commit_rx", f(I, P), FAST);
    static final MethodHandle SUB_REJOIN = fn("tachyon_sub_rejoin", f(I, P, I), NONE);
    static final MethodHandle SUB_LAST_ERROR = fn("tachyon_sub_last_error", f(I, P), FAST);
    static final MethodHandle SUB_DESTROY = fn("tachyon_sub_destroy", v(P), NONE);
    // Fan-in consumer.
    static final MethodHandle FANIN_LISTEN = fn("tachyon_fanin_listen", f(I, P, L, P, P), NONE);
    static final MethodHandle FANIN_ACQUIRE_RX = fn("tachyon_fanin_acquire_rx", f(P, P, P, P, P), FAST);
    static final MethodHandle FANIN_ACQUIRE_RX_UNTIL = fn("tachyon_fanin_acquire_rx_until",
            f(P, P, P, P, P, L), NONE);
    static final MethodHandle FANIN_COMMIT_RX = fn("tachyon_fanin_commit_rx", f(I, P), FAST);
    static final MethodHandle FANIN_PRODUCERS = fn("tachyon_fanin_producers", f(L, P), NONE);
    static final MethodHandle FANIN_LAST_ERROR = fn("tachyon_fanin_last_error", f(I, P), FAST);
    static final MethodHandle FANIN_DESTROY = fn("tachyon_fanin_destroy", v(P), NONE);
    // Wait-sets.
    static final MethodHandle WAITSET_NEW = fn("tachyon_waitset_new", f(I, P), NONE);
    static final MethodHandle WAITSET_ADD_BUS = fn("tachyon_waitset_add_bus", f(I, P, P, L), NONE);
    static final MethodHandle WAITSET_ADD_SUB = fn("tachyon_waitset_add_sub", f(I, P, P, L), NONE);
    static final MethodHandle WAITSET_ADD_FANIN = fn("tachyon_waitset_add_fanin", f(I, P, P, L), NONE);
    static final MethodHandle WAITSET_REMOVE = fn("tachyon_waitset_remove", f(I, P, L), NONE);
    static final MethodHandle WAITSET_WAIT_UNTIL = fn("tachyon_waitset_wait_until", f(L, P, P, L, L, P), NONE);
    static final MethodHandle WAITSET_FD = fn("tachyon_waitset_fd", f(I, P), NONE);
    static final MethodHandle WAITSET_DESTROY = fn("tachyon_waitset_destroy", v(P), NONE);

    // ---- deadlines ------------------------------------------------------------------

    /** No deadline (TACHYON_FOREVER). */
    static final long FOREVER = -1;

    /** The absolute CLOCK_MONOTONIC deadline of a timeout; a century or more is {@link #FOREVER}. */
    static long deadline(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        if (timeout.compareTo(Duration.ofDays(365L * 100)) >= 0) {
            return FOREVER;
        }
        return Native.nowNs() + timeout.toNanos();
    }

    /** The C options struct of {@code options}, in {@code arena}. */
    static MemorySegment options(Arena arena, Options options) {
        MemorySegment opts = arena.allocate(Native.OPTIONS);
        opts.set(JAVA_LONG, 0, options.fingerprint());
        opts.set(JAVA_LONG, 8, options.timeoutNanos());
        opts.set(JAVA_INT, 16, options.allowAnyUid() ? Options.OPT_ALLOW_ANY_UID : 0);
        return opts;
    }
}
