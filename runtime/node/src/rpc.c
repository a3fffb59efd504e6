/*
 * rpc.c - the RPC half of the Node-API addon (tachyon.h "RPC"): the NativeRpc
 * class under index.js's RpcClient and RpcServer. Its own translation unit;
 * addon.c's module init calls tachyon_node_rpc_init.
 *
 * Waiting never blocks the event loop: nextReply and nextRequest run on the
 * libuv pool as one C call with the caller's deadline. close() ends it at once
 * with tachyon_rpc_interrupt, and so does the end of the environment (process
 * 'exit', a worker thread being terminated: see waits.c), as for the buses in
 * addon.c. While a wait runs the
 * connection belongs to that pool thread (`busy`: other calls throw StateError).
 *
 * Zero copy: a reply (client), a request and its reserved reply (server) and a
 * reserved request (client) are external ArrayBuffers over the rings; release,
 * commit, defer and close detach them, so a view kept past that has
 * byteLength 0 and never reads reused bytes.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"
#include "tachyon.h"

napi_value tachyon_node_rpc_init(napi_env env, napi_value exports);

struct nr_wait;

typedef struct nr_env {
    napi_ref ctor;          /* the NativeRpc class */
    napi_ref error_factory; /* (code, message, errno) => TachyonError, set by index.js */
} nr_env;

typedef struct nr_rpc {
    tachyon_rpc_t *rpc; /* NULL once destroyed */
    nr_env *d;
    napi_ref body_ab; /* client: the held reply; server: the held request */
    napi_ref out_ab;  /* client: the reserved request; server: the reserved reply */
    bool busy;        /* a wait owns the connection (main thread only) */
    atomic_int closing;
} nr_rpc;

/* ---- errors ------------------------------------------------------------------ */

static napi_value nr_error(napi_env env, nr_env *d, tachyon_error_t err, const char *context)
{
    napi_value fn, args[3], result = NULL, undef, msg;
    char text[320];
    snprintf(text, sizeof text, "%s: %s", context, tachyon_strerror(err));
    if (d->error_factory && napi_get_reference_value(env, d->error_factory, &fn) == napi_ok && fn) {
        napi_get_undefined(env, &undef);
        napi_create_int32(env, (int32_t)err, &args[0]);
        napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &args[1]);
        napi_create_int32(env, 0, &args[2]);
        if (napi_call_function(env, undef, fn, 3, args, &result) == napi_ok)
            return result;
    }
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &result);
    return result;
}

static napi_value nr_throw(napi_env env, nr_env *d, tachyon_error_t err, const char *context)
{
    napi_throw(env, nr_error(env, d, err, context));
    return NULL;
}

/* ---- arguments ----------------------------------------------------------------- */

static bool nr_bigint_u64(napi_env env, napi_value v, uint64_t *out)
{
    bool lossless;
    return napi_get_value_bigint_uint64(env, v, out, &lossless) == napi_ok && lossless;
}

/* ---- ArrayBuffers over the rings ----------------------------------------------- */

/* An ArrayBuffer over `data` in *ref, detaching the one *ref held before. */
static napi_value nr_ring_ab(napi_env env, const void *data, size_t len, napi_ref *ref)
{
    tachyon_node_drop_ab(env, ref);
    return tachyon_node_ring_ab(env, data, len, ref);
}

/* ---- the NativeRpc object -------------------------------------------------------- */

static void nr_destroy(napi_env env, nr_rpc *r)
{
    if (env) {
        tachyon_node_drop_ab(env, &r->body_ab);
        tachyon_node_drop_ab(env, &r->out_ab);
    }
    if (r->rpc) {
        tachyon_rpc_destroy(r->rpc);
        r->rpc = NULL;
    }
}

static void nr_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    nr_rpc *r = data;
    if (r->rpc)
        tachyon_rpc_destroy(r->rpc); /* no wait can be pending: each holds a reference */
    free(r);
}

