/* Description: a fan-in's table and checks: 64 producers attach at once and each message names its own sender; the 65th connector is hung up on (HANDSHAKE on its side) while the 64 keep working; a producer with another schema fingerprint is refused with SCHEMA_MISMATCH, a fan-out subscriber with ABI_MISMATCH, and the fan-in goes on serving; a slot freed by a leaving producer is reused, with a new sender id; bad arguments are refused. */
#include "helpers.h"

int main(void)
{
    char name[128];
    tachyon_fanin_t *fi;
    tachyon_bus_t *prod[TACHYON_MAX_MEMBERS], *extra;
    tachyon_options_t fp = {.schema_fingerprint = 0xabc};
    tachyon_sub_t *sub;
    uint64_t seen[TACHYON_MAX_MEMBERS] = {0};
    tachyon_sender_t from;
    uint32_t type;
    size_t size;

    snprintf(name, sizeof(name), "@tachyon-test-%ld-fanin-table", (long)getpid());
    CHECK_ERR(tachyon_fanin_listen(name, 1000, NULL, &fi), TACHYON_ERR_CAPACITY);
    CHECK_ERR(tachyon_fanin_listen(name, 4096, NULL, NULL), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_fanin_listen("", 4096, NULL, &fi), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_fanin_listen(name, 4096, NULL, &fi), TACHYON_OK);
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        CHECK_ERR(tachyon_bus_connect(name, &prod[i]), TACHYON_OK);
    while (tachyon_fanin_producers(fi) < TACHYON_MAX_MEMBERS)
        t_sleep_ms(1);
    /* The 65th: no slot, hung up on. */
    CHECK_ERR(tachyon_bus_connect(name, &extra), TACHYON_ERR_HANDSHAKE);
    /* Mismatches are refused; the fan-in goes on. */
    CHECK_ERR(tachyon_bus_connect_ex(name, &fp, &extra), TACHYON_ERR_HANDSHAKE); /* still full */
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++) {
        CHECK_ERR(tachyon_send(prod[i], &i, sizeof(i), i), TACHYON_OK);
        CHECK_ERR(tachyon_flush(prod[i]), TACHYON_OK);
    }
    for (unsigned k = 0; k < TACHYON_MAX_MEMBERS; k++) {
        const void *p = tachyon_fanin_acquire_rx_until(fi, &type, &size, &from, tachyon_now_ns() + 5000000000ll);
        unsigned who;
        CHECK(p && size == sizeof(who));
        memcpy(&who, p, sizeof(who));
        CHECK(who == type && who < TACHYON_MAX_MEMBERS && seen[who] == 0);
        CHECK(from.id >= 1 && from.id <= TACHYON_MAX_MEMBERS && from.pid == (uint32_t)getpid());
        seen[who] = from.id;
        CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
    }
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        for (unsigned j = 0; j < i; j++)
            CHECK(seen[i] != seen[j]); /* one sender id per producer */
    /* One leaves: its slot is reused by the next, under a new id. */
    tachyon_bus_destroy(prod[5]);
    while (tachyon_fanin_producers(fi) == TACHYON_MAX_MEMBERS) {
        CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, &from) == NULL); /* drops the one that left */
        t_sleep_ms(1);
    }
    CHECK_ERR(tachyon_bus_connect_ex(name, &fp, &extra), TACHYON_ERR_SCHEMA_MISMATCH);
    CHECK_ERR(tachyon_sub_connect_until(name, NULL, 0, tachyon_now_ns() + 2000000000ll, &sub, NULL),
              TACHYON_ERR_ABI_MISMATCH);
    CHECK_ERR(tachyon_bus_connect(name, &prod[5]), TACHYON_OK);
    CHECK_ERR(tachyon_send(prod[5], "new", 3, 77), TACHYON_OK);
    CHECK_ERR(tachyon_flush(prod[5]), TACHYON_OK);
    CHECK(tachyon_fanin_acquire_rx_until(fi, &type, &size, &from, tachyon_now_ns() + 5000000000ll) != NULL);
    CHECK(type == 77 && from.id == TACHYON_MAX_MEMBERS + 1);
    CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_OK);
    CHECK_ERR(tachyon_fanin_commit_rx(fi), TACHYON_ERR_STATE);
    CHECK(tachyon_fanin_acquire_rx(fi, &type, &size, &from) == NULL);
    CHECK_ERR(tachyon_fanin_last_error(fi), TACHYON_ERR_EMPTY);
    tachyon_fanin_destroy(fi);
    /* Its producers see the consumer gone. */
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++) {
        CHECK(!tachyon_peer_alive(prod[i]));
        tachyon_bus_destroy(prod[i]);
    }
    printf("PASS: a full fan-in table, refusals, a reused slot\n");
    return T_PASS;
}
