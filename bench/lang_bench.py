#!/usr/bin/env python3
"""Rust and Go MarketTick producers, and Python to Rust, through the generated views.

Builds bench/rust (cargo, into BUILD/bench/cargo) and bench/go (go build, into
BUILD/bench/tachyon-bench-go) on the way; a toolchain that is missing or a
build that fails skips its rows with a note (SKIP/NOTE lines on stderr).
In rounds:
  producer/rust        Rust producer (generated/rust/market.rs views) -> C consumer (bench/peer sink)
  producer/go          Go producer (generated/go/market views) -> C consumer
  python_to_rust       Python producer (bus.send_typed with the generated MarketTick) -> Rust
                       consumer decoding every tick by type id: the reference system's
                       "python -> rust" figure
Producers run on CPU A, consumers on CPU B. Every consumer checks the count of
Bid and Ask ticks it got against what was sent.

Usage: lang_bench.py [--build DIR] [--json] [--rounds R] [--cpus A,B] [--quick] [--messages N]
"""
import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RING = 1 << 20


def note(kind, text):
    print("%s: %s" % (kind, text), file=sys.stderr, flush=True)


def pinned(cpu):
    return (lambda: os.sched_setaffinity(0, {cpu})) if cpu >= 0 else None


def build_rust(build):
    if not shutil.which("cargo"):
        note("SKIP", "Rust producer: cargo is not installed")
        return None
    if not os.path.isfile(os.path.join(ROOT, "generated", "rust", "market.rs")):
        note("SKIP", "Rust producer: generated/rust/market.rs is missing (make generate)")
        return None
    target = os.path.join(build, "bench", "cargo")
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    p = subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=os.path.join(ROOT, "bench", "rust"),
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if p.returncode != 0:
        note("SKIP", "Rust producer: cargo build failed: " + p.stdout.decode(errors="replace").strip()[-300:])
        return None
    return os.path.join(target, "release", "tachyon-bench-rust")


