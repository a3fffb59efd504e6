/* Description: fault injection, many trials: a producer process streaming random-size messages (random ring size, random flushes, sometimes blocked on a full ring) is SIGKILLed at a random moment; the consumer gets every message the producer committed (checked against a committed-count channel in shared memory), intact and in order, nothing uncommitted, then PEER_GONE at the first watchdog wake after the producer is gone (counted in wakes, so load cannot fake a failure; the 250 ms promise is kept as a hang guard with an 8x margin). FAULT_TRIALS (default 30) / FAULT_SECONDS bound it. */
#include "fault.h"

struct channel {
    uint64_t attempted; /* set before each commit */
    uint64_t committed; /* set after each commit */
    uint64_t started;
};

struct killer {
    pthread_t thread;
    pid_t pid;
    int delay_us;
    struct channel *ch;
    struct f_watch *watch; /* the consumer thread's */
    int64_t killed_at;
    int status;
    int done;
};

static size_t size_of(uint64_t seed, uint64_t seq, size_t max)
{
    uint64_t st = seed ^ (seq * 0x9e3779b97f4a7c15ull);
    uint64_t r = t_rand(&st);
    size_t s = (r & 7) == 0 ? (size_t)((r >> 8) % (max + 1)) : (size_t)((r >> 8) % 200);
    return s > max ? max : s;
}

static void produce(const char *name, struct channel *ch, uint64_t seed)
{
    tachyon_bus_t *bus;
    uint64_t rng = seed ^ 0xabcdef;
    size_t max;
    if (tachyon_bus_connect(name, &bus) != TACHYON_OK)
        _exit(2);
    max = tachyon_max_message_size(bus);
    __atomic_store_n(&ch->started, 1, __ATOMIC_SEQ_CST);
    for (uint64_t seq = 0;; seq++) {
        size_t size = size_of(seed, seq, max);
        uint8_t *slot = tachyon_acquire_tx_blocking(bus, size, -1);
        uint64_t r = t_rand(&rng);
        if (!slot)
            _exit(3);
        t_fill(slot, size, seq);
        __atomic_store_n(&ch->attempted, seq + 1, __ATOMIC_SEQ_CST);
        if (tachyon_commit_tx(bus, size, (uint32_t)seq) != TACHYON_OK)
            _exit(4);
        __atomic_store_n(&ch->committed, seq + 1, __ATOMIC_SEQ_CST);
        if ((r & 63) == 0)
            tachyon_flush(bus);
        if ((r >> 8) % 5000 == 0)
            usleep((useconds_t)((r >> 20) % 300));
    }
}

