/*
 * topology.c - fan-out and fan-in, each next to N independent SPSC buses doing
 * the same work, in the same run (interleaved rounds, medians).
 *
 *   fanout, N subscribers: the producer publishes M messages of 32 B once; each
 *     subscriber process reads all of them. Baseline: the producer sends each
 *     message on N buses, one per consumer process. msgs_per_s = M / time until
 *     the slowest consumer has everything; producer_ns_per_msg = the producer's
 *     CPU time per message (what must not grow with N).
 *     RTT to the slowest: a ping goes out (fan-out, or N buses), every
 *     subscriber answers (through a fan-in, or N buses back), and the time is
 *     taken when the last answer is in.
 *   fanin, N producers: N processes send F/N messages of 32 B each; one
 *     consumer takes them all (fan-in round-robin, or a loop polling N buses).
 *     msgs_per_s = F / time (F = 8 M by default: rounds of some hundred ms,
 *     not a few scheduler slices); the N = 1 baseline is a plain SPSC bus.
 *     Both consumers take and commit one message at a time and wait the same way
 *     (a yield after 64 passes that found nothing), so the rows compare the
 *     take paths; bench/topology_insn counts their instructions.
 *
 * Every other wait blocks (spin, then futex): the machine may have fewer cores
 * than processes, so a benchmark that spun would measure the scheduler.
 *
 * Usage: topology [--json] [--counts 1,2,4,8] [--messages M] [--fanin-messages F] [--pings P]
 *                 [--rounds R] [--only fanout|rtt|fanin]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "tachyon.h"

#define PAYLOAD 32
#define RING ((size_t)256 << 10)
#define MAX_N 8
#define MAX_ROUNDS 15
#define TYPE_DATA 1u
#define TYPE_END 0u

struct config {
    int counts[8];
    int n_counts;
    uint64_t messages;
    uint64_t fanin_messages; /* 0: 8 x messages */
    int pings;
    int rounds;
    bool json;
    unsigned only; /* ONLY_* bits: which measurements run (all by default) */
};

#define ONLY_FANOUT 1u
#define ONLY_RTT 2u
#define ONLY_FANIN 4u

struct shared {
    uint32_t ready; /* children attached */
    uint32_t go;
    uint64_t got[MAX_N];
    uint64_t sum[MAX_N];
};

static char base_name[64];

static void name_of(char *buf, size_t len, const char *what, int i)
{
    snprintf(buf, len, "%s-%s-%d", base_name, what, i);
}

static void die(const char *what, tachyon_error_t err)
{
    fprintf(stderr, "topology: %s: %s\n", what, tachyon_strerror(err));
    exit(1);
}

static void wait_children(int *pids, int n)
{
    for (int i = 0; i < n; i++)
        if (bu_wait_child(pids[i]) != 0) {
            fprintf(stderr, "topology: child %d failed\n", i);
            exit(1);
        }
}

static void spin_wait(uint32_t *word, uint32_t want)
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) < want)
        usleep(200);
}

/* ---- fan-out throughput --------------------------------------------------------- */

/* A consumer: reads until End, sums the first word of each payload. */
static void read_sub(tachyon_sub_t *sub, struct shared *sh, int i)
{
    uint64_t got = 0, sum = 0;
    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *p = tachyon_sub_acquire_rx_until(sub, &type, &size, TACHYON_FOREVER);
        uint64_t v;
        if (!p)
            die("subscriber", tachyon_sub_last_error(sub));
        if (type == TYPE_END)
            break;
        memcpy(&v, p, 8);
        sum += v;
        got++;
        tachyon_sub_commit_rx(sub);
    }
    sh->got[i] = got;
    sh->sum[i] = sum;
}

static void read_bus(tachyon_bus_t *bus, struct shared *sh, int i)
{
    uint64_t got = 0, sum = 0;
    for (;;) {
        uint32_t type;
        size_t size;
        const uint8_t *p = tachyon_acquire_rx_until(bus, &type, &size, 4096, TACHYON_FOREVER);
        uint64_t v;
        if (!p)
            die("consumer", tachyon_last_error(bus));
        if (type == TYPE_END)
            break;
        memcpy(&v, p, 8);
        sum += v;
        got++;
        tachyon_commit_rx(bus);
    }
    sh->got[i] = got;
    sh->sum[i] = sum;
}

