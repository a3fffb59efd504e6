package io.tachyon;

/**
 * The codes of {@code tachyon_error_t}, in the header's order (the ordinal is the C value). {@code OK} is not an
 * error and has no exception; every other code has its own subclass of {@link TachyonException}. The test suite
 * checks this list, and the exception classes, against {@code runtime/include/tachyon.h}.
 */
public enum ErrorCode {
    OK,
    INVALID_ARG,
    NO_MEMORY,
    SYSTEM,
    PATH_TOO_LONG,
    ADDR_IN_USE,
    NO_LISTENER,
    PERMISSION,
    HANDSHAKE,
    ABI_MISMATCH,
    BYTE_ORDER,
    ALIGNMENT,
    CAPACITY,
    SCHEMA_MISMATCH,
    TIMEOUT,
    INTERRUPTED,
    FULL,
    EMPTY,
    TOO_LARGE,
    PEER_GONE,
    CORRUPT,
    STATE,
    LAGGED;

    private static final ErrorCode[] BY_VALUE = values();

    /** The C value ({@code TACHYON_ERR_...}). */
    public int value() {
        return ordinal();
    }

    /** The code of C value {@code value}, or null when this binding does not know it. */
    public static ErrorCode of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    }

    /** libtachyon's own description of the code ({@code tachyon_strerror}). */
    public String describe() {
        return Native.strerror(value());
    }
}
