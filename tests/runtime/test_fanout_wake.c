/* Description: how a BLOCK fan-out producer that waits for room is woken. It names the slowest subscriber and a head an eighth of the ring past what it needs, and only that subscriber's commit wakes it: with a slow subscriber reading one message every 200 us next to a fast one, the producer sleeps about once per eighth of the ring, not once per message, and both subscribers get every message once, in order and intact. The named subscriber leaving releases the producer; one that stops reading between what the producer needs and the named head lets it go on at the latest at its watchdog wake (no lost wake-up, only a late one). */
#include <pthread.h>

#include "helpers.h"
#include "../../runtime/src/internal.h" /* ti_test_fanout_sleeps: test-only */

#define CAP 4096u
#define SIZE 40u /* one 64-byte frame each: 64 frames in the ring, 8 in an eighth */

struct reader {
    tachyon_sub_t *sub;
    int delay_us; /* before each commit */
    uint64_t got;
};

static void name_of(char *buf, size_t len, const char *tag)
{
    snprintf(buf, len, "@tachyon-test-%ld-%s", (long)getpid(), tag);
}

static tachyon_sub_t *join(const char *name)
{
    tachyon_sub_t *sub;
    CHECK_ERR(tachyon_sub_connect_until(name, NULL, TACHYON_JOIN_NEWEST, tachyon_now_ns() + 5000000000ll, &sub, NULL),
              TACHYON_OK);
    return sub;
}

/* Reads messages 0, 1, 2, ... until the end (type 0). */
static void *read_all(void *arg)
{
    struct reader *r = arg;

    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *p = tachyon_sub_acquire_rx_until(r->sub, &type, &size, tachyon_now_ns() + 20000000000ll);
        if (!p)
            fprintf(stderr, "reader: %s\n", tachyon_strerror(tachyon_sub_last_error(r->sub)));
        CHECK(p != NULL);
        if (type == 0)
            break;
        CHECK(type == 1 && size == SIZE && t_verify(p, size, r->got));
        if (r->delay_us)
            usleep((useconds_t)r->delay_us);
        CHECK_ERR(tachyon_sub_commit_rx(r->sub), TACHYON_OK);
        r->got++;
    }
    CHECK_ERR(tachyon_sub_commit_rx(r->sub), TACHYON_OK);
    return NULL;
}

static void send_seq(tachyon_fanout_t *pub, uint64_t seq)
{
    uint8_t *slot = tachyon_fanout_acquire_tx_until(pub, SIZE, tachyon_now_ns() + 20000000000ll);
    CHECK(slot != NULL);
    t_fill(slot, SIZE, seq);
    CHECK_ERR(tachyon_fanout_commit_tx(pub, SIZE, 1), TACHYON_OK);
}

static void sleeps_per_batch(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    struct reader fast = {0}, slow = {0};
    pthread_t tf, ts;
    uint64_t m = t_scaled(1500, 400), sleeps;

    name_of(name, sizeof(name), "fo-wake-batch");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    fast.sub = join(name);
    slow.sub = join(name);
    slow.delay_us = 200;
    CHECK(pthread_create(&tf, NULL, read_all, &fast) == 0);
    CHECK(pthread_create(&ts, NULL, read_all, &slow) == 0);
    for (uint64_t k = 0; k < m; k++)
        send_seq(pub, k);
    CHECK_ERR(tachyon_fanout_send_until(pub, NULL, 0, 0, tachyon_now_ns() + 20000000000ll), TACHYON_OK);
    pthread_join(tf, NULL);
    pthread_join(ts, NULL);
    CHECK(fast.got == m && slow.got == m);
    sleeps = ti_test_fanout_sleeps(pub);
    printf("%llu messages, the producer slept %llu times (one wake per message would be about %llu)\n",
           (unsigned long long)m, (unsigned long long)sleeps, (unsigned long long)m);
    /* About m / 9 (each wake leaves room for 9 frames); a quarter of m leaves
     * room for the fast one being the slowest now and then. */
    CHECK(sleeps <= m / 4);
    tachyon_sub_destroy(fast.sub);
    tachyon_sub_destroy(slow.sub);
    tachyon_fanout_destroy(pub);
}

struct blocked {
    tachyon_fanout_t *pub;
    uint64_t first, count;
    int done;
};

static void *send_blocked(void *arg)
{
    struct blocked *b = arg;

    for (uint64_t k = 0; k < b->count; k++)
        send_seq(b->pub, b->first + k);
    __atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Fills the ring with messages 0..63 (no subscriber read any yet). */
static void fill(tachyon_fanout_t *pub)
{
    for (uint64_t k = 0; k < CAP / 64; k++)
        send_seq(pub, k);
}

static void drain(tachyon_sub_t *sub, uint64_t *next, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++) {
        uint32_t type;
        size_t size;
        const uint8_t *p = tachyon_sub_acquire_rx_until(sub, &type, &size, tachyon_now_ns() + 5000000000ll);
        CHECK(p != NULL && size == SIZE && t_verify(p, size, *next));
        CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
        (*next)++;
    }
}

/* Waits (at most 10 s: a liveness bound, not a speed claim) for the sender. */
static int finished(struct blocked *b)
{
    for (int i = 0; i < 10000 && !__atomic_load_n(&b->done, __ATOMIC_SEQ_CST); i++)
        t_sleep_ms(1);
    return __atomic_load_n(&b->done, __ATOMIC_SEQ_CST);
}

/* The subscriber the producer named leaves while it sleeps. */
static void named_one_leaves(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *fast, *slow;
    struct blocked b = {0};
    pthread_t t;
    uint64_t next = 0;

    name_of(name, sizeof(name), "fo-wake-leave");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    fast = join(name);
    slow = join(name);
    fill(pub);
    b.pub = pub;
    b.first = CAP / 64;
    b.count = 20;
    CHECK(pthread_create(&t, NULL, send_blocked, &b) == 0);
    drain(fast, &next, CAP / 64); /* the fast one is not the one it waits for */
    t_sleep_ms(20);
    CHECK(!__atomic_load_n(&b.done, __ATOMIC_SEQ_CST));
    tachyon_sub_destroy(slow);
    drain(fast, &next, 20);
    CHECK(finished(&b));
    pthread_join(t, NULL);
    tachyon_sub_destroy(fast);
    tachyon_fanout_destroy(pub);
}

/* The named subscriber frees what the producer needs, not the eighth it
 * asked for, and stops reading: the producer goes on (its watchdog wake). */
static void named_one_stops_short(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *sub;
    struct blocked b = {0};
    pthread_t t;
    uint64_t next = 0;

    name_of(name, sizeof(name), "fo-wake-short");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    sub = join(name);
    fill(pub);
    b.pub = pub;
    b.first = CAP / 64;
    b.count = 1;
    CHECK(pthread_create(&t, NULL, send_blocked, &b) == 0);
    t_sleep_ms(20); /* asleep by now (or soon: the result is the same) */
    drain(sub, &next, 1);
    CHECK(finished(&b));
    pthread_join(t, NULL);
    drain(sub, &next, CAP / 64);
    tachyon_sub_destroy(sub);
    tachyon_fanout_destroy(pub);
}

int main(void)
{
    sleeps_per_batch();
    named_one_leaves();
    named_one_stops_short();
    printf("PASS: a blocked fan-out producer is woken by its slowest subscriber, once per eighth of the ring\n");
    return T_PASS;
}
