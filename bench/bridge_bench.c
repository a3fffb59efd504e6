/*
 * bridge_bench.c - throughput and latency through tachyon-bridge (local bus ->
 * out -> nats-server -> in -> local bus), and in the same run a plain libnats
 * publisher and subscriber pair moving the same messages, for core NATS and
 * JetStream, 32 B and 1 KiB payloads.
 *
 *   bridge_bench [--json] [--rounds R] [--count N] [--latency-samples K]
 *                [--bridge PATH] [--lock FILE] [--modes core,jetstream] [--baseline PATH]
 *
 * It starts its own nats-server (loopback, a free port, a temporary store).
 * Throughput: N messages sent as fast as the sender can, timed from the first
 * send to the last receive (1 KiB runs send N/4). Latency: K messages one at a
 * time, each carrying its send time (CLOCK_MONOTONIC) in its first 8 bytes,
 * received in the same process. The bridge's sender and receiver are a
 * Tachyon producer and consumer (32 B: market Bid ticks; 1 KiB: frames);
 * the pair's are a libnats publisher and subscriber (JetStream: asynchronous
 * publish and a pull consumer acknowledging each message, as the bridge does).
 *
 * Rows (one JSON object per line with --json): per round, then
 *   {"bench":"bridge","transport":"tachyon-bridge"|"nats-client","mode":"core"|"jetstream",
 *    "payload":32,"round":"median","msgs_per_s":..,"p50_ns":..,"p99_ns":..}
 * and the bridge's median row adds "ratio_vs_nats_client": the median over rounds of
 * its msg/s over the pair's in the same round (the rounds are interleaved, so
 * each ratio is taken under one load).
 * --baseline PATH runs a second tachyon-bridge binary (e.g. an older build) in
 * the same interleaved rounds, as transport "baseline-bridge", so a change is
 * compared against the same load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "tachyon.h"
#include "frames.h"
#include "market.h"

#define MAX_ROUNDS 15
#define MAX_SAMPLES 100000

static int json_out;
static pid_t server_pid;

/* CPU time (user + system) the nats-server used so far, in ms. */
static double server_cpu_ms(void)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)server_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}
static char nats_url[64];
static char tmpdir[256];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static pid_t children[3]; /* the nats-server and the two bridges of the current run */

/* Stops what this program started and removes its files: every exit path of a
 * failed run comes through here, so nothing is left running. */
static void cleanup(void)
{
    for (int i = 0; i < 3; i++)
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
    if (tmpdir[0]) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "bridge_bench: could not remove %s\n", tmpdir);
        tmpdir[0] = '\0';
    }
}

static void die(const char *what)
{
    fprintf(stderr, "bridge_bench: %s\n", what);
    exit(1);
}

/* ---- processes ---------------------------------------------------------- */

static pid_t spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static void stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || getsockname(fd, (struct sockaddr *)&a, &len))
        die("no free port");
    close(fd);
    return ntohs(a.sin_port);
}

static natsConnection *nats_connect_retrying(void)
{
    natsConnection *nc = NULL;
    for (int i = 0; i < 200; i++) {
        if (natsConnection_ConnectTo(&nc, nats_url) == NATS_OK)
            return nc;
        usleep(50000);
    }
    die("cannot connect to the nats-server it started");
    return NULL;
}

/* ---- statistics ------------------------------------------------------------ */

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

static uint64_t pct(uint64_t *v, size_t n, double q)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    return v[(size_t)((double)(n - 1) * q)];
}

struct result {
    double msgs_per_s;
    double p50_ns, p99_ns;
    uint64_t samples;
    uint64_t lost; /* throughput messages that never arrived (core NATS drops) */
    double server_ms; /* nats-server CPU time during the throughput phase */
};

