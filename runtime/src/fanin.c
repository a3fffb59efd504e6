/*
 * fanin.c - many producers, one consumer. Each producer connects with the
 * ordinary bus handshake and gets a ring of its own (no contention between
 * producers, and a producer's crash can only lose its own uncommitted
 * frames). A listener thread accepts them into a table of
 * TACHYON_MAX_MEMBERS members; the consumer reads the members round-robin and
 * sleeps in one futex_waitv over their wake words and the table's own.
 *
 * The table: `present` has a bit per occupied slot. The listener thread
 * fills a free slot, then sets its bit (release); the consumer thread alone
 * clears a bit and frees the slot's bus, under `lock`, which a wait-set's
 * notifier thread also takes while it looks at the members.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

#define TI_FI_SPIN 8192u /* pause iterations before a sleep */

struct ti_fi_member {
    tachyon_bus_t *bus;
    uint64_t id;
    uint32_t pid;
};

struct tachyon_fanin {
    struct ti_fi_member m[TACHYON_MAX_MEMBERS];
    uint64_t present;    /* bit i: m[i] holds a producer */
    uint32_t change_seq; /* bumped (and woken) when a producer joins, and by tachyon_fanin_interrupt */
    int interrupt;       /* set by tachyon_fanin_interrupt from any thread; taken by a wait */
    unsigned cursor;     /* the next slot to look at first */
    int held;            /* slot of the held message, -1 if none */
    tachyon_error_t last_error;
    uint64_t next_id;
    uint64_t capacity;
    tachyon_options_t opts;
    pthread_mutex_t lock;
    pthread_t thread;
    int thread_started;
    int lfd, stop_pipe[2];
    struct ti_addr addr;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};

/* ---- The listener thread ---------------------------------------------------- */

static int ti_fi_free_slot(tachyon_fanin_t *fi)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if (!(present & (1ull << i)))
            return (int)i;
    return -1;
}

static void *ti_fi_listener(void *arg)
{
    tachyon_fanin_t *fi = arg;

    for (;;) {
        struct pollfd pfd[2] = {{.fd = fi->lfd, .events = POLLIN}, {.fd = fi->stop_pipe[0], .events = POLLIN}};
        tachyon_bus_t *bus = NULL;
        int cfd, drop, slot;

        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[1].revents)
            break;
        cfd = accept4(fi->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
            continue;
        slot = ti_fi_free_slot(fi);
        if (slot >= 0 &&
            ti_serve(cfd, fi->capacity, &fi->opts, ti_now_ns() + 2000000000ll, &drop, &bus) == TACHYON_OK && bus) {
            pthread_mutex_lock(&fi->lock);
            fi->m[slot].bus = bus;
            fi->m[slot].id = ++fi->next_id;
            fi->m[slot].pid = (uint32_t)bus->peer_pid;
            /* Release: the consumer's acquire load of `present` sees the member. */
            __atomic_fetch_or(&fi->present, 1ull << slot, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&fi->lock);
            __atomic_fetch_add(&fi->change_seq, 1, __ATOMIC_SEQ_CST);
            ti_futex_wake_all(&fi->change_seq);
        }
        close(cfd);
    }
    return NULL;
}

/* ---- Lifecycle ----------------------------------------------------------------- */

tachyon_error_t tachyon_fanin_listen(const char *path, size_t capacity, const tachyon_options_t *opts,
                                     tachyon_fanin_t **out)
{
    tachyon_fanin_t *fi;
    tachyon_error_t err;

    if (!out)
        return TACHYON_ERR_INVALID_ARG;
    *out = NULL;
    if (!ti_capacity_valid(capacity))
        return TACHYON_ERR_CAPACITY;
    fi = calloc(1, sizeof(*fi));
    if (!fi)
        return TACHYON_ERR_NO_MEMORY;
    fi->lfd = fi->stop_pipe[0] = fi->stop_pipe[1] = -1;
    fi->held = -1;
    fi->capacity = capacity;
    if (opts)
        fi->opts = *opts;
    pthread_mutex_init(&fi->lock, NULL);
    err = ti_addr_parse(path, &fi->addr);
    if (err != TACHYON_OK)
        goto fail;
    snprintf(fi->path, sizeof(fi->path), "%s", path);
    fi->addr.path = fi->addr.abstract ? NULL : fi->path;
    err = ti_bind_listener(&fi->addr, &fi->lfd);
    if (err != TACHYON_OK)
        goto fail;
    if (pipe2(fi->stop_pipe, O_CLOEXEC) != 0) {
        err = ti_os_fail(TACHYON_ERR_SYSTEM, errno);
        goto fail;
    }
    if (pthread_create(&fi->thread, NULL, ti_fi_listener, fi) != 0) {
        err = TACHYON_ERR_NO_MEMORY;
        goto fail;
    }
    fi->thread_started = 1;
    *out = fi;
    return TACHYON_OK;
fail:
    tachyon_fanin_destroy(fi);
    return err;
}

