#!/usr/bin/env python3
"""The Python producer of the example streams.

Connects to a consumer (retrying until it listens) with the bus bound to the schema's
fingerprint, writes every message through the tachc-generated module (generated/python),
flushes every --batch messages, then sends End.

    producer.py --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]
                [--mode typed|batch|view] [--batch B]

Modes (market): `typed` sends each tick with bus.send_typed(MarketTick, type_id, ...), which
packs the generated precompiled record struct straight into the ring slot; `batch` builds
--batch ticks at once as a NumPy array of the generated dtype and sends them with one call;
`view` writes each field through the generated MarketTick properties in place.
Frames are written in place as NumPy arrays over the ring (view) or sent as batches.
"""
import importlib
import sys
import time

import stream


def connect(tachyon, path: str, schema):
    """Connects, retrying while nobody listens yet (the consumer may still be starting)."""
    deadline = time.monotonic() + 10.0
    while True:
        try:
            return tachyon.Bus.connect(path, schema=schema)
        except tachyon.NoListener:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def send_market_typed(bus, market, args) -> None:
    """One send_typed call per tick: the generated record struct packs it straight into the ring."""
    send, cls, clock, now = bus.send_typed, market.MarketTick, args.stamp == "clock", time.time_ns
    for start in range(0, args.count, args.batch):
        for type_id, symbol, price, quantity, stamp in stream.ticks(start, min(start + args.batch, args.count)):
            send(cls, type_id, symbol, price, quantity, now() if clock else stamp)
        bus.flush()


def send_market_batch(bus, market, args) -> None:
    import numpy as np
    dtype = market.MarketTick.numpy_dtype()
    for start in range(0, args.count, args.batch):
        n = min(args.batch, args.count - start)
        records, type_ids = stream.expected_ticks(np, start, n, dtype)
        if args.stamp == "clock":
            records["timestamp"] = time.time_ns()
        bus.send_batch(records, type_id=type_ids)
        bus.flush()


def send_market_view(bus, market, args) -> None:
    cls, size = market.MarketTick, market.MarketTick.SIZE
    for i in range(args.count):
        symbol, price, quantity, stamp = stream.tick_fields(i)
        with bus.send_zero_copy(size, type_id=stream.tick_type(i)) as tx:
            tick = cls(tx)  # a view over the ring slot itself
            tick.symbol = symbol
            tick.price = price
            tick.quantity = quantity
            tick.timestamp = time.time_ns() if args.stamp == "clock" else stamp
        if i % args.batch == args.batch - 1:
            bus.flush()


def send_frames(bus, frames, args) -> None:
    import numpy as np
    ramp = np.arange(256, dtype=np.float32)
    if args.mode == "view":
        for i in range(args.count):
            with bus.send_zero_copy(frames.Frame.SIZE, type_id=frames.MSG_FRAME) as tx:
                # The generated view's samples as a NumPy array over the ring slot: no copy.
                frames.Frame(tx).samples.numpy()[:] = ramp + np.float32(stream.frame_base(i))
        return
    for start in range(0, args.count, args.batch):
        n = min(args.batch, args.count - start)
        bases = (np.arange(start, start + n, dtype=np.int64) % 65536 * 256).astype(np.float32)
        block = np.zeros(n, dtype=frames.Frame.numpy_dtype())
        block["samples"] = bases[:, None] + ramp
        bus.send_batch(block, type_id=frames.MSG_FRAME)
        bus.flush()


def main() -> int:
    args = stream.parse_args("producer")
    import tachyon
    # The generated module of the stream's schema: market.py or frames.py in --generated.
    schema = importlib.import_module(args.stream)
    try:
        bus = connect(tachyon, args.socket, schema)
    except tachyon.SchemaMismatch as e:
        print(f"producer: refused at connect: schema mismatch ({e})", file=sys.stderr)
        return stream.EXIT_SCHEMA
    except tachyon.TachyonError as e:
        print(f"producer: connect {args.socket}: {e}", file=sys.stderr)
        return stream.EXIT_FAIL
    start = time.perf_counter()
    with bus:
        if args.stream == "market":
            mode = args.mode or "typed"
            {"typed": send_market_typed, "batch": send_market_batch, "view": send_market_view}[mode](bus, schema, args)
            what = f"{args.count} ticks ({args.count - args.count // 3} bid, {args.count // 3} ask)"
        else:
            mode = args.mode or "batch"
            send_frames(bus, schema, args)
            what = f"{args.count} frames of {schema.Frame.SIZE} bytes"
        bus.send(b"", type_id=schema.MSG_END)
        bus.flush()
    secs = time.perf_counter() - start
    if not args.quiet:
        print(f"producer: sent {what} + End ({mode} mode)")
        print(f"producer: {secs:.3f} s, {args.count / secs / 1e6:.2f} M msg/s")
    return stream.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
