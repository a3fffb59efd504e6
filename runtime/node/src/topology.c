/*
 * topology.c - fan-out, fan-in and wait-sets for the Node-API addon; wrapped by
 * topology.js, nothing here is public.
 *
 * Every handle is a plain object wrapping its C struct; the functions take it
 * first. Reads never block: a receive on an empty ring returns null, and
 * topology.js waits for the member's readiness fd (a wait-set's epoll fd)
 * through a uv_poll_t on the environment's own loop, so waiting costs neither a
 * pool thread nor a blocked loop. The two calls that may wait inside the C
 * library (a subscriber's connect, a BLOCK producer's send) run on the libuv
 * pool as one C call with the caller's deadline, which the environment's end
 * interrupts (waits.c).
 *
 * Zero copy: a received message and a reserved send slot are external
 * ArrayBuffers over the ring, detached at the commit (or rollback, or close).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"
#include "tachyon.h"

#define TN_CALL(env, call)                                                                                         \
    do {                                                                                                           \
        if ((call) != napi_ok) {                                                                                   \
            napi_throw_error((env), NULL, "tachyon: Node-API call failed: " #call);                                \
            return NULL;                                                                                           \
        }                                                                                                          \
    } while (0)

enum tn_kind { TN_FANOUT = 1, TN_SUB, TN_FANIN, TN_WAITSET };

typedef struct tn_handle {
    enum tn_kind kind;
    napi_env env;
    void *c;        /* tachyon_fanout_t / _sub_t / _fanin_t / _waitset_t; NULL once closed */
    napi_ref ab;    /* the ArrayBuffer over the held message or reserved slot, or NULL */
    bool busy;      /* a pool work item owns it (send wait) */
    atomic_int closing; /* close() came during the send wait: its completion destroys it */
    uv_poll_t *poll; /* a wait-set's watcher of its fd, or NULL */
    napi_ref on_ready; /* a wait-set's callback while watching */
    napi_async_context actx;
} tn_handle;

static napi_value throw_err(napi_env env, tachyon_error_t err, const char *context)
{
    napi_throw(env, tachyon_node_error(env, err, context));
    return NULL;
}

static napi_value throw_type(napi_env env, const char *text)
{
    napi_throw_type_error(env, NULL, text);
    return NULL;
}

/* ---- handles ------------------------------------------------------------------ */

static void poll_closed(uv_handle_t *p)
{
    free(p);
}

static void destroy_c(napi_env env, tn_handle *h)
{
    if (env)
        tachyon_node_drop_ab(env, &h->ab);
    if (h->poll) {
        uv_close((uv_handle_t *)h->poll, poll_closed); /* stops watching the fd before it is closed below */
        h->poll = NULL;
    }
    if (env && h->on_ready) {
        napi_delete_reference(env, h->on_ready);
        h->on_ready = NULL;
    }
    if (env && h->actx) {
        napi_async_destroy(env, h->actx);
        h->actx = NULL;
    }
    if (!h->c)
        return;
    switch (h->kind) {
    case TN_FANOUT:
        tachyon_fanout_destroy(h->c);
        break;
    case TN_SUB:
        tachyon_sub_destroy(h->c);
        break;
    case TN_FANIN:
        tachyon_fanin_destroy(h->c);
        break;
    case TN_WAITSET:
        tachyon_waitset_destroy(h->c);
        break;
    }
    h->c = NULL;
}

static void handle_finalize(napi_env env, void *data, void *hint)
{
    (void)hint;
    tn_handle *h = data;
    /* A finalizer may not call into JavaScript: references only. */
    if (h->ab) {
        napi_delete_reference(env, h->ab);
        h->ab = NULL;
    }
    if (h->on_ready) {
        napi_delete_reference(env, h->on_ready);
        h->on_ready = NULL;
    }
    if (h->actx) {
        napi_async_destroy(env, h->actx);
        h->actx = NULL;
    }
    destroy_c(NULL, h);
    free(h);
}

static napi_value new_handle(napi_env env, enum tn_kind kind, void *c)
{
    napi_value obj;
    tn_handle *h = calloc(1, sizeof *h);
    if (!h || napi_create_object(env, &obj) != napi_ok || napi_wrap(env, obj, h, handle_finalize, NULL, NULL) != napi_ok) {
        tn_handle tmp = {.kind = kind, .c = c};
        destroy_c(NULL, &tmp);
        free(h);
        return throw_err(env, TACHYON_ERR_NO_MEMORY, "tachyon");
    }
    h->kind = kind;
    h->env = env;
    h->c = c;
    return obj;
}

