/*
 * internal.h - libtachyon's private structures: the shared segment header as
 * laid out in ABI.md, the per-side bus struct, the handshake records, and the
 * memory-ordering helpers. Nothing here is exported.
 *
 * Memory ordering in one paragraph. The producer publishes frames with a
 * seq_cst exchange of `tail`, a release that pairs with the consumer's acquire
 * load of `tail`;
 * each frame's stamp is written last with a release store (paired with the
 * consumer's acquire load of that stamp, which matters only when it recovers
 * unpublished frames after the producer died). The consumer frees space with a
 * seq_cst exchange of `head` (a release paired with the producer's acquire load
 * of `head`,
 * so the consumer's reads of a frame happen before the producer overwrites it).
 * Sleeping uses the Dekker pattern: the sleeper stores its `*_sleeping` flag and
 * then re-reads the index; the waker stores the index and then reads the flag.
 * All four accesses are seq_cst, so at least one side sees the other and no
 * wake-up is lost (see wait.c).
 */
#ifndef TACHYON_INTERNAL_H
#define TACHYON_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* The library calls its own hot path out of line: its files see the
 * prototypes of tachyon.h, not the inline bodies (which read the bus through
 * tachyon_bus_hot_t, a second type for the same bytes). A file that wants
 * them defines TACHYON_WANT_INLINE first; struct tachyon_bus below holds a
 * tachyon_bus_hot_t in a union with its own fields, so both views alias. */
#ifndef TACHYON_WANT_INLINE
#define TACHYON_NO_INLINE
#endif
#include "tachyon.h"

#define TI_HIDDEN __attribute__((visibility("hidden")))
#define TI_LIKELY(x) __builtin_expect(!!(x), 1)
#define TI_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- Segment identity (ABI.md, "Shared segment") ------------------------ */

#define TI_SEG_MAGIC 0x314e4f4948434154ull /* "TACHION1" */
#define TI_BYTE_ORDER_MARK 0x01020304u
#define TI_HEADER_SIZE 4096u
#define TI_STAMP_MSG 0x5441434859535450ull  /* stamp = position ^ this, for a message */
#define TI_STAMP_WRAP 0x5752415050454421ull /* stamp = position ^ this, for a wrap marker */

/* producer_state / consumer_state values */
#define TI_SIDE_NONE 0u
#define TI_SIDE_ATTACHED 1u
#define TI_SIDE_CLOSED 2u

#define TI_LINE 128

/* The first 4096 bytes of every segment. Each group of fields has its own
 * 128-byte line so that the producer's and the consumer's writes never share a
 * line (128 covers the adjacent-line prefetcher). */
struct ti_shared {
    /* line 0: identity, written once by the creator, read-only afterwards */
    uint64_t magic;
    uint32_t abi_version;
    uint32_t byte_order;
    uint32_t header_size;
    uint32_t frame_align;
    uint64_t capacity;
    uint64_t max_message;
    uint64_t schema_fp;
    uint8_t pad0[TI_LINE - 48];
    /* line 1: written by the producer only */
    uint64_t tail;
    uint32_t producer_state;
    uint32_t producer_pid;
    uint8_t pad1[TI_LINE - 16];
    /* line 2: written by the consumer only */
    uint64_t head;
    uint32_t consumer_state;
    uint32_t consumer_pid;
    uint8_t pad2[TI_LINE - 16];
    /* line 3: the consumer sleeps on data_seq */
    uint32_t consumer_sleeping;
    uint32_t data_seq;
    uint8_t pad3[TI_LINE - 8];
    /* line 4: the producer sleeps on space_seq */
    uint32_t producer_sleeping;
    uint32_t space_seq;
    uint64_t producer_wake_head; /* wake the producer once head reaches this */
    uint8_t pad4[TI_LINE - 16];
    uint8_t reserved[TI_HEADER_SIZE - 5 * TI_LINE];
};

