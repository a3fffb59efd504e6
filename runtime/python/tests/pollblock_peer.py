"""One side of test_poll_vs_block: `pollblock_peer.py consumer|producer MODE NAME CAPACITY`.

For each message size (64 B, capacity/16, the bus maximum) it opens the bus NAME-<size>, moves enough messages to
fill the ring several times (each carries its sequence number), and prints `OK <size> <count>`. The consumer checks
every message's type id, size and sequence number.
Producer modes: poll (try_send until it takes), poll_zc (send_zero_copy(timeout=0) until it is not RingFull),
block (send), timeout (send with a timeout).
Consumer modes: poll (try_recv until a message comes), poll_batch (drain_batch(timeout=0)), block (recv),
batch (drain_batch, waiting).
"""
import sys

import tachyon

TYPE_ID = 7
WAIT = 60  # seconds: the parent test kills a run that hangs long before


def frame_len(size):
    return (tachyon.FRAME_HEADER + size + tachyon.FRAME_ALIGN - 1) // tachyon.FRAME_ALIGN * tachyon.FRAME_ALIGN


def sizes(capacity):
    return [64, capacity // 16, capacity // 2 - tachyon.FRAME_HEADER]


def count(capacity, size):
    return max(64, 4 * capacity // frame_len(size))


def produce(bus, mode, size, n):
    payload = bytearray(size)
    for seq in range(n):
        payload[:8] = seq.to_bytes(8, "little")
        if mode == "poll":
            while not bus.try_send(payload, type_id=TYPE_ID):
                pass
        elif mode == "poll_zc":
            while True:
                try:
                    tx = bus.send_zero_copy(size=size, type_id=TYPE_ID, timeout=0)
                except tachyon.RingFull:
                    continue
                with tx, memoryview(tx) as mv:
                    mv[:] = payload
                break
        elif mode == "block":
            bus.send(payload, type_id=TYPE_ID)
        else:
            bus.send(payload, type_id=TYPE_ID, timeout=WAIT)


def consume(bus, mode, size, n):
    got = 0

    def check(type_id, data):
        nonlocal got
        assert (type_id, len(data)) == (TYPE_ID, size), (type_id, len(data))
        assert int.from_bytes(data[:8], "little") == got, (int.from_bytes(data[:8], "little"), got)
        got += 1

    while got < n:
        if mode == "poll":
            msg = bus.try_recv()
            if msg is not None:
                check(msg.type_id, msg.data)
        elif mode == "block":
            msg = bus.recv()
            check(msg.type_id, msg.data)
        else:
            with bus.drain_batch(max=64, timeout=0 if mode == "poll_batch" else None) as batch:
                for item in batch:
                    check(item.type_id, item.tobytes())
    return got


def main():
    role, mode, name, capacity = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    for size in sizes(capacity):
        n = count(capacity, size)
        path = "%s-%d" % (name, size)
        if role == "consumer":
            with tachyon.Bus.listen(path, capacity, timeout=WAIT) as bus:
                assert bus.max_message_size == sizes(capacity)[-1]
                consume(bus, mode, size, n)
        else:
            with tachyon.Bus.connect(path, timeout=WAIT) as bus:
                produce(bus, mode, size, n)
        print("OK", size, n, flush=True)


if __name__ == "__main__":
    main()
