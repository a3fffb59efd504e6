package io.tachyon.peers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;

import io.tachyon.Bus;
import io.tachyon.Inbox;
import io.tachyon.Options;
import io.tachyon.Role;
import io.tachyon.TachyonException;
import io.tachyon.generated.Frames;
import io.tachyon.generated.Market;

/**
 * The Java consumer of the example streams: listens, receives batches of up to 1024 messages through an
 * {@link Inbox} (the binding's fast path), reads every message in place through the tachc-generated views
 * (decoded by type id), and checks it against the deterministic stream (type, every field, order, count) until
 * End. It also prints the receiving thread's CPU time per message over the second half of the stream (after the
 * JIT warmed up, waits for the producer included).
 * <pre>
 * java_consumer --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] [--capacity BYTES]
 *               [--warmup N]
 * </pre>
 * {@code --warmup N} first receives and checks N messages of the stream, sent by a thread of this process into a
 * ring of its own, through the same code, before listening: the JIT has then compiled the receive loop, as a
 * long-running consumer's would be.
 */
public final class Consumer {
    /** Messages per batch: one native call takes up to this many, one more releases them. */
    static final int BATCH = 1024;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Stream args;
    long received;
    long asks;
    long checksum;
    long last;
    long[] latency;

    private Consumer(Stream args) {
        this.args = args;
        if (args.market && args.clock) {
            latency = new long[(int) Math.min(args.count, Integer.MAX_VALUE - 8)];
        }
    }

