/*
 * wait.c - blocking: spin, then sleep on a futex in shared memory, waking at
 * least every TACHYON_WATCHDOG_NS to check the peer and the deadline. The
 * system calls (clock, futex, peer liveness) are in platform.c; the ring's
 * state and the wake helpers in ring.c.
 *
 * The no-lost-wake-up argument (for the consumer; the producer's is the mirror
 * image with head / producer_sleeping / space_seq):
 *   consumer: seq = data_seq (acquire); consumer_sleeping = 1 (seq_cst);
 *             reload tail (seq_cst); if nothing new, FUTEX_WAIT(data_seq, seq).
 *   producer: tail = wpos (seq_cst exchange); if consumer_sleeping (seq_cst)
 *             { data_seq++ (release); FUTEX_WAKE }.
 * In the single total order of seq_cst operations either the producer's flag
 * load comes after the consumer's flag store (it then bumps data_seq, so the
 * FUTEX_WAIT either sees a changed word and returns EAGAIN or is already
 * queued and gets the wake), or the consumer's tail reload comes after the
 * producer's exchange (it sees the new tail and does not sleep).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* Pause-loop iterations a blocked producer spins before it sleeps. */
#define TI_TX_SPIN 2048u
/* Iterations a waiting consumer polls without a pause instruction before it
 * starts pausing. A pause costs 40 to 140 cycles on current x86 cores, which a
 * round trip that is over in a few hundred ns pays in full: pure polling
 * answers sooner (the pure-spin floor of bench/rtt is that much lower than the
 * pausing one). Bounded, so a long wait still leaves the core's sibling its
 * share (a few microseconds at most). */
#define TI_RX_PURE_SPIN 1024u

static int64_t ti_sleep_for(int64_t deadline, int64_t now)
{
    int64_t left = deadline - now;

    return left < TACHYON_WATCHDOG_NS ? left : TACHYON_WATCHDOG_NS;
}

/* A futex wait that failed for a reason other than a wake, a timeout or a
 * signal: the system refused the call. */
static void *ti_fail_futex(tachyon_bus_t *bus, int e)
{
    bus->last_errno = e;
    return ti_fail_ptr(bus, TACHYON_ERR_SYSTEM);
}

/* ---- Lost wake-ups, counted without a clock ------------------------------
 * A sleep that runs out although the peer has already made the progress that
 * obliges it to wake us (the consumer: the tail moved; the producer: the head
 * reached its mark) is a suspect, not yet a proof: a peer stalled between its
 * index store and its flag load (preempted under load, say) still owes the
 * wake and will pay it late. So the sleeper leaves its flag up as evidence,
 * and its next sleep judges: if the peer has stored the index again since
 * then, it has passed the flag load of the earlier store, and a flag still up
 * means that it skipped the wake: a lost wake-up, counted in lost_wakes. A
 * peer that has not moved since leaves the case open (not counted). Load
 * cannot make a correct peer look guilty. A correct peer takes the flag down
 * (ti_wake), paying one spurious FUTEX_WAKE; all of this happens only after a
 * full watchdog period of sleep, never on the hot path. */
void ti_after_timeout(tachyon_bus_t *bus, uint32_t *flag, uint32_t bit, int owed, uint64_t pos)
{
    if (owed && (ti_load_seqcst(flag) & bit)) {
        bus->wake_suspect = 1;
        bus->suspect_pos = pos;
        return;
    }
    __atomic_fetch_and(flag, ~bit, __ATOMIC_RELAXED);
}

/* `pos`: a seq_cst load of the same index, taken before the flag is taken
 * down. Only our own bit is judged (a consumer's flag may also carry an
 * event loop's TI_SLEEP_FD, which stays). */
void ti_judge_wake(tachyon_bus_t *bus, uint32_t *flag, uint32_t bit, uint64_t pos)
{
    bus->wake_suspect = 0;
    if ((__atomic_fetch_and(flag, ~bit, __ATOMIC_SEQ_CST) & bit) && pos != bus->suspect_pos)
        bus->lost_wakes++;
}

uint64_t ti_test_lost_wakes(const tachyon_bus_t *bus)
{
    return bus->lost_wakes;
}

/* ---- Producer ------------------------------------------------------------ */

static uint64_t ti_tx_need_now(const tachyon_bus_t *bus, size_t max_size)
{
    uint64_t len = ti_frame_len(max_size);
    uint64_t idx = bus->wpos & bus->mask;

    return idx + len <= bus->capacity ? len : len + (bus->capacity - idx);
}

