"""Zero-copy receive and send: buffer protocol, DLPack into NumPy, commit
rules (use after commit refused, live memoryviews block the commit)."""
import gc
import struct

import numpy as np
import pytest

import tachyon

# NumPy 2 speaks DLPack 1.0 (versioned capsules, copy=, read-only flag); NumPy 1.x
# only legacy capsules, always imported read-only.
NUMPY2 = int(np.__version__.split(".")[0]) >= 2
needs_numpy2 = pytest.mark.skipif(not NUMPY2, reason="NumPy < 2 has no DLPack copy= or writable imports")


def test_recv_zero_copy_reads_in_place(pair):
    cons, prod = pair
    prod.send(b"abcdef", type_id=9)
    prod.flush()
    with cons.recv_zero_copy(timeout=5) as rx:
        assert (rx.type_id, rx.size, len(rx)) == (9, 6, 6)
        with memoryview(rx) as mv:
            assert mv.readonly
            assert mv.tobytes() == b"abcdef"
            with pytest.raises(TypeError):
                mv[0] = 1
        assert rx.tobytes() == b"abcdef"
    assert rx.committed


def test_use_after_commit_is_refused(pair):
    cons, prod = pair
    prod.send(b"x" * 64, type_id=1)
    prod.flush()
    with cons.recv_zero_copy(timeout=5) as rx:
        pass
    with pytest.raises(tachyon.UseAfterCommit):
        memoryview(rx)
    with pytest.raises(tachyon.UseAfterCommit):
        rx.tobytes()
    with pytest.raises(tachyon.UseAfterCommit):
        rx.__dlpack__()
    with pytest.raises(tachyon.UseAfterCommit):
        np.from_dlpack(rx)
    assert issubclass(tachyon.UseAfterCommit, tachyon.TachyonError)


def test_batch_item_use_after_commit_is_refused(pair):
    cons, prod = pair
    for i in range(3):
        prod.send(bytes([i]) * 16, type_id=i)
    prod.flush()
    with cons.drain_batch(timeout=5) as batch:
        item = batch[1]
        assert item.tobytes() == b"\x01" * 16
    for use in (lambda: memoryview(item), item.tobytes, item.__dlpack__, lambda: batch[0], batch.runs):
        with pytest.raises(tachyon.UseAfterCommit):
            use()


def test_tx_guard_use_after_commit_is_refused(pair):
    cons, prod = pair
    with prod.send_zero_copy(size=8, type_id=1) as tx:
        struct.pack_into("<Q", tx, 0, 77)
    with pytest.raises(tachyon.UseAfterCommit):
        memoryview(tx)
    with pytest.raises(tachyon.UseAfterCommit):
        tx.__dlpack__()
    prod.flush()
    assert struct.unpack("<Q", cons.recv(timeout=5).data) == (77,)


def test_live_memoryview_blocks_commit_until_released(pair):
    cons, prod = pair
    prod.send(b"first", type_id=1)
    prod.send(b"second", type_id=2)
    prod.flush()
    rx = cons.recv_zero_copy(timeout=5)
    mv = memoryview(rx)
    with pytest.raises(tachyon.ExportsOutstanding) as info:
        rx.__exit__(None, None, None)
    assert isinstance(info.value, BufferError)
    assert not rx.committed
    assert mv.tobytes() == b"first"  # still valid: nothing was committed
    with pytest.raises(tachyon.StateError):
        cons.recv(timeout=0)  # the first message is still held
    mv.release()  # the deferred commit happens here
    assert rx.committed
    assert cons.recv(timeout=5).data == b"second"


def test_live_memoryview_of_reservation_rolls_back(pair):
    cons, prod = pair
    tx = prod.send_zero_copy(size=4, type_id=5)
    mv = memoryview(tx)
    mv[:] = b"lost"
    with pytest.raises(tachyon.ExportsOutstanding):
        tx.__exit__(None, None, None)
    mv.release()  # rolled back: a view that can still change is never published
    prod.send(b"kept", type_id=6)
    prod.flush()
    msg = cons.recv(timeout=5)
    assert (msg.type_id, msg.data) == (6, b"kept")


