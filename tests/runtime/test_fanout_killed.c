/* Description: fan-out members killed at random moments. A subscriber SIGKILLed while the BLOCK producer waits on it stops holding the producer back within 250 ms of its death (t_death_watch). A producer SIGKILLed mid-stream: every subscriber (sleeping or polling) receives every committed message once, in order and intact, nothing uncommitted, then PEER_GONE within 250 ms of the death. */
#include <sys/mman.h>

#include "helpers.h"

struct progress {
    uint64_t done; /* messages whose commit returned */
    uint32_t joined;
};

static size_t size_of(uint64_t seq)
{
    uint64_t st = seq ^ 0xdead;
    return 8 + (size_t)(t_rand(&st) % 200);
}

static void subscriber_killed(void)
{
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_sub_t *fast;
    struct progress *pr = mmap(NULL, sizeof(*pr), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint8_t buf[64] = {0};
    int64_t killed_at, dead_at, freed_after;
    struct t_death_watch dw;
    pid_t pid;

    CHECK(pr != MAP_FAILED);
    snprintf(name, sizeof(name), "@tachyon-test-%ld-fo-subkill", (long)getpid());
    /* Forked before the listener's thread exists: a child forked while another
     * thread holds the allocator's lock (ASan's) could hang in calloc. The
     * child's connect waits for the listener. */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        tachyon_sub_t *sub;
        if (tachyon_sub_connect_until(name, NULL, 0, tachyon_now_ns() + 10000000000ll, &sub, NULL) != TACHYON_OK)
            _exit(2);
        __atomic_store_n(&pr->joined, 1, __ATOMIC_SEQ_CST);
        for (;;)
            pause(); /* never reads */
    }
    CHECK_ERR(tachyon_fanout_listen(name, 4096, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    CHECK_ERR(tachyon_sub_connect_until(name, NULL, 0, tachyon_now_ns() + 5000000000ll, &fast, NULL), TACHYON_OK);
    for (int64_t give_up = t_now_ns() + 10000000000ll; !__atomic_load_n(&pr->joined, __ATOMIC_SEQ_CST);) {
        CHECK(t_now_ns() < give_up); /* the child did not join */
        t_sleep_ms(1);
    }
    while (tachyon_fanout_send_until(pub, buf, sizeof(buf), 1, 0) == TACHYON_OK)
        ;
    CHECK_ERR(tachyon_fanout_last_error(pub), TACHYON_ERR_FULL);
    /* The fast one reads everything; the dead one must not hold us. */
    for (;;) {
        size_t size;
        uint32_t type;
        if (!tachyon_sub_acquire_rx(fast, &type, &size))
            break;
        CHECK_ERR(tachyon_sub_commit_rx(fast), TACHYON_OK);
    }
    t_death_watch(&dw, pid);
    kill(pid, SIGKILL);
    killed_at = t_now_ns();
    CHECK_ERR(tachyon_fanout_send_until(pub, buf, sizeof(buf), 2, tachyon_now_ns() + 5000000000ll), TACHYON_OK);
    freed_after = t_now_ns();
    dead_at = t_death_at(&dw, killed_at);
    freed_after -= dead_at;
    waitpid(pid, NULL, 0);
    printf("dead subscriber released %.1f ms after its death (%.1f ms from the kill to the death)\n",
           (double)freed_after / 1e6, (double)(dead_at - killed_at) / 1e6);
    CHECK(freed_after < 250ll * 1000000);
    CHECK(tachyon_fanout_subscribers(pub) == 1);
    tachyon_sub_destroy(fast);
    tachyon_fanout_destroy(pub);
    munmap(pr, sizeof(*pr));
}

/* The producer child: publishes until killed, noting each commit. */
static void produce(const char *name, struct progress *pr)
{
    tachyon_fanout_t *pub;
    uint8_t buf[256];

    if (tachyon_fanout_listen(name, 8192, TACHYON_LAG_BLOCK, NULL, &pub) != TACHYON_OK)
        _exit(2);
    while (tachyon_fanout_subscribers(pub) < 2)
        t_sleep_ms(1);
    for (uint64_t seq = 0;; seq++) {
        size_t size = size_of(seq);
        t_fill(buf, size, seq);
        if (tachyon_fanout_send_until(pub, buf, size, (uint32_t)seq, TACHYON_FOREVER) != TACHYON_OK)
            _exit(3);
        __atomic_store_n(&pr->done, seq + 1, __ATOMIC_SEQ_CST);
    }
}

struct reader {
    pthread_t t;
    tachyon_sub_t *sub;
    int polling;
    uint64_t got;
    int64_t gone_at;
    int bad;
};

static void *read_all(void *arg)
{
    struct reader *r = arg;

    for (;;) {
        size_t size;
        uint32_t type;
        uint64_t seq;
        const uint8_t *p = r->polling ? tachyon_sub_acquire_rx(r->sub, &type, &size)
                                      : tachyon_sub_acquire_rx_until(r->sub, &type, &size, TACHYON_FOREVER);
        if (!p) {
            tachyon_error_t err = tachyon_sub_last_error(r->sub);
            if (err == TACHYON_ERR_EMPTY)
                continue;
            r->gone_at = t_now_ns();
            r->bad |= err != TACHYON_ERR_PEER_GONE;
            return NULL;
        }
        memcpy(&seq, p, 8);
        r->bad |= seq != r->got || size != size_of(seq) || !t_verify(p, size, seq);
        if (tachyon_sub_commit_rx(r->sub) != TACHYON_OK)
            r->bad = 1;
        r->got++;
    }
}

static void producer_killed(int run)
{
    char name[128];
    struct progress *pr = mmap(NULL, sizeof(*pr), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct reader r[2];
    uint64_t st = (uint64_t)run * 77 + 5, done;
    int64_t killed_at, dead_at;
    struct t_death_watch dw;
    pid_t pid;

    CHECK(pr != MAP_FAILED);
    snprintf(name, sizeof(name), "@tachyon-test-%ld-fo-pkill-%d", (long)getpid(), run);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        produce(name, pr);
    for (int i = 0; i < 2; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].polling = i;
        CHECK_ERR(tachyon_sub_connect_until(name, NULL, 0, tachyon_now_ns() + 5000000000ll, &r[i].sub, NULL),
                  TACHYON_OK);
        CHECK(pthread_create(&r[i].t, NULL, read_all, &r[i]) == 0);
    }
    t_sleep_ms(5 + (int)(t_rand(&st) % 60));
    t_death_watch(&dw, pid);
    kill(pid, SIGKILL);
    killed_at = t_now_ns();
    dead_at = t_death_at(&dw, killed_at);
    waitpid(pid, NULL, 0);
    done = __atomic_load_n(&pr->done, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 2; i++) {
        CHECK(pthread_join(r[i].t, NULL) == 0);
        CHECK(!r[i].bad);
        /* Committed is published: everything up to `done`, and at most the one
         * whose commit had not returned when the kill landed. */
        CHECK(r[i].got == done || r[i].got == done + 1);
        CHECK(r[i].gone_at - dead_at < 250ll * 1000000);
        tachyon_sub_destroy(r[i].sub);
    }
    printf("run %d: %llu committed, both subscribers got them all, PEER_GONE %.1f / %.1f ms after the death (%.1f ms "
           "from the kill to the death)\n",
           run, (unsigned long long)done, (double)(r[0].gone_at - dead_at) / 1e6, (double)(r[1].gone_at - dead_at) / 1e6,
           (double)(dead_at - killed_at) / 1e6);
    munmap(pr, sizeof(*pr));
}

int main(void)
{
    subscriber_killed();
    for (int run = 0; run < 5; run++)
        producer_killed(run);
    printf("PASS: killed subscribers release the producer, killed producers lose nothing committed\n");
    return T_PASS;
}
