/*
 * rtt.c - round-trip latency of Tachyon and its baselines, in one run.
 *
 * Two processes pinned to two CPUs bounce a 32-byte message back and forth;
 * each sample is one round trip timed by the initiating process. Transports:
 *
 *   pingpong  floor        one cache line per direction, payload and sequence
 *                          number in the same line: the physical floor
 *             ring-floor   a data line plus a separate index line per direction:
 *                          the least any ring with a published tail can cost
 *             tachyon      two buses (one per direction), acquire/commit/flush; the
 *                          receiver waits in acquire_rx_blocking's spin (never sleeps)
 *             tachyon-poll the same, the receiver calling the non-blocking
 *                          acquire_rx in a tight loop instead
 *             spin-floor   the floor polled without a pause instruction: the
 *                          other floor; Tachyon's ratios are also given against
 *                          the lower of the two in each round
 *             uds          AF_UNIX stream socketpair, blocking read/write
 *             pipe         two pipes, blocking read/write
 *             zmq          ZeroMQ PAIR over ipc:// (when built with libzmq)
 *   wakeup    tachyon-futex  tachyon with both sides asleep (spin_threshold 0):
 *                          every hop is a futex wake of a sleeping consumer
 *             eventfd      two eventfds, blocking read/write: the kernel's
 *                          cheapest wake-up of a sleeping process
 *
 * floor, ring-floor, tachyon, tachyon-poll and spin-floor run in one pair of
 * processes, one round trip of each in turn, so all of them see the same placement of the
 * vCPUs on the host (--separate: one run each). Rounds interleave the
 * transports (the order rotates each round), so a drift of the shared machine
 * hits all of them alike; the final lines are medians over rounds, and
 * Tachyon's ratios are computed per round, then the median of those.
 *
 * Usage: rtt [--json] [--samples N] [--slow-samples N] [--rounds R]
 *            [--cpus A,B] [--transports a,b,...] [--separate] [--ring BYTES]
 *            [--cdf FILE] [--first-round K]
 *
 * --first-round K numbers the rounds from K (and rotates the order as round K
 * would), so a driver can interleave other programs between one-round runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef HAVE_ZMQ
#include <zmq.h>
#endif

#include "bench_util.h"
#include "tachyon.h"

#define PAYLOAD 32
#define MAX_ROUNDS 64

struct config {
    uint64_t samples;      /* round trips per run, fast transports */
    uint64_t slow_samples; /* round trips per run, transports that make syscalls */
    int rounds;
    int cpu_a, cpu_b;
    bool json;
    const char *only;      /* comma-separated transport names, or NULL for all */
    bool separate;         /* floor, ring-floor and tachyon in separate runs */
    FILE *cdf;             /* quantiles of every run, for the plot */
};

/* One transport: `run` forks the echoing child, times `n` round trips (after a
 * warm-up) into `ticks`, and reaps the child. Returns 0 or -1. */
struct transport {
    const char *bench;
    const char *name;
    bool slow;
    int busy; /* enum busy_kind for the busy-polling three, else -1 */
    int (*run)(const struct config *cfg, uint64_t *ticks, uint64_t n);
};

static uint64_t warmup_of(uint64_t n)
{
    uint64_t w = n / 10;
    return w < 100 ? 100 : w > 20000 ? 20000 : w;
}

/* The message: the round-trip number in the first 8 bytes, filler after. */
static void fill_payload(uint8_t *buf, uint64_t seq)
{
    memset(buf, 0x5a, PAYLOAD);
    memcpy(buf, &seq, sizeof seq);
}

static uint64_t payload_seq(const void *buf)
{
    uint64_t seq;
    memcpy(&seq, buf, sizeof seq);
    return seq;
}

/* ---- busy-polling transports: floor, ring-floor, tachyon ---------------------
 *
 * These run in one pair of processes, one round trip of each in turn
 * (floor, ring-floor, tachyon, tachyon-poll, floor, ...), so that all see the same
 * placement of the two vCPUs on the host: on a virtual machine that placement
 * changes the floor itself by 2-3x from one second to the next, and only
 * samples taken side by side give an honest ratio. `--separate` runs them one
 * after the other instead.
 */

enum busy_kind { KIND_FLOOR, KIND_RING_FLOOR, KIND_TACHYON, KIND_TACHYON_POLL, KIND_SPIN_FLOOR, N_BUSY };

/* How a Tachyon receiver waits for the next message. */
enum wait_mode {
    WAIT_SPIN,  /* acquire_rx_blocking with a spin budget that never runs out here: the
                   spin-wait of the library (pause, and a look at the next frame while it polls) */
    WAIT_POLL,  /* the non-blocking acquire_rx called in a tight loop */
    WAIT_SLEEP, /* acquire_rx_blocking with spin_threshold 0: straight to the futex */
};

struct line {
    _Alignas(128) _Atomic uint64_t seq;
    uint8_t payload[PAYLOAD];
};

