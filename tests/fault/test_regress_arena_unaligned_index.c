/* Description: regression (found by fuzz_consumer / fuzz_producer): tachyon_arena_attach must refuse (CORRUPT) a segment whose head or tail is not a multiple of 64; attached at such a position, the producer hands out payloads that are not 16-byte aligned and the consumer reads frame headers misaligned, up to 12 bytes past the ring end. */
#include "fault.h"
#include "scribble.h"

static void check_refused(size_t cap, uint64_t head, uint64_t tail)
{
    size_t len = tachyon_arena_size(cap);
    uint8_t *mem = aligned_alloc(64, len);
    tachyon_bus_t *bus = NULL;
    tachyon_error_t err;

    CHECK(mem != NULL);
    CHECK_ERR(tachyon_arena_format(mem, len, cap, 0), TACHYON_OK);
    *SEG_HEAD(mem) = head;
    *SEG_TAIL(mem) = tail;
    for (int role = 0; role < 2; role++) {
        err = tachyon_arena_attach(mem, len, (tachyon_role_t)role, &bus);
        if (err != TACHYON_ERR_CORRUPT) {
            fprintf(stderr, "%s attached at head %" PRIu64 ", tail %" PRIu64 " (cap %zu): %s\n",
                    role ? "producer" : "consumer", head, tail, cap, tachyon_strerror(err));
            exit(T_FAIL);
        }
        CHECK(bus == NULL);
    }
    free(mem);
}

int main(void)
{
    /* The fuzzers' cases: a tail of 213 on a fresh ring, a head of 4. */
    check_refused(2048, 0, 213);
    check_refused(1024, 4, 384);
    /* A head 4 bytes before the ring end: the frame header would straddle it. */
    check_refused(1024, 1020, 1024 + 64);
    /* Aligned positions are still accepted. */
    {
        struct t_arena a;
        t_arena_open(&a, 1024);
        t_arena_close(&a);
    }
    return T_PASS;
}
