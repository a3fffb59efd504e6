/* Description: a stale socket file left by a dead listener (bound, never unlinked, nobody listening) is replaced by tachyon_bus_listen, which then serves a connector normally. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "helpers.h"

int main(void)
{
    char path[128];
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct stat st;
    tachyon_bus_t *cons, *prod;
    int fd;

    t_sock_name(path, sizeof(path), "stale", 0);
    /* Leave a socket file behind the way a crashed listener would. */
    CHECK(strlen(path) < sizeof(sun.sun_path));
    memcpy(sun.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
    close(fd);
    CHECK(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode));

    t_pair(path, 1024, &cons, &prod);
    CHECK_ERR(tachyon_send(prod, "x", 1, 1), TACHYON_OK);
    CHECK_ERR(tachyon_flush(prod), TACHYON_OK);
    CHECK(tachyon_acquire_rx(cons, NULL, NULL) != NULL);
    CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
    CHECK(lstat(path, &st) != 0); /* the listener removed its path when done */
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(cons);
    return T_PASS;
}