/* The open handle of `kind` in `v`, or NULL with a JavaScript exception. */
static tn_handle *handle_of(napi_env env, napi_value v, enum tn_kind kind, const char *context)
{
    tn_handle *h = NULL;
    if (napi_unwrap(env, v, (void **)&h) != napi_ok || !h || h->kind != kind) {
        throw_type(env, "tachyon: not a handle of the right kind");
        return NULL;
    }
    if (!h->c) {
        throw_err(env, TACHYON_ERR_STATE, context);
        return NULL;
    }
    if (h->busy) {
        throw_err(env, TACHYON_ERR_STATE, context);
        return NULL;
    }
    return h;
}

/* ---- arguments ----------------------------------------------------------------- */

static bool arg_double(napi_env env, napi_value v, double *out)
{
    if (napi_get_value_double(env, v, out) != napi_ok) {
        throw_type(env, "tachyon: expected a number");
        return false;
    }
    return true;
}

static bool arg_u32(napi_env env, napi_value v, uint32_t *out)
{
    if (!tachyon_node_u32(env, v, out)) {
        throw_type(env, "tachyon: expected an integer in 0..2^32-1");
        return false;
    }
    return true;
}

static bool arg_size(napi_env env, napi_value v, size_t *out)
{
    if (!tachyon_node_size(env, v, out)) {
        throw_type(env, "tachyon: expected a non-negative integer");
        return false;
    }
    return true;
}

static bool arg_key(napi_env env, napi_value v, uint64_t *out)
{
    size_t k;
    if (!arg_size(env, v, &k))
        return false;
    *out = k;
    return true;
}

/* A path argument, copied into buf. */
static bool arg_path(napi_env env, napi_value v, char *buf, size_t len)
{
    size_t n;
    if (napi_get_value_string_utf8(env, v, buf, len, &n) != napi_ok) {
        throw_type(env, "tachyon: path must be a string");
        return false;
    }
    if (n + 1 >= len) {
        throw_err(env, TACHYON_ERR_PATH_TOO_LONG, "tachyon");
        return false;
    }
    return true;
}

static bool arg_options(napi_env env, napi_value fp, napi_value any_uid, tachyon_options_t *opts)
{
    bool lossless, any = false;
    uint64_t f = 0;
    memset(opts, 0, sizeof *opts);
    if (napi_get_value_bigint_uint64(env, fp, &f, &lossless) != napi_ok || !lossless) {
        throw_type(env, "tachyon: fingerprint must be a 64-bit bigint");
        return false;
    }
    if (any_uid && napi_get_value_bool(env, any_uid, &any) != napi_ok) {
        throw_type(env, "tachyon: allowAnyUid must be a boolean");
        return false;
    }
    opts->schema_fingerprint = f;
    opts->flags = any ? TACHYON_OPT_ALLOW_ANY_UID : 0;
    return true;
}

static bool arg_bytes(napi_env env, napi_value v, void **data, size_t *len)
{
    if (!tachyon_node_bytes(env, v, data, len)) {
        throw_type(env, "tachyon: data must be a Buffer, a TypedArray, a DataView or an ArrayBuffer");
        return false;
    }
    return true;
}

#define ARGS(n)                                                                                                    \
    size_t argc = (n);                                                                                             \
    napi_value argv[(n) > 0 ? (n) : 1];                                                                            \
    TN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));                                            \
    if (argc < (n))                                                                                                \
    return throw_type(env, "tachyon: missing arguments")

static napi_value make_u32(napi_env env, uint32_t v)
{
    napi_value r;
    napi_create_uint32(env, v, &r);
    return r;
}

static napi_value make_num(napi_env env, double v)
{
    napi_value r;
    napi_create_double(env, v, &r);
    return r;
}

static napi_value make_bool(napi_env env, bool v)
{
    napi_value r;
    napi_get_boolean(env, v, &r);
    return r;
}

static napi_value make_null(napi_env env)
{
    napi_value r;
    napi_get_null(env, &r);
    return r;
}

static napi_value make_undefined(napi_env env)
{
    napi_value r;
    napi_get_undefined(env, &r);
    return r;
}

/* An external ArrayBuffer over ring memory, remembered in h->ab for detaching. */
static napi_value ring_ab(napi_env env, tn_handle *h, void *data, size_t len)
{
    napi_value ab = tachyon_node_ring_ab(env, data, len, &h->ab);
    return ab ? ab : throw_err(env, TACHYON_ERR_NO_MEMORY, "tachyon: cannot wrap the message");
}

/* ---- pool work: waits inside the C library -------------------------------------- */

