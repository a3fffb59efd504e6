package io.tachyon;

import java.time.Duration;

/**
 * How a bus is set up: the schema fingerprint both peers must agree on, how long {@code listen} waits for a
 * connector (or {@code connect} for the whole handshake), and whether a peer of another uid may connect.
 * Immutable; the {@code with...} methods return a changed copy.
 * <pre>{@code
 * var opts = Options.defaults().withFingerprint(Market.SCHEMA_FINGERPRINT).withTimeout(Duration.ofSeconds(30));
 * }</pre>
 *
 * @param fingerprint the schema fingerprint (0: not bound)
 * @param timeout     null: the library's default (listen waits forever, connect waits 5 s for a listener);
 *                    {@link #FOREVER}: no limit
 * @param allowAnyUid accept connectors of any uid (default: only the listener's own uid)
 */
public record Options(long fingerprint, Duration timeout, boolean allowAnyUid) {
    /** A timeout that never expires. */
    public static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    private static final Options DEFAULTS = new Options(0, null, false);

    /** Not bound to a schema, the library's default timeouts, own uid only. */
    public static Options defaults() {
        return DEFAULTS;
    }

    /** A copy bound to a schema fingerprint (the generated {@code SCHEMA_FINGERPRINT}). */
    public Options withFingerprint(long fingerprint) {
        return new Options(fingerprint, timeout, allowAnyUid);
    }

    /** A copy with a timeout ({@link #FOREVER} for none). */
    public Options withTimeout(Duration timeout) {
        return new Options(fingerprint, timeout, allowAnyUid);
    }

    /** A copy that accepts connectors of any uid. */
    public Options withAnyUid() {
        return new Options(fingerprint, timeout, true);
    }

    /** The C option flag bit for {@link #allowAnyUid()}. */
    static final int OPT_ALLOW_ANY_UID = 0x1;

    /** timeout_ns as the C struct wants it: 0 the default, negative forever, else nanoseconds (at least 1). */
    long timeoutNanos() {
        if (timeout == null) {
            return 0;
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        if (timeout.compareTo(Duration.ofDays(365L * 100)) >= 0) {
            return -1; // TACHYON_FOREVER
        }
        return Math.max(1, timeout.toNanos());
    }
}
