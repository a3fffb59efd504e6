/*
 * rpc.c - the RPC layer of the C extension: Rpc (one side of a request/response
 * connection over libtachyon's tachyon_rpc_t) and Frame (a request or reply
 * body in place in a ring, exported through the buffer protocol).
 *
 * Frames: a client holds at most one received reply; a server holds at most
 * one received request and one reserved reply. A Frame is live until the
 * connection moves on (the client's next call or release(), the server's
 * commit() or defer(), close()); then every access raises UseAfterCommit.
 * Moving on while a buffer export of the frame is alive (a memoryview) is
 * refused with ExportsOutstanding: ring memory is never readable after it was
 * handed back. The generated views (tachc --lang python) keep the Frame and
 * export it only for the length of one struct call.
 *
 * Waits release the GIL and are one libtachyon call with the caller's
 * deadline; signal handlers run from inside them (tpy_wait_prepare), as the
 * bus's do. post_reply() may be called
 * from any thread, even while another thread is in a wait on the connection.
 */
#include "tachyon_py.h"

#include <structmember.h>

#include <string.h>

typedef struct RpcObject RpcObject;

typedef struct FrameObject {
    PyObject_HEAD
    RpcObject *rpc; /* strong */
    char *ptr;      /* NULL once the frame is dead */
    Py_ssize_t len;
    int readonly;
    Py_ssize_t exports;
    uint64_t call_id;
    uint32_t method_id;
    uint32_t status;
    uint32_t app_code;
} FrameObject;

struct RpcObject {
    PyObject_HEAD
    tachyon_rpc_t *rpc; /* NULL once closed */
    int server;
    int in_call;        /* a wait released the GIL: another thread must not enter */
    int holding;        /* libtachyon holds a received frame for us (reply or request) */
    int reserved;       /* server: a reply body is reserved */
    FrameObject *held;  /* borrowed: the Frame over the held frame, if it lives */
    FrameObject *out;   /* borrowed: the Frame over the reserved reply, if it lives */
    PyObject *weakrefs;
};

static PyTypeObject rpc_type;
static PyTypeObject frame_type;

/* ---- Frame ------------------------------------------------------------------ */

static FrameObject *frame_new(RpcObject *rpc, const void *ptr, size_t len, int readonly)
{
    FrameObject *f = PyObject_New(FrameObject, &frame_type);
    if (!f)
        return NULL;
    f->rpc = (RpcObject *)Py_NewRef(rpc);
    f->ptr = (char *)ptr;
    f->len = (Py_ssize_t)len;
    f->readonly = readonly;
    f->exports = 0;
    f->call_id = 0;
    f->method_id = 0;
    f->status = 0;
    f->app_code = 0;
    return f;
}

/* Ends a frame before its memory goes back: 0, or -1 with ExportsOutstanding
 * (the frame then stays live). NULL is a no-op. */
static int frame_kill_check(FrameObject *f)
{
    if (f && f->exports > 0) {
        tpy_raise_msg(tpy_exc_exports_outstanding,
                      "a memoryview of an RPC frame is still alive: release it before the connection moves on");
        return -1;
    }
    return 0;
}

static void frame_kill(FrameObject *f)
{
    if (f)
        f->ptr = NULL;
}

static int frame_check(FrameObject *f)
{
    if (!f->ptr) {
        tpy_raise_msg(tpy_exc_use_after_commit, "this RPC frame was released (the connection moved on)");
        return -1;
    }
    return 0;
}

static int Frame_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    FrameObject *f = (FrameObject *)self;
    if (!f->ptr) {
        PyErr_SetString(tpy_exc_use_after_commit, "this RPC frame was released (the connection moved on)");
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, self, f->ptr, f->len, f->readonly, flags) < 0)
        return -1;
    f->exports++;
    return 0;
}

static void Frame_releasebuffer(PyObject *self, Py_buffer *view)
{
    (void)view;
    ((FrameObject *)self)->exports--;
}

static Py_ssize_t Frame_len(PyObject *self)
{
    FrameObject *f = (FrameObject *)self;
    return frame_check(f) < 0 ? -1 : f->len;
}

static void Frame_dealloc(PyObject *self)
{
    FrameObject *f = (FrameObject *)self;
    if (f->rpc->held == f)
        f->rpc->held = NULL;
    if (f->rpc->out == f)
        f->rpc->out = NULL;
    Py_DECREF(f->rpc);
    PyObject_Free(self);
}