/* The consumer thread lets go of member `i` (its producer left, or broke). */
static void ti_fi_remove(tachyon_fanin_t *fi, unsigned i)
{
    tachyon_bus_t *bus;

    pthread_mutex_lock(&fi->lock);
    bus = fi->m[i].bus;
    fi->m[i].bus = NULL;
    __atomic_fetch_and(&fi->present, ~(1ull << i), __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&fi->lock);
    tachyon_bus_destroy(bus);
}

void tachyon_fanin_destroy(tachyon_fanin_t *fi)
{
    if (!fi)
        return;
    if (fi->thread_started) {
        (void)!write(fi->stop_pipe[1], "x", 1);
        pthread_join(fi->thread, NULL);
    }
    if (fi->lfd >= 0) {
        close(fi->lfd);
        if (!fi->addr.abstract)
            unlink(fi->path);
    }
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if (fi->present & (1ull << i))
            ti_fi_remove(fi, i);
    if (fi->stop_pipe[0] >= 0)
        close(fi->stop_pipe[0]);
    if (fi->stop_pipe[1] >= 0)
        close(fi->stop_pipe[1]);
    pthread_mutex_destroy(&fi->lock);
    free(fi);
}

/* ---- Receiving ----------------------------------------------------------------- */

const void *tachyon_fanin_acquire_rx(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size, tachyon_sender_t *from)
{
    uint64_t present;

    if (TI_UNLIKELY(!fi))
        return NULL;
    if (TI_UNLIKELY(fi->held >= 0)) {
        fi->last_error = TACHYON_ERR_STATE;
        return NULL;
    }
    /* Acquire: pairs with the listener's fetch_or; the member's fields were
     * written before it. */
    present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);
    /* Visit the members from the cursor on, in slot order, one bit scan per
     * member (not per slot): the mask rotated so the cursor is bit 0. */
    unsigned c = fi->cursor & (TACHYON_MAX_MEMBERS - 1);
    uint64_t todo = c ? (present >> c) | (present << (TACHYON_MAX_MEMBERS - c)) : present;
    while (todo) {
        unsigned i = (c + (unsigned)__builtin_ctzll(todo)) & (TACHYON_MAX_MEMBERS - 1);
        tachyon_bus_t *bus;
        const void *msg;

        todo &= todo - 1;
        bus = fi->m[i].bus;
        msg = tachyon_acquire_rx(bus, type_id, size);
        if (msg) {
            fi->held = (int)i;
            /* Round-robin: the next call starts after this producer, so a
             * busy producer cannot starve the others. */
            fi->cursor = i + 1;
            if (from) {
                from->id = fi->m[i].id;
                from->pid = fi->m[i].pid;
                from->slot = i;
            }
            return msg;
        }
        if (bus->last_error != TACHYON_ERR_EMPTY) {
            /* PEER_GONE: everything it committed was delivered. CORRUPT or
             * anything else: that ring cannot be trusted; drop it. */
            ti_fi_remove(fi, i);
        }
    }
    fi->last_error = TACHYON_ERR_EMPTY;
    return NULL;
}

tachyon_error_t tachyon_fanin_commit_rx(tachyon_fanin_t *fi)
{
    tachyon_error_t err;

    if (!fi)
        return TACHYON_ERR_INVALID_ARG;
    if (fi->held < 0)
        return fi->last_error = TACHYON_ERR_STATE;
    err = tachyon_commit_rx(fi->m[fi->held].bus);
    fi->held = -1;
    return err == TACHYON_OK ? err : (fi->last_error = err);
}

/* ---- Sleeping (shared with waitset.c) ----------------------------------------- */

/* Something to read from a member. `owner`: called on the consumer's thread,
 * which may also look at what only it writes (a producer found dead). */
int ti_fanin_ready(tachyon_fanin_t *fi, int owner)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if ((present & (1ull << i)) && (ti_bus_ready(fi->m[i].bus) || (owner && fi->m[i].bus->peer_dead)))
            return 1;
    return 0;
}

/* A notifier thread's check: a member's producer process is gone. */
int ti_fanin_pidfds_dead(tachyon_fanin_t *fi)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if ((present & (1ull << i)) && ti_bus_pidfd_dead(fi->m[i].bus))
            return 1;
    return 0;
}

/* Adds the fan-in's wake words (its table's, then each member's) to words[]
 * from *n, at most `cap` in all, and announces the sleep on each member. */
