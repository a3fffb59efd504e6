/* Description: a scribbled segment header (magic, version, byte order, header size, frame alignment, capacity, max_message) is refused by attach with the matching error; scribbling the header after attach changes nothing, since each side keeps its own copy of capacity and mask. Each case runs in a child, so a crash fails the test. */
#include "scribble.h"

static void expect_attach(void (*scribble)(uint8_t *), tachyon_error_t want)
{
    size_t len = tachyon_arena_size(4096);
    uint8_t *mem = aligned_alloc(64, len);
    tachyon_bus_t *bus = NULL;
    CHECK(mem);
    CHECK_ERR(tachyon_arena_format(mem, len, 4096, 0), TACHYON_OK);
    scribble(mem);
    CHECK_ERR(tachyon_arena_attach(mem, len, TACHYON_ROLE_CONSUMER, &bus), want);
    CHECK_ERR(tachyon_arena_attach(mem, len, TACHYON_ROLE_PRODUCER, &bus), want);
    CHECK(bus == NULL);
    free(mem);
}

static void s_magic(uint8_t *m) { *SEG_MAGIC(m) ^= 1; }
static void s_version(uint8_t *m) { *SEG_VERSION(m) = 99; }
static void s_order(uint8_t *m) { *SEG_BYTE_ORDER(m) = 0x04030201u; }
static void s_header(uint8_t *m) { *SEG_HEADER_SIZE(m) = 64; }
static void s_align(uint8_t *m) { *SEG_FRAME_ALIGN(m) = 8; }
static void s_cap_odd(uint8_t *m) { *SEG_CAPACITY(m) = 4096 + 64; }
static void s_cap_zero(uint8_t *m) { *SEG_CAPACITY(m) = 0; }
static void s_cap_huge(uint8_t *m) { *SEG_CAPACITY(m) = 1ull << 62; }
static void s_cap_bigger(uint8_t *m) /* valid, but the memory is too short */
{
    *SEG_CAPACITY(m) = 8192;
    *SEG_MAX_MESSAGE(m) = 8192 / 2 - 16;
}
static void s_max(uint8_t *m) { *SEG_MAX_MESSAGE(m) = 1ull << 40; }

static void header_cases(void)
{
    expect_attach(s_magic, TACHYON_ERR_ABI_MISMATCH);
    expect_attach(s_version, TACHYON_ERR_ABI_MISMATCH);
    expect_attach(s_order, TACHYON_ERR_BYTE_ORDER);
    expect_attach(s_header, TACHYON_ERR_ALIGNMENT);
    expect_attach(s_align, TACHYON_ERR_ALIGNMENT);
    expect_attach(s_cap_odd, TACHYON_ERR_CAPACITY);
    expect_attach(s_cap_zero, TACHYON_ERR_CAPACITY);
    expect_attach(s_cap_huge, TACHYON_ERR_CAPACITY);
    expect_attach(s_cap_bigger, TACHYON_ERR_CAPACITY);
    expect_attach(s_max, TACHYON_ERR_CAPACITY);
}

static void after_attach(void)
{
    struct t_arena a;
    t_arena_open(&a, 4096);
    memset(a.mem, 0xff, 128); /* the whole identity line */
    for (uint64_t i = 0; i < 1000; i++) {
        t_send(a.prod, i, (size_t)(i % 500), 1);
        CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
        t_expect(a.cons, i, (size_t)(i % 500), 1);
    }
    CHECK(tachyon_capacity(a.prod) == 4096 && tachyon_max_message_size(a.cons) == 2032);
    t_arena_close(&a);
}

int main(void)
{
    run_contained("header scribbles", header_cases, 20000);
    run_contained("scribble after attach", after_attach, 20000);
    return T_PASS;
}
