/*
 * peer.c - the C end of the cross-language benchmarks.
 *
 *   peer sink PATH [--ring BYTES] [--fingerprint HEX] [--cpu N] [--json]
 *       Listens on PATH and consumes every message until an End message
 *       (type 0) or the producer's close; reads every payload byte (sums it as
 *       64-bit words); prints what it got: messages per type id, bytes, and
 *       the rate from its first message to the last.
 *
 *   peer source PATH --size BYTES --count N [--fingerprint HEX] [--cpu N] [--json]
 *       Connects to PATH and sends N messages of BYTES each (type 1), writing
 *       every byte in place (f32 values k + 0.5 for word k, so a NumPy reader
 *       can check them), then an End message (type 0), then closes.
 *
 * Exit status 0 on success, 1 on a transport error, 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "tachyon.h"

#define TYPE_END 0u
#define MAX_TYPES 16

static void usage(void)
{
    fprintf(stderr, "usage: peer sink PATH [--ring BYTES] [--fingerprint HEX] [--cpu N] [--json]\n"
                    "       peer source PATH --size BYTES --count N [--fingerprint HEX] [--cpu N] [--json]\n");
}

static uint64_t sum_bytes(const void *data, size_t size)
{
    const uint8_t *p = data;
    uint64_t s = 0;
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, sizeof w);
        s += w;
    }
    for (; i < size; i++)
        s += p[i];
    return s;
}

static int sink(const char *path, size_t ring, const tachyon_options_t *opts, bool json)
{
    tachyon_bus_t *rx;
    tachyon_error_t err = tachyon_bus_listen_ex(path, ring, opts, &rx);
    if (err) {
        fprintf(stderr, "peer sink: listen %s: %s\n", path, tachyon_strerror(err));
        return 1;
    }
    uint64_t per_type[MAX_TYPES] = {0}, messages = 0, bytes = 0, sum = 0, t0 = 0, t_last = 0;
    tachyon_msg_t msgs[64];
    bool done = false, blocked_one;
    int rc = 0;
    while (!done) {
        size_t n = tachyon_drain_batch(rx, msgs, 64);
        blocked_one = false;
        if (n == 0) {
            err = tachyon_last_error(rx);
            if (err == TACHYON_ERR_EMPTY) {
                /* wait in the library (spin, then sleep) rather than burn the
                 * CPU that a slow producer (Python) may share with us */
                uint32_t type_id;
                size_t size;
                msgs[0].data = tachyon_acquire_rx_blocking(rx, &type_id, &size, 20000);
                if (msgs[0].data) {
                    msgs[0].type_id = type_id;
                    msgs[0].size = (uint32_t)size;
                    n = 1;
                    blocked_one = true;
                } else {
                    err = tachyon_last_error(rx);
                    if (err == TACHYON_ERR_INTERRUPTED)
                        continue;
                }
            }
            if (n == 0) {
                if (err != TACHYON_ERR_PEER_GONE) {
                    fprintf(stderr, "peer sink: %s\n", tachyon_strerror(err));
                    rc = 1;
                }
                break;
            }
        }
        if (t0 == 0)
            t0 = bu_now_ns();
        for (size_t k = 0; k < n; k++) {
            per_type[msgs[k].type_id < MAX_TYPES ? msgs[k].type_id : MAX_TYPES - 1]++;
            if (msgs[k].type_id == TYPE_END) {
                done = true;
                break;
            }
            sum += sum_bytes(msgs[k].data, msgs[k].size);
            bytes += msgs[k].size;
            messages++;
        }
        t_last = bu_now_ns();
        if (blocked_one)
            tachyon_commit_rx(rx);
        else
            tachyon_commit_rx_batch(rx, n);
    }
    tachyon_bus_destroy(rx);
    double secs = t_last > t0 ? (double)(t_last - t0) / 1e9 : 0.0;
    if (json) {
        printf("{\"bench\":\"sink\",\"transport\":\"tachyon\",\"messages\":%llu,\"bytes\":%llu,\"end_seen\":%s,"
               "\"seconds\":%.6f,\"msgs_per_s\":%.0f,\"gbytes_per_s\":%.4f,\"checksum\":%llu,\"per_type\":[",
               (unsigned long long)messages, (unsigned long long)bytes, done ? "true" : "false", secs,
               secs > 0 ? (double)messages / secs : 0.0, secs > 0 ? (double)bytes / secs / 1e9 : 0.0,
               (unsigned long long)sum);
        for (int t = 0; t < MAX_TYPES; t++)
            printf("%s%llu", t ? "," : "", (unsigned long long)per_type[t]);
        printf("]}\n");
    } else {
        printf("sink: %llu messages, %llu bytes in %.3f s (end %s)\n", (unsigned long long)messages,
               (unsigned long long)bytes, secs, done ? "seen" : "not seen");
    }
    return rc;
}

