/* Description: scribbled frame headers are reported as CORRUPT, never followed: size beyond max_message, a frame crossing the ring end, a frame larger than what was published, a wrong or previous-lap stamp, a wrap marker at index 0 or skipping past the tail. Each case runs in a child. */
#include "scribble.h"

static struct t_arena a;

static void expect_rx_corrupt(void)
{
    tachyon_msg_t m[4];
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_CORRUPT);
    CHECK(tachyon_drain_batch(a.cons, m, 4) == 0);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_CORRUPT);
}

/* A 4 KiB ring whose next frame to read sits at index `idx`, with one
 * 40-byte message there (published) and another after it. */
static void open_at(size_t idx)
{
    t_arena_open(&a, 4096);
    for (uint64_t i = 0; i < idx / 64; i++) {
        t_send(a.prod, i, 40, 1);
        CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
        t_expect(a.cons, i, 40, 1);
    }
    t_send(a.prod, 1000, 40, 1);
    t_send(a.prod, 1001, 40, 1);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
}

static void size_max(void)
{
    open_at(0);
    *FRAME_SIZE(a.mem, 0) = 0xffffffffu;
    expect_rx_corrupt();
}

static void size_just_over(void)
{
    /* Enough published after it that only the max_message rule refuses it. */
    t_arena_open(&a, 4096);
    for (uint64_t i = 0; i < 60; i++)
        t_send(a.prod, i, 40, 1);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    *FRAME_SIZE(a.mem, 0) = 2033; /* max_message + 1: a 2112-byte frame, inside the 3840 published */
    expect_rx_corrupt();
}

static void size_beyond_published(void)
{
    open_at(0);
    *FRAME_SIZE(a.mem, 0) = 200; /* 256-byte frame, but only 128 published */
    expect_rx_corrupt();
}

static void crosses_ring_end(void)
{
    open_at(4096 - 128); /* second message at 4096 - 64 */
    t_expect(a.cons, 1000, 40, 1);
    *FRAME_SIZE(a.mem, 4096 - 64) = 100; /* would need 128 bytes there */
    *SEG_TAIL(a.mem) += 64;            /* and pretend it was published */
    expect_rx_corrupt();
}

static void stamp_flipped(void)
{
    open_at(0);
    *FRAME_STAMP(a.mem, 0) ^= 1ull << 63;
    expect_rx_corrupt();
}

static void stamp_previous_lap(void)
{
    open_at(4096 + 640); /* reading position 4736, index 640, second lap */
    /* What the frame one lap earlier at this index carried. */
    *FRAME_STAMP(a.mem, 640) = (uint64_t)640 ^ STAMP_MSG;
    expect_rx_corrupt();
}

static void wrap_at_zero(void)
{
    open_at(0);
    *FRAME_STAMP(a.mem, 0) = 0 ^ STAMP_WRAP;
    expect_rx_corrupt();
}

static void wrap_past_tail(void)
{
    open_at(640);
    *FRAME_STAMP(a.mem, 640) = 640 ^ STAMP_WRAP; /* skip to 4096, tail is 768 */
    expect_rx_corrupt();
}

int main(void)
{
    run_contained("size 0xffffffff", size_max, 10000);
    run_contained("size max_message + 1", size_just_over, 10000);
    run_contained("size beyond the published range", size_beyond_published, 10000);
    run_contained("frame crossing the ring end", crosses_ring_end, 10000);
    run_contained("stamp flipped", stamp_flipped, 10000);
    run_contained("stamp from the previous lap", stamp_previous_lap, 10000);
    run_contained("wrap marker at index 0", wrap_at_zero, 10000);
    run_contained("wrap marker past the tail", wrap_past_tail, 10000);
    return T_PASS;
}
