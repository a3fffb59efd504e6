"""Request/response (tachyon.rpc) and the stubs tachc generates for service
Pricing (tests/rpc/pricing.tach; the generated module is the committed golden
tests/rpc/golden/python/pricing.py): typed calls with replies in place, the
pipelined form with replies out of order (a deferred slow call answered from
another thread after the fast ones), deadlines, the server killed with calls in
flight, unknown methods, application errors, hostile replies and bad inputs."""
import os
import sys
import threading

import pytest

import tachyon
from tachyon import rpc

from conftest import ROOT, finish, spawn

GOLDEN = os.path.join(ROOT, "tests", "rpc", "golden", "python")
if GOLDEN not in sys.path:
    sys.path.insert(0, GOLDEN)

import pricing  # noqa: E402

TIMEOUT = 10.0


class Quoter(pricing.PricingServer):
    """price = qty * 1.5; qty 0 fails with code 7; Ping is not served."""

    def quote(self, request, reply):
        if request.qty == 0:
            raise rpc.ApplicationError(7)
        reply.price = request.qty * 1.5
        reply.qty = request.qty


def start_server(path, make_conn_ready=None, serve=None, capacity=1 << 16):
    """Listens in a thread and serves with `serve(conn)` (default: Quoter);
    returns (thread, box): box["conn"] is the server side, box["err"] what
    serve raised."""
    box = {}

    def run():
        try:
            with tachyon.Rpc.listen(path, capacity, timeout=TIMEOUT) as conn:
                box["conn"] = conn
                (serve or Quoter().serve)(conn)
        except BaseException as e:  # handed to the test
            box["err"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


def request(symbol, qty):
    req = pricing.QuoteRequest.new()
    req.symbol, req.qty = symbol, qty
    return req


def test_typed_calls_read_the_reply_in_place(sock):
    t, box = start_server(sock)
    with tachyon.Rpc.connect(sock, timeout=TIMEOUT) as conn:
        client = pricing.PricingClient(conn)
        for q in range(1, 50):
            reply = client.quote(request("BTCUSDT", q), timeout=TIMEOUT)
            assert (reply.price, reply.qty) == (q * 1.5, q)
            assert isinstance(reply.buffer, tachyon.rpc.Frame)  # a view of the ring, not a copy
        # the last reply stays readable until the next call, then is gone
        kept = client.quote(bytes(request("X", 3).to_bytes()), timeout=TIMEOUT)
        assert kept.qty == 3
        client.quote(request("X", 4), timeout=TIMEOUT)
        with pytest.raises(tachyon.UseAfterCommit):
            kept.qty
        with pytest.raises(rpc.ApplicationError) as e:
            client.quote(request("X", 0), timeout=TIMEOUT)
        assert e.value.app_code == 7 and e.value.method_id == pricing.PRICING_QUOTE
        with pytest.raises(rpc.UnknownMethod):  # Quoter does not serve Ping
            client.ping(timeout=TIMEOUT)
        with pytest.raises(rpc.UnknownMethod):
            rpc.check_status(conn.call(99, None, 0, TIMEOUT))
        with pytest.raises(ValueError):  # a request of the wrong size never leaves
            client.quote(b"short", timeout=TIMEOUT)
    t.join(TIMEOUT)
    assert not t.is_alive() and "err" not in box  # serve() returned when the client went


def test_pipelined_replies_out_of_order_a_slow_call_holds_up_only_itself(sock):
    fast_done = threading.Semaphore(0)
    workers = []

    class SlowFirst(pricing.PricingServer):
        def quote(self, request, reply):
            if request.qty == 1000:
                responder = rpc.defer()  # the serve loop goes on at once

                def answer():
                    for _ in range(9):  # until the 9 fast calls behind it were answered
                        assert fast_done.acquire(timeout=TIMEOUT)
                    out = pricing.QuoteReply.new()
                    out.price, out.qty = 1500.0, responder.request.qty
                    responder.reply(out)
                workers.append(threading.Thread(target=answer))
                workers[-1].start()
                return
            reply.price, reply.qty = request.qty * 1.5, request.qty
            fast_done.release()

        def ping(self):
            fast_done.release()

    t, box = start_server(sock, serve=SlowFirst().serve)
    with tachyon.Rpc.connect(sock, timeout=TIMEOUT) as conn:
        client = pricing.PricingClient(conn)
        slow = client.quote_send(request("SLOW", 1000), timeout=TIMEOUT)
        fast = [client.quote_send(request("FAST", 500 + i), timeout=TIMEOUT) for i in range(8)]
        ping = client.ping_send(timeout=TIMEOUT)
        order = []
        for outcome in client.replies(timeout=TIMEOUT):
            order.append(outcome.call_id)
            if outcome.call_id == ping:
                assert outcome.result() is None
            else:
                value = outcome.result()
                assert value.qty == (1000 if outcome.call_id == slow else 500 + fast.index(outcome.call_id))
        assert sorted(order) == sorted(fast + [slow, ping])
        assert order[-1] == slow  # answered last, yet the calls behind it were not held up
        assert conn.pending == 0
    t.join(TIMEOUT)
    for w in workers:
        w.join(TIMEOUT)
    assert "err" not in box


def test_deadline_expiry_and_the_late_reply_dropped(sock):
    late = []

    class Late(pricing.PricingServer):
        def quote(self, request, reply):
            if request.qty == 1:
                late.append(rpc.defer())  # answered only after the client gave up
                return
            reply.price, reply.qty = 0.0, request.qty

    t, box = start_server(sock, serve=Late().serve)
    with tachyon.Rpc.connect(sock, timeout=TIMEOUT) as conn:
        client = pricing.PricingClient(conn)
        with pytest.raises(tachyon.TachyonTimeout) as e:
            client.quote(request("A", 1), timeout=0.2)
        assert e.value.call_id != 0 and conn.pending == 0
        late[0].reply(pricing.QuoteReply.new())  # comes in now: dropped, never taken for the next call's
        assert client.quote(request("B", 2), timeout=TIMEOUT).qty == 2
        # a pipelined call's own deadline, reported with its id
        cid = client.quote_send(request("C", 1), timeout=0.2)
        with pytest.raises(tachyon.TachyonTimeout) as e:
            client.next_reply(timeout=TIMEOUT)
        assert e.value.call_id == cid
    t.join(TIMEOUT)
    assert "err" not in box


SILENT_SERVER = """
import sys
import tachyon
from tachyon import rpc
sys.path.insert(0, sys.argv[2])
import pricing

class Silent(pricing.PricingServer):
    def quote(self, request, reply):
        rpc.defer()  # never answered

with tachyon.Rpc.listen(sys.argv[1], 1 << 16, timeout=10) as conn:
    print("serving", flush=True)
    Silent().serve(conn)
"""


def test_server_killed_with_calls_in_flight_fails_every_call_at_once(sock):
    proc = spawn(SILENT_SERVER, sock, GOLDEN)
    try:
        with tachyon.Rpc.connect(sock, timeout=TIMEOUT) as conn:
            client = pricing.PricingClient(conn)
            for i in range(5):
                client.quote_send(request("K", i), timeout=None)
            assert proc.stdout.readline().strip() == "serving"
            assert conn.pending == 5
            proc.kill()
            with pytest.raises(tachyon.PeerGone):
                client.next_reply(timeout=30)  # PeerGone, not the 30 s deadline
            assert conn.pending == 0
            with pytest.raises(tachyon.PeerGone):
                client.quote(request("K", 9), timeout=None)
    finally:
        finish(proc)


def test_hostile_replies_are_errors_never_crashes(sock):
    def hostile(conn):
        while True:
            try:
                req = conn.next_request(TIMEOUT)
            except tachyon.PeerGone:
                return
            qty = pricing.QuoteRequest(req).qty
            call_id, method = conn.defer()
            if qty == 1:  # an id this client never issued
                conn.post_reply(call_id + 1000 * tachyon.rpc.RPC_MAX_INFLIGHT, method, bytes(16))
            elif qty == 2:  # larger than the call allows
                conn.post_reply(call_id, method, bytes(4096))
            elif qty == 3:  # shorter than QuoteReply
                conn.post_reply(call_id, method, bytes(8))
            else:
                out = pricing.QuoteReply.new()
                out.qty = qty
                conn.post_reply(call_id, method, out.to_bytes())

    t, box = start_server(sock, serve=hostile)
    with tachyon.Rpc.connect(sock, timeout=TIMEOUT) as conn:
        client = pricing.PricingClient(conn)
        with pytest.raises(tachyon.CorruptRing) as e:
            client.quote(request("H", 1), timeout=TIMEOUT)
        assert getattr(e.value, "call_id", 0) != 0
        assert client.quote(request("H", 4), timeout=TIMEOUT).qty == 4
        with pytest.raises(tachyon.MessageTooLarge):
            client.quote(request("H", 2), timeout=TIMEOUT)
        with pytest.raises(tachyon.CorruptRing):
            client.quote(request("H", 3), timeout=TIMEOUT)
        assert client.quote(request("H", 5), timeout=TIMEOUT).qty == 5
    t.join(TIMEOUT)
    assert "err" not in box


def test_bad_inputs_and_wrong_sides(sock):
    t, box = start_server(sock)
    with tachyon.Rpc.connect(sock, timeout=TIMEOUT) as conn:
        with pytest.raises(tachyon.StateError):
            conn.next_request(0.1)
        with pytest.raises(tachyon.StateError):
            conn.post_reply(1, 10, None)
        with pytest.raises(tachyon.StateError):
            conn.commit()
        with pytest.raises(ValueError):
            conn.call(10, bytes(16), -1)
        with pytest.raises(tachyon.StateError):
            conn.next_reply(0.1)  # nothing in flight
        frame = conn.call(pricing.PRICING_QUOTE, request("M", 2).to_bytes(), 16, TIMEOUT)
        view = memoryview(frame)
        with pytest.raises(tachyon.ExportsOutstanding):  # the ring memory a view still shows never goes back
            conn.call(pricing.PRICING_QUOTE, request("M", 3).to_bytes(), 16, TIMEOUT)
        assert pricing.QuoteReply(view).qty == 2
        view.release()
        assert pricing.QuoteReply(conn.call(pricing.PRICING_QUOTE, request("M", 3).to_bytes(), 16,
                                            TIMEOUT)).qty == 3
        with pytest.raises(tachyon.StateError):
            rpc.defer()  # outside a handler
    t.join(TIMEOUT)
    assert "err" not in box
    with pytest.raises(tachyon.StateError):
        conn.call(10, None, 0)  # closed
