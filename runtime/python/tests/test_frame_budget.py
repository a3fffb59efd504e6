"""The per-frame cost of bus.arrays(), held to a committed instruction budget: bench/py_frame_insns.py counts, under
callgrind, the instructions of one 1 KiB frame taken by `for arr in bus.arrays(np.float32, end_type_id=0)` (the
loop's own interpreter work included). The count is deterministic (the machine's load does not change it), but it
belongs to one Python and one NumPy: budgets are kept per (Python, NumPy) minor version, and another pair is a skip
that names it."""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

# (Python, NumPy) -> instructions per frame, as bench/py_frame_insns.py --loop array-view gave them
# (python 3.11.7, numpy 2.4.6, gcc 12 -O2: 1,123, against 6,487 for the dlpack-view loop).
BUDGETS = {("3.11", "2.4"): 1123}
MARGIN = 0.2  # over budget * (1 + MARGIN): a regression; under budget * (1 - 2 * MARGIN): update the budget

SCRIPT = os.path.join(ROOT, "bench", "py_frame_insns.py")
PEER = os.path.join(ROOT, "build", "bench", "peer")


def versions():
    return "%d.%d" % sys.version_info[:2], ".".join(np.__version__.split(".")[:2])


@pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind is not installed (apt-get install valgrind)")
@pytest.mark.skipif(not os.path.isfile(SCRIPT), reason="not run from a Tachyon checkout (no bench/py_frame_insns.py)")
@pytest.mark.skipif(not os.access(PEER, os.X_OK), reason="build/bench/peer is not built (make)")
@pytest.mark.skipif(versions() not in BUDGETS, reason="no instruction budget for Python %s with NumPy %s" % versions())
def test_arrays_loop_stays_within_its_instruction_budget():
    p = subprocess.run([sys.executable, SCRIPT, "--python", sys.executable, "--loop", "array-view", "--frames", "300"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert p.returncode == 0, p.stdout
    m = re.search(r"py_frame_insns: (\d+) instructions per 1 KiB frame \(array-view loop", p.stdout)
    assert m, p.stdout
    got, budget = int(m.group(1)), BUDGETS[versions()]
    assert got <= budget * (1 + MARGIN), "bus.arrays() costs %d instructions per frame, over its budget of %d" % (
        got, budget)
    assert got >= budget * (1 - 2 * MARGIN), "bus.arrays() costs %d instructions per frame, well under its budget " \
                                             "of %d: lower the budget in this file" % (got, budget)