static void *killer_main(void *arg)
{
    struct killer *k = arg;
    while (!__atomic_load_n(&k->ch->started, __ATOMIC_SEQ_CST))
        usleep(100);
    usleep((useconds_t)k->delay_us);
    CHECK(kill(k->pid, SIGKILL) == 0);
    __atomic_store_n(&k->killed_at, t_now_ns(), __ATOMIC_SEQ_CST);
    CHECK(waitpid(k->pid, &k->status, 0) == k->pid); /* gone: from here every watchdog wake counts */
    f_watch_dead(k->watch);
    __atomic_store_n(&k->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static int64_t worst_gone_ns;
static uint64_t worst_wakes;

static void trial(int n, uint64_t seed)
{
    struct channel *ch = f_shared(sizeof(struct channel));
    uint64_t rng = seed, seq = 0;
    size_t cap = (size_t)1 << (10 + t_rand(&rng) % 10); /* 1 KiB .. 512 KiB */
    int mode = (int)(t_rand(&rng) % 3);                /* blocking acquire, drain_batch, slow reader */
    char name[128], tag[32];
    struct killer k;
    struct f_watch watch;
    tachyon_bus_t *cons;
    tachyon_error_t err;
    int64_t gone_ns;
    uint64_t committed, attempted;

    snprintf(tag, sizeof(tag), "kp-%d", n);
    t_sock_name(name, sizeof(name), tag, 1);
    memset(&k, 0, sizeof(k));
    k.ch = ch;
    k.watch = &watch;
    k.delay_us = (int)(t_rand(&rng) % 40000);
    k.pid = fork();
    CHECK(k.pid >= 0);
    if (k.pid == 0)
        produce(name, ch, seed);
    CHECK_ERR(tachyon_bus_listen(name, cap, &cons), TACHYON_OK);
    f_watch_start(&watch);
    CHECK(pthread_create(&k.thread, NULL, killer_main, &k) == 0);
    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *msg;
        if (mode == 1) {
            tachyon_msg_t msgs[16];
            size_t got = tachyon_drain_batch(cons, msgs, 16);
            for (size_t i = 0; i < got; i++, seq++)
                if (msgs[i].type_id != (uint32_t)seq || msgs[i].size != size_of(seed, seq, tachyon_max_message_size(cons)) ||
                    !t_verify(msgs[i].data, msgs[i].size, seq)) {
                    fprintf(stderr, "trial %d: message %" PRIu64 " wrong (seed %" PRIu64 ")\n", n, seq, seed);
                    exit(T_FAIL);
                }
            if (got) {
                CHECK_ERR(tachyon_commit_rx_batch(cons, got), TACHYON_OK);
                continue;
            }
            if (tachyon_last_error(cons) != TACHYON_ERR_EMPTY)
                break;
        }
        if (mode == 2 && (seq & 255) == 0)
            usleep(200); /* a slow reader: the producer often waits on a full ring */
        msg = tachyon_acquire_rx_blocking(cons, &type, &size, 100);
        if (!msg)
            break;
        if (type != (uint32_t)seq || size != size_of(seed, seq, tachyon_max_message_size(cons)) ||
            !t_verify(msg, size, seq)) {
            fprintf(stderr, "trial %d: message %" PRIu64 " wrong (seed %" PRIu64 ")\n", n, seq, seed);
            exit(T_FAIL);
        }
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        seq++;
    }
    err = tachyon_last_error(cons);
    gone_ns = t_now_ns();
    CHECK(pthread_join(k.thread, NULL) == 0);
    gone_ns -= k.killed_at;
    tachyon_set_interrupt_check(NULL, NULL);
    committed = __atomic_load_n(&ch->committed, __ATOMIC_SEQ_CST);
    attempted = __atomic_load_n(&ch->attempted, __ATOMIC_SEQ_CST);
    if (err != TACHYON_ERR_PEER_GONE || seq < committed || seq > attempted || f_watch_wakes(&watch) > 1 ||
        gone_ns >= F_GONE_BOUND_NS || !WIFSIGNALED(k.status)) {
        fprintf(stderr,
                "trial %d (seed %" PRIu64 ", cap %zu, mode %d): ended with %s after %" PRIu64
                " messages; committed %" PRIu64 ", attempted %" PRIu64 "; %.1f ms after the kill, after %" PRIu64
                " watchdog wakes with the producer gone (at most 1)\n",
                n, seed, cap, mode, tachyon_strerror(err), seq, committed, attempted, (double)gone_ns / 1e6,
                f_watch_wakes(&watch));
        exit(T_FAIL);
    }
    if (gone_ns > worst_gone_ns)
        worst_gone_ns = gone_ns;
    if (f_watch_wakes(&watch) > worst_wakes)
        worst_wakes = f_watch_wakes(&watch);
    tachyon_bus_destroy(cons);
    munmap(ch, sizeof(*ch));
}

int main(void)
{
    uint64_t seed = f_seed(), rng = seed;
    int trials = f_trials(30), done = 0;
    int64_t start = t_now_ns();

    for (; done < trials && f_time_left(start, 20); done++)
        trial(done, t_rand(&rng));
    printf("producer killed at random points: %d trials passed; PEER_GONE at most %.1f ms after the kill, after at most "
           "%" PRIu64 " watchdog wake(s) with the producer gone (seed %" PRIu64 ")\n",
           done, (double)worst_gone_ns / 1e6, worst_wakes, seed);
    CHECK(done >= 3);
    return T_PASS;
}