_Static_assert(sizeof(struct ti_shared) == TI_HEADER_SIZE, "segment header is 4096 bytes");
_Static_assert(offsetof(struct ti_shared, capacity) == 24, "ABI: capacity at 24");
_Static_assert(offsetof(struct ti_shared, schema_fp) == 40, "ABI: schema_fp at 40");
_Static_assert(offsetof(struct ti_shared, tail) == 128, "ABI: tail at 128");
_Static_assert(offsetof(struct ti_shared, producer_pid) == 140, "ABI: producer_pid at 140");
_Static_assert(offsetof(struct ti_shared, head) == 256, "ABI: head at 256");
_Static_assert(offsetof(struct ti_shared, consumer_pid) == 268, "ABI: consumer_pid at 268");
_Static_assert(offsetof(struct ti_shared, consumer_sleeping) == 384, "ABI: consumer_sleeping at 384");
_Static_assert(offsetof(struct ti_shared, data_seq) == 388, "ABI: data_seq at 388");
_Static_assert(offsetof(struct ti_shared, producer_sleeping) == 512, "ABI: producer_sleeping at 512");
_Static_assert(offsetof(struct ti_shared, space_seq) == 516, "ABI: space_seq at 516");
_Static_assert(offsetof(struct ti_shared, producer_wake_head) == 520, "ABI: producer_wake_head at 520");

/* Frame header: 16 bytes at every 64-byte aligned frame position. */
struct ti_frame {
    uint32_t size;
    uint32_t type_id;
    uint64_t stamp;
};
_Static_assert(sizeof(struct ti_frame) == TACHYON_FRAME_HEADER, "frame header is 16 bytes");

/* Ring bytes a message of `size` payload bytes occupies. */
static inline uint64_t ti_frame_len(uint64_t size)
{
    return (TACHYON_FRAME_HEADER + size + (TACHYON_FRAME_ALIGN - 1)) & ~(uint64_t)(TACHYON_FRAME_ALIGN - 1);
}

static inline int ti_capacity_valid(uint64_t capacity)
{
    return capacity >= TACHYON_MIN_CAPACITY && capacity <= (uint64_t)TACHYON_MAX_CAPACITY &&
           (capacity & (capacity - 1)) == 0;
}

/* A frame's size field is 32 bits: rings of 8 GiB and more still take
 * messages of at most TACHYON_MAX_MESSAGE (ABI.md, "Why max_message ... never
 * traps": a smaller maximum keeps the proof). */
static inline uint64_t ti_max_message(uint64_t capacity)
{
    uint64_t m = capacity / 2 - TACHYON_FRAME_HEADER;
    return m < (uint64_t)TACHYON_MAX_MESSAGE ? m : (uint64_t)TACHYON_MAX_MESSAGE;
}

/* ---- Handshake records (ABI.md, "Handshake"), 64 bytes each -------------- */

#define TI_REC_SIZE 64
#define TI_HELLO_MAGIC 0x4f4c454848434154ull   /* "TACHHELO" */
#define TI_WELCOME_MAGIC 0x434c455748434154ull /* "TACHWELC" */
#define TI_HELLO_DUPLEX_MAGIC 0x5850554448434154ull /* "TACHDUPX": HELLO of an RPC connection */
#define TI_ACK_MAGIC 0x214b434148434154ull     /* "TACHACK!" */
#define TI_FAMILY_MASK 0x00000000ffffffffull   /* low 4 bytes "TACH": a Tachyon peer */
#define TI_FAMILY 0x48434154ull

/* ---- The bus: one side's private state ---------------------------------- */

enum ti_hold {
    TI_HOLD_NONE = 0,
    TI_HOLD_ONE,   /* acquire_rx returned a frame */
    TI_HOLD_BATCH  /* drain_batch returned frames */
};

/* Allocated 128-byte aligned, so a producer's and a consumer's bus in one
 * process never share a cache line. Hot fields first. */
struct tachyon_bus {
    union {
        tachyon_bus_hot_t hot; /* the inline hot path's view of the fields below */
        struct {
            /* read by every hot call */
            struct ti_shared *shm;
            uint8_t *ring;
            uint64_t capacity; /* from the handshake, never re-read from shared memory */
            uint64_t mask;
            uint64_t max_message;
            int role; /* tachyon_role_t */
            tachyon_error_t last_error;

