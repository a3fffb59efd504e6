#!/usr/bin/env python3
"""Python benchmarks: MarketTick producers and 1 KiB frames into NumPy.

Producers (Python, pinned to CPU A) send MarketTick messages (Bid/Ask by type
id, then End) to a C consumer (bench/peer sink, pinned to CPU B) that reads
every byte and counts messages per type id; the rate is the producer's, from
its first message to its final flush. Variants, interleaved in rounds:
  hand-written       struct.Struct("<8sdIQ4x").pack_into into bus.send_zero_copy() (the baseline)
  generated          bus.send_typed(MarketTick, type_id, *values): the generated class's
                     precompiled struct packs straight into the ring slot
  generated-view     MarketTick.pack_into (the generated fast path) into bus.send_zero_copy()
  generated-setters  a MarketTick view over bus.send_zero_copy(), one property per field
  batch              NumPy structured arrays (MarketTick.numpy_dtype()) filled with vector
                     operations, 1024 records per bus.send_batch() call
Consumers (Python, pinned to CPU A) receive 1 KiB frames (f32[256]) from a C
producer (bench/peer source):
  dlpack-view        bus.recv_zero_copy() -> numpy.from_dlpack(guard).view(float32), one frame
                     at a time: the frame arrives as an array, no byte is read
  dlpack-sum         the same, plus numpy sum of the frame: every byte is read
  numpy-batch-sum    bus.drain_batch(64) -> batch.as_arrays(dtype) (one array per run of frames),
                     then one numpy sum per array: every byte is read
  array-view         for arr in bus.arrays(float32, end_type_id=0): each frame arrives as a float32
                     array over its slot in one C call (no `with`, no DLPack capsule), unread: the
                     fastest one-frame-at-a-time idiom (README, Python)
  array-sum          the same, plus numpy sum of the frame: every byte is read
The sums are checked against what the producer wrote.

Prints one JSON object per result line with --json (DESIGN.md section 7), the
medians over rounds last, with each producer's ratio to the hand-written loop.
Lines starting with SKIP/NOTE on stderr explain what could not run.

Usage: py_bench.py [--build DIR] [--json] [--rounds R] [--cpus A,B] [--quick]
                   [--messages N] [--frames N] [--generated DIR] [--only NAME[,NAME...]]
"""
import argparse
import importlib
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RING = 1 << 20
SYMBOL = b"BTCUSDT"
HAND = struct.Struct("<8sdIQ4x")  # the hand-written layout of MarketTick
FRAME_BYTES = 1024
FRAME_SUM = sum(k + 0.5 for k in range(FRAME_BYTES // 4))  # what peer source writes in one frame


def note(kind, text):
    print("%s: %s" % (kind, text), file=sys.stderr, flush=True)


def load_market(args):
    """The generated Python module for schemas/market.tach: generated/python, or a fresh tachc run."""
    candidates = [args.generated] if args.generated else [os.path.join(ROOT, "generated", "python")]
    for d in candidates:
        if os.path.isfile(os.path.join(d, "market.py")):
            sys.path.insert(0, d)
            return importlib.import_module("market"), None
    tachc = os.path.join(args.build, "tachc")
    if os.access(tachc, os.X_OK):
        tmp = tempfile.mkdtemp(prefix="tachyon-bench-gen-")
        p = subprocess.run([tachc, "gen", "--lang", "python", "--out", tmp,
                            os.path.join(ROOT, "schemas", "market.tach")], stderr=subprocess.PIPE)
        for d in (os.path.join(tmp, "python"), tmp):
            if p.returncode == 0 and os.path.isfile(os.path.join(d, "market.py")):
                sys.path.insert(0, d)
                note("NOTE", "generated/python/market.py is missing; used a fresh `tachc gen --lang python`")
                return importlib.import_module("market"), tmp
    return None, None


# ---- producers ----------------------------------------------------------------------------------------------------

def produce_hand_written(bus, market, n, base):
    send = bus.send_zero_copy
    pack = HAND.pack_into
    for i in range(n):
        with send(32, 1 + (i & 1)) as slot:
            pack(slot, 0, SYMBOL, 100.0 + (i & 1023) * 0.01, i & 0xFFFF, base + i)


def produce_generated(bus, market, n, base):
    send_typed = bus.send_typed
    tick = market.MarketTick
    for i in range(n):
        send_typed(tick, 1 + (i & 1), SYMBOL, 100.0 + (i & 1023) * 0.01, i & 0xFFFF, base + i)


def produce_generated_view(bus, market, n, base):
    send = bus.send_zero_copy
    pack = market.MarketTick.pack_into
    for i in range(n):
        with send(32, 1 + (i & 1)) as slot:
            pack(slot, 0, SYMBOL, 100.0 + (i & 1023) * 0.01, i & 0xFFFF, base + i)


def produce_generated_setters(bus, market, n, base):
    send = bus.send_zero_copy
    tick_cls = market.MarketTick
    for i in range(n):
        with send(32, 1 + (i & 1)) as slot:
            tick = tick_cls(slot)
            tick.symbol = SYMBOL
            tick.price = 100.0 + (i & 1023) * 0.01
            tick.quantity = i & 0xFFFF
            tick.timestamp = base + i
            del tick  # the view holds the slot's buffer; release it before the commit


def produce_batch(bus, market, n, base):
    import numpy as np
    per_call = 1024
    records = np.zeros(per_call, dtype=market.MarketTick.numpy_dtype())
    records["symbol"] = SYMBOL
    ids = np.empty(per_call, dtype=np.uint32)
    offsets = np.arange(per_call, dtype=np.uint64)
    for start in range(0, n, per_call):
        m = min(per_call, n - start)
        seq = offsets + np.uint64(start)
        records["price"] = 100.0 + (seq & np.uint64(1023)) * 0.01
        records["quantity"] = seq & np.uint64(0xFFFF)
        records["timestamp"] = seq + np.uint64(base)
        ids[:] = 1 + (seq & np.uint64(1))
        bus.send_batch(records[:m], type_id=ids[:m])


PRODUCERS = [
    ("hand-written", produce_hand_written, 1.0),
    ("generated", produce_generated, 1.0),
    ("generated-view", produce_generated_view, 1.0),
    ("generated-setters", produce_generated_setters, 0.25),  # the slow path: fewer messages
    ("batch", produce_batch, 4.0),
]


def run_producer(args, tachyon, market, name, fn, n, round_no, counter):
    path = "@tachyon-bench-py-%d-%d" % (os.getpid(), counter)
    sink = subprocess.Popen([os.path.join(args.build, "bench", "peer"), "sink", path, "--ring", str(RING),
                             "--fingerprint", "%x" % market.FINGERPRINT, "--cpu", str(args.cpu_b), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        bus = tachyon.Bus.connect(path, schema=market, timeout=10.0)
        with bus:
            base = time.time_ns()
            t0 = time.perf_counter_ns()
            fn(bus, market, n, base)
            bus.flush()
            elapsed = (time.perf_counter_ns() - t0) / 1e9
            bus.send(b"", type_id=market.MSG_END)
        out, err = sink.communicate(timeout=60)
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()
    got = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    got = got[0] if got else {}
    per_type = got.get("per_type", [])
    expect_bid, expect_ask = (n + 1) // 2, n // 2
    verified = (sink.returncode == 0 and got.get("messages") == n and len(per_type) > 2
                and per_type[1] == expect_bid and per_type[2] == expect_ask and got.get("end_seen"))
    if not verified:
        note("NOTE", "%s round %d: the consumer saw %s (exit %s) for %d sent: %s" % (
            name, round_no, per_type[:3], sink.returncode, n, err.decode().strip()[-200:]))
    return {"bench": "py_producer", "transport": name, "payload": 32, "messages": n,
            "seconds": round(elapsed, 6), "msgs_per_s": round(n / elapsed),
            "gbytes_per_s": round(n * 32 / elapsed / 1e9, 4),
            "verified": bool(verified), "consumer": "c", "round": round_no}


# ---- consumers ----------------------------------------------------------------------------------------------------

def consume_dlpack_view(bus, np):
    """Each frame becomes a NumPy float32 array over the ring (numpy.from_dlpack), unread.
    Returns (frames, sum of every float read, seconds from the first frame to End)."""
    frames, t0 = 0, None
    recv = bus.recv_zero_copy
    from_dlpack = np.from_dlpack
    f32 = np.float32
    while True:
        with recv() as msg:
            if t0 is None:
                t0 = time.perf_counter_ns()
            if msg.type_id == 0:
                break
            arr = from_dlpack(msg).view(f32)
            del arr  # the export must end before the commit
            frames += 1
    return frames, None, (time.perf_counter_ns() - t0) / 1e9


def consume_dlpack_sum(bus, np):
    """As consume_dlpack_view, and every float is read (numpy sum per frame)."""
    frames, total, t0 = 0, 0.0, None
    recv = bus.recv_zero_copy
    from_dlpack = np.from_dlpack
    f32 = np.float32
    while True:
        with recv() as msg:
            if t0 is None:
                t0 = time.perf_counter_ns()
            if msg.type_id == 0:
                break
            arr = from_dlpack(msg).view(f32)
            total += float(arr.sum())
            del arr
            frames += 1
    return frames, total, (time.perf_counter_ns() - t0) / 1e9


def consume_numpy_batch(bus, np):
    frames, total, t0 = 0, 0.0, None
    dtype = np.dtype((np.float32, (FRAME_BYTES // 4,)))  # one frame = one row of 256 floats
    done = False
    while not done:
        with bus.drain_batch(64) as batch:
            if t0 is None:
                t0 = time.perf_counter_ns()
            if batch[len(batch) - 1].type_id != 0:
                arrays = batch.as_arrays(dtype)  # zero-copy: one array per contiguous run of frames
                for arr in arrays:
                    total += float(arr.sum())
                    frames += arr.shape[0]
                del arrays, arr  # the exports must end before the commit
            else:  # the batch that ends with End: its frames one by one
                done = True
                for i in range(len(batch) - 1):
                    arr = np.from_dlpack(batch[i])
                    total += float(arr.view(np.float32).sum())
                    frames += 1
                    del arr
    return frames, total, (time.perf_counter_ns() - t0) / 1e9


def consume_array_view(bus, np):
    """bus.arrays(float32): each frame is a float32 array over its slot, one C call per frame, unread."""
    frames, t0 = 0, None
    for arr in bus.arrays(np.float32, end_type_id=0):
        if t0 is None:
            t0 = time.perf_counter_ns()
        frames += 1
        del arr  # the next frame is taken once no array over this one is left
    return frames, None, (time.perf_counter_ns() - t0) / 1e9


def consume_array_sum(bus, np):
    """As consume_array_view, and every float is read (numpy sum per frame)."""
    frames, total, t0 = 0, 0.0, None
    for arr in bus.arrays(np.float32, end_type_id=0):
        if t0 is None:
            t0 = time.perf_counter_ns()
        total += float(arr.sum())
        frames += 1
        del arr
    return frames, total, (time.perf_counter_ns() - t0) / 1e9


CONSUMERS = [("dlpack-view", consume_dlpack_view), ("dlpack-sum", consume_dlpack_sum),
             ("numpy-batch-sum", consume_numpy_batch), ("array-view", consume_array_view),
             ("array-sum", consume_array_sum)]


def run_consumer(args, tachyon, np, name, fn, n, round_no, counter):
    path = "@tachyon-bench-pyc-%d-%d" % (os.getpid(), counter)
    source = subprocess.Popen([os.path.join(args.build, "bench", "peer"), "source", path, "--size", str(FRAME_BYTES),
                               "--count", str(n), "--cpu", str(args.cpu_b)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with tachyon.Bus.listen(path, RING, timeout=10.0) as bus:
            frames, total, secs = fn(bus, np)
        source.communicate(timeout=60)
    finally:
        if source.poll() is None:
            source.kill()
            source.wait()
    verified = frames == n and (total is None or total == n * FRAME_SUM)
    if not verified:
        note("NOTE", "%s round %d: %d frames, sum %r, expected %d frames, sum %r" % (
            name, round_no, frames, total, n, n * FRAME_SUM))
    return {"bench": "py_consumer", "transport": name, "payload": FRAME_BYTES, "messages": frames,
            "seconds": round(secs, 6), "msgs_per_s": round(frames / secs) if secs else 0,
            "gbytes_per_s": round(frames * FRAME_BYTES / secs / 1e9, 4) if secs else 0, "verified": bool(verified),
            "every_byte_read": total is not None, "producer": "c", "round": round_no}


# ---- driver -------------------------------------------------------------------------------------------------------

def medians(rows, baseline):
    out = []
    keys = []
    for r in rows:
        k = (r["bench"], r["transport"])
        if k not in keys:
            keys.append(k)
    for bench, transport in keys:
        mine = [r for r in rows if r["bench"] == bench and r["transport"] == transport]
        med = dict(mine[0])
        med["round"] = "median"
        med["rounds"] = len(mine)
        for key in ("msgs_per_s", "gbytes_per_s", "seconds"):
            med[key] = statistics.median(r[key] for r in mine)
        med["messages"] = sum(r["messages"] for r in mine)
        med["verified"] = all(r["verified"] for r in mine)
        if bench == "py_producer":
            ratios = []
            for r in mine:
                base = [b for b in rows if b["transport"] == baseline and b["round"] == r["round"]]
                if base and base[0]["msgs_per_s"]:
                    ratios.append(r["msgs_per_s"] / base[0]["msgs_per_s"])
            if ratios:
                med["ratio_to_hand_written"] = round(statistics.median(ratios), 3)
        out.append(med)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpus", default="0,1")
    ap.add_argument("--messages", type=lambda s: int(float(s)), default=400000,
                    help="MarketTicks per producer run (default 400000)")
    ap.add_argument("--frames", type=lambda s: int(float(s)), default=200000,
                    help="1 KiB frames per consumer run (default 200000)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--generated", help="folder holding the generated market.py")
    ap.add_argument("--only", help="run only these variants (comma-separated names, e.g. dlpack-view,array-view)")
    args = ap.parse_args()
    names = [name for name, *_ in PRODUCERS + CONSUMERS]
    only = set(args.only.split(",")) if args.only else set(names)
    if only - set(names):
        ap.error("--only: unknown variant(s) %s; they are %s" % (", ".join(sorted(only - set(names))), ", ".join(names)))
    if args.quick:
        args.messages, args.frames = min(args.messages, 100000), min(args.frames, 50000)
        args.rounds = min(args.rounds, 2)
    args.build = os.path.abspath(args.build)
    a, _, b = args.cpus.partition(",")
    args.cpu_a, args.cpu_b = int(a), int(b)

    try:
        import tachyon
    except ImportError as e:
        note("SKIP", "Python benchmarks: the tachyon package is not importable (%s); pip install ./runtime/python" % e)
        return 0
    try:
        import numpy as np
    except ImportError:
        np = None
        note("SKIP", "batch producer and NumPy consumers: numpy is not installed")
    market, _ = load_market(args)
    if args.cpu_a >= 0:
        os.sched_setaffinity(0, {args.cpu_a})

    rows = []
    counter = 0

    def emit(row):
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print("%-12s %-18s round %-2s %10.0f msg/s %7.3f GB/s%s" % (
                row["bench"], row["transport"], row["round"], row["msgs_per_s"], row["gbytes_per_s"],
                "" if row["verified"] else "  NOT VERIFIED"), flush=True)

    producers = [p for p in PRODUCERS if (np is not None or p[0] != "batch") and p[0] in only]
    if market is None and producers:
        note("SKIP", "Python producers: no generated market.py (generated/python) and no tachc to make one")
        producers = []
    consumers = [c for c in CONSUMERS if c[0] in only] if np is not None else []
    for r in range(1, args.rounds + 1):
        for k in range(len(producers)):
            name, fn, scale = producers[(k + r - 1) % len(producers)]  # rotate the order each round
            counter += 1
            try:
                emit(run_producer(args, tachyon, market, name, fn, int(args.messages * scale), r, counter))
            except Exception as e:  # a failing variant drops its row, never the others
                note("NOTE", "%s round %d failed: %s: %s" % (name, r, type(e).__name__, e))
        for k in range(len(consumers)):
            name, fn = consumers[(k + r - 1) % len(consumers)]
            counter += 1
            try:
                emit(run_consumer(args, tachyon, np, name, fn, args.frames, r, counter))
            except Exception as e:
                note("NOTE", "%s round %d failed: %s: %s" % (name, r, type(e).__name__, e))
    for med in medians(rows, "hand-written"):
        if args.json:
            print(json.dumps(med), flush=True)
        else:
            print("%-12s %-18s median   %10.0f msg/s %7.3f GB/s%s" % (
                med["bench"], med["transport"], med["msgs_per_s"], med["gbytes_per_s"],
                "  (%.2fx hand-written)" % med["ratio_to_hand_written"] if "ratio_to_hand_written" in med else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
