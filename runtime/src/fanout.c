/*
 * fanout.c - one producer, many subscribers reading the same frames in place.
 *
 * The segment (ABI.md, "Fan-out segment") is a 4096-byte header, a table of
 * TACHYON_MAX_MEMBERS subscriber slots of 128 bytes, then the ring, in the
 * frame format of a bus. The producer publishes `tail` on every commit; each
 * subscriber keeps its own `head` in its slot. The producer may overwrite a
 * frame once every ACTIVE subscriber's head is past it and it moved `oldest`
 * (the oldest frame still intact, where an OLDEST joiner starts) past it.
 *
 * Joining races with the producer's reclaiming; the join generation closes the
 * race (all seq_cst):
 *   subscriber: head = p; state = ACTIVE; join_gen++; o = oldest;
 *               if p < o: head = o and check again.
 *   producer:   g = join_gen; m = min(ACTIVE heads); oldest = up to m;
 *               if join_gen != g: scan again before writing anything.
 * Either the producer's second load of join_gen sees the increment (it scans
 * again and finds the new head), or it came first, and then so did its store
 * of `oldest`, which the subscriber's load sees: it moves its head up.
 *
 * A subscriber dropped under TACHYON_LAG_DROP is CAS'ed from ACTIVE to LAGGED
 * before the producer writes over anything it had not read; the subscriber
 * checks its state after reading (an acquire fence, then the load: the seqlock
 * reader's order), so it never mistakes overwritten bytes for its message.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define TI_FO_MAGIC 0x54554f4648434154ull       /* "TACHFOUT" */
#define TI_SUB_HELLO_MAGIC 0x4855534248434154ull /* "TACHSUBH" */
#define TI_FO_SLOTS_OFF 4096u
#define TI_FO_HEADER_SIZE (TI_FO_SLOTS_OFF + TACHYON_MAX_MEMBERS * TI_LINE) /* 12288 */
#define TI_FO_SPIN 1024u /* pause iterations before a sleep */

/* header flags: the producer publishes `tail` with a plain release store
 * (no fence); a subscriber that raises wake_wanted (or arms its fd) makes
 * the producer's threads execute a full barrier (membarrier
 * GLOBAL_EXPEDITED; the producer registered for it) before it re-reads tail */
#define TI_FO_FLAG_MEMBARRIER 1u

/* slot states */
#define TI_SLOT_FREE 0u
#define TI_SLOT_RESERVED 1u /* handed out by the listener, not joined yet */
#define TI_SLOT_ACTIVE 2u
#define TI_SLOT_LAGGED 3u
#define TI_SLOT_CLOSED 4u

struct ti_fo_shared {
    /* line 0: identity, written once by the producer */
    uint64_t magic;
    uint32_t abi_version;
    uint32_t byte_order;
    uint32_t header_size;
    uint32_t frame_align;
    uint64_t capacity;
    uint64_t max_message;
    uint64_t schema_fp;
    uint32_t policy;
    uint32_t max_members;
    uint32_t flags; /* TI_FO_FLAG_* */
    uint8_t pad0[TI_LINE - 60];
    /* line 1: written by the producer */
    uint64_t tail;
    uint64_t oldest;
    uint32_t producer_state;
    uint32_t producer_pid;
    uint8_t pad1[TI_LINE - 24];
    /* line 2: subscribers sleep on data_seq after raising wake_wanted; the
     * producer wakes one of them, which wakes the rest (pass_on); fd_wanted
     * names the slots whose readiness fds are armed */
    uint32_t data_seq;
    uint32_t wake_wanted;
    uint32_t pass_on;
    uint32_t pad2a;
    uint64_t fd_wanted;
    uint8_t pad2[TI_LINE - 24];
    /* line 3: the producer sleeps on space_seq, until slot wake_slot's head
     * reaches wake_head */
    uint32_t producer_sleeping;
    uint32_t space_seq;
    uint64_t wake_head;
    uint32_t wake_slot;
    uint8_t pad3[TI_LINE - 20];
    /* line 4: bumped by every join */
    uint32_t join_gen;
    uint8_t pad4[TI_LINE - 4];
    uint8_t reserved[TI_FO_SLOTS_OFF - 5 * TI_LINE];
};

struct ti_fo_slot {
    uint64_t head;     /* subscriber: next position it reads (everything before is released) */
    uint32_t state;    /* TI_SLOT_* */
    uint32_t pid;      /* listener: the subscriber's pid (SO_PEERCRED) */
    uint32_t uid;      /* listener: its uid */
    uint32_t gen;      /* listener: bumped each time the slot is handed out */
    uint32_t sleeping; /* subscriber: 1 while it sleeps (informational) */
    uint32_t fd_armed; /* subscriber raises it (then wake_wanted); the producer takes it down and signals the readiness fd */
    uint8_t pad[TI_LINE - 32];
};

_Static_assert(sizeof(struct ti_fo_shared) == TI_FO_SLOTS_OFF, "fan-out header is 4096 bytes");
_Static_assert(sizeof(struct ti_fo_slot) == TI_LINE, "a slot is one 128-byte line");
_Static_assert(offsetof(struct ti_fo_shared, policy) == 48, "ABI: policy at 48");
_Static_assert(offsetof(struct ti_fo_shared, flags) == 56, "ABI: flags at 56");
_Static_assert(offsetof(struct ti_fo_shared, tail) == 128, "ABI: tail at 128");
_Static_assert(offsetof(struct ti_fo_shared, oldest) == 136, "ABI: oldest at 136");
_Static_assert(offsetof(struct ti_fo_shared, data_seq) == 256, "ABI: data_seq at 256");
_Static_assert(offsetof(struct ti_fo_shared, pass_on) == 264, "ABI: pass_on at 264");
_Static_assert(offsetof(struct ti_fo_shared, fd_wanted) == 272, "ABI: fd_wanted at 272");
_Static_assert(offsetof(struct ti_fo_shared, producer_sleeping) == 384, "ABI: producer_sleeping at 384");
_Static_assert(offsetof(struct ti_fo_shared, wake_head) == 392, "ABI: wake_head at 392");
_Static_assert(offsetof(struct ti_fo_shared, wake_slot) == 400, "ABI: wake_slot at 400");
_Static_assert(offsetof(struct ti_fo_shared, join_gen) == 512, "ABI: join_gen at 512");
_Static_assert(offsetof(struct ti_fo_slot, sleeping) == 24, "ABI: slot sleeping at 24");
_Static_assert(offsetof(struct ti_fo_slot, fd_armed) == 28, "ABI: slot fd_armed at 28");
#define TI_SUB_HELLO_EFD 1u /* sub HELLO byte 36: the signal end of the subscriber's readiness fd travels with it */

struct tachyon_fanout {
    struct ti_fo_shared *hdr;
    struct ti_fo_slot *slots;
    uint8_t *ring;
    uint64_t capacity, mask, max_message;
    uint32_t policy;
    uint64_t wpos;   /* next write position (== tail outside a reservation) */
    uint64_t oldest; /* == hdr->oldest; no ACTIVE head is below it */
    int reserving;
    uint64_t res_frame, res_max;
    tachyon_error_t last_error;
    int64_t last_reap;
    int interrupt;
    /* Bit i: slot i was handed out at least once (the listener sets it,
     * under lock, before the slot can turn ACTIVE; never cleared). The
     * producer's scans visit only these slots. Slots are handed out lowest
     * first, so the mask stays as wide as the most subscribers at once. */
    uint64_t used;
    /* The last reclaim that failed: the slot with the lowest head, and the
     * position every head had to reach. */
    int slow;
    uint64_t need;
    uint64_t sleeps; /* futex sleeps of a blocked producer (ti_test_fanout_sleeps) */
    int membarrier;  /* TI_FO_FLAG_MEMBARRIER: the commit's store of tail has no fence */

    /* the listener thread and what it shares with the producer (under lock) */
    pthread_mutex_t lock;
    struct ti_acceptor acceptor;
    int memfd;
    tachyon_options_t opts;
    int pidfd[TACHYON_MAX_MEMBERS];
    int efd[TACHYON_MAX_MEMBERS]; /* each subscriber's readiness fd, signal end (-1: none); under lock */
    void *map;
    size_t map_len;
};

