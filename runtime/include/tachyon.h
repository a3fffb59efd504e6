/*
 * tachyon.h - the public API of libtachyon: same-machine, zero-copy IPC over a
 * single-producer/single-consumer ring in shared memory.
 *
 * One bus = one direction. The listener is the consumer; the connector is the
 * producer. After the handshake over a Unix domain socket (which passes a sealed
 * memfd with SCM_RIGHTS) the socket is closed and the hot path makes no syscall.
 *
 * Threading: each side of a bus is used by one thread at a time. The two sides
 * may live in two processes or in two threads of one process.
 *
 * Errors: functions return tachyon_error_t (TACHYON_OK == 0). A function that
 * returns a pointer returns NULL on failure; tachyon_last_error(bus) says why.
 * The library never prints and never exits.
 *
 * The byte layout of the shared segment and of the handshake is in ABI.md.
 */
#ifndef TACHYON_H
#define TACHYON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TACHYON_API __attribute__((visibility("default")))
#else
#define TACHYON_API
#endif

/* Wire ABI version: bumped on any change to ABI.md's layout. */
#define TACHYON_ABI_VERSION 1u
/* Frames start on this boundary; payloads are 16-byte aligned within them. */
#define TACHYON_FRAME_ALIGN 64u
/* Bytes of frame header before each payload. */
#define TACHYON_FRAME_HEADER 16u
/* The producer publishes after this many commits (or on flush). */
#define TACHYON_BATCH 32u
/* Ring capacity bounds (bytes, power of two). */
#define TACHYON_MIN_CAPACITY 256u
#define TACHYON_MAX_CAPACITY ((size_t)1 << 40)
/* Longest a blocked call sleeps before it re-checks the peer (milliseconds). */
#define TACHYON_WATCHDOG_MS 100u

typedef enum tachyon_error {
    TACHYON_OK = 0,
    TACHYON_ERR_INVALID_ARG,     /* NULL pointer, bad capacity, size 0 where not allowed, ... */
    TACHYON_ERR_NO_MEMORY,       /* malloc or mmap failed */
    TACHYON_ERR_SYSTEM,          /* an unexpected system call failure; see errno */
    TACHYON_ERR_PATH_TOO_LONG,   /* socket path does not fit sockaddr_un */
    TACHYON_ERR_ADDR_IN_USE,     /* a live listener (or a non-socket file) holds the path */
    TACHYON_ERR_NO_LISTENER,     /* nobody listens on the path */
    TACHYON_ERR_PERMISSION,      /* peer uid refused (SO_PEERCRED), or socket access denied */
    TACHYON_ERR_HANDSHAKE,       /* malformed or truncated handshake bytes */
    TACHYON_ERR_ABI_MISMATCH,    /* magic or ABI version differ */
    TACHYON_ERR_BYTE_ORDER,      /* peers disagree on byte order */
    TACHYON_ERR_ALIGNMENT,       /* peers disagree on frame alignment or header size */
    TACHYON_ERR_CAPACITY,        /* capacity invalid or differs from the segment's size */
    TACHYON_ERR_SCHEMA_MISMATCH, /* peers are bound to different schema fingerprints */
    TACHYON_ERR_TIMEOUT,         /* a deadline passed */
    TACHYON_ERR_INTERRUPTED,     /* a signal arrived during a blocking wait; call again */
    TACHYON_ERR_FULL,            /* not enough free ring space right now (non-blocking) */
    TACHYON_ERR_EMPTY,           /* no message available right now (non-blocking) */
    TACHYON_ERR_TOO_LARGE,       /* message larger than tachyon_max_message_size() */
    TACHYON_ERR_PEER_GONE,       /* peer closed or died; everything it committed was delivered */
    TACHYON_ERR_CORRUPT,         /* shared memory holds values that cannot be valid */
    TACHYON_ERR_STATE,           /* call out of order (commit without acquire, wrong role, ...) */
    TACHYON_ERR__COUNT
} tachyon_error_t;

typedef enum tachyon_role {
    TACHYON_ROLE_CONSUMER = 0, /* the listener: receives */
    TACHYON_ROLE_PRODUCER = 1  /* the connector: sends */
} tachyon_role_t;

typedef struct tachyon_bus tachyon_bus_t;

/* Options for the _ex constructors. Zero-initialise, then set what you need. */
typedef struct tachyon_options {
    uint64_t schema_fingerprint; /* 0: not bound; else both peers must agree */
    int32_t timeout_ms;          /* listen: wait for a connector; connect: whole handshake.
                                    0 means the default (listen: forever, connect: 5000) ; <0 forever */
    uint32_t flags;              /* TACHYON_OPT_* */
} tachyon_options_t;

/* Accept connectors of any uid (default: only the listener's own uid). */
#define TACHYON_OPT_ALLOW_ANY_UID 0x1u

/* One received message, as filled in by tachyon_drain_batch. */
typedef struct tachyon_msg {
    const void *data; /* payload, 16-byte aligned, valid until committed */
    uint32_t size;    /* payload bytes */
    uint32_t type_id;
} tachyon_msg_t;

