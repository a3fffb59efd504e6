/*
 * fanin.c - many producers, one consumer. Each producer connects with the
 * ordinary bus handshake and gets a ring of its own (no contention between
 * producers, and a producer's crash can only lose its own uncommitted
 * frames). A listener thread accepts them into a table of
 * TACHYON_MAX_MEMBERS members; the consumer reads the members round-robin.
 *
 * Sleeping on one futex word: every producer gets, with its ring, the bell
 * (a 4096-byte memfd shared by the whole fan-in) and the signal end of the
 * fan-in's readiness fd.
 * The consumer raises TI_SLEEP_FUTEX in each ring's consumer_sleeping, re-checks
 * the rings and sleeps on the bell alone; a producer that finds the flag
 * raised (the check it makes on every publication anyway) rings the bell. An
 * event loop raises TI_SLEEP_FD instead and the producer signals the fd.
 * No thread sits between a producer and the consumer.
 *
 * The table: `present` has a bit per occupied slot. The listener thread
 * fills a free slot, then sets its bit (seq_cst) and rings the bell (a
 * sleeper re-arms with the newcomer); the consumer thread alone clears a bit
 * and frees the slot's bus, under `lock`.
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
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "ring_rx.h"

#define TI_FI_SPIN 8192u /* pause iterations before a sleep */

struct ti_fi_member {
    uint64_t id;
    uint32_t pid;
};

struct tachyon_fanin {
    /* First, what tachyon.h's inline receive reads as tachyon_fanin_hot_t.
     * The turn (consumer thread only): a receive looks at slot `turn_slot`
     * first, or rather at the member at or after it; `turn_bus` caches that
     * member's bus, or is NULL when not known, so the next receive tries it
     * with no table walk. A message taken from another member makes that one
     * the member in turn; the commit moves the turn to the next member present
     * after it. */
    union {
        tachyon_fanin_hot_t hot;
        struct {
            tachyon_bus_t *turn_bus;
            tachyon_bus_t *held_bus; /* the bus of the held message (its hold is TI_HOLD_ONE), NULL if none;
                                      * it is the member in turn's */
            uint32_t turn_slot;
            uint32_t hot_pad0;
            uint64_t present;                           /* bit i: members[i] holds a producer */
            tachyon_bus_t *members[TACHYON_MAX_MEMBERS]; /* valid while bit i of present is set */
        };
    };
    struct ti_fi_member m[TACHYON_MAX_MEMBERS]; /* id, pid of members[i] */
    struct ti_bell *bell; /* the consumer sleeps on bell->ring */
    int bellfd, efd_tx;   /* passed to every producer: the bell, the readiness fd's signal end */
    int efd;              /* the readiness fd's watch end */
    int wfd;              /* epoll: efd and the producers' pidfds */
    uint32_t fd_armed;    /* the owner armed the readiness fd (TI_SLEEP_FD) */
    int interrupt;        /* set by tachyon_fanin_interrupt from any thread; taken by a wait */
    tachyon_error_t last_error;
    uint64_t next_id;
    uint64_t capacity;
    tachyon_options_t opts;
    pthread_mutex_t lock;
    struct ti_acceptor acceptor;
};

#define TI_FI_HOT_SAME(field)                                                                                          \
    _Static_assert(offsetof(struct tachyon_fanin, field) == offsetof(tachyon_fanin_hot_t, field) &&                   \
                       sizeof(((struct tachyon_fanin *)0)->field) == sizeof(((tachyon_fanin_hot_t *)0)->field),       \
                   "tachyon_fanin_hot_t mirrors struct tachyon_fanin: " #field)
TI_FI_HOT_SAME(turn_bus);
TI_FI_HOT_SAME(held_bus);
TI_FI_HOT_SAME(turn_slot);
TI_FI_HOT_SAME(present);
TI_FI_HOT_SAME(members);
#undef TI_FI_HOT_SAME

/* ---- The listener thread ---------------------------------------------------- */

static int ti_fi_free_slot(tachyon_fanin_t *fi)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if (!(present & (1ull << i)))
            return (int)i;
    return -1;
}