static PyObject *Frame_tobytes(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    FrameObject *f = (FrameObject *)self;
    if (frame_check(f) < 0)
        return NULL;
    return PyBytes_FromStringAndSize(f->ptr, f->len);
}

static PyObject *Frame_get_live(PyObject *self, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((FrameObject *)self)->ptr != NULL);
}

static PyBufferProcs frame_buffer = {Frame_getbuffer, Frame_releasebuffer};
static PySequenceMethods frame_sequence = {.sq_length = Frame_len};

static PyMemberDef frame_members[] = {
    {"call_id", T_ULONGLONG, offsetof(FrameObject, call_id), READONLY, "the call's correlation id"},
    {"method_id", T_UINT, offsetof(FrameObject, method_id), READONLY, "the method id"},
    {"status", T_UINT, offsetof(FrameObject, status), READONLY,
     "replies: RPC_OK, RPC_UNKNOWN_METHOD, RPC_APP_ERROR or RPC_BAD_REQUEST"},
    {"app_code", T_UINT, offsetof(FrameObject, app_code), READONLY, "replies with RPC_APP_ERROR: the handler's code"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef frame_getset[] = {
    {"live", Frame_get_live, NULL, "False once the connection moved on (the bytes went back to the ring)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef frame_methods[] = {
    {"tobytes", Frame_tobytes, METH_NOARGS, "a copy of the body"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject frame_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tachyon._tachyon.Frame",
    .tp_basicsize = sizeof(FrameObject),
    .tp_dealloc = Frame_dealloc,
    .tp_as_buffer = &frame_buffer,
    .tp_as_sequence = &frame_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An RPC request or reply body in place in a ring (buffer protocol), live until the connection moves on.",
    .tp_methods = frame_methods,
    .tp_members = frame_members,
    .tp_getset = frame_getset,
};

/* ---- Rpc: helpers -------------------------------------------------------------- */

/* 0 when the connection may be used now (open, not in a wait of another
 * thread, the right side), else -1 with an exception. */
static int rpc_ready(RpcObject *self, int server)
{
    if (!self->rpc) {
        tpy_raise_state("the RPC connection is closed");
        return -1;
    }
    if (self->in_call) {
        tpy_raise_state("the RPC connection is in use by another thread");
        return -1;
    }
    if (server != self->server) {
        tpy_raise_state(server ? "this is the client side: only the listener (server) serves"
                               : "this is the server side: only the connector (client) calls");
        return -1;
    }
    return 0;
}

/* Client: hands the held reply back (the Frame over it dies). */
static int client_release(RpcObject *self)
{
    if (!self->holding)
        return 0;
    if (frame_kill_check(self->held) < 0)
        return -1;
    frame_kill(self->held);
    self->held = NULL;
    self->holding = 0;
    tachyon_rpc_release(self->rpc);
    return 0;
}

/* Adds .call_id to the exception being raised. Returns NULL. */
static PyObject *with_call_id(uint64_t call_id)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value) {
        PyObject *id = PyLong_FromUnsignedLongLong(call_id);
        if (!id || PyObject_SetAttrString(value, "call_id", id) < 0)
            PyErr_Clear();
        Py_XDECREF(id);
    }
    PyErr_Restore(type, value, tb);
    return NULL;
}

static int parse_fingerprint(PyObject *obj, uint64_t *out)
{
    *out = 0;
    if (!obj || obj == Py_None)
        return 0;
    *out = PyLong_AsUnsignedLongLong(obj);
    if (*out == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "fingerprint must be in 0..2**64-1");
        return -1;
    }
    return 0;
}

/* ---- Rpc: open and close ------------------------------------------------------------- */

static PyObject *rpc_open(PyObject *cls, PyObject *path_obj, int listen, size_t capacity,
                          const tachyon_options_t *opts, int64_t deadline)
{
    PyObject *path;
    tachyon_rpc_t *r = NULL;
    tachyon_error_detail_t detail;
    tachyon_error_t err;
    RpcObject *self;

    if (!PyUnicode_FSConverter(path_obj, &path))
        return NULL;
    do {
        if (PyErr_CheckSignals() < 0) {
            Py_DECREF(path);
            return NULL;
        }
        Py_BEGIN_ALLOW_THREADS
        err = listen ? tachyon_rpc_listen_until(PyBytes_AS_STRING(path), capacity, opts, deadline, &r, &detail)
                     : tachyon_rpc_connect_until(PyBytes_AS_STRING(path), opts, deadline, &r, &detail);
        Py_END_ALLOW_THREADS
    } while (err == TACHYON_ERR_INTERRUPTED);
    Py_DECREF(path);
    if (err != TACHYON_OK) {
        if (detail.code != (int32_t)err)
            detail = (tachyon_error_detail_t){.code = (int32_t)err};
        return tpy_raise_detail(&detail, listen ? "rpc listen" : "rpc connect");
    }
    self = (RpcObject *)((PyTypeObject *)cls)->tp_alloc((PyTypeObject *)cls, 0);
    if (!self) {
        tachyon_rpc_destroy(r);
        return NULL;
    }
    self->rpc = r;
    self->server = listen;
    return (PyObject *)self;
}

/* Rpc._listen(path, capacity, fingerprint=0, timeout=None, allow_any_uid=False) */
static PyObject *Rpc_listen(PyObject *cls, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"path", "capacity", "fingerprint", "timeout", "allow_any_uid", NULL};
    PyObject *path, *fp = NULL, *timeout = NULL;
    Py_ssize_t capacity;
    int any_uid = 0;
    tachyon_options_t opts = {0};
    int64_t timeout_ns;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "On|OOp:_listen", names, &path, &capacity, &fp, &timeout,
                                     &any_uid))
        return NULL;
    if (capacity < 0) {
        PyErr_SetString(PyExc_ValueError, "capacity must be >= 0");
        return NULL;
    }
    if (parse_fingerprint(fp, &opts.schema_fingerprint) < 0 || tpy_parse_timeout(timeout, &timeout_ns) < 0)
        return NULL;
    if (any_uid)
        opts.flags |= TACHYON_OPT_ALLOW_ANY_UID;
    return rpc_open(cls, path, 1, (size_t)capacity, &opts, tpy_deadline(timeout_ns));
}