static napi_value nr_ctor(napi_env env, napi_callback_info info)
{
    napi_value self;
    napi_get_cb_info(env, info, NULL, NULL, &self, NULL);
    return self;
}

/* The connection, or NULL with StateError thrown when closed or owned by a wait. */
static nr_rpc *nr_usable(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self,
                         const char *what)
{
    napi_value this_arg;
    nr_env *d = NULL;
    nr_rpc *r = NULL;
    if (napi_get_cb_info(env, info, argc, argv, &this_arg, (void **)&d) != napi_ok)
        return NULL;
    if (napi_unwrap(env, this_arg, (void **)&r) != napi_ok || !r) {
        napi_throw_type_error(env, NULL, "tachyon: not an RPC connection");
        return NULL;
    }
    if (self)
        *self = this_arg;
    if (!r->rpc || atomic_load(&r->closing)) {
        char ctx[96];
        snprintf(ctx, sizeof ctx, "%s: the connection is closed", what);
        nr_throw(env, r->d, TACHYON_ERR_STATE, ctx);
        return NULL;
    }
    if (r->busy) {
        char ctx[128];
        snprintf(ctx, sizeof ctx, "%s: another call is waiting on this connection (await it first)", what);
        nr_throw(env, r->d, TACHYON_ERR_STATE, ctx);
        return NULL;
    }
    return r;
}

/* ---- listen and connect: on a thread of their own ----------------------------------- */

typedef struct nr_open {
    napi_threadsafe_function tsfn;
    napi_deferred deferred;
    nr_env *d;
    bool listen;
    char *path;
    size_t capacity;
    tachyon_options_t opts;
    int64_t deadline;
    tachyon_error_t err;
    tachyon_rpc_t *rpc;
} nr_open;

static void nr_open_done(napi_env env, napi_value js_cb, void *context, void *data)
{
    (void)js_cb;
    (void)context;
    nr_open *o = data;
    napi_value ctor, obj;
    if (!env) {
        tachyon_rpc_destroy(o->rpc);
    } else if (o->err != TACHYON_OK) {
        char ctx[160];
        snprintf(ctx, sizeof ctx, "%s %.120s", o->listen ? "rpcListen" : "rpcConnect", o->path);
        napi_reject_deferred(env, o->deferred, nr_error(env, o->d, o->err, ctx));
    } else {
        nr_rpc *r = calloc(1, sizeof *r);
        if (!r || napi_get_reference_value(env, o->d->ctor, &ctor) != napi_ok ||
            napi_new_instance(env, ctor, 0, NULL, &obj) != napi_ok ||
            napi_wrap(env, obj, r, nr_finalize, NULL, NULL) != napi_ok) {
            free(r);
            tachyon_rpc_destroy(o->rpc);
            napi_reject_deferred(env, o->deferred, nr_error(env, o->d, TACHYON_ERR_NO_MEMORY, "rpc"));
        } else {
            r->rpc = o->rpc;
            r->d = o->d;
            napi_resolve_deferred(env, o->deferred, obj);
        }
    }
    if (env)
        napi_release_threadsafe_function(o->tsfn, napi_tsfn_release);
    free(o->path);
    free(o);
}

static void *nr_open_thread(void *arg)
{
    nr_open *o = arg;
    napi_threadsafe_function tsfn = o->tsfn;
    o->err = o->listen ? tachyon_rpc_listen_until(o->path, o->capacity, &o->opts, o->deadline, &o->rpc, NULL)
                       : tachyon_rpc_connect_until(o->path, &o->opts, o->deadline, &o->rpc, NULL);
    if (napi_call_threadsafe_function(tsfn, o, napi_tsfn_blocking) != napi_ok) {
        tachyon_rpc_destroy(o->rpc); /* the environment is closing */
        free(o->path);
        free(o);
    }
    return NULL;
}

/* rpcListen(path, capacity, fingerprint: bigint, timeoutMs, anyUid) and
 * rpcConnect(path, 0, fingerprint, timeoutMs, false) -> Promise<NativeRpc> */