    /** A check failed: the message says which message and which field. */
    static final class Mismatch extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Mismatch(String what) {
            super(what);
        }
    }

    /** Checks tick {@link #received}; returns false at End. */
    boolean tick(int typeId, MemorySegment payload) {
        long i = received;
        Object view = Market.decode(typeId, payload);
        if (view == null) {
            if (payload.byteSize() != 0) {
                throw new Mismatch("tick " + i + ": End with " + payload.byteSize() + " bytes");
            }
            return false;
        }
        if (i >= args.count) {
            throw new Mismatch("more than the " + args.count + " messages expected");
        }
        Market.MarketTick tick = (Market.MarketTick) view;
        String symbol = tick.symbol();
        double price = tick.price();
        long quantity = tick.quantity();
        long stamp = tick.timestamp();
        if (typeId != Stream.tickType(i) || !symbol.equals(Stream.tickSymbol(i)) || price != Stream.tickPrice(i)
                || quantity != Stream.tickQuantity(i) || (!args.clock && stamp != Stream.tickTimestamp(i))) {
            throw new Mismatch(String.format("tick %d differs: got %s %s %.2f x %d @ %s, expected %s %s %.2f x %d @ %s",
                    i, Market.messageName(typeId), symbol, price, quantity, Long.toUnsignedString(stamp),
                    Market.messageName(Stream.tickType(i)), Stream.tickSymbol(i), Stream.tickPrice(i),
                    Stream.tickQuantity(i), Long.toUnsignedString(Stream.tickTimestamp(i))));
        }
        if (args.clock) {
            long now = Stream.realtimeNs();
            if (stamp < last || stamp > now) {
                throw new Mismatch("tick " + i + ": clock stamp " + stamp + " after " + last + ", received at " + now);
            }
            last = stamp;
            if (i < latency.length) {
                latency[(int) i] = now - stamp;
            }
        }
        if (typeId == Market.MSG_ASK) {
            asks++;
        }
        checksum += quantity + (long) (price * 4);
        received++;
        return true;
    }

    long start;          // System.nanoTime() at the first batch
    long halfCpuNs = -1; // this thread's CPU time at the first batch at or past the middle
    long halfAt;         // messages received by then
    long endCpuNs;

    /**
     * Receives and checks every batch until End (true) or the producer's leaving (false); notes the clock and CPU
     * times the figures come from ({@code half}: the message the measured part starts at).
     */
    boolean run(Inbox inbox, long half) {
        boolean more = true;
        while (more && inbox.next(Duration.ofMinutes(5))) {
            if (start == 0) {
                start = System.nanoTime();
            }
            if (halfCpuNs < 0 && received >= half) {
                halfCpuNs = THREADS.getCurrentThreadCpuTime();
                halfAt = received;
            }
            more = args.market ? ticks(inbox) : frames(inbox);
        }
        endCpuNs = THREADS.getCurrentThreadCpuTime();
        return !more;
    }

    /**
     * {@code --warmup}: receives and checks the first {@code a.warmup} messages of the stream (and End) from a
     * thread of this process that sends them into a small ring through the Java producer's code, before listening.
     */
    static void warmUp(Stream a) {
        // Two streams of half each: the first one's End (a branch never taken before it) sends the compiled loop
        // back to the interpreter, and the second gives the JIT the time to compile it again with that branch.
        warmUpOnce(a, a.warmUpStream(Math.max(1, a.warmup / 2)));
        warmUpOnce(a, a.warmUpStream(Math.max(1, a.warmup - a.warmup / 2)));
    }

    private static void warmUpOnce(Stream a, Stream w) {
        long capacity = 1 << 16;
        // never freed: a sender left blocked by a failed check must not touch freed memory before the exit
        MemorySegment ring = Arena.global().allocate(Bus.arenaSize(capacity), 64);
        Bus.formatArena(ring, capacity, a.fingerprint());
        try (Bus rx = Bus.attachArena(ring, Role.CONSUMER); Inbox inbox = rx.inbox(BATCH)) {
            Bus tx = Bus.attachArena(ring, Role.PRODUCER);
            Thread send = new Thread(() -> {
                try (tx) {
                    for (long i = 0; i < w.count; i += Producer.BLOCK) {
                        long to = Math.min(w.count, i + Producer.BLOCK);
                        if (w.market) {
                            Producer.sendTicks(tx, w.clock, i, to);
                        } else {
                            Producer.sendFrameBlock(tx, i, to);
                        }
                    }
                    tx.send(new byte[0], Market.MSG_END); // End is type 0 in both schemas
                }
            }, "warm-up producer");
            send.setDaemon(true); // a failed check leaves it blocked on a full ring: it must not keep the JVM
            send.start();
            Consumer t = new Consumer(w);
            if (!t.run(inbox, Long.MAX_VALUE) || t.received != w.count) {
                throw new Mismatch("the warm-up stream ended after " + t.received + " of " + w.count);
            }
            Stream.joinUninterruptibly(send);
        }
    }

    /** Checks the ticks of the batch the inbox holds; false at End. */
    boolean ticks(Inbox inbox) {
        for (int k = 0, n = inbox.count(); k < n; k++) {
            if (!tick(inbox.typeId(k), inbox.payload(k))) {
                return false;
            }
        }
        return true;
    }

    /** Checks the frames of the batch the inbox holds; false at End. */
    boolean frames(Inbox inbox) {
        for (int k = 0, n = inbox.count(); k < n; k++) {
            if (!frame(inbox.typeId(k), inbox.payload(k))) {
                return false;
            }
        }
        return true;
    }

    /** Checks every sample of frame {@link #received}; returns false at End. */
    boolean frame(int typeId, MemorySegment payload) {
        long i = received;
        Object view = Frames.decode(typeId, payload);
        if (view == null && payload.byteSize() == 0) {
            return false;
        }
        if (!(view instanceof Frames.Frame f)) {
            throw new Mismatch("frame " + i + ": type " + typeId + " is not a Frame");
        }
        if (i >= args.count) {
            throw new Mismatch("more than the " + args.count + " messages expected");
        }
        for (int k = 0; k < Frames.Frame.SAMPLES_LEN; k++) {
            float v = f.samples(k);
            if (v != Stream.frameSample(i, k)) {
                throw new Mismatch("frame " + i + " sample " + k + " is " + v + ", expected " + Stream.frameSample(i, k));
            }
            checksum += (long) v;
        }
        received++;
        return true;
    }

    public static void main(String[] argv) {
        Stream a = Stream.parse("consumer", argv);
        if (a.warmup > 0) {
            try {
                warmUp(a);
            } catch (TachyonException | Mismatch | IllegalArgumentException e) {
                System.err.println("consumer: warm-up: " + e.getMessage());
                System.exit(Stream.EXIT_FAIL);
                return;
            }
        }
        Bus bus;
        try {
            bus = Bus.listen(a.socket, a.capacity,
                    Options.defaults().withFingerprint(a.fingerprint()).withTimeout(Duration.ofSeconds(30)));
        } catch (TachyonException.SchemaMismatch e) {
            System.err.println("consumer: refused the producer: schema mismatch (" + e.getMessage() + ")");
            System.exit(Stream.EXIT_SCHEMA);
            return;
        } catch (TachyonException e) {
            System.err.println("consumer: listen " + a.socket + ": " + e.getMessage());
            System.exit(Stream.EXIT_FAIL);
            return;
        }
        bus.setSpin(20000);
        Consumer t = new Consumer(a);
        try (bus; Inbox inbox = bus.inbox(BATCH)) {
            if (!t.run(inbox, (a.count + 1) / 2)) {
                System.err.println("consumer: the producer left after " + t.received + " messages, before End");
                System.exit(Stream.EXIT_FAIL);
                return;
            }
        } catch (TachyonException | Mismatch | IllegalArgumentException e) {
            System.err.println("consumer: after " + t.received + " messages, before End: " + e.getMessage());
            System.exit(Stream.EXIT_FAIL);
            return;
        }
        long start = t.start;
        long halfCpuNs = t.halfCpuNs;
        long halfAt = t.halfAt;
        long endCpuNs = t.endCpuNs;
        double secs = (System.nanoTime() - start) / 1e9;
        if (t.received != a.count) {
            System.err.println("consumer: End after " + t.received + " messages, expected " + a.count);
            System.exit(Stream.EXIT_FAIL);
        }
        if (a.quiet) {
            return;
        }
        double rate = t.received / secs;
        if (a.market) {
            System.out.printf("consumer: %d ticks (%d bid, %d ask) + End in %.3f s: %.2f M msg/s, checksum %016x%n",
                    t.received, t.received - t.asks, t.asks, secs, rate / 1e6, t.checksum);
        } else {
            System.out.printf("consumer: %d frames + End in %.3f s: %.0f frames/s, %.2f GB/s, checksum %016x%n",
                    t.received, secs, rate, rate * Frames.Frame.SIZE / 1e9, t.checksum);
        }
        if (t.latency != null && t.received > 0) {
            System.out.println(Stream.latencyLine(t.latency, (int) Math.min(t.received, t.latency.length)));
        }
        if (halfCpuNs >= 0 && t.received > halfAt) {
            System.out.printf("consumer: %.1f ns of CPU per message after warm-up (receiving thread, second half)%n",
                    (endCpuNs - halfCpuNs) / (double) (t.received - halfAt));
        }
        System.out.println("consumer: OK, every field of every message checked");
    }
}
