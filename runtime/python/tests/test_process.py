"""Two real processes: Ctrl-C in a blocked receive, peer death, and a producer
that closes while the consumer waits."""
import os
import signal
import textwrap
import time

import pytest

import tachyon
from conftest import finish, spawn


BLOCKED_RECV = textwrap.dedent('''
    import sys, time
    import tachyon
    bus = tachyon.Bus.listen(sys.argv[1], 1 << 16, timeout=10)
    print("READY", flush=True)
    try:
        bus.recv()                   # nothing is ever sent: blocks in the futex wait
    except KeyboardInterrupt:
        print("INTERRUPTED %.6f" % time.monotonic(), flush=True)
        sys.exit(3)
''')


def test_ctrl_c_interrupts_a_blocked_receive(sock):
    child = spawn(BLOCKED_RECV, sock)
    prod = tachyon.Bus.connect(sock, timeout=10)
    try:
        assert child.stdout.readline().strip() == "READY"
        time.sleep(0.3)  # well into the futex sleep
        assert child.poll() is None, "recv must block while nothing arrives"
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        code, out, err = finish(child, timeout=10)
        took = time.monotonic() - sent
    finally:
        prod.close()
    assert code == 3, err
    assert out.startswith("INTERRUPTED")
    # Liveness check with a generous structural bound (the watchdog is 100 ms).
    assert took < 1.0, "KeyboardInterrupt took %.3f s" % took


BLOCKED_RECV_UNDER_LOAD = textwrap.dedent('''
    import signal, sys, threading, time
    import tachyon
    bus = tachyon.Bus.listen(sys.argv[1], 1 << 16, timeout=10)
    def spin():                      # a busy Python thread: it contends for the GIL
        n = 0
        while True:
            n += 1
    threading.Thread(target=spin, daemon=True).start()
    if sys.argv[2] == "elsewhere":   # SIGINT can only land on the busy thread: no sleep of ours is interrupted
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
    print("READY", flush=True)
    try:
        bus.recv()
    except KeyboardInterrupt:
        print("INTERRUPTED", flush=True)
        sys.exit(3)
''')


@pytest.mark.parametrize("round_", range(8))
def test_ctrl_c_interrupts_a_blocked_receive_under_load(tmpdir_path, round_):
    """8 of 8: the receive is one C wait; the thread's interrupt check runs the
    handler when SIGINT ends its sleep, or (when the signal lands on another
    thread, or while it is awake) at the next watchdog wake."""
    where = "elsewhere" if round_ % 2 else "here"
    path = os.path.join(tmpdir_path, "load%d.sock" % round_)
    hogs = [spawn("while True: pass") for _ in range(2)]
    child = spawn(BLOCKED_RECV_UNDER_LOAD, path, where)
    try:
        prod = tachyon.Bus.connect(path, timeout=10)
        try:
            assert child.stdout.readline().strip() == "READY"
            time.sleep(0.25)
            assert child.poll() is None, "recv must block while nothing arrives"
            sent = time.monotonic()
            child.send_signal(signal.SIGINT)
            code, out, err = finish(child, timeout=10)
            took = time.monotonic() - sent
        finally:
            prod.close()
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    assert code == 3, (where, err)
    assert out.strip() == "INTERRUPTED"
    assert took < 2.0, "KeyboardInterrupt (%s) took %.3f s" % (where, took)  # liveness bound; the watchdog is 100 ms


def test_ctrl_c_interrupts_a_blocked_iteration(sock):
    code_text = BLOCKED_RECV.replace("bus.recv()", "for _ in bus: pass")
    child = spawn(code_text, sock)
    prod = tachyon.Bus.connect(sock, timeout=10)
    try:
        assert child.stdout.readline().strip() == "READY"
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        code, out, err = finish(child, timeout=10)
    finally:
        prod.close()
    assert code == 3, err


def test_ctrl_c_interrupts_a_blocked_send(sock):
    child = spawn('''
import sys
import tachyon
bus = tachyon.Bus.connect(sys.argv[1], timeout=10)
while bus.try_send(b"x" * 100, type_id=1):
    pass
print("FULL", flush=True)
try:
    bus.send(b"y" * 100, type_id=1)   # the consumer never reads: blocks for room
except KeyboardInterrupt:
    sys.exit(3)
''', sock)
    cons = tachyon.Bus.listen(sock, 4096, timeout=10)
    try:
        assert child.stdout.readline().strip() == "FULL"
        time.sleep(0.2)
        assert child.poll() is None
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        code, out, err = finish(child, timeout=10)
        took = time.monotonic() - sent
    finally:
        cons.close()
    assert code == 3, err
    assert took < 1.0


