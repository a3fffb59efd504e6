/* Description: the wake fds of a handshake are checked as hostile input. A connector refuses a WELCOME whose byte 32 has an unknown bit, announces fds that did not come or sends fds it did not announce, passes a pipe, an eventfd (ABI 2's kind) or a stream socket as the signal end of the readiness fd (which must be an AF_UNIX datagram socket), or a fan-in bell that is not a sealed 4096-byte memfd (HANDSHAKE) or has another magic (ABI_MISMATCH), and tells the listener in its ACK; a well-formed WELCOME with both fds is accepted. A fan-out listener answers a subscriber HELLO without a readiness fd, or with a pipe, an eventfd or a stream socket in its place, with HANDSHAKE, and accepts a datagram socket. */
#include "rawpeer.h"

#include <sys/eventfd.h>

#define WAKE_EFD 1u
#define WAKE_BELL 2u
#define BELL_MAGIC 0x4c4c454248434154ull /* "TACHBELL" */
#define SUB_HELLO_MAGIC 0x4855534248434154ull

static int send_fds(int fd, const uint8_t *rec, const int *fds, int n)
{
    union {
        char b[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = (void *)rec, .iov_len = RAW_REC};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

    if (n > 0) {
        struct cmsghdr *cm;
        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.b;
        msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(n * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
    }
    return sendmsg(fd, &msg, MSG_NOSIGNAL) == RAW_REC ? 0 : -1;
}

/* A bell as a fan-in would make it, with what a hostile one changes. */
static int make_bell(uint64_t magic, off_t size, int seal)
{
    int fd = memfd_create("bell-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    uint8_t hdr[32] = {0};

    CHECK(fd >= 0 && ftruncate(fd, size) == 0);
    raw_put64(hdr, 0, magic);
    raw_put32(hdr, 8, TACHYON_ABI_VERSION);
    raw_put32(hdr, 12, RAW_BYTE_ORDER);
    raw_put32(hdr, 16, 4096);
    CHECK(pwrite(fd, hdr, sizeof(hdr), 0) == sizeof(hdr));
    if (seal)
        CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);
    return fd;
}

struct forged {
    pthread_t thread;
    int lfd;
    uint32_t wake;      /* WELCOME byte 32 */
    int extra[2];       /* fds after the memfd (-1: none) */
    int64_t ack_status; /* -1: no ACK */
};

static void *forged_main(void *arg)
{
    struct forged *f = arg;
    struct raw_segment seg = raw_segment_default(4096);
    uint8_t rec[RAW_REC];
    int fds[3], n = 0;
    int cfd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);

    f->ack_status = -1;
    if (cfd < 0)
        return NULL;
    fds[n++] = raw_segment_create(&seg);
    for (int i = 0; i < 2; i++)
        if (f->extra[i] >= 0)
            fds[n++] = f->extra[i];
    if (raw_recv(cfd, rec, NULL, 5000) == 0) {
        raw_welcome(rec, 0, 4096, 0);
        raw_put32(rec, 32, f->wake);
        if (send_fds(cfd, rec, fds, n) == 0 && raw_recv(cfd, rec, NULL, 5000) == 0 &&
            raw_get64(rec, 0) == RAW_ACK_MAGIC)
            f->ack_status = raw_get32(rec, 8);
    }
    close(fds[0]); /* the extras are the caller's */
    close(cfd);
    return NULL;
}

static void expect_connector(uint32_t wake, int extra0, int extra1, tachyon_error_t want)
{
    static int k;
    char name[128], tag[32];
    struct forged f = {.wake = wake, .extra = {extra0, extra1}};
    tachyon_bus_t *bus = NULL;

    snprintf(tag, sizeof(tag), "wake-%d", k++);
    t_sock_name(name, sizeof(name), tag, 1);
    f.lfd = raw_listen(name);
    CHECK(pthread_create(&f.thread, NULL, forged_main, &f) == 0);
    CHECK_ERR(tachyon_bus_connect(name, &bus), want);
    CHECK(pthread_join(f.thread, NULL) == 0);
    close(f.lfd);
    if (f.ack_status != (int64_t)want) {
        fprintf(stderr, "case %d: ACK %lld, expected %d\n", k - 1, (long long)f.ack_status, (int)want);
        exit(T_FAIL);
    }
    if (bus) {
        /* Accepted: its frames reach nobody, but it must work and close. */
        CHECK_ERR(tachyon_send(bus, "ok", 2, 1), TACHYON_OK);
        tachyon_bus_destroy(bus);
    }
}

static int64_t sub_hello(const char *name, int pass_fd, uint32_t flag)
{
    uint8_t rec[RAW_REC];
    int fd = raw_connect(name), got = -1;
    int64_t status = -1;

    raw_hello(rec, 0);
    raw_put64(rec, 0, SUB_HELLO_MAGIC);
    raw_put32(rec, 36, flag);
    CHECK(fd >= 0 && raw_send(fd, rec, RAW_REC, pass_fd) == 0);
    if (raw_recv(fd, rec, &got, 5000) == 0 && raw_get64(rec, 0) == RAW_WELCOME_MAGIC)
        status = raw_get32(rec, 8);
    if (got >= 0)
        close(got);
    close(fd);
    return status;
}

int main(void)
{
    int pipefd[2], dgram[2], stream[2];
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int bell = make_bell(BELL_MAGIC, 4096, 1);
    char fo_name[128];
    tachyon_fanout_t *pub;

    CHECK(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == 0 && efd >= 0);
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dgram) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stream) == 0);

    expect_connector(WAKE_EFD | WAKE_BELL, dgram[1], bell, TACHYON_OK);  /* well-formed */
    expect_connector(0, -1, -1, TACHYON_OK);                             /* a listener with no wake fds */
    expect_connector(4, -1, -1, TACHYON_ERR_HANDSHAKE);                  /* unknown bit */
    expect_connector(WAKE_EFD, -1, -1, TACHYON_ERR_HANDSHAKE);           /* announced, missing */
    expect_connector(0, dgram[1], -1, TACHYON_ERR_HANDSHAKE);            /* sent, not announced */
    expect_connector(WAKE_EFD, pipefd[1], -1, TACHYON_ERR_HANDSHAKE);    /* a pipe */
    expect_connector(WAKE_EFD, efd, -1, TACHYON_ERR_HANDSHAKE);          /* an eventfd (ABI 2) */
    expect_connector(WAKE_EFD, stream[1], -1, TACHYON_ERR_HANDSHAKE);    /* a stream socket */
    expect_connector(WAKE_BELL, dgram[1], -1, TACHYON_ERR_HANDSHAKE);    /* a socket for a bell */
    {
        int big = make_bell(BELL_MAGIC, 8192, 1), loose = make_bell(BELL_MAGIC, 4096, 0);
        int other = make_bell(0x1122334455667788ull, 4096, 1);
        expect_connector(WAKE_BELL, big, -1, TACHYON_ERR_HANDSHAKE);
        expect_connector(WAKE_BELL, loose, -1, TACHYON_ERR_HANDSHAKE);
        expect_connector(WAKE_EFD | WAKE_BELL, dgram[1], other, TACHYON_ERR_ABI_MISMATCH);
        close(big);
        close(loose);
        close(other);
    }

    /* The fan-out side: the producer signals the subscriber's readiness fd. */
    t_sock_name(fo_name, sizeof(fo_name), "wake-fo", 1);
    CHECK_ERR(tachyon_fanout_listen(fo_name, 4096, TACHYON_LAG_DROP, NULL, &pub), TACHYON_OK);
    CHECK(sub_hello(fo_name, -1, 1) == TACHYON_ERR_HANDSHAKE);
    CHECK(sub_hello(fo_name, -1, 0) == TACHYON_ERR_HANDSHAKE);
    CHECK(sub_hello(fo_name, pipefd[1], 1) == TACHYON_ERR_HANDSHAKE);
    CHECK(sub_hello(fo_name, efd, 1) == TACHYON_ERR_HANDSHAKE);
    CHECK(sub_hello(fo_name, stream[1], 1) == TACHYON_ERR_HANDSHAKE);
    CHECK(sub_hello(fo_name, dgram[1], 1) == TACHYON_OK); /* accepted (the forged subscriber then hangs up) */
    CHECK(tachyon_fanout_subscribers(pub) == 0);
    tachyon_fanout_destroy(pub);

    close(pipefd[0]);
    close(pipefd[1]);
    close(dgram[0]);
    close(dgram[1]);
    close(stream[0]);
    close(stream[1]);
    close(efd);
    close(bell);
    printf("PASS: wake fds and the fan-in bell are checked as hostile input\n");
    return T_PASS;
}
