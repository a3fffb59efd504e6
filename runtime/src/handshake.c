/*
 * handshake.c - setting up a bus over a Unix domain socket: binding (with
 * stale-socket replacement), the HELLO / WELCOME / ACK exchange with the memfd
 * passed in SCM_RIGHTS, the uid check with SO_PEERCRED, and the pidfds used
 * later to notice a dead peer. The byte layout of the records is in ABI.md.
 *
 * The listener serves one connector: a connector that sends garbage, stalls
 * or has another uid is dropped and the wait goes on; a well-formed connector
 * whose parameters differ fails both sides with the same error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define TI_HANDSHAKE_NS (2000ll * 1000000)  /* per connector, on the listener */
#define TI_CONNECT_RETRY_NS (10ll * 1000000)

/* "@name" is the abstract namespace (leading NUL, no file); anything else is a
 * filesystem path that must fit sun_path with its NUL. Never truncates. */
tachyon_error_t ti_addr_parse(const char *path, struct ti_addr *a)
{
    size_t n;

    if (!path || !*path)
        return TACHYON_ERR_INVALID_ARG;
    memset(a, 0, sizeof(*a));
    a->sun.sun_family = AF_UNIX;
    if (path[0] == '@') {
        n = strlen(path + 1);
        if (n == 0)
            return TACHYON_ERR_INVALID_ARG;
        if (n + 1 > sizeof(a->sun.sun_path))
            return TACHYON_ERR_PATH_TOO_LONG;
        memcpy(a->sun.sun_path + 1, path + 1, n);
        a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
        a->abstract = 1;
        return TACHYON_OK;
    }
    n = strlen(path);
    if (n + 1 > sizeof(a->sun.sun_path))
        return TACHYON_ERR_PATH_TOO_LONG;
    memcpy(a->sun.sun_path, path, n + 1);
    a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    a->path = path;
    return TACHYON_OK;
}

/* ---- Records: fields in native byte order (little-endian on every machine
 * that can pass the byte-order check), 64 bytes, unused bytes zero. ---------- */

void ti_put32(uint8_t *rec, size_t off, uint32_t v)
{
    memcpy(rec + off, &v, sizeof(v));
}
void ti_put64(uint8_t *rec, size_t off, uint64_t v)
{
    memcpy(rec + off, &v, sizeof(v));
}
uint32_t ti_get32(const uint8_t *rec, size_t off)
{
    uint32_t v;
    memcpy(&v, rec + off, sizeof(v));
    return v;
}
uint64_t ti_get64(const uint8_t *rec, size_t off)
{
    uint64_t v;
    memcpy(&v, rec + off, sizeof(v));
    return v;
}

/* ---- Socket I/O with a deadline ------------------------------------------ */

static int ti_poll_ms(int64_t deadline)
{
    int64_t left;

    if (deadline == INT64_MAX)
        return -1;
    left = deadline - ti_now_ns();
    if (left <= 0)
        return 0;
    left = (left + 999999) / 1000000;
    return left > 1000000000 ? 1000000000 : (int)left;
}

/* Waits for `events` on fd. OK, TIMEOUT, INTERRUPTED or SYSTEM. With an
 * interrupt check installed, polls one watchdog period at a time and asks it
 * after each (and after a signal). */
static tachyon_error_t ti_wait_fd(int fd, short events, int64_t deadline)
{
    struct pollfd pfd = {.fd = fd, .events = events};

    for (;;) {
        int ms = ti_poll_ms(deadline), tick = 0, r;
        if (ti_has_interrupt_check() && (ms < 0 || ms > TACHYON_WATCHDOG_NS / 1000000)) {
            ms = (int)(TACHYON_WATCHDOG_NS / 1000000);
            tick = 1;
        }
        r = poll(&pfd, 1, ms);
        if (r > 0)
            return TACHYON_OK;
        if (r == 0 && !tick)
            return TACHYON_ERR_TIMEOUT;
        if (r < 0 && errno != EINTR)
            return ti_os_fail(TACHYON_ERR_SYSTEM, errno);
        if (ti_wait_interrupted(r == 0 ? ETIMEDOUT : EINTR))
            return TACHYON_ERR_INTERRUPTED;
    }
}

/* Sends one record, with `fds` in one SCM_RIGHTS message if nfds > 0. A
 * peer that went away is HANDSHAKE (MSG_NOSIGNAL: never SIGPIPE). */
