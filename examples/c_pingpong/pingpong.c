/*
 * pingpong.c - round-trip latency of a 32-byte message between two processes
 * over two tachyon buses (one per direction), next to the physical floor: the
 * same two processes bouncing 32 bytes through one shared cache line each way.
 *
 *   c_pingpong [--samples N] [--rounds R] [--cpus A,B] [--json]
 *
 * Every sample is one floor round trip followed by one tachyon round trip in
 * the same pair of processes, so both see the same CPU placement; each
 * transport's figures are the median over the rounds of each percentile. Both
 * processes are pinned to one CPU each (default: the first two CPUs this
 * process may use).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tachyon.h"

#define PAYLOAD 32
#define WARMUP 20000
#define SPIN (1u << 22)
#define MAX_ROUNDS 15
/* 1 KiB rings: one message in flight cycles through 16 lines that stay in both L1 caches. */
#define RING 1024

struct options {
    uint64_t samples;
    int rounds;
    int cpu[2];
    int json;
};

struct result {
    uint64_t pct[7]; /* min p50 p90 p99 p99.9 p99.99 max */
    double rtt_per_s;
};

static const double percentiles[7] = {0, 0.50, 0.90, 0.99, 0.999, 0.9999, 1};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

static void pin(int cpu)
{
    cpu_set_t set;
    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        fprintf(stderr, "c_pingpong: cannot pin to cpu %d: %s\n", cpu, strerror(errno));
}

