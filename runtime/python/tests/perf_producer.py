#!/usr/bin/env python3
"""Throughput of the Python binding (a measurement, not a test: it asserts nothing).

Producer side: MarketTick (32 B) messages from this process to a consumer
process that drains batches, four ways, interleaved over several rounds
(median reported, since the machine is shared and timings drift):
  hand-written  `with bus.send_zero_copy(32, type_id) as tx: S.pack_into(tx, 0, ...)`
                with a hand-kept struct.Struct("<8sdIQ4x")
  typed         `bus.send_typed(MarketTick, MSG_BID, ...)`: the generated class's
                precompiled Struct packs straight into the ring slot, one C call
  typed-view    `with bus.send_zero_copy(...) as tx: MarketTick.pack_into(tx, 0, ...)`
  batch         `bus.send_batch(records, type_id=MSG_BID)`: a NumPy structured
                array of 4096 MarketTicks per call, one C loop
Consumer side: 1 KiB frames.Frame messages from a producer process into this
process, read through NumPy without a copy (every byte is summed):
  dlpack-frame  per message: np.from_dlpack(item).view(np.float32).sum()
  dlpack-run    per batch: np.from_dlpack(run).view(np.float32).sum() for run in batch.runs()
                (one 2-D tensor per run of equally spaced frames)
  as_array      per batch: batch.as_arrays(Frame) then ["samples"].sum()

Usage: python3 runtime/python/tests/perf_producer.py [--rounds 9] [--count 100000] [--frames 200000] [--json]
(with the package installed and generated/python on sys.path, which this script adds itself).
"""
import argparse
import atexit
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
GENERATED = os.path.join(ROOT, "generated", "python")
sys.path.insert(0, GENERATED)

import numpy as np  # noqa: E402

import frames  # noqa: E402
import market  # noqa: E402
import tachyon  # noqa: E402

CONSUMER = r'''
import sys, tachyon
n = 0
with tachyon.Bus.listen(sys.argv[1], 1 << 20, timeout=20) as bus:
    print("UP", flush=True)
    try:
        while True:
            with bus.drain_batch(max=4096) as batch:
                n += len(batch)
    except tachyon.PeerGone:
        pass
print(n, flush=True)
'''

FRAME_PRODUCER = r'''
import sys, numpy as np, tachyon
sys.path.insert(0, sys.argv[3])
import frames
count = int(sys.argv[2])
block = np.zeros(256, dtype=frames.Frame.numpy_dtype())
block["samples"] = np.arange(256, dtype=np.float32)
with tachyon.Bus.connect(sys.argv[1], timeout=20) as bus:
    sent = 0
    while sent < count:
        k = min(256, count - sent)
        bus.send_batch(block[:k], type_id=frames.MSG_FRAME)
        sent += k
'''


def fresh_path(name):
    d = tempfile.mkdtemp(prefix="tachyon-perf-")
    atexit.register(shutil.rmtree, d, True)
    return os.path.join(d, name)


def child(code, *args):
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True)