static void print_row(const char *transport, const char *mode, int payload, int round, const struct result *r,
                      double ratio)
{
    char rnd[16];
    if (round < 0)
        snprintf(rnd, sizeof rnd, "\"median\"");
    else
        snprintf(rnd, sizeof rnd, "%d", round);
    if (json_out) {
        printf("{\"bench\":\"bridge\",\"transport\":\"%s\",\"mode\":\"%s\",\"payload\":%d,\"round\":%s,"
               "\"msgs_per_s\":%.0f,\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"latency_samples\":%" PRIu64
               ",\"lost\":%" PRIu64 ",\"server_cpu_ms\":%.0f",
               transport, mode, payload, rnd, r->msgs_per_s, r->p50_ns, r->p99_ns, r->samples, r->lost, r->server_ms);
        if (ratio > 0)
            printf(",\"ratio_vs_nats_client\":%.3f", ratio);
        printf("}\n");
    } else {
        printf("%-15s %-9s %5d B  round %-6s %12.0f msg/s  p50 %9.1f us  p99 %9.1f us  server %6.0f ms", transport,
               mode, payload, round < 0 ? "median" : rnd, r->msgs_per_s, r->p50_ns / 1e3, r->p99_ns / 1e3,
               r->server_ms);
        if (ratio > 0)
            printf("  %.2fx the nats-client pair", ratio);
        printf("\n");
    }
    fflush(stdout);
}

/* ---- the receiving side, shared by both transports ------------------------- */

struct receiver {
    _Atomic uint64_t received;
    _Atomic int latency_phase;
    _Atomic int done;
    uint64_t last_ns;
    uint64_t *lat;
    size_t nlat;
};

static void on_received(struct receiver *r, const void *data, size_t size)
{
    uint64_t t = now_ns();
    if (atomic_load_explicit(&r->latency_phase, memory_order_relaxed) && size >= 8 && r->nlat < MAX_SAMPLES) {
        uint64_t stamp;
        memcpy(&stamp, data, 8);
        r->lat[r->nlat++] = t - stamp;
    }
    r->last_ns = t;
    atomic_fetch_add_explicit(&r->received, 1, memory_order_release);
}

/* Waits until n messages arrived; gives up when nothing arrives for 5 s and
 * returns how many are missing (core NATS may drop). */
/* A bridge that died mid-run would make every later wait time out (the
 * latency loop alone for samples x 5 s): fail at once with its log's end. */
