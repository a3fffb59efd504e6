/*
 * waitset.c - one thread waiting on many consumers of any kind, and a
 * readiness fd for event loops.
 *
 * Sleeping on many rings without a thread per ring: each member's wake word
 * gets its sleep announced the way its own blocking call announces it (a bus:
 * TI_SLEEP_FUTEX in consumer_sleeping; a fan-out subscriber: the segment's
 * wake_wanted; a fan-in: its bell), then futex_waitv sleeps on all the words
 * at once. The no-lost-wake-up argument is each member's own (see wait.c):
 * announce, re-check readiness (seq_cst), sleep on the value read before
 * announcing. Producers see no sleeper while the consumer is awake, so they
 * make no system call then.
 *
 * The readiness fd, without a thread: an epoll fd over each member's own
 * readiness fd (whose signal end its producers got in the handshake), the
 * peers' pidfds (a producer that dies wakes the loop) and the wait-set's
 * `kick` eventfd. When a call of tachyon_waitset_wait_until finds nothing to
 * read it arms the members (TI_SLEEP_FD: the producer's next wake signals the
 * member's readiness fd) and re-checks them, by the same Dekker pairing as a
 * futex sleep.
 * When it finds something, it leaves the members unarmed and makes the fd
 * readable with `kick` (once), so a loop that reads one message per wake-up
 * comes back. States: ARMED (members armed, kick clear), KICKED (kick
 * readable), IDLE (neither: inside a call).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

#define TI_WS_WORDS 128u /* futex_waitv's limit */

enum ti_ws_kind { TI_WS_BUS = 1, TI_WS_SUB, TI_WS_FANIN };

/* What an epoll event names: the member object with one of these in its low
 * bits (every member is allocated at least 16-byte aligned). */
enum ti_ws_tag { TI_TAG_BUS_EFD = 1, TI_TAG_BUS_PID, TI_TAG_SUB_EFD, TI_TAG_SUB_PID, TI_TAG_FANIN, TI_TAG_KICK };
#define TI_TAG_MASK 15u

enum ti_ws_fd_state { TI_FD_IDLE = 0, TI_FD_ARMED, TI_FD_KICKED };

struct ti_ws_member {
    int kind;
    void *obj;
    uint64_t key;
};

struct tachyon_waitset {
    struct ti_ws_member m[TACHYON_MAX_MEMBERS];
    unsigned n;
    pthread_mutex_t lock;
    /* the readiness fd */
    int epfd, kick;
    int fd_state; /* enum ti_ws_fd_state */
    uint32_t ctl;  /* bumped (and woken) by tachyon_waitset_interrupt */
    int interrupt; /* set by tachyon_waitset_interrupt from any thread; taken by a wait */
};

/* ---- Buses (the helpers fanin.c shares) ---------------------------------- */

int ti_bus_ready(tachyon_bus_t *bus)
{
    struct ti_shared *shm = bus->shm;

    return ti_load_seqcst(&shm->tail) != ti_load_acquire(&shm->head) ||
           ti_load_acquire(&shm->producer_state) == TI_SIDE_CLOSED;
}

uint32_t *ti_bus_arm(tachyon_bus_t *bus, uint32_t *seq)
{
    /* Acquire: pairs with the producer's release increment of data_seq. */
    *seq = ti_load_acquire(&bus->shm->data_seq);
    __atomic_fetch_or(&bus->shm->consumer_sleeping, TI_SLEEP_FUTEX, __ATOMIC_SEQ_CST);
    return &bus->shm->data_seq;
}

void ti_bus_disarm(tachyon_bus_t *bus)
{
    __atomic_fetch_and(&bus->shm->consumer_sleeping, ~TI_SLEEP_FUTEX, __ATOMIC_RELAXED);
}

/* The seq_cst RMW is the first half of the Dekker pair with the producer's
 * tail exchange; the caller re-checks the ring after it. */
void ti_bus_fd_arm(tachyon_bus_t *bus, int on)
{
    if (on)
        __atomic_fetch_or(&bus->shm->consumer_sleeping, TI_SLEEP_FD, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&bus->shm->consumer_sleeping, ~TI_SLEEP_FD, __ATOMIC_RELAXED);
}

