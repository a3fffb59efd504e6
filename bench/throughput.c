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
#include <stdatomic.h>
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

/* What the two sides report back through shared memory. */
struct outcome {
    uint64_t messages;
    uint64_t bytes;
    uint64_t sum;
    uint64_t elapsed_ns;
    uint64_t produced;     /* messages the producer sent, written by the producer */
    uint64_t expected_sum; /* the sum its pattern implies, written by the producer */
    uint64_t full_events;
    uint64_t producer_sleeps; /* futex sleeps of the producer (ring full for long) */
    uint64_t producer_cpu_ns, producer_wall_ns;
};

struct result {
    double msgs_per_s, gbytes_per_s;
    double lo_msgs_per_s, hi_msgs_per_s; /* the range over rounds (median lines only) */
    uint64_t messages;
    double seconds;
    bool verified;
    uint64_t full_events, producer_sleeps;
    double cpu_share_producer, cpu_share_consumer;
};

enum transport { T_TACHYON, T_BARE_RING, N_TRANSPORTS };
static const char *const transport_names[N_TRANSPORTS] = {"tachyon", "bare-ring"};

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

/* ---- tachyon ------------------------------------------------------------------- */

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
    uint64_t start = bu_now_ns(), cpu0 = bu_process_cpu_ns();
    uint64_t deadline = start + (uint64_t)(seconds * 1e9);
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
    out->producer_wall_ns = bu_now_ns() - start;
    out->producer_cpu_ns = bu_process_cpu_ns() - cpu0;
    tachyon_stats_t stats;
    if (tachyon_get_stats(tx, &stats) == TACHYON_OK) {
        out->full_events = stats.full_events;
        out->producer_sleeps = stats.sleeps;
    }
    out->produced = i;
    out->expected_sum = expected;
    return 0;
}

static int run_tachyon(const struct config *cfg, size_t size, size_t ring, struct outcome *out, uint64_t *child_cpu)
{
    static unsigned counter;
    char path[64];
    snprintf(path, sizeof path, "@tachyon-bench-tp-%d-%u", (int)getpid(), counter++);
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
    if (bu_wait_child_cpu(pid, child_cpu) != 0)
        rc = -1;
    return rc;
}

/* ---- bare-ring: the same traffic through the least a ring can do ------------------
 *
 * Fixed slots of Tachyon's frame size (16-byte header + payload, rounded up to
 * 64), the same ring bytes, the tail published every TACHYON_BATCH messages,
 * the head released once per consumer batch: but no frame stamps, no
 * validation, no state checks, no wake-up protocol and no function calls. */

struct bare_ring {
    _Alignas(128) _Atomic uint64_t tail; /* messages published */
    _Alignas(128) _Atomic uint64_t head; /* messages released */
    _Alignas(128) _Atomic uint64_t end;  /* messages in all, once the producer is done (+1) */
};
#define BARE_DATA 4096

static size_t bare_slot(size_t size)
{
    return (TACHYON_FRAME_HEADER + size + TACHYON_FRAME_ALIGN - 1) / TACHYON_FRAME_ALIGN * TACHYON_FRAME_ALIGN;
}

static void bare_consume(struct bare_ring *r, uint8_t *data, size_t size, uint64_t slots, size_t batch,
                         struct outcome *out)
{
    size_t slot = bare_slot(size);
    uint64_t head = 0, messages = 0, bytes = 0, sum = 0, t0 = 0;
    if (batch == 0)
        batch = 1;
    for (;;) {
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (tail == head) {
            uint64_t end = atomic_load_explicit(&r->end, memory_order_acquire);
            if (end && end - 1 == head)
                break;
            bu_relax();
            continue;
        }
        if (t0 == 0)
            t0 = bu_now_ns();
        if (tail - head > batch)
            tail = head + batch;
        for (; head < tail; head++) {
            const uint8_t *f = data + (head % slots) * slot;
            uint32_t n;
            memcpy(&n, f, sizeof n);
            sum += sum_words(f + TACHYON_FRAME_HEADER, n);
            bytes += n;
            messages++;
        }
        atomic_store_explicit(&r->head, head, memory_order_release);
    }
    out->elapsed_ns = bu_now_ns() - t0;
    out->messages = messages;
    out->bytes = bytes;
    out->sum = sum;
}

static void bare_produce(struct bare_ring *r, uint8_t *data, size_t size, uint64_t slots, double seconds,
                         struct outcome *out)
{
    size_t slot = bare_slot(size);
    uint64_t start = bu_now_ns(), cpu0 = bu_process_cpu_ns();
    uint64_t deadline = start + (uint64_t)(seconds * 1e9);
    uint64_t words = size / 8, expected = 0, head = 0, i, full = 0;
    for (i = 0;; i++) {
        if ((i & 255) == 0 && bu_now_ns() >= deadline)
            break;
        if (i - head >= slots) {
            atomic_store_explicit(&r->tail, i, memory_order_release); /* publish before waiting */
            full++;
            while (i - (head = atomic_load_explicit(&r->head, memory_order_acquire)) >= slots)
                bu_relax();
        }
        uint8_t *f = data + (i % slots) * slot;
        uint32_t n = (uint32_t)size;
        memcpy(f, &n, sizeof n);
        fill_words(f + TACHYON_FRAME_HEADER, size, i);
        expected += words * i + words * (words - 1) / 2;
        if ((i + 1) % TACHYON_BATCH == 0)
            atomic_store_explicit(&r->tail, i + 1, memory_order_release);
    }
    atomic_store_explicit(&r->tail, i, memory_order_release);
    atomic_store_explicit(&r->end, i + 1, memory_order_release);
    out->producer_wall_ns = bu_now_ns() - start;
    out->producer_cpu_ns = bu_process_cpu_ns() - cpu0;
    out->full_events = full;
    out->produced = i;
    out->expected_sum = expected;
}

