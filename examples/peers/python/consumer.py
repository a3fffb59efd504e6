#!/usr/bin/env python3
"""The Python consumer of the example streams.

Listens with the bus bound to the schema's fingerprint, reads every message in place and
checks it against the deterministic stream (type, every field, order, count) until End.

    consumer.py --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]
                [--mode typed|batch|dlpack] [--batch B] [--capacity BYTES]

market: each tick is read in place with the generated record struct
(MarketTick.unpack_from over the ring slot), or, with --mode batch, whole batches at once as
NumPy record arrays of the generated dtype over the ring.
frames: each 1 KiB Frame becomes a NumPy float32 array through DLPack, without a copy
(np.from_dlpack on the received message), or, with --mode torch, a PyTorch tensor through
DLPack (torch.from_dlpack per frame; PyTorch must be installed), or,
with --mode batch, a batch of frames becomes one (n, 256) array over the ring.
"""
import importlib
import struct
import sys
import time

import stream


class Mismatch(Exception):
    pass


class Tally:
    def __init__(self) -> None:
        self.received = 0
        self.asks = 0
        self.checksum = 0
        self.first = 0.0
        self.latency = []
        self.last_stamp = 0  # clock stamps never go backwards


def end_of_stream(schema, type_id: int, size: int) -> bool:
    return type_id == schema.MSG_END and size == 0


def receive_market_typed(bus, market, args, t: Tally) -> None:
    fields, tick_type, unpack = stream.tick_fields, stream.tick_type, market.MarketTick.unpack_from
    clock, now, end = args.stamp == "clock", time.time_ns, market.MSG_END
    tick_size = market.MarketTick.SIZE
    while True:
        # Take what is published (up to --batch messages) and release it in one commit, so a
        # producer waiting for room is woken once per batch, not once per message.
        with bus.drain_batch(max=args.batch) as batch:
            if not t.first:
                t.first = time.perf_counter()
            for msg in batch:
                type_id, size = msg.type_id, msg.size
                if type_id == end and size == 0:
                    return
                i = t.received
                if i >= args.count:
                    raise Mismatch(f"more than the {args.count} messages expected")
                if size < tick_size or market.payload_size(type_id) != tick_size:
                    raise Mismatch(f"tick {i}: type {type_id} with {size} bytes is not a tick")
                got = unpack(msg)  # every field, read in place from the ring slot
                symbol, price, quantity, stamp = got
                want = fields(i)
                if type_id != tick_type(i) or symbol.rstrip(b"\0") != want[0] or price != want[1] or \
                        quantity != want[2] or (not clock and stamp != want[3]):
                    raise Mismatch(f"tick {i} differs: got {market.message_name(type_id)} {got}, "
                                   f"expected {market.message_name(tick_type(i))} {want}")
                if clock:
                    received = now()
                    if not t.last_stamp <= stamp <= received:
                        raise Mismatch(f"tick {i}: clock stamp {stamp} after {t.last_stamp}, received at {received}")
                    t.last_stamp = stamp
                    t.latency.append(received - stamp)
                t.asks += type_id == market.MSG_ASK
                t.checksum += quantity + int(price * 4)
                t.received = i + 1