void ti_bus_check_peer(tachyon_bus_t *bus)
{
    (void)tachyon_peer_alive(bus); /* recovers a dead producer's committed frames */
}

/* ---- Members --------------------------------------------------------------- */

tachyon_error_t tachyon_waitset_new(tachyon_waitset_t **out)
{
    tachyon_waitset_t *ws;

    if (!out)
        return TACHYON_ERR_INVALID_ARG;
    ws = calloc(1, sizeof(*ws));
    if (!ws)
        return TACHYON_ERR_NO_MEMORY;
    ws->epfd = ws->kick = -1;
    pthread_mutex_init(&ws->lock, NULL);
    *out = ws;
    return TACHYON_OK;
}

/* ---- The readiness fd: registering members --------------------------------- */

static int ti_ws_watch(tachyon_waitset_t *ws, int op, int fd, const void *obj, unsigned tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(uintptr_t)obj | tag};

    if (fd < 0)
        return 0;
    if (op == EPOLL_CTL_DEL) {
        (void)epoll_ctl(ws->epfd, op, fd, NULL); /* gone already if the fd was closed */
        return 0;
    }
    return epoll_ctl(ws->epfd, op, fd, &ev) == 0 ? 0 : -1;
}

/* Adds (op ADD) or removes (DEL) a member's fds from the epoll set. A bus
 * without a readiness fd (an arena's) cannot be watched: -1. */
static int ti_ws_watch_member(tachyon_waitset_t *ws, int op, const struct ti_ws_member *m)
{
    if (m->kind == TI_WS_BUS) {
        tachyon_bus_t *bus = m->obj;
        if (bus->wake_efd < 0 && op == EPOLL_CTL_ADD)
            return -1;
        if (ti_ws_watch(ws, op, bus->wake_efd, bus, TI_TAG_BUS_EFD) != 0)
            return -1;
        return ti_ws_watch(ws, op, bus->pidfd, bus, TI_TAG_BUS_PID);
    }
    if (m->kind == TI_WS_SUB) {
        if (ti_ws_watch(ws, op, ti_sub_wake_fd(m->obj), m->obj, TI_TAG_SUB_EFD) != 0)
            return -1;
        return ti_ws_watch(ws, op, ti_sub_pidfd(m->obj), m->obj, TI_TAG_SUB_PID);
    }
    return ti_ws_watch(ws, op, ti_fanin_watch_fd(m->obj), m->obj, TI_TAG_FANIN);
}

static void ti_ws_fd_arm_one(struct ti_ws_member *m, int on)
{
    if (m->kind == TI_WS_BUS)
        ti_bus_fd_arm(m->obj, on);
    else if (m->kind == TI_WS_SUB)
        ti_sub_fd_arm(m->obj, on);
    else
        ti_fanin_fd_arm(m->obj, on);
}

/* Makes the fd readable until the next call that finds nothing. */
static void ti_ws_kick(tachyon_waitset_t *ws)
{
    if (ws->fd_state != TI_FD_KICKED)
        ti_eventfd_signal(ws->kick);
    ws->fd_state = TI_FD_KICKED;
}

/* ARMED -> IDLE: the members are disarmed and what fired is taken (readiness fds
 * cleared; a dead peer's committed frames made readable). */
static void ti_ws_fd_wake(tachyon_waitset_t *ws)
{
    struct epoll_event ev[2 * TACHYON_MAX_MEMBERS + 1];
    int n;

    for (unsigned i = 0; i < ws->n; i++)
        ti_ws_fd_arm_one(&ws->m[i], 0);
    ws->fd_state = TI_FD_IDLE;
    n = epoll_wait(ws->epfd, ev, 2 * TACHYON_MAX_MEMBERS + 1, 0);
    for (int i = 0; i < n; i++) {
        void *obj = (void *)(uintptr_t)(ev[i].data.u64 & ~(uint64_t)TI_TAG_MASK);
        switch (ev[i].data.u64 & TI_TAG_MASK) {
        case TI_TAG_BUS_EFD:
            ti_wake_fd_clear(((tachyon_bus_t *)obj)->wake_efd);
            break;
        case TI_TAG_BUS_PID:
            ti_bus_check_peer(obj);
            break;
        case TI_TAG_SUB_EFD:
            ti_wake_fd_clear(ti_sub_wake_fd(obj));
            break;
        case TI_TAG_SUB_PID:
            (void)ti_sub_check_peer(obj);
            break;
        case TI_TAG_FANIN:
            ti_fanin_fd_take(obj);
            break;
        default:
            break;
        }
    }
}

