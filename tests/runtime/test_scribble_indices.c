/* Description: scribbled ring indices are reported as CORRUPT, never followed: a tail beyond one capacity of the head, a tail that moved backwards or points inside a frame, a head ahead of the producer or more than a capacity behind it; scribbled state and futex words cause no crash. Each case runs in a child. */
#include "scribble.h"

static struct t_arena a;

static void open_with(uint64_t n, size_t size)
{
    t_arena_open(&a, 4096);
    for (uint64_t i = 0; i < n; i++)
        t_send(a.prod, i, size, 1);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
}

static void expect_rx_corrupt(void)
{
    tachyon_msg_t m[4];
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_CORRUPT);
    CHECK(tachyon_drain_batch(a.cons, m, 4) == 0);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_CORRUPT);
    CHECK(tachyon_acquire_rx_timeout(a.cons, NULL, NULL, 10, 1000000) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_CORRUPT);
}

static void tail_too_far(void)
{
    open_with(3, 40);
    *SEG_TAIL(a.mem) = 4096 + 64 * 4;
    expect_rx_corrupt();
}

static void tail_huge(void)
{
    open_with(3, 40);
    *SEG_TAIL(a.mem) = ~0ull - 63;
    expect_rx_corrupt();
}

static void tail_backwards(void)
{
    open_with(3, 40);
    for (uint64_t i = 0; i < 3; i++)
        t_expect(a.cons, i, 40, 1);
    *SEG_TAIL(a.mem) = 64;
    expect_rx_corrupt();
}

static void tail_inside_frame(void)
{
    open_with(1, 200); /* one 256-byte frame */
    *SEG_TAIL(a.mem) = 128;
    expect_rx_corrupt();
}

static void fill_ring(void)
{
    while (tachyon_send(a.prod, "x", 1, 0) == TACHYON_OK) {
    }
}

static void head_ahead(void)
{
    open_with(2, 40);
    fill_ring();
    *SEG_HEAD(a.mem) = 1ull << 40;
    CHECK(tachyon_acquire_tx(a.prod, 8) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_CORRUPT);
    CHECK_ERR(tachyon_send_blocking(a.prod, "x", 1, 0, 1000000), TACHYON_ERR_CORRUPT);
}

static void head_far_behind(void)
{
    open_with(0, 0);
    for (uint64_t i = 0; i < 200; i++) { /* three laps */
        t_send(a.prod, i, 40, 1);
        CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
        t_expect(a.cons, i, 40, 1);
    }
    fill_ring();
    *SEG_HEAD(a.mem) = 0;
    CHECK(tachyon_acquire_tx(a.prod, 8) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_CORRUPT);
}

static void state_words(void)
{
    open_with(5, 40);
    *SEG_PRODUCER_STATE(a.mem) = 77;
    *SEG_CONSUMER_STATE(a.mem) = 0xffffffffu;
    *SEG_CONSUMER_SLEEPING(a.mem) = 5;
    *SEG_PRODUCER_SLEEPING(a.mem) = 9;
    *SEG_DATA_SEQ(a.mem) = 12345;
    *SEG_SPACE_SEQ(a.mem) = 0xffffffffu;
    for (uint64_t i = 0; i < 5; i++)
        t_expect(a.cons, i, 40, 1);
    t_send(a.prod, 5, 40, 1);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    CHECK(tachyon_acquire_rx_timeout(a.cons, NULL, NULL, 10, 1000000000) != NULL);
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_OK);
    CHECK(tachyon_acquire_rx_timeout(a.cons, NULL, NULL, 10, 1000000) == NULL);
    (void)tachyon_peer_alive(a.prod);
    (void)tachyon_peer_alive(a.cons);
}

int main(void)
{
    run_contained("tail beyond a capacity", tail_too_far, 10000);
    run_contained("tail huge", tail_huge, 10000);
    run_contained("tail backwards", tail_backwards, 10000);
    run_contained("tail inside a frame", tail_inside_frame, 10000);
    run_contained("head ahead of the producer", head_ahead, 10000);
    run_contained("head a capacity behind", head_far_behind, 10000);
    run_contained("state and futex words", state_words, 10000);
    return T_PASS;
}
