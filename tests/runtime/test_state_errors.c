/* Description: calls out of order or on the wrong side fail with STATE, bad arguments with INVALID_ARG (or TOO_LARGE), NULL buses are harmless, and a failed call leaves the bus usable. */
#include "helpers.h"

int main(void)
{
    struct t_arena a;
    uint32_t type;
    size_t size;
    tachyon_msg_t m[4];
    void *slot;

    t_arena_open(&a, 1024);
    /* Wrong side. */
    CHECK(tachyon_acquire_tx(a.cons, 8) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_send(a.cons, "x", 1, 0), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_flush(a.cons), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_tx(a.cons, 1, 0), TACHYON_ERR_STATE);
    CHECK(tachyon_acquire_rx(a.prod, &type, &size) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_rx(a.prod), TACHYON_ERR_STATE);
    CHECK(tachyon_drain_batch(a.prod, m, 4) == 0);
    /* Producer order. */
    CHECK_ERR(tachyon_commit_tx(a.prod, 0, 0), TACHYON_ERR_STATE);
    slot = tachyon_acquire_tx(a.prod, 16);
    CHECK(slot != NULL);
    CHECK(tachyon_acquire_tx(a.prod, 16) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_send(a.prod, "x", 1, 0), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_tx(a.prod, 17, 0), TACHYON_ERR_INVALID_ARG); /* more than reserved */
    memcpy(slot, "sixteen bytes!!!", 16);
    CHECK_ERR(tachyon_commit_tx(a.prod, 16, 4), TACHYON_OK); /* the reservation survived */
    CHECK_ERR(tachyon_send(a.prod, NULL, 5, 0), TACHYON_ERR_INVALID_ARG);
    CHECK(tachyon_acquire_tx(a.prod, (size_t)-1) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_TOO_LARGE);
    CHECK_ERR(tachyon_send(a.prod, "x", 497, 0), TACHYON_ERR_TOO_LARGE);
    CHECK_ERR(tachyon_send_blocking(a.prod, "x", 497, 0, -1), TACHYON_ERR_TOO_LARGE);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    /* Consumer order. */
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_ERR_STATE);
    CHECK(tachyon_acquire_rx(a.cons, &type, &size) != NULL);
    CHECK(type == 4 && size == 16);
    CHECK(tachyon_acquire_rx(a.cons, &type, &size) == NULL); /* already holding one */
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_rx_batch(a.cons, 1), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_OK);
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_ERR_STATE);
    /* NULL bus. */
    CHECK(tachyon_acquire_tx(NULL, 1) == NULL);
    CHECK(tachyon_acquire_rx(NULL, &type, &size) == NULL);
    CHECK(tachyon_acquire_rx_blocking(NULL, &type, &size, 1) == NULL);
    CHECK_ERR(tachyon_send(NULL, "x", 1, 0), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_flush(NULL), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_commit_rx(NULL), TACHYON_ERR_INVALID_ARG);
    CHECK(tachyon_drain_batch(NULL, m, 4) == 0);
    CHECK(tachyon_capacity(NULL) == 0 && tachyon_max_message_size(NULL) == 0);
    CHECK(tachyon_peer_alive(NULL) == 0);
    CHECK_ERR(tachyon_bus_listen("@x", 1024, NULL), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_bus_connect("@x", NULL), TACHYON_ERR_INVALID_ARG);
    {
        tachyon_bus_t *out = a.prod;
        CHECK_ERR(tachyon_bus_connect(NULL, &out), TACHYON_ERR_INVALID_ARG);
        CHECK(out == NULL); /* *out is cleared on failure */
    }
    tachyon_bus_destroy(NULL);
    t_arena_close(&a);
    return T_PASS;
}
