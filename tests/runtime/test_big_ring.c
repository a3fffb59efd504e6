/* Description: a ring of 8 GiB (sparse: only the pages written are backed) takes messages of at most TACHYON_MAX_MESSAGE (2^32 - 64, the frame's size field is 32 bits), not capacity/2 - 16: a larger reservation is TOO_LARGE with that limit in its detail, on the bus and on a fan-out; messages around the wrap still arrive intact. */
#include "helpers.h"

#define BIG ((size_t)1 << 33)

int main(void)
{
    char name[128];
    tachyon_bus_t *cons, *prod;
    tachyon_fanout_t *pub;
    tachyon_error_detail_t d;
    uint8_t buf[256];

    if (sizeof(size_t) < 8)
        t_skip("a 32-bit size_t cannot hold an 8 GiB ring");
    CHECK(TACHYON_MAX_MESSAGE == 0xffffffc0u);
    t_sock_name(name, sizeof(name), "bigring", 1);
    t_pair(name, BIG, &cons, &prod);
    CHECK(tachyon_capacity(prod) == BIG);
    CHECK(tachyon_max_message_size(prod) == TACHYON_MAX_MESSAGE);
    CHECK(tachyon_max_message_size(cons) == TACHYON_MAX_MESSAGE);
    /* 2^32 would be written as size 0 by a 32-bit field: refused, with the limit said. */
    CHECK(tachyon_acquire_tx(prod, (size_t)1 << 32) == NULL);
    CHECK_ERR(tachyon_last_error_detail(prod, &d), TACHYON_ERR_TOO_LARGE);
    CHECK(d.size == ((uint64_t)1 << 32) && d.limit == TACHYON_MAX_MESSAGE);
    CHECK(tachyon_acquire_tx(prod, (size_t)TACHYON_MAX_MESSAGE + 1) == NULL);
    CHECK_ERR(tachyon_last_error(prod), TACHYON_ERR_TOO_LARGE);
    /* The largest one is accepted (reserved, then rolled back: nothing is written). */
    CHECK(tachyon_acquire_tx(prod, TACHYON_MAX_MESSAGE) != NULL);
    CHECK_ERR(tachyon_rollback_tx(prod), TACHYON_OK);
    for (uint64_t i = 0; i < 1000; i++) {
        size_t size = 8 + (size_t)(i % 200);
        const uint8_t *m;
        uint32_t type;
        size_t got;
        t_fill(buf, size, i);
        CHECK_ERR(tachyon_send(prod, buf, size, 3), TACHYON_OK);
        CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
        m = tachyon_acquire_rx(cons, &type, &got);
        CHECK(m != NULL && type == 3 && got == size && t_verify(m, got, i));
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    }
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(cons);

    t_sock_name(name, sizeof(name), "bigfanout", 1);
    CHECK_ERR(tachyon_fanout_listen(name, BIG, TACHYON_LAG_BLOCK, NULL, &pub), TACHYON_OK);
    CHECK(tachyon_fanout_max_message_size(pub) == TACHYON_MAX_MESSAGE);
    CHECK(tachyon_fanout_acquire_tx(pub, (size_t)1 << 32) == NULL);
    CHECK_ERR(tachyon_fanout_last_error(pub), TACHYON_ERR_TOO_LARGE);
    tachyon_fanout_destroy(pub);
    printf("PASS: an 8 GiB ring takes messages up to %u bytes\n", TACHYON_MAX_MESSAGE);
    return T_PASS;
}
