"""Issue 12: the non-blocking calls (try_send, send_zero_copy(timeout=0), try_recv, drain_batch(timeout=0)) never
deadlock against a peer that blocks, nor the other way round. Every mix of a polling, blocking or timed producer with
a polling, blocking or batch-draining consumer moves messages of 64 B, capacity/16 and the maximum size through a
ring they fill several times, in two processes (pollblock_peer.py). A run that deadlocks is killed and fails."""
import os

import pytest

from conftest import HERE, finish, spawn

PRODUCERS = ["poll", "poll_zc", "block", "timeout"]
CONSUMERS = ["poll", "poll_batch", "block", "batch"]
CAPACITY = 1 << 16
HANG = 30  # seconds: far beyond what the messages need; only a deadlock gets there

PEER = open(os.path.join(HERE, "pollblock_peer.py")).read()


@pytest.mark.parametrize("consumer", CONSUMERS)
@pytest.mark.parametrize("producer", PRODUCERS)
def test_poll_vs_block(producer, consumer):
    name = "@tachyon-pytest-pollblock-%d-%s-%s" % (os.getpid(), producer, consumer)
    cons = spawn(PEER, "consumer", consumer, name, CAPACITY)
    prod = spawn(PEER, "producer", producer, name, CAPACITY)
    pcode, pout, perr = finish(prod, timeout=HANG)
    ccode, cout, cerr = finish(cons, timeout=HANG if pcode == 0 else 5)
    sizes = [64, CAPACITY // 16, CAPACITY // 2 - 16]
    assert (pcode, ccode) == (0, 0), "producer %s: %s%s\nconsumer %s: %s%s" % (producer, pout, perr, consumer, cout,
                                                                              cerr)
    assert [int(line.split()[1]) for line in cout.splitlines()] == sizes
    assert [int(line.split()[1]) for line in pout.splitlines()] == sizes
