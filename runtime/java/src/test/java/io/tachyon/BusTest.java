package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binding over an in-process arena (both sides in this JVM) and over real sockets. */
class BusTest {
    private static final long CAPACITY = 1 << 16;
    private static final AtomicInteger SEQ = new AtomicInteger();

    private Arena memory;
    private MemorySegment mem;
    private Bus producer;
    private Bus consumer;

    static String socketName(String tag) {
        return "@tachyon-java-test-" + ProcessHandle.current().pid() + "-" + tag + "-" + SEQ.incrementAndGet();
    }

    @BeforeEach
    void arena() {
        memory = Arena.ofShared();
        mem = memory.allocate(Bus.arenaSize(CAPACITY), 64);
        Bus.formatArena(mem, CAPACITY, 0);
        producer = Bus.attachArena(mem, Role.PRODUCER);
        consumer = Bus.attachArena(mem, Role.CONSUMER);
    }

    @AfterEach
    void close() {
        producer.close();
        consumer.close();
        memory.close();
    }

    private void sendLong(long value, int typeId) {
        try (Tx tx = producer.acquireTx(8)) {
            tx.segment().set(JAVA_LONG_UNALIGNED, 0, value);
            tx.commit(8, typeId);
        }
    }

    @Test
    void roundTripInPlace() {
        assertEquals(Role.PRODUCER, producer.role());
        assertEquals(Role.CONSUMER, consumer.role());
        assertEquals(CAPACITY, consumer.capacity());
        assertTrue(producer.maxMessageSize() > 0 && producer.maxMessageSize() < CAPACITY);
        sendLong(0x1122334455667788L, 7);
        producer.flush();
        try (Message msg = consumer.receive()) {
            assertEquals(7, msg.typeId());
            assertEquals(8, msg.size());
            assertEquals(0x1122334455667788L, msg.segment().get(JAVA_LONG_UNALIGNED, 0));
            assertTrue(msg.segment().isReadOnly());
        }
        assertNull(consumer.tryReceive());
        assertEquals(1, producer.stats().messages());
        assertEquals(1, consumer.stats().messages());
    }

    @Test
    void sendCopiesBytesAndEmptyPayloads() {
        byte[] data = {1, 2, 3, 4, 5};
        producer.send(data, 3);
        producer.send(new byte[0], 0);
        producer.flush();
        try (Message msg = consumer.receive()) {
            assertArrayEquals(data, msg.toByteArray());
            assertEquals(3, msg.typeId());
        }
        try (Message msg = consumer.receive()) {
            assertEquals(0, msg.size());
            assertEquals(0, msg.typeId());
        }
    }