struct floor_shm {
    struct line ping, pong;                              /* floor: sequence and payload in one line */
    struct line ping_data, ping_index, pong_data, pong_index; /* ring-floor: index apart from data */
    struct line spin_ping, spin_pong;                    /* spin-floor: as floor, without the pause */
};

/* The physical floor: one line carries the payload and the sequence number.
 * The waits pause between loads, as the library's spin-wait does: a reader
 * hammering the line without a pause delays the writer's ownership request,
 * and on a VM whose vCPUs sit on distant cores that made the "floor" slower
 * than Tachyon itself. */
static void floor_ping(struct floor_shm *s, uint64_t seq, const uint8_t *msg, uint8_t *back)
{
    memcpy(s->ping.payload, msg, PAYLOAD);
    atomic_store_explicit(&s->ping.seq, seq, memory_order_release);
    while (atomic_load_explicit(&s->pong.seq, memory_order_acquire) != seq)
        bu_relax();
    memcpy(back, s->pong.payload, PAYLOAD);
}

static void floor_pong(struct floor_shm *s, uint64_t seq)
{
    while (atomic_load_explicit(&s->ping.seq, memory_order_acquire) != seq)
        bu_relax();
    memcpy(s->pong.payload, s->ping.payload, PAYLOAD);
    atomic_store_explicit(&s->pong.seq, seq, memory_order_release);
}

/* The pure-spin floor: the floor's one line per direction, polled without a
 * pause instruction. On many cores this is the lower of the two floors (a
 * pause costs 40-140 cycles that the reply may wait for); each round
 * measures both, and ratios are also taken against the lower one. */
static void spin_floor_ping(struct floor_shm *s, uint64_t seq, const uint8_t *msg, uint8_t *back)
{
    memcpy(s->spin_ping.payload, msg, PAYLOAD);
    atomic_store_explicit(&s->spin_ping.seq, seq, memory_order_release);
    while (atomic_load_explicit(&s->spin_pong.seq, memory_order_acquire) != seq)
        __asm__ __volatile__("" ::: "memory");
    memcpy(back, s->spin_pong.payload, PAYLOAD);
}

static void spin_floor_pong(struct floor_shm *s, uint64_t seq)
{
    while (atomic_load_explicit(&s->spin_ping.seq, memory_order_acquire) != seq)
        __asm__ __volatile__("" ::: "memory");
    memcpy(s->spin_pong.payload, s->spin_ping.payload, PAYLOAD);
    atomic_store_explicit(&s->spin_pong.seq, seq, memory_order_release);
}

/* The least a ring with a published index costs: data line, then index line. */
static void ring_floor_ping(struct floor_shm *s, uint64_t seq, const uint8_t *msg, uint8_t *back)
{
    memcpy(s->ping_data.payload, msg, PAYLOAD);
    atomic_store_explicit(&s->ping_index.seq, seq, memory_order_release);
    while (atomic_load_explicit(&s->pong_index.seq, memory_order_acquire) != seq)
        bu_relax();
    memcpy(back, s->pong_data.payload, PAYLOAD);
}

static void ring_floor_pong(struct floor_shm *s, uint64_t seq)
{
    while (atomic_load_explicit(&s->ping_index.seq, memory_order_acquire) != seq)
        bu_relax();
    memcpy(s->pong_data.payload, s->ping_data.payload, PAYLOAD);
    atomic_store_explicit(&s->pong_index.seq, seq, memory_order_release);
}

/* The share of its CPU the less lucky of the two processes got in the last
 * busy-polling run (-1: not measured). */
static double last_cpu_share = -1.0;

/* Ring bytes of each Tachyon bus (--ring): small, so that the few lines a
 * ping-pong cycles through stay in both cores' L1 caches (see bench/README.md). */
static size_t tachyon_ring = 1024;

static unsigned run_counter;

static tachyon_error_t connect_retry(const char *path, tachyon_bus_t **bus)
{
    tachyon_error_t err;
    for (int tries = 0; tries < 2000; tries++) {
        err = tachyon_bus_connect(path, bus);
        if (err != TACHYON_ERR_NO_LISTENER)
            return err;
        usleep(1000); /* the peer has not reached listen() yet */
    }
    return err;
}

/* Spin budget for WAIT_SPIN: about a second of polling, far more than a
 * round trip, so the receiver never sleeps. */
#define SPIN_BUDGET (1u << 24)

/* Waits for the next message the way `mode` says. */
static const void *receive(tachyon_bus_t *bus, enum wait_mode mode)
{
    uint32_t type_id;
    size_t size;
    if (mode != WAIT_POLL) {
        for (;;) {
            const void *m = tachyon_acquire_rx_blocking(bus, &type_id, &size, mode == WAIT_SLEEP ? 0 : SPIN_BUDGET);
            if (m || tachyon_last_error(bus) != TACHYON_ERR_INTERRUPTED)
                return m;
        }
    }
    for (unsigned spins = 1;; spins++) {
        const void *m = tachyon_acquire_rx(bus, &type_id, &size);
        if (m)
            return m;
        if (spins % 4096 == 0 && tachyon_last_error(bus) != TACHYON_ERR_EMPTY)
            return NULL;
    }
}

