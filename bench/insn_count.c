/*
 * insn_count.c - the hot path's instruction count per message, for the budget
 * that `make test` checks under callgrind (tests/perf/insn_budget.py).
 *
 *   insn_count send|recv [messages]
 *
 * Both sides of one arena ring live in this one thread. The program sends and
 * receives `messages` 32-byte messages in bursts of TACHYON_BATCH (the
 * producer publishes once per burst, as a streaming producer does), and tells
 * callgrind to count only the calls of the side it was asked for:
 *   send  tachyon_send (reserve, copy, commit, and the publication every
 *         TACHYON_BATCH commits), per message;
 *   recv  tachyon_acquire_rx + tachyon_commit_rx, per message.
 * A warm-up lap of the ring runs uncounted first, so lazy binding and first
 * touches of the ring are not in the figure. Outside callgrind the program
 * just runs (and checks every message it receives).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include) && __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT /* no valgrind headers: the program only runs */
#endif

#include "tachyon.h"

#define CAPACITY (64u * 1024u)
#define PAYLOAD 32u

static int fail(const char *what, tachyon_error_t err)
{
    fprintf(stderr, "insn_count: %s: %s\n", what, tachyon_strerror(err));
    return 1;
}

static int run(tachyon_bus_t *tx, tachyon_bus_t *rx, uint64_t messages, int count_send, int count_recv,
               uint64_t *seq)
{
    uint8_t msg[PAYLOAD];

    memset(msg, 0x5a, sizeof msg);
    for (uint64_t done = 0; done < messages; done += TACHYON_BATCH) {
        for (uint32_t k = 0; k < TACHYON_BATCH; k++) {
            tachyon_error_t err;

            memcpy(msg, seq, sizeof *seq);
            ++*seq;
            if (count_send)
                CALLGRIND_TOGGLE_COLLECT;
            err = tachyon_send(tx, msg, sizeof msg, 7);
            if (count_send)
                CALLGRIND_TOGGLE_COLLECT;
            if (err != TACHYON_OK)
                return fail("send", err);
        }
        for (uint32_t k = 0; k < TACHYON_BATCH; k++) {
            const void *m;
            uint32_t type = 0;
            size_t size = 0;
            tachyon_error_t err;
            uint64_t got;

            if (count_recv)
                CALLGRIND_TOGGLE_COLLECT;
            m = tachyon_acquire_rx(rx, &type, &size);
            err = m ? tachyon_commit_rx(rx) : tachyon_last_error(rx);
            if (count_recv)
                CALLGRIND_TOGGLE_COLLECT;
            if (!m || err != TACHYON_OK)
                return fail("receive", m ? err : tachyon_last_error(rx));
            /* The bytes are read after the commit only because the producer
             * of this single thread cannot overwrite them in between. */
            memcpy(&got, m, sizeof got);
            if (type != 7 || size != PAYLOAD || got != *seq - TACHYON_BATCH + k) {
                fprintf(stderr, "insn_count: message %llu came back wrong\n", (unsigned long long)got);
                return 1;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t messages = 32768, seq = 0;
    tachyon_bus_t *tx = NULL, *rx = NULL;
    tachyon_error_t err;
    size_t len = tachyon_arena_size(CAPACITY);
    void *mem;
    int count_send, count_recv, rc;

    if (argc < 2 || argc > 3 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "recv") != 0)) {
        fprintf(stderr, "usage: insn_count send|recv [messages]\n");
        return 2;
    }
    if (argc == 3) {
        char *end;
        messages = strtoull(argv[2], &end, 10);
        if (*end || messages == 0 || messages % TACHYON_BATCH) {
            fprintf(stderr, "insn_count: messages must be a positive multiple of %u\n", TACHYON_BATCH);
            return 2;
        }
    }
    count_send = strcmp(argv[1], "send") == 0;
    count_recv = !count_send;
    if (posix_memalign(&mem, 4096, len) != 0) {
        fprintf(stderr, "insn_count: out of memory\n");
        return 1;
    }
    memset(mem, 0, len);
    if ((err = tachyon_arena_format(mem, len, CAPACITY, 0)) != TACHYON_OK)
        return fail("arena_format", err);
    if ((err = tachyon_arena_attach(mem, len, TACHYON_ROLE_PRODUCER, &tx)) != TACHYON_OK)
        return fail("attach producer", err);
    if ((err = tachyon_arena_attach(mem, len, TACHYON_ROLE_CONSUMER, &rx)) != TACHYON_OK)
        return fail("attach consumer", err);
    /* Warm-up: two laps of the ring, uncounted. */
    rc = run(tx, rx, 2 * CAPACITY / 64, 0, 0, &seq);
    if (rc == 0)
        rc = run(tx, rx, messages, count_send, count_recv, &seq);
    tachyon_bus_destroy(rx);
    tachyon_bus_destroy(tx);
    free(mem);
    if (rc == 0)
        printf("insn_count: %s: %llu messages\n", argv[1], (unsigned long long)messages);
    return rc;
}
