/* Description: a signal (handler without SA_RESTART) during a blocked receive or a blocked send returns INTERRUPTED; the next call works and no message is lost or duplicated. */
#include "helpers.h"

static volatile sig_atomic_t handled;
static pthread_t main_thread;
static int stop;

static void on_signal(int sig)
{
    (void)sig;
    handled++;
}

/* Signals the main thread every 20 ms until told to stop, so one lands while
 * it sleeps in the futex whatever the timing. */
static void *signaller(void *arg)
{
    (void)arg;
    t_sleep_ms(50);
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
        pthread_kill(main_thread, SIGUSR1);
        t_sleep_ms(20);
    }
    return NULL;
}

static void start_signals(pthread_t *th)
{
    __atomic_store_n(&stop, 0, __ATOMIC_SEQ_CST);
    CHECK(pthread_create(th, NULL, signaller, NULL) == 0);
}

static void stop_signals(pthread_t th)
{
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    CHECK(pthread_join(th, NULL) == 0);
}

int main(void)
{
    struct sigaction sa;
    struct t_arena a;
    pthread_t th;
    uint64_t sent = 0, got = 0;
    const void *msg;
    uint8_t buf[100];
    tachyon_error_t err;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART */
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    main_thread = pthread_self();
    t_arena_open(&a, 1024);

    /* Receive side. */
    t_send(a.prod, sent++, 10, 1);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    t_expect(a.cons, got++, 10, 1);
    start_signals(&th);
    msg = tachyon_acquire_rx_timeout(a.cons, NULL, NULL, 10, 5ll * 1000000000);
    stop_signals(th);
    CHECK(msg == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_INTERRUPTED);
    CHECK(handled > 0);
    t_send(a.prod, sent++, 10, 1);
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    t_expect(a.cons, got++, 10, 1);

    /* Send side: fill the ring, then block. */
    for (;;) {
        uint8_t *slot = tachyon_acquire_tx(a.prod, sizeof(buf));
        if (!slot)
            break;
        t_fill(slot, sizeof(buf), sent++);
        CHECK_ERR(tachyon_commit_tx(a.prod, sizeof(buf), 2), TACHYON_OK);
    }
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_FULL);
    handled = 0;
    t_fill(buf, sizeof(buf), sent);
    start_signals(&th);
    err = tachyon_send_blocking(a.prod, buf, sizeof(buf), 2, 5ll * 1000000000);
    stop_signals(th);
    CHECK_ERR(err, TACHYON_ERR_INTERRUPTED);
    CHECK(handled > 0);
    /* The consumer frees one slot; the retried send goes through. */
    t_expect(a.cons, got++, sizeof(buf), 2);
    CHECK_ERR(tachyon_send_blocking(a.prod, buf, sizeof(buf), 2, 5ll * 1000000000), TACHYON_OK);
    sent++;
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    while (got < sent)
        t_expect(a.cons, got++, sizeof(buf), 2);
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_EMPTY);
    t_arena_close(&a);
    return T_PASS;
}
