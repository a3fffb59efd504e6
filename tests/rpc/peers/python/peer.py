"""The Python peer of the cross-language RPC matrix (tests/rpc/matrix.sh has
the contract): `peer.py serve SOCKET` answers Pricing with the generated
PricingServer until the client goes; `peer.py call SOCKET` checks 200 blocking
calls, 32 pipelined ones, Ping and an unknown method through PricingClient."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "golden", "python"))

import tachyon  # noqa: E402
from tachyon import rpc  # noqa: E402

import pricing  # noqa: E402

TIMEOUT = 10.0


class Pricing(pricing.PricingServer):
    def quote(self, request: pricing.QuoteRequest, reply: pricing.QuoteReply) -> None:
        symbol, qty = request.unpack_from(request.buffer, request.offset)
        reply.pack_into(reply.buffer, reply.offset, qty * 1.5 + len(symbol.split(b"\0", 1)[0]), qty + 1)

    def ping(self) -> None:
        pass


def serve(path: str) -> int:
    with tachyon.Rpc.listen(path, 1 << 16, timeout=TIMEOUT) as conn:
        Pricing().serve(conn)  # returns when the client goes
    return 0


def call(path: str) -> int:
    with tachyon.Rpc.connect(path, timeout=TIMEOUT) as conn:
        client = pricing.PricingClient(conn)
        req = pricing.QuoteRequest.new()
        for i in range(200):
            symbol = f"SYM{i % 100}"
            req.symbol, req.qty = symbol, i
            reply = client.quote(req, timeout=TIMEOUT)
            if (reply.price, reply.qty) != (i * 1.5 + len(symbol), i + 1):
                print(f"quote {i}: got {reply.to_dict()}")
                return 1
        ids = {}
        for i in range(32):
            req.symbol, req.qty = f"P{i}", 1000 + i
            ids[client.quote_send(req, timeout=TIMEOUT)] = i
        for outcome in client.replies(timeout=TIMEOUT):
            i = ids.pop(outcome.call_id, None)
            if i is None:
                print(f"pipelined reply with call id {outcome.call_id}: not one of ours or twice")
                return 1
            reply = outcome.result()
            if (reply.price, reply.qty) != ((1000 + i) * 1.5 + len(f"P{i}"), 1000 + i + 1):
                print(f"pipelined reply {i}: got {reply.to_dict()}")
                return 1
        if ids:
            print(f"pipelined calls without a reply: {sorted(ids.values())}")
            return 1
        client.ping(timeout=TIMEOUT)
        try:
            rpc.check_status(conn.call(99, None, 0, TIMEOUT))
        except rpc.UnknownMethod:
            pass
        else:
            print("method 99: no UnknownMethod")
            return 1
    print("ok")
    return 0


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("serve", "call"):
        return serve(sys.argv[2]) if sys.argv[1] == "serve" else call(sys.argv[2])
    print("usage: peer.py serve|call SOCKET", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