static void check_sums(struct shared *sh, int n, uint64_t m)
{
    for (int i = 0; i < n; i++)
        if (sh->got[i] != m || sh->sum[i] != m * (m - 1) / 2) {
            fprintf(stderr, "topology: consumer %d got %llu messages (sum %llu), expected %llu\n", i,
                    (unsigned long long)sh->got[i], (unsigned long long)sh->sum[i], (unsigned long long)m);
            exit(1);
        }
}

/* Returns msgs/s; *cpu_ns_per_msg is the producer's CPU per message. */
static double fanout_tachyon(int n, uint64_t m, double *cpu_ns_per_msg)
{
    struct shared *sh = bu_shared_alloc(sizeof(*sh));
    char name[128];
    tachyon_fanout_t *pub;
    tachyon_error_t err;
    int pids[MAX_N];
    uint64_t t0, t1, c0;

    name_of(name, sizeof(name), "fo", n);
    err = tachyon_fanout_listen(name, RING, TACHYON_LAG_BLOCK, NULL, &pub);
    if (err != TACHYON_OK)
        die("fanout_listen", err);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            tachyon_sub_t *sub;
            err = tachyon_sub_connect_until(name, NULL, TACHYON_JOIN_NEWEST, TACHYON_FOREVER, &sub, NULL);
            if (err != TACHYON_OK)
                die("sub_connect", err);
            read_sub(sub, sh, i);
            tachyon_sub_destroy(sub);
            _exit(0);
        }
    }
    while (tachyon_fanout_subscribers(pub) < (size_t)n)
        usleep(200);
    c0 = bu_process_cpu_ns();
    t0 = bu_now_ns();
    for (uint64_t k = 0; k < m; k++) {
        uint8_t *slot = tachyon_fanout_acquire_tx_until(pub, PAYLOAD, TACHYON_FOREVER);
        if (!slot)
            die("fanout_acquire_tx", tachyon_fanout_last_error(pub));
        memcpy(slot, &k, 8);
        memset(slot + 8, 0x5a, PAYLOAD - 8);
        tachyon_fanout_commit_tx(pub, PAYLOAD, TYPE_DATA);
    }
    *cpu_ns_per_msg = (double)(bu_process_cpu_ns() - c0) / (double)m;
    tachyon_fanout_send_until(pub, NULL, 0, TYPE_END, TACHYON_FOREVER);
    wait_children(pids, n);
    t1 = bu_now_ns();
    check_sums(sh, n, m);
    tachyon_fanout_destroy(pub);
    bu_shared_free(sh, sizeof(*sh));
    return (double)m * 1e9 / (double)(t1 - t0);
}

static double fanout_spsc(int n, uint64_t m, double *cpu_ns_per_msg)
{
    struct shared *sh = bu_shared_alloc(sizeof(*sh));
    tachyon_bus_t *bus[MAX_N];
    tachyon_error_t err;
    int pids[MAX_N];
    uint64_t t0, t1, c0;

    for (int i = 0; i < n; i++) {
        char name[128];
        name_of(name, sizeof(name), "fo-spsc", i);
        pids[i] = fork();
        if (pids[i] == 0) {
            tachyon_bus_t *cons;
            err = tachyon_bus_listen(name, RING, &cons);
            if (err != TACHYON_OK)
                die("listen", err);
            read_bus(cons, sh, i);
            tachyon_bus_destroy(cons);
            _exit(0);
        }
        err = tachyon_bus_connect(name, &bus[i]);
        if (err != TACHYON_OK)
            die("connect", err);
    }
    c0 = bu_process_cpu_ns();
    t0 = bu_now_ns();
    for (uint64_t k = 0; k < m; k++)
        for (int i = 0; i < n; i++) {
            uint8_t *slot = tachyon_acquire_tx_until(bus[i], PAYLOAD, TACHYON_FOREVER);
            if (!slot)
                die("acquire_tx", tachyon_last_error(bus[i]));
            memcpy(slot, &k, 8);
            memset(slot + 8, 0x5a, PAYLOAD - 8);
            tachyon_commit_tx(bus[i], PAYLOAD, TYPE_DATA);
        }
    *cpu_ns_per_msg = (double)(bu_process_cpu_ns() - c0) / (double)m;
    for (int i = 0; i < n; i++) {
        tachyon_send_until(bus[i], NULL, 0, TYPE_END, TACHYON_FOREVER);
        tachyon_flush(bus[i]);
    }
    wait_children(pids, n);
    t1 = bu_now_ns();
    check_sums(sh, n, m);
    for (int i = 0; i < n; i++)
        tachyon_bus_destroy(bus[i]);
    bu_shared_free(sh, sizeof(*sh));
    return (double)m * 1e9 / (double)(t1 - t0);
}

