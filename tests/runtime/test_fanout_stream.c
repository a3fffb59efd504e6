/* Description: fan-out under random joins and leaves: a producer publishes a stream of random-size messages (BLOCK policy, a small ring) while subscribers, as processes and then as threads, join at the newest or the oldest message at random moments and leave after a random count or at the end; each one receives a gap-free, duplicate-free run of the stream with every payload intact, and those that stay to the end receive the last message and then PEER_GONE. */
#include <sys/mman.h>

#include "helpers.h"

#define SUBS 6

static uint64_t total;
static uint32_t *joined; /* shared with the child processes */

static size_t size_of(uint64_t seq)
{
    uint64_t st = seq ^ 0xfa17;
    return 8 + (size_t)(t_rand(&st) % 300);
}

/* One subscriber's life; returns 0 if all it saw was right. */
static int subscriber(const char *name, uint64_t seed)
{
    uint64_t st = seed, expect = UINT64_MAX, got = 0;
    uint32_t join = (t_rand(&st) & 1) ? TACHYON_JOIN_OLDEST : TACHYON_JOIN_NEWEST;
    uint64_t leave_after = (t_rand(&st) & 1) ? t_rand(&st) % (total / 2 + 1) : UINT64_MAX;
    tachyon_sub_t *sub;
    tachyon_error_t err;

    t_sleep_ms((int)(t_rand(&st) % 40));
    err = tachyon_sub_connect_until(name, NULL, join, tachyon_now_ns() + 5000000000ll, &sub, NULL);
    if (err != TACHYON_OK) {
        fprintf(stderr, "subscriber: connect: %s\n", tachyon_strerror(err));
        return 1;
    }
    __atomic_fetch_add(joined, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        size_t size;
        uint32_t type;
        const uint8_t *p = tachyon_sub_acquire_rx_until(sub, &type, &size, TACHYON_FOREVER);
        uint64_t seq;

        if (!p) {
            err = tachyon_sub_last_error(sub);
            if (err != TACHYON_ERR_PEER_GONE) {
                fprintf(stderr, "subscriber: %s after %llu\n", tachyon_strerror(err), (unsigned long long)got);
                return 1;
            }
            /* Stayed to the end: saw the last message (or joined after it). */
            if (got && expect != total) {
                fprintf(stderr, "subscriber: ended at %llu of %llu\n", (unsigned long long)expect,
                        (unsigned long long)total);
                return 1;
            }
            break;
        }
        memcpy(&seq, p, 8);
        if ((expect != UINT64_MAX && seq != expect) || size != size_of(seq) || type != (uint32_t)seq ||
            !t_verify(p, size, seq)) {
            fprintf(stderr, "subscriber: got seq %llu (size %zu), expected %llu\n", (unsigned long long)seq, size,
                    (unsigned long long)expect);
            return 1;
        }
        if (tachyon_sub_commit_rx(sub) != TACHYON_OK)
            return 1;
        expect = seq + 1;
        if (++got == leave_after)
            break;
    }
    tachyon_sub_destroy(sub);
    return 0;
}

struct sub_thread {
    pthread_t t;
    const char *name;
    uint64_t seed;
    int rc;
};

static void *sub_main(void *arg)
{
    struct sub_thread *s = arg;
    s->rc = subscriber(s->name, s->seed);
    return NULL;
}

static void produce(tachyon_fanout_t *pub)
{
    uint8_t buf[512];

    for (uint64_t seq = 0; seq < total; seq++) {
        size_t size = size_of(seq);
        t_fill(buf, size, seq);
        CHECK_ERR(tachyon_fanout_send_until(pub, buf, size, (uint32_t)seq, TACHYON_FOREVER), TACHYON_OK);
        if (seq % 1000 == 0)
            t_sleep_ms(1); /* let joiners land mid-stream */
    }
}

int main(void)
{
    char name[128];
    tachyon_fanout_t *pub;

    total = t_scaled(60000, 3000);
    joined = mmap(NULL, sizeof(*joined), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(joined != MAP_FAILED);
    /* Processes, then threads (what TSan sees; after the forks, so that no
     * child inherits TSan's record of a thread it never had). */
    for (int round = 0; round < 2; round++) {
        struct sub_thread th[SUBS];
        pid_t pids[SUBS];

        __atomic_store_n(joined, 0, __ATOMIC_SEQ_CST);

        snprintf(name, sizeof(name), "@tachyon-test-%ld-fanout-stream-%d", (long)getpid(), round);
        /* The processes are forked before the listener's thread exists: a
         * child of a process with other threads may only make async-signal-
         * safe calls (a sanitizer's allocator lock held by another thread at
         * the fork stays held in the child). They wait for the listener. */
        if (round == 1)
            CHECK_ERR(tachyon_fanout_listen(name, 8192, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
        for (int i = 0; i < SUBS; i++) {
            uint64_t seed = 1000 * (uint64_t)round + (uint64_t)i;
            if (round == 1) {
                th[i].name = name;
                th[i].seed = seed;
                CHECK(pthread_create(&th[i].t, NULL, sub_main, &th[i]) == 0);
            } else {
                pids[i] = fork();
                CHECK(pids[i] >= 0);
                if (pids[i] == 0)
                    _exit(subscriber(name, seed));
            }
        }
        if (round == 0)
            CHECK_ERR(tachyon_fanout_listen(name, 8192, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
        produce(pub);
        /* A late joiner may come after the last message (it then sees the
         * end of the stream), not after the producer is gone. */
        while (__atomic_load_n(joined, __ATOMIC_SEQ_CST) < SUBS)
            t_sleep_ms(1);
        tachyon_fanout_destroy(pub);
        for (int i = 0; i < SUBS; i++) {
            if (round == 1) {
                CHECK(pthread_join(th[i].t, NULL) == 0);
                CHECK(th[i].rc == 0);
            } else {
                CHECK(t_exited_with(t_wait_child(pids[i], 60000), 0));
            }
        }
    }
    printf("PASS: %llu messages, %d subscribers joining and leaving, processes and threads\n",
           (unsigned long long)total, SUBS);
    return T_PASS;
}