/* Acquire, write in place, commit, publish now. */
static int send32(tachyon_bus_t *bus, const void *src)
{
    void *slot;
    while (!(slot = tachyon_acquire_tx(bus, PAYLOAD))) {
        if (tachyon_last_error(bus) != TACHYON_ERR_FULL)
            return -1;
    }
    memcpy(slot, src, PAYLOAD);
    if (tachyon_commit_tx(bus, PAYLOAD, 1) != TACHYON_OK)
        return -1;
    return tachyon_flush(bus) == TACHYON_OK ? 0 : -1;
}

static int tachyon_ping(tachyon_bus_t *tx, tachyon_bus_t *rx, enum wait_mode mode, const uint8_t *msg,
                        uint8_t *back)
{
    if (send32(tx, msg) != 0)
        return -1;
    const void *m = receive(rx, mode);
    if (!m)
        return -1;
    memcpy(back, m, PAYLOAD);
    return tachyon_commit_rx(rx) == TACHYON_OK ? 0 : -1;
}

static int tachyon_pong(tachyon_bus_t *tx, tachyon_bus_t *rx, enum wait_mode mode)
{
    const void *m = receive(rx, mode);
    if (!m || send32(tx, m) != 0)
        return -1;
    return tachyon_commit_rx(rx) == TACHYON_OK ? 0 : -1;
}

/* Which transport round trip number i (from 1) uses: the selected kinds in
 * turn, each exactly once per cycle (so every kind gets the same count). */
static enum busy_kind kind_of(uint64_t i, unsigned mask)
{
    unsigned nth = (unsigned)(i % (uint64_t)__builtin_popcount(mask));
    for (int k = 0; k < N_BUSY; k++) {
        if ((mask & (1u << k)) && nth-- == 0)
            return (enum busy_kind)k;
    }
    return KIND_FLOOR; /* not reached: mask is never empty */
}

/* Runs the kinds in `mask` (one of them, or several interleaved per round
 * trip), n timed round trips each, into ticks[kind]; `sleep` makes the Tachyon
 * side wait in the library's futex sleep instead of polling. */
static int run_busy(const struct config *cfg, unsigned mask, uint64_t *ticks[N_BUSY], uint64_t n, bool sleep)
{
    unsigned kinds = (unsigned)__builtin_popcount(mask);
    uint64_t warm = warmup_of(n) * kinds, total = warm + n * kinds;
    bool with_tachyon = mask & ((1u << KIND_TACHYON) | (1u << KIND_TACHYON_POLL));
    enum wait_mode tachyon_mode = sleep ? WAIT_SLEEP : WAIT_SPIN;
    char ping_path[64], pong_path[64];
    unsigned id = run_counter++;
    snprintf(ping_path, sizeof ping_path, "@tachyon-bench-rtt-%d-%u-ping", (int)getpid(), id);
    snprintf(pong_path, sizeof pong_path, "@tachyon-bench-rtt-%d-%u-pong", (int)getpid(), id);
    struct floor_shm *s = bu_shared_alloc(sizeof *s);
    if (!s)
        return -1;

    int pid = fork();
    if (pid < 0) {
        bu_shared_free(s, sizeof *s);
        return -1;
    }
    if (pid == 0) {
        bu_pin(cfg->cpu_b);
        tachyon_bus_t *rx = NULL, *tx = NULL;
        if (with_tachyon) {
            if (tachyon_bus_listen(ping_path, tachyon_ring, &rx) != TACHYON_OK)
                _exit(1);
            if (connect_retry(pong_path, &tx) != TACHYON_OK)
                _exit(1);
        }
        uint64_t seq[N_BUSY] = {0};
        for (uint64_t i = 1; i <= total; i++) {
            enum busy_kind k = kind_of(i, mask);
            seq[k]++;
            if (k == KIND_FLOOR)
                floor_pong(s, seq[k]);
            else if (k == KIND_RING_FLOOR)
                ring_floor_pong(s, seq[k]);
            else if (k == KIND_SPIN_FLOOR)
                spin_floor_pong(s, seq[k]);
            else if (tachyon_pong(tx, rx, k == KIND_TACHYON ? tachyon_mode : WAIT_POLL) != 0)
                _exit(1);
        }
        tachyon_bus_destroy(tx);
        tachyon_bus_destroy(rx);
        _exit(0);
    }

    bu_pin(cfg->cpu_a);
    tachyon_bus_t *tx = NULL, *rx = NULL;
    int rc = 0;
    if (with_tachyon) {
        if (connect_retry(ping_path, &tx) != TACHYON_OK) {
            kill(pid, SIGKILL); /* never connected: the child waits in listen() */
            rc = -1;
        } else if (tachyon_bus_listen(pong_path, tachyon_ring, &rx) != TACHYON_OK) {
            rc = -1;
        }
    }
    uint64_t seq[N_BUSY] = {0}, taken[N_BUSY] = {0};
    uint8_t msg[PAYLOAD], back[PAYLOAD] = {0};
    uint64_t wall0 = bu_now_ns(), cpu0 = bu_process_cpu_ns();
    for (uint64_t i = 1; rc == 0 && i <= total; i++) {
        enum busy_kind k = kind_of(i, mask);
        seq[k]++;
        fill_payload(msg, seq[k]);
        uint64_t t0 = bu_ticks();
        if (k == KIND_FLOOR)
            floor_ping(s, seq[k], msg, back);
        else if (k == KIND_RING_FLOOR)
            ring_floor_ping(s, seq[k], msg, back);
        else if (k == KIND_SPIN_FLOOR)
            spin_floor_ping(s, seq[k], msg, back);
        else if (tachyon_ping(tx, rx, k == KIND_TACHYON ? tachyon_mode : WAIT_POLL, msg, back) != 0)
            rc = -1;
        uint64_t t1 = bu_ticks();
        if (payload_seq(back) != seq[k])
            rc = -1;
        if (i > warm && taken[k] < n)
            ticks[k][taken[k]++] = t1 - t0;
    }
    uint64_t wall = bu_now_ns() - wall0, cpu = bu_process_cpu_ns() - cpu0, child_cpu;
    tachyon_bus_destroy(tx);
    tachyon_bus_destroy(rx);
    if (bu_wait_child_cpu(pid, &child_cpu) != 0)
        rc = -1;
    if (!sleep && wall > 0) {
        /* both sides poll all the time: less than 1 means the machine's other
         * load took the CPU from one of them */
        double a = (double)cpu / (double)wall, b = (double)child_cpu / (double)wall;
        last_cpu_share = a < b ? a : b;
        if (last_cpu_share > 1.0)
            last_cpu_share = 1.0;
    }
    bu_shared_free(s, sizeof *s);
    for (int k = 0; k < N_BUSY; k++) {
        if ((mask & (1u << k)) && taken[k] != n)
            rc = -1;
    }
    return rc;
}

