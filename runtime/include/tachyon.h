/*
 * tachyon.h - the public API of libtachyon: same-machine, zero-copy IPC over a
 * single-producer/single-consumer ring in shared memory.
 *
 * One bus = one direction. The listener is the consumer; the connector is the
 * producer. After the handshake over a Unix domain socket (which passes a sealed
 * memfd with SCM_RIGHTS) the socket is closed and the hot path makes no syscall.
 *
 * Threading: each side of a bus is used by one thread at a time (the one
 * exception: tachyon_bus_interrupt). The two sides may live in two processes or
 * in two threads of one process.
 *
 * Errors: functions return tachyon_error_t (TACHYON_OK == 0), from the one
 * table TACHYON_ERROR_LIST below. A function that returns a pointer returns
 * NULL on failure; tachyon_last_error(bus) says why, tachyon_last_error_detail
 * with the numbers (errno, sizes). The library never prints and never exits.
 *
 * Time: int64_t nanoseconds everywhere; see "Time" below.
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

/* The release of libtachyon: the repository's VERSION file (checked by
 * `make runtime-tests`), which every binding's package version agrees with. */
#define TACHYON_VERSION "0.1.0"
/* Wire ABI version: bumped on any change to ABI.md's layout. */
#define TACHYON_ABI_VERSION 4u
/* Frames start on this boundary; payloads are 16-byte aligned within them. */
#define TACHYON_FRAME_ALIGN 64u
/* Bytes of frame header before each payload. */
#define TACHYON_FRAME_HEADER 16u
/* The producer publishes after this many commits (or on flush). */
#define TACHYON_BATCH 32u
/* Ring capacity bounds (bytes, power of two). */
#define TACHYON_MIN_CAPACITY 256u
#define TACHYON_MAX_CAPACITY ((size_t)1 << 40)
/* The largest payload any ring takes: the frame's size field is 32 bits. A
 * ring's own maximum is min(capacity / 2 - 16, TACHYON_MAX_MESSAGE). */
#define TACHYON_MAX_MESSAGE 0xffffffc0u
/* Longest a blocked call sleeps before it re-checks the peer (nanoseconds). */
#define TACHYON_WATCHDOG_NS ((int64_t)100000000)

/* ---- Errors ---------------------------------------------------------------
 *
 * The one table of error codes. Each entry is
 *     X(ENUM_NAME, number, ShortName, "description")
 * The number is stable (it travels in the handshake and in every binding);
 * codes are only ever appended. ShortName is a CamelCase name for bindings'
 * class or variant names; tachyon_error_name() returns it as a string and
 * tachyon_strerror() the description. Bindings generate their error lists from
 * this table, or test theirs against it.
 *
 *   INVALID_ARG      NULL pointer, bad capacity, size 0 where not allowed, ...
 *   NO_MEMORY        malloc or mmap failed
 *   SYSTEM           an unexpected system call failure (its errno: tachyon_error_detail_t)
 *   PATH_TOO_LONG    socket path does not fit sockaddr_un
 *   ADDR_IN_USE      a live listener (or a non-socket file) holds the path
 *   NO_LISTENER      nobody listened on the path for the whole connect wait
 *   PERMISSION       peer uid refused (SO_PEERCRED), or socket access denied
 *   HANDSHAKE        malformed or truncated handshake bytes, or an fd that is
 *                    not a sealed, mappable memfd
 *   ABI_MISMATCH     magic or ABI version differ
 *   BYTE_ORDER       peers disagree on byte order
 *   ALIGNMENT        peers disagree on frame alignment or header size
 *   CAPACITY         capacity invalid or differs from the segment's size
 *   SCHEMA_MISMATCH  peers are bound to different schema fingerprints
 *   TIMEOUT          a deadline passed
 *   INTERRUPTED      a signal arrived during a blocking wait; call again
 *   FULL             not enough free ring space right now (non-blocking)
 *   EMPTY            no message available right now (non-blocking)
 *   TOO_LARGE        message larger than tachyon_max_message_size()
 *   PEER_GONE        peer closed or died; everything it committed was delivered
 *   CORRUPT          shared memory holds values that cannot be valid
 *   STATE            call out of order (commit without acquire, wrong role, ...)
 *   LAGGED           a fan-out subscriber fell behind a TACHYON_LAG_DROP
 *                    producer and was dropped: the message it held may have
 *                    been overwritten; tachyon_sub_rejoin to go on
 */
#define TACHYON_ERROR_LIST(X)                                                                                      \
    X(TACHYON_OK, 0, Ok, "success")                                                                                \
    X(TACHYON_ERR_INVALID_ARG, 1, InvalidArg, "invalid argument")                                                  \
    X(TACHYON_ERR_NO_MEMORY, 2, NoMemory, "out of memory")                                                         \
    X(TACHYON_ERR_SYSTEM, 3, System, "unexpected system call failure")                                             \
    X(TACHYON_ERR_PATH_TOO_LONG, 4, PathTooLong, "socket path too long")                                           \
    X(TACHYON_ERR_ADDR_IN_USE, 5, AddrInUse, "socket path in use by a live listener or a non-socket file")         \
    X(TACHYON_ERR_NO_LISTENER, 6, NoListener, "no listener on the socket path")                                    \
    X(TACHYON_ERR_PERMISSION, 7, Permission, "permission denied (peer uid refused or socket not accessible)")      \
    X(TACHYON_ERR_HANDSHAKE, 8, Handshake, "malformed or truncated handshake")                                     \
    X(TACHYON_ERR_ABI_MISMATCH, 9, AbiMismatch, "ABI mismatch (magic or version differ)")                          \
    X(TACHYON_ERR_BYTE_ORDER, 10, ByteOrder, "byte order mismatch")                                                \
    X(TACHYON_ERR_ALIGNMENT, 11, Alignment, "frame alignment or header size mismatch")                             \
    X(TACHYON_ERR_CAPACITY, 12, Capacity, "invalid capacity or segment size mismatch")                             \
    X(TACHYON_ERR_SCHEMA_MISMATCH, 13, SchemaMismatch, "schema fingerprint mismatch")                              \
    X(TACHYON_ERR_TIMEOUT, 14, Timeout, "timed out")                                                               \
    X(TACHYON_ERR_INTERRUPTED, 15, Interrupted, "interrupted by a signal")                                         \
    X(TACHYON_ERR_FULL, 16, Full, "ring full")                                                                     \
    X(TACHYON_ERR_EMPTY, 17, Empty, "no message available")                                                        \
    X(TACHYON_ERR_TOO_LARGE, 18, TooLarge, "message larger than the bus maximum")                                  \
    X(TACHYON_ERR_PEER_GONE, 19, PeerGone, "peer closed or died")                                                  \
    X(TACHYON_ERR_CORRUPT, 20, Corrupt, "shared memory is corrupt")                                                \
    X(TACHYON_ERR_STATE, 21, State, "call out of order or wrong role")                                             \
    X(TACHYON_ERR_LAGGED, 22, Lagged, "subscriber fell behind and was dropped (overrun); rejoin")

#define TACHYON_ERROR_ENUM_(name, number, short_name, text) name = number,
typedef enum tachyon_error {
    TACHYON_ERROR_LIST(TACHYON_ERROR_ENUM_)
    TACHYON_ERR__COUNT /* one past the last code (the numbers are dense from 0) */
} tachyon_error_t;
#undef TACHYON_ERROR_ENUM_

/* What a failed call knows beyond its code, for messages that carry the
 * numbers a user needs. Filled by tachyon_bus_listen_until /
 * tachyon_bus_connect_until (which have no bus yet) and by
 * tachyon_last_error_detail (for calls on a bus); tachyon_format_error turns
 * it into one line of text. Fields that do not apply are 0. */
typedef struct tachyon_error_detail {
    int32_t code;      /* the tachyon_error_t (TACHYON_OK: no failure) */
    int32_t os_errno;  /* the errno behind it: always set for TACHYON_ERR_SYSTEM; also for
                          NO_MEMORY, PERMISSION, ADDR_IN_USE, HANDSHAKE, ... when a system call's
                          failure was mapped to that code; else 0 */
    int64_t waited_ns; /* NO_LISTENER and TIMEOUT of listen/connect: how long the call waited */
    uint64_t size;     /* TOO_LARGE: the payload size asked for */
    uint64_t limit;    /* TOO_LARGE: the bus's maximum (tachyon_max_message_size) */
} tachyon_error_detail_t;