/* Rpc._connect(path, fingerprint=0, timeout=None) */
static PyObject *Rpc_connect(PyObject *cls, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"path", "fingerprint", "timeout", NULL};
    PyObject *path, *fp = NULL, *timeout = NULL;
    tachyon_options_t opts = {0};
    int64_t timeout_ns;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|OO:_connect", names, &path, &fp, &timeout))
        return NULL;
    if (parse_fingerprint(fp, &opts.schema_fingerprint) < 0 || tpy_parse_timeout(timeout, &timeout_ns) < 0)
        return NULL;
    if (!timeout || timeout == Py_None)
        timeout_ns = TACHYON_CONNECT_DEFAULT_NS;
    return rpc_open(cls, path, 0, 0, &opts, tpy_deadline(timeout_ns));
}

static PyObject *Rpc_close(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RpcObject *self = (RpcObject *)op;
    if (!self->rpc)
        Py_RETURN_NONE;
    if (self->in_call)
        return tpy_raise_state("the RPC connection is in use by another thread");
    if (frame_kill_check(self->held) < 0 || frame_kill_check(self->out) < 0)
        return NULL;
    frame_kill(self->held);
    frame_kill(self->out);
    self->held = self->out = NULL;
    tachyon_rpc_destroy(self->rpc);
    self->rpc = NULL;
    Py_RETURN_NONE;
}

static void Rpc_dealloc(PyObject *op)
{
    RpcObject *self = (RpcObject *)op;
    /* Frames hold a reference: none is alive here. */
    if (self->weakrefs)
        PyObject_ClearWeakRefs(op);
    if (self->rpc)
        tachyon_rpc_destroy(self->rpc);
    Py_TYPE(op)->tp_free(op);
}

/* ---- Rpc: client ------------------------------------------------------------------- */