            /* producer */
            uint64_t wpos;        /* next write position */
            uint64_t cached_head; /* last validated head */
            uint32_t pending;     /* commits since the last publication */
            int reserving;
            uint64_t res_frame; /* position of the reserved frame */
            uint64_t res_max;   /* reserved payload bytes */

            /* consumer */
            uint64_t rpos;     /* next read position (may run ahead of head over wrap markers) */
            uint64_t limit;    /* last validated tail, or the recovered end after the producer died */
            int hold;          /* enum ti_hold */
            uint64_t held_end; /* position after the held frame(s) */
            uint64_t held_count;
            uint64_t held_bytes;

            tachyon_stats_t stats;
        };
    };
    int last_errno;      /* the errno behind the last TACHYON_ERR_SYSTEM */
    uint64_t last_size;  /* the size asked for by the last TACHYON_ERR_TOO_LARGE */

    /* cold */
    int peer_dead; /* sticky: the peer's process is gone (pidfd) */
    int interrupt; /* set by tachyon_bus_interrupt from any thread; taken by a wait */
    uint32_t idle_polls;     /* FULL/EMPTY answers since the last clock read */
    int64_t last_peer_check; /* CLOCK_MONOTONIC ns of the last polling liveness check */
    int pidfd;     /* peer's pidfd, -1 if none */
    pid_t peer_pid;
    int is_arena;
    void *map_base;
    size_t map_len;
    uint64_t schema_fp;
    /* lost wake-up evidence (wait.c): a sleep ran out although the peer owed
     * us a wake; our flag was left up, and the next sleep judges it */
    int wake_suspect;
    uint64_t suspect_pos; /* the tail (consumer) or head (producer) seen then */
    uint64_t lost_wakes;  /* confirmed lost wake-ups: ti_test_lost_wakes */
    /* wake-ups (ABI.md, "Wake fds and the fan-in bell"). A consumer: the
     * watch end of its readiness fd (-1: none). A producer: the signal end,
     * signalled when the consumer armed it, and the fan-in bell it rings
     * instead of data_seq (NULL: not a fan-in member). */
    int wake_efd;
    uint32_t *bell;
    void *bell_map;
} __attribute__((aligned(TI_LINE)));

/* The inline hot path of tachyon.h reads these fields as tachyon_bus_hot_t:
 * same offsets and sizes, field by field (ABI.md, "The inline hot path"). */
