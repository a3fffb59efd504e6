/* Description: the arena API: size query, format and attach validation (alignment, length, capacity, a role attached twice), a round trip in one process, and destroy leaves the caller's memory formatted so a side can attach again and carry on. */
#include "helpers.h"

int main(void)
{
    struct t_arena a;
    tachyon_bus_t *bus = NULL;
    uint8_t *mem;
    size_t len;

    CHECK(tachyon_arena_size(0) == 0);
    CHECK(tachyon_arena_size(100) == 0);
    CHECK(tachyon_arena_size(128) == 0);
    CHECK(tachyon_arena_size(256) == 4096 + 256);
    CHECK(tachyon_arena_size((size_t)1 << 40) == 4096 + ((size_t)1 << 40));
    CHECK(tachyon_arena_size(((size_t)1 << 40) * 2) == 0);

    len = tachyon_arena_size(1024);
    mem = aligned_alloc(64, len + 64);
    CHECK(mem != NULL);
    CHECK_ERR(tachyon_arena_format(NULL, len, 1024, 0), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_arena_format(mem + 8, len, 1024, 0), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_arena_format(mem, len - 1, 1024, 0), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_arena_format(mem, len, 1000, 0), TACHYON_ERR_CAPACITY);
    /* Attaching to unformatted memory fails on the header, not later. */
    memset(mem, 0, len);
    CHECK_ERR(tachyon_arena_attach(mem, len, TACHYON_ROLE_CONSUMER, &bus), TACHYON_ERR_ABI_MISMATCH);
    CHECK_ERR(tachyon_arena_format(mem, len, 1024, 0xabcdef), TACHYON_OK);
    CHECK_ERR(tachyon_arena_attach(mem, len - 1, TACHYON_ROLE_CONSUMER, &bus), TACHYON_ERR_CAPACITY);
    CHECK_ERR(tachyon_arena_attach(mem + 64, len, TACHYON_ROLE_CONSUMER, &bus), TACHYON_ERR_ABI_MISMATCH);
    CHECK_ERR(tachyon_arena_attach(mem, len, (tachyon_role_t)7, &bus), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_arena_attach(mem, len, TACHYON_ROLE_CONSUMER, NULL), TACHYON_ERR_INVALID_ARG);
    CHECK(bus == NULL);

    /* Attach both sides; a second consumer is refused while the first lives. */
    {
        tachyon_bus_t *prod, *cons, *again = NULL;
        uint32_t type;
        size_t size;
        const void *msg;
        CHECK_ERR(tachyon_arena_attach(mem, len, TACHYON_ROLE_CONSUMER, &cons), TACHYON_OK);
        CHECK_ERR(tachyon_arena_attach(mem, len, TACHYON_ROLE_PRODUCER, &prod), TACHYON_OK);
        CHECK_ERR(tachyon_arena_attach(mem, len, TACHYON_ROLE_CONSUMER, &again), TACHYON_ERR_STATE);
        CHECK(tachyon_schema_fingerprint(cons) == 0xabcdef);
        CHECK(tachyon_capacity(prod) == 1024 && tachyon_max_message_size(prod) == 496);
        CHECK(tachyon_peer_alive(prod) == 1 && tachyon_peer_alive(cons) == 1);
        CHECK_ERR(tachyon_send(prod, "one", 3, 1), TACHYON_OK);
        CHECK_ERR(tachyon_send(prod, "two", 3, 2), TACHYON_OK);
        CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
        msg = tachyon_acquire_rx(cons, &type, &size);
        CHECK(msg && type == 1 && size == 3 && !memcmp(msg, "one", 3));
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        /* The consumer leaves; a new one attaches and continues where it was. */
        tachyon_bus_destroy(cons);
        CHECK(tachyon_peer_alive(prod) == 0);
        CHECK_ERR(tachyon_arena_attach(mem, len, TACHYON_ROLE_CONSUMER, &cons), TACHYON_OK);
        msg = tachyon_acquire_rx(cons, &type, &size);
        CHECK(msg && type == 2 && size == 3 && !memcmp(msg, "two", 3));
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        tachyon_bus_destroy(prod);
        CHECK(tachyon_acquire_rx(cons, &type, &size) == NULL);
        CHECK(tachyon_last_error(cons) == TACHYON_ERR_PEER_GONE);
        tachyon_bus_destroy(cons);
    }
    free(mem);

    /* The helper path used by other tests. */
    t_arena_open(&a, 256);
    t_send(a.prod, 1, 40, 3);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    t_expect(a.cons, 1, 40, 3);
    t_arena_close(&a);
    return T_PASS;
}