/* ---- Members --------------------------------------------------------------- */

static tachyon_error_t ti_ws_add(tachyon_waitset_t *ws, int kind, void *obj, uint64_t key)
{
    tachyon_error_t err = TACHYON_OK;

    if (!ws || !obj)
        return TACHYON_ERR_INVALID_ARG;
    pthread_mutex_lock(&ws->lock);
    for (unsigned i = 0; i < ws->n; i++)
        if (ws->m[i].key == key || ws->m[i].obj == obj)
            err = TACHYON_ERR_STATE;
    if (err == TACHYON_OK && ws->n == TACHYON_MAX_MEMBERS)
        err = TACHYON_ERR_FULL;
    if (err == TACHYON_OK) {
        struct ti_ws_member *m = &ws->m[ws->n];
        m->kind = kind;
        m->obj = obj;
        m->key = key;
        if (ws->epfd >= 0 && ti_ws_watch_member(ws, EPOLL_CTL_ADD, m) != 0) {
            (void)ti_ws_watch_member(ws, EPOLL_CTL_DEL, m);
            err = TACHYON_ERR_STATE;
        } else {
            ws->n++;
            /* An armed loop does not watch the newcomer yet: bring it back
             * so that its next call arms everyone. */
            if (ws->fd_state == TI_FD_ARMED)
                ti_ws_kick(ws);
        }
    }
    pthread_mutex_unlock(&ws->lock);
    return err;
}

tachyon_error_t tachyon_waitset_add_bus(tachyon_waitset_t *ws, tachyon_bus_t *bus, uint64_t key)
{
    if (bus && bus->role != TACHYON_ROLE_CONSUMER)
        return TACHYON_ERR_STATE;
    return ti_ws_add(ws, TI_WS_BUS, bus, key);
}

tachyon_error_t tachyon_waitset_add_sub(tachyon_waitset_t *ws, tachyon_sub_t *sub, uint64_t key)
{
    return ti_ws_add(ws, TI_WS_SUB, sub, key);
}

tachyon_error_t tachyon_waitset_add_fanin(tachyon_waitset_t *ws, tachyon_fanin_t *fi, uint64_t key)
{
    return ti_ws_add(ws, TI_WS_FANIN, fi, key);
}

tachyon_error_t tachyon_waitset_remove(tachyon_waitset_t *ws, uint64_t key)
{
    tachyon_error_t err = TACHYON_ERR_STATE;

    if (!ws)
        return TACHYON_ERR_INVALID_ARG;
    pthread_mutex_lock(&ws->lock);
    for (unsigned i = 0; i < ws->n; i++) {
        if (ws->m[i].key != key)
            continue;
        /* Take back an armed readiness fd, or its producer would signal it for
         * nobody. */
        if (ws->fd_state == TI_FD_ARMED)
            ti_ws_fd_arm_one(&ws->m[i], 0);
        if (ws->epfd >= 0)
            (void)ti_ws_watch_member(ws, EPOLL_CTL_DEL, &ws->m[i]);
        ws->m[i] = ws->m[--ws->n];
        err = TACHYON_OK;
        break;
    }
    pthread_mutex_unlock(&ws->lock);
    return err;
}

/* ---- Waiting ----------------------------------------------------------------- */

/* Ready members' keys into keys[] (up to max); their count. */
static size_t ti_ws_collect(tachyon_waitset_t *ws, uint64_t *keys, size_t max)
{
    size_t count = 0;

    for (unsigned i = 0; i < ws->n; i++) {
        struct ti_ws_member *m = &ws->m[i];
        int ready;

        if (m->kind == TI_WS_BUS) {
            tachyon_bus_t *bus = m->obj;
            ready = ti_bus_ready(bus) || bus->peer_dead || bus->hold != TI_HOLD_NONE;
        } else if (m->kind == TI_WS_SUB) {
            ready = ti_sub_ready(m->obj, 1); /* a producer found dead counts (its receive says PEER_GONE) */
        } else {
            ready = ti_fanin_ready(m->obj, 1);
        }
        if (ready) {
            if (count < max && keys)
                keys[count] = m->key;
            count++;
        }
    }
    return count;
}

