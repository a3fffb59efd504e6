/*
 * shm.c - the shared segment: memfd creation and sealing, mapping, writing
 * and validating the 4096-byte header, and allocating the private bus struct.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#ifndef F_SEAL_SEAL
#error "memfd sealing (F_ADD_SEALS) is required"
#endif

#define TI_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

void ti_header_init(struct ti_shared *shm, uint64_t capacity, uint64_t schema_fp)
{
    memset(shm, 0, sizeof(*shm));
    shm->magic = TI_SEG_MAGIC;
    shm->abi_version = TACHYON_ABI_VERSION;
    shm->byte_order = TI_BYTE_ORDER_MARK;
    shm->header_size = TI_HEADER_SIZE;
    shm->frame_align = TACHYON_FRAME_ALIGN;
    shm->capacity = capacity;
    shm->max_message = ti_max_message(capacity);
    shm->schema_fp = schema_fp;
}

/* Validates a header written by someone else against what this side expects.
 * `capacity` is the value learned out of band (WELCOME, or the header itself
 * for an arena after its own range check). Each field is read once. */
tachyon_error_t ti_header_check(const struct ti_shared *shm, uint64_t capacity, uint64_t schema_fp)
{
    const volatile struct ti_shared *v = shm;
    uint64_t magic = v->magic;
    uint32_t version = v->abi_version;
    uint32_t order = v->byte_order;
    uint32_t header_size = v->header_size;
    uint32_t align = v->frame_align;
    uint64_t cap = v->capacity;
    uint64_t max_message = v->max_message;
    uint64_t fp = v->schema_fp;

    if (magic != TI_SEG_MAGIC || version != TACHYON_ABI_VERSION)
        return TACHYON_ERR_ABI_MISMATCH;
    if (order != TI_BYTE_ORDER_MARK)
        return TACHYON_ERR_BYTE_ORDER;
    if (header_size != TI_HEADER_SIZE || align != TACHYON_FRAME_ALIGN)
        return TACHYON_ERR_ALIGNMENT;
    if (!ti_capacity_valid(cap) || cap != capacity || max_message != ti_max_message(cap))
        return TACHYON_ERR_CAPACITY;
    if (fp != schema_fp)
        return TACHYON_ERR_SCHEMA_MISMATCH;
    return TACHYON_OK;
}

/* A failed memfd_create, ftruncate or mmap: out of memory (or of fds, or of
 * address space), or an unexpected failure; the errno is noted either way. */
static tachyon_error_t ti_mem_errno(int e)
{
    if (e == ENOMEM || e == EMFILE || e == ENFILE || e == EFBIG || e == EAGAIN)
        return ti_os_fail(TACHYON_ERR_NO_MEMORY, e);
    return ti_os_fail(TACHYON_ERR_SYSTEM, e);
}

tachyon_error_t ti_segment_create(uint64_t capacity, uint64_t schema_fp, unsigned nrings, int *fd_out)
{
    tachyon_error_t err;
    void *base = MAP_FAILED;
    uint64_t part = TI_HEADER_SIZE + capacity;
    int fd = memfd_create("tachyon", MFD_CLOEXEC | MFD_ALLOW_SEALING);

    if (fd < 0)
        return ti_mem_errno(errno);
    if (ftruncate(fd, (off_t)(part * nrings)) != 0) {
        err = ti_mem_errno(errno);
        goto fail;
    }
    /* Only the header pages are written here; each ring stays untouched (and
     * zero) until its producer writes it. A duplex segment (RPC) is two
     * ordinary segments back to back, one per direction. */
    for (unsigned i = 0; i < nrings; i++) {
        base = mmap(NULL, TI_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)(part * i));
        if (base == MAP_FAILED) {
            err = ti_mem_errno(errno);
            goto fail;
        }
        ti_header_init(base, capacity, schema_fp);
        munmap(base, TI_HEADER_SIZE);
    }
    if (fcntl(fd, F_ADD_SEALS, TI_SEALS) != 0) {
        err = ti_os_fail(TACHYON_ERR_SYSTEM, errno);
        goto fail;
    }
    *fd_out = fd;
    return TACHYON_OK;
fail:
    close(fd);
    return err;
}

/* Checks that a received fd is a memfd-like regular file of the size the
 * WELCOME announced and carries the seals, so the creator can neither shrink
 * it under us (SIGBUS) nor grow it. Anything that is not a regular file (a
 * pipe, a socket, a directory) is a broken handshake, not a capacity error. */
tachyon_error_t ti_segment_verify_fd(int fd, uint64_t capacity, unsigned nrings)
{
    struct stat st;
    int seals;

    if (fstat(fd, &st) != 0)
        return ti_os_fail(TACHYON_ERR_SYSTEM, errno);
    if (!S_ISREG(st.st_mode))
        return TACHYON_ERR_HANDSHAKE;
    if (st.st_size < 0 || (uint64_t)st.st_size != (TI_HEADER_SIZE + capacity) * nrings)
        return TACHYON_ERR_CAPACITY;
    seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0)
        return ti_os_fail(TACHYON_ERR_HANDSHAKE, errno);
    if ((seals & TI_SEALS) != TI_SEALS)
        return TACHYON_ERR_HANDSHAKE;
    return TACHYON_OK;
}

