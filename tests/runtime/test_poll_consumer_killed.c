/* Description: a producer that only polls with the non-blocking tachyon_send on a full ring still learns that a SIGKILLed consumer is gone: FULL turns into PEER_GONE within 250 ms of the death (the kill, or when the kernel reports the process gone if that is later: see t_death_watch), never an endless FULL. */
#include "helpers.h"

int main(void)
{
    char name[128];
    tachyon_bus_t *prod;
    pid_t child;
    uint8_t buf[100] = {0};
    uint64_t sent = 0, full = 0;
    int64_t killed_at, dead_at, gone_after, give_up;
    struct t_death_watch dw;
    tachyon_error_t err;

    t_sock_name(name, sizeof(name), "pollckill", 1);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        tachyon_bus_t *cons;
        if (tachyon_bus_listen(name, 4096, &cons) != TACHYON_OK)
            _exit(2);
        for (;;) /* never reads */
            pause();
    }
    CHECK_ERR(tachyon_bus_connect(name, &prod), TACHYON_OK);
    while ((err = tachyon_send(prod, buf, sizeof(buf), 1)) == TACHYON_OK)
        sent++;
    CHECK_ERR(err, TACHYON_ERR_FULL);
    CHECK(sent >= 4096 / 128 - 1);
    t_death_watch(&dw, child);
    CHECK(kill(child, SIGKILL) == 0);
    killed_at = t_now_ns();
    give_up = killed_at + 5ll * 1000000000;
    while ((err = tachyon_send(prod, buf, sizeof(buf), 1)) == TACHYON_ERR_FULL) {
        full++;
        CHECK(t_now_ns() < give_up); /* an endless FULL is the bug this test is for */
    }
    gone_after = t_now_ns();
    dead_at = t_death_at(&dw, killed_at);
    gone_after -= dead_at;
    printf("filled the ring with %llu messages; %llu more FULL answers, then %s %.1f ms after the death (%.1f ms "
           "from the kill to the death)\n",
           (unsigned long long)sent, (unsigned long long)full, tachyon_strerror(err), (double)gone_after / 1e6,
           (double)(dead_at - killed_at) / 1e6);
    CHECK_ERR(err, TACHYON_ERR_PEER_GONE);
    CHECK(gone_after < 250ll * 1000000);
    CHECK(tachyon_acquire_tx(prod, 10) == NULL);
    CHECK_ERR(tachyon_last_error(prod), TACHYON_ERR_PEER_GONE);
    CHECK(t_wait_child(child, 5000) != -1);
    tachyon_bus_destroy(prod);
    return T_PASS;
}
