/* Description: security: a listener's socket file is a socket of mode 0600 owned by the listener's uid while it waits, even under umask 0 (so no other uid can even connect), and it is gone once the listener returns. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fault.h"

int main(void)
{
    char dir[] = "/tmp/tachyon-mode-XXXXXX", path[64];
    tachyon_options_t o = {.timeout_ns = 20000 * 1000000LL};
    struct t_listener l;
    tachyon_bus_t *prod;
    struct stat st;
    int seen = 0;

    CHECK(mkdtemp(dir) != NULL);
    CHECK(chmod(dir, 0755) == 0);
    snprintf(path, sizeof(path), "%s/bus.sock", dir);
    umask(0); /* the most permissive: any mode bits the library leaves would show */
    t_listener_start(&l, path, 4096, &o);
    /* Watch the file from the moment it appears: it must never be open to others
     * while anyone could connect (bind happens before chmod, but listen after). */
    for (int i = 0; i < 20000 && !seen; i++) {
        if (lstat(path, &st) == 0) {
            int fd = socket(AF_UNIX, SOCK_STREAM, 0);
            struct sockaddr_un addr;
            CHECK(fd >= 0);
            memset(&addr, 0, sizeof(addr));
            addr.sun_family = AF_UNIX;
            snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
            if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
                /* Connectable: the mode must already be final. */
                CHECK(lstat(path, &st) == 0);
                seen = 1;
            }
            close(fd);
        } else {
            usleep(50);
        }
    }
    CHECK(seen);
    CHECK(S_ISSOCK(st.st_mode));
    if ((st.st_mode & 07777) != 0600) {
        fprintf(stderr, "socket mode %o, expected 0600\n", (unsigned)(st.st_mode & 07777));
        return T_FAIL;
    }
    CHECK(st.st_uid == getuid());
    /* The probe connection above was dropped (it sent nothing); a real one works. */
    CHECK_ERR(tachyon_bus_connect(path, &prod), TACHYON_OK);
    CHECK_ERR(t_listener_join(&l), TACHYON_OK);
    CHECK(lstat(path, &st) != 0 && errno == ENOENT);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(l.bus);
    CHECK(rmdir(dir) == 0);
    return T_PASS;
}