/* ---- fan-out RTT to the slowest ------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Fills p50/p99 (ns) of the time until every one of n answered a ping. */
static void rtt_tachyon(int n, int pings, double *p50, double *p99)
{
    char out[128], back[128];
    tachyon_fanout_t *pub;
    tachyon_fanin_t *fi;
    tachyon_error_t err;
    uint64_t *rtt = malloc(sizeof(uint64_t) * (size_t)pings);
    int pids[MAX_N];

    name_of(out, sizeof(out), "rtt-out", n);
    name_of(back, sizeof(back), "rtt-back", n);
    if ((err = tachyon_fanout_listen(out, RING, TACHYON_LAG_BLOCK, NULL, &pub)) != TACHYON_OK)
        die("fanout_listen", err);
    if ((err = tachyon_fanin_listen(back, RING, NULL, &fi)) != TACHYON_OK)
        die("fanin_listen", err);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            tachyon_sub_t *sub;
            tachyon_bus_t *reply;
            if ((err = tachyon_sub_connect_until(out, NULL, 0, TACHYON_FOREVER, &sub, NULL)) != TACHYON_OK)
                die("sub_connect", err);
            if ((err = tachyon_bus_connect(back, &reply)) != TACHYON_OK)
                die("connect", err);
            for (;;) {
                uint32_t type;
                size_t size;
                const uint8_t *p = tachyon_sub_acquire_rx_until(sub, &type, &size, TACHYON_FOREVER);
                if (!p)
                    die("sub_acquire", tachyon_sub_last_error(sub));
                if (type == TYPE_END)
                    break;
                tachyon_send_until(reply, p, size, TYPE_DATA, TACHYON_FOREVER);
                tachyon_flush(reply);
                tachyon_sub_commit_rx(sub);
            }
            tachyon_sub_destroy(sub);
            tachyon_bus_destroy(reply);
            _exit(0);
        }
    }
    while (tachyon_fanout_subscribers(pub) < (size_t)n || tachyon_fanin_producers(fi) < (size_t)n)
        usleep(200);
    for (int k = 0; k < pings; k++) {
        uint8_t ping[PAYLOAD] = {0};
        uint64_t t0 = bu_now_ns();
        memcpy(ping, &k, sizeof(k));
        tachyon_fanout_send_until(pub, ping, PAYLOAD, TYPE_DATA, TACHYON_FOREVER);
        for (int got = 0; got < n; got++) {
            uint32_t type;
            size_t size;
            if (!tachyon_fanin_acquire_rx_until(fi, &type, &size, NULL, TACHYON_FOREVER))
                die("fanin_acquire", tachyon_fanin_last_error(fi));
            tachyon_fanin_commit_rx(fi);
        }
        rtt[k] = bu_now_ns() - t0;
    }
    tachyon_fanout_send_until(pub, NULL, 0, TYPE_END, TACHYON_FOREVER);
    wait_children(pids, n);
    tachyon_fanin_destroy(fi);
    tachyon_fanout_destroy(pub);
    qsort(rtt, (size_t)pings, sizeof(uint64_t), cmp_u64);
    *p50 = (double)rtt[pings / 2];
    *p99 = (double)rtt[(size_t)pings * 99 / 100];
    free(rtt);
}

