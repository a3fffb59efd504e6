/* Description: drain_batch returns up to N available messages in order without waiting and commit_rx_batch releases them with one head store; a wrong count or a mixed single acquire is STATE; an empty ring says EMPTY, a closed producer PEER_GONE. */
#include "helpers.h"

int main(void)
{
    struct t_arena a;
    tachyon_msg_t msgs[16];
    size_t n, got = 0;

    t_arena_open(&a, 8192);
    CHECK(tachyon_drain_batch(a.cons, msgs, 16) == 0);
    CHECK(tachyon_last_error(a.cons) == TACHYON_ERR_EMPTY);
    CHECK(tachyon_drain_batch(a.cons, NULL, 16) == 0);
    CHECK(tachyon_last_error(a.cons) == TACHYON_ERR_INVALID_ARG);
    CHECK(tachyon_drain_batch(a.prod, msgs, 16) == 0);
    CHECK(tachyon_last_error(a.prod) == TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_rx_batch(a.cons, 0), TACHYON_OK); /* nothing held, nothing to do */

    for (uint64_t i = 0; i < 40; i++)
        t_send(a.prod, i, (size_t)(i * 7 % 100), (uint32_t)i);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);

    n = tachyon_drain_batch(a.cons, msgs, 16);
    CHECK(n == 16);
    for (size_t i = 0; i < n; i++) {
        CHECK(msgs[i].type_id == i && msgs[i].size == i * 7 % 100);
        CHECK(((uintptr_t)msgs[i].data & 15) == 0);
        CHECK(t_verify(msgs[i].data, msgs[i].size, i));
    }
    /* Holding a batch: no second drain, no single acquire, no wrong count. */
    CHECK(tachyon_drain_batch(a.cons, msgs, 16) == 0);
    CHECK(tachyon_last_error(a.cons) == TACHYON_ERR_STATE);
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_rx_batch(a.cons, 15), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_rx_batch(a.cons, 16), TACHYON_OK);
    got = 16;
    while (got < 40) {
        n = tachyon_drain_batch(a.cons, msgs, 16);
        CHECK(n > 0);
        for (size_t i = 0; i < n; i++)
            CHECK(msgs[i].type_id == got + i && t_verify(msgs[i].data, msgs[i].size, got + i));
        CHECK_ERR(tachyon_commit_rx_batch(a.cons, n), TACHYON_OK);
        got += n;
    }
    CHECK(got == 40);
    CHECK(tachyon_drain_batch(a.cons, msgs, 16) == 0);
    CHECK(tachyon_last_error(a.cons) == TACHYON_ERR_EMPTY);

    /* The freed space is usable: the whole ring again. */
    for (uint64_t i = 0; i < 8192 / 64; i++)
        t_send(a.prod, i, 48, 1);
    CHECK(tachyon_acquire_tx(a.prod, 1) == NULL);
    CHECK(tachyon_last_error(a.prod) == TACHYON_ERR_FULL);
    tachyon_bus_destroy(a.prod);
    a.prod = NULL;
    got = 0;
    while ((n = tachyon_drain_batch(a.cons, msgs, 16)) > 0) {
        for (size_t i = 0; i < n; i++)
            CHECK(t_verify(msgs[i].data, 48, got + i));
        CHECK_ERR(tachyon_commit_rx_batch(a.cons, n), TACHYON_OK);
        got += n;
    }
    CHECK(got == 8192 / 64);
    CHECK(tachyon_last_error(a.cons) == TACHYON_ERR_PEER_GONE);
    t_arena_close(&a);
    return T_PASS;
}