def build_go(build):
    if not shutil.which("go"):
        note("SKIP", "Go producer: go is not installed")
        return None
    if not os.path.isdir(os.path.join(ROOT, "generated", "go", "market")):
        note("SKIP", "Go producer: generated/go/market is missing (make generate)")
        return None
    out = os.path.join(build, "bench", "tachyon-bench-go")
    p = subprocess.run(["go", "build", "-o", out, "."], cwd=os.path.join(ROOT, "bench", "go"),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if p.returncode != 0:
        note("SKIP", "Go producer: go build failed: " + p.stdout.decode(errors="replace").strip()[-300:])
        return None
    return out


def first_json(text):
    for line in text.decode(errors="replace").splitlines():
        if line.startswith("{"):
            return json.loads(line)
    return {}


def producer_to_sink(args, cmd, fingerprint, n, counter):
    """Runs `cmd + [path, n]` as producer against bench/peer sink; returns (producer JSON, sink JSON)."""
    path = "@tachyon-bench-lang-%d-%d" % (os.getpid(), counter)
    sink = subprocess.Popen([os.path.join(args.build, "bench", "peer"), "sink", path, "--ring", str(RING),
                             "--fingerprint", "%x" % fingerprint, "--cpu", str(args.cpu_b), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        prod = subprocess.run(cmd + [path, str(n)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                              preexec_fn=pinned(args.cpu_a))
        out, _ = sink.communicate(timeout=60)
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()
    if prod.returncode != 0:
        raise RuntimeError("producer exited %d: %s" % (prod.returncode, prod.stderr.decode(errors="replace")[-300:]))
    return first_json(prod.stdout), first_json(out)


def python_to_rust(args, rust, market, tachyon, n, counter):
    path = "@tachyon-bench-py2rs-%d-%d" % (os.getpid(), counter)
    cons = subprocess.Popen([rust, "consume", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=pinned(args.cpu_b))
    try:
        if args.cpu_a >= 0:
            os.sched_setaffinity(0, {args.cpu_a})
        with tachyon.Bus.connect(path, schema=market, timeout=10.0) as bus:
            send_typed, tick = bus.send_typed, market.MarketTick
            base = time.time_ns()
            t0 = time.perf_counter_ns()
            for i in range(n):
                send_typed(tick, 1 + (i & 1), b"BTCUSDT", 100.0 + (i & 1023) * 0.01, i & 0xFFFF, base + i)
            bus.flush()
            secs = (time.perf_counter_ns() - t0) / 1e9
            bus.send(b"", type_id=market.MSG_END)
        out, err = cons.communicate(timeout=60)
    finally:
        if cons.poll() is None:
            cons.kill()
            cons.wait()
    got = first_json(out)
    if cons.returncode != 0:
        raise RuntimeError("rust consumer exited %d: %s" % (cons.returncode, err.decode(errors="replace")[-300:]))
    verified = got.get("bids") == (n + 1) // 2 and got.get("asks") == n // 2
    return {"bench": "python_to_rust", "transport": "tachyon", "payload": 32, "messages": n,
            "seconds": round(secs, 6), "msgs_per_s": round(n / secs), "consumer_msgs_per_s": got.get("msgs_per_s"),
            "producer": "python send_typed (generated MarketTick)", "consumer": "rust (generated views)",
            "verified": bool(verified)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpus", default="0,1")
    ap.add_argument("--messages", type=lambda s: int(float(s)), default=2000000,
                    help="ticks per Rust/Go producer run (default 2e6); Python sends a fifth of that")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.messages, args.rounds = min(args.messages, 500000), min(args.rounds, 2)
    args.build = os.path.abspath(args.build)
    a, _, b = args.cpus.partition(",")
    args.cpu_a, args.cpu_b = int(a), int(b)

    sys.path.insert(0, os.path.join(ROOT, "generated", "python"))
    try:
        market = importlib.import_module("market")
    except ImportError:
        market = None
    fingerprint = market.FINGERPRINT if market else 0xDFA7DD7056E84B28
    rust, go = build_rust(args.build), build_go(args.build)
    try:
        import tachyon
    except ImportError:
        tachyon = None
        note("SKIP", "python_to_rust: the tachyon Python package is not importable")
    if market is None:
        note("SKIP", "python_to_rust: generated/python/market.py is missing")

    jobs = []
    if rust:
        jobs.append(("producer", "rust", lambda n, c: producer_to_sink(args, [rust, "produce"], fingerprint, n, c)))
    if go:
        jobs.append(("producer", "go", lambda n, c: producer_to_sink(args, [go, "produce"], fingerprint, n, c)))
    if rust and tachyon and market:
        jobs.append(("python_to_rust", "tachyon", lambda n, c: python_to_rust(args, rust, market, tachyon, n // 5, c)))

    rows, counter = [], 0
    for r in range(1, args.rounds + 1):
        for k in range(len(jobs)):
            bench, transport, fn = jobs[(k + r - 1) % len(jobs)]
            counter += 1
            try:
                res = fn(args.messages, counter)
            except Exception as e:  # one failing job drops its row, not the others
                note("NOTE", "%s/%s round %d failed: %s" % (bench, transport, r, e))
                continue
            if isinstance(res, tuple):
                prod, sink = res
                per_type = sink.get("per_type", [])
                n = prod.get("messages", 0)
                res = dict(prod)
                res["consumer"] = "c"
                res["verified"] = bool(len(per_type) > 2 and per_type[1] == (n + 1) // 2 and per_type[2] == n // 2)
            res["round"] = r
            rows.append(res)
            if args.json:
                print(json.dumps(res), flush=True)
            else:
                print("%-15s %-8s round %d %12.0f msg/s%s" % (res["bench"], res["transport"], r, res["msgs_per_s"],
                                                            "" if res["verified"] else "  NOT VERIFIED"))
    for bench, transport, _ in jobs:
        mine = [x for x in rows if x["bench"] == bench and x["transport"] == transport]
        if not mine:
            continue
        med = dict(mine[0])
        med.update({"round": "median", "rounds": len(mine),
                    "msgs_per_s": statistics.median(x["msgs_per_s"] for x in mine),
                    "seconds": statistics.median(x["seconds"] for x in mine),
                    "verified": all(x["verified"] for x in mine)})
        if "gbytes_per_s" in med:
            med["gbytes_per_s"] = statistics.median(x["gbytes_per_s"] for x in mine)
        if med.get("consumer_msgs_per_s") is not None:
            med["consumer_msgs_per_s"] = statistics.median(x.get("consumer_msgs_per_s") or 0 for x in mine)
        if args.json:
            print(json.dumps(med), flush=True)
        else:
            print("%-15s %-8s median  %12.0f msg/s" % (bench, transport, med["msgs_per_s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