static int run_bare_ring(const struct config *cfg, size_t size, size_t ring, struct outcome *out, uint64_t *child_cpu)
{
    size_t len = BARE_DATA + ring;
    void *mem = bu_shared_alloc(len);
    if (!mem)
        return -1;
    struct bare_ring *r = mem;
    uint8_t *data = (uint8_t *)mem + BARE_DATA;
    uint64_t slots = ring / bare_slot(size);
    int pid = fork();
    if (pid < 0) {
        bu_shared_free(mem, len);
        return -1;
    }
    if (pid == 0) {
        bu_pin(cfg->cpu_b);
        bare_consume(r, data, size, slots, cfg->batch, out);
        _exit(0);
    }
    bu_pin(cfg->cpu_a);
    bare_produce(r, data, size, slots, cfg->seconds, out);
    int rc = bu_wait_child_cpu(pid, child_cpu);
    bu_shared_free(mem, len);
    return rc;
}

static int run_once(const struct config *cfg, enum transport t, size_t size, size_t ring, struct result *res)
{
    struct outcome *out = bu_shared_alloc(sizeof *out);
    if (!out)
        return -1;
    uint64_t child_cpu = 0;
    int rc = t == T_TACHYON ? run_tachyon(cfg, size, ring, out, &child_cpu)
                            : run_bare_ring(cfg, size, ring, out, &child_cpu);
    if (rc == 0) {
        double secs = (double)out->elapsed_ns / 1e9;
        res->messages = out->messages;
        res->seconds = secs;
        res->msgs_per_s = secs > 0 ? (double)out->messages / secs : 0.0;
        res->gbytes_per_s = secs > 0 ? (double)out->bytes / secs / 1e9 : 0.0;
        res->verified = out->messages == out->produced && out->sum == out->expected_sum;
        res->full_events = out->full_events;
        res->producer_sleeps = out->producer_sleeps;
        double wall = (double)out->producer_wall_ns;
        res->cpu_share_producer = wall > 0 ? (double)out->producer_cpu_ns / wall : -1.0;
        /* the consumer polls from the start to the end of the producer's run */
        res->cpu_share_consumer = wall > 0 ? (double)child_cpu / wall : -1.0;
        if (res->cpu_share_producer > 1.0)
            res->cpu_share_producer = 1.0;
        if (res->cpu_share_consumer > 1.0)
            res->cpu_share_consumer = 1.0;
    }
    bu_shared_free(out, sizeof *out);
    return rc;
}

static void print_result(const struct config *cfg, enum transport t, size_t size, size_t ring,
                         const struct result *r, const char *round_text, double ratio)
{
    const char *consumer = cfg->batch ? "drain_batch" : "acquire_rx";
    if (cfg->json) {
        printf("{\"bench\":\"throughput\",\"transport\":\"%s\",\"payload\":%zu,\"msgs_per_s\":%.0f,"
               "\"gbytes_per_s\":%.3f,\"messages\":%llu,\"seconds\":%.3f,\"verified\":%s,\"ring\":%zu,"
               "\"consumer\":\"%s\",\"batch\":%zu,\"full_events\":%llu,\"producer_sleeps\":%llu,"
               "\"cpu_share_producer\":%.3f,"
               "\"cpu_share_consumer\":%.3f,\"round\":%s,\"cpus\":[%d,%d]",
               transport_names[t], size, r->msgs_per_s, r->gbytes_per_s, (unsigned long long)r->messages, r->seconds,
               r->verified ? "true" : "false", ring, t == T_TACHYON ? consumer : "bare", cfg->batch,
               (unsigned long long)r->full_events, (unsigned long long)r->producer_sleeps, r->cpu_share_producer,
               r->cpu_share_consumer, round_text,
               cfg->cpu_a, cfg->cpu_b);
        if (ratio > 0)
            printf(",\"ratio_to_bare_ring\":%.3f", ratio);
        if (r->hi_msgs_per_s > 0)
            printf(",\"min_msgs_per_s\":%.0f,\"max_msgs_per_s\":%.0f", r->lo_msgs_per_s, r->hi_msgs_per_s);
        printf("}\n");
    } else {
        printf("throughput %-9s %6zu B  round %-6s %12.0f msg/s  %7.3f GB/s  (%llu msgs, ring %zu, cpu %.2f/%.2f%s)",
               transport_names[t], size, round_text, r->msgs_per_s, r->gbytes_per_s, (unsigned long long)r->messages,
               ring, r->cpu_share_producer, r->cpu_share_consumer, r->verified ? "" : ", NOT VERIFIED");
        if (ratio > 0)
            printf("  x%.3f of bare-ring", ratio);
        printf("\n");
    }
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
                    "                  [--ring BYTES] [--batch N (0: per message)] [--cpus A,B] [--no-baseline]\n"
                    "sizes are multiples of 8 bytes\n");
}

