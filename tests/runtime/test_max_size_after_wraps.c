/* Description: after any history of sends and receives (the write index at every 64-byte offset of the ring, for several capacities), a maximum-size message (capacity/2 - 16) fits once the ring is drained and arrives intact; one byte more is TOO_LARGE. */
#include "helpers.h"

int main(void)
{
    static const size_t caps[] = {256, 512, 4096, 65536};
    uint64_t seq = 0;

    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        size_t cap = caps[c], max;
        struct t_arena a;
        t_arena_open(&a, cap);
        max = tachyon_max_message_size(a.prod);
        CHECK(max == cap / 2 - 16);
        CHECK(tachyon_acquire_tx(a.prod, max + 1) == NULL);
        CHECK(tachyon_last_error(a.prod) == TACHYON_ERR_TOO_LARGE);
        CHECK_ERR(tachyon_send(a.prod, NULL, 0, 0), TACHYON_OK);
        CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
        t_expect(a.cons, 0, 0, 0);
        /* Three laps, stepping the write index by one frame (64 bytes) each time. */
        for (size_t step = 0; step < 3 * cap / 64; step++) {
            t_send(a.prod, seq, 30, 1); /* one 64-byte frame */
            CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
            t_expect(a.cons, seq, 30, 1);
            seq++;
            t_send(a.prod, seq, max, 2);
            CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
            t_expect(a.cons, seq, max, 2);
            seq++;
        }
        t_arena_close(&a);
    }
    return T_PASS;
}
