#!/usr/bin/env python3
"""Soak consumer in Python: listens on PATH, receives COUNT soak messages
(the stream of tests/fault/soak.h, written by soak_producer) through
drain_batch, and checks each one: sequence number, size, type id and the
CRC-32 of its body. Then the producer's close must read as PeerGone.

    soak_consumer.py PATH COUNT SEED
Prints one summary line; exit 0 when every message arrived once, in order,
intact. Each message's size is checked against the one its header carries
(covered by the CRC), and against the stream's size rule on every 4096th."""
import struct
import sys
import time
import zlib

import tachyon

MASK = (1 << 64) - 1


def mix(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & MASK
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & MASK
    return z ^ (z >> 31)


def soak_size(seed, seq):
    r = mix((seq * 0x9e3779b97f4a7c15 + seed) & MASK)
    if r & 31 == 0:
        return 16 + (r >> 8) % 2048
    return 16 + (r >> 8) % 112


def main():
    path, count, seed = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
    head = struct.Struct("<QII")
    crc32 = zlib.crc32
    unpack = head.unpack_from
    seq = 0
    nbytes = 0
    bad = None
    with tachyon.Bus.listen(path, 1 << 20, timeout=30) as bus:
        start = time.monotonic()
        try:
            while bad is None:
                with bus.drain_batch(256, timeout=10) as batch:
                    for item in batch:
                        with memoryview(item) as view:
                            size = len(view)
                            got_seq, crc, got_size = unpack(view)
                            body_crc = crc32(view[16:])
                        if got_seq != seq or got_size != size or item.type_id != seq & 0xffff or body_crc != crc:
                            bad = "message %d: seq %d size %d/%d type %d" % (seq, got_seq, size, got_size,
                                                                             item.type_id)
                            break
                        if seq & 4095 == 0 and size != soak_size(seed, seq):
                            bad = "message %d: size %d, the stream says %d" % (seq, size, soak_size(seed, seq))
                            break
                        nbytes += size
                        seq += 1
        except tachyon.PeerGone:
            pass
        secs = time.monotonic() - start
    print("soak C->Python: %d of %d messages, %.1f MB, %.2f s: %.2f M msg/s, %.0f MB/s (seed %d)"
          % (seq, count, nbytes / 1e6, secs, seq / secs / 1e6, nbytes / secs / 1e6, seed))
    if bad:
        print(bad)
        return 1
    return 0 if seq == count else 1


if __name__ == "__main__":
    sys.exit(main())