static struct result results[N_TRANSPORTS][MAX_SIZES][MAX_ROUNDS];
static bool ok[N_TRANSPORTS][MAX_SIZES][MAX_ROUNDS];

static double median_of(const struct config *cfg, int t, int k, double (*get)(const struct result *))
{
    double v[MAX_ROUNDS];
    size_t m = 0;
    for (int r = 0; r < cfg->rounds; r++) {
        if (ok[t][k][r])
            v[m++] = get(&results[t][k][r]);
    }
    return bu_median(v, m);
}

static double get_mps(const struct result *r) { return r->msgs_per_s; }
static double get_gbs(const struct result *r) { return r->gbytes_per_s; }
static double get_secs(const struct result *r) { return r->seconds; }
static double get_cpu_p(const struct result *r) { return r->cpu_share_producer; }
static double get_cpu_c(const struct result *r) { return r->cpu_share_consumer; }

int main(int argc, char **argv)
{
    struct config cfg = {.sizes = {32, 1024, 65536}, .n_sizes = 3, .rounds = 3, .seconds = 0.3,
                         .batch = 64, .cpu_a = 0, .cpu_b = 1};
    bool baseline = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (strcmp(a, "--json") == 0) {
            cfg.json = true;
            continue;
        }
        if (strcmp(a, "--no-baseline") == 0) {
            baseline = false;
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

    int n_transports = baseline ? N_TRANSPORTS : 1;
    int failures = 0;
    for (int r = 0; r < cfg.rounds; r++) {
        for (int k = 0; k < cfg.n_sizes; k++) {
            int idx = (k + r) % cfg.n_sizes; /* rotate the order each round */
            size_t size = cfg.sizes[idx];
            size_t ring = cfg.ring ? cfg.ring : default_ring(size);
            for (int j = 0; j < n_transports; j++) {
                enum transport t = (enum transport)((j + r) % n_transports); /* alternate who goes first */
                fflush(stdout);
                if (run_once(&cfg, t, size, ring, &results[t][idx][r]) != 0) {
                    fprintf(stderr, "throughput: %s %zu B round %d failed\n", transport_names[t], size, r + 1);
                    failures++;
                    continue;
                }
                ok[t][idx][r] = true;
                char round_text[16];
                snprintf(round_text, sizeof round_text, "%d", r + 1);
                print_result(&cfg, t, size, ring, &results[t][idx][r], round_text, -1.0);
            }
        }
    }
    for (int t = 0; t < n_transports; t++) {
        for (int k = 0; k < cfg.n_sizes; k++) {
            struct result med = {.verified = true};
            size_t m = 0;
            for (int r = 0; r < cfg.rounds; r++) {
                if (!ok[t][k][r])
                    continue;
                med.messages += results[t][k][r].messages;
                med.full_events += results[t][k][r].full_events;
                med.producer_sleeps += results[t][k][r].producer_sleeps;
                med.verified = med.verified && results[t][k][r].verified;
                double v = results[t][k][r].msgs_per_s;
                if (m == 0 || v < med.lo_msgs_per_s)
                    med.lo_msgs_per_s = v;
                if (m == 0 || v > med.hi_msgs_per_s)
                    med.hi_msgs_per_s = v;
                m++;
            }
            if (m == 0)
                continue;
            med.msgs_per_s = median_of(&cfg, t, k, get_mps);
            med.gbytes_per_s = median_of(&cfg, t, k, get_gbs);
            med.seconds = median_of(&cfg, t, k, get_secs);
            med.cpu_share_producer = median_of(&cfg, t, k, get_cpu_p);
            med.cpu_share_consumer = median_of(&cfg, t, k, get_cpu_c);
            /* Tachyon's rate over the bare ring's, same size and round, then the median */
            double ratios[MAX_ROUNDS], ratio = -1.0;
            size_t nr = 0;
            for (int r = 0; t == T_TACHYON && r < cfg.rounds; r++) {
                if (ok[T_TACHYON][k][r] && ok[T_BARE_RING][k][r] && results[T_BARE_RING][k][r].msgs_per_s > 0)
                    ratios[nr++] = results[T_TACHYON][k][r].msgs_per_s / results[T_BARE_RING][k][r].msgs_per_s;
            }
            if (nr)
                ratio = bu_median(ratios, nr);
            size_t ring = cfg.ring ? cfg.ring : default_ring(cfg.sizes[k]);
            print_result(&cfg, (enum transport)t, cfg.sizes[k], ring, &med, cfg.json ? "\"median\"" : "median", ratio);
        }
    }
    return failures ? 1 : 0;
}