    @Test
    void txViewIsUnusableAfterCommit() {
        MemorySegment kept;
        try (Tx tx = producer.acquireTx(16)) {
            kept = tx.segment();
            kept.set(JAVA_BYTE, 0, (byte) 9);
            tx.commit(16, 1);
            assertTrue(tx.isDone());
            assertThrows(IllegalStateException.class, () -> tx.commit(16, 1));
        }
        assertThrows(IllegalStateException.class, () -> kept.get(JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> kept.set(JAVA_BYTE, 0, (byte) 1));
    }

    @Test
    void messageViewIsUnusableAfterCommit() {
        sendLong(42, 1);
        producer.flush();
        MemorySegment kept;
        try (Message msg = consumer.receive()) {
            kept = msg.segment();
            assertEquals(42, kept.get(JAVA_LONG_UNALIGNED, 0));
        }
        assertThrows(IllegalStateException.class, () -> kept.get(JAVA_LONG_UNALIGNED, 0));
    }

    @Test
    void guardClosedWithoutCommitRollsBack() {
        try (Tx tx = producer.acquireTx(8)) {
            tx.segment().set(JAVA_LONG_UNALIGNED, 0, 1L);
        }
        producer.flush();
        assertNull(consumer.tryReceive());
        sendLong(2, 2);
        producer.flush();
        try (Message msg = consumer.receive()) {
            assertEquals(2, msg.segment().get(JAVA_LONG_UNALIGNED, 0));
        }
    }

    @Test
    void drainBatchTakesEverythingAvailable() {
        for (long i = 0; i < 10; i++) {
            sendLong(i * 3, (int) i);
        }
        producer.flush();
        MemorySegment kept;
        try (Batch batch = consumer.drainBatch(64)) {
            assertEquals(10, batch.count());
            for (int i = 0; i < 10; i++) {
                assertEquals(i, batch.typeId(i));
                assertEquals(i * 3L, batch.segment(i).get(JAVA_LONG_UNALIGNED, 0));
            }
            kept = batch.segment(0);
        }
        assertThrows(IllegalStateException.class, () -> kept.get(JAVA_LONG_UNALIGNED, 0));
        try (Batch empty = consumer.drainBatch(4)) {
            assertTrue(empty.isEmpty());
        }
        assertThrows(IllegalArgumentException.class, () -> consumer.drainBatch(0));
    }

    @Test
    void fullRingAndNonBlockingCalls() {
        int sent = 0;
        while (producer.trySend(MemorySegment.ofArray(new byte[200]), 1)) {
            sent++;
        }
        assertTrue(sent > 0);
        assertNull(producer.tryAcquireTx(200));
        var e = assertThrows(TachyonException.Timeout.class,
                () -> producer.acquireTx(200, Duration.ofMillis(20)));
        assertEquals(ErrorCode.TIMEOUT, e.code());
        producer.flush();
        int got = 0;
        while (true) {
            try (Message m = consumer.tryReceive()) {
                if (m == null) {
                    break;
                }
                got++;
            }
        }
        assertEquals(sent, got);
    }

    @Test
    void tooLargeIsRefused() {
        var e = assertThrows(TachyonException.TooLarge.class, () -> producer.acquireTx(CAPACITY * 4));
        assertEquals(ErrorCode.TOO_LARGE, e.code());
        assertTrue(e.getMessage().startsWith("acquireTx: "), e.getMessage());
    }

    @Test
    void wrongRoleIsAStateError() {
        assertThrows(TachyonException.State.class, () -> consumer.flush());
    }

    @Test
    void receiveTimesOut() {
        assertThrows(TachyonException.Timeout.class, () -> consumer.receive(Duration.ofMillis(30)));
        // Longer than the C library's watchdog period: the interrupt check answers "go on" and the wait ends at
        // its deadline, not early.
        assertThrows(TachyonException.Timeout.class, () -> consumer.receive(Duration.ofMillis(350)));
    }

    @Test
    void blockedReceiveAnswersInterrupt() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (Message m = consumer.receive()) {
                thrown.set(new AssertionError("received " + m));
            } catch (Throwable e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(50);
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive(), "receive did not return after interrupt");
        assertTrue(thrown.get() instanceof TachyonException.Interrupted, String.valueOf(thrown.get()));
        assertTrue(flag.get(), "the interrupt flag stays set");
    }

    @Test
    void blockedAcquireAnswersInterrupt() throws Exception {
        while (producer.trySend(MemorySegment.ofArray(new byte[200]), 1)) {
            // fill the ring
        }
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (Tx tx = producer.acquireTx(200)) {
                thrown.set(new AssertionError("acquired " + tx));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        Thread.sleep(50);
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertTrue(thrown.get() instanceof TachyonException.Interrupted, String.valueOf(thrown.get()));
    }

    @Test
    void blockedListenAnswersInterrupt() throws Exception {
        String path = socketName("listen-interrupt");
        assertEndsAtInterrupt(() -> Bus.listen(path, 1 << 16,
                Options.defaults().withTimeout(Duration.ofSeconds(120))).close());
    }

    @Test
    void blockedConnectAnswersInterrupt() throws Exception {
        String path = socketName("connect-interrupt"); // nobody listens: connect waits for a listener
        assertEndsAtInterrupt(() -> Bus.connect(path, Options.defaults().withTimeout(Duration.ofSeconds(120))).close());
    }

    @Test
    void aPendingInterruptEndsAWaitBeforeItStarts() {
        Thread.currentThread().interrupt();
        try {
            assertThrows(TachyonException.Interrupted.class, () -> consumer.receive());
            assertTrue(Thread.currentThread().isInterrupted(), "the flag stays set");
        } finally {
            Thread.interrupted();
        }
    }

    /**
     * Runs {@code blocking} (a wait of two minutes) on a thread, interrupts it, and checks that the wait ends with
     * Interrupted and the flag set: long before its own timeout, so it was the interrupt that ended it.
     */
    private static void assertEndsAtInterrupt(Runnable blocking) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                blocking.run();
                thrown.set(new AssertionError("the wait returned"));
            } catch (Throwable e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(300);
        t.interrupt();
        t.join(60_000);
        assertFalse(t.isAlive(), "the wait did not end after Thread.interrupt()");
        assertTrue(thrown.get() instanceof TachyonException.Interrupted, String.valueOf(thrown.get()));
        assertTrue(flag.get(), "the interrupt flag stays set");
    }

