/*
 * rpc_bench.c - RPC over one Tachyon connection (two rings, one memfd): the
 * round trip of an empty call (client and server pinned to two CPUs, the
 * server a forked process answering with tachyon_rpc_serve_until), and
 * pipelined calls per second with 32 in flight. Prints DESIGN.md section 7
 * JSON lines; bench/run.py runs it in the ping-pong rounds so its rows compare
 * with the bus's ping-pong RTT of the same run.
 *
 * Usage: rpc_bench [--json] [--first-round R] [--samples N] [--cpus A,B]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "tachyon.h"

#define M_EMPTY 1u
#define INFLIGHT 32

static uint32_t empty_handler(void *ctx, const void *request, void *reply)
{
    (void)ctx;
    (void)request;
    (void)reply;
    return 0;
}

static int serve(const char *path, int cpu)
{
    static const tachyon_rpc_method_t methods[] = {{M_EMPTY, 0, 0, empty_handler}};
    tachyon_rpc_t *srv;
    tachyon_error_t err;

    bu_pin(cpu);
    if (tachyon_rpc_listen_until(path, 1 << 16, NULL, tachyon_now_ns() + 10000000000ll, &srv, NULL) != TACHYON_OK)
        return 2;
    err = tachyon_rpc_serve_until(srv, methods, 1, NULL, TACHYON_FOREVER);
    tachyon_rpc_destroy(srv);
    return err == TACHYON_ERR_PEER_GONE ? 0 : 3;
}

static int die(const char *what, tachyon_error_t err)
{
    fprintf(stderr, "rpc_bench: %s: %s\n", what, tachyon_strerror(err));
    return 1;
}

int main(int argc, char **argv)
{
    uint64_t samples = 200000, pipelined = 0;
    int json = 0, round = 1, cpu_a = 0, cpu_b = 1;
    char path[96];
    tachyon_rpc_t *cli;
    tachyon_rpc_msg_t rep;
    tachyon_error_t err;
    uint64_t *ticks;
    struct bu_summary s;
    pid_t pid;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--first-round") && i + 1 < argc)
            round = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc && bu_parse_count(argv[i + 1], &samples) == 0)
            i++;
        else if (!strcmp(argv[i], "--cpus") && i + 1 < argc && bu_parse_cpus(argv[i + 1], &cpu_a, &cpu_b) == 0)
            i++;
        else {
            fprintf(stderr, "usage: rpc_bench [--json] [--first-round R] [--samples N] [--cpus A,B]\n");
            return 2;
        }
    }
    if (samples < 1000)
        samples = 1000;
    pipelined = samples * 2;
    bu_clock_init();
    snprintf(path, sizeof(path), "@tachyon-rpc-bench-%ld", (long)getpid());
    pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0)
        _exit(serve(path, cpu_b));
    bu_pin(cpu_a);
    err = tachyon_rpc_connect_until(path, NULL, tachyon_now_ns() + 10000000000ll, &cli, NULL);
    if (err != TACHYON_OK)
        return die("connect", err);
    ticks = malloc(samples * sizeof(*ticks));
    if (!ticks)
        return 1;

    /* warm-up, then one empty call per sample */
    for (uint64_t i = 0; i < samples / 10 + 1000; i++) {
        if ((err = tachyon_rpc_call_until(cli, M_EMPTY, NULL, 0, 0, &rep, TACHYON_FOREVER)) != TACHYON_OK)
            return die("call", err);
        tachyon_rpc_release(cli);
    }
    for (uint64_t i = 0; i < samples; i++) {
        uint64_t t0 = bu_ticks();
        err = tachyon_rpc_call_until(cli, M_EMPTY, NULL, 0, 0, &rep, TACHYON_FOREVER);
        if (err != TACHYON_OK || rep.status != TACHYON_RPC_OK)
            return die("call", err);
        tachyon_rpc_release(cli);
        ticks[i] = bu_ticks() - t0;
    }
    bu_summarise(ticks, samples, &s);

    /* pipelined: keep INFLIGHT calls in flight */
    uint64_t sent = 0, done = 0, start = bu_now_ns();
    while (done < pipelined) {
        while (sent < pipelined && sent - done < INFLIGHT) {
            if ((err = tachyon_rpc_send_until(cli, M_EMPTY, NULL, 0, 0, TACHYON_FOREVER, NULL)) != TACHYON_OK)
                return die("send", err);
            sent++;
        }
        if ((err = tachyon_rpc_next_reply_until(cli, &rep, TACHYON_FOREVER)) != TACHYON_OK)
            return die("next_reply", err);
        tachyon_rpc_release(cli);
        done++;
    }
    double secs = (double)(bu_now_ns() - start) / 1e9;
    tachyon_rpc_destroy(cli);
    if (bu_wait_child(pid) != 0)
        fprintf(stderr, "rpc_bench: the server did not exit cleanly\n");

    if (json) {
        printf("{\"bench\":\"rpc\",\"transport\":\"tachyon\",\"payload\":0,\"samples\":%llu,\"round\":%d,"
               "\"min_ns\":%.0f,\"p50_ns\":%.0f,\"p90_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f,\"max_ns\":%.0f,"
               "\"mean_ns\":%.1f,\"tmean_ns\":%.1f}\n",
               (unsigned long long)samples, round, s.min_ns, s.p50_ns, s.p90_ns, s.p99_ns, s.p999_ns, s.max_ns,
               s.mean_ns, s.tmean_ns);
        printf("{\"bench\":\"rpc_pipelined\",\"transport\":\"tachyon\",\"payload\":0,\"inflight\":%d,\"calls\":%llu,"
               "\"round\":%d,\"calls_per_s\":%.0f}\n",
               INFLIGHT, (unsigned long long)pipelined, round, (double)pipelined / secs);
    } else {
        printf("rpc empty call RTT: p50 %.0f ns, p99 %.0f ns, mean %.0f ns (%llu calls)\n", s.p50_ns, s.p99_ns, s.mean_ns,
               (unsigned long long)samples);
        printf("rpc pipelined (%d in flight): %.0f calls/s\n", INFLIGHT, (double)pipelined / secs);
    }
    free(ticks);
    return 0;
}
