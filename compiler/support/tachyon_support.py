"""The helpers every Python module tachc generates carries.

tachc embeds the lines between the tachc-support markers into each generated
module at build time (compiler/embed_support.awk). The compiler tests compile
this file and exercise it as itself (tests/compiler/support_test.py).
"""
from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

try:
    import numpy as _np
except ImportError:  # optional: only numpy() needs it
    _np = None

# tachc-support: begin helpers
#: Anything with the buffer protocol: bytes (read only), bytearray, memoryview,
#: mmap, or a Tachyon message.
Buffer = Any

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_I8 = struct.Struct("<b")
_I16 = struct.Struct("<h")
_I32 = struct.Struct("<i")
_I64 = struct.Struct("<q")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")
_BOOL = struct.Struct("<?")


def _nbytes(buf: Buffer) -> int:
    if isinstance(buf, (bytes, bytearray)):
        return len(buf)
    with memoryview(buf) as view:
        return view.nbytes


def _check(buf: Buffer, offset: int, size: int, name: str) -> None:
    """Refuses a view that would reach past the end of the buffer."""
    have = _nbytes(buf)
    if offset < 0 or have - offset < size:
        raise ValueError(
            f"{name} needs {size} bytes at offset {offset}, "
            f"but the buffer holds {have}")


def _text_out(raw: bytes) -> str:
    """char[N] text: the bytes up to the first NUL, as UTF-8 (bytes that are
    not UTF-8 raise UnicodeDecodeError, a ValueError, as Rust's x_str() fails;
    the raw bytes stay readable through to_bytes())."""
    return raw.split(b"\0", 1)[0].decode("utf-8")


def _text_in(value: str | bytes, size: int, name: str) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if len(raw) > size:
        raise ValueError(
            f"{name} holds at most {size} bytes, got {len(raw)}")
    return raw


def _exactly(values: Sequence[Any], count: int, name: str) -> Sequence[Any]:
    if len(values) != count:
        raise ValueError(
            f"{name} takes exactly {count} values, got {len(values)}")
    return values


def _put_bytes(buf: Buffer, offset: int, data: bytes) -> None:
    with memoryview(buf) as view:
        view.cast("B")[offset:offset + len(data)] = data


def _enum_or_int(cls: Any, value: int) -> Any:
    """The enum member, or the plain int for a value the schema lacks."""
    try:
        return cls(value)
    except ValueError:
        return value


def _np_frombuffer(buf: Buffer, dtype: Any, count: int, offset: int) -> Any:
    if _np is None:
        raise ImportError("NumPy views need NumPy")
    return _np.frombuffer(buf, dtype=dtype, count=count, offset=offset)


class _Scalars(Sequence[Any]):
    """A fixed array field, read and written element by element in place."""

    __slots__ = ("_buf", "_enum", "_item", "_len", "_np_type", "_off")

    def __init__(self, buf: Buffer, offset: int, length: int,
                 item: struct.Struct, np_type: str,
                 enum_cls: Any = None) -> None:
        self._buf = buf
        self._off = offset
        self._len = length
        self._item = item
        self._np_type = np_type
        self._enum = enum_cls

    def __len__(self) -> int:
        return self._len

    def _at(self, index: int) -> int:
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(f"index out of range for {self._len} elements")
        return self._off + index * self._item.size

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        value = self._item.unpack_from(self._buf, self._at(index))[0]
        return value if self._enum is None else _enum_or_int(self._enum, value)

    def __setitem__(self, index: int, value: Any) -> None:
        self._item.pack_into(self._buf, self._at(index), value)

    def tolist(self) -> list[Any]:
        return [self[i] for i in range(self._len)]

    def numpy(self) -> Any:
        """The elements as a NumPy array over the buffer itself (no copy)."""
        return _np_frombuffer(self._buf, self._np_type, self._len, self._off)

    def __repr__(self) -> str:
        return repr(self.tolist())


class _Views(Sequence[Any]):
    """A fixed array of structs: element i is a view of its own."""

    __slots__ = ("_buf", "_cls", "_len", "_off")

    def __init__(self, buf: Buffer, offset: int, length: int,
                 cls: Any) -> None:
        self._buf = buf
        self._off = offset
        self._len = length
        self._cls = cls

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(f"index out of range for {self._len} elements")
        return self._cls(self._buf, self._off + index * self._cls.SIZE)

    def numpy(self) -> Any:
        """The elements as a NumPy record array over the buffer (no copy)."""
        return self._cls.array(self._buf, self._len, self._off)

    def __repr__(self) -> str:
        return repr(list(self))
# tachc-support: end