/* The listener thread's work for one connector: serve the handshake into a
 * free slot, then publish the member. */
static void ti_fi_serve(void *owner, int cfd)
{
    tachyon_fanin_t *fi = owner;
    tachyon_bus_t *bus = NULL;
    int drop, slot = ti_fi_free_slot(fi);

    if (slot < 0 || ti_serve(cfd, fi->capacity, &fi->opts, ti_now_ns() + 2000000000ll, &drop, fi->efd_tx, fi->bellfd,
                             &bus) != TACHYON_OK || !bus)
        return;
    if (bus->pidfd >= 0) {
        /* A dead producer wakes an event loop too; closing the pidfd with the
         * bus takes it out of the epoll set. */
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
        (void)epoll_ctl(fi->wfd, EPOLL_CTL_ADD, bus->pidfd, &ev);
    }
    pthread_mutex_lock(&fi->lock);
    fi->members[slot] = bus;
    fi->m[slot].id = ++fi->next_id;
    fi->m[slot].pid = (uint32_t)bus->peer_pid;
    /* Pairs with the consumer's acquire load of `present`: it sees the
     * member's fields. seq_cst: the Dekker pair with fd_armed below. */
    __atomic_fetch_or(&fi->present, 1ull << slot, __ATOMIC_SEQ_CST);
    /* An armed event loop may have missed the newcomer (its fd_armed store
     * came before our `present` RMW, its load of `present` after): arm it for
     * the loop, then look, as the loop would. Under the lock: the consumer may
     * drop the member at once. */
    if (__atomic_load_n(&fi->fd_armed, __ATOMIC_SEQ_CST)) {
        __atomic_fetch_or(&bus->shm->consumer_sleeping, TI_SLEEP_FD, __ATOMIC_SEQ_CST);
        if (ti_bus_ready(bus))
            ti_wake_fd_signal(fi->efd_tx);
    }
    pthread_mutex_unlock(&fi->lock);
    /* A sleeper read the bell before it loaded `present`: if it missed the
     * newcomer, this bump ends its sleep and it re-arms. */
    __atomic_fetch_add(&fi->bell->ring, 1, __ATOMIC_SEQ_CST);
    ti_futex_wake(&fi->bell->ring);
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
    ti_acceptor_init(&fi->acceptor);
    fi->bellfd = fi->efd = fi->efd_tx = fi->wfd = -1;
    fi->capacity = capacity;
    if (opts)
        fi->opts = *opts;
    pthread_mutex_init(&fi->lock, NULL);
    err = ti_bell_create(&fi->bellfd, &fi->bell);
    if (err != TACHYON_OK)
        goto fail;
    err = ti_wake_pair(&fi->efd, &fi->efd_tx);
    if (err != TACHYON_OK)
        goto fail;
    fi->wfd = epoll_create1(EPOLL_CLOEXEC);
    if (fi->wfd < 0) {
        err = ti_os_fail(TACHYON_ERR_NO_MEMORY, errno);
        goto fail;
    }
    {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0};
        if (epoll_ctl(fi->wfd, EPOLL_CTL_ADD, fi->efd, &ev) != 0) {
            err = ti_os_fail(TACHYON_ERR_SYSTEM, errno);
            goto fail;
        }
    }
    err = ti_acceptor_start(&fi->acceptor, path, ti_fi_serve, fi);
    if (err != TACHYON_OK)
        goto fail;
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
    bus = fi->members[i];
    fi->members[i] = NULL;
    if (fi->turn_bus == bus)
        fi->turn_bus = NULL;
    __atomic_fetch_and(&fi->present, ~(1ull << i), __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&fi->lock);
    tachyon_bus_destroy(bus);
}

