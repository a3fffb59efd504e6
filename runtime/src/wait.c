/*
 * wait.c - blocking: spin, then sleep on a futex in shared memory, waking at
 * least every TACHYON_WATCHDOG_MS to check the peer and the deadline; peer
 * liveness through its pidfd.
 *
 * The no-lost-wake-up argument (for the consumer; the producer's is the mirror
 * image with head / producer_sleeping / space_seq):
 *   consumer: seq = data_seq (acquire); consumer_sleeping = 1 (seq_cst);
 *             reload tail (seq_cst); if nothing new, FUTEX_WAIT(data_seq, seq).
 *   producer: tail = wpos (seq_cst exchange); if consumer_sleeping (seq_cst)
 *             { data_seq++ (release); FUTEX_WAKE }.
 * In the single total order of seq_cst operations either the producer's flag
 * load comes after the consumer's flag store (it then bumps data_seq, so the
 * FUTEX_WAIT either sees a changed word and returns EAGAIN or is already
 * queued and gets the wake), or the consumer's tail reload comes after the
 * producer's exchange (it sees the new tail and does not sleep).
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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Pause-loop iterations a blocked producer spins before it sleeps. */
#define TI_TX_SPIN 2048u

int64_t ti_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleeps while *word == expected, at most timeout_ns. Returns 0 (woken or
 * word changed), ETIMEDOUT or EINTR. Not FUTEX_PRIVATE: the word is shared
 * between processes. */
int ti_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    struct timespec ts;

    if (timeout_ns < 0)
        timeout_ns = 0;
    ts.tv_sec = (time_t)(timeout_ns / 1000000000);
    ts.tv_nsec = (long)(timeout_ns % 1000000000);
    if (syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0) == 0)
        return 0;
    if (errno == ETIMEDOUT || errno == EINTR)
        return errno;
    return 0; /* EAGAIN: the word already changed */
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
    if (now - bus->last_peer_check < TI_WATCHDOG_NS)
        return 0;
    bus->last_peer_check = now;
    return ti_peer_dead(bus);
}