typedef struct tn_work {
    napi_async_work work;
    tn_wait wait;      /* pending on the pool (waits.c) */
    napi_deferred deferred;
    napi_ref self;     /* keeps the handle alive */
    tn_handle *h;      /* the producer of a send, or NULL */
    char path[256];    /* connect */
    tachyon_options_t opts;
    uint32_t join;
    atomic_int stop;   /* connect: its interrupt check ends it (no object to interrupt yet) */
    void *data;        /* send: a copy of the payload */
    size_t size;
    uint32_t type_id;
    int64_t deadline;
    tachyon_error_t err;
    tachyon_sub_t *sub; /* connect's result */
} tn_work;

static tn_work *work_of(tn_wait *tw)
{
    return (tn_work *)((char *)tw - offsetof(tn_work, wait));
}

/* A connect has no handle yet that tachyon_sub_interrupt could wake: its pool
 * thread runs it with this interrupt check, which the C library asks at least
 * once per watchdog period (and after a signal, which alone never ends it). */
static int connect_stopped(void *ctx)
{
    return atomic_load(&((tn_work *)ctx)->stop);
}

static void connect_execute(napi_env env, void *data)
{
    (void)env;
    tn_work *w = data;
    tachyon_set_interrupt_check(connect_stopped, w);
    w->err = tachyon_sub_connect_until(w->path, &w->opts, w->join, w->deadline, &w->sub, NULL);
    tachyon_set_interrupt_check(NULL, NULL); /* the pool thread runs other work next */
}

static void connect_interrupt(tn_wait *tw)
{
    atomic_store(&work_of(tw)->stop, 1);
}

static void send_execute(napi_env env, void *data)
{
    (void)env;
    tn_work *w = data;
    w->err = tachyon_fanout_send_until(w->h->c, w->data, w->size, w->type_id, w->deadline);
}

/* The completion destroys the producer, as after close() during the wait. */
static void send_interrupt(tn_wait *tw)
{
    tn_work *w = work_of(tw);
    atomic_store(&w->h->closing, 1);
    tachyon_fanout_interrupt(w->h->c);
}

static void work_complete(napi_env env, napi_status status, void *data)
{
    tn_work *w = data;
    napi_value result = NULL;
    tachyon_node_wait_end(&w->wait);
    if (w->h) {
        w->h->busy = false;
        if (atomic_load(&w->h->closing)) {
            /* close() (or the environment's end) came while waiting: it could not destroy the producer then. */
            destroy_c(env, w->h);
            napi_reject_deferred(env, w->deferred,
                                 tachyon_node_error(env, TACHYON_ERR_STATE, "fan-out send: closed while waiting"));
            goto out;
        }
    }
    if (status != napi_ok) {
        w->err = TACHYON_ERR_INTERRUPTED;
    }
    if (w->err != TACHYON_OK) {
        if (w->sub)
            tachyon_sub_destroy(w->sub);
        napi_reject_deferred(env, w->deferred, tachyon_node_error(env, w->err, w->sub || !w->h ? "subscribe" : "fan-out send"));
    } else {
        if (w->sub) {
            result = new_handle(env, TN_SUB, w->sub);
            if (!result) {
                napi_value e;
                napi_get_and_clear_last_exception(env, &e);
                napi_reject_deferred(env, w->deferred, e);
                goto out;
            }
        } else {
            result = make_undefined(env);
        }
        napi_resolve_deferred(env, w->deferred, result);
    }
out:
    if (w->self)
        napi_delete_reference(env, w->self);
    napi_delete_async_work(env, w->work);
    free(w->data);
    free(w);
}

/* Queues `w` as a wait that `interrupt` ends with its environment; its promise. */
static napi_value queue(napi_env env, tn_work *w, napi_async_execute_callback exec, tn_interrupt_fn interrupt,
                        const char *name)
{
    napi_value promise, res_name;
    TN_CALL(env, napi_create_promise(env, &w->deferred, &promise));
    TN_CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &res_name));
    TN_CALL(env, napi_create_async_work(env, NULL, res_name, exec, work_complete, w, &w->work));
    TN_CALL(env, napi_queue_async_work(env, w->work));
    tachyon_node_wait_begin(env, &w->wait, interrupt);
    return promise;
}

/* ---- fan-out producer ---------------------------------------------------------- */