void ti_fanin_arm(tachyon_fanin_t *fi, uint32_t **words, uint32_t *seqs, unsigned *n, unsigned cap)
{
    uint64_t present;

    if (*n < cap) {
        seqs[*n] = __atomic_load_n(&fi->change_seq, __ATOMIC_SEQ_CST);
        words[(*n)++] = &fi->change_seq;
    }
    present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS && *n < cap; i++) {
        if (!(present & (1ull << i)))
            continue;
        words[*n] = ti_bus_arm(fi->m[i].bus, &seqs[*n]);
        (*n)++;
    }
}

void ti_fanin_disarm(tachyon_fanin_t *fi)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if (present & (1ull << i))
            ti_bus_disarm(fi->m[i].bus);
}

/* After a watchdog period asleep: a producer that died with committed but
 * unpublished frames has them made readable (the next acquire delivers them,
 * then drops the member). */
void ti_fanin_check_peers(tachyon_fanin_t *fi)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if (present & (1ull << i))
            ti_bus_check_peer(fi->m[i].bus);
}

const void *tachyon_fanin_acquire_rx_until(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size,
                                           tachyon_sender_t *from, int64_t deadline_ns)
{
    int64_t deadline = ti_deadline_norm(deadline_ns);

    if (!fi)
        return NULL;
    for (unsigned spins = 0;; spins++) {
        const void *msg = tachyon_fanin_acquire_rx(fi, type_id, size, from);
        uint32_t *words[TACHYON_MAX_MEMBERS + 1];
        uint32_t seqs[TACHYON_MAX_MEMBERS + 1];
        unsigned n = 0;
        int64_t now;
        int r;

        if (msg || fi->last_error != TACHYON_ERR_EMPTY)
            return msg;
        if (spins < TI_FI_SPIN / 16) {
            /* Spin on the tails (one load per producer), not on whole acquires. */
            for (unsigned i = 0; i < 16 && !ti_fanin_ready(fi, 0); i++)
                ti_cpu_relax();
            continue;
        }
        ti_fanin_arm(fi, words, seqs, &n, TACHYON_MAX_MEMBERS + 1);
        /* After arming loaded change_seq: pairs with tachyon_fanin_interrupt. */
        if (__atomic_load_n(&fi->interrupt, __ATOMIC_SEQ_CST) &&
            __atomic_exchange_n(&fi->interrupt, 0, __ATOMIC_ACQ_REL)) {
            ti_fanin_disarm(fi);
            fi->last_error = TACHYON_ERR_INTERRUPTED;
            return NULL;
        }
        if (ti_fanin_ready(fi, 1)) {
            ti_fanin_disarm(fi);
            continue;
        }
        now = ti_now_ns();
        if (now >= deadline) {
            ti_fanin_disarm(fi);
            fi->last_error = TACHYON_ERR_TIMEOUT;
            return NULL;
        }
        r = ti_futex_waitv(words, seqs, n,
                           deadline - now < TACHYON_WATCHDOG_NS ? deadline - now : TACHYON_WATCHDOG_NS);
        ti_fanin_disarm(fi);
        if (ti_wait_interrupted(r)) {
            fi->last_error = TACHYON_ERR_INTERRUPTED;
            return NULL;
        }
        if (r == ETIMEDOUT)
            ti_fanin_check_peers(fi);
        else if (r != 0 && r != EINTR) { /* EINTR: the interrupt check let the wait go on */
            fi->last_error = TACHYON_ERR_SYSTEM;
            return NULL;
        }
    }
}

void tachyon_fanin_interrupt(tachyon_fanin_t *fi)
{
    if (!fi)
        return;
    /* Flag first, then move change_seq, which every wait of this fan-in
     * sleeps on: a waiter that loaded it before this sees it changed. */
    __atomic_store_n(&fi->interrupt, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&fi->change_seq, 1, __ATOMIC_SEQ_CST);
    ti_futex_wake_all(&fi->change_seq);
}

size_t tachyon_fanin_producers(tachyon_fanin_t *fi)
{
    return fi ? (size_t)__builtin_popcountll(__atomic_load_n(&fi->present, __ATOMIC_ACQUIRE)) : 0;
}

tachyon_error_t tachyon_fanin_last_error(const tachyon_fanin_t *fi)
{
    return fi ? fi->last_error : TACHYON_ERR_INVALID_ARG;
}

/* A notifier thread holds this while it looks at the members, so that the
 * consumer cannot free one under it. */
void ti_fanin_lock(tachyon_fanin_t *fi, int on)
{
    if (on)
        pthread_mutex_lock(&fi->lock);
    else
        pthread_mutex_unlock(&fi->lock);
}
