/*
 * fuzz_ring.h - shared by fuzz_consumer.c and fuzz_producer.c: an interpreter
 * that reads the fuzz input as a program of operations on an arena bus (a
 * real producer and a real consumer over one segment) interleaved with writes
 * of hostile values into the segment, as a peer in another process could
 * make them. Which fields the "hostile peer" may write is the target's choice.
 *
 * Invariants checked after every operation (abort() = a finding):
 *   - a payload handed out lies inside the ring, starts 16-byte aligned and
 *     does not run past the ring end; every byte of it is read (ASan then
 *     proves the library never points us outside the segment);
 *   - a slot handed to the producer lies inside the ring for the whole
 *     reserved size; every byte of it is written;
 *   - an error is one of the documented ones for that call (INTERRUPTED
 *     included: libFuzzer's once-a-second SIGALRM lands in futex waits).
 * The arena is allocated at exactly its size, so any access past its end by
 * the library itself is an ASan report.
 */
#ifndef TACHYON_FUZZ_RING_H
#define TACHYON_FUZZ_RING_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tachyon.h"

#define FR_HEADER 4096u
#define FR_STAMP_MSG 0x5441434859535450ull
#define FR_STAMP_WRAP 0x5752415050454421ull

/* Which shared fields the hostile peer may write. */
#define FR_HOSTILE_PRODUCER 0x1u /* tail, producer line, data-wait line, frames in the ring */
#define FR_HOSTILE_CONSUMER 0x2u /* head, consumer line, space-wait line */
#define FR_HOSTILE_IDENTITY 0x4u /* line 0 (capacity, max_message, ...) after attach */

struct fr_input {
    const uint8_t *p;
    size_t left;
};

