/*
 * throughput.c - one-way Tachyon throughput, C to C, two processes pinned to
 * two CPUs.
 *
 * The producer (connector) writes every payload byte in place (acquire_tx,
 * fill, commit_tx) for a fixed time, then sends an End message (type 0). The
 * consumer (listener) reads every payload byte: it sums the payload as 64-bit
 * words and the sum is checked against the one the producer's pattern implies,
 * so a benchmark that skipped or mangled bytes would say so ("verified").
 * By default it takes messages with tachyon_drain_batch and frees them with one
 * tachyon_commit_rx_batch per batch; `--batch 0` uses acquire_rx/commit_rx per
 * message instead. Rates are measured by the consumer, from its first message
 * to End.
 *
 * Ring size: large enough that the producer rarely waits for the consumer, and
 * small enough that the ring stays in the two cores' L2 caches (1 MiB each on
 * the development machine) so lines move cache to cache instead of through
 * memory: 256 KiB for 32 B and 1 KiB messages, 1 MiB for 64 KiB messages (16
 * in flight; the ring must hold at least two). `--ring` overrides it.
 *
 * Usage: throughput [--json] [--sizes 32,1024,65536] [--rounds R] [--seconds S]
 *                   [--ring BYTES] [--batch N] [--cpus A,B]
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "tachyon.h"

#define MAX_ROUNDS 64
#define MAX_SIZES 8
#define MAX_BATCH 256
#define TYPE_DATA 1u
#define TYPE_END 0u

struct config {
    size_t sizes[MAX_SIZES];
    int n_sizes;
    int rounds;
    double seconds;
    size_t ring; /* 0: the default for the size */
    size_t batch;
    int cpu_a, cpu_b;
    bool json;
};

/* What the consumer reports back through shared memory. */
struct outcome {
    uint64_t messages;
    uint64_t bytes;
    uint64_t sum;
    uint64_t elapsed_ns;
    uint64_t produced;     /* messages the producer sent, written by the producer */
    uint64_t expected_sum; /* the sum its pattern implies, written by the producer */
    uint64_t full_events;
    int failed;
};

struct result {
    double msgs_per_s, gbytes_per_s;
    uint64_t messages;
    double seconds;
    bool verified;
    uint64_t full_events;
};

static size_t default_ring(size_t size)
{
    return size > 4096 ? (size_t)1 << 20 : (size_t)256 << 10;
}

/* Word j of message i holds i + j, so a message of w words sums to
 * w*i + w(w-1)/2 and the producer knows the total without re-reading. */
static inline void fill_words(void *dst, size_t size, uint64_t i)
{
    uint64_t *w = dst; /* payloads are 16-byte aligned */
    size_t n = size / 8;
    for (size_t j = 0; j < n; j++)
        w[j] = i + j;
}

static inline uint64_t sum_words(const void *src, size_t size)
{
    const uint64_t *w = src;
    size_t n = size / 8;
    uint64_t s = 0;
    for (size_t j = 0; j < n; j++)
        s += w[j];
    return s;
}

static int consume(tachyon_bus_t *rx, size_t batch, struct outcome *out)
{
    tachyon_msg_t msgs[MAX_BATCH];
    uint64_t messages = 0, bytes = 0, sum = 0, t0 = 0;
    bool done = false;
    while (!done) {
        size_t n;
        if (batch) {
            n = tachyon_drain_batch(rx, msgs, batch);
        } else {
            size_t size;
            uint32_t type_id;
            msgs[0].data = tachyon_acquire_rx(rx, &type_id, &size);
            msgs[0].size = (uint32_t)size;
            msgs[0].type_id = type_id;
            n = msgs[0].data != NULL;
        }
        if (n == 0) {
            if (tachyon_last_error(rx) != TACHYON_ERR_EMPTY)
                return -1; /* the producer went away before End, or worse */
            bu_relax();
            continue;
        }
        if (t0 == 0)
            t0 = bu_now_ns();
        for (size_t k = 0; k < n; k++) {
            if (msgs[k].type_id == TYPE_END) {
                done = true;
                break;
            }
            sum += sum_words(msgs[k].data, msgs[k].size);
            bytes += msgs[k].size;
            messages++;
        }
        if (batch)
            tachyon_commit_rx_batch(rx, n);
        else
            tachyon_commit_rx(rx);
    }
    out->elapsed_ns = bu_now_ns() - t0;
    out->messages = messages;
    out->bytes = bytes;
    out->sum = sum;
    return 0;
}

