/*
 * topology.c - fan-out, fan-in and wait-sets for Python: FanOut (the producer),
 * Subscriber, FanIn (the consumer; producers connect with Bus.connect) and
 * WaitSet (with fileno() for event loops).
 *
 * Subscriber and FanIn receive the same way (one layout, RecvOps for what
 * differs): recv() copies into a Message, recv_zero_copy() holds the message
 * in place in a HeldMessage until it is committed (a subscriber dropped
 * meanwhile gets Lagged at the commit: what it read must be discarded). Sends
 * copy from any buffer. Waits are one C call with the GIL released; signal
 * handlers run from inside it (tpy_wait_prepare). Each object is for one
 * thread at a time.
 * The file map of the extension is in tachyon_py.h.
 */
#include "tachyon_py.h"

#include <string.h>

/* Runs a C wait until `deadline` (again only after an INTERRUPTED that
 * raised nothing); `call` returns 1 on success or 0 with `err` set. Goes on
 * when it succeeded; else returns NULL from the caller with an exception. */
#define TPY_WAIT(err, call, what)                                                                                  \
    do {                                                                                                           \
        int ok_;                                                                                                   \
        for (;;) {                                                                                                 \
            if (tpy_wait_prepare() < 0)                                                                            \
                return NULL;                                                                                       \
            Py_BEGIN_ALLOW_THREADS                                                                                 \
            ok_ = (call);                                                                                          \
            Py_END_ALLOW_THREADS                                                                                   \
            if (ok_)                                                                                               \
                break;                                                                                             \
            if (!tpy_wait_again(err))                                                                              \
                return PyErr_Occurred() ? NULL : tpy_raise(err, what);                                             \
        }                                                                                                          \
    } while (0)

static int parse_opts(PyObject *fingerprint, int allow_any_uid, tachyon_options_t *o)
{
    memset(o, 0, sizeof(*o));
    if (fingerprint && fingerprint != Py_None) {
        o->schema_fingerprint = PyLong_AsUnsignedLongLongMask(fingerprint);
        if (PyErr_Occurred())
            return -1;
    }
    if (allow_any_uid)
        o->flags |= TACHYON_OPT_ALLOW_ANY_UID;
    return 0;
}

static int64_t timeout_deadline(PyObject *timeout, int *bad)
{
    int64_t ns = -1;
    *bad = 0;
    if (timeout && tpy_parse_timeout(timeout, &ns) < 0) {
        *bad = 1;
        return 0;
    }
    return tpy_deadline(ns);
}

/* ---- FanOut ------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    tachyon_fanout_t *pub;
} FanOutObject;

static PyObject *closed_error(const char *what)
{
    return tpy_raise_state(what);
}

static PyObject *FanOut_listen(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *names[] = {"path", "capacity", "drop", "fingerprint", "allow_any_uid", NULL};
    const char *path;
    Py_ssize_t capacity = 1 << 20;
    int drop = 0, any = 0;
    PyObject *fp = NULL;
    tachyon_options_t o;
    tachyon_error_t err;
    FanOutObject *self;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|n$pOp", names, &path, &capacity, &drop, &fp, &any))
        return NULL;
    if (capacity < 0)
        return tpy_raise(TACHYON_ERR_CAPACITY, "FanOut.listen");
    if (parse_opts(fp, any, &o) < 0)
        return NULL;
    self = PyObject_New(FanOutObject, type);
    if (!self)
        return NULL;
    self->pub = NULL;
    err = tachyon_fanout_listen(path, (size_t)capacity, drop ? TACHYON_LAG_DROP : TACHYON_LAG_BLOCK, &o, &self->pub);
    if (err != TACHYON_OK) {
        Py_DECREF(self);
        return tpy_raise(err, "FanOut.listen");
    }
    return (PyObject *)self;
}

static PyObject *FanOut_send(FanOutObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"data", "type_id", "timeout", NULL};
    Py_buffer buf;
    unsigned int type_id = 0;
    PyObject *timeout = NULL;
    tachyon_error_t err = TACHYON_OK;
    int64_t deadline;
    int bad;
    tachyon_fanout_t *pub = self->pub;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*|IO", names, &buf, &type_id, &timeout))
        return NULL;
    if (!pub) {
        PyBuffer_Release(&buf);
        return closed_error("FanOut is closed");
    }
    deadline = timeout_deadline(timeout, &bad);
    if (bad) {
        PyBuffer_Release(&buf);
        return NULL;
    }
    if (timeout && timeout != Py_None && PyObject_IsTrue(timeout) == 0)
        deadline = 0; /* timeout=0: do not wait (RingFull) */
    for (;;) {
        if (tpy_wait_prepare() < 0)
            break;
        Py_BEGIN_ALLOW_THREADS
        err = tachyon_fanout_send_until(pub, buf.buf, (size_t)buf.len, type_id, deadline);
        Py_END_ALLOW_THREADS
        if (err == TACHYON_OK || !tpy_wait_again(err))
            break;
    }
    PyBuffer_Release(&buf);
    if (PyErr_Occurred())
        return NULL;
    if (err != TACHYON_OK) {
        tachyon_error_detail_t d = {.code = (int32_t)err};
        if (err == TACHYON_ERR_TOO_LARGE) {
            d.size = (uint64_t)buf.len;
            d.limit = tachyon_fanout_max_message_size(pub);
        }
        return tpy_raise_detail(&d, "FanOut.send");
    }
    Py_RETURN_NONE;
}