static inline uint64_t fr_take(struct fr_input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        uint8_t b = 0;
        if (in->left) {
            b = *in->p++;
            in->left--;
        }
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

struct fr_state {
    uint8_t *mem;
    uint8_t *ring;
    size_t cap;
    tachyon_bus_t *prod;
    tachyon_bus_t *cons;
    uint64_t seq; /* messages the real producer committed */
    unsigned hostile;
    volatile uint64_t sink;
};

static inline void fr_fail(const char *what, tachyon_error_t err)
{
    fprintf(stderr, "fuzz_ring: %s (%s)\n", what, tachyon_strerror(err));
    abort();
}

/* A payload from the consumer: inside the ring, read every byte. */
static inline void fr_check_payload(struct fr_state *s, const void *data, size_t size)
{
    const uint8_t *p = data;
    uint64_t sum = 0;

    if (p < s->ring || p > s->ring + s->cap || size > (size_t)(s->ring + s->cap - p))
        fr_fail("payload outside the ring", TACHYON_OK);
    if (((uintptr_t)p & 15) != 0)
        fr_fail("payload not 16-byte aligned", TACHYON_OK);
    if (size > s->cap / 2 - 16)
        fr_fail("payload larger than max_message", TACHYON_OK);
    for (size_t i = 0; i < size; i++)
        sum += p[i];
    s->sink += sum;
}

static inline void fr_check_rx_error(struct fr_state *s, tachyon_error_t err)
{
    (void)s;
    if (err != TACHYON_ERR_EMPTY && err != TACHYON_ERR_PEER_GONE && err != TACHYON_ERR_CORRUPT &&
        err != TACHYON_ERR_TIMEOUT && err != TACHYON_ERR_STATE && err != TACHYON_ERR_INTERRUPTED)
        fr_fail("unexpected receive error", err);
}

static inline void fr_check_tx_error(struct fr_state *s, tachyon_error_t err)
{
    (void)s;
    if (err != TACHYON_ERR_FULL && err != TACHYON_ERR_TOO_LARGE && err != TACHYON_ERR_PEER_GONE &&
        err != TACHYON_ERR_CORRUPT && err != TACHYON_ERR_TIMEOUT && err != TACHYON_ERR_STATE &&
        err != TACHYON_ERR_INVALID_ARG && err != TACHYON_ERR_INTERRUPTED)
        fr_fail("unexpected send error", err);
}

/* ---- the real producer ---- */

static inline void fr_produce(struct fr_state *s, struct fr_input *in, int blocking)
{
    size_t max = (size_t)fr_take(in, 2);
    size_t actual = max ? (size_t)fr_take(in, 2) % (max + 1) : 0;
    uint32_t type = (uint32_t)fr_take(in, 1);
    uint8_t *slot;

    if (!s->prod)
        return;
    if (max > 0xff00) /* now and then a size beyond any max_message */
        max = s->cap;
    slot = blocking ? tachyon_acquire_tx_blocking(s->prod, max, 1000) : tachyon_acquire_tx(s->prod, max);
    if (!slot) {
        fr_check_tx_error(s, tachyon_last_error(s->prod));
        return;
    }
    if (slot < s->ring || slot > s->ring + s->cap || max > (size_t)(s->ring + s->cap - slot))
        fr_fail("reserved slot outside the ring", TACHYON_OK);
    if (((uintptr_t)slot & 15) != 0)
        fr_fail("reserved slot not 16-byte aligned", TACHYON_OK);
    memset(slot, (int)(s->seq & 0xff), max);
    if (type == 0xff) {
        if (tachyon_rollback_tx(s->prod) != TACHYON_OK)
            fr_fail("rollback of a held reservation", TACHYON_ERR_STATE);
        return;
    }
    tachyon_error_t err = tachyon_commit_tx(s->prod, actual, type);
    if (err != TACHYON_OK)
        fr_fail("commit of a held reservation", err);
    s->seq++;
}

static inline void fr_send_copy(struct fr_state *s, struct fr_input *in, int blocking)
{
    static uint8_t buf[65536];
    size_t size = (size_t)fr_take(in, 2);
    tachyon_error_t err;

    if (!s->prod)
        return;
    memset(buf, 0x5a, size);
    err = blocking ? tachyon_send_blocking(s->prod, buf, size, 7, 1000) : tachyon_send(s->prod, buf, size, 7);
    if (err != TACHYON_OK)
        fr_check_tx_error(s, err);
}

/* ---- the real consumer ---- */

static inline void fr_consume(struct fr_state *s, struct fr_input *in, int how)
{
    uint32_t type;
    size_t size;
    const void *msg;

    if (!s->cons)
        return;
    if (how == 2) {
        tachyon_msg_t msgs[64];
        size_t want = 1 + (size_t)fr_take(in, 1) % 64;
        size_t got = tachyon_drain_batch(s->cons, msgs, want);
        if (got > want)
            fr_fail("drain_batch returned more than asked", TACHYON_OK);
        if (got == 0) {
            fr_check_rx_error(s, tachyon_last_error(s->cons));
            return;
        }
        for (size_t i = 0; i < got; i++)
            fr_check_payload(s, msgs[i].data, msgs[i].size);
        if (tachyon_commit_rx_batch(s->cons, got) != TACHYON_OK)
            fr_fail("commit_rx_batch of a held batch", TACHYON_ERR_STATE);
        return;
    }
    msg = how == 1 ? tachyon_acquire_rx_timeout(s->cons, &type, &size, 2, 1000)
                   : tachyon_acquire_rx(s->cons, &type, &size);
    if (!msg) {
        fr_check_rx_error(s, tachyon_last_error(s->cons));
        return;
    }
    fr_check_payload(s, msg, size);
    if (tachyon_commit_rx(s->cons) != TACHYON_OK)
        fr_fail("commit_rx of a held message", TACHYON_ERR_STATE);
}

/* ---- the hostile peer ---- */

/* Writes `v` (raw, or near the current value) into a u64 at `off`. */
static inline void fr_poke64(struct fr_state *s, struct fr_input *in, size_t off)
{
    uint64_t cur, v;
    uint8_t mode = (uint8_t)fr_take(in, 1);

    memcpy(&cur, s->mem + off, 8);
    switch (mode & 3) {
    case 0:
        v = fr_take(in, 8);
        break;
    case 1:
        v = cur + (uint64_t)(int64_t)(int16_t)fr_take(in, 2) * 64;
        break;
    case 2:
        v = cur + (uint64_t)s->cap * (uint64_t)(int64_t)(int8_t)fr_take(in, 1);
        break;
    default:
        v = cur - 1 - fr_take(in, 1);
        break;
    }
    __atomic_store_n((uint64_t *)(s->mem + off), v, __ATOMIC_RELEASE);
}

static inline void fr_poke32(struct fr_state *s, struct fr_input *in, size_t off)
{
    __atomic_store_n((uint32_t *)(s->mem + off), (uint32_t)fr_take(in, 4), __ATOMIC_RELEASE);
}

/* A frame header that looks right for some position: a matching stamp with
 * a hostile size, or a wrap marker where none belongs. */
static inline void fr_forge_frame(struct fr_state *s, struct fr_input *in)
{
    uint64_t tail;
    size_t idx = (size_t)(fr_take(in, 2) * 64) & (s->cap - 1);
    uint32_t size = (uint32_t)fr_take(in, 4);
    uint8_t kind = (uint8_t)fr_take(in, 1);
    int64_t lap = (int8_t)fr_take(in, 1) % 3;
    uint64_t pos;

    memcpy(&tail, s->mem + 128, 8);
    pos = (tail & ~(uint64_t)(s->cap - 1)) + idx + (uint64_t)(lap * (int64_t)s->cap);
    if (kind & 1)
        size %= (uint32_t)(s->cap + 128);
    memcpy(s->ring + idx, &size, 4);
    memcpy(s->ring + idx + 4, &kind, 1);
    uint64_t stamp = pos ^ ((kind & 2) ? FR_STAMP_WRAP : FR_STAMP_MSG);
    __atomic_store_n((uint64_t *)(s->ring + idx + 8), stamp, __ATOMIC_RELEASE);
}

static inline void fr_scribble(struct fr_state *s, struct fr_input *in)
{
    static const size_t prod_u64[] = {128};
    static const size_t prod_u32[] = {136, 140, 384, 388};
    static const size_t cons_u64[] = {256};
    static const size_t cons_u32[] = {264, 268, 512, 516};
    static const size_t ident_u64[] = {0, 24, 32, 40};
    static const size_t ident_u32[] = {8, 12, 16, 20};
    uint8_t what = (uint8_t)fr_take(in, 1);

    switch (what % 8) {
    case 0:
        if (s->hostile & FR_HOSTILE_PRODUCER)
            fr_poke64(s, in, prod_u64[0]);
        break;
    case 1:
        if (s->hostile & FR_HOSTILE_PRODUCER)
            fr_poke32(s, in, prod_u32[(what >> 3) % 4]);
        break;
    case 2:
        if (s->hostile & FR_HOSTILE_PRODUCER)
            fr_forge_frame(s, in);
        break;
    case 3:
        if (s->hostile & FR_HOSTILE_PRODUCER) { /* raw bytes anywhere in the ring */
            size_t off = (size_t)fr_take(in, 2) & (s->cap - 1);
            size_t len = (size_t)fr_take(in, 1) % 32;
            for (size_t i = 0; i < len && off + i < s->cap; i++)
                s->ring[off + i] = (uint8_t)fr_take(in, 1);
        }
        break;
    case 4:
        if (s->hostile & FR_HOSTILE_CONSUMER)
            fr_poke64(s, in, cons_u64[0]);
        break;
    case 5:
        if (s->hostile & FR_HOSTILE_CONSUMER)
            fr_poke32(s, in, cons_u32[(what >> 3) % 4]);
        break;
    case 6:
        if (s->hostile & FR_HOSTILE_IDENTITY) {
            if (what & 0x80)
                fr_poke64(s, in, ident_u64[(what >> 3) % 4]);
            else
                fr_poke32(s, in, ident_u32[(what >> 3) % 4]);
        }
        break;
    default: { /* the hostile peer closes, or attaches again */
        int producer = (s->hostile & FR_HOSTILE_PRODUCER) != 0;
        uint32_t v = (uint32_t)(what >> 3) % 3;
        __atomic_store_n((uint32_t *)(s->mem + (producer ? 136 : 264)), v, __ATOMIC_RELEASE);
        break;
    }
    }
}

/* ---- the program ---- */

/* Runs one input. `hostile` picks the fields the hostile peer may write. */
static inline void fr_run(const uint8_t *data, size_t size, unsigned hostile)
{
    struct fr_input in = {data, size};
    struct fr_state s;
    uint8_t setup;
    size_t len;
    tachyon_error_t err;

    memset(&s, 0, sizeof(s));
    s.hostile = hostile;
    setup = (uint8_t)fr_take(&in, 1);
    s.cap = (size_t)256 << (setup % 6);
    len = tachyon_arena_size(s.cap);
    s.mem = aligned_alloc(64, len);
    if (!s.mem)
        abort();
    if (tachyon_arena_format(s.mem, len, s.cap, 0) != TACHYON_OK)
        abort();
    s.ring = s.mem + FR_HEADER;
    /* Now and then the hostile peer damages the header before anyone attaches:
     * attach must refuse or be safe. */
    if (setup & 0x80) {
        size_t off = (size_t)fr_take(&in, 2) % 640;
        size_t n = 1 + (size_t)fr_take(&in, 1) % 16;
        for (size_t i = 0; i < n && off + i < 640; i++)
            s.mem[off + i] = (uint8_t)fr_take(&in, 1);
    }
    err = tachyon_arena_attach(s.mem, len, TACHYON_ROLE_PRODUCER, &s.prod);
    if (err != TACHYON_OK)
        s.prod = NULL;
    err = tachyon_arena_attach(s.mem, len, TACHYON_ROLE_CONSUMER, &s.cons);
    if (err != TACHYON_OK)
        s.cons = NULL;
    if (!s.prod && !s.cons)
        goto out;

    for (int steps = 0; in.left && steps < 4096; steps++) {
        uint8_t op = (uint8_t)fr_take(&in, 1);
        switch (op % 12) {
        case 0:
        case 1:
            fr_produce(&s, &in, op % 12 == 1);
            break;
        case 2:
            fr_send_copy(&s, &in, (op >> 4) & 1);
            break;
        case 3:
            if (s.prod)
                (void)tachyon_flush(s.prod);
            break;
        case 4:
        case 5:
        case 6:
            fr_consume(&s, &in, op % 12 - 4);
            break;
        case 7:
        case 8:
        case 9:
            fr_scribble(&s, &in);
            break;
        case 10: /* calls out of order must be refused, not obeyed */
            if (s.cons && tachyon_commit_rx(s.cons) == TACHYON_OK)
                fr_fail("commit_rx without a held message succeeded", TACHYON_OK);
            if (s.prod && tachyon_commit_tx(s.prod, 1, 1) == TACHYON_OK)
                fr_fail("commit_tx without a reservation succeeded", TACHYON_OK);
            break;
        default: /* a real side leaves; a fresh one may attach where it left off */
            if ((op >> 4) & 1) {
                tachyon_bus_destroy(s.prod);
                s.prod = NULL;
                if ((op >> 5) & 1 && tachyon_arena_attach(s.mem, len, TACHYON_ROLE_PRODUCER, &s.prod) != TACHYON_OK)
                    s.prod = NULL;
            } else {
                tachyon_bus_destroy(s.cons);
                s.cons = NULL;
                if ((op >> 5) & 1 && tachyon_arena_attach(s.mem, len, TACHYON_ROLE_CONSUMER, &s.cons) != TACHYON_OK)
                    s.cons = NULL;
            }
            break;
        }
    }
    /* Draining what is left ends in an error, never in a loop. */
    for (int i = 0; s.cons && i < 100000; i++) {
        uint32_t type;
        size_t n;
        const void *msg = tachyon_acquire_rx(s.cons, &type, &n);
        if (!msg) {
            fr_check_rx_error(&s, tachyon_last_error(s.cons));
            break;
        }
        fr_check_payload(&s, msg, n);
        if (tachyon_commit_rx(s.cons) != TACHYON_OK)
            fr_fail("commit_rx of a held message", TACHYON_ERR_STATE);
        if (i == 99999)
            fr_fail("a ring of finite size never ran empty", TACHYON_OK);
    }
out:
    tachyon_bus_destroy(s.prod);
    tachyon_bus_destroy(s.cons);
    free(s.mem);
}

#endif /* TACHYON_FUZZ_RING_H */