/* foListen(path, capacity, drop, fingerprint, allowAnyUid) */
static napi_value fo_listen(napi_env env, napi_callback_info info)
{
    ARGS(5);
    char path[256];
    size_t capacity;
    bool drop;
    tachyon_options_t opts;
    tachyon_fanout_t *pub;
    if (!arg_path(env, argv[0], path, sizeof path) || !arg_size(env, argv[1], &capacity) ||
        !arg_options(env, argv[3], argv[4], &opts))
        return NULL;
    if (napi_get_value_bool(env, argv[2], &drop) != napi_ok)
        return throw_type(env, "tachyon: drop must be a boolean");
    tachyon_error_t err =
        tachyon_fanout_listen(path, capacity, drop ? TACHYON_LAG_DROP : TACHYON_LAG_BLOCK, &opts, &pub);
    if (err != TACHYON_OK)
        return throw_err(env, err, "fan-out listen");
    return new_handle(env, TN_FANOUT, pub);
}

/* foTrySend(h, data, typeId): true, or false when the ring is full (BLOCK). */
static napi_value fo_try_send(napi_env env, napi_callback_info info)
{
    ARGS(3);
    tn_handle *h = handle_of(env, argv[0], TN_FANOUT, "fan-out send");
    void *data;
    size_t len;
    uint32_t type_id;
    if (!h || !arg_bytes(env, argv[1], &data, &len) || !arg_u32(env, argv[2], &type_id))
        return NULL;
    if (h->ab)
        return throw_err(env, TACHYON_ERR_STATE, "fan-out send (a reservation is open)");
    tachyon_error_t err = tachyon_fanout_send_until(h->c, data, len, type_id, 0);
    if (err == TACHYON_ERR_FULL)
        return make_bool(env, false);
    if (err != TACHYON_OK)
        return throw_err(env, err, "fan-out send");
    return make_bool(env, true);
}

/* foSendWait(h, data, typeId, timeoutMs): a promise, settled when sent, at the deadline (TimeoutError; < 0:
 * none) or by close() (StateError): one C wait on the pool, which close() ends with tachyon_fanout_interrupt. */
static napi_value fo_send_wait(napi_env env, napi_callback_info info)
{
    ARGS(4);
    tn_handle *h = handle_of(env, argv[0], TN_FANOUT, "fan-out send");
    void *data;
    size_t len;
    uint32_t type_id;
    double ms;
    if (!h || !arg_bytes(env, argv[1], &data, &len) || !arg_u32(env, argv[2], &type_id) ||
        !arg_double(env, argv[3], &ms))
        return NULL;
    if (h->ab)
        return throw_err(env, TACHYON_ERR_STATE, "fan-out send (a reservation is open)");
    tn_work *w = calloc(1, sizeof *w);
    if (!w || !(w->data = malloc(len ? len : 1))) {
        free(w);
        return throw_err(env, TACHYON_ERR_NO_MEMORY, "fan-out send");
    }
    memcpy(w->data, data, len);
    w->size = len;
    w->type_id = type_id;
    w->h = h;
    w->deadline = tachyon_node_deadline_ms(ms);
    TN_CALL(env, napi_create_reference(env, argv[0], 1, &w->self));
    h->busy = true;
    napi_value p = queue(env, w, send_execute, send_interrupt, "tachyon:fanout-send");
    if (!p)
        h->busy = false;
    return p;
}

/* foAcquire(h, maxSize): an ArrayBuffer over the reserved slot, or null when full. */
static napi_value fo_acquire(napi_env env, napi_callback_info info)
{
    ARGS(2);
    tn_handle *h = handle_of(env, argv[0], TN_FANOUT, "fan-out acquireTx");
    size_t max;
    if (!h || !arg_size(env, argv[1], &max))
        return NULL;
    if (h->ab)
        return throw_err(env, TACHYON_ERR_STATE, "fan-out acquireTx (a reservation is open)");
    void *p = tachyon_fanout_acquire_tx(h->c, max);
    if (!p) {
        tachyon_error_t err = tachyon_fanout_last_error(h->c);
        return err == TACHYON_ERR_FULL ? make_null(env) : throw_err(env, err, "fan-out acquireTx");
    }
    return ring_ab(env, h, p, max);
}

/* foCommit(h, size, typeId) */
static napi_value fo_commit(napi_env env, napi_callback_info info)
{
    ARGS(3);
    tn_handle *h = handle_of(env, argv[0], TN_FANOUT, "fan-out commit");
    size_t size;
    uint32_t type_id;
    if (!h || !arg_size(env, argv[1], &size) || !arg_u32(env, argv[2], &type_id))
        return NULL;
    if (!h->ab)
        return throw_err(env, TACHYON_ERR_STATE, "fan-out commit (nothing reserved)");
    tachyon_node_drop_ab(env, &h->ab);
    tachyon_error_t err = tachyon_fanout_commit_tx(h->c, size, type_id);
    return err == TACHYON_OK ? make_undefined(env) : throw_err(env, err, "fan-out commit");
}

