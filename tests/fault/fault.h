/*
 * fault.h - shared by the fault-injection, security and soak tests: the
 * runtime tests' helpers (tests/runtime/helpers.h) plus trial counts, a time
 * budget and a reproducible seed.
 *
 *   FAULT_TRIALS=N    trials per test (default: each test's own, sized for CI)
 *   FAULT_SECONDS=S   stop starting new trials after S seconds (default 15)
 *   FAULT_SEED=X      the random seed (printed by every test, to replay a run)
 */
#ifndef TACHYON_FAULT_H
#define TACHYON_FAULT_H

#include <inttypes.h>
#include <sys/mman.h>

#include "helpers.h"

static inline uint64_t f_seed(void)
{
    static uint64_t seed;
    const char *s;
    if (seed)
        return seed;
    s = getenv("FAULT_SEED");
    seed = s ? strtoull(s, NULL, 0) : ((uint64_t)t_now_ns() ^ ((uint64_t)getpid() << 32)) | 1;
    return seed;
}

static inline int f_trials(int dflt)
{
    const char *s = getenv("FAULT_TRIALS");
    int n = s ? atoi(s) : dflt;
    return n > 0 ? n : dflt;
}

/* 1 while the time budget of this test (FAULT_SECONDS, default `dflt`) lasts. */
static inline int f_time_left(int64_t start, int dflt)
{
    const char *s = getenv("FAULT_SECONDS");
    int secs = s ? atoi(s) : dflt;
    return t_now_ns() - start < (int64_t)secs * 1000000000;
}

/* A page shared with forked children. */
static inline void *f_shared(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 0, len);
    return p;
}

/* How soon a blocked call notices that its peer died, counted in the
 * runtime's own watchdog wakes rather than in wall-clock time (which load
 * stretches at will). Installed as the thread's interrupt check, which
 * tachyon.h promises to run at each watchdog wake of a blocking call; it
 * never interrupts. Once the test has reaped the peer (f_watch_dead: the
 * process is gone, its pidfd readable) every such wake is counted. The
 * runtime checks the peer at each watchdog wake, so the first wake after the
 * death must already end the call with PEER_GONE: a count above 1 is a missed
 * check, under any load. */
struct f_watch {
    int dead;              /* set (any thread) once the peer is reaped */
    uint64_t wakes_after;  /* watchdog wakes of the watched thread since */
};

static inline int f_watch_check(void *ctx)
{
    struct f_watch *w = ctx;
    if (__atomic_load_n(&w->dead, __ATOMIC_SEQ_CST))
        __atomic_fetch_add(&w->wakes_after, 1, __ATOMIC_RELAXED);
    return 0;
}

/* Starts watching the calling thread's blocking calls. */
static inline void f_watch_start(struct f_watch *w)
{
    memset(w, 0, sizeof(*w));
    tachyon_set_interrupt_check(f_watch_check, w);
}

static inline void f_watch_dead(struct f_watch *w)
{
    __atomic_store_n(&w->dead, 1, __ATOMIC_SEQ_CST);
}

static inline uint64_t f_watch_wakes(struct f_watch *w)
{
    return __atomic_load_n(&w->wakes_after, __ATOMIC_RELAXED);
}

/* The documented promise (README, ABI.md) is that a dead peer is noticed
 * within 250 ms; the tests prove the mechanism behind it by counting wakes
 * (above) and keep a wall-clock bound only as a hang guard with a margin that
 * a loaded machine cannot eat: 8 times the promise. */
#define F_GONE_BOUND_NS (2000ll * 1000000)

#endif /* TACHYON_FAULT_H */