void tachyon_fanin_destroy(tachyon_fanin_t *fi)
{
    if (!fi)
        return;
    ti_acceptor_stop(&fi->acceptor);
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if (fi->present & (1ull << i))
            ti_fi_remove(fi, i);
    if (fi->bell)
        munmap(fi->bell, TI_BELL_SIZE);
    if (fi->bellfd >= 0)
        close(fi->bellfd);
    if (fi->efd >= 0)
        close(fi->efd);
    if (fi->efd_tx >= 0)
        close(fi->efd_tx);
    if (fi->wfd >= 0)
        close(fi->wfd);
    pthread_mutex_destroy(&fi->lock);
    free(fi);
}

/* ---- Receiving ----------------------------------------------------------------- */

/* Says who sent the message taken from slot i. */
static inline void ti_fi_sender(const tachyon_fanin_t *fi, unsigned i, tachyon_sender_t *from)
{
    from->id = fi->m[i].id;
    from->pid = fi->m[i].pid;
    from->slot = i;
}

/* The turn the fast path could not finish: every member, from the slot in
 * turn on, gets the fast take; a member it fails on that is not plainly
 * empty (ti_rx_quiet: two loads) gets the ring's full receive (tail refresh,
 * wrap markers, a dead producer's recovered frames, and its verdict: a member
 * that is gone after its last message, or corrupt, is dropped). */
static __attribute__((noinline)) const void *ti_fi_scan(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size,
                                                         tachyon_sender_t *from)
{
    /* Acquire: pairs with the listener's fetch_or; the member's fields were
     * written before it. */
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);
    unsigned c = fi->turn_slot;
    /* Visit the members from the slot in turn on, in slot order, one bit scan
     * per member (not per slot): the mask rotated so that slot is bit 0. */
    uint64_t todo = (present >> c) | (present << ((TACHYON_MAX_MEMBERS - c) & (TACHYON_MAX_MEMBERS - 1)));

    while (todo) {
        unsigned i = (c + (unsigned)__builtin_ctzll(todo)) & (TACHYON_MAX_MEMBERS - 1);
        tachyon_bus_t *bus = fi->members[i];
        const void *msg;

        todo &= todo - 1;
        msg = ti_rx_take_fast(bus, type_id, size);
        if (!msg) {
            if (ti_rx_quiet(bus))
                continue;
            msg = tachyon_acquire_rx(bus, type_id, size);
        }
        if (msg) {
            fi->held_bus = bus; /* and this member is the one in turn now */
            fi->turn_bus = bus;
            fi->turn_slot = i;
            if (from)
                ti_fi_sender(fi, i, from);
            return msg;
        }
        if (bus->last_error != TACHYON_ERR_EMPTY)
            ti_fi_remove(fi, i); /* PEER_GONE after its last message, or CORRUPT */
    }
    fi->last_error = TACHYON_ERR_EMPTY;
    return NULL;
}

/* One message per member in turn. The member in turn (turn_bus) is tried
 * first through the ring's own fast path, inlined here (ring_rx.h), so a
 * message costs the SPSC receive and no table walk: the commit found the next
 * member already. Anything else (no member known, the member in turn with
 * nothing ready in that fast path) is ti_fi_scan's. Members' holds are only
 * ever taken here and released by tachyon_fanin_commit_rx, so a member's bus
 * holds nothing outside them. */
const void *tachyon_fanin_acquire_rx(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size, tachyon_sender_t *from)
{
    tachyon_bus_t *bus;
    const void *msg;

    if (TI_UNLIKELY(!fi))
        return NULL;
    if (TI_UNLIKELY(fi->held_bus != NULL)) {
        fi->last_error = TACHYON_ERR_STATE;
        return NULL;
    }
    bus = fi->turn_bus;
    if (TI_UNLIKELY(!bus))
        return ti_fi_scan(fi, type_id, size, from);
    msg = ti_rx_take_fast(bus, type_id, size);
    if (TI_UNLIKELY(!msg))
        return ti_fi_scan(fi, type_id, size, from);
    fi->held_bus = bus;
    if (from)
        ti_fi_sender(fi, fi->turn_slot, from);
    return msg;
}

