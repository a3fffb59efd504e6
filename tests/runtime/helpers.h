/*
 * helpers.h - shared by the runtime tests: checks that fail the test with
 * file:line, unique socket names, a listener thread, child processes with a
 * time limit, a deterministic message generator, and the test scale.
 *
 * Exit codes: 0 pass, 1 fail, 77 skip.
 */
#ifndef TACHYON_TEST_HELPERS_H
#define TACHYON_TEST_HELPERS_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tachyon.h"

#define T_PASS 0
#define T_FAIL 1
#define T_SKIP 77

#define CHECK(cond)                                                                                                \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                               \
            exit(T_FAIL);                                                                                          \
        }                                                                                                          \
    } while (0)

/* Checks that `expr` yields the tachyon error `want`. */
#define CHECK_ERR(expr, want)                                                                                      \
    do {                                                                                                           \
        tachyon_error_t got_ = (expr);                                                                             \
        if (got_ != (want)) {                                                                                      \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s)\n", __FILE__, __LINE__, #expr, got_,     \
                    tachyon_strerror(got_), (int)(want), tachyon_strerror(want));                                  \
            exit(T_FAIL);                                                                                          \
        }                                                                                                          \
    } while (0)

static inline void t_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    exit(T_SKIP);
}

static inline int64_t t_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void t_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define T_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define T_SANITIZED 1
#endif
#endif
#ifndef T_SANITIZED
#define T_SANITIZED 0
#endif

/* The dead-peer bound (250 ms) counts from the death, which the kernel
 * reports once the killed process is torn down: at once normally, but a
 * sanitized process (TSan's shadow mappings) can spend a good part of the
 * bound dying. t_death_watch (called before the kill) starts a thread that
 * notes when `pid`'s pidfd turns readable, the report the library's own
 * check reads; t_death_at joins it and returns that time, or `killed_at` if
 * it came earlier or pidfds are missing. Tests print both spans. */
struct t_death_watch {
    pthread_t thread;
    int fd;
    int64_t at;
};

static void *t_death_watch_main(void *arg)
{
    struct t_death_watch *w = (struct t_death_watch *)arg;
    struct pollfd p = {.fd = w->fd, .events = POLLIN};

    while (poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    w->at = t_now_ns();
    return NULL;
}

static inline void t_death_watch(struct t_death_watch *w, pid_t pid)
{
    w->at = 0;
#ifdef SYS_pidfd_open
    w->fd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
    w->fd = -1;
#endif
    if (w->fd >= 0 && pthread_create(&w->thread, NULL, t_death_watch_main, w) != 0) {
        close(w->fd);
        w->fd = -1;
    }
}

static inline int64_t t_death_at(struct t_death_watch *w, int64_t killed_at)
{
    if (w->fd < 0)
        return killed_at;
    pthread_join(w->thread, NULL);
    close(w->fd);
    w->fd = -1;
    return w->at > killed_at ? w->at : killed_at;
}

/* Multiplier for message counts: TACHYON_TEST_SCALE if set, else 1 (0.1
 * under a sanitizer, which slows the hot path tenfold or more). */
static inline double t_scale(void)
{
    const char *s = getenv("TACHYON_TEST_SCALE");
    double v = s ? atof(s) : (T_SANITIZED ? 0.1 : 1.0);
    return v > 0 ? v : 1.0;
}

static inline uint64_t t_scaled(uint64_t n, uint64_t min)
{
    double v = (double)n * t_scale();
    return v < (double)min ? min : (uint64_t)v;
}

/* A socket name unique to this test process: a path in /tmp, or "@..." for
 * the abstract namespace. */
static inline void t_sock_name(char *buf, size_t len, const char *tag, int abstract)
{
    snprintf(buf, len, "%s/tmp/tachyon-test-%ld-%s", abstract ? "@" : "", (long)getpid(), tag);
}

/* ---- splitmix64: the same seed gives the same message stream ------------ */

static inline uint64_t t_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Fills a payload for message number `seq`: the first 8 bytes are seq (when
 * they fit), each further 8-byte word a mix of seq and its offset, the tail
 * bytes likewise, so a payload from another message, a shifted one, or a torn
 * one does not verify. Cheap enough for tens of millions of messages. */
static inline uint64_t t_word(uint64_t seq, size_t i)
{
    return ((seq + 1) * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)(i + 1) * 0xd6e8feb86659fd93ull);
}

static inline void t_fill(uint8_t *p, size_t size, uint64_t seq)
{
    size_t i = 0;
    if (size >= 8) {
        memcpy(p, &seq, 8);
        i = 8;
    }
    for (; i + 8 <= size; i += 8) {
        uint64_t w = t_word(seq, i);
        memcpy(p + i, &w, 8);
    }
    for (; i < size; i++)
        p[i] = (uint8_t)(t_word(seq, i) >> 56);
}

