/* Description: futex sleep/wake stress on a 256-byte ring: the consumer never spins (spin 0) and pauses now and then so the producer fills the ring and sleeps too; both sides sleep many times, every message arrives in order, and the runtime's own lost wake-up count stays 0 on both sides (a sleep that ran out while the peer, which had made the progress that owed a wake, went on without waking: judged by events, not by a clock, so load cannot fake one). */
#include "helpers.h"

#include "../../runtime/src/internal.h" /* ti_test_lost_wakes: test-only, not in tachyon_stats_t */

struct side {
    tachyon_bus_t *bus;
    uint64_t count;
    int failed;
};

/* Fails the test at the first lost wake-up the bus has proved. */
static void check_no_lost_wake(tachyon_bus_t *bus, const char *who, uint64_t seq)
{
    uint64_t lost = ti_test_lost_wakes(bus);

    if (lost != 0) {
        fprintf(stderr, "%s at message %llu: %llu lost wake-up(s): the peer went on without waking this side\n", who,
                (unsigned long long)seq, (unsigned long long)lost);
        exit(T_FAIL);
    }
}

static void *producer(void *arg)
{
    struct side *p = arg;
    for (uint64_t seq = 0; seq < p->count; seq++) {
        uint8_t buf[48];
        size_t size = 8 + seq % 41;
        t_fill(buf, size, seq);
        if (tachyon_send_blocking(p->bus, buf, size, 1, 10ll * 1000000000) != TACHYON_OK) {
            p->failed = 1;
            return NULL;
        }
        check_no_lost_wake(p->bus, "producer", seq);
        if (seq % 3 == 0) /* sometimes flush at once, sometimes let the blocking path publish */
            tachyon_flush(p->bus);
    }
    tachyon_flush(p->bus);
    return NULL;
}

int main(void)
{
    char name[128];
    struct side p = {0}, c = {0};
    tachyon_stats_t ps, cs;
    pthread_t th;
    int64_t start;

    t_sock_name(name, sizeof(name), "futex", 1);
    t_pair(name, 256, &c.bus, &p.bus);
    p.count = c.count = t_scaled(300000, 5000);
    start = t_now_ns();
    CHECK(pthread_create(&th, NULL, producer, &p) == 0);
    for (uint64_t seq = 0; seq < c.count; seq++) {
        uint32_t type;
        size_t size;
        const uint8_t *msg = tachyon_acquire_rx_timeout(c.bus, &type, &size, 0, 10ll * 1000000000);
        if (!msg) {
            fprintf(stderr, "consumer at %llu: %s\n", (unsigned long long)seq,
                    tachyon_strerror(tachyon_last_error(c.bus)));
            return T_FAIL;
        }
        check_no_lost_wake(c.bus, "consumer", seq);
        CHECK(size == 8 + seq % 41 && t_verify(msg, size, seq));
        CHECK_ERR(tachyon_commit_rx(c.bus), TACHYON_OK);
        if (seq % 5000 == 4999)
            t_sleep_ms(1); /* let the producer fill the ring and go to sleep */
    }
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(!p.failed);
    CHECK_ERR(tachyon_get_stats(p.bus, &ps), TACHYON_OK);
    CHECK_ERR(tachyon_get_stats(c.bus, &cs), TACHYON_OK);
    printf("%llu messages in %.2f s; consumer slept %llu times, producer %llu; wakes %llu/%llu; "
           "lost wake-ups: %llu/%llu\n",
           (unsigned long long)c.count, (double)(t_now_ns() - start) / 1e9, (unsigned long long)cs.sleeps,
           (unsigned long long)ps.sleeps, (unsigned long long)ps.wakes, (unsigned long long)cs.wakes,
           (unsigned long long)ti_test_lost_wakes(c.bus), (unsigned long long)ti_test_lost_wakes(p.bus));
    /* The futex path was exercised on both sides... */
    CHECK(cs.sleeps > 0 && ps.sleeps > 0);
    CHECK(ps.wakes > 0 && cs.wakes > 0);
    /* ...and no wake-up was lost. (How long the calls took is not judged:
     * under load a thread may wait its turn for a CPU far longer than the
     * watchdog period without anything being lost.) */
    check_no_lost_wake(c.bus, "consumer", c.count);
    check_no_lost_wake(p.bus, "producer", p.count);
    tachyon_bus_destroy(p.bus);
    tachyon_bus_destroy(c.bus);
    return T_PASS;
}
