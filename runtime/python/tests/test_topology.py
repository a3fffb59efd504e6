"""Fan-out, fan-in and wait-sets from Python: every subscriber gets every message in order; a laggard is dropped
with Lagged under drop=True and rejoins; fan-in takes from many producer processes in turn and says who sent each
message; a wait-set names the ready members and its fileno() works with selectors and asyncio."""
import asyncio
import os
import selectors
import time

import pytest

import tachyon
from conftest import finish, open_pair, spawn


def test_fan_out_every_subscriber_reads_everything_in_order(sock):
    with tachyon.FanOut.listen(sock, 1 << 16) as pub:
        subs = [tachyon.Subscriber.connect(sock) for _ in range(3)]
        assert pub.subscribers() == 3
        for i in range(500):
            pub.send(i.to_bytes(8, "little") * 4, type_id=7)
        for sub in subs:
            for i in range(500):
                msg = sub.recv(timeout=5)
                assert msg.type_id == 7 and msg.data == i.to_bytes(8, "little") * 4
            with pytest.raises(tachyon.TachyonTimeout):
                sub.recv(timeout=0.02)
        late = tachyon.Subscriber.connect(sock, oldest=True)
        assert late.recv(timeout=5).data[:8] != (499).to_bytes(8, "little")  # older than the newest
        for sub in subs + [late]:
            sub.close()
        assert pub.subscribers() == 0
    with pytest.raises(tachyon.StateError):
        pub.send(b"x")


def test_fan_out_end_of_stream_in_another_process(sock):
    code = (
        "import sys, tachyon\n"
        "sub = tachyon.Subscriber.connect(sys.argv[1], timeout=10)\n"
        "n = 0\n"
        "try:\n"
        "    while True:\n"
        "        m = sub.recv(timeout=10)\n"
        "        assert int.from_bytes(m.data, 'little') == n\n"
        "        n += 1\n"
        "except tachyon.PeerGone:\n"
        "    print(n)\n"
    )
    pub = tachyon.FanOut.listen(sock, 1 << 14)
    children = [spawn(code, sock) for _ in range(2)]
    deadline = time.monotonic() + 20
    while pub.subscribers() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pub.subscribers() == 2
    for i in range(5000):
        pub.send(i.to_bytes(8, "little"), timeout=10)
    pub.close()
    for child in children:
        rc, out, err = finish(child)
        assert rc == 0, err
        assert out.strip() == "5000"


def test_laggard_is_dropped_with_lagged_and_rejoins(sock):
    with tachyon.FanOut.listen(sock, 4096, drop=True) as pub:
        fast, slow = tachyon.Subscriber.connect(sock), tachyon.Subscriber.connect(sock)
        for i in range(100):
            pub.send(bytes([i]) * 200, timeout=0)
            assert fast.recv(timeout=1).data == bytes([i]) * 200
        with pytest.raises(tachyon.Lagged):
            slow.recv(timeout=1)
        slow.rejoin()
        pub.send(b"again", timeout=0)
        assert fast.recv(timeout=1).data == b"again"
        assert slow.recv(timeout=1).data == b"again"
        fast.close()
        slow.close()


def test_blocking_fan_out_waits_for_the_slowest(sock):
    with tachyon.FanOut.listen(sock, 4096) as pub:
        sub = tachyon.Subscriber.connect(sock)
        sent = 0
        with pytest.raises(tachyon.RingFull):
            while True:
                pub.send(b"x" * 200, timeout=0)
                sent += 1
        with pytest.raises(tachyon.TachyonTimeout):
            pub.send(b"x" * 200, timeout=0.05)
        sub.recv(timeout=1)
        pub.send(b"y" * 200, timeout=1)
        sub.close()
        assert sent >= 10


def test_fan_in_from_many_processes(sock):
    code = (
        "import sys, tachyon\n"
        "who = int(sys.argv[2])\n"
        "with tachyon.Bus.connect(sys.argv[1], timeout=10) as bus:\n"
        "    for i in range(2000):\n"
        "        bus.send(i.to_bytes(4, 'little'), type_id=who, timeout=10)\n"
    )
    with tachyon.FanIn.listen(sock, 1 << 14) as fi:
        children = [spawn(code, sock, who) for who in range(4)]
        nxt = {}
        ids = {}
        while sum(nxt.values()) < 4 * 2000:
            msg, sender_id, pid = fi.recv(timeout=20)
            who = msg.type_id
            assert int.from_bytes(msg.data, "little") == nxt.get(who, 0)
            nxt[who] = nxt.get(who, 0) + 1
            assert ids.setdefault(who, (sender_id, pid)) == (sender_id, pid)
            assert pid == children[who].pid
        for child in children:
            rc, _, err = finish(child)
            assert rc == 0, err
        assert len({v[0] for v in ids.values()}) == 4
        with pytest.raises(tachyon.TachyonTimeout):
            fi.recv(timeout=0.05)
        deadline = time.monotonic() + 5
        while fi.producers() and time.monotonic() < deadline:
            with pytest.raises(tachyon.TachyonTimeout):
                fi.recv(timeout=0.01)  # drops the producers that left
        assert fi.producers() == 0


