"""Typed messages through the generated modules (generated/python): a round
trip in two processes for every message type of every schema, decoding by
type id, views written in place, NumPy record arrays over a drained batch,
and the batch send path."""
import struct

import numpy as np
import pytest

import tachyon
import testlib
from conftest import finish, open_pair, spawn

MODULES = testlib.generated_modules()
CASES = [(mod.__name__, tid) for mod in MODULES for tid, _, _ in testlib.message_types(mod)]
SEEDS = (1, 2, 3)

PRODUCER = '''
import importlib, sys
import tachyon, testlib
mod = importlib.import_module(sys.argv[2])
tid = int(sys.argv[3])
name, cls = mod.MESSAGES[tid]
with tachyon.Bus.connect(sys.argv[1], schema=mod, timeout=10) as bus:
    if cls is None:
        bus.send(b"", type_id=tid)
    else:
        for seed in (1, 2, 3):
            values, _ = testlib.sample_record(cls, seed)
            if seed == 2:   # in place through a reservation
                with bus.send_zero_copy(size=cls.SIZE, type_id=tid) as tx:
                    cls.pack_into(tx, 0, *values)
            else:           # one C call: pack straight into the ring
                bus.send_typed(cls, tid, *values)
'''


def test_there_are_generated_modules():
    names = {m.__name__ for m in MODULES}
    assert {"market", "frames", "everything"} <= names
    assert len(CASES) >= 10


@pytest.mark.parametrize("module,type_id", CASES, ids=["%s-%d" % c for c in CASES])
def test_round_trip_every_message_type(sock, module, type_id):
    mod = next(m for m in MODULES if m.__name__ == module)
    name, cls = mod.MESSAGES[type_id]
    child = spawn(PRODUCER, sock, module, type_id)
    with tachyon.Bus.listen(sock, 1 << 16, schema=mod, timeout=10) as bus:
        assert bus.fingerprint == mod.FINGERPRINT
        received = list(bus)
    code, _, err = finish(child)
    assert code == 0, err
    if cls is None:
        assert [(m.type_id, m.data) for m in received] == [(type_id, b"")]
        assert received[0].decode(mod) is None
        return
    assert len(received) == len(SEEDS)
    for msg, seed in zip(received, SEEDS):
        values, raw = testlib.sample_record(cls, seed)
        assert msg.type_id == type_id
        assert msg.data == raw
        view = msg.decode(mod)
        assert type(view) is cls
        assert testlib.normalize(view.to_dict()) == testlib.normalize(cls(raw).to_dict())
        assert list(cls.unpack_from(msg.data)) == [v for v in cls.STRUCT.unpack(raw)]


def test_decode_in_place_and_after_commit(pair):
    import market
    cons, prod = pair
    prod.send_typed(market.MarketTick, market.MSG_ASK, b"ETHUSDT", 3012.25, 7, 1234567890)
    prod.flush()
    with cons.recv_zero_copy(timeout=5) as rx:
        tick = tachyon.decode(market, rx)
        assert isinstance(tick, market.MarketTick)
        assert (tick.symbol, tick.price, tick.quantity, tick.timestamp) == ("ETHUSDT", 3012.25, 7, 1234567890)
        assert rx.decode(market).price == 3012.25
    with pytest.raises(tachyon.UseAfterCommit):
        tick.price  # the view reads the ring in place: refused once committed


def test_write_generated_view_in_place(pair):
    import market
    cons, prod = pair
    with prod.send_zero_copy(size=market.MarketTick.SIZE, type_id=market.MSG_BID) as tx:
        tick = market.MarketTick(tx)
        tick.symbol = "BTCUSDT"
        tick.price = 64000.5
        tick.quantity = 3
        tick.timestamp = 1700000000123456789
    prod.flush()
    msg = cons.recv(timeout=5)
    view = msg.decode(market)
    assert msg.type_id == market.MSG_BID
    assert view.to_dict() == {"symbol": "BTCUSDT", "price": 64000.5, "quantity": 3,
                              "timestamp": 1700000000123456789}


def test_unknown_type_id_and_short_payload(pair):
    import market
    cons, prod = pair
    prod.send(b"x" * 32, type_id=77)
    prod.send(b"short", type_id=market.MSG_BID)
    prod.flush()
    with pytest.raises(ValueError):
        cons.recv(timeout=5).decode(market)
    with pytest.raises(ValueError):
        tachyon.decode(market, cons.recv(timeout=5))


def test_schema_modules_bind_the_bus(sock):
    import frames
    import market
    with pytest.raises(tachyon.SchemaMismatch):
        open_pair(sock, listen_kw={"schema": market}, connect_kw={"schema": frames})
    cons, prod = open_pair(sock, listen_kw={"schema": market}, connect_kw={"fingerprint": market.FINGERPRINT})
    assert cons.fingerprint == market.FINGERPRINT
    prod.close()
    cons.close()
    with pytest.raises(TypeError):
        tachyon.Bus.connect(sock, schema=object(), timeout=0)