static void rtt_spsc(int n, int pings, double *p50, double *p99)
{
    tachyon_bus_t *out[MAX_N], *back[MAX_N];
    tachyon_error_t err;
    uint64_t *rtt = malloc(sizeof(uint64_t) * (size_t)pings);
    int pids[MAX_N];

    for (int i = 0; i < n; i++) {
        char o[128], b[128];
        name_of(o, sizeof(o), "rtt-spsc-out", i);
        name_of(b, sizeof(b), "rtt-spsc-back", i);
        pids[i] = fork();
        if (pids[i] == 0) {
            tachyon_bus_t *in, *reply;
            if ((err = tachyon_bus_listen(o, RING, &in)) != TACHYON_OK)
                die("listen", err);
            if ((err = tachyon_bus_connect(b, &reply)) != TACHYON_OK)
                die("connect", err);
            for (;;) {
                uint32_t type;
                size_t size;
                const uint8_t *p = tachyon_acquire_rx_until(in, &type, &size, 4096, TACHYON_FOREVER);
                if (!p)
                    die("acquire_rx", tachyon_last_error(in));
                if (type == TYPE_END)
                    break;
                tachyon_send_until(reply, p, size, TYPE_DATA, TACHYON_FOREVER);
                tachyon_flush(reply);
                tachyon_commit_rx(in);
            }
            tachyon_bus_destroy(in);
            tachyon_bus_destroy(reply);
            _exit(0);
        }
        if ((err = tachyon_bus_connect(o, &out[i])) != TACHYON_OK)
            die("connect", err);
        if ((err = tachyon_bus_listen(b, RING, &back[i])) != TACHYON_OK)
            die("listen", err);
    }
    for (int k = 0; k < pings; k++) {
        uint8_t ping[PAYLOAD] = {0};
        uint64_t t0 = bu_now_ns();
        memcpy(ping, &k, sizeof(k));
        for (int i = 0; i < n; i++) {
            tachyon_send_until(out[i], ping, PAYLOAD, TYPE_DATA, TACHYON_FOREVER);
            tachyon_flush(out[i]);
        }
        for (int i = 0; i < n; i++) {
            uint32_t type;
            size_t size;
            if (!tachyon_acquire_rx_until(back[i], &type, &size, 4096, TACHYON_FOREVER))
                die("acquire_rx", tachyon_last_error(back[i]));
            tachyon_commit_rx(back[i]);
        }
        rtt[k] = bu_now_ns() - t0;
    }
    for (int i = 0; i < n; i++) {
        tachyon_send_until(out[i], NULL, 0, TYPE_END, TACHYON_FOREVER);
        tachyon_flush(out[i]);
    }
    wait_children(pids, n);
    for (int i = 0; i < n; i++) {
        tachyon_bus_destroy(out[i]);
        tachyon_bus_destroy(back[i]);
    }
    qsort(rtt, (size_t)pings, sizeof(uint64_t), cmp_u64);
    *p50 = (double)rtt[pings / 2];
    *p99 = (double)rtt[(size_t)pings * 99 / 100];
    free(rtt);
}

/* ---- fan-in ----------------------------------------------------------------------- */

/* A producer child: waits for go, sends `m` messages, closes. */
static void produce_bus(tachyon_bus_t *bus, struct shared *sh, uint64_t m)
{
    __atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
    spin_wait(&sh->go, 1);
    for (uint64_t k = 0; k < m; k++) {
        uint8_t *slot = tachyon_acquire_tx_until(bus, PAYLOAD, TACHYON_FOREVER);
        if (!slot)
            die("acquire_tx", tachyon_last_error(bus));
        memcpy(slot, &k, 8);
        memset(slot + 8, 0x5a, PAYLOAD - 8);
        tachyon_commit_tx(bus, PAYLOAD, TYPE_DATA);
    }
    tachyon_bus_destroy(bus);
    _exit(0);
}

static double fanin_tachyon(int n, uint64_t m)
{
    struct shared *sh = bu_shared_alloc(sizeof(*sh));
    char name[128];
    tachyon_fanin_t *fi;
    tachyon_error_t err;
    int pids[MAX_N];
    uint64_t per = m / (uint64_t)n, total = per * (uint64_t)n, got = 0, t0, t1;
    unsigned idle = 0;

    name_of(name, sizeof(name), "fi", n);
    if ((err = tachyon_fanin_listen(name, RING, NULL, &fi)) != TACHYON_OK)
        die("fanin_listen", err);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            tachyon_bus_t *bus;
            if ((err = tachyon_bus_connect(name, &bus)) != TACHYON_OK)
                die("connect", err);
            produce_bus(bus, sh, per);
        }
    }
    spin_wait(&sh->ready, (uint32_t)n);
    while (tachyon_fanin_producers(fi) < (size_t)n)
        usleep(200);
    t0 = bu_now_ns();
    __atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
    /* Waiting as the baseline waits (see fanin_spsc): one non-blocking take
     * per call, and a yield after 64 calls that found every ring empty. A
     * futex sleep here would make the producers pay wake-ups the baseline's
     * producers never pay. */
    while (got < total) {
        uint32_t type;
        size_t size;
        if (tachyon_fanin_acquire_rx(fi, &type, &size, NULL)) {
            tachyon_fanin_commit_rx(fi);
            got++;
        } else if (tachyon_fanin_last_error(fi) != TACHYON_ERR_EMPTY) {
            die("fanin_acquire", tachyon_fanin_last_error(fi));
        } else if (++idle % 64 == 0) {
            sched_yield();
        }
    }
    t1 = bu_now_ns();
    wait_children(pids, n);
    tachyon_fanin_destroy(fi);
    bu_shared_free(sh, sizeof(*sh));
    return (double)total * 1e9 / (double)(t1 - t0);
}

