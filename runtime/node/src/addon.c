/*
 * addon.c - the Node-API addon under the `tachyon` npm package: libtachyon's
 * C API for JavaScript. index.js wraps it; nothing here is public.
 *
 * Waiting never blocks the event loop. A call that would wait (receive on an
 * empty ring, send into a full one) first tries without waiting on the main
 * thread; only then it queues an async work item on the libuv thread pool,
 * which makes one C call with the caller's deadline. close() ends it at once
 * with tachyon_bus_interrupt, and so does the end of the environment
 * (process 'exit', a worker thread being terminated: see waits.c).
 * While a work item runs, the bus belongs to that pool thread: every call that
 * touches the ring throws StateError until the wait settled (`busy`).
 *
 * Zero copy: a received message (or a batch of them) and a reserved send slot
 * are external ArrayBuffers over the ring itself. Committing (or rolling back,
 * or closing) detaches them, so a view kept past that has byteLength 0 and can
 * never read reused ring bytes.
 *
 * Buses close when the process exits: an environment cleanup hook destroys
 * every bus still open (a producer publishes what it committed first).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_internal.h"
#include "tachyon.h"

/* Spins before a wait sleeps on the futex (the C library's spin_threshold). */
#define DEFAULT_SPIN 2048u
/* Largest batch one drain may return. */
#define MAX_BATCH 65536u

#define NAPI_CALL(env, call)                                                                                       \
    do {                                                                                                           \
        if ((call) != napi_ok) {                                                                                   \
            napi_throw_error((env), NULL, "tachyon: Node-API call failed: " #call);                                \
            return NULL;                                                                                           \
        }                                                                                                          \
    } while (0)

/* ---- the error table ------------------------------------------------------ */

/* One row per tachyon_error_t value, straight from tachyon.h's table:
 * index.js makes one TachyonError subclass per row (named after its
 * ShortName), and the tests check the classes declared in index.d.ts against
 * the header, so a code added there fails them until it is declared. */
#define ERROR_ROW(name, number, short_name, text) {name, #name, #short_name, text},
static const struct {
    tachyon_error_t code;
    const char *cname;
    const char *short_name;
    const char *text;
} error_rows[] = {TACHYON_ERROR_LIST(ERROR_ROW)};
#undef ERROR_ROW
_Static_assert(sizeof error_rows / sizeof error_rows[0] == TACHYON_ERR__COUNT,
               "error_rows must list every tachyon_error_t value");

/* ---- per-environment state ------------------------------------------------- */

typedef struct nb_env {
    napi_ref bus_ctor;      /* the NativeBus class */
    napi_ref error_factory; /* (code, context) => TachyonError, set by index.js */
    napi_ref canary;        /* a no-op function: calling it fails once the env is torn down */
} nb_env;

typedef enum { HOLD_NONE, HOLD_BATCH } nb_hold;

typedef struct nb_bus {
    tachyon_bus_t *bus; /* NULL once destroyed */
    napi_env env;
    napi_ref rx_ab; /* the ArrayBuffer over the held message(s), or NULL */
    napi_ref tx_ab; /* the ArrayBuffer over the reserved slot, or NULL */
    nb_hold hold;
    size_t held_count;
    bool busy;            /* a work item owns the bus (main thread only) */
    atomic_int in_worker; /* a pool thread is inside the C library with it */
    atomic_int closing;   /* close() asked: the wait in progress was interrupted and ends */
    uint32_t spin;
    tachyon_msg_t *msgs; /* drain's scratch array, grown on demand */
    size_t msgs_cap;
    /* What drain returns, made once and refilled for every batch (a batch is
     * committed, and so never read again, before the next one is taken):
     * the [ArrayBuffer, meta] pair and meta, a Uint32Array of 1 + 3 * meta_cap. */
    napi_ref pair_ref, meta_ref;
    uint32_t *meta;
    size_t meta_cap;
    struct nb_bus *prev, *next; /* every open bus, for the exit hook */
} nb_bus;

/* Open buses of every environment (worker threads have their own env). */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static nb_bus *open_buses;

static void open_add(nb_bus *b)
{
    pthread_mutex_lock(&open_lock);
    b->prev = NULL;
    b->next = open_buses;
    if (open_buses)
        open_buses->prev = b;
    open_buses = b;
    pthread_mutex_unlock(&open_lock);
}

static void open_remove(nb_bus *b)
{
    pthread_mutex_lock(&open_lock);
    if (b->prev)
        b->prev->next = b->next;
    else if (open_buses == b)
        open_buses = b->next;
    if (b->next)
        b->next->prev = b->prev;
    b->prev = b->next = NULL;
    pthread_mutex_unlock(&open_lock);
}

static int64_t now_ns(void) { return tachyon_now_ns(); }

/* ---- errors ------------------------------------------------------------------ */

static nb_env *env_data(napi_env env)
{
    void *d = NULL;
    napi_get_instance_data(env, &d);
    return d;
}

/* A TachyonError (made by index.js's factory) for `detail`, whose message is
 * "context: " and tachyon_format_error's line; a plain Error without it. */
static napi_value make_error_detail(napi_env env, const tachyon_error_detail_t *detail, const char *context)
{
    nb_env *d = env_data(env);
    napi_value fn, args[4], result = NULL, msg;
    char line[256], text[512];
    tachyon_format_error(detail, line, sizeof line);
    snprintf(text, sizeof text, "%s%s%s", context ? context : "", context && *context ? ": " : "", line);
    if (d && d->error_factory && napi_get_reference_value(env, d->error_factory, &fn) == napi_ok && fn) {
        napi_value undef;
        napi_get_undefined(env, &undef);
        napi_create_int32(env, detail->code, &args[0]);
        napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &args[1]);
        napi_create_int32(env, detail->os_errno, &args[2]);
        napi_create_string_utf8(env, context ? context : "", NAPI_AUTO_LENGTH, &args[3]);
        if (napi_call_function(env, undef, fn, 4, args, &result) == napi_ok)
            return result;
    }
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &result);
    return result;
}

static napi_value make_error(napi_env env, tachyon_error_t err, const char *context)
{
    tachyon_error_detail_t detail;
    memset(&detail, 0, sizeof detail);
    detail.code = (int32_t)err;
    return make_error_detail(env, &detail, context);
}

