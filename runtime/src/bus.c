/*
 * bus.c - closing a bus and the queries about it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include <limits.h>
#include <string.h>

#include "internal.h"

void tachyon_bus_destroy(tachyon_bus_t *bus)
{
    struct ti_shared *shm;

    if (!bus)
        return;
    shm = bus->shm;
    if (bus->role == TACHYON_ROLE_PRODUCER) {
        bus->reserving = 0;
        ti_publish(bus);
        /* seq_cst after the final tail store: a consumer that sees CLOSED
         * (acquire) then loads the final tail. */
        ti_store_seqcst(&shm->producer_state, TI_SIDE_CLOSED);
        __atomic_fetch_add(&shm->data_seq, 1, __ATOMIC_RELEASE);
        ti_futex_wake(&shm->data_seq);
        /* The end of the stream is something to read: a fan-in consumer
         * sleeps on its bell, an event loop waits for its readiness fd. */
        if (bus->bell) {
            __atomic_fetch_add(bus->bell, 1, __ATOMIC_RELEASE);
            ti_futex_wake(bus->bell);
        }
        if ((__atomic_exchange_n(&shm->consumer_sleeping, 0, __ATOMIC_SEQ_CST) & TI_SLEEP_FD) && bus->wake_efd >= 0)
            ti_wake_fd_signal(bus->wake_efd);
    } else {
        ti_store_seqcst(&shm->consumer_state, TI_SIDE_CLOSED);
        __atomic_fetch_add(&shm->space_seq, 1, __ATOMIC_RELEASE);
        ti_futex_wake(&shm->space_seq);
    }
    ti_bus_free(bus);
}

void tachyon_bus_interrupt(tachyon_bus_t *bus)
{
    uint32_t *seq;

    if (!bus)
        return;
    /* Flag first, then move the word the waiter sleeps on: a waiter that
     * read the word before this increment fails or leaves its FUTEX_WAIT,
     * and one that read it after also sees the flag (it checks the flag
     * after loading the word). Only this side ever sleeps on that word. */
    __atomic_store_n(&bus->interrupt, 1, __ATOMIC_SEQ_CST);
    seq = bus->role == TACHYON_ROLE_PRODUCER ? &bus->shm->space_seq : &bus->shm->data_seq;
    __atomic_fetch_add(seq, 1, __ATOMIC_RELEASE);
    ti_futex_wake(seq);
}

/* Takes a pending tachyon_bus_interrupt: 1 if there was one. */
int ti_take_interrupt(tachyon_bus_t *bus)
{
    return __atomic_load_n(&bus->interrupt, __ATOMIC_RELAXED) && __atomic_exchange_n(&bus->interrupt, 0, __ATOMIC_ACQ_REL);
}

tachyon_error_t tachyon_last_error(const tachyon_bus_t *bus)
{
    return bus ? bus->last_error : TACHYON_ERR_INVALID_ARG;
}

tachyon_error_t tachyon_last_error_detail(const tachyon_bus_t *bus, tachyon_error_detail_t *out)
{
    tachyon_error_t err = bus ? bus->last_error : TACHYON_ERR_INVALID_ARG;

    if (out) {
        memset(out, 0, sizeof(*out));
        out->code = (int32_t)err;
        if (bus && err == TACHYON_ERR_SYSTEM)
            out->os_errno = bus->last_errno;
        if (bus && err == TACHYON_ERR_TOO_LARGE) {
            out->size = bus->last_size;
            out->limit = bus->max_message;
        }
    }
    return err;
}

tachyon_role_t tachyon_bus_role(const tachyon_bus_t *bus)
{
    return bus ? (tachyon_role_t)bus->role : TACHYON_ROLE_CONSUMER;
}

size_t tachyon_capacity(const tachyon_bus_t *bus)
{
    return bus ? (size_t)bus->capacity : 0;
}

size_t tachyon_max_message_size(const tachyon_bus_t *bus)
{
    return bus ? (size_t)bus->max_message : 0;
}

uint64_t tachyon_schema_fingerprint(const tachyon_bus_t *bus)
{
    return bus ? bus->schema_fp : 0;
}

int tachyon_peer_alive(tachyon_bus_t *bus)
{
    uint32_t state;

    if (!bus)
        return 0;
    state = bus->role == TACHYON_ROLE_PRODUCER ? ti_load_acquire(&bus->shm->consumer_state)
                                               : ti_load_acquire(&bus->shm->producer_state);
    if (state != TI_SIDE_ATTACHED || bus->peer_dead)
        return 0;
    if (bus->is_arena)
        return 1;
    if (ti_peer_dead(bus)) {
        if (bus->role == TACHYON_ROLE_CONSUMER)
            ti_recover_unpublished(bus);
        bus->peer_dead = 1;
        return 0;
    }
    return 1;
}

tachyon_error_t tachyon_get_stats(const tachyon_bus_t *bus, tachyon_stats_t *out)
{
    if (!bus || !out)
        return TACHYON_ERR_INVALID_ARG;
    memcpy(out, &bus->stats, sizeof(*out));
    return TACHYON_OK;
}
