"""Error cases: each tachyon_error_t maps to a class carrying the C error;
timeouts, a full ring, schema mismatch, bad arguments, oversize messages."""
import errno
import os
import re
import threading
import time

import pytest

import tachyon
from tachyon import _tachyon
from conftest import ROOT, open_pair

HEADER = os.path.join(ROOT, "runtime", "include", "tachyon.h")


def test_every_error_code_has_a_class():
    names = set()
    for code in range(1, 23):
        cls = tachyon._errors.BY_CODE[code]
        assert issubclass(cls, tachyon.TachyonError)
        assert cls.code == code
        assert cls.name == _tachyon.error_name(code)
        names.add(cls)
    assert len(names) == 22
    with pytest.raises(ValueError):
        _tachyon.error_name(23)


def test_error_carries_code_name_and_strerror(pair):
    cons, _ = pair
    with pytest.raises(tachyon.TachyonTimeout) as info:
        cons.recv(timeout=0)
    e = info.value
    assert isinstance(e, TimeoutError)
    assert e.code == _tachyon.ERR_TIMEOUT == 14
    assert e.name == "TACHYON_ERR_TIMEOUT"
    assert e.strerror == _tachyon.strerror(14) and e.strerror
    assert "TACHYON_ERR_TIMEOUT" in str(e)


def test_recv_timeout_waits_then_raises(pair):
    cons, _ = pair
    start = time.monotonic()
    with pytest.raises(tachyon.TachyonTimeout):
        cons.recv(timeout=0.15)
    assert time.monotonic() - start >= 0.14
    with pytest.raises(tachyon.TachyonTimeout):
        cons.recv_zero_copy(timeout=0.01)
    with pytest.raises(tachyon.TachyonTimeout):
        cons.drain_batch(timeout=0.01)
    assert cons.try_recv() is None


def test_full_ring(small_pair):
    cons, prod = small_pair
    sent = 0
    while prod.try_send(b"x" * 32, type_id=1):
        sent += 1
        assert sent <= 16
    assert sent == 16  # 1 KiB ring, 64-byte frames
    with pytest.raises(tachyon.RingFull):
        prod.send(b"y", type_id=1, timeout=0)
    start = time.monotonic()
    with pytest.raises(tachyon.TachyonTimeout):
        prod.send(b"y", type_id=1, timeout=0.1)
    assert time.monotonic() - start >= 0.09
    with pytest.raises(tachyon.RingFull):
        prod.send_zero_copy(size=8, type_id=1, timeout=0)
    assert prod.stats().full_events > 0
    assert cons.recv(timeout=5).data == b"x" * 32  # room for one more
    prod.send(b"z", type_id=2, timeout=1)


def test_blocked_send_resumes_when_consumer_reads(small_pair):
    cons, prod = small_pair
    got = []

    def consume():
        for _ in range(200):
            got.append(cons.recv(timeout=10).data)

    t = threading.Thread(target=consume)
    t.start()
    for i in range(200):
        prod.send(i.to_bytes(4, "little") * 8, type_id=1, timeout=10)
    prod.flush()
    t.join()
    assert got == [i.to_bytes(4, "little") * 8 for i in range(200)]


def test_oversize_message(small_pair):
    cons, prod = small_pair
    assert prod.max_message_size == 1024 // 2 - 16
    with pytest.raises(tachyon.MessageTooLarge) as info:
        prod.send(b"x" * (prod.max_message_size + 1), type_id=1)
    assert isinstance(info.value, ValueError)
    with pytest.raises(tachyon.MessageTooLarge):
        prod.send_zero_copy(size=prod.max_message_size + 1)
    prod.send(b"x" * prod.max_message_size, type_id=1)  # the maximum itself fits
    prod.flush()
    assert cons.recv(timeout=5).size == prod.max_message_size


def test_schema_fingerprint_mismatch(sock):
    with pytest.raises(tachyon.SchemaMismatch) as info:
        open_pair(sock, listen_kw={"fingerprint": 0x1111}, connect_kw={"fingerprint": 0x2222})
    assert isinstance(info.value, tachyon.HandshakeError)
    assert info.value.code == _tachyon.ERR_SCHEMA_MISMATCH


def test_schema_mismatch_is_reported_on_both_sides(sock):
    errors = {}

    def listen():
        try:
            tachyon.Bus.listen(sock, 4096, fingerprint=0xABC, timeout=10)
        except tachyon.TachyonError as e:
            errors["listener"] = e

    t = threading.Thread(target=listen)
    t.start()
    with pytest.raises(tachyon.SchemaMismatch):
        tachyon.Bus.connect(sock, timeout=10)  # unbound (0) differs from 0xABC
    t.join()
    assert isinstance(errors["listener"], tachyon.SchemaMismatch)