/* The error of the last failed call on `bus`, with what it knows (errno, sizes). */
static napi_value bus_error(napi_env env, tachyon_bus_t *bus, tachyon_error_t err, const char *context)
{
    tachyon_error_detail_t detail;
    memset(&detail, 0, sizeof detail);
    if (bus && tachyon_last_error_detail(bus, &detail) != err) {
        memset(&detail, 0, sizeof detail);
    }
    detail.code = (int32_t)err;
    return make_error_detail(env, &detail, context);
}

static napi_value throw_tachyon(napi_env env, tachyon_error_t err, const char *context)
{
    napi_throw(env, make_error(env, err, context));
    return NULL;
}

static napi_value throw_bus(napi_env env, tachyon_bus_t *bus, tachyon_error_t err, const char *context)
{
    napi_throw(env, bus_error(env, bus, err, context));
    return NULL;
}

static napi_value throw_type(napi_env env, const char *text)
{
    napi_throw_type_error(env, NULL, text);
    return NULL;
}

napi_value tachyon_node_error(napi_env env, tachyon_error_t err, const char *context)
{
    return make_error(env, err, context);
}

tachyon_bus_t *tachyon_node_bus_of(napi_env env, napi_value native_bus)
{
    nb_bus *b = NULL;
    if (napi_unwrap(env, native_bus, (void **)&b) != napi_ok || !b) {
        throw_type(env, "tachyon: not a Bus");
        return NULL;
    }
    if (!b->bus || b->busy) {
        throw_tachyon(env, TACHYON_ERR_STATE, b->bus ? "bus (a wait is pending)" : "bus (closed)");
        return NULL;
    }
    return b->bus;
}

/* ---- the NativeBus object ------------------------------------------------------------ */

static nb_bus *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self)
{
    napi_value this_arg;
    nb_bus *b = NULL;
    if (napi_get_cb_info(env, info, argc, argv, &this_arg, NULL) != napi_ok)
        return NULL;
    if (napi_unwrap(env, this_arg, (void **)&b) != napi_ok || !b) {
        napi_throw_type_error(env, NULL, "tachyon: not a bus");
        return NULL;
    }
    if (self)
        *self = this_arg;
    return b;
}

/* The bus, or NULL with StateError thrown when it is closed or a wait owns it. */
static nb_bus *usable(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self,
                      const char *what)
{
    nb_bus *b = unwrap(env, info, argc, argv, self);
    if (!b)
        return NULL;
    if (!b->bus || atomic_load(&b->closing)) {
        char ctx[96];
        snprintf(ctx, sizeof ctx, "%s: the bus is closed", what);
        throw_tachyon(env, TACHYON_ERR_STATE, ctx);
        return NULL;
    }
    if (b->busy) {
        char ctx[128];
        snprintf(ctx, sizeof ctx, "%s: another call is waiting on this bus (await it first)", what);
        throw_tachyon(env, TACHYON_ERR_STATE, ctx);
        return NULL;
    }
    return b;
}

/* Detaches and forgets the ArrayBuffer behind *ref (a no-op for NULL). */
static void drop_ref(napi_env env, napi_ref *ref)
{
    if (*ref)
        napi_delete_reference(env, *ref);
    *ref = NULL;
}

static void destroy_bus(napi_env env, nb_bus *b)
{
    if (env) {
        tachyon_node_drop_ab(env, &b->rx_ab);
        tachyon_node_drop_ab(env, &b->tx_ab);
        drop_ref(env, &b->pair_ref);
        drop_ref(env, &b->meta_ref);
        b->meta = NULL;
        b->meta_cap = 0;
    }
    if (b->bus) {
        tachyon_bus_destroy(b->bus);
        b->bus = NULL;
        open_remove(b);
    }
    b->hold = HOLD_NONE;
}

static void bus_finalize(napi_env env, void *data, void *hint)
{
    (void)hint;
    nb_bus *b = data;
    drop_ref(env, &b->pair_ref);
    drop_ref(env, &b->meta_ref);
    /* No work item can be pending: each one holds a reference to the object. */
    if (b->bus) {
        tachyon_bus_destroy(b->bus);
        b->bus = NULL;
        open_remove(b);
    }
    free(b->msgs);
    free(b);
}

static napi_value new_bus_object(napi_env env, tachyon_bus_t *bus)
{
    nb_env *d = env_data(env);
    napi_value ctor, obj;
    nb_bus *b = calloc(1, sizeof *b);
    if (!b) {
        tachyon_bus_destroy(bus);
        return make_error(env, TACHYON_ERR_NO_MEMORY, "tachyon");
    }
    b->bus = bus;
    b->env = env;
    b->spin = DEFAULT_SPIN;
    if (napi_get_reference_value(env, d->bus_ctor, &ctor) != napi_ok ||
        napi_new_instance(env, ctor, 0, NULL, &obj) != napi_ok ||
        napi_wrap(env, obj, b, bus_finalize, NULL, NULL) != napi_ok) {
        tachyon_bus_destroy(bus);
        free(b);
        return make_error(env, TACHYON_ERR_NO_MEMORY, "tachyon: cannot wrap the bus");
    }
    open_add(b);
    return obj;
}

static napi_value bus_ctor(napi_env env, napi_callback_info info)
{
    napi_value self;
    napi_get_cb_info(env, info, NULL, NULL, &self, NULL);
    return self;
}

/* ---- async work: listen, connect, and the sliced waits ------------------------------- */

typedef enum { W_LISTEN, W_CONNECT, W_RECV, W_ACQUIRE_TX, W_SEND } nb_kind;

typedef struct nb_work {
    napi_async_work work;
    napi_threadsafe_function tsfn; /* listen, connect: their thread reports here */
    napi_deferred deferred;
    nb_kind kind;
    nb_bus *b;          /* the waits */
    napi_ref self_ref;  /* keeps the bus object alive while waiting */
    char *path;         /* listen, connect */
    size_t capacity;
    tachyon_options_t opts;
    int64_t deadline; /* waits: absolute CLOCK_MONOTONIC ns, or -1 */
    void *data;       /* send: a private copy of the payload */
    size_t size;      /* send, acquire: bytes */
    uint32_t type_id;
    uint32_t max;     /* receive: the most messages of one batch */
    /* results */
    tachyon_error_t err;
    tachyon_error_detail_t detail; /* listen, connect */
    tachyon_bus_t *newbus;
    size_t nmsgs; /* receive: messages in b->msgs */
    void *slot;
    bool done; /* listen, connect: the thread finished */
    tn_wait wait; /* the waits: pending on the pool */
} nb_work;

