/* Description: connect with nobody listening fails with NO_LISTENER once its timeout passes (path and abstract name); listen with a timeout and no connector fails with TIMEOUT and removes its socket file. */
#include <sys/stat.h>

#include "helpers.h"

int main(void)
{
    char name[128];
    tachyon_options_t o = {.timeout_ns = 200 * 1000000LL};
    tachyon_bus_t *bus = NULL;
    struct stat st;
    int64_t t0;

    t_sock_name(name, sizeof(name), "nobody-path", 0);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_connect_ex(name, &o, &bus), TACHYON_ERR_NO_LISTENER);
    CHECK(t_now_ns() - t0 >= 150ll * 1000000); /* it retried until the deadline */
    t_sock_name(name, sizeof(name), "nobody-abs", 1);
    CHECK_ERR(tachyon_bus_connect_ex(name, &o, &bus), TACHYON_ERR_NO_LISTENER);
    CHECK(bus == NULL);

    t_sock_name(name, sizeof(name), "lonely", 0);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_listen_ex(name, 1024, &o, &bus), TACHYON_ERR_TIMEOUT);
    CHECK(t_now_ns() - t0 >= 190ll * 1000000);
    CHECK(bus == NULL);
    CHECK(stat(name, &st) != 0 && errno == ENOENT);
    return T_PASS;
}