static PyObject *FanOut_subscribers(FanOutObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromSize_t(self->pub ? tachyon_fanout_subscribers(self->pub) : 0);
}

static PyObject *FanOut_close(FanOutObject *self, PyObject *unused)
{
    (void)unused;
    tachyon_fanout_destroy(self->pub);
    self->pub = NULL;
    Py_RETURN_NONE;
}

static PyObject *generic_exit(PyObject *self, PyObject *args)
{
    (void)args;
    PyObject *r = PyObject_CallMethod(self, "close", NULL);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static void FanOut_dealloc(FanOutObject *self)
{
    tachyon_fanout_destroy(self->pub);
    PyObject_Free(self);
}

static PyMethodDef FanOut_methods[] = {
    {"listen", (PyCFunction)(void (*)(void))FanOut_listen, METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "FanOut.listen(path, capacity=1 MiB, *, drop=False, fingerprint=None, allow_any_uid=False) -> FanOut. "
     "Returns at once; subscribers join from then on. drop=True drops a laggard (it gets Lagged) instead of "
     "waiting for it."},
    {"send", (PyCFunction)(void (*)(void))FanOut_send, METH_VARARGS | METH_KEYWORDS,
     "send(data, type_id=0, timeout=None): publish one message to every subscriber, waiting for room "
     "(timeout in seconds; 0: RingFull at once)."},
    {"subscribers", (PyCFunction)FanOut_subscribers, METH_NOARGS, "subscribers() -> how many are attached."},
    {"close", (PyCFunction)FanOut_close, METH_NOARGS, "close(): subscribers read what was sent, then PeerGone."},
    {"__enter__", tpy_return_self, METH_NOARGS, NULL},
    {"__exit__", generic_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FanOut_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tachyon._tachyon.FanOut",
    .tp_basicsize = sizeof(FanOutObject),
    .tp_dealloc = (destructor)FanOut_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The producer of a fan-out: one send, every subscriber reads it (FanOut.listen).",
    .tp_methods = FanOut_methods,
};

/* ---- Receivers: Subscriber and FanIn ----------------------------------------
 *
 * Both take messages the same way, so they share one object layout and one
 * set of methods; what differs is in RecvOps. recv() copies the message into
 * a Message; recv_zero_copy() returns a HeldMessage, a read-only buffer over
 * the ring slot that stays valid until it is committed (with-block exit,
 * commit(), or the release of the last memoryview of it). */

typedef struct RecvOps {
    const void *(*acquire)(void *c, uint32_t *type_id, size_t *size, tachyon_sender_t *from, int64_t deadline);
    tachyon_error_t (*last_error)(const void *c);
    tachyon_error_t (*commit)(void *c);
    void (*destroy)(void *c);
    int with_sender; /* recv() returns (Message, sender_id, sender_pid) */
    const char *recv_name, *zc_name, *closed_text;
} RecvOps;

typedef struct HeldObject HeldObject;

typedef struct {
    PyObject_HEAD
    void *c;            /* tachyon_sub_t or tachyon_fanin_t; NULL once destroyed */
    const RecvOps *ops;
    HeldObject *held;   /* borrowed: the HeldMessage not yet committed */
    int closing;        /* close() came while a message was held */
} RecvObject;

typedef RecvObject SubObject;
typedef RecvObject FanInObject;

static PyTypeObject Sub_type, FanIn_type, Held_type;

static const void *sub_acquire(void *c, uint32_t *type_id, size_t *size, tachyon_sender_t *from, int64_t deadline)
{
    if (from)
        memset(from, 0, sizeof(*from));
    return tachyon_sub_acquire_rx_until(c, type_id, size, deadline);
}
static tachyon_error_t sub_last_error(const void *c) { return tachyon_sub_last_error(c); }
static tachyon_error_t sub_commit(void *c) { return tachyon_sub_commit_rx(c); }
static void sub_destroy(void *c) { tachyon_sub_destroy(c); }

static const void *fanin_acquire(void *c, uint32_t *type_id, size_t *size, tachyon_sender_t *from,
                                 int64_t deadline)
{
    return tachyon_fanin_acquire_rx_until(c, type_id, size, from, deadline);
}
static tachyon_error_t fanin_last_error(const void *c) { return tachyon_fanin_last_error(c); }
static tachyon_error_t fanin_commit(void *c) { return tachyon_fanin_commit_rx(c); }
static void fanin_destroy(void *c) { tachyon_fanin_destroy(c); }

static const RecvOps sub_ops = {sub_acquire, sub_last_error, sub_commit, sub_destroy, 0,
                                "Subscriber.recv", "Subscriber.recv_zero_copy", "Subscriber is closed"};
static const RecvOps fanin_ops = {fanin_acquire, fanin_last_error, fanin_commit, fanin_destroy, 1,
                                  "FanIn.recv", "FanIn.recv_zero_copy", "FanIn is closed"};

static RecvObject *recv_new(PyTypeObject *type, const RecvOps *ops)
{
    RecvObject *self = PyObject_New(RecvObject, type);
    if (self) {
        self->c = NULL;
        self->ops = ops;
        self->held = NULL;
        self->closing = 0;
    }
    return self;
}

/* Destroys the C object once close() was asked and no message is held. */
static void recv_maybe_destroy(RecvObject *self)
{
    if (self->closing && !self->held && self->c) {
        void *c = self->c;
        self->c = NULL;
        self->ops->destroy(c);
    }
}

/* The next message, held (commit it with ops->commit), waiting toward
 * `timeout`; NULL with an exception. */
static const void *recv_acquire(RecvObject *self, PyObject *timeout, uint32_t *type_id, size_t *size,
                                tachyon_sender_t *from, const char *what)
{
    tachyon_error_t err = TACHYON_OK;
    const void *p = NULL;
    void *c = self->c;
    int64_t deadline;
    int bad;

    if (!c || self->closing)
        return closed_error(self->ops->closed_text), NULL;
    if (self->held)
        return tpy_raise_state("a received message is still held: commit it (leave its with-block) first"), NULL;
    deadline = timeout_deadline(timeout, &bad);
    if (bad)
        return NULL;
    TPY_WAIT(err,
             ((p = self->ops->acquire(c, type_id, size, from, deadline)) != NULL || ((err = self->ops->last_error(c)), 0)),
             what);
    return p;
}

static PyObject *Recv_recv(RecvObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"timeout", NULL};
    PyObject *timeout = NULL, *msg;
    tachyon_sender_t from;
    tachyon_error_t err;
    const void *p;
    uint32_t type_id;
    size_t size;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", names, &timeout))
        return NULL;
    p = recv_acquire(self, timeout, &type_id, &size, &from, self->ops->recv_name);
    if (!p)
        return NULL;
    msg = tpy_message_new(type_id, p, size);
    /* A subscriber's copy is only good if it was not dropped while taking it. */
    err = self->ops->commit(self->c);
    if (err != TACHYON_OK) {
        Py_XDECREF(msg);
        return tpy_raise(err, self->ops->recv_name);
    }
    if (!msg || !self->ops->with_sender)
        return msg;
    return Py_BuildValue("(NKI)", msg, (unsigned long long)from.id, (unsigned int)from.pid);
}

/* ---- HeldMessage: one message read in place -------------------------------- */

struct HeldObject {
    PyObject_HEAD
    RecvObject *owner; /* strong while the message is held; NULL once committed */
    const void *ptr;
    size_t size;
    uint32_t type_id;
    tachyon_sender_t from;
    Py_ssize_t exports; /* live buffer views */
    int commit_at_release;
};

/* Commits now: the slot may be reused from here on. */
static tachyon_error_t held_finish(HeldObject *h)
{
    RecvObject *owner = h->owner;
    tachyon_error_t err = TACHYON_OK;

    h->owner = NULL;
    h->commit_at_release = 0;
    owner->held = NULL;
    if (owner->c)
        err = owner->ops->commit(owner->c);
    recv_maybe_destroy(owner);
    Py_DECREF(owner);
    return err;
}

static int held_check(HeldObject *h)
{
    if (!h->owner || h->commit_at_release) {
        PyErr_SetString(tpy_exc_use_after_commit, "this message was committed: its ring bytes may already be reused");
        return -1;
    }
    return 0;
}

static PyObject *Held_commit(HeldObject *h, PyObject *Py_UNUSED(ignored))
{
    tachyon_error_t err;

    if (!h->owner)
        Py_RETURN_NONE;
    if (h->exports > 0) {
        h->commit_at_release = 1;
        return tpy_raise_msg(tpy_exc_exports_outstanding,
                             "memoryviews of this message are still alive; it is committed when the last one is "
                             "released (use `with memoryview(msg) as mv:`)");
    }
    err = held_finish(h);
    /* LAGGED: a subscriber dropped while it held the message; what was read
     * from it must be discarded. */
    if (err != TACHYON_OK)
        return tpy_raise(err, "commit");
    Py_RETURN_NONE;
}

static PyObject *Held_exit(HeldObject *h, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *r;

    if (nargs > 0 && args[0] != Py_None) {
        /* The body raised: release the message without masking that. */
        if (h->owner && h->exports > 0)
            h->commit_at_release = 1;
        else if (h->owner)
            (void)held_finish(h);
        Py_RETURN_FALSE;
    }
    r = Held_commit(h, NULL);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static int Held_getbuffer(HeldObject *h, Py_buffer *view, int flags)
{
    if (held_check(h) < 0) {
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, (PyObject *)h, (void *)h->ptr, (Py_ssize_t)h->size, 1, flags) < 0)
        return -1;
    h->exports++;
    return 0;
}

static void Held_releasebuffer(HeldObject *h, Py_buffer *view)
{
    (void)view;
    if (--h->exports == 0 && h->commit_at_release && h->owner)
        (void)held_finish(h);
}

static PyObject *Held_tobytes(HeldObject *h, PyObject *Py_UNUSED(ignored))
{
    if (held_check(h) < 0)
        return NULL;
    return PyBytes_FromStringAndSize((const char *)h->ptr, (Py_ssize_t)h->size);
}

static PyObject *Held_get_type_id(HeldObject *h, void *Py_UNUSED(c)) { return PyLong_FromUnsignedLong(h->type_id); }
static PyObject *Held_get_size(HeldObject *h, void *Py_UNUSED(c)) { return PyLong_FromSize_t(h->size); }
static PyObject *Held_get_sender_id(HeldObject *h, void *Py_UNUSED(c))
{
    return PyLong_FromUnsignedLongLong(h->from.id);
}
static PyObject *Held_get_sender_pid(HeldObject *h, void *Py_UNUSED(c)) { return PyLong_FromUnsignedLong(h->from.pid); }
static PyObject *Held_get_committed(HeldObject *h, void *Py_UNUSED(c)) { return PyBool_FromLong(h->owner == NULL); }
static Py_ssize_t Held_len(HeldObject *h) { return (Py_ssize_t)h->size; }

static void Held_dealloc(HeldObject *h)
{
    /* Views hold the object, so none is alive here. */
    if (h->owner)
        (void)held_finish(h);
    PyObject_Free(h);
}

static PyMethodDef Held_methods[] = {
    {"__enter__", tpy_return_self, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))Held_exit, METH_FASTCALL, NULL},
    {"commit", (PyCFunction)Held_commit, METH_NOARGS,
     "Release the message (its bytes may be reused). A subscriber dropped while holding it raises Lagged: what "
     "was read from it must be discarded."},
    {"tobytes", (PyCFunction)Held_tobytes, METH_NOARGS, "A copy of the payload."},
    TPY_DECODE_METHOD,
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Held_getset[] = {
    {"type_id", (getter)Held_get_type_id, NULL, "message type id", NULL},
    {"size", (getter)Held_get_size, NULL, "payload bytes", NULL},
    {"sender_id", (getter)Held_get_sender_id, NULL, "fan-in: the producer's id (0 for a subscriber)", NULL},
    {"sender_pid", (getter)Held_get_sender_pid, NULL, "fan-in: the producer's pid (0 for a subscriber)", NULL},
    {"committed", (getter)Held_get_committed, NULL, "True once committed", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs Held_as_buffer = {(getbufferproc)Held_getbuffer, (releasebufferproc)Held_releasebuffer};
static PySequenceMethods Held_as_sequence = {.sq_length = (lenfunc)Held_len};

static PyTypeObject Held_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tachyon._tachyon.HeldMessage",
    .tp_basicsize = sizeof(HeldObject),
    .tp_dealloc = (destructor)Held_dealloc,
    .tp_as_sequence = &Held_as_sequence,
    .tp_as_buffer = &Held_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A subscriber's or fan-in's message held in place (a read-only buffer); committed on exit.",
    .tp_methods = Held_methods,
    .tp_getset = Held_getset,
};

static PyObject *Recv_recv_zero_copy(RecvObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"timeout", NULL};
    PyObject *timeout = NULL;
    HeldObject *h;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", names, &timeout))
        return NULL;
    h = PyObject_New(HeldObject, &Held_type);
    if (!h)
        return NULL;
    h->owner = NULL;
    h->exports = 0;
    h->commit_at_release = 0;
    h->ptr = recv_acquire(self, timeout, &h->type_id, &h->size, &h->from, self->ops->zc_name);
    if (!h->ptr) {
        Py_DECREF(h);
        return NULL;
    }
    h->owner = (RecvObject *)Py_NewRef(self);
    self->held = h;
    return (PyObject *)h;
}