static napi_value nr_open_common(napi_env env, napi_callback_info info, bool listen)
{
    size_t argc = 5, len;
    napi_value argv[5], promise, name;
    nr_env *d;
    bool lossless, any_uid = false;
    uint64_t fp = 0;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&d) != napi_ok)
        return NULL;
    nr_open *o = calloc(1, sizeof *o);
    if (!o)
        return nr_throw(env, d, TACHYON_ERR_NO_MEMORY, "rpc");
    o->d = d;
    o->listen = listen;
    if (argc < 5 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok ||
        !(o->path = malloc(len + 1)) ||
        napi_get_value_string_utf8(env, argv[0], o->path, len + 1, &len) != napi_ok ||
        !tachyon_node_size(env, argv[1], &o->capacity) || napi_get_value_bigint_uint64(env, argv[2], &fp, &lossless) != napi_ok ||
        !tachyon_node_deadline(env, argv[3], &o->deadline)) {
        free(o->path);
        free(o);
        napi_throw_type_error(env, NULL, "tachyon: rpcListen/rpcConnect(path, capacity, fingerprint, timeoutMs, anyUid)");
        return NULL;
    }
    napi_get_value_bool(env, argv[4], &any_uid);
    o->opts.schema_fingerprint = fp;
    o->opts.flags = any_uid ? TACHYON_OPT_ALLOW_ANY_UID : 0;
    if (!listen && o->deadline == TACHYON_FOREVER)
        o->deadline = tachyon_now_ns() + 5000000000LL;
    pthread_t t;
    pthread_attr_t attr;
    napi_create_string_utf8(env, "tachyon rpc handshake", NAPI_AUTO_LENGTH, &name);
    if (napi_create_promise(env, &o->deferred, &promise) != napi_ok ||
        napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, nr_open_done, &o->tsfn) !=
            napi_ok) {
        free(o->path);
        free(o);
        napi_throw_error(env, NULL, "tachyon: cannot start the handshake");
        return NULL;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, nr_open_thread, o);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        napi_reject_deferred(env, o->deferred, nr_error(env, d, TACHYON_ERR_SYSTEM, "rpc handshake thread"));
        napi_release_threadsafe_function(o->tsfn, napi_tsfn_release);
        free(o->path);
        free(o);
    }
    return promise;
}

static napi_value js_rpc_listen(napi_env env, napi_callback_info info) { return nr_open_common(env, info, true); }
static napi_value js_rpc_connect(napi_env env, napi_callback_info info) { return nr_open_common(env, info, false); }

/* ---- the waits: nextReply (client) and nextRequest (server) ----------------------- */

typedef struct nr_wait {
    napi_async_work work;
    napi_deferred deferred;
    napi_ref self_ref;
    nr_rpc *r;
    bool server;
    int64_t deadline;
    tachyon_error_t err;
    tachyon_rpc_msg_t msg;
    tn_wait wait; /* pending on the pool (waits.c) */
} nr_wait;

static void nr_wait_execute(napi_env env, void *data)
{
    (void)env;
    nr_wait *w = data;
    nr_rpc *r = w->r;
    /* One wait until the caller's deadline; INTERRUPTED is close() (or the
     * environment ending), unless it was a signal: then wait on. */
    do {
        if (atomic_load(&r->closing)) {
            w->err = TACHYON_ERR_STATE;
            return;
        }
        w->err = w->server ? tachyon_rpc_next_request_until(r->rpc, &w->msg, w->deadline)
                           : tachyon_rpc_next_reply_until(r->rpc, &w->msg, w->deadline);
    } while (w->err == TACHYON_ERR_INTERRUPTED);
}

/* Ends the wait (process 'exit', a worker being terminated: waits.c); its
 * completion then destroys the connection, as after close(). */
static void nr_wait_interrupt(tn_wait *tw)
{
    nr_wait *w = (nr_wait *)((char *)tw - offsetof(nr_wait, wait));
    if (!w->r->rpc)
        return;
    atomic_store(&w->r->closing, 1);
    tachyon_rpc_interrupt(w->r->rpc);
}

