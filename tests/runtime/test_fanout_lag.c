/* Description: a slow fan-out subscriber under each policy. BLOCK: the producer gets FULL (and TIMEOUT with a deadline) while the slow one holds the ring, and goes on once it reads; both see every message in order. DROP: the producer never waits; the slow subscriber holding a message is dropped when its bytes are needed, its commit says LAGGED (never a silent overwrite), its next read says LAGGED, and after tachyon_sub_rejoin (newest or oldest) it reads a gap-free run again while the fast one missed nothing. Also: the 65th subscriber is refused with FULL; a bus connector and a bus listener refuse the fan-out kinds with ABI_MISMATCH; a fingerprint mismatch is SCHEMA_MISMATCH. */
#include "helpers.h"

#define CAP 4096u

static void name_of(char *buf, size_t len, const char *tag)
{
    snprintf(buf, len, "@tachyon-test-%ld-%s", (long)getpid(), tag);
}

static tachyon_sub_t *join(const char *name, uint32_t how)
{
    tachyon_sub_t *sub;
    CHECK_ERR(tachyon_sub_connect_until(name, NULL, how, tachyon_now_ns() + 5000000000ll, &sub, NULL), TACHYON_OK);
    return sub;
}

static tachyon_error_t send_seq(tachyon_fanout_t *pub, uint64_t seq, int64_t deadline)
{
    uint8_t buf[200];
    t_fill(buf, sizeof(buf), seq);
    return tachyon_fanout_send_until(pub, buf, sizeof(buf), (uint32_t)seq, deadline);
}

/* Reads one message and checks it is `seq`; commits it. */
static void read_seq(tachyon_sub_t *sub, uint64_t seq)
{
    size_t size;
    uint32_t type;
    const uint8_t *p = tachyon_sub_acquire_rx(sub, &type, &size);
    if (!p)
        fprintf(stderr, "read_seq %llu: %s\n", (unsigned long long)seq, tachyon_strerror(tachyon_sub_last_error(sub)));
    CHECK(p != NULL);
    CHECK(size == 200 && type == (uint32_t)seq && t_verify(p, size, seq));
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
}

/* The seq of the next message (committed), or UINT64_MAX on EMPTY. */
static uint64_t next_seq(tachyon_sub_t *sub)
{
    size_t size;
    uint32_t type;
    uint64_t seq;
    const uint8_t *p = tachyon_sub_acquire_rx(sub, &type, &size);
    if (!p) {
        CHECK_ERR(tachyon_sub_last_error(sub), TACHYON_ERR_EMPTY);
        return UINT64_MAX;
    }
    memcpy(&seq, p, 8);
    CHECK(size == 200 && type == (uint32_t)seq && t_verify(p, size, seq));
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
    return seq;
}

static void block_policy(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *fast, *slow;
    uint64_t n = 0, seq = 0;
    int64_t t0;

    name_of(name, sizeof(name), "lag-block");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    fast = join(name, TACHYON_JOIN_NEWEST);
    slow = join(name, TACHYON_JOIN_NEWEST);
    CHECK(tachyon_fanout_subscribers(pub) == 2);
    /* Fill the ring; the fast one keeps up, the slow one reads nothing. */
    while (send_seq(pub, n, 0) == TACHYON_OK) {
        read_seq(fast, n);
        n++;
    }
    CHECK_ERR(tachyon_fanout_last_error(pub), TACHYON_ERR_FULL);
    CHECK(n >= CAP / 256 - 1 && n <= CAP / 256);
    t0 = tachyon_now_ns();
    CHECK_ERR(send_seq(pub, n, tachyon_now_ns() + 50000000), TACHYON_ERR_TIMEOUT);
    CHECK(tachyon_now_ns() - t0 >= 50000000);
    /* The slow one reads one: room for one more. */
    read_seq(slow, seq++);
    CHECK_ERR(send_seq(pub, n, 0), TACHYON_OK);
    read_seq(fast, n++);
    while (seq < n)
        read_seq(slow, seq++);
    CHECK(next_seq(slow) == UINT64_MAX && next_seq(fast) == UINT64_MAX);
    tachyon_sub_destroy(slow);
    /* Gone: it no longer holds the producer back. */
    for (uint64_t i = 0; i < 4 * CAP / 256; i++) {
        CHECK_ERR(send_seq(pub, n, 0), TACHYON_OK);
        read_seq(fast, n++);
    }
    tachyon_sub_destroy(fast);
    tachyon_fanout_destroy(pub);
}

