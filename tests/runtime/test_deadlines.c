/* Description: every blocking call has an absolute-deadline variant on CLOCK_MONOTONIC (tachyon_now_ns): a deadline in the past tries once and fails with TIMEOUT at once (or succeeds when it can), a future one fails no earlier than the deadline, TACHYON_FOREVER waits until the peer acts; the relative-timeout calls keep their meaning. */
#include "helpers.h"

#define MS (1000000ll)

struct late {
    tachyon_bus_t *bus;
    int delay_ms;
    int role; /* 0: consume one message, 1: send one message */
};

static void *act_late(void *arg)
{
    struct late *l = arg;
    uint8_t buf[100] = {0};
    t_sleep_ms(l->delay_ms);
    if (l->role == 0) {
        CHECK(tachyon_acquire_rx(l->bus, NULL, NULL) != NULL);
        CHECK_ERR(tachyon_commit_rx(l->bus), TACHYON_OK);
    } else {
        CHECK_ERR(tachyon_send(l->bus, buf, sizeof(buf), 7), TACHYON_OK);
        CHECK_ERR(tachyon_flush(l->bus), TACHYON_OK);
    }
    return NULL;
}

int main(void)
{
    struct t_arena a;
    uint8_t buf[200] = {0};
    tachyon_msg_t msgs[8];
    struct late l;
    pthread_t th;
    int64_t t0, now;
    uint32_t type;
    size_t size;

    /* The clock is CLOCK_MONOTONIC. */
    t0 = t_now_ns();
    now = tachyon_now_ns();
    CHECK(now >= t0 && now - t0 < 1000 * MS);
    CHECK(TACHYON_FOREVER < 0);

    t_arena_open(&a, 2048);
    /* Consumer, empty ring. */
    t0 = t_now_ns();
    CHECK(tachyon_acquire_rx_until(a.cons, &type, &size, 10, tachyon_now_ns() - 1) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    CHECK(tachyon_drain_batch_until(a.cons, msgs, 8, 10, 0) == 0);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() - t0 < 2000 * MS); /* a hang guard: a past deadline does not wait */
    t0 = t_now_ns();
    CHECK(tachyon_acquire_rx_until(a.cons, &type, &size, 10, t0 + 60 * MS) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() >= t0 + 60 * MS);
    t0 = t_now_ns();
    CHECK(tachyon_drain_batch_until(a.cons, msgs, 8, 10, t0 + 60 * MS) == 0);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() >= t0 + 60 * MS);

    /* A message sent later wakes a consumer waiting forever. */
    l.bus = a.prod, l.delay_ms = 30, l.role = 1;
    CHECK(pthread_create(&th, NULL, act_late, &l) == 0);
    CHECK(tachyon_acquire_rx_until(a.cons, &type, &size, 10, TACHYON_FOREVER) != NULL);
    CHECK(type == 7 && size == 100);
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_OK);
    CHECK(pthread_join(th, NULL) == 0);
    l.bus = a.prod, l.delay_ms = 30, l.role = 1;
    CHECK(pthread_create(&th, NULL, act_late, &l) == 0);
    CHECK(tachyon_drain_batch_until(a.cons, msgs, 8, 10, tachyon_now_ns() + 10000 * MS) == 1);
    CHECK(msgs[0].type_id == 7 && msgs[0].size == 100);
    CHECK_ERR(tachyon_commit_rx_batch(a.cons, 1), TACHYON_OK);
    CHECK(pthread_join(th, NULL) == 0);

    /* Producer: room now succeeds even with a past deadline. */
    CHECK(tachyon_acquire_tx_until(a.prod, 100, 0) != NULL);
    CHECK_ERR(tachyon_rollback_tx(a.prod), TACHYON_OK);
    for (int i = 0; i < 8; i++)
        CHECK_ERR(tachyon_send_until(a.prod, buf, sizeof(buf), 1, 0), TACHYON_OK);
    /* Full ring: a past deadline fails at once, a future one no earlier. */
    t0 = t_now_ns();
    CHECK_ERR(tachyon_send_until(a.prod, buf, sizeof(buf), 1, tachyon_now_ns() - 1), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() - t0 < 2000 * MS);
    t0 = t_now_ns();
    CHECK(tachyon_acquire_tx_until(a.prod, sizeof(buf), t0 + 60 * MS) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() >= t0 + 60 * MS);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_send_until(a.prod, buf, sizeof(buf), 1, t0 + 60 * MS), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() >= t0 + 60 * MS);
    /* The relative forms still mean "from now". */
    t0 = t_now_ns();
    CHECK_ERR(tachyon_send_blocking(a.prod, buf, sizeof(buf), 1, 40 * MS), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() >= t0 + 40 * MS);
    /* Waiting forever ends when the consumer frees room. */
    l.bus = a.cons, l.delay_ms = 30, l.role = 0;
    CHECK(pthread_create(&th, NULL, act_late, &l) == 0);
    CHECK_ERR(tachyon_send_until(a.prod, buf, sizeof(buf), 2, TACHYON_FOREVER), TACHYON_OK);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    for (int i = 0; i < 8; i++) {
        CHECK(tachyon_acquire_rx_until(a.cons, &type, &size, 10, 0) != NULL);
        CHECK(type == (i == 7 ? 2u : 1u) && size == sizeof(buf));
        CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_OK);
    }
    CHECK(tachyon_acquire_rx_until(a.cons, &type, &size, 10, 0) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    t_arena_close(&a);
    return T_PASS;
}
