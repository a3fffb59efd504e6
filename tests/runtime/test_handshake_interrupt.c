/* Description: a signal (handler without SA_RESTART) while tachyon_bus_listen waits for a connector returns INTERRUPTED and removes the socket file; listening again on the same path then serves a connector normally. */
#include <sys/stat.h>

#include "helpers.h"

static pthread_t main_thread;
static int stop;

static void on_signal(int sig)
{
    (void)sig;
}

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

int main(void)
{
    char path[128];
    struct sigaction sa;
    tachyon_options_t o = {.timeout_ns = 5000 * 1000000LL};
    tachyon_bus_t *bus = NULL, *cons, *prod;
    struct stat st;
    pthread_t th;
    tachyon_error_t err;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    main_thread = pthread_self();
    t_sock_name(path, sizeof(path), "listen-intr", 0);

    CHECK(pthread_create(&th, NULL, signaller, NULL) == 0);
    err = tachyon_bus_listen_ex(path, 1024, &o, &bus);
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_ERR(err, TACHYON_ERR_INTERRUPTED);
    CHECK(bus == NULL);
    CHECK(stat(path, &st) != 0 && errno == ENOENT);

    t_pair(path, 1024, &cons, &prod);
    CHECK_ERR(tachyon_send(prod, "again", 5, 1), TACHYON_OK);
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
    CHECK(tachyon_acquire_rx(cons, NULL, NULL) != NULL);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(cons);
    return T_PASS;
}
