/*
 * ring.c - the hot path: reserving, committing and publishing frames on the
 * producer side; finding, validating and releasing them on the consumer side.
 * No allocation and no system call here, except the futex wake in ti_publish /
 * ti_release_head when the peer has announced that it sleeps.
 *
 * Positions (wpos, rpos, head, tail) are byte counts since the ring was created;
 * they never wrap, and `position & mask` is the index into the ring.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include <string.h>

#include "internal.h"
#include "ring_rx.h"

/* ---- Producer ------------------------------------------------------------ */

/* Reloads head and validates it. The acquire load pairs with the consumer's
 * seq_cst exchange of head in ti_release_head: the consumer's reads of the
 * frames it released happen before we overwrite them. */
static tachyon_error_t ti_refresh_head(tachyon_bus_t *bus)
{
    uint64_t head = ti_load_acquire(&bus->shm->head);

    if (TI_UNLIKELY(head > bus->wpos || bus->wpos - head > bus->capacity))
        return TACHYON_ERR_CORRUPT;
    bus->cached_head = head;
    /* Pairs with the consumer's seq_cst store of CLOSED in tachyon_bus_destroy. */
    if (TI_UNLIKELY(ti_load_acquire(&bus->shm->consumer_state) == TI_SIDE_CLOSED))
        return TACHYON_ERR_PEER_GONE;
    return TACHYON_OK;
}

/* Ring bytes a reservation of `max_size` needs at the current write position:
 * the frame, plus the skipped tail of the lap when the frame does not fit
 * before the ring end. Sets *frame to where the frame will start. */
static inline uint64_t ti_tx_need(const tachyon_bus_t *bus, uint64_t max_size, uint64_t *frame)
{
    uint64_t len = ti_frame_len(max_size);
    uint64_t idx = bus->wpos & bus->mask;

    if (idx + len <= bus->capacity) {
        *frame = bus->wpos;
        return len;
    }
    *frame = bus->wpos + (bus->capacity - idx);
    return len + (bus->capacity - idx);
}

/* 1 if `need` bytes are free now. Used by the blocking wait after it set
 * producer_sleeping: the seq_cst load of head is the second half of the Dekker
 * pair (our flag store, then head load; the consumer's head exchange, then
 * flag load). Returns -1 with last_error set on a corrupt head or a gone peer. */
int ti_tx_fits(tachyon_bus_t *bus, uint64_t need)
{
    uint64_t head = ti_load_seqcst(&bus->shm->head);

    if (head > bus->wpos || bus->wpos - head > bus->capacity) {
        bus->last_error = TACHYON_ERR_CORRUPT;
        return -1;
    }
    bus->cached_head = head;
    if (ti_load_acquire(&bus->shm->consumer_state) == TI_SIDE_CLOSED) {
        bus->last_error = TACHYON_ERR_PEER_GONE;
        return -1;
    }
    return bus->capacity - (bus->wpos - head) >= need;
}

/* The body of tachyon_acquire_tx once role and state were checked. */
static inline void *ti_reserve(tachyon_bus_t *bus, size_t max_size)
{
    uint64_t frame, need;
    tachyon_error_t err;

    if (TI_UNLIKELY(max_size > bus->max_message)) {
        bus->last_size = max_size;
        return ti_fail_ptr(bus, TACHYON_ERR_TOO_LARGE);
    }
    need = ti_tx_need(bus, max_size, &frame);
    if (TI_UNLIKELY(bus->capacity - (bus->wpos - bus->cached_head) < need)) {
        if (bus->peer_dead)
            return ti_fail_ptr(bus, TACHYON_ERR_PEER_GONE);
        err = ti_refresh_head(bus);
        if (err != TACHYON_OK)
            return ti_fail_ptr(bus, err);
        if (bus->capacity - (bus->wpos - bus->cached_head) < need) {
            bus->stats.full_events++;
            /* Whatever the caller does next (poll again, wait, give up), the
             * consumer can only free space for frames it can see. Only the
             * first FULL after commits stores: pending is 0 after it. */
            if (bus->pending)
                ti_publish(bus);
            if (TI_UNLIKELY(ti_poll_peer_dead(bus))) {
                bus->peer_dead = 1;
                return ti_fail_ptr(bus, TACHYON_ERR_PEER_GONE);
            }
            return ti_fail_ptr(bus, TACHYON_ERR_FULL);
        }
    }
    /* 1: the frame is at wpos; 2: it starts the next lap (tachyon.h's inline
     * commit takes only the first kind). */
    bus->reserving = frame == bus->wpos ? 1 : 2;
    bus->res_frame = frame;
    bus->res_max = max_size;
    return bus->ring + (frame & bus->mask) + TACHYON_FRAME_HEADER;
}

