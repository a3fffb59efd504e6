/* Description: a consumer that only polls with the non-blocking tachyon_acquire_rx still learns that a SIGKILLed producer is gone: it gets the 40 messages the producer committed (8 of them never published), then PEER_GONE within 250 ms of the kill, never an endless EMPTY. */
#include "helpers.h"

#define COMMITTED 40

int main(void)
{
    char name[128];
    tachyon_bus_t *cons;
    int ready[2];
    pid_t child;
    uint64_t got = 0;
    int64_t killed_at = 0, gone_after = -1, give_up;
    char byte;

    t_sock_name(name, sizeof(name), "pollkill", 1);
    CHECK(pipe(ready) == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        tachyon_bus_t *prod;
        close(ready[0]);
        if (tachyon_bus_connect(name, &prod) != TACHYON_OK)
            _exit(2);
        for (uint64_t i = 0; i < COMMITTED; i++) /* 32 are published by the batch, 8 are not */
            t_send(prod, i, 24, 7);
        if (write(ready[1], "k", 1) != 1)
            _exit(3);
        raise(SIGKILL);
        _exit(4);
    }
    close(ready[1]);
    CHECK_ERR(tachyon_bus_listen(name, 1 << 14, &cons), TACHYON_OK);
    CHECK(read(ready[0], &byte, 1) == 1);
    give_up = t_now_ns() + 5ll * 1000000000;
    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *p = tachyon_acquire_rx(cons, &type, &size);
        if (p) {
            CHECK(type == 7 && size == 24);
            CHECK(t_verify(p, size, got));
            CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
            got++;
            continue;
        }
        tachyon_error_t err = tachyon_last_error(cons);
        if (err == TACHYON_ERR_PEER_GONE)
            break;
        CHECK_ERR(err, TACHYON_ERR_EMPTY);
        if (!killed_at && got == 32) {
            /* Everything published was read; the child dies about now. */
            CHECK(t_wait_child(child, 5000) != -1);
            killed_at = t_now_ns();
        }
        CHECK(t_now_ns() < give_up); /* an endless EMPTY is the bug this test is for */
    }
    gone_after = t_now_ns() - killed_at;
    printf("received %llu of %d committed, PEER_GONE %.1f ms after the producer was reaped\n",
           (unsigned long long)got, COMMITTED, (double)gone_after / 1e6);
    CHECK(killed_at != 0);
    CHECK(got == COMMITTED);
    CHECK(gone_after >= 0 && gone_after < 250ll * 1000000);
    CHECK(tachyon_acquire_rx(cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(cons), TACHYON_ERR_PEER_GONE);
    tachyon_bus_destroy(cons);
    return T_PASS;
}