static int run_floor(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    uint64_t *t[N_BUSY] = {ticks, NULL, NULL, NULL};
    return run_busy(cfg, 1u << KIND_FLOOR, t, n, false);
}

static int run_spin_floor(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    uint64_t *t[N_BUSY] = {NULL, NULL, NULL, NULL, ticks};
    return run_busy(cfg, 1u << KIND_SPIN_FLOOR, t, n, false);
}

static int run_ring_floor(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    uint64_t *t[N_BUSY] = {NULL, ticks, NULL, NULL};
    return run_busy(cfg, 1u << KIND_RING_FLOOR, t, n, false);
}

static int run_tachyon(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    uint64_t *t[N_BUSY] = {NULL, NULL, ticks, NULL};
    return run_busy(cfg, 1u << KIND_TACHYON, t, n, false);
}

static int run_tachyon_poll(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    uint64_t *t[N_BUSY] = {NULL, NULL, NULL, ticks};
    return run_busy(cfg, 1u << KIND_TACHYON_POLL, t, n, false);
}

static int run_tachyon_futex(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    uint64_t *t[N_BUSY] = {NULL, NULL, ticks, NULL};
    return run_busy(cfg, 1u << KIND_TACHYON, t, n, true);
}

/* ---- file-descriptor transports: uds, pipe, eventfd ---------------------------- */

static int read_full(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Bounces `len`-byte messages: the parent writes to out_fd and reads in_fd; the
 * child reads child_in and writes child_out. */
static int run_fd_pair(const struct config *cfg, uint64_t *ticks, uint64_t n, int out_fd, int in_fd,
                       int child_in, int child_out, size_t len)
{
    uint64_t warm = warmup_of(n), total = warm + n;
    int pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        bu_pin(cfg->cpu_b);
        close(out_fd);
        if (in_fd != out_fd)
            close(in_fd);
        uint8_t buf[PAYLOAD];
        for (uint64_t i = 1; i <= total; i++) {
            if (read_full(child_in, buf, len) || write_full(child_out, buf, len))
                _exit(1);
        }
        _exit(0);
    }
    close(child_in);
    if (child_out != child_in)
        close(child_out);
    bu_pin(cfg->cpu_a);
    uint8_t msg[PAYLOAD], back[PAYLOAD];
    int rc = 0;
    for (uint64_t i = 1; i <= total; i++) {
        fill_payload(msg, i);
        uint64_t t0 = bu_ticks();
        if (write_full(out_fd, msg, len) || read_full(in_fd, back, len)) {
            rc = -1;
            break;
        }
        uint64_t t1 = bu_ticks();
        if (payload_seq(back) != i)
            rc = -1;
        if (i > warm)
            ticks[i - warm - 1] = t1 - t0;
    }
    close(out_fd);
    if (in_fd != out_fd)
        close(in_fd);
    if (bu_wait_child(pid) != 0)
        rc = -1;
    return rc;
}