static void work_execute(napi_env env, void *data)
{
    (void)env;
    nb_work *w = data;
    switch (w->kind) {
    case W_LISTEN:
        w->err = tachyon_bus_listen_until(w->path, w->capacity, &w->opts, w->deadline, &w->newbus, &w->detail);
        w->done = true;
        return;
    case W_CONNECT:
        w->err = tachyon_bus_connect_until(w->path, &w->opts, w->deadline, &w->newbus, &w->detail);
        w->done = true;
        return;
    default:
        break;
    }
    nb_bus *b = w->b;
    atomic_store(&b->in_worker, 1);
    w->done = true;
    tachyon_error_t err;
    /* One wait until the caller's deadline; INTERRUPTED is close() (or the
     * environment ending), unless it was a signal: then wait on. */
    do {
        err = TACHYON_OK;
        if (atomic_load(&b->closing)) {
            err = TACHYON_ERR_STATE;
            break;
        }
        switch (w->kind) {
        case W_RECV:
            w->nmsgs = tachyon_drain_batch_until(b->bus, b->msgs, w->max, b->spin, w->deadline);
            if (w->nmsgs == 0)
                err = tachyon_last_error(b->bus);
            break;
        case W_ACQUIRE_TX:
            w->slot = tachyon_acquire_tx_until(b->bus, w->size, w->deadline);
            if (!w->slot)
                err = tachyon_last_error(b->bus);
            break;
        case W_SEND:
            err = tachyon_send_until(b->bus, w->data, w->size, w->type_id, w->deadline);
            break;
        default:
            break;
        }
    } while (err == TACHYON_ERR_INTERRUPTED);
    w->err = err;
    atomic_store(&b->in_worker, 0);
}

static const char *kind_context(nb_kind k)
{
    switch (k) {
    case W_LISTEN: return "listen";
    case W_CONNECT: return "connect";
    case W_RECV: return "receive";
    case W_ACQUIRE_TX: return "sendZeroCopy";
    default: return "send";
    }
}

static void work_free(napi_env env, nb_work *w)
{
    if (w->tsfn)
        napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
    if (w->work)
        napi_delete_async_work(env, w->work);
    if (w->self_ref)
        napi_delete_reference(env, w->self_ref);
    free(w->path);
    free(w->data);
    free(w);
}

static napi_value batch_result(napi_env env, nb_bus *b, size_t n);

static napi_value noop(napi_env env, napi_callback_info info)
{
    (void)env;
    (void)info;
    return NULL;
}

/* Whether JavaScript still runs in `env`. A worker thread being terminated
 * first runs its loop until no work item is pending (and only then its
 * cleanup hooks), so a wait must notice by itself that it should end. */
static bool env_alive(napi_env env)
{
    nb_env *d = env_data(env);
    napi_value fn, undef, r;
    if (!d || !d->canary || napi_get_reference_value(env, d->canary, &fn) != napi_ok || !fn)
        return false;
    napi_get_undefined(env, &undef);
    return napi_call_function(env, undef, fn, 0, NULL, &r) == napi_ok;
}

bool tachyon_node_env_alive(napi_env env) { return env_alive(env); }

/* Ends a bus wait (process 'exit', a worker being terminated, see waits.c):
 * its completion then destroys the bus, as after close(). */
static void bus_wait_interrupt(tn_wait *tw)
{
    nb_work *w = (nb_work *)((char *)tw - offsetof(nb_work, wait));
    atomic_store(&w->b->closing, 1);
    tachyon_bus_interrupt(w->b->bus);
}

static void work_complete(napi_env env, napi_status status, void *data)
{
    nb_work *w = data;
    napi_value result = NULL;
    nb_bus *b = w->b;

    tachyon_node_wait_end(&w->wait);
    b->busy = false;
    if (atomic_load(&b->closing) || status != napi_ok) {
        /* close() came while waiting: it could not destroy the bus then. */
        destroy_bus(env, b);
        napi_reject_deferred(env, w->deferred,
                             make_error(env, TACHYON_ERR_STATE, "the bus was closed while waiting"));
        work_free(env, w);
        return;
    }
    if (w->err != TACHYON_OK) {
        if (w->kind == W_RECV && w->err == TACHYON_ERR_PEER_GONE) {
            napi_get_null(env, &result); /* the end of the stream */
            napi_resolve_deferred(env, w->deferred, result);
        } else {
            napi_reject_deferred(env, w->deferred, bus_error(env, b->bus, w->err, kind_context(w->kind)));
        }
        work_free(env, w);
        return;
    }
    switch (w->kind) {
    case W_RECV:
        result = batch_result(env, b, w->nmsgs);
        if (result)
            napi_resolve_deferred(env, w->deferred, result);
        else
            napi_reject_deferred(env, w->deferred, make_error(env, TACHYON_ERR_NO_MEMORY, "receive"));
        break;
    case W_ACQUIRE_TX:
        result = tachyon_node_ring_ab(env, w->slot, w->size, &b->tx_ab);
        if (result)
            napi_resolve_deferred(env, w->deferred, result);
        else
            napi_reject_deferred(env, w->deferred, make_error(env, TACHYON_ERR_NO_MEMORY, "sendZeroCopy"));
        break;
    default:
        napi_get_undefined(env, &result);
        napi_resolve_deferred(env, w->deferred, result);
        break;
    }
    work_free(env, w);
}

/* listen and connect may wait for as long as their timeout says (forever by
 * default for listen), so they run on a thread of their own rather than on the
 * libuv pool: process.exit() joins the pool's threads, never this one. */
static void handshake_done(napi_env env, napi_value js_cb, void *context, void *data)
{
    (void)js_cb;
    (void)context;
    nb_work *w = data;
    if (!env) { /* the environment is gone: nobody wants the bus */
        tachyon_bus_destroy(w->newbus);
        free(w->path);
        free(w);
        return;
    }
    if (w->err == TACHYON_OK) {
        napi_value result = new_bus_object(env, w->newbus);
        bool is_err = false;
        napi_is_error(env, result, &is_err);
        if (is_err)
            napi_reject_deferred(env, w->deferred, result);
        else
            napi_resolve_deferred(env, w->deferred, result);
    } else {
        char ctx[160];
        snprintf(ctx, sizeof ctx, "%s %.120s", kind_context(w->kind), w->path);
        w->detail.code = (int32_t)w->err;
        napi_reject_deferred(env, w->deferred, make_error_detail(env, &w->detail, ctx));
    }
    work_free(env, w);
}

