/*
 * insn_count.c - the hot path's instruction count per message, for the budget
 * that `make test` checks under callgrind (tests/perf/insn_budget.py).
 *
 *   insn_count send|recv|reserve|drain|send-inline|recv-inline|reserve-inline [messages]
 *
 * Both sides of one arena ring live in this one thread. The program sends and
 * receives `messages` 32-byte messages in bursts of TACHYON_BATCH (the
 * producer publishes once per burst, as a streaming producer does), and tells
 * callgrind to count only the calls of the side it was asked for:
 *   send  tachyon_send (reserve, copy, commit, and the publication every
 *         TACHYON_BATCH commits), per message;
 *   recv  tachyon_acquire_rx + tachyon_commit_rx, per message;
 *   reserve  tachyon_acquire_tx + tachyon_commit_tx (the in-place send of
 *         bench/throughput's producer), per message;
 *   drain tachyon_drain_batch + tachyon_commit_rx_batch of the TACHYON_BATCH
 *         messages of a burst (bench/throughput's consumer), per message.
 * The first three call the library's exported functions (through pointers:
 * what a binding that loads the library by name runs); their -inline
 * variants run the same calls as tachyon.h's inline bodies, compiled into
 * this program (what a C or C++ caller built with optimisation runs), where
 * the figure also holds the caller's share: the checks that the compiler can
 * fold for it are folded.
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

enum mode { M_WARMUP, M_SEND, M_RECV, M_RESERVE, M_DRAIN, M_SEND_INLINE, M_RECV_INLINE, M_RESERVE_INLINE, M_COUNT };
static const char *const mode_names[] = {"",     "send",        "recv",        "reserve",
                                         "drain", "send-inline", "recv-inline", "reserve-inline"};

/* The library's exported hot-path functions. Taking the address of one of
 * tachyon.h's inline functions gives the exported function (GNU extern
 * inline); volatile, so the compiler cannot see through the pointer and
 * inline the body after all. */
static void *(*volatile lib_acquire_tx)(tachyon_bus_t *, size_t) = tachyon_acquire_tx;
static tachyon_error_t (*volatile lib_commit_tx)(tachyon_bus_t *, size_t, uint32_t) = tachyon_commit_tx;
static tachyon_error_t (*volatile lib_send)(tachyon_bus_t *, const void *, size_t, uint32_t) = tachyon_send;
static const void *(*volatile lib_acquire_rx)(tachyon_bus_t *, uint32_t *, size_t *) = tachyon_acquire_rx;
static tachyon_error_t (*volatile lib_commit_rx)(tachyon_bus_t *) = tachyon_commit_rx;

#define COUNT_IF(cond)                                                                                                 \
    do {                                                                                                               \
        if (cond)                                                                                                      \
            CALLGRIND_TOGGLE_COLLECT;                                                                                  \
    } while (0)

/* One burst of TACHYON_BATCH messages into the ring, by tachyon_send or (in
 * reserve mode) by acquire_tx + an in-place write + commit_tx. */
static int produce(tachyon_bus_t *tx, enum mode mode, uint8_t *msg, uint64_t *seq)
{
    for (uint32_t k = 0; k < TACHYON_BATCH; k++) {
        tachyon_error_t err;

        memcpy(msg, seq, sizeof *seq);
        ++*seq;
        if (mode == M_RESERVE) {
            void *slot;

            COUNT_IF(1);
            slot = lib_acquire_tx(tx, PAYLOAD);
            if (slot)
                memcpy(slot, msg, PAYLOAD);
            err = slot ? lib_commit_tx(tx, PAYLOAD, 7) : tachyon_last_error(tx);
            COUNT_IF(1);
        } else if (mode == M_RESERVE_INLINE) {
            void *slot;

            COUNT_IF(1);
            slot = tachyon_acquire_tx(tx, PAYLOAD);
            if (slot)
                memcpy(slot, msg, PAYLOAD);
            err = slot ? tachyon_commit_tx(tx, PAYLOAD, 7) : tachyon_last_error(tx);
            COUNT_IF(1);
        } else if (mode == M_SEND_INLINE) {
            COUNT_IF(1);
            err = tachyon_send(tx, msg, PAYLOAD, 7);
            COUNT_IF(1);
        } else {
            COUNT_IF(mode == M_SEND);
            err = lib_send(tx, msg, PAYLOAD, 7);
            COUNT_IF(mode == M_SEND);
        }
        if (err != TACHYON_OK)
            return fail("send", err);
    }
    return 0;
}