tachyon_error_t ti_send_rec_fds(int fd, const uint8_t *rec, const int *fds, unsigned nfds, int64_t deadline)
{
    union {
        char buf[CMSG_SPACE(3 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = (void *)rec, .iov_len = TI_REC_SIZE};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    tachyon_error_t err;
    ssize_t n;

    if (nfds > 3)
        return TACHYON_ERR_INVALID_ARG;
    if (nfds > 0) {
        struct cmsghdr *cm;
        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.buf;
        msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
    }
    err = ti_wait_fd(fd, POLLOUT, deadline);
    if (err != TACHYON_OK)
        return err;
    /* 64 bytes into an empty stream socket go out whole or not at all. */
    n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == TI_REC_SIZE)
        return TACHYON_OK;
    if (n < 0 && errno == EINTR)
        return TACHYON_ERR_INTERRUPTED;
    return TACHYON_ERR_HANDSHAKE;
}

tachyon_error_t ti_send_rec(int fd, const uint8_t *rec, int pass_fd, int64_t deadline)
{
    return ti_send_rec_fds(fd, rec, &pass_fd, pass_fd >= 0 ? 1 : 0, deadline);
}

/* Receives one whole record. The first `max` fds that arrive go to fds[]
 * (their count in *nfds_out), any more are closed. OK, TIMEOUT, INTERRUPTED,
 * HANDSHAKE (peer closed early or sent a short record) or SYSTEM. */
tachyon_error_t ti_recv_rec_fds(int fd, uint8_t *rec, int *fds, unsigned max, unsigned *nfds_out, int64_t deadline)
{
    size_t got = 0;
    unsigned nfds = 0;

    if (nfds_out)
        *nfds_out = 0;
    while (got < TI_REC_SIZE) {
        union {
            char buf[CMSG_SPACE(4 * sizeof(int))];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = rec + got, .iov_len = TI_REC_SIZE - got};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                             .msg_controllen = sizeof(ctl.buf)};
        tachyon_error_t err = ti_wait_fd(fd, POLLIN, deadline);
        ssize_t n;

        if (err != TACHYON_OK)
            return err;
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            if (errno == EINTR)
                return TACHYON_ERR_INTERRUPTED;
            return TACHYON_ERR_HANDSHAKE;
        }
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
            if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                continue;
            size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                if (fds && nfds < max) {
                    fds[nfds++] = passed;
                    if (nfds_out)
                        *nfds_out = nfds;
                } else {
                    close(passed);
                }
            }
        }
        if (n == 0)
            return TACHYON_ERR_HANDSHAKE;
        got += (size_t)n;
    }
    return TACHYON_OK;
}

tachyon_error_t ti_recv_rec(int fd, uint8_t *rec, int *fd_out, int64_t deadline)
{
    if (fd_out)
        *fd_out = -1;
    return ti_recv_rec_fds(fd, rec, fd_out, fd_out ? 1 : 0, NULL, deadline);
}

tachyon_error_t ti_peer_cred(int fd, struct ucred *cred)
{
    socklen_t len = sizeof(*cred);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) != 0)
        return ti_os_fail(TACHYON_ERR_SYSTEM, errno);
    if (len != sizeof(*cred))
        return ti_os_fail(TACHYON_ERR_SYSTEM, EINVAL);
    return TACHYON_OK;
}

/* A status read from the peer becomes our error only if it is one we know. */
tachyon_error_t ti_status_error(uint32_t status)
{
    if (status == 0)
        return TACHYON_OK;
    if (status >= (uint32_t)TACHYON_ERR__COUNT)
        return TACHYON_ERR_HANDSHAKE;
    return (tachyon_error_t)status;
}

void ti_welcome(uint8_t *rec, tachyon_error_t status, uint64_t capacity, uint64_t fp)
{
    memset(rec, 0, TI_REC_SIZE);
    ti_put64(rec, 0, TI_WELCOME_MAGIC);
    ti_put32(rec, 8, (uint32_t)status);
    ti_put32(rec, 12, TACHYON_ABI_VERSION);
    ti_put64(rec, 16, capacity);
    ti_put64(rec, 24, fp);
}

void ti_ack(uint8_t *rec, tachyon_error_t status)
{
    memset(rec, 0, TI_REC_SIZE);
    ti_put64(rec, 0, TI_ACK_MAGIC);
    ti_put32(rec, 8, (uint32_t)status);
}

int ti_is_family(uint64_t magic)
{
    return (magic & TI_FAMILY_MASK) == TI_FAMILY;
}

/* ---- Listener ------------------------------------------------------------ */

static tachyon_error_t ti_bind_errno(int e)
{
    switch (e) {
    case EADDRINUSE:
        return ti_os_fail(TACHYON_ERR_ADDR_IN_USE, e);
    case EACCES:
    case EPERM:
    case EROFS:
        return ti_os_fail(TACHYON_ERR_PERMISSION, e);
    case ENAMETOOLONG:
        return ti_os_fail(TACHYON_ERR_PATH_TOO_LONG, e);
    case ENOMEM:
    case ENOBUFS:
        return ti_os_fail(TACHYON_ERR_NO_MEMORY, e);
    default:
        return ti_os_fail(TACHYON_ERR_SYSTEM, e);
    }
}

/* Is the socket file at `a` served by a live listener? 1 live, 0 stale (the
 * connect was refused), -1 cannot tell (then the path is left alone). */
static int ti_probe_live(const struct ti_addr *a)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int r, e;

    if (fd < 0)
        return -1;
    r = connect(fd, (const struct sockaddr *)&a->sun, a->len);
    e = errno;
    close(fd);
    if (r == 0 || e == EAGAIN || e == EINPROGRESS)
        return 1;
    if (e == ECONNREFUSED)
        return 0;
    return -1;
}