/* Announces the sleep on every member; their words and values into
 * words[]/seqs[] (at most `cap`; members past it are caught by the watchdog). */
static unsigned ti_ws_arm(tachyon_waitset_t *ws, uint32_t **words, uint32_t *seqs, unsigned cap)
{
    unsigned n = 0;

    for (unsigned i = 0; i < ws->n && n < cap; i++) {
        struct ti_ws_member *m = &ws->m[i];
        if (m->kind == TI_WS_BUS)
            words[n] = ti_bus_arm(m->obj, &seqs[n]);
        else if (m->kind == TI_WS_SUB)
            words[n] = ti_sub_arm(m->obj, &seqs[n]);
        else
            words[n] = ti_fanin_arm(m->obj, &seqs[n]);
        n++;
    }
    return n;
}

static void ti_ws_disarm(tachyon_waitset_t *ws)
{
    for (unsigned i = 0; i < ws->n; i++) {
        struct ti_ws_member *m = &ws->m[i];
        if (m->kind == TI_WS_BUS)
            ti_bus_disarm(m->obj);
        else if (m->kind == TI_WS_SUB)
            ti_sub_disarm(m->obj);
        else
            ti_fanin_disarm(m->obj);
    }
}

/* After a watchdog period asleep: producers that died have their committed
 * frames made readable, so they show as ready. */
static void ti_ws_check_peers(tachyon_waitset_t *ws)
{
    for (unsigned i = 0; i < ws->n; i++) {
        struct ti_ws_member *m = &ws->m[i];
        if (m->kind == TI_WS_BUS)
            ti_bus_check_peer(m->obj);
        else if (m->kind == TI_WS_SUB)
            ti_sub_check_peer(m->obj);
        else
            ti_fanin_check_peers(m->obj);
    }
}

/* The end of a call with a readiness fd: found something, the fd stays
 * readable (kick); found nothing, the members are armed and re-checked
 * (count of what the re-check found: then they are disarmed and kicked). */
static size_t ti_ws_fd_settle(tachyon_waitset_t *ws, uint64_t *keys, size_t max, size_t count)
{
    if (count) {
        ti_ws_kick(ws);
        return count;
    }
    if (ws->fd_state == TI_FD_KICKED)
        ti_eventfd_clear(ws->kick);
    for (unsigned i = 0; i < ws->n; i++)
        ti_ws_fd_arm_one(&ws->m[i], 1);
    ws->fd_state = TI_FD_ARMED;
    count = ti_ws_collect(ws, keys, max);
    if (count) {
        for (unsigned i = 0; i < ws->n; i++)
            ti_ws_fd_arm_one(&ws->m[i], 0);
        ws->fd_state = TI_FD_IDLE;
        ti_ws_kick(ws);
    }
    return count;
}