static tachyon_error_t connect_retry(const char *path, tachyon_bus_t **bus)
{
    tachyon_error_t err;
    for (int tries = 0; tries < 2000; tries++) {
        err = tachyon_bus_connect(path, bus);
        if (err != TACHYON_ERR_NO_LISTENER)
            return err;
        usleep(1000);
    }
    return err;
}

static int produce(tachyon_bus_t *tx, size_t size, double seconds, struct outcome *out)
{
    uint64_t deadline = bu_now_ns() + (uint64_t)(seconds * 1e9);
    uint64_t words = size / 8, expected = 0, i;
    for (i = 0;; i++) {
        if ((i & 255) == 0 && bu_now_ns() >= deadline)
            break;
        void *slot = tachyon_acquire_tx(tx, size);
        if (!slot) {
            /* full: the blocking call publishes what is pending, then waits */
            slot = tachyon_acquire_tx_blocking(tx, size, 5 * 1000000000LL);
            if (!slot)
                return -1;
        }
        fill_words(slot, size, i);
        if (tachyon_commit_tx(tx, size, TYPE_DATA) != TACHYON_OK)
            return -1;
        expected += words * i + words * (words - 1) / 2;
    }
    uint64_t end = i;
    if (tachyon_send_blocking(tx, &end, sizeof end, TYPE_END, 5 * 1000000000LL) != TACHYON_OK)
        return -1;
    tachyon_flush(tx);
    tachyon_stats_t stats;
    if (tachyon_get_stats(tx, &stats) == TACHYON_OK)
        out->full_events = stats.full_events;
    out->produced = i;
    out->expected_sum = expected;
    return 0;
}

static int run_once(const struct config *cfg, size_t size, size_t ring, struct result *res)
{
    static unsigned counter;
    char path[64];
    snprintf(path, sizeof path, "@tachyon-bench-tp-%d-%u", (int)getpid(), counter++);
    struct outcome *out = bu_shared_alloc(sizeof *out);
    if (!out)
        return -1;
    int pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        bu_pin(cfg->cpu_b);
        tachyon_bus_t *rx;
        if (tachyon_bus_listen(path, ring, &rx) != TACHYON_OK)
            _exit(1);
        int rc = consume(rx, cfg->batch, out);
        tachyon_bus_destroy(rx);
        _exit(rc ? 1 : 0);
    }
    bu_pin(cfg->cpu_a);
    tachyon_bus_t *tx = NULL;
    int rc = -1;
    if (connect_retry(path, &tx) == TACHYON_OK)
        rc = produce(tx, size, cfg->seconds, out);
    else
        kill(pid, SIGKILL);
    tachyon_bus_destroy(tx);
    if (bu_wait_child(pid) != 0)
        rc = -1;
    if (rc == 0) {
        double secs = (double)out->elapsed_ns / 1e9;
        res->messages = out->messages;
        res->seconds = secs;
        res->msgs_per_s = secs > 0 ? (double)out->messages / secs : 0.0;
        res->gbytes_per_s = secs > 0 ? (double)out->bytes / secs / 1e9 : 0.0;
        res->verified = out->messages == out->produced && out->sum == out->expected_sum;
        res->full_events = out->full_events;
    }
    bu_shared_free(out, sizeof *out);
    return rc;
}

static void print_result(const struct config *cfg, size_t size, size_t ring, const struct result *r,
                         const char *round_text)
{
    const char *consumer = cfg->batch ? "drain_batch" : "acquire_rx";
    if (cfg->json)
        printf("{\"bench\":\"throughput\",\"transport\":\"tachyon\",\"payload\":%zu,\"msgs_per_s\":%.0f,"
               "\"gbytes_per_s\":%.3f,\"messages\":%llu,\"seconds\":%.3f,\"verified\":%s,\"ring\":%zu,"
               "\"consumer\":\"%s\",\"batch\":%zu,\"full_events\":%llu,\"round\":%s,\"cpus\":[%d,%d]}\n",
               size, r->msgs_per_s, r->gbytes_per_s, (unsigned long long)r->messages, r->seconds,
               r->verified ? "true" : "false", ring, consumer, cfg->batch, (unsigned long long)r->full_events,
               round_text, cfg->cpu_a, cfg->cpu_b);
    else
        printf("throughput %6zu B  round %-6s %12.0f msg/s  %7.3f GB/s  (%llu msgs, ring %zu, %s%s)\n", size,
               round_text, r->msgs_per_s, r->gbytes_per_s, (unsigned long long)r->messages, ring, consumer,
               r->verified ? "" : ", NOT VERIFIED");
}