struct tachyon_sub {
    struct ti_fo_shared *hdr;
    struct ti_fo_slot *slot;
    uint8_t *ring;
    uint64_t capacity, mask, max_message;
    uint64_t rpos, limit;
    int hold;
    uint64_t held_end;
    tachyon_error_t last_error;
    int peer_dead;
    int pidfd;
    int efd; /* our readiness fd's watch end; the producer holds the signal end */
    uint32_t index; /* our slot's index (the producer's wake_slot names it) */
    uint64_t timeouts; /* futex waits that ran out (ti_test_sub_timeouts) */
    int membarrier;    /* the producer publishes without a fence: we pay it (ti_sub_fence) */
    uint32_t idle_polls;
    int64_t last_peer_check;
    int interrupt; /* set by tachyon_sub_interrupt from any thread; taken by a wait */
    void *map;
    size_t map_len;
};

/* ---- Producer: reclaiming room -------------------------------------------- */

/* Wakes the sleeping subscribers (one bump of the word they all sleep on)
 * and signals the readiness fd of each one that armed it. The fds are the
 * listener's to replace, hence the lock (taken only here, off the hot path).
 *
 * `all` (a drop, the producer closing): FUTEX_WAKE every sleeper and look at
 * every used slot's fd_armed. Otherwise (a commit) the producer's cost does
 * not grow with the sleepers: it bumps data_seq, raises pass_on and wakes
 * ONE sleeper, and the first subscriber whose futex wait returns and finds
 * pass_on raised takes it down and wakes the rest (ti_sub_pass_on). No lost
 * wake-up: after the bump no FUTEX_WAIT on the old value can queue (the
 * kernel compares the word), so the sleepers owed this wake are the ones
 * queued before it. If one of them is queued when the producer's single
 * wake runs, that wake takes one (pass_on was raised before it), which wakes
 * all; if someone took pass_on down earlier (it returned from a wait of its
 * own), its wake-all came after the bump and took them all. A woken
 * subscriber that dies before passing on leaves the
 * others asleep until their watchdog wake (at most TACHYON_WATCHDOG_NS),
 * after which they read the ring and pass on what they find raised. Only the
 * slots named in fd_wanted are looked at for armed fds. */