PRODUCER_THEN_DIE = '''
import os, signal, sys
import tachyon
bus = tachyon.Bus.connect(sys.argv[1], timeout=10)
flushed = int(sys.argv[2])
unflushed = int(sys.argv[3])
for i in range(flushed):
    bus.send(i.to_bytes(4, "little"), type_id=1)
bus.flush()
for i in range(flushed, flushed + unflushed):     # committed but never published
    bus.send(i.to_bytes(4, "little"), type_id=1)
with bus.send_zero_copy(size=4, type_id=99) as tx:  # reserved, never committed
    os.kill(os.getpid(), signal.SIGKILL)
'''


@pytest.mark.parametrize("flushed,unflushed", [(100, 7), (64, 0), (0, 5)])
def test_peer_death_delivers_everything_committed(sock, flushed, unflushed):
    child = spawn(PRODUCER_THEN_DIE, sock, flushed, unflushed)
    cons = tachyon.Bus.listen(sock, 1 << 16, timeout=10)
    got = []
    try:
        while True:
            msg = cons.recv(timeout=10)
            got.append((msg.type_id, int.from_bytes(msg.data, "little")))
    except tachyon.PeerGone as e:
        assert e.code == tachyon._tachyon.ERR_PEER_GONE
    finally:
        cons.close()
    code, _, err = finish(child)
    assert code == -signal.SIGKILL, err
    assert got == [(1, i) for i in range(flushed + unflushed)]


def test_blocked_receive_notices_death(sock):
    child = spawn('''
import sys, time
import tachyon
bus = tachyon.Bus.connect(sys.argv[1], timeout=10)
print("UP", flush=True)
time.sleep(60)
''', sock)
    cons = tachyon.Bus.listen(sock, 1 << 16, timeout=10)
    try:
        assert child.stdout.readline().strip() == "UP"
        killed = time.monotonic()
        child.kill()
        with pytest.raises(tachyon.PeerGone):
            cons.recv(timeout=10)
        took = time.monotonic() - killed
    finally:
        cons.close()
        finish(child)
    assert took < 2.0  # design target 250 ms; structural bound here


def test_consumer_death_fails_a_blocked_producer(sock):
    child = spawn('''
import sys, time
import tachyon
bus = tachyon.Bus.listen(sys.argv[1], 4096, timeout=10)
print("UP", flush=True)
time.sleep(60)
''', sock)
    prod = tachyon.Bus.connect(sock, timeout=10)
    try:
        assert child.stdout.readline().strip() == "UP"
        while prod.try_send(b"x" * 200, type_id=1):
            pass
        child.kill()
        with pytest.raises(tachyon.PeerGone):
            prod.send(b"x" * 200, type_id=1, timeout=10)
    finally:
        prod.close()
        finish(child)


def test_iteration_ends_when_producer_closes_later(sock):
    child = spawn('''
import sys, time
import tachyon
with tachyon.Bus.connect(sys.argv[1], timeout=10) as bus:
    for i in range(3):
        time.sleep(0.05)
        bus.send(b"tick", type_id=i)
        bus.flush()
''', sock)
    with tachyon.Bus.listen(sock, 4096, timeout=10) as cons:
        ids = [m.type_id for m in cons]
    assert ids == [0, 1, 2]
    assert finish(child)[0] == 0


def test_ctrl_c_interrupts_a_waiting_listener(sock):
    child = spawn('''
import sys
import tachyon
print("LISTENING", flush=True)
try:
    tachyon.Bus.listen(sys.argv[1], 4096)   # nobody ever connects
except KeyboardInterrupt:
    sys.exit(3)
''', sock)
    assert child.stdout.readline().strip() == "LISTENING"
    time.sleep(0.3)
    assert child.poll() is None
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    code, _, err = finish(child, timeout=10)
    assert code == 3, err
    assert time.monotonic() - sent < 1.0
