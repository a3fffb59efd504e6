/*
 * bus.c - the core: Bus, one side of a bus (listener = consumer, connector =
 * producer), and Message, a received message copied out of the ring.
 *
 * Waiting is libtachyon's: Python's timeouts (seconds) become one absolute
 * deadline (tachyon_now_ns() + timeout) for one C _until call, made with the
 * GIL released. Signal handlers run from inside it: the thread's interrupt
 * check (tpy_wait_prepare) takes the GIL and runs them when a signal ends a
 * sleep and at each watchdog wake; one that raises (Ctrl-C:
 * KeyboardInterrupt) ends the wait with INTERRUPTED and its exception.
 * The file map of the extension is in tachyon_py.h.
 */
#include "tachyon_py.h"

#include <structmember.h>

#include <string.h>

int64_t tpy_deadline(int64_t timeout_ns)
{
    return timeout_ns < 0 ? TACHYON_FOREVER : tachyon_now_ns() + timeout_ns;
}

/* The interrupt check, called by libtachyon on the waiting thread (GIL
 * released) when a signal ended a sleep and at each watchdog wake: a signal
 * that arrived while the thread was awake between two sleeps interrupted no
 * sleep, so the watchdog wake is what runs its handler then. Nonzero when a
 * handler raised; the exception stays set for the caller. Handlers only run
 * on the main thread: elsewhere PyErr_CheckSignals does nothing. */
static int tpy_signal_check(void *ctx)
{
    (void)ctx;
    PyGILState_STATE gil = PyGILState_Ensure();
    int raised = PyErr_CheckSignals() < 0;
    PyGILState_Release(gil);
    return raised;
}

int tpy_wait_prepare(void)
{
    if (PyErr_CheckSignals() < 0)
        return -1;
    tachyon_set_interrupt_check(tpy_signal_check, NULL);
    return 0;
}

int tpy_wait_again(tachyon_error_t err)
{
    return err == TACHYON_ERR_INTERRUPTED && !PyErr_Occurred();
}

/* Destroys the C bus once close() was requested and nothing references it. */
void tpy_bus_maybe_destroy(BusObject *self)
{
    if (self->closing && self->bus && self->map_refs == 0 && !self->holder) {
        tachyon_bus_t *b = self->bus;
        self->bus = NULL;
        tachyon_bus_destroy(b); /* never waits: a producer flushes, both sides mark themselves closed */
    }
}

static int bus_ready(BusObject *self)
{
    if (!self->bus || self->closing) {
        PyErr_SetString(tpy_err_by_code[TACHYON_ERR_STATE], "the bus is closed");
        return -1;
    }
    if (self->in_call) {
        PyErr_SetString(tpy_err_by_code[TACHYON_ERR_STATE],
                        "the bus is in use by another thread (one thread per side at a time)");
        return -1;
    }
    return 0;
}

int tpy_bus_ready_role(BusObject *self, int role)
{
    if (bus_ready(self) < 0)
        return -1;
    if (self->role != role) {
        PyErr_SetString(tpy_err_by_code[TACHYON_ERR_STATE],
                        role == TACHYON_ROLE_PRODUCER ? "this side receives: only the connector (producer) sends"
                                                      : "this side sends: only the listener (consumer) receives");
        return -1;
    }
    if (self->holder) {
        PyErr_SetString(tpy_err_by_code[TACHYON_ERR_STATE],
                        role == TACHYON_ROLE_PRODUCER
                            ? "a send_zero_copy reservation is still open (commit it or release its memoryviews)"
                            : "a received message or batch is still held (leave its with-block, or release its "
                              "memoryviews)");
        return -1;
    }
    return 0;
}

const void *tpy_bus_rx_wait(BusObject *self, int64_t timeout_ns, uint32_t *type_id, size_t *size)
{
    tachyon_bus_t *b = self->bus;
    const void *p = tachyon_acquire_rx(b, type_id, size);
    if (p)
        return p;
    tachyon_error_t err = tachyon_last_error(b);
    if (err != TACHYON_ERR_EMPTY)
        return tpy_raise_bus(b, err, "receive"), NULL;
    int64_t deadline = tpy_deadline(timeout_ns);
    uint32_t spin = self->spin;
    do {
        if (tpy_wait_prepare() < 0)
            return NULL;
        self->in_call = 1;
        Py_BEGIN_ALLOW_THREADS
        p = tachyon_acquire_rx_until(b, type_id, size, spin, deadline);
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (p)
            return p;
        err = tachyon_last_error(b);
    } while (tpy_wait_again(err));
    if (PyErr_Occurred())
        return NULL;
    return tpy_raise_bus(b, err, "receive"), NULL;
}

/* Waits for room for a message until `deadline`. Returns where to write or
 * NULL with an exception. */