def test_send_zero_copy_rolls_back_on_exception(pair):
    cons, prod = pair
    with pytest.raises(ZeroDivisionError):
        with prod.send_zero_copy(size=16, type_id=1) as tx:
            tx_view = memoryview(tx)
            tx_view[:5] = b"never"
            tx_view.release()
            1 / 0
    prod.send(b"after", type_id=2)
    prod.flush()
    msg = cons.recv(timeout=5)
    assert (msg.type_id, msg.data) == (2, b"after")
    assert cons.try_recv() is None


def test_send_zero_copy_actual_size_and_type_id(pair):
    cons, prod = pair
    with prod.send_zero_copy(size=100, type_id=1) as tx:
        assert (tx.size, tx.actual_size) == (100, 100)
        with memoryview(tx) as mv:
            mv[:3] = b"abc"
        tx.actual_size = 3
        tx.type_id = 11
        with pytest.raises(tachyon.InvalidArgument):
            tx.actual_size = 101
    prod.flush()
    msg = cons.recv(timeout=5)
    assert (msg.type_id, msg.data, msg.size) == (11, b"abc", 3)


def test_dlpack_into_numpy_without_copy(pair):
    cons, prod = pair
    frame = np.arange(256, dtype=np.float32)
    prod.send(frame.tobytes(), type_id=4)
    prod.flush()
    with cons.recv_zero_copy(timeout=5) as rx:
        assert rx.__dlpack_device__() == (1, 0)
        arr = np.from_dlpack(rx)
        assert arr.dtype == np.uint8 and arr.shape == (1024,)
        assert not arr.flags.writeable  # a received message is read-only
        with memoryview(rx) as mv:  # same memory as the ring view: no copy
            assert arr.__array_interface__["data"][0] == np.frombuffer(mv, np.uint8).__array_interface__["data"][0]
        floats = arr.view(np.float32)
        assert floats.__array_interface__["data"][0] % 16 == 0
        np.testing.assert_array_equal(floats, frame)
        del arr, floats


@needs_numpy2
def test_dlpack_capsule_kinds_and_arguments(pair):
    cons, prod = pair
    prod.send(b"0123456789abcdef", type_id=1)
    prod.flush()
    with cons.recv_zero_copy(timeout=5) as rx:
        legacy = rx.__dlpack__()
        assert "dltensor" in repr(legacy) and "versioned" not in repr(legacy)
        versioned = rx.__dlpack__(max_version=(1, 0))
        assert "dltensor_versioned" in repr(versioned)
        del legacy, versioned  # unconsumed capsules free themselves
        copied = np.from_dlpack(rx, copy=True)
        assert copied.tobytes() == b"0123456789abcdef"
        with memoryview(rx) as mv:
            assert copied.__array_interface__["data"][0] != np.frombuffer(mv, np.uint8).__array_interface__["data"][0]
        with pytest.raises(BufferError):
            rx.__dlpack__(dl_device=(2, 0))
        with pytest.raises(BufferError):
            rx.__dlpack__(stream=1)
        assert np.from_dlpack(rx, device="cpu").tobytes() == b"0123456789abcdef"


@needs_numpy2
def test_dlpack_of_reservation_is_writable(pair):
    cons, prod = pair
    with prod.send_zero_copy(size=16, type_id=3) as tx:
        arr = np.from_dlpack(tx)
        assert arr.flags.writeable
        arr.view(np.float32)[:] = [1.0, 2.0, 3.0, 4.0]
        del arr
    prod.flush()
    assert np.frombuffer(cons.recv(timeout=5).data, np.float32).tolist() == [1.0, 2.0, 3.0, 4.0]


def test_dlpack_array_keeps_ring_mapped_after_close(sock):
    from conftest import open_pair
    cons, prod = open_pair(sock)
    prod.send(b"z" * 32, type_id=1)
    prod.flush()
    with cons.drain_batch(timeout=5) as batch:
        arr = np.from_dlpack(batch[0])
    cons.close()
    assert cons.closed
    assert prod.peer_alive()  # the close waits for the array: the ring stays mapped
    assert arr.tobytes() == b"z" * 32  # reading after close never faults
    del arr
    gc.collect()
    assert not prod.peer_alive()  # last reference gone: this side is closed now
    prod.close()


