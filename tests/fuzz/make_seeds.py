#!/usr/bin/env python3
"""Writes the seed corpora of the binary fuzz targets (consumer, producer,
handshake, connector) into tests/fuzz/corpus/<target>/. Deterministic: run it
again and the same files come out. The seeds only give the fuzzer a start
with well-formed programs and records; it finds the hostile ones itself.

Op bytes of the ring programs (fuzz_ring.h): op % 12 = 0/1 produce (blocking),
2 copy-send, 3 flush, 4/5/6 consume (plain, timeout, drain_batch),
7/8/9 scribble, 10 out-of-order calls, 11 a side leaves (and may re-attach)."""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def produce(size, actual=None, type_id=1, blocking=False):
    actual = size if actual is None else actual
    return bytes([1 if blocking else 0]) + struct.pack("<HHB", size, actual, type_id)


FLUSH = bytes([3])
CONSUME = bytes([4])
CONSUME_T = bytes([5])


def drain(n):
    return bytes([6, n])


def scribble(what, *args):
    return bytes([7, what]) + b"".join(args)


def ring_seeds(target, rng):
    # A plain stream on each capacity: produce a few, flush, consume.
    for cap_sel in range(6):
        prog = bytes([cap_sel])
        for i in range(40):
            prog += produce(rng.choice([0, 1, 32, 48, 100, 1000]) % (128 << cap_sel), type_id=i)
            if i % 7 == 6:
                prog += FLUSH + drain(5)
        prog += FLUSH + CONSUME * 10 + CONSUME_T
        put(target, "stream_cap%d" % cap_sel, prog)
    # Wraps: large messages on a small ring.
    prog = bytes([0])
    for i in range(30):
        prog += produce(100) + FLUSH + CONSUME
    put(target, "wraps", prog)
    # Full ring, blocking send that times out, then the consumer frees space.
    prog = bytes([1]) + produce(200) * 6 + produce(200, blocking=True) + FLUSH + drain(2) + produce(200, blocking=True)
    put(target, "full_then_free", prog)
    # Producer leaves with unpublished commits: the consumer recovers them.
    prog = bytes([2]) + produce(10) * 5 + bytes([11 | 0x10]) + CONSUME * 8
    put(target, "producer_leaves", prog)
    prog = bytes([2]) + produce(10) * 5 + FLUSH + bytes([11]) + produce(10) * 3
    put(target, "consumer_leaves", prog)
    prog = bytes([2]) + produce(10) * 5 + bytes([11 | 0x30]) + produce(20) + FLUSH + CONSUME * 8
    put(target, "producer_reattaches", prog)
    # Out-of-order calls, copy sends.
    put(target, "state_errors", bytes([1, 10]) + produce(5) + bytes([10, 2, 40, 0, 2 | 0x10, 8, 0, 3, 4, 4]))
    # Scribbles of each kind amid a stream.
    for what in range(8):
        for mode in range(4):
            prog = bytes([1]) + produce(40) * 3 + FLUSH
            prog += scribble(what | (mode << 3), bytes([mode]), struct.pack("<Q", rng.getrandbits(64)))
            prog += CONSUME * 4 + produce(40) * 2 + FLUSH + drain(8)
            put(target, "scribble_%d_%d" % (what, mode), prog)
    # A damaged header before attach.
    for off in (0, 8, 12, 16, 20, 24, 32, 40, 128, 256):
        put(target, "pre_attach_%d" % off, bytes([0x80 | 1]) + struct.pack("<HB", off, 7) + bytes([0xff] * 8) +
            produce(10) + FLUSH + CONSUME)


HELLO_MAGIC = 0x4f4c454848434154
ACK_MAGIC = 0x214b434148434154
WELCOME_MAGIC = 0x434c455748434154


def rec(*fields):
    out = b""
    for fmt, v in fields:
        out += struct.pack("<" + fmt, v)
    return out.ljust(64, b"\0")


def hello(abi=1, order=0x01020304, align=64, hdr=16, fp=0):
    return rec(("Q", HELLO_MAGIC), ("I", abi), ("I", order), ("I", align), ("I", hdr), ("Q", fp), ("I", 1234))