static void bridges_alive(void)
{
    for (int i = 1; i < 3; i++) {
        int st = 0;
        if (children[i] > 0 && waitpid(children[i], &st, WNOHANG) == children[i]) {
            children[i] = 0;
            fprintf(stderr, "bridge_bench: a tachyon-bridge process ended during the run (%s %d); end of its log:\n",
                    WIFSIGNALED(st) ? "signal" : "status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            char cmd[400];
            snprintf(cmd, sizeof cmd, "tail -n 20 '%s/bridges.log' >&2", tmpdir);
            if (system(cmd) != 0)
                fprintf(stderr, "bridge_bench: (no log)\n");
            exit(1);
        }
    }
}

static uint64_t wait_received(struct receiver *r, uint64_t n, const char *what)
{
    uint64_t seen = atomic_load_explicit(&r->received, memory_order_acquire), last_change = now_ns();
    while (seen < n) {
        /* Sleep, not spin: on a small machine a spinning waiter takes the CPU
         * the processes under test need. Latency is measured by the receiver
         * at arrival, so this wait does not enter it. */
        usleep(100);
        uint64_t now = atomic_load_explicit(&r->received, memory_order_acquire);
        if (now != seen) {
            seen = now;
            last_change = now_ns();
        } else if (now_ns() - last_change > UINT64_C(5000000000)) {
            fprintf(stderr, "bridge_bench: %s: %" PRIu64 " of %" PRIu64 " messages arrived\n", what, seen, n);
            bridges_alive();
            return n - seen;
        }
    }
    return 0;
}

/* Sends one message at a time through `send` until the first arrives: the
 * far side is subscribed and every link is warm. Returns the count received. */
static uint64_t warm_up(struct receiver *r, void (*send)(void *), void *ctx)
{
    uint64_t deadline = now_ns() + UINT64_C(30000000000);
    while (atomic_load(&r->received) == 0) {
        if (now_ns() > deadline)
            die("nothing arrived during the warm-up (30 s)");
        send(ctx);
        usleep(20000);
    }
    for (int i = 0; i < 200; i++)
        send(ctx);
    usleep(200000);
    uint64_t base = atomic_load(&r->received), t = now_ns();
    while (now_ns() - t < UINT64_C(300000000)) { /* settle: nothing more in flight */
        usleep(50000);
        uint64_t now = atomic_load(&r->received);
        if (now != base) {
            base = now;
            t = now_ns();
        }
    }
    return base;
}

/* ---- through the bridge ------------------------------------------------------ */

struct bus_rx {
    struct receiver r;
    const char *path;
    uint64_t fingerprint;
};

static void *bus_consumer(void *arg)
{
    struct bus_rx *c = arg;
    tachyon_options_t opts = {.schema_fingerprint = c->fingerprint, .timeout_ns = INT64_C(20000000000)};
    tachyon_bus_t *bus;
    tachyon_error_t err = tachyon_bus_listen_ex(c->path, 1u << 24, &opts, &bus);
    if (err) {
        fprintf(stderr, "bridge_bench: listen %s: %s\n", c->path, tachyon_strerror(err));
        exit(1);
    }
    tachyon_msg_t msgs[256];
    for (;;) {
        size_t n = tachyon_drain_batch(bus, msgs, 256);
        if (!n) {
            uint32_t type;
            size_t size;
            const void *p = tachyon_acquire_rx_timeout(bus, &type, &size, 1000, INT64_C(100000000));
            if (!p) {
                err = tachyon_last_error(bus);
                if (err == TACHYON_ERR_TIMEOUT || err == TACHYON_ERR_INTERRUPTED)
                    continue;
                break;
            }
            if (type == 0 && size == 0) {
                tachyon_commit_rx(bus);
                break;
            }
            on_received(&c->r, p, size);
            tachyon_commit_rx(bus);
            continue;
        }
        int end = 0;
        for (size_t i = 0; i < n; i++) {
            if (msgs[i].type_id == 0 && msgs[i].size == 0)
                end = 1;
            else
                on_received(&c->r, msgs[i].data, msgs[i].size);
        }
        tachyon_commit_rx_batch(bus, n);
        if (end)
            break;
    }
    atomic_store(&c->r.done, 1);
    tachyon_bus_destroy(bus);
    return NULL;
}

static void bus_send(tachyon_bus_t *bus, uint32_t type, size_t size, uint64_t stamp)
{
    void *p = tachyon_acquire_tx_blocking(bus, size, INT64_C(60000000000));
    if (!p) {
        fprintf(stderr, "bridge_bench: send: %s\n", tachyon_strerror(tachyon_last_error(bus)));
        exit(1);
    }
    memset(p, 0x5a, size);
    memcpy(p, &stamp, 8);
    tachyon_commit_tx(bus, size, type);
}

struct bus_tx {
    tachyon_bus_t *bus;
    uint32_t type;
    size_t size;
};

static void bus_send_one(void *ctx)
{
    struct bus_tx *t = ctx;
    bus_send(t->bus, t->type, t->size, 0);
    tachyon_flush(t->bus);
}

static const char *bridge_path = "build/bin/tachyon-bridge";
static const char *baseline_path; /* --baseline: another bridge binary, run in the same rounds */
static const char *lock_path = "schemas/tach.lock";

static struct result run_bridge(const char *mode, int payload, uint64_t count, size_t samples, int run)
{
    const char *schema = payload == 32 ? "market" : "frames";
    uint64_t fp = payload == 32 ? MARKET_SCHEMA_FINGERPRINT : FRAMES_SCHEMA_FINGERPRINT;
    uint32_t type = payload == 32 ? MARKET_MSG_BID : FRAMES_MSG_FRAME;
    char s_out[96], s_in[96], state[512], durable[64], log[512];
    snprintf(s_out, sizeof s_out, "@tachyon-bridge-bench-%d-%d-out", (int)getpid(), run);
    snprintf(s_in, sizeof s_in, "@tachyon-bridge-bench-%d-%d-in", (int)getpid(), run);
    snprintf(state, sizeof state, "%s/in-%d.state", tmpdir, run);
    snprintf(durable, sizeof durable, "bench%d", run);
    snprintf(log, sizeof log, "%s/bridges.log", tmpdir);
    char *out_argv[] = {(char *)bridge_path, "out", "--socket", s_out, "--lock", (char *)lock_path, "--schema",
                        (char *)schema, "--nats", nats_url, "--mode", (char *)mode, "--capacity", "16777216", NULL};
    char *in_argv[] = {(char *)bridge_path, "in", "--socket", s_in, "--lock", (char *)lock_path, "--schema",
                       (char *)schema, "--nats", nats_url, "--mode", (char *)mode, "--state", state,
                       "--durable", durable, NULL};
    struct bus_rx c = {.path = s_in, .fingerprint = fp};
    c.r.lat = calloc(MAX_SAMPLES, sizeof *c.r.lat);
    pthread_t th;
    pthread_create(&th, NULL, bus_consumer, &c);
    pid_t out = spawn(out_argv, log), in = spawn(in_argv, log);
    children[1] = out;
    children[2] = in;
    tachyon_options_t opts = {.schema_fingerprint = fp, .timeout_ns = INT64_C(20000000000)};
    tachyon_bus_t *bus;
    tachyon_error_t err = tachyon_bus_connect_ex(s_out, &opts, &bus);
    if (err) {
        fprintf(stderr, "bridge_bench: connect %s: %s (bridge log: %s)\n", s_out, tachyon_strerror(err), log);
        exit(1);
    }
    /* Warm-up: both bridges connected, subscribed, the stream in place. */
    struct bus_tx tx = {bus, type, (size_t)payload};
    uint64_t base = warm_up(&c.r, bus_send_one, &tx);

    double cpu0 = server_cpu_ms();
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < count; i++)
        bus_send(bus, type, (size_t)payload, 0);
    tachyon_flush(bus);
    uint64_t lost = wait_received(&c.r, base + count, "bridge throughput");
    struct result res = {.msgs_per_s = (double)(count - lost) * 1e9 / (double)(c.r.last_ns - t0), .lost = lost,
                         .server_ms = server_cpu_ms() - cpu0};
    base = atomic_load(&c.r.received);

    atomic_store(&c.r.latency_phase, 1);
    for (size_t i = 0; i < samples; i++) {
        bus_send(bus, type, (size_t)payload, now_ns());
        tachyon_flush(bus);
        base += 1 - wait_received(&c.r, base + 1, "bridge latency");
    }
    tachyon_send_blocking(bus, NULL, 0, 0, INT64_C(10000000000));
    tachyon_bus_destroy(bus);
    pthread_join(th, NULL);
    stop(out);
    stop(in);
    children[1] = children[2] = 0;
    res.samples = c.r.nlat;
    res.p50_ns = (double)pct(c.r.lat, c.r.nlat, 0.50);
    res.p99_ns = (double)pct(c.r.lat, c.r.nlat, 0.99);
    free(c.r.lat);
    if (!strcmp(mode, "jetstream")) {
        /* A fresh stream for the next run. */
        natsConnection *nc = nats_connect_retrying();
        jsCtx *js = NULL;
        jsErrCode jerr;
        char name[64];
        snprintf(name, sizeof name, "TACHYON_%s", schema);
        if (natsConnection_JetStream(&js, nc, NULL) == NATS_OK)
            js_DeleteStream(js, name, NULL, &jerr);
        jsCtx_Destroy(js);
        natsConnection_Destroy(nc);
    }
    unlink(state);
    return res;
}