/* tachyon_acquire_tx when the fast path (this file's, or tachyon.h's inline
 * one) does not apply: a bad state, a message too large, one that starts the
 * next lap or a ring that looks full. Out of line, so the fast path saves no
 * registers. */
__attribute__((noinline)) void *tachyon_hot1_acquire_tx(tachyon_bus_t *bus, size_t max_size)
{
    if (TI_UNLIKELY(bus->role != TACHYON_ROLE_PRODUCER || bus->reserving))
        return ti_fail_ptr(bus, TACHYON_ERR_STATE);
    return ti_reserve(bus, max_size);
}

/* The fast path: the frame fits before the ring end and in the space the
 * cached head already proves free; exactly ti_reserve's outcome there. */
void *tachyon_acquire_tx(tachyon_bus_t *bus, size_t max_size)
{
    uint64_t wpos, idx;

    if (TI_UNLIKELY(!bus))
        return NULL;
    wpos = bus->wpos;
    idx = wpos & bus->mask;
    /* ti_frame_len may wrap for a huge size: it is only used once
     * max_size <= max_message (the || stops at the first true test). */
    if (TI_UNLIKELY(bus->role != TACHYON_ROLE_PRODUCER || bus->reserving || max_size > bus->max_message ||
                    idx + ti_frame_len(max_size) > bus->capacity ||
                    bus->capacity - (wpos - bus->cached_head) < ti_frame_len(max_size)))
        return tachyon_hot1_acquire_tx(bus, max_size);
    bus->reserving = 1;
    bus->res_frame = wpos;
    bus->res_max = max_size;
    return bus->ring + idx + TACHYON_FRAME_HEADER;
}

/* Wakes a peer that announced it sleeps. Taking the flag down (exchange)
 * makes only the first waker after each announcement pay for the system
 * call; the sleeper raises it again before it sleeps again. The increment is a
 * release: it pairs with the sleeper's acquire load of the sequence word taken
 * before it raised the flag, so a sleeper that read the old value fails
 * FUTEX_WAIT with EAGAIN instead of sleeping through this wake. */
static void ti_wake(tachyon_bus_t *bus, uint32_t *flag, uint32_t *seq)
{
    if (__atomic_exchange_n(flag, 0, __ATOMIC_SEQ_CST) == 0)
        return; /* another wake got there first */
    __atomic_fetch_add(seq, 1, __ATOMIC_RELEASE);
    ti_futex_wake(seq);
    bus->stats.wakes++;
}

/* The consumer's flag says how it waits (TI_SLEEP_*): a sleeping thread is
 * woken on its word (a fan-in's bell, shared by all its producers, else
 * data_seq); an armed event loop gets its readiness fd signalled. */
void ti_wake_consumer(tachyon_bus_t *bus)
{
    uint32_t *word = bus->bell ? bus->bell : &bus->shm->data_seq;
    uint32_t was = __atomic_exchange_n(&bus->shm->consumer_sleeping, 0, __ATOMIC_SEQ_CST);

    if (was == 0)
        return; /* another wake got there first */
    if (was & TI_SLEEP_FUTEX) {
        __atomic_fetch_add(word, 1, __ATOMIC_RELEASE);
        ti_futex_wake(word);
    }
    if ((was & TI_SLEEP_FD) && bus->wake_efd >= 0)
        ti_wake_fd_signal(bus->wake_efd);
    bus->stats.wakes++;
}

void ti_wake_producer(tachyon_bus_t *bus)
{
    ti_wake(bus, &bus->shm->producer_sleeping, &bus->shm->space_seq);
}

/* Stores the tail (making every committed frame visible) and wakes the
 * consumer if it announced that it sleeps. The exchange is seq_cst: it is the
 * release that pairs with the consumer's acquire load of tail, and the first
 * half of the Dekker pair with consumer_sleeping (see ti_rx_wait in wait.c). */
