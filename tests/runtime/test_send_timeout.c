/* Description: a blocking send on a full ring whose consumer stopped reading returns TIMEOUT after (not before) its deadline, having published what it committed before it waited; a zero timeout fails at once; the message is not sent. */
#include "helpers.h"

int main(void)
{
    struct t_arena a;
    uint8_t buf[200] = {0};
    uint64_t n = 0;
    int64_t t0, took;
    tachyon_stats_t st;

    t_arena_open(&a, 2048);
    /* Exactly what fits: a non-blocking send that found the ring full would
     * publish (issue 12), and this test is about the blocking send's own
     * publication. */
    while (n < 2048 / 256 && tachyon_send(a.prod, buf, sizeof(buf), 1) == TACHYON_OK)
        n++;
    CHECK(n == 2048 / 256);
    /* Nothing was flushed yet; the consumer sees it only because the
     * blocking send publishes before it waits. */
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_send_blocking(a.prod, buf, sizeof(buf), 1, 150ll * 1000000), TACHYON_ERR_TIMEOUT);
    took = t_now_ns() - t0;
    CHECK(took >= 150ll * 1000000);
    CHECK(took < 10ll * 1000000000); /* a hang guard, not a speed check */
    CHECK(tachyon_acquire_tx_blocking(a.prod, 10, 0) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_TIMEOUT);
    CHECK_ERR(tachyon_get_stats(a.prod, &st), TACHYON_OK);
    CHECK(st.sleeps >= 1);
    for (uint64_t i = 0; i < n; i++) {
        CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) != NULL);
        CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_OK);
    }
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL); /* the timed-out message was not sent */
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_EMPTY);
    /* The receive side's deadline behaves the same way. */
    t0 = t_now_ns();
    CHECK(tachyon_acquire_rx_timeout(a.cons, NULL, NULL, 100, 120ll * 1000000) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() - t0 >= 120ll * 1000000);
    t_arena_close(&a);
    return T_PASS;
}