static PyObject *Recv_close(RecvObject *self, PyObject *unused)
{
    (void)unused;
    self->closing = 1;
    recv_maybe_destroy(self);
    Py_RETURN_NONE;
}

static void Recv_dealloc(RecvObject *self)
{
    /* A held message owns a reference: none is alive here. */
    if (self->c)
        self->ops->destroy(self->c);
    PyObject_Free(self);
}

#define RECV_METHODS(copy_doc)                                                                                     \
    {"recv", (PyCFunction)(void (*)(void))Recv_recv, METH_VARARGS | METH_KEYWORDS, copy_doc},                      \
    {"recv_zero_copy", (PyCFunction)(void (*)(void))Recv_recv_zero_copy, METH_VARARGS | METH_KEYWORDS,           \
     "recv_zero_copy(timeout=None) -> HeldMessage: the next message in place (a read-only buffer, with "           \
     "type_id, size, sender_id, sender_pid), valid until committed; use it in a with-block."},                    \
    {"close", (PyCFunction)Recv_close, METH_NOARGS,                                                                 \
     "close(): leave (at once, or when the held message is committed)."},                                         \
    {"__enter__", tpy_return_self, METH_NOARGS, NULL},                                                             \
    {"__exit__", generic_exit, METH_VARARGS, NULL}

