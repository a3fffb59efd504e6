/*
 * fuzz_net.h - socket helpers for the handshake fuzz targets: abstract names
 * unique per run, sending bytes with an optional SCM_RIGHTS fd, reading with
 * a deadline, and counting this process's open fds (a handshake that leaks a
 * descriptor on some input is a finding too).
 */
#ifndef TACHYON_FUZZ_NET_H
#define TACHYON_FUZZ_NET_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static inline void fn_name(char *buf, size_t len, const char *tag)
{
    static unsigned counter;
    snprintf(buf, len, "@tachyon-fuzz-%s-%ld-%u", tag, (long)getpid(), counter++);
}

static inline socklen_t fn_addr(const char *name, struct sockaddr_un *sun)
{
    size_t n = strlen(name + 1);
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path + 1, name + 1, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* Sends all of buf (the first chunk carries pass_fd if >= 0). -1 when the
 * peer went away. */
static inline int fn_send(int fd, const uint8_t *buf, size_t len, int pass_fd)
{
    size_t done = 0;
    do {
        union {
            char b[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } ctl;
        uint8_t dummy = 0;
        struct iovec iov = {.iov_base = len ? (void *)(buf + done) : &dummy, .iov_len = len ? len - done : 1};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n;
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
            pass_fd = -1;
        }
        n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (!len)
            return 0;
        done += (size_t)n;
    } while (done < len);
    return 0;
}

/* Reads up to len bytes until EOF or timeout (or, with `exact`, until len
 * bytes came); passed fds go to fds[] (up to max_fds; extra ones are closed).
 * Returns the byte count. */
static inline size_t fn_recv(int fd, uint8_t *buf, size_t len, int *fds, int *nfds, int max_fds, int timeout_ms,
                             int exact)
{
    size_t got = 0;
    *nfds = 0;
    for (;;) {
        union {
            char b[CMSG_SPACE(8 * sizeof(int))];
            struct cmsghdr align;
        } ctl;
        uint8_t scratch[256];
        struct iovec iov = {.iov_base = got < len ? buf + got : scratch,
                            .iov_len = got < len ? len - got : sizeof(scratch)};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)};
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (poll(&pfd, 1, timeout_ms) <= 0)
            return got;
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); n >= 0 && cm; cm = CMSG_NXTHDR(&msg, cm)) {
            if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                continue;
            size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                if (*nfds < max_fds)
                    fds[(*nfds)++] = passed;
                else
                    close(passed);
            }
        }
        if (n <= 0)
            return got;
        if (got < len)
            got += (size_t)n;
        if (exact && got >= len)
            return got;
    }
}

static inline size_t fn_recv_all(int fd, uint8_t *buf, size_t len, int *fds, int *nfds, int max_fds, int timeout_ms)
{
    return fn_recv(fd, buf, len, fds, nfds, max_fds, timeout_ms, 0);
}

static inline int fn_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

#endif /* TACHYON_FUZZ_NET_H */
