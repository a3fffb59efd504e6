"""One callgrind run of a benchmark program, as instructions per message:
what tests/perf/insn_budget.py and tests/perf/topology_insn.py both count."""
import os
import re
import subprocess


def per_message(argv, messages, out_dir):
    """Runs `argv` (its last argument the message count) under callgrind with
    collection off at start (the program switches it on around its loop) and
    returns the instructions collected divided by `messages`. Raises
    RuntimeError with the tail of valgrind's output when the run fails."""
    out = os.path.join(out_dir, "callgrind.%s.out" % ".".join(os.path.basename(a) for a in argv[1:-1]))
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--callgrind-out-file=" + out] + list(argv)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stdout.strip()[-400:]))
    m = re.search(r"Collected\s*:\s*(\d+)", p.stdout)
    if not m:
        raise RuntimeError("callgrind printed no 'Collected' line: " + p.stdout.strip()[-400:])
    return int(m.group(1)) / messages