void *tachyon_acquire_tx_until(tachyon_bus_t *bus, size_t max_size, int64_t deadline_ns)
{
    struct ti_shared *shm;
    int64_t deadline;
    uint64_t need, want;
    void *slot;

    if (!bus)
        return NULL;
    slot = tachyon_acquire_tx(bus, max_size);
    if (slot || bus->last_error != TACHYON_ERR_FULL)
        return slot;
    shm = bus->shm;
    deadline = ti_deadline_norm(deadline_ns);
    need = ti_tx_need_now(bus, max_size);
    want = need + bus->capacity / 8 < bus->capacity ? need + bus->capacity / 8 : bus->capacity;
    /* The consumer can only free space for frames it can see. */
    ti_publish(bus);
    for (;;) {
        uint64_t mark;
        uint32_t seq;
        int64_t now;
        int fits, r;

        /* Spin until the consumer freed what we need plus some slack: then
         * the next few sends find room without reading head again, instead
         * of pulling the consumer's line over for every 64 bytes it frees. */
        for (unsigned i = 0; i < TI_TX_SPIN; i++) {
            uint64_t head = ti_load_acquire(&shm->head);
            if (head <= bus->wpos && bus->capacity - (bus->wpos - head) >= want)
                break;
            ti_cpu_relax();
        }
        fits = ti_tx_fits(bus, need);
        if (fits < 0)
            return NULL;
        if (fits)
            break;

        if (TI_UNLIKELY(bus->wake_suspect))
            ti_judge_wake(bus, &shm->producer_sleeping, 1u, ti_load_seqcst(&shm->head));
        /* Acquire: pairs with the consumer's release increment of space_seq
         * (and tachyon_bus_interrupt's). */
        seq = ti_load_acquire(&shm->space_seq);
        if (ti_take_interrupt(bus))
            return ti_fail_ptr(bus, TACHYON_ERR_INTERRUPTED);
        /* Ask to be woken when `want` bytes are free, not the first 64:
         * head must reach wpos + want - capacity. The consumer always gets
         * there by draining what we published (want <= capacity). */
        mark = bus->wpos + want > bus->capacity ? bus->wpos + want - bus->capacity : 0;
        ti_store_relaxed(&shm->producer_wake_head, mark);
        ti_store_seqcst(&shm->producer_sleeping, 1);
        fits = ti_tx_fits(bus, need);
        if (fits != 0) {
            ti_store_relaxed(&shm->producer_sleeping, 0);
            if (fits < 0)
                return NULL;
            break;
        }
        now = ti_now_ns();
        if (now >= deadline) {
            ti_store_relaxed(&shm->producer_sleeping, 0);
            return ti_fail_ptr(bus, TACHYON_ERR_TIMEOUT);
        }
        r = ti_futex_wait(&shm->space_seq, seq, ti_sleep_for(deadline, now));
        bus->stats.sleeps++;
        if (r == ETIMEDOUT) {
            uint64_t head = ti_load_seqcst(&shm->head);
            ti_after_timeout(bus, &shm->producer_sleeping, 1u, head >= mark, head);
        } else {
            ti_store_relaxed(&shm->producer_sleeping, 0);
        }
        if (ti_wait_interrupted(r))
            return ti_fail_ptr(bus, TACHYON_ERR_INTERRUPTED);
        if (r == EINTR)
            continue; /* the interrupt check let the wait go on */
        if (r == ETIMEDOUT && ti_peer_dead(bus)) {
            bus->peer_dead = 1;
            return ti_fail_ptr(bus, TACHYON_ERR_PEER_GONE);
        }
        if (r != 0 && r != ETIMEDOUT)
            return ti_fail_futex(bus, r);
    }
    slot = tachyon_acquire_tx(bus, max_size);
    return slot;
}

void *tachyon_acquire_tx_blocking(tachyon_bus_t *bus, size_t max_size, int64_t timeout_ns)
{
    /* Room first: a send that finds room never reads the clock. */
    void *slot = tachyon_acquire_tx(bus, max_size);

    if (slot || !bus || bus->last_error != TACHYON_ERR_FULL)
        return slot;
    return tachyon_acquire_tx_until(bus, max_size, timeout_ns < 0 ? TACHYON_FOREVER : ti_deadline_after(timeout_ns));
}