/* ---- the plain libnats pair ------------------------------------------------ */

struct pair_rx {
    struct receiver r;
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
    int jetstream;
};

static void *pair_subscriber(void *arg)
{
    struct pair_rx *p = arg;
    while (!atomic_load(&p->r.done)) {
        if (p->jetstream) {
            natsMsgList list = {0};
            jsErrCode jerr;
            /* libnats before 3.8.2 writes past the list when more than half a
             * batch is queued at the call (late answers to an expired request,
             * user messages and statuses) and more come during its wait (nats.c
             * pull request 749; a Fetch of exactly the queued number is not
             * safe either: a status among them leaves room for the overrun).
             * Leftovers are taken one Fetch(1) at a time: with a batch of one
             * the list cannot overflow. */
            int pending = 0, batch = 256;
            if (natsSubscription_GetPending(p->sub, &pending, NULL) == NATS_OK && pending > 0)
                batch = 1;
            natsStatus s = natsSubscription_Fetch(&list, p->sub, batch, 100, &jerr);
            if (s != NATS_OK) {
                natsMsgList_Destroy(&list);
                continue;
            }
            for (int i = 0; i < list.Count; i++) {
                on_received(&p->r, natsMsg_GetData(list.Msgs[i]), (size_t)natsMsg_GetDataLength(list.Msgs[i]));
                natsMsg_Ack(list.Msgs[i], NULL);
            }
            natsMsgList_Destroy(&list);
        } else {
            natsMsg *m = NULL;
            if (natsSubscription_NextMsg(&m, p->sub, 100) != NATS_OK)
                continue;
            on_received(&p->r, natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m));
            natsMsg_Destroy(m);
        }
    }
    return NULL;
}

