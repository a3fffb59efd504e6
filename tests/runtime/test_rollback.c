/* Description: tachyon_rollback_tx abandons a reservation: nothing is delivered, the same slot is reserved again, and the next committed message arrives intact; rollback or commit without a reservation is STATE. */
#include "helpers.h"

int main(void)
{
    struct t_arena a;
    uint8_t *slot, *again;

    t_arena_open(&a, 1024);
    CHECK_ERR(tachyon_rollback_tx(a.prod), TACHYON_ERR_STATE);
    slot = tachyon_acquire_tx(a.prod, 100);
    CHECK(slot != NULL);
    memset(slot, 0xee, 100);
    CHECK_ERR(tachyon_rollback_tx(a.prod), TACHYON_OK);
    CHECK_ERR(tachyon_rollback_tx(a.prod), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_tx(a.prod, 1, 0), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK(tachyon_last_error(a.cons) == TACHYON_ERR_EMPTY);

    again = tachyon_acquire_tx(a.prod, 100);
    CHECK(again == slot);
    t_fill(again, 20, 5);
    CHECK_ERR(tachyon_commit_tx(a.prod, 20, 9), TACHYON_OK);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    t_expect(a.cons, 5, 20, 9);
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);

    /* A rollback of a reservation that would have wrapped writes no marker. */
    for (uint64_t i = 0; i < 6; i++)
        t_send(a.prod, i, 100, 1); /* 6 x 128 bytes: write index 64 + 768 = 832 */
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    for (uint64_t i = 0; i < 6; i++)
        t_expect(a.cons, i, 100, 1);
    slot = tachyon_acquire_tx(a.prod, 400); /* does not fit before the end: next lap */
    CHECK(slot == (uint8_t *)a.mem + 4096 + 16);
    CHECK_ERR(tachyon_rollback_tx(a.prod), TACHYON_OK);
    t_send(a.prod, 77, 100, 2); /* fits before the end: no wrap */
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    t_expect(a.cons, 77, 100, 2);
    t_arena_close(&a);
    return T_PASS;
}
