/* Description: how a BLOCK fan-out producer that waits for room is woken. It names the slowest subscriber and a head an eighth of the ring past what it needs, and only that subscriber's commit wakes it: with a slow subscriber reading one message every 200 us next to a fast one, the producer sleeps about once per eighth of the ring, not once per message, and both subscribers get every message once, in order and intact. The named subscriber leaving releases the producer; one that stops reading between what the producer needs and the named head lets it go on at the latest at its watchdog wake (no lost wake-up, only a late one). One publish wakes 16 sleeping subscribers although the producer wakes only one of them (that one wakes the rest): fewer than a quarter of the wake-ups come by the watchdog (a wake not passed on leaves 15 of 16 to it). A sleeper that takes the producer's one wake and never passes it on (as one killed right then) leaves the others asleep only until their watchdog wake: all still get the message. Where the kernel has membarrier the producer publishes without a fence (identity flag 1), a subscriber forbidden to call membarrier (seccomp) is refused at join with SYSTEM and EPERM while the others go on, and an unknown flag is CORRUPT at join. */
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

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

/* ---- Waking many sleeping subscribers ------------------------------------- */

#define NSUB 16

struct sleeper {
    tachyon_sub_t *sub;
    uint64_t rounds, late; /* late: messages a sleep ran out (watchdog) before */
    uint64_t got;
};