class ProducerBench:
    """One bus to one consumer process; every kind runs on it in turn."""

    def __init__(self):
        self.path = fresh_path("p.sock")
        self.cons = child(CONSUMER, self.path)
        self.bus = tachyon.Bus.connect(self.path, timeout=20)
        assert self.cons.stdout.readline().strip() == "UP"
        self.sent = 0
        self.block = np.zeros(4096, dtype=market.MarketTick.numpy_dtype())
        self.block["symbol"] = b"BTCUSDT"
        self.block["price"] = 64000.5
        self.block["quantity"] = 3
        self.block["timestamp"] = 1700000000000000000 + np.arange(4096, dtype=np.uint64)

    def run(self, kind, count):
        bus = self.bus
        sym, price, qty, ts = b"BTCUSDT", 64000.5, 3, 1700000000000000000
        bid = market.MSG_BID
        start = time.perf_counter()
        if kind == "hand-written":
            packer = struct.Struct("<8sdIQ4x")
            pack_into = packer.pack_into
            szc = bus.send_zero_copy
            for i in range(count):
                with szc(size=32, type_id=bid) as tx:
                    pack_into(tx, 0, sym, price, qty, ts + i)
        elif kind == "typed":
            send_typed = bus.send_typed
            tick = market.MarketTick
            for i in range(count):
                send_typed(tick, bid, sym, price, qty, ts + i)
        elif kind == "typed-view":
            pack_into = market.MarketTick.pack_into
            szc = bus.send_zero_copy
            for i in range(count):
                with szc(size=32, type_id=bid) as tx:
                    pack_into(tx, 0, sym, price, qty, ts + i)
        elif kind == "batch":
            block = self.block
            sent = 0
            while sent < count:
                k = min(4096, count - sent)
                bus.send_batch(block[:k], type_id=bid)
                sent += k
        bus.flush()
        elapsed = time.perf_counter() - start
        self.sent += count
        return count / elapsed

    def close(self):
        self.bus.close()
        received = int(self.cons.stdout.readline())
        self.cons.wait()
        assert received == self.sent, (received, self.sent)


def consumer_round(kind, count):
    path = fresh_path("c.sock")
    prod = child(FRAME_PRODUCER, path, count, GENERATED)
    bus = tachyon.Bus.listen(path, 1 << 22, timeout=20)
    n = 0
    total = 0.0
    start = None
    try:
        while True:
            with bus.drain_batch(max=1024) as batch:
                if start is None:
                    start = time.perf_counter()
                if kind == "dlpack-frame":
                    for item in batch:
                        total += float(np.from_dlpack(item).view(np.float32).sum())
                elif kind == "dlpack-run":
                    for run in batch.runs():
                        total += float(np.from_dlpack(run).view(np.float32).sum())
                else:
                    for arr in batch.as_arrays(frames.Frame):
                        total += float(arr["samples"].sum())
                n += len(batch)
    except tachyon.PeerGone:
        pass
    elapsed = time.perf_counter() - start
    bus.close()
    prod.wait()
    assert n == count and total == count * float(sum(range(256))), (n, total)
    return n * 1024 / elapsed / 1e9, n / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--frames", type=int, default=200000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    kinds = ["hand-written", "typed", "typed-view", "batch"]
    prod = {k: [] for k in kinds}
    cons = {k: [] for k in ("dlpack-frame", "dlpack-run", "as_array")}
    bench = ProducerBench()
    for _ in range(args.rounds):
        for k in kinds:  # interleaved on one bus: drift hits every kind alike
            prod[k].append(bench.run(k, args.count if k != "batch" else args.count * 8))
    bench.close()
    for _ in range(args.rounds):
        for k in cons:
            cons[k].append(consumer_round(k, args.frames))
    for k in kinds:
        med = statistics.median(prod[k])
        # Each round ran every kind back to back: the median of the per-round ratios cancels drift.
        ratio = statistics.median(v / h for v, h in zip(prod[k], prod["hand-written"]))
        if args.json:
            print(json.dumps({"bench": "python_producer", "transport": "tachyon", "kind": k, "payload": 32,
                              "msgs_per_s": round(med), "ratio_to_hand_written": round(ratio, 2)}))
        else:
            print("producer %-13s %10.0f msg/s  (%.2fx hand-written)  rounds: %s" %
                  (k, med, ratio, " ".join("%.0f" % v for v in prod[k])))
    for k, vals in cons.items():
        gbs = statistics.median(v[0] for v in vals)
        fps = statistics.median(v[1] for v in vals)
        if args.json:
            print(json.dumps({"bench": "python_consumer", "transport": "tachyon", "kind": k, "payload": 1024,
                              "frames_per_s": round(fps), "gbytes_per_s": round(gbs, 3)}))
        else:
            print("consumer %-13s %10.0f frames/s  %.2f GB/s" % (k, fps, gbs))


if __name__ == "__main__":
    main()
