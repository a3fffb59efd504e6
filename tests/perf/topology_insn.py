#!/usr/bin/env python3
"""Topology goals counted by callgrind (deterministic: the machine's load does
not change the counts), the guide next to bench/topology's wall-clock rows.

    tests/perf/topology_insn.py [--build DIR] [--messages M] [--counts 1,2,4,8]

Runs $(BUILD)/bench/topology_insn under `valgrind --tool=callgrind` and checks,
for each N:
  fanin-N   the fan-in consumer's instructions per message are at most
            1 / 0.8 of a loop polling N plain buses doing the same work
            (issue 19: "fan-in's total is at least 0.8x the SPSC throughput");
  fanin-idle-N (N >= 2) the same with one producer sending and N - 1 idle,
            so each message also pays a look at every idle ring (the
            round-robin's worst case, and what a loaded machine's
            descheduled producers look like to the consumer);
  fanout-N  the fan-out producer's instructions per message do not grow with
            the number of subscribers: within 5% of its count for N = 1.

Prints "PASS: name" / "FAIL: name (why)" / "SKIP: name (why)" per check (the
`lines` format of tests/run.py), each with its counts.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callgrind  # noqa: E402  (tests/perf/callgrind.py)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FANIN_GOAL = 0.8     # SPSC instructions / fan-in instructions, at least
FANOUT_GROWTH = 0.05  # the producer's count at N over its count at 1, at most 1 + this


def count(prog, mode, n, messages, tmp):
    return callgrind.per_message([prog, mode, str(n), str(messages)], messages, tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--messages", type=int, default=32768)
    ap.add_argument("--counts", default="1,2,4,8")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    prog = os.path.join(ROOT, args.build, "bench", "topology_insn")
    idle_counts = [n for n in counts if n >= 2]
    names = (["fanin-%d" % n for n in counts] + ["fanin-idle-%d" % n for n in idle_counts] +
             ["fanout-%d" % n for n in counts])
    if not os.path.exists(prog):
        for name in names:
            print("FAIL: %s (%s missing: run make all)" % (name, os.path.relpath(prog, ROOT)))
        return 1
    if shutil.which("valgrind") is None:
        for name in names:
            print("SKIP: %s (valgrind not installed; apt-get install valgrind)" % name)
        return 0
    failed = False
    with tempfile.TemporaryDirectory(prefix="topology_insn.") as tmp:
        for n, idle in [(n, "") for n in counts] + [(n, "-idle") for n in idle_counts]:
            name = "fanin%s-%d" % (idle, n)
            try:
                fanin = count(prog, "fanin" + idle, n, args.messages, tmp)
                spsc = count(prog, "spsc" + idle, n, args.messages, tmp)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print("FAIL: %s (%s)" % (name, e))
                failed = True
                continue
            text = "%s: fan-in %.1f instructions/message, %d polled buses %.1f: %.2fx (goal %.2fx)" % (
                name, fanin, n, spsc, spsc / fanin, FANIN_GOAL)
            if spsc / fanin < FANIN_GOAL:
                print("FAIL: %s" % text)
                failed = True
            else:
                print("PASS: %s" % text)
        base = None
        for n in counts:
            try:
                got = count(prog, "fanout", n, args.messages, tmp)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print("FAIL: fanout-%d (%s)" % (n, e))
                failed = True
                continue
            if base is None:
                base = got
            text = "fanout-%d: the producer's %.1f instructions/message with %d subscriber(s), %.1f with %d" % (
                n, got, n, base, counts[0])
            if got > base * (1 + FANOUT_GROWTH):
                print("FAIL: %s (grows with the subscribers)" % text)
                failed = True
            else:
                print("PASS: %s" % text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
