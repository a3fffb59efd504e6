/* Description: futex sleep/wake stress on a 256-byte ring: the consumer never spins (spin 0) and pauses now and then so the producer fills the ring and sleeps too; both sides sleep many times, yet no blocking call ever waits out the 100 ms watchdog (no lost wake-up) and every message arrives in order. */
#include "helpers.h"

#define LONG_WAIT_NS (80ll * 1000000) /* a call this long was rescued by the watchdog */

struct side {
    tachyon_bus_t *bus;
    uint64_t count;
    uint64_t long_waits;
    int failed;
};

static void *producer(void *arg)
{
    struct side *p = arg;
    for (uint64_t seq = 0; seq < p->count; seq++) {
        uint8_t buf[48];
        size_t size = 8 + seq % 41;
        int64_t t0 = t_now_ns();
        t_fill(buf, size, seq);
        if (tachyon_send_blocking(p->bus, buf, size, 1, 10ll * 1000000000) != TACHYON_OK) {
            p->failed = 1;
            return NULL;
        }
        if (t_now_ns() - t0 > LONG_WAIT_NS && ++p->long_waits > 3) {
            fprintf(stderr, "producer: %llu sends waited out the watchdog (lost wake-ups)\n",
                    (unsigned long long)p->long_waits);
            exit(T_FAIL);
        }
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
    int64_t start, elapsed;

    t_sock_name(name, sizeof(name), "futex", 1);
    t_pair(name, 256, &c.bus, &p.bus);
    p.count = c.count = t_scaled(300000, 5000);
    start = t_now_ns();
    CHECK(pthread_create(&th, NULL, producer, &p) == 0);
    for (uint64_t seq = 0; seq < c.count; seq++) {
        uint32_t type;
        size_t size;
        int64_t t0 = t_now_ns();
        const uint8_t *msg = tachyon_acquire_rx_timeout(c.bus, &type, &size, 0, 10ll * 1000000000);
        if (!msg) {
            fprintf(stderr, "consumer at %llu: %s\n", (unsigned long long)seq,
                    tachyon_strerror(tachyon_last_error(c.bus)));
            return T_FAIL;
        }
        if (t_now_ns() - t0 > LONG_WAIT_NS && ++c.long_waits > 3) {
            fprintf(stderr, "consumer: %llu receives waited out the watchdog (lost wake-ups)\n",
                    (unsigned long long)c.long_waits);
            return T_FAIL;
        }
        CHECK(size == 8 + seq % 41 && t_verify(msg, size, seq));
        CHECK_ERR(tachyon_commit_rx(c.bus), TACHYON_OK);
        if (seq % 5000 == 4999)
            t_sleep_ms(1); /* let the producer fill the ring and go to sleep */
    }
    CHECK(pthread_join(th, NULL) == 0);
    elapsed = t_now_ns() - start;
    CHECK(!p.failed);
    CHECK_ERR(tachyon_get_stats(p.bus, &ps), TACHYON_OK);
    CHECK_ERR(tachyon_get_stats(c.bus, &cs), TACHYON_OK);
    printf("%llu messages in %.2f s; consumer slept %llu times, producer %llu; wakes %llu/%llu; "
           "calls past 80 ms: %llu/%llu\n",
           (unsigned long long)c.count, (double)elapsed / 1e9, (unsigned long long)cs.sleeps,
           (unsigned long long)ps.sleeps, (unsigned long long)ps.wakes, (unsigned long long)cs.wakes,
           (unsigned long long)c.long_waits, (unsigned long long)p.long_waits);
    /* The futex path was exercised on both sides... */
    CHECK(cs.sleeps > 0 && ps.sleeps > 0);
    CHECK(ps.wakes > 0 && cs.wakes > 0);
    /* ...and no wait relied on the watchdog. A lost wake-up costs a full
     * 100 ms watchdog period; the time bound is structural (sleeps x 10 ms),
     * not a speed requirement. */
    CHECK(c.long_waits == 0 && p.long_waits == 0);
    CHECK(elapsed < (int64_t)(cs.sleeps + ps.sleeps) * 10 * 1000000 + 5ll * 1000000000);
    tachyon_bus_destroy(p.bus);
    tachyon_bus_destroy(c.bus);
    return T_PASS;
}