static napi_value nr_bigint(napi_env env, uint64_t v)
{
    napi_value out;
    napi_create_bigint_uint64(env, v, &out);
    return out;
}

static napi_value nr_u32_value(napi_env env, uint32_t v)
{
    napi_value out;
    napi_create_uint32(env, v, &out);
    return out;
}

static void nr_wait_free(napi_env env, nr_wait *w)
{
    tachyon_node_wait_end(&w->wait);
    if (w->work)
        napi_delete_async_work(env, w->work);
    if (w->self_ref)
        napi_delete_reference(env, w->self_ref);
    free(w);
}

static void nr_wait_complete(napi_env env, napi_status status, void *data)
{
    nr_wait *w = data;
    nr_rpc *r = w->r;
    r->busy = false;
    if (atomic_load(&r->closing) || status != napi_ok) {
        nr_destroy(env, r); /* close() came while waiting */
        napi_reject_deferred(env, w->deferred,
                             nr_error(env, r->d, TACHYON_ERR_STATE, "the connection was closed while waiting"));
        nr_wait_free(env, w);
        return;
    }
    const char *what = w->server ? "rpc nextRequest" : "rpc nextReply";
    if (w->err != TACHYON_OK) {
        napi_value e = nr_error(env, r->d, w->err, what);
        /* A pipelined call that failed on its own names itself. */
        if (!w->server && w->msg.call_id != 0)
            napi_set_named_property(env, e, "callId", nr_bigint(env, w->msg.call_id));
        napi_reject_deferred(env, w->deferred, e);
        nr_wait_free(env, w);
        return;
    }
    napi_value arr, ab = nr_ring_ab(env, w->msg.data, w->msg.size, &r->body_ab);
    if (!ab || napi_create_array_with_length(env, 5, &arr) != napi_ok) {
        napi_reject_deferred(env, w->deferred, nr_error(env, r->d, TACHYON_ERR_NO_MEMORY, what));
        nr_wait_free(env, w);
        return;
    }
    napi_set_element(env, arr, 0, nr_bigint(env, w->msg.call_id));
    napi_set_element(env, arr, 1, nr_u32_value(env, w->msg.method_id));
    napi_set_element(env, arr, 2, nr_u32_value(env, w->msg.status));
    napi_set_element(env, arr, 3, nr_u32_value(env, w->msg.app_code));
    napi_set_element(env, arr, 4, ab);
    napi_resolve_deferred(env, w->deferred, arr);
    nr_wait_free(env, w);
}

/* nextReply(timeoutMs) / nextRequest(timeoutMs) -> Promise<[callId, methodId, status, appCode, ArrayBuffer]> */
static napi_value nr_next(napi_env env, napi_callback_info info, bool server)
{
    size_t argc = 1;
    napi_value argv[1], self, promise, name;
    nr_rpc *r = nr_usable(env, info, &argc, argv, &self, server ? "nextRequest" : "nextReply");
    if (!r)
        return NULL;
    nr_wait *w = calloc(1, sizeof *w);
    if (!w)
        return nr_throw(env, r->d, TACHYON_ERR_NO_MEMORY, "rpc");
    w->r = r;
    w->server = server;
    if (argc < 1 || !tachyon_node_deadline(env, argv[0], &w->deadline)) {
        free(w);
        napi_throw_type_error(env, NULL, "tachyon: the timeout is a number of milliseconds");
        return NULL;
    }
    if (r->body_ab) {
        free(w);
        return nr_throw(env, r->d, TACHYON_ERR_STATE, server ? "nextRequest: a request is still held (reply or defer)"
                                                             : "nextReply: a reply is still held (release it)");
    }
    napi_create_string_utf8(env, "tachyon rpc", NAPI_AUTO_LENGTH, &name);
    if (napi_create_promise(env, &w->deferred, &promise) != napi_ok ||
        napi_create_reference(env, self, 1, &w->self_ref) != napi_ok ||
        napi_create_async_work(env, NULL, name, nr_wait_execute, nr_wait_complete, w, &w->work) != napi_ok ||
        napi_queue_async_work(env, w->work) != napi_ok) {
        nr_wait_free(env, w);
        napi_throw_error(env, NULL, "tachyon: cannot start the wait");
        return NULL;
    }
    r->busy = true;
    tachyon_node_wait_begin(env, &w->wait, nr_wait_interrupt);
    return promise;
}

