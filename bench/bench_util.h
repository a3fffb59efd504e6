/*
 * bench_util.h - what every benchmark program shares: a calibrated cycle
 * clock, CPU pinning, sample statistics (percentiles) and the JSON result
 * lines of DESIGN.md section 7.
 *
 * The clock is the TSC (rdtsc, serialised with lfence) where the CPU has an
 * invariant one, converted to nanoseconds with a ratio measured against
 * CLOCK_MONOTONIC at start-up; elsewhere it is CLOCK_MONOTONIC itself.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define BU_HAVE_TSC 1
#else
#define BU_HAVE_TSC 0
#endif

/* ---- Clock ---------------------------------------------------------------- */

/* Measures the tick rate; call once before bu_ticks_to_ns. */
void bu_clock_init(void);

/* Nanoseconds per tick, as measured by bu_clock_init. */
double bu_ns_per_tick(void);

/* A timestamp in ticks: cheap, monotonic, ordered with the code around it. */
static inline uint64_t bu_ticks(void)
{
#if BU_HAVE_TSC
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/* CLOCK_MONOTONIC in nanoseconds (for durations of whole runs). */
uint64_t bu_now_ns(void);

/* The spin-wait hint (pause on x86). */
static inline void bu_relax(void)
{
#if BU_HAVE_TSC
    _mm_pause();
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* ---- CPUs ------------------------------------------------------------------- */

/* Pins the calling thread to `cpu` (-1: leave it). Returns 0 or -1. */
int bu_pin(int cpu);

/* Parses "A,B" into two CPU numbers. Returns 0 or -1. */
int bu_parse_cpus(const char *text, int *a, int *b);

/* ---- Statistics ------------------------------------------------------------- */

struct bu_summary {
    size_t samples;
    double min_ns, p50_ns, p90_ns, p99_ns, p999_ns, p9999_ns, max_ns, mean_ns;
    /* mean of the samples between the 1st and the 99th percentile: finer than
     * the clock's step (about 10 ns on the development VM), and blind to the
     * preemptions in the tail */
    double tmean_ns;
    /* share (0..1) of the samples above twice the p50: how much of the run
     * was tail, whatever its shape */
    double over_2x_p50;
};

/* Sorts `ticks` in place and summarises them in nanoseconds. */
void bu_summarise(uint64_t *ticks, size_t n, struct bu_summary *out);

/* The q-quantile (0..1, nearest rank) of sorted ticks, in nanoseconds. */
double bu_quantile_ns(const uint64_t *sorted, size_t n, double q);

/* Writes `points`+1 evenly spaced quantiles (0, 1/points, ..., 1) of sorted
 * ticks as a JSON array of nanoseconds. */
void bu_write_quantiles(FILE *f, const uint64_t *sorted, size_t n, int points);

/* Median of `n` doubles (the array is reordered). */
double bu_median(double *v, size_t n);

/* ---- Misc --------------------------------------------------------------------- */

/* Memory shared with forked children (MAP_SHARED|MAP_ANONYMOUS), zeroed, or
 * NULL. Free with bu_shared_free. */
void *bu_shared_alloc(size_t len);
void bu_shared_free(void *p, size_t len);

/* Waits for `pid`; returns 0 if it exited with status 0, else -1. */
int bu_wait_child(int pid);

/* bu_wait_child that also reports the CPU time (user + system, ns) the
 * child used, or 0 when unknown. */
int bu_wait_child_cpu(int pid, uint64_t *cpu_ns);

/* CPU time (user + system, ns) this process has used so far. */
uint64_t bu_process_cpu_ns(void);

/* Parses a count like "200000", "2e5", "1M" or "64k"; returns 0 or -1. */
int bu_parse_count(const char *text, uint64_t *out);

#endif /* BENCH_UTIL_H */
