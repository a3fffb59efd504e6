/* Description: a consumer SIGKILLed while the producer is blocked on a full ring: the blocked send returns PEER_GONE within 250 ms of the death (t_death_watch), later sends say PEER_GONE at once, and tachyon_peer_alive reports 0. */
#include "helpers.h"

static pid_t victim;
static int64_t killed_at;
static struct t_death_watch dw;

static void *killer(void *arg)
{
    (void)arg;
    t_sleep_ms(300); /* long enough for the producer to fill the ring and sleep */
    t_death_watch(&dw, victim);
    __atomic_store_n(&killed_at, t_now_ns(), __ATOMIC_SEQ_CST);
    kill(victim, SIGKILL);
    return NULL;
}

int main(void)
{
    char name[128];
    tachyon_bus_t *prod;
    tachyon_stats_t st;
    tachyon_error_t err;
    pthread_t th;
    uint8_t buf[100] = {0};
    uint64_t sent = 0;
    int64_t gone_after, dead_at, noticed_at;

    t_sock_name(name, sizeof(name), "ckill", 1);
    victim = fork();
    CHECK(victim >= 0);
    if (victim == 0) {
        tachyon_bus_t *cons;
        if (tachyon_bus_listen(name, 4096, &cons) != TACHYON_OK)
            _exit(2);
        for (int i = 0; i < 10; i++) { /* read a little, then stop reading */
            if (!tachyon_acquire_rx_blocking(cons, NULL, NULL, 100))
                _exit(3);
            tachyon_commit_rx(cons);
        }
        for (;;)
            pause();
    }
    CHECK_ERR(tachyon_bus_connect(name, &prod), TACHYON_OK);
    CHECK(tachyon_peer_alive(prod) == 1);
    CHECK(pthread_create(&th, NULL, killer, NULL) == 0);
    for (;;) {
        err = tachyon_send_blocking(prod, buf, sizeof(buf), 1, 10ll * 1000000000);
        if (err != TACHYON_OK)
            break;
        sent++;
    }
    noticed_at = t_now_ns();
    CHECK(pthread_join(th, NULL) == 0);
    dead_at = t_death_at(&dw, killed_at);
    gone_after = noticed_at - dead_at; /* below 0 when we noticed before the watch thread woke */
    CHECK_ERR(err, TACHYON_ERR_PEER_GONE);
    printf("sent %llu, PEER_GONE %.1f ms after the death (%.1f ms from the kill to the death)\n",
           (unsigned long long)sent, (double)gone_after / 1e6, (double)(dead_at - killed_at) / 1e6);
    CHECK(sent >= 4096 / 128); /* it did fill the ring before blocking */
    CHECK(noticed_at >= __atomic_load_n(&killed_at, __ATOMIC_SEQ_CST)); /* never PEER_GONE before the kill */
    CHECK(gone_after < 250ll * 1000000);
    CHECK_ERR(tachyon_get_stats(prod, &st), TACHYON_OK);
    CHECK(st.sleeps > 0 && st.full_events > 0);
    CHECK_ERR(tachyon_send(prod, buf, sizeof(buf), 1), TACHYON_ERR_PEER_GONE);
    CHECK(tachyon_acquire_tx_blocking(prod, 10, -1) == NULL);
    CHECK_ERR(tachyon_last_error(prod), TACHYON_ERR_PEER_GONE);
    CHECK(tachyon_peer_alive(prod) == 0);
    CHECK(t_wait_child(victim, 5000) != -1);
    tachyon_bus_destroy(prod);
    return T_PASS;
}