/* ---- Subscriber ------------------------------------------------------------- */

static PyObject *Sub_connect(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *names[] = {"path", "oldest", "timeout", "fingerprint", NULL};
    const char *path;
    int oldest = 0;
    PyObject *timeout = NULL, *fp = NULL;
    tachyon_options_t o;
    tachyon_error_detail_t d;
    tachyon_error_t err;
    int64_t deadline, ns = 5000000000ll;
    tachyon_sub_t *sub = NULL;
    SubObject *self;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|$pOO", names, &path, &oldest, &timeout, &fp))
        return NULL;
    if (timeout && tpy_parse_timeout(timeout, &ns) < 0)
        return NULL;
    if (parse_opts(fp, 0, &o) < 0)
        return NULL;
    deadline = tpy_deadline(ns);
    self = recv_new(type, &sub_ops);
    if (!self)
        return NULL;
    if (tpy_wait_prepare() < 0) {
        Py_DECREF(self);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    err = tachyon_sub_connect_until(path, &o, oldest ? TACHYON_JOIN_OLDEST : TACHYON_JOIN_NEWEST, deadline, &sub, &d);
    Py_END_ALLOW_THREADS
    if (err != TACHYON_OK) {
        Py_DECREF(self);
        return PyErr_Occurred() ? NULL : tpy_raise_detail(&d, "Subscriber.connect");
    }
    self->c = sub;
    return (PyObject *)self;
}

static PyObject *Sub_rejoin(SubObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"oldest", NULL};
    int oldest = 0;
    tachyon_error_t err;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$p", names, &oldest))
        return NULL;
    if (!self->c || self->closing)
        return closed_error("Subscriber is closed");
    err = tachyon_sub_rejoin(self->c, oldest ? TACHYON_JOIN_OLDEST : TACHYON_JOIN_NEWEST);
    if (err != TACHYON_OK)
        return tpy_raise(err, "Subscriber.rejoin");
    Py_RETURN_NONE;
}