/* Maps the whole segment: NO_MEMORY when the system has no room for it,
 * SYSTEM when the fd cannot be mapped at all (the caller decides whose fault
 * that is). */
tachyon_error_t ti_segment_map(int fd, uint64_t capacity, unsigned nrings, void **base_out)
{
    void *base = mmap(NULL, (TI_HEADER_SIZE + capacity) * nrings, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);

    if (base == MAP_FAILED)
        return ti_mem_errno(errno);
    *base_out = base;
    return TACHYON_OK;
}

tachyon_bus_t *ti_bus_new(void *base, size_t map_len, uint64_t capacity, int role, uint64_t schema_fp)
{
    tachyon_bus_t *bus = aligned_alloc(TI_LINE, sizeof(*bus));

    if (!bus)
        return NULL;
    memset(bus, 0, sizeof(*bus));
    bus->shm = base;
    bus->ring = (uint8_t *)base + TI_HEADER_SIZE;
    bus->capacity = capacity;
    bus->mask = capacity - 1;
    bus->max_message = ti_max_message(capacity);
    bus->role = role;
    /* tachyon_bus_hot_t's invariants (tachyon.h): a consumer has no room to
     * write (so an inline send on it goes out of line, to STATE); a producer's
     * rpos == limit (0) already sends an inline receive there. */
    if (role == TACHYON_ROLE_CONSUMER)
        bus->cached_head = bus->wpos - capacity;
    bus->last_error = TACHYON_OK;
    bus->pidfd = -1;
    bus->map_base = base;
    bus->map_len = map_len;
    bus->schema_fp = schema_fp;
    bus->wake_efd = -1;
    return bus;
}

void ti_bus_free(tachyon_bus_t *bus)
{
    if (!bus)
        return;
    if (!bus->is_arena && bus->map_base)
        munmap(bus->map_base, bus->map_len);
    if (bus->pidfd >= 0)
        close(bus->pidfd);
    if (bus->wake_efd >= 0)
        close(bus->wake_efd);
    if (bus->bell_map)
        munmap(bus->bell_map, TI_BELL_SIZE);
    free(bus);
}

/* ---- The fan-in bell -------------------------------------------------------- */

tachyon_error_t ti_bell_create(int *fd_out, struct ti_bell **map_out)
{
    tachyon_error_t err;
    struct ti_bell *bell;
    int fd = memfd_create("tachyon-bell", MFD_CLOEXEC | MFD_ALLOW_SEALING);

    if (fd < 0)
        return ti_mem_errno(errno);
    if (ftruncate(fd, TI_BELL_SIZE) != 0) {
        err = ti_mem_errno(errno);
        goto fail;
    }
    bell = mmap(NULL, TI_BELL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (bell == MAP_FAILED) {
        err = ti_mem_errno(errno);
        goto fail;
    }
    bell->magic = TI_BELL_MAGIC;
    bell->abi_version = TACHYON_ABI_VERSION;
    bell->byte_order = TI_BYTE_ORDER_MARK;
    bell->size = TI_BELL_SIZE;
    if (fcntl(fd, F_ADD_SEALS, TI_SEALS) != 0) {
        err = ti_os_fail(TACHYON_ERR_SYSTEM, errno);
        munmap(bell, TI_BELL_SIZE);
        goto fail;
    }
    *fd_out = fd;
    *map_out = bell;
    return TACHYON_OK;
fail:
    close(fd);
    return err;
}

/* A producer's check of the bell a listener sent: a sealed memfd of exactly
 * 4096 bytes whose identity line matches. Only `ring` is used afterwards, as
 * an opaque futex word: whatever a hostile peer writes there costs at most a
 * spurious wake. */
tachyon_error_t ti_bell_attach(int fd, struct ti_bell **map_out)
{
    const volatile struct ti_bell *v;
    struct stat st;
    tachyon_error_t err = TACHYON_OK;
    void *map;
    int seals;

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != TI_BELL_SIZE)
        return TACHYON_ERR_HANDSHAKE;
    seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & TI_SEALS) != TI_SEALS)
        return TACHYON_ERR_HANDSHAKE;
    map = mmap(NULL, TI_BELL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return TACHYON_ERR_HANDSHAKE;
    v = map;
    if (v->magic != TI_BELL_MAGIC || v->abi_version != TACHYON_ABI_VERSION)
        err = TACHYON_ERR_ABI_MISMATCH;
    else if (v->byte_order != TI_BYTE_ORDER_MARK)
        err = TACHYON_ERR_BYTE_ORDER;
    else if (v->size != TI_BELL_SIZE)
        err = TACHYON_ERR_CORRUPT;
    if (err != TACHYON_OK) {
        munmap(map, TI_BELL_SIZE);
        return err;
    }
    *map_out = map;
    return TACHYON_OK;
}