static int run_uds(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -1;
    return run_fd_pair(cfg, ticks, n, sv[0], sv[0], sv[1], sv[1], PAYLOAD);
}

static int run_pipe(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    int there[2], back[2];
    if (pipe(there) != 0)
        return -1;
    if (pipe(back) != 0) {
        close(there[0]);
        close(there[1]);
        return -1;
    }
    return run_fd_pair(cfg, ticks, n, there[1], back[0], there[0], back[1], PAYLOAD);
}

/* An eventfd read returns the 8-byte counter and resets it, so each 8-byte
 * write/read pair is one wake-up; the round number rides in the counter. */
static int run_eventfd(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    int there = eventfd(0, EFD_CLOEXEC), back = eventfd(0, EFD_CLOEXEC);
    if (there < 0 || back < 0) {
        if (there >= 0)
            close(there);
        if (back >= 0)
            close(back);
        return -1;
    }
    uint64_t warm = warmup_of(n), total = warm + n;
    int pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        bu_pin(cfg->cpu_b);
        for (uint64_t i = 1; i <= total; i++) {
            uint64_t v;
            if (read_full(there, &v, sizeof v) || write_full(back, &v, sizeof v))
                _exit(1);
        }
        _exit(0);
    }
    bu_pin(cfg->cpu_a);
    int rc = 0;
    for (uint64_t i = 1; i <= total; i++) {
        uint64_t v = i, got;
        uint64_t t0 = bu_ticks();
        if (write_full(there, &v, sizeof v) || read_full(back, &got, sizeof got)) {
            rc = -1;
            break;
        }
        uint64_t t1 = bu_ticks();
        if (got != i)
            rc = -1;
        if (i > warm)
            ticks[i - warm - 1] = t1 - t0;
    }
    close(there);
    close(back);
    if (bu_wait_child(pid) != 0)
        rc = -1;
    return rc;
}

/* ---- zmq -------------------------------------------------------------------------- */

#ifdef HAVE_ZMQ
static int zmq_echo(const char *endpoint, uint64_t total)
{
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_PAIR);
    int rc = 0;
    if (!sock || zmq_bind(sock, endpoint) != 0)
        rc = 1;
    uint8_t buf[PAYLOAD];
    for (uint64_t i = 1; rc == 0 && i <= total; i++) {
        if (zmq_recv(sock, buf, sizeof buf, 0) != PAYLOAD || zmq_send(sock, buf, PAYLOAD, 0) != PAYLOAD)
            rc = 1;
    }
    int linger = 0;
    if (sock) {
        zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(sock);
    }
    zmq_ctx_term(ctx);
    return rc;
}

static int run_zmq(const struct config *cfg, uint64_t *ticks, uint64_t n)
{
    char endpoint[96];
    snprintf(endpoint, sizeof endpoint, "ipc:///tmp/tachyon-bench-zmq-%d-%u", (int)getpid(), run_counter++);
    uint64_t warm = warmup_of(n), total = warm + n;
    int pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        bu_pin(cfg->cpu_b);
        _exit(zmq_echo(endpoint, total));
    }
    bu_pin(cfg->cpu_a);
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_PAIR);
    int rc = (sock && zmq_connect(sock, endpoint) == 0) ? 0 : -1;
    uint8_t msg[PAYLOAD], back[PAYLOAD];
    for (uint64_t i = 1; rc == 0 && i <= total; i++) {
        fill_payload(msg, i);
        uint64_t t0 = bu_ticks();
        if (zmq_send(sock, msg, PAYLOAD, 0) != PAYLOAD || zmq_recv(sock, back, sizeof back, 0) != PAYLOAD) {
            rc = -1;
            break;
        }
        uint64_t t1 = bu_ticks();
        if (payload_seq(back) != i)
            rc = -1;
        if (i > warm)
            ticks[i - warm - 1] = t1 - t0;
    }
    int linger = 0;
    if (sock) {
        zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(sock);
    }
    zmq_ctx_term(ctx);
    if (rc != 0)
        kill(pid, SIGKILL);
    if (bu_wait_child(pid) != 0)
        rc = -1;
    unlink(endpoint + strlen("ipc://"));
    return rc;
}
#endif

/* ---- driver ------------------------------------------------------------------------ */

