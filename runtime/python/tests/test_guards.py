"""The one guard lifecycle that RxGuard (recv_zero_copy), TxGuard (send_zero_copy) and Batch (drain_batch) share:
however a guard ends (a failed block, a clean exit while a view is alive, close(), being dropped), it ends once,
every later access is refused, and the side can go on. The TxGuard rolls back in each of these cases (a view that
could still change is never published); a received message is released all the same."""
import gc

import pytest

import tachyon

KINDS = ["rx", "tx", "batch"]


def hold(kind, cons, prod):
    """A guard of `kind` holding ring memory, and a function making a view of it."""
    if kind == "tx":
        g = prod.send_zero_copy(size=8, type_id=1)
        with memoryview(g) as mv:
            mv[:] = b"reserved"
        return g, lambda: memoryview(g)
    prod.send(b"held", type_id=1)
    prod.flush()
    if kind == "rx":
        g = cons.recv_zero_copy(timeout=5)
        return g, lambda: memoryview(g)
    g = cons.drain_batch(timeout=5)
    assert len(g) == 1
    return g, lambda: memoryview(g[0])


def assert_ended(g, view):
    assert g.committed
    with pytest.raises(tachyon.UseAfterCommit):
        view()


def assert_side_goes_on(cons, prod):
    """Nothing the guard held comes back: the next message is the next one sent."""
    prod.send(b"next", type_id=2)
    prod.flush()
    msg = cons.recv(timeout=5)
    assert (msg.type_id, msg.data) == (2, b"next")
    assert cons.try_recv() is None


@pytest.mark.parametrize("kind", KINDS)
def test_failed_block_ends_the_guard_and_keeps_its_exception(pair, kind):
    cons, prod = pair
    g, view = hold(kind, cons, prod)
    with pytest.raises(ZeroDivisionError):
        with g:
            1 / 0
    assert_ended(g, view)
    assert_side_goes_on(cons, prod)


@pytest.mark.parametrize("kind", KINDS)
def test_failed_block_with_a_live_view_ends_at_its_release(pair, kind):
    cons, prod = pair
    g, view = hold(kind, cons, prod)
    mv = view()
    with pytest.raises(ZeroDivisionError):
        with g:
            1 / 0
    assert not g.committed
    mv.release()
    assert_ended(g, view)
    assert_side_goes_on(cons, prod)


@pytest.mark.parametrize("kind", KINDS)
def test_clean_exit_with_a_live_view_is_refused_then_ends_at_its_release(pair, kind):
    cons, prod = pair
    g, view = hold(kind, cons, prod)
    mv = view()
    with pytest.raises(tachyon.ExportsOutstanding):
        g.__exit__(None, None, None)
    assert not g.committed
    with pytest.raises(tachyon.StateError):  # the side's next call waits for the guard
        if kind == "tx":
            prod.send(b"x", type_id=3)
        else:
            cons.recv(timeout=0)
    mv.release()
    assert_ended(g, view)
    assert_side_goes_on(cons, prod)


@pytest.mark.parametrize("kind", KINDS)
def test_dropped_guard_ends(pair, kind):
    cons, prod = pair
    g, view = hold(kind, cons, prod)
    del g, view
    gc.collect()
    assert_side_goes_on(cons, prod)


@pytest.mark.parametrize("kind", KINDS)
def test_close_ends_a_held_guard(pair, kind):
    cons, prod = pair
    g, view = hold(kind, cons, prod)
    (prod if kind == "tx" else cons).close()
    assert_ended(g, view)


@pytest.mark.parametrize("kind", KINDS)
def test_commit_inside_the_block_then_exit(pair, kind):
    cons, prod = pair
    g, view = hold(kind, cons, prod)
    with g:
        g.commit()
        assert g.committed
    assert_ended(g, view)
    if kind == "tx":
        prod.flush()
        msg = cons.recv(timeout=5)
        assert (msg.type_id, msg.data) == (1, b"reserved")  # committed, so sent
    assert_side_goes_on(cons, prod)