static void ti_fo_wake_subscribers(tachyon_fanout_t *pub, int all)
{
    struct ti_fo_shared *hdr = pub->hdr;
    uint64_t used = __atomic_load_n(&pub->used, __ATOMIC_ACQUIRE);
    int locked = 0;

    if (all) {
        __atomic_fetch_add(&hdr->data_seq, 1, __ATOMIC_RELEASE);
        ti_futex_wake_all(&hdr->data_seq);
        (void)__atomic_exchange_n(&hdr->fd_wanted, 0, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_add(&hdr->data_seq, 1, __ATOMIC_RELEASE);
        ti_store_seqcst(&hdr->pass_on, 1); /* after the bump: see above */
        ti_futex_wake(&hdr->data_seq);
        /* seq_cst, after the load of wake_wanted: sees the bit of every
         * subscriber whose wake_wanted store that load saw. Bits of slots
         * never handed out are ignored (no fd there). */
        used &= __atomic_exchange_n(&hdr->fd_wanted, 0, __ATOMIC_SEQ_CST);
    }
    for (; used; used &= used - 1) {
        unsigned i = (unsigned)__builtin_ctzll(used);
        uint32_t *armed = &pub->slots[i].fd_armed;
        if (!ti_load_seqcst(armed) || !__atomic_exchange_n(armed, 0, __ATOMIC_SEQ_CST))
            continue;
        if (!locked) {
            pthread_mutex_lock(&pub->lock);
            locked = 1;
        }
        if (pub->efd[i] >= 0)
            ti_wake_fd_signal(pub->efd[i]);
    }
    if (locked)
        pthread_mutex_unlock(&pub->lock);
}

/* Drops slot `s` (ACTIVE -> LAGGED); 1 if this call dropped it. */
static int ti_fo_drop(struct ti_fo_slot *s)
{
    uint32_t want = TI_SLOT_ACTIVE;

    return __atomic_compare_exchange_n(&s->state, &want, TI_SLOT_LAGGED, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* The lowest head among ACTIVE subscribers (wpos if none); its slot in
 * pub->slow. A head that cannot be valid (ahead of wpos, or a whole ring
 * behind) is a hostile or broken subscriber's: it is dropped. With
 * `drop_below` (TACHYON_LAG_DROP) every subscriber whose head is below it is
 * dropped too. Only slots in pub->used are visited: the mask is loaded after
 * join_gen (see the top of file), and a slot's bit is set before the slot is
 * handed out, so a joiner the join_gen check counts on is in it. A state
 * scribbled into a never-used slot is ignored, as unknown states are. */
static uint64_t ti_fo_min_head(tachyon_fanout_t *pub, uint64_t drop_below, int *dropped)
{
    uint64_t m = pub->wpos;
    uint64_t used = __atomic_load_n(&pub->used, __ATOMIC_ACQUIRE);

    pub->slow = -1;
    for (; used; used &= used - 1) {
        unsigned i = (unsigned)__builtin_ctzll(used);
        struct ti_fo_slot *s = &pub->slots[i];
        uint64_t h;

        if (ti_load_seqcst(&s->state) != TI_SLOT_ACTIVE)
            continue;
        h = ti_load_seqcst(&s->head);
        if (h > pub->wpos || pub->wpos - h > pub->capacity || (h & (TACHYON_FRAME_ALIGN - 1)) != 0 ||
            h < drop_below) {
            *dropped |= ti_fo_drop(s);
            continue;
        }
        if (h < m) {
            m = h;
            pub->slow = (int)i;
        }
    }
    return m;
}

/* Moves pub->oldest over whole frames until it reaches `r`, and on up to
 * `target` while frames end there. The frames are the producer's own, but the
 * memory is shared: a frame that does not verify ends the walk at `target`
 * (which is a subscriber's head or wpos, so nothing readable is lost). */
static void ti_fo_walk(tachyon_fanout_t *pub, uint64_t r, uint64_t target)
{
    uint64_t p = pub->oldest;

    while (p < target) {
        uint64_t idx = p & pub->mask, len;
        const struct ti_frame *f = (const struct ti_frame *)(pub->ring + idx);
        uint64_t stamp = ti_load_relaxed(&f->stamp);

        if (stamp == (p ^ TI_STAMP_MSG)) {
            uint32_t size = ti_load_relaxed(&f->size);
            len = ti_frame_len(size);
            if (size > pub->max_message || idx + len > pub->capacity) {
                p = target;
                break;
            }
        } else if (stamp == (p ^ TI_STAMP_WRAP) && idx != 0) {
            len = pub->capacity - idx;
        } else {
            p = target;
            break;
        }
        if (p >= r && p + len > target)
            break;
        p += len;
    }
    pub->oldest = p > target ? target : p;
}

/* Makes positions below `r` free to overwrite: every ACTIVE head and `oldest`
 * at or past r. OK, or FULL (TACHYON_LAG_BLOCK and a subscriber is behind). */
static tachyon_error_t ti_fo_reclaim(tachyon_fanout_t *pub, uint64_t r)
{
    struct ti_fo_shared *hdr = pub->hdr;

    for (;;) {
        uint32_t gen = ti_load_seqcst(&hdr->join_gen);
        int dropped = 0;
        uint64_t m = ti_fo_min_head(pub, pub->policy == TACHYON_LAG_DROP ? r : 0, &dropped);
        uint64_t target;

        if (dropped)
            ti_fo_wake_subscribers(pub, 1); /* a dropped sleeper learns it now */
        if (m < pub->oldest) {
            /* A joiner read `oldest` before our last advance; its head is a
             * frame boundary we have not overwritten yet. */
            pub->oldest = m;
            ti_store_seqcst(&hdr->oldest, m);
        }
        if (m < r)
            return TACHYON_ERR_FULL;
        target = r + pub->capacity / 8 < m ? r + pub->capacity / 8 : m;
        ti_fo_walk(pub, r, target);
        if (pub->oldest < r)
            pub->oldest = m; /* the walk met a broken frame */
        ti_store_seqcst(&hdr->oldest, pub->oldest);
        if (ti_load_seqcst(&hdr->join_gen) == gen)
            return TACHYON_OK;
    }
}

/* Dead subscribers stop holding the producer back: their slots are closed. */
static void ti_fo_reap(tachyon_fanout_t *pub)
{
    pthread_mutex_lock(&pub->lock);
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++) {
        struct ti_fo_slot *s = &pub->slots[i];
        uint32_t st = ti_load_acquire(&s->state);
        struct pollfd pfd = {.fd = pub->pidfd[i], .events = POLLIN};

        if (st == TI_SLOT_FREE || st == TI_SLOT_CLOSED || pub->pidfd[i] < 0)
            continue;
        if (poll(&pfd, 1, 0) <= 0)
            continue;
        ti_store_seqcst(&s->state, TI_SLOT_CLOSED);
        ti_store_relaxed(&s->sleeping, 0);
    }
    pthread_mutex_unlock(&pub->lock);
}

/* ---- Producer: the hot path ------------------------------------------------ */

static void *ti_fo_fail_ptr(tachyon_fanout_t *pub, tachyon_error_t err)
{
    pub->last_error = err;
    return NULL;
}

/* `waiting`: called from acquire_tx_until, whose sleeps poll the pidfds on
 * each watchdog timeout: a FULL then reads no clock. */
static inline void *ti_fo_acquire(tachyon_fanout_t *pub, size_t max_size, int waiting)
{
    uint64_t len, idx, frame, end;

    if (TI_UNLIKELY(!pub))
        return NULL;
    if (TI_UNLIKELY(pub->reserving))
        return ti_fo_fail_ptr(pub, TACHYON_ERR_STATE);
    if (TI_UNLIKELY(max_size > pub->max_message))
        return ti_fo_fail_ptr(pub, TACHYON_ERR_TOO_LARGE);
    len = ti_frame_len(max_size);
    idx = pub->wpos & pub->mask;
    frame = idx + len <= pub->capacity ? pub->wpos : pub->wpos + (pub->capacity - idx);
    end = frame + len;
    if (end > pub->capacity && end - pub->capacity > pub->oldest) {
        tachyon_error_t err = ti_fo_reclaim(pub, end - pub->capacity);
        if (err != TACHYON_OK) {
            pub->need = end - pub->capacity;
            /* Polling on FULL must still see a subscriber die. */
            int64_t now = waiting ? 0 : ti_now_ns();
            if (!waiting && now - pub->last_reap >= TACHYON_WATCHDOG_NS) {
                pub->last_reap = now;
                ti_fo_reap(pub);
            }
            return ti_fo_fail_ptr(pub, err);
        }
    }
    pub->reserving = 1;
    pub->res_frame = frame;
    pub->res_max = max_size;
    return pub->ring + (frame & pub->mask) + TACHYON_FRAME_HEADER;
}

void *tachyon_fanout_acquire_tx(tachyon_fanout_t *pub, size_t max_size)
{
    return ti_fo_acquire(pub, max_size, 0);
}

static void ti_fo_frame(uint8_t *ring, uint64_t mask, uint64_t pos, uint32_t size, uint32_t type_id, uint64_t key)
{
    struct ti_frame *f = (struct ti_frame *)(ring + (pos & mask));

    ti_store_relaxed(&f->size, size);
    ti_store_relaxed(&f->type_id, type_id);
    ti_store_release(&f->stamp, pos ^ key);
}

tachyon_error_t tachyon_fanout_commit_tx(tachyon_fanout_t *pub, size_t actual_size, uint32_t type_id)
{
    struct ti_fo_shared *hdr;

    if (TI_UNLIKELY(!pub))
        return TACHYON_ERR_INVALID_ARG;
    if (TI_UNLIKELY(!pub->reserving))
        return pub->last_error = TACHYON_ERR_STATE;
    if (TI_UNLIKELY(actual_size > pub->res_max))
        return pub->last_error = TACHYON_ERR_INVALID_ARG;
    hdr = pub->hdr;
    if (pub->res_frame != pub->wpos)
        ti_fo_frame(pub->ring, pub->mask, pub->wpos, 0, 0, TI_STAMP_WRAP);
    ti_fo_frame(pub->ring, pub->mask, pub->res_frame, (uint32_t)actual_size, type_id, TI_STAMP_MSG);
    pub->wpos = pub->res_frame + ti_frame_len(actual_size);
    pub->reserving = 0;
    /* The release pairs with the subscribers' acquire load of tail, and the
     * store is the first half of the Dekker pair with `wake_wanted`. With
     * TI_FO_FLAG_MEMBARRIER the store needs no fence: a subscriber that raised
     * wake_wanted makes every thread of ours execute a full barrier
     * (ti_sub_fence) before it re-reads tail, so either that barrier came
     * after our store (it sees the tail) or before our load of wake_wanted
     * (we see the flag). Only the compiler must keep the load after the
     * store. Without it (the kernel refused the registration), seq_cst. Taking
     * the flag down (exchange) makes only the first commit after a sleeper
     * announced itself pay for the wake; every sleeper read data_seq before it
     * raised the flag, so one bump is owed to them all, and one FUTEX_WAKE
     * plus pass_on delivers it (ti_fo_wake_subscribers). */
    if (TI_LIKELY(pub->membarrier)) {
        ti_store_release(&hdr->tail, pub->wpos);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
    } else {
        (void)__atomic_exchange_n(&hdr->tail, pub->wpos, __ATOMIC_SEQ_CST);
    }
    if (TI_UNLIKELY(ti_load_seqcst(&hdr->wake_wanted) != 0) &&
        __atomic_exchange_n(&hdr->wake_wanted, 0, __ATOMIC_SEQ_CST))
        ti_fo_wake_subscribers(pub, 0);
    return TACHYON_OK;
}

tachyon_error_t tachyon_fanout_rollback_tx(tachyon_fanout_t *pub)
{
    if (!pub)
        return TACHYON_ERR_INVALID_ARG;
    if (!pub->reserving)
        return pub->last_error = TACHYON_ERR_STATE;
    pub->reserving = 0;
    return TACHYON_OK;
}

/* A blocked producer (TACHYON_LAG_BLOCK; the ring is full) waits for the
 * slowest subscriber only: it names that slot (wake_slot) and the head it
 * must reach (wake_head: what the message needs plus an eighth of the ring,
 * capped at wpos so that draining the ring gets there), and only that
 * subscriber's commit wakes it. The others' commits never touch it, and the
 * slack lets the next sends find room without a scan each. No lost wake-up:
 *   producer:   seq = space_seq; producer_sleeping = 1; scan the heads (the
 *               reclaim, seq_cst): still short, slowest is j; wake_head = w,
 *               wake_slot = j (seq_cst); reload j's head and state (seq_cst);
 *               below w and ACTIVE: FUTEX_WAIT(space_seq, seq).
 *   subscriber: head = x (seq_cst exchange); producer_sleeping (seq_cst);
 *               if 1: wake_slot, wake_head (seq_cst); if they name us and
 *               x >= wake_head: take the flag down (exchange), bump
 *               space_seq, FUTEX_WAKE.
 * Either j's head store comes after the producer's reload in the seq_cst
 * order, and then after its stores of the flag, wake_head and wake_slot,
 * which j's loads see; or the reload sees the new head and the producer does
 * not sleep. A subscriber between what the message needs and wake_head that
 * stops reading leaves the producer to its watchdog timeout (a late wake,
 * never a lost message, as a hostile wake_slot or wake_head can only cause);
 * one that leaves bumps space_seq itself, and a dead one is reaped on the
 * watchdog timeout. */
void *tachyon_fanout_acquire_tx_until(tachyon_fanout_t *pub, size_t max_size, int64_t deadline_ns)
{
    int64_t deadline = ti_deadline_norm(deadline_ns);
    struct ti_fo_shared *hdr;

    if (!pub)
        return NULL;
    hdr = pub->hdr;
    for (;;) {
        void *slot = ti_fo_acquire(pub, max_size, 1);
        struct ti_fo_slot *slow;
        uint64_t want;
        uint32_t seq;
        int64_t now;
        int r;

        if (slot || pub->last_error != TACHYON_ERR_FULL)
            return slot;
        /* Spin on the slowest subscriber's line alone (FULL always names
         * one: a head below the need was the lowest). */
        want = pub->need + pub->capacity / 8 < pub->wpos ? pub->need + pub->capacity / 8 : pub->wpos;
        slow = &pub->slots[pub->slow >= 0 ? pub->slow : 0];
        for (unsigned i = 0; i < TI_FO_SPIN && pub->slow >= 0; i++) {
            if (ti_load_acquire(&slow->head) >= want || ti_load_acquire(&slow->state) != TI_SLOT_ACTIVE)
                break;
            ti_cpu_relax();
        }
        /* Acquire: pairs with a subscriber's release increment of space_seq. */
        seq = ti_load_acquire(&hdr->space_seq);
        if (__atomic_exchange_n(&pub->interrupt, 0, __ATOMIC_ACQ_REL))
            return ti_fo_fail_ptr(pub, TACHYON_ERR_INTERRUPTED);
        ti_store_seqcst(&hdr->producer_sleeping, 1);
        slot = ti_fo_acquire(pub, max_size, 1); /* its scan is the second half of the Dekker pair */
        if (slot || pub->last_error != TACHYON_ERR_FULL) {
            ti_store_relaxed(&hdr->producer_sleeping, 0);
            return slot;
        }
        want = pub->need + pub->capacity / 8 < pub->wpos ? pub->need + pub->capacity / 8 : pub->wpos;
        slow = &pub->slots[pub->slow >= 0 ? pub->slow : 0];
        ti_store_seqcst(&hdr->wake_head, want);
        ti_store_seqcst(&hdr->wake_slot, pub->slow >= 0 ? (uint32_t)pub->slow : TACHYON_MAX_MEMBERS);
        if (pub->slow >= 0 &&
            (ti_load_seqcst(&slow->head) >= want || ti_load_seqcst(&slow->state) != TI_SLOT_ACTIVE)) {
            ti_store_relaxed(&hdr->producer_sleeping, 0);
            continue;
        }
        now = ti_now_ns();
        if (now >= deadline) {
            ti_store_relaxed(&hdr->producer_sleeping, 0);
            return ti_fo_fail_ptr(pub, TACHYON_ERR_TIMEOUT);
        }
        r = ti_futex_wait(&hdr->space_seq, seq,
                          deadline - now < TACHYON_WATCHDOG_NS ? deadline - now : TACHYON_WATCHDOG_NS);
        pub->sleeps++;
        ti_store_relaxed(&hdr->producer_sleeping, 0);
        if (ti_wait_interrupted(r))
            return ti_fo_fail_ptr(pub, TACHYON_ERR_INTERRUPTED);
        if (r == ETIMEDOUT)
            ti_fo_reap(pub);
        else if (r != 0 && r != EINTR) /* EINTR: the interrupt check let the wait go on */
            return ti_fo_fail_ptr(pub, TACHYON_ERR_SYSTEM);
    }
}

uint64_t ti_test_fanout_sleeps(const tachyon_fanout_t *pub)
{
    return pub->sleeps;
}

uint64_t ti_test_sub_timeouts(const tachyon_sub_t *sub)
{
    return sub->timeouts;
}

tachyon_error_t tachyon_fanout_send_until(tachyon_fanout_t *pub, const void *data, size_t size, uint32_t type_id,
                                          int64_t deadline_ns)
{
    void *slot;

    if (!pub)
        return TACHYON_ERR_INVALID_ARG;
    if (!data && size)
        return pub->last_error = TACHYON_ERR_INVALID_ARG;
    slot = deadline_ns == 0 ? tachyon_fanout_acquire_tx(pub, size)
                            : tachyon_fanout_acquire_tx_until(pub, size, deadline_ns);
    if (!slot)
        return pub->last_error;
    if (size)
        memcpy(slot, data, size);
    return tachyon_fanout_commit_tx(pub, size, type_id);
}

void tachyon_fanout_interrupt(tachyon_fanout_t *pub)
{
    if (!pub)
        return;
    /* Flag first, then move the word the producer sleeps on (as
     * tachyon_bus_interrupt): it checks the flag after loading the word. */
    __atomic_store_n(&pub->interrupt, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&pub->hdr->space_seq, 1, __ATOMIC_RELEASE);
    ti_futex_wake(&pub->hdr->space_seq);
}

size_t tachyon_fanout_subscribers(tachyon_fanout_t *pub)
{
    size_t n = 0;

    if (!pub)
        return 0;
    for (uint64_t used = __atomic_load_n(&pub->used, __ATOMIC_ACQUIRE); used; used &= used - 1)
        n += ti_load_acquire(&pub->slots[__builtin_ctzll(used)].state) == TI_SLOT_ACTIVE;
    return n;
}

tachyon_error_t tachyon_fanout_last_error(const tachyon_fanout_t *pub)
{
    return pub ? pub->last_error : TACHYON_ERR_INVALID_ARG;
}

size_t tachyon_fanout_max_message_size(const tachyon_fanout_t *pub)
{
    return pub ? (size_t)pub->max_message : 0;
}

/* ---- Producer: the listener thread ---------------------------------------- */

/* Hands out a free slot to a subscriber with `cred`; -1 if the table is full. */
static int ti_fo_take_slot(tachyon_fanout_t *pub, const struct ucred *cred, int *efd, uint32_t *gen)
{
    int found = -1;

    pthread_mutex_lock(&pub->lock);
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS && found < 0; i++) {
        struct ti_fo_slot *s = &pub->slots[i];
        uint32_t st = ti_load_acquire(&s->state);

        if (st != TI_SLOT_FREE && st != TI_SLOT_CLOSED)
            continue;
        if (pub->pidfd[i] >= 0)
            close(pub->pidfd[i]);
        pub->pidfd[i] = ti_pidfd_open(cred->pid);
        if (pub->efd[i] >= 0)
            close(pub->efd[i]);
        pub->efd[i] = *efd;
        *efd = -1;
        ti_store_relaxed(&s->fd_armed, 0);
        *gen = ti_load_relaxed(&s->gen) + 1;
        ti_store_relaxed(&s->gen, *gen);
        ti_store_relaxed(&s->pid, (uint32_t)cred->pid);
        ti_store_relaxed(&s->uid, (uint32_t)cred->uid);
        ti_store_relaxed(&s->head, 0);
        ti_store_relaxed(&s->sleeping, 0);
        __atomic_fetch_or(&pub->used, 1ull << i, __ATOMIC_RELEASE);
        ti_store_seqcst(&s->state, TI_SLOT_RESERVED);
        found = (int)i;
    }
    pthread_mutex_unlock(&pub->lock);
    return found;
}

static void ti_fo_release_slot(tachyon_fanout_t *pub, int i)
{
    uint32_t want = TI_SLOT_RESERVED;

    pthread_mutex_lock(&pub->lock);
    __atomic_compare_exchange_n(&pub->slots[i].state, &want, TI_SLOT_FREE, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&pub->lock);
}

static tachyon_error_t ti_sub_check_hello(const uint8_t *rec, uint64_t fp)
{
    if (ti_get64(rec, 0) != TI_SUB_HELLO_MAGIC || ti_get32(rec, 8) != TACHYON_ABI_VERSION)
        return TACHYON_ERR_ABI_MISMATCH;
    if (ti_get32(rec, 12) != TI_BYTE_ORDER_MARK)
        return TACHYON_ERR_BYTE_ORDER;
    if (ti_get32(rec, 16) != TACHYON_FRAME_ALIGN || ti_get32(rec, 20) != TACHYON_FRAME_HEADER)
        return TACHYON_ERR_ALIGNMENT;
    if (ti_get64(rec, 24) != fp)
        return TACHYON_ERR_SCHEMA_MISMATCH;
    return TACHYON_OK;
}

/* One joiner: HELLO, the uid and parameter checks, a slot, WELCOME with the
 * memfd, ACK. Anything wrong drops the joiner; the listener goes on. */
static void ti_fo_serve(void *owner, int cfd)
{
    tachyon_fanout_t *pub = owner;
    int64_t deadline = ti_now_ns() + 2000000000ll;
    uint8_t rec[TI_REC_SIZE];
    struct ucred cred;
    tachyon_error_t status;
    uint32_t gen = 0;
    int slot, efd = -1;

    if (ti_peer_cred(cfd, &cred) != TACHYON_OK || ti_recv_rec(cfd, rec, &efd, deadline) != TACHYON_OK ||
        !ti_is_family(ti_get64(rec, 0)))
        goto out;
    if (!(pub->opts.flags & TACHYON_OPT_ALLOW_ANY_UID) && cred.uid != getuid()) {
        ti_welcome(rec, TACHYON_ERR_PERMISSION, 0, 0);
        (void)ti_send_rec(cfd, rec, -1, deadline);
        goto out;
    }
    status = ti_sub_check_hello(rec, pub->opts.schema_fingerprint);
    /* The producer signals this fd when the subscriber armed it: it must be a
     * datagram socket (ti_wake_fd_check), announced, and come alone. */
    if (status == TACHYON_OK && (ti_get32(rec, 36) != TI_SUB_HELLO_EFD || efd < 0 || ti_wake_fd_check(efd) != TACHYON_OK))
        status = TACHYON_ERR_HANDSHAKE;
    if (status == TACHYON_OK) {
        slot = ti_fo_take_slot(pub, &cred, &efd, &gen);
        if (slot < 0) {
            ti_fo_reap(pub);
            slot = ti_fo_take_slot(pub, &cred, &efd, &gen);
        }
        if (slot < 0)
            status = TACHYON_ERR_FULL;
    }
    ti_welcome(rec, status, pub->capacity, pub->opts.schema_fingerprint);
    if (status != TACHYON_OK) {
        (void)ti_send_rec(cfd, rec, -1, deadline);
        goto out;
    }
    ti_put32(rec, 32, (uint32_t)slot);
    ti_put32(rec, 36, gen);
    if (ti_send_rec(cfd, rec, pub->memfd, deadline) != TACHYON_OK ||
        ti_recv_rec(cfd, rec, NULL, deadline) != TACHYON_OK || ti_get64(rec, 0) != TI_ACK_MAGIC ||
        ti_get32(rec, 8) != TACHYON_OK)
        ti_fo_release_slot(pub, slot);
out:
    if (efd >= 0)
        close(efd);
}

/* ---- Producer: lifecycle --------------------------------------------------- */

static tachyon_error_t ti_fo_segment(tachyon_fanout_t *pub, uint64_t capacity, uint64_t fp, uint32_t policy)
{
    size_t len = TI_FO_HEADER_SIZE + capacity;
    struct ti_fo_shared *hdr;
    int fd = memfd_create("tachyon-fanout", MFD_CLOEXEC | MFD_ALLOW_SEALING);

    if (fd < 0)
        return ti_os_fail(TACHYON_ERR_NO_MEMORY, errno);
    if (ftruncate(fd, (off_t)len) != 0)
        goto fail;
    pub->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (pub->map == MAP_FAILED) {
        pub->map = NULL;
        goto fail;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
        goto fail;
    pub->map_len = len;
    hdr = pub->map;
    hdr->magic = TI_FO_MAGIC;
    hdr->abi_version = TACHYON_ABI_VERSION;
    hdr->byte_order = TI_BYTE_ORDER_MARK;
    hdr->header_size = TI_FO_HEADER_SIZE;
    hdr->frame_align = TACHYON_FRAME_ALIGN;
    hdr->capacity = capacity;
    hdr->max_message = ti_max_message(capacity);
    hdr->schema_fp = fp;
    hdr->policy = policy;
    hdr->max_members = TACHYON_MAX_MEMBERS;
    /* Registered (per process, again after a fork), the commits publish
     * without a fence; a kernel without membarrier keeps the seq_cst one. */
    pub->membarrier = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
    hdr->flags = pub->membarrier ? TI_FO_FLAG_MEMBARRIER : 0;
    hdr->producer_pid = (uint32_t)getpid();
    ti_store_release(&hdr->producer_state, TI_SIDE_ATTACHED);
    pub->memfd = fd;
    return TACHYON_OK;
fail:
    {
        int e = errno;
        if (pub->map)
            munmap(pub->map, len);
        pub->map = NULL;
        close(fd);
        return ti_os_fail(e == ENOMEM ? TACHYON_ERR_NO_MEMORY : TACHYON_ERR_SYSTEM, e);
    }
}

tachyon_error_t tachyon_fanout_listen(const char *path, size_t capacity, tachyon_lag_policy_t policy,
                                      const tachyon_options_t *opts, tachyon_fanout_t **out)
{
    tachyon_fanout_t *pub;
    tachyon_error_t err;

    if (!out)
        return TACHYON_ERR_INVALID_ARG;
    *out = NULL;
    if (policy != TACHYON_LAG_BLOCK && policy != TACHYON_LAG_DROP)
        return TACHYON_ERR_INVALID_ARG;
    if (!ti_capacity_valid(capacity))
        return TACHYON_ERR_CAPACITY;
    pub = aligned_alloc(TI_LINE, (sizeof(*pub) + TI_LINE - 1) & ~(size_t)(TI_LINE - 1));
    if (!pub)
        return TACHYON_ERR_NO_MEMORY;
    memset(pub, 0, sizeof(*pub));
    ti_acceptor_init(&pub->acceptor);
    pub->memfd = -1;
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++)
        pub->pidfd[i] = pub->efd[i] = -1;
    if (opts)
        pub->opts = *opts;
    pthread_mutex_init(&pub->lock, NULL);
    err = ti_fo_segment(pub, capacity, pub->opts.schema_fingerprint, (uint32_t)policy);
    if (err != TACHYON_OK)
        goto fail;
    pub->hdr = pub->map;
    pub->slots = (struct ti_fo_slot *)((uint8_t *)pub->map + TI_FO_SLOTS_OFF);
    pub->ring = (uint8_t *)pub->map + TI_FO_HEADER_SIZE;
    pub->capacity = capacity;
    pub->mask = capacity - 1;
    pub->max_message = ti_max_message(capacity);
    pub->policy = (uint32_t)policy;
    err = ti_acceptor_start(&pub->acceptor, path, ti_fo_serve, pub);
    if (err != TACHYON_OK)
        goto fail;
    *out = pub;
    return TACHYON_OK;
fail:
    tachyon_fanout_destroy(pub);
    return err;
}

void tachyon_fanout_destroy(tachyon_fanout_t *pub)
{
    if (!pub)
        return;
    ti_acceptor_stop(&pub->acceptor);
    if (pub->hdr) {
        /* seq_cst after the last tail store: a subscriber that sees CLOSED
         * then loads the final tail. */
        ti_store_seqcst(&pub->hdr->producer_state, TI_SIDE_CLOSED);
        ti_fo_wake_subscribers(pub, 1);
    }
    for (unsigned i = 0; i < TACHYON_MAX_MEMBERS; i++) {
        if (pub->pidfd[i] >= 0)
            close(pub->pidfd[i]);
        if (pub->efd[i] >= 0)
            close(pub->efd[i]);
    }
    if (pub->memfd >= 0)
        close(pub->memfd);
    if (pub->map)
        munmap(pub->map, pub->map_len);
    pthread_mutex_destroy(&pub->lock);
    free(pub);
}

/* ---- Subscriber ------------------------------------------------------------- */

static const void *ti_sub_fail_ptr(tachyon_sub_t *sub, tachyon_error_t err)
{
    sub->last_error = err;
    return NULL;
}

/* This subscriber's state, read after everything it read before (the
 * seqlock reader's acquire fence). */
static uint32_t ti_sub_state(const tachyon_sub_t *sub)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return ti_load_acquire(&sub->slot->state);
}