static PyMethodDef Sub_methods[] = {
    {"connect", (PyCFunction)(void (*)(void))Sub_connect, METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "Subscriber.connect(path, *, oldest=False, timeout=5.0, fingerprint=None) -> Subscriber: join at the next "
     "message, or at the oldest still in the ring."},
    RECV_METHODS("recv(timeout=None) -> Message (a copy). Raises TachyonTimeout, PeerGone at the end of the stream, "
                 "Lagged when this subscriber was dropped (call rejoin())."),
    {"rejoin", (PyCFunction)(void (*)(void))Sub_rejoin, METH_VARARGS | METH_KEYWORDS,
     "rejoin(*, oldest=False): after Lagged, take a place again (messages in between are lost to it)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Sub_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tachyon._tachyon.Subscriber",
    .tp_basicsize = sizeof(SubObject),
    .tp_dealloc = (destructor)Recv_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One subscriber of a fan-out (Subscriber.connect).",
    .tp_methods = Sub_methods,
};

/* ---- FanIn ---------------------------------------------------------------------- */

static PyObject *FanIn_listen(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *names[] = {"path", "capacity", "fingerprint", "allow_any_uid", NULL};
    const char *path;
    Py_ssize_t capacity = 1 << 20;
    PyObject *fp = NULL;
    int any = 0;
    tachyon_options_t o;
    tachyon_error_t err;
    tachyon_fanin_t *fi = NULL;
    FanInObject *self;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|n$Op", names, &path, &capacity, &fp, &any))
        return NULL;
    if (capacity < 0)
        return tpy_raise(TACHYON_ERR_CAPACITY, "FanIn.listen");
    if (parse_opts(fp, any, &o) < 0)
        return NULL;
    self = recv_new(type, &fanin_ops);
    if (!self)
        return NULL;
    err = tachyon_fanin_listen(path, (size_t)capacity, &o, &fi);
    if (err != TACHYON_OK) {
        Py_DECREF(self);
        return tpy_raise(err, "FanIn.listen");
    }
    self->c = fi;
    return (PyObject *)self;
}

static PyObject *FanIn_producers(FanInObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromSize_t(self->c ? tachyon_fanin_producers(self->c) : 0);
}

static PyMethodDef FanIn_methods[] = {
    {"listen", (PyCFunction)(void (*)(void))FanIn_listen, METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "FanIn.listen(path, capacity=1 MiB, *, fingerprint=None, allow_any_uid=False) -> FanIn. Returns at once; "
     "producers connect with Bus.connect(path) from then on, each with a ring of its own."},
    RECV_METHODS("recv(timeout=None) -> (Message, sender_id, sender_pid), a copy, taking one message per producer "
                 "in turn."),
    {"producers", (PyCFunction)FanIn_producers, METH_NOARGS, "producers() -> how many are attached."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FanIn_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tachyon._tachyon.FanIn",
    .tp_basicsize = sizeof(FanInObject),
    .tp_dealloc = (destructor)Recv_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The consumer of a fan-in: many producers, one fair consumer (FanIn.listen).",
    .tp_methods = FanIn_methods,
};

/* ---- WaitSet ---------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    tachyon_waitset_t *ws;
    PyObject *members; /* key -> member object: keeps them alive while they are in the set */
} WaitSetObject;

static PyObject *WaitSet_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    WaitSetObject *self;
    tachyon_error_t err;

    if (!PyArg_ParseTuple(args, "") || (kw && PyDict_Size(kw)))
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_TypeError, "WaitSet() takes no arguments");
    self = (WaitSetObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->members = PyDict_New();
    err = self->members ? tachyon_waitset_new(&self->ws) : TACHYON_ERR_NO_MEMORY;
    if (err != TACHYON_OK) {
        Py_DECREF(self);
        return self->members ? tpy_raise(err, "WaitSet") : NULL;
    }
    return (PyObject *)self;
}

