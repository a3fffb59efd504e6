/* Description: a producer SIGKILLed mid-stream (never flushing, so up to 31 commits are unpublished): the consumer (sleeping or spinning without limit) receives every committed message, intact and in order (including the unpublished ones, recovered by their stamps), nothing that was not committed, then PEER_GONE within 250 ms of the death (t_death_watch). */
#include <sys/mman.h>

#include "helpers.h"

struct progress {
    uint64_t attempted; /* set before each commit */
    uint64_t done;      /* set after each commit */
};

static size_t size_of(uint64_t seq)
{
    uint64_t st = seq ^ 0x5eed;
    return (size_t)(t_rand(&st) % 300);
}

/* Commits `stop_at` messages (or forever when 0) and then waits to be killed. */
static void produce(const char *name, struct progress *pr, uint64_t stop_at)
{
    tachyon_bus_t *bus;
    if (tachyon_bus_connect(name, &bus) != TACHYON_OK)
        _exit(2);
    for (uint64_t seq = 0;; seq++) {
        if (stop_at && seq == stop_at)
            for (;;)
                pause();
        size_t size = size_of(seq);
        uint8_t *slot = tachyon_acquire_tx_blocking(bus, size, -1);
        if (!slot)
            _exit(3);
        t_fill(slot, size, seq);
        __atomic_store_n(&pr->attempted, seq + 1, __ATOMIC_SEQ_CST);
        tachyon_commit_tx(bus, size, (uint32_t)seq);
        __atomic_store_n(&pr->done, seq + 1, __ATOMIC_SEQ_CST);
    }
}

static void one_run(int run, uint64_t kill_after, uint64_t stop_at, uint32_t spin)
{
    char name[128], tag[32];
    struct progress *pr = mmap(NULL, sizeof(*pr), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    tachyon_bus_t *cons;
    uint64_t seq = 0, attempted, done;
    int64_t killed_at = 0, dead_at, gone_after;
    struct t_death_watch dw = {.fd = -1};
    pid_t pid;

    CHECK(pr != MAP_FAILED);
    snprintf(tag, sizeof(tag), "pkill-%d", run);
    t_sock_name(name, sizeof(name), tag, 1);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        produce(name, pr, stop_at);
    CHECK_ERR(tachyon_bus_listen(name, stop_at ? 1u << 20 : 16384u, &cons), TACHYON_OK);
    if (stop_at) {
        /* Kill it only once it sits idle with stop_at % 32 commits unpublished. */
        while (__atomic_load_n(&pr->done, __ATOMIC_SEQ_CST) != stop_at)
            t_sleep_ms(1);
        t_sleep_ms(20);
    }
    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *msg;
        if (seq == kill_after && !killed_at) {
            t_death_watch(&dw, pid);
            CHECK(kill(pid, SIGKILL) == 0);
            killed_at = t_now_ns();
        }
        msg = tachyon_acquire_rx_blocking(cons, &type, &size, spin);
        if (!msg)
            break;
        if (type != (uint32_t)seq || size != size_of(seq) || !t_verify(msg, size, seq)) {
            fprintf(stderr, "run %d: message %llu wrong\n", run, (unsigned long long)seq);
            exit(T_FAIL);
        }
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        seq++;
    }
    gone_after = t_now_ns();
    CHECK(killed_at != 0);
    dead_at = t_death_at(&dw, killed_at);
    gone_after -= dead_at;
    CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
    CHECK(t_wait_child(pid, 5000) != -1);
    attempted = __atomic_load_n(&pr->attempted, __ATOMIC_SEQ_CST);
    done = __atomic_load_n(&pr->done, __ATOMIC_SEQ_CST);
    printf("run %d: killed after %llu received; committed %llu..%llu, received %llu; PEER_GONE %.1f ms after the death "
           "(%.1f ms from the kill to the death)\n",
           run, (unsigned long long)kill_after, (unsigned long long)done, (unsigned long long)attempted,
           (unsigned long long)seq, (double)gone_after / 1e6, (double)(dead_at - killed_at) / 1e6);
    /* Every committed message, and nothing the producer had not committed. */
    CHECK(seq >= done && seq <= attempted);
    CHECK(gone_after < 250ll * 1000000);
    if (stop_at)
        CHECK(seq == stop_at); /* the unpublished tail was recovered */
    /* Further calls keep saying PEER_GONE, blocking or not. */
    CHECK(tachyon_acquire_rx(cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
    CHECK(tachyon_peer_alive(cons) == 0);
    tachyon_bus_destroy(cons);
    munmap(pr, sizeof(*pr));
}

int main(void)
{
    /* 45 commits, 32 published by the batch rule, 13 only committed. */
    one_run(0, 0, 45, 1000);
    /* The same with a consumer that never stops spinning: it must check the
     * peer while it spins. */
    one_run(1, 0, 45, UINT32_MAX);
    /* Killed at random points of a running stream. */
    one_run(2, 1, 0, 1000);
    one_run(3, t_scaled(20000, 500) + 7, 0, 1000);
    one_run(4, t_scaled(200000, 2000) + 13, 0, UINT32_MAX);
    return T_PASS;
}