static void default_cpus(int cpu[2])
{
    cpu_set_t set;
    int n = 0;
    cpu[0] = cpu[1] = -1;
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return;
    for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
        if (CPU_ISSET(i, &set))
            cpu[n++] = i;
    if (n < 2)
        cpu[0] = cpu[1] = -1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void summarize(uint32_t *rtt, uint64_t n, int64_t elapsed_ns, struct result *r)
{
    qsort(rtt, n, sizeof(*rtt), cmp_u32);
    for (int i = 0; i < 7; i++) {
        uint64_t idx = percentiles[i] <= 0 ? 0 : (uint64_t)(percentiles[i] * (double)n + 0.999999) - 1;
        if (idx >= n)
            idx = n - 1;
        r->pct[i] = rtt[idx];
    }
    r->rtt_per_s = (double)n * 1e9 / (double)elapsed_ns;
}

/* ---- Floor: one 64-byte line per direction, seq written last ------------- */

struct floor_line {
    uint8_t payload[PAYLOAD];
    uint64_t seq;
} __attribute__((aligned(128)));

struct floor_shm {
    struct floor_line ping;
    struct floor_line pong;
};

static void floor_wait(struct floor_line *line, uint64_t seq)
{
    while (__atomic_load_n(&line->seq, __ATOMIC_ACQUIRE) != seq)
        cpu_relax();
}

static void floor_put(struct floor_line *line, const void *payload, uint64_t seq)
{
    memcpy(line->payload, payload, PAYLOAD);
    __atomic_store_n(&line->seq, seq, __ATOMIC_RELEASE);
}

/* ---- Tachyon: bus "ping" parent -> child, bus "pong" child -> parent ----- */

static int send32(tachyon_bus_t *bus, const void *payload)
{
    void *slot = tachyon_acquire_tx_blocking(bus, PAYLOAD, -1);
    if (!slot)
        return -1;
    memcpy(slot, payload, PAYLOAD);
    tachyon_commit_tx(bus, PAYLOAD, 1);
    return tachyon_flush(bus) == TACHYON_OK ? 0 : -1;
}

/* The child: echoes every floor message and every tachyon message, in the
 * same alternation as the parent sends them. */
static int child_echo(const struct options *o, struct floor_shm *shm, const char *ping_name, const char *pong_name,
                      uint64_t total)
{
    tachyon_bus_t *rx = NULL, *tx = NULL;
    tachyon_error_t err;
    uint8_t buf[PAYLOAD];

    pin(o->cpu[1]);
    err = tachyon_bus_listen(ping_name, RING, &rx);
    if (err == TACHYON_OK)
        err = tachyon_bus_connect(pong_name, &tx);
    if (err != TACHYON_OK) {
        fprintf(stderr, "c_pingpong (child): %s\n", tachyon_strerror(err));
        return 1;
    }
    for (uint64_t seq = 1; seq <= total; seq++) {
        uint32_t type;
        size_t size;
        const void *msg;

        floor_wait(&shm->ping, seq);
        memcpy(buf, shm->ping.payload, PAYLOAD);
        floor_put(&shm->pong, buf, seq);

        msg = tachyon_acquire_rx_blocking(rx, &type, &size, SPIN);
        if (!msg || size != PAYLOAD || send32(tx, msg) != 0)
            return 1;
        tachyon_commit_rx(rx);
    }
    tachyon_bus_destroy(tx);
    tachyon_bus_destroy(rx);
    return 0;
}

/* One round: a pair of processes, and for every sample one floor round trip
 * then one tachyon round trip, so both see the same CPU placement and the
 * same neighbours (on a VM the two vCPUs move between host cores). */
static int run_round(const struct options *o, uint32_t *floor_rtt, uint32_t *tachyon_rtt, struct result *floor_r,
                     struct result *tachyon_r)
{
    struct floor_shm *shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char ping_name[64], pong_name[64];
    uint64_t total = WARMUP + o->samples;
    tachyon_bus_t *tx = NULL, *rx = NULL;
    uint8_t msg[PAYLOAD] = {0};
    int64_t floor_ns = 0, tachyon_ns = 0;
    tachyon_error_t err;
    pid_t child;
    int status, bad = 0;

    if (shm == MAP_FAILED)
        return -1;
    memset(shm, 0, sizeof(*shm));
    snprintf(ping_name, sizeof(ping_name), "@c_pingpong-%ld-ping", (long)getpid());
    snprintf(pong_name, sizeof(pong_name), "@c_pingpong-%ld-pong", (long)getpid());
    child = fork();
    if (child < 0)
        return -1;
    if (child == 0)
        _exit(child_echo(o, shm, ping_name, pong_name, total));
    pin(o->cpu[0]);
    err = tachyon_bus_connect(ping_name, &tx);
    if (err == TACHYON_OK)
        err = tachyon_bus_listen(pong_name, RING, &rx);
    if (err != TACHYON_OK) {
        fprintf(stderr, "c_pingpong: %s\n", tachyon_strerror(err));
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        munmap(shm, sizeof(*shm));
        return -1;
    }
    for (uint64_t seq = 1; seq <= total; seq++) {
        int64_t t0, t1, t2;
        uint32_t type;
        size_t size;
        const void *reply;

        memcpy(msg, &seq, sizeof(seq));
        t0 = now_ns();
        floor_put(&shm->ping, msg, seq);
        floor_wait(&shm->pong, seq);
        memcpy(msg, shm->pong.payload, PAYLOAD);
        t1 = now_ns();
        if (send32(tx, msg) != 0) {
            bad = 1;
            break;
        }
        reply = tachyon_acquire_rx_blocking(rx, &type, &size, SPIN);
        if (!reply || size != PAYLOAD || memcmp(reply, &seq, sizeof(seq)) != 0) {
            bad = 1;
            break;
        }
        tachyon_commit_rx(rx);
        t2 = now_ns();
        if (seq > WARMUP) {
            floor_rtt[seq - WARMUP - 1] = (uint32_t)(t1 - t0);
            tachyon_rtt[seq - WARMUP - 1] = (uint32_t)(t2 - t1);
            floor_ns += t1 - t0;
            tachyon_ns += t2 - t1;
        }
    }
    tachyon_bus_destroy(tx);
    tachyon_bus_destroy(rx);
    if (bad)
        kill(child, SIGKILL);
    waitpid(child, &status, 0);
    munmap(shm, sizeof(*shm));
    if (bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "c_pingpong: the round trip failed\n");
        return -1;
    }
    /* Round trips per second: samples over the time spent in that transport. */
    summarize(floor_rtt, o->samples, floor_ns, floor_r);
    summarize(tachyon_rtt, o->samples, tachyon_ns, tachyon_r);
    return 0;
}

/* ---- Output ------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of each figure over the rounds. */
static void median(const struct result *rounds, int n, struct result *out)
{
    uint64_t v[MAX_ROUNDS];
    double d[MAX_ROUNDS];
    for (int k = 0; k < 7; k++) {
        for (int i = 0; i < n; i++)
            v[i] = rounds[i].pct[k];
        qsort(v, (size_t)n, sizeof(v[0]), cmp_u64);
        out->pct[k] = v[n / 2];
    }
    for (int i = 0; i < n; i++)
        d[i] = rounds[i].rtt_per_s;
    qsort(d, (size_t)n, sizeof(d[0]), cmp_double);
    out->rtt_per_s = d[n / 2];
}