def handshake_seeds():
    # Byte 0 of a handshake input: bit0 allow any uid, bit1 bind a fingerprint
    # (0x1122334455667788), bit2 pass an fd with the first chunk; then the bytes.
    put("handshake", "good", bytes([0]) + hello() + rec(("Q", ACK_MAGIC), ("I", 0)))
    put("handshake", "good_fp", bytes([2]) + hello(fp=0x1122334455667788) + rec(("Q", ACK_MAGIC), ("I", 0)))
    put("handshake", "ack_refuses", bytes([0]) + hello() + rec(("Q", ACK_MAGIC), ("I", 12)))
    put("handshake", "ack_bogus_status", bytes([0]) + hello() + rec(("Q", ACK_MAGIC), ("I", 0xffffffff)))
    put("handshake", "no_ack", bytes([0]) + hello())
    put("handshake", "bad_abi", bytes([0]) + hello(abi=99))
    put("handshake", "bad_order", bytes([0]) + hello(order=0x04030201))
    put("handshake", "bad_align", bytes([0]) + hello(align=32))
    put("handshake", "bad_fp", bytes([2]) + hello(fp=5))
    put("handshake", "short", bytes([0]) + hello()[:20])
    put("handshake", "passes_fd", bytes([4]) + hello() + rec(("Q", ACK_MAGIC), ("I", 0)))
    put("handshake", "http", bytes([0]) + b"GET / HTTP/1.0\r\n\r\n".ljust(64, b" "))
    put("handshake", "empty", bytes([0]))


def connector_seeds():
    # See fuzz_connector.c: byte 0 flags (1 no fd, 2 correct header, 4 two
    # fds), the WELCOME record, a size selector (0 right size, 1 half,
    # 2 double, 3+ small), a seal set (1 shrink, 2 grow, 4 seal, 8 write),
    # then (offset u16, length, bytes) patches to the header.
    for cap in (256, 4096, 65536):
        w = rec(("Q", WELCOME_MAGIC), ("I", 0), ("I", 1), ("Q", cap), ("Q", 0))
        put("connector", "good_%d" % cap, bytes([2]) + w + bytes([0, 0x07]))
    w = rec(("Q", WELCOME_MAGIC), ("I", 0), ("I", 1), ("Q", 4096), ("Q", 0))
    put("connector", "unsealed", bytes([2]) + w + bytes([0, 0x00]))
    put("connector", "write_sealed", bytes([2]) + w + bytes([0, 0x0f]))
    put("connector", "half_size", bytes([2]) + w + bytes([1, 0x07]))
    put("connector", "double_size", bytes([2]) + w + bytes([2, 0x07]))
    put("connector", "tiny", bytes([2]) + w + bytes([3 | (5 << 2), 0x07]))
    put("connector", "bad_capacity", bytes([2]) + w + bytes([0, 0x07]) + struct.pack("<HB", 24, 8) +
        struct.pack("<Q", 1 << 20))
    put("connector", "bad_max", bytes([2]) + w + bytes([0, 0x07]) + struct.pack("<HB", 32, 8) +
        struct.pack("<Q", 1 << 40))
    put("connector", "dirty_tail", bytes([2]) + w + bytes([0, 0x07]) + struct.pack("<HB", 128, 8) +
        struct.pack("<Q", 64))
    put("connector", "producer_present", bytes([2]) + w + bytes([0, 0x07]) + struct.pack("<HB", 136, 4) +
        struct.pack("<I", 1))
    put("connector", "zero_header", bytes([0]) + w + bytes([0, 0x07]))
    put("connector", "two_fds", bytes([6]) + w + bytes([0, 0x07]))
    put("connector", "refused", bytes([1]) + rec(("Q", WELCOME_MAGIC), ("I", 7)))
    put("connector", "bogus_status", bytes([1]) + rec(("Q", WELCOME_MAGIC), ("I", 0xfffffff0)))
    put("connector", "no_fd", bytes([1]) + w)
    put("connector", "garbage", bytes([0]) + bytes(range(64)))


def main():
    rng = random.Random(1)
    ring_seeds("consumer", rng)
    ring_seeds("producer", rng)
    handshake_seeds()
    connector_seeds()


if __name__ == "__main__":
    main()