/* foRollback(h) */
static napi_value fo_rollback(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *h = handle_of(env, argv[0], TN_FANOUT, "fan-out rollback");
    if (!h)
        return NULL;
    if (!h->ab)
        return make_undefined(env);
    tachyon_node_drop_ab(env, &h->ab);
    tachyon_error_t err = tachyon_fanout_rollback_tx(h->c);
    return err == TACHYON_OK ? make_undefined(env) : throw_err(env, err, "fan-out rollback");
}

/* foInfo(h): [subscribers, maxMessageSize] */
static napi_value fo_info(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *h = handle_of(env, argv[0], TN_FANOUT, "fan-out");
    napi_value arr;
    if (!h)
        return NULL;
    TN_CALL(env, napi_create_array_with_length(env, 2, &arr));
    napi_set_element(env, arr, 0, make_num(env, (double)tachyon_fanout_subscribers(h->c)));
    napi_set_element(env, arr, 1, make_num(env, (double)tachyon_fanout_max_message_size(h->c)));
    return arr;
}

/* ---- subscriber -------------------------------------------------------------------- */

/* subConnect(path, oldest, fingerprint, timeoutMs): a promise of the handle, settled when the fan-out took
 * it, at the deadline (NoListenerError or TimeoutError; < 0: none) or at the environment's end: one C call
 * on the pool. */
static napi_value sub_connect(napi_env env, napi_callback_info info)
{
    ARGS(4);
    tn_work *w = calloc(1, sizeof *w);
    bool oldest;
    double ms;
    if (!w)
        return throw_err(env, TACHYON_ERR_NO_MEMORY, "subscribe");
    if (!arg_path(env, argv[0], w->path, sizeof w->path) || !arg_options(env, argv[2], NULL, &w->opts) ||
        !arg_double(env, argv[3], &ms) || napi_get_value_bool(env, argv[1], &oldest) != napi_ok) {
        free(w);
        return NULL;
    }
    w->join = oldest ? TACHYON_JOIN_OLDEST : TACHYON_JOIN_NEWEST;
    w->deadline = tachyon_node_deadline_ms(ms);
    return queue(env, w, connect_execute, connect_interrupt, "tachyon:subscribe");
}

/* The polls of a "check" receive, after the readiness fd woke a receive that
 * then found nothing: the fd is also readable when a producer's pidfd fired,
 * and the non-blocking calls look at the pidfd once per 1024 empty answers (at
 * most once per watchdog period), so these polls make the death known at once
 * when the wait-set's own poll did not already mark it. */
#define CHECK_POLLS 1025

/* subTryReceive(h, check): null (nothing yet) or [typeId, ArrayBuffer over the message]. */
static napi_value sub_try_receive(napi_env env, napi_callback_info info)
{
    ARGS(2);
    tn_handle *h = handle_of(env, argv[0], TN_SUB, "subscriber receive");
    uint32_t type_id;
    size_t size;
    bool check = false;
    napi_value arr, ab;
    if (!h)
        return NULL;
    if (h->ab)
        return throw_err(env, TACHYON_ERR_STATE, "subscriber receive (commit the held message first)");
    napi_get_value_bool(env, argv[1], &check);
    const void *p = NULL;
    for (int i = 0; i < (check ? CHECK_POLLS : 1) && !p; i++) {
        p = tachyon_sub_acquire_rx(h->c, &type_id, &size);
        if (!p && tachyon_sub_last_error(h->c) != TACHYON_ERR_EMPTY)
            break;
    }
    if (!p) {
        tachyon_error_t err = tachyon_sub_last_error(h->c);
        return err == TACHYON_ERR_EMPTY ? make_null(env) : throw_err(env, err, "subscriber receive");
    }
    if (!(ab = ring_ab(env, h, (void *)p, size)))
        return NULL;
    TN_CALL(env, napi_create_array_with_length(env, 2, &arr));
    napi_set_element(env, arr, 0, make_u32(env, type_id));
    napi_set_element(env, arr, 1, ab);
    return arr;
}

/* subCommit(h): releases the held message (LaggedError if it was dropped meanwhile). */
static napi_value sub_commit(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *h = handle_of(env, argv[0], TN_SUB, "subscriber commit");
    if (!h)
        return NULL;
    if (!h->ab)
        return throw_err(env, TACHYON_ERR_STATE, "subscriber commit (nothing held)");
    tachyon_node_drop_ab(env, &h->ab);
    tachyon_error_t err = tachyon_sub_commit_rx(h->c);
    return err == TACHYON_OK ? make_undefined(env) : throw_err(env, err, "subscriber commit");
}