/* Takes a place at the newest or the oldest message (see the top of file). */
static tachyon_error_t ti_sub_join(tachyon_sub_t *sub, uint32_t join, uint32_t from_state)
{
    struct ti_fo_shared *hdr = sub->hdr;
    uint64_t p, tail;
    int activated = 0;

    p = (join & TACHYON_JOIN_OLDEST) ? ti_load_seqcst(&hdr->oldest) : ti_load_seqcst(&hdr->tail);
    for (;;) {
        uint64_t o;

        tail = ti_load_seqcst(&hdr->tail);
        if (p > tail || tail - p > sub->capacity || (p & (TACHYON_FRAME_ALIGN - 1)) != 0)
            return TACHYON_ERR_CORRUPT;
        ti_store_seqcst(&sub->slot->head, p);
        if (!activated) {
            uint32_t want = from_state;
            if (!__atomic_compare_exchange_n(&sub->slot->state, &want, TI_SLOT_ACTIVE, 0, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST))
                return TACHYON_ERR_STATE;
            activated = 1;
        }
        __atomic_fetch_add(&hdr->join_gen, 1, __ATOMIC_SEQ_CST);
        o = ti_load_seqcst(&hdr->oldest);
        if (p >= o)
            break;
        p = o;
    }
    sub->rpos = sub->limit = p;
    sub->hold = 0;
    return TACHYON_OK;
}