static int source(const char *path, size_t size, uint64_t count, const tachyon_options_t *opts, bool json)
{
    tachyon_bus_t *tx = NULL;
    tachyon_error_t err = TACHYON_ERR_NO_LISTENER;
    for (int tries = 0; tries < 5000 && err == TACHYON_ERR_NO_LISTENER; tries++) {
        err = tachyon_bus_connect_ex(path, opts, &tx);
        if (err == TACHYON_ERR_NO_LISTENER)
            usleep(2000); /* the consumer is still starting */
    }
    if (err) {
        fprintf(stderr, "peer source: connect %s: %s\n", path, tachyon_strerror(err));
        return 1;
    }
    uint64_t t0 = bu_now_ns();
    int rc = 0;
    for (uint64_t i = 0; i < count; i++) {
        float *slot = tachyon_acquire_tx(tx, size);
        if (!slot && !(slot = tachyon_acquire_tx_blocking(tx, size, 10 * 1000000000LL))) {
            fprintf(stderr, "peer source: %s\n", tachyon_strerror(tachyon_last_error(tx)));
            rc = 1;
            break;
        }
        size_t words = size / sizeof(float);
        for (size_t k = 0; k < words; k++)
            slot[k] = (float)k + 0.5f;
        tachyon_commit_tx(tx, size, 1);
    }
    uint64_t end = count;
    if (rc == 0 && (err = tachyon_send_blocking(tx, &end, sizeof end, TYPE_END, 10 * 1000000000LL))) {
        fprintf(stderr, "peer source: end: %s\n", tachyon_strerror(err));
        rc = 1;
    }
    tachyon_flush(tx);
    double secs = (double)(bu_now_ns() - t0) / 1e9;
    tachyon_bus_destroy(tx);
    if (json)
        printf("{\"bench\":\"source\",\"transport\":\"tachyon\",\"payload\":%zu,\"messages\":%llu,"
               "\"seconds\":%.6f}\n",
               size, (unsigned long long)count, secs);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        usage();
        return 2;
    }
    const char *mode = argv[1], *path = argv[2];
    uint64_t ring = 1 << 20, size = 0, count = 0;
    int cpu = -1;
    bool json = false;
    tachyon_options_t opts = {0};
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) {
            json = true;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        i++;
        char *end;
        if (strcmp(a, "--ring") == 0 && bu_parse_count(v, &ring) == 0)
            continue;
        if (strcmp(a, "--size") == 0 && bu_parse_count(v, &size) == 0)
            continue;
        if (strcmp(a, "--count") == 0 && bu_parse_count(v, &count) == 0)
            continue;
        if (strcmp(a, "--cpu") == 0) {
            cpu = atoi(v);
            continue;
        }
        if (strcmp(a, "--fingerprint") == 0) {
            opts.schema_fingerprint = strtoull(v, &end, 16);
            if (*end == '\0')
                continue;
        }
        usage();
        return 2;
    }
    bu_pin(cpu);
    if (strcmp(mode, "sink") == 0)
        return sink(path, (size_t)ring, &opts, json);
    if (strcmp(mode, "source") == 0 && size > 0 && size % sizeof(float) == 0)
        return source(path, (size_t)size, count, &opts, json);
    usage();
    return 2;
}
