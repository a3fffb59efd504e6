/* Description: listen/connect over a filesystem socket path: the socket file is 0600 while listening and removed afterwards, both sides learn role, capacity and maximum size, and one message crosses. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "helpers.h"

/* A connect to `path` now is refused (nobody listens there yet). */
static int probe_refused(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int r, e;

    if (fd < 0)
        return 0;
    if (strlen(path) >= sizeof(a.sun_path))
        return 0;
    memcpy(a.sun_path, path, strlen(path) + 1);
    r = connect(fd, (const struct sockaddr *)&a, sizeof(a));
    e = errno;
    close(fd);
    return r != 0 && e == ECONNREFUSED;
}

int main(void)
{
    char path[128];
    struct t_listener l;
    struct stat st;
    tachyon_bus_t *prod = NULL;
    uint32_t type = 0;
    size_t size = 0;
    const void *msg;
    int seen = 0;

    t_sock_name(path, sizeof(path), "hs-path", 0);
    t_listener_start(&l, path, 4096, NULL);
    /* The socket is 0600 before anyone can connect: bind() creates it with the
     * umask's mode and the listener chmods it before listen(), so a poll may
     * catch it in between, but then a connect must still be refused. */
    for (int i = 0; i < 2000 && !seen; i++) {
        if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
            if ((st.st_mode & 0777) == 0600) {
                seen = 1;
                continue;
            }
            CHECK(probe_refused(path));
        }
        t_sleep_ms(1);
    }
    CHECK(seen);

    CHECK_ERR(tachyon_bus_connect(path, &prod), TACHYON_OK);
    CHECK_ERR(t_listener_join(&l), TACHYON_OK);
    CHECK(l.bus != NULL && prod != NULL);
    CHECK(stat(path, &st) != 0 && errno == ENOENT);

    CHECK(tachyon_bus_role(l.bus) == TACHYON_ROLE_CONSUMER);
    CHECK(tachyon_bus_role(prod) == TACHYON_ROLE_PRODUCER);
    CHECK(tachyon_capacity(l.bus) == 4096 && tachyon_capacity(prod) == 4096);
    CHECK(tachyon_max_message_size(l.bus) == 4096 / 2 - 16);
    CHECK(tachyon_max_message_size(prod) == 4096 / 2 - 16);
    CHECK(tachyon_schema_fingerprint(prod) == 0);
    CHECK(tachyon_peer_alive(prod) == 1);
    CHECK(tachyon_peer_alive(l.bus) == 1);

    CHECK_ERR(tachyon_send(prod, "hello, tachyon", 15, 7), TACHYON_OK);
    CHECK(tachyon_acquire_rx(l.bus, &type, &size) == NULL);
    CHECK(tachyon_last_error(l.bus) == TACHYON_ERR_EMPTY); /* not published before the flush */
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
    msg = tachyon_acquire_rx(l.bus, &type, &size);
    CHECK(msg != NULL);
    CHECK(((uintptr_t)msg & 15) == 0);
    CHECK(type == 7 && size == 15 && memcmp(msg, "hello, tachyon", 15) == 0);
    CHECK_ERR(tachyon_commit_rx(l.bus), TACHYON_OK);

    tachyon_bus_destroy(prod);
    CHECK(tachyon_acquire_rx(l.bus, &type, &size) == NULL);
    CHECK(tachyon_last_error(l.bus) == TACHYON_ERR_PEER_GONE);
    CHECK(tachyon_peer_alive(l.bus) == 0);
    tachyon_bus_destroy(l.bus);
    return T_PASS;
}
