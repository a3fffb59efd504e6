/* Description: listen/connect on an abstract-namespace name ("@name") works, creates no file, and a message crosses; the same name can be listened on again afterwards. */
#include <sys/stat.h>

#include "helpers.h"

int main(void)
{
    char name[128];
    struct stat st;
    tachyon_bus_t *cons, *prod;
    uint32_t type;
    size_t size;
    const char *msg;

    t_sock_name(name, sizeof(name), "abstract", 1);
    for (int round = 0; round < 2; round++) {
        t_pair(name, 1024, &cons, &prod);
        CHECK(stat(name + 1, &st) != 0); /* nothing named after it on disk */
        CHECK_ERR(tachyon_send(prod, "abc", 3, 42), TACHYON_OK);
        CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
        msg = tachyon_acquire_rx_blocking(cons, &type, &size, 100);
        CHECK(msg && type == 42 && size == 3 && memcmp(msg, "abc", 3) == 0);
        CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
        tachyon_bus_destroy(prod);
        tachyon_bus_destroy(cons);
    }
    return T_PASS;
}