tachyon_error_t ti_bind_listener(const struct ti_addr *a, int *fd_out)
{
    tachyon_error_t err;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return ti_bind_errno(errno);
    for (int attempt = 0;; attempt++) {
        struct stat st;
        int live;

        if (bind(fd, (const struct sockaddr *)&a->sun, a->len) == 0)
            break;
        if (errno != EADDRINUSE || a->abstract || attempt >= 2) {
            err = ti_bind_errno(errno);
            goto fail;
        }
        if (lstat(a->path, &st) != 0) {
            if (errno == ENOENT) /* it just went away: try again */
                continue;
            err = ti_bind_errno(errno);
            goto fail;
        }
        if (!S_ISSOCK(st.st_mode)) {
            err = TACHYON_ERR_ADDR_IN_USE;
            goto fail;
        }
        live = ti_probe_live(a);
        if (live != 0) {
            err = TACHYON_ERR_ADDR_IN_USE;
            goto fail;
        }
        /* Stale: left behind by a listener that died. Replace it. */
        if (unlink(a->path) != 0 && errno != ENOENT) {
            err = ti_bind_errno(errno);
            goto fail;
        }
    }
    /* Before listen(): until then every connect is refused, so no one reaches
     * the socket while it still has the umask's mode. */
    if (!a->abstract && chmod(a->path, 0600) != 0) {
        err = ti_os_fail(TACHYON_ERR_SYSTEM, errno);
        unlink(a->path);
        goto fail;
    }
    if (listen(fd, 16) != 0) {
        err = ti_os_fail(TACHYON_ERR_SYSTEM, errno);
        if (!a->abstract)
            unlink(a->path);
        goto fail;
    }
    *fd_out = fd;
    return TACHYON_OK;
fail:
    close(fd);
    return err;
}

/* Checks a well-formed HELLO against this listener's parameters. */
static tachyon_error_t ti_check_hello(const uint8_t *rec, uint64_t fp, unsigned nrings)
{
    if (ti_get64(rec, 0) != (nrings == 2 ? TI_HELLO_DUPLEX_MAGIC : TI_HELLO_MAGIC) || ti_get32(rec, 8) != TACHYON_ABI_VERSION)
        return TACHYON_ERR_ABI_MISMATCH;
    if (ti_get32(rec, 12) != TI_BYTE_ORDER_MARK)
        return TACHYON_ERR_BYTE_ORDER;
    if (ti_get32(rec, 16) != TACHYON_FRAME_ALIGN || ti_get32(rec, 20) != TACHYON_FRAME_HEADER)
        return TACHYON_ERR_ALIGNMENT;
    if (ti_get64(rec, 24) != fp)
        return TACHYON_ERR_SCHEMA_MISMATCH;
    return TACHYON_OK;
}

/* The listener's buses over a mapped segment of `nrings` rings: the consumer
 * of ring 0 in out[0]; for a duplex segment also the producer of ring 1 in
 * out[1], which then owns the mapping. On failure nothing is left allocated
 * and the mapping is gone. */
static tachyon_error_t ti_listener_buses(void *base, uint64_t capacity, unsigned nrings, uint64_t fp,
                                         tachyon_bus_t **out)
{
    uint64_t part = TI_HEADER_SIZE + capacity;

    out[0] = ti_bus_new(base, part * nrings, capacity, TACHYON_ROLE_CONSUMER, fp);
    if (out[0] && nrings == 2) {
        out[1] = ti_bus_new((uint8_t *)base + part, part * nrings, capacity, TACHYON_ROLE_PRODUCER, fp);
        if (out[1]) {
            out[1]->map_base = base;
            out[0]->map_base = NULL; /* out[1] unmaps */
        } else {
            ti_bus_free(out[0]);
            out[0] = NULL;
            munmap(base, part * nrings);
            return TACHYON_ERR_NO_MEMORY;
        }
    }
    if (!out[0]) {
        munmap(base, part * nrings);
        return TACHYON_ERR_NO_MEMORY;
    }
    return TACHYON_OK;
}

/* Frees the buses of one side (the mapping's owner last). */
static void ti_buses_free(tachyon_bus_t **b)
{
    ti_bus_free(b[0]);
    ti_bus_free(b[1]);
    b[0] = b[1] = NULL;
}

/* Serves one accepted connector. Sets *drop when the connector is to be
 * ignored (garbage, stall, other uid) and the wait goes on; otherwise returns
 * the outcome of the listen call. */
