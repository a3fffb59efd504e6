/* Description: tachyon.h's inline hot path and the library's exported functions share one bus state (tachyon_bus_hot_t): random-size messages across many wraps, each sent and received by a randomly chosen path (inline send, inline acquire/commit, exported send, exported acquire/commit, each acquire with the other commit, drain_batch), arrive in order and intact, and the counters, FULL, EMPTY and STATE answers agree whichever path gave them. */
#include "helpers.h"

#if !defined(__OPTIMIZE__)
/* Unoptimised, the inline bodies are never used (GNU extern inline): both
 * paths would be the library's and the test would prove nothing. */
int main(void)
{
    t_skip("built without optimisation: tachyon.h's inline bodies are not used");
    return T_SKIP;
}
#else

/* The exported functions: the address of a GNU extern inline function is the
 * library's; volatile, so the compiler cannot inline through the pointer. */
static void *(*volatile lib_acquire_tx)(tachyon_bus_t *, size_t) = tachyon_acquire_tx;
static tachyon_error_t (*volatile lib_commit_tx)(tachyon_bus_t *, size_t, uint32_t) = tachyon_commit_tx;
static tachyon_error_t (*volatile lib_send)(tachyon_bus_t *, const void *, size_t, uint32_t) = tachyon_send;
static const void *(*volatile lib_acquire_rx)(tachyon_bus_t *, uint32_t *, size_t *) = tachyon_acquire_rx;
static tachyon_error_t (*volatile lib_commit_rx)(tachyon_bus_t *) = tachyon_commit_rx;

#define CAPACITY 4096u
#define MAX_SIZE 600u

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* One message t_fill(seq) of `size` bytes, by one of six paths; FULL is
 * returned as is (nothing was sent). */
static tachyon_error_t send_one(tachyon_bus_t *prod, uint64_t seq, size_t size, unsigned path)
{
    uint8_t buf[MAX_SIZE];
    uint8_t *slot;

    switch (path) {
    case 0:
        t_fill(buf, size, seq);
        return tachyon_send(prod, buf, size, (uint32_t)(seq & 0xffff));
    case 1:
        t_fill(buf, size, seq);
        return lib_send(prod, buf, size, (uint32_t)(seq & 0xffff));
    case 2:
        slot = tachyon_acquire_tx(prod, size + (seq % 3) * 8); /* reserve more than it commits, at times */
        if (!slot)
            return tachyon_last_error(prod);
        t_fill(slot, size, seq);
        return tachyon_commit_tx(prod, size, (uint32_t)(seq & 0xffff));
    case 3:
        slot = lib_acquire_tx(prod, size);
        if (!slot)
            return tachyon_last_error(prod);
        t_fill(slot, size, seq);
        return lib_commit_tx(prod, size, (uint32_t)(seq & 0xffff));
    case 4: /* reserved by the library (at a wrap: a next-lap reservation), committed inline */
        slot = lib_acquire_tx(prod, size);
        if (!slot)
            return tachyon_last_error(prod);
        t_fill(slot, size, seq);
        return tachyon_commit_tx(prod, size, (uint32_t)(seq & 0xffff));
    default: /* reserved inline, committed by the library */
        slot = tachyon_acquire_tx(prod, size);
        if (!slot)
            return tachyon_last_error(prod);
        t_fill(slot, size, seq);
        return lib_commit_tx(prod, size, (uint32_t)(seq & 0xffff));
    }
}

/* Receives the next message by one of three paths and checks it; EMPTY is
 * returned as is. */
static tachyon_error_t recv_one(tachyon_bus_t *cons, uint64_t seq, size_t size, unsigned path, uint64_t *bytes)
{
    const void *msg;
    uint32_t type;
    size_t n;
    tachyon_msg_t m;

    if (path == 2) {
        if (tachyon_drain_batch(cons, &m, 1) != 1)
            return tachyon_last_error(cons);
        CHECK(m.size == size && m.type_id == (seq & 0xffff) && t_verify(m.data, m.size, seq));
        *bytes += size;
        return tachyon_commit_rx_batch(cons, 1);
    }
    msg = path == 0 ? tachyon_acquire_rx(cons, &type, &n) : lib_acquire_rx(cons, &type, &n);
    if (!msg)
        return tachyon_last_error(cons);
    CHECK(n == size && type == (seq & 0xffff) && t_verify(msg, n, seq));
    *bytes += size;
    return path == 0 ? tachyon_commit_rx(cons) : lib_commit_rx(cons);
}

