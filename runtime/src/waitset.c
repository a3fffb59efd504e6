/*
 * waitset.c - one thread waiting on many consumers of any kind, and a
 * readiness fd (an eventfd) for event loops.
 *
 * Sleeping on many rings without a thread per ring: each member's wake word
 * gets its sleep announced the way its own blocking call announces it (a bus:
 * consumer_sleeping; a fan-out subscriber: the segment's wake_wanted; a
 * fan-in: each of its rings), then futex_waitv sleeps on all
 * the words at once. The no-lost-wake-up argument is each member's own (see
 * wait.c): announce, re-check readiness (seq_cst), sleep on the value read
 * before announcing. Producers see no sleeper while the consumer is awake, so
 * they make no system call then.
 *
 * The readiness fd: a notifier thread owned by the wait-set does that sleep
 * for an event loop and writes the eventfd when a member is ready; it then
 * waits until the loop calls tachyon_waitset_wait_until(ws, ..., 0), which
 * clears the fd and re-arms it. The notifier reads shared memory only, and it
 * looks at the members under the wait-set's lock (add/remove take it).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

#define TI_WS_WORDS 128u /* futex_waitv's limit */

enum ti_ws_kind { TI_WS_BUS = 1, TI_WS_SUB, TI_WS_FANIN };

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
    int efd;
    int thread_started;
    pthread_t thread;
    uint32_t ctl;   /* bumped (and woken) on re-arm, membership change, stop and interrupt */
    int interrupt;  /* set by tachyon_waitset_interrupt from any thread; taken by a wait */
    uint32_t armed; /* 1: the notifier watches; 0: it signalled and waits for a re-arm */
    uint32_t stop;
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
    ti_store_seqcst(&bus->shm->consumer_sleeping, 1);
    return &bus->shm->data_seq;
}

void ti_bus_disarm(tachyon_bus_t *bus)
{
    ti_store_relaxed(&bus->shm->consumer_sleeping, 0);
}

void ti_bus_check_peer(tachyon_bus_t *bus)
{
    (void)tachyon_peer_alive(bus); /* recovers a dead producer's committed frames */
}

int ti_bus_pidfd_dead(const tachyon_bus_t *bus)
{
    struct pollfd pfd = {.fd = bus->pidfd, .events = POLLIN};

    return bus->pidfd >= 0 && poll(&pfd, 1, 0) > 0;
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
    ws->efd = -1;
    pthread_mutex_init(&ws->lock, NULL);
    *out = ws;
    return TACHYON_OK;
}

static void ti_ws_poke(tachyon_waitset_t *ws)
{
    __atomic_fetch_add(&ws->ctl, 1, __ATOMIC_SEQ_CST);
    ti_futex_wake_all(&ws->ctl);
}

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
        ws->m[ws->n].kind = kind;
        ws->m[ws->n].obj = obj;
        ws->m[ws->n].key = key;
        ws->n++;
    }
    pthread_mutex_unlock(&ws->lock);
    if (err == TACHYON_OK)
        ti_ws_poke(ws);
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

static void ti_ws_disarm_one(struct ti_ws_member *m)
{
    if (m->kind == TI_WS_BUS)
        ti_bus_disarm(m->obj);
    else if (m->kind == TI_WS_SUB)
        ti_sub_disarm(m->obj);
    else
        ti_fanin_disarm(m->obj);
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
        /* A notifier may have announced a sleep on it: take that back, or
         * its producer would make a needless wake call. */
        if (ws->m[i].kind != TI_WS_FANIN)
            ti_ws_disarm_one(&ws->m[i]);
        ws->m[i] = ws->m[--ws->n];
        err = TACHYON_OK;
        break;
    }
    pthread_mutex_unlock(&ws->lock);
    if (err == TACHYON_OK)
        ti_ws_poke(ws);
    return err;
}

/* ---- Waiting ----------------------------------------------------------------- */

/* Ready members' keys into keys[] (up to max); their count. `owner`: the
 * caller is the members' thread (not the notifier). */
