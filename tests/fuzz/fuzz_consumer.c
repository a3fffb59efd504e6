/*
 * fuzz_consumer.c - libFuzzer target: the consumer on arbitrary shared-segment contents: a hostile producer writes tail, its state and futex words, and forged or raw frame bytes between the real consumer's reads (acquire_rx, acquire_rx_timeout, drain_batch).
 * A real peer on the other side keeps the ring moving. Everything must end in
 * an error or in messages inside the ring (see fuzz_ring.h for the checks).
 */
#include "fuzz_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    fr_run(data, size, FR_HOSTILE_PRODUCER);
    return 0;
}