static napi_value js_next_reply(napi_env env, napi_callback_info info) { return nr_next(env, info, false); }
static napi_value js_next_request(napi_env env, napi_callback_info info) { return nr_next(env, info, true); }

/* ---- client ------------------------------------------------------------------------ */

/* requestStart(size, timeoutMs) -> ArrayBuffer over the request's body in the ring. */
static napi_value js_request_start(napi_env env, napi_callback_info info)
{
    size_t argc = 2, size;
    napi_value argv[2];
    int64_t deadline;
    nr_rpc *r = nr_usable(env, info, &argc, argv, NULL, "requestStart");
    if (!r)
        return NULL;
    if (argc < 2 || !tachyon_node_size(env, argv[0], &size) || !tachyon_node_deadline(env, argv[1], &deadline))
        return napi_throw_type_error(env, NULL, "tachyon: requestStart(size, timeoutMs)"), NULL;
    void *p = tachyon_rpc_request_start(r->rpc, size, deadline);
    if (!p)
        return nr_throw(env, r->d, tachyon_rpc_last_error(r->rpc), "requestStart");
    return nr_ring_ab(env, p, size, &r->out_ab);
}

/* requestSend(methodId, replyMax, timeoutMs) -> callId: bigint */
static napi_value js_request_send(napi_env env, napi_callback_info info)
{
    size_t argc = 3, reply_max;
    napi_value argv[3];
    uint32_t method;
    int64_t deadline;
    uint64_t id = 0;
    nr_rpc *r = nr_usable(env, info, &argc, argv, NULL, "requestSend");
    if (!r)
        return NULL;
    if (argc < 3 || !tachyon_node_u32(env, argv[0], &method) || !tachyon_node_size(env, argv[1], &reply_max) ||
        !tachyon_node_deadline(env, argv[2], &deadline))
        return napi_throw_type_error(env, NULL, "tachyon: requestSend(methodId, replyMax, timeoutMs)"), NULL;
    tachyon_node_drop_ab(env, &r->out_ab);
    tachyon_error_t err = tachyon_rpc_request_send(r->rpc, method, reply_max, deadline, &id);
    if (err != TACHYON_OK)
        return nr_throw(env, r->d, err, "requestSend");
    return nr_bigint(env, id);
}

/* send(methodId, bytes, replyMax, timeoutMs) -> callId: bigint (a copy of bytes goes into the ring) */
static napi_value js_send(napi_env env, napi_callback_info info)
{
    size_t argc = 4, reply_max, len = 0;
    napi_value argv[4];
    uint32_t method;
    int64_t deadline;
    uint64_t id = 0;
    void *data = NULL;
    nr_rpc *r = nr_usable(env, info, &argc, argv, NULL, "send");
    if (!r)
        return NULL;
    if (argc < 4 || !tachyon_node_u32(env, argv[0], &method) || !tachyon_node_bytes(env, argv[1], &data, &len) ||
        !tachyon_node_size(env, argv[2], &reply_max) || !tachyon_node_deadline(env, argv[3], &deadline))
        return napi_throw_type_error(env, NULL, "tachyon: send(methodId, bytes, replyMax, timeoutMs)"), NULL;
    tachyon_error_t err = tachyon_rpc_send_until(r->rpc, method, len ? data : NULL, len, reply_max, deadline, &id);
    if (err != TACHYON_OK)
        return nr_throw(env, r->d, err, "send");
    return nr_bigint(env, id);
}