static int64_t ti_deadline(int64_t timeout_ns)
{
    int64_t now;

    if (timeout_ns < 0)
        return INT64_MAX;
    now = ti_now_ns();
    return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

static int64_t ti_sleep_for(int64_t deadline, int64_t now)
{
    int64_t left = deadline - now;

    return left < TI_WATCHDOG_NS ? left : TI_WATCHDOG_NS;
}

/* ---- Producer ------------------------------------------------------------ */

static uint64_t ti_tx_need_now(const tachyon_bus_t *bus, size_t max_size)
{
    uint64_t len = ti_frame_len(max_size);
    uint64_t idx = bus->wpos & bus->mask;

    return idx + len <= bus->capacity ? len : len + (bus->capacity - idx);
}

void *tachyon_acquire_tx_blocking(tachyon_bus_t *bus, size_t max_size, int64_t timeout_ns)
{
    struct ti_shared *shm;
    int64_t deadline;
    uint64_t need, want;
    void *slot;

    if (!bus)
        return NULL;
    slot = tachyon_acquire_tx(bus, max_size);
    if (slot || bus->last_error != TACHYON_ERR_FULL)
        return slot;
    shm = bus->shm;
    deadline = ti_deadline(timeout_ns);
    need = ti_tx_need_now(bus, max_size);
    want = need + bus->capacity / 8 < bus->capacity ? need + bus->capacity / 8 : bus->capacity;
    /* The consumer can only free space for frames it can see. */
    ti_publish(bus);
    for (;;) {
        uint32_t seq;
        int64_t now;
        int fits, r;

        /* Spin until the consumer freed what we need plus some slack: then
         * the next few sends find room without reading head again, instead
         * of pulling the consumer's line over for every 64 bytes it frees. */
        for (unsigned i = 0; i < TI_TX_SPIN; i++) {
            uint64_t head = ti_load_acquire(&shm->head);
            if (head <= bus->wpos && bus->capacity - (bus->wpos - head) >= want)
                break;
            ti_cpu_relax();
        }
        fits = ti_tx_fits(bus, need);
        if (fits < 0)
            return NULL;
        if (fits)
            break;

        /* Acquire: pairs with the consumer's release increment of space_seq. */
        seq = ti_load_acquire(&shm->space_seq);
        /* Ask to be woken when `want` bytes are free, not the first 64:
         * head must reach wpos + want - capacity. The consumer always gets
         * there by draining what we published (want <= capacity). */
        ti_store_relaxed(&shm->producer_wake_head,
                         bus->wpos + want > bus->capacity ? bus->wpos + want - bus->capacity : 0);
        ti_store_seqcst(&shm->producer_sleeping, 1);
        fits = ti_tx_fits(bus, need);
        if (fits != 0) {
            ti_store_relaxed(&shm->producer_sleeping, 0);
            if (fits < 0)
                return NULL;
            break;
        }
        now = ti_now_ns();
        if (now >= deadline) {
            ti_store_relaxed(&shm->producer_sleeping, 0);
            return ti_fail_ptr(bus, TACHYON_ERR_TIMEOUT);
        }
        r = ti_futex_wait(&shm->space_seq, seq, ti_sleep_for(deadline, now));
        bus->stats.sleeps++;
        ti_store_relaxed(&shm->producer_sleeping, 0);
        if (r == EINTR)
            return ti_fail_ptr(bus, TACHYON_ERR_INTERRUPTED);
        if (r == ETIMEDOUT && ti_peer_dead(bus)) {
            bus->peer_dead = 1;
            return ti_fail_ptr(bus, TACHYON_ERR_PEER_GONE);
        }
    }
    slot = tachyon_acquire_tx(bus, max_size);
    return slot;
}

tachyon_error_t tachyon_send_blocking(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id,
                                      int64_t timeout_ns)
{
    void *slot;

    if (!bus)
        return TACHYON_ERR_INVALID_ARG;
    if (!data && size)
        return ti_fail(bus, TACHYON_ERR_INVALID_ARG);
    slot = tachyon_acquire_tx_blocking(bus, size, timeout_ns);
    if (!slot)
        return bus->last_error;
    if (size)
        memcpy(slot, data, size);
    return tachyon_commit_tx(bus, size, type_id);
}

/* ---- Consumer ------------------------------------------------------------ */

/* 1 if the producer is gone; then the unpublished frames it committed are
 * made readable, and the acquire that follows delivers them, then PEER_GONE. */
static int ti_rx_check_peer(tachyon_bus_t *bus)
{
    if (!ti_peer_dead(bus))
        return 0;
    ti_recover_unpublished(bus);
    return 1;
}

/* Spins at most `spin` pause iterations for the tail to move. Every 4096
 * iterations it looks at the clock, so that a long spin still honours the
 * deadline and checks the peer once per watchdog period. Returns 1 when there
 * may be something to read. */
static int ti_rx_spin(tachyon_bus_t *bus, uint32_t spin, int64_t deadline, int64_t *last_check)
{
    struct ti_shared *shm = bus->shm;
    /* Poll the next frame's line as well as the tail: the two loads are
     * independent, so when the producer publishes, the frame is (usually)
     * already in our cache by the time acquire_rx reads it, instead of
     * costing a second cache miss after the tail's. The value is only a
     * hint; acquire_rx validates as always. */
    const uint64_t *stamp = (const uint64_t *)(bus->ring + (bus->limit & bus->mask) + 8);

    for (uint32_t i = 0; i < spin; i++) {
        ti_cpu_relax();
        (void)ti_load_relaxed(stamp);
        if (ti_load_relaxed(&shm->tail) != bus->limit)
            return 1;
        if ((i & 4095) == 4095) {
            int64_t now = ti_now_ns();
            if (now >= deadline)
                return 0;
            if (now - *last_check >= TI_WATCHDOG_NS) {
                *last_check = now;
                if (ti_rx_check_peer(bus))
                    return 1;
            }
        }
    }
    return ti_load_relaxed(&shm->tail) != bus->limit;
}

const void *tachyon_acquire_rx_timeout(tachyon_bus_t *bus, uint32_t *type_id, size_t *size, uint32_t spin_threshold,
                                       int64_t timeout_ns)
{
    struct ti_shared *shm;
    int64_t deadline = 0, last_check = 0;
    int waited = 0;
    const void *msg;

    if (!bus)
        return NULL;
    shm = bus->shm;
    for (;;) {
        uint32_t seq;
        int64_t now;
        int r;

        msg = tachyon_acquire_rx(bus, type_id, size);
        if (msg || bus->last_error != TACHYON_ERR_EMPTY)
            return msg;
        if (!waited) { /* first miss: only now is the clock worth reading */
            deadline = ti_deadline(timeout_ns);
            last_check = ti_now_ns();
            waited = 1;
        }
        if (ti_rx_spin(bus, spin_threshold, deadline, &last_check))
            continue;

        /* Acquire: pairs with the producer's release increment of data_seq. */
        seq = ti_load_acquire(&shm->data_seq);
        ti_store_seqcst(&shm->consumer_sleeping, 1);
        if (ti_load_seqcst(&shm->tail) != bus->limit ||
            ti_load_seqcst(&shm->producer_state) == TI_SIDE_CLOSED) {
            ti_store_relaxed(&shm->consumer_sleeping, 0);
            continue;
        }
        now = ti_now_ns();
        if (now >= deadline) {
            ti_store_relaxed(&shm->consumer_sleeping, 0);
            return ti_fail_ptr(bus, TACHYON_ERR_TIMEOUT);
        }
        r = ti_futex_wait(&shm->data_seq, seq, ti_sleep_for(deadline, now));
        bus->stats.sleeps++;
        ti_store_relaxed(&shm->consumer_sleeping, 0);
        if (r == EINTR)
            return ti_fail_ptr(bus, TACHYON_ERR_INTERRUPTED);
        if (r == ETIMEDOUT) {
            last_check = ti_now_ns();
            ti_rx_check_peer(bus);
        }
    }
}

const void *tachyon_acquire_rx_blocking(tachyon_bus_t *bus, uint32_t *type_id, size_t *size,
                                        uint32_t spin_threshold)
{
    return tachyon_acquire_rx_timeout(bus, type_id, size, spin_threshold, -1);
}
