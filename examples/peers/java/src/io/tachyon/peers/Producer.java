package io.tachyon.peers;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

import io.tachyon.Bus;
import io.tachyon.Options;
import io.tachyon.TachyonException;
import io.tachyon.Tx;
import io.tachyon.generated.Frames;
import io.tachyon.generated.Market;

/**
 * The Java producer of the example streams: connects to a consumer (retrying until it listens), writes every
 * message in place in the ring through the tachc-generated views (generated/java), then sends End.
 * <pre>
 * java_producer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--quiet]
 * </pre>
 */
public final class Producer {
    private Producer() {}

    /** Waits up to 10 s for the consumer to listen (it may still be starting). */
    static Bus connect(String path, long fingerprint) {
        return Bus.connect(path, Options.defaults().withFingerprint(fingerprint).withTimeout(Duration.ofSeconds(10)));
    }

    /** CPU ns of this thread when the second half of the stream began (after the JIT warmed up). */
    static long halfCpuNs = -1;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static long sendMarket(Bus bus, Stream a) {
        long asks = 0;
        for (long i = 0; i < a.count; i++) {
            if (i == a.count / 2) {
                halfCpuNs = THREADS.getCurrentThreadCpuTime();
            }
            int typeId = Stream.tickType(i);
            try (Tx tx = bus.acquireTx(Market.MarketTick.SIZE)) {
                Market.MarketTick tick = new Market.MarketTick(tx.segment());
                tick.clear(); // the padding travels as zeros
                tick.setSymbol(Stream.tickSymbol(i));
                tick.setPrice(Stream.tickPrice(i));
                tick.setQuantity(Stream.tickQuantity(i));
                tick.setTimestamp(a.clock ? Stream.realtimeNs() : Stream.tickTimestamp(i));
                tx.commit(Market.MarketTick.SIZE, typeId);
            }
            if (typeId == Market.MSG_ASK) {
                asks++;
            }
        }
        bus.send(new byte[0], Market.MSG_END);
        return asks;
    }

    static void sendFrames(Bus bus, Stream a) {
        for (long i = 0; i < a.count; i++) {
            if (i == a.count / 2) {
                halfCpuNs = THREADS.getCurrentThreadCpuTime();
            }
            try (Tx tx = bus.acquireTx(Frames.Frame.SIZE)) {
                Frames.Frame frame = new Frames.Frame(tx.segment());
                for (int k = 0; k < Frames.Frame.SAMPLES_LEN; k++) {
                    frame.setSamples(k, Stream.frameSample(i, k));
                }
                tx.commit(Frames.Frame.SIZE, Frames.MSG_FRAME);
            }
        }
        bus.send(new byte[0], Frames.MSG_END);
    }

    public static void main(String[] args) {
        Stream a = Stream.parse("producer", args);
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
            long half = a.count - a.count / 2;
            if (halfCpuNs >= 0 && half > 0) {
                System.out.printf("producer: %.1f ns of CPU per message after warm-up (main thread, second half)%n",
                        (endCpuNs - halfCpuNs) / (double) half);
            }
        }
    }
}
