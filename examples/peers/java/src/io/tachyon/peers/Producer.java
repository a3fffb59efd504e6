package io.tachyon.peers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.tachyon.Batch;
import io.tachyon.Bus;
import io.tachyon.Options;
import io.tachyon.Role;
import io.tachyon.TachyonException;
import io.tachyon.Tx;
import io.tachyon.generated.Frames;
import io.tachyon.generated.Market;

/**
 * The Java producer of the example streams: connects to a consumer (retrying until it listens), writes every
 * message in place in the ring through the tachc-generated views (generated/java), then sends End.
 * <pre>
 * java_producer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--quiet] [--warmup N]
 * </pre>
 * {@code --warmup N} first sends N messages of the stream through the same code into a ring inside this process
 * (drained by a second thread and dropped), so that the JIT has compiled the send loop before the real stream
 * starts: the figures are then those of a producer that has been running for a while, not of the JVM's start.
 */
public final class Producer {
    private Producer() {}

    /** Waits up to 10 s for the consumer to listen (it may still be starting). */
    static Bus connect(String path, long fingerprint) {
        return Bus.connect(path, Options.defaults().withFingerprint(fingerprint).withTimeout(Duration.ofSeconds(10)));
    }

    /**
     * CPU ns of this thread when the measured part of the stream began (the first block at or past its middle,
     * after the JIT warmed up), and how many messages were sent from then on.
     */
    static long halfCpuNs = -1;
    static long measured;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * Messages go out in blocks of BLOCK, one method call each: the JIT compiles the block's loop as a whole method
     * (no on-stack replacement of one long loop), and the clock is read between blocks, not by a branch in the hot
     * loop that is first taken half-way through (which would send the compiled loop back to the interpreter just
     * when the measurement starts).
     */
    static final int BLOCK = 1024;

    private static void markHalf(Stream a, long i) {
        if (halfCpuNs < 0 && i >= a.count / 2) {
            halfCpuNs = THREADS.getCurrentThreadCpuTime();
            measured = a.count - i;
        }
    }

    static long sendMarket(Bus bus, Stream a) {
        long asks = 0;
        for (long i = 0; i < a.count; i += BLOCK) {
            markHalf(a, i);
            asks += sendTicks(bus, a.clock, i, Math.min(a.count, i + BLOCK));
        }
        bus.send(new byte[0], Market.MSG_END);
        return asks;
    }

    /** Ticks {@code from} to {@code to}, each written in place through the generated view; returns the asks. */
    static long sendTicks(Bus bus, boolean clock, long from, long to) {
        long asks = 0;
        for (long i = from; i < to; i++) {
            int typeId = Stream.tickType(i);
            try (Tx tx = bus.acquireTx(Market.MarketTick.SIZE)) {
                Market.MarketTick tick = new Market.MarketTick(tx.segment());
                tick.clear(); // the padding travels as zeros
                tick.setSymbol(Stream.tickSymbol(i));
                tick.setPrice(Stream.tickPrice(i));
                tick.setQuantity(Stream.tickQuantity(i));
                tick.setTimestamp(clock ? Stream.realtimeNs() : Stream.tickTimestamp(i));
                tx.commit(Market.MarketTick.SIZE, typeId);
            }
            if (typeId == Market.MSG_ASK) {
                asks++;
            }
        }
        return asks;
    }

    static void sendFrames(Bus bus, Stream a) {
        for (long i = 0; i < a.count; i += BLOCK) {
            markHalf(a, i);
            sendFrameBlock(bus, i, Math.min(a.count, i + BLOCK));
        }
        bus.send(new byte[0], Frames.MSG_END);
    }

    static void sendFrameBlock(Bus bus, long from, long to) {
        for (long i = from; i < to; i++) {
            try (Tx tx = bus.acquireTx(Frames.Frame.SIZE)) {
                Frames.Frame frame = new Frames.Frame(tx.segment());
                for (int k = 0; k < Frames.Frame.SAMPLES_LEN; k++) {
                    frame.setSamples(k, Stream.frameSample(i, k));
                }
                tx.commit(Frames.Frame.SIZE, Frames.MSG_FRAME);
            }
        }
    }

    /**
     * {@code --warmup}: the send loop into an in-process ring that a second thread drains, before connecting. The
     * ring is small, so the loop also finds it full and waits for room, as it will against a real consumer: a wait
     * the warm-up never made would be a branch the JIT compiled as never taken, and the first full ring of the real
     * stream would send the compiled loop back to the interpreter (an uncommon trap) in the middle of the figure.
     */
    static void warmUp(Stream a) {
        long capacity = 1 << 16;
        try (Arena memory = Arena.ofShared()) {
            MemorySegment ring = memory.allocate(Bus.arenaSize(capacity), 64);
            Bus.formatArena(ring, capacity, a.fingerprint());
            try (Bus rx = Bus.attachArena(ring, Role.CONSUMER)) {
                AtomicBoolean sending = new AtomicBoolean(true);
                Thread drain = new Thread(() -> {
                    while (sending.get()) {
                        try (Batch b = rx.drainBatch(4096)) {
                            if (b.isEmpty()) {
                                Thread.yield(); // on the producer's CPU when it is pinned to one
                            }
                        }
                    }
                }, "warm-up drain");
                drain.start();
                try (Bus tx = Bus.attachArena(ring, Role.PRODUCER)) {
                    try {
                        for (long i = 0; i < a.warmup; i += BLOCK) {
                            long to = Math.min(a.warmup, i + BLOCK);
                            if (a.market) {
                                sendTicks(tx, a.clock, i, to);
                            } else {
                                sendFrameBlock(tx, i, to);
                            }
                        }
                    } finally {
                        sending.set(false); // before the producer side closes: the drain never sees it gone
                        Stream.joinUninterruptibly(drain);
                    }
                }
            }
        }
    }

    public static void main(String[] args) {
        Stream a = Stream.parse("producer", args);
        if (a.warmup > 0) {
            warmUp(a);
        }
        Bus bus;
        try {
            bus = connect(a.socket, a.fingerprint());
        } catch (TachyonException.SchemaMismatch e) {
            System.err.println("producer: refused at connect: schema mismatch (" + e.getMessage() + ")");
            System.exit(Stream.EXIT_SCHEMA);
            return;
        } catch (TachyonException e) {
            System.err.println("producer: connect " + a.socket + ": " + e.getMessage());
            System.exit(Stream.EXIT_FAIL);
            return;
        }
        String what;
        long start = System.nanoTime();
        long endCpuNs;
        try (bus) {
            if (a.market) {
                long asks = sendMarket(bus, a);
                what = a.count + " ticks (" + (a.count - asks) + " bid, " + asks + " ask)";
            } else {
                sendFrames(bus, a);
                what = a.count + " frames of " + Frames.Frame.SIZE + " bytes";
            }
            endCpuNs = THREADS.getCurrentThreadCpuTime();
        } catch (TachyonException e) {
            System.err.println("producer: " + e.getMessage());
            System.exit(Stream.EXIT_FAIL);
            return;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (!a.quiet) {
            System.out.println("producer: sent " + what + " + End");
            System.out.printf("producer: %.3f s, %.2f M msg/s%n", secs, a.count / secs / 1e6);
            if (halfCpuNs >= 0 && measured > 0) {
                System.out.printf("producer: %.1f ns of CPU per message after warm-up (main thread, second half)%n",
                        (endCpuNs - halfCpuNs) / (double) measured);
            }
        }
    }
}