static void pair_publish(natsConnection *nc, jsCtx *js, const char *buf, int size)
{
    natsStatus s = js ? js_PublishAsync(js, "bench.pair", buf, size, NULL)
                      : natsConnection_Publish(nc, "bench.pair", buf, size);
    /* A full window of unacknowledged publishes stalls for StallWait and then
     * answers Timeout: on a loaded machine the server's acks can take longer
     * than that, which is a slow round, not a failure. Keep publishing for up
     * to a minute, as the bridge's own sender waits for its window. */
    for (int stalls = 0; js && s == NATS_TIMEOUT && stalls < 60; stalls++)
        s = js_PublishAsync(js, "bench.pair", buf, size, NULL);
    if (s != NATS_OK) {
        fprintf(stderr, "bridge_bench: pair publish: %s\n", natsStatus_GetText(s));
        exit(1);
    }
}

struct pair_tx {
    natsConnection *nc;
    jsCtx *js;
    const char *buf;
    int size;
};

static void pair_send_one(void *ctx)
{
    struct pair_tx *t = ctx;
    pair_publish(t->nc, t->js, t->buf, t->size);
}

static struct result run_pair(const char *mode, int payload, uint64_t count, size_t samples)
{
    int jetstream = !strcmp(mode, "jetstream");
    struct pair_rx p = {.jetstream = jetstream};
    p.r.lat = calloc(MAX_SAMPLES, sizeof *p.r.lat);
    natsConnection *pub = nats_connect_retrying();
    p.nc = nats_connect_retrying();
    jsCtx *pjs = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    if (jetstream) {
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.PublishAsync.MaxPending = 4096;
        jo.PublishAsync.StallWait = 1000; /* ms per stall; see pair_publish */
        if (natsConnection_JetStream(&pjs, pub, &jo) != NATS_OK || natsConnection_JetStream(&p.js, p.nc, NULL))
            die("JetStream context");
        const char *subjects[] = {"bench.pair"};
        jsStreamConfig sc;
        jsStreamConfig_Init(&sc);
        sc.Name = "BENCHPAIR";
        sc.Subjects = subjects;
        sc.SubjectsLen = 1;
        sc.Storage = js_FileStorage;
        jsStreamInfo *si = NULL;
        if (js_AddStream(&si, pjs, &sc, NULL, &jerr) != NATS_OK)
            die("pair stream");
        jsStreamInfo_Destroy(si);
        s = js_PullSubscribe(&p.sub, p.js, "bench.pair", "pair", NULL, NULL, &jerr);
    } else {
        s = natsConnection_SubscribeSync(&p.sub, p.nc, "bench.pair");
        if (s == NATS_OK)
            s = natsSubscription_SetPendingLimits(p.sub, 1 << 22, 1 << 30);
        if (s == NATS_OK)
            s = natsConnection_Flush(p.nc);
    }
    if (s != NATS_OK)
        die("pair subscribe");
    pthread_t th;
    pthread_create(&th, NULL, pair_subscriber, &p);
    char *buf = malloc((size_t)payload);
    memset(buf, 0x5a, (size_t)payload);
    struct pair_tx tx = {pub, pjs, buf, payload};
    uint64_t base = warm_up(&p.r, pair_send_one, &tx);

