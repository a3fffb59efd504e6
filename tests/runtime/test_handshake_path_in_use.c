/* Description: a path held by a regular file or by a live listener is refused with ADDR_IN_USE; the file is left intact and the live listener still serves its connector. */
#include <fcntl.h>
#include <sys/stat.h>

#include "rawpeer.h"

int main(void)
{
    char path[128];
    tachyon_options_t o = {0};
    tachyon_bus_t *bus = NULL, *prod = NULL;
    struct t_listener l;
    struct stat st;
    int fd;

    /* A regular file. */
    t_sock_name(path, sizeof(path), "inuse-file", 0);
    fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "data", 4) == 4);
    close(fd);
    CHECK_ERR(tachyon_bus_listen(path, 1024, &bus), TACHYON_ERR_ADDR_IN_USE);
    CHECK(bus == NULL);
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4);
    unlink(path);

    /* A live listener (filesystem path, then abstract name). */
    for (int abstract = 0; abstract < 2; abstract++) {
        t_sock_name(path, sizeof(path), "inuse-live", abstract);
        o.timeout_ns = 10000 * 1000000LL;
        t_listener_start(&l, path, 1024, &o);
        /* Wait until it listens: a bare connect that hangs up at once (the
         * listener drops it like any connector that says nothing). */
        fd = raw_connect(path);
        CHECK(fd >= 0);
        close(fd);
        CHECK_ERR(tachyon_bus_listen_ex(path, 1024, &o, &bus), TACHYON_ERR_ADDR_IN_USE);
        CHECK(bus == NULL);
        /* It was not displaced: it still accepts a connector (after dropping
         * the probe connection the second listen used, if any). */
        CHECK_ERR(tachyon_bus_connect(path, &prod), TACHYON_OK);
        CHECK_ERR(t_listener_join(&l), TACHYON_OK);
        tachyon_bus_destroy(prod);
        tachyon_bus_destroy(l.bus);
    }
    return T_PASS;
}
