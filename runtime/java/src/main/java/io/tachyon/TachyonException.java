package io.tachyon;

/**
 * A libtachyon call failed. There is one subclass per {@link ErrorCode} (except {@code OK}), named after the code
 * in Pascal case ({@code TACHYON_ERR_PEER_GONE} is {@link PeerGone}), so a caller catches exactly what it handles:
 * <pre>{@code
 * try (var msg = bus.receive()) { ... } catch (TachyonException.PeerGone e) { ... }
 * }</pre>
 * Unchecked, so that it passes through lambdas and Kotlin; {@link #code()} gives the code and
 * {@link #getMessage()} says which call failed and libtachyon's description of why.
 */
public abstract sealed class TachyonException extends RuntimeException
        permits TachyonException.InvalidArg,
                TachyonException.NoMemory,
                TachyonException.System,
                TachyonException.PathTooLong,
                TachyonException.AddrInUse,
                TachyonException.NoListener,
                TachyonException.Permission,
                TachyonException.Handshake,
                TachyonException.AbiMismatch,
                TachyonException.ByteOrder,
                TachyonException.Alignment,
                TachyonException.Capacity,
                TachyonException.SchemaMismatch,
                TachyonException.Timeout,
                TachyonException.Interrupted,
                TachyonException.Full,
                TachyonException.Empty,
                TachyonException.TooLarge,
                TachyonException.PeerGone,
                TachyonException.Corrupt,
                TachyonException.State {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    TachyonException(ErrorCode code, String what) {
        super(what + ": " + code.describe());
        this.code = code;
    }

    /** The error code. */
    public ErrorCode code() {
        return code;
    }

    /** The exception for C error {@code value}, raised by {@code what} (a call name, for the message). */
    static TachyonException of(int value, String what) {
        ErrorCode code = ErrorCode.of(value);
        if (code == null) {
            throw new IllegalStateException(what + ": unknown libtachyon error " + value
                    + " (the library is newer than this binding)");
        }
        return switch (code) {
            case OK -> throw new IllegalArgumentException(what + ": OK is not an error");
            case INVALID_ARG -> new InvalidArg(what);
            case NO_MEMORY -> new NoMemory(what);
            case SYSTEM -> new System(what);
            case PATH_TOO_LONG -> new PathTooLong(what);
            case ADDR_IN_USE -> new AddrInUse(what);
            case NO_LISTENER -> new NoListener(what);
            case PERMISSION -> new Permission(what);
            case HANDSHAKE -> new Handshake(what);
            case ABI_MISMATCH -> new AbiMismatch(what);
            case BYTE_ORDER -> new ByteOrder(what);
            case ALIGNMENT -> new Alignment(what);
            case CAPACITY -> new Capacity(what);
            case SCHEMA_MISMATCH -> new SchemaMismatch(what);
            case TIMEOUT -> new Timeout(what);
            case INTERRUPTED -> new Interrupted(what);
            case FULL -> new Full(what);
            case EMPTY -> new Empty(what);
            case TOO_LARGE -> new TooLarge(what);
            case PEER_GONE -> new PeerGone(what);
            case CORRUPT -> new Corrupt(what);
            case STATE -> new State(what);
        };
    }

    /** {@code TACHYON_ERR_INVALID_ARG}. */
    public static final class InvalidArg extends TachyonException {
        private static final long serialVersionUID = 1L;

        InvalidArg(String what) {
            super(ErrorCode.INVALID_ARG, what);
        }
    }

    /** {@code TACHYON_ERR_NO_MEMORY}. */
    public static final class NoMemory extends TachyonException {
        private static final long serialVersionUID = 1L;

        NoMemory(String what) {
            super(ErrorCode.NO_MEMORY, what);
        }
    }

    /** {@code TACHYON_ERR_SYSTEM}. */
    public static final class System extends TachyonException {
        private static final long serialVersionUID = 1L;

        System(String what) {
            super(ErrorCode.SYSTEM, what);
        }
    }

    /** {@code TACHYON_ERR_PATH_TOO_LONG}. */
    public static final class PathTooLong extends TachyonException {
        private static final long serialVersionUID = 1L;

        PathTooLong(String what) {
            super(ErrorCode.PATH_TOO_LONG, what);
        }
    }

    /** {@code TACHYON_ERR_ADDR_IN_USE}. */
    public static final class AddrInUse extends TachyonException {
        private static final long serialVersionUID = 1L;

        AddrInUse(String what) {
            super(ErrorCode.ADDR_IN_USE, what);
        }
    }

    /** {@code TACHYON_ERR_NO_LISTENER}. */
    public static final class NoListener extends TachyonException {
        private static final long serialVersionUID = 1L;

        NoListener(String what) {
            super(ErrorCode.NO_LISTENER, what);
        }
    }

    /** {@code TACHYON_ERR_PERMISSION}. */
    public static final class Permission extends TachyonException {
        private static final long serialVersionUID = 1L;

        Permission(String what) {
            super(ErrorCode.PERMISSION, what);
        }
    }

    /** {@code TACHYON_ERR_HANDSHAKE}. */
    public static final class Handshake extends TachyonException {
        private static final long serialVersionUID = 1L;

        Handshake(String what) {
            super(ErrorCode.HANDSHAKE, what);
        }
    }

    /** {@code TACHYON_ERR_ABI_MISMATCH}. */
    public static final class AbiMismatch extends TachyonException {
        private static final long serialVersionUID = 1L;

        AbiMismatch(String what) {
            super(ErrorCode.ABI_MISMATCH, what);
        }
    }

    /** {@code TACHYON_ERR_BYTE_ORDER}. */
    public static final class ByteOrder extends TachyonException {
        private static final long serialVersionUID = 1L;

        ByteOrder(String what) {
            super(ErrorCode.BYTE_ORDER, what);
        }
    }

    /** {@code TACHYON_ERR_ALIGNMENT}. */
    public static final class Alignment extends TachyonException {
        private static final long serialVersionUID = 1L;

        Alignment(String what) {
            super(ErrorCode.ALIGNMENT, what);
        }
    }

    /** {@code TACHYON_ERR_CAPACITY}. */
    public static final class Capacity extends TachyonException {
        private static final long serialVersionUID = 1L;

        Capacity(String what) {
            super(ErrorCode.CAPACITY, what);
        }
    }

    /** {@code TACHYON_ERR_SCHEMA_MISMATCH}. */
    public static final class SchemaMismatch extends TachyonException {
        private static final long serialVersionUID = 1L;

        SchemaMismatch(String what) {
            super(ErrorCode.SCHEMA_MISMATCH, what);
        }
    }

    /** {@code TACHYON_ERR_TIMEOUT}. */
    public static final class Timeout extends TachyonException {
        private static final long serialVersionUID = 1L;

        Timeout(String what) {
            super(ErrorCode.TIMEOUT, what);
        }
    }

    /** {@code TACHYON_ERR_INTERRUPTED}. */
    public static final class Interrupted extends TachyonException {
        private static final long serialVersionUID = 1L;

        Interrupted(String what) {
            super(ErrorCode.INTERRUPTED, what);
        }
    }

    /** {@code TACHYON_ERR_FULL}. */
    public static final class Full extends TachyonException {
        private static final long serialVersionUID = 1L;

        Full(String what) {
            super(ErrorCode.FULL, what);
        }
    }

    /** {@code TACHYON_ERR_EMPTY}. */
    public static final class Empty extends TachyonException {
        private static final long serialVersionUID = 1L;

        Empty(String what) {
            super(ErrorCode.EMPTY, what);
        }
    }

    /** {@code TACHYON_ERR_TOO_LARGE}. */
    public static final class TooLarge extends TachyonException {
        private static final long serialVersionUID = 1L;

        TooLarge(String what) {
            super(ErrorCode.TOO_LARGE, what);
        }
    }

    /** {@code TACHYON_ERR_PEER_GONE}. */
    public static final class PeerGone extends TachyonException {
        private static final long serialVersionUID = 1L;

        PeerGone(String what) {
            super(ErrorCode.PEER_GONE, what);
        }
    }

    /** {@code TACHYON_ERR_CORRUPT}. */
    public static final class Corrupt extends TachyonException {
        private static final long serialVersionUID = 1L;

        Corrupt(String what) {
            super(ErrorCode.CORRUPT, what);
        }
    }

    /** {@code TACHYON_ERR_STATE}. */
    public static final class State extends TachyonException {
        private static final long serialVersionUID = 1L;

        State(String what) {
            super(ErrorCode.STATE, what);
        }
    }
}
