#!/usr/bin/env python3
"""The hot path's instruction budget: instructions per message for send and
for receive, counted by callgrind (deterministic: the machine's load does not
change them), checked against tests/perf/insn_budget.json.

    tests/perf/insn_budget.py [--build DIR] [--messages N] [--update]

Runs $(BUILD)/bench/insn_count under `valgrind --tool=callgrind`, once per
side; the program switches collection on only around tachyon_send (send),
tachyon_acquire_rx + tachyon_commit_rx (recv), tachyon_acquire_tx + a 32-byte
write + tachyon_commit_tx (reserve: bench/throughput's producer) and
tachyon_drain_batch + tachyon_commit_rx_batch of 32 messages (drain: its
consumer), per message; and send, recv and reserve again as tachyon.h's
inline bodies compiled into the program (the -inline sides). The figure is collected
instructions / messages, which also holds the few instructions of the call
and of the toggle itself (constant, as long as bench/insn_count.c is).

Prints "PASS: name" / "FAIL: name (why)" / "SKIP: name (why)" per side (the
`lines` format of tests/run.py). A figure above budget * (1 + margin) fails:
a regression. A figure well below budget - the margin the other way - also
fails, asking for --update, so the committed number stays the real one.
Counts depend on the compiler, so budgets are kept per compiler ("gcc-12");
a compiler with no budget is a skip that names it.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callgrind  # noqa: E402  (tests/perf/callgrind.py)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUDGET = os.path.join(ROOT, "tests", "perf", "insn_budget.json")
SIDES = ("send", "recv", "reserve", "drain", "send-inline", "recv-inline", "reserve-inline")


def compiler_of(path):
    """gcc-12 / clang-14 from the .comment strings of the binary, or None."""
    with open(path, "rb") as f:
        data = f.read()
    m = re.search(rb"clang version (\d+)", data)
    if m:
        return "clang-" + m.group(1).decode()
    m = re.search(rb"GCC: \([^)]*\) (\d+)", data)
    if m:
        return "gcc-" + m.group(1).decode()
    return None


def count(prog, side, messages, tmp):
    return callgrind.per_message([prog, side, str(messages)], messages, tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--messages", type=int, default=32768)
    ap.add_argument("--update", action="store_true", help="write the measured figures as the budget")
    args = ap.parse_args()
    prog = os.path.join(ROOT, args.build, "bench", "insn_count")
    if not os.path.exists(prog):
        for side in SIDES:
            print("FAIL: %s (%s missing: run make all)" % (side, os.path.relpath(prog, ROOT)))
        return 1
    if shutil.which("valgrind") is None:
        for side in SIDES:
            print("SKIP: %s (valgrind not installed; apt-get install valgrind)" % side)
        return 0
    cc = compiler_of(prog) or "unknown"
    with open(BUDGET) as f:
        budget = json.load(f)
    margin = float(budget["margin"])
    per_cc = budget["budgets"].get(cc)
    failed = False
    with tempfile.TemporaryDirectory(prefix="insn_budget.") as tmp:
        got = {}
        for side in SIDES:
            try:
                got[side] = count(prog, side, args.messages, tmp)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print("FAIL: %s (%s)" % (side, e))
                failed = True
    if failed:
        return 1
    if args.update:
        budget["budgets"][cc] = {side: round(got[side], 1) for side in SIDES}
        with open(BUDGET, "w") as f:
            json.dump(budget, f, indent=2, sort_keys=True)
            f.write("\n")
        print("insn_budget: wrote %s for %s: %s" % (os.path.relpath(BUDGET, ROOT), cc, budget["budgets"][cc]))
        return 0
    for side in SIDES:
        if per_cc is None or side not in per_cc:
            print("SKIP: %s (no budget for compiler %s in %s; measured %.1f instructions/message; "
                  "tests/perf/insn_budget.py --update adds it)" % (side, cc, os.path.relpath(BUDGET, ROOT), got[side]))
            continue
        want = float(per_cc[side])
        text = "%s: %.1f instructions/message, budget %.1f (+-%.0f%%, %s)" % (side, got[side], want, margin * 100, cc)
        if got[side] > want * (1 + margin):
            print("FAIL: %s (over budget: a hot-path regression)" % text)
            failed = True
        elif got[side] < want * (1 - margin):
            print("FAIL: %s (well under budget: commit the gain with tests/perf/insn_budget.py --update)" % text)
            failed = True
        else:
            print("PASS: %s" % text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