static tachyon_error_t ti_serve_n(int cfd, uint64_t capacity, const tachyon_options_t *o, int64_t deadline,
                                  int *drop, unsigned nrings, int efd, int bellfd, tachyon_bus_t **out)
{
    uint8_t rec[TI_REC_SIZE];
    struct ucred cred;
    tachyon_bus_t *bus[2] = {NULL, NULL};
    void *base = NULL;
    tachyon_error_t err, status;
    int memfd = -1, pidfd = -1, own_efd = -1, own_tx = -1, fds[3];
    unsigned nfds = 0, wake = 0;

    *drop = 1;
    if (ti_peer_cred(cfd, &cred) != TACHYON_OK)
        return TACHYON_OK;
    err = ti_recv_rec(cfd, rec, NULL, deadline);
    if (err == TACHYON_ERR_INTERRUPTED) {
        *drop = 0;
        return err;
    }
    if (err != TACHYON_OK || !ti_is_family(ti_get64(rec, 0)))
        return TACHYON_OK; /* garbage, short, or silent: drop it */
    if (!(o->flags & TACHYON_OPT_ALLOW_ANY_UID) && cred.uid != getuid()) {
        ti_welcome(rec, TACHYON_ERR_PERMISSION, 0, 0);
        (void)ti_send_rec(cfd, rec, -1, deadline);
        return TACHYON_OK;
    }
    status = ti_check_hello(rec, o->schema_fingerprint, nrings);
    if (status != TACHYON_OK) {
        *drop = 0;
        ti_welcome(rec, status, capacity, o->schema_fingerprint);
        (void)ti_send_rec(cfd, rec, -1, deadline);
        return status;
    }
    /* The connector waits for our WELCOME, so its pid is still its own. */
    pidfd = ti_pidfd_open(cred.pid);
    err = ti_segment_create(capacity, o->schema_fingerprint, nrings, &memfd);
    if (err == TACHYON_OK && nrings == 1 && efd < 0) {
        /* A bus's own readiness fd: the producer signals it when this
         * consumer armed it (TI_SLEEP_FD), so event loops need no thread. We
         * watch one end; the producer gets the other. */
        err = ti_wake_pair(&own_efd, &own_tx);
        efd = own_tx;
    }
    if (err == TACHYON_OK)
        err = ti_segment_map(memfd, capacity, nrings, &base);
    if (err == TACHYON_OK)
        err = ti_listener_buses(base, capacity, nrings, o->schema_fingerprint, bus);
    if (err != TACHYON_OK) {
        /* Our own failure: tell the connector so it is not left guessing. */
        *drop = 0;
        ti_welcome(rec, err, capacity, o->schema_fingerprint);
        (void)ti_send_rec(cfd, rec, -1, deadline);
        goto fail;
    }
    bus[0]->pidfd = pidfd;
    pidfd = -1;
    bus[0]->wake_efd = own_efd;
    own_efd = -1;
    bus[0]->peer_pid = cred.pid;
    ti_store_relaxed(&bus[0]->shm->consumer_pid, (uint32_t)getpid());
    ti_store_release(&bus[0]->shm->consumer_state, TI_SIDE_ATTACHED);
    if (bus[1]) {
        bus[1]->pidfd = ti_pidfd_open(cred.pid);
        bus[1]->peer_pid = cred.pid;
        ti_store_relaxed(&bus[1]->shm->producer_pid, (uint32_t)getpid());
        ti_store_release(&bus[1]->shm->producer_state, TI_SIDE_ATTACHED);
    }

    ti_welcome(rec, TACHYON_OK, capacity, o->schema_fingerprint);
    fds[nfds++] = memfd;
    if (efd >= 0) {
        fds[nfds++] = efd;
        wake |= TI_WAKE_EFD;
    }
    if (bellfd >= 0) {
        fds[nfds++] = bellfd;
        wake |= TI_WAKE_BELL;
    }
    ti_put32(rec, 32, wake);
    err = ti_send_rec_fds(cfd, rec, fds, nfds, deadline);
    close(memfd);
    memfd = -1;
    if (own_tx >= 0) {
        close(own_tx); /* the producer's now */
        own_tx = -1;
    }
    if (err == TACHYON_OK)
        err = ti_recv_rec(cfd, rec, NULL, deadline);
    if (err == TACHYON_ERR_INTERRUPTED) {
        *drop = 0;
        goto fail;
    }
    if (err != TACHYON_OK || ti_get64(rec, 0) != TI_ACK_MAGIC)
        goto fail; /* went away or garbage before its verdict: drop it */
    *drop = 0;
    err = ti_status_error(ti_get32(rec, 8));
    if (err != TACHYON_OK)
        goto fail;
    out[0] = bus[0];
    out[1] = bus[1];
    return TACHYON_OK;
fail:
    if (memfd >= 0)
        close(memfd);
    if (pidfd >= 0)
        close(pidfd);
    if (own_efd >= 0)
        close(own_efd);
    if (own_tx >= 0)
        close(own_tx);
    ti_buses_free(bus);
    return err;
}

tachyon_error_t ti_serve(int cfd, uint64_t capacity, const tachyon_options_t *o, int64_t deadline, int *drop,
                         int efd, int bellfd, tachyon_bus_t **out)
{
    tachyon_bus_t *got[2] = {NULL, NULL};
    tachyon_error_t err = ti_serve_n(cfd, capacity, o, deadline, drop, 1, efd, bellfd, got);

    if (err == TACHYON_OK && got[0])
        *out = got[0];
    return err;
}