static const struct transport transports[] = {
    {"pingpong", "floor", false, KIND_FLOOR, run_floor},
    {"pingpong", "ring-floor", false, KIND_RING_FLOOR, run_ring_floor},
    {"pingpong", "tachyon", false, KIND_TACHYON, run_tachyon},
    {"pingpong", "tachyon-poll", false, KIND_TACHYON_POLL, run_tachyon_poll},
    {"pingpong", "spin-floor", false, KIND_SPIN_FLOOR, run_spin_floor},
    {"pingpong", "uds", true, -1, run_uds},
    {"pingpong", "pipe", true, -1, run_pipe},
#ifdef HAVE_ZMQ
    {"pingpong", "zmq", true, -1, run_zmq},
#endif
    {"wakeup", "tachyon-futex", true, -1, run_tachyon_futex},
    {"wakeup", "eventfd", true, -1, run_eventfd},
};
#define N_TRANSPORTS (sizeof transports / sizeof transports[0])
#define TACHYON_IDX 2 /* the spin-waiting Tachyon row, whose ratios are reported */
#define FLOOR_IDX 0
#define SPIN_FLOOR_IDX 4
#define FUTEX_IDX (N_TRANSPORTS - 2)
#define EVENTFD_IDX (N_TRANSPORTS - 1)

/* every percentile of every run, kept for the medians over rounds */
static struct bu_summary results[N_TRANSPORTS][MAX_ROUNDS];
static bool ok[N_TRANSPORTS][MAX_ROUNDS];
static double cpu_share[N_TRANSPORTS][MAX_ROUNDS];