static double fanin_spsc(int n, uint64_t m)
{
    struct shared *sh = bu_shared_alloc(sizeof(*sh));
    tachyon_bus_t *bus[MAX_N];
    tachyon_error_t err;
    int pids[MAX_N];
    uint64_t per = m / (uint64_t)n, total = per * (uint64_t)n, got = 0, t0, t1;
    unsigned idle = 0;

    for (int i = 0; i < n; i++) {
        char name[128];
        name_of(name, sizeof(name), "fi-spsc", i);
        pids[i] = fork();
        if (pids[i] == 0) {
            tachyon_bus_t *b;
            if ((err = tachyon_bus_connect(name, &b)) != TACHYON_OK)
                die("connect", err);
            produce_bus(b, sh, per);
        }
        if ((err = tachyon_bus_listen(name, RING, &bus[i])) != TACHYON_OK)
            die("listen", err);
    }
    spin_wait(&sh->ready, (uint32_t)n);
    t0 = bu_now_ns();
    __atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
    /* One consumer polling N buses in turn (N = 1: a plain SPSC bus); with
     * nothing anywhere it yields, as a loop on a shared machine must. */
    while (got < total) {
        int any = 0;
        for (int i = 0; i < n; i++) {
            uint32_t type;
            size_t size;
            if (tachyon_acquire_rx(bus[i], &type, &size)) {
                tachyon_commit_rx(bus[i]);
                got++;
                any = 1;
            }
        }
        if (!any && ++idle % 64 == 0)
            sched_yield();
    }
    t1 = bu_now_ns();
    wait_children(pids, n);
    for (int i = 0; i < n; i++)
        tachyon_bus_destroy(bus[i]);
    bu_shared_free(sh, sizeof(*sh));
    return (double)total * 1e9 / (double)(t1 - t0);
}