/* 1 if the payload is what t_fill wrote for `seq`. */
static inline int t_verify(const uint8_t *p, size_t size, uint64_t seq)
{
    uint64_t diff = 0;
    size_t i = 0;
    if (size >= 8) {
        uint64_t got;
        memcpy(&got, p, 8);
        diff |= got ^ seq;
        i = 8;
    }
    for (; i + 8 <= size; i += 8) {
        uint64_t got;
        memcpy(&got, p + i, 8);
        diff |= got ^ t_word(seq, i);
    }
    for (; i < size; i++)
        diff |= p[i] ^ (uint8_t)(t_word(seq, i) >> 56);
    return diff == 0;
}

/* ---- A listener on a thread --------------------------------------------- */

struct t_listener {
    pthread_t thread;
    char path[128];
    size_t capacity;
    tachyon_options_t opts;
    int use_opts;
    tachyon_bus_t *bus;
    tachyon_error_t err;
};

static inline void *t_listener_main(void *arg)
{
    struct t_listener *l = arg;
    l->err = l->use_opts ? tachyon_bus_listen_ex(l->path, l->capacity, &l->opts, &l->bus)
                         : tachyon_bus_listen(l->path, l->capacity, &l->bus);
    return NULL;
}

static inline void t_listener_start(struct t_listener *l, const char *path, size_t capacity,
                                    const tachyon_options_t *opts)
{
    memset(l, 0, sizeof(*l));
    snprintf(l->path, sizeof(l->path), "%s", path);
    l->capacity = capacity;
    if (opts) {
        l->opts = *opts;
        l->use_opts = 1;
    }
    CHECK(pthread_create(&l->thread, NULL, t_listener_main, l) == 0);
}

static inline tachyon_error_t t_listener_join(struct t_listener *l)
{
    CHECK(pthread_join(l->thread, NULL) == 0);
    return l->err;
}

/* Connects to a listener thread on `path` and returns both sides. */
static inline void t_pair(const char *path, size_t capacity, tachyon_bus_t **consumer, tachyon_bus_t **producer)
{
    struct t_listener l;
    t_listener_start(&l, path, capacity, NULL);
    CHECK_ERR(tachyon_bus_connect(path, producer), TACHYON_OK);
    CHECK_ERR(t_listener_join(&l), TACHYON_OK);
    *consumer = l.bus;
}

/* ---- Child processes ----------------------------------------------------- */

/* Waits for `pid` at most `timeout_ms`; kills it if it overruns. Returns the
 * wait status, or -1 on timeout. */
static inline int t_wait_child(pid_t pid, int timeout_ms)
{
    int64_t end = t_now_ns() + (int64_t)timeout_ms * 1000000;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (t_now_ns() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        t_sleep_ms(2);
    }
}

/* 1 if the child exited normally with `code`. */
static inline int t_exited_with(int status, int code)
{
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/* ---- Arena pairs --------------------------------------------------------- */

struct t_arena {
    void *mem;
    size_t len;
    tachyon_bus_t *prod;
    tachyon_bus_t *cons;
};

/* Formats an arena of `capacity` and attaches both sides. */
static inline void t_arena_open(struct t_arena *a, size_t capacity)
{
    a->len = tachyon_arena_size(capacity);
    CHECK(a->len == 4096 + capacity);
    a->mem = aligned_alloc(64, a->len);
    CHECK(a->mem != NULL);
    CHECK_ERR(tachyon_arena_format(a->mem, a->len, capacity, 0), TACHYON_OK);
    CHECK_ERR(tachyon_arena_attach(a->mem, a->len, TACHYON_ROLE_PRODUCER, &a->prod), TACHYON_OK);
    CHECK_ERR(tachyon_arena_attach(a->mem, a->len, TACHYON_ROLE_CONSUMER, &a->cons), TACHYON_OK);
}

static inline void t_arena_close(struct t_arena *a)
{
    tachyon_bus_destroy(a->prod);
    tachyon_bus_destroy(a->cons);
    free(a->mem);
}

/* Receives one message (non-blocking) and checks it is t_fill(seq) of `size`. */
static inline void t_expect(tachyon_bus_t *cons, uint64_t seq, size_t size, uint32_t type)
{
    uint32_t t;
    size_t n;
    const void *msg = tachyon_acquire_rx(cons, &t, &n);
    if (!msg) {
        fprintf(stderr, "message %llu: %s\n", (unsigned long long)seq, tachyon_strerror(tachyon_last_error(cons)));
        exit(T_FAIL);
    }
    CHECK(n == size && t == type && t_verify(msg, n, seq));
    CHECK_ERR(tachyon_commit_rx(cons), TACHYON_OK);
}

/* Sends t_fill(seq) of `size` (non-blocking; must succeed). */
static inline void t_send(tachyon_bus_t *prod, uint64_t seq, size_t size, uint32_t type)
{
    uint8_t *slot = tachyon_acquire_tx(prod, size);
    if (!slot) {
        fprintf(stderr, "send %llu (%zu bytes): %s\n", (unsigned long long)seq, size,
                tachyon_strerror(tachyon_last_error(prod)));
        exit(T_FAIL);
    }
    t_fill(slot, size, seq);
    CHECK_ERR(tachyon_commit_tx(prod, size, type), TACHYON_OK);
}

#endif /* TACHYON_TEST_HELPERS_H */