/* Sends one call (the request copied into its ring slot). */
static int client_send(RpcObject *self, uint32_t method, PyObject *request, size_t reply_max, int64_t deadline,
                       uint64_t *call_id)
{
    Py_buffer req = {0};
    tachyon_error_t err;
    void *body;

    if (request && request != Py_None && PyObject_GetBuffer(request, &req, PyBUF_SIMPLE) < 0)
        return -1;
    for (;;) {
        if (tpy_wait_prepare() < 0) {
            PyBuffer_Release(&req);
            return -1;
        }
        body = tachyon_rpc_request_start(self->rpc, (size_t)req.len, deadline);
        if (body)
            break;
        err = tachyon_rpc_last_error(self->rpc);
        if (!tpy_wait_again(err)) {
            PyBuffer_Release(&req);
            if (!PyErr_Occurred())
                tpy_raise(err, "rpc send");
            return -1;
        }
    }
    if (req.len)
        memcpy(body, req.buf, (size_t)req.len);
    PyBuffer_Release(&req);
    err = tachyon_rpc_request_send(self->rpc, method, reply_max, deadline, call_id);
    if (err != TACHYON_OK) {
        tpy_raise(err, "rpc send");
        return -1;
    }
    return 0;
}

/* The next reply (any pending call), held, as a Frame. */
static PyObject *client_next(RpcObject *self, int64_t deadline)
{
    tachyon_rpc_msg_t msg;
    tachyon_error_t err;
    FrameObject *f;

    for (;;) {
        if (tpy_wait_prepare() < 0)
            return NULL;
        self->in_call = 1;
        Py_BEGIN_ALLOW_THREADS
        err = tachyon_rpc_next_reply_until(self->rpc, &msg, deadline);
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (err == TACHYON_OK)
            break;
        if (msg.call_id != 0 || !tpy_wait_again(err)) {
            if (PyErr_Occurred())
                return NULL;
            /* a call's own failure (deadline, hostile or oversized reply) names it */
            tpy_raise(err, "rpc reply");
            return msg.call_id ? with_call_id(msg.call_id) : NULL;
        }
    }
    self->holding = 1;
    f = frame_new(self, msg.data, msg.size, 1);
    if (!f) {
        client_release(self);
        return NULL;
    }
    f->call_id = msg.call_id;
    f->method_id = msg.method_id;
    f->status = msg.status;
    f->app_code = msg.app_code;
    self->held = f;
    return (PyObject *)f;
}

/* call(method_id, request, reply_max, timeout=None) -> Frame: the blocking call;
 * the reply is held in place until the next call or release(). */
static PyObject *Rpc_call(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"method_id", "request", "reply_max", "timeout", NULL};
    RpcObject *self = (RpcObject *)op;
    PyObject *request, *timeout = NULL;
    unsigned int method;
    Py_ssize_t reply_max;
    int64_t timeout_ns, deadline;
    uint64_t id;
    PyObject *frame;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "IOn|O:call", names, &method, &request, &reply_max, &timeout))
        return NULL;
    if (reply_max < 0) {
        PyErr_SetString(PyExc_ValueError, "reply_max must be >= 0");
        return NULL;
    }
    if (tpy_parse_timeout(timeout, &timeout_ns) < 0 || rpc_ready(self, 0) < 0 || client_release(self) < 0)
        return NULL;
    if (tachyon_rpc_pending(self->rpc))
        return tpy_raise_state("pipelined calls are in flight: take their replies with next_reply() first");
    deadline = tpy_deadline(timeout_ns);
    if (client_send(self, method, request, (size_t)reply_max, deadline, &id) < 0)
        return NULL;
    frame = client_next(self, deadline);
    /* A failed call (a hostile reply, Ctrl-C) is forgotten: its reply, if it
     * comes, is dropped, and the next call starts clean. */
    if (!frame)
        (void)tachyon_rpc_cancel(self->rpc, id);
    return frame;
}

/* send(method_id, request, reply_max, timeout=None) -> call id: a pipelined call. */
static PyObject *Rpc_send(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"method_id", "request", "reply_max", "timeout", NULL};
    RpcObject *self = (RpcObject *)op;
    PyObject *request, *timeout = NULL;
    unsigned int method;
    Py_ssize_t reply_max;
    int64_t timeout_ns;
    uint64_t id;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "IOn|O:send", names, &method, &request, &reply_max, &timeout))
        return NULL;
    if (reply_max < 0) {
        PyErr_SetString(PyExc_ValueError, "reply_max must be >= 0");
        return NULL;
    }
    if (tpy_parse_timeout(timeout, &timeout_ns) < 0 || rpc_ready(self, 0) < 0 || client_release(self) < 0)
        return NULL;
    if (client_send(self, method, request, (size_t)reply_max, tpy_deadline(timeout_ns), &id) < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(id);
}