static void drop_policy(uint32_t rejoin_how)
{
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *fast, *slow;
    const uint8_t *held;
    size_t size;
    uint32_t type;
    uint64_t n = 0, first, seq;

    name_of(name, sizeof(name), rejoin_how == TACHYON_JOIN_OLDEST ? "lag-drop-old" : "lag-drop-new");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_DROP, NULL, &pub), TACHYON_OK);
    fast = join(name, TACHYON_JOIN_NEWEST);
    slow = join(name, TACHYON_JOIN_NEWEST);
    /* A message held while the ring still has room is intact at commit. */
    CHECK_ERR(send_seq(pub, n++, 0), TACHYON_OK);
    held = tachyon_sub_acquire_rx(slow, &type, &size);
    CHECK(held && type == 0);
    read_seq(fast, 0);
    CHECK(t_verify(held, size, 0));
    CHECK_ERR(tachyon_sub_commit_rx(slow), TACHYON_OK);
    /* Now hold one and let the producer lap it: it never waits. */
    CHECK_ERR(send_seq(pub, n, 0), TACHYON_OK);
    read_seq(fast, n);
    held = tachyon_sub_acquire_rx(slow, &type, &size);
    CHECK(held && type == (uint32_t)n);
    n++;
    for (uint64_t i = 0; i < 3 * CAP / 256; i++) {
        CHECK_ERR(send_seq(pub, n, 0), TACHYON_OK);
        read_seq(fast, n++);
    }
    CHECK(tachyon_fanout_subscribers(pub) == 1);
    CHECK_ERR(tachyon_sub_commit_rx(slow), TACHYON_ERR_LAGGED);
    CHECK(tachyon_sub_acquire_rx(slow, &type, &size) == NULL);
    CHECK_ERR(tachyon_sub_last_error(slow), TACHYON_ERR_LAGGED);
    CHECK_ERR(tachyon_sub_rejoin(fast, TACHYON_JOIN_NEWEST), TACHYON_ERR_STATE); /* not dropped */
    CHECK_ERR(tachyon_sub_rejoin(slow, rejoin_how), TACHYON_OK);
    CHECK(tachyon_fanout_subscribers(pub) == 2);
    if (rejoin_how == TACHYON_JOIN_NEWEST) {
        CHECK_ERR(send_seq(pub, n, 0), TACHYON_OK);
        read_seq(fast, n++);
        first = next_seq(slow);
        CHECK(first == n - 1);
    } else {
        /* The oldest message still in the ring (the next to be overwritten:
         * read it before the producer needs its room). */
        first = next_seq(slow);
        CHECK(first < n - 1 && first >= n - CAP / 256);
    }
    for (seq = first + 1; seq < n; seq++)
        CHECK(next_seq(slow) == seq);
    CHECK(next_seq(slow) == UINT64_MAX);
    CHECK_ERR(send_seq(pub, n, 0), TACHYON_OK);
    read_seq(fast, n);
    read_seq(slow, n++);
    tachyon_sub_destroy(slow);
    tachyon_sub_destroy(fast);
    tachyon_fanout_destroy(pub);
}

static void table_and_kinds(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *subs[TACHYON_MAX_MEMBERS], *extra;
    tachyon_options_t fp = {.schema_fingerprint = 0x1234};
    tachyon_bus_t *bus;
    struct t_listener l;

    name_of(name, sizeof(name), "lag-table");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        subs[i] = join(name, TACHYON_JOIN_NEWEST);
    CHECK(tachyon_fanout_subscribers(pub) == TACHYON_MAX_MEMBERS);
    CHECK_ERR(tachyon_sub_connect_until(name, NULL, 0, tachyon_now_ns() + 2000000000ll, &extra, NULL),
              TACHYON_ERR_FULL);
    tachyon_sub_destroy(subs[7]);
    subs[7] = join(name, TACHYON_JOIN_OLDEST); /* the freed slot is reused */
    CHECK(tachyon_fanout_subscribers(pub) == TACHYON_MAX_MEMBERS);
    CHECK_ERR(send_seq(pub, 0, 0), TACHYON_OK);
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++) {
        read_seq(subs[i], 0);
        tachyon_sub_destroy(subs[i]);
    }
    /* Kinds do not mix; fingerprints are checked. */
    CHECK_ERR(tachyon_bus_connect(name, &bus), TACHYON_ERR_ABI_MISMATCH);
    CHECK_ERR(tachyon_sub_connect_until(name, &fp, 0, tachyon_now_ns() + 2000000000ll, &extra, NULL),
              TACHYON_ERR_SCHEMA_MISMATCH);
    tachyon_fanout_destroy(pub);
    name_of(name, sizeof(name), "lag-spsc");
    t_listener_start(&l, name, CAP, NULL);
    CHECK_ERR(tachyon_sub_connect_until(name, NULL, 0, tachyon_now_ns() + 2000000000ll, &extra, NULL),
              TACHYON_ERR_ABI_MISMATCH);
    CHECK_ERR(t_listener_join(&l), TACHYON_ERR_ABI_MISMATCH);
    /* Bad arguments. */
    CHECK_ERR(tachyon_fanout_listen(name, 1000, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_ERR_CAPACITY);
    CHECK_ERR(tachyon_fanout_listen(name, CAP, (tachyon_lag_policy_t)7, NULL, &pub), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_sub_connect_until(name, NULL, 0x8, 0, &extra, NULL), TACHYON_ERR_INVALID_ARG);
}

int main(void)
{
    block_policy();
    drop_policy(TACHYON_JOIN_NEWEST);
    drop_policy(TACHYON_JOIN_OLDEST);
    table_and_kinds();
    printf("PASS: slow subscribers under BLOCK and DROP, rejoin, a full table, kinds and fingerprints\n");
    return T_PASS;
}