typedef enum tachyon_role {
    TACHYON_ROLE_CONSUMER = 0, /* the listener: receives */
    TACHYON_ROLE_PRODUCER = 1  /* the connector: sends */
} tachyon_role_t;

typedef struct tachyon_bus tachyon_bus_t;

/* ---- Time ------------------------------------------------------------------
 *
 * Every time in this API is int64_t nanoseconds. A *timeout* is relative ("at
 * most this long"); a *deadline* is absolute, on the CLOCK_MONOTONIC clock that
 * tachyon_now_ns() reads. A negative timeout or deadline (TACHYON_FOREVER)
 * means no limit; a deadline already past means "try once, do not wait".
 * Each blocking call has an _until variant taking a deadline, so a caller that
 * must retry (after INTERRUPTED, say) keeps one deadline across the retries. */
#define TACHYON_FOREVER ((int64_t)-1)
/* How long tachyon_bus_connect waits for a listener to appear (and for the
 * handshake) unless tachyon_options_t.timeout_ns says otherwise: 5 s. */
#define TACHYON_CONNECT_DEFAULT_NS ((int64_t)5000000000)

/* Options for the _ex and _until constructors. Zero-initialise, then set what
 * you need. */
typedef struct tachyon_options {
    uint64_t schema_fingerprint; /* 0: not bound; else both peers must agree */
    int64_t timeout_ns;          /* listen: how long to wait for a connector (0: forever).
                                    connect: how long to wait for a listener to appear on the path,
                                    retrying every few ms, plus the handshake (0: 5 s,
                                    TACHYON_CONNECT_DEFAULT_NS). < 0: forever. Ignored by the _until
                                    constructors, which take a deadline instead. */
    uint32_t flags;              /* TACHYON_OPT_* */
    uint32_t reserved;           /* 0 */
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
 * in *out. Waits for a connector forever. A stale socket file left by a dead
 * listener is replaced. Connectors that send garbage, stall, or have another
 * uid are dropped and the wait goes on; a well-formed connector whose
 * parameters mismatch fails both sides. Returns TACHYON_OK or an error; on
 * success the caller frees *out with tachyon_bus_destroy. */
TACHYON_API tachyon_error_t tachyon_bus_listen(const char *path, size_t capacity, tachyon_bus_t **out);

/* tachyon_bus_listen with options (schema fingerprint, timeout_ns, uid
 * policy). `opts` may be NULL. TACHYON_ERR_TIMEOUT once opts->timeout_ns
 * passed without a connector. */
TACHYON_API tachyon_error_t tachyon_bus_listen_ex(const char *path, size_t capacity,
                                                  const tachyon_options_t *opts, tachyon_bus_t **out);

/* tachyon_bus_listen_ex with an absolute deadline (CLOCK_MONOTONIC ns,
 * TACHYON_FOREVER: none) instead of opts->timeout_ns. If `detail` is not NULL
 * it receives what the failure knows (the errno behind TACHYON_ERR_SYSTEM,
 * say), or code 0 on success. */
TACHYON_API tachyon_error_t tachyon_bus_listen_until(const char *path, size_t capacity,
                                                     const tachyon_options_t *opts, int64_t deadline_ns,
                                                     tachyon_bus_t **out, tachyon_error_detail_t *detail);

/* Connects to the listener on `path`, checks the handshake and maps the ring;
 * returns the producer side in *out (freed with tachyon_bus_destroy).
 * While nobody listens on the path it retries (every 50 us, backing off to
 * 10 ms) for up to 5 s (TACHYON_CONNECT_DEFAULT_NS), then fails with
 * TACHYON_ERR_NO_LISTENER; use tachyon_bus_connect_ex to wait longer or less. */
TACHYON_API tachyon_error_t tachyon_bus_connect(const char *path, tachyon_bus_t **out);

/* tachyon_bus_connect with options: opts->timeout_ns bounds the wait for a
 * listener and the handshake together (0: 5 s; < 0: forever). `opts` may be
 * NULL. */
TACHYON_API tachyon_error_t tachyon_bus_connect_ex(const char *path, const tachyon_options_t *opts,
                                                   tachyon_bus_t **out);

/* tachyon_bus_connect_ex with an absolute deadline (CLOCK_MONOTONIC ns,
 * TACHYON_FOREVER: none) for the wait and the handshake, instead of
 * opts->timeout_ns. `detail` (may be NULL) receives what the failure knows:
 * the time waited for NO_LISTENER, the errno behind SYSTEM, ... */
TACHYON_API tachyon_error_t tachyon_bus_connect_until(const char *path, const tachyon_options_t *opts,
                                                      int64_t deadline_ns, tachyon_bus_t **out,
                                                      tachyon_error_detail_t *detail);

/* Makes the blocking call in progress on this bus (or, if none, the next one
 * to wait) return TACHYON_ERR_INTERRUPTED, as a signal would. The one call
 * that may be made from another thread while the bus's own thread uses it:
 * a binding cancels a wait with it (a Go context, an event loop's timer)
 * instead of waiting in slices. A spurious INTERRUPTED is possible when the
 * call it aimed at had already returned; callers retry INTERRUPTED anyway.
 * Not to be called once tachyon_bus_destroy may have started. */
TACHYON_API void tachyon_bus_interrupt(tachyon_bus_t *bus);

/* Closes this side: a producer flushes what it committed first; the peer sees
 * TACHYON_ERR_PEER_GONE once it has everything. Unmaps and frees the bus.
 * NULL is a no-op. */
TACHYON_API void tachyon_bus_destroy(tachyon_bus_t *bus);

/* ---- Interrupting a wait: host runtimes and other threads --------------------
 *
 * A binding calls each blocking C function once, with its caller's deadline,
 * and ends the wait early in one of two ways:
 *  - from the waiting thread itself, for its host runtime's signals (Python's
 *    Ctrl-C, a JVM's Thread.interrupt): an interrupt check, below;
 *  - from another thread (a Go context, an event loop's close()): the
 *    object's _interrupt call (tachyon_bus_interrupt, tachyon_rpc_interrupt,
 *    tachyon_fanout_interrupt, tachyon_sub_interrupt, tachyon_fanin_interrupt,
 *    tachyon_waitset_interrupt), which wakes the sleeper at once. */

/* An interrupt check: returns nonzero to end the wait in progress with
 * TACHYON_ERR_INTERRUPTED, 0 to let it go on. Runs on the waiting thread. */
typedef int (*tachyon_interrupt_check_fn)(void *ctx);

/* Installs `fn` (NULL: none) with `ctx` as the interrupt check of the calling
 * thread; it stays until replaced. Every blocking call this thread makes (the
 * waits of buses, RPC, fan-out, subscribers, fan-in and wait-sets, and
 * listen/connect) then calls fn(ctx) whenever its sleep ends without what it
 * waits for: when a signal interrupted the sleep (EINTR), and at each
 * watchdog wake, so at least once per TACHYON_WATCHDOG_NS while it waits. It
 * is never called while messages flow (a call that finds its message or room
 * does not sleep). A nonzero answer ends the call with INTERRUPTED; 0 lets
 * the wait go on toward the same deadline, even after EINTR. Without a check
 * (the default) a signal that interrupts a sleep ends the call with
 * INTERRUPTED. A signal that arrives while the thread is awake between two
 * sleeps interrupts no sleep: the check sees it at the next watchdog wake. */
TACHYON_API void tachyon_set_interrupt_check(tachyon_interrupt_check_fn fn, void *ctx);

/* ---- When the other side sees what you committed ---------------------------
 *
 * Producer: a committed message becomes visible to the consumer when the
 * producer publishes: after every TACHYON_BATCH commits, on tachyon_flush,
 * before any blocking call waits for room, whenever a non-blocking
 * acquire_tx / send finds the ring full, and on destroy. So a producer whose
 * next step is to poll or to wait never hides a message from the consumer;
 * one that stops sending without flushing hides at most TACHYON_BATCH - 1.
 * Consumer: space is freed for the producer at once, on every tachyon_commit_rx
 * and tachyon_commit_rx_batch. */

/* ---- Producer ------------------------------------------------------------ */

/* Reserves room for a message of up to `max_size` bytes and returns where to
 * write it (16-byte aligned, in the ring), or NULL: TACHYON_ERR_FULL (try again
 * after the consumer reads; every commit so far was published first),
 * TACHYON_ERR_TOO_LARGE, TACHYON_ERR_PEER_GONE, TACHYON_ERR_STATE (already
 * holding a reservation), TACHYON_ERR_CORRUPT. While the ring stays full it
 * checks, at most every TACHYON_WATCHDOG_NS, that the consumer lives (PEER_GONE
 * once it died), so a polling loop cannot spin on FULL forever. The pointer is
 * valid until tachyon_commit_tx or tachyon_rollback_tx. */
TACHYON_API void *tachyon_acquire_tx(tachyon_bus_t *bus, size_t max_size);

/* As tachyon_acquire_tx, but waits (spin, then futex sleep) for free space, up
 * to `timeout_ns` (< 0: no deadline). Publishes pending commits before waiting.
 * NULL with TACHYON_ERR_TIMEOUT, _INTERRUPTED, _PEER_GONE, ... */
TACHYON_API void *tachyon_acquire_tx_blocking(tachyon_bus_t *bus, size_t max_size, int64_t timeout_ns);

/* tachyon_acquire_tx_blocking with an absolute deadline (CLOCK_MONOTONIC ns;
 * TACHYON_FOREVER: none). */
TACHYON_API void *tachyon_acquire_tx_until(tachyon_bus_t *bus, size_t max_size, int64_t deadline_ns);

/* Commits the reserved message with `actual_size` bytes (<= the reserved size)
 * and `type_id`. It is published with the next batch (every TACHYON_BATCH
 * commits), on tachyon_flush, or when the producer next finds the ring full
 * or waits. Returns TACHYON_OK or TACHYON_ERR_STATE / TACHYON_ERR_INVALID_ARG. */
TACHYON_API tachyon_error_t tachyon_commit_tx(tachyon_bus_t *bus, size_t actual_size, uint32_t type_id);

/* Abandons the reservation; nothing is sent. Returns TACHYON_OK or _STATE. */
TACHYON_API tachyon_error_t tachyon_rollback_tx(tachyon_bus_t *bus);

/* Copies `size` bytes into the ring as one message (acquire + memcpy +
 * commit). Non-blocking: TACHYON_ERR_FULL when there is no room. */
TACHYON_API tachyon_error_t tachyon_send(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id);

/* tachyon_send that waits up to `timeout_ns` (< 0: no deadline) for room. */
TACHYON_API tachyon_error_t tachyon_send_blocking(tachyon_bus_t *bus, const void *data, size_t size,
                                                  uint32_t type_id, int64_t timeout_ns);

/* tachyon_send that waits for room until the absolute `deadline_ns`
 * (CLOCK_MONOTONIC ns; TACHYON_FOREVER: none). */
TACHYON_API tachyon_error_t tachyon_send_until(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id,
                                               int64_t deadline_ns);

/* Publishes every committed message now and wakes a sleeping consumer.
 * Returns TACHYON_OK or TACHYON_ERR_STATE (not a producer). */
TACHYON_API tachyon_error_t tachyon_flush(tachyon_bus_t *bus);

/* ---- Consumer ------------------------------------------------------------ */

/* Returns the next message's payload in place (valid until tachyon_commit_rx)
 * and sets *type_id and *size, or NULL: TACHYON_ERR_EMPTY (nothing published
 * yet), TACHYON_ERR_PEER_GONE (peer closed and everything was delivered),
 * TACHYON_ERR_CORRUPT, TACHYON_ERR_STATE. Never blocks. Makes no syscall, except
 * that while the ring stays empty it checks, at most every TACHYON_WATCHDOG_NS,
 * that the producer lives; once it died, the messages it committed are still
 * delivered, then PEER_GONE. */
TACHYON_API const void *tachyon_acquire_rx(tachyon_bus_t *bus, uint32_t *type_id, size_t *size);

/* As tachyon_acquire_rx, but waits with no deadline: spins `spin_threshold`
 * times, then sleeps on a futex, waking at least every TACHYON_WATCHDOG_NS to
 * check the peer. Returns NULL with TACHYON_ERR_PEER_GONE, _INTERRUPTED (a
 * signal arrived; call again), _CORRUPT. */
TACHYON_API const void *tachyon_acquire_rx_blocking(tachyon_bus_t *bus, uint32_t *type_id, size_t *size,
                                                    uint32_t spin_threshold);

/* tachyon_acquire_rx_blocking with a timeout: NULL with TACHYON_ERR_TIMEOUT
 * after `timeout_ns` (< 0: no deadline). */
TACHYON_API const void *tachyon_acquire_rx_timeout(tachyon_bus_t *bus, uint32_t *type_id, size_t *size,
                                                   uint32_t spin_threshold, int64_t timeout_ns);

/* tachyon_acquire_rx_blocking with an absolute deadline (CLOCK_MONOTONIC ns;
 * TACHYON_FOREVER: none): NULL with TACHYON_ERR_TIMEOUT once it passed. */
TACHYON_API const void *tachyon_acquire_rx_until(tachyon_bus_t *bus, uint32_t *type_id, size_t *size,
                                                 uint32_t spin_threshold, int64_t deadline_ns);

/* Releases the message returned by the last acquire_rx; its bytes may be
 * reused at once. Returns TACHYON_OK or TACHYON_ERR_STATE. */
TACHYON_API tachyon_error_t tachyon_commit_rx(tachyon_bus_t *bus);

/* Fills up to `max` messages that are available now into `msgs` without
 * waiting; returns how many (0 if none; then tachyon_last_error says EMPTY,
 * PEER_GONE or CORRUPT). They stay valid until tachyon_commit_rx_batch. */
TACHYON_API size_t tachyon_drain_batch(tachyon_bus_t *bus, tachyon_msg_t *msgs, size_t max);

/* tachyon_drain_batch that first waits (as tachyon_acquire_rx_until) until at
 * least one message is available or `deadline_ns` passed (CLOCK_MONOTONIC ns;
 * TACHYON_FOREVER: none). Returns how many it filled; 0 with tachyon_last_error
 * TIMEOUT, INTERRUPTED, PEER_GONE, CORRUPT, ... */
TACHYON_API size_t tachyon_drain_batch_until(tachyon_bus_t *bus, tachyon_msg_t *msgs, size_t max,
                                             uint32_t spin_threshold, int64_t deadline_ns);

/* Releases the `count` messages returned by the last tachyon_drain_batch
 * (count must equal what it returned). Returns TACHYON_OK or _STATE. */
TACHYON_API tachyon_error_t tachyon_commit_rx_batch(tachyon_bus_t *bus, size_t count);

/* ---- Queries ------------------------------------------------------------- */

/* Why the last call on this bus that returned NULL or 0 failed. */
TACHYON_API tachyon_error_t tachyon_last_error(const tachyon_bus_t *bus);

/* tachyon_last_error with what the failure knows: the errno of the last
 * TACHYON_ERR_SYSTEM on this bus, the sizes of a TOO_LARGE. Fills *out (if
 * not NULL) and returns the code. */
TACHYON_API tachyon_error_t tachyon_last_error_detail(const tachyon_bus_t *bus, tachyon_error_detail_t *out);

/* A static, human-readable description of `err`; never NULL. */
TACHYON_API const char *tachyon_strerror(tachyon_error_t err);

/* The ShortName of `err` in TACHYON_ERROR_LIST ("PeerGone", ...), or NULL for a
 * number that is no code. */
TACHYON_API const char *tachyon_error_name(tachyon_error_t err);

/* Writes one line describing `detail` into buf (at most `len` bytes with the
 * NUL), as snprintf does: the description, then the numbers the failure
 * carries, e.g. "message larger than the bus maximum (70000 bytes, at most
 * 65520)", "no listener on the socket path (waited 5.000 s)", "unexpected
 * system call failure: No such file or directory (errno 2)". Returns the
 * length of the whole line (without the NUL). */
TACHYON_API size_t tachyon_format_error(const tachyon_error_detail_t *detail, char *buf, size_t len);

/* TACHYON_VERSION of the library actually linked (a binding compares it with
 * its own). */
TACHYON_API const char *tachyon_version(void);

/* CLOCK_MONOTONIC in nanoseconds: the clock of every _until deadline. */
TACHYON_API int64_t tachyon_now_ns(void);

/* The bus's role, ring capacity and largest sendable payload
 * (min(capacity/2 - 16, TACHYON_MAX_MESSAGE)). */
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

/* ---- RPC: typed request/response over one connection ------------------------
 *
 * One connection carries both directions: two rings in one sealed memfd, set
 * up by one handshake (HELLO magic "TACHDUPX"; ABI.md "RPC"). The listener is
 * the server, the connector the client. Each request frame carries a call id
 * and a method id in a TACHYON_RPC_HEADER-byte header before its body; each
 * reply carries the same call id, a status and the handler's error code.
 * Bodies are written and read in place in the rings (no copy either way).
 *
 * Transport failures are tachyon_error_t (TIMEOUT, PEER_GONE, CORRUPT for a
 * hostile reply, TOO_LARGE for a reply larger than the call allowed); what the
 * server answered is tachyon_rpc_reply_t.status. Each side of a connection is
 * used by one thread at a time. */
#define TACHYON_RPC_HEADER 16u
/* Calls one client may have in flight at once. */
#define TACHYON_RPC_MAX_INFLIGHT 256u

typedef enum tachyon_rpc_status {
    TACHYON_RPC_OK = 0,             /* the handler answered; the body is the reply */
    TACHYON_RPC_UNKNOWN_METHOD = 1, /* the server has no such method id */
    TACHYON_RPC_APP_ERROR = 2,      /* the handler failed: its code is in app_code */
    TACHYON_RPC_BAD_REQUEST = 3     /* the request body's size is not the method's request size */
} tachyon_rpc_status_t;

typedef struct tachyon_rpc tachyon_rpc_t;

/* A reply (client) or a request (server), in place in the ring: data stays
 * valid until tachyon_rpc_release (client) or the reply's commit (server). */
typedef struct tachyon_rpc_msg {
    const void *data;   /* the body (after the header), 16-byte aligned */
    uint32_t size;      /* body bytes */
    uint32_t method_id;
    uint64_t call_id;
    uint32_t status;    /* replies: a tachyon_rpc_status_t */
    uint32_t app_code;  /* replies with TACHYON_RPC_APP_ERROR: the handler's code */
} tachyon_rpc_msg_t;

/* Server: listens on `path` for one client and sets up the two rings of
 * `capacity` bytes each; as tachyon_bus_listen_until otherwise (options,
 * deadline, detail). Free *out with tachyon_rpc_destroy. */
TACHYON_API tachyon_error_t tachyon_rpc_listen_until(const char *path, size_t capacity, const tachyon_options_t *opts,
                                                     int64_t deadline_ns, tachyon_rpc_t **out,
                                                     tachyon_error_detail_t *detail);

/* Client: connects to the server on `path`; as tachyon_bus_connect_until. */
TACHYON_API tachyon_error_t tachyon_rpc_connect_until(const char *path, const tachyon_options_t *opts,
                                                      int64_t deadline_ns, tachyon_rpc_t **out,
                                                      tachyon_error_detail_t *detail);

/* Closes this side (the peer sees PEER_GONE) and frees it. NULL is a no-op. */
TACHYON_API void tachyon_rpc_destroy(tachyon_rpc_t *rpc);

/* Client: the blocking call. Sends `request` (req_size bytes) to `method_id`
 * and waits until `deadline_ns` (CLOCK_MONOTONIC; TACHYON_FOREVER: none) for
 * its reply, which it leaves in place in *reply (release it with
 * tachyon_rpc_release before the next call). A reply body larger than
 * `reply_max` is TACHYON_ERR_TOO_LARGE. Errors: TIMEOUT (the late reply is
 * dropped when it comes), PEER_GONE (the server closed or died), CORRUPT (a
 * reply that cannot be ours: unknown call id, short header, bad status),
 * STATE (pipelined calls are in flight, or a reply is still held). */
TACHYON_API tachyon_error_t tachyon_rpc_call_until(tachyon_rpc_t *rpc, uint32_t method_id, const void *request,
                                                   size_t req_size, size_t reply_max, tachyon_rpc_msg_t *reply,
                                                   int64_t deadline_ns);

/* Client, pipelined: reserves room for a request body of `req_size` bytes and
 * returns where to write it (in the ring), or NULL (tachyon_rpc_last_error:
 * TIMEOUT, PEER_GONE, FULL when TACHYON_RPC_MAX_INFLIGHT calls are pending,
 * TOO_LARGE, STATE). Waits for ring room until `deadline_ns`. */
TACHYON_API void *tachyon_rpc_request_start(tachyon_rpc_t *rpc, size_t req_size, int64_t deadline_ns);

/* Sends the request reserved by tachyon_rpc_request_start as a call of
 * `method_id` whose reply may be up to `reply_max` bytes and is due by
 * `deadline_ns` (TACHYON_FOREVER: none); *call_id (if not NULL) receives its
 * id. Returns TACHYON_OK or STATE. */
TACHYON_API tachyon_error_t tachyon_rpc_request_send(tachyon_rpc_t *rpc, uint32_t method_id, size_t reply_max,
                                                     int64_t deadline_ns, uint64_t *call_id);

/* request_start + copy + request_send in one call. */
TACHYON_API tachyon_error_t tachyon_rpc_send_until(tachyon_rpc_t *rpc, uint32_t method_id, const void *request,
                                                   size_t req_size, size_t reply_max, int64_t deadline_ns,
                                                   uint64_t *call_id);

/* Client, pipelined: the next outcome of a pending call, in whatever order the
 * server answers. TACHYON_OK: *reply holds a reply in place (release it with
 * tachyon_rpc_release). TIMEOUT with reply->call_id != 0: that call's own
 * deadline passed (it is no longer pending); with call_id 0: `deadline_ns`
 * passed first. PEER_GONE: the server is gone and every pending call failed
 * at once (tachyon_rpc_pending is then 0). TOO_LARGE: reply->call_id's reply
 * exceeded its reply_max (that call failed). CORRUPT: a hostile reply was
 * dropped (reply->call_id is what it claimed). STATE: nothing is pending. */
TACHYON_API tachyon_error_t tachyon_rpc_next_reply_until(tachyon_rpc_t *rpc, tachyon_rpc_msg_t *reply,
                                                         int64_t deadline_ns);

/* Client: forgets pending call `call_id` (its reply, if it comes, is dropped),
 * e.g. when the caller gave up on it. Returns TACHYON_OK, or STATE when no
 * such call is pending. */
TACHYON_API tachyon_error_t tachyon_rpc_cancel(tachyon_rpc_t *rpc, uint64_t call_id);

/* Client: releases the reply returned by the last call / next_reply. */
TACHYON_API tachyon_error_t tachyon_rpc_release(tachyon_rpc_t *rpc);

/* Client: how many calls are in flight. */
TACHYON_API size_t tachyon_rpc_pending(const tachyon_rpc_t *rpc);

/* Server: waits until `deadline_ns` for the next request and returns it in
 * place in *req. Errors: TIMEOUT, INTERRUPTED, PEER_GONE (the client closed
 * or died), CORRUPT (a request frame shorter than its header), STATE (a
 * request is still held). */
TACHYON_API tachyon_error_t tachyon_rpc_next_request_until(tachyon_rpc_t *rpc, tachyon_rpc_msg_t *req,
                                                           int64_t deadline_ns);

/* Server: reserves the reply body of `size` bytes for the held request, in
 * place in the reply ring, waiting for room until `deadline_ns`; NULL with
 * tachyon_rpc_last_error. The request stays readable until the commit. */
TACHYON_API void *tachyon_rpc_reply_start(tachyon_rpc_t *rpc, size_t size, int64_t deadline_ns);

/* Server: sends the reserved reply with `status` (and `app_code` for
 * TACHYON_RPC_APP_ERROR) and releases the held request. Returns TACHYON_OK
 * or STATE. */
TACHYON_API tachyon_error_t tachyon_rpc_reply_commit(tachyon_rpc_t *rpc, tachyon_rpc_status_t status,
                                                     uint32_t app_code);

/* Server: releases the held request without answering it yet (and the reply
 * room reserved for it, if any), so a slow call holds up only itself: copy
 * what the handler needs first, then answer later with
 * tachyon_rpc_reply_to_until (this thread) or tachyon_rpc_post_reply (any). */
TACHYON_API tachyon_error_t tachyon_rpc_defer(tachyon_rpc_t *rpc);

/* Server: answers call `call_id` of `method_id` (deferred earlier) with a
 * copy of `body`. */
TACHYON_API tachyon_error_t tachyon_rpc_reply_to_until(tachyon_rpc_t *rpc, uint64_t call_id, uint32_t method_id,
                                                       tachyon_rpc_status_t status, uint32_t app_code,
                                                       const void *body, size_t size, int64_t deadline_ns);

/* Server, from any thread: answers call `call_id` of `method_id` (deferred
 * earlier) with a copy of `body`. The reply is queued and the serving thread
 * (blocked in tachyon_rpc_serve_until / next_request_until) is woken to write
 * it, so a slow call answered from a worker holds up only itself. Errors:
 * INVALID_ARG, STATE (a client side), TOO_LARGE, NO_MEMORY. */
TACHYON_API tachyon_error_t tachyon_rpc_post_reply(tachyon_rpc_t *rpc, uint64_t call_id, uint32_t method_id,
                                                   tachyon_rpc_status_t status, uint32_t app_code, const void *body,
                                                   size_t size);

/* Server: the call id of the request being handled (held), 0 if none: what a
 * handler keeps to answer later with tachyon_rpc_post_reply. */
TACHYON_API uint64_t tachyon_rpc_current_call(const tachyon_rpc_t *rpc);

/* A handler's return value meaning "answered later": the serve loop releases
 * the request unanswered and goes on; the handler (or a thread it hands the
 * call to) answers with tachyon_rpc_post_reply(tachyon_rpc_current_call()). */
#define TACHYON_RPC_DEFERRED 0xFFFFFFFFu

/* One method of a server's dispatch table (generated per service by tachc).
 * The handler reads the request and writes the reply in place; it returns 0
 * (TACHYON_RPC_OK), its own nonzero error code (sent as APP_ERROR), or
 * TACHYON_RPC_DEFERRED. */
typedef uint32_t (*tachyon_rpc_handler_fn)(void *ctx, const void *request, void *reply);
typedef struct tachyon_rpc_method {
    uint32_t method_id;
    uint32_t request_size; /* exact body sizes */
    uint32_t reply_size;
    tachyon_rpc_handler_fn handler;
} tachyon_rpc_method_t;

/* Server: answers requests by dispatching on method id through `methods`
 * (unknown ids get UNKNOWN_METHOD, wrong sizes BAD_REQUEST) until the client
 * goes (PEER_GONE), `deadline_ns` passes (TIMEOUT) or a wait is interrupted. */
TACHYON_API tachyon_error_t tachyon_rpc_serve_until(tachyon_rpc_t *rpc, const tachyon_rpc_method_t *methods,
                                                    size_t count, void *ctx, int64_t deadline_ns);

/* Why the last RPC call that returned NULL failed. */
TACHYON_API tachyon_error_t tachyon_rpc_last_error(const tachyon_rpc_t *rpc);

/* Makes the blocking wait in progress on this connection return
 * INTERRUPTED (from any thread), as tachyon_bus_interrupt. */
TACHYON_API void tachyon_rpc_interrupt(tachyon_rpc_t *rpc);

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


/* ---- Fan-out: one producer, many subscribers ------------------------------
 *
 * The producer listens; subscribers (up to TACHYON_MAX_MEMBERS at once) join
 * and leave at any time. Each message is written once and every subscriber
 * reads it in place, from the same frames, at its own position. The producer
 * accepts joiners on a thread of its own, so joining never stalls it.
 * Committing publishes at once (no batch). The same frame format, fingerprint
 * and uid checks as a bus; the layout is in ABI.md ("Fan-out segment").
 *
 * A subscriber that falls behind meets the policy chosen at listen:
 *   TACHYON_LAG_BLOCK  the producer waits for the slowest subscriber (FULL for
 *                      the non-blocking calls, the deadline for the others);
 *   TACHYON_LAG_DROP   the producer drops a subscriber that holds back the room
 *                      it needs: that subscriber's next call (or its commit of
 *                      the message it holds) fails with TACHYON_ERR_LAGGED, and
 *                      tachyon_sub_rejoin lets it go on.
 * A subscriber that dies stops holding the producer back within 250 ms. */

#define TACHYON_MAX_MEMBERS 64u

typedef enum tachyon_lag_policy {
    TACHYON_LAG_BLOCK = 0,
    TACHYON_LAG_DROP = 1
} tachyon_lag_policy_t;

/* Where a subscriber starts (tachyon_sub_connect_until, tachyon_sub_rejoin):
 * at the next message published (NEWEST, the default) or at the oldest message
 * still in the ring (OLDEST). */
#define TACHYON_JOIN_NEWEST 0x0u
#define TACHYON_JOIN_OLDEST 0x1u

typedef struct tachyon_fanout tachyon_fanout_t;
typedef struct tachyon_sub tachyon_sub_t;

/* Creates a fan-out ring of `capacity` bytes (as a bus's) bound to `path` and
 * returns at once: subscribers join from then on. `opts` may be NULL
 * (fingerprint, TACHYON_OPT_ALLOW_ANY_UID; timeout_ns is ignored). Freed with
 * tachyon_fanout_destroy. */
TACHYON_API tachyon_error_t tachyon_fanout_listen(const char *path, size_t capacity, tachyon_lag_policy_t policy,
                                                  const tachyon_options_t *opts, tachyon_fanout_t **out);

/* Reserves room for a message of up to `max_size` bytes, as tachyon_acquire_tx
 * (NULL: FULL, TOO_LARGE, STATE, CORRUPT). With no subscriber the oldest
 * messages are overwritten; messages never wait for a subscriber to come. */
TACHYON_API void *tachyon_fanout_acquire_tx(tachyon_fanout_t *pub, size_t max_size);

/* tachyon_fanout_acquire_tx that waits for room (TACHYON_LAG_BLOCK) until
 * `deadline_ns` (CLOCK_MONOTONIC, TACHYON_FOREVER: none): NULL with TIMEOUT,
 * INTERRUPTED, ... */
TACHYON_API void *tachyon_fanout_acquire_tx_until(tachyon_fanout_t *pub, size_t max_size, int64_t deadline_ns);

/* Commits and publishes the reserved message to every subscriber. */
TACHYON_API tachyon_error_t tachyon_fanout_commit_tx(tachyon_fanout_t *pub, size_t actual_size, uint32_t type_id);

/* Abandons the reservation. */
TACHYON_API tachyon_error_t tachyon_fanout_rollback_tx(tachyon_fanout_t *pub);

/* Copies and publishes one message, waiting for room until `deadline_ns`
 * (0: do not wait, FULL; TACHYON_FOREVER: no limit). */
TACHYON_API tachyon_error_t tachyon_fanout_send_until(tachyon_fanout_t *pub, const void *data, size_t size,
                                                      uint32_t type_id, int64_t deadline_ns);

/* Makes the producer's wait in progress (or, if none, its next one) return
 * TACHYON_ERR_INTERRUPTED, from any thread, as tachyon_bus_interrupt. */
TACHYON_API void tachyon_fanout_interrupt(tachyon_fanout_t *pub);

/* Subscribers attached now (joined and not yet gone or dropped). */
TACHYON_API size_t tachyon_fanout_subscribers(tachyon_fanout_t *pub);

/* Why the last failed call on `pub` failed; its largest payload. */
TACHYON_API tachyon_error_t tachyon_fanout_last_error(const tachyon_fanout_t *pub);
TACHYON_API size_t tachyon_fanout_max_message_size(const tachyon_fanout_t *pub);

/* Closes the producer: subscribers read what was published, then PEER_GONE. */
TACHYON_API void tachyon_fanout_destroy(tachyon_fanout_t *pub);

/* Joins the fan-out on `path` until `deadline_ns` (as tachyon_bus_connect_until:
 * retries while nobody listens; fingerprint and uid checked). `join` is
 * TACHYON_JOIN_NEWEST or TACHYON_JOIN_OLDEST. A full table of subscribers is
 * TACHYON_ERR_FULL. */
TACHYON_API tachyon_error_t tachyon_sub_connect_until(const char *path, const tachyon_options_t *opts, uint32_t join,
                                                      int64_t deadline_ns, tachyon_sub_t **out,
                                                      tachyon_error_detail_t *detail);

/* The next message in place (valid until tachyon_sub_commit_rx), or NULL:
 * EMPTY, PEER_GONE (the producer closed or died and everything it published
 * was read), LAGGED (dropped: tachyon_sub_rejoin), CORRUPT, STATE. Never
 * blocks. */
TACHYON_API const void *tachyon_sub_acquire_rx(tachyon_sub_t *sub, uint32_t *type_id, size_t *size);

/* tachyon_sub_acquire_rx that waits (spin, then a futex shared by all
 * subscribers) until `deadline_ns` (TACHYON_FOREVER: none). */
TACHYON_API const void *tachyon_sub_acquire_rx_until(tachyon_sub_t *sub, uint32_t *type_id, size_t *size,
                                                     int64_t deadline_ns);

/* Releases the held message. TACHYON_ERR_LAGGED if this subscriber was
 * dropped while it held it: its bytes may have been overwritten under the
 * reader, so whatever was read from them must be discarded. */
TACHYON_API tachyon_error_t tachyon_sub_commit_rx(tachyon_sub_t *sub);

/* Makes this subscriber's wait in progress (or, if none, its next one)
 * return TACHYON_ERR_INTERRUPTED, from any thread, as tachyon_bus_interrupt. */
TACHYON_API void tachyon_sub_interrupt(tachyon_sub_t *sub);

/* After LAGGED: takes this subscriber's place back, at the newest or the
 * oldest message (`join`). Messages in between are lost to it. */
TACHYON_API tachyon_error_t tachyon_sub_rejoin(tachyon_sub_t *sub, uint32_t join);

TACHYON_API tachyon_error_t tachyon_sub_last_error(const tachyon_sub_t *sub);

/* Leaves the fan-out (the producer no longer waits for it) and frees `sub`. */
TACHYON_API void tachyon_sub_destroy(tachyon_sub_t *sub);

/* ---- Fan-in: many producers, one consumer -------------------------------
 *
 * The consumer listens; producers (up to TACHYON_MAX_MEMBERS at once) connect
 * with tachyon_bus_connect / _ex / _until, exactly as to a bus, and each gets a
 * ring of its own, so producers never contend. The consumer takes messages
 * round-robin, one per producer with something to read, so no producer starves
 * while others are busy; it sleeps on one futex word (the fan-in's bell, which
 * every producer rings when it finds the consumer announced a sleep). A
 * producer that closes or dies leaves after everything it committed was
 * delivered. */

typedef struct tachyon_fanin tachyon_fanin_t;

/* Who sent a message. `id` numbers producers from 1 in the order they joined
 * this fan-in (never reused); `pid` is the producer's process. */
typedef struct tachyon_sender {
    uint64_t id;
    uint32_t pid;
    uint32_t slot; /* 0..TACHYON_MAX_MEMBERS-1, reused after the producer left */
} tachyon_sender_t;

/* Binds `path` and returns at once; producers join from then on, each with a
 * ring of `capacity` bytes. `opts` may be NULL. Freed with
 * tachyon_fanin_destroy. */
TACHYON_API tachyon_error_t tachyon_fanin_listen(const char *path, size_t capacity, const tachyon_options_t *opts,
                                                 tachyon_fanin_t **out);

/* The next message, in turn among the producers, in place (valid until
 * tachyon_fanin_commit_rx); `from` (may be NULL) says who sent it. NULL with
 * EMPTY, CORRUPT (a producer's ring; that producer is dropped), STATE. */
TACHYON_API const void *tachyon_fanin_acquire_rx(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size,
                                                 tachyon_sender_t *from);

/* tachyon_fanin_acquire_rx that sleeps until a message arrives or
 * `deadline_ns` (TACHYON_FOREVER: none): NULL with TIMEOUT, INTERRUPTED. */
TACHYON_API const void *tachyon_fanin_acquire_rx_until(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size,
                                                       tachyon_sender_t *from, int64_t deadline_ns);

TACHYON_API tachyon_error_t tachyon_fanin_commit_rx(tachyon_fanin_t *fi);

/* Makes the consumer's wait in progress (or, if none, its next one) return
 * TACHYON_ERR_INTERRUPTED, from any thread, as tachyon_bus_interrupt. */
TACHYON_API void tachyon_fanin_interrupt(tachyon_fanin_t *fi);

/* Producers attached now. */
TACHYON_API size_t tachyon_fanin_producers(tachyon_fanin_t *fi);
TACHYON_API tachyon_error_t tachyon_fanin_last_error(const tachyon_fanin_t *fi);

/* Stops accepting, closes every producer's ring, frees `fi`. */
TACHYON_API void tachyon_fanin_destroy(tachyon_fanin_t *fi);

/* ---- Wait-sets: one thread, many buses -----------------------------------
 *
 * A wait-set holds up to TACHYON_MAX_MEMBERS consumers of any kind (a bus's
 * consumer side, a fan-out subscriber, a fan-in) under keys of the caller's
 * choosing, and sleeps in one futex_waitv call (one word per member) until one
 * of them has something to read (a message, or the end of a stream, or
 * LAGGED). Members are read with their own non-blocking calls, on the
 * wait-set's thread. */

typedef struct tachyon_waitset tachyon_waitset_t;

TACHYON_API tachyon_error_t tachyon_waitset_new(tachyon_waitset_t **out);
TACHYON_API tachyon_error_t tachyon_waitset_add_bus(tachyon_waitset_t *ws, tachyon_bus_t *bus, uint64_t key);
TACHYON_API tachyon_error_t tachyon_waitset_add_sub(tachyon_waitset_t *ws, tachyon_sub_t *sub, uint64_t key);
TACHYON_API tachyon_error_t tachyon_waitset_add_fanin(tachyon_waitset_t *ws, tachyon_fanin_t *fi, uint64_t key);

/* Removes the member added under `key` (STATE if there is none). */
TACHYON_API tachyon_error_t tachyon_waitset_remove(tachyon_waitset_t *ws, uint64_t key);

/* Fills `keys` with up to `max` members that have something to read and
 * returns how many, waiting until at least one has or `deadline_ns` passed
 * (0: do not wait; TACHYON_FOREVER: no limit). 0 with *err (may be NULL) set to
 * TIMEOUT, INTERRUPTED, SYSTEM. No system call while a member is ready. */
TACHYON_API size_t tachyon_waitset_wait_until(tachyon_waitset_t *ws, uint64_t *keys, size_t max,
                                              int64_t deadline_ns, tachyon_error_t *err);

/* Makes the tachyon_waitset_wait_until in progress (or, if none, the next
 * one to sleep) return 0 with INTERRUPTED, from any thread. */
TACHYON_API void tachyon_waitset_interrupt(tachyon_waitset_t *ws);

/* A readiness fd for event loops (epoll, asyncio's add_reader, Go's netpoll,
 * libuv): an epoll fd, readable when a member has something to read. After it
 * fired, call tachyon_waitset_wait_until with deadline 0 and read the members
 * it names; the fd stays readable until a call finds nothing, which arms it
 * again. No thread: armed, a member's producer signals the member's own
 * readiness fd (a datagram socket pair, ABI.md section 3; the producer's
 * send never blocks) on its next publication (one system call, then none
 * until the loop re-arms); while the loop is awake producers make no system
 * call. A dead producer makes it readable through its pidfd. A bus from an
 * arena has no readiness fd: with one in the set this returns -1, and adding
 * one to a set that has the fd is TACHYON_ERR_STATE. Owned by the wait-set
 * (do not close it).
 * -1 if it cannot be created. */
TACHYON_API int tachyon_waitset_fd(tachyon_waitset_t *ws);

TACHYON_API void tachyon_waitset_destroy(tachyon_waitset_t *ws);

/* ---- The hot path, inline ------------------------------------------------
 *
 * tachyon_send, tachyon_acquire_tx / tachyon_commit_tx and tachyon_acquire_rx /
 * tachyon_commit_rx are declared above as ordinary library functions, and the
 * library exports them (bindings that load it by name call those). A C or
 * C++ caller compiled with optimisation gets the bodies below instead,
 * inlined where it calls them (GNU extern inline: the compiler never emits
 * them itself; a call it does not inline, a -O0 build or a function pointer
 * reaches the exported function). They take the common case: a frame that
 * fits before the ring end in the space already known to be free, a message
 * below the last validated tail; they make exactly the checks of the
 * library's own fast paths (ABI.md section 2) and hand everything else (a
 * wrap, a ring that looks full or empty, a wake to deliver, any error) to an
 * out-of-line tachyon_hot1_* function.
 *
 * The C ABI boundary this draws (ABI.md, "The inline hot path"): the first
 * bytes of every tachyon_bus_t are the tachyon_bus_hot_t below, which such a
 * caller reads and writes, and the segment fields it touches are `head` and
 * `producer_sleeping` (the commit of a received message) and the frame
 * headers it writes or validates. Any change to that struct renames the
 * tachyon_hot<N>_* functions (TACHYON_HOT_ABI), so a program compiled
 * against another layout fails to load instead of misreading the bus.
 * Define TACHYON_NO_INLINE before including this header to call the library
 * for everything. */
#define TACHYON_HOT_ABI 1

/* The bus state the inline hot path uses: the library's own first fields.
 * Two invariants spare the inline code a role test: a consumer's wpos and
 * cached_head leave no room (cached_head == wpos - capacity) and it never
 * reserves; a producer's rpos equals its limit and it never holds. So the
 * producer's calls on a consumer, and the consumer's on a producer, always
 * take the out-of-line path, which answers STATE. */
typedef struct tachyon_bus_hot {
    void *shm;           /* the segment header (ABI.md section 1) */
    unsigned char *ring; /* ring byte 0 */
    uint64_t capacity;   /* from the handshake, never re-read from shared memory */
    uint64_t mask;       /* capacity - 1 */
    uint64_t max_message;
    int32_t role;       /* tachyon_role_t */
    int32_t last_error; /* tachyon_error_t */
    /* producer */
    uint64_t wpos;        /* next write position */
    uint64_t cached_head; /* last validated head */
    uint32_t pending;     /* commits since the last publication */
    int32_t reserving;    /* 0 none; 1 a frame at wpos, 2 one at the next lap (after a wrap marker) */
    uint64_t res_frame;   /* position of the reserved frame */
    uint64_t res_max;     /* reserved payload bytes */
    /* consumer */
    uint64_t rpos;     /* next read position */
    uint64_t limit;    /* last validated tail */
    int32_t hold;      /* 0 nothing held, 1 one message (acquire_rx), 2 a batch */
    uint32_t hot_pad0; /* 0 */
    uint64_t held_end; /* position after the held frame(s) */
    uint64_t held_count;
    uint64_t held_bytes;
    tachyon_stats_t stats;
} tachyon_bus_hot_t;

/* The out-of-line halves of the inline functions: not for direct use (they
 * assume the inline part's checks). Each returns what the public function of
 * the same job returns. */
TACHYON_API void *tachyon_hot1_acquire_tx(tachyon_bus_t *bus, size_t max_size);
TACHYON_API tachyon_error_t tachyon_hot1_commit_tx(tachyon_bus_t *bus, size_t actual_size, uint32_t type_id);
TACHYON_API tachyon_error_t tachyon_hot1_send(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id);
/* Stores tail (every commit visible) and wakes a consumer that sleeps. */
TACHYON_API tachyon_error_t tachyon_hot1_publish(tachyon_bus_t *bus);
TACHYON_API const void *tachyon_hot1_acquire_rx(tachyon_bus_t *bus, uint32_t *type_id, size_t *size);
TACHYON_API tachyon_error_t tachyon_hot1_commit_rx(tachyon_bus_t *bus);
/* After the inline commit stored head and found producer_sleeping set. */
TACHYON_API tachyon_error_t tachyon_hot1_release_wake(tachyon_bus_t *bus);

/* The fan-in state its inline receive uses: the library's own first fields
 * of tachyon_fanin_t (same rule: a change renames the tachyon_hot<N>_*
 * functions). The consumer's thread alone writes them, except `present`,
 * which the fan-in's listener thread sets bits of (atomically, after it
 * filled the slot's members[] entry). */
typedef struct tachyon_fanin_hot {
    tachyon_bus_t *turn_bus; /* the member in turn, tried first (NULL: not known) */
    tachyon_bus_t *held_bus; /* the member whose message is held (NULL: none); it is the member in turn */
    uint32_t turn_slot;      /* the slot of the member in turn: a receive starts looking there */
    uint32_t hot_pad0;       /* 0 */
    uint64_t present;        /* bit i: slot i holds a producer */
    tachyon_bus_t *members[TACHYON_MAX_MEMBERS]; /* slot i's bus while bit i is set */
} tachyon_fanin_hot_t;

/* The out-of-line halves of the fan-in's inline receive (the whole of it:
 * no member in turn, a member with nothing ready in its fast path, `from`
 * asked for, every error). */
TACHYON_API const void *tachyon_hot1_fanin_acquire_rx(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size,
                                                      tachyon_sender_t *from);
TACHYON_API tachyon_error_t tachyon_hot1_fanin_commit_rx(tachyon_fanin_t *fi);

#if defined(__GNUC__) && !defined(TACHYON_NO_INLINE)

#define TACHYON_HOT_FN_ extern __inline__ __attribute__((__gnu_inline__))
#define TACHYON_UNLIKELY_(x) __builtin_expect(!!(x), 0)
#define TACHYON_STAMP_MSG_ 0x5441434859535450ull /* ABI.md section 2: stamp = position ^ this */
#define TACHYON_SEG_HEAD_ 256u                   /* ABI.md section 1: offsets in the segment */
#define TACHYON_SEG_PRODUCER_SLEEPING_ 512u

/* A frame header (ABI.md section 2). */
struct tachyon_frame_ {
    uint32_t size;
    uint32_t type_id;
    uint64_t stamp;
};

/* Ring bytes a message of `size` payload bytes occupies (wraps for a size
 * near 2^64: only used once the size is known to be at most max_message). */
#define TACHYON_FRAME_LEN_(size)                                                                                     \
    (((uint64_t)(size) + TACHYON_FRAME_HEADER + (TACHYON_FRAME_ALIGN - 1)) & ~(uint64_t)(TACHYON_FRAME_ALIGN - 1))

TACHYON_HOT_FN_ void *tachyon_acquire_tx(tachyon_bus_t *bus, size_t max_size)
{
    tachyon_bus_hot_t *h_ = (tachyon_bus_hot_t *)(void *)bus;
    uint64_t wpos_, idx_, len_;

    if (TACHYON_UNLIKELY_(!bus))
        return NULL;
    wpos_ = h_->wpos;
    idx_ = wpos_ & h_->mask;
    len_ = TACHYON_FRAME_LEN_(max_size);
    if (TACHYON_UNLIKELY_(h_->reserving || max_size > h_->max_message || idx_ + len_ > h_->capacity ||
                          h_->capacity - (wpos_ - h_->cached_head) < len_))
        return tachyon_hot1_acquire_tx(bus, max_size);
    h_->reserving = 1;
    h_->res_frame = wpos_;
    h_->res_max = max_size;
    return h_->ring + idx_ + TACHYON_FRAME_HEADER;
}

/* Writes the frame header of a message at `pos` (ring index `idx`): size and
 * type, then the stamp with a release store (the consumer's acquire load of
 * the stamp pairs with it; ABI.md section 2). */
#define TACHYON_WRITE_FRAME_(h, idx, pos, len32, type32)                                                           \
    do {                                                                                                             \
        struct tachyon_frame_ *f_ = (struct tachyon_frame_ *)(void *)((h)->ring + (idx));                         \
        __atomic_store_n(&f_->size, (uint32_t)(len32), __ATOMIC_RELAXED);                                          \
        __atomic_store_n(&f_->type_id, (uint32_t)(type32), __ATOMIC_RELAXED);                                      \
        __atomic_store_n(&f_->stamp, (pos) ^ TACHYON_STAMP_MSG_, __ATOMIC_RELEASE);                                \
    } while (0)

TACHYON_HOT_FN_ tachyon_error_t tachyon_commit_tx(tachyon_bus_t *bus, size_t actual_size, uint32_t type_id)
{
    tachyon_bus_hot_t *h_ = (tachyon_bus_hot_t *)(void *)bus;
    uint64_t frame_;

    if (TACHYON_UNLIKELY_(!bus))
        return TACHYON_ERR_INVALID_ARG;
    /* A reservation at the next lap (2) needs a wrap marker first. */
    if (TACHYON_UNLIKELY_(h_->reserving != 1 || actual_size > h_->res_max))
        return tachyon_hot1_commit_tx(bus, actual_size, type_id);
    frame_ = h_->wpos; /* == res_frame for a reservation of kind 1 */
    TACHYON_WRITE_FRAME_(h_, frame_ & h_->mask, frame_, actual_size, type_id);
    h_->wpos = frame_ + TACHYON_FRAME_LEN_(actual_size);
    h_->reserving = 0;
    h_->stats.messages++;
    h_->stats.bytes += actual_size;
    if (TACHYON_UNLIKELY_(++h_->pending >= TACHYON_BATCH))
        return tachyon_hot1_publish(bus);
    return TACHYON_OK;
}

TACHYON_HOT_FN_ tachyon_error_t tachyon_send(tachyon_bus_t *bus, const void *data, size_t size, uint32_t type_id)
{
    tachyon_bus_hot_t *h_ = (tachyon_bus_hot_t *)(void *)bus;
    uint64_t wpos_, idx_, len_;

    if (TACHYON_UNLIKELY_(!bus))
        return TACHYON_ERR_INVALID_ARG;
    wpos_ = h_->wpos;
    idx_ = wpos_ & h_->mask;
    len_ = TACHYON_FRAME_LEN_(size);
    /* Inline for payloads up to a cache line: a larger copy dwarfs the call,
     * and a caller's constant size above 64 drops this branch at compile
     * time. 64 is below every bus's max_message (at least 112). */
    if (TACHYON_UNLIKELY_(h_->reserving || size > 64 || idx_ + len_ > h_->capacity ||
                          h_->capacity - (wpos_ - h_->cached_head) < len_ || (!data && size)))
        return tachyon_hot1_send(bus, data, size, type_id);
    if (size)
        __builtin_memcpy(h_->ring + idx_ + TACHYON_FRAME_HEADER, data, size);
    TACHYON_WRITE_FRAME_(h_, idx_, wpos_, size, type_id);
    h_->wpos = wpos_ + len_;
    h_->stats.messages++;
    h_->stats.bytes += size;
    if (TACHYON_UNLIKELY_(++h_->pending >= TACHYON_BATCH))
        return tachyon_hot1_publish(bus);
    return TACHYON_OK;
}

TACHYON_HOT_FN_ const void *tachyon_acquire_rx(tachyon_bus_t *bus, uint32_t *type_id, size_t *size)
{
    tachyon_bus_hot_t *h_ = (tachyon_bus_hot_t *)(void *)bus;
    const struct tachyon_frame_ *f_;
    uint64_t p_, idx_, len_;
    uint32_t sz_;

    if (TACHYON_UNLIKELY_(!bus))
        return NULL;
    p_ = h_->rpos;
    if (TACHYON_UNLIKELY_(h_->hold != 0 || p_ == h_->limit))
        return tachyon_hot1_acquire_rx(bus, type_id, size);
    idx_ = p_ & h_->mask;
    f_ = (const struct tachyon_frame_ *)(const void *)(h_->ring + idx_);
    /* Pairs with the producer's release store of the stamp. A wrap marker or
     * anything else goes the slow way, which skips or reports it. */
    if (TACHYON_UNLIKELY_(__atomic_load_n(&f_->stamp, __ATOMIC_ACQUIRE) != (p_ ^ TACHYON_STAMP_MSG_)))
        return tachyon_hot1_acquire_rx(bus, type_id, size);
    sz_ = __atomic_load_n(&f_->size, __ATOMIC_RELAXED); /* read once, then checked */
    len_ = TACHYON_FRAME_LEN_(sz_);
    if (TACHYON_UNLIKELY_(sz_ > h_->max_message || idx_ + len_ > h_->capacity || len_ > h_->limit - p_))
        return tachyon_hot1_acquire_rx(bus, type_id, size); /* reports CORRUPT */
    h_->hold = 1;
    h_->held_end = p_ + len_;
    h_->held_bytes = sz_;
    if (type_id)
        *type_id = __atomic_load_n(&f_->type_id, __ATOMIC_RELAXED);
    if (size)
        *size = sz_;
    return f_ + 1;
}

TACHYON_HOT_FN_ tachyon_error_t tachyon_commit_rx(tachyon_bus_t *bus)
{
    tachyon_bus_hot_t *h_ = (tachyon_bus_hot_t *)(void *)bus;
    unsigned char *seg_;

    if (TACHYON_UNLIKELY_(!bus))
        return TACHYON_ERR_INVALID_ARG;
    if (TACHYON_UNLIKELY_(h_->hold != 1))
        return tachyon_hot1_commit_rx(bus);
    h_->rpos = h_->held_end;
    h_->hold = 0;
    h_->stats.messages++;
    h_->stats.bytes += h_->held_bytes;
    seg_ = (unsigned char *)h_->shm;
    /* Release the space at once (ABI.md, consumer rule 3): the seq_cst
     * exchange of head is the release the producer's acquire load of head
     * pairs with, and the first half of the Dekker pair with
     * producer_sleeping, which is loaded next (seq_cst). */
    (void)__atomic_exchange_n((uint64_t *)(void *)(seg_ + TACHYON_SEG_HEAD_), h_->rpos, __ATOMIC_SEQ_CST);
    if (TACHYON_UNLIKELY_(__atomic_load_n((uint32_t *)(void *)(seg_ + TACHYON_SEG_PRODUCER_SLEEPING_),
                                          __ATOMIC_SEQ_CST)))
        return tachyon_hot1_release_wake(bus);
    return TACHYON_OK;
}

/* One message per fan-in member in turn: the member in turn (found by the
 * previous commit) is taken through the same checks as tachyon_acquire_rx's
 * inline body; anything else is the library's. */
TACHYON_HOT_FN_ const void *tachyon_fanin_acquire_rx(tachyon_fanin_t *fi, uint32_t *type_id, size_t *size,
                                                     tachyon_sender_t *from)
{
    tachyon_fanin_hot_t *fh_ = (tachyon_fanin_hot_t *)(void *)fi;
    tachyon_bus_hot_t *h_;
    const struct tachyon_frame_ *f_;
    uint64_t p_, idx_, len_;
    uint32_t sz_;

    if (TACHYON_UNLIKELY_(!fi || fh_->held_bus != NULL || fh_->turn_bus == NULL || from != NULL))
        return tachyon_hot1_fanin_acquire_rx(fi, type_id, size, from);
    h_ = (tachyon_bus_hot_t *)(void *)fh_->turn_bus;
    p_ = h_->rpos;
    if (TACHYON_UNLIKELY_(h_->hold != 0 || p_ == h_->limit))
        return tachyon_hot1_fanin_acquire_rx(fi, type_id, size, from);
    idx_ = p_ & h_->mask;
    f_ = (const struct tachyon_frame_ *)(const void *)(h_->ring + idx_);
    /* Pairs with the producer's release store of the stamp. */
    if (TACHYON_UNLIKELY_(__atomic_load_n(&f_->stamp, __ATOMIC_ACQUIRE) != (p_ ^ TACHYON_STAMP_MSG_)))
        return tachyon_hot1_fanin_acquire_rx(fi, type_id, size, from);
    sz_ = __atomic_load_n(&f_->size, __ATOMIC_RELAXED); /* read once, then checked */
    len_ = TACHYON_FRAME_LEN_(sz_);
    if (TACHYON_UNLIKELY_(sz_ > h_->max_message || idx_ + len_ > h_->capacity || len_ > h_->limit - p_))
        return tachyon_hot1_fanin_acquire_rx(fi, type_id, size, from); /* reports CORRUPT */
    h_->hold = 1;
    h_->held_end = p_ + len_;
    h_->held_bytes = sz_;
    fh_->held_bus = fh_->turn_bus;
    if (type_id)
        *type_id = __atomic_load_n(&f_->type_id, __ATOMIC_RELAXED);
    if (size)
        *size = sz_;
    return f_ + 1;
}

/* Releases the held message and moves the turn to the next member present
 * after it (round-robin: a busy producer cannot starve the others). */
TACHYON_HOT_FN_ tachyon_error_t tachyon_fanin_commit_rx(tachyon_fanin_t *fi)
{
    tachyon_fanin_hot_t *fh_ = (tachyon_fanin_hot_t *)(void *)fi;
    tachyon_bus_t *bus_;
    uint64_t present_, after_;
    uint32_t held_, next_;

    if (TACHYON_UNLIKELY_(!fi || fh_->held_bus == NULL))
        return tachyon_hot1_fanin_commit_rx(fi);
    bus_ = fh_->held_bus;
    fh_->held_bus = NULL;
    held_ = fh_->turn_slot; /* the held member's */
    /* Pairs with the listener thread's seq_cst OR of the slot's bit, made
     * after it filled members[]. The held member is still present (only
     * the consumer's thread removes members), so present_ is not 0. */
    present_ = __atomic_load_n(&fh_->present, __ATOMIC_ACQUIRE);
    after_ = present_ & (~1ull << held_); /* the slots above held_ (none for 63) */
    next_ = (uint32_t)__builtin_ctzll(after_ ? after_ : present_);
    fh_->turn_slot = next_;
    fh_->turn_bus = fh_->members[next_];
    return tachyon_commit_rx(bus_);
}

#undef TACHYON_WRITE_FRAME_
#endif /* __GNUC__ && !TACHYON_NO_INLINE */

#ifdef __cplusplus
}
#endif

#endif /* TACHYON_H */