static PyObject *WaitSet_add(WaitSetObject *self, PyObject *args)
{
    PyObject *obj, *key;
    unsigned long long k;
    tachyon_error_t err;

    if (!PyArg_ParseTuple(args, "OO", &obj, &key))
        return NULL;
    k = PyLong_AsUnsignedLongLong(key);
    if (PyErr_Occurred())
        return NULL;
    if (PyObject_TypeCheck(obj, &tpy_bus_type)) {
        BusObject *b = (BusObject *)obj;
        if (!b->bus)
            return tpy_raise_state("the bus is closed");
        err = tachyon_waitset_add_bus(self->ws, b->bus, k);
    } else if (PyObject_TypeCheck(obj, &Sub_type) || PyObject_TypeCheck(obj, &FanIn_type)) {
        RecvObject *r = (RecvObject *)obj;
        if (!r->c || r->closing)
            return tpy_raise_state(r->ops->closed_text);
        err = PyObject_TypeCheck(obj, &Sub_type) ? tachyon_waitset_add_sub(self->ws, r->c, k)
                                                 : tachyon_waitset_add_fanin(self->ws, r->c, k);
    } else {
        return PyErr_Format(PyExc_TypeError, "WaitSet.add: a Bus (consumer side), Subscriber or FanIn, not %s",
                            Py_TYPE(obj)->tp_name);
    }
    if (err != TACHYON_OK)
        return tpy_raise(err, "WaitSet.add");
    if (PyDict_SetItem(self->members, key, obj) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *WaitSet_remove(WaitSetObject *self, PyObject *key)
{
    unsigned long long k = PyLong_AsUnsignedLongLong(key);
    tachyon_error_t err;

    if (PyErr_Occurred())
        return NULL;
    err = tachyon_waitset_remove(self->ws, k);
    if (err != TACHYON_OK)
        return tpy_raise(err, "WaitSet.remove");
    if (PyDict_DelItem(self->members, key) < 0)
        PyErr_Clear();
    Py_RETURN_NONE;
}

static PyObject *WaitSet_wait(WaitSetObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"timeout", NULL};
    PyObject *timeout = NULL, *list;
    uint64_t keys[TACHYON_MAX_MEMBERS];
    tachyon_error_t err = TACHYON_OK;
    size_t n = 0;
    int64_t ns = -1, deadline;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", names, &timeout))
        return NULL;
    if (timeout && tpy_parse_timeout(timeout, &ns) < 0)
        return NULL;
    deadline = ns == 0 ? 0 : tpy_deadline(ns);
    for (;;) {
        if (tpy_wait_prepare() < 0)
            return NULL;
        Py_BEGIN_ALLOW_THREADS
        n = tachyon_waitset_wait_until(self->ws, keys, TACHYON_MAX_MEMBERS, deadline, &err);
        Py_END_ALLOW_THREADS
        if (n || err == TACHYON_ERR_TIMEOUT || !tpy_wait_again(err))
            break;
    }
    if (PyErr_Occurred())
        return NULL;
    if (!n && err != TACHYON_ERR_TIMEOUT && err != TACHYON_OK)
        return tpy_raise(err, "WaitSet.wait");
    list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(keys[i]);
        if (!v) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, v);
    }
    return list;
}