static void *handshake_thread(void *arg)
{
    nb_work *w = arg;
    napi_threadsafe_function tsfn = w->tsfn;
    work_execute(NULL, w);
    if (napi_call_threadsafe_function(tsfn, w, napi_tsfn_blocking) != napi_ok) {
        tachyon_bus_destroy(w->newbus); /* the environment is closing */
        free(w->path);
        free(w);
        napi_release_threadsafe_function(tsfn, napi_tsfn_release);
    }
    return NULL;
}

static napi_value start_handshake(napi_env env, nb_work *w)
{
    napi_value promise, name;
    pthread_t t;
    pthread_attr_t attr;
    if (napi_create_promise(env, &w->deferred, &promise) != napi_ok)
        goto fail;
    napi_create_string_utf8(env, "tachyon handshake", NAPI_AUTO_LENGTH, &name);
    if (napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, handshake_done,
                                        &w->tsfn) != napi_ok)
        goto fail;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, handshake_thread, w);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        napi_reject_deferred(env, w->deferred, make_error(env, TACHYON_ERR_SYSTEM, kind_context(w->kind)));
        work_free(env, w);
    }
    return promise;
fail:
    work_free(env, w);
    napi_throw_error(env, NULL, "tachyon: cannot start the handshake");
    return NULL;
}

/* Queues `w` and returns its promise (or NULL with an exception). */
static napi_value start_work(napi_env env, nb_work *w, napi_value self)
{
    napi_value promise, name;
    if (napi_create_promise(env, &w->deferred, &promise) != napi_ok)
        goto fail;
    napi_create_string_utf8(env, "tachyon", NAPI_AUTO_LENGTH, &name);
    if (self && napi_create_reference(env, self, 1, &w->self_ref) != napi_ok)
        goto fail;
    if (napi_create_async_work(env, NULL, name, work_execute, work_complete, w, &w->work) != napi_ok ||
        napi_queue_async_work(env, w->work) != napi_ok)
        goto fail;
    if (w->b) {
        w->b->busy = true;
        tachyon_node_wait_begin(env, &w->wait, bus_wait_interrupt);
    }
    return promise;
fail:
    work_free(env, w);
    napi_throw_error(env, NULL, "tachyon: cannot start the wait");
    return NULL;
}

/* listen(path, capacity, fingerprint: bigint, timeoutMs, allowAnyUid) -> Promise<NativeBus> */
static napi_value js_listen(napi_env env, napi_callback_info info)
{
    size_t argc = 5;
    napi_value argv[5];
    size_t len;
    bool lossless, any_uid = false;
    double timeout = 0;
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    nb_work *w = calloc(1, sizeof *w);
    if (!w)
        return throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "listen");
    w->kind = W_LISTEN;
    if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok || !(w->path = malloc(len + 1))) {
        work_free(env, w);
        return throw_type(env, "tachyon: listen: path must be a string");
    }
    napi_get_value_string_utf8(env, argv[0], w->path, len + 1, &len);
    if (strlen(w->path) != len) {
        work_free(env, w);
        return throw_type(env, "tachyon: listen: path contains a NUL character");
    }
    if (!tachyon_node_size(env, argv[1], &w->capacity)) {
        work_free(env, w);
        return throw_type(env, "tachyon: listen: capacity must be a non-negative integer");
    }
    napi_get_value_bigint_uint64(env, argv[2], &w->opts.schema_fingerprint, &lossless);
    napi_get_value_double(env, argv[3], &timeout);
    napi_get_value_bool(env, argv[4], &any_uid);
    /* timeout in ms; negative: forever */
    w->deadline = timeout < 0 || timeout != timeout ? TACHYON_FOREVER : now_ns() + (int64_t)(timeout * 1e6);
    w->opts.flags = any_uid ? TACHYON_OPT_ALLOW_ANY_UID : 0;
    return start_handshake(env, w);
}

/* connect(path, fingerprint: bigint, timeoutMs) -> Promise<NativeBus> */
static napi_value js_connect(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3];
    size_t len;
    bool lossless;
    double timeout = 0;
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    nb_work *w = calloc(1, sizeof *w);
    if (!w)
        return throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "connect");
    w->kind = W_CONNECT;
    if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok || !(w->path = malloc(len + 1))) {
        work_free(env, w);
        return throw_type(env, "tachyon: connect: path must be a string");
    }
    napi_get_value_string_utf8(env, argv[0], w->path, len + 1, &len);
    if (strlen(w->path) != len) {
        work_free(env, w);
        return throw_type(env, "tachyon: connect: path contains a NUL character");
    }
    napi_get_value_bigint_uint64(env, argv[1], &w->opts.schema_fingerprint, &lossless);
    napi_get_value_double(env, argv[2], &timeout);
    /* timeout in ms, for the listener to appear and the handshake; negative: forever */
    w->deadline = timeout < 0 || timeout != timeout ? TACHYON_FOREVER : now_ns() + (int64_t)(timeout * 1e6);
    return start_handshake(env, w);
}

/* ---- producer ---------------------------------------------------------------------------- */

/* trySend(data, typeId) -> boolean (false: the ring is full) */
static napi_value js_try_send(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2], result;
    void *data;
    size_t len;
    uint32_t type_id;
    nb_bus *b = usable(env, info, &argc, argv, NULL, "trySend");
    if (!b)
        return NULL;
    if (!tachyon_node_bytes(env, argv[0], &data, &len))
        return throw_type(env, "tachyon: trySend: data must be a Buffer, a TypedArray, a DataView or an ArrayBuffer");
    if (!tachyon_node_u32(env, argv[1], &type_id))
        return throw_type(env, "tachyon: trySend: typeId must be an integer in 0..2^32-1");
    tachyon_error_t err = tachyon_send(b->bus, data, len, type_id);
    if (err != TACHYON_OK && err != TACHYON_ERR_FULL)
        return throw_bus(env, b->bus, err, "trySend");
    napi_get_boolean(env, err == TACHYON_OK, &result);
    return result;
}

