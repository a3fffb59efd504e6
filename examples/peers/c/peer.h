/*
 * peer.h - what the C producer and consumer share: the command line, the
 * deterministic streams every language generates and checks (see
 * examples/peers/README.md), clocks and latency percentiles.
 *
 * The byte layout of every message comes from the tachc-generated headers
 * (generated/c/market.h, generated/c/frames.h); nothing here knows an offset.
 */
#ifndef EXAMPLES_PEER_H
#define EXAMPLES_PEER_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frames.h"
#include "market.h"
#include "tachyon.h"

/* Exit statuses every peer program uses. */
#define PEER_EXIT_OK 0
#define PEER_EXIT_FAIL 1     /* a check failed, or the bus failed */
#define PEER_EXIT_USAGE 2
#define PEER_EXIT_SCHEMA 3   /* refused at connect: schema fingerprint mismatch */

enum peer_stream { STREAM_MARKET, STREAM_FRAMES };
enum peer_stamp { STAMP_INDEX, STAMP_CLOCK };

struct peer_args {
    const char *socket;
    enum peer_stream stream;
    enum peer_stamp stamp;
    uint64_t count;
    size_t capacity;
    int quiet;
};

static inline void peer_usage(const char *prog, const char *role)
{
    fprintf(stderr,
            "usage: %s --socket PATH [--stream market|frames] [--count N] [--stamp index|clock]%s [--quiet]\n",
            prog, role[0] == 'c' ? " [--capacity BYTES]" : "");
}

/* Parses the shared command line; exits with PEER_EXIT_USAGE on a bad one. */
static inline struct peer_args peer_parse(int argc, char **argv, const char *role)
{
    struct peer_args a = {NULL, STREAM_MARKET, STAMP_INDEX, 100000, 1u << 22, 0};
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--quiet") == 0) {
            a.quiet = 1;
            continue;
        }
        if (!val)
            goto bad;
        i++;
        if (strcmp(opt, "--socket") == 0)
            a.socket = val;
        else if (strcmp(opt, "--stream") == 0 && strcmp(val, "market") == 0)
            a.stream = STREAM_MARKET;
        else if (strcmp(opt, "--stream") == 0 && strcmp(val, "frames") == 0)
            a.stream = STREAM_FRAMES;
        else if (strcmp(opt, "--stamp") == 0 && strcmp(val, "index") == 0)
            a.stamp = STAMP_INDEX;
        else if (strcmp(opt, "--stamp") == 0 && strcmp(val, "clock") == 0)
            a.stamp = STAMP_CLOCK;
        else if (strcmp(opt, "--count") == 0)
            a.count = strtoull(val, NULL, 10);
        else if (strcmp(opt, "--capacity") == 0)
            a.capacity = (size_t)strtoull(val, NULL, 0);
        else
            goto bad;
    }
    if (a.socket)
        return a;
bad:
    peer_usage(argv[0], role);
    exit(PEER_EXIT_USAGE);
}

static inline uint64_t peer_now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- The deterministic streams (the same formulas in every language) ---- */

static const char *const TICK_SYMBOLS[5] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRP"};
#define TICK_BASE_NS UINT64_C(1700000000000000000)

static inline uint32_t tick_type(uint64_t i) { return i % 3 == 2 ? MARKET_MSG_ASK : MARKET_MSG_BID; }
static inline const char *tick_symbol(uint64_t i) { return TICK_SYMBOLS[i % 5]; }
static inline double tick_price(uint64_t i) { return 1000.0 + (double)(i % 1000003) * 0.25; }
static inline uint32_t tick_quantity(uint64_t i) { return (uint32_t)(i * UINT64_C(2654435761)); }
static inline uint64_t tick_timestamp(uint64_t i) { return TICK_BASE_NS + i * 1000; }
static inline float frame_sample(uint64_t i, uint32_t k) { return (float)((i % 65536) * 256 + k); }

/* ---- Latency percentiles --------------------------------------------------- */

static int peer_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts `v` and prints its percentiles in microseconds on one line. */
static inline void peer_print_latency(uint64_t *v, size_t n)
{
    if (n == 0)
        return;
    qsort(v, n, sizeof *v, peer_cmp_u64);
#define PCT(q) ((double)v[(size_t)((double)(n - 1) * (q))] / 1000.0)
    printf("one-way latency (us): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", PCT(0.5), PCT(0.9),
           PCT(0.99), PCT(0.999), (double)v[n - 1] / 1000.0);
#undef PCT
}

#endif /* EXAMPLES_PEER_H */
