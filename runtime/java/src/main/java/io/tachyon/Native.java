package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The downcall handles into libtachyon, written by hand from {@code runtime/include/tachyon.h}.
 *
 * <p>Where the library comes from, first match wins: the system property {@code tachyon.library} (a file path),
 * the environment variable {@code TACHYON_LIBRARY} (a file path), then {@code libtachyon.so.1} through the dynamic
 * loader's search path ({@code LD_LIBRARY_PATH}, or the system folders after {@code make install}).
 *
 * <p>Calls that never block are linked with {@link Linker.Option#critical(boolean)}: no thread-state transition,
 * which is most of the cost of a tiny downcall. Calls that may sleep are linked normally so that the garbage
 * collector never waits on them.
 */
final class Native {
    private Native() {}

    /** Where the library was loaded from, for messages. */
    static final String SOURCE;
    private static final SymbolLookup LIB;

    static {
        String prop = System.getProperty("tachyon.library");
        String env = System.getenv("TACHYON_LIBRARY");
        String path = prop != null && !prop.isEmpty() ? prop : env != null && !env.isEmpty() ? env : null;
        if (path != null) {
            Path p = Path.of(path);
            if (!Files.isRegularFile(p)) {
                throw new UnsatisfiedLinkError("libtachyon not found at " + p.toAbsolutePath()
                        + " (from " + (prop != null && !prop.isEmpty() ? "-Dtachyon.library" : "TACHYON_LIBRARY")
                        + "); build it with `make lib`");
            }
            LIB = SymbolLookup.libraryLookup(p, Arena.global());
            SOURCE = p.toAbsolutePath().toString();
        } else {
            try {
                LIB = SymbolLookup.libraryLookup("libtachyon.so.1", Arena.global());
            } catch (IllegalArgumentException e) {
                throw new UnsatisfiedLinkError("libtachyon.so.1 not found: set -Dtachyon.library=PATH or "
                        + "TACHYON_LIBRARY=PATH to build/lib/libtachyon.so (make lib), or run make install");
            }
            SOURCE = "libtachyon.so.1";
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option[] FAST = {Linker.Option.critical(false)};
    private static final Linker.Option[] NONE = {};

    static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment sym = LIB.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError(name + " is missing from " + SOURCE + " (an older libtachyon?)"));
        return LINKER.downcallHandle(sym, fd, options);
    }

    static FunctionDescriptor f(MemoryLayout ret, MemoryLayout... args) {
        return FunctionDescriptor.of(ret, args);
    }

    private static final MemoryLayout P = ADDRESS;
    private static final MemoryLayout I = JAVA_INT;
    private static final MemoryLayout L = JAVA_LONG;

    /**
     * All of memory, for reading the out-parameters of the per-message calls at addresses this binding allocated:
     * a constant, so the JIT folds its bounds and liveness checks away.
     */
    static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** tachyon_options_t: {u64 schema_fingerprint; i64 timeout_ns; u32 flags; u32 reserved}. */
    static final StructLayout OPTIONS = MemoryLayout.structLayout(
            JAVA_LONG.withName("schema_fingerprint"), JAVA_LONG.withName("timeout_ns"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("reserved"));
    /** tachyon_error_detail_t: {i32 code; i32 os_errno; i64 waited_ns; u64 size; u64 limit}. */
    static final StructLayout ERROR_DETAIL = MemoryLayout.structLayout(
            JAVA_INT.withName("code"), JAVA_INT.withName("os_errno"), JAVA_LONG.withName("waited_ns"),
            JAVA_LONG.withName("size"), JAVA_LONG.withName("limit"));
    /** tachyon_msg_t: {const void *data; u32 size; u32 type_id}. */
    static final StructLayout MSG = MemoryLayout.structLayout(
            ADDRESS.withName("data"), JAVA_INT.withName("size"), JAVA_INT.withName("type_id"));
    /** tachyon_stats_t: six u64 counters. */
    static final StructLayout STATS = MemoryLayout.structLayout(
            JAVA_LONG.withName("messages"), JAVA_LONG.withName("bytes"), JAVA_LONG.withName("publishes"),
            JAVA_LONG.withName("full_events"), JAVA_LONG.withName("sleeps"), JAVA_LONG.withName("wakes"));

    // Lifecycle.
    static final MethodHandle BUS_LISTEN_UNTIL = fn("tachyon_bus_listen_until", f(I, P, L, P, L, P, P), NONE);
    static final MethodHandle BUS_CONNECT_UNTIL = fn("tachyon_bus_connect_until", f(I, P, P, L, P, P), NONE);
    static final MethodHandle BUS_DESTROY = fn("tachyon_bus_destroy", FunctionDescriptor.ofVoid(P), NONE);
    // The per-message calls take and return pointers as plain addresses (JAVA_LONG, the same register on every
    // 64-bit ABI the FFM API supports): no MemorySegment to allocate for the result, no session to check for each
    // argument, so their inlined call sites stay small enough for the JIT to inline the guards around them.
    // Producer.
    static final MethodHandle ACQUIRE_TX = fn("tachyon_acquire_tx", f(L, L, L), FAST);
    static final MethodHandle ACQUIRE_TX_UNTIL = fn("tachyon_acquire_tx_until", f(P, P, L, L), NONE);
    static final MethodHandle COMMIT_TX = fn("tachyon_commit_tx", f(I, L, L, I), FAST);
    static final MethodHandle ROLLBACK_TX = fn("tachyon_rollback_tx", f(I, L), FAST);
    // May read a heap segment in place (a byte[] behind a MemorySegment).
    static final MethodHandle SEND = fn("tachyon_send", f(I, P, P, L, I), Linker.Option.critical(true));
    static final MethodHandle SEND_UNTIL = fn("tachyon_send_until", f(I, P, P, L, I, L), NONE);
    static final MethodHandle FLUSH = fn("tachyon_flush", f(I, P), FAST);
    // Consumer.
    static final MethodHandle ACQUIRE_RX = fn("tachyon_acquire_rx", f(L, L, L, L), FAST);
    static final MethodHandle ACQUIRE_RX_UNTIL = fn("tachyon_acquire_rx_until", f(P, P, P, P, I, L), NONE);
    static final MethodHandle COMMIT_RX = fn("tachyon_commit_rx", f(I, L), FAST);
    static final MethodHandle DRAIN_BATCH = fn("tachyon_drain_batch", f(L, P, P, L), FAST);
    static final MethodHandle DRAIN_BATCH_UNTIL = fn("tachyon_drain_batch_until", f(L, P, P, L, I, L), NONE);
    static final MethodHandle COMMIT_RX_BATCH = fn("tachyon_commit_rx_batch", f(I, P, L), FAST);
    // The same two for Inbox, with plain addresses (see above).
    static final MethodHandle DRAIN_BATCH_A = fn("tachyon_drain_batch", f(L, L, L, L), FAST);
    static final MethodHandle COMMIT_RX_BATCH_A = fn("tachyon_commit_rx_batch", f(I, L, L), FAST);
    // Queries.
    static final MethodHandle LAST_ERROR = fn("tachyon_last_error", f(I, P), FAST);
    static final MethodHandle LAST_ERROR_DETAIL = fn("tachyon_last_error_detail", f(I, P, P), NONE);
    static final MethodHandle STRERROR = fn("tachyon_strerror", f(P, I), NONE);
    static final MethodHandle ERROR_NAME = fn("tachyon_error_name", f(P, I), NONE);
    static final MethodHandle FORMAT_ERROR = fn("tachyon_format_error", f(L, P, P, L), NONE);
    static final MethodHandle NOW_NS = fn("tachyon_now_ns", f(L), FAST);
    static final MethodHandle BUS_ROLE = fn("tachyon_bus_role", f(I, P), NONE);
    static final MethodHandle CAPACITY = fn("tachyon_capacity", f(L, P), NONE);
    static final MethodHandle MAX_MESSAGE_SIZE = fn("tachyon_max_message_size", f(L, P), NONE);
    static final MethodHandle SCHEMA_FINGERPRINT = fn("tachyon_schema_fingerprint", f(L, P), NONE);
    static final MethodHandle PEER_ALIVE = fn("tachyon_peer_alive", f(I, P), NONE);
    static final MethodHandle GET_STATS = fn("tachyon_get_stats", f(I, P, P), NONE);
    // Arena.
    static final MethodHandle ARENA_SIZE = fn("tachyon_arena_size", f(L, L), NONE);
    static final MethodHandle ARENA_FORMAT = fn("tachyon_arena_format", f(I, P, L, L, L), NONE);
    static final MethodHandle ARENA_ATTACH = fn("tachyon_arena_attach", f(I, P, L, I, P), NONE);

    static final MethodHandle SET_INTERRUPT_CHECK =
            fn("tachyon_set_interrupt_check", FunctionDescriptor.ofVoid(P, P), FAST);

    /** The C side of the interrupt check: a function pointer into {@link #interruptCheck}, for the JVM's life. */
    private static final MemorySegment INTERRUPT_CHECK;

    static {
        try {
            MethodHandle check = MethodHandles.lookup().findStatic(Native.class, "interruptCheck",
                    MethodType.methodType(int.class, MemorySegment.class));
            INTERRUPT_CHECK = LINKER.upcallStub(check, f(I, P), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Called by libtachyon on the waiting thread while it sleeps: nonzero ends the wait with INTERRUPTED. */
    private static int interruptCheck(MemorySegment ctx) {
        return Thread.currentThread().isInterrupted() ? 1 : 0;
    }

    /** Makes the calling thread's waits in libtachyon answer {@link Thread#interrupt()} (idempotent, cheap). */
    static void installInterruptCheck() {
        try {
            SET_INTERRUPT_CHECK.invokeExact(INTERRUPT_CHECK, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Rethrows what a downcall can throw: nothing checked, so anything else is a bug in a signature here. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError("downcall threw " + t, t);
    }

    /** tachyon_error_name(code) (the table's ShortName), or null for a number that is no code. */
    static String errorName(int code) {
        try {
            MemorySegment s = (MemorySegment) ERROR_NAME.invokeExact(code);
            return s.address() == 0 ? null : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** tachyon_format_error of a filled tachyon_error_detail_t: the description and its numbers. */
    static String formatError(MemorySegment detail) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(512);
            long n = (long) FORMAT_ERROR.invokeExact(detail, buf, 512L);
            return n > 0 ? buf.getString(0) : "";
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** CLOCK_MONOTONIC ns, the clock of the _until deadlines. */
    static long nowNs() {
        try {
            return (long) NOW_NS.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** tachyon_strerror(code) as a Java string. */
    static String strerror(int code) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(code);
            return s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