def receive_market_batch(bus, market, args, t: Tally) -> None:
    import numpy as np
    dtype = market.MarketTick.numpy_dtype()
    while True:
        with bus.drain_batch(max=args.batch) as batch:
            if not t.first:
                t.first = time.perf_counter()
            n = len(batch)
            last = batch[n - 1]
            done = end_of_stream(market, last.type_id, last.size)
            ticks = n - 1 if done else n
            if t.received + ticks > args.count:
                raise Mismatch(f"more than the {args.count} messages expected")
            if ticks:
                got_ids = np.fromiter((batch[k].type_id for k in range(ticks)), dtype=np.uint32, count=ticks)
                want, want_ids = stream.expected_ticks(np, t.received, ticks, dtype)
                # The batch's records as arrays of the generated dtype over the ring (no copy);
                # more than one array when the batch wraps around the ring's end (or ends with
                # End), which are then joined for the comparison.
                parts = _records(np, batch, ticks, dtype) if done else batch.as_arrays(dtype)
                got = np.concatenate(parts) if len(parts) != 1 else parts[0]
                _compare_ticks(np, got, want, got_ids, want_ids, t.received, args.stamp == "clock")
                if args.stamp == "clock":
                    stamps = got["timestamp"].astype(np.int64)
                    received = time.time_ns()
                    if (np.diff(stamps) < 0).any() or stamps[0] < t.last_stamp or stamps[-1] > received:
                        raise Mismatch(f"ticks {t.received}..: clock stamps go backwards or into the future")
                    t.last_stamp = int(stamps[-1])
                    t.latency.extend((received - stamps).tolist())
                t.asks += int((got_ids == market.MSG_ASK).sum())
                t.checksum += int(got["quantity"].astype(np.uint64).sum()) + \
                    int((got["price"] * 4).astype(np.uint64).sum())
                t.received += ticks
                del parts, got  # release the ring views before the batch is committed
            if done:
                return


def _records(np, batch, count: int, dtype):
    """The first `count` records of a batch that ends with End, each read in place."""
    return [np.frombuffer(batch[k], dtype=dtype, count=1) for k in range(count)]


def _compare_ticks(np, got, want, got_ids, want_ids, start: int, clock: bool) -> None:
    same = (got_ids == want_ids) & (got["symbol"] == want["symbol"]) & (got["price"] == want["price"]) & \
        (got["quantity"] == want["quantity"])
    if not clock:
        same &= got["timestamp"] == want["timestamp"]
    if not same.all():
        k = int(np.argmin(same))
        raise Mismatch(f"tick {start + k} differs: got type {got_ids[k]} {got[k]}, "
                       f"expected type {want_ids[k]} {want[k]}")


def frame_checker(np, frames):
    """A function that checks one received Frame read through DLPack: frame i holds samples
    (i % 65536) * 256 + k. (A closure: its state is in local cells, the cheapest to reach.)"""
    ramp = np.arange(256, dtype=np.float32)
    offsets = np.empty(256, dtype=np.float32)
    from_dlpack, subtract, f32 = np.from_dlpack, np.subtract, struct.Struct("<f").pack
    frame_id, frame_size = frames.MSG_FRAME, frames.Frame.SIZE

    def check(msg, i: int, t: Tally) -> None:
        if msg.type_id != frame_id or msg.size != frame_size:
            raise Mismatch(f"frame {i}: type {msg.type_id} with {msg.size} bytes is not a Frame")
        # DLPack: a uint8 tensor over the ring slot itself, viewed as the Frame's f32[256].
        samples = from_dlpack(msg).view("<f4")
        if i == 0:
            _prove_zero_copy(np, samples, msg)
        base = (i % 65536) * 256
        subtract(samples, ramp, out=offsets)  # reads every byte of the frame
        if offsets.tobytes() != f32(base) * 256:  # every offset is base, bit for bit
            k = int(np.argmax(offsets != base))
            raise Mismatch(f"frame {i} sample {k} is {samples[k]}, expected {base + k}")
        t.checksum += base * 256 + 32640  # the sum of the samples just checked

    return check