static void *bus_tx_until(BusObject *self, size_t size, int64_t deadline)
{
    tachyon_bus_t *b = self->bus;
    tachyon_error_t err;
    do {
        if (tpy_wait_prepare() < 0)
            return NULL;
        self->in_call = 1;
        void *p;
        Py_BEGIN_ALLOW_THREADS
        p = tachyon_acquire_tx_until(b, size, deadline);
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (p)
            return p;
        err = tachyon_last_error(b);
    } while (tpy_wait_again(err));
    if (PyErr_Occurred())
        return NULL;
    return tpy_raise_bus(b, err, "send"), NULL;
}

/* Reserves room for a message: at once, or waiting up to timeout_ns (< 0: no
 * limit). Returns where to write or NULL with an exception (RingFull when
 * timeout_ns is 0). */
static void *bus_tx_wait(BusObject *self, size_t size, int64_t timeout_ns)
{
    tachyon_bus_t *b = self->bus;
    void *p = tachyon_acquire_tx(b, size);
    if (p)
        return p;
    tachyon_error_t err = tachyon_last_error(b);
    if (err != TACHYON_ERR_FULL || timeout_ns == 0)
        return tpy_raise_bus(b, err, "send"), NULL;
    return bus_tx_until(self, size, tpy_deadline(timeout_ns));
}

static BusObject *bus_new_object(PyTypeObject *type, tachyon_bus_t *b)
{
    BusObject *self = (BusObject *)type->tp_alloc(type, 0);
    if (!self) {
        tachyon_bus_destroy(b);
        return NULL;
    }
    self->bus = b;
    self->role = (int)tachyon_bus_role(b);
    self->spin = TPY_DEFAULT_SPIN;
    return self;
}

static int parse_fingerprint(PyObject *fp_obj, uint64_t *fp)
{
    *fp = 0;
    if (!fp_obj || fp_obj == Py_None)
        return 0;
    if (!PyLong_Check(fp_obj)) {
        PyErr_SetString(PyExc_TypeError, "fingerprint must be an int");
        return -1;
    }
    *fp = PyLong_AsUnsignedLongLong(fp_obj);
    if (*fp == (uint64_t)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "fingerprint must be in 0..2**64-1");
        return -1;
    }
    return 0;
}

/* Opens one side with the C _until constructor: listens (with `capacity`) or
 * connects, until `deadline`. Returns the new Bus or NULL with an exception. */
static PyObject *bus_open(PyObject *cls, PyObject *path_obj, int listen, size_t capacity,
                          const tachyon_options_t *opts, int64_t deadline)
{
    PyObject *path;
    tachyon_bus_t *b = NULL;
    tachyon_error_detail_t detail;
    tachyon_error_t err;

    if (!PyUnicode_FSConverter(path_obj, &path))
        return NULL;
    do {
        if (tpy_wait_prepare() < 0) {
            Py_DECREF(path);
            return NULL;
        }
        Py_BEGIN_ALLOW_THREADS
        err = listen ? tachyon_bus_listen_until(PyBytes_AS_STRING(path), capacity, opts, deadline, &b, &detail)
                     : tachyon_bus_connect_until(PyBytes_AS_STRING(path), opts, deadline, &b, &detail);
        Py_END_ALLOW_THREADS
    } while (tpy_wait_again(err));
    Py_DECREF(path);
    if (PyErr_Occurred())
        return NULL;
    if (err == TACHYON_OK)
        return (PyObject *)bus_new_object((PyTypeObject *)cls, b);
    if (detail.code != (int32_t)err)
        detail = (tachyon_error_detail_t){.code = (int32_t)err};
    return tpy_raise_detail(&detail, listen ? "listen" : "connect");
}

/* Bus._listen(path, capacity, fingerprint=0, timeout=None, allow_any_uid=False) */
static PyObject *Bus_listen(PyObject *cls, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_PATH, K_CAPACITY, K_FINGERPRINT, K_TIMEOUT, K_ALLOW_ANY_UID};
    PyObject *a[5];
    tachyon_options_t opts = {0};
    size_t capacity;
    int64_t timeout_ns;

    if (tpy_parse_args("_listen", args, nargs, kwnames, spec, 5, 5, 2, a) < 0)
        return NULL;
    if (tpy_parse_size(a[1], "capacity", &capacity) < 0 || parse_fingerprint(a[2], &opts.schema_fingerprint) < 0 ||
        tpy_parse_timeout(a[3], &timeout_ns) < 0)
        return NULL;
    if (a[4]) {
        int t = PyObject_IsTrue(a[4]);
        if (t < 0)
            return NULL;
        if (t)
            opts.flags |= TACHYON_OPT_ALLOW_ANY_UID;
    }
    return bus_open(cls, a[0], 1, capacity, &opts, tpy_deadline(timeout_ns));
}