    @Test
    void closedBusRefusesCalls() {
        producer.close();
        producer.close(); // twice is fine
        assertTrue(producer.isClosed());
        assertThrows(IllegalStateException.class, () -> producer.acquireTx(8));
        assertThrows(IllegalStateException.class, producer::flush);
    }

    @Test
    void closingTheBusUnderAnOpenTxSendsNothingAndKeepsItsViewSafe() {
        Tx tx = producer.acquireTx(8);
        MemorySegment seg = tx.segment();
        producer.close();
        assertTrue(producer.isClosed());
        assertThrows(IllegalStateException.class, () -> producer.acquireTx(8));
        // The ring stays mapped while the guard is open: the view still works, its bytes go nowhere.
        seg.set(JAVA_LONG_UNALIGNED, 0, 5L);
        assertEquals(5L, seg.get(JAVA_LONG_UNALIGNED, 0));
        var e = assertThrows(IllegalStateException.class, () -> tx.commit(8, 1));
        assertTrue(e.getMessage().contains("nothing was sent"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> seg.get(JAVA_BYTE, 0));
        tx.close(); // already ended: no second rollback, no error
        assertThrows(TachyonException.PeerGone.class, consumer::tryReceive); // released: the consumer sees it go
    }

    @Test
    void closingTheBusUnderAnOpenMessageKeepsItsViewUntilItIsClosed() {
        sendLong(42, 1);
        producer.flush();
        Message msg = consumer.receive();
        MemorySegment seg = msg.segment();
        consumer.close();
        assertEquals(42, seg.get(JAVA_LONG_UNALIGNED, 0));
        msg.close();
        assertThrows(IllegalStateException.class, () -> seg.get(JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, consumer::receive);
    }

    @Test
    void receivedIteratesUntilThePeerIsGoneAndReleasesEachMessage() {
        for (long i = 1; i <= 100; i++) {
            sendLong(i, 1);
        }
        producer.close(); // flushes; the consumer sees PeerGone after the 100
        long sum = 0;
        MemorySegment previous = null;
        for (Message msg : consumer.received()) {
            if (previous != null) {
                MemorySegment p = previous;
                assertThrows(IllegalStateException.class, () -> p.get(JAVA_BYTE, 0)); // released by the loop
            }
            sum += msg.segment().get(JAVA_LONG_UNALIGNED, 0);
            previous = msg.segment();
        }
        assertEquals(5050, sum);
    }

    @Test
    void aReceivedLoopThatStopsEarlyIsClosedWithTheBus() {
        sendLong(7, 1);
        sendLong(8, 1);
        producer.flush();
        MemorySegment kept = null;
        for (Message msg : consumer.received()) {
            kept = msg.segment();
            break;
        }
        assertEquals(7, kept.get(JAVA_LONG_UNALIGNED, 0));
        consumer.close();
        MemorySegment k = kept;
        assertThrows(IllegalStateException.class, () -> k.get(JAVA_BYTE, 0));
    }

    // ---- Inbox: the batch fast path ---------------------------------------------------

    @Test
    void inboxTakesABatchOfOne() {
        sendLong(99, 5);
        producer.flush();
        Inbox inbox = consumer.inbox(16);
        assertTrue(inbox.next(Duration.ofSeconds(5)));
        assertEquals(1, inbox.count());
        assertEquals(5, inbox.typeId(0));
        assertEquals(8, inbox.size(0));
        MemorySegment p = inbox.payload(0);
        assertTrue(p.isReadOnly());
        assertEquals(8, p.byteSize());
        assertEquals(99, p.get(JAVA_LONG_UNALIGNED, 0));
        assertEquals(99, inbox.segment().get(JAVA_LONG_UNALIGNED, inbox.offset(0)));
        assertThrows(IndexOutOfBoundsException.class, () -> inbox.typeId(1));
        assertEquals(0, inbox.poll()); // releases the batch: the payload is gone with it
        assertThrows(IllegalStateException.class, () -> p.get(JAVA_BYTE, 0));
        assertEquals(1, consumer.stats().messages());
        assertThrows(IllegalArgumentException.class, () -> consumer.inbox(0));
    }

    @Test
    void inboxTakesUpToMaxInOrderAndReleasesEachBatch() {
        for (long i = 0; i < 10; i++) {
            sendLong(i * 3, (int) i);
        }
        producer.flush();
        Inbox inbox = consumer.inbox(4);
        int[] counts = new int[3];
        List<Long> seen = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            counts[b] = inbox.poll();
            inbox.forEach((typeId, payload) -> {
                assertEquals(seen.size(), typeId);
                seen.add(payload.get(JAVA_LONG_UNALIGNED, 0));
            });
        }
        assertArrayEquals(new int[] {4, 4, 2}, counts);
        assertEquals(List.of(0L, 3L, 6L, 9L, 12L, 15L, 18L, 21L, 24L, 27L), seen);
        assertEquals(8, consumer.stats().messages()); // the last batch is still held
        inbox.commit();
        assertEquals(10, consumer.stats().messages());
        assertEquals(0, inbox.poll());
        assertEquals(0, inbox.count());
    }

    @Test
    void inboxBatchAcrossTheRingsWrap() {
        byte[] body = new byte[1000]; // a 1024-byte frame: 64 fill the ring's 64 KiB
        Inbox inbox = consumer.inbox(256);
        for (int lap = 0; lap < 2; lap++) { // 60 frames, ending 4 before the ring's end
            for (int i = 0; i < 30; i++) {
                producer.send(body, 1);
            }
            producer.flush();
            assertEquals(30, inbox.poll());
        }
        for (int i = 60; i < 70; i++) {
            body[0] = (byte) i;
            body[999] = (byte) ~i;
            producer.send(body, i);
        }
        producer.flush();
        assertEquals(10, inbox.poll());
        boolean wrapped = false;
        for (int k = 0; k < 10; k++) {
            MemorySegment p = inbox.payload(k);
            assertEquals(60 + k, inbox.typeId(k));
            assertEquals(1000, p.byteSize());
            assertEquals((byte) (60 + k), p.get(JAVA_BYTE, 0));
            assertEquals((byte) ~(60 + k), p.get(JAVA_BYTE, 999));
            wrapped |= k > 0 && inbox.offset(k) < inbox.offset(k - 1);
        }
        assertTrue(wrapped, "the batch did not cross the ring's end");
        inbox.close();
        assertThrows(IllegalStateException.class, inbox::poll);
        assertEquals(70, consumer.stats().messages());
    }

    @Test
    void inboxReportsACorruptFrame() {
        sendLong(1, 1);
        producer.flush();
        int headerSize = mem.get(JAVA_INT_UNALIGNED, 16);
        long stamp = mem.get(JAVA_LONG_UNALIGNED, headerSize + 8);
        mem.set(JAVA_LONG_UNALIGNED, headerSize + 8, stamp ^ 0x40);
        Inbox inbox = consumer.inbox(8);
        assertThrows(TachyonException.Corrupt.class, inbox::poll);
        assertThrows(TachyonException.Corrupt.class, () -> inbox.next(Duration.ofSeconds(1)));
        assertEquals(0, inbox.count());
    }

    @Test
    void inboxCommitWithoutABatchIsAnError() {
        Inbox inbox = consumer.inbox(8);
        assertThrows(IllegalStateException.class, inbox::commit);
        assertEquals(0, inbox.poll());
        assertThrows(IllegalStateException.class, inbox::commit);
        assertThrows(IllegalStateException.class, inbox::segment);
        sendLong(3, 1);
        producer.flush();
        assertEquals(1, inbox.poll());
        assertThrows(TachyonException.State.class, consumer::tryReceive); // one hold at a time
        inbox.commit();
        assertThrows(IllegalStateException.class, inbox::commit);
        assertNull(consumer.tryReceive());
    }

    @Test
    void inboxEndsWhenTheProducerIsGone() {
        for (long i = 1; i <= 100; i++) {
            sendLong(i, 1);
        }
        producer.close();
        long sum = 0;
        int batches = 0;
        Inbox inbox = consumer.inbox(32);
        while (inbox.next()) {
            batches++;
            for (int k = 0; k < inbox.count(); k++) {
                sum += inbox.payload(k).get(JAVA_LONG_UNALIGNED, 0);
            }
        }
        assertEquals(5050, sum);
        assertEquals(4, batches);
        assertFalse(inbox.next());
        assertThrows(TachyonException.PeerGone.class, inbox::poll);
    }

    @Test
    void inboxTimesOut() {
        Inbox inbox = consumer.inbox(8);
        assertThrows(TachyonException.Timeout.class, () -> inbox.next(Duration.ofMillis(20)));
    }

    @Test
    void closingTheBusWhileIteratingABatchDropsIt() {
        for (long i = 0; i < 4; i++) {
            sendLong(i, 1);
        }
        producer.flush();
        Inbox inbox = consumer.inbox(8);
        assertEquals(4, inbox.poll());
        List<MemorySegment> kept = new ArrayList<>();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> inbox.forEach((typeId, p) -> {
            kept.add(p);
            consumer.close();
        }));
        assertEquals("the bus was closed", e.getMessage());
        assertEquals(1, kept.size());
        assertThrows(IllegalStateException.class, () -> kept.get(0).get(JAVA_BYTE, 0));
        assertEquals(0, inbox.count());
        assertThrows(IllegalStateException.class, inbox::poll);
        inbox.close();
    }

