package io.tachyon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Run in a JVM of its own by {@link BusTest}: sends and receives rounds of 256 messages over an in-process arena
 * until a round allocates nothing (the JIT compiled the loop and took the guards apart) or 3000 rounds passed, and
 * prints {@code bytes=B rounds=R}, B being the last round's allocation. With the argument {@code inbox} the
 * receive side is an {@link Inbox} taking each round as one batch, which allocates once per batch (its view's
 * arena): the rounds go on until one allocates at most 512 bytes, 2 per message, or 20000 rounds passed. A JVM of
 * its own, because what other tests ran before (waits that made the slow paths hot) changes what the JIT inlines.
 */
public final class AllocationProbe {
    private AllocationProbe() {}

    public static void main(String[] args) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long capacity = 1 << 16;
        try (Arena memory = Arena.ofShared()) {
            MemorySegment mem = memory.allocate(Bus.arenaSize(capacity), 64);
            Bus.formatArena(mem, capacity, 0);
            try (Bus producer = Bus.attachArena(mem, Role.PRODUCER); Bus consumer = Bus.attachArena(mem, Role.CONSUMER)) {
                boolean batches = args.length > 0 && args[0].equals("inbox");
                Inbox inbox = consumer.inbox(256);
                long enough = batches ? 512 : 0;
                long bytes = -1;
                int round = 0;
                while (round < (batches ? 20000 : 3000) && (bytes < 0 || bytes > enough)) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    long sum = batches ? sendAndDrain(producer, inbox, 256) : sendAndReceive(producer, consumer, 256);
                    bytes = threads.getCurrentThreadAllocatedBytes() - before;
                    if (sum != 256L * 255 / 2) {
                        throw new AssertionError("received sum " + sum);
                    }
                    round++;
                }
                System.out.println("bytes=" + bytes + " rounds=" + round);
            }
        }
    }

    private static long sendAndDrain(Bus producer, Inbox inbox, int n) {
        send(producer, n);
        if (inbox.poll() != n) {
            throw new AssertionError("the batch has " + inbox.count() + " messages, not " + n);
        }
        long sum = 0;
        for (int i = 0; i < inbox.count(); i++) {
            sum += inbox.payload(i).get(JAVA_LONG_UNALIGNED, 0);
        }
        inbox.commit();
        return sum;
    }

    private static void send(Bus producer, int n) {
        for (int i = 0; i < n; i++) {
            try (Tx tx = producer.acquireTx(32)) {
                tx.segment().set(JAVA_LONG_UNALIGNED, 0, i);
                tx.commit(32, 1);
            }
        }
        producer.flush();
    }

    private static long sendAndReceive(Bus producer, Bus consumer, int n) {
        for (int i = 0; i < n; i++) {
            try (Tx tx = producer.acquireTx(32)) {
                tx.segment().set(JAVA_LONG_UNALIGNED, 0, i);
                tx.commit(32, 1);
            }
        }
        producer.flush();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            try (Message m = consumer.receive()) {
                sum += m.segment().get(JAVA_LONG_UNALIGNED, 0);
            }
        }
        return sum;
    }
}
