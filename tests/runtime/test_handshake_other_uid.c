/* Description: a connector running as another uid (fork + setuid(65534), needs root) is refused: on an abstract name the listener's SO_PEERCRED check answers PERMISSION and keeps waiting for a good connector; on a 0600 path the connect itself is denied (PERMISSION). */
#include <sys/stat.h>

#include "helpers.h"

/* Forks a child that drops to uid 65534 and connects; returns its error. */
static tachyon_error_t connect_as_nobody(const char *name)
{
    int pipefd[2];
    tachyon_error_t err = TACHYON_ERR__COUNT;
    pid_t pid;

    CHECK(pipe(pipefd) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        tachyon_bus_t *bus = NULL;
        tachyon_options_t o = {.timeout_ns = 3000 * 1000000LL};
        close(pipefd[0]);
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        err = tachyon_bus_connect_ex(name, &o, &bus);
        if (write(pipefd[1], &err, sizeof(err)) != sizeof(err))
            _exit(3);
        tachyon_bus_destroy(bus);
        _exit(0);
    }
    close(pipefd[1]);
    CHECK(read(pipefd[0], &err, sizeof(err)) == sizeof(err));
    close(pipefd[0]);
    CHECK(t_exited_with(t_wait_child(pid, 10000), 0));
    return err;
}

int main(void)
{
    char name[128];
    tachyon_options_t o = {.timeout_ns = 20000 * 1000000LL};
    struct t_listener l;
    tachyon_bus_t *prod = NULL;

    if (geteuid() != 0)
        t_skip("needs root to setuid");

    /* Abstract: reachable by anyone, so the uid check does the refusing. */
    t_sock_name(name, sizeof(name), "uid-abs", 1);
    t_listener_start(&l, name, 1024, &o);
    CHECK_ERR(connect_as_nobody(name), TACHYON_ERR_PERMISSION);
    CHECK_ERR(tachyon_bus_connect(name, &prod), TACHYON_OK); /* the listener kept waiting */
    CHECK_ERR(t_listener_join(&l), TACHYON_OK);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(l.bus);

    /* Path: the 0600 socket file keeps the other uid out. */
    t_sock_name(name, sizeof(name), "uid-path", 0);
    t_listener_start(&l, name, 1024, &o);
    for (int i = 0; i < 2000 && access(name, F_OK) != 0; i++)
        t_sleep_ms(1);
    CHECK_ERR(connect_as_nobody(name), TACHYON_ERR_PERMISSION);
    CHECK_ERR(tachyon_bus_connect(name, &prod), TACHYON_OK);
    CHECK_ERR(t_listener_join(&l), TACHYON_OK);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(l.bus);
    return T_PASS;
}
