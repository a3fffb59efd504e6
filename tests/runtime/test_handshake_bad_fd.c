/* Description: a listener that passes something other than a sealed, mappable memfd is a broken handshake: a pipe, a socket, and a memfd that cannot be mapped writable (write-sealed) all fail the connector with HANDSHAKE (not CAPACITY or NO_MEMORY) and the ACK carries HANDSHAKE back. */
#include <sys/socket.h>

#include "rawpeer.h"

/* A forged listener hands `fd` to a real connector, which must refuse it. */
static void expect_refused(const char *tag, int fd)
{
    char name[128];
    uint8_t rec[RAW_REC];
    struct raw_listener r;
    tachyon_bus_t *bus = NULL;
    tachyon_options_t o = {0};

    memset(&r, 0, sizeof(r));
    t_sock_name(name, sizeof(name), tag, 1);
    raw_welcome(rec, 0, 8192, 0);
    memcpy(r.welcome, rec, RAW_REC);
    r.seg_fd = fd;
    raw_listener_start(&r, name);
    o.timeout_ns = 5000 * 1000000ll;
    CHECK_ERR(tachyon_bus_connect_ex(name, &o, &bus), TACHYON_ERR_HANDSHAKE);
    CHECK(bus == NULL);
    raw_listener_join(&r);
    CHECK(r.got_hello);
    if (r.ack_status != TACHYON_ERR_HANDSHAKE) {
        fprintf(stderr, "%s: ACK status %lld, expected HANDSHAKE\n", tag, (long long)r.ack_status);
        exit(T_FAIL);
    }
}

int main(void)
{
    struct raw_segment seg = raw_segment_default(8192);
    int fds[2], memfd;

    /* A pipe. */
    CHECK(pipe(fds) == 0);
    close(fds[1]);
    expect_refused("badfd-pipe", fds[0]);
    /* A socket. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    close(fds[1]);
    expect_refused("badfd-sock", fds[0]);
    /* A memfd of the right size, sealed, but write-sealed too: MAP_SHARED
     * with PROT_WRITE is refused (EPERM), so it cannot be the ring. */
    seg.seal = 0;
    memfd = raw_segment_create(&seg);
    CHECK(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0);
    expect_refused("badfd-wseal", memfd);
    return T_PASS;
}
