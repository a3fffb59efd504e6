#!/usr/bin/env python3
"""Instructions per 1 KiB frame of the Python per-frame consumers, by callgrind.

    bench/py_frame_insns.py [--build DIR] [--python PY] [--frames N] [--loop NAME]... [--functions]

Runs the per-frame loop of one of bench/py_bench.py's one-frame-at-a-time
consumers under `valgrind --tool=callgrind`, twice: with N and with 11 N frames
from a C source (bench/peer), and prints the difference over 10 N frames, so
start-up and imports cancel out. The ring holds every frame and the loop starts
once the source is done, so it never waits: deterministic where the wall clock
is not, the figure does not move with the machine's load. The loops (both by default):
  dlpack-view  with recv_zero_copy() as msg: numpy.from_dlpack(msg).view(float32)
  array-view   for arr in bus.arrays(float32, end_type_id=0)
With --functions it also prints the inclusive count per frame of the binding's
own functions.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONSUMER = r'''
import os, subprocess, sys
import numpy as np
import tachyon

def dlpack_view(bus):
    frames = 0
    recv = bus.recv_zero_copy
    from_dlpack = np.from_dlpack
    f32 = np.float32
    while True:
        with recv() as msg:
            if msg.type_id == 0:
                break
            arr = from_dlpack(msg).view(f32)
            del arr
            frames += 1
    return frames

def array_view(bus):
    frames = 0
    for arr in bus.arrays(np.float32, end_type_id=0):
        frames += 1
        del arr
    return frames

peer, n, loop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
consume = {"dlpack-view": dlpack_view, "array-view": array_view}[loop]
path = "@tachyon-py-frame-insns-%d" % os.getpid()
capacity = 1 << 16
while capacity < (n + 1) * 1088 + 4096:  # every frame (1,088 bytes of ring each) and End fit at once
    capacity <<= 1
src = subprocess.Popen([peer, "source", path, "--size", "1024", "--count", str(n)])
with tachyon.Bus.listen(path, capacity, timeout=10.0) as bus:
    src.wait()  # the source has sent everything: the loop never waits, so no spin is counted
    frames = consume(bus)
if src.returncode != 0 or frames != n:
    sys.exit("py_frame_insns: got %d frames of %d (source exit %s)" % (frames, n, src.returncode))
'''


LOOPS = ("dlpack-view", "array-view")


def run(py, peer, n, loop, tmp):
    script = os.path.join(tmp, "consumer.py")
    with open(script, "w") as f:
        f.write(CONSUMER)
    out = os.path.join(tmp, "callgrind.%s.%d" % (loop, n))
    # Start-up must cost the same in every run so that it cancels out: the same dict layouts (hash seed), and no
    # OpenBLAS worker threads, whose start spins for as long as the scheduler makes it.
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, py, script, peer, str(n),
                        loop], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    m = re.search(r"Collected\s*:\s*(\d+)", p.stdout)
    if p.returncode != 0 or not m:
        sys.exit("py_frame_insns: callgrind run failed:\n" + p.stdout[-2000:])
    return int(m.group(1)), out


def functions(path):
    """Inclusive instructions of the binding's C functions (file:function -> count)."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                          stdout=subprocess.PIPE, text=True).stdout
    got = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S+/runtime/(?:python/)?src/[\w.]+:\w+)", line)
        if m:
            name = m.group(2).split("/runtime/")[1]
            got[name] = got.get(name, 0) + int(m.group(1).replace(",", ""))
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--python", default=os.path.join(ROOT, "build", "venv", "bin", "python"))
    ap.add_argument("--frames", type=int, default=2000)
    ap.add_argument("--loop", action="append", choices=LOOPS, help="the loop to count (repeatable; default: all)")
    ap.add_argument("--functions", action="store_true")
    args = ap.parse_args()
    peer = os.path.join(args.build, "bench", "peer")
    with tempfile.TemporaryDirectory(prefix="py_frame_insns.") as tmp:
        for loop in args.loop or LOOPS:
            small, small_out = run(args.python, peer, args.frames, loop, tmp)
            big, big_out = run(args.python, peer, 11 * args.frames, loop, tmp)
            n = 10 * args.frames
            print("py_frame_insns: %.0f instructions per 1 KiB frame (%s loop, %d frames)" % (
                (big - small) / n, loop, n), flush=True)
            if args.functions:
                a, b = functions(small_out), functions(big_out)
                for name in sorted(b, key=lambda k: a.get(k, 0) - b[k]):
                    per = (b[name] - a.get(name, 0)) / n
                    if per >= 1:
                        print("  %8.1f  %s" % (per, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
