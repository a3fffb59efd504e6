/* Description: the non-blocking send says FULL exactly when the ring is full: a 4 KiB ring holds 64 messages of 32 or 48 bytes (one 64-byte line each) but only 32 of 49 bytes; after the consumer frees one frame, one more send succeeds; full_events counts the refusals. */
#include "helpers.h"

static uint64_t fill(tachyon_bus_t *prod, size_t size)
{
    uint8_t buf[64] = {0};
    uint64_t n = 0;
    tachyon_error_t err;
    while ((err = tachyon_send(prod, buf, size, 0)) == TACHYON_OK)
        n++;
    CHECK_ERR(err, TACHYON_ERR_FULL);
    return n;
}

/* Reads n messages; `all` says they must be the last ones. */
static void drain(tachyon_bus_t *cons, uint64_t n, int all)
{
    for (uint64_t i = 0; i < n; i++) {
        CHECK(tachyon_acquire_rx(cons, NULL, NULL) != NULL);
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    }
    if (all)
        CHECK(tachyon_acquire_rx(cons, NULL, NULL) == NULL);
}

int main(void)
{
    struct t_arena a;
    tachyon_stats_t st;

    t_arena_open(&a, 4096);
    CHECK(fill(a.prod, 32) == 64);
    CHECK(tachyon_send(a.prod, "x", 1, 0) == TACHYON_ERR_FULL);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    drain(a.cons, 1, 0);
    CHECK_ERR(tachyon_send(a.prod, "y", 1, 0), TACHYON_OK);
    CHECK(tachyon_send(a.prod, "z", 1, 0) == TACHYON_ERR_FULL);
    CHECK(tachyon_acquire_tx(a.prod, 0) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_FULL);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    drain(a.cons, 64, 1);

    CHECK(fill(a.prod, 48) == 64);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    drain(a.cons, 64, 1);
    CHECK_ERR(tachyon_get_stats(a.prod, &st), TACHYON_OK);
    CHECK(st.full_events == 5);
    CHECK(st.messages == 64 + 1 + 64);
    t_arena_close(&a);

    /* 49 bytes need two lines: 16 + 49 > 64. */
    t_arena_open(&a, 4096);
    CHECK(fill(a.prod, 49) == 32);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    drain(a.cons, 32, 1);
    t_arena_close(&a);
    return T_PASS;
}
