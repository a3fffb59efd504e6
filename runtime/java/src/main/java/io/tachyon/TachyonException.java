package io.tachyon;

/**
 * A libtachyon call failed. There is one subclass per {@link ErrorCode} (except {@code OK}), named after the
 * code's ShortName in {@code TACHYON_ERROR_LIST} ({@code TACHYON_ERR_PEER_GONE} is {@link PeerGone}), so a caller
 * catches exactly what it handles:
 * <pre>{@code
 * try (var msg = bus.receive()) { ... } catch (TachyonException.PeerGone e) { ... }
 * }</pre>
 * Unchecked, so that it passes through lambdas and Kotlin. {@link #code()} gives the code,
 * {@link #osErrno()} the errno behind a system failure, and {@link #getMessage()} says which call failed and
 * libtachyon's description of why, with the numbers it knows ({@code tachyon_format_error}).
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
                TachyonException.State,
                TachyonException.Lagged {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final int osErrno;

    TachyonException(ErrorCode code, String what, String why, int osErrno) {
        super(what + ": " + (why == null || why.isEmpty() ? code.describe() : why));
        this.code = code;
        this.osErrno = osErrno;
    }

    /** The error code. */
    public ErrorCode code() {
        return code;
    }

    /** The errno of the system call behind the failure (always for {@link System}), or 0. */
    public int osErrno() {
        return osErrno;
    }

    /** The exception for C error {@code value}, raised by {@code what} (a call name, for the message). */
    static TachyonException of(int value, String what) {
        return of(value, what, null, 0);
    }

    /** As {@link #of(int, String)}, with the formatted detail line and errno of the failure. */
    static TachyonException of(int value, String what, String why, int osErrno) {
        ErrorCode code = ErrorCode.of(value);
        if (code == null) {
            throw new IllegalStateException(what + ": unknown libtachyon error " + value
                    + " (the library is newer than this binding)");
        }
        return switch (code) {
            case OK -> throw new IllegalArgumentException(what + ": OK is not an error");
            case INVALID_ARG -> new InvalidArg(what, why, osErrno);
            case NO_MEMORY -> new NoMemory(what, why, osErrno);
            case SYSTEM -> new System(what, why, osErrno);
            case PATH_TOO_LONG -> new PathTooLong(what, why, osErrno);
            case ADDR_IN_USE -> new AddrInUse(what, why, osErrno);
            case NO_LISTENER -> new NoListener(what, why, osErrno);
            case PERMISSION -> new Permission(what, why, osErrno);
            case HANDSHAKE -> new Handshake(what, why, osErrno);
            case ABI_MISMATCH -> new AbiMismatch(what, why, osErrno);
            case BYTE_ORDER -> new ByteOrder(what, why, osErrno);
            case ALIGNMENT -> new Alignment(what, why, osErrno);
            case CAPACITY -> new Capacity(what, why, osErrno);
            case SCHEMA_MISMATCH -> new SchemaMismatch(what, why, osErrno);
            case TIMEOUT -> new Timeout(what, why, osErrno);
            case INTERRUPTED -> new Interrupted(what, why, osErrno);
            case FULL -> new Full(what, why, osErrno);
            case EMPTY -> new Empty(what, why, osErrno);
            case TOO_LARGE -> new TooLarge(what, why, osErrno);
            case PEER_GONE -> new PeerGone(what, why, osErrno);
            case CORRUPT -> new Corrupt(what, why, osErrno);
            case STATE -> new State(what, why, osErrno);
            case LAGGED -> new Lagged(what, why, osErrno);
        };
    }

    /** {@code TACHYON_ERR_INVALID_ARG}. */
    public static final class InvalidArg extends TachyonException {
        private static final long serialVersionUID = 1L;

        InvalidArg(String what, String why, int osErrno) {
            super(ErrorCode.INVALID_ARG, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_NO_MEMORY}. */
    public static final class NoMemory extends TachyonException {
        private static final long serialVersionUID = 1L;

        NoMemory(String what, String why, int osErrno) {
            super(ErrorCode.NO_MEMORY, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_SYSTEM}. */
    public static final class System extends TachyonException {
        private static final long serialVersionUID = 1L;

        System(String what, String why, int osErrno) {
            super(ErrorCode.SYSTEM, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_PATH_TOO_LONG}. */
    public static final class PathTooLong extends TachyonException {
        private static final long serialVersionUID = 1L;

        PathTooLong(String what, String why, int osErrno) {
            super(ErrorCode.PATH_TOO_LONG, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_ADDR_IN_USE}. */
    public static final class AddrInUse extends TachyonException {
        private static final long serialVersionUID = 1L;

        AddrInUse(String what, String why, int osErrno) {
            super(ErrorCode.ADDR_IN_USE, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_NO_LISTENER}. */
    public static final class NoListener extends TachyonException {
        private static final long serialVersionUID = 1L;

        NoListener(String what, String why, int osErrno) {
            super(ErrorCode.NO_LISTENER, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_PERMISSION}. */
    public static final class Permission extends TachyonException {
        private static final long serialVersionUID = 1L;

        Permission(String what, String why, int osErrno) {
            super(ErrorCode.PERMISSION, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_HANDSHAKE}. */
    public static final class Handshake extends TachyonException {
        private static final long serialVersionUID = 1L;

        Handshake(String what, String why, int osErrno) {
            super(ErrorCode.HANDSHAKE, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_ABI_MISMATCH}. */
    public static final class AbiMismatch extends TachyonException {
        private static final long serialVersionUID = 1L;

        AbiMismatch(String what, String why, int osErrno) {
            super(ErrorCode.ABI_MISMATCH, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_BYTE_ORDER}. */
    public static final class ByteOrder extends TachyonException {
        private static final long serialVersionUID = 1L;

        ByteOrder(String what, String why, int osErrno) {
            super(ErrorCode.BYTE_ORDER, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_ALIGNMENT}. */
    public static final class Alignment extends TachyonException {
        private static final long serialVersionUID = 1L;

        Alignment(String what, String why, int osErrno) {
            super(ErrorCode.ALIGNMENT, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_CAPACITY}. */
    public static final class Capacity extends TachyonException {
        private static final long serialVersionUID = 1L;

        Capacity(String what, String why, int osErrno) {
            super(ErrorCode.CAPACITY, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_SCHEMA_MISMATCH}. */
    public static final class SchemaMismatch extends TachyonException {
        private static final long serialVersionUID = 1L;

        SchemaMismatch(String what, String why, int osErrno) {
            super(ErrorCode.SCHEMA_MISMATCH, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_TIMEOUT}. */
    public static final class Timeout extends TachyonException {
        private static final long serialVersionUID = 1L;

        Timeout(String what, String why, int osErrno) {
            super(ErrorCode.TIMEOUT, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_INTERRUPTED}. */
    public static final class Interrupted extends TachyonException {
        private static final long serialVersionUID = 1L;

        Interrupted(String what, String why, int osErrno) {
            super(ErrorCode.INTERRUPTED, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_FULL}. */
    public static final class Full extends TachyonException {
        private static final long serialVersionUID = 1L;

        Full(String what, String why, int osErrno) {
            super(ErrorCode.FULL, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_EMPTY}. */
    public static final class Empty extends TachyonException {
        private static final long serialVersionUID = 1L;

        Empty(String what, String why, int osErrno) {
            super(ErrorCode.EMPTY, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_TOO_LARGE}. */
    public static final class TooLarge extends TachyonException {
        private static final long serialVersionUID = 1L;

        TooLarge(String what, String why, int osErrno) {
            super(ErrorCode.TOO_LARGE, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_PEER_GONE}. */
    public static final class PeerGone extends TachyonException {
        private static final long serialVersionUID = 1L;

        PeerGone(String what, String why, int osErrno) {
            super(ErrorCode.PEER_GONE, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_CORRUPT}. */
    public static final class Corrupt extends TachyonException {
        private static final long serialVersionUID = 1L;

        Corrupt(String what, String why, int osErrno) {
            super(ErrorCode.CORRUPT, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_STATE}. */
    public static final class State extends TachyonException {
        private static final long serialVersionUID = 1L;

        State(String what, String why, int osErrno) {
            super(ErrorCode.STATE, what, why, osErrno);
        }
    }

    /** {@code TACHYON_ERR_LAGGED}: a fan-out subscriber fell behind and was dropped; rejoin to go on. */
    public static final class Lagged extends TachyonException {
        private static final long serialVersionUID = 1L;

        Lagged(String what, String why, int osErrno) {
            super(ErrorCode.LAGGED, what, why, osErrno);
        }
    }
}
