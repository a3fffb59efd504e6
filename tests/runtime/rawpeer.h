/*
 * rawpeer.h - a hand-written peer that speaks the handshake of ABI.md byte by
 * byte, so tests can forge HELLO / WELCOME / ACK records and segments that
 * the library itself would never produce. Kept independent of the library's
 * sources on purpose: the constants below are ABI.md's.
 */
#ifndef TACHYON_TEST_RAWPEER_H
#define TACHYON_TEST_RAWPEER_H

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "helpers.h"

#define RAW_REC 64
#define RAW_HELLO_MAGIC 0x4f4c454848434154ull   /* "TACHHELO" */
#define RAW_WELCOME_MAGIC 0x434c455748434154ull /* "TACHWELC" */
#define RAW_ACK_MAGIC 0x214b434148434154ull     /* "TACHACK!" */
#define RAW_SEG_MAGIC 0x314e4f4948434154ull     /* "TACHION1" */
#define RAW_BYTE_ORDER 0x01020304u
#define RAW_HEADER_SIZE 4096u

static inline void raw_put32(uint8_t *r, size_t off, uint32_t v) { memcpy(r + off, &v, 4); }
static inline void raw_put64(uint8_t *r, size_t off, uint64_t v) { memcpy(r + off, &v, 8); }
static inline uint32_t raw_get32(const uint8_t *r, size_t off) { uint32_t v; memcpy(&v, r + off, 4); return v; }
static inline uint64_t raw_get64(const uint8_t *r, size_t off) { uint64_t v; memcpy(&v, r + off, 8); return v; }

/* A HELLO as a correct connector would send it. */
static inline void raw_hello(uint8_t *r, uint64_t fp)
{
    memset(r, 0, RAW_REC);
    raw_put64(r, 0, RAW_HELLO_MAGIC);
    raw_put32(r, 8, TACHYON_ABI_VERSION);
    raw_put32(r, 12, RAW_BYTE_ORDER);
    raw_put32(r, 16, TACHYON_FRAME_ALIGN);
    raw_put32(r, 20, TACHYON_FRAME_HEADER);
    raw_put64(r, 24, fp);
    raw_put32(r, 32, (uint32_t)getpid());
}

/* A WELCOME as a correct listener would send it. */
static inline void raw_welcome(uint8_t *r, uint32_t status, uint64_t capacity, uint64_t fp)
{
    memset(r, 0, RAW_REC);
    raw_put64(r, 0, RAW_WELCOME_MAGIC);
    raw_put32(r, 8, status);
    raw_put32(r, 12, TACHYON_ABI_VERSION);
    raw_put64(r, 16, capacity);
    raw_put64(r, 24, fp);
}

static inline void raw_ack(uint8_t *r, uint32_t status)
{
    memset(r, 0, RAW_REC);
    raw_put64(r, 0, RAW_ACK_MAGIC);
    raw_put32(r, 8, status);
}

