"""bus.arrays(): one read-only NumPy array per received frame, over the ring slot itself (no copy), each holding its
frame: the next frame is taken, and this one committed, only once no array over it (or view of one) is left, so an
array never reads a slot the producer reused."""
import gc
import sys

import numpy as np
import pytest

import tachyon
from conftest import finish, spawn

NUMPY2 = int(np.__version__.split(".")[0]) >= 2
FLOATS = np.arange(256, dtype=np.float32) + 0.5


def send_all(prod, payloads, type_id=1):
    for p in payloads:
        prod.send(p, type_id=type_id)
    prod.flush()


def address(arr):
    return arr.__array_interface__["data"][0]


def test_array_aliases_the_ring_slot(pair):
    """A message one ring lap after another sits in the same slot: the array of the second one starts exactly where
    the in-place memoryview of the first one did."""
    cons, prod = pair
    payload = tachyon.FRAME_ALIGN - tachyon.FRAME_HEADER  # one message per FRAME_ALIGN bytes of ring
    lap = cons.capacity // tachyon.FRAME_ALIGN
    prod.send(b"\x01" * payload, type_id=1)
    prod.flush()
    with cons.recv_zero_copy(timeout=5) as rx:
        with memoryview(rx) as mv:
            first_slot = address(np.frombuffer(mv, np.uint8))
    for start in range(1, lap, 256):
        n = min(256, lap - start)
        send_all(prod, [b"\x02" * payload] * n)
        for _ in range(n):
            cons.recv(timeout=5)
    pattern = bytes(range(payload))
    send_all(prod, [pattern])
    stream = cons.arrays(np.uint8)
    arr = next(stream)
    assert address(arr) == first_slot
    assert arr.tobytes() == pattern
    assert arr.dtype == np.uint8 and arr.shape == (payload,)
    assert not arr.flags.owndata and not arr.flags.writeable
    assert arr.flags.c_contiguous and arr.flags.aligned
    assert type(arr.base).__name__ == "_FrameHold"
    with pytest.raises(ValueError):
        arr[0] = 7  # a received frame is read-only
    del arr
    stream.close()
    assert not stream.held


def test_dtypes_and_shapes(pair):
    import market
    cons, prod = pair
    tick = np.zeros(2, dtype=market.MarketTick.numpy_dtype())
    tick["symbol"], tick["price"], tick["quantity"] = b"BTCUSDT", [1.5, 2.5], [3, 4]
    send_all(prod, [FLOATS.tobytes(), FLOATS.tobytes(), tick.tobytes(), b"abcd"])
    stream = cons.arrays(np.float32)
    arr = next(stream)
    assert arr.dtype == np.float32 and arr.shape == (256,)
    np.testing.assert_array_equal(arr, FLOATS)
    assert (stream.type_id, stream.size, stream.dtype) == (1, 1024, np.dtype(np.float32))
    del arr
    stream.close()
    rows = cons.arrays(np.dtype((np.float32, (256,))))  # one row per frame: a subarray dtype
    arr = next(rows)
    assert arr.shape == (1, 256)
    np.testing.assert_array_equal(arr[0], FLOATS)
    del arr
    rows.close()
    records = cons.arrays(market.MarketTick)  # a generated class: its numpy_dtype()
    arr = next(records)
    assert arr.shape == (2,) and arr["price"].tolist() == [1.5, 2.5] and arr["quantity"].tolist() == [3, 4]
    del arr
    records.close()
    raw = cons.arrays()  # default: bytes as uint8
    arr = next(raw)
    assert arr.dtype == np.uint8 and arr.tobytes() == b"abcd"
    del arr
    raw.close()


def test_live_array_blocks_the_next_frame(pair):
    cons, prod = pair
    send_all(prod, [b"first frame", b"second frame"])
    stream = cons.arrays()
    arr = next(stream)
    tail = arr[6:]  # a view: NumPy gives it the same base, so it holds the frame too
    with pytest.raises(tachyon.ExportsOutstanding) as e:
        next(stream)
    assert "del" in str(e.value)
    assert stream.held
    with pytest.raises(tachyon.StateError):
        cons.recv(timeout=0)  # the frame is still held
    del arr
    assert stream.held and tail.tobytes() == b"frame"
    with pytest.raises(tachyon.ExportsOutstanding):
        next(stream)
    del tail  # the last one: the frame is committed now
    assert not stream.held
    arr = next(stream)
    assert arr.tobytes() == b"second frame"
    del arr


def test_collecting_arrays_is_refused(pair):
    """Keeping every array (list(stream)) would need every frame held at once: the second frame is refused."""
    cons, prod = pair
    send_all(prod, [b"a" * 16, b"b" * 16])
    kept = []
    with pytest.raises(tachyon.ExportsOutstanding):
        kept.extend(cons.arrays())
    assert [a.tobytes() for a in kept] == [b"a" * 16]
    kept.clear()
    assert cons.recv(timeout=5).data == b"b" * 16  # the first frame was committed when its array went


def test_held_frame_is_never_overwritten(small_pair):
    """While an array lives the producer cannot reuse its slot: the ring fills up around it and the array still
    reads what was sent; releasing it frees the slot."""
    cons, prod = small_pair  # 1 KiB ring: 16 frames of 64 bytes
    send_all(prod, [b"A" * 48])
    stream = cons.arrays(np.uint8)
    arr = next(stream)
    with pytest.raises(tachyon.ExportsOutstanding):
        next(stream)
    sent = 0
    while prod.try_send(bytes([sent]) * 48, type_id=2):
        sent += 1
    assert 0 < sent < 16  # the held frame's slot is not free
    assert arr.tobytes() == b"A" * 48
    del arr  # committed at this release: its slot is free again
    assert prod.try_send(bytes([sent]) * 48, type_id=2)
    sent += 1
    prod.flush()
    got = []
    for arr in stream:
        got.append(arr.tobytes())
        del arr
        if len(got) == sent:
            break
    assert got == [bytes([i]) * 48 for i in range(sent)]