static void *sleep_read(void *arg)
{
    struct sleeper *s = arg;

    for (uint64_t k = 0; k < s->rounds; k++) {
        uint64_t before = ti_test_sub_timeouts(s->sub);
        uint32_t type;
        size_t size;
        const uint8_t *p = tachyon_sub_acquire_rx_until(s->sub, &type, &size, tachyon_now_ns() + 20000000000ll);
        CHECK(p != NULL && type == 1 && size == SIZE && t_verify(p, size, k + 1));
        CHECK_ERR(tachyon_sub_commit_rx(s->sub), TACHYON_OK);
        s->late += ti_test_sub_timeouts(s->sub) != before;
        __atomic_store_n(&s->got, k + 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

/* The segment's header, found through message 0 (ring offset 0, payload 16
 * bytes into the frame; the ring starts 12288 bytes in: ABI.md). */
static uint8_t *header_of(tachyon_sub_t *sub)
{
    uint32_t type;
    size_t size;
    const uint8_t *p = tachyon_sub_acquire_rx(sub, &type, &size);

    CHECK(p != NULL && t_verify(p, size, 0));
    CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
    return (uint8_t *)p - 16 - 12288;
}

static uint32_t load32(const uint8_t *base, size_t off)
{
    return __atomic_load_n((const uint32_t *)(base + off), __ATOMIC_SEQ_CST);
}

/* Until every subscriber's slot says it sleeps (ABI.md: slot byte 24). */
static void until_all_asleep(const uint8_t *hdr)
{
    for (int spins = 0; spins < 20000; spins++) {
        int n = 0;
        for (int i = 0; i < (int)TACHYON_MAX_MEMBERS; i++)
            n += load32(hdr, 4096 + 128 * (size_t)i + 8) == 2 && load32(hdr, 4096 + 128 * (size_t)i + 24) == 1;
        if (n == NSUB)
            return;
        usleep(100);
    }
}

static void start_sleepers(const char *name, tachyon_fanout_t *pub, struct sleeper *s, pthread_t *t, uint64_t rounds,
                           uint8_t **hdr)
{
    for (int i = 0; i < NSUB; i++) {
        s[i].sub = join(name);
        s[i].rounds = rounds;
    }
    send_seq(pub, 0);
    for (int i = 0; i < NSUB; i++)
        *hdr = header_of(s[i].sub);
    for (int i = 0; i < NSUB; i++)
        CHECK(pthread_create(&t[i], NULL, sleep_read, &s[i]) == 0);
}

/* One publish wakes all 16 sleepers: the producer wakes one, which wakes the
 * rest. A wake passed on wrongly would leave 15 of 16 to their watchdog. */
static void many_sleepers_one_publish(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    struct sleeper s[NSUB] = {{0}};
    pthread_t t[NSUB];
    uint64_t rounds = t_scaled(20, 5), late = 0;
    uint8_t *hdr = NULL;

    name_of(name, sizeof(name), "fo-wake-many");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    start_sleepers(name, pub, s, t, rounds, &hdr);
    for (uint64_t k = 1; k <= rounds; k++) {
        until_all_asleep(hdr);
        send_seq(pub, k);
        /* Every one has it before the next: each round starts asleep. */
        for (int i = 0; i < NSUB; i++)
            while (__atomic_load_n(&s[i].got, __ATOMIC_SEQ_CST) < k)
                usleep(100);
    }
    for (int i = 0; i < NSUB; i++) {
        pthread_join(t[i], NULL);
        late += s[i].late;
        tachyon_sub_destroy(s[i].sub);
    }
    printf("%d sleepers x %llu publishes: %llu wake-ups came by the watchdog\n", NSUB, (unsigned long long)rounds,
           (unsigned long long)late);
    CHECK(late * 4 < NSUB * rounds);
    tachyon_fanout_destroy(pub);
}

struct raw_waiter {
    uint32_t *word, seq;
    int queued, woken;
};

/* A sleeper on data_seq that never passes the wake on: what a subscriber
 * killed right after the producer's wake looks like to the others. */
static void *raw_wait(void *arg)
{
    struct raw_waiter *w = arg;

    __atomic_store_n(&w->queued, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(w->word, __ATOMIC_SEQ_CST) == w->seq)
        syscall(SYS_futex, w->word, FUTEX_WAIT, w->seq, NULL, NULL, 0);
    __atomic_store_n(&w->woken, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* The producer's one wake goes to a sleeper that dies with it (queued first:
 * the kernel wakes waiters of equal priority in order): every subscriber
 * still gets the message, at its watchdog wake at the latest. */
static void wake_lost_with_its_taker(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    struct sleeper s[NSUB] = {{0}};
    pthread_t t[NSUB], tw;
    struct raw_waiter w = {0};
    uint8_t *hdr = NULL;
    uint64_t late = 0;

    name_of(name, sizeof(name), "fo-wake-lost");
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    for (int i = 0; i < NSUB; i++) {
        s[i].sub = join(name);
        s[i].rounds = 1;
    }
    send_seq(pub, 0);
    for (int i = 0; i < NSUB; i++)
        hdr = header_of(s[i].sub);
    w.word = (uint32_t *)(hdr + 256);
    w.seq = load32(hdr, 256);
    CHECK(pthread_create(&tw, NULL, raw_wait, &w) == 0);
    while (!__atomic_load_n(&w.queued, __ATOMIC_SEQ_CST))
        usleep(100);
    t_sleep_ms(20); /* in the kernel's queue by now */
    for (int i = 0; i < NSUB; i++)
        CHECK(pthread_create(&t[i], NULL, sleep_read, &s[i]) == 0);
    until_all_asleep(hdr);
    send_seq(pub, 1);
    for (int i = 0; i < NSUB; i++) {
        pthread_join(t[i], NULL);
        late += s[i].late;
        tachyon_sub_destroy(s[i].sub);
    }
    pthread_join(tw, NULL);
    CHECK(w.woken);
    printf("the producer's wake taken by a sleeper that passed nothing on: all %d subscribers got the message, %llu "
           "by the watchdog\n", NSUB, (unsigned long long)late);
    tachyon_fanout_destroy(pub);
}

/* ---- Publishing without a fence (membarrier) -------------------------------- */

/* Makes membarrier fail with EPERM in this process from now on. */
static int forbid_membarrier(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Where the kernel has membarrier, the producer publishes without a fence
 * (identity flag 1 at byte 56); a subscriber that may not call membarrier
 * cannot pay for the fence and is refused at join with SYSTEM and its errno,
 * and the producer goes on with the others. An unknown flag is CORRUPT. */
static void fenceless_publication(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *sub;
    uint8_t *hdr;
    uint32_t flags;
    pid_t pid = -1;
    int status;
    long mb;

    name_of(name, sizeof(name), "fo-wake-mb");
    mb = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    mb = mb > 0 && (mb & MEMBARRIER_CMD_GLOBAL_EXPEDITED);
    if (mb) {
        /* Forked before the listener's thread exists (a child forked while
         * another thread holds the allocator's lock could hang in calloc
         * under ASan); its connect waits for the listener. */
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            tachyon_sub_t *refused = NULL;
            tachyon_error_detail_t d;
            if (forbid_membarrier() != 0)
                _exit(3);
            if (tachyon_sub_connect_until(name, NULL, 0, tachyon_now_ns() + 10000000000ll, &refused, &d) !=
                    TACHYON_ERR_SYSTEM ||
                d.os_errno != EPERM || refused != NULL)
                _exit(1);
            _exit(0);
        }
    }
    CHECK_ERR(tachyon_fanout_listen(name, CAP, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    sub = join(name);
    send_seq(pub, 0);
    hdr = header_of(sub);
    flags = load32(hdr, 56);
    CHECK(flags == 0 || flags == 1);
    if (mb) {
        CHECK(flags == 1);
        status = t_wait_child(pid, 20000);
        CHECK(status != -1);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK(tachyon_fanout_subscribers(pub) == 1);
    } else {
        printf("no membarrier here: the producer publishes with a seq_cst exchange (flag 0)\n");
        CHECK(flags == 0);
    }
    send_seq(pub, 1);
    {
        uint32_t type;
        size_t size;
        const uint8_t *p = tachyon_sub_acquire_rx(sub, &type, &size);
        CHECK(p != NULL && t_verify(p, size, 1));
        CHECK_ERR(tachyon_sub_commit_rx(sub), TACHYON_OK);
    }
    /* An unknown flag in the identity line. */
    __atomic_store_n((uint32_t *)(hdr + 56), flags | 4, __ATOMIC_SEQ_CST);
    {
        tachyon_sub_t *bad = NULL;
        CHECK_ERR(tachyon_sub_connect_until(name, NULL, 0, tachyon_now_ns() + 5000000000ll, &bad, NULL),
                  TACHYON_ERR_CORRUPT);
        CHECK(bad == NULL);
    }
    __atomic_store_n((uint32_t *)(hdr + 56), flags, __ATOMIC_SEQ_CST);
    tachyon_sub_destroy(sub);
    tachyon_fanout_destroy(pub);
}

int main(void)
{
    sleeps_per_batch();
    named_one_leaves();
    named_one_stops_short();
    many_sleepers_one_publish();
    wake_lost_with_its_taker();
    fenceless_publication();
    printf("PASS: a blocked fan-out producer is woken by its slowest subscriber, once per eighth of the ring\n");
    return T_PASS;
}
