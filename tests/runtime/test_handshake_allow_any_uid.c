/* Description: with TACHYON_OPT_ALLOW_ANY_UID a connector of another uid (fork + setuid(65534), needs root) is accepted on an abstract name and its messages arrive. */
#include "helpers.h"

int main(void)
{
    char name[128];
    tachyon_options_t o = {.timeout_ns = 20000 * 1000000LL, .flags = TACHYON_OPT_ALLOW_ANY_UID};
    tachyon_bus_t *cons;
    uint32_t type;
    size_t size;
    const void *msg;
    pid_t pid;

    if (geteuid() != 0)
        t_skip("needs root to setuid");
    t_sock_name(name, sizeof(name), "anyuid", 1);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        tachyon_bus_t *prod = NULL;
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        if (tachyon_bus_connect(name, &prod) != TACHYON_OK)
            _exit(3);
        if (tachyon_send(prod, "nobody", 6, 5) != TACHYON_OK)
            _exit(4);
        tachyon_bus_destroy(prod);
        _exit(0);
    }
    CHECK_ERR(tachyon_bus_listen_ex(name, 1024, &o, &cons), TACHYON_OK);
    msg = tachyon_acquire_rx_timeout(cons, &type, &size, 100, 5ll * 1000000000);
    CHECK(msg && type == 5 && size == 6 && memcmp(msg, "nobody", 6) == 0);
    CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    CHECK(t_exited_with(t_wait_child(pid, 10000), 0));
    tachyon_bus_destroy(cons);
    return T_PASS;
}
