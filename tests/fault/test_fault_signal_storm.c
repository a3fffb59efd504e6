/* Description: fault injection: SIGUSR1 storms (a third process signals both sides every 20..520 us; handlers without SA_RESTART) during a long stream over a small ring where both sides keep sleeping in futex waits: calls return INTERRUPTED and are retried, and every message arrives once, intact and in order. */
#include "fault.h"

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
    (void)sig;
    handled++;
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART */
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
}

struct channel {
    uint64_t interrupted; /* producer's INTERRUPTED returns */
    uint64_t handled;     /* producer's handled signals */
    uint64_t stop;
};

static size_t size_of(uint64_t seq)
{
    uint64_t st = seq ^ 0x5157;
    return (size_t)(t_rand(&st) % 400);
}

int main(void)
{
    struct channel *ch = f_shared(sizeof(struct channel));
    uint64_t count = t_scaled(2000000, 50000), seq = 0, interrupted = 0;
    uint64_t seed = f_seed();
    char name[128];
    tachyon_bus_t *cons;
    pid_t prod_pid, storm_pid;
    int status;

    install(); /* inherited by the producer */
    t_sock_name(name, sizeof(name), "storm", 1);
    prod_pid = fork();
    CHECK(prod_pid >= 0);
    if (prod_pid == 0) {
        tachyon_bus_t *bus;
        uint8_t buf[400];
        uint64_t intr = 0, rng = seed;
        if (tachyon_bus_connect(name, &bus) != TACHYON_OK)
            _exit(2);
        for (uint64_t s = 0; s < count;) {
            size_t size = size_of(s);
            tachyon_error_t err;
            t_fill(buf, size, s);
            err = tachyon_send_blocking(bus, buf, size, (uint32_t)s, -1);
            if (err == TACHYON_ERR_INTERRUPTED) {
                intr++;
                continue; /* the same message again */
            }
            if (err != TACHYON_OK)
                _exit(3);
            s++;
            if ((t_rand(&rng) & 1023) == 0)
                usleep(300); /* let the consumer fall asleep too */
        }
        ch->interrupted = intr;
        ch->handled = (uint64_t)handled;
        tachyon_bus_destroy(bus);
        _exit(0);
    }
    CHECK_ERR(tachyon_bus_listen(name, 2048, &cons), TACHYON_OK);
    storm_pid = fork();
    CHECK(storm_pid >= 0);
    if (storm_pid == 0) {
        uint64_t rng = seed ^ 77;
        pid_t parent = getppid();
        while (!__atomic_load_n(&ch->stop, __ATOMIC_SEQ_CST)) {
            kill(parent, SIGUSR1);
            kill(prod_pid, SIGUSR1);
            usleep((useconds_t)(20 + t_rand(&rng) % 500));
        }
        _exit(0);
    }
    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *msg = tachyon_acquire_rx_blocking(cons, &type, &size, 50);
        if (!msg) {
            if (tachyon_last_error(cons) == TACHYON_ERR_INTERRUPTED) {
                interrupted++;
                continue;
            }
            break;
        }
        if (type != (uint32_t)seq || size != size_of(seq) || !t_verify(msg, size, seq)) {
            fprintf(stderr, "message %" PRIu64 " wrong\n", seq);
            return T_FAIL;
        }
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        seq++;
        if ((seq & 4095) == 0)
            usleep(300); /* let the producer fall asleep on a full ring */
    }
    __atomic_store_n(&ch->stop, 1, __ATOMIC_SEQ_CST);
    CHECK(t_exited_with(t_wait_child(storm_pid, 5000), 0));
    status = t_wait_child(prod_pid, 10000);
    CHECK(t_exited_with(status, 0));
    CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
    printf("signal storm: %" PRIu64 " of %" PRIu64 " messages; consumer handled %d signals (%" PRIu64
           " interrupted waits), producer %" PRIu64 " (%" PRIu64 " interrupted waits)\n",
           seq, count, (int)handled, interrupted, ch->handled, ch->interrupted);
    CHECK(seq == count);
    CHECK(handled > 0 && ch->handled > 0);
    CHECK(interrupted + ch->interrupted > 0); /* the storm did reach the waits */
    tachyon_bus_destroy(cons);
    return T_PASS;
}
