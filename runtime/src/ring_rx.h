/*
 * ring_rx.h - the consumer's fast path over one ring, inline: taking the
 * message at the read position when it is a plain message frame below the
 * last validated tail, and releasing a single held message. ring.c's
 * tachyon_acquire_rx / tachyon_commit_rx are this code behind their argument
 * and state checks, and so is fan-in's take loop (fanin.c), so a fan-in
 * member's message costs what an SPSC receive costs, with no call layer in
 * between. Internal: not installed, not part of the ABI.
 *
 * Everything that is not the fast path (the tail reached, a wrap marker, a
 * frame that fails a check, a dead producer) stays out of line in ring.c
 * (tachyon_acquire_rx's slow path), which reads again and reports.
 */
#ifndef TACHYON_RING_RX_H
#define TACHYON_RING_RX_H

#include "internal.h"

/* The message at bus->rpos, held (hold, held_end, held_bytes set) with
 * *type_id and *size filled (each may be NULL), if it is a message frame
 * below bus->limit that passes every check ti_rx_peek makes: its stamp, its
 * size against max_message, the ring end and the published range. NULL
 * otherwise, with nothing changed. The caller checked the role and that
 * nothing is held. held_count is only read for a batch hold: not set. */
static inline const void *ti_rx_take_fast(tachyon_bus_t *bus, uint32_t *type_id, size_t *size)
{
    const uint64_t p = bus->rpos;
    const struct ti_frame *f;
    uint64_t idx, len;
    uint32_t sz;

    if (TI_UNLIKELY(p == bus->limit))
        return NULL;
    idx = p & bus->mask;
    f = (const struct ti_frame *)(bus->ring + idx);
    /* Pairs with the producer's release store of the stamp (ti_write_frame). */
    if (TI_UNLIKELY(ti_load_acquire(&f->stamp) != (p ^ TI_STAMP_MSG)))
        return NULL;
    sz = ti_load_relaxed(&f->size);
    len = ti_frame_len(sz);
    if (TI_UNLIKELY(sz > bus->max_message || idx + len > bus->capacity || len > bus->limit - p))
        return NULL;
    bus->hold = TI_HOLD_ONE;
    bus->held_end = p + len;
    bus->held_bytes = sz;
    if (type_id)
        *type_id = ti_load_relaxed(&f->type_id);
    if (size)
        *size = sz;
    return f + 1;
}

/* 1 if the ring has nothing new for certain: the read position is at the
 * last validated tail, the producer's tail has not moved, and it neither
 * closed nor is known dead. A fan-in's scan skips such a member with two
 * loads instead of the full receive. Every 1024th empty poll is left to the
 * full receive (0 here), which counts it and checks that the producer lives
 * (ti_poll_peer_dead's rate), so a dead producer is noticed as before. */
static inline int ti_rx_quiet(tachyon_bus_t *bus)
{
    const struct ti_shared *shm = bus->shm;
    const uint64_t p = bus->rpos;

    if (p != bus->limit || bus->peer_dead || ((bus->idle_polls + 1) & 1023u) == 0)
        return 0;
    /* Pairs with the producer's seq_cst exchange of tail (ti_publish). */
    if (ti_load_acquire(&shm->tail) != p || ti_load_acquire(&shm->producer_state) == TI_SIDE_CLOSED)
        return 0;
    bus->idle_polls++;
    return 1;
}

/* ring.c: wakes a producer that sleeps once head reached its mark. */
TI_HIDDEN tachyon_error_t ti_release_wake(tachyon_bus_t *bus);

/* Stores the new head so the producer may reuse the space, and wakes it if it
 * sleeps. The exchange is seq_cst: the release pairs with the producer's
 * acquire load of head (ti_refresh_head), and it is the first half of the
 * Dekker pair with producer_sleeping (see ti_tx_fits). */
static inline tachyon_error_t ti_release_head(tachyon_bus_t *bus)
{
    struct ti_shared *shm = bus->shm;

    (void)__atomic_exchange_n(&shm->head, bus->rpos, __ATOMIC_SEQ_CST);
    if (TI_UNLIKELY(ti_load_seqcst(&shm->producer_sleeping)))
        return ti_release_wake(bus);
    return TACHYON_OK;
}

/* Releases the one message a TI_HOLD_ONE hold took (the caller checked). */
static inline tachyon_error_t ti_rx_release_one(tachyon_bus_t *bus)
{
    bus->rpos = bus->held_end;
    bus->hold = TI_HOLD_NONE;
    bus->stats.messages++;
    bus->stats.bytes += bus->held_bytes;
    return ti_release_head(bus);
}

#endif /* TACHYON_RING_RX_H */