/* Counters kept by each side for itself (not shared with the peer). */
typedef struct tachyon_stats {
    uint64_t messages;    /* committed (producer) or consumed (consumer) */
    uint64_t bytes;       /* payload bytes of those messages */
    uint64_t publishes;   /* producer: tail publications (batches) */
    uint64_t full_events; /* producer: times it found the ring full */
    uint64_t sleeps;      /* futex sleeps of this side */
    uint64_t wakes;       /* futex wakes this side issued to its peer */
} tachyon_stats_t;

/* ---- Lifecycle --------------------------------------------------------- */

/* Listens on `path` (a filesystem path, or "@name" for the abstract namespace),
 * waits for one connector, hands it a new ring of `capacity` bytes (a power of
 * two, TACHYON_MIN_CAPACITY..TACHYON_MAX_CAPACITY) and returns the consumer side
 * in *out. A stale socket file left by a dead listener is replaced. Connectors
 * that send garbage, stall, or have another uid are dropped and the wait goes
 * on; a well-formed connector whose parameters mismatch fails both sides.
 * Returns TACHYON_OK or an error; on success the caller frees *out with
 * tachyon_bus_destroy. */
TACHYON_API tachyon_error_t tachyon_bus_listen(const char *path, size_t capacity, tachyon_bus_t **out);

/* tachyon_bus_listen with options (schema fingerprint, timeout, uid policy).
 * `opts` may be NULL. */
TACHYON_API tachyon_error_t tachyon_bus_listen_ex(const char *path, size_t capacity,
                                                  const tachyon_options_t *opts, tachyon_bus_t **out);

/* Connects to the listener on `path`, checks the handshake and maps the ring;
 * returns the producer side in *out (freed with tachyon_bus_destroy). */
TACHYON_API tachyon_error_t tachyon_bus_connect(const char *path, tachyon_bus_t **out);

/* tachyon_bus_connect with options. `opts` may be NULL. */
TACHYON_API tachyon_error_t tachyon_bus_connect_ex(const char *path, const tachyon_options_t *opts,
                                                   tachyon_bus_t **out);

/* Closes this side: a producer flushes what it committed first; the peer sees
 * TACHYON_ERR_PEER_GONE once it has everything. Unmaps and frees the bus.
 * NULL is a no-op. */
TACHYON_API void tachyon_bus_destroy(tachyon_bus_t *bus);

/* ---- Producer ------------------------------------------------------------ */

/* Reserves room for a message of up to `max_size` bytes and returns where to
 * write it (16-byte aligned, in the ring), or NULL: TACHYON_ERR_FULL (try again
 * after the consumer reads), TACHYON_ERR_TOO_LARGE, TACHYON_ERR_PEER_GONE,
 * TACHYON_ERR_STATE (already holding a reservation), TACHYON_ERR_CORRUPT.
 * While the ring stays full it checks, at most every TACHYON_WATCHDOG_MS, that
 * the consumer lives (PEER_GONE once it died), so a polling loop cannot spin on
 * FULL forever. The pointer is valid until tachyon_commit_tx or
 * tachyon_rollback_tx. */
TACHYON_API void *tachyon_acquire_tx(tachyon_bus_t *bus, size_t max_size);

/* As tachyon_acquire_tx, but waits (spin, then futex sleep) for free space, up
 * to `timeout_ns` (< 0: no deadline). Publishes pending commits before waiting.
 * NULL with TACHYON_ERR_TIMEOUT, _INTERRUPTED, _PEER_GONE, ... */
TACHYON_API void *tachyon_acquire_tx_blocking(tachyon_bus_t *bus, size_t max_size, int64_t timeout_ns);

/* Commits the reserved message with `actual_size` bytes (<= the reserved size)
 * and `type_id`. It is published with the next batch (every TACHYON_BATCH
 * commits) or on tachyon_flush. Returns TACHYON_OK or TACHYON_ERR_STATE /
 * TACHYON_ERR_INVALID_ARG. */
TACHYON_API tachyon_error_t tachyon_commit_tx(tachyon_bus_t *bus, size_t actual_size, uint32_t type_id);

/* Abandons the reservation; nothing is sent. Returns TACHYON_OK or _STATE. */
TACHYON_API tachyon_error_t tachyon_rollback_tx(tachyon_bus_t *bus);

/* Copies `size` bytes into the ring as one message (acquire + memcpy +
 * commit). Non-blocking: TACHYON_ERR_FULL when there is no room. */
TACHYON_API tachyon_error_t tachyon_send(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id);

/* tachyon_send that waits up to `timeout_ns` (< 0: no deadline) for room. */
TACHYON_API tachyon_error_t tachyon_send_blocking(tachyon_bus_t *bus, const void *data, size_t size,
                                                  uint32_t type_id, int64_t timeout_ns);

/* Publishes every committed message now and wakes a sleeping consumer.
 * Returns TACHYON_OK or TACHYON_ERR_STATE (not a producer). */
TACHYON_API tachyon_error_t tachyon_flush(tachyon_bus_t *bus);