def test_drain_batch_sequence(pair):
    cons, prod = pair
    for i in range(10):
        prod.send(bytes([i]) * (i + 1), type_id=100 + i)
    prod.flush()
    with cons.drain_batch(max=4, timeout=5) as batch:
        assert len(batch) == 4
        assert [m.type_id for m in batch] == [100, 101, 102, 103]
        assert [bytes(memoryview(m)) for m in batch] == [bytes([i]) * (i + 1) for i in range(4)]
        with pytest.raises(IndexError):
            batch[4]
    with cons.drain_batch(max=64, timeout=5) as batch:
        assert [m.type_id for m in batch.tolist()] == list(range(104, 110))
    with cons.drain_batch(timeout=0) as batch:
        assert len(batch) == 0


def test_dropped_guard_is_committed(pair):
    cons, prod = pair
    prod.send(b"one", type_id=1)
    prod.send(b"two", type_id=2)
    prod.flush()
    cons.recv_zero_copy(timeout=5)  # never entered: dropped at once
    assert cons.recv(timeout=5).data == b"two"


def test_batch_runs_as_2d_dlpack(small_pair):
    cons, prod = small_pair  # 16 frames of 64 bytes
    rows = [bytes([i]) * 40 for i in range(10)]
    for r in rows:
        prod.send(r, type_id=1)
    prod.flush()
    with cons.drain_batch(timeout=5) as batch:
        runs = batch.runs()
        assert [(r.start, r.count, r.size, r.stride) for r in runs] == [(0, 10, 40, 64)]
        arr = np.from_dlpack(runs[0])
        assert arr.shape == (10, 40) and arr.strides == (64, 1)
        assert not arr.flags.owndata and not arr.flags.writeable
        assert [bytes(row) for row in arr] == rows
        assert runs[0].type_ids() == [1] * 10
        if NUMPY2:
            copied = np.from_dlpack(runs[0], copy=True)
            assert copied.strides == (40, 1) and copied.tobytes() == b"".join(rows)
            del copied
        del arr
    with pytest.raises(tachyon.UseAfterCommit):
        runs[0].__dlpack__()
    # The next 10 cross the ring's end (6 frames left): two runs; a size change starts a third.
    for r in rows[:8]:
        prod.send(r, type_id=2)
    prod.send(b"odd size", type_id=3)
    prod.send(b"odd size", type_id=3)
    prod.flush()
    with cons.drain_batch(timeout=5) as batch:
        runs = batch.runs()
        assert [(r.start, r.count) for r in runs] == [(0, 6), (6, 2), (8, 2)]
        assert [r.size for r in runs] == [40, 40, 8]
        got = [bytes(row) for r in runs[:2] for row in np.from_dlpack(r)]
        assert got == rows[:8]


def test_blocked_receive_releases_the_gil(pair):
    import threading
    import time
    cons, prod = pair
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    try:
        with pytest.raises(tachyon.TachyonTimeout):
            cons.recv(timeout=0.3)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 20  # the other thread ran while recv waited


def test_one_thread_per_side(pair):
    import threading
    cons, prod = pair
    errors = []
    started = threading.Event()

    def blocked():
        started.set()
        try:
            cons.recv(timeout=20)
        except tachyon.TachyonError as e:
            errors.append(e)

    t = threading.Thread(target=blocked)
    t.start()
    started.wait()
    import time
    refused = None
    deadline = time.monotonic() + 10
    while refused is None and time.monotonic() < deadline:
        try:
            assert cons.try_recv() is None  # the other thread has not entered recv yet
            time.sleep(0.01)
        except tachyon.StateError as e:  # the other thread is inside recv
            refused = e
    assert refused is not None and "another thread" in str(refused)
    prod.send(b"wake", type_id=1)
    prod.flush()
    t.join()
    assert errors == []


def test_dropping_the_last_reference_closes_the_bus(sock):
    from conftest import open_pair
    cons, prod = open_pair(sock)
    with prod.send_zero_copy(size=8, type_id=1) as tx:
        tx_view = memoryview(tx)
        tx_view[:] = b"12345678"
        tx_view.release()
    prod.send_typed(struct.Struct("<I"), 2, 7)
    del tx, prod  # no close(): guards hold the bus only while they live, so no cycle keeps it open
    msgs = [(m.type_id, m.data) for m in cons]  # iteration ends: the producer side closed (after a flush)
    assert msgs == [(1, b"12345678"), (2, b"\x07\x00\x00\x00")]
    cons.close()