static int parse_sizes(const char *text, struct config *cfg)
{
    cfg->n_sizes = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        uint64_t v;
        if (cfg->n_sizes == MAX_SIZES || bu_parse_count(tok, &v) || v < 8 || v % 8 || v > (1u << 30))
            return -1;
        cfg->sizes[cfg->n_sizes++] = (size_t)v;
    }
    return cfg->n_sizes ? 0 : -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: throughput [--json] [--sizes 32,1024,65536] [--rounds R] [--seconds S]\n"
                    "                  [--ring BYTES] [--batch N (0: per message)] [--cpus A,B]\n"
                    "sizes are multiples of 8 bytes\n");
}

int main(int argc, char **argv)
{
    struct config cfg = {.sizes = {32, 1024, 65536}, .n_sizes = 3, .rounds = 3, .seconds = 0.3,
                         .batch = 64, .cpu_a = 0, .cpu_b = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (strcmp(a, "--json") == 0) {
            cfg.json = true;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        i++;
        if (strcmp(a, "--sizes") == 0 && parse_sizes(v, &cfg) == 0)
            continue;
        if (strcmp(a, "--rounds") == 0 && (cfg.rounds = atoi(v)) >= 1 && cfg.rounds <= MAX_ROUNDS)
            continue;
        if (strcmp(a, "--seconds") == 0 && (cfg.seconds = atof(v)) > 0 && cfg.seconds < 60)
            continue;
        if (strcmp(a, "--ring") == 0 && bu_parse_count(v, &n) == 0) {
            cfg.ring = (size_t)n;
            continue;
        }
        if (strcmp(a, "--batch") == 0 && bu_parse_count(v, &n) == 0 && n <= MAX_BATCH) {
            cfg.batch = (size_t)n;
            continue;
        }
        if (strcmp(a, "--cpus") == 0 && bu_parse_cpus(v, &cfg.cpu_a, &cfg.cpu_b) == 0)
            continue;
        usage();
        return 2;
    }

    static struct result results[MAX_SIZES][MAX_ROUNDS];
    static bool ok[MAX_SIZES][MAX_ROUNDS];
    int failures = 0;
    for (int r = 0; r < cfg.rounds; r++) {
        for (int k = 0; k < cfg.n_sizes; k++) {
            int idx = (k + r) % cfg.n_sizes; /* rotate the order each round */
            size_t size = cfg.sizes[idx];
            size_t ring = cfg.ring ? cfg.ring : default_ring(size);
            fflush(stdout);
            if (run_once(&cfg, size, ring, &results[idx][r]) != 0) {
                fprintf(stderr, "throughput: %zu B round %d failed\n", size, r + 1);
                failures++;
                continue;
            }
            ok[idx][r] = true;
            char round_text[16];
            snprintf(round_text, sizeof round_text, "%d", r + 1);
            print_result(&cfg, size, ring, &results[idx][r], round_text);
        }
    }
    for (int k = 0; k < cfg.n_sizes; k++) {
        double mps[MAX_ROUNDS], gbs[MAX_ROUNDS], secs[MAX_ROUNDS];
        struct result med = {.verified = true};
        size_t m = 0;
        for (int r = 0; r < cfg.rounds; r++) {
            if (!ok[k][r])
                continue;
            mps[m] = results[k][r].msgs_per_s;
            gbs[m] = results[k][r].gbytes_per_s;
            secs[m] = results[k][r].seconds;
            med.messages += results[k][r].messages;
            med.full_events += results[k][r].full_events;
            med.verified = med.verified && results[k][r].verified;
            m++;
        }
        if (m == 0)
            continue;
        med.msgs_per_s = bu_median(mps, m);
        med.gbytes_per_s = bu_median(gbs, m);
        med.seconds = bu_median(secs, m);
        size_t ring = cfg.ring ? cfg.ring : default_ring(cfg.sizes[k]);
        print_result(&cfg, cfg.sizes[k], ring, &med, cfg.json ? "\"median\"" : "median");
    }
    return failures ? 1 : 0;
}