/* ---- Consumer ------------------------------------------------------------ */

/* Returns the next message's payload in place (valid until tachyon_commit_rx)
 * and sets *type_id and *size, or NULL: TACHYON_ERR_EMPTY (nothing published
 * yet), TACHYON_ERR_PEER_GONE (peer closed and everything was delivered),
 * TACHYON_ERR_CORRUPT, TACHYON_ERR_STATE. Never blocks. Makes no syscall, except
 * that while the ring stays empty it checks, at most every TACHYON_WATCHDOG_MS,
 * that the producer lives; once it died, the messages it committed are still
 * delivered, then PEER_GONE. */
TACHYON_API const void *tachyon_acquire_rx(tachyon_bus_t *bus, uint32_t *type_id, size_t *size);

/* As tachyon_acquire_rx, but waits: spins `spin_threshold` times, then sleeps
 * on a futex, waking at least every TACHYON_WATCHDOG_MS to check the peer.
 * Returns NULL with TACHYON_ERR_PEER_GONE, _INTERRUPTED (a signal arrived;
 * call again), _CORRUPT. */
TACHYON_API const void *tachyon_acquire_rx_blocking(tachyon_bus_t *bus, uint32_t *type_id, size_t *size,
                                                    uint32_t spin_threshold);

/* tachyon_acquire_rx_blocking with a deadline: NULL with TACHYON_ERR_TIMEOUT
 * after `timeout_ns` (< 0: no deadline). */
TACHYON_API const void *tachyon_acquire_rx_timeout(tachyon_bus_t *bus, uint32_t *type_id, size_t *size,
                                                   uint32_t spin_threshold, int64_t timeout_ns);

/* Releases the message returned by the last acquire_rx; its bytes may be
 * reused at once. Returns TACHYON_OK or TACHYON_ERR_STATE. */
TACHYON_API tachyon_error_t tachyon_commit_rx(tachyon_bus_t *bus);

/* Fills up to `max` messages that are available now into `msgs` without
 * waiting; returns how many (0 if none; then tachyon_last_error says EMPTY,
 * PEER_GONE or CORRUPT). They stay valid until tachyon_commit_rx_batch. */
TACHYON_API size_t tachyon_drain_batch(tachyon_bus_t *bus, tachyon_msg_t *msgs, size_t max);

/* Releases the `count` messages returned by the last tachyon_drain_batch
 * (count must equal what it returned). Returns TACHYON_OK or _STATE. */
TACHYON_API tachyon_error_t tachyon_commit_rx_batch(tachyon_bus_t *bus, size_t count);

/* ---- Queries ------------------------------------------------------------- */

/* Why the last call on this bus that returned NULL or 0 failed. */
TACHYON_API tachyon_error_t tachyon_last_error(const tachyon_bus_t *bus);

/* A static, human-readable description of `err`; never NULL. */
TACHYON_API const char *tachyon_strerror(tachyon_error_t err);

/* The bus's role, ring capacity and largest sendable payload (capacity/2 - 16). */
TACHYON_API tachyon_role_t tachyon_bus_role(const tachyon_bus_t *bus);
TACHYON_API size_t tachyon_capacity(const tachyon_bus_t *bus);
TACHYON_API size_t tachyon_max_message_size(const tachyon_bus_t *bus);

/* The schema fingerprint the bus was bound with (0: none). */
TACHYON_API uint64_t tachyon_schema_fingerprint(const tachyon_bus_t *bus);

/* 1 if the peer is attached and alive, 0 if it closed or died. May make a
 * syscall (a poll of the peer's pidfd); not for the hot path. */
TACHYON_API int tachyon_peer_alive(tachyon_bus_t *bus);

/* Copies this side's counters into *out. Returns TACHYON_OK or _INVALID_ARG. */
TACHYON_API tachyon_error_t tachyon_get_stats(const tachyon_bus_t *bus, tachyon_stats_t *out);

/* ---- Arena: a ring over caller memory, both sides in one process ---------- */

/* Bytes of memory an arena with a ring of `capacity` bytes needs (header +
 * ring), or 0 if capacity is invalid. */
TACHYON_API size_t tachyon_arena_size(size_t capacity);

/* Writes a fresh segment header into `mem` (64-byte aligned, `len` >=
 * tachyon_arena_size(capacity)). Returns TACHYON_OK or _INVALID_ARG/_CAPACITY. */
TACHYON_API tachyon_error_t tachyon_arena_format(void *mem, size_t len, size_t capacity,
                                                 uint64_t schema_fingerprint);

/* Attaches one side (`role`) to a formatted arena after validating its header;
 * the memory stays the caller's. Free the bus with tachyon_bus_destroy (it does
 * not free `mem`). Returns TACHYON_OK or a header error (_ABI_MISMATCH, ...). */
TACHYON_API tachyon_error_t tachyon_arena_attach(void *mem, size_t len, tachyon_role_t role,
                                                 tachyon_bus_t **out);

#ifdef __cplusplus
}
#endif

#endif /* TACHYON_H */
