/*
 * platform.c - the operating system under the ring: the monotonic clock, the
 * futex, pidfds and the other ways of telling that a peer process is gone.
 * ring.c and wait.c call down into this file; it calls nothing of theirs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

__thread int ti_sys_errno;

int64_t ti_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t tachyon_now_ns(void)
{
    return ti_now_ns();
}

/* ---- Interrupt checks -------------------------------------------------- */

static __thread tachyon_interrupt_check_fn ti_check_fn;
static __thread void *ti_check_ctx;

void tachyon_set_interrupt_check(tachyon_interrupt_check_fn fn, void *ctx)
{
    ti_check_fn = fn;
    ti_check_ctx = ctx;
}

int ti_has_interrupt_check(void)
{
    return ti_check_fn != NULL;
}

int ti_wait_interrupted(int woke)
{
    if (woke != EINTR && woke != ETIMEDOUT)
        return 0;
    if (!ti_check_fn)
        return woke == EINTR;
    return ti_check_fn(ti_check_ctx) != 0;
}

int64_t ti_deadline_after(int64_t timeout_ns)
{
    int64_t now;

    if (timeout_ns < 0)
        return INT64_MAX;
    now = ti_now_ns();
    return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

/* Sleeps while *word == expected, at most timeout_ns. Returns 0 (woken or
 * word changed), ETIMEDOUT, EINTR, or another errno when the futex call
 * itself failed (ENOSYS under a seccomp filter, say). Not FUTEX_PRIVATE: the
 * word is shared between processes. */
int ti_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    struct timespec ts;

    if (timeout_ns < 0)
        timeout_ns = 0;
    ts.tv_sec = (time_t)(timeout_ns / 1000000000);
    ts.tv_nsec = (long)(timeout_ns % 1000000000);
    if (syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0) == 0)
        return 0;
    if (errno == EAGAIN)
        return 0; /* the word already changed */
    return errno;
}

void ti_futex_wake(uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

int ti_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
    long fd = syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        /* pidfd_open gives no O_CLOEXEC flag; pidfds are created close-on-exec. */
        return (int)fd;
    }
#else
    (void)pid;
#endif
    return -1;
}

/* Without a pidfd: kill(pid, 0) succeeds on a zombie, so a peer that died but
 * is not reaped yet (the caller's own child, say) would look alive; its state
 * in /proc/<pid>/stat tells ('Z' zombie, 'X' dead). */