def test_matching_fingerprint_is_accepted(sock):
    cons, prod = open_pair(sock, listen_kw={"fingerprint": 0xFEED}, connect_kw={"fingerprint": 0xFEED})
    assert cons.fingerprint == prod.fingerprint == 0xFEED
    prod.close()
    cons.close()


def test_bad_capacity(sock):
    for cap in (1000, 128, 0):
        with pytest.raises((tachyon.CapacityError, tachyon.InvalidArgument)):
            tachyon.Bus.listen(sock, cap, timeout=0.1)
    with pytest.raises(ValueError):
        tachyon.Bus.listen(sock, -1, timeout=0.1)


def test_bad_arguments(pair):
    cons, prod = pair
    with pytest.raises(ValueError):
        prod.send(b"x", type_id=-1)
    with pytest.raises(ValueError):
        prod.send(b"x", type_id=2 ** 32)
    with pytest.raises(TypeError):
        prod.send(b"x", type_id="1")
    with pytest.raises(TypeError):
        prod.send("text is not bytes", type_id=1)
    with pytest.raises(TypeError):
        prod.send(b"x", kind=1)
    with pytest.raises(TypeError):
        prod.send()
    with pytest.raises(ValueError):
        cons.recv(timeout=-1)
    with pytest.raises(tachyon.InvalidArgument):
        cons.drain_batch(max=0)
    with pytest.raises(tachyon.StateError):
        cons.send(b"x", type_id=1)  # the listener receives
    with pytest.raises(tachyon.StateError):
        prod.recv(timeout=0)  # the connector sends
    with pytest.raises(tachyon.InvalidArgument):
        prod.send_batch(b"x" * 10, type_id=1, record_size=3)


def test_path_too_long(tmpdir_path):
    path = os.path.join(tmpdir_path, "x" * 200)
    with pytest.raises(tachyon.PathTooLong):
        tachyon.Bus.listen(path, 4096, timeout=0.1)
    with pytest.raises(tachyon.PathTooLong):
        tachyon.Bus.connect(path, timeout=0)


def test_no_listener(sock):
    start = time.monotonic()
    with pytest.raises(tachyon.NoListener) as info:
        tachyon.Bus.connect(sock, timeout=0.2)
    assert isinstance(info.value, ConnectionRefusedError)
    assert time.monotonic() - start >= 0.15  # it kept retrying until the timeout


def test_address_in_use_by_a_regular_file(sock):
    with open(sock, "w") as f:
        f.write("not a socket")
    with pytest.raises(tachyon.AddressInUse):
        tachyon.Bus.listen(sock, 4096, timeout=0.1)


def test_listen_timeout(sock):
    with pytest.raises(tachyon.TachyonTimeout):
        tachyon.Bus.listen(sock, 4096, timeout=0.1)


def test_closed_bus_refuses_calls(pair):
    cons, prod = pair
    prod.close()
    assert prod.closed
    with pytest.raises(tachyon.StateError):
        prod.send(b"x", type_id=1)
    prod.close()  # idempotent
    with pytest.raises(tachyon.PeerGone):
        cons.recv(timeout=5)
    assert list(cons) == []


def test_properties_and_stats(pair):
    cons, prod = pair
    assert (cons.capacity, prod.capacity) == (1 << 16, 1 << 16)
    assert cons.max_message_size == (1 << 15) - 16
    assert (cons.role, prod.role) == ("consumer", "producer")
    assert cons.fingerprint == 0
    for i in range(40):
        prod.send(b"s" * 10, type_id=1)
    prod.flush()
    for i in range(40):
        cons.recv(timeout=5)
    ps, cs = prod.stats(), cons.stats()
    assert isinstance(ps, tachyon.Stats)
    assert (ps.messages, ps.bytes) == (40, 400)
    assert (cs.messages, cs.bytes) == (40, 400)
    assert ps.publishes >= 2
    assert set(ps._fields if hasattr(ps, "_fields") else ()) <= {"messages", "bytes", "publishes", "full_events",
                                                                "sleeps", "wakes"}
    assert cons.peer_alive() and prod.peer_alive()
    assert "consumer" in repr(cons)


OTHER_UID_CONNECTOR = '''
import os, sys
import tachyon                      # before dropping privileges: root's site-packages
os.setgid(65534)
os.setuid(65534)                    # "nobody": not the listener's uid
print("READY", flush=True)
try:
    with tachyon.Bus.connect(sys.argv[1], timeout=20) as bus:
        bus.send(b"from nobody", type_id=1)
        print("CONNECTED", flush=True)
except tachyon.PermissionRefused as e:
    print("REFUSED", e.code, flush=True)
'''


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a connector under another uid")
def test_other_uid_is_refused_unless_allowed():
    from conftest import finish, spawn
    name = "@tachyon-pytest-uid-%d" % os.getpid()  # abstract: no file permission in the way
    child = spawn(OTHER_UID_CONNECTOR, name)
    assert child.stdout.readline().strip() == "READY"  # it connects (retrying) from now on
    with pytest.raises(tachyon.TachyonTimeout):
        tachyon.Bus.listen(name, 4096, timeout=2)  # the refused connector is dropped; the wait goes on
    code, out, err = finish(child)
    assert code == 0, err
    assert out.split()[:2] == ["REFUSED", str(tachyon._tachyon.ERR_PERMISSION)]

    child = spawn(OTHER_UID_CONNECTOR, name)
    assert child.stdout.readline().strip() == "READY"
    with tachyon.Bus.listen(name, 4096, timeout=20, allow_any_uid=True) as bus:
        assert bus.recv(timeout=10).data == b"from nobody"
    code, out, err = finish(child)
    assert code == 0 and out.strip() == "CONNECTED", err