/* Rate-limited check that the producer lives, as ti_poll_peer_dead. */
static int ti_sub_producer_dead(tachyon_sub_t *sub, int now_please)
{
    struct pollfd pfd;
    int64_t now;

    if (sub->peer_dead)
        return 1;
    if (!now_please) {
        if ((++sub->idle_polls & 1023u) != 0)
            return 0;
        now = ti_now_ns();
        if (now - sub->last_peer_check < TACHYON_WATCHDOG_NS)
            return 0;
        sub->last_peer_check = now;
    }
    if (sub->pidfd < 0)
        return 0;
    pfd.fd = sub->pidfd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, 0) > 0)
        sub->peer_dead = 1;
    return sub->peer_dead;
}

/* The tail moved past `p`, or the end of the stream: OK, EMPTY, PEER_GONE,
 * LAGGED, CORRUPT. */
static tachyon_error_t ti_sub_refresh(tachyon_sub_t *sub, uint64_t p)
{
    /* Pairs with the producer's seq_cst exchange of tail. */
    uint64_t tail = ti_load_acquire(&sub->hdr->tail);

    if (tail == p) {
        if (ti_load_acquire(&sub->hdr->producer_state) == TI_SIDE_CLOSED) {
            tail = ti_load_acquire(&sub->hdr->tail);
            if (tail == p)
                return TACHYON_ERR_PEER_GONE;
        } else {
            return ti_sub_producer_dead(sub, 0) ? TACHYON_ERR_PEER_GONE : TACHYON_ERR_EMPTY;
        }
    }
    if (tail < p || tail - p > sub->capacity || (tail & (TACHYON_FRAME_ALIGN - 1)) != 0)
        return ti_sub_state(sub) == TI_SLOT_LAGGED ? TACHYON_ERR_LAGGED : TACHYON_ERR_CORRUPT;
    sub->limit = tail;
    return TACHYON_OK;
}

