/* Description: tachyon_get_stats counts, per side, messages and payload bytes, publications (one per 32 commits plus flushes with something new), full events, sleeps and wakes. */
#include "helpers.h"

int main(void)
{
    struct t_arena a;
    tachyon_stats_t st;
    uint64_t bytes = 0;

    t_arena_open(&a, 65536);
    CHECK_ERR(tachyon_get_stats(a.prod, NULL), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_get_stats(NULL, &st), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_get_stats(a.prod, &st), TACHYON_OK);
    CHECK(st.messages == 0 && st.bytes == 0 && st.publishes == 0 && st.full_events == 0);

    for (uint64_t i = 0; i < 100; i++) {
        t_send(a.prod, i, (size_t)i, 1);
        bytes += i;
    }
    CHECK_ERR(tachyon_get_stats(a.prod, &st), TACHYON_OK);
    CHECK(st.messages == 100 && st.bytes == bytes && st.publishes == 3);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK); /* nothing new: no publication */
    CHECK_ERR(tachyon_get_stats(a.prod, &st), TACHYON_OK);
    CHECK(st.publishes == 4 && st.wakes == 0 && st.sleeps == 0);

    for (uint64_t i = 0; i < 60; i++)
        t_expect(a.cons, i, (size_t)i, 1);
    CHECK_ERR(tachyon_get_stats(a.cons, &st), TACHYON_OK);
    CHECK(st.messages == 60 && st.bytes == 59 * 60 / 2 && st.publishes == 0);

    /* A timed-out receive sleeps; the producer's refusals are full events. */
    for (uint64_t i = 60; i < 100; i++)
        t_expect(a.cons, i, (size_t)i, 1);
    CHECK(tachyon_acquire_rx_timeout(a.cons, NULL, NULL, 0, 20ll * 1000000) == NULL);
    CHECK_ERR(tachyon_get_stats(a.cons, &st), TACHYON_OK);
    CHECK(st.messages == 100 && st.bytes == bytes && st.sleeps >= 1);
    while (tachyon_acquire_tx(a.prod, 30000) != NULL)
        CHECK_ERR(tachyon_commit_tx(a.prod, 30000, 2), TACHYON_OK);
    CHECK(tachyon_acquire_tx(a.prod, 30000) == NULL);
    CHECK_ERR(tachyon_get_stats(a.prod, &st), TACHYON_OK);
    CHECK(st.full_events == 2);
    t_arena_close(&a);
    return T_PASS;
}
