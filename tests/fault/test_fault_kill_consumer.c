/* Description: fault injection, many trials: a consumer process (checking every message it reads) is SIGKILLed at a random moment of a stream; the producer's blocking send returns PEER_GONE at its first watchdog wake after the consumer is gone (counted in wakes, so load cannot fake a failure; the 250 ms promise is kept as a hang guard with an 8x margin), never hangs, later sends fail at once, and everything the consumer had read was intact and in order. FAULT_TRIALS (default 30) / FAULT_SECONDS bound it. */
#include "fault.h"

struct channel {
    uint64_t verified; /* messages the consumer read and found intact */
    uint64_t bad;      /* set if one was not */
    uint64_t started;
};

static size_t size_of(uint64_t seq)
{
    uint64_t st = seq * 0x9e3779b97f4a7c15ull;
    return (size_t)(t_rand(&st) % 300);
}

static void consume(const char *name, size_t cap, struct channel *ch, int slow)
{
    tachyon_bus_t *bus;
    if (tachyon_bus_listen(name, cap, &bus) != TACHYON_OK)
        _exit(2);
    __atomic_store_n(&ch->started, 1, __ATOMIC_SEQ_CST);
    for (uint64_t seq = 0;; seq++) {
        uint32_t type;
        size_t size;
        const uint8_t *msg = tachyon_acquire_rx_blocking(bus, &type, &size, 100);
        if (!msg)
            _exit(3);
        if (type != (uint32_t)seq || size != size_of(seq) || !t_verify(msg, size, seq))
            __atomic_store_n(&ch->bad, seq + 1, __ATOMIC_SEQ_CST);
        tachyon_commit_rx(bus);
        __atomic_store_n(&ch->verified, seq + 1, __ATOMIC_SEQ_CST);
        if (slow && (seq & 127) == 0)
            usleep(100);
    }
}

static int64_t worst_ns;
static uint64_t worst_wakes;

static void trial(int n, uint64_t seed)
{
    struct channel *ch = f_shared(sizeof(struct channel));
    uint64_t rng = seed, seq;
    size_t cap = (size_t)1 << (10 + t_rand(&rng) % 8); /* 1 KiB .. 128 KiB */
    int slow = (int)(t_rand(&rng) & 1);
    int64_t delay_ns = (int64_t)(t_rand(&rng) % 40000) * 1000, start = 0, killed_at = 0, gone_ns;
    char name[128], tag[32];
    tachyon_bus_t *prod;
    tachyon_error_t err = TACHYON_OK;
    uint8_t buf[300];
    struct f_watch watch;
    pid_t pid;
    int status = 0;

    snprintf(tag, sizeof(tag), "kc-%d", n);
    t_sock_name(name, sizeof(name), tag, 1);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        consume(name, cap, ch, slow);
    CHECK_ERR(tachyon_bus_connect(name, &prod), TACHYON_OK);
    while (!__atomic_load_n(&ch->started, __ATOMIC_SEQ_CST))
        usleep(100);
    f_watch_start(&watch);
    start = t_now_ns();
    for (seq = 0;; seq++) {
        size_t size = size_of(seq);
        if (!killed_at && t_now_ns() - start >= delay_ns) {
            CHECK(kill(pid, SIGKILL) == 0);
            killed_at = t_now_ns();
            CHECK(waitpid(pid, &status, 0) == pid); /* gone: from here every watchdog wake counts */
            f_watch_dead(&watch);
        }
        t_fill(buf, size, seq);
        err = tachyon_send_blocking(prod, buf, size, (uint32_t)seq, 5ll * 1000000000);
        if (err != TACHYON_OK)
            break;
        if ((seq & 63) == 0)
            tachyon_flush(prod);
    }
    gone_ns = t_now_ns() - killed_at;
    tachyon_set_interrupt_check(NULL, NULL);
    if (!killed_at || err != TACHYON_ERR_PEER_GONE || f_watch_wakes(&watch) > 1 || gone_ns >= F_GONE_BOUND_NS ||
        !WIFSIGNALED(status) ||
        __atomic_load_n(&ch->bad, __ATOMIC_SEQ_CST) != 0 || __atomic_load_n(&ch->verified, __ATOMIC_SEQ_CST) > seq) {
        fprintf(stderr,
                "trial %d (seed %" PRIu64 ", cap %zu): send %" PRIu64 " ended with %s %.1f ms after the kill, "
                "after %" PRIu64 " watchdog wakes with the consumer gone (at most 1); consumer verified %" PRIu64
                ", bad at %" PRIu64 "\n",
                n, seed, cap, seq, tachyon_strerror(err), (double)gone_ns / 1e6, f_watch_wakes(&watch), ch->verified,
                ch->bad);
        exit(T_FAIL);
    }
    /* Sending the same message again fails at once. (A smaller one that still
     * fits is accepted: the hot path does not look at the peer.) */
    CHECK_ERR(tachyon_send_blocking(prod, buf, size_of(seq), 1, 5ll * 1000000000), TACHYON_ERR_PEER_GONE);
    CHECK(tachyon_peer_alive(prod) == 0);
    if (gone_ns > worst_ns)
        worst_ns = gone_ns;
    if (f_watch_wakes(&watch) > worst_wakes)
        worst_wakes = f_watch_wakes(&watch);
    tachyon_bus_destroy(prod);
    munmap(ch, sizeof(*ch));
}

int main(void)
{
    uint64_t seed = f_seed(), rng = seed;
    int trials = f_trials(30), done = 0;
    int64_t start = t_now_ns();

    for (; done < trials && f_time_left(start, 20); done++)
        trial(done, t_rand(&rng));
    printf("consumer killed at random points: %d trials passed; the blocked producer saw PEER_GONE at most %.1f ms "
           "after the kill, after at most %" PRIu64 " watchdog wake(s) with the consumer gone (seed %" PRIu64 ")\n",
           done, (double)worst_ns / 1e6, worst_wakes, seed);
    CHECK(done >= 3);
    return T_PASS;
}
