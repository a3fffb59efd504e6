/*
 * fuzz_producer.c - libFuzzer target: the producer on arbitrary shared-segment contents: a hostile consumer writes head, its state and futex words, and the identity line between the real producer's reservations, commits, copies and blocking sends.
 * A real peer on the other side keeps the ring moving. Everything must end in
 * an error or in messages inside the ring (see fuzz_ring.h for the checks).
 */
#include "fuzz_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    fr_run(data, size, FR_HOSTILE_CONSUMER | FR_HOSTILE_IDENTITY);
    return 0;
}
