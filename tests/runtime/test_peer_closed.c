/* Description: a producer that closes cleanly flushes first, so the consumer gets every message and then PEER_GONE (blocking at once, not after the watchdog); a consumer that closes makes the blocked producer return PEER_GONE at once and later sends fail with PEER_GONE. */
#include "helpers.h"

struct closer {
    tachyon_bus_t *bus;
    int delay_ms;
};

static void *close_later(void *arg)
{
    struct closer *c = arg;
    t_sleep_ms(c->delay_ms);
    tachyon_bus_destroy(c->bus);
    return NULL;
}

int main(void)
{
    char name[128];
    tachyon_bus_t *cons, *prod;
    struct closer c;
    pthread_t th;
    uint8_t buf[64] = {0};
    int64_t t0;

    /* Producer closes: unflushed commits are delivered, then PEER_GONE. */
    t_sock_name(name, sizeof(name), "closed-p", 1);
    t_pair(name, 4096, &cons, &prod);
    for (uint64_t i = 0; i < 5; i++)
        t_send(prod, i, 20, 3);
    c.bus = prod;
    c.delay_ms = 50;
    CHECK(pthread_create(&th, NULL, close_later, &c) == 0);
    for (uint64_t i = 0; i < 5; i++) {
        uint32_t type;
        size_t size;
        const void *msg = tachyon_acquire_rx_blocking(cons, &type, &size, 10);
        CHECK(msg && size == 20 && type == 3 && t_verify(msg, size, i));
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    }
    t0 = t_now_ns();
    CHECK(tachyon_acquire_rx_blocking(cons, NULL, NULL, 10) == NULL);
    CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
    CHECK(t_now_ns() - t0 < 90ll * 1000000); /* woken by the close, not the watchdog */
    CHECK(pthread_join(th, NULL) == 0);
    tachyon_bus_destroy(cons);

    /* Consumer closes while the producer is blocked on a full ring. */
    t_sock_name(name, sizeof(name), "closed-c", 1);
    t_pair(name, 1024, &cons, &prod);
    while (tachyon_send(prod, buf, sizeof(buf), 1) == TACHYON_OK) {
    }
    c.bus = cons;
    c.delay_ms = 50;
    CHECK(pthread_create(&th, NULL, close_later, &c) == 0);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_send_blocking(prod, buf, sizeof(buf), 1, -1), TACHYON_ERR_PEER_GONE);
    CHECK(t_now_ns() - t0 < 90ll * 1000000 + 50ll * 1000000);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_ERR(tachyon_send(prod, buf, sizeof(buf), 1), TACHYON_ERR_PEER_GONE);
    CHECK(tachyon_peer_alive(prod) == 0);
    tachyon_bus_destroy(prod);
    return T_PASS;
}