/* Fills *detail (if given) for a listen or connect that returns `err`. */
static tachyon_error_t ti_detail(tachyon_error_detail_t *detail, tachyon_error_t err, int64_t started)
{
    if (detail) {
        memset(detail, 0, sizeof(*detail));
        detail->code = (int32_t)err;
        if (err != TACHYON_OK)
            detail->os_errno = ti_sys_errno;
        if (err == TACHYON_ERR_NO_LISTENER || err == TACHYON_ERR_TIMEOUT)
            detail->waited_ns = ti_now_ns() - started;
    }
    return err;
}

static int64_t ti_listen_deadline(const tachyon_options_t *opts)
{
    if (!opts || opts->timeout_ns <= 0)
        return TACHYON_FOREVER;
    return ti_deadline_after(opts->timeout_ns);
}

static int64_t ti_connect_deadline(const tachyon_options_t *opts)
{
    int64_t t = opts ? opts->timeout_ns : 0;

    if (t < 0)
        return TACHYON_FOREVER;
    return ti_deadline_after(t == 0 ? TACHYON_CONNECT_DEFAULT_NS : t);
}

static tachyon_error_t ti_listen(const char *path, size_t capacity, const tachyon_options_t *opts,
                                 int64_t deadline_ns, unsigned nrings, tachyon_bus_t ***out,
                                 tachyon_error_detail_t *detail)
{
    tachyon_options_t o = {0};
    struct ti_addr addr;
    tachyon_error_t err;
    int64_t deadline = ti_deadline_norm(deadline_ns), started = ti_now_ns();
    int lfd = -1;

    ti_sys_errno = 0;
    if (!out || !out[0] || (nrings == 2 && !out[1]))
        return ti_detail(detail, TACHYON_ERR_INVALID_ARG, started);
    *out[0] = NULL;
    if (nrings == 2)
        *out[1] = NULL;
    if (opts)
        o = *opts;
    err = ti_addr_parse(path, &addr);
    if (err != TACHYON_OK)
        return ti_detail(detail, err, started);
    if (!ti_capacity_valid(capacity))
        return ti_detail(detail, TACHYON_ERR_CAPACITY, started);
    err = ti_bind_listener(&addr, &lfd);
    if (err != TACHYON_OK)
        return ti_detail(detail, err, started);
    for (;;) {
        int64_t hs_deadline;
        tachyon_bus_t *got[2] = {NULL, NULL};
        int cfd, drop;

        ti_sys_errno = 0; /* a dropped connector's failure is not ours */
        err = ti_wait_fd(lfd, POLLIN, deadline);
        if (err != TACHYON_OK)
            break;
        cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN)
                continue;
            err = ti_os_fail(errno == EMFILE || errno == ENFILE || errno == ENOMEM ? TACHYON_ERR_NO_MEMORY
                                                                                  : TACHYON_ERR_SYSTEM,
                             errno);
            break;
        }
        hs_deadline = ti_now_ns() + TI_HANDSHAKE_NS;
        if (hs_deadline > deadline)
            hs_deadline = deadline;
        err = ti_serve_n(cfd, capacity, &o, hs_deadline, &drop, nrings, -1, -1, got);
        close(cfd);
        if (err == TACHYON_OK && !drop) {
            *out[0] = got[0];
            if (nrings == 2)
                *out[1] = got[1];
        }
        if (!drop)
            break;
    }
    close(lfd);
    if (!addr.abstract)
        unlink(addr.path);
    return ti_detail(detail, err, started);
}

tachyon_error_t tachyon_bus_listen_until(const char *path, size_t capacity, const tachyon_options_t *opts,
                                         int64_t deadline_ns, tachyon_bus_t **out, tachyon_error_detail_t *detail)
{
    tachyon_bus_t **outs[2] = {out, NULL};

    return ti_listen(path, capacity, opts, deadline_ns, 1, out ? outs : NULL, detail);
}

tachyon_error_t ti_duplex_listen(const char *path, size_t capacity, const tachyon_options_t *opts,
                                 int64_t deadline_ns, tachyon_bus_t **rx, tachyon_bus_t **tx,
                                 tachyon_error_detail_t *detail)
{
    tachyon_bus_t **outs[2] = {rx, tx};

    return ti_listen(path, capacity, opts, deadline_ns, 2, outs, detail);
}

tachyon_error_t tachyon_bus_listen_ex(const char *path, size_t capacity, const tachyon_options_t *opts,
                                      tachyon_bus_t **out)
{
    return tachyon_bus_listen_until(path, capacity, opts, ti_listen_deadline(opts), out, NULL);
}

tachyon_error_t tachyon_bus_listen(const char *path, size_t capacity, tachyon_bus_t **out)
{
    return tachyon_bus_listen_ex(path, capacity, NULL, out);
}

/* ---- Connector ----------------------------------------------------------- */

