/* Description: hostile shared memory in a fan-out segment (the subscribers map it writable): a subscriber's head set ahead of the producer, a whole ring behind or misaligned gets that subscriber dropped (LAGGED) while the producer goes on; a corrupt tail, frame stamp or frame size is CORRUPT for a reader; a hostile `oldest` makes a joiner fail with CORRUPT; a damaged identity line (magic, capacity, policy) is refused at join; an unknown slot state is ignored by the producer; and random bytes scribbled over the header, the slot table and the ring while the producer publishes and subscribers read never crash either side or read out of bounds. */
#include "helpers.h"

#define CAP 4096u
#define HDR 12288u /* ABI.md: the fan-out header and slot table before the ring */

struct seg {
    uint8_t *hdr, *slots, *ring;
};

static void name_of(char *buf, size_t len, const char *tag)
{
    snprintf(buf, len, "@tachyon-test-%ld-%s", (long)getpid(), tag);
}

static tachyon_sub_t *join(const char *name, uint32_t how, tachyon_error_t want)
{
    tachyon_sub_t *sub = NULL;
    CHECK_ERR(tachyon_sub_connect_until(name, NULL, how, tachyon_now_ns() + 5000000000ll, &sub, NULL), want);
    return sub;
}

static void put64(uint8_t *base, size_t off, uint64_t v)
{
    __atomic_store_n((uint64_t *)(base + off), v, __ATOMIC_SEQ_CST);
}

static void put32(uint8_t *base, size_t off, uint32_t v)
{
    __atomic_store_n((uint32_t *)(base + off), v, __ATOMIC_SEQ_CST);
}

static uint64_t get64(const uint8_t *base, size_t off)
{
    return __atomic_load_n((const uint64_t *)(base + off), __ATOMIC_SEQ_CST);
}

/* Publishes message 0 and finds the segment through the first frame (at ring
 * offset 0, payload 16 bytes in). The subscriber keeps holding nothing. */
static struct seg locate(tachyon_fanout_t *pub, tachyon_sub_t *sub)
{
    struct seg s;
    uint32_t type;
    size_t size;
    const uint8_t *p;

    CHECK_ERR(tachyon_fanout_send_until(pub, "0123456789abcdef", 16, 0, 0), TACHYON_OK);
    p = tachyon_sub_acquire_rx(sub, &type, &size);
    CHECK(p != NULL);
    s.ring = (uint8_t *)p - 16;
    s.hdr = s.ring - HDR;
    s.slots = s.hdr + 4096;
    CHECK(get64(s.hdr, 0) == 0x54554f4648434154ull); /* "TACHFOUT" */
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
    return s;
}

/* The slot of `sub`: the one whose pid is ours and whose head we can move. */
static int slot_of(struct seg *s, int nth)
{
    int seen = 0;
    for (int i = 0; i < (int)TACHYON_MAX_MEMBERS; i++) {
        uint32_t state = __atomic_load_n((uint32_t *)(s->slots + i * 128 + 8), __ATOMIC_SEQ_CST);
        if (state == 2 && seen++ == nth)
            return i;
    }
    CHECK(0);
    return -1;
}

static void fill(tachyon_fanout_t *pub, tachyon_sub_t *reader, int count)
{
    uint8_t buf[100] = {0};
    for (int i = 0; i < count; i++) {
        CHECK_ERR(tachyon_fanout_send_until(pub, buf, sizeof(buf), 1, 0), TACHYON_OK);
        if (reader) {
            uint32_t type;
            size_t size;
            CHECK(tachyon_sub_acquire_rx(reader, &type, &size));
            CHECK_ERR(tachyon_sub_commit_rx(reader), TACHYON_OK);
        }
    }
}

static void hostile_heads(void)
{
    static const uint64_t bad[] = {1ull << 40, 64 * 1000000ull + 8, 7};
    char name[128];

    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        tachyon_fanout_t *pub;
        tachyon_sub_t *good, *evil;
        struct seg s;
        uint32_t type;
        size_t size;

        name_of(name, sizeof(name), "scr-head");
        CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
        good = join(name, TACHYON_JOIN_NEWEST, TACHYON_OK);
        evil = join(name, TACHYON_JOIN_NEWEST, TACHYON_OK);
        s = locate(pub, good);
        (void)tachyon_sub_acquire_rx(evil, &type, &size);
        CHECK_ERR(tachyon_sub_commit_rx(evil), TACHYON_OK);
        put64(s.slots, (size_t)slot_of(&s, 1) * 128, bad[k]);
        /* Enough to need reclaiming: the hostile head is dropped, not trusted. */
        fill(pub, good, 3 * CAP / 128);
        CHECK(tachyon_fanout_subscribers(pub) == 1);
        CHECK(tachyon_sub_acquire_rx(evil, &type, &size) == NULL);
        CHECK_ERR(tachyon_sub_last_error(evil), TACHYON_ERR_LAGGED);
        tachyon_sub_destroy(evil);
        tachyon_sub_destroy(good);
        tachyon_fanout_destroy(pub);
    }
}