/* send(data, typeId, timeoutMs) -> Promise<void>: waits off the event loop for room. */
static napi_value js_send(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3], self, promise, undef;
    void *data;
    size_t len;
    uint32_t type_id;
    int64_t deadline;
    nb_bus *b = usable(env, info, &argc, argv, &self, "send");
    if (!b)
        return NULL;
    if (!tachyon_node_bytes(env, argv[0], &data, &len))
        return throw_type(env, "tachyon: send: data must be a Buffer, a TypedArray, a DataView or an ArrayBuffer");
    if (!tachyon_node_u32(env, argv[1], &type_id))
        return throw_type(env, "tachyon: send: typeId must be an integer in 0..2^32-1");
    if (!tachyon_node_deadline(env, argv[2], &deadline))
        return throw_type(env, "tachyon: send: timeout must be a number of milliseconds");
    tachyon_error_t err = tachyon_send(b->bus, data, len, type_id);
    if (err == TACHYON_OK) {
        napi_deferred d;
        NAPI_CALL(env, napi_create_promise(env, &d, &promise));
        napi_get_undefined(env, &undef);
        napi_resolve_deferred(env, d, undef);
        return promise;
    }
    if (err != TACHYON_ERR_FULL)
        return throw_bus(env, b->bus, err, "send");
    /* Full: the pool thread sends a private copy (the caller's buffer may change). */
    nb_work *w = calloc(1, sizeof *w);
    if (!w || !(w->data = malloc(len ? len : 1))) {
        free(w);
        return throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "send");
    }
    memcpy(w->data, data, len);
    w->kind = W_SEND;
    w->b = b;
    w->size = len;
    w->type_id = type_id;
    w->deadline = deadline;
    return start_work(env, w, self);
}

/* sendRecords(data, recordSize, typeIds: number | Uint32Array, first) -> how
 * many records from `first` on went into the ring before it was full. Each
 * record of `data` (recordSize bytes apiece) is one message; its type id is
 * typeIds (one for all) or typeIds[i]. One call, no allocation per message. */
static napi_value js_send_records(napi_env env, napi_callback_info info)
{
    size_t argc = 4;
    napi_value argv[4], result;
    void *data, *ids = NULL;
    size_t len, rsize, first, nids = 0;
    uint32_t one_id = 0;
    bool is_ta = false;
    nb_bus *b = usable(env, info, &argc, argv, NULL, "sendBatch");
    if (!b)
        return NULL;
    if (!tachyon_node_bytes(env, argv[0], &data, &len))
        return throw_type(env, "tachyon: sendBatch: records must be a Buffer, a TypedArray, a DataView or an ArrayBuffer");
    if (!tachyon_node_size(env, argv[1], &rsize) || rsize == 0 || len % rsize != 0)
        return throw_type(env, "tachyon: sendBatch: recordSize must divide the records' byte length");
    if (!tachyon_node_size(env, argv[3], &first))
        return throw_type(env, "tachyon: sendBatch: bad first record");
    size_t n = len / rsize;
    napi_is_typedarray(env, argv[2], &is_ta);
    if (is_ta) {
        napi_typedarray_type type;
        napi_value ab;
        size_t off;
        napi_get_typedarray_info(env, argv[2], &type, &nids, &ids, &ab, &off);
        if (type != napi_uint32_array || nids != n)
            return throw_type(env, "tachyon: sendBatch: typeIds must be a number or a Uint32Array with one id per record");
    } else if (!tachyon_node_u32(env, argv[2], &one_id)) {
        return throw_type(env, "tachyon: sendBatch: typeIds must be a number or a Uint32Array with one id per record");
    }
    size_t i = first;
    for (; i < n; i++) {
        uint32_t id = ids ? ((const uint32_t *)ids)[i] : one_id;
        tachyon_error_t err = tachyon_send(b->bus, (const uint8_t *)data + i * rsize, rsize, id);
        if (err == TACHYON_ERR_FULL)
            break;
        if (err != TACHYON_OK)
            return throw_bus(env, b->bus, err, "sendBatch");
    }
    napi_create_double(env, (double)(i - first), &result);
    return result;
}

static napi_value js_flush(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    nb_bus *b = usable(env, info, &argc, NULL, NULL, "flush");
    if (!b)
        return NULL;
    tachyon_error_t err = tachyon_flush(b->bus);
    if (err != TACHYON_OK)
        return throw_bus(env, b->bus, err, "flush");
    return NULL;
}

/* acquireTx(size) -> ArrayBuffer over the slot, or null when the ring is full */
static napi_value js_acquire_tx(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], result;
    size_t size;
    nb_bus *b = usable(env, info, &argc, argv, NULL, "sendZeroCopy");
    if (!b)
        return NULL;
    if (!tachyon_node_size(env, argv[0], &size))
        return throw_type(env, "tachyon: sendZeroCopy: size must be a non-negative integer");
    void *slot = tachyon_acquire_tx(b->bus, size);
    if (!slot) {
        tachyon_error_t err = tachyon_last_error(b->bus);
        if (err == TACHYON_ERR_FULL) {
            napi_get_null(env, &result);
            return result;
        }
        return throw_bus(env, b->bus, err, "sendZeroCopy");
    }
    result = tachyon_node_ring_ab(env, slot, size, &b->tx_ab);
    if (!result) {
        tachyon_rollback_tx(b->bus);
        return throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "sendZeroCopy");
    }
    return result;
}

/* acquireTxWait(size, timeoutMs) -> Promise<ArrayBuffer> */
static napi_value js_acquire_tx_wait(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2], self;
    size_t size;
    int64_t deadline;
    nb_bus *b = usable(env, info, &argc, argv, &self, "sendZeroCopy");
    if (!b)
        return NULL;
    if (!tachyon_node_size(env, argv[0], &size))
        return throw_type(env, "tachyon: sendZeroCopy: size must be a non-negative integer");
    if (!tachyon_node_deadline(env, argv[1], &deadline))
        return throw_type(env, "tachyon: sendZeroCopy: timeout must be a number of milliseconds");
    nb_work *w = calloc(1, sizeof *w);
    if (!w)
        return throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "sendZeroCopy");
    w->kind = W_ACQUIRE_TX;
    w->b = b;
    w->size = size;
    w->deadline = deadline;
    return start_work(env, w, self);
}

/* commitTx(size, typeId): publishes the reserved slot; its ArrayBuffer is detached. */
static napi_value js_commit_tx(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    size_t size;
    uint32_t type_id;
    nb_bus *b = usable(env, info, &argc, argv, NULL, "commit");
    if (!b)
        return NULL;
    if (!tachyon_node_size(env, argv[0], &size) || !tachyon_node_u32(env, argv[1], &type_id))
        return throw_type(env, "tachyon: commit: size and typeId must be non-negative integers");
    tachyon_node_drop_ab(env, &b->tx_ab);
    tachyon_error_t err = tachyon_commit_tx(b->bus, size, type_id);
    if (err != TACHYON_OK) {
        tachyon_rollback_tx(b->bus);
        return throw_bus(env, b->bus, err, "commit");
    }
    return NULL;
}

