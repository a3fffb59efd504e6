"""Exception classes: one per libtachyon error code (tachyon_error_t).

Every exception raised by the C calls is a TachyonError carrying:
  .code      the tachyon_error_t value (int)
  .name      its C name, e.g. "TACHYON_ERR_TIMEOUT"
  .strerror  tachyon_strerror(code)'s text, or, when a system call's failure
             is behind it, that errno's text (OSError's meaning)
  .errno     that errno (SystemFailure always has one: listening in a folder
             that does not exist gives errno.ENOENT)
and, where they apply, the numbers a user needs (also in its text):
  .size, .limit  MessageTooLarge: the size asked for and the bus maximum
  .waited        NoListener, TachyonTimeout of listen/connect: seconds waited
Classes also derive from the closest builtin (TimeoutError, PermissionError,
ValueError, OSError, ...) so generic handlers keep working.

The classes follow tachyon.h's error table (TACHYON_ERROR_LIST); a test fails
when a code there has no class here.
"""

__all__ = [
    "TachyonError", "InvalidArgument", "NoMemory", "SystemFailure", "PathTooLong", "AddressInUse", "NoListener",
    "PermissionRefused", "HandshakeError", "AbiMismatch", "ByteOrderMismatch", "AlignmentMismatch", "CapacityError",
    "SchemaMismatch", "TachyonTimeout", "Interrupted", "RingFull", "RingEmpty", "MessageTooLarge", "PeerGone",
    "CorruptRing", "StateError", "Lagged", "UseAfterCommit", "ExportsOutstanding", "BY_CODE",
]


class TachyonError(Exception):
    """Base class of every tachyon error."""
    code = -1
    name = "TACHYON_ERR_UNKNOWN"
    strerror = ""

    def __str__(self) -> str:
        # The message names the call, the numbers and the code; OSError's own
        # "[Errno N] text" form would drop all that.
        return Exception.__str__(self)


def _err(code, name, doc):
    def make(cls):
        cls.code = code
        cls.name = name
        cls.__doc__ = doc
        return cls
    return make


@_err(1, "TACHYON_ERR_INVALID_ARG", "A bad argument (capacity, size, type id, ...).")
class InvalidArgument(TachyonError, ValueError):
    pass


@_err(2, "TACHYON_ERR_NO_MEMORY", "malloc or mmap failed.")
class NoMemory(TachyonError, MemoryError):
    pass


@_err(3, "TACHYON_ERR_SYSTEM", "An unexpected system call failure.")
class SystemFailure(TachyonError, OSError):
    pass


@_err(4, "TACHYON_ERR_PATH_TOO_LONG", "The socket path does not fit sockaddr_un.")
class PathTooLong(TachyonError, ValueError):
    pass


@_err(5, "TACHYON_ERR_ADDR_IN_USE", "A live listener (or a file that is not a socket) holds the path.")
class AddressInUse(TachyonError, OSError):
    pass


@_err(6, "TACHYON_ERR_NO_LISTENER", "Nobody listens on the path.")
class NoListener(TachyonError, ConnectionRefusedError):
    pass


@_err(7, "TACHYON_ERR_PERMISSION", "The peer's uid was refused, or the socket is not accessible.")
class PermissionRefused(TachyonError, PermissionError):
    pass


@_err(8, "TACHYON_ERR_HANDSHAKE", "Malformed or truncated handshake.")
class HandshakeError(TachyonError):
    pass


@_err(9, "TACHYON_ERR_ABI_MISMATCH", "The peers' magic or ABI version differ.")
class AbiMismatch(HandshakeError):
    pass


@_err(10, "TACHYON_ERR_BYTE_ORDER", "The peers disagree on byte order.")
class ByteOrderMismatch(HandshakeError):
    pass


@_err(11, "TACHYON_ERR_ALIGNMENT", "The peers disagree on frame alignment or header size.")
class AlignmentMismatch(HandshakeError):
    pass


@_err(12, "TACHYON_ERR_CAPACITY", "Capacity invalid (not a power of two in range) or inconsistent.")
class CapacityError(TachyonError, ValueError):
    pass


@_err(13, "TACHYON_ERR_SCHEMA_MISMATCH", "The peers are bound to different schema fingerprints.")
class SchemaMismatch(HandshakeError):
    pass


@_err(14, "TACHYON_ERR_TIMEOUT", "A deadline passed.")
class TachyonTimeout(TachyonError, TimeoutError):
    pass


@_err(15, "TACHYON_ERR_INTERRUPTED", "A signal interrupted a wait.")
class Interrupted(TachyonError, InterruptedError):
    pass


@_err(16, "TACHYON_ERR_FULL", "Not enough free ring space right now.")
class RingFull(TachyonError):
    pass


@_err(17, "TACHYON_ERR_EMPTY", "No message available right now.")
class RingEmpty(TachyonError):
    pass


@_err(18, "TACHYON_ERR_TOO_LARGE", "The message is larger than bus.max_message_size.")
class MessageTooLarge(TachyonError, ValueError):
    pass


@_err(19, "TACHYON_ERR_PEER_GONE", "The peer closed or died; everything it committed was delivered.")
class PeerGone(TachyonError, ConnectionError):
    pass


@_err(20, "TACHYON_ERR_CORRUPT", "Shared memory holds values that cannot be valid.")
class CorruptRing(TachyonError):
    pass


@_err(21, "TACHYON_ERR_STATE", "A call out of order (wrong side, bus closed, message still held, ...).")
class StateError(TachyonError, RuntimeError):
    pass


@_err(22, "TACHYON_ERR_LAGGED", "A fan-out subscriber fell behind and was dropped (overrun); what it held may be "
     "overwritten. Rejoin to go on.")
class Lagged(TachyonError):
    pass


class UseAfterCommit(StateError):
    """A zero-copy view was used after its message was committed (its ring bytes may be reused)."""


class ExportsOutstanding(StateError, BufferError):
    """A guard was committed while memoryviews of it were alive. Nothing dangles: the commit (receive) or the
    rollback (send) happens when the last memoryview is released. Use `with memoryview(guard) as mv:`."""


BY_CODE = {cls.code: cls for cls in (
    InvalidArgument, NoMemory, SystemFailure, PathTooLong, AddressInUse, NoListener, PermissionRefused,
    HandshakeError, AbiMismatch, ByteOrderMismatch, AlignmentMismatch, CapacityError, SchemaMismatch,
    TachyonTimeout, Interrupted, RingFull, RingEmpty, MessageTooLarge, PeerGone, CorruptRing, StateError, Lagged)}