static bool selected(const struct config *cfg, const char *name)
{
    if (!cfg->only)
        return true;
    size_t len = strlen(name);
    for (const char *p = cfg->only; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

static void print_key(const char *prefix, const char *name)
{
    fputs(prefix, stdout);
    for (const char *c = name; *c; c++)
        putchar(*c == '-' ? '_' : *c); /* JSON keys stay identifiers */
}

static void print_result(const struct config *cfg, size_t idx, const struct bu_summary *s, const char *round_text,
                         double share)
{
    const struct transport *t = &transports[idx];
    double rtt_per_s = s->mean_ns > 0 ? 1e9 / s->mean_ns : 0.0;
    int payload = idx == EVENTFD_IDX ? 8 : PAYLOAD; /* an eventfd carries its 8-byte counter */
    if (cfg->json) {
        printf("{\"bench\":\"%s\",\"transport\":\"%s\",\"payload\":%d,\"samples\":%zu,\"min_ns\":%.1f,"
               "\"p50_ns\":%.1f,\"p90_ns\":%.1f,\"p99_ns\":%.1f,\"p999_ns\":%.1f,\"p9999_ns\":%.1f,"
               "\"max_ns\":%.1f,\"mean_ns\":%.1f,\"tmean_ns\":%.2f,\"rtt_per_s\":%.0f,\"round\":%s,"
               "\"cpus\":[%d,%d]",
               t->bench, t->name, payload, s->samples, s->min_ns, s->p50_ns, s->p90_ns, s->p99_ns, s->p999_ns,
               s->p9999_ns, s->max_ns, s->mean_ns, s->tmean_ns, rtt_per_s, round_text, cfg->cpu_a, cfg->cpu_b);
        printf(",\"over_2x_p50\":%.5f", s->over_2x_p50);
        if (t->busy >= 0)
            printf(",\"interleave\":\"%s\",\"ring\":%zu", cfg->separate ? "runs" : "round-trips", tachyon_ring);
        if (share >= 0)
            printf(",\"cpu_share\":%.3f", share);
    } else {
        printf("%-9s %-14s round %-6s n=%-8zu min %8.1f  p50 %8.1f  p90 %8.1f  p99 %9.1f  p99.9 %9.1f  "
               "max %10.1f ns",
               t->bench, t->name, round_text, s->samples, s->min_ns, s->p50_ns, s->p90_ns, s->p99_ns, s->p999_ns,
               s->max_ns);
    }
}

/* Summarises one run of transport idx in round r (0-based), prints it and
 * appends its quantiles to the CDF file. */
static void record(const struct config *cfg, size_t idx, int r, int first_round, uint64_t *ticks, uint64_t n)
{
    const struct transport *t = &transports[idx];
    bu_summarise(ticks, n, &results[idx][r]);
    ok[idx][r] = true;
    cpu_share[idx][r] = last_cpu_share;
    char round_text[16];
    snprintf(round_text, sizeof round_text, "%d", r + first_round);
    print_result(cfg, idx, &results[idx][r], round_text, last_cpu_share);
    printf(cfg->json ? "}\n" : "\n");
    if (cfg->cdf) {
        fprintf(cfg->cdf, "{\"bench\":\"%s\",\"transport\":\"%s\",\"round\":%d,\"quantiles_ns\":", t->bench, t->name,
                r + first_round);
        bu_write_quantiles(cfg->cdf, ticks, n, 1000);
        fprintf(cfg->cdf, "}\n");
    }
}

/* Medians over rounds of every percentile; for Tachyon's two rows also the
 * median over rounds of the ratio of its p50 to each baseline's p50 in the
 * same round. */
static void print_medians(const struct config *cfg)
{
    for (size_t k = 0; k < N_TRANSPORTS; k++) {
        struct bu_summary med = {0};
        double v[10][MAX_ROUNDS], shares[MAX_ROUNDS];
        size_t m = 0, ns = 0;
        for (int r = 0; r < cfg->rounds; r++) {
            if (!ok[k][r])
                continue;
            if (cpu_share[k][r] >= 0)
                shares[ns++] = cpu_share[k][r];
            const struct bu_summary *s = &results[k][r];
            v[0][m] = s->min_ns, v[1][m] = s->p50_ns, v[2][m] = s->p90_ns, v[3][m] = s->p99_ns;
            v[4][m] = s->p999_ns, v[5][m] = s->p9999_ns, v[6][m] = s->max_ns, v[7][m] = s->mean_ns;
            v[8][m] = s->tmean_ns, v[9][m] = s->over_2x_p50;
            med.samples = s->samples;
            m++;
        }
        if (m == 0)
            continue;
        med.min_ns = bu_median(v[0], m), med.p50_ns = bu_median(v[1], m), med.p90_ns = bu_median(v[2], m);
        med.p99_ns = bu_median(v[3], m), med.p999_ns = bu_median(v[4], m), med.p9999_ns = bu_median(v[5], m);
        med.max_ns = bu_median(v[6], m), med.mean_ns = bu_median(v[7], m), med.tmean_ns = bu_median(v[8], m);
        med.over_2x_p50 = bu_median(v[9], m);
        print_result(cfg, k, &med, cfg->json ? "\"median\"" : "median", ns ? bu_median(shares, ns) : -1.0);
        if (cfg->json)
            printf(",\"rounds\":%zu", m);
        if (k == TACHYON_IDX || k == FUTEX_IDX) {
            for (size_t b = 0; b < N_TRANSPORTS; b++) {
                if (b == k || strcmp(transports[b].bench, transports[k].bench) != 0)
                    continue;
                double ratios[MAX_ROUNDS], tratios[MAX_ROUNDS], pratios[MAX_ROUNDS];
                size_t nr = 0;
                for (int r = 0; r < cfg->rounds; r++) {
                    if (ok[k][r] && ok[b][r] && results[b][r].p50_ns > 0 && results[b][r].tmean_ns > 0 &&
                        results[b][r].p99_ns > 0) {
                        tratios[nr] = results[k][r].tmean_ns / results[b][r].tmean_ns;
                        pratios[nr] = results[k][r].p99_ns / results[b][r].p99_ns;
                        ratios[nr++] = results[k][r].p50_ns / results[b][r].p50_ns;
                    }
                }
                if (nr == 0)
                    continue;
                double ratio = bu_median(ratios, nr), tratio = bu_median(tratios, nr), pratio = bu_median(pratios, nr);
                if (cfg->json) {
                    print_key(",\"p99_ratio_to_", transports[b].name);
                    printf("\":%.3f", pratio);
                    print_key(",\"ratio_to_", transports[b].name);
                    printf("\":%.3f", ratio);
                    print_key(",\"tmean_ratio_to_", transports[b].name);
                    printf("\":%.3f", tratio);
                } else {
                    printf("  x%.3f of %s", ratio, transports[b].name);
                }
            }
        }
        if (k == TACHYON_IDX) {
            /* Against the lower of the two floors in each round (the pausing
             * floor and the pure-spin one), p50 and p99 each. */
            double r50[MAX_ROUNDS], r99[MAX_ROUNDS];
            size_t nr = 0;
            for (int r = 0; r < cfg->rounds; r++) {
                const struct bu_summary *a = &results[FLOOR_IDX][r], *b = &results[SPIN_FLOOR_IDX][r];
                bool oka = ok[FLOOR_IDX][r] && a->p50_ns > 0, okb = ok[SPIN_FLOOR_IDX][r] && b->p50_ns > 0;
                if (!ok[k][r] || (!oka && !okb))
                    continue;
                const struct bu_summary *lo = !okb || (oka && a->p50_ns <= b->p50_ns) ? a : b;
                r50[nr] = results[k][r].p50_ns / lo->p50_ns;
                r99[nr++] = lo->p99_ns > 0 ? results[k][r].p99_ns / lo->p99_ns : 0.0;
            }
            if (nr && cfg->json)
                printf(",\"ratio_to_lower_floor\":%.3f,\"p99_ratio_to_lower_floor\":%.3f", bu_median(r50, nr),
                       bu_median(r99, nr));
            else if (nr)
                printf("  x%.3f of the lower floor (p99 x%.3f)", bu_median(r50, nr), bu_median(r99, nr));
        }
        printf(cfg->json ? "}\n" : "\n");
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: rtt [--json] [--samples N] [--slow-samples N] [--rounds R] [--cpus A,B]\n"
                    "           [--transports a,b,...] [--separate] [--ring BYTES] [--cdf FILE]\n"
                    "           [--first-round K] [--list]\n");
}

static int parse_args(int argc, char **argv, struct config *cfg, const char **cdf_path, int *first_round)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            cfg->json = true;
            continue;
        }
        if (strcmp(a, "--separate") == 0) {
            cfg->separate = true;
            continue;
        }
        if (strcmp(a, "--list") == 0) {
            for (size_t k = 0; k < N_TRANSPORTS; k++)
                printf("%s %s\n", transports[k].bench, transports[k].name);
            exit(0);
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        uint64_t n;
        if (!v)
            return -1;
        if (strcmp(a, "--samples") == 0 && bu_parse_count(v, &cfg->samples) == 0 && cfg->samples > 0)
            continue;
        if (strcmp(a, "--slow-samples") == 0 && bu_parse_count(v, &cfg->slow_samples) == 0 && cfg->slow_samples > 0)
            continue;
        if (strcmp(a, "--rounds") == 0 && (cfg->rounds = atoi(v)) >= 1 && cfg->rounds <= MAX_ROUNDS)
            continue;
        if (strcmp(a, "--cpus") == 0 && bu_parse_cpus(v, &cfg->cpu_a, &cfg->cpu_b) == 0)
            continue;
        if (strcmp(a, "--transports") == 0) {
            cfg->only = v;
            continue;
        }
        if (strcmp(a, "--ring") == 0 && bu_parse_count(v, &n) == 0 && n >= TACHYON_MIN_CAPACITY && !(n & (n - 1))) {
            tachyon_ring = (size_t)n;
            continue;
        }
        if (strcmp(a, "--first-round") == 0 && (*first_round = atoi(v)) >= 1)
            continue;
        if (strcmp(a, "--cdf") == 0) {
            *cdf_path = v;
            continue;
        }
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct config cfg = {.samples = 100000, .slow_samples = 0, .rounds = 5, .cpu_a = 0, .cpu_b = 1};
    const char *cdf_path = NULL;
    int first_round = 1;
    if (parse_args(argc, argv, &cfg, &cdf_path, &first_round) != 0) {
        usage();
        return 2;
    }
    if (cfg.slow_samples == 0)
        cfg.slow_samples = cfg.samples / 20 ? cfg.samples / 20 : 1; /* a syscall round trip costs ~100x */
    /* appended, so that one file collects a series of one-round runs */
    if (cdf_path && !(cfg.cdf = fopen(cdf_path, "a"))) {
        perror(cdf_path);
        return 1;
    }
    bu_clock_init();

    uint64_t max_n = cfg.samples > cfg.slow_samples ? cfg.samples : cfg.slow_samples;
    uint64_t *ticks[N_BUSY];
    for (int k = 0; k < N_BUSY; k++) {
        if (!(ticks[k] = malloc(max_n * sizeof(uint64_t))))
            return 1;
    }
    unsigned busy_mask = 0;
    for (size_t k = 0; k < N_TRANSPORTS; k++) {
        if (transports[k].busy >= 0 && selected(&cfg, transports[k].name))
            busy_mask |= 1u << transports[k].busy;
    }

    int failures = 0;
    for (int r = 0; r < cfg.rounds; r++) {
        bool busy_done = false;
        for (size_t k = 0; k < N_TRANSPORTS; k++) {
            size_t idx = (k + (size_t)(r + first_round - 1)) % N_TRANSPORTS; /* rotate the order each round */
            const struct transport *t = &transports[idx];
            if (!selected(&cfg, t->name))
                continue;
            fflush(stdout);
            last_cpu_share = -1.0;
            if (t->busy >= 0 && !cfg.separate) {
                /* the busy-polling transports, side by side in one run */
                if (busy_done)
                    continue;
                busy_done = true;
                if (run_busy(&cfg, busy_mask, ticks, cfg.samples, false) != 0) {
                    fprintf(stderr, "rtt: floor/ring-floor/tachyon round %d failed\n", r + first_round);
                    failures++;
                    continue;
                }
                for (size_t b = 0; b < N_TRANSPORTS; b++) {
                    if (transports[b].busy >= 0 && (busy_mask & (1u << transports[b].busy)))
                        record(&cfg, b, r, first_round, ticks[transports[b].busy], cfg.samples);
                }
                continue;
            }
            uint64_t n = t->slow ? cfg.slow_samples : cfg.samples;
            if (t->run(&cfg, ticks[0], n) != 0) {
                fprintf(stderr, "rtt: %s round %d failed\n", t->name, r + first_round);
                failures++;
                continue;
            }
            record(&cfg, idx, r, first_round, ticks[0], n);
        }
    }
    print_medians(&cfg);
    if (cfg.cdf)
        fclose(cfg.cdf);
    for (int k = 0; k < N_BUSY; k++)
        free(ticks[k]);
    return failures ? 1 : 0;
}