tachyon_error_t ti_publish(tachyon_bus_t *bus)
{
    struct ti_shared *shm = bus->shm;

    if (bus->pending == 0)
        return TACHYON_OK;
    (void)__atomic_exchange_n(&shm->tail, bus->wpos, __ATOMIC_SEQ_CST);
    bus->pending = 0;
    bus->stats.publishes++;
    if (ti_load_seqcst(&shm->consumer_sleeping))
        ti_wake_consumer(bus);
    return TACHYON_OK;
}

/* Writes a frame header. The stamp goes last with a release store: it pairs
 * with the consumer's acquire load of the stamp, which is what makes a frame
 * recoverable after the producer died between commit and publication. */
static inline void ti_write_frame(uint8_t *ring, uint64_t mask, uint64_t pos, uint32_t size, uint32_t type_id,
                                  uint64_t key)
{
    struct ti_frame *f = (struct ti_frame *)(ring + (pos & mask));

    ti_store_relaxed(&f->size, size);
    ti_store_relaxed(&f->type_id, type_id);
    ti_store_release(&f->stamp, pos ^ key);
}

static inline tachyon_error_t ti_commit(tachyon_bus_t *bus, size_t actual_size, uint32_t type_id)
{
    uint64_t frame = bus->res_frame;

    if (TI_UNLIKELY(frame != bus->wpos)) /* the frame starts the next lap */
        ti_write_frame(bus->ring, bus->mask, bus->wpos, 0, 0, TI_STAMP_WRAP);
    ti_write_frame(bus->ring, bus->mask, frame, (uint32_t)actual_size, type_id, TI_STAMP_MSG);
    bus->wpos = frame + ti_frame_len(actual_size);
    bus->reserving = 0;
    bus->stats.messages++;
    bus->stats.bytes += actual_size;
    if (++bus->pending >= TACHYON_BATCH)
        ti_publish(bus);
    return TACHYON_OK;
}

static inline tachyon_error_t ti_commit_tx_checked(tachyon_bus_t *bus, size_t actual_size, uint32_t type_id)
{
    if (TI_UNLIKELY(!bus))
        return TACHYON_ERR_INVALID_ARG;
    if (TI_UNLIKELY(bus->role != TACHYON_ROLE_PRODUCER || !bus->reserving))
        return ti_fail(bus, TACHYON_ERR_STATE);
    if (TI_UNLIKELY(actual_size > bus->res_max))
        return ti_fail(bus, TACHYON_ERR_INVALID_ARG);
    return ti_commit(bus, actual_size, type_id);
}

tachyon_error_t tachyon_commit_tx(tachyon_bus_t *bus, size_t actual_size, uint32_t type_id)
{
    return ti_commit_tx_checked(bus, actual_size, type_id);
}

/* The inline commit's other cases: a frame that starts the next lap (wrap
 * marker first), a bad state or size. */
__attribute__((noinline)) tachyon_error_t tachyon_hot1_commit_tx(tachyon_bus_t *bus, size_t actual_size,
                                                                 uint32_t type_id)
{
    return ti_commit_tx_checked(bus, actual_size, type_id);
}

tachyon_error_t tachyon_rollback_tx(tachyon_bus_t *bus)
{
    if (!bus)
        return TACHYON_ERR_INVALID_ARG;
    if (bus->role != TACHYON_ROLE_PRODUCER || !bus->reserving)
        return ti_fail(bus, TACHYON_ERR_STATE);
    bus->reserving = 0;
    return TACHYON_OK;
}

/* Copies n <= 64 bytes inline with overlapping fixed-size moves (no call, so
 * the fast path needs no callee-saved registers). */
