/*
 * bench_util.c - clock calibration, pinning, statistics and small helpers
 * shared by the benchmark programs (see bench_util.h).
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

static double ns_per_tick = 1.0;

uint64_t bu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bu_clock_init(void)
{
#if BU_HAVE_TSC
    /* Busy-wait 50 ms on CLOCK_MONOTONIC and count ticks across it; the best of
     * three runs absorbs a preemption in the middle of one. */
    double best = 0.0;
    for (int attempt = 0; attempt < 3; attempt++) {
        uint64_t n0 = bu_now_ns(), t0 = bu_ticks();
        uint64_t n1;
        do
            n1 = bu_now_ns();
        while (n1 - n0 < 50u * 1000u * 1000u);
        uint64_t t1 = bu_ticks();
        double ratio = (double)(n1 - n0) / (double)(t1 - t0);
        if (attempt == 0 || ratio < best)
            best = ratio; /* a preempted run shows fewer ticks per ns: keep the lowest ns/tick */
    }
    ns_per_tick = best;
#else
    ns_per_tick = 1.0;
#endif
}

double bu_ns_per_tick(void)
{
    return ns_per_tick;
}

int bu_pin(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -1;
}

int bu_parse_cpus(const char *text, int *a, int *b)
{
    char *end;
    long x = strtol(text, &end, 10);
    if (end == text || *end != ',')
        return -1;
    const char *second = end + 1;
    long y = strtol(second, &end, 10);
    if (end == second || *end != '\0' || x < -1 || y < -1 || x > 4095 || y > 4095)
        return -1;
    *a = (int)x;
    *b = (int)y;
    return 0;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

double bu_quantile_ns(const uint64_t *sorted, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    /* nearest rank: the smallest sample with at least q*n samples at or below it */
    double rank = ceil(q * (double)n);
    size_t idx = rank < 1.0 ? 0 : (size_t)rank - 1;
    if (idx >= n)
        idx = n - 1;
    return (double)sorted[idx] * ns_per_tick;
}

void bu_summarise(uint64_t *ticks, size_t n, struct bu_summary *out)
{
    qsort(ticks, n, sizeof *ticks, cmp_u64);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)ticks[i];
    out->samples = n;
    out->min_ns = bu_quantile_ns(ticks, n, 0.0);
    out->p50_ns = bu_quantile_ns(ticks, n, 0.50);
    out->p90_ns = bu_quantile_ns(ticks, n, 0.90);
    out->p99_ns = bu_quantile_ns(ticks, n, 0.99);
    out->p999_ns = bu_quantile_ns(ticks, n, 0.999);
    out->p9999_ns = bu_quantile_ns(ticks, n, 0.9999);
    out->max_ns = bu_quantile_ns(ticks, n, 1.0);
    out->mean_ns = n ? sum / (double)n * ns_per_tick : 0.0;
    size_t lo = n / 100, hi = n - n / 100;
    double trimmed = 0.0;
    for (size_t i = lo; i < hi; i++)
        trimmed += (double)ticks[i];
    out->tmean_ns = hi > lo ? trimmed / (double)(hi - lo) * ns_per_tick : out->mean_ns;
    size_t over = 0;
    uint64_t twice = n ? 2 * ticks[(n + 1) / 2 - 1] : 0; /* the nearest-rank p50, in ticks */
    for (size_t i = n; i > 0 && ticks[i - 1] > twice; i--)
        over++;
    out->over_2x_p50 = n ? (double)over / (double)n : 0.0;
}

void bu_write_quantiles(FILE *f, const uint64_t *sorted, size_t n, int points)
{
    fputc('[', f);
    for (int i = 0; i <= points; i++)
        fprintf(f, "%s%.1f", i ? "," : "", bu_quantile_ns(sorted, n, (double)i / points));
    fputc(']', f);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double bu_median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

void *bu_shared_alloc(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void bu_shared_free(void *p, size_t len)
{
    if (p)
        munmap(p, len);
}

int bu_wait_child(int pid)
{
    uint64_t cpu;
    return bu_wait_child_cpu(pid, &cpu);
}

int bu_wait_child_cpu(int pid, uint64_t *cpu_ns)
{
    int status;
    struct rusage ru;
    *cpu_ns = 0;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR)
            return -1;
    }
    *cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
              (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

uint64_t bu_process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bu_parse_count(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || v < 0)
        return -1;
    if (strcmp(end, "k") == 0 || strcmp(end, "K") == 0)
        v *= 1e3;
    else if (strcmp(end, "M") == 0)
        v *= 1e6;
    else if (strcmp(end, "Ki") == 0 || strcmp(end, "KiB") == 0)
        v *= 1024.0;
    else if (strcmp(end, "Mi") == 0 || strcmp(end, "MiB") == 0)
        v *= 1024.0 * 1024.0;
    else if (*end != '\0')
        return -1;
    if (v > 1e15)
        return -1;
    *out = (uint64_t)v;
    return 0;
}