    /** The inbox allocates per batch, not per message: a round of 256 messages in one batch stays under 2 bytes each. */
    @Test
    void inboxLoopAllocatesNothingPerMessageOnceCompiled() throws Exception {
        String last = runProbe(AllocationProbe.class.getName(), "inbox");
        long bytes = Long.parseLong(last.split(" ")[0].substring("bytes=".length()));
        assertTrue(bytes <= 512, last);
    }

    /**
     * The bus keeps no reference to an open guard, so the JIT can take a guard, its arena and its view apart: once
     * compiled, a loop of acquire/write/commit and receive/read/release allocates nothing (AllocationProbe, in a JVM
     * of its own). A field holding the guard (as the binding once had) makes every message allocate about 150
     * bytes, and this fails.
     */
    @Test
    void sendAndReceiveLoopsAllocateNothingOnceCompiled() throws Exception {
        assertEquals("bytes=0", runProbe(AllocationProbe.class.getName()).split(" ")[0]);
    }

    /** Runs {@code mainClass} of the test class path in a new JVM like this one; returns its last output line. */
    static String runProbe(String mainClass, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dtachyon.library=" + System.getProperty("tachyon.library", ""),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe did not end");
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void listenAndConnectOverASocket() throws Exception {
        String path = socketName("pair");
        long fp = 0x1234_5678_9abc_def0L;
        CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
            try (Bus bus = Bus.listen(path, 1 << 16,
                    Options.defaults().withFingerprint(fp).withTimeout(Duration.ofSeconds(20)))) {
                long sum = 0;
                while (true) {
                    try (Message m = bus.receive(Duration.ofSeconds(20))) {
                        if (m.typeId() == 0) {
                            return sum;
                        }
                        sum += m.segment().get(JAVA_LONG_UNALIGNED, 0);
                    }
                }
            }
        });
        try (Bus bus = connectRetrying(path, Options.defaults().withFingerprint(fp))) {
            assertEquals(fp, bus.schemaFingerprint());
            assertTrue(bus.peerAlive());
            for (long i = 1; i <= 1000; i++) {
                try (Tx tx = bus.acquireTx(8)) {
                    tx.segment().set(JAVA_LONG_UNALIGNED, 0, i);
                    tx.commit(1);
                }
            }
            bus.send(new byte[0], 0);
        }
        assertEquals(500500L, received.get(30, TimeUnit.SECONDS));
    }

    @Test
    void peerGoneAfterEverythingWasDelivered() throws Exception {
        String path = socketName("gone");
        CompletableFuture<Integer> counted = CompletableFuture.supplyAsync(() -> {
            int n = 0;
            try (Bus bus = Bus.listen(path, 1 << 16, Options.defaults().withTimeout(Duration.ofSeconds(20)))) {
                while (true) {
                    try (Message m = bus.receive()) {
                        assertEquals((byte) n, m.segment().get(JAVA_BYTE, 0));
                        n++;
                    } catch (TachyonException.PeerGone e) {
                        return n;
                    }
                }
            }
        });
        try (Bus bus = connectRetrying(path, Options.defaults())) {
            for (int i = 0; i < 77; i++) {
                bus.send(new byte[] {(byte) i}, 1);
            }
        }
        assertEquals(77, counted.get(30, TimeUnit.SECONDS));
    }

    @Test
    void schemaMismatchFailsBothSides() throws Exception {
        String path = socketName("mismatch");
        CompletableFuture<Throwable> listener = CompletableFuture.supplyAsync(() -> {
            try (Bus bus = Bus.listen(path, 1 << 16,
                    Options.defaults().withFingerprint(1).withTimeout(Duration.ofSeconds(20)))) {
                return new AssertionError("listen succeeded: " + bus);
            } catch (Throwable e) {
                return e;
            }
        });
        var e = assertThrows(TachyonException.SchemaMismatch.class,
                () -> connectRetrying(path, Options.defaults().withFingerprint(2)).close());
        assertEquals(ErrorCode.SCHEMA_MISMATCH, e.code());
        assertTrue(listener.get(30, TimeUnit.SECONDS) instanceof TachyonException.SchemaMismatch);
    }

    @Test
    void connectErrors() {
        var e = assertThrows(TachyonException.NoListener.class,
                () -> Bus.connect(socketName("nobody"), Options.defaults().withTimeout(Duration.ofMillis(50))));
        assertTrue(e.getMessage().contains("waited"), e.getMessage()); // the detail line says how long
        assertThrows(TachyonException.PathTooLong.class, () -> Bus.connect("/tmp/" + "x".repeat(200)));
        assertThrows(TachyonException.Capacity.class,
                () -> Bus.listen(socketName("cap"), 1000, Options.defaults().withTimeout(Duration.ofMillis(10))));
    }

    @Test
    void optionsTimeouts() {
        assertEquals(0, Options.defaults().timeoutNanos());
        assertEquals(-1, Options.defaults().withTimeout(Options.FOREVER).timeoutNanos());
        assertEquals(5, Options.defaults().withTimeout(Duration.ofNanos(5)).timeoutNanos());
        assertEquals(2_500_000_000L, Options.defaults().withTimeout(Duration.ofMillis(2500)).timeoutNanos());
        assertThrows(IllegalArgumentException.class,
                () -> Options.defaults().withTimeout(Duration.ofMillis(-1)).timeoutNanos());
        assertTrue(Options.defaults().withAnyUid().allowAnyUid());
    }

    static Bus connectRetrying(String path, Options options) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return Bus.connect(path, options);
            } catch (TachyonException.NoListener e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void tooLargeSaysTheSizes() {
        var e = assertThrows(TachyonException.TooLarge.class, () -> producer.acquireTx(CAPACITY));
        assertTrue(e.getMessage().contains(Long.toString(CAPACITY)), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(producer.maxMessageSize())), e.getMessage());
        assertEquals(0, e.osErrno());
    }
}