static inline void ti_copy_small(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (n >= 16) {
        if (n >= 32) {
            __builtin_memcpy(dst, src, 32);
            __builtin_memcpy(dst + n - 32, src + n - 32, 32);
        } else {
            __builtin_memcpy(dst, src, 16);
            __builtin_memcpy(dst + n - 16, src + n - 16, 16);
        }
    } else if (n >= 8) {
        __builtin_memcpy(dst, src, 8);
        __builtin_memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        __builtin_memcpy(dst, src, 4);
        __builtin_memcpy(dst + n - 4, src + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            dst[i] = src[i];
    }
}

/* tachyon_send when the fast path (this file's, or tachyon.h's inline one)
 * does not apply: a message that starts the next lap, a ring that looks full,
 * a bad argument or state. Kept out of line so the fast path saves and
 * restores fewer registers. */
__attribute__((noinline)) tachyon_error_t tachyon_hot1_send(tachyon_bus_t *bus, const void *data, size_t size,
                                                            uint32_t type_id)
{
    void *slot;

    if (TI_UNLIKELY(!data && size))
        return ti_fail(bus, TACHYON_ERR_INVALID_ARG);
    if (TI_UNLIKELY(bus->role != TACHYON_ROLE_PRODUCER || bus->reserving))
        return ti_fail(bus, TACHYON_ERR_STATE);
    slot = ti_reserve(bus, size);
    if (TI_UNLIKELY(!slot))
        return bus->last_error;
    if (size)
        memcpy(slot, data, size);
    return ti_commit(bus, size, type_id);
}

/* The fast path: a producer with no reservation, a message that fits before
 * the ring end and in the space the cached head already proves free. It makes
 * the same checks and writes the same frame as reserve + commit, without the
 * reservation bookkeeping (reserving, res_frame, res_max), which nobody can
 * observe between the two halves of one call. */
tachyon_error_t tachyon_send(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id)
{
    uint64_t wpos, idx, len;
    struct ti_frame *f;

    if (TI_UNLIKELY(!bus))
        return TACHYON_ERR_INVALID_ARG;
    wpos = bus->wpos;
    idx = wpos & bus->mask;
    len = ti_frame_len(size); /* may wrap for a huge size: only used once size <= max_message */
    /* A payload over 64 bytes also goes the slow way: its memcpy call would
     * make this a non-leaf function that saves and restores four registers
     * on every call (ten instructions of the 32-byte send), and the copy
     * dwarfs the slow path's extra bookkeeping. */
    if (TI_UNLIKELY(bus->role != TACHYON_ROLE_PRODUCER || bus->reserving || size > 64 ||
                    idx + len > bus->capacity || bus->capacity - (wpos - bus->cached_head) < len ||
                    (!data && size)))
        return tachyon_hot1_send(bus, data, size, type_id);
    f = (struct ti_frame *)(bus->ring + idx);
    ti_copy_small((uint8_t *)(f + 1), data, size); /* size 0: data may be NULL, and nothing is read */
    ti_store_relaxed(&f->size, (uint32_t)size);
    ti_store_relaxed(&f->type_id, type_id);
    ti_store_release(&f->stamp, wpos ^ TI_STAMP_MSG);
    bus->wpos = wpos + len;
    bus->stats.messages++;
    bus->stats.bytes += size;
    if (TI_UNLIKELY(++bus->pending >= TACHYON_BATCH))
        return ti_publish(bus);
    return TACHYON_OK;
}

/* The inline commits' publication every TACHYON_BATCH commits. */
tachyon_error_t tachyon_hot1_publish(tachyon_bus_t *bus)
{
    return ti_publish(bus);
}

tachyon_error_t tachyon_flush(tachyon_bus_t *bus)
{
    if (!bus)
        return TACHYON_ERR_INVALID_ARG;
    if (bus->role != TACHYON_ROLE_PRODUCER)
        return ti_fail(bus, TACHYON_ERR_STATE);
    ti_publish(bus);
    /* A producer that flushes is usually about to wait for an answer (a
     * ping-pong, a request): if the cached head leaves less than an eighth of
     * the ring, reload head now, while its line's transfer overlaps that wait,
     * rather than in the next reservation, where it would be on the next
     * message's critical path (with a small ring, every few messages: the
     * round trips that did it made the tail of bench/rtt). An error is left
     * for that reservation to report. */
    if (bus->capacity - (bus->wpos - bus->cached_head) < bus->capacity / 8 && !bus->peer_dead)
        (void)ti_refresh_head(bus);
    return TACHYON_OK;
}

/* ---- Consumer ------------------------------------------------------------ */

/* Called when the read cursor `p` reached bus->limit: loads the tail again.
 * Returns OK if more frames are published, else EMPTY or PEER_GONE. */
static tachyon_error_t ti_refresh_tail(tachyon_bus_t *bus, uint64_t p)
{
    struct ti_shared *shm = bus->shm;
    uint64_t tail;

    if (bus->peer_dead) /* limit already covers everything recoverable */
        return TACHYON_ERR_PEER_GONE;
    /* Pairs with the producer's seq_cst exchange of tail in ti_publish. */
    tail = ti_load_acquire(&shm->tail);
    if (tail == p) {
        /* Pairs with the producer's seq_cst store of CLOSED in destroy, which
         * follows its final publication: after seeing CLOSED, the tail we load
         * next is final. */
        if (TI_LIKELY(ti_load_acquire(&shm->producer_state) != TI_SIDE_CLOSED)) {
            if (TI_LIKELY(!ti_poll_peer_dead(bus)))
                return TACHYON_ERR_EMPTY;
            /* The producer died: deliver what it committed, then PEER_GONE. */
            ti_recover_unpublished(bus);
            return bus->limit != p ? TACHYON_OK : TACHYON_ERR_PEER_GONE;
        }
        tail = ti_load_acquire(&shm->tail);
        if (tail == p)
            return TACHYON_ERR_PEER_GONE;
    }
    if (TI_UNLIKELY(tail < p || tail - bus->rpos > bus->capacity || (tail & (TACHYON_FRAME_ALIGN - 1)) != 0))
        return TACHYON_ERR_CORRUPT;
    bus->limit = tail;
    return TACHYON_OK;
}

/* wait.c's spin saw `tail` (an acquire load) differ from the limit: make it
 * the limit if it passes ti_refresh_tail's checks. Anything else (a tail that
 * went back, runs more than a capacity ahead, is misaligned, or a producer
 * found dead) is left for the next acquire, which loads the tail again and
 * reports. */
void ti_rx_accept_tail(tachyon_bus_t *bus, uint64_t tail)
{
    if (!bus->peer_dead && tail > bus->limit && tail - bus->rpos <= bus->capacity &&
        (tail & (TACHYON_FRAME_ALIGN - 1)) == 0)
        bus->limit = tail;
}

/* Finds the frame at *pos (skipping a wrap marker), validating everything it
 * reads from shared memory exactly once. On success *pos is the frame's
 * position and *out its header. */
static inline tachyon_error_t ti_rx_peek(tachyon_bus_t *bus, uint64_t *pos, const struct ti_frame **out,
                                         uint32_t *size_out, uint32_t *type_out)
{
    uint64_t p = *pos;

    for (;;) {
        const struct ti_frame *f;
        uint64_t idx, stamp, len;
        uint32_t size;

        if (p == bus->limit) {
            tachyon_error_t err = ti_refresh_tail(bus, p);
            if (err != TACHYON_OK)
                return err;
        }
        idx = p & bus->mask;
        f = (const struct ti_frame *)(bus->ring + idx);
        /* Pairs with the producer's release store of the stamp (ti_write_frame). */
        stamp = ti_load_acquire(&f->stamp);
        if (TI_LIKELY(stamp == (p ^ TI_STAMP_MSG))) {
            size = ti_load_relaxed(&f->size);
            if (TI_UNLIKELY(size > bus->max_message))
                return TACHYON_ERR_CORRUPT;
            len = ti_frame_len(size);
            if (TI_UNLIKELY(idx + len > bus->capacity || len > bus->limit - p))
                return TACHYON_ERR_CORRUPT;
            *pos = p;
            *out = f;
            *size_out = size;
            *type_out = ti_load_relaxed(&f->type_id);
            return TACHYON_OK;
        }
        if (stamp == (p ^ TI_STAMP_WRAP) && idx != 0 && bus->capacity - idx <= bus->limit - p) {
            p += bus->capacity - idx;
            continue;
        }
        return TACHYON_ERR_CORRUPT;
    }
}

/* tachyon_acquire_rx when the fast path (this file's, or tachyon.h's inline
 * one) does not apply: at the last known tail, at a wrap marker, or at
 * anything the fast path would not accept (which this path then reports). */
__attribute__((noinline)) const void *tachyon_hot1_acquire_rx(tachyon_bus_t *bus, uint32_t *type_id, size_t *size)
{
    const struct ti_frame *f;
    uint64_t p;
    uint32_t sz, type;
    tachyon_error_t err;

    if (TI_UNLIKELY(bus->role != TACHYON_ROLE_CONSUMER || bus->hold != TI_HOLD_NONE))
        return ti_fail_ptr(bus, TACHYON_ERR_STATE);
    p = bus->rpos;
    err = ti_rx_peek(bus, &p, &f, &sz, &type);
    if (err != TACHYON_OK)
        return ti_fail_ptr(bus, err);
    bus->hold = TI_HOLD_ONE;
    bus->held_end = p + ti_frame_len(sz);
    bus->held_bytes = sz;
    if (type_id)
        *type_id = type;
    if (size)
        *size = sz;
    return (const uint8_t *)f + TACHYON_FRAME_HEADER;
}

/* The fast path (ring_rx.h, shared with fan-in's take loop): a message
 * frame below the last validated tail, with the same checks as ti_rx_peek. */
const void *tachyon_acquire_rx(tachyon_bus_t *bus, uint32_t *type_id, size_t *size)
{
    const void *msg;

    if (TI_UNLIKELY(!bus))
        return NULL;
    if (TI_UNLIKELY(bus->role != TACHYON_ROLE_CONSUMER || bus->hold != TI_HOLD_NONE))
        return tachyon_hot1_acquire_rx(bus, type_id, size);
    msg = ti_rx_take_fast(bus, type_id, size);
    if (TI_UNLIKELY(!msg))
        return tachyon_hot1_acquire_rx(bus, type_id, size); /* the tail, a wrap marker, or CORRUPT */
    return msg;
}

/* The producer announced it sleeps (ti_release_head, ring_rx.h). It asked to
 * be woken once head reaches its mark (room for its message plus slack), so a
 * consumer that commits one message at a time does not wake it for every 64
 * bytes. The mark is read after the flag, whose seq_cst store it precedes; a
 * stale or hostile mark only makes the wake early (harmless) or late (the
 * producer's watchdog). Out of line and tail-called, so the commits save no
 * registers. */
__attribute__((noinline)) tachyon_error_t ti_release_wake(tachyon_bus_t *bus)
{
    if (bus->rpos >= ti_load_relaxed(&bus->shm->producer_wake_head))
        ti_wake_producer(bus);
    return TACHYON_OK;
}

/* The inline commits' wake (tachyon.h), as ring_rx.h's ti_release_head makes it. */
tachyon_error_t tachyon_hot1_release_wake(tachyon_bus_t *bus)
{
    return ti_release_wake(bus);
}

/* The inline commit_rx's other case: nothing held, or not a consumer. */
__attribute__((noinline)) tachyon_error_t tachyon_hot1_commit_rx(tachyon_bus_t *bus)
{
    return tachyon_commit_rx(bus);
}

tachyon_error_t tachyon_commit_rx(tachyon_bus_t *bus)
{
    if (TI_UNLIKELY(!bus))
        return TACHYON_ERR_INVALID_ARG;
    if (TI_UNLIKELY(bus->role != TACHYON_ROLE_CONSUMER || bus->hold != TI_HOLD_ONE))
        return ti_fail(bus, TACHYON_ERR_STATE);
    return ti_rx_release_one(bus);
}

size_t tachyon_drain_batch(tachyon_bus_t *bus, tachyon_msg_t *msgs, size_t max)
{
    const struct ti_frame *f;
    uint64_t p, bytes = 0;
    uint32_t sz, type;
    size_t n = 0;

    if (!bus)
        return 0;
    if (!msgs || max == 0) {
        bus->last_error = TACHYON_ERR_INVALID_ARG;
        return 0;
    }
    if (bus->role != TACHYON_ROLE_CONSUMER || bus->hold != TI_HOLD_NONE) {
        bus->last_error = TACHYON_ERR_STATE;
        return 0;
    }
    p = bus->rpos;
    while (n < max) {
        tachyon_error_t err;

        /* The common case in a loop of its own: message frames below the
         * last validated tail, each checked exactly as ti_rx_peek checks it
         * (each header field read once), with the bus's fields in locals
         * (the stores into msgs could otherwise alias them). Anything else
         * (the tail reached, a wrap marker, a frame that fails a check) is
         * ti_rx_peek's to handle or report, from a fresh read. */
        {
            const uint64_t limit = bus->limit, mask = bus->mask;
            const uint64_t max_message = bus->max_message;
            const uint8_t *const ring = bus->ring;
            /* A frame must end by the ring end and by the tail: by `bound`,
             * the nearer of the two for the lap p is in (one test instead of
             * two). A frame that ends exactly at the ring end moves p to the
             * next lap, where bound - p is 0: the next frame goes to
             * ti_rx_peek, and the loop starts again with a new bound. */
            const uint64_t lap_end = (p & ~mask) + bus->capacity;
            const uint64_t bound = limit < lap_end ? limit : lap_end;

            while (n < max && p != limit) {
                uint64_t idx = p & mask, len;

                f = (const struct ti_frame *)(ring + idx);
                /* Pairs with the producer's release store of the stamp. */
                if (TI_UNLIKELY(ti_load_acquire(&f->stamp) != (p ^ TI_STAMP_MSG)))
                    break;
                sz = ti_load_relaxed(&f->size);
                len = ti_frame_len(sz);
                if (TI_UNLIKELY(sz > max_message || len > bound - p))
                    break;
                msgs[n].data = f + 1;
                msgs[n].size = sz;
                msgs[n].type_id = ti_load_relaxed(&f->type_id);
                bytes += sz;
                p += len;
                n++;
            }
            if (n == max)
                break;
        }
        err = ti_rx_peek(bus, &p, &f, &sz, &type);
        if (err != TACHYON_OK) {
            /* Report the error now only if nothing came before it; otherwise
             * the next call meets it again at the same position. */
            if (n == 0) {
                bus->last_error = err;
                return 0;
            }
            break;
        }
        msgs[n].data = (const uint8_t *)f + TACHYON_FRAME_HEADER;
        msgs[n].size = sz;
        msgs[n].type_id = type;
        bytes += sz;
        p += ti_frame_len(sz);
        n++;
    }
    bus->hold = TI_HOLD_BATCH;
    bus->held_end = p;
    bus->held_count = n;
    bus->held_bytes = bytes;
    return n;
}

tachyon_error_t tachyon_commit_rx_batch(tachyon_bus_t *bus, size_t count)
{
    if (!bus)
        return TACHYON_ERR_INVALID_ARG;
    if (bus->role != TACHYON_ROLE_CONSUMER)
        return ti_fail(bus, TACHYON_ERR_STATE);
    if (bus->hold == TI_HOLD_NONE && count == 0)
        return TACHYON_OK;
    if (bus->hold != TI_HOLD_BATCH || count != bus->held_count)
        return ti_fail(bus, TACHYON_ERR_STATE);
    bus->rpos = bus->held_end;
    bus->hold = TI_HOLD_NONE;
    bus->stats.messages += count;
    bus->stats.bytes += bus->held_bytes;
    return ti_release_head(bus);
}

/* The producer died (it cannot have closed cleanly, or it would have
 * published): extend the readable range over frames it committed but did not
 * publish. A frame counts only if its stamp equals its own position, which a
 * stale frame from an earlier lap can never match; the range stays within one
 * capacity of the consumer's released head, the most the producer could have
 * reserved. */
void ti_recover_unpublished(tachyon_bus_t *bus)
{
    uint64_t tail = ti_load_acquire(&bus->shm->tail);
    uint64_t bound = bus->rpos + bus->capacity;
    uint64_t p = bus->limit;

    if (bus->peer_dead)
        return;
    /* A misaligned tail is a hostile one: a frame header read there could
     * straddle the ring end. */
    if (tail >= bus->limit && tail - bus->rpos <= bus->capacity && (tail & (TACHYON_FRAME_ALIGN - 1)) == 0)
        p = tail;
    for (;;) {
        uint64_t idx = p & bus->mask;
        const struct ti_frame *f = (const struct ti_frame *)(bus->ring + idx);
        uint64_t stamp = ti_load_acquire(&f->stamp);

        if (stamp == (p ^ TI_STAMP_MSG)) {
            uint32_t size = ti_load_relaxed(&f->size);
            uint64_t len = ti_frame_len(size);
            if (size > bus->max_message || idx + len > bus->capacity || len > bound - p)
                break;
            p += len;
        } else if (stamp == (p ^ TI_STAMP_WRAP) && idx != 0 && bus->capacity - idx <= bound - p) {
            p += bus->capacity - idx;
        } else {
            break;
        }
    }
    bus->limit = p;
    bus->peer_dead = 1;
}