    double cpu0 = server_cpu_ms();
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < count; i++)
        pair_publish(pub, pjs, buf, payload);
    if (pjs) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 60000;
        js_PublishAsyncComplete(pjs, &po);
    }
    uint64_t lost = wait_received(&p.r, base + count, "pair throughput");
    struct result res = {.msgs_per_s = (double)(count - lost) * 1e9 / (double)(p.r.last_ns - t0), .lost = lost,
                         .server_ms = server_cpu_ms() - cpu0};
    base = atomic_load(&p.r.received);

    atomic_store(&p.r.latency_phase, 1);
    for (size_t i = 0; i < samples; i++) {
        uint64_t t = now_ns();
        memcpy(buf, &t, 8);
        pair_publish(pub, pjs, buf, payload);
        base += 1 - wait_received(&p.r, base + 1, "pair latency");
    }
    if (pjs) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 60000;
        js_PublishAsyncComplete(pjs, &po); /* no acknowledgement outstanding at teardown */
    }
    atomic_store(&p.r.done, 1);
    pthread_join(th, NULL);
    res.samples = p.r.nlat;
    res.p50_ns = (double)pct(p.r.lat, p.r.nlat, 0.50);
    res.p99_ns = (double)pct(p.r.lat, p.r.nlat, 0.99);
    natsSubscription_Destroy(p.sub);
    if (jetstream) {
        js_DeleteStream(pjs, "BENCHPAIR", NULL, &jerr);
        jsCtx_Destroy(pjs);
        jsCtx_Destroy(p.js);
    }
    natsConnection_Destroy(pub);
    natsConnection_Destroy(p.nc);
    free(buf);
    free(p.r.lat);
    return res;
}

/* ---- main ---------------------------------------------------------------- */

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct result median_of(const struct result *r, int n)
{
    double a[MAX_ROUNDS], b[MAX_ROUNDS], c[MAX_ROUNDS], d[MAX_ROUNDS];
    struct result m = {0};
    for (int i = 0; i < n; i++) {
        a[i] = r[i].msgs_per_s;
        b[i] = r[i].p50_ns;
        c[i] = r[i].p99_ns;
        d[i] = r[i].server_ms;
        m.samples += r[i].samples;
        m.lost += r[i].lost;
    }
    m.msgs_per_s = median(a, n);
    m.p50_ns = median(b, n);
    m.p99_ns = median(c, n);
    m.server_ms = median(d, n);
    return m;
}