/* next_reply(timeout=None) -> Frame: the next reply of a pipelined call. */
static PyObject *Rpc_next_reply(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"timeout", NULL};
    RpcObject *self = (RpcObject *)op;
    PyObject *timeout = NULL;
    int64_t timeout_ns;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:next_reply", names, &timeout))
        return NULL;
    if (tpy_parse_timeout(timeout, &timeout_ns) < 0 || rpc_ready(self, 0) < 0 || client_release(self) < 0)
        return NULL;
    if (tachyon_rpc_pending(self->rpc) == 0)
        return tpy_raise_state("no call is in flight");
    return client_next(self, tpy_deadline(timeout_ns));
}

static PyObject *Rpc_release(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RpcObject *self = (RpcObject *)op;
    if (!self->rpc || self->server || self->in_call)
        Py_RETURN_NONE;
    if (client_release(self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ---- Rpc: server ------------------------------------------------------------------- */

/* next_request(timeout=None) -> Frame: the next request, in place (read only). */
static PyObject *Rpc_next_request(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"timeout", NULL};
    RpcObject *self = (RpcObject *)op;
    PyObject *timeout = NULL;
    int64_t timeout_ns, deadline;
    tachyon_rpc_msg_t msg;
    tachyon_error_t err;
    FrameObject *f;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:next_request", names, &timeout))
        return NULL;
    if (tpy_parse_timeout(timeout, &timeout_ns) < 0 || rpc_ready(self, 1) < 0)
        return NULL;
    if (self->holding)
        return tpy_raise_state("a request is held: commit() or defer() it first");
    deadline = tpy_deadline(timeout_ns);
    for (;;) {
        if (tpy_wait_prepare() < 0)
            return NULL;
        self->in_call = 1;
        Py_BEGIN_ALLOW_THREADS
        err = tachyon_rpc_next_request_until(self->rpc, &msg, deadline);
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (err == TACHYON_OK)
            break;
        if (err == TACHYON_ERR_CORRUPT)
            continue; /* a malformed request is dropped; its client sees its deadline */
        if (!tpy_wait_again(err))
            return PyErr_Occurred() ? NULL : tpy_raise(err, "rpc next_request");
    }
    self->holding = 1;
    f = frame_new(self, msg.data, msg.size, 1);
    if (!f)
        return NULL;
    f->call_id = msg.call_id;
    f->method_id = msg.method_id;
    self->held = f;
    return (PyObject *)f;
}

/* reply(size, timeout=None) -> Frame: reserves the held request's reply body
 * in place (writable). */
static PyObject *Rpc_reply(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"size", "timeout", NULL};
    RpcObject *self = (RpcObject *)op;
    PyObject *timeout = NULL;
    Py_ssize_t size;
    int64_t timeout_ns, deadline;
    void *p;
    FrameObject *f;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "n|O:reply", names, &size, &timeout))
        return NULL;
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "size must be >= 0");
        return NULL;
    }
    if (tpy_parse_timeout(timeout, &timeout_ns) < 0 || rpc_ready(self, 1) < 0)
        return NULL;
    if (!self->holding || self->reserved)
        return tpy_raise_state(self->reserved ? "a reply is reserved already" : "no request is held");
    deadline = tpy_deadline(timeout_ns);
    for (;;) {
        tachyon_error_t err;
        if (tpy_wait_prepare() < 0)
            return NULL;
        p = tachyon_rpc_reply_start(self->rpc, (size_t)size, deadline);
        if (p)
            break;
        err = tachyon_rpc_last_error(self->rpc);
        if (!tpy_wait_again(err))
            return PyErr_Occurred() ? NULL : tpy_raise(err, "rpc reply");
    }
    self->reserved = 1;
    f = frame_new(self, p, (size_t)size, 0);
    if (!f)
        return NULL;
    if (self->held) {
        f->call_id = self->held->call_id;
        f->method_id = self->held->method_id;
    }
    self->out = f;
    return (PyObject *)f;
}

/* Ends both frames of the held request. */
static int server_kill_frames(RpcObject *self)
{
    if (frame_kill_check(self->held) < 0 || frame_kill_check(self->out) < 0)
        return -1;
    frame_kill(self->held);
    frame_kill(self->out);
    self->held = self->out = NULL;
    return 0;
}

/* commit(status=RPC_OK, app_code=0): sends the reserved reply (an empty one
 * if none was reserved) and releases the held request. */