/* subRejoin(h, oldest) */
static napi_value sub_rejoin(napi_env env, napi_callback_info info)
{
    ARGS(2);
    tn_handle *h = handle_of(env, argv[0], TN_SUB, "subscriber rejoin");
    bool oldest;
    if (!h)
        return NULL;
    if (napi_get_value_bool(env, argv[1], &oldest) != napi_ok)
        return throw_type(env, "tachyon: oldest must be a boolean");
    tachyon_node_drop_ab(env, &h->ab);
    tachyon_error_t err = tachyon_sub_rejoin(h->c, oldest ? TACHYON_JOIN_OLDEST : TACHYON_JOIN_NEWEST);
    return err == TACHYON_OK ? make_undefined(env) : throw_err(env, err, "subscriber rejoin");
}

/* ---- fan-in ------------------------------------------------------------------------- */

/* fiListen(path, capacity, fingerprint, allowAnyUid) */
static napi_value fi_listen(napi_env env, napi_callback_info info)
{
    ARGS(4);
    char path[256];
    size_t capacity;
    tachyon_options_t opts;
    tachyon_fanin_t *fi;
    if (!arg_path(env, argv[0], path, sizeof path) || !arg_size(env, argv[1], &capacity) ||
        !arg_options(env, argv[2], argv[3], &opts))
        return NULL;
    tachyon_error_t err = tachyon_fanin_listen(path, capacity, &opts, &fi);
    if (err != TACHYON_OK)
        return throw_err(env, err, "fan-in listen");
    return new_handle(env, TN_FANIN, fi);
}

/* fiTryReceive(h, check): null or [typeId, ArrayBuffer, senderId, senderPid, senderSlot]. */
static napi_value fi_try_receive(napi_env env, napi_callback_info info)
{
    ARGS(2);
    tn_handle *h = handle_of(env, argv[0], TN_FANIN, "fan-in receive");
    uint32_t type_id;
    size_t size;
    tachyon_sender_t from;
    bool check = false;
    napi_value arr, ab;
    if (!h)
        return NULL;
    if (h->ab)
        return throw_err(env, TACHYON_ERR_STATE, "fan-in receive (commit the held message first)");
    napi_get_value_bool(env, argv[1], &check);
    const void *p = NULL;
    for (int i = 0; i < (check ? CHECK_POLLS : 1) && !p; i++) {
        p = tachyon_fanin_acquire_rx(h->c, &type_id, &size, &from);
        if (!p && tachyon_fanin_last_error(h->c) != TACHYON_ERR_EMPTY)
            break;
    }
    if (!p) {
        tachyon_error_t err = tachyon_fanin_last_error(h->c);
        return err == TACHYON_ERR_EMPTY ? make_null(env) : throw_err(env, err, "fan-in receive");
    }
    if (!(ab = ring_ab(env, h, (void *)p, size)))
        return NULL;
    TN_CALL(env, napi_create_array_with_length(env, 5, &arr));
    napi_set_element(env, arr, 0, make_u32(env, type_id));
    napi_set_element(env, arr, 1, ab);
    napi_set_element(env, arr, 2, make_num(env, (double)from.id));
    napi_set_element(env, arr, 3, make_u32(env, from.pid));
    napi_set_element(env, arr, 4, make_u32(env, from.slot));
    return arr;
}

/* fiCommit(h) */
static napi_value fi_commit(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *h = handle_of(env, argv[0], TN_FANIN, "fan-in commit");
    if (!h)
        return NULL;
    if (!h->ab)
        return throw_err(env, TACHYON_ERR_STATE, "fan-in commit (nothing held)");
    tachyon_node_drop_ab(env, &h->ab);
    tachyon_error_t err = tachyon_fanin_commit_rx(h->c);
    return err == TACHYON_OK ? make_undefined(env) : throw_err(env, err, "fan-in commit");
}

/* fiProducers(h) */
static napi_value fi_producers(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *h = handle_of(env, argv[0], TN_FANIN, "fan-in");
    return h ? make_num(env, (double)tachyon_fanin_producers(h->c)) : NULL;
}

/* ---- wait-sets ---------------------------------------------------------------------- */

static napi_value ws_new(napi_env env, napi_callback_info info)
{
    (void)info;
    tachyon_waitset_t *ws;
    tachyon_error_t err = tachyon_waitset_new(&ws);
    if (err != TACHYON_OK)
        return throw_err(env, err, "wait-set");
    return new_handle(env, TN_WAITSET, ws);
}

