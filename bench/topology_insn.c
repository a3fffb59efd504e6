/*
 * topology_insn.c - the fan-in consumer's instructions per message next to a
 * loop polling N SPSC buses, counted by callgrind (deterministic: the
 * machine's load does not change them). The guide for the fan-in row of
 * bench/topology.c, whose wall-clock figures a loaded machine blurs.
 *
 * N producers (in this process) fill their rings, then the consumer takes
 * every message: with callgrind collecting only around the consumer's calls
 * (tachyon_fanin_acquire_rx + tachyon_fanin_commit_rx, or the polling loop's
 * tachyon_acquire_rx + tachyon_commit_rx over N buses, one per bus in turn).
 * Rounds repeat until M messages were taken.
 *
 * fanin-idle / spsc-idle: the same with one producer sending and the other
 * N - 1 connected but idle, so every message also costs the consumer a look
 * at each idle ring (the round-robin's worst case).
 *
 * fanout: the other way round, the fan-out producer's instructions per
 * message with N subscribers (in this process): callgrind collects around
 * the producer's tachyon_fanout_acquire_tx + tachyon_fanout_commit_tx only;
 * after each round every subscriber reads all of it, uncounted. The goal is
 * a count that does not grow with N.
 *
 *   valgrind --tool=callgrind --collect-atstart=no build/bench/topology_insn MODE N [M]
 *   MODE: fanin, spsc, fanin-idle, spsc-idle, fanout
 *   -> Collected / M = instructions per message (the program prints M)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include) && __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT /* no valgrind headers: the program only runs */
#endif

#include "tachyon.h"

#define RING ((size_t)64 << 10)
#define PAYLOAD 32
#define MAX_N 8
#define PER_ROUND 512 /* messages per producer per round: 512 x 64 B = half a ring */

static void die(const char *what, tachyon_error_t err)
{
    fprintf(stderr, "topology_insn: %s: %s\n", what, tachyon_strerror(err));
    exit(1);
}

static void fill(tachyon_bus_t **prod, int busy, uint64_t *seq)
{
    uint8_t msg[PAYLOAD];

    memset(msg, 0x5a, sizeof(msg));
    for (int i = 0; i < busy; i++) {
        for (int k = 0; k < PER_ROUND; k++) {
            memcpy(msg, &seq[i], 8);
            seq[i]++;
            if (tachyon_send(prod[i], msg, sizeof(msg), (uint32_t)i) != TACHYON_OK)
                die("send", tachyon_last_error(prod[i]));
        }
        tachyon_flush(prod[i]);
    }
}

struct listener {
    pthread_t thread;
    char name[96];
    tachyon_bus_t *bus;
    tachyon_error_t err;
};

static void *listen_main(void *arg)
{
    struct listener *l = arg;
    l->err = tachyon_bus_listen(l->name, RING, &l->bus);
    return NULL;
}

/* One consumer call, counted: the fan-in's, or the polling loop's next bus
 * in turn (as bench/topology.c's baseline polls them). */
static const uint64_t *take(tachyon_fanin_t *fi, tachyon_bus_t **cons, int n, int *turn, uint32_t *type)
{
    const uint64_t *m = NULL;
    size_t size = 0;

    CALLGRIND_TOGGLE_COLLECT;
    if (fi) {
        m = tachyon_fanin_acquire_rx(fi, type, &size, NULL);
        if (m)
            tachyon_fanin_commit_rx(fi);
    } else {
        for (int tries = 0; !m && tries < n; tries++) {
            tachyon_bus_t *b = cons[*turn];
            *turn = *turn + 1 == n ? 0 : *turn + 1;
            m = tachyon_acquire_rx(b, type, &size);
            if (m)
                tachyon_commit_rx(b);
        }
    }
    CALLGRIND_TOGGLE_COLLECT;
    return m;
}

