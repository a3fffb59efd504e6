/* Description: fault injection: a consumer process that stops reading (alive, not closed) leaves the producer's blocking sends to time out cleanly (TIMEOUT after, not before, random deadlines of 1..80 ms, well within the watchdog), many times; when the consumer reads again it receives exactly the messages whose sends succeeded, none of those that timed out. */
#include "fault.h"

struct channel {
    uint64_t resume;   /* set by the producer: read again */
    uint64_t received; /* messages the consumer got */
    uint64_t bad;
    uint64_t stalled; /* the consumer is not reading */
};

int main(void)
{
    struct channel *ch = f_shared(sizeof(struct channel));
    uint64_t seed = f_seed(), rng = seed, sent = 0;
    int trials = f_trials(40), timeouts = 0;
    char name[128];
    tachyon_bus_t *prod;
    uint8_t buf[200];
    pid_t pid;
    int status;

    t_sock_name(name, sizeof(name), "stall", 1);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        tachyon_bus_t *cons;
        uint64_t seq = 0;
        if (tachyon_bus_listen(name, 4096, &cons) != TACHYON_OK)
            _exit(2);
        /* Read 10 messages, then stall until told to resume. */
        for (;;) {
            uint32_t type;
            size_t size;
            const uint8_t *m;
            if (seq == 10 && !__atomic_load_n(&ch->resume, __ATOMIC_SEQ_CST)) {
                __atomic_store_n(&ch->stalled, 1, __ATOMIC_SEQ_CST);
                while (!__atomic_load_n(&ch->resume, __ATOMIC_SEQ_CST))
                    usleep(1000);
            }
            m = tachyon_acquire_rx_blocking(cons, &type, &size, 100);
            if (!m)
                break;
            if (type != (uint32_t)seq || size != sizeof(buf) || !t_verify(m, size, seq))
                __atomic_store_n(&ch->bad, seq + 1, __ATOMIC_SEQ_CST);
            tachyon_commit_rx(cons);
            seq++;
            __atomic_store_n(&ch->received, seq, __ATOMIC_SEQ_CST);
        }
        _exit(tachyon_last_error(cons) == TACHYON_ERR_PEER_GONE ? 0 : 4);
    }
    CHECK_ERR(tachyon_bus_connect(name, &prod), TACHYON_OK);
    /* The 10 messages the consumer reads before it stalls. */
    while (sent < 10) {
        t_fill(buf, sizeof(buf), sent);
        CHECK_ERR(tachyon_send_blocking(prod, buf, sizeof(buf), (uint32_t)sent, 5ll * 1000000000), TACHYON_OK);
        sent++;
    }
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
    while (!__atomic_load_n(&ch->stalled, __ATOMIC_SEQ_CST))
        usleep(1000);
    /* The consumer stalls: fill the ring, then time out again and again. */
    for (;;) {
        tachyon_error_t err;
        t_fill(buf, sizeof(buf), sent);
        err = tachyon_send(prod, buf, sizeof(buf), (uint32_t)sent);
        if (err == TACHYON_ERR_FULL)
            break;
        CHECK_ERR(err, TACHYON_OK);
        sent++;
    }
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
    for (int i = 0; i < trials; i++) {
        int64_t timeout_ns = (int64_t)(1 + t_rand(&rng) % 80) * 1000000, t0, took;
        t_fill(buf, sizeof(buf), sent);
        t0 = t_now_ns();
        CHECK_ERR(tachyon_send_blocking(prod, buf, sizeof(buf), (uint32_t)sent, timeout_ns), TACHYON_ERR_TIMEOUT);
        took = t_now_ns() - t0;
        CHECK(took >= timeout_ns);
        CHECK(took < timeout_ns + 250ll * 1000000); /* it did not hang */
        timeouts++;
    }
    CHECK(timeouts > 0);
    CHECK(tachyon_peer_alive(prod) == 1);
    /* Resume: everything sent arrives, nothing that timed out. */
    __atomic_store_n(&ch->resume, 1, __ATOMIC_SEQ_CST);
    t_fill(buf, sizeof(buf), sent);
    CHECK_ERR(tachyon_send_blocking(prod, buf, sizeof(buf), (uint32_t)sent, 5ll * 1000000000), TACHYON_OK);
    sent++;
    tachyon_bus_destroy(prod);
    status = t_wait_child(pid, 10000);
    CHECK(t_exited_with(status, 0));
    CHECK(ch->bad == 0);
    CHECK(ch->received == sent);
    printf("stalled consumer: %d of %d blocking sends timed out cleanly; %" PRIu64 " sent, %" PRIu64
           " received (seed %" PRIu64 ")\n", timeouts, trials, sent, ch->received, seed);
    return T_PASS;
}
