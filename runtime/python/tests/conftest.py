"""Shared fixtures: unique socket paths, an in-process bus pair, and child
Python processes that import the installed `tachyon` and the generated modules."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
GENERATED = os.path.join(ROOT, "generated", "python")

for p in (HERE, GENERATED):
    if p not in sys.path:
        sys.path.insert(0, p)

import tachyon  # noqa: E402


def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([HERE, GENERATED] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def spawn(code, *args, cwd=None):
    """Starts `python -c code args...`; stdout and stderr are captured (text)."""
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env(), cwd=cwd)


def finish(proc, timeout=20):
    """Waits for a child; returns (exit code, stdout, stderr). Kills it on timeout."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return -999, out, err + "\n[timed out]"
    return proc.returncode, out, err


@pytest.fixture
def tmpdir_path():
    d = tempfile.mkdtemp(prefix="tachyon-py-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def sock(tmpdir_path):
    """A fresh filesystem socket path."""
    return os.path.join(tmpdir_path, "bus.sock")


def open_pair(path, capacity=1 << 16, listen_kw=None, connect_kw=None):
    """Both sides of one bus in this process: (consumer, producer). The
    listener waits in a thread (it releases the GIL) while we connect."""
    box = {}

    def run():
        try:
            box["bus"] = tachyon.Bus.listen(path, capacity, timeout=10, **(listen_kw or {}))
        except BaseException as e:  # handed to the caller
            box["err"] = e

    t = threading.Thread(target=run)
    t.start()
    try:
        prod = tachyon.Bus.connect(path, timeout=10, **(connect_kw or {}))
    except BaseException:
        t.join()
        raise
    t.join()
    if "err" in box:
        prod.close()
        raise box["err"]
    return box["bus"], prod


@pytest.fixture
def pair(sock):
    cons, prod = open_pair(sock)
    yield cons, prod
    prod.close()
    cons.close()


@pytest.fixture
def small_pair(sock):
    """A 1 KiB ring: 16 frames of 64 bytes, max message 496 bytes."""
    cons, prod = open_pair(sock, capacity=1024)
    yield cons, prod
    prod.close()
    cons.close()