static int check(const void *m, uint32_t type, size_t size, uint64_t want)
{
    uint64_t got;

    memcpy(&got, m, sizeof got);
    if (type != 7 || size != PAYLOAD || got != want) {
        fprintf(stderr, "insn_count: message %llu came back wrong\n", (unsigned long long)got);
        return 1;
    }
    return 0;
}

/* The burst back out, one message at a time or (drain mode) as one batch.
 * The bytes are read after the commit only because the producer of this
 * single thread cannot overwrite them in between. */
static int consume(tachyon_bus_t *rx, enum mode mode, uint64_t first)
{
    if (mode == M_DRAIN) {
        tachyon_msg_t msgs[TACHYON_BATCH];
        tachyon_error_t err;
        size_t n;

        COUNT_IF(1);
        n = tachyon_drain_batch(rx, msgs, TACHYON_BATCH);
        err = n ? tachyon_commit_rx_batch(rx, n) : tachyon_last_error(rx);
        COUNT_IF(1);
        if (n != TACHYON_BATCH || err != TACHYON_OK)
            return fail("drain", n ? err : tachyon_last_error(rx));
        for (size_t k = 0; k < n; k++)
            if (check(msgs[k].data, msgs[k].type_id, msgs[k].size, first + k))
                return 1;
        return 0;
    }
    for (uint32_t k = 0; k < TACHYON_BATCH; k++) {
        const void *m;
        uint32_t type = 0;
        size_t size = 0;
        tachyon_error_t err;

        if (mode == M_RECV_INLINE) {
            COUNT_IF(1);
            m = tachyon_acquire_rx(rx, &type, &size);
            err = m ? tachyon_commit_rx(rx) : tachyon_last_error(rx);
            COUNT_IF(1);
        } else {
            COUNT_IF(mode == M_RECV);
            m = lib_acquire_rx(rx, &type, &size);
            err = m ? lib_commit_rx(rx) : tachyon_last_error(rx);
            COUNT_IF(mode == M_RECV);
        }
        if (!m || err != TACHYON_OK)
            return fail("receive", m ? err : tachyon_last_error(rx));
        if (check(m, type, size, first + k))
            return 1;
    }
    return 0;
}

static int run(tachyon_bus_t *tx, tachyon_bus_t *rx, uint64_t messages, enum mode mode, uint64_t *seq)
{
    uint8_t msg[PAYLOAD];

    memset(msg, 0x5a, sizeof msg);
    for (uint64_t done = 0; done < messages; done += TACHYON_BATCH) {
        uint64_t first = *seq;

        if (produce(tx, mode, msg, seq) || consume(rx, mode, first))
            return 1;
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
    enum mode mode = M_WARMUP;
    int rc;

    for (int m = M_SEND; m < M_COUNT; m++)
        if (argc >= 2 && strcmp(argv[1], mode_names[m]) == 0)
            mode = (enum mode)m;
    if (argc < 2 || argc > 3 || mode == M_WARMUP) {
        fprintf(stderr, "usage: insn_count send|recv|reserve|drain|send-inline|recv-inline|reserve-inline "
                        "[messages]\n");
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
    rc = run(tx, rx, 2 * CAPACITY / 64, M_WARMUP, &seq);
    if (rc == 0)
        rc = run(tx, rx, messages, mode, &seq);
    tachyon_bus_destroy(rx);
    tachyon_bus_destroy(tx);
    free(mem);
    if (rc == 0)
        printf("insn_count: %s: %llu messages\n", argv[1], (unsigned long long)messages);
    return rc;
}