static size_t ti_ws_collect(tachyon_waitset_t *ws, uint64_t *keys, size_t max, int owner)
{
    size_t count = 0;

    for (unsigned i = 0; i < ws->n; i++) {
        struct ti_ws_member *m = &ws->m[i];
        int ready;

        if (m->kind == TI_WS_BUS) {
            tachyon_bus_t *bus = m->obj;
            ready = ti_bus_ready(bus) || (owner && (bus->peer_dead || bus->hold != TI_HOLD_NONE));
        } else if (m->kind == TI_WS_SUB) {
            ready = ti_sub_ready(m->obj);
        } else {
            if (!owner)
                ti_fanin_lock(m->obj, 1);
            ready = ti_fanin_ready(m->obj, owner);
            if (!owner)
                ti_fanin_lock(m->obj, 0);
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
static unsigned ti_ws_arm(tachyon_waitset_t *ws, uint32_t **words, uint32_t *seqs, unsigned cap, int owner)
{
    unsigned n = 0;

    for (unsigned i = 0; i < ws->n && n < cap; i++) {
        struct ti_ws_member *m = &ws->m[i];
        if (m->kind == TI_WS_BUS) {
            words[n] = ti_bus_arm(m->obj, &seqs[n]);
            n++;
        } else if (m->kind == TI_WS_SUB) {
            words[n] = ti_sub_arm(m->obj, &seqs[n]);
            n++;
        } else {
            if (!owner)
                ti_fanin_lock(m->obj, 1);
            ti_fanin_arm(m->obj, words, seqs, &n, cap);
            if (!owner)
                ti_fanin_lock(m->obj, 0);
        }
    }
    return n;
}

static void ti_ws_disarm(tachyon_waitset_t *ws, int owner)
{
    for (unsigned i = 0; i < ws->n; i++) {
        struct ti_ws_member *m = &ws->m[i];
        if (m->kind == TI_WS_FANIN && !owner) {
            ti_fanin_lock(m->obj, 1);
            ti_fanin_disarm(m->obj);
            ti_fanin_lock(m->obj, 0);
        } else {
            ti_ws_disarm_one(m);
        }
    }
}

/* After a watchdog period asleep, on the members' thread: producers that died
 * have their committed frames made readable, so they show as ready. */
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

/* The notifier's version: 1 if a member's producer process is gone. */
static int ti_ws_pidfds_dead(tachyon_waitset_t *ws)
{
    for (unsigned i = 0; i < ws->n; i++) {
        struct ti_ws_member *m = &ws->m[i];
        int dead;
        if (m->kind == TI_WS_BUS) {
            dead = ti_bus_pidfd_dead(m->obj);
        } else if (m->kind == TI_WS_SUB) {
            dead = ti_sub_pidfd_dead(m->obj);
        } else {
            ti_fanin_lock(m->obj, 1);
            dead = ti_fanin_pidfds_dead(m->obj);
            ti_fanin_lock(m->obj, 0);
        }
        if (dead)
            return 1;
    }
    return 0;
}

size_t tachyon_waitset_wait_until(tachyon_waitset_t *ws, uint64_t *keys, size_t max, int64_t deadline_ns,
                                  tachyon_error_t *err)
{
    int64_t deadline = ti_deadline_norm(deadline_ns);
    size_t count;

    if (err)
        *err = TACHYON_OK;
    if (!ws || (!keys && max)) {
        if (err)
            *err = TACHYON_ERR_INVALID_ARG;
        return 0;
    }
    if (ws->efd >= 0 && !__atomic_load_n(&ws->armed, __ATOMIC_ACQUIRE)) {
        /* The event loop is here because the fd fired: clear it, re-arm. */
        uint64_t v;
        (void)!read(ws->efd, &v, sizeof(v));
        __atomic_store_n(&ws->armed, 1, __ATOMIC_SEQ_CST);
        ti_ws_poke(ws);
    }
    pthread_mutex_lock(&ws->lock);
    for (;;) {
        uint32_t *words[TI_WS_WORDS];
        uint32_t seqs[TI_WS_WORDS];
        unsigned n;
        int64_t now, sleep_ns;
        int r;

        count = ti_ws_collect(ws, keys, max, 1);
        if (count)
            break;
        now = ti_now_ns();
        if (now >= deadline || ws->n == 0) {
            if (err)
                *err = TACHYON_ERR_TIMEOUT;
            break;
        }
        /* The control word too, so tachyon_waitset_interrupt wakes us: it
         * sets the flag before it moves the word, we load the word first. */
        seqs[0] = __atomic_load_n(&ws->ctl, __ATOMIC_SEQ_CST);
        words[0] = &ws->ctl;
        n = 1 + ti_ws_arm(ws, words + 1, seqs + 1, TI_WS_WORDS - 1, 1);
        if (__atomic_load_n(&ws->interrupt, __ATOMIC_SEQ_CST) &&
            __atomic_exchange_n(&ws->interrupt, 0, __ATOMIC_ACQ_REL)) {
            ti_ws_disarm(ws, 1);
            if (err)
                *err = TACHYON_ERR_INTERRUPTED;
            break;
        }
        if (ti_ws_collect(ws, NULL, 0, 1)) {
            ti_ws_disarm(ws, 1);
            continue;
        }
        sleep_ns = deadline - now < TACHYON_WATCHDOG_NS ? deadline - now : TACHYON_WATCHDOG_NS;
        r = ti_futex_waitv(words, seqs, n, sleep_ns);
        ti_ws_disarm(ws, 1);
        if (ti_wait_interrupted(r)) {
            if (err)
                *err = TACHYON_ERR_INTERRUPTED;
            break;
        }
        if (r == ETIMEDOUT)
            ti_ws_check_peers(ws);
        else if (r != 0 && r != EFAULT && r != EINTR) { /* EINTR: the interrupt check let the wait go on */
            if (err)
                *err = TACHYON_ERR_SYSTEM;
            break;
        }
    }
    pthread_mutex_unlock(&ws->lock);
    return count > max ? max : count;
}

/* ---- The readiness fd ------------------------------------------------------ */

static void *ti_ws_notifier(void *arg)
{
    tachyon_waitset_t *ws = arg;

    while (!__atomic_load_n(&ws->stop, __ATOMIC_ACQUIRE)) {
        uint32_t *words[TI_WS_WORDS];
        uint32_t seqs[TI_WS_WORDS];
        uint32_t ctl = __atomic_load_n(&ws->ctl, __ATOMIC_SEQ_CST);
        unsigned n = 0;
        int ready, r;

        if (!__atomic_load_n(&ws->armed, __ATOMIC_ACQUIRE)) {
            ti_futex_wait(&ws->ctl, ctl, TACHYON_WATCHDOG_NS);
            continue;
        }
        /* The control word first, so a re-arm, a new member or stop wakes us. */
        words[n] = &ws->ctl;
        seqs[n++] = ctl;
        pthread_mutex_lock(&ws->lock);
        n += ti_ws_arm(ws, words + 1, seqs + 1, TI_WS_WORDS - 1, 0);
        ready = ti_ws_collect(ws, NULL, 0, 0) != 0;
        pthread_mutex_unlock(&ws->lock);
        if (!ready) {
            r = ti_futex_waitv(words, seqs, n, TACHYON_WATCHDOG_NS);
            pthread_mutex_lock(&ws->lock);
            ready = ti_ws_collect(ws, NULL, 0, 0) != 0 || (r == ETIMEDOUT && ti_ws_pidfds_dead(ws));
            pthread_mutex_unlock(&ws->lock);
        }
        pthread_mutex_lock(&ws->lock);
        ti_ws_disarm(ws, 0);
        pthread_mutex_unlock(&ws->lock);
        if (ready) {
            uint64_t one = 1;
            __atomic_store_n(&ws->armed, 0, __ATOMIC_SEQ_CST);
            (void)!write(ws->efd, &one, sizeof(one));
        }
    }
    return NULL;
}

void tachyon_waitset_interrupt(tachyon_waitset_t *ws)
{
    if (!ws)
        return;
    __atomic_store_n(&ws->interrupt, 1, __ATOMIC_SEQ_CST);
    ti_ws_poke(ws); /* the notifier thread wakes too, finds nothing new, sleeps again */
}

int tachyon_waitset_fd(tachyon_waitset_t *ws)
{
    if (!ws)
        return -1;
    if (ws->efd >= 0)
        return ws->efd;
    ws->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ws->efd < 0)
        return -1;
    __atomic_store_n(&ws->armed, 1, __ATOMIC_SEQ_CST);
    if (pthread_create(&ws->thread, NULL, ti_ws_notifier, ws) != 0) {
        close(ws->efd);
        ws->efd = -1;
        return -1;
    }
    ws->thread_started = 1;
    return ws->efd;
}

void tachyon_waitset_destroy(tachyon_waitset_t *ws)
{
    if (!ws)
        return;
    if (ws->thread_started) {
        __atomic_store_n(&ws->stop, 1, __ATOMIC_SEQ_CST);
        ti_ws_poke(ws);
        pthread_join(ws->thread, NULL);
    }
    pthread_mutex_lock(&ws->lock);
    ti_ws_disarm(ws, 1);
    pthread_mutex_unlock(&ws->lock);
    if (ws->efd >= 0)
        close(ws->efd);
    pthread_mutex_destroy(&ws->lock);
    free(ws);
}