static napi_value js_rollback_tx(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    nb_bus *b = usable(env, info, &argc, NULL, NULL, "rollback");
    if (!b)
        return NULL;
    tachyon_node_drop_ab(env, &b->tx_ab);
    tachyon_error_t err = tachyon_rollback_tx(b->bus);
    if (err != TACHYON_OK)
        return throw_bus(env, b->bus, err, "rollback");
    return NULL;
}

/* ---- consumer ---------------------------------------------------------------------------- */

/* [ArrayBuffer, meta] for the n messages drain put in b->msgs, which the bus
 * now holds: the ArrayBuffer spans them in the ring (a batch wraps the ring's
 * end at most once, so [lo, hi) stays within it); meta is a Uint32Array of
 * 1 + 3n entries: n, then (offset in the ArrayBuffer, size, typeId) each. */
static napi_value batch_result(napi_env env, nb_bus *b, size_t n)
{
    const tachyon_msg_t *msgs = b->msgs;
    napi_value result, ab, m, mab;
    void *raw;
    const uint8_t *lo = msgs[0].data, *hi = (const uint8_t *)msgs[0].data + msgs[0].size;
    for (size_t i = 1; i < n; i++) {
        const uint8_t *p = msgs[i].data;
        if (p < lo)
            lo = p;
        if (p + msgs[i].size > hi)
            hi = p + msgs[i].size;
    }
    b->hold = HOLD_BATCH;
    b->held_count = n;
    ab = tachyon_node_ring_ab(env, (void *)lo, (size_t)(hi - lo), &b->rx_ab);
    if (!ab)
        return NULL;
    /* Allocating meta and the pair for every batch cost a batch of one message
     * (a receive one at a time) a fifth of its time: they are made once. */
    if (b->meta_cap < n) {
        size_t cap = n > b->msgs_cap ? n : b->msgs_cap;
        if (napi_create_arraybuffer(env, (1 + 3 * cap) * sizeof(uint32_t), &raw, &mab) != napi_ok ||
            napi_create_typedarray(env, napi_uint32_array, 1 + 3 * cap, mab, 0, &m) != napi_ok)
            return NULL;
        drop_ref(env, &b->meta_ref);
        if (napi_create_reference(env, m, 1, &b->meta_ref) != napi_ok)
            return NULL;
        b->meta = raw;
        b->meta_cap = cap;
    } else if (napi_get_reference_value(env, b->meta_ref, &m) != napi_ok) {
        return NULL;
    }
    if (!b->pair_ref) {
        if (napi_create_array_with_length(env, 2, &result) != napi_ok ||
            napi_create_reference(env, result, 1, &b->pair_ref) != napi_ok)
            return NULL;
    } else if (napi_get_reference_value(env, b->pair_ref, &result) != napi_ok) {
        return NULL;
    }
    uint32_t *meta = b->meta;
    meta[0] = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        meta[1 + 3 * i] = (uint32_t)((const uint8_t *)msgs[i].data - lo);
        meta[2 + 3 * i] = msgs[i].size;
        meta[3 + 3 * i] = msgs[i].type_id;
    }
    napi_set_element(env, result, 0, ab);
    napi_set_element(env, result, 1, m);
    return result;
}

static bool grow_msgs(nb_bus *b, size_t max)
{
    if (b->msgs_cap >= max)
        return true;
    tachyon_msg_t *grown = realloc(b->msgs, max * sizeof *grown);
    if (!grown)
        return false;
    b->msgs = grown;
    b->msgs_cap = max;
    return true;
}

/* drain(max) -> [ArrayBuffer, meta] | undefined (nothing now) | null (the end:
 * the producer closed and everything was delivered). The ArrayBuffer spans the
 * batch's messages in the ring; offsets in meta are relative to it. */
static napi_value js_drain(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], result;
    uint32_t max;
    nb_bus *b = usable(env, info, &argc, argv, NULL, "drainBatch");
    if (!b)
        return NULL;
    if (!tachyon_node_u32(env, argv[0], &max) || max == 0 || max > MAX_BATCH)
        return throw_type(env, "tachyon: drainBatch: max must be an integer in 1..65536");
    if (b->hold != HOLD_NONE)
        return throw_tachyon(env, TACHYON_ERR_STATE, "drainBatch: commit the previous message or batch first");
    if (!grow_msgs(b, max))
        return throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "drainBatch");
    size_t n = tachyon_drain_batch(b->bus, b->msgs, max);
    if (n == 0) {
        tachyon_error_t err = tachyon_last_error(b->bus);
        if (err == TACHYON_ERR_EMPTY) {
            napi_get_undefined(env, &result);
            return result;
        }
        if (err == TACHYON_ERR_PEER_GONE) {
            napi_get_null(env, &result);
            return result;
        }
        return throw_bus(env, b->bus, err, "drainBatch");
    }
    result = batch_result(env, b, n);
    return result ? result : throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "drainBatch");
}

/* wait(max, timeoutMs) -> Promise<[ArrayBuffer, meta] | null>: a batch of 1 to
 * max messages, waited for off the event loop; null at the end of the stream. */
static napi_value js_wait(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2], self;
    int64_t deadline;
    uint32_t max;
    nb_bus *b = usable(env, info, &argc, argv, &self, "receive");
    if (!b)
        return NULL;
    if (!tachyon_node_u32(env, argv[0], &max) || max == 0 || max > MAX_BATCH)
        return throw_type(env, "tachyon: receive: max must be an integer in 1..65536");
    if (!tachyon_node_deadline(env, argv[1], &deadline))
        return throw_type(env, "tachyon: receive: timeout must be a number of milliseconds");
    if (b->hold != HOLD_NONE)
        return throw_tachyon(env, TACHYON_ERR_STATE, "receive: commit the previous message or batch first");
    if (tachyon_bus_role(b->bus) != TACHYON_ROLE_CONSUMER)
        return throw_tachyon(env, TACHYON_ERR_STATE, "receive: this side of the bus sends");
    nb_work *w = calloc(1, sizeof *w);
    if (!w)
        return throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "receive");
    if (!grow_msgs(b, max)) {
        free(w);
        return throw_tachyon(env, TACHYON_ERR_NO_MEMORY, "receive");
    }
    w->kind = W_RECV;
    w->b = b;
    w->max = max;
    w->deadline = deadline;
    return start_work(env, w, self);
}