static int ti_pid_gone(pid_t pid)
{
    char path[32], buf[512];
    const char *p;
    ssize_t n;
    int fd;

    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 1;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* 1 if the peer process is gone. The pidfd (opened while the peer was
 * connected, so the pid cannot have been reused) becomes readable when the
 * process exits; without one we fall back to ti_pid_gone. */
int ti_peer_dead(tachyon_bus_t *bus)
{
    if (bus->peer_dead)
        return 1;
    if (bus->pidfd >= 0) {
        struct pollfd pfd = {.fd = bus->pidfd, .events = POLLIN};
        if (poll(&pfd, 1, 0) > 0)
            return 1;
        return 0;
    }
    if (bus->peer_pid > 0 && ti_pid_gone(bus->peer_pid))
        return 1;
    return 0;
}

/* For callers that poll with the non-blocking calls: a peer that died while
 * the ring stays full (producer) or empty (consumer) must still be noticed,
 * or the caller would poll forever. Reads the clock (vDSO, no syscall) once per
 * 1024 such answers and checks liveness (a poll of the pidfd) at most once per
 * watchdog period, so polling stays syscall-free almost always. */
int ti_poll_peer_dead(tachyon_bus_t *bus)
{
    int64_t now;

    if ((++bus->idle_polls & 1023u) != 0)
        return 0;
    now = ti_now_ns();
    if (now - bus->last_peer_check < TACHYON_WATCHDOG_NS)
        return 0;
    bus->last_peer_check = now;
    return ti_peer_dead(bus);
}

void ti_futex_wake_all(uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

/* The kernel's struct futex_waitv (linux/futex.h, 5.16), spelled out so that
 * older headers build too. */
struct ti_waitv {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t reserved;
};

int ti_futex_waitv(uint32_t *const *words, const uint32_t *expected, unsigned n, int64_t timeout_ns)
{
    struct ti_waitv v[128];
    struct timespec ts;

    if (n == 0 || n > 128)
        return EINVAL;
    for (unsigned i = 0; i < n; i++) {
        v[i].val = expected[i];
        v[i].uaddr = (uint64_t)(uintptr_t)words[i];
        v[i].flags = 2; /* FUTEX2_SIZE_U32, shared (no FUTEX2_PRIVATE) */
        v[i].reserved = 0;
    }
    /* futex_waitv takes an absolute CLOCK_MONOTONIC time. */
    if (timeout_ns < 0)
        timeout_ns = 0;
    timeout_ns += ti_now_ns();
    ts.tv_sec = (time_t)(timeout_ns / 1000000000);
    ts.tv_nsec = (long)(timeout_ns % 1000000000);
    if (syscall(SYS_futex_waitv, v, n, 0, &ts, CLOCK_MONOTONIC) >= 0)
        return 0;
    if (errno == EAGAIN)
        return 0;
    return errno;
}

/* ---- Readiness fds ------------------------------------------------------------ */

/* A consumer's readiness fd is one end of an AF_UNIX datagram socket pair
 * (ABI.md, section 3): it keeps `watch` (in its epoll set) and hands
 * `signal` to its producers. A producer signals with send(MSG_DONTWAIT),
 * which is non-blocking by the call itself: nothing the consumer does to the
 * shared file (clearing O_NONBLOCK, filling the queue, closing its end) can
 * make the producer's publishing thread block. An eventfd could not promise
 * that: its O_NONBLOCK belongs to the open file both sides share, and a write
 * blocks at a counter the consumer can push to its maximum. */
tachyon_error_t ti_wake_pair(int *watch, int *signal)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        return ti_os_fail(TACHYON_ERR_NO_MEMORY, errno); /* as any other fd the handshake could not make */
    *watch = sv[0];
    *signal = sv[1];
    return TACHYON_OK;
}

/* A signal end a peer sent: an AF_UNIX datagram socket (else HANDSHAKE). */
tachyon_error_t ti_wake_fd_check(int fd)
{
    struct stat st;
    int type = 0, domain = 0;
    socklen_t len = sizeof(type);

    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
        return TACHYON_ERR_HANDSHAKE;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_DGRAM)
        return TACHYON_ERR_HANDSHAKE;
    len = sizeof(domain);
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_UNIX)
        return TACHYON_ERR_HANDSHAKE;
    return TACHYON_OK;
}

/* One datagram; a full queue (EAGAIN) means the watch end is readable
 * already, and a consumer that went away (ECONNREFUSED) wants nothing. */
void ti_wake_fd_signal(int fd)
{
    static const uint8_t one = 1;

    (void)!send(fd, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Empties the watch end (each signal queued one datagram), up to a bound:
 * a producer that keeps sending could otherwise hold the consumer here for
 * as long as it likes. What is left keeps the fd readable, which costs the
 * loop a spurious wake-up and nothing else. */
void ti_wake_fd_clear(int fd)
{
    uint8_t buf[16];

    for (unsigned i = 0; i < TI_WAKE_CLEAR_MAX && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0; i++)
        ;
}

/* The wait-set's own `kick`: an eventfd nobody else holds. */
void ti_eventfd_clear(int fd)
{
    uint64_t v;

    (void)!read(fd, &v, sizeof(v));
}

void ti_eventfd_signal(int fd)
{
    uint64_t one = 1;

    (void)!write(fd, &one, sizeof(one));
}
