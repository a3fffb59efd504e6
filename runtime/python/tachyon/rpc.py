"""Request/response over one Tachyon connection (two rings, one handshake).

The listener is the server, the connector the client. Request and reply bodies
are read and written in place in the rings: a received body is a Frame (buffer
protocol) that stays valid until the connection moves on (the client's next
call, the server's commit or defer). tachc's Python output wraps this layer in
a typed client (``PricingClient(rpc).quote(req) -> QuoteReply``) and a server
base class with dispatch (``class Impl(PricingServer): def quote(...)``).

Transport failures are the package's own exceptions (one per code of
tachyon.h's error table: TachyonTimeout, PeerGone, CorruptRing,
MessageTooLarge, ...); what the server answered other than OK is an RpcError:
UnknownMethod, BadRequest, or ApplicationError with the handler's code.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Iterator, NamedTuple, Optional, Tuple

from . import _tachyon
from ._errors import CorruptRing, PeerGone, StateError

__all__ = [
    "Rpc", "Frame", "RpcError", "UnknownMethod", "ApplicationError", "BadRequest", "Reply", "Responder", "Method",
    "serve", "defer", "current_call", "replies", "check_status", "check_reply", "decode_reply", "request_body",
    "adapt", "RPC_OK", "RPC_UNKNOWN_METHOD", "RPC_APP_ERROR", "RPC_BAD_REQUEST",
    "RPC_MAX_INFLIGHT",
]

Frame = _tachyon.Frame
RPC_OK: int = _tachyon.RPC_OK
RPC_UNKNOWN_METHOD: int = _tachyon.RPC_UNKNOWN_METHOD
RPC_APP_ERROR: int = _tachyon.RPC_APP_ERROR
RPC_BAD_REQUEST: int = _tachyon.RPC_BAD_REQUEST
#: Calls one client may have in flight at once.
RPC_MAX_INFLIGHT: int = _tachyon.RPC_MAX_INFLIGHT


class RpcError(Exception):
    """The server answered a call with a status other than OK."""

    status: int = -1

    def __init__(self, message: str, call_id: int = 0, method_id: int = 0, app_code: int = 0) -> None:
        super().__init__(message)
        self.call_id = call_id
        self.method_id = method_id
        self.app_code = app_code


class UnknownMethod(RpcError):
    """The server has no such method id."""

    status = RPC_UNKNOWN_METHOD


class ApplicationError(RpcError):
    """The handler failed: its own code is .app_code. A handler raises it to fail a call."""

    status = RPC_APP_ERROR

    def __init__(self, app_code: int, message: str = "", call_id: int = 0, method_id: int = 0) -> None:
        if not 0 < app_code < 0xFFFFFFFF:
            raise ValueError("an application error code is in 1..2**32-2")
        super().__init__(message or f"the handler failed with code {app_code}", call_id, method_id, app_code)


class BadRequest(RpcError):
    """The request body's size is not the method's request size."""

    status = RPC_BAD_REQUEST


def check_status(frame: Any) -> Any:
    """Returns a reply Frame whose status is OK, else raises its RpcError."""
    status = frame.status
    if status == RPC_OK:
        return frame
    call_id, method_id = frame.call_id, frame.method_id
    if status == RPC_UNKNOWN_METHOD:
        raise UnknownMethod(f"the server has no method {method_id}", call_id, method_id)
    if status == RPC_APP_ERROR:
        raise ApplicationError(frame.app_code, "", call_id, method_id)
    raise BadRequest(f"method {method_id}: the server refused the request's size", call_id, method_id)


class Reply(NamedTuple):
    """One outcome of a pipelined call: .value is the typed reply view (None for
    an empty reply), or .error the RpcError the server answered."""

    call_id: int
    method_id: int
    value: Any
    error: Optional[RpcError]

    def result(self) -> Any:
        """The value, or raises the error."""
        if self.error is not None:
            raise self.error
        return self.value


class Rpc(_tachyon.Rpc):
    """One side of an RPC connection: ``Rpc.listen`` (server) or ``Rpc.connect``
    (client). A context manager (close() on exit)."""

    __slots__ = ()

    @classmethod
    def listen(cls, path: str, capacity: int = 1 << 16, *, fingerprint: int = 0, schema: Any = None,
               timeout: Optional[float] = None, allow_any_uid: bool = False) -> "Rpc":
        """Listens on `path` for one client (waiting up to `timeout` seconds) with two rings of `capacity`
        bytes; `schema` (a generated module) binds the connection to its fingerprint."""
        fp = getattr(schema, "FINGERPRINT", 0) if schema is not None else fingerprint
        return cls._listen(path, capacity, fp, timeout, allow_any_uid)

    @classmethod
    def connect(cls, path: str, *, fingerprint: int = 0, schema: Any = None,
                timeout: Optional[float] = None) -> "Rpc":
        """Connects to the server on `path`, waiting for it up to `timeout` seconds (None: 5 s)."""
        fp = getattr(schema, "FINGERPRINT", 0) if schema is not None else fingerprint
        return cls._connect(path, fp, timeout)

    def __enter__(self) -> "Rpc":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Responder:
    """A deferred call, answered later from any thread: reply() or fail(). The
    request was copied (``.request``, a typed view over the copy)."""

    __slots__ = ("_rpc", "call_id", "method_id", "request", "_done", "_lock")

    def __init__(self, rpc: Any, call_id: int, method_id: int, request: Any) -> None:
        self._rpc = rpc
        self.call_id = call_id
        self.method_id = method_id
        self.request = request
        self._done = False
        self._lock = threading.Lock()

    def _post(self, body: Any, status: int, code: int) -> None:
        with self._lock:
            if self._done:
                raise StateError(f"call {self.call_id} was answered already")
            self._done = True
        self._rpc.post_reply(self.call_id, self.method_id, body, status, code)

    def reply(self, value: Any = None) -> None:
        """Answers with `value`: a typed view, or any bytes-like of the reply's size (None: empty)."""
        if value is not None and hasattr(value, "to_bytes") and not isinstance(value, (bytes, bytearray)):
            value = value.to_bytes()
        self._post(value, RPC_OK, 0)

    def fail(self, app_code: int) -> None:
        """Answers with the application error `app_code` (1..2**32-2)."""
        if not 0 < app_code < 0xFFFFFFFF:
            raise ValueError("an application error code is in 1..2**32-2")
        self._post(None, RPC_APP_ERROR, app_code)