static void hostile_reads(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *sub, *late;
    struct seg s;
    uint32_t type;
    size_t size;
    uint64_t tail, saved;

    name_of(name, sizeof(name), "scr-read");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_DROP, NULL, &pub), TACHYON_OK);
    sub = join(name, TACHYON_JOIN_NEWEST, TACHYON_OK);
    s = locate(pub, sub);
    fill(pub, NULL, 1);
    tail = get64(s.hdr, 128);
    /* A tail far ahead, or misaligned. */
    put64(s.hdr, 128, tail + 64 * CAP);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size) == NULL);
    CHECK_ERR(tachyon_sub_last_error(sub), TACHYON_ERR_CORRUPT);
    put64(s.hdr, 128, tail + 3);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size) == NULL);
    CHECK_ERR(tachyon_sub_last_error(sub), TACHYON_ERR_CORRUPT);
    put64(s.hdr, 128, tail);
    /* A frame stamp from nowhere, then a size beyond the maximum. */
    saved = get64(s.ring, 64 + 8);
    put64(s.ring, 64 + 8, saved ^ 0x40);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size) == NULL);
    CHECK_ERR(tachyon_sub_last_error(sub), TACHYON_ERR_CORRUPT);
    put64(s.ring, 64 + 8, saved);
    put32(s.ring, 64, CAP);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size) == NULL);
    CHECK_ERR(tachyon_sub_last_error(sub), TACHYON_ERR_CORRUPT);
    put32(s.ring, 64, 100);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size) != NULL && size == 100);
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
    /* A hostile `oldest`: a joiner at the oldest refuses it. */
    saved = get64(s.hdr, 136);
    put64(s.hdr, 136, tail + 5);
    late = join(name, TACHYON_JOIN_OLDEST, TACHYON_ERR_CORRUPT);
    CHECK(late == NULL);
    put64(s.hdr, 136, saved);
    late = join(name, TACHYON_JOIN_OLDEST, TACHYON_OK);
    CHECK(tachyon_sub_acquire_rx(late, &type, &size) != NULL && size == 16);
    CHECK_ERR(tachyon_sub_commit_rx(late), TACHYON_OK);
    tachyon_sub_destroy(late);
    /* An unknown slot state is no subscriber to the producer. */
    put32(s.slots, (size_t)slot_of(&s, 0) * 128 + 8, 77);
    fill(pub, NULL, 3 * CAP / 128);
    CHECK(tachyon_sub_acquire_rx(sub, &type, &size) == NULL);
    CHECK_ERR(tachyon_sub_last_error(sub), TACHYON_ERR_STATE);
    /* A damaged identity line is refused at join. */
    put64(s.hdr, 0, 0x1111);
    join(name, 0, TACHYON_ERR_ABI_MISMATCH);
    put64(s.hdr, 0, 0x54554f4648434154ull);
    put64(s.hdr, 32, 12345); /* max_message */
    join(name, 0, TACHYON_ERR_CAPACITY);
    put64(s.hdr, 32, CAP / 2 - 16);
    put32(s.hdr, 48, 9); /* policy */
    join(name, 0, TACHYON_ERR_CORRUPT);
    put32(s.hdr, 48, 1);
    late = join(name, 0, TACHYON_OK);
    tachyon_sub_destroy(late);
    tachyon_sub_destroy(sub);
    tachyon_fanout_destroy(pub);
}

/* Random bytes over the shared segment while both sides run. */
static void fuzz(void)
{
    char name[128];
    uint64_t st = 99;
    uint64_t rounds = t_scaled(300, 40);

    for (uint64_t r = 0; r < rounds; r++) {
        tachyon_fanout_t *pub;
        tachyon_sub_t *sub[2];
        struct seg s;
        uint8_t buf[600] = {0}, *rings[2];

        name_of(name, sizeof(name), "scr-fuzz");
        CHECK_ERR(tachyon_fanout_listen(name, CAP, (tachyon_lag_policy_t)(r & 1), NULL, &pub), TACHYON_OK);
        sub[0] = join(name, TACHYON_JOIN_NEWEST, TACHYON_OK);
        sub[1] = join(name, TACHYON_JOIN_NEWEST, TACHYON_OK);
        s = locate(pub, sub[0]);
        {
            /* The other subscriber has its own mapping of the segment. */
            uint32_t type;
            size_t size;
            const uint8_t *p = tachyon_sub_acquire_rx(sub[1], &type, &size);
            CHECK(p != NULL);
            rings[0] = s.ring;
            rings[1] = (uint8_t *)p - 16;
            CHECK_ERR(tachyon_sub_commit_rx(sub[1]), TACHYON_OK);
        }
        for (int step = 0; step < 400; step++) {
            uint64_t what = t_rand(&st);
            size_t off;
            uint32_t type;
            size_t size;
            const uint8_t *p;

            if ((what & 7) == 0) {
                /* Anything but the identity line (checked at join, cached). */
                off = 128 + (size_t)(t_rand(&st) % (HDR + CAP - 128 - 8));
                put64(s.hdr, off & ~(size_t)7, t_rand(&st) >> (t_rand(&st) % 64));
            }
            (void)tachyon_fanout_send_until(pub, buf, (size_t)(t_rand(&st) % sizeof(buf)), 3, 0);
            for (int i = 0; i < 2; i++) {
                p = tachyon_sub_acquire_rx(sub[i], &type, &size);
                if (p) {
                    CHECK(p >= rings[i] && p + size <= rings[i] + CAP);
                    volatile uint8_t sink = size ? p[size - 1] : 0;
                    (void)sink;
                    (void)tachyon_sub_commit_rx(sub[i]);
                } else if (tachyon_sub_last_error(sub[i]) == TACHYON_ERR_LAGGED) {
                    (void)tachyon_sub_rejoin(sub[i], (uint32_t)(t_rand(&st) & 1));
                }
            }
        }
        tachyon_sub_destroy(sub[0]);
        tachyon_sub_destroy(sub[1]);
        tachyon_fanout_destroy(pub);
    }
}

int main(void)
{
    hostile_heads();
    hostile_reads();
    fuzz();
    printf("PASS: hostile fan-out memory gives errors, never a crash\n");
    return T_PASS;
}