static void print_result(const struct options *o, const char *transport, const struct result *r)
{
    if (o->json) {
        printf("{\"bench\":\"pingpong\",\"transport\":\"%s\",\"payload\":%d,\"samples\":%llu,"
               "\"min_ns\":%llu,\"p50_ns\":%llu,\"p90_ns\":%llu,\"p99_ns\":%llu,\"p999_ns\":%llu,"
               "\"p9999_ns\":%llu,\"max_ns\":%llu,\"rtt_per_s\":%.0f}\n",
               transport, PAYLOAD, (unsigned long long)o->samples, (unsigned long long)r->pct[0],
               (unsigned long long)r->pct[1], (unsigned long long)r->pct[2], (unsigned long long)r->pct[3],
               (unsigned long long)r->pct[4], (unsigned long long)r->pct[5], (unsigned long long)r->pct[6],
               r->rtt_per_s);
        return;
    }
    printf("%-8s %8llu %8llu %8llu %8llu %8llu %8llu %10llu %12.0f\n", transport, (unsigned long long)r->pct[0],
           (unsigned long long)r->pct[1], (unsigned long long)r->pct[2], (unsigned long long)r->pct[3],
           (unsigned long long)r->pct[4], (unsigned long long)r->pct[5], (unsigned long long)r->pct[6],
           r->rtt_per_s);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: c_pingpong [--samples N] [--rounds R] [--cpus A,B] [--json]\n"
               "  --samples N  round trips measured per round (default 1000000)\n"
               "  --rounds R   rounds (a fresh pair of processes each); medians reported (default 3, max %d)\n"
               "  --cpus A,B   pin the two processes to CPUs A and B (default: the first two allowed)\n"
               "  --json       one JSON object per transport (DESIGN.md section 7)\n",
            MAX_ROUNDS);
}

static int parse_args(int argc, char **argv, struct options *o)
{
    o->samples = 1000000;
    o->rounds = 3;
    o->json = 0;
    default_cpus(o->cpu);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            o->json = 1;
        } else if (!strcmp(argv[i], "--samples") && i + 1 < argc) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || v == 0 || v > 100000000)
                return -1;
            o->samples = v;
        } else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            o->rounds = atoi(argv[++i]);
            if (o->rounds < 1 || o->rounds > MAX_ROUNDS)
                return -1;
        } else if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
            if (sscanf(argv[++i], "%d,%d", &o->cpu[0], &o->cpu[1]) != 2 || o->cpu[0] < 0 || o->cpu[1] < 0)
                return -1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            exit(0);
        } else {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct result floor_rounds[MAX_ROUNDS], tachyon_rounds[MAX_ROUNDS], floor_med, tachyon_med;
    struct options o;
    uint32_t *floor_rtt, *tachyon_rtt;

    if (parse_args(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    floor_rtt = malloc(o.samples * sizeof(*floor_rtt));
    tachyon_rtt = malloc(o.samples * sizeof(*tachyon_rtt));
    if (!floor_rtt || !tachyon_rtt) {
        fprintf(stderr, "c_pingpong: out of memory\n");
        return 1;
    }
    for (int i = 0; i < o.rounds; i++) {
        if (run_round(&o, floor_rtt, tachyon_rtt, &floor_rounds[i], &tachyon_rounds[i]) != 0) {
            free(floor_rtt);
            free(tachyon_rtt);
            return 1;
        }
    }
    free(floor_rtt);
    free(tachyon_rtt);
    median(floor_rounds, o.rounds, &floor_med);
    median(tachyon_rounds, o.rounds, &tachyon_med);
    if (!o.json) {
        printf("round trip of a %d-byte message, ns (%llu samples x %d rounds, cpus %d,%d)\n", PAYLOAD,
               (unsigned long long)o.samples, o.rounds, o.cpu[0], o.cpu[1]);
        printf("%-8s %8s %8s %8s %8s %8s %8s %10s %12s\n", "", "min", "p50", "p90", "p99", "p99.9", "p99.99", "max",
               "rtt/s");
    }
    print_result(&o, "floor", &floor_med);
    print_result(&o, "tachyon", &tachyon_med);
    if (!o.json)
        printf("p50 ratio tachyon/floor: %.2f\n", (double)tachyon_med.pct[1] / (double)floor_med.pct[1]);
    return 0;
}