class Method(NamedTuple):
    """One row of a generated server's dispatch table."""

    name: str
    request_size: int
    reply_size: int
    request_cls: Any  # typed view class, or None for an empty request
    reply_cls: Any
    handler: Callable[..., Any]


_current = threading.local()


def current_call() -> Tuple[Any, Any, Method]:
    """(rpc, request frame, method) of the call being handled on this thread."""
    call = getattr(_current, "call", None)
    if call is None:
        raise StateError("defer() is for a handler, while serve() runs it")
    return call


def defer() -> Responder:
    """Inside a handler: answer this call later (from any thread) through the
    returned Responder, so the serve loop goes on with the next requests. The
    handler's reply view is then not sent; the request is copied for you."""
    rpc, req, method = current_call()
    copy = bytearray(req)
    call_id, method_id = rpc.defer()
    _current.deferred = True
    request = method.request_cls(copy) if method.request_cls is not None else None
    return Responder(rpc, call_id, method_id, request)


def serve(rpc: Any, methods: Dict[int, Method], timeout: Optional[float] = None) -> None:
    """Answers requests on `rpc` by method id until the client goes (returns)
    or `timeout` seconds pass (TachyonTimeout). Unknown ids are answered
    UNKNOWN_METHOD, bodies of the wrong size BAD_REQUEST; a handler reads the
    request view and writes the reply view in place, returns None (OK), raises
    ApplicationError (its code is sent), or calls defer()."""
    try:
        while True:
            req = rpc.next_request(timeout)
            method = methods.get(req.method_id)
            if method is None:
                rpc.commit(RPC_UNKNOWN_METHOD)
                continue
            if len(req) != method.request_size:
                rpc.commit(RPC_BAD_REQUEST)
                continue
            out = rpc.reply(method.reply_size)
            _current.call = (rpc, req, method)
            _current.deferred = False
            try:
                method.handler(method.request_cls(req) if method.request_cls is not None else None,
                               method.reply_cls(out) if method.reply_cls is not None else None)
            except ApplicationError as e:
                if not _current.deferred:
                    rpc.commit(RPC_APP_ERROR, e.app_code)
                continue
            finally:
                _current.call = None
            if not _current.deferred:
                rpc.commit(RPC_OK)
    except PeerGone:
        return


def replies(rpc: Any, decode: Callable[[Any], Reply], timeout: Optional[float] = None) -> Iterator[Reply]:
    """Yields the outcome of every pending call, in the order the server
    answers, until none is pending; decode(frame) makes each Reply."""
    while rpc.pending:
        yield decode(rpc.next_reply(timeout))


# ---- helpers of the code tachc generates -------------------------------------

def request_body(request: Any, cls: Any) -> Any:
    """The bytes of a request: a generated view's own SIZE bytes (no copy until
    the ring), or any bytes-like of exactly cls.SIZE bytes."""
    if isinstance(request, cls):
        with memoryview(request.buffer) as view:
            return view.cast("B")[request.offset:request.offset + cls.SIZE]
    size = memoryview(request).nbytes
    if size != cls.SIZE:
        raise ValueError(f"{cls.__name__} request is {cls.SIZE} bytes, got {size}")
    return request


def check_reply(frame: Any, size: int) -> Any:
    """A reply Frame with status OK and exactly `size` bytes, else its RpcError,
    or CorruptRing for a reply of another size."""
    check_status(frame)
    if len(frame) != size:
        got = len(frame)
        raise CorruptRing(f"method {frame.method_id}: a reply of {got} bytes, expected {size}")
    return frame


def decode_reply(frame: Any, replies: Dict[int, Any]) -> Reply:
    """A pipelined call's outcome: the typed reply view (by method id) or the RpcError."""
    try:
        check_status(frame)
    except RpcError as e:
        return Reply(frame.call_id, frame.method_id, None, e)
    cls = replies.get(frame.method_id)
    size = cls.SIZE if cls is not None else 0
    if len(frame) != size:
        raise CorruptRing(f"method {frame.method_id}: a reply of {len(frame)} bytes, expected {size}")
    return Reply(frame.call_id, frame.method_id, cls(frame) if cls is not None else None, None)


def adapt(handler: Callable[..., Any], has_request: bool, has_reply: bool) -> Callable[[Any, Any], Any]:
    """serve() calls handler(request, reply); a method with an empty request or
    reply takes fewer arguments."""
    if has_request:
        return lambda request, reply: handler(request)
    if has_reply:
        return lambda request, reply: handler(reply)
    return lambda request, reply: handler()