static napi_value js_release(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    nr_rpc *r = nr_usable(env, info, &argc, NULL, NULL, "release");
    if (!r)
        return NULL;
    if (!r->body_ab)
        return NULL; /* already released */
    tachyon_node_drop_ab(env, &r->body_ab);
    tachyon_error_t err = tachyon_rpc_release(r->rpc);
    if (err != TACHYON_OK)
        return nr_throw(env, r->d, err, "release");
    return NULL;
}

/* cancel(callId: bigint): forgets a pending call (its reply, if it comes, is dropped). */
static napi_value js_cancel(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    uint64_t id;
    nr_rpc *r = nr_usable(env, info, &argc, argv, NULL, "cancel");
    if (!r)
        return NULL;
    if (argc < 1 || !nr_bigint_u64(env, argv[0], &id))
        return napi_throw_type_error(env, NULL, "tachyon: cancel(callId: bigint)"), NULL;
    tachyon_error_t err = tachyon_rpc_cancel(r->rpc, id);
    if (err != TACHYON_OK)
        return nr_throw(env, r->d, err, "cancel");
    return NULL;
}

static napi_value js_pending(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    nr_rpc *r = nr_usable(env, info, &argc, NULL, NULL, "pending");
    if (!r)
        return NULL;
    return nr_u32_value(env, (uint32_t)tachyon_rpc_pending(r->rpc));
}

/* ---- server ------------------------------------------------------------------------ */

/* replyStart(size, timeoutMs) -> ArrayBuffer over the reply's body in the ring (zeroed). */
static napi_value js_reply_start(napi_env env, napi_callback_info info)
{
    size_t argc = 2, size;
    napi_value argv[2];
    int64_t deadline;
    nr_rpc *r = nr_usable(env, info, &argc, argv, NULL, "replyStart");
    if (!r)
        return NULL;
    if (argc < 2 || !tachyon_node_size(env, argv[0], &size) || !tachyon_node_deadline(env, argv[1], &deadline))
        return napi_throw_type_error(env, NULL, "tachyon: replyStart(size, timeoutMs)"), NULL;
    void *p = tachyon_rpc_reply_start(r->rpc, size, deadline);
    if (!p)
        return nr_throw(env, r->d, tachyon_rpc_last_error(r->rpc), "replyStart");
    memset(p, 0, size);
    return nr_ring_ab(env, p, size, &r->out_ab);
}

/* replyCommit(status, appCode) */
static napi_value js_reply_commit(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    uint32_t status, code;
    nr_rpc *r = nr_usable(env, info, &argc, argv, NULL, "replyCommit");
    if (!r)
        return NULL;
    if (argc < 2 || !tachyon_node_u32(env, argv[0], &status) || !tachyon_node_u32(env, argv[1], &code))
        return napi_throw_type_error(env, NULL, "tachyon: replyCommit(status, appCode)"), NULL;
    tachyon_node_drop_ab(env, &r->out_ab);
    tachyon_node_drop_ab(env, &r->body_ab);
    tachyon_error_t err = tachyon_rpc_reply_commit(r->rpc, (tachyon_rpc_status_t)status, code);
    if (err != TACHYON_OK)
        return nr_throw(env, r->d, err, "replyCommit");
    return NULL;
}

static napi_value js_defer(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    nr_rpc *r = nr_usable(env, info, &argc, NULL, NULL, "defer");
    if (!r)
        return NULL;
    tachyon_node_drop_ab(env, &r->body_ab);
    tachyon_error_t err = tachyon_rpc_defer(r->rpc);
    if (err != TACHYON_OK)
        return nr_throw(env, r->d, err, "defer");
    return NULL;
}