/* The out-of-line halves of tachyon.h's inline receive: the whole receive. */
const void *tachyon_hot1_fanin_acquire_rx(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size,
                                          tachyon_sender_t *from)
{
    return tachyon_fanin_acquire_rx(fi, type_id, size, from);
}

tachyon_error_t tachyon_hot1_fanin_commit_rx(tachyon_fanin_t *fi)
{
    return tachyon_fanin_commit_rx(fi);
}

tachyon_error_t tachyon_fanin_commit_rx(tachyon_fanin_t *fi)
{
    tachyon_bus_t *bus;
    uint64_t present, after;
    unsigned held, next;

    if (TI_UNLIKELY(!fi))
        return TACHYON_ERR_INVALID_ARG;
    bus = fi->held_bus;
    if (TI_UNLIKELY(!bus))
        return fi->last_error = TACHYON_ERR_STATE;
    fi->held_bus = NULL;
    /* Round-robin: the next turn is the first member present after this
     * producer, so a busy producer cannot starve the others (this one is
     * still present: only this thread removes members). Acquire: pairs with
     * the listener's fetch_or. tachyon.h's inline commit does the same. */
    held = fi->turn_slot;
    present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);
    after = present & (~1ull << held); /* the slots above `held` (none for 63) */
    next = (unsigned)__builtin_ctzll(after ? after : present);
    fi->turn_slot = next;
    fi->turn_bus = fi->members[next];
    return ti_rx_release_one(bus);
}

/* ---- Sleeping (shared with waitset.c) ----------------------------------------- */

/* Something to read from a member. `owner`: called on the consumer's thread,
 * which may also look at what only it writes (a producer found dead). */
int ti_fanin_ready(tachyon_fanin_t *fi, int owner)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    while (present) {
        unsigned i = (unsigned)__builtin_ctzll(present);
        present &= present - 1;
        if (ti_bus_ready(fi->members[i]) || (owner && fi->members[i]->peer_dead))
            return 1;
    }
    return 0;
}

/* Raises (or takes down) `bit` in every member ring's consumer_sleeping. The
 * raise is a seq_cst RMW: the first half of each ring's Dekker pair (the
 * producer exchanges tail, then loads the flag); the caller re-checks the
 * rings after it. */
static void ti_fi_flag(tachyon_fanin_t *fi, uint32_t bit, int on)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    while (present) {
        uint32_t *flag = &fi->members[__builtin_ctzll(present)]->shm->consumer_sleeping;
        present &= present - 1;
        if (on)
            __atomic_fetch_or(flag, bit, __ATOMIC_SEQ_CST);
        else
            __atomic_fetch_and(flag, ~bit, __ATOMIC_RELAXED);
    }
}

/* Announces a sleep on every ring; returns the one word to sleep on, with
 * the value it had before (acquire: pairs with a producer's release bump). */
uint32_t *ti_fanin_arm(tachyon_fanin_t *fi, uint32_t *seq)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    /* A ring whose flag a timed-out sleep left up as evidence is judged
     * first (wait.c): a producer that published since and left it up
     * skipped its wake. */
    while (present) {
        tachyon_bus_t *bus = fi->members[__builtin_ctzll(present)];
        present &= present - 1;
        if (TI_UNLIKELY(bus->wake_suspect))
            ti_judge_wake(bus, &bus->shm->consumer_sleeping, TI_SLEEP_FUTEX, ti_load_seqcst(&bus->shm->tail));
    }
    *seq = __atomic_load_n(&fi->bell->ring, __ATOMIC_ACQUIRE);
    ti_fi_flag(fi, TI_SLEEP_FUTEX, 1);
    return &fi->bell->ring;
}

/* After a sleep that ran out: each ring's flag comes down, except where the
 * producer published meanwhile and left it up (the evidence ti_fanin_arm
 * judges next time). */