const void *tachyon_sub_acquire_rx(tachyon_sub_t *sub, uint32_t *type_id, size_t *size)
{
    uint64_t p;
    uint32_t st;

    if (TI_UNLIKELY(!sub))
        return NULL;
    if (TI_UNLIKELY(sub->hold))
        return ti_sub_fail_ptr(sub, TACHYON_ERR_STATE);
    st = ti_load_acquire(&sub->slot->state);
    if (TI_UNLIKELY(st != TI_SLOT_ACTIVE))
        return ti_sub_fail_ptr(sub, st == TI_SLOT_LAGGED ? TACHYON_ERR_LAGGED : TACHYON_ERR_STATE);
    p = sub->rpos;
    for (;;) {
        const struct ti_frame *f;
        uint64_t idx, stamp, len;

        if (p == sub->limit) {
            tachyon_error_t err = ti_sub_refresh(sub, p);
            if (err != TACHYON_OK)
                return ti_sub_fail_ptr(sub, err);
        }
        idx = p & sub->mask;
        f = (const struct ti_frame *)(sub->ring + idx);
        /* Pairs with the producer's release store of the stamp. */
        stamp = ti_load_acquire(&f->stamp);
        if (TI_LIKELY(stamp == (p ^ TI_STAMP_MSG))) {
            uint32_t sz = ti_load_relaxed(&f->size);
            len = ti_frame_len(sz);
            if (TI_UNLIKELY(sz > sub->max_message || idx + len > sub->capacity || len > sub->limit - p))
                break;
            sub->rpos = p;
            sub->hold = 1;
            sub->held_end = p + len;
            if (type_id)
                *type_id = ti_load_relaxed(&f->type_id);
            if (size)
                *size = sz;
            return (const uint8_t *)f + TACHYON_FRAME_HEADER;
        }
        if (stamp == (p ^ TI_STAMP_WRAP) && idx != 0 && sub->capacity - idx <= sub->limit - p) {
            p += sub->capacity - idx;
            continue;
        }
        break;
    }
    /* Overwritten under us (dropped), or broken. */
    return ti_sub_fail_ptr(sub, ti_sub_state(sub) == TI_SLOT_LAGGED ? TACHYON_ERR_LAGGED : TACHYON_ERR_CORRUPT);
}

/* The producer sleeps until the slowest subscriber (wake_slot) reaches
 * wake_head (see tachyon_fanout_acquire_tx_until): only that one wakes it. */
static __attribute__((noinline)) void ti_sub_wake_producer(tachyon_sub_t *sub)
{
    struct ti_fo_shared *hdr = sub->hdr;

    if (ti_load_seqcst(&hdr->wake_slot) != sub->index || sub->rpos < ti_load_seqcst(&hdr->wake_head))
        return;
    if (__atomic_exchange_n(&hdr->producer_sleeping, 0, __ATOMIC_SEQ_CST)) {
        __atomic_fetch_add(&hdr->space_seq, 1, __ATOMIC_RELEASE);
        ti_futex_wake(&hdr->space_seq);
    }
}

tachyon_error_t tachyon_sub_commit_rx(tachyon_sub_t *sub)
{
    struct ti_fo_shared *hdr;

    if (TI_UNLIKELY(!sub))
        return TACHYON_ERR_INVALID_ARG;
    if (TI_UNLIKELY(!sub->hold))
        return sub->last_error = TACHYON_ERR_STATE;
    sub->hold = 0;
    if (TI_UNLIKELY(ti_sub_state(sub) != TI_SLOT_ACTIVE))
        return sub->last_error = TACHYON_ERR_LAGGED;
    hdr = sub->hdr;
    sub->rpos = sub->held_end;
    /* seq_cst: the release pairs with the producer's scan of heads, and it is
     * the first half of the Dekker pair with producer_sleeping. */
    (void)__atomic_exchange_n(&sub->slot->head, sub->rpos, __ATOMIC_SEQ_CST);
    if (TI_UNLIKELY(ti_load_seqcst(&hdr->producer_sleeping)))
        ti_sub_wake_producer(sub);
    return TACHYON_OK;
}

/* The producer's half of the Dekker pair on tail / wake_wanted, paid here
 * (after our flag store, before our re-read of tail) when it publishes
 * without a fence: every running thread of every registered process (the
 * producer's among them) executes a full barrier before this returns. The
 * join checked that the call works; a later failure (it cannot fail for a
 * process it worked for) would only make a wake late, by a watchdog period. */
static void ti_sub_fence(tachyon_sub_t *sub)
{
    if (sub->membarrier)
        (void)syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
}

/* After any return from a wait on data_seq: if the producer's wake is still
 * to be passed on, take it and wake every other sleeper (see
 * ti_fo_wake_subscribers). */
