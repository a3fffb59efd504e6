package io.tachyon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fan-out, fan-in and wait-sets: in this JVM, and against the C peer of tests/topology/peer.c (compiled here) in
 * both directions. Messages carry (tag, sequence) as two little-endian u64s, type id 7, as the C peer expects.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopologyTest {
    /** A thread per task: the common pool has a single worker on a two-core machine. */
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r);
        t.setDaemon(true);
        return t;
    });
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final Duration LONG = Duration.ofSeconds(10);
    private static Path peerDir;
    private static Path peer;

    static String name(String tag) {
        return "@tachyon-java-topo-" + ProcessHandle.current().pid() + "-" + tag + "-" + SEQ.incrementAndGet();
    }

    /** Compiles the C peer against the library the tests load. */
    @BeforeAll
    static void buildPeer() throws Exception {
        Path lib = Path.of(System.getProperty("tachyon.library")).toAbsolutePath().normalize();
        Path repo = lib.getParent().getParent().getParent();
        peerDir = Files.createTempDirectory("tachyon-java-topo");
        peer = peerDir.resolve("peer");
        Process cc = new ProcessBuilder("cc", "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror",
                "-I", repo.resolve("runtime/include").toString(), repo.resolve("tests/topology/peer.c").toString(),
                "-L", lib.getParent().toString(), "-ltachyon", "-Wl,-rpath," + lib.getParent(), "-o", peer.toString())
                .redirectErrorStream(true).start();
        String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, cc.waitFor(), "cc tests/topology/peer.c failed:\n" + out);
    }

    @AfterAll
    static void removePeer() throws IOException {
        Files.deleteIfExists(peer);
        Files.deleteIfExists(peerDir);
    }

    private static Process startPeer(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(peer.toString());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Waits for the peer to print {@code line} (its "joined" or "listening"). */
    private static BufferedReader awaitLine(Process p, String line) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals(line, r.readLine());
        return r;
    }

    private static String finish(Process p, BufferedReader r) throws Exception {
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "peer did not finish");
        String last = r.readLine();
        assertEquals(0, p.exitValue(), "peer failed, last line " + last);
        return last;
    }

    private static byte[] msg(long tag, long seq) {
        MemorySegment m = MemorySegment.ofArray(new byte[16]);
        m.set(JAVA_LONG_UNALIGNED, 0, tag);
        m.set(JAVA_LONG_UNALIGNED, 8, seq);
        return m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    private static long seqOf(Received r) {
        assertEquals(7, r.typeId());
        assertEquals(16, r.size());
        return r.segment().get(JAVA_LONG_UNALIGNED, 8);
    }

    private static long tagOf(Received r) {
        return r.segment().get(JAVA_LONG_UNALIGNED, 0);
    }

    /** Reads until PeerGone; returns the sequence numbers read. */
    private static List<Long> drain(Subscriber sub) {
        List<Long> seqs = new ArrayList<>();
        while (true) {
            try (Received r = sub.receive(LONG)) {
                seqs.add(seqOf(r));
            } catch (TachyonException.PeerGone e) {
                return seqs;
            }
        }
    }

    private static void assertRun(List<Long> seqs, long from, long count) {
        assertEquals(count, seqs.size(), "messages read");
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(from + i, seqs.get(i), "message " + i);
        }
    }

    // ---- fan-out --------------------------------------------------------------------------------

    @Test
    void everySubscriberReadsEveryMessageInOrder() throws Exception {
        String path = name("order");
        final int count = 5000;
        FanOut pub = FanOut.listen(path, 1 << 14, LagPolicy.BLOCK);
        try {
            List<Subscriber> subs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                subs.add(Subscriber.connect(path, Join.NEWEST));
            }
            assertEquals(4, pub.subscribers());
            List<CompletableFuture<List<Long>>> reads = new ArrayList<>();
            for (Subscriber s : subs) {
                reads.add(CompletableFuture.supplyAsync(() -> drain(s), THREADS));
            }
            for (long seq = 0; seq < count; seq++) {
                if (seq % 2 == 0) {
                    pub.send(MemorySegment.ofArray(msg(1, seq)), 7, LONG);
                } else {
                    try (FanOut.Reservation tx = pub.acquireTx(16, LONG)) {
                        tx.segment().set(JAVA_LONG_UNALIGNED, 0, 1L);
                        tx.segment().set(JAVA_LONG_UNALIGNED, 8, seq);
                        tx.commit(16, 7);
                    }
                }
            }
            pub.close();
            for (CompletableFuture<List<Long>> f : reads) {
                assertRun(f.get(30, TimeUnit.SECONDS), 0, count);
            }
            subs.forEach(Subscriber::close);
        } finally {
            pub.close();
        }
    }

    @Test
    void lateJoinersStartAtTheNewestOrTheOldest() {
        String path = name("late");
        try (FanOut pub = FanOut.listen(path, 1 << 16, LagPolicy.DROP)) {
            for (long seq = 0; seq < 10; seq++) {
                assertTrue(pub.trySend(msg(1, seq), 7));
            }
            try (Subscriber newest = Subscriber.connect(path, Join.NEWEST);
                    Subscriber oldest = Subscriber.connect(path, Join.OLDEST)) {
                assertNull(newest.tryReceive());
                pub.send(msg(1, 10), 7);
                try (Received r = newest.receive(LONG)) {
                    assertEquals(10, seqOf(r));
                }
                for (long seq = 0; seq <= 10; seq++) {
                    try (Received r = oldest.receive(LONG)) {
                        assertEquals(seq, seqOf(r));
                        assertNull(r.sender());
                    }
                }
                assertNull(oldest.tryReceive());
            }
        }
    }

    @Test
    void aReservationClosedWithoutCommitIsRolledBack() {
        String path = name("rollback");
        try (FanOut pub = FanOut.listen(path, 1 << 12, LagPolicy.BLOCK);
                Subscriber sub = Subscriber.connect(path, Join.NEWEST)) {
            try (FanOut.Reservation tx = pub.acquireTx(16)) {
                tx.segment().set(JAVA_LONG_UNALIGNED, 8, 99L);
            }
            assertNull(sub.tryReceive());
            pub.send(msg(1, 5), 7);
            try (Received r = sub.receive(LONG)) {
                assertEquals(5, seqOf(r));
            }
            assertThrows(TachyonException.TooLarge.class, () -> pub.trySend(new byte[(int) pub.maxMessageSize() + 1], 1));
        }
    }

    @Test
    void slowSubscriberUnderBlockHoldsTheProducerBack() {
        String path = name("block");
        try (FanOut pub = FanOut.listen(path, 4096, LagPolicy.BLOCK);
                Subscriber slow = Subscriber.connect(path, Join.NEWEST)) {
            long sent = 0;
            while (pub.trySend(msg(1, sent), 7)) {
                sent++;
                assertTrue(sent < 4096, "the producer never blocked");
            }
            assertTrue(sent > 10);
            assertThrows(TachyonException.Timeout.class,
                    () -> pub.send(MemorySegment.ofArray(msg(1, 0)), 7, Duration.ofMillis(60)));
            try (Received r = slow.receive(LONG)) {
                assertEquals(0, seqOf(r));
            }
            // One message read is room for one more; nothing was overwritten.
            pub.send(MemorySegment.ofArray(msg(1, sent)), 7, LONG);
            for (long seq = 1; seq <= sent; seq++) {
                try (Received r = slow.receive(LONG)) {
                    assertEquals(seq, seqOf(r));
                }
            }
        }
    }

    @Test
    void slowSubscriberUnderDropGetsLaggedAndRejoins() {
        String path = name("drop");
        try (FanOut pub = FanOut.listen(path, 4096, LagPolicy.DROP);
                Subscriber slow = Subscriber.connect(path, Join.NEWEST);
                Subscriber fast = Subscriber.connect(path, Join.NEWEST)) {
            pub.send(msg(1, 0), 7);
            Received held = slow.receive(LONG);
            assertEquals(0, seqOf(held));
            try (Received r = fast.receive(LONG)) {
                assertEquals(0, seqOf(r));
            }
            long seq = 1;
            for (; seq < 1000; seq++) {
                assertTrue(pub.trySend(msg(1, seq), 7), "DROP never makes the producer wait");
                try (Received r = fast.receive(LONG)) {
                    assertEquals(seq, seqOf(r));
                }
            }
            assertEquals(1, pub.subscribers());
            // Its bytes were needed: the release says so instead of a silent overwrite.
            assertThrows(TachyonException.Lagged.class, held::close);
            TachyonException e = assertThrows(TachyonException.Lagged.class, slow::tryReceive);
            assertEquals(ErrorCode.LAGGED, e.code());
            slow.rejoin(Join.NEWEST);
            assertEquals(2, pub.subscribers());
            pub.send(msg(1, seq), 7);
            try (Received r = slow.receive(LONG)) {
                assertEquals(seq, seqOf(r));
            }
        }
    }

    @Test
    void aKilledSubscriberStopsHoldingTheProducerBack() throws Exception {
        String path = name("killsub");
        try (FanOut pub = FanOut.listen(path, 4096, LagPolicy.BLOCK)) {
            Process p = startPeer("sub", path, "1000000");
            awaitLine(p, "joined");
            p.getInputStream().close();
            long deadline = System.nanoTime() + LONG.toNanos();
            while (pub.subscribers() < 1) {
                assertTrue(System.nanoTime() < deadline);
                Thread.sleep(1);
            }
            p.destroyForcibly().waitFor();
            // It was killed wherever it was: within the dead-peer bound the ring is the producer's again.
            for (long seq = 0; seq < 2000; seq++) {
                pub.send(MemorySegment.ofArray(msg(1, seq)), 7, Duration.ofSeconds(2));
            }
            assertEquals(0, pub.subscribers());
        }
    }

    @Test
    void subscribeWithoutAProducerTimesOutAndAFingerprintMismatchIsRefused() {
        String path = name("refuse");
        assertThrows(TachyonException.class,
                () -> Subscriber.connect(path, Join.NEWEST, Options.defaults().withTimeout(Duration.ofMillis(50))));
        try (FanOut pub = FanOut.listen(path, 4096, LagPolicy.BLOCK, Options.defaults().withFingerprint(0x1234))) {
            assertThrows(TachyonException.SchemaMismatch.class,
                    () -> Subscriber.connect(path, Join.NEWEST, Options.defaults().withFingerprint(0x4321)));
            assertEquals(0, pub.subscribers());
            assertThrows(TachyonException.Capacity.class, () -> FanOut.listen(name("cap"), 1000, LagPolicy.DROP));
        }
    }

    @Test
    void aBlockedReceiveAnswersThreadInterrupt() throws Exception {
        String path = name("interrupt");
        try (FanOut pub = FanOut.listen(path, 4096, LagPolicy.BLOCK);
                Subscriber sub = Subscriber.connect(path, Join.NEWEST)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    sub.receive().close();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            t.start();
            Thread.sleep(50);
            t.interrupt();
            t.join(5000);
            assertFalse(t.isAlive());
            assertInstanceOf(TachyonException.Interrupted.class, thrown.get());
            assertNotNull(pub);
        }
    }

    /**
     * Every other blocking topology call (fan-out send and acquireTx on a full ring, fan-in receive, a wait-set
     * wait, a subscribe with no producer) is one C call with no deadline here: Thread.interrupt must end it, with
     * Interrupted and the thread's flag still set.
     */
    @Test
    void everyBlockingTopologyCallAnswersThreadInterrupt() throws Exception {
        String path = name("interrupt-all");
        try (FanOut pub = FanOut.listen(path, 4096, LagPolicy.BLOCK);
                Subscriber sub = Subscriber.connect(path, Join.NEWEST)) {
            byte[] payload = new byte[256];
            int sent = 0;
            while (pub.trySend(payload, 1)) {
                sent++;
            }
            assertTrue(sent > 0);
            assertInterruptEnds(() -> pub.send(payload, 1));
            assertInterruptEnds(() -> pub.acquireTx(256).close());
            try (Received first = sub.receive()) { // the ring is still full: a reader is what the sender waits for
                assertEquals(1, first.typeId());
            }
        }
        try (FanIn fi = FanIn.listen(name("interrupt-fanin"), 1 << 12);
                WaitSet ws = new WaitSet()) {
            assertInterruptEnds(() -> fi.receive().close());
            ws.add(fi, 9);
            assertInterruptEnds(ws::waitReady);
        }
        assertInterruptEnds(() -> Subscriber.connect(name("interrupt-nobody"), Join.NEWEST,
                Options.defaults().withTimeout(Options.FOREVER)).close());
    }

    private static void assertInterruptEnds(Runnable wait) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flagSet = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                wait.run();
            } catch (Throwable e) {
                thrown.set(e);
                flagSet.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(50);
        t.interrupt();
        t.join(5000);
        assertFalse(t.isAlive());
        assertInstanceOf(TachyonException.Interrupted.class, thrown.get());
        assertEquals(Boolean.TRUE, flagSet.get());
    }

    // ---- fan-in ---------------------------------------------------------------------------------

    @Test
    void fanInDeliversEveryProducersMessagesInOrderWithTheSender() throws Exception {
        String path = name("fanin");
        final int producers = 4;
        final int count = 3000;
        try (FanIn fi = FanIn.listen(path, 1 << 12)) {
            List<CompletableFuture<Void>> sends = new ArrayList<>();
            for (int i = 0; i < producers; i++) {
                long tag = 100 + i;
                sends.add(CompletableFuture.runAsync(() -> {
                    try (Bus bus = Bus.connect(path)) {
                        for (long seq = 0; seq < count; seq++) {
                            bus.send(msg(tag, seq), 7);
                        }
                        bus.flush();
                    }
                }, THREADS));
            }
            Map<Long, Long> nextOfTag = new HashMap<>();
            Map<Long, Long> tagOfSender = new HashMap<>();
            for (int n = 0; n < producers * count; n++) {
                try (Received r = fi.receive(LONG)) {
                    long tag = tagOf(r);
                    Sender from = r.sender();
                    assertNotNull(from);
                    assertEquals(ProcessHandle.current().pid(), from.pid());
                    assertEquals(tag, (long) tagOfSender.computeIfAbsent(from.id(), k -> tag),
                            "one sender id, one producer");
                    long want = nextOfTag.getOrDefault(tag, 0L);
                    assertEquals(want, seqOf(r), "producer " + tag);
                    nextOfTag.put(tag, want + 1);
                }
            }
            for (CompletableFuture<Void> f : sends) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertEquals(producers, nextOfTag.size());
            assertNull(fi.tryReceive());
        }
    }

    @Test
    void aKilledProducersCommittedMessagesAreStillDelivered() throws Exception {
        String path = name("killprod");
        try (FanIn fi = FanIn.listen(path, 4096)) {
            Process p = startPeer("prod", path, "9", "1000000");
            long deadline = System.nanoTime() + LONG.toNanos();
            while (fi.producers() < 1) {
                assertTrue(System.nanoTime() < deadline, "the producer never joined");
                Thread.sleep(1);
            }
            Thread.sleep(100); // it fills its ring and waits
            p.destroyForcibly().waitFor();
            long next = 0;
            while (true) {
                try (Received r = fi.receive(Duration.ofMillis(500))) {
                    assertEquals(9, tagOf(r));
                    assertEquals(next++, seqOf(r));
                } catch (TachyonException.Timeout e) {
                    break;
                }
            }
            assertTrue(next > 10, "delivered " + next);
            assertEquals(0, fi.producers());
        }
    }

    // ---- wait-sets ------------------------------------------------------------------------------

    private static final MethodHandle POLL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("poll").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.JAVA_LONG, JAVA_INT));

    /** Whether {@code fd} is readable within {@code ms} (libc poll). */
    private static boolean readable(int fd, int ms) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(8);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, (short) 1); // POLLIN
            int n = (int) POLL.invokeExact(pfd, 1L, ms);
            return n == 1 && (pfd.get(JAVA_SHORT, 6) & 1) != 0;
        }
    }

    @Test
    void waitSetWakesForAnyKindOfMemberAndItsFdTurnsReadable() throws Throwable {
        String fo = name("ws-fo");
        String fin = name("ws-fi");
        String bp = name("ws-bus");
        try (FanOut pub = FanOut.listen(fo, 4096, LagPolicy.DROP);
                Subscriber sub = Subscriber.connect(fo, Join.NEWEST);
                FanIn fi = FanIn.listen(fin, 4096);
                Bus producerIn = Bus.connect(fin)) {
            CompletableFuture<Bus> accepted = CompletableFuture.supplyAsync(() -> Bus.listen(bp, 4096), THREADS);
            try (Bus producer = Bus.connect(bp, Options.defaults().withTimeout(LONG));
                    Bus consumer = accepted.get(10, TimeUnit.SECONDS);
                    WaitSet ws = new WaitSet()) {
                ws.add(consumer, 1);
                ws.add(sub, 2);
                ws.add(fi, 3);
                assertEquals(3, ws.size());
                assertThrows(IllegalArgumentException.class, () -> ws.add(sub, 2));
                assertArrayEquals(new long[0], ws.waitReady(Duration.ofMillis(30)));

                pub.send(msg(1, 0), 7);
                assertArrayEquals(new long[] {2}, ws.waitReady(LONG));
                try (Received r = sub.tryReceive()) {
                    assertEquals(0, seqOf(r));
                }
                CompletableFuture<long[]> later = CompletableFuture.supplyAsync(() -> ws.waitReady(LONG), THREADS);
                Thread.sleep(30);
                producerIn.send(msg(5, 0), 7);
                producerIn.flush();
                assertArrayEquals(new long[] {3}, later.get(10, TimeUnit.SECONDS));
                try (Received r = fi.tryReceive()) {
                    assertEquals(5, tagOf(r));
                }

                // The readiness fd: quiet while nothing is there, readable when the bus has a message.
                int fd = ws.fd();
                assertArrayEquals(new long[0], ws.poll());
                assertFalse(readable(fd, 30));
                producer.send(msg(2, 0), 7);
                producer.flush();
                assertTrue(readable(fd, 5000));
                assertArrayEquals(new long[] {1}, ws.poll());
                try (Message m = consumer.tryReceive()) {
                    assertEquals(16, m.size());
                }
                assertArrayEquals(new long[0], ws.poll());
                assertFalse(readable(fd, 30));

                ws.remove(1);
                assertThrows(TachyonException.State.class, () -> ws.remove(1));
                assertEquals(2, ws.size());
            }
        }
    }

    // ---- across languages -----------------------------------------------------------------------

    @Test
    void cPublisherToJavaSubscribers() throws Exception {
        String path = name("c-pub");
        Process p = startPeer("pub", path, "2", "5000");
        try (Subscriber a = Subscriber.connect(path, Join.NEWEST, Options.defaults().withTimeout(LONG));
                Subscriber b = Subscriber.connect(path, Join.NEWEST, Options.defaults().withTimeout(LONG))) {
            CompletableFuture<List<Long>> fa = CompletableFuture.supplyAsync(() -> drain(a), THREADS);
            assertRun(drain(b), 0, 5000);
            assertRun(fa.get(30, TimeUnit.SECONDS), 0, 5000);
        }
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
    }

    @Test
    void javaPublisherToCSubscribers() throws Exception {
        String path = name("java-pub");
        FanOut pub = FanOut.listen(path, 1 << 12, LagPolicy.BLOCK);
        try {
            Process c1 = startPeer("sub", path, "5000");
            Process c2 = startPeer("sub", path, "5000");
            BufferedReader r1 = awaitLine(c1, "joined");
            BufferedReader r2 = awaitLine(c2, "joined");
            for (long seq = 0; seq < 5000; seq++) {
                pub.send(MemorySegment.ofArray(msg(1, seq)), 7, LONG);
            }
            pub.close();
            assertEquals("sub ok 5000", finish(c1, r1));
            assertEquals("sub ok 5000", finish(c2, r2));
        } finally {
            pub.close();
        }
    }

    @Test
    void cProducersToJavaFanIn() throws Exception {
        String path = name("c-prod");
        try (FanIn fi = FanIn.listen(path, 4096)) {
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ps.add(startPeer("prod", path, String.valueOf(20 + i), "4000"));
            }
            Map<Long, Long> next = new HashMap<>();
            Map<Long, Long> pids = new HashMap<>();
            for (int n = 0; n < 3 * 4000; n++) {
                try (Received r = fi.receive(LONG)) {
                    long tag = tagOf(r);
                    long want = next.getOrDefault(tag, 0L);
                    assertEquals(want, seqOf(r));
                    next.put(tag, want + 1);
                    assertEquals((long) pids.computeIfAbsent(tag, k -> (long) r.sender().pid()), r.sender().pid());
                }
            }
            for (Process p : ps) {
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue());
                assertTrue(pids.containsValue(p.pid()), "a message from pid " + p.pid());
            }
        }
    }

    @Test
    void javaProducersToCFanIn() throws Exception {
        String path = name("c-fanin");
        Process c = startPeer("fanin", path, "3", "4000");
        BufferedReader r = awaitLine(c, "listening");
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long tag = 30 + i;
            sends.add(CompletableFuture.runAsync(() -> {
                try (Bus bus = Bus.connect(path, Options.defaults().withTimeout(LONG))) {
                    for (long seq = 0; seq < 4000; seq++) {
                        bus.send(msg(tag, seq), 7);
                    }
                }
            }, THREADS));
        }
        for (CompletableFuture<Void> f : sends) {
            f.get(20, TimeUnit.SECONDS);
        }
        assertEquals("fanin ok 3 4000", finish(c, r));
    }

    // ---- the README ---------------------------------------------------------------------------

    /** The README's Java topology example, compiled with the JDK's compiler, run here, and its output compared. */
    @Test
    void theReadmeExampleRunsAndPrintsWhatTheReadmeShows() throws Exception {
        Path repo = Path.of(System.getProperty("tachyon.library")).toAbsolutePath().normalize()
                .getParent().getParent().getParent();
        String readme = Files.readString(repo.resolve("README.md"));
        String section = readme.substring(readme.indexOf("In Java (`io.tachyon.FanOut`"));
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("```java\\n(.*?)```\\n.*?```text\\n(.*?)```", java.util.regex.Pattern.DOTALL).matcher(section);
        assertTrue(m.find(), "a ```java block and its ```text output under \"In Java (`io.tachyon.FanOut`\"");
        String tag = ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
        String source = m.group(1).replace("\"@ticks\"", "\"@readme-ticks-" + tag + "\"")
                .replace("\"@orders\"", "\"@readme-orders-" + tag + "\"");
        Path dir = Files.createTempDirectory("tachyon-java-readme");
        try {
            Files.writeString(dir.resolve("TopologyExample.java"), source);
            String classes = Path.of(FanOut.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
            java.io.ByteArrayOutputStream diag = new java.io.ByteArrayOutputStream();
            int rc = javac.run(null, diag, diag, "-Xlint:all", "-Werror", "-cp", classes, "-d", dir.toString(),
                    dir.resolve("TopologyExample.java").toString());
            assertEquals(0, rc, "the README example does not compile:\n" + diag);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.PrintStream saved = System.out;
            try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                    TopologyTest.class.getClassLoader())) {
                System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
                loader.loadClass("TopologyExample").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
            } finally {
                System.setOut(saved);
            }
            assertEquals(m.group(2), out.toString(StandardCharsets.UTF_8));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
