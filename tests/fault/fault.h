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

#endif /* TACHYON_FAULT_H */