tachyon_error_t ti_connect_socket(const struct ti_addr *a, int64_t deadline, int *fd_out)
{
    int64_t retry_ns = 50000, last_check = ti_now_ns();

    for (;;) {
        /* Non-blocking: a listener whose backlog is full answers EAGAIN at
         * once instead of holding connect() past our deadline. All later I/O
         * on it waits in poll() with the deadline anyway. */
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int e;

        if (fd < 0)
            return ti_os_fail(errno == EMFILE || errno == ENFILE || errno == ENOMEM ? TACHYON_ERR_NO_MEMORY
                                                                                   : TACHYON_ERR_SYSTEM,
                              errno);
        if (connect(fd, (const struct sockaddr *)&a->sun, a->len) == 0) {
            *fd_out = fd;
            return TACHYON_OK;
        }
        e = errno;
        close(fd);
        ti_sys_errno = e;
        switch (e) {
        case ENOENT:
        case ECONNREFUSED:
        case EAGAIN: { /* not listening yet, or its backlog is full: retry until the deadline */
            int64_t now = ti_now_ns(), wait_ns = retry_ns;
            struct timespec pause;
            if (now >= deadline)
                return TACHYON_ERR_NO_LISTENER; /* detail.os_errno: why the last try failed */
            /* The last pause ends at the deadline, where one more try is made:
             * the call waits its whole timeout, not up to one pause less. */
            if (deadline - now < wait_ns)
                wait_ns = deadline - now;
            pause.tv_sec = 0;
            pause.tv_nsec = (long)wait_ns;
            if (nanosleep(&pause, NULL) != 0 && errno == EINTR) {
                if (ti_wait_interrupted(EINTR))
                    return TACHYON_ERR_INTERRUPTED;
            } else if (now + wait_ns - last_check >= TACHYON_WATCHDOG_NS) {
                /* A watchdog period of retries: the interrupt check's turn. */
                last_check = now + wait_ns;
                if (ti_wait_interrupted(ETIMEDOUT))
                    return TACHYON_ERR_INTERRUPTED;
            }
            /* Back off from 50 us (a listener that is about to bind) to 10 ms. */
            retry_ns = retry_ns * 2 > TI_CONNECT_RETRY_NS ? TI_CONNECT_RETRY_NS : retry_ns * 2;
            continue;
        }
        case EACCES:
        case EPERM:
            return TACHYON_ERR_PERMISSION;
        case EINTR:
            if (ti_wait_interrupted(EINTR))
                return TACHYON_ERR_INTERRUPTED;
            continue;
        case ENOTDIR:
            return TACHYON_ERR_NO_LISTENER;
        default:
            return TACHYON_ERR_SYSTEM;
        }
    }
}

/* Checks one fresh ring's header: what line 0 says, nothing written, and
 * nobody yet in the role the connector takes (`mine`: its state word). */
static tachyon_error_t ti_check_fresh(const struct ti_shared *shm, uint64_t capacity, uint64_t fp,
                                      const uint32_t *mine)
{
    tachyon_error_t err = ti_header_check(shm, capacity, fp);

    if (err == TACHYON_OK && (ti_load_acquire(&shm->tail) != 0 || ti_load_acquire(&shm->head) != 0 ||
                              ti_load_acquire(mine) != TI_SIDE_NONE))
        err = TACHYON_ERR_CORRUPT;
    return err;
}

/* Checks the WELCOME and the segment that came with it; on success bus_out[0]
 * is the producer of ring 0 and, for a duplex segment, bus_out[1] the
 * consumer of ring 1 (which owns the mapping). Returns the verdict to send
 * back in the ACK. */
/* The wake fds that came after the memfd (WELCOME byte 32 says which):
 * checked, then handed to the producer bus (fds[i] = -1 once taken). */
static tachyon_error_t ti_accept_wake(const uint8_t *rec, int *fds, unsigned nfds, unsigned nrings,
                                      tachyon_bus_t *bus)
{
    uint32_t wake = ti_get32(rec, 32);
    unsigned want = 1, i = 1;
    struct ti_bell *bell;
    tachyon_error_t err;

    if ((wake & ~(TI_WAKE_EFD | TI_WAKE_BELL)) || (nrings == 2 && wake))
        return TACHYON_ERR_HANDSHAKE;
    want += !!(wake & TI_WAKE_EFD) + !!(wake & TI_WAKE_BELL);
    if (nfds != want)
        return TACHYON_ERR_HANDSHAKE;
    if (wake & TI_WAKE_EFD) {
        err = ti_wake_fd_check(fds[i]);
        if (err != TACHYON_OK)
            return err;
        bus->wake_efd = fds[i];
        fds[i++] = -1;
    }
    if (wake & TI_WAKE_BELL) {
        err = ti_bell_attach(fds[i], &bell);
        if (err != TACHYON_OK)
            return err;
        bus->bell_map = bell;
        bus->bell = &bell->ring;
    }
    return TACHYON_OK;
}