/* wsAdd(ws, kind, member, key): kind 0 a bus (its native object), 1 a subscriber, 2 a fan-in. */
static napi_value ws_add(napi_env env, napi_callback_info info)
{
    ARGS(4);
    tn_handle *ws = handle_of(env, argv[0], TN_WAITSET, "wait-set add");
    uint32_t kind;
    uint64_t key;
    tachyon_error_t err;
    if (!ws || !arg_u32(env, argv[1], &kind) || !arg_key(env, argv[3], &key))
        return NULL;
    if (kind == 0) {
        tachyon_bus_t *bus = tachyon_node_bus_of(env, argv[2]);
        if (!bus)
            return NULL;
        err = tachyon_waitset_add_bus(ws->c, bus, key);
    } else {
        tn_handle *m = handle_of(env, argv[2], kind == 1 ? TN_SUB : TN_FANIN, "wait-set add");
        if (!m)
            return NULL;
        err = kind == 1 ? tachyon_waitset_add_sub(ws->c, m->c, key) : tachyon_waitset_add_fanin(ws->c, m->c, key);
    }
    return err == TACHYON_OK ? make_undefined(env) : throw_err(env, err, "wait-set add");
}

/* wsRemove(ws, key) */
static napi_value ws_remove(napi_env env, napi_callback_info info)
{
    ARGS(2);
    tn_handle *ws = handle_of(env, argv[0], TN_WAITSET, "wait-set remove");
    uint64_t key;
    if (!ws || !arg_key(env, argv[1], &key))
        return NULL;
    tachyon_error_t err = tachyon_waitset_remove(ws->c, key);
    return err == TACHYON_OK ? make_undefined(env) : throw_err(env, err, "wait-set remove");
}

/* wsPoll(ws): the keys of the members ready now (clears and re-arms the fd). */
static napi_value ws_poll(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *ws = handle_of(env, argv[0], TN_WAITSET, "wait-set poll");
    uint64_t keys[TACHYON_MAX_MEMBERS];
    tachyon_error_t err = TACHYON_OK;
    napi_value arr;
    if (!ws)
        return NULL;
    size_t n = tachyon_waitset_wait_until(ws->c, keys, TACHYON_MAX_MEMBERS, 0, &err);
    if (n == 0 && err != TACHYON_OK && err != TACHYON_ERR_TIMEOUT && err != TACHYON_ERR_INTERRUPTED)
        return throw_err(env, err, "wait-set poll");
    TN_CALL(env, napi_create_array_with_length(env, n, &arr));
    for (size_t i = 0; i < n; i++)
        napi_set_element(env, arr, (uint32_t)i, make_num(env, (double)keys[i]));
    return arr;
}

/* wsFd(ws) */
static napi_value ws_fd(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *ws = handle_of(env, argv[0], TN_WAITSET, "wait-set fd");
    if (!ws)
        return NULL;
    int fd = tachyon_waitset_fd(ws->c);
    return fd < 0 ? throw_err(env, TACHYON_ERR_SYSTEM, "wait-set fd") : make_num(env, fd);
}

static void on_readable(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    tn_handle *ws = p->data;
    napi_env env = ws->env;
    napi_handle_scope scope;
    napi_value cb, recv;
    uv_poll_stop(p); /* one shot: the next wait watches again */
    if (!ws->on_ready)
        return;
    if (napi_open_handle_scope(env, &scope) != napi_ok)
        return;
    if (napi_get_reference_value(env, ws->on_ready, &cb) == napi_ok && cb && napi_get_global(env, &recv) == napi_ok) {
        napi_value result;
        if (napi_make_callback(env, ws->actx, recv, cb, 0, NULL, &result) == napi_pending_exception) {
            napi_value e;
            napi_get_and_clear_last_exception(env, &e);
            napi_fatal_exception(env, e);
        }
    }
    napi_close_handle_scope(env, scope);
}

/* wsWatch(ws, callback): calls callback once, on the loop, when the fd turns readable. */
static napi_value ws_watch(napi_env env, napi_callback_info info)
{
    ARGS(2);
    tn_handle *ws = handle_of(env, argv[0], TN_WAITSET, "wait-set watch");
    uv_loop_t *loop;
    if (!ws)
        return NULL;
    if (!ws->poll) {
        int fd = tachyon_waitset_fd(ws->c);
        if (fd < 0)
            return throw_err(env, TACHYON_ERR_SYSTEM, "wait-set fd");
        TN_CALL(env, napi_get_uv_event_loop(env, &loop));
        ws->poll = calloc(1, sizeof *ws->poll);
        if (!ws->poll)
            return throw_err(env, TACHYON_ERR_NO_MEMORY, "wait-set watch");
        if (uv_poll_init(loop, ws->poll, fd) != 0) {
            free(ws->poll);
            ws->poll = NULL;
            return throw_err(env, TACHYON_ERR_SYSTEM, "wait-set watch");
        }
        ws->poll->data = ws;
    }
    if (!ws->actx) {
        napi_value name;
        TN_CALL(env, napi_create_string_utf8(env, "tachyon:waitset", NAPI_AUTO_LENGTH, &name));
        TN_CALL(env, napi_async_init(env, NULL, name, &ws->actx));
    }
    if (ws->on_ready)
        napi_delete_reference(env, ws->on_ready);
    ws->on_ready = NULL;
    TN_CALL(env, napi_create_reference(env, argv[1], 1, &ws->on_ready));
    if (uv_poll_start(ws->poll, UV_READABLE, on_readable) != 0)
        return throw_err(env, TACHYON_ERR_SYSTEM, "wait-set watch");
    return make_undefined(env);
}