static inline socklen_t raw_addr(const char *name, struct sockaddr_un *sun)
{
    size_t n;
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (name[0] == '@') {
        n = strlen(name + 1);
        memcpy(sun->sun_path + 1, name + 1, n);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
    }
    n = strlen(name);
    memcpy(sun->sun_path, name, n + 1);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

/* Connects to `name`, retrying for up to 5 s while nobody listens yet. */
static inline int raw_connect(const char *name)
{
    struct sockaddr_un sun;
    socklen_t len = raw_addr(name, &sun);
    for (int i = 0; i < 500; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHECK(fd >= 0);
        if (connect(fd, (struct sockaddr *)&sun, len) == 0)
            return fd;
        close(fd);
        t_sleep_ms(10);
    }
    return -1;
}

/* A bound, listening socket on `name`. */
static inline int raw_listen(const char *name)
{
    struct sockaddr_un sun;
    socklen_t len = raw_addr(name, &sun);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    CHECK(bind(fd, (struct sockaddr *)&sun, len) == 0);
    CHECK(listen(fd, 4) == 0);
    return fd;
}

static inline int raw_send(int fd, const void *buf, size_t len, int pass_fd)
{
    union {
        char b[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pass_fd >= 0) {
        struct cmsghdr *cm;
        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.b;
        msg.msg_controllen = sizeof(ctl.b);
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
    }
    return sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Reads one 64-byte record within `timeout_ms`; the first passed fd goes to
 * *fd_out (if given), any other is closed. Returns 0, or -1 on EOF, short
 * read or timeout. */
static inline int raw_recv(int fd, uint8_t *rec, int *fd_out, int timeout_ms)
{
    size_t got = 0;
    if (fd_out)
        *fd_out = -1;
    while (got < RAW_REC) {
        union {
            char b[CMSG_SPACE(4 * sizeof(int))];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = rec + got, .iov_len = RAW_REC - got};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)};
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (poll(&pfd, 1, timeout_ms) <= 0)
            return -1;
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0)
            return -1;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < count; i++) {
                    int passed;
                    memcpy(&passed, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                    if (fd_out && *fd_out < 0)
                        *fd_out = passed;
                    else
                        close(passed);
                }
            }
        }
        got += (size_t)n;
    }
    return 0;
}

/* Segment header fields a forged segment may get wrong. */
struct raw_segment {
    uint64_t magic;
    uint32_t abi_version, byte_order, header_size, frame_align;
    uint64_t capacity, max_message, schema_fp;
    uint64_t file_size; /* the memfd's size */
    int seal;           /* add the three seals */
};

/* What a correct listener writes for `capacity`. */
static inline struct raw_segment raw_segment_default(uint64_t capacity)
{
    struct raw_segment s = {RAW_SEG_MAGIC, TACHYON_ABI_VERSION, RAW_BYTE_ORDER, RAW_HEADER_SIZE, TACHYON_FRAME_ALIGN,
                            capacity, capacity / 2 - 16, 0, RAW_HEADER_SIZE + capacity, 1};
    return s;
}

static inline int raw_segment_create(const struct raw_segment *s)
{
    int fd = memfd_create("tachyon-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    uint8_t hdr[RAW_HEADER_SIZE];
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, (off_t)s->file_size) == 0);
    memset(hdr, 0, sizeof(hdr));
    raw_put64(hdr, 0, s->magic);
    raw_put32(hdr, 8, s->abi_version);
    raw_put32(hdr, 12, s->byte_order);
    raw_put32(hdr, 16, s->header_size);
    raw_put32(hdr, 20, s->frame_align);
    raw_put64(hdr, 24, s->capacity);
    raw_put64(hdr, 32, s->max_message);
    raw_put64(hdr, 40, s->schema_fp);
    CHECK(pwrite(fd, hdr, s->file_size < sizeof(hdr) ? s->file_size : sizeof(hdr), 0) >= 0);
    if (s->seal)
        CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);
    return fd;
}

/* ---- A forged listener on a thread: accepts one connector, reads its HELLO,
 * answers with `welcome` (+ a segment made from `seg` when seg_fd >= 0), and
 * records the ACK it gets back (ack_status = -1 if none came). ------------ */

struct raw_listener {
    pthread_t thread;
    int lfd;
    uint8_t welcome[RAW_REC];
    int seg_fd;
    uint8_t hello[RAW_REC];
    int got_hello;
    int64_t ack_status;
};

static inline void *raw_listener_main(void *arg)
{
    struct raw_listener *r = arg;
    uint8_t ack[RAW_REC];
    int cfd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
    r->ack_status = -1;
    if (cfd < 0)
        return NULL;
    if (raw_recv(cfd, r->hello, NULL, 5000) == 0) {
        r->got_hello = 1;
        if (raw_send(cfd, r->welcome, RAW_REC, r->seg_fd) == 0 && raw_recv(cfd, ack, NULL, 5000) == 0 &&
            raw_get64(ack, 0) == RAW_ACK_MAGIC)
            r->ack_status = raw_get32(ack, 8);
    }
    close(cfd);
    return NULL;
}

