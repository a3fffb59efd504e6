"""tachyon: same-machine, zero-copy IPC over a shared-memory SPSC ring.

One bus = one direction: the listener receives (consumer), the connector sends
(producer). A C extension over libtachyon; blocking calls release the GIL and
wake every 100 ms so Ctrl-C works.

    # process 1 (first)                         # process 2
    import tachyon                              import tachyon
    with tachyon.Bus.listen("/tmp/demo.sock", 1 << 16) as bus:
        for msg in bus:                         with tachyon.Bus.connect("/tmp/demo.sock") as bus:
            print(msg.type_id, msg.data)            bus.send(b"hello tachyon", type_id=1)

Zero-copy views (recv_zero_copy, send_zero_copy, drain_batch items) support the
buffer protocol and DLPack; they are valid until their message is committed
(the end of the `with` block). See the README's Python section.
"""
from typing import Any, List, Optional

from . import _tachyon
from ._errors import (  # noqa: F401  (re-exported)
    AbiMismatch, AddressInUse, AlignmentMismatch, ByteOrderMismatch, CapacityError, CorruptRing, ExportsOutstanding,
    HandshakeError, Interrupted, InvalidArgument, Lagged, MessageTooLarge, NoListener, NoMemory, PathTooLong, PeerGone,
    PermissionRefused, RingEmpty, RingFull, SchemaMismatch, StateError, SystemFailure, TachyonError, TachyonTimeout,
    UseAfterCommit,
)
from ._tachyon import ArrayStream, Batch, BatchItem, Message, RxGuard, Stats, TxGuard  # noqa: F401
from ._tachyon import FanIn, FanOut, HeldMessage, Subscriber, WaitSet  # noqa: F401  (topology)
from . import rpc  # noqa: F401  (request/response: tachyon.rpc)
from .rpc import Rpc  # noqa: F401

__version__: str = _tachyon.VERSION  # tachyon.h's TACHYON_VERSION: the repository's VERSION file

__all__ = [
    "Bus", "Message", "RxGuard", "TxGuard", "Batch", "BatchItem", "ArrayStream", "Stats", "decode", "fingerprint_of",
    "FanOut", "Subscriber", "FanIn", "WaitSet", "HeldMessage", "Rpc", "rpc",
    "TachyonError", "InvalidArgument", "NoMemory", "SystemFailure", "PathTooLong", "AddressInUse", "NoListener",
    "PermissionRefused", "HandshakeError", "AbiMismatch", "ByteOrderMismatch", "AlignmentMismatch", "CapacityError",
    "SchemaMismatch", "TachyonTimeout", "Interrupted", "RingFull", "RingEmpty", "MessageTooLarge", "PeerGone",
    "CorruptRing", "StateError", "Lagged", "UseAfterCommit", "ExportsOutstanding",
    "ABI_VERSION", "FRAME_ALIGN", "FRAME_HEADER", "BATCH", "MIN_CAPACITY", "MAX_CAPACITY",
]

ABI_VERSION = _tachyon.ABI_VERSION
FRAME_ALIGN = _tachyon.FRAME_ALIGN
FRAME_HEADER = _tachyon.FRAME_HEADER
BATCH = _tachyon.BATCH
MIN_CAPACITY = _tachyon.MIN_CAPACITY
MAX_CAPACITY = _tachyon.MAX_CAPACITY


def fingerprint_of(schema: Any) -> int:
    """The schema fingerprint of a generated module (its FINGERPRINT), an int, or 0 for None."""
    if schema is None:
        return 0
    if isinstance(schema, int):
        return schema
    fp = getattr(schema, "FINGERPRINT", None)
    if not isinstance(fp, int):
        raise TypeError(f"{schema!r} is not a tachc-generated module (no integer FINGERPRINT)")
    return fp


def _resolve_fingerprint(fingerprint: Optional[int], schema: Any) -> int:
    if schema is not None and fingerprint:
        if fingerprint_of(schema) != fingerprint:
            raise ValueError("fingerprint= and schema= disagree")
    return fingerprint_of(schema) if schema is not None else (fingerprint or 0)


