package io.tachyon.peers;

import java.time.Instant;
import java.util.Arrays;

import io.tachyon.generated.Frames;
import io.tachyon.generated.Market;

/**
 * What the Java producer and consumer share: the command line and the deterministic streams every language
 * generates and checks (examples/peers/README.md).
 */
final class Stream {
    static final int EXIT_FAIL = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_SCHEMA = 3;

    final String socket;
    final boolean market;
    final long count;
    final boolean clock;
    final long capacity;
    final boolean quiet;
    final long warmup;

    private Stream(String socket, boolean market, long count, boolean clock, long capacity, boolean quiet,
            long warmup) {
        this.socket = socket;
        this.market = market;
        this.count = count;
        this.clock = clock;
        this.capacity = capacity;
        this.quiet = quiet;
        this.warmup = warmup;
    }

    /** This stream with {@code n} messages and no warm-up: what a warm-up runs. */
    Stream warmUpStream(long n) {
        return new Stream(socket, market, n, clock, capacity, true, 0);
    }

    /** The schema fingerprint the bus is bound to. */
    long fingerprint() {
        return market ? Market.SCHEMA_FINGERPRINT : Frames.SCHEMA_FINGERPRINT;
    }

    static Stream parse(String role, String[] args) {
        String socket = null;
        String stream = "market";
        String stamp = "index";
        long count = 100_000;
        long capacity = 1 << 22;
        boolean quiet = false;
        long warmup = 0;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--socket" -> socket = args[++i];
                    case "--stream" -> stream = args[++i];
                    case "--count" -> count = Long.parseLong(args[++i]);
                    case "--stamp" -> stamp = args[++i];
                    case "--capacity" -> capacity = Long.parseLong(args[++i]);
                    case "--quiet" -> quiet = true;
                    case "--warmup" -> warmup = Long.parseLong(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            usage(role, e instanceof ArrayIndexOutOfBoundsException ? "an option needs a value" : e.getMessage());
        }
        if (socket == null || !(stream.equals("market") || stream.equals("frames"))
                || !(stamp.equals("index") || stamp.equals("clock")) || count < 0 || warmup < 0) {
            usage(role, "bad command line");
        }
        return new Stream(socket, stream.equals("market"), count, stamp.equals("clock"), capacity, quiet, warmup);
    }

    private static void usage(String role, String why) {
        System.err.println("java_" + role + ": " + why);
        System.err.println("usage: " + role + " --socket PATH [--stream market|frames] [--count N] "
                + "[--stamp index|clock] [--capacity BYTES] [--quiet] [--warmup N]");
        System.exit(EXIT_USAGE);
    }

    private static final String[] SYMBOLS = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRP"};
    private static final long BASE_NS = 1_700_000_000_000_000_000L;

    /** Bid, except every third tick is an Ask. */
    static int tickType(long i) {
        return i % 3 == 2 ? Market.MSG_ASK : Market.MSG_BID;
    }

    static String tickSymbol(long i) {
        return SYMBOLS[(int) (i % 5)];
    }

    /** Exact in binary: quarters. */
    static double tickPrice(long i) {
        return 1000.0 + (i % 1_000_003) * 0.25;
    }

    /** (i * 2654435761) mod 2^32: uses all 32 bits. */
    static long tickQuantity(long i) {
        return (i * 2654435761L) & 0xffff_ffffL;
    }

    static long tickTimestamp(long i) {
        return BASE_NS + i * 1000;
    }

    /** Exact in float32: below 2^24. */
    static float frameSample(long i, int k) {
        return (float) ((i % 65536) * 256 + k);
    }

    /** CLOCK_REALTIME in nanoseconds, what clock stamps carry. */
    static long realtimeNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Waits for {@code t} to end; an interrupt meanwhile is kept for the caller. */
    static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sorts the samples (ns) and formats their percentiles in microseconds. */
    static String latencyLine(long[] samples, int n) {
        Arrays.sort(samples, 0, n);
        return String.format("one-way latency (us): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f",
                samples[(int) ((n - 1) * 0.5)] / 1000.0, samples[(int) ((n - 1) * 0.9)] / 1000.0,
                samples[(int) ((n - 1) * 0.99)] / 1000.0, samples[(int) ((n - 1) * 0.999)] / 1000.0,
                samples[n - 1] / 1000.0);
    }
}