static void ti_fi_after_timeout(tachyon_fanin_t *fi)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    while (present) {
        tachyon_bus_t *bus = fi->members[__builtin_ctzll(present)];
        uint64_t tail = ti_load_seqcst(&bus->shm->tail);
        present &= present - 1;
        ti_after_timeout(bus, &bus->shm->consumer_sleeping, TI_SLEEP_FUTEX, tail != bus->limit, tail);
    }
}

uint64_t ti_test_fanin_lost_wakes(tachyon_fanin_t *fi)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE), lost = 0;

    while (present) {
        lost += fi->members[__builtin_ctzll(present)]->lost_wakes;
        present &= present - 1;
    }
    return lost;
}

void ti_fanin_disarm(tachyon_fanin_t *fi)
{
    ti_fi_flag(fi, TI_SLEEP_FUTEX, 0);
}

/* fd_armed first (seq_cst), then `present`: a producer the listener adds
 * after our load of `present` finds fd_armed set and has the readiness fd
 * signalled for it (see ti_fi_serve). */
void ti_fanin_fd_arm(tachyon_fanin_t *fi, int on)
{
    __atomic_store_n(&fi->fd_armed, on ? 1u : 0u, __ATOMIC_SEQ_CST);
    ti_fi_flag(fi, TI_SLEEP_FD, on);
}

int ti_fanin_watch_fd(tachyon_fanin_t *fi)
{
    return fi->wfd;
}

/* After the watch fd fired: clears the readiness fd; a producer whose pidfd
 * fired has its committed frames made readable. */
void ti_fanin_fd_take(tachyon_fanin_t *fi)
{
    struct epoll_event ev[TACHYON_MAX_MEMBERS + 1];
    int n = epoll_wait(fi->wfd, ev, TACHYON_MAX_MEMBERS + 1, 0), dead = 0;

    for (int i = 0; i < n; i++) {
        if (ev[i].data.u32 == 0)
            ti_wake_fd_clear(fi->efd);
        else
            dead = 1;
    }
    if (dead)
        ti_fanin_check_peers(fi);
}

/* After a watchdog period asleep: a producer that died with committed but
 * unpublished frames has them made readable (the next acquire delivers them,
 * then drops the member). */
void ti_fanin_check_peers(tachyon_fanin_t *fi)
{
    uint64_t present = __atomic_load_n(&fi->present, __ATOMIC_ACQUIRE);

    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        if (present & (1ull << i))
            ti_bus_check_peer(fi->members[i]);
}

const void *tachyon_fanin_acquire_rx_until(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size,
                                           tachyon_sender_t *from, int64_t deadline_ns)
{
    int64_t deadline = ti_deadline_norm(deadline_ns);

    if (!fi)
        return NULL;
    for (unsigned spins = 0;; spins++) {
        const void *msg = tachyon_fanin_acquire_rx(fi, type_id, size, from);
        uint32_t *word, seq;
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
        word = ti_fanin_arm(fi, &seq);
        /* After arming loaded the bell: pairs with tachyon_fanin_interrupt. */
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
        r = ti_futex_wait(word, seq, deadline - now < TACHYON_WATCHDOG_NS ? deadline - now : TACHYON_WATCHDOG_NS);
        if (r == ETIMEDOUT)
            ti_fi_after_timeout(fi);
        else
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
    /* Flag first, then ring the bell, which every wait of this fan-in sleeps
     * on: a waiter that loaded it before this sees it changed. */
    __atomic_store_n(&fi->interrupt, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&fi->bell->ring, 1, __ATOMIC_SEQ_CST);
    ti_futex_wake_all(&fi->bell->ring);
}

size_t tachyon_fanin_producers(tachyon_fanin_t *fi)
{
    return fi ? (size_t)__builtin_popcountll(__atomic_load_n(&fi->present, __ATOMIC_ACQUIRE)) : 0;
}

tachyon_error_t tachyon_fanin_last_error(const tachyon_fanin_t *fi)
{
    return fi ? fi->last_error : TACHYON_ERR_INVALID_ARG;
}