static void ti_sub_pass_on(tachyon_sub_t *sub)
{
    uint32_t *pass = &sub->hdr->pass_on;

    if (ti_load_seqcst(pass) && __atomic_exchange_n(pass, 0, __ATOMIC_SEQ_CST))
        ti_futex_wake_all(&sub->hdr->data_seq);
}

/* Announces a sleep on data_seq (the caller read data_seq before) or says
 * it is over. The flag is shared by all subscribers: whoever raises it is
 * woken by the producer's next commit, along with everyone else asleep. */
static void ti_sub_sleeping(tachyon_sub_t *sub, int on)
{
    ti_store_relaxed(&sub->slot->sleeping, on ? 1u : 0u);
    if (on) {
        ti_store_seqcst(&sub->hdr->wake_wanted, 1);
        ti_sub_fence(sub);
    }
}

const void *tachyon_sub_acquire_rx_until(tachyon_sub_t *sub, uint32_t *type_id, size_t *size, int64_t deadline_ns)
{
    int64_t deadline = ti_deadline_norm(deadline_ns);
    struct ti_fo_shared *hdr;

    if (!sub)
        return NULL;
    hdr = sub->hdr;
    for (unsigned spins = 0;; spins++) {
        const void *msg = tachyon_sub_acquire_rx(sub, type_id, size);
        uint32_t seq;
        int64_t now;
        int r;

        if (msg || sub->last_error != TACHYON_ERR_EMPTY)
            return msg;
        if (spins == 0) {
            for (unsigned i = 0; i < TI_FO_SPIN && ti_load_relaxed(&hdr->tail) == sub->limit; i++)
                ti_cpu_relax();
            continue;
        }
        /* Acquire: pairs with the producer's release increment of data_seq
         * (and tachyon_sub_interrupt's). */
        seq = ti_load_acquire(&hdr->data_seq);
        if (__atomic_load_n(&sub->interrupt, __ATOMIC_RELAXED) &&
            __atomic_exchange_n(&sub->interrupt, 0, __ATOMIC_ACQ_REL))
            return ti_sub_fail_ptr(sub, TACHYON_ERR_INTERRUPTED);
        ti_sub_sleeping(sub, 1);
        if (ti_load_seqcst(&hdr->tail) != sub->limit ||
            ti_load_seqcst(&hdr->producer_state) == TI_SIDE_CLOSED ||
            ti_load_seqcst(&sub->slot->state) != TI_SLOT_ACTIVE) {
            ti_sub_sleeping(sub, 0);
            continue;
        }
        now = ti_now_ns();
        if (now >= deadline) {
            ti_sub_sleeping(sub, 0);
            return ti_sub_fail_ptr(sub, TACHYON_ERR_TIMEOUT);
        }
        r = ti_futex_wait(&hdr->data_seq, seq,
                          deadline - now < TACHYON_WATCHDOG_NS ? deadline - now : TACHYON_WATCHDOG_NS);
        ti_sub_sleeping(sub, 0);
        sub->timeouts += r == ETIMEDOUT;
        ti_sub_pass_on(sub);
        if (ti_wait_interrupted(r))
            return ti_sub_fail_ptr(sub, TACHYON_ERR_INTERRUPTED);
        if (r == ETIMEDOUT && ti_sub_producer_dead(sub, 1))
            continue; /* acquire_rx delivers what is left, then PEER_GONE */
        if (r != 0 && r != ETIMEDOUT && r != EINTR) /* EINTR: the interrupt check let the wait go on */
            return ti_sub_fail_ptr(sub, TACHYON_ERR_SYSTEM);
    }
}

void tachyon_sub_interrupt(tachyon_sub_t *sub)
{
    if (!sub)
        return;
    /* The word is shared by every subscriber: the others wake, find nothing
     * new and sleep again. */
    __atomic_store_n(&sub->interrupt, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&sub->hdr->data_seq, 1, __ATOMIC_RELEASE);
    ti_futex_wake_all(&sub->hdr->data_seq);
}

tachyon_error_t tachyon_sub_rejoin(tachyon_sub_t *sub, uint32_t join)
{
    uint32_t st;
    tachyon_error_t err;

    if (!sub)
        return TACHYON_ERR_INVALID_ARG;
    st = ti_load_acquire(&sub->slot->state);
    if (st != TI_SLOT_LAGGED)
        return sub->last_error = TACHYON_ERR_STATE;
    err = ti_sub_join(sub, join, TI_SLOT_LAGGED);
    return err == TACHYON_OK ? err : (sub->last_error = err);
}

tachyon_error_t tachyon_sub_last_error(const tachyon_sub_t *sub)
{
    return sub ? sub->last_error : TACHYON_ERR_INVALID_ARG;
}

/* Validates the segment header a listener sent (each field read once). */
static tachyon_error_t ti_fo_header_check(const void *base, uint64_t capacity, uint64_t fp)
{
    const volatile struct ti_fo_shared *v = base;

    if (v->magic != TI_FO_MAGIC || v->abi_version != TACHYON_ABI_VERSION)
        return TACHYON_ERR_ABI_MISMATCH;
    if (v->byte_order != TI_BYTE_ORDER_MARK)
        return TACHYON_ERR_BYTE_ORDER;
    if (v->header_size != TI_FO_HEADER_SIZE || v->frame_align != TACHYON_FRAME_ALIGN)
        return TACHYON_ERR_ALIGNMENT;
    if (v->capacity != capacity || v->max_message != ti_max_message(capacity))
        return TACHYON_ERR_CAPACITY;
    if (v->schema_fp != fp)
        return TACHYON_ERR_SCHEMA_MISMATCH;
    if (v->policy > TACHYON_LAG_DROP || v->max_members != TACHYON_MAX_MEMBERS || (v->flags & ~TI_FO_FLAG_MEMBARRIER))
        return TACHYON_ERR_CORRUPT;
    return TACHYON_OK;
}

