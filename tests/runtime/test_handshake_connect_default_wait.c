/* Description: the documented default connect wait: with nobody listening, tachyon_bus_connect (no options) keeps retrying for TACHYON_CONNECT_DEFAULT_NS (5 s), then fail with NO_LISTENER; a listener that appears within the wait is found. */
#include "helpers.h"

int main(void)
{
    char name[128];
    tachyon_bus_t *bus = NULL;
    int64_t t0, took;

    CHECK(TACHYON_CONNECT_DEFAULT_NS == 5000000000ll);
    t_sock_name(name, sizeof(name), "default-wait", 1);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_connect(name, &bus), TACHYON_ERR_NO_LISTENER);
    took = t_now_ns() - t0;
    CHECK(bus == NULL);
    CHECK(took >= TACHYON_CONNECT_DEFAULT_NS);
    CHECK(took < TACHYON_CONNECT_DEFAULT_NS + 10000000000ll); /* a hang guard, not a speed check */

    /* A listener that comes up a little later is found by the default wait. */
    t_sock_name(name, sizeof(name), "default-late", 1);
    {
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
            tachyon_bus_t *cons = NULL;
            t_sleep_ms(300);
            _exit(tachyon_bus_listen(name, 4096, &cons) == TACHYON_OK ? 0 : 1);
        }
        CHECK_ERR(tachyon_bus_connect(name, &bus), TACHYON_OK);
        tachyon_bus_destroy(bus);
        CHECK(t_exited_with(t_wait_child(child, 10000), 0));
    }
    return T_PASS;
}