/* The fanout mode: M messages published, each read by all n subscribers. */
static int fanout_main(int n, uint64_t messages)
{
    tachyon_fanout_t *pub;
    tachyon_sub_t *sub[MAX_N];
    tachyon_error_t err;
    uint64_t sent = 0;
    char name[96];

    snprintf(name, sizeof(name), "@tachyon-insn-%d-fanout", (int)getpid());
    if ((err = tachyon_fanout_listen(name, RING, TACHYON_LAG_BLOCK, NULL, &pub)) != TACHYON_OK)
        die("fanout_listen", err);
    for (int i = 0; i < n; i++)
        if ((err = tachyon_sub_connect_until(name, NULL, TACHYON_JOIN_NEWEST, TACHYON_FOREVER, &sub[i], NULL)) !=
            TACHYON_OK)
            die("sub_connect", err);
    while (tachyon_fanout_subscribers(pub) < (size_t)n)
        usleep(1000);
    while (sent < messages) {
        uint64_t first = sent;
        for (int k = 0; k < PER_ROUND; k++, sent++) {
            uint8_t *slot;
            CALLGRIND_TOGGLE_COLLECT;
            slot = tachyon_fanout_acquire_tx(pub, PAYLOAD);
            if (slot) {
                memcpy(slot, &sent, 8);
                memset(slot + 8, 0x5a, PAYLOAD - 8);
                err = tachyon_fanout_commit_tx(pub, PAYLOAD, 1);
            }
            CALLGRIND_TOGGLE_COLLECT;
            if (!slot)
                die("fanout_acquire_tx", tachyon_fanout_last_error(pub));
            if (err != TACHYON_OK)
                die("fanout_commit_tx", err);
        }
        for (int i = 0; i < n; i++)
            for (uint64_t want = first; want < sent; want++) {
                uint32_t type;
                size_t size;
                const uint64_t *m = tachyon_sub_acquire_rx(sub[i], &type, &size);
                if (!m || *m != want) {
                    fprintf(stderr, "topology_insn: subscriber %d: message %llu came back wrong\n", i,
                            (unsigned long long)want);
                    return 1;
                }
                if ((err = tachyon_sub_commit_rx(sub[i])) != TACHYON_OK)
                    die("sub_commit_rx", err);
            }
    }
    for (int i = 0; i < n; i++)
        tachyon_sub_destroy(sub[i]);
    tachyon_fanout_destroy(pub);
    printf("topology_insn: fanout N=%d: %llu messages\n", n, (unsigned long long)sent);
    return 0;
}

int main(int argc, char **argv)
{
    tachyon_bus_t *prod[MAX_N], *cons[MAX_N];
    tachyon_fanin_t *fi = NULL;
    uint64_t seq[MAX_N] = {0}, next[MAX_N] = {0}, messages = 65536, taken = 0;
    tachyon_error_t err;
    char name[96];
    int n, busy, turn = 0, is_fanin, idle;

    if (argc < 3 || argc > 4 ||
        (strcmp(argv[1], "fanin") != 0 && strcmp(argv[1], "spsc") != 0 && strcmp(argv[1], "fanin-idle") != 0 &&
         strcmp(argv[1], "spsc-idle") != 0 && strcmp(argv[1], "fanout") != 0) ||
        (n = atoi(argv[2])) < 1 || n > MAX_N) {
        fprintf(stderr, "usage: topology_insn fanin|spsc|fanin-idle|spsc-idle|fanout N(1..8) [messages]\n");
        return 2;
    }
    if (argc == 4)
        messages = strtoull(argv[3], NULL, 10);
    is_fanin = strncmp(argv[1], "fanin", 5) == 0;
    idle = strstr(argv[1], "-idle") != NULL;
    busy = idle ? 1 : n;
    if (messages == 0 || messages % ((uint64_t)PER_ROUND * (uint64_t)busy)) {
        fprintf(stderr, "topology_insn: messages must be a positive multiple of %d x the producers sending\n", PER_ROUND);
        return 2;
    }
    if (strcmp(argv[1], "fanout") == 0)
        return fanout_main(n, messages);
    if (is_fanin) {
        snprintf(name, sizeof(name), "@tachyon-insn-%d-fanin", (int)getpid());
        if ((err = tachyon_fanin_listen(name, RING, NULL, &fi)) != TACHYON_OK)
            die("fanin_listen", err);
        for (int i = 0; i < n; i++)
            if ((err = tachyon_bus_connect(name, &prod[i])) != TACHYON_OK)
                die("connect", err);
        while (tachyon_fanin_producers(fi) < (size_t)n)
            usleep(1000);
    } else {
        for (int i = 0; i < n; i++) {
            struct listener l;
            memset(&l, 0, sizeof(l));
            snprintf(l.name, sizeof(l.name), "@tachyon-insn-%d-spsc-%d", (int)getpid(), i);
            if (pthread_create(&l.thread, NULL, listen_main, &l) != 0)
                die("thread", TACHYON_ERR_NO_MEMORY);
            if ((err = tachyon_bus_connect(l.name, &prod[i])) != TACHYON_OK)
                die("connect", err);
            pthread_join(l.thread, NULL);
            if (l.err != TACHYON_OK)
                die("listen", l.err);
            cons[i] = l.bus;
        }
    }
    while (taken < messages) {
        fill(prod, busy, seq);
        for (uint64_t k = 0; k < (uint64_t)PER_ROUND * (uint64_t)busy; k++) {
            uint32_t type = 0;
            const uint64_t *m = take(fi, cons, n, &turn, &type);
            if (!m || type >= (uint32_t)busy || *m != next[type]) {
                fprintf(stderr, "topology_insn: message %llu came back wrong\n", (unsigned long long)taken);
                return 1;
            }
            next[type]++;
            taken++;
        }
    }
    for (int i = 0; i < n; i++)
        tachyon_bus_destroy(prod[i]);
    if (fi)
        tachyon_fanin_destroy(fi);
    else
        for (int i = 0; i < n; i++)
            tachyon_bus_destroy(cons[i]);
    printf("topology_insn: %s N=%d: %llu messages\n", argv[1], n, (unsigned long long)taken);
    return 0;
}
