/* Description: a fan-in's consumer sleeps on one futex word, the bell: while it blocks with three producers attached, /proc/self/task/TID/syscall shows FUTEX_WAIT (SYS_futex), never futex_waitv; a producer pays a wake (stats.wakes) only after the consumer announced a sleep, none while it is awake; lost-wake-up stress: 4 producer threads send bursts of 1-20 messages with pauses of 0-3 ms to a consumer that blocks between them, every message arrives in order, the runtime proves no lost wake-up on any ring (a sleep that ran out with a producer's publication pending leaves the flag up as evidence, judged at the next sleep: load cannot fake one), and the sleeps that lasted until the 100 ms watchdog are not the rule (a wake sent to the wrong word makes every one of them so). */
#include <sys/syscall.h>

#include "helpers.h"
#include "../../runtime/src/internal.h" /* ti_test_fanin_lost_wakes: test-only */

#define PRODUCERS 4

struct consumer {
    pthread_t thread;
    tachyon_fanin_t *fi;
    pid_t tid;
    uint32_t type;
    int got;
};

static void *receive_one(void *arg)
{
    struct consumer *c = arg;
    size_t size;

    __atomic_store_n(&c->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    if (tachyon_fanin_acquire_rx_until(c->fi, &c->type, &size, NULL, tachyon_now_ns() + 10000000000ll)) {
        CHECK_ERR(tachyon_fanin_commit_rx(c->fi), TACHYON_OK);
        c->got = 1;
    }
    return NULL;
}

/* The system call thread `tid` is blocked in, -1 while it runs. */
static long blocked_in(pid_t tid)
{
    char path[64], buf[128];
    FILE *f;
    long nr = -1;

    snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
    f = fopen(path, "r");
    if (!f)
        return -2;
    if (fgets(buf, sizeof(buf), f) && buf[0] >= '0' && buf[0] <= '9')
        nr = strtol(buf, NULL, 10);
    fclose(f);
    return nr;
}

struct producer {
    pthread_t thread;
    tachyon_bus_t *bus;
    uint32_t who;
    uint64_t count;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    uint64_t st = p->who * 977 + 5, seq = 0;

    while (seq < p->count) {
        uint64_t burst = 1 + t_rand(&st) % 20;
        for (uint64_t i = 0; i < burst && seq < p->count; i++, seq++)
            CHECK_ERR(tachyon_send_blocking(p->bus, &seq, sizeof(seq), p->who, -1), TACHYON_OK);
        CHECK_ERR(tachyon_flush(p->bus), TACHYON_OK);
        struct timespec ts = {0, (long)(t_rand(&st) % 3000) * 1000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(void)
{
    char name[128];
    tachyon_fanin_t *fi;
    struct producer prod[PRODUCERS];
    struct consumer c;
    tachyon_stats_t stats;
    uint64_t next[PRODUCERS] = {0}, total = 0, want = 0, stalls = 0, sleeps = 0;
    long nr = -1;
    int64_t until;

    t_sock_name(name, sizeof(name), "fanin-bell", 1);
    CHECK_ERR(tachyon_fanin_listen(name, 8192, NULL, &fi), TACHYON_OK);
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        prod[i].who = i;
        prod[i].count = t_scaled(20000, 2000);
        want += prod[i].count;
        CHECK_ERR(tachyon_bus_connect(name, &prod[i].bus), TACHYON_OK);
    }
    while (tachyon_fanin_producers(fi) < PRODUCERS)
        t_sleep_ms(1);

    /* One futex word: the sleeping consumer is in FUTEX_WAIT, not futex_waitv. */
    memset(&c, 0, sizeof(c));
    c.fi = fi;
    CHECK(pthread_create(&c.thread, NULL, receive_one, &c) == 0);
    until = t_now_ns() + 5000000000ll;
    while (t_now_ns() < until) {
        pid_t tid = __atomic_load_n(&c.tid, __ATOMIC_SEQ_CST);
        nr = tid ? blocked_in(tid) : -1;
        if (nr == -2)
            t_skip("/proc/self/task/TID/syscall is not readable here");
#ifdef SYS_futex_waitv
        CHECK(nr != SYS_futex_waitv);
#endif
        CHECK(nr != 449); /* futex_waitv's number on x86_64 and arm64 */
        if (nr == SYS_futex)
            break;
        t_sleep_ms(1);
    }
    CHECK(nr == SYS_futex);
    CHECK_ERR(tachyon_get_stats(prod[2].bus, &stats), TACHYON_OK);
    CHECK(stats.wakes == 0);
    CHECK_ERR(tachyon_send(prod[2].bus, &total, sizeof(total), 77), TACHYON_OK);
    CHECK_ERR(tachyon_flush(prod[2].bus), TACHYON_OK);
    CHECK(pthread_join(c.thread, NULL) == 0);
    CHECK(c.got && c.type == 77);
    CHECK_ERR(tachyon_get_stats(prod[2].bus, &stats), TACHYON_OK);
    CHECK(stats.wakes == 1); /* the producer that woke it paid one wake */

    /* Awake and not receiving: producers find no sleeper and make no call. */
    for (uint64_t i = 0; i < 100; i++)
        CHECK_ERR(tachyon_send(prod[0].bus, &i, sizeof(i), 78), TACHYON_OK);
    CHECK_ERR(tachyon_flush(prod[0].bus), TACHYON_OK);
    CHECK_ERR(tachyon_get_stats(prod[0].bus, &stats), TACHYON_OK);
    CHECK(stats.wakes == 0);
    for (uint64_t i = 0; i < 100; i++) {
        uint32_t type;
        size_t size;
        const uint64_t *v = tachyon_fanin_acquire_rx(fi, &type, &size, NULL);
        CHECK(v && type == 78 && *v == i);
        CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
    }

    /* Lost-wake-up stress: the consumer blocks between bursts. */
    for (uint32_t i = 0; i < PRODUCERS; i++)
        CHECK(pthread_create(&prod[i].thread, NULL, produce, &prod[i]) == 0);
    while (total < want) {
        uint32_t type;
        size_t size;
        tachyon_sender_t from;
        int64_t t0 = t_now_ns();
        const uint64_t *v = tachyon_fanin_acquire_rx_until(fi, &type, &size, &from, t0 + 20000000000ll);
        int64_t took = t_now_ns() - t0;

        CHECK(v != NULL);
        CHECK(type < PRODUCERS && size == sizeof(uint64_t) && *v == next[type]);
        next[type]++;
        total++;
        CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
        if (took > 1000000)
            sleeps++;
        /* A lost wake-up leaves the consumer asleep until its watchdog. */
        if (took >= TACHYON_WATCHDOG_NS * 9 / 10)
            stalls++;
    }
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        CHECK(pthread_join(prod[i].thread, NULL) == 0);
        CHECK(next[i] == prod[i].count);
    }
    printf("messages %llu, waits over 1 ms %llu, waits until the watchdog %llu, lost wake-ups %llu\n",
           (unsigned long long)total, (unsigned long long)sleeps, (unsigned long long)stalls,
           (unsigned long long)ti_test_fanin_lost_wakes(fi));
    CHECK(ti_test_fanin_lost_wakes(fi) == 0);
    /* A loaded machine stretches some waits past the watchdog; a wake that
     * never reaches the sleeper's word stretches all of them. */
    CHECK(stalls < 10 || stalls * 2 < sleeps);
    for (uint32_t i = 0; i < PRODUCERS; i++)
        tachyon_bus_destroy(prod[i].bus);
    tachyon_fanin_destroy(fi);
    printf("PASS: fan-in sleeps on one futex word and loses no wake-up\n");
    return T_PASS;
}
