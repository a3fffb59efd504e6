#!/usr/bin/env python3
"""Writes README.md's Performance table from ONE results file of `make bench`.

    bench/readme_table.py bench/results/<date>-<host>.jsonl [--readme README.md] [--check]

Every figure of the table comes from the median rows ("round": "median") of
that file, and the ratios are the file's own per-round ratios (medians over
rounds); nothing is typed in by hand. The table replaces the lines between
<!-- perf-table:begin --> and <!-- perf-table:end --> in the README. --check
only says whether the README already holds what the file gives (exit 1 if
not), for a reviewer who wants to know the table is not stale.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- perf-table:begin -->"
END = "<!-- perf-table:end -->"


def load(path):
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except ValueError as e:
                raise SystemExit("%s:%d: not JSON: %s" % (path, n, e))
    if not rows or rows[0].get("bench") != "machine":
        raise SystemExit("%s: the first line is not the machine record of a `make bench` run" % path)
    return rows[0], rows[1:]


def find(rows, **want):
    for o in rows:
        if o.get("round") == "median" and all(o.get(k) == v for k, v in want.items()):
            return o
    return {}


def ns(v):
    if v is None:
        return "-"
    if v >= 10000:
        return "%.1f µs" % (v / 1000)
    return "%.0f ns" % v


def x(v):
    return "-" if v is None else "%.2fx" % v


def pct(v):
    return "-" if v is None else "%.2f%%" % (100 * v)


def us(v):
    return "-" if v is None else "%.0f µs" % (v / 1e3)


def rate(v):
    if v is None:
        return "-"
    return "%.1f M" % (v / 1e6) if v >= 1e5 else "%.1f k" % (v / 1e3)


def gbs(v):
    return "-" if v is None else "%.2f GB/s" % v


def table(machine, rows, rel):
    t = find(rows, bench="pingpong", transport="tachyon")
    fl = find(rows, bench="pingpong", transport="floor")
    sf = find(rows, bench="pingpong", transport="spin-floor")
    ix = find(rows, bench="pingpong", transport="iceoryx2", payload=32)
    ix1k = find(rows, bench="pingpong", transport="iceoryx2", payload=1024)
    fut = find(rows, bench="wakeup", transport="tachyon-futex")
    efd = find(rows, bench="wakeup", transport="eventfd")
    out = []
    out.append("Figures from [%s](%s) (`%s`, %s rounds; %s, %s CPUs, load average %.1f at start, %.1f at end)." % (
        rel, rel, machine.get("command", "make bench"), machine.get("settings", {}).get("rounds", "?"),
        machine.get("cpu_model", "?"), machine.get("nproc", "?"), machine.get("loadavg_start", 0.0),
        machine.get("loadavg_end", 0.0)))
    out.append("")
    head = len(out)
    out.append("| | Tachyon | in the same run (medians of per-round ratios) |")
    out.append("|---|---|---|")
    if t:
        others = []
        for key, name in (("ratio_to_uds", "UDS"), ("ratio_to_pipe", "pipe"), ("ratio_to_zmq", "ZeroMQ")):
            if t.get(key):
                others.append("%s %.0fx slower" % (name, 1 / t[key]))
        out.append("| ping-pong round trip, 32 B, p50 | %s | %s of the lower floor (pausing floor %s, pure-spin floor "
                   "%s); iceoryx2 %s (Tachyon %s of it)%s |" % (
                       ns(t.get("p50_ns")), x(t.get("ratio_to_lower_floor")), ns(fl.get("p50_ns")),
                       ns(sf.get("p50_ns")), ns(ix.get("p50_ns")), x(t.get("ratio_to_iceoryx2")),
                       "; " + ", ".join(others) if others else ""))
        out.append("| tail: p99 / p99.9 / share over 2x p50 | %s / %s / %s | p99 %s of the lower floor's; pausing "
                   "floor %s / %s / %s; pure-spin floor %s / %s / %s; iceoryx2 %s / %s / %s |" % (
                       ns(t.get("p99_ns")), ns(t.get("p999_ns")), pct(t.get("over_2x_p50")),
                       x(t.get("p99_ratio_to_lower_floor")),
                       ns(fl.get("p99_ns")), ns(fl.get("p999_ns")), pct(fl.get("over_2x_p50")),
                       ns(sf.get("p99_ns")), ns(sf.get("p999_ns")), pct(sf.get("over_2x_p50")),
                       ns(ix.get("p99_ns")), ns(ix.get("p999_ns")), pct(ix.get("over_2x_p50"))))
    if ix1k:
        out.append("| ping-pong round trip, 1 KiB, p50 | (bench/rtt measures 32 B) | iceoryx2 %s (p99 %s) |" % (
            ns(ix1k.get("p50_ns")), ns(ix1k.get("p99_ns"))))
    if fut:
        out.append("| round trip through a sleeping peer (futex) | %s | eventfd %s |" % (
            ns(fut.get("p50_ns")), ns(efd.get("p50_ns"))))
    for size, label in ((32, "32 B"), (1024, "1 KiB")):
        tp = find(rows, bench="throughput", transport="tachyon", payload=size)
        if not tp:
            continue
        bare = find(rows, bench="throughput", transport="bare-ring", payload=size)
        ixt = find(rows, bench="throughput", transport="iceoryx2", payload=size)
        out.append("| one-way %s, every byte read | %s msg/s (%s) | bare ring %s msg/s (Tachyon %s of it); "
                   "iceoryx2 %s msg/s (Tachyon %s of it) |" % (
                       label, rate(tp.get("msgs_per_s")), gbs(tp.get("gbytes_per_s")), rate(bare.get("msgs_per_s")),
                       x(tp.get("ratio_to_bare_ring")), rate(ixt.get("msgs_per_s")), x(tp.get("ratio_to_iceoryx2"))))
    for size, label in ((65536, "64 KiB"),):
        tp = find(rows, bench="throughput", transport="tachyon", payload=size)
        bare = find(rows, bench="throughput", transport="bare-ring", payload=size)
        if tp:
            out.append("| one-way %s, every byte read | %s | bare ring %s (Tachyon %s of it) |" % (
                label, gbs(tp.get("gbytes_per_s")), gbs(bare.get("gbytes_per_s")), x(tp.get("ratio_to_bare_ring"))))
    hand = find(rows, bench="py_producer", transport="hand-written")
    if hand:
        gen = find(rows, bench="py_producer", transport="generated")
        batch = find(rows, bench="py_producer", transport="batch")
        out.append("| Python MarketTick producer, hand-written `struct.pack_into` | %s msg/s | generated (`send_typed`) "
                   "%s of it; batch (NumPy) %s |" % (rate(hand.get("msgs_per_s")), x(gen.get("ratio_to_hand_written")),
                                                     x(batch.get("ratio_to_hand_written"))))
    view = find(rows, bench="py_consumer", transport="dlpack-view")
    if view:
        dsum = find(rows, bench="py_consumer", transport="dlpack-sum")
        bsum = find(rows, bench="py_consumer", transport="numpy-batch-sum")
        arr = find(rows, bench="py_consumer", transport="array-view")
        asum = find(rows, bench="py_consumer", transport="array-sum")
        if arr:
            out.append("| 1 KiB frames into Python, one NumPy array per frame (`bus.arrays()`) | %s (unread) | "
                       "through DLPack (`numpy.from_dlpack` per frame) %s; every byte summed: %s per frame "
                       "(DLPack %s), %s in batches |" % (
                           gbs(arr.get("gbytes_per_s")), gbs(view.get("gbytes_per_s")), gbs(asum.get("gbytes_per_s")),
                           gbs(dsum.get("gbytes_per_s")), gbs(bsum.get("gbytes_per_s"))))
        else:
            out.append("| 1 KiB frames into Python (DLPack / NumPy) | %s one frame at a time (as arrays, unread) | every "
                       "byte summed: %s per frame, %s in batches |" % (
                           gbs(view.get("gbytes_per_s")), gbs(dsum.get("gbytes_per_s")), gbs(bsum.get("gbytes_per_s"))))
    # results files from before section langs ran the example peers (their rows have no "lang")
    for lang in ("rust", "go"):
        pr = find(rows, bench="producer", transport=lang)
        if pr:
            out.append("| %s MarketTick producer (generated views) into C | %s msg/s | |" % (
                lang.capitalize() if lang == "rust" else "Go", rate(pr.get("msgs_per_s"))))
    p2r = find(rows, bench="python_to_rust", transport="tachyon")
    if p2r and "lang" not in p2r:
        out.append("| Python to Rust, generated views | %s msg/s | |" % rate(p2r.get("msgs_per_s")))
    rpc = find(rows, bench="rpc", transport="tachyon")
    if rpc:
        piped = find(rows, bench="rpc_pipelined", transport="tachyon")
        out.append("| RPC, empty call, p50 / p99 | %s / %s | %s of the bus ping-pong p50; pipelined, %s in flight: %s "
                   "calls/s |" % (ns(rpc.get("p50_ns")), ns(rpc.get("p99_ns")), x(rpc.get("ratio_to_pingpong_tachyon")),
                                  piped.get("inflight", "-"), rate(piped.get("calls_per_s"))))
    for bench, key, label in (("fanout", "subscribers", "fan-out to N subscribers"),
                              ("fanin", "producers", "fan-in from N producers")):
        topo = sorted((o for o in rows if o.get("bench") == bench and o.get("transport") == "tachyon"),
                      key=lambda o: o.get(key, 0))
        if topo:
            spsc = {o.get(key): o for o in rows if o.get("bench") == bench and o.get("transport") == "spsc"}
            out.append("| %s, 32 B, N = %s | %s msg/s | N SPSC buses %s msg/s (Tachyon %s of it)%s |" % (
                label, ", ".join(str(o.get(key)) for o in topo), ", ".join(rate(o.get("msgs_per_s")) for o in topo),
                ", ".join(rate(spsc.get(o.get(key), {}).get("msgs_per_s")) for o in topo),
                ", ".join(x(o.get("ratio_to_spsc")) for o in topo),
                "; producer ns per message %s" % ", ".join(
                    "%.1f" % o["producer_ns_per_msg"] for o in topo if "producer_ns_per_msg" in o)
                if bench == "fanout" else ""))
    for mode in ("core", "jetstream"):
        for size, label in ((32, "32 B"), (1024, "1 KiB")):
            b = find(rows, bench="bridge", transport="tachyon-bridge", mode=mode, payload=size)
            if not b:
                continue
            n = find(rows, bench="bridge", transport="nats-client", mode=mode, payload=size)
            out.append("| NATS bridge, %s, %s, out -> nats-server -> in | %s msg/s, p50 %s | plain libnats pair %s "
                       "msg/s (bridge %s of it) |" % (
                           "core NATS" if mode == "core" else "JetStream", label, rate(b.get("msgs_per_s")),
                           us(b.get("p50_ns")), rate(n.get("msgs_per_s")), x(b.get("ratio_vs_nats_client"))))
    tc = find(rows, bench="tachc")
    if tc and tc.get("seconds") is not None:
        out.append("| tachc, 10,000 types, 4 languages | %.3f s | |" % tc["seconds"])
    langs = langs_table(rows)
    if len(out) == head + 2:  # a run of section langs alone: no table of the other sections
        del out[head:]
    elif langs:
        out.append("")
    out += langs
    return "\n".join(out)


LANGS = (("c", "C"), ("cpp", "C++"), ("csharp", "C# (Mono)"), ("java", "Java"), ("kotlin", "Kotlin"),
         ("node", "Node.js"), ("python", "Python"), ("rust", "Rust"), ("go", "Go"))
# (producer mode, consumer mode, label) per language; the others have one path, "typed"
PATHS = {"node": (("batch", "batch", "batched: `sendBatch` / `recvBatch` of up to 1024"),
                  ("view", "per-message", "per message: `sendZeroCopy` / `recvBatch(1)`")),
         "python": (("typed", "typed", "typed: `send_typed` / `drain_batch` + `unpack_from`"),
                    ("batch", "batch", "batched: NumPy `send_batch` / `as_arrays`"))}


def lrate(v):
    """A message rate that keeps two figures below 1 M (the slow languages' paths)."""
    if v is None:
        return "-"
    return "%.1f M" % (v / 1e6) if v >= 1e6 else "%.2f M" % (v / 1e6) if v >= 1e5 else "%.0f k" % (v / 1e3)


def cpu_rate(o):
    v = o.get("cpu_ns_per_msg") if o else None
    return "-" if not v else lrate(1e9 / v)


def langs_table(rows):
    """Section langs: each language's example peers against C's, the C pair of the same rounds beside them."""
    if not find(rows, bench="lang_market", lang="c", role="producer"):
        return []
    out = ["Languages (`make bench`, section langs): each language's example producer (examples/peers) into the C "
           "consumer, and the C producer into each language's consumer; MarketTick, 32 B, two processes, every field "
           "of every message checked by the consumer. msg/s is the median over rounds; `x C` the median of the "
           "per-round ratios to the C producer -> C consumer pair of the same round; \"on a core\" is 1e9 / the "
           "process's CPU time per message (user + system, all threads, start-up included).", "",
           "| language | path | producer -> C consumer | on a core | C producer -> consumer | on a core |",
           "|---|---|---|---|---|---|"]
    for lang, name in LANGS:
        for pmode, cmode, label in PATHS.get(lang, (("typed", "typed", "generated views"),)):
            pr = find(rows, bench="lang_market", lang=lang, role="producer", peer="c", mode=pmode)
            co = find(rows, bench="lang_market", lang=lang, role="consumer", peer="c", mode=cmode)
            if not pr and not co:
                continue
            cell = (lambda o: "-" if not o else "%s msg/s (%s C)" % (lrate(o.get("msgs_per_s")), x(o.get("ratio_to_c"))))
            out.append("| %s | %s | %s | %s | %s | %s |" % (name, label, cell(pr), cpu_rate(pr), cell(co), cpu_rate(co)))
    p2r = find(rows, bench="python_to_rust", lang="python")
    if p2r:
        out.append("| Python -> Rust | `send_typed` -> the Rust consumer | %s msg/s (%s C) | %s | | |" % (
            lrate(p2r.get("msgs_per_s")), x(p2r.get("ratio_to_c")), cpu_rate(p2r)))
    cc = find(rows, bench="lang_frames", lang="c")
    for mode, label in (("dlpack", "a NumPy array per frame (DLPack)"), ("batch", "(n, 256) NumPy arrays per batch")):
        py = find(rows, bench="lang_frames", lang="python", mode=mode)
        if py:
            out.append("| 1 KiB frames, C++ -> Python | %s, every sample checked | %s (%s frames/s; %s C -> C) | %s | "
                       "| |" % (label, gbs(py.get("gbytes_per_s")), lrate(py.get("msgs_per_s")), x(py.get("ratio_to_c")),
                                cpu_rate(py)))
    if cc:
        out.append("| 1 KiB frames, C -> C | every sample checked | %s (%s frames/s) | %s | | |" % (
            gbs(cc.get("gbytes_per_s")), lrate(cc.get("msgs_per_s")), cpu_rate(cc)))
    warm, warm_rx = [], []
    for lang, name in (("java", "Java"), ("kotlin", "Kotlin")):
        pr = find(rows, bench="lang_market", lang=lang, role="producer", peer="c")
        if pr.get("jvm_warm_cpu_ns_per_msg"):
            warm.append("%s %.1f ns (%s msg/s on a core)" % (name, pr["jvm_warm_cpu_ns_per_msg"],
                                                              lrate(1e9 / pr["jvm_warm_cpu_ns_per_msg"])))
        co = find(rows, bench="lang_market", lang=lang, role="consumer", peer="c")
        if co.get("jvm_warm_cpu_ns_per_msg"):
            warm_rx.append("%s %.1f ns (%s msg/s on a core)" % (name, co["jvm_warm_cpu_ns_per_msg"],
                                                                 lrate(1e9 / co["jvm_warm_cpu_ns_per_msg"])))
    if warm:
        out += ["", "The JVM producers' sending thread after the JIT warmed up (CPU time per message over the second "
                    "half of each run, median over rounds): " + "; ".join(warm) + "."]
    if warm_rx:
        out += ["", "The JVM consumers' receiving thread (an `Inbox`, batches of up to 1024, every field checked) "
                    "after the JIT warmed up, likewise (waits for the producer included): " + "; ".join(warm_rx) + "."]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="a bench/results/*.jsonl file")
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    machine, rows = load(args.results)
    rel = os.path.relpath(os.path.splitext(os.path.abspath(args.results))[0] + ".md", ROOT)
    if not os.path.exists(os.path.join(ROOT, rel)):
        rel = os.path.relpath(os.path.abspath(args.results), ROOT)
    text = table(machine, rows, rel)
    with open(args.readme) as f:
        readme = f.read()
    if readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise SystemExit("%s: needs exactly one %s ... %s block" % (args.readme, BEGIN, END))
    head, rest = readme.split(BEGIN)
    _, tail = rest.split(END)
    new = head + BEGIN + "\n" + text + "\n" + END + tail
    if args.check:
        if new != readme:
            print("%s: the Performance table differs from what %s gives" % (args.readme, args.results))
            return 1
        print("%s: the Performance table is %s's" % (args.readme, args.results))
        return 0
    with open(args.readme, "w") as f:
        f.write(new)
    print("wrote the Performance table of %s from %s" % (os.path.relpath(args.readme, ROOT), args.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