/* Bus._connect(path, fingerprint=0, timeout=None): waits for a listener and
 * the handshake until the timeout (None: libtachyon's default, 5 s). */
static PyObject *Bus_connect(PyObject *cls, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_PATH, K_FINGERPRINT, K_TIMEOUT};
    PyObject *a[3];
    tachyon_options_t opts = {0};
    int64_t timeout_ns;

    if (tpy_parse_args("_connect", args, nargs, kwnames, spec, 3, 3, 1, a) < 0)
        return NULL;
    if (parse_fingerprint(a[1], &opts.schema_fingerprint) < 0 || tpy_parse_timeout(a[2], &timeout_ns) < 0)
        return NULL;
    if (!a[2] || a[2] == Py_None)
        timeout_ns = TACHYON_CONNECT_DEFAULT_NS;
    return bus_open(cls, a[0], 0, 0, &opts, tpy_deadline(timeout_ns));
}

static PyObject *Bus_close(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->in_call)
        return tpy_raise_state("the bus is in use by another thread");
    if (!self->closing) {
        self->closing = 1;
        if (self->holder)
            tpy_guard_abandon(self->holder);
        tpy_bus_maybe_destroy(self);
    }
    Py_RETURN_NONE;
}

static PyObject *Bus_exit(BusObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)args;
    (void)nargs;
    return Bus_close(self, NULL);
}

static void Bus_dealloc(BusObject *self)
{
    PyObject_GC_UnTrack(self);
    if (self->weakrefs)
        PyObject_ClearWeakRefs((PyObject *)self);
    Py_CLEAR(self->typed_cls);
    Py_CLEAR(self->typed_pack);
    if (self->bus) {
        /* Nothing references the ring any more: guards and capsules hold the bus. */
        tachyon_bus_destroy(self->bus);
        self->bus = NULL;
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Bus_traverse(BusObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->typed_cls);
    Py_VISIT(self->typed_pack);
    return 0;
}

static int Bus_clear(BusObject *self)
{
    Py_CLEAR(self->typed_cls);
    Py_CLEAR(self->typed_pack);
    return 0;
}

void tpy_map_ref_release(BusObject *bus)
{
    if (--bus->map_refs == 0)
        tpy_bus_maybe_destroy(bus);
}

/* ---- Message (copied out) -------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *data; /* bytes */
    uint32_t type_id;
} MessageObject;

PyObject *tpy_message_new(uint32_t type_id, const void *p, size_t size)
{
    PyObject *data = PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)size);
    if (!data)
        return NULL;
    MessageObject *m = PyObject_New(MessageObject, &tpy_message_type);
    if (!m) {
        Py_DECREF(data);
        return NULL;
    }
    m->data = data;
    m->type_id = type_id;
    return (PyObject *)m;
}

static PyObject *Message_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"type_id", "data", NULL};
    unsigned int type_id;
    Py_buffer buf;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "Iy*", names, &type_id, &buf))
        return NULL;
    (void)type;
    PyObject *m = tpy_message_new(type_id, buf.buf, (size_t)buf.len);
    PyBuffer_Release(&buf);
    return m;
}

static void Message_dealloc(MessageObject *self)
{
    Py_XDECREF(self->data);
    PyObject_Free(self);
}

static PyObject *Message_size(MessageObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromSsize_t(PyBytes_GET_SIZE(self->data));
}

static PyObject *Message_repr(MessageObject *self)
{
    return PyUnicode_FromFormat("Message(type_id=%u, data=%R)", (unsigned)self->type_id, self->data);
}

static int Message_getbuffer(MessageObject *self, Py_buffer *view, int flags)
{
    return PyBuffer_FillInfo(view, (PyObject *)self, PyBytes_AS_STRING(self->data), PyBytes_GET_SIZE(self->data), 1,
                             flags);
}

static PyObject *Message_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(b, &tpy_message_type) ||
        !PyObject_TypeCheck(a, &tpy_message_type))
        Py_RETURN_NOTIMPLEMENTED;
    MessageObject *x = (MessageObject *)a, *y = (MessageObject *)b;
    int eq = x->type_id == y->type_id && PyBytes_GET_SIZE(x->data) == PyBytes_GET_SIZE(y->data) &&
             memcmp(PyBytes_AS_STRING(x->data), PyBytes_AS_STRING(y->data), (size_t)PyBytes_GET_SIZE(x->data)) == 0;
    if (op == Py_NE)
        eq = !eq;
    return PyBool_FromLong(eq);
}

/* ---- Bus operations ---------------------------------------------------------- */

/* bus.send(data, type_id=0, timeout=None): copies data into the ring; waits
 * for room until the timeout (TachyonTimeout), 0 = RingFull at once. */
