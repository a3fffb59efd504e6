/* Description: tachyon_bus_interrupt, called from another thread, ends a blocked receive and a blocked send with INTERRUPTED (long before their deadline, without losing or inventing a message); one raised while nothing waits makes the next wait return INTERRUPTED at once, exactly once; non-blocking calls leave it pending. */
#include "helpers.h"

#define MS (1000000ll)

struct poke {
    tachyon_bus_t *bus;
    int delay_ms;
};

static void *poke_later(void *arg)
{
    struct poke *p = arg;
    t_sleep_ms(p->delay_ms);
    tachyon_bus_interrupt(p->bus);
    return NULL;
}

int main(void)
{
    struct t_arena a;
    uint8_t buf[200] = {0};
    struct poke p;
    pthread_t th;
    int64_t t0;
    int sent = 0;

    t_arena_open(&a, 2048);
    tachyon_bus_interrupt(NULL); /* a no-op */

    /* A receive waiting forever. */
    p.bus = a.cons, p.delay_ms = 30;
    CHECK(pthread_create(&th, NULL, poke_later, &p) == 0);
    t0 = t_now_ns();
    CHECK(tachyon_acquire_rx_until(a.cons, NULL, NULL, 100, TACHYON_FOREVER) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_INTERRUPTED);
    CHECK(t_now_ns() - t0 < 5000 * MS); /* a hang guard, not a speed check */
    CHECK(pthread_join(th, NULL) == 0);
    /* A batch receive with a far deadline. */
    p.bus = a.cons, p.delay_ms = 30;
    CHECK(pthread_create(&th, NULL, poke_later, &p) == 0);
    {
        tachyon_msg_t msgs[4];
        CHECK(tachyon_drain_batch_until(a.cons, msgs, 4, 0, tachyon_now_ns() + 20000 * MS) == 0);
        CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_INTERRUPTED);
    }
    CHECK(pthread_join(th, NULL) == 0);

    /* A send waiting for room on a full ring. */
    while (tachyon_send(a.prod, buf, sizeof(buf), 1) == TACHYON_OK)
        sent++;
    CHECK(sent == 2048 / 256);
    p.bus = a.prod, p.delay_ms = 30;
    CHECK(pthread_create(&th, NULL, poke_later, &p) == 0);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_send_until(a.prod, buf, sizeof(buf), 9, TACHYON_FOREVER), TACHYON_ERR_INTERRUPTED);
    CHECK(t_now_ns() - t0 < 5000 * MS);
    CHECK(pthread_join(th, NULL) == 0);

    /* Raised while nothing waits: non-blocking calls leave it, the next wait
     * takes it, the one after waits normally. */
    tachyon_bus_interrupt(a.prod);
    CHECK_ERR(tachyon_send(a.prod, buf, sizeof(buf), 9), TACHYON_ERR_FULL);
    CHECK(tachyon_acquire_tx_until(a.prod, 10, TACHYON_FOREVER) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_INTERRUPTED);
    t0 = t_now_ns();
    CHECK(tachyon_acquire_tx_until(a.prod, 10, t0 + 40 * MS) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() - t0 >= 40 * MS);

    /* Nothing was lost or invented: exactly the messages that fit. */
    for (int i = 0; i < sent; i++) {
        uint32_t type;
        CHECK(tachyon_acquire_rx_until(a.cons, &type, NULL, 0, 0) != NULL && type == 1);
        CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_OK);
    }
    tachyon_bus_interrupt(a.cons);
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_EMPTY);
    CHECK(tachyon_acquire_rx_until(a.cons, NULL, NULL, 0, TACHYON_FOREVER) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_INTERRUPTED);
    CHECK(tachyon_acquire_rx_until(a.cons, NULL, NULL, 0, tachyon_now_ns() + 20 * MS) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_TIMEOUT);
    t_arena_close(&a);
    return T_PASS;
}
