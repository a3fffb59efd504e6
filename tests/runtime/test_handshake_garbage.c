/* Description: the listener drops connectors that send random bytes, a short record, a non-Tachyon record, or nothing at all (silent for the 2 s handshake limit), keeps listening, and then completes the handshake with a good connector. */
#include "rawpeer.h"

int main(void)
{
    char name[128];
    tachyon_options_t o = {.timeout_ns = 30000 * 1000000LL};
    struct t_listener l;
    tachyon_bus_t *prod = NULL;
    uint8_t rec[RAW_REC];
    uint64_t rng = 7;
    int fd, silent;

    t_sock_name(name, sizeof(name), "garbage", 1);
    t_listener_start(&l, name, 1024, &o);

    /* Random bytes. */
    for (size_t i = 0; i < RAW_REC; i += 8) {
        uint64_t r = t_rand(&rng);
        memcpy(rec + i, &r, 8);
    }
    fd = raw_connect(name);
    CHECK(fd >= 0 && raw_send(fd, rec, RAW_REC, -1) == 0);
    CHECK(raw_recv(fd, rec, NULL, 5000) != 0); /* dropped without an answer */
    close(fd);

    /* A short record, then hang up. */
    raw_hello(rec, 0);
    fd = raw_connect(name);
    CHECK(fd >= 0 && raw_send(fd, rec, 10, -1) == 0);
    close(fd);

    /* An HTTP request. */
    fd = raw_connect(name);
    memset(rec, ' ', sizeof(rec));
    memcpy(rec, "GET / HTTP/1.0\r\n", 16);
    CHECK(fd >= 0 && raw_send(fd, rec, RAW_REC, -1) == 0);
    CHECK(raw_recv(fd, rec, NULL, 5000) != 0);
    close(fd);

    /* A silent connector that stays connected. */
    silent = raw_connect(name);
    CHECK(silent >= 0);

    /* Everything above was dropped and the good connector gets through. */
    CHECK_ERR(tachyon_bus_connect(name, &prod), TACHYON_OK);
    CHECK_ERR(t_listener_join(&l), TACHYON_OK);
    CHECK_ERR(tachyon_send(prod, "ok", 2, 1), TACHYON_OK);
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
    CHECK(tachyon_acquire_rx(l.bus, NULL, NULL) != NULL);
    close(silent);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(l.bus);
    return T_PASS;
}