/* Binds `name` now (so a connect right after cannot miss it) and serves it on
 * a thread. The caller fills welcome / seg_fd before calling. */
static inline void raw_listener_start(struct raw_listener *r, const char *name)
{
    r->lfd = raw_listen(name);
    CHECK(pthread_create(&r->thread, NULL, raw_listener_main, r) == 0);
}

static inline void raw_listener_join(struct raw_listener *r)
{
    CHECK(pthread_join(r->thread, NULL) == 0);
    close(r->lfd);
    if (r->seg_fd >= 0)
        close(r->seg_fd);
}

/* Forged connector: sends `hello` to a real listener on `name` and returns
 * the WELCOME status it answered (-1 if none), closing any fd it passed. */
static inline int64_t raw_hello_exchange(const char *name, const uint8_t *hello)
{
    uint8_t welcome[RAW_REC];
    int fd = raw_connect(name), seg = -1;
    int64_t status = -1;
    CHECK(fd >= 0);
    CHECK(raw_send(fd, hello, RAW_REC, -1) == 0);
    if (raw_recv(fd, welcome, &seg, 5000) == 0 && raw_get64(welcome, 0) == RAW_WELCOME_MAGIC)
        status = raw_get32(welcome, 8);
    if (seg >= 0)
        close(seg);
    close(fd);
    return status;
}

/* A real listener meets a forged HELLO: it must fail with `want` and answer
 * the connector with a WELCOME carrying `want`. */
static inline void raw_expect_listener_refusal(const uint8_t *hello, uint64_t fp, tachyon_error_t want)
{
    static int n;
    char name[128], tag[32];
    tachyon_options_t o = {0};
    struct t_listener l;
    int64_t status;

    snprintf(tag, sizeof(tag), "lref-%d", n++);
    t_sock_name(name, sizeof(name), tag, 1);
    o.schema_fingerprint = fp;
    o.timeout_ns = 10000 * 1000000LL;
    t_listener_start(&l, name, 4096, &o);
    status = raw_hello_exchange(name, hello);
    CHECK_ERR(t_listener_join(&l), want);
    CHECK(l.bus == NULL);
    if (status != (int64_t)want) {
        fprintf(stderr, "WELCOME status %lld, expected %d\n", (long long)status, (int)want);
        exit(T_FAIL);
    }
}

/* A real connector meets a forged WELCOME (and segment, if `seg`): it must
 * fail with `want` and tell the listener so in its ACK. */
static inline void raw_expect_connector_refusal(const uint8_t *welcome, const struct raw_segment *seg, uint64_t fp,
                                                tachyon_error_t want)
{
    static int n;
    char name[128], tag[32];
    tachyon_options_t o = {0};
    struct raw_listener r;
    tachyon_bus_t *bus = NULL;

    memset(&r, 0, sizeof(r));
    snprintf(tag, sizeof(tag), "cref-%d", n++);
    t_sock_name(name, sizeof(name), tag, 1);
    memcpy(r.welcome, welcome, RAW_REC);
    r.seg_fd = seg ? raw_segment_create(seg) : -1;
    raw_listener_start(&r, name);
    o.schema_fingerprint = fp;
    o.timeout_ns = 5000 * 1000000LL;
    CHECK_ERR(tachyon_bus_connect_ex(name, &o, &bus), want);
    CHECK(bus == NULL);
    raw_listener_join(&r);
    CHECK(r.got_hello);
    if (r.ack_status != (int64_t)want) {
        fprintf(stderr, "ACK status %lld, expected %d\n", (long long)r.ack_status, (int)want);
        exit(T_FAIL);
    }
}

#endif /* TACHYON_TEST_RAWPEER_H */