def test_wait_set_and_its_fileno(sock, tmpdir_path):
    cons, prod = open_pair(sock)
    fo_path = os.path.join(tmpdir_path, "fo.sock")
    pub = tachyon.FanOut.listen(fo_path, 1 << 14)
    sub = tachyon.Subscriber.connect(fo_path)
    ws = tachyon.WaitSet()
    ws.add(cons, 1)
    ws.add(sub, 2)
    with pytest.raises(TypeError):
        ws.add(object(), 3)
    with pytest.raises(tachyon.StateError):
        ws.add(sub, 4)  # already in
    assert ws.wait(timeout=0.02) == []
    prod.send(b"hello", type_id=3)
    prod.flush()
    assert ws.wait(timeout=5) == [1]
    assert cons.recv(timeout=1).data == b"hello"
    assert ws.wait(timeout=0) == []

    sel = selectors.DefaultSelector()
    sel.register(ws.fileno(), selectors.EVENT_READ)
    assert sel.select(timeout=0.05) == []
    pub.send(b"to all")
    assert len(sel.select(timeout=5)) == 1
    assert ws.wait(timeout=0) == [2]
    assert sub.recv(timeout=1).data == b"to all"
    assert ws.wait(timeout=0) == []
    assert sel.select(timeout=0.05) == []

    async def loop_reads_one():
        loop = asyncio.get_running_loop()
        got = loop.create_future()
        loop.add_reader(ws.fileno(), lambda: got.done() or got.set_result(ws.wait(timeout=0)))
        loop.call_later(0.02, lambda: (prod.send(b"async", type_id=1), prod.flush()))
        try:
            return await asyncio.wait_for(got, 5)
        finally:
            loop.remove_reader(ws.fileno())

    assert asyncio.run(loop_reads_one()) == [1]
    assert cons.recv(timeout=1).data == b"async"
    ws.remove(2)
    with pytest.raises(tachyon.StateError):
        ws.remove(2)
    sel.close()
    ws.close()
    sub.close()
    pub.close()
    prod.close()
    cons.close()


def test_zero_copy_receive_from_a_subscriber_and_a_fan_in(sock, tmpdir_path):
    """recv_zero_copy() holds the message in the ring: a memoryview reads the slot itself (no copy), nothing else
    is received until it is committed, and a view alive at the commit defers it to the view's release."""
    with tachyon.FanOut.listen(sock, 1 << 14) as pub:
        sub = tachyon.Subscriber.connect(sock)
        pub.send(b"A" * 64, type_id=5)
        pub.send(b"B" * 64, type_id=6)
        with sub.recv_zero_copy(timeout=5) as held:
            assert (held.type_id, held.size, len(held), held.sender_id) == (5, 64, 64, 0)
            with memoryview(held) as mv:
                assert mv.readonly and mv.tobytes() == b"A" * 64
                first = mv.tobytes()
            with pytest.raises(tachyon.StateError):
                sub.recv(timeout=0)  # one held message at a time
        assert held.committed and first == b"A" * 64
        with pytest.raises(tachyon.UseAfterCommit):
            memoryview(held)
        held = sub.recv_zero_copy(timeout=5)
        mv = memoryview(held)
        with pytest.raises(tachyon.ExportsOutstanding):
            held.commit()
        assert bytes(mv) == b"B" * 64  # still valid: the commit waits for the view
        mv.release()
        assert held.committed
        with pytest.raises(tachyon.TachyonTimeout):
            sub.recv_zero_copy(timeout=0.02)
        sub.close()

    fi_path = os.path.join(tmpdir_path, "fi.sock")
    with tachyon.FanIn.listen(fi_path, 1 << 14) as fi:
        with tachyon.Bus.connect(fi_path, timeout=5) as bus:
            bus.send(b"from-one", type_id=9)
            bus.flush()
            with fi.recv_zero_copy(timeout=5) as held:
                assert held.type_id == 9 and held.tobytes() == b"from-one"
                assert held.sender_id == 1 and held.sender_pid == os.getpid()
            msg, sender_id, pid = (None, 0, 0)
            bus.send(b"copy", type_id=1)
            bus.flush()
            msg, sender_id, pid = fi.recv(timeout=5)
            assert msg.data == b"copy" and sender_id == 1 and pid == os.getpid()


def test_zero_copy_receive_sees_the_ring_bytes_and_lagged_at_commit(sock):
    """A held message is the ring slot: a drop=True producer that laps the holder overwrites the very bytes the
    view shows, and the commit says Lagged (what was read must be discarded)."""
    with tachyon.FanOut.listen(sock, 4096, drop=True) as pub:
        sub = tachyon.Subscriber.connect(sock)
        pub.send(b"\x01" * 200, timeout=0)
        held = sub.recv_zero_copy(timeout=5)
        with memoryview(held) as mv:
            assert mv.tobytes() == b"\x01" * 200
            for _ in range(40):  # 40 x 256 ring bytes: the slot is overwritten
                pub.send(b"\x02" * 200, timeout=0)
            assert mv.tobytes() != b"\x01" * 200  # a view over the slot, not a copy
        with pytest.raises(tachyon.Lagged):
            held.commit()
        sub.rejoin()
        sub.close()


def test_closing_a_receiver_waits_for_the_held_message(sock):
    with tachyon.FanOut.listen(sock, 1 << 14) as pub:
        sub = tachyon.Subscriber.connect(sock)
        pub.send(b"kept", type_id=1)
        held = sub.recv_zero_copy(timeout=5)
        sub.close()
        assert pub.subscribers() == 1  # still attached: its message is held
        assert held.tobytes() == b"kept"
        with pytest.raises(tachyon.StateError):
            sub.recv(timeout=0)
        held.commit()
        assert pub.subscribers() == 0