static PyObject *WaitSet_fileno(WaitSetObject *self, PyObject *unused)
{
    (void)unused;
    int fd = tachyon_waitset_fd(self->ws);
    if (fd < 0)
        return tpy_raise(TACHYON_ERR_SYSTEM, "WaitSet.fileno");
    return PyLong_FromLong(fd);
}

static PyObject *WaitSet_close(WaitSetObject *self, PyObject *unused)
{
    (void)unused;
    tachyon_waitset_destroy(self->ws);
    self->ws = NULL;
    if (self->members)
        PyDict_Clear(self->members);
    Py_RETURN_NONE;
}

static void WaitSet_dealloc(WaitSetObject *self)
{
    tachyon_waitset_destroy(self->ws);
    Py_XDECREF(self->members);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *WaitSet_checked(WaitSetObject *self, PyObject *(*fn)(WaitSetObject *, PyObject *, PyObject *),
                                 PyObject *args, PyObject *kw)
{
    if (!self->ws)
        return tpy_raise_state("WaitSet is closed");
    return fn(self, args, kw);
}

static PyObject *WaitSet_wait_m(WaitSetObject *self, PyObject *args, PyObject *kw)
{
    return WaitSet_checked(self, WaitSet_wait, args, kw);
}

static PyObject *WaitSet_add_m(WaitSetObject *self, PyObject *args)
{
    return self->ws ? WaitSet_add(self, args) : tpy_raise_state("WaitSet is closed");
}

static PyObject *WaitSet_remove_m(WaitSetObject *self, PyObject *key)
{
    return self->ws ? WaitSet_remove(self, key) : tpy_raise_state("WaitSet is closed");
}

static PyObject *WaitSet_fileno_m(WaitSetObject *self, PyObject *unused)
{
    return self->ws ? WaitSet_fileno(self, unused) : tpy_raise_state("WaitSet is closed");
}

static PyMethodDef WaitSet_methods[] = {
    {"add", (PyCFunction)WaitSet_add_m, METH_VARARGS,
     "add(member, key): a Bus (its consumer side), a Subscriber or a FanIn, under an int key."},
    {"remove", (PyCFunction)WaitSet_remove_m, METH_O, "remove(key)."},
    {"wait", (PyCFunction)(void (*)(void))WaitSet_wait_m, METH_VARARGS | METH_KEYWORDS,
     "wait(timeout=None) -> [keys of the members with something to read] ([] on timeout; timeout=0 does not "
     "wait)."},
    {"fileno", (PyCFunction)WaitSet_fileno_m, METH_NOARGS,
     "fileno() -> an fd that is readable when a member has something to read (loop.add_reader, selectors); "
     "then call wait(0) and read the members it names. It stays readable until a wait() finds nothing."},
    {"close", (PyCFunction)WaitSet_close, METH_NOARGS, "close()."},
    {"__enter__", tpy_return_self, METH_NOARGS, NULL},
    {"__exit__", generic_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WaitSet_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tachyon._tachyon.WaitSet",
    .tp_basicsize = sizeof(WaitSetObject),
    .tp_dealloc = (destructor)WaitSet_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "WaitSet(): one thread waiting on many buses, subscribers and fan-ins.",
    .tp_methods = WaitSet_methods,
    .tp_new = WaitSet_new,
};

int tpy_topology_init(PyObject *m)
{
    static const struct {
        PyTypeObject *type;
        const char *name;
    } types[] = {{&FanOut_type, "FanOut"}, {&Sub_type, "Subscriber"}, {&FanIn_type, "FanIn"},
                 {&WaitSet_type, "WaitSet"}, {&Held_type, "HeldMessage"}};

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (PyType_Ready(types[i].type) < 0)
            return -1;
        if (PyModule_AddObject(m, types[i].name, Py_NewRef((PyObject *)types[i].type)) < 0)
            return -1;
    }
    return PyModule_AddIntConstant(m, "MAX_MEMBERS", TACHYON_MAX_MEMBERS);
}