#define TI_HOT_SAME(field, hot_field)                                                                                  \
    _Static_assert(offsetof(struct tachyon_bus, field) == offsetof(tachyon_bus_hot_t, hot_field) &&                   \
                       sizeof(((struct tachyon_bus *)0)->field) == sizeof(((tachyon_bus_hot_t *)0)->hot_field),       \
                   "tachyon_bus_hot_t mirrors struct tachyon_bus: " #field)
TI_HOT_SAME(shm, shm);
TI_HOT_SAME(ring, ring);
TI_HOT_SAME(capacity, capacity);
TI_HOT_SAME(mask, mask);
TI_HOT_SAME(max_message, max_message);
TI_HOT_SAME(role, role);
TI_HOT_SAME(last_error, last_error);
TI_HOT_SAME(wpos, wpos);
TI_HOT_SAME(cached_head, cached_head);
TI_HOT_SAME(pending, pending);
TI_HOT_SAME(reserving, reserving);
TI_HOT_SAME(res_frame, res_frame);
TI_HOT_SAME(res_max, res_max);
TI_HOT_SAME(rpos, rpos);
TI_HOT_SAME(limit, limit);
TI_HOT_SAME(hold, hold);
TI_HOT_SAME(held_end, held_end);
TI_HOT_SAME(held_count, held_count);
TI_HOT_SAME(held_bytes, held_bytes);
TI_HOT_SAME(stats, stats);
#undef TI_HOT_SAME
_Static_assert(TI_HOLD_NONE == 0 && TI_HOLD_ONE == 1, "tachyon.h's inline hot path: hold 0 none, 1 one message");
_Static_assert(TI_STAMP_MSG == 0x5441434859535450ull, "tachyon.h's inline hot path uses this stamp key");
_Static_assert(offsetof(struct ti_shared, head) == 256 && offsetof(struct ti_shared, producer_sleeping) == 512,
               "tachyon.h's inline hot path: head at 256, producer_sleeping at 512");

/* consumer_sleeping (and a fan-out slot's fd_armed) as bits: who wants the
 * producer's next publication to wake it. */
#define TI_SLEEP_FUTEX 1u /* a thread sleeps (or is about to) on the wake word */
#define TI_SLEEP_FD 2u    /* an event loop waits for the readiness eventfd */

/* The fan-in bell (ABI.md): one 4096-byte sealed memfd shared by a fan-in's
 * consumer and all its producers; its consumer sleeps on `ring` alone. */
#define TI_BELL_MAGIC 0x4c4c454248434154ull /* "TACHBELL" */
#define TI_BELL_SIZE 4096u
struct ti_bell {
    uint64_t magic;
    uint32_t abi_version;
    uint32_t byte_order;
    uint32_t size;
    uint8_t pad0[TI_LINE - 20];
    uint32_t ring; /* bumped by whoever wakes the consumer */
    uint8_t pad1[TI_BELL_SIZE - TI_LINE - 4];
};
_Static_assert(sizeof(struct ti_bell) == TI_BELL_SIZE, "the bell is 4096 bytes");
_Static_assert(offsetof(struct ti_bell, ring) == 128, "ABI: bell ring at 128");

/* WELCOME byte 32: what travels after the memfd, in this order. */
#define TI_WAKE_EFD 1u  /* the signal end of the consumer's readiness fd */
#define TI_WAKE_BELL 2u /* the fan-in bell's memfd */

/* ---- Atomics ----------------------------------------------------------- */

#define ti_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ti_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ti_load_seqcst(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define ti_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ti_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define ti_store_seqcst(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

static inline void ti_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* ---- Internal functions, by file --------------------------------------- */

/* Record why a call failed (tachyon_last_error) and return NULL / the error. */
static inline void *ti_fail_ptr(tachyon_bus_t *bus, tachyon_error_t err)
{
    bus->last_error = err;
    return NULL;
}
static inline tachyon_error_t ti_fail(tachyon_bus_t *bus, tachyon_error_t err)
{
    bus->last_error = err;
    return err;
}

/* shm.c: segment creation, header writing and validation, bus allocation */
TI_HIDDEN void ti_header_init(struct ti_shared *shm, uint64_t capacity, uint64_t schema_fp);
TI_HIDDEN tachyon_error_t ti_header_check(const struct ti_shared *shm, uint64_t capacity, uint64_t schema_fp);
/* nrings: 1 for a bus, 2 for an RPC connection (two segments back to back) */
TI_HIDDEN tachyon_error_t ti_segment_create(uint64_t capacity, uint64_t schema_fp, unsigned nrings, int *fd_out);
TI_HIDDEN tachyon_error_t ti_segment_map(int fd, uint64_t capacity, unsigned nrings, void **base_out);
TI_HIDDEN tachyon_error_t ti_segment_verify_fd(int fd, uint64_t capacity, unsigned nrings);
/* The fan-in bell: created by the consumer, checked and mapped by a producer
 * (hostile memory: size, seals, magic, version, byte order). */
TI_HIDDEN tachyon_error_t ti_bell_create(int *fd_out, struct ti_bell **map_out);
TI_HIDDEN tachyon_error_t ti_bell_attach(int fd, struct ti_bell **map_out);
/* platform.c: a consumer's readiness fd (ABI.md, section 3), an AF_UNIX
 * datagram socket pair: the consumer watches `watch`, producers get
 * `signal`. _check: a received signal end is such a socket (else HANDSHAKE);
 * _signal never blocks, whatever the peer did to the file; _clear empties
 * the watch end. */
TI_HIDDEN tachyon_error_t ti_wake_pair(int *watch, int *signal);
TI_HIDDEN tachyon_error_t ti_wake_fd_check(int fd);
TI_HIDDEN void ti_wake_fd_signal(int fd);
TI_HIDDEN void ti_wake_fd_clear(int fd);
#define TI_WAKE_CLEAR_MAX 1024u /* datagrams one clear takes at most */
/* The wait-set's private kick eventfd: clears it (non-blocking read); writes 1. */
TI_HIDDEN void ti_eventfd_clear(int fd);
TI_HIDDEN void ti_eventfd_signal(int fd);
TI_HIDDEN tachyon_bus_t *ti_bus_new(void *base, size_t map_len, uint64_t capacity, int role, uint64_t schema_fp);
TI_HIDDEN void ti_bus_free(tachyon_bus_t *bus);

/* ring.c: the hot path; the wake helpers and recovery used by wait.c / bus.c */
TI_HIDDEN tachyon_error_t ti_publish(tachyon_bus_t *bus);
TI_HIDDEN int ti_tx_fits(tachyon_bus_t *bus, uint64_t need);
TI_HIDDEN void ti_recover_unpublished(tachyon_bus_t *bus);
TI_HIDDEN void ti_rx_accept_tail(tachyon_bus_t *bus, uint64_t tail);
TI_HIDDEN void ti_wake_consumer(tachyon_bus_t *bus);
TI_HIDDEN void ti_wake_producer(tachyon_bus_t *bus);

/* handshake.c: an RPC connection's set-up. The listener gets the consumer of
 * ring 0 (requests) in rx and the producer of ring 1 (replies) in tx; the
 * connector the other two ends. tx owns the one mapping: destroy rx first. */
TI_HIDDEN tachyon_error_t ti_duplex_listen(const char *path, size_t capacity, const tachyon_options_t *opts,
                                           int64_t deadline_ns, tachyon_bus_t **rx, tachyon_bus_t **tx,
                                           tachyon_error_detail_t *detail);
TI_HIDDEN tachyon_error_t ti_duplex_connect(const char *path, const tachyon_options_t *opts, int64_t deadline_ns,
                                            tachyon_bus_t **rx, tachyon_bus_t **tx, tachyon_error_detail_t *detail);

/* platform.c: the calling thread's interrupt check (tachyon_set_interrupt_check).
 * A wait calls ti_wait_interrupted with what ended its sleep (EINTR,
 * ETIMEDOUT, 0 for a wake): 1 if it must end with TACHYON_ERR_INTERRUPTED.
 * Without a check that is EINTR; with one, the check's answer after EINTR
 * or ETIMEDOUT (a wake asks nothing). After EINTR and 0 the wait goes on. */
TI_HIDDEN int ti_wait_interrupted(int woke);
TI_HIDDEN int ti_has_interrupt_check(void);

/* wait.c: lost wake-ups this bus proved (tests only; not in tachyon_stats_t). */
TI_HIDDEN uint64_t ti_test_lost_wakes(const tachyon_bus_t *bus);
/* wait.c: the lost-wake-up evidence of one sleeper's `bit` in `flag`, for
 * every sleeper on a ring (fan-in's too): after a timed-out sleep (`owed`: the
 * peer made the progress that owes a wake; `pos` the index then), and before
 * the next sleep (`pos` the index now). */
TI_HIDDEN void ti_after_timeout(tachyon_bus_t *bus, uint32_t *flag, uint32_t bit, int owed, uint64_t pos);
TI_HIDDEN void ti_judge_wake(tachyon_bus_t *bus, uint32_t *flag, uint32_t bit, uint64_t pos);
/* fanin.c: the lost wake-ups its members' rings proved (test-only). */
TI_HIDDEN uint64_t ti_test_fanin_lost_wakes(tachyon_fanin_t *fi);
/* fanout.c: futex sleeps of a blocked producer (test-only). */
TI_HIDDEN uint64_t ti_test_fanout_sleeps(const tachyon_fanout_t *pub);
/* fanout.c: a subscriber's futex waits that ran out (test-only). */
TI_HIDDEN uint64_t ti_test_sub_timeouts(const tachyon_sub_t *sub);

/* bus.c: a pending tachyon_bus_interrupt, taken by wait.c (1 if there was one) */
TI_HIDDEN int ti_take_interrupt(tachyon_bus_t *bus);

/* handshake.c: the pieces fanout.c and fanin.c reuse (records, socket I/O
 * with a deadline, binding a listener, serving one SPSC connector). */
struct ti_addr {
    struct sockaddr_un sun;
    socklen_t len;
    int abstract;
    const char *path; /* filesystem path, for lstat/chmod/unlink */
};

TI_HIDDEN tachyon_error_t ti_addr_parse(const char *path, struct ti_addr *a);
TI_HIDDEN void ti_put32(uint8_t *rec, size_t off, uint32_t v);
TI_HIDDEN void ti_put64(uint8_t *rec, size_t off, uint64_t v);
TI_HIDDEN uint32_t ti_get32(const uint8_t *rec, size_t off);
TI_HIDDEN uint64_t ti_get64(const uint8_t *rec, size_t off);
TI_HIDDEN tachyon_error_t ti_send_rec(int fd, const uint8_t *rec, int pass_fd, int64_t deadline);
TI_HIDDEN tachyon_error_t ti_recv_rec(int fd, uint8_t *rec, int *fd_out, int64_t deadline);
/* The same with up to 3 fds; *nfds_out: how many arrived (all kept). */
TI_HIDDEN tachyon_error_t ti_send_rec_fds(int fd, const uint8_t *rec, const int *fds, unsigned nfds, int64_t deadline);
TI_HIDDEN tachyon_error_t ti_recv_rec_fds(int fd, uint8_t *rec, int *fds, unsigned max, unsigned *nfds_out,
                                          int64_t deadline);
TI_HIDDEN tachyon_error_t ti_peer_cred(int fd, struct ucred *cred);
TI_HIDDEN tachyon_error_t ti_status_error(uint32_t status);
TI_HIDDEN void ti_welcome(uint8_t *rec, tachyon_error_t status, uint64_t capacity, uint64_t fp);
TI_HIDDEN void ti_ack(uint8_t *rec, tachyon_error_t status);
TI_HIDDEN int ti_is_family(uint64_t magic);
TI_HIDDEN tachyon_error_t ti_bind_listener(const struct ti_addr *a, int *fd_out);
/* `efd` and `bellfd` (-1: none) travel with the memfd (a fan-in's). */
TI_HIDDEN tachyon_error_t ti_serve(int cfd, uint64_t capacity, const tachyon_options_t *o, int64_t deadline,
                                   int *drop, int efd, int bellfd, tachyon_bus_t **out);
TI_HIDDEN tachyon_error_t ti_connect_socket(const struct ti_addr *a, int64_t deadline, int *fd_out);

/* A listener that serves connectors on a thread of its own until stopped
 * (fan-out and fan-in): bind, a stop pipe, the poll/accept loop. `serve`
 * gets each accepted socket (closed after it returns). */
struct ti_acceptor {
    struct ti_addr addr;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
    int lfd, stop_pipe[2];
    int started;
    pthread_t thread;
    void (*serve)(void *owner, int cfd);
    void *owner;
};
/* Before start (or on a failure path): nothing open. */
TI_HIDDEN void ti_acceptor_init(struct ti_acceptor *a);
TI_HIDDEN tachyon_error_t ti_acceptor_start(struct ti_acceptor *a, const char *path,
                                            void (*serve)(void *owner, int cfd), void *owner);
/* Stops the thread (a connector being served is finished first), closes and
 * unlinks the socket. Safe on an acceptor that never started. */
TI_HIDDEN void ti_acceptor_stop(struct ti_acceptor *a);

/* fanout.c, fanin.c, waitset.c: what a wait-set needs of each kind of member.
 * _ready reads shared memory only (a notifier thread may call it), and with
 * `owner` (the consumer's own thread) also the member's private "producer
 * found dead"; _arm
 * announces a sleep and returns the futex word with its value in *seq. */
TI_HIDDEN int ti_bus_ready(tachyon_bus_t *bus);
TI_HIDDEN uint32_t *ti_bus_arm(tachyon_bus_t *bus, uint32_t *seq);
TI_HIDDEN void ti_bus_disarm(tachyon_bus_t *bus);
TI_HIDDEN void ti_bus_check_peer(tachyon_bus_t *bus);
TI_HIDDEN int ti_sub_ready(tachyon_sub_t *sub, int owner);
TI_HIDDEN uint32_t *ti_sub_arm(tachyon_sub_t *sub, uint32_t *seq);
TI_HIDDEN void ti_sub_disarm(tachyon_sub_t *sub);
TI_HIDDEN int ti_sub_check_peer(tachyon_sub_t *sub);
TI_HIDDEN int ti_fanin_ready(tachyon_fanin_t *fi, int owner);
TI_HIDDEN uint32_t *ti_fanin_arm(tachyon_fanin_t *fi, uint32_t *seq);
TI_HIDDEN void ti_fanin_disarm(tachyon_fanin_t *fi);
TI_HIDDEN void ti_fanin_check_peers(tachyon_fanin_t *fi);
/* The readiness fd side (owner thread): `bits` TI_SLEEP_FD to arm, 0 to
 * disarm; the fd to watch (an epoll fd over the fan-in's eventfd and its
 * producers' pidfds); its events taken (eventfd cleared, dead producers'
 * frames recovered). */
TI_HIDDEN void ti_fanin_fd_arm(tachyon_fanin_t *fi, int on);
TI_HIDDEN int ti_fanin_watch_fd(tachyon_fanin_t *fi);
TI_HIDDEN void ti_fanin_fd_take(tachyon_fanin_t *fi);
TI_HIDDEN void ti_bus_fd_arm(tachyon_bus_t *bus, int on);
TI_HIDDEN void ti_sub_fd_arm(tachyon_sub_t *sub, int on);
TI_HIDDEN int ti_sub_wake_fd(const tachyon_sub_t *sub);
TI_HIDDEN int ti_sub_pidfd(const tachyon_sub_t *sub);

/* platform.c: clock, futex, pidfd, peer liveness. Calls nothing above it. */
TI_HIDDEN int64_t ti_now_ns(void);
/* The internal deadline of a relative timeout: INT64_MAX when < 0 (none). */
TI_HIDDEN int64_t ti_deadline_after(int64_t timeout_ns);
TI_HIDDEN int ti_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns);
TI_HIDDEN void ti_futex_wake(uint32_t *word);
/* Wakes every waiter on `word` (fan-out subscribers share one word). */
TI_HIDDEN void ti_futex_wake_all(uint32_t *word);
/* Sleeps until one of `n` (<= 128) words differs from its expected value,
 * at most timeout_ns: futex_waitv. Returns 0, ETIMEDOUT, EINTR or an errno. */
TI_HIDDEN int ti_futex_waitv(uint32_t *const *words, const uint32_t *expected, unsigned n, int64_t timeout_ns);
TI_HIDDEN int ti_peer_dead(tachyon_bus_t *bus);
TI_HIDDEN int ti_poll_peer_dead(tachyon_bus_t *bus);
TI_HIDDEN int ti_pidfd_open(pid_t pid);

/* The errno behind the last system-call failure that listen/connect mapped to
 * an error code, for tachyon_error_detail_t.os_errno. Thread-local: it only
 * carries the value from where a call fails to where the same call returns. */
extern TI_HIDDEN __thread int ti_sys_errno;

/* Returns `err` after noting the errno `e` that caused it. */
static inline tachyon_error_t ti_os_fail(tachyon_error_t err, int e)
{
    ti_sys_errno = e;
    return err;
}

/* Public deadlines (< 0: none) as internal ones (INT64_MAX: none). */
static inline int64_t ti_deadline_norm(int64_t deadline_ns)
{
    return deadline_ns < 0 ? INT64_MAX : deadline_ns;
}

#endif /* TACHYON_INTERNAL_H */
