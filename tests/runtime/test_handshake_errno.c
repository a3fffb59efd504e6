/* Description: listen and connect report what a failure knows through tachyon_error_detail_t: listening in a folder that does not exist is SYSTEM with errno ENOENT (and its text), a connect with nobody listening is NO_LISTENER with the time it waited, a listen that times out says how long it waited; the _until variants honour an absolute deadline, and success leaves a zero detail. */
#include <sys/stat.h>

#include "helpers.h"

#define MS (1000000ll)

struct until_listener {
    pthread_t thread;
    char path[128];
    int64_t deadline;
    tachyon_bus_t *bus;
    tachyon_error_detail_t detail;
    tachyon_error_t err;
};

static void *listen_main(void *arg)
{
    struct until_listener *l = arg;
    l->err = tachyon_bus_listen_until(l->path, 4096, NULL, l->deadline, &l->bus, &l->detail);
    return NULL;
}

int main(void)
{
    char name[128], want[256], got[256];
    tachyon_error_detail_t d;
    tachyon_options_t o = {0};
    tachyon_bus_t *bus = NULL, *prod = NULL;
    struct until_listener l;
    int64_t t0;

    /* A folder that does not exist: the errno survives. */
    snprintf(name, sizeof(name), "/tmp/tachyon-test-%ld-no-such-dir/sock", (long)getpid());
    memset(&d, 0x55, sizeof(d));
    CHECK_ERR(tachyon_bus_listen_until(name, 4096, NULL, TACHYON_FOREVER, &bus, &d), TACHYON_ERR_SYSTEM);
    CHECK(bus == NULL);
    CHECK(d.code == TACHYON_ERR_SYSTEM && d.os_errno == ENOENT && d.waited_ns == 0 && d.size == 0);
    tachyon_format_error(&d, got, sizeof(got));
    snprintf(want, sizeof(want), "unexpected system call failure: %s (errno %d)", strerror(ENOENT), ENOENT);
    CHECK(strcmp(got, want) == 0);
    /* Errors found before any system call carry no errno. */
    CHECK_ERR(tachyon_bus_listen_until("", 4096, NULL, TACHYON_FOREVER, &bus, &d), TACHYON_ERR_INVALID_ARG);
    CHECK(d.code == TACHYON_ERR_INVALID_ARG && d.os_errno == 0);
    CHECK_ERR(tachyon_bus_connect_until("@x", NULL, TACHYON_FOREVER, NULL, &d), TACHYON_ERR_INVALID_ARG);
    CHECK(d.code == TACHYON_ERR_INVALID_ARG);

    /* Nobody listens: NO_LISTENER after the deadline, with the time waited
     * and why the last try failed (no such socket file). */
    t_sock_name(name, sizeof(name), "errno-nobody", 0);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_connect_until(name, NULL, tachyon_now_ns() + 120 * MS, &bus, &d), TACHYON_ERR_NO_LISTENER);
    CHECK(t_now_ns() - t0 >= 100 * MS);
    CHECK(d.code == TACHYON_ERR_NO_LISTENER && d.waited_ns >= 100 * MS && d.waited_ns <= t_now_ns() - t0);
    CHECK(d.os_errno == ENOENT);
    tachyon_format_error(&d, got, sizeof(got));
    CHECK(strstr(got, "no listener on the socket path (waited 0.") == got);
    /* The _ex form takes the wait from the options, in ns. */
    o.timeout_ns = 80 * MS;
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_connect_ex(name, &o, &bus), TACHYON_ERR_NO_LISTENER);
    CHECK(t_now_ns() - t0 >= 60 * MS);
    /* A past deadline makes a single try. */
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_connect_until(name, NULL, 0, &bus, &d), TACHYON_ERR_NO_LISTENER);
    CHECK(t_now_ns() - t0 < 1000 * MS);

    /* A listen with a deadline and no connector: TIMEOUT, time waited. */
    t_sock_name(name, sizeof(name), "errno-lonely", 0);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_listen_until(name, 4096, NULL, t0 + 80 * MS, &bus, &d), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() - t0 >= 80 * MS && d.waited_ns >= 80 * MS && d.os_errno == 0);
    tachyon_format_error(&d, got, sizeof(got));
    CHECK(strstr(got, "timed out (waited 0.") == got);

    /* Success through both _until calls leaves a zero detail. */
    memset(&l, 0, sizeof(l));
    t_sock_name(l.path, sizeof(l.path), "errno-ok", 1);
    l.deadline = tachyon_now_ns() + 10000 * MS;
    CHECK(pthread_create(&l.thread, NULL, listen_main, &l) == 0);
    memset(&d, 0x55, sizeof(d));
    CHECK_ERR(tachyon_bus_connect_until(l.path, NULL, tachyon_now_ns() + 10000 * MS, &prod, &d), TACHYON_OK);
    CHECK(d.code == 0 && d.os_errno == 0 && d.waited_ns == 0 && d.size == 0 && d.limit == 0);
    CHECK(pthread_join(l.thread, NULL) == 0);
    CHECK_ERR(l.err, TACHYON_OK);
    CHECK(l.detail.code == 0 && l.detail.os_errno == 0);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(l.bus);
    return T_PASS;
}
