"""The issue's examples, run as written: each in two processes, listener first."""
import importlib.util
import os
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import finish, spawn

HAVE_TORCH = importlib.util.find_spec("torch") is not None  # the children import it


def run_pair(listener_code, connector_code, path):
    """Starts the listener, waits for its socket file, then the connector."""
    listener = spawn(textwrap.dedent(listener_code).replace("SOCK", path))
    # As a user would: the connector starts once the listener listens. Its start-up
    # (a cold "import torch" takes seconds on a loaded machine) is not part of the
    # connector's 5 s wait for a listener.
    deadline = time.monotonic() + 60
    while not os.path.exists(path) and listener.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    connector = spawn(textwrap.dedent(connector_code).replace("SOCK", path))
    c_code, c_out, c_err = finish(connector)
    l_code, l_out, l_err = finish(listener)
    assert c_code == 0, "connector failed:\n" + c_err
    assert l_code == 0, "listener failed:\n" + l_err
    return l_out, c_out


def test_hello_example(sock):
    out, _ = run_pair('''
        import tachyon
        with tachyon.Bus.listen("SOCK", 1 << 16) as bus:
            msg = next(iter(bus))
            print(msg.type_id, msg.data)
        ''', '''
        import tachyon
        with tachyon.Bus.connect("SOCK") as bus:
            bus.send(b"hello tachyon", type_id=1)
        ''', sock)
    assert out == "1 b'hello tachyon'\n"
    assert not os.path.exists(sock), "the listener removes its socket file"


def test_zero_copy_example(sock):
    out, _ = run_pair('''
        import tachyon
        with tachyon.Bus.listen("SOCK", 1 << 16) as bus:      # receive in place
            with bus.recv_zero_copy() as rx:
                with memoryview(rx) as mv:
                    print(mv.tobytes())
        ''', '''
        import tachyon
        payload = b"written in place: " + bytes(range(65, 91))
        with tachyon.Bus.connect("SOCK") as bus:              # send in place
            with bus.send_zero_copy(size=len(payload), type_id=42) as tx:
                with memoryview(tx) as mv:
                    mv[:] = payload
                tx.actual_size = len(payload)
        ''', sock)
    assert out == repr(b"written in place: " + bytes(range(65, 91))) + "\n"


DLPACK_PRODUCER = '''
    import struct
    import tachyon
    values = [i * 0.5 for i in range(256)]
    with tachyon.Bus.connect("SOCK") as bus:
        bus.send(struct.pack("<256f", *values), type_id=7)
'''


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is not installed")
def test_dlpack_example_torch(sock):
    # The example's listener imports torch before it listens, and the producer waits
    # 5 s for it (connect's default). A first import of torch reads about a gigabyte
    # of shared libraries; warm the page cache here so that wait measures the example,
    # not the disk.
    subprocess.run([sys.executable, "-c", "import torch"], check=True, timeout=300)
    out, _ = run_pair('''
        import torch
        import tachyon
        with tachyon.Bus.listen("SOCK", 1 << 16) as bus:      # tensors without a copy
            with bus.drain_batch() as batch:
                tensor = torch.from_dlpack(batch[0]).view(torch.float32)
                print(batch[0].type_id, tensor.shape[0], float(tensor.sum()), float(tensor[3]))
        ''', DLPACK_PRODUCER, sock)
    assert out.split() == ["7", "256", str(sum(i * 0.5 for i in range(256))), "1.5"]


def test_dlpack_example_numpy(sock):
    out, _ = run_pair('''
        import numpy as np
        import tachyon
        with tachyon.Bus.listen("SOCK", 1 << 16) as bus:      # arrays without a copy
            with bus.drain_batch() as batch:
                array = np.from_dlpack(batch[0]).view(np.float32)
                print(batch[0].type_id, array.shape[0], float(array.sum()), float(array[3]))
        ''', DLPACK_PRODUCER, sock)
    assert out.split() == ["7", "256", str(sum(i * 0.5 for i in range(256))), "1.5"]


def test_iteration_until_peer_closes(sock):
    out, _ = run_pair('''
        import tachyon
        with tachyon.Bus.listen("SOCK", 1 << 12) as bus:
            n = 0
            total = 0
            for msg in bus:
                n += 1
                total += int(msg.data)
            print(n, total)
        ''', '''
        import tachyon
        with tachyon.Bus.connect("SOCK") as bus:
            for i in range(5000):
                bus.send(str(i).encode(), type_id=3)
        ''', sock)
    assert out.split() == ["5000", str(sum(range(5000)))]


def test_abstract_socket_name():
    name = "@tachyon-pytest-%d" % os.getpid()
    out, _ = run_pair('''
        import tachyon
        with tachyon.Bus.listen("SOCK", 1 << 16) as bus:
            print(bus.recv(timeout=10).data)
        ''', '''
        import tachyon
        with tachyon.Bus.connect("SOCK") as bus:
            bus.send(b"abstract", type_id=1)
        ''', name)
    assert out == "b'abstract'\n"