def tick_array(n):
    import market
    arr = np.zeros(n, dtype=market.MarketTick.numpy_dtype())
    arr["symbol"] = [b"SYM%d" % (i % 7) for i in range(n)]
    arr["price"] = np.arange(n) * 0.25
    arr["quantity"] = np.arange(n) % 1000
    arr["timestamp"] = np.arange(n, dtype=np.uint64) * 1000
    return arr


def test_batch_as_array_is_a_strided_view(pair):
    import market
    cons, prod = pair
    sent = tick_array(40)
    assert prod.send_batch(sent, type_id=market.MSG_BID) == 40
    prod.flush()
    with cons.drain_batch(max=64, timeout=5) as batch:
        assert len(batch) == 40
        arr = batch.as_array(market.MarketTick, type_id=market.MSG_BID)
        assert arr.dtype == market.MarketTick.numpy_dtype()
        assert arr.strides == (64,)  # one 64-byte frame per 32-byte record: not contiguous
        assert not arr.flags.owndata and not arr.flags.writeable
        with memoryview(batch[0]) as mv:
            assert arr.__array_interface__["data"][0] == np.frombuffer(mv, np.uint8).__array_interface__["data"][0]
        with memoryview(batch[39]) as mv:
            assert arr[39:].__array_interface__["data"][0] == \
                np.frombuffer(mv, np.uint8).__array_interface__["data"][0]
        np.testing.assert_array_equal(arr, sent)
        with pytest.raises(ValueError):
            batch.as_array(market.MarketTick, type_id=market.MSG_ASK)
        with pytest.raises(ValueError):
            batch.as_array(np.dtype("u1"))  # 1-byte records: sizes differ


def test_batch_across_the_ring_end(small_pair):
    import market
    cons, prod = small_pair  # 16 frames
    first = tick_array(10)
    prod.send_batch(first, type_id=market.MSG_BID)
    prod.flush()
    with cons.drain_batch(timeout=5) as batch:
        np.testing.assert_array_equal(batch.as_array(market.MarketTick), first)
    second = tick_array(12)
    second["quantity"] += 5000
    prod.send_batch(second, type_id=market.MSG_ASK)
    prod.flush()
    with cons.drain_batch(timeout=5) as batch:
        assert len(batch) == 12
        with pytest.raises(ValueError):
            batch.as_array(market.MarketTick)  # 6 frames before the end, 6 after: no single stride
        parts = batch.as_arrays(market.MarketTick)
        assert [len(p) for p in parts] == [6, 6]
        assert all(not p.flags.owndata for p in parts)
        np.testing.assert_array_equal(np.concatenate(parts), second)
        np.testing.assert_array_equal(batch.as_array(market.MarketTick, copy=True), second)


def test_send_batch_bytes_and_per_record_type_ids(pair):
    import market
    cons, prod = pair
    arr = tick_array(100)
    ids = np.where(np.arange(100) % 2 == 0, market.MSG_BID, market.MSG_ASK).astype(np.uint32)
    assert prod.send_batch(arr.tobytes(), type_id=ids, record_size=32) == 100
    prod.flush()
    got = [cons.recv(timeout=5) for _ in range(100)]
    assert [m.type_id for m in got] == ids.tolist()
    assert b"".join(m.data for m in got) == arr.tobytes()
    with pytest.raises(tachyon.InvalidArgument):
        prod.send_batch(arr, type_id=ids[:10])


def test_send_batch_waits_for_room(sock):
    import threading
    import market
    cons, prod = open_pair(sock, capacity=4096)  # 64 frames; send 5000
    arr = tick_array(5000)
    out = []

    def consume():
        while len(out) < 5000:
            with cons.drain_batch(timeout=10) as batch:
                out.extend(bytes(memoryview(m)) for m in batch)

    t = threading.Thread(target=consume)
    t.start()
    assert prod.send_batch(arr, type_id=market.MSG_BID, timeout=10) == 5000
    prod.flush()
    t.join()
    prod.close()
    cons.close()
    assert b"".join(out) == arr.tobytes()


def test_send_typed_errors(pair):
    import market
    cons, prod = pair
    with pytest.raises(struct.error):
        prod.send_typed(market.MarketTick, 1, b"X", "not a float", 1, 2)
    with pytest.raises(TypeError):
        prod.send_typed(object, 1)
    prod.send_typed(market.MarketTick, 2, b"OK", 1.0, 1, 1)  # the failed one was rolled back
    prod.flush()
    assert cons.recv(timeout=5).decode(market).symbol == "OK"
    assert cons.try_recv() is None


def test_send_batch_record_size_rules(pair):
    cons, prod = pair
    with pytest.raises(tachyon.InvalidArgument):
        prod.send_batch(b"x" * 64, type_id=1)  # flat bytes: the record size must be given
    rows = np.arange(5 * 24, dtype=np.uint8).reshape(5, 24)
    assert prod.send_batch(rows, type_id=4) == 5  # a 2-D array: one record per row
    with pytest.raises((BufferError, ValueError)):
        prod.send_batch(rows[:, :8], type_id=4)  # not contiguous: refused, never copied silently
    prod.flush()
    with cons.drain_batch(max=10 ** 9, timeout=5) as batch:  # max is clamped to what the ring can hold
        assert [bytes(memoryview(m)) for m in batch] == [r.tobytes() for r in rows]