/* Maps and checks the segment of a WELCOME; the verdict for the ACK. */
static tachyon_error_t ti_sub_accept(tachyon_sub_t *sub, const uint8_t *rec, int memfd, uint64_t fp)
{
    uint64_t capacity = ti_get64(rec, 16);
    uint32_t slot = ti_get32(rec, 32), gen = ti_get32(rec, 36);
    struct stat st;
    tachyon_error_t err;
    void *base;

    if (ti_get32(rec, 12) != TACHYON_ABI_VERSION)
        return TACHYON_ERR_ABI_MISMATCH;
    if (ti_get64(rec, 24) != fp)
        return TACHYON_ERR_SCHEMA_MISMATCH;
    if (!ti_capacity_valid(capacity))
        return TACHYON_ERR_CAPACITY;
    if (memfd < 0 || slot >= TACHYON_MAX_MEMBERS || fstat(memfd, &st) != 0 || !S_ISREG(st.st_mode))
        return TACHYON_ERR_HANDSHAKE;
    if ((uint64_t)st.st_size != TI_FO_HEADER_SIZE + capacity)
        return TACHYON_ERR_CAPACITY;
    if ((fcntl(memfd, F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
        return TACHYON_ERR_HANDSHAKE;
    base = mmap(NULL, TI_FO_HEADER_SIZE + capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, memfd, 0);
    if (base == MAP_FAILED)
        return TACHYON_ERR_HANDSHAKE;
    sub->map = base;
    sub->map_len = TI_FO_HEADER_SIZE + capacity;
    err = ti_fo_header_check(base, capacity, fp);
    if (err != TACHYON_OK)
        return err;
    sub->hdr = base;
    sub->index = slot;
    /* Read once: a flag scribbled later changes nothing for us. */
    sub->membarrier = (ti_load_relaxed(&((struct ti_fo_shared *)base)->flags) & TI_FO_FLAG_MEMBARRIER) != 0;
    if (sub->membarrier && syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) != 0)
        return ti_os_fail(TACHYON_ERR_SYSTEM, errno); /* we could not pay for the producer's fence: no join */
    sub->slot = (struct ti_fo_slot *)((uint8_t *)base + TI_FO_SLOTS_OFF) + slot;
    sub->ring = (uint8_t *)base + TI_FO_HEADER_SIZE;
    sub->capacity = capacity;
    sub->mask = capacity - 1;
    sub->max_message = ti_max_message(capacity);
    /* The slot must be the one the listener reserved for us. */
    if (ti_load_acquire(&sub->slot->state) != TI_SLOT_RESERVED || ti_load_acquire(&sub->slot->gen) != gen ||
        ti_load_acquire(&sub->slot->pid) != (uint32_t)getpid())
        return TACHYON_ERR_CORRUPT;
    return TACHYON_OK;
}

static void ti_sub_free(tachyon_sub_t *sub)
{
    if (!sub)
        return;
    if (sub->map)
        munmap(sub->map, sub->map_len);
    if (sub->pidfd >= 0)
        close(sub->pidfd);
    if (sub->efd >= 0)
        close(sub->efd);
    free(sub);
}

tachyon_error_t tachyon_sub_connect_until(const char *path, const tachyon_options_t *opts, uint32_t join,
                                          int64_t deadline_ns, tachyon_sub_t **out, tachyon_error_detail_t *detail)
{
    tachyon_options_t o = {0};
    uint8_t rec[TI_REC_SIZE];
    struct ti_addr addr;
    struct ucred cred;
    tachyon_sub_t *sub = NULL;
    tachyon_error_t err, verdict;
    int64_t deadline = ti_deadline_norm(deadline_ns), started = ti_now_ns();
    int fd = -1, memfd = -1, efd = -1, efd_tx = -1;

    ti_sys_errno = 0;
    if (!out || (join & ~TACHYON_JOIN_OLDEST)) {
        err = TACHYON_ERR_INVALID_ARG;
        goto done;
    }
    *out = NULL;
    if (opts)
        o = *opts;
    err = ti_addr_parse(path, &addr);
    if (err != TACHYON_OK)
        goto done;
    err = ti_connect_socket(&addr, deadline, &fd);
    if (err != TACHYON_OK)
        goto done;
    ti_sys_errno = 0;
    err = ti_peer_cred(fd, &cred);
    if (err != TACHYON_OK)
        goto done;
    memset(rec, 0, sizeof(rec));
    ti_put64(rec, 0, TI_SUB_HELLO_MAGIC);
    ti_put32(rec, 8, TACHYON_ABI_VERSION);
    ti_put32(rec, 12, TI_BYTE_ORDER_MARK);
    ti_put32(rec, 16, TACHYON_FRAME_ALIGN);
    ti_put32(rec, 20, TACHYON_FRAME_HEADER);
    ti_put64(rec, 24, o.schema_fingerprint);
    ti_put32(rec, 32, (uint32_t)getpid());
    ti_put32(rec, 36, TI_SUB_HELLO_EFD);
    /* Our readiness fd: we watch one end, the producer signals the other. */
    err = ti_wake_pair(&efd, &efd_tx);
    if (err != TACHYON_OK)
        goto done;
    err = ti_send_rec(fd, rec, efd_tx, deadline);
    close(efd_tx);
    if (err == TACHYON_OK)
        err = ti_recv_rec(fd, rec, &memfd, deadline);
    if (err != TACHYON_OK)
        goto done;
    if (ti_get64(rec, 0) != TI_WELCOME_MAGIC) {
        err = ti_is_family(ti_get64(rec, 0)) ? TACHYON_ERR_ABI_MISMATCH : TACHYON_ERR_HANDSHAKE;
        goto done;
    }
    err = ti_status_error(ti_get32(rec, 8));
    if (err != TACHYON_OK)
        goto done; /* refused: not a fan-out (ABI_MISMATCH), uid, fingerprint, full */
    sub = calloc(1, sizeof(*sub));
    if (!sub) {
        verdict = TACHYON_ERR_NO_MEMORY;
    } else {
        sub->pidfd = -1;
        sub->efd = efd;
        efd = -1;
        verdict = ti_sub_accept(sub, rec, memfd, o.schema_fingerprint);
    }
    if (verdict == TACHYON_OK)
        sub->pidfd = ti_pidfd_open(cred.pid);
    ti_ack(rec, verdict);
    err = ti_send_rec(fd, rec, -1, deadline);
    if (verdict != TACHYON_OK)
        err = verdict;
    if (err == TACHYON_OK)
        err = ti_sub_join(sub, join, TI_SLOT_RESERVED);
    if (err == TACHYON_OK) {
        *out = sub;
        sub = NULL;
    }
done:
    if (memfd >= 0)
        close(memfd);
    if (efd >= 0)
        close(efd);
    if (fd >= 0)
        close(fd);
    ti_sub_free(sub);
    if (detail) {
        memset(detail, 0, sizeof(*detail));
        detail->code = (int32_t)err;
        if (err != TACHYON_OK)
            detail->os_errno = ti_sys_errno;
        if (err == TACHYON_ERR_NO_LISTENER || err == TACHYON_ERR_TIMEOUT)
            detail->waited_ns = ti_now_ns() - started;
    }
    return err;
}

void tachyon_sub_destroy(tachyon_sub_t *sub)
{
    if (!sub)
        return;
    if (sub->slot) {
        struct ti_fo_shared *hdr = sub->hdr;
        ti_sub_sleeping(sub, 0);
        ti_store_seqcst(&sub->slot->state, TI_SLOT_CLOSED);
        /* A producer waiting for us goes on without us. */
        __atomic_fetch_add(&hdr->space_seq, 1, __ATOMIC_RELEASE);
        ti_futex_wake(&hdr->space_seq);
    }
    ti_sub_free(sub);
}

/* ---- For waitset.c ---------------------------------------------------------- */

/* From shared memory only (a notifier thread calls it too): unread
 * messages, the end of the stream, or a drop. */
/* `owner`: called on the subscriber's thread, which may also look at what
 * only it writes (its producer found dead: the next receive says PEER_GONE). */
int ti_sub_ready(tachyon_sub_t *sub, int owner)
{
    return ti_load_seqcst(&sub->hdr->tail) != ti_load_acquire(&sub->slot->head) ||
           ti_load_acquire(&sub->slot->state) != TI_SLOT_ACTIVE ||
           ti_load_acquire(&sub->hdr->producer_state) == TI_SIDE_CLOSED || (owner && sub->peer_dead);
}

uint32_t *ti_sub_arm(tachyon_sub_t *sub, uint32_t *seq)
{
    *seq = ti_load_acquire(&sub->hdr->data_seq);
    ti_sub_sleeping(sub, 1);
    return &sub->hdr->data_seq;
}

/* After the wait-set's futex_waitv returned (for whatever reason). */
void ti_sub_disarm(tachyon_sub_t *sub)
{
    ti_sub_sleeping(sub, 0);
    ti_sub_pass_on(sub);
}

/* The readiness fd: armed, the producer's next wake signals it. The
 * order is the futex sleeper's: fd_armed, our fd_wanted bit, then wake_wanted
 * (seq_cst), and the caller re-checks the ring after. The producer's load of
 * wake_wanted that sees our store precedes its exchange of fd_wanted, which
 * so sees our bit (or an earlier wake's exchange took it and looked at our
 * fd_armed, stored before the bit). */
void ti_sub_fd_arm(tachyon_sub_t *sub, int on)
{
    ti_store_seqcst(&sub->slot->fd_armed, on ? 1u : 0u);
    if (on) {
        /* Our bit in fd_wanted tells the producer which slot to look at. */
        __atomic_fetch_or(&sub->hdr->fd_wanted, 1ull << sub->index, __ATOMIC_SEQ_CST);
        ti_store_seqcst(&sub->hdr->wake_wanted, 1);
        ti_sub_fence(sub);
    }
}

int ti_sub_wake_fd(const tachyon_sub_t *sub)
{
    return sub->efd;
}

int ti_sub_pidfd(const tachyon_sub_t *sub)
{
    return sub->pidfd;
}

/* The owner thread's check after a watchdog period asleep. */
int ti_sub_check_peer(tachyon_sub_t *sub)
{
    return ti_sub_producer_dead(sub, 1);
}