def torch_frame_checker(np, torch, frames):
    """Like frame_checker, with each frame a PyTorch tensor: torch.from_dlpack per frame. Every
    sample is compared with its expected value (torch.equal: one call, a Python bool); each
    tensor operation costs microseconds, so the check uses as few as it can."""
    ramp = torch.arange(256, dtype=torch.float32)
    expected = torch.empty(256, dtype=torch.float32)
    from_dlpack, add, equal, f32 = torch.from_dlpack, torch.add, torch.equal, torch.float32
    frame_id, frame_size = frames.MSG_FRAME, frames.Frame.SIZE

    def check(msg, i: int, t: Tally) -> None:
        if msg.type_id != frame_id or msg.size != frame_size:
            raise Mismatch(f"frame {i}: type {msg.type_id} with {msg.size} bytes is not a Frame")
        # DLPack: a uint8 tensor over the ring slot itself, viewed as the Frame's f32[256].
        samples = from_dlpack(msg).view(f32)
        if i == 0:
            _prove_zero_copy_torch(np, samples, msg)
        base = (i % 65536) * 256
        add(ramp, base, out=expected)  # base + k, exact in f32 (base + k < 2**24)
        if not equal(samples, expected):  # reads every byte of the frame
            k = int(torch.argmax((samples != expected).to(torch.uint8)))
            raise Mismatch(f"frame {i} sample {k} is {float(samples[k])}, expected {base + k}")
        t.checksum += base * 256 + 32640  # the sum of the samples just checked

    return check


def receive_frames_dlpack(bus, frames, args, t: Tally) -> None:
    import numpy as np
    if args.mode == "torch":
        check = torch_frame_checker(np, _torch(), frames)
    else:
        check = frame_checker(np, frames)
    end = frames.MSG_END
    while True:
        # Take what is published (up to --batch frames), release it in one commit.
        with bus.drain_batch(max=args.batch) as batch:
            if not t.first:
                t.first = time.perf_counter()
            for msg in batch:
                if msg.type_id == end and msg.size == 0:
                    return
                if t.received >= args.count:
                    raise Mismatch(f"more than the {args.count} messages expected")
                check(msg, t.received, t)
                t.received += 1


# Below this many frames a batch is checked frame by frame: whole-array work has a fixed cost.
SMALL_BATCH = 16


def receive_frames_batch(bus, frames, args, t: Tally) -> None:
    import numpy as np
    ramp = np.arange(256, dtype=np.float32)
    dtype = frames.Frame.numpy_dtype()
    check = frame_checker(np, frames)
    while True:
        with bus.drain_batch(max=args.batch) as batch:
            if not t.first:
                t.first = time.perf_counter()
            n = len(batch)
            last = batch[n - 1]
            done = end_of_stream(frames, last.type_id, last.size)
            count = n - 1 if done else n
            if t.received + count > args.count:
                raise Mismatch(f"more than the {args.count} messages expected")
            if done or count < SMALL_BATCH:
                for k in range(count):
                    check(batch[k], t.received, t)
                    t.received += 1
            else:
                # (n,) records of f32[256] over the ring, no copy (two runs when the batch wraps
                # around the ring's end); as_arrays refuses any message that is not a Frame.
                try:
                    parts = batch.as_arrays(dtype, type_id=frames.MSG_FRAME)
                except ValueError as e:
                    raise Mismatch(f"frames {t.received}..{t.received + count - 1}: {e}") from None
                _check_frame_runs(np, parts, ramp, t)
                del parts  # release the ring views before the batch is committed
            if done:
                return


def _check_frame_runs(np, parts, ramp, t: Tally) -> None:
    """Checks every sample of each run of frames (an (m,) record array over the ring)."""
    for part in parts:
        samples = part["samples"]  # (m, 256) float32, a strided view over the ring
        m = len(samples)
        bases = (np.arange(t.received, t.received + m, dtype=np.int64) % 65536 * 256).astype(np.float32)
        offsets = samples - ramp  # reads every byte of every frame
        offsets -= bases[:, None]
        if offsets.view(np.uint32).any():  # not +0.0 bit for bit somewhere
            row = int(np.argmax(offsets.view(np.uint32).any(axis=1)))
            raise Mismatch(f"frame {t.received + row} differs: {samples[row][:4]}...")
        t.checksum += int(bases.sum(dtype=np.float64)) * 256 + 32640 * m  # the sum of the samples just checked
        t.received += m


def _torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