tachyon_error_t tachyon_send_until(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id,
                                   int64_t deadline_ns)
{
    void *slot;

    if (!bus)
        return TACHYON_ERR_INVALID_ARG;
    if (!data && size)
        return ti_fail(bus, TACHYON_ERR_INVALID_ARG);
    slot = tachyon_acquire_tx_until(bus, size, deadline_ns);
    if (!slot)
        return bus->last_error;
    if (size)
        memcpy(slot, data, size);
    return tachyon_commit_tx(bus, size, type_id);
}

tachyon_error_t tachyon_send_blocking(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id,
                                      int64_t timeout_ns)
{
    /* Room first: a send that finds room never reads the clock. */
    tachyon_error_t err = tachyon_send(bus, data, size, type_id);

    if (err != TACHYON_ERR_FULL)
        return err;
    return tachyon_send_until(bus, data, size, type_id,
                              timeout_ns < 0 ? TACHYON_FOREVER : ti_deadline_after(timeout_ns));
}

/* ---- Consumer ------------------------------------------------------------ */

/* 1 if the producer is gone; then the unpublished frames it committed are
 * made readable, and the acquire that follows delivers them, then PEER_GONE. */
static int ti_rx_check_peer(tachyon_bus_t *bus)
{
    if (!ti_peer_dead(bus))
        return 0;
    ti_recover_unpublished(bus);
    return 1;
}

/* Spins at most `spin` iterations (the first TI_RX_PURE_SPIN without a
 * pause) for the tail to move. Every 4096
 * iterations it looks at the clock, so that a long spin still honours the
 * deadline and checks the peer once per watchdog period. Returns 1 when there
 * may be something to read. */
static int ti_rx_spin(tachyon_bus_t *bus, uint32_t spin, int64_t deadline, int64_t *last_check)
{
    struct ti_shared *shm = bus->shm;
    /* Poll the next frame's line as well as the tail: the two loads are
     * independent, so when the producer publishes, the frame is (usually)
     * already in our cache by the time acquire_rx reads it, instead of
     * costing a second cache miss after the tail's. The value is only a
     * hint; acquire_rx validates as always. */
    const uint64_t *stamp = (const uint64_t *)(bus->ring + (bus->limit & bus->mask) + 8);

    for (uint32_t i = 0; i < spin; i++) {
        if (i >= TI_RX_PURE_SPIN)
            ti_cpu_relax();
        else
            __asm__ __volatile__("" ::: "memory");
        (void)ti_load_relaxed(stamp);
        if (ti_load_relaxed(&shm->tail) != bus->limit) {
            /* Take the new tail now (validated as acquire_rx would), so
             * the acquire that follows finds the frame below its limit and
             * takes the fast path: fewer instructions between the line's
             * arrival and the message in hand. Pairs with the producer's
             * seq_cst exchange of tail, as ti_refresh_tail's load does. */
            ti_rx_accept_tail(bus, ti_load_acquire(&shm->tail));
            return 1;
        }
        if ((i & 4095) == 4095) {
            int64_t now = ti_now_ns();
            if (now >= deadline)
                return 0;
            if (now - *last_check >= TACHYON_WATCHDOG_NS) {
                *last_check = now;
                if (ti_rx_check_peer(bus))
                    return 1;
            }
        }
    }
    return ti_load_relaxed(&shm->tail) != bus->limit;
}

/* Waits until a read may find something: spin, then sleep on data_seq.
 * `deadline` is internal (INT64_MAX: none). Returns OK when the caller should
 * try to read again, or the error to report (TIMEOUT, INTERRUPTED, SYSTEM);
 * the first call of a wait passes *started = 0. */
