package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RPC binding (RpcClient, RpcServer) over libtachyon: calls and dispatch, handler errors, unknown methods,
 * pipelining with replies out of order, deadlines, the server killed with calls in flight, hostile replies.
 */
class RpcTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final AtomicInteger N = new AtomicInteger();
    /** Method 10: a u64 in, the u64 plus one out; 0 is refused with code 7, 2989 throws. */
    private static final List<RpcServer.Method> METHODS = List.of(new RpcServer.Method(10, 8, 8));

    static String path(String tag) {
        return "@tachyon-java-rpc-" + ProcessHandle.current().pid() + "-" + tag + "-" + N.incrementAndGet();
    }

    static void increment(int method, MemorySegment req, MemorySegment reply) {
        long v = req.get(JAVA_LONG_UNALIGNED, 0);
        if (v == 0) {
            throw RpcStatusException.appError(7);
        }
        if (v == 2989) {
            throw new IllegalStateException("unlucky");
        }
        reply.set(JAVA_LONG_UNALIGNED, 0, v + 1);
    }

    /** A server thread running {@code body}; join() returns what it threw. */
    static final class ServerThread {
        final String path = path("srv");
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;

        ServerThread(Consumer<RpcServer> body) {
            thread = new Thread(() -> {
                try (var conn = RpcServer.listen(path, 1 << 16, Options.defaults().withTimeout(T))) {
                    body.accept(conn);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            thread.start();
        }

        Throwable join() throws InterruptedException {
            thread.join(30_000);
            return failure.get();
        }
    }

    static MemorySegment u64(Arena a, long v) {
        MemorySegment s = a.allocate(8, 8);
        s.set(JAVA_LONG_UNALIGNED, 0, v);
        return s;
    }

    @Test
    void callsHandlerErrorsUnknownMethodAndBadRequest() throws Exception {
        var srv = new ServerThread(conn -> conn.serve(METHODS, RpcTest::increment, null));
        try (var cli = RpcClient.connect(srv.path); Arena a = Arena.ofConfined()) {
            for (long v = 1; v <= 50; v++) {
                try (RpcReply r = cli.call(10, u64(a, v), 8, T)) {
                    assertEquals(RpcStatus.OK, r.status());
                    assertEquals(v + 1, r.body().get(JAVA_LONG_UNALIGNED, 0));
                }
            }
            // A heap request is copied into native memory for the call.
            try (RpcReply r = cli.call(10, MemorySegment.ofArray(new long[] {41}), 8, T)) {
                assertEquals(42, r.body().get(JAVA_LONG_UNALIGNED, 0));
            }
            try (RpcReply r = cli.call(10, u64(a, 0), 8, T)) {
                assertEquals(RpcStatus.APP_ERROR, r.status());
                assertEquals(7, r.appCode());
            }
            try (RpcReply r = cli.call(99, MemorySegment.NULL, 0, T)) {
                assertEquals(RpcStatus.UNKNOWN_METHOD, r.status());
            }
            try (RpcReply r = cli.call(10, a.allocate(3), 8, T)) {
                assertEquals(RpcStatus.BAD_REQUEST, r.status());
            }
            // A reply read after close throws instead of reading reused ring bytes.
            RpcReply kept = cli.call(10, u64(a, 5), 8, T);
            kept.close();
            assertThrows(IllegalStateException.class, () -> kept.body().get(JAVA_LONG_UNALIGNED, 0));
            var e = assertThrows(RpcStatusException.class, () -> RpcTyped.of(cli.call(10, u64(a, 0), 8, T), 8, s -> s));
            assertEquals(7, e.appCode());
        }
        assertEquals(null, srv.join());
    }

    @Test
    void handlerExceptionAnswersThenPropagates() throws Exception {
        var srv = new ServerThread(conn -> conn.serve(METHODS, RpcTest::increment, null));
        try (var cli = RpcClient.connect(srv.path); Arena a = Arena.ofConfined()) {
            try (RpcReply r = cli.call(10, u64(a, 2989), 8, T)) {
                assertEquals(RpcStatus.APP_ERROR, r.status());
                assertEquals(RpcStatusException.HANDLER_EXCEPTION, r.appCode());
            }
            assertInstanceOf(IllegalStateException.class, srv.join());
        }
    }

    @Test
    void pipelinedRepliesOutOfOrder() throws Exception {
        int n = 32;
        var srv = new ServerThread(conn -> {
            List<long[]> held = new ArrayList<>();
            while (held.size() < n) {
                var req = conn.nextRequest(T);
                held.add(new long[] {req.callId(), req.body().get(JAVA_LONG_UNALIGNED, 0)});
                conn.defer();
            }
            try (Arena a = Arena.ofConfined()) {
                for (int k = n - 1; k >= 0; k--) {
                    conn.replyTo(held.get(k)[0], 10, RpcStatus.OK, 0, u64(a, held.get(k)[1] * 10), T);
                }
            }
            assertThrows(TachyonException.PeerGone.class, () -> conn.nextRequest(T));
        });
        List<Long> ids = new ArrayList<>();
        try (var cli = RpcClient.connect(srv.path); Arena a = Arena.ofConfined()) {
            for (int i = 0; i < n; i++) {
                ids.add(cli.send(10, u64(a, i), 8, T));
            }
            assertEquals(n, cli.pending());
            for (int k = n - 1; k >= 0; k--) {
                try (RpcReply r = cli.nextReply(T)) {
                    assertEquals(ids.get(k), r.callId()); // newest first
                    assertEquals(k * 10L, r.body().get(JAVA_LONG_UNALIGNED, 0));
                }
            }
            assertEquals(0, cli.pending());
            assertThrows(TachyonException.State.class, () -> cli.nextReply(T));
        }
        assertEquals(null, srv.join());
    }

    @Test
    void deadlinesExpire() throws Exception {
        var srv = new ServerThread(conn -> {
            for (int i = 0; i < 2; i++) {
                conn.nextRequest(T);
                conn.defer();
            }
            conn.serve(METHODS, RpcTest::increment, null);
        });
        try (var cli = RpcClient.connect(srv.path); Arena a = Arena.ofConfined()) {
            assertThrows(TachyonException.Timeout.class, () -> cli.call(10, u64(a, 1), 8, Duration.ofMillis(30)));
            long id = cli.send(10, u64(a, 2), 8, Duration.ofMillis(30));
            var e = assertThrows(RpcCallException.class, () -> cli.nextReply(T));
            assertEquals(id, e.callId());
            assertEquals(ErrorCode.TIMEOUT, e.code());
            assertEquals(0, cli.pending());
            try (RpcReply r = cli.call(10, u64(a, 3), 8, T)) {
                assertEquals(4, r.body().get(JAVA_LONG_UNALIGNED, 0));
            }
        }
        assertEquals(null, srv.join());
    }

    /** The server of serverKilledFailsEveryPendingCall, in its own JVM: takes calls and never answers. */
    public static void main(String[] args) {
        try (var conn = RpcServer.listen(args[0], 1 << 16, Options.defaults().withTimeout(T))) {
            for (;;) {
                conn.nextRequest(null);
                conn.defer();
            }
        }
    }

    @Test
    void serverKilledFailsEveryPendingCall() throws Exception {
        String p = path("killed");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process server = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-Dtachyon.library=" + System.getProperty("tachyon.library"), "-cp",
                System.getProperty("java.class.path"), RpcTest.class.getName(), p).inheritIO().start();
        try (var cli = RpcClient.connect(p, Options.defaults().withTimeout(Duration.ofSeconds(30)));
                Arena a = Arena.ofConfined()) {
            for (int i = 0; i < 5; i++) {
                cli.send(10, u64(a, i), 8, null); // no deadline: only the server's death ends them
            }
            assertEquals(5, cli.pending());
            server.destroyForcibly().waitFor();
            // Not an RpcCallException: every pending call failed at once.
            assertThrows(TachyonException.PeerGone.class, () -> cli.nextReply(Duration.ofSeconds(30)));
            assertEquals(0, cli.pending());
            assertThrows(TachyonException.PeerGone.class, () -> cli.call(10, u64(a, 1), 8, Duration.ofSeconds(30)));
        } finally {
            server.destroyForcibly();
        }
    }

    @Test
    void hostileRepliesAreErrorsNotCrashes() throws Exception {
        var srv = new ServerThread(conn -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment big = a.allocate(64);
                var r = conn.nextRequest(T); // a call id the client never issued
                conn.defer();
                conn.replyTo(r.callId() + 7L * Rpc.MAX_INFLIGHT, 10, RpcStatus.OK, 0, big.asSlice(0, 8), T);
                r = conn.nextRequest(T); // larger than the call allows
                conn.defer();
                conn.replyTo(r.callId(), 10, RpcStatus.OK, 0, big, T);
                r = conn.nextRequest(T); // a status that does not exist
                conn.defer();
                conn.replyTo(r.callId(), 10, 9, 0, MemorySegment.NULL, T);
                r = conn.nextRequest(T); // short for its type
                conn.defer();
                conn.replyTo(r.callId(), 10, RpcStatus.OK, 0, big.asSlice(0, 4), T);
            }
            conn.serve(METHODS, RpcTest::increment, null);
        });
        try (var cli = RpcClient.connect(srv.path); Arena a = Arena.ofConfined()) {
            assertThrows(TachyonException.Corrupt.class, () -> cli.call(10, u64(a, 1), 8, T));
            long id = cli.send(10, u64(a, 2), 8, T);
            var e = assertThrows(RpcCallException.class, () -> cli.nextReply(T));
            assertEquals(id, e.callId());
            assertEquals(ErrorCode.TOO_LARGE, e.code());
            assertThrows(TachyonException.Corrupt.class, () -> cli.call(10, u64(a, 3), 8, T));
            assertThrows(TachyonException.Corrupt.class, () -> RpcTyped.of(cli.call(10, u64(a, 4), 8, T), 8, s -> s));
            assertEquals(0, cli.pending());
            try (RpcReply r = cli.call(10, u64(a, 5), 8, T)) {
                assertEquals(6, r.body().get(JAVA_LONG_UNALIGNED, 0));
            }
        }
        assertEquals(null, srv.join());
    }

    @Test
    void requestWrittenInPlaceAndServeInterrupted() throws Exception {
        var stop = new AtomicReference<RpcServer>();
        var caught = new AtomicReference<RuntimeException>();
        var closeAllowed = new java.util.concurrent.CountDownLatch(1);
        var srv = new ServerThread(conn -> {
            stop.set(conn);
            try {
                conn.serve(METHODS, RpcTest::increment, null);
            } catch (RuntimeException e) {
                caught.set(e);
            }
            try {
                closeAllowed.await(); // interrupt() must not race the close
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (var cli = RpcClient.connect(srv.path)) {
            long id = cli.sendInPlace(10, 8, 8, T, body -> body.set(JAVA_LONG_UNALIGNED, 0, 99L));
            try (RpcReply r = cli.nextReply(T)) {
                assertEquals(id, r.callId());
                assertEquals(100, r.body().get(JAVA_LONG_UNALIGNED, 0));
            }
            // Repeated: an interrupt that lands before serve() waits is not kept.
            for (int i = 0; i < 3000 && caught.get() == null; i++) {
                stop.get().interrupt();
                Thread.sleep(10);
            }
            closeAllowed.countDown();
            assertInstanceOf(TachyonException.Interrupted.class, caught.get());
        }
        assertEquals(null, srv.join());
    }

    @Test
    void connectWithoutServer() {
        assertThrows(TachyonException.NoListener.class,
                () -> RpcClient.connect(path("none"), Options.defaults().withTimeout(Duration.ofMillis(30))));
        assertTrue(Rpc.MAX_INFLIGHT > 32);
    }

    /**
     * Every blocking RPC call with no deadline (listen with no client, connect with no server, the server's
     * nextRequest and serve with no request, the client's call with no reply and nextReply with one call pending)
     * ends at Thread.interrupt of its thread, with Interrupted and the flag still set; the connection works on
     * afterwards (the call interrupted in nextReply is still pending and gets its reply), and the client's own
     * interrupt() still ends a wait, leaving the thread's flag clear.
     */
    @Test
    void everyBlockingRpcCallAnswersThreadInterrupt() throws Exception {
        Options forever = Options.defaults().withTimeout(Options.FOREVER);
        assertInterruptEnds(() -> RpcServer.listen(path("nobody-connects"), 1 << 16, forever).close());
        assertInterruptEnds(() -> RpcClient.connect(path("nobody-listens"), forever).close());

        var server = new AtomicReference<RpcServer>();
        var serverReady = new java.util.concurrent.CountDownLatch(1);
        var serveNow = new java.util.concurrent.CountDownLatch(1);
        var srv = new ServerThread(conn -> {
            server.set(conn);
            serverReady.countDown();
            try {
                serveNow.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            conn.serve(METHODS, RpcTest::increment, T);
        });
        try (var cli = RpcClient.connect(srv.path); Arena a = Arena.ofShared()) {
            assertTrue(serverReady.await(10, java.util.concurrent.TimeUnit.SECONDS));
            assertInterruptEnds(() -> server.get().nextRequest(null));
            assertInterruptEnds(() -> server.get().serve(METHODS, RpcTest::increment, null));

            assertInterruptEnds(() -> cli.call(10, u64(a, 1), 8, null).close());
            assertEquals(0, cli.pending()); // an interrupted call is abandoned (its late reply is dropped)
            long id = cli.send(10, u64(a, 41), 8, null);
            assertInterruptEnds(() -> cli.nextReply(null).close());
            assertEquals(1, cli.pending());

            var ownInterrupt = new AtomicReference<Throwable>();
            var flagAfter = new AtomicReference<Boolean>();
            Thread waiter = new Thread(() -> {
                try {
                    cli.nextReply(null).close();
                } catch (Throwable e) {
                    ownInterrupt.set(e);
                    flagAfter.set(Thread.currentThread().isInterrupted());
                }
            });
            waiter.start();
            Thread.sleep(200);
            cli.interrupt(); // one: a raised interrupt also ends the next wait if this one has not begun
            waiter.join(10_000);
            assertFalse(waiter.isAlive());
            assertInstanceOf(TachyonException.Interrupted.class, ownInterrupt.get());
            assertEquals(Boolean.FALSE, flagAfter.get());
            assertEquals(1, cli.pending());

            serveNow.countDown();
            try (RpcReply r = cli.nextReply(T)) {
                assertEquals(id, r.callId());
                assertEquals(42, r.body().get(JAVA_LONG_UNALIGNED, 0));
            }
        }
        assertEquals(null, srv.join());
    }

    /** Runs {@code wait} on a thread of its own, interrupts that thread, and checks how the wait ended. */
    private static void assertInterruptEnds(Runnable wait) throws Exception {
        var thrown = new AtomicReference<Throwable>();
        var flagSet = new AtomicReference<Boolean>();
        Thread t = new Thread(() -> {
            try {
                wait.run();
            } catch (Throwable e) {
                thrown.set(e);
                flagSet.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(200);
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertInstanceOf(TachyonException.Interrupted.class, thrown.get());
        assertEquals(Boolean.TRUE, flagSet.get());
    }
}