/* commitRx(): releases the held message or batch; its ArrayBuffer is detached. */
static napi_value js_commit_rx(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    nb_bus *b = usable(env, info, &argc, NULL, NULL, "commit");
    if (!b)
        return NULL;
    tachyon_node_drop_ab(env, &b->rx_ab);
    tachyon_error_t err = TACHYON_OK;
    if (b->hold == HOLD_BATCH)
        err = tachyon_commit_rx_batch(b->bus, b->held_count);
    else
        err = TACHYON_ERR_STATE;
    b->hold = HOLD_NONE;
    b->held_count = 0;
    if (err != TACHYON_OK)
        return throw_bus(env, b->bus, err, "commit");
    return NULL;
}

/* ---- lifecycle and queries ----------------------------------------------------------- */

static napi_value js_close(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    nb_bus *b = unwrap(env, info, &argc, NULL, NULL);
    if (!b)
        return NULL;
    if (b->busy) {
        /* The pool thread owns the bus until its wait ends, which the
         * interrupt makes now; the work item's completion destroys the bus
         * then and rejects the wait. */
        atomic_store(&b->closing, 1);
        tachyon_bus_interrupt(b->bus);
        tachyon_node_drop_ab(env, &b->rx_ab);
        tachyon_node_drop_ab(env, &b->tx_ab);
        return NULL;
    }
    atomic_store(&b->closing, 1);
    destroy_bus(env, b);
    return NULL;
}

static napi_value js_closed(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value r;
    nb_bus *b = unwrap(env, info, &argc, NULL, NULL);
    if (!b)
        return NULL;
    napi_get_boolean(env, !b->bus || atomic_load(&b->closing), &r);
    return r;
}

static napi_value js_info(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value r, v;
    nb_bus *b = unwrap(env, info, &argc, NULL, NULL);
    if (!b)
        return NULL;
    if (!b->bus)
        return throw_tachyon(env, TACHYON_ERR_STATE, "the bus is closed");
    /* Fixed at the handshake: safe to read while a wait owns the ring. */
    NAPI_CALL(env, napi_create_object(env, &r));
    napi_create_string_utf8(env, tachyon_bus_role(b->bus) == TACHYON_ROLE_PRODUCER ? "producer" : "consumer",
                            NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, r, "role", v);
    napi_create_double(env, (double)tachyon_capacity(b->bus), &v);
    napi_set_named_property(env, r, "capacity", v);
    napi_create_double(env, (double)tachyon_max_message_size(b->bus), &v);
    napi_set_named_property(env, r, "maxMessageSize", v);
    napi_create_bigint_uint64(env, tachyon_schema_fingerprint(b->bus), &v);
    napi_set_named_property(env, r, "fingerprint", v);
    return r;
}

static napi_value js_peer_alive(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value r;
    nb_bus *b = usable(env, info, &argc, NULL, NULL, "peerAlive");
    if (!b)
        return NULL;
    napi_get_boolean(env, tachyon_peer_alive(b->bus) != 0, &r);
    return r;
}

static napi_value js_stats(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value r, v;
    tachyon_stats_t s;
    nb_bus *b = usable(env, info, &argc, NULL, NULL, "stats");
    if (!b)
        return NULL;
    tachyon_error_t err = tachyon_get_stats(b->bus, &s);
    if (err != TACHYON_OK)
        return throw_bus(env, b->bus, err, "stats");
    NAPI_CALL(env, napi_create_object(env, &r));
#define STAT(field, js)                                                                                            \
    napi_create_double(env, (double)s.field, &v);                                                                  \
    napi_set_named_property(env, r, js, v)
    STAT(messages, "messages");
    STAT(bytes, "bytes");
    STAT(publishes, "publishes");
    STAT(full_events, "fullEvents");
    STAT(sleeps, "sleeps");
    STAT(wakes, "wakes");
#undef STAT
    return r;
}

static napi_value js_set_spin(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    uint32_t spin;
    nb_bus *b = usable(env, info, &argc, argv, NULL, "spin");
    if (!b)
        return NULL;
    if (!tachyon_node_u32(env, argv[0], &spin))
        return throw_type(env, "tachyon: spin must be an integer in 0..2^32-1");
    b->spin = spin;
    return NULL;
}

/* ---- module ------------------------------------------------------------------------------ */

/* errorTable() -> [[number, "TACHYON_ERR_X", "ShortName", "description"], ...] */
static napi_value js_error_table(napi_env env, napi_callback_info info)
{
    (void)info;
    napi_value arr, row, v;
    NAPI_CALL(env, napi_create_array_with_length(env, TACHYON_ERR__COUNT, &arr));
    for (size_t i = 0; i < TACHYON_ERR__COUNT; i++) {
        napi_create_array_with_length(env, 4, &row);
        napi_create_int32(env, (int32_t)error_rows[i].code, &v);
        napi_set_element(env, row, 0, v);
        napi_create_string_utf8(env, error_rows[i].cname, NAPI_AUTO_LENGTH, &v);
        napi_set_element(env, row, 1, v);
        napi_create_string_utf8(env, error_rows[i].short_name, NAPI_AUTO_LENGTH, &v);
        napi_set_element(env, row, 2, v);
        napi_create_string_utf8(env, error_rows[i].text, NAPI_AUTO_LENGTH, &v);
        napi_set_element(env, row, 3, v);
        napi_set_element(env, arr, (uint32_t)i, row);
    }
    return arr;
}

static napi_value js_set_error_factory(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    nb_env *d = env_data(env);
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (d->error_factory)
        napi_delete_reference(env, d->error_factory);
    NAPI_CALL(env, napi_create_reference(env, argv[0], 1, &d->error_factory));
    return NULL;
}

/* Destroys every bus of `env` still open when the environment goes away. */
static void env_cleanup(void *arg)
{
    napi_env env = arg;
    for (;;) {
        nb_bus *b = NULL;
        pthread_mutex_lock(&open_lock);
        for (nb_bus *p = open_buses; p; p = p->next)
            if (p->env == env) {
                b = p;
                break;
            }
        pthread_mutex_unlock(&open_lock);
        if (!b)
            return;
        atomic_store(&b->closing, 1);
        /* A pool thread inside a wait leaves at the interrupt. */
        if (atomic_load(&b->in_worker))
            tachyon_bus_interrupt(b->bus);
        for (int i = 0; i < 2000 && atomic_load(&b->in_worker); i++)
            usleep(1000);
        if (atomic_load(&b->in_worker)) {
            open_remove(b); /* still stuck: leave it to the kernel */
            continue;
        }
        tachyon_bus_destroy(b->bus);
        b->bus = NULL;
        open_remove(b);
    }
}