/* wsUnwatch(ws): stops watching (the loop may then exit). */
static napi_value ws_unwatch(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *ws = handle_of(env, argv[0], TN_WAITSET, "wait-set unwatch");
    if (!ws)
        return NULL;
    if (ws->poll)
        uv_poll_stop(ws->poll);
    if (ws->on_ready) {
        napi_delete_reference(env, ws->on_ready);
        ws->on_ready = NULL;
    }
    return make_undefined(env);
}

/* ---- every kind ------------------------------------------------------------------------ */

/* close(h): any handle; a second call does nothing. */
static napi_value tn_close(napi_env env, napi_callback_info info)
{
    ARGS(1);
    tn_handle *h = NULL;
    if (napi_unwrap(env, argv[0], (void **)&h) != napi_ok || !h)
        return throw_type(env, "tachyon: not a handle");
    if (h->busy) {
        /* A pool thread owns the producer until its send wait ends, which the
         * interrupt makes now; the completion destroys it and rejects the send. */
        if (h->kind == TN_FANOUT && h->c && !atomic_load(&h->closing)) {
            atomic_store(&h->closing, 1);
            tachyon_fanout_interrupt(h->c);
        }
        return make_undefined(env);
    }
    destroy_c(env, h);
    return make_undefined(env);
}

napi_value tachyon_node_topology_init(napi_env env, napi_value exports)
{
    napi_property_descriptor fns[] = {
        {"foListen", NULL, fo_listen, NULL, NULL, NULL, napi_default, NULL},
        {"foTrySend", NULL, fo_try_send, NULL, NULL, NULL, napi_default, NULL},
        {"foSendWait", NULL, fo_send_wait, NULL, NULL, NULL, napi_default, NULL},
        {"foAcquire", NULL, fo_acquire, NULL, NULL, NULL, napi_default, NULL},
        {"foCommit", NULL, fo_commit, NULL, NULL, NULL, napi_default, NULL},
        {"foRollback", NULL, fo_rollback, NULL, NULL, NULL, napi_default, NULL},
        {"foInfo", NULL, fo_info, NULL, NULL, NULL, napi_default, NULL},
        {"subConnect", NULL, sub_connect, NULL, NULL, NULL, napi_default, NULL},
        {"subTryReceive", NULL, sub_try_receive, NULL, NULL, NULL, napi_default, NULL},
        {"subCommit", NULL, sub_commit, NULL, NULL, NULL, napi_default, NULL},
        {"subRejoin", NULL, sub_rejoin, NULL, NULL, NULL, napi_default, NULL},
        {"fiListen", NULL, fi_listen, NULL, NULL, NULL, napi_default, NULL},
        {"fiTryReceive", NULL, fi_try_receive, NULL, NULL, NULL, napi_default, NULL},
        {"fiCommit", NULL, fi_commit, NULL, NULL, NULL, napi_default, NULL},
        {"fiProducers", NULL, fi_producers, NULL, NULL, NULL, napi_default, NULL},
        {"wsNew", NULL, ws_new, NULL, NULL, NULL, napi_default, NULL},
        {"wsAdd", NULL, ws_add, NULL, NULL, NULL, napi_default, NULL},
        {"wsRemove", NULL, ws_remove, NULL, NULL, NULL, napi_default, NULL},
        {"wsPoll", NULL, ws_poll, NULL, NULL, NULL, napi_default, NULL},
        {"wsFd", NULL, ws_fd, NULL, NULL, NULL, napi_default, NULL},
        {"wsWatch", NULL, ws_watch, NULL, NULL, NULL, napi_default, NULL},
        {"wsUnwatch", NULL, ws_unwatch, NULL, NULL, NULL, napi_default, NULL},
        {"topoClose", NULL, tn_close, NULL, NULL, NULL, napi_default, NULL},
    };
    TN_CALL(env, napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns));
    return exports;
}
