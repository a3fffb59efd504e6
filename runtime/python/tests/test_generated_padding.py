"""Generated views over a reused ring slot (issue 13, item 4): a record written
field by field through the setters of generated/python leaves no stale byte,
padding included, where the slot held other bytes before; clear() zeroes a
whole record. Over a live bus whose ring is first filled with 0xFF bytes."""
import pytest

import testlib
from conftest import open_pair

MODULES = testlib.generated_modules()
STRUCTS = sorted({(mod.__name__, cls.__name__): cls for mod in MODULES
                  for _, _, cls in testlib.message_types(mod) if cls is not None}.items())


def copy_fields(dst, src):
    """Writes every field of src into dst through dst's setters only."""
    for name in src.FIELDS:
        value = getattr(src, name)
        if hasattr(value, "FIELDS"):            # a nested struct: its setter copies the record
            setattr(dst, name, value)
        elif type(value).__name__ == "_Views":  # an array of structs: element by element
            for i, elem in enumerate(value):
                copy_fields(getattr(dst, name)[i], elem)
        else:
            setattr(dst, name, value)


def capacity_for(size):
    cap = 1024
    while cap < 4 * (size + 64):
        cap *= 2
    return cap


def dirty_the_ring(cons, prod, size, type_id, rounds):
    """Cycles every slot of the ring through a message of 0xFF bytes."""
    for _ in range(rounds):
        with prod.send_zero_copy(size=size, type_id=type_id) as tx:
            memoryview(tx).cast("B")[:size] = b"\xff" * size
        prod.flush()
        msg = cons.recv(timeout=5)
        assert bytes(msg.data) == b"\xff" * size


@pytest.mark.parametrize("key,cls", STRUCTS, ids=["%s.%s" % k for k, _ in STRUCTS])
@pytest.mark.parametrize("clear_first", [False, True], ids=["setters", "clear"])
def test_reused_slot_keeps_no_stale_byte(sock, key, cls, clear_first):
    values, expected = testlib.sample_record(cls, 7)
    src = cls(bytearray(expected))
    cap = capacity_for(cls.SIZE)
    cons, prod = open_pair(sock, capacity=cap)
    try:
        dirty_the_ring(cons, prod, cls.SIZE, 1, rounds=2 * cap // (cls.SIZE + 16) + 2)
        with prod.send_zero_copy(size=cls.SIZE, type_id=1) as tx:
            view = cls(tx)
            if clear_first:
                view.clear()
                assert bytes(memoryview(tx).cast("B")[:cls.SIZE]) == bytes(cls.SIZE)
            copy_fields(view, src)
        prod.flush()
        got = bytes(cons.recv(timeout=5).data)
    finally:
        prod.close()
        cons.close()
    assert got == expected, "stale bytes at %s" % [i for i in range(cls.SIZE) if got[i] != expected[i]]


def test_char_fields_hold_utf8_text():
    """char[N] is UTF-8 text (README, char[N]): a str is stored as its UTF-8
    bytes, read back as the same str; bytes that are not UTF-8 fail to read as
    text (as Rust's x_str() does) and stay readable as bytes."""
    market = next(m for m in MODULES if m.__name__ == "market")
    tick = market.MarketTick.new()
    tick.symbol = "café€"                       # 8 bytes in UTF-8: fits char[8] exactly
    assert tick.to_bytes()[:8] == "café€".encode("utf-8")
    assert tick.symbol == "café€"
    with pytest.raises(ValueError):
        tick.symbol = "cafés€"                  # 9 bytes
    assert tick.symbol == "café€"               # nothing written
    tick.symbol = b"\xff\xfeAB"
    with pytest.raises(UnicodeDecodeError):
        tick.symbol
    assert tick.to_bytes()[:8] == b"\xff\xfeAB\0\0\0\0"