static tachyon_error_t ti_rx_wait(tachyon_bus_t *bus, uint32_t spin_threshold, int64_t deadline, int64_t *last_check)
{
    struct ti_shared *shm = bus->shm;
    uint32_t seq;
    int64_t now;
    int r;

    if (ti_rx_spin(bus, spin_threshold, deadline, last_check))
        return TACHYON_OK;
    if (TI_UNLIKELY(bus->wake_suspect))
        ti_judge_wake(bus, &shm->consumer_sleeping, TI_SLEEP_FUTEX, ti_load_seqcst(&shm->tail));
    /* Acquire: pairs with the producer's release increment of data_seq
     * (and tachyon_bus_interrupt's). */
    seq = ti_load_acquire(&shm->data_seq);
    if (ti_take_interrupt(bus))
        return TACHYON_ERR_INTERRUPTED;
    /* RMWs on the flag: an event loop's TI_SLEEP_FD bit stays as it is. */
    __atomic_fetch_or(&shm->consumer_sleeping, TI_SLEEP_FUTEX, __ATOMIC_SEQ_CST);
    if (ti_load_seqcst(&shm->tail) != bus->limit || ti_load_seqcst(&shm->producer_state) == TI_SIDE_CLOSED) {
        __atomic_fetch_and(&shm->consumer_sleeping, ~TI_SLEEP_FUTEX, __ATOMIC_RELAXED);
        return TACHYON_OK;
    }
    now = ti_now_ns();
    if (now >= deadline) {
        __atomic_fetch_and(&shm->consumer_sleeping, ~TI_SLEEP_FUTEX, __ATOMIC_RELAXED);
        return TACHYON_ERR_TIMEOUT;
    }
    r = ti_futex_wait(&shm->data_seq, seq, ti_sleep_for(deadline, now));
    bus->stats.sleeps++;
    if (r == ETIMEDOUT) {
        uint64_t tail = ti_load_seqcst(&shm->tail);
        ti_after_timeout(bus, &shm->consumer_sleeping, TI_SLEEP_FUTEX, tail != bus->limit, tail);
    } else {
        __atomic_fetch_and(&shm->consumer_sleeping, ~TI_SLEEP_FUTEX, __ATOMIC_RELAXED);
    }
    if (ti_wait_interrupted(r))
        return TACHYON_ERR_INTERRUPTED;
    if (r == EINTR)
        return TACHYON_OK; /* the interrupt check let the wait go on: read again */
    if (r == ETIMEDOUT) {
        *last_check = ti_now_ns();
        ti_rx_check_peer(bus);
    } else if (r != 0) {
        bus->last_errno = r;
        return TACHYON_ERR_SYSTEM;
    }
    return TACHYON_OK;
}

const void *tachyon_acquire_rx_until(tachyon_bus_t *bus, uint32_t *type_id, size_t *size, uint32_t spin_threshold,
                                     int64_t deadline_ns)
{
    int64_t deadline = ti_deadline_norm(deadline_ns), last_check = 0;
    int waited = 0;

    if (!bus)
        return NULL;
    for (;;) {
        const void *msg = tachyon_acquire_rx(bus, type_id, size);
        tachyon_error_t err;

        if (msg || bus->last_error != TACHYON_ERR_EMPTY)
            return msg;
        if (!waited) { /* first miss: only now is the clock worth reading */
            last_check = ti_now_ns();
            waited = 1;
        }
        err = ti_rx_wait(bus, spin_threshold, deadline, &last_check);
        if (err != TACHYON_OK)
            return ti_fail_ptr(bus, err);
    }
}

const void *tachyon_acquire_rx_timeout(tachyon_bus_t *bus, uint32_t *type_id, size_t *size, uint32_t spin_threshold,
                                       int64_t timeout_ns)
{
    /* The deadline is taken at the call, not at the first miss: a message
     * that is there is returned without reading the clock either way. */
    if (!bus)
        return NULL;
    if (timeout_ns < 0)
        return tachyon_acquire_rx_until(bus, type_id, size, spin_threshold, TACHYON_FOREVER);
    {
        const void *msg = tachyon_acquire_rx(bus, type_id, size);
        if (msg || bus->last_error != TACHYON_ERR_EMPTY)
            return msg;
    }
    return tachyon_acquire_rx_until(bus, type_id, size, spin_threshold, ti_deadline_after(timeout_ns));
}

const void *tachyon_acquire_rx_blocking(tachyon_bus_t *bus, uint32_t *type_id, size_t *size,
                                        uint32_t spin_threshold)
{
    return tachyon_acquire_rx_until(bus, type_id, size, spin_threshold, TACHYON_FOREVER);
}

size_t tachyon_drain_batch_until(tachyon_bus_t *bus, tachyon_msg_t *msgs, size_t max, uint32_t spin_threshold,
                                 int64_t deadline_ns)
{
    int64_t deadline = ti_deadline_norm(deadline_ns), last_check = 0;
    int waited = 0;

    if (!bus)
        return 0;
    for (;;) {
        size_t n = tachyon_drain_batch(bus, msgs, max);
        tachyon_error_t err;

        if (n || bus->last_error != TACHYON_ERR_EMPTY)
            return n;
        if (!waited) {
            last_check = ti_now_ns();
            waited = 1;
        }
        err = ti_rx_wait(bus, spin_threshold, deadline, &last_check);
        if (err != TACHYON_OK) {
            bus->last_error = err;
            return 0;
        }
    }
}
