/* Description: a socket path or abstract name that does not fit sockaddr_un is PATH_TOO_LONG for both listen and connect (never truncated); the longest path that fits (107 bytes + NUL) and the longest abstract name (107 bytes) work. */
#include <sys/stat.h>
#include <sys/un.h>

#include "helpers.h"

int main(void)
{
    char path[256], dir[256];
    struct sockaddr_un sun;
    tachyon_bus_t *bus = NULL, *cons, *prod;
    size_t max = sizeof(sun.sun_path) - 1; /* bytes before the NUL */
    size_t n;

    memset(path, 'a', sizeof(path));
    path[0] = '/';
    path[max + 1] = '\0'; /* one byte too many */
    CHECK_ERR(tachyon_bus_listen(path, 1024, &bus), TACHYON_ERR_PATH_TOO_LONG);
    CHECK_ERR(tachyon_bus_connect(path, &bus), TACHYON_ERR_PATH_TOO_LONG);
    /* An abstract name has no NUL but a leading one: '@' + max + 1 bytes. */
    path[0] = '@';
    path[max + 1] = 'a';
    path[max + 2] = '\0';
    CHECK_ERR(tachyon_bus_listen(path, 1024, &bus), TACHYON_ERR_PATH_TOO_LONG);
    CHECK_ERR(tachyon_bus_connect(path, &bus), TACHYON_ERR_PATH_TOO_LONG);
    CHECK(bus == NULL);
    CHECK_ERR(tachyon_bus_listen("", 1024, &bus), TACHYON_ERR_INVALID_ARG);
    CHECK_ERR(tachyon_bus_listen("@", 1024, &bus), TACHYON_ERR_INVALID_ARG);

    /* Exactly `max` bytes: a directory under /tmp padded to length. */
    n = (size_t)snprintf(dir, sizeof(dir), "/tmp/tachyon-test-%ld-long", (long)getpid());
    CHECK(mkdir(dir, 0700) == 0);
    CHECK(n + 1 < max);
    memcpy(path, dir, n);
    path[n++] = '/';
    memset(path + n, 's', max - n);
    path[max] = '\0';
    CHECK(strlen(path) == max);
    t_pair(path, 1024, &cons, &prod);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(cons);

    /* The abstract name of the maximum length works too. */
    memset(path, 'b', sizeof(path));
    path[0] = '@';
    snprintf(path + 1, 32, "tt-%ld-", (long)getpid());
    path[strlen(path)] = 'b';
    path[max + 1] = '\0'; /* '@' + max bytes */
    t_pair(path, 1024, &cons, &prod);
    tachyon_bus_destroy(prod);
    tachyon_bus_destroy(cons);
    rmdir(dir);
    return T_PASS;
}