int main(void)
{
    struct t_arena a;
    uint64_t sent = 0, got = 0, bytes_sent = 0, bytes_got = 0, rounds = t_scaled(200000, 20000);
    size_t sizes[CAPACITY / 64 + 1];
    tachyon_stats_t ps, cs;

    t_arena_open(&a, CAPACITY);
    for (uint64_t r = 0; r < rounds; r++) {
        /* A burst in, then a burst out, so the ring fills, empties and wraps. */
        unsigned burst = 1 + (unsigned)(t_rand(&rng) % 12);
        for (unsigned k = 0; k < burst; k++) {
            size_t size = t_rand(&rng) % 4 == 0 ? t_rand(&rng) % MAX_SIZE : t_rand(&rng) % 49;
            tachyon_error_t err = send_one(a.prod, sent, size, (unsigned)(t_rand(&rng) % 6));
            if (err == TACHYON_ERR_FULL)
                break;
            CHECK_ERR(err, TACHYON_OK);
            CHECK(sent - got < CAPACITY / 64 + 1);
            sizes[sent % (CAPACITY / 64 + 1)] = size;
            bytes_sent += size;
            sent++;
        }
        if (t_rand(&rng) % 2)
            CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
        burst = 1 + (unsigned)(t_rand(&rng) % 12);
        for (unsigned k = 0; k < burst && got < sent; k++) {
            tachyon_error_t err =
                recv_one(a.cons, got, sizes[got % (CAPACITY / 64 + 1)], (unsigned)(t_rand(&rng) % 3), &bytes_got);
            if (err == TACHYON_ERR_EMPTY)
                break; /* not published yet */
            CHECK_ERR(err, TACHYON_OK);
            got++;
        }
    }
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    while (got < sent) {
        CHECK_ERR(recv_one(a.cons, got, sizes[got % (CAPACITY / 64 + 1)], (unsigned)(got % 3), &bytes_got),
                  TACHYON_OK);
        got++;
    }
    /* Drained: both paths answer EMPTY alike, and STATE on the wrong side. */
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_EMPTY);
    CHECK(lib_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_EMPTY);
    CHECK(tachyon_acquire_tx(a.cons, 8) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_STATE);
    CHECK(tachyon_acquire_rx(a.prod, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_tx(a.prod, 8, 1), TACHYON_ERR_STATE);
    /* A reservation held by one path is seen by the other. */
    CHECK(tachyon_acquire_tx(a.prod, 8) != NULL);
    CHECK(lib_acquire_tx(a.prod, 8) == NULL);
    CHECK_ERR(tachyon_last_error(a.prod), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_send(a.prod, "x", 1, 1), TACHYON_ERR_STATE);
    CHECK_ERR(lib_commit_tx(a.prod, 8, 3), TACHYON_OK);
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL); /* committed, not yet published */
    CHECK_ERR(tachyon_flush(a.prod), TACHYON_OK);
    CHECK(lib_acquire_rx(a.cons, NULL, NULL) != NULL);
    CHECK(tachyon_acquire_rx(a.cons, NULL, NULL) == NULL);
    CHECK_ERR(tachyon_last_error(a.cons), TACHYON_ERR_STATE);
    CHECK_ERR(tachyon_commit_rx(a.cons), TACHYON_OK);
    /* Counters kept by both paths add up. */
    CHECK_ERR(tachyon_get_stats(a.prod, &ps), TACHYON_OK);
    CHECK_ERR(tachyon_get_stats(a.cons, &cs), TACHYON_OK);
    CHECK(ps.messages == sent + 1 && ps.bytes == bytes_sent + 8);
    CHECK(cs.messages == got + 1 && cs.bytes == bytes_got + 8);
    t_arena_close(&a);
    printf("hot_mixed: %llu messages by mixed paths\n", (unsigned long long)sent);
    return T_PASS;
}
#endif