/* replyTo(callId: bigint, methodId, status, appCode, bytes, timeoutMs) */
static napi_value js_reply_to(napi_env env, napi_callback_info info)
{
    size_t argc = 6, len = 0;
    napi_value argv[6];
    uint64_t id;
    uint32_t method, status, code;
    void *data = NULL;
    int64_t deadline;
    nr_rpc *r = nr_usable(env, info, &argc, argv, NULL, "replyTo");
    if (!r)
        return NULL;
    if (argc < 6 || !nr_bigint_u64(env, argv[0], &id) || !tachyon_node_u32(env, argv[1], &method) ||
        !tachyon_node_u32(env, argv[2], &status) || !tachyon_node_u32(env, argv[3], &code) || !tachyon_node_bytes(env, argv[4], &data, &len) ||
        !tachyon_node_deadline(env, argv[5], &deadline))
        return napi_throw_type_error(env, NULL, "tachyon: replyTo(callId, methodId, status, appCode, bytes, timeoutMs)"),
               NULL;
    tachyon_error_t err =
        tachyon_rpc_reply_to_until(r->rpc, id, method, (tachyon_rpc_status_t)status, code, data, len, deadline);
    if (err != TACHYON_OK)
        return nr_throw(env, r->d, err, "replyTo");
    return NULL;
}

/* close(): at once when idle, else the wait is interrupted and its completion destroys the connection. */
static napi_value js_close(napi_env env, napi_callback_info info)
{
    napi_value self;
    nr_rpc *r = NULL;
    if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok ||
        napi_unwrap(env, self, (void **)&r) != napi_ok || !r)
        return NULL;
    if (r->busy) {
        atomic_store(&r->closing, 1);
        tachyon_rpc_interrupt(r->rpc);
    } else {
        nr_destroy(env, r);
    }
    return NULL;
}

static napi_value js_closed(napi_env env, napi_callback_info info)
{
    napi_value self, out;
    nr_rpc *r = NULL;
    if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok ||
        napi_unwrap(env, self, (void **)&r) != napi_ok || !r)
        return NULL;
    napi_get_boolean(env, !r->rpc || atomic_load(&r->closing), &out);
    return out;
}

static napi_value js_set_factory(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    nr_env *d;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&d) != napi_ok || argc < 1)
        return NULL;
    if (d->error_factory)
        napi_delete_reference(env, d->error_factory);
    napi_create_reference(env, argv[0], 1, &d->error_factory);
    return NULL;
}

static void nr_env_free(void *arg) { free(arg); }

napi_value tachyon_node_rpc_init(napi_env env, napi_value exports)
{
    nr_env *d = calloc(1, sizeof *d);
    napi_value cls;
    if (!d || napi_add_env_cleanup_hook(env, nr_env_free, d) != napi_ok) {
        free(d);
        napi_throw_error(env, NULL, "tachyon: cannot initialise the RPC addon");
        return NULL;
    }
#define NR_METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, d}
    napi_property_descriptor methods[] = {
        NR_METHOD("send", js_send),
        NR_METHOD("requestStart", js_request_start),
        NR_METHOD("requestSend", js_request_send),
        NR_METHOD("nextReply", js_next_reply),
        NR_METHOD("release", js_release),
        NR_METHOD("pending", js_pending),
        NR_METHOD("cancel", js_cancel),
        NR_METHOD("nextRequest", js_next_request),
        NR_METHOD("replyStart", js_reply_start),
        NR_METHOD("replyCommit", js_reply_commit),
        NR_METHOD("defer", js_defer),
        NR_METHOD("replyTo", js_reply_to),
        NR_METHOD("close", js_close),
        NR_METHOD("closed", js_closed),
    };
    napi_property_descriptor fns[] = {
        NR_METHOD("rpcListen", js_rpc_listen),
        NR_METHOD("rpcConnect", js_rpc_connect),
        NR_METHOD("rpcSetErrorFactory", js_set_factory),
    };
#undef NR_METHOD
    if (napi_define_class(env, "NativeRpc", NAPI_AUTO_LENGTH, nr_ctor, d, sizeof methods / sizeof methods[0], methods,
                          &cls) != napi_ok ||
        napi_create_reference(env, cls, 1, &d->ctor) != napi_ok ||
        napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok) {
        napi_throw_error(env, NULL, "tachyon: cannot define the RPC addon");
        return NULL;
    }
    return exports;
}