static PyObject *Bus_send(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_DATA, K_TYPE_ID, K_TIMEOUT};
    PyObject *a[3];
    uint32_t type_id = 0;
    int64_t timeout_ns = -1;
    Py_buffer buf;

    if (tpy_parse_args("send", args, nargs, kwnames, spec, 3, 2, 1, a) < 0)
        return NULL;
    if (tpy_bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (a[1] && tpy_parse_u32(a[1], "type_id", &type_id) < 0)
        return NULL;
    if (a[2] && tpy_parse_timeout(a[2], &timeout_ns) < 0)
        return NULL;
    if (PyBytes_CheckExact(a[0])) {
        tachyon_error_t err = tachyon_send(self->bus, PyBytes_AS_STRING(a[0]), (size_t)PyBytes_GET_SIZE(a[0]), type_id);
        if (err == TACHYON_OK)
            Py_RETURN_NONE;
        if (err != TACHYON_ERR_FULL)
            return tpy_raise_bus(self->bus, err, "send");
    }
    if (PyObject_GetBuffer(a[0], &buf, PyBUF_SIMPLE) < 0)
        return NULL;
    void *p = bus_tx_wait(self, (size_t)buf.len, timeout_ns);
    if (!p) {
        PyBuffer_Release(&buf);
        return NULL;
    }
    memcpy(p, buf.buf, (size_t)buf.len);
    tachyon_error_t err = tachyon_commit_tx(self->bus, (size_t)buf.len, type_id);
    PyBuffer_Release(&buf);
    if (err != TACHYON_OK)
        return tpy_raise_bus(self->bus, err, "send");
    Py_RETURN_NONE;
}

/* bus.try_send(data, type_id=0) -> bool: False when the ring is full. */
static PyObject *Bus_try_send(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_DATA, K_TYPE_ID};
    PyObject *a[2];
    uint32_t type_id = 0;
    Py_buffer buf;

    if (tpy_parse_args("try_send", args, nargs, kwnames, spec, 2, 2, 1, a) < 0)
        return NULL;
    if (tpy_bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (a[1] && tpy_parse_u32(a[1], "type_id", &type_id) < 0)
        return NULL;
    if (PyObject_GetBuffer(a[0], &buf, PyBUF_SIMPLE) < 0)
        return NULL;
    tachyon_error_t err = tachyon_send(self->bus, buf.buf, (size_t)buf.len, type_id);
    PyBuffer_Release(&buf);
    if (err == TACHYON_OK)
        Py_RETURN_TRUE;
    if (err == TACHYON_ERR_FULL)
        Py_RETURN_FALSE;
    return tpy_raise_bus(self->bus, err, "send");
}

static PyObject *Bus_flush(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    if (bus_ready(self) < 0)
        return NULL;
    if (self->role != TACHYON_ROLE_PRODUCER)
        Py_RETURN_NONE; /* nothing to publish on the consumer side */
    tachyon_error_t err = tachyon_flush(self->bus);
    if (err != TACHYON_OK)
        return tpy_raise_bus(self->bus, err, "flush");
    Py_RETURN_NONE;
}




/* bus.send_zero_copy(size, type_id=0, timeout=None) -> TxGuard */
static PyObject *Bus_send_zero_copy(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_SIZE, K_TYPE_ID, K_TIMEOUT};
    PyObject *a[3];
    uint32_t type_id = 0;
    size_t size;
    int64_t timeout_ns = -1;

    if (tpy_parse_args("send_zero_copy", args, nargs, kwnames, spec, 3, 2, 1, a) < 0)
        return NULL;
    if (tpy_bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (tpy_parse_size(a[0], "size", &size) < 0)
        return NULL;
    if (a[1] && tpy_parse_u32(a[1], "type_id", &type_id) < 0)
        return NULL;
    if (a[2] && tpy_parse_timeout(a[2], &timeout_ns) < 0)
        return NULL;
    void *p = bus_tx_wait(self, size, timeout_ns);
    if (!p)
        return NULL;
    return tpy_tx_guard_new(self, p, size, type_id);
}

/* Looks up (and caches) what send_typed needs from a generated class:
 * its precompiled struct.Struct's pack_into and its size. */
static int typed_lookup(BusObject *self, PyObject *cls)
{
    if (cls == self->typed_cls)
        return 0;
    PyObject *st = PyObject_GetAttrString(cls, "STRUCT");
    if (!st) {
        PyErr_Clear();
        st = PyObject_GetAttrString(cls, "_STRUCT");
    }
    if (!st) {
        PyErr_Clear();
        if (PyObject_HasAttrString(cls, "pack_into") && PyObject_HasAttrString(cls, "size"))
            st = Py_NewRef(cls); /* a struct.Struct itself */
    }
    if (!st) {
        PyErr_Format(PyExc_TypeError, "send_typed: %R is not a generated message class (no STRUCT)", cls);
        return -1;
    }
    PyObject *pack = PyObject_GetAttrString(st, "pack_into");
    PyObject *size_obj = pack ? PyObject_GetAttrString(st, "size") : NULL;
    Py_DECREF(st);
    if (!size_obj) {
        Py_XDECREF(pack);
        return -1;
    }
    Py_ssize_t size = PyLong_AsSsize_t(size_obj);
    Py_DECREF(size_obj);
    if (size < 0) {
        Py_DECREF(pack);
        return -1;
    }
    Py_XSETREF(self->typed_cls, Py_NewRef(cls));
    Py_XSETREF(self->typed_pack, pack);
    self->typed_size = (size_t)size;
    return 0;
}

