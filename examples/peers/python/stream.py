"""The deterministic example streams, in Python (the same formulas in every language;
see examples/peers/README.md), and what the Python producer and consumer share."""

import argparse
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))

# Exit statuses every peer program uses.
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SCHEMA = 0, 1, 2, 3

SYMBOLS = (b"BTCUSDT", b"ETHUSDT", b"SOLUSDT", b"DOGEUSDT", b"XRP")
BASE_NS = 1_700_000_000_000_000_000
GOLDEN = 2654435761  # Knuth's multiplicative hash: quantities use all 32 bits


def tick_type(i: int) -> int:
    return 2 if i % 3 == 2 else 1  # Ask every third tick, else Bid


def tick_fields(i: int) -> tuple[bytes, float, int, int]:
    """(symbol, price, quantity, timestamp) of tick i with index stamps."""
    return SYMBOLS[i % 5], 1000.0 + (i % 1000003) * 0.25, (i * GOLDEN) & 0xFFFFFFFF, BASE_NS + i * 1000


def ticks(start: int, stop: int) -> Iterator[tuple[int, bytes, float, int, int]]:
    """(type id, symbol, price, quantity, timestamp) of ticks start..stop-1: tick_type and tick_fields,
    unrolled for the producer's hot loop (type and symbol repeat every 15 ticks)."""
    kinds = [(tick_type(k), SYMBOLS[k % 5]) for k in range(15)]
    for i in range(start, stop):
        type_id, symbol = kinds[i % 15]
        yield type_id, symbol, 1000.0 + (i % 1000003) * 0.25, (i * GOLDEN) & 0xFFFFFFFF, BASE_NS + i * 1000


def frame_base(i: int) -> int:
    """Frame i holds samples base + k for k in 0..255, as f32 (exact: base + k < 2**24)."""
    return (i % 65536) * 256


def parse_args(role: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=f"Tachyon example {role} (Python)")
    ap.add_argument("--socket", required=True, help="socket path, or @name for the abstract namespace")
    ap.add_argument("--stream", choices=("market", "frames"), default="market")
    ap.add_argument("--count", type=int, default=100_000, help="messages before End")
    ap.add_argument("--stamp", choices=("index", "clock"), default="index",
                    help="tick timestamps: derived from the index (checked exactly) or CLOCK_REALTIME ns "
                         "(one-way latency)")
    if role == "producer":
        ap.add_argument("--mode", choices=("typed", "batch", "view"), default=None,
                        help="market: typed (default) sends each tick with send_typed and the generated record "
                             "struct; batch sends NumPy arrays of the generated dtype; view writes each field "
                             "through the generated properties in place. frames: batch (default) or view")
    else:
        ap.add_argument("--mode", choices=("typed", "batch", "dlpack", "torch"), default=None,
                        help="market: typed (default) reads each tick with the generated record struct; batch "
                             "reads NumPy record arrays over the ring. frames: dlpack (default) makes each frame "
                             "a NumPy array through DLPack; torch makes each frame a PyTorch tensor through "
                             "DLPack (torch.from_dlpack; PyTorch must be installed); batch makes each batch one "
                             "(n, 256) array")
    ap.add_argument("--batch", type=int, default=256, help="messages per flush / per batch")
    ap.add_argument("--generated", default=os.path.join(ROOT, "generated", "python"),
                    help="folder of the tachc-generated Python modules (market.py, frames.py)")
    ap.add_argument("--quiet", action="store_true")
    if role == "consumer":
        ap.add_argument("--capacity", type=lambda s: int(s, 0), default=1 << 22)
    args = ap.parse_args()
    sys.path.insert(0, args.generated)
    return args


def now_ns() -> int:
    return time.time_ns()


def monotonic() -> float:
    return time.perf_counter()


def percentiles_us(samples: list[int]) -> str:
    samples.sort()
    n = len(samples)

    def at(q: float) -> float:
        return samples[int((n - 1) * q)] / 1000.0

    return (f"one-way latency (us): p50 {at(0.5):.2f}  p90 {at(0.9):.2f}  p99 {at(0.99):.2f}  "
            f"p99.9 {at(0.999):.2f}  max {samples[-1] / 1000.0:.2f}")


def expected_ticks(np: Any, start: int, count: int, dtype: Any) -> tuple[Any, Any]:
    """Ticks start..start+count-1 as a NumPy record array of `dtype` and their type ids."""
    i = np.arange(start, start + count, dtype=np.uint64)
    rec = np.zeros(count, dtype=dtype)
    rec["symbol"] = np.array(SYMBOLS, dtype="S8")[i % 5]
    rec["price"] = 1000.0 + (i % 1000003).astype(np.float64) * 0.25
    rec["quantity"] = ((i * GOLDEN) & 0xFFFFFFFF).astype(np.uint32)
    rec["timestamp"] = BASE_NS + i * 1000
    ids = np.where(i % 3 == 2, 2, 1).astype(np.uint32)
    return rec, ids
