/* Description: a connector facing a listener that never answers keeps its deadline: TIMEOUT when the socket accepts the connection but no WELCOME comes, NO_LISTENER when the listen backlog is full and nobody accepts. */
#include "rawpeer.h"

int main(void)
{
    char name[128];
    tachyon_options_t o = {.timeout_ns = 300 * 1000000LL};
    tachyon_bus_t *bus = NULL;
    int lfd, filler[64], nfill = 0;
    int64_t t0, took;

    /* Connected (the kernel queues it), but nobody speaks. */
    t_sock_name(name, sizeof(name), "mute", 1);
    lfd = raw_listen(name);
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_connect_ex(name, &o, &bus), TACHYON_ERR_TIMEOUT);
    took = t_now_ns() - t0;
    CHECK(took >= 290ll * 1000000 && took < 5ll * 1000000000);
    close(lfd);

    /* A backlog that is full: connect() itself would wait. */
    t_sock_name(name, sizeof(name), "full", 1);
    {
        struct sockaddr_un sun;
        socklen_t len = raw_addr(name, &sun);
        lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHECK(lfd >= 0);
        CHECK(bind(lfd, (struct sockaddr *)&sun, len) == 0);
        CHECK(listen(lfd, 0) == 0);
        for (nfill = 0; nfill < 64; nfill++) {
            int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
            CHECK(fd >= 0);
            if (connect(fd, (struct sockaddr *)&sun, len) != 0) {
                CHECK(errno == EAGAIN);
                close(fd);
                break;
            }
            filler[nfill] = fd;
        }
        CHECK(nfill < 64); /* the backlog did fill up */
    }
    t0 = t_now_ns();
    CHECK_ERR(tachyon_bus_connect_ex(name, &o, &bus), TACHYON_ERR_NO_LISTENER);
    took = t_now_ns() - t0;
    CHECK(took < 5ll * 1000000000);
    CHECK(bus == NULL);
    for (int i = 0; i < nfill; i++)
        close(filler[i]);
    close(lfd);
    return T_PASS;
}