def _prove_zero_copy(np, samples, rx) -> None:
    """The DLPack array must alias the message in the ring, not a copy of it."""
    with memoryview(rx) as mv:
        ring = np.frombuffer(mv, dtype=np.uint8)
        if not np.shares_memory(samples, ring):
            raise Mismatch("np.from_dlpack copied the frame")
        del ring


def _prove_zero_copy_torch(np, tensor, rx) -> None:
    """The tensor from torch.from_dlpack must alias the message in the ring."""
    with memoryview(rx) as mv:
        ring = np.frombuffer(mv, dtype=np.uint8)
        if tensor.data_ptr() != ring.ctypes.data:
            raise Mismatch("torch.from_dlpack copied the frame")
        del ring


def main() -> int:
    args = stream.parse_args("consumer")
    import tachyon
    # The generated module of the stream's schema: market.py or frames.py in --generated.
    schema = importlib.import_module(args.stream)
    if args.stream == "market" and args.mode in ("dlpack", "torch"):
        print(f"consumer: --mode {args.mode} reads frames (--stream frames); the market stream reads typed or batch",
              file=sys.stderr)
        return stream.EXIT_USAGE
    if args.stream == "frames" and args.mode == "torch" and _torch() is None:  # imported here, before listening
        print("consumer: --mode torch needs PyTorch, which this Python cannot import (pip install torch)",
              file=sys.stderr)
        return stream.EXIT_USAGE
    if args.stream == "frames":
        # Load NumPy (and, in torch mode, PyTorch, which can take seconds) before listening:
        # a producer that connects must not wait on our imports until its send deadline
        # passes. (Only the torch mode imports PyTorch: its import takes up to 10 s on a
        # loaded machine, longer than a producer retries its connect.)
        importlib.import_module("numpy")
    try:
        bus = tachyon.Bus.listen(args.socket, args.capacity, schema=schema, timeout=30.0)
    except tachyon.SchemaMismatch as e:
        print(f"consumer: refused the producer: schema mismatch ({e})", file=sys.stderr)
        return stream.EXIT_SCHEMA
    except tachyon.TachyonError as e:
        print(f"consumer: listen {args.socket}: {e}", file=sys.stderr)
        return stream.EXIT_FAIL
    t = Tally()
    if args.stream == "market":
        mode = args.mode or "typed"
        run = receive_market_batch if mode == "batch" else receive_market_typed
    else:
        mode = args.mode if args.mode in ("batch", "torch") else "dlpack"
        run = receive_frames_batch if mode == "batch" else receive_frames_dlpack
    try:
        with bus:
            run(bus, schema, args, t)
    except Mismatch as e:
        print(f"consumer: {e}", file=sys.stderr)
        return stream.EXIT_FAIL
    except tachyon.TachyonError as e:
        print(f"consumer: after {t.received} messages, before End: {e}", file=sys.stderr)
        return stream.EXIT_FAIL
    secs = max(time.perf_counter() - t.first, 1e-9)
    if t.received != args.count:
        print(f"consumer: End after {t.received} messages, expected {args.count}", file=sys.stderr)
        return stream.EXIT_FAIL
    if not args.quiet:
        rate = t.received / secs
        if args.stream == "market":
            print(f"consumer: {t.received} ticks ({t.received - t.asks} bid, {t.asks} ask) + End in {secs:.3f} s: "
                  f"{rate / 1e6:.2f} M msg/s, checksum {t.checksum & 0xFFFFFFFFFFFFFFFF:016x} ({mode} mode)")
            if t.latency:
                print(stream.percentiles_us(t.latency))
        else:
            kind = "PyTorch tensors" if mode == "torch" else "NumPy arrays"
            print(f"consumer: {t.received} frames + End in {secs:.3f} s: {rate:.0f} frames/s, "
                  f"{rate * schema.Frame.SIZE / 1e9:.2f} GB/s ({mode} mode, read as {kind} without a copy), "
                  f"checksum {t.checksum & 0xFFFFFFFFFFFFFFFF:016x}")
        print("consumer: OK, every field of every message checked")
    return stream.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