int main(int argc, char **argv)
{
    int rounds = 3;
    uint64_t count = 200000;
    size_t samples = 1000;
    const char *modes = "core,jetstream";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json"))
            json_out = 1;
        else if (!strcmp(a, "--rounds") && v)
            rounds = atoi(argv[++i]);
        else if (!strcmp(a, "--count") && v)
            count = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--latency-samples") && v)
            samples = (size_t)strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--bridge") && v)
            bridge_path = argv[++i];
        else if (!strcmp(a, "--lock") && v)
            lock_path = argv[++i];
        else if (!strcmp(a, "--modes") && v)
            modes = argv[++i];
        else if (!strcmp(a, "--baseline") && v)
            baseline_path = argv[++i];
        else {
            fprintf(stderr, "usage: bridge_bench [--json] [--rounds R] [--count N] [--latency-samples K] "
                            "[--bridge PATH] [--lock FILE] [--modes core,jetstream] [--baseline PATH]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > MAX_ROUNDS || count < 1 || samples < 1 || samples > MAX_SAMPLES) {
        fprintf(stderr, "bridge_bench: --rounds 1..%d, --count >= 1, --latency-samples 1..%d\n", MAX_ROUNDS,
                MAX_SAMPLES);
        return 2;
    }
    if (access(bridge_path, X_OK)) {
        fprintf(stderr, "bridge_bench: %s is not built (make bridge; it needs libnats-dev)\n", bridge_path);
        return 1;
    }
    if (baseline_path && access(baseline_path, X_OK)) {
        fprintf(stderr, "bridge_bench: --baseline %s is not an executable\n", baseline_path);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tachyon-bridge-bench-XXXXXX");
    if (!mkdtemp(tmpdir))
        die("mkdtemp");
    int port = free_port();
    snprintf(nats_url, sizeof nats_url, "nats://127.0.0.1:%d", port);
    char portbuf[16], store[300], slog[300];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(store, sizeof store, "%s/store", tmpdir);
    snprintf(slog, sizeof slog, "%s/nats-server.log", tmpdir);
    char *srv_argv[] = {"nats-server", "-a", "127.0.0.1", "-p", portbuf, "-js", "-sd", store, NULL};
    pid_t srv = spawn(srv_argv, slog);
    server_pid = children[0] = srv;
    atexit(cleanup);
    natsConnection_Destroy(nats_connect_retrying());

    const char *mode_list[2];
    int nmodes = 0;
    if (strstr(modes, "core"))
        mode_list[nmodes++] = "core";
    if (strstr(modes, "jetstream"))
        mode_list[nmodes++] = "jetstream";
    static const int payloads[2] = {32, 1024};
    int run = 0;
    for (int mi = 0; mi < nmodes; mi++)
        for (int pi = 0; pi < 2; pi++) {
            struct result rb[MAX_ROUNDS], rp[MAX_ROUNDS], rx[MAX_ROUNDS];
            int payload = payloads[pi];
            uint64_t n = payload == 32 ? count : count / 4;
            /* Interleaved: bridge, pair, bridge, pair ... so drift hits both. */
            for (int r = 0; r < rounds; r++) {
                rb[r] = run_bridge(mode_list[mi], payload, n, samples, run++);
                print_row("tachyon-bridge", mode_list[mi], payload, r + 1, &rb[r], 0);
                rp[r] = run_pair(mode_list[mi], payload, n, samples);
                print_row("nats-client", mode_list[mi], payload, r + 1, &rp[r], 0);
                if (baseline_path) {
                    const char *mine = bridge_path;
                    bridge_path = baseline_path;
                    rx[r] = run_bridge(mode_list[mi], payload, n, samples, run++);
                    bridge_path = mine;
                    print_row("baseline-bridge", mode_list[mi], payload, r + 1, &rx[r], 0);
                }
            }
            struct result mb = median_of(rb, rounds), mp = median_of(rp, rounds);
            double ratio[MAX_ROUNDS];
            for (int r = 0; r < rounds; r++)
                ratio[r] = rb[r].msgs_per_s / rp[r].msgs_per_s;
            print_row("tachyon-bridge", mode_list[mi], payload, -1, &mb, median(ratio, rounds));
            print_row("nats-client", mode_list[mi], payload, -1, &mp, 0);
            if (baseline_path) {
                struct result mx = median_of(rx, rounds);
                for (int r = 0; r < rounds; r++)
                    ratio[r] = rx[r].msgs_per_s / rp[r].msgs_per_s;
                print_row("baseline-bridge", mode_list[mi], payload, -1, &mx, median(ratio, rounds));
            }
        }
    stop(srv);
    children[0] = 0;
    cleanup();
    nats_Close();
    return 0;
}