static tachyon_error_t ti_accept_welcome(const uint8_t *rec, int memfd, uint64_t fp, unsigned nrings,
                                         tachyon_bus_t **bus_out)
{
    uint64_t capacity = ti_get64(rec, 16);
    uint64_t part = TI_HEADER_SIZE + capacity;
    tachyon_bus_t *bus, *bus1 = NULL;
    tachyon_error_t err;
    void *base;

    if (ti_get32(rec, 12) != TACHYON_ABI_VERSION)
        return TACHYON_ERR_ABI_MISMATCH;
    if (ti_get64(rec, 24) != fp)
        return TACHYON_ERR_SCHEMA_MISMATCH;
    if (!ti_capacity_valid(capacity))
        return TACHYON_ERR_CAPACITY;
    if (memfd < 0)
        return TACHYON_ERR_HANDSHAKE;
    err = ti_segment_verify_fd(memfd, capacity, nrings);
    if (err != TACHYON_OK)
        return err;
    err = ti_segment_map(memfd, capacity, nrings, &base);
    if (err == TACHYON_ERR_SYSTEM)
        err = TACHYON_ERR_HANDSHAKE; /* the listener sent an fd that cannot be mapped */
    if (err != TACHYON_OK)
        return err;
    err = ti_check_fresh(base, capacity, fp, &((const struct ti_shared *)base)->producer_state);
    if (err == TACHYON_OK && nrings == 2) {
        const struct ti_shared *back = (const struct ti_shared *)((uint8_t *)base + part);
        err = ti_check_fresh(back, capacity, fp, &back->consumer_state);
    }
    if (err != TACHYON_OK) {
        munmap(base, part * nrings);
        return err;
    }
    bus = ti_bus_new(base, part * nrings, capacity, TACHYON_ROLE_PRODUCER, fp);
    if (bus && nrings == 2) {
        bus1 = ti_bus_new((uint8_t *)base + part, part * nrings, capacity, TACHYON_ROLE_CONSUMER, fp);
        if (bus1) {
            bus1->map_base = base;
            bus->map_base = NULL; /* bus1 unmaps */
        } else {
            ti_bus_free(bus);
            bus = NULL;
        }
    }
    if (!bus) {
        munmap(base, part * nrings);
        return TACHYON_ERR_NO_MEMORY;
    }
    bus_out[0] = bus;
    bus_out[1] = bus1;
    return TACHYON_OK;
}