def test_end_type_id_ends_the_stream(pair):
    cons, prod = pair
    send_all(prod, [FLOATS.tobytes()] * 3, type_id=1)
    send_all(prod, [b"end!"], type_id=0)
    send_all(prod, [b"after"], type_id=5)
    sums = []
    for arr in cons.arrays(np.float32, end_type_id=0):
        sums.append(float(arr.sum()))
        del arr
    assert sums == [float(FLOATS.sum())] * 3
    msg = cons.recv(timeout=5)  # the end message was committed, nothing after it was taken
    assert (msg.type_id, msg.data) == (5, b"after")


def test_peer_close_ends_the_stream(pair):
    cons, prod = pair
    send_all(prod, [b"x" * 8, b"y" * 8])
    prod.close()
    got = []
    for arr in cons.arrays(np.uint64):
        got.append(int(arr[0]))
        del arr
    assert got == [int.from_bytes(b"x" * 8, "little"), int.from_bytes(b"y" * 8, "little")]


def test_with_block_commits_and_ends(pair):
    cons, prod = pair
    send_all(prod, [b"one", b"two", b"three"])
    with cons.arrays() as stream:
        arr = next(stream)
        assert arr.tobytes() == b"one"
        del arr
    assert not stream.held
    with pytest.raises(StopIteration):
        next(stream)  # closed: the stream ended
    assert cons.recv(timeout=5).data == b"two"  # `one` was committed on exit
    with pytest.raises(tachyon.ExportsOutstanding):
        with cons.arrays() as stream:
            arr = next(stream)
    assert stream.held and arr.tobytes() == b"three"
    with pytest.raises(tachyon.StateError):
        cons.recv(timeout=0)
    del arr  # committed at this release
    assert not stream.held
    with pytest.raises(tachyon.TachyonTimeout):
        cons.recv(timeout=0.01)


def test_failed_block_and_dropped_stream_release_the_frame(pair):
    cons, prod = pair
    send_all(prod, [b"one", b"two", b"three"])
    with pytest.raises(ZeroDivisionError):
        with cons.arrays() as stream:
            next(stream)
            1 / 0
    assert not stream.held
    stream = cons.arrays()
    next(stream)
    del stream  # dropped while holding: the frame is committed
    assert cons.recv(timeout=5).data == b"three"


def test_close_of_the_bus_waits_for_the_array(sock):
    from conftest import open_pair
    cons, prod = open_pair(sock)
    send_all(prod, [b"z" * 32])
    arr = next(cons.arrays())
    cons.close()
    assert cons.closed and prod.peer_alive()  # the ring stays mapped while the array lives
    assert arr.tobytes() == b"z" * 32
    del arr
    gc.collect()
    assert not prod.peer_alive()  # last array gone: this side is closed now
    prod.close()


def test_bad_input_is_refused(pair):
    cons, prod = pair
    with pytest.raises(tachyon.StateError):
        prod.arrays()  # the producer side
    with pytest.raises(TypeError):
        cons.arrays(object)  # items would be pointers
    with pytest.raises(TypeError):
        cons.arrays(np.dtype([("a", np.int32), ("b", object)]))
    if NUMPY2:
        with pytest.raises(TypeError):
            cons.arrays(np.dtypes.StringDType())  # pointers into NumPy's string arena
    with pytest.raises(ValueError):
        cons.arrays(np.dtype([]))  # no size
    with pytest.raises(TypeError):
        cons.arrays("not a dtype")
    with pytest.raises(ValueError):
        cons.arrays(end_type_id=-1)
    with pytest.raises(TypeError):
        cons.arrays(np.uint8, 0)  # end_type_id and timeout are keyword-only
    with pytest.raises(ValueError):
        cons.arrays(timeout=-1)
    stream = cons.arrays(np.float32, timeout=0.05)
    with pytest.raises(tachyon.TachyonTimeout):
        next(stream)
    send_all(prod, [b"six by", FLOATS[:4].tobytes()])
    with pytest.raises(ValueError, match="6 bytes"):
        next(stream)  # not a whole number of float32s
    arr = next(stream)  # the stream goes on with the next frame
    assert arr.tolist() == FLOATS[:4].tolist()
    del arr


def test_without_numpy_the_error_says_so(sock):
    code = """
import sys
sys.modules["numpy"] = None
from conftest import open_pair
cons, prod = open_pair(sys.argv[1])
try:
    cons.arrays()
except ImportError as e:
    print("ImportError:", e)
"""
    rc, out, err = finish(spawn(code, sock))
    assert rc == 0, err
    assert out.startswith("ImportError:") and "needs NumPy" in out


def test_object_refcounts_do_not_leak(pair):
    cons, prod = pair
    stream = cons.arrays(np.float32)
    before = sys.getrefcount(cons), sys.getrefcount(stream)
    for _ in range(5):
        send_all(prod, [FLOATS.tobytes()] * 50)
        for _ in range(50):
            arr = next(stream)
            arr.view(np.uint8)
            del arr
    stream.close()
    assert (sys.getrefcount(cons), sys.getrefcount(stream)) == before