/* interruptWaits(): the environment is exiting (process 'exit'): ends every
 * wait on the pool at once (buses, RPC, fan-out sends, subscriber connects).
 * process.exit() then joins the libuv pool's threads before anything else,
 * which must not wait for a deadline. */
static napi_value js_interrupt_waits(napi_env env, napi_callback_info info)
{
    (void)info;
    tachyon_node_interrupt_waits(env);
    return NULL;
}

/* process.exit() ends the process without running the environment's cleanup
 * hooks (it joins the libuv pool first, so no wait is in progress): close
 * every bus still open from exit(). */
static void process_exit_hook(void)
{
    for (;;) {
        pthread_mutex_lock(&open_lock);
        nb_bus *b = open_buses;
        if (b && !atomic_load(&b->in_worker)) {
            tachyon_bus_destroy(b->bus);
            b->bus = NULL;
        }
        if (b) { /* unlink (destroyed, or busy on a thread that exit() ends) */
            open_buses = b->next;
            if (open_buses)
                open_buses->prev = NULL;
            b->prev = b->next = NULL;
        }
        pthread_mutex_unlock(&open_lock);
        if (!b)
            return;
    }
}

static pthread_once_t exit_hook_once = PTHREAD_ONCE_INIT;

static void install_exit_hook(void)
{
    atexit(process_exit_hook);
}

static void env_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    free(data);
}

static void set_const(napi_env env, napi_value exports, const char *name, double value)
{
    napi_value v;
    napi_create_double(env, value, &v);
    napi_set_named_property(env, exports, name, v);
}

/* NAPI_MODULE_INIT defines these two entry points; declared first for -Wmissing-prototypes. */
NAPI_MODULE_EXPORT int32_t NODE_API_MODULE_GET_API_VERSION(void);
NAPI_MODULE_EXPORT napi_value NAPI_MODULE_INITIALIZER(napi_env env, napi_value exports);
/* The RPC half of the addon (src/rpc.c): defines NativeRpc and rpcListen/rpcConnect on exports. */
napi_value tachyon_node_rpc_init(napi_env env, napi_value exports);

NAPI_MODULE_INIT()
{
    nb_env *d = calloc(1, sizeof *d);
    napi_value cls;
    if (!d || napi_set_instance_data(env, d, env_finalize, NULL) != napi_ok) {
        free(d);
        napi_throw_error(env, NULL, "tachyon: cannot initialise the addon");
        return NULL;
    }
    napi_add_env_cleanup_hook(env, env_cleanup, env);
    pthread_once(&exit_hook_once, install_exit_hook);

    napi_property_descriptor methods[] = {
        {"trySend", NULL, js_try_send, NULL, NULL, NULL, napi_default, NULL},
        {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
        {"flush", NULL, js_flush, NULL, NULL, NULL, napi_default, NULL},
        {"sendRecords", NULL, js_send_records, NULL, NULL, NULL, napi_default, NULL},
        {"acquireTx", NULL, js_acquire_tx, NULL, NULL, NULL, napi_default, NULL},
        {"acquireTxWait", NULL, js_acquire_tx_wait, NULL, NULL, NULL, napi_default, NULL},
        {"commitTx", NULL, js_commit_tx, NULL, NULL, NULL, napi_default, NULL},
        {"rollbackTx", NULL, js_rollback_tx, NULL, NULL, NULL, napi_default, NULL},
        {"drain", NULL, js_drain, NULL, NULL, NULL, napi_default, NULL},
        {"wait", NULL, js_wait, NULL, NULL, NULL, napi_default, NULL},
        {"commitRx", NULL, js_commit_rx, NULL, NULL, NULL, napi_default, NULL},
        {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
        {"closed", NULL, js_closed, NULL, NULL, NULL, napi_default, NULL},
        {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
        {"peerAlive", NULL, js_peer_alive, NULL, NULL, NULL, napi_default, NULL},
        {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
        {"setSpin", NULL, js_set_spin, NULL, NULL, NULL, napi_default, NULL},
    };
    NAPI_CALL(env, napi_define_class(env, "NativeBus", NAPI_AUTO_LENGTH, bus_ctor, NULL,
                                     sizeof methods / sizeof methods[0], methods, &cls));
    NAPI_CALL(env, napi_create_reference(env, cls, 1, &d->bus_ctor));
    napi_value canary;
    NAPI_CALL(env, napi_create_function(env, "canary", NAPI_AUTO_LENGTH, noop, NULL, &canary));
    NAPI_CALL(env, napi_create_reference(env, canary, 1, &d->canary));

    napi_property_descriptor fns[] = {
        {"listen", NULL, js_listen, NULL, NULL, NULL, napi_default, NULL},
        {"connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL},
        {"errorTable", NULL, js_error_table, NULL, NULL, NULL, napi_default, NULL},
        {"setErrorFactory", NULL, js_set_error_factory, NULL, NULL, NULL, napi_default, NULL},
        {"interruptWaits", NULL, js_interrupt_waits, NULL, NULL, NULL, napi_default, NULL},
    };
    NAPI_CALL(env, napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns));
    napi_value version;
    NAPI_CALL(env, napi_create_string_utf8(env, tachyon_version(), NAPI_AUTO_LENGTH, &version));
    NAPI_CALL(env, napi_set_named_property(env, exports, "LIBRARY_VERSION", version));
    set_const(env, exports, "ABI_VERSION", TACHYON_ABI_VERSION);
    set_const(env, exports, "FRAME_ALIGN", TACHYON_FRAME_ALIGN);
    set_const(env, exports, "FRAME_HEADER", TACHYON_FRAME_HEADER);
    set_const(env, exports, "BATCH", TACHYON_BATCH);
    set_const(env, exports, "MIN_CAPACITY", TACHYON_MIN_CAPACITY);
    set_const(env, exports, "MAX_CAPACITY", (double)TACHYON_MAX_CAPACITY);
    set_const(env, exports, "MAX_BATCH", MAX_BATCH);
    if (!tachyon_node_rpc_init(env, exports))
        return NULL;
    return tachyon_node_topology_init(env, exports);
}