static tachyon_error_t ti_connect(const char *path, const tachyon_options_t *opts, int64_t deadline_ns,
                                  unsigned nrings, tachyon_bus_t **out, tachyon_error_detail_t *detail)
{
    tachyon_options_t o = {0};
    uint8_t rec[TI_REC_SIZE];
    struct ti_addr addr;
    struct ucred cred;
    tachyon_bus_t *bus[2] = {NULL, NULL};
    tachyon_error_t err, verdict;
    int64_t deadline = ti_deadline_norm(deadline_ns), started = ti_now_ns();
    int fd = -1, memfd = -1, fds[3] = {-1, -1, -1};
    unsigned nfds = 0;

    ti_sys_errno = 0;
    out[0] = out[1] = NULL;
    if (opts)
        o = *opts;
    err = ti_addr_parse(path, &addr);
    if (err != TACHYON_OK)
        return ti_detail(detail, err, started);

    err = ti_connect_socket(&addr, deadline, &fd);
    if (err != TACHYON_OK)
        return ti_detail(detail, err, started);
    ti_sys_errno = 0; /* the failed tries before the listener came are history */
    err = ti_peer_cred(fd, &cred);
    if (err != TACHYON_OK)
        goto out;

    memset(rec, 0, sizeof(rec));
    ti_put64(rec, 0, nrings == 2 ? TI_HELLO_DUPLEX_MAGIC : TI_HELLO_MAGIC);
    ti_put32(rec, 8, TACHYON_ABI_VERSION);
    ti_put32(rec, 12, TI_BYTE_ORDER_MARK);
    ti_put32(rec, 16, TACHYON_FRAME_ALIGN);
    ti_put32(rec, 20, TACHYON_FRAME_HEADER);
    ti_put64(rec, 24, o.schema_fingerprint);
    ti_put32(rec, 32, (uint32_t)getpid());
    err = ti_send_rec(fd, rec, -1, deadline);
    if (err != TACHYON_OK)
        goto out;
    err = ti_recv_rec_fds(fd, rec, fds, 3, &nfds, deadline);
    memfd = fds[0];
    fds[0] = -1;
    if (err != TACHYON_OK)
        goto out; /* TIMEOUT, INTERRUPTED, or HANDSHAKE: the listener dropped us */
    if (!ti_is_family(ti_get64(rec, 0))) {
        err = TACHYON_ERR_HANDSHAKE;
        goto out;
    }
    if (ti_get64(rec, 0) != TI_WELCOME_MAGIC) {
        verdict = TACHYON_ERR_ABI_MISMATCH;
    } else {
        err = ti_status_error(ti_get32(rec, 8));
        if (err != TACHYON_OK)
            goto out; /* the listener refused us and already failed */
        verdict = ti_accept_welcome(rec, memfd, o.schema_fingerprint, nrings, bus);
        if (verdict == TACHYON_OK) {
            verdict = ti_accept_wake(rec, fds, nfds, nrings, bus[0]);
            if (verdict != TACHYON_OK) {
                ti_bus_free(bus[1]);
                ti_bus_free(bus[0]);
                bus[0] = bus[1] = NULL;
            }
        }
    }
    if (memfd >= 0) {
        close(memfd);
        memfd = -1;
    }
    if (verdict == TACHYON_OK) {
        /* The listener waits for our ACK, so its pid is still its own. */
        bus[0]->pidfd = ti_pidfd_open(cred.pid);
        bus[0]->peer_pid = cred.pid;
        ti_store_relaxed(&bus[0]->shm->producer_pid, (uint32_t)getpid());
        ti_store_release(&bus[0]->shm->producer_state, TI_SIDE_ATTACHED);
        if (bus[1]) {
            bus[1]->pidfd = ti_pidfd_open(cred.pid);
            bus[1]->peer_pid = cred.pid;
            ti_store_relaxed(&bus[1]->shm->consumer_pid, (uint32_t)getpid());
            ti_store_release(&bus[1]->shm->consumer_state, TI_SIDE_ATTACHED);
        }
    }
    ti_ack(rec, verdict);
    err = ti_send_rec(fd, rec, -1, deadline);
    if (verdict != TACHYON_OK)
        err = verdict;
    if (err != TACHYON_OK)
        goto out;
    out[0] = bus[0];
    out[1] = bus[1];
    bus[0] = bus[1] = NULL;
out:
    if (memfd >= 0)
        close(memfd);
    for (unsigned i = 1; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    ti_bus_free(bus[0]);
    ti_bus_free(bus[1]);
    close(fd);
    return ti_detail(detail, err, started);
}

tachyon_error_t tachyon_bus_connect_until(const char *path, const tachyon_options_t *opts, int64_t deadline_ns,
                                          tachyon_bus_t **out, tachyon_error_detail_t *detail)
{
    tachyon_bus_t *got[2];
    tachyon_error_t err;

    if (!out) {
        ti_sys_errno = 0;
        return ti_detail(detail, TACHYON_ERR_INVALID_ARG, ti_now_ns());
    }
    err = ti_connect(path, opts, deadline_ns, 1, got, detail);
    *out = got[0];
    return err;
}

tachyon_error_t ti_duplex_connect(const char *path, const tachyon_options_t *opts, int64_t deadline_ns,
                                  tachyon_bus_t **rx, tachyon_bus_t **tx, tachyon_error_detail_t *detail)
{
    tachyon_bus_t *got[2];
    tachyon_error_t err;

    if (!rx || !tx) {
        ti_sys_errno = 0;
        return ti_detail(detail, TACHYON_ERR_INVALID_ARG, ti_now_ns());
    }
    err = ti_connect(path, opts, deadline_ns, 2, got, detail);
    *tx = got[0];
    *rx = got[1];
    return err;
}

tachyon_error_t tachyon_bus_connect_ex(const char *path, const tachyon_options_t *opts, tachyon_bus_t **out)
{
    return tachyon_bus_connect_until(path, opts, ti_connect_deadline(opts), out, NULL);
}

tachyon_error_t tachyon_bus_connect(const char *path, tachyon_bus_t **out)
{
    return tachyon_bus_connect_ex(path, NULL, out);
}

/* ---- A listener on a thread (fan-out, fan-in) ------------------------------ */

void ti_acceptor_init(struct ti_acceptor *a)
{
    memset(a, 0, sizeof(*a));
    a->lfd = a->stop_pipe[0] = a->stop_pipe[1] = -1;
}

static void *ti_acceptor_main(void *arg)
{
    struct ti_acceptor *a = arg;

    for (;;) {
        struct pollfd pfd[2] = {{.fd = a->lfd, .events = POLLIN}, {.fd = a->stop_pipe[0], .events = POLLIN}};
        int cfd;

        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[1].revents)
            break;
        cfd = accept4(a->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
            continue;
        a->serve(a->owner, cfd);
        close(cfd);
    }
    return NULL;
}

tachyon_error_t ti_acceptor_start(struct ti_acceptor *a, const char *path, void (*serve)(void *owner, int cfd),
                                  void *owner)
{
    tachyon_error_t err = ti_addr_parse(path, &a->addr);

    if (err != TACHYON_OK)
        return err;
    snprintf(a->path, sizeof(a->path), "%s", path);
    a->addr.path = a->addr.abstract ? NULL : a->path;
    a->serve = serve;
    a->owner = owner;
    err = ti_bind_listener(&a->addr, &a->lfd);
    if (err != TACHYON_OK)
        return err;
    if (pipe2(a->stop_pipe, O_CLOEXEC) != 0)
        return ti_os_fail(TACHYON_ERR_SYSTEM, errno);
    if (pthread_create(&a->thread, NULL, ti_acceptor_main, a) != 0)
        return TACHYON_ERR_NO_MEMORY;
    a->started = 1;
    return TACHYON_OK;
}

void ti_acceptor_stop(struct ti_acceptor *a)
{
    if (a->started) {
        (void)!write(a->stop_pipe[1], "x", 1);
        pthread_join(a->thread, NULL);
        a->started = 0;
    }
    if (a->lfd >= 0) {
        close(a->lfd);
        if (!a->addr.abstract)
            unlink(a->path);
    }
    for (int i = 0; i < 2; i++)
        if (a->stop_pipe[i] >= 0)
            close(a->stop_pipe[i]);
    a->lfd = a->stop_pipe[0] = a->stop_pipe[1] = -1;
}