size_t tachyon_waitset_wait_until(tachyon_waitset_t *ws, uint64_t *keys, size_t max, int64_t deadline_ns,
                                  tachyon_error_t *err)
{
    int64_t deadline = ti_deadline_norm(deadline_ns);
    tachyon_error_t e = TACHYON_OK;
    size_t count;

    if (err)
        *err = TACHYON_OK;
    if (!ws || (!keys && max)) {
        if (err)
            *err = TACHYON_ERR_INVALID_ARG;
        return 0;
    }
    pthread_mutex_lock(&ws->lock);
    if (ws->epfd >= 0 && ws->fd_state == TI_FD_ARMED)
        ti_ws_fd_wake(ws);
    for (;;) {
        uint32_t *words[TI_WS_WORDS];
        uint32_t seqs[TI_WS_WORDS];
        unsigned n;
        int64_t now, sleep_ns;
        int r;

        count = ti_ws_collect(ws, keys, max);
        if (count)
            break;
        now = ti_now_ns();
        if (now >= deadline || ws->n == 0) {
            e = TACHYON_ERR_TIMEOUT;
            break;
        }
        /* The control word too, so tachyon_waitset_interrupt wakes us: it
         * sets the flag before it moves the word, we load the word first. */
        seqs[0] = __atomic_load_n(&ws->ctl, __ATOMIC_SEQ_CST);
        words[0] = &ws->ctl;
        n = 1 + ti_ws_arm(ws, words + 1, seqs + 1, TI_WS_WORDS - 1);
        if (__atomic_load_n(&ws->interrupt, __ATOMIC_SEQ_CST) &&
            __atomic_exchange_n(&ws->interrupt, 0, __ATOMIC_ACQ_REL)) {
            ti_ws_disarm(ws);
            e = TACHYON_ERR_INTERRUPTED;
            break;
        }
        if (ti_ws_collect(ws, NULL, 0)) {
            ti_ws_disarm(ws);
            continue;
        }
        sleep_ns = deadline - now < TACHYON_WATCHDOG_NS ? deadline - now : TACHYON_WATCHDOG_NS;
        r = ti_futex_waitv(words, seqs, n, sleep_ns);
        ti_ws_disarm(ws);
        if (ti_wait_interrupted(r)) {
            e = TACHYON_ERR_INTERRUPTED;
            break;
        }
        if (r == ETIMEDOUT)
            ti_ws_check_peers(ws);
        else if (r != 0 && r != EFAULT && r != EINTR) { /* EINTR: the interrupt check let the wait go on */
            e = TACHYON_ERR_SYSTEM;
            break;
        }
    }
    if (ws->epfd >= 0) {
        count = ti_ws_fd_settle(ws, keys, max, count);
        if (count)
            e = TACHYON_OK;
    }
    pthread_mutex_unlock(&ws->lock);
    if (err)
        *err = e;
    return count > max ? max : count;
}

/* ---- The readiness fd ------------------------------------------------------ */

void tachyon_waitset_interrupt(tachyon_waitset_t *ws)
{
    if (!ws)
        return;
    /* Flag first, then move the control word every wait sleeps on. */
    __atomic_store_n(&ws->interrupt, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ws->ctl, 1, __ATOMIC_SEQ_CST);
    ti_futex_wake_all(&ws->ctl);
}

int tachyon_waitset_fd(tachyon_waitset_t *ws)
{
    int fd = -1;

    if (!ws)
        return -1;
    pthread_mutex_lock(&ws->lock);
    if (ws->epfd >= 0) {
        fd = ws->epfd;
        goto out;
    }
    ws->epfd = epoll_create1(EPOLL_CLOEXEC);
    ws->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ws->epfd < 0 || ws->kick < 0 || ti_ws_watch(ws, EPOLL_CTL_ADD, ws->kick, ws, TI_TAG_KICK) != 0)
        goto fail;
    for (unsigned i = 0; i < ws->n; i++)
        if (ti_ws_watch_member(ws, EPOLL_CTL_ADD, &ws->m[i]) != 0)
            goto fail;
    ws->fd_state = TI_FD_IDLE;
    (void)ti_ws_fd_settle(ws, NULL, 0, ti_ws_collect(ws, NULL, 0));
    fd = ws->epfd;
    goto out;
fail:
    if (ws->epfd >= 0)
        close(ws->epfd); /* its registrations go with it */
    if (ws->kick >= 0)
        close(ws->kick);
    ws->epfd = ws->kick = -1;
out:
    pthread_mutex_unlock(&ws->lock);
    return fd;
}

void tachyon_waitset_destroy(tachyon_waitset_t *ws)
{
    if (!ws)
        return;
    pthread_mutex_lock(&ws->lock);
    if (ws->fd_state == TI_FD_ARMED)
        for (unsigned i = 0; i < ws->n; i++)
            ti_ws_fd_arm_one(&ws->m[i], 0);
    pthread_mutex_unlock(&ws->lock);
    if (ws->epfd >= 0)
        close(ws->epfd);
    if (ws->kick >= 0)
        close(ws->kick);
    pthread_mutex_destroy(&ws->lock);
    free(ws);
}