/* bus.send_typed(cls, type_id, *values): packs `values` with the generated
 * class's precompiled struct straight into a ring slot and commits it. */
static PyObject *Bus_send_typed(BusObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    uint32_t type_id;
    if (nargs < 2)
        return tpy_raise_msg(PyExc_TypeError, "send_typed(cls, type_id, *values)");
    if (tpy_bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (typed_lookup(self, args[0]) < 0 || tpy_parse_u32(args[1], "type_id", &type_id) < 0)
        return NULL;
    void *p = bus_tx_wait(self, self->typed_size, -1);
    if (!p)
        return NULL;
    PyObject *g = tpy_tx_guard_new(self, p, self->typed_size, type_id);
    if (!g)
        return NULL;
    PyObject *stack_args[18];
    PyObject **call = stack_args;
    Py_ssize_t nvalues = nargs - 2, ncall = nvalues + 2;
    if (ncall > (Py_ssize_t)(sizeof stack_args / sizeof stack_args[0]) - 1) {
        call = PyMem_Malloc(sizeof(PyObject *) * (size_t)(ncall + 1));
        if (!call) {
            (void)tpy_guard_finish((GuardObject *)g, 0);
            Py_DECREF(g);
            return PyErr_NoMemory();
        }
    }
    /* slot 0 free for PY_VECTORCALL_ARGUMENTS_OFFSET */
    call[1] = g;
    call[2] = tpy_small_zero;
    for (Py_ssize_t i = 0; i < nvalues; i++)
        call[3 + i] = args[2 + i];
    PyObject *r = PyObject_Vectorcall(self->typed_pack, call + 1, (size_t)ncall | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                      NULL);
    if (call != stack_args)
        PyMem_Free(call);
    if (!r) {
        tpy_guard_abandon((GuardObject *)g);
        Py_DECREF(g);
        return NULL;
    }
    Py_DECREF(r);
    PyObject *done = tpy_guard_end((GuardObject *)g, 1);
    Py_DECREF(g);
    return done;
}

/* bus.send_batch(data, type_id=0, record_size=None, timeout=None) -> count.
 * `data` holds N records of record_size bytes back to back; record_size
 * defaults to the buffer's itemsize (a NumPy structured array) or its row
 * size (a 2-D array); a flat byte buffer needs it. `type_id` is an int, or a
 * buffer of N uint32 (one per record). Sends them all in one C loop, waiting
 * for room as needed; on an error the exception's `.sent` is the count that
 * went. */
static PyObject *Bus_send_batch(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_DATA, K_TYPE_ID, K_RECORD_SIZE, K_TIMEOUT};
    PyObject *a[4];
    uint32_t type_id = 0;
    int64_t timeout_ns = -1;
    size_t rs = 0;
    Py_buffer buf, ids;
    int have_ids = 0;

    if (tpy_parse_args("send_batch", args, nargs, kwnames, spec, 4, 2, 1, a) < 0)
        return NULL;
    if (tpy_bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (a[2] && a[2] != Py_None && tpy_parse_size(a[2], "record_size", &rs) < 0)
        return NULL;
    if (a[3] && tpy_parse_timeout(a[3], &timeout_ns) < 0)
        return NULL;
    if (PyObject_GetBuffer(a[0], &buf, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        if (PyObject_GetBuffer(a[0], &buf, PyBUF_C_CONTIGUOUS) < 0)
            return NULL;
    }
    if (rs == 0) {
        if (buf.ndim >= 2 && buf.shape && buf.shape[0] > 0) {
            rs = (size_t)(buf.len / buf.shape[0]); /* one row per record */
        } else {
            rs = (size_t)buf.itemsize;
            if (rs == 1) {
                PyBuffer_Release(&buf);
                return tpy_raise_msg(tpy_err_by_code[TACHYON_ERR_INVALID_ARG],
                                 "send_batch: give record_size= for a flat buffer of bytes (or pass a NumPy "
                                 "structured array, or a 2-D array with one record per row)");
            }
        }
    }
    if (rs == 0 || (size_t)buf.len % rs != 0) {
        PyBuffer_Release(&buf);
        PyErr_Format(tpy_err_by_code[TACHYON_ERR_INVALID_ARG],
                     "send_batch: %zd bytes is not a whole number of %zu-byte records", buf.len, rs);
        return NULL;
    }
    size_t n = (size_t)buf.len / rs;
    if (a[1] && PyLong_Check(a[1])) {
        if (tpy_parse_u32(a[1], "type_id", &type_id) < 0) {
            PyBuffer_Release(&buf);
            return NULL;
        }
    } else if (a[1] && a[1] != Py_None) {
        if (PyObject_GetBuffer(a[1], &ids, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
            PyBuffer_Release(&buf);
            return NULL;
        }
        have_ids = 1;
        if (ids.itemsize != 4 || (size_t)ids.len != n * 4 ||
            (ids.format && strcmp(ids.format, "I") != 0 && strcmp(ids.format, "<I") != 0 &&
             strcmp(ids.format, "=I") != 0 && strcmp(ids.format, "L") != 0)) {
            PyBuffer_Release(&ids);
            PyBuffer_Release(&buf);
            PyErr_Format(tpy_err_by_code[TACHYON_ERR_INVALID_ARG],
                         "send_batch: type_id must be an int or %zu uint32 values", n);
            return NULL;
        }
    }
    tachyon_bus_t *b = self->bus;
    const uint8_t *src = buf.buf;
    const uint32_t *tids = have_ids ? (const uint32_t *)ids.buf : NULL;
    size_t i = 0;
    PyObject *result = NULL;
    int64_t deadline = tpy_deadline(timeout_ns);
    tachyon_error_t err = TACHYON_OK;
    while (i < n) {
        /* Fast loop: everything that fits now, GIL released (we hold the buffer). */
        self->in_call = 1;
        Py_BEGIN_ALLOW_THREADS
        for (; i < n; i++) {
            void *p = tachyon_acquire_tx(b, rs);
            if (!p) {
                err = tachyon_last_error(b);
                break;
            }
            memcpy(p, src + i * rs, rs);
            tachyon_commit_tx(b, rs, tids ? tids[i] : type_id);
        }
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (i == n)
            break;
        if (err != TACHYON_ERR_FULL || timeout_ns == 0) {
            tpy_raise_bus(b, err, "send_batch");
            goto out;
        }
        void *p = bus_tx_until(self, rs, deadline); /* room for the next one */
        if (!p)
            goto out;
        memcpy(p, src + i * rs, rs);
        tachyon_commit_tx(b, rs, tids ? tids[i] : type_id);
        i++;
    }
    result = PyLong_FromSize_t(n);
out:
    if (!result && PyErr_Occurred()) {
        /* Say how far it got: the first i records were committed. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        PyObject *sent = PyLong_FromSize_t(i);
        if (sent && value) {
            if (PyObject_SetAttrString(value, "sent", sent) < 0)
                PyErr_Clear();
        }
        Py_XDECREF(sent);
        PyErr_Restore(type, value, tb);
    }
    if (have_ids)
        PyBuffer_Release(&ids);
    PyBuffer_Release(&buf);
    return result;
}

/* What recv, recv_zero_copy and iteration start with: reads `timeout=`,
 * checks this side may receive, and waits for a message (held on return). */
static const void *rx_begin(BusObject *self, const char *fname, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames, uint32_t *type_id, size_t *size)
{
    static const int spec[] = {K_TIMEOUT};
    PyObject *a[1];
    int64_t timeout_ns = -1;

    if ((nargs || kwnames) && (tpy_parse_args(fname, args, nargs, kwnames, spec, 1, 1, 0, a) < 0 ||
                               tpy_parse_timeout(a[0], &timeout_ns) < 0))
        return NULL;
    if (tpy_bus_ready_role(self, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    return tpy_bus_rx_wait(self, timeout_ns, type_id, size);
}

/* A Message copied from the held message, which is then released. */
static PyObject *rx_copy(BusObject *self, const void *p, uint32_t type_id, size_t size)
{
    PyObject *m = tpy_message_new(type_id, p, size);
    (void)tachyon_commit_rx(self->bus);
    return m;
}

/* bus.recv(timeout=None) -> Message (a copy). */
static PyObject *Bus_recv(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    uint32_t type_id;
    size_t size;
    const void *p = rx_begin(self, "recv", args, nargs, kwnames, &type_id, &size);
    return p ? rx_copy(self, p, type_id, size) : NULL;
}

/* bus.try_recv() -> Message or None (nothing yet). */
static PyObject *Bus_try_recv(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    uint32_t type_id;
    size_t size;
    if (tpy_bus_ready_role(self, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    const void *p = tachyon_acquire_rx(self->bus, &type_id, &size);
    if (p)
        return rx_copy(self, p, type_id, size);
    tachyon_error_t err = tachyon_last_error(self->bus);
    if (err == TACHYON_ERR_EMPTY)
        Py_RETURN_NONE;
    return tpy_raise_bus(self->bus, err, "receive");
}

static PyObject *Bus_iternext(BusObject *self)
{
    uint32_t type_id;
    size_t size;
    const void *p = rx_begin(self, "__next__", NULL, 0, NULL, &type_id, &size);
    if (p)
        return rx_copy(self, p, type_id, size);
    if (PyErr_ExceptionMatches(tpy_err_by_code[TACHYON_ERR_PEER_GONE]))
        PyErr_Clear(); /* the peer closed after its last message: end of iteration */
    return NULL;
}

/* bus.recv_zero_copy(timeout=None) -> RxGuard */
static PyObject *Bus_recv_zero_copy(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    uint32_t type_id;
    size_t size;
    const void *p = rx_begin(self, "recv_zero_copy", args, nargs, kwnames, &type_id, &size);
    return p ? tpy_rx_guard_new(self, p, size, type_id) : NULL;
}

static PyObject *Bus_stats(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    tachyon_stats_t st;
    if (!self->bus)
        return tpy_raise_state("the bus is closed");
    tachyon_error_t err = tachyon_get_stats(self->bus, &st);
    if (err != TACHYON_OK)
        return tpy_raise(err, "stats");
    PyObject *s = PyStructSequence_New(tpy_stats_type);
    if (!s)
        return NULL;
    uint64_t v[6] = {st.messages, st.bytes, st.publishes, st.full_events, st.sleeps, st.wakes};
    for (int i = 0; i < 6; i++) {
        PyObject *o = PyLong_FromUnsignedLongLong(v[i]);
        if (!o) {
            Py_DECREF(s);
            return NULL;
        }
        PyStructSequence_SET_ITEM(s, i, o);
    }
    return s;
}

static PyObject *Bus_peer_alive(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    if (!self->bus)
        Py_RETURN_FALSE;
    return PyBool_FromLong(tachyon_peer_alive(self->bus));
}

static PyObject *Bus_get_capacity(BusObject *self, void *Py_UNUSED(c))
{
    if (!self->bus)
        return tpy_raise_state("the bus is closed");
    return PyLong_FromSize_t(tachyon_capacity(self->bus));
}

static PyObject *Bus_get_max_message_size(BusObject *self, void *Py_UNUSED(c))
{
    if (!self->bus)
        return tpy_raise_state("the bus is closed");
    return PyLong_FromSize_t(tachyon_max_message_size(self->bus));
}

static PyObject *Bus_get_fingerprint(BusObject *self, void *Py_UNUSED(c))
{
    if (!self->bus)
        return tpy_raise_state("the bus is closed");
    return PyLong_FromUnsignedLongLong(tachyon_schema_fingerprint(self->bus));
}

static PyObject *Bus_get_role(BusObject *self, void *Py_UNUSED(c))
{
    return PyUnicode_FromString(self->role == TACHYON_ROLE_PRODUCER ? "producer" : "consumer");
}

static PyObject *Bus_get_closed(BusObject *self, void *Py_UNUSED(c))
{
    return PyBool_FromLong(self->closing || !self->bus);
}

static PyObject *Bus_get_spin(BusObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromUnsignedLong(self->spin);
}

static int Bus_set_spin(BusObject *self, PyObject *v, void *Py_UNUSED(c))
{
    if (!v)
        return tpy_raise_msg(PyExc_AttributeError, "cannot delete spin"), -1;
    return tpy_parse_u32(v, "spin", &self->spin);
}

static PyObject *Bus_repr(BusObject *self)
{
    if (!self->bus)
        return PyUnicode_FromFormat("<tachyon.Bus %s closed>",
                                    self->role == TACHYON_ROLE_PRODUCER ? "producer" : "consumer");
    return PyUnicode_FromFormat("<tachyon.Bus %s capacity=%zu%s>",
                                self->role == TACHYON_ROLE_PRODUCER ? "producer" : "consumer",
                                tachyon_capacity(self->bus), self->closing ? " closing" : "");
}

/* ---- Type tables ------------------------------------------------------------- */

static PyMethodDef Bus_methods[] = {
    {"_listen", (PyCFunction)(void (*)(void))Bus_listen, METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "_listen(path, capacity, fingerprint=0, timeout=None, allow_any_uid=False)"},
    {"_connect", (PyCFunction)(void (*)(void))Bus_connect, METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "_connect(path, fingerprint=0, timeout=None)"},
    {"close", (PyCFunction)Bus_close, METH_NOARGS, "Closes this side (a producer flushes first)."},
    {"__enter__", tpy_return_self, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))Bus_exit, METH_FASTCALL, NULL},
    {"send", (PyCFunction)(void (*)(void))Bus_send, METH_FASTCALL | METH_KEYWORDS,
     "send(data, type_id=0, timeout=None): copy data into the ring as one message; waits for room."},
    {"try_send", (PyCFunction)(void (*)(void))Bus_try_send, METH_FASTCALL | METH_KEYWORDS,
     "try_send(data, type_id=0) -> bool: False if the ring is full."},
    {"send_zero_copy", (PyCFunction)(void (*)(void))Bus_send_zero_copy, METH_FASTCALL | METH_KEYWORDS,
     "send_zero_copy(size, type_id=0, timeout=None) -> TxGuard: write a message in place."},
    {"send_typed", (PyCFunction)(void (*)(void))Bus_send_typed, METH_FASTCALL,
     "send_typed(cls, type_id, *values): pack a generated message straight into the ring."},
    {"send_batch", (PyCFunction)(void (*)(void))Bus_send_batch, METH_FASTCALL | METH_KEYWORDS,
     "send_batch(data, type_id=0, record_size=None, timeout=None) -> int: send N records in one call."},
    {"flush", (PyCFunction)Bus_flush, METH_NOARGS, "Publish committed messages now."},
    {"recv", (PyCFunction)(void (*)(void))Bus_recv, METH_FASTCALL | METH_KEYWORDS,
     "recv(timeout=None) -> Message (copied)."},
    {"try_recv", (PyCFunction)Bus_try_recv, METH_NOARGS, "try_recv() -> Message or None."},
    {"recv_zero_copy", (PyCFunction)(void (*)(void))Bus_recv_zero_copy, METH_FASTCALL | METH_KEYWORDS,
     "recv_zero_copy(timeout=None) -> RxGuard: read one message in place."},
    {"drain_batch", (PyCFunction)(void (*)(void))tpy_bus_drain_batch, METH_FASTCALL | METH_KEYWORDS,
     "drain_batch(max=64, timeout=None) -> Batch: read many messages in place."},
    {"arrays", (PyCFunction)(void (*)(void))tpy_bus_arrays, METH_FASTCALL | METH_KEYWORDS,
     "arrays(dtype=uint8, *, end_type_id=None, timeout=None) -> ArrayStream: iterate over the frames as "
     "read-only NumPy arrays over the ring, one frame held at a time."},
    {"stats", (PyCFunction)Bus_stats, METH_NOARGS, "stats() -> Stats (this side's counters)."},
    {"peer_alive", (PyCFunction)Bus_peer_alive, METH_NOARGS, "peer_alive() -> bool"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Bus_getset[] = {
    {"capacity", (getter)Bus_get_capacity, NULL, "ring capacity in bytes", NULL},
    {"max_message_size", (getter)Bus_get_max_message_size, NULL, "largest payload (capacity/2 - 16, at most 4 GiB - 64)", NULL},
    {"fingerprint", (getter)Bus_get_fingerprint, NULL, "schema fingerprint the bus is bound to (0: none)", NULL},
    {"role", (getter)Bus_get_role, NULL, "'consumer' (listener) or 'producer' (connector)", NULL},
    {"closed", (getter)Bus_get_closed, NULL, "True after close()", NULL},
    {"spin", (getter)Bus_get_spin, (setter)Bus_set_spin, "spins before a blocking receive sleeps", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject tpy_bus_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.Bus",
    .tp_basicsize = sizeof(BusObject),
    .tp_dealloc = (destructor)Bus_dealloc,
    .tp_repr = (reprfunc)Bus_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "One side of a Tachyon bus. Create with Bus.listen() or Bus.connect().",
    .tp_traverse = (traverseproc)Bus_traverse,
    .tp_clear = (inquiry)Bus_clear,
    .tp_weaklistoffset = offsetof(BusObject, weakrefs),
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Bus_iternext,
    .tp_methods = Bus_methods,
    .tp_getset = Bus_getset,
};

static PyMemberDef Message_members[] = {
    {"data", T_OBJECT_EX, offsetof(MessageObject, data), READONLY, "payload bytes"},
    {"type_id", T_UINT, offsetof(MessageObject, type_id), READONLY, "message type id"},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef Message_methods[] = {
    TPY_DECODE_METHOD,
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Message_getset[] = {
    {"size", (getter)Message_size, NULL, "payload bytes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs Message_as_buffer = {(getbufferproc)Message_getbuffer, NULL};

PyTypeObject tpy_message_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.Message",
    .tp_basicsize = sizeof(MessageObject),
    .tp_dealloc = (destructor)Message_dealloc,
    .tp_repr = (reprfunc)Message_repr,
    .tp_as_buffer = &Message_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A received message, copied out of the ring: type_id and data (bytes).",
    .tp_richcompare = Message_richcompare,
    .tp_methods = Message_methods,
    .tp_members = Message_members,
    .tp_getset = Message_getset,
    .tp_new = Message_tp_new,
};