/* ---- driver ----------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: topology [--json] [--counts 1,2,4,8] [--messages M] [--fanin-messages F] [--pings P]\n"
                    "                [--rounds R] [--only fanout|rtt|fanin]\n");
    exit(2);
}

static void parse(int argc, char **argv, struct config *c)
{
    memset(c, 0, sizeof(*c));
    c->counts[0] = 1, c->counts[1] = 2, c->counts[2] = 4, c->counts[3] = 8;
    c->n_counts = 4;
    c->messages = 2000000;
    c->pings = 2000;
    c->rounds = 3;
    c->only = ONLY_FANOUT | ONLY_RTT | ONLY_FANIN;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            c->json = true;
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            const char *w = argv[++i];
            c->only = !strcmp(w, "fanout") ? ONLY_FANOUT : !strcmp(w, "rtt") ? ONLY_RTT : !strcmp(w, "fanin") ? ONLY_FANIN : 0;
            if (!c->only)
                usage();
        } else if (!strcmp(argv[i], "--counts") && i + 1 < argc) {
            char *s = argv[++i], *end;
            c->n_counts = 0;
            while (*s && c->n_counts < 8) {
                long v = strtol(s, &end, 10);
                if (end == s || v < 1 || v > MAX_N)
                    usage();
                c->counts[c->n_counts++] = (int)v;
                s = *end == ',' ? end + 1 : end;
            }
        } else if (!strcmp(argv[i], "--messages") && i + 1 < argc) {
            if (bu_parse_count(argv[++i], &c->messages) != 0 || c->messages < 16)
                usage();
        } else if (!strcmp(argv[i], "--fanin-messages") && i + 1 < argc) {
            if (bu_parse_count(argv[++i], &c->fanin_messages) != 0 || c->fanin_messages < 16)
                usage();
        } else if (!strcmp(argv[i], "--pings") && i + 1 < argc) {
            c->pings = atoi(argv[++i]);
            if (c->pings < 10)
                usage();
        } else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            c->rounds = atoi(argv[++i]);
            if (c->rounds < 1 || c->rounds > MAX_ROUNDS)
                usage();
        } else {
            usage();
        }
    }
}

int main(int argc, char **argv)
{
    struct config c;

    parse(argc, argv, &c);
    bu_clock_init();
    snprintf(base_name, sizeof(base_name), "@tachyon-bench-topology-%ld", (long)getpid());
    for (int ci = 0; ci < c.n_counts; ci++) {
        int n = c.counts[ci];
        double fo[2][MAX_ROUNDS], cpu[2][MAX_ROUNDS], p50[2][MAX_ROUNDS], p99[2][MAX_ROUNDS];
        double fi[2][MAX_ROUNDS];
        static const char *const transport[2] = {"tachyon", "spsc"};

        /* Interleaved: each round runs the fan-out/fan-in and its baseline. */
        for (int r = 0; r < c.rounds; r++) {
            fo[0][r] = fo[1][r] = cpu[0][r] = cpu[1][r] = p50[0][r] = p50[1][r] = p99[0][r] = p99[1][r] = 0;
            fi[0][r] = fi[1][r] = 0;
            if (c.only & ONLY_FANOUT) {
                fo[0][r] = fanout_tachyon(n, c.messages, &cpu[0][r]);
                fo[1][r] = fanout_spsc(n, c.messages, &cpu[1][r]);
            }
            if (c.only & ONLY_RTT) {
                rtt_tachyon(n, c.pings, &p50[0][r], &p99[0][r]);
                rtt_spsc(n, c.pings, &p50[1][r], &p99[1][r]);
            }
            if (c.only & ONLY_FANIN) {
                uint64_t m = c.fanin_messages ? c.fanin_messages : 8 * c.messages;
                fi[0][r] = fanin_tachyon(n, m);
                fi[1][r] = fanin_spsc(n, m);
            }
        }
        for (int t = 0; t < 2; t++) {
            double m_fo = bu_median(fo[t], (size_t)c.rounds), m_cpu = bu_median(cpu[t], (size_t)c.rounds);
            double m_p50 = bu_median(p50[t], (size_t)c.rounds), m_p99 = bu_median(p99[t], (size_t)c.rounds);
            double m_fi = bu_median(fi[t], (size_t)c.rounds);
            bool fo_row = (c.only & (ONLY_FANOUT | ONLY_RTT)) != 0, fi_row = (c.only & ONLY_FANIN) != 0;
            if (c.json) {
                if (fo_row)
                    printf("{\"bench\":\"fanout\",\"transport\":\"%s\",\"subscribers\":%d,\"payload\":%d,"
                           "\"round\":\"median\",\"rounds\":%d,\"msgs_per_s\":%.0f,\"producer_ns_per_msg\":%.1f,"
                           "\"rtt_slowest_p50_ns\":%.0f,\"rtt_slowest_p99_ns\":%.0f}\n",
                           transport[t], n, PAYLOAD, c.rounds, m_fo, m_cpu, m_p50, m_p99);
                if (fi_row)
                    printf("{\"bench\":\"fanin\",\"transport\":\"%s\",\"producers\":%d,\"payload\":%d,"
                           "\"round\":\"median\",\"rounds\":%d,\"msgs_per_s\":%.0f}\n",
                           transport[t], n, PAYLOAD, c.rounds, m_fi);
            } else {
                if (fo_row)
                    printf("fanout %-7s N=%d  %10.0f msg/s  producer %6.1f ns/msg  RTT to slowest p50 %8.0f ns p99 "
                           "%8.0f ns\n",
                           transport[t], n, m_fo, m_cpu, m_p50, m_p99);
                if (fi_row)
                    printf("fanin  %-7s N=%d  %10.0f msg/s\n", transport[t], n, m_fi);
            }
            fflush(stdout);
        }
    }
    return 0;
}
