/*
 * arena.c - a ring over caller memory, both sides in one process: the same
 * header as a shared segment, validated the same way, without the socket, the
 * memfd or a peer pid (liveness is the state words alone).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include <stdint.h>
#include <string.h>

#include "internal.h"

size_t tachyon_arena_size(size_t capacity)
{
    if (!ti_capacity_valid(capacity))
        return 0;
    return TI_HEADER_SIZE + capacity;
}

tachyon_error_t tachyon_arena_format(void *mem, size_t len, size_t capacity, uint64_t schema_fingerprint)
{
    if (!mem || ((uintptr_t)mem & (TACHYON_FRAME_ALIGN - 1)) != 0)
        return TACHYON_ERR_INVALID_ARG;
    if (!ti_capacity_valid(capacity))
        return TACHYON_ERR_CAPACITY;
    if (len < TI_HEADER_SIZE + capacity)
        return TACHYON_ERR_INVALID_ARG;
    ti_header_init(mem, capacity, schema_fingerprint);
    /* Zeroed, like a fresh memfd: no byte of old memory can pass for a stamp. */
    memset((uint8_t *)mem + TI_HEADER_SIZE, 0, capacity);
    return TACHYON_OK;
}

tachyon_error_t tachyon_arena_attach(void *mem, size_t len, tachyon_role_t role, tachyon_bus_t **out)
{
    struct ti_shared *shm = mem;
    uint32_t *state;
    tachyon_bus_t *bus;
    uint64_t capacity, fp, head, tail;
    tachyon_error_t err;

    if (!out)
        return TACHYON_ERR_INVALID_ARG;
    *out = NULL;
    if (!mem || ((uintptr_t)mem & (TACHYON_FRAME_ALIGN - 1)) != 0 || len < TI_HEADER_SIZE ||
        (role != TACHYON_ROLE_CONSUMER && role != TACHYON_ROLE_PRODUCER))
        return TACHYON_ERR_INVALID_ARG;
    /* Read once; from here on only these copies are used. */
    capacity = ((volatile struct ti_shared *)shm)->capacity;
    fp = ((volatile struct ti_shared *)shm)->schema_fp;
    err = ti_header_check(shm, capacity, fp);
    if (err != TACHYON_OK)
        return err;
    if (len - TI_HEADER_SIZE < capacity)
        return TACHYON_ERR_CAPACITY;
    head = ti_load_acquire(&shm->head);
    tail = ti_load_acquire(&shm->tail);
    /* Positions are always multiples of the frame alignment. */
    if (tail < head || tail - head > capacity || ((head | tail) & (TACHYON_FRAME_ALIGN - 1)) != 0)
        return TACHYON_ERR_CORRUPT;
    state = role == TACHYON_ROLE_PRODUCER ? &shm->producer_state : &shm->consumer_state;
    if (ti_load_acquire(state) == TI_SIDE_ATTACHED)
        return TACHYON_ERR_STATE;
    bus = ti_bus_new(mem, TI_HEADER_SIZE + capacity, capacity, role, fp);
    if (!bus)
        return TACHYON_ERR_NO_MEMORY;
    bus->is_arena = 1;
    if (role == TACHYON_ROLE_PRODUCER) {
        bus->wpos = tail;
        bus->cached_head = head;
        ti_store_relaxed(&shm->producer_pid, 0);
    } else {
        bus->rpos = head;
        bus->limit = head;
        ti_store_relaxed(&shm->consumer_pid, 0);
    }
    ti_store_release(state, TI_SIDE_ATTACHED);
    *out = bus;
    return TACHYON_OK;
}