class Bus(_tachyon.Bus):
    """One side of a Tachyon bus: `Bus.listen` (receives) or `Bus.connect` (sends).

    Use it as a context manager (close() on exit; a producer flushes first).
    Iterating a listening bus yields Message objects until the peer closes.
    """

    __slots__ = ()

    @classmethod
    def listen(cls, path: str, capacity: int, *, fingerprint: int = 0, schema: Any = None,
               timeout: Optional[float] = None, allow_any_uid: bool = False) -> "Bus":
        """Listens on `path` (a filesystem path, or "@name" for the abstract namespace), waits for one
        connector (up to `timeout` seconds; None: forever) and returns the receiving side of a new ring of
        `capacity` bytes (a power of two, 256 .. 2**40). `schema` (a generated module) or `fingerprint` binds
        the bus to a schema: a connector built from another layout is refused (SchemaMismatch on both sides).
        Only connectors with this process's uid are accepted unless allow_any_uid=True."""
        return cls._listen(path, capacity, _resolve_fingerprint(fingerprint, schema), timeout, allow_any_uid)

    @classmethod
    def connect(cls, path: str, *, fingerprint: int = 0, schema: Any = None,
                timeout: Optional[float] = None) -> "Bus":
        """Connects to the listener on `path` and returns the sending side. Waits up to `timeout` seconds
        (None: 5 s) for the listener to appear and the handshake to finish (NoListener says how long it waited)."""
        return cls._connect(path, _resolve_fingerprint(fingerprint, schema), timeout)


def decode(schema: Any, msg: Any) -> Any:
    """The generated typed view of `msg` (a Message, RxGuard or BatchItem) chosen by its type id:
    `schema.decode(msg.type_id, payload)`. Returns None for a message with an empty payload; raises
    ValueError for a type id the schema does not define or a payload shorter than its type.
    A view over an RxGuard/BatchItem reads the ring in place and raises UseAfterCommit after the commit."""
    dec = getattr(schema, "decode", None)
    if dec is None:
        raise TypeError(f"{schema!r} is not a tachc-generated module (no decode())")
    buf = msg.data if isinstance(msg, Message) else msg
    return dec(msg.type_id, buf)


# ---- NumPy views of a batch --------------------------------------------------

def _numpy(what: str = "Batch.as_array()") -> Any:
    try:
        import numpy
    except ImportError as e:  # pragma: no cover - numpy is optional
        raise ImportError(f"{what} needs NumPy") from e
    return numpy


def _dtype(np: Any, spec: Any) -> Any:
    if isinstance(spec, np.dtype):
        return spec
    make = getattr(spec, "numpy_dtype", None)
    if callable(make):
        return make()
    return np.dtype(spec)


def _run_arrays(batch: Batch, spec: Any, type_id: Any) -> List[Any]:
    """One zero-copy structured array per run of equally spaced messages."""
    np = _numpy()
    dt = _dtype(np, spec)
    want = None
    if type_id is not None:
        want = {type_id} if isinstance(type_id, int) else set(type_id)
    arrays = []
    for run in batch.runs():
        if run.size != dt.itemsize:
            raise ValueError(f"as_array: message {run.start} has {run.size} bytes, the record type has "
                             f"{dt.itemsize}")
        if want is not None:
            for i, tid in enumerate(run.type_ids()):
                if tid not in want:
                    raise ValueError(f"as_array: message {run.start + i} has type id {tid}, expected "
                                     f"{sorted(want)}")
        raw = np.asarray(run._span())  # uint8 over the ring, read-only; keeps the ring mapped
        arrays.append(np.ndarray((len(run),), dtype=dt, buffer=raw, offset=0, strides=(run.stride,)))
    return arrays


def _as_arrays(batch: Batch, spec: Any, *, type_id: Any = None) -> List[Any]:
    return _run_arrays(batch, spec, type_id)


def _as_array(batch: Batch, spec: Any, *, type_id: Any = None, copy: bool = False) -> Any:
    arrays = _run_arrays(batch, spec, type_id)
    if len(arrays) == 1:
        return arrays[0]
    if not arrays:
        np = _numpy()
        return np.empty(0, dtype=_dtype(np, spec))
    if copy:
        return _numpy().concatenate(arrays)
    raise ValueError("as_array: this batch crosses the ring's end, so its records are not equally spaced; "
                     "use as_arrays() (one zero-copy array per run) or as_array(..., copy=True)")


def _array_dtype(spec: Any) -> Any:
    """bus.arrays()'s dtype: a numpy.dtype, anything numpy.dtype() takes, or a generated record class
    (its numpy_dtype()); None is uint8."""
    np = _numpy("bus.arrays()")
    return np.dtype(np.uint8) if spec is None else _dtype(np, spec)


_tachyon._register({"decode": lambda msg, schema: decode(schema, msg),
                    "as_array": _as_array, "as_arrays": _as_arrays, "array_dtype": _array_dtype})