def test_send_batch_reports_how_many_went(small_pair):
    cons, prod = small_pair  # 16 frames of 64 bytes
    with pytest.raises(tachyon.RingFull) as info:
        prod.send_batch(b"r" * 32 * 40, type_id=1, record_size=32, timeout=0)
    assert info.value.sent == 16
    with pytest.raises(tachyon.TachyonTimeout) as info:
        prod.send_batch(b"r" * 32 * 4, type_id=1, record_size=32, timeout=0.05)
    assert info.value.sent == 0
    assert len([cons.recv(timeout=5) for _ in range(16)]) == 16


def header_error_table():
    """(code, enum name, ShortName) of every X(...) row of TACHYON_ERROR_LIST in the repository's tachyon.h."""
    with open(HEADER) as f:
        text = f.read()
    body = re.search(r"#define TACHYON_ERROR_LIST\(X\)(.*?)\n\s*\n", text, re.S)
    assert body, "tachyon.h has no TACHYON_ERROR_LIST"
    return [(int(num), name, short) for name, num, short in
            re.findall(r"X\(\s*(TACHYON_\w+)\s*,\s*(\d+)\s*,\s*(\w+)\s*,", body.group(1))]


@pytest.mark.skipif(not os.path.isfile(HEADER), reason="not run from a Tachyon checkout (no runtime/include/tachyon.h)")
def test_every_code_of_the_header_has_its_class():
    rows = header_error_table()
    assert len(rows) > 20
    built = [(code, name, short) for code, name, short, _ in _tachyon.errors()]
    assert built == rows, "the installed tachyon package was built against another tachyon.h: reinstall it"
    with open(os.path.join(os.path.dirname(tachyon.__file__), "_tachyon.pyi")) as f:
        stub = f.read()
    for code, name, short in rows:
        const = name[len("TACHYON_"):]
        assert getattr(_tachyon, const) == code
        assert re.search(r"^%s: int$" % const, stub, re.M), "%s is missing from _tachyon.pyi" % const
        if code == 0:
            continue
        cls = tachyon._errors.BY_CODE.get(code)
        assert cls is not None, "%s (%d, %s) has no exception class in tachyon/_errors.py" % (name, code, short)
        assert (cls.code, cls.name) == (code, name)
        assert cls.__name__ in tachyon.__all__ and getattr(tachyon, cls.__name__) is cls
    assert sorted(tachyon._errors.BY_CODE) == [code for code, _, _ in rows if code]


def test_table_texts_are_strerror():
    for code, name, short, text in _tachyon.errors():
        assert _tachyon.strerror(code) == text and text
        assert _tachyon.error_name(code) == name


def test_system_failure_carries_errno(tmpdir_path):
    path = os.path.join(tmpdir_path, "no-such-folder", "bus.sock")
    with pytest.raises(tachyon.SystemFailure) as info:
        tachyon.Bus.listen(path, 4096, timeout=0.1)
    e = info.value
    assert isinstance(e, OSError)
    assert e.errno == errno.ENOENT
    assert e.strerror == os.strerror(errno.ENOENT)
    assert e.code == _tachyon.ERR_SYSTEM
    assert str(e).startswith("listen: ") and os.strerror(errno.ENOENT) in str(e)
    assert "TACHYON_ERR_SYSTEM" in str(e)


def test_message_too_large_says_the_maximum(small_pair):
    _, prod = small_pair
    big = prod.max_message_size + 1
    for send in (lambda: prod.send(b"x" * big, type_id=1), lambda: prod.send(bytearray(big), type_id=1),
                 lambda: prod.send_zero_copy(size=big), lambda: prod.try_send(b"x" * big)):
        with pytest.raises(tachyon.MessageTooLarge) as info:
            send()
        e = info.value
        assert (e.size, e.limit) == (big, prod.max_message_size)
        assert str(big) in str(e) and str(prod.max_message_size) in str(e)


def test_no_listener_says_how_long_it_waited(sock):
    with pytest.raises(tachyon.NoListener) as info:
        tachyon.Bus.connect(sock, timeout=0.2)
    e = info.value
    assert 0.15 <= e.waited < 5
    assert re.search(r"waited \d+\.\d+ s", str(e)), str(e)