static PyObject *Rpc_commit(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"status", "app_code", NULL};
    RpcObject *self = (RpcObject *)op;
    unsigned int status = TACHYON_RPC_OK, code = 0;
    tachyon_error_t err;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|II:commit", names, &status, &code))
        return NULL;
    if (status > TACHYON_RPC_BAD_REQUEST) {
        PyErr_SetString(PyExc_ValueError, "status must be one of RPC_OK, RPC_UNKNOWN_METHOD, RPC_APP_ERROR, "
                                          "RPC_BAD_REQUEST");
        return NULL;
    }
    if (rpc_ready(self, 1) < 0)
        return NULL;
    if (!self->holding)
        return tpy_raise_state("no request is held");
    if (server_kill_frames(self) < 0)
        return NULL;
    if (!self->reserved) {
        for (;;) {
            if (tpy_wait_prepare() < 0)
                return NULL;
            if (tachyon_rpc_reply_start(self->rpc, 0, TACHYON_FOREVER))
                break;
            err = tachyon_rpc_last_error(self->rpc);
            if (!tpy_wait_again(err))
                return PyErr_Occurred() ? NULL : tpy_raise(err, "rpc commit");
        }
    }
    self->reserved = 0;
    self->holding = 0;
    err = tachyon_rpc_reply_commit(self->rpc, (tachyon_rpc_status_t)status, code);
    if (err != TACHYON_OK)
        return tpy_raise(err, "rpc commit");
    Py_RETURN_NONE;
}

/* defer() -> (call_id, method_id): releases the held request unanswered (and
 * any reply reserved for it); answer later with post_reply(). */
static PyObject *Rpc_defer(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RpcObject *self = (RpcObject *)op;
    uint64_t id;
    uint32_t method;
    tachyon_error_t err;

    if (rpc_ready(self, 1) < 0)
        return NULL;
    if (!self->holding || !self->held)
        return tpy_raise_state("no request is held");
    id = self->held->call_id;
    method = self->held->method_id;
    if (server_kill_frames(self) < 0)
        return NULL;
    self->reserved = 0;
    self->holding = 0;
    err = tachyon_rpc_defer(self->rpc);
    if (err != TACHYON_OK)
        return tpy_raise(err, "rpc defer");
    return Py_BuildValue("(KI)", (unsigned long long)id, method);
}

/* post_reply(call_id, method_id, body=None, status=RPC_OK, app_code=0): answers
 * a deferred call, from any thread (the serving thread writes it). */
static PyObject *Rpc_post_reply(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"call_id", "method_id", "body", "status", "app_code", NULL};
    RpcObject *self = (RpcObject *)op;
    unsigned long long id;
    unsigned int method, status = TACHYON_RPC_OK, code = 0;
    PyObject *body = Py_None;
    Py_buffer buf = {0};
    tachyon_error_t err;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "KI|OII:post_reply", names, &id, &method, &body, &status, &code))
        return NULL;
    if (!self->rpc)
        return tpy_raise_state("the RPC connection is closed");
    if (!self->server)
        return tpy_raise_state("this is the client side: only the server answers");
    if (body != Py_None && PyObject_GetBuffer(body, &buf, PyBUF_SIMPLE) < 0)
        return NULL;
    /* Thread-safe in libtachyon: no in_call check, the serving thread may be waiting. */
    err = tachyon_rpc_post_reply(self->rpc, id, method, (tachyon_rpc_status_t)status, code, buf.buf, (size_t)buf.len);
    PyBuffer_Release(&buf);
    if (err != TACHYON_OK)
        return tpy_raise(err, "rpc post_reply");
    Py_RETURN_NONE;
}

/* interrupt(): makes a wait in progress on this connection (any thread) raise Interrupted. */
static PyObject *Rpc_interrupt(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RpcObject *self = (RpcObject *)op;
    if (self->rpc)
        tachyon_rpc_interrupt(self->rpc);
    Py_RETURN_NONE;
}

static PyObject *Rpc_get_pending(PyObject *op, void *closure)
{
    RpcObject *self = (RpcObject *)op;
    (void)closure;
    return PyLong_FromSize_t(self->rpc ? tachyon_rpc_pending(self->rpc) : 0);
}

static PyObject *Rpc_get_closed(PyObject *op, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((RpcObject *)op)->rpc == NULL);
}

static PyObject *Rpc_get_is_server(PyObject *op, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((RpcObject *)op)->server);
}

static PyMethodDef rpc_methods[] = {
    {"_listen", (PyCFunction)(void (*)(void))Rpc_listen, METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "_listen(path, capacity, fingerprint=0, timeout=None, allow_any_uid=False)"},
    {"_connect", (PyCFunction)(void (*)(void))Rpc_connect, METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "_connect(path, fingerprint=0, timeout=None)"},
    {"close", Rpc_close, METH_NOARGS, "closes this side (the peer sees PeerGone)"},
    {"call", (PyCFunction)(void (*)(void))Rpc_call, METH_VARARGS | METH_KEYWORDS,
     "call(method_id, request, reply_max, timeout=None) -> Frame (the reply in place)"},
    {"send", (PyCFunction)(void (*)(void))Rpc_send, METH_VARARGS | METH_KEYWORDS,
     "send(method_id, request, reply_max, timeout=None) -> call id (pipelined)"},
    {"next_reply", (PyCFunction)(void (*)(void))Rpc_next_reply, METH_VARARGS | METH_KEYWORDS,
     "next_reply(timeout=None) -> Frame: the next reply of a pipelined call, in any order"},
    {"release", Rpc_release, METH_NOARGS, "hands the held reply back to the ring"},
    {"next_request", (PyCFunction)(void (*)(void))Rpc_next_request, METH_VARARGS | METH_KEYWORDS,
     "next_request(timeout=None) -> Frame (the request in place)"},
    {"reply", (PyCFunction)(void (*)(void))Rpc_reply, METH_VARARGS | METH_KEYWORDS,
     "reply(size, timeout=None) -> Frame (the reply body, writable, in place)"},
    {"commit", (PyCFunction)(void (*)(void))Rpc_commit, METH_VARARGS | METH_KEYWORDS,
     "commit(status=RPC_OK, app_code=0): sends the reply of the held request"},
    {"defer", Rpc_defer, METH_NOARGS, "defer() -> (call_id, method_id): answer later with post_reply"},
    {"post_reply", (PyCFunction)(void (*)(void))Rpc_post_reply, METH_VARARGS | METH_KEYWORDS,
     "post_reply(call_id, method_id, body=None, status=RPC_OK, app_code=0), from any thread"},
    {"interrupt", Rpc_interrupt, METH_NOARGS, "makes a wait in progress raise Interrupted"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef rpc_getset[] = {
    {"pending", Rpc_get_pending, NULL, "calls in flight (client)", NULL},
    {"closed", Rpc_get_closed, NULL, "True after close()", NULL},
    {"is_server", Rpc_get_is_server, NULL, "True on the listening (server) side", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject rpc_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tachyon._tachyon.Rpc",
    .tp_basicsize = sizeof(RpcObject),
    .tp_dealloc = Rpc_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "One side of an RPC connection. Create with tachyon.Rpc.listen() or tachyon.Rpc.connect().",
    .tp_weaklistoffset = offsetof(RpcObject, weakrefs),
    .tp_methods = rpc_methods,
    .tp_getset = rpc_getset,
};

int tpy_rpc_init(PyObject *m)
{
    if (PyType_Ready(&rpc_type) < 0 || PyType_Ready(&frame_type) < 0)
        return -1;
    if (PyModule_AddObject(m, "Rpc", Py_NewRef((PyObject *)&rpc_type)) < 0 ||
        PyModule_AddObject(m, "Frame", Py_NewRef((PyObject *)&frame_type)) < 0)
        return -1;
    if (PyModule_AddIntConstant(m, "RPC_OK", TACHYON_RPC_OK) < 0 ||
        PyModule_AddIntConstant(m, "RPC_UNKNOWN_METHOD", TACHYON_RPC_UNKNOWN_METHOD) < 0 ||
        PyModule_AddIntConstant(m, "RPC_APP_ERROR", TACHYON_RPC_APP_ERROR) < 0 ||
        PyModule_AddIntConstant(m, "RPC_BAD_REQUEST", TACHYON_RPC_BAD_REQUEST) < 0 ||
        PyModule_AddIntConstant(m, "RPC_HEADER", TACHYON_RPC_HEADER) < 0 ||
        PyModule_AddIntConstant(m, "RPC_MAX_INFLIGHT", TACHYON_RPC_MAX_INFLIGHT) < 0)
        return -1;
    return 0;
}
